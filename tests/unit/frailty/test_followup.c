/* Follow-up: due dates on the calendar (month ends, leap years), overdue status at a given
 * "now", and the decline since the previous screening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frailty_test.h"

static void assert_day(int64_t day, const char *expected)
{
    char text[16];
    frailty_format_day(day, text);
    assert_string_equal(text, expected);
}

static void months_on_the_calendar(void **state)
{
    (void)state;
    assert_day(frailty_add_months(test_day(2026, 3, 4), 6), "2026-09-04");
    assert_day(frailty_add_months(test_day(2025, 12, 15), 6), "2026-06-15");
    assert_day(frailty_add_months(test_day(2025, 11, 30), 4), "2026-03-30");
    /* month ends: the last day of a shorter month */
    assert_day(frailty_add_months(test_day(2025, 8, 31), 6), "2026-02-28");
    assert_day(frailty_add_months(test_day(2026, 1, 31), 4), "2026-05-31");
    assert_day(frailty_add_months(test_day(2026, 5, 31), 4), "2026-09-30");
    assert_day(frailty_add_months(test_day(2026, 3, 31), -1), "2026-02-28");
    /* leap years: 29 February exists in 2024 and 2028, not in 2100 */
    assert_day(frailty_add_months(test_day(2023, 10, 31), 4), "2024-02-29");
    assert_day(frailty_add_months(test_day(2027, 8, 31), 6), "2028-02-29");
    assert_day(frailty_add_months(test_day(2024, 10, 31), 4), "2025-02-28");
    assert_day(frailty_add_months(test_day(2099, 8, 30), 6), "2100-02-28");
    assert_day(frailty_add_months(test_day(2024, 2, 29), 6), "2024-08-29");
    assert_day(frailty_add_months(test_day(2024, 2, 29), 12), "2025-02-28");
}

static void next_due_positive_or_not(void **state)
{
    (void)state;
    assert_day(frailty_next_due_day(test_day(2026, 3, 4), 0), "2026-09-04");
    assert_day(frailty_next_due_day(test_day(2026, 3, 4), FRAILTY_BIT(FRAILTY_VISION)),
               "2026-07-04");
    assert_day(frailty_next_due_day(test_day(2025, 10, 31), FRAILTY_BIT(FRAILTY_MOOD)),
               "2026-02-28");
    assert_day(frailty_next_due_day(test_day(2025, 8, 31), 0), "2026-02-28");
}

static void overdue_at_now(void **state)
{
    (void)state;
    int64_t due = test_day(2026, 9, 4);
    int64_t end_of_due_day = test_ms(2026, 9, 5) - 1;
    assert_int_equal(frailty_days_overdue(due, test_ms(2026, 9, 3)), -1);
    assert_int_equal(frailty_days_overdue(due, end_of_due_day), 0);
    assert_false(frailty_overdue(due, end_of_due_day));
    assert_int_equal(frailty_days_overdue(due, end_of_due_day + 1), 1);
    assert_true(frailty_overdue(due, end_of_due_day + 1));
    assert_int_equal(frailty_days_overdue(due, test_ms(2027, 9, 4)), 365);
    /* instants before 1970 fall on their own day */
    assert_int_equal(frailty_day_of(-1), -1);
    assert_int_equal(frailty_day_of(-INSTANT_MS_PER_DAY), -1);
    assert_int_equal(frailty_day_of(0), 0);
}

/* A screening on `authored` with chair rises in `seconds` (0: unable). */
static json_t *screening(const char *authored, double seconds)
{
    json_t *qr = qr_valid();
    json_object_set_new(qr, "authored", json_string(authored));
    if (seconds > 0) {
        qr_decimal(qr, "mobility.chair-rise-seconds", seconds);
    } else {
        qr_bool(qr, "mobility.chair-rise-completed", 0);
        qr_remove(qr, "mobility.chair-rise-seconds");
    }
    return qr;
}

static void decline_text_is(const struct frailty_decline *d, const char *expected)
{
    buf out;
    buf_init(&out, 4096);
    assert_int_equal(frailty_decline_text(d, &out), 0);
    assert_string_equal(buf_cstr(&out), expected);
    buf_free(&out);
}

static void decline_newly_positive_and_measures(void **state)
{
    (void)state;
    struct frailty_result before, now;
    json_t *qr = screening("2025-09-04", 11);
    qr_bool(qr, "vision.eye-problems", 1);
    score_ok(qr, &before);
    qr = screening("2026-03-04", 15.5);
    qr_set(qr, "cognition.recall", "valueInteger", json_integer(1));
    qr_bool(qr, "hearing.whisper-left", 0);
    qr_bool(qr, "mood.little-interest", 1);
    score_ok(qr, &now);
    struct frailty_decline d;
    frailty_decline_compute(&before, &now, &d);
    assert_true(d.has_previous);
    assert_true(frailty_declined(&d));
    assert_int_equal(d.previous_day, test_day(2025, 9, 4));
    assert_int_equal(d.newly_positive,
                     FRAILTY_BIT(FRAILTY_COGNITION) | FRAILTY_BIT(FRAILTY_MOBILITY) |
                         FRAILTY_BIT(FRAILTY_HEARING) | FRAILTY_BIT(FRAILTY_MOOD));
    assert_int_equal(d.resolved, FRAILTY_BIT(FRAILTY_VISION));
    assert_int_equal(d.worsened_count, 4);
    decline_text_is(&d, "since 2025-09-04: newly positive: cognition, mobility, hearing, mood; "
                        "worse: words recalled: 3 -> 1 of 3, chair rises: 11 s -> 15.5 s (+4.5 s), "
                        "whisper test, left ear: now failed, little interest or pleasure in doing "
                        "things: new; no longer positive: vision");

    buf out;
    buf_init(&out, 16 * 1024);
    assert_int_equal(frailty_result_write_json(&now, &d, &out), 0);
    json_t *j = json_loads(buf_cstr(&out), 0, NULL);
    json_t *decline = json_object_get(j, "decline");
    assert_string_equal(json_string_value(json_object_get(decline, "since")), "2025-09-04");
    assert_int_equal(json_array_size(json_object_get(decline, "newly_positive")), 4);
    assert_string_equal(json_string_value(json_array_get(json_object_get(decline, "resolved"), 0)),
                        "vision");
    assert_string_equal(json_string_value(json_array_get(json_object_get(decline, "worsened"), 1)),
                        "chair rises: 11 s -> 15.5 s (+4.5 s)");
    json_decref(j);
    buf_free(&out);

    buf_init(&out, 16 * 1024);
    assert_int_equal(frailty_case_detail(&now, &d, &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "\nsince 2025-09-04: newly positive: cognition"));
    buf_free(&out);
}

