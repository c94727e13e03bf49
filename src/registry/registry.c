/* Territories, sites and professionals: parsing, checks, application in a transaction,
 * JSON. */
#include "registry/registry_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMMUNES 2000

int registry_refuse(struct registry_outcome *o, int status, const char *field, const char *fmt,
                    ...)
{
    o->status = status;
    snprintf(o->field, sizeof o->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->message, sizeof o->message, fmt, ap);
    va_end(ap);
    return -1;
}

void registry_ok(struct registry_outcome *o, int status)
{
    o->status = status;
    o->field[0] = o->message[0] = '\0';
}

int registry_known_fields(json_t *body, const char *const *allowed, struct registry_outcome *o)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++) known = !strcmp(*a, key);
        if (!known) {
            char list[200] = "";
            size_t n = 0;
            for (const char *const *a = allowed; *a; a++)
                n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                                      n ? ", " : "", *a);
            return registry_refuse(o, 400, key, "unknown field '%.40s' (expected: %s)", key,
                                   list);
        }
    }
    return 0;
}

int registry_text(json_t *body, const char *field, bool required, char *out, size_t n,
                  struct registry_outcome *o)
{
    json_t *v = json_object_get(body, field);
    if (!v || json_is_null(v)) {
        if (required) return registry_refuse(o, 400, field, "%s is required", field);
        return 1;
    }
    if (!json_is_string(v)) return registry_refuse(o, 400, field, "%s must be a string", field);
    const char *text = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0) return registry_refuse(o, 400, field, "%s must not be empty", field);
    if (len >= n || strlen(text) != len)
        return registry_refuse(o, 400, field, "%s is longer than %zu characters", field, n - 1);
    memcpy(out, text, len + 1);
    return 0;
}

static bool in_list(const char *const *list, const char *value)
{
    for (; *list; list++)
        if (!strcmp(*list, value)) return true;
    return false;
}

static void join(const char *const *list, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (; *list; list++)
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", used ? ", " : "",
                                 *list);
}

/* ---- Territories -------------------------------------------------------------------------- */

static int parse_communes(json_t *v, struct store_territory *t, struct registry_outcome *o)
{
    if (!json_is_array(v))
        return registry_refuse(o, 400, "communes", "communes must be an array of INSEE codes");
    if (json_array_size(v) > MAX_COMMUNES)
        return registry_refuse(o, 400, "communes", "at most %d communes per territory",
                               MAX_COMMUNES);
    store_territory_free(t);
    t->communes = xcalloc(json_array_size(v) + 1, sizeof *t->communes);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return registry_refuse(o, 400, "communes", "communes[%zu] must be a string", i);
        t->communes[t->commune_count++] = xstrdup(json_string_value(item));
    }
    return 0;
}

int registry_parse_territory(json_t *body, bool partial, struct store_territory *t,
                             bool *communes_given, struct registry_outcome *o)
{
    static const char *const fields[] = {"id", "name", "region", "communes", "quota", NULL};
    *communes_given = false;
    if (registry_known_fields(body, fields, o) < 0) return -1;
    if (partial && json_object_get(body, "id"))
        return registry_refuse(o, 400, "id", "a territory's id cannot change");
    if (!partial && registry_text(body, "id", true, t->id, sizeof t->id, o) < 0) return -1;
    if (registry_text(body, "name", !partial, t->name, sizeof t->name, o) < 0 ||
        registry_text(body, "region", !partial, t->region, sizeof t->region, o) < 0)
        return -1;
    json_t *communes = json_object_get(body, "communes");
    if (communes) {
        *communes_given = true;
        if (parse_communes(communes, t, o) < 0) return -1;
    }
    json_t *quota = json_object_get(body, "quota");
    if (!partial && !quota) t->quota = -1;
    if (quota) {
        if (json_is_null(quota))
            t->quota = -1;
        else if (json_is_integer(quota) && json_integer_value(quota) >= 0 &&
                 json_integer_value(quota) <= 1000000)
            t->quota = json_integer_value(quota);
        else
            return registry_refuse(o, 400, "quota",
                                   "quota must be a whole number of places (0 to 1000000), or "
                                   "null for none");
    }
    return registry_check_territory(t, o);
}

