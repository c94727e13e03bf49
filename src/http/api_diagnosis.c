/* The territory diagnosis API: what data the server holds (GET /api/diagnosis), département
 * outlines for the console's map, the APL of communes, deserts by area, and the choice of
 * telemedicine sites. The figures come from src/territory over data loaded once
 * (src/territory/dataset.h); territories are the registry's, those the caller sees.
 *
 * A site selection runs GLPK or the heuristic in the request's thread (never the writer's),
 * so it is bounded before it starts: the number of sites, the catchment, the (site,
 * commune) pairs of the instance (counted without allocating them) and GLPK's time, and
 * only territory.api_concurrent_solves of them run at once; the rest answer 503 with
 * Retry-After, leaving HTTP threads for the queue. */
#include "http/http_int.h"
#include "core/mem.h"
#include "territory/report.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX        ((size_t)64 << 20)
#define MAX_AREA_CODES    200   /* départements in one request */
#define MAX_COMMUNE_CODES 50000 /* candidates or existing sites in one request */

/* Site selections running now, across the server's threads. */
static atomic_int solves_running;

/* Handlers call it once http_diagnosis_data or http_diagnosis_settings has succeeded. */
static const struct dataset_settings *settings_of(struct http_request *r)
{
    return dataset_settings_of(http_app_of(r)->dataset);
}

/* ---- What the server holds ---------------------------------------------------------------- */

static void availability(buf *b, const char *key, bool ok, const verr *e)
{
    buf_printf(b, ",\"%s\":{\"available\":%s", key, ok ? "true" : "false");
    if (!ok) {
        buf_puts(b, ",\"message\":");
        buf_append_json_string(b, e->msg, strlen(e->msg));
    }
}

void http_api_diagnosis(struct http_request *r)
{
    struct http_app *app = http_app_of(r);
    const struct dataset_settings *s = http_diagnosis_settings(r);
    if (!s) return;
    buf b;
    buf_init(&b, REPORT_MAX);
    buf_puts(&b, "{\"threshold\":");
    report_json_number(&b, s->threshold);
    verr e;
    const struct dataset_data *data = dataset_data(app->dataset, &e);
    availability(&b, "data", data != NULL, &e);
    if (data) {
        buf_printf(&b,
                   ",\"communes\":%zu,\"departements\":%zu,\"apl_rows\":%zu,"
                   "\"apl_rows_folded\":%zu,\"apl_rows_unmatched\":%zu,\"doctors\":%s,\"apl\":",
                   data->communes.count, data->departement_count, data->apl_rows,
                   data->apl_rows_folded, data->apl_rows_unmatched,
                   data->doctor_count ? "true" : "false");
        buf_append_json_string(&b, data->apl_source, strlen(data->apl_source));
        buf_puts(&b, ",\"apl_file\":");
        buf_append_json_string(&b, data->apl_file, strlen(data->apl_file));
        buf_puts(&b, ",\"apl_column\":");
        if (data->apl_column)
            buf_append_json_string(&b, data->apl_column, strlen(data->apl_column));
        else
            buf_puts(&b, "null");
        buf_puts(&b, ",\"travel\":");
        buf_append_json_string(&b, data->travel_source, strlen(data->travel_source));
    }
    buf_putc(&b, '}');
    const struct dataset_map *map = dataset_map(app->dataset, &e);
    availability(&b, "map", map != NULL, &e);
    if (map) buf_printf(&b, ",\"features\":%zu", map->features);
    buf_putc(&b, '}');
    availability(&b, "teams", dataset_teams_path(app->dataset, &e) != NULL, &e);
    buf_printf(&b, "},\"sites\":{\"p\":%zu,\"max_minutes\":", s->sites.p);
    report_json_number(&b, s->sites.max_minutes);
    buf_puts(&b, ",\"time_limit_seconds\":");
    double limit = s->sites.time_limit_seconds;
    report_json_number(&b,
                       limit > 0 && limit < s->api_max_time_limit ? limit : s->api_max_time_limit);
    buf_printf(&b,
               ",\"max_sites\":%zu,\"max_pairs\":%zu,\"max_minutes_allowed\":", s->api_max_sites,
               s->api_max_pairs);
    report_json_number(&b, s->api_max_minutes);
    buf_puts(&b, ",\"max_time_limit_seconds\":");
    report_json_number(&b, s->api_max_time_limit);
    buf_printf(&b,
               "},\"rotations\":{\"min_stay_days\":%d,\"max_stay_days\":%d,\"revisit_days\":%d,"
               "\"travel_days\":%d,\"deficit_share\":",
               s->rotations.min_stay_days, s->rotations.max_stay_days, s->rotations.revisit_days,
               s->rotations.travel_days);
    report_json_number(&b, s->rotations.deficit_share);
    buf_puts(&b, "}}");
    http_respond(r, 200, "application/json", &b);
}

