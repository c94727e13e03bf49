/* Helpers shared by the territory unit tests. Include after <cmocka.h>. */
#ifndef VIGIE_TERRITORY_TESTUTIL_H
#define VIGIE_TERRITORY_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "territory/communes.h"
#include "territory/csvfile.h"

/* Adds a commune; NAN coordinates for none. Fails the test on error. */
static inline void test_add_commune(struct commune_table *t, const char *code, double population,
                                    double lat, double lon)
{
    struct commune c = {
        .population = population, .population_standardised = NAN, .lat = lat, .lon = lon};
    snprintf(c.code, sizeof c.code, "%s", code);
    verr e;
    if (communes_add(t, &c, &e) < 0) fail_msg("%s", e.msg);
}

/* A CSV reader over a string; fails the test on error. */
static inline csvfile *test_open_text(const char *name, const char *text)
{
    verr e;
    csvfile *f = csvfile_open_memory(name, text, strlen(text), &e);
    if (!f) fail_msg("%s", e.msg);
    return f;
}

/* The shared data directory: $VIGIE_DATA_DIR, else <source root>/../shared/data, else
 * /work/shared/data; NULL when none holds `file`. */
static inline const char *test_data_file(const char *file, char *path, size_t size)
{
    const char *env = getenv("VIGIE_DATA_DIR");
    const char *root = getenv("VIGIE_SOURCE_ROOT");
    if (env && *env) {
        snprintf(path, size, "%s/%s", env, file);
        if (access(path, R_OK) == 0) return path;
    }
    if (root && *root) {
        snprintf(path, size, "%s/../shared/data/%s", root, file);
        if (access(path, R_OK) == 0) return path;
    }
    snprintf(path, size, "/work/shared/data/%s", file);
    return access(path, R_OK) == 0 ? path : NULL;
}

/* Deterministic pseudo-random numbers (splitmix64): property tests use a fixed seed. */
static inline uint64_t test_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline double test_random_uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * (double)(test_random_next(state) >> 11) / 9007199254740992.0;
}

/* Uniform integer in [lo, hi]. */
static inline long test_random_int(uint64_t *state, long lo, long hi)
{
    return lo + (long)(test_random_next(state) % (uint64_t)(hi - lo + 1));
}

#endif
