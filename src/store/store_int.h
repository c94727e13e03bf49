/* Private to the SQLite store's files. */
#ifndef VIGIE_STORE_INT_H
#define VIGIE_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "store/pg.h"
#include "store/store.h"

/* Every connection, of either engine, begins with its engine. The public functions live in
 * the SQLite files; their first line hands a PostgreSQL connection to its implementation
 * (pg.h), so that SQLite pays one comparison per call. */
struct store_head {
    enum store_engine engine;
};

static inline bool store_is_pg(const store *s)
{
    return ((const struct store_head *)s)->engine == STORE_POSTGRES;
}

#define PG_DISPATCH(call)                                                                         \
    do {                                                                                          \
        if (store_is_pg(s)) return store_pg_##call;                                               \
    } while (0)
#define PG_DISPATCH_VOID(call)                                                                    \
    do {                                                                                          \
        if (store_is_pg(s)) {                                                                     \
            store_pg_##call;                                                                      \
            return;                                                                               \
        }                                                                                         \
    } while (0)

sqlite3 *store_sqlite_db(store *s);
/* Prepares sql on s's connection; NULL with the reason in e (sqlite_registry.c). */
sqlite3_stmt *store_sqlite_prepare(store *s, const char *sql, verr *e);
/* Steps a statement that returns no row, then finalizes it. */
int store_sqlite_run(store *s, sqlite3_stmt *st, verr *e);
/* Copies column i as text into out ("" when NULL). */
void store_sqlite_column(sqlite3_stmt *st, int i, char *out, size_t n);

/* The prepared statements of the SQLite store, cached per connection (sqlite.c). */
#define OBS_REF_COLUMNS "seq, id, version, status, value, value2, effective, code"
enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_LOG_INSERT,
    ST_LOG_READ,
    ST_PATIENT_FIND,
    ST_PATIENT_INSERT,
    ST_PATIENT_UPDATE,
    ST_PATIENT_IDENT_DELETE,
    ST_PATIENT_IDENT_INSERT,
    ST_PATIENT_BY_IDENT,
    ST_PATIENT_READ,
    ST_PATIENT_INFO,
    ST_PATIENT_BY_KEY,
    ST_PATIENT_SET_TERRITORY,
    ST_OBS_BY_IDENT,
    ST_OBS_SAME,
    ST_OBS_BY_ID,
    ST_OBS_BY_SEQ,
    ST_OBS_INSERT,
    ST_OBS_SUPERSEDE,
    ST_OBS_READ,
    ST_OBS_ID,
    ST_RES_CURRENT,
    ST_RES_SUPERSEDE,
    ST_RES_INSERT,
    ST_RES_READ,
    ST_RES_BY_CONTENT,
    ST_RES_CONTENT,
    ST_COUNT
};

sqlite3_stmt *stmt(store *s, enum stmt_id id, verr *e);
/* A statement for `sql`, prepared once per connection and kept (or a fresh one when the kept
 * one is in use); give it back with store_stmt_put, never sqlite3_finalize. */
sqlite3_stmt *store_stmt_get(store *s, const char *sql, verr *e);
void store_stmt_put(store *s, sqlite3_stmt *st);
/* "what: <SQLite's message>", returns -1. */
int db_fail(store *s, verr *e, const char *what);
void bind_text(sqlite3_stmt *st, int i, const char *s);
void bind_time(sqlite3_stmt *st, int i, int64_t ms); /* STORE_NO_TIME -> NULL */
void bind_double(sqlite3_stmt *st, int i, double v); /* NaN -> NULL */
double column_double(sqlite3_stmt *st, int i);       /* NULL -> NaN */
int64_t column_time(sqlite3_stmt *st, int i);        /* NULL -> STORE_NO_TIME */
/* Steps a statement bound with a row's key and reads (resource text, key). */
int read_resource_row(store *s, sqlite3_stmt *st, buf *resource, int64_t *key, verr *e);
/* Runs an UPDATE of the statement `id` bound with one seq. */
int update_seq(store *s, enum stmt_id id, int64_t seq, verr *e);

#endif
