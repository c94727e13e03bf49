/* PostgreSQL implementation of store.h: connection, schema migrations, transactions, the
 * ingest log and patients. Durability: synchronous_commit is on for every connection, so a
 * commit returns once its WAL is flushed (on the primary, and on synchronous standbys when
 * the operator names some), and the writer answers its clients only after that. */
#include "store/logpack.h"
#include "store/pg_int.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/schema.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    log_debug("postgresql: %s", message);
}

static int pg_migrate(struct pg_store *s, verr *e)
{
    /* a session lock while migrating, so that nodes starting together apply each migration
     * once (the key is "vigi" in ASCII) */
    if (pg_exec(s, "SELECT pg_advisory_lock(1986619241)", e) < 0) return -1;
    int rc = pg_exec(s,
                     "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
                     "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM "
                     "schema_version)",
                     e);
    int version = rc == 0 ? store_pg_schema_version((store *)s) : -1;
    if (rc == 0 && version > store_schema_latest())
        rc = verr_fail(e, "the database has schema version %d, newer than this vigie (%d)", version,
                       store_schema_latest());
    for (int v = version + 1; rc == 0 && v <= store_schema_latest(); v++) {
        char update[64];
        snprintf(update, sizeof update, "UPDATE schema_version SET version = %d", v);
        if (pg_exec(s, "BEGIN", e) < 0) {
            rc = -1;
            break;
        }
        const char *sql = store_pg_migration(v);
        if (!sql) {
            /* a SQLite migration without its translation (pg_schema.c) */
            rc = verr_fail(e, "this vigie has no PostgreSQL version of schema migration %d", v);
            pg_exec(s, "ROLLBACK", NULL);
            break;
        }
        if (pg_exec(s, sql, e) < 0 || pg_exec(s, update, e) < 0) {
            verr_prefix(e, "migration to schema version %d", v);
            pg_exec(s, "ROLLBACK", NULL);
            rc = -1;
            break;
        }
        rc = pg_exec(s, "COMMIT", e);
    }
    pg_exec(s, "SELECT pg_advisory_unlock(1986619241)", NULL);
    return rc;
}

/* The session's settings, on connecting and again after each reconnection (PQreset opens a
 * new session, which starts from the server's defaults). The durability promise does not
 * depend on the server's configuration: every commit waits for its WAL to be flushed. Floats
 * print with the digits that read back exactly. The writer's statements are few and
 * prepared, and each is an index seek or an insert: their generic plans are as good as
 * custom ones, and PostgreSQL would otherwise plan the duplicate prefetch and the turn's
 * marks again at every job (0.2 to 0.3 ms each: single POSTs 1,400 -> 2,200 a second). */
int pg_session_setup(struct pg_store *s, verr *e)
{
    if (pg_exec(s,
                "SET synchronous_commit = on; SET bytea_output = 'hex'; SET extra_float_digits "
                "= 1; SET client_encoding = 'UTF8'; SET application_name = 'vigie'",
                e) < 0)
        return -1;
    if (s->access == STORE_WRITE && pg_exec(s, "SET plan_cache_mode = force_generic_plan", e) < 0)
        return -1;
    return 0;
}

store *store_pg_open(const char *target, enum store_access access, verr *e)
{
    if (sodium_init() < 0) {
        verr_fail(e, "libsodium could not initialise");
        return NULL;
    }
    struct pg_store *s = xcalloc(1, sizeof *s);
    s->engine = STORE_POSTGRES;
    s->access = access;
    s->conn = PQconnectdb(target);
    char shown[512];
    store_target_redacted(target, shown, sizeof shown);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        pg_fail(s, e, shown);
        goto fail;
    }
    PQsetNoticeProcessor(s->conn, quiet_notices, NULL);
    if (pg_session_setup(s, e) < 0) goto fail;
    if (access == STORE_WRITE) {
        if (pg_migrate(s, e) < 0) goto fail;
    } else {
        int version = store_pg_schema_version((store *)s);
        if (version <= 0) {
            verr_fail(e, "%s: not a Vigie database (no schema)", shown);
            goto fail;
        }
        if (version != store_schema_latest()) {
            verr_fail(e, "%s: schema version %d, this vigie needs %d (open it once for writing)",
                      shown, version, store_schema_latest());
            goto fail;
        }
    }
    s->zc = ZSTD_createCCtx();
    s->zd = ZSTD_createDCtx();
    if (!s->zc || !s->zd) {
        verr_fail(e, "zstd: out of memory");
        goto fail;
    }
    return (store *)s;
