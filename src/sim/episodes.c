/* Injected episodes: how often each kind happens to whom, when it starts, how severe it is,
 * and the category DESIGN §6 gives it. The category is decided here, by construction of the
 * values the episode will produce (for NEWS2 by scoring the peak spot check with the
 * published chart), so the truth file states what a correct triage must say. Parameters
 * are stored in sim_episode.param and read by plan.c; the meaning of each slot is listed
 * with the type below. Rates and their sources: docs/sim.md, "Episodes". */
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <math.h>
#include <string.h>

enum { STREAM_EPISODES = 20 };

static const char *const type_names[EP_TYPE_COUNT] = {
    "hf_decompensation", "hypoglycaemia", "hyperglycaemia", "hypertensive_crisis",
    "copd_exacerbation", "infection",     "fall",           "fall_long_lie",
    "activity_decline",  "device_silence"};

const char *sim_episode_type_name(enum sim_episode_type type)
{
    return (unsigned)type < EP_TYPE_COUNT ? type_names[type] : "unknown";
}

/* ---- NEWS2 (Royal College of Physicians, 2017) ---- */

static int score_resp_rate(float v)
{
    return v < 8.5f ? 3 : v < 11.5f ? 1 : v < 20.5f ? 0 : v < 24.5f ? 2 : 3;
}

static int score_spo2(float v, bool scale2, bool on_oxygen)
{
    if (!scale2) return v < 91.5f ? 3 : v < 93.5f ? 2 : v < 95.5f ? 1 : 0;
    if (v < 83.5f) return 3;
    if (v < 85.5f) return 2;
    if (v < 87.5f) return 1;
    if (v < 92.5f || !on_oxygen) return 0; /* 88-92, or >= 93 on air */
    return v < 94.5f ? 1 : v < 96.5f ? 2 : 3;
}

static int score_systolic(float v)
{
    return v < 90.5f ? 3 : v < 100.5f ? 2 : v < 110.5f ? 1 : v < 219.5f ? 0 : 3;
}

static int score_heart_rate(float v)
{
    return v < 40.5f ? 3 : v < 50.5f ? 1 : v < 90.5f ? 0 : v < 110.5f ? 1 : v < 130.5f ? 2 : 3;
}

static int score_temperature(float v)
{
    return v < 35.05f ? 3 : v < 36.05f ? 1 : v < 38.05f ? 0 : v < 39.05f ? 1 : 2;
}

int sim_news2_score(const struct sim_vitals *v, bool *any_three)
{
    int parts[7] = {0}, n = 0;
    if (v->has_resp_rate) parts[n++] = score_resp_rate(v->resp_rate);
    parts[n++] = score_spo2(v->spo2, v->scale2, v->on_oxygen);
    parts[n++] = v->on_oxygen ? 2 : 0;
    if (v->has_systolic) parts[n++] = score_systolic(v->systolic);
    parts[n++] = score_heart_rate(v->heart_rate);
    if (v->has_acvpu) parts[n++] = v->acvpu == 0 ? 0 : 3;
    if (v->has_temperature) parts[n++] = score_temperature(v->temperature);
    int total = 0;
    bool three = false;
    for (int i = 0; i < n; i++) {
        total += parts[i];
        if (parts[i] == 3) three = true;
    }
    if (any_three) *any_three = three;
    return total;
}

int sim_news2_category(const struct sim_vitals *v)
{
    bool three;
    int score = sim_news2_score(v, &three);
    return score >= 7 ? 1 : score >= 5 || three ? 2 : 3;
}

/* ---- scheduling ---- */