int registry_check_territory(const struct store_territory *t, struct registry_outcome *o)
{
    if (!registry_id_valid(t->id))
        return registry_refuse(o, 400, "id",
                               "id '%.40s' must be 1 to %d letters, digits, '.', '_' or '-'",
                               t->id, STORE_CODE_MAX - 1);
    if (!t->name[0]) return registry_refuse(o, 400, "name", "name is required");
    for (size_t i = 0; i < t->commune_count; i++) {
        const char *c = t->communes[i];
        if (!registry_commune_valid(c))
            return registry_refuse(o, 400, "communes",
                                   "'%.20s' is not an INSEE commune code (5 characters: the "
                                   "département then the commune, e.g. 27229)",
                                   c);
        const char *region = registry_commune_region(c);
        if (strcmp(region, t->region) != 0)
            return registry_refuse(o, 400, "communes",
                                   "commune %s is in region %s, not in the territory's region %s",
                                   c, region, t->region);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(t->communes[k], c))
                return registry_refuse(o, 400, "communes", "commune %s is listed twice", c);
    }
    return 0;
}

int registry_apply_territory(store *s, const struct store_territory *t, bool update,
                             bool communes, struct registry_outcome *o, verr *e)
{
    struct store_region region;
    int rc = store_region_get(s, t->region, &region, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        registry_refuse(o, 400, "region",
                        "'%.8s' is not an INSEE region code (GET /api/regions lists them)",
                        t->region);
        return 0;
    }
    for (size_t i = 0; communes && i < t->commune_count; i++) {
        char owner[STORE_CODE_MAX];
        rc = store_commune_territory(s, t->communes[i], owner, e);
        if (rc < 0) return -1;
        if (rc == 0 && strcmp(owner, t->id) != 0) {
            registry_refuse(o, 409, "communes", "commune %s already belongs to territory %s",
                            t->communes[i], owner);
            return 0;
        }
    }
    rc = update ? store_territory_update(s, t, communes, e) : store_territory_add(s, t, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        if (update)
            registry_refuse(o, 404, NULL, "territory %s is not known", t->id);
        else
            registry_refuse(o, 409, "id", "territory %s already exists", t->id);
        return 0;
    }
    registry_ok(o, update ? 200 : 201);
    return 0;
}

int registry_patch_territory(store *s, const char *id, json_t *body, int64_t now_ms,
                             struct store_territory *t, struct registry_outcome *o, verr *e)
{
    char key[STORE_CODE_MAX]; /* id may point into t, which the read clears */
    snprintf(key, sizeof key, "%s", id);
    int rc = store_territory_get(s, key, t, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        registry_refuse(o, 404, NULL, "territory %s is not known", key);
        return 0;
    }
    bool communes;
    if (registry_parse_territory(body, true, t, &communes, o) < 0) return 0;
    t->updated_ms = now_ms;
    return registry_apply_territory(s, t, true, communes, o, e);
}

/* ---- Sites -------------------------------------------------------------------------------- */

int registry_parse_site(json_t *body, const char *territory, struct store_site *site,
                        struct registry_outcome *o)
{
    static const char *const fields[] = {"id", "name", "kind", "commune", NULL};
    memset(site, 0, sizeof *site);
    snprintf(site->territory, sizeof site->territory, "%s", territory);
    if (registry_known_fields(body, fields, o) < 0 ||
        registry_text(body, "id", true, site->id, sizeof site->id, o) < 0 ||
        registry_text(body, "name", true, site->name, sizeof site->name, o) < 0 ||
        registry_text(body, "kind", true, site->kind, sizeof site->kind, o) < 0 ||
        registry_text(body, "commune", true, site->commune, sizeof site->commune, o) < 0)
        return -1;
    return registry_check_site(site, o);
}

