/* Triage engine benchmark: signals per second through the engine alone on one core, and the
 * engine's state per patient with 1,000,000 patients. Signals are generated in memory first
 * (a home-telemonitoring mix: daily weights, blood pressure, SpO2, vitals, glucose for
 * diabetics, steps, a few falls, reports and requests), then only the engine is timed.
 * Figures go to docs/performance.md ("Triage engine").
 *
 * Usage: bench_triage [PATIENTS DAYS]   (default 50000 patients over 10 days) */
#include "core/instant.h"
#include "core/mem.h"
#include "triage/triage.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY_MS 86400000LL
#define START_MS 1772438400000LL /* 2026-03-02T08:00:00Z */
#define MEMORY_PATIENTS 1000000u

enum signal_type { SIGNAL_OBSERVATION, SIGNAL_REPORT, SIGNAL_REQUEST };

/* Compact so that millions fit in memory before the timed run. */
struct signal {
    int64_t at_ms;
    uint32_t patient;
    uint8_t type;
    uint8_t kind; /* measure kind, or request priority */
    uint16_t text; /* index in the report or request texts */
    float value, value2;
};

static const char *const report_texts[] = {
    "Tout va bien aujourd'hui, pas de douleur thoracique.",
    "Elle est fatiguée, a peu mangé ce midi.",
    "Un peu essoufflée en montant l'escalier.",
    "Sans fièvre, a bien dormi.",
    "He denies chest pain or shortness of breath.",
    "Chevilles gonflées ce soir, tousse un peu.",
    "Confuse ce matin, ne reconnaît plus sa fille.",
    "Feeling a bit dizzy after lunch, no fall.",
    "RAS, moral correct.",
    "Douleur thoracique depuis ce matin, inquiète.",
    "Pas d'essoufflement ni de malaise, mange bien.",
    "Il est tombé dans la salle de bain mais s'est relevé seul.",
};