/* Base rates per patient-month (multiplied by --episode-rate). */
static double rate_per_month(const struct sim_patient *pt, enum sim_episode_type type)
{
    unsigned c = pt->conditions, d = pt->devices;
    bool daily_device = d & ~(unsigned)DEV_FALL_DETECTOR;
    switch (type) {
    case EP_HF_DECOMPENSATION:
        return (c & COND_HEART_FAILURE) && (d & DEV_SCALE) ? 0.08 : 0;
    case EP_HYPOGLYCAEMIA:
        if (!(d & DEV_GLUCOMETER)) return 0;
        return (c & COND_T1_DIABETES) ? 0.30 : (c & COND_INSULIN) ? 0.08 : 0.01;
    case EP_HYPERGLYCAEMIA:
        if (!(d & DEV_GLUCOMETER)) return 0;
        return (c & COND_T1_DIABETES) ? 0.10 : 0.06;
    case EP_HYPERTENSIVE_CRISIS:
        return (c & COND_HYPERTENSION) && (d & DEV_BP_CUFF) ? 0.03 : 0;
    case EP_COPD_EXACERBATION:
        return (c & COND_COPD) && (d & DEV_OXIMETER) ? 0.12 : 0;
    case EP_INFECTION:
        return pt->age >= 75 ? 0.04 : 0.02;
    case EP_FALL:
        if (!(d & DEV_FALL_DETECTOR)) return 0;
        return pt->primary == PRIMARY_FRAIL_ELDERLY ? 0.06 : 0.03;
    case EP_FALL_LONG_LIE:
        if (!(d & DEV_FALL_DETECTOR)) return 0;
        return pt->primary == PRIMARY_FRAIL_ELDERLY ? 0.025 : 0.01;
    case EP_ACTIVITY_DECLINE:
        return (d & DEV_TRACKER) ? 0.04 : 0;
    case EP_DEVICE_SILENCE:
        return daily_device ? 0.03 : 0;
    default:
        return 0;
    }
}

struct when {
    const struct sim_world *w;
    int64_t start_local;
};

/* Instant of local time `minutes` after local midnight of `day` (may be fractional). */
static int64_t local_instant(const struct when *wh, double day, double minutes)
{
    double local =
        (double)wh->start_local + floor(day) * INSTANT_MS_PER_DAY + minutes * INSTANT_MS_PER_MINUTE;
    int64_t ms = (int64_t)local;
    return sim_paris_to_utc(ms - ms % 1000);
}

static int64_t days_ms(double days)
{
    int64_t ms = (int64_t)(days * INSTANT_MS_PER_DAY);
    return ms - ms % 1000;
}

static float round_to(double v, double step)
{
    return (float)(round(v / step) * step);
}

