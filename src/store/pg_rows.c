/* PostgreSQL store: observations (versions, duplicates, search) and other resources. */
#include "store/pg_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define OBS_REF_COLUMNS "seq, id, version, status, value, value2, effective, code"

/* Runs a lookup of the current version: 0 with out filled, 1 when none. */
static int obs_lookup(struct pg_store *s, const char *sql, const struct pg_params *p,
                      struct store_obs_ref *out, verr *e)
{
    PGresult *r = pg_query(s, sql, p, e);
    if (!r) return verr_prefix(e, "observation lookup");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) {
        out->seq = pg_i64(r, 0, 0);
        pg_copy(r, 0, 1, out->id, sizeof out->id);
        out->version = (int)pg_i64(r, 0, 2);
        out->status = (int)pg_i64(r, 0, 3);
        out->value = pg_double(r, 0, 4);
        out->value2 = pg_double(r, 0, 5);
        out->effective_ms = pg_time(r, 0, 6);
        pg_copy(r, 0, 7, out->code, sizeof out->code);
    }
    PQclear(r);
    return rc;
}

int store_pg_observation_by_ident(store *s, int64_t patient_key,
                                  const unsigned char ident[STORE_HASH_SIZE],
                                  struct store_obs_ref *out, verr *e)
{
    int known = pg_prefetch_lookup(pg_of(s), 1, NULL, patient_key, ident, NULL, out);
    if (known != 2) return known;
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    pgp_bytes(&p, ident, STORE_HASH_SIZE);
    return obs_lookup(pg_of(s),
                      "SELECT " OBS_REF_COLUMNS " FROM observation WHERE patient_key = $1 AND "
                      "ident = $2 AND current = 1 AND ident IS NOT NULL",
                      &p, out, e);
}

int store_pg_observation_same(store *s, const struct store_observation *o,
                              struct store_obs_ref *out, verr *e)
{
    int known = pg_prefetch_lookup(pg_of(s), 2, NULL, 0, NULL, o, out);
    if (known != 2) return known;
    /* IS NOT DISTINCT FROM: SQLite's IS, where NULL matches NULL; the time in a statement of
     * its own, so that the index on (patient, kind, time) is searched on the three */
    struct pg_params p = {0};
    pgp_int(&p, o->patient_key);
    pgp_int(&p, o->kind);
    pgp_text(&p, o->code);
    pgp_text(&p, o->code_system);
    pgp_double(&p, o->value);
    pgp_double(&p, o->value2);
    if (o->effective_ms == STORE_NO_TIME)
        return obs_lookup(pg_of(s),
                          "SELECT " OBS_REF_COLUMNS " FROM observation WHERE patient_key = $1 "
                          "AND kind = $2 AND effective IS NULL AND current = 1 AND code = $3 AND "
                          "coalesce(code_system, '') = coalesce($4, '') AND value IS NOT "
                          "DISTINCT FROM $5::float8 AND value2 IS NOT DISTINCT FROM $6::float8",
                          &p, out, e);
    pgp_int(&p, o->effective_ms);
    return obs_lookup(pg_of(s),
                      "SELECT " OBS_REF_COLUMNS " FROM observation WHERE patient_key = $1 AND "
                      "kind = $2 AND effective = $7 AND current = 1 AND code = $3 AND "
                      "coalesce(code_system, '') = coalesce($4, '') AND value IS NOT DISTINCT "
                      "FROM $5::float8 AND value2 IS NOT DISTINCT FROM $6::float8",
                      &p, out, e);
}

int store_pg_observation_by_id(store *s, const char *id, struct store_obs_ref *out, verr *e)
{
    int known = pg_prefetch_lookup(pg_of(s), 0, id, 0, NULL, NULL, out);
    if (known != 2) return known;
    struct pg_params p = {0};
    pgp_text(&p, id);
    return obs_lookup(pg_of(s),
                      "SELECT " OBS_REF_COLUMNS " FROM observation WHERE id = $1 AND current = 1",
                      &p, out, e);
}

int store_pg_observation_by_seq(store *s, int64_t seq, struct store_obs_ref *out, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, seq);
    return obs_lookup(pg_of(s), "SELECT " OBS_REF_COLUMNS " FROM observation WHERE seq = $1", &p,
                      out, e);
}

