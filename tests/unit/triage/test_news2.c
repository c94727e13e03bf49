/* NEWS2: every band of the RCP 2017 chart at, just under and just over its boundaries, on
 * both SpO2 scales; the rule's categories, window, partial sets and scale selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "triage_test.h"

/* Sub-score of one parameter alone (with an O2 flow for scale 2 on oxygen). */
static int sub(enum triage_news2_param param, double value, int scale, double o2_flow)
{
    double v[TRIAGE_NEWS2_PARAM_COUNT];
    for (int i = 0; i < TRIAGE_NEWS2_PARAM_COUNT; i++) v[i] = NAN;
    v[param] = value;
    if (param != TRIAGE_NEWS2_AIR_OR_OXYGEN) v[TRIAGE_NEWS2_AIR_OR_OXYGEN] = o2_flow;
    struct triage_news2 n;
    triage_news2_score(v, scale, &n);
    return n.sub[param];
}

struct expect {
    double value;
    int score;
};

static void check_bands(enum triage_news2_param param, int scale, double o2,
                        const struct expect *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int got = sub(param, cases[i].value, scale, o2);
        if (got != cases[i].score)
            fail_msg("param %d scale %d o2 %g: %g scored %d, expected %d", param, scale, o2,
                     cases[i].value, got, cases[i].score);
    }
}

#define CHECK(param, scale, o2, ...)                                                               \
    do {                                                                                           \
        const struct expect cases_[] = {__VA_ARGS__};                                              \
        check_bands(param, scale, o2, cases_, sizeof cases_ / sizeof cases_[0]);                   \
    } while (0)

static void chart_bands(void **state)
{
    (void)state;
    CHECK(TRIAGE_NEWS2_RESP_RATE, 1, NAN, {7, 3}, {8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0},
          {21, 2}, {24, 2}, {25, 3}, {40, 3});
    CHECK(TRIAGE_NEWS2_SPO2, 1, NAN, {85, 3}, {91, 3}, {92, 2}, {93, 2}, {94, 1}, {95, 1},
          {96, 0}, {100, 0});
    CHECK(TRIAGE_NEWS2_SPO2, 2, NAN, {80, 3}, {83, 3}, {84, 2}, {85, 2}, {86, 1}, {87, 1},
          {88, 0}, {92, 0}, {93, 0}, {97, 0}, {100, 0});
    CHECK(TRIAGE_NEWS2_SPO2, 2, 2.0, {83, 3}, {84, 2}, {87, 1}, {88, 0}, {92, 0}, {93, 1},
          {94, 1}, {95, 2}, {96, 2}, {97, 3}, {100, 3});
    CHECK(TRIAGE_NEWS2_AIR_OR_OXYGEN, 1, NAN, {0, 0}, {0.5, 2}, {2, 2});
    CHECK(TRIAGE_NEWS2_SYSTOLIC_BP, 1, NAN, {80, 3}, {90, 3}, {91, 2}, {100, 2}, {101, 1},
          {110, 1}, {111, 0}, {219, 0}, {220, 3});
    CHECK(TRIAGE_NEWS2_PULSE, 1, NAN, {35, 3}, {40, 3}, {41, 1}, {50, 1}, {51, 0}, {90, 0},
          {91, 1}, {110, 1}, {111, 2}, {130, 2}, {131, 3});
    CHECK(TRIAGE_NEWS2_CONSCIOUSNESS, 1, NAN, {ACVPU_A, 0}, {ACVPU_C, 3}, {ACVPU_V, 3},
          {ACVPU_P, 3}, {ACVPU_U, 3});
    CHECK(TRIAGE_NEWS2_TEMPERATURE, 1, NAN, {34.0, 3}, {35.0, 3}, {35.1, 1}, {36.0, 1},
          {36.1, 0}, {38.0, 0}, {38.1, 1}, {39.0, 1}, {39.1, 2}, {41, 2});
}

