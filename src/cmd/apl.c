/* vigie apl: accessibility of every commune to GPs (E2SFCA), or the deserts summary. */
#include "cmd/cmd.h"
#include "cmd/territory_cli.h"

#include "core/mem.h"
#include "territory/apl.h"
#include "territory/deserts.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "apl"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie apl --communes FILE --supply FILE [options]\n"
            "       vigie apl --deserts [--supply FILE | --apl-values FILE] [options]\n\n"
            "Computes the APL (accessibilite potentielle localisee) of every commune by the\n"
            "enhanced two-step floating catchment (E2SFCA), or summarises medical deserts\n"
            "by region, departement and territory.\n\n"
            "Inputs:\n"
            "  --communes FILE      communes CSV: code_insee (or code), population, lat, lon,\n"
            "                       optional pop_standardised, departement, region, nom\n"
            "                       (default $VIGIE_DATA_DIR/communes.csv when set)\n"
            "  --supply FILE        supply CSV: code,supply (GP consultations per year, or\n"
            "                       FTE with --scale 100000); several rows per commune add up\n"
            "  --apl-values FILE    with --deserts: read APL values (code + a column) instead\n"
            "                       of computing them, e.g. DREES's apl_mg_2021.csv\n"
            "  --apl-column NAME    column of --apl-values (default apl, then apl_65)\n"
            "  --departements FILE  code,region CSV filling the communes' regions\n"
            "  --config FILE        [territory] settings (apl_bands, speed_kmh, ...)\n\n"
            "Travel times:\n"
            "  --matrix FILE        road times from,to,minutes (resident -> supply)\n"
            "  --speed KMH          straight-line mode: road speed (default %g)\n"
            "  --detour FACTOR      straight-line mode: road/straight ratio (default %g)\n\n"
            "Catchment:\n"
            "  --bands LIST         minutes:weight bands (default %s)\n"
            "  --gravity BETA       weight max(t, 5 min)^-BETA instead of bands\n"
            "  --max-minutes M      catchment of --gravity (default 20)\n"
            "  --demand WHICH       auto (standardised where given), population, standardised\n"
            "  --scale N            multiply the results (default 1)\n\n"
            "Deserts:\n"
            "  --deserts            write the deserts summary instead of per-commune values\n"
            "  --threshold X        under-served below X (default %g consultations/year/inh.)\n"
            "  --territories FILE   territory,commune CSV: one row per member commune\n"
            "  --doctors FILE       departement,<count> CSV for doctors per 100,000\n"
            "  --doctors-column N   count column (default generalistes, doctors, total...)\n"
            "  --list-communes      add one row per commune under the threshold\n\n"
            "Output:\n"
            "  --format csv|json    (default csv: code,apl)\n"
            "  --output FILE        (default stdout)\n",
            TRAVEL_DEFAULT_SPEED_KMH, TRAVEL_DEFAULT_DETOUR_FACTOR, APL_DEFAULT_BANDS,
            DESERTS_DEFAULT_THRESHOLD);
}

struct apl_options {
    const char *communes, *supply, *values, *value_column, *departements, *config, *matrix;
    const char *territories, *doctors, *doctors_column, *output, *format;
    const char *speed, *detour, *bands, *gravity, *max_minutes, *demand, *scale, *threshold;
    bool deserts, list_communes, json;
};

static int parse_options(int argc, char **argv, struct apl_options *o)
{
    const struct territory_cli_option options[] = {
        {"communes", 0, &o->communes},
        {"supply", 0, &o->supply},
        {"apl-values", 0, &o->values},
        {"apl-column", 0, &o->value_column},
        {"departements", 0, &o->departements},
        {"config", 0, &o->config},
        {"matrix", 0, &o->matrix},
        {"speed", 0, &o->speed},
        {"detour", 0, &o->detour},
        {"bands", 0, &o->bands},
        {"gravity", 0, &o->gravity},
        {"max-minutes", 0, &o->max_minutes},
        {"demand", 0, &o->demand},
        {"scale", 0, &o->scale},
        {"deserts", 0, NULL, &o->deserts},
        {"threshold", 0, &o->threshold},
        {"territories", 0, &o->territories},
        {"doctors", 0, &o->doctors},
        {"doctors-column", 0, &o->doctors_column},
        {"list-communes", 0, NULL, &o->list_communes},
        {"format", 0, &o->format},
        {"output", 0, &o->output},
        {NULL, 0, NULL},
    };
    int rc = territory_cli_parse(CMD, argc, argv, options, usage);
    if (rc) return rc;
    if (o->values && !o->deserts) return cmd_usage_error(CMD, "--apl-values needs --deserts");
    if (!o->values && !o->supply)
        return cmd_usage_error(CMD, "--supply is required (or --apl-values with --deserts)");
    return 0;
}

/* Settings from --config first, then the command line over them. */
static int build_params(struct apl_options *o, struct apl_params *ap, struct travel_params *tp,
                        double *threshold, verr *e)
{
    apl_params_default(ap);
    config *c;
    if (territory_cli_load_config(o->config, &c, e) < 0) return -1;
    int rc = c ? apl_params_from_config(ap, c, e) : 0;
    if (rc == 0)
        rc = territory_cli_shared_params(c, o->speed, o->detour, o->threshold, tp, threshold, e);
    config_free(c);
    if (rc < 0 || territory_cli_format(o->format, &o->json, e) < 0 ||
        (o->bands && apl_parse_bands(ap, o->bands, e) < 0) ||
        (o->max_minutes && territory_cli_number("--max-minutes", o->max_minutes, 0.01, 600,
                                                &ap->gravity_max_minutes, e) < 0) ||
        (o->scale && territory_cli_number("--scale", o->scale, 1e-9, 1e9, &ap->scale, e) < 0) ||
        (o->demand && apl_parse_demand(o->demand, &ap->demand, e) < 0 &&
         verr_prefix(e, "--demand")))
        return -1;
    if (o->bands) ap->decay = APL_DECAY_BANDS;
    if (o->gravity) {
        if (territory_cli_number("--gravity", o->gravity, 0, 10, &ap->gravity_beta, e) < 0)
            return -1;
        ap->decay = APL_DECAY_GRAVITY;
    }
    return apl_params_check(ap, e);
}

