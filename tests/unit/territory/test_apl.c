/* Travel times and the floating catchment: 2SFCA on the layout of Luo & Wang's (2003)
 * illustration, E2SFCA on a three-commune case worked by hand, band edges, gravity decay,
 * conservation of supply, and the spatial index against brute force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/apl.h"
#include "territory/travel.h"

static travel *matrix_of(const struct commune_table *t, const struct travel_pair *pairs, size_t n)
{
    verr e;
    travel *tr = travel_from_pairs(t, pairs, n, &e);
    if (!tr) fail_msg("%s", e.msg);
    return tr;
}

static void compute(const struct commune_table *t, const double *supply, const travel *tr,
                    const struct apl_params *p, struct apl_result *r)
{
    verr e;
    if (apl_compute(t, supply, tr, p, r, &e) < 0) fail_msg("%s", e.msg);
}

/* Luo & Wang (2003) illustrate 2SFCA with two physician locations: a, whose catchment holds
 * 8 residents, and b, whose catchment holds 5, three residents being in both. Step 1 gives
 * a 1/8 and b 1/5; residents in a's catchment only get 1/8, those in b's only 1/5, and
 * those in both 1/8 + 1/5 = 0.325. Here each resident is a commune of one inhabitant, and
 * the physicians' own communes are empty. */
static void two_step_floating_catchment_luo_wang(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "a", 0, NAN, NAN);
    test_add_commune(&t, "b", 0, NAN, NAN);
    char code[8];
    for (int r = 1; r <= 10; r++) {
        snprintf(code, sizeof code, "r%d", r);
        test_add_commune(&t, code, 1, NAN, NAN);
    }
    struct travel_pair pairs[13];
    size_t n = 0;
    for (uint32_t r = 1; r <= 8; r++) pairs[n++] = (struct travel_pair){1 + r, 0, 20};
    for (uint32_t r = 6; r <= 10; r++) pairs[n++] = (struct travel_pair){1 + r, 1, 25};
    travel *tr = matrix_of(&t, pairs, n);
    double supply[12] = {1, 1};
    struct apl_params p;
    apl_params_default(&p);
    verr e;
    assert_int_equal(apl_parse_bands(&p, "30:1", &e), 0); /* one band: plain 2SFCA */
    struct apl_result r;
    compute(&t, supply, tr, &p, &r);
    for (int i = 1; i <= 5; i++) assert_near(r.apl[1 + i], 1.0 / 8, 1e-12);
    for (int i = 6; i <= 8; i++) assert_near(r.apl[1 + i], 0.325, 1e-12);
    for (int i = 9; i <= 10; i++) assert_near(r.apl[1 + i], 1.0 / 5, 1e-12);
    assert_near(r.supply_total, 2, 0);
    assert_near(r.supply_stranded, 0, 0);
    assert_near(r.population_total, 10, 0);
    /* Everyone's accessible supply adds up to the supply: 5/8 + 3 x 0.325 + 2/5 = 2. */
    assert_near(r.mean * r.population_total, 2, 1e-12);
    apl_result_free(&r);
    travel_free(tr);
    communes_free(&t);
}

/* X (100 inhabitants, 10 consultations), Y (200, none), Z (50, 5); X-Y 12 min, Y-Z 8 min,
 * X-Z 18 min, with the DREES bands (<=10: 1, <=15: 0.66, <=20: 0.33):
 *   R_X = 10 / (100 + 0.66 x 200 + 0.33 x 50) = 10 / 248.5
 *   R_Z = 5 / (50 + 200 + 0.33 x 100) = 5 / 283
 *   A_X = R_X + 0.33 R_Z,  A_Y = 0.66 R_X + R_Z,  A_Z = 0.33 R_X + R_Z. */
