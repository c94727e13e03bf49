/* The simulator's building blocks: its generators against their published definitions, the
 * Europe/Paris clock, and the NEWS2 chart it uses to decide expected categories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/instant.h"
#include "sim/sim_internal.h"
#include "testutil.h"

static void splitmix64_matches_reference(void **state)
{
    (void)state;
    /* splitmix64 seeded with 0: its first two outputs (Steele, Lea and Flood). */
    assert_true(sim_mix64(0) == 0xe220a8397b1dcdafULL);
    assert_true(sim_mix64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
}

static void xoshiro_matches_definition(void **state)
{
    (void)state;
    /* From state {1, 2, 3, 4}, by hand from the algorithm: rotl(2 * 5, 7) * 9 = 11520, then
     * s[1] becomes 0, so the next output is 0. */
    sim_rng r = {{1, 2, 3, 4}};
    assert_true(sim_rng_next(&r) == 11520);
    assert_true(r.s[0] == 7 && r.s[1] == 0 && r.s[2] == 262146 && r.s[3] == 6ULL << 45);
    assert_true(sim_rng_next(&r) == 0);
}

static void streams_are_reproducible_and_distinct(void **state)
{
    (void)state;
    sim_rng a, b, c;
    sim_rng_seed(&a, 42, 7, 3, 1);
    sim_rng_seed(&b, 42, 7, 3, 1);
    sim_rng_seed(&c, 42, 7, 4, 1);
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_next(&a), y = sim_rng_next(&b), z = sim_rng_next(&c);
        assert_true(x == y);
        same += x == z;
    }
    assert_int_equal(same, 0);
    assert_true(sim_hash_uniform(1, 2, 3, 4) == sim_hash_uniform(1, 2, 3, 4));
    assert_true(sim_hash_uniform(1, 2, 3, 4) != sim_hash_uniform(1, 2, 3, 5));
}

static void distributions_are_sane(void **state)
{
    (void)state;
    sim_rng r;
    sim_rng_seed(&r, 9, 0, 0, 0);
    double sum = 0, sum2 = 0, poisson = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        double u = sim_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        assert_true(sim_rng_below(&r, 7) < 7);
        double x = sim_rng_normal(&r, 10, 2);
        sum += x;
        sum2 += x * x;
        poisson += sim_rng_poisson(&r, 0.5);
    }
    double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    assert_near(mean, 10, 0.1);
    assert_near(sd, 2, 0.1);
    assert_near(poisson / n, 0.5, 0.03);
}

static int64_t at(const char *text)
{
    int64_t ms;
    verr e;
    if (instant_parse(text, strlen(text), &ms, NULL, &e) < 0) fail_msg("%s", e.msg);
    return ms;
}

static void paris_offsets_follow_eu_summer_time(void **state)
{
    (void)state;
    assert_int_equal(sim_paris_offset_s(at("2026-01-15T12:00:00Z")), 3600);
    assert_int_equal(sim_paris_offset_s(at("2026-07-15T12:00:00Z")), 7200);
    /* 2026: summer time from Sunday 29 March to Sunday 25 October, at 01:00 UTC. */
    assert_int_equal(sim_paris_offset_s(at("2026-03-29T00:59:59Z")), 3600);
    assert_int_equal(sim_paris_offset_s(at("2026-03-29T01:00:00Z")), 7200);
    assert_int_equal(sim_paris_offset_s(at("2026-10-25T00:59:59Z")), 7200);
    assert_int_equal(sim_paris_offset_s(at("2026-10-25T01:00:00Z")), 3600);
    char out[32];
    sim_format_local(at("2026-03-04T06:12:00Z"), out);
    assert_string_equal(out, "2026-03-04T07:12:00+01:00");
    sim_format_local(at("2026-07-14T10:00:05Z"), out);
    assert_string_equal(out, "2026-07-14T12:00:05+02:00");
    assert_true(sim_paris_midnight(at("2026-03-01")) == at("2026-02-28T23:00:00Z"));
    assert_true(sim_paris_midnight(at("2026-07-01")) == at("2026-06-30T22:00:00Z"));
    /* 02:30 does not exist on 29 March: read in winter time. */
    assert_true(sim_paris_to_utc(at("2026-03-29T02:30:00Z")) == at("2026-03-29T01:30:00Z"));
}

static void news2_follows_the_chart(void **state)
{
    (void)state;
    struct sim_vitals v = {.resp_rate = 16,
                           .spo2 = 97,
                           .systolic = 125,
                           .heart_rate = 70,
                           .temperature = 36.8f,
                           .acvpu = 0,
                           .has_resp_rate = true,
                           .has_systolic = true,
                           .has_acvpu = true,
                           .has_temperature = true};
    bool three;
    assert_int_equal(sim_news2_score(&v, &three), 0);
    assert_false(three);
    assert_int_equal(sim_news2_category(&v), 3);
    /* RR 25 (3), SpO2 90 (3), SBP 105 (1), HR 115 (2), T 38.5 (1): 10. */
    v.resp_rate = 25, v.spo2 = 90, v.systolic = 105, v.heart_rate = 115, v.temperature = 38.5f;
    assert_int_equal(sim_news2_score(&v, NULL), 10);
    assert_int_equal(sim_news2_category(&v), 1);
    /* A single parameter at 3 (new confusion) with an aggregate of 3: category 2. */
    struct sim_vitals c = {.resp_rate = 16,
                           .spo2 = 97,
                           .heart_rate = 70,
                           .acvpu = 1,
                           .has_resp_rate = true,
                           .has_acvpu = true};
    assert_int_equal(sim_news2_score(&c, &three), 3);
    assert_true(three);
    assert_int_equal(sim_news2_category(&c), 2);
    /* Scale 2: 90 % on air scores 0; 97 % on oxygen scores 3, plus 2 for the oxygen. */
    struct sim_vitals s2 = {.spo2 = 90, .heart_rate = 70, .scale2 = true};
    assert_int_equal(sim_news2_score(&s2, NULL), 0);
    s2.spo2 = 97, s2.on_oxygen = true;
    assert_int_equal(sim_news2_score(&s2, NULL), 5);
    /* Boundaries: RR 20 is 0 and 21 is 2; HR 90 is 0 and 91 is 1; T 38.0 is 0, 39.1 is 2. */
    struct sim_vitals b = {.resp_rate = 20,
                           .spo2 = 96,
                           .heart_rate = 90,
                           .temperature = 38.0f,
                           .has_resp_rate = true,
                           .has_temperature = true};
    assert_int_equal(sim_news2_score(&b, NULL), 0);
    b.resp_rate = 21, b.heart_rate = 91, b.temperature = 39.1f;
    assert_int_equal(sim_news2_score(&b, NULL), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splitmix64_matches_reference),
        cmocka_unit_test(xoshiro_matches_definition),
        cmocka_unit_test(streams_are_reproducible_and_distinct),
        cmocka_unit_test(distributions_are_sane),
        cmocka_unit_test(paris_offsets_follow_eu_summer_time),
        cmocka_unit_test(news2_follows_the_chart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
