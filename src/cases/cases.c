#include "cases/cases.h"
#include "core/instant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const case_outcomes[CASE_OUTCOME_COUNT] = {
    "advice",       "teleconsultation", "home_visit",  "mobile_team",
    "emergency_15", "hospitalised",     "false_alarm", "no_action",
};

bool case_outcome_valid(const char *name)
{
    for (int i = 0; i < CASE_OUTCOME_COUNT; i++)
        if (!strcmp(name, case_outcomes[i])) return true;
    return false;
}

int cases_config_load(config *c, struct cases_config *out, verr *e)
{
    static const char *const keys[3] = {"cases.deadline.category1", "cases.deadline.category2",
                                        "cases.deadline.category3"};
    static const char *const defaults[3] = {"15min", "1h", "24h"};
    for (int i = 0; i < 3; i++)
        if (config_get_duration(c, keys[i], defaults[i], &out->deadline_ms[i], e) < 0) return -1;
    return 0;
}

static int64_t deadline_for(const struct cases_config *cfg, int category, int64_t from_ms)
{
    if (category < 1) category = 1;
    if (category > 3) category = 3;
    return from_ms + cfg->deadline_ms[category - 1];
}

/* Writes the change to the feed the stream publishes after the commit. */
static int announce(store *s, const char *kind, const struct store_case *c, int64_t now_ms,
                    verr *e)
{
    buf data;
    buf_init(&data, 1 << 16);
    cases_case_json(c, now_ms, &data);
    int64_t id;
    int rc = store_feed_add(s, now_ms, c->territory, kind, c->id, buf_cstr(&data), &id, e);
    buf_free(&data);
    return rc;
}

int cases_add_event(const struct cases_config *cfg, store *s, const struct cases_event *ev,
                    int64_t now_ms, verr *e)
{
    struct store_case c;
    int found = store_case_of_patient(s, ev->patient_key, &c, e);
    if (found < 0) return -1;
    const char *kind = NULL;
    if (found == 1) {
        memset(&c, 0, sizeof c);
        c.patient_key = ev->patient_key;
        snprintf(c.patient_id, sizeof c.patient_id, "%s", ev->patient_id ? ev->patient_id : "");
        snprintf(c.territory, sizeof c.territory, "%s", ev->territory ? ev->territory : "");
        snprintf(c.state, sizeof c.state, STORE_CASE_OPEN);
        c.category = ev->category;
        snprintf(c.nature, sizeof c.nature, "%s", ev->nature);
        snprintf(c.title, sizeof c.title, "%s", ev->reason);
        c.opened_ms = now_ms;
        c.deadline_ms = deadline_for(cfg, ev->category, now_ms);
        c.updated_ms = now_ms;
        c.claimed_ms = c.closed_ms = STORE_NO_TIME;
        if (store_case_insert(s, &c, e) < 0 ||
            store_case_transition(s, c.id, now_ms, "triage", NULL, STORE_CASE_OPEN, ev->rule, e) <
                0)
            return -1;
        kind = "case.created";
    } else {
        if (ev->category < c.category) {
            /* more urgent: the case takes the event's category and an earlier deadline */
            c.category = ev->category;
            snprintf(c.nature, sizeof c.nature, "%s", ev->nature);
            snprintf(c.title, sizeof c.title, "%s", ev->reason);
            int64_t deadline = deadline_for(cfg, ev->category, now_ms);
            if (deadline < c.deadline_ms) c.deadline_ms = deadline;
            kind = "case.updated";
        } else if (ev->notify) {
            kind = "case.updated";
        }
        c.updated_ms = now_ms;
        if (store_case_update(s, &c, e) < 0) return -1;
    }
    struct store_event row = {
        .patient_key = ev->patient_key,
        .case_id = c.id,
        .rule = ev->rule,
        .category = ev->category,
        .nature = ev->nature,
        .reason = ev->reason,
        .at_ms = ev->at_ms,
        .created_ms = now_ms,
        .notify = ev->notify,
        .late = ev->late,
        .json = ev->json,
        .sources = ev->sources,
        .source_count = ev->source_count,
    };
    if (store_event_add(s, &row, e) < 0) return -1;
    return kind ? announce(s, kind, &c, now_ms, e) : 0;
}

struct withdraw_ctx {
    const struct cases_config *cfg;
    store *s;
    int64_t now_ms;
    int failed;
    verr *e;
};

