#include "platform/platform.h"
#include "platform/platform_int.h"
#include "core/log.h"
#include "core/mem.h"

#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Most resources waiting for the writer before new requests are told to retry. */
#define PLATFORM_MAX_PENDING 200000
/* How often the checkpointer copies the WAL back into the database. */
#define CHECKPOINT_EVERY_MS 250

/* The checkpointer: its own connection copies committed pages from the WAL into the
 * database, so the writer thread never stops to do it (with synchronous=FULL a checkpoint
 * also waits for an fsync of the database file). */
static void *checkpointer(void *arg)
{
    struct platform *p = arg;
    verr e;
    store *s = store_open(p->db_path, STORE_WRITE, &e);
    if (!s) {
        log_error("checkpointer: %s", e.msg);
        return NULL;
    }
    pthread_mutex_lock(&p->checkpoint_lock);
    while (!p->checkpoint_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->checkpoint_wake, &p->checkpoint_lock, &ts);
        if (p->checkpoint_stop) break;
        pthread_mutex_unlock(&p->checkpoint_lock);
        if (store_checkpoint(s, &e) < 0) log_warn("checkpointer: %s", e.msg);
        pthread_mutex_lock(&p->checkpoint_lock);
    }
    pthread_mutex_unlock(&p->checkpoint_lock);
    store_checkpoint(s, &e);
    store_close(s);
    return NULL;
}

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
    p->audit = audit_log_new(AUDIT_DEFAULT_MAX_PENDING);
    ingest_set_audit(p->ing, p->audit);
    p->registry = registry_new(p->ing, p->audit);
    p->triage = platform_triage_new(p, publisher, e);
    if (!p->triage) goto fail;
    if (store_engine_of(p->store) == STORE_POSTGRES) {
        /* PostgreSQL checkpoints by itself; other nodes' queue changes come by notification */
        platform_listener_start(p);
    } else {
        store_manual_checkpoints(p->store);
        pthread_mutex_init(&p->checkpoint_lock, NULL);
        pthread_cond_init(&p->checkpoint_wake, NULL);
        p->checkpoint_started =
            pthread_create(&p->checkpoint_thread, NULL, checkpointer, p) == 0;
    }
    struct writer_hooks hooks;
    ingest_writer_hooks(p->ing, &hooks);
    audit_writer_hooks(p->audit, &hooks);
    p->writer = writer_start(p->store, &hooks, PLATFORM_MAX_PENDING, e);
    if (!p->writer) goto fail;
    audit_log_attach(p->audit, p->writer);
    return p;
fail:
    platform_close(p);
    return NULL;
}

void platform_drain(struct platform *p)
{
    if (!p) return;
    /* Detached first: after this no reader holds the writer to nudge it. */
    if (p->audit) audit_log_attach(p->audit, NULL);
    writer_stop(p->writer);
    p->writer = NULL;
    platform_listener_stop(p);
    if (p->checkpoint_started) {
        pthread_mutex_lock(&p->checkpoint_lock);
        p->checkpoint_stop = true;
        pthread_cond_signal(&p->checkpoint_wake);
        pthread_mutex_unlock(&p->checkpoint_lock);
        pthread_join(p->checkpoint_thread, NULL);
        p->checkpoint_started = false;
        pthread_mutex_destroy(&p->checkpoint_lock);
        pthread_cond_destroy(&p->checkpoint_wake);
    }
}

void platform_close(struct platform *p)
{
    if (!p) return;
    platform_drain(p);
    verr e;
    if (p->audit && p->store && audit_log_flush(p->audit, p->store, &e) < 0)
        log_error("audit: %s", e.msg);
    audit_log_free(p->audit);
    registry_free(p->registry);
    platform_triage_free(p->triage);
    ingest_free(p->ing);
    store_close(p->store);
    free(p->db_path);
    free(p);
}
