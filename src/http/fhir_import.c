/* POST /fhir/$import: NDJSON streamed in chunks of whole lines. Each chunk is prepared in
 * this thread and committed by the writer while the next one is read; at most two chunks
 * are in flight per connection (the connection waits otherwise), so memory stays bounded
 * whatever the size of the upload. The answer is a summary OperationOutcome. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "fhir/fhir.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_CHUNK (1 << 20)
#define IMPORT_IN_FLIGHT 2
#define IMPORT_MAX_ISSUES 200

struct import_state {
    pthread_mutex_t lock;
    buf pending;            /* bytes received, not yet cut into a chunk */
    int64_t next_line;      /* 1-based number of the first line in `pending` */
    int in_flight;
    bool waiting;           /* connection suspended until a chunk completes */
    bool failed;            /* a chunk could not be committed: stop */
    bool finished;          /* end of body seen and flushed */
    struct ingest_totals totals;
    struct fhir_outcome issues;
    char failure[512];
    struct http_request *r;
};

struct import_chunk {
    struct ingest_request *req; /* first use of the chunk: its job */
    char *bytes;
    struct import_state *st;
};

static void state_free(void *p)
{
    struct import_state *st = p;
    buf_free(&st->pending);
    fhir_outcome_free(&st->issues);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Writer thread. */
static void chunk_done(struct writer_job *job, int status)
{
    struct ingest_request *req = (struct ingest_request *)job;
    struct import_chunk *chunk = req->user;
    struct import_state *st = chunk->st;
    struct http_request *r = st->r;
    struct ingest_totals t;
    ingest_request_totals(req, &t);
    pthread_mutex_lock(&st->lock);
    if (status == 0) {
        st->totals.created += t.created;
        st->totals.updated += t.updated;
        st->totals.duplicates += t.duplicates;
        st->totals.refused += t.refused;
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].status >= 400 && st->issues.count < IMPORT_MAX_ISSUES)
                fhir_outcome_merge(&st->issues, &req->items[i].outcome, NULL);
    } else {
        st->failed = true;
        snprintf(st->failure, sizeof st->failure, "%s", job->error.msg);
    }
    st->in_flight--;
    if (st->waiting) {
        st->waiting = false;
        http_resume(r);
    }
    pthread_mutex_unlock(&st->lock);
    ingest_request_free(req);
    free(chunk->bytes);
    free(chunk);
    http_release(r);
}

/* Cuts `len` bytes off the front of pending and sends them as one chunk. */
static void send_chunk(struct http_request *r, struct import_state *st, size_t len)
{
    struct import_chunk *chunk = xcalloc(1, sizeof *chunk);
    chunk->bytes = xmalloc(len + 1);
    memcpy(chunk->bytes, st->pending.data, len);
    chunk->bytes[len] = '\0';
    chunk->st = st;
    int64_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += chunk->bytes[i] == '\n';
    if (len && chunk->bytes[len - 1] != '\n') lines++;
    memmove(st->pending.data, st->pending.data + len, st->pending.len - len);
    st->pending.len -= len;
    st->pending.data[st->pending.len] = '\0';

    struct ingest_request *req = ingest_request_new(http_app_of(r)->ing, instant_now_ms(),
                                                    http_caller_name(r), "POST /fhir/$import");
    chunk->req = req;
    if (http_principal(r)) ingest_request_set_principal(req, http_principal(r));
    ingest_prepare_ndjson(req, chunk->bytes, len, st->next_line);
    st->next_line += lines;
    if (!ingest_request_has_work(req)) {
        /* every line refused: nothing to commit, account for it here */
        struct ingest_totals t;
        ingest_request_totals(req, &t);
        pthread_mutex_lock(&st->lock);
        st->totals.refused += t.refused;
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].status >= 400 && st->issues.count < IMPORT_MAX_ISSUES)
                fhir_outcome_merge(&st->issues, &req->items[i].outcome, NULL);
        pthread_mutex_unlock(&st->lock);
        ingest_request_free(req);
        free(chunk->bytes);
        free(chunk);
        return;
    }
    req->user = chunk;
    req->job.done = chunk_done;
    http_retain(r);
    pthread_mutex_lock(&st->lock);
    st->in_flight++;
    pthread_mutex_unlock(&st->lock);
    if (writer_submit(http_app_of(r)->writer, &req->job) < 0) {
        pthread_mutex_lock(&st->lock);
        st->in_flight--;
        st->failed = true;
        snprintf(st->failure, sizeof st->failure,
                 "the platform is saturated; retry the rest of the import shortly");
        pthread_mutex_unlock(&st->lock);
        ingest_request_free(req);
        free(chunk->bytes);
        free(chunk);
        http_release(r);
    }
}

/* Waits (suspends) when too many chunks are in flight, or at the end until all are done.
 * Returns true when the caller must stop and come back after a resume. */
static bool wait_if(struct http_request *r, struct import_state *st, int limit)
{
    pthread_mutex_lock(&st->lock);
    bool wait = st->in_flight > limit;
    if (wait) {
        st->waiting = true;
        http_suspend(r);
    }
    pthread_mutex_unlock(&st->lock);
    return wait;
}

static void respond_summary(struct http_request *r, struct import_state *st)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    if (st->failed)
        fhir_outcome_add(&oo, FHIR_ERROR, 500, "exception", NULL,
                         "import stopped: %s (what is counted below was committed)", st->failure);
    fhir_outcome_add(&oo, FHIR_INFORMATION, 0, "informational", NULL,
                     "%zu created, %zu updated, %zu duplicates, %zu refused", st->totals.created,
                     st->totals.updated, st->totals.duplicates, st->totals.refused);
    fhir_outcome_merge(&oo, &st->issues, NULL);
    buf b;
    buf_init(&b, (size_t)-1);
    fhir_outcome_write(&oo, &b);
    fhir_outcome_free(&oo);
    http_respond(r, st->failed ? 500 : 200, FHIR_CONTENT_TYPE, &b);
}

int http_fhir_import(struct http_request *r, const char *data, size_t len)
{
    struct import_state *st = http_state(r);
    if (!st) {
        st = xcalloc(1, sizeof *st);
        pthread_mutex_init(&st->lock, NULL);
        buf_init(&st->pending, (size_t)http_app_of(r)->max_body + IMPORT_CHUNK);
        fhir_outcome_init(&st->issues);
        st->next_line = 1;
        st->r = r;
        http_set_state(r, st, state_free);
    }
    if (st->failed && len) return -1; /* discard the rest; answered at the end */
    if (len) {
        if (buf_append(&st->pending, data, len) < 0) {
            st->failed = true;
            snprintf(st->failure, sizeof st->failure,
                     "line %lld is longer than %lld bytes (server.max_body)",
                     (long long)st->next_line, (long long)http_app_of(r)->max_body);
            return -1;
        }
        while (st->pending.len >= IMPORT_CHUNK) {
            char *last = memrchr(st->pending.data, '\n', st->pending.len);
            if (!last) break; /* one long line: wait for its end */
            send_chunk(r, st, (size_t)(last - st->pending.data) + 1);
            if (wait_if(r, st, IMPORT_IN_FLIGHT - 1)) return 0;
        }
        return 0;
    }
    /* End of the body: flush, then wait for every chunk to commit. */
    if (!st->finished) {
        st->finished = true;
        if (st->pending.len && !st->failed) send_chunk(r, st, st->pending.len);
    }
    if (wait_if(r, st, 0)) return 0;
    respond_summary(r, st);
    return 0;
}
