/* The platform's core, assembled once for every entry point that writes (vigie serve,
 * vigie import): the store, the ingestion pipeline, the triage engine and the cases behind
 * the single writer thread. HTTP is layered on top by serve.
 *
 * Triage runs in the writer thread on every committed input, in commit order, inside the
 * input's own transaction: an input and the events it raised are stored together or not at
 * all. At start-up the engine's state is rebuilt by replaying the stored inputs (their
 * events are already stored) and re-arming suppression windows from the stored events, so
 * a restart neither loses nor repeats events. */
#ifndef VIGIE_PLATFORM_H
#define VIGIE_PLATFORM_H

#include <pthread.h>
#include <stdbool.h>

#include "cases/cases.h"
#include "core/config.h"
#include "core/verr.h"
#include "auth/audit.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "store/store.h"
#include "store/writer.h"
#include "triage/triage.h"

/* Receives the queue changes made visible by a commit (writer thread; must not block). */
typedef void (*platform_publish_fn)(void *ctx, int64_t feed_id, const char *territory,
                                    const char *kind, const char *data);

struct platform_triage;

struct platform {
    char *db_path;
    store *store; /* the writer's connection */
    ingest *ing;
    writer *writer;
    int64_t max_body; /* server.max_body */
    audit_log *audit; /* written by the writer in each transaction */
    registry *registry; /* enrolments (writer side); registry_set_sink wires triage */
    struct triage_config triage_config;
    struct cases_config cases_config;
    struct platform_triage *triage; /* engine and event plumbing (writer thread) */
    /* the checkpointer thread (platform.c) */
    pthread_t checkpoint_thread;
    pthread_mutex_t checkpoint_lock;
    pthread_cond_t checkpoint_wake;
    bool checkpoint_stop, checkpoint_started;
};

/* Where committed queue changes go (the live stream), and a heartbeat called every 15 s to
 * keep idle streams open. */
struct platform_publisher {
    platform_publish_fn publish;
    void (*heartbeat)(void *ctx);
    void *ctx;
};

/* Opens the database (creating it), reads the platform's settings from `cfg` (which may be
 * empty), rebuilds in-memory state from the store and starts the writer. `publisher` may be
 * NULL (nobody listens). */
struct platform *platform_open(const char *db_path, config *cfg,
                               const struct platform_publisher *publisher, verr *e);
/* Commits what is queued and stops the writer (the store stays open). Readers may still
 * record audit decisions: they wait in memory for platform_close. */
void platform_drain(struct platform *p);
/* Drains, then closes everything. */
void platform_close(struct platform *p);

/* Writer-thread helpers for jobs that change triage state outside ingestion. */
triage_engine *platform_engine(struct platform *p);

#endif