static void enhanced_two_step_by_hand(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "X", 100, NAN, NAN);
    test_add_commune(&t, "Y", 200, NAN, NAN);
    test_add_commune(&t, "Z", 50, NAN, NAN);
    struct travel_pair pairs[] = {{0, 1, 12}, {1, 2, 8}, {2, 0, 18}};
    travel *tr = matrix_of(&t, pairs, 3);
    double supply[3] = {10, 0, 5};
    struct apl_params p;
    apl_params_default(&p);
    struct apl_result r;
    compute(&t, supply, tr, &p, &r);
    double rx = 10 / 248.5, rz = 5.0 / 283;
    assert_near(r.apl[0], rx + 0.33 * rz, 1e-12);
    assert_near(r.apl[1], 0.66 * rx + rz, 1e-12);
    assert_near(r.apl[2], 0.33 * rx + rz, 1e-12);
    assert_near(100 * r.apl[0] + 200 * r.apl[1] + 50 * r.apl[2], 15, 1e-9);
    assert_int_equal(r.supply_communes, 2);
    assert_int_equal(r.pairs, 6);
    apl_result_free(&r);

    /* The age-standardised population replaces the population as demand when given. */
    t.communes[1].population_standardised = 100;
    compute(&t, supply, tr, &p, &r);
    assert_int_equal(r.demand_used, APL_DEMAND_AUTO);
    rx = 10 / (100 + 0.66 * 100 + 0.33 * 50);
    rz = 5 / (50 + 100 + 0.33 * 100);
    assert_near(r.apl[1], 0.66 * rx + rz, 1e-12);
    apl_result_free(&r);
    p.demand = APL_DEMAND_STANDARDISED;
    verr e;
    assert_int_equal(apl_compute(&t, supply, tr, &p, &r, &e), -1);
    assert_string_equal(e.msg, "commune X has no standardised population");

    /* Scale: FTE per 100,000 inhabitants. */
    p.demand = APL_DEMAND_POPULATION;
    p.scale = 100000;
    compute(&t, supply, tr, &p, &r);
    assert_near(r.apl[0], 100000 * (10 / 248.5 + 0.33 * 5.0 / 283), 1e-6);
    apl_result_free(&r);
    travel_free(tr);
    communes_free(&t);
}

static void band_edges_and_gravity(void **state)
{
    (void)state;
    struct apl_params p;
    apl_params_default(&p);
    assert_near(apl_max_minutes(&p), 20, 0);
    assert_near(apl_weight(&p, 0), 1, 0);
    assert_near(apl_weight(&p, 10), 1, 0);
    assert_near(apl_weight(&p, 10.001), 0.66, 0);
    assert_near(apl_weight(&p, 15), 0.66, 0);
    assert_near(apl_weight(&p, 20), 0.33, 0);
    assert_near(apl_weight(&p, 20.001), 0, 0);
    p.decay = APL_DECAY_GRAVITY; /* beta 1 from 5 minutes, up to 20 */
    assert_near(apl_weight(&p, 2), 1, 0);
    assert_near(apl_weight(&p, 10), 0.5, 1e-12);
    assert_near(apl_weight(&p, 20), 0.25, 1e-12);
    assert_near(apl_weight(&p, 21), 0, 0);
    p.gravity_beta = 2;
    assert_near(apl_weight(&p, 10), 0.25, 1e-12);

    verr e;
    assert_int_equal(apl_parse_bands(&p, "15:1,10:0.5", &e), -1);
    assert_non_null(strstr(e.msg, "increasing"));
    assert_int_equal(apl_parse_bands(&p, "10:1;15:0.5", &e), -1);
    assert_int_equal(apl_parse_bands(&p, "10:-1", &e), -1);
    assert_int_equal(apl_parse_bands(&p, "", &e), -1);
    assert_int_equal(apl_parse_bands(&p, "5:1,30:0.5", &e), 0);
    assert_int_equal(p.band_count, 2);
    assert_near(p.band_limit[1], 30, 0);

    config *c = config_new();
    config_set(c, "territory.apl_decay", "gravity");
    config_set(c, "territory.apl_gravity_beta", "1.5");
    apl_params_default(&p);
    assert_int_equal(apl_params_from_config(&p, c, &e), 0);
    assert_int_equal(p.decay, APL_DECAY_GRAVITY);
    assert_near(p.gravity_beta, 1.5, 0);
    config_set(c, "territory.apl_decay", "gaussian");
    assert_int_equal(apl_params_from_config(&p, c, &e), -1);
    assert_non_null(strstr(e.msg, "territory.apl_decay"));
    config_free(c);
}

