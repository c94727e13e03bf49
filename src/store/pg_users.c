/* PostgreSQL store: users, their territories and patients, tokens; the audit trail. */
#include "store/pg_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int replace_list(struct pg_store *s, const char *delete_sql, const char *insert_sql,
                        int64_t user_id, char **items, size_t count, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, user_id);
    if (pg_command(s, delete_sql, &p, e) < 0) return -1;
    for (size_t i = 0; i < count; i++) {
        struct pg_params q = {0};
        pgp_int(&q, user_id);
        pgp_text(&q, items[i]);
        if (pg_command(s, insert_sql, &q, e) < 0) return -1;
    }
    return 0;
}

static int replace_lists(struct pg_store *s, const struct store_user *u, verr *e)
{
    if (replace_list(s, "DELETE FROM user_territory WHERE user_id = $1",
                     "INSERT INTO user_territory(user_id, territory) VALUES ($1, $2) ON CONFLICT "
                     "DO NOTHING",
                     u->id, u->territories, u->territory_count, e) < 0)
        return verr_prefix(e, "user territories");
    if (replace_list(s, "DELETE FROM user_patient WHERE user_id = $1",
                     "INSERT INTO user_patient(user_id, patient_id) VALUES ($1, $2) ON CONFLICT "
                     "DO NOTHING",
                     u->id, u->patients, u->patient_count, e) < 0)
        return verr_prefix(e, "user patients");
    return 0;
}

int store_pg_user_add(store *st, struct store_user *u, int64_t now_ms, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_text(&p, u->username);
    pgp_text(&p, u->role);
    pgp_text(&p, u->password_hash);
    pgp_int(&p, u->disabled);
    pgp_int(&p, now_ms);
    PGresult *r = pg_query(s,
                           "INSERT INTO user_account(username, role, password_hash, disabled, "
                           "created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$5) ON CONFLICT "
                           "(username) DO NOTHING RETURNING id",
                           &p, e);
    if (!r) return verr_prefix(e, "user");
    int found = PQntuples(r);
    if (found) u->id = pg_i64(r, 0, 0);
    PQclear(r);
    if (!found) return 1;
    return replace_lists(s, u, e);
}

/* A comma-separated list (territory and patient ids hold no comma) into an owned array. */
static void split_ids(const char *text, char ***items, size_t *count)
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

/* The user with its lists in one statement: every authenticated request reads it. */
#define USER_COLUMNS                                                                               \
    "id, username, role, password_hash, disabled, (SELECT string_agg(territory, ',' ORDER BY "     \
    "territory) FROM user_territory WHERE user_id = u.id), (SELECT string_agg(patient_id, ',' "    \
    "ORDER BY patient_id) FROM user_patient WHERE user_id = u.id)"

int store_pg_user_get(store *st, const char *username, int64_t id, struct store_user *u, verr *e)
{
    struct pg_store *s = pg_of(st);
    memset(u, 0, sizeof *u);
    struct pg_params p = {0};
    PGresult *r;
    if (username) {
        pgp_text(&p, username);
        r = pg_query(s, "SELECT " USER_COLUMNS " FROM user_account u WHERE username = $1", &p, e);
    } else {
        pgp_int(&p, id);
        r = pg_query(s, "SELECT " USER_COLUMNS " FROM user_account u WHERE id = $1", &p, e);
    }
    if (!r) return verr_prefix(e, "user");
    if (!PQntuples(r)) {
        PQclear(r);
        return 1;
    }
    u->id = pg_i64(r, 0, 0);
    pg_copy(r, 0, 1, u->username, sizeof u->username);
    pg_copy(r, 0, 2, u->role, sizeof u->role);
    if (!PQgetisnull(r, 0, 3)) u->password_hash = xstrdup(PQgetvalue(r, 0, 3));
    u->disabled = pg_i64(r, 0, 4) != 0;
    split_ids(pg_str(r, 0, 5), &u->territories, &u->territory_count);
    split_ids(pg_str(r, 0, 6), &u->patients, &u->patient_count);
    PQclear(r);
    return 0;
}

int store_pg_user_update(store *st, const struct store_user *u, bool lists, int64_t now_ms, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_text(&p, u->password_hash);
    pgp_text_or_null(&p, u->role);
    pgp_int(&p, u->disabled);
    pgp_int(&p, now_ms);
    pgp_int(&p, u->id);
    if (pg_command(s,
                   "UPDATE user_account SET password_hash = coalesce($1, password_hash), role = "
                   "coalesce($2, role), disabled = $3, updated_at = $4 WHERE id = $5",
                   &p, e) < 0)
        return verr_prefix(e, "user");
    return lists ? replace_lists(s, u, e) : 0;
}

int store_pg_user_each(store *st, int (*fn)(void *arg, const struct store_user *u), void *arg,
                       verr *e)
{
    PGresult *r = pg_query(pg_of(st), "SELECT id FROM user_account ORDER BY id", NULL, e);
    if (!r) return verr_prefix(e, "users");
    int result = 0;
    for (int i = 0; i < PQntuples(r) && result == 0; i++) {
        struct store_user u;
        if (store_pg_user_get(st, NULL, pg_i64(r, i, 0), &u, e) != 0) {
            result = -1;
            break;
        }
        if (fn(arg, &u) != 0) result = 1;
        store_user_free(&u);
    }
    PQclear(r);
    return result < 0 ? -1 : 0;
}

