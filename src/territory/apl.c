/* E2SFCA accessibility. Both steps walk the same (resident, supply) pairs, taken once from
 * travel_catchments around each commune that has supply: step 1 sums the weighted demand
 * of a catchment, step 2 scatters the resulting ratio back onto the residents. */
#include "territory/apl.h"

#include "core/mem.h"
#include "territory/report.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void apl_params_default(struct apl_params *p)
{
    memset(p, 0, sizeof *p);
    p->decay = APL_DECAY_BANDS;
    apl_parse_bands(p, APL_DEFAULT_BANDS, NULL);
    p->gravity_beta = 1.0;
    p->gravity_min_minutes = 5.0;
    p->gravity_max_minutes = 20.0;
    p->demand = APL_DEMAND_AUTO;
    p->scale = 1.0;
}

int apl_parse_bands(struct apl_params *p, const char *text, verr *e)
{
    size_t n = 0;
    double limit[APL_MAX_BANDS], weight[APL_MAX_BANDS];
    const char *s = text;
    while (*s) {
        if (n == APL_MAX_BANDS) return verr_fail(e, "bands: more than %d bands", APL_MAX_BANDS);
        char *end;
        limit[n] = strtod(s, &end);
        if (end == s || *end != ':')
            return verr_fail(e, "bands: '%s' is not a list of minutes:weight", text);
        s = end + 1;
        weight[n] = strtod(s, &end);
        if (end == s || (*end && *end != ','))
            return verr_fail(e, "bands: '%s' is not a list of minutes:weight", text);
        if (!isfinite(limit[n]) || limit[n] <= 0 || (n > 0 && limit[n] <= limit[n - 1]))
            return verr_fail(e, "bands: limits must be positive and increasing (%g)", limit[n]);
        if (!isfinite(weight[n]) || weight[n] < 0)
            return verr_fail(e, "bands: weight %g must be 0 or more", weight[n]);
        n++;
        s = *end ? end + 1 : end;
    }
    if (n == 0) return verr_fail(e, "bands: at least one minutes:weight band is needed");
    p->band_count = n;
    memcpy(p->band_limit, limit, n * sizeof *limit);
    memcpy(p->band_weight, weight, n * sizeof *weight);
    return 0;
}

int apl_params_check(const struct apl_params *p, verr *e)
{
    if (p->decay == APL_DECAY_BANDS) {
        if (p->band_count == 0 || p->band_count > APL_MAX_BANDS)
            return verr_fail(e, "bands: between 1 and %d bands are needed", APL_MAX_BANDS);
        for (size_t k = 0; k < p->band_count; k++) {
            if (!(p->band_limit[k] > 0) || (k > 0 && p->band_limit[k] <= p->band_limit[k - 1]))
                return verr_fail(e, "bands: limits must be positive and increasing");
            if (!(p->band_weight[k] >= 0) || !isfinite(p->band_weight[k]))
                return verr_fail(e, "bands: weights must be 0 or more");
        }
    } else {
        if (!(p->gravity_beta >= 0) || p->gravity_beta > 10)
            return verr_fail(e, "gravity beta must be between 0 and 10");
        if (!(p->gravity_min_minutes > 0) || !isfinite(p->gravity_min_minutes))
            return verr_fail(e, "gravity minimum time must be positive");
        if (!(p->gravity_max_minutes >= p->gravity_min_minutes) ||
            !isfinite(p->gravity_max_minutes))
            return verr_fail(e, "gravity catchment must be at least the minimum time");
    }
    if (!(p->scale > 0) || !isfinite(p->scale)) return verr_fail(e, "scale must be positive");
    return 0;
}

int apl_params_from_config(struct apl_params *p, config *c, verr *e)
{
    const char *decay = config_get(c, "territory.apl_decay");
    if (decay) {
        if (!strcmp(decay, "bands"))
            p->decay = APL_DECAY_BANDS;
        else if (!strcmp(decay, "gravity"))
            p->decay = APL_DECAY_GRAVITY;
        else
            return verr_fail(e, "territory.apl_decay: '%s' is neither bands nor gravity", decay);
    }
    const char *bands = config_get(c, "territory.apl_bands");
    if (bands && apl_parse_bands(p, bands, e) < 0) return verr_prefix(e, "territory.apl_bands");
    const char *demand = config_get(c, "territory.apl_demand");
    if (demand && apl_parse_demand(demand, &p->demand, e) < 0)
        return verr_prefix(e, "territory.apl_demand");
    if (config_get_double(c, "territory.apl_gravity_beta", p->gravity_beta, 0, 10, &p->gravity_beta,
                          e) < 0 ||
        config_get_double(c, "territory.apl_gravity_min_minutes", p->gravity_min_minutes, 0.01, 600,
                          &p->gravity_min_minutes, e) < 0 ||
        config_get_double(c, "territory.apl_max_minutes", p->gravity_max_minutes, 0.01, 600,
                          &p->gravity_max_minutes, e) < 0 ||
        config_get_double(c, "territory.apl_scale", p->scale, 1e-9, 1e9, &p->scale, e) < 0)
        return -1;
    return apl_params_check(p, e);
}

