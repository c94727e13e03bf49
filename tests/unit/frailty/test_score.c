/* Scoring: every domain at, under and over its threshold; the age rule; the case text. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frailty_test.h"

static void assert_reason(const struct frailty_result *r, enum frailty_domain d, bool positive,
                          const char *words)
{
    const struct frailty_domain_result *dr = &r->domains[d];
    if (dr->positive != positive)
        fail_msg("%s is %s, expected %s (%s)", frailty_domain_name(d),
                 dr->positive ? "positive" : "negative", positive ? "positive" : "negative",
                 dr->reason);
    if (!strstr(dr->reason, words)) fail_msg("'%s' does not say '%s'", dr->reason, words);
    assert_int_equal(!!(r->positive_mask & FRAILTY_BIT(d)), positive);
}

static void all_negative(void **state)
{
    (void)state;
    struct frailty_result r;
    score_ok(qr_valid(), &r);
    assert_int_equal(r.positive_mask, 0);
    assert_int_equal(r.age_years, 79);
    assert_int_equal(r.screened_day, test_day(2026, 3, 4));
    assert_int_equal(r.next_due_day, test_day(2026, 9, 4));
    assert_reason(&r, FRAILTY_COGNITION, false, "recalled 3 of 3 words");
    assert_reason(&r, FRAILTY_MOBILITY, false, "five chair rises in 10.5 s (<= 14 s)");
    assert_reason(&r, FRAILTY_NUTRITION, false, "appetite kept");
    assert_reason(&r, FRAILTY_VISION, false, "no problem");
    assert_reason(&r, FRAILTY_HEARING, false, "heard on both ears");
    assert_reason(&r, FRAILTY_MOOD, false, "neither");
    assert_false(frailty_needs_case(&r));
}

static void cognition(void **state)
{
    (void)state;
    struct frailty_result r;
    json_t *qr = qr_valid();
    qr_bool(qr, "cognition.orientation-time", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_COGNITION, true, "full date wrong or not known");
    qr = qr_valid();
    qr_bool(qr, "cognition.orientation-place", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_COGNITION, true, "place wrong or not known");
    /* recall: 3 words is the threshold; 2 is under it */
    qr = qr_valid();
    qr_set(qr, "cognition.recall", "valueInteger", json_integer(2));
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_COGNITION, true, "recalled 2 of 3 words");
    qr = qr_valid();
    qr_set(qr, "cognition.recall", "valueInteger", json_integer(0));
    qr_bool(qr, "cognition.orientation-time", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_COGNITION, true,
                  "full date wrong or not known; recalled 0 of 3 words");
    assert_int_equal(r.positive_mask, FRAILTY_BIT(FRAILTY_COGNITION));
}

static void mobility(void **state)
{
    (void)state;
    struct frailty_result r;
    json_t *qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 13.9);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOBILITY, false, "13.9 s (<= 14 s)");
    qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 14.0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOBILITY, false, "14 s (<= 14 s)");
    qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 14.01);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOBILITY, true, "14.01 s (> 14 s)");
    qr = qr_valid();
    qr_set(qr, "mobility.chair-rise-seconds", "valueDecimal", json_integer(22));
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOBILITY, true, "22 s (> 14 s)");
    qr = qr_valid();
    qr_bool(qr, "mobility.chair-rise-completed", 0);
    qr_remove(qr, "mobility.chair-rise-seconds");
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOBILITY, true, "could not rise five times");
}

static void nutrition(void **state)
{
    (void)state;
    struct frailty_result r;
    json_t *qr = qr_valid();
    qr_bool(qr, "nutrition.weight-loss", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, true, "weight loss of more than 3 kg in 3 months");
    qr = qr_valid();
    qr_bool(qr, "nutrition.appetite-loss", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, true, "loss of appetite");
    /* kilograms: 3 kg is the threshold, "more than" */
    qr = qr_valid();
    qr_decimal(qr, "nutrition.weight-loss-kg", 2.9);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, false, "weight loss 2.9 kg in 3 months (<= 3 kg)");
    qr = qr_valid();
    qr_decimal(qr, "nutrition.weight-loss-kg", 3.0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, false, "weight loss 3 kg in 3 months (<= 3 kg)");
    qr = qr_valid();
    qr_decimal(qr, "nutrition.weight-loss-kg", 3.1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, true, "weight loss 3.1 kg in 3 months (> 3 kg)");
    /* a reported loss counts even when the kilograms given are fewer (towards assessment) */
    qr = qr_valid();
    qr_bool(qr, "nutrition.weight-loss", 1);
    qr_decimal(qr, "nutrition.weight-loss-kg", 2);
    qr_bool(qr, "nutrition.appetite-loss", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_NUTRITION, true,
                  "weight loss of more than 3 kg in 3 months; loss of appetite");
}

