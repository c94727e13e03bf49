/* Internals shared by the files of src/sim (the public surface is sim.h). The generator
 * works in three stages: the world (communes, territories, users), the patients (profile,
 * devices, episodes), then day by day the signals, planned per patient as a pure function
 * of (seed, patient, day) so that a day can be re-planned in slices without any state
 * carried from one day to the next. */
#ifndef VIGIE_SIM_INTERNAL_H
#define VIGIE_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/verr.h"
#include "sim/sim.h"

/* ---- random numbers (rng.c) ---- */

/* xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64. */
typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

/* splitmix64's output function: a bijective 64-bit mix. */
uint64_t sim_mix64(uint64_t x);
/* A generator for one stream: seed and up to three coordinates (patient, day, purpose). */
void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_uniform(sim_rng *r);                     /* [0, 1) */
double sim_rng_range(sim_rng *r, double lo, double hi); /* [lo, hi) */
uint32_t sim_rng_below(sim_rng *r, uint32_t n);         /* [0, n), n > 0 */
bool sim_rng_chance(sim_rng *r, double p);
double sim_rng_normal(sim_rng *r, double mean, double sd);
double sim_rng_clamped_normal(sim_rng *r, double mean, double sd, double lo, double hi);
unsigned sim_rng_poisson(sim_rng *r, double lambda);
/* A uniform [0, 1) that depends only on its arguments (no generator state). */
double sim_hash_uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

/* ---- Europe/Paris civil time (rng.c) ---- */

/* Offset of Europe/Paris at an instant: 3600 or 7200 seconds (EU rules since 1996: summer
 * time from the last Sunday of March to the last Sunday of October, at 01:00 UTC). */
int sim_paris_offset_s(int64_t utc_ms);
/* The instant of a local wall-clock time (ms since the epoch as if local were UTC). A time
 * skipped in spring is read in winter time; a repeated autumn time takes the first. */
int64_t sim_paris_to_utc(int64_t local_ms);
/* "2026-03-04T07:12:00+01:00". Returns the length (25). */
size_t sim_format_local(int64_t utc_ms, char out[32]);
/* "2026-03-04" (local date). */
size_t sim_format_local_date(int64_t utc_ms, char out[16]);

/* ---- communes (communes.c) ---- */

struct sim_commune {
    char code[6]; /* INSEE code */
    char departement[4];
    char region[4];
    char arrondissement[4];
    char postal_code[6]; /* first postal code, "" when none */
    const char *name;    /* in sim_communes.names */
    uint32_t population;
    bool has_coordinates;
    double lat, lon;
    bool used; /* already in a territory */
};

struct sim_region_name {
    char code[4];
    const char *name;
};

struct sim_communes {
    struct sim_commune *items; /* sorted by code */
    size_t count;
    size_t with_coordinates;
    struct sim_region_name *regions; /* names from regions.json beside communes.json */
    size_t region_count;
    arena names;
};

/* Loads communes.json (current communes with a population) and, when coordinates_path is
 * not NULL, joins communes.csv's lat/lon by INSEE code. */
int sim_communes_load(struct sim_communes *c, const char *json_path, const char *coordinates_path,
                      verr *e);
void sim_communes_free(struct sim_communes *c);
const struct sim_commune *sim_communes_find(const struct sim_communes *c, const char *code);
const char *sim_region_name(const struct sim_communes *c, const char *code);

/* ---- the world: territories, sites, staff (world.c) ---- */

/* The registry's site kinds (src/registry): msp, telemedicine, ehpad, smp. */
enum sim_site_kind { SITE_MSP, SITE_TELEMEDICINE, SITE_EHPAD, SITE_SMP, SITE_KIND_COUNT };

struct sim_site {
    uint32_t commune;
    uint8_t kind;
};

enum sim_profession { PRO_IPA, PRO_GP, PRO_NURSE, PRO_EHPAD_NURSE, PRO_KIND_COUNT };

