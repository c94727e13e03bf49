/* The store: Vigie's one interface to durable data. The ingest log keeps the exact bytes
 * received (zstd-compressed) with who sent them and when; normalised tables (patients,
 * observations, other resources, events) are derived from it and trace back to it.
 *
 * A `store` is one connection. The platform opens one for its single writer thread and one
 * per reader thread; a connection is used by one thread at a time. SQLite is the embedded
 * engine (WAL, synchronous=FULL); PostgreSQL implements the same interface later.
 *
 * Every function returning int gives 0 on success and -1 on failure with the reason in e,
 * unless documented otherwise (1 = "not found" for lookups). */
#ifndef VIGIE_STORE_H
#define VIGIE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/verr.h"

typedef struct store store;

enum store_access {
    STORE_WRITE, /* creates the database if needed and applies migrations */
    STORE_READ,  /* read-only; the database must exist */
};

#define STORE_HASH_SIZE 16 /* bytes of the identity hashes used to find duplicates */
#define STORE_NO_TIME INT64_MIN

/* Opens `target`: a postgresql:// or postgres:// URI (PostgreSQL), else a file path
 * (SQLite). */
store *store_open(const char *target, enum store_access access, verr *e);
void store_close(store *s);
/* Schema version after migrations. */
int store_schema_version(store *s);

/* Checkpoints (SQLite; no-ops on PostgreSQL) are left to a background thread (the writer then never copies the WAL back
 * into the database itself): turns automatic checkpoints off on this connection. */
void store_manual_checkpoints(store *s);
/* Copies what it can of the WAL into the database without blocking readers or the writer
 * (SQLite's PASSIVE checkpoint). Returns the WAL frames left, or -1. */
int store_checkpoint(store *s, verr *e);
/* The writer, between two transactions (after answering a group): when its last commit left
 * more than max_frames in the WAL, completes the checkpoint on its own connection so that the
 * next transaction writes the WAL from its start again; without it, a WAL under sustained
 * load never starts over and grows without bound. 1 when the WAL was all copied, else 0;
 * nothing on PostgreSQL. Needs store_manual_checkpoints on that connection. */
#define STORE_WAL_RESTART_FRAMES 4096 /* 32 MiB of 8 KiB pages */
int store_wal_restart_point(store *s, int max_frames);

/* Transactions. begin takes the write lock at once (BEGIN IMMEDIATE). Savepoints nest one
 * level inside a transaction: one per job of a group commit. */
int store_begin(store *s, verr *e);
int store_commit(store *s, verr *e);
void store_rollback(store *s);
int store_savepoint(store *s, verr *e);
int store_release(store *s, verr *e);
void store_rollback_savepoint(store *s);

/* Highest sequence number used by any table: the writer continues from it. */
int64_t store_max_seq(store *s);

/* ---- Ingest log ------------------------------------------------------------------------ */

/* How the raw bytes are laid out, so that an entry index can be found again. */
enum store_log_format {
    LOG_RESOURCE = 0, /* one resource; entry 0 */
    LOG_BUNDLE = 1,   /* a Bundle; entry i = Bundle.entry[i] */
    LOG_NDJSON = 2,   /* lines; entry i = the i-th line (0-based, counting every line) */
    LOG_API = 3,      /* a Vigie API request body (JSON) */
};

struct store_log_entry {
    int64_t id;
    int64_t received_ms;
    const char *sender;       /* user or gateway name, "import" for the command line */
    const char *channel;      /* "POST /fhir/Observation", "vigie import", ... */
    enum store_log_format format;
    int64_t entries;          /* number of entries it holds */
    const void *raw;
    size_t raw_len;
};

/* Appends the bytes, compressed; sets entry->id. */
int store_log_append(store *s, struct store_log_entry *entry, verr *e);
/* Reads entry `id` back; the bytes go to raw (decompressed and checked against the digest
 * recorded at append time); strings in out point into s and stay valid until the next
 * call. Returns 1 when absent. */
