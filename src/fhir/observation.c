/* Observation -> one normalised measurement in Vigie's canonical unit (DESIGN.md §5). */
#include "fhir/fhir_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
    [OBS_REGISTERED] = "registered", [OBS_PRELIMINARY] = "preliminary",
    [OBS_FINAL] = "final",           [OBS_AMENDED] = "amended",
    [OBS_CORRECTED] = "corrected",   [OBS_CANCELLED] = "cancelled",
    [OBS_ENTERED_IN_ERROR] = "entered-in-error", [OBS_UNKNOWN] = "unknown",
};

const char *fhir_obs_status_name(enum fhir_obs_status status)
{
    return status_names[status];
}

/* A withdrawn or cancelled Observation is kept for the record and never triaged, so its
 * content is read leniently: it must not be refused for a value it only reports. */
static bool status_withdrawn(enum fhir_obs_status s)
{
    return s == OBS_CANCELLED || s == OBS_ENTERED_IN_ERROR;
}

/* Finds the first coding of `concept` that Vigie knows. */
static const struct measure_code *concept_lookup(json_t *concept, const char **system_out,
                                                 const char **code_out)
{
    size_t i;
    json_t *coding;
    const char *first_system = NULL, *first_code = NULL;
    json_array_foreach(json_object_get(concept, "coding"), i, coding)
    {
        const char *system = json_string_value(json_object_get(coding, "system"));
        const char *code = json_string_value(json_object_get(coding, "code"));
        if (!code) continue;
        if (!first_code) {
            first_system = system;
            first_code = code;
        }
        if (!system) continue;
        const struct measure_code *mc =
            measure_code_lookup(system, strlen(system), code, strlen(code));
        if (mc) {
            *system_out = system;
            *code_out = code;
            return mc;
        }
    }
    *system_out = first_system;
    *code_out = first_code;
    return NULL;
}

/* Reads a Quantity at `expression` and converts it to the kind's canonical unit. Returns 0,
 * 1 when absent, -1 on error (issue added unless `lenient`). */
static int read_quantity(json_t *holder, const char *member, const char *expression,
                         enum measure_kind kind, enum measure_part part, bool lenient,
                         double *out, struct fhir_outcome *oo)
{
    json_t *q = json_object_get(holder, member);
    if (!q) return 1;
    char expr[200];
    if (!json_is_object(q)) {
        if (lenient) return -1;
        return fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", expression,
                                "%s must be a Quantity object", expression);
    }
    json_t *value = json_object_get(q, "value");
    snprintf(expr, sizeof expr, "%s.value", expression);
    if (!value) {
        if (lenient) return -1;
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expr, "%s is missing", expr);
    }
    if (!json_is_number(value)) {
        if (lenient) return -1;
        return fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", expr, "%s must be a number",
                                expr);
    }
    double v = json_number_value(value);
    const char *system = json_string_value(json_object_get(q, "system"));
    const char *code = json_string_value(json_object_get(q, "code"));
    const char *unit_text = json_string_value(json_object_get(q, "unit"));
    const char *ucum = NULL;
    snprintf(expr, sizeof expr, "%s.code", expression);
    if (code) {
        if (system && strcmp(system, MEASURE_SYSTEM_UCUM) != 0) {
            if (lenient) return -1;
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "code-invalid", expr,
                                    "%s: unit system '%.60s' is not UCUM (%s)", expr, system,
                                    MEASURE_SYSTEM_UCUM);
        }
        ucum = code;
    } else if (unit_text) {
        if (measure_unit_from_text(kind, unit_text, strlen(unit_text), &ucum) < 0) {
            if (lenient) return -1;
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "code-invalid", expr,
                                    "%s: unit '%.40s' is not recognised for %s; give a UCUM code "
                                    "(%s)",
                                    expr, unit_text, measure_info(kind)->label,
                                    measure_units_accepted(kind));
        }
    } else {
        if (lenient) return -1;
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expr,
                                "%s: the unit is missing; %s needs a UCUM unit (%s)", expr,
                                measure_info(kind)->label, measure_units_accepted(kind));
    }
    verr e;
    double canonical;
    if (measure_to_canonical(kind, ucum, strlen(ucum), v, &canonical, &e) < 0) {
        if (lenient) return -1;
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "code-invalid", expr, "%s: %s", expr, e.msg);
    }
    snprintf(expr, sizeof expr, "%s.value", expression);
    if (!lenient && measure_check_range(kind, part, canonical, &e) < 0)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expr, "%s: %s", expr, e.msg);
    *out = canonical;
    return 0;
}