static void between_bands_takes_the_more_urgent(void **state)
{
    (void)state;
    CHECK(TRIAGE_NEWS2_SPO2, 1, NAN, {91.5, 3}, {95.5, 1});
    CHECK(TRIAGE_NEWS2_RESP_RATE, 1, NAN, {8.5, 3}, {20.5, 2});
    CHECK(TRIAGE_NEWS2_PULSE, 1, NAN, {90.2, 1}, {130.5, 3});
    CHECK(TRIAGE_NEWS2_TEMPERATURE, 1, NAN, {35.05, 3}, {38.04, 1});
    /* Stored as float, 35.1 is 35.09999847: still on the 35.1 grid point. */
    CHECK(TRIAGE_NEWS2_TEMPERATURE, 1, NAN, {(float)35.1, 1}, {(float)39.1, 2});
}

static void aggregate_and_missing(void **state)
{
    (void)state;
    double v[TRIAGE_NEWS2_PARAM_COUNT] = {21, 94, NAN, 101, 111, ACVPU_A, 38.1};
    struct triage_news2 n;
    triage_news2_score(v, 1, &n);
    assert_int_equal(n.score, 2 + 1 + 1 + 2 + 0 + 1);
    assert_int_equal(n.missing, 1);
    assert_int_equal(n.sub[TRIAGE_NEWS2_AIR_OR_OXYGEN], -1);
    assert_false(n.any_three);
}

/* Feeds a set of readings at T0 for patient 0; NaN skips a parameter. */
static void feed_set(struct world *w, double rr, double spo2, double sbp, double pulse,
                     double temp)
{
    if (!isnan(rr)) observe(w, 0, MEASURE_RESP_RATE, rr, T0);
    if (!isnan(spo2)) observe(w, 0, MEASURE_SPO2, spo2, T0 + 1 * SEC);
    if (!isnan(sbp)) observe2_at(w, 0, MEASURE_BLOOD_PRESSURE, sbp, 70, T0 + 2 * SEC, T0 + 2 * SEC);
    if (!isnan(pulse)) observe(w, 0, MEASURE_HEART_RATE, pulse, T0 + 3 * SEC);
    if (!isnan(temp)) observe(w, 0, MEASURE_TEMPERATURE, temp, T0 + 4 * SEC);
}

static void rule_categories_at_boundaries(void **state)
{
    (void)state;
    struct world *w = world_new();
    /* 2 + 2 = 4: no event. */
    feed_set(w, 21, NAN, NAN, 111, NAN);
    assert_int_equal(count_rule(w, TRIAGE_RULE_NEWS2), 0);
    /* + temperature 38.1 (1) = 5: category 2. */
    observe(w, 0, MEASURE_TEMPERATURE, 38.1, T0 + 10 * SEC);
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 2);
    assert_int_equal(last_of(w, TRIAGE_RULE_NEWS2)->score, 5);
    /* + SpO2 94 (1) = 6: still 2. */
    observe(w, 0, MEASURE_SPO2, 94, T0 + 20 * SEC);
    assert_int_equal(last_of(w, TRIAGE_RULE_NEWS2)->score, 6);
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 2);
    /* + systolic 101 (1) = 7: category 1. */
    observe2_at(w, 0, MEASURE_BLOOD_PRESSURE, 101, 60, T0 + 30 * SEC, T0 + 30 * SEC);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_NEWS2);
    assert_int_equal(ev->score, 7);
    assert_int_equal(ev->category, 1);
    assert_true(ev->notify); /* more urgent than the category-2 events before */
    assert_true(ev->has_detail);
    assert_int_equal(ev->detail[TRIAGE_NEWS2_SYSTOLIC_BP], 1);
    assert_int_equal(ev->detail[TRIAGE_NEWS2_CONSCIOUSNESS], -1);
    assert_int_equal(ev->source_count, 5);
    assert_reason_has(ev, "NEWS2 7 (SpO2 scale 1)");
    assert_reason_has(ev, "missing: air or oxygen (scored as air), consciousness");
    world_free(w);

    /* A single parameter scoring 3 with an aggregate of 3: category 2, and said so. */
    w = world_new();
    observe(w, 0, MEASURE_HEART_RATE, 131, T0);
    ev = last_of(w, TRIAGE_RULE_NEWS2);
    assert_int_equal(ev->category, 2);
    assert_int_equal(ev->score, 3);
    assert_reason_has(ev, "a single parameter scores 3");
    assert_reason_has(ev, "pulse 131/min +3");
    world_clear(w);
    observe(w, 1, MEASURE_HEART_RATE, 130, T0);
    assert_int_equal(w->got.count, 0);
    world_free(w);
}

