/* The generator end to end on a small programme: reproducible bytes, valid FHIR with the
 * codes and units of DESIGN §5, clinical-time order, the unit variety and episode types it
 * promises, truth consistent with the signals, and no gap of more than 48 h in an expected
 * measurement outside device-silence episodes. Skipped when the communes file (npm package)
 * is absent. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/instant.h"
#include "model/measure.h"
#include "sim/sim.h"
#include "testutil.h"

struct run {
    char *signals, *programme, *truth;
    size_t signals_len, programme_len, truth_len;
    struct sim_stats stats;
};

static bool generate(struct sim_config *cfg, struct run *r)
{
    cfg->communes_path = sim_default_communes_path();
    if (!cfg->communes_path) return false;
    memset(r, 0, sizeof *r);
    struct sim_outputs out = {open_memstream(&r->signals, &r->signals_len),
                              open_memstream(&r->programme, &r->programme_len),
                              open_memstream(&r->truth, &r->truth_len)};
    verr e;
    int rc = sim_generate(cfg, &out, &r->stats, &e);
    fclose(out.signals);
    fclose(out.programme);
    fclose(out.truth);
    if (rc < 0) fail_msg("sim_generate: %s", e.msg);
    return true;
}

static void run_free(struct run *r)
{
    free(r->signals);
    free(r->programme);
    free(r->truth);
}

static void small(struct sim_config *cfg, uint32_t patients, uint32_t days)
{
    sim_config_default(cfg);
    cfg->seed = 20260301;
    cfg->patients = patients;
    cfg->days = days;
    cfg->regions = 3;
    cfg->territories_per_region = 2;
    cfg->coordinates_path = NULL;
}

/* Calls fn for each line of text parsed as JSON. */
static void each_line(const char *text, void (*fn)(json_t *, void *), void *ctx)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        json_error_t err;
        json_t *obj = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &err);
        if (!obj) fail_msg("invalid JSON (%s): %.*s", err.text, (int)(nl - p), p);
        fn(obj, ctx);
        json_decref(obj);
        p = nl + 1;
    }
}

static void same_seed_same_bytes(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run a, b, c;
    small(&cfg, 120, 10);
    if (!generate(&cfg, &a)) skip();
    generate(&cfg, &b);
    cfg.seed++;
    generate(&cfg, &c);
    assert_true(a.signals_len > 0 && a.signals_len == b.signals_len);
    assert_memory_equal(a.signals, b.signals, a.signals_len);
    assert_memory_equal(a.truth, b.truth, a.truth_len < b.truth_len ? a.truth_len : b.truth_len);
    assert_int_equal(a.truth_len, b.truth_len);
    assert_int_equal(a.programme_len, b.programme_len);
    assert_false(a.signals_len == c.signals_len && !memcmp(a.signals, c.signals, a.signals_len));
    /* Planning each day in many time slices (the large-programme path) changes nothing. */
    cfg.seed--;
    cfg.slice_budget_bytes = 4096;
    run_free(&c);
    generate(&cfg, &c);
    assert_int_equal(a.signals_len, c.signals_len);
    assert_memory_equal(a.signals, c.signals, a.signals_len);
    run_free(&a);
    run_free(&b);
    run_free(&c);
}

struct fhir_check {
    int64_t last_at;
    unsigned patients, observations, communications, requests;
    bool units[64];
    const char *unit_names[64];
    unsigned unit_count;
    bool pas_de, red_flag;
    char seen_patients[256][16];
};

static void note_unit(struct fhir_check *c, const char *unit)
{
    for (unsigned i = 0; i < c->unit_count; i++)
        if (!strcmp(c->unit_names[i], unit)) return;
    if (c->unit_count < 64) c->unit_names[c->unit_count++] = strdup(unit);
}

static int64_t time_of(json_t *obj, const char *key)
{
    const char *text = json_string_value(json_object_get(obj, key));
    assert_non_null(text);
    int64_t ms;
    enum instant_precision p;
    verr e;
    if (instant_parse(text, strlen(text), &ms, &p, &e) < 0) fail_msg("%s: %s", key, e.msg);
    assert_int_equal(p, INSTANT_SECOND);
    return ms;
}

