#include "http/http_int.h"
#include "http/stream.h"
#include "core/instant.h"
#include "core/log.h"
#include "core/mem.h"
#include "fhir/fhir.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define READERS_MAX 64
#define HEADERS_MAX 6

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_app *app;
    int port;
    pthread_mutex_t readers_lock;
    store *readers[READERS_MAX];
    int reader_count;
};

struct http_request {
    http_server *srv;
    struct MHD_Connection *conn;
    const char *method, *url;
    const struct http_route *route;
    const char *params[4];
    char param_scratch[512];
    buf body;
    bool too_large, dispatched, responded;
    int status;
    char content_type[64];
    char *response;
    size_t response_len;
    char *headers[HEADERS_MAX][2];
    int header_count;
    struct ingest_request *pending;
    struct write_job *pending_write;
    void *state;
    void (*free_state)(void *);
    atomic_int refs;
    store *reader;
    char caller[128];
    struct auth_principal who;
    bool authenticated;
    http_reader_fn stream_reader;
    void *stream_arg;
    void (*stream_free)(void *);
    char what[256];           /* "GET /fhir/Observation?patient=p-1", for the audit trail */
    char address[48];         /* the client's address */
};

struct write_job;
static void write_job_free(struct write_job *w);

/* ---- Readers ---------------------------------------------------------------------------- */

store *http_reader(struct http_request *r)
{
    if (r->reader) return r->reader;
    http_server *srv = r->srv;
    pthread_mutex_lock(&srv->readers_lock);
    if (srv->reader_count > 0) r->reader = srv->readers[--srv->reader_count];
    pthread_mutex_unlock(&srv->readers_lock);
    if (!r->reader) {
        verr e;
        r->reader = store_open(srv->app->db_path, STORE_READ, &e);
        if (!r->reader) log_error("http: cannot open a reader: %s", e.msg);
    }
    return r->reader;
}

static void reader_release(struct http_request *r)
{
    if (!r->reader) return;
    http_server *srv = r->srv;
    pthread_mutex_lock(&srv->readers_lock);
    if (srv->reader_count < READERS_MAX) {
        srv->readers[srv->reader_count++] = r->reader;
        r->reader = NULL;
    }
    pthread_mutex_unlock(&srv->readers_lock);
    store_close(r->reader); /* NULL when pooled */
    r->reader = NULL;
}

/* ---- Request accessors -------------------------------------------------------------------- */

struct http_app *http_app_of(struct http_request *r)
{
    return r->srv->app;
}

const char *http_param(struct http_request *r, int i)
{
    return i >= 0 && i < 4 ? r->params[i] : NULL;
}

const char *http_query(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct query_collect {
    const char *name;
    const char **values;
    int max, count;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_collect *q = cls;
    if (key && !strcmp(key, q->name) && q->count < q->max) q->values[q->count++] = value ? value : "";
    return MHD_YES;
}

int http_query_all(struct http_request *r, const char *name, const char **values, int max)
{
    struct query_collect q = {name, values, max, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_query, &q);
    return q.count;
}

const char *http_method(struct http_request *r)
{
    return r->method;
}

const char *http_url(struct http_request *r)
{
    return r->url;
}

const char *http_client_address(struct http_request *r, char *out, size_t n)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "unknown");
    if (!info || !info->client_addr) return out;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
    return out;
}

const char *http_body(struct http_request *r, size_t *len)
{
    *len = r->body.len;
    return buf_cstr(&r->body);
}

const char *http_caller_name(struct http_request *r)
{
    return r->authenticated ? r->who.username : "anonymous";
}

const struct auth_principal *http_principal(struct http_request *r)
{
    return r->authenticated ? &r->who : NULL;
}

/* Appends the query string (decoded values) to r->what. */
static enum MHD_Result append_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    char *what = cls;
    size_t n = strlen(what);
    /* a token in the URL (the live stream's ?access_token=) never reaches the audit trail */
    if (!strcmp(key, "access_token")) value = "(hidden)";
    snprintf(what + n, 256 - n, "%s%s=%s", strchr(what, '?') ? "&" : "?", key, value ? value : "");
    return MHD_YES;
}

struct audit_actor http_actor(struct http_request *r)
{
    if (!r->what[0]) {
        snprintf(r->what, sizeof r->what, "%s %s", r->method, r->url);
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, append_query, r->what);
        http_client_address(r, r->address, sizeof r->address);
    }
    return (struct audit_actor){
        .who = r->authenticated ? &r->who : NULL,
        .name = "anonymous",
        .role = "none",
        .address = r->address,
        .what = r->what,
    };
}

