/* Deserts: population under the threshold by France, region, département and territory,
 * on a five-commune case worked by hand; doctors per 100,000; and DREES's published
 * headline figures recomputed from the shared data when it is present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/deserts.h"

static void add(struct commune_table *t, const char *code, const char *region, double pop)
{
    test_add_commune(t, code, pop, NAN, NAN);
    snprintf(t->communes[t->count - 1].region, COMMUNE_AREA_CODE_MAX, "%s", region);
}

static const struct deserts_area *find(const struct deserts_report *r, enum deserts_level level,
                                       const char *code)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->areas[i].level == level && !strcmp(r->areas[i].code, code)) return &r->areas[i];
    fail_msg("no area %s", code);
    return NULL;
}

/*   commune  dép  region  population  APL   deficit weight (threshold 2.5)
 *   01001    01   84      100         1.0   1 - 1/2.5 = 0.6  -> 60
 *   01002    01   84      300         3.0   0
 *   02001    02   32      200         2.0   1 - 2/2.5 = 0.2  -> 40
 *   02002    02   32       50         none
 *   2A004    2A   94        0         0.5   (nobody lives there)
 * France: 600 inhabitants with a value, 300 under 2.5, mean (100 + 900 + 400) / 600. */
static void summary_by_area_by_hand(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    add(&t, "01001", "84", 100);
    add(&t, "01002", "84", 300);
    add(&t, "02001", "32", 200);
    add(&t, "02002", "32", 50);
    add(&t, "2A004", "94", 0);
    double apl[] = {1.0, 3.0, 2.0, NAN, 0.5};
    struct deserts_membership members[] = {{"T1", "01001"}, {"T1", "02001"}, {"T2", "01002"}};
    struct deserts_doctors doctors[] = {{"01", 4}, {"02", 5}, {"99", 7}};
    struct deserts_params p = {DESERTS_DEFAULT_THRESHOLD, true};
    struct deserts_report r;
    verr e;
    assert_int_equal(deserts_summarise(&t, apl, &p, members, 3, doctors, 3, &r, &e), 0);

    const struct deserts_area *fr = &r.areas[0];
    assert_int_equal(fr->level, DESERTS_FRANCE);
    assert_int_equal(fr->communes, 4);
    assert_int_equal(fr->communes_under, 3);
    assert_int_equal(fr->communes_without_value, 1);
    assert_near(fr->population, 600, 0);
    assert_near(fr->population_under, 300, 0);
    assert_near(fr->population_total, 650, 0);
    assert_near(fr->apl_mean, 1400.0 / 600, 1e-12);
    assert_near(fr->deficit_population, 100, 1e-9);

    const struct deserts_area *d01 = find(&r, DESERTS_DEPARTEMENT, "01");
    assert_near(d01->population_under, 100, 0);
    assert_near(d01->apl_mean, 2.5, 1e-12);
    assert_near(d01->doctors_per_100k, 4 * 100000.0 / 400, 1e-9);
    const struct deserts_area *d02 = find(&r, DESERTS_DEPARTEMENT, "02");
    assert_near(d02->population, 200, 0);
    assert_near(d02->doctors_per_100k, 5 * 100000.0 / 250, 1e-9); /* all inhabitants */
    assert_true(isnan(find(&r, DESERTS_DEPARTEMENT, "2A")->apl_mean));
    assert_int_equal(r.doctors_unmatched, 1);

    const struct deserts_area *r32 = find(&r, DESERTS_REGION, "32");
    assert_near(r32->population_under, 200, 0);
    const struct deserts_area *t1 = find(&r, DESERTS_TERRITORY, "T1");
    assert_near(t1->population, 300, 0);
    assert_near(t1->population_under, 300, 0);
    assert_near(t1->apl_mean, 500.0 / 300, 1e-12);
    assert_near(t1->deficit_population, 100, 1e-9);
    assert_near(find(&r, DESERTS_TERRITORY, "T2")->deficit_population, 0, 0);

    size_t listed = 0;
    for (size_t i = 0; i < r.count; i++) listed += r.areas[i].level == DESERTS_COMMUNE;
    assert_int_equal(listed, 3);
    assert_near(find(&r, DESERTS_COMMUNE, "2A004")->apl_mean, 0.5, 0);

    /* Areas come out ordered: France, regions, départements, territories, communes. */
    for (size_t i = 1; i < r.count; i++) assert_true(r.areas[i - 1].level <= r.areas[i].level);

    buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(deserts_write_csv(&out, &r), 0);
    assert_non_null(strstr(buf_cstr(&out), "\nfrance,FR,,4,3,1,600,300,0.5,2.333333333,100,,\n"));
    assert_non_null(strstr(buf_cstr(&out), "\ndepartement,01,,2,1,0,400,100,0.25,2.5,60,4,1000\n"));
    buf_reset(&out);
    assert_int_equal(deserts_write_json(&out, &r), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"territories\":[{\"code\":\"T1\""));
    buf_free(&out);
    deserts_report_free(&r);
    communes_free(&t);
}

