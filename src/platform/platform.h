/* The platform's core, assembled once for every entry point that writes (vigie serve,
 * vigie import): the store, the ingestion pipeline, triage and cases behind the single
 * writer thread. HTTP is layered on top by serve. */
#ifndef VIGIE_PLATFORM_H
#define VIGIE_PLATFORM_H

#include "core/config.h"
#include "core/verr.h"
#include "auth/audit.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "store/store.h"
#include "store/writer.h"

struct platform {
    char *db_path;
    store *store;     /* the writer's connection */
    ingest *ing;
    writer *writer;
    int64_t max_body; /* server.max_body */
    audit_log *audit; /* written by the writer in each transaction */
    registry *registry; /* enrolments (writer side); registry_set_sink wires triage */
};

/* Opens the database (creating it), reads the platform's settings from `cfg` (which may be
 * empty), rebuilds in-memory state from the store and starts the writer. */
struct platform *platform_open(const char *db_path, config *cfg, verr *e);
/* Commits what is queued and stops the writer (the HTTP server may still answer reads;
 * their audit records wait for platform_close). */
void platform_stop_writer(struct platform *p);
/* Commits what is queued, stops the writer and closes everything. */
void platform_close(struct platform *p);

#endif