struct sim_territory {
    char id[24]; /* "t-84-1" */
    char region[4];
    char name[112];
    uint32_t first_member, member_count; /* into sim_world.members */
    uint64_t population;
    uint32_t patients, first_patient;
    struct sim_site sites[4];
    unsigned site_count;
    uint8_t professionals[8]; /* enum sim_profession of pro-<t>-<i> (1-based in names) */
    unsigned professional_count;
    bool has_centre;
    double lat, lon; /* population-weighted centre of members with coordinates */
};

/* ---- patients (patient.c) ---- */

enum sim_condition {
    COND_HEART_FAILURE = 1 << 0,
    COND_T2_DIABETES = 1 << 1,
    COND_T1_DIABETES = 1 << 2,
    COND_COPD = 1 << 3,
    COND_HYPERTENSION = 1 << 4,
    COND_FRAILTY = 1 << 5,
    COND_DISABILITY = 1 << 6,
    COND_HYPERCAPNIA = 1 << 7, /* chronic hypercapnic respiratory failure: SpO2 target 88-92 */
    COND_LONG_TERM_O2 = 1 << 8,
    COND_INSULIN = 1 << 9,
};

enum sim_primary {
    PRIMARY_HEART_FAILURE,
    PRIMARY_DIABETES,
    PRIMARY_COPD,
    PRIMARY_HYPERTENSION,
    PRIMARY_FRAIL_ELDERLY,
    PRIMARY_DISABILITY,
    PRIMARY_COUNT
};

enum sim_device {
    DEV_SCALE = 1 << 0,
    DEV_BP_CUFF = 1 << 1,
    DEV_OXIMETER = 1 << 2,
    DEV_GLUCOMETER = 1 << 3,
    DEV_TRACKER = 1 << 4,
    DEV_FALL_DETECTOR = 1 << 5,
    DEV_THERMOMETER = 1 << 6, /* a daily temperature */
    DEV_O2 = 1 << 7,          /* oxygen concentrator reporting its flow */
    DEV_RESP_RATE = 1 << 8,   /* a kit that reports respiratory rate with SpO2 */
};

/* How a patient's devices and gateway write units and codes. */
enum sim_unit_flag {
    UNIT_WEIGHT_G = 1 << 0,
    UNIT_WEIGHT_LB = 1 << 1,
    UNIT_GLUCOSE_G_L = 1 << 2,
    UNIT_GLUCOSE_MMOL = 1 << 3,
    UNIT_TEMP_F = 1 << 4,
    UNIT_BP_KPA = 1 << 5,
    UNIT_BP_SPLIT = 1 << 6,       /* systolic and diastolic as two Observations */
    UNIT_SPO2_TWO_CODES = 1 << 7, /* both 59408-5 and 2708-6 codings */
    UNIT_ALT_CODE = 1 << 8,       /* 2339-0 / 15074-8 rather than the capillary codes */
};

/* Sender roles of reports (DESIGN §5). */
enum sim_role {
    SIM_ROLE_NONE,
    SIM_ROLE_CAREGIVER,
    SIM_ROLE_HOME_HELP,
    SIM_ROLE_TELE_ASSISTANCE,
    SIM_ROLE_SENIOR_RESIDENCE,
    SIM_ROLE_AMBULANCE,
    SIM_ROLE_PROFESSIONAL,
    SIM_ROLE_PATIENT,
    SIM_ROLE_COUNT
};
const char *sim_role_name(enum sim_role role);

struct sim_patient {
    uint32_t commune;
    uint16_t territory;
    uint16_t conditions; /* enum sim_condition */
    uint16_t devices;    /* enum sim_device */
    uint16_t units;      /* enum sim_unit_flag */
    uint8_t primary;     /* enum sim_primary */
    uint8_t female;
    uint8_t age;
    uint8_t caregiver; /* enum sim_role of the linked caregiver, SIM_ROLE_NONE when none */
    uint8_t glucose_per_day, bp_per_day;
    uint8_t miss_percent; /* chance that an expected measurement is skipped on a day */
    uint8_t episode_count;
    uint32_t first_episode; /* into sim_world.episodes */
    int32_t birth_day;      /* days since 1970-01-01 */
    float weight, systolic, diastolic, heart_rate, spo2, resp_rate, temperature, glucose, steps,
        o2_flow;
};

