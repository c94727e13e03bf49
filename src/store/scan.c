/* Whole-database scans of the SQLite store: replay in sequence order and integrity check. */
#include "store/store.h"
#include "store/store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>



static void read_observation(sqlite3_stmt *st, struct store_observation *o)
{
    memset(o, 0, sizeof *o);
    o->seq = sqlite3_column_int64(st, 0);
    o->id = (const char *)sqlite3_column_text(st, 1);
    o->version = sqlite3_column_int(st, 2);
    o->patient_key = sqlite3_column_int64(st, 3);
    o->kind = sqlite3_column_int(st, 4);
    o->code_system = (const char *)sqlite3_column_text(st, 5);
    o->code = (const char *)sqlite3_column_text(st, 6);
    o->effective_ms = column_time(st, 7);
    o->precision = sqlite3_column_int(st, 8);
    o->value = column_double(st, 9);
    o->value2 = column_double(st, 10);
    o->status = sqlite3_column_int(st, 11);
    o->triage = sqlite3_column_int(st, 12) != 0;
    o->received_ms = sqlite3_column_int64(st, 13);
    o->log_id = sqlite3_column_int64(st, 14);
    o->log_entry = sqlite3_column_int64(st, 15);
    o->resource = (const char *)sqlite3_column_text(st, 16);
    o->resource_len = (size_t)sqlite3_column_bytes(st, 16);
    o->id_form = sqlite3_column_int(st, 17);
    o->replaces = sqlite3_column_int64(st, 18);
}

static void read_resource(sqlite3_stmt *st, struct store_resource *r)
{
    memset(r, 0, sizeof *r);
    r->seq = sqlite3_column_int64(st, 0);
    r->type = (const char *)sqlite3_column_text(st, 1);
    r->id = (const char *)sqlite3_column_text(st, 2);
    r->version = sqlite3_column_int(st, 3);
    r->patient_key = sqlite3_column_int64(st, 4);
    r->time_ms = column_time(st, 5);
    r->status = (const char *)sqlite3_column_text(st, 6);
    r->received_ms = sqlite3_column_int64(st, 7);
    r->log_id = sqlite3_column_int64(st, 8);
    r->log_entry = sqlite3_column_int64(st, 9);
    r->resource = (const char *)sqlite3_column_text(st, 10);
    r->resource_len = (size_t)sqlite3_column_bytes(st, 10);
}

int store_replay(store *s, int (*fn)(void *arg, const struct store_replay_item *item), void *arg,
                 verr *e)
{
    PG_DISPATCH(replay(s, fn, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *obs = NULL, *res = NULL;
    int result = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, id, version, patient_key, kind, code_system, code, "
                           "effective, precision, value, value2, status, triage, received_at, "
                           "log_id, log_entry, resource, id_form, coalesce(replaces, 0) FROM "
                           "observation ORDER BY seq",
                           -1, &obs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT seq, type, id, version, patient_key, time, status, "
                           "received_at, log_id, log_entry, resource FROM resource ORDER BY seq",
                           -1, &res, NULL) != SQLITE_OK) {
        verr_fail(e, "replay: %s", sqlite3_errmsg(db));
        goto done;
    }
    /* Merge the two tables by seq. */
    int ro = sqlite3_step(obs), rr = sqlite3_step(res);
    while (ro == SQLITE_ROW || rr == SQLITE_ROW) {
        struct store_replay_item item;
        struct store_observation o;
        struct store_resource r;
        bool take_obs = ro == SQLITE_ROW &&
                        (rr != SQLITE_ROW ||
                         sqlite3_column_int64(obs, 0) < sqlite3_column_int64(res, 0));
        memset(&item, 0, sizeof item);
        if (take_obs) {
            read_observation(obs, &o);
            item.seq = o.seq;
            item.is_observation = true;
            item.observation = &o;
        } else {
            read_resource(res, &r);
            item.seq = r.seq;
            item.resource = &r;
        }
        if (fn(arg, &item) != 0) {
            verr_fail(e, "replay stopped at seq %lld", (long long)item.seq);
            goto done;
        }
        if (take_obs)
            ro = sqlite3_step(obs);
        else
            rr = sqlite3_step(res);
    }
    if (ro != SQLITE_DONE || rr != SQLITE_DONE) {
        verr_fail(e, "replay: %s", sqlite3_errmsg(db));
        goto done;
    }
    result = 0;
done:
    sqlite3_finalize(obs);
    sqlite3_finalize(res);
    return result;
}

