/* Drifts against each patient's own baseline, over days: heart-failure weight gain (ESC),
 * SpO2 drift against the previous week, and daily steps falling below the 28-day baseline.
 * Each series is a ring of daily aggregates (UTC days) in the patient's state. */
#include "triage/triage_int.h"

#include <string.h>

/* ---- Rings of days ------------------------------------------------------------------------ */

static int ring_slot(int32_t day, int n)
{
    return (int)(((day % n) + n) % n);
}

/* Slot of `day` in a ring of n days ending at *last_day. A newer day advances the ring and
 * clears the days it passes; -1 for a day older than the ring holds. `sums` may be NULL. */
static int ring_place(int32_t *last_day, int n, int32_t day, float *sums, uint16_t *counts)
{
    if (*last_day == 0 || day - *last_day >= n) {
        if (sums) memset(sums, 0, (size_t)n * sizeof *sums);
        memset(counts, 0, (size_t)n * sizeof *counts);
        *last_day = day;
    } else if (day > *last_day) {
        for (int32_t d = *last_day + 1; d <= day; d++) {
            if (sums) sums[ring_slot(d, n)] = 0;
            counts[ring_slot(d, n)] = 0;
        }
        *last_day = day;
    } else if (day <= *last_day - n) {
        return -1;
    }
    return ring_slot(day, n);
}

static int ring_find(int32_t last_day, int n, int32_t day)
{
    if (last_day == 0 || day > last_day || day <= last_day - n) return -1;
    return ring_slot(day, n);
}

/* A daily mean series: sums and counts per day. */
struct series {
    int32_t last_day;
    int n;
    const float *sums;
    const uint16_t *counts;
};

static bool day_mean(const struct series *s, int32_t day, double *out)
{
    int i = ring_find(s->last_day, s->n, day);
    if (i < 0 || s->counts[i] == 0) return false;
    *out = s->sums[i] / s->counts[i];
    return true;
}

/* Lowest daily mean over days [from, to]; false when none has data. */
static bool lowest_mean(const struct series *s, int32_t from, int32_t to, double *out,
                        int32_t *day_out)
{
    bool found = false;
    for (int32_t d = from; d <= to; d++) {
        double m;
        if (day_mean(s, d, &m) && (!found || m < *out)) {
            *out = m;
            *day_out = d;
            found = true;
        }
    }
    return found;
}

/* Mean of the daily means over [from, to], when at least `min_days` have data. */
static bool baseline_mean(const struct series *s, int32_t from, int32_t to, int min_days,
                          double *out)
{
    double total = 0;
    int days = 0;
    for (int32_t d = from; d <= to; d++) {
        double m;
        if (day_mean(s, d, &m)) {
            total += m;
            days++;
        }
    }
    if (days == 0 || days < min_days) return false;
    *out = total / days;
    return true;
}

static void series_add(int32_t *last_day, int n, float *sums, uint16_t *counts, int64_t at_ms,
                       double value)
{
    int i = ring_place(last_day, n, day_of_ms(at_ms), sums, counts);
    if (i < 0 || counts[i] == UINT16_MAX) return;
    sums[i] += (float)value;
    counts[i]++;
}

static void series_remove(int32_t last_day, int n, float *sums, uint16_t *counts, int64_t at_ms,
                          double value)
{
    int i = ring_find(last_day, n, day_of_ms(at_ms));
    if (i < 0 || counts[i] == 0) return;
    counts[i]--;
    sums[i] = counts[i] ? sums[i] - (float)value : 0;
}

/* ---- Heart-failure weight (ESC 2021: more than 2 kg in 3 days) --------------------------- */

static struct series weight_series(const struct patient *ps)
{
    return (struct series){ps->weight_day, WEIGHT_DAYS, ps->weight_sum, ps->weight_count};
}

bool weight_artefact(const triage_engine *e, const struct patient *ps,
                     const struct triage_observation *obs)
{
    struct series s = weight_series(ps);
    int32_t day = day_of_ms(obs->at_ms);
    for (int32_t d = day; d >= day - 2; d--) {
        double m;
        if (day_mean(&s, d, &m)) return fabs(obs->value - m) > e->cfg.weight_artefact_kg;
    }
    return false;
}

