/* The registry API: regions, territories, sites, professionals and the programme view.
 * A territory the caller does not see answers 404 exactly as an absent one. Writes go
 * through the writer (http_submit_write); the registry module checks them. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define LIST_MAX (64u << 20) /* bytes of a registry listing */

/* The territory in the path, if the caller sees it; else answers 404 and returns NULL. */
static const char *visible_territory(struct http_request *r)
{
    const char *id = http_param(r, 0);
    if (auth_may_see_territory(http_principal(r), id)) return id;
    http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
    return NULL;
}

static void respond_outcome_error(struct http_request *r, const struct registry_outcome *o)
{
    http_respond_error(r, o->status, o->field[0] ? o->field : NULL, "%s", o->message);
}

static store *reader_or_503(struct http_request *r)
{
    store *s = http_reader(r);
    if (!s) http_respond_error(r, 503, NULL, "the database is unavailable");
    return s;
}

/* ---- Regions ------------------------------------------------------------------------------ */

struct item_list {
    buf *b;
    int count;
};

static int region_json(void *arg, const struct store_region *region)
{
    struct item_list *l = arg;
    buf_printf(l->b, "%s{\"code\":\"%s\",\"name\":", l->count++ ? "," : "", region->code);
    buf_append_json_string(l->b, region->name, strlen(region->name));
    buf_putc(l->b, '}');
    return 0;
}

void http_api_regions(struct http_request *r)
{
    store *s = reader_or_503(r);
    if (!s) return;
    buf b;
    buf_init(&b, LIST_MAX);
    buf_puts(&b, "{\"regions\":[");
    struct item_list l = {.b = &b};
    verr e;
    if (store_region_each(s, region_json, &l, &e) < 0) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return;
    }
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}

/* ---- Territories -------------------------------------------------------------------------- */

struct territory_list {
    struct http_request *r;
    store *s;
    buf *b;
    int count;
    int64_t now_ms;
    verr error;
    bool failed;
};

static int territory_item(void *arg, const struct store_territory *t)
{
    struct territory_list *l = arg;
    if (!auth_may_see_territory(http_principal(l->r), t->id)) return 0;
    int64_t enrolled = 0;
    if (store_enrolment_count(l->s, t->id, l->now_ms, &enrolled, &l->error) < 0) {
        l->failed = true;
        return 1;
    }
    if (l->count++) buf_putc(l->b, ',');
    registry_territory_json(t, enrolled, l->b);
    return 0;
}

void http_api_territories(struct http_request *r)
{
    store *s = reader_or_503(r);
    if (!s) return;
    buf b;
    buf_init(&b, LIST_MAX);
    buf_puts(&b, "{\"territories\":[");
    struct territory_list l = {.r = r, .s = s, .b = &b, .now_ms = instant_now_ms()};
    if (store_territory_each(s, territory_item, &l, &l.error) < 0 || l.failed) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", l.error.msg);
        return;
    }
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}

void http_api_territory(struct http_request *r)
{
    const char *id = visible_territory(r);
    store *s = id ? reader_or_503(r) : NULL;
    if (!s) return;
    struct store_territory t;
    int64_t enrolled = 0;
    verr e;
    int rc = store_territory_get(s, id, &t, &e);
    if (rc == 0 && store_enrolment_count(s, id, instant_now_ms(), &enrolled, &e) < 0) {
        store_territory_free(&t);
        rc = -1;
    }
    if (rc != 0) {
        if (rc < 0)
            http_respond_error(r, 500, NULL, "%s", e.msg);
        else
            http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
        return;
    }
    buf b;
    buf_init(&b, LIST_MAX);
    registry_territory_json(&t, enrolled, &b);
    store_territory_free(&t);
    http_respond(r, 200, "application/json", &b);
}

/* One registry write: what to apply in the writer and what to answer. */
enum registry_write_kind { WRITE_TERRITORY_ADD, WRITE_TERRITORY_SET, WRITE_SITE, WRITE_PROFESSIONAL };