static void vision_hearing_mood(void **state)
{
    (void)state;
    struct frailty_result r;
    json_t *qr = qr_valid();
    qr_bool(qr, "vision.eye-problems", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_VISION, true, "problems with the eyes reported");
    qr = qr_valid();
    qr_bool(qr, "hearing.whisper-right", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_HEARING, true, "failed on the right ear");
    qr = qr_valid();
    qr_bool(qr, "hearing.whisper-left", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_HEARING, true, "failed on the left ear");
    qr = qr_valid();
    qr_bool(qr, "hearing.whisper-left", 0);
    qr_bool(qr, "hearing.whisper-right", 0);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_HEARING, true, "failed on both ears");
    qr = qr_valid();
    qr_bool(qr, "mood.feeling-down", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOOD, true,
                  "over the past two weeks: feeling down, depressed or hopeless");
    qr = qr_valid();
    qr_bool(qr, "mood.little-interest", 1);
    score_ok(qr, &r);
    assert_reason(&r, FRAILTY_MOOD, true, "little interest or pleasure");
    assert_int_equal(r.positive_mask, FRAILTY_BIT(FRAILTY_MOOD));
}

/* Scores the default response for someone born at birth_ms, screened on `authored`. */
static int score_age(int64_t birth_ms, const char *authored, struct frailty_result *r,
                     struct fhir_outcome *oo)
{
    json_t *qr = qr_valid();
    json_object_set_new(qr, "authored", json_string(authored));
    struct frailty_response resp;
    assert_int_equal(frailty_response_parse(qr, &test_limits, &resp, oo), 0);
    int rc = frailty_score(&resp, birth_ms, r, oo);
    json_decref(qr);
    return rc;
}

static void age_sixty_and_over(void **state)
{
    (void)state;
    struct frailty_result r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    /* 60th birthday on the screening day: accepted; the day before: refused */
    assert_int_equal(score_age(test_ms(1966, 3, 4), "2026-03-04", &r, &oo), 0);
    assert_int_equal(r.age_years, 60);
    assert_int_equal(score_age(test_ms(1966, 3, 5), "2026-03-04", &r, &oo), -1);
    assert_string_equal(oo.issues[0].expression, "QuestionnaireResponse.subject");
    assert_string_equal(oo.issues[0].diagnostics,
                        "ICOPE step 1 is for people aged 60 and over: the Patient (born "
                        "1966-03-05) was 59 on 2026-03-04");
    assert_int_equal(oo.http_status, 422);
    fhir_outcome_reset(&oo);
    /* born on 29 February: 60 on the 29th of a leap year, not on the 28th */
    assert_int_equal(score_age(test_ms(1964, 2, 29), "2024-02-28", &r, &oo), -1);
    fhir_outcome_reset(&oo);
    assert_int_equal(score_age(test_ms(1964, 2, 29), "2024-02-29", &r, &oo), 0);
    assert_int_equal(r.age_years, 60);
    assert_int_equal(frailty_age_years(test_ms(1964, 2, 29), test_day(2025, 2, 28)), 60);
    assert_int_equal(frailty_age_years(test_ms(1964, 2, 29), test_day(2025, 3, 1)), 61);
    /* no birth date, or born after the screening */
    assert_int_equal(score_age(FRAILTY_NO_BIRTH_DATE, "2026-03-04", &r, &oo), -1);
    assert_non_null(strstr(oo.issues[0].diagnostics, "no birthDate"));
    fhir_outcome_reset(&oo);
    assert_int_equal(score_age(test_ms(2026, 3, 5), "2026-03-04", &r, &oo), -1);
    assert_non_null(strstr(oo.issues[0].diagnostics, "after the screening"));
    fhir_outcome_free(&oo);
}

static void case_reason_text(void **state)
{
    (void)state;
    struct frailty_result r;
    char reason[128];
    score_ok(qr_valid(), &r);
    assert_int_equal(frailty_case_reason(&r, reason, sizeof reason), -1);
    assert_string_equal(reason, "");

    json_t *qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 15.5);
    score_ok(qr, &r);
    assert_true(frailty_needs_case(&r));
    assert_int_equal(frailty_case_reason(&r, reason, sizeof reason), 0);
    assert_string_equal(reason, "frailty: domain mobility — step 2 assessment");
    assert_int_equal(r.next_due_day, test_day(2026, 7, 4));

    qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 15.5);
    qr_bool(qr, "nutrition.appetite-loss", 1);
    qr_bool(qr, "mood.feeling-down", 1);
    score_ok(qr, &r);
    assert_int_equal(frailty_case_reason(&r, reason, sizeof reason), 0);
    assert_string_equal(reason, "frailty: domains mobility, nutrition, mood — step 2 assessment");
    assert_int_equal(frailty_case_reason(&r, reason, 20), -1);

    buf detail;
    buf_init(&detail, 4096);
    assert_int_equal(frailty_case_detail(&r, NULL, &detail), 0);
    assert_string_equal(buf_cstr(&detail),
                        "frailty: domains mobility, nutrition, mood — step 2 assessment\n"
                        "mobility: five chair rises in 15.5 s (> 14 s)\n"
                        "nutrition: loss of appetite\n"
                        "mood: over the past two weeks: feeling down, depressed or hopeless");
    buf_free(&detail);
}