static void check_quantity(enum measure_kind kind, enum measure_part part, json_t *q,
                           struct fhir_check *c)
{
    const char *system = json_string_value(json_object_get(q, "system"));
    const char *code = json_string_value(json_object_get(q, "code"));
    json_t *value = json_object_get(q, "value");
    assert_non_null(code);
    assert_string_equal(system, "http://unitsofmeasure.org");
    assert_true(json_is_number(value));
    double canonical;
    verr e;
    if (measure_to_canonical(kind, code, strlen(code), json_number_value(value), &canonical, &e))
        fail_msg("unit: %s", e.msg);
    if (measure_check_range(kind, part, canonical, &e)) fail_msg("range: %s", e.msg);
    note_unit(c, code);
}

static void check_resource(json_t *r, void *ctx)
{
    struct fhir_check *c = ctx;
    const char *type = json_string_value(json_object_get(r, "resourceType"));
    assert_non_null(type);
    assert_non_null(json_string_value(json_object_get(r, "id")));
    if (!strcmp(type, "Patient")) {
        c->patients++;
        json_t *address = json_array_get(json_object_get(r, "address"), 0);
        json_t *ext = json_array_get(json_object_get(address, "extension"), 0);
        assert_string_equal(json_string_value(json_object_get(ext, "url")), "urn:vigie:commune");
        const char *insee = json_string_value(json_object_get(ext, "valueCode"));
        assert_non_null(insee);
        assert_int_equal(strlen(insee), 5);
        return;
    }
    if (!strcmp(type, "Condition")) {
        assert_int_equal(c->last_at, 0); /* conditions come with their patient, before signals */
        return;
    }
    const char *subject =
        json_string_value(json_object_get(json_object_get(r, "subject"), "reference"));
    assert_non_null(subject);
    assert_int_equal(strncmp(subject, "Patient/p-", 10), 0);
    int64_t at;
    if (!strcmp(type, "Observation")) {
        c->observations++;
        at = time_of(r, "effectiveDateTime");
        json_t *coding = json_object_get(json_object_get(r, "code"), "coding");
        const struct measure_code *mc = NULL;
        size_t i;
        json_t *cd;
        json_array_foreach(coding, i, cd)
        {
            const char *sys = json_string_value(json_object_get(cd, "system"));
            const char *code = json_string_value(json_object_get(cd, "code"));
            const struct measure_code *m =
                measure_code_lookup(sys, strlen(sys), code, strlen(code));
            if (m) mc = m;
        }
        if (!mc)
            fail_msg("Observation %s: no code Vigie knows",
                     json_string_value(json_object_get(r, "id")));
        if (mc->kind == MEASURE_FALL) {
            assert_true(json_is_true(json_object_get(r, "valueBoolean")));
            json_t *comp = json_array_get(json_object_get(r, "component"), 0);
            check_quantity(MEASURE_FALL, PART_VALUE, json_object_get(comp, "valueQuantity"), c);
        } else if (mc->kind == MEASURE_CONSCIOUSNESS) {
            const char *text = json_string_value(
                json_object_get(json_object_get(r, "valueCodeableConcept"), "text"));
            assert_true(measure_acvpu_from_text(text, strlen(text)) >= 0);
        } else if (mc->part == PART_PANEL) {
            json_t *comps = json_object_get(r, "component");
            assert_int_equal(json_array_size(comps), 2);
            check_quantity(mc->kind, PART_SYSTOLIC,
                           json_object_get(json_array_get(comps, 0), "valueQuantity"), c);
            check_quantity(mc->kind, PART_DIASTOLIC,
                           json_object_get(json_array_get(comps, 1), "valueQuantity"), c);
        } else {
            check_quantity(mc->kind, mc->part, json_object_get(r, "valueQuantity"), c);
        }
    } else if (!strcmp(type, "Communication")) {
        c->communications++;
        at = time_of(r, "sent");
        const char *text = json_string_value(
            json_object_get(json_array_get(json_object_get(r, "payload"), 0), "contentString"));
        assert_non_null(text);
        if (strstr(text, "pas de ") || strstr(text, "Pas de ")) c->pas_de = true;
        if (strstr(text, "essouffl")) c->red_flag = true;
        const char *sender =
            json_string_value(json_object_get(json_object_get(r, "sender"), "reference"));
        assert_non_null(sender);
        json_t *category = json_array_get(json_object_get(r, "category"), 0);
        json_t *role = json_array_get(json_object_get(category, "coding"), 0);
        assert_string_equal(json_string_value(json_object_get(role, "system")),
                            "urn:vigie:sender-role");
    } else if (!strcmp(type, "ServiceRequest")) {
        c->requests++;
        at = time_of(r, "authoredOn");
        const char *priority = json_string_value(json_object_get(r, "priority"));
        assert_true(!strcmp(priority, "routine") || !strcmp(priority, "urgent") ||
                    !strcmp(priority, "asap") || !strcmp(priority, "stat"));
        assert_non_null(json_string_value(
            json_object_get(json_array_get(json_object_get(r, "reasonCode"), 0), "text")));
    } else {
        fail_msg("unexpected resource %s", type);
        return;
    }
    if (at < c->last_at)
        fail_msg("%s out of clinical-time order", json_string_value(json_object_get(r, "id")));
    c->last_at = at;
}

