/* The engine's common path: filters (duplicates, artefacts, withdrawn, ignored), lateness,
 * alarm fatigue and restart, missing transmissions, configuration, overrides, event JSON,
 * memory and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"
#include "triage_test.h"

static void filters_drop_duplicates_artefacts_and_unusable(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct triage_observation o = {MEASURE_HEART_RATE, 135, NAN, T0, OBS_FINAL, 11};
    assert_int_equal(triage_observe(w->engine, 0, &o, T0, &w->sink), TRIAGE_USED);
    assert_int_equal(triage_observe(w->engine, 0, &o, T0 + MINUTE, &w->sink), TRIAGE_DUPLICATE);
    assert_int_equal(w->got.count, 1);
    /* Artefacts: outside the plausibility ranges of docs/triage.md. */
    assert_int_equal(observe(w, 1, MEASURE_HEART_RATE, 19, T0), TRIAGE_ARTEFACT);
    assert_int_equal(observe(w, 1, MEASURE_HEART_RATE, 20, T0 + SEC), TRIAGE_USED);
    assert_int_equal(observe(w, 1, MEASURE_SPO2, 49, T0), TRIAGE_ARTEFACT);
    assert_int_equal(observe(w, 1, MEASURE_TEMPERATURE, 29.9, T0), TRIAGE_ARTEFACT);
    assert_int_equal(observe(w, 1, MEASURE_RESP_RATE, 3, T0), TRIAGE_ARTEFACT);
    assert_int_equal(observe(w, 1, MEASURE_STEPS, 100001, T0), TRIAGE_ARTEFACT);
    assert_int_equal(observe2_at(w, 1, MEASURE_BLOOD_PRESSURE, 120, 125, T0, T0),
                     TRIAGE_ARTEFACT);
    assert_int_equal(observe2_at(w, 1, MEASURE_BLOOD_PRESSURE, 120, 15, T0, T0), TRIAGE_ARTEFACT);
    /* A fall is never an artefact. */
    assert_int_equal(observe2_at(w, 1, MEASURE_FALL, 1, 1e6, T0, T0), TRIAGE_USED);
    /* Unusable: cancelled, unknown kind, no value, time outside 2000..2100. */
    o.status = OBS_CANCELLED;
    assert_int_equal(triage_observe(w->engine, 2, &o, T0, &w->sink), TRIAGE_IGNORED);
    assert_int_equal(observe(w, 2, MEASURE_NONE, 1, T0), TRIAGE_IGNORED);
    assert_int_equal(observe(w, 2, MEASURE_WEIGHT, NAN, T0), TRIAGE_IGNORED);
    assert_int_equal(observe(w, 2, MEASURE_WEIGHT, 70, 0), TRIAGE_IGNORED);
    assert_int_equal(observe(w, TRIAGE_MAX_PATIENTS, MEASURE_WEIGHT, 70, T0), TRIAGE_EINVAL);
    world_free(w);
}

static void late_data_says_so(void **state)
{
    (void)state;
    struct world *w = world_new();
    observe2_at(w, 0, MEASURE_GLUCOSE, 45, NAN, T0, T0 + 12 * HOUR + SEC);
    const struct triage_event *ev = last_event(w);
    assert_int_equal(ev->category, 2);
    assert_true(ev->late);
    assert_reason_has(ev, "late data, measured 12 h before it was received: glucose 45 mg/dL");
    /* Late category 2 and 3 keep their category. */
    observe2_at(w, 1, MEASURE_FALL, 1, NAN, T0, T0 + 20 * HOUR);
    assert_int_equal(last_event(w)->category, 2);
    assert_true(last_event(w)->late);
    world_free(w);
}

