/* Two `vigie serve` nodes on one PostgreSQL database (docs/postgresql.md):
 *
 * 1. signals sent alternately to both nodes raise the same events as one node raises for the
 *    same signals (rule, category, time, sources, score, and whether it notified): the patient
 *    stories of tests/e2e/triage (multi-day trends, repeated lows, suppression) and the sample
 *    three times over, each patient's signals going to one node, then the other; and one node
 *    raises the same on SQLite as on PostgreSQL (the triage stories through the server, on
 *    both engines);
 * 2. a case raised through one node reaches a console streaming from the other;
 * 3. claims race across nodes: exactly one of two coordinators, each on a node, gets a case;
 * 4. escalation runs once across the cluster, not once per node;
 * 5. a node killed (SIGKILL) mid-ingestion loses nothing it acknowledged, while the other
 *    node goes on; restarted, it finds everything stored once and `vigie check` passes. */
#include "harness.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COPIES    3
#define CLIENTS   4
#define MAX_ACKED 100000

static struct e2e_server nodes[2];

static long post(struct e2e_server *s, const char *path, const char *token, const char *type,
                 const char *body, size_t n, buf *out)
{
    struct e2e_response r;
    long status = -1;
    if (e2e_request(s, "POST", path, token, type, body, n, &r) == 0) {
        status = r.status;
        if (out) buf_puts(out, buf_cstr(&r.body));
    }
    e2e_response_free(&r);
    return status;
}

static void replace_all(buf *out, const char *text, const char *const (*pairs)[2], size_t n)
{
    for (const char *p = text; *p;) {
        size_t i;
        for (i = 0; i < n; i++)
            if (!strncmp(p, pairs[i][0], strlen(pairs[i][0]))) break;
        if (i < n) {
            buf_puts(out, pairs[i][1]);
            p += strlen(pairs[i][0]);
        } else {
            buf_putc(out, *p++);
        }
    }
}

/* The sample, COPIES times with other ids, line by line interleaved (time order kept), in
 * territory T01. */
static int replicate(const char *sample, const char *path)
{
    FILE *in = fopen(sample, "rb"), *out = fopen(path, "wb");
    if (!in || !out) return -1;
    char line[16384];
    while (fgets(line, sizeof line, in)) {
        for (int k = 0; k < COPIES; k++) {
            char p[16], o[16], r[16], s[16];
            snprintf(p, sizeof p, "p%d-00", k);
            snprintf(o, sizeof o, "o%d-0", k);
            snprintf(r, sizeof r, "\"r%d-0001\"", k);
            snprintf(s, sizeof s, "\"s%d-0001\"", k);
            const char *const pairs[][2] = {{"p-00", p},
                                            {"o-0", o},
                                            {"\"r-0001\"", r},
                                            {"\"s-0001\"", s},
                                            {"T-EURE-SUD", "T01"}};
            buf b;
            buf_init(&b, 1 << 16);
            replace_all(&b, line, pairs, sizeof pairs / sizeof pairs[0]);
            fputs(buf_cstr(&b), out);
            buf_free(&b);
        }
    }
    fclose(in);
    fclose(out);
    return 0;
}

/* ---- 1. Alternating signals --------------------------------------------------------------- */

/* Appends the stories of `dir` that run without options and refuse nothing. */
static int add_stories(const char *dir, const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "for f in '%s'/*.ndjson; do b=${f%%.ndjson}; [ -f \"$b.args\" ] || [ -f "
             "\"$b.stderr\" ] || cat \"$f\"; done >> '%s'",
             dir, path);
    return system(cmd) == 0 ? 0 : -1;
}

static int append_event(void *arg, int columns, const char *const *values)
{
    buf *out = arg;
    (void)columns;
    /* the event as stored, with whether it notified (suppression windows) */
    json_t *j = json_loads(values[0] ? values[0] : "{}", 0, NULL);
    json_object_set_new(j, "notify", json_integer(values[1] ? atoi(values[1]) : -1));
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    buf_puts(out, text);
    buf_putc(out, '\n');
    free(text);
    json_decref(j);
    return 0;
}

