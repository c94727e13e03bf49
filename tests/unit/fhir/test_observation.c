#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhir.h"
#include "testutil.h"

static const struct fhir_limits limits = {
    .now_ms = 1772608320000LL, /* 2026-03-04T07:12:00Z */
    .future_tolerance_ms = 10 * 60 * 1000,
};

/* Parses `text`; on success returns 0 and fills obs; otherwise returns -1 and copies the
 * first issue into first. */
static int parse(const char *text, struct fhir_observation *obs, struct fhir_issue *first,
                 int *http_status)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(text, strlen(text), &oo);
    int rc = -1;
    if (j && fhir_resource_type(j, "Observation", &oo)) rc = fhir_observation_parse(j, &limits, obs, &oo);
    if (rc < 0 && oo.count && first) *first = oo.issues[0];
    if (http_status) *http_status = oo.http_status;
    /* Keep strings of obs alive: the tests only look at numbers and enums after this. */
    json_decref(j);
    fhir_outcome_free(&oo);
    return rc;
}

#define OBS_HEAD                                                                                   \
    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"       \
    "\"Patient/p-001\"},\"effectiveDateTime\":\"2026-03-04T07:00:00+01:00\","

static void weight_in_each_unit(void **state)
{
    (void)state;
    struct fhir_observation o;
    const char *units[][2] = {{"kg", "71"}, {"g", "71000"}, {"[lb_av]", "156.528"}};
    for (int i = 0; i < 3; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
                          "\"29463-7\"}]},\"valueQuantity\":{\"value\":%s,\"system\":"
                          "\"http://unitsofmeasure.org\",\"code\":\"%s\"}}",
                 units[i][1], units[i][0]);
        assert_int_equal(parse(text, &o, NULL, NULL), 0);
        assert_int_equal(o.kind, MEASURE_WEIGHT);
        assert_near(o.value, 71.0, 0.001);
        assert_true(o.triage);
        assert_int_equal(o.effective_ms, 1772604000000LL);
    }
}

static void glucose_and_temperature_units(void **state)
{
    (void)state;
    struct fhir_observation o;
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"15074-8\"}]},\"valueQuantity\":{\"value\":3.0,"
                                    "\"unit\":\"mmol/l\",\"system\":\"http://unitsofmeasure.org\","
                                    "\"code\":\"mmol/L\"}}",
                           &o, NULL, NULL),
                     0);
    assert_int_equal(o.kind, MEASURE_GLUCOSE);
    assert_near(o.value, 54.048, 1e-9);
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"8310-5\"}]},\"valueQuantity\":{\"value\":101.3,"
                                    "\"code\":\"[degF]\"}}",
                           &o, NULL, NULL),
                     0);
    assert_near(o.value, 38.5, 0.001);
    /* unit given as text only */
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":72,"
                                    "\"unit\":\"beats/minute\"}}",
                           &o, NULL, NULL),
                     0);
    assert_near(o.value, 72, 0);
}

static void blood_pressure_panel_and_alone(void **state)
{
    (void)state;
    struct fhir_observation o;
    assert_int_equal(
        parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
                       "\"85354-9\"}]},\"component\":[{\"code\":{\"coding\":[{\"system\":"
                       "\"http://loinc.org\",\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":"
                       "24,\"code\":\"kPa\"}},{\"code\":{\"coding\":[{\"system\":"
                       "\"http://loinc.org\",\"code\":\"8462-4\"}]},\"valueQuantity\":{\"value\":"
                       "95,\"code\":\"mm[Hg]\"}}]}",
              &o, NULL, NULL),
        0);
    assert_int_equal(o.kind, MEASURE_BLOOD_PRESSURE);
    assert_near(o.value, 180.01488, 1e-6);
    assert_near(o.value2, 95, 0);
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"8462-4\"}]},\"valueQuantity\":{\"value\":121,"
                                    "\"code\":\"mm[Hg]\"}}",
                           &o, NULL, NULL),
                     0);
    assert_false(o.has_value);
    assert_true(o.has_value2);
    assert_near(o.value2, 121, 0);
    struct fhir_issue is;
    /* swapped values are impossible */
    assert_int_equal(
        parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
                       "\"85354-9\"}]},\"component\":[{\"code\":{\"coding\":[{\"system\":"
                       "\"http://loinc.org\",\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":"
                       "80,\"code\":\"mm[Hg]\"}},{\"code\":{\"coding\":[{\"system\":"
                       "\"http://loinc.org\",\"code\":\"8462-4\"}]},\"valueQuantity\":{\"value\":"
                       "120,\"code\":\"mm[Hg]\"}}]}",
              &o, &is, NULL),
        -1);
    assert_non_null(strstr(is.diagnostics, "swapped"));
}

