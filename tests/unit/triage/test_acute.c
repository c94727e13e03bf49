/* Blood pressure, glucose and falls at, just under and just over every boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "triage_test.h"

static int bp_category(double systolic, double diastolic)
{
    struct world *w = world_new();
    observe2_at(w, 0, MEASURE_BLOOD_PRESSURE, systolic, diastolic, T0, T0);
    int c = last_category(w, TRIAGE_RULE_BP_HIGH);
    world_free(w);
    return c;
}

static void bp_boundaries(void **state)
{
    (void)state;
    assert_int_equal(bp_category(179, 90), 0);
    assert_int_equal(bp_category(179.5, 90), 0);
    assert_int_equal(bp_category(180, 90), 2);
    assert_int_equal(bp_category(181, 90), 2);
    assert_int_equal(bp_category(150, 119), 0);
    assert_int_equal(bp_category(150, 120), 2);
    assert_int_equal(bp_category(150, 121), 2);
    /* Either part alone. */
    assert_int_equal(bp_category(185, NAN), 2);
    assert_int_equal(bp_category(NAN, 125), 2);
    assert_int_equal(bp_category(NAN, 100), 0);
}

static void bp_with_red_flag_is_immediate(void **state)
{
    (void)state;
    struct world *w = world_new();
    observe2_at(w, 0, MEASURE_BLOOD_PRESSURE, 190, 100, T0, T0);
    assert_int_equal(last_category(w, TRIAGE_RULE_BP_HIGH), 2);
    /* Chest pain 2 h later: the high reading becomes a possible emergency. */
    report(w, 0, "Il a une douleur thoracique", T0 + 2 * HOUR);
    assert_int_equal(last_category(w, TRIAGE_RULE_REPORT), 1);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_BP_HIGH);
    assert_int_equal(ev->category, 1);
    assert_true(ev->notify);
    assert_int_equal(ev->source_count, 2);
    assert_reason_has(ev, "blood pressure 190/100 mmHg measured 2 h before a report of chest pain");
    world_free(w);

    /* The complaint first, the reading within 6 h. */
    w = world_new();
    report(w, 0, "headache, blurred vision since noon", T0);
    assert_int_equal(last_category(w, TRIAGE_RULE_REPORT), 2);
    observe2_at(w, 0, MEASURE_BLOOD_PRESSURE, 200, 110, T0 + 6 * HOUR, T0 + 6 * HOUR);
    assert_int_equal(last_category(w, TRIAGE_RULE_BP_HIGH), 1);
    assert_reason_has(last_event(w), "with visual disturbance reported 6 h before");
    /* Beyond 6 h it is category 2 again. */
    observe2_at(w, 1, MEASURE_BLOOD_PRESSURE, 200, 110, T0, T0);
    report(w, 1, "headache, blurred vision since noon", T0 + 6 * HOUR + SEC);
    assert_int_equal(last_category(w, TRIAGE_RULE_BP_HIGH), 2);
    /* A negated red flag does not escalate. */
    world_clear(w);
    observe2_at(w, 2, MEASURE_BLOOD_PRESSURE, 200, 110, T0, T0);
    report(w, 2, "pas de douleur thoracique", T0 + HOUR);
    assert_int_equal(count_rule(w, TRIAGE_RULE_BP_HIGH), 1);
    assert_int_equal(count_rule(w, TRIAGE_RULE_REPORT), 0);
    world_free(w);
}

static int glucose_event(struct world *w, uint32_t patient, double mg_dl, int64_t at,
                         enum triage_rule *rule)
{
    size_t before = w->got.count;
    observe(w, patient, MEASURE_GLUCOSE, mg_dl, at);
    if (w->got.count == before) return 0;
    *rule = last_event(w)->rule;
    return last_event(w)->category;
}

static void glucose_levels(void **state)
{
    (void)state;
    struct world *w = world_new();
    enum triage_rule rule;
    uint32_t p = 0;
    /* Each on its own patient so the repeat rule does not interfere. */
    assert_int_equal(glucose_event(w, p++, 53, T0, &rule), 1);
    assert_int_equal(rule, TRIAGE_RULE_GLUCOSE_LOW);
    assert_reason_has(last_event(w), "glucose 53 mg/dL (2.9 mmol/L): level 2 hypoglycaemia");
    assert_int_equal(glucose_event(w, p++, 53.9, T0, &rule), 1);
    assert_int_equal(glucose_event(w, p++, 54, T0, &rule), 3);
    assert_int_equal(glucose_event(w, p++, 55, T0, &rule), 3);
    assert_int_equal(glucose_event(w, p++, 69, T0, &rule), 3);
    assert_int_equal(glucose_event(w, p++, 69.9, T0, &rule), 3);
    assert_int_equal(glucose_event(w, p++, 70, T0, &rule), 0);
    assert_int_equal(glucose_event(w, p++, 300, T0, &rule), 0);
    assert_int_equal(glucose_event(w, p++, 301, T0, &rule), 2);
    assert_int_equal(rule, TRIAGE_RULE_GLUCOSE_HIGH);
    assert_int_equal(glucose_event(w, p++, 600, T0, &rule), 2);
    assert_int_equal(glucose_event(w, p++, 601, T0, &rule), 1);
    assert_reason_has(last_event(w), "above 600 mg/dL");
    /* 3.0 mmol/L is 54.05 mg/dL: level 1, as ADA writes it. */
    assert_int_equal(glucose_event(w, p++, 3.0 * 18.016, T0, &rule), 3);
    world_free(w);
}

