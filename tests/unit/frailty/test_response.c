/* QuestionnaireResponse validation: what is accepted, and every refusal naming its item. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frailty_test.h"

/* Parses `qr` (consumed) expecting a refusal; returns the outcome (caller frees). */
static struct fhir_outcome refused(json_t *qr)
{
    struct fhir_outcome oo;
    struct frailty_response r;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), -1);
    assert_true(fhir_outcome_has_errors(&oo));
    json_decref(qr);
    return oo;
}

/* Expects one refusal at `expression` whose words contain `words`. */
static void refused_at(json_t *qr, const char *expression, const char *words)
{
    struct fhir_outcome oo = refused(qr);
    size_t i = issue_at(&oo, expression);
    if (!strstr(oo.issues[i].diagnostics, words))
        fail_msg("'%s' does not say '%s'", oo.issues[i].diagnostics, words);
    assert_int_equal(oo.issues[i].severity, FHIR_ERROR);
    fhir_outcome_free(&oo);
}

static void complete_response_accepted(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    /* the display item may come back without an answer */
    json_array_append_new(json_object_get(qr_group(qr, "cognition.words"), "item"),
                          json_pack("{s:s}", "linkId", "cognition.words"));
    struct frailty_response r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    assert_int_equal(oo.count, 0);
    assert_string_equal(r.id, "qr-1");
    assert_string_equal(r.subject.id, "p-001");
    assert_int_equal(r.status, FRAILTY_COMPLETED);
    assert_int_equal(r.authored_ms, 1772607600000LL); /* 07:00Z */
    assert_int_equal(r.authored_day, test_day(2026, 3, 4));
    assert_true(r.answers.oriented_in_time && r.answers.oriented_in_place);
    assert_int_equal(r.answers.words_recalled, 3);
    assert_true(r.answers.chair_rise_completed);
    assert_true(r.answers.chair_rise_seconds == 10.5);
    assert_true(isnan(r.answers.weight_loss_kg));
    assert_true(r.answers.whisper_left_heard && r.answers.whisper_right_heard);
    assert_false(r.answers.feeling_down || r.answers.little_interest);
    json_decref(qr);
    fhir_outcome_free(&oo);
}

static void authored_local_date_is_kept(void **state)
{
    (void)state;
    /* 00:30 in Paris is still the previous day in UTC: the screening's date is the 4th */
    json_t *qr = qr_valid();
    json_object_set_new(qr, "authored", json_string("2026-03-04T00:30:00+01:00"));
    struct frailty_response r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    assert_int_equal(r.authored_day, test_day(2026, 3, 4));
    assert_int_equal(frailty_day_of(r.authored_ms), test_day(2026, 3, 3));
    json_decref(qr);
    /* a date alone is enough; a month is not */
    qr = qr_valid();
    json_object_set_new(qr, "authored", json_string("2026-03-02"));
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    assert_int_equal(r.authored_day, test_day(2026, 3, 2));
    json_decref(qr);
    fhir_outcome_free(&oo);
    qr = qr_valid();
    json_object_set_new(qr, "authored", json_string("2026-03"));
    refused_at(qr, "QuestionnaireResponse.authored", "at least a day");
}

static void questionnaire_reference(void **state)
{
    (void)state;
    const char *accepted[] = {FRAILTY_QUESTIONNAIRE_URL, FRAILTY_QUESTIONNAIRE_URL "|1.0.0",
                              "Questionnaire/icope-step1",
                              "https://vigie.example.org/fhir/Questionnaire/icope-step1"};
    for (size_t i = 0; i < 4; i++) {
        json_t *qr = qr_valid();
        json_object_set_new(qr, "questionnaire", json_string(accepted[i]));
        struct frailty_response r;
        struct fhir_outcome oo;
        fhir_outcome_init(&oo);
        if (frailty_response_parse(qr, &test_limits, &r, &oo) != 0)
            fail_msg("%s refused: %s", accepted[i], oo.issues[0].diagnostics);
        json_decref(qr);
        fhir_outcome_free(&oo);
    }
    const char *expr = "QuestionnaireResponse.questionnaire";
    json_t *qr = qr_valid();
    json_object_set_new(qr, "questionnaire", json_string("Questionnaire/phq-9"));
    refused_at(qr, expr, "not a questionnaire Vigie scores");
    qr = qr_valid();
    json_object_set_new(qr, "questionnaire", json_string("https://x/Questionnaire/icope-step10"));
    refused_at(qr, expr, "not a questionnaire Vigie scores");
    qr = qr_valid();
    json_object_set_new(qr, "questionnaire", json_string(FRAILTY_QUESTIONNAIRE_URL "|2.0"));
    refused_at(qr, expr, "version '2.0' is unknown");
    qr = qr_valid();
    json_object_del(qr, "questionnaire");
    refused_at(qr, expr, "is missing");
}

