/* PostgreSQL store: parameters, the statement runner (synchronous, pipelined in writer
 * transactions, cursors for scans) and result accessors. See pg_int.h for the three ways a
 * statement runs. */
#include "store/pg_int.h"
#include "core/mem.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Parameters ----------------------------------------------------------------------- */

static int param_slot(struct pg_params *p)
{
    /* a statement with more parameters than this is a programming error: fail loudly */
    if (p->n >= PG_MAX_PARAMS) abort();
    return p->n++;
}

void pgp_int(struct pg_params *p, int64_t v)
{
    int i = param_slot(p);
    snprintf(p->text[i], sizeof p->text[i], "%" PRId64, v);
    p->values[i] = p->text[i];
    p->lengths[i] = 0;
    p->formats[i] = 0;
}

void pgp_text(struct pg_params *p, const char *t)
{
    int i = param_slot(p);
    p->values[i] = t;
    p->lengths[i] = 0;
    p->formats[i] = 0;
}

void pgp_time(struct pg_params *p, int64_t ms)
{
    if (ms == STORE_NO_TIME)
        pgp_text(p, NULL);
    else
        pgp_int(p, ms);
}

void pgp_double(struct pg_params *p, double v)
{
    if (isnan(v)) {
        pgp_text(p, NULL);
        return;
    }
    int i = param_slot(p);
    /* 17 significant digits read back as the same double */
    snprintf(p->text[i], sizeof p->text[i], "%.17g", v);
    p->values[i] = p->text[i];
    p->lengths[i] = 0;
    p->formats[i] = 0;
}

void pgp_text_or_null(struct pg_params *p, const char *t)
{
    pgp_text(p, t && *t ? t : NULL);
}

void pgp_text_n(struct pg_params *p, const char *t, size_t n)
{
    int i = param_slot(p);
    p->values[i] = t;
    p->lengths[i] = (int)n;
    p->formats[i] = 1;
}

void pgp_bytes(struct pg_params *p, const void *b, size_t n)
{
    pgp_text_n(p, b, n);
}

/* ---- Results ----------------------------------------------------------------------------- */

