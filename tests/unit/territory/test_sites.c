/* Maximal covering: a case where greedy alone goes wrong and a swap repairs it; GLPK's
 * optimum against enumeration of every choice on small random instances; the heuristic and
 * its bounds against that optimum; building an instance from communes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/deserts.h"
#include "territory/sites.h"

static void make_problem(struct sites_problem *pb, size_t nd, const double *w, size_t nc,
                         const size_t *first, const uint32_t *covers)
{
    verr e;
    if (sites_problem_from_coverage(pb, nd, w, nc, first, covers, &e) < 0) fail_msg("%s", e.msg);
}

static void solve(const struct sites_problem *pb, const struct sites_params *p,
                  struct sites_solution *s)
{
    verr e;
    if (sites_solve(pb, p, s, &e) < 0) fail_msg("%s", e.msg);
}

/* Six nodes of weight 1: L1 L2 L3 | R1 R2 R3. The middle site covers L2 L3 R1 R2 (4), the
 * left one L1-L3 and the right one R1-R3 (3 each). With p = 2, greedy takes the middle
 * site then one side (5); the optimum is both sides (6), which one swap finds. The top-p
 * bound says 4 + 3 = 7; the Lagrangian bound comes down to 6 and proves the optimum. */
static void swap_repairs_greedy(void **state)
{
    (void)state;
    double w[6] = {1, 1, 1, 1, 1, 1};
    size_t first[] = {0, 4, 7, 10};
    uint32_t covers[] = {1, 2, 3, 4, /* middle */ 0, 1, 2, /* left */ 3, 4, 5 /* right */};
    struct sites_problem pb;
    make_problem(&pb, 6, w, 3, first, covers);
    struct sites_params p;
    sites_params_default(&p);
    p.p = 2;
    p.method = SITES_HEURISTIC;
    struct sites_solution s;
    solve(&pb, &p, &s);
    assert_near(s.greedy_weight, 5, 0);
    assert_near(s.covered_weight, 6, 0);
    assert_int_equal(s.swaps, 1);
    assert_true(s.optimal);
    assert_near(s.upper_bound, 6, 0);
    assert_near(s.gain[0] + s.gain[1], 6, 0);
    assert_near(s.gain[0], 3, 0);
    sites_solution_free(&s);

    p.method = SITES_EXACT;
    solve(&pb, &p, &s);
    assert_int_equal(s.method_used, SITES_EXACT);
    assert_true(s.optimal);
    assert_near(s.covered_weight, 6, 0);
    assert_true(s.chosen[0] != 0 && s.chosen[1] != 0);
    sites_solution_free(&s);

    /* More sites than candidates: all of them, optimal by definition. */
    p.p = 5;
    solve(&pb, &p, &s);
    assert_int_equal(s.count, 3);
    assert_true(s.optimal);
    assert_near(s.covered_weight, 6, 0);
    sites_solution_free(&s);
    sites_problem_free(&pb);
}

static double brute_force_best(const struct sites_problem *pb, size_t p, uint32_t *pick,
                               size_t depth, uint32_t from)
{
    if (depth == p) return sites_coverage(pb, pick, p);
    double best = 0.0;
    for (uint32_t j = from; j < pb->candidate_count; j++) {
        pick[depth] = j;
        double v = brute_force_best(pb, p, pick, depth + 1, j + 1);
        if (v > best) best = v;
    }
    return best;
}

/* 60 random instances (fixed seed): GLPK proves the optimum found by enumeration; the
 * heuristic stays within it and above 1 - 1/e of it; every bound is above it. */
static void exact_matches_enumeration_and_bounds_hold(void **state)
{
    (void)state;
    uint64_t seed = 1974;
    for (int round = 0; round < 60; round++) {
        size_t nd = (size_t)test_random_int(&seed, 5, 30);
        size_t nc = (size_t)test_random_int(&seed, 3, 12);
        double w[30];
        size_t first[13] = {0};
        uint32_t covers[30 * 12];
        for (size_t i = 0; i < nd; i++) w[i] = test_random_uniform(&seed, 0.5, 100);
        size_t n = 0;
        for (size_t j = 0; j < nc; j++) {
            for (uint32_t i = 0; i < nd; i++)
                if (test_random_uniform(&seed, 0, 1) < 0.25) covers[n++] = i;
            first[j + 1] = n;
        }
        struct sites_problem pb;
        make_problem(&pb, nd, w, nc, first, covers);
        size_t p = (size_t)test_random_int(&seed, 1, (long)nc - 1);
        uint32_t pick[12];
        double best = brute_force_best(&pb, p, pick, 0, 0);

        struct sites_params params;
        sites_params_default(&params);
        params.p = p;
        params.time_limit_seconds = 0; /* no limit: small instances */
        params.method = SITES_EXACT;
        struct sites_solution s;
        solve(&pb, &params, &s);
        if (fabs(s.covered_weight - best) > 1e-9 * best)
            fail_msg("round %d: GLPK %.9g, enumeration %.9g", round, s.covered_weight, best);
        assert_true(s.optimal);
        assert_near(sites_coverage(&pb, s.chosen, s.count), s.covered_weight, 1e-9);
        sites_solution_free(&s);

        params.method = SITES_HEURISTIC;
        solve(&pb, &params, &s);
        assert_true(s.covered_weight <= best + 1e-9);
        assert_true(s.greedy_weight >= (1 - 1 / M_E) * best - 1e-9);
        assert_true(s.covered_weight >= s.greedy_weight - 1e-9);
        if (s.upper_bound < best - 1e-6)
            fail_msg("round %d: bound %.9g (%s) below the optimum %.9g", round, s.upper_bound,
                     s.bound_source, best);
        if (s.optimal) assert_near(s.covered_weight, best, 1e-6 * best);
        sites_solution_free(&s);

        /* AUTO goes exact under the size limit and heuristic above it. */
        params.method = SITES_AUTO;
        params.exact_max_nonzeros = 0;
        solve(&pb, &params, &s);
        assert_int_equal(s.method_used, SITES_HEURISTIC);
        sites_solution_free(&s);
        sites_problem_free(&pb);
    }
}

