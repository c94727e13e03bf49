/* The triage engine inside the writer: inputs in, events out to the cases, queue changes
 * published after each commit, state rebuilt from the store when needed. */
#include "platform/platform_int.h"
#include "core/instant.h"
#include "core/log.h"
#include "core/mem.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events kept from one engine call until they are stored (the engine's pointers are only
 * valid during its callback). */
struct pending_event {
    struct triage_event ev;
    char *reason;
};

struct platform_triage {
    struct platform *p;
    triage_engine *engine;
    struct pending_event *pending;
    size_t pending_count, pending_cap;
    platform_publish_fn publish;
    void (*heartbeat)(void *ctx);
    void *publish_ctx;
    int64_t last_heartbeat_ms;
    int64_t last_feed_id; /* last change handed to the publisher (under feed_lock) */
    pthread_mutex_t feed_lock; /* the writer and the feed listener both publish */
    char source_text[128];
    /* Several nodes (PostgreSQL): the enrolment conditions applied per patient key, joined
     * by commas, so that a change another node made can withdraw the previous ones. */
    bool nodes;
    char **enrolled;
    size_t enrolled_cap;
    /* the feed listener thread (PostgreSQL) */
    pthread_t listener;
    bool listener_started, listener_stop;
};

static void collect(void *ctx, const struct triage_event *ev)
{
    struct platform_triage *t = ctx;
    if (t->pending_count == t->pending_cap) {
        t->pending_cap = t->pending_cap ? t->pending_cap * 2 : 16;
        t->pending = xrealloc(t->pending, t->pending_cap * sizeof *t->pending);
    }
    struct pending_event *pe = &t->pending[t->pending_count++];
    pe->ev = *ev;
    pe->reason = xstrdup(ev->reason);
    pe->ev.reason = pe->reason;
}

static const char *source_text(void *ctx, uint64_t source, size_t *len)
{
    struct platform_triage *t = ctx;
    verr e;
    if (store_source_ref(t->p->store, (int64_t)source, t->source_text, &e) != 0) return NULL;
    *len = strlen(t->source_text);
    return t->source_text;
}

/* Stores the events the last engine call raised, joining them to cases. */
static int flush_events(struct platform_triage *t, int64_t now_ms, verr *e)
{
    int rc = 0;
    buf json;
    buf_init(&json, 1 << 20);
    for (size_t i = 0; i < t->pending_count && rc == 0; i++) {
        struct pending_event *pe = &t->pending[i];
        int64_t key = pe->ev.patient;
        char patient_id[72], territory[64], ref[100];
        if (store_patient_by_key(t->p->store, key, patient_id, territory, e) != 0) {
            rc = verr_fail(e, "triage raised an event for unknown patient key %lld",
                           (long long)key);
            break;
        }
        snprintf(ref, sizeof ref, "Patient/%s", patient_id);
        buf_reset(&json);
        triage_event_to_json(&pe->ev, ref, source_text, t, &json);
        int64_t sources[TRIAGE_MAX_SOURCES];
        for (size_t k = 0; k < pe->ev.source_count; k++) sources[k] = (int64_t)pe->ev.sources[k];
        char nature[12];
        snprintf(nature, sizeof nature, "%s", triage_nature_name(pe->ev.nature));
        struct cases_event ce = {
            .patient_key = key,
            .patient_id = patient_id,
            .territory = territory[0] ? territory : NULL,
            .rule = triage_rule_id(pe->ev.rule),
            .category = pe->ev.category,
            .nature = nature,
            .reason = pe->ev.reason,
            .at_ms = pe->ev.at_ms,
            .notify = pe->ev.notify,
            .late = pe->ev.late,
            .json = buf_cstr(&json),
            .sources = sources,
            .source_count = pe->ev.source_count,
        };
        rc = cases_add_event(&t->p->cases_config, t->p->store, &ce, now_ms, e);
    }
    for (size_t i = 0; i < t->pending_count; i++) free(t->pending[i].reason);
    t->pending_count = 0;
    buf_free(&json);
    return rc;
}

static struct triage_sink sink_of(struct platform_triage *t)
{
    return (struct triage_sink){.emit = collect, .ctx = t};
}

static struct triage_observation observation_of(const struct store_observation *o)
{
    return (struct triage_observation){
        .kind = (enum measure_kind)o->kind,
        .value = o->value,
        .value2 = o->value2,
        .at_ms = o->effective_ms == STORE_NO_TIME ? 0 : o->effective_ms,
        .status = (enum fhir_obs_status)o->status,
        .source = (uint64_t)o->seq,
    };
}

