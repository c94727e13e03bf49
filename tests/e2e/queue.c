/* The queue end to end: events raised by the server are those `vigie triage` raises offline
 * for the same signals; two coordinators claiming at once (exactly one wins); the live
 * stream resumes after a disconnect without loss; a restart neither loses nor repeats
 * events; another territory sees none of it. */
#include "harness.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct e2e_server srv;
static int point, failures;

static void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", ok ? "" : "not ", ++point);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) failures++;
}

static char *iso(time_t t, char out[32])
{
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    return out;
}

static long post(const char *path, const char *token, const char *body, buf *out)
{
    struct e2e_response r;
    long status = -1;
    if (e2e_request(&srv, "POST", path, token, "application/fhir+json", body, strlen(body), &r) == 0) {
        status = r.status;
        if (out) buf_puts(out, buf_cstr(&r.body));
    }
    e2e_response_free(&r);
    return status;
}

static json_t *get_json(const char *path, const char *token, long *status)
{
    struct e2e_response r;
    json_t *j = NULL;
    *status = -1;
    if (e2e_request(&srv, "GET", path, token, NULL, NULL, 0, &r) == 0) {
        *status = r.status;
        j = json_loads(buf_cstr(&r.body), 0, NULL);
    }
    e2e_response_free(&r);
    return j;
}

static int sql_int(const char *sql)
{
    return (int)e2e_sql_int(&srv, sql);
}

static int append_line(void *arg, int columns, const char *const *values)
{
    buf *out = arg;
    if (columns > 0 && values[0]) buf_puts(out, values[0]);
    buf_putc(out, '\n');
    return 0;
}

/* The events of a patient as stored by the server, one JSON per line, in order. */
static void stored_events(buf *out)
{
    e2e_sql_rows(&srv, "SELECT json FROM event ORDER BY seq", append_line, out);
}

struct claim_race {
    const char *token;
    char path[64];
    long status;
};

static void *claim(void *arg)
{
    struct claim_race *c = arg;
    c->status = post(c->path, c->token, "", NULL);
    return NULL;
}

/* Reads the stream for up to `ms`, collecting ids of events. */
struct stream_read {
    buf text;
};

static size_t stream_collect(char *d, size_t s, size_t n, void *arg)
{
    struct stream_read *sr = arg;
    buf_append(&sr->text, d, s * n);
    return s * n;
}

