/* Sessions and keys end to end: a login's token, its end at logout, at expiry, when the
 * account is disabled, its password or role changed; gateway keys revoked and rotated; and
 * failed logins slowed per account and per address (429 with Retry-After, the password not
 * even checked meanwhile). Delays are configured long, so nothing depends on the clock. */
#include "harness.h"

#include "auth/auth.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD "e2e-password-long"

static struct e2e_server srv;

/* Status of one request (the body goes to `body` when given). */
static long call(const char *method, const char *path, const char *token, const char *json,
                 buf *body, buf *headers)
{
    struct e2e_response r;
    long status = -1;
    if (e2e_request(&srv, method, path, token, json ? "application/json" : NULL, json,
                    json ? strlen(json) : 0, &r) == 0)
        status = r.status;
    if (body) buf_puts(body, buf_cstr(&r.body));
    if (headers) buf_puts(headers, buf_cstr(&r.headers));
    e2e_response_free(&r);
    return status;
}

/* Logs in; returns the status and copies the token. */
static long login(const char *user, const char *password, char token[64], buf *headers)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    buf out;
    buf_init(&out, 1 << 20);
    long status = call("POST", "/api/login", NULL, body, &out, headers);
    if (token) {
        json_t *j = json_loads(buf_cstr(&out), 0, NULL);
        snprintf(token, 64, "%s", json_string_value(json_object_get(j, "token")) ?: "");
        json_decref(j);
    }
    buf_free(&out);
    return status;
}

static int vigie(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int vigie(const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return e2e_vigie(&srv, args, NULL);
}

static long me(const char *token)
{
    return call("GET", "/api/me", token, NULL, NULL, NULL);
}

static void write_config(int account_free, int address_free)
{
    snprintf(srv.config, sizeof srv.config, "%s/vigie.conf", srv.dir);
    FILE *f = fopen(srv.config, "w");
    if (!f) return;
    /* delays far longer than the test: a second attempt is always early */
    fprintf(f,
            "[auth]\nlogin_free_failures = %d\nlogin_free_failures_per_address = %d\n"
            "login_delay = 10min\nlogin_delay_max = 1h\n",
            account_free, address_free);
    fclose(f);
}

/* Adds a token row for `user` that expires at expires_ms; returns the token text. */
static bool insert_token(const char *user, long long expires_ms, char text[AUTH_TOKEN_LEN + 1])
{
    unsigned char hash[AUTH_TOKEN_HASH];
    auth_token_new(text, hash);
    char literal[2 * AUTH_TOKEN_HASH + 32], sql[512];
    e2e_sql_bytes(hash, AUTH_TOKEN_HASH, literal, sizeof literal);
    snprintf(sql, sizeof sql,
             "INSERT INTO auth_token(hash, user_id, kind, created_at, expires_at) SELECT %s, id, "
             "'session', 0, %lld FROM user_account WHERE username = '%s'",
             literal, expires_ms, user);
    if (e2e_sql_rows(&srv, sql, NULL, NULL) < 0) return false;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM auth_token WHERE hash = %s", literal);
    return e2e_sql_int(&srv, sql) == 1;
}

static long long sql_count(const char *sql)
{
    return e2e_sql_int(&srv, sql);
}

static long post_heart_rate(const char *key, const char *patient)
{
    static int n;
    char body[700];
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
             "\"Patient/%s\"},\"effectiveDateTime\":\"2026-03-06T10:%02d:00Z\",\"code\":{"
             "\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
             "\"valueQuantity\":{\"value\":%d,\"code\":\"/min\"}}",
             patient, n % 60, 60 + n);
    n++;
    struct e2e_response r;
    long status = -1;
    if (e2e_request(&srv, "POST", "/fhir/Observation", key, "application/fhir+json", body,
                    strlen(body), &r) == 0)
        status = r.status;
    e2e_response_free(&r);
    return status;
}

