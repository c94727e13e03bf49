/* vigie check: the database is sound and every normalised row comes from the log. */
#include "cmd/cmd.h"
#include "core/mem.h"
#include "fhir/fhir.h"
#include "store/store.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "Usage: vigie check [--db DATABASE] [--quick]\n\n"
                 "Verifies a database: SQLite's integrity check (PostgreSQL checks its own\n"
                 "pages), the digest of every ingest log entry, and that every normalised row\n"
                 "(patients, observations, other resources) traces back to its log entry: the\n"
                 "bytes received are re-read and re-parsed, and an observation's kind and\n"
                 "canonical values must be those stored.\n"
                 "Exit status 0 when sound, 1 when a problem was found (each is printed).\n\n"
                 "  --db DATABASE   SQLite file or postgresql:// URI (default vigie.db)\n"
                 "  --quick         skip re-parsing the log entries\n");
}

struct tracer {
    store *s;
    int64_t loaded_log; /* id of the log entry in raw, or 0 */
    struct store_log_entry entry;
    buf raw;
    json_t *bundle;     /* parsed Bundle when the entry is one */
    int64_t rows, problems;
};

static void problem(struct tracer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct tracer *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "problem: ");
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    t->problems++;
}

/* The JSON of entry `index` of the loaded log entry; NULL with a problem when absent. */
static json_t *entry_json(struct tracer *t, const struct store_trace_row *row)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = NULL;
    const char *raw = buf_cstr(&t->raw);
    size_t n = t->raw.len;
    switch (t->entry.format) {
    case LOG_RESOURCE: j = fhir_json_parse(raw, n, &oo); break;
    case LOG_BUNDLE:
        if (!t->bundle) t->bundle = fhir_json_parse(raw, n, &oo);
        j = json_incref(json_object_get(
            json_array_get(json_object_get(t->bundle, "entry"), (size_t)row->log_entry),
            "resource"));
        break;
    case LOG_NDJSON: {
        size_t start = 0;
        for (int64_t line = 0; line < row->log_entry && start < n; line++) {
            const char *nl = memchr(raw + start, '\n', n - start);
            start = nl ? (size_t)(nl - raw) + 1 : n;
        }
        const char *nl = memchr(raw + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - raw) : n;
        j = fhir_json_parse(raw + start, end - start, &oo);
        break;
    }
    default: break;
    }
    if (!j)
        problem(t, "%s/%s: log entry %lld #%lld cannot be read back%s%s", row->type, row->id,
                (long long)row->log_id, (long long)row->log_entry, oo.count ? ": " : "",
                oo.count ? oo.issues[0].diagnostics : "");
    fhir_outcome_free(&oo);
    return j;
}

static bool same(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a));
}

static int trace_row(void *arg, const struct store_trace_row *row)
{
    struct tracer *t = arg;
    t->rows++;
    if (row->log_id != t->loaded_log) {
        json_decref(t->bundle);
        t->bundle = NULL;
        verr e;
        t->loaded_log = row->log_id;
        if (store_log_read(t->s, row->log_id, &t->entry, &t->raw, &e) != 0) {
            t->loaded_log = -1; /* reported by store_check already */
            return 0;
        }
    }
    if (t->loaded_log < 0) return 0;
    json_t *j = entry_json(t, row);
    if (!j) return 0;
    const char *type = json_string_value(json_object_get(j, "resourceType"));
    if (!type || strcmp(type, row->type) != 0) {
        problem(t, "%s/%s: its log entry %lld #%lld holds a %s", row->type, row->id,
                (long long)row->log_id, (long long)row->log_entry, type ? type : "non-resource");
    } else if (!strcmp(type, "Observation")) {
        struct fhir_observation o;
        struct fhir_outcome oo;
        fhir_outcome_init(&oo);
        /* re-read as received, without the clock check (it held when it came in) */
        const struct fhir_limits limits = {.now_ms = INT64_MAX / 2, .future_tolerance_ms = 0};
        if (fhir_observation_parse(j, &limits, &o, &oo) < 0) {
            problem(t, "Observation/%s: its log entry no longer validates: %s", row->id,
                    oo.count ? oo.issues[0].diagnostics : "?");
        } else {
            double v = o.has_value ? o.value : NAN, v2 = o.has_value2 ? o.value2 : NAN;
            if ((int)o.kind != row->kind || !same(v, row->value) || !same(v2, row->value2) ||
                (int)o.status != row->status)
                problem(t, "Observation/%s: stored values differ from its log entry %lld #%lld",
                        row->id, (long long)row->log_id, (long long)row->log_entry);
        }
        fhir_outcome_free(&oo);
    }
    json_decref(j);
    return 0;
}

static void print_problem(void *arg, const char *message)
{
    (void)arg;
    printf("problem: %s\n", message);
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"quick", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "vigie.db";
    bool quick = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': quick = true; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("check", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("check", "unexpected argument '%s'", argv[optind]);
    verr e;
    store *s = store_open(db, STORE_READ, &e);
    if (!s) return cmd_fail("check", "%s", e.msg);
    struct store_check_report report;
    if (store_check(s, &report, print_problem, NULL, &e) < 0) {
        store_close(s);
        return cmd_fail("check", "%s", e.msg);
    }
    struct tracer t = {.s = s};
    buf_init(&t.raw, (size_t)1 << 34);
    if (!quick && store_trace_each(s, trace_row, &t, &e) < 0) {
        buf_free(&t.raw);
        store_close(s);
        return cmd_fail("check", "%s", e.msg);
    }
    json_decref(t.bundle);
    buf_free(&t.raw);
    store_close(s);
    int64_t problems = report.problems + t.problems;
    printf("%s: %lld log entries, %lld observation rows, %lld other resource rows%s: %s\n", db,
           (long long)report.log_entries, (long long)report.observations,
           (long long)report.resources, quick ? "" : ", every row traced to the log",
           problems ? "PROBLEMS FOUND" : "ok");
    return problems ? CMD_EXIT_FAILURE : CMD_EXIT_OK;
}
