/* Ingestion: from received bytes to committed rows. A request is prepared in the thread
 * that received it (JSON parsing, FHIR validation, ids, serialisation: the costly part,
 * done in parallel), then applied by the single writer thread (patients resolved,
 * duplicates found, rows inserted, signals handed to triage), then answered once its
 * transaction committed.
 *
 *   ingest_request_new -> ingest_prepare_* -> writer_submit(&req->job) -> done -> response
 *
 * Bodies: one resource, a Bundle (batch: each entry its own outcome; transaction: all or
 * nothing) or NDJSON lines. */
#ifndef VIGIE_INGEST_H
#define VIGIE_INGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "fhir/fhir.h"
#include "frailty/frailty.h"
#include "store/store.h"
#include "store/writer.h"

typedef struct ingest ingest;

/* What the platform does with each stored input, in the writer thread, inside the
 * transaction (triage, cases). Any member may be NULL. */
struct ingest_sink {
    void *ctx;
    /* A new observation row; when it is a new version of an earlier one (a correction),
     * `replaced` describes the version it supersedes (else NULL). */
    int (*observation)(void *ctx, const struct store_observation *o,
                       const struct fhir_observation *parsed,
                       const struct store_obs_ref *replaced, verr *e);
    int (*communication)(void *ctx, const struct store_resource *r,
                         const struct fhir_communication *c, verr *e);
    int (*service_request)(void *ctx, const struct store_resource *r,
                           const struct fhir_service_request *s, verr *e);
    int (*condition)(void *ctx, const struct store_resource *r, const struct fhir_condition *c,
                     verr *e);
    /* A scored frailty screening (ICOPE step 1). */
    int (*screening)(void *ctx, const struct store_resource *r,
                     const struct frailty_response *response,
                     const struct frailty_result *result, verr *e);
    int (*patient)(void *ctx, int64_t key, const char *id, bool created, verr *e);
    /* Called about once a second in its own transaction (timers: missing transmissions,
     * escalation). */
    int (*tick)(void *ctx, int64_t now_ms, verr *e);
    /* After each commit (publish what it made visible). */
    void (*committed)(void *ctx);
    /* The sink's state may hold effects of inputs that were rolled back: rebuild it from
     * the store (called in the writer thread, outside any transaction). */
    void (*rebuild)(void *ctx);
    /* What other nodes committed (several nodes on PostgreSQL, store_turn), handed over at
     * the start of each writer transaction: inputs, enrolments, overrides, events. `arg` and
     * `patient` are ingest's own (the patient cache); the others get ctx. */
    struct store_sync_sink sync;
};

struct ingest_options {
    int64_t future_tolerance_ms; /* clinical times beyond now + this are refused */
};

/* Created and used by the writer thread only (after construction). Loads the patient keys
 * and the input sequence from `s`. */
ingest *ingest_new(store *s, const struct ingest_options *options, verr *e);
void ingest_free(ingest *ing);
void ingest_set_sink(ingest *ing, const struct ingest_sink *sink);
/* Where the access decisions on the patients a request touches are recorded. */
void ingest_set_audit(ingest *ing, audit_log *audit);
/* The writer hooks for this ingest (after_rollback reloads the patient cache). */
void ingest_writer_hooks(ingest *ing, struct writer_hooks *hooks);
/* Key of a patient id known to the platform, or 0 (writer thread). */
int64_t ingest_patient_key(ingest *ing, const char *id);
/* Enrolment territory of a patient key, or NULL (writer thread). */
const char *ingest_patient_territory(ingest *ing, int64_t key);
/* Records a patient's new territory in the cache (after store_patient_set_territory). */
void ingest_patient_set_territory(ingest *ing, int64_t key, const char *territory);
/* Next input sequence number (writer thread). */
int64_t ingest_next_seq(ingest *ing);
store *ingest_store(ingest *ing);

/* ---- Requests ------------------------------------------------------------------------ */

enum ingest_item_type {
    ITEM_INVALID, /* refused while preparing: see outcome */
    ITEM_OBSERVATION,
    ITEM_PATIENT,
    ITEM_CONDITION,
    ITEM_COMMUNICATION,
    ITEM_SERVICE_REQUEST,
    ITEM_QUESTIONNAIRE_RESPONSE, /* a frailty screening (ICOPE step 1) */
};

