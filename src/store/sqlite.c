/* SQLite implementation of store.h: WAL, synchronous=FULL, versioned schema. */
#include "store/store.h"
#include "store/schema.h"
#include "store/logpack.h"
#include "store/store_int.h"
#include "core/mem.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>




static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT job",
    [ST_RELEASE] = "RELEASE job",
    [ST_ROLLBACK_TO] = "ROLLBACK TO job",
    [ST_LOG_INSERT] = "INSERT INTO ingest_log(received_at, sender, channel, format, entries, "
                      "raw_size, digest, raw_zstd) VALUES (?,?,?,?,?,?,?,?)",
    [ST_LOG_READ] = "SELECT received_at, sender, channel, format, entries, raw_size, digest, "
                    "raw_zstd FROM ingest_log WHERE id = ?",
    [ST_PATIENT_FIND] = "SELECT key FROM patient WHERE id = ?",
    [ST_PATIENT_INSERT] = "INSERT INTO patient(id, territory, commune, birth_date, resource, "
                          "updated_at, log_id, log_entry) VALUES (?,?,?,?,?,?,?,?)",
    [ST_PATIENT_UPDATE] = "UPDATE patient SET territory = coalesce(?, territory), commune = ?, "
                          "birth_date = ?, resource = ?, updated_at = ?, log_id = ?, "
                          "log_entry = ? WHERE key = ?",
    [ST_PATIENT_IDENT_DELETE] = "DELETE FROM patient_identifier WHERE patient_key = ?",
    [ST_PATIENT_IDENT_INSERT] = "INSERT OR REPLACE INTO patient_identifier(system, value, "
                                "patient_key) VALUES (?,?,?)",
    [ST_PATIENT_BY_IDENT] = "SELECT p.key, p.id FROM patient_identifier i JOIN patient p ON "
                            "p.key = i.patient_key WHERE i.system = ? AND i.value = ?",
    [ST_PATIENT_READ] = "SELECT resource, key FROM patient WHERE id = ?",
    [ST_PATIENT_INFO] = "SELECT key, coalesce(territory, '') FROM patient WHERE id = ?",
    [ST_PATIENT_BY_KEY] = "SELECT id, coalesce(territory, '') FROM patient WHERE key = ?",
    [ST_PATIENT_SET_TERRITORY] = "UPDATE patient SET territory = ? WHERE key = ?",
    [ST_OBS_BY_IDENT] = "SELECT " OBS_REF_COLUMNS " FROM observation WHERE patient_key = ? AND "
                        "ident = ? AND current = 1 AND ident IS NOT NULL",
    [ST_OBS_SAME] = "SELECT " OBS_REF_COLUMNS " FROM observation WHERE patient_key = ? AND "
                    "kind = ? AND effective IS ? AND current = 1 AND code = ? AND "
                    "coalesce(code_system, '') = coalesce(?, '') AND value IS ? AND value2 IS ?",
    [ST_OBS_BY_ID] = "SELECT " OBS_REF_COLUMNS " FROM observation WHERE id = ? AND current = 1",
    [ST_OBS_BY_SEQ] = "SELECT " OBS_REF_COLUMNS " FROM observation WHERE seq = ?",
    [ST_OBS_INSERT] = "INSERT INTO observation(seq, id, version, current, patient_key, kind, "
                      "code_system, code, effective, precision, value, value2, status, triage, "
                      "ident, received_at, log_id, log_entry, id_form, replaces, resource) "
                      "VALUES (?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_OBS_SUPERSEDE] = "UPDATE observation SET current = 0 WHERE seq = ?",
    [ST_OBS_READ] = "SELECT resource, patient_key, id_form FROM observation WHERE id = ? AND "
                    "current = 1",
    [ST_OBS_ID] = "SELECT id FROM observation WHERE seq = ?",
    [ST_RES_CURRENT] = "SELECT seq, version FROM resource WHERE type = ? AND id = ? AND "
                       "current = 1",
    [ST_RES_SUPERSEDE] = "UPDATE resource SET current = 0 WHERE seq = ?",
    [ST_RES_INSERT] = "INSERT INTO resource(seq, type, id, version, current, patient_key, time, "
                      "status, received_at, log_id, log_entry, content, resource) VALUES "
                      "(?,?,?,?,1,?,?,?,?,?,?,?,?)",
    [ST_RES_CONTENT] = "SELECT content, version FROM resource WHERE type = ? AND id = ? AND "
                       "current = 1 AND content IS NOT NULL",
    [ST_RES_BY_CONTENT] = "SELECT id, version FROM resource WHERE type = ? AND content = ? AND "
                          "current = 1 AND content IS NOT NULL",
    [ST_RES_READ] = "SELECT resource, patient_key FROM resource WHERE type = ? AND id = ? AND "
                    "current = 1",
};

