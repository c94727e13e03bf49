/* Cases and the coordination queue (DESIGN.md §7). A case belongs to one patient and holds
 * the triage events that joined it, notes, actions and every transition (who, when, from,
 * to). Its category is its most urgent standing event; its deadline (time to be claimed)
 * follows from the category. States: open -> claimed (one coordinator at a time) -> closed
 * with an outcome; an open case past its deadline is escalated and goes first.
 *
 * Everything here runs in the writer thread, inside its transaction. Changes the consoles
 * must see are written to the store's change feed in the same transaction; the stream
 * publishes them after the commit, so a rolled-back change is never announced. */
#ifndef VIGIE_CASES_H
#define VIGIE_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "store/store.h"

#define CASE_OUTCOME_COUNT 8
/* advice, teleconsultation, home_visit, mobile_team, emergency_15, hospitalised,
 * false_alarm, no_action */
extern const char *const case_outcomes[CASE_OUTCOME_COUNT];
bool case_outcome_valid(const char *name);

struct cases_config {
    int64_t deadline_ms[3]; /* time to be claimed, by category (15 min, 1 h, 24 h) */
};

/* Reads [cases] deadline.category1..3 (durations). */
int cases_config_load(config *c, struct cases_config *out, verr *e);

/* A triage event, with its §9 JSON already written. */
struct cases_event {
    int64_t patient_key;
    const char *patient_id;
    const char *territory; /* the patient's, or NULL */
    const char *rule;
    int category;
    const char *nature;
    const char *reason;
    int64_t at_ms;
    bool notify, late;
    const char *json;
    const int64_t *sources;
    size_t source_count;
};

/* Stores the event and joins it to the patient's case, or opens one. A more urgent event
 * raises the case's category (and brings its deadline forward) and notifies; the same
 * urgency notifies only when the event does (alarm fatigue). */
int cases_add_event(const struct cases_config *cfg, store *s, const struct cases_event *ev,
                    int64_t now_ms, verr *e);
/* The input `source_seq` was entered in error: its events are withdrawn and their cases'
 * categories recomputed. */
int cases_withdraw_source(const struct cases_config *cfg, store *s, int64_t source_seq,
                          int64_t now_ms, verr *e);
/* Escalates open cases past their deadline; returns how many, or -1. */
int cases_escalate_due(store *s, int64_t now_ms, verr *e);

/* Transitions asked through the API. */
enum case_action { CASE_CLAIM, CASE_RELEASE, CASE_NOTE, CASE_ACT, CASE_CLOSE, CASE_REOPEN };

struct case_command {
    int64_t case_id;
    enum case_action action;
    const char *who;
    const char *outcome; /* CASE_CLOSE */
    const char *text;    /* note, action, closing note, reason to reopen */
    int64_t now_ms;
};

/* Applies a transition. Returns 0, or an HTTP status (404 unknown case, 409 conflict such as
 * a claim held by someone else, 422 invalid request) with the reason in e. */
int cases_apply(const struct cases_config *cfg, store *s, const struct case_command *cmd,
                verr *e);

/* The case as JSON for the API and the stream. */
int cases_case_json(const struct store_case *c, int64_t now_ms, buf *out);

#endif