static void window_includes_exactly_one_hour(void **state)
{
    (void)state;
    struct world *w = world_new();
    observe(w, 0, MEASURE_RESP_RATE, 25, T0);            /* 3 */
    observe(w, 0, MEASURE_SPO2, 91, T0);                 /* 3: already 6 */
    world_clear(w);
    observe(w, 0, MEASURE_HEART_RATE, 91, T0 + HOUR);    /* 1: exactly 1 h later, 7 */
    assert_int_equal(last_of(w, TRIAGE_RULE_NEWS2)->score, 7);
    world_clear(w);
    observe(w, 1, MEASURE_RESP_RATE, 25, T0);
    observe(w, 1, MEASURE_SPO2, 91, T0);
    world_clear(w);
    observe(w, 1, MEASURE_HEART_RATE, 91, T0 + HOUR + SEC); /* the others are out */
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_NEWS2);
    assert_null(ev); /* pulse 91 alone scores 1 */
    world_free(w);
}

static void scale_two_from_condition_and_target(void **state)
{
    (void)state;
    struct world *w = world_new();
    const char *copd[] = {"13645005"};
    assert_int_equal(triage_condition(w->engine, 0, copd, 1, true, T0), TRIAGE_COND_COPD);
    observe(w, 0, MEASURE_SPO2, 88, T0); /* scale 2: 0 */
    assert_int_equal(count_rule(w, TRIAGE_RULE_NEWS2), 0);
    observe(w, 1, MEASURE_SPO2, 88, T0); /* scale 1: 3 */
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 2);
    world_clear(w);

    /* On oxygen at 97 % on scale 2: 3 (+2 for oxygen). */
    observe(w, 0, MEASURE_O2_FLOW, 2, T0 + 10 * MINUTE);
    observe(w, 0, MEASURE_SPO2, 97, T0 + 11 * MINUTE);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_NEWS2);
    assert_non_null(ev);
    assert_int_equal(ev->score, 5);
    assert_reason_has(ev, "SpO2 scale 2");
    assert_reason_has(ev, "oxygen 2 L/min +2");

    /* A coordinator's 94-98 % target puts a COPD patient back on scale 1. */
    struct triage_overrides ov;
    verr e;
    assert_int_equal(triage_overrides_parse("{\"spo2_target\":\"94-98\"}", 23, &ov, &e), 0);
    triage_set_overrides(w->engine, 0, &ov);
    world_clear(w);
    observe(w, 0, MEASURE_SPO2, 89, T0 + 3 * HOUR);
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 2);
    assert_reason_has(last_event(w), "SpO2 scale 1");
    /* and an 88-92 % target puts any patient on scale 2. */
    assert_int_equal(triage_overrides_parse("{\"spo2_target\":\"88-92\"}", 23, &ov, &e), 0);
    triage_set_overrides(w->engine, 1, &ov);
    world_clear(w);
    observe(w, 1, MEASURE_SPO2, 89, T0 + 3 * HOUR);
    assert_int_equal(w->got.count, 0);
    world_free(w);
}

