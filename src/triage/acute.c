/* Single readings that need a physician now or today: high blood pressure (with a red-flag
 * complaint within hours it may be a hypertensive emergency), glucose at the ADA levels, and
 * falls with or without a long lie. */
#include "triage/triage_int.h"

#include <stdio.h>
#include <stdlib.h>

/* "2 h", "35 min" or "20 s": how far apart two clinical times are. */
static const char *format_gap(char out[32], int64_t seconds)
{
    if (seconds < 0) seconds = -seconds;
    if (seconds >= 2 * 3600)
        snprintf(out, 32, "%lld h", (long long)(seconds / 3600));
    else if (seconds >= 120)
        snprintf(out, 32, "%lld min", (long long)(seconds / 60));
    else
        snprintf(out, 32, "%lld s", (long long)seconds);
    return out;
}

static bool within(stamp_t a, stamp_t b, int64_t window_ms)
{
    return a != STAMP_NEVER && b != STAMP_NEVER &&
           llabs((int64_t)a - (int64_t)b) <= window_ms / 1000;
}

static uint16_t to_u16(double v)
{
    if (isnan(v) || v < 0) return 0;
    return v > 65535 ? 65535 : (uint16_t)lround(v);
}

/* "185/95 mmHg", or one part alone when the other is absent. */
static void describe_bp(triage_engine *e, double systolic, double diastolic)
{
    char s[32], d[32];
    if (!isnan(systolic) && !isnan(diastolic))
        reason_printf(e, "blood pressure %s/%s mmHg", format_number(s, systolic, 0),
                      format_number(d, diastolic, 0));
    else if (!isnan(systolic))
        reason_printf(e, "systolic blood pressure %s mmHg", format_number(s, systolic, 0));
    else
        reason_printf(e, "diastolic blood pressure %s mmHg", format_number(d, diastolic, 0));
}

/* ---- Blood pressure ----------------------------------------------------------------------- */

void bp_rule(triage_engine *e, uint32_t patient, struct patient *ps,
             const struct triage_observation *obs, int64_t now_ms, const struct triage_sink *sink)
{
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    double systolic = obs->value, diastolic = obs->value2;
    bool high = (!isnan(systolic) && systolic >= th->bp_systolic_high) ||
                (!isnan(diastolic) && diastolic >= th->bp_diastolic_high);
    if (!high) return;
    stamp_t at = stamp_from_ms(obs->at_ms);
    if (at >= ps->bp_high_stamp) {
        ps->bp_high_stamp = at;
        ps->bp_high_source = obs->source;
        ps->bp_high_systolic = to_u16(systolic);
        ps->bp_high_diastolic = to_u16(diastolic);
    }
    bool red_flag = within(at, ps->red_flag_stamp, e->cfg.bp_red_flag_window_ms);

    struct triage_event ev;
    char n1[32], n2[32];
    event_begin(e, &ev, patient, TRIAGE_RULE_BP_HIGH, red_flag ? 1 : 2, TRIAGE_ACUTE,
                obs->at_ms, now_ms, true);
    describe_bp(e, systolic, diastolic);
    reason_printf(e, " (at or above %s/%s)", format_number(n1, th->bp_systolic_high, 0),
                  format_number(n2, th->bp_diastolic_high, 0));
    event_add_source(&ev, obs->source);
    if (red_flag) {
        char gap[32];
        reason_printf(e, " with %s reported %s %s: possible hypertensive emergency",
                      lexicon_concepts[ps->red_flag_concept].label,
                      format_gap(gap, (int64_t)ps->red_flag_stamp - (int64_t)at),
                      ps->red_flag_stamp <= at ? "before" : "after");
        event_add_source(&ev, ps->red_flag_source);
    }
    event_fire(e, ps, &ev, sink);
}

void bp_red_flag_report(triage_engine *e, uint32_t patient, struct patient *ps, int64_t at_ms,
                        uint64_t source, int concept, int64_t now_ms,
                        const struct triage_sink *sink)
{
    stamp_t at = stamp_from_ms(at_ms);
    if (at >= ps->red_flag_stamp) {
        ps->red_flag_stamp = at;
        ps->red_flag_source = source;
        ps->red_flag_concept = (uint8_t)concept;
    }
    if (!within(at, ps->bp_high_stamp, e->cfg.bp_red_flag_window_ms)) return;

    struct triage_event ev;
    char gap[32];
    event_begin(e, &ev, patient, TRIAGE_RULE_BP_HIGH, 1, TRIAGE_ACUTE, at_ms, now_ms, true);
    describe_bp(e, ps->bp_high_systolic ? ps->bp_high_systolic : NAN,
                ps->bp_high_diastolic ? ps->bp_high_diastolic : NAN);
    reason_printf(e, " measured %s %s a report of %s: possible hypertensive emergency",
                  format_gap(gap, (int64_t)at - (int64_t)ps->bp_high_stamp),
                  ps->bp_high_stamp <= at ? "before" : "after", lexicon_concepts[concept].label);
    event_add_source(&ev, ps->bp_high_source);
    event_add_source(&ev, source);
    event_fire(e, ps, &ev, sink);
}

