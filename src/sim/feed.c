/* Feeding a running server with a simulated programme's signals over HTTP, each resource
 * sent by the person or device that would send it, with their own credentials: a gateway
 * (its key) for the patient's device readings, the caregiver or the professional who wrote
 * a report, the professional who asks for advice or measured during a visit, the region's
 * planner for the enrolment (Patient) and the territory's GP for the diagnoses (Condition).
 * Pacing follows the clinical clock: at --speed 60 a simulated hour passes in a minute, and
 * nothing is sent before its own clinical time (the server refuses the future), so a feed
 * that catches up with the wall clock goes on in real time. */
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES (1u << 20)
#define RETRIES        5

struct account {
    char *username, *secret; /* password, or key for gateways */
    bool is_key;
    char token[128];
};

struct enrolment {
    char *patient, *gateway, *territory;
    char *body; /* the enrolment request (DESIGN §9), sent once the Patient exists */
};

struct feeder {
    const struct sim_feed_options *opt;
    char start[40]; /* the programme's first day: the enrolments' start */
    struct account *accounts;
    size_t account_count, account_cap;
    struct enrolment *patients;
    size_t patient_count, patient_cap;
    CURL *curl;
    struct curl_slist *headers;
    buf response;
    struct sim_feed_stats *stats;
    verr *e;
};

static int compare_account(const void *a, const void *b)
{
    return strcmp(((const struct account *)a)->username, ((const struct account *)b)->username);
}

static int compare_enrolment(const void *a, const void *b)
{
    return strcmp(((const struct enrolment *)a)->patient, ((const struct enrolment *)b)->patient);
}

static struct account *find_account(struct feeder *f, const char *username)
{
    struct account key = {.username = (char *)username};
    return bsearch(&key, f->accounts, f->account_count, sizeof key, compare_account);
}

static struct enrolment *find_patient(struct feeder *f, const char *patient)
{
    struct enrolment key = {.patient = (char *)patient};
    return bsearch(&key, f->patients, f->patient_count, sizeof key, compare_enrolment);
}

/* Accounts are appended, then sorted once (sort_accounts) before any lookup. */
static void add_account(struct feeder *f, const char *username, const char *secret, bool is_key)
{
    if (f->account_count == f->account_cap) {
        f->account_cap = f->account_cap ? f->account_cap * 2 : 256;
        f->accounts = xrealloc(f->accounts, f->account_cap * sizeof *f->accounts);
    }
    struct account *n = &f->accounts[f->account_count++];
    memset(n, 0, sizeof *n);
    n->username = xstrdup(username);
    n->secret = xstrdup(secret);
    n->is_key = is_key;
}

static void sort_accounts(struct feeder *f)
{
    qsort(f->accounts, f->account_count, sizeof *f->accounts, compare_account);
}

static int programme_line(void *arg, json_t *obj, const char *where, verr *e)
{
    struct feeder *f = arg;
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!type) return verr_fail(e, "%s: not a programme line (no \"type\")", where);
    if (!strcmp(type, "programme")) {
        const char *start = json_string_value(json_object_get(obj, "start"));
        snprintf(f->start, sizeof f->start, "%s", start ? start : "");
    } else if (!strcmp(type, "user")) {
        const char *u = json_string_value(json_object_get(obj, "username"));
        const char *p = json_string_value(json_object_get(obj, "password"));
        if (u && p) add_account(f, u, p, false);
    } else if (!strcmp(type, "patient")) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        const char *gw = json_string_value(json_object_get(obj, "gateway"));
        const char *t = json_string_value(json_object_get(obj, "territory"));
        if (!id || !gw || !t)
            return verr_fail(e, "%s: a patient needs id, gateway and territory", where);
        if (f->patient_count == f->patient_cap) {
            f->patient_cap = f->patient_cap ? f->patient_cap * 2 : 1024;
            f->patients = xrealloc(f->patients, f->patient_cap * sizeof *f->patients);
        }
        json_t *body = json_pack("{s:s, s:O, s:O}", "patient", id, "conditions",
                                 json_object_get(obj, "conditions"), "expected",
                                 json_object_get(obj, "expected"));
        if (body && f->start[0]) json_object_set_new(body, "start", json_string(f->start));
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (!text) return verr_fail(e, "%s: a patient needs conditions and expected", where);
        f->patients[f->patient_count++] =
            (struct enrolment){xstrdup(id), xstrdup(gw), xstrdup(t), text};
    }
    return 0;
}

