/* bench/ingest: sustained Observations/s over loopback against a real `vigie serve`, durable
 * commits on (SQLite: WAL, synchronous=FULL; PostgreSQL: synchronous_commit on): single-
 * resource POSTs, Bundles of 1,000 and $import, with p50 and p99 latency per request.
 * `--engine postgres` runs on the cluster of tests/pg/with-cluster, `--nodes N` with N
 * servers on that one database, the clients spread over them. Prints a table; never decides
 * pass or fail. */
#include "../tests/e2e/harness.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATIENTS 1000
#define MAX_SAMPLES 2000000

#define NODES_MAX 4

static struct e2e_server nodes[NODES_MAX];
static int node_count = 1;
static int http_threads; /* the servers' HTTP threads (server.threads); 0: their default */
#define srv nodes[0]
static const char *token;
static double duration_s = 10;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void observation(buf *b, long n)
{
    buf_printf(b,
               "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":"
               "\"urn:bench\",\"value\":\"b%ld\"}],\"subject\":{\"reference\":\"Patient/bp-%ld\"},"
               "\"effectiveDateTime\":\"2026-03-%02ldT%02ld:%02ld:%02ldZ\",\"code\":{\"coding\":[{"
               "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":"
               "%ld,\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":"
               "\"/min\"}}",
               n, n % PATIENTS, 1 + (n / 86400) % 28, (n / 3600) % 24, (n / 60) % 60, n % 60,
               50 + n % 70);
}

struct worker {
    struct e2e_server *node;
    int mode; /* 0 single, 1 bundle */
    int bundle_size;
    long first, next;
    double *latencies;
    long count, observations, failures;
    double deadline;
};

static size_t discard(char *d, size_t s, size_t n, void *a)
{
    (void)d;
    (void)a;
    return s * n;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    CURL *c = curl_easy_init();
    char url[128], auth[128];
    struct curl_slist *h = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/fhir+json");
    h = curl_slist_append(h, "Expect:");
    snprintf(url, sizeof url, "%s%s", w->node->base_url, w->mode ? "/fhir" : "/fhir/Observation");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    buf b;
    buf_init(&b, (size_t)1 << 30);
    while (now_s() < w->deadline) {
        buf_reset(&b);
        int n = 1;
        if (w->mode) {
            n = w->bundle_size;
            buf_puts(&b, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
            for (int i = 0; i < n; i++) {
                buf_puts(&b, i ? ",{\"request\":{\"method\":\"POST\",\"url\":\"Observation\"},\"resource\":"
                               : "{\"request\":{\"method\":\"POST\",\"url\":\"Observation\"},\"resource\":");
                observation(&b, w->next++);
                buf_putc(&b, '}');
            }
            buf_puts(&b, "]}");
        } else {
            observation(&b, w->next++);
        }
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)b.len);
        double t0 = now_s();
        CURLcode rc = curl_easy_perform(c);
        double t1 = now_s();
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status >= 300) {
            w->failures++;
            continue;
        }
        if (w->count < MAX_SAMPLES / 64) w->latencies[w->count] = t1 - t0;
        w->count++;
        w->observations += n;
    }
    buf_free(&b);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void scenario(const char *name, int mode, int bundle_size, int threads, long *offset)
{
    struct worker w[64];
    pthread_t t[64];
    double start = now_s();
    for (int i = 0; i < threads; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].node = &nodes[i % node_count];
        w[i].mode = mode;
        w[i].bundle_size = bundle_size;
        w[i].next = *offset + (long)i * 100000000L;
        w[i].latencies = malloc(sizeof(double) * (MAX_SAMPLES / 64));
        w[i].deadline = start + duration_s;
        pthread_create(&t[i], NULL, run_worker, &w[i]);
    }
    long obs = 0, reqs = 0, failures = 0;
    double *all = malloc(sizeof(double) * MAX_SAMPLES);
    long kept = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        obs += w[i].observations;
        reqs += w[i].count;
        failures += w[i].failures;
        long k = w[i].count < MAX_SAMPLES / 64 ? w[i].count : MAX_SAMPLES / 64;
        memcpy(all + kept, w[i].latencies, sizeof(double) * (size_t)k);
        kept += k;
        free(w[i].latencies);
    }
    double elapsed = now_s() - start;
    qsort(all, (size_t)kept, sizeof *all, by_value);
    double p50 = kept ? all[kept / 2] : 0, p99 = kept ? all[(long)(kept * 0.99)] : 0;
    printf("| %-28s | %7d | %10.0f | %9.1f | %9.1f | %8ld |\n", name, threads,
           (double)obs / elapsed, p50 * 1000, p99 * 1000, failures);
    fflush(stdout);
    free(all);
    *offset += 1000000000L;
}