static bool has_unit(const struct fhir_check *c, const char *unit)
{
    for (unsigned i = 0; i < c->unit_count; i++)
        if (!strcmp(c->unit_names[i], unit)) return true;
    return false;
}

static void signals_are_valid_fhir_in_time_order(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run r;
    small(&cfg, 400, 14);
    cfg.episode_rate = 5;
    if (!generate(&cfg, &r)) skip();
    struct fhir_check c = {0};
    each_line(r.signals, check_resource, &c);
    assert_int_equal(c.patients, 400);
    assert_true(c.observations > 400 * 14);
    assert_true(c.communications > 0 && c.requests > 0);
    unsigned lines = 0;
    for (const char *q = r.signals; (q = strchr(q, '\n')); q++) lines++;
    assert_int_equal(r.stats.resources, lines);
    const char *units[] = {"kg",     "g",   "[lb_av]", "mg/dL", "g/L", "mmol/L", "Cel", "[degF]",
                           "mm[Hg]", "kPa", "%",       "/min",  "/d",  "L/min",  "s"};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (!has_unit(&c, units[i])) fail_msg("no Observation in %s", units[i]);
    assert_true(c.pas_de);
    assert_true(c.red_flag);
    for (unsigned i = 0; i < c.unit_count; i++) free((void *)c.unit_names[i]);
    run_free(&r);
}

/* ---- truth and gaps ---- */

#define MAX_P 400
struct gaps {
    int64_t start, end;
    unsigned episodes_by_type[16];
    const char *type_names[16];
    unsigned type_count;
    /* per patient: expected kinds (bit per enum measure_kind), last time per kind, silences */
    unsigned expected[MAX_P];
    int64_t last[MAX_P][MEASURE_KIND_COUNT];
    int64_t silence_from[MAX_P][4], silence_to[MAX_P][4];
    unsigned silences[MAX_P];
    unsigned violations;
};

static unsigned patient_index(const char *id)
{
    const char *digits = strncmp(id, "Patient/", 8) ? id + 2 : id + 10;
    return (unsigned)atoi(digits) - 1;
}

