/* vigie sites: where to open p telemedicine sites (maximal covering). */
#include "cmd/cmd.h"
#include "cmd/territory_cli.h"

#include "core/mem.h"
#include "territory/deserts.h"
#include "territory/sites.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD              "sites"
#define MAX_DEPARTEMENTS 128

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie sites --communes FILE --apl FILE -p N [options]\n\n"
            "Chooses N communes where new telemedicine sites cover the most deficit-weighted\n"
            "population within T minutes (maximal covering, Church & ReVelle 1974): exact\n"
            "with GLPK on small instances, greedy + swaps with an upper bound beyond.\n\n"
            "Inputs:\n"
            "  --communes FILE      communes CSV (default $VIGIE_DATA_DIR/communes.csv)\n"
            "  --apl FILE           APL per commune (code + apl column), e.g. from 'vigie apl'\n"
            "  --apl-column NAME    column of --apl (default apl, then apl_65)\n"
            "  --candidates FILE    communes where a site may open (a code column; default:\n"
            "                       every commune of the demand area)\n"
            "  --existing FILE      communes that already have a site (their catchment is\n"
            "                       already covered)\n"
            "  --departement CODE   restrict demand and candidates to a departement\n"
            "                       (repeatable)\n"
            "  --config FILE        [territory] settings (sites_minutes, sites_time_limit...)\n\n"
            "Model:\n"
            "  -p, --sites N        sites to open (required)\n"
            "  --minutes T          a site covers communes within T minutes (default %g)\n"
            "  --weight WHICH       deficit (population x max(0, 1 - APL/threshold), default)\n"
            "                       or population\n"
            "  --threshold X        APL threshold of the deficit (default %g)\n"
            "  --matrix FILE        road times from,to,minutes (default: straight line)\n"
            "  --speed KMH, --detour FACTOR   straight-line travel (defaults %g, %g)\n\n"
            "Solver:\n"
            "  --method WHICH       auto (default), exact or heuristic\n"
            "  --exact-max-pairs N  auto goes exact up to N (site, commune) pairs (default %d)\n"
            "  --time-limit S       GLPK time limit in seconds, 0 for none (default %g)\n\n"
            "Output:\n"
            "  --format csv|json    (default csv: rank,code,name,gain_weight,gain_population;\n"
            "                       the summary goes to stderr)\n"
            "  --output FILE        (default stdout)\n",
            SITES_DEFAULT_MINUTES, DESERTS_DEFAULT_THRESHOLD, TRAVEL_DEFAULT_SPEED_KMH,
            TRAVEL_DEFAULT_DETOUR_FACTOR, SITES_DEFAULT_EXACT_MAX_NONZEROS,
            SITES_DEFAULT_TIME_LIMIT_SECONDS);
}

struct sites_options {
    const char *communes, *apl, *apl_column, *candidates, *existing, *config, *matrix;
    const char *sites, *minutes, *weight, *threshold, *speed, *detour, *method, *max_pairs;
    const char *time_limit, *output, *format;
    const char *departements[MAX_DEPARTEMENTS];
    size_t departement_count;
    bool json;
};

static int parse_options(int argc, char **argv, struct sites_options *o)
{
    const struct territory_cli_option options[] = {
        {"communes", 0, &o->communes},
        {"apl", 0, &o->apl},
        {"apl-column", 0, &o->apl_column},
        {"candidates", 0, &o->candidates},
        {"existing", 0, &o->existing},
        {"departement", 0, NULL, NULL, o->departements, &o->departement_count, MAX_DEPARTEMENTS},
        {"config", 0, &o->config},
        {"sites", 'p', &o->sites},
        {"minutes", 0, &o->minutes},
        {"weight", 0, &o->weight},
        {"threshold", 0, &o->threshold},
        {"matrix", 0, &o->matrix},
        {"speed", 0, &o->speed},
        {"detour", 0, &o->detour},
        {"method", 0, &o->method},
        {"exact-max-pairs", 0, &o->max_pairs},
        {"time-limit", 0, &o->time_limit},
        {"format", 0, &o->format},
        {"output", 0, &o->output},
        {NULL, 0, NULL},
    };
    int rc = territory_cli_parse(CMD, argc, argv, options, usage);
    if (rc) return rc;
    if (o->weight && strcmp(o->weight, "deficit") && strcmp(o->weight, "population"))
        return cmd_usage_error(CMD, "--weight: '%s' is neither deficit nor population", o->weight);
    bool deficit = !o->weight || !strcmp(o->weight, "deficit");
    if (deficit && !o->apl) return cmd_usage_error(CMD, "--apl is required to weigh by deficit");
    return 0;
}

