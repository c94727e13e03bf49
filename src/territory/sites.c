/* Maximal covering: instance building, lazy greedy, best-improvement swaps, Lagrangian and
 * top-p bounds, and the reports. The exact GLPK model lives in sites_glpk.c. */
#include "territory/sites.h"

#include "core/mem.h"
#include "territory/report.h"
#include "territory/sites_glpk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sites_params_default(struct sites_params *p)
{
    p->p = 1;
    p->max_minutes = SITES_DEFAULT_MINUTES;
    p->method = SITES_AUTO;
    p->exact_max_nonzeros = SITES_DEFAULT_EXACT_MAX_NONZEROS;
    p->time_limit_seconds = SITES_DEFAULT_TIME_LIMIT_SECONDS;
    p->swap_max_passes = 1000;
    p->lagrangian_iterations = 300;
}

int sites_params_from_config(struct sites_params *p, config *c, verr *e)
{
    int64_t v;
    if (config_get_int(c, "territory.sites_p", (int64_t)p->p, 1, SITES_MAX_P, &v, e) < 0) return -1;
    p->p = (size_t)v;
    if (config_get_double(c, "territory.sites_minutes", p->max_minutes, 0, 600, &p->max_minutes,
                          e) < 0)
        return -1;
    const char *method = config_get(c, "territory.sites_method");
    if (method && sites_parse_method(method, &p->method, e) < 0)
        return verr_prefix(e, "territory.sites_method");
    if (config_get_int(c, "territory.sites_exact_max_nonzeros", (int64_t)p->exact_max_nonzeros, 0,
                       100000000, &v, e) < 0)
        return -1;
    p->exact_max_nonzeros = (size_t)v;
    char def[32];
    snprintf(def, sizeof def, "%lldms", (long long)(p->time_limit_seconds * 1000));
    int64_t ms;
    if (config_get_duration(c, "territory.sites_time_limit", def, &ms, e) < 0) return -1;
    p->time_limit_seconds = (double)ms / 1000.0;
    if (config_get_int(c, "territory.sites_swap_passes", (int64_t)p->swap_max_passes, 0, 1000000,
                       &v, e) < 0)
        return -1;
    p->swap_max_passes = (size_t)v;
    if (config_get_int(c, "territory.sites_lagrangian_iterations",
                       (int64_t)p->lagrangian_iterations, 0, 100000, &v, e) < 0)
        return -1;
    p->lagrangian_iterations = (size_t)v;
    return 0;
}

int sites_parse_method(const char *text, enum sites_method *out, verr *e)
{
    if (!strcmp(text, "auto"))
        *out = SITES_AUTO;
    else if (!strcmp(text, "exact"))
        *out = SITES_EXACT;
    else if (!strcmp(text, "heuristic"))
        *out = SITES_HEURISTIC;
    else
        return verr_fail(e, "'%s' is not auto, exact or heuristic", text);
    return 0;
}

static int compare_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

int sites_problem_from_coverage(struct sites_problem *pb, size_t demand_count, const double *weight,
                                size_t candidate_count, const size_t *first, const uint32_t *covers,
                                verr *e)
{
    memset(pb, 0, sizeof *pb);
    for (size_t i = 0; i < demand_count; i++)
        if (!(weight[i] > 0) || !isfinite(weight[i]))
            return verr_fail(e, "demand node %zu: weight %g must be positive", i, weight[i]);
    if (first[0] != 0) return verr_fail(e, "coverage lists must start at 0");
    for (size_t j = 0; j < candidate_count; j++) {
        if (first[j + 1] < first[j]) return verr_fail(e, "candidate %zu: bad coverage list", j);
        for (size_t x = first[j]; x < first[j + 1]; x++)
            if (covers[x] >= demand_count)
                return verr_fail(e, "candidate %zu covers unknown demand node %u", j, covers[x]);
    }
    size_t nnz = first[candidate_count];
    pb->demand_count = demand_count;
    pb->candidate_count = candidate_count;
    pb->weight = xmalloc((demand_count ? demand_count : 1) * sizeof *pb->weight);
    if (demand_count) memcpy(pb->weight, weight, demand_count * sizeof *weight);
    pb->first = xmalloc((candidate_count + 1) * sizeof *pb->first);
    pb->covers = xmalloc((nnz ? nnz : 1) * sizeof *pb->covers);
    /* Sorted, duplicate-free lists: a node listed twice would count twice in a gain. */
    size_t kept = 0;
    pb->first[0] = 0;
    for (size_t j = 0; j < candidate_count; j++) {
        size_t start = kept, len = first[j + 1] - first[j];
        if (len == 0) {
            pb->first[j + 1] = kept;
            continue;
        }
        memcpy(pb->covers + kept, covers + first[j], len * sizeof *covers);
        qsort(pb->covers + start, len, sizeof *covers, compare_u32);
        for (size_t x = start; x < start + len; x++)
            if (kept == start || pb->covers[kept - 1] != pb->covers[x])
                pb->covers[kept++] = pb->covers[x];
        pb->first[j + 1] = kept;
    }
    for (size_t i = 0; i < demand_count; i++) pb->total_weight += weight[i];
    return 0;
}