fail:
    store_pg_close((store *)s);
    return NULL;
}

void store_pg_close(store *st)
{
    struct pg_store *s = pg_of(st);
    if (s->in_txn) store_pg_rollback(st);
    PQclear(s->log_row);
    PQfinish(s->conn);
    ZSTD_freeCCtx(s->zc);
    ZSTD_freeDCtx(s->zd);
    free(s);
}

/* PostgreSQL checkpoints by itself (checkpoint_timeout, max_wal_size). */
void store_pg_manual_checkpoints(store *s)
{
    (void)s;
}

int store_pg_checkpoint(store *s, verr *e)
{
    (void)s;
    (void)e;
    return 0;
}

int store_pg_schema_version(store *st)
{
    struct pg_store *s = pg_of(st);
    PGresult *r = PQexec(s->conn, "SELECT version FROM schema_version");
    int version = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) version = PQntuples(r) ? (int)pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return version;
}

int64_t store_pg_max_seq(store *st)
{
    PGresult *r = pg_query(pg_of(st),
                           "SELECT greatest((SELECT max(seq) FROM observation), (SELECT max(seq) "
                           "FROM resource))",
                           NULL, NULL);
    int64_t max = r && PQntuples(r) ? pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return max;
}

/* ---- Ingest log ------------------------------------------------------------------------ */