static bool has_value_x(json_t *obj)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (strncmp(key, "value", 5) == 0 && key[5] >= 'A' && key[5] <= 'Z') return true;
    }
    return false;
}

/* Blood-pressure panel: systolic and diastolic from the components. */
static int read_bp_components(json_t *res, bool lenient, struct fhir_observation *out,
                              struct fhir_outcome *oo)
{
    size_t i;
    json_t *comp;
    char expr[160];
    json_array_foreach(json_object_get(res, "component"), i, comp)
    {
        const char *system, *code;
        const struct measure_code *mc =
            concept_lookup(json_object_get(comp, "code"), &system, &code);
        if (!mc || mc->kind != MEASURE_BLOOD_PRESSURE) continue;
        snprintf(expr, sizeof expr, "Observation.component[%zu].valueQuantity", i);
        double v;
        int rc = read_quantity(comp, "valueQuantity", expr, MEASURE_BLOOD_PRESSURE, mc->part,
                               lenient, &v, oo);
        if (rc < 0) {
            if (lenient) continue;
            return -1;
        }
        if (rc == 1) {
            if (!json_object_get(comp, "dataAbsentReason") && has_value_x(comp) && !lenient) {
                snprintf(expr, sizeof expr, "Observation.component[%zu].value[x]", i);
                return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expr,
                                        "%s: blood pressure needs valueQuantity", expr);
            }
            continue;
        }
        if (mc->part == PART_SYSTOLIC) {
            out->value = v;
            out->has_value = true;
        } else if (mc->part == PART_DIASTOLIC) {
            out->value2 = v;
            out->has_value2 = true;
        }
    }
    return 0;
}

/* The immobility component of a fall: coded urn:vigie:measure|immobile-after-fall, or a
 * component whose code is text alone. */
static int read_fall_components(json_t *res, bool lenient, struct fhir_observation *out,
                                struct fhir_outcome *oo)
{
    size_t i;
    json_t *comp;
    json_array_foreach(json_object_get(res, "component"), i, comp)
    {
        json_t *code = json_object_get(comp, "code");
        json_t *codings = json_object_get(code, "coding");
        bool match = false;
        size_t k;
        json_t *coding;
        json_array_foreach(codings, k, coding)
        {
            const char *system = json_string_value(json_object_get(coding, "system"));
            const char *c = json_string_value(json_object_get(coding, "code"));
            if (system && c && !strcmp(system, MEASURE_SYSTEM_VIGIE) &&
                !strcmp(c, "immobile-after-fall"))
                match = true;
        }
        if (!match && json_array_size(codings) == 0 && json_is_string(json_object_get(code, "text")))
            match = true;
        if (!match) continue;
        char expr[160];
        snprintf(expr, sizeof expr, "Observation.component[%zu].valueQuantity", i);
        double v;
        int rc = read_quantity(comp, "valueQuantity", expr, MEASURE_FALL, PART_VALUE, lenient, &v,
                               oo);
        if (rc < 0 && !lenient) return -1;
        if (rc == 0) {
            out->value2 = v;
            out->has_value2 = true;
        }
    }
    return 0;
}

static int read_value(json_t *res, const struct measure_code *mc, bool lenient,
                      struct fhir_observation *out, struct fhir_outcome *oo)
{
    enum measure_kind kind = mc->kind;
    const char *label = measure_info(kind)->label;
    bool absent = json_object_get(res, "dataAbsentReason") != NULL;

