/* Registry: codes (SNOMED CT check digits, INSEE communes and regions, ids, RPPS) and the
 * parsing of territories and enrolments, each refusal naming its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "registry/registry.h"

static void snomed_check_digits(void **state)
{
    (void)state;
    /* Real concepts: heart failure, COPD, type 2 diabetes, hypertension, asthma, CKD,
     * dementia, atrial fibrillation, fall, the root and "clinical finding". */
    const char *real[] = {"84114007",  "13645005",  "44054006",  "38341003", "195967001",
                          "709044004", "52448006",  "49436004",  "1912002",  "138875005",
                          "404684003", "427295004", "255604002"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        assert_true(registry_snomed_valid(real[i]));
    /* one digit changed, two adjacent digits swapped: Verhoeff catches both */
    assert_false(registry_snomed_valid("84114008"));
    assert_false(registry_snomed_valid("84141007"));
    assert_false(registry_snomed_valid("13645050"));
    /* shape */
    assert_false(registry_snomed_valid("12345"));
    assert_false(registry_snomed_valid("084114007"));
    assert_false(registry_snomed_valid("8411400x"));
    assert_false(registry_snomed_valid(""));
    assert_false(registry_snomed_valid("1234567890123456789"));
}

static void snomed_partition_is_a_concept(void **state)
{
    (void)state;
    /* 12345013 has a valid check digit but partition 01: a description, not a concept */
    assert_false(registry_snomed_valid("12345013"));
    assert_true(registry_snomed_valid("900000000000003001")); /* a long concept id */
}

static void communes_and_regions(void **state)
{
    (void)state;
    assert_true(registry_commune_valid("27229"));
    assert_string_equal(registry_commune_region("27229"), "28"); /* Eure: Normandie */
    assert_string_equal(registry_commune_region("75056"), "11"); /* Paris */
    assert_string_equal(registry_commune_region("2A004"), "94"); /* Ajaccio: Corse */
    assert_string_equal(registry_commune_region("97411"), "04"); /* Saint-Denis: Réunion */
    assert_string_equal(registry_commune_region("97611"), "06"); /* Mamoudzou: Mayotte */
    assert_true(registry_commune_valid("2B033"));
    assert_false(registry_commune_valid("2C033"));
    assert_false(registry_commune_valid("2722"));
    assert_false(registry_commune_valid("272290"));
    assert_false(registry_commune_valid("20001")); /* no département 20 since 1976 */
    assert_false(registry_commune_valid("97501")); /* Saint-Pierre-et-Miquelon: no region */
    assert_null(registry_commune_region("96001"));
}

static void ids_and_rpps(void **state)
{
    (void)state;
    assert_true(registry_id_valid("T01"));
    assert_true(registry_id_valid("normandie.evreux-sud_2"));
    assert_false(registry_id_valid(""));
    assert_false(registry_id_valid("T 01"));
    assert_false(registry_id_valid("T01/2"));
    assert_false(registry_id_valid("a-very-long-territory-identifier"));
    assert_true(registry_rpps_valid("10001234567"));
    assert_false(registry_rpps_valid("1000123456"));
    assert_false(registry_rpps_valid("1000123456x"));
}

/* Parses text as a territory; returns the outcome. */
static struct registry_outcome territory(const char *text, struct store_territory *t)
{
    json_t *body = json_loads(text, 0, NULL);
    assert_non_null(body);
    struct registry_outcome o = {0};
    bool communes;
    memset(t, 0, sizeof *t);
    registry_parse_territory(body, false, t, &communes, &o);
    json_decref(body);
    return o;
}

static void territory_fields(void **state)
{
    (void)state;
    struct store_territory t;
    struct registry_outcome o = territory(
        "{\"id\":\"T01\",\"name\":\"Pays d'Ouche\",\"region\":\"28\",\"communes\":[\"27229\","
        "\"14118\"],\"quota\":50}",
        &t);
    assert_int_equal(o.status, 0);
    assert_int_equal(t.quota, 50);
    assert_int_equal(t.commune_count, 2);
    store_territory_free(&t);

    o = territory("{\"id\":\"T01\",\"name\":\"x\",\"region\":\"28\"}", &t);
    assert_int_equal(o.status, 0);
    assert_int_equal(t.quota, -1); /* no quota */
    store_territory_free(&t);

    const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"name\":\"x\",\"region\":\"28\"}", "id"},
        {"{\"id\":\"T 1\",\"name\":\"x\",\"region\":\"28\"}", "id"},
        {"{\"id\":\"T1\",\"region\":\"28\"}", "name"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":28}", "region"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"quota\":-1}", "quota"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"quota\":1.5}", "quota"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"communes\":\"27229\"}", "communes"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"communes\":[\"75056\"]}", "communes"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"communes\":[\"27229\",\"27229\"]}",
         "communes"},
        {"{\"id\":\"T1\",\"name\":\"x\",\"region\":\"28\",\"quotas\":3}", "quotas"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = territory(bad[i].body, &t);
        if (o.status != 400 || strcmp(o.field, bad[i].field) != 0)
            fail_msg("%s: status %d field '%s' (%s), expected 400 on %s", bad[i].body, o.status,
                     o.field, o.message, bad[i].field);
        store_territory_free(&t);
    }
}

