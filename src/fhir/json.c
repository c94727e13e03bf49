/* Strict JSON parsing for FHIR bodies, and small validators shared by the resources. */
#include "fhir/fhir.h"

#include <ctype.h>
#include <string.h>

static size_t json_depth(json_t *j, size_t limit)
{
    size_t deepest = 0;
    if (limit == 0) return 1;
    if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            size_t d = json_depth(v, limit - 1);
            if (d > deepest) deepest = d;
            if (deepest >= limit) break;
        }
        return deepest + 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            size_t d = json_depth(v, limit - 1);
            if (d > deepest) deepest = d;
            if (deepest >= limit) break;
        }
        return deepest + 1;
    }
    return 0;
}

json_t *fhir_json_parse(const char *text, size_t n, struct fhir_outcome *oo)
{
    json_error_t err;
    json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        const char *what = "malformed JSON";
        switch (json_error_code(&err)) {
        case json_error_invalid_utf8: what = "invalid UTF-8"; break;
        case json_error_duplicate_key: what = "duplicate key"; break;
        case json_error_premature_end_of_input: what = "JSON ends too early"; break;
        case json_error_wrong_type: what = "not a JSON object or array"; break;
        case json_error_item_not_found: break;
        default: break;
        }
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", NULL,
                         "%s at line %d, column %d: %s", what, err.line, err.column, err.text);
        return NULL;
    }
    if (json_depth(j, FHIR_MAX_DEPTH + 1) > FHIR_MAX_DEPTH) {
        json_decref(j);
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", NULL,
                         "JSON nested deeper than %d levels", FHIR_MAX_DEPTH);
        return NULL;
    }
    return j;
}

const char *fhir_resource_type(json_t *json, const char *type, struct fhir_outcome *oo)
{
    if (!json_is_object(json)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", NULL,
                         "a FHIR resource is a JSON object");
        return NULL;
    }
    json_t *rt = json_object_get(json, "resourceType");
    if (!rt) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "resourceType",
                         "resourceType is missing");
        return NULL;
    }
    if (!json_is_string(rt)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", "resourceType",
                         "resourceType must be a string");
        return NULL;
    }
    const char *s = json_string_value(rt);
    if (type && strcmp(s, type) != 0) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "invalid", "resourceType",
                         "resourceType is '%.60s' but this endpoint takes %s", s, type);
        return NULL;
    }
    return s;
}

bool fhir_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (!isalnum(c) && c != '-' && c != '.') return false;
        if (n >= FHIR_MAX_ID) return false;
    }
    return n > 0;
}