int store_pg_log_append(store *st, struct store_log_entry *entry, verr *e)
{
    struct pg_store *s = pg_of(st);
    void *packed;
    size_t packed_len;
    unsigned char digest[STORE_LOG_DIGEST_SIZE];
    if (store_log_pack(s->zc, entry->raw, entry->raw_len, &packed, &packed_len, digest, e) < 0)
        return -1;
    struct pg_params p = {0};
    pgp_int(&p, entry->received_ms);
    pgp_text(&p, entry->sender);
    pgp_text(&p, entry->channel);
    pgp_int(&p, entry->format);
    pgp_int(&p, entry->entries);
    pgp_int(&p, (int64_t)entry->raw_len);
    pgp_bytes(&p, digest, sizeof digest);
    pgp_bytes(&p, packed, packed_len);
    int rc;
    if (s->in_turn) {
        /* In the writer's turn no other node appends: the id is known without asking, and
         * the row joins the pipeline like the rows that cite it. */
        entry->id = ++s->next_log_id;
        pgp_int(&p, entry->id);
        rc = pg_command(s,
                        "INSERT INTO ingest_log(received_at, sender, channel, format, entries, "
                        "raw_size, digest, raw_zstd, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                        &p, e);
    } else {
        PGresult *r = pg_query(s,
                               "INSERT INTO ingest_log(received_at, sender, channel, format, "
                               "entries, raw_size, digest, raw_zstd, id) SELECT $1::bigint, "
                               "$2::text, $3::text, $4::int, $5::bigint, $6::bigint, $7::bytea, "
                               "$8::bytea, coalesce(max(id), 0) + 1 FROM ingest_log RETURNING id",
                               &p, e);
        rc = r ? 0 : -1;
        if (r) entry->id = pg_i64(r, 0, 0);
        PQclear(r);
    }
    free(packed);
    return rc < 0 ? verr_prefix(e, "ingest log") : 0;
}

int store_pg_log_read(store *st, int64_t id, struct store_log_entry *out, buf *raw, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_int(&p, id);
    PGresult *r = pg_query(s,
                           "SELECT received_at, sender, channel, format, entries, raw_size, "
                           "digest, raw_zstd FROM ingest_log WHERE id = $1",
                           &p, e);
    if (!r) return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    PQclear(s->log_row);
    s->log_row = r; /* sender and channel point into it until the next call */
    memset(out, 0, sizeof *out);
    out->id = id;
    out->received_ms = pg_i64(r, 0, 0);
    out->sender = pg_str(r, 0, 1);
    out->channel = pg_str(r, 0, 2);
    out->format = (enum store_log_format)pg_i64(r, 0, 3);
    out->entries = pg_i64(r, 0, 4);
    unsigned char digest[STORE_LOG_DIGEST_SIZE];
    long digest_len = pg_bytea(r, 0, 6, digest, sizeof digest);
    size_t packed_len = 0;
    unsigned char *packed = pg_bytea_alloc(PQgetvalue(r, 0, 7), &packed_len);
    int result =
        packed ? store_log_unpack(s->zd, id, packed, packed_len, (size_t)pg_i64(r, 0, 5), digest,
                                  digest_len < 0 ? 0 : (size_t)digest_len, raw, e)
               : verr_fail(e, "ingest log %lld: the stored bytes are malformed", (long long)id);
    free(packed);
    out->raw = buf_cstr(raw);
    out->raw_len = raw->len;
    return result;
}

/* ---- Patients -------------------------------------------------------------------------- */

/* Runs a lookup returning at most one row: 0 with *out set, 1 when none, -1 on error. */
static int one_row(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **out,
                   verr *e)
{
    PGresult *r = pg_query(s, sql, p, e);
    if (!r) return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    *out = r;
    return 0;
}

int store_pg_patient_key(store *st, const char *id, int64_t *key, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, id);
    PGresult *r;
    int rc = one_row(pg_of(st), "SELECT key FROM patient WHERE id = $1", &p, &r, e);
    if (rc) return rc;
    *key = pg_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

int store_pg_patient_upsert(store *st, struct store_patient *pt, bool *created, verr *e)
{
    struct pg_store *s = pg_of(st);
    int64_t key;
    int found = store_pg_patient_key(st, pt->id, &key, e);
    if (found < 0) return -1;
    struct pg_params p = {0};
    pgp_text(&p, pt->territory);
    pgp_text(&p, pt->commune);
    pgp_time(&p, pt->birth_date_ms);
    pgp_text(&p, pt->resource);
    pgp_int(&p, pt->updated_ms);
    pgp_int(&p, pt->log_id);
    pgp_int(&p, pt->log_entry);
    if (found == 1) {
        pgp_text(&p, pt->id);
        PGresult *r = pg_query(s,
                               "INSERT INTO patient(territory, commune, birth_date, resource, "
                               "updated_at, log_id, log_entry, id) VALUES ($1,$2,$3,$4,$5,$6,$7,"
                               "$8) RETURNING key",
                               &p, e);
        if (!r) return verr_prefix(e, "patient");
        key = pg_i64(r, 0, 0);
        PQclear(r);
    } else {
        /* change_seq: other nodes see that this patient changed (store_turn) */
        pgp_int(&p, key);
        if (pg_command(s,
                       "UPDATE patient SET territory = coalesce($1, territory), commune = $2, "
                       "birth_date = $3, resource = $4, updated_at = $5, log_id = $6, log_entry "
                       "= $7, change_seq = nextval('change_seq') WHERE key = $8",
                       &p, e) < 0)
            return verr_prefix(e, "patient");
    }
    pt->key = key;
    *created = found == 1;
    struct pg_params k = {0};
    pgp_int(&k, key);
    if (pg_command(s, "DELETE FROM patient_identifier WHERE patient_key = $1", &k, e) < 0)
        return verr_prefix(e, "patient identifiers");
    for (size_t i = 0; i < pt->ident_count; i++) {
        struct pg_params q = {0};
        pgp_text(&q, pt->ident_systems[i]);
        pgp_text(&q, pt->ident_values[i]);
        pgp_int(&q, key);
        if (pg_command(s,
                       "INSERT INTO patient_identifier(system, value, patient_key) VALUES ($1,$2,"
                       "$3) ON CONFLICT (system, value) DO UPDATE SET patient_key = $3",
                       &q, e) < 0)
            return verr_prefix(e, "patient identifiers");
    }
    return 0;
}

int store_pg_patient_key_by_identifier(store *st, const char *system, const char *value,
                                       int64_t *key, char **id_out, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, system ? system : "");
    pgp_text(&p, value);
    PGresult *r;
    int rc = one_row(pg_of(st),
                     "SELECT p.key, p.id FROM patient_identifier i JOIN patient p ON p.key = "
                     "i.patient_key WHERE i.system = $1 AND i.value = $2",
                     &p, &r, e);
    if (rc) return rc;
    *key = pg_i64(r, 0, 0);
    if (id_out) *id_out = xstrdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

int store_pg_patient_read(store *st, const char *id, buf *resource, int64_t *key, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, id);
    return pg_read_text_row(pg_of(st), "SELECT resource, key FROM patient WHERE id = $1", &p,
                            resource, key, NULL, e);
}

