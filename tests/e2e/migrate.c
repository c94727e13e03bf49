/* vigie migrate, SQLite to PostgreSQL and back: a platform with data (the sample through a
 * server, enrolments, a claimed and a closed case, the audit trail) is copied to PostgreSQL,
 * then back to a new SQLite file. `vigie export` of the three gives the same lines, the other
 * tables the same counts, `vigie check` passes on each, and a server on the PostgreSQL copy
 * takes the same logins and shows the same queue. */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct e2e_server srv;

static long request(const char *method, const char *path, const char *user, const char *type,
                    const char *body, buf *out)
{
    struct e2e_response r;
    long status = -1;
    if (e2e_request(&srv, method, path, e2e_token(user), type, body, body ? strlen(body) : 0, &r) ==
        0) {
        status = r.status;
        if (out) buf_puts(out, buf_cstr(&r.body));
    }
    e2e_response_free(&r);
    return status;
}

static bool load_sample(const char *sample)
{
    FILE *f = fopen(sample, "rb");
    buf ndjson;
    buf_init(&ndjson, 1 << 24);
    char line[16384];
    while (f && fgets(line, sizeof line, f)) {
        char *t = strstr(line, "T-EURE-SUD");
        if (t) memcpy(t, "T01", 3), memmove(t + 3, t + 10, strlen(t + 10) + 1);
        buf_puts(&ndjson, line);
    }
    if (f) fclose(f);
    bool ok = request("POST", "/fhir/$import", "nurse1", "application/fhir+ndjson",
                      buf_cstr(&ndjson), NULL) == 200;
    buf_free(&ndjson);
    ok = ok && request("POST", "/api/territories", "admin", "application/json",
                       "{\"id\":\"T01\",\"name\":\"Pays d'Ouche\",\"region\":\"28\","
                       "\"communes\":[\"27229\"],\"quota\":50}",
                       NULL) == 201;
    ok = ok && request("POST", "/api/territories/T01/patients", "nurse1", "application/json",
                       "{\"patient\":\"p-001\",\"conditions\":[\"84114007\"],\"expected\":[{"
                       "\"kind\":\"weight\",\"per_day\":1}]}",
                       NULL) == 201;
    /* a case claimed, another closed */
    buf queue;
    buf_init(&queue, 1 << 20);
    request("GET", "/api/queue", "coord1", NULL, NULL, &queue);
    json_t *q = json_loads(buf_cstr(&queue), 0, NULL);
    json_t *cases = json_object_get(q, "cases");
    ok = ok && json_array_size(cases) >= 2;
    for (size_t i = 0; ok && i < 2; i++) {
        char path[80];
        long long id = json_integer_value(json_object_get(json_array_get(cases, i), "id"));
        snprintf(path, sizeof path, "/api/cases/%lld/claim", id);
        ok = request("POST", path, "coord1", "application/json", "", NULL) == 200;
        if (i == 1) {
            snprintf(path, sizeof path, "/api/cases/%lld/close", id);
            ok = ok && request("POST", path, "coord1", "application/json",
                               "{\"outcome\":\"advice\",\"note\":\"rappel demain\"}", NULL) == 200;
        }
    }
    json_decref(q);
    buf_free(&queue);
    return ok;
}

/* `vigie CMD --db TARGET` output into out; 0 on success. */
static int vigie_on(const char *cmd, const char *target, buf *out)
{
    char args[800];
    snprintf(args, sizeof args, "%s --db '%s'", cmd, target);
    buf_reset(out);
    return e2e_vigie(&srv, args, out);
}

