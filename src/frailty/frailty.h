/* Frailty screening: WHO ICOPE step 1 for people aged 60 and over. Six domains of intrinsic
 * capacity (cognition, mobility, nutrition, vision, hearing, mood) are entered as a FHIR
 * QuestionnaireResponse against the Questionnaire Vigie publishes (icope-step1); this module
 * writes that Questionnaire, validates responses, scores each domain, computes follow-up
 * dates, the decline since the previous screening, the text of the case to open, and the
 * territory's figures and worklist.
 *
 * Everything here is a pure function of its inputs (no store, no clock, no HTTP): the
 * caller passes "now" and the previous screening. Thresholds and their sources are in
 * docs/frailty.md.
 *
 * Dates of screenings are civil dates ("days": days since 1970-01-01, as
 * instant_days_from_civil), because follow-up is counted in calendar months. */
#ifndef VIGIE_FRAILTY_H
#define VIGIE_FRAILTY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "fhir/fhir.h"

/* ---- The Questionnaire ----------------------------------------------------------------- */

#define FRAILTY_QUESTIONNAIRE_ID "icope-step1"
/* Canonical URL: a URN, so that it is the same on every Vigie deployment whatever its
 * base URL. QuestionnaireResponse.questionnaire may also be "Questionnaire/icope-step1" or
 * any "<base>/Questionnaire/icope-step1", with an optional "|1.0.0". */
#define FRAILTY_QUESTIONNAIRE_URL     "urn:vigie:questionnaire:icope-step1"
#define FRAILTY_QUESTIONNAIRE_VERSION "1.0.0"

/* Writes the Questionnaire resource (FHIR R4 JSON, French texts with English translations
 * in the standard translation extension). Returns 0, or -1 when `out` is too small. */
int frailty_questionnaire_write(buf *out);

/* ---- Thresholds (WHO ICOPE Handbook 2019, step 1 screening tool; see docs/frailty.md) -- */

#define FRAILTY_MIN_AGE                60   /* years, at the screening date */
#define FRAILTY_RECALL_WORDS           3    /* cognition: positive below 3 words */
#define FRAILTY_CHAIR_RISE_MAX_SECONDS 14.0 /* mobility: positive above 14 s or unable */
#define FRAILTY_WEIGHT_LOSS_KG         3.0  /* nutrition: positive above 3 kg in 3 months */
/* Decline: a chair-rise time this much slower than the previous screening is reported as
 * worse (minimum detectable change, Goldberg et al. 2012). */
#define FRAILTY_CHAIR_RISE_CHANGE_SECONDS 2.5
/* Follow-up (project rule, issue 9): next screening in 6 months, 4 after a positive one. */
#define FRAILTY_MONTHS_AFTER_NEGATIVE 6
#define FRAILTY_MONTHS_AFTER_POSITIVE 4

enum frailty_domain {
    FRAILTY_COGNITION,
    FRAILTY_MOBILITY,
    FRAILTY_NUTRITION,
    FRAILTY_VISION,
    FRAILTY_HEARING,
    FRAILTY_MOOD,
};
#define FRAILTY_DOMAIN_COUNT 6
#define FRAILTY_BIT(domain)  (1u << (domain))

/* "cognition", "mobility", "nutrition", "vision", "hearing", "mood" (the group linkIds). */
const char *frailty_domain_name(enum frailty_domain domain);

/* ---- QuestionnaireResponse ------------------------------------------------------------- */