/* triage.news2.copd_scale = 1 keeps COPD on scale 1; hypercapnia still selects scale 2. */
static void copd_scale_is_configurable(void **state)
{
    (void)state;
    struct triage_config cfg;
    triage_config_defaults(&cfg);
    cfg.news2_copd_scale = 1;
    struct world *w = world_new_with(&cfg);
    const char *copd[] = {"13645005"}, *hypercapnic[] = {"426896000"};
    triage_condition(w->engine, 0, copd, 1, true, T0);
    triage_condition(w->engine, 1, copd, 1, true, T0);
    triage_condition(w->engine, 1, hypercapnic, 1, true, T0);
    observe(w, 0, MEASURE_SPO2, 88, T0); /* scale 1: 3 */
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 2);
    assert_reason_has(last_event(w), "SpO2 scale 1");
    world_clear(w);
    observe(w, 1, MEASURE_SPO2, 88, T0); /* scale 2: 0 */
    assert_int_equal(w->got.count, 0);
    assert_int_equal(triage_spo2_scale(&cfg, TRIAGE_COND_COPD), 1);
    assert_int_equal(triage_spo2_scale(&cfg, TRIAGE_COND_COPD | TRIAGE_COND_HYPERCAPNIC), 2);
    triage_config_defaults(&cfg);
    assert_int_equal(triage_spo2_scale(&cfg, TRIAGE_COND_COPD), 2);
    assert_int_equal(triage_spo2_scale(&cfg, TRIAGE_COND_HEART_FAILURE), 1);
    world_free(w);
}

static void hypercapnic_failure_and_children_classify(void **state)
{
    (void)state;
    const char *copd[] = {"13645005", "195951007", "87433001", "185086009"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(triage_condition_classify(copd[i], strlen(copd[i])), TRIAGE_COND_COPD);
    assert_int_equal(triage_condition_classify("426896000", 9), TRIAGE_COND_HYPERCAPNIC);
    assert_int_equal(triage_condition_classify("29596007", 8), TRIAGE_COND_HYPERCAPNIC);
    assert_int_equal(triage_condition_classify("84114007", 8), TRIAGE_COND_HEART_FAILURE);
    assert_int_equal(triage_condition_classify("44054006", 8), TRIAGE_COND_DIABETES);
    assert_int_equal(triage_condition_classify("1234", 4), 0);
}

static void late_set_is_not_raised_as_immediate(void **state)
{
    (void)state;
    struct world *w = world_new();
    int64_t now = T0 + 13 * HOUR;
    observe2_at(w, 0, MEASURE_RESP_RATE, 25, NAN, T0, now);
    observe2_at(w, 0, MEASURE_SPO2, 91, NAN, T0, now);
    observe2_at(w, 0, MEASURE_HEART_RATE, 131, NAN, T0, now);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_NEWS2);
    assert_int_equal(ev->score, 9);
    assert_int_equal(ev->category, 2);
    assert_true(ev->late);
    assert_reason_has(ev, "late data, measured 13 h before it was received");
    assert_reason_has(ev, "category 1 lowered to 2");
    assert_int_equal(ev->at_ms, T0);
    /* 12 h exactly is not late. */
    world_clear(w);
    observe2_at(w, 1, MEASURE_RESP_RATE, 25, NAN, T0, T0 + 12 * HOUR);
    observe2_at(w, 1, MEASURE_SPO2, 91, NAN, T0, T0 + 12 * HOUR);
    observe2_at(w, 1, MEASURE_HEART_RATE, 131, NAN, T0, T0 + 12 * HOUR);
    assert_int_equal(last_category(w, TRIAGE_RULE_NEWS2), 1);
    assert_false(last_event(w)->late);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chart_bands),
        cmocka_unit_test(between_bands_takes_the_more_urgent),
        cmocka_unit_test(aggregate_and_missing),
        cmocka_unit_test(rule_categories_at_boundaries),
        cmocka_unit_test(window_includes_exactly_one_hour),
        cmocka_unit_test(scale_two_from_condition_and_target),
        cmocka_unit_test(copd_scale_is_configurable),
        cmocka_unit_test(hypercapnic_failure_and_children_classify),
        cmocka_unit_test(late_set_is_not_raised_as_immediate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