static void sessions(void)
{
    char token[64];
    buf headers;
    buf_init(&headers, 1 << 20);
    long status = login("nurse1", PASSWORD, token, NULL);
    e2e_tap(status == 200 && strlen(token) == AUTH_TOKEN_LEN,
        "login answers a 256-bit token (%zu characters)", strlen(token));
    e2e_tap(me(token) == 200, "the token opens a session");
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM auth_token WHERE length(hash) != 32 OR instr(hash, '%s') > 0",
             token);
    e2e_tap(sql_count(sql) == 0 && sql_count("SELECT count(*) FROM auth_token") > 0,
        "only a 32-byte hash of each token is stored, never the token");
    e2e_tap(call("POST", "/api/logout", token, NULL, NULL, NULL) == 200, "logout");
    status = call("GET", "/api/me", token, NULL, NULL, &headers);
    e2e_tap(status == 401 && strstr(buf_cstr(&headers), "WWW-Authenticate: Bearer"),
        "a token is refused after logout (%ld)", status);
    e2e_tap(me("not-a-token") == 401 && me(NULL) == 401, "no token, or a malformed one: 401");

    char expired[AUTH_TOKEN_LEN + 1], live[AUTH_TOKEN_LEN + 1];
    bool inserted = insert_token("nurse1", 1, expired) &&
                    insert_token("nurse1", 4102444800000LL /* 2100 */, live);
    e2e_tap(inserted && me(live) == 200, "a token with a future expiry works (control)");
    e2e_tap(inserted && me(expired) == 401, "an expired token is refused");

    login("nurse2", PASSWORD, token, NULL);
    e2e_tap(vigie("user disable --db '%s' --username nurse2", srv.db) == 0 && me(token) == 401,
        "disabling an account ends its sessions");
    buf body;
    buf_init(&body, 1 << 20);
    char body_text[256];
    snprintf(body_text, sizeof body_text, "{\"username\":\"nurse2\",\"password\":\"%s\"}",
             PASSWORD);
    status = call("POST", "/api/login", NULL, body_text, &body, NULL);
    e2e_tap(status == 401 && strstr(buf_cstr(&body), "wrong username or password"),
        "a disabled account cannot log in, and is told as for a wrong password");
    buf_free(&body);
    e2e_tap(vigie("user disable --db '%s' --username nurse2 --enable", srv.db) == 0 &&
            login("nurse2", PASSWORD, token, NULL) == 200 && me(token) == 200,
        "enabled again, it logs in");

    login("coord1", PASSWORD, token, NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash -c \"%s user passwd --db '%s' --username coord1 "
                              "--password-stdin <<< 'another-long-password'\" >/dev/null 2>&1",
             srv.vigie, srv.db);
    e2e_tap(system(cmd) == 0 && me(token) == 401, "a new password ends the sessions");
    e2e_tap(login("coord1", PASSWORD, NULL, NULL) == 401 &&
            login("coord1", "another-long-password", token, NULL) == 200,
        "the old password no longer works, the new one does");
    e2e_tap(vigie("user role --db '%s' --username coord1 --role professional", srv.db) == 0 &&
            me(token) == 401,
        "a change of role ends the sessions");
    buf_free(&headers);
}

static void gateway_keys(void)
{
    char token[64];
    login("nurse1", PASSWORD, token, NULL);
    struct e2e_response r;
    const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"p-gw\"}";
    e2e_request(&srv, "PUT", "/fhir/Patient/p-gw", token, "application/fhir+json", patient,
                strlen(patient), &r);
    e2e_response_free(&r);
    const char *key = e2e_token("gw1");
    e2e_tap(post_heart_rate(key, "p-gw") == 201, "a gateway key writes for its patient");
    e2e_tap(me(key) == 200, "a key authenticates like a token");
    e2e_tap(vigie("user disable --db '%s' --username gw1", srv.db) == 0 &&
            post_heart_rate(key, "p-gw") == 401,
        "disabling a gateway revokes its keys");
    e2e_tap(vigie("user disable --db '%s' --username gw1 --enable", srv.db) == 0 &&
            post_heart_rate(key, "p-gw") == 401,
        "enabling it again does not bring the revoked key back");
    buf out;
    buf_init(&out, 4096);
    char args[512];
    snprintf(args, sizeof args, "user key --db '%s' --username gw1", srv.db);
    char first[64] = "", second[64] = "";
    if (e2e_vigie(&srv, args, &out) == 0)
        snprintf(first, sizeof first, "%.*s", (int)strcspn(buf_cstr(&out), "\n"), buf_cstr(&out));
    e2e_tap(post_heart_rate(first, "p-gw") == 201, "a new key works");
    buf_reset(&out);
    snprintf(args, sizeof args, "user key --db '%s' --username gw1 --replace", srv.db);
    if (e2e_vigie(&srv, args, &out) == 0)
        snprintf(second, sizeof second, "%.*s", (int)strcspn(buf_cstr(&out), "\n"),
                 buf_cstr(&out));
    e2e_tap(post_heart_rate(second, "p-gw") == 201 && post_heart_rate(first, "p-gw") == 401,
        "key --replace: the new key works, the previous one is revoked");
    buf_free(&out);
}