int store_pg_observation_insert(store *s, const struct store_observation *o, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, o->seq);
    pgp_text(&p, o->id);
    pgp_int(&p, o->version);
    pgp_int(&p, o->patient_key);
    pgp_int(&p, o->kind);
    pgp_text(&p, o->code_system);
    pgp_text(&p, o->code);
    pgp_time(&p, o->effective_ms);
    pgp_int(&p, o->precision);
    pgp_double(&p, o->value);
    pgp_double(&p, o->value2);
    pgp_int(&p, o->status);
    pgp_int(&p, o->triage);
    if (o->has_ident)
        pgp_bytes(&p, o->ident, STORE_HASH_SIZE);
    else
        pgp_text(&p, NULL);
    pgp_int(&p, o->received_ms);
    pgp_int(&p, o->log_id);
    pgp_int(&p, o->log_entry);
    pgp_int(&p, o->id_form);
    if (o->replaces)
        pgp_int(&p, o->replaces);
    else
        pgp_text(&p, NULL);
    pgp_text_n(&p, o->resource, o->resource_len);
    /* sent without waiting: its outcome is known at the job's end (store_release) */
    if (pg_command(pg_of(s),
                   "INSERT INTO observation(seq, id, version, current, patient_key, kind, "
                   "code_system, code, effective, precision, value, value2, status, triage, "
                   "ident, received_at, log_id, log_entry, id_form, replaces, resource) VALUES "
                   "($1,$2,$3,1,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)",
                   &p, e) < 0)
        return verr_prefix(e, "observation");
    pg_prefetch_inserted(pg_of(s), o);
    return 0;
}

int store_pg_observation_supersede(store *s, int64_t seq, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, seq);
    if (pg_command(pg_of(s), "UPDATE observation SET current = 0 WHERE seq = $1", &p, e) < 0)
        return verr_prefix(e, "supersede");
    pg_prefetch_superseded(pg_of(s), seq);
    return 0;
}

int store_pg_observation_read(store *s, const char *id, buf *resource, int64_t *patient_key,
                              int *id_form, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, id);
    return pg_read_text_row(pg_of(s),
                            "SELECT resource, patient_key, id_form FROM observation WHERE id = $1 "
                            "AND current = 1",
                            &p, resource, patient_key, id_form, e);
}

int store_pg_observation_id(store *s, int64_t seq, char id[72], verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, seq);
    PGresult *r = pg_query(pg_of(s), "SELECT id FROM observation WHERE seq = $1", &p, e);
    if (!r) return -1;
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) pg_copy(r, 0, 0, id, 72);
    PQclear(r);
    return rc;
}

int store_pg_observation_search(store *s, const struct store_obs_query *q,
                                int (*fn)(void *arg, const struct store_obs_row *row), void *arg,
                                verr *e)
{
    /* only the filters given go into the statement, so that the index serves each shape */
    char sql[640];
    struct pg_params p = {0};
    pgp_int(&p, q->patient_key);
    int n = snprintf(sql, sizeof sql,
                     "SELECT seq, effective, kind, value, value2, resource, id, id_form FROM "
                     "observation WHERE current = 1 AND patient_key = $1");
    if (q->kind >= 0) {
        pgp_int(&p, q->kind);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND kind = $%d", p.n);
    }
    if (q->code) {
        pgp_text(&p, q->code);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND code = $%d", p.n);
    }
    if (q->from_ms != STORE_NO_TIME) {
        pgp_int(&p, q->from_ms);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND effective >= $%d", p.n);
    }
    if (q->to_ms != STORE_NO_TIME) {
        pgp_int(&p, q->to_ms);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND effective <= $%d", p.n);
    }
    if (q->after_effective != STORE_NO_TIME) {
        pgp_int(&p, q->after_effective);
        pgp_int(&p, q->after_seq);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND (effective, seq) > ($%d, $%d)",
                      p.n - 1, p.n);
    }
    /* SQLite sorts NULL first: an observation without a time comes before the others */
    pgp_int(&p, q->limit);
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY effective NULLS FIRST, seq LIMIT $%d",
             p.n);
    PGresult *r = pg_query_text(pg_of(s), sql, &p, e);
    if (!r) return verr_prefix(e, "observation search");
    int count = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_obs_row row = {
            .seq = pg_i64(r, i, 0),
            .effective_ms = pg_time(r, i, 1),
            .kind = (int)pg_i64(r, i, 2),
            .value = pg_double(r, i, 3),
            .value2 = pg_double(r, i, 4),
            .resource = PQgetvalue(r, i, 5),
            .resource_len = (size_t)PQgetlength(r, i, 5),
            .id = PQgetvalue(r, i, 6),
            .id_form = (int)pg_i64(r, i, 7),
        };
        count++;
        if (fn(arg, &row) != 0) break;
    }
    PQclear(r);
    return count;
}

