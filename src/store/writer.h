/* The single writer: one thread that owns the writing store connection and commits the
 * jobs submitted by every other thread in groups (group commit). Jobs waiting while a
 * commit runs go into the next transaction together, so one durable fsync serves many
 * requests. A job is acknowledged (its `done` called with 0) only after its transaction
 * committed. */
#ifndef VIGIE_STORE_WRITER_H
#define VIGIE_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/verr.h"
#include "store/store.h"

struct writer_job;

struct writer_hooks {
    void *ctx; /* passed to every apply and hook */
    /* Right after each transaction began, before any job or tick (several nodes on
     * PostgreSQL: take the writer's turn and catch up, store_turn). A failure fails the
     * transaction. */
    int (*after_begin)(void *ctx, verr *e);
    /* After a transaction committed, before the jobs' done callbacks. */
    void (*after_commit)(void *ctx);
    /* After a transaction failed to commit and was rolled back, or committed without a job
     * whose end (store_release) failed after its apply succeeded: in-memory state derived
     * from its jobs must be rebuilt. */
    void (*after_rollback)(void *ctx);
    /* Called every `tick_ms`, busy or not, inside a transaction of its own (timers). A
     * failure rolls that transaction back. */
    int (*tick)(void *ctx, int64_t now_ms, verr *e);
    int tick_ms;
    /* A second party of every transaction (the audit trail): before_commit runs inside the
     * transaction after the jobs, with the writer's store (returning -1 fails the whole
     * transaction); settled runs once the transaction committed or was rolled back. */
    void *party_ctx;
    int (*before_commit)(void *party_ctx, store *s, verr *e);
    void (*settled)(void *party_ctx, bool committed);
};

struct writer_job {
    /* Runs in the writer thread inside the transaction, within its own savepoint.
     * Returning -1 (with a message in job->error) rolls back this job alone. */
    int (*apply)(void *ctx, struct writer_job *job);
    /* Runs in the writer thread once the job's fate is known: status 0 when committed,
     * -1 when it failed (job->error says why). Must not block; may free the job. */
    void (*done)(struct writer_job *job, int status);
    size_t weight; /* resources it carries: bounds the size of one transaction */
    verr error;
    struct writer_job *next;
};

typedef struct writer writer;

/* Starts the thread. The writer uses `s` exclusively until writer_stop. `max_pending` bounds
 * the weight waiting in the queue (backpressure: writer_submit fails past it). */
writer *writer_start(store *s, const struct writer_hooks *hooks, size_t max_pending, verr *e);
/* Queues a job. Returns -1 when the queue is full or the writer is stopping; the job was
 * not taken and its done will not be called. */
int writer_submit(writer *w, struct writer_job *job);
/* Queues a job and waits for its outcome; returns its status. Not for the writer thread. */
int writer_run(writer *w, struct writer_job *job);
/* Commits what is queued, then stops the thread. */
void writer_stop(writer *w);
/* Counters for /metrics. */
struct writer_stats {
    unsigned long long transactions, jobs, failed_jobs, failed_commits;
    size_t pending;
};
void writer_get_stats(writer *w, struct writer_stats *out);

#endif
