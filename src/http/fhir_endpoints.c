/* FHIR R4 REST endpoints: create, update, read, search, batch/transaction, $import. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "fhir/fhir.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const accepted[] = {"Observation", "Patient", "Condition", "Communication",
                                       "ServiceRequest"};

static bool type_accepted(const char *type)
{
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        if (!strcmp(type, accepted[i])) return true;
    return false;
}

static bool refuse_unknown_type(struct http_request *r, const char *type)
{
    if (type_accepted(type)) return false;
    http_respond_outcome(r, 404, "not-supported", NULL,
                         "Vigie does not serve %.60s resources (it serves Observation, Patient, "
                         "Condition, Communication, ServiceRequest)",
                         type);
    return true;
}

static struct ingest_request *new_request(struct http_request *r)
{
    char channel[128];
    snprintf(channel, sizeof channel, "%s %.100s", http_method(r), http_url(r));
    return ingest_request_new(http_app_of(r)->ing, instant_now_ms(), http_caller_name(r), channel);
}

static bool check_content_type(struct http_request *r, const char *expected_word)
{
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strstr(ct, "json") || strstr(ct, expected_word)) return true;
    http_respond_outcome(r, 415, "not-supported", NULL,
                         "Content-Type %.60s is not accepted; send %s", ct,
                         strstr(expected_word, "ndjson") ? "application/fhir+ndjson"
                                                         : FHIR_CONTENT_TYPE);
    return false;
}

void http_fhir_create(struct http_request *r)
{
    const char *type = http_param(r, 0);
    if (refuse_unknown_type(r, type) || !check_content_type(r, "json")) return;
    size_t n;
    const char *body = http_body(r, &n);
    struct ingest_request *req = new_request(r);
    ingest_prepare_resource(req, type, NULL, body, n);
    http_submit_ingest(r, req);
}

void http_fhir_update(struct http_request *r)
{
    const char *type = http_param(r, 0);
    if (refuse_unknown_type(r, type) || !check_content_type(r, "json")) return;
    if (!strcmp(type, "Communication") || !strcmp(type, "ServiceRequest")) {
        http_respond_outcome(r, 405, "not-supported", NULL,
                             "%s resources are created with POST; they are not updated", type);
        return;
    }
    size_t n;
    const char *body = http_body(r, &n);
    struct ingest_request *req = new_request(r);
    ingest_prepare_resource(req, type, http_param(r, 1), body, n);
    http_submit_ingest(r, req);
}

void http_fhir_bundle(struct http_request *r)
{
    if (!check_content_type(r, "json")) return;
    size_t n;
    const char *body = http_body(r, &n);
    struct ingest_request *req = new_request(r);
    ingest_prepare_bundle(req, body, n);
    http_submit_ingest(r, req);
}

void http_fhir_read(struct http_request *r)
{
    const char *type = http_param(r, 0), *id = http_param(r, 1);
    if (refuse_unknown_type(r, type)) return;
    store *s = http_reader(r);
    if (!s) {
        http_respond_outcome(r, 503, "transient", NULL, "the database is unavailable");
        return;
    }
    buf b;
    buf_init(&b, (size_t)http_app_of(r)->max_body);
    verr e;
    int64_t patient_key;
    int id_form = ID_IN_TEXT;
    int rc;
    if (!strcmp(type, "Patient"))
        rc = store_patient_read(s, id, &b, &patient_key, &e);
    else if (!strcmp(type, "Observation"))
        rc = store_observation_read(s, id, &b, &patient_key, &id_form, &e);
    else
        rc = store_resource_read(s, type, id, &b, &patient_key, &e);
    if (rc == 0 && http_may_patient(r, patient_key, ACCESS_READ)) {
        if (id_form != ID_IN_TEXT) {
            buf with_id;
            buf_init(&with_id, b.max + 128);
            fhir_resource_with_id(b.data, b.len, (enum fhir_id_form)id_form, id, &with_id);
            buf_free(&b);
            b = with_id;
        }
        http_respond(r, 200, FHIR_CONTENT_TYPE, &b);
        return;
    }
    if (rc == 0) rc = 1; /* out of reach: the same answer as unknown */
    buf_free(&b);
    if (rc < 0)
        http_respond_outcome(r, 500, "exception", NULL, "%s", e.msg);
    else
        http_respond_outcome(r, 404, "not-found", NULL, "%s/%.64s is not known", type, id);
}