static void alarm_fatigue_attaches_silently(void **state)
{
    (void)state;
    struct world *w = world_new();
    observe(w, 0, MEASURE_HEART_RATE, 131, T0);
    assert_true(last_event(w)->notify);
    observe(w, 0, MEASURE_HEART_RATE, 132, T0 + HOUR);
    assert_false(last_event(w)->notify); /* same rule, same category, within 4 h */
    observe(w, 0, MEASURE_RESP_RATE, 25, T0 + HOUR + MINUTE);
    observe(w, 0, MEASURE_SPO2, 91, T0 + HOUR + 2 * MINUTE); /* 3 + 3 + 3 = 9 */
    assert_int_equal(last_event(w)->category, 1);
    assert_true(last_event(w)->notify); /* more urgent notifies */
    observe(w, 0, MEASURE_HEART_RATE, 135, T0 + 5 * HOUR);
    assert_int_equal(last_event(w)->category, 2);
    assert_false(last_event(w)->notify); /* within 4 h of the category-1 notification */
    observe(w, 0, MEASURE_HEART_RATE, 136, T0 + 5 * HOUR + 2 * MINUTE);
    assert_true(last_event(w)->notify); /* 4 h after it: a reminder */
    /* Different rules do not suppress each other. */
    observe2_at(w, 0, MEASURE_FALL, 1, NAN, T0 + 5 * HOUR, T0 + 5 * HOUR);
    assert_true(last_event(w)->notify);
    world_free(w);
}

static void restart_rearms_suppression(void **state)
{
    (void)state;
    /* Before the restart: the server stored a notifying category-2 NEWS2 event. */
    struct world *w = world_new();
    triage_mark_fired(w->engine, 0, TRIAGE_RULE_NEWS2, 2, T0);
    observe(w, 0, MEASURE_HEART_RATE, 131, T0 + HOUR);
    assert_false(last_event(w)->notify);
    /* A withdrawn reading re-opens the rules it fed. */
    struct triage_observation first = {MEASURE_HEART_RATE, 131, NAN, T0 + HOUR, OBS_FINAL, 0};
    triage_withdraw(w->engine, 0, 0, &first);
    observe(w, 0, MEASURE_HEART_RATE, 133, T0 + 2 * HOUR);
    assert_true(last_event(w)->notify);
    world_free(w);
}

static void withdrawal_forgets_the_reading(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct triage_observation rr = {MEASURE_RESP_RATE, 25, NAN, T0, OBS_FINAL, 501};
    triage_observe(w->engine, 0, &rr, T0, &w->sink);
    observe(w, 0, MEASURE_SPO2, 91, T0 + MINUTE);
    assert_int_equal(last_event(w)->score, 6);
    /* entered-in-error, known by its source handle */
    triage_withdraw(w->engine, 0, 501, NULL);
    world_clear(w);
    observe(w, 0, MEASURE_SPO2, 91.5, T0 + 2 * MINUTE);
    assert_int_equal(last_event(w)->score, 3);
    /* or by content, as an entered-in-error Observation carries it */
    triage_observe(w->engine, 1, &rr, T0, &w->sink);
    struct triage_observation error = rr;
    error.status = OBS_ENTERED_IN_ERROR;
    error.source = 0;
    assert_int_equal(triage_observe(w->engine, 1, &error, T0 + MINUTE, &w->sink),
                     TRIAGE_WITHDRAWN);
    world_clear(w);
    observe(w, 1, MEASURE_SPO2, 91, T0 + 2 * MINUTE);
    assert_int_equal(last_event(w)->score, 3);

    /* A withdrawn weight leaves the daily baseline. */
    observe(w, 2, MEASURE_WEIGHT, 71.0, T0);
    struct triage_observation bad = {MEASURE_WEIGHT, 69.0, NAN, T0 + DAY, OBS_FINAL, 900};
    triage_observe(w->engine, 2, &bad, T0 + DAY, &w->sink);
    triage_withdraw(w->engine, 2, 900, &bad);
    world_clear(w);
    observe(w, 2, MEASURE_WEIGHT, 72.0, T0 + 2 * DAY); /* +1.0 against 71.0: nothing */
    assert_int_equal(count_rule(w, TRIAGE_RULE_WEIGHT_GAIN), 0);
    world_free(w);
}