/* Row counts of the tables export does not show, as one line. */
static void counts(bool postgres, const char *target, buf *out)
{
    struct e2e_server view = srv;
    snprintf(view.db, sizeof view.db, "%s", target);
    if (postgres)
        setenv("VIGIE_TEST_DB_ENGINE", "postgres", 1);
    else
        unsetenv("VIGIE_TEST_DB_ENGINE");
    e2e_sql_text(&view,
                 "SELECT (SELECT count(*) FROM ingest_log) || ' ' || (SELECT count(*) FROM event) "
                 "|| ' ' || (SELECT count(*) FROM care_case) || ' ' || (SELECT count(*) FROM "
                 "case_transition) || ' ' || (SELECT count(*) FROM change_feed) || ' ' || (SELECT "
                 "count(*) FROM user_account) || ' ' || (SELECT count(*) FROM auth_token) || ' ' "
                 "|| (SELECT count(*) FROM enrolment) || ' ' || (SELECT count(*) FROM audit) || "
                 "' ' || (SELECT max(id) FROM audit)",
                 out);
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    if (!e2e_postgres()) {
        printf("1..0 # SKIP vigie migrate goes to PostgreSQL (VIGIE_TEST_DB_ENGINE=postgres)\n");
        return 0;
    }
    printf("1..6\n");
    /* the platform starts on SQLite */
    unsetenv("VIGIE_TEST_DB_ENGINE");
    bool ok = e2e_prepare(&srv, argv[1]) == 0 && e2e_start(&srv) == 0 && e2e_login_all(&srv) == 0 &&
              load_sample(argv[2]);
    ok = e2e_stop(&srv, false) == 0 && ok;
    e2e_tap(ok, "a platform on SQLite with the sample, an enrolment, a claimed and a closed case");
    if (!ok) return 1;
    char sqlite_db[300], pg_db[300], back_db[300];
    snprintf(sqlite_db, sizeof sqlite_db, "%s", srv.db);
    setenv("VIGIE_TEST_DB_ENGINE", "postgres", 1);
    ok = e2e_new_database(&srv, pg_db, sizeof pg_db) == 0;
    unsetenv("VIGIE_TEST_DB_ENGINE");
    snprintf(back_db, sizeof back_db, "%s/back.db", srv.dir);

    buf out, a, b, c, ca, cb, cc;
    buf_init(&out, 1 << 24);
    buf_init(&a, 1 << 24);
    buf_init(&b, 1 << 24);
    buf_init(&c, 1 << 24);
    buf_init(&ca, 1 << 16);
    buf_init(&cb, 1 << 16);
    buf_init(&cc, 1 << 16);
    char args[900];
    snprintf(args, sizeof args, "migrate --from '%s' --to '%s'", sqlite_db, pg_db);
    int to_pg = ok ? e2e_vigie(&srv, args, &out) : -1;
    snprintf(args, sizeof args, "migrate --from '%s' --to '%s'", pg_db, back_db);
    int back = e2e_vigie(&srv, args, &out);
    e2e_tap(to_pg == 0 && back == 0, "vigie migrate SQLite -> PostgreSQL -> SQLite");

    vigie_on("export", sqlite_db, &a);
    vigie_on("export", pg_db, &b);
    vigie_on("export", back_db, &c);
    e2e_tap(a.len > 1000 && !strcmp(buf_cstr(&a), buf_cstr(&b)) &&
                !strcmp(buf_cstr(&a), buf_cstr(&c)),
            "vigie export gives the same %zu bytes from the three databases", a.len);
    counts(false, sqlite_db, &ca);
    counts(true, pg_db, &cb);
    counts(false, back_db, &cc);
    e2e_tap(!strcmp(buf_cstr(&ca), buf_cstr(&cb)) && !strcmp(buf_cstr(&ca), buf_cstr(&cc)),
            "log, events, cases, transitions, feed, users, tokens, enrolments, audit: %s / %s / %s",
            buf_cstr(&ca), buf_cstr(&cb), buf_cstr(&cc));
    int checks = vigie_on("check", sqlite_db, &out) + vigie_on("check", pg_db, &out) +
                 vigie_on("check", back_db, &out);
    e2e_tap(checks == 0, "vigie check passes on each");

    /* the platform goes on on PostgreSQL: same logins, same queue */
    setenv("VIGIE_TEST_DB_ENGINE", "postgres", 1);
    buf before;
    buf_init(&before, 1 << 20);
    snprintf(srv.db, sizeof srv.db, "%s", pg_db);
    ok = e2e_start(&srv) == 0 && e2e_login_all(&srv) == 0;
    long status = request("GET", "/api/queue", "coord1", NULL, NULL, &before);
    json_t *q = json_loads(buf_cstr(&before), 0, NULL);
    long long count = json_integer_value(json_object_get(q, "count"));
    json_decref(q);
    long long cases = e2e_sql_int(&srv, "SELECT count(*) FROM care_case WHERE state != 'closed'");
    ok = e2e_stop(&srv, false) == 0 && ok;
    e2e_tap(ok && status == 200 && count == cases && count > 0,
            "a server on the PostgreSQL copy: logins work, the queue has the %lld open cases",
            count);
    buf_free(&before);
    buf_free(&out);
    buf_free(&a);
    buf_free(&b);
    buf_free(&c);
    buf_free(&ca);
    buf_free(&cb);
    buf_free(&cc);
    e2e_cleanup(&srv);
    return e2e_tap_failures() ? 1 : 0;
}
