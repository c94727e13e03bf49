# Vigie: the newcomer's entry. `make demo` and `make test` work on a fresh Debian 12 machine
# as root: they install what is missing (deps/apt.txt, package-lock.json), then build.
#
#   make demo            set up, build, start the platform with sample data, print the URL
#   make test            set up, build, run every suite; ends with "N passed, N failed"
#   make test SANITIZE=1 the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make fuzz            run each fuzz target for FUZZ_SECONDS (default 60)
#   make bench           run the benchmarks of bench/ (figures go to docs/performance.md)

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
MESON_OPTS = -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1
else
BUILD ?= build
MESON_OPTS =
endif
FUZZ_SECONDS ?= 60

.PHONY: all setup build test demo fuzz bench clean format

all: build

setup: .stamp-setup

.stamp-setup: deps/apt.txt package-lock.json scripts/setup
	scripts/setup
	@touch $@

$(BUILD)/build.ninja: .stamp-setup
	@if [ -d $(BUILD) ]; then meson setup --reconfigure $(BUILD) $(MESON_OPTS); \
	else meson setup $(BUILD) $(MESON_OPTS); fi

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	tests/run $(BUILD)

demo: build
	scripts/demo $(BUILD)

fuzz: .stamp-setup
	scripts/fuzz $(FUZZ_SECONDS)

bench: build
	bench/run $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fuzz .stamp-setup
