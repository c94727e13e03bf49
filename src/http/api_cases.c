/* The coordination queue: GET /api/queue, GET /api/cases/{id}, POST /api/cases/{id}/{action},
 * GET /api/evaluation. Cases out of the caller's territories answer 404. */
#include "http/http_int.h"
#include "cases/cases.h"
#include "core/instant.h"
#include "core/mem.h"
#include "platform/platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool case_visible(struct http_request *r, const struct store_case *c)
{
    /* audited: each case shown is a read of its patient's data */
    return http_may_patient_in(r, c->patient_id, c->territory[0] ? c->territory : NULL,
                               ACCESS_READ);
}

struct queue_out {
    struct http_request *r;
    buf *b;
    int count;
    int64_t now;
};

static int queue_row(void *arg, const struct store_case *c)
{
    struct queue_out *q = arg;
    if (!case_visible(q->r, c)) return 0;
    if (q->count++) buf_putc(q->b, ',');
    cases_case_json(c, q->now, q->b);
    return 0;
}

void http_api_queue(struct http_request *r)
{
    const struct auth_principal *who = http_principal(r);
    store *s = http_reader(r);
    if (!s) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return;
    }
    buf b;
    buf_init(&b, (size_t)64 << 20);
    buf_puts(&b, "{\"cases\":[");
    struct queue_out q = {r, &b, 0, instant_now_ms()};
    verr e;
    if (store_queue(s, (const char *const *)who->territories, who->territory_count, false,
                    queue_row, &q, &e) < 0) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return;
    }
    buf_printf(&b, "],\"count\":%d}", q.count);
    http_respond(r, 200, "application/json", &b);
}

/* The case named in the path, if the caller may see it; answers 404 otherwise. */
static bool load_case(struct http_request *r, struct store_case *c)
{
    char *end;
    long long id = strtoll(http_param(r, 0), &end, 10);
    store *s = http_reader(r);
    verr e;
    int rc = *end || id <= 0 || !s ? 1 : store_case_get(s, id, c, &e);
    if (rc < 0) {
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return false;
    }
    if (rc == 1 || !case_visible(r, c)) {
        http_respond_error(r, 404, NULL, "case %s is not known", http_param(r, 0));
        return false;
    }
    return true;
}

struct items_out {
    buf *b;
    int count;
};

static int case_item(void *arg, const struct store_case_item *item)
{
    struct items_out *o = arg;
    char at[40];
    instant_format_utc(item->at_ms, at);
    if (o->count++) buf_putc(o->b, ',');
    buf_printf(o->b, "{\"kind\":\"%s\",\"at\":\"%s\"", item->kind, at);
    if (!strcmp(item->kind, "event")) {
        buf_puts(o->b, ",\"event\":");
        buf_puts(o->b, item->text);
        buf_printf(o->b, ",\"withdrawn\":%s", item->withdrawn ? "true" : "false");
    } else {
        buf_puts(o->b, ",\"who\":");
        buf_append_json_string(o->b, item->who, strlen(item->who));
        buf_puts(o->b, ",\"text\":");
        buf_append_json_string(o->b, item->text, strlen(item->text));
    }
    buf_putc(o->b, '}');
    return 0;
}

static int recent_row(void *arg, const struct store_obs_row *row)
{
    struct items_out *o = arg;
    char at[40];
    instant_format_utc(row->effective_ms, at);
    if (o->count++) buf_putc(o->b, ',');
    const struct measure_info *info = measure_info((enum measure_kind)row->kind);
    buf_printf(o->b, "{\"kind\":\"%s\",\"at\":\"%s\"", info->name, at);
    if (!isnan(row->value)) buf_printf(o->b, ",\"value\":%.6g", row->value);
    if (!isnan(row->value2)) buf_printf(o->b, ",\"value2\":%.6g", row->value2);
    buf_printf(o->b, ",\"unit\":\"%s\",\"id\":\"%s\"}", info->unit, row->id);
    return 0;
}

