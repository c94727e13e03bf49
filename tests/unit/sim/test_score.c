/* Scoring on small hand-written truth and event files: matching by patient, rule and
 * window, categories, time to detection, false alerts and artefacts. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim.h"
#include "testutil.h"

static const char truth[] =
    "{\"record\":\"programme\",\"patient_months\":10}\n"
    "{\"record\":\"episode\",\"patient\":\"p-1\",\"type\":\"fall_long_lie\","
    "\"onset\":\"2026-03-02T10:00:00Z\",\"end\":\"2026-03-02T10:10:00Z\",\"category\":1,"
    "\"rules\":[\"fall\"],\"also\":[\"report\"]}\n"
    "\n"
    "{\"record\":\"episode\",\"patient\":\"p-1\",\"type\":\"hf_decompensation\","
    "\"onset\":\"2026-03-05T06:00:00+01:00\",\"end\":\"2026-03-09T05:00:00Z\",\"category\":2,"
    "\"rules\":[\"weight.gain\"],\"also\":[\"report\"]}\n"
    "{\"record\":\"episode\",\"patient\":\"p-2\",\"type\":\"fall_long_lie\","
    "\"onset\":\"2026-03-03T10:00:00Z\",\"end\":\"2026-03-03T10:10:00Z\",\"category\":1,"
    "\"rules\":[\"fall\"],\"also\":[]}\n"
    "{\"record\":\"artefact\",\"patient\":\"p-2\",\"type\":\"spo2_pleth\","
    "\"at\":\"2026-03-04T09:00:00Z\"}\n"
    "{\"record\":\"something-newer\",\"patient\":\"p-9\"}\n";

static const char events[] =
    /* detects p-1's long lie, but as category 2: under-triaged, found at once */
    "{\"patient\":\"Patient/"
    "p-1\",\"category\":2,\"rule\":\"fall\",\"at\":\"2026-03-02T10:00:00Z\"}\n"
    /* 10:30 in Paris is 09:30Z, before the onset: a false alert */
    "{\"patient\":\"Patient/p-1\",\"category\":1,\"rule\":\"report\","
    "\"at\":\"2026-03-02T10:30:00+01:00\"}\n"
    /* detects the decompensation 50 h after its onset */
    "{\"patient\":\"Patient/p-1\",\"category\":2,\"rule\":\"weight.gain\","
    "\"at\":\"2026-03-07T07:00:00Z\",\"reason\":\"weight +2.4 kg\"}\n"
    /* a rule the decompensation does not expect: false alert */
    "{\"patient\":\"Patient/p-1\",\"category\":3,\"rule\":\"spo2.drift\","
    "\"at\":\"2026-03-07T08:00:00Z\"}\n"
    /* 25 h after the end: beyond the default 24 h tolerance */
    "{\"patient\":\"p-1\",\"category\":2,\"rule\":\"weight.gain\",\"at\":\"2026-03-10T06:00:00Z\"}"
    "\n"
    /* within an hour of p-2's SpO2 artefact: a false alert on an artefact */
    "{\"patient\":\"Patient/"
    "p-2\",\"category\":2,\"rule\":\"news2\",\"at\":\"2026-03-04T09:00:00Z\"}\n";

static sim_score *score(int64_t tolerance)
{
    sim_score *s = sim_score_new(tolerance);
    FILE *t = fmemopen((void *)truth, sizeof truth - 1, "r");
    FILE *e = fmemopen((void *)events, sizeof events - 1, "r");
    verr err;
    if (sim_score_load_truth(s, t, "truth", &err) < 0) fail_msg("%s", err.msg);
    if (sim_score_add_events(s, e, "events", &err) < 0) fail_msg("%s", err.msg);
    fclose(t);
    fclose(e);
    return s;
}