static void missing_transmission_after_48_hours(void **state)
{
    (void)state;
    struct world *w = world_new();
    const char *hf[] = {"84114007"};
    triage_condition(w->engine, 0, hf, 1, true, T0);
    triage_tick(w->engine, T0 + 48 * HOUR - SEC, &w->sink);
    assert_int_equal(w->got.count, 0);
    triage_tick(w->engine, T0 + 48 * HOUR, &w->sink);
    assert_int_equal(w->got.count, 1);
    const struct triage_event *ev = last_event(w);
    assert_int_equal(ev->rule, TRIAGE_RULE_TRANSMISSION_MISSING);
    assert_int_equal(ev->category, 3);
    assert_int_equal(ev->nature, TRIAGE_CHRONIC);
    assert_int_equal(ev->at_ms, T0 + 48 * HOUR);
    assert_string_equal(ev->reason, "no body weight received since 2026-03-02T08:00:00Z, for "
                                    "more than 48 h (expected 1 a day)");
    /* Raised once, not at every tick. */
    triage_tick(w->engine, T0 + 60 * HOUR, &w->sink);
    assert_int_equal(w->got.count, 1);
    /* A reading re-arms it; the next silence is counted from the reading. */
    observe(w, 0, MEASURE_WEIGHT, 70, T0 + 61 * HOUR);
    triage_tick(w->engine, T0 + 109 * HOUR - SEC, &w->sink);
    assert_int_equal(w->got.count, 1);
    triage_tick(w->engine, T0 + 109 * HOUR, &w->sink);
    assert_int_equal(w->got.count, 2);
    /* A tick far later raises it at its due time, not at the tick's. */
    assert_int_equal(last_event(w)->at_ms, T0 + 109 * HOUR);
    world_free(w);
}

static void missing_transmission_without_ticks(void **state)
{
    (void)state;
    /* The clock-driven rule catches up when any signal of the patient arrives. */
    struct world *w = world_new();
    const char *diabetes[] = {"44054006"};
    triage_condition(w->engine, 0, diabetes, 1, true, T0);
    observe(w, 0, MEASURE_WEIGHT, 70, T0 + 50 * HOUR);
    assert_int_equal(count_rule(w, TRIAGE_RULE_TRANSMISSION_MISSING), 1);
    assert_reason_has(last_event(w), "no glucose received since");
    world_free(w);
}

static void expectations_explicit_and_overridden(void **state)
{
    (void)state;
    struct world *w = world_new();
    verr e;
    const char *hf[] = {"84114007"};
    triage_condition(w->engine, 0, hf, 1, true, T0);
    struct triage_expected steps_weekly[] = {{MEASURE_STEPS, 1.0 / 7}};
    assert_int_equal(triage_set_expected(w->engine, 0, steps_weekly, 1, T0, &e), 0);
    triage_tick(w->engine, T0 + 13 * DAY, &w->sink);
    assert_int_equal(w->got.count, 0); /* weight no longer expected; steps after 14 days */
    triage_tick(w->engine, T0 + 14 * DAY, &w->sink);
    assert_int_equal(w->got.count, 1);
    assert_reason_has(last_event(w), "no steps per day received since 2026-03-02T08:00:00Z, "
                                     "for more than 336 h (expected every 7 days)");
    /* Back to the conditions. */
    triage_clear_expected(w->engine, 0, T0 + 14 * DAY);
    triage_tick(w->engine, T0 + 16 * DAY, &w->sink);
    assert_int_equal(last_event(w)->at_ms, T0 + 16 * DAY);
    assert_reason_has(last_event(w), "no body weight");

    struct triage_expected bad[] = {{MEASURE_FALL, 1}};
    assert_int_equal(triage_set_expected(w->engine, 1, bad, 1, T0, &e), -1);
    struct triage_expected too_often[] = {{MEASURE_WEIGHT, 25}};
    assert_int_equal(triage_set_expected(w->engine, 1, too_often, 1, T0, &e), -1);
    assert_non_null(strstr(e.msg, "per_day 25 is outside 0.1..24"));

    /* A coordinator may give a patient longer. */
    struct triage_overrides ov;
    assert_int_equal(triage_overrides_parse("{\"missing_after\":\"72h\"}", 23, &ov, &e), 0);
    triage_condition(w->engine, 2, hf, 1, true, T0);
    triage_set_overrides(w->engine, 2, &ov);
    world_clear(w);
    triage_tick(w->engine, T0 + 71 * HOUR, &w->sink);
    assert_int_equal(w->got.count, 0);
    triage_tick(w->engine, T0 + 72 * HOUR, &w->sink);
    assert_int_equal(w->got.count, 1);
    assert_int_equal(last_event(w)->patient, 2);
    world_free(w);
}

