/* Private to the triage module: per-patient state, the engine object, and the helpers the
 * rule families share (event building, suppression, thresholds). */
#ifndef VIGIE_TRIAGE_INT_H
#define VIGIE_TRIAGE_INT_H

#include "triage/triage.h"

#include <math.h>

/* Times held in the per-patient state are "stamps": seconds since 2000-01-01T00:00:00Z in 32
 * bits (until 2136), 0 meaning never. Seconds are ample for windows of minutes to days and
 * halve the state; events carry the input's exact millisecond time. Clinical times outside
 * [2000, 2100) are ignored. */
typedef uint32_t stamp_t;
#define STAMP_EPOCH_MS 946684800000LL
#define STAMP_LIMIT_MS 4102444800000LL /* 2100-01-01 */
#define STAMP_NEVER 0u
#define STAMP_FAR UINT32_MAX

static inline bool stamp_valid_ms(int64_t ms)
{
    return ms >= STAMP_EPOCH_MS + 1000 && ms < STAMP_LIMIT_MS;
}

/* Clamped into the representable range; times before 2000 give STAMP_NEVER. */
static inline stamp_t stamp_from_ms(int64_t ms)
{
    if (ms < STAMP_EPOCH_MS + 1000) return STAMP_NEVER;
    if (ms >= STAMP_LIMIT_MS) return (stamp_t)((STAMP_LIMIT_MS - STAMP_EPOCH_MS) / 1000);
    return (stamp_t)((ms - STAMP_EPOCH_MS) / 1000);
}

static inline int64_t stamp_to_ms(stamp_t s)
{
    return STAMP_EPOCH_MS + (int64_t)s * 1000;
}

/* UTC day number of a clinical time (days since 1970-01-01). */
static inline int32_t day_of_ms(int64_t ms)
{
    return (int32_t)(ms / INSTANT_MS_PER_DAY);
}

#define WEIGHT_DAYS 8  /* today and 7 days back: gain and trend windows up to 7 days */
#define SPO2_DAYS 10   /* today, yesterday and a baseline of up to 8 days before */
#define STEPS_DAYS 32  /* a run of up to 3 days and a baseline of up to 28 days */
#define DEDUP_SLOTS 8  /* fingerprints of the last signals, for duplicates */

enum patient_flags {
    PATIENT_EXPLICIT_EXPECTED = 1 << 0, /* expectations set at enrolment, not from conditions */
    PATIENT_HAS_OVERRIDES = 1 << 1,     /* thresholds in the engine's side table */
};

/* Everything the engine keeps about one patient. Fields are grouped by size so the struct
 * packs without holes; the budget is 512 bytes with the due-time array (static assert in
 * engine.c). A zeroed struct is a patient the engine knows nothing about. */
struct patient {
    /* NEWS2 parameters: latest reading by clinical time. */
    uint64_t slot_source[TRIAGE_NEWS2_PARAM_COUNT];
    /* Remembered for rules that combine signals over hours. */
    uint64_t glucose_low_source; /* last glucose below the level-1 threshold */
    uint64_t bp_high_source;     /* last blood pressure at or above the high thresholds */
    uint64_t red_flag_source;    /* last report with a red flag of hypertensive emergency */
    float slot_value[TRIAGE_NEWS2_PARAM_COUNT];
    stamp_t slot_stamp[TRIAGE_NEWS2_PARAM_COUNT];
    stamp_t glucose_low_stamp, bp_high_stamp, red_flag_stamp;
    /* Per kind: latest clinical time received, or when the kind became expected. */
    stamp_t watch[MEASURE_KIND_COUNT];
    /* Per rule: when it last notified, and at which category (alarm fatigue). */
    stamp_t fired_stamp[TRIAGE_RULE_COUNT];
    uint32_t dedup[DEDUP_SLOTS];
    /* Daily series for trends, each a ring ending at its *_day (UTC day number). */
    int32_t weight_day, spo2_day, steps_day;
    float weight_sum[WEIGHT_DAYS];
    float spo2_sum[SPO2_DAYS];
    uint16_t weight_count[WEIGHT_DAYS];
    uint16_t spo2_count[SPO2_DAYS];
    uint16_t steps[STEPS_DAYS]; /* the day's largest count, in tens of steps, + 1; 0: no data */
    uint16_t glucose_low_value; /* mg/dL */
    uint16_t bp_high_systolic, bp_high_diastolic; /* mm[Hg]; 0 when absent */
    uint16_t missing_alerted;   /* bit per kind: transmission.missing raised, no data since */
    uint8_t expect_period_h[MEASURE_KIND_COUNT]; /* expected every N hours; 0: not expected */
    uint8_t fired_category[TRIAGE_RULE_COUNT];
    uint8_t conditions; /* enum triage_condition_class bits */
    uint8_t flags;      /* enum patient_flags */
    uint8_t dedup_next;
    uint8_t red_flag_concept; /* lexicon concept of red_flag_source */
};

