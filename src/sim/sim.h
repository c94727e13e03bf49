/* Simulated programme: synthetic territories on real French communes, enrolled chronic
 * patients, the people around them, and their signals over a number of days, with the
 * ground truth of every injected episode; and the scoring of triage events against that
 * truth. Everything is a pure function of the seed: the same configuration and data files
 * give the same bytes. See docs/sim.md for the models and formats. */
#ifndef VIGIE_SIM_H
#define VIGIE_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <signal.h>

#include "core/verr.h"
#include "store/store.h"

/* What to generate. sim_config_default fills the defaults documented in docs/sim.md. */
struct sim_config {
    uint64_t seed;
    uint32_t patients;               /* total, spread over territories by quota */
    uint32_t days;                   /* days of signals from `start_ms` */
    int64_t start_ms;                /* day 0: a local (Europe/Paris) midnight, as an instant */
    unsigned regions;                /* regions drawn among those of the communes file */
    unsigned territories_per_region; /* territories per region */
    double episode_rate;             /* multiplies every episode rate (1 = realistic) */
    const char *communes_path;       /* communes.json of @etalab/decoupage-administratif */
    const char *coordinates_path;    /* communes.csv with lat/lon, or NULL for none */
    uint64_t slice_budget_bytes;     /* signal records held at once (0: 96 MiB); a smaller
                                        budget plans each day in more time slices, with the
                                        same output */
};

#define SIM_MAX_PATIENTS               9999999u
#define SIM_MAX_DAYS                   366u
#define SIM_MAX_REGIONS                20u
#define SIM_MAX_TERRITORIES_PER_REGION 20u

void sim_config_default(struct sim_config *cfg);
/* Midnight in Europe/Paris of the civil date whose 00:00 UTC is `date_ms` (for start_ms). */
int64_t sim_paris_midnight(int64_t date_ms);

/* Where the outputs go; any may be NULL (not written). The caller owns the streams. */
struct sim_outputs {
    FILE *signals;   /* NDJSON FHIR R4 resources in clinical-time order */
    FILE *programme; /* NDJSON: regions, territories, sites, users, enrolments */
    FILE *truth;     /* NDJSON: a "programme" line, then episodes and artefacts */
};

/* Counts of what sim_generate wrote. */
struct sim_stats {
    uint64_t resources; /* lines written to `signals`, duplicates included */
    uint64_t observations;
    uint64_t communications;
    uint64_t service_requests;
    uint64_t duplicates;
    uint64_t episodes;
    uint64_t artefacts;
    uint32_t territories;
    uint32_t communes_with_coordinates; /* among the programme's member communes */
};

/* Generates the programme and streams it out. Memory is the per-patient profiles (about
 * 100 bytes each) plus a fixed budget for one slice of a day's signals, whatever the number
 * of days. Fails with a message naming the file or the option at fault. */
int sim_generate(const struct sim_config *cfg, const struct sim_outputs *out,
                 struct sim_stats *stats, verr *e);

/* Finds the default data files: communes.json under node_modules (relative to the current
 * directory, then to the source tree), and communes.csv from $VIGIE_DATA_DIR, the source
 * tree's ../shared/data, then /work/shared/data. Returns NULL when absent. The returned
 * strings are static or the environment's; do not free them. */
const char *sim_default_communes_path(void);
const char *sim_default_coordinates_path(void);

/* ---- Scoring triage events against the ground truth ---- */

typedef struct sim_score sim_score;

/* An event at most `tolerance_ms` after an episode's end still counts as detecting it. */
#define SIM_SCORE_DEFAULT_TOLERANCE_MS (24LL * 3600 * 1000)

sim_score *sim_score_new(int64_t tolerance_ms);
void sim_score_free(sim_score *s);
/* Reads a truth file (sim_generate's `truth`). `name` is used in error messages. */
int sim_score_load_truth(sim_score *s, FILE *in, const char *name, verr *e);
/* Reads events (§9 JSON, one per line, as `vigie triage` writes them) and matches each to
 * an episode of the same patient whose rules include the event's and whose window
 * [onset, end + tolerance] holds the event's `at`. Call after the truth is loaded. */
int sim_score_add_events(sim_score *s, FILE *in, const char *name, verr *e);

/* Detection figures for a set of episodes. */
struct sim_score_row {
    uint32_t episodes;
    uint32_t detected;           /* with at least one matching event */
    uint32_t agreed;             /* detected, most urgent matching category == expected */
    uint32_t under_triaged;      /* detected, but less urgent than expected */
    uint32_t over_triaged;       /* detected, more urgent than expected */
    double sensitivity;          /* detected / episodes (0 when there are no episodes) */
    double agreement;            /* agreed / detected */
    int64_t median_detection_ms; /* first matching event - onset; -1 when none detected */
};

/* Figures for one episode type ("fall_long_lie"), or for all types of one expected
 * category (type NULL, category 1..3), or for everything (type NULL, category 0). */
void sim_score_row_for(const sim_score *s, const char *type, int category,
                       struct sim_score_row *out);

struct sim_score_false_alerts {
    uint64_t events;         /* events read */
    uint64_t false_alerts;   /* events matching no episode */
    uint64_t on_artefacts;   /* of which within 72 h after an injected artefact */
    uint64_t by_category[4]; /* false alerts by category (index 1..3) */
    double patient_months;   /* from the truth's programme line */
    double per_patient_month;
};
void sim_score_false_alerts(const sim_score *s, struct sim_score_false_alerts *out);

/* Reports: a text table (per episode type, per category, false alerts by rule), or one
 * JSON object with the same figures. */
void sim_score_print_text(const sim_score *s, FILE *out);
void sim_score_print_json(const sim_score *s, FILE *out);

/* ---- Feeding a running server ---- */

struct sim_load_stats {
    unsigned users_created, users_existing, keys;
    unsigned territories, sites, professionals; /* created in the registry */
};

/* Loads a programme into a database: the registry's territories (communes, quota), sites
 * and professionals, and the users (coordinators, planners, professionals, caregivers with
 * their passwords; tele-assistance and ambulance accounts linked to every patient of their
 * territory; gateways without a password), writing a new key for each gateway to `keys` as
 * "username key" lines. What exists is kept. `programme` must be seekable (it is read
 * twice); `name` is used in messages. */
int sim_load_users(store *s, FILE *programme, const char *name, FILE *keys,
                   struct sim_load_stats *stats, verr *e);

struct sim_feed_options {
    const char *url;             /* "http://127.0.0.1:8080" */
    double speed;                /* simulated seconds per wall-clock second; 0: no pacing */
    int64_t backfill_ms;         /* the first backfill_ms of clinical time are sent at once */
    const char *keys_path;       /* gateways' keys ("username key" lines), or NULL */
    FILE *log;                   /* progress every 10 s and the first refusals, or NULL */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to stop cleanly, or NULL */
};

struct sim_feed_stats {
    uint64_t sent, accepted, rejected, skipped; /* skipped: no credentials for the sender */
    uint64_t enrolled;                          /* patients enrolled through the API */
    uint64_t logins;
    int64_t clinical_ms; /* clinical time of the last resource sent */
};

/* Sends the signals to the server at opt->url, each resource by its sender with their own
 * credentials from the programme (and keys), paced by the clinical clock and never before
 * a resource's own clinical time; each Patient, once created, is enrolled in its territory
 * (POST /api/territories/{id}/patients) with its conditions and expected measurements.
 * Refused resources are counted, not fatal; a server that stops answering is. */
int sim_feed(const struct sim_feed_options *opt, FILE *programme, FILE *signals,
             struct sim_feed_stats *stats, verr *e);

#endif
