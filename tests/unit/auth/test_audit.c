/* The audit trail: decisions recorded with who, role, address, request, patient and outcome;
 * identical decisions merged; the queue written by the writer inside its transactions (and
 * nudged when only reads happen); a full queue refuses access rather than lose a record;
 * the table is append-only; JSON and FHIR AuditEvent forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "auth/audit.h"

static char *t01[] = {"T01"};

struct fixture {
    char path[64];
    store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/vigie-audit-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0) return -1;
    close(fd);
    unlink(f->path);
    verr e;
    f->s = store_open(f->path, STORE_WRITE, &e);
    if (!f->s) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    char wal[80];
    unlink(f->path);
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path);
    unlink(wal);
    free(f);
    return 0;
}

static struct auth_principal nurse(void)
{
    struct auth_principal p = {.user_id = 7, .role = ROLE_PROFESSIONAL};
    snprintf(p.username, sizeof p.username, "nurse1");
    snprintf(p.address, sizeof p.address, "192.0.2.10");
    p.territories = t01;
    p.territory_count = 1;
    return p;
}

struct rows {
    struct store_audit_row row[16];
    char text[16][7][128];
    int count;
};

static int keep(void *arg, const struct store_audit_row *r)
{
    struct rows *rs = arg;
    if (rs->count == 16) return 1;
    int i = rs->count++;
    rs->row[i] = *r;
    const char *fields[7] = {r->username, r->role, r->address, r->action, r->what, r->patient, ""};
    const char **dst[7] = {&rs->row[i].username, &rs->row[i].role, &rs->row[i].address,
                           &rs->row[i].action,   &rs->row[i].what, &rs->row[i].patient, NULL};
    for (int k = 0; k < 6; k++) {
        snprintf(rs->text[i][k], sizeof rs->text[i][k], "%s", fields[k] ? fields[k] : "");
        *dst[k] = rs->text[i][k];
    }
    return 0;
}

static struct rows read_all(store *s)
{
    struct rows rs = {0};
    struct store_audit_query q = {.allowed = -1, .from_ms = STORE_NO_TIME, .to_ms = STORE_NO_TIME,
                                  .limit = 16};
    verr e;
    assert_true(store_audit_search(s, &q, keep, &rs, &e) >= 0);
    return rs;
}

static void decisions_are_recorded_and_merged(void **state)
{
    struct fixture *f = *state;
    audit_log *log = audit_log_new(100);
    struct auth_principal p = nurse();
    struct audit_actor actor = {.who = &p, .what = "GET /fhir/Patient/p-1"};
    for (int i = 0; i < 3; i++)
        assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-1", "T01"));
    actor.what = "GET /fhir/Patient/p-2";
    assert_false(audit_may_patient(log, &actor, ACCESS_READ, "p-2", "T02"));
    struct audit_actor local = {.name = "import", .what = "vigie import"};
    assert_true(audit_may_patient(log, &local, ACCESS_WRITE_MEASURE, "p-3", NULL));
    verr e;
    assert_int_equal(audit_log_flush(log, f->s, &e), 0);
    struct rows rs = read_all(f->s);
    assert_int_equal(rs.count, 3); /* newest first */
    assert_string_equal(rs.row[2].username, "nurse1");
    assert_string_equal(rs.row[2].role, "professional");
    assert_string_equal(rs.row[2].address, "192.0.2.10");
    assert_string_equal(rs.row[2].action, "read");
    assert_string_equal(rs.row[2].patient, "p-1");
    assert_int_equal(rs.row[2].user_id, 7);
    assert_true(rs.row[2].allowed);
    assert_int_equal(rs.row[2].count, 3);
    assert_false(rs.row[1].allowed);
    assert_string_equal(rs.row[1].patient, "p-2");
    assert_string_equal(rs.row[0].username, "import");
    assert_string_equal(rs.row[0].role, "local");
    assert_string_equal(rs.row[0].action, "write");
    audit_log_free(log);
}

static void full_queue_refuses_access(void **state)
{
    (void)state;
    audit_log *log = audit_log_new(2); /* no writer attached: nothing drains it */
    struct auth_principal p = nurse();
    struct audit_actor actor = {.who = &p, .what = "GET /fhir/Patient/p"};
    assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-1", "T01"));
    assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-2", "T01"));
    /* an identical decision merges: no room needed */
    assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-2", "T01"));
    /* a new one cannot be recorded: refused, as if out of reach */
    assert_false(audit_may_patient(log, &actor, ACCESS_READ, "p-3", "T01"));
    /* the writer thread's own records never wait (its transaction drains them) */
    actor.in_writer = true;
    assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-4", "T01"));
    audit_log_free(log);
}

