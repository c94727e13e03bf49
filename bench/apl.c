/* Benchmark of the territory diagnosis on all French communes: APL (E2SFCA) over ~35,000
 * communes must take under 2 s. Uses communes.csv from the shared data directory when
 * present ($VIGIE_DATA_DIR, <source>/../shared/data, /work/shared/data), else a synthetic
 * grid of the same size (also with --synthetic). Prints its figures; never part of the test run. */
#include "core/instant.h"
#include "core/mem.h"
#include "territory/apl.h"
#include "territory/deserts.h"
#include "territory/sites.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef VIGIE_SOURCE_ROOT
#define VIGIE_SOURCE_ROOT "."
#endif

#define RUNS 5

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *find_communes(char *path, size_t size)
{
    const char *env = getenv("VIGIE_DATA_DIR");
    const char *dirs[] = {env && *env ? env : NULL, VIGIE_SOURCE_ROOT "/../shared/data",
                          "/work/shared/data"};
    for (size_t k = 0; k < sizeof dirs / sizeof *dirs; k++) {
        if (!dirs[k]) continue;
        snprintf(path, size, "%s/communes.csv", dirs[k]);
        if (access(path, R_OK) == 0) return path;
    }
    return NULL;
}

/* 187 x 187 = 34,969 points over metropolitan France's bounding box, with populations
 * drawn from a heavy-tailed law like the communes' (median a few hundred). */
static void synthetic_grid(struct commune_table *t)
{
    uint64_t state = 2026;
    for (int r = 0; r < 187; r++)
        for (int c = 0; c < 187; c++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(state >> 11) / 9007199254740992.0;
            struct commune x = {.population = floor(100 / pow(1 - u * 0.9999, 0.9)),
                                .population_standardised = NAN,
                                .lat = 42.3 + 8.8 * r / 186.0,
                                .lon = -4.5 + 12.7 * c / 186.0};
            snprintf(x.code, sizeof x.code, "S%05d", r * 187 + c);
            verr e;
            if (communes_add(t, &x, &e) < 0) abort();
        }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs APL RUNS times (catchments included, as a request would) and prints min/median. */
static void time_apl(const char *label, const struct commune_table *t, const double *supply,
                     const travel *tr, const struct apl_params *p)
{
    double ms[RUNS];
    struct apl_result r;
    verr e;
    for (int k = 0; k < RUNS; k++) {
        double start = now_ms();
        if (apl_compute(t, supply, tr, p, &r, &e) < 0) {
            fprintf(stderr, "bench apl: %s\n", e.msg);
            exit(1);
        }
        ms[k] = now_ms() - start;
        if (k < RUNS - 1) apl_result_free(&r);
    }
    qsort(ms, RUNS, sizeof *ms, compare_doubles);
    printf("%-44s min %7.1f ms  median %7.1f ms  (%zu supply communes, %zu pairs, mean %.4f)\n",
           label, ms[0], ms[RUNS / 2], r.supply_communes, r.pairs, r.mean);
    apl_result_free(&r);
}

static void print_machine(void)
{
    char model[256] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *colon = strchr(line, ':');
            if (colon) snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f) fclose(f);
    char date[40];
    instant_format(instant_now_ms(), INSTANT_DAY, date);
    printf("machine: %ld CPUs, %s; date %s\n", sysconf(_SC_NPROCESSORS_ONLN), model, date);
}

int main(int argc, char **argv)
{
    bool synthetic = argc > 1 && !strcmp(argv[1], "--synthetic");
    print_machine();
    struct commune_table t;
    communes_init(&t);
    char path[4096];
    verr e;
    double start = now_ms();
    if (!synthetic && find_communes(path, sizeof path)) {
        csvfile *f = csvfile_open(path, &e);
        if (!f || communes_read_csv(&t, f, &e) < 0) {
            fprintf(stderr, "bench apl: %s\n", e.msg);
            return 1;
        }
        csvfile_close(f);
        printf("data: %s (%zu communes), read in %.1f ms\n", path, t.count, now_ms() - start);
    } else {
        synthetic_grid(&t);
        printf("data: synthetic grid (%zu communes%s)\n", t.count,
               synthetic ? "" : "; no communes.csv found");
    }

    /* Supply where GPs practise: communes of 1,000 inhabitants or more (about 10,000),
     * 3.4 consultations per inhabitant; and, as a worst case, in every commune. */
    double *supply = xcalloc(t.count, sizeof *supply),
           *everywhere = xcalloc(t.count, sizeof *supply);
    for (size_t i = 0; i < t.count; i++) {
        double pop = isnan(t.communes[i].population) ? 0 : t.communes[i].population;
        supply[i] = pop >= 1000 ? 3.4 * pop : 0;
        everywhere[i] = 3.4 * pop + 1;
    }
    struct travel_params tp;
    travel_params_default(&tp);
    travel *tr = travel_straight_line(&t, &tp, &e);
    struct apl_params p;
    apl_params_default(&p);
    time_apl("APL E2SFCA, DREES bands, supply >= 1000 inh.", &t, supply, tr, &p);
    time_apl("APL E2SFCA, DREES bands, supply everywhere", &t, everywhere, tr, &p);
    p.decay = APL_DECAY_GRAVITY;
    time_apl("APL gravity (beta 1, 20 min), supply >= 1000", &t, supply, tr, &p);

    struct apl_result r;
    apl_params_default(&p);
    apl_compute(&t, supply, tr, &p, &r, &e);
    start = now_ms();
    struct deserts_report report;
    struct deserts_params dp = {DESERTS_DEFAULT_THRESHOLD, false};
    deserts_summarise(&t, r.apl, &dp, NULL, 0, NULL, 0, &report, &e);
    printf("%-44s %7.1f ms  (%zu areas)\n", "deserts summary", now_ms() - start, report.count);
    deserts_report_free(&report);

    /* National site choice: every commune a candidate, 30 minutes, greedy + swaps + bound. */
    double *weight = xmalloc(t.count * sizeof *weight);
    uint32_t *candidates = xmalloc(t.count * sizeof *candidates);
    for (size_t i = 0; i < t.count; i++) {
        double pop = isnan(t.communes[i].population) ? 0 : t.communes[i].population;
        weight[i] = pop * deserts_deficit(r.apl[i], DESERTS_DEFAULT_THRESHOLD);
        candidates[i] = (uint32_t)i;
    }
    struct sites_params sp;
    sites_params_default(&sp);
    sp.p = 50;
    sp.method = SITES_HEURISTIC;
    start = now_ms();
    struct sites_problem pb;
    sites_problem_build(&pb, &t, weight, candidates, t.count, NULL, 0, tr, sp.max_minutes, &e);
    double built = now_ms() - start;
    struct sites_solution s;
    sites_solve(&pb, &sp, &s, &e);
    printf("%-44s %7.1f ms  (instance %.1f ms, %zu pairs; gap to bound %.2f %%)\n",
           "sites: 50 of all communes, 30 min, heuristic", now_ms() - start, built,
           sites_problem_nonzeros(&pb), 100 * (s.upper_bound - s.covered_weight) / s.upper_bound);
    sites_solution_free(&s);
    sites_problem_free(&pb);
    free(weight);
    free(candidates);
    apl_result_free(&r);
    travel_free(tr);
    free(supply);
    free(everywhere);
    communes_free(&t);
    return 0;
}
