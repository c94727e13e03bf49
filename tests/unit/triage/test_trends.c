/* Trends against the patient's own baseline: heart-failure weight gain, SpO2 drift and
 * activity decline, at, just under and just over their thresholds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "triage_test.h"

/* Morning weights: weights[i] on day i (NaN skips the day); category of the last event. */
static int weight_story(const double *weights, size_t days, struct world **out)
{
    struct world *w = world_new();
    for (size_t d = 0; d < days; d++)
        if (!isnan(weights[d])) observe(w, 0, MEASURE_WEIGHT, weights[d], T0 + (int64_t)d * DAY);
    int c = last_category(w, TRIAGE_RULE_WEIGHT_GAIN);
    if (out)
        *out = w;
    else
        world_free(w);
    return c;
}

static void weight_gain_over_three_days(void **state)
{
    (void)state;
    const double exact[] = {71.0, NAN, NAN, 73.0};
    assert_int_equal(weight_story(exact, 4, NULL), 0); /* +2.0: not more than 2 */
    const double under[] = {71.0, NAN, NAN, 72.9};
    assert_int_equal(weight_story(under, 4, NULL), 0);
    const double over[] = {71.0, NAN, NAN, 73.1};
    struct world *w;
    assert_int_equal(weight_story(over, 4, &w), 2);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_WEIGHT_GAIN);
    assert_int_equal(ev->nature, TRIAGE_CHRONIC);
    assert_reason_has(ev, "weight +2.1 kg in 3 days (71.0 -> 73.1 kg)");
    world_free(w);
    /* Against the lowest of the 3 days, not only the first. */
    const double dip[] = {72.0, 71.0, 72.0, 73.4};
    assert_int_equal(weight_story(dip, 4, &w), 2);
    assert_reason_has(last_event(w), "+2.4 kg in 2 days (71.0 -> 73.4 kg)");
    world_free(w);
    /* A gain of 2.5 kg over 4 days is out of the 3-day window: a slower gain, category 3. */
    const double four[] = {71.0, NAN, NAN, NAN, 73.5};
    assert_int_equal(weight_story(four, 5, &w), 3);
    assert_reason_has(last_event(w), "a slower gain");
    world_free(w);
}

static void weight_slow_trend_over_a_week(void **state)
{
    (void)state;
    const double slow[] = {70.0, NAN, 70.8, NAN, 71.4, NAN, 72.1};
    struct world *w;
    assert_int_equal(weight_story(slow, 7, &w), 3);
    assert_reason_has(last_event(w), "+2.1 kg in 6 days (70.0 -> 72.1 kg)");
    world_free(w);
    const double flat[] = {70.0, NAN, 70.8, NAN, 71.4, NAN, 72.0};
    assert_int_equal(weight_story(flat, 7, NULL), 0);
    /* Eight days back is outside the week. */
    const double old[] = {70.0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 72.5};
    assert_int_equal(weight_story(old, 9, NULL), 0);
}

static void weight_jump_is_an_artefact(void **state)
{
    (void)state;
    struct world *w = world_new();
    observe(w, 0, MEASURE_WEIGHT, 71.0, T0);
    assert_int_equal(observe(w, 0, MEASURE_WEIGHT, 76.1, T0 + DAY), TRIAGE_ARTEFACT);
    assert_int_equal(w->got.count, 0);
    /* 4.9 kg is a real (alarming) gain. */
    assert_int_equal(observe(w, 0, MEASURE_WEIGHT, 75.9, T0 + DAY), TRIAGE_USED);
    assert_int_equal(last_category(w, TRIAGE_RULE_WEIGHT_GAIN), 2);
    world_free(w);
}

static void spo2_story(struct world *w, uint32_t patient, const double *days, size_t n)
{
    for (size_t d = 0; d < n; d++)
        if (!isnan(days[d])) observe(w, patient, MEASURE_SPO2, days[d], T0 + (int64_t)d * DAY);
}

static void spo2_drift_three_points(void **state)
{
    (void)state;
    struct world *w = world_new();
    const double at3[] = {95, 95, 95, 95, 95, 95, 95, 92};
    const double under[] = {95, 95, 95, 95, 95, 95, 95, 92.1};
    const double over[] = {95, 95, 95, 95, 95, 95, 95, 91.9};
    spo2_story(w, 0, at3, 8);
    spo2_story(w, 1, under, 8);
    spo2_story(w, 2, over, 8);
    size_t fired[3] = {0};
    for (size_t i = 0; i < w->got.count; i++)
        if (w->got.events[i].ev.rule == TRIAGE_RULE_SPO2_DRIFT) fired[w->got.events[i].ev.patient]++;
    assert_int_equal(fired[0], 1);
    assert_int_equal(fired[1], 0);
    assert_int_equal(fired[2], 1);
    world_clear(w);
    spo2_story(w, 3, at3, 8);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_SPO2_DRIFT);
    assert_int_equal(ev->category, 3);
    assert_reason_has(ev, "SpO2 92 % today against 95 % over the 7 days before (-3 points");
    world_free(w);
}

