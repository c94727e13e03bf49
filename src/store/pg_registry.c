/* PostgreSQL store: the programme's registry (regions, territories and their communes, sites,
 * professionals, enrolments with their conditions and expected measurements). */
#include "store/pg_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits a comma-separated list (string_agg of codes) into an owned array. */
static void split_list(const char *text, char ***items, size_t *count)
{
    *items = NULL;
    *count = 0;
    if (!text || !*text) return;
    size_t n = 1;
    for (const char *c = text; *c; c++) n += *c == ',';
    *items = xcalloc(n, sizeof **items);
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        (*items)[(*count)++] = xstrndup(p, len);
        if (!p[len]) break;
        p += len + 1;
    }
}

/* ---- Regions ------------------------------------------------------------------------------ */

int store_pg_region_get(store *st, const char *code, struct store_region *out, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, code);
    PGresult *r = pg_query(pg_of(st), "SELECT code, name FROM region WHERE code = $1", &p, e);
    if (!r) return verr_prefix(e, "region");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) {
        pg_copy(r, 0, 0, out->code, sizeof out->code);
        pg_copy(r, 0, 1, out->name, sizeof out->name);
    }
    PQclear(r);
    return rc;
}

int store_pg_region_each(store *st, int (*fn)(void *arg, const struct store_region *r), void *arg,
                         verr *e)
{
    PGresult *r = pg_query(pg_of(st), "SELECT code, name FROM region ORDER BY code", NULL, e);
    if (!r) return verr_prefix(e, "regions");
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_region region;
        pg_copy(r, i, 0, region.code, sizeof region.code);
        pg_copy(r, i, 1, region.name, sizeof region.name);
        if (fn(arg, &region) != 0) break;
    }
    PQclear(r);
    return 0;
}

/* ---- Territories -------------------------------------------------------------------------- */

static int insert_communes(struct pg_store *s, const struct store_territory *t, verr *e)
{
    for (size_t i = 0; i < t->commune_count; i++) {
        struct pg_params p = {0};
        pgp_text(&p, t->communes[i]);
        pgp_text(&p, t->id);
        /* synchronous: a commune of another territory must be refused here, naming it */
        PGresult *r = pg_query(s,
                               "INSERT INTO territory_commune(commune, territory) VALUES "
                               "($1, $2)",
                               &p, e);
        if (!r) return verr_prefix(e, "commune %s", t->communes[i]);
        PQclear(r);
    }
    return 0;
}

static void quota_param(struct pg_params *p, int64_t quota)
{
    if (quota < 0)
        pgp_text(p, NULL);
    else
        pgp_int(p, quota);
}

int store_pg_territory_add(store *st, const struct store_territory *t, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_text(&p, t->id);
    pgp_text(&p, t->name);
    pgp_text(&p, t->region);
    quota_param(&p, t->quota);
    pgp_int(&p, t->created_ms);
    pgp_int(&p, t->updated_ms);
    int64_t rows;
    if (pg_command_count(s,
                         "INSERT INTO territory(id, name, region, quota, created_at, updated_at) "
                         "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (id) DO NOTHING",
                         &p, &rows, e) < 0)
        return verr_prefix(e, "territory");
    if (rows == 0) return 1;
    return insert_communes(s, t, e);
}

int store_pg_territory_update(store *st, const struct store_territory *t, bool communes, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_text(&p, t->name);
    pgp_text(&p, t->region);
    quota_param(&p, t->quota);
    pgp_int(&p, t->updated_ms);
    pgp_text(&p, t->id);
    int64_t rows;
    if (pg_command_count(s,
                         "UPDATE territory SET name = $1, region = $2, quota = $3, updated_at = "
                         "$4 WHERE id = $5",
                         &p, &rows, e) < 0)
        return verr_prefix(e, "territory");
    if (rows == 0) return 1;
    if (!communes) return 0;
    struct pg_params k = {0};
    pgp_text(&k, t->id);
    if (pg_command(s, "DELETE FROM territory_commune WHERE territory = $1", &k, e) < 0)
        return verr_prefix(e, "territory");
    return insert_communes(s, t, e);
}

#define TERRITORY_COLUMNS                                                                          \
    "t.id, t.name, t.region, t.quota, t.created_at, t.updated_at, (SELECT string_agg(commune, "    \
    "',' ORDER BY commune) FROM territory_commune WHERE territory = t.id)"