bool http_may_patient_in(struct http_request *r, const char *patient_id, const char *territory,
                         enum auth_access access)
{
    if (!r->authenticated) return false;
    struct audit_actor actor = http_actor(r);
    return audit_may_patient(r->srv->app->audit, &actor, access, patient_id, territory);
}

bool http_may_patient(struct http_request *r, int64_t patient_key, enum auth_access access)
{
    if (!r->authenticated) return false;
    store *s = http_reader(r);
    char id[72], territory[64];
    verr e;
    if (!s || store_patient_by_key(s, patient_key, id, territory, &e) != 0) return false;
    return http_may_patient_in(r, id, territory[0] ? territory : NULL, access);
}

/* The one place where callers are identified and the route's roles checked. Returns false
 * after responding 401 or 403. */
static bool authorize(struct http_request *r)
{
    if (r->route->roles == 0) return true;
    const char *header = http_header(r, "Authorization");
    const char *token = NULL;
    if (header && !strncasecmp(header, "Bearer ", 7)) token = header + 7;
    /* A browser's EventSource cannot send headers: the live stream alone also takes the
     * token from ?access_token= (RFC 6750 §2.3). Nowhere else, so a token copied into a
     * link opens nothing but a read-only stream (query strings are never logged). */
    if (!token && r->route->handler == http_api_stream) token = http_query(r, "access_token");
    store *s = http_reader(r);
    verr e;
    int rc = s ? auth_authenticate(s, token, instant_now_ms(), &r->who, &e) : -1;
    if (rc < 0) {
        http_respond_error(r, 503, NULL, "cannot check credentials now");
        return false;
    }
    if (rc == 1) {
        http_add_header(r, "WWW-Authenticate", "Bearer realm=\"vigie\"");
        http_respond_error(r, 401, "Authorization",
                           token ? "the token is unknown, expired or revoked; log in again"
                                 : "a bearer token is required (POST /api/login)");
        return false;
    }
    r->authenticated = true;
    http_client_address(r, r->who.address, sizeof r->who.address);
    if (!(r->route->roles & AUTH_BIT(r->who.role))) {
        struct audit_actor actor = http_actor(r);
        audit_note(r->srv->app->audit, &actor, "route", NULL, false);
        http_respond_error(r, 403, NULL, "the %s role may not %s %s",
                           auth_role_name(r->who.role), r->method, r->url);
        return false;
    }
    return true;
}

/* ---- Responses ---------------------------------------------------------------------------- */

void http_respond(struct http_request *r, int status, const char *content_type, buf *body)
{
    if (r->responded) {
        buf_free(body);
        return;
    }
    r->status = status;
    snprintf(r->content_type, sizeof r->content_type, "%s", content_type);
    r->response_len = body->len;
    r->response = buf_steal(body);
    r->responded = true;
}

void http_respond_text(struct http_request *r, int status, const char *content_type,
                       const char *text)
{
    buf b;
    buf_init(&b, (size_t)-1);
    buf_puts(&b, text);
    http_respond(r, status, content_type, &b);
}

void http_add_header(struct http_request *r, const char *name, const char *value)
{
    if (r->header_count == HEADERS_MAX) return;
    r->headers[r->header_count][0] = xstrdup(name);
    r->headers[r->header_count][1] = xstrdup(value);
    r->header_count++;
}

void http_respond_outcome(struct http_request *r, int status, const char *code,
                          const char *expression, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    fhir_outcome_add(&oo, FHIR_ERROR, status, code, expression, "%s", msg);
    buf b;
    buf_init(&b, (size_t)-1);
    fhir_outcome_write(&oo, &b);
    fhir_outcome_free(&oo);
    http_respond(r, status, FHIR_CONTENT_TYPE, &b);
}

void http_respond_error(struct http_request *r, int status, const char *field, const char *fmt,
                        ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf b;
    buf_init(&b, (size_t)-1);
    buf_printf(&b, "{\"error\":{\"status\":%d,\"message\":", status);
    buf_append_json_string(&b, msg, strlen(msg));
    if (field) {
        buf_puts(&b, ",\"field\":");
        buf_append_json_string(&b, field, strlen(field));
    }
    buf_puts(&b, "}}");
    http_respond(r, status, "application/json", &b);
}