enum sim_episode_type {
    EP_HF_DECOMPENSATION,
    EP_HYPOGLYCAEMIA,
    EP_HYPERGLYCAEMIA,
    EP_HYPERTENSIVE_CRISIS,
    EP_COPD_EXACERBATION,
    EP_INFECTION,
    EP_FALL,
    EP_FALL_LONG_LIE,
    EP_ACTIVITY_DECLINE,
    EP_DEVICE_SILENCE,
    EP_TYPE_COUNT
};
const char *sim_episode_type_name(enum sim_episode_type type);

enum sim_episode_flag {
    EPF_SEVERE = 1 << 0,
    EPF_REPORT = 1 << 1,    /* someone reports it in words */
    EPF_REQUEST = 1 << 2,   /* a professional asks for advice */
    EPF_NO_ANSWER = 1 << 3, /* long lie: the tele-assistance check goes unanswered */
};

/* NEWS2 parameters of a spot check, for the episodes scored by NEWS2. */
struct sim_vitals {
    float resp_rate, spo2, systolic, heart_rate, temperature;
    uint8_t acvpu; /* enum measure_acvpu */
    bool on_oxygen, scale2;
    bool has_systolic, has_acvpu, has_temperature, has_resp_rate;
};

struct sim_episode {
    int64_t onset_ms, end_ms;
    uint32_t patient;
    uint8_t type, flags, category;
    float param[8]; /* type-specific: see episodes.c */
};

/* NEWS2 aggregate score of a spot check (RCP 2017 chart), and the category DESIGN §6
 * gives it: 1 when >= 7, 2 when 5-6 or a single parameter scores 3, else 3. */
int sim_news2_score(const struct sim_vitals *v, bool *any_three);
int sim_news2_category(const struct sim_vitals *v);

/* ---- the generation context ---- */

struct sim_world {
    struct sim_config cfg;
    struct sim_communes communes;
    char region_codes[SIM_MAX_REGIONS][4];
    unsigned region_count;
    struct sim_territory *territories;
    unsigned territory_count;
    uint32_t *members; /* commune indices, per territory */
    uint32_t member_total;
    struct sim_patient *patients;
    uint32_t patient_count;
    struct sim_episode *episodes;
    uint32_t episode_count, episode_cap;
    int64_t *day_start; /* local midnights: days + 1 instants */
    struct sim_outputs out;
    struct sim_stats *stats;
};

int sim_world_build(struct sim_world *w, verr *e);
void sim_world_write_programme(const struct sim_world *w, FILE *out);
void sim_world_free(struct sim_world *w);
/* Username of a territory's professional i (0-based): "pro-84-1-2". */
void sim_professional_username(const struct sim_territory *t, unsigned i, char out[32]);
/* A deterministic synthetic password for a username. */
void sim_password(uint64_t seed, const char *username, char out[20]);
/* French names for synthetic people. */
void sim_person_name(uint64_t seed, uint64_t who, bool female, char out[64]);

/* Builds every patient and their episodes, writes the patients' programme lines, their
 * Patient and Condition resources and the truth of their episodes. */
int sim_patients_build(struct sim_world *w, verr *e);
/* Draws patient p's episodes (their number, onset, severity and parameters) and appends
 * them to w->episodes. */
void sim_episodes_schedule(struct sim_world *w, uint32_t p);

/* ---- signals (plan.c, fhir.c) ---- */

enum sim_signal_kind {
    SIG_WEIGHT,
    SIG_BLOOD_PRESSURE, /* v[0] systolic, v[1] diastolic */
    SIG_HEART_RATE,
    SIG_SPO2,
    SIG_RESP_RATE,
    SIG_TEMPERATURE,
    SIG_GLUCOSE,
    SIG_STEPS,
    SIG_O2_FLOW,
    SIG_CONSCIOUSNESS, /* v[0] enum measure_acvpu */
    SIG_FALL,          /* v[0] seconds without movement */
    SIG_REPORT,        /* text, role */
    SIG_REQUEST,       /* text, role = enum sim_priority */
    SIG_KIND_COUNT
};

