#include "model/measure.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* Ranges are "impossible beyond", not clinical thresholds: a value outside them cannot be
 * a reading of a living patient (or is a unit error) and is refused at ingestion so the
 * sender can correct it. Improbable but possible values are accepted and left to triage. */
static const struct measure_info infos[MEASURE_KIND_COUNT] = {
    [MEASURE_NONE] = {MEASURE_NONE, "other", "other measurement", "", -INFINITY, INFINITY},
    [MEASURE_HEART_RATE] = {MEASURE_HEART_RATE, "heart_rate", "heart rate", "/min", 0, 350},
    [MEASURE_RESP_RATE] = {MEASURE_RESP_RATE, "respiratory_rate", "respiratory rate", "/min", 0,
                           90},
    [MEASURE_SPO2] = {MEASURE_SPO2, "spo2", "SpO2", "%", 0, 100},
    [MEASURE_TEMPERATURE] = {MEASURE_TEMPERATURE, "temperature", "body temperature", "Cel", 20,
                             46},
    [MEASURE_BLOOD_PRESSURE] = {MEASURE_BLOOD_PRESSURE, "blood_pressure", "blood pressure",
                                "mm[Hg]", 5, 320},
    [MEASURE_WEIGHT] = {MEASURE_WEIGHT, "weight", "body weight", "kg", 0.2, 650},
    [MEASURE_GLUCOSE] = {MEASURE_GLUCOSE, "glucose", "glucose", "mg/dL", 1, 3000},
    [MEASURE_STEPS] = {MEASURE_STEPS, "steps", "steps per day", "/d", 0, 200000},
    [MEASURE_O2_FLOW] = {MEASURE_O2_FLOW, "o2_flow", "inhaled O2 flow", "L/min", 0, 80},
    [MEASURE_CONSCIOUSNESS] = {MEASURE_CONSCIOUSNESS, "consciousness", "consciousness (ACVPU)",
                               "", 0, 4},
    [MEASURE_FALL] = {MEASURE_FALL, "fall", "fall", "s", 0, 30 * 86400.0},
};

static const struct measure_code codes[] = {
    {MEASURE_SYSTEM_LOINC, "8867-4", MEASURE_HEART_RATE, PART_VALUE, "Heart rate"},
    {MEASURE_SYSTEM_LOINC, "9279-1", MEASURE_RESP_RATE, PART_VALUE, "Respiratory rate"},
    {MEASURE_SYSTEM_LOINC, "59408-5", MEASURE_SPO2, PART_VALUE,
     "Oxygen saturation in Arterial blood by Pulse oximetry"},
    {MEASURE_SYSTEM_LOINC, "2708-6", MEASURE_SPO2, PART_VALUE,
     "Oxygen saturation in Arterial blood"},
    {MEASURE_SYSTEM_LOINC, "8310-5", MEASURE_TEMPERATURE, PART_VALUE, "Body temperature"},
    {MEASURE_SYSTEM_LOINC, "85354-9", MEASURE_BLOOD_PRESSURE, PART_PANEL,
     "Blood pressure panel with all children optional"},
    {MEASURE_SYSTEM_LOINC, "8480-6", MEASURE_BLOOD_PRESSURE, PART_SYSTOLIC,
     "Systolic blood pressure"},
    {MEASURE_SYSTEM_LOINC, "8462-4", MEASURE_BLOOD_PRESSURE, PART_DIASTOLIC,
     "Diastolic blood pressure"},
    {MEASURE_SYSTEM_LOINC, "29463-7", MEASURE_WEIGHT, PART_VALUE, "Body weight"},
    {MEASURE_SYSTEM_LOINC, "2339-0", MEASURE_GLUCOSE, PART_VALUE,
     "Glucose [Mass/volume] in Blood"},
    {MEASURE_SYSTEM_LOINC, "41653-7", MEASURE_GLUCOSE, PART_VALUE,
     "Glucose [Mass/volume] in Capillary blood by Glucometer"},
    {MEASURE_SYSTEM_LOINC, "15074-8", MEASURE_GLUCOSE, PART_VALUE,
     "Glucose [Moles/volume] in Blood"},
    {MEASURE_SYSTEM_LOINC, "14743-9", MEASURE_GLUCOSE, PART_VALUE,
     "Glucose [Moles/volume] in Capillary blood by Glucometer"},
    {MEASURE_SYSTEM_LOINC, "55423-8", MEASURE_STEPS, PART_VALUE,
     "Number of steps in unspecified time Pedometer"},
    {MEASURE_SYSTEM_LOINC, "3151-8", MEASURE_O2_FLOW, PART_VALUE, "Inhaled oxygen flow rate"},
    {MEASURE_SYSTEM_LOINC, "67775-7", MEASURE_CONSCIOUSNESS, PART_VALUE, "Level of responsiveness"},
    {MEASURE_SYSTEM_SNOMED, "1912002", MEASURE_FALL, PART_VALUE, "Fall"},
};