void weight_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                 const struct triage_observation *obs, int64_t now_ms,
                 const struct triage_sink *sink)
{
    series_add(&ps->weight_day, WEIGHT_DAYS, ps->weight_sum, ps->weight_count, obs->at_ms,
               obs->value);
    struct series s = weight_series(ps);
    int32_t day = day_of_ms(obs->at_ms);
    double today, low = 0;
    int32_t low_day = day;
    if (!day_mean(&s, day, &today)) return;

    /* Against the lowest day of the window: the most sensitive reading of "gain over N days". */
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    int category = 0, window = 0;
    double limit = 0;
    if (lowest_mean(&s, day - e->cfg.weight_gain_days, day - 1, &low, &low_day) &&
        round_hundredths(today - low) > th->weight_gain_kg) {
        category = 2;
        window = e->cfg.weight_gain_days;
        limit = th->weight_gain_kg;
    } else if (lowest_mean(&s, day - e->cfg.weight_trend_days, day - 1, &low, &low_day) &&
               round_hundredths(today - low) > th->weight_trend_kg) {
        category = 3;
        window = e->cfg.weight_trend_days;
        limit = th->weight_trend_kg;
    }
    if (!category) return;

    struct triage_event ev;
    char n1[32], n2[32], n3[32], n4[32];
    int days = day - low_day;
    event_begin(e, &ev, patient, TRIAGE_RULE_WEIGHT_GAIN, category, TRIAGE_CHRONIC, obs->at_ms,
                now_ms, true);
    reason_printf(e, "weight +%s kg in %d day%s (%s -> %s kg); more than %s kg within %d days",
                  format_number(n1, today - low, 1), days, days == 1 ? "" : "s",
                  format_number(n2, low, 1), format_number(n3, today, 1),
                  format_number(n4, limit, 1), window);
    if (category == 3) reason_printf(e, ", a slower gain");
    event_add_source(&ev, obs->source);
    event_fire(e, ps, &ev, sink);
}

/* ---- SpO2 drift against the patient's own 7-day baseline ------------------------------- */

void spo2_drift_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                     const struct triage_observation *obs, int64_t now_ms,
                     const struct triage_sink *sink)
{
    series_add(&ps->spo2_day, SPO2_DAYS, ps->spo2_sum, ps->spo2_count, obs->at_ms, obs->value);
    struct series s = {ps->spo2_day, SPO2_DAYS, ps->spo2_sum, ps->spo2_count};
    int32_t day = day_of_ms(obs->at_ms);
    int days = e->cfg.spo2_baseline_days, min_days = e->cfg.spo2_min_baseline_days;
    double today, baseline;
    if (!day_mean(&s, day, &today) ||
        !baseline_mean(&s, day - days, day - 1, min_days, &baseline))
        return;
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    double points = th->spo2_drift_points;
    /* Sustained: today and yesterday both as far below the baseline that preceded them
     * (yesterday's dip would dilute today's own baseline). */
    double yesterday, earlier;
    bool sustained = day_mean(&s, day - 1, &yesterday) &&
                     baseline_mean(&s, day - days - 1, day - 2, min_days, &earlier) &&
                     round_hundredths(earlier - yesterday) >= points &&
                     round_hundredths(earlier - today) >= points;
    if (sustained)
        baseline = earlier;
    else if (round_hundredths(baseline - today) < points)
        return;

    struct triage_event ev;
    char n1[32], n2[32], n3[32], n4[32];
    event_begin(e, &ev, patient, TRIAGE_RULE_SPO2_DRIFT, sustained ? 2 : 3, TRIAGE_CHRONIC,
                obs->at_ms, now_ms, true);
    reason_printf(e, "SpO2 %s %% today against %s %% over the %d days before%s (-%s points, "
                     "alert at %s)",
                  format_number(n1, today, -1), format_number(n2, baseline, -1), days,
                  sustained ? " yesterday" : "", format_number(n3, baseline - today, -1),
                  format_number(n4, points, -1));
    if (sustained)
        reason_printf(e, "; %s %% yesterday too: sustained", format_number(n1, yesterday, -1));
    event_add_source(&ev, obs->source);
    event_fire(e, ps, &ev, sink);
}