/* Statements prepared once per connection and reused, found by their SQL text: preparing
 * costs tens of thousands of instructions, far more than running most of these queries. */
#define STMT_CACHE 512

struct store {
    enum store_engine engine; /* STORE_SQLITE; first, as in every connection (store_int.h) */
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_COUNT];
    sqlite3_stmt *cache[STMT_CACHE];
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    char *log_sender, *log_channel; /* strings returned by store_log_read */
    int wal_frames;                 /* frames in the WAL after this connection's last commit */
};

int db_fail(store *s, verr *e, const char *what)
{
    return verr_fail(e, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *stmt(store *s, enum stmt_id id, verr *e)
{
    if (!s->stmts[id]) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id],
                               NULL) != SQLITE_OK) {
            db_fail(s, e, stmt_sql[id]);
            return NULL;
        }
    }
    return s->stmts[id];
}

/* Runs a statement that returns no rows. */
static int run(store *s, enum stmt_id id, verr *e)
{
    sqlite3_stmt *st = stmt(s, id, e);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, stmt_sql[id]);
    return 0;
}

void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
    if (ms == STORE_NO_TIME)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, ms);
}

void bind_double(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

int64_t column_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? STORE_NO_TIME : sqlite3_column_int64(st, i);
}

double column_double(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int exec(store *s, const char *sql, verr *e)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        verr_fail(e, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int migrate(store *s, verr *e)
{
    int version = store_schema_version(s);
    if (version > store_schema_latest())
        return verr_fail(e, "the database has schema version %d, newer than this vigie (%d)",
                         version, store_schema_latest());
    for (int v = version + 1; v <= store_schema_latest(); v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        if (exec(s, "BEGIN IMMEDIATE", e) < 0) return -1;
        if (exec(s, store_schema_migration(v), e) < 0 || exec(s, pragma, e) < 0) {
            verr_prefix(e, "migration to schema version %d", v);
            exec(s, "ROLLBACK", NULL);
            return -1;
        }
        if (exec(s, "COMMIT", e) < 0) return -1;
    }
    return 0;
}

/* Once per process, before SQLite initialises: no global memory statistics (they take a
 * mutex on every allocation, and each connection is used by one thread at a time). */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

store *store_open(const char *target, enum store_access access, verr *e)
{
    if (store_target_is_postgres(target)) return store_pg_open(target, access, e);
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_configure);
    if (sodium_init() < 0) {
        verr_fail(e, "libsodium could not initialise");
        return NULL;
    }
    store *s = xcalloc(1, sizeof *s);
    s->engine = STORE_SQLITE;
    int flags = access == STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                      : SQLITE_OPEN_READONLY;
    flags |= SQLITE_OPEN_NOMUTEX; /* one thread per connection at a time */
    if (sqlite3_open_v2(target, &s->db, flags, NULL) != SQLITE_OK) {
        verr_fail(e, "%s: %s", target, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    /* WAL lets readers run beside the writer; synchronous=FULL makes every commit durable
     * before the client hears about it. */
    if (exec(s, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -262144; PRAGMA mmap_size = 1073741824;"
                " PRAGMA temp_store = MEMORY",
             e) < 0)
        goto fail;
    if (access == STORE_WRITE) {
        /* 8 KiB pages: fewer page splits on the observation indexes at high insert rates.
         * Only takes effect on a new database (before WAL). */
        if (exec(s, "PRAGMA page_size = 8192", e) < 0) goto fail;
        if (exec(s, "PRAGMA journal_mode = WAL", e) < 0) goto fail;
        if (migrate(s, e) < 0) goto fail;
    } else {
        int version = store_schema_version(s);
        if (version == 0) {
            verr_fail(e, "%s: not a Vigie database (no schema)", target);
            goto fail;
        }
        if (version != store_schema_latest()) {
            verr_fail(e, "%s: schema version %d, this vigie needs %d (open it once for writing)",
                      target, version, store_schema_latest());
            goto fail;
        }
    }
    s->zc = ZSTD_createCCtx();
    s->zd = ZSTD_createDCtx();
    if (!s->zc || !s->zd) {
        verr_fail(e, "zstd: out of memory");
        goto fail;
    }
    return s;
fail:
    store_close(s);
    return NULL;
}

static size_t sql_hash(const char *sql)
{
    size_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    return h;
}

sqlite3_stmt *store_stmt_get(store *s, const char *sql, verr *e)
{
    size_t h = sql_hash(sql);
    for (size_t i = 0; i < 8; i++) {
        sqlite3_stmt **slot = &s->cache[(h + i) % STMT_CACHE];
        if (!*slot) {
            if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) !=
                SQLITE_OK) {
                db_fail(s, e, sql);
                *slot = NULL;
                return NULL;
            }
            return *slot;
        }
        if (!strcmp(sqlite3_sql(*slot), sql)) {
            if (!sqlite3_stmt_busy(*slot)) return *slot;
            break; /* in use further up the stack: a statement of its own */
        }
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(s, e, sql);
        return NULL;
    }
    return st;
}

void store_stmt_put(store *s, sqlite3_stmt *st)
{
    if (!st) return;
    size_t h = sql_hash(sqlite3_sql(st));
    for (size_t i = 0; i < 8; i++)
        if (s->cache[(h + i) % STMT_CACHE] == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    sqlite3_finalize(st);
}

void store_close(store *s)
{
    if (!s) return;
    PG_DISPATCH_VOID(close(s));
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < STMT_CACHE; i++) sqlite3_finalize(s->cache[i]);
    sqlite3_close(s->db);
    ZSTD_freeCCtx(s->zc);
    ZSTD_freeDCtx(s->zd);
    free(s->log_sender);
    free(s->log_channel);
    free(s);
}

/* Called by SQLite after each commit of this connection: only counts (the hook replaces the
 * automatic checkpoint, which would copy the WAL back inside the commit). */
static int count_wal_frames(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((store *)arg)->wal_frames = frames;
    return SQLITE_OK;
}

void store_manual_checkpoints(store *s)
{
    PG_DISPATCH_VOID(manual_checkpoints(s));
    sqlite3_wal_hook(s->db, count_wal_frames, s);
}

int store_wal_restart_point(store *s, int max_frames)
{
    if (store_is_pg(s) || s->wal_frames <= max_frames) return 0;
    /* The background checkpoints copy the WAL into the database while the writer goes on,
     * but the WAL only starts over when a checkpoint has copied all of it: under a sustained
     * load the writer has always appended more, and the file grew by gigabytes. Here, between
     * two transactions, nothing is appended: copying what the background left (a fraction of
     * a second of writes) completes it, and the next transaction writes from the start of the
     * file again. A reader on an older snapshot can hold it back: then the next commit tries
     * again. */
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) !=
        SQLITE_OK)
        return 0; /* the background checkpointer holds it: next time */
    s->wal_frames = 0;
    return log > 0 && log == done ? 1 : 0;
}