/* The APL of every commune: read from --apl-values, or computed from --supply. */
static int obtain_apl(const struct apl_options *o, const struct commune_table *t,
                      const struct apl_params *ap, const struct travel_params *tp,
                      struct apl_result *r, char travel_description[200], verr *e)
{
    memset(r, 0, sizeof *r);
    if (o->values) {
        static const char *const defaults[] = {"apl", "apl_65", NULL};
        const char *const chosen[] = {o->value_column, NULL};
        struct communes_values_options opt = {.value_columns = o->value_column ? chosen : defaults,
                                              .missing = NAN};
        r->count = t->count;
        r->apl = xmalloc((t->count ? t->count : 1) * sizeof *r->apl);
        return territory_cli_read_values(t, o->values, &opt, r->apl, e) < 0 ? -1 : 0;
    }
    static const char *const supply_columns[] = {"supply", "consultations", "fte", "etp", NULL};
    struct communes_values_options opt = {
        .value_columns = supply_columns, .sum_duplicates = true, .missing = 0};
    double *supply = xmalloc((t->count ? t->count : 1) * sizeof *supply);
    int rc = territory_cli_read_values(t, o->supply, &opt, supply, e) < 0 ? -1 : 0;
    travel *tr = rc < 0 ? NULL : territory_cli_travel(t, o->matrix, tp, e);
    if (tr) {
        rc = apl_compute(t, supply, tr, ap, r, e);
        snprintf(travel_description, 200, "%s", travel_describe(tr));
        travel_free(tr);
    } else {
        rc = -1;
    }
    free(supply);
    return rc;
}

static int write_deserts(const struct apl_options *o, const struct commune_table *t,
                         const double *apl, double threshold, buf *out, verr *e)
{
    arena strings;
    arena_init(&strings, 16 * 1024);
    struct deserts_membership *members = NULL;
    struct deserts_doctors *doctors = NULL;
    size_t member_count = 0, doctor_count = 0;
    int rc = 0;
    if (o->territories) {
        csvfile *f = csvfile_open(o->territories, e);
        rc = f ? deserts_read_territories(f, &strings, &members, &member_count, e) : -1;
        csvfile_close(f);
    }
    if (rc == 0 && o->doctors) {
        csvfile *f = csvfile_open(o->doctors, e);
        rc = f ? deserts_read_doctors(f, o->doctors_column, &strings, &doctors, &doctor_count, e)
               : -1;
        csvfile_close(f);
    }
    struct deserts_report report;
    struct deserts_params dp = {threshold, o->list_communes};
    if (rc == 0)
        rc = deserts_summarise(t, apl, &dp, members, member_count, doctors, doctor_count, &report,
                               e);
    if (rc == 0) {
        if ((o->json ? deserts_write_json(out, &report) : deserts_write_csv(out, &report)) < 0)
            rc = verr_fail(e, "report larger than %zu bytes", out->max);
        const struct deserts_area *fr = &report.areas[0];
        fprintf(stderr,
                "vigie apl: %zu communes with a value, population %.0f, mean APL %.4f, "
                "%.0f inhabitants (%.2f %%) under %g\n",
                fr->communes, fr->population, fr->apl_mean, fr->population_under,
                fr->population > 0 ? 100 * fr->population_under / fr->population : 0.0, threshold);
        deserts_report_free(&report);
    }
    free(members);
    free(doctors);
    arena_free(&strings);
    return rc;
}

int cmd_apl(int argc, char **argv)
{
    struct apl_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc < 0 ? CMD_EXIT_OK : rc;
    char path[4096];
    o.communes = territory_cli_data_file(o.communes, "communes.csv", path, sizeof path);
    if (!o.communes) return cmd_usage_error(CMD, "--communes is required (or set VIGIE_DATA_DIR)");
    verr e;
    struct apl_params ap;
    struct travel_params tp;
    double threshold;
    if (build_params(&o, &ap, &tp, &threshold, &e) < 0) return cmd_usage_error(CMD, "%s", e.msg);

    struct commune_table t;
    communes_init(&t);
    struct apl_result r = {0};
    char travel_description[200] = "";
    buf out;
    buf_init(&out, TERRITORY_CLI_MAX_OUTPUT);
    rc = territory_cli_load_communes(o.communes, o.departements, &t, &e);
    if (rc == 0) rc = obtain_apl(&o, &t, &ap, &tp, &r, travel_description, &e);
    if (rc == 0 && o.deserts) {
        rc = write_deserts(&o, &t, r.apl, threshold, &out, &e);
    } else if (rc == 0) {
        rc = o.json ? apl_write_json(&out, &t, &r, &ap, travel_description)
                    : apl_write_csv(&out, &t, &r);
        if (rc < 0) verr_fail(&e, "report larger than %zu bytes", out.max);
        fprintf(stderr,
                "vigie apl: %zu communes, %zu with supply, %zu pairs in reach, "
                "population-weighted mean %.4f, stranded supply %g\n",
                r.count, r.supply_communes, r.pairs, r.mean, r.supply_stranded);
    }
    int status = rc < 0 ? cmd_fail(CMD, "%s", e.msg) : territory_cli_write(CMD, o.output, &out);
    buf_free(&out);
    apl_result_free(&r);
    communes_free(&t);
    return status;
}