void http_respond_stream(struct http_request *r, int status, const char *content_type,
                         http_reader_fn reader, void *arg, void (*free_arg)(void *))
{
    r->status = status;
    snprintf(r->content_type, sizeof r->content_type, "%s", content_type);
    r->stream_reader = reader;
    r->stream_arg = arg;
    r->stream_free = free_arg;
    r->responded = true;
}

static enum MHD_Result queue(struct http_request *r)
{
    if (r->stream_reader) {
        struct MHD_Response *resp = MHD_create_response_from_callback(
            MHD_SIZE_UNKNOWN, 16 * 1024, r->stream_reader, r->stream_arg, r->stream_free);
        if (!resp) return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", r->content_type);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
        enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
        MHD_destroy_response(resp);
        return rc;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->response_len, r->response ? r->response : (char *)"", r->response ? MHD_RESPMEM_MUST_FREE
                                                                            : MHD_RESPMEM_PERSISTENT);
    r->response = NULL;
    if (!resp) return MHD_NO;
    if (r->content_type[0]) MHD_add_response_header(resp, "Content-Type", r->content_type);
    for (int i = 0; i < r->header_count; i++)
        MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- Life of a request -------------------------------------------------------------------- */

void http_set_state(struct http_request *r, void *state, void (*free_state)(void *))
{
    r->state = state;
    r->free_state = free_state;
}

void *http_state(struct http_request *r)
{
    return r->state;
}

void http_suspend(struct http_request *r)
{
    MHD_suspend_connection(r->conn);
}

void http_resume(struct http_request *r)
{
    MHD_resume_connection(r->conn);
}

void http_retain(struct http_request *r)
{
    atomic_fetch_add(&r->refs, 1);
}

void http_release(struct http_request *r)
{
    if (atomic_fetch_sub(&r->refs, 1) != 1) return;
    if (r->free_state) r->free_state(r->state);
    auth_principal_free(&r->who);
    ingest_request_free(r->pending);
    write_job_free(r->pending_write);
    reader_release(r);
    buf_free(&r->body);
    free(r->response);
    for (int i = 0; i < r->header_count; i++) {
        free(r->headers[i][0]);
        free(r->headers[i][1]);
    }
    free(r);
}

struct write_job {
    struct writer_job job; /* first: the writer sees this */
    http_write_fn apply;
    http_respond_fn respond;
    void *arg;
    void (*free_arg)(void *);
    struct http_request *r;
    int status;
};

static int write_job_apply(void *ctx, struct writer_job *job)
{
    struct write_job *w = (struct write_job *)job;
    return w->apply(ingest_store(ctx), w->arg, &job->error);
}

static void write_job_done(struct writer_job *job, int status)
{
    struct write_job *w = (struct write_job *)job;
    w->status = status;
    http_resume(w->r);
    http_release(w->r);
}

static void write_job_free(struct write_job *w)
{
    if (!w) return;
    if (w->free_arg) w->free_arg(w->arg);
    free(w);
}

void http_submit_write(struct http_request *r, http_write_fn apply, http_respond_fn respond,
                       void *arg, void (*free_arg)(void *))
{
    struct write_job *w = xcalloc(1, sizeof *w);
    w->job.apply = write_job_apply;
    w->job.done = write_job_done;
    w->job.weight = 1;
    w->apply = apply;
    w->respond = respond;
    w->arg = arg;
    w->free_arg = free_arg;
    w->r = r;
    r->pending_write = w;
    http_retain(r);
    http_suspend(r);
    if (writer_submit(r->srv->app->writer, &w->job) < 0) {
        http_resume(r);
        http_release(r);
        r->pending_write = NULL;
        write_job_free(w);
        http_add_header(r, "Retry-After", "1");
        http_respond_error(r, 503, NULL, "the platform is saturated; retry shortly");
    }
}

/* Writer thread: the request's data is committed (or refused); wake the connection. */
static void ingest_job_done(struct writer_job *job, int status)
{
    (void)status;
    struct ingest_request *req = (struct ingest_request *)job;
    struct http_request *r = req->user;
    http_resume(r);
    http_release(r);
}

static void respond_from_ingest(struct http_request *r)
{
    struct ingest_request *req = r->pending;
    buf b;
    buf_init(&b, (size_t)-1);
    ingest_write_response(req, &b);
    int status = ingest_response_status(req);
    if (req->body == BODY_RESOURCE && req->count && req->items[0].id[0] && status < 300) {
        const char *type = ingest_item_type_name(req->items[0].type);
        char location[200];
        snprintf(location, sizeof location, "/fhir/%s/%s/_history/%d", type ? type : "",
                 req->items[0].id, req->items[0].version ? req->items[0].version : 1);
        http_add_header(r, "Location", location);
    }
    http_respond(r, status, FHIR_CONTENT_TYPE, &b);
}

void http_submit_ingest(struct http_request *r, struct ingest_request *req)
{
    r->pending = req;
    if (r->authenticated) ingest_request_set_principal(req, &r->who);
    if (!ingest_request_has_work(req)) {
        respond_from_ingest(r);
        return;
    }
    req->user = r;
    req->job.done = ingest_job_done;
    http_retain(r);
    /* Suspend before submitting: the writer may finish before this function returns, and
     * resuming a connection that is not suspended is not allowed. */
    http_suspend(r);
    if (writer_submit(r->srv->app->writer, &req->job) < 0) {
        http_resume(r);
        http_release(r);
        http_add_header(r, "Retry-After", "1");
        http_respond_outcome(r, 503, "transient", NULL,
                             "the platform is saturated; nothing was stored, retry shortly");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server *srv = cls;
    struct http_request *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        atomic_init(&r->refs, 1);
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->url = url;
        buf_init(&r->body, (size_t)srv->app->max_body);
        *con_cls = r;
        int status;
        r->route = http_route_match(method, url, r->params, r->param_scratch,
                                    sizeof r->param_scratch, &status);
        if (!r->route) {
            if (status == 405)
                http_respond_outcome(r, 405, "not-supported", NULL, "%s is not allowed on %s",
                                     method, url);
            else
                http_respond_outcome(r, 404, "not-found", NULL, "no endpoint %s %s", method, url);
            return queue(r);
        }
        if (!authorize(r)) {
            reader_release(r);
            return queue(r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->responded) {
            *upload_data_size = 0; /* already answered: discard the rest of the body */
        } else if (r->route->stream) {
            size_t n = *upload_data_size;
            *upload_data_size = 0;
            r->route->stream(r, upload_data, n);
        } else {
            if (!r->too_large && buf_append(&r->body, upload_data, *upload_data_size) < 0)
                r->too_large = true;
            *upload_data_size = 0;
        }
        return MHD_YES;
    }
    if (r->responded) {
        reader_release(r);
        return queue(r);
    }
    if (r->pending) {
        respond_from_ingest(r);
        return queue(r);
    }
    if (r->pending_write) {
        struct write_job *w = r->pending_write;
        w->respond(r, w->arg, w->status, &w->job.error);
        if (!r->responded) http_respond_error(r, 500, NULL, "no answer was produced");
        reader_release(r);
        return queue(r);
    }
    if (r->dispatched && !r->route->stream) return MHD_YES; /* woken early: keep waiting */
    r->dispatched = true;
    if (r->too_large) {
        http_respond_outcome(r, 413, "too-long", NULL,
                             "the body is larger than the limit of %lld bytes (server.max_body); "
                             "send a smaller Bundle or stream NDJSON to /fhir/$import",
                             (long long)srv->app->max_body);
    } else if (r->route->stream) {
        r->route->stream(r, NULL, 0);
    } else {
        r->route->handler(r);
    }
    if (r->responded) {
        reader_release(r);
        return queue(r);
    }
    reader_release(r);
    return MHD_YES; /* suspended: answered when resumed */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    struct http_request *r = *con_cls;
    if (r) http_release(r);
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    log_warn("http: %s", msg);
}

http_server *http_server_start(struct http_app *app, const char *listen, verr *e)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        verr_fail(e, "--listen '%s': expected HOST:PORT", listen);
        return NULL;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        verr_fail(e, "--listen '%s': bad port", listen);
        return NULL;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        verr_fail(e, "--listen '%s': HOST must be an IPv4 address", listen);
        return NULL;
    }
    http_server *srv = xcalloc(1, sizeof *srv);
    srv->app = app;
    pthread_mutex_init(&srv->readers_lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, srv, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(app->threads > 0 ? app->threads : 2),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!srv->daemon) {
        verr_fail(e, "cannot listen on %s (address in use, or not permitted)", listen);
        pthread_mutex_destroy(&srv->readers_lock);
        free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (int)port;
    return srv;
}

int http_server_port(http_server *srv)
{
    return srv->port;
}

void http_server_stop(http_server *srv)
{
    if (!srv) return;
    MHD_stop_daemon(srv->daemon);
    for (int i = 0; i < srv->reader_count; i++) store_close(srv->readers[i]);
    pthread_mutex_destroy(&srv->readers_lock);
    free(srv);
}
