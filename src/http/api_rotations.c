/* Mobile-team rotations over HTTP: GET /api/rotations plans the stays of the teams of the
 * server's teams file (territory.teams) in the registry's territories the caller sees, in
 * proportion to each territory's deficit (the deficit-weighted population of its communes,
 * from the APL) and its cases not closed (waiting for someone to act, possibly a visit);
 * POST /api/rotations/plan does the same with teams, territories and parameters of the
 * request; POST /api/rotations/validate checks a list of stays against every constraint.
 * The planner is src/territory/rotations.c; the plan is computed in the request's thread
 * and bounded by the number of teams, territories and days. */
#include "http/http_int.h"
#include "core/mem.h"
#include "registry/registry.h"
#include "territory/report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX        ((size_t)16 << 20)
#define API_MAX_TEAMS     200
#define API_MAX_WINDOWS   50 /* per team */
#define API_MAX_TERRITORY 1000
#define API_MAX_STAYS     20000
#define API_MAX_HORIZON   731 /* days: two years */

struct rotation_job {
    struct rotations_input in;
    struct rotations_problem p;
    bool horizon_given[2]; /* from, to */
    const char *format;    /* json, csv or calendar */
};

static void job_init(const struct dataset_settings *s, struct rotation_job *job)
{
    rotations_input_init(&job->in);
    job->p = s->rotations;
    job->format = "json";
}

/* ---- Territories ------------------------------------------------------------------------- */

static size_t add_territory(struct rotations_input *in, const char *id, size_t *cap)
{
    if (in->territory_count == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        in->territories = xrealloc(in->territories, *cap * sizeof *in->territories);
    }
    size_t k = in->territory_count++;
    in->territories[k] = (struct rotations_territory){arena_strdup(&in->strings, id), 0, 0, 0};
    strmap_put(&in->territory_index, id, strlen(id), (int64_t)k);
    return k;
}

struct case_count {
    struct rotations_input *in;
};

static int count_case(void *arg, const struct store_case *c)
{
    struct rotations_input *in = ((struct case_count *)arg)->in;
    int64_t k;
    if (strmap_get(&in->territory_index, c->territory, strlen(c->territory), &k))
        in->territories[k].open_cases += 1;
    return 0;
}

/* The registry's territories the caller sees: deficit from the data, cases from the store. */
static bool territories_from_registry(struct http_request *r, double threshold,
                                      struct rotations_input *in)
{
    const struct dataset_data *data = http_diagnosis_data(r);
    struct http_territories territories;
    if (!data || !http_diagnosis_territories(r, data, NULL, &territories)) return false;
    struct deserts_params params = {.threshold = threshold};
    struct deserts_report report;
    verr e;
    if (deserts_summarise(&data->communes, data->apl, &params, territories.members,
                          territories.member_count, NULL, 0, &report, &e) < 0) {
        http_territories_free(&territories);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return false;
    }
    size_t cap = 0;
    const char **ids = xmalloc((territories.count + 1) * sizeof *ids);
    for (size_t k = 0; k < territories.count; k++) {
        size_t t = add_territory(in, territories.list[k].id, &cap);
        ids[k] = in->territories[t].id;
        for (size_t i = 0; i < report.count; i++)
            if (report.areas[i].level == DESERTS_TERRITORY && !strcmp(report.areas[i].code, ids[k]))
                in->territories[t].deficit = report.areas[i].deficit_population;
    }
    struct case_count cc = {in};
    store *s = http_reader(r);
    bool ok = s && (territories.count == 0 ||
                    store_queue(s, ids, territories.count, false, count_case, &cc, &e) == 0);
    if (!ok) http_respond_error(r, 503, NULL, "the database is unavailable");
    free(ids);
    deserts_report_free(&report);
    http_territories_free(&territories);
    return ok;
}

/* A name of a team, territory or specialty: the registry's id characters, so that it can
 * stand in a CSV line unquoted. */
static bool name_ok(struct http_request *r, const char *field, const char *text)
{
    if (text && registry_id_valid(text)) return true;
    http_respond_error(r, text ? 422 : 400, field, "%s must be 1 to 31 of A-Z a-z 0-9 . _ -",
                       field);
    return false;
}