int store_log_read(store *s, int64_t id, struct store_log_entry *out, buf *raw, verr *e);

/* ---- Patients -------------------------------------------------------------------------- */

struct store_patient {
    int64_t key;              /* dense integer, assigned at creation */
    const char *id;
    const char *resource;     /* JSON text */
    const char *territory;    /* enrolment territory, NULL when not enrolled */
    const char *commune;      /* INSEE code, or NULL */
    int64_t birth_date_ms;    /* STORE_NO_TIME when unknown */
    const char *const *ident_systems; /* identifiers, ident_count of each */
    const char *const *ident_values;
    size_t ident_count;
    int64_t updated_ms;
    int64_t log_id;
    int64_t log_entry;
};

/* Creates or replaces a Patient by id; sets p->key and *created. */
int store_patient_upsert(store *s, struct store_patient *p, bool *created, verr *e);
/* Key of the patient with this id / identifier; 1 when unknown. `id_out` (may be NULL)
 * receives the logical id (caller frees). */
int store_patient_key(store *s, const char *id, int64_t *key, verr *e);
int store_patient_key_by_identifier(store *s, const char *system, const char *value,
                                    int64_t *key, char **id_out, verr *e);
/* Key and enrolment territory ("" when not enrolled) of a patient; 1 when unknown. */
int store_patient_info(store *s, const char *id, int64_t *key, char territory[64], verr *e);
/* Birth date of a patient key (STORE_NO_TIME when unknown); 1 when the key is unknown. */
int store_patient_birth_date(store *s, int64_t key, int64_t *birth_ms, verr *e);
/* Id and territory of a patient key; 1 when unknown. */
int store_patient_by_key(store *s, int64_t key, char id[72], char territory[64], verr *e);
/* The Patient resource as stored; 1 when unknown. */
int store_patient_read(store *s, const char *id, buf *resource, int64_t *key, verr *e);
/* Sets a patient's enrolment territory (NULL: not enrolled). */
int store_patient_set_territory(store *s, int64_t key, const char *territory, verr *e);
/* Calls fn for every patient (key, id, territory), in key order. */
int store_patient_each(store *s,
                       int (*fn)(void *arg, int64_t key, const char *id, const char *territory),
                       void *arg, verr *e);

/* ---- Observations ---------------------------------------------------------------------- */

struct store_observation {
    int64_t seq;              /* global sequence: commit order of every input */
    const char *id;
    int version;
    int64_t patient_key;
    int kind;                 /* enum measure_kind */
    const char *code_system;
    const char *code;
    int64_t effective_ms;     /* STORE_NO_TIME when absent */
    int precision;            /* enum instant_precision */
    double value, value2;     /* canonical units; NaN when absent */
    int status;               /* enum fhir_obs_status */
    bool triage;
    bool has_ident;
    unsigned char ident[STORE_HASH_SIZE];   /* hash of identifier system|value */
    int64_t received_ms;
    int64_t log_id;
    int64_t log_entry;
    int id_form;              /* enum fhir_id_form */
    int64_t replaces;         /* seq of the version this one supersedes, 0 for a first */
    const char *resource;     /* JSON text as received */
    size_t resource_len;
};

/* Current version found by a lookup. */
struct store_obs_ref {
    int64_t seq;
    char id[72];
    int version;
    int status;
    double value, value2;
    int64_t effective_ms;
    char code[72];
};

/* Lookups of the current version; 1 when none. */
int store_observation_by_ident(store *s, int64_t patient_key,
                               const unsigned char ident[STORE_HASH_SIZE],
                               struct store_obs_ref *out, verr *e);
/* The current observation of the same patient, kind, time, code and values as `o`. */
int store_observation_same(store *s, const struct store_observation *o,
                           struct store_obs_ref *out, verr *e);