void http_api_diagnosis_map(struct http_request *r)
{
    if (!http_diagnosis_settings(r)) return;
    verr e;
    const struct dataset_map *map = dataset_map(http_app_of(r)->dataset, &e);
    if (!map) {
        http_respond_error(r, 503, NULL, "%s", e.msg);
        return;
    }
    buf b;
    buf_init(&b, map->len + 1);
    buf_append(&b, map->geojson, map->len);
    http_respond(r, 200, "application/geo+json", &b);
}

/* ---- Areas --------------------------------------------------------------------------------- */

/* Region names from the registry (INSEE regions). */
struct region_names {
    struct store_region list[32];
    size_t count;
};

static int keep_region(void *arg, const struct store_region *region)
{
    struct region_names *names = arg;
    if (names->count < sizeof names->list / sizeof *names->list)
        names->list[names->count++] = *region;
    return 0;
}

static const char *region_name(struct http_request *r, struct region_names *names, const char *code)
{
    if (!names->count) {
        verr e;
        store *s = http_reader(r);
        if (s) store_region_each(s, keep_region, names, &e);
    }
    for (size_t k = 0; k < names->count; k++)
        if (!strcmp(names->list[k].code, code)) return names->list[k].name;
    return "";
}

/* The APL summary of every area (France, regions, départements, the given territories). */
static bool summarise(struct http_request *r, const struct dataset_data *data, double threshold,
                      const struct http_territories *territories, struct deserts_report *report)
{
    struct deserts_params params = {.threshold = threshold};
    verr e;
    if (deserts_summarise(&data->communes, data->apl, &params,
                          territories ? territories->members : NULL,
                          territories ? territories->member_count : 0, data->doctors,
                          data->doctor_count, report, &e) < 0) {
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return false;
    }
    return true;
}

static const struct deserts_area *find_area(const struct deserts_report *report,
                                            enum deserts_level level, const char *code)
{
    for (size_t i = 0; i < report->count; i++)
        if (report->areas[i].level == level && !strcmp(report->areas[i].code, code))
            return &report->areas[i];
    return NULL;
}

static void write_source(buf *b, const struct dataset_data *data)
{
    buf_puts(b, ",\"source\":{\"apl\":");
    buf_append_json_string(b, data->apl_source, strlen(data->apl_source));
    buf_puts(b, ",\"travel\":");
    buf_append_json_string(b, data->travel_source, strlen(data->travel_source));
    buf_putc(b, '}');
}

static bool threshold_of(struct http_request *r, double *threshold)
{
    *threshold = settings_of(r)->threshold;
    return http_query_number(r, "threshold", 1e-6, 1000, threshold);
}

static bool format_of(struct http_request *r, bool *csv)
{
    const char *format = http_query(r, "format");
    *csv = format && !strcmp(format, "csv");
    if (format && !*csv && strcmp(format, "json")) {
        http_respond_error(r, 400, "format", "format must be json or csv");
        return false;
    }
    return true;
}

/* ---- APL of communes ---------------------------------------------------------------------- */

struct apl_area {
    enum deserts_level level;
    const char *code; /* NULL for France */
    char name[160];
};

