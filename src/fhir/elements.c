/* Readers for FHIR data types shared by several resources: strings, dateTimes, References,
 * CodeableConcepts. */
#include "fhir/fhir_int.h"

#include <string.h>

const char *fhir_get_string(json_t *obj, const char *member, const char *expression,
                            struct fhir_outcome *oo, bool *bad)
{
    json_t *v = json_object_get(obj, member);
    if (!v) return NULL;
    if (!json_is_string(v)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", expression, "%s must be a string",
                         expression);
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

json_t *fhir_get_array(json_t *obj, const char *member, const char *expression,
                       struct fhir_outcome *oo, bool *bad)
{
    json_t *v = json_object_get(obj, member);
    if (!v) return NULL;
    if (!json_is_array(v)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", expression, "%s must be an array",
                         expression);
        *bad = true;
        return NULL;
    }
    return v;
}

json_t *fhir_get_object(json_t *obj, const char *member, const char *expression,
                        struct fhir_outcome *oo, bool *bad)
{
    json_t *v = json_object_get(obj, member);
    if (!v) return NULL;
    if (!json_is_object(v)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", expression, "%s must be an object",
                         expression);
        *bad = true;
        return NULL;
    }
    return v;
}

int fhir_read_datetime(json_t *obj, const char *member, const char *expression,
                       const struct fhir_limits *limits, int64_t *ms, enum instant_precision *prec,
                       struct fhir_outcome *oo)
{
    bool bad = false;
    const char *s = fhir_get_string(obj, member, expression, oo, &bad);
    if (bad) return -1;
    if (!s) return 1;
    verr e;
    if (instant_parse(s, strlen(s), ms, prec, &e) < 0)
        return fhir_outcome_add(oo, FHIR_ERROR, 400, "value", expression, "%s: %s", expression,
                                e.msg);
    if (limits && *ms > limits->now_ms + limits->future_tolerance_ms) {
        char now[40];
        instant_format_utc(limits->now_ms, now);
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expression,
                                "%s: %s is in the future (server time %s); check the device "
                                "clock",
                                expression, s, now);
    }
    return 0;
}

int fhir_read_patient_ref(json_t *obj, const char *member, const char *expression,
                          struct fhir_patient_ref *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    bool bad = false;
    char expr[160];
    json_t *ref = fhir_get_object(obj, member, expression, oo, &bad);
    if (bad) return -1;
    if (!ref) return 1;
    snprintf(expr, sizeof expr, "%s.reference", expression);
    const char *r = fhir_get_string(ref, "reference", expr, oo, &bad);
    if (bad) return -1;
    if (r) {
        if (strncmp(r, "urn:uuid:", 9) == 0) {
            out->id = r; /* resolved against the Bundle's fullUrls by the caller */
            return 0;
        }
        /* A versioned reference "Patient/23/_history/2" names Patient/23: it is stored in
         * that unversioned form (Vigie keeps the current Patient only). */
        const char *hist = strstr(r, "/_history/");
        if (hist) {
            json_object_set_new(ref, "reference", json_stringn(r, (size_t)(hist - r)));
            r = json_string_value(json_object_get(ref, "reference"));
        }
        const char *slash = strrchr(r, '/');
        const char *type_end = slash;
        const char *type_start = r;
        if (slash) {
            /* Absolute references: take the last two segments "Patient/<id>". */
            for (const char *p = slash - 1; p >= r; p--) {
                if (*p == '/') {
                    type_start = p + 1;
                    break;
                }
            }
        }
        if (!slash || (size_t)(type_end - type_start) != 7 ||
            strncmp(type_start, "Patient", 7) != 0)
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expr,
                                    "%s must reference a Patient (\"Patient/<id>\"), got '%.60s'",
                                    expr, r);
        if (!fhir_id_valid(slash + 1))
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expr,
                                    "%s: '%.60s' is not a valid Patient id", expr, slash + 1);
        out->id = slash + 1;
        return 0;
    }
    snprintf(expr, sizeof expr, "%s.identifier", expression);
    json_t *ident = fhir_get_object(ref, "identifier", expr, oo, &bad);
    if (bad) return -1;
    if (ident) {
        char e2[200];
        snprintf(e2, sizeof e2, "%s.value", expr);
        out->ident_value = fhir_get_string(ident, "value", e2, oo, &bad);
        snprintf(e2, sizeof e2, "%s.system", expr);
        out->ident_system = fhir_get_string(ident, "system", e2, oo, &bad);
        if (bad) return -1;
        if (!out->ident_value)
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expr,
                                    "%s needs a value to find the Patient", expr);
        if (!out->ident_system) out->ident_system = "";
        return 0;
    }
    return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expression,
                            "%s needs a reference (\"Patient/<id>\") or an identifier",
                            expression);
}

void fhir_concept_text(json_t *concept, buf *out)
{
    if (!json_is_object(concept)) return;
    const char *text = json_string_value(json_object_get(concept, "text"));
    if (text) {
        if (out->len) buf_putc(out, '\n');
        buf_puts(out, text);
        return;
    }
    size_t i;
    json_t *coding;
    json_array_foreach(json_object_get(concept, "coding"), i, coding)
    {
        const char *display = json_string_value(json_object_get(coding, "display"));
        if (display) {
            if (out->len) buf_putc(out, '\n');
            buf_puts(out, display);
            return;
        }
    }
}