static void decline_chair_rise_time(void **state)
{
    (void)state;
    struct frailty_result before, now;
    struct frailty_decline d;
    /* slower by less than the minimum detectable change (2.5 s), still negative: not worse */
    score_ok(screening("2025-09-04", 8), &before);
    score_ok(screening("2026-03-04", 10.4), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_false(frailty_declined(&d));
    decline_text_is(&d, "since 2025-09-04: no decline");
    /* 2.5 s slower (10.1 -> 12.6, computed as 2.4999...): worse, though negative */
    score_ok(screening("2025-09-04", 10.1), &before);
    score_ok(screening("2026-03-04", 12.6), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_int_equal(d.newly_positive, 0);
    assert_int_equal(d.worsened_count, 1);
    assert_string_equal(d.worsened[0], "chair rises: 10.1 s -> 12.6 s (+2.5 s)");
    /* a small change that crosses 14 s is shown with the newly positive domain */
    score_ok(screening("2025-09-04", 13.5), &before);
    score_ok(screening("2026-03-04", 14.5), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_int_equal(d.newly_positive, FRAILTY_BIT(FRAILTY_MOBILITY));
    assert_string_equal(d.worsened[0], "chair rises: 13.5 s -> 14.5 s (+1 s)");
    /* now unable */
    score_ok(screening("2026-03-04", 0), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_string_equal(d.worsened[0], "chair rises: 13.5 s before, now unable without the arms");
    /* faster, or unable both times: nothing */
    score_ok(screening("2026-03-04", 9), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_false(frailty_declined(&d));
    score_ok(screening("2025-09-04", 0), &before);
    score_ok(screening("2026-03-04", 0), &now);
    frailty_decline_compute(&before, &now, &d);
    assert_false(frailty_declined(&d));
}

static void decline_other_answers(void **state)
{
    (void)state;
    struct frailty_result before, now;
    struct frailty_decline d;
    json_t *qr = qr_valid();
    qr_bool(qr, "cognition.orientation-time", 0);
    qr_bool(qr, "hearing.whisper-right", 0);
    score_ok(qr, &before);
    qr = qr_valid();
    qr_bool(qr, "cognition.orientation-time", 0);
    qr_bool(qr, "cognition.orientation-place", 0);
    qr_bool(qr, "hearing.whisper-right", 0);
    qr_bool(qr, "hearing.whisper-left", 0);
    qr_decimal(qr, "nutrition.weight-loss-kg", 4.2);
    qr_bool(qr, "nutrition.appetite-loss", 1);
    qr_bool(qr, "vision.eye-problems", 1);
    qr_bool(qr, "mood.feeling-down", 1);
    score_ok(qr, &now);
    frailty_decline_compute(&before, &now, &d);
    /* cognition and hearing were already positive: worse inside them, not newly positive */
    assert_int_equal(d.newly_positive, FRAILTY_BIT(FRAILTY_NUTRITION) |
                                           FRAILTY_BIT(FRAILTY_VISION) | FRAILTY_BIT(FRAILTY_MOOD));
    const char *expected[] = {"orientation in place: now wrong",
                              "weight loss of more than 3 kg in 3 months: new",
                              "loss of appetite: new",
                              "problems with the eyes: new",
                              "whisper test, left ear: now failed",
                              "feeling down, depressed or hopeless: new"};
    assert_int_equal(d.worsened_count, 6);
    for (size_t i = 0; i < 6; i++) assert_string_equal(d.worsened[i], expected[i]);
}

static void first_screening_has_no_decline(void **state)
{
    (void)state;
    struct frailty_result now;
    struct frailty_decline d;
    score_ok(screening("2026-03-04", 20), &now);
    frailty_decline_compute(NULL, &now, &d);
    assert_false(d.has_previous);
    assert_false(frailty_declined(&d));
    decline_text_is(&d, "");
    buf out;
    buf_init(&out, 16 * 1024);
    assert_int_equal(frailty_result_write_json(&now, &d, &out), 0);
    assert_null(strstr(buf_cstr(&out), "decline"));
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(months_on_the_calendar),
        cmocka_unit_test(next_due_positive_or_not),
        cmocka_unit_test(overdue_at_now),
        cmocka_unit_test(decline_newly_positive_and_measures),
        cmocka_unit_test(decline_chair_rise_time),
        cmocka_unit_test(decline_other_answers),
        cmocka_unit_test(first_screening_has_no_decline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