static bool retry_after(const buf *headers)
{
    const char *h = strstr(buf_cstr((buf *)headers), "Retry-After: ");
    return h && atol(h + 13) > 0;
}

static void account_throttling(void)
{
    /* account: 2 free failures; address: plenty */
    e2e_tap(login("planner1", "wrong-password-1", NULL, NULL) == 401 &&
            login("planner1", "wrong-password-2", NULL, NULL) == 401,
        "the first failures answer 401");
    e2e_tap(login("planner1", "wrong-password-3", NULL, NULL) == 401, "a third failure: 401");
    buf headers;
    buf_init(&headers, 1 << 20);
    long status = login("planner1", PASSWORD, NULL, &headers);
    e2e_tap(status == 429 && retry_after(&headers),
        "then even the right password waits: 429 with Retry-After (%ld)", status);
    e2e_tap(login("nurse1", PASSWORD, NULL, NULL) == 200,
        "another account from the same address is not slowed");
    for (int i = 0; i < 3; i++) login("no-such-user", "wrong-password", NULL, NULL);
    e2e_tap(login("no-such-user", "wrong-password", NULL, NULL) == 429,
        "an unknown username is slowed the same (no hint that it does not exist)");
    buf_free(&headers);
}

static void address_throttling(void)
{
    /* restarted with: accounts 100 free, the address 3 */
    for (int i = 0; i < 4; i++) {
        char user[32];
        snprintf(user, sizeof user, "guess%d", i);
        login(user, "wrong-password", NULL, NULL);
    }
    buf headers;
    buf_init(&headers, 1 << 20);
    long status = login("nurse1", PASSWORD, NULL, &headers);
    e2e_tap(status == 429 && retry_after(&headers),
        "failures on many accounts from one address slow that address (%ld)", status);
    buf_free(&headers);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VIGIE\n", argv[0]);
        return 2;
    }
    printf("1..31\n");
    bool ready = e2e_prepare(&srv, argv[1]) == 0;
    write_config(2, 1000);
    ready = ready && e2e_start(&srv) == 0 && e2e_login_all(&srv) == 0;
    e2e_tap(ready, "server and users");
    if (!ready) return 1;
    sessions();
    gateway_keys();
    account_throttling();
    /* a logout is a write: its transaction takes the queued audit records along */
    char token[64];
    login("nurse1", PASSWORD, token, NULL);
    call("POST", "/api/logout", token, NULL, NULL, NULL);
    e2e_tap(sql_count("SELECT count(*) FROM audit WHERE action = 'login' AND username = 'planner1' "
                  "AND allowed = 0") >= 4,
        "failed and slowed logins are in the audit trail");
    e2e_tap(e2e_stop(&srv, false) == 0, "the server stopped cleanly");
    write_config(100, 3);
    ready = e2e_start(&srv) == 0;
    e2e_tap(ready, "restarted with a low allowance per address");
    if (ready) address_throttling();
    e2e_tap(e2e_stop(&srv, false) == 0, "the server stopped cleanly");
    e2e_cleanup(&srv);
    return e2e_tap_failures() ? 1 : 0;
}