static void status_in_progress_and_others(void **state)
{
    (void)state;
    const char *expr = "QuestionnaireResponse.status";
    /* in progress: refused for its status alone, even with items still to answer */
    json_t *qr = qr_valid();
    json_object_set_new(qr, "status", json_string("in-progress"));
    qr_remove(qr, "mood");
    struct fhir_outcome oo = refused(qr);
    assert_int_equal(oo.count, 1);
    assert_string_equal(oo.issues[0].expression, expr);
    assert_non_null(strstr(oo.issues[0].diagnostics, "only once it is complete"));
    assert_int_equal(oo.http_status, 422);
    fhir_outcome_free(&oo);

    qr = qr_valid();
    json_object_set_new(qr, "status", json_string("amended"));
    struct frailty_response r;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    assert_int_equal(r.status, FRAILTY_AMENDED);
    json_decref(qr);
    fhir_outcome_free(&oo);

    qr = qr_valid();
    json_object_set_new(qr, "status", json_string("stopped"));
    refused_at(qr, expr, "not scored");
    qr = qr_valid();
    json_object_set_new(qr, "status", json_string("entered-in-error"));
    refused_at(qr, expr, "not supported");
    qr = qr_valid();
    json_object_set_new(qr, "status", json_string("done"));
    refused_at(qr, expr, "'done' is not");
    qr = qr_valid();
    json_object_del(qr, "status");
    refused_at(qr, expr, "is missing");
}

static void resource_subject_and_authored(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    json_object_set_new(qr, "resourceType", json_string("Questionnaire"));
    struct fhir_outcome oo = refused(qr);
    assert_string_equal(oo.issues[0].expression, "resourceType");
    fhir_outcome_free(&oo);

    qr = qr_valid();
    json_object_del(qr, "subject");
    refused_at(qr, "QuestionnaireResponse.subject", "Patient screened");
    qr = qr_valid();
    json_object_set_new(qr, "subject", json_pack("{s:s}", "reference", "Practitioner/d1"));
    refused_at(qr, "QuestionnaireResponse.subject.reference", "must reference a Patient");
    qr = qr_valid();
    json_object_del(qr, "authored");
    refused_at(qr, "QuestionnaireResponse.authored", "when was the screening done");
    qr = qr_valid();
    json_object_set_new(qr, "authored", json_string("2026-03-05T09:00:00Z"));
    refused_at(qr, "QuestionnaireResponse.authored", "in the future");
    qr = qr_valid();
    json_object_set_new(qr, "id", json_string("bad id"));
    refused_at(qr, "QuestionnaireResponse.id", "not a valid id");
}

static void missing_items_named(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    qr_remove(qr, "mobility.chair-rise-completed");
    refused_at(qr, ITEM_PATH("mobility", "mobility.chair-rise-completed"),
               "mobility.chair-rise-completed is missing: Chair rise");

    /* a whole group missing: each of its questions is named */
    qr = qr_valid();
    qr_remove(qr, "mood");
    struct fhir_outcome oo = refused(qr);
    assert_int_equal(oo.count, 2);
    issue_at(&oo, ITEM_PATH("mood", "mood.feeling-down"));
    issue_at(&oo, ITEM_PATH("mood", "mood.little-interest"));
    assert_string_equal(oo.issues[0].code, "required");
    fhir_outcome_free(&oo);

    /* no items at all: the 11 questions always required (the chair-rise time depends on an
     * answer that is missing too) */
    qr = qr_valid();
    json_object_del(qr, "item");
    oo = refused(qr);
    assert_int_equal(oo.count, 11);
    fhir_outcome_free(&oo);

    /* present without an answer */
    qr = qr_valid();
    qr_remove(qr, "vision.eye-problems");
    json_array_append_new(json_object_get(qr_group(qr, "vision"), "item"),
                          json_pack("{s:s,s:[]}", "linkId", "vision.eye-problems", "answer"));
    refused_at(qr, ITEM_PATH("vision", "vision.eye-problems"), "has no answer");

    /* the optional weight in kg may be left out (it is by default) */
}