int store_observation_by_id(store *s, const char *id, struct store_obs_ref *out, verr *e);
/* Any version, by its seq. */
int store_observation_by_seq(store *s, int64_t seq, struct store_obs_ref *out, verr *e);
/* A hint before a job looks up and inserts these Observations (patient_key, kind, code,
 * code_system, effective_ms, value, value2 and the identifier hash set, and id when it is to
 * be looked up by id, else NULL): PostgreSQL then answers their lookups above (by id, by
 * identifier, the same one) from one round trip instead of one each, and the answers stay
 * right whatever the job inserts or supersedes meanwhile. Forgotten at the job's end
 * (store_release, store_rollback_savepoint). SQLite: nothing to do. */
void store_observation_prefetch(store *s, const struct store_observation *rows, size_t n);
/* Inserts a row as the current version. */
int store_observation_insert(store *s, const struct store_observation *o, verr *e);
/* Marks a version as no longer current (a newer version follows). */
int store_observation_supersede(store *s, int64_t seq, verr *e);
/* The current resource text of an Observation as stored (see id_form), its key and
 * id_form; 1 when unknown. patient_key and id_form may be NULL. */
int store_observation_read(store *s, const char *id, buf *resource, int64_t *patient_key,
                           int *id_form, verr *e);
/* The logical id of an observation row (for events' sources); 1 when unknown. */
int store_observation_id(store *s, int64_t seq, char id[72], verr *e);

struct store_obs_query {
    int64_t patient_key;
    int kind;                 /* measure kind, or -1 for any */
    const char *code;         /* when kind is 0 (MEASURE_NONE): code text to match, or NULL */
    int64_t from_ms, to_ms;   /* inclusive bounds on effective time; STORE_NO_TIME = open */
    int64_t after_effective;  /* keyset cursor: rows after (effective, seq); STORE_NO_TIME = start */
    int64_t after_seq;
    int limit;
};

struct store_obs_row {
    int64_t seq;
    const char *id;
    int64_t effective_ms;
    int kind;
    double value, value2;
    int id_form;
    const char *resource;
    size_t resource_len;
};

/* Calls fn for each matching current observation in (effective, seq) order; returns the
 * number of rows or -1. fn returning non-zero stops the scan. */
int store_observation_search(store *s, const struct store_obs_query *q,
                             int (*fn)(void *arg, const struct store_obs_row *row), void *arg,
                             verr *e);

/* ---- Other resources (Condition, Communication, ServiceRequest, ...) ------------------- */

struct store_resource {
    int64_t seq;
    const char *type;
    const char *id;
    int version;              /* set by store_resource_put */
    int64_t patient_key;      /* 0 when not about a patient */
    int64_t time_ms;          /* clinical time (sent, authoredOn, recordedDate) or STORE_NO_TIME */
    const char *status;
    bool has_content;
    unsigned char content[STORE_HASH_SIZE]; /* identity of the content, to find duplicates */
    const char *resource;
    size_t resource_len;
    int64_t received_ms;
    int64_t log_id;
    int64_t log_entry;
};

/* Stores a new version of (type, id); the previous one stops being current. Sets
 * r->version. */
int store_resource_put(store *s, struct store_resource *r, verr *e);
/* Current resource of `type` with this content hash: its id (and version); 1 when none. */
int store_resource_by_content(store *s, const char *type,
                              const unsigned char content[STORE_HASH_SIZE], char id[72],
                              int *version, verr *e);
/* Content hash and version of the current version of (type, id); 1 when unknown or when
 * it has no content hash. */
int store_resource_content(store *s, const char *type, const char *id,
                           unsigned char content[STORE_HASH_SIZE], int *version, verr *e);
/* Current version's text; 1 when unknown. */
int store_resource_read(store *s, const char *type, const char *id, buf *resource,
                        int64_t *patient_key, verr *e);

/* ---- Users and tokens ------------------------------------------------------------------ */

struct store_user {
    int64_t id;
    char username[64];
    char role[24];
    char *password_hash;      /* argon2id encoded string, or NULL; owned (free) */
    bool disabled;
    char **territories;       /* owned arrays (store_user_free) */
    size_t territory_count;
    char **patients;          /* linked patient ids (caregivers, gateways) */
    size_t patient_count;
};