/* Which communes: departement=, region= or territory= (one at most; none for France). */
static bool parse_apl_area(struct http_request *r, const struct dataset_data *data,
                           struct apl_area *area)
{
    static const struct {
        const char *name;
        enum deserts_level level;
    } keys[] = {{"departement", DESERTS_DEPARTEMENT},
                {"region", DESERTS_REGION},
                {"territory", DESERTS_TERRITORY}};
    memset(area, 0, sizeof *area);
    area->level = DESERTS_FRANCE;
    snprintf(area->name, sizeof area->name, "France");
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *v = http_query(r, keys[k].name);
        if (!v) continue;
        if (area->code) {
            http_respond_error(r, 400, keys[k].name,
                               "give one of departement, region or territory, not two");
            return false;
        }
        area->code = v;
        area->level = keys[k].level;
    }
    if (area->level == DESERTS_DEPARTEMENT) {
        const struct dataset_departement *dep = dataset_departement(data, area->code);
        if (!dep) {
            http_respond_error(r, 404, "departement", "departement %.16s is not known", area->code);
            return false;
        }
        snprintf(area->name, sizeof area->name, "%s", dep->name);
    }
    return true;
}

/* in[i]: commune i is in the area. */
static void area_mask(const struct commune_table *t, const struct apl_area *area,
                      const struct http_territories *territories, bool *in)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct commune *c = &t->communes[i];
        in[i] = area->level == DESERTS_DEPARTEMENT ? !strcmp(c->departement, area->code)
                : area->level == DESERTS_REGION    ? !strcmp(c->region, area->code)
                                                   : area->level != DESERTS_TERRITORY;
    }
    for (size_t k = 0; k < territories->member_count; k++)
        in[communes_find(t, territories->members[k].commune)] = true;
}

static void write_commune(buf *b, const struct commune *c, double apl, double threshold, bool csv)
{
    const double values[] = {c->population, apl, deserts_deficit(apl, threshold), c->lat, c->lon};
    const char *names[] = {"population", "apl", "deficit", "lat", "lon"};
    if (csv) {
        report_csv_text(b, c->code);
        buf_putc(b, ',');
        report_csv_text(b, c->name);
        buf_printf(b, ",%s,%s", c->departement, c->region);
        for (size_t k = 0; k < 5; k++) {
            buf_putc(b, ',');
            /* the deficit of a commune without an APL is unknown, not 0 */
            report_csv_number(b, k == 2 && isnan(apl) ? NAN : values[k]);
        }
        buf_putc(b, '\n');
        return;
    }
    buf_puts(b, "{\"code\":");
    buf_append_json_string(b, c->code, strlen(c->code));
    buf_puts(b, ",\"name\":");
    buf_append_json_string(b, c->name, strlen(c->name));
    buf_printf(b, ",\"departement\":\"%s\"", c->departement);
    for (size_t k = 0; k < 5; k++) {
        buf_printf(b, ",\"%s\":", names[k]);
        report_json_number(b, k == 2 && isnan(apl) ? NAN : values[k]);
    }
    buf_putc(b, '}');
}