int apl_parse_demand(const char *text, enum apl_demand *out, verr *e)
{
    if (!strcmp(text, "auto"))
        *out = APL_DEMAND_AUTO;
    else if (!strcmp(text, "population"))
        *out = APL_DEMAND_POPULATION;
    else if (!strcmp(text, "standardised"))
        *out = APL_DEMAND_STANDARDISED;
    else
        return verr_fail(e, "'%s' is not auto, population or standardised", text);
    return 0;
}

double apl_max_minutes(const struct apl_params *p)
{
    if (p->decay == APL_DECAY_GRAVITY) return p->gravity_max_minutes;
    return p->band_count ? p->band_limit[p->band_count - 1] : 0.0;
}

double apl_weight(const struct apl_params *p, double minutes)
{
    if (!(minutes >= 0)) return 0.0;
    if (p->decay == APL_DECAY_GRAVITY) {
        if (minutes > p->gravity_max_minutes) return 0.0;
        double t = minutes > p->gravity_min_minutes ? minutes : p->gravity_min_minutes;
        return pow(t / p->gravity_min_minutes, -p->gravity_beta);
    }
    for (size_t k = 0; k < p->band_count; k++)
        if (minutes <= p->band_limit[k]) return p->band_weight[k];
    return 0.0;
}

/* P_i for each commune; fails when standardised demand is required and missing. */
static int fill_demand(const struct commune_table *t, const struct apl_params *p,
                       struct apl_result *out, verr *e)
{
    size_t standardised = 0, plain = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct commune *c = &t->communes[i];
        double v = c->population;
        bool use_std = p->demand != APL_DEMAND_POPULATION && !isnan(c->population_standardised);
        if (p->demand == APL_DEMAND_STANDARDISED && !use_std && !(c->population == 0))
            return verr_fail(e, "commune %s has no standardised population", c->code);
        if (use_std) v = c->population_standardised;
        if (isnan(v)) v = 0.0;
        out->demand[i] = v;
        if (use_std)
            standardised++;
        else
            plain++;
    }
    out->demand_used = standardised == 0 ? APL_DEMAND_POPULATION
                       : plain == 0      ? APL_DEMAND_STANDARDISED
                                         : APL_DEMAND_AUTO;
    return 0;
}

int apl_compute(const struct commune_table *t, const double *supply, const travel *tr,
                const struct apl_params *p, struct apl_result *out, verr *e)
{
    memset(out, 0, sizeof *out);
    if (apl_params_check(p, e) < 0) return -1;
    size_t n = t->count;
    out->count = n;
    out->apl = xcalloc(n ? n : 1, sizeof *out->apl);
    out->demand = xcalloc(n ? n : 1, sizeof *out->demand);
    if (fill_demand(t, p, out, e) < 0) {
        apl_result_free(out);
        return -1;
    }
    uint32_t *sites = xmalloc((n ? n : 1) * sizeof *sites);
    size_t nsites = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(supply[i] >= 0) || !isfinite(supply[i])) {
            free(sites);
            apl_result_free(out);
            return verr_fail(e, "commune %s: supply %g is not a quantity", t->communes[i].code,
                             supply[i]);
        }
        out->supply_total += supply[i];
        if (!travel_places(tr, i)) {
            /* Nowhere to put it: no access can be computed for it nor from its supply. */
            out->communes_unplaced++;
            out->supply_stranded += supply[i];
            out->apl[i] = NAN;
            continue;
        }
        if (supply[i] > 0) sites[nsites++] = (uint32_t)i;
        out->demand_total += out->demand[i];
        if (!isnan(t->communes[i].population)) out->population_total += t->communes[i].population;
    }
    out->supply_communes = nsites;

    struct travel_catchments c;
    if (travel_catchments(tr, sites, nsites, apl_max_minutes(p), &c, e) < 0) {
        free(sites);
        apl_result_free(out);
        return -1;
    }
    out->pairs = c.first[nsites];
    /* The weight of each pair, computed once for both steps. */
    double *w = xmalloc((out->pairs ? out->pairs : 1) * sizeof *w);
    for (size_t x = 0; x < out->pairs; x++) w[x] = apl_weight(p, c.minutes[x]);
    for (size_t k = 0; k < nsites; k++) {
        double weighted_demand = 0.0;
        for (size_t x = c.first[k]; x < c.first[k + 1]; x++)
            weighted_demand += out->demand[c.origin[x]] * w[x];
        double s = supply[sites[k]];
        if (!(weighted_demand > 0)) {
            out->supply_stranded += s;
            continue;
        }
        double ratio = s / weighted_demand;
        for (size_t x = c.first[k]; x < c.first[k + 1]; x++) out->apl[c.origin[x]] += ratio * w[x];
    }
    double weighted = 0.0;
    for (size_t i = 0; i < n; i++) {
        out->apl[i] *= p->scale;
        double pop = t->communes[i].population;
        if (!isnan(pop) && !isnan(out->apl[i])) weighted += pop * out->apl[i];
    }
    out->mean = out->population_total > 0 ? weighted / out->population_total : NAN;
    free(w);
    free(sites);
    travel_catchments_free(&c);
    return 0;
}