struct unit_rule {
    enum measure_kind kind;
    const char *ucum;
    double scale, offset; /* canonical = value * scale + offset */
};

/* 1 mmol/L of glucose (C6H12O6, 180.16 g/mol) = 18.016 mg/dL; 1 kPa = 7.50062 mmHg;
 * 1 lb (avoirdupois) = 0.45359237 kg exactly. */
static const struct unit_rule units[] = {
    {MEASURE_HEART_RATE, "/min", 1, 0},
    {MEASURE_HEART_RATE, "{beats}/min", 1, 0},
    {MEASURE_HEART_RATE, "{beat}/min", 1, 0},
    {MEASURE_HEART_RATE, "1/min", 1, 0},
    {MEASURE_RESP_RATE, "/min", 1, 0},
    {MEASURE_RESP_RATE, "{breaths}/min", 1, 0},
    {MEASURE_RESP_RATE, "{breath}/min", 1, 0},
    {MEASURE_RESP_RATE, "1/min", 1, 0},
    {MEASURE_SPO2, "%", 1, 0},
    {MEASURE_TEMPERATURE, "Cel", 1, 0},
    {MEASURE_TEMPERATURE, "[degF]", 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {MEASURE_BLOOD_PRESSURE, "mm[Hg]", 1, 0},
    {MEASURE_BLOOD_PRESSURE, "kPa", 7.50062, 0},
    {MEASURE_WEIGHT, "kg", 1, 0},
    {MEASURE_WEIGHT, "g", 0.001, 0},
    {MEASURE_WEIGHT, "[lb_av]", 0.45359237, 0},
    {MEASURE_GLUCOSE, "mg/dL", 1, 0},
    {MEASURE_GLUCOSE, "g/L", 100, 0},
    {MEASURE_GLUCOSE, "mmol/L", 18.016, 0},
    {MEASURE_STEPS, "/d", 1, 0},
    {MEASURE_STEPS, "{steps}/d", 1, 0},
    {MEASURE_STEPS, "{steps}", 1, 0},
    {MEASURE_STEPS, "1/d", 1, 0},
    {MEASURE_O2_FLOW, "L/min", 1, 0},
    {MEASURE_FALL, "s", 1, 0},
    {MEASURE_FALL, "min", 60, 0},
    {MEASURE_FALL, "h", 3600, 0},
};

/* Unit words seen in real devices' Quantity.unit when Quantity.code is absent. */
static const struct {
    enum measure_kind kind;
    const char *text;
    const char *ucum;
} unit_words[] = {
    {MEASURE_HEART_RATE, "beats/minute", "/min"}, {MEASURE_HEART_RATE, "bpm", "/min"},
    {MEASURE_HEART_RATE, "/min", "/min"},         {MEASURE_RESP_RATE, "breaths/minute", "/min"},
    {MEASURE_RESP_RATE, "/min", "/min"},          {MEASURE_SPO2, "%", "%"},
    {MEASURE_TEMPERATURE, "C", "Cel"},            {MEASURE_TEMPERATURE, "°C", "Cel"},
    {MEASURE_TEMPERATURE, "Cel", "Cel"},          {MEASURE_TEMPERATURE, "F", "[degF]"},
    {MEASURE_TEMPERATURE, "°F", "[degF]"},        {MEASURE_BLOOD_PRESSURE, "mmHg", "mm[Hg]"},
    {MEASURE_BLOOD_PRESSURE, "mm Hg", "mm[Hg]"},  {MEASURE_BLOOD_PRESSURE, "mm[Hg]", "mm[Hg]"},
    {MEASURE_BLOOD_PRESSURE, "kPa", "kPa"},       {MEASURE_WEIGHT, "kg", "kg"},
    {MEASURE_WEIGHT, "g", "g"},                   {MEASURE_WEIGHT, "lb", "[lb_av]"},
    {MEASURE_WEIGHT, "lbs", "[lb_av]"},           {MEASURE_GLUCOSE, "mg/dL", "mg/dL"},
    {MEASURE_GLUCOSE, "mg/dl", "mg/dL"},          {MEASURE_GLUCOSE, "g/L", "g/L"},
    {MEASURE_GLUCOSE, "g/l", "g/L"},              {MEASURE_GLUCOSE, "mmol/L", "mmol/L"},
    {MEASURE_GLUCOSE, "mmol/l", "mmol/L"},        {MEASURE_STEPS, "steps", "/d"},
    {MEASURE_STEPS, "steps/day", "/d"},           {MEASURE_O2_FLOW, "L/min", "L/min"},
    {MEASURE_O2_FLOW, "l/min", "L/min"},          {MEASURE_FALL, "s", "s"},
    {MEASURE_FALL, "min", "min"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct measure_info *measure_info(enum measure_kind kind)
{
    if ((unsigned)kind >= MEASURE_KIND_COUNT) kind = MEASURE_NONE;
    return &infos[kind];
}

static bool span_eq(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && memcmp(a, b, n) == 0;
}

enum measure_kind measure_kind_from_name(const char *name, size_t n)
{
    for (int k = 1; k < MEASURE_KIND_COUNT; k++)
        if (span_eq(name, n, infos[k].name)) return (enum measure_kind)k;
    return MEASURE_NONE;
}

const struct measure_code *measure_code_lookup(const char *system, size_t system_len,
                                               const char *code, size_t code_len)
{
    for (size_t i = 0; i < COUNT(codes); i++)
        if (span_eq(code, code_len, codes[i].code) &&
            span_eq(system, system_len, codes[i].system))
            return &codes[i];
    return NULL;
}

const struct measure_code *measure_code_for(enum measure_kind kind, enum measure_part part)
{
    for (size_t i = 0; i < COUNT(codes); i++)
        if (codes[i].kind == kind && codes[i].part == part) return &codes[i];
    return NULL;
}

const char *measure_units_accepted(enum measure_kind kind)
{
    switch (kind) {
    case MEASURE_HEART_RATE: return "/min";
    case MEASURE_RESP_RATE: return "/min";
    case MEASURE_SPO2: return "%";
    case MEASURE_TEMPERATURE: return "Cel or [degF]";
    case MEASURE_BLOOD_PRESSURE: return "mm[Hg] or kPa";
    case MEASURE_WEIGHT: return "kg, g or [lb_av]";
    case MEASURE_GLUCOSE: return "mg/dL, g/L or mmol/L";
    case MEASURE_STEPS: return "/d";
    case MEASURE_O2_FLOW: return "L/min";
    case MEASURE_FALL: return "s or min";
    default: return "none";
    }
}

int measure_to_canonical(enum measure_kind kind, const char *unit, size_t unit_len, double value,
                         double *canonical, verr *e)
{
    for (size_t i = 0; i < COUNT(units); i++) {
        if (units[i].kind == kind && span_eq(unit, unit_len, units[i].ucum)) {
            *canonical = value * units[i].scale + units[i].offset;
            return 0;
        }
    }
    return verr_fail(e, "unit '%.*s' is not accepted for %s (expected UCUM %s)",
                     (int)(unit_len > 40 ? 40 : unit_len), unit, infos[kind].label,
                     measure_units_accepted(kind));
}

int measure_unit_from_text(enum measure_kind kind, const char *text, size_t n,
                           const char **ucum_out)
{
    for (size_t i = 0; i < COUNT(unit_words); i++) {
        if (unit_words[i].kind == kind && span_eq(text, n, unit_words[i].text)) {
            *ucum_out = unit_words[i].ucum;
            return 0;
        }
    }
    return -1;
}

int measure_check_range(enum measure_kind kind, enum measure_part part, double v, verr *e)
{
    const struct measure_info *info = measure_info(kind);
    double min = info->min, max = info->max;
    const char *what = info->label;
    if (kind == MEASURE_BLOOD_PRESSURE) {
        if (part == PART_DIASTOLIC) {
            min = 5, max = 250, what = "diastolic blood pressure";
        } else {
            min = 20, max = 320, what = "systolic blood pressure";
        }
    }
    if (kind == MEASURE_FALL) what = "time without movement after the fall";
    if (!isfinite(v)) return verr_fail(e, "%s is not a finite number", what);
    if (v < min || v > max)
        return verr_fail(e, "%s %g %s is impossible (accepted range %g to %g %s)", what, v,
                         info->unit, min, max, info->unit);
    return 0;
}

int measure_acvpu_from_text(const char *text, size_t n)
{
    static const struct {
        const char *word;
        int level;
    } words[] = {
        {"A", ACVPU_A},
        {"C", ACVPU_C},
        {"V", ACVPU_V},
        {"P", ACVPU_P},
        {"U", ACVPU_U},
        {"alert", ACVPU_A},
        {"new confusion", ACVPU_C},
        {"confusion", ACVPU_C},
        {"confused", ACVPU_C},
        {"voice", ACVPU_V},
        {"responds to voice", ACVPU_V},
        {"pain", ACVPU_P},
        {"responds to pain", ACVPU_P},
        {"unresponsive", ACVPU_U},
    };
    for (size_t i = 0; i < COUNT(words); i++)
        if (strlen(words[i].word) == n && strncasecmp(text, words[i].word, n) == 0)
            return words[i].level;
    return -1;
}
