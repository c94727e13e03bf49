/* SQLite store: users, their territories and patients, tokens. */
#include "store/store.h"
#include "store/store_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(sqlite3 *db, verr *e, const char *what)
{
    return verr_fail(e, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec_step(store *s, sqlite3_stmt *st, verr *e, const char *what)
{
    sqlite3 *db = store_sqlite_db(s);
    int rc = sqlite3_step(st);
    store_stmt_put(s, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(db, e, what);
    return 0;
}

static int replace_list(store *s, const char *table, const char *column, int64_t user_id,
                        char **items, size_t count, verr *e)
{
    sqlite3 *db = store_sqlite_db(s);
    char sql[200];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE user_id = ?", table);
    if (!(st = store_stmt_get(s, sql, NULL))) return fail(db, e, table);
    sqlite3_bind_int64(st, 1, user_id);
    if (exec_step(s, st, e, table) < 0) return -1;
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s(user_id, %s) VALUES (?, ?)", table,
             column);
    for (size_t i = 0; i < count; i++) {
        if (!(st = store_stmt_get(s, sql, NULL))) return fail(db, e, table);
        sqlite3_bind_int64(st, 1, user_id);
        sqlite3_bind_text(st, 2, items[i], -1, SQLITE_STATIC);
        if (exec_step(s, st, e, table) < 0) return -1;
    }
    return 0;
}

int store_user_add(store *s, struct store_user *u, int64_t now_ms, verr *e)
{
    PG_DISPATCH(user_add(s, u, now_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "INSERT INTO user_account(username, role, password_hash, disabled, "
                           "created_at, updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT(username) "
                           "DO NOTHING", NULL)))
        return fail(db, e, "user");
    sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
    if (u->password_hash)
        sqlite3_bind_text(st, 3, u->password_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, u->disabled);
    sqlite3_bind_int64(st, 5, now_ms);
    sqlite3_bind_int64(st, 6, now_ms);
    if (exec_step(s, st, e, "user") < 0) return -1;
    if (sqlite3_changes(db) == 0) return 1;
    u->id = sqlite3_last_insert_rowid(db);
    if (replace_list(s, "user_territory", "territory", u->id, u->territories,
                     u->territory_count, e) < 0 ||
        replace_list(s, "user_patient", "patient_id", u->id, u->patients, u->patient_count, e) <
            0)
        return -1;
    return 0;
}

static int load_list(store *s, const char *sql, int64_t user_id, char ***items, size_t *count,
                     verr *e)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, sql, NULL))) return fail(db, e, "user");
    sqlite3_bind_int64(st, 1, user_id);
    size_t cap = 0;
    *items = NULL;
    *count = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 4;
            *items = xrealloc(*items, cap * sizeof **items);
        }
        (*items)[(*count)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    store_stmt_put(s, st);
    return 0;
}

int store_user_get(store *s, const char *username, int64_t id, struct store_user *u, verr *e)
{
    PG_DISPATCH(user_get(s, username, id, u, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    memset(u, 0, sizeof *u);
    const char *sql = username ? "SELECT id, username, role, password_hash, disabled FROM "
                                 "user_account WHERE username = ?"
                               : "SELECT id, username, role, password_hash, disabled FROM "
                                 "user_account WHERE id = ?";
    if (!(st = store_stmt_get(s, sql, NULL))) return fail(db, e, "user");
    if (username)
        sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_stmt_put(s, st);
        return rc == SQLITE_DONE ? 1 : fail(db, e, "user");
    }
    u->id = sqlite3_column_int64(st, 0);
    snprintf(u->username, sizeof u->username, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(u->role, sizeof u->role, "%s", (const char *)sqlite3_column_text(st, 2));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL)
        u->password_hash = xstrdup((const char *)sqlite3_column_text(st, 3));
    u->disabled = sqlite3_column_int(st, 4) != 0;
    store_stmt_put(s, st);
    if (load_list(s, "SELECT territory FROM user_territory WHERE user_id = ? ORDER BY territory",
                  u->id, &u->territories, &u->territory_count, e) < 0 ||
        load_list(s, "SELECT patient_id FROM user_patient WHERE user_id = ? ORDER BY patient_id",
                  u->id, &u->patients, &u->patient_count, e) < 0) {
        store_user_free(u);
        return -1;
    }
    return 0;
}

void store_user_free(struct store_user *u)
{
    free(u->password_hash);
    for (size_t i = 0; i < u->territory_count; i++) free(u->territories[i]);
    for (size_t i = 0; i < u->patient_count; i++) free(u->patients[i]);
    free(u->territories);
    free(u->patients);
    memset(u, 0, sizeof *u);
}

int store_user_update(store *s, const struct store_user *u, bool lists, int64_t now_ms,
                      verr *e)
{
    PG_DISPATCH(user_update(s, u, lists, now_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "UPDATE user_account SET password_hash = coalesce(?, password_hash), "
                           "role = coalesce(?, role), disabled = ?, updated_at = ? WHERE id = ?", NULL)))
        return fail(db, e, "user");
    if (u->password_hash)
        sqlite3_bind_text(st, 1, u->password_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    if (u->role[0])
        sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int(st, 3, u->disabled);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, u->id);
    if (exec_step(s, st, e, "user") < 0) return -1;
    if (!lists) return 0;
    if (replace_list(s, "user_territory", "territory", u->id, u->territories,
                     u->territory_count, e) < 0)
        return -1;
    return replace_list(s, "user_patient", "patient_id", u->id, u->patients, u->patient_count,
                        e);
}