int store_checkpoint(store *s, verr *e)
{
    PG_DISPATCH(checkpoint(s, e));
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) !=
        SQLITE_OK)
        return db_fail(s, e, "checkpoint");
    return log - done;
}

int store_schema_version(store *s)
{
    PG_DISPATCH(schema_version(s));
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return version;
}

int store_begin(store *s, verr *e)
{
    PG_DISPATCH(begin(s, e));
    return run(s, ST_BEGIN, e);
}

int store_commit(store *s, verr *e)
{
    PG_DISPATCH(commit(s, e));
    return run(s, ST_COMMIT, e);
}

void store_rollback(store *s)
{
    PG_DISPATCH_VOID(rollback(s));
    if (!sqlite3_get_autocommit(s->db)) run(s, ST_ROLLBACK, NULL);
}

int store_savepoint(store *s, verr *e)
{
    PG_DISPATCH(savepoint(s, e));
    return run(s, ST_SAVEPOINT, e);
}

int store_release(store *s, verr *e)
{
    PG_DISPATCH(release(s, e));
    return run(s, ST_RELEASE, e);
}

void store_rollback_savepoint(store *s)
{
    PG_DISPATCH_VOID(rollback_savepoint(s));
    /* ROLLBACK TO keeps the savepoint open; RELEASE then ends it. */
    if (run(s, ST_ROLLBACK_TO, NULL) == 0) run(s, ST_RELEASE, NULL);
}