/* ---- Other resources ------------------------------------------------------------------- */

int store_pg_resource_put(store *st, struct store_resource *res, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params k = {0};
    pgp_text(&k, res->type);
    pgp_text(&k, res->id);
    PGresult *r = pg_query(s,
                           "SELECT seq, version FROM resource WHERE type = $1 AND id = $2 AND "
                           "current = 1",
                           &k, e);
    if (!r) return verr_prefix(e, "resource");
    int64_t old_seq = PQntuples(r) ? pg_i64(r, 0, 0) : 0;
    int version = PQntuples(r) ? (int)pg_i64(r, 0, 1) : 0;
    PQclear(r);
    if (old_seq) {
        struct pg_params o = {0};
        pgp_int(&o, old_seq);
        if (pg_command(s, "UPDATE resource SET current = 0 WHERE seq = $1", &o, e) < 0)
            return verr_prefix(e, "resource");
    }
    res->version = version + 1;
    struct pg_params p = {0};
    pgp_int(&p, res->seq);
    pgp_text(&p, res->type);
    pgp_text(&p, res->id);
    pgp_int(&p, res->version);
    pgp_int(&p, res->patient_key);
    pgp_time(&p, res->time_ms);
    pgp_text(&p, res->status);
    pgp_int(&p, res->received_ms);
    pgp_int(&p, res->log_id);
    pgp_int(&p, res->log_entry);
    if (res->has_content)
        pgp_bytes(&p, res->content, STORE_HASH_SIZE);
    else
        pgp_text(&p, NULL);
    pgp_text_n(&p, res->resource, res->resource_len);
    /* The same content under another id is refused by the unique index: reported as SQLite
     * words it ("UNIQUE constraint"), which ingestion reads as a duplicate. */
    int64_t rows;
    if (pg_command_count(s,
                         "INSERT INTO resource(seq, type, id, version, current, patient_key, "
                         "time, status, received_at, log_id, log_entry, content, resource) VALUES "
                         "($1,$2,$3,$4,1,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
                         &p, &rows, e) < 0)
        return verr_prefix(e, "resource");
    if (rows == 0) return verr_fail(e, "resource: UNIQUE constraint failed: resource content");
    return 0;
}

int store_pg_resource_by_content(store *s, const char *type,
                                 const unsigned char content[STORE_HASH_SIZE], char id[72],
                                 int *version, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, type);
    pgp_bytes(&p, content, STORE_HASH_SIZE);
    PGresult *r = pg_query(pg_of(s),
                           "SELECT id, version FROM resource WHERE type = $1 AND content = $2 AND "
                           "current = 1 AND content IS NOT NULL",
                           &p, e);
    if (!r) return verr_prefix(e, "resource lookup");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) {
        pg_copy(r, 0, 0, id, 72);
        if (version) *version = (int)pg_i64(r, 0, 1);
    }
    PQclear(r);
    return rc;
}

int store_pg_resource_content(store *s, const char *type, const char *id,
                              unsigned char content[STORE_HASH_SIZE], int *version, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, type);
    pgp_text(&p, id);
    PGresult *r = pg_query(pg_of(s),
                           "SELECT content, version FROM resource WHERE type = $1 AND id = $2 AND "
                           "current = 1 AND content IS NOT NULL",
                           &p, e);
    if (!r) return verr_prefix(e, "resource");
    int rc = 1;
    if (PQntuples(r)) {
        *version = (int)pg_i64(r, 0, 1);
        if (pg_bytea(r, 0, 0, content, STORE_HASH_SIZE) == STORE_HASH_SIZE) rc = 0;
    }
    PQclear(r);
    return rc;
}

int store_pg_resource_read(store *s, const char *type, const char *id, buf *resource,
                           int64_t *patient_key, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, type);
    pgp_text(&p, id);
    return pg_read_text_row(pg_of(s),
                            "SELECT resource, patient_key FROM resource WHERE type = $1 AND id = "
                            "$2 AND current = 1",
                            &p, resource, patient_key, NULL, e);
}