/* Posts each line of `file` as its own $import, to the servers in turn: line i to server
 * popcount(i) mod count (the Thue-Morse sequence for two), so that two signals of a patient
 * land on different nodes whatever the number of lines between them, not only when it is
 * odd. */
static int post_lines(const char *file, struct e2e_server *const *servers, int count, int *sent)
{
    FILE *f = fopen(file, "rb");
    char line[16384];
    int ok = 0;
    *sent = 0;
    while (f && fgets(line, sizeof line, f)) {
        int to = __builtin_popcount((unsigned)*sent) % count;
        long status = post(servers[to], "/fhir/$import", e2e_token("nurse1"),
                           "application/fhir+ndjson", line, strlen(line), NULL);
        ok += status == 200;
        (*sent)++;
    }
    if (f) fclose(f);
    return ok;
}

/* Equal events, in order, on what does not depend on the arrival time: the late-data words
 * of a reason name the hours between measure and arrival. */
static bool same_events(const char *a_text, const char *b_text, int *n_a, int *n_b, int *equal)
{
    const char *keys[] = {"patient", "rule",  "category", "nature", "at",
                          "sources", "score", "detail",   "notify"};
    *n_a = *n_b = *equal = 0;
    const char *p = a_text, *q = b_text;
    while (*p || *q) {
        const char *np = strchr(p, '\n'), *nq = strchr(q, '\n');
        json_t *a = *p ? json_loadb(p, np ? (size_t)(np - p) : strlen(p), 0, NULL) : NULL;
        json_t *b = *q ? json_loadb(q, nq ? (size_t)(nq - q) : strlen(q), 0, NULL) : NULL;
        *n_a += *p != 0;
        *n_b += *q != 0;
        bool eq = a && b;
        for (size_t i = 0; eq && i < sizeof keys / sizeof keys[0]; i++) {
            json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
            eq = (!x && !y) || (x && y && json_equal(x, y));
        }
        if (!eq && a && b) {
            char *ta = json_dumps(a, JSON_COMPACT), *tb = json_dumps(b, JSON_COMPACT);
            printf("# one node:  %.300s\n# two nodes: %.300s\n", ta, tb);
            free(ta);
            free(tb);
        }
        *equal += eq;
        json_decref(a);
        json_decref(b);
        p = *p ? (np ? np + 1 : p + strlen(p)) : p;
        q = *q ? (nq ? nq + 1 : q + strlen(q)) : q;
    }
    return *n_a == *n_b && *equal == *n_a;
}

/* The events one node raises for the file: a server of its own, on a database of its own. */
static bool one_node_events(const char *vigie, const char *file, buf *events)
{
    struct e2e_server one;
    bool ok = e2e_prepare(&one, vigie) == 0 && e2e_start(&one) == 0 && e2e_login_all(&one) == 0;
    int sent = 0;
    struct e2e_server *servers[] = {&one};
    if (ok) ok = post_lines(file, servers, 1, &sent) == sent && sent > 0;
    if (ok)
        ok = e2e_sql_rows(&one, "SELECT json, notify FROM event ORDER BY seq", append_event,
                          events) > 0;
    ok = e2e_stop(&one, false) == 0 && ok;
    e2e_cleanup(&one);
    return ok;
}

static void alternate(const char *file, const char *reference)
{
    int sent;
    struct e2e_server *servers[] = {&nodes[0], &nodes[1]};
    int ok = post_lines(file, servers, 2, &sent);
    buf online;
    buf_init(&online, 1 << 24);
    e2e_sql_rows(&nodes[0], "SELECT json, notify FROM event ORDER BY seq", append_event, &online);
    int n_one, n_two, equal;
    bool same = same_events(reference, buf_cstr(&online), &n_one, &n_two, &equal);
    e2e_tap(ok == sent && same && n_one >= 20,
            "%d lines sent alternately to two nodes (%d stored): %d events, %d equal to the %d "
            "one node raises",
            sent, ok, n_two, equal, n_one);
    buf_free(&online);
}

/* ---- 2. Live updates across nodes ---------------------------------------------------------- */

