/* Enrolment endpoints (POST, GET, DELETE /api/territories/{id}/patients[/{patient}]) and the
 * programme view (GET /api/programme): enrolled against quota per region and territory, by
 * condition. Enrolments are applied by the writer (registry_enrol: quota and access checked
 * there, with no race); every patient listed or touched is an audited decision. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define LIST_MAX (64u << 20)

struct enrol_job {
    registry *reg;
    struct audit_actor actor;     /* points into the request, which outlives the job */
    struct registry_enrolment en; /* POST */
    char territory[STORE_CODE_MAX], patient[72]; /* DELETE */
    bool end;
    int64_t now_ms;
    struct registry_outcome outcome;
    struct store_enrolment result;
};

static void enrol_job_free(void *arg)
{
    struct enrol_job *j = arg;
    registry_enrolment_free(&j->en);
    store_enrolment_free(&j->result);
    free(j);
}

static int enrol_apply(store *s, void *arg, verr *e)
{
    struct enrol_job *j = arg;
    if (j->end)
        return registry_end_enrolment(j->reg, s, &j->actor, j->territory, j->patient, j->now_ms,
                                      &j->outcome, &j->result, e);
    return registry_enrol(j->reg, s, &j->actor, &j->en, j->now_ms, &j->outcome, &j->result, e);
}

static void enrol_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    struct enrol_job *j = arg;
    if (status != 0) {
        http_respond_error(r, 503, NULL, "the enrolment could not be stored: %s", e->msg);
        return;
    }
    if (j->outcome.status >= 300) {
        http_respond_error(r, j->outcome.status, j->outcome.field[0] ? j->outcome.field : NULL,
                           "%s", j->outcome.message);
        return;
    }
    buf b;
    buf_init(&b, LIST_MAX);
    registry_enrolment_json(&j->result, &b);
    if (j->outcome.status == 201) {
        char location[160];
        snprintf(location, sizeof location, "/api/territories/%s/patients/%s",
                 j->result.territory, j->result.patient);
        http_add_header(r, "Location", location);
    }
    http_respond(r, j->outcome.status, "application/json", &b);
}

static struct enrol_job *new_job(struct http_request *r)
{
    struct enrol_job *j = xcalloc(1, sizeof *j);
    j->reg = http_app_of(r)->registry;
    j->actor = http_actor(r);
    j->actor.in_writer = true;
    j->now_ms = instant_now_ms();
    return j;
}

void http_api_enrol(struct http_request *r)
{
    json_t *body = http_json_body(r);
    if (!body) return;
    struct enrol_job *j = new_job(r);
    int rc = registry_parse_enrolment(body, http_param(r, 0), j->now_ms, &j->en, &j->outcome);
    json_decref(body);
    if (rc < 0) {
        http_respond_error(r, j->outcome.status, j->outcome.field[0] ? j->outcome.field : NULL,
                           "%s", j->outcome.message);
        enrol_job_free(j);
        return;
    }
    http_submit_write(r, enrol_apply, enrol_respond, j, enrol_job_free);
}

void http_api_enrolment_end(struct http_request *r)
{
    struct enrol_job *j = new_job(r);
    j->end = true;
    snprintf(j->territory, sizeof j->territory, "%s", http_param(r, 0));
    snprintf(j->patient, sizeof j->patient, "%s", http_param(r, 1));
    http_submit_write(r, enrol_apply, enrol_respond, j, enrol_job_free);
}

/* ---- Reading enrolments ------------------------------------------------------------------- */

struct enrolment_list {
    struct http_request *r;
    buf *b;
    const char *patient; /* one patient, or NULL for all */
    int count;
};

static int enrolment_item(void *arg, const struct store_enrolment *en)
{
    struct enrolment_list *l = arg;
    if (l->patient && strcmp(en->patient, l->patient) != 0) return 0;
    /* Each patient listed is a decision: one the caller may not manage is left out, as if
     * it were not enrolled. */
    if (!http_may_patient_in(l->r, en->patient, en->territory, ACCESS_MANAGE)) return 0;
    if (l->count++) buf_putc(l->b, ',');
    registry_enrolment_json(en, l->b);
    return 0;
}

