#include "platform/platform.h"
#include "platform/platform_int.h"
#include "core/mem.h"

#include <stdlib.h>

/* Most resources waiting for the writer before new requests are told to retry. */
#define PLATFORM_MAX_PENDING 200000

struct platform *platform_open(const char *db_path, config *cfg,
                               const struct platform_publisher *publisher, verr *e)
{
    struct platform *p = xcalloc(1, sizeof *p);
    p->db_path = xstrdup(db_path);
    int64_t future_ms;
    if (config_get_size(cfg, "server.max_body", "32MiB", &p->max_body, e) < 0 ||
        config_get_duration(cfg, "ingest.future_tolerance", "10min", &future_ms, e) < 0 ||
        triage_config_load(cfg, &p->triage_config, e) < 0 ||
        cases_config_load(cfg, &p->cases_config, e) < 0)
        goto fail;
    p->store = store_open(db_path, STORE_WRITE, e);
    if (!p->store) goto fail;
    struct ingest_options io = {.future_tolerance_ms = future_ms};
    p->ing = ingest_new(p->store, &io, e);
    if (!p->ing) goto fail;
    p->triage = platform_triage_new(p, publisher, e);
    if (!p->triage) goto fail;
    struct writer_hooks hooks;
    ingest_writer_hooks(p->ing, &hooks);
    p->writer = writer_start(p->store, &hooks, PLATFORM_MAX_PENDING, e);
    if (!p->writer) goto fail;
    return p;
fail:
    platform_close(p);
    return NULL;
}

void platform_drain(struct platform *p)
{
    if (!p) return;
    writer_stop(p->writer);
    p->writer = NULL;
}

void platform_close(struct platform *p)
{
    if (!p) return;
    platform_drain(p);
    platform_triage_free(p->triage);
    ingest_free(p->ing);
    store_close(p->store);
    free(p->db_path);
    free(p);
}