static void import_scenario(long count, long *offset)
{
    buf b;
    buf_init(&b, (size_t)1 << 33);
    for (long i = 0; i < count; i++) {
        observation(&b, *offset + i);
        buf_putc(&b, '\n');
    }
    struct e2e_response r;
    double t0 = now_s();
    int rc = e2e_request(&srv, "POST", "/fhir/$import", token, "application/fhir+ndjson", b.data,
                         b.len, &r);
    double elapsed = now_s() - t0;
    printf("| %-28s | %7d | %10.0f | %9.1f | %9.1f | %8d |\n", "$import (one NDJSON body)", 1,
           rc == 0 && r.status == 200 ? (double)count / elapsed : 0.0, elapsed * 1000,
           elapsed * 1000, rc == 0 && r.status == 200 ? 0 : 1);
    if (rc != 0 || r.status != 200) printf("# import: %ld %.300s\n", r.status, buf_cstr(&r.body));
    printf("# $import: %ld observations, %.1f MB in %.2f s\n", count, (double)b.len / 1e6, elapsed);
    e2e_response_free(&r);
    buf_free(&b);
    *offset += count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s VIGIE [SECONDS] [--engine sqlite|postgres] [--nodes N] [--threads N]\n",
                argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--engine") && i + 1 < argc) {
            setenv("VIGIE_TEST_DB_ENGINE", argv[++i], 1);
        } else if (!strcmp(argv[i], "--nodes") && i + 1 < argc) {
            node_count = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            http_threads = atoi(argv[++i]);
        } else {
            duration_s = atof(argv[i]);
        }
    }
    if (node_count < 1 || node_count > NODES_MAX || (node_count > 1 && !e2e_postgres())) {
        fprintf(stderr, "bench: --nodes 1..%d, more than one on PostgreSQL only\n", NODES_MAX);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    if (e2e_prepare(&srv, argv[1]) < 0) {
        fprintf(stderr, "bench: cannot prepare the server\n");
        return 1;
    }
    if (http_threads) {
        snprintf(srv.config, sizeof srv.config, "%s/bench.conf", srv.dir);
        FILE *f = fopen(srv.config, "w");
        if (!f) return 1;
        fprintf(f, "[server]\nthreads = %d\n", http_threads);
        fclose(f);
    }
    if (e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        fprintf(stderr, "bench: cannot start the server\n");
        return 1;
    }
    for (int i = 1; i < node_count; i++)
        if (e2e_prepare_node(&nodes[i], &srv) < 0 || e2e_start(&nodes[i]) < 0) {
            fprintf(stderr, "bench: cannot start node %d\n", i + 1);
            return 1;
        }
    printf("# %s, %d node%s, %d HTTP threads each\n", e2e_postgres() ? "PostgreSQL" : "SQLite",
           node_count, node_count > 1 ? "s" : "", http_threads ? http_threads : 2);
    token = e2e_token("nurse1");
    buf b;
    buf_init(&b, (size_t)1 << 28);
    for (int i = 0; i < PATIENTS; i++)
        buf_printf(&b, "{\"resourceType\":\"Patient\",\"id\":\"bp-%d\"}\n", i);
    struct e2e_response r;
    e2e_request(&srv, "POST", "/fhir/$import", token, "application/fhir+ndjson", b.data, b.len, &r);
    e2e_response_free(&r);
    buf_free(&b);
    printf("| scenario                     | clients |    obs/s   | p50 (ms)  | p99 (ms)  | failures |\n");
    printf("|------------------------------|---------|------------|-----------|-----------|----------|\n");
    long offset = 0;
    scenario("single POST /fhir/Observation", 0, 1, 16, &offset);
    scenario("Bundle of 1,000 (batch)", 1, 1000, 4, &offset);
    if (node_count == 1) import_scenario(500000, &offset);
    for (int i = node_count - 1; i >= 0; i--) {
        e2e_stop(&nodes[i], false);
        e2e_cleanup(&nodes[i]);
    }
    return 0;
}