/* Every event of a run, as JSON lines, for comparing runs. */
static void to_text(const struct world *w, buf *out)
{
    for (size_t i = 0; i < w->got.count; i++) {
        triage_event_to_json(&w->got.events[i].ev, "Patient/p", NULL, NULL, out);
        buf_printf(out, " notify=%d\n", w->got.events[i].ev.notify);
    }
}

/* Two patients over a week; `tick` false replays the signals alone, as the server does at
 * start-up. */
static void feed_story(struct world *w, bool tick, bool final_tick)
{
    const char *hf[] = {"84114007"};
    triage_condition(w->engine, 0, hf, 1, true, T0);
    for (int d = 0; d < 4; d++) {
        observe(w, 0, MEASURE_WEIGHT, 70 + d * 0.8, T0 + d * DAY);
        observe(w, 1, MEASURE_HEART_RATE, 131, T0 + d * DAY);
        if (tick) triage_tick(w->engine, T0 + d * DAY + HOUR, &w->sink);
    }
    if (final_tick) triage_tick(w->engine, T0 + 7 * DAY, &w->sink);
}

static void restart_neither_loses_nor_repeats(void **state)
{
    (void)state;
    struct world *live = world_new();
    feed_story(live, true, true);
    size_t live_count = live->got.count;
    assert_true(count_rule(live, TRIAGE_RULE_TRANSMISSION_MISSING) == 1);

    /* Rebuild: replay the signals with events discarded, re-arm from the stored events. */
    struct world *rebuilt = world_new();
    struct triage_sink none = {NULL, NULL};
    rebuilt->sink = none;
    feed_story(rebuilt, false, false);
    for (size_t i = 0; i < live_count; i++) {
        const struct triage_event *ev = &live->got.events[i].ev;
        if (ev->notify)
            triage_mark_fired(rebuilt->engine, ev->patient, ev->rule, ev->category, ev->at_ms);
    }
    rebuilt->sink = (struct triage_sink){capture_emit, &rebuilt->got};
    triage_tick(rebuilt->engine, T0 + 8 * DAY, &rebuilt->sink);
    observe(rebuilt, 1, MEASURE_HEART_RATE, 131, T0 + 3 * DAY + HOUR);
    assert_int_equal(rebuilt->got.count, 1);
    assert_false(last_event(rebuilt)->notify); /* attached to the event before the restart */
    world_free(live);
    world_free(rebuilt);
}

static void same_input_same_events(void **state)
{
    (void)state;
    /* Determinism, and independence from how often the caller ticks. */
    struct world *a = world_new(), *b = world_new();
    feed_story(a, true, true);
    feed_story(b, false, true);
    buf ta, tb;
    buf_init(&ta, 1 << 20);
    buf_init(&tb, 1 << 20);
    to_text(a, &ta);
    to_text(b, &tb);
    assert_string_equal(buf_cstr(&ta), buf_cstr(&tb));
    assert_true(ta.len > 0);
    buf_free(&ta);
    buf_free(&tb);
    world_free(a);
    world_free(b);
}

static const char *source_name(void *ctx, uint64_t source, size_t *len)
{
    static char text[64];
    (void)ctx;
    *len = (size_t)snprintf(text, sizeof text, "Observation/o-%llu", (unsigned long long)source);
    return text;
}