void http_api_diagnosis_apl(struct http_request *r)
{
    const struct dataset_data *data = http_diagnosis_data(r);
    struct apl_area area;
    double threshold;
    bool csv;
    if (!data || !threshold_of(r, &threshold) || !format_of(r, &csv) ||
        !parse_apl_area(r, data, &area))
        return;
    struct http_territories territories = {0};
    if (area.level == DESERTS_TERRITORY) {
        if (!http_diagnosis_territories(r, data, area.code, &territories)) return;
        if (!territories.count) {
            http_territories_free(&territories);
            http_respond_error(r, 404, "territory", "territory %.40s is not known", area.code);
            return;
        }
        snprintf(area.name, sizeof area.name, "%s", territories.list[0].name);
    }
    struct region_names regions = {0};
    if (area.level == DESERTS_REGION)
        snprintf(area.name, sizeof area.name, "%s", region_name(r, &regions, area.code));
    struct deserts_report report;
    if (!summarise(r, data, threshold, &territories, &report)) {
        http_territories_free(&territories);
        return;
    }
    const struct deserts_area *summary =
        area.code ? find_area(&report, area.level, area.code) : &report.areas[0];
    if (!summary && area.level == DESERTS_REGION) {
        deserts_report_free(&report);
        http_respond_error(r, 404, "region", "region %.8s is not known", area.code);
        return;
    }
    buf b;
    buf_init(&b, REPORT_MAX);
    if (csv) {
        buf_puts(&b, "code,name,departement,region,population,apl,deficit,lat,lon\n");
    } else {
        static const char *const levels[] = {"france", "region", "departement", "territory", ""};
        buf_printf(&b, "{\"area\":{\"level\":\"%s\",\"code\":", levels[area.level]);
        buf_append_json_string(&b, area.code ? area.code : "FR",
                               strlen(area.code ? area.code : "FR"));
        buf_puts(&b, ",\"name\":");
        buf_append_json_string(&b, area.name, strlen(area.name));
        buf_puts(&b, "},\"threshold\":");
        report_json_number(&b, threshold);
        write_source(&b, data);
        buf_puts(&b, ",\"summary\":");
        if (summary)
            deserts_write_area_json(&b, summary);
        else
            buf_puts(&b, "null");
        buf_puts(&b, ",\"communes_unknown\":[");
        for (size_t k = 0; k < territories.unknown_count; k++) {
            if (k) buf_putc(&b, ',');
            buf_append_json_string(&b, territories.unknown[k], strlen(territories.unknown[k]));
        }
        buf_puts(&b, "],\"communes\":[");
    }
    size_t written = 0;
    const struct commune_table *t = &data->communes;
    bool *in = xmalloc((t->count ? t->count : 1) * sizeof *in);
    area_mask(t, &area, &territories, in);
    for (size_t i = 0; i < t->count; i++) {
        if (!in[i]) continue;
        if (!csv && written++) buf_putc(&b, ',');
        write_commune(&b, &t->communes[i], data->apl[i], threshold, csv);
    }
    if (!csv) buf_puts(&b, "]}");
    free(in);
    deserts_report_free(&report);
    http_territories_free(&territories);
    http_respond(r, 200, csv ? "text/csv; charset=utf-8" : "application/json", &b);
}

/* ---- Deserts by area ---------------------------------------------------------------------- */

void http_api_diagnosis_deserts(struct http_request *r)
{
    static const char *const levels[] = {"france", "region", "departement", "territory", NULL};
    const struct dataset_data *data = http_diagnosis_data(r);
    double threshold;
    bool csv;
    if (!data || !threshold_of(r, &threshold) || !format_of(r, &csv)) return;
    const char *level_text = http_query(r, "level");
    if (!level_text) level_text = "departement";
    int level = 0;
    while (levels[level] && strcmp(levels[level], level_text)) level++;
    if (!levels[level]) {
        http_respond_error(r, 400, "level",
                           "level must be france, region, departement or territory");
        return;
    }
    struct http_territories territories = {0};
    if (level == DESERTS_TERRITORY && !http_diagnosis_territories(r, data, NULL, &territories))
        return;
    struct deserts_report report;
    if (!summarise(r, data, threshold, &territories, &report)) {
        http_territories_free(&territories);
        return;
    }
    /* The areas of the level, named (the library names communes only). */
    struct deserts_report chosen = {.threshold = threshold};
    chosen.areas = xmalloc((report.count ? report.count : 1) * sizeof *chosen.areas);
    struct region_names regions = {0};
    for (size_t i = 0; i < report.count; i++) {
        struct deserts_area a = report.areas[i];
        if ((int)a.level != level) continue;
        if (a.level == DESERTS_DEPARTEMENT) {
            const struct dataset_departement *dep = dataset_departement(data, a.code);
            a.name = dep ? dep->name : "";
        } else if (a.level == DESERTS_REGION) {
            a.name = region_name(r, &regions, a.code);
        } else if (a.level == DESERTS_TERRITORY) {
            for (size_t k = 0; k < territories.count; k++)
                if (!strcmp(territories.list[k].id, a.code)) a.name = territories.list[k].name;
        }
        chosen.areas[chosen.count++] = a;
    }
    buf b;
    buf_init(&b, REPORT_MAX);
    if (csv) {
        deserts_write_csv(&b, &chosen);
    } else {
        buf_puts(&b, "{\"threshold\":");
        report_json_number(&b, threshold);
        buf_printf(&b, ",\"level\":\"%s\"", levels[level]);
        write_source(&b, data);
        buf_puts(&b, ",\"france\":");
        deserts_write_area_json(&b, &report.areas[0]);
        buf_puts(&b, ",\"areas\":[");
        for (size_t k = 0; k < chosen.count; k++) {
            if (k) buf_putc(&b, ',');
            deserts_write_area_json(&b, &chosen.areas[k]);
        }
        buf_printf(&b, "],\"communes_unknown\":%zu}", territories.communes_unknown);
    }
    free(chosen.areas);
    deserts_report_free(&report);
    http_territories_free(&territories);
    http_respond(r, 200, csv ? "text/csv; charset=utf-8" : "application/json", &b);
}

