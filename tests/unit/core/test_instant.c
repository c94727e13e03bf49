#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/instant.h"

static int64_t parse_ok(const char *s, enum instant_precision *prec)
{
    int64_t ms = 0;
    verr e = {{0}};
    int rc = instant_parse(s, strlen(s), &ms, prec, &e);
    if (rc != 0) fail_msg("%s: %s", s, e.msg);
    return ms;
}

static void parse_full_with_zone(void **state)
{
    (void)state;
    enum instant_precision p;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z", &p), 0);
    assert_int_equal(p, INSTANT_SECOND);
    assert_int_equal(parse_ok("2026-03-04T07:12:00Z", &p), 1772608320000LL);
    /* +01:00 is one hour ahead of UTC: the same instant as 06:12Z */
    assert_int_equal(parse_ok("2026-03-04T07:12:00+01:00", &p), 1772608320000LL - 3600000);
    assert_int_equal(parse_ok("2026-03-04T07:12:00-02:30", &p),
                     1772608320000LL + 2 * 3600000 + 30 * 60000);
    assert_int_equal(parse_ok("2026-03-04T07:12:00.250Z", &p), 1772608320250LL);
    assert_int_equal(parse_ok("2026-03-04T07:12:00.5Z", &p), 1772608320500LL);
}

static void parse_partial_dates_keep_precision(void **state)
{
    (void)state;
    enum instant_precision p;
    assert_int_equal(parse_ok("2026", &p), 1767225600000LL);
    assert_int_equal(p, INSTANT_YEAR);
    assert_int_equal(parse_ok("2026-03", &p), 1772323200000LL);
    assert_int_equal(p, INSTANT_MONTH);
    assert_int_equal(parse_ok("2024-02-29", &p), 1709164800000LL);
    assert_int_equal(p, INSTANT_DAY);
}

static void rejects_invalid(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "26-03-04",
                         "2026-13-01",
                         "2026-02-30",
                         "2025-02-29",
                         "2026-03-04T07:12:00", /* no offset */
                         "2026-03-04T07:12Z",   /* no seconds */
                         "2026-03-04T24:00:00Z",
                         "2026-03-04 07:12:00Z",
                         "2026-03-04T07:12:00+1:00",
                         "2026-03-04T07:12:00.Z",
                         "2026-03-04T07:12:00Zjunk",
                         "0000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms;
        verr e = {{0}};
        if (instant_parse(bad[i], strlen(bad[i]), &ms, NULL, &e) == 0)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(strlen(e.msg) > 0);
    }
    int64_t ms;
    verr e;
    instant_parse("2026-03-04T07:12:00", 19, &ms, NULL, &e);
    assert_non_null(strstr(e.msg, "time zone"));
}

static void format_round_trip(void **state)
{
    (void)state;
    char out[40];
    instant_format_utc(1772608320000LL, out);
    assert_string_equal(out, "2026-03-04T07:12:00Z");
    instant_format_utc(1772608320250LL, out);
    assert_string_equal(out, "2026-03-04T07:12:00.250Z");
    instant_format(1772323200000LL, INSTANT_MONTH, out);
    assert_string_equal(out, "2026-03");
    instant_format_utc(-1000, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    for (int64_t ms = -86400000LL * 800; ms < 86400000LL * 800; ms += 86400000LL * 7 + 12345) {
        enum instant_precision p;
        instant_format_utc(ms, out);
        assert_int_equal(parse_ok(out, &p), ms);
    }
}

static void durations(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(instant_parse_duration("15min", &ms, NULL), 0);
    assert_int_equal(ms, 15 * 60000);
    assert_int_equal(instant_parse_duration("48h", &ms, NULL), 0);
    assert_int_equal(ms, 48 * 3600000LL);
    assert_int_equal(instant_parse_duration("7d", &ms, NULL), 0);
    assert_int_equal(ms, 7 * 86400000LL);
    assert_int_equal(instant_parse_duration("90 s", &ms, NULL), 0);
    assert_int_equal(ms, 90000);
    verr e;
    assert_int_equal(instant_parse_duration("15m", &ms, &e), -1);
    assert_int_equal(instant_parse_duration("h", &ms, &e), -1);
    assert_int_equal(instant_parse_duration("-3h", &ms, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_full_with_zone),
        cmocka_unit_test(parse_partial_dates_keep_precision),
        cmocka_unit_test(rejects_invalid),
        cmocka_unit_test(format_round_trip),
        cmocka_unit_test(durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
