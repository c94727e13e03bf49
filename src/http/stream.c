#include "http/stream.h"
#include "http/http_int.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A subscriber that falls this far behind is disconnected; it resumes with Last-Event-ID. */
#define STREAM_MAX_PENDING (2 << 20)
#define STREAM_BACKFILL_MAX 100000

struct subscriber {
    struct stream_hub *hub;
    struct http_request *r;
    audit_log *audit;
    struct audit_actor actor; /* points into r, retained while subscribed */
    struct subscriber *prev, *next;
    bool linked;
    char **territories; /* NULL with all_territories */
    size_t territory_count;
    bool all_territories;
    /* guarded by hub->lock */
    buf pending;
    size_t sent;      /* bytes of pending already given to MHD */
    bool waiting;     /* suspended until there is something to send */
    bool closing;     /* end the stream once pending is sent */
    bool backfilling; /* live changes wait in `live` until the backfill is queued */
    buf live;
    int64_t backfill_max;
};

struct stream_hub {
    pthread_mutex_t lock;
    struct subscriber *head;
    int count;
    bool closed;
};

struct stream_hub *stream_hub_new(void)
{
    struct stream_hub *hub = xcalloc(1, sizeof *hub);
    pthread_mutex_init(&hub->lock, NULL);
    return hub;
}

static void wake(struct subscriber *s)
{
    if (s->waiting) {
        s->waiting = false;
        http_resume(s->r);
    }
}

void stream_hub_close(struct stream_hub *hub)
{
    if (!hub) return;
    pthread_mutex_lock(&hub->lock);
    hub->closed = true;
    for (struct subscriber *s = hub->head; s; s = s->next) {
        s->closing = true;
        wake(s);
    }
    pthread_mutex_unlock(&hub->lock);
}

void stream_hub_free(struct stream_hub *hub)
{
    if (!hub) return;
    pthread_mutex_destroy(&hub->lock);
    free(hub);
}

int stream_hub_count(struct stream_hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    int n = hub->count;
    pthread_mutex_unlock(&hub->lock);
    return n;
}

static bool interested(const struct subscriber *s, const char *territory)
{
    if (s->all_territories) return true;
    for (size_t i = 0; i < s->territory_count; i++)
        if (!strcmp(s->territories[i], territory)) return true;
    return false;
}

/* The patient a queue change is about: the "patient" member that cases_case_json writes
 * (ids are FHIR ids, never escaped); empty when the change names none. */
static void event_patient(const char *data, char out[FHIR_MAX_ID + 1])
{
    static const char member[] = "\"patient\":\"";
    const char *p = strstr(data, member);
    size_t n = 0;
    if (p)
        for (p += sizeof member - 1; *p && *p != '"' && n < FHIR_MAX_ID; p++) out[n++] = *p;
    out[n] = '\0';
}

/* Whether the subscriber may receive this change: its territory first, then the same
 * patient-level rule as every read, recorded in the audit trail like a read of the queue
 * (one merged row per user and patient). in_writer: called by the writer thread, which
 * must not wait for room in the trail's queue (stream_hub_publish nudges it after). */
static bool may_receive(struct subscriber *s, const char *territory, const char *data,
                        bool in_writer)
{
    if (!interested(s, territory)) return false;
    char patient[FHIR_MAX_ID + 1];
    event_patient(data, patient);
    if (!patient[0]) return true;
    s->actor.in_writer = in_writer;
    return audit_may_patient(s->audit, &s->actor, ACCESS_READ, patient,
                             territory[0] ? territory : NULL);
}

static void format_event(buf *out, int64_t id, const char *kind, const char *data)
{
    buf_printf(out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id, kind, data);
}

/* Appends to a subscriber (hub lock held); a subscriber too far behind is cut off. */
static void deliver(struct subscriber *s, int64_t id, const char *kind, const char *data)
{
    buf *target = s->backfilling ? &s->live : &s->pending;
    if (s->closing) return;
    if (target->len > STREAM_MAX_PENDING) {
        s->closing = true; /* it will reconnect with Last-Event-ID and lose nothing */
    } else {
        format_event(target, id, kind, data);
    }
    wake(s);
}

void stream_hub_publish(void *arg, int64_t feed_id, const char *territory, const char *kind,
                        const char *data)
{
    struct stream_hub *hub = arg;
    pthread_mutex_lock(&hub->lock);
    audit_log *audit = NULL;
    for (struct subscriber *s = hub->head; s; s = s->next) {
        if (may_receive(s, territory, data, true)) deliver(s, feed_id, kind, data);
        audit = s->audit;
    }
    pthread_mutex_unlock(&hub->lock);
    /* Published after a commit: no transaction under way writes those records. */
    audit_log_nudge(audit);
}

void stream_hub_heartbeat(void *arg)
{
    struct stream_hub *hub = arg;
    pthread_mutex_lock(&hub->lock);
    for (struct subscriber *s = hub->head; s; s = s->next) {
        if (s->closing || s->backfilling) continue;
        buf_puts(&s->pending, ": ping\n\n");
        wake(s);
    }
    pthread_mutex_unlock(&hub->lock);
}

