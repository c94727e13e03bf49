/* vigie triage: the triage engine offline, on NDJSON FHIR resources in time order, writing one
 * event per line (DESIGN.md §9). Its clock is the stream's (the latest clinical time read),
 * never the wall clock, so a replay of last month raises what was raised live.
 *
 * Memory stays bounded with many patients and long files: patients are interned once, and
 * the references that events cite ("Observation/o-123") go to a spool file on disk, the
 * engine keeping only their offsets as source handles. */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/instant.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "fhir/fhir.h"
#include "triage/triage.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINE (4 << 20)  /* a resource on one line; longer lines are refused */
#define MAX_REF 1024        /* a source reference as written in events */
#define MAX_EVENT (1 << 20) /* one event's JSON */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie triage [--config FILE] [--now TIME] [FILE|-]\n\n"
            "Reads NDJSON FHIR resources (Patient, Condition, Observation, Communication,\n"
            "ServiceRequest; one per line, in time order) from FILE or standard input, runs\n"
            "the triage engine on them exactly as `vigie serve` does, and writes one JSON\n"
            "event per line to standard output (DESIGN.md §9).\n\n"
            "The clock is the stream's: \"now\" is the latest clinical time read so far, never\n"
            "the wall clock, so the same input always gives the same events. Data whose time\n"
            "is older than the late horizon (12 h) against that clock is triaged as late.\n"
            "A Patient's extension urn:vigie:expected (kinds as url, readings per day as\n"
            "valueDecimal) sets the measurements it is expected to send, as an enrolment does.\n\n"
            "  --config FILE   thresholds and windows: the [triage...] keys of the\n"
            "                  configuration file (docs/triage.md); other sections are ignored\n"
            "  --now TIME      the clock at the end of the input (RFC 3339, e.g.\n"
            "                  2026-03-10T08:00:00Z): time-based rules such as missing\n"
            "                  transmissions run up to it (default: the latest time read)\n"
            "  -h, --help      this help\n\n"
            "Lines that are not valid FHIR go to standard error with their number and the\n"
            "reason; the others are still triaged, and the exit status is then 1.\n");
}

struct offline {
    triage_engine *engine;
    struct triage_sink sink;
    strmap patients; /* "Patient/<id>" or "identifier|<system>|<value>" -> index */
    char **refs;     /* index -> the patient reference written in events */
    size_t patient_count, patient_capacity;
    FILE *spool;     /* source references, addressed by offset */
    uint64_t spool_size;
    bool spool_dirty;
    char ref[MAX_REF + 1];
    int64_t clock;
    int64_t line;
    long refused;
    buf out;
};

static void refuse(struct offline *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct offline *o, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigie triage: line %lld: ", (long long)o->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    o->refused++;
}

static void refuse_outcome(struct offline *o, const struct fhir_outcome *oo)
{
    for (size_t i = 0; i < oo->count; i++)
        if (oo->issues[i].severity <= FHIR_ERROR) {
            refuse(o, "%s", oo->issues[i].diagnostics);
            return;
        }
    refuse(o, "refused");
}

/* ---- Patients ------------------------------------------------------------------------------ */

static uint32_t add_patient(struct offline *o, const char *key, size_t key_len, const char *ref)
{
    if (o->patient_count == o->patient_capacity) {
        o->patient_capacity = o->patient_capacity ? o->patient_capacity * 2 : 256;
        o->refs = xrealloc(o->refs, o->patient_capacity * sizeof *o->refs);
    }
    uint32_t index = (uint32_t)o->patient_count++;
    o->refs[index] = xstrdup(ref);
    strmap_put(&o->patients, key, key_len, index);
    return index;
}

static uint32_t patient_by_id(struct offline *o, const char *id)
{
    char key[FHIR_MAX_ID + 16];
    int n = snprintf(key, sizeof key, "Patient/%s", id);
    int64_t index;
    if (strmap_get(&o->patients, key, (size_t)n, &index)) return (uint32_t)index;
    return add_patient(o, key, (size_t)n, key);
}

static uint32_t patient_by_identifier(struct offline *o, const char *system, const char *value,
                                      bool *found)
{
    char key[MAX_REF];
    int n = snprintf(key, sizeof key, "identifier|%s|%s", system, value);
    if (n >= (int)sizeof key) n = (int)sizeof key - 1;
    int64_t index;
    *found = strmap_get(&o->patients, key, (size_t)n, &index);
    if (*found) return (uint32_t)index;
    char ref[MAX_REF];
    snprintf(ref, sizeof ref, "Patient?identifier=%s|%s", system, value);
    return add_patient(o, key, (size_t)n, ref);
}