/* Supply with nobody in reach cannot be received by anyone: it is reported, not spread. */
static void stranded_supply_is_reported(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "A", 0, NAN, NAN);
    test_add_commune(&t, "B", 10, NAN, NAN);
    travel *tr = matrix_of(&t, NULL, 0);
    double supply[2] = {7, 3};
    struct apl_params p;
    apl_params_default(&p);
    struct apl_result r;
    compute(&t, supply, tr, &p, &r);
    assert_near(r.supply_stranded, 7, 0);
    assert_near(r.apl[0], 0, 0);
    assert_near(r.apl[1], 0.3, 1e-12);
    apl_result_free(&r);
    travel_free(tr);
    communes_free(&t);
}

/* In straight-line mode a commune without coordinates cannot be placed: its APL is
 * unknown (an empty CSV field), and its supply reaches nobody. */
static void unplaced_communes_have_no_value(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "A", 100, 45, 5);
    test_add_commune(&t, "B", 50, 45.01, 5);
    test_add_commune(&t, "C", 10, NAN, NAN);
    struct travel_params tp;
    travel_params_default(&tp);
    verr e;
    travel *tr = travel_straight_line(&t, &tp, &e);
    double supply[3] = {300, 0, 40};
    struct apl_params p;
    apl_params_default(&p);
    struct apl_result r;
    compute(&t, supply, tr, &p, &r);
    assert_near(r.apl[0], 2, 1e-12); /* 300 / (100 + 50), both within 10 minutes */
    assert_true(isnan(r.apl[2]));
    assert_near(r.supply_stranded, 40, 0);
    assert_int_equal(r.communes_unplaced, 1);
    assert_near(r.mean, 2, 1e-12);
    buf out;
    buf_init(&out, 4096);
    assert_int_equal(apl_write_csv(&out, &t, &r), 0);
    assert_string_equal(buf_cstr(&out), "code,apl\nA,2\nB,2\nC,\n");
    buf_reset(&out);
    assert_int_equal(apl_write_json(&out, &t, &r, &p, travel_describe(tr)), 0);
    assert_non_null(strstr(buf_cstr(&out), "{\"code\":\"C\",\"apl\":null}"));
    buf_free(&out);
    apl_result_free(&r);
    travel_free(tr);
    communes_free(&t);
}

static void straight_line_times(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "A", 1, 0, 0);
    test_add_commune(&t, "B", 1, 1, 0);
    test_add_commune(&t, "C", 1, NAN, NAN);
    struct travel_params p;
    travel_params_default(&p);
    verr e;
    travel *tr = travel_straight_line(&t, &p, &e);
    assert_non_null(tr);
    /* One degree of meridian is 6371.0088 x pi / 180 = 111.195 km; x 1.3 at 60 km/h. */
    double km = 6371.0088 * M_PI / 180;
    assert_near(travel_distance_km(0, 0, 1, 0), km, 1e-9);
    assert_near(travel_minutes(tr, 0, 1), km * 1.3, 1e-9);
    assert_near(travel_minutes(tr, 1, 0), km * 1.3, 1e-9);
    assert_near(travel_minutes(tr, 2, 2), 0, 0);
    assert_true(isinf(travel_minutes(tr, 0, 2)));
    travel_free(tr);
    p.detour_factor = 0.5;
    assert_null(travel_straight_line(&t, &p, &e));
    assert_non_null(strstr(e.msg, "detour"));
    communes_free(&t);
}