    if (kind == MEASURE_BLOOD_PRESSURE && mc->part == PART_PANEL) {
        if (read_bp_components(res, lenient, out, oo) < 0) return -1;
        if (!out->has_value && !out->has_value2 && !absent && !lenient) {
            bool any_absent = false;
            size_t i;
            json_t *comp;
            json_array_foreach(json_object_get(res, "component"), i, comp)
            {
                if (json_object_get(comp, "dataAbsentReason")) any_absent = true;
            }
            if (!any_absent)
                return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Observation.component",
                                        "Observation.component: a blood pressure panel needs a "
                                        "systolic (LOINC 8480-6) or diastolic (8462-4) "
                                        "component with valueQuantity");
        }
    } else if (kind == MEASURE_CONSCIOUSNESS) {
        json_t *cc = json_object_get(res, "valueCodeableConcept");
        int level = -1;
        if (cc) {
            size_t i;
            json_t *coding;
            json_array_foreach(json_object_get(cc, "coding"), i, coding)
            {
                const char *c = json_string_value(json_object_get(coding, "code"));
                if (c && level < 0) level = measure_acvpu_from_text(c, strlen(c));
            }
            const char *text = json_string_value(json_object_get(cc, "text"));
            if (level < 0 && text) level = measure_acvpu_from_text(text, strlen(text));
        }
        if (level >= 0) {
            out->value = level;
            out->has_value = true;
        } else if (!absent && !lenient) {
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", "Observation.valueCodeableConcept",
                                    "Observation.valueCodeableConcept: consciousness needs a code "
                                    "or text A, C, V, P or U (ACVPU)");
        }
    } else if (kind == MEASURE_FALL) {
        json_t *b = json_object_get(res, "valueBoolean");
        if (b && !json_is_boolean(b) && !lenient)
            return fhir_outcome_add(oo, FHIR_ERROR, 400, "structure", "Observation.valueBoolean",
                                    "Observation.valueBoolean must be true or false");
        /* A "Fall" observation without a value reports a fall: safer to assume it happened. */
        out->value = (b && json_is_false(b)) ? 0 : 1;
        out->has_value = true;
        if (read_fall_components(res, lenient, out, oo) < 0) return -1;
    } else {
        enum measure_part part = mc->part;
        double v;
        int rc = read_quantity(res, "valueQuantity", "Observation.valueQuantity", kind, part,
                               lenient, &v, oo);
        if (rc < 0) return lenient ? 0 : -1;
        if (rc == 0) {
            if (part == PART_DIASTOLIC) {
                out->value2 = v;
                out->has_value2 = true;
            } else {
                out->value = v;
                out->has_value = true;
            }
        } else if (!absent && !lenient) {
            if (has_value_x(res))
                return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", "Observation.value[x]",
                                        "Observation.value[x]: %s needs valueQuantity", label);
            return fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Observation.valueQuantity",
                                    "Observation.valueQuantity is missing (or give a "
                                    "dataAbsentReason)");
        }
    }
    if (!lenient && out->has_value && out->has_value2 && kind == MEASURE_BLOOD_PRESSURE &&
        out->value2 >= out->value)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "value", "Observation.component",
                                "Observation.component: diastolic %g mm[Hg] is not below systolic "
                                "%g mm[Hg]; the values are impossible (swapped?)",
                                out->value2, out->value);
    return 0;
}

