/* Sessions: POST /api/login, POST /api/logout, GET /api/me. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_TTL_MS (12 * INSTANT_MS_PER_HOUR) /* one rota shift */

/* Records a login attempt (no principal exists yet: the name tried is what is known). */
static void audit_login(struct http_request *r, const char *username, const char *role,
                        bool allowed)
{
    struct audit_actor actor = http_actor(r);
    actor.name = username;
    actor.role = role;
    audit_note(http_app_of(r)->audit, &actor, "login", NULL, allowed);
}

/* Answers 429 when failed logins for this account or from this address must still wait;
 * nothing is checked meanwhile. */
static bool throttled(struct http_request *r, const char *username, int64_t now_ms)
{
    auth_throttle *t = http_app_of(r)->throttle;
    char address[48];
    int64_t wait_ms = t ? auth_throttle_wait(t, username, http_client_address(r, address,
                                                                             sizeof address),
                                             now_ms)
                        : 0;
    if (wait_ms <= 0) return false;
    long long seconds = (wait_ms + 999) / 1000;
    char retry[32];
    snprintf(retry, sizeof retry, "%lld", seconds);
    audit_login(r, username, "none", false);
    http_add_header(r, "Retry-After", retry);
    http_respond_error(r, 429, NULL,
                       "too many failed logins for this account or from this address; retry in "
                       "%lld s",
                       seconds);
    return true;
}

/* Parses the JSON body as an object; answers 400 naming the problem when it is not one. */
json_t *http_json_body(struct http_request *r)
{
    size_t n;
    const char *body = http_body(r, &n);
    json_error_t err;
    json_t *j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        http_respond_error(r, 400, NULL, "malformed JSON at line %d, column %d: %s", err.line,
                           err.column, err.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_respond_error(r, 400, NULL, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* A required string member; answers 400 naming the field when absent or not a string. */
const char *http_json_string(struct http_request *r, json_t *obj, const char *field)
{
    json_t *v = json_object_get(obj, field);
    if (!v) {
        http_respond_error(r, 400, field, "%s is required", field);
        return NULL;
    }
    if (!json_is_string(v)) {
        http_respond_error(r, 400, field, "%s must be a string", field);
        return NULL;
    }
    return json_string_value(v);
}

struct token_write {
    unsigned char hash[AUTH_TOKEN_HASH];
    char token[AUTH_TOKEN_LEN + 1];
    int64_t user_id, now_ms, expires_ms;
};

static int login_write(store *s, void *arg, verr *e)
{
    struct token_write *t = arg;
    return store_token_add(s, t->hash, t->user_id, TOKEN_SESSION, t->now_ms, t->expires_ms, e);
}

static void login_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    struct token_write *t = arg;
    if (status != 0) {
        http_respond_error(r, 503, NULL, "the session could not be stored: %s", e->msg);
        return;
    }
    char expires[40];
    instant_format_utc(t->expires_ms, expires);
    buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "{\"token\":\"%s\",\"expires_at\":\"%s\"}", t->token, expires);
    http_respond(r, 200, "application/json", &b);
}

void http_api_login(struct http_request *r)
{
    json_t *j = http_json_body(r);
    if (!j) return;
    const char *username = http_json_string(r, j, "username");
    const char *password = username ? http_json_string(r, j, "password") : NULL;
    if (!password) {
        json_decref(j);
        return;
    }
    int64_t now_ms = instant_now_ms();
    if (throttled(r, username, now_ms)) {
        json_decref(j);
        return;
    }
    store *s = http_reader(r);
    struct store_user u;
    verr e;
    int rc = s ? store_user_get(s, username, 0, &u, &e) : -1;
    if (rc < 0) {
        json_decref(j);
        http_respond_error(r, 503, NULL, "cannot check credentials now");
        return;
    }
    /* The password is checked here, in parallel, not in the writer: argon2id costs tens of
     * milliseconds by design. Only the token row goes through the writer. */
    bool ok = auth_password_verify(rc == 0 ? u.password_hash : NULL, password) && !u.disabled;
    auth_throttle *throttle = http_app_of(r)->throttle;
    char address[48];
    http_client_address(r, address, sizeof address);
    if (!ok) {
        if (throttle) auth_throttle_failed(throttle, username, address, instant_now_ms());
        audit_login(r, username, rc == 0 ? u.role : "none", false);
        json_decref(j);
        if (rc == 0) store_user_free(&u);
        http_respond_error(r, 401, NULL, "wrong username or password");
        return;
    }
    if (throttle) auth_throttle_succeeded(throttle, username);
    audit_login(r, username, u.role, true);
    json_decref(j);
    int64_t ttl = http_app_of(r)->session_ttl_ms;
    struct token_write *t = xcalloc(1, sizeof *t);
    auth_token_new(t->token, t->hash);
    t->user_id = u.id;
    t->now_ms = instant_now_ms();
    t->expires_ms = t->now_ms + (ttl > 0 ? ttl : SESSION_TTL_MS);
    store_user_free(&u);
    http_submit_write(r, login_write, login_respond, t, free);
}

static int logout_write(store *s, void *arg, verr *e)
{
    struct token_write *t = arg;
    return store_token_revoke(s, t->hash, t->now_ms, e);
}

static void logout_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    (void)arg;
    if (status != 0)
        http_respond_error(r, 503, NULL, "logout failed: %s", e->msg);
    else
        http_respond_text(r, 200, "application/json", "{\"status\":\"logged out\"}");
}

void http_api_logout(struct http_request *r)
{
    const char *header = http_header(r, "Authorization");
    struct token_write *t = xcalloc(1, sizeof *t);
    auth_token_hash(header + 7, t->hash);
    t->now_ms = instant_now_ms();
    http_submit_write(r, logout_write, logout_respond, t, free);
}

void http_api_me(struct http_request *r)
{
    const struct auth_principal *p = http_principal(r);
    buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"username\":");
    buf_append_json_string(&b, p->username, strlen(p->username));
    buf_printf(&b, ",\"role\":\"%s\",\"territories\":[", auth_role_name(p->role));
    for (size_t i = 0; i < p->territory_count; i++) {
        if (i) buf_putc(&b, ',');
        buf_append_json_string(&b, p->territories[i], strlen(p->territories[i]));
    }
    buf_puts(&b, "],\"patients\":[");
    for (size_t i = 0; i < p->patient_count; i++) {
        if (i) buf_putc(&b, ',');
        buf_append_json_string(&b, p->patients[i], strlen(p->patients[i]));
    }
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}