/* Draws one episode; returns false when the programme is too short for it. */
static bool draw(const struct when *wh, const struct sim_patient *pt, enum sim_episode_type type,
                 sim_rng *r, struct sim_episode *ep)
{
    unsigned days = wh->w->cfg.days;
    float *q = ep->param;
    memset(ep, 0, sizeof *ep);
    ep->type = (uint8_t)type;
    struct sim_vitals v = {0};
    v.scale2 = pt->conditions & COND_HYPERCAPNIA;
    v.on_oxygen = pt->conditions & COND_LONG_TERM_O2;
    switch (type) {
    case EP_HF_DECOMPENSATION: {
        /* q: 0 kg/day, 1 ramp days, 2 plateau days, 3 SpO2 drop, 4 HR rise, 5 report after
         * (days), 6 request after (days) */
        double ramp = sim_rng_range(r, 3, 5), plateau = sim_rng_range(r, 1, 2);
        double rate = fmin(sim_rng_range(r, 0.9, 1.3), 4.8 / ramp);
        if (days < 4 + ramp + plateau + 1) return false;
        double day = 3 + sim_rng_below(r, (uint32_t)(days - 3 - ceil(ramp + plateau)));
        ep->onset_ms = local_instant(wh, day, 5 * 60);
        ep->end_ms = ep->onset_ms + days_ms(ramp + plateau);
        q[0] = (float)rate, q[1] = (float)ramp, q[2] = (float)plateau;
        q[3] = (float)sim_rng_range(r, 1.5, 3), q[4] = (float)sim_rng_range(r, 6, 14);
        if (sim_rng_chance(r, 0.6)) ep->flags |= EPF_REPORT;
        q[5] = (float)sim_rng_range(r, 1.2, ramp);
        if (sim_rng_chance(r, 0.25)) ep->flags |= EPF_REQUEST;
        q[6] = (float)(ramp - 0.5);
        ep->category = 2;
        return true;
    }
    case EP_HYPOGLYCAEMIA: {
        /* q: 0 first value, 1 second value (moderate) or re-check after sugar (severe),
         * 2 hours to the second low (moderate), 3 report delay (minutes) */
        if (days < 3) return false;
        double day = 1 + sim_rng_below(r, days - 2);
        double minutes = sim_rng_chance(r, 0.4)   ? sim_rng_range(r, 120, 300)
                         : sim_rng_chance(r, 0.5) ? sim_rng_range(r, 660, 720)
                                                  : sim_rng_range(r, 1050, 1140);
        ep->onset_ms = local_instant(wh, day, minutes);
        bool severe = sim_rng_chance(r, (pt->conditions & COND_T1_DIABETES) ? 0.5 : 0.6);
        if (severe) {
            ep->flags |= EPF_SEVERE;
            q[0] = round_to(sim_rng_range(r, 36, 52), 1);
            q[1] = round_to(sim_rng_range(r, 85, 130), 1);
            if (sim_rng_chance(r, 0.5)) ep->flags |= EPF_REPORT;
            q[3] = (float)sim_rng_range(r, 20, 90);
            ep->end_ms = ep->onset_ms + (int64_t)((q[3] + 15) * INSTANT_MS_PER_MINUTE);
            ep->category = 1;
        } else {
            q[0] = round_to(sim_rng_range(r, 56, 67), 1);
            q[1] = round_to(sim_rng_range(r, 56, 67), 1);
            q[2] = (float)sim_rng_range(r, 3, 18);
            ep->end_ms = ep->onset_ms + days_ms(q[2] / 24.0) + 30 * INSTANT_MS_PER_MINUTE;
            ep->category = 2;
        }
        return true;
    }
    case EP_HYPERGLYCAEMIA: {
        /* q: 0 typical level, 1 peak (severe, > 600), 2 duration (hours), 3 report after
         * (hours) */
        if (days < 5) return false;
        double hours = sim_rng_range(r, 20, 60);
        double day = 1 + sim_rng_below(r, days - 4);
        ep->onset_ms = local_instant(wh, day, sim_rng_range(r, 600, 1200));
        ep->end_ms = ep->onset_ms + days_ms(hours / 24);
        q[0] = round_to(sim_rng_range(r, 320, 420), 1), q[2] = (float)hours;
        if (sim_rng_chance(r, 0.1)) {
            ep->flags |= EPF_SEVERE;
            q[1] = round_to(sim_rng_range(r, 620, 700), 1);
        }
        if (sim_rng_chance(r, 0.35)) ep->flags |= EPF_REPORT;
        q[3] = (float)sim_rng_range(r, 2, 10);
        ep->category = (ep->flags & EPF_SEVERE) ? 1 : 2;
        return true;
    }
    case EP_HYPERTENSIVE_CRISIS: {
        /* q: 0 systolic peak, 1 diastolic peak, 2 report delay (minutes) */
        if (days < 2) return false;
        double day = 1 + sim_rng_below(r, days - 1);
        ep->onset_ms = local_instant(wh, day, sim_rng_range(r, 480, 1200));
        ep->end_ms = ep->onset_ms + 6 * INSTANT_MS_PER_HOUR;
        q[0] = round_to(sim_rng_range(r, 185, 212), 1),
        q[1] = round_to(sim_rng_range(r, 100, 124), 1);
        q[2] = (float)sim_rng_range(r, 10, 80);
        if (sim_rng_chance(r, 0.3))
            ep->flags |= EPF_SEVERE | EPF_REPORT;
        else if (sim_rng_chance(r, 0.4))
            ep->flags |= EPF_REPORT;
        ep->category = (ep->flags & EPF_SEVERE) ? 1 : 2;
        return true;
    }
    case EP_COPD_EXACERBATION: {
        /* q: 0 ramp, 1 plateau, 2 recovery (days), 3 SpO2, 4 RR, 5 HR, 6 temperature at the
         * peak, 7 report after (days) */
        double ramp = sim_rng_range(r, 1.5, 2.5), plateau = sim_rng_range(r, 1, 2);
        double recovery = sim_rng_range(r, 1.5, 3), total = ramp + plateau + recovery;
        if (days < 9 + total + 1) return false;
        double day = 8 + sim_rng_below(r, (uint32_t)(days - 8 - ceil(total)));
        ep->onset_ms = local_instant(wh, day, 6 * 60);
        ep->end_ms = ep->onset_ms + days_ms(total);
        bool severe = sim_rng_chance(r, 0.3);
        if (severe) ep->flags |= EPF_SEVERE;
        q[0] = (float)ramp, q[1] = (float)plateau, q[2] = (float)recovery;
        if (v.scale2)
            q[3] = round_to(severe ? sim_rng_range(r, 80, 83.9) : sim_rng_range(r, 84, 85.9), 1);
        else
            q[3] = round_to(severe ? sim_rng_range(r, 87, 91.9) : sim_rng_range(r, 92, 93.9), 1);
        /* At least 3 points below the patient's usual SpO2: the drift rule's threshold, so a
         * kit without respiratory rate still shows the exacerbation. */
        q[3] = (float)fmin(q[3], round(pt->spo2) - 3);
        q[4] = round_to(severe ? sim_rng_range(r, 25, 29.9) : sim_rng_range(r, 21, 24.9), 1);
        q[5] = round_to(severe ? sim_rng_range(r, 111, 128) : sim_rng_range(r, 92, 109), 1);
        q[6] = round_to(severe || sim_rng_chance(r, 0.4) ? sim_rng_range(r, 38.2, 38.9)
                                                         : sim_rng_range(r, 37.4, 38.0),
                        0.1);
        if (sim_rng_chance(r, 0.65)) ep->flags |= EPF_REPORT;
        q[7] = (float)sim_rng_range(r, 0.4, ramp);
        if (sim_rng_chance(r, 0.2)) ep->flags |= EPF_REQUEST;
        v.spo2 = q[3], v.resp_rate = q[4], v.heart_rate = q[5], v.temperature = q[6];
        v.has_resp_rate = pt->devices & DEV_RESP_RATE;
        v.has_temperature = true;
        ep->category = (uint8_t)sim_news2_category(&v);
        return true;
    }
    case EP_INFECTION: {
        /* q: 0 duration (days), 1 RR, 2 SpO2, 3 HR, 4 temperature, 5 systolic, 6 ACVPU,
         * 7 first nurse visit after (hours) */
        double duration = sim_rng_range(r, 2, 4);
        if (days < 2 + duration + 1) return false;
        double day = 1 + sim_rng_below(r, (uint32_t)(days - 1 - ceil(duration)));
        ep->onset_ms = local_instant(wh, day, sim_rng_range(r, 420, 1200));
        ep->end_ms = ep->onset_ms + days_ms(duration);
        bool severe = sim_rng_chance(r, 0.35);
        if (severe) ep->flags |= EPF_SEVERE;
        q[0] = (float)duration;
        q[1] = round_to(severe ? sim_rng_range(r, 24, 28.9) : sim_rng_range(r, 21, 23.9), 1);
        q[2] = round_to(pt->spo2 - (severe ? sim_rng_range(r, 3, 5) : sim_rng_range(r, 1, 2)), 1);
        q[3] = round_to(severe ? sim_rng_range(r, 112, 130) : sim_rng_range(r, 96, 110), 1);
        q[4] = round_to(severe ? sim_rng_range(r, 39.1, 39.8) : sim_rng_range(r, 38.3, 39.0), 0.1);
        q[5] = round_to(severe ? sim_rng_range(r, 92, 104) : pt->systolic, 1);
        q[6] = severe && sim_rng_chance(r, 0.5) ? 1 : 0; /* ACVPU_C: new confusion */
        q[7] = (float)sim_rng_range(r, 2, 6);
        if (sim_rng_chance(r, 0.75)) ep->flags |= EPF_REPORT;
        v.resp_rate = q[1], v.spo2 = q[2], v.heart_rate = q[3], v.temperature = q[4];
        v.systolic = q[5], v.acvpu = (uint8_t)q[6];
        v.has_resp_rate = v.has_temperature = v.has_systolic = v.has_acvpu = true;
        ep->category = (uint8_t)sim_news2_category(&v);
        /* Below NEWS2's thresholds a mild infection is seen through the caregiver's words
         * (fever: an "other complaint", category 3), so it is always reported. */
        if (ep->category == 3) ep->flags |= EPF_REPORT;
        return true;
    }
    case EP_FALL:
    case EP_FALL_LONG_LIE: {
        /* q: 0 seconds without movement, 1 report delay (minutes), 2 no-answer delay
         * (minutes) */
        if (days < 1) return false;
        double day = sim_rng_below(r, days);
        double minutes = sim_rng_chance(r, 0.7) ? sim_rng_range(r, 420, 1320)
                                                : fmod(sim_rng_range(r, 1320, 1860), 1440);
        ep->onset_ms = local_instant(wh, day, minutes);
        double end_min = 10;
        if (type == EP_FALL) {
            q[0] = round_to(sim_rng_range(r, 5, 50), 1);
            if (sim_rng_chance(r, 0.4)) ep->flags |= EPF_REPORT;
            q[1] = (float)sim_rng_range(r, 30, 360);
            ep->category = 2;
        } else {
            q[0] = round_to(sim_rng_chance(r, 0.2) ? sim_rng_range(r, 3600, 14400)
                                                   : sim_rng_range(r, 300, 3600),
                            60);
            ep->flags |= EPF_SEVERE; /* a long lie: the truth says "severe" */
            if (sim_rng_chance(r, 0.4)) ep->flags |= EPF_NO_ANSWER;
            q[2] = (float)sim_rng_range(r, 3, 10);
            if (sim_rng_chance(r, 0.5)) ep->flags |= EPF_REPORT;
            q[1] = (float)(q[0] / 60 + sim_rng_range(r, 5, 60));
            ep->category = 1;
        }
        if (ep->flags & EPF_REPORT) end_min = fmax(end_min, q[1] + 10);
        ep->end_ms = ep->onset_ms + (int64_t)(end_min * INSTANT_MS_PER_MINUTE);
        ep->end_ms -= ep->end_ms % 1000;
        return ep->end_ms < wh->w->day_start[days];
    }
    case EP_ACTIVITY_DECLINE: {
        /* q: 0 share of usual steps, 1 report after (days) */
        if (days < 27) return false;
        double day = 21 + sim_rng_below(r, days - 25);
        double duration = fmin(days - day, sim_rng_range(r, 6, 12));
        ep->onset_ms = local_instant(wh, day, 0);
        ep->end_ms = ep->onset_ms + days_ms(floor(duration));
        q[0] = (float)sim_rng_range(r, 0.3, 0.5);
        if (sim_rng_chance(r, 0.3)) ep->flags |= EPF_REPORT;
        q[1] = (float)sim_rng_range(r, 2, 4);
        ep->category = 3;
        return true;
    }
    case EP_DEVICE_SILENCE: {
        /* q: 0 report after (days) */
        double duration = 3 + sim_rng_below(r, 4);
        if (days < 3 + duration + 1) return false;
        double day = 2 + sim_rng_below(r, (uint32_t)(days - 2 - duration));
        ep->onset_ms = local_instant(wh, day, 0);
        ep->end_ms = local_instant(wh, day + duration, 0);
        if (sim_rng_chance(r, 0.3)) ep->flags |= EPF_REPORT;
        q[0] = (float)sim_rng_range(r, 1, 2.5);
        ep->category = 3;
        return true;
    }
    default:
        return false;
    }
}