#define NOW 1772323200000LL /* 2026-03-01T00:00:00Z: a fixed clock */

static struct registry_outcome enrolment(const char *text, struct registry_enrolment *en)
{
    json_t *body = json_loads(text, 0, NULL);
    assert_non_null(body);
    struct registry_outcome o = {0};
    registry_parse_enrolment(body, "T01", NOW, en, &o);
    json_decref(body);
    return o;
}

static void enrolment_fields(void **state)
{
    (void)state;
    struct registry_enrolment en;
    struct registry_outcome o = enrolment(
        "{\"patient\":\"Patient/p-001\",\"conditions\":[\"84114007\",\"13645005\"],\"expected\":["
        "{\"kind\":\"weight\",\"per_day\":1},{\"kind\":\"spo2\",\"per_day\":0.5}],\"end\":"
        "\"2026-09-01\"}",
        &en);
    assert_int_equal(o.status, 0);
    assert_string_equal(en.patient, "p-001");
    assert_string_equal(en.territory, "T01");
    assert_int_equal(en.condition_count, 2);
    assert_int_equal(en.expected_count, 2);
    assert_int_equal(en.expected[0].kind, MEASURE_WEIGHT);
    assert_int_equal(en.expected[1].kind, MEASURE_SPO2);
    assert_true(en.conditions_given && en.expected_given);
    assert_true(en.end_ms > NOW);
    registry_enrolment_free(&en);

    o = enrolment("{\"patient\":\"p-2\"}", &en);
    assert_int_equal(o.status, 0);
    assert_false(en.conditions_given || en.expected_given);
    registry_enrolment_free(&en);

    const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "patient"},
        {"{\"patient\":7}", "patient"},
        {"{\"patient\":\"p\",\"conditions\":[\"84114008\"]}", "conditions"},
        {"{\"patient\":\"p\",\"conditions\":[\"84114007\",\"84114007\"]}", "conditions"},
        {"{\"patient\":\"p\",\"conditions\":[84114007]}", "conditions"},
        {"{\"patient\":\"p\",\"expected\":[{\"kind\":\"wieght\",\"per_day\":1}]}", "expected[0]"},
        {"{\"patient\":\"p\",\"expected\":[{\"kind\":\"weight\",\"per_day\":48}]}", "expected[0]"},
        {"{\"patient\":\"p\",\"expected\":[{\"kind\":\"weight\"}]}", "expected[0]"},
        {"{\"patient\":\"p\",\"expected\":[{\"kind\":\"weight\",\"per_day\":1},{\"kind\":"
         "\"weight\",\"per_day\":2}]}",
         "expected[1]"},
        {"{\"patient\":\"p\",\"expected\":[{\"kind\":\"weight\",\"per_day\":1,\"unit\":\"kg\"}]}",
         "unit"},
        {"{\"patient\":\"p\",\"end\":\"2025-01-01\"}", "end"},
        {"{\"patient\":\"p\",\"start\":\"2026-10-01\",\"end\":\"2026-09-01\"}", "end"},
        {"{\"patient\":\"p\",\"start\":\"2026-10-01T10:00:00\"}", "start"},
        {"{\"patient\":\"p\",\"territory\":\"T02\"}", "territory"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = enrolment(bad[i].body, &en);
        if (o.status != 400 || strcmp(o.field, bad[i].field) != 0)
            fail_msg("%s: status %d field '%s' (%s), expected 400 on %s", bad[i].body, o.status,
                     o.field, o.message, bad[i].field);
        registry_enrolment_free(&en);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snomed_check_digits),     cmocka_unit_test(snomed_partition_is_a_concept),
        cmocka_unit_test(communes_and_regions),    cmocka_unit_test(ids_and_rpps),
        cmocka_unit_test(territory_fields),        cmocka_unit_test(enrolment_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
