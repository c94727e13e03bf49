/* The audit queue and the recorded access decisions (see audit.h for the design). */
#include "auth/audit.h"
#include "core/instant.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pending_row {
    int64_t at_ms, user_id, count;
    bool allowed;
    char username[64];
    char role[16];
    char address[48];
    char action[16];
    char what[256];
    char patient[72];
};

struct row_list {
    struct pending_row *rows;
    size_t count, cap;
};

struct audit_log {
    pthread_mutex_t lock;
    pthread_cond_t room;       /* signalled when the writer takes the queue */
    struct row_list queue;     /* waiting for the next transaction */
    strmap index;              /* merge key -> position in queue */
    size_t max_pending;
    writer *w;
    bool nudged;               /* the empty job is in the writer's queue */
    struct writer_job nudge;
    /* Writer thread only: rows written in the transaction under way, kept until it
     * settles (a rolled-back transaction retries them in the next one). */
    struct row_list inflight;
    struct store_audit_row *scratch;
    size_t scratch_cap;
};

static void list_push(struct row_list *l, const struct pending_row *row)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->rows = xrealloc(l->rows, l->cap * sizeof *l->rows);
    }
    l->rows[l->count++] = *row;
}

static int nudge_apply(void *ctx, struct writer_job *job)
{
    (void)ctx;
    (void)job;
    return 0; /* the transaction it opens is the point: before_commit writes the queue */
}

/* Queues the empty job when rows wait and none is queued (lock held). The lock is held
 * across writer_submit so that audit_log_attach(NULL) guarantees nobody still uses the
 * writer; the writer never takes this lock while holding its own. */
static void nudge_locked(audit_log *log)
{
    if (log->nudged || !log->w || log->queue.count == 0) return;
    log->nudged = writer_submit(log->w, &log->nudge) == 0;
}

void audit_log_nudge(audit_log *log)
{
    if (!log) return;
    pthread_mutex_lock(&log->lock);
    nudge_locked(log);
    pthread_mutex_unlock(&log->lock);
}

static void nudge_done(struct writer_job *job, int status)
{
    (void)status;
    audit_log *log = (audit_log *)((char *)job - offsetof(audit_log, nudge));
    pthread_mutex_lock(&log->lock);
    log->nudged = false;
    nudge_locked(log); /* rows queued after this transaction took the queue */
    pthread_mutex_unlock(&log->lock);
}

audit_log *audit_log_new(size_t max_pending)
{
    audit_log *log = xcalloc(1, sizeof *log);
    pthread_mutex_init(&log->lock, NULL);
    pthread_cond_init(&log->room, NULL);
    strmap_init(&log->index);
    log->max_pending = max_pending ? max_pending : AUDIT_DEFAULT_MAX_PENDING;
    log->nudge.apply = nudge_apply;
    log->nudge.done = nudge_done;
    log->nudge.weight = 0; /* never refused for backpressure */
    return log;
}

void audit_log_free(audit_log *log)
{
    if (!log) return;
    if (log->queue.count + log->inflight.count)
        log_error("audit: %zu records were never written", log->queue.count + log->inflight.count);
    strmap_free(&log->index);
    free(log->queue.rows);
    free(log->inflight.rows);
    free(log->scratch);
    pthread_cond_destroy(&log->room);
    pthread_mutex_destroy(&log->lock);
    free(log);
}

void audit_log_attach(audit_log *log, writer *w)
{
    pthread_mutex_lock(&log->lock);
    log->w = w;
    if (!w) pthread_cond_broadcast(&log->room);
    pthread_mutex_unlock(&log->lock);
}

/* ---- Writing the queue (writer thread) ----------------------------------------------------- */

/* Moves the queue into the rows in flight and writes them. */
static int write_queue(audit_log *log, store *s, verr *e)
{
    pthread_mutex_lock(&log->lock);
    if (log->inflight.count == 0) {
        struct row_list swap = log->inflight;
        log->inflight = log->queue;
        log->queue = swap;
    } else {
        for (size_t i = 0; i < log->queue.count; i++) list_push(&log->inflight, &log->queue.rows[i]);
    }
    log->queue.count = 0;
    strmap_clear(&log->index);
    pthread_cond_broadcast(&log->room);
    pthread_mutex_unlock(&log->lock);

    size_t n = log->inflight.count;
    if (n == 0) return 0;
    if (n > log->scratch_cap) {
        log->scratch_cap = n;
        log->scratch = xrealloc(log->scratch, n * sizeof *log->scratch);
    }
    for (size_t i = 0; i < n; i++) {
        const struct pending_row *p = &log->inflight.rows[i];
        log->scratch[i] = (struct store_audit_row){
            .at_ms = p->at_ms,
            .user_id = p->user_id,
            .username = p->username,
            .role = p->role,
            .address = p->address,
            .action = p->action,
            .what = p->what,
            .patient = p->patient,
            .allowed = p->allowed,
            .count = p->count,
        };
    }
    if (store_audit_append(s, log->scratch, n, e) < 0)
        return verr_prefix(e, "the audit trail could not be written; nothing was committed");
    return 0;
}

static int before_commit(void *ctx, store *s, verr *e)
{
    return write_queue(ctx, s, e);
}

static void settled(void *ctx, bool committed)
{
    audit_log *log = ctx;
    if (committed) log->inflight.count = 0;
}

void audit_writer_hooks(audit_log *log, struct writer_hooks *hooks)
{
    hooks->party_ctx = log;
    hooks->before_commit = before_commit;
    hooks->settled = settled;
}