/* The answers of one screening, validated. */
struct frailty_answers {
    bool oriented_in_time;     /* cognition.orientation-time: gave the full date */
    bool oriented_in_place;    /* cognition.orientation-place */
    int words_recalled;        /* cognition.recall: 0..3 */
    bool chair_rise_completed; /* mobility.chair-rise-completed: 5 rises, arms not used */
    double chair_rise_seconds; /* mobility.chair-rise-seconds; NaN when not completed */
    bool weight_loss;          /* nutrition.weight-loss: > 3 kg in 3 months, reported */
    double weight_loss_kg;     /* nutrition.weight-loss-kg (optional); NaN when not given */
    bool appetite_loss;        /* nutrition.appetite-loss */
    bool vision_problems;      /* vision.eye-problems */
    bool whisper_right_heard;  /* hearing.whisper-right */
    bool whisper_left_heard;   /* hearing.whisper-left */
    bool feeling_down;         /* mood.feeling-down */
    bool little_interest;      /* mood.little-interest */
};

enum frailty_status { FRAILTY_COMPLETED, FRAILTY_AMENDED };

/* Strings point into the json_t parsed (valid while the caller holds it). */
struct frailty_response {
    const char *id; /* QuestionnaireResponse.id, or NULL */
    enum frailty_status status;
    struct fhir_patient_ref subject;
    int64_t authored_ms;
    int64_t authored_day; /* the civil date written in `authored` (its local date) */
    struct frailty_answers answers;
};

/* Validates a QuestionnaireResponse against icope-step1: resourceType, questionnaire,
 * status (completed or amended; in-progress, stopped and entered-in-error are refused),
 * subject, authored (at least a day; not after limits->now_ms + tolerance; `limits` may be
 * NULL for stored resources), and every item: known linkId in its group, one answer of the
 * right type within range, required items present, enableWhen respected.
 *
 * Issues name the item with a FHIRPath built on linkIds:
 *   QuestionnaireResponse.item.where(linkId='mobility').item.where(linkId='mobility.chair-rise-seconds')
 * with ".answer" (answer count) or ".answer[0]" (answer value) appended when the problem is
 * in the answer. An item whose linkId is unknown or misplaced is named by indices
 * (QuestionnaireResponse.item[2].item[0].linkId). Inconsistencies that do not prevent
 * scoring are warnings. Returns 0, or -1 with errors added to oo. */
int frailty_response_parse(json_t *res, const struct fhir_limits *limits,
                           struct frailty_response *out, struct fhir_outcome *oo);

/* The answers as a short canonical text ("t1p1r3c1s10.5w0k-a0e0R1L1d0i0"), for the
 * content identity that finds a screening sent twice (hash it with the patient, authored
 * and status, as the ingest does for other resources). */
void frailty_answers_identity(const struct frailty_answers *answers, char out[96]);

/* ---- Scoring --------------------------------------------------------------------------- */

/* Passed as birth_date_ms when the Patient has no birthDate (equals STORE_NO_TIME). */
#define FRAILTY_NO_BIRTH_DATE INT64_MIN

struct frailty_domain_result {
    bool positive;
    char reason[200]; /* in words with the values, positive or not */
};

/* Self-contained (no borrowed pointers): can be kept and compared later. */
struct frailty_result {
    int64_t screened_day;   /* civil date of the screening */
    int age_years;          /* at the screening date */
    unsigned positive_mask; /* FRAILTY_BIT(domain) for each positive domain */
    struct frailty_domain_result domains[FRAILTY_DOMAIN_COUNT];
    struct frailty_answers answers;
    int64_t next_due_day; /* frailty_next_due_day(screened_day, positive_mask) */
};

/* Age in full years on civil day `day` of someone born at birth_date_ms (a Patient's
 * birthDate as parsed: its first instant, UTC). */
int frailty_age_years(int64_t birth_date_ms, int64_t day);

/* Scores a validated response for a patient born at birth_date_ms (FRAILTY_NO_BIRTH_DATE
 * when unknown). Refuses, with an issue at QuestionnaireResponse.subject, a patient without
 * a birth date, born after the screening, or younger than FRAILTY_MIN_AGE. Returns 0, or -1
 * with the refusal in oo. */
int frailty_score(const struct frailty_response *response, int64_t birth_date_ms,
                  struct frailty_result *out, struct fhir_outcome *oo);

/* ---- Follow-up ------------------------------------------------------------------------- */

