/* Cases against a real (temporary) store, with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cases/cases.h"
#include "core/instant.h"
#include "store/store.h"

#define T0 1772608320000LL /* 2026-03-04T07:12:00Z */
#define MIN (60 * 1000LL)

struct fixture {
    char path[64];
    store *s;
    struct cases_config cfg;
    int64_t patient;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/vigie-cases-XXXXXX");
    int fd = mkstemp(f->path);
    close(fd);
    unlink(f->path);
    verr e;
    f->s = store_open(f->path, STORE_WRITE, &e);
    if (!f->s) fail_msg("%s", e.msg);
    config *c = config_new();
    assert_int_equal(cases_config_load(c, &f->cfg, &e), 0);
    config_free(c);
    struct store_patient p = {.id = "p1", .territory = "T01", .resource = "{}",
                              .birth_date_ms = STORE_NO_TIME, .log_id = 0, .log_entry = 0};
    bool created;
    assert_int_equal(store_patient_upsert(f->s, &p, &created, &e), 0);
    f->patient = p.key;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    char path[80];
    unlink(f->path);
    snprintf(path, sizeof path, "%s-wal", f->path);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", f->path);
    unlink(path);
    free(f);
    return 0;
}

static void add_event(struct fixture *f, const char *rule, int category, bool notify,
                      int64_t source, int64_t now)
{
    int64_t sources[1] = {source};
    struct cases_event ev = {.patient_key = f->patient,
                             .patient_id = "p1",
                             .territory = "T01",
                             .rule = rule,
                             .category = category,
                             .nature = "acute",
                             .reason = rule,
                             .at_ms = now,
                             .notify = notify,
                             .json = "{}",
                             .sources = sources,
                             .source_count = source ? 1 : 0};
    verr e;
    if (cases_add_event(&f->cfg, f->s, &ev, now, &e) < 0) fail_msg("%s", e.msg);
}

static struct store_case current(struct fixture *f)
{
    struct store_case c;
    verr e;
    assert_int_equal(store_case_of_patient(f->s, f->patient, &c, &e), 0);
    return c;
}

/* Changes announced to the live stream so far. */
static int announced(struct fixture *f)
{
    return (int)store_feed_last_id(f->s);
}

static void events_join_and_raise(void **state)
{
    struct fixture *f = *state;
    add_event(f, "weight.gain", 3, true, 11, T0);
    struct store_case c = current(f);
    assert_string_equal(c.state, "open");
    assert_int_equal(c.category, 3);
    assert_int_equal(c.deadline_ms, T0 + 24 * 60 * MIN);
    assert_int_equal(announced(f), 1);
    /* the same rule again, suppressed: joins silently */
    add_event(f, "weight.gain", 3, false, 12, T0 + MIN);
    assert_int_equal(current(f).id, c.id);
    assert_int_equal(announced(f), 1);
    /* more urgent: category 2, deadline brought forward to one hour from now */
    add_event(f, "bp.high", 2, true, 13, T0 + 2 * MIN);
    c = current(f);
    assert_int_equal(c.category, 2);
    assert_int_equal(c.deadline_ms, T0 + 2 * MIN + 60 * MIN);
    assert_int_equal(announced(f), 2);
    /* less urgent but new: joins and notifies, category stays */
    add_event(f, "report", 3, true, 14, T0 + 3 * MIN);
    assert_int_equal(current(f).category, 2);
    assert_int_equal(announced(f), 3);
}

static void escalation_under_injected_clock(void **state)
{
    struct fixture *f = *state;
    add_event(f, "fall", 1, true, 21, T0);
    verr e;
    /* one second before the 15-minute deadline: nothing */
    assert_int_equal(cases_escalate_due(f->s, T0 + 15 * MIN - 1000, &e), 0);
    assert_false(current(f).escalated);
    assert_int_equal(cases_escalate_due(f->s, T0 + 15 * MIN, &e), 1);
    assert_true(current(f).escalated);
    /* once escalated, not again */
    assert_int_equal(cases_escalate_due(f->s, T0 + 20 * MIN, &e), 0);
    /* a claimed case is being handled: not escalated */
    struct case_command claim = {.case_id = current(f).id, .action = CASE_CLAIM, .who = "dr.a",
                                 .now_ms = T0 + 21 * MIN};
    assert_int_equal(cases_apply(&f->cfg, f->s, &claim, &e), 0);
    assert_string_equal(current(f).state, "claimed");
}

