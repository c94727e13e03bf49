/* The maximal covering model in GLPK: columns x_j (binary, one per candidate) then y_i
 * (continuous in [0, 1], one per demand node, objective w_i); rows y_i - sum x_j <= 0, then
 * sum x_j = p. The LP relaxation is solved first (its value bounds the optimum), then
 * branch and bound, which receives the heuristic choice as its first incumbent and whose
 * best open node bound is recorded in case the time limit stops it. */
#include "territory/sites_glpk.h"

#include "core/mem.h"

#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct search_state {
    const struct sites_problem *pb;
    const uint32_t *start;
    size_t p;
    bool offered;
    double bound; /* lowest best-node bound seen, in scaled objective units */
};

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int milliseconds_left(double limit, double started)
{
    if (limit <= 0) return INT_MAX;
    double left = limit - (monotonic_seconds() - started);
    if (left <= 0.001) return 1;
    return left * 1000 > INT_MAX ? INT_MAX : (int)(left * 1000);
}

static void search_callback(glp_tree *tree, void *info)
{
    struct search_state *st = info;
    const struct sites_problem *pb = st->pb;
    if (glp_ios_reason(tree) == GLP_IHEUR && !st->offered) {
        st->offered = true;
        size_t nc = pb->candidate_count;
        double *x = xcalloc(1 + nc + pb->demand_count, sizeof *x);
        for (size_t k = 0; k < st->p; k++) {
            uint32_t j = st->start[k];
            x[1 + j] = 1.0;
            for (size_t c = pb->first[j]; c < pb->first[j + 1]; c++) x[1 + nc + pb->covers[c]] = 1;
        }
        glp_ios_heur_sol(tree, x); /* GLPK checks it and ignores it if not better */
        free(x);
    }
    int node = glp_ios_best_node(tree);
    if (node) {
        double b = glp_ios_node_bound(tree, node);
        if (b < st->bound) st->bound = b;
    }
}

/* Builds the model with weights divided by their maximum, to keep GLPK's tolerances
 * meaningful whatever the unit (inhabitants or deficit-weighted inhabitants). */
static glp_prob *build_model(const struct sites_problem *pb, size_t p, double scale)
{
    size_t nc = pb->candidate_count, nd = pb->demand_count, nnz = sites_problem_nonzeros(pb);
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MAX);
    glp_add_cols(lp, (int)(nc + nd));
    glp_add_rows(lp, (int)(nd + 1));
    for (size_t j = 0; j < nc; j++) {
        glp_set_col_kind(lp, (int)(1 + j), GLP_BV);
        glp_set_obj_coef(lp, (int)(1 + j), 0.0);
    }
    for (size_t i = 0; i < nd; i++) {
        glp_set_col_bnds(lp, (int)(1 + nc + i), GLP_DB, 0.0, 1.0);
        glp_set_obj_coef(lp, (int)(1 + nc + i), pb->weight[i] / scale);
        glp_set_row_bnds(lp, (int)(1 + i), GLP_UP, 0.0, 0.0);
    }
    glp_set_row_bnds(lp, (int)(nd + 1), GLP_FX, (double)p, (double)p);
    size_t ne = nd + nnz + nc;
    int *ia = xmalloc((ne + 1) * sizeof *ia), *ja = xmalloc((ne + 1) * sizeof *ja);
    double *ar = xmalloc((ne + 1) * sizeof *ar);
    size_t n = 0;
    for (size_t i = 0; i < nd; i++) {
        n++;
        ia[n] = (int)(1 + i), ja[n] = (int)(1 + nc + i), ar[n] = 1.0;
    }
    for (size_t j = 0; j < nc; j++) {
        for (size_t x = pb->first[j]; x < pb->first[j + 1]; x++) {
            n++;
            ia[n] = (int)(1 + pb->covers[x]), ja[n] = (int)(1 + j), ar[n] = -1.0;
        }
        n++;
        ia[n] = (int)(nd + 1), ja[n] = (int)(1 + j), ar[n] = 1.0;
    }
    glp_load_matrix(lp, (int)n, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);
    return lp;
}

/* GLPK keeps one environment per thread, created on first use and kept until the thread
 * frees it: a server's request thread would hold it, and leak it when the thread ends.
 * Nothing of GLPK outlives one solve here, so each solve frees the environment it made. */
static void release(glp_prob *lp)
{
    glp_delete_prob(lp);
    glp_free_env();
}

int sites_exact_solve(const struct sites_problem *pb, size_t p, double time_limit_seconds,
                      const uint32_t *start, struct sites_exact_result *out, verr *e)
{
    memset(out, 0, sizeof *out);
    out->bound = INFINITY;
    size_t nc = pb->candidate_count;
    if (p < 1 || p >= nc) return verr_fail(e, "exact solver: p must be below the candidates");
    if (nc + pb->demand_count + 1 > (size_t)INT_MAX / 2 ||
        sites_problem_nonzeros(pb) > (size_t)INT_MAX / 2)
        return verr_fail(e, "exact solver: instance too large for GLPK");
    double scale = 0.0;
    for (size_t i = 0; i < pb->demand_count; i++)
        if (pb->weight[i] > scale) scale = pb->weight[i];
    if (scale == 0.0) scale = 1.0;
    double started = monotonic_seconds();
    glp_prob *lp = build_model(pb, p, scale);
    int terminal = glp_term_out(GLP_OFF); /* glp_scale_prob talks even when not asked */
    glp_scale_prob(lp, GLP_SF_AUTO);
    glp_term_out(terminal);

    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = GLP_MSG_OFF;
    smcp.tm_lim = milliseconds_left(time_limit_seconds, started);
    int rc = glp_simplex(lp, &smcp);
    if (rc != 0 || glp_get_status(lp) != GLP_OPT) {
        /* Without the LP optimum there is neither a bound nor a branch and bound. */
        out->time_limit_reached = rc == GLP_ETMLIM;
        release(lp);
        return 0;
    }
    out->bound = glp_get_obj_val(lp) * scale;
    out->bound_source = "lp";

    struct search_state st = {pb, start, p, false, INFINITY};
    glp_iocp iocp;
    glp_init_iocp(&iocp);
    iocp.msg_lev = GLP_MSG_OFF;
    iocp.tm_lim = milliseconds_left(time_limit_seconds, started);
    iocp.cb_func = search_callback;
    iocp.cb_info = &st;
    rc = glp_intopt(lp, &iocp);
    out->time_limit_reached = rc == GLP_ETMLIM;
    int status = glp_mip_status(lp);
    if ((rc == 0 || rc == GLP_ETMLIM) && (status == GLP_OPT || status == GLP_FEAS)) {
        out->chosen = xmalloc(p * sizeof *out->chosen);
        for (size_t j = 0; j < nc && out->count < p; j++)
            if (glp_mip_col_val(lp, (int)(1 + j)) > 0.5) out->chosen[out->count++] = (uint32_t)j;
        if (out->count != p) {
            free(out->chosen);
            out->chosen = NULL;
            out->count = 0;
        } else {
            out->value = sites_coverage(pb, out->chosen, p);
        }
    }
    if (out->chosen && rc == 0 && status == GLP_OPT) {
        out->optimal = true;
        out->bound = out->value;
        out->bound_source = "exact";
    } else if (st.bound * scale < out->bound) {
        out->bound = st.bound * scale;
        out->bound_source = "branch-and-bound";
    }
    release(lp);
    return 0;
}
