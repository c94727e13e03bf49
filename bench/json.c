/* bench_json: the FHIR JSON parser (src/fhir/jsonparse.c) against jansson's json_loadb on the
 * texts ingestion receives: a heart-rate Observation, a blood-pressure panel, and a Bundle
 * of 1,000 Observations. Both build the same jansson tree; times are per text and per byte,
 * best of 5 runs, with the ratio measured in the same run (the machine is shared).
 * Usage: bench_json [ITERATIONS] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "fhir/fhir.h"

static const char heart_rate[] =
    "{\"resourceType\":\"Observation\",\"identifier\":[{\"system\":\"urn:bench\",\"value\":"
    "\"o-000123-4567\"}],\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":"
    "\"Heart rate\"}]},\"subject\":{\"reference\":\"Patient/p-000123\"},\"effectiveDateTime\":"
    "\"2026-03-01T08:00:00+01:00\",\"valueQuantity\":{\"value\":72,\"unit\":\"/min\","
    "\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";

static const char blood_pressure[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o-0000322-000-01\",\"identifier\":[{\"system\":"
    "\"urn:vigie:sim:observation\",\"value\":\"o-0000322-000-01\"}],\"status\":\"final\","
    "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
    "observation-category\",\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":"
    "\"http://loinc.org\",\"code\":\"85354-9\",\"display\":\"Blood pressure panel with all "
    "children optional\"}]},\"subject\":{\"reference\":\"Patient/p-0000322\"},"
    "\"effectiveDateTime\":\"2026-03-01T07:00:06+01:00\",\"component\":[{\"code\":{\"coding\":"
    "[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\",\"display\":\"Systolic blood "
    "pressure\"}]},\"valueQuantity\":{\"value\":137.5,\"unit\":\"mmHg\",\"system\":"
    "\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}},{\"code\":{\"coding\":[{\"system\":"
    "\"http://loinc.org\",\"code\":\"8462-4\",\"display\":\"Diastolic blood pressure\"}]},"
    "\"valueQuantity\":{\"value\":81,\"unit\":\"mmHg\",\"system\":"
    "\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}}],\"note\":[{\"text\":\"Mesure "
    "prise au repos, bras gauche, apr\\u00e8s 5 min assis\"}]}";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Best of 5 runs of `iterations` parses; seconds per parse. */
static double best(const char *text, size_t n, int iterations, bool ours)
{
    double fastest = 1e9;
    for (int run = 0; run < 5; run++) {
        double t0 = now_s();
        for (int i = 0; i < iterations; i++) {
            json_t *j;
            if (ours) {
                struct fhir_json_error err;
                j = fhir_json_load(text, n, FHIR_MAX_DEPTH, &err);
            } else {
                json_error_t err;
                j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
            }
            if (!j) {
                fprintf(stderr, "bench_json: a benchmark text does not parse\n");
                exit(1);
            }
            json_decref(j);
        }
        double t = (now_s() - t0) / iterations;
        if (t < fastest) fastest = t;
    }
    return fastest;
}

static void report(const char *name, const char *text, size_t n, int iterations)
{
    double theirs = best(text, n, iterations, false);
    double ours = best(text, n, iterations, true);
    printf("%-32s %8zu %12.2f %12.2f %8.1f %8.1f %6.2fx\n", name, n, theirs * 1e6, ours * 1e6,
           n / theirs / 1e6, n / ours / 1e6, theirs / ours);
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    if (iterations < 1) iterations = 1;
    buf bundle;
    buf_init(&bundle, 64 << 20);
    buf_puts(&bundle, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
    for (int i = 0; i < 1000; i++) {
        buf_puts(&bundle, i ? ",{\"resource\":" : "{\"resource\":");
        buf_puts(&bundle, heart_rate);
        buf_puts(&bundle, ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
    }
    buf_puts(&bundle, "]}");
    printf("%-32s %8s %12s %12s %8s %8s %7s\n", "text", "bytes", "jansson us", "vigie us",
           "jansson", "vigie", "ratio");
    printf("%-32s %8s %12s %12s %8s %8s %7s\n", "", "", "", "", "MB/s", "MB/s", "");
    report("heart-rate Observation", heart_rate, sizeof heart_rate - 1, iterations);
    report("blood-pressure panel", blood_pressure, sizeof blood_pressure - 1, iterations);
    report("Bundle of 1,000 Observations", bundle.data, bundle.len, iterations / 1000 + 1);
    buf_free(&bundle);
    return 0;
}