static void report_problem(struct store_check_report *report,
                           void (*problem)(void *arg, const char *message), void *arg,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report_problem(struct store_check_report *report,
                           void (*problem)(void *arg, const char *message), void *arg,
                           const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report->problems++;
    if (problem) problem(arg, msg);
}

int store_check(store *s, struct store_check_report *report,
                void (*problem)(void *arg, const char *message), void *arg, verr *e)
{
    PG_DISPATCH(check(s, report, problem, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    memset(report, 0, sizeof *report);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return verr_fail(e, "integrity_check: %s", sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(line, "ok") != 0)
            report_problem(report, problem, arg, "sqlite integrity_check: %s", line);
    }
    sqlite3_finalize(st);

    /* Every log entry decompresses to bytes matching the digest taken at append time. */
    if (sqlite3_prepare_v2(db, "SELECT id FROM ingest_log ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return verr_fail(e, "ingest log: %s", sqlite3_errmsg(db));
    buf raw;
    buf_init(&raw, (size_t)1 << 34);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        struct store_log_entry entry;
        verr le;
        report->log_entries++;
        if (store_log_read(s, id, &entry, &raw, &le) != 0)
            report_problem(report, problem, arg, "%s", le.msg);
    }
    sqlite3_finalize(st);
    buf_free(&raw);

    /* Every normalised row points at an existing log entry and an entry index within it. */
    static const struct {
        const char *table, *label, *key;
    } tables[] = {
        {"observation", "Observation", "o.seq"},
        {"resource", "resource", "o.seq"},
        {"patient", "Patient", "o.key"},
    };
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT %s, o.id, o.log_id, o.log_entry, l.id IS NULL FROM %s o LEFT JOIN "
                 "ingest_log l ON l.id = o.log_id WHERE l.id IS NULL OR o.log_entry < 0 OR "
                 "o.log_entry >= l.entries",
                 tables[t].key, tables[t].table);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return verr_fail(e, "%s: %s", tables[t].table, sqlite3_errmsg(db));
        while (sqlite3_step(st) == SQLITE_ROW) {
            report_problem(report, problem, arg,
                           "%s/%s (row %lld) %s log entry %lld #%lld", tables[t].label,
                           (const char *)sqlite3_column_text(st, 1),
                           (long long)sqlite3_column_int64(st, 0),
                           sqlite3_column_int(st, 4) ? "points at a missing" : "is outside",
                           (long long)sqlite3_column_int64(st, 2),
                           (long long)sqlite3_column_int64(st, 3));
        }
        sqlite3_finalize(st);
    }
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM observation), (SELECT count(*) FROM "
                               "resource)",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            report->observations = sqlite3_column_int64(st, 0);
            report->resources = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    return 0;
}

int store_export(store *s,
                 int (*fn)(void *arg, const char *type, const char *id, int id_form,
                           const char *json, size_t len),
                 void *arg, verr *e)
{
    PG_DISPATCH(export(s, fn, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    int result = 0;
    if (sqlite3_prepare_v2(db, "SELECT id, resource FROM patient ORDER BY key", -1, &st, NULL) !=
        SQLITE_OK)
        return verr_fail(e, "export: %s", sqlite3_errmsg(db));
    while (result == 0 && sqlite3_step(st) == SQLITE_ROW)
        result = fn(arg, "Patient", (const char *)sqlite3_column_text(st, 0), 0,
                    (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_finalize(st);
    if (result) return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 'Observation', id, id_form, resource, seq FROM observation "
                           "WHERE current = 1 UNION ALL SELECT type, id, 0, resource, seq FROM "
                           "resource WHERE current = 1 ORDER BY 5",
                           -1, &st, NULL) != SQLITE_OK)
        return verr_fail(e, "export: %s", sqlite3_errmsg(db));
    while (result == 0 && sqlite3_step(st) == SQLITE_ROW)
        result = fn(arg, (const char *)sqlite3_column_text(st, 0),
                    (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
                    (const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
    sqlite3_finalize(st);
    return 0;
}

int store_trace_each(store *s, int (*fn)(void *arg, const struct store_trace_row *row),
                     void *arg, verr *e)
{
    PG_DISPATCH(trace_each(s, fn, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT 'Patient', id, log_id, log_entry, 0, NULL, NULL, 0 FROM patient "
                           "UNION ALL SELECT 'Observation', id, log_id, log_entry, kind, value, "
                           "value2, status FROM observation UNION ALL SELECT type, id, log_id, "
                           "log_entry, 0, NULL, NULL, 0 FROM resource ORDER BY 3, 4",
                           -1, &st, NULL) != SQLITE_OK)
        return verr_fail(e, "trace: %s", sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_trace_row row = {
            .type = (const char *)sqlite3_column_text(st, 0),
            .id = (const char *)sqlite3_column_text(st, 1),
            .log_id = sqlite3_column_int64(st, 2),
            .log_entry = sqlite3_column_int64(st, 3),
            .kind = sqlite3_column_int(st, 4),
            .value = column_double(st, 5),
            .value2 = column_double(st, 6),
            .status = sqlite3_column_int(st, 7),
        };
        if (fn(arg, &row) != 0) break;
    }
    sqlite3_finalize(st);
    return 0;
}