static bool specialties_of(struct http_request *r, json_t *obj, const char *field,
                           struct rotations_input *in, uint64_t *bits, buf *text)
{
    *bits = 0;
    const char **names;
    size_t count;
    if (!http_json_strings(r, obj, "specialties", ROTATIONS_MAX_SPECIALTIES, &names, &count))
        return false;
    bool ok = true;
    for (size_t k = 0; k < count && ok; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.specialties[%zu]", field, k);
        uint64_t bit;
        verr e;
        ok = name_ok(r, name, names[k]);
        if (ok && rotations_specialties(in, names[k], &bit, &e) < 0) {
            http_respond_error(r, 413, name, "%s", e.msg);
            ok = false;
        }
        if (ok) *bits |= bit;
        if (ok && text) buf_printf(text, "%s%s", k ? ";" : "", names[k]);
    }
    free(names);
    return ok;
}

static bool territories_from_body(struct http_request *r, json_t *list, struct rotations_input *in)
{
    static const char *const fields[] = {"id", "deficit", "open_cases", "specialties", NULL};
    if (!json_is_array(list)) {
        http_respond_error(r, 400, "territories", "territories must be a list of objects");
        return false;
    }
    if (json_array_size(list) > API_MAX_TERRITORY) {
        http_respond_error(r, 413, "territories", "territories: at most %d", API_MAX_TERRITORY);
        return false;
    }
    size_t cap = 0, k;
    json_t *item;
    json_array_foreach(list, k, item)
    {
        char field[48];
        snprintf(field, sizeof field, "territories[%zu]", k);
        if (!json_is_object(item)) {
            http_respond_error(r, 400, field, "%s must be an object", field);
            return false;
        }
        const char *id = json_string_value(json_object_get(item, "id"));
        char id_field[64];
        snprintf(id_field, sizeof id_field, "%s.id", field);
        if (!http_json_fields_known(r, item, fields) || !name_ok(r, id_field, id)) return false;
        int64_t known;
        if (strmap_get(&in->territory_index, id, strlen(id), &known)) {
            http_respond_error(r, 422, id_field, "territory %s is listed twice", id);
            return false;
        }
        size_t t = add_territory(in, id, &cap);
        if (!http_json_number(r, item, "deficit", 0, 1e12, &in->territories[t].deficit) ||
            !http_json_number(r, item, "open_cases", 0, 1e9, &in->territories[t].open_cases) ||
            !specialties_of(r, item, field, in, &in->territories[t].needs, NULL))
            return false;
    }
    return true;
}

/* ---- Teams ---------------------------------------------------------------------------- */

static bool read_teams_csv(struct http_request *r, csvfile *f, struct rotations_input *in,
                           int status, const char *field)
{
    verr e;
    bool ok = f && rotations_read_teams(in, f, &e) == 0;
    if (f && !ok) http_respond_error(r, status, field, "%s", e.msg);
    csvfile_close(f);
    return ok;
}

static bool teams_from_file(struct http_request *r, struct rotations_input *in)
{
    verr e;
    const char *path = dataset_teams_path(http_app_of(r)->dataset, &e);
    csvfile *f = path ? csvfile_open(path, &e) : NULL;
    if (!f) http_respond_error(r, 503, NULL, "%s", e.msg);
    return read_teams_csv(r, f, in, 503, NULL);
}

/* Teams of the request: each field checked here (naming it), then written as the CSV the
 * library reads, so that windows are sorted and merged exactly as for a teams file. */
