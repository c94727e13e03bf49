/* Triage engine (DESIGN.md §6): turns each patient's signals (normalised observations,
 * reports, requests, conditions) into events {category, nature, rule, reason, sources}.
 *
 * The engine is a plain single-threaded object: no globals, no wall clock, no randomness.
 * Every input carries `now_ms` (arrival time in the server, the stream clock offline), so
 * the same inputs in the same order give the same events. Patients are dense indices chosen
 * by the caller; their state is an array that grows as needed (see triage_engine_reserve).
 * Events go to a sink callback; a NULL sink discards them (state is still updated, which is
 * how the server rebuilds state at start-up). docs/triage.md gives every rule, threshold and
 * clinical source. */
#ifndef VIGIE_TRIAGE_H
#define VIGIE_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "fhir/fhir.h"
#include "model/measure.h"

/* ---- Rules and events -------------------------------------------------------------------- */

/* Stable rule ids of DESIGN.md §9, in this order. */
enum triage_rule {
    TRIAGE_RULE_NEWS2,
    TRIAGE_RULE_BP_HIGH,
    TRIAGE_RULE_GLUCOSE_LOW,
    TRIAGE_RULE_GLUCOSE_HIGH,
    TRIAGE_RULE_WEIGHT_GAIN,
    TRIAGE_RULE_SPO2_DRIFT,
    TRIAGE_RULE_FALL,
    TRIAGE_RULE_ACTIVITY_DECLINE,
    TRIAGE_RULE_TRANSMISSION_MISSING,
    TRIAGE_RULE_REPORT,
    TRIAGE_RULE_REQUEST,
    TRIAGE_RULE_COUNT
};

/* "news2", "bp.high", ... */
const char *triage_rule_id(enum triage_rule rule);
/* Rule from its id; -1 when unknown. */
int triage_rule_from_id(const char *id, size_t n);

enum triage_nature { TRIAGE_ACUTE, TRIAGE_CHRONIC };
const char *triage_nature_name(enum triage_nature nature); /* "acute" | "chronic" */

/* NEWS2 parameters, in the order of the RCP chart. */
enum triage_news2_param {
    TRIAGE_NEWS2_RESP_RATE,     /* /min */
    TRIAGE_NEWS2_SPO2,          /* % */
    TRIAGE_NEWS2_AIR_OR_OXYGEN, /* inhaled O2 flow, L/min: > 0 means on oxygen */
    TRIAGE_NEWS2_SYSTOLIC_BP,   /* mm[Hg] */
    TRIAGE_NEWS2_PULSE,         /* /min */
    TRIAGE_NEWS2_CONSCIOUSNESS, /* enum measure_acvpu */
    TRIAGE_NEWS2_TEMPERATURE,   /* Cel */
    TRIAGE_NEWS2_PARAM_COUNT
};

/* The measurement kind each parameter is read from, and its name in an event's "detail"
 * (the kind's API name: "respiratory_rate", "spo2", "o2_flow", "blood_pressure", ...). */
enum measure_kind triage_news2_param_kind(enum triage_news2_param param);

#define TRIAGE_MAX_SOURCES 8

struct triage_event {
    uint32_t patient;
    enum triage_rule rule;
    int category; /* 1 immediate, 2 urgent, 3 scheduled */
    enum triage_nature nature;
    const char *reason; /* words for a physician, with values and units; NUL-terminated */
    int64_t at_ms;      /* clinical time of the signal that fired (not the wall clock) */
    uint64_t sources[TRIAGE_MAX_SOURCES]; /* the caller's handles of the readings that fired */
    size_t source_count;
    bool has_score; /* NEWS2: score is the aggregate */
    int score;
    bool has_detail; /* NEWS2: sub-scores by parameter, -1 for a missing parameter */
    int8_t detail[TRIAGE_NEWS2_PARAM_COUNT];
    bool late;   /* clinical time older than the late horizon when it was received */
    bool notify; /* false: the same rule already notified within its suppression window, this
                    event attaches silently to the case; a more urgent category notifies */
};

/* Receives each event; `event` and its reason are valid only during the call. */
struct triage_sink {
    void (*emit)(void *ctx, const struct triage_event *event);
    void *ctx;
};

/* ---- Configuration ----------------------------------------------------------------------- */