static void read_territory(const PGresult *r, int i, struct store_territory *t)
{
    memset(t, 0, sizeof *t);
    pg_copy(r, i, 0, t->id, sizeof t->id);
    pg_copy(r, i, 1, t->name, sizeof t->name);
    pg_copy(r, i, 2, t->region, sizeof t->region);
    t->quota = PQgetisnull(r, i, 3) ? -1 : pg_i64(r, i, 3);
    t->created_ms = pg_i64(r, i, 4);
    t->updated_ms = pg_i64(r, i, 5);
    split_list(pg_str(r, i, 6), &t->communes, &t->commune_count);
}

int store_pg_territory_get(store *st, const char *id, struct store_territory *out, verr *e)
{
    memset(out, 0, sizeof *out);
    struct pg_params p = {0};
    pgp_text(&p, id);
    PGresult *r =
        pg_query(pg_of(st), "SELECT " TERRITORY_COLUMNS " FROM territory t WHERE t.id = $1", &p, e);
    if (!r) return verr_prefix(e, "territory");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) read_territory(r, 0, out);
    PQclear(r);
    return rc;
}

int store_pg_territory_each(store *st, int (*fn)(void *arg, const struct store_territory *t),
                            void *arg, verr *e)
{
    PGresult *r =
        pg_query(pg_of(st), "SELECT " TERRITORY_COLUMNS " FROM territory t ORDER BY t.id", NULL, e);
    if (!r) return verr_prefix(e, "territories");
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_territory t;
        read_territory(r, i, &t);
        int stop = fn(arg, &t);
        store_territory_free(&t);
        if (stop) break;
    }
    PQclear(r);
    return 0;
}

int store_pg_commune_territory(store *st, const char *commune, char territory[STORE_CODE_MAX],
                               verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, commune);
    PGresult *r =
        pg_query(pg_of(st), "SELECT territory FROM territory_commune WHERE commune = $1", &p, e);
    if (!r) return verr_prefix(e, "commune");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) pg_copy(r, 0, 0, territory, STORE_CODE_MAX);
    PQclear(r);
    return rc;
}

/* ---- Sites and professionals -------------------------------------------------------------- */

int store_pg_site_add(store *st, const struct store_site *site, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, site->id);
    pgp_text(&p, site->territory);
    pgp_text(&p, site->kind);
    pgp_text(&p, site->name);
    pgp_text(&p, site->commune);
    pgp_int(&p, site->created_ms);
    int64_t rows;
    if (pg_command_count(pg_of(st),
                         "INSERT INTO site(id, territory, kind, name, commune, created_at) VALUES "
                         "($1,$2,$3,$4,$5,$6) ON CONFLICT (id) DO NOTHING",
                         &p, &rows, e) < 0)
        return verr_prefix(e, "site");
    return rows == 0 ? 1 : 0;
}

#define SITE_COLUMNS "id, territory, kind, name, commune, created_at"

static void read_site(const PGresult *r, int i, struct store_site *out)
{
    pg_copy(r, i, 0, out->id, sizeof out->id);
    pg_copy(r, i, 1, out->territory, sizeof out->territory);
    pg_copy(r, i, 2, out->kind, sizeof out->kind);
    pg_copy(r, i, 3, out->name, sizeof out->name);
    pg_copy(r, i, 4, out->commune, sizeof out->commune);
    out->created_ms = pg_i64(r, i, 5);
}

int store_pg_site_get(store *st, const char *id, struct store_site *out, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, id);
    PGresult *r = pg_query(pg_of(st), "SELECT " SITE_COLUMNS " FROM site WHERE id = $1", &p, e);
    if (!r) return verr_prefix(e, "site");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) read_site(r, 0, out);
    PQclear(r);
    return rc;
}

int store_pg_site_each(store *st, const char *territory,
                       int (*fn)(void *arg, const struct store_site *site), void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    PGresult *r = pg_query(
        pg_of(st), "SELECT " SITE_COLUMNS " FROM site WHERE territory = $1 ORDER BY id", &p, e);
    if (!r) return verr_prefix(e, "sites");
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_site site;
        read_site(r, i, &site);
        if (fn(arg, &site) != 0) break;
    }
    PQclear(r);
    return 0;
}

int store_pg_professional_add(store *st, const struct store_professional *pr, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, pr->id);
    pgp_text(&p, pr->territory);
    pgp_text(&p, pr->name);
    pgp_text(&p, pr->profession);
    pgp_text_or_null(&p, pr->rpps);
    pgp_text_or_null(&p, pr->site);
    pgp_text_or_null(&p, pr->username);
    pgp_int(&p, pr->created_ms);
    int64_t rows;
    if (pg_command_count(pg_of(st),
                         "INSERT INTO professional(id, territory, name, profession, rpps, site, "
                         "username, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (id) "
                         "DO NOTHING",
                         &p, &rows, e) < 0)
        return verr_prefix(e, "professional");
    return rows == 0 ? 1 : 0;
}