/* ---- Search ------------------------------------------------------------------------------ */

#define SEARCH_DEFAULT_COUNT 100
#define SEARCH_MAX_COUNT 1000

/* Applies one date parameter ("ge2026-03-01", "2026-03", "lt2026-03-04T10:00:00Z") to the
 * inclusive range [*from, *to]. */
static int apply_date(const char *param, int64_t *from, int64_t *to, verr *e)
{
    const char *prefixes[] = {"eq", "ge", "gt", "le", "lt"};
    int prefix = 0;
    for (int i = 0; i < 5; i++)
        if (!strncmp(param, prefixes[i], 2)) prefix = i;
    const char *value = param;
    if (!strncmp(param, prefixes[prefix], 2)) value += 2;
    else if (param[0] >= 'a' && param[0] <= 'z')
        return verr_fail(e, "date prefix '%.2s' is not supported (eq, ge, gt, le, lt)", param);
    int64_t start;
    enum instant_precision prec;
    if (instant_parse(value, strlen(value), &start, &prec, e) < 0) return -1;
    /* The end of the period the value denotes (a day, a month, a year or an instant). */
    int64_t end = start;
    int64_t year;
    unsigned month, day;
    instant_civil_from_days(start / INSTANT_MS_PER_DAY, &year, &month, &day);
    switch (prec) {
    case INSTANT_YEAR:
        end = instant_days_from_civil(year + 1, 1, 1) * INSTANT_MS_PER_DAY - 1;
        break;
    case INSTANT_MONTH:
        end = (month == 12 ? instant_days_from_civil(year + 1, 1, 1)
                           : instant_days_from_civil(year, month + 1, 1)) *
                  INSTANT_MS_PER_DAY -
              1;
        break;
    case INSTANT_DAY: end = start + INSTANT_MS_PER_DAY - 1; break;
    default: end = start; break;
    }
    switch (prefix) {
    case 0:
        if (*from == STORE_NO_TIME || start > *from) *from = start;
        if (*to == STORE_NO_TIME || end < *to) *to = end;
        break;
    case 1:
        if (*from == STORE_NO_TIME || start > *from) *from = start;
        break;
    case 2:
        if (*from == STORE_NO_TIME || end + 1 > *from) *from = end + 1;
        break;
    case 3:
        if (*to == STORE_NO_TIME || end < *to) *to = end;
        break;
    case 4:
        if (*to == STORE_NO_TIME || start - 1 < *to) *to = start - 1;
        break;
    }
    return 0;
}

struct search_out {
    buf *b;
    int count, want;
    bool more;
    int64_t last_effective, last_seq;
};

static int search_row(void *arg, const struct store_obs_row *row)
{
    struct search_out *out = arg;
    if (out->count == out->want) {
        out->more = true; /* one row past the page: a next page exists */
        return 1;
    }
    buf_printf(out->b, "%s{\"fullUrl\":\"Observation/%s\",\"resource\":", out->count ? "," : "",
               row->id);
    fhir_resource_with_id(row->resource, row->resource_len, (enum fhir_id_form)row->id_form,
                          row->id, out->b);
    buf_puts(out->b, ",\"search\":{\"mode\":\"match\"}}");
    out->count++;
    out->last_effective = row->effective_ms;
    out->last_seq = row->seq;
    return 0;
}

/* Copies the current query string without _cursor, for the links. */
static void self_query(struct http_request *r, buf *q)
{
    const char *names[] = {"patient", "code", "date", "_count"};
    for (size_t i = 0; i < 4; i++) {
        const char *values[8];
        int n = http_query_all(r, names[i], values, 8);
        for (int k = 0; k < n; k++) {
            buf_printf(q, "%s%s=", q->len ? "&" : "", names[i]);
            for (const char *p = values[k]; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    strchr("-._~:", c))
                    buf_putc(q, (char)c);
                else
                    buf_printf(q, "%%%02X", c);
            }
        }
    }
}