/* ---- Telemedicine sites ------------------------------------------------------------------- */

/* A site selection request, checked. */
struct sites_request {
    struct sites_params params;
    double threshold;
    bool by_population;
    const char **departements, **candidate_codes, **existing_codes;
    size_t departement_count, candidate_code_count, existing_code_count;
    const char *territory;
    const char *too_large_field; /* the field to name when the instance is too large */
};

static void sites_request_free(struct sites_request *q)
{
    free(q->departements);
    free(q->candidate_codes);
    free(q->existing_codes);
}

static bool parse_sites_request(struct http_request *r, json_t *body, struct sites_request *q)
{
    static const char *const fields[] = {
        "p",      "max_minutes", "departements", "territory", "candidates",         "existing",
        "weight", "threshold",   "method",       "format",    "time_limit_seconds", NULL};
    static const char *const weights[] = {"deficit", "population", NULL};
    static const char *const methods[] = {"auto", "exact", "heuristic", NULL};
    const struct dataset_settings *s = settings_of(r);
    memset(q, 0, sizeof *q);
    q->params = s->sites;
    q->threshold = s->threshold;
    double limit = s->sites.time_limit_seconds;
    q->params.time_limit_seconds =
        limit > 0 && limit < s->api_max_time_limit ? limit : s->api_max_time_limit;
    int64_t p = -1;
    const char *weight = "deficit", *method = NULL, *format = NULL;
    if (!http_json_fields_known(r, body, fields) ||
        !http_json_integer(r, body, "p", 1, (int64_t)s->api_max_sites, &p) ||
        !http_json_number(r, body, "max_minutes", 1, s->api_max_minutes, &q->params.max_minutes) ||
        !http_json_number(r, body, "threshold", 1e-6, 1000, &q->threshold) ||
        !http_json_number(r, body, "time_limit_seconds", 0.1, s->api_max_time_limit,
                          &q->params.time_limit_seconds) ||
        !http_json_choice(r, body, "weight", weights, &weight) ||
        !http_json_choice(r, body, "method", methods, &method) ||
        !http_json_choice(r, body, "format", (const char *const[]){"json", NULL}, &format) ||
        !http_json_strings(r, body, "departements", MAX_AREA_CODES, &q->departements,
                           &q->departement_count) ||
        !http_json_strings(r, body, "candidates", MAX_COMMUNE_CODES, &q->candidate_codes,
                           &q->candidate_code_count) ||
        !http_json_strings(r, body, "existing", MAX_COMMUNE_CODES, &q->existing_codes,
                           &q->existing_code_count))
        return false;
    if (p < 0) {
        http_respond_error(r, 400, "p", "p (the number of sites to open, 1..%zu) is required",
                           s->api_max_sites);
        return false;
    }
    q->params.p = (size_t)p;
    q->by_population = !strcmp(weight, "population");
    if (method && sites_parse_method(method, &q->params.method, NULL) < 0) return false;
    json_t *territory = json_object_get(body, "territory");
    if (territory && !json_is_null(territory) && !(q->territory = json_string_value(territory))) {
        http_respond_error(r, 400, "territory", "territory must be a territory id");
        return false;
    }
    q->too_large_field = q->departement_count      ? "departements"
                         : q->candidate_code_count ? "candidates"
                         : q->territory            ? "territory"
                                                   : "departements";
    return true;
}