int store_pg_professional_each(store *st, const char *territory,
                               int (*fn)(void *arg, const struct store_professional *p), void *arg,
                               verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT id, territory, name, profession, rpps, site, username, "
                           "created_at FROM professional WHERE territory = $1 ORDER BY id",
                           &p, e);
    if (!r) return verr_prefix(e, "professionals");
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_professional pr;
        pg_copy(r, i, 0, pr.id, sizeof pr.id);
        pg_copy(r, i, 1, pr.territory, sizeof pr.territory);
        pg_copy(r, i, 2, pr.name, sizeof pr.name);
        pg_copy(r, i, 3, pr.profession, sizeof pr.profession);
        pg_copy(r, i, 4, pr.rpps, sizeof pr.rpps);
        pg_copy(r, i, 5, pr.site, sizeof pr.site);
        pg_copy(r, i, 6, pr.username, sizeof pr.username);
        pr.created_ms = pg_i64(r, i, 7);
        if (fn(arg, &pr) != 0) break;
    }
    PQclear(r);
    return 0;
}

/* ---- Enrolments --------------------------------------------------------------------------- */

void pg_read_enrolment(const PGresult *r, int i, struct store_enrolment *en)
{
    memset(en, 0, sizeof *en);
    en->id = pg_i64(r, i, 0);
    en->patient_key = pg_i64(r, i, 1);
    pg_copy(r, i, 2, en->patient, sizeof en->patient);
    pg_copy(r, i, 3, en->territory, sizeof en->territory);
    en->start_ms = pg_i64(r, i, 4);
    en->end_ms = pg_time(r, i, 5);
    pg_copy(r, i, 6, en->created_by, sizeof en->created_by);
    en->created_ms = pg_i64(r, i, 7);
    en->updated_ms = pg_i64(r, i, 8);
    split_list(pg_str(r, i, 9), &en->conditions, &en->condition_count);
    char **expected;
    size_t count;
    split_list(pg_str(r, i, 10), &expected, &count);
    en->expected = count ? xcalloc(count, sizeof *en->expected) : NULL;
    for (size_t k = 0; k < count; k++) {
        char *eq = strchr(expected[k], '=');
        struct store_expected *x = &en->expected[en->expected_count++];
        snprintf(x->kind, sizeof x->kind, "%.*s", eq ? (int)(eq - expected[k]) : 0, expected[k]);
        x->per_day = eq ? strtod(eq + 1, NULL) : 0;
        free(expected[k]);
    }
    free(expected);
}

int store_pg_enrolment_open(store *st, int64_t patient_key, int64_t now_ms,
                            struct store_enrolment *out, verr *e)
{
    memset(out, 0, sizeof *out);
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    pgp_int(&p, now_ms);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT " PG_ENROLMENT_COLUMNS " FROM enrolment e JOIN patient p ON "
                           "p.key = e.patient_key WHERE e.patient_key = $1 AND (e.end_at IS NULL "
                           "OR e.end_at > $2) ORDER BY e.id DESC LIMIT 1",
                           &p, e);
    if (!r) return verr_prefix(e, "enrolment");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) pg_read_enrolment(r, 0, out);
    PQclear(r);
    return rc;
}

static int write_details(struct pg_store *s, const struct store_enrolment *en, verr *e)
{
    struct pg_params k = {0};
    pgp_int(&k, en->id);
    if (pg_command(s, "DELETE FROM enrolment_condition WHERE enrolment_id = $1", &k, e) < 0 ||
        pg_command(s, "DELETE FROM enrolment_expected WHERE enrolment_id = $1", &k, e) < 0)
        return verr_prefix(e, "enrolment");
    for (size_t i = 0; i < en->condition_count; i++) {
        struct pg_params p = {0};
        pgp_int(&p, en->id);
        pgp_text(&p, en->conditions[i]);
        if (pg_command(s,
                       "INSERT INTO enrolment_condition(enrolment_id, code) VALUES ($1, $2) ON "
                       "CONFLICT DO NOTHING",
                       &p, e) < 0)
            return verr_prefix(e, "enrolment");
    }
    for (size_t i = 0; i < en->expected_count; i++) {
        struct pg_params p = {0};
        pgp_int(&p, en->id);
        pgp_text(&p, en->expected[i].kind);
        pgp_double(&p, en->expected[i].per_day);
        if (pg_command(s,
                       "INSERT INTO enrolment_expected(enrolment_id, kind, per_day) VALUES ($1, "
                       "$2, $3) ON CONFLICT (enrolment_id, kind) DO UPDATE SET per_day = $3",
                       &p, e) < 0)
            return verr_prefix(e, "enrolment");
    }
    return 0;
}