static int build_params(struct sites_options *o, struct sites_params *sp, struct travel_params *tp,
                        double *threshold, verr *e)
{
    sites_params_default(sp);
    sp->p = 0;
    config *c;
    if (territory_cli_load_config(o->config, &c, e) < 0) return -1;
    int rc = c ? sites_params_from_config(sp, c, e) : 0;
    if (rc == 0)
        rc = territory_cli_shared_params(c, o->speed, o->detour, o->threshold, tp, threshold, e);
    config_free(c);
    double v;
    if (rc < 0 || territory_cli_format(o->format, &o->json, e) < 0) return -1;
    if (o->sites) {
        if (territory_cli_number("-p", o->sites, 1, SITES_MAX_P, &v, e) < 0) return -1;
        if (v != floor(v)) return verr_fail(e, "-p: '%s' is not a whole number", o->sites);
        sp->p = (size_t)v;
    }
    if (sp->p == 0) return verr_fail(e, "-p N (the number of sites) is required");
    if ((o->minutes &&
         territory_cli_number("--minutes", o->minutes, 0, 600, &sp->max_minutes, e) < 0) ||
        (o->time_limit && territory_cli_number("--time-limit", o->time_limit, 0, 86400,
                                               &sp->time_limit_seconds, e) < 0) ||
        (o->method && sites_parse_method(o->method, &sp->method, e) < 0 &&
         verr_prefix(e, "--method")))
        return -1;
    if (o->max_pairs) {
        if (territory_cli_number("--exact-max-pairs", o->max_pairs, 0, 1e8, &v, e) < 0) return -1;
        sp->exact_max_nonzeros = (size_t)v;
    }
    return 0;
}

static bool in_area(const struct sites_options *o, const struct commune *c)
{
    if (o->departement_count == 0) return true;
    for (size_t k = 0; k < o->departement_count; k++)
        if (!strcmp(c->departement, o->departements[k])) return true;
    return false;
}

static int read_codes(const struct commune_table *t, const char *path, uint32_t **out,
                      size_t *count, verr *e)
{
    csvfile *f = csvfile_open(path, e);
    if (!f) return -1;
    int rc = communes_read_codes(t, f, out, count, e);
    csvfile_close(f);
    return rc;
}

/* Per-commune weights, candidates and existing sites from the options. */
static int prepare(const struct sites_options *o, const struct commune_table *t, double threshold,
                   double *weight, uint32_t **candidates, size_t *candidate_count,
                   uint32_t **existing, size_t *existing_count, verr *e)
{
    *candidates = *existing = NULL;
    *candidate_count = *existing_count = 0;
    bool deficit = !o->weight || !strcmp(o->weight, "deficit");
    double *apl = xmalloc((t->count ? t->count : 1) * sizeof *apl);
    for (size_t i = 0; i < t->count; i++) apl[i] = NAN;
    if (o->apl) {
        static const char *const defaults[] = {"apl", "apl_65", NULL};
        const char *const chosen[] = {o->apl_column, NULL};
        struct communes_values_options opt = {.value_columns = o->apl_column ? chosen : defaults,
                                              .skip_unknown = true,
                                              .missing = NAN};
        if (territory_cli_read_values(t, o->apl, &opt, apl, e) < 0) {
            free(apl);
            return -1;
        }
    }
    for (size_t i = 0; i < t->count; i++) {
        const struct commune *c = &t->communes[i];
        double pop = isnan(c->population) ? 0.0 : c->population;
        weight[i] = !in_area(o, c) ? 0.0 : deficit ? pop * deserts_deficit(apl[i], threshold) : pop;
    }
    free(apl);
    if (o->existing && read_codes(t, o->existing, existing, existing_count, e) < 0) return -1;
    if (o->candidates) {
        if (read_codes(t, o->candidates, candidates, candidate_count, e) < 0) return -1;
        size_t kept = 0;
        for (size_t k = 0; k < *candidate_count; k++)
            if (in_area(o, &t->communes[(*candidates)[k]]))
                (*candidates)[kept++] = (*candidates)[k];
        *candidate_count = kept;
        return 0;
    }
    *candidates = xmalloc((t->count ? t->count : 1) * sizeof **candidates);
    for (size_t i = 0; i < t->count; i++)
        if (in_area(o, &t->communes[i])) (*candidates)[(*candidate_count)++] = (uint32_t)i;
    return 0;
}