static bool teams_from_body(struct http_request *r, json_t *list, struct rotations_input *in)
{
    static const char *const fields[] = {"id", "specialties", "windows", NULL};
    if (!json_is_array(list) || json_array_size(list) == 0) {
        http_respond_error(r, 400, "teams", "teams must be a list of one team or more");
        return false;
    }
    if (json_array_size(list) > API_MAX_TEAMS) {
        http_respond_error(r, 413, "teams", "teams: at most %d", API_MAX_TEAMS);
        return false;
    }
    buf csv;
    buf_init(&csv, REPORT_MAX);
    buf_puts(&csv, "team,specialties,available_from,available_to\n");
    size_t k;
    json_t *team;
    bool ok = true;
    json_array_foreach(list, k, team)
    {
        char field[64];
        snprintf(field, sizeof field, "teams[%zu]", k);
        if (!json_is_object(team)) {
            http_respond_error(r, 400, field, "%s must be an object", field);
            ok = false;
            break;
        }
        char id_field[80];
        snprintf(id_field, sizeof id_field, "%s.id", field);
        const char *id = json_string_value(json_object_get(team, "id"));
        buf skills;
        buf_init(&skills, 4096);
        uint64_t bits;
        json_t *windows = json_object_get(team, "windows");
        ok = http_json_fields_known(r, team, fields) && name_ok(r, id_field, id) &&
             specialties_of(r, team, field, in, &bits, &skills);
        if (ok && (!json_is_array(windows) || !json_array_size(windows) ||
                   json_array_size(windows) > API_MAX_WINDOWS)) {
            http_respond_error(r, 400, field, "%s.windows: 1 to %d periods {\"from\",\"to\"}",
                               field, API_MAX_WINDOWS);
            ok = false;
        }
        size_t w;
        json_t *window;
        json_array_foreach(windows, w, window)
        {
            if (!ok) break;
            char wf[128], from[16], to[16];
            int64_t first, last;
            snprintf(wf, sizeof wf, "%s.windows[%zu].from", field, w);
            const char *text = json_string_value(json_object_get(window, "from"));
            ok = http_date_days(r, wf, text ? text : "", &first);
            snprintf(wf, sizeof wf, "%s.windows[%zu].to", field, w);
            text = json_string_value(json_object_get(window, "to"));
            ok = ok && http_date_days(r, wf, text ? text : "", &last);
            if (ok && last < first) {
                http_respond_error(r, 422, wf, "%s ends before it starts", wf);
                ok = false;
            }
            report_format_date(first, from);
            report_format_date(last, to);
            if (ok) buf_printf(&csv, "%s,%s,%s,%s\n", id, buf_cstr(&skills), from, to);
        }
        buf_free(&skills);
        if (!ok) break;
    }
    verr e;
    csvfile *f = ok ? csvfile_open_memory("teams", csv.data, csv.len, &e) : NULL;
    if (ok && !f) http_respond_error(r, 422, "teams", "%s", e.msg);
    buf_free(&csv);
    return ok && read_teams_csv(r, f, in, 422, "teams");
}

/* ---- The problem ---------------------------------------------------------------------------- */

/* Without from or to, the horizon is the teams' availability. */
static bool settle_horizon(struct http_request *r, struct rotation_job *job)
{
    struct rotations_problem *p = &job->p;
    int64_t first, last;
    rotations_teams_span(p, &first, &last);
    if (!job->horizon_given[0]) p->first_day = first;
    if (!job->horizon_given[1]) p->last_day = last;
    if (p->last_day < p->first_day) {
        http_respond_error(r, 422, "to", "the horizon ends before it starts");
        return false;
    }
    if (p->last_day - p->first_day + 1 > API_MAX_HORIZON) {
        http_respond_error(r, 422, job->horizon_given[1] ? "to" : "from",
                           "the horizon is %lld days; at most %d here",
                           (long long)(p->last_day - p->first_day + 1), API_MAX_HORIZON);
        return false;
    }
    return true;
}

static bool horizon_from(struct http_request *r, struct rotation_job *job, const char *from,
                         const char *to)
{
    job->horizon_given[0] = from != NULL;
    job->horizon_given[1] = to != NULL;
    return (!from || http_date_days(r, "from", from, &job->p.first_day)) &&
           (!to || http_date_days(r, "to", to, &job->p.last_day));
}