/* The reading a new version supersedes, as the engine first saw it. */
static struct triage_observation original_of(int kind, const struct store_obs_ref *old)
{
    return (struct triage_observation){
        .kind = (enum measure_kind)kind,
        .value = old->value,
        .value2 = old->value2,
        .at_ms = old->effective_ms == STORE_NO_TIME ? 0 : old->effective_ms,
        .status = (enum fhir_obs_status)old->status,
        .source = (uint64_t)old->seq,
    };
}

static bool withdrawn(int status)
{
    return status == OBS_ENTERED_IN_ERROR || status == OBS_CANCELLED;
}

/* ---- Sink of the ingestion pipeline (writer thread, inside the transaction) -------------- */

static int on_observation(void *ctx, const struct store_observation *o,
                          const struct fhir_observation *parsed,
                          const struct store_obs_ref *replaced, verr *e)
{
    (void)parsed;
    struct platform_triage *t = ctx;
    struct triage_sink sink = sink_of(t);
    uint32_t patient = (uint32_t)o->patient_key;
    if (replaced) {
        /* a new version: what the previous one raised no longer stands */
        struct triage_observation original = original_of(o->kind, replaced);
        triage_withdraw(t->engine, patient, (uint64_t)replaced->seq, &original);
        if (cases_withdraw_source(&t->p->cases_config, t->p->store, replaced->seq,
                                  o->received_ms, e) < 0)
            return -1;
        if (withdrawn(o->status)) return 0;
    }
    if (!o->triage) return 0;
    struct triage_observation obs = observation_of(o);
    if (triage_observe(t->engine, patient, &obs, o->received_ms, &sink) < 0)
        return verr_fail(e, "triage: patient key %lld out of range", (long long)o->patient_key);
    return flush_events(t, o->received_ms, e);
}

static int on_communication(void *ctx, const struct store_resource *r,
                            const struct fhir_communication *c, verr *e)
{
    struct platform_triage *t = ctx;
    struct triage_sink sink = sink_of(t);
    struct triage_report report = {
        .sender = c->sender_role,
        .text = c->text,
        .text_len = strlen(c->text),
        .at_ms = c->sent_ms,
        .source = (uint64_t)r->seq,
    };
    triage_report(t->engine, (uint32_t)r->patient_key, &report, r->received_ms, &sink);
    return flush_events(t, r->received_ms, e);
}

static int on_service_request(void *ctx, const struct store_resource *r,
                              const struct fhir_service_request *sr, verr *e)
{
    struct platform_triage *t = ctx;
    struct triage_sink sink = sink_of(t);
    struct triage_request request = {
        .priority = sr->priority,
        .text = sr->text,
        .text_len = strlen(sr->text),
        .at_ms = sr->authored_ms,
        .source = (uint64_t)r->seq,
    };
    triage_request(t->engine, (uint32_t)r->patient_key, &request, r->received_ms, &sink);
    return flush_events(t, r->received_ms, e);
}

static int on_condition(void *ctx, const struct store_resource *r, const struct fhir_condition *c,
                        verr *e)
{
    (void)e;
    struct platform_triage *t = ctx;
    triage_condition(t->engine, (uint32_t)r->patient_key, c->codes, c->code_count, c->active,
                     r->received_ms);
    return 0;
}

#define HEARTBEAT_MS 15000

/* ---- Frailty screenings ---------------------------------------------------------------- */

struct previous_screening {
    int64_t before_day, birth_ms;
    const char *exclude_id;
    bool found;
    struct frailty_result result;
};

/* Keeps the latest screening of the patient up to before_day other than the new one. */
static int scan_previous(void *arg, const char *json, size_t len)
{
    struct previous_screening *ps = arg;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(json, len, &oo);
    struct frailty_response response;
    struct frailty_result result;
    if (j && frailty_response_parse(j, NULL, &response, &oo) == 0 &&
        strcmp(response.id ? response.id : "", ps->exclude_id) != 0 &&
        response.authored_day <= ps->before_day &&
        frailty_score(&response, ps->birth_ms, &result, &oo) == 0 &&
        (!ps->found || result.screened_day >= ps->result.screened_day)) {
        ps->result = result;
        ps->found = true;
    }
    json_decref(j);
    fhir_outcome_free(&oo);
    return 0;
}