static void result_json(void **state)
{
    (void)state;
    struct frailty_result r;
    json_t *qr = qr_valid();
    qr_bool(qr, "hearing.whisper-left", 0);
    score_ok(qr, &r);
    buf out;
    buf_init(&out, 16 * 1024);
    assert_int_equal(frailty_result_write_json(&r, NULL, &out), 0);
    json_error_t err;
    json_t *j = json_loads(buf_cstr(&out), JSON_REJECT_DUPLICATES, &err);
    if (!j) fail_msg("%s: %s", err.text, buf_cstr(&out));
    assert_string_equal(json_string_value(json_object_get(j, "screened")), "2026-03-04");
    assert_int_equal(json_integer_value(json_object_get(j, "age")), 79);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "positive"), 0)),
                        "hearing");
    json_t *hearing = json_object_get(json_object_get(j, "domains"), "hearing");
    assert_true(json_is_true(json_object_get(hearing, "positive")));
    assert_string_equal(json_string_value(json_object_get(hearing, "reason")),
                        "whisper test failed on the left ear");
    assert_string_equal(json_string_value(json_object_get(j, "next_due")), "2026-07-04");
    assert_string_equal(json_string_value(json_object_get(j, "case_reason")),
                        "frailty: domain hearing — step 2 assessment");
    assert_null(json_object_get(j, "decline"));
    assert_int_equal(json_object_size(json_object_get(j, "domains")), 6);
    json_decref(j);
    buf_free(&out);
}

static void event_json(void **state)
{
    (void)state;
    struct frailty_result r;
    buf out;
    buf_init(&out, 16 * 1024);
    score_ok(qr_valid(), &r);
    assert_int_equal(frailty_event_write_json(&r, NULL, "Patient/p-001",
                                              "QuestionnaireResponse/qr-1", 1772607600000LL, &out),
                     -1);
    json_t *qr = qr_valid();
    qr_bool(qr, "vision.eye-problems", 1);
    score_ok(qr, &r);
    assert_int_equal(frailty_event_write_json(&r, NULL, "Patient/p-001",
                                              "QuestionnaireResponse/qr-1", 1772607600000LL, &out),
                     0);
    json_t *j = json_loads(buf_cstr(&out), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "patient")), "Patient/p-001");
    assert_int_equal(json_integer_value(json_object_get(j, "category")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "nature")), "chronic");
    assert_string_equal(json_string_value(json_object_get(j, "rule")), "frailty");
    assert_string_equal(json_string_value(json_object_get(j, "reason")),
                        "frailty: domain vision — step 2 assessment");
    assert_string_equal(json_string_value(json_object_get(j, "at")), "2026-03-04T07:00:00Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "sources"), 0)),
                        "QuestionnaireResponse/qr-1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "detail"), "next_due")), "2026-07-04");
    json_decref(j);
    buf_free(&out);
}

/* The example of docs/frailty.md is valid and scores as the page implies. */
static void documented_example(void **state)
{
    (void)state;
    const char *root = getenv("VIGIE_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/frailty.md", root ? root : ".");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *start = strstr(text, "```json\n{\"resourceType\": \"QuestionnaireResponse\"");
    assert_non_null(start);
    start += strlen("```json\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    json_t *qr = json_loadb(start, (size_t)(end - start), 0, NULL);
    assert_non_null(qr);
    struct frailty_result r;
    score_ok(qr, &r);
    assert_int_equal(r.positive_mask,
                     FRAILTY_BIT(FRAILTY_COGNITION) | FRAILTY_BIT(FRAILTY_MOBILITY));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_negative),
        cmocka_unit_test(cognition),
        cmocka_unit_test(mobility),
        cmocka_unit_test(nutrition),
        cmocka_unit_test(vision_hearing_mood),
        cmocka_unit_test(age_sixty_and_over),
        cmocka_unit_test(case_reason_text),
        cmocka_unit_test(result_json),
        cmocka_unit_test(event_json),
        cmocka_unit_test(documented_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