int64_t store_max_seq(store *s)
{
    PG_DISPATCH(max_seq(s));
    sqlite3_stmt *st;
    int64_t max = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT max(coalesce((SELECT max(seq) FROM observation), 0), "
                           "coalesce((SELECT max(seq) FROM resource), 0))",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) max = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return max;
}

void store_hash(unsigned char out[STORE_HASH_SIZE], const void *const *parts,
                const size_t *lengths, size_t count)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, STORE_HASH_SIZE);
    for (size_t i = 0; i < count; i++) {
        uint64_t n = lengths[i];
        crypto_generichash_update(&h, (const unsigned char *)&n, sizeof n);
        crypto_generichash_update(&h, parts[i], lengths[i]);
    }
    crypto_generichash_final(&h, out, STORE_HASH_SIZE);
}

/* ---- Ingest log ------------------------------------------------------------------------ */

int store_log_append(store *s, struct store_log_entry *entry, verr *e)
{
    PG_DISPATCH(log_append(s, entry, e));
    void *packed;
    size_t packed_len;
    unsigned char digest[STORE_LOG_DIGEST_SIZE];
    if (store_log_pack(s->zc, entry->raw, entry->raw_len, &packed, &packed_len, digest, e) < 0)
        return -1;
    sqlite3_stmt *st = stmt(s, ST_LOG_INSERT, e);
    if (!st) {
        free(packed);
        return -1;
    }
    sqlite3_bind_int64(st, 1, entry->received_ms);
    bind_text(st, 2, entry->sender);
    bind_text(st, 3, entry->channel);
    sqlite3_bind_int(st, 4, entry->format);
    sqlite3_bind_int64(st, 5, entry->entries);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)entry->raw_len);
    sqlite3_bind_blob(st, 7, digest, sizeof digest, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, packed, (int)packed_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(packed);
    if (rc != SQLITE_DONE) return db_fail(s, e, "ingest log");
    entry->id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_log_read(store *s, int64_t id, struct store_log_entry *out, buf *raw, verr *e)
{
    PG_DISPATCH(log_read(s, id, out, raw, e));
    sqlite3_stmt *st = stmt(s, ST_LOG_READ, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) return 1;
        return db_fail(s, e, "ingest log");
    }
    free(s->log_sender);
    free(s->log_channel);
    s->log_sender = xstrdup((const char *)sqlite3_column_text(st, 1));
    s->log_channel = xstrdup((const char *)sqlite3_column_text(st, 2));
    memset(out, 0, sizeof *out);
    out->id = id;
    out->received_ms = sqlite3_column_int64(st, 0);
    out->sender = s->log_sender;
    out->channel = s->log_channel;
    out->format = (enum store_log_format)sqlite3_column_int(st, 3);
    out->entries = sqlite3_column_int64(st, 4);
    int result = store_log_unpack(s->zd, id, sqlite3_column_blob(st, 7),
                                  (size_t)sqlite3_column_bytes(st, 7),
                                  (size_t)sqlite3_column_int64(st, 5), sqlite3_column_blob(st, 6),
                                  (size_t)sqlite3_column_bytes(st, 6), raw, e);
    sqlite3_reset(st);
    out->raw = buf_cstr(raw);
    out->raw_len = raw->len;
    return result;
}