int64_t pg_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int64_t pg_time(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? STORE_NO_TIME : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double pg_double(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NAN : strtod(PQgetvalue(r, row, col), NULL);
}

const char *pg_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

void pg_copy(const PGresult *r, int row, int col, char *out, size_t n)
{
    snprintf(out, n, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* bytea's hex output: "\x" then two digits a byte. */
static long hex_decode(const char *text, size_t len, unsigned char *out, size_t max)
{
    if (len < 2 || text[0] != '\\' || text[1] != 'x' || len % 2) return -1;
    size_t n = (len - 2) / 2;
    if (n > max) return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(text[2 + 2 * i]), lo = hex_digit(text[3 + 2 * i]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (long)n;
}

long pg_bytea(const PGresult *r, int row, int col, unsigned char *out, size_t max)
{
    if (PQgetisnull(r, row, col)) return -1;
    return hex_decode(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col), out, max);
}

unsigned char *pg_bytea_alloc(const char *text, size_t *n)
{
    size_t len = strlen(text);
    unsigned char *out = xmalloc(len / 2 + 1);
    long got = hex_decode(text, len, out, len / 2 + 1);
    if (got < 0) {
        free(out);
        return NULL;
    }
    *n = (size_t)got;
    return out;
}

int pg_read_text_row(struct pg_store *s, const char *sql, const struct pg_params *p, buf *text,
                     int64_t *key, int *extra, verr *e)
{
    PGresult *r = pg_query(s, sql, p, e);
    if (!r) return -1;
    int rc = 1;
    if (PQntuples(r)) {
        buf_reset(text);
        rc = buf_append(text, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0)) < 0
                 ? verr_fail(e, "resource larger than the response limit")
                 : 0;
        if (key) *key = pg_i64(r, 0, 1);
        if (extra && PQnfields(r) > 2) *extra = (int)pg_i64(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

int pg_fail(struct pg_store *s, verr *e, const char *what)
{
    const char *msg = PQerrorMessage(s->conn);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') n--;
    return verr_fail(e, "%s: %.*s", what, (int)n, msg);
}

/* ---- Prepared statements ------------------------------------------------------------------ */

/* The slot of a statement text: found, or free (then the statement is not prepared yet). */
static int slot_of(struct pg_store *s, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ull;
    for (unsigned probe = 0; probe < PG_PREPARED_SLOTS; probe++) {
        int i = (int)((h + probe) % PG_PREPARED_SLOTS);
        if (s->prepared[i] == sql || !s->prepared[i]) return i;
    }
    abort(); /* more distinct statements than slots: raise PG_PREPARED_SLOTS */
}

static void slot_name(int slot, char name[16])
{
    snprintf(name, 16, "v%d", slot);
}

/* ---- The pipeline ------------------------------------------------------------------------- */

static void record_failure(struct pg_store *s, const char *msg)
{
    if (s->failed) return;
    s->failed = true;
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') n--;
    snprintf(s->failure, sizeof s->failure, "%.*s", (int)n, msg);
}

static void owe(struct pg_store *s, int slot)
{
    int at = (s->pending_head + s->pending_count) % PG_PENDING_MAX;
    s->pending_slot[at] = slot;
    s->pending_job[at] = s->job;
    s->pending_count++;
}

/* The next answer of the pipeline (a query's, with the NULL that ends it consumed). */
static PGresult *next_answer(struct pg_store *s)
{
    PGresult *r = PQgetResult(s->conn);
    if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
        PGresult *end = PQgetResult(s->conn);
        if (end) PQclear(end); /* a query has one result, then NULL */
    }
    return r;
}

/* Reads the answers owed (writes sent earlier), recording the first error. */
static void settle(struct pg_store *s)
{
    while (s->pending_count > 0) {
        int slot = s->pending_slot[s->pending_head];
        unsigned job = s->pending_job[s->pending_head];
        s->pending_head = (s->pending_head + 1) % PG_PENDING_MAX;
        s->pending_count--;
        PGresult *r = next_answer(s);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            /* a statement not prepared after all: prepare it again when next used */
            if (slot >= 0) s->prepared[slot] = NULL;
            /* a job that already ended: rolling back to a savepoint would not take its
             * writes away alone, and it may not be acknowledged */
            if (job != s->job) s->doomed = true;
            record_failure(s, st == PGRES_PIPELINE_ABORTED
                                  ? "a statement failed earlier in this job"
                              : r ? PQresultErrorMessage(r)
                                  : PQerrorMessage(s->conn));
        }
        PQclear(r);
    }
}

/* Sends one statement in the pipeline (preparing it first when needed). */
static int send(struct pg_store *s, const char *sql, bool prepare, const struct pg_params *p,
                verr *e)
{
    static const struct pg_params none;
    if (!p) p = &none;
    int ok;
    if (prepare) {
        int slot = slot_of(s, sql);
        char name[16];
        slot_name(slot, name);
        if (!s->prepared[slot]) {
            if (!PQsendPrepare(s->conn, name, sql, p->n, NULL)) return pg_fail(s, e, "prepare");
            s->prepared[slot] = sql;
            owe(s, slot);
        }
        ok = PQsendQueryPrepared(s->conn, name, p->n, p->values, p->lengths, p->formats, 0);
    } else {
        ok = PQsendQueryParams(s->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
    }
    if (!ok) return pg_fail(s, e, "send");
    return 0;
}

/* Makes the server send what it has, and reads the answers owed. */
static int flush_and_settle(struct pg_store *s, verr *e)
{
    if (!PQsendFlushRequest(s->conn) || PQflush(s->conn) != 0) return pg_fail(s, e, "flush");
    settle(s);
    return 0;
}

int pg_sync(struct pg_store *s, verr *e)
{
    if (!s->in_txn) return 0;
    if (!PQpipelineSync(s->conn)) return pg_fail(s, e, "sync");
    settle(s);
    PGresult *r = PQgetResult(s->conn);
    bool synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if (!synced) record_failure(s, PQerrorMessage(s->conn));
    if (s->failed) {
        s->failed = false;
        return verr_fail(e, "%s", s->failure);
    }
    return 0;
}

/* ---- Synchronous execution ---------------------------------------------------------------- */

static PGresult *run_now(struct pg_store *s, const char *sql, bool prepare,
                         const struct pg_params *p, verr *e)
{
    static const struct pg_params none;
    if (!p) p = &none;
    PGresult *r;
    if (prepare) {
        int slot = slot_of(s, sql);
        char name[16];
        slot_name(slot, name);
        if (!s->prepared[slot]) {
            r = PQprepare(s->conn, name, sql, p->n, NULL);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                verr_fail(e, "%s", PQresultErrorMessage(r));
                PQclear(r);
                return NULL;
            }
            PQclear(r);
            s->prepared[slot] = sql;
        }
        r = PQexecPrepared(s->conn, name, p->n, p->values, p->lengths, p->formats, 0);
    } else {
        r = PQexecParams(s->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
    }
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *msg = PQresultErrorMessage(r);
        size_t n = strlen(msg);
        while (n && msg[n - 1] == '\n') n--;
        verr_fail(e, "%.*s", (int)n, msg);
        PQclear(r);
        /* a broken connection (the server restarted, a failover): the next call reconnects */
        if (PQstatus(s->conn) == CONNECTION_BAD) memset(s->prepared, 0, sizeof s->prepared);
        return NULL;
    }
    return r;
}

/* A query in the pipeline: sent, then its answer awaited after those owed before it. */
static PGresult *run_piped(struct pg_store *s, const char *sql, bool prepare,
                           const struct pg_params *p, verr *e)
{
    if (send(s, sql, prepare, p, e) < 0 || flush_and_settle(s, e) < 0) return NULL;
    PGresult *r = next_answer(s);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (!s->failed) return r;
    } else {
        record_failure(s, r && st != PGRES_PIPELINE_ABORTED ? PQresultErrorMessage(r)
                                                            : PQerrorMessage(s->conn));
        if (prepare && st == PGRES_PIPELINE_ABORTED) s->prepared[slot_of(s, sql)] = NULL;
    }
    PQclear(r);
    verr_fail(e, "%s", s->failure);
    return NULL;
}

int pg_reconnect(struct pg_store *s, verr *e)
{
    PQreset(s->conn);
    memset(s->prepared, 0, sizeof s->prepared);
    s->listening = false;
    if (PQstatus(s->conn) != CONNECTION_OK) return pg_fail(s, e, "reconnect");
    return pg_session_setup(s, e);
}

static void reconnect_if_broken(struct pg_store *s)
{
    /* a failure shows at the statement that follows, which finds the connection still bad */
    if (PQstatus(s->conn) != CONNECTION_OK && !s->in_txn && !s->in_read) pg_reconnect(s, NULL);
}

PGresult *pg_query(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e)
{
    if (s->in_txn) return run_piped(s, sql, true, p, e);
    reconnect_if_broken(s);
    return run_now(s, sql, true, p, e);
}

PGresult *pg_query_text(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e)
{
    if (s->in_txn) return run_piped(s, sql, false, p, e);
    reconnect_if_broken(s);
    return run_now(s, sql, false, p, e);
}

int pg_command(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e)
{
    if (s->in_txn) {
        if (send(s, sql, true, p, e) < 0) return -1;
        owe(s, -1);
        /* bounded: the server must not block writing answers nobody reads */
        if (s->pending_count > PG_PENDING_MAX / 2) return flush_and_settle(s, e);
        return 0;
    }
    reconnect_if_broken(s);
    PGresult *r = run_now(s, sql, true, p, e);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

int pg_command_count(struct pg_store *s, const char *sql, const struct pg_params *p, int64_t *rows,
                     verr *e)
{
    PGresult *r = pg_query(s, sql, p, e);
    if (!r) return -1;
    *rows = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

int pg_exec(struct pg_store *s, const char *sql, verr *e)
{
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorMessage(r);
        size_t n = strlen(msg);
        while (n && msg[n - 1] == '\n') n--;
        rc = verr_fail(e, "%.*s", (int)n, msg);
    }
    PQclear(r);
    return rc;
}

/* ---- Snapshots and scans ------------------------------------------------------------------ */

bool pg_read_begin(struct pg_store *s, verr *e, int *rc)
{
    *rc = 0;
    if (s->in_txn || s->in_read) return false;
    reconnect_if_broken(s);
    if (pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e) < 0) {
        *rc = -1;
        return false;
    }
    s->in_read = true;
    return true;
}

void pg_read_end(struct pg_store *s, bool opened)
{
    if (!opened) return;
    pg_exec(s, "COMMIT", NULL);
    s->in_read = false;
}

#define PG_SCAN_BATCH 2000

int pg_scan(struct pg_store *s, const char *sql, const struct pg_params *p,
            int (*row)(void *arg, PGresult *r, int i), void *arg, verr *e)
{
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    char cursor[24], text[64];
    snprintf(cursor, sizeof cursor, "scan%d", s->cursors++);
    buf declare;
    buf_init(&declare, (size_t)1 << 20);
    buf_printf(&declare, "DECLARE %s NO SCROLL CURSOR FOR %s", cursor, sql);
    PGresult *r = pg_query_text(s, buf_cstr(&declare), p, e);
    buf_free(&declare);
    int delivered = -1;
    if (r) {
        PQclear(r);
        snprintf(text, sizeof text, "FETCH %d FROM %s", PG_SCAN_BATCH, cursor);
        bool stop = false;
        delivered = 0;
        while (!stop) {
            r = pg_query_text(s, text, NULL, e);
            if (!r) {
                delivered = -1;
                break;
            }
            int n = PQntuples(r);
            for (int i = 0; i < n && !stop; i++) {
                delivered++;
                stop = row(arg, r, i) != 0;
            }
            PQclear(r);
            if (n < PG_SCAN_BATCH) break;
        }
        snprintf(text, sizeof text, "CLOSE %s", cursor);
        r = pg_query_text(s, text, NULL, NULL);
        PQclear(r);
    }
    s->cursors--;
    pg_read_end(s, opened);
    return delivered;
}

/* ---- Transactions ---------------------------------------------------------------------- */

int store_pg_begin(store *st, verr *e)
{
    struct pg_store *s = pg_of(st);
    if (s->in_txn) return verr_fail(e, "a transaction is already open");
    if (PQstatus(s->conn) != CONNECTION_OK && pg_reconnect(s, e) < 0) return -1;
    if (!PQenterPipelineMode(s->conn)) return pg_fail(s, e, "pipeline");
    s->in_txn = true;
    s->failed = false;
    s->doomed = false;
    s->job = 0;
    s->pending_head = s->pending_count = 0;
    return pg_command(s, "BEGIN", NULL, e);
}

/* Leaves the pipeline whatever happened (the connection may be broken). */
static void end_pipeline(struct pg_store *s)
{
    pg_prefetch_clear(s);
    verr ignored;
    if (s->pending_count || s->failed) pg_sync(s, &ignored);
    s->in_txn = false;
    s->in_turn = false;
    s->failed = false;
    if (!PQexitPipelineMode(s->conn)) {
        /* answers still unread: the connection cannot be trusted any more */
        PQreset(s->conn);
        memset(s->prepared, 0, sizeof s->prepared);
        s->listening = false;
    }
}

int store_pg_commit(store *st, verr *e)
{
    struct pg_store *s = pg_of(st);
    if (!s->in_txn) return verr_fail(e, "no transaction is open");
    /* In the writer's turn, what this node wrote becomes known to it: its next turn hands
     * over only what other nodes commit after this. Asked in the same flight as COMMIT. */
    bool turn = s->in_turn;
    int rc = 0;
    if (s->doomed) {
        verr_fail(e, "a write of this transaction failed: %s", s->failure);
        end_pipeline(s);
        pg_exec(s, "ROLLBACK", NULL);
        return -1;
    }
    /* not prepared: a Parse's answer would come between the ones read below */
    if (turn && send(s, store_pg_marks_sql, false, NULL, e) < 0) rc = -1;
    if (rc == 0 && send(s, "COMMIT", false, NULL, e) < 0) rc = -1;
    if (rc == 0 && !PQpipelineSync(s->conn)) rc = pg_fail(s, e, "commit");
    struct pg_marks marks = s->marks;
    if (rc == 0) {
        settle(s);
        if (turn) {
            PGresult *r = next_answer(s);
            if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
                store_pg_marks_read(r, &marks);
            else
                record_failure(s, r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn));
            PQclear(r);
        }
        PGresult *r = next_answer(s);
        /* COMMIT of a transaction an error aborted answers ROLLBACK, not an error */
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT"))
            record_failure(s, !r ? PQerrorMessage(s->conn)
                              : PQresultStatus(r) == PGRES_COMMAND_OK
                                  ? "the transaction was aborted by an earlier error"
                                  : PQresultErrorMessage(r));
        PQclear(r);
        r = PQgetResult(s->conn);
        if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            record_failure(s, PQerrorMessage(s->conn));
        PQclear(r);
        if (s->failed) rc = verr_fail(e, "%s", s->failure);
    }
    if (rc == 0) s->marks = marks;
    if (rc < 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        /* the COMMIT was never sent or not understood: take everything back */
        s->failed = false;
        end_pipeline(s);
        pg_exec(s, "ROLLBACK", NULL);
        return -1;
    }
    end_pipeline(s);
    return rc;
}

void store_pg_rollback(store *st)
{
    struct pg_store *s = pg_of(st);
    if (!s->in_txn) return;
    end_pipeline(s);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) pg_exec(s, "ROLLBACK", NULL);
}

int store_pg_savepoint(store *st, verr *e)
{
    struct pg_store *s = pg_of(st);
    s->job++;
    return pg_command(s, "SAVEPOINT job", NULL, e);
}

int store_pg_release(store *st, verr *e)
{
    struct pg_store *s = pg_of(st);
    pg_prefetch_clear(s); /* a job's answers end with it */
    /* Not waited for (a sync point here would cost a round trip a job): an error in the
     * job's writes comes back later and fails the transaction (pg_int.h). */
    if (s->doomed) return verr_fail(e, "a write of this transaction failed: %s", s->failure);
    return pg_command(s, "RELEASE SAVEPOINT job", NULL, e);
}

void store_pg_rollback_savepoint(store *st)
{
    struct pg_store *s = pg_of(st);
    verr ignored;
    pg_prefetch_clear(s);
    if (s->pending_count || s->failed) pg_sync(s, &ignored);
    pg_command(s, "ROLLBACK TO SAVEPOINT job", NULL, &ignored);
    pg_command(s, "RELEASE SAVEPOINT job", NULL, &ignored);
}