enum sim_signal_flag {
    SF_DUPLICATE = 1 << 0,    /* sent twice */
    SF_ARTEFACT = 1 << 1,     /* a measurement artefact (truth line) */
    SF_PROFESSIONAL = 1 << 2, /* measured by the territory's nurse on a visit */
    SF_TRUTH = 1 << 3,        /* a background complaint or request: a truth line */
    SF_MINUTES = 1 << 4,      /* fall: immobility written in minutes */
};

enum sim_priority {
    SIM_PRIORITY_ROUTINE,
    SIM_PRIORITY_URGENT,
    SIM_PRIORITY_ASAP,
    SIM_PRIORITY_STAT
};

enum sim_artefact {
    ART_NONE,
    ART_SPO2_PLETH,
    ART_HEART_RATE_MOTION,
    ART_WEIGHT_OTHER_PERSON,
    ART_TEMPERATURE_COLD,
};

struct sim_signal {
    int64_t at_ms;
    uint32_t patient;
    uint16_t seq; /* order within the patient's day; part of the resource id */
    uint8_t kind; /* enum sim_signal_kind */
    uint8_t flags;
    float v[2];
    uint16_t text;    /* reports and requests: sim_text id */
    uint8_t role;     /* reports: enum sim_role; requests: enum sim_priority */
    uint8_t artefact; /* enum sim_artefact */
    uint16_t sender;  /* professional index in the territory, for SF_PROFESSIONAL/requests */
    uint16_t day;
};

#define SIM_MAX_SIGNALS_PER_DAY 96

/* Plans patient p's signals of day d, in the order they were decided (not sorted). */
unsigned sim_plan_day(const struct sim_world *w, uint32_t p, uint32_t day, struct sim_signal *out);

/* Writes one signal as a FHIR resource line into b (appended). */
void sim_fhir_signal(const struct sim_world *w, const struct sim_signal *s, buf *b);
void sim_fhir_patient(const struct sim_world *w, uint32_t p, buf *b);
/* The truth line of an artefact or background complaint/request, or nothing. */
void sim_truth_signal(const struct sim_world *w, const struct sim_signal *s, buf *b);
void sim_truth_episode(const struct sim_world *w, const struct sim_episode *ep, uint32_t index,
                       buf *b);
/* Resource id of a patient: "p-0001234". */
void sim_patient_id(uint32_t p, char out[16]);

/* ---- NDJSON input (ndjson.c) ---- */

/* Calls fn for each non-empty line of `in` parsed as a JSON object, with `where` naming
 * the file and line ("truth.ndjson:12"); stops at the first error (fn's or a bad line). */
int sim_each_json_line(FILE *in, const char *name, size_t max_line,
                       int (*fn)(void *arg, json_t *obj, const char *where, verr *e), void *arg,
                       verr *e);

/* ---- texts (texts.c) ---- */

enum sim_text_group {
    TXT_REASSURING,
    TXT_COMPLAINT,
    TXT_ENGLISH,
    TXT_HEART_FAILURE,
    TXT_HYPOGLYCAEMIA,
    TXT_HYPERGLYCAEMIA,
    TXT_HYPERTENSION_RED_FLAG,
    TXT_HYPERTENSION_PLAIN,
    TXT_COPD,
    TXT_INFECTION,
    TXT_INFECTION_CONFUSED,
    TXT_FALL,
    TXT_LONG_LIE,
    TXT_NO_ANSWER,
    TXT_ACTIVITY,
    TXT_SILENCE,
    TXT_REQUEST_ROUTINE,
    TXT_REQUEST_URGENT,
    TXT_REQUEST_STAT,
    TXT_REQUEST_HEART_FAILURE,
    TXT_REQUEST_COPD,
    TXT_GROUP_COUNT
};

/* A text id: group << 8 | index. */
uint16_t sim_text_pick(sim_rng *r, enum sim_text_group group);
const char *sim_text(uint16_t id);
enum sim_text_group sim_text_group_of(uint16_t id);

extern const char *const sim_given_names_female[];
extern const char *const sim_given_names_male[];
extern const char *const sim_family_names[];
extern const unsigned sim_given_names_female_count, sim_given_names_male_count,
    sim_family_names_count;

#endif
