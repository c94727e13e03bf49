/* Copying a whole platform from one database to another, either engine to either engine
 * (`vigie migrate`). Both schemas have the same tables and columns (pg_schema.c translates
 * schema.c), so the copy is table by table, column by column, rows keeping their ids and
 * sequence numbers: the two databases then export the same resources in the same order.
 *
 * Reading: one snapshot of the source. Writing: one transaction on the destination; into
 * PostgreSQL by COPY (the bulk path: no statement per row), into SQLite by one prepared
 * INSERT per table. */
#include "store/pg_int.h"
#include "store/store_int.h"
#include "core/mem.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables in an order where a row's references come before it (foreign keys); the tables a
 * migration fills itself (region, cluster_tick) and the schema's version are not copied. */
static const char *const tables[] = {
    "ingest_log",
    "patient",
    "patient_identifier",
    "observation",
    "resource",
    "user_account",
    "user_territory",
    "user_patient",
    "auth_token",
    "event",
    "event_source",
    "care_case",
    "case_transition",
    "case_note",
    "threshold_override",
    "change_feed",
    "territory",
    "territory_commune",
    "site",
    "professional",
    "enrolment",
    "enrolment_condition",
    "enrolment_expected",
    "audit",
};

#define COPY_MAX_COLUMNS 32

enum value_type { V_NULL, V_INTEGER, V_REAL, V_TEXT, V_BLOB };

struct value {
    enum value_type type;
    int64_t integer;
    double real;
    const char *text; /* text, or blob bytes */
    size_t len;
};

struct columns {
    char *names[COPY_MAX_COLUMNS];
    int count;
};

static void columns_free(struct columns *c)
{
    for (int i = 0; i < c->count; i++) free(c->names[i]);
    c->count = 0;
}

static int columns_of(store *s, const char *table, struct columns *out, verr *e)
{
    out->count = 0;
    if (store_is_pg(s)) {
        struct pg_params p = {0};
        pgp_text(&p, table);
        PGresult *r = pg_query(pg_of(s),
                               "SELECT column_name FROM information_schema.columns WHERE "
                               "table_schema = current_schema() AND table_name = $1 ORDER BY "
                               "ordinal_position",
                               &p, e);
        if (!r) return -1;
        for (int i = 0; i < PQntuples(r) && out->count < COPY_MAX_COLUMNS; i++)
            out->names[out->count++] = xstrdup(PQgetvalue(r, i, 0));
        PQclear(r);
        return 0;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st = store_sqlite_prepare(s, sql, e);
    if (!st) return -1;
    while (sqlite3_step(st) == SQLITE_ROW && out->count < COPY_MAX_COLUMNS)
        out->names[out->count++] = xstrdup((const char *)sqlite3_column_text(st, 1));
    store_stmt_put(s, st);
    return 0;
}

/* ---- Writers --------------------------------------------------------------------------- */

struct writer_state {
    store *s;
    const char *table;
    sqlite3_stmt *insert; /* SQLite */
    buf line;             /* PostgreSQL: one COPY line */
    int64_t rows;
};

/* COPY's text format: \N for NULL, backslash escapes for the characters it uses. */
static void copy_text(buf *b, const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        switch (c) {
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        default:
            buf_putc(b, c);
        }
    }
}

static int write_row(struct writer_state *w, const struct value *v, int n, verr *e)
{
    if (store_is_pg(w->s)) {
        buf *b = &w->line;
        buf_reset(b);
        for (int i = 0; i < n; i++) {
            if (i) buf_putc(b, '\t');
            switch (v[i].type) {
            case V_NULL:
                buf_puts(b, "\\N");
                break;
            case V_INTEGER:
                buf_printf(b, "%" PRId64, v[i].integer);
                break;
            case V_REAL:
                buf_printf(b, "%.17g", v[i].real);
                break;
            case V_TEXT:
                copy_text(b, v[i].text, v[i].len);
                break;
            case V_BLOB:
                /* bytea's hex input, its backslash doubled for COPY */
                buf_puts(b, "\\\\x");
                for (size_t k = 0; k < v[i].len; k++)
                    buf_printf(b, "%02x", (unsigned char)v[i].text[k]);
                break;
            }
        }
        buf_putc(b, '\n');
        PGconn *conn = pg_of(w->s)->conn;
        if (PQputCopyData(conn, b->data, (int)b->len) != 1)
            return verr_fail(e, "%s: %s", w->table, PQerrorMessage(conn));
    } else {
        sqlite3_stmt *st = w->insert;
        for (int i = 0; i < n; i++) {
            switch (v[i].type) {
            case V_NULL:
                sqlite3_bind_null(st, i + 1);
                break;
            case V_INTEGER:
                sqlite3_bind_int64(st, i + 1, v[i].integer);
                break;
            case V_REAL:
                sqlite3_bind_double(st, i + 1, v[i].real);
                break;
            case V_TEXT:
                sqlite3_bind_text(st, i + 1, v[i].text, (int)v[i].len, SQLITE_STATIC);
                break;
            case V_BLOB:
                sqlite3_bind_blob(st, i + 1, v[i].text, (int)v[i].len, SQLITE_STATIC);
                break;
            }
        }
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return verr_fail(e, "%s: %s", w->table, sqlite3_errmsg(store_sqlite_db(w->s)));
    }
    w->rows++;
    return 0;
}