int sites_problem_build(struct sites_problem *pb, const struct commune_table *t,
                        const double *weight, const uint32_t *candidates, size_t candidate_count,
                        const uint32_t *existing, size_t existing_count, const travel *tr,
                        double max_minutes, verr *e)
{
    memset(pb, 0, sizeof *pb);
    size_t n = t->count;
    for (size_t i = 0; i < n; i++)
        if (!(weight[i] >= 0) || !isfinite(weight[i]))
            return verr_fail(e, "commune %s: weight %g is not a quantity", t->communes[i].code,
                             weight[i]);
    struct travel_catchments old, cand;
    if (travel_catchments(tr, existing, existing_count, max_minutes, &old, e) < 0) return -1;
    if (travel_catchments(tr, candidates, candidate_count, max_minutes, &cand, e) < 0) {
        travel_catchments_free(&old);
        return -1;
    }
    /* node[i]: demand node of commune i, or -1 (no weight, already covered, out of reach). */
    int32_t *node = xmalloc((n ? n : 1) * sizeof *node);
    for (size_t i = 0; i < n; i++) node[i] = weight[i] > 0 ? -2 : -1;
    for (size_t x = 0; x < old.first[existing_count]; x++) {
        uint32_t i = old.origin[x];
        if (node[i] == -2) pb->existing_weight += weight[i];
        node[i] = -1;
    }
    size_t nodes = 0;
    for (size_t x = 0; x < cand.first[candidate_count]; x++)
        if (node[cand.origin[x]] == -2) node[cand.origin[x]] = (int32_t)nodes++;
    pb->demand_count = nodes;
    pb->weight = xmalloc((nodes ? nodes : 1) * sizeof *pb->weight);
    pb->population = xmalloc((nodes ? nodes : 1) * sizeof *pb->population);
    pb->demand_commune = xmalloc((nodes ? nodes : 1) * sizeof *pb->demand_commune);
    for (size_t i = 0; i < n; i++) {
        pb->total_weight += weight[i];
        if (node[i] < 0) continue;
        double pop = t->communes[i].population;
        pb->weight[node[i]] = weight[i];
        pb->population[node[i]] = isnan(pop) ? 0.0 : pop;
        pb->demand_commune[node[i]] = (uint32_t)i;
    }
    pb->candidate_count = candidate_count;
    pb->candidate_commune = xmalloc((candidate_count ? candidate_count : 1) * sizeof(uint32_t));
    if (candidate_count)
        memcpy(pb->candidate_commune, candidates, candidate_count * sizeof *candidates);
    pb->first = xcalloc(candidate_count + 1, sizeof *pb->first);
    pb->covers = xmalloc((cand.first[candidate_count] ? cand.first[candidate_count] : 1) *
                         sizeof *pb->covers);
    size_t kept = 0;
    for (size_t j = 0; j < candidate_count; j++) {
        for (size_t x = cand.first[j]; x < cand.first[j + 1]; x++)
            if (node[cand.origin[x]] >= 0) pb->covers[kept++] = (uint32_t)node[cand.origin[x]];
        pb->first[j + 1] = kept;
    }
    free(node);
    travel_catchments_free(&old);
    travel_catchments_free(&cand);
    return 0;
}

