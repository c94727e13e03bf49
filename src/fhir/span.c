/* Locating resources inside received texts without re-serialising them, and putting the
 * server's id into a stored text on the way out. The texts were already validated by the
 * JSON parser, so the scanner only needs to follow the structure. */
#include "fhir/fhir.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return end;
}

/* Returns the first byte after the value starting at p. */
static const char *skip_value(const char *p, const char *end)
{
    p = skip_ws(p, end);
    if (p >= end) return end;
    if (*p == '"') return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = skip_string(p, end) - 1;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\r' && *p != '\t')
        p++;
    return p;
}

static bool key_is(const char *p, const char *end, const char *key)
{
    size_t n = strlen(key);
    return p + n + 2 <= end && p[0] == '"' && !memcmp(p + 1, key, n) && p[n + 1] == '"';
}

/* Calls on_member for each member of the object at p; returns the byte after it. */
typedef void (*member_fn)(void *arg, const char *key, const char *value, const char *value_end);

static const char *each_member(const char *p, const char *end, member_fn fn, void *arg)
{
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return skip_value(p, end);
    p++;
    while (p < end) {
        p = skip_ws(p, end);
        if (p < end && *p == '}') return p + 1;
        const char *key = p;
        p = skip_ws(skip_string(p, end), end);
        if (p < end && *p == ':') p++;
        const char *value = skip_ws(p, end);
        p = skip_value(value, end);
        fn(arg, key, value, p);
        p = skip_ws(p, end);
        if (p < end && *p == ',') p++;
    }
    return end;
}

struct span_state {
    const char *text;
    struct fhir_span *spans;
    size_t max, count;
};

static void entry_member(void *arg, const char *key, const char *value, const char *value_end)
{
    struct span_state *st = arg;
    if (st->count - 1 < st->max && key_is(key, value, "resource")) {
        st->spans[st->count - 1].offset = (size_t)(value - st->text);
        st->spans[st->count - 1].len = (size_t)(value_end - value);
    }
}

static void bundle_member(void *arg, const char *key, const char *value, const char *value_end)
{
    struct span_state *st = arg;
    if (value >= value_end || *value != '[' || !key_is(key, value, "entry")) return;
    const char *p = value + 1;
    while (p < value_end) {
        p = skip_ws(p, value_end);
        if (p >= value_end || *p == ']') break;
        st->count++;
        if (st->count <= st->max) st->spans[st->count - 1] = (struct fhir_span){0, 0};
        const char *entry = p;
        p = each_member(p, value_end, entry_member, st);
        p = skip_ws(p, value_end);
        if (p < value_end && *p == ',') p++;
        /* only text that is not JSON stands still here ("[}"): stop rather than loop */
        if (p == entry) break;
    }
}

int fhir_bundle_resource_spans(const char *text, size_t n, struct fhir_span *spans, size_t max)
{
    struct span_state st = {text, spans, max, 0};
    each_member(text, text + n, bundle_member, &st);
    return (int)st.count;
}

int fhir_resource_with_id(const char *text, size_t n, enum fhir_id_form form, const char *id,
                          buf *out)
{
    if (form == ID_IN_TEXT) return buf_append(out, text, n);
    if (form == ID_INSERT) {
        const char *end = text + n;
        const char *brace = skip_ws(text, end);
        if (brace >= end || *brace != '{') return buf_append(out, text, n);
        const char *next = skip_ws(brace + 1, end);
        int rc = buf_append(out, text, (size_t)(brace + 1 - text));
        rc |= buf_puts(out, "\"id\":");
        rc |= buf_append_json_string(out, id, strlen(id));
        if (next < end && *next != '}') rc |= buf_putc(out, ',');
        rc |= buf_append(out, brace + 1, (size_t)(end - brace - 1));
        return rc ? -1 : 0;
    }
    json_t *j = json_loadb(text, n, 0, NULL);
    if (!j) return buf_append(out, text, n);
    json_object_set_new(j, "id", json_string(id));
    char *dumped = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = dumped ? buf_puts(out, dumped) : -1;
    free(dumped);
    return rc;
}