struct registry_write {
    enum registry_write_kind kind;
    json_t *body;                     /* PATCH: applied over the territory as stored */
    struct store_territory territory;
    bool communes;
    struct store_site site;
    struct store_professional professional;
    int64_t now_ms, enrolled;
    struct registry_outcome outcome;
};

static void registry_write_free(void *arg)
{
    struct registry_write *w = arg;
    json_decref(w->body);
    store_territory_free(&w->territory);
    free(w);
}

static int registry_write_apply(store *s, void *arg, verr *e)
{
    struct registry_write *w = arg;
    int rc = 0;
    switch (w->kind) {
    case WRITE_TERRITORY_ADD:
        rc = registry_apply_territory(s, &w->territory, false, true, &w->outcome, e);
        break;
    case WRITE_TERRITORY_SET:
        rc = registry_patch_territory(s, w->territory.id, w->body, w->now_ms, &w->territory,
                                      &w->outcome, e);
        break;
    case WRITE_SITE: rc = registry_apply_site(s, &w->site, &w->outcome, e); break;
    case WRITE_PROFESSIONAL:
        rc = registry_apply_professional(s, &w->professional, &w->outcome, e);
        break;
    }
    if (rc == 0 && w->outcome.status < 300 &&
        (w->kind == WRITE_TERRITORY_ADD || w->kind == WRITE_TERRITORY_SET)) {
        /* answer with the territory as stored (communes in order) */
        char id[STORE_CODE_MAX];
        snprintf(id, sizeof id, "%s", w->territory.id);
        store_territory_free(&w->territory);
        rc = store_territory_get(s, id, &w->territory, e) != 0 ||
                     store_enrolment_count(s, id, w->now_ms, &w->enrolled, e) < 0
                 ? -1
                 : 0;
    }
    return rc;
}

static void registry_write_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    struct registry_write *w = arg;
    if (status != 0) {
        http_respond_error(r, 503, NULL, "the registry could not be written: %s", e->msg);
        return;
    }
    if (w->outcome.status >= 300) {
        respond_outcome_error(r, &w->outcome);
        return;
    }
    buf b;
    buf_init(&b, LIST_MAX);
    char location[160] = "";
    switch (w->kind) {
    case WRITE_TERRITORY_ADD:
    case WRITE_TERRITORY_SET:
        registry_territory_json(&w->territory, w->enrolled, &b);
        snprintf(location, sizeof location, "/api/territories/%s", w->territory.id);
        break;
    case WRITE_SITE: registry_site_json(&w->site, &b); break;
    case WRITE_PROFESSIONAL: registry_professional_json(&w->professional, &b); break;
    }
    if (w->outcome.status == 201 && location[0]) http_add_header(r, "Location", location);
    http_respond(r, w->outcome.status, "application/json", &b);
}

/* Parses the body; NULL after answering 400. */
static struct registry_write *new_write(struct http_request *r, enum registry_write_kind kind,
                                        json_t **body)
{
    *body = http_json_body(r);
    if (!*body) return NULL;
    struct registry_write *w = xcalloc(1, sizeof *w);
    w->kind = kind;
    w->now_ms = instant_now_ms();
    return w;
}

/* Answers 400 from a parse refusal and frees what was built. */
static void refuse_parse(struct http_request *r, struct registry_write *w, json_t *body)
{
    respond_outcome_error(r, &w->outcome);
    json_decref(body);
    registry_write_free(w);
}

void http_api_territory_add(struct http_request *r)
{
    json_t *body;
    struct registry_write *w = new_write(r, WRITE_TERRITORY_ADD, &body);
    if (!w) return;
    if (registry_parse_territory(body, false, &w->territory, &w->communes, &w->outcome) < 0) {
        refuse_parse(r, w, body);
        return;
    }
    json_decref(body);
    w->territory.created_ms = w->territory.updated_ms = w->now_ms;
    http_submit_write(r, registry_write_apply, registry_write_respond, w, registry_write_free);
}