void sites_problem_free(struct sites_problem *pb)
{
    free(pb->weight);
    free(pb->population);
    free(pb->demand_commune);
    free(pb->candidate_commune);
    free(pb->first);
    free(pb->covers);
    memset(pb, 0, sizeof *pb);
}

size_t sites_problem_nonzeros(const struct sites_problem *pb)
{
    return pb->first ? pb->first[pb->candidate_count] : 0;
}

double sites_coverage(const struct sites_problem *pb, const uint32_t *chosen, size_t n)
{
    unsigned char *seen = xcalloc(pb->demand_count ? pb->demand_count : 1, 1);
    double sum = 0.0;
    for (size_t k = 0; k < n; k++)
        for (size_t x = pb->first[chosen[k]]; x < pb->first[chosen[k] + 1]; x++)
            if (!seen[pb->covers[x]]) {
                seen[pb->covers[x]] = 1;
                sum += pb->weight[pb->covers[x]];
            }
    free(seen);
    return sum;
}

/* Max-heap entry of the lazy greedy: a gain computed at some round. */
struct heap_entry {
    double gain;
    uint32_t candidate;
    uint32_t round;
};

static bool heap_above(const struct heap_entry *a, const struct heap_entry *b)
{
    return a->gain > b->gain || (a->gain == b->gain && a->candidate < b->candidate);
}

static void heap_sift_down(struct heap_entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < n && heap_above(&h[l], &h[top])) top = l;
        if (r < n && heap_above(&h[r], &h[top])) top = r;
        if (top == i) return;
        struct heap_entry tmp = h[i];
        h[i] = h[top];
        h[top] = tmp;
        i = top;
    }
}

static double gain_of(const struct sites_problem *pb, const double *values, uint32_t j,
                      const uint32_t *count)
{
    double g = 0.0;
    for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++)
        if (!count[pb->covers[x]]) g += values[pb->covers[x]];
    return g;
}

/* Greedy over `pool` (n candidates): k picks, each of largest marginal gain. Gains only
 * shrink as nodes get covered (submodularity), so a gain recomputed in the current round
 * that still tops the heap is the true maximum (lazy evaluation, Minoux 1978). */
static void greedy(const struct sites_problem *pb, const uint32_t *pool, size_t n, size_t k,
                   uint32_t *chosen, double *gain)
{
    uint32_t *count = xcalloc(pb->demand_count ? pb->demand_count : 1, sizeof *count);
    struct heap_entry *h = xmalloc((n ? n : 1) * sizeof *h);
    for (size_t x = 0; x < n; x++) h[x] = (struct heap_entry){INFINITY, pool[x], UINT32_MAX};
    for (size_t x = n / 2 + 1; x-- > 0;) heap_sift_down(h, n, x);
    size_t size = n;
    for (uint32_t round = 0; round < k && size > 0; round++) {
        while (h[0].round != round) {
            h[0].gain = gain_of(pb, pb->weight, h[0].candidate, count);
            h[0].round = round;
            heap_sift_down(h, size, 0);
        }
        uint32_t j = h[0].candidate;
        chosen[round] = j;
        gain[round] = h[0].gain;
        for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++) count[pb->covers[x]]++;
        h[0] = h[--size];
        heap_sift_down(h, size, 0);
    }
    free(h);
    free(count);
}

/* Best-improvement 1-swaps. For a candidate c outside the choice, removing chosen site k
 * and adding c changes the coverage by gain0(c) + bonus(c, k) - loss(k), where gain0 is
 * what c covers that nothing chosen covers, bonus what c covers that only k covers, and
 * loss what only k covers; one pass over the coverage lists evaluates every pair. */