static int noop_apply(void *ctx, struct writer_job *job)
{
    (void)ctx;
    (void)job;
    return 0;
}

static void noop_done(struct writer_job *job, int status)
{
    (void)job;
    (void)status;
}

static void written_by_the_writer(void **state)
{
    struct fixture *f = *state;
    audit_log *log = audit_log_new(100);
    struct writer_hooks hooks = {0};
    audit_writer_hooks(log, &hooks);
    verr e;
    writer *w = writer_start(f->s, &hooks, 1000, &e);
    assert_non_null(w);
    audit_log_attach(log, w);
    store *reader = store_open(f->path, STORE_READ, &e);
    assert_non_null(reader);

    /* a read alone: the empty job it queues gets it written */
    struct auth_principal p = nurse();
    struct audit_actor actor = {.who = &p, .what = "GET /fhir/Patient/p-1"};
    assert_true(audit_may_patient(log, &actor, ACCESS_READ, "p-1", "T01"));
    struct rows rs = {0};
    for (int tries = 0; tries < 1000 && rs.count == 0; tries++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        rs = read_all(reader);
    }
    assert_int_equal(rs.count, 1);

    /* a write job: its records join its own transaction */
    struct writer_job job = {.apply = noop_apply, .done = noop_done, .weight = 1};
    struct audit_actor in_writer = {.who = &p, .what = "POST /fhir", .in_writer = true};
    assert_true(audit_may_patient(log, &in_writer, ACCESS_WRITE_MEASURE, "p-1", "T01"));
    assert_int_equal(writer_run(w, &job), 0);
    rs = read_all(reader);
    assert_int_equal(rs.count, 2);
    assert_string_equal(rs.row[0].action, "write");

    audit_log_attach(log, NULL);
    writer_stop(w);
    store_close(reader);
    assert_int_equal(audit_log_flush(log, f->s, &e), 0);
    audit_log_free(log);
}

static void table_is_append_only(void **state)
{
    struct fixture *f = *state;
    struct store_audit_row row = {.at_ms = 1, .username = "u", .role = "admin", .action = "read",
                                  .what = "GET /x", .allowed = true, .count = 1};
    verr e;
    assert_int_equal(store_audit_append(f->s, &row, 1, &e), 0);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET allowed = 0", NULL, NULL, &msg),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, &msg), SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(read_all(f->s).count, 1);
}

static void formats(void **state)
{
    (void)state;
    struct store_audit_row row = {.id = 42,
                                  .at_ms = 1772323200000LL,
                                  .username = "coord\"1",
                                  .role = "coordinator",
                                  .address = "192.0.2.1",
                                  .action = "read",
                                  .what = "GET /fhir/Observation?patient=p-1",
                                  .patient = "p-1",
                                  .allowed = false,
                                  .count = 2};
    buf b;
    buf_init(&b, 1 << 20);
    audit_row_json(&row, &b);
    json_t *j = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "username")), "coord\"1");
    assert_string_equal(json_string_value(json_object_get(j, "at")), "2026-03-01T00:00:00Z");
    assert_true(json_is_false(json_object_get(j, "allowed")));
    json_decref(j);

    buf_reset(&b);
    audit_row_fhir(&row, &b);
    j = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "resourceType")), "AuditEvent");
    assert_string_equal(json_string_value(json_object_get(j, "action")), "E"); /* a search */
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "4"); /* refused */
    assert_string_equal(json_string_value(json_object_get(j, "recorded")), "2026-03-01T00:00:00Z");
    json_t *agent = json_array_get(json_object_get(j, "agent"), 0);
    assert_true(json_is_true(json_object_get(agent, "requestor")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(agent, "network"), "address")),
        "192.0.2.1");
    json_t *entity = json_array_get(json_object_get(j, "entity"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(entity, "what"), "reference")),
        "Patient/p-1");
    assert_non_null(json_object_get(json_object_get(j, "source"), "observer"));
    json_decref(j);

    struct store_audit_row login = {.id = 1, .at_ms = 0, .username = "x", .role = "none",
                                    .action = "login", .what = "POST /api/login", .allowed = true,
                                    .count = 1};
    buf_reset(&b);
    audit_row_fhir(&login, &b);
    j = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "type"), "code")),
                        "110114");
    json_decref(j);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(decisions_are_recorded_and_merged, setup, teardown),
        cmocka_unit_test(full_queue_refuses_access),
        cmocka_unit_test_setup_teardown(written_by_the_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(table_is_append_only, setup, teardown),
        cmocka_unit_test(formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
