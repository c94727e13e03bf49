/* SQLite store: observations (versions, duplicates, search) and other resources. */
#include "store/store.h"
#include "store/store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Steps a bound lookup statement and reads an obs_ref. */
static int obs_lookup(store *s, sqlite3_stmt *st, struct store_obs_ref *out, verr *e)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->seq = sqlite3_column_int64(st, 0);
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 1));
        out->version = sqlite3_column_int(st, 2);
        out->status = sqlite3_column_int(st, 3);
        out->value = column_double(st, 4);
        out->value2 = column_double(st, 5);
        out->effective_ms = sqlite3_column_type(st, 6) == SQLITE_NULL ? STORE_NO_TIME
                                                                      : sqlite3_column_int64(st, 6);
        snprintf(out->code, sizeof out->code, "%s", (const char *)sqlite3_column_text(st, 7));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "observation lookup");
}

int store_observation_by_ident(store *s, int64_t patient_key,
                               const unsigned char ident[STORE_HASH_SIZE],
                               struct store_obs_ref *out, verr *e)
{
    PG_DISPATCH(observation_by_ident(s, patient_key, ident, out, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_BY_IDENT, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    sqlite3_bind_blob(st, 2, ident, STORE_HASH_SIZE, SQLITE_STATIC);
    return obs_lookup(s, st, out, e);
}

int store_observation_same(store *s, const struct store_observation *o,
                           struct store_obs_ref *out, verr *e)
{
    PG_DISPATCH(observation_same(s, o, out, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_SAME, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, o->patient_key);
    sqlite3_bind_int(st, 2, o->kind);
    bind_time(st, 3, o->effective_ms);
    bind_text(st, 4, o->code);
    bind_text(st, 5, o->code_system);
    bind_double(st, 6, o->value);
    bind_double(st, 7, o->value2);
    return obs_lookup(s, st, out, e);
}

int store_observation_by_id(store *s, const char *id, struct store_obs_ref *out, verr *e)
{
    PG_DISPATCH(observation_by_id(s, id, out, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_BY_ID, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return obs_lookup(s, st, out, e);
}

int store_observation_by_seq(store *s, int64_t seq, struct store_obs_ref *out, verr *e)
{
    PG_DISPATCH(observation_by_seq(s, seq, out, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_BY_SEQ, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, seq);
    return obs_lookup(s, st, out, e);
}

void store_observation_prefetch(store *s, const struct store_observation *rows, size_t n)
{
    PG_DISPATCH_VOID(observation_prefetch(s, rows, n));
    /* SQLite's lookups are index seeks in the same process: nothing to gain */
    (void)rows;
    (void)n;
}

int store_observation_insert(store *s, const struct store_observation *o, verr *e)
{
    PG_DISPATCH(observation_insert(s, o, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_INSERT, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, o->seq);
    bind_text(st, 2, o->id);
    sqlite3_bind_int(st, 3, o->version);
    sqlite3_bind_int64(st, 4, o->patient_key);
    sqlite3_bind_int(st, 5, o->kind);
    bind_text(st, 6, o->code_system);
    bind_text(st, 7, o->code);
    bind_time(st, 8, o->effective_ms);
    sqlite3_bind_int(st, 9, o->precision);
    bind_double(st, 10, o->value);
    bind_double(st, 11, o->value2);
    sqlite3_bind_int(st, 12, o->status);
    sqlite3_bind_int(st, 13, o->triage);
    if (o->has_ident)
        sqlite3_bind_blob(st, 14, o->ident, STORE_HASH_SIZE, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 14);
    sqlite3_bind_int64(st, 15, o->received_ms);
    sqlite3_bind_int64(st, 16, o->log_id);
    sqlite3_bind_int64(st, 17, o->log_entry);
    sqlite3_bind_int(st, 18, o->id_form);
    if (o->replaces)
        sqlite3_bind_int64(st, 19, o->replaces);
    else
        sqlite3_bind_null(st, 19);
    sqlite3_bind_text(st, 20, o->resource, (int)o->resource_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "observation");
    return 0;
}

int update_seq(store *s, enum stmt_id id, int64_t seq, verr *e)
{
    sqlite3_stmt *st = stmt(s, id, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "supersede");
    return 0;
}

int store_observation_supersede(store *s, int64_t seq, verr *e)
{
    PG_DISPATCH(observation_supersede(s, seq, e));
    return update_seq(s, ST_OBS_SUPERSEDE, seq, e);
}

int store_observation_read(store *s, const char *id, buf *resource, int64_t *patient_key,
                           int *id_form, verr *e)
{
    PG_DISPATCH(observation_read(s, id, resource, patient_key, id_form, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_READ, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result;
    if (rc == SQLITE_ROW) {
        buf_reset(resource);
        result = buf_append(resource, sqlite3_column_text(st, 0),
                            (size_t)sqlite3_column_bytes(st, 0)) < 0
                     ? verr_fail(e, "resource larger than the response limit")
                     : 0;
        if (patient_key) *patient_key = sqlite3_column_int64(st, 1);
        if (id_form) *id_form = sqlite3_column_int(st, 2);
    } else {
        result = rc == SQLITE_DONE ? 1 : db_fail(s, e, "read");
    }
    sqlite3_reset(st);
    return result;
}

int store_observation_id(store *s, int64_t seq, char id[72], verr *e)
{
    PG_DISPATCH(observation_id(s, seq, id, e));
    sqlite3_stmt *st = stmt(s, ST_OBS_ID, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) snprintf(id, 72, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "observation id");
}

int store_observation_search(store *s, const struct store_obs_query *q,
                             int (*fn)(void *arg, const struct store_obs_row *row), void *arg,
                             verr *e)
{
    PG_DISPATCH(observation_search(s, q, fn, arg, e));
    char sql[640];
    int n = snprintf(sql, sizeof sql,
                     "SELECT seq, effective, kind, value, value2, resource, id, id_form FROM "
                     "observation WHERE current = 1 AND patient_key = ?1");
    if (q->kind >= 0) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND kind = ?2");
    if (q->code) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND code = ?3");
    if (q->from_ms != STORE_NO_TIME)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND effective >= ?4");
    if (q->to_ms != STORE_NO_TIME)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND effective <= ?5");
    if (q->after_effective != STORE_NO_TIME)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND (effective, seq) > (?6, ?7)");
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY effective, seq LIMIT ?8");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, e, "observation search");
    sqlite3_bind_int64(st, 1, q->patient_key);
    if (q->kind >= 0) sqlite3_bind_int(st, 2, q->kind);
    if (q->code) sqlite3_bind_text(st, 3, q->code, -1, SQLITE_STATIC);
    if (q->from_ms != STORE_NO_TIME) sqlite3_bind_int64(st, 4, q->from_ms);
    if (q->to_ms != STORE_NO_TIME) sqlite3_bind_int64(st, 5, q->to_ms);
    if (q->after_effective != STORE_NO_TIME) {
        sqlite3_bind_int64(st, 6, q->after_effective);
        sqlite3_bind_int64(st, 7, q->after_seq);
    }
    sqlite3_bind_int(st, 8, q->limit);
    int rc, count = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_obs_row row = {
            .seq = sqlite3_column_int64(st, 0),
            .effective_ms = sqlite3_column_type(st, 1) == SQLITE_NULL
                                ? STORE_NO_TIME
                                : sqlite3_column_int64(st, 1),
            .kind = sqlite3_column_int(st, 2),
            .value = column_double(st, 3),
            .value2 = column_double(st, 4),
            .resource = (const char *)sqlite3_column_text(st, 5),
            .resource_len = (size_t)sqlite3_column_bytes(st, 5),
            .id = (const char *)sqlite3_column_text(st, 6),
            .id_form = sqlite3_column_int(st, 7),
        };
        count++;
        if (fn(arg, &row) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "observation search");
    return count;
}

/* ---- Other resources ------------------------------------------------------------------- */

int store_resource_put(store *s, struct store_resource *r, verr *e)
{
    PG_DISPATCH(resource_put(s, r, e));
    sqlite3_stmt *st = stmt(s, ST_RES_CURRENT, e);
    if (!st) return -1;
    bind_text(st, 1, r->type);
    bind_text(st, 2, r->id);
    int rc = sqlite3_step(st);
    int64_t old_seq = 0;
    int version = 0;
    if (rc == SQLITE_ROW) {
        old_seq = sqlite3_column_int64(st, 0);
        version = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_fail(s, e, "resource");
    if (old_seq && update_seq(s, ST_RES_SUPERSEDE, old_seq, e) < 0) return -1;
    r->version = version + 1;
    st = stmt(s, ST_RES_INSERT, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, r->seq);
    bind_text(st, 2, r->type);
    bind_text(st, 3, r->id);
    sqlite3_bind_int(st, 4, r->version);
    sqlite3_bind_int64(st, 5, r->patient_key);
    bind_time(st, 6, r->time_ms);
    bind_text(st, 7, r->status);
    sqlite3_bind_int64(st, 8, r->received_ms);
    sqlite3_bind_int64(st, 9, r->log_id);
    sqlite3_bind_int64(st, 10, r->log_entry);
    if (r->has_content)
        sqlite3_bind_blob(st, 11, r->content, STORE_HASH_SIZE, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 11);
    sqlite3_bind_text(st, 12, r->resource, (int)r->resource_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "resource");
    return 0;
}

int store_resource_by_content(store *s, const char *type,
                              const unsigned char content[STORE_HASH_SIZE], char id[72],
                              int *version, verr *e)
{
    PG_DISPATCH(resource_by_content(s, type, content, id, version, e));
    sqlite3_stmt *st = stmt(s, ST_RES_BY_CONTENT, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, content, STORE_HASH_SIZE, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(id, 72, "%s", (const char *)sqlite3_column_text(st, 0));
        if (version) *version = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "resource lookup");
}

int store_resource_content(store *s, const char *type, const char *id,
                           unsigned char content[STORE_HASH_SIZE], int *version, verr *e)
{
    PG_DISPATCH(resource_content(s, type, id, content, version, e));
    sqlite3_stmt *st = stmt(s, ST_RES_CONTENT, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) == STORE_HASH_SIZE)
            memcpy(content, sqlite3_column_blob(st, 0), STORE_HASH_SIZE);
        else
            rc = SQLITE_DONE;
        *version = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "resource");
}

int store_resource_read(store *s, const char *type, const char *id, buf *resource,
                        int64_t *patient_key, verr *e)
{
    PG_DISPATCH(resource_read(s, type, id, resource, patient_key, e));
    sqlite3_stmt *st = stmt(s, ST_RES_READ, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return read_resource_row(s, st, resource, patient_key, e);
}

