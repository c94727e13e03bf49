/* The simulator's signals against Vigie's own FHIR parsers (src/fhir): every resource it
 * writes is accepted without an error, Observations map to the kind and canonical value
 * Vigie triages, Patients carry their commune and territory, reports their sender's role,
 * requests their priority. This is the contract with `vigie import` and `vigie triage`. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhir.h"
#include "sim/sim.h"
#include "testutil.h"

struct tally {
    unsigned resources, observations_by_kind[MEASURE_KIND_COUNT], roles[8], priorities[4];
    unsigned patients_with_commune, patients_with_territory;
};

static void check_line(const char *line, size_t n, const struct fhir_limits *limits,
                       struct tally *t)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *res = fhir_json_parse(line, n, &oo);
    const char *type = res ? fhir_resource_type(res, NULL, &oo) : NULL;
    int rc = type ? 0 : -1;
    if (type && !strcmp(type, "Observation")) {
        struct fhir_observation o;
        rc = fhir_observation_parse(res, limits, &o, &oo);
        if (rc == 0) {
            if (!o.triage || o.kind == MEASURE_NONE)
                fail_msg("not triaged (%s): %.*s", o.note ? o.note : "", (int)n, line);
            t->observations_by_kind[o.kind]++;
        }
    } else if (type && !strcmp(type, "Patient")) {
        struct fhir_patient p;
        rc = fhir_patient_parse(res, &p, &oo);
        if (rc == 0) {
            t->patients_with_commune += p.commune != NULL;
            t->patients_with_territory += p.territory != NULL;
        }
    } else if (type && !strcmp(type, "Condition")) {
        struct fhir_condition c;
        rc = fhir_condition_parse(res, &c, &oo);
        if (rc == 0) assert_true(c.active && c.code_count > 0);
    } else if (type && !strcmp(type, "Communication")) {
        struct fhir_communication c;
        rc = fhir_communication_parse(res, limits, &c, &oo);
        if (rc == 0) {
            assert_true(c.sender_role != SENDER_UNKNOWN && c.sender_role < 8);
            assert_non_null(c.text);
            t->roles[c.sender_role]++;
        }
        fhir_communication_free(&c);
    } else if (type && !strcmp(type, "ServiceRequest")) {
        struct fhir_service_request r;
        rc = fhir_service_request_parse(res, limits, &r, &oo);
        if (rc == 0) t->priorities[r.priority]++;
        fhir_service_request_free(&r);
    }
    if (rc != 0 || fhir_outcome_has_errors(&oo))
        fail_msg("refused: %s (%s): %.*s", oo.count ? oo.issues[0].diagnostics : "?",
                 oo.count ? oo.issues[0].expression : "", (int)n, line);
    t->resources++;
    json_decref(res);
    fhir_outcome_free(&oo);
}

static void vigie_accepts_every_resource(void **state)
{
    (void)state;
    struct sim_config cfg;
    sim_config_default(&cfg);
    cfg.seed = 77;
    cfg.patients = 400;
    cfg.days = 21;
    cfg.regions = 2;
    cfg.territories_per_region = 2;
    cfg.episode_rate = 8;
    cfg.communes_path = sim_default_communes_path();
    if (!cfg.communes_path) skip();
    char *text = NULL;
    size_t len = 0;
    struct sim_outputs out = {open_memstream(&text, &len), NULL, NULL};
    verr e;
    if (sim_generate(&cfg, &out, NULL, &e) < 0) fail_msg("%s", e.msg);
    fclose(out.signals);
    struct fhir_limits limits = {cfg.start_ms + 40 * INSTANT_MS_PER_DAY, 0};
    struct tally t = {0};
    for (const char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1)
        check_line(p, (size_t)(nl - p), &limits, &t);
    assert_int_equal(t.patients_with_commune, 400);
    assert_int_equal(t.patients_with_territory, 400);
    static const enum measure_kind kinds[] = {
        MEASURE_HEART_RATE,     MEASURE_RESP_RATE,     MEASURE_SPO2,    MEASURE_TEMPERATURE,
        MEASURE_BLOOD_PRESSURE, MEASURE_WEIGHT,        MEASURE_GLUCOSE, MEASURE_STEPS,
        MEASURE_O2_FLOW,        MEASURE_CONSCIOUSNESS, MEASURE_FALL};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!t.observations_by_kind[kinds[i]])
            fail_msg("no %s Observation", measure_info(kinds[i])->name);
    assert_true(t.roles[SENDER_CAREGIVER] && t.roles[SENDER_HOME_HELP] &&
                t.roles[SENDER_PROFESSIONAL]);
    assert_true(t.priorities[PRIORITY_ROUTINE] && t.priorities[PRIORITY_URGENT]);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vigie_accepts_every_resource),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
