/* A patient's timeline for the charts, and a coordinator's threshold overrides:
 * GET /api/patients/{id}/timeline, GET and PUT /api/patients/{id}/thresholds. */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "platform/platform.h"
#include "triage/triage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The patient of the path if the caller may do `access` on it; answers 404 otherwise. */
static bool load_patient(struct http_request *r, enum auth_access access, int64_t *key)
{
    store *s = http_reader(r);
    char territory[64];
    verr e;
    const char *id = http_param(r, 0);
    int rc = s ? store_patient_info(s, id, key, territory, &e) : -1;
    if (rc < 0) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return false;
    }
    if (rc == 1 || !http_may_patient_in(r, id, territory[0] ? territory : NULL, access)) {
        http_respond_error(r, 404, NULL, "Patient/%.64s is not known", id);
        return false;
    }
    return true;
}

struct condition_scan {
    unsigned classes;
};

static int scan_condition(void *arg, const char *json, size_t len)
{
    struct condition_scan *cs = arg;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(json, len, &oo);
    struct fhir_condition c;
    if (j && fhir_condition_parse(j, &c, &oo) == 0 && c.active)
        for (size_t i = 0; i < c.code_count; i++)
            cs->classes |= triage_condition_classify(c.codes[i], strlen(c.codes[i]));
    json_decref(j);
    fhir_outcome_free(&oo);
    return 0;
}

/* Thresholds in force: defaults, the patient's latest override, and the SpO2 scale its
 * conditions imply when no target was set. */
static void thresholds_in_force(struct http_request *r, int64_t key, struct triage_thresholds *th,
                                buf *override_json, char who[64], int64_t *at)
{
    store *s = http_reader(r);
    verr e;
    *th = http_app_of(r)->platform->triage_config.thresholds;
    buf_reset(override_json);
    who[0] = '\0';
    *at = STORE_NO_TIME;
    if (store_override_latest(s, key, override_json, who, at, &e) == 0) {
        struct triage_overrides ov;
        if (triage_overrides_parse(override_json->data, override_json->len, &ov, &e) == 0)
            triage_thresholds_apply(th, &ov);
    }
    if (th->spo2_scale == 0) {
        struct condition_scan cs = {0};
        store_resources_of_patient(s, key, "Condition", scan_condition, &cs, &e);
        th->spo2_scale = triage_spo2_scale(&http_app_of(r)->platform->triage_config, cs.classes);
    }
}

static void write_thresholds(buf *b, const struct triage_thresholds *th)
{
    struct triage_overrides all = {.set = (1u << TRIAGE_OVERRIDE_COUNT) - 1, .values = *th};
    triage_overrides_to_json(&all, b);
}

struct series_out {
    buf *b;
    int count;
};

static int series_row(void *arg, const struct store_obs_row *row)
{
    struct series_out *o = arg;
    char at[40];
    instant_format_utc(row->effective_ms, at);
    buf_printf(o->b, "%s{\"at\":\"%s\"", o->count++ ? "," : "", at);
    if (!isnan(row->value)) buf_printf(o->b, ",\"value\":%.6g", row->value);
    if (!isnan(row->value2)) buf_printf(o->b, ",\"value2\":%.6g", row->value2);
    buf_printf(o->b, ",\"id\":\"%s\"}", row->id);
    return 0;
}

static int fired_row(void *arg, const char *id)
{
    struct series_out *o = arg;
    buf_printf(o->b, "%s\"%s\"", o->count++ ? "," : "", id);
    return 0;
}