/* Creates a user; 1 when the username exists. Sets u->id. */
int store_user_add(store *s, struct store_user *u, int64_t now_ms, verr *e);
/* Loads a user by name (or by id when name is NULL); 1 when unknown. */
int store_user_get(store *s, const char *username, int64_t id, struct store_user *u, verr *e);
void store_user_free(struct store_user *u);
/* Updates the fields that differ: password hash (NULL keeps it), role (NULL keeps it),
 * disabled; and replaces the territories / patients lists when `lists` is true. */
int store_user_update(store *s, const struct store_user *u, bool lists, int64_t now_ms,
                      verr *e);
/* Calls fn for each user in id order. */
int store_user_each(store *s, int (*fn)(void *arg, const struct store_user *u), void *arg,
                    verr *e);

enum store_token_kind { TOKEN_SESSION, TOKEN_KEY };

int store_token_add(store *s, const unsigned char hash[32], int64_t user_id,
                    enum store_token_kind kind, int64_t created_ms, int64_t expires_ms,
                    verr *e);
/* The user of a live token (not revoked, not expired at now); 1 when none. */
int store_token_user(store *s, const unsigned char hash[32], int64_t now_ms, int64_t *user_id,
                     int64_t *expires_ms, verr *e);
int store_token_revoke(store *s, const unsigned char hash[32], int64_t now_ms, verr *e);
/* Revokes every token of a user (disable, password change); keys too when `keys`. */
int store_token_revoke_user(store *s, int64_t user_id, bool keys, int64_t now_ms, verr *e);

/* ---- Triage events, cases, threshold overrides, change feed (sqlite_cases.c) ---------- */

struct store_event {
    int64_t seq; /* set by store_event_add */
    int64_t patient_key;
    int64_t case_id;
    const char *rule;
    int category;
    const char *nature;
    const char *reason;
    int64_t at_ms, created_ms;
    bool notify, late;
    const char *json; /* the event as DESIGN.md §9 */
    const int64_t *sources; /* input seqs */
    size_t source_count;
};

int store_event_add(store *s, struct store_event *ev, verr *e);
/* Marks the events citing input `source_seq` as withdrawn; fn is called with each case
 * touched. */
int store_events_withdraw_source(store *s, int64_t source_seq,
                                 void (*fn)(void *arg, int64_t case_id), void *arg, verr *e);
/* The most urgent category among the case's events still standing; 1 when none. */
int store_case_standing_category(store *s, int64_t case_id, int *category, verr *e);
/* Events notified since `since_ms` (clinical time), oldest first, to re-arm suppression. */
int store_events_since(store *s, int64_t since_ms,
                       int (*fn)(void *arg, int64_t patient_key, const char *rule, int category,
                                 int64_t at_ms),
                       void *arg, verr *e);
/* Text of an input seq: "Observation/<id>", "Communication/<id>"...; 1 when unknown. */
int store_source_ref(store *s, int64_t seq, char out[128], verr *e);

#define STORE_CASE_OPEN "open"
#define STORE_CASE_CLAIMED "claimed"
#define STORE_CASE_CLOSED "closed"

struct store_case {
    int64_t id;
    int64_t patient_key;
    char patient_id[72];    /* filled by reads */
    char territory[64];
    char state[12];
    int category;
    char nature[12];
    char title[512];
    int64_t opened_ms, deadline_ms, updated_ms;
    bool escalated;
    char claimed_by[64];
    int64_t claimed_ms;     /* STORE_NO_TIME when never */
    int64_t closed_ms;      /* STORE_NO_TIME when open */
    char outcome[24];
};

/* The patient's case that is not closed; 1 when none. */
int store_case_of_patient(store *s, int64_t patient_key, struct store_case *out, verr *e);
int store_case_get(store *s, int64_t id, struct store_case *out, verr *e);
/* Inserts (sets c->id) or updates every mutable field. */
int store_case_insert(store *s, struct store_case *c, verr *e);
int store_case_update(store *s, const struct store_case *c, verr *e);
int store_case_transition(store *s, int64_t case_id, int64_t at_ms, const char *who,
                          const char *from, const char *to, const char *detail, verr *e);
