/* The platform's core, assembled once for every entry point that writes (vigie serve,
 * vigie import): the store, the ingestion pipeline, triage and cases behind the single
 * writer thread. HTTP is layered on top by serve. */
#ifndef VIGIE_PLATFORM_H
#define VIGIE_PLATFORM_H

#include "core/config.h"
#include "core/verr.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "store/writer.h"

struct platform {
    char *db_path;
    store *store;     /* the writer's connection */
    ingest *ing;
    writer *writer;
    int64_t max_body; /* server.max_body */
};

/* Opens the database (creating it), reads the platform's settings from `cfg` (which may be
 * empty), rebuilds in-memory state from the store and starts the writer. */
struct platform *platform_open(const char *db_path, config *cfg, verr *e);
/* Commits what is queued, stops the writer and closes everything. */
void platform_close(struct platform *p);

#endif