int store_pg_patient_info(store *st, const char *id, int64_t *key, char territory[64], verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, id);
    PGresult *r;
    int rc = one_row(pg_of(st), "SELECT key, territory FROM patient WHERE id = $1", &p, &r, e);
    if (rc) return rc;
    *key = pg_i64(r, 0, 0);
    pg_copy(r, 0, 1, territory, 64);
    PQclear(r);
    return 0;
}

int store_pg_patient_birth_date(store *st, int64_t key, int64_t *birth_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, key);
    PGresult *r;
    int rc = one_row(pg_of(st), "SELECT birth_date FROM patient WHERE key = $1", &p, &r, e);
    if (rc) return rc;
    *birth_ms = pg_time(r, 0, 0);
    PQclear(r);
    return 0;
}

int store_pg_patient_by_key(store *st, int64_t key, char id[72], char territory[64], verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, key);
    PGresult *r;
    int rc = one_row(pg_of(st), "SELECT id, territory FROM patient WHERE key = $1", &p, &r, e);
    if (rc) return rc;
    pg_copy(r, 0, 0, id, 72);
    pg_copy(r, 0, 1, territory, 64);
    PQclear(r);
    return 0;
}

int store_pg_patient_set_territory(store *st, int64_t key, const char *territory, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_int(&p, key);
    if (pg_command(pg_of(st),
                   "UPDATE patient SET territory = $1, change_seq = nextval('change_seq') WHERE "
                   "key = $2",
                   &p, e) < 0)
        return verr_prefix(e, "patient territory");
    return 0;
}

int store_pg_patient_each(store *st,
                          int (*fn)(void *arg, int64_t key, const char *id, const char *territory),
                          void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* what is read here counts as known to this connection (store_turn) */
    PGresult *m = pg_query(s, "SELECT coalesce(max(change_seq), 0) FROM patient", NULL, e);
    PGresult *r =
        m ? pg_query(s, "SELECT key, id, territory FROM patient ORDER BY key", NULL, e) : NULL;
    if (r) {
        s->marks.patient = pg_i64(m, 0, 0);
        for (int i = 0; i < PQntuples(r); i++)
            if (fn(arg, pg_i64(r, i, 0), pg_str(r, i, 1), pg_str(r, i, 2)) != 0) break;
    }
    PQclear(m);
    PQclear(r);
    pg_read_end(s, opened);
    return r ? 0 : -1;
}
