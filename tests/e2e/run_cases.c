/* End-to-end cases as data files (tests/e2e/cases, one NAME.case each), run against a
 * real server.
 *
 * A case is a sequence of steps:
 *
 *   # first comment line: what the case shows
 *   --- request
 *   POST /fhir/Observation          method and path (@name is replaced, see below)
 *   Authorization: Bearer @nurse1   headers until a blank line
 *   Content-Type: application/fhir+json
 *
 *   {...body...}                    until the next "---" line; or "@file PATH" (relative to
 *                                   the case), or "@bytes N" (N bytes of 'x')
 *   --- expect
 *   status 201
 *   header Location ~ ^/fhir/Observation/      (POSIX extended regex)
 *   body ~ created
 *   json issue[0].expression[0] = "Observation.subject"   (JSON value)
 *   json issue[0].diagnostics ~ impossible
 *   capture obs = json issue[0].diagnostics ~ Observation/([a-z0-9]+)   (group 1 -> @obs)
 *   --- state
 *   sql SELECT count(*) FROM observation WHERE ... ;  = 1
 *   --- sleep 1.5                   lets the server's once-a-second timer run
 *
 * @user is replaced by that standard user's token; @name by a captured value.
 * Each case file is one TAP test point. A third argument names a configuration file the
 * server starts with (e2e_diagnosis: tests/e2e/data/diagnosis.conf). */
#include "harness.h"

#include <dirent.h>
#include <jansson.h>
#include <regex.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CAPTURES 32

struct capture {
    char name[64];
    char value[512];
};

struct run {
    struct e2e_server *srv;
    const char *case_dir;
    struct capture captures[MAX_CAPTURES];
    int capture_count;
    struct e2e_response last;
    bool have_last;
    char failure[2048];
};

static int fail(struct run *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct run *r, int line, const char *fmt, ...)
{
    int n = snprintf(r->failure, sizeof r->failure, "line %d: ", line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->failure + n, sizeof r->failure - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Replaces @name tokens (users' tokens, captures) in text. */
static void substitute(struct run *r, const char *text, buf *out)
{
    buf_reset(out);
    for (const char *p = text; *p;) {
        if (*p == '@' && (p[1] == '_' || (p[1] >= 'a' && p[1] <= 'z'))) {
            size_t n = 1;
            while (p[n] == '_' || p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') ||
                   (p[n] >= '0' && p[n] <= '9'))
                n++;
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(n - 1), p + 1);
            const char *value = e2e_token(name);
            for (int i = 0; !value && i < r->capture_count; i++)
                if (!strcmp(r->captures[i].name, name)) value = r->captures[i].value;
            if (value) {
                buf_puts(out, value);
                p += n;
                continue;
            }
        }
        buf_putc(out, *p++);
    }
}

/* Evaluates a path like issue[0].expression[0] on j. */
static json_t *json_path(json_t *j, const char *path)
{
    const char *p = path;
    while (j && *p) {
        if (*p == '.') p++;
        if (*p == '[') {
            size_t idx = strtoul(p + 1, (char **)&p, 10);
            if (*p != ']') return NULL;
            p++;
            j = json_array_get(j, idx);
            continue;
        }
        size_t n = strcspn(p, ".[");
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        j = json_object_get(j, key);
        p += n;
    }
    return j;
}

static bool regex_match(const char *pattern, const char *text, char *group, size_t group_size)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE) != 0) return false;
    regmatch_t m[2];
    bool ok = regexec(&re, text, 2, m, 0) == 0;
    if (ok && group && m[1].rm_so >= 0)
        snprintf(group, group_size, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), text + m[1].rm_so);
    regfree(&re);
    return ok;
}

static const char *header_value(struct e2e_response *resp, const char *name, char *out,
                                size_t n)
{
    const char *h = buf_cstr(&resp->headers);
    size_t len = strlen(name);
    for (const char *line = h; *line;) {
        if (!strncasecmp(line, name, len) && line[len] == ':') {
            const char *v = line + len + 1;
            while (*v == ' ') v++;
            snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
            return out;
        }
        const char *nl = strchr(line, '\n');
        if (!nl) break;
        line = nl + 1;
    }
    return NULL;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data) data[n] = '\0';
    *len = (size_t)n;
    return data;
}