static int read_programme(struct feeder *f, FILE *in, verr *e)
{
    int rc = sim_each_json_line(in, "programme", LINE_MAX_BYTES * 16, programme_line, f, e);
    qsort(f->patients, f->patient_count, sizeof *f->patients, compare_enrolment);
    sort_accounts(f);
    return rc;
}

/* A gateway's key (from `vigie sim load`) replaces the password the programme gave it. */
static int read_keys(struct feeder *f, const char *path, verr *e)
{
    FILE *in = fopen(path, "r");
    if (!in) return verr_fail(e, "%s: %s", path, strerror(errno));
    char user[128], key[256];
    size_t before = f->account_count;
    while (fscanf(in, "%127s %255s", user, key) == 2) {
        struct account *a = bsearch(&(struct account){.username = user}, f->accounts, before,
                                    sizeof *f->accounts, compare_account);
        if (a) {
            free(a->secret);
            a->secret = xstrdup(key);
            a->is_key = true;
        } else {
            add_account(f, user, key, true);
        }
    }
    fclose(in);
    sort_accounts(f);
    return 0;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    buf *b = arg;
    return buf_append(b, data, size * n) < 0 ? 0 : size * n;
}

/* Sends a body (POST, or PUT when `put`); returns the HTTP status, or -1 when no answer
 * came (connection refused). */