int store_case_note(store *s, int64_t case_id, int64_t at_ms, const char *who,
                    const char *kind, const char *text, verr *e);
/* Open (unclaimed) cases whose deadline passed and are not yet escalated. */
int store_cases_due(store *s, int64_t now_ms, int (*fn)(void *arg, const struct store_case *c),
                    void *arg, verr *e);
/* Cases not closed in the given territories (all when all_territories), escalated first,
 * then by category, then deadline. */
int store_queue(store *s, const char *const *territories, size_t count, bool all_territories,
                int (*fn)(void *arg, const struct store_case *c), void *arg, verr *e);
/* A case's events (JSON, withdrawn flag, notify, created), transitions and notes. */
struct store_case_item {
    const char *kind;  /* "event", "transition", "note", "action" */
    int64_t at_ms;
    const char *who;   /* transitions, notes */
    const char *text;  /* event JSON, note text, or "from -> to: detail" */
    bool withdrawn;
};
int store_case_items(store *s, int64_t case_id,
                     int (*fn)(void *arg, const struct store_case_item *item), void *arg,
                     verr *e);

/* Ids of the patient's observations that raised a standing event, measured since from_ms. */
int store_patient_fired(store *s, int64_t patient_key, int64_t from_ms,
                        int (*fn)(void *arg, const char *observation_id), void *arg, verr *e);
/* Current resources of a type about the patients of a territory, with each patient's id
 * and birth date (STORE_NO_TIME when unknown), in patient then time order. */
int store_resources_of_territory(store *s, const char *territory, const char *type,
                                 int (*fn)(void *arg, const char *patient_id, int64_t birth_ms,
                                           const char *json, size_t len),
                                 void *arg, verr *e);
/* Current resources of a type about a patient (JSON text), oldest first. */
int store_resources_of_patient(store *s, int64_t patient_key, const char *type,
                               int (*fn)(void *arg, const char *json, size_t len), void *arg,
                               verr *e);

/* Threshold overrides: every change is kept (who, when); the latest applies. */
int store_override_add(store *s, int64_t patient_key, const char *json, const char *who,
                       int64_t at_ms, verr *e);
/* The latest override of each patient; fn(patient_key, json). */
int store_override_each(store *s, int (*fn)(void *arg, int64_t patient_key, const char *json),
                        void *arg, verr *e);
/* The latest override of one patient (json, who, when); 1 when none. */
int store_override_latest(store *s, int64_t patient_key, buf *json, char who[64],
                          int64_t *at_ms, verr *e);

/* The change feed of the live stream. */
int store_feed_add(store *s, int64_t at_ms, const char *territory, const char *kind,
                   int64_t case_id, const char *data, int64_t *id, verr *e);
int64_t store_feed_last_id(store *s);
int store_feed_since(store *s, int64_t after_id, int limit,
                     int (*fn)(void *arg, int64_t id, const char *territory, const char *kind,
                               const char *data),
                     void *arg, verr *e);

/* Evaluation figures of a territory (or all when territory is NULL) over [from, to). */
struct store_evaluation {
    int64_t patients;             /* enrolled in the territory */
    int64_t alerts[3];            /* notified events by category (withdrawn excluded) */
    int64_t cases[3];             /* cases opened by category */
    double median_claim_s[3];     /* opened -> first claim; NaN when none */
    double median_close_s[3];     /* opened -> closed */
    int64_t outcomes[8];          /* closed cases by outcome, in case_outcome order */
    int64_t escalated;            /* cases that missed their deadline */
    int64_t closed;
};
int store_evaluation(store *s, const char *territory, int64_t from_ms, int64_t to_ms,
                     const char *const *outcome_names, size_t outcome_count,
                     struct store_evaluation *out, verr *e);

/* ---- Replay ---------------------------------------------------------------------------- */