static uint32_t patient_of(struct offline *o, const struct fhir_patient_ref *ref)
{
    bool found;
    if (ref->id) return patient_by_id(o, ref->id);
    return patient_by_identifier(o, ref->ident_system ? ref->ident_system : "",
                                 ref->ident_value ? ref->ident_value : "", &found);
}

/* The measurements the patient is expected to send, when the Patient carries them as the
 * extension urn:vigie:expected ({"url":"weight","valueDecimal":1} per kind, per day): the
 * offline stand-in for the enrolment the server receives through its API. */
static void read_expected(struct offline *o, json_t *json, uint32_t patient)
{
    json_t *ext, *list = json_object_get(json, "extension");
    size_t i, j;
    json_array_foreach(list, i, ext) {
        const char *url = json_string_value(json_object_get(ext, "url"));
        if (!url || strcmp(url, "urn:vigie:expected") != 0) continue;
        struct triage_expected items[MEASURE_KIND_COUNT];
        size_t n = 0;
        json_t *item;
        json_array_foreach(json_object_get(ext, "extension"), j, item) {
            const char *kind = json_string_value(json_object_get(item, "url"));
            enum measure_kind k = kind ? measure_kind_from_name(kind, strlen(kind)) : MEASURE_NONE;
            json_t *per_day = json_object_get(item, "valueDecimal");
            if (k == MEASURE_NONE || !json_is_number(per_day) || n == MEASURE_KIND_COUNT)
                return refuse(o, "Patient.extension[%zu].extension[%zu]: give a measurement "
                                 "kind as url and the readings per day as valueDecimal", i, j);
            items[n++] = (struct triage_expected){k, json_number_value(per_day)};
        }
        verr e;
        if (triage_set_expected(o->engine, patient, items, n, o->clock, &e) < 0)
            refuse(o, "Patient.extension[%zu]: %s", i, e.msg);
        return;
    }
}

/* A Patient resource: its id, and its identifiers pointing at the same index. A patient
 * first referenced by identifier keeps that index and takes its logical id. */
static void read_patient(struct offline *o, json_t *json, struct fhir_outcome *oo)
{
    struct fhir_patient p;
    if (fhir_patient_parse(json, &p, oo) < 0) return refuse_outcome(o, oo);
    if (!p.id) return refuse(o, "Patient.id is missing: vigie triage names patients by id");
    char key[FHIR_MAX_ID + 16];
    int n = snprintf(key, sizeof key, "Patient/%s", p.id);
    int64_t index = -1;
    if (!strmap_get(&o->patients, key, (size_t)n, &index)) {
        for (size_t i = 0; i < p.identifier_count && index < 0; i++) {
            char ikey[MAX_REF];
            int m = snprintf(ikey, sizeof ikey, "identifier|%s|%s", p.identifiers[i].system,
                             p.identifiers[i].value);
            if (m < (int)sizeof ikey && !strmap_get(&o->patients, ikey, (size_t)m, &index))
                index = -1;
        }
        if (index >= 0) {
            free(o->refs[index]);
            o->refs[index] = xstrdup(key);
            strmap_put(&o->patients, key, (size_t)n, index);
        } else {
            index = add_patient(o, key, (size_t)n, key);
        }
    }
    for (size_t i = 0; i < p.identifier_count; i++) {
        char ikey[MAX_REF];
        int m = snprintf(ikey, sizeof ikey, "identifier|%s|%s", p.identifiers[i].system,
                         p.identifiers[i].value);
        int64_t existing;
        if (m < (int)sizeof ikey && !strmap_get(&o->patients, ikey, (size_t)m, &existing))
            strmap_put(&o->patients, ikey, (size_t)m, index);
    }
    read_expected(o, json, (uint32_t)index);
}

/* ---- Source references --------------------------------------------------------------------- */