static int writer_open(struct writer_state *w, const char *table, const struct columns *cols,
                       verr *e)
{
    w->table = table;
    w->rows = 0;
    buf sql;
    buf_init(&sql, 1 << 16);
    if (store_is_pg(w->s)) {
        buf_printf(&sql, "COPY %s (", table);
        for (int i = 0; i < cols->count; i++)
            buf_printf(&sql, "%s%s", i ? ", " : "", cols->names[i]);
        buf_puts(&sql, ") FROM STDIN");
        PGresult *r = PQexec(pg_of(w->s)->conn, buf_cstr(&sql));
        int ok = PQresultStatus(r) == PGRES_COPY_IN;
        if (!ok) verr_fail(e, "%s: %s", table, PQresultErrorMessage(r));
        PQclear(r);
        buf_free(&sql);
        return ok ? 0 : -1;
    }
    buf_printf(&sql, "INSERT INTO %s (", table);
    for (int i = 0; i < cols->count; i++) buf_printf(&sql, "%s%s", i ? ", " : "", cols->names[i]);
    buf_puts(&sql, ") VALUES (");
    for (int i = 0; i < cols->count; i++) buf_puts(&sql, i ? ", ?" : "?");
    buf_puts(&sql, ")");
    w->insert = store_sqlite_prepare(w->s, buf_cstr(&sql), e);
    buf_free(&sql);
    return w->insert ? 0 : -1;
}

static int writer_close(struct writer_state *w, bool ok, verr *e)
{
    if (store_is_pg(w->s)) {
        PGconn *conn = pg_of(w->s)->conn;
        if (PQputCopyEnd(conn, ok ? NULL : "the copy failed") != 1)
            return verr_fail(e, "%s: %s", w->table, PQerrorMessage(conn));
        int rc = 0;
        PGresult *r;
        while ((r = PQgetResult(conn))) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0 && ok)
                rc = verr_fail(e, "%s: %s", w->table, PQresultErrorMessage(r));
            PQclear(r);
        }
        return rc;
    }
    store_stmt_put(w->s, w->insert);
    w->insert = NULL;
    return 0;
}

/* ---- Readers ----------------------------------------------------------------------------- */

struct copy_job {
    struct writer_state *w;
    int n;
    verr *e;
    bool failed;
};

static int copy_pg_row(void *arg, PGresult *r, int i)
{
    struct copy_job *j = arg;
    struct value v[COPY_MAX_COLUMNS];
    unsigned char *blobs[COPY_MAX_COLUMNS] = {0};
    for (int k = 0; k < j->n; k++) {
        memset(&v[k], 0, sizeof v[k]);
        if (PQgetisnull(r, i, k)) continue;
        const char *text = PQgetvalue(r, i, k);
        switch (PQftype(r, k)) {
        case 20: /* int8 */
        case 21: /* int2 */
        case 23: /* int4 */
            v[k].type = V_INTEGER;
            v[k].integer = strtoll(text, NULL, 10);
            break;
        case 700: /* float4 */
        case 701: /* float8 */
            v[k].type = V_REAL;
            v[k].real = strtod(text, NULL);
            break;
        case 17: /* bytea */
            v[k].type = V_BLOB;
            blobs[k] = pg_bytea_alloc(text, &v[k].len);
            v[k].text = (const char *)blobs[k];
            if (!blobs[k]) v[k].type = V_NULL;
            break;
        default:
            v[k].type = V_TEXT;
            v[k].text = text;
            v[k].len = (size_t)PQgetlength(r, i, k);
        }
    }
    int rc = write_row(j->w, v, j->n, j->e);
    for (int k = 0; k < j->n; k++) free(blobs[k]);
    if (rc < 0) j->failed = true;
    return rc < 0;
}