static void recompute(void *arg, int64_t case_id)
{
    struct withdraw_ctx *w = arg;
    struct store_case c;
    if (w->failed || store_case_get(w->s, case_id, &c, w->e) != 0) return;
    int category;
    int rc = store_case_standing_category(w->s, case_id, &category, w->e);
    if (rc < 0) {
        w->failed = 1;
        return;
    }
    char note[200];
    if (rc == 1) {
        snprintf(note, sizeof note, "every event of this case was withdrawn (entered in error)");
    } else {
        snprintf(note, sizeof note, "an event was withdrawn (entered in error); category %d",
                 category);
        if (category != c.category && strcmp(c.state, STORE_CASE_CLOSED) != 0) {
            /* less urgent now: the deadline follows the standing category from opening */
            c.category = category;
            c.deadline_ms = deadline_for(w->cfg, category, c.opened_ms);
        }
    }
    c.updated_ms = w->now_ms;
    if (store_case_update(w->s, &c, w->e) < 0 ||
        store_case_note(w->s, c.id, w->now_ms, "triage", "note", note, w->e) < 0 ||
        announce(w->s, "case.updated", &c, w->now_ms, w->e) < 0)
        w->failed = 1;
}

int cases_withdraw_source(const struct cases_config *cfg, store *s, int64_t source_seq,
                          int64_t now_ms, verr *e)
{
    struct withdraw_ctx w = {cfg, s, now_ms, 0, e};
    if (store_events_withdraw_source(s, source_seq, recompute, &w, e) < 0) return -1;
    return w.failed ? -1 : 0;
}

struct due_list {
    struct store_case cases[256];
    int count;
};

static int collect_due(void *arg, const struct store_case *c)
{
    struct due_list *d = arg;
    if (d->count == 256) return 1;
    d->cases[d->count++] = *c;
    return 0;
}

int cases_escalate_due(store *s, int64_t now_ms, verr *e)
{
    int total = 0;
    for (;;) {
        struct due_list *d = calloc(1, sizeof *d);
        if (!d || store_cases_due(s, now_ms, collect_due, d, e) < 0) {
            free(d);
            return -1;
        }
        for (int i = 0; i < d->count; i++) {
            struct store_case *c = &d->cases[i];
            c->escalated = true;
            c->updated_ms = now_ms;
            char detail[80];
            snprintf(detail, sizeof detail, "deadline passed (category %d)", c->category);
            if (store_case_update(s, c, e) < 0 ||
                store_case_transition(s, c->id, now_ms, "escalation", c->state, "escalated",
                                      detail, e) < 0 ||
                announce(s, "case.escalated", c, now_ms, e) < 0) {
                free(d);
                return -1;
            }
        }
        total += d->count;
        bool more = d->count == 256;
        free(d);
        if (!more) return total;
    }
}