/* Writes the resource's reference to the spool; the handle is its offset and length. */
static uint64_t source_handle(struct offline *o, const char *type, const char *id,
                              const char *ident_system, const char *ident_value)
{
    char ref[MAX_REF + 1];
    int n;
    if (id)
        n = snprintf(ref, sizeof ref, "%s/%s", type, id);
    else if (ident_value)
        n = snprintf(ref, sizeof ref, "%s?identifier=%s|%s", type,
                     ident_system ? ident_system : "", ident_value);
    else
        n = snprintf(ref, sizeof ref, "%s on line %lld", type, (long long)o->line);
    size_t len = n < (int)sizeof ref ? (size_t)n : MAX_REF;
    uint64_t offset = o->spool_size;
    if (fwrite(ref, 1, len, o->spool) != len) return 0;
    o->spool_size += len;
    o->spool_dirty = true;
    return (offset << 16) | len;
}

static const char *source_text(void *ctx, uint64_t handle, size_t *len)
{
    struct offline *o = ctx;
    if (o->spool_dirty) {
        fflush(o->spool);
        o->spool_dirty = false;
    }
    size_t n = handle & 0xFFFF;
    if (n > MAX_REF || pread(fileno(o->spool), o->ref, n, (off_t)(handle >> 16)) != (ssize_t)n)
        return NULL;
    *len = n;
    return o->ref;
}

static void write_event(void *ctx, const struct triage_event *ev)
{
    struct offline *o = ctx;
    buf_reset(&o->out);
    if (triage_event_to_json(ev, o->refs[ev->patient], source_text, o, &o->out) < 0) return;
    buf_putc(&o->out, '\n');
    fwrite(o->out.data, 1, o->out.len, stdout);
}

/* ---- Resources ----------------------------------------------------------------------------- */

/* The stream clock: the latest clinical time read. Time-based rules run as it advances. */
static void advance(struct offline *o, int64_t at_ms)
{
    if (at_ms <= o->clock) return;
    o->clock = at_ms;
    triage_tick(o->engine, o->clock, &o->sink);
}

/* No wall clock offline: clinical times are never "in the future". */
static const struct fhir_limits limits = {INT64_MAX / 4, 0};

static void read_observation(struct offline *o, json_t *json, struct fhir_outcome *oo)
{
    struct fhir_observation obs;
    if (fhir_observation_parse(json, &limits, &obs, oo) < 0) return refuse_outcome(o, oo);
    uint32_t patient = patient_of(o, &obs.subject);
    bool withdrawal = obs.status == OBS_ENTERED_IN_ERROR;
    if ((!obs.triage && !withdrawal) || !obs.has_effective) return; /* stored, not triaged */
    struct triage_observation t = {
        .kind = obs.kind,
        .value = obs.has_value ? obs.value : NAN,
        .value2 = obs.has_value2 ? obs.value2 : NAN,
        .at_ms = obs.effective_ms,
        .status = obs.status,
    };
    if (!withdrawal) {
        advance(o, obs.effective_ms);
        t.source = source_handle(o, "Observation", obs.id, obs.ident_system, obs.ident_value);
    }
    /* A withdrawal is matched by its content: the reading it corrects has another handle. */
    triage_observe(o->engine, patient, &t, o->clock, &o->sink);
}

static void read_condition(struct offline *o, json_t *json, struct fhir_outcome *oo)
{
    struct fhir_condition c;
    if (fhir_condition_parse(json, &c, oo) < 0) return refuse_outcome(o, oo);
    uint32_t patient = patient_of(o, &c.subject);
    triage_condition(o->engine, patient, c.codes, c.code_count, c.active, o->clock);
}

static bool status_is(const char *status, const char *const *list)
{
    for (; status && *list; list++)
        if (!strcmp(status, *list)) return true;
    return false;
}

static void read_communication(struct offline *o, json_t *json, struct fhir_outcome *oo)
{
    static const char *const skipped[] = {"entered-in-error", "not-done", NULL};
    struct fhir_communication c;
    if (fhir_communication_parse(json, &limits, &c, oo) < 0) return refuse_outcome(o, oo);
    uint32_t patient = patient_of(o, &c.subject);
    if (!status_is(c.status, skipped)) {
        advance(o, c.sent_ms);
        struct triage_report r = {c.sender_role, c.text, strlen(c.text), c.sent_ms,
                                  source_handle(o, "Communication", c.id, NULL, NULL)};
        triage_report(o->engine, patient, &r, o->clock, &o->sink);
    }
    fhir_communication_free(&c);
}