static size_t improve_by_swaps(const struct sites_problem *pb, uint32_t *chosen, size_t p,
                               size_t max_passes)
{
    size_t d = pb->demand_count ? pb->demand_count : 1;
    uint32_t *count = xmalloc(d * sizeof *count), *owner = xmalloc(d * sizeof *owner);
    unsigned char *in = xcalloc(pb->candidate_count ? pb->candidate_count : 1, 1);
    double *loss = xmalloc(p * sizeof *loss), *bonus = xcalloc(p, sizeof *bonus);
    uint32_t *touched = xmalloc(p * sizeof *touched);
    double eps = 1e-9 * (1.0 + pb->total_weight);
    size_t swaps = 0;
    for (size_t k = 0; k < p; k++) in[chosen[k]] = 1;
    while (swaps < max_passes) {
        memset(count, 0, d * sizeof *count);
        for (size_t k = 0; k < p; k++)
            for (size_t x = pb->first[chosen[k]]; x < pb->first[chosen[k] + 1]; x++) {
                count[pb->covers[x]]++;
                owner[pb->covers[x]] = (uint32_t)k;
            }
        size_t cheapest = 0;
        for (size_t k = 0; k < p; k++) {
            loss[k] = 0.0;
            for (size_t x = pb->first[chosen[k]]; x < pb->first[chosen[k] + 1]; x++)
                if (count[pb->covers[x]] == 1) loss[k] += pb->weight[pb->covers[x]];
            if (loss[k] < loss[cheapest]) cheapest = k;
        }
        double best = eps;
        size_t best_k = 0;
        uint32_t best_c = UINT32_MAX;
        for (uint32_t c = 0; c < pb->candidate_count; c++) {
            if (in[c]) continue;
            double gain0 = 0.0;
            size_t ntouched = 0;
            for (size_t x = pb->first[c]; x < pb->first[c + 1]; x++) {
                uint32_t i = pb->covers[x];
                if (count[i] == 0) {
                    gain0 += pb->weight[i];
                } else if (count[i] == 1) {
                    if (bonus[owner[i]] == 0.0) touched[ntouched++] = owner[i];
                    bonus[owner[i]] += pb->weight[i];
                }
            }
            if (gain0 - loss[cheapest] > best) {
                best = gain0 - loss[cheapest];
                best_k = cheapest;
                best_c = c;
            }
            for (size_t t = 0; t < ntouched; t++) {
                uint32_t k = touched[t];
                if (gain0 + bonus[k] - loss[k] > best) {
                    best = gain0 + bonus[k] - loss[k];
                    best_k = k;
                    best_c = c;
                }
                bonus[k] = 0.0;
            }
        }
        if (best_c == UINT32_MAX) break;
        in[chosen[best_k]] = 0;
        in[best_c] = 1;
        chosen[best_k] = best_c;
        swaps++;
    }
    free(count);
    free(owner);
    free(in);
    free(loss);
    free(bonus);
    free(touched);
    return swaps;
}

/* Min-heap (by value, then larger index) keeping the p largest values. */
static bool below(const double *v, uint32_t a, uint32_t b)
{
    return v[a] < v[b] || (v[a] == v[b] && a > b);
}

static void min_heap_sift_down(uint32_t *h, size_t n, size_t i, const double *v)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, low = i;
        if (l < n && below(v, h[l], h[low])) low = l;
        if (r < n && below(v, h[r], h[low])) low = r;
        if (low == i) return;
        uint32_t tmp = h[i];
        h[i] = h[low];
        h[low] = tmp;
        i = low;
    }
}

/* The p indices of largest v (p <= n) into top; returns their sum. */
static double top_p(const double *v, size_t n, size_t p, uint32_t *top)
{
    for (size_t j = 0; j < p; j++) top[j] = (uint32_t)j;
    for (size_t x = p / 2 + 1; x-- > 0;) min_heap_sift_down(top, p, x, v);
    for (size_t j = p; j < n; j++)
        if (below(v, top[0], (uint32_t)j)) {
            top[0] = (uint32_t)j;
            min_heap_sift_down(top, p, 0, v);
        }
    double sum = 0.0;
    for (size_t j = 0; j < p; j++) sum += v[top[j]];
    return sum;
}

/* Lagrangian relaxation of y_i <= sum_j x_j with multipliers lambda_i >= 0:
 *   L(lambda) = sum_i max(0, w_i - lambda_i) + (sum of the p largest sum_{i in N_j} lambda_i)
 * bounds the optimum for any lambda; subgradient steps (Held, Wolfe & Crowder 1974) lower
 * it. lambda = w gives the top-p bound. Each step's p sites are also a feasible choice,
 * kept in best/best_value when they beat it. Returns the lowest L found. */