static const char *const request_texts[] = {
    "Avis sur adaptation du diurétique, prise de poids de 2 kg.",
    "Glycémies basses le matin, faut-il réduire l'insuline ?",
    "Douleur thoracique atypique, ECG fait, avis ?",
    "Renouvellement oxygénothérapie.",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* xorshift64*: fixed seed, so every run benchmarks the same signals. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double uniform(void)
{
    return (double)(rng() >> 11) / 9007199254740992.0;
}
static double normal(double mean, double sd)
{
    double u = uniform() + 1e-12, v = uniform();
    return mean + sd * sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

struct signals {
    struct signal *items;
    size_t count, capacity;
};

static void push(struct signals *s, struct signal sig)
{
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 1 << 20;
        s->items = xrealloc(s->items, s->capacity * sizeof *s->items);
    }
    s->items[s->count++] = sig;
}

static void observation(struct signals *s, uint32_t p, int64_t at, enum measure_kind kind,
                        double value, double value2)
{
    push(s, (struct signal){at, p, SIGNAL_OBSERVATION, (uint8_t)kind, 0, (float)value,
                            (float)value2});
}

/* One day of one patient's home monitoring; about 2 % of readings are abnormal. */
static void patient_day(struct signals *s, uint32_t p, int day, double base_weight)
{
    int64_t morning = START_MS + day * DAY_MS + (int64_t)(rng() % 7200) * 1000;
    bool sick = uniform() < 0.02;
    observation(s, p, morning, MEASURE_WEIGHT, base_weight + normal(0, 0.3) + (sick ? 2.5 : 0),
                NAN);
    observation(s, p, morning + 60000, MEASURE_BLOOD_PRESSURE, normal(sick ? 185 : 132, 8),
                normal(80, 6));
    observation(s, p, morning + 120000, MEASURE_SPO2, fmin(100, normal(sick ? 90 : 96, 1)), NAN);
    observation(s, p, morning + 180000, MEASURE_HEART_RATE, normal(sick ? 118 : 74, 6), NAN);
    if (p % 2 == 0)
        observation(s, p, morning + 240000, MEASURE_TEMPERATURE, normal(36.8, 0.3), NAN);
    if (p % 4 == 0)
        observation(s, p, morning + 300000, MEASURE_RESP_RATE, normal(sick ? 24 : 16, 2), NAN);
    if (p % 3 == 0) {
        observation(s, p, morning + 360000, MEASURE_GLUCOSE, normal(sick ? 60 : 130, 15), NAN);
        observation(s, p, morning + 11 * 3600000LL, MEASURE_GLUCOSE, normal(150, 25), NAN);
    }
    observation(s, p, morning + 13 * 3600000LL, MEASURE_STEPS, fmax(0, normal(4000, 700)), NAN);
    if (uniform() < 0.002)
        observation(s, p, morning + 5 * 3600000LL, MEASURE_FALL, 1, uniform() < 0.3 ? 600 : 10);
    if (uniform() < 0.02)
        push(s, (struct signal){morning + 3 * 3600000LL, p, SIGNAL_REPORT, 0,
                                (uint16_t)(rng() % COUNT(report_texts)), 0, 0});
    if (uniform() < 0.003)
        push(s, (struct signal){morning + 4 * 3600000LL, p, SIGNAL_REQUEST,
                                (uint8_t)(rng() % 4), (uint16_t)(rng() % COUNT(request_texts)),
                                0, 0});
}

static int by_time(const void *a, const void *b)
{
    const struct signal *x = a, *y = b;
    if (x->at_ms != y->at_ms) return x->at_ms < y->at_ms ? -1 : 1;
    return x->patient < y->patient ? -1 : x->patient > y->patient;
}

static void count_event(void *ctx, const struct triage_event *ev)
{
    (void)ev;
    (*(size_t *)ctx)++;
}

static const char *conditions_of(uint32_t p)
{
    static const char *const codes[] = {"84114007", "13645005", "44054006", "38341003"};
    return codes[p % 4];
}

static triage_engine *engine_with_patients(uint32_t patients)
{
    struct triage_config cfg;
    triage_config_defaults(&cfg);
    triage_engine *e = triage_engine_new(&cfg);
    for (uint32_t p = 0; p < patients; p++) {
        const char *code = conditions_of(p);
        triage_condition(e, p, &code, 1, true, START_MS - DAY_MS);
    }
    return e;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Feeds every signal, ticking each minute of stream time as the server's timer would. */
static double run_engine(const struct signals *s, uint32_t patients, size_t *events)
{
    triage_engine *e = engine_with_patients(patients);
    struct triage_sink sink = {count_event, events};
    *events = 0;
    int64_t next_tick = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < s->count; i++) {
        const struct signal *sig = &s->items[i];
        if (sig->at_ms >= next_tick) {
            triage_tick(e, sig->at_ms, &sink);
            next_tick = sig->at_ms + 60000;
        }
        uint64_t source = i + 1;
        if (sig->type == SIGNAL_OBSERVATION) {
            struct triage_observation o = {(enum measure_kind)sig->kind, sig->value,
                                           isnan(sig->value2) ? NAN : sig->value2, sig->at_ms,
                                           OBS_FINAL, source};
            triage_observe(e, sig->patient, &o, sig->at_ms, &sink);
        } else if (sig->type == SIGNAL_REPORT) {
            const char *text = report_texts[sig->text];
            struct triage_report r = {SENDER_CAREGIVER, text, strlen(text), sig->at_ms, source};
            triage_report(e, sig->patient, &r, sig->at_ms, &sink);
        } else {
            const char *text = request_texts[sig->text];
            struct triage_request r = {(enum fhir_priority)sig->kind, text, strlen(text),
                                       sig->at_ms, source};
            triage_request(e, sig->patient, &r, sig->at_ms, &sink);
        }
    }
    double elapsed = seconds_since(&t0);
    triage_engine_free(e);
    return elapsed;
}

static size_t resident_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t malloc_bytes(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* State per patient with 1,000,000 patients, each with a condition and a morning's readings,
 * measured three ways: the engine's accounting, malloc's, and the resident set. */
static void measure_memory(bool reserve)
{
    size_t heap0 = malloc_bytes(), rss0 = resident_bytes();
    struct triage_config cfg;
    triage_config_defaults(&cfg);
    triage_engine *e = triage_engine_new(&cfg);
    if (reserve) triage_engine_reserve(e, MEMORY_PATIENTS);
    for (uint32_t p = 0; p < MEMORY_PATIENTS; p++) {
        const char *code = conditions_of(p);
        triage_condition(e, p, &code, 1, true, START_MS);
        struct triage_observation o = {MEASURE_WEIGHT, 70, NAN, START_MS, OBS_FINAL, p + 1};
        triage_observe(e, p, &o, START_MS, NULL);
        o = (struct triage_observation){MEASURE_SPO2, 96, NAN, START_MS + 60000, OBS_FINAL, p + 2};
        triage_observe(e, p, &o, START_MS + 60000, NULL);
        o = (struct triage_observation){MEASURE_STEPS, 4000, NAN, START_MS, OBS_FINAL, p + 3};
        triage_observe(e, p, &o, START_MS, NULL);
    }
    size_t heap = malloc_bytes() - heap0, rss = resident_bytes() - rss0;
    struct triage_memory m;
    triage_engine_memory(e, &m);
    printf("state, %u patients (%s): %zu bytes/patient fixed; %.1f allocated by the engine, "
           "%.1f by malloc, %.1f resident\n",
           m.patients, reserve ? "reserved" : "grown on demand", m.bytes_per_patient,
           (double)(m.state_bytes + m.override_bytes + m.scratch_bytes) / m.patients,
           (double)heap / m.patients, (double)rss / m.patients);
    triage_engine_free(e);
}

int main(int argc, char **argv)
{
    uint32_t patients = argc > 1 ? (uint32_t)atol(argv[1]) : 50000;
    int days = argc > 2 ? atoi(argv[2]) : 10;
    if (patients == 0 || days <= 0) {
        fprintf(stderr, "usage: bench_triage [PATIENTS DAYS]\n");
        return 2;
    }

    struct signals s = {0};
    for (int day = 0; day < days; day++)
        for (uint32_t p = 0; p < patients; p++)
            patient_day(&s, p, day, 60 + (double)(p % 40));
    qsort(s.items, s.count, sizeof *s.items, by_time);
    size_t reports = 0, requests = 0;
    for (size_t i = 0; i < s.count; i++) {
        reports += s.items[i].type == SIGNAL_REPORT;
        requests += s.items[i].type == SIGNAL_REQUEST;
    }
    printf("signals: %zu over %u patients and %d days (%.2f %% reports, %.2f %% requests)\n",
           s.count, patients, days, 100.0 * reports / s.count, 100.0 * requests / s.count);

    double best = 1e30;
    size_t events = 0;
    for (int run = 0; run < 5; run++) {
        double t = run_engine(&s, patients, &events);
        if (t < best) best = t;
    }
    printf("engine: %.0f signals/s on one core (best of 5: %.3f s), %zu events (%.2f per "
           "patient-day)\n",
           s.count / best, best, events, (double)events / ((double)patients * days));
    free(s.items);

    measure_memory(true);
    measure_memory(false);
    return 0;
}