static void read_truth(json_t *t, void *ctx)
{
    struct gaps *g = ctx;
    const char *record = json_string_value(json_object_get(t, "record"));
    assert_non_null(record);
    if (!strcmp(record, "programme")) {
        g->start = time_of(t, "start");
        g->end =
            g->start + (int64_t)json_integer_value(json_object_get(t, "days")) * INSTANT_MS_PER_DAY;
        return;
    }
    if (strcmp(record, "episode")) return;
    int64_t onset = time_of(t, "onset"), end = time_of(t, "end");
    assert_true(onset <= end);
    assert_true(onset >= g->start && end <= g->end + 2 * INSTANT_MS_PER_HOUR);
    json_int_t cat = json_integer_value(json_object_get(t, "category"));
    assert_true(cat >= 1 && cat <= 3);
    assert_true(json_array_size(json_object_get(t, "rules")) >= 1);
    const char *type = json_string_value(json_object_get(t, "type"));
    unsigned k = 0;
    while (k < g->type_count && strcmp(g->type_names[k], type)) k++;
    if (k == g->type_count && k < 16) g->type_names[g->type_count++] = strdup(type);
    g->episodes_by_type[k]++;
    if (!strcmp(type, "device_silence")) {
        unsigned p = patient_index(json_string_value(json_object_get(t, "patient")));
        assert_true(p < MAX_P && g->silences[p] < 4);
        g->silence_from[p][g->silences[p]] = onset;
        g->silence_to[p][g->silences[p]++] = end;
    }
}

static void read_programme(json_t *line, void *ctx)
{
    struct gaps *g = ctx;
    const char *type = json_string_value(json_object_get(line, "type"));
    if (strcmp(type, "patient")) return;
    unsigned p = patient_index(json_string_value(json_object_get(line, "id")));
    assert_true(p < MAX_P);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(line, "expected"), i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        enum measure_kind k = measure_kind_from_name(kind, strlen(kind));
        assert_true(k != MEASURE_NONE);
        g->expected[p] |= 1u << k;
    }
}

static bool silent(const struct gaps *g, unsigned p, int64_t from, int64_t to)
{
    for (unsigned i = 0; i < g->silences[p]; i++)
        if (from < g->silence_to[p][i] && g->silence_from[p][i] < to) return true;
    return false;
}

static void check_gap(struct gaps *g, unsigned p, enum measure_kind k, int64_t at)
{
    if (!(g->expected[p] & (1u << k))) return;
    int64_t previous = g->last[p][k] ? g->last[p][k] : g->start;
    if (at - previous > 48 * INSTANT_MS_PER_HOUR && !silent(g, p, previous, at)) {
        if (g->violations++ < 5)
            fprintf(stderr, "# p-%07u kind %d: %.1f h without a reading\n", p + 1, (int)k,
                    (double)(at - previous) / INSTANT_MS_PER_HOUR);
    }
    g->last[p][k] = at;
}

static void read_signal(json_t *r, void *ctx)
{
    struct gaps *g = ctx;
    if (strcmp(json_string_value(json_object_get(r, "resourceType")), "Observation")) return;
    if (json_object_get(r, "performer")) return; /* a nurse's visit is not the patient's device */
    unsigned p = patient_index(
        json_string_value(json_object_get(json_object_get(r, "subject"), "reference")));
    int64_t at = time_of(r, "effectiveDateTime");
    json_t *cd = json_array_get(json_object_get(json_object_get(r, "code"), "coding"), 0);
    const char *sys = json_string_value(json_object_get(cd, "system"));
    const char *code = json_string_value(json_object_get(cd, "code"));
    const struct measure_code *m = measure_code_lookup(sys, strlen(sys), code, strlen(code));
    if (m && m->part != PART_DIASTOLIC) check_gap(g, p, m->kind, at);
}

static void truth_is_consistent_and_gaps_are_episodes(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run r;
    small(&cfg, MAX_P, 30);
    cfg.episode_rate = 8;
    if (!generate(&cfg, &r)) skip();
    struct gaps *g = calloc(1, sizeof *g);
    each_line(r.truth, read_truth, g);
    each_line(r.programme, read_programme, g);
    each_line(r.signals, read_signal, g);
    for (unsigned p = 0; p < MAX_P; p++)
        for (int k = 0; k < MEASURE_KIND_COUNT; k++)
            if (g->expected[p] & (1u << k)) check_gap(g, p, (enum measure_kind)k, g->end);
    assert_int_equal(g->violations, 0);
    static const char *types[] = {
        "hf_decompensation", "hypoglycaemia",  "hyperglycaemia", "hypertensive_crisis",
        "copd_exacerbation", "infection",      "fall",           "fall_long_lie",
        "activity_decline",  "device_silence", "complaint",      "request"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        unsigned k = 0;
        while (k < g->type_count && strcmp(g->type_names[k], types[i])) k++;
        if (k == g->type_count) fail_msg("no %s episode in the truth", types[i]);
    }
    assert_int_equal(r.stats.episodes > 0, 1);
    for (unsigned k = 0; k < g->type_count; k++) free((void *)g->type_names[k]);
    free(g);
    run_free(&r);
}