/* Commune positions of a list of codes; 422 naming the entry that is not a commune. */
static bool positions_of(struct http_request *r, const struct commune_table *t, const char *field,
                         const char **codes, size_t count, uint32_t **out)
{
    *out = xmalloc((count ? count : 1) * sizeof **out);
    for (size_t k = 0; k < count; k++) {
        long pos = communes_find(t, codes[k]);
        if (pos < 0) {
            char name[48];
            snprintf(name, sizeof name, "%s[%zu]", field, k);
            http_respond_error(r, 422, name, "%.16s is not a commune of the communes file",
                               codes[k]);
            free(*out);
            *out = NULL;
            return false;
        }
        (*out)[k] = (uint32_t)pos;
    }
    return true;
}

/* in_area[i]: commune i is in the départements or the territory asked (every commune when
 * neither is given). */
static bool area_of(struct http_request *r, const struct dataset_data *data,
                    const struct sites_request *q, bool *in_area)
{
    const struct commune_table *t = &data->communes;
    bool everywhere = !q->departement_count && !q->territory;
    for (size_t i = 0; i < t->count; i++) in_area[i] = everywhere;
    for (size_t k = 0; k < q->departement_count; k++) {
        if (!dataset_departement(data, q->departements[k])) {
            char name[48];
            snprintf(name, sizeof name, "departements[%zu]", k);
            http_respond_error(r, 422, name, "departement %.16s is not known", q->departements[k]);
            return false;
        }
        for (size_t i = 0; i < t->count; i++)
            if (!strcmp(t->communes[i].departement, q->departements[k])) in_area[i] = true;
    }
    if (!q->territory) return true;
    struct http_territories territories;
    if (!http_diagnosis_territories(r, data, q->territory, &territories)) return false;
    bool found = territories.count > 0;
    for (size_t k = 0; k < territories.member_count; k++)
        in_area[communes_find(t, territories.members[k].commune)] = true;
    http_territories_free(&territories);
    if (!found)
        http_respond_error(r, 404, "territory", "territory %.40s is not known", q->territory);
    return found;
}

/* Candidates: the given communes (each in the area), else every commune of the area. */
static bool candidates_of(struct http_request *r, const struct dataset_data *data,
                          const struct sites_request *q, const bool *in_area, uint32_t **out,
                          size_t *count)
{
    const struct commune_table *t = &data->communes;
    if (q->candidate_code_count) {
        if (!positions_of(r, t, "candidates", q->candidate_codes, q->candidate_code_count, out))
            return false;
        for (size_t k = 0; k < q->candidate_code_count; k++)
            if (!in_area[(*out)[k]]) {
                char name[48];
                snprintf(name, sizeof name, "candidates[%zu]", k);
                http_respond_error(r, 422, name, "commune %s is outside the area asked",
                                   q->candidate_codes[k]);
                free(*out);
                *out = NULL;
                return false;
            }
        *count = q->candidate_code_count;
        return true;
    }
    *out = xmalloc((t->count ? t->count : 1) * sizeof **out);
    *count = 0;
    for (size_t i = 0; i < t->count; i++)
        if (in_area[i]) (*out)[(*count)++] = (uint32_t)i;
    if (*count) return true;
    free(*out);
    *out = NULL;
    http_respond_error(r, 422, q->too_large_field, "the area has no commune to choose from");
    return false;
}