static void read_stream(const char *token, const char *last_id, long ms, buf *out)
{
    CURL *c = curl_easy_init();
    char url[256], auth[128], last[64];
    snprintf(url, sizeof url, "%s/api/stream", srv.base_url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (last_id) {
        snprintf(last, sizeof last, "Last-Event-ID: %s", last_id);
        h = curl_slist_append(h, last);
    }
    struct stream_read sr;
    buf_init(&sr.text, 1 << 24);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    buf_puts(out, buf_cstr(&sr.text));
    buf_free(&sr.text);
}

struct live_read {
    const char *token;
    buf text;
};

static void *live_reader(void *arg)
{
    struct live_read *lr = arg;
    read_stream(lr->token, NULL, 2500, &lr->text);
    return NULL;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, prefix)); p++) n++;
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    const char *sample = argv[2];
    if (e2e_prepare(&srv, argv[1]) < 0 || e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        printf("1..1\nnot ok 1 - server start\n");
        return 1;
    }
    printf("1..9\n");
    const char *nurse = e2e_token("nurse1"), *coord = e2e_token("coord1"),
               *coord2 = e2e_token("coord2");

    /* 1. The sample (patients, conditions, a week of signals) through $import: the server
     * stores exactly the events `vigie triage` writes for the same file. The sample's data is
     * months old, so both treat it as late in the same way. */
    FILE *f = fopen(sample, "rb");
    buf ndjson;
    buf_init(&ndjson, 1 << 24);
    char line[8192];
    while (f && fgets(line, sizeof line, f)) {
        /* territory T01 instead of the sample's own, so the e2e users see it */
        char *t = strstr(line, "T-EURE-SUD");
        if (t) memcpy(t, "T01", 3), memmove(t + 3, t + 10, strlen(t + 10) + 1);
        buf_puts(&ndjson, line);
    }
    if (f) fclose(f);
    struct e2e_response r;
    e2e_request(&srv, "POST", "/fhir/$import", nurse, "application/fhir+ndjson", ndjson.data,
                ndjson.len, &r);
    bool imported = r.status == 200;
    e2e_response_free(&r);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "triage %s", sample);
    buf offline, online;
    buf_init(&offline, 1 << 24);
    buf_init(&online, 1 << 24);
    e2e_vigie(&srv, cmd, &offline);
    stored_events(&online);
    /* offline lines exclude stderr noise: keep lines starting with '{' */
    buf only;
    buf_init(&only, 1 << 24);
    for (char *p = offline.data; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (*p == '{') buf_append(&only, p, n);
        p += n;
    }
    /* The server's times of arrival differ from the offline clock, so the late-data wording
     * ("measured N h before it was received") may differ; everything else must be equal:
     * patient, rule, category, nature, clinical time, sources, score. */
    int n_off = 0, n_on = 0, matched = 0;
    const char *keys[] = {"patient", "rule", "category", "nature", "at", "sources", "score"};
    for (char *p = only.data; p && *p; n_off++) {
        char *nl = strchr(p, '\n');
        json_t *a = json_loadb(p, nl ? (size_t)(nl - p) : strlen(p), 0, NULL);
        int k = 0;
        for (char *q2 = online.data; q2 && *q2; k++) {
            char *nl2 = strchr(q2, '\n');
            json_t *b2 = json_loadb(q2, nl2 ? (size_t)(nl2 - q2) : strlen(q2), 0, NULL);
            if (k == n_off) {
                bool eq = a && b2;
                for (size_t i = 0; eq && i < sizeof keys / sizeof keys[0]; i++) {
                    json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b2, keys[i]);
                    eq = (!x && !y) || (x && y && json_equal(x, y));
                }
                matched += eq;
            }
            json_decref(b2);
            q2 = nl2 ? nl2 + 1 : NULL;
        }
        n_on = k;
        json_decref(a);
        p = nl ? nl + 1 : NULL;
    }
    bool same_rules = n_off == n_on && matched == n_off && n_off >= 5;
    report(imported && same_rules,
           "the server raised the same %d events as vigie triage offline (%d offline, %d equal)",
           n_on, n_off, matched);

    /* 2. Another territory sees none of it. */
    long status;
    json_t *q = get_json("/api/queue", coord2, &status);
    report(status == 200 && json_integer_value(json_object_get(q, "count")) == 0,
           "a coordinator of T02 sees an empty queue");
    json_decref(q);
    q = get_json("/api/queue", coord, &status);
    int open_cases = (int)json_integer_value(json_object_get(q, "count"));
    json_t *first = json_array_get(json_object_get(q, "cases"), 0);
    long long case_id = json_integer_value(json_object_get(first, "id"));
    report(status == 200 && open_cases >= 4, "the coordinator of T01 sees %d cases", open_cases);
    json_decref(q);
    char path[64];
    snprintf(path, sizeof path, "/api/cases/%lld", case_id);
    json_t *other = get_json(path, coord2, &status);
    report(status == 404, "case %lld answers 404 to T02, as a missing case", case_id);
    json_decref(other);

    /* 3. Two coordinators claim at once: exactly one wins, the other gets 409. */
    struct claim_race a = {.token = coord}, b = {.token = e2e_token("coord3")};
    snprintf(a.path, sizeof a.path, "/api/cases/%lld/claim", case_id);
    snprintf(b.path, sizeof b.path, "/api/cases/%lld/claim", case_id);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, claim, &a);
    pthread_create(&tb, NULL, claim, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    report((a.status == 200) + (b.status == 200) == 1 && (a.status == 409 || b.status == 409),
           "two claims at once: %ld and %ld (exactly one 200)", a.status, b.status);

    /* 4. Stream: read, disconnect, changes happen, reconnect with Last-Event-ID. */
    buf s1;
    buf_init(&s1, 1 << 24);
    read_stream(coord, "0", 800, &s1);
    int backlog = count_lines(buf_cstr(&s1), "\nid: ") + (strncmp(buf_cstr(&s1), "id: ", 4) == 0);
    char last[32] = "0";
    for (const char *p = buf_cstr(&s1); (p = strstr(p, "id: ")); p += 4)
        snprintf(last, sizeof last, "%.*s", (int)strcspn(p + 4, "\n"), p + 4);
    /* while disconnected: a close and a new case */
    snprintf(path, sizeof path, "/api/cases/%lld/close", case_id);
    const char *holder = a.status == 200 ? a.token : b.token;
    long closed = post(path, holder, "{\"outcome\":\"advice\",\"note\":\"appel, conseils\"}", NULL);
    char now[32], body[1024];
    iso(time(NULL), now);
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
             "\"Patient/p-003\"},\"effectiveDateTime\":\"%s\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"59408-5\"}]},\"valueQuantity\":{\"value\":79,"
             "\"code\":\"%%\"}}",
             now);
    long posted = post("/fhir/Observation", nurse, body, NULL);
    buf s2;
    buf_init(&s2, 1 << 24);
    read_stream(coord, last, 800, &s2);
    bool resumed = strstr(buf_cstr(&s2), "event: case.closed") &&
                   (strstr(buf_cstr(&s2), "event: case.updated") || strstr(buf_cstr(&s2), "event: case.created"));
    char first_id[32] = "";
    const char *fid = strstr(buf_cstr(&s2), "id: ");
    if (fid) snprintf(first_id, sizeof first_id, "%.*s", (int)strcspn(fid + 4, "\n"), fid + 4);
    report(closed == 200 && posted == 201 && backlog >= 4 && resumed &&
               atoll(first_id) == atoll(last) + 1,
           "the stream resumed after id %s with what was missed (first id %s)", last, first_id);
    buf s3;
    buf_init(&s3, 1 << 24);
    read_stream(coord2, "0", 500, &s3);
    report(!strstr(buf_cstr(&s3), "\"territory\":\"T01\""), "T02's stream carries nothing of T01");

    /* 4b. A change delivered live is a read of the patient's data: it is in the audit trail. */
    const char *streamed = "SELECT coalesce(sum(count), 0) FROM audit WHERE username = 'coord1' "
                           "AND what LIKE 'GET /api/stream%' AND patient = 'p-003' AND allowed = 1";
    int audited_before = sql_int(streamed);
    struct live_read lr = {.token = coord};
    buf_init(&lr.text, 1 << 24);
    pthread_t reader;
    pthread_create(&reader, NULL, live_reader, &lr);
    usleep(400 * 1000); /* subscribed */
    iso(time(NULL), now);
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
             "\"Patient/p-003\"},\"effectiveDateTime\":\"%s\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"2339-0\"}]},\"valueQuantity\":{\"value\":38,"
             "\"code\":\"mg/dL\"}}",
             now);
    long live_posted = post("/fhir/Observation", nurse, body, NULL);
    pthread_join(reader, NULL);
    usleep(1500 * 1000); /* the writer's next tick writes the trail */
    int audited_after = sql_int(streamed);
    report(live_posted == 201 && strstr(buf_cstr(&lr.text), "\"patient\":\"p-003\"") &&
               audited_after > audited_before,
           "a change delivered live is audited as coord1 reading p-003 (%d -> %d)",
           audited_before, audited_after);
    buf_free(&lr.text);

    /* 5. Restart: nothing lost, nothing repeated. */
    int events_before = sql_int("SELECT count(*) FROM event");
    e2e_stop(&srv, true);
    e2e_start(&srv);
    /* the same resources again are duplicates: no new events */
    e2e_request(&srv, "POST", "/fhir/$import", nurse, "application/fhir+ndjson", ndjson.data,
                ndjson.len, &r);
    e2e_response_free(&r);
    sleep(2); /* a tick passes */
    int events_after = sql_int("SELECT count(*) FROM event");
    report(events_before > 0 && events_before == events_after,
           "after a SIGKILL and restart, %d events before and %d after re-sending everything",
           events_before, events_after);
    buf_free(&s1);
    buf_free(&s2);
    buf_free(&s3);
    buf_free(&only);
    buf_free(&offline);
    buf_free(&online);
    buf_free(&ndjson);
    e2e_stop(&srv, false);
    e2e_cleanup(&srv);
    return failures ? 1 : 0;
}