int fhir_observation_parse(json_t *res, const struct fhir_limits *limits,
                           struct fhir_observation *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    out->value = out->value2 = NAN;
    bool bad = false;
    size_t errors_before = oo->count;

    out->id = fhir_get_string(res, "id", "Observation.id", oo, &bad);
    if (out->id && !fhir_id_valid(out->id))
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", "Observation.id",
                         "Observation.id '%.70s' is not a valid id (1-64 of A-Z a-z 0-9 - .)",
                         out->id);

    const char *status = fhir_get_string(res, "status", "Observation.status", oo, &bad);
    if (!status && !bad) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "Observation.status",
                         "Observation.status is missing (final, preliminary, amended, "
                         "cancelled, entered-in-error...)");
    } else if (status) {
        size_t i;
        for (i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
            if (!strcmp(status, status_names[i])) break;
        if (i == sizeof status_names / sizeof status_names[0])
            fhir_outcome_add(oo, FHIR_ERROR, 400, "value", "Observation.status",
                             "Observation.status '%.40s' is not an observation status", status);
        else
            out->status = (enum fhir_obs_status)i;
    }
    bool lenient = status_withdrawn(out->status);

    int rc = fhir_read_patient_ref(res, "subject", "Observation.subject", &out->subject, oo);
    if (rc == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Observation.subject",
                         "Observation.subject is missing: Vigie needs the Patient it is about");

    json_t *idents = fhir_get_array(res, "identifier", "Observation.identifier", oo, &bad);
    if (idents && json_array_size(idents) > 0) {
        json_t *first = json_array_get(idents, 0);
        out->ident_system = json_string_value(json_object_get(first, "system"));
        out->ident_value = json_string_value(json_object_get(first, "value"));
        if (!out->ident_value) out->ident_system = NULL;
        if (out->ident_value && !out->ident_system) out->ident_system = "";
    }

    json_t *code = fhir_get_object(res, "code", "Observation.code", oo, &bad);
    const struct measure_code *mc = NULL;
    if (!code && !bad) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "Observation.code",
                         "Observation.code is missing");
    } else if (code) {
        mc = concept_lookup(code, &out->code_system, &out->code);
        if (!out->code) {
            out->code = json_string_value(json_object_get(code, "text"));
            if (!out->code)
                fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "Observation.code",
                                 "Observation.code has neither a coding with a code nor a text");
        }
    }
    out->kind = mc ? mc->kind : MEASURE_NONE;

    int have = fhir_read_datetime(res, "effectiveDateTime", "Observation.effectiveDateTime",
                                  limits, &out->effective_ms, &out->precision, oo);
    if (have == 1)
        have = fhir_read_datetime(res, "effectiveInstant", "Observation.effectiveInstant", limits,
                                  &out->effective_ms, &out->precision, oo);
    if (have == 1) {
        json_t *period =
            fhir_get_object(res, "effectivePeriod", "Observation.effectivePeriod", oo, &bad);
        if (period) {
            have = fhir_read_datetime(period, "start", "Observation.effectivePeriod.start", limits,
                                      &out->effective_ms, &out->precision, oo);
            if (have == 1)
                have = fhir_read_datetime(period, "end", "Observation.effectivePeriod.end",
                                          limits, &out->effective_ms, &out->precision, oo);
        }
    }
    out->has_effective = have == 0;
    if (have == 1 && !lenient)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Observation.effective[x]",
                         "Observation.effective[x] is missing: give effectiveDateTime (or "
                         "effectivePeriod.start) with a time zone");

    if (mc && read_value(res, mc, lenient, out, oo) < 0) bad = true;

    if (bad || oo->count > errors_before) {
        for (size_t i = errors_before; i < oo->count; i++)
            if (oo->issues[i].severity <= FHIR_ERROR) return -1;
        if (bad) return -1;
    }

    out->triage = true;
    if (lenient) {
        out->triage = false;
        out->note = out->status == OBS_CANCELLED ? "status cancelled: stored, not triaged"
                                                 : "status entered-in-error: stored, not "
                                                   "triaged; withdraws what the original raised";
    } else if (out->kind == MEASURE_NONE) {
        out->triage = false;
        out->note = "code not used by Vigie: stored, not triaged";
    } else if (!out->has_value && !out->has_value2) {
        out->triage = false;
        out->note = "no value (dataAbsentReason): stored, not triaged";
    } else if (out->kind == MEASURE_FALL && out->value == 0) {
        out->triage = false;
        out->note = "valueBoolean false (no fall): stored, not triaged";
    }
    return 0;
}