static void fall_with_immobility(void **state)
{
    (void)state;
    struct fhir_observation o;
    assert_int_equal(
        parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                       "\"1912002\"}]},\"valueBoolean\":true,\"component\":[{\"code\":{"
                       "\"coding\":[{\"system\":\"urn:vigie:measure\",\"code\":"
                       "\"immobile-after-fall\"}]},\"valueQuantity\":{\"value\":3,\"code\":"
                       "\"min\"}}]}",
              &o, NULL, NULL),
        0);
    assert_int_equal(o.kind, MEASURE_FALL);
    assert_near(o.value, 1, 0);
    assert_near(o.value2, 180, 0);
    assert_int_equal(
        parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                       "\"1912002\"}]},\"valueBoolean\":true,\"component\":[{\"code\":{\"text\":"
                       "\"sans mouvement\"},\"valueQuantity\":{\"value\":75,\"code\":\"s\"}}]}",
              &o, NULL, NULL),
        0);
    assert_near(o.value2, 75, 0);
}

static void consciousness_acvpu(void **state)
{
    (void)state;
    struct fhir_observation o;
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"67775-7\"}]},\"valueCodeableConcept\":{\"text\":"
                                    "\"V\"}}",
                           &o, NULL, NULL),
                     0);
    assert_near(o.value, ACVPU_V, 0);
    struct fhir_issue is;
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"67775-7\"}]},\"valueCodeableConcept\":{\"text\":"
                                    "\"sleepy\"}}",
                           &o, &is, NULL),
                     -1);
    assert_string_equal(is.expression, "Observation.valueCodeableConcept");
}

struct bad_case {
    const char *name;
    const char *body;
    const char *expression;
    const char *words;
    int status;
};

static void bad_input_names_the_field(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"heart rate 900",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
                  "\"valueQuantity\":{\"value\":900,\"code\":\"/min\"}}",
         "Observation.valueQuantity.value", "impossible", 422},
        {"SpO2 130",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"59408-5\"}]},"
                  "\"valueQuantity\":{\"value\":130,\"code\":\"%\"}}",
         "Observation.valueQuantity.value", "SpO2 130", 422},
        {"weight -3",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
                  "\"valueQuantity\":{\"value\":-3,\"code\":\"kg\"}}",
         "Observation.valueQuantity.value", "impossible", 422},
        {"missing unit",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
                  "\"valueQuantity\":{\"value\":70}}",
         "Observation.valueQuantity.code", "unit is missing", 422},
        {"unknown unit",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
                  "\"valueQuantity\":{\"value\":70,\"code\":\"stone\"}}",
         "Observation.valueQuantity.code", "kg, g or [lb_av]", 422},
        {"value as string",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
                  "\"valueQuantity\":{\"value\":\"70\",\"code\":\"kg\"}}",
         "Observation.valueQuantity.value", "number", 400},
        {"no subject",
         "{\"resourceType\":\"Observation\",\"status\":\"final\",\"effectiveDateTime\":"
         "\"2026-03-04T07:00:00Z\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
         "\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":70,\"code\":\"/min\"}}",
         "Observation.subject", "missing", 422},
        {"subject not a patient",
         "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
         "\"Group/g1\"},\"effectiveDateTime\":\"2026-03-04T07:00:00Z\",\"code\":{\"coding\":[{"
         "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":70,"
         "\"code\":\"/min\"}}",
         "Observation.subject.reference", "Patient", 422},
        {"no effective",
         "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
         "\"Patient/p\"},\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
         "\"8867-4\"}]},\"valueQuantity\":{\"value\":70,\"code\":\"/min\"}}",
         "Observation.effective[x]", "missing", 422},
        {"time without zone",
         "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
         "\"Patient/p\"},\"effectiveDateTime\":\"2026-03-04T07:00:00\",\"code\":{\"coding\":[{"
         "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":70,"
         "\"code\":\"/min\"}}",
         "Observation.effectiveDateTime", "time zone", 400},
        {"far future",
         "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
         "\"Patient/p\"},\"effectiveDateTime\":\"2027-03-04T07:00:00Z\",\"code\":{\"coding\":[{"
         "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":70,"
         "\"code\":\"/min\"}}",
         "Observation.effectiveDateTime", "future", 422},
        {"status given twice", OBS_HEAD "\"status\":\"done\"}", NULL, "duplicate", 400},
        {"unknown status",
         "{\"resourceType\":\"Observation\",\"status\":\"done\",\"subject\":{\"reference\":"
         "\"Patient/p\"},\"effectiveDateTime\":\"2026-03-04T07:00:00Z\",\"code\":{\"coding\":[{"
         "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":70,"
         "\"code\":\"/min\"}}",
         "Observation.status", "not an observation status", 400},
        {"wrong resource type", "{\"resourceType\":\"Patient\"}", "resourceType", "Observation",
         400},
        {"wrong value type",
         OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
                  "\"valueString\":\"70 kg\"}",
         "Observation.value[x]", "valueQuantity", 422},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fhir_observation o;
        struct fhir_issue is = {0};
        int status = 0;
        if (parse(cases[i].body, &o, &is, &status) == 0) fail_msg("%s: accepted", cases[i].name);
        if (cases[i].expression && strcmp(is.expression, cases[i].expression) != 0)
            fail_msg("%s: expression '%s'", cases[i].name, is.expression);
        if (!strstr(is.diagnostics, cases[i].words))
            fail_msg("%s: diagnostics '%s'", cases[i].name, is.diagnostics);
        if (status != cases[i].status) fail_msg("%s: status %d", cases[i].name, status);
    }
}