/* ---- Patients -------------------------------------------------------------------------- */

static int lookup_key(store *s, enum stmt_id id, const char *text, int64_t *key, verr *e)
{
    sqlite3_stmt *st = stmt(s, id, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *key = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "lookup");
}

int store_patient_key(store *s, const char *id, int64_t *key, verr *e)
{
    PG_DISPATCH(patient_key(s, id, key, e));
    return lookup_key(s, ST_PATIENT_FIND, id, key, e);
}

int store_patient_upsert(store *s, struct store_patient *p, bool *created, verr *e)
{
    PG_DISPATCH(patient_upsert(s, p, created, e));
    int64_t key;
    int found = store_patient_key(s, p->id, &key, e);
    if (found < 0) return -1;
    sqlite3_stmt *st;
    if (found == 1) {
        st = stmt(s, ST_PATIENT_INSERT, e);
        if (!st) return -1;
        bind_text(st, 1, p->id);
        bind_text(st, 2, p->territory);
        bind_text(st, 3, p->commune);
        bind_time(st, 4, p->birth_date_ms);
        bind_text(st, 5, p->resource);
        sqlite3_bind_int64(st, 6, p->updated_ms);
        sqlite3_bind_int64(st, 7, p->log_id);
        sqlite3_bind_int64(st, 8, p->log_entry);
    } else {
        st = stmt(s, ST_PATIENT_UPDATE, e);
        if (!st) return -1;
        bind_text(st, 1, p->territory);
        bind_text(st, 2, p->commune);
        bind_time(st, 3, p->birth_date_ms);
        bind_text(st, 4, p->resource);
        sqlite3_bind_int64(st, 5, p->updated_ms);
        sqlite3_bind_int64(st, 6, p->log_id);
        sqlite3_bind_int64(st, 7, p->log_entry);
        sqlite3_bind_int64(st, 8, key);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "patient");
    if (found == 1) key = sqlite3_last_insert_rowid(s->db);
    p->key = key;
    *created = found == 1;

    st = stmt(s, ST_PATIENT_IDENT_DELETE, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, key);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "patient identifiers");
    for (size_t i = 0; i < p->ident_count; i++) {
        st = stmt(s, ST_PATIENT_IDENT_INSERT, e);
        if (!st) return -1;
        bind_text(st, 1, p->ident_systems[i]);
        bind_text(st, 2, p->ident_values[i]);
        sqlite3_bind_int64(st, 3, key);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return db_fail(s, e, "patient identifiers");
    }
    return 0;
}

int store_patient_key_by_identifier(store *s, const char *system, const char *value,
                                    int64_t *key, char **id_out, verr *e)
{
    PG_DISPATCH(patient_key_by_identifier(s, system, value, key, id_out, e));
    sqlite3_stmt *st = stmt(s, ST_PATIENT_BY_IDENT, e);
    if (!st) return -1;
    bind_text(st, 1, system ? system : "");
    bind_text(st, 2, value);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *key = sqlite3_column_int64(st, 0);
        if (id_out) *id_out = xstrdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "patient identifier");
}

