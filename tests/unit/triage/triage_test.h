/* Helpers shared by the triage unit tests: an engine with the default configuration, a sink
 * that keeps copies of the events, and one-line ways to feed signals. Include after
 * <cmocka.h>. */
#ifndef VIGIE_TRIAGE_TEST_H
#define VIGIE_TRIAGE_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage/triage.h"

#define T0 1772438400000LL /* 2026-03-02T08:00:00Z */
#define SEC 1000LL
#define MINUTE (60 * SEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

#define MAX_CAPTURED 256

struct captured {
    struct triage_event ev;
    char reason[2048];
};

struct capture {
    struct captured events[MAX_CAPTURED];
    size_t count;
};

static inline void capture_emit(void *ctx, const struct triage_event *ev)
{
    struct capture *c = ctx;
    if (c->count == MAX_CAPTURED) return;
    struct captured *k = &c->events[c->count++];
    k->ev = *ev;
    snprintf(k->reason, sizeof k->reason, "%s", ev->reason);
    k->ev.reason = k->reason;
}

/* A test's world: one engine, its sink, and a source counter. */
struct world {
    triage_engine *engine;
    struct capture got;
    struct triage_sink sink;
    uint64_t next_source;
};

static inline struct world *world_new_with(const struct triage_config *cfg)
{
    struct world *w = calloc(1, sizeof *w);
    w->engine = triage_engine_new(cfg);
    w->sink = (struct triage_sink){capture_emit, &w->got};
    w->next_source = 1;
    return w;
}

static inline struct world *world_new(void)
{
    struct triage_config cfg;
    triage_config_defaults(&cfg);
    return world_new_with(&cfg);
}

static inline void world_free(struct world *w)
{
    triage_engine_free(w->engine);
    free(w);
}

static inline void world_clear(struct world *w)
{
    w->got.count = 0;
}

/* Feeds an observation received at its clinical time; returns the outcome. */
static inline int observe2_at(struct world *w, uint32_t patient, enum measure_kind kind,
                              double value, double value2, int64_t at, int64_t now)
{
    struct triage_observation o = {kind, value, value2, at, OBS_FINAL, w->next_source++};
    return triage_observe(w->engine, patient, &o, now, &w->sink);
}

static inline int observe(struct world *w, uint32_t patient, enum measure_kind kind, double value,
                          int64_t at)
{
    return observe2_at(w, patient, kind, value, NAN, at, at);
}

static inline int report(struct world *w, uint32_t patient, const char *text, int64_t at)
{
    struct triage_report r = {SENDER_CAREGIVER, text, strlen(text), at, w->next_source++};
    return triage_report(w->engine, patient, &r, at, &w->sink);
}

static inline int request(struct world *w, uint32_t patient, enum fhir_priority priority,
                          const char *text, int64_t at)
{
    struct triage_request r = {priority, text, strlen(text), at, w->next_source++};
    return triage_request(w->engine, patient, &r, at, &w->sink);
}

/* The last event, or NULL. */
static inline const struct triage_event *last_event(const struct world *w)
{
    return w->got.count ? &w->got.events[w->got.count - 1].ev : NULL;
}

/* Number of events of a rule. */
static inline size_t count_rule(const struct world *w, enum triage_rule rule)
{
    size_t n = 0;
    for (size_t i = 0; i < w->got.count; i++)
        if (w->got.events[i].ev.rule == rule) n++;
    return n;
}

/* Category of the last event of a rule, 0 when it never fired. */
static inline int last_category(const struct world *w, enum triage_rule rule)
{
    for (size_t i = w->got.count; i > 0; i--)
        if (w->got.events[i - 1].ev.rule == rule) return w->got.events[i - 1].ev.category;
    return 0;
}

static inline const struct triage_event *last_of(const struct world *w, enum triage_rule rule)
{
    for (size_t i = w->got.count; i > 0; i--)
        if (w->got.events[i - 1].ev.rule == rule) return &w->got.events[i - 1].ev;
    return NULL;
}

#define assert_reason_has(ev, text)                                                                \
    do {                                                                                           \
        const struct triage_event *ev_ = (ev);                                                     \
        assert_non_null(ev_);                                                                      \
        if (!strstr(ev_->reason, (text)))                                                          \
            fail_msg("reason \"%s\" lacks \"%s\"", ev_->reason, (text));                          \
    } while (0)

#endif
