/* Crash test: clients stream Observations while the server is killed with SIGKILL at random
 * moments, several times over. After each restart every acknowledged Observation is present
 * exactly once, re-sending acknowledged ones stores nothing new, and `vigie check` passes. */
#include "harness.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 6
#define CLIENTS 3
#define BUNDLE 20
#define MAX_ACKED 200000

struct acked {
    char id[32];        /* Observation id from the answer */
    char ident[48];     /* identifier value we sent */
};

static struct acked acked[MAX_ACKED];
static atomic_int acked_count;
static atomic_int sent_count;
static atomic_bool stop_clients;
static struct e2e_server srv;
static const char *token;

static void add_observation(buf *b, const char *ident, int n)
{
    buf_printf(b,
               "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":"
               "\"urn:crash\",\"value\":\"%s\"}],\"subject\":{\"reference\":\"Patient/p-crash\"},"
               "\"effectiveDateTime\":\"2026-03-01T%02d:%02d:%02dZ\",\"code\":{\"coding\":[{"
               "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":"
               "%d,\"code\":\"/min\"}}",
               ident, (n / 3600) % 24, (n / 60) % 60, n % 60, 40 + n % 100);
}

/* Records the acknowledged entries of a batch-response. */
static void record_bundle(const char *body, char idents[BUNDLE][48])
{
    json_t *j = json_loads(body, 0, NULL);
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(j, "entry"), i, entry)
    {
        const char *status = json_string_value(json_object_get(json_object_get(entry, "response"), "status"));
        const char *loc = json_string_value(json_object_get(json_object_get(entry, "response"), "location"));
        if (!status || !loc || (strncmp(status, "201", 3) && strncmp(status, "200", 3)) || i >= BUNDLE)
            continue;
        int k = atomic_fetch_add(&acked_count, 1);
        if (k >= MAX_ACKED) return;
        snprintf(acked[k].id, sizeof acked[k].id, "%.*s", (int)strcspn(loc + 12, "/"), loc + 12);
        snprintf(acked[k].ident, sizeof acked[k].ident, "%s", idents[i]);
    }
    json_decref(j);
}

static void *client(void *arg)
{
    int me = (int)(intptr_t)arg;
    unsigned seed = (unsigned)(time(NULL) ^ (me * 7919));
    while (!atomic_load(&stop_clients)) {
        buf b;
        buf_init(&b, 1 << 20);
        char idents[BUNDLE][48];
        bool bundle = rand_r(&seed) % 2;
        int n = atomic_fetch_add(&sent_count, bundle ? BUNDLE : 1);
        struct e2e_response r;
        if (bundle) {
            buf_puts(&b, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
            for (int i = 0; i < BUNDLE; i++) {
                snprintf(idents[i], sizeof idents[i], "c%d-%d", me, n + i);
                buf_printf(&b, "%s{\"request\":{\"method\":\"POST\",\"url\":\"Observation\"},\"resource\":", i ? "," : "");
                add_observation(&b, idents[i], n + i);
                buf_puts(&b, "}");
            }
            buf_puts(&b, "]}");
            if (e2e_request(&srv, "POST", "/fhir", token, "application/fhir+json", b.data, b.len, &r) == 0 &&
                r.status == 200)
                record_bundle(buf_cstr(&r.body), idents);
        } else {
            char ident[48];
            snprintf(ident, sizeof ident, "c%d-%d", me, n);
            add_observation(&b, ident, n);
            if (e2e_request(&srv, "POST", "/fhir/Observation", token, "application/fhir+json", b.data,
                            b.len, &r) == 0 &&
                (r.status == 201 || r.status == 200)) {
                const char *loc = strstr(buf_cstr(&r.headers), "Location: /fhir/Observation/");
                int k = atomic_fetch_add(&acked_count, 1);
                if (loc && k < MAX_ACKED) {
                    loc += strlen("Location: /fhir/Observation/");
                    snprintf(acked[k].id, sizeof acked[k].id, "%.*s", (int)strcspn(loc, "/"), loc);
                    snprintf(acked[k].ident, sizeof acked[k].ident, "%s", ident);
                }
            }
        }
        e2e_response_free(&r);
        buf_free(&b);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    printf("1..4\n");
    if (e2e_prepare(&srv, argv[1]) < 0 || e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        printf("not ok 1 - server start\n");
        return 1;
    }
    token = e2e_token("nurse1");
    struct e2e_response r;
    const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"p-crash\"}";
    e2e_request(&srv, "PUT", "/fhir/Patient/p-crash", token, "application/fhir+json", patient,
                strlen(patient), &r);
    e2e_response_free(&r);
    srand((unsigned)time(NULL));
    bool restarted = true;
    for (int round = 0; round < ROUNDS; round++) {
        atomic_store(&stop_clients, false);
        pthread_t threads[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) pthread_create(&threads[i], NULL, client, (void *)(intptr_t)i);
        usleep((useconds_t)(150000 + rand() % 600000));
        e2e_stop(&srv, true); /* SIGKILL mid-ingestion */
        atomic_store(&stop_clients, true);
        for (int i = 0; i < CLIENTS; i++) pthread_join(threads[i], NULL);
        if (e2e_start(&srv) < 0) restarted = false;
        printf("# round %d: %d acknowledged so far, %d sent\n", round + 1, atomic_load(&acked_count),
               atomic_load(&sent_count));
    }
    printf("%sok 1 - the server restarted after each of %d SIGKILLs\n", restarted ? "" : "not ",
           ROUNDS);

    /* Every acknowledged Observation is there exactly once. */
    int n = atomic_load(&acked_count);
    if (n > MAX_ACKED) n = MAX_ACKED;
    int missing = (int)e2e_missing_observations(&srv, acked[0].id, sizeof acked[0], n);
    int rows = (int)e2e_sql_int(&srv, "SELECT count(*) FROM observation o JOIN patient p ON p.key = "
                                      "o.patient_key WHERE p.id = 'p-crash'");
    printf("%sok 2 - all %d acknowledged Observations present exactly once (%d rows stored, %d sent)\n",
           n > 100 && missing == 0 && rows >= n && rows <= atomic_load(&sent_count) ? "" : "not ", n,
           rows, atomic_load(&sent_count));

    /* Sending acknowledged ones again stores nothing new. */
    int resent_ok = 0, tries = n < 50 ? n : 50;
    for (int i = 0; i < tries; i++) {
        buf b;
        buf_init(&b, 4096);
        int k = rand() % n;
        int num = atoi(strchr(acked[k].ident, '-') + 1);
        add_observation(&b, acked[k].ident, num);
        if (e2e_request(&srv, "POST", "/fhir/Observation", token, "application/fhir+json", b.data, b.len, &r) == 0 &&
            r.status == 200 && strstr(buf_cstr(&r.headers), acked[k].id))
            resent_ok++;
        e2e_response_free(&r);
        buf_free(&b);
    }
    printf("%sok 3 - %d of %d acknowledged Observations sent again were recognised as duplicates\n",
           resent_ok == tries ? "" : "not ", resent_ok, tries);

    e2e_stop(&srv, false);
    char args[512];
    snprintf(args, sizeof args, "check --db '%s'", srv.db);
    buf out;
    buf_init(&out, 1 << 20);
    int check = e2e_vigie(&srv, args, &out);
    printf("%sok 4 - vigie check passes after the crashes\n", check == 0 ? "" : "not ");
    if (check != 0) printf("# %s\n", buf_cstr(&out));
    buf_free(&out);
    e2e_cleanup(&srv);
    return 0;
}