void http_api_timeline(struct http_request *r)
{
    int64_t key;
    if (!load_patient(r, ACCESS_READ, &key)) return;
    const char *days_text = http_query(r, "days");
    long days = days_text ? strtol(days_text, NULL, 10) : 7;
    if (days < 1 || days > 366) {
        http_respond_error(r, 400, "days", "days must be 1 to 366");
        return;
    }
    /* the window ends now, or at `to` (a case raised by late data is shown around it) */
    int64_t now = instant_now_ms();
    const char *to_text = http_query(r, "to");
    if (to_text) {
        verr te;
        enum instant_precision prec;
        if (instant_parse(to_text, strlen(to_text), &now, &prec, &te) < 0) {
            http_respond_error(r, 400, "to", "%s", te.msg);
            return;
        }
        if (prec == INSTANT_DAY) now += INSTANT_MS_PER_DAY - 1;
    }
    store *s = http_reader(r);
    int64_t from = now - days * INSTANT_MS_PER_DAY;
    char f[40], t[40];
    instant_format_utc(from, f);
    instant_format_utc(now, t);
    buf b;
    buf_init(&b, (size_t)64 << 20);
    buf_puts(&b, "{\"patient\":");
    buf_append_json_string(&b, http_param(r, 0), strlen(http_param(r, 0)));
    buf_printf(&b, ",\"days\":%ld,\"from\":\"%s\",\"to\":\"%s\",\"series\":{", days, f, t);
    verr e;
    bool first = true;
    for (int k = 1; k < MEASURE_KIND_COUNT; k++) {
        struct store_obs_query q = {.patient_key = key,
                                    .kind = k,
                                    .from_ms = from,
                                    .to_ms = now,
                                    .after_effective = STORE_NO_TIME,
                                    .limit = 20000};
        size_t mark = b.len;
        buf_printf(&b, "%s\"%s\":[", first ? "" : ",", measure_info((enum measure_kind)k)->name);
        struct series_out o = {&b, 0};
        store_observation_search(s, &q, series_row, &o, &e);
        if (o.count == 0) {
            b.len = mark; /* no readings of this kind: leave it out */
            b.data[b.len] = '\0';
            continue;
        }
        buf_putc(&b, ']');
        first = false;
    }
    buf_puts(&b, "},\"fired\":[");
    struct series_out fo = {&b, 0};
    store_patient_fired(s, key, from, fired_row, &fo, &e);
    buf_puts(&b, "],\"thresholds\":");
    struct triage_thresholds th;
    buf ov;
    buf_init(&ov, 1 << 16);
    char who[64];
    int64_t at;
    thresholds_in_force(r, key, &th, &ov, who, &at);
    write_thresholds(&b, &th);
    buf_free(&ov);
    buf_putc(&b, '}');
    http_respond(r, 200, "application/json", &b);
}

void http_api_thresholds_get(struct http_request *r)
{
    int64_t key;
    if (!load_patient(r, ACCESS_READ, &key)) return;
    struct triage_thresholds th;
    buf ov;
    buf_init(&ov, 1 << 16);
    char who[64];
    int64_t at;
    thresholds_in_force(r, key, &th, &ov, who, &at);
    buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"overrides\":");
    buf_puts(&b, ov.len ? buf_cstr(&ov) : "null");
    if (at != STORE_NO_TIME) {
        char when[40];
        instant_format_utc(at, when);
        buf_puts(&b, ",\"set_by\":");
        buf_append_json_string(&b, who, strlen(who));
        buf_printf(&b, ",\"set_at\":\"%s\"", when);
    }
    buf_puts(&b, ",\"in_force\":");
    write_thresholds(&b, &th);
    buf_putc(&b, '}');
    buf_free(&ov);
    http_respond(r, 200, "application/json", &b);
}

struct threshold_write {
    struct platform *platform;
    int64_t patient_key;
    struct triage_overrides ov;
    char *json;
    char who[64];
    int64_t now;
};

static void threshold_write_free(void *arg)
{
    struct threshold_write *w = arg;
    free(w->json);
    free(w);
}

static int threshold_write_apply(store *s, void *arg, verr *e)
{
    struct threshold_write *w = arg;
    if (store_override_add(s, w->patient_key, w->json, w->who, w->now, e) < 0) return -1;
    /* the writer owns the engine: the new thresholds apply from the next signal */
    triage_set_overrides(platform_engine(w->platform), (uint32_t)w->patient_key, &w->ov);
    return 0;
}

static void threshold_write_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    (void)arg;
    if (status != 0) {
        http_respond_error(r, 503, NULL, "the thresholds could not be stored: %s", e->msg);
        return;
    }
    http_api_thresholds_get(r);
}

void http_api_thresholds_put(struct http_request *r)
{
    int64_t key;
    if (!load_patient(r, ACCESS_READ, &key)) return;
    if (http_principal(r)->role != ROLE_COORDINATOR) {
        http_respond_error(r, 403, NULL, "only a coordinating physician may change thresholds");
        return;
    }
    size_t n;
    const char *body = http_body(r, &n);
    struct threshold_write *w = xcalloc(1, sizeof *w);
    verr e;
    if (triage_overrides_parse(body, n, &w->ov, &e) < 0) {
        /* the parser's messages begin with the key they are about ("weight_gain_kg: ...",
         * "'foo' is not a threshold..."): name it as the error's field */
        char field[64] = "";
        const char *m = e.msg + (e.msg[0] == '\'');
        size_t k = strspn(m, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (k > 0 && k < sizeof field && (m[k] == ':' || m[k] == '\'' || m[k] == ' '))
            snprintf(field, sizeof field, "%.*s", (int)k, m);
        threshold_write_free(w);
        http_respond_error(r, 422, field[0] ? field : NULL, "%s", e.msg);
        return;
    }
    buf canonical;
    buf_init(&canonical, 1 << 16);
    triage_overrides_to_json(&w->ov, &canonical);
    w->json = buf_steal(&canonical);
    w->platform = http_app_of(r)->platform;
    w->patient_key = key;
    snprintf(w->who, sizeof w->who, "%s", http_principal(r)->username);
    w->now = instant_now_ms();
    http_submit_write(r, threshold_write_apply, threshold_write_respond, w, threshold_write_free);
}
