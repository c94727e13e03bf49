/* SQLite store: the programme's registry (regions, territories and their communes, sites,
 * professionals, enrolments with their conditions and expected measurements). */
#include "store/store.h"
#include "store/store_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sqlite3_stmt *store_sqlite_prepare(store *s, const char *sql, verr *e)
{
    return store_stmt_get(s, sql, e);
}

int store_sqlite_run(store *s, sqlite3_stmt *st, verr *e)
{
    int rc = sqlite3_step(st);
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "%s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

void store_sqlite_column(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *text = sqlite3_column_text(st, i);
    snprintf(out, n, "%s", text ? (const char *)text : "");
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text)
{
    if (text && *text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps a lookup that returns at most one row: 0 with the row ready, 1 when none (the
 * statement is finalized), -1 on error (finalized). */
static int step_one(store *s, sqlite3_stmt *st, verr *e)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 0;
    store_stmt_put(s, st);
    if (rc == SQLITE_DONE) return 1;
    return verr_fail(e, "%s", sqlite3_errmsg(store_sqlite_db(s)));
}

/* Reads every row of a list query (one text column) into an owned array. */
static int load_strings(store *s, sqlite3_stmt *st, char ***items, size_t *count, verr *e)
{
    size_t cap = 0;
    *items = NULL;
    *count = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            *items = xrealloc(*items, cap * sizeof **items);
        }
        (*items)[(*count)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE) return verr_fail(e, "%s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

static void free_strings(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++) free(items[i]);
    free(items);
}

/* ---- Regions ------------------------------------------------------------------------------ */

int store_region_get(store *s, const char *code, struct store_region *out, verr *e)
{
    PG_DISPATCH(region_get(s, code, out, e));
    sqlite3_stmt *st = store_sqlite_prepare(s, "SELECT code, name FROM region WHERE code = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int rc = step_one(s, st, e);
    if (rc != 0) return rc;
    store_sqlite_column(st, 0, out->code, sizeof out->code);
    store_sqlite_column(st, 1, out->name, sizeof out->name);
    store_stmt_put(s, st);
    return 0;
}

int store_region_each(store *s, int (*fn)(void *arg, const struct store_region *r), void *arg,
                      verr *e)
{
    PG_DISPATCH(region_each(s, fn, arg, e));
    sqlite3_stmt *st = store_sqlite_prepare(s, "SELECT code, name FROM region ORDER BY code", e);
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_region r;
        store_sqlite_column(st, 0, r.code, sizeof r.code);
        store_sqlite_column(st, 1, r.name, sizeof r.name);
        if (fn(arg, &r) != 0) break;
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "regions: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

/* ---- Territories -------------------------------------------------------------------------- */

static int insert_communes(store *s, const struct store_territory *t, verr *e)
{
    for (size_t i = 0; i < t->commune_count; i++) {
        sqlite3_stmt *st = store_sqlite_prepare(
            s, "INSERT INTO territory_commune(commune, territory) VALUES (?, ?)", e);
        if (!st) return -1;
        sqlite3_bind_text(st, 1, t->communes[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->id, -1, SQLITE_STATIC);
        if (store_sqlite_run(s, st, e) < 0) return verr_prefix(e, "commune %s", t->communes[i]);
    }
    return 0;
}

static void bind_quota(sqlite3_stmt *st, int i, int64_t quota)
{
    if (quota < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, quota);
}

int store_territory_add(store *s, const struct store_territory *t, verr *e)
{
    PG_DISPATCH(territory_add(s, t, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "INSERT INTO territory(id, name, region, quota, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
        e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->region, -1, SQLITE_STATIC);
    bind_quota(st, 4, t->quota);
    sqlite3_bind_int64(st, 5, t->created_ms);
    sqlite3_bind_int64(st, 6, t->updated_ms);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    if (sqlite3_changes(store_sqlite_db(s)) == 0) return 1;
    return insert_communes(s, t, e);
}

int store_territory_update(store *s, const struct store_territory *t, bool communes, verr *e)
{
    PG_DISPATCH(territory_update(s, t, communes, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s, "UPDATE territory SET name = ?, region = ?, quota = ?, updated_at = ? WHERE id = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->region, -1, SQLITE_STATIC);
    bind_quota(st, 3, t->quota);
    sqlite3_bind_int64(st, 4, t->updated_ms);
    sqlite3_bind_text(st, 5, t->id, -1, SQLITE_STATIC);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    if (sqlite3_changes(store_sqlite_db(s)) == 0) return 1;
    if (!communes) return 0;
    st = store_sqlite_prepare(s, "DELETE FROM territory_commune WHERE territory = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    return insert_communes(s, t, e);
}

static int read_territory(store *s, sqlite3_stmt *st, struct store_territory *t, verr *e)
{
    memset(t, 0, sizeof *t);
    store_sqlite_column(st, 0, t->id, sizeof t->id);
    store_sqlite_column(st, 1, t->name, sizeof t->name);
    store_sqlite_column(st, 2, t->region, sizeof t->region);
    t->quota = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
    t->created_ms = sqlite3_column_int64(st, 4);
    t->updated_ms = sqlite3_column_int64(st, 5);
    sqlite3_stmt *list = store_sqlite_prepare(
        s, "SELECT commune FROM territory_commune WHERE territory = ? ORDER BY commune", e);
    if (!list) return -1;
    sqlite3_bind_text(list, 1, t->id, -1, SQLITE_STATIC);
    return load_strings(s, list, &t->communes, &t->commune_count, e);
}

#define TERRITORY_COLUMNS "id, name, region, quota, created_at, updated_at"

int store_territory_get(store *s, const char *id, struct store_territory *out, verr *e)
{
    PG_DISPATCH(territory_get(s, id, out, e));
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st =
        store_sqlite_prepare(s, "SELECT " TERRITORY_COLUMNS " FROM territory WHERE id = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = step_one(s, st, e);
    if (rc != 0) return rc;
    rc = read_territory(s, st, out, e);
    store_stmt_put(s, st);
    return rc;
}

int store_territory_each(store *s, int (*fn)(void *arg, const struct store_territory *t),
                         void *arg, verr *e)
{
    PG_DISPATCH(territory_each(s, fn, arg, e));
    sqlite3_stmt *st =
        store_sqlite_prepare(s, "SELECT " TERRITORY_COLUMNS " FROM territory ORDER BY id", e);
    if (!st) return -1;
    int rc, result = 0;
    while (result == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_territory t;
        if (read_territory(s, st, &t, e) < 0) {
            result = -1;
            break;
        }
        if (fn(arg, &t) != 0) result = 1;
        store_territory_free(&t);
    }
    store_stmt_put(s, st);
    return result < 0 ? -1 : 0;
}

void store_territory_free(struct store_territory *t)
{
    free_strings(t->communes, t->commune_count);
    t->communes = NULL;
    t->commune_count = 0;
}

int store_commune_territory(store *s, const char *commune, char territory[STORE_CODE_MAX],
                            verr *e)
{
    PG_DISPATCH(commune_territory(s, commune, territory, e));
    sqlite3_stmt *st =
        store_sqlite_prepare(s, "SELECT territory FROM territory_commune WHERE commune = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, commune, -1, SQLITE_STATIC);
    int rc = step_one(s, st, e);
    if (rc != 0) return rc;
    store_sqlite_column(st, 0, territory, STORE_CODE_MAX);
    store_stmt_put(s, st);
    return 0;
}

/* ---- Sites and professionals -------------------------------------------------------------- */

int store_site_add(store *s, const struct store_site *site, verr *e)
{
    PG_DISPATCH(site_add(s, site, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "INSERT INTO site(id, territory, kind, name, commune, created_at) VALUES (?,?,?,?,?,?) "
        "ON CONFLICT(id) DO NOTHING",
        e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, site->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, site->territory, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, site->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, site->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, site->commune, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, site->created_ms);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    return sqlite3_changes(store_sqlite_db(s)) == 0 ? 1 : 0;
}

#define SITE_COLUMNS "id, territory, kind, name, commune, created_at"

static void read_site(sqlite3_stmt *st, struct store_site *out)
{
    store_sqlite_column(st, 0, out->id, sizeof out->id);
    store_sqlite_column(st, 1, out->territory, sizeof out->territory);
    store_sqlite_column(st, 2, out->kind, sizeof out->kind);
    store_sqlite_column(st, 3, out->name, sizeof out->name);
    store_sqlite_column(st, 4, out->commune, sizeof out->commune);
    out->created_ms = sqlite3_column_int64(st, 5);
}

int store_site_get(store *s, const char *id, struct store_site *out, verr *e)
{
    PG_DISPATCH(site_get(s, id, out, e));
    sqlite3_stmt *st =
        store_sqlite_prepare(s, "SELECT " SITE_COLUMNS " FROM site WHERE id = ?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = step_one(s, st, e);
    if (rc != 0) return rc;
    read_site(st, out);
    store_stmt_put(s, st);
    return 0;
}

int store_site_each(store *s, const char *territory,
                    int (*fn)(void *arg, const struct store_site *site), void *arg, verr *e)
{
    PG_DISPATCH(site_each(s, territory, fn, arg, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s, "SELECT " SITE_COLUMNS " FROM site WHERE territory = ? ORDER BY id", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, territory, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_site site;
        read_site(st, &site);
        if (fn(arg, &site) != 0) break;
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "sites: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

int store_professional_add(store *s, const struct store_professional *p, verr *e)
{
    PG_DISPATCH(professional_add(s, p, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "INSERT INTO professional(id, territory, name, profession, rpps, site, username, "
        "created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
        e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->territory, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->profession, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, p->rpps);
    bind_text_or_null(st, 6, p->site);
    bind_text_or_null(st, 7, p->username);
    sqlite3_bind_int64(st, 8, p->created_ms);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    return sqlite3_changes(store_sqlite_db(s)) == 0 ? 1 : 0;
}

int store_professional_each(store *s, const char *territory,
                            int (*fn)(void *arg, const struct store_professional *p), void *arg,
                            verr *e)
{
    PG_DISPATCH(professional_each(s, territory, fn, arg, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "SELECT id, territory, name, profession, rpps, site, username, created_at FROM "
        "professional WHERE territory = ? ORDER BY id",
        e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, territory, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_professional p;
        store_sqlite_column(st, 0, p.id, sizeof p.id);
        store_sqlite_column(st, 1, p.territory, sizeof p.territory);
        store_sqlite_column(st, 2, p.name, sizeof p.name);
        store_sqlite_column(st, 3, p.profession, sizeof p.profession);
        store_sqlite_column(st, 4, p.rpps, sizeof p.rpps);
        store_sqlite_column(st, 5, p.site, sizeof p.site);
        store_sqlite_column(st, 6, p.username, sizeof p.username);
        p.created_ms = sqlite3_column_int64(st, 7);
        if (fn(arg, &p) != 0) break;
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "professionals: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

/* ---- Enrolments --------------------------------------------------------------------------- */

/* "Open at now": no end, or an end still to come. */
#define ENROLMENT_OPEN "(e.end_at IS NULL OR e.end_at > ?)"
#define ENROLMENT_COLUMNS                                                                          \
    "e.id, e.patient_key, p.id, e.territory, e.start_at, e.end_at, e.created_by, e.created_at, "  \
    "e.updated_at"

static int load_details(store *s, struct store_enrolment *en, verr *e)
{
    sqlite3_stmt *st = store_sqlite_prepare(
        s, "SELECT code FROM enrolment_condition WHERE enrolment_id = ? ORDER BY code", e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, en->id);
    if (load_strings(s, st, &en->conditions, &en->condition_count, e) < 0) return -1;
    st = store_sqlite_prepare(
        s, "SELECT kind, per_day FROM enrolment_expected WHERE enrolment_id = ? ORDER BY kind", e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, en->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (en->expected_count == cap) {
            cap = cap ? cap * 2 : 4;
            en->expected = xrealloc(en->expected, cap * sizeof *en->expected);
        }
        struct store_expected *x = &en->expected[en->expected_count++];
        store_sqlite_column(st, 0, x->kind, sizeof x->kind);
        x->per_day = sqlite3_column_double(st, 1);
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE) return verr_fail(e, "enrolment: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}

static int read_enrolment(store *s, sqlite3_stmt *st, struct store_enrolment *en, verr *e)
{
    memset(en, 0, sizeof *en);
    en->id = sqlite3_column_int64(st, 0);
    en->patient_key = sqlite3_column_int64(st, 1);
    store_sqlite_column(st, 2, en->patient, sizeof en->patient);
    store_sqlite_column(st, 3, en->territory, sizeof en->territory);
    en->start_ms = sqlite3_column_int64(st, 4);
    en->end_ms = sqlite3_column_type(st, 5) == SQLITE_NULL ? STORE_NO_TIME
                                                           : sqlite3_column_int64(st, 5);
    store_sqlite_column(st, 6, en->created_by, sizeof en->created_by);
    en->created_ms = sqlite3_column_int64(st, 7);
    en->updated_ms = sqlite3_column_int64(st, 8);
    if (load_details(s, en, e) < 0) {
        store_enrolment_free(en);
        return -1;
    }
    return 0;
}

int store_enrolment_open(store *s, int64_t patient_key, int64_t now_ms,
                         struct store_enrolment *out, verr *e)
{
    PG_DISPATCH(enrolment_open(s, patient_key, now_ms, out, e));
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "SELECT " ENROLMENT_COLUMNS " FROM enrolment e JOIN patient p ON p.key = e.patient_key "
        "WHERE e.patient_key = ? AND " ENROLMENT_OPEN " ORDER BY e.id DESC LIMIT 1",
        e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, patient_key);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc = step_one(s, st, e);
    if (rc != 0) return rc;
    rc = read_enrolment(s, st, out, e);
    store_stmt_put(s, st);
    return rc;
}

static int write_details(store *s, const struct store_enrolment *en, verr *e)
{
    const char *deletes[] = {"DELETE FROM enrolment_condition WHERE enrolment_id = ?",
                             "DELETE FROM enrolment_expected WHERE enrolment_id = ?"};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_sqlite_prepare(s, deletes[i], e);
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, en->id);
        if (store_sqlite_run(s, st, e) < 0) return -1;
    }
    for (size_t i = 0; i < en->condition_count; i++) {
        sqlite3_stmt *st = store_sqlite_prepare(
            s, "INSERT OR IGNORE INTO enrolment_condition(enrolment_id, code) VALUES (?, ?)", e);
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, en->id);
        sqlite3_bind_text(st, 2, en->conditions[i], -1, SQLITE_STATIC);
        if (store_sqlite_run(s, st, e) < 0) return -1;
    }
    for (size_t i = 0; i < en->expected_count; i++) {
        sqlite3_stmt *st = store_sqlite_prepare(
            s, "INSERT OR REPLACE INTO enrolment_expected(enrolment_id, kind, per_day) "
               "VALUES (?, ?, ?)",
            e);
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, en->id);
        sqlite3_bind_text(st, 2, en->expected[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, en->expected[i].per_day);
        if (store_sqlite_run(s, st, e) < 0) return -1;
    }
    return 0;
}

static void bind_end(sqlite3_stmt *st, int i, int64_t end_ms)
{
    if (end_ms == STORE_NO_TIME)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, end_ms);
}

int store_enrolment_add(store *s, struct store_enrolment *en, verr *e)
{
    PG_DISPATCH(enrolment_add(s, en, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "INSERT INTO enrolment(patient_key, territory, start_at, end_at, created_by, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
        e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, en->patient_key);
    sqlite3_bind_text(st, 2, en->territory, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, en->start_ms);
    bind_end(st, 4, en->end_ms);
    sqlite3_bind_text(st, 5, en->created_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, en->created_ms);
    sqlite3_bind_int64(st, 7, en->updated_ms);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    en->id = sqlite3_last_insert_rowid(store_sqlite_db(s));
    return write_details(s, en, e);
}

int store_enrolment_update(store *s, const struct store_enrolment *en, verr *e)
{
    PG_DISPATCH(enrolment_update(s, en, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s, "UPDATE enrolment SET start_at = ?, end_at = ?, updated_at = ? WHERE id = ?", e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, en->start_ms);
    bind_end(st, 2, en->end_ms);
    sqlite3_bind_int64(st, 3, en->updated_ms);
    sqlite3_bind_int64(st, 4, en->id);
    if (store_sqlite_run(s, st, e) < 0) return -1;
    return write_details(s, en, e);
}

int store_enrolment_count(store *s, const char *territory, int64_t now_ms, int64_t *count,
                          verr *e)
{
    PG_DISPATCH(enrolment_count(s, territory, now_ms, count, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s, "SELECT count(*) FROM enrolment e WHERE e.territory = ? AND " ENROLMENT_OPEN, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, territory, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc = step_one(s, st, e);
    if (rc < 0) return -1;
    *count = rc == 0 ? sqlite3_column_int64(st, 0) : 0;
    if (rc == 0) store_stmt_put(s, st);
    return 0;
}

int store_enrolment_each(store *s, const char *territory, int64_t now_ms,
                         int (*fn)(void *arg, const struct store_enrolment *en), void *arg,
                         verr *e)
{
    PG_DISPATCH(enrolment_each(s, territory, now_ms, fn, arg, e));
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "SELECT " ENROLMENT_COLUMNS " FROM enrolment e JOIN patient p ON p.key = e.patient_key "
        "WHERE (?1 IS NULL OR e.territory = ?1) AND (e.end_at IS NULL OR e.end_at > ?2) "
        "ORDER BY e.territory, p.id",
        e);
    if (!st) return -1;
    bind_text_or_null(st, 1, territory);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc, result = 0;
    while (result == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_enrolment en;
        if (read_enrolment(s, st, &en, e) < 0) {
            result = -1;
            break;
        }
        if (fn(arg, &en) != 0) result = 1;
        store_enrolment_free(&en);
    }
    store_stmt_put(s, st);
    return result < 0 ? -1 : 0;
}

void store_enrolment_free(struct store_enrolment *en)
{
    free_strings(en->conditions, en->condition_count);
    free(en->expected);
    en->conditions = NULL;
    en->expected = NULL;
    en->condition_count = en->expected_count = 0;
}

int store_programme_each(store *s, int64_t now_ms,
                         int (*fn)(void *arg, const char *territory, const char *condition,
                                   int64_t enrolled),
                         void *arg, verr *e)
{
    PG_DISPATCH(programme_each(s, now_ms, fn, arg, e));
    /* Totals per territory (condition NULL) sort before that territory's conditions. */
    sqlite3_stmt *st = store_sqlite_prepare(
        s,
        "SELECT territory, NULL, count(*) FROM enrolment e WHERE " ENROLMENT_OPEN
        " GROUP BY territory "
        "UNION ALL SELECT e.territory, c.code, count(*) FROM enrolment e JOIN "
        "enrolment_condition c ON c.enrolment_id = e.id WHERE " ENROLMENT_OPEN
        " GROUP BY e.territory, c.code ORDER BY 1, 2",
        e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *territory = (const char *)sqlite3_column_text(st, 0);
        const char *condition = (const char *)sqlite3_column_text(st, 1);
        if (fn(arg, territory, condition, sqlite3_column_int64(st, 2)) != 0) break;
    }
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return verr_fail(e, "programme: %s", sqlite3_errmsg(store_sqlite_db(s)));
    return 0;
}