/* A scored screening: compared with the previous one, and a positive domain opens (or joins)
 * a category-3 case. */
static int on_screening(void *ctx, const struct store_resource *r,
                        const struct frailty_response *response,
                        const struct frailty_result *result, verr *e)
{
    struct platform_triage *t = ctx;
    struct previous_screening ps = {.before_day = result->screened_day, .exclude_id = r->id};
    if (store_patient_birth_date(t->p->store, r->patient_key, &ps.birth_ms, e) < 0 ||
        store_resources_of_patient(t->p->store, r->patient_key, "QuestionnaireResponse",
                                   scan_previous, &ps, e) < 0)
        return -1;
    struct frailty_decline decline;
    frailty_decline_compute(ps.found ? &ps.result : NULL, result, &decline);
    if (!frailty_needs_case(result)) return 0;
    char patient_id[72], territory[64], patient_ref[100], source_ref[128], reason[300];
    if (store_patient_by_key(t->p->store, r->patient_key, patient_id, territory, e) != 0)
        return verr_fail(e, "screening of an unknown patient key %lld", (long long)r->patient_key);
    snprintf(patient_ref, sizeof patient_ref, "Patient/%s", patient_id);
    snprintf(source_ref, sizeof source_ref, "QuestionnaireResponse/%s", r->id);
    frailty_case_reason(result, reason, sizeof reason);
    buf json;
    buf_init(&json, 1 << 20);
    frailty_event_write_json(result, &decline, patient_ref, source_ref, response->authored_ms,
                             &json);
    int64_t sources[1] = {r->seq};
    struct cases_event ce = {
        .patient_key = r->patient_key,
        .patient_id = patient_id,
        .territory = territory[0] ? territory : NULL,
        .rule = FRAILTY_RULE,
        .category = FRAILTY_CASE_CATEGORY,
        .nature = FRAILTY_CASE_NATURE,
        .reason = reason,
        .at_ms = response->authored_ms,
        .notify = true,
        .json = buf_cstr(&json),
        .sources = sources,
        .source_count = 1,
    };
    int rc = cases_add_event(&t->p->cases_config, t->p->store, &ce, r->received_ms, e);
    buf_free(&json);
    return rc;
}

/* An enrolment started, changed or ended: its conditions and expected measurements are
 * what triage must know (missing transmissions, SpO2 scale). */
static void remember_enrolment(struct platform_triage *t, int64_t key,
                               const char *const *codes, size_t count)
{
    if (!t->nodes || key <= 0) return;
    if ((size_t)key >= t->enrolled_cap) {
        size_t cap = t->enrolled_cap ? t->enrolled_cap : 1024;
        while (cap <= (size_t)key) cap *= 2;
        t->enrolled = xrealloc(t->enrolled, cap * sizeof *t->enrolled);
        memset(t->enrolled + t->enrolled_cap, 0, (cap - t->enrolled_cap) * sizeof *t->enrolled);
        t->enrolled_cap = cap;
    }
    free(t->enrolled[key]);
    t->enrolled[key] = NULL;
    if (!count) return;
    buf joined;
    buf_init(&joined, 1 << 16);
    for (size_t i = 0; i < count; i++) {
        if (i) buf_putc(&joined, ',');
        buf_puts(&joined, codes[i]);
    }
    t->enrolled[key] = xstrdup(buf_cstr(&joined));
    buf_free(&joined);
}

static int on_enrolment(void *ctx, const struct registry_enrolment_change *c, verr *e)
{
    struct platform_triage *t = ctx;
    uint32_t k = (uint32_t)c->patient_key;
    remember_enrolment(t, c->patient_key, c->conditions, c->open ? c->condition_count : 0);
    if (c->previous_count)
        triage_condition(t->engine, k, c->previous, c->previous_count, false, c->now_ms);
    if (c->condition_count)
        triage_condition(t->engine, k, c->conditions, c->condition_count, true, c->now_ms);
    if (!c->open || !c->expected_count) {
        triage_clear_expected(t->engine, k, c->now_ms);
        return 0;
    }
    return triage_set_expected(t->engine, k, c->expected, c->expected_count, c->now_ms, e);
}

/* The writer's timer period (ingest_writer_hooks): across nodes, one of them runs the
 * time-based work in each period, a little shorter than it so that no period goes without. */