/* ---- Activity: daily steps below the 28-day baseline mean - 2 SD on 3 days running ------- */

static uint16_t steps_code(double steps)
{
    double tens = round(steps / 10);
    if (tens < 0) tens = 0;
    if (tens > 65534) tens = 65534;
    return (uint16_t)(tens + 1);
}

static bool steps_on(const struct patient *ps, int32_t day, double *out)
{
    int i = ring_find(ps->steps_day, STEPS_DAYS, day);
    if (i < 0 || ps->steps[i] == 0) return false;
    *out = (ps->steps[i] - 1) * 10.0;
    return true;
}

void activity_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                   const struct triage_observation *obs, int64_t now_ms,
                   const struct triage_sink *sink)
{
    int32_t day = day_of_ms(obs->at_ms);
    int i = ring_place(&ps->steps_day, STEPS_DAYS, day, NULL, ps->steps);
    if (i < 0) return;
    /* Counters send the day's total so far: the day's value is the largest received. */
    uint16_t code = steps_code(obs->value);
    if (code > ps->steps[i]) ps->steps[i] = code;

    int run = e->cfg.activity_run_days, days = e->cfg.activity_baseline_days;
    double run_values[3];
    for (int k = 0; k < run; k++)
        if (!steps_on(ps, day - run + 1 + k, &run_values[k])) return;

    double total = 0, squares = 0;
    int n = 0;
    for (int32_t d = day - run - days + 1; d <= day - run; d++) {
        double v;
        if (!steps_on(ps, d, &v)) continue;
        total += v;
        squares += v * v;
        n++;
    }
    if (n < e->cfg.activity_min_baseline_days || n < 2) return;
    double mean = total / n;
    double variance = (squares - n * mean * mean) / (n - 1);
    double sd = variance > 0 ? sqrt(variance) : 0;
    /* A very regular patient has a tiny SD: without a floor an ordinary quiet day would
     * count as a decline. */
    double sd_used = fmax(sd, e->cfg.activity_min_sd_fraction * mean);
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    double limit = mean - th->activity_sd * sd_used;
    for (int k = 0; k < run; k++)
        if (!(run_values[k] < limit)) return;

    struct triage_event ev;
    char n1[32], n2[32], n3[32], n4[32];
    event_begin(e, &ev, patient, TRIAGE_RULE_ACTIVITY_DECLINE, 3, TRIAGE_CHRONIC, obs->at_ms,
                now_ms, true);
    reason_printf(e, "steps ");
    for (int k = 0; k < run; k++)
        reason_printf(e, "%s%s", k == 0 ? "" : k == run - 1 ? " and " : ", ",
                      format_number(n1, run_values[k], 0));
    reason_printf(e, " a day on the last %d days, below %s (%d-day baseline %s +/- %s; mean - %s SD)",
                  run, format_number(n1, limit, 0), days, format_number(n2, mean, 0),
                  format_number(n3, sd_used, 0), format_number(n4, th->activity_sd, -1));
    event_add_source(&ev, obs->source);
    event_fire(e, ps, &ev, sink);
}

void trends_forget(struct patient *ps, const struct triage_observation *original)
{
    switch (original->kind) {
    case MEASURE_WEIGHT:
        series_remove(ps->weight_day, WEIGHT_DAYS, ps->weight_sum, ps->weight_count,
                      original->at_ms, original->value);
        break;
    case MEASURE_SPO2:
        series_remove(ps->spo2_day, SPO2_DAYS, ps->spo2_sum, ps->spo2_count, original->at_ms,
                      original->value);
        break;
    case MEASURE_STEPS: {
        int i = ring_find(ps->steps_day, STEPS_DAYS, day_of_ms(original->at_ms));
        if (i >= 0 && ps->steps[i] == steps_code(original->value)) ps->steps[i] = 0;
        break;
    }
    default: break;
    }
}
