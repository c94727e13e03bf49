/* SQLite store: the append-only audit trail. */
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

int store_audit_append(store *s, const struct store_audit_row *rows, size_t n, verr *e)
{
    PG_DISPATCH(audit_append(s, rows, n, e));
    if (n == 0) return 0;
    /* One statement for the whole group: the trail is written once per transaction. */
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "INSERT INTO audit(at, user_id, username, role, address, action, what, patient, "
        "allowed, count) VALUES (?,?,?,?,?,?,?,?,?,?)",
        e);
    if (!st) return -1;
    for (size_t i = 0; i < n; i++) {
        const struct store_audit_row *r = &rows[i];
        sqlite3_bind_int64(st, 1, r->at_ms);
        if (r->user_id)
            sqlite3_bind_int64(st, 2, r->user_id);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, r->username, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->role, -1, SQLITE_STATIC);
        if (r->address && *r->address)
            sqlite3_bind_text(st, 5, r->address, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_text(st, 6, r->action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, r->what, -1, SQLITE_STATIC);
        if (r->patient && *r->patient)
            sqlite3_bind_text(st, 8, r->patient, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_int(st, 9, r->allowed);
        sqlite3_bind_int64(st, 10, r->count > 0 ? r->count : 1);
        if (sqlite3_step(st) != SQLITE_DONE) {
            verr_fail(e, "audit: %s", sqlite3_errmsg(store_sqlite_db(s)));
            store_stmt_put(s, st);
            return -1;
        }
        sqlite3_reset(st);
    }
    store_stmt_put(s, st);
    return 0;
}

int store_audit_search(store *s, const struct store_audit_query *q,
                       int (*fn)(void *arg, const struct store_audit_row *row), void *arg,
                       verr *e)
{
    PG_DISPATCH(audit_search(s, q, fn, arg, e));
    /* Only the filters given go into the statement, so that the patient index serves the
     * queries that name one. */
    char sql[768];
    int n = snprintf(sql, sizeof sql,
                     "SELECT id, at, user_id, username, role, address, action, what, patient, "
                     "allowed, count FROM audit WHERE 1");
    if (q->patient) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND patient = ?1");
    if (q->username) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND username = ?2");
    if (q->allowed >= 0) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND allowed = ?3");
    if (q->from_ms != STORE_NO_TIME) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at >= ?4");
    if (q->to_ms != STORE_NO_TIME) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at <= ?5");
    if (q->before_id > 0) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND id < ?6");
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY id DESC LIMIT ?7");
    sqlite3_stmt *st = store_sqlite_prepare(s, sql, e);
    if (!st) return -1;
    if (q->patient) sqlite3_bind_text(st, 1, q->patient, -1, SQLITE_STATIC);
    if (q->username) sqlite3_bind_text(st, 2, q->username, -1, SQLITE_STATIC);
    if (q->allowed >= 0) sqlite3_bind_int(st, 3, q->allowed);
    if (q->from_ms != STORE_NO_TIME) sqlite3_bind_int64(st, 4, q->from_ms);
    if (q->to_ms != STORE_NO_TIME) sqlite3_bind_int64(st, 5, q->to_ms);
    if (q->before_id > 0) sqlite3_bind_int64(st, 6, q->before_id);
    sqlite3_bind_int(st, 7, q->limit > 0 ? q->limit : 100);
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit_row r = {
            .id = sqlite3_column_int64(st, 0),
            .at_ms = sqlite3_column_int64(st, 1),
            .user_id = sqlite3_column_int64(st, 2),
            .username = (const char *)sqlite3_column_text(st, 3),
            .role = (const char *)sqlite3_column_text(st, 4),
            .address = (const char *)sqlite3_column_text(st, 5),
            .action = (const char *)sqlite3_column_text(st, 6),
            .what = (const char *)sqlite3_column_text(st, 7),
            .patient = (const char *)sqlite3_column_text(st, 8),
            .allowed = sqlite3_column_int(st, 9) != 0,
            .count = sqlite3_column_int64(st, 10),
        };
        rows++;
        if (fn(arg, &r) != 0) break;
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "audit: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return rows;
}
