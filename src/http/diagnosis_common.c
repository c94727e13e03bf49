/* Shared by the territory diagnosis endpoints (api_diagnosis.c, api_rotations.c): the data
 * (503 naming the file and setting when it is missing), the registry territories a caller
 * sees as sets of communes, and request fields checked one by one, each refusal naming the
 * field: 400 for a wrong type or an unknown field, 422 for a value out of range. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct dataset_settings *http_diagnosis_settings(struct http_request *r)
{
    struct http_app *app = http_app_of(r);
    if (app->dataset) return dataset_settings_of(app->dataset);
    http_respond_error(r, 503, NULL, "territory data unavailable: this server has no diagnosis");
    return NULL;
}

const struct dataset_data *http_diagnosis_data(struct http_request *r)
{
    if (!http_diagnosis_settings(r)) return NULL;
    verr e;
    const struct dataset_data *data = dataset_data(http_app_of(r)->dataset, &e);
    if (!data) http_respond_error(r, 503, NULL, "%s", e.msg);
    return data;
}

/* ---- Territories of the registry ---------------------------------------------------------- */

struct territory_scan {
    struct http_request *r;
    const struct dataset_data *data;
    const char *only;
    struct http_territories *out;
    size_t cap, member_cap;
};

static int add_territory(void *arg, const struct store_territory *t)
{
    struct territory_scan *scan = arg;
    struct http_territories *out = scan->out;
    if (scan->only && strcmp(scan->only, t->id)) return 0;
    if (!auth_may_see_territory(http_principal(scan->r), t->id)) return 0;
    if (out->count == scan->cap) {
        scan->cap = scan->cap ? scan->cap * 2 : 16;
        out->list = xrealloc(out->list, scan->cap * sizeof *out->list);
    }
    struct store_territory *copy = &out->list[out->count++];
    *copy = *t;
    copy->communes = NULL;
    copy->commune_count = 0;
    const char *id = arena_strdup(&out->strings, t->id);
    for (size_t k = 0; k < t->commune_count; k++) {
        /* deserts_summarise wants communes of the data: the others are counted apart */
        if (communes_find(&scan->data->communes, t->communes[k]) < 0) {
            out->communes_unknown++;
            if (out->unknown_count < HTTP_UNKNOWN_COMMUNES_LISTED)
                out->unknown[out->unknown_count++] = arena_strdup(&out->strings, t->communes[k]);
            continue;
        }
        if (out->member_count == scan->member_cap) {
            scan->member_cap = scan->member_cap ? scan->member_cap * 2 : 256;
            out->members = xrealloc(out->members, scan->member_cap * sizeof *out->members);
        }
        out->members[out->member_count++] =
            (struct deserts_membership){id, arena_strdup(&out->strings, t->communes[k])};
    }
    return 0;
}

bool http_diagnosis_territories(struct http_request *r, const struct dataset_data *data,
                                const char *only, struct http_territories *out)
{
    memset(out, 0, sizeof *out);
    arena_init(&out->strings, 16 * 1024);
    store *s = http_reader(r);
    struct territory_scan scan = {.r = r, .data = data, .only = only, .out = out};
    verr e;
    if (!s || store_territory_each(s, add_territory, &scan, &e) < 0) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        http_territories_free(out);
        return false;
    }
    return true;
}

void http_territories_free(struct http_territories *t)
{
    free(t->list);
    free(t->members);
    arena_free(&t->strings);
    memset(t, 0, sizeof *t);
}

/* ---- Request fields ----------------------------------------------------------------------- */

bool http_json_fields_known(struct http_request *r, json_t *body, const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++) known = !strcmp(*a, key);
        if (known) continue;
        char list[300] = "";
        size_t n = 0;
        for (const char *const *a = allowed; *a && n < sizeof list; a++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *a);
        http_respond_error(r, 400, key, "unknown field '%.40s' (expected: %s)", key, list);
        return false;
    }
    return true;
}

bool http_json_number(struct http_request *r, json_t *obj, const char *field, double min,
                      double max, double *out)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) return true;
    if (!json_is_number(v)) {
        http_respond_error(r, 400, field, "%s must be a number", field);
        return false;
    }
    double x = json_number_value(v);
    if (!(x >= min && x <= max)) {
        http_respond_error(r, 422, field, "%s: %g is outside %g..%g", field, x, min, max);
        return false;
    }
    *out = x;
    return true;
}

bool http_json_integer(struct http_request *r, json_t *obj, const char *field, int64_t min,
                       int64_t max, int64_t *out)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) return true;
    if (!json_is_integer(v)) {
        http_respond_error(r, 400, field, "%s must be a whole number", field);
        return false;
    }
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) {
        http_respond_error(r, 422, field, "%s: %lld is outside %lld..%lld", field, (long long)x,
                           (long long)min, (long long)max);
        return false;
    }
    *out = x;
    return true;
}

bool http_json_choice(struct http_request *r, json_t *obj, const char *field,
                      const char *const *choices, const char **out)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) return true;
    const char *text = json_string_value(v);
    for (const char *const *c = choices; text && *c; c++)
        if (!strcmp(*c, text)) {
            *out = *c;
            return true;
        }
    char list[200] = "";
    size_t n = 0;
    for (const char *const *c = choices; *c && n < sizeof list; c++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *c);
    http_respond_error(r, json_is_string(v) ? 422 : 400, field, "%s must be one of %s", field,
                       list);
    return false;
}

bool http_json_strings(struct http_request *r, json_t *obj, const char *field, size_t max,
                       const char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) return true;
    if (!json_is_array(v)) {
        http_respond_error(r, 400, field, "%s must be a list of strings", field);
        return false;
    }
    if (json_array_size(v) > max) {
        http_respond_error(r, 413, field, "%s: at most %zu entries", field, max);
        return false;
    }
    *out = xmalloc((json_array_size(v) + 1) * sizeof **out);
    size_t k;
    json_t *item;
    json_array_foreach(v, k, item)
    {
        if (!json_is_string(item)) {
            free(*out);
            *out = NULL;
            char name[64];
            snprintf(name, sizeof name, "%s[%zu]", field, k);
            http_respond_error(r, 400, name, "%s must be a string", name);
            return false;
        }
        (*out)[k] = json_string_value(item);
    }
    *count = json_array_size(v);
    return true;
}

bool http_query_number(struct http_request *r, const char *name, double min, double max,
                       double *out)
{
    const char *text = http_query(r, name);
    if (!text) return true;
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(x)) {
        http_respond_error(r, 400, name, "%s: '%.40s' is not a number", name, text);
        return false;
    }
    if (!(x >= min && x <= max)) {
        http_respond_error(r, 422, name, "%s: %g is outside %g..%g", name, x, min, max);
        return false;
    }
    *out = x;
    return true;
}

bool http_date_days(struct http_request *r, const char *field, const char *text, int64_t *days)
{
    int64_t ms;
    enum instant_precision precision;
    verr e;
    if (instant_parse(text, strlen(text), &ms, &precision, &e) < 0 || precision != INSTANT_DAY) {
        http_respond_error(r, 400, field, "%s: '%.40s' is not a date YYYY-MM-DD", field, text);
        return false;
    }
    *days = ms / INSTANT_MS_PER_DAY;
    return true;
}
