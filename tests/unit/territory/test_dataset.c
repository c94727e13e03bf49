/* The server's territorial data: which file is where (settings, data directory, defaults),
 * joining DREES's APL on the communes' geography (arrondissements folded, former communes
 * counted), the APL computed from a supply, optional files, messages naming the file and
 * the setting, loading once (a missing file looked for again, a broken one remembered),
 * the outlines' checks; and the shared data pack's counts when it is present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/dataset.h"

static const char *const communes_csv = "code_insee,nom,departement,region,population,lat,lon\n"
                                        "23001,Aubette,23,75,1000,46.30,1.80\n"
                                        "23002,Bois-Clair,23,75,500,46.20,2.05\n"
                                        "75056,Paris-Test,75,11,3000,48.856,2.343\n";
/* 75101 and 75102 are Paris's arrondissements; 23999 a former commune. */
static const char *const apl_csv = "code,population,apl_65\n"
                                   "23001,1000,2.0\n"
                                   "23002,500,\n"
                                   "23999,10,1.0\n"
                                   "75101,1000,3.0\n"
                                   "75102,3000,4.0\n";

/* A fresh directory under /tmp; the tests write their files into it. */
static void make_dir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/vigie-dataset-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Settings from key = value lines, with no default directory. */
static int settings(const char *const *pairs, struct dataset_settings *s, verr *e)
{
    config *c = config_new();
    for (size_t k = 0; pairs[k]; k += 2) config_set(c, pairs[k], pairs[k + 1]);
    int rc = dataset_settings_read(c, NULL, s, e);
    if (rc == 0) rc = config_check_unused(c, e);
    config_free(c);
    return rc;
}

static void settings_name_each_file(void **state)
{
    (void)state;
    unsetenv("VIGIE_DATA_DIR");
    struct dataset_settings s;
    verr e;
    assert_int_equal(
        settings((const char *const[]){"territory.data_dir", "/data", "territory.doctors",
                                       "/elsewhere/d.csv", "territory.api_max_sites", "7", NULL},
                 &s, &e),
        0);
    assert_string_equal(s.data_dir_origin, "territory.data_dir");
    assert_string_equal(s.files[DATASET_COMMUNES].path, "/data/communes.csv");
    assert_false(s.files[DATASET_COMMUNES].named);
    assert_string_equal(s.files[DATASET_APL].path, "/data/apl_mg_2021.csv");
    assert_string_equal(s.files[DATASET_DOCTORS].path, "/elsewhere/d.csv");
    assert_true(s.files[DATASET_DOCTORS].named);
    assert_string_equal(s.files[DATASET_SUPPLY].path, ""); /* no name in the pack */
    assert_int_equal(s.api_max_sites, 7);
    assert_near(s.threshold, 2.5, 0);

    /* the environment, then the first default directory that exists */
    setenv("VIGIE_DATA_DIR", "/from-env", 1);
    assert_int_equal(settings((const char *const[]){NULL}, &s, &e), 0);
    assert_string_equal(s.data_dir, "/from-env");
    unsetenv("VIGIE_DATA_DIR");
    config *c = config_new();
    const char *const dirs[] = {"/no/such/dir", "/tmp", NULL};
    assert_int_equal(dataset_settings_read(c, dirs, &s, &e), 0);
    assert_string_equal(s.data_dir, "/tmp");
    assert_string_equal(s.data_dir_origin, "default");
    config_free(c);

    assert_int_equal(
        settings((const char *const[]){"territory.apl", "a.csv", "territory.supply", "s.csv", NULL},
                 &s, &e),
        -1);
    assert_non_null(strstr(e.msg, "territory.apl and territory.supply"));
    assert_int_equal(settings((const char *const[]){"territory.api_max_pairs", "0", NULL}, &s, &e),
                     -1);
    assert_non_null(strstr(e.msg, "territory.api_max_pairs"));
}