int store_pg_token_add(store *st, const unsigned char hash[32], int64_t user_id,
                       enum store_token_kind kind, int64_t created_ms, int64_t expires_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_bytes(&p, hash, 32);
    pgp_int(&p, user_id);
    pgp_text(&p, kind == TOKEN_KEY ? "key" : "session");
    pgp_int(&p, created_ms);
    pgp_time(&p, expires_ms);
    if (pg_command(pg_of(st),
                   "INSERT INTO auth_token(hash, user_id, kind, created_at, expires_at) VALUES "
                   "($1,$2,$3,$4,$5)",
                   &p, e) < 0)
        return verr_prefix(e, "token");
    return 0;
}

int store_pg_token_user(store *st, const unsigned char hash[32], int64_t now_ms, int64_t *user_id,
                        int64_t *expires_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_bytes(&p, hash, 32);
    pgp_int(&p, now_ms);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT t.user_id, t.expires_at FROM auth_token t JOIN user_account u "
                           "ON u.id = t.user_id WHERE t.hash = $1 AND t.revoked_at IS NULL AND "
                           "(t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled = 0",
                           &p, e);
    if (!r) return verr_prefix(e, "token");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) {
        *user_id = pg_i64(r, 0, 0);
        *expires_ms = pg_time(r, 0, 1);
    }
    PQclear(r);
    return rc;
}

int store_pg_token_revoke(store *st, const unsigned char hash[32], int64_t now_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, now_ms);
    pgp_bytes(&p, hash, 32);
    if (pg_command(pg_of(st), "UPDATE auth_token SET revoked_at = $1 WHERE hash = $2", &p, e) < 0)
        return verr_prefix(e, "token");
    return 0;
}

int store_pg_token_revoke_user(store *st, int64_t user_id, bool keys, int64_t now_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, now_ms);
    pgp_int(&p, user_id);
    int rc = keys ? pg_command(pg_of(st),
                               "UPDATE auth_token SET revoked_at = $1 WHERE user_id = $2 AND "
                               "revoked_at IS NULL",
                               &p, e)
                  : pg_command(pg_of(st),
                               "UPDATE auth_token SET revoked_at = $1 WHERE user_id = $2 AND "
                               "revoked_at IS NULL AND kind = 'session'",
                               &p, e);
    return rc < 0 ? verr_prefix(e, "token") : 0;
}

/* ---- Audit trail ------------------------------------------------------------------------- */

int store_pg_audit_append(store *st, const struct store_audit_row *rows, size_t n, verr *e)
{
    struct pg_store *s = pg_of(st);
    /* In the writer's transaction the rows join the pipeline: the trail costs no round trip
     * of its own. */
    for (size_t i = 0; i < n; i++) {
        const struct store_audit_row *r = &rows[i];
        struct pg_params p = {0};
        pgp_int(&p, r->at_ms);
        if (r->user_id)
            pgp_int(&p, r->user_id);
        else
            pgp_text(&p, NULL);
        pgp_text(&p, r->username);
        pgp_text(&p, r->role);
        pgp_text_or_null(&p, r->address);
        pgp_text(&p, r->action);
        pgp_text(&p, r->what);
        pgp_text_or_null(&p, r->patient);
        pgp_int(&p, r->allowed);
        pgp_int(&p, r->count > 0 ? r->count : 1);
        if (pg_command(s,
                       "INSERT INTO audit(at, user_id, username, role, address, action, what, "
                       "patient, allowed, count) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                       &p, e) < 0)
            return verr_prefix(e, "audit");
    }
    return 0;
}

int store_pg_audit_search(store *st, const struct store_audit_query *q,
                          int (*fn)(void *arg, const struct store_audit_row *row), void *arg,
                          verr *e)
{
    /* only the filters given go into the statement, so that the patient index serves the
     * queries that name one */
    char sql[768];
    struct pg_params p = {0};
    int n = snprintf(sql, sizeof sql,
                     "SELECT id, at, user_id, username, role, address, action, what, patient, "
                     "allowed, count FROM audit WHERE true");
    if (q->patient) {
        pgp_text(&p, q->patient);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND patient = $%d", p.n);
    }
    if (q->username) {
        pgp_text(&p, q->username);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND username = $%d", p.n);
    }
    if (q->allowed >= 0) {
        pgp_int(&p, q->allowed);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND allowed = $%d", p.n);
    }
    if (q->from_ms != STORE_NO_TIME) {
        pgp_int(&p, q->from_ms);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at >= $%d", p.n);
    }
    if (q->to_ms != STORE_NO_TIME) {
        pgp_int(&p, q->to_ms);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at <= $%d", p.n);
    }
    if (q->before_id > 0) {
        pgp_int(&p, q->before_id);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND id < $%d", p.n);
    }
    pgp_int(&p, q->limit > 0 ? q->limit : 100);
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY id DESC LIMIT $%d", p.n);
    PGresult *r = pg_query_text(pg_of(st), sql, &p, e);
    if (!r) return verr_prefix(e, "audit");
    int rows = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_audit_row row = {
            .id = pg_i64(r, i, 0),
            .at_ms = pg_i64(r, i, 1),
            .user_id = pg_i64(r, i, 2),
            .username = PQgetvalue(r, i, 3),
            .role = PQgetvalue(r, i, 4),
            .address = pg_str(r, i, 5),
            .action = PQgetvalue(r, i, 6),
            .what = PQgetvalue(r, i, 7),
            .patient = pg_str(r, i, 8),
            .allowed = pg_i64(r, i, 9) != 0,
            .count = pg_i64(r, i, 10),
        };
        rows++;
        if (fn(arg, &row) != 0) break;
    }
    PQclear(r);
    return rows;
}