static double lagrangian_bound(const struct sites_problem *pb, size_t p, size_t iterations,
                               uint32_t *best, double *best_value)
{
    size_t d = pb->demand_count, nc = pb->candidate_count;
    double *lambda = xmalloc((d ? d : 1) * sizeof *lambda);
    double *score = xmalloc((nc ? nc : 1) * sizeof *score);
    double *g = xmalloc((d ? d : 1) * sizeof *g);
    uint32_t *top = xmalloc(p * sizeof *top);
    memcpy(lambda, pb->weight, d * sizeof *lambda);
    double bound = INFINITY, theta = 2.0;
    size_t stall = 0;
    for (size_t it = 0; it <= iterations; it++) {
        for (size_t j = 0; j < nc; j++) {
            score[j] = 0.0;
            for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++)
                score[j] += lambda[pb->covers[x]];
        }
        double l = top_p(score, nc, p, top);

        for (size_t i = 0; i < d; i++) l += fmax(0.0, pb->weight[i] - lambda[i]);
        if (bound - l > 1e-12 * (1.0 + l)) { /* bound starts infinite */
            bound = l;
            stall = 0;
        } else if (++stall >= 20) {
            theta /= 2;
            stall = 0;
        }
        double value = sites_coverage(pb, top, p);
        if (value > *best_value) {
            *best_value = value;
            memcpy(best, top, p * sizeof *top);
        }
        if (it == iterations || bound - *best_value <= 1e-9 * (1.0 + *best_value) || theta < 1e-6)
            break;
        for (size_t i = 0; i < d; i++) g[i] = pb->weight[i] > lambda[i] ? -1.0 : 0.0;
        for (size_t k = 0; k < p; k++)
            for (size_t x = pb->first[top[k]]; x < pb->first[top[k] + 1]; x++)
                g[pb->covers[x]] += 1.0;
        double norm = 0.0;
        for (size_t i = 0; i < d; i++) norm += g[i] * g[i];
        if (norm == 0.0) break; /* lambda is optimal: L cannot go lower */
        double step = theta * (l - *best_value) / norm;
        for (size_t i = 0; i < d; i++) lambda[i] = fmax(0.0, lambda[i] - step * g[i]);
    }
    free(lambda);
    free(score);
    free(g);
    free(top);
    return bound;
}

static void keep_lower_bound(struct sites_solution *s, double bound, const char *source)
{
    if (bound < s->upper_bound) {
        s->upper_bound = bound;
        s->bound_source = source;
    }
}

/* Orders the final choice greedily so each site's gain reads as "what it adds". */
static void order_and_measure(const struct sites_problem *pb, struct sites_solution *s)
{
    uint32_t *pool = xmalloc((s->count ? s->count : 1) * sizeof *pool);
    memcpy(pool, s->chosen, s->count * sizeof *pool);
    greedy(pb, pool, s->count, s->count, s->chosen, s->gain);
    free(pool);
    s->covered_weight = sites_coverage(pb, s->chosen, s->count);
    s->covered_population = pb->population ? 0.0 : NAN;
    unsigned char *seen = xcalloc(pb->demand_count ? pb->demand_count : 1, 1);
    for (size_t k = 0; k < s->count; k++) {
        s->gain_population[k] = pb->population ? 0.0 : NAN;
        if (!pb->population) continue;
        uint32_t j = s->chosen[k];
        for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++)
            if (!seen[pb->covers[x]]) {
                seen[pb->covers[x]] = 1;
                s->gain_population[k] += pb->population[pb->covers[x]];
            }
        s->covered_population += s->gain_population[k];
    }
    free(seen);
    s->useful_count = 0;
    for (size_t k = 0; k < s->count; k++) s->useful_count += s->gain[k] > 0;
}