static void apl_joined_on_the_communes(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    write_file(dir, "communes.csv", communes_csv);
    write_file(dir, "apl_mg_2021.csv", apl_csv);
    write_file(dir, "departements.csv", "code,nom,region\n23,Creuse-Test,75\n");
    struct dataset_settings s;
    verr e;
    assert_int_equal(settings((const char *const[]){"territory.data_dir", dir, NULL}, &s, &e), 0);
    struct dataset_data d;
    if (dataset_data_load(&s, &d, &e) < 0) fail_msg("%s", e.msg);
    assert_int_equal(d.communes.count, 3);
    assert_near(d.apl[0], 2.0, 0);
    assert_true(isnan(d.apl[1])); /* an empty value is unknown, not 0 */
    /* Paris: the arrondissements' mean weighted by their population */
    assert_near(d.apl[2], (1000 * 3.0 + 3000 * 4.0) / 4000, 1e-12);
    assert_int_equal(d.apl_rows, 5);
    assert_int_equal(d.apl_rows_folded, 2);
    assert_int_equal(d.apl_rows_unmatched, 1);
    assert_string_equal(d.apl_source, "apl_mg_2021.csv, column apl_65");
    /* départements: the file's, then those only the communes name */
    assert_int_equal(d.departement_count, 2);
    assert_string_equal(dataset_departement(&d, "23")->name, "Creuse-Test");
    assert_string_equal(dataset_departement(&d, "75")->name, "");
    assert_null(dataset_departement(&d, "87"));
    assert_null(d.doctors); /* absent from the directory: optional */
    dataset_data_free(&d);

    /* a named optional file must be there */
    assert_int_equal(settings((const char *const[]){"territory.data_dir", dir, "territory.doctors",
                                                    "missing.csv", NULL},
                              &s, &e),
                     0);
    assert_int_equal(dataset_data_load(&s, &d, &e), -1);
    assert_non_null(strstr(e.msg, "missing.csv"));
    remove_dir(dir);
}

static void apl_computed_from_a_supply(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    write_file(dir, "communes.csv", communes_csv);
    /* 75102's supply joins Paris's */
    write_file(dir, "supply.csv", "code,supply\n23001,3000\n75101,6000\n75102,3000\n");
    char supply[128], communes[128];
    snprintf(supply, sizeof supply, "%s/supply.csv", dir);
    snprintf(communes, sizeof communes, "%s/communes.csv", dir);
    struct dataset_settings s;
    verr e;
    assert_int_equal(settings((const char *const[]){"territory.communes", communes,
                                                    "territory.supply", supply, NULL},
                              &s, &e),
                     0);
    struct dataset_data d;
    if (dataset_data_load(&s, &d, &e) < 0) fail_msg("%s", e.msg);
    /* 23001 and 23002 are 22 km apart, 29 minutes: beyond the 20-minute catchment */
    assert_near(d.apl[0], 3.0, 1e-12);
    assert_near(d.apl[1], 0.0, 0);
    assert_near(d.apl[2], 3.0, 1e-12);
    assert_int_equal(d.apl_rows_folded, 2);
    assert_non_null(strstr(d.apl_source, "computed (E2SFCA) from supply.csv"));
    dataset_data_free(&d);
    remove_dir(dir);
}

static void loaded_once_and_errors_name_the_setting(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    struct dataset_settings s;
    verr e;
    assert_int_equal(settings((const char *const[]){"territory.data_dir", dir, NULL}, &s, &e), 0);
    dataset *d = dataset_new(&s);
    assert_null(dataset_data(d, &e));
    assert_non_null(strstr(e.msg, "communes.csv is missing; set territory.communes, or "
                                  "territory.data_dir"));
    assert_null(dataset_map(d, &e));
    assert_non_null(strstr(e.msg, "set territory.map"));
    assert_null(dataset_teams_path(d, &e));
    assert_non_null(strstr(e.msg, "set territory.teams"));
    /* a missing file is looked for again: copied in, it is read */
    write_file(dir, "communes.csv", communes_csv);
    assert_null(dataset_data(d, &e));
    assert_non_null(strstr(e.msg, "apl_mg_2021.csv is missing; set territory.apl"));
    write_file(dir, "apl_mg_2021.csv", apl_csv);
    const struct dataset_data *data = dataset_data(d, &e);
    assert_non_null(data);
    assert_ptr_equal(dataset_data(d, &e), data); /* once */
    /* a broken file keeps its error until the server restarts */
    write_file(dir, "departements.geojson", "{\"type\":\"FeatureCollection\",\"features\":[1]}");
    assert_null(dataset_map(d, &e));
    assert_non_null(strstr(e.msg, "features[0].properties.code"));
    write_file(dir, "departements.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}");
    assert_null(dataset_map(d, &e));
    dataset_free(d);

    /* no directory at all */
    unsetenv("VIGIE_DATA_DIR");
    assert_int_equal(settings((const char *const[]){NULL}, &s, &e), 0);
    d = dataset_new(&s);
    assert_null(dataset_data(d, &e));
    assert_string_equal(e.msg, "territory data unavailable: no communes file; set "
                               "territory.communes, or territory.data_dir to a folder holding "
                               "communes.csv");
    dataset_free(d);
    remove_dir(dir);
}

