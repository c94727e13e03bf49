#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
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

int e2e_prepare(struct e2e_server *s, const char *vigie)
{
    memset(s, 0, sizeof *s);
    snprintf(s->vigie, sizeof s->vigie, "%s", vigie);
    snprintf(s->dir, sizeof s->dir, "/tmp/vigie-e2e-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->db, sizeof s->db, "%s/vigie.db", s->dir);
    for (struct e2e_user *u = e2e_users; u->name; u++) {
        char args[1024];
        int n = snprintf(args, sizeof args, "user add --db %s --username %s --role %s", s->db,
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
            snprintf(args, sizeof args, "user key --db %s --username %s", s->db, u->name);
            if (e2e_vigie(s, args, &out) != 0) return -1;
            snprintf(u->token, sizeof u->token, "%.*s", (int)strcspn(buf_cstr(&out), "\n"),
                     buf_cstr(&out));
            buf_free(&out);
        }
    }
    return 0;
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
