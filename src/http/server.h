/* The HTTP server (libmicrohttpd): a small pool of threads with epoll, requests routed in
 * one place (router.c) where the caller is authenticated and the route's roles checked,
 * and connections suspended while their data waits for the writer's commit, so that a
 * handful of threads serve thousands of clients. */
#ifndef VIGIE_HTTP_SERVER_H
#define VIGIE_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/throttle.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "store/store.h"
#include "store/writer.h"

typedef struct http_server http_server;
struct http_request;

/* What the server serves: built by `vigie serve` (or a test) before http_server_start. */
struct platform;
struct stream_hub;
struct dataset;

struct http_app {
    const char *db_path;          /* for the readers' connections */
    struct platform *platform;    /* configuration of triage and cases */
    writer *writer;
    ingest *ing;
    struct stream_hub *hub;       /* live stream subscribers (set by http_server_start) */
    int64_t max_body;             /* bytes; $import streams past it */
    int threads;                  /* MHD thread pool size */
    const char *web_root;         /* static files of the console, or NULL */
    int64_t started_ms;
    audit_log *audit;             /* access decisions (platform) */
    registry *registry;           /* enrolments (platform) */
    auth_throttle *throttle;      /* failed logins, or NULL: not slowed */
    int64_t session_ttl_ms;       /* 0: 12 hours */
    struct dataset *dataset;      /* territorial data of the diagnosis API, or NULL */
};

/* Starts listening on host:port ("127.0.0.1:8080"; port 0 picks a free one). */
http_server *http_server_start(struct http_app *app, const char *listen, verr *e);
/* The console's files: the default web root (web/ of the source tree beside a build
 * directory, then ../share/vigie/web beside an installed binary, then the source tree the
 * binary was built from) into out; -1 when none is found. http_static_check_root says why
 * a --web DIR cannot serve (not a directory, no index.html). */
int http_static_default_root(char *out, size_t n);
int http_static_check_root(const char *dir, verr *e);
/* The port actually bound. */
int http_server_port(http_server *srv);
void http_server_stop(http_server *srv);

/* ---- For handlers (the endpoint files of src/http) --------------------------------- */

/* A borrowed read connection to the store, for the duration of one handler call. */
store *http_reader(struct http_request *r);
struct http_app *http_app_of(struct http_request *r);
/* Path parameter i ({...} in the route pattern), query parameter, request header. */
const char *http_param(struct http_request *r, int i);
const char *http_query(struct http_request *r, const char *name);
const char *http_header(struct http_request *r, const char *name);
/* All values of a repeated query parameter (date=ge..&date=le..); returns the count. */
int http_query_all(struct http_request *r, const char *name, const char **values, int max);
const char *http_method(struct http_request *r);
const char *http_url(struct http_request *r);
const char *http_client_address(struct http_request *r, char *out, size_t n);
/* The request body (complete, NUL-terminated) for non-streaming routes. */
const char *http_body(struct http_request *r, size_t *len);
/* Who is calling ("anonymous" on public routes). */
const char *http_caller_name(struct http_request *r);
/* The authenticated caller, or NULL on public routes. */
const struct auth_principal *http_principal(struct http_request *r);
/* May the caller do `access` on the patient with this key? Handlers answer 404 when not,
 * exactly as for an unknown patient. */
bool http_may_patient(struct http_request *r, int64_t patient_key, enum auth_access access);
/* The same when the patient's id and enrolment territory (NULL: none) are known already
 * (lists). Both record the decision in the audit trail (audit_may_patient). */
bool http_may_patient_in(struct http_request *r, const char *patient_id, const char *territory,
                         enum auth_access access);
/* The caller as the audit trail names it, for this request. */
struct audit_actor http_actor(struct http_request *r);

/* Responses: set once per request. The body is taken over. */
void http_respond(struct http_request *r, int status, const char *content_type, buf *body);
void http_respond_text(struct http_request *r, int status, const char *content_type,
                       const char *text);
void http_add_header(struct http_request *r, const char *name, const char *value);
/* An OperationOutcome with one error issue. */
void http_respond_outcome(struct http_request *r, int status, const char *code,
                          const char *expression, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A Vigie API error: {"error": {"status":..., "message":..., "field":...}}. */
void http_respond_error(struct http_request *r, int status, const char *field, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

/* A response produced piece by piece (server-sent events): reader is MHD's content reader
 * (return bytes written, 0 after http_suspend when nothing is ready, -1 at the end);
 * free_arg runs when the connection is gone. */
#include <sys/types.h>
typedef ssize_t (*http_reader_fn)(void *arg, uint64_t pos, char *buf, size_t max);
void http_respond_stream(struct http_request *r, int status, const char *content_type,
                         http_reader_fn reader, void *arg, void (*free_arg)(void *));

/* Asynchronous handlers: the request waits (suspended) for an ingest request to commit;
 * when it is done the response is written from it. Takes ownership of req. */
void http_submit_ingest(struct http_request *r, struct ingest_request *req);

/* Asynchronous writes other than ingestion: `apply` runs in the writer thread inside a
 * transaction (with the writer's store); once committed (status 0) or refused, `respond`
 * runs in the request's thread to answer. `arg` is freed with free_arg afterwards. */
typedef int (*http_write_fn)(store *s, void *arg, verr *e);
typedef void (*http_respond_fn)(struct http_request *r, void *arg, int status, const verr *e);
void http_submit_write(struct http_request *r, http_write_fn apply, http_respond_fn respond,
                       void *arg, void (*free_arg)(void *));

/* Streaming request bodies ($import): called with each chunk as it arrives, then once with
 * len 0 at the end. Returning -1 stops reading (the handler must have responded). */
typedef int (*http_stream_fn)(struct http_request *r, const char *data, size_t len);
/* Per-request state a streaming handler keeps. */
void http_set_state(struct http_request *r, void *state, void (*free_state)(void *));
void *http_state(struct http_request *r);
/* Suspends the connection until http_resume (thread-safe). */
void http_suspend(struct http_request *r);
void http_resume(struct http_request *r);
/* Holds the request alive for a job in another thread; http_release drops it. */
void http_retain(struct http_request *r);
void http_release(struct http_request *r);

#endif