int store_user_each(store *s, int (*fn)(void *arg, const struct store_user *u), void *arg,
                    verr *e)
{
    PG_DISPATCH(user_each(s, fn, arg, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "SELECT id FROM user_account ORDER BY id", NULL)))
        return fail(db, e, "users");
    int result = 0;
    while (result == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct store_user u;
        if (store_user_get(s, NULL, sqlite3_column_int64(st, 0), &u, e) != 0) {
            result = -1;
            break;
        }
        if (fn(arg, &u) != 0) result = 1;
        store_user_free(&u);
    }
    store_stmt_put(s, st);
    return result < 0 ? -1 : 0;
}

int store_token_add(store *s, const unsigned char hash[32], int64_t user_id,
                    enum store_token_kind kind, int64_t created_ms, int64_t expires_ms,
                    verr *e)
{
    PG_DISPATCH(token_add(s, hash, user_id, kind, created_ms, expires_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "INSERT INTO auth_token(hash, user_id, kind, created_at, expires_at) "
                           "VALUES (?,?,?,?,?)", NULL)))
        return fail(db, e, "token");
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, kind == TOKEN_KEY ? "key" : "session", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, created_ms);
    if (expires_ms == STORE_NO_TIME)
        sqlite3_bind_null(st, 5);
    else
        sqlite3_bind_int64(st, 5, expires_ms);
    return exec_step(s, st, e, "token");
}

int store_token_user(store *s, const unsigned char hash[32], int64_t now_ms, int64_t *user_id,
                     int64_t *expires_ms, verr *e)
{
    PG_DISPATCH(token_user(s, hash, now_ms, user_id, expires_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "SELECT t.user_id, t.expires_at FROM auth_token t JOIN user_account u "
                           "ON u.id = t.user_id WHERE t.hash = ? AND t.revoked_at IS NULL AND "
                           "(t.expires_at IS NULL OR t.expires_at > ?) AND u.disabled = 0", NULL)))
        return fail(db, e, "token");
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *user_id = sqlite3_column_int64(st, 0);
        *expires_ms = sqlite3_column_type(st, 1) == SQLITE_NULL ? STORE_NO_TIME
                                                                : sqlite3_column_int64(st, 1);
    }
    store_stmt_put(s, st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : fail(db, e, "token");
}

int store_token_revoke(store *s, const unsigned char hash[32], int64_t now_ms, verr *e)
{
    PG_DISPATCH(token_revoke(s, hash, now_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, "UPDATE auth_token SET revoked_at = ? WHERE hash = ?", NULL)))
        return fail(db, e, "token");
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    return exec_step(s, st, e, "token");
}

int store_token_revoke_user(store *s, int64_t user_id, bool keys, int64_t now_ms, verr *e)
{
    PG_DISPATCH(token_revoke_user(s, user_id, keys, now_ms, e));
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!(st = store_stmt_get(s, keys ? "UPDATE auth_token SET revoked_at = ? WHERE user_id = ? AND "
                                  "revoked_at IS NULL"
                                : "UPDATE auth_token SET revoked_at = ? WHERE user_id = ? AND "
                                  "revoked_at IS NULL AND kind = 'session'", NULL)))
        return fail(db, e, "token");
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, user_id);
    return exec_step(s, st, e, "token");
}