int registry_check_site(const struct store_site *site, struct registry_outcome *o)
{
    if (!registry_id_valid(site->id))
        return registry_refuse(o, 400, "id",
                               "id '%.40s' must be 1 to %d letters, digits, '.', '_' or '-'",
                               site->id, STORE_CODE_MAX - 1);
    if (!site->name[0]) return registry_refuse(o, 400, "name", "name is required");
    if (!in_list(registry_site_kinds, site->kind)) {
        char list[160];
        join(registry_site_kinds, list, sizeof list);
        return registry_refuse(o, 400, "kind", "kind '%.24s' is not one of %s", site->kind, list);
    }
    if (!registry_commune_valid(site->commune))
        return registry_refuse(o, 400, "commune", "'%.8s' is not an INSEE commune code",
                               site->commune);
    return 0;
}

/* The territory of a site or professional must exist; 0 when it does, else o is set. */
static int territory_exists(store *s, const char *id, struct registry_outcome *o, verr *e)
{
    struct store_territory t;
    int rc = store_territory_get(s, id, &t, e);
    if (rc == 0) store_territory_free(&t);
    if (rc == 1) registry_refuse(o, 404, NULL, "territory %s is not known", id);
    return rc;
}

int registry_apply_site(store *s, const struct store_site *site, struct registry_outcome *o,
                        verr *e)
{
    int rc = territory_exists(s, site->territory, o, e);
    if (rc != 0) return rc < 0 ? -1 : 0;
    rc = store_site_add(s, site, e);
    if (rc < 0) return -1;
    if (rc == 1)
        registry_refuse(o, 409, "id", "site %s already exists", site->id);
    else
        registry_ok(o, 201);
    return 0;
}

/* ---- Professionals ------------------------------------------------------------------------ */

int registry_parse_professional(json_t *body, const char *territory,
                                struct store_professional *p, struct registry_outcome *o)
{
    static const char *const fields[] = {"id",   "name",     "profession", "rpps",
                                         "site", "username", NULL};
    memset(p, 0, sizeof *p);
    snprintf(p->territory, sizeof p->territory, "%s", territory);
    if (registry_known_fields(body, fields, o) < 0 ||
        registry_text(body, "id", true, p->id, sizeof p->id, o) < 0 ||
        registry_text(body, "name", true, p->name, sizeof p->name, o) < 0 ||
        registry_text(body, "profession", true, p->profession, sizeof p->profession, o) < 0 ||
        registry_text(body, "rpps", false, p->rpps, sizeof p->rpps, o) < 0 ||
        registry_text(body, "site", false, p->site, sizeof p->site, o) < 0 ||
        registry_text(body, "username", false, p->username, sizeof p->username, o) < 0)
        return -1;
    return registry_check_professional(p, o);
}

int registry_check_professional(const struct store_professional *p, struct registry_outcome *o)
{
    if (!registry_id_valid(p->id))
        return registry_refuse(o, 400, "id",
                               "id '%.40s' must be 1 to %d letters, digits, '.', '_' or '-'",
                               p->id, STORE_CODE_MAX - 1);
    if (!p->name[0]) return registry_refuse(o, 400, "name", "name is required");
    if (!in_list(registry_professions, p->profession)) {
        char list[160];
        join(registry_professions, list, sizeof list);
        return registry_refuse(o, 400, "profession", "profession '%.24s' is not one of %s",
                               p->profession, list);
    }
    if (p->rpps[0] && !registry_rpps_valid(p->rpps))
        return registry_refuse(o, 400, "rpps", "an RPPS number has 11 digits");
    return 0;
}