int audit_log_flush(audit_log *log, store *s, verr *e)
{
    if (store_begin(s, e) < 0) return -1;
    if (write_queue(log, s, e) < 0 || store_commit(s, e) < 0) {
        store_rollback(s);
        return -1;
    }
    log->inflight.count = 0;
    return 0;
}

/* ---- Recording ------------------------------------------------------------------------------ */

/* Copies s into a field of `size` bytes, cut to fit and NUL-terminated (snprintf's "%s"
 * without its format parsing: this runs for every Observation of a bulk import). */
static void copy_field(char *field, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n > size - 1) n = size - 1;
    memcpy(field, s, n);
    field[n] = '\0';
}

static void fill_row(struct pending_row *row, const struct audit_actor *actor, const char *action,
                     const char *patient_id, bool allowed)
{
    memset(row, 0, sizeof *row);
    row->at_ms = instant_now_ms();
    row->count = 1;
    row->allowed = allowed;
    if (actor->who) {
        row->user_id = actor->who->user_id;
        copy_field(row->username, sizeof row->username, actor->who->username);
        copy_field(row->role, sizeof row->role, auth_role_name(actor->who->role));
    } else {
        copy_field(row->username, sizeof row->username, actor->name ? actor->name : "local");
        copy_field(row->role, sizeof row->role, actor->role ? actor->role : "local");
    }
    const char *address = actor->address ? actor->address : actor->who ? actor->who->address : "";
    copy_field(row->address, sizeof row->address, address);
    copy_field(row->action, sizeof row->action, action);
    copy_field(row->what, sizeof row->what, actor->what ? actor->what : "");
    copy_field(row->patient, sizeof row->patient, patient_id ? patient_id : "");
}

/* Appends s and a '|' to the merge key at *n (cut at the key's size). */
static void key_part(char *key, size_t size, size_t *n, const char *s)
{
    size_t len = strlen(s);
    if (len > size - 1 - *n) len = size - 1 - *n;
    memcpy(key + *n, s, len);
    *n += len;
    if (*n < size - 1) key[(*n)++] = '|';
}

/* Waits for room in the queue (lock held); false after AUDIT_WAIT_MS or when no writer. */
static bool wait_for_room(audit_log *log)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += AUDIT_WAIT_MS / 1000;
    while (log->queue.count >= log->max_pending) {
        if (!log->w) return false;
        if (pthread_cond_timedwait(&log->room, &log->lock, &deadline) == ETIMEDOUT) return false;
    }
    return true;
}

static bool record(audit_log *log, const struct audit_actor *actor, const char *action,
                   const char *patient_id, bool allowed)
{
    if (!log) return true; /* no trail configured (unit tests of other modules) */
    /* The merge key first: in a bulk write most decisions repeat a pending one, and then
     * no row needs filling. */
    const struct auth_principal *who = actor->who;
    const char *address = actor->address ? actor->address : who ? who->address : "";
    char key[600];
    size_t key_len = 0;
    char number[24];
    snprintf(number, sizeof number, "%lld%c", who ? (long long)who->user_id : 0,
             allowed ? '+' : '-');
    key_part(key, sizeof key, &key_len, number);
    key_part(key, sizeof key, &key_len, who ? who->username : actor->name ? actor->name : "");
    key_part(key, sizeof key, &key_len, who ? "" : actor->role ? actor->role : "");
    key_part(key, sizeof key, &key_len, address);
    key_part(key, sizeof key, &key_len, actor->what ? actor->what : "");
    key_part(key, sizeof key, &key_len, action);
    key_part(key, sizeof key, &key_len, patient_id ? patient_id : "");
    pthread_mutex_lock(&log->lock);
    int64_t at;
    if (strmap_get(&log->index, key, key_len, &at)) {
        log->queue.rows[at].count++;
    } else {
        struct pending_row row;
        fill_row(&row, actor, action, patient_id, allowed);
        if (!actor->in_writer && log->queue.count >= log->max_pending && !wait_for_room(log)) {
            pthread_mutex_unlock(&log->lock);
            log_error("audit: the queue stayed full; access to %s by %s refused", row.what,
                      row.username);
            return false;
        }
        strmap_put(&log->index, key, key_len, (int64_t)log->queue.count);
        list_push(&log->queue, &row);
    }
    /* The writer thread's own records are written by the transaction under way. */
    if (!actor->in_writer) nudge_locked(log);
    pthread_mutex_unlock(&log->lock);
    return true;
}

static const char *access_action(enum auth_access access)
{
    switch (access) {
    case ACCESS_READ: return "read";
    case ACCESS_MANAGE: return "manage";
    default: return "write";
    }
}

bool audit_may_patient(audit_log *log, const struct audit_actor *actor, enum auth_access access,
                       const char *patient_id, const char *territory)
{
    /* A local command (no principal) is the operator at the machine: allowed, recorded. */
    bool allowed = !actor->who || auth_may_patient(actor->who, access, patient_id, territory);
    return record(log, actor, access_action(access), patient_id, allowed) && allowed;
}

bool audit_may_enrol(audit_log *log, const struct audit_actor *actor, const char *patient_id,
                     const char *current, const char *target)
{
    bool allowed = !actor->who || auth_may_enrol(actor->who, patient_id, current, target);
    return record(log, actor, "manage", patient_id, allowed) && allowed;
}

bool audit_note(audit_log *log, const struct audit_actor *actor, const char *action,
                const char *patient_id, bool allowed)
{
    return record(log, actor, action, patient_id, allowed);
}