static int do_request(struct run *r, char **lines, int start, int end)
{
    buf text;
    buf_init(&text, (size_t)1 << 30);
    substitute(r, lines[start], &text);
    char method[16], path[4096];
    if (sscanf(buf_cstr(&text), "%15s %4095s", method, path) != 2) {
        buf_free(&text);
        return fail(r, start + 1, "expected METHOD PATH");
    }
    char token[256] = "", content_type[128] = "";
    int i = start + 1;
    for (; i < end && lines[i][0]; i++) {
        substitute(r, lines[i], &text);
        const char *h = buf_cstr(&text);
        if (!strncasecmp(h, "Authorization: Bearer ", 22))
            snprintf(token, sizeof token, "%s", h + 22);
        else if (!strncasecmp(h, "Content-Type: ", 14))
            snprintf(content_type, sizeof content_type, "%s", h + 14);
    }
    buf body;
    buf_init(&body, (size_t)1 << 31);
    bool has_body = false;
    for (i++; i < end; i++) {
        has_body = true;
        if (!strncmp(lines[i], "@file ", 6)) {
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", r->case_dir, lines[i] + 6);
            size_t n;
            char *data = read_file(p, &n);
            if (!data) {
                buf_free(&text);
                buf_free(&body);
                return fail(r, i + 1, "cannot read %s", p);
            }
            buf_append(&body, data, n);
            free(data);
        } else if (!strncmp(lines[i], "@bytes ", 7)) {
            size_t n = strtoul(lines[i] + 7, NULL, 10);
            for (size_t k = 0; k < n; k++) buf_putc(&body, 'x');
        } else {
            substitute(r, lines[i], &text);
            buf_puts(&body, buf_cstr(&text));
            buf_putc(&body, '\n');
        }
    }
    if (r->have_last) e2e_response_free(&r->last);
    int rc = e2e_request(r->srv, method, path, token[0] ? token : NULL,
                         content_type[0] ? content_type : NULL, has_body ? buf_cstr(&body) : NULL,
                         body.len, &r->last);
    r->have_last = true;
    buf_free(&text);
    buf_free(&body);
    if (rc < 0) return fail(r, start + 1, "no answer from the server to %s %s", method, path);
    return 0;
}

static int check_json(struct run *r, int line, const char *spec, json_t *doc, char *group,
                      size_t group_size)
{
    char path[256];
    size_t n = strcspn(spec, " ");
    snprintf(path, sizeof path, "%.*s", (int)n, spec);
    const char *rest = spec + n;
    while (*rest == ' ') rest++;
    json_t *v = json_path(doc, path);
    if (!v) return fail(r, line, "json %s: absent in %.300s", path, buf_cstr(&r->last.body));
    if (rest[0] == '~') {
        const char *pattern = rest + 1;
        while (*pattern == ' ') pattern++;
        char *text = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
        bool ok = regex_match(pattern, text, group, group_size);
        int result = ok ? 0 : fail(r, line, "json %s = %.300s does not match %s", path, text, pattern);
        free(text);
        return result;
    }
    if (rest[0] == '=') {
        json_error_t err;
        json_t *expected = json_loads(rest + 1, JSON_DECODE_ANY, &err);
        if (!expected) return fail(r, line, "bad expected JSON: %s", err.text);
        bool ok = json_equal(v, expected);
        char *got = json_dumps(v, JSON_ENCODE_ANY);
        int result = ok ? 0 : fail(r, line, "json %s = %.300s, expected %s", path, got, rest + 1);
        free(got);
        json_decref(expected);
        return result;
    }
    return fail(r, line, "expected '= VALUE' or '~ REGEX' after json %s", path);
}