#define TICK_PERIOD_MS 900

static int on_tick(void *ctx, int64_t now_ms, verr *e)
{
    struct platform_triage *t = ctx;
    if (t->heartbeat && now_ms - t->last_heartbeat_ms >= HEARTBEAT_MS) {
        t->last_heartbeat_ms = now_ms;
        t->heartbeat(t->publish_ctx);
    }
    /* Missing transmissions and escalation: once across the cluster, not once per node. The
     * events this raises reach the other nodes' engines at their next turn. */
    bool mine;
    if (store_tick_claim(t->p->store, now_ms, TICK_PERIOD_MS, &mine, e) < 0) return -1;
    if (!mine) return 0;
    struct triage_sink sink = sink_of(t);
    triage_tick(t->engine, now_ms, &sink);
    if (flush_events(t, now_ms, e) < 0) return -1;
    return cases_escalate_due(t->p->store, now_ms, e) < 0 ? -1 : 0;
}

static int publish_one(void *arg, int64_t id, const char *territory, const char *kind,
                       const char *data)
{
    struct platform_triage *t = arg;
    t->last_feed_id = id;
    if (t->publish) t->publish(t->publish_ctx, id, territory, kind, data);
    return 0;
}

/* Hands the changes after the last published to the stream, read through `s`. */
static void publish_since(struct platform_triage *t, store *s)
{
    verr e;
    int64_t before;
    pthread_mutex_lock(&t->feed_lock);
    do {
        before = t->last_feed_id;
        if (store_feed_since(s, t->last_feed_id, 1000, publish_one, t, &e) < 0) {
            log_error("platform: change feed: %s", e.msg);
            break;
        }
    } while (t->last_feed_id != before);
    pthread_mutex_unlock(&t->feed_lock);
}

/* After a commit: hand the queue changes it made visible to the stream (with those other
 * nodes committed before it). */
static void on_committed(void *ctx)
{
    struct platform_triage *t = ctx;
    publish_since(t, t->p->store);
}

/* Several nodes (PostgreSQL): a connection of its own listens for the commits of every node
 * to the change feed, and publishes them here, so that a console connected to this node
 * sees the cases another node raised or a coordinator there claimed. */
static void *listen_feed(void *arg)
{
    struct platform_triage *t = arg;
    pthread_setname_np(pthread_self(), "vigie-feed");
    verr e;
    store *s = store_open(t->p->db_path, STORE_READ, &e);
    if (!s) {
        log_error("platform: change feed listener: %s", e.msg);
        return NULL;
    }
    bool stop = false;
    while (!stop) {
        int got = store_feed_wait(s, 250, &e);
        if (got < 0) {
            log_warn("platform: change feed listener: %s", e.msg);
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL);
        }
        if (got > 0) publish_since(t, s);
        pthread_mutex_lock(&t->feed_lock);
        stop = t->listener_stop;
        pthread_mutex_unlock(&t->feed_lock);
    }
    store_close(s);
    return NULL;
}

void platform_listener_start(struct platform *p)
{
    struct platform_triage *t = p->triage;
    t->listener_started = pthread_create(&t->listener, NULL, listen_feed, t) == 0;
    if (!t->listener_started) log_error("platform: cannot start the change feed listener");
}

void platform_listener_stop(struct platform *p)
{
    struct platform_triage *t = p->triage;
    if (!t || !t->listener_started) return;
    pthread_mutex_lock(&t->feed_lock);
    t->listener_stop = true;
    pthread_mutex_unlock(&t->feed_lock);
    pthread_join(t->listener, NULL);
    t->listener_started = false;
}

/* ---- Rebuild -------------------------------------------------------------------------------- */