/* Reads (resource text, key) from a statement bound with its text parameters. */
int read_resource_row(store *s, sqlite3_stmt *st, buf *resource, int64_t *key, verr *e)
{
    int rc = sqlite3_step(st);
    int result;
    if (rc == SQLITE_ROW) {
        buf_reset(resource);
        if (buf_append(resource, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)) <
            0)
            result = verr_fail(e, "resource larger than the response limit");
        else
            result = 0;
        if (key) *key = sqlite3_column_int64(st, 1);
    } else if (rc == SQLITE_DONE) {
        result = 1;
    } else {
        result = db_fail(s, e, "read");
    }
    sqlite3_reset(st);
    return result;
}

int store_patient_read(store *s, const char *id, buf *resource, int64_t *key, verr *e)
{
    PG_DISPATCH(patient_read(s, id, resource, key, e));
    sqlite3_stmt *st = stmt(s, ST_PATIENT_READ, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return read_resource_row(s, st, resource, key, e);
}

int store_patient_info(store *s, const char *id, int64_t *key, char territory[64], verr *e)
{
    PG_DISPATCH(patient_info(s, id, key, territory, e));
    sqlite3_stmt *st = stmt(s, ST_PATIENT_INFO, e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *key = sqlite3_column_int64(st, 0);
        snprintf(territory, 64, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "patient");
}

int store_patient_birth_date(store *s, int64_t key, int64_t *birth_ms, verr *e)
{
    PG_DISPATCH(patient_birth_date(s, key, birth_ms, e));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT birth_date FROM patient WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(s, e, "patient");
    sqlite3_bind_int64(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *birth_ms = column_time(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : db_fail(s, e, "patient");
}

int store_patient_by_key(store *s, int64_t key, char id[72], char territory[64], verr *e)
{
    PG_DISPATCH(patient_by_key(s, key, id, territory, e));
    sqlite3_stmt *st = stmt(s, ST_PATIENT_BY_KEY, e);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(id, 72, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(territory, 64, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return db_fail(s, e, "patient");
}

int store_patient_set_territory(store *s, int64_t key, const char *territory, verr *e)
{
    PG_DISPATCH(patient_set_territory(s, key, territory, e));
    sqlite3_stmt *st = stmt(s, ST_PATIENT_SET_TERRITORY, e);
    if (!st) return -1;
    bind_text(st, 1, territory);
    sqlite3_bind_int64(st, 2, key);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "patient territory");
    return 0;
}

int store_patient_each(store *s,
                       int (*fn)(void *arg, int64_t key, const char *id, const char *territory),
                       void *arg, verr *e)
{
    PG_DISPATCH(patient_each(s, fn, arg, e));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT key, id, territory FROM patient ORDER BY key", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(s, e, "patients");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2)) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_fail(s, e, "patients");
    return 0;
}

/* ---- Observations ---------------------------------------------------------------------- */

sqlite3 *store_sqlite_db(store *s)
{
    return s->db;
}

/* ---- Engines and nodes: one process owns a SQLite database ------------------------------ */

enum store_engine store_engine_of(const store *s)
{
    return ((const struct store_head *)s)->engine;
}

bool store_target_is_postgres(const char *target)
{
    return !strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11);
}

void store_target_redacted(const char *target, char *out, size_t n)
{
    /* scheme://user:password@host...: the password goes */
    const char *scheme = strstr(target, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!store_target_is_postgres(target) || !colon)
        snprintf(out, n, "%s", target);
    else
        snprintf(out, n, "%.*s:***%s", (int)(colon - target), target, at);
}

int store_turn(store *s, const struct store_sync_sink *sink, int64_t *max_seq, verr *e)
{
    PG_DISPATCH(turn(s, sink, max_seq, e));
    *max_seq = 0;
    return 0;
}

int store_tick_claim(store *s, int64_t now_ms, int64_t period_ms, bool *mine, verr *e)
{
    PG_DISPATCH(tick_claim(s, now_ms, period_ms, mine, e));
    (void)now_ms;
    (void)period_ms;
    *mine = true;
    return 0;
}

int store_feed_wait(store *s, int timeout_ms, verr *e)
{
    PG_DISPATCH(feed_wait(s, timeout_ms, e));
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}