/* A coordinator's overrides and the thresholds they give, kept sorted by patient. */
struct override_entry {
    uint32_t patient;
    struct triage_overrides overrides;
    struct triage_thresholds merged;
};

/* A word or a punctuation mark of a report, after case and accent folding. */
struct text_token {
    uint32_t norm_start; /* in the engine's folded text */
    uint32_t norm_len;
    uint32_t src_start, src_end; /* bytes of the original text */
    bool stop;                   /* punctuation that ends a clause */
    char stop_char;
};

/* Patients' state lives in chunks of CHUNK_PATIENTS: growing never copies the state (no
 * transient doubling with a million patients) and allocates at most one chunk ahead. */
#define CHUNK_BITS 12
#define CHUNK_PATIENTS (1u << CHUNK_BITS)

struct chunk {
    struct patient patients[CHUNK_PATIENTS];
    /* Per patient: the earliest missing-transmission deadline, or STAMP_FAR; 0 means "to
     * compute at the next tick". Apart from the patients so a tick scans it quickly. */
    stamp_t due[CHUNK_PATIENTS];
};

struct triage_engine {
    struct triage_config cfg;
    struct chunk **chunks;
    uint32_t chunk_count, chunk_capacity;
    uint32_t count; /* highest patient index seen + 1 */
    stamp_t earliest_due; /* lower bound of due[]: a tick before it has nothing to do */
    struct override_entry *overrides;
    size_t override_count, override_capacity;
    buf reason; /* reason of the event being built */
    /* Report scanning scratch, reused across calls. */
    char *folded;
    size_t folded_capacity;
    struct text_token *tokens;
    size_t token_capacity;
    /* Lexicon phrases by first character (a-z, 0-9): offsets into phrase_order. */
    uint16_t phrase_first[37];
    uint16_t *phrase_order;
};

/* ---- engine.c: patients and events ---------------------------------------------------- */

/* The patient's state, growing the arrays as needed; NULL when the index is out of range. */
struct patient *patient_state(triage_engine *e, uint32_t patient);
/* The patient's missing-transmission deadline (the patient's state must exist). */
static inline stamp_t *patient_due(triage_engine *e, uint32_t patient)
{
    return &e->chunks[patient >> CHUNK_BITS]->due[patient & (CHUNK_PATIENTS - 1)];
}

/* ---- engine.c: events ---------------------------------------------------------------------- */

/* Starts an event: resets the reason and, for data older than the late horizon, marks it late
 * and begins the reason with how late it is. `data_time` false for rules fired by the clock
 * (missing transmission), which are never late. */
void event_begin(triage_engine *e, struct triage_event *ev, uint32_t patient,
                 enum triage_rule rule, int category, enum triage_nature nature, int64_t at_ms,
                 int64_t now_ms, bool data_time);
void event_add_source(struct triage_event *ev, uint64_t source);
/* Appends to the reason. A reason that would pass its limit stops growing: the event itself
 * is never lost. */
#define reason_printf(e, ...) ((void)buf_printf(&(e)->reason, __VA_ARGS__))
/* Appends up to `max` bytes of `text` as a quotation, cut at a character boundary. */
void reason_quote(triage_engine *e, const char *text, size_t n, size_t max);
/* Applies lateness and alarm-fatigue suppression, then hands the event to the sink. */
void event_fire(triage_engine *e, struct patient *ps, struct triage_event *ev,
                const struct triage_sink *sink);

/* Fingerprint of a report's or request's text for the duplicate filter. */
uint32_t text_fingerprint(int tag, const char *text, size_t n, int64_t at_ms);
/* Checks shared by reports and requests (patient index, time, clock catch-up, duplicate).
 * Returns the patient's state, or NULL with *rc set to the outcome to return. */
struct patient *text_signal_begin(triage_engine *e, uint32_t patient, int tag, const char *text,
                                  size_t n, int64_t at_ms, int64_t now_ms,
                                  const struct triage_sink *sink, int *rc);

/* Thresholds in force for a patient. */
const struct triage_thresholds *patient_thresholds(const triage_engine *e,
                                                   const struct patient *ps, uint32_t patient);