void http_api_territory_set(struct http_request *r)
{
    const char *id = http_param(r, 0);
    json_t *body;
    struct registry_write *w = new_write(r, WRITE_TERRITORY_SET, &body);
    if (!w) return;
    bool quota_only = json_object_size(body) == 1 && json_object_get(body, "quota");
    const struct auth_principal *who = http_principal(r);
    if (!auth_may_set_territory(who, id, true, quota_only)) {
        json_decref(body);
        registry_write_free(w);
        if (!auth_may_see_territory(who, id))
            http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
        else
            http_respond_error(r, 403, NULL, "the %s role may change a territory's quota only",
                               auth_role_name(who->role));
        return;
    }
    snprintf(w->territory.id, sizeof w->territory.id, "%s", id);
    w->body = body; /* applied in the writer over the territory as stored then */
    http_submit_write(r, registry_write_apply, registry_write_respond, w, registry_write_free);
}

/* Sites and professionals of a territory: the caller must see it and may change it. */
static bool may_add_to(struct http_request *r, const char *id)
{
    const struct auth_principal *who = http_principal(r);
    if (auth_may_set_territory(who, id, false, false)) return true;
    if (!auth_may_see_territory(who, id))
        http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
    else
        http_respond_error(r, 403, NULL, "the %s role may not change territory %.40s",
                           auth_role_name(who->role), id);
    return false;
}

/* POST a site or a professional to the territory in the path. */
static void add_to_territory(struct http_request *r, enum registry_write_kind kind)
{
    const char *id = http_param(r, 0);
    if (!may_add_to(r, id)) return;
    json_t *body;
    struct registry_write *w = new_write(r, kind, &body);
    if (!w) return;
    int rc = kind == WRITE_SITE
                 ? registry_parse_site(body, id, &w->site, &w->outcome)
                 : registry_parse_professional(body, id, &w->professional, &w->outcome);
    if (rc < 0) {
        refuse_parse(r, w, body);
        return;
    }
    json_decref(body);
    w->site.created_ms = w->professional.created_ms = w->now_ms;
    http_submit_write(r, registry_write_apply, registry_write_respond, w, registry_write_free);
}

void http_api_site_add(struct http_request *r)
{
    add_to_territory(r, WRITE_SITE);
}

void http_api_professional_add(struct http_request *r)
{
    add_to_territory(r, WRITE_PROFESSIONAL);
}

static int site_item(void *arg, const struct store_site *site)
{
    struct item_list *l = arg;
    if (l->count++) buf_putc(l->b, ',');
    registry_site_json(site, l->b);
    return 0;
}

static int professional_item(void *arg, const struct store_professional *p)
{
    struct item_list *l = arg;
    if (l->count++) buf_putc(l->b, ',');
    registry_professional_json(p, l->b);
    return 0;
}

/* GET a territory's sites or professionals. */
static void list_of(struct http_request *r, bool sites)
{
    const char *id = visible_territory(r);
    store *s = id ? reader_or_503(r) : NULL;
    if (!s) return;
    struct store_territory t;
    verr e;
    int rc = store_territory_get(s, id, &t, &e);
    if (rc != 0) {
        if (rc < 0)
            http_respond_error(r, 500, NULL, "%s", e.msg);
        else
            http_respond_error(r, 404, NULL, "territory %.40s is not known", id);
        return;
    }
    store_territory_free(&t);
    buf b;
    buf_init(&b, LIST_MAX);
    buf_printf(&b, "{\"%s\":[", sites ? "sites" : "professionals");
    struct item_list l = {.b = &b};
    rc = sites ? store_site_each(s, id, site_item, &l, &e)
               : store_professional_each(s, id, professional_item, &l, &e);
    if (rc < 0) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return;
    }
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}

void http_api_sites(struct http_request *r)
{
    list_of(r, true);
}

void http_api_professionals(struct http_request *r)
{
    list_of(r, false);
}