struct stream_read {
    struct e2e_server *node;
    char last_id[32];
    long ms;
    buf text;
};

static size_t stream_collect(char *d, size_t s, size_t n, void *arg)
{
    struct stream_read *sr = arg;
    buf_append(&sr->text, d, s * n);
    return s * n;
}

static void *read_stream(void *arg)
{
    struct stream_read *sr = arg;
    CURL *c = curl_easy_init();
    char url[256], auth[128], last[64];
    snprintf(url, sizeof url, "%s/api/stream", sr->node->base_url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", e2e_token("coord1"));
    snprintf(last, sizeof last, "Last-Event-ID: %s", sr->last_id);
    struct curl_slist *h = curl_slist_append(curl_slist_append(NULL, auth), last);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, sr->ms);
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void live_across(void)
{
    struct stream_read sr = {.node = &nodes[1], .ms = 4000};
    buf_init(&sr.text, 1 << 24);
    buf last;
    buf_init(&last, 64);
    e2e_sql_text(&nodes[0], "SELECT coalesce(max(id), 0) FROM change_feed", &last);
    snprintf(sr.last_id, sizeof sr.last_id, "%s", buf_cstr(&last));
    buf_free(&last);
    pthread_t reader;
    pthread_create(&reader, NULL, read_stream, &sr);
    usleep(800 * 1000); /* the stream is open and has sent its backlog (nothing) */
    char now[32], body[1024];
    time_t t = time(NULL);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"p-live\",\"extension\":[{\"url\":"
                          "\"urn:vigie:territory\",\"valueString\":\"T01\"}]}";
    struct e2e_response r;
    e2e_request(&nodes[0], "PUT", "/fhir/Patient/p-live", e2e_token("nurse1"),
                "application/fhir+json", patient, strlen(patient), &r);
    e2e_response_free(&r);
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
             "\"Patient/p-live\"},\"effectiveDateTime\":\"%s\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"2339-0\"}]},\"valueQuantity\":{\"value\":40,\"code\":"
             "\"mg/dL\"}}",
             now);
    long status = post(&nodes[0], "/fhir/Observation", e2e_token("nurse1"), "application/fhir+json",
                       body, strlen(body), NULL);
    pthread_join(reader, NULL);
    const char *text = buf_cstr(&sr.text);
    e2e_tap(status == 201 && strstr(text, "event: case.created") && strstr(text, "p-live"),
            "a case raised through node 1 reaches a stream of node 2 live");
    buf_free(&sr.text);
}

/* ---- 3. Claims across nodes ---------------------------------------------------------------- */

struct claim {
    struct e2e_server *node;
    const char *token;
    char path[64];
    long status;
};

static void *claim(void *arg)
{
    struct claim *c = arg;
    c->status = post(c->node, c->path, c->token, "application/json", "", 0, NULL);
    return NULL;
}

static int collect_id(void *arg, int columns, const char *const *values)
{
    long long *ids = arg;
    (void)columns;
    for (int i = 0; i < 8; i++)
        if (!ids[i]) {
            ids[i] = atoll(values[0]);
            break;
        }
    return 0;
}