/* The enrolments of the territory in the path that the caller may see; false after
 * answering an error. */
static bool list_enrolments(struct http_request *r, const char *patient, buf *b,
                            struct enrolment_list *l)
{
    const char *id = http_param(r, 0);
    store *s = http_reader(r);
    struct store_territory t;
    verr e;
    int rc = !auth_may_see_territory(http_principal(r), id) ? 1
             : s                                              ? store_territory_get(s, id, &t, &e)
                                                              : -1;
    if (rc != 0) {
        if (rc < 0)
            http_respond_error(r, 503, NULL, "the database is unavailable");
        else
            http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
        return false;
    }
    store_territory_free(&t);
    *l = (struct enrolment_list){.r = r, .b = b, .patient = patient};
    if (store_enrolment_each(s, id, instant_now_ms(), enrolment_item, l, &e) < 0) {
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return false;
    }
    return true;
}

void http_api_enrolments(struct http_request *r)
{
    buf b;
    buf_init(&b, LIST_MAX);
    buf_puts(&b, "{\"patients\":[");
    struct enrolment_list l;
    if (!list_enrolments(r, NULL, &b, &l)) {
        buf_free(&b);
        return;
    }
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}

void http_api_enrolment(struct http_request *r)
{
    buf b;
    buf_init(&b, LIST_MAX);
    struct enrolment_list l;
    if (!list_enrolments(r, http_param(r, 1), &b, &l)) {
        buf_free(&b);
        return;
    }
    if (l.count == 0) {
        buf_free(&b);
        http_respond_error(r, 404, NULL, "Patient/%.64s has no open enrolment in territory %.40s",
                           http_param(r, 1), http_param(r, 0));
        return;
    }
    http_respond(r, 200, "application/json", &b);
}

/* ---- Programme view ----------------------------------------------------------------------- */

struct condition_count {
    char code[24];
    int64_t enrolled;
};

struct territory_figures {
    struct store_territory t; /* communes not kept */
    int64_t enrolled;
    struct condition_count *conditions;
    size_t condition_count;
};

struct programme {
    struct http_request *r;
    const char *region; /* filter, or NULL */
    struct territory_figures *items;
    size_t count, cap;
};

static int programme_territory(void *arg, const struct store_territory *t)
{
    struct programme *p = arg;
    if (!auth_may_see_territory(http_principal(p->r), t->id)) return 0;
    if (p->region && strcmp(p->region, t->region) != 0) return 0;
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = xrealloc(p->items, p->cap * sizeof *p->items);
    }
    struct territory_figures *f = &p->items[p->count++];
    memset(f, 0, sizeof *f);
    f->t = *t;
    f->t.communes = NULL;
    f->t.commune_count = 0;
    return 0;
}

static void add_condition(struct condition_count **list, size_t *n, const char *code,
                          int64_t enrolled)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*list)[i].code, code)) {
            (*list)[i].enrolled += enrolled;
            return;
        }
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    snprintf((*list)[*n].code, sizeof (*list)[*n].code, "%s", code);
    (*list)[(*n)++].enrolled = enrolled;
}

static int programme_count(void *arg, const char *territory, const char *condition,
                           int64_t enrolled)
{
    struct programme *p = arg;
    for (size_t i = 0; i < p->count; i++) {
        struct territory_figures *f = &p->items[i];
        if (strcmp(f->t.id, territory) != 0) continue;
        if (condition)
            add_condition(&f->conditions, &f->condition_count, condition, enrolled);
        else
            f->enrolled = enrolled;
    }
    return 0;
}