/* The sum of the p largest single-site coverages: no p sites can cover more. */
static double top_p_bound(const struct sites_problem *pb, size_t p)
{
    size_t nc = pb->candidate_count;
    double *single = xmalloc((nc ? nc : 1) * sizeof *single);
    uint32_t *top = xmalloc((p ? p : 1) * sizeof *top);
    for (size_t j = 0; j < nc; j++) {
        single[j] = 0.0; /* the lists hold each node once */
        for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++)
            single[j] += pb->weight[pb->covers[x]];
    }
    double bound = top_p(single, nc, p, top);
    free(single);
    free(top);
    return bound;
}

/* GLPK on the instance, seeded with the heuristic choice; keeps what it improves. */
static int solve_exact(const struct sites_problem *pb, const struct sites_params *p,
                       struct sites_solution *out, double *value, verr *e)
{
    struct sites_exact_result ex;
    if (sites_exact_solve(pb, out->count, p->time_limit_seconds, out->chosen, &ex, e) < 0)
        return -1;
    out->method_used = SITES_EXACT;
    out->time_limit_reached = ex.time_limit_reached;
    if (ex.chosen && ex.value > *value) {
        memcpy(out->chosen, ex.chosen, out->count * sizeof *out->chosen);
        *value = ex.value;
    }
    keep_lower_bound(out, ex.bound, ex.bound_source);
    out->optimal = ex.optimal;
    if (ex.optimal) out->bound_source = "exact"; /* even if another bound was as low */
    free(ex.chosen);
    return 0;
}

int sites_solve(const struct sites_problem *pb, const struct sites_params *p,
                struct sites_solution *out, verr *e)
{
    memset(out, 0, sizeof *out);
    if (p->p < 1 || p->p > SITES_MAX_P)
        return verr_fail(e, "the number of sites must be between 1 and %d", SITES_MAX_P);
    size_t nc = pb->candidate_count;
    size_t k = p->p < nc ? p->p : nc;
    out->count = k;
    out->chosen = xmalloc((k ? k : 1) * sizeof *out->chosen);
    out->gain = xmalloc((k ? k : 1) * sizeof *out->gain);
    out->gain_population = xmalloc((k ? k : 1) * sizeof *out->gain_population);
    out->method_used = SITES_HEURISTIC;
    out->upper_bound = INFINITY;
    uint32_t *all = xmalloc((nc ? nc : 1) * sizeof *all);
    for (size_t j = 0; j < nc; j++) all[j] = (uint32_t)j;
    greedy(pb, all, nc, k, out->chosen, out->gain);
    free(all);
    out->greedy_weight = sites_coverage(pb, out->chosen, k);
    double value = out->greedy_weight;
    if (k == nc) {
        keep_lower_bound(out, value, "all-candidates"); /* nothing can do better */
    } else {
        out->swaps = improve_by_swaps(pb, out->chosen, k, p->swap_max_passes);
        value = sites_coverage(pb, out->chosen, k);
        keep_lower_bound(out, top_p_bound(pb, k), "top-p");
        bool exact =
            p->method == SITES_EXACT ||
            (p->method == SITES_AUTO && sites_problem_nonzeros(pb) <= p->exact_max_nonzeros);
        if (exact && solve_exact(pb, p, out, &value, e) < 0) {
            sites_solution_free(out);
            return -1;
        }
        if (!out->optimal && p->lagrangian_iterations > 0) {
            double bound = lagrangian_bound(pb, k, p->lagrangian_iterations, out->chosen, &value);
            keep_lower_bound(out, bound, "lagrangian");
        }
    }
    order_and_measure(pb, out);
    /* A bound met proves the choice optimal, however it was found. */
    if (out->optimal ||
        out->upper_bound - out->covered_weight <= 1e-9 * (1.0 + out->covered_weight)) {
        out->optimal = true;
        out->upper_bound = out->covered_weight;
    }
    return 0;
}

void sites_solution_free(struct sites_solution *s)
{
    free(s->chosen);
    free(s->gain);
    free(s->gain_population);
    memset(s, 0, sizeof *s);
}

static void site_label(const struct sites_problem *pb, const struct commune_table *t, uint32_t j,
                       const char **code, const char **name, char *fallback)
{
    if (t && pb->candidate_commune && pb->candidate_commune[j] < t->count) {
        *code = t->communes[pb->candidate_commune[j]].code;
        *name = t->communes[pb->candidate_commune[j]].name;
        return;
    }
    snprintf(fallback, 24, "%u", j);
    *code = fallback;
    *name = "";
}

