/* The store interface on either engine: SQLite (a temporary file), or PostgreSQL when
 * VIGIE_TEST_PG names a cluster (tests/pg/with-cluster; a database per test). The same
 * assertions hold for both: that is what store.h promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "store/store.h"
#include "testutil.h"

#define T0 1772608320000LL /* 2026-03-04T07:12:00Z */

struct fixture {
    char target[300];
    char name[64];
    store *s;
    int64_t patient;
};

static bool on_postgres(void)
{
    return getenv("VIGIE_TEST_PG") != NULL;
}

static void cluster_exec(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("VIGIE_TEST_PG"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* The first value of a query's first row, as a number (-1 when none). */
static long cluster_value(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("VIGIE_TEST_PG"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    long v = PQntuples(r) > 0 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

static int setup(void **state)
{
    static int counter;
    struct fixture *f = calloc(1, sizeof *f);
    if (on_postgres()) {
        snprintf(f->name, sizeof f->name, "vigie_unit_%d_%d", (int)getpid(), ++counter);
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->name);
        cluster_exec(sql);
        snprintf(f->target, sizeof f->target, "postgresql://postgres@/%s?host=%s&port=%s", f->name,
                 getenv("VIGIE_TEST_PG_HOST"), getenv("VIGIE_TEST_PG_PORT"));
    } else {
        snprintf(f->target, sizeof f->target, "/tmp/vigie-store-XXXXXX");
        int fd = mkstemp(f->target);
        close(fd);
        unlink(f->target);
    }
    verr e;
    f->s = store_open(f->target, STORE_WRITE, &e);
    if (!f->s) fail_msg("%s", e.msg);
    struct store_patient p = {.id = "p1",
                              .territory = "T01",
                              .resource = "{\"id\":\"p1\"}",
                              .birth_date_ms = STORE_NO_TIME};
    bool created;
    assert_int_equal(store_patient_upsert(f->s, &p, &created, &e), 0);
    assert_true(created);
    f->patient = p.key;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    if (on_postgres()) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", f->name);
        cluster_exec(sql);
    } else {
        const char *suffixes[] = {"", "-wal", "-shm"};
        for (int i = 0; i < 3; i++) {
            char path[340];
            snprintf(path, sizeof path, "%s%s", f->target, suffixes[i]);
            unlink(path);
        }
    }
    free(f);
    return 0;
}

static struct store_observation heart_rate(int64_t patient, int64_t seq, const char *id,
                                           double value, int64_t at, const char *ident)
{
    struct store_observation o = {.seq = seq,
                                  .id = id,
                                  .version = 1,
                                  .patient_key = patient,
                                  .kind = 1,
                                  .code_system = "http://loinc.org",
                                  .code = "8867-4",
                                  .effective_ms = at,
                                  .value = value,
                                  .value2 = NAN,
                                  .status = 1,
                                  .triage = true,
                                  .received_ms = T0,
                                  .resource = "{}",
                                  .resource_len = 2};
    if (ident) {
        o.has_ident = true;
        const void *parts[] = {ident};
        size_t lengths[] = {strlen(ident)};
        store_hash(o.ident, parts, lengths, 1);
    }
    return o;
}

static void test_log(void **state)
{
    struct fixture *f = *state;
    verr e;
    const char raw[] = "{\"resourceType\":\"Observation\"}";
    struct store_log_entry in = {.received_ms = T0,
                                 .sender = "gw1",
                                 .channel = "POST /fhir",
                                 .format = LOG_RESOURCE,
                                 .entries = 1,
                                 .raw = raw,
                                 .raw_len = sizeof raw - 1};
    assert_int_equal(store_log_append(f->s, &in, &e), 0);
    struct store_log_entry out;
    buf bytes;
    buf_init(&bytes, 1 << 20);
    assert_int_equal(store_log_read(f->s, in.id, &out, &bytes, &e), 0);
    assert_string_equal(out.sender, "gw1");
    assert_int_equal(bytes.len, sizeof raw - 1);
    assert_memory_equal(bytes.data, raw, bytes.len);
    assert_int_equal(store_log_read(f->s, in.id + 100, &out, &bytes, &e), 1);
    buf_free(&bytes);
}

static void test_observation_versions(void **state)
{
    struct fixture *f = *state;
    verr e;
    struct store_observation a = heart_rate(f->patient, 1, "o1", 72, T0, "dev-1");
    struct store_observation b = heart_rate(f->patient, 2, "o2", 80, T0 + 1000, NULL);
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &a, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &b, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    struct store_obs_ref ref;
    assert_int_equal(store_observation_by_ident(f->s, f->patient, a.ident, &ref, &e), 0);
    assert_string_equal(ref.id, "o1");
    assert_near(ref.value, 72, 0);
    assert_int_equal(store_observation_same(f->s, &b, &ref, &e), 0);
    assert_int_equal(ref.seq, 2);
    assert_true(isnan(ref.value2));
    /* a new version of o1 supersedes the first */
    struct store_observation a2 = heart_rate(f->patient, 3, "o1", 75, T0, "dev-1");
    a2.version = 2;
    a2.replaces = 1;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_observation_supersede(f->s, 1, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &a2, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(store_observation_by_id(f->s, "o1", &ref, &e), 0);
    assert_int_equal(ref.version, 2);
    assert_int_equal(store_observation_by_seq(f->s, 1, &ref, &e), 0);
    assert_int_equal(store_max_seq(f->s), 3);
}

/* Lookups answered ahead see what the job itself inserts and supersedes. */
static void test_prefetch(void **state)
{
    struct fixture *f = *state;
    verr e;
    struct store_observation stored = heart_rate(f->patient, 1, "o1", 72, T0, "dev-1");
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &stored, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    struct store_observation rows[3] = {
        heart_rate(f->patient, 0, NULL, 90, T0 + 5000, "dev-2"),
        heart_rate(f->patient, 0, NULL, 90, T0 + 5000, "dev-2"), /* the same, twice */
        heart_rate(f->patient, 0, "o1", 73, T0, "dev-1"),        /* o1 corrected */
    };
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_savepoint(f->s, &e), 0);
    store_observation_prefetch(f->s, rows, 3);
    struct store_obs_ref ref;
    assert_int_equal(store_observation_by_ident(f->s, f->patient, rows[0].ident, &ref, &e), 1);
    assert_int_equal(store_observation_same(f->s, &rows[0], &ref, &e), 1);
    struct store_observation first = rows[0];
    first.seq = 2;
    first.id = "o2";
    assert_int_equal(store_observation_insert(f->s, &first, &e), 0);
    /* the second is found: inserted by this job */
    assert_int_equal(store_observation_by_ident(f->s, f->patient, rows[1].ident, &ref, &e), 0);
    assert_string_equal(ref.id, "o2");
    assert_int_equal(store_observation_same(f->s, &rows[1], &ref, &e), 0);
    /* o1: known before the job, then superseded by its new version */
    assert_int_equal(store_observation_by_id(f->s, "o1", &ref, &e), 0);
    assert_int_equal(ref.seq, 1);
    assert_int_equal(store_observation_supersede(f->s, 1, &e), 0);
    struct store_observation again = rows[2];
    again.seq = 3;
    again.version = 2;
    again.replaces = 1;
    assert_int_equal(store_observation_insert(f->s, &again, &e), 0);
    assert_int_equal(store_observation_by_id(f->s, "o1", &ref, &e), 0);
    assert_int_equal(ref.seq, 3);
    assert_int_equal(store_observation_same(f->s, &stored, &ref, &e), 1);
    assert_int_equal(store_release(f->s, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(store_observation_by_id(f->s, "o1", &ref, &e), 0);
    assert_near(ref.value, 73, 0);
}

/* A job whose write fails. SQLite says so at once and the job is rolled back alone. On
 * PostgreSQL a job's writes are not waited for: the failure comes back at the commit, which
 * fails, and nothing of the transaction is stored (no job is acknowledged without its data). */
static void test_job_write_fails(void **state)
{
    struct fixture *f = *state;
    verr e;
    struct store_observation a = heart_rate(f->patient, 1, "o1", 70, T0, NULL);
    struct store_observation clash = heart_rate(f->patient, 1, "o9", 71, T0 + 1, NULL);
    struct store_observation c = heart_rate(f->patient, 2, "o2", 72, T0 + 2, NULL);
    bool postgres = store_engine_of(f->s) == STORE_POSTGRES;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_savepoint(f->s, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &a, &e), 0);
    assert_int_equal(store_release(f->s, &e), 0);
    assert_int_equal(store_savepoint(f->s, &e), 0);
    int rc = store_observation_insert(f->s, &clash, &e); /* the same seq again */
    if (rc == 0) rc = store_release(f->s, &e);
    if (postgres) {
        assert_int_equal(rc, 0);
    } else {
        assert_true(rc < 0);
        store_rollback_savepoint(f->s);
    }
    assert_int_equal(store_savepoint(f->s, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &c, &e), 0);
    rc = store_release(f->s, &e);
    if (rc == 0) rc = store_commit(f->s, &e);
    if (postgres) {
        assert_true(rc < 0);
        store_rollback(f->s);
    } else {
        assert_int_equal(rc, 0);
    }
    struct store_obs_ref ref;
    assert_int_equal(store_observation_by_id(f->s, "o1", &ref, &e), postgres ? 1 : 0);
    assert_int_equal(store_observation_by_id(f->s, "o2", &ref, &e), postgres ? 1 : 0);
    assert_int_equal(store_observation_by_id(f->s, "o9", &ref, &e), 1);
    /* the connection goes on: on PostgreSQL nothing of the failed transaction stayed */
    if (postgres) {
        assert_int_equal(store_begin(f->s, &e), 0);
        assert_int_equal(store_observation_insert(f->s, &c, &e), 0);
        assert_int_equal(store_commit(f->s, &e), 0);
        assert_int_equal(store_observation_by_id(f->s, "o2", &ref, &e), 0);
    }
}

static int count_case(void *arg, const struct store_case *c)
{
    (void)c;
    (*(int *)arg)++;
    return 0;
}

static int last_feed(void *arg, int64_t id, const char *territory, const char *kind,
                     const char *data)
{
    (void)territory;
    (void)data;
    assert_string_equal(kind, "case.created");
    *(int64_t *)arg = id;
    return 0;
}

static void test_cases_and_feed(void **state)
{
    struct fixture *f = *state;
    verr e;
    struct store_case c = {.patient_key = f->patient,
                           .category = 2,
                           .opened_ms = T0,
                           .deadline_ms = T0 + 3600000,
                           .updated_ms = T0,
                           .claimed_ms = STORE_NO_TIME,
                           .closed_ms = STORE_NO_TIME};
    snprintf(c.territory, sizeof c.territory, "T01");
    snprintf(c.state, sizeof c.state, "open");
    snprintf(c.nature, sizeof c.nature, "acute");
    snprintf(c.title, sizeof c.title, "a title with 'quotes' and \\ backslash");
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_case_insert(f->s, &c, &e), 0);
    int64_t feed_id;
    assert_int_equal(store_feed_add(f->s, T0, "T01", "case.created", c.id, "{}", &feed_id, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    struct store_case got;
    assert_int_equal(store_case_get(f->s, c.id, &got, &e), 0);
    assert_string_equal(got.title, c.title);
    assert_string_equal(got.patient_id, "p1");
    assert_int_equal(got.claimed_ms, STORE_NO_TIME);
    int n = 0;
    const char *mine[] = {"T01"}, *other[] = {"T02"};
    assert_int_equal(store_queue(f->s, mine, 1, false, count_case, &n, &e), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_queue(f->s, other, 1, false, count_case, &n, &e), 0);
    assert_int_equal(n, 0);
    int64_t last = 0;
    assert_int_equal(store_feed_since(f->s, 0, 10, last_feed, &last, &e), 0);
    assert_int_equal(last, feed_id);
    assert_int_equal(store_feed_last_id(f->s), feed_id);
}

static int enrolment_seen(void *arg, const struct store_enrolment *en)
{
    assert_int_equal(en->condition_count, 2);
    assert_string_equal(en->conditions[0], "38341003");
    assert_int_equal(en->expected_count, 1);
    assert_string_equal(en->expected[0].kind, "weight");
    assert_near(en->expected[0].per_day, 0.5, 0);
    (*(int *)arg)++;
    return 0;
}

static void test_registry(void **state)
{
    struct fixture *f = *state;
    verr e;
    char *communes[] = {"27229", "14118"};
    struct store_territory t = {.quota = 10, .communes = communes, .commune_count = 2};
    snprintf(t.id, sizeof t.id, "T01");
    snprintf(t.name, sizeof t.name, "Pays d'Ouche");
    snprintf(t.region, sizeof t.region, "28");
    assert_int_equal(store_territory_add(f->s, &t, &e), 0);
    assert_int_equal(store_territory_add(f->s, &t, &e), 1);
    struct store_territory got;
    assert_int_equal(store_territory_get(f->s, "T01", &got, &e), 0);
    assert_int_equal(got.commune_count, 2);
    assert_string_equal(got.communes[0], "14118");
    store_territory_free(&got);
    char *codes[] = {"84114007", "38341003"};
    struct store_expected x = {.kind = "weight", .per_day = 0.5};
    struct store_enrolment en = {.patient_key = f->patient,
                                 .start_ms = T0,
                                 .end_ms = STORE_NO_TIME,
                                 .conditions = codes,
                                 .condition_count = 2,
                                 .expected = &x,
                                 .expected_count = 1,
                                 .created_ms = T0,
                                 .updated_ms = T0};
    snprintf(en.territory, sizeof en.territory, "T01");
    snprintf(en.created_by, sizeof en.created_by, "planner1");
    assert_int_equal(store_enrolment_add(f->s, &en, &e), 0);
    int n = 0;
    assert_int_equal(store_enrolment_each(f->s, NULL, T0, enrolment_seen, &n, &e), 0);
    assert_int_equal(n, 1);
    int64_t count;
    assert_int_equal(store_enrolment_count(f->s, "T01", T0, &count, &e), 0);
    assert_int_equal(count, 1);
}

static int replay_order(void *arg, const struct store_replay_item *item)
{
    int64_t *last = arg;
    assert_true(item->seq > *last);
    *last = item->seq;
    return 0;
}

static void test_replay_merges_by_seq(void **state)
{
    struct fixture *f = *state;
    verr e;
    assert_int_equal(store_begin(f->s, &e), 0);
    for (int64_t seq = 1; seq <= 6; seq++) {
        if (seq % 3 == 0) {
            char id[16];
            snprintf(id, sizeof id, "r%lld", (long long)seq);
            struct store_resource r = {.seq = seq,
                                       .type = "Communication",
                                       .id = id,
                                       .patient_key = f->patient,
                                       .time_ms = T0,
                                       .status = "completed",
                                       .resource = "{}",
                                       .resource_len = 2,
                                       .received_ms = T0};
            assert_int_equal(store_resource_put(f->s, &r, &e), 0);
        } else {
            char id[16];
            snprintf(id, sizeof id, "o%lld", (long long)seq);
            struct store_observation o = heart_rate(f->patient, seq, id, 60, T0 + seq, NULL);
            assert_int_equal(store_observation_insert(f->s, &o, &e), 0);
        }
    }
    assert_int_equal(store_commit(f->s, &e), 0);
    int64_t last = 0;
    assert_int_equal(store_replay(f->s, replay_order, &last, &e), 0);
    assert_int_equal(last, 6);
}

/* ---- Several nodes (PostgreSQL) ------------------------------------------------------------- */

struct handed {
    int patients, inputs;
    int64_t last_seq;
};

static int handed_patient(void *arg, int64_t key, const char *id, const char *territory)
{
    (void)key;
    (void)territory;
    struct handed *h = arg;
    if (!strcmp(id, "p2")) h->patients++;
    return 0;
}

static int handed_input(void *arg, const struct store_replay_item *item)
{
    struct handed *h = arg;
    h->inputs++;
    h->last_seq = item->seq;
    return 0;
}

/* What one node commits is handed to the other at its next turn, and only once. */
static void test_turn_hands_over(void **state)
{
    struct fixture *f = *state;
    verr e;
    store *other = store_open(f->target, STORE_WRITE, &e);
    assert_non_null(other);
    struct handed h = {0};
    struct store_sync_sink sink = {.arg = &h, .patient = handed_patient, .input = handed_input};
    /* the second node knows what is there now */
    int64_t max_seq;
    assert_int_equal(store_begin(other, &e), 0);
    assert_int_equal(store_turn(other, &sink, &max_seq, &e), 0);
    assert_int_equal(store_commit(other, &e), 0);
    h = (struct handed){0};
    /* the first node writes in its turn */
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_turn(f->s, NULL, &max_seq, &e), 0);
    struct store_patient p = {.id = "p2", .resource = "{}", .birth_date_ms = STORE_NO_TIME};
    bool created;
    assert_int_equal(store_patient_upsert(f->s, &p, &created, &e), 0);
    struct store_observation o = heart_rate(p.key, max_seq + 1, "o-n1", 99, T0, NULL);
    assert_int_equal(store_observation_insert(f->s, &o, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    /* the second hears of it at its next turn, then no more */
    assert_int_equal(store_begin(other, &e), 0);
    assert_int_equal(store_turn(other, &sink, &max_seq, &e), 0);
    assert_int_equal(store_commit(other, &e), 0);
    assert_int_equal(h.patients, 1);
    assert_int_equal(h.inputs, 1);
    assert_int_equal(h.last_seq, o.seq);
    assert_int_equal(max_seq, o.seq);
    h = (struct handed){0};
    assert_int_equal(store_begin(other, &e), 0);
    assert_int_equal(store_turn(other, &sink, &max_seq, &e), 0);
    assert_int_equal(store_commit(other, &e), 0);
    assert_int_equal(h.patients + h.inputs, 0);
    /* the timers run on one node per period */
    bool first, second;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_tick_claim(f->s, T0, 900, &first, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(store_begin(other, &e), 0);
    assert_int_equal(store_tick_claim(other, T0 + 100, 900, &second, &e), 0);
    assert_int_equal(store_commit(other, &e), 0);
    assert_true(first && !second);
    store_close(other);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Writes `txns` transactions of 300 readings; with `restart`, the writer's restart point
 * after each commit (max 64 frames). Returns the WAL's size in bytes at the end. */
static long write_load(struct fixture *f, int64_t *seq, int txns, bool restart)
{
    verr e;
    char path[340], id[32];
    snprintf(path, sizeof path, "%s-wal", f->target);
    for (int t = 0; t < txns; t++) {
        assert_int_equal(store_begin(f->s, &e), 0);
        for (int i = 0; i < 300; i++) {
            ++*seq;
            snprintf(id, sizeof id, "w%" PRId64, *seq);
            struct store_observation o =
                heart_rate(f->patient, *seq, id, 60 + (double)(i % 40), T0 + *seq * 1000, NULL);
            assert_int_equal(store_observation_insert(f->s, &o, &e), 0);
        }
        assert_int_equal(store_commit(f->s, &e), 0);
        if (restart) store_wal_restart_point(f->s, 64);
    }
    return file_size(path);
}

/* SQLite: the WAL starts over once the writer's restart point has copied it all, instead of
 * growing for as long as writes go on (with the background checkpoints alone, a sustained
 * load grew it to gigabytes). The same load without restart points shows the growth. */
static void test_wal_starts_over(void **state)
{
    struct fixture *f = *state;
    store_manual_checkpoints(f->s);
    int64_t seq = 0;
    long bounded = write_load(f, &seq, 60, true);
    long grown = write_load(f, &seq, 60, false);
    /* 64 frames of 8 KiB, plus the frames of one transaction */
    assert_true(bounded < 2L << 20);
    assert_true(grown > 2 * bounded);
    assert_true(grown > 3L << 20);
}

/* A connection that breaks (the server restarted, a failover, an administrator's
 * pg_terminate_backend) is opened again with the session's settings: without them a commit
 * would no longer be sure to wait for its WAL on a server configured otherwise. */
static void test_reconnects_with_settings(void **state)
{
    struct fixture *f = *state;
    verr e;
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%s' "
             "AND application_name = 'vigie'",
             f->name);
    assert_int_equal(cluster_value(sql), 1);
    /* the first statement learns that the connection is gone; the next one reconnects */
    struct store_obs_ref ref;
    int rc = store_observation_by_id(f->s, "none", &ref, &e);
    if (rc < 0) rc = store_observation_by_id(f->s, "none", &ref, &e);
    assert_int_equal(rc, 1);
    struct store_observation o = heart_rate(f->patient, 1, "o-after", 70, T0, NULL);
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_observation_insert(f->s, &o, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(store_observation_by_id(f->s, "o-after", &ref, &e), 0);
    /* the settings were applied again: application_name is the one pg_stat_activity shows */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND application_name = "
             "'vigie'",
             f->name);
    assert_int_equal(cluster_value(sql), 1);
}

int main(void)
{
    /* both engines, then SQLite's own, then PostgreSQL's (nodes, connections) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observation_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases_and_feed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_merges_by_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_starts_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_turn_hands_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnects_with_settings, setup, teardown),
    };
    enum { BOTH = 7, SQLITE_ONLY = 1, POSTGRES_ONLY = 2 };
    struct CMUnitTest run[BOTH + POSTGRES_ONLY];
    size_t n = 0;
    for (size_t i = 0; i < BOTH; i++) run[n++] = tests[i];
    size_t from = on_postgres() ? BOTH + SQLITE_ONLY : BOTH;
    size_t count = on_postgres() ? POSTGRES_ONLY : SQLITE_ONLY;
    for (size_t i = 0; i < count; i++) run[n++] = tests[from + i];
    return _cmocka_run_group_tests("store", run, n, NULL, NULL);
}