static void truth_does_not_depend_on_coordinates(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run a, b;
    small(&cfg, 150, 20);
    cfg.coordinates_path = sim_default_coordinates_path();
    if (!cfg.coordinates_path) skip();
    if (!generate(&cfg, &a)) skip();
    const char *with = cfg.coordinates_path;
    cfg.coordinates_path = NULL;
    generate(&cfg, &b);
    assert_int_equal(a.truth_len, b.truth_len);
    assert_memory_equal(a.truth, b.truth, a.truth_len);
    assert_true(a.stats.communes_with_coordinates > 0);
    assert_int_equal(b.stats.communes_with_coordinates, 0);
    (void)with;
    run_free(&a);
    run_free(&b);
}

static void programme_lists_territories_and_users(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run r;
    small(&cfg, 50, 2);
    if (!generate(&cfg, &r)) skip();
    unsigned territories = 0, patients = 0, coordinators = 0, caregivers = 0, gateways = 0;
    const char *p = r.programme;
    while ((p = strstr(p, "\"type\":\""))) {
        p += 8;
        if (!strncmp(p, "territory\"", 10)) territories++;
        if (!strncmp(p, "patient\"", 8)) patients++;
    }
    for (p = r.programme; (p = strstr(p, "\"role\":\"")); p += 8) {
        if (!strncmp(p + 8, "coordinator", 11)) coordinators++;
        if (!strncmp(p + 8, "caregiver", 9)) caregivers++;
        if (!strncmp(p + 8, "gateway", 7)) gateways++;
    }
    assert_int_equal(territories, 6);
    assert_int_equal(patients, 50);
    assert_int_equal(coordinators, 9);
    assert_int_equal(gateways, 12);
    assert_true(caregivers >= 12);
    assert_non_null(strstr(r.programme, "\"expected\":[{\"kind\":"));
    run_free(&r);
}

static void every_region_holds_its_territories(void **state)
{
    (void)state;
    struct sim_config cfg;
    struct run r;
    small(&cfg, 90, 1);
    cfg.regions = 18; /* all of them, overseas included: Guyane and Mayotte are small */
    cfg.territories_per_region = 5;
    if (!generate(&cfg, &r)) skip();
    assert_int_equal(r.stats.territories, 90);
    run_free(&r);
}

static void rejects_bad_configuration(void **state)
{
    (void)state;
    struct sim_config cfg;
    sim_config_default(&cfg);
    cfg.communes_path = "/nonexistent/communes.json";
    struct sim_outputs out = {0};
    verr e;
    assert_int_equal(sim_generate(&cfg, &out, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/communes.json"));
    cfg.days = 0;
    assert_int_equal(sim_generate(&cfg, &out, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "--days"));
    sim_config_default(&cfg);
    cfg.communes_path = sim_default_communes_path();
    if (!cfg.communes_path) skip();
    cfg.regions = 19;
    assert_int_equal(sim_generate(&cfg, &out, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "--regions"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_bytes),
        cmocka_unit_test(signals_are_valid_fhir_in_time_order),
        cmocka_unit_test(truth_is_consistent_and_gaps_are_episodes),
        cmocka_unit_test(truth_does_not_depend_on_coordinates),
        cmocka_unit_test(programme_lists_territories_and_users),
        cmocka_unit_test(every_region_holds_its_territories),
        cmocka_unit_test(rejects_bad_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