static void outlines_are_checked(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/map.geojson", dir);
    struct dataset_map m;
    verr e;
    write_file(dir, "map.geojson",
               "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
               "{\"code\":\"23\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1,46],"
               "[2,46],[2,47],[1,46]]]}}]}");
    assert_int_equal(dataset_map_load(path, &m, &e), 0);
    assert_int_equal(m.features, 1);
    assert_int_equal(m.len, strlen(m.geojson));
    dataset_map_free(&m);
    const char *bad[][2] = {
        {"{\"type\":\"Feature\"}", "FeatureCollection is expected"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"code\":\"23\"},"
         "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,46]}}]}",
         "features[0].geometry.type: Polygon or MultiPolygon"},
        {"{\"type\":\"FeatureCollection\",\"type\":\"x\"}", "duplicate"},
        {"not json", "map.geojson:1"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        write_file(dir, "map.geojson", bad[k][0]);
        assert_int_equal(dataset_map_load(path, &m, &e), -1);
        if (!strstr(e.msg, bad[k][1])) fail_msg("case %zu: %s", k, e.msg);
    }
    remove_dir(dir);
}

static void arrondissements(void **state)
{
    (void)state;
    assert_string_equal(dataset_arrondissement_commune("75101"), "75056");
    assert_string_equal(dataset_arrondissement_commune("75120"), "75056");
    assert_null(dataset_arrondissement_commune("75121"));
    assert_string_equal(dataset_arrondissement_commune("69389"), "69123");
    assert_null(dataset_arrondissement_commune("69380"));
    assert_string_equal(dataset_arrondissement_commune("13216"), "13055");
    assert_null(dataset_arrondissement_commune("13217"));
    assert_null(dataset_arrondissement_commune("75056"));
    assert_null(dataset_arrondissement_commune("7510"));
}

/* The data pack as the server reads it: DREES's 34,997 rows on the 34,969 communes of 2026,
 * the 45 arrondissements folded and the 92 former communes counted (its README). */
static void shared_data_pack(void **state)
{
    (void)state;
    char path[1024];
    if (!test_data_file("communes.csv", path, sizeof path)) skip();
    *strrchr(path, '/') = '\0';
    struct dataset_settings s;
    verr e;
    assert_int_equal(settings((const char *const[]){"territory.data_dir", path, NULL}, &s, &e), 0);
    struct dataset_data d;
    if (dataset_data_load(&s, &d, &e) < 0) fail_msg("%s", e.msg);
    assert_int_equal(d.communes.count, 34969);
    assert_int_equal(d.apl_rows, 34997);
    assert_int_equal(d.apl_rows_folded, 45);
    assert_int_equal(d.apl_rows_unmatched, 92);
    assert_int_equal(d.doctor_count, 101);
    assert_string_equal(dataset_departement(&d, "23")->name, "Creuse");
    long paris = communes_find(&d.communes, "75056");
    assert_true(paris >= 0 && d.apl[paris] > 3 && d.apl[paris] < 4.5);
    dataset_data_free(&d);
    struct dataset_map m;
    assert_int_equal(dataset_map_load(s.files[DATASET_MAP].path, &m, &e), 0);
    assert_int_equal(m.features, 96);
    dataset_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settings_name_each_file),
        cmocka_unit_test(apl_joined_on_the_communes),
        cmocka_unit_test(apl_computed_from_a_supply),
        cmocka_unit_test(loaded_once_and_errors_name_the_setting),
        cmocka_unit_test(outlines_are_checked),
        cmocka_unit_test(arrondissements),
        cmocka_unit_test(shared_data_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