static void event_json_is_design_9(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct triage_observation a = {MEASURE_WEIGHT, 71.0, NAN, T0, OBS_FINAL, 122};
    struct triage_observation b = {MEASURE_WEIGHT, 73.4, NAN, T0 + 3 * DAY - 48 * MINUTE,
                                   OBS_FINAL, 123};
    triage_observe(w->engine, 0, &a, T0, &w->sink);
    triage_observe(w->engine, 0, &b, b.at_ms, &w->sink);
    buf out;
    buf_init(&out, 4096);
    assert_int_equal(triage_event_to_json(last_event(w), "Patient/p-001", source_name, NULL, &out),
                     0);
    assert_string_equal(buf_cstr(&out),
                        "{\"patient\":\"Patient/p-001\",\"category\":2,\"nature\":\"chronic\","
                        "\"rule\":\"weight.gain\",\"reason\":\"weight +2.4 kg in 3 days (71.0 -> "
                        "73.4 kg); more than 2.0 kg within 3 days\",\"at\":\"2026-03-05T07:12:00Z"
                        "\",\"sources\":[\"Observation/o-123\"]}");
    /* NEWS2 adds the score and the sub-scores of the parameters present. */
    buf_reset(&out);
    observe(w, 1, MEASURE_RESP_RATE, 25, T0);
    observe(w, 1, MEASURE_SPO2, 95, T0);
    assert_int_equal(triage_event_to_json(last_event(w), "Patient/p-002", NULL, NULL, &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"sources\":[],\"score\":4,\"detail\":{"
                                           "\"respiratory_rate\":3,\"spo2\":1}}"));
    buf_free(&out);
    world_free(w);
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/vigie-triage-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int load_text(const char *text, struct triage_config *cfg, verr *e)
{
    char *path = write_temp(text);
    config *c = config_load(path, e);
    unlink(path);
    assert_non_null(c);
    int rc = triage_config_load(c, cfg, e);
    if (rc == 0) rc = config_check_unused(c, e);
    config_free(c);
    return rc;
}

static void config_file_keys(void **state)
{
    (void)state;
    struct triage_config cfg;
    verr e;
    assert_int_equal(load_text("[triage]\nlate_after = 6h\n[triage.news2]\nimmediate_score = 6\n"
                               "[triage.suppress]\nnews2 = 1h\nbp.high = 0s\n"
                               "[triage.plausible]\nheart_rate_min = 25\ndiastolic_max = 150\n"
                               "[triage.weight]\ngain_kg = 1.5\n",
                               &cfg, &e),
                     0);
    assert_int_equal(cfg.late_after_ms, 6 * HOUR);
    assert_int_equal(cfg.news2_immediate_score, 6);
    assert_int_equal(cfg.suppress_ms[TRIAGE_RULE_NEWS2], HOUR);
    assert_int_equal(cfg.suppress_ms[TRIAGE_RULE_BP_HIGH], 0);
    assert_near(cfg.plausible[MEASURE_HEART_RATE].min, 25, 0);
    assert_near(cfg.plausible_diastolic.max, 150, 0);
    assert_near(cfg.thresholds.weight_gain_kg, 1.5, 0);
    assert_near(cfg.thresholds.bp_systolic_high, 180, 0); /* default kept */

    assert_int_equal(load_text("[triage.weight]\ngain_kg = 9\n", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "triage.weight.gain_kg = 9 is outside 0.5..5"));
    assert_int_equal(load_text("[triage]\nlate_after = 2w\n", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "triage.late_after = 2w is outside 1h..168h"));
    assert_int_equal(load_text("[triage.glucose]\nlevel2_below = 65\nlevel1_below = 60\n", &cfg,
                               &e),
                     -1);
    assert_non_null(strstr(e.msg, "level2_below (65) must be below level1_below (60)"));
    assert_int_equal(load_text("[triage.news2]\nwindow_size = 1h\n", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "unknown setting 'triage.news2.window_size'"));
}

static void overrides_validate_and_round_trip(void **state)
{
    (void)state;
    struct triage_overrides ov;
    verr e;
    const char *json = "{\"spo2_target\":\"88-92\",\"weight_gain_kg\":1.5,\"missing_after\":"
                       "\"72h\",\"bp_systolic_high\":null}";
    assert_int_equal(triage_overrides_parse(json, strlen(json), &ov, &e), 0);
    buf out;
    buf_init(&out, 1024);
    triage_overrides_to_json(&ov, &out);
    assert_string_equal(buf_cstr(&out),
                        "{\"spo2_target\":\"88-92\",\"weight_gain_kg\":1.5,\"missing_after\":\"72h\"}");
    buf_free(&out);

    static const struct {
        const char *json, *message;
    } bad[] = {
        {"{\"spo2_target\":\"90\"}", "spo2_target: give \"88-92\""},
        {"{\"weight_gain_kg\":0.1}", "weight_gain_kg: give a number from 0.5 to 5"},
        {"{\"weight_gain_kg\":\"2\"}", "weight_gain_kg: give a number"},
        {"{\"missing_after\":\"1h\"}", "missing_after: give a duration from 12h to 336h"},
        {"{\"colour\":1}", "'colour' is not a threshold a coordinator can set"},
        {"[1]", "expected a JSON object"},
        {"{\"a\":1,\"a\":2}", "invalid JSON"},
        {"{\"glucose_high_above\":350,\"glucose_very_high_above\":320}",
         "glucose_high_above must be below glucose_very_high_above"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(triage_overrides_parse(bad[i].json, strlen(bad[i].json), &ov, &e), -1);
        if (!strstr(e.msg, bad[i].message)) fail_msg("%s: %s", bad[i].json, e.msg);
        assert_int_equal(ov.set, 0);
    }

    struct world *w = world_new();
    assert_int_equal(triage_overrides_parse(json, strlen(json), &ov, &e), 0);
    triage_set_overrides(w->engine, 3, &ov);
    struct triage_thresholds th;
    triage_patient_thresholds(w->engine, 3, &th);
    assert_int_equal(th.spo2_scale, 2);
    assert_near(th.weight_gain_kg, 1.5, 0);
    assert_near(th.bp_systolic_high, 180, 0);
    triage_patient_thresholds(w->engine, 4, &th);
    assert_near(th.weight_gain_kg, 2.0, 0);
    world_free(w);
}

static void rule_ids_and_memory(void **state)
{
    (void)state;
    for (int r = 0; r < TRIAGE_RULE_COUNT; r++) {
        const char *id = triage_rule_id((enum triage_rule)r);
        assert_int_equal(triage_rule_from_id(id, strlen(id)), r);
    }
    assert_int_equal(triage_rule_from_id("nope", 4), -1);
    struct world *w = world_new();
    triage_engine_reserve(w->engine, 1000);
    observe(w, 999, MEASURE_WEIGHT, 70, T0);
    struct triage_memory m;
    triage_engine_memory(w->engine, &m);
    assert_int_equal(m.patients, 1000);
    assert_true(m.bytes_per_patient <= 512);
    /* Chunks of 4096 patients: at most one chunk beyond what is used. */
    assert_true(m.state_bytes >= 1000 * m.bytes_per_patient);
    assert_true(m.state_bytes <= 4096 * m.bytes_per_patient + 64);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filters_drop_duplicates_artefacts_and_unusable),
        cmocka_unit_test(late_data_says_so),
        cmocka_unit_test(alarm_fatigue_attaches_silently),
        cmocka_unit_test(restart_rearms_suppression),
        cmocka_unit_test(withdrawal_forgets_the_reading),
        cmocka_unit_test(missing_transmission_after_48_hours),
        cmocka_unit_test(missing_transmission_without_ticks),
        cmocka_unit_test(expectations_explicit_and_overridden),
        cmocka_unit_test(restart_neither_loses_nor_repeats),
        cmocka_unit_test(same_input_same_events),
        cmocka_unit_test(event_json_is_design_9),
        cmocka_unit_test(config_file_keys),
        cmocka_unit_test(overrides_validate_and_round_trip),
        cmocka_unit_test(rule_ids_and_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
