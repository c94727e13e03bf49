#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct e2e_user e2e_users[] = {
    {"admin", "admin", NULL, NULL, ""},
    {"coord1", "coordinator", "T01", NULL, ""},
    {"coord2", "coordinator", "T02", NULL, ""},
    {"coord3", "coordinator", "T01", NULL, ""},
    {"nurse1", "professional", "T01", NULL, ""},
    {"nurse2", "professional", "T02", NULL, ""},
    {"planner1", "planner", "T01", NULL, ""},
    {"carer1", "caregiver", NULL, "p-care", ""},
    {"gw1", "gateway", NULL, "p-gw", ""},
    {NULL, NULL, NULL, NULL, ""},
};

#define E2E_PASSWORD "e2e-password-long"

int e2e_vigie(struct e2e_server *s, const char *args, buf *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", s->vigie, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[4096];
    while (fgets(line, sizeof line, p))
        if (out) buf_puts(out, line);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- Engines ------------------------------------------------------------------------ */

bool e2e_postgres(void)
{
    const char *engine = getenv("VIGIE_TEST_DB_ENGINE");
    return engine && !strcmp(engine, "postgres");
}

/* Runs SQL on the cluster's maintenance database (CREATE / DROP DATABASE). */
static int cluster_exec(const char *sql)
{
    const char *uri = getenv("VIGIE_TEST_PG");
    if (!uri) {
        fprintf(stderr, "harness: VIGIE_TEST_PG is not set (run under tests/pg/with-cluster)\n");
        return -1;
    }
    PGconn *c = PQconnectdb(uri);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc < 0) fprintf(stderr, "harness: %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
    } else {
        fprintf(stderr, "harness: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

/* SQLite's functions the tests' SQL uses, for a PostgreSQL database (test helpers only). */
static const char *const sqlite_compat =
    "CREATE FUNCTION round(double precision, integer) RETURNS numeric LANGUAGE sql IMMUTABLE "
    "AS 'SELECT round($1::numeric, $2)';"
    "CREATE FUNCTION group_concat_step(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS "
    "'SELECT CASE WHEN $1 IS NULL THEN $2 ELSE $1 || '','' || $2 END';"
    "CREATE AGGREGATE group_concat(text) (SFUNC = group_concat_step, STYPE = text);"
    "CREATE FUNCTION instr(bytea, text) RETURNS integer LANGUAGE sql IMMUTABLE AS "
    "'SELECT position(convert_to($2, ''UTF8'') IN $1)';";

int e2e_new_database(struct e2e_server *s, char *target, size_t n)
{
    static int counter;
    if (!e2e_postgres()) {
        snprintf(target, n, "%s/vigie-%d.db", s->dir, ++counter);
        return 0;
    }
    if (s->database_count >= (int)(sizeof s->databases / sizeof s->databases[0])) return -1;
    char name[64], sql[200];
    snprintf(name, sizeof name, "vigie_e2e_%d_%d", (int)getpid(), ++counter);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (cluster_exec(sql) < 0) return -1;
    snprintf(s->databases[s->database_count++], sizeof s->databases[0], "%s", name);
    snprintf(target, n, "postgresql://postgres@/%s?host=%s&port=%s", name,
             getenv("VIGIE_TEST_PG_HOST"), getenv("VIGIE_TEST_PG_PORT"));
    PGconn *c = PQconnectdb(target);
    PGresult *r = PQexec(c, sqlite_compat);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear(r);
    PQfinish(c);
    return rc;
}

int e2e_prepare_node(struct e2e_server *s, const struct e2e_server *first)
{
    memset(s, 0, sizeof *s);
    snprintf(s->vigie, sizeof s->vigie, "%s", first->vigie);
    snprintf(s->dir, sizeof s->dir, "/tmp/vigie-e2e-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->db, sizeof s->db, "%s", first->db);
    snprintf(s->config, sizeof s->config, "%s", first->config);
    return 0;
}

/* ---- SQL on either engine ------------------------------------------------------------- */

int e2e_sql_rows(struct e2e_server *s, const char *sql,
                 int (*fn)(void *arg, int columns, const char *const *values), void *arg)
{
    int rows = 0;
    if (e2e_postgres()) {
        PGconn *c = PQconnectdb(s->db);
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            fprintf(stderr, "harness: %s: %s", sql, PQresultErrorMessage(r));
            rows = -1;
        }
        int columns = PQnfields(r);
        const char *values[32];
        for (int i = 0; rows >= 0 && i < PQntuples(r); i++) {
            for (int k = 0; k < columns && k < 32; k++) {
                const char *v = PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k);
                /* booleans as SQLite spells them */
                if (v && PQftype(r, k) == 16) v = !strcmp(v, "t") ? "1" : "0";
                values[k] = v;
            }
            rows++;
            if (fn && fn(arg, columns, values)) break;
        }
        PQclear(r);
        PQfinish(c);
        return rows;
    }
    sqlite3 *db;
    if (sqlite3_open(s->db, &db) != SQLITE_OK) return -1;
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "harness: %s: %s\n", sql, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int columns = sqlite3_column_count(st);
        const char *values[32];
        for (int k = 0; k < columns && k < 32; k++)
            values[k] = (const char *)sqlite3_column_text(st, k);
        rows++;
        if (fn && fn(arg, columns, values)) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) rows = -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

static int first_value(void *arg, int columns, const char *const *values)
{
    buf *out = arg;
    if (columns > 0 && values[0]) buf_puts(out, values[0]);
    return 1;
}

int e2e_sql_text(struct e2e_server *s, const char *sql, buf *out)
{
    buf_reset(out);
    int rows = e2e_sql_rows(s, sql, first_value, out);
    return rows < 0 ? -1 : rows == 0 ? 1 : 0;
}

long long e2e_sql_int(struct e2e_server *s, const char *sql)
{
    buf out;
    buf_init(&out, 1 << 16);
    long long v = e2e_sql_text(s, sql, &out) == 0 ? atoll(buf_cstr(&out)) : -1;
    buf_free(&out);
    return v;
}

long long e2e_missing_observations(struct e2e_server *s, const char *ids, size_t id_size, int n)
{
    if (n == 0) return 0;
    /* one query for all: each id counted among the current rows */
    buf sql;
    buf_init(&sql, (size_t)1 << 26);
    buf_puts(&sql, "WITH a(id) AS (VALUES ");
    for (int i = 0; i < n; i++) buf_printf(&sql, "%s('%s')", i ? "," : "", ids + (size_t)i * id_size);
    buf_puts(&sql, ") SELECT count(*) FROM a WHERE (SELECT count(*) FROM observation o WHERE "
                   "o.id = a.id AND o.current = 1) != 1");
    long long missing = e2e_sql_int(s, buf_cstr(&sql));
    buf_free(&sql);
    return missing;
}

void e2e_sql_bytes(const unsigned char *b, size_t n, char *out, size_t size)
{
    size_t k = (size_t)snprintf(out, size, e2e_postgres() ? "'\\x" : "x'");
    for (size_t i = 0; i < n && k + 3 < size; i++) k += (size_t)snprintf(out + k, size - k, "%02x", b[i]);
    snprintf(out + k, size - k, e2e_postgres() ? "'::bytea" : "'");
}

int e2e_prepare(struct e2e_server *s, const char *vigie)
{
    memset(s, 0, sizeof *s);
    snprintf(s->vigie, sizeof s->vigie, "%s", vigie);
    snprintf(s->dir, sizeof s->dir, "/tmp/vigie-e2e-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    if (e2e_postgres()) {
        if (e2e_new_database(s, s->db, sizeof s->db) < 0) return -1;
    } else {
        snprintf(s->db, sizeof s->db, "%s/vigie.db", s->dir);
    }
    for (struct e2e_user *u = e2e_users; u->name; u++) {
        char args[1024];
        int n = snprintf(args, sizeof args, "user add --db '%s' --username %s --role %s", s->db,
                         u->name, u->role);
        if (u->territory) n += snprintf(args + n, sizeof args - (size_t)n, " --territory %s", u->territory);
        if (u->patient) n += snprintf(args + n, sizeof args - (size_t)n, " --patient %s", u->patient);
        if (strcmp(u->role, "gateway") != 0)
            snprintf(args + n, sizeof args - (size_t)n, " --password-stdin <<< '%s'", E2E_PASSWORD);
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "bash -c \"%s %s\" >/dev/null 2>&1", s->vigie, args);
        if (system(cmd) != 0) return -1;
        if (!strcmp(u->role, "gateway")) {
            buf out;
            buf_init(&out, 4096);
            snprintf(args, sizeof args, "user key --db '%s' --username %s", s->db, u->name);
            if (e2e_vigie(s, args, &out) != 0) return -1;
            snprintf(u->token, sizeof u->token, "%.*s", (int)strcspn(buf_cstr(&out), "\n"),
                     buf_cstr(&out));
            buf_free(&out);
        }
    }
    return 0;
}

/* Servers still running when the test program exits (a failed start, an early return) are
 * killed, so that no test leaves a server behind. */
static pid_t running[16];

static void kill_running(void)
{
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if (running[i] > 0) {
            kill(running[i], SIGKILL);
            waitpid(running[i], NULL, 0);
            running[i] = 0;
        }
}

static void track(pid_t pid, bool add)
{
    static bool registered;
    if (!registered) registered = atexit(kill_running) == 0;
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if (add ? running[i] == 0 : running[i] == pid) {
            running[i] = add ? pid : 0;
            return;
        }
}

int e2e_start(struct e2e_server *s)
{
    int fds[2];
    if (pipe(fds) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        char log[320];
        snprintf(log, sizeof log, "%s/serve.log", s->dir);
        FILE *err = fopen(log, "a");
        if (err) dup2(fileno(err), STDERR_FILENO);
        if (s->config[0])
            execl(s->vigie, s->vigie, "serve", "--db", s->db, "--listen", "127.0.0.1:0",
                  "--config", s->config, (char *)NULL);
        else
            execl(s->vigie, s->vigie, "serve", "--db", s->db, "--listen", "127.0.0.1:0",
                  (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    s->pid = pid;
    track(pid, true);
    FILE *in = fdopen(fds[0], "r");
    char line[512];
    s->port = 0;
    if (in && fgets(line, sizeof line, in)) {
        const char *p = strstr(line, "http://127.0.0.1:");
        if (p) s->port = atoi(p + strlen("http://127.0.0.1:"));
    }
    if (in) fclose(in);
    if (!s->port) return -1;
    snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%d", s->port);
    return 0;
}

int e2e_stop(struct e2e_server *s, bool kill_hard)
{
    if (s->pid <= 0) return 0;
    kill(s->pid, kill_hard ? SIGKILL : SIGTERM);
    int status = 0;
    waitpid(s->pid, &status, 0);
    track(s->pid, false);
    s->pid = 0;
    if (kill_hard) return 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *e2e_token(const char *user)
{
    for (struct e2e_user *u = e2e_users; u->name; u++)
        if (!strcmp(u->name, user)) return u->token;
    return NULL;
}

int e2e_login_all(struct e2e_server *s)
{
    for (struct e2e_user *u = e2e_users; u->name; u++) {
        if (!strcmp(u->role, "gateway")) continue;
        char body[256];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", u->name,
                 E2E_PASSWORD);
        struct e2e_response r;
        if (e2e_request(s, "POST", "/api/login", NULL, "application/json", body, strlen(body),
                        &r) < 0 ||
            r.status != 200) {
            e2e_response_free(&r);
            return -1;
        }
        json_t *j = json_loads(buf_cstr(&r.body), 0, NULL);
        snprintf(u->token, sizeof u->token, "%s",
                 json_string_value(json_object_get(j, "token")) ?: "");
        json_decref(j);
        e2e_response_free(&r);
    }
    return 0;
}

void e2e_cleanup(struct e2e_server *s)
{
    for (int i = 0; i < s->database_count; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", s->databases[i]);
        cluster_exec(sql);
    }
    s->database_count = 0;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    buf *b = arg;
    buf_append(b, data, size * n);
    return size * n;
}

int e2e_request(struct e2e_server *s, const char *method, const char *path, const char *token,
                const char *content_type, const char *body, size_t body_len,
                struct e2e_response *resp)
{
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, (size_t)1 << 30);
    buf_init(&resp->headers, 1 << 20);
    CURL *c = curl_easy_init();
    if (!c) return -1;
    char url[4096], auth[128], ct[128];
    snprintf(url, sizeof url, "%s%s", s->base_url, path);
    struct curl_slist *headers = NULL;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, ct);
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

void e2e_response_free(struct e2e_response *resp)
{
    buf_free(&resp->body);
    buf_free(&resp->headers);
}

static int tap_number, tap_failures;

void e2e_tap(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++tap_number);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) tap_failures++;
    fflush(stdout);
}

int e2e_tap_failures(void)
{
    return tap_failures;
}
