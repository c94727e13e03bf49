/* SQLite store: triage events, cases and their history, threshold overrides, change feed,
 * evaluation figures. */
#include "store/store.h"
#include "store/store_int.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(store *s, verr *e, const char *what)
{
    sqlite3 *db = store_sqlite_db(s);
    return verr_fail(e, "%s: %s", what, sqlite3_errmsg(db));
}

static int done(store *s, sqlite3_stmt *st, verr *e, const char *what)
{
    int rc = sqlite3_step(st);
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(s, e, what);
    return 0;
}




static void column_copy(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

int store_event_add(store *s, struct store_event *ev, verr *e)
{
    PG_DISPATCH(event_add(s, ev, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = store_stmt_get(s,
                               "INSERT INTO event(patient_key, case_id, rule, category, nature, "
                               "reason, at, created_at, notify, late, json) VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?)",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, ev->patient_key);
    sqlite3_bind_int64(st, 2, ev->case_id);
    bind_text(st, 3, ev->rule);
    sqlite3_bind_int(st, 4, ev->category);
    bind_text(st, 5, ev->nature);
    bind_text(st, 6, ev->reason);
    sqlite3_bind_int64(st, 7, ev->at_ms);
    sqlite3_bind_int64(st, 8, ev->created_ms);
    sqlite3_bind_int(st, 9, ev->notify);
    sqlite3_bind_int(st, 10, ev->late);
    bind_text(st, 11, ev->json);
    if (done(s, st, e, "event") < 0) return -1;
    ev->seq = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < ev->source_count; i++) {
        st = store_stmt_get(s, "INSERT OR IGNORE INTO event_source(source_seq, event_seq) VALUES (?,?)",
                     e);
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, ev->sources[i]);
        sqlite3_bind_int64(st, 2, ev->seq);
        if (done(s, st, e, "event source") < 0) return -1;
    }
    return 0;
}

int store_events_withdraw_source(store *s, int64_t source_seq,
                                 void (*fn)(void *arg, int64_t case_id), void *arg, verr *e)
{
    PG_DISPATCH(events_withdraw_source(s, source_seq, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "UPDATE event SET withdrawn = 1 WHERE seq IN (SELECT event_seq FROM "
                               "event_source WHERE source_seq = ?) AND withdrawn = 0 "
                               "RETURNING case_id",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, source_seq);
    int rc;
    int64_t cases[64];
    size_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (n < 64) cases[n++] = sqlite3_column_int64(st, 0);
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE) return fail(s, e, "withdraw events");
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++) seen |= cases[k] == cases[i];
        if (!seen) fn(arg, cases[i]);
    }
    return 0;
}

int store_case_standing_category(store *s, int64_t case_id, int *category, verr *e)
{
    PG_DISPATCH(case_standing_category(s, case_id, category, e));
    sqlite3_stmt *st = store_stmt_get(s, "SELECT min(category) FROM event WHERE case_id = ? AND withdrawn = 0", e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, case_id);
    int rc = sqlite3_step(st);
    int result = 1;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *category = sqlite3_column_int(st, 0);
        result = 0;
    } else if (rc != SQLITE_ROW) {
        result = fail(s, e, "case category");
    }
    store_stmt_put(s, st);
    return result;
}

int store_events_since(store *s, int64_t since_ms,
                       int (*fn)(void *arg, int64_t patient_key, const char *rule, int category,
                                 int64_t at_ms),
                       void *arg, verr *e)
{
    PG_DISPATCH(events_since(s, since_ms, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT patient_key, rule, category, at FROM event WHERE notify = "
                               "1 AND withdrawn = 0 AND at >= ? ORDER BY seq",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, since_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3)) != 0)
            break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "events");
}