void http_api_case(struct http_request *r)
{
    struct store_case c;
    if (!load_case(r, &c)) return;
    store *s = http_reader(r);
    int64_t now = instant_now_ms();
    buf b;
    buf_init(&b, (size_t)64 << 20);
    buf_puts(&b, "{\"case\":");
    cases_case_json(&c, now, &b);
    buf_puts(&b, ",\"items\":[");
    struct items_out o = {&b, 0};
    verr e;
    store_case_items(s, c.id, case_item, &o, &e);
    /* the patient's measurements of the last 7 days, oldest first */
    buf_puts(&b, "],\"recent\":[");
    struct items_out m = {&b, 0};
    struct store_obs_query q = {.patient_key = c.patient_key,
                                .kind = -1,
                                .from_ms = now - 7 * INSTANT_MS_PER_DAY,
                                .to_ms = STORE_NO_TIME,
                                .after_effective = STORE_NO_TIME,
                                .limit = 2000};
    store_observation_search(s, &q, recent_row, &m, &e);
    buf_puts(&b, "]}");
    http_respond(r, 200, "application/json", &b);
}

/* ---- Transitions (through the writer) -------------------------------------------------- */

struct case_write {
    struct case_command cmd;
    const struct cases_config *cfg;
    char who[64];
    char *outcome, *text;
    int status; /* HTTP status decided by cases_apply */
    char case_json[8192];
};

static void case_write_free(void *arg)
{
    struct case_write *w = arg;
    free(w->outcome);
    free(w->text);
    free(w);
}

static int case_write_apply(store *s, void *arg, verr *e)
{
    struct case_write *w = arg;
    int rc = cases_apply(w->cfg, s, &w->cmd, e);
    w->status = rc == 0 ? 200 : rc < 0 ? 500 : rc;
    if (rc != 0) return -1;
    struct store_case c;
    if (store_case_get(s, w->cmd.case_id, &c, e) == 0) {
        buf b;
        buf_init(&b, sizeof w->case_json - 1);
        cases_case_json(&c, w->cmd.now_ms, &b);
        snprintf(w->case_json, sizeof w->case_json, "%s", buf_cstr(&b));
        buf_free(&b);
    }
    return 0;
}

static void case_write_respond(struct http_request *r, void *arg, int status, const verr *e)
{
    struct case_write *w = arg;
    if (status != 0) {
        http_respond_error(r, w->status >= 400 ? w->status : 500, NULL, "%s", e->msg);
        return;
    }
    buf b;
    buf_init(&b, sizeof w->case_json + 32);
    buf_printf(&b, "{\"case\":%s}", w->case_json);
    http_respond(r, 200, "application/json", &b);
}

static void case_transition(struct http_request *r, enum case_action action)
{
    struct store_case c;
    if (!load_case(r, &c)) return;
    const struct auth_principal *who = http_principal(r);
    bool coordinator = who->role == ROLE_COORDINATOR;
    if (!coordinator && action != CASE_NOTE && action != CASE_ACT) {
        http_respond_error(r, 403, NULL, "only a coordinating physician may do this");
        return;
    }
    struct case_write *w = xcalloc(1, sizeof *w);
    w->cfg = &http_app_of(r)->platform->cases_config;
    snprintf(w->who, sizeof w->who, "%s", who->username);
    w->cmd = (struct case_command){.case_id = c.id, .action = action, .who = w->who,
                                   .now_ms = instant_now_ms()};
    size_t n;
    http_body(r, &n);
    if (n > 0) {
        json_t *j = http_json_body(r);
        if (!j) {
            case_write_free(w);
            return;
        }
        json_t *text = json_object_get(j, action == CASE_CLOSE    ? "note"
                                          : action == CASE_REOPEN ? "reason"
                                                                  : "text");
        json_t *outcome = json_object_get(j, "outcome");
        if (text && !json_is_string(text)) {
            json_decref(j);
            case_write_free(w);
            http_respond_error(r, 400, action == CASE_CLOSE ? "note" : "text", "must be a string");
            return;
        }
        if (text) w->text = xstrdup(json_string_value(text));
        if (outcome && json_is_string(outcome)) w->outcome = xstrdup(json_string_value(outcome));
        json_decref(j);
    }
    if ((action == CASE_NOTE || action == CASE_ACT) && (!w->text || !*w->text)) {
        case_write_free(w);
        http_respond_error(r, 400, "text", "text is required");
        return;
    }
    if (action == CASE_CLOSE && (!w->outcome || !case_outcome_valid(w->outcome))) {
        case_write_free(w);
        http_respond_error(r, 422, "outcome",
                           "outcome must be one of advice, teleconsultation, home_visit, "
                           "mobile_team, emergency_15, hospitalised, false_alarm, no_action");
        return;
    }
    w->cmd.text = w->text;
    w->cmd.outcome = w->outcome;
    http_submit_write(r, case_write_apply, case_write_respond, w, case_write_free);
}