static int replay_item(void *arg, const struct store_replay_item *item)
{
    struct platform_triage *t = arg;
    if (item->is_observation) {
        const struct store_observation *o = item->observation;
        uint32_t patient = (uint32_t)o->patient_key;
        struct store_obs_ref old;
        verr e;
        if (o->replaces && store_observation_by_seq(t->p->store, o->replaces, &old, &e) == 0) {
            struct triage_observation original = original_of(o->kind, &old);
            triage_withdraw(t->engine, patient, (uint64_t)old.seq, &original);
        }
        if (o->triage && !withdrawn(o->status)) {
            struct triage_observation obs = observation_of(o);
            triage_observe(t->engine, patient, &obs, o->received_ms, NULL);
        }
        return 0;
    }
    const struct store_resource *r = item->resource;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(r->resource, r->resource_len, &oo);
    fhir_outcome_free(&oo);
    if (!j) return 0;
    uint32_t patient = (uint32_t)r->patient_key;
    fhir_outcome_init(&oo);
    const struct fhir_limits limits = {.now_ms = INT64_MAX / 2, .future_tolerance_ms = 0};
    if (!strcmp(r->type, "Communication")) {
        struct fhir_communication c;
        if (fhir_communication_parse(j, &limits, &c, &oo) == 0) {
            struct triage_report rep = {c.sender_role, c.text, strlen(c.text), c.sent_ms,
                                        (uint64_t)r->seq};
            triage_report(t->engine, patient, &rep, r->received_ms, NULL);
            fhir_communication_free(&c);
        }
    } else if (!strcmp(r->type, "ServiceRequest")) {
        struct fhir_service_request sr;
        if (fhir_service_request_parse(j, &limits, &sr, &oo) == 0) {
            struct triage_request req = {sr.priority, sr.text, strlen(sr.text), sr.authored_ms,
                                         (uint64_t)r->seq};
            triage_request(t->engine, patient, &req, r->received_ms, NULL);
            fhir_service_request_free(&sr);
        }
    } else if (!strcmp(r->type, "Condition")) {
        struct fhir_condition c;
        if (fhir_condition_parse(j, &c, &oo) == 0)
            triage_condition(t->engine, patient, c.codes, c.code_count, c.active, r->received_ms);
    }
    fhir_outcome_free(&oo);
    json_decref(j);
    return 0;
}

/* Open enrolments, applied after the replay as they stand now. */
static int restore_enrolment(void *arg, const struct store_enrolment *en)
{
    struct platform_triage *t = arg;
    struct triage_expected expected[32];
    size_t n = 0;
    for (size_t i = 0; i < en->expected_count && n < 32; i++) {
        enum measure_kind kind = measure_kind_from_name(en->expected[i].kind,
                                                        strlen(en->expected[i].kind));
        if (kind == MEASURE_NONE) continue;
        expected[n++] = (struct triage_expected){kind, en->expected[i].per_day};
    }
    struct registry_enrolment_change c = {
        .patient_key = en->patient_key,
        .patient_id = en->patient,
        .territory = en->territory,
        .open = true,
        .conditions = (const char *const *)en->conditions,
        .condition_count = en->condition_count,
        .expected = expected,
        .expected_count = n,
        .now_ms = en->start_ms,
    };
    verr e;
    on_enrolment(t, &c, &e);
    return 0;
}

static int restore_override(void *arg, int64_t patient_key, const char *json)
{
    struct platform_triage *t = arg;
    struct triage_overrides ov;
    verr e;
    if (triage_overrides_parse(json, strlen(json), &ov, &e) == 0)
        triage_set_overrides(t->engine, (uint32_t)patient_key, &ov);
    return 0;
}

static int restore_fired(void *arg, int64_t patient_key, const char *rule, int category,
                         int64_t at_ms)
{
    struct platform_triage *t = arg;
    int r = triage_rule_from_id(rule, strlen(rule));
    if (r >= 0)
        triage_mark_fired(t->engine, (uint32_t)patient_key, (enum triage_rule)r, category, at_ms);
    return 0;
}

/* ---- What other nodes committed (PostgreSQL, store_turn) ---------------------------------- */

/* An enrolment another node created, changed or ended: applied as its own change was
 * (on_enrolment), withdrawing the conditions this node last applied for the patient. */