/* Civil day (UTC) of an instant. */
int64_t frailty_day_of(int64_t ms);
/* `day` plus `months` calendar months; a day that the target month lacks becomes its last
 * day (31 August + 6 months = 28 or 29 February). */
int64_t frailty_add_months(int64_t day, int months);
/* Due date of the next screening: 4 months after a positive screening (any domain), else 6. */
int64_t frailty_next_due_day(int64_t screened_day, unsigned positive_mask);
/* Days past the due date at now_ms (UTC civil day): > 0 when overdue, 0 on the due day,
 * negative before it. */
int64_t frailty_days_overdue(int64_t due_day, int64_t now_ms);
bool frailty_overdue(int64_t due_day, int64_t now_ms);

#define FRAILTY_MAX_WORSENED 12

/* What got worse since the previous screening. */
struct frailty_decline {
    bool has_previous;
    int64_t previous_day;    /* civil date of the previous screening */
    unsigned newly_positive; /* domains positive now, negative then */
    unsigned resolved;       /* domains negative now, positive then (shown, not a decline) */
    size_t worsened_count;   /* answers or measures that got worse, in words */
    char worsened[FRAILTY_MAX_WORSENED][120];
};

/* Compares `current` with `previous` (NULL: first screening, nothing to compare). Worse:
 * a domain newly positive; an orientation newly wrong; fewer words recalled; chair rises
 * newly impossible or slower by >= FRAILTY_CHAIR_RISE_CHANGE_SECONDS; a weight or appetite
 * loss, eye problem, whisper not heard or mood answer newly reported. */
void frailty_decline_compute(const struct frailty_result *previous,
                             const struct frailty_result *current, struct frailty_decline *out);
bool frailty_declined(const struct frailty_decline *decline);
/* "since 2025-09-04: newly positive: mobility; worse: chair rises 11 s -> 15.5 s (+4.5 s)",
 * or "since 2025-09-04: no decline". Nothing is written without a previous screening. */
int frailty_decline_text(const struct frailty_decline *decline, buf *out);

/* ---- Case ------------------------------------------------------------------------------ */

/* A screening with a positive domain opens a case of this category (3, scheduled), nature
 * chronic, with this rule id; the source is the QuestionnaireResponse. */
#define FRAILTY_CASE_CATEGORY 3
#define FRAILTY_CASE_NATURE   "chronic"
#define FRAILTY_RULE          "frailty"

bool frailty_needs_case(const struct frailty_result *result);
/* "frailty: domains mobility, nutrition — step 2 assessment" ("domain" when there is one).
 * Returns 0, or -1 when there is no positive domain (no case) or `out` is too small. */
int frailty_case_reason(const struct frailty_result *result, char *out, size_t n);
/* The reason followed by each positive domain's reason and the decline (decline may be
 * NULL): the words a physician reads in the case. */
int frailty_case_detail(const struct frailty_result *result, const struct frailty_decline *decline,
                        buf *out);

/* The result as JSON for the console and the POST answer:
 *   {"screened":"2026-03-04","age":78,"positive":["mobility"],"domains":{"cognition":
 *    {"positive":false,"reason":"..."},...},"next_due":"2026-07-04","case_reason":"...",
 *    "decline":{"since":"2025-09-04","newly_positive":[...],"resolved":[...],
 *    "worsened":[...]}}
 * "case_reason" only when a case is needed, "decline" only with a previous screening. */
int frailty_result_write_json(const struct frailty_result *result,
                              const struct frailty_decline *decline, buf *out);

/* The triage event (DESIGN.md §9 event JSON) for a screening that needs a case:
 *   {"patient":"Patient/p-001","category":3,"nature":"chronic","rule":"frailty",
 *    "reason":"frailty: domain mobility — step 2 assessment","at":"<authored, UTC>",
 *    "sources":["QuestionnaireResponse/qr-1"],"detail":<frailty_result_write_json>}
 * `patient_ref` and `source_ref` are references ("Patient/p-001"); at_ms is the response's
 * authored_ms (clinical time). Returns -1 when no case is needed or `out` is full. */
