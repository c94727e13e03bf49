/* The writer-side state of ingestion: patient keys and the input sequence. */
#include "ingest/ingest_int.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void ingest_patient_set_territory(ingest *ing, int64_t key, const char *territory)
{
    if (key <= 0) return;
    if ((size_t)key >= ing->territory_cap) {
        size_t cap = ing->territory_cap ? ing->territory_cap : 1024;
        while (cap <= (size_t)key) cap *= 2;
        ing->territories = xrealloc(ing->territories, cap * sizeof *ing->territories);
        memset(ing->territories + ing->territory_cap, 0,
               (cap - ing->territory_cap) * sizeof *ing->territories);
        ing->territory_cap = cap;
    }
    free(ing->territories[key]);
    ing->territories[key] = territory && *territory ? xstrdup(territory) : NULL;
}

const char *ingest_patient_territory(ingest *ing, int64_t key)
{
    return key > 0 && (size_t)key < ing->territory_cap ? ing->territories[key] : NULL;
}

static int cache_patient(void *arg, int64_t key, const char *id, const char *territory)
{
    ingest *ing = arg;
    strmap_put(&ing->patients, id, strlen(id), key);
    ingest_patient_set_territory(ing, key, territory);
    return 0;
}

static void clear_territories(ingest *ing)
{
    for (size_t i = 0; i < ing->territory_cap; i++) free(ing->territories[i]);
    free(ing->territories);
    ing->territories = NULL;
    ing->territory_cap = 0;
}

int ingest_reload(ingest *ing, verr *e)
{
    strmap_clear(&ing->patients);
    clear_territories(ing);
    if (store_patient_each(ing->s, cache_patient, ing, e) < 0) return -1;
    ing->next_seq = store_max_seq(ing->s) + 1;
    return 0;
}

ingest *ingest_new(store *s, const struct ingest_options *options, verr *e)
{
    ingest *ing = xcalloc(1, sizeof *ing);
    ing->s = s;
    ing->options = *options;
    strmap_init(&ing->patients);
    if (ingest_reload(ing, e) < 0) {
        ingest_free(ing);
        return NULL;
    }
    return ing;
}

void ingest_free(ingest *ing)
{
    if (!ing) return;
    strmap_free(&ing->patients);
    clear_territories(ing);
    free(ing);
}

void ingest_set_sink(ingest *ing, const struct ingest_sink *sink)
{
    ing->sink = *sink;
}

void ingest_set_audit(ingest *ing, audit_log *audit)
{
    ing->audit = audit;
}

struct audit_actor ingest_actor(const struct ingest_request *req)
{
    return (struct audit_actor){
        .who = req->who, .name = req->sender, .what = req->channel, .in_writer = true};
}

int64_t ingest_patient_key(ingest *ing, const char *id)
{
    int64_t key;
    return strmap_get(&ing->patients, id, strlen(id), &key) ? key : 0;
}

int64_t ingest_next_seq(ingest *ing)
{
    return ing->next_seq++;
}

store *ingest_store(ingest *ing)
{
    return ing->s;
}

static void rebuild_sink(ingest *ing)
{
    ing->sink_dirty = false;
    if (ing->sink.rebuild) ing->sink.rebuild(ing->sink.ctx);
}

static void after_commit(void *ctx)
{
    ingest *ing = ctx;
    if (ing->sink_dirty) rebuild_sink(ing);
    if (ing->sink.committed) ing->sink.committed(ing->sink.ctx);
}

static int tick(void *ctx, int64_t now_ms, verr *e)
{
    ingest *ing = ctx;
    return ing->sink.tick ? ing->sink.tick(ing->sink.ctx, now_ms, e) : 0;
}

static void after_rollback(void *ctx)
{
    ingest *ing = ctx;
    verr e;
    log_warn("ingest: a transaction was rolled back; reloading state from the store");
    if (ingest_reload(ing, &e) < 0) log_error("ingest: reload failed: %s", e.msg);
    rebuild_sink(ing);
}

/* ---- What other nodes committed (PostgreSQL) --------------------------------------------- */

static int sync_input(void *arg, const struct store_replay_item *item)
{
    ingest *ing = arg;
    return ing->sink.sync.input ? ing->sink.sync.input(ing->sink.ctx, item) : 0;
}

static int sync_enrolment(void *arg, const struct store_enrolment *en)
{
    ingest *ing = arg;
    return ing->sink.sync.enrolment ? ing->sink.sync.enrolment(ing->sink.ctx, en) : 0;
}

static int sync_override(void *arg, int64_t patient_key, const char *json)
{
    ingest *ing = arg;
    return ing->sink.sync.override ? ing->sink.sync.override(ing->sink.ctx, patient_key, json)
                                   : 0;
}

static int sync_event(void *arg, int64_t patient_key, const char *rule, int category,
                      int64_t at_ms)
{
    ingest *ing = arg;
    return ing->sink.sync.event
               ? ing->sink.sync.event(ing->sink.ctx, patient_key, rule, category, at_ms)
               : 0;
}

/* Each writer transaction first takes the writer's turn: on PostgreSQL the patients, inputs
 * and changes other nodes committed reach the caches before any job of this node runs, and
 * the input sequence continues after theirs. */
static int after_begin(void *ctx, verr *e)
{
    ingest *ing = ctx;
    struct store_sync_sink sink = {
        .arg = ing,
        .patient = cache_patient,
        .input = sync_input,
        .enrolment = sync_enrolment,
        .override = sync_override,
        .event = sync_event,
    };
    int64_t max_seq;
    if (store_turn(ing->s, &sink, &max_seq, e) < 0) return -1;
    if (max_seq >= ing->next_seq) ing->next_seq = max_seq + 1;
    return 0;
}

void ingest_writer_hooks(ingest *ing, struct writer_hooks *hooks)
{
    memset(hooks, 0, sizeof *hooks);
    hooks->ctx = ing;
    hooks->after_begin = after_begin;
    hooks->after_commit = after_commit;
    hooks->after_rollback = after_rollback;
    hooks->tick = tick;
    hooks->tick_ms = 1000;
}