static int do_expect(struct run *r, char **lines, int start, int end)
{
    if (!r->have_last) return fail(r, start, "expect without a request");
    json_t *doc = json_loads(buf_cstr(&r->last.body), 0, NULL);
    int result = 0;
    buf text;
    buf_init(&text, 1 << 20);
    for (int i = start; i < end && result == 0; i++) {
        substitute(r, lines[i], &text);
        const char *l = buf_cstr(&text);
        if (!l[0] || l[0] == '#') continue;
        if (!strncmp(l, "status ", 7)) {
            long want = strtol(l + 7, NULL, 10);
            if (want != r->last.status)
                result = fail(r, i + 1, "status %ld, expected %ld; body: %.500s", r->last.status,
                              want, buf_cstr(&r->last.body));
        } else if (!strncmp(l, "header ", 7)) {
            char name[64], value[1024];
            size_t n = strcspn(l + 7, " ");
            snprintf(name, sizeof name, "%.*s", (int)n, l + 7);
            const char *pattern = strchr(l + 7, '~');
            if (!pattern) {
                result = fail(r, i + 1, "header NAME ~ REGEX");
            } else if (!header_value(&r->last, name, value, sizeof value)) {
                result = fail(r, i + 1, "no header %s", name);
            } else {
                pattern++;
                while (*pattern == ' ') pattern++;
                if (!regex_match(pattern, value, NULL, 0))
                    result = fail(r, i + 1, "header %s = %s does not match %s", name, value,
                                  pattern);
            }
        } else if (!strncmp(l, "body ~ ", 7)) {
            if (!regex_match(l + 7, buf_cstr(&r->last.body), NULL, 0))
                result = fail(r, i + 1, "body does not match %s: %.500s", l + 7,
                              buf_cstr(&r->last.body));
        } else if (!strncmp(l, "body !~ ", 8)) {
            if (regex_match(l + 8, buf_cstr(&r->last.body), NULL, 0))
                result = fail(r, i + 1, "body matches %s but must not: %.500s", l + 8,
                              buf_cstr(&r->last.body));
        } else if (!strncmp(l, "json ", 5)) {
            result = doc ? check_json(r, i + 1, l + 5, doc, NULL, 0)
                         : fail(r, i + 1, "the body is not JSON: %.300s", buf_cstr(&r->last.body));
        } else if (!strncmp(l, "capture ", 8)) {
            char name[64] = "";
            if (sscanf(l, "capture %63s", name) != 1) name[0] = '\0';
            const char *spec = strstr(l, "= json ");
            if (!spec || !doc || r->capture_count == MAX_CAPTURES) {
                result = fail(r, i + 1, "capture NAME = json PATH ~ REGEX(group)");
            } else {
                struct capture *c = &r->captures[r->capture_count];
                snprintf(c->name, sizeof c->name, "%s", name);
                result = check_json(r, i + 1, spec + 7, doc, c->value, sizeof c->value);
                if (result == 0) r->capture_count++;
            }
        } else {
            result = fail(r, i + 1, "unknown expectation: %s", l);
        }
    }
    buf_free(&text);
    json_decref(doc);
    return result;
}

/* Equal as the engines print values: numbers compare as numbers ("71.0" from SQLite is
 * "71" from PostgreSQL), the rest as text. */
static bool same_value(const char *got, const char *expected)
{
    while (*got && *expected) {
        bool gn = isdigit((unsigned char)*got), en = isdigit((unsigned char)*expected);
        if (gn && en) {
            char *ge, *ee;
            double g = strtod(got, &ge), x = strtod(expected, &ee);
            if (g != x) return false;
            got = ge;
            expected = ee;
            continue;
        }
        if (*got++ != *expected++) return false;
    }
    return !*got && !*expected;
}