static void wrong_answer_types(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    qr_set(qr, "hearing.whisper-left", "valueString", json_string("oui"));
    refused_at(qr, ITEM_PATH("hearing", "hearing.whisper-left") ".answer[0]",
               "expected one valueBoolean (true or false), got valueString");
    qr = qr_valid();
    qr_set(qr, "cognition.recall", "valueInteger", json_real(2.5));
    refused_at(qr, ITEM_PATH("cognition", "cognition.recall") ".answer[0]",
               "must be a whole number");
    qr = qr_valid();
    qr_set(qr, "mobility.chair-rise-seconds", "valueDecimal", json_string("12"));
    refused_at(qr, ITEM_PATH("mobility", "mobility.chair-rise-seconds") ".answer[0]",
               "must be a number");
    qr = qr_valid();
    qr_set(qr, "mood.feeling-down", "valueBoolean", json_string("true"));
    refused_at(qr, ITEM_PATH("mood", "mood.feeling-down") ".answer[0]", "true or false");
    /* an answer without value[x] */
    qr = qr_valid();
    qr_set(qr, "mood.feeling-down", "text", json_string("oui"));
    refused_at(qr, ITEM_PATH("mood", "mood.feeling-down") ".answer[0]", "has no value");
    /* two answers to a one-answer question */
    qr = qr_valid();
    json_t *item = json_array_get(json_object_get(qr_group(qr, "mood"), "item"), 0);
    json_array_append_new(json_object_get(item, "answer"), json_pack("{s:b}", "valueBoolean", 1));
    refused_at(qr, ITEM_PATH("mood", "mood.feeling-down") ".answer", "takes one answer, got 2");
    /* a group does not take an answer */
    qr = qr_valid();
    json_object_set_new(qr_group(qr, "vision"), "answer", json_pack("[{s:b}]", "valueBoolean", 1));
    refused_at(qr, "QuestionnaireResponse.item.where(linkId='vision').answer", "takes no answer");
}

static void values_out_of_range(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    qr_set(qr, "cognition.recall", "valueInteger", json_integer(4));
    refused_at(qr, ITEM_PATH("cognition", "cognition.recall") ".answer[0]",
               "4 is out of range (0 to 3)");
    qr = qr_valid();
    qr_set(qr, "cognition.recall", "valueInteger", json_integer(-1));
    refused_at(qr, ITEM_PATH("cognition", "cognition.recall") ".answer[0]", "out of range");
    qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 0.5);
    refused_at(qr, ITEM_PATH("mobility", "mobility.chair-rise-seconds") ".answer[0]",
               "0.5 s is out of range (1 to 300 s)");
    qr = qr_valid();
    qr_decimal(qr, "nutrition.weight-loss-kg", 60);
    refused_at(qr, ITEM_PATH("nutrition", "nutrition.weight-loss-kg") ".answer[0]",
               "60 kg is out of range (0 to 50 kg)");
    /* bounds themselves are accepted */
    qr = qr_valid();
    qr_decimal(qr, "mobility.chair-rise-seconds", 300);
    qr_decimal(qr, "nutrition.weight-loss-kg", 0);
    struct frailty_result result;
    score_ok(qr, &result);
}

static void unknown_misplaced_and_duplicate_items(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    json_array_append_new(json_object_get(qr_group(qr, "mobility"), "item"),
                          yes_no("mobility.gait-speed", 1));
    refused_at(qr, "QuestionnaireResponse.item[1].item[2].linkId",
               "'mobility.gait-speed' is not an item of Questionnaire/icope-step1");
    qr = qr_valid();
    json_array_append_new(json_object_get(qr, "item"), yes_no("mood.feeling-down", 0));
    refused_at(qr, "QuestionnaireResponse.item[6].linkId", "belongs inside the group 'mood'");
    qr = qr_valid();
    json_array_append_new(json_object_get(qr_group(qr, "vision"), "item"),
                          yes_no("hearing.whisper-left", 1));
    refused_at(qr, "QuestionnaireResponse.item[3].item[1].linkId", "belongs inside another group");
    qr = qr_valid();
    json_array_append_new(json_object_get(qr_group(qr, "vision"), "item"),
                          yes_no("vision.eye-problems", 1));
    refused_at(qr, ITEM_PATH("vision", "vision.eye-problems"), "appears twice");
    qr = qr_valid();
    json_array_append_new(json_object_get(qr, "item"), json_pack("{s:i}", "linkId", 7));
    refused_at(qr, "QuestionnaireResponse.item[6].linkId", "is missing");
    qr = qr_valid();
    json_object_set_new(qr, "item", json_string("all fine"));
    refused_at(qr, "QuestionnaireResponse.item", "must be an array");
}

