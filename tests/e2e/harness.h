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
    char db[300];      /* SQLite file, or PostgreSQL URI */
    char databases[4][64]; /* PostgreSQL databases created for this server (dropped at cleanup) */
    int database_count;
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

/* Creates a temporary directory and database with the standard users. The database is a
 * SQLite file, or a database of its own on the PostgreSQL cluster of tests/pg/with-cluster
 * when VIGIE_TEST_DB_ENGINE=postgres (then s->db is its URI). */
int e2e_prepare(struct e2e_server *s, const char *vigie);
/* True when the tests run against PostgreSQL. */
bool e2e_postgres(void);
/* A second node of the same platform: another server (its own directory and port) on the
 * database of `first` (PostgreSQL), with the same users and tokens. */
int e2e_prepare_node(struct e2e_server *s, const struct e2e_server *first);
/* A new empty database target beside s's (a file in s->dir, or a database on the cluster),
 * removed with s by e2e_cleanup. */
int e2e_new_database(struct e2e_server *s, char *target, size_t n);
/* Starts (or restarts) the server on the prepared database; waits until it listens. */
int e2e_start(struct e2e_server *s);
/* Stops with SIGTERM (graceful) or SIGKILL. Returns the exit status of a graceful stop
 * (non-zero when the server failed, e.g. a sanitizer report), 0 after SIGKILL. */
int e2e_stop(struct e2e_server *s, bool kill_hard);
/* Logs every standard user in; gateways get a key. */
int e2e_login_all(struct e2e_server *s);
const char *e2e_token(const char *user);
/* Removes the temporary directory (and drops the server's databases on PostgreSQL). */
void e2e_cleanup(struct e2e_server *s);

/* SQL on the server's database, either engine. Values come as text in SQLite's spelling
 * where the engines differ (booleans 1 and 0); NULL is a NULL pointer. fn returning non-zero
 * stops. Return -1 on error, else the number of rows. */
int e2e_sql_rows(struct e2e_server *s, const char *sql,
                 int (*fn)(void *arg, int columns, const char *const *values), void *arg);
/* The first column of the first row as text into out ("" for NULL); 1 when no row. */
int e2e_sql_text(struct e2e_server *s, const char *sql, buf *out);
/* The first column of the first row as an integer; -1 on error or no row. */
long long e2e_sql_int(struct e2e_server *s, const char *sql);
/* How many of n Observation ids (each id_size bytes apart in memory, a NUL-terminated text at
 * the start of each) are not stored exactly once as a current version; -1 on error. */
long long e2e_missing_observations(struct e2e_server *s, const char *ids, size_t id_size, int n);
/* A literal of these bytes in the engine's SQL: x'0a1b' or '\x0a1b'::bytea. */
void e2e_sql_bytes(const unsigned char *b, size_t n, char *out, size_t size);
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
