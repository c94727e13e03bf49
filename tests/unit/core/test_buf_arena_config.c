#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"

static void buf_respects_max(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), 0);
    assert_int_equal(buf_putc(&b, '9'), -1);
    assert_int_equal(b.len, 8);
    assert_string_equal(buf_cstr(&b), "12345678");
    buf_free(&b);
}

static void buf_without_limit_grows(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, SIZE_MAX);
    for (int i = 0; i < 1000; i++) assert_int_equal(buf_puts(&b, "0123456789"), 0);
    assert_int_equal(b.len, 10000);
    buf_free(&b);
}

static void buf_json_escapes(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 1024);
    const char s[] = "a\"b\\c\nd\x01\xc3\xa9";
    buf_append_json_string(&b, s, sizeof s - 1);
    assert_string_equal(buf_cstr(&b), "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\"");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%0300d", 7), 0);
    assert_int_equal(b.len, 300);
    buf_free(&b);
}

static void arena_alignment_and_reset(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    for (int i = 1; i < 200; i++) {
        char *p = arena_alloc(&a, (size_t)i);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 'x', (size_t)i);
    }
    char *big = arena_alloc(&a, 100000);
    memset(big, 0, 100000);
    assert_string_equal(arena_printf(&a, "%s-%d", "p", 42), "p-42");
    arena_reset(&a);
    assert_int_equal(a.used_total, 0);
    assert_string_equal(arena_strndup(&a, "hello world", 5), "hello");
    arena_free(&a);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/vigie-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void config_sections_and_types(void **state)
{
    (void)state;
    char *path = write_temp("# comment\n[server]\nlisten = 0.0.0.0:9000 # trailing\n"
                            "max_body = 4MiB\n\n[triage.news2]\nwindow = 2h\nratio=0.5\n");
    verr e;
    config *c = config_load(path, &e);
    assert_non_null(c);
    assert_string_equal(config_get(c, "server.listen"), "0.0.0.0:9000");
    int64_t size, ms;
    double ratio;
    assert_int_equal(config_get_size(c, "server.max_body", "32MiB", &size, &e), 0);
    assert_int_equal(size, 4 << 20);
    assert_int_equal(config_get_duration(c, "triage.news2.window", "1h", &ms, &e), 0);
    assert_int_equal(ms, 7200000);
    assert_int_equal(config_get_double(c, "triage.news2.ratio", 1, 0, 1, &ratio, &e), 0);
    assert_true(ratio == 0.5);
    assert_int_equal(config_check_unused(c, &e), 0);
    config_free(c);
    unlink(path);
    free(path);
}

static void config_errors_name_the_key(void **state)
{
    (void)state;
    char *path = write_temp("[a]\nn = 12x\nspeling = 3\n");
    verr e;
    config *c = config_load(path, &e);
    assert_non_null(c);
    int64_t n;
    assert_int_equal(config_get_int(c, "a.n", 0, 0, 100, &n, &e), -1);
    assert_non_null(strstr(e.msg, "a.n"));
    assert_non_null(strstr(e.msg, ":2"));
    assert_int_equal(config_check_unused(c, &e), -1);
    assert_non_null(strstr(e.msg, "a.speling"));
    config_free(c);
    unlink(path);
    free(path);

    path = write_temp("[broken\n");
    assert_null(config_load(path, &e));
    assert_non_null(strstr(e.msg, ":1"));
    unlink(path);
    free(path);
}

/* A relative path in a file is taken from the file's directory; one set in code, or an
 * absolute one, is kept as it is. */
static void config_paths_follow_the_file(void **state)
{
    (void)state;
    char *path = write_temp("[territory]\ndata_dir = data\ncommunes = /srv/c.csv\n");
    verr e;
    config *c = config_load(path, &e);
    assert_non_null(c);
    char out[256], expected[256];
    assert_int_equal(config_get_path(c, "territory.data_dir", out, sizeof out, &e), 1);
    snprintf(expected, sizeof expected, "%.*s/data", (int)(strrchr(path, '/') - path), path);
    assert_string_equal(out, expected);
    assert_int_equal(config_get_path(c, "territory.communes", out, sizeof out, &e), 1);
    assert_string_equal(out, "/srv/c.csv");
    assert_int_equal(config_get_path(c, "territory.map", out, sizeof out, &e), 0);
    assert_string_equal(out, "");
    config_set(c, "territory.map", "here/map.geojson");
    assert_int_equal(config_get_path(c, "territory.map", out, sizeof out, &e), 1);
    assert_string_equal(out, "here/map.geojson");
    char tiny[8];
    assert_int_equal(config_get_path(c, "territory.data_dir", tiny, sizeof tiny, &e), -1);
    assert_non_null(strstr(e.msg, "territory.data_dir"));
    assert_int_equal(config_check_unused(c, &e), 0);
    config_free(c);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_respects_max),
        cmocka_unit_test(buf_without_limit_grows),
        cmocka_unit_test(buf_json_escapes),
        cmocka_unit_test(arena_alignment_and_reset),
        cmocka_unit_test(config_sections_and_types),
        cmocka_unit_test(config_errors_name_the_key),
        cmocka_unit_test(config_paths_follow_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