static void chair_rise_enable_when(void **state)
{
    (void)state;
    const char *seconds = ITEM_PATH("mobility", "mobility.chair-rise-seconds");
    /* unable: the time is not asked, and must not be given */
    json_t *qr = qr_valid();
    qr_bool(qr, "mobility.chair-rise-completed", 0);
    refused_at(qr, seconds, "answered although mobility.chair-rise-completed is false");
    qr = qr_valid();
    qr_bool(qr, "mobility.chair-rise-completed", 0);
    qr_remove(qr, "mobility.chair-rise-seconds");
    struct frailty_response r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    assert_false(r.answers.chair_rise_completed);
    assert_true(isnan(r.answers.chair_rise_seconds));
    json_decref(qr);
    fhir_outcome_free(&oo);
    /* completed: the time is required */
    qr = qr_valid();
    qr_remove(qr, "mobility.chair-rise-seconds");
    refused_at(qr, seconds, "mobility.chair-rise-seconds is missing");
}

static void weight_answers_disagree_warning(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    qr_decimal(qr, "nutrition.weight-loss-kg", 4);
    struct frailty_response r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(frailty_response_parse(qr, &test_limits, &r, &oo), 0);
    size_t i = issue_at(&oo, ITEM_PATH("nutrition", "nutrition.weight-loss-kg") ".answer[0]");
    assert_int_equal(oo.issues[i].severity, FHIR_WARNING);
    assert_non_null(strstr(oo.issues[i].diagnostics, "scored positive"));
    assert_false(fhir_outcome_has_errors(&oo));
    json_decref(qr);
    fhir_outcome_free(&oo);
}

static void outcome_json_names_the_item(void **state)
{
    (void)state;
    json_t *qr = qr_valid();
    qr_remove(qr, "hearing.whisper-right");
    struct fhir_outcome oo = refused(qr);
    buf out;
    buf_init(&out, 64 * 1024);
    assert_int_equal(fhir_outcome_write(&oo, &out), 0);
    json_t *j = json_loads(buf_cstr(&out), 0, NULL);
    json_t *issue = json_array_get(json_object_get(j, "issue"), 0);
    assert_string_equal(json_string_value(json_object_get(issue, "severity")), "error");
    assert_string_equal(json_string_value(json_array_get(json_object_get(issue, "expression"), 0)),
                        ITEM_PATH("hearing", "hearing.whisper-right"));
    json_decref(j);
    buf_free(&out);
    fhir_outcome_free(&oo);
}

static void answers_identity(void **state)
{
    (void)state;
    struct frailty_response a, b;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *qa = qr_valid(), *qb = qr_valid();
    assert_int_equal(frailty_response_parse(qa, &test_limits, &a, &oo), 0);
    assert_int_equal(frailty_response_parse(qb, &test_limits, &b, &oo), 0);
    char ka[96], kb[96];
    frailty_answers_identity(&a.answers, ka);
    frailty_answers_identity(&b.answers, kb);
    assert_string_equal(ka, "t1p1r3c1s10.5w0k-a0e0R1L1d0i0");
    assert_string_equal(ka, kb);
    json_decref(qb);
    qb = qr_valid();
    qr_bool(qb, "mood.little-interest", 1);
    assert_int_equal(frailty_response_parse(qb, &test_limits, &b, &oo), 0);
    frailty_answers_identity(&b.answers, kb);
    assert_string_not_equal(ka, kb);
    json_decref(qa);
    json_decref(qb);
    fhir_outcome_free(&oo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(complete_response_accepted),
        cmocka_unit_test(authored_local_date_is_kept),
        cmocka_unit_test(questionnaire_reference),
        cmocka_unit_test(status_in_progress_and_others),
        cmocka_unit_test(resource_subject_and_authored),
        cmocka_unit_test(missing_items_named),
        cmocka_unit_test(wrong_answer_types),
        cmocka_unit_test(values_out_of_range),
        cmocka_unit_test(unknown_misplaced_and_duplicate_items),
        cmocka_unit_test(chair_rise_enable_when),
        cmocka_unit_test(weight_answers_disagree_warning),
        cmocka_unit_test(outcome_json_names_the_item),
        cmocka_unit_test(answers_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