static void write_conditions(buf *b, const struct condition_count *list, size_t n)
{
    buf_puts(b, ",\"by_condition\":[");
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s{\"condition\":\"%s\",\"enrolled\":%lld}", i ? "," : "", list[i].code,
                   (long long)list[i].enrolled);
    buf_putc(b, ']');
}

static void write_quota(buf *b, int64_t quota, int64_t enrolled)
{
    if (quota < 0) {
        buf_printf(b, ",\"quota\":null,\"enrolled\":%lld,\"places_left\":null",
                   (long long)enrolled);
        return;
    }
    int64_t left = quota > enrolled ? quota - enrolled : 0;
    buf_printf(b, ",\"quota\":%lld,\"enrolled\":%lld,\"places_left\":%lld", (long long)quota,
               (long long)enrolled, (long long)left);
}

struct region_out {
    struct programme *p;
    buf *b;
    int regions;
    int64_t quota, enrolled; /* programme totals; quota -1 when some territory has none */
};

/* One region with its territories, when the caller sees any of them. */
static int programme_region(void *arg, const struct store_region *region)
{
    struct region_out *o = arg;
    struct programme *p = o->p;
    int64_t quota = 0, enrolled = 0;
    struct condition_count *conditions = NULL;
    size_t condition_count = 0, territories = 0;
    for (size_t i = 0; i < p->count; i++) {
        const struct territory_figures *f = &p->items[i];
        if (strcmp(f->t.region, region->code) != 0) continue;
        territories++;
        enrolled += f->enrolled;
        quota = quota < 0 || f->t.quota < 0 ? -1 : quota + f->t.quota;
        for (size_t c = 0; c < f->condition_count; c++)
            add_condition(&conditions, &condition_count, f->conditions[c].code,
                          f->conditions[c].enrolled);
    }
    if (!territories) return 0;
    buf *b = o->b;
    buf_printf(b, "%s{\"region\":\"%s\",\"name\":", o->regions++ ? "," : "", region->code);
    buf_append_json_string(b, region->name, strlen(region->name));
    write_quota(b, quota, enrolled);
    write_conditions(b, conditions, condition_count);
    free(conditions);
    buf_puts(b, ",\"territories\":[");
    bool first = true;
    for (size_t i = 0; i < p->count; i++) {
        const struct territory_figures *f = &p->items[i];
        if (strcmp(f->t.region, region->code) != 0) continue;
        buf_printf(b, "%s{\"id\":", first ? "" : ",");
        first = false;
        buf_append_json_string(b, f->t.id, strlen(f->t.id));
        buf_puts(b, ",\"name\":");
        buf_append_json_string(b, f->t.name, strlen(f->t.name));
        write_quota(b, f->t.quota, f->enrolled);
        write_conditions(b, f->conditions, f->condition_count);
        buf_putc(b, '}');
    }
    buf_puts(b, "]}");
    o->enrolled += enrolled;
    o->quota = o->quota < 0 || quota < 0 ? -1 : o->quota + quota;
    return 0;
}

void http_api_programme(struct http_request *r)
{
    store *s = http_reader(r);
    if (!s) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return;
    }
    const char *region = http_query(r, "region");
    struct programme p = {.r = r, .region = region && *region ? region : NULL};
    buf b;
    buf_init(&b, LIST_MAX);
    buf_puts(&b, "{\"regions\":[");
    struct region_out out = {.p = &p, .b = &b};
    verr e;
    int rc = store_territory_each(s, programme_territory, &p, &e);
    if (rc == 0) rc = store_programme_each(s, instant_now_ms(), programme_count, &p, &e);
    if (rc == 0) rc = store_region_each(s, programme_region, &out, &e);
    for (size_t i = 0; i < p.count; i++) free(p.items[i].conditions);
    free(p.items);
    if (rc < 0) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return;
    }
    buf_putc(&b, ']');
    write_quota(&b, out.quota, out.enrolled);
    buf_putc(&b, '}');
    http_respond(r, 200, "application/json", &b);
}