static bool parameters_from_body(struct http_request *r, json_t *body, struct rotation_job *job,
                                 double *threshold)
{
    static const char *const formats[] = {"json", "csv", "calendar", NULL};
    struct rotations_problem *p = &job->p;
    int64_t v[4] = {p->min_stay_days, p->max_stay_days, p->revisit_days, p->travel_days};
    json_t *from = json_object_get(body, "from"), *to = json_object_get(body, "to");
    if ((from && !json_is_string(from)) || (to && !json_is_string(to))) {
        http_respond_error(r, 400, from && !json_is_string(from) ? "from" : "to",
                           "from and to are dates YYYY-MM-DD");
        return false;
    }
    if (!http_json_integer(r, body, "min_stay_days", 1, 365, &v[0]) ||
        !http_json_integer(r, body, "max_stay_days", 1, 365, &v[1]) ||
        !http_json_integer(r, body, "revisit_days", 0, 3650, &v[2]) ||
        !http_json_integer(r, body, "travel_days", 0, 365, &v[3]) ||
        !http_json_number(r, body, "deficit_share", 0, 1, &p->deficit_share) ||
        !http_json_number(r, body, "threshold", 1e-6, 1000, threshold) ||
        !http_json_choice(r, body, "format", formats, &job->format) ||
        !horizon_from(r, job, json_string_value(from), json_string_value(to)))
        return false;
    if (v[1] < v[0]) {
        http_respond_error(r, 422, "max_stay_days", "max_stay_days is below min_stay_days");
        return false;
    }
    p->min_stay_days = (int)v[0];
    p->max_stay_days = (int)v[1];
    p->revisit_days = (int)v[2];
    p->travel_days = (int)v[3];
    return true;
}

/* Territories, teams and parameters of a POST body (plan or validate). */
static bool job_from_body(struct http_request *r, json_t *body, struct rotation_job *job,
                          const char *const *fields)
{
    double threshold = http_diagnosis_settings(r)->threshold;
    json_t *territories = json_object_get(body, "territories");
    json_t *teams = json_object_get(body, "teams");
    return http_json_fields_known(r, body, fields) &&
           parameters_from_body(r, body, job, &threshold) &&
           (teams ? teams_from_body(r, teams, &job->in) : teams_from_file(r, &job->in)) &&
           (territories ? territories_from_body(r, territories, &job->in)
                        : territories_from_registry(r, threshold, &job->in));
}

static void plan_and_answer(struct http_request *r, struct rotation_job *job)
{
    rotations_input_apply(&job->in, &job->p);
    if (!settle_horizon(r, job)) return;
    struct rotations_plan plan = {0};
    verr e;
    if (rotations_plan_compute(&job->p, &plan, &e) < 0) {
        http_respond_error(r, 422, NULL, "%s", e.msg);
        return;
    }
    buf b;
    buf_init(&b, REPORT_MAX);
    const char *type = "application/json";
    if (!strcmp(job->format, "csv")) {
        rotations_write_csv(&b, &job->p, &plan);
        type = "text/csv; charset=utf-8";
    } else if (!strcmp(job->format, "calendar")) {
        rotations_write_calendar(&b, &job->p, &plan);
        type = "text/plain; charset=utf-8";
    } else {
        rotations_write_json(&b, &job->p, &plan);
    }
    rotations_plan_free(&plan);
    http_respond(r, 200, type, &b);
}

void http_api_rotations(struct http_request *r)
{
    static const char *const formats[] = {"json", "csv", "calendar", NULL};
    const struct dataset_settings *settings = http_diagnosis_settings(r);
    if (!settings) return;
    struct rotation_job job;
    job_init(settings, &job);
    double threshold = settings->threshold;
    const char *format = http_query(r, "format");
    int f = 0;
    while (format && formats[f] && strcmp(formats[f], format)) f++;
    if (format && !formats[f])
        http_respond_error(r, 400, "format", "format must be json, csv or calendar");
    else if (horizon_from(r, &job, http_query(r, "from"), http_query(r, "to")) &&
             http_query_number(r, "threshold", 1e-6, 1000, &threshold) &&
             teams_from_file(r, &job.in) && territories_from_registry(r, threshold, &job.in)) {
        if (format) job.format = formats[f];
        plan_and_answer(r, &job);
    }
    rotations_input_free(&job.in);
}