static void claims_across(void)
{
    long long ids[8] = {0};
    e2e_sql_rows(&nodes[0],
                 "SELECT id FROM care_case WHERE state = 'open' AND territory = 'T01' ORDER BY id "
                 "LIMIT 6",
                 collect_id, ids);
    int races = 0, clean = 0;
    for (int i = 0; i < 8 && ids[i]; i++) {
        struct claim a = {&nodes[0], e2e_token("coord1"), "", 0};
        struct claim b = {&nodes[1], e2e_token("coord3"), "", 0};
        snprintf(a.path, sizeof a.path, "/api/cases/%lld/claim", ids[i]);
        snprintf(b.path, sizeof b.path, "/api/cases/%lld/claim", ids[i]);
        pthread_t ta, tb;
        pthread_create(&ta, NULL, claim, &a);
        pthread_create(&tb, NULL, claim, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        races++;
        clean += (a.status == 200) + (b.status == 200) == 1 && (a.status == 409 || b.status == 409);
    }
    e2e_tap(races >= 3 && clean == races,
            "%d claim races between two coordinators on two nodes: exactly one winner each time "
            "(%d clean)",
            races, clean);
}

/* ---- 4. Escalation once -------------------------------------------------------------------- */

static void escalation_once(void)
{
    /* deadlines are 2 s here: wait past them and a few timer periods of both nodes */
    sleep(4);
    long long escalated = e2e_sql_int(&nodes[0], "SELECT count(DISTINCT case_id) FROM "
                                                 "case_transition WHERE to_state = 'escalated'");
    long long twice =
        e2e_sql_int(&nodes[0], "SELECT count(*) FROM (SELECT case_id FROM case_transition "
                               "WHERE to_state = 'escalated' GROUP BY case_id HAVING count(*) "
                               "> 1) AS t");
    long long announced =
        e2e_sql_int(&nodes[0], "SELECT count(*) FROM (SELECT case_id FROM change_feed "
                               "WHERE kind = 'case.escalated' GROUP BY case_id HAVING "
                               "count(*) > 1) AS t");
    e2e_tap(escalated > 0 && twice == 0 && announced == 0,
            "%lld cases escalated past their deadline, each once across both nodes", escalated);
}

/* ---- 5. A node killed mid-ingestion -------------------------------------------------------- */

struct acked {
    char id[32];
};

static struct acked acked[MAX_ACKED];
static atomic_int acked_count, sent_count;
static atomic_bool stop_node[2];

static void *client(void *arg)
{
    int me = (int)(intptr_t)arg, node = me % 2;
    const char *token = e2e_token("nurse1");
    while (!atomic_load(&stop_node[node])) {
        int n = atomic_fetch_add(&sent_count, 1);
        char body[700];
        snprintf(body, sizeof body,
                 "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{"
                 "\"system\":\"urn:nodes\",\"value\":\"n%d\"}],\"subject\":{\"reference\":"
                 "\"Patient/p-nodes\"},\"effectiveDateTime\":\"2026-03-01T%02d:%02d:%02dZ\","
                 "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
                 "\"valueQuantity\":{\"value\":%d,\"code\":\"/min\"}}",
                 n, (n / 3600) % 24, (n / 60) % 60, n % 60, 50 + n % 60);
        struct e2e_response r;
        if (e2e_request(&nodes[node], "POST", "/fhir/Observation", token, "application/fhir+json",
                        body, strlen(body), &r) == 0 &&
            r.status == 201) {
            const char *loc = strstr(buf_cstr(&r.headers), "Location: /fhir/Observation/");
            int k = atomic_fetch_add(&acked_count, 1);
            if (loc && k < MAX_ACKED) {
                loc += strlen("Location: /fhir/Observation/");
                snprintf(acked[k].id, sizeof acked[k].id, "%.*s", (int)strcspn(loc, "/'"), loc);
            }
        }
        e2e_response_free(&r);
    }
    return NULL;
}

static void node_killed(void)
{
    const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"p-nodes\",\"extension\":[{"
                          "\"url\":\"urn:vigie:territory\",\"valueString\":\"T01\"}]}";
    struct e2e_response r;
    e2e_request(&nodes[1], "PUT", "/fhir/Patient/p-nodes", e2e_token("nurse1"),
                "application/fhir+json", patient, strlen(patient), &r);
    e2e_response_free(&r);
    pthread_t threads[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&threads[i], NULL, client, (void *)(intptr_t)i);
    usleep(700 * 1000);
    e2e_stop(&nodes[0], true); /* SIGKILL mid-ingestion */
    atomic_store(&stop_node[0], true);
    int at_kill = atomic_load(&acked_count);
    usleep(700 * 1000); /* the other node goes on */
    atomic_store(&stop_node[1], true);
    for (int i = 0; i < CLIENTS; i++) pthread_join(threads[i], NULL);
    bool restarted = e2e_start(&nodes[0]) == 0;
    int n = atomic_load(&acked_count);
    if (n > MAX_ACKED) n = MAX_ACKED;
    long long missing =
        n ? e2e_missing_observations(&nodes[1], acked[0].id, sizeof acked[0], n) : -1;
    long long rows = e2e_sql_int(&nodes[1], "SELECT count(*) FROM observation o JOIN patient p "
                                            "ON p.key = o.patient_key WHERE p.id = 'p-nodes'");
    e2e_tap(restarted && n > at_kill && at_kill > 20 && missing == 0 && rows >= n &&
                rows <= atomic_load(&sent_count),
            "node 1 killed mid-ingestion, node 2 went on: all %d acknowledged Observations "
            "present once (%d before the kill, %lld stored, %d sent)",
            n, at_kill, rows, atomic_load(&sent_count));
    char args[600];
    snprintf(args, sizeof args, "check --db '%s'", nodes[0].db);
    buf out;
    buf_init(&out, 1 << 20);
    int rc = e2e_vigie(&nodes[0], args, &out);
    e2e_tap(rc == 0, "vigie check passes after the kill (%.60s)", buf_cstr(&out));
    buf_free(&out);
}

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    if (!e2e_postgres()) {
        printf("1..0 # SKIP several nodes need PostgreSQL (VIGIE_TEST_DB_ENGINE=postgres)\n");
        return 0;
    }
    printf("1..10\n");
    char dir[] = "/tmp/vigie-nodes-XXXXXX", file[400];
    if (!mkdtemp(dir)) return 1;
    snprintf(file, sizeof file, "%s/signals.ndjson", dir);
    buf reference;
    buf_init(&reference, 1 << 24);
    bool one = replicate(argv[2], file) == 0 && add_stories(argv[3], file) == 0 &&
               one_node_events(argv[1], file, &reference);
    int raised = 0;
    for (const char *c = buf_cstr(&reference); *c; c++) raised += *c == '\n';
    e2e_tap(one, "one node: the stories and the sample raise %d events", raised);
    /* the same signals through a server on SQLite: the engines raise the same events */
    buf on_sqlite;
    buf_init(&on_sqlite, 1 << 24);
    unsetenv("VIGIE_TEST_DB_ENGINE");
    bool sqlite_ran = one_node_events(argv[1], file, &on_sqlite);
    setenv("VIGIE_TEST_DB_ENGINE", "postgres", 1);
    int n_pg, n_sqlite, equal;
    bool engines = sqlite_ran && same_events(buf_cstr(&reference), buf_cstr(&on_sqlite), &n_pg,
                                             &n_sqlite, &equal);
    e2e_tap(engines, "one node on SQLite raises the same %d events as on PostgreSQL (%d equal)",
            n_sqlite, equal);
    buf_free(&on_sqlite);
    bool ready = e2e_prepare(&nodes[0], argv[1]) == 0;
    if (ready) {
        /* short deadlines, so that escalation happens during the test */
        snprintf(nodes[0].config, sizeof nodes[0].config, "%s/nodes.conf", nodes[0].dir);
        FILE *f = fopen(nodes[0].config, "w");
        ready = f != NULL;
        if (f) {
            fputs("[cases]\ndeadline.category1 = 2s\ndeadline.category2 = 2s\n"
                  "deadline.category3 = 2s\n",
                  f);
            fclose(f);
        }
    }
    ready = ready && e2e_prepare_node(&nodes[1], &nodes[0]) == 0 && e2e_start(&nodes[0]) == 0 &&
            e2e_start(&nodes[1]) == 0 && e2e_login_all(&nodes[0]) == 0;
    e2e_tap(ready, "two nodes serve one PostgreSQL database");
    if (!ready) return 1;
    alternate(file, buf_cstr(&reference));
    live_across();
    claims_across();
    escalation_once();
    node_killed();
    int a = e2e_stop(&nodes[0], false), b = e2e_stop(&nodes[1], false);
    e2e_tap(a == 0 && b == 0, "both nodes stopped cleanly");
    e2e_cleanup(&nodes[1]);
    e2e_cleanup(&nodes[0]);
    buf_free(&reference);
    char rm[100];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0) return 1;
    return e2e_tap_failures() ? 1 : 0;
}