/* One stored input, as replayed in sequence order to rebuild derived state. */
struct store_replay_item {
    int64_t seq;
    bool is_observation;
    const struct store_observation *observation; /* when is_observation */
    const struct store_resource *resource;       /* otherwise */
};

/* Calls fn for every stored input (all versions) in sequence order. */
int store_replay(store *s, int (*fn)(void *arg, const struct store_replay_item *item), void *arg,
                 verr *e);

/* ---- Export ---------------------------------------------------------------------------- */

/* Calls fn with the current version of every resource: Patients first (creation order),
 * then the other resources in sequence order, with their id and id_form (enum
 * fhir_id_form). fn returning non-zero stops. */
int store_export(store *s,
                 int (*fn)(void *arg, const char *type, const char *id, int id_form,
                           const char *json, size_t len),
                 void *arg, verr *e);

/* ---- Copy between databases ------------------------------------------------------------ */

/* Copies every table of `from` into `to` (either engine to either engine): `to` must be
 * empty and at the same schema version (store_open for writing applies the migrations).
 * Rows keep their ids and sequence numbers, so both databases export the same. `progress`
 * (may be NULL) is told each table's row count once it is copied. One snapshot of `from`,
 * one transaction on `to`: on failure `to` stays empty. */
int store_copy(store *from, store *to,
               void (*progress)(void *arg, const char *table, int64_t rows), void *arg,
               verr *e);

/* ---- Integrity ------------------------------------------------------------------------- */

struct store_check_report {
    int64_t log_entries;
    int64_t observations;
    int64_t resources;
    int64_t problems;
};

/* One normalised row and where it came from, for tracing rows back to the log. */
struct store_trace_row {
    const char *type; /* "Patient", "Observation", or the resource type */
    const char *id;
    int64_t log_id, log_entry;
    int kind;             /* observations */
    double value, value2; /* observations: NaN when absent */
    int status;           /* observations */
};

/* Calls fn for every row of every table, ordered by (log_id, log_entry). */
int store_trace_each(store *s, int (*fn)(void *arg, const struct store_trace_row *row),
                     void *arg, verr *e);

/* SQLite's integrity_check, the ingest log's digests, and every normalised row traced back
 * to its log entry. Each problem is reported through `problem` (may be NULL). */
int store_check(store *s, struct store_check_report *report,
                void (*problem)(void *arg, const char *message), void *arg, verr *e);

/* ---- Identity hashes ------------------------------------------------------------------- */

/* 16-byte BLAKE2b of the given parts (each part length-prefixed, so ("ab","c") differs from
 * ("a","bc")). */
void store_hash(unsigned char out[STORE_HASH_SIZE], const void *const *parts,
                const size_t *lengths, size_t count);

/* ---- Registry: regions, territories, sites, professionals, enrolments ------------------ */

#define STORE_CODE_MAX 32 /* ids of territories, sites and professionals, with the NUL */

struct store_region {
    char code[4];  /* INSEE region code: "28" */
    char name[64];
};

/* A region by INSEE code; 1 when unknown. */
int store_region_get(store *s, const char *code, struct store_region *out, verr *e);
/* Calls fn for every region in code order. */
int store_region_each(store *s, int (*fn)(void *arg, const struct store_region *r), void *arg,
                      verr *e);

struct store_territory {
    char id[STORE_CODE_MAX];
    char name[128];
    char region[4];
    int64_t quota;        /* places for enrolled patients; -1: no quota */
    char **communes;      /* INSEE commune codes, owned (store_territory_free) */
    size_t commune_count;
    int64_t created_ms, updated_ms;
};

/* Creates a territory with its communes; 1 when the id exists. */
int store_territory_add(store *s, const struct store_territory *t, verr *e);
/* Updates name, region, quota and updated_ms; replaces the communes when `communes` is set.
 * 1 when unknown. */