int frailty_event_write_json(const struct frailty_result *result,
                             const struct frailty_decline *decline, const char *patient_ref,
                             const char *source_ref, int64_t at_ms, buf *out);

/* ---- Territory figures and worklist ---------------------------------------------------- */

/* One stored screening: the caller lists a territory's screenings (any number per patient,
 * in any order; the latest per patient counts). */
struct frailty_screening {
    const char *patient_id;
    int64_t screened_day;
    unsigned positive_mask;
};

/* A patient enrolled in the territory now. Those aged FRAILTY_MIN_AGE or more and never
 * screened are due too: the list of screenings alone cannot name them. */
struct frailty_enrolled {
    const char *patient_id;
    int64_t birth_date_ms; /* FRAILTY_NO_BIRTH_DATE when unknown (never due: age unknown) */
    int64_t start_day;     /* civil day the enrolment started */
};

/* Due date of the first screening of a patient never screened: the enrolment's start, or
 * the day they turn FRAILTY_MIN_AGE when that is later. Returns false (nothing due) when
 * the birth date is unknown or the patient is younger than FRAILTY_MIN_AGE at now_ms. */
bool frailty_first_due_day(int64_t birth_date_ms, int64_t start_day, int64_t now_ms,
                           int64_t *due_day);

/* The population of a territory: its screenings and its enrolled patients (either list
 * may be empty; an enrolled patient with a screening counts by the screening). */
struct frailty_population {
    const struct frailty_screening *screenings;
    size_t screening_count;
    const struct frailty_enrolled *enrolled;
    size_t enrolled_count;
};

struct frailty_figures {
    int64_t as_of_day;
    size_t screenings;                     /* rows given */
    size_t screened;                       /* distinct patients */
    size_t positive_any;                   /* patients whose latest screening is positive */
    size_t positive[FRAILTY_DOMAIN_COUNT]; /* ... by domain */
    size_t never_screened;                 /* enrolled, 60 or more, no screening */
    size_t overdue;                        /* next (or first) screening overdue */
};

void frailty_figures_compute(const struct frailty_population *population, int64_t now_ms,
                             struct frailty_figures *out);
/* {"territory":"t1","as_of":"2026-03-04","screenings":3,"screened":2,"positive_any":1,
 *  "positive":{"cognition":0,...},"never_screened":1,"overdue":1} */
int frailty_figures_write_json(const struct frailty_figures *figures, const char *territory,
                               buf *out);

struct frailty_worklist_entry {
    const char *patient_id; /* points into the population given */
    bool never_screened;    /* due from the enrolment: last_day and last_positive unset */
    int64_t last_day;       /* latest screening */
    unsigned last_positive; /* its positive domains */
    int64_t due_day;
    int64_t days_overdue; /* > 0 */
};

/* Patients whose next screening, or first one for the never screened, is overdue at now_ms,
 * most overdue first (then by id). `out` has room for screening_count + enrolled_count
 * entries; returns how many were written. */
size_t frailty_worklist(const struct frailty_population *population, int64_t now_ms,
                        struct frailty_worklist_entry *out);
/* {"territory":"t1","as_of":"2026-03-04","overdue":[{"patient":"Patient/p1",
 *  "never_screened":false,"last_screened":"2025-08-01","last_positive":["mobility"],
 *  "due":"2025-12-01","days_overdue":93},{"patient":"Patient/p2","never_screened":true,
 *  "last_screened":null,"last_positive":[],"due":"2026-01-10","days_overdue":53}]} */
int frailty_worklist_write_json(const struct frailty_worklist_entry *entries, size_t count,
                                const char *territory, int64_t now_ms, buf *out);

/* "2026-03-04" for a civil day. */
void frailty_format_day(int64_t day, char out[16]);

#endif