/* Solves one checked instance in this thread, holding one of the solver slots. */
static void solve_and_answer(struct http_request *r, const struct dataset_data *data,
                             const struct sites_request *q, const double *weight,
                             const uint32_t *candidates, size_t candidate_count,
                             const uint32_t *existing, size_t existing_count)
{
    const struct dataset_settings *s = settings_of(r);
    if (atomic_fetch_add(&solves_running, 1) >= s->api_concurrent_solves) {
        atomic_fetch_sub(&solves_running, 1);
        http_add_header(r, "Retry-After", "5");
        http_respond_error(r, 503, NULL,
                           "another site selection is running; try again in a few seconds");
        return;
    }
    struct sites_problem pb;
    struct sites_solution solution = {0};
    verr e;
    int rc = sites_problem_build(&pb, &data->communes, weight, candidates, candidate_count,
                                 existing, existing_count, data->travel, q->params.max_minutes, &e);
    if (rc == 0 && q->params.method == SITES_EXACT &&
        sites_problem_nonzeros(&pb) > s->sites.exact_max_nonzeros) {
        http_respond_error(r, 413, "method",
                           "exact: %zu (site, commune) pairs, more than the %zu GLPK may take "
                           "here (territory.sites_exact_max_nonzeros); use auto",
                           sites_problem_nonzeros(&pb), s->sites.exact_max_nonzeros);
        rc = 1;
    }
    if (rc == 0) rc = sites_solve(&pb, &q->params, &solution, &e);
    atomic_fetch_sub(&solves_running, 1);
    if (rc < 0) http_respond_error(r, 500, NULL, "%s", e.msg);
    if (rc == 0) {
        buf b;
        buf_init(&b, REPORT_MAX);
        sites_write_json(&b, &pb, &data->communes, &q->params, &solution);
        http_respond(r, 200, "application/json", &b);
    }
    sites_solution_free(&solution);
    sites_problem_free(&pb);
}

void http_api_diagnosis_sites(struct http_request *r)
{
    const struct dataset_data *data = http_diagnosis_data(r);
    json_t *body = data ? http_json_body(r) : NULL;
    if (!body) return;
    const struct dataset_settings *s = settings_of(r);
    const struct commune_table *t = &data->communes;
    struct sites_request q;
    bool *in_area = xmalloc((t->count ? t->count : 1) * sizeof *in_area);
    uint32_t *candidates = NULL, *existing = NULL;
    size_t candidate_count = 0;
    double *weight = NULL;
    if (!parse_sites_request(r, body, &q) || !area_of(r, data, &q, in_area) ||
        !candidates_of(r, data, &q, in_area, &candidates, &candidate_count) ||
        !positions_of(r, t, "existing", q.existing_codes, q.existing_code_count, &existing))
        goto done;
    /* The catchments of candidates and existing sites are what building the instance
     * allocates: count them first, and stop counting past the bound. */
    size_t pairs = travel_count_pairs(data->travel, candidates, candidate_count,
                                      q.params.max_minutes, s->api_max_pairs);
    if (pairs <= s->api_max_pairs)
        pairs += travel_count_pairs(data->travel, existing, q.existing_code_count,
                                    q.params.max_minutes, s->api_max_pairs - pairs);
    if (pairs > s->api_max_pairs) {
        http_respond_error(r, 413, q.too_large_field,
                           "%zu candidate communes within %g minutes make more than %zu (site, "
                           "commune) pairs, the most this server takes (territory.api_max_pairs): "
                           "choose fewer départements or candidates, or fewer minutes",
                           candidate_count, q.params.max_minutes, s->api_max_pairs);
        goto done;
    }
    weight = xmalloc((t->count ? t->count : 1) * sizeof *weight);
    for (size_t i = 0; i < t->count; i++) {
        double pop = isnan(t->communes[i].population) ? 0.0 : t->communes[i].population;
        weight[i] = !in_area[i]       ? 0.0
                    : q.by_population ? pop
                                      : pop * deserts_deficit(data->apl[i], q.threshold);
    }
    solve_and_answer(r, data, &q, weight, candidates, candidate_count, existing,
                     q.existing_code_count);
done:
    free(weight);
    free(candidates);
    free(existing);
    free(in_area);
    sites_request_free(&q);
    json_decref(body);
}
