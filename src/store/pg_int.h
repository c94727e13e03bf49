/* Private to the PostgreSQL store's files (postgres.c, pg_*.c): the connection, parameters,
 * results, and the statement runner.
 *
 * Statements run in one of three ways:
 * - outside a transaction, synchronously (readers, command-line tools);
 * - in a writer transaction (store_begin .. store_commit), in libpq's pipeline mode: writes
 *   are sent without waiting for their answers (pg_command), a read waits for its own answer
 *   and those of the writes before it (pg_query). A job's writes are not waited for at its
 *   end (store_release): an error in them is learnt at a later read or at the commit, and
 *   then the whole transaction fails (its jobs are answered with an error, nothing of them
 *   stored), since a job cannot be rolled back alone once another began. Ingestion's own
 *   refusals are decided before it writes, so they still roll back their job alone;
 * - in a read-only snapshot that a scan opens for itself (pg_scan), when a scan's callbacks
 *   must query the same connection between batches of rows. */
#ifndef VIGIE_STORE_PG_INT_H
#define VIGIE_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <zstd.h>

#include "store/pg.h"
#include "store/store.h"

#define PG_MAX_PARAMS     24
#define PG_PREPARED_SLOTS 512  /* statement texts prepared per connection (hash table) */
#define PG_PENDING_MAX    4096 /* answers a pipeline may owe before it is drained */

/* What this connection's in-memory state has taken in, per kind of row (store_turn): the
 * highest change_seq of patients and enrolments, input seq, override id, event seq. */
struct pg_marks {
    int64_t patient, input, enrolment, override, event;
};

struct pg_store {
    enum store_engine engine; /* STORE_POSTGRES; first, as in every connection (store_int.h) */
    PGconn *conn;
    enum store_access access;
    /* prepared statements, keyed by the address of their (static) SQL text */
    const char *prepared[PG_PREPARED_SLOTS];
    /* pipeline: answers owed, in order; each names the prepared slot it creates, or -1 */
    bool in_txn;  /* between store_begin and store_commit / store_rollback */
    bool in_read; /* in a read-only snapshot opened by pg_read_begin */
    int pending_slot[PG_PENDING_MAX];
    unsigned pending_job[PG_PENDING_MAX]; /* the job each answer belongs to */
    int pending_head, pending_count;
    unsigned job; /* the current job (savepoint) of the transaction */
    bool failed;  /* an answer was an error since the last sync point */
    bool doomed;  /* a write of an ended job failed: the transaction cannot commit */
    char failure[512];
    int cursors; /* open cursors (their names) */
    /* the writer's turn (pg_cluster.c) */
    bool in_turn;
    struct pg_marks marks;
    int64_t next_log_id;          /* ingest log ids, allocated in the turn */
    struct pg_prefetch *prefetch; /* a job's duplicate lookups, answered ahead (pg_prefetch.c) */
    bool listening;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    PGresult *log_row; /* holds the strings store_log_read returns */
};

static inline struct pg_store *pg_of(store *s)
{
    return (struct pg_store *)s;
}

/* ---- Parameters ----------------------------------------------------------------------- */

struct pg_params {
    int n;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    char text[PG_MAX_PARAMS][32];
};

void pgp_int(struct pg_params *p, int64_t v);
void pgp_time(struct pg_params *p, int64_t ms);            /* STORE_NO_TIME -> NULL */
void pgp_double(struct pg_params *p, double v);            /* NaN -> NULL */
void pgp_text(struct pg_params *p, const char *t);         /* NULL -> NULL */
void pgp_text_or_null(struct pg_params *p, const char *t); /* NULL or "" -> NULL */
/* Text that need not end with a NUL (sent in binary format, which for text is its bytes). */
void pgp_text_n(struct pg_params *p, const char *t, size_t n);
void pgp_bytes(struct pg_params *p, const void *b, size_t n);

/* ---- Running statements ---------------------------------------------------------------- */

/* A statement returning rows, prepared once per connection (`sql` must be a string that
 * lives as long as the program: its address is the key). NULL with e set on failure;
 * otherwise the caller PQclears the result. */
PGresult *pg_query(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e);
/* The same for SQL built at run time (not prepared). */
PGresult *pg_query_text(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e);
/* A statement whose answer is not needed: in a writer transaction it is sent and its outcome
 * known at the next read or sync point; otherwise it runs at once. */
int pg_command(struct pg_store *s, const char *sql, const struct pg_params *p, verr *e);
/* A statement run at once whose count of rows affected matters (ON CONFLICT DO NOTHING). */
int pg_command_count(struct pg_store *s, const char *sql, const struct pg_params *p, int64_t *rows,
                     verr *e);
/* Runs SQL text (one or several statements, no parameters) at once, outside a pipeline. */
int pg_exec(struct pg_store *s, const char *sql, verr *e);
/* In a pipeline: a sync point; -1 with the first error since the previous one. */
int pg_sync(struct pg_store *s, verr *e);

/* Calls row(arg, result, i) for every row of a query, fetched by batches through a cursor,
 * so that a scan of millions of rows holds one batch in memory and the callback may query
 * the connection between batches. Outside a transaction the scan reads one snapshot.
 * row returning non-zero stops. Returns the number of rows delivered, or -1. */