static void print_summary(const struct sites_problem *pb, const struct sites_solution *s)
{
    double coverable = 0.0;
    for (size_t i = 0; i < pb->demand_count; i++) coverable += pb->weight[i];
    fprintf(stderr,
            "vigie sites: %zu candidates, %zu communes to cover, %zu pairs; %s%s%s: %zu of %zu "
            "sites add coverage; covered weight %.1f of %.1f (%.2f %% of all, %.0f "
            "inhabitants); upper bound %.1f (%s, gap %.2f %%)\n",
            pb->candidate_count, pb->demand_count, sites_problem_nonzeros(pb),
            s->method_used == SITES_EXACT ? "exact" : "greedy+swap", s->optimal ? ", optimal" : "",
            s->time_limit_reached ? ", time limit reached" : "", s->useful_count, s->count,
            s->covered_weight, coverable,
            pb->total_weight > 0 ? 100 * s->covered_weight / pb->total_weight : 0.0,
            s->covered_population, s->upper_bound, s->bound_source ? s->bound_source : "",
            s->upper_bound > 0 ? 100 * (s->upper_bound - s->covered_weight) / s->upper_bound : 0.0);
}

int cmd_sites(int argc, char **argv)
{
    struct sites_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc < 0 ? CMD_EXIT_OK : rc;
    char path[4096];
    o.communes = territory_cli_data_file(o.communes, "communes.csv", path, sizeof path);
    if (!o.communes) return cmd_usage_error(CMD, "--communes is required (or set VIGIE_DATA_DIR)");
    verr e;
    struct sites_params sp;
    struct travel_params tp;
    double threshold;
    if (build_params(&o, &sp, &tp, &threshold, &e) < 0) return cmd_usage_error(CMD, "%s", e.msg);

    struct commune_table t;
    communes_init(&t);
    double *weight = NULL;
    uint32_t *candidates = NULL, *existing = NULL;
    size_t candidate_count = 0, existing_count = 0;
    travel *tr = NULL;
    struct sites_problem pb = {0};
    struct sites_solution s = {0};
    buf out;
    buf_init(&out, TERRITORY_CLI_MAX_OUTPUT);
    rc = territory_cli_load_communes(o.communes, NULL, &t, &e);
    if (rc == 0) {
        weight = xmalloc((t.count ? t.count : 1) * sizeof *weight);
        rc = prepare(&o, &t, threshold, weight, &candidates, &candidate_count, &existing,
                     &existing_count, &e);
    }
    if (rc == 0 && !(tr = territory_cli_travel(&t, o.matrix, &tp, &e))) rc = -1;
    if (rc == 0)
        rc = sites_problem_build(&pb, &t, weight, candidates, candidate_count, existing,
                                 existing_count, tr, sp.max_minutes, &e);
    if (rc == 0) rc = sites_solve(&pb, &sp, &s, &e);
    if (rc == 0) {
        print_summary(&pb, &s);
        rc = o.json ? sites_write_json(&out, &pb, &t, &sp, &s) : sites_write_csv(&out, &pb, &t, &s);
        if (rc < 0) verr_fail(&e, "report larger than %zu bytes", out.max);
    }
    int status = rc < 0 ? cmd_fail(CMD, "%s", e.msg) : territory_cli_write(CMD, o.output, &out);
    buf_free(&out);
    sites_solution_free(&s);
    sites_problem_free(&pb);
    travel_free(tr);
    free(weight);
    free(candidates);
    free(existing);
    communes_free(&t);
    return status;
}