static int do_state(struct run *r, char **lines, int start, int end)
{
    int result = 0;
    buf text, value;
    buf_init(&text, 1 << 20);
    buf_init(&value, 1 << 20);
    for (int i = start; i < end && result == 0; i++) {
        substitute(r, lines[i], &text);
        const char *l = buf_cstr(&text);
        if (strncmp(l, "sql ", 4) != 0) continue;
        const char *eq = strstr(l, ";  = ");
        if (!eq) {
            result = fail(r, i + 1, "sql QUERY;  = EXPECTED");
            break;
        }
        char sql[2048];
        snprintf(sql, sizeof sql, "%.*s", (int)(eq - l - 4), l + 4);
        const char *expected = eq + 5;
        int rc = e2e_sql_text(r->srv, sql, &value);
        if (rc < 0) {
            result = fail(r, i + 1, "sql: %s failed", sql);
            break;
        }
        const char *got = rc == 1 ? "(no row)" : buf_cstr(&value);
        if (!same_value(got, expected))
            result = fail(r, i + 1, "%s gave %s, expected %s", sql, got, expected);
    }
    buf_free(&text);
    buf_free(&value);
    return result;
}

static int run_case(struct run *r, const char *path)
{
    size_t len;
    char *data = read_file(path, &len);
    if (!data) return fail(r, 0, "cannot read %s", path);
    char **lines = NULL;
    int count = 0, cap = 0;
    for (char *p = data, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            lines = realloc(lines, (size_t)cap * sizeof *lines);
        }
        lines[count++] = p;
    }
    int result = 0;
    for (int i = 0; i < count && result == 0; i++) {
        if (strncmp(lines[i], "--- ", 4) != 0) continue;
        int end = i + 1;
        while (end < count && strncmp(lines[end], "--- ", 4) != 0) end++;
        /* trailing blank lines do not belong to a body */
        int stop = end;
        while (stop > i + 1 && !lines[stop - 1][0]) stop--;
        if (!strcmp(lines[i], "--- request"))
            result = do_request(r, lines, i + 1, stop);
        else if (!strcmp(lines[i], "--- expect"))
            result = do_expect(r, lines, i + 1, stop);
        else if (!strncmp(lines[i], "--- sleep ", 10))
            usleep((useconds_t)(atof(lines[i] + 10) * 1e6)); /* let a server timer run */
        else if (!strcmp(lines[i], "--- state"))
            result = do_state(r, lines, i + 1, stop);
        else
            result = fail(r, i + 1, "unknown section %s", lines[i]);
    }
    free(lines);
    free(data);
    return result;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_case(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && !strcmp(d->d_name + n - 5, ".case");
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s VIGIE CASE_DIR [CONFIG]\n", argv[0]);
        return 2;
    }
    struct e2e_server srv;
    int prepared = e2e_prepare(&srv, argv[1]);
    /* a configuration for the server (a suite of cases needing data files or settings) */
    if (argc == 4) snprintf(srv.config, sizeof srv.config, "%s", argv[3]);
    if (prepared < 0 || e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        printf("1..1\nnot ok 1 - server start\n");
        return 1;
    }
    struct dirent **names;
    int n = scandir(argv[2], &names, is_case, by_name);
    if (n < 0) n = 0;
    printf("1..%d\n", n + 1);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        struct run r = {.srv = &srv, .case_dir = argv[2]};
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", argv[2], names[i]->d_name);
        int rc = run_case(&r, path);
        if (rc == 0) {
            printf("ok %d - %s\n", i + 1, names[i]->d_name);
        } else {
            failed++;
            printf("not ok %d - %s\n# %s\n", i + 1, names[i]->d_name, r.failure);
        }
        if (r.have_last) e2e_response_free(&r.last);
        free(names[i]);
    }
    free(names);
    int exit_status = e2e_stop(&srv, false);
    if (exit_status == 0) {
        printf("ok %d - the server stopped cleanly\n", n + 1);
    } else {
        failed++;
        printf("not ok %d - the server exited with status %d\n", n + 1, exit_status);
    }
    if (failed) {
        char log[400];
        snprintf(log, sizeof log, "tail -20 %s/serve.log | sed 's/^/# /'", srv.dir);
        if (system(log) != 0) fprintf(stderr, "no server log\n");
    }
    e2e_cleanup(&srv);
    return failed ? 1 : 0;
}
