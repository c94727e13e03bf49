/* Measurement kinds Vigie triages (DESIGN.md §5): the codes that denote them, their
 * canonical unit, the other units accepted and the range outside which a value is
 * physically impossible (rejected at ingestion, not triaged). */
#ifndef VIGIE_MODEL_MEASURE_H
#define VIGIE_MODEL_MEASURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/verr.h"

enum measure_kind {
    MEASURE_NONE = 0, /* a code Vigie does not use: stored, not triaged */
    MEASURE_HEART_RATE,
    MEASURE_RESP_RATE,
    MEASURE_SPO2,
    MEASURE_TEMPERATURE,
    MEASURE_BLOOD_PRESSURE, /* value = systolic, value2 = diastolic (either may be absent) */
    MEASURE_WEIGHT,
    MEASURE_GLUCOSE,
    MEASURE_STEPS,
    MEASURE_O2_FLOW,
    MEASURE_CONSCIOUSNESS, /* value = enum measure_acvpu */
    MEASURE_FALL,          /* value = 1 (fall) or 0; value2 = seconds without movement after */
    MEASURE_KIND_COUNT
};

/* ACVPU scale (NEWS2): alert, new confusion, voice, pain, unresponsive. */
enum measure_acvpu { ACVPU_A = 0, ACVPU_C, ACVPU_V, ACVPU_P, ACVPU_U };

/* What a code stands for inside its kind. */
enum measure_part {
    PART_VALUE,     /* the Observation's own value */
    PART_PANEL,     /* a panel whose components carry the values (blood pressure) */
    PART_SYSTOLIC,  /* blood pressure systolic, alone or as a component */
    PART_DIASTOLIC, /* blood pressure diastolic, alone or as a component */
};

struct measure_info {
    enum measure_kind kind;
    const char *name;  /* stable API name: "heart_rate", "weight", ... */
    const char *label; /* words for a physician: "heart rate" */
    const char *unit;  /* canonical UCUM unit ("" when the value is a code) */
    double min, max;   /* physically possible range, canonical unit, inclusive */
};

struct measure_code {
    const char *system; /* "http://loinc.org" or "http://snomed.info/sct" */
    const char *code;
    enum measure_kind kind;
    enum measure_part part;
    const char *display;
};

#define MEASURE_SYSTEM_LOINC "http://loinc.org"
#define MEASURE_SYSTEM_SNOMED "http://snomed.info/sct"
#define MEASURE_SYSTEM_UCUM "http://unitsofmeasure.org"
#define MEASURE_SYSTEM_VIGIE "urn:vigie:measure"

const struct measure_info *measure_info(enum measure_kind kind);
/* Kind from its API name ("weight"), or MEASURE_NONE. */
enum measure_kind measure_kind_from_name(const char *name, size_t n);
/* Looks a coding up; NULL when Vigie does not use it. */
const struct measure_code *measure_code_lookup(const char *system, size_t system_len,
                                               const char *code, size_t code_len);
/* The first code accepted for a kind/part (for building resources). */
const struct measure_code *measure_code_for(enum measure_kind kind, enum measure_part part);

/* Converts `value` given in UCUM unit `unit` to the kind's canonical unit. For blood
 * pressure the same units apply to both parts; for falls it converts the immobility time.
 * Fails, naming the accepted units, when the unit is not one this kind accepts. */
int measure_to_canonical(enum measure_kind kind, const char *unit, size_t unit_len, double value,
                         double *canonical, verr *e);
/* Same, for human unit text ("beats/minute", "mmHg", "lbs") when a Quantity has no code. */
int measure_unit_from_text(enum measure_kind kind, const char *text, size_t n,
                           const char **ucum_out);
/* Checks a canonical value against the kind's possible range; the message says why. For
 * blood pressure pass part PART_SYSTOLIC or PART_DIASTOLIC. */
int measure_check_range(enum measure_kind kind, enum measure_part part, double canonical,
                        verr *e);
/* ACVPU from a code or text ("A", "alert", "new confusion"...); -1 when not recognised. */
int measure_acvpu_from_text(const char *text, size_t n);
/* The accepted units of a kind, for error messages ("kg, g, [lb_av]"). */
const char *measure_units_accepted(enum measure_kind kind);

#endif
