/* Strict JSON parsing for FHIR bodies, and small validators shared by the resources. */
#include "fhir/fhir.h"

#include <ctype.h>
#include <string.h>

json_t *fhir_json_parse(const char *text, size_t n, struct fhir_outcome *oo)
{
    struct fhir_json_error err;
    json_t *j = fhir_json_load(text, n, FHIR_MAX_DEPTH, &err);
    if (j) return j;
    if (err.kind == FHIR_JSON_DEPTH) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", NULL,
                         "JSON nested deeper than %d levels (line %d, column %d)",
                         FHIR_MAX_DEPTH, err.line, err.column);
        return NULL;
    }
    static const char *const what[] = {
        [FHIR_JSON_OK] = "malformed JSON",        [FHIR_JSON_SYNTAX] = "malformed JSON",
        [FHIR_JSON_EOF] = "JSON ends too early",  [FHIR_JSON_UTF8] = "invalid UTF-8",
        [FHIR_JSON_DUPLICATE] = "duplicate key",  [FHIR_JSON_DEPTH] = "JSON nested too deep",
        [FHIR_JSON_TOP] = "malformed JSON",
    };
    fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", NULL, "%s at line %d, column %d: %s",
                     what[err.kind], err.line, err.column, err.text);
    return NULL;
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