static void claim_is_exclusive(void **state)
{
    struct fixture *f = *state;
    add_event(f, "glucose.low", 1, true, 31, T0);
    int64_t id = current(f).id;
    verr e;
    struct case_command cmd = {.case_id = id, .action = CASE_CLAIM, .who = "dr.a", .now_ms = T0 + MIN};
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    cmd.who = "dr.b";
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 409);
    assert_non_null(strstr(e.msg, "held by dr.a"));
    /* only the holder releases or closes */
    cmd.action = CASE_RELEASE;
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 409);
    cmd.action = CASE_CLOSE;
    cmd.outcome = "advice";
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 409);
    cmd.who = "dr.a";
    cmd.outcome = "sent flowers";
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 422);
    cmd.outcome = "emergency_15";
    cmd.now_ms = T0 + 5 * MIN;
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    struct store_case c;
    assert_int_equal(store_case_get(f->s, id, &c, &e), 0);
    assert_string_equal(c.state, "closed");
    assert_string_equal(c.outcome, "emergency_15");
    /* a new event opens a new case; the old one cannot be reopened meanwhile */
    add_event(f, "fall", 2, true, 32, T0 + 6 * MIN);
    assert_true(current(f).id != id);
    cmd.action = CASE_REOPEN;
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 409);
}

static void release_past_deadline_escalates(void **state)
{
    struct fixture *f = *state;
    add_event(f, "bp.high", 2, true, 41, T0);
    verr e;
    struct case_command cmd = {.case_id = current(f).id, .action = CASE_CLAIM, .who = "dr.a",
                               .now_ms = T0 + MIN};
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    cmd.action = CASE_RELEASE;
    cmd.now_ms = T0 + 61 * MIN;
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    struct store_case c = current(f);
    assert_string_equal(c.state, "open");
    assert_true(c.escalated);
}

static void withdrawal_recomputes_category(void **state)
{
    struct fixture *f = *state;
    add_event(f, "weight.gain", 3, true, 51, T0);
    add_event(f, "news2", 1, true, 52, T0 + MIN);
    assert_int_equal(current(f).category, 1);
    verr e;
    assert_int_equal(cases_withdraw_source(&f->cfg, f->s, 52, T0 + 2 * MIN, &e), 0);
    struct store_case c = current(f);
    assert_int_equal(c.category, 3);
    assert_int_equal(c.deadline_ms, T0 + 24 * 60 * MIN);
}

static void evaluation_on_known_cases(void **state)
{
    struct fixture *f = *state;
    verr e;
    /* case 1: category 1, claimed after 5 min, closed after 20 min as emergency_15 */
    add_event(f, "fall", 1, true, 61, T0);
    struct case_command cmd = {.case_id = current(f).id, .action = CASE_CLAIM, .who = "dr.a",
                               .now_ms = T0 + 5 * MIN};
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    cmd.action = CASE_CLOSE;
    cmd.outcome = "emergency_15";
    cmd.now_ms = T0 + 20 * MIN;
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    /* case 2: category 3, escalated, closed after 2 days as a false alarm */
    add_event(f, "activity.decline", 3, true, 62, T0 + 60 * MIN);
    assert_int_equal(cases_escalate_due(f->s, T0 + 26 * 60 * MIN, &e), 1);
    cmd = (struct case_command){.case_id = current(f).id, .action = CASE_CLOSE, .who = "dr.b",
                                .outcome = "false_alarm", .now_ms = T0 + 49 * 60 * MIN};
    assert_int_equal(cases_apply(&f->cfg, f->s, &cmd, &e), 0);
    struct store_evaluation ev;
    assert_int_equal(store_evaluation(f->s, "T01", T0 - MIN, T0 + 72 * 60 * MIN, case_outcomes,
                                      CASE_OUTCOME_COUNT, &ev, &e),
                     0);
    assert_int_equal(ev.patients, 1);
    assert_int_equal(ev.alerts[0], 1);
    assert_int_equal(ev.alerts[2], 1);
    assert_int_equal(ev.cases[0], 1);
    assert_int_equal(ev.cases[2], 1);
    assert_true(ev.median_claim_s[0] == 300.0);
    assert_true(ev.median_close_s[0] == 1200.0);
    assert_true(ev.median_close_s[2] == 48 * 3600.0);
    assert_int_equal(ev.outcomes[4], 1); /* emergency_15 */
    assert_int_equal(ev.outcomes[6], 1); /* false_alarm */
    assert_int_equal(ev.escalated, 1);
    assert_int_equal(ev.closed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_join_and_raise, setup, teardown),
        cmocka_unit_test_setup_teardown(escalation_under_injected_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(claim_is_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(release_past_deadline_escalates, setup, teardown),
        cmocka_unit_test_setup_teardown(withdrawal_recomputes_category, setup, teardown),
        cmocka_unit_test_setup_teardown(evaluation_on_known_cases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