int store_source_ref(store *s, int64_t seq, char out[128], verr *e)
{
    PG_DISPATCH(source_ref(s, seq, out, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT 'Observation', id FROM observation WHERE seq = ?1 UNION ALL "
                               "SELECT type, id FROM resource WHERE seq = ?1",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, 128, "%s/%s", (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1));
    store_stmt_put(s, st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : fail(s, e, "source");
}

/* ---- Cases ------------------------------------------------------------------------------ */

#define CASE_COLUMNS                                                                              \
    "c.id, c.patient_key, p.id, c.territory, c.state, c.category, c.nature, c.title, "          \
    "c.opened_at, c.deadline, c.updated_at, c.escalated, c.claimed_by, c.claimed_at, "           \
    "c.closed_at, c.outcome"

static void read_case(sqlite3_stmt *st, struct store_case *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->patient_key = sqlite3_column_int64(st, 1);
    column_copy(st, 2, c->patient_id, sizeof c->patient_id);
    column_copy(st, 3, c->territory, sizeof c->territory);
    column_copy(st, 4, c->state, sizeof c->state);
    c->category = sqlite3_column_int(st, 5);
    column_copy(st, 6, c->nature, sizeof c->nature);
    column_copy(st, 7, c->title, sizeof c->title);
    c->opened_ms = sqlite3_column_int64(st, 8);
    c->deadline_ms = sqlite3_column_int64(st, 9);
    c->updated_ms = sqlite3_column_int64(st, 10);
    c->escalated = sqlite3_column_int(st, 11) != 0;
    column_copy(st, 12, c->claimed_by, sizeof c->claimed_by);
    c->claimed_ms = column_time(st, 13);
    c->closed_ms = column_time(st, 14);
    column_copy(st, 15, c->outcome, sizeof c->outcome);
}

static int one_case(store *s, sqlite3_stmt *st, struct store_case *out, verr *e)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_case(st, out);
    store_stmt_put(s, st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : fail(s, e, "case");
}

/* The one case WHERE `where` (a condition on c) holds for the bound key. */
static int case_where(store *s, const char *where, int64_t key, struct store_case *out, verr *e)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = c.patient_key "
             "WHERE %s",
             where);
    sqlite3_stmt *st = store_stmt_get(s, sql, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, key);
    return one_case(s, st, out, e);
}

int store_case_of_patient(store *s, int64_t patient_key, struct store_case *out, verr *e)
{
    PG_DISPATCH(case_of_patient(s, patient_key, out, e));
    return case_where(s, "c.patient_key = ? AND c.state != 'closed'", patient_key, out, e);
}

int store_case_get(store *s, int64_t id, struct store_case *out, verr *e)
{
    PG_DISPATCH(case_get(s, id, out, e));
    return case_where(s, "c.id = ?", id, out, e);
}

static void bind_case(sqlite3_stmt *st, const struct store_case *c)
{
    sqlite3_bind_int64(st, 1, c->patient_key);
    bind_text(st, 2, c->territory);
    bind_text(st, 3, c->state);
    sqlite3_bind_int(st, 4, c->category);
    bind_text(st, 5, c->nature);
    bind_text(st, 6, c->title);
    sqlite3_bind_int64(st, 7, c->opened_ms);
    sqlite3_bind_int64(st, 8, c->deadline_ms);
    sqlite3_bind_int(st, 9, c->escalated);
    bind_text(st, 10, c->claimed_by[0] ? c->claimed_by : NULL);
    bind_time(st, 11, c->claimed_ms);
    bind_time(st, 12, c->closed_ms);
    bind_text(st, 13, c->outcome[0] ? c->outcome : NULL);
    sqlite3_bind_int64(st, 14, c->updated_ms);
}