int cases_apply(const struct cases_config *cfg, store *s, const struct case_command *cmd,
                verr *e)
{
    struct store_case c;
    int rc = store_case_get(s, cmd->case_id, &c, e);
    if (rc < 0) return -1;
    if (rc == 1) return verr_fail(e, "case %lld is not known", (long long)cmd->case_id), 404;
    char from[12];
    snprintf(from, sizeof from, "%s", c.state);
    const char *to = c.state, *kind = "case.updated", *detail = NULL;
    bool closed = !strcmp(c.state, STORE_CASE_CLOSED);
    switch (cmd->action) {
    case CASE_CLAIM:
        if (closed) return verr_fail(e, "the case is closed; reopen it first"), 409;
        if (!strcmp(c.state, STORE_CASE_CLAIMED)) {
            if (!strcmp(c.claimed_by, cmd->who))
                return verr_fail(e, "you already hold this case"), 409;
        {
            char since[40];
            instant_format_utc(c.claimed_ms, since);
            return verr_fail(e, "the case is held by %s since %s", c.claimed_by, since), 409;
        }
        }
        to = STORE_CASE_CLAIMED;
        snprintf(c.claimed_by, sizeof c.claimed_by, "%s", cmd->who);
        c.claimed_ms = cmd->now_ms;
        break;
    case CASE_RELEASE:
        if (strcmp(c.state, STORE_CASE_CLAIMED) != 0)
            return verr_fail(e, "the case is %s, not claimed", c.state), 409;
        if (strcmp(c.claimed_by, cmd->who) != 0)
            return verr_fail(e, "the case is held by %s; only they can release it",
                             c.claimed_by),
                   409;
        to = STORE_CASE_OPEN;
        c.claimed_by[0] = '\0';
        /* back in the queue past its deadline: escalated at once */
        if (cmd->now_ms >= c.deadline_ms) c.escalated = true;
        break;
    case CASE_NOTE:
    case CASE_ACT:
        if (!cmd->text || !*cmd->text) return verr_fail(e, "text is empty"), 422;
        if (store_case_note(s, c.id, cmd->now_ms, cmd->who,
                            cmd->action == CASE_NOTE ? "note" : "action", cmd->text, e) < 0)
            return -1;
        break;
    case CASE_CLOSE:
        if (closed) return verr_fail(e, "the case is already closed"), 409;
        if (!cmd->outcome || !case_outcome_valid(cmd->outcome))
            return verr_fail(e,
                             "outcome must be one of advice, teleconsultation, home_visit, "
                             "mobile_team, emergency_15, hospitalised, false_alarm, no_action"),
                   422;
        if (!strcmp(c.state, STORE_CASE_CLAIMED) && strcmp(c.claimed_by, cmd->who) != 0)
            return verr_fail(e, "the case is held by %s; only they can close it", c.claimed_by),
                   409;
        to = STORE_CASE_CLOSED;
        kind = "case.closed";
        snprintf(c.outcome, sizeof c.outcome, "%s", cmd->outcome);
        c.closed_ms = cmd->now_ms;
        detail = cmd->outcome;
        if (cmd->text && *cmd->text &&
            store_case_note(s, c.id, cmd->now_ms, cmd->who, "note", cmd->text, e) < 0)
            return -1;
        break;
    case CASE_REOPEN: {
        if (!closed) return verr_fail(e, "the case is %s, not closed", c.state), 409;
        struct store_case other;
        int open = store_case_of_patient(s, c.patient_key, &other, e);
        if (open < 0) return -1;
        if (open == 0)
            return verr_fail(e, "the patient has another case in progress (case %lld)",
                             (long long)other.id),
                   409;
        to = STORE_CASE_OPEN;
        c.outcome[0] = '\0';
        c.closed_ms = STORE_NO_TIME;
        c.claimed_by[0] = '\0';
        c.escalated = false;
        c.deadline_ms = deadline_for(cfg, c.category, cmd->now_ms);
        if (cmd->text && *cmd->text &&
            store_case_note(s, c.id, cmd->now_ms, cmd->who, "note", cmd->text, e) < 0)
            return -1;
        break;
    }
    }
    snprintf(c.state, sizeof c.state, "%s", to);
    c.updated_ms = cmd->now_ms;
    if (store_case_update(s, &c, e) < 0) return -1;
    if (strcmp(from, to) != 0 &&
        store_case_transition(s, c.id, cmd->now_ms, cmd->who, from, to, detail, e) < 0)
        return -1;
    return announce(s, kind, &c, cmd->now_ms, e);
}

int cases_case_json(const struct store_case *c, int64_t now_ms, buf *out)
{
    char opened[40], deadline[40], updated[40];
    instant_format_utc(c->opened_ms, opened);
    instant_format_utc(c->deadline_ms, deadline);
    instant_format_utc(c->updated_ms, updated);
    int rc = buf_printf(out, "{\"id\":%lld,\"patient\":", (long long)c->id);
    rc |= buf_append_json_string(out, c->patient_id, strlen(c->patient_id));
    rc |= buf_puts(out, ",\"territory\":");
    rc |= buf_append_json_string(out, c->territory, strlen(c->territory));
    rc |= buf_printf(out, ",\"state\":\"%s\",\"category\":%d,\"nature\":\"%s\",\"title\":",
                     c->state, c->category, c->nature);
    rc |= buf_append_json_string(out, c->title, strlen(c->title));
    rc |= buf_printf(out,
                     ",\"opened_at\":\"%s\",\"deadline\":\"%s\",\"overdue\":%s,\"escalated\":%s,"
                     "\"updated_at\":\"%s\"",
                     opened, deadline,
                     strcmp(c->state, STORE_CASE_CLOSED) && now_ms > c->deadline_ms ? "true"
                                                                                     : "false",
                     c->escalated ? "true" : "false", updated);
    if (c->claimed_by[0]) {
        char claimed[40];
        instant_format_utc(c->claimed_ms, claimed);
        rc |= buf_puts(out, ",\"claimed_by\":");
        rc |= buf_append_json_string(out, c->claimed_by, strlen(c->claimed_by));
        rc |= buf_printf(out, ",\"claimed_at\":\"%s\"", claimed);
    }
    if (c->closed_ms != STORE_NO_TIME) {
        char closed[40];
        instant_format_utc(c->closed_ms, closed);
        rc |= buf_printf(out, ",\"closed_at\":\"%s\",\"outcome\":\"%s\"", closed, c->outcome);
    }
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}
