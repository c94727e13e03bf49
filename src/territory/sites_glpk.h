/* Internal to src/territory (not part of the module's public surface): the exact maximal
 * covering solver of sites.c, kept apart because it is the only code that speaks GLPK. */
#ifndef VIGIE_TERRITORY_SITES_GLPK_H
#define VIGIE_TERRITORY_SITES_GLPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/verr.h"
#include "territory/sites.h"

struct sites_exact_result {
    uint32_t *chosen; /* candidate indices (caller frees); NULL when GLPK found no solution */
    size_t count;
    double value;             /* weight covered by chosen */
    double bound;             /* upper bound on the optimum; INFINITY when none was proven */
    const char *bound_source; /* "optimal", "lp" or "branch-and-bound" */
    bool optimal;
    bool time_limit_reached;
};

/* Solves the instance for p sites (1 <= p < candidates) with GLPK within the time limit
 * (seconds; 0 = none), offering `start` (p candidates) as a first incumbent. Returns 0, or
 * -1 when GLPK fails for another reason than time. */
int sites_exact_solve(const struct sites_problem *pb, size_t p, double time_limit_seconds,
                      const uint32_t *start, struct sites_exact_result *out, verr *e);

#endif