int sites_write_csv(buf *out, const struct sites_problem *pb, const struct commune_table *t,
                    const struct sites_solution *s)
{
    int rc = buf_puts(out, "rank,code,name,gain_weight,gain_population\n");
    for (size_t k = 0; k < s->count && !rc; k++) {
        const char *code, *name;
        char fallback[24];
        site_label(pb, t, s->chosen[k], &code, &name, fallback);
        rc |= buf_printf(out, "%zu,", k + 1);
        rc |= report_csv_text(out, code);
        rc |= buf_putc(out, ',');
        rc |= report_csv_text(out, name);
        rc |= buf_putc(out, ',');
        rc |= report_csv_number(out, s->gain[k]);
        rc |= buf_putc(out, ',');
        rc |= report_csv_number(out, s->gain_population[k]);
        rc |= buf_putc(out, '\n');
    }
    return rc ? -1 : 0;
}

int sites_write_json(buf *out, const struct sites_problem *pb, const struct commune_table *t,
                     const struct sites_params *p, const struct sites_solution *s)
{
    double coverable = 0.0;
    for (size_t i = 0; i < pb->demand_count; i++) coverable += pb->weight[i];
    double gap = s->upper_bound > 0 ? (s->upper_bound - s->covered_weight) / s->upper_bound : 0;
    int rc = buf_printf(out, "{\"p\":%zu,\"max_minutes\":", p->p);
    rc |= report_json_number(out, p->max_minutes);
    rc |= buf_printf(out,
                     ",\"method\":\"%s\",\"optimal\":%s,\"time_limit_reached\":%s,"
                     "\"useful_sites\":%zu,\"candidates\":%zu,\"demand_nodes\":%zu,"
                     "\"coverage_pairs\":%zu",
                     s->method_used == SITES_EXACT ? "exact" : "greedy+swap",
                     s->optimal ? "true" : "false", s->time_limit_reached ? "true" : "false",
                     s->useful_count, pb->candidate_count, pb->demand_count,
                     sites_problem_nonzeros(pb));
    const char *names[] = {
        "covered_weight", "covered_population", "upper_bound",     "gap",
        "greedy_weight",  "total_weight",       "existing_weight", "coverable_weight"};
    const double values[] = {
        s->covered_weight, s->covered_population, s->upper_bound,      gap,
        s->greedy_weight,  pb->total_weight,      pb->existing_weight, coverable};
    for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
        rc |= buf_printf(out, ",\"%s\":", names[k]);
        rc |= report_json_number(out, values[k]);
    }
    rc |= buf_printf(out, ",\"bound_source\":\"%s\",\"swaps\":%zu,\"sites\":[",
                     s->bound_source ? s->bound_source : "", s->swaps);
    for (size_t k = 0; k < s->count && !rc; k++) {
        const char *code, *name;
        char fallback[24];
        site_label(pb, t, s->chosen[k], &code, &name, fallback);
        rc |= buf_printf(out, "%s{\"rank\":%zu,\"code\":", k ? "," : "", k + 1);
        rc |= buf_append_json_string(out, code, strlen(code));
        rc |= buf_puts(out, ",\"name\":");
        rc |= buf_append_json_string(out, name, strlen(name));
        rc |= buf_puts(out, ",\"gain_weight\":");
        rc |= report_json_number(out, s->gain[k]);
        rc |= buf_puts(out, ",\"gain_population\":");
        rc |= report_json_number(out, s->gain_population[k]);
        /* where to draw it on a map (null without coordinates) */
        if (t && pb->candidate_commune && pb->candidate_commune[s->chosen[k]] < t->count) {
            const struct commune *c = &t->communes[pb->candidate_commune[s->chosen[k]]];
            rc |= buf_puts(out, ",\"lat\":");
            rc |= report_json_number(out, c->lat);
            rc |= buf_puts(out, ",\"lon\":");
            rc |= report_json_number(out, c->lon);
        }
        rc |= buf_putc(out, '}');
    }
    rc |= buf_puts(out, "]}\n");
    return rc ? -1 : 0;
}