/* Episodes of one patient never overlap (with two days of margin), so that each signal has
 * one clinical cause and the truth stays unambiguous. */
static bool overlaps(const struct sim_world *w, const struct sim_patient *pt,
                     const struct sim_episode *ep)
{
    int64_t margin = 2 * INSTANT_MS_PER_DAY;
    for (uint32_t i = 0; i < pt->episode_count; i++) {
        const struct sim_episode *o = &w->episodes[pt->first_episode + i];
        if (ep->onset_ms < o->end_ms + margin && o->onset_ms < ep->end_ms + margin) return true;
    }
    return false;
}

void sim_episodes_schedule(struct sim_world *w, uint32_t p)
{
    struct sim_patient *pt = &w->patients[p];
    pt->first_episode = w->episode_count;
    pt->episode_count = 0;
    struct when wh = {w, w->cfg.start_ms + sim_paris_offset_s(w->cfg.start_ms) * 1000LL};
    sim_rng r;
    sim_rng_seed(&r, w->cfg.seed, p, 0, STREAM_EPISODES);
    double months = w->cfg.days / 30.4375 * w->cfg.episode_rate;
    for (int type = 0; type < EP_TYPE_COUNT; type++) {
        double rate = rate_per_month(pt, (enum sim_episode_type)type);
        unsigned n = sim_rng_poisson(&r, rate * months);
        for (unsigned i = 0; i < n && pt->episode_count < 8; i++) {
            for (int attempt = 0; attempt < 8; attempt++) {
                struct sim_episode ep;
                if (!draw(&wh, pt, (enum sim_episode_type)type, &r, &ep)) break;
                ep.patient = p;
                if (overlaps(w, pt, &ep)) continue;
                if (w->episode_count == w->episode_cap) {
                    w->episode_cap = w->episode_cap ? w->episode_cap * 2 : 1024;
                    w->episodes = xrealloc(w->episodes, w->episode_cap * sizeof *w->episodes);
                }
                w->episodes[w->episode_count++] = ep;
                pt->episode_count++;
                w->stats->episodes++;
                break;
            }
        }
    }
}