static int sync_enrolment(void *ctx, const struct store_enrolment *en)
{
    struct platform_triage *t = ctx;
    char *previous_text = en->patient_key > 0 && (size_t)en->patient_key < t->enrolled_cap
                              ? t->enrolled[en->patient_key]
                              : NULL;
    previous_text = previous_text ? xstrdup(previous_text) : NULL;
    const char *previous[64];
    size_t previous_count = 0;
    for (char *p = previous_text; p && *p && previous_count < 64;) {
        previous[previous_count++] = p;
        p += strcspn(p, ",");
        if (*p) *p++ = '\0';
    }
    struct triage_expected expected[32];
    size_t n = 0;
    for (size_t i = 0; i < en->expected_count && n < 32; i++) {
        enum measure_kind kind =
            measure_kind_from_name(en->expected[i].kind, strlen(en->expected[i].kind));
        if (kind != MEASURE_NONE) expected[n++] = (struct triage_expected){kind, en->expected[i].per_day};
    }
    /* ended: its end is its last change's time (DELETE), an end to come keeps it open */
    bool open = en->end_ms == STORE_NO_TIME || en->end_ms > en->updated_ms;
    struct registry_enrolment_change c = {
        .patient_key = en->patient_key,
        .patient_id = en->patient,
        .territory = en->territory,
        .open = open,
        .conditions = open ? (const char *const *)en->conditions : NULL,
        .condition_count = open ? en->condition_count : 0,
        .previous = previous,
        .previous_count = previous_count,
        .expected = open ? expected : NULL,
        .expected_count = open ? n : 0,
        .now_ms = en->updated_ms,
    };
    verr e;
    on_enrolment(t, &c, &e);
    free(previous_text);
    return 0;
}

/* A fresh engine holding what the stored inputs built. */
static int rebuild(struct platform_triage *t, verr *e)
{
    for (size_t i = 0; i < t->enrolled_cap; i++) {
        free(t->enrolled[i]);
        t->enrolled[i] = NULL;
    }
    triage_engine_free(t->engine);
    t->engine = triage_engine_new(&t->p->triage_config);
    int64_t started = instant_now_ms();
    if (store_replay(t->p->store, replay_item, t, e) < 0 ||
        store_enrolment_each(t->p->store, NULL, started, restore_enrolment, t, e) < 0 ||
        store_override_each(t->p->store, restore_override, t, e) < 0)
        return -1;
    /* Suppression windows: every notified event still within the longest window. */
    int64_t longest = 0;
    for (int r = 0; r < TRIAGE_RULE_COUNT; r++)
        if (t->p->triage_config.suppress_ms[r] > longest)
            longest = t->p->triage_config.suppress_ms[r];
    if (store_events_since(t->p->store, started - longest - INSTANT_MS_PER_DAY, restore_fired, t,
                           e) < 0)
        return -1;
    struct triage_memory mem;
    triage_engine_memory(t->engine, &mem);
    log_info("triage: state rebuilt for %u patients in %lld ms", mem.patients,
             (long long)(instant_now_ms() - started));
    return 0;
}

static void on_rebuild(void *ctx)
{
    struct platform_triage *t = ctx;
    verr e;
    if (rebuild(t, &e) < 0) log_error("triage: rebuild failed: %s", e.msg);
}

struct platform_triage *platform_triage_new(struct platform *p,
                                            const struct platform_publisher *publisher, verr *e)
{
    struct platform_triage *t = xcalloc(1, sizeof *t);
    t->p = p;
    t->nodes = store_engine_of(p->store) == STORE_POSTGRES;
    pthread_mutex_init(&t->feed_lock, NULL);
    if (publisher) {
        t->publish = publisher->publish;
        t->heartbeat = publisher->heartbeat;
        t->publish_ctx = publisher->ctx;
    }
    if (rebuild(t, e) < 0) {
        platform_triage_free(t);
        return NULL;
    }
    /* Changes already in the feed were published by an earlier run (a stream client that
     * missed them asks with Last-Event-ID). */
    t->last_feed_id = store_feed_last_id(p->store);
    struct ingest_sink sink = {
        .ctx = t,
        .observation = on_observation,
        .communication = on_communication,
        .service_request = on_service_request,
        .condition = on_condition,
        .screening = on_screening,
        .tick = on_tick,
        .committed = on_committed,
        .rebuild = on_rebuild,
    };
    sink.sync = (struct store_sync_sink){
        .input = replay_item,
        .enrolment = sync_enrolment,
        .override = restore_override,
        .event = restore_fired,
    };
    ingest_set_sink(p->ing, &sink);
    registry_set_sink(p->registry, &(struct registry_sink){.ctx = t, .enrolment = on_enrolment});
    return t;
}

void platform_triage_free(struct platform_triage *t)
{
    if (!t) return;
    triage_engine_free(t->engine);
    for (size_t i = 0; i < t->pending_count; i++) free(t->pending[i].reason);
    free(t->pending);
    for (size_t i = 0; i < t->enrolled_cap; i++) free(t->enrolled[i]);
    free(t->enrolled);
    pthread_mutex_destroy(&t->feed_lock);
    free(t);
}

triage_engine *platform_engine(struct platform *p)
{
    return p->triage->engine;
}
