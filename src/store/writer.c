#include "store/writer.h"
#include "core/instant.h"
#include "core/log.h"
#include "core/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Largest weight committed in one transaction: keeps a transaction's latency bounded
 * under a flood while still grouping thousands of resources per fsync. */
#define WRITER_MAX_BATCH_WEIGHT 20000

struct writer {
    store *s;
    struct writer_hooks hooks;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct writer_job *head, *tail;
    size_t pending_weight, max_pending;
    bool stopping;
    int64_t last_tick_ms;
    struct writer_stats stats;
};

static void timespec_after_ms(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Runs the tick hook in a transaction of its own when it is due. */
static void maybe_tick(writer *w)
{
    if (!w->hooks.tick || w->hooks.tick_ms <= 0) return;
    int64_t now = instant_now_ms();
    if (now - w->last_tick_ms < w->hooks.tick_ms) return;
    w->last_tick_ms = now;
    verr e;
    if (store_begin(w->s, &e) < 0) {
        log_error("writer: tick: %s", e.msg);
        return;
    }
    if ((w->hooks.after_begin && w->hooks.after_begin(w->hooks.ctx, &e) < 0) ||
        w->hooks.tick(w->hooks.ctx, now, &e) < 0) {
        log_error("writer: tick: %s", e.msg);
        store_rollback(w->s);
        if (w->hooks.after_rollback) w->hooks.after_rollback(w->hooks.ctx);
        return;
    }
    if (store_commit(w->s, &e) < 0) {
        log_error("writer: tick commit: %s", e.msg);
        store_rollback(w->s);
        if (w->hooks.after_rollback) w->hooks.after_rollback(w->hooks.ctx);
        return;
    }
    if (w->hooks.after_commit) w->hooks.after_commit(w->hooks.ctx);
}

/* Takes a batch off the queue; NULL when stopping with nothing left. Runs the tick while
 * waiting. */
static struct writer_job *take_batch(writer *w)
{
    maybe_tick(w);
    pthread_mutex_lock(&w->lock);
    while (!w->head && !w->stopping) {
        if (w->hooks.tick && w->hooks.tick_ms > 0) {
            struct timespec ts;
            timespec_after_ms(&ts, w->hooks.tick_ms);
            int rc = pthread_cond_timedwait(&w->wake, &w->lock, &ts);
            if (rc == ETIMEDOUT && !w->head && !w->stopping) {
                pthread_mutex_unlock(&w->lock);
                maybe_tick(w);
                pthread_mutex_lock(&w->lock);
            }
        } else {
            pthread_cond_wait(&w->wake, &w->lock);
        }
    }
    struct writer_job *batch = w->head, *last = NULL;
    size_t weight = 0;
    for (struct writer_job *j = w->head; j; j = j->next) {
        if (last && weight + j->weight > WRITER_MAX_BATCH_WEIGHT) break;
        weight += j->weight;
        last = j;
    }
    if (last) {
        w->head = last->next;
        if (!w->head) w->tail = NULL;
        last->next = NULL;
        w->pending_weight -= weight;
    }
    pthread_mutex_unlock(&w->lock);
    return batch;
}

/* Calls the done callbacks; returns how many jobs failed. */
static unsigned long long finish(struct writer_job *batch, bool committed)
{
    unsigned long long failed = 0;
    while (batch) {
        struct writer_job *next = batch->next;
        int status = 0;
        if (!committed) {
            status = -1;
            if (!batch->error.msg[0])
                verr_fail(&batch->error, "the database could not commit; nothing was stored");
        } else if (batch->error.msg[0]) {
            status = -1;
        }
        if (status) failed++;
        batch->next = NULL;
        batch->done(batch, status);
        batch = next;
    }
    return failed;
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    pthread_setname_np(pthread_self(), "vigie-writer");
    struct writer_job *batch;
    while ((batch = take_batch(w))) {
        verr e;
        bool committed = false, stale = false;
        unsigned long long jobs = 0;
        if (store_begin(w->s, &e) < 0) {
            log_error("writer: %s", e.msg);
        } else if (w->hooks.after_begin && w->hooks.after_begin(w->hooks.ctx, &e) < 0) {
            log_error("writer: %s", e.msg);
            store_rollback(w->s);
        } else {
            for (struct writer_job *j = batch; j; j = j->next) {
                j->error.msg[0] = '\0';
                jobs++;
                if (store_savepoint(w->s, &j->error) < 0) continue;
                if (j->apply(w->hooks.ctx, j) < 0) {
                    if (!j->error.msg[0]) verr_fail(&j->error, "the request failed");
                    store_rollback_savepoint(w->s);
                } else if (store_release(w->s, &j->error) < 0) {
                    /* PostgreSQL learns of a failed write only here (pipelined writes): the
                     * job's rows go, but what its apply told the caches stays */
                    store_rollback_savepoint(w->s);
                    stale = true;
                }
            }
            if (w->hooks.before_commit &&
                w->hooks.before_commit(w->hooks.party_ctx, w->s, &e) < 0) {
                log_error("writer: %s", e.msg);
                store_rollback(w->s);
            } else if (store_commit(w->s, &e) == 0) {
                committed = true;
            } else {
                log_error("writer: commit failed: %s", e.msg);
                store_rollback(w->s);
            }
        }
        if (w->hooks.settled) w->hooks.settled(w->hooks.party_ctx, committed);
        if (committed && w->hooks.after_commit) w->hooks.after_commit(w->hooks.ctx);
        if ((!committed || stale) && w->hooks.after_rollback) w->hooks.after_rollback(w->hooks.ctx);
        unsigned long long failed = finish(batch, committed);
        /* after the answers, so that no request waits for it */
        if (committed) store_wal_restart_point(w->s, STORE_WAL_RESTART_FRAMES);
        pthread_mutex_lock(&w->lock);
        w->stats.jobs += jobs;
        w->stats.failed_jobs += failed;
        if (committed)
            w->stats.transactions++;
        else
            w->stats.failed_commits++;
        pthread_mutex_unlock(&w->lock);
    }
    return NULL;
}

writer *writer_start(store *s, const struct writer_hooks *hooks, size_t max_pending, verr *e)
{
    writer *w = xcalloc(1, sizeof *w);
    w->s = s;
    if (hooks) w->hooks = *hooks;
    w->max_pending = max_pending;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        verr_fail(e, "cannot start the writer thread");
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

int writer_submit(writer *w, struct writer_job *job)
{
    pthread_mutex_lock(&w->lock);
    if (w->stopping || (w->pending_weight > 0 && w->pending_weight + job->weight > w->max_pending)) {
        pthread_mutex_unlock(&w->lock);
        return -1;
    }
    job->next = NULL;
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->pending_weight += job->weight;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

struct sync_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool finished;
    int status;
};

/* writer_run wraps the job: the wrapper records the outcome and wakes the caller. */
struct sync_job {
    struct writer_job job; /* first: the writer sees this */
    struct writer_job *inner;
    struct sync_wait *wait;
};

static int sync_apply(void *ctx, struct writer_job *job)
{
    struct sync_job *sj = (struct sync_job *)job;
    int rc = sj->inner->apply(ctx, sj->inner);
    if (rc < 0) job->error = sj->inner->error;
    return rc;
}

static void sync_done(struct writer_job *job, int status)
{
    struct sync_job *sj = (struct sync_job *)job;
    if (status < 0 && !sj->inner->error.msg[0]) sj->inner->error = job->error;
    pthread_mutex_lock(&sj->wait->lock);
    sj->wait->finished = true;
    sj->wait->status = status;
    pthread_cond_signal(&sj->wait->cond);
    pthread_mutex_unlock(&sj->wait->lock);
}

int writer_run(writer *w, struct writer_job *job)
{
    struct sync_wait wait = {.finished = false};
    pthread_mutex_init(&wait.lock, NULL);
    pthread_cond_init(&wait.cond, NULL);
    struct sync_job sj = {.job = {.apply = sync_apply, .done = sync_done, .weight = job->weight},
                          .inner = job,
                          .wait = &wait};
    job->error.msg[0] = '\0';
    int status;
    /* A full queue is transient: wait for room rather than fail a local caller. */
    while (writer_submit(w, &sj.job) < 0) {
        pthread_mutex_lock(&w->lock);
        bool stopping = w->stopping;
        pthread_mutex_unlock(&w->lock);
        if (stopping) {
            verr_fail(&job->error, "the writer is stopping");
            status = -1;
            goto out;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&wait.lock);
    while (!wait.finished) pthread_cond_wait(&wait.cond, &wait.lock);
    pthread_mutex_unlock(&wait.lock);
    status = wait.status;
    if (job->done) job->done(job, status);
out:
    pthread_mutex_destroy(&wait.lock);
    pthread_cond_destroy(&wait.cond);
    return status;
}

void writer_stop(writer *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

void writer_get_stats(writer *w, struct writer_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    out->pending = w->pending_weight;
    pthread_mutex_unlock(&w->lock);
}