static void deficit_weights(void **state)
{
    (void)state;
    assert_near(deserts_deficit(0, 2.5), 1, 0);
    assert_near(deserts_deficit(1.25, 2.5), 0.5, 1e-12);
    assert_near(deserts_deficit(2.5, 2.5), 0, 0);
    assert_near(deserts_deficit(7, 2.5), 0, 0);
    assert_near(deserts_deficit(NAN, 2.5), 0, 0);
}

static void membership_and_parameter_errors(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    add(&t, "01001", "84", 100);
    double apl[] = {1.0};
    struct deserts_params p = {2.5, false};
    struct deserts_report r;
    verr e;
    struct deserts_membership unknown[] = {{"T1", "75056"}};
    assert_int_equal(deserts_summarise(&t, apl, &p, unknown, 1, NULL, 0, &r, &e), -1);
    assert_string_equal(e.msg, "territory T1: commune '75056' is not in the communes table");
    struct deserts_membership twice[] = {{"T1", "01001"}, {"T1", "01001"}};
    assert_int_equal(deserts_summarise(&t, apl, &p, twice, 2, NULL, 0, &r, &e), -1);
    assert_string_equal(e.msg, "territory T1 lists commune 01001 twice");
    p.threshold = 0;
    assert_int_equal(deserts_summarise(&t, apl, &p, NULL, 0, NULL, 0, &r, &e), -1);
    communes_free(&t);

    arena a;
    arena_init(&a, 4096);
    struct deserts_membership *members;
    size_t n;
    const char *text = "territory_id,commune\nT1,01001\nT2,\n";
    csvfile *f = csvfile_open_memory("territories.csv", text, strlen(text), &e);
    assert_int_equal(deserts_read_territories(f, &a, &members, &n, &e), -1);
    assert_string_equal(e.msg, "territories.csv:3: column 2 'commune': empty");
    csvfile_close(f);
    struct deserts_doctors *doctors;
    text = "departement,annee,generalistes,total\n01,2014,694,1203\n02,2014,x,1\n";
    f = csvfile_open_memory("doctors.csv", text, strlen(text), &e);
    assert_int_equal(deserts_read_doctors(f, "total", &a, &doctors, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(doctors[1].departement, "02");
    assert_near(doctors[0].count, 1203, 0);
    free(doctors);
    csvfile_close(f);
    f = csvfile_open_memory("doctors.csv", text, strlen(text), &e);
    assert_int_equal(deserts_read_doctors(f, NULL, &a, &doctors, &n, &e), -1);
    assert_string_equal(e.msg, "doctors.csv:3: column 3 'generalistes': 'x' is not a number");
    csvfile_close(f);
    arena_free(&a);
}

/* DREES's APL 2021 file, when present: the population-weighted mean of apl_65 is 3.3748 and
 * 23.68 % of the population lives under 2.5 (figures of the data pack's README). */
static void drees_headline_figures(void **state)
{
    (void)state;
    char path[1024];
    if (!test_data_file("apl_mg_2021.csv", path, sizeof path)) skip();
    verr e;
    struct commune_table t;
    communes_init(&t);
    csvfile *f = csvfile_open(path, &e);
    assert_int_equal(communes_read_csv(&t, f, &e), 0);
    csvfile_close(f);
    double *apl = malloc(t.count * sizeof *apl);
    static const char *const column[] = {"apl_65", NULL};
    struct communes_values_options opt = {.value_columns = column, .missing = NAN};
    f = csvfile_open(path, &e);
    assert_int_equal(communes_read_values(&t, f, &opt, apl, &e), 34974);
    csvfile_close(f);
    struct deserts_params p = {2.5, false};
    struct deserts_report r;
    assert_int_equal(deserts_summarise(&t, apl, &p, NULL, 0, NULL, 0, &r, &e), 0);
    assert_near(r.areas[0].population, 66988403, 0);
    assert_near(r.areas[0].apl_mean, 3.3748, 5e-5);
    assert_near(r.areas[0].population_under, 15864029, 0);
    assert_near(r.areas[0].population_under / r.areas[0].population, 0.2368, 5e-5);
    deserts_report_free(&r);
    free(apl);
    communes_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_by_area_by_hand),
        cmocka_unit_test(deficit_weights),
        cmocka_unit_test(membership_and_parameter_errors),
        cmocka_unit_test(drees_headline_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