void apl_result_free(struct apl_result *r)
{
    free(r->apl);
    free(r->demand);
    memset(r, 0, sizeof *r);
}

int apl_write_csv(buf *out, const struct commune_table *t, const struct apl_result *r)
{
    if (buf_puts(out, "code,apl\n") < 0) return -1;
    for (size_t i = 0; i < r->count && i < t->count; i++) {
        if (report_csv_text(out, t->communes[i].code) < 0 || buf_putc(out, ',') < 0 ||
            report_csv_number(out, r->apl[i]) < 0 || buf_putc(out, '\n') < 0)
            return -1;
    }
    return 0;
}

static const char *demand_name(enum apl_demand d)
{
    switch (d) {
    case APL_DEMAND_POPULATION:
        return "population";
    case APL_DEMAND_STANDARDISED:
        return "standardised population";
    case APL_DEMAND_AUTO:
        break;
    }
    return "standardised population where given, else population";
}

static int write_parameters(buf *out, const struct apl_params *p, const char *travel_description)
{
    int rc = buf_puts(out, "\"parameters\":{\"decay\":");
    if (p->decay == APL_DECAY_BANDS) {
        rc |= buf_puts(out, "\"bands\",\"bands\":[");
        for (size_t k = 0; k < p->band_count; k++) {
            rc |= buf_printf(out, "%s{\"max_minutes\":", k ? "," : "");
            rc |= report_json_number(out, p->band_limit[k]);
            rc |= buf_puts(out, ",\"weight\":");
            rc |= report_json_number(out, p->band_weight[k]);
            rc |= buf_putc(out, '}');
        }
        rc |= buf_putc(out, ']');
    } else {
        rc |= buf_puts(out, "\"gravity\",\"beta\":");
        rc |= report_json_number(out, p->gravity_beta);
        rc |= buf_puts(out, ",\"min_minutes\":");
        rc |= report_json_number(out, p->gravity_min_minutes);
        rc |= buf_puts(out, ",\"max_minutes\":");
        rc |= report_json_number(out, p->gravity_max_minutes);
    }
    rc |= buf_puts(out, ",\"scale\":");
    rc |= report_json_number(out, p->scale);
    rc |= buf_puts(out, ",\"travel\":");
    rc |= buf_append_json_string(out, travel_description, strlen(travel_description));
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}

int apl_write_json(buf *out, const struct commune_table *t, const struct apl_result *r,
                   const struct apl_params *p, const char *travel_description)
{
    int rc = buf_puts(out, "{\"method\":\"E2SFCA\",");
    rc |= write_parameters(out, p, travel_description ? travel_description : "");
    const char *demand = demand_name(r->demand_used);
    rc |= buf_puts(out, ",\"summary\":{\"demand\":");
    rc |= buf_append_json_string(out, demand, strlen(demand));
    rc |= buf_printf(out,
                     ",\"communes\":%zu,\"supply_communes\":%zu,\"pairs_in_reach\":%zu,"
                     "\"communes_unplaced\":%zu,\"supply_total\":",
                     r->count, r->supply_communes, r->pairs, r->communes_unplaced);
    rc |= report_json_number(out, r->supply_total);
    rc |= buf_puts(out, ",\"supply_stranded\":");
    rc |= report_json_number(out, r->supply_stranded);
    rc |= buf_puts(out, ",\"demand_total\":");
    rc |= report_json_number(out, r->demand_total);
    rc |= buf_puts(out, ",\"population_total\":");
    rc |= report_json_number(out, r->population_total);
    rc |= buf_puts(out, ",\"mean_apl\":");
    rc |= report_json_number(out, r->mean);
    rc |= buf_puts(out, "},\"communes\":[");
    for (size_t i = 0; i < r->count && i < t->count && !rc; i++) {
        const char *code = t->communes[i].code;
        rc |= buf_puts(out, i ? ",{\"code\":" : "{\"code\":");
        rc |= buf_append_json_string(out, code, strlen(code));
        rc |= buf_puts(out, ",\"apl\":");
        rc |= report_json_number(out, r->apl[i]);
        rc |= buf_putc(out, '}');
    }
    rc |= buf_puts(out, "]}\n");
    return rc ? -1 : 0;
}