/* From communes on a line, 10 minutes apart: A B C D E, with a matrix of road times. */
static void instance_from_communes(void **state)
{
    (void)state;
    struct commune_table t;
    communes_init(&t);
    const char *codes[] = {"A", "B", "C", "D", "E"};
    double pops[] = {100, 200, 300, 400, 500};
    for (int i = 0; i < 5; i++) test_add_commune(&t, codes[i], pops[i], NAN, NAN);
    struct travel_pair pairs[4];
    for (uint32_t i = 0; i < 4; i++) pairs[i] = (struct travel_pair){i, i + 1, 10};
    verr e;
    travel *tr = travel_from_pairs(&t, pairs, 4, &e);
    /* Deficit weights at threshold 2.5: A at APL 0 counts fully, B half, C none... */
    double apl[] = {0, 1.25, 3, 0, 2};
    double weight[5];
    for (int i = 0; i < 5; i++) weight[i] = pops[i] * deserts_deficit(apl[i], 2.5);
    assert_near(weight[1], 100, 1e-9);
    assert_near(weight[4], 100, 1e-9);
    uint32_t candidates[] = {1, 3}, existing[] = {4};
    struct sites_problem pb;
    /* Within 10 minutes: B covers A, B, C; D covers C, D, E. E is an existing site, which
     * already covers D and E. */
    assert_int_equal(sites_problem_build(&pb, &t, weight, candidates, 2, existing, 1, tr, 10, &e),
                     0);
    assert_int_equal(pb.demand_count, 2); /* A and B: C weighs 0, D and E are covered */
    assert_near(pb.total_weight, 100 + 100 + 400 + 100, 1e-9);
    assert_near(pb.existing_weight, 500, 1e-9);
    assert_int_equal(sites_problem_nonzeros(&pb), 2);
    struct sites_params p;
    sites_params_default(&p);
    p.p = 1;
    struct sites_solution s;
    solve(&pb, &p, &s);
    assert_int_equal(s.chosen[0], 0);
    assert_near(s.covered_weight, 200, 1e-9);
    assert_near(s.covered_population, 300, 0);
    buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(sites_write_csv(&out, &pb, &t, &s), 0);
    assert_string_equal(buf_cstr(&out), "rank,code,name,gain_weight,gain_population\n"
                                        "1,B,,200,300\n");
    buf_reset(&out);
    assert_int_equal(sites_write_json(&out, &pb, &t, &p, &s), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"optimal\":true"));
    assert_non_null(strstr(buf_cstr(&out), "\"code\":\"B\""));
    /* no coordinates: the map marker's place is null */
    assert_non_null(strstr(buf_cstr(&out), "\"lat\":null,\"lon\":null"));
    buf_free(&out);
    sites_solution_free(&s);
    sites_problem_free(&pb);
    travel_free(tr);
    communes_free(&t);
}

static void rejects_bad_instances(void **state)
{
    (void)state;
    struct sites_problem pb;
    verr e;
    double w[] = {1, -2};
    size_t first[] = {0, 1};
    uint32_t covers[] = {0};
    assert_int_equal(sites_problem_from_coverage(&pb, 2, w, 1, first, covers, &e), -1);
    assert_non_null(strstr(e.msg, "weight"));
    double ok[] = {1, 2};
    uint32_t far[] = {7};
    assert_int_equal(sites_problem_from_coverage(&pb, 2, ok, 1, first, far, &e), -1);
    make_problem(&pb, 2, ok, 1, first, covers);
    struct sites_params p;
    sites_params_default(&p);
    p.p = 0;
    struct sites_solution s;
    assert_int_equal(sites_solve(&pb, &p, &s, &e), -1);
    sites_problem_free(&pb);

    config *c = config_new();
    config_set(c, "territory.sites_time_limit", "2s");
    config_set(c, "territory.sites_method", "heuristic");
    sites_params_default(&p);
    assert_int_equal(sites_params_from_config(&p, c, &e), 0);
    assert_near(p.time_limit_seconds, 2, 0);
    assert_int_equal(p.method, SITES_HEURISTIC);
    config_set(c, "territory.sites_method", "random");
    assert_int_equal(sites_params_from_config(&p, c, &e), -1);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swap_repairs_greedy),
        cmocka_unit_test(exact_matches_enumeration_and_bounds_hold),
        cmocka_unit_test(instance_from_communes),
        cmocka_unit_test(rejects_bad_instances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