static long request(struct feeder *f, bool put, const char *path, const char *content_type,
                    const char *token, const char *body, size_t n)
{
    char url[1024], auth[200], ctype[96];
    snprintf(url, sizeof url, "%s%s", f->opt->url, path);
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
    struct curl_slist *headers = curl_slist_append(NULL, ctype);
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    buf_reset(&f->response);
    curl_easy_setopt(f->curl, CURLOPT_URL, url);
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(f->curl, CURLOPT_CUSTOMREQUEST, put ? "PUT" : NULL);
    CURLcode rc = curl_easy_perform(f->curl);
    curl_slist_free_all(headers);
    long status = -1;
    if (rc == CURLE_OK) curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int log_in(struct feeder *f, struct account *a)
{
    if (a->is_key) {
        snprintf(a->token, sizeof a->token, "%s", a->secret);
        return 0;
    }
    json_t *req = json_pack("{s:s, s:s}", "username", a->username, "password", a->secret);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    long status = request(f, false, "/api/login", "application/json", NULL, body, strlen(body));
    free(body);
    if (status != 200)
        return verr_fail(f->e, "login as %s: %s", a->username,
                         status < 0 ? "no answer from the server" : buf_cstr(&f->response));
    json_t *resp = json_loads(buf_cstr(&f->response), 0, NULL);
    const char *token = json_string_value(json_object_get(resp, "token"));
    if (!token || strlen(token) >= sizeof a->token) {
        json_decref(resp);
        return verr_fail(f->e, "login as %s: no token in the answer", a->username);
    }
    snprintf(a->token, sizeof a->token, "%s", token);
    json_decref(resp);
    f->stats->logins++;
    return 0;
}

static const char *after_slash(const char *ref)
{
    const char *slash = ref ? strrchr(ref, '/') : NULL;
    return slash ? slash + 1 : ref;
}

/* Who sends this resource, and its clinical time (STORE-less: -1 when it has none). */
static void route(struct feeder *f, json_t *res, const char *type, char sender[96], int64_t *at)
{
    const char *subject = after_slash(
        json_string_value(json_object_get(json_object_get(res, "subject"), "reference")));
    const char *time_key = NULL;
    sender[0] = '\0';
    *at = -1;
    if (!strcmp(type, "Patient")) {
        subject = json_string_value(json_object_get(res, "id"));
    }
    struct enrolment *en = subject ? find_patient(f, subject) : NULL;
    if (!strcmp(type, "Patient")) {
        /* t-84-1 -> planner-84 */
        if (en) {
            const char *dash = strrchr(en->territory, '-');
            snprintf(sender, 96, "planner-%.*s", dash ? (int)(dash - en->territory - 2) : 0,
                     en->territory + 2);
        }
    } else if (!strcmp(type, "Condition")) {
        if (en) snprintf(sender, 96, "pro-%s-2", en->territory + 2); /* the GP */
    } else if (!strcmp(type, "Observation")) {
        time_key = "effectiveDateTime";
        json_t *performer = json_array_get(json_object_get(res, "performer"), 0);
        const char *who = after_slash(json_string_value(json_object_get(performer, "reference")));
        if (who)
            snprintf(sender, 96, "%s", who);
        else if (en)
            snprintf(sender, 96, "%s", en->gateway);
    } else if (!strcmp(type, "Communication")) {
        time_key = "sent";
        const char *who = after_slash(
            json_string_value(json_object_get(json_object_get(res, "sender"), "reference")));
        if (who) snprintf(sender, 96, "%s", who);
    } else if (!strcmp(type, "ServiceRequest")) {
        time_key = "authoredOn";
        const char *who = after_slash(
            json_string_value(json_object_get(json_object_get(res, "requester"), "reference")));
        if (who) snprintf(sender, 96, "%s", who);
    }
    const char *text = time_key ? json_string_value(json_object_get(res, time_key)) : NULL;
    verr ignored;
    if (text) instant_parse(text, strlen(text), at, NULL, &ignored);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps until the monotonic clock reaches `due`, waking to check for a stop request. */
static bool wait_until(const struct sim_feed_options *opt, int64_t due)
{
    for (;;) {
        if (opt->stop && *opt->stop) return false;
        int64_t left = due - monotonic_ms();
        if (left <= 0) return true;
        if (left > 200) left = 200;
        struct timespec ts = {left / 1000, (left % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
}

static void note_rejection(struct feeder *f, const char *type, const char *sender, long status)
{
    f->stats->rejected++;
    if (!f->opt->log || f->stats->rejected > 10) return;
    json_t *oo = json_loads(buf_cstr(&f->response), 0, NULL);
    const char *why = json_string_value(
        json_object_get(json_array_get(json_object_get(oo, "issue"), 0), "diagnostics"));
    fprintf(f->opt->log, "vigie sim feed: %s from %s refused (%ld): %s\n", type, sender, status,
            why ? why : buf_cstr(&f->response));
    json_decref(oo);
}

/* Sends one resource as `sender`, logging in (again) when needed and retrying while the
 * server is unreachable or busy. */
static int send_resource(struct feeder *f, const char *type, const char *id, const char *sender,
                         const char *line, size_t n)
{
    struct account *a = find_account(f, sender);
    if (!a) {
        f->stats->skipped++;
        return 0;
    }
    /* A Patient keeps its id (PUT creates it under that id); other resources are created
     * with POST and found again by their identifier. */
    char path[160];
    bool put = !strcmp(type, "Patient") && id;
    if (put)
        snprintf(path, sizeof path, "/fhir/Patient/%s", id);
    else
        snprintf(path, sizeof path, "/fhir/%s", type);
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        if (!a->token[0] && log_in(f, a) < 0) return -1;
        long status = request(f, put, path, "application/fhir+json", a->token, line, n);
        if (status == 200 || status == 201) {
            f->stats->accepted++;
            return 0;
        }
        if (status == 401 && !a->is_key) {
            a->token[0] = '\0'; /* the session ended: log in again */
            continue;
        }
        if (status >= 400 && status < 500 && status != 429) {
            note_rejection(f, type, sender, status);
            return 0;
        }
        /* no answer, 429 or 5xx: the server may be starting, busy or slowing us down */
        if (!wait_until(f->opt, monotonic_ms() + 1000L * (attempt + 1))) return 0;
    }
    return verr_fail(f->e, "%s: no answer after %d attempts", f->opt->url, RETRIES);
}

/* Enrols a patient just created, as the planner who created it: POST
 * /api/territories/{id}/patients with the programme's conditions and expected measurements. */
static int enrol(struct feeder *f, const char *patient, const char *sender)
{
    struct enrolment *en = find_patient(f, patient);
    struct account *a = find_account(f, sender);
    if (!en || !a) return 0;
    char path[160];
    snprintf(path, sizeof path, "/api/territories/%s/patients", en->territory);
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        if (!a->token[0] && log_in(f, a) < 0) return -1;
        long status =
            request(f, false, path, "application/json", a->token, en->body, strlen(en->body));
        if (status == 200 || status == 201) {
            f->stats->enrolled++;
            return 0;
        }
        if (status == 401) {
            a->token[0] = '\0';
            continue;
        }
        if (status >= 400 && status < 500 && status != 429) {
            note_rejection(f, "enrolment", sender, status);
            return 0;
        }
        if (!wait_until(f->opt, monotonic_ms() + 1000L * (attempt + 1))) return 0;
    }
    return verr_fail(f->e, "%s: no answer after %d attempts", f->opt->url, RETRIES);
}

int sim_feed(const struct sim_feed_options *opt, FILE *programme, FILE *signals,
             struct sim_feed_stats *stats, verr *e)
{
    struct feeder f;
    memset(&f, 0, sizeof f);
    memset(stats, 0, sizeof *stats);
    f.opt = opt;
    f.stats = stats;
    f.e = e;
    buf_init(&f.response, 1 << 20);
    int rc = read_programme(&f, programme, e);
    if (rc == 0 && opt->keys_path) rc = read_keys(&f, opt->keys_path, e);
    f.curl = rc == 0 ? curl_easy_init() : NULL;
    if (rc == 0 && !f.curl) rc = verr_fail(e, "cannot start libcurl");
    if (f.curl) {
        curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(f.curl, CURLOPT_WRITEDATA, &f.response);
        curl_easy_setopt(f.curl, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t wall0 = monotonic_ms(), clinical0 = -1, last_progress = wall0;
    while (rc == 0 && (len = getline(&line, &cap, signals)) >= 0) {
        if (opt->stop && *opt->stop) break;
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (n == 0) continue;
        if (n > LINE_MAX_BYTES) {
            rc = verr_fail(e, "signals: a line is longer than %u bytes", LINE_MAX_BYTES);
            break;
        }
        json_t *res = json_loadb(line, n, 0, NULL);
        const char *type = json_string_value(json_object_get(res, "resourceType"));
        if (!type) {
            json_decref(res);
            rc = verr_fail(e, "signals: a line is not a FHIR resource");
            break;
        }
        char sender[96], type_copy[32], id[80];
        int64_t at;
        route(&f, res, type, sender, &at);
        snprintf(type_copy, sizeof type_copy, "%s", type);
        const char *rid = json_string_value(json_object_get(res, "id"));
        snprintf(id, sizeof id, "%s", rid ? rid : "");
        json_decref(res);
        if (at >= 0) {
            if (clinical0 < 0) clinical0 = at;
            int64_t offset = at - clinical0 - opt->backfill_ms;
            int64_t due = wall0;
            if (opt->speed > 0 && offset > 0) due += (int64_t)(offset / opt->speed);
            /* never before its own clinical time: the server refuses the future */
            int64_t ahead = at - instant_now_ms();
            if (ahead > 0 && monotonic_ms() + ahead > due) due = monotonic_ms() + ahead;
            if (!wait_until(opt, due)) break;
            stats->clinical_ms = at;
        }
        rc = send_resource(&f, type_copy, id[0] ? id : NULL, sender, line, n);
        if (rc == 0 && !strcmp(type_copy, "Patient") && id[0]) rc = enrol(&f, id, sender);
        stats->sent++;
        if (opt->log && monotonic_ms() - last_progress >= 10000) {
            last_progress = monotonic_ms();
            char when[40] = "";
            if (stats->clinical_ms) instant_format_utc(stats->clinical_ms, when);
            fprintf(opt->log,
                    "vigie sim feed: %llu sent, %llu accepted, %llu refused; clinical time %s\n",
                    (unsigned long long)stats->sent, (unsigned long long)stats->accepted,
                    (unsigned long long)stats->rejected, when);
        }
    }
    free(line);
    if (f.curl) curl_easy_cleanup(f.curl);
    for (size_t i = 0; i < f.account_count; i++) {
        free(f.accounts[i].username);
        free(f.accounts[i].secret);
    }
    free(f.accounts);
    for (size_t i = 0; i < f.patient_count; i++) {
        free(f.patients[i].patient);
        free(f.patients[i].gateway);
        free(f.patients[i].territory);
        free(f.patients[i].body);
    }
    free(f.patients);
    buf_free(&f.response);
    return rc;
}