int store_territory_update(store *s, const struct store_territory *t, bool communes, verr *e);
/* Loads a territory with its communes; 1 when unknown. */
int store_territory_get(store *s, const char *id, struct store_territory *out, verr *e);
/* Calls fn for every territory in id order. */
int store_territory_each(store *s, int (*fn)(void *arg, const struct store_territory *t),
                         void *arg, verr *e);
void store_territory_free(struct store_territory *t);
/* The territory a commune belongs to; 1 when none. */
int store_commune_territory(store *s, const char *commune, char territory[STORE_CODE_MAX],
                            verr *e);

struct store_site {
    char id[STORE_CODE_MAX];
    char territory[STORE_CODE_MAX];
    char kind[24];        /* registry.h: msp, smp, ehpad, telemedicine, hospital */
    char name[128];
    char commune[8];
    int64_t created_ms;
};

/* 1 when the id exists. */
int store_site_add(store *s, const struct store_site *site, verr *e);
/* 1 when unknown. */
int store_site_get(store *s, const char *id, struct store_site *out, verr *e);
/* Sites of a territory in id order. */
int store_site_each(store *s, const char *territory,
                    int (*fn)(void *arg, const struct store_site *site), void *arg, verr *e);

struct store_professional {
    char id[STORE_CODE_MAX];
    char territory[STORE_CODE_MAX];
    char name[128];
    char profession[24];  /* registry.h: gp, nurse, ipa, specialist, pharmacist, ... */
    char rpps[16];        /* RPPS number, "" when not given */
    char site[STORE_CODE_MAX]; /* "" when attached to no site */
    char username[64];    /* Vigie account, "" when none */
    int64_t created_ms;
};

/* 1 when the id exists. */
int store_professional_add(store *s, const struct store_professional *p, verr *e);
/* Professionals of a territory in id order. */
int store_professional_each(store *s, const char *territory,
                            int (*fn)(void *arg, const struct store_professional *p), void *arg,
                            verr *e);

struct store_expected {
    char kind[24];        /* measure_info()->name: "weight" */
    double per_day;
};

struct store_enrolment {
    int64_t id;
    int64_t patient_key;
    char patient[72];     /* the patient's id (filled by reads) */
    char territory[STORE_CODE_MAX];
    int64_t start_ms;
    int64_t end_ms;       /* STORE_NO_TIME: open-ended */
    char **conditions;    /* SNOMED CT codes, owned (store_enrolment_free) */
    size_t condition_count;
    struct store_expected *expected; /* owned */
    size_t expected_count;
    char created_by[64];
    int64_t created_ms, updated_ms;
};

/* The patient's enrolment open at now (no end, or an end after now); 1 when none. */
int store_enrolment_open(store *s, int64_t patient_key, int64_t now_ms,
                         struct store_enrolment *out, verr *e);
/* Adds an enrolment with its conditions and expected measurements; sets en->id. */
int store_enrolment_add(store *s, struct store_enrolment *en, verr *e);
/* Replaces the start, end, conditions and expected measurements of enrolment en->id. */
int store_enrolment_update(store *s, const struct store_enrolment *en, verr *e);
/* Number of enrolments of a territory open at now. */
int store_enrolment_count(store *s, const char *territory, int64_t now_ms, int64_t *count,
                          verr *e);
/* Calls fn for each enrolment open at now, of one territory (NULL: all), by territory then
 * patient id. */
int store_enrolment_each(store *s, const char *territory, int64_t now_ms,
                         int (*fn)(void *arg, const struct store_enrolment *en), void *arg,
                         verr *e);
void store_enrolment_free(struct store_enrolment *en);
/* Programme figures at now: for each territory with open enrolments, fn once with
 * condition NULL (all of them), then once per condition code. */
int store_programme_each(store *s, int64_t now_ms,
                         int (*fn)(void *arg, const char *territory, const char *condition,
                                   int64_t enrolled),
                         void *arg, verr *e);

/* ---- Audit trail ----------------------------------------------------------------------- */

