/* Where to open p telemedicine sites: the maximal covering location problem (Church &
 * ReVelle 1974). Each demand node i (a commune) has a weight w_i, by default its
 * deficit-weighted population P_i x max(0, 1 - APL_i / 2.5); it is covered when a chosen
 * site is within T minutes. Choose p candidate communes maximising the covered weight:
 *
 *   max sum_i w_i y_i   s.t.  y_i <= sum_{j covers i} x_j,  sum_j x_j = p,
 *                             x_j in {0,1},  0 <= y_i <= 1.
 *
 * Small instances are solved exactly with GLPK (LP relaxation, then branch and bound under
 * a time limit, seeded with the heuristic solution). Beyond the size limit, or when GLPK
 * runs out of time, the answer is the greedy choice (which keeps at least 1 - 1/e of the
 * optimum, Nemhauser, Wolsey & Fisher 1978) improved by 1-swaps, and an upper bound says
 * how far from the optimum it may be: the best of the LP or branch-and-bound bound when
 * GLPK ran, a Lagrangian relaxation of the covering constraints (Galvao & ReVelle 1996)
 * and the sum of the p largest single-site coverages. Demand already covered by existing
 * sites is left out: the result is the coverage gained. */
#ifndef VIGIE_TERRITORY_SITES_H
#define VIGIE_TERRITORY_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "territory/communes.h"
#include "territory/travel.h"

#define SITES_DEFAULT_MINUTES            30.0
#define SITES_DEFAULT_EXACT_MAX_NONZEROS 200000
#define SITES_DEFAULT_TIME_LIMIT_SECONDS 10.0
#define SITES_MAX_P                      10000

enum sites_method {
    SITES_AUTO,      /* exact when the coverage matrix is small enough, else heuristic */
    SITES_EXACT,     /* GLPK whatever the size (still under the time limit) */
    SITES_HEURISTIC, /* greedy + swaps + bounds, no GLPK */
};

struct sites_params {
    size_t p;           /* sites to open, >= 1 */
    double max_minutes; /* T: a site covers the communes within T minutes */
    enum sites_method method;
    size_t exact_max_nonzeros;    /* AUTO: (candidate, demand) pairs GLPK may take */
    double time_limit_seconds;    /* GLPK LP + branch and bound; 0 for no limit */
    size_t swap_max_passes;       /* improving swaps tried, at most */
    size_t lagrangian_iterations; /* subgradient steps for the bound */
};

void sites_params_default(struct sites_params *p);
/* Reads territory.sites_p, territory.sites_minutes, territory.sites_method
 * (auto|exact|heuristic), territory.sites_exact_max_nonzeros, territory.sites_time_limit
 * (a duration such as "10s"), territory.sites_swap_passes and
 * territory.sites_lagrangian_iterations. */
int sites_params_from_config(struct sites_params *p, config *c, verr *e);

/* "auto", "exact" or "heuristic". */
int sites_parse_method(const char *text, enum sites_method *out, verr *e);

/* A covering instance: candidate j covers demand nodes covers[first[j] .. first[j+1]-1]. */
struct sites_problem {
    size_t demand_count;
    double *weight;           /* w_i > 0 */
    double *population;       /* inhabitants of each node, for reports; may be NULL */
    uint32_t *demand_commune; /* commune of each node; NULL for a hand-built instance */
    size_t candidate_count;
    uint32_t *candidate_commune; /* commune of each candidate; NULL when hand-built */
    size_t *first;               /* candidate_count + 1 */
    uint32_t *covers;
    double total_weight;    /* of every commune, covered or not */
    double existing_weight; /* of the communes existing sites already cover */
};

/* A hand-built instance (tests, API callers with their own coverage); arrays are copied. */
int sites_problem_from_coverage(struct sites_problem *pb, size_t demand_count, const double *weight,
                                size_t candidate_count, const size_t *first, const uint32_t *covers,
                                verr *e);
/* From communes: weight[i] for t->communes[i] (0 for none), candidates and existing sites as
 * commune positions, coverage within max_minutes by tr (resident to site). */
int sites_problem_build(struct sites_problem *pb, const struct commune_table *t,
                        const double *weight, const uint32_t *candidates, size_t candidate_count,
                        const uint32_t *existing, size_t existing_count, const travel *tr,
                        double max_minutes, verr *e);
void sites_problem_free(struct sites_problem *pb);
/* The coverage matrix size, which decides whether AUTO goes exact. */
size_t sites_problem_nonzeros(const struct sites_problem *pb);

struct sites_solution {
    size_t count;            /* sites chosen: min(p, candidates) */
    size_t useful_count;     /* of which add coverage (the others are there because p asked) */
    uint32_t *chosen;        /* candidate indices, each adding the most given those before */
    double *gain;            /* weight each adds to those before it */
    double *gain_population; /* inhabitants each adds; NAN without populations */
    double covered_weight;
    double covered_population;     /* NAN without populations */
    double upper_bound;            /* no p sites cover more weight */
    const char *bound_source;      /* "optimal", "lp", "branch-and-bound", "lagrangian", "top-p" */
    enum sites_method method_used; /* SITES_EXACT or SITES_HEURISTIC */
    bool optimal;                  /* covered_weight is proven optimal */
    bool time_limit_reached;
    size_t swaps;         /* improving swaps made after the greedy */
    double greedy_weight; /* coverage of the plain greedy choice */
};

int sites_solve(const struct sites_problem *pb, const struct sites_params *p,
                struct sites_solution *out, verr *e);
void sites_solution_free(struct sites_solution *s);
/* Weight covered by a set of candidates. */
double sites_coverage(const struct sites_problem *pb, const uint32_t *chosen, size_t n);

/* rank,code,name,gain_weight,gain_population (code and name need t; else the candidate
 * index). */
int sites_write_csv(buf *out, const struct sites_problem *pb, const struct commune_table *t,
                    const struct sites_solution *s);
/* {"p":..,"max_minutes":..,"method":..,"optimal":..,"covered_weight":..,"upper_bound":..,
 *  "gap":..,"sites":[{"rank":1,"code":..,"name":..,"gain_weight":..,"lat":..,"lon":..},..]} */
int sites_write_json(buf *out, const struct sites_problem *pb, const struct commune_table *t,
                     const struct sites_params *p, const struct sites_solution *s);

#endif