/* The stays of a validate request, by team and territory position. */
static bool stays_from_body(struct http_request *r, json_t *list, struct rotation_job *job,
                            struct rotations_stay **out, size_t *count)
{
    static const char *const fields[] = {"team", "territory", "start", "end", NULL};
    *out = NULL;
    *count = 0;
    if (!json_is_array(list) || json_array_size(list) > API_MAX_STAYS) {
        http_respond_error(r, json_is_array(list) ? 413 : 400, "stays",
                           "stays must be a list of at most %d {team, territory, start, end}",
                           API_MAX_STAYS);
        return false;
    }
    *out = xmalloc((json_array_size(list) + 1) * sizeof **out);
    size_t k;
    json_t *item;
    json_array_foreach(list, k, item)
    {
        char field[48], sub[64];
        snprintf(field, sizeof field, "stays[%zu]", k);
        if (!json_is_object(item) || !http_json_fields_known(r, item, fields)) {
            if (!json_is_object(item))
                http_respond_error(r, 400, field, "%s must be an object", field);
            return false;
        }
        const char *team = json_string_value(json_object_get(item, "team"));
        const char *territory = json_string_value(json_object_get(item, "territory"));
        int64_t t, m;
        if (!team || !strmap_get(&job->in.team_index, team, strlen(team), &m)) {
            snprintf(sub, sizeof sub, "%s.team", field);
            http_respond_error(r, 422, sub, "%s: not one of the teams", sub);
            return false;
        }
        if (!territory || !strmap_get(&job->in.territory_index, territory, strlen(territory), &t)) {
            snprintf(sub, sizeof sub, "%s.territory", field);
            http_respond_error(r, 422, sub, "%s: not one of the territories", sub);
            return false;
        }
        struct rotations_stay *s = &(*out)[k];
        s->team = (uint32_t)m;
        s->territory = (uint32_t)t;
        const char *start = json_string_value(json_object_get(item, "start"));
        const char *end = json_string_value(json_object_get(item, "end"));
        snprintf(sub, sizeof sub, "%s.start", field);
        if (!http_date_days(r, sub, start ? start : "", &s->first_day)) return false;
        snprintf(sub, sizeof sub, "%s.end", field);
        if (!http_date_days(r, sub, end ? end : "", &s->last_day)) return false;
    }
    *count = json_array_size(list);
    return true;
}

/* POST /api/rotations/plan and /api/rotations/validate take the same body; validate adds
 * the stays to check. */
static void rotations_post(struct http_request *r, bool validate)
{
    static const char *const fields[] = {
        "from",          "to",           "teams",       "territories",   "min_stay_days",
        "max_stay_days", "revisit_days", "travel_days", "deficit_share", "threshold",
        "format",        "stays",        NULL};
    const struct dataset_settings *settings = http_diagnosis_settings(r);
    json_t *body = settings ? http_json_body(r) : NULL;
    if (!body) return;
    struct rotation_job job;
    job_init(settings, &job);
    struct rotations_stay *stays = NULL;
    size_t count = 0;
    json_t *stay_list = json_object_get(body, "stays");
    bool ok = validate || !stay_list;
    if (!ok)
        http_respond_error(r, 400, "stays", "stays are checked by POST /api/rotations/validate");
    ok = ok && job_from_body(r, body, &job, fields);
    if (ok && !validate) {
        plan_and_answer(r, &job);
    } else if (ok && stays_from_body(r, stay_list, &job, &stays, &count)) {
        rotations_input_apply(&job.in, &job.p);
        verr e;
        if (!settle_horizon(r, &job)) {
            /* answered */
        } else if (rotations_validate(&job.p, stays, count, &e) < 0) {
            http_respond_error(r, 422, "stays", "%s", e.msg);
        } else {
            buf b;
            buf_init(&b, 4096);
            buf_printf(&b, "{\"valid\":true,\"stays\":%zu}", count);
            http_respond(r, 200, "application/json", &b);
        }
    }
    free(stays);
    rotations_input_free(&job.in);
    json_decref(body);
}

void http_api_rotations_plan(struct http_request *r)
{
    rotations_post(r, false);
}

void http_api_rotations_validate(struct http_request *r)
{
    rotations_post(r, true);
}
