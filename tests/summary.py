"""Counts test points in meson's testlog.json and prints "N passed, N failed".

Each TAP line "ok N" / "not ok N" is one test point. A test program that speaks no TAP
counts as one point. A program that failed (crash, timeout, sanitizer report) after its TAP
points all passed adds one failure, so a crash is never hidden by earlier successes.
"""
import json
import re
import sys

passed = failed = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    test = json.loads(line)
    out = test.get("stdout") or ""
    oks = len(re.findall(r"^ok\b", out, re.M))
    not_oks = len(re.findall(r"^not ok\b", out, re.M))
    good = test.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    if oks + not_oks == 0:
        if good:
            passed += 1
        else:
            failed += 1
        continue
    passed += oks
    failed += not_oks
    if not good and not_oks == 0:
        failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