static void matrix_pairs_and_errors(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    test_add_commune(&t, "A", 1, NAN, NAN);
    test_add_commune(&t, "B", 1, NAN, NAN);
    test_add_commune(&t, "C", 1, NAN, NAN);
    verr e;
    const char *text = "from,to,minutes\nA,B,12\nB,A,14\nB,C,5\n";
    csvfile *f = csvfile_open_memory("m.csv", text, strlen(text), &e);
    travel *tr = travel_read_matrix(&t, f, &e);
    csvfile_close(f);
    assert_non_null(tr);
    assert_near(travel_minutes(tr, 0, 1), 12, 0);
    assert_near(travel_minutes(tr, 1, 0), 14, 0);
    assert_near(travel_minutes(tr, 2, 1), 5, 0); /* the reverse of B,C */
    assert_near(travel_minutes(tr, 1, 1), 0, 0);
    assert_true(isinf(travel_minutes(tr, 0, 2)));
    uint32_t dest[] = {1};
    struct travel_catchments c;
    assert_int_equal(travel_catchments(tr, dest, 1, 12, &c, &e), 0);
    assert_int_equal(c.first[1], 3); /* A (12), B (0), C (5) */
    assert_int_equal(c.origin[0], 0);
    assert_near(c.minutes[2], 5, 0);
    travel_catchments_free(&c);
    assert_int_equal(travel_count_pairs(tr, dest, 1, 12, SIZE_MAX), 3);
    assert_int_equal(travel_count_pairs(tr, dest, 1, 4, SIZE_MAX), 1);
    travel_free(tr);

    text = "from,to,minutes\nA,B,12\nA,Q,5\n";
    f = csvfile_open_memory("m.csv", text, strlen(text), &e);
    assert_null(travel_read_matrix(&t, f, &e));
    assert_string_equal(e.msg, "m.csv:3: column 2 'to': commune 'Q' is not in the communes table");
    csvfile_close(f);
    text = "from,to,minutes\nA,B,12\nA,B,13\n";
    f = csvfile_open_memory("m.csv", text, strlen(text), &e);
    assert_null(travel_read_matrix(&t, f, &e));
    assert_string_equal(e.msg, "m.csv: travel A -> B is given twice (12 and 13 minutes)");
    csvfile_close(f);
    communes_free(&t);
}

/* The latitude-band index finds exactly what comparing every pair finds, including across
 * the antimeridian and near a pole. */
static void spatial_index_matches_brute_force(void **state)
{
    (void)state;
    uint64_t seed = 20260304;
    struct commune_table t;
    communes_init(&t);
    char code[16];
    for (int i = 0; i < 1500; i++) {
        double lat, lon;
        if (i < 1200) {
            lat = test_random_uniform(&seed, 42, 51);
            lon = test_random_uniform(&seed, -5, 8);
        } else if (i < 1400) {
            lat = test_random_uniform(&seed, -18, -14);
            lon = test_random_uniform(&seed, 179.2, 180) * (i % 2 ? 1 : -1);
        } else {
            lat = test_random_uniform(&seed, 88.5, 90);
            lon = test_random_uniform(&seed, -180, 180);
        }
        snprintf(code, sizeof code, "c%d", i);
        test_add_commune(&t, code, 1, i % 97 == 0 ? NAN : lat, i % 97 == 0 ? NAN : lon);
    }
    struct travel_params p;
    travel_params_default(&p);
    verr e;
    travel *tr = travel_straight_line(&t, &p, &e);
    uint32_t *dest = malloc(t.count * sizeof *dest);
    for (size_t i = 0; i < t.count; i++) dest[i] = (uint32_t)i;
    const double limits[] = {0, 12, 45, 200};
    for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
        struct travel_catchments c;
        assert_int_equal(travel_catchments(tr, dest, t.count, limits[l], &c, &e), 0);
        for (size_t d = 0; d < t.count; d++) {
            size_t x = c.first[d];
            for (size_t o = 0; o < t.count; o++) {
                double m = travel_minutes(tr, o, d);
                if (m > limits[l]) continue;
                if (x >= c.first[d + 1] || c.origin[x] != o)
                    fail_msg("limit %g: %zu -> %zu (%g min) missing", limits[l], o, d, m);
                assert_near(c.minutes[x], m, 1e-9);
                x++;
            }
            assert_int_equal(x, c.first[d + 1]);
        }
        /* counting (a server's bound on a request) agrees, and stops past its limit */
        assert_int_equal(travel_count_pairs(tr, dest, t.count, limits[l], SIZE_MAX),
                         c.first[t.count]);
        size_t stop = c.first[t.count] / 3;
        size_t counted = travel_count_pairs(tr, dest, t.count, limits[l], stop);
        assert_true(counted > stop && counted <= c.first[t.count]);
        travel_catchments_free(&c);
    }
    free(dest);
    travel_free(tr);
    communes_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_step_floating_catchment_luo_wang),
        cmocka_unit_test(enhanced_two_step_by_hand),
        cmocka_unit_test(band_edges_and_gravity),
        cmocka_unit_test(stranded_supply_is_reported),
        cmocka_unit_test(unplaced_communes_have_no_value),
        cmocka_unit_test(straight_line_times),
        cmocka_unit_test(matrix_pairs_and_errors),
        cmocka_unit_test(spatial_index_matches_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