/* Thresholds a coordinator may override per patient. Units are canonical (measure.h). */
struct triage_thresholds {
    int spo2_scale;                 /* 0: from conditions; 1 (target 94-98 %) or 2 (88-92 %) */
    double bp_systolic_high;        /* mm[Hg]; at or above: category 2 */
    double bp_diastolic_high;       /* mm[Hg]; at or above: category 2 */
    double glucose_level2_below;    /* mg/dL; below: category 1 */
    double glucose_level1_below;    /* mg/dL; below: category 3 (2 when repeated) */
    double glucose_high_above;      /* mg/dL; above: category 2 */
    double glucose_very_high_above; /* mg/dL; above: category 1 */
    double weight_gain_kg;          /* more than this over weight_gain_days: category 2 */
    double weight_trend_kg;         /* more than this over weight_trend_days: category 3 */
    double spo2_drift_points;       /* a drop of at least this many points: category 3 */
    double activity_sd;             /* steps below baseline mean - this many SD */
    int64_t missing_after_ms;       /* an expected measurement absent this long: category 3 */
};

/* Plausibility range of a kind: a value outside is an artefact and raises nothing. */
struct triage_range {
    double min, max;
};

struct triage_config {
    struct triage_thresholds thresholds;
    int64_t late_after_ms;    /* clinical time older than now - this: late data */
    int64_t news2_window_ms;  /* NEWS2 uses each parameter's latest value within this */
    int news2_urgent_score;   /* aggregate at or above: category 2 */
    int news2_immediate_score; /* aggregate at or above: category 1 */
    int news2_copd_scale;      /* SpO2 scale of COPD without a target (2, the rule) */
    int64_t bp_red_flag_window_ms; /* high BP and a red-flag complaint this close: category 1 */
    int64_t glucose_repeat_window_ms; /* two level-1 lows this close: category 2 */
    int weight_gain_days;     /* 1..7 */
    int weight_trend_days;    /* 1..7 */
    double weight_artefact_kg; /* a jump larger than this from the last 2 days: artefact */
    int spo2_baseline_days;   /* 2..8 */
    int spo2_min_baseline_days;
    int activity_baseline_days; /* 7..28 */
    int activity_min_baseline_days;
    int activity_run_days;    /* 1..3 */
    double activity_min_sd_fraction; /* SD is at least this fraction of the mean */
    int64_t fall_long_lie_ms; /* immobility after a fall at least this long: category 1 */
    int64_t suppress_ms[TRIAGE_RULE_COUNT]; /* per rule; 0 disables suppression */
    struct triage_range plausible[MEASURE_KIND_COUNT]; /* blood pressure: systolic */
    struct triage_range plausible_diastolic;
};

/* Fills the documented defaults. */
void triage_config_defaults(struct triage_config *cfg);
/* Reads the keys under [triage], [triage.news2], ... (docs/triage.md); absent keys keep
 * their defaults. Fails naming the key on a malformed or out-of-range value. */
int triage_config_load(config *c, struct triage_config *out, verr *e);

/* A coordinator's per-patient overrides (PUT /api/patients/{id}/thresholds). */
struct triage_overrides {
    uint32_t set; /* bit (1 << TRIAGE_OVERRIDE_x) for each field given */
    struct triage_thresholds values;
};

enum triage_override_field {
    TRIAGE_OVERRIDE_SPO2_TARGET,
    TRIAGE_OVERRIDE_BP_SYSTOLIC_HIGH,
    TRIAGE_OVERRIDE_BP_DIASTOLIC_HIGH,
    TRIAGE_OVERRIDE_GLUCOSE_LEVEL2_BELOW,
    TRIAGE_OVERRIDE_GLUCOSE_LEVEL1_BELOW,
    TRIAGE_OVERRIDE_GLUCOSE_HIGH_ABOVE,
    TRIAGE_OVERRIDE_GLUCOSE_VERY_HIGH_ABOVE,
    TRIAGE_OVERRIDE_WEIGHT_GAIN_KG,
    TRIAGE_OVERRIDE_WEIGHT_TREND_KG,
    TRIAGE_OVERRIDE_SPO2_DRIFT_POINTS,
    TRIAGE_OVERRIDE_ACTIVITY_SD,
    TRIAGE_OVERRIDE_MISSING_AFTER,
    TRIAGE_OVERRIDE_COUNT
};