static void spo2_drift_sustained_and_baseline_size(void **state)
{
    (void)state;
    struct world *w = world_new();
    const double two_days[] = {95, 95, 95, 95, 95, 95, 95, 92, 92};
    spo2_story(w, 0, two_days, 9);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_SPO2_DRIFT);
    assert_int_equal(ev->category, 2);
    assert_reason_has(ev, "92 % yesterday too: sustained");
    world_clear(w);
    /* Two days of baseline are too few (at least 3). */
    const double short_base[] = {95, 95, 91};
    spo2_story(w, 1, short_base, 3);
    assert_int_equal(count_rule(w, TRIAGE_RULE_SPO2_DRIFT), 0);
    const double three_base[] = {95, 95, 95, 91};
    spo2_story(w, 2, three_base, 4);
    assert_int_equal(count_rule(w, TRIAGE_RULE_SPO2_DRIFT), 1);
    world_free(w);
}

/* 28 days at 4000 steps, then three run days. */
static int activity_story(double d1, double d2, double d3, int baseline_days)
{
    struct world *w = world_new();
    for (int d = 28 - baseline_days; d < 28; d++)
        observe(w, 0, MEASURE_STEPS, 4000, T0 + d * DAY);
    observe(w, 0, MEASURE_STEPS, d1, T0 + 28 * DAY);
    observe(w, 0, MEASURE_STEPS, d2, T0 + 29 * DAY);
    observe(w, 0, MEASURE_STEPS, d3, T0 + 30 * DAY);
    int c = last_category(w, TRIAGE_RULE_ACTIVITY_DECLINE);
    world_free(w);
    return c;
}

static void activity_decline_three_days(void **state)
{
    (void)state;
    /* SD 0 is floored at 10 % of the mean: limit 4000 - 2 x 400 = 3200. */
    assert_int_equal(activity_story(3190, 3190, 3190, 28), 3);
    assert_int_equal(activity_story(3200, 3190, 3190, 28), 0);
    assert_int_equal(activity_story(3190, 3190, 3210, 28), 0);
    assert_int_equal(activity_story(500, 3190, 400, 28), 3);
    /* At least 14 baseline days. */
    assert_int_equal(activity_story(1000, 1000, 1000, 14), 3);
    assert_int_equal(activity_story(1000, 1000, 1000, 13), 0);

    /* A noisy baseline has a wide SD: mean 4500, SD about 509, limit about 3482. */
    struct world *w = world_new();
    for (int d = 0; d < 28; d++)
        observe(w, 0, MEASURE_STEPS, d % 2 ? 5000 : 4000, T0 + d * DAY);
    for (int d = 28; d < 31; d++) observe(w, 0, MEASURE_STEPS, 3490, T0 + d * DAY);
    assert_int_equal(count_rule(w, TRIAGE_RULE_ACTIVITY_DECLINE), 0);
    observe(w, 0, MEASURE_STEPS, 3470, T0 + 31 * DAY); /* day 31: run 29-31 */
    assert_int_equal(count_rule(w, TRIAGE_RULE_ACTIVITY_DECLINE), 0); /* 29, 30 were 3490 */
    world_free(w);

    /* A counter sending the day's running total: the largest count stands. */
    w = world_new();
    for (int d = 0; d < 28; d++) observe(w, 0, MEASURE_STEPS, 4000, T0 + d * DAY);
    for (int d = 28; d < 31; d++) {
        observe(w, 0, MEASURE_STEPS, 500, T0 + d * DAY + 9 * HOUR);
        observe(w, 0, MEASURE_STEPS, 4100, T0 + d * DAY + 20 * HOUR);
    }
    assert_int_equal(count_rule(w, TRIAGE_RULE_ACTIVITY_DECLINE), 0);
    world_free(w);
}

static void activity_reason(void **state)
{
    (void)state;
    struct world *w = world_new();
    for (int d = 0; d < 28; d++) observe(w, 0, MEASURE_STEPS, 4000, T0 + d * DAY);
    observe(w, 0, MEASURE_STEPS, 1200, T0 + 28 * DAY);
    observe(w, 0, MEASURE_STEPS, 900, T0 + 29 * DAY);
    observe(w, 0, MEASURE_STEPS, 850, T0 + 30 * DAY);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_ACTIVITY_DECLINE);
    assert_non_null(ev);
    assert_int_equal(ev->nature, TRIAGE_CHRONIC);
    assert_reason_has(ev, "steps 1200, 900 and 850 a day on the last 3 days, below 3200 "
                          "(28-day baseline 4000 +/- 400; mean - 2 SD)");
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weight_gain_over_three_days),
        cmocka_unit_test(weight_slow_trend_over_a_week),
        cmocka_unit_test(weight_jump_is_an_artefact),
        cmocka_unit_test(spo2_drift_three_points),
        cmocka_unit_test(spo2_drift_sustained_and_baseline_size),
        cmocka_unit_test(activity_decline_three_days),
        cmocka_unit_test(activity_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