/* ---- Glucose (ADA Standards of Care: level 1 < 70, level 2 < 54 mg/dL) --------------------- */

#define MG_DL_PER_MMOL_L 18.016

void glucose_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                  const struct triage_observation *obs, int64_t now_ms,
                  const struct triage_sink *sink)
{
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    double v = obs->value;
    char n1[32], n2[32], n3[32];
    struct triage_event ev;
    stamp_t at = stamp_from_ms(obs->at_ms);

    if (v > th->glucose_high_above) {
        bool very = v > th->glucose_very_high_above;
        event_begin(e, &ev, patient, TRIAGE_RULE_GLUCOSE_HIGH, very ? 1 : 2, TRIAGE_ACUTE,
                    obs->at_ms, now_ms, true);
        reason_printf(e, "glucose %s mg/dL (%s mmol/L), above %s mg/dL", format_number(n1, v, 0),
                      format_number(n2, v / MG_DL_PER_MMOL_L, 1),
                      format_number(n3, very ? th->glucose_very_high_above
                                             : th->glucose_high_above, 0));
        if (very) reason_printf(e, ": risk of hyperosmolar state or ketoacidosis");
        event_add_source(&ev, obs->source);
        event_fire(e, ps, &ev, sink);
        return;
    }
    if (!(v < th->glucose_level1_below)) return;

    bool level2 = v < th->glucose_level2_below;
    bool repeated = within(at, ps->glucose_low_stamp, e->cfg.glucose_repeat_window_ms);
    int category = level2 ? 1 : repeated ? 2 : 3;
    event_begin(e, &ev, patient, TRIAGE_RULE_GLUCOSE_LOW, category, TRIAGE_ACUTE, obs->at_ms,
                now_ms, true);
    reason_printf(e, "glucose %s mg/dL (%s mmol/L): level %d hypoglycaemia (below %s mg/dL)",
                  format_number(n1, v, 0), format_number(n2, v / MG_DL_PER_MMOL_L, 1),
                  level2 ? 2 : 1,
                  format_number(n3, level2 ? th->glucose_level2_below
                                           : th->glucose_level1_below, 0));
    event_add_source(&ev, obs->source);
    if (repeated) {
        char gap[32];
        reason_printf(e, "; another low %s %s (%d mg/dL)",
                      format_gap(gap, (int64_t)at - (int64_t)ps->glucose_low_stamp),
                      ps->glucose_low_stamp <= at ? "before" : "after", ps->glucose_low_value);
        event_add_source(&ev, ps->glucose_low_source);
    }
    if (at >= ps->glucose_low_stamp) {
        ps->glucose_low_stamp = at;
        ps->glucose_low_source = obs->source;
        ps->glucose_low_value = to_u16(v);
    }
    event_fire(e, ps, &ev, sink);
}

/* ---- Falls ---------------------------------------------------------------------------------- */

void fall_rule(triage_engine *e, uint32_t patient, struct patient *ps,
               const struct triage_observation *obs, int64_t now_ms,
               const struct triage_sink *sink)
{
    double immobile = obs->value2;
    bool long_lie = !isnan(immobile) && immobile * 1000 >= (double)e->cfg.fall_long_lie_ms;
    struct triage_event ev;
    char gap[32], limit[32];
    event_begin(e, &ev, patient, TRIAGE_RULE_FALL, long_lie ? 1 : 2, TRIAGE_ACUTE, obs->at_ms,
                now_ms, true);
    if (long_lie)
        reason_printf(e, "fall followed by %s without movement (%s or more)",
                      format_gap(gap, (int64_t)immobile),
                      format_gap(limit, e->cfg.fall_long_lie_ms / 1000));
    else if (!isnan(immobile))
        reason_printf(e, "fall; moved again after %s", format_gap(gap, (int64_t)immobile));
    else
        reason_printf(e, "fall (time without movement not reported)");
    event_add_source(&ev, obs->source);
    event_fire(e, ps, &ev, sink);
}

void acute_forget(struct patient *ps, uint64_t source, const struct triage_observation *original)
{
    stamp_t at = original ? stamp_from_ms(original->at_ms) : STAMP_NEVER;
    enum measure_kind kind = original ? original->kind : MEASURE_NONE;
    if ((source && ps->glucose_low_source == source) ||
        (kind == MEASURE_GLUCOSE && ps->glucose_low_stamp == at)) {
        ps->glucose_low_stamp = STAMP_NEVER;
        ps->glucose_low_source = 0;
    }
    if ((source && ps->bp_high_source == source) ||
        (kind == MEASURE_BLOOD_PRESSURE && ps->bp_high_stamp == at)) {
        ps->bp_high_stamp = STAMP_NEVER;
        ps->bp_high_source = 0;
    }
    if (source && ps->red_flag_source == source) {
        ps->red_flag_stamp = STAMP_NEVER;
        ps->red_flag_source = 0;
    }
}