int registry_apply_professional(store *s, const struct store_professional *p,
                                struct registry_outcome *o, verr *e)
{
    int rc = territory_exists(s, p->territory, o, e);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (p->site[0]) {
        struct store_site site;
        rc = store_site_get(s, p->site, &site, e);
        if (rc < 0) return -1;
        if (rc == 1 || strcmp(site.territory, p->territory) != 0) {
            registry_refuse(o, 400, "site", "site %s is not a site of territory %s", p->site,
                            p->territory);
            return 0;
        }
    }
    if (p->username[0]) {
        struct store_user u;
        rc = store_user_get(s, p->username, 0, &u, e);
        if (rc < 0) return -1;
        if (rc == 0) store_user_free(&u);
        if (rc == 1) {
            registry_refuse(o, 400, "username", "no user is named '%s' (vigie user add)",
                            p->username);
            return 0;
        }
    }
    rc = store_professional_add(s, p, e);
    if (rc < 0) return -1;
    if (rc == 1)
        registry_refuse(o, 409, "id", "professional %s already exists", p->id);
    else
        registry_ok(o, 201);
    return 0;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void member(buf *out, const char *name, const char *value)
{
    buf_printf(out, ",\"%s\":", name);
    if (value && *value)
        buf_append_json_string(out, value, strlen(value));
    else
        buf_puts(out, "null");
}

void registry_territory_json(const struct store_territory *t, int64_t enrolled, buf *out)
{
    buf_puts(out, "{\"id\":");
    buf_append_json_string(out, t->id, strlen(t->id));
    member(out, "name", t->name);
    member(out, "region", t->region);
    buf_puts(out, ",\"communes\":[");
    for (size_t i = 0; i < t->commune_count; i++) {
        if (i) buf_putc(out, ',');
        buf_append_json_string(out, t->communes[i], strlen(t->communes[i]));
    }
    buf_puts(out, "],\"quota\":");
    if (t->quota < 0)
        buf_puts(out, "null");
    else
        buf_printf(out, "%lld", (long long)t->quota);
    buf_printf(out, ",\"enrolled\":%lld}", (long long)enrolled);
}

void registry_site_json(const struct store_site *site, buf *out)
{
    buf_puts(out, "{\"id\":");
    buf_append_json_string(out, site->id, strlen(site->id));
    member(out, "territory", site->territory);
    member(out, "kind", site->kind);
    member(out, "name", site->name);
    member(out, "commune", site->commune);
    buf_putc(out, '}');
}

void registry_professional_json(const struct store_professional *p, buf *out)
{
    buf_puts(out, "{\"id\":");
    buf_append_json_string(out, p->id, strlen(p->id));
    member(out, "territory", p->territory);
    member(out, "name", p->name);
    member(out, "profession", p->profession);
    member(out, "rpps", p->rpps);
    member(out, "site", p->site);
    member(out, "username", p->username);
    buf_putc(out, '}');
}

void registry_enrolment_json(const struct store_enrolment *en, buf *out)
{
    char start[40], end[40] = "";
    instant_format_utc(en->start_ms, start);
    if (en->end_ms != STORE_NO_TIME) instant_format_utc(en->end_ms, end);
    buf_puts(out, "{\"patient\":");
    buf_append_json_string(out, en->patient, strlen(en->patient));
    member(out, "territory", en->territory);
    buf_puts(out, ",\"conditions\":[");
    for (size_t i = 0; i < en->condition_count; i++) {
        if (i) buf_putc(out, ',');
        buf_append_json_string(out, en->conditions[i], strlen(en->conditions[i]));
    }
    buf_puts(out, "],\"expected\":[");
    for (size_t i = 0; i < en->expected_count; i++)
        buf_printf(out, "%s{\"kind\":\"%s\",\"per_day\":%g}", i ? "," : "", en->expected[i].kind,
                   en->expected[i].per_day);
    buf_putc(out, ']');
    member(out, "start", start);
    member(out, "end", end);
    member(out, "enrolled_by", en->created_by);
    buf_putc(out, '}');
}
