/* Shared by the end-to-end test programs: start `vigie serve` on a free port with a fresh
 * database and the standard users, and make HTTP requests to it. */
#ifndef VIGIE_E2E_HARNESS_H
#define VIGIE_E2E_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

struct e2e_server {
    char vigie[512];   /* path of the vigie binary */
    char dir[256];     /* temporary directory */
    char db[300];
    char base_url[64];
    pid_t pid;
    int port;
    char config[300];  /* a configuration file for vigie serve --config, or "" */
};

/* Users created by e2e_users_create, with their role and territory or patient. */
struct e2e_user {
    const char *name;
    const char *role;
    const char *territory; /* or NULL */
    const char *patient;   /* or NULL */
    char token[64];        /* after login (or the key, for gateways) */
};

extern struct e2e_user e2e_users[];

/* Creates a temporary directory and database with the standard users. */
int e2e_prepare(struct e2e_server *s, const char *vigie);
/* Starts (or restarts) the server on the prepared database; waits until it listens. */
int e2e_start(struct e2e_server *s);
/* Stops with SIGTERM (graceful) or SIGKILL. Returns the exit status of a graceful stop
 * (non-zero when the server failed, e.g. a sanitizer report), 0 after SIGKILL. */
int e2e_stop(struct e2e_server *s, bool kill_hard);
/* Logs every standard user in; gateways get a key. */
int e2e_login_all(struct e2e_server *s);
const char *e2e_token(const char *user);
/* Removes the temporary directory. */
void e2e_cleanup(struct e2e_server *s);
/* Runs a vigie command on the server's database; returns the exit status. */
int e2e_vigie(struct e2e_server *s, const char *args, buf *out);

struct e2e_response {
    long status;
    buf body;
    buf headers;
};

/* One request; `token` may be NULL. Returns 0 when an answer came (any status). */
int e2e_request(struct e2e_server *s, const char *method, const char *path, const char *token,
                const char *content_type, const char *body, size_t body_len,
                struct e2e_response *resp);
void e2e_response_free(struct e2e_response *resp);

/* Prints one TAP test point ("ok N - ..." or "not ok N - ...") and counts the failures. */
void e2e_tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* How many points failed so far. */
int e2e_tap_failures(void);

#endif