static void malformed_json_gives_position(void **state)
{
    (void)state;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    const char *texts[] = {"{\"a\":1,\n \"b\": }", "{\"a\":1,\"a\":2}", "{\"a\":\"\xff\"}"};
    const char *words[] = {"line 2", "duplicate", "UTF-8"};
    for (int i = 0; i < 3; i++) {
        fhir_outcome_reset(&oo);
        assert_null(fhir_json_parse(texts[i], strlen(texts[i]), &oo));
        if (!strstr(oo.issues[0].diagnostics, words[i]))
            fail_msg("'%s' -> %s", texts[i], oo.issues[0].diagnostics);
        assert_int_equal(oo.http_status, 400);
    }
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++) deep[n++] = '[';
    for (int i = 0; i < 100; i++) deep[n++] = ']';
    fhir_outcome_reset(&oo);
    assert_null(fhir_json_parse(deep, n, &oo));
    assert_non_null(strstr(oo.issues[0].diagnostics, "deeper"));
    fhir_outcome_free(&oo);
}

static void unknown_code_and_withdrawn_are_stored_not_triaged(void **state)
{
    (void)state;
    struct fhir_observation o;
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"2093-3\"}]},\"valueQuantity\":{\"value\":190,"
                                    "\"code\":\"mg/dL\"}}",
                           &o, NULL, NULL),
                     0);
    assert_int_equal(o.kind, MEASURE_NONE);
    assert_false(o.triage);
    assert_non_null(strstr(o.note, "not used"));
    /* entered-in-error without an effective time (as HL7's f202 example) is kept */
    assert_int_equal(parse("{\"resourceType\":\"Observation\",\"status\":\"entered-in-error\","
                           "\"subject\":{\"reference\":\"Patient/p\"},\"code\":{\"coding\":[{"
                           "\"system\":\"http://loinc.org\",\"code\":\"8310-5\"}]},"
                           "\"valueQuantity\":{\"value\":39,\"code\":\"Cel\"}}",
                           &o, NULL, NULL),
                     0);
    assert_false(o.triage);
    assert_false(o.has_effective);
    /* dataAbsentReason */
    assert_int_equal(parse(OBS_HEAD "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                                    "\"code\":\"8867-4\"}]},\"dataAbsentReason\":{\"text\":"
                                    "\"error\"}}",
                           &o, NULL, NULL),
                     0);
    assert_false(o.triage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weight_in_each_unit),
        cmocka_unit_test(glucose_and_temperature_units),
        cmocka_unit_test(blood_pressure_panel_and_alone),
        cmocka_unit_test(fall_with_immobility),
        cmocka_unit_test(consciousness_acvpu),
        cmocka_unit_test(bad_input_names_the_field),
        cmocka_unit_test(malformed_json_gives_position),
        cmocka_unit_test(unknown_code_and_withdrawn_are_stored_not_triaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
