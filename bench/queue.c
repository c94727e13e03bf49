/* bench/queue: the coordination queue under load. While gateways send routine Observations
 * at a steady rate (default 5,000/s) and 1,000 clients hold the live stream open, triggering
 * Observations (glucose 45 mg/dL: category 1) arrive for fresh patients; for each we measure
 * the time from sending it to its case.created event on every stream. Meanwhile a
 * coordinator reads the queue, claims and closes cases: their latencies are measured too.
 * `--engine postgres` runs on the cluster of tests/pg/with-cluster; `--nodes N` starts N
 * servers on that database and spreads everything over them round robin (streams, gateways,
 * triggers, the coordinator's requests), so that a case raised on one node is measured on the
 * streams of every node. Prints p50/p99; never decides pass or fail. */
#include "../tests/e2e/harness.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PATIENTS 2000
#define STREAMS_DEFAULT 1000
#define TRIGGERS_MAX 4096
/* Gateways sending one Observation per request: enough of them for group commit to carry
 * the rate (each waits for its commit). */
#define ROUTINE_THREADS 32

#define NODES_MAX 4

static struct e2e_server nodes[NODES_MAX];
static int node_count = 1;
#define srv nodes[0]
static const char *nurse, *coord;
static double duration_s = 10;
static int rate = 5000, streams = STREAMS_DEFAULT;
static atomic_bool stop;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void iso_now(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- latencies -------------------------------------------------------------------------- */

struct samples {
    pthread_mutex_t lock;
    double *v;
    size_t n, cap;
};

static void sample_add(struct samples *s, double x)
{
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
    pthread_mutex_unlock(&s->lock);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void sample_print(const char *name, struct samples *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp);
    if (!s->n) {
        printf("| %-44s | %8s | %9s | %9s |\n", name, "0", "-", "-");
        return;
    }
    printf("| %-44s | %8zu | %9.1f | %9.1f |\n", name, s->n, s->v[s->n / 2] * 1000,
           s->v[(size_t)((double)s->n * 0.99)] * 1000);
}

static struct samples to_stream = {PTHREAD_MUTEX_INITIALIZER},
                      queue_lat = {PTHREAD_MUTEX_INITIALIZER},
                      claim_lat = {PTHREAD_MUTEX_INITIALIZER},
                      close_lat = {PTHREAD_MUTEX_INITIALIZER};

/* trigger i was sent at sent[i]; its patient is bq-trigger-i */
static double sent[TRIGGERS_MAX];
static atomic_int triggers;
static atomic_long routine_sent, routine_failed;

/* ---- HTTP helpers -------------------------------------------------------------------------- */

static size_t discard(char *d, size_t s, size_t n, void *a)
{
    (void)d;
    (void)a;
    return s * n;
}

static CURL *handle(const char *token, struct curl_slist **h)
{
    CURL *c = curl_easy_init();
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    *h = curl_slist_append(NULL, auth);
    *h = curl_slist_append(*h, "Content-Type: application/fhir+json");
    *h = curl_slist_append(*h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    return c;
}

static long post(CURL *c, const struct e2e_server *node, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", node->base_url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void observation(char *out, size_t n, const char *patient, const char *code, int value,
                        const char *unit)
{
    char when[40];
    iso_now(when);
    snprintf(out, n,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":"
             "\"Patient/%s\"},\"effectiveDateTime\":\"%s\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"%s\"}]},\"valueQuantity\":{\"value\":%d,\"code\":"
             "\"%s\"}}",
             patient, when, code, value, unit);
}

/* Routine load: heart rates in the normal range, paced to `rate` per second overall. */
static void *routine(void *arg)
{
    int me = (int)(intptr_t)arg, threads = ROUTINE_THREADS;
    struct curl_slist *h;
    CURL *c = handle(nurse, &h);
    double start = now_s();
    long n = 0;
    char body[1024], patient[32];
    while (!atomic_load(&stop)) {
        double due = start + (double)n * threads / rate;
        double wait = due - now_s();
        if (wait > 0) usleep((useconds_t)(wait * 1e6));
        snprintf(patient, sizeof patient, "bq-%d", (int)((n * threads + me) % PATIENTS));
        observation(body, sizeof body, patient, "8867-4", 60 + (int)(n % 30), "/min");
        long status = post(c, &nodes[me % node_count], "/fhir/Observation", body);
        atomic_fetch_add(&routine_sent, 1);
        if (status != 201 && status != 200) atomic_fetch_add(&routine_failed, 1);
        n++;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* Triggers: one category-1 reading for a fresh patient every 50 ms. */
static void *trigger(void *arg)
{
    (void)arg;
    struct curl_slist *h;
    CURL *c = handle(nurse, &h);
    char body[1024], patient[32];
    while (!atomic_load(&stop)) {
        int i = atomic_load(&triggers);
        if (i >= TRIGGERS_MAX) break;
        snprintf(patient, sizeof patient, "bq-trigger-%d", i);
        observation(body, sizeof body, patient, "2339-0", 45, "mg/dL");
        sent[i] = now_s();
        atomic_store(&triggers, i + 1);
        post(c, &nodes[i % node_count], "/fhir/Observation", body);
        usleep(50000);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* The coordinator: reads the queue, claims and closes the triggered cases. */
static size_t collect(char *d, size_t s, size_t n, void *arg)
{
    buf_append(arg, d, s * n);
    return s * n;
}

static void *coordinator(void *arg)
{
    (void)arg;
    struct curl_slist *h;
    CURL *c = handle(coord, &h);
    char url[256];
    buf body;
    buf_init(&body, (size_t)1 << 28);
    for (int round = 0; !atomic_load(&stop); round++) {
        const struct e2e_server *node = &nodes[round % node_count];
        buf_reset(&body);
        snprintf(url, sizeof url, "%s/api/queue", node->base_url);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        double t0 = now_s();
        if (curl_easy_perform(c) == CURLE_OK) sample_add(&queue_lat, now_s() - t0);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        /* claim and close the first open case */
        const char *p = strstr(buf_cstr(&body), "\"state\":\"open\"");
        const char *id = p ? strstr(buf_cstr(&body), "{\"id\":") : NULL;
        if (id) {
            long long case_id = atoll(id + 6);
            char path[64];
            snprintf(path, sizeof path, "/api/cases/%lld/claim", case_id);
            t0 = now_s();
            if (post(c, node, path, "") == 200) {
                sample_add(&claim_lat, now_s() - t0);
                snprintf(path, sizeof path, "/api/cases/%lld/close", case_id);
                t0 = now_s();
                if (post(c, &nodes[(round + 1) % node_count], path,
                         "{\"outcome\":\"advice\"}") == 200)
                    sample_add(&close_lat, now_s() - t0);
            }
        }
        usleep(100000);
    }
    buf_free(&body);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* ---- the streams --------------------------------------------------------------------------- */

struct stream {
    buf line;
    bool connected;
};

static atomic_int connected;

static size_t stream_data(char *d, size_t s, size_t n, void *arg)
{
    struct stream *st = arg;
    size_t len = s * n;
    double t = now_s();
    if (!st->connected) {
        st->connected = true;
        atomic_fetch_add(&connected, 1);
    }
    for (size_t i = 0; i < len; i++) {
        if (d[i] != '\n') {
            buf_putc(&st->line, d[i]);
            continue;
        }
        const char *l = buf_cstr(&st->line);
        const char *p = strstr(l, "\"patient\":\"bq-trigger-");
        if (!strncmp(l, "data: ", 6) && p && strstr(l, "\"state\":\"open\"") &&
            strstr(l, "\"updated_at\"")) {
            int k = atoi(p + strlen("\"patient\":\"bq-trigger-"));
            /* case.created only: updated_at equals opened_at */
            const char *o = strstr(l, "\"opened_at\":\""), *u = strstr(l, "\"updated_at\":\"");
            if (k >= 0 && k < TRIGGERS_MAX && o && u && !strncmp(o + 13, u + 14, 24))
                sample_add(&to_stream, t - sent[k]);
        }
        buf_reset(&st->line);
    }
    return len;
}

static void *stream_pump(void *arg)
{
    (void)arg;
    CURLM *m = curl_multi_init();
    struct stream *st = calloc((size_t)streams, sizeof *st);
    CURL **easy = calloc((size_t)streams, sizeof *easy);
    char url[256], auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", coord);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    for (int i = 0; i < streams; i++) {
        snprintf(url, sizeof url, "%s/api/stream", nodes[i % node_count].base_url);
        buf_init(&st[i].line, 1 << 20);
        easy[i] = curl_easy_init();
        curl_easy_setopt(easy[i], CURLOPT_URL, url);
        curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, stream_data);
        curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &st[i]);
        curl_multi_add_handle(m, easy[i]);
    }
    int running = 1;
    while (!atomic_load(&stop) && running) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < streams; i++) {
        curl_multi_remove_handle(m, easy[i]);
        curl_easy_cleanup(easy[i]);
        buf_free(&st[i].line);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    free(easy);
    free(st);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s VIGIE [SECONDS] [RATE] [STREAMS] [--engine sqlite|postgres] "
                "[--nodes N]\n",
                argv[0]);
        return 2;
    }
    int positional = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--engine") && i + 1 < argc) {
            setenv("VIGIE_TEST_DB_ENGINE", argv[++i], 1);
        } else if (!strcmp(argv[i], "--nodes") && i + 1 < argc) {
            node_count = atoi(argv[++i]);
        } else {
            if (positional == 0)
                duration_s = atof(argv[i]);
            else if (positional == 1)
                rate = atoi(argv[i]);
            else
                streams = atoi(argv[i]);
            positional++;
        }
    }
    if (node_count < 1 || node_count > NODES_MAX || (node_count > 1 && !e2e_postgres())) {
        fprintf(stderr, "bench: --nodes 1..%d, more than one on PostgreSQL only\n", NODES_MAX);
        return 2;
    }
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    curl_global_init(CURL_GLOBAL_ALL);
    if (e2e_prepare(&srv, argv[1]) < 0 || e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        fprintf(stderr, "bench: cannot start the server\n");
        return 1;
    }
    for (int i = 1; i < node_count; i++)
        if (e2e_prepare_node(&nodes[i], &srv) < 0 || e2e_start(&nodes[i]) < 0) {
            fprintf(stderr, "bench: cannot start node %d\n", i + 1);
            return 1;
        }
    printf("# %s, %d node%s\n", e2e_postgres() ? "PostgreSQL" : "SQLite", node_count,
           node_count > 1 ? "s" : "");
    nurse = e2e_token("nurse1");
    coord = e2e_token("coord1");
    buf b;
    buf_init(&b, (size_t)1 << 26);
    for (int i = 0; i < PATIENTS; i++) buf_printf(&b, "{\"resourceType\":\"Patient\",\"id\":\"bq-%d\"}\n", i);
    for (int i = 0; i < TRIGGERS_MAX; i++)
        buf_printf(&b, "{\"resourceType\":\"Patient\",\"id\":\"bq-trigger-%d\"}\n", i);
    struct e2e_response r;
    e2e_request(&srv, "POST", "/fhir/$import", nurse, "application/fhir+ndjson", b.data, b.len, &r);
    e2e_response_free(&r);
    buf_free(&b);

    pthread_t pump, routines[ROUTINE_THREADS], trig, coordination;
    pthread_create(&pump, NULL, stream_pump, NULL);
    double t0 = now_s();
    while (atomic_load(&connected) < streams && now_s() - t0 < 30) usleep(100000);
    int streams_up = atomic_load(&connected);
    for (int i = 0; i < ROUTINE_THREADS; i++) pthread_create(&routines[i], NULL, routine, (void *)(intptr_t)i);
    pthread_create(&trig, NULL, trigger, NULL);
    pthread_create(&coordination, NULL, coordinator, NULL);
    double start = now_s();
    usleep((useconds_t)(duration_s * 1e6));
    double elapsed = now_s() - start;
    sleep(1); /* let the last events reach the streams */
    atomic_store(&stop, true);
    for (int i = 0; i < ROUTINE_THREADS; i++) pthread_join(routines[i], NULL);
    pthread_join(trig, NULL);
    pthread_join(coordination, NULL);
    pthread_join(pump, NULL);

    printf("streams connected: %d of %d; routine load: %.0f Observations/s (asked %d), %ld "
           "failed; %d category-1 triggers\n",
           streams_up, streams, (double)atomic_load(&routine_sent) / elapsed, rate,
           atomic_load(&routine_failed), atomic_load(&triggers));
    printf("| %-44s | %8s | %9s | %9s |\n", "latency", "samples", "p50 (ms)", "p99 (ms)");
    printf("|----------------------------------------------|----------|-----------|-----------|\n");
    sample_print("Observation sent -> case.created on a stream", &to_stream);
    sample_print("GET /api/queue", &queue_lat);
    sample_print("POST /api/cases/{id}/claim", &claim_lat);
    sample_print("POST /api/cases/{id}/close", &close_lat);
    for (int i = node_count - 1; i >= 0; i--) {
        e2e_stop(&nodes[i], false);
        e2e_cleanup(&nodes[i]);
    }
    return 0;
}