static ssize_t stream_read(void *arg, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct subscriber *s = arg;
    pthread_mutex_lock(&s->hub->lock);
    size_t left = s->pending.len - s->sent;
    if (left > 0) {
        size_t n = left < max ? left : max;
        memcpy(out, s->pending.data + s->sent, n);
        s->sent += n;
        if (s->sent == s->pending.len) {
            buf_reset(&s->pending);
            s->sent = 0;
        }
        pthread_mutex_unlock(&s->hub->lock);
        return (ssize_t)n;
    }
    if (s->closing) {
        pthread_mutex_unlock(&s->hub->lock);
        return -1;
    }
    /* Nothing to send: wait, without a thread, until a publish resumes us. */
    s->waiting = true;
    http_suspend(s->r);
    pthread_mutex_unlock(&s->hub->lock);
    return 0;
}

static void stream_free(void *arg)
{
    struct subscriber *s = arg;
    struct stream_hub *hub = s->hub;
    pthread_mutex_lock(&hub->lock);
    if (s->linked) {
        if (s->prev)
            s->prev->next = s->next;
        else
            hub->head = s->next;
        if (s->next) s->next->prev = s->prev;
        hub->count--;
    }
    pthread_mutex_unlock(&hub->lock);
    for (size_t i = 0; i < s->territory_count; i++) free(s->territories[i]);
    free(s->territories);
    buf_free(&s->pending);
    buf_free(&s->live);
    http_release(s->r);
    free(s);
}

static int backfill_one(void *arg, int64_t id, const char *territory, const char *kind,
                        const char *data)
{
    struct subscriber *s = arg;
    if (may_receive(s, territory, data, false)) format_event(&s->pending, id, kind, data);
    s->backfill_max = id;
    return s->pending.len > STREAM_MAX_PENDING ? 1 : 0;
}

void http_api_stream(struct http_request *r)
{
    struct http_app *app = http_app_of(r);
    struct stream_hub *hub = app->hub;
    const struct auth_principal *who = http_principal(r);
    const char *last = http_header(r, "Last-Event-ID");
    if (!last) last = http_query(r, "last_event_id");
    int64_t last_id = -1;
    if (last) {
        char *end;
        last_id = strtoll(last, &end, 10);
        if (*end || last_id < 0) {
            http_respond_error(r, 400, "Last-Event-ID", "Last-Event-ID must be an event id");
            return;
        }
    }
    struct subscriber *s = xcalloc(1, sizeof *s);
    s->hub = hub;
    s->r = r;
    s->audit = app->audit;
    s->actor = http_actor(r);
    s->all_territories = who->role == ROLE_ADMIN;
    s->territory_count = who->territory_count;
    s->territories = xcalloc(who->territory_count + 1, sizeof *s->territories);
    for (size_t i = 0; i < who->territory_count; i++) s->territories[i] = xstrdup(who->territories[i]);
    buf_init(&s->pending, (size_t)STREAM_MAX_PENDING * 2);
    buf_init(&s->live, (size_t)STREAM_MAX_PENDING * 2);
    http_retain(r);

    pthread_mutex_lock(&hub->lock);
    if (hub->closed) {
        pthread_mutex_unlock(&hub->lock);
        stream_free(s);
        http_respond_error(r, 503, NULL, "the server is stopping");
        return;
    }
    s->next = hub->head;
    if (hub->head) hub->head->prev = s;
    hub->head = s;
    s->linked = true;
    hub->count++;
    s->backfilling = last_id >= 0;
    buf_puts(&s->pending, "retry: 2000\n: connected\n\n");
    pthread_mutex_unlock(&hub->lock);

    if (last_id >= 0) {
        /* What the client missed, from the store; changes committed meanwhile wait in `live`
         * and are appended after, without the ones the backfill already holds. */
        store *st = http_reader(r);
        verr e;
        buf missed;
        buf_init(&missed, (size_t)STREAM_MAX_PENDING * 2);
        buf saved = s->pending;
        s->pending = missed;
        s->backfill_max = last_id;
        if (!st || store_feed_since(st, last_id, STREAM_BACKFILL_MAX, backfill_one, s, &e) < 0)
            log_warn("stream: backfill failed");
        missed = s->pending;
        s->pending = saved;
        pthread_mutex_lock(&hub->lock);
        buf_append(&s->pending, missed.data, missed.len);
        /* live events are whole "id: N..." blocks: keep those past the backfill */
        const char *p = buf_cstr(&s->live), *end = p + s->live.len;
        while (p < end) {
            const char *next = strstr(p, "\n\n");
            next = next ? next + 2 : end;
            if (strtoll(p + 4, NULL, 10) > s->backfill_max) buf_append(&s->pending, p, (size_t)(next - p));
            p = next;
        }
        buf_free(&s->live);
        buf_init(&s->live, (size_t)STREAM_MAX_PENDING * 2);
        s->backfilling = false;
        pthread_mutex_unlock(&hub->lock);
        buf_free(&missed);
    }
    http_respond_stream(r, 200, "text/event-stream", stream_read, s, stream_free);
}