/* "72.4" with `decimals` digits, or as few as needed (0 or 1) when decimals < 0. */
const char *format_number(char out[32], double value, int decimals);
/* Rounds to 0.01 so that differences of stored readings compare as the chart reads them. */
static inline double round_hundredths(double v)
{
    return round(v * 100.0) / 100.0;
}

/* ---- config.c ------------------------------------------------------------------------------ */

/* Thresholds with overrides applied. */

/* ---- news2.c, acute.c, trends.c: rules on observations ---------------------------------- */

/* NEWS2 parameter fed by an observation, or -1. */
int news2_param_of(const struct triage_observation *obs);
void news2_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                const struct triage_observation *obs, int64_t now_ms,
                const struct triage_sink *sink);
void news2_forget(struct patient *ps, uint64_t source, const struct triage_observation *original);

void bp_rule(triage_engine *e, uint32_t patient, struct patient *ps,
             const struct triage_observation *obs, int64_t now_ms, const struct triage_sink *sink);
/* A report with a red flag of hypertensive emergency arrived: remember it and escalate a
 * recent high blood pressure. */
void bp_red_flag_report(triage_engine *e, uint32_t patient, struct patient *ps, int64_t at_ms,
                        uint64_t source, int concept, int64_t now_ms,
                        const struct triage_sink *sink);
void glucose_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                  const struct triage_observation *obs, int64_t now_ms,
                  const struct triage_sink *sink);
void fall_rule(triage_engine *e, uint32_t patient, struct patient *ps,
               const struct triage_observation *obs, int64_t now_ms,
               const struct triage_sink *sink);
void acute_forget(struct patient *ps, uint64_t source, const struct triage_observation *original);

/* True when a weight jumps implausibly from the last two days (someone else on the scale). */
bool weight_artefact(const triage_engine *e, const struct patient *ps,
                     const struct triage_observation *obs);
void weight_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                 const struct triage_observation *obs, int64_t now_ms,
                 const struct triage_sink *sink);
void spo2_drift_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                     const struct triage_observation *obs, int64_t now_ms,
                     const struct triage_sink *sink);
void activity_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                   const struct triage_observation *obs, int64_t now_ms,
                   const struct triage_sink *sink);
/* Removes a withdrawn reading from the daily series. */
void trends_forget(struct patient *ps, const struct triage_observation *original);

/* ---- transmission.c: conditions, expectations, missing transmission -------------------- */

/* Recomputes the patient's due time (and lowers e->earliest_due) after a change. */
void transmission_schedule(triage_engine *e, uint32_t patient, struct patient *ps);
/* Raises transmission.missing for each expected kind overdue at now_s. */
void transmission_check(triage_engine *e, uint32_t patient, struct patient *ps, stamp_t now_s,
                        const struct triage_sink *sink);
/* A reading of `kind` at clinical stamp s was received. */
void transmission_seen(triage_engine *e, uint32_t patient, struct patient *ps,
                       enum measure_kind kind, stamp_t s);
/* Marks the kinds overdue at `at` as already raised (restart). */
void transmission_mark_raised(triage_engine *e, uint32_t patient, struct patient *ps, stamp_t at);

/* ---- reports.c, lexicon.c -------------------------------------------------------------- */

void reports_init(triage_engine *e);
void reports_free(triage_engine *e);

struct lexicon_concept {
    const char *label;  /* words for the reason: "chest pain" */
    uint8_t category;   /* 1, 2, 3; 0 for phrases that only hide words ("prise de sang") */
    bool bp_red_flag;   /* a symptom that makes a high blood pressure an emergency */
};

struct lexicon_phrase {
    const char *words; /* folded words separated by one space; "x*" a prefix, "*" any word */
    uint8_t concept;
};

extern const struct lexicon_concept lexicon_concepts[];
extern const struct lexicon_phrase lexicon_phrases[];
extern const size_t lexicon_phrase_count;
/* Negation vocabulary, folded: NULL-terminated lists. */
extern const char *const lexicon_negation_before[]; /* "pas", "sans", "no", "denies" ... */
extern const char *const lexicon_negation_after[];  /* "absent", "denied", "free" ... */
extern const char *const lexicon_negation_answers[]; /* "non", "no", "none" closing a clause */
extern const char *const lexicon_scope_breakers[];  /* "mais", "but", "et", "and" ... */
extern const char *const lexicon_list_joiners[];    /* "ni", "ou", "or", "nor" */

#endif