static void matches_by_patient_rule_and_window(void **state)
{
    (void)state;
    sim_score *s = score(SIM_SCORE_DEFAULT_TOLERANCE_MS);
    struct sim_score_row r;
    sim_score_row_for(s, "fall_long_lie", 0, &r);
    assert_int_equal(r.episodes, 2);
    assert_int_equal(r.detected, 1);
    assert_near(r.sensitivity, 0.5, 1e-9);
    assert_int_equal(r.agreed, 0);
    assert_int_equal(r.under_triaged, 1);
    assert_int_equal(r.median_detection_ms, 0);

    sim_score_row_for(s, "hf_decompensation", 0, &r);
    assert_int_equal(r.episodes, 1);
    assert_int_equal(r.detected, 1);
    assert_int_equal(r.agreed, 1);
    assert_int_equal(r.median_detection_ms, 50 * 3600 * 1000LL);

    sim_score_row_for(s, NULL, 1, &r);
    assert_int_equal(r.episodes, 2);
    assert_near(r.sensitivity, 0.5, 1e-9);
    sim_score_row_for(s, NULL, 0, &r);
    assert_int_equal(r.episodes, 3);
    assert_int_equal(r.detected, 2);
    /* median of 0 and 50 h */
    assert_int_equal(r.median_detection_ms, 25 * 3600 * 1000LL);
    sim_score_row_for(s, "no_such_type", 0, &r);
    assert_int_equal(r.episodes, 0);
    assert_int_equal(r.median_detection_ms, -1);

    struct sim_score_false_alerts fa;
    sim_score_false_alerts(s, &fa);
    assert_int_equal(fa.events, 6);
    assert_int_equal(fa.false_alerts, 4);
    assert_int_equal(fa.on_artefacts, 1);
    assert_int_equal(fa.by_category[1], 1);
    assert_int_equal(fa.by_category[2], 2);
    assert_int_equal(fa.by_category[3], 1);
    assert_near(fa.patient_months, 10, 1e-9);
    assert_near(fa.per_patient_month, 0.4, 1e-9);
    sim_score_free(s);
}

static void tolerance_widens_the_window(void **state)
{
    (void)state;
    sim_score *s = score(48 * 3600 * 1000LL);
    struct sim_score_false_alerts fa;
    sim_score_false_alerts(s, &fa);
    assert_int_equal(fa.false_alerts, 3);
    sim_score_free(s);
}

static void reports_as_text_and_json(void **state)
{
    (void)state;
    sim_score *s = score(SIM_SCORE_DEFAULT_TOLERANCE_MS);
    char *text = NULL, *json = NULL;
    size_t n;
    FILE *out = open_memstream(&text, &n);
    sim_score_print_text(s, out);
    fclose(out);
    assert_non_null(strstr(text, "fall_long_lie"));
    assert_non_null(strstr(text, "50.0 %"));
    assert_non_null(strstr(text, "0.40 per patient-month"));
    out = open_memstream(&json, &n);
    sim_score_print_json(s, out);
    fclose(out);
    json_error_t err;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &err);
    if (!root) fail_msg("JSON report: %s", err.text);
    json_t *fa = json_object_get(root, "false_alerts");
    assert_near(json_real_value(json_object_get(fa, "per_patient_month")), 0.4, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(fa, "by_rule"), "news2")),
                     1);
    json_t *first = json_array_get(json_object_get(root, "types"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "type")), "hf_decompensation");
    assert_int_equal(json_integer_value(json_object_get(first, "median_detection_s")), 50 * 3600);
    json_decref(root);
    free(text);
    free(json);
    sim_score_free(s);
}

static void bad_lines_name_the_line_and_field(void **state)
{
    (void)state;
    sim_score *s = sim_score_new(SIM_SCORE_DEFAULT_TOLERANCE_MS);
    FILE *t = fmemopen((void *)truth, sizeof truth - 1, "r");
    verr err;
    assert_int_equal(sim_score_load_truth(s, t, "truth", &err), 0);
    fclose(t);
    static const char bad[] =
        "{\"patient\":\"p-1\",\"category\":2,\"rule\":\"fall\","
        "\"at\":\"2026-03-02T10:00:00Z\"}\n"
        "{\"patient\":\"p-1\",\"category\":2,\"at\":\"2026-03-02T10:00:00Z\"}\n";
    FILE *e = fmemopen((void *)bad, sizeof bad - 1, "r");
    assert_int_equal(sim_score_add_events(s, e, "events.ndjson", &err), -1);
    assert_non_null(strstr(err.msg, "events.ndjson:2"));
    assert_non_null(strstr(err.msg, "\"rule\""));
    fclose(e);
    static const char no_offset[] = "{\"patient\":\"p-1\",\"category\":2,\"rule\":\"fall\","
                                    "\"at\":\"2026-03-02T10:00:00\"}\n";
    e = fmemopen((void *)no_offset, sizeof no_offset - 1, "r");
    assert_int_equal(sim_score_add_events(s, e, "events.ndjson", &err), -1);
    assert_non_null(strstr(err.msg, "offset"));
    fclose(e);
    static const char not_json[] = "{\"patient\":\n";
    e = fmemopen((void *)not_json, sizeof not_json - 1, "r");
    assert_int_equal(sim_score_add_events(s, e, "events.ndjson", &err), -1);
    assert_non_null(strstr(err.msg, "events.ndjson:1"));
    fclose(e);
    sim_score_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_by_patient_rule_and_window),
        cmocka_unit_test(tolerance_widens_the_window),
        cmocka_unit_test(reports_as_text_and_json),
        cmocka_unit_test(bad_lines_name_the_line_and_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