int pg_scan(struct pg_store *s, const char *sql, const struct pg_params *p,
            int (*row)(void *arg, PGresult *r, int i), void *arg, verr *e);

/* A read-only snapshot for several statements (REPEATABLE READ), unless already in a
 * transaction: returns true when it opened one, for pg_read_end. */
bool pg_read_begin(struct pg_store *s, verr *e, int *rc);
void pg_read_end(struct pg_store *s, bool opened);

/* A lookup of one row (text, key[, an integer]): the text into `text` (its limit applies),
 * the key and the integer when asked. 0, 1 when no row, -1 on error. */
int pg_read_text_row(struct pg_store *s, const char *sql, const struct pg_params *p, buf *text,
                     int64_t *key, int *extra, verr *e);
/* "what: <PostgreSQL's message>", returns -1. */
int pg_fail(struct pg_store *s, verr *e, const char *what);
/* The session's settings (postgres.c), applied on connecting and after each reconnection. */
int pg_session_setup(struct pg_store *s, verr *e);
/* Opens the connection again after it broke (PQreset), settings applied; 0 or -1. */
int pg_reconnect(struct pg_store *s, verr *e);

/* ---- Reading results (text format) ----------------------------------------------------- */

int64_t pg_i64(const PGresult *r, int row, int col);                    /* NULL -> 0 */
int64_t pg_time(const PGresult *r, int row, int col);                   /* NULL -> STORE_NO_TIME */
double pg_double(const PGresult *r, int row, int col);                  /* NULL -> NaN */
const char *pg_str(const PGresult *r, int row, int col);                /* NULL -> NULL */
void pg_copy(const PGresult *r, int row, int col, char *out, size_t n); /* NULL -> "" */
/* A bytea column (hex output) decoded into out; returns its length, or -1 when longer than
 * max or malformed. */
long pg_bytea(const PGresult *r, int row, int col, unsigned char *out, size_t max);
/* Decodes bytea hex text ("\\x0a1b...") into a new buffer (free); NULL when malformed. */
unsigned char *pg_bytea_alloc(const char *text, size_t *n);

/* ---- Shared between the files ------------------------------------------------------------ */

/* The answers of store_observation_prefetch (pg_prefetch.c): lookup `how` (0 by id, 1 by
 * identifier, 2 the same content) answers 0 with *out, 1 when none, 2 when it does not
 * know (then ask the server). The job's own writes keep the answers right. */
int pg_prefetch_lookup(struct pg_store *s, int how, const char *id, int64_t patient_key,
                       const unsigned char *ident, const struct store_observation *o,
                       struct store_obs_ref *out);
void pg_prefetch_inserted(struct pg_store *s, const struct store_observation *o);
void pg_prefetch_superseded(struct pg_store *s, int64_t seq);
void pg_prefetch_clear(struct pg_store *s);

/* The highest ids and change numbers committed, one row (pg_cluster.c), and its reader. */
extern const char *const store_pg_marks_sql;
void store_pg_marks_read(const PGresult *r, struct pg_marks *m);

/* The schema's migrations for PostgreSQL (pg_schema.c), numbered as SQLite's. */
const char *store_pg_migration(int version);
/* Rows of a case (pg_cases.c): the columns of PG_CASE_COLUMNS. */
void pg_read_case(const PGresult *r, int row, struct store_case *c);
/* An enrolment row of PG_ENROLMENT_COLUMNS, with its conditions and expected measurements
 * (pg_registry.c); store_enrolment_free it. */
void pg_read_enrolment(const PGresult *r, int row, struct store_enrolment *en);
/* One input row of PG_INPUT_COLUMNS handed to fn as a replay item (pg_scan.c). */
int pg_input_row(PGresult *r, int i, int (*fn)(void *arg, const struct store_replay_item *item),
                 void *arg);

#define PG_ENROLMENT_COLUMNS                                                                       \
    "e.id, e.patient_key, p.id, e.territory, e.start_at, e.end_at, e.created_by, e.created_at, "   \
    "e.updated_at, (SELECT string_agg(code, ',' ORDER BY code) FROM enrolment_condition WHERE "    \
    "enrolment_id = e.id), (SELECT string_agg(kind || '=' || per_day::text, ',' ORDER BY kind) "   \
    "FROM enrolment_expected WHERE enrolment_id = e.id)"

/* Inputs of both tables merged by seq: observations carry NULL for type, resources NULL for
 * the observation columns. Without the observations' text when `obs_text` is "NULL". */
#define PG_INPUT_COLUMNS(obs_text)                                                                 \
    "SELECT seq, NULL::text AS type, id, version, patient_key, kind, code_system, code, "          \
    "effective, precision, value, value2, status::text, triage, received_at, log_id, "             \
    "log_entry, " obs_text ", id_form, coalesce(replaces, 0) FROM observation"                     \
    " %s UNION ALL SELECT seq, type, id, version, patient_key, 0, NULL, NULL, time, 0, NULL, "     \
    "NULL, status, 0, received_at, log_id, log_entry, resource, 0, 0 FROM resource %s ORDER BY 1"

#endif