static void glucose_level1_twice_in_a_day(void **state)
{
    (void)state;
    struct world *w = world_new();
    enum triage_rule rule;
    assert_int_equal(glucose_event(w, 0, 65, T0, &rule), 3);
    assert_int_equal(glucose_event(w, 0, 66, T0 + 24 * HOUR, &rule), 2);
    assert_reason_has(last_event(w), "another low 24 h before (65 mg/dL)");
    assert_int_equal(last_event(w)->source_count, 2);
    assert_true(last_event(w)->notify); /* more urgent than the first */
    /* More than 24 h apart: each is category 3. */
    assert_int_equal(glucose_event(w, 1, 65, T0, &rule), 3);
    assert_int_equal(glucose_event(w, 1, 66, T0 + 24 * HOUR + SEC, &rule), 3);
    /* A level-2 low counts as the first of two. */
    assert_int_equal(glucose_event(w, 2, 50, T0, &rule), 1);
    assert_int_equal(glucose_event(w, 2, 60, T0 + 3 * HOUR, &rule), 2);
    world_free(w);
}

static int fall_category(double immobile_s)
{
    struct world *w = world_new();
    observe2_at(w, 0, MEASURE_FALL, 1, immobile_s, T0, T0);
    int c = last_category(w, TRIAGE_RULE_FALL);
    world_free(w);
    return c;
}

static void fall_long_lie(void **state)
{
    (void)state;
    assert_int_equal(fall_category(NAN), 2);
    assert_int_equal(fall_category(0), 2);
    assert_int_equal(fall_category(59), 2);
    assert_int_equal(fall_category(59.9), 2);
    assert_int_equal(fall_category(60), 1);
    assert_int_equal(fall_category(61), 1);
    assert_int_equal(fall_category(3600), 1);
    struct world *w = world_new();
    observe2_at(w, 0, MEASURE_FALL, 1, 75, T0, T0);
    assert_reason_has(last_event(w), "fall followed by 75 s without movement (60 s or more)");
    observe2_at(w, 1, MEASURE_FALL, 1, 20, T0, T0);
    assert_reason_has(last_event(w), "fall; moved again after 20 s");
    /* valueBoolean false: no fall, nothing raised. */
    assert_int_equal(observe2_at(w, 2, MEASURE_FALL, 0, NAN, T0, T0), TRIAGE_IGNORED);
    assert_int_equal(last_event(w)->patient, 1);
    world_free(w);
}

static void thresholds_overridden_per_patient(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct triage_overrides ov;
    verr e;
    const char *json = "{\"bp_systolic_high\":160,\"glucose_level1_below\":80}";
    assert_int_equal(triage_overrides_parse(json, strlen(json), &ov, &e), 0);
    triage_set_overrides(w->engine, 7, &ov);
    observe2_at(w, 7, MEASURE_BLOOD_PRESSURE, 165, 90, T0, T0);
    assert_int_equal(last_category(w, TRIAGE_RULE_BP_HIGH), 2);
    assert_reason_has(last_event(w), "(at or above 160/120)");
    observe(w, 7, MEASURE_GLUCOSE, 75, T0);
    assert_int_equal(last_category(w, TRIAGE_RULE_GLUCOSE_LOW), 3);
    /* Other patients keep the defaults. */
    world_clear(w);
    observe2_at(w, 8, MEASURE_BLOOD_PRESSURE, 165, 90, T0, T0);
    observe(w, 8, MEASURE_GLUCOSE, 75, T0);
    assert_int_equal(w->got.count, 0);
    /* Removing the overrides restores the defaults. */
    triage_set_overrides(w->engine, 7, NULL);
    observe2_at(w, 7, MEASURE_BLOOD_PRESSURE, 166, 90, T0 + HOUR, T0 + HOUR);
    assert_int_equal(w->got.count, 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bp_boundaries),
        cmocka_unit_test(bp_with_red_flag_is_immediate),
        cmocka_unit_test(glucose_levels),
        cmocka_unit_test(glucose_level1_twice_in_a_day),
        cmocka_unit_test(fall_long_lie),
        cmocka_unit_test(thresholds_overridden_per_patient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