static void read_service_request(struct offline *o, json_t *json, struct fhir_outcome *oo)
{
    static const char *const skipped[] = {"entered-in-error", "revoked", "draft", NULL};
    struct fhir_service_request s;
    if (fhir_service_request_parse(json, &limits, &s, oo) < 0) return refuse_outcome(o, oo);
    uint32_t patient = patient_of(o, &s.subject);
    if (!status_is(s.status, skipped)) {
        advance(o, s.authored_ms);
        struct triage_request r = {s.priority, s.text, strlen(s.text), s.authored_ms,
                                   source_handle(o, "ServiceRequest", s.id, NULL, NULL)};
        triage_request(o->engine, patient, &r, o->clock, &o->sink);
    }
    fhir_service_request_free(&s);
}

static void read_line(struct offline *o, const char *text, size_t n)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *json = fhir_json_parse(text, n, &oo);
    const char *type = json ? fhir_resource_type(json, NULL, &oo) : NULL;
    if (!type)
        refuse_outcome(o, &oo);
    else if (!strcmp(type, "Observation"))
        read_observation(o, json, &oo);
    else if (!strcmp(type, "Patient"))
        read_patient(o, json, &oo);
    else if (!strcmp(type, "Condition"))
        read_condition(o, json, &oo);
    else if (!strcmp(type, "Communication"))
        read_communication(o, json, &oo);
    else if (!strcmp(type, "ServiceRequest"))
        read_service_request(o, json, &oo);
    else
        refuse(o, "resourceType '%.60s' is not one vigie triage reads (Patient, Condition, "
                  "Observation, Communication, ServiceRequest)",
               type);
    json_decref(json);
    fhir_outcome_free(&oo);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
    return true;
}

static int run(struct offline *o, FILE *in, int64_t end_ms)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t n;
    while ((n = getline(&line, &capacity, in)) >= 0) {
        o->line++;
        if ((size_t)n > MAX_LINE) {
            refuse(o, "line longer than %d bytes", MAX_LINE);
            continue;
        }
        if (blank(line, (size_t)n)) continue;
        read_line(o, line, (size_t)n);
    }
    free(line);
    if (ferror(in)) return cmd_fail("triage", "reading the input failed");
    if (end_ms > o->clock) o->clock = end_ms;
    triage_tick(o->engine, o->clock, &o->sink);
    fflush(stdout);
    if (o->refused) {
        fprintf(stderr, "vigie triage: %ld of %lld lines refused\n", o->refused,
                (long long)o->line);
        return CMD_EXIT_FAILURE;
    }
    return CMD_EXIT_OK;
}

static int load_config(const char *path, struct triage_config *cfg)
{
    verr e;
    triage_config_defaults(cfg);
    if (!path) return 0;
    config *c = config_load(path, &e);
    int rc = c && triage_config_load(c, cfg, &e) == 0 &&
                     config_check_unused_prefix(c, "triage.", &e) == 0
                 ? 0
                 : -1;
    config_free(c);
    if (rc < 0) cmd_fail("triage", "%s", e.msg);
    return rc;
}

int cmd_triage(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"now", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *now_text = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'n': now_text = optarg; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("triage", "unknown option");
        }
    }
    if (argc - optind > 1) return cmd_usage_error("triage", "give at most one FILE (or -)");
    int64_t end_ms = 0;
    if (now_text) {
        verr e;
        enum instant_precision precision;
        if (instant_parse(now_text, strlen(now_text), &end_ms, &precision, &e) < 0)
            return cmd_usage_error("triage", "--now: %s", e.msg);
    }
    struct triage_config cfg;
    if (load_config(config_path, &cfg) < 0) return CMD_EXIT_FAILURE;

    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in) return cmd_fail("triage", "%s: %s", path, strerror(errno));
    struct offline o = {.engine = triage_engine_new(&cfg), .spool = tmpfile()};
    int status;
    if (!o.spool) {
        status = cmd_fail("triage", "cannot create a temporary file for source references");
    } else {
        o.sink = (struct triage_sink){write_event, &o};
        strmap_init(&o.patients);
        buf_init(&o.out, MAX_EVENT);
        status = run(&o, in, end_ms);
        strmap_free(&o.patients);
        buf_free(&o.out);
        fclose(o.spool);
    }
    for (size_t i = 0; i < o.patient_count; i++) free(o.refs[i]);
    free(o.refs);
    triage_engine_free(o.engine);
    if (in != stdin) fclose(in);
    return status;
}
