/* Random numbers for the simulator: xoshiro256** for streams, splitmix64 to seed them and
 * to hash coordinates. Written from the authors' published descriptions (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2018; Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", 2014). Every stream is derived from
 * the seed and the coordinates of what it draws (patient, day, purpose), so any part of the
 * programme can be regenerated alone and the output never depends on iteration order. */
#include "sim/sim_internal.h"

#include <math.h>

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

uint64_t sim_mix64(uint64_t x)
{
    x += GOLDEN_GAMMA;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = sim_mix64(seed);
    h = sim_mix64(h ^ a);
    h = sim_mix64(h ^ (b + 0x632be59bd9b4e019ULL));
    return sim_mix64(h ^ (c + 0x85157af5ULL));
}

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = hash4(seed, a, b, c);
    for (int i = 0; i < 4; i++) {
        h += GOLDEN_GAMMA;
        r->s[i] = sim_mix64(h);
    }
    /* xoshiro must not start from all zeros; splitmix64 outputs make that impossible in
     * practice, but the guard costs nothing. */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_uniform(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

double sim_rng_range(sim_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_uniform(r);
}

uint32_t sim_rng_below(sim_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the bias for n << 2^32 is far below what matters here. */
    return (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

bool sim_rng_chance(sim_rng *r, double p)
{
    return sim_rng_uniform(r) < p;
}

double sim_rng_normal(sim_rng *r, double mean, double sd)
{
    /* Marsaglia's polar method; the second variate is dropped so that every draw consumes
     * the stream the same way whatever came before. */
    double u, v, s;
    do {
        u = 2 * sim_rng_uniform(r) - 1;
        v = 2 * sim_rng_uniform(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return mean + sd * u * sqrt(-2 * log(s) / s);
}

double sim_rng_clamped_normal(sim_rng *r, double mean, double sd, double lo, double hi)
{
    double x = sim_rng_normal(r, mean, sd);
    return x < lo ? lo : x > hi ? hi : x;
}

unsigned sim_rng_poisson(sim_rng *r, double lambda)
{
    /* Knuth's product of uniforms: fine for the small rates of episodes. */
    if (lambda <= 0) return 0;
    double limit = exp(-lambda), p = 1;
    unsigned k = 0;
    do {
        k++;
        p *= sim_rng_uniform(r);
    } while (p > limit && k < 1000);
    return k - 1;
}

double sim_hash_uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return (double)(hash4(seed, a, b, c) >> 11) * 0x1.0p-53;
}