static int copy_table(store *from, struct writer_state *w, const char *table,
                      const struct columns *cols, verr *e)
{
    buf sql;
    buf_init(&sql, 1 << 16);
    buf_puts(&sql, "SELECT ");
    for (int i = 0; i < cols->count; i++) buf_printf(&sql, "%s%s", i ? ", " : "", cols->names[i]);
    /* in the order of the first column (keys, sequence numbers) */
    buf_printf(&sql, " FROM %s ORDER BY 1", table);
    if (writer_open(w, table, cols, e) < 0) {
        buf_free(&sql);
        return -1;
    }
    int rc = 0;
    if (store_is_pg(from)) {
        struct copy_job j = {w, cols->count, e, false};
        int n = pg_scan(pg_of(from), buf_cstr(&sql), NULL, copy_pg_row, &j, e);
        rc = n < 0 || j.failed ? -1 : 0;
    } else {
        sqlite3_stmt *st = store_sqlite_prepare(from, buf_cstr(&sql), e);
        if (!st) rc = -1;
        int step;
        while (rc == 0 && st && (step = sqlite3_step(st)) == SQLITE_ROW) {
            struct value v[COPY_MAX_COLUMNS];
            for (int k = 0; k < cols->count; k++) {
                memset(&v[k], 0, sizeof v[k]);
                switch (sqlite3_column_type(st, k)) {
                case SQLITE_NULL:
                    break;
                case SQLITE_INTEGER:
                    v[k].type = V_INTEGER;
                    v[k].integer = sqlite3_column_int64(st, k);
                    break;
                case SQLITE_FLOAT:
                    v[k].type = V_REAL;
                    v[k].real = sqlite3_column_double(st, k);
                    break;
                case SQLITE_BLOB:
                    v[k].type = V_BLOB;
                    v[k].text = sqlite3_column_blob(st, k);
                    v[k].len = (size_t)sqlite3_column_bytes(st, k);
                    break;
                default:
                    v[k].type = V_TEXT;
                    v[k].text = (const char *)sqlite3_column_text(st, k);
                    v[k].len = (size_t)sqlite3_column_bytes(st, k);
                }
            }
            rc = write_row(w, v, cols->count, e);
        }
        if (st) store_stmt_put(from, st);
    }
    buf_free(&sql);
    int closed = writer_close(w, rc == 0, e);
    return rc < 0 || closed < 0 ? -1 : 0;
}

/* PostgreSQL: identity columns continue after the ids copied. */
static int reset_identities(store *s, verr *e)
{
    return pg_exec(pg_of(s),
                   "DO $$ DECLARE c record; BEGIN FOR c IN SELECT table_name, column_name FROM "
                   "information_schema.columns WHERE table_schema = current_schema() AND "
                   "is_identity = 'YES' LOOP EXECUTE format('SELECT setval(pg_get_serial_"
                   "sequence(%L, %L), coalesce((SELECT max(%I) FROM %I), 0) + 1, false)', "
                   "c.table_name, c.column_name, c.column_name, c.table_name); END LOOP; END $$",
                   e);
}

static int count_rows(store *s, const char *table, int64_t *n, verr *e)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (store_is_pg(s)) {
        PGresult *r = pg_query_text(pg_of(s), sql, NULL, e);
        if (!r) return -1;
        *n = pg_i64(r, 0, 0);
        PQclear(r);
        return 0;
    }
    sqlite3_stmt *st = store_sqlite_prepare(s, sql, e);
    if (!st) return -1;
    *n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_stmt_put(s, st);
    return 0;
}

static int exec_on(store *s, const char *sql, verr *e)
{
    if (store_is_pg(s)) return pg_exec(pg_of(s), sql, e);
    sqlite3_stmt *st = store_sqlite_prepare(s, sql, e);
    return st ? store_sqlite_run(s, st, e) : -1;
}

int store_copy(store *from, store *to, void (*progress)(void *arg, const char *table, int64_t rows),
               void *arg, verr *e)
{
    if (store_schema_version(from) != store_schema_version(to))
        return verr_fail(e, "the databases have schema versions %d and %d",
                         store_schema_version(from), store_schema_version(to));
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        int64_t n;
        if (count_rows(to, tables[t], &n, e) < 0) return -1;
        if (n)
            return verr_fail(e, "the destination is not empty (table %s has %lld rows)", tables[t],
                             (long long)n);
    }
    /* one snapshot of the source, one transaction on the destination */
    bool read_opened = false;
    int rc = 0;
    if (store_is_pg(from))
        read_opened = pg_read_begin(pg_of(from), e, &rc);
    else
        rc = exec_on(from, "BEGIN", e);
    if (rc < 0 || exec_on(to, "BEGIN", e) < 0) return -1;
    struct writer_state w = {.s = to};
    buf_init(&w.line, (size_t)1 << 34);
    for (size_t t = 0; rc == 0 && t < sizeof tables / sizeof tables[0]; t++) {
        struct columns src, dst, both = {0};
        if (columns_of(from, tables[t], &src, e) < 0 || columns_of(to, tables[t], &dst, e) < 0) {
            rc = -1;
            break;
        }
        /* the columns both have; the destination fills its own others (change_seq) */
        for (int i = 0; i < src.count; i++)
            for (int k = 0; k < dst.count; k++)
                if (!strcmp(src.names[i], dst.names[k]))
                    both.names[both.count++] = xstrdup(src.names[i]);
        if (both.count) rc = copy_table(from, &w, tables[t], &both, e);
        if (rc == 0 && progress) progress(arg, tables[t], w.rows);
        columns_free(&src);
        columns_free(&dst);
        columns_free(&both);
    }
    buf_free(&w.line);
    if (rc == 0 && store_is_pg(to)) rc = reset_identities(to, e);
    if (rc == 0) rc = exec_on(to, "COMMIT", e);
    if (rc < 0) exec_on(to, "ROLLBACK", NULL);
    if (store_is_pg(from))
        pg_read_end(pg_of(from), read_opened);
    else
        exec_on(from, "COMMIT", NULL);
    return rc;
}