struct store_audit_row {
    int64_t id;           /* assigned by the store */
    int64_t at_ms;
    int64_t user_id;      /* 0 when no account (the command line, an unknown login) */
    const char *username;
    const char *role;
    const char *address;  /* client address, or NULL */
    const char *action;   /* "read", "write", "manage", "login", "route" */
    const char *what;     /* the request: "GET /fhir/Observation?patient=p-1" */
    const char *patient;  /* patient id, or NULL */
    bool allowed;
    int64_t count;        /* identical decisions merged into this row */
};

/* Appends rows in order (the table refuses updates and deletes). */
int store_audit_append(store *s, const struct store_audit_row *rows, size_t n, verr *e);

struct store_audit_query {
    const char *patient;  /* NULL: any */
    const char *username; /* NULL: any */
    int allowed;          /* -1: any; 0: denied only; 1: allowed only */
    int64_t from_ms, to_ms; /* inclusive; STORE_NO_TIME: open */
    int64_t before_id;    /* 0: from the newest; else only rows with a smaller id */
    int limit;
};

/* Calls fn for the matching rows, newest first (strings valid during the call); returns
 * the number of rows or -1. fn returning non-zero stops. */
int store_audit_search(store *s, const struct store_audit_query *q,
                       int (*fn)(void *arg, const struct store_audit_row *row), void *arg,
                       verr *e);

/* ---- Engines and nodes ----------------------------------------------------------------
 *
 * A SQLite database belongs to one process. On PostgreSQL several nodes (`vigie serve`
 * processes) share one database: each node's writer takes the cluster's writer turn at the
 * start of each of its transactions, then catches the state it keeps in memory (patient
 * cache, triage engine) up with what the other nodes committed meanwhile. Turns are taken
 * one node at a time, so input sequence numbers and ids follow the commit order across the
 * cluster. docs/postgresql.md says why and what it costs. */

enum store_engine { STORE_SQLITE, STORE_POSTGRES };

enum store_engine store_engine_of(const store *s);
/* True when `target` names a PostgreSQL database (postgresql:// or postgres:// URI). */
bool store_target_is_postgres(const char *target);
/* The target as it may be printed: a URI loses its password. */
void store_target_redacted(const char *target, char *out, size_t n);

/* What other nodes committed, in this order: patients created or changed, inputs (all
 * versions, in sequence order), enrolments created or changed (open or ended), threshold
 * overrides (oldest first), notified events. Any member may be NULL. */
struct store_sync_sink {
    void *arg;
    int (*patient)(void *arg, int64_t key, const char *id, const char *territory);
    int (*input)(void *arg, const struct store_replay_item *item);
    int (*enrolment)(void *arg, const struct store_enrolment *en);
    int (*override)(void *arg, int64_t patient_key, const char *json);
    int (*event)(void *arg, int64_t patient_key, const char *rule, int category,
                 int64_t at_ms);
};

/* The writer's connection, in a transaction just begun: waits for the cluster's writer turn
 * (held until the transaction ends), then hands `sink` what other nodes committed since this
 * connection's previous turn. What this connection read with store_patient_each,
 * store_replay, store_enrolment_each (all territories), store_override_each and
 * store_events_since counts as known: only later commits are handed over. *max_seq receives
 * the highest input sequence number committed (0 on SQLite, where the caller's own count is
 * the truth). SQLite: returns at once. */
int store_turn(store *s, const struct store_sync_sink *sink, int64_t *max_seq, verr *e);

/* In the writer's transaction: whether this node runs the time-based work (missing
 * transmissions, escalation) now. Across the cluster one node does, at most once per
 * `period_ms`. SQLite: always true. */
int store_tick_claim(store *s, int64_t now_ms, int64_t period_ms, bool *mine, verr *e);

/* Waits up to `timeout_ms` for another commit to the change feed, on any node (PostgreSQL's
 * LISTEN on this connection, a reader of its own). Returns 1 when one came, 0 after the
 * timeout, -1 on error. SQLite: the writer publishes every change itself; returns 0 after
 * the timeout. */
int store_feed_wait(store *s, int timeout_ms, verr *e);

#endif