/* Parses and validates a JSON object such as {"spo2_target": "88-92", "weight_gain_kg": 1.5,
 * "missing_after": "72h"}: keys of docs/triage.md, each within its clinical range; null or an
 * absent key keeps the default. The whole object replaces the patient's previous overrides.
 * Fails naming the key and the accepted range. */
int triage_overrides_parse(const char *json, size_t n, struct triage_overrides *out, verr *e);
/* Applies the fields set in `ov` to `th` (defaults -> thresholds in force). */
void triage_thresholds_apply(struct triage_thresholds *th, const struct triage_overrides *ov);
/* Writes overrides back as that JSON object (only the fields set). */
int triage_overrides_to_json(const struct triage_overrides *ov, buf *out);

/* ---- Engine ------------------------------------------------------------------------------ */

typedef struct triage_engine triage_engine;

/* The configuration is copied. */
triage_engine *triage_engine_new(const struct triage_config *cfg);
void triage_engine_free(triage_engine *e);
/* Grows the state array for patients 0..count-1 at once (optional). */
void triage_engine_reserve(triage_engine *e, uint32_t count);

/* Patient indices must be below this (each patient's state is allocated up to its index). */
#define TRIAGE_MAX_PATIENTS (1u << 28)

/* What an input did (>= 0), or TRIAGE_EINVAL (< 0) for a patient index out of range. */
enum triage_outcome {
    TRIAGE_USED = 0,       /* entered the state; rules ran */
    TRIAGE_DUPLICATE = 1,  /* same kind, time and value (or text) as a recent signal */
    TRIAGE_ARTEFACT = 2,   /* outside the kind's plausibility range: raises nothing */
    TRIAGE_IGNORED = 3,    /* cancelled, no value, a kind or time triage does not use */
    TRIAGE_WITHDRAWN = 4,  /* entered-in-error: forgotten (see triage_withdraw) */
    TRIAGE_EINVAL = -1,
};

/* An observation normalised by the FHIR layer (canonical units). */
struct triage_observation {
    enum measure_kind kind;
    double value;  /* see measure.h; NaN when absent */
    double value2; /* blood pressure diastolic, fall immobility seconds; NaN when absent */
    int64_t at_ms; /* clinical time */
    enum fhir_obs_status status;
    uint64_t source; /* the caller's handle, copied into events; 0 means "no handle" */
};

int triage_observe(triage_engine *e, uint32_t patient, const struct triage_observation *obs,
                   int64_t now_ms, const struct triage_sink *sink);

/* A subjective report (Communication): red-flag words in French or English, negation
 * handled, raise category 1 or 2; other complaints 3. */
struct triage_report {
    enum fhir_sender_role sender;
    const char *text; /* UTF-8 */
    size_t text_len;
    int64_t at_ms; /* sent */
    uint64_t source;
};

int triage_report(triage_engine *e, uint32_t patient, const struct triage_report *report,
                  int64_t now_ms, const struct triage_sink *sink);

/* A tele-expertise request (ServiceRequest): category from the priority, raised by the
 * red flags of its text. */
struct triage_request {
    enum fhir_priority priority;
    const char *text;
    size_t text_len;
    int64_t at_ms; /* authoredOn */
    uint64_t source;
};

int triage_request(triage_engine *e, uint32_t patient, const struct triage_request *request,
                   int64_t now_ms, const struct triage_sink *sink);

/* Condition classes the engine draws on (bits of the value triage_condition returns). */
enum triage_condition_class {
    TRIAGE_COND_HYPERCAPNIC = 1 << 0,   /* hypercapnic respiratory failure: SpO2 scale 2 */
    TRIAGE_COND_HEART_FAILURE = 1 << 1, /* expects a daily weight */
    TRIAGE_COND_DIABETES = 1 << 2,      /* expects a daily glucose */
    TRIAGE_COND_HYPERTENSION = 1 << 3,  /* expects a daily blood pressure */
    TRIAGE_COND_COPD = 1 << 4,          /* daily SpO2; scale triage.news2.copd_scale */
};

/* The SpO2 scale (1 or 2) of a patient with these condition classes and no coordinator's
 * target: 2 for hypercapnic respiratory failure, the configured scale for COPD. */