/* ---- truth ---- */

static void write_rules(buf *b, const char *key, const char *const *rules)
{
    buf_printf(b, ",\"%s\":[", key);
    for (int i = 0; rules[i]; i++) buf_printf(b, "%s\"%s\"", i ? "," : "", rules[i]);
    buf_putc(b, ']');
}

void sim_truth_episode(const struct sim_world *w, const struct sim_episode *ep, uint32_t index,
                       buf *b)
{
    const struct sim_patient *pt = &w->patients[ep->patient];
    const float *q = ep->param;
    char onset[32], end[32], id[16], detail[200] = "";
    sim_format_local(ep->onset_ms, onset);
    sim_format_local(ep->end_ms, end);
    sim_patient_id(ep->patient, id);
    static const char *const weight[] = {"weight.gain", NULL};
    static const char *const weight_also[] = {"spo2.drift",       "news2", "report", "request",
                                              "activity.decline", NULL};
    static const char *const glucose_low[] = {"glucose.low", NULL};
    static const char *const glucose_high[] = {"glucose.high", NULL};
    static const char *const bp[] = {"bp.high", NULL};
    static const char *const bp_also[] = {"report", "news2", NULL};
    static const char *const news2[] = {"news2", NULL};
    static const char *const news2_also[] = {"spo2.drift", "report", "request", "activity.decline",
                                             NULL};
    static const char *const drift[] = {"spo2.drift", NULL};
    static const char *const drift_also[] = {"news2", "report", "request", "activity.decline",
                                             NULL};
    static const char *const fall[] = {"fall", NULL};
    static const char *const activity[] = {"activity.decline", NULL};
    static const char *const silence[] = {"transmission.missing", NULL};
    static const char *const report[] = {"report", NULL};
    static const char *const report_also[] = {"news2", "spo2.drift", "request", "activity.decline",
                                              NULL};
    const char *const *rules = report, *const *also = report;
    const char *nature = "acute";
    switch ((enum sim_episode_type)ep->type) {
    case EP_HF_DECOMPENSATION:
        rules = weight, also = weight_also, nature = "chronic";
        snprintf(detail, sizeof detail,
                 "weight +%.1f kg over %.1f days, then %.1f days on a plateau", q[0] * q[1], q[1],
                 q[2]);
        break;
    case EP_HYPOGLYCAEMIA:
        rules = glucose_low;
        if (ep->flags & EPF_SEVERE)
            snprintf(detail, sizeof detail, "glucose %.0f mg/dL, %.0f after sugar", q[0], q[1]);
        else
            snprintf(detail, sizeof detail, "glucose %.0f then %.0f mg/dL %.1f h apart", q[0], q[1],
                     q[2]);
        break;
    case EP_HYPERGLYCAEMIA:
        rules = glucose_high;
        if (ep->flags & EPF_SEVERE)
            snprintf(detail, sizeof detail, "glucose about %.0f mg/dL for %.0f h, peak %.0f", q[0],
                     q[2], q[1]);
        else
            snprintf(detail, sizeof detail, "glucose about %.0f mg/dL for %.0f h", q[0], q[2]);
        break;
    case EP_HYPERTENSIVE_CRISIS:
        rules = bp, also = bp_also;
        snprintf(detail, sizeof detail, "blood pressure %.0f/%.0f mm[Hg]%s", q[0], q[1],
                 (ep->flags & EPF_SEVERE) ? " with a red-flag complaint" : "");
        break;
    case EP_COPD_EXACERBATION:
    case EP_INFECTION: {
        struct sim_vitals v = {0};
        v.scale2 = pt->conditions & COND_HYPERCAPNIA;
        v.on_oxygen = pt->conditions & COND_LONG_TERM_O2;
        v.has_temperature = true;
        if (ep->type == EP_COPD_EXACERBATION) {
            v.spo2 = q[3], v.resp_rate = q[4], v.heart_rate = q[5], v.temperature = q[6];
            v.has_resp_rate = pt->devices & DEV_RESP_RATE;
        } else {
            v.resp_rate = q[1], v.spo2 = q[2], v.heart_rate = q[3], v.temperature = q[4];
            v.systolic = q[5], v.acvpu = (uint8_t)q[6];
            v.has_resp_rate = v.has_systolic = v.has_acvpu = true;
        }
        int score = sim_news2_score(&v, NULL);
        rules = ep->category != 3 ? news2 : ep->type == EP_INFECTION ? report : drift;
        also = ep->category != 3 ? news2_also : ep->type == EP_INFECTION ? report_also : drift_also;
        int n = snprintf(detail, sizeof detail, "peak NEWS2 %d (", score);
        if (v.has_resp_rate) n += snprintf(detail + n, sizeof detail - n, "RR %.0f, ", v.resp_rate);
        n += snprintf(detail + n, sizeof detail - n, "SpO2 %.0f %% scale %d%s, HR %.0f, T %.1f",
                      v.spo2, v.scale2 ? 2 : 1, v.on_oxygen ? " on O2" : "", v.heart_rate,
                      v.temperature);
        if (v.has_systolic) n += snprintf(detail + n, sizeof detail - n, ", SBP %.0f", v.systolic);
        if (v.has_acvpu) n += snprintf(detail + n, sizeof detail - n, ", %s", v.acvpu ? "C" : "A");
        snprintf(detail + n, sizeof detail - n, ")");
        break;
    }
    case EP_FALL:
    case EP_FALL_LONG_LIE:
        rules = fall;
        snprintf(detail, sizeof detail, "fall, %.0f s without movement%s", q[0],
                 (ep->flags & EPF_NO_ANSWER) ? ", tele-assistance check unanswered" : "");
        break;
    case EP_ACTIVITY_DECLINE:
        rules = activity, nature = "chronic";
        snprintf(detail, sizeof detail, "daily steps at %.0f %% of usual", q[0] * 100);
        break;
    case EP_DEVICE_SILENCE:
        rules = silence, nature = "chronic";
        snprintf(detail, sizeof detail, "no device transmission for %.0f days",
                 (double)(ep->end_ms - ep->onset_ms) / INSTANT_MS_PER_DAY);
        break;
    default:
        break;
    }
    buf_printf(b, "{\"record\":\"episode\",\"id\":\"e-%07u-%u\",\"patient\":\"%s\",\"type\":\"%s\"",
               ep->patient + 1, index + 1, id,
               sim_episode_type_name((enum sim_episode_type)ep->type));
    buf_printf(b, ",\"severity\":\"%s\",\"onset\":\"%s\",\"end\":\"%s\",\"category\":%d",
               (ep->flags & EPF_SEVERE) ? "severe" : "moderate", onset, end, ep->category);
    buf_printf(b, ",\"nature\":\"%s\"", nature);
    write_rules(b, "rules", rules);
    write_rules(b, "also", also);
    buf_puts(b, ",\"detail\":");
    buf_append_json_string(b, detail, strlen(detail));
    buf_puts(b, "}\n");
}