int store_case_insert(store *s, struct store_case *c, verr *e)
{
    PG_DISPATCH(case_insert(s, c, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = store_stmt_get(s,
                               "INSERT INTO care_case(patient_key, territory, state, category, "
                               "nature, title, opened_at, deadline, escalated, claimed_by, "
                               "claimed_at, closed_at, outcome, updated_at) VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               e);
    if (!st) return -1;
    bind_case(st, c);
    if (done(s, st, e, "case") < 0) return -1;
    c->id = sqlite3_last_insert_rowid(db);
    return 0;
}

int store_case_update(store *s, const struct store_case *c, verr *e)
{
    PG_DISPATCH(case_update(s, c, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "UPDATE care_case SET patient_key = ?1, territory = ?2, state = ?3, "
                               "category = ?4, nature = ?5, title = ?6, opened_at = ?7, deadline = "
                               "?8, escalated = ?9, claimed_by = ?10, claimed_at = ?11, closed_at = "
                               "?12, outcome = ?13, updated_at = ?14 WHERE id = ?15",
                               e);
    if (!st) return -1;
    bind_case(st, c);
    sqlite3_bind_int64(st, 15, c->id);
    return done(s, st, e, "case");
}

int store_case_transition(store *s, int64_t case_id, int64_t at_ms, const char *who,
                          const char *from, const char *to, const char *detail, verr *e)
{
    PG_DISPATCH(case_transition(s, case_id, at_ms, who, from, to, detail, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "INSERT INTO case_transition(case_id, at, who, from_state, "
                               "to_state, detail) VALUES (?,?,?,?,?,?)",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, at_ms);
    bind_text(st, 3, who);
    bind_text(st, 4, from);
    bind_text(st, 5, to);
    bind_text(st, 6, detail);
    return done(s, st, e, "transition");
}

int store_case_note(store *s, int64_t case_id, int64_t at_ms, const char *who,
                    const char *kind, const char *text, verr *e)
{
    PG_DISPATCH(case_note(s, case_id, at_ms, who, kind, text, e));
    sqlite3_stmt *st = store_stmt_get(s, "INSERT INTO case_note(case_id, at, who, kind, text) VALUES (?,?,?,?,?)", e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, at_ms);
    bind_text(st, 3, who);
    bind_text(st, 4, kind);
    bind_text(st, 5, text);
    return done(s, st, e, "note");
}

static int each_case(store *s, sqlite3_stmt *st,
                     int (*fn)(void *arg, const struct store_case *c), void *arg, verr *e)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_case c;
        read_case(st, &c);
        if (fn(arg, &c) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    store_stmt_put(s, st);
    return rc == SQLITE_DONE ? 0 : fail(s, e, "cases");
}

int store_cases_due(store *s, int64_t now_ms, int (*fn)(void *arg, const struct store_case *c),
                    void *arg, verr *e)
{
    PG_DISPATCH(cases_due(s, now_ms, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                               "c.patient_key WHERE c.state = 'open' AND c.escalated = 0 AND "
                               "c.deadline <= ? ORDER BY c.deadline",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, now_ms);
    return each_case(s, st, fn, arg, e);
}

int store_queue(store *s, const char *const *territories, size_t count, bool all_territories,
                int (*fn)(void *arg, const struct store_case *c), void *arg, verr *e)
{
    PG_DISPATCH(queue(s, territories, count, all_territories, fn, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    buf sql;
    buf_init(&sql, 1 << 16);
    buf_puts(&sql, "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                   "c.patient_key WHERE c.state != 'closed'");
    if (!all_territories) {
        buf_puts(&sql, " AND c.territory IN (''");
        for (size_t i = 0; i < count; i++) buf_puts(&sql, ",?");
        buf_puts(&sql, ")");
    }
    buf_puts(&sql, " ORDER BY c.escalated DESC, c.category, c.deadline, c.id");
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, buf_cstr(&sql), -1, &st, NULL);
    buf_free(&sql);
    if (rc != SQLITE_OK) return fail(s, e, "queue");
    if (!all_territories)
        for (size_t i = 0; i < count; i++) bind_text(st, (int)i + 1, territories[i]);
    return each_case(s, st, fn, arg, e);
}

int store_case_items(store *s, int64_t case_id,
                     int (*fn)(void *arg, const struct store_case_item *item), void *arg,
                     verr *e)
{
    PG_DISPATCH(case_items(s, case_id, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
        "SELECT 'event', created_at, '', json, withdrawn, seq FROM event WHERE case_id = ?1 "
        "UNION ALL SELECT 'transition', at, who, coalesce(from_state, '') || ' -> ' || to_state "
        "|| coalesce(': ' || detail, ''), 0, id FROM case_transition WHERE case_id = ?1 "
        "UNION ALL SELECT kind, at, who, text, 0, id FROM case_note WHERE case_id = ?1 "
        "ORDER BY 2, 6",
        e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, case_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_case_item item = {
            .kind = (const char *)sqlite3_column_text(st, 0),
            .at_ms = sqlite3_column_int64(st, 1),
            .who = (const char *)sqlite3_column_text(st, 2),
            .text = (const char *)sqlite3_column_text(st, 3),
            .withdrawn = sqlite3_column_int(st, 4) != 0,
        };
        if (fn(arg, &item) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    store_stmt_put(s, st);
    return rc == SQLITE_DONE ? 0 : fail(s, e, "case items");
}

int store_patient_fired(store *s, int64_t patient_key, int64_t from_ms,
                        int (*fn)(void *arg, const char *observation_id), void *arg, verr *e)
{
    PG_DISPATCH(patient_fired(s, patient_key, from_ms, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT DISTINCT o.id FROM event ev JOIN event_source es ON "
                               "es.event_seq = ev.seq JOIN observation o ON o.seq = es.source_seq "
                               "WHERE ev.patient_key = ? AND ev.withdrawn = 0 AND o.effective >= ?",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    sqlite3_bind_int64(st, 2, from_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0)) != 0) break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "fired");
}

int store_resources_of_territory(store *s, const char *territory, const char *type,
                                 int (*fn)(void *arg, const char *patient_id, int64_t birth_ms,
                                           const char *json, size_t len),
                                 void *arg, verr *e)
{
    PG_DISPATCH(resources_of_territory(s, territory, type, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT p.id, p.birth_date, r.resource FROM resource r JOIN patient "
                               "p ON p.key = r.patient_key WHERE p.territory = ? AND r.type = ? AND "
                               "r.current = 1 ORDER BY r.patient_key, r.time",
                               e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    bind_text(st, 2, type);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0), column_time(st, 1),
               (const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2)) != 0)
            break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "resources");
}

int store_resources_of_patient(store *s, int64_t patient_key, const char *type,
                               int (*fn)(void *arg, const char *json, size_t len), void *arg,
                               verr *e)
{
    PG_DISPATCH(resources_of_patient(s, patient_key, type, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT resource FROM resource WHERE patient_key = ? AND type = ? "
                               "AND current = 1 ORDER BY seq",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    bind_text(st, 2, type);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)) !=
            0)
            break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "resources");
}

/* ---- Overrides, feed -------------------------------------------------------------------- */

int store_override_add(store *s, int64_t patient_key, const char *json, const char *who,
                       int64_t at_ms, verr *e)
{
    PG_DISPATCH(override_add(s, patient_key, json, who, at_ms, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "INSERT INTO threshold_override(patient_key, json, set_by, set_at) "
                               "VALUES (?,?,?,?)",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    bind_text(st, 2, json);
    bind_text(st, 3, who);
    sqlite3_bind_int64(st, 4, at_ms);
    return done(s, st, e, "override");
}

int store_override_each(store *s, int (*fn)(void *arg, int64_t patient_key, const char *json),
                        void *arg, verr *e)
{
    PG_DISPATCH(override_each(s, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT patient_key, json FROM threshold_override WHERE id IN "
                               "(SELECT max(id) FROM threshold_override GROUP BY patient_key)",
                               e);
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1)) != 0)
            break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "overrides");
}

int store_override_latest(store *s, int64_t patient_key, buf *json, char who[64],
                          int64_t *at_ms, verr *e)
{
    PG_DISPATCH(override_latest(s, patient_key, json, who, at_ms, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT json, set_by, set_at FROM threshold_override WHERE "
                               "patient_key = ? ORDER BY id DESC LIMIT 1",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        buf_reset(json);
        buf_puts(json, (const char *)sqlite3_column_text(st, 0));
        column_copy(st, 1, who, 64);
        *at_ms = sqlite3_column_int64(st, 2);
    }
    store_stmt_put(s, st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : fail(s, e, "override");
}

int store_feed_add(store *s, int64_t at_ms, const char *territory, const char *kind,
                   int64_t case_id, const char *data, int64_t *id, verr *e)
{
    PG_DISPATCH(feed_add(s, at_ms, territory, kind, case_id, data, id, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = store_stmt_get(s,
                               "INSERT INTO change_feed(at, territory, kind, case_id, data) "
                               "VALUES (?,?,?,?,?)",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, at_ms);
    bind_text(st, 2, territory ? territory : "");
    bind_text(st, 3, kind);
    sqlite3_bind_int64(st, 4, case_id);
    bind_text(st, 5, data);
    if (done(s, st, e, "change feed") < 0) return -1;
    *id = sqlite3_last_insert_rowid(db);
    return 0;
}

int64_t store_feed_last_id(store *s)
{
    PG_DISPATCH(feed_last_id(s));
    sqlite3_stmt *st = store_stmt_get(s, "SELECT coalesce(max(id), 0) FROM change_feed", NULL);
    int64_t id = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    store_stmt_put(s, st);
    return id;
}

int store_feed_since(store *s, int64_t after_id, int limit,
                     int (*fn)(void *arg, int64_t id, const char *territory, const char *kind,
                               const char *data),
                     void *arg, verr *e)
{
    PG_DISPATCH(feed_since(s, after_id, limit, fn, arg, e));
    sqlite3_stmt *st = store_stmt_get(s,
                               "SELECT id, territory, kind, data FROM change_feed WHERE id > ? "
                               "ORDER BY id LIMIT ?",
                               e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3)) !=
            0)
            break;
    store_stmt_put(s, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "change feed");
}

/* ---- Evaluation ------------------------------------------------------------------------- */

static double median_of(store *s, const char *sql, const char *territory, int64_t from,
                        int64_t to, int category)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NAN;
    bind_text(st, 1, territory);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int(st, 4, category);
    double *v = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n++] = sqlite3_column_double(st, 0);
    }
    store_stmt_put(s, st);
    double m = NAN;
    if (n) {
        /* values arrive sorted (ORDER BY) */
        m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    free(v);
    return m;
}

int store_evaluation(store *s, const char *territory, int64_t from_ms, int64_t to_ms,
                     const char *const *outcome_names, size_t outcome_count,
                     struct store_evaluation *out, verr *e)
{
    PG_DISPATCH(evaluation(s, territory, from_ms, to_ms, outcome_names, outcome_count, out, e));
    memset(out, 0, sizeof *out);
    /* ?1 territory (NULL = all), ?2 from, ?3 to */
#define IN_TERRITORY(col) "(?1 IS NULL OR " col " = ?1)"
    sqlite3_stmt *st =
        store_stmt_get(s, "SELECT count(*) FROM patient WHERE " IN_TERRITORY("territory"), e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    if (sqlite3_step(st) == SQLITE_ROW) out->patients = sqlite3_column_int64(st, 0);
    store_stmt_put(s, st);

    st = store_stmt_get(s,
                 "SELECT ev.category, count(*) FROM event ev JOIN patient p ON p.key = "
                 "ev.patient_key WHERE " IN_TERRITORY("p.territory") " AND ev.created_at >= ?2 "
                 "AND ev.created_at < ?3 AND ev.notify = 1 AND ev.withdrawn = 0 GROUP BY 1",
                 e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    sqlite3_bind_int64(st, 2, from_ms);
    sqlite3_bind_int64(st, 3, to_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int c = sqlite3_column_int(st, 0);
        if (c >= 1 && c <= 3) out->alerts[c - 1] = sqlite3_column_int64(st, 1);
    }
    store_stmt_put(s, st);

    st = store_stmt_get(s,
                 "SELECT min(category_at_open, 3), count(*), sum(escalated) FROM (SELECT "
                 "coalesce((SELECT min(ev.category) FROM event ev WHERE ev.case_id = c.id), "
                 "c.category) AS category_at_open, c.escalated FROM care_case c WHERE "
                 IN_TERRITORY("c.territory") " AND c.opened_at >= ?2 AND c.opened_at < ?3) "
                 "GROUP BY 1",
                 e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    sqlite3_bind_int64(st, 2, from_ms);
    sqlite3_bind_int64(st, 3, to_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int c = sqlite3_column_int(st, 0);
        if (c >= 1 && c <= 3) out->cases[c - 1] = sqlite3_column_int64(st, 1);
        out->escalated += sqlite3_column_int64(st, 2);
    }
    store_stmt_put(s, st);

    for (int c = 1; c <= 3; c++) {
        out->median_claim_s[c - 1] = median_of(
            s,
            "SELECT (t.at - c.opened_at) / 1000.0 AS d FROM care_case c JOIN case_transition t "
            "ON t.id = (SELECT min(id) FROM case_transition WHERE case_id = c.id AND to_state = "
            "'claimed') WHERE " IN_TERRITORY("c.territory") " AND c.opened_at >= ?2 AND "
            "c.opened_at < ?3 AND c.category = ?4 ORDER BY d",
            territory, from_ms, to_ms, c);
        out->median_close_s[c - 1] = median_of(
            s,
            "SELECT (c.closed_at - c.opened_at) / 1000.0 AS d FROM care_case c WHERE "
            IN_TERRITORY("c.territory") " AND c.opened_at >= ?2 AND c.opened_at < ?3 AND "
            "c.category = ?4 AND c.state = 'closed' ORDER BY d",
            territory, from_ms, to_ms, c);
    }

    st = store_stmt_get(s,
                 "SELECT outcome, count(*) FROM care_case c WHERE " IN_TERRITORY("c.territory")
                 " AND c.closed_at >= ?2 AND c.closed_at < ?3 AND c.state = 'closed' GROUP BY 1",
                 e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    sqlite3_bind_int64(st, 2, from_ms);
    sqlite3_bind_int64(st, 3, to_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        out->closed += n;
        for (size_t i = 0; name && i < outcome_count && i < 8; i++)
            if (!strcmp(name, outcome_names[i])) out->outcomes[i] += n;
    }
    store_stmt_put(s, st);
#undef IN_TERRITORY
    return 0;
}