int triage_spo2_scale(const struct triage_config *cfg, unsigned classes);

/* Class of one SNOMED CT code, 0 when triage does not use it. */
unsigned triage_condition_classify(const char *code, size_t n);
/* A Condition with these SNOMED CT codes became active (or not). Returns the classes it
 * touched (0: not used by triage). */
unsigned triage_condition(triage_engine *e, uint32_t patient, const char *const *codes,
                          size_t code_count, bool active, int64_t now_ms);

/* Measurements expected at enrolment; they replace those derived from conditions. */
struct triage_expected {
    enum measure_kind kind;
    double per_day; /* 0.1 (every 10 days) .. 24 */
};

/* Sets the patient's expected measurements (an empty list expects nothing). Fails on a kind
 * or frequency out of range, leaving the previous expectations. */
int triage_set_expected(triage_engine *e, uint32_t patient, const struct triage_expected *items,
                        size_t count, int64_t now_ms, verr *err);
/* Back to the expectations derived from conditions. */
void triage_clear_expected(triage_engine *e, uint32_t patient, int64_t now_ms);

/* Applies a coordinator's overrides (replacing earlier ones); NULL removes them. */
void triage_set_overrides(triage_engine *e, uint32_t patient, const struct triage_overrides *ov);
/* The thresholds in force for a patient (defaults with overrides applied). */
void triage_patient_thresholds(const triage_engine *e, uint32_t patient,
                               struct triage_thresholds *out);

/* An entered-in-error correction: forgets the reading identified by `source` (non-zero)
 * and, when `original` is given (its kind, value and time as first accepted), also by its
 * content, removing it from daily baselines. Suppression windows of the rules it fed are
 * cleared so that a genuine event notifies again. The caller marks stored events citing the
 * source as withdrawn. */
void triage_withdraw(triage_engine *e, uint32_t patient, uint64_t source,
                     const struct triage_observation *original);

/* Time-based rules (missing transmission) up to now_ms. Cheap when nothing is due. */
void triage_tick(triage_engine *e, int64_t now_ms, const struct triage_sink *sink);

/* Re-arms a rule's suppression window from a stored event (after rebuilding state at
 * start-up with events discarded), so a restart neither loses nor repeats events. */
void triage_mark_fired(triage_engine *e, uint32_t patient, enum triage_rule rule, int category,
                       int64_t at_ms);

/* Memory held by the engine. */
struct triage_memory {
    uint32_t patients;          /* highest index seen + 1 */
    size_t bytes_per_patient;   /* fixed per-patient state */
    size_t state_bytes;         /* per-patient arrays as allocated (capacity) */
    size_t override_bytes;      /* side table of per-patient overrides */
    size_t scratch_bytes;       /* text and reason buffers */
};
void triage_engine_memory(const triage_engine *e, struct triage_memory *out);

/* ---- NEWS2 ------------------------------------------------------------------------------- */

struct triage_news2 {
    int score;       /* aggregate of the parameters present */
    int8_t sub[TRIAGE_NEWS2_PARAM_COUNT]; /* -1 when missing */
    int missing;     /* number of missing parameters */
    bool any_three;  /* a single parameter scores 3 */
};

/* Scores a set (NaN for a missing parameter) on SpO2 scale 1 or 2, as the RCP 2017 chart.
 * A value between two chart bands (91.5 %) takes the more urgent band. A missing air/oxygen
 * parameter is scored as air. */
void triage_news2_score(const double values[TRIAGE_NEWS2_PARAM_COUNT], int scale,
                        struct triage_news2 *out);

/* ---- Event JSON (DESIGN.md §9) ----------------------------------------------------------- */

/* Text of a source handle ("Observation/o-123"); the string must stay valid until the next
 * call. Returning NULL leaves the source out. */
typedef const char *(*triage_source_text)(void *ctx, uint64_t source, size_t *len);

/* Appends one event as a JSON object (no newline): patient, category, nature, rule, reason,
 * at, sources, then score and detail for NEWS2. `patient_ref` is "Patient/p-001". */
int triage_event_to_json(const struct triage_event *ev, const char *patient_ref,
                         triage_source_text source_text, void *ctx, buf *out);

#endif