void http_api_case_claim(struct http_request *r)
{
    case_transition(r, CASE_CLAIM);
}

void http_api_case_release(struct http_request *r)
{
    case_transition(r, CASE_RELEASE);
}

void http_api_case_note(struct http_request *r)
{
    case_transition(r, CASE_NOTE);
}

void http_api_case_action(struct http_request *r)
{
    case_transition(r, CASE_ACT);
}

void http_api_case_close(struct http_request *r)
{
    case_transition(r, CASE_CLOSE);
}

void http_api_case_reopen(struct http_request *r)
{
    case_transition(r, CASE_REOPEN);
}

/* ---- Evaluation ------------------------------------------------------------------------ */

static int parse_day(struct http_request *r, const char *name, int64_t def, int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v) {
        *out = def;
        return 0;
    }
    enum instant_precision prec;
    verr e;
    if (instant_parse(v, strlen(v), out, &prec, &e) < 0) {
        http_respond_error(r, 400, name, "%s", e.msg);
        return -1;
    }
    return 0;
}

static void write_seconds(buf *b, double s)
{
    if (isnan(s))
        buf_puts(b, "null");
    else
        buf_printf(b, "%.0f", s);
}

void http_api_evaluation(struct http_request *r)
{
    const struct auth_principal *who = http_principal(r);
    const char *territory = http_query(r, "territory");
    if (!territory && who->territory_count == 1) territory = who->territories[0];
    if (!territory && who->role != ROLE_ADMIN) {
        http_respond_error(r, 400, "territory", "territory is required (one of yours)");
        return;
    }
    if (territory && !auth_may_see_territory(who, territory)) {
        http_respond_error(r, 404, "territory", "territory %s is not known", territory);
        return;
    }
    int64_t now = instant_now_ms(), from, to;
    if (parse_day(r, "from", now - 30 * INSTANT_MS_PER_DAY, &from) < 0 ||
        parse_day(r, "to", now, &to) < 0)
        return;
    if (to <= from) {
        http_respond_error(r, 400, "to", "to must be after from");
        return;
    }
    store *s = http_reader(r);
    struct store_evaluation ev;
    verr e;
    if (!s || store_evaluation(s, territory, from, to, case_outcomes, CASE_OUTCOME_COUNT, &ev,
                               &e) < 0) {
        http_respond_error(r, 500, NULL, "%s", s ? e.msg : "database unavailable");
        return;
    }
    double months = (double)(to - from) / (30.4375 * INSTANT_MS_PER_DAY);
    double patient_months = (double)ev.patients * months;
    char f[40], t[40];
    instant_format_utc(from, f);
    instant_format_utc(to, t);
    buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"territory\":");
    if (territory)
        buf_append_json_string(&b, territory, strlen(territory));
    else
        buf_puts(&b, "null");
    buf_printf(&b, ",\"from\":\"%s\",\"to\":\"%s\",\"patients\":%lld,\"patient_months\":%.2f,",
               f, t, (long long)ev.patients, patient_months);
    buf_puts(&b, "\"by_category\":[");
    for (int c = 0; c < 3; c++) {
        buf_printf(&b,
                   "%s{\"category\":%d,\"alerts\":%lld,\"alerts_per_patient_month\":%.3f,"
                   "\"cases\":%lld,\"median_time_to_claim_s\":",
                   c ? "," : "", c + 1, (long long)ev.alerts[c],
                   patient_months > 0 ? (double)ev.alerts[c] / patient_months : 0.0,
                   (long long)ev.cases[c]);
        write_seconds(&b, ev.median_claim_s[c]);
        buf_puts(&b, ",\"median_time_to_close_s\":");
        write_seconds(&b, ev.median_close_s[c]);
        buf_putc(&b, '}');
    }
    buf_puts(&b, "],\"outcomes\":{");
    for (int i = 0; i < CASE_OUTCOME_COUNT; i++)
        buf_printf(&b, "%s\"%s\":%lld", i ? "," : "", case_outcomes[i],
                   (long long)ev.outcomes[i]);
    int64_t false_alarms = ev.outcomes[6];
    buf_printf(&b,
               "},\"closed\":%lld,\"false_alarm_share\":%.3f,\"emergency_referrals\":%lld,"
               "\"past_deadline\":%lld}",
               (long long)ev.closed, ev.closed ? (double)false_alarms / (double)ev.closed : 0.0,
               (long long)ev.outcomes[4], (long long)ev.escalated);
    http_respond(r, 200, "application/json", &b);
}