int store_pg_enrolment_add(store *st, struct store_enrolment *en, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_int(&p, en->patient_key);
    pgp_text(&p, en->territory);
    pgp_int(&p, en->start_ms);
    pgp_time(&p, en->end_ms);
    pgp_text(&p, en->created_by);
    pgp_int(&p, en->created_ms);
    pgp_int(&p, en->updated_ms);
    PGresult *r = pg_query(s,
                           "INSERT INTO enrolment(patient_key, territory, start_at, end_at, "
                           "created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) "
                           "RETURNING id",
                           &p, e);
    if (!r) return verr_prefix(e, "enrolment");
    en->id = pg_i64(r, 0, 0);
    PQclear(r);
    return write_details(s, en, e);
}

int store_pg_enrolment_update(store *st, const struct store_enrolment *en, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_int(&p, en->start_ms);
    pgp_time(&p, en->end_ms);
    pgp_int(&p, en->updated_ms);
    pgp_int(&p, en->id);
    /* change_seq: other nodes see that this enrolment changed (store_turn) */
    if (pg_command(s,
                   "UPDATE enrolment SET start_at = $1, end_at = $2, updated_at = $3, change_seq "
                   "= nextval('change_seq') WHERE id = $4",
                   &p, e) < 0)
        return verr_prefix(e, "enrolment");
    return write_details(s, en, e);
}

int store_pg_enrolment_count(store *st, const char *territory, int64_t now_ms, int64_t *count,
                             verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_int(&p, now_ms);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT count(*) FROM enrolment e WHERE e.territory = $1 AND "
                           "(e.end_at IS NULL OR e.end_at > $2)",
                           &p, e);
    if (!r) return verr_prefix(e, "enrolment");
    *count = pg_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

int store_pg_enrolment_each(store *st, const char *territory, int64_t now_ms,
                            int (*fn)(void *arg, const struct store_enrolment *en), void *arg,
                            verr *e)
{
    struct pg_store *s = pg_of(st);
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* all territories: what is read here counts as known to this connection (store_turn) */
    PGresult *m = territory
                      ? NULL
                      : pg_query(s, "SELECT coalesce(max(change_seq), 0) FROM enrolment", NULL, e);
    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_int(&p, now_ms);
    PGresult *r = territory || m ? pg_query(s,
                                            "SELECT " PG_ENROLMENT_COLUMNS " FROM enrolment e "
                                            "JOIN patient p ON p.key = e.patient_key WHERE "
                                            "($1::text IS NULL OR e.territory = $1) AND (e.end_at "
                                            "IS NULL OR e.end_at > $2) ORDER BY e.territory, p.id",
                                            &p, e)
                                 : NULL;
    if (r) {
        if (m) s->marks.enrolment = pg_i64(m, 0, 0);
        for (int i = 0; i < PQntuples(r); i++) {
            struct store_enrolment en;
            pg_read_enrolment(r, i, &en);
            int stop = fn(arg, &en);
            store_enrolment_free(&en);
            if (stop) break;
        }
    }
    PQclear(m);
    PQclear(r);
    pg_read_end(s, opened);
    return r ? 0 : verr_prefix(e, "enrolments");
}

int store_pg_programme_each(store *st, int64_t now_ms,
                            int (*fn)(void *arg, const char *territory, const char *condition,
                                      int64_t enrolled),
                            void *arg, verr *e)
{
    /* totals per territory (condition NULL) sort before that territory's conditions */
    struct pg_params p = {0};
    pgp_int(&p, now_ms);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT territory, NULL::text, count(*) FROM enrolment e WHERE "
                           "(e.end_at IS NULL OR e.end_at > $1) GROUP BY territory UNION ALL "
                           "SELECT e.territory, c.code, count(*) FROM enrolment e JOIN "
                           "enrolment_condition c ON c.enrolment_id = e.id WHERE (e.end_at IS "
                           "NULL OR e.end_at > $1) GROUP BY e.territory, c.code ORDER BY 1, 2 "
                           "NULLS FIRST",
                           &p, e);
    if (!r) return verr_prefix(e, "programme");
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(arg, PQgetvalue(r, i, 0), pg_str(r, i, 1), pg_i64(r, i, 2)) != 0) break;
    PQclear(r);
    return 0;
}