void http_fhir_search_observation(struct http_request *r)
{
    store *s = http_reader(r);
    if (!s) {
        http_respond_outcome(r, 503, "transient", NULL, "the database is unavailable");
        return;
    }
    const char *patient = http_query(r, "patient");
    if (!patient || !*patient) {
        http_respond_outcome(r, 400, "required", "patient",
                             "the patient search parameter is required (patient=<id>)");
        return;
    }
    if (!strncmp(patient, "Patient/", 8)) patient += 8;
    struct store_obs_query q = {.kind = -1,
                                .from_ms = STORE_NO_TIME,
                                .to_ms = STORE_NO_TIME,
                                .after_effective = STORE_NO_TIME,
                                .limit = SEARCH_DEFAULT_COUNT};
    verr e;
    int rc = store_patient_key(s, patient, &q.patient_key, &e);
    if (rc == 0 && !http_may_patient(r, q.patient_key, ACCESS_READ)) rc = 1;
    if (rc != 0) {
        if (rc < 0)
            http_respond_outcome(r, 500, "exception", NULL, "%s", e.msg);
        else
            http_respond_outcome(r, 404, "not-found", "patient", "Patient/%.64s is not known",
                                 patient);
        return;
    }
    const char *code = http_query(r, "code");
    if (code && *code) {
        const char *bar = strchr(code, '|');
        const char *system = bar ? code : NULL;
        size_t system_len = bar ? (size_t)(bar - code) : 0;
        const char *c = bar ? bar + 1 : code;
        const struct measure_code *mc = NULL;
        if (system)
            mc = measure_code_lookup(system, system_len, c, strlen(c));
        else if (!(mc = measure_code_lookup(MEASURE_SYSTEM_LOINC, strlen(MEASURE_SYSTEM_LOINC), c,
                                            strlen(c))))
            mc = measure_code_lookup(MEASURE_SYSTEM_SNOMED, strlen(MEASURE_SYSTEM_SNOMED), c,
                                     strlen(c));
        if (mc) {
            q.kind = mc->kind;
        } else {
            q.kind = MEASURE_NONE;
            q.code = c;
        }
    }
    const char *dates[4];
    int ndates = http_query_all(r, "date", dates, 4);
    for (int i = 0; i < ndates; i++) {
        if (apply_date(dates[i], &q.from_ms, &q.to_ms, &e) < 0) {
            http_respond_outcome(r, 400, "value", "date", "date=%.40s: %s", dates[i], e.msg);
            return;
        }
    }
    const char *count = http_query(r, "_count");
    if (count) {
        char *end;
        long n = strtol(count, &end, 10);
        if (*end || n < 1 || n > SEARCH_MAX_COUNT) {
            http_respond_outcome(r, 400, "value", "_count", "_count must be 1 to %d",
                                 SEARCH_MAX_COUNT);
            return;
        }
        q.limit = (int)n;
    }
    const char *cursor = http_query(r, "_cursor");
    if (cursor) {
        long long eff, seq;
        if (sscanf(cursor, "%lld.%lld", &eff, &seq) != 2) {
            http_respond_outcome(r, 400, "value", "_cursor", "_cursor is malformed");
            return;
        }
        q.after_effective = eff;
        q.after_seq = seq;
    }
    buf b;
    buf_init(&b, (size_t)http_app_of(r)->max_body);
    buf query;
    buf_init(&query, 8192);
    self_query(r, &query);
    buf_printf(&b, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
    struct search_out out = {.b = &b, .want = q.limit};
    q.limit++; /* one row more than asked tells whether a next page exists */
    rc = store_observation_search(s, &q, search_row, &out, &e);
    if (rc < 0) {
        buf_free(&b);
        buf_free(&query);
        http_respond_outcome(r, 500, "exception", NULL, "%s", e.msg);
        return;
    }
    buf_printf(&b, "],\"link\":[{\"relation\":\"self\",\"url\":\"/fhir/Observation?%s\"}",
               buf_cstr(&query));
    if (out.more) {
        buf_printf(&b, ",{\"relation\":\"next\",\"url\":\"/fhir/Observation?%s&_cursor=%lld.%lld\"}",
                   buf_cstr(&query), (long long)out.last_effective, (long long)out.last_seq);
    }
    buf_puts(&b, "]}");
    buf_free(&query);
    http_respond(r, 200, FHIR_CONTENT_TYPE, &b);
}

void http_fhir_metadata(struct http_request *r)
{
    char date[40];
    instant_format_utc(http_app_of(r)->started_ms, date);
    buf b;
    buf_init(&b, 1 << 20);
    fhir_capability_write(&b, "0.1.0", date);
    http_respond(r, 200, FHIR_CONTENT_TYPE, &b);
}