struct ingest_item {
    int64_t log_entry;         /* index in the request's log record */
    enum ingest_item_type type;
    json_t *json;              /* the resource (owned) */
    const char *text;          /* the resource as it will be stored: its bytes as received
                                  (inside the request's raw bytes), or a serialisation */
    size_t text_len;
    char *text_owned;          /* the serialisation, when text is not the received bytes */
    const char *client_id;     /* the resource's own "id", if any (kept after json is freed) */
    int id_form;               /* enum fhir_id_form: how `id` relates to `text` */
    bool keep_id;              /* PUT or import: the id is the client's */
    union {
        struct fhir_observation obs;
        struct fhir_patient patient;
        struct fhir_condition condition;
        struct fhir_communication communication;
        struct fhir_service_request request;
        struct frailty_response frailty;
    } u;
    struct frailty_result *frailty_result; /* scored by apply (owned) */
    /* outcome, filled by prepare (refusals) and apply */
    int status;                /* HTTP status of this entry */
    char id[72];               /* id stored or found */
    int version;
    bool duplicate;
    struct fhir_outcome outcome;
};

enum ingest_body { BODY_RESOURCE, BODY_BUNDLE, BODY_NDJSON };

struct ingest_request {
    struct writer_job job;     /* first member: the writer sees the request as a job */
    ingest *ing;
    int64_t received_ms;
    char sender[128];
    char channel[128];
    enum ingest_body body;
    bool transaction;          /* all or nothing */
    struct ingest_item *items;
    size_t count, cap;
    arena strings;             /* strings kept from freed JSON trees (observations) */
    struct fhir_outcome outcome;  /* request-level issues (malformed body, refused bundle) */
    const char *raw;           /* the bytes received (borrowed until the job is done) */
    size_t raw_len;
    int64_t log_id;
    /* Who sent it: the access rules are applied to every patient it touches. NULL for a
     * trusted local source (the command line). Owned. */
    struct auth_principal *who;
    /* set by the receiver; called from the writer thread when done */
    void (*on_done)(struct ingest_request *req, int status);
    void *user;
};

/* A request for `ing` received at `received_ms` from `sender` through `channel`. */
struct ingest_request *ingest_request_new(ingest *ing, int64_t received_ms, const char *sender,
                                          const char *channel);
void ingest_request_free(struct ingest_request *req);
/* Applies the access rules of `who` (copied) to this request. */
void ingest_request_set_principal(struct ingest_request *req, const struct auth_principal *who);

/* Prepares a body holding one resource of `type` (NULL: any accepted type). `put_id` is the
 * id from a PUT URL (NULL for POST). Returns 0 when something can be applied. */
int ingest_prepare_resource(struct ingest_request *req, const char *type, const char *put_id,
                            const char *raw, size_t n);
/* Prepares a Bundle of type batch or transaction. */
int ingest_prepare_bundle(struct ingest_request *req, const char *raw, size_t n);
/* Prepares NDJSON lines (any accepted types; ids are kept, as in a bulk import).
 * `first_line` numbers the lines in messages. Empty lines are skipped (still counted). */
int ingest_prepare_ndjson(struct ingest_request *req, const char *raw, size_t n,
                          int64_t first_line);
/* True when at least one item will be applied. */
bool ingest_request_has_work(const struct ingest_request *req);

/* "Observation", "Patient", ... (NULL for ITEM_INVALID). */
const char *ingest_item_type_name(enum ingest_item_type type);

/* HTTP status for the whole request after it was applied (or refused). */
int ingest_response_status(const struct ingest_request *req);
/* Writes the response body: an OperationOutcome for a single resource (its issues, the
 * created id, notes such as "stored, not triaged"), a batch-response or
 * transaction-response Bundle, or an OperationOutcome summary for NDJSON. */
int ingest_write_response(const struct ingest_request *req, buf *out);
/* Totals over the items. */
struct ingest_totals {
    size_t created, updated, duplicates, refused;
};
void ingest_request_totals(const struct ingest_request *req, struct ingest_totals *t);

#endif
