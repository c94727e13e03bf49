/* Private to the ingest module. */
#ifndef VIGIE_INGEST_INT_H
#define VIGIE_INGEST_INT_H

#include "core/strmap.h"
#include "ingest/ingest.h"

struct ingest {
    store *s;
    struct ingest_options options;
    struct ingest_sink sink;
    strmap patients;  /* id -> key */
    char **territories; /* key -> enrolment territory (NULL when not enrolled) */
    size_t territory_cap;
    int64_t next_seq;
    bool sink_dirty;  /* the sink's state may hold effects of a rolled-back job */
    audit_log *audit; /* access decisions (NULL: not recorded) */
};

/* The request's sender as the audit trail names it (writer thread). */
struct audit_actor ingest_actor(const struct ingest_request *req);

/* Adds an item to the request and returns it, zeroed (log_entry set). */
struct ingest_item *ingest_item_add(struct ingest_request *req, int64_t log_entry);
/* Applies a prepared request in the writer thread (writer_job.apply). */
int ingest_apply(void *ctx, struct writer_job *job);
/* Reloads the patient cache and the sequence from the store. */
int ingest_reload(ingest *ing, verr *e);

#endif
