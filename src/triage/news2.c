/* NEWS2 (Royal College of Physicians, National Early Warning Score 2, 2017) on each patient's
 * latest value of each parameter within the window, with SpO2 scale 2 for patients whose
 * target is 88-92 % (hypercapnic respiratory failure). Aggregate >= 7: category 1; 5-6 or a
 * single parameter scoring 3: category 2 (DESIGN.md §6). */
#include "triage/triage_int.h"

#include <string.h>

static const enum measure_kind param_kinds[TRIAGE_NEWS2_PARAM_COUNT] = {
    [TRIAGE_NEWS2_RESP_RATE] = MEASURE_RESP_RATE,
    [TRIAGE_NEWS2_SPO2] = MEASURE_SPO2,
    [TRIAGE_NEWS2_AIR_OR_OXYGEN] = MEASURE_O2_FLOW,
    [TRIAGE_NEWS2_SYSTOLIC_BP] = MEASURE_BLOOD_PRESSURE,
    [TRIAGE_NEWS2_PULSE] = MEASURE_HEART_RATE,
    [TRIAGE_NEWS2_CONSCIOUSNESS] = MEASURE_CONSCIOUSNESS,
    [TRIAGE_NEWS2_TEMPERATURE] = MEASURE_TEMPERATURE,
};

enum measure_kind triage_news2_param_kind(enum triage_news2_param param)
{
    return (unsigned)param < TRIAGE_NEWS2_PARAM_COUNT ? param_kinds[param] : MEASURE_NONE;
}

int news2_param_of(const struct triage_observation *obs)
{
    /* A diastolic-only blood pressure does not enter NEWS2, which scores the systolic. */
    if (obs->kind == MEASURE_BLOOD_PRESSURE && isnan(obs->value)) return -1;
    for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++)
        if (param_kinds[p] == obs->kind) return p;
    return -1;
}

/* Chart bands as the upper bound (inclusive) of each band on the chart's grid, with the
 * score of the band; the last band is open. */
struct band {
    int upto;
    int score;
};

static int band_score(const struct band *bands, int grid_value)
{
    int i = 0;
    while (bands[i].upto != INT32_MAX && grid_value > bands[i].upto) i++;
    return bands[i].score;
}

static const struct band resp_bands[] = {{8, 3}, {11, 1}, {20, 0}, {24, 2}, {INT32_MAX, 3}};
static const struct band spo2_scale1_bands[] = {{91, 3}, {93, 2}, {95, 1}, {INT32_MAX, 0}};
/* Scale 2 below 93 %; at 93 % and above the score depends on air or oxygen. */
static const struct band spo2_scale2_bands[] = {{83, 3}, {85, 2}, {87, 1}, {INT32_MAX, 0}};
static const struct band spo2_scale2_oxygen_bands[] = {{94, 1}, {96, 2}, {INT32_MAX, 3}};
static const struct band systolic_bands[] = {{90, 3}, {100, 2}, {110, 1}, {219, 0}, {INT32_MAX, 3}};
static const struct band pulse_bands[] = {{40, 3},  {50, 1},  {90, 0},
                                          {110, 1}, {130, 2}, {INT32_MAX, 3}};
/* Temperature in tenths of a degree: 35.0 is 350. */
static const struct band temperature_bands[] = {
    {350, 3}, {360, 1}, {380, 0}, {390, 1}, {INT32_MAX, 2}};

static int spo2_score(int grid_value, int scale, bool on_oxygen)
{
    if (scale != 2) return band_score(spo2_scale1_bands, grid_value);
    if (grid_value < 93 || !on_oxygen) return band_score(spo2_scale2_bands, grid_value);
    return band_score(spo2_scale2_oxygen_bands, grid_value);
}

/* The chart is read on a grid (whole numbers; tenths for temperature). A value between two
 * grid points is scored on both and takes the more urgent band: when in doubt, err towards
 * the more urgent. Values within 0.001 of a grid point are on it (stored floats). */
static int grid_score(double value, double step, const struct band *bands, int scale,
                      bool on_oxygen)
{
    double x = value / step;
    double nearest = round(x);
    int lo, hi;
    if (fabs(x - nearest) < 1e-3) {
        lo = hi = (int)nearest;
    } else {
        lo = (int)floor(x);
        hi = (int)ceil(x);
    }
    int a = bands ? band_score(bands, lo) : spo2_score(lo, scale, on_oxygen);
    int b = bands ? band_score(bands, hi) : spo2_score(hi, scale, on_oxygen);
    return a > b ? a : b;
}

void triage_news2_score(const double values[TRIAGE_NEWS2_PARAM_COUNT], int scale,
                        struct triage_news2 *out)
{
    memset(out, 0, sizeof *out);
    bool on_oxygen = !isnan(values[TRIAGE_NEWS2_AIR_OR_OXYGEN]) &&
                     values[TRIAGE_NEWS2_AIR_OR_OXYGEN] > 0;
    for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
        double v = values[p];
        if (isnan(v)) {
            out->sub[p] = -1;
            out->missing++;
            continue;
        }
        int s = 0;
        switch ((enum triage_news2_param)p) {
        case TRIAGE_NEWS2_RESP_RATE: s = grid_score(v, 1, resp_bands, 0, false); break;
        case TRIAGE_NEWS2_SPO2: s = grid_score(v, 1, NULL, scale, on_oxygen); break;
        case TRIAGE_NEWS2_AIR_OR_OXYGEN: s = on_oxygen ? 2 : 0; break;
        case TRIAGE_NEWS2_SYSTOLIC_BP: s = grid_score(v, 1, systolic_bands, 0, false); break;
        case TRIAGE_NEWS2_PULSE: s = grid_score(v, 1, pulse_bands, 0, false); break;
        case TRIAGE_NEWS2_CONSCIOUSNESS: s = v >= 0.5 ? 3 : 0; break; /* C, V, P or U */
        case TRIAGE_NEWS2_TEMPERATURE:
            s = grid_score(v, 0.1, temperature_bands, 0, false);
            break;
        default: break;
        }
        out->sub[p] = (int8_t)s;
        out->score += s;
        if (s == 3) out->any_three = true;
    }
}

int triage_spo2_scale(const struct triage_config *cfg, unsigned classes)
{
    if (classes & TRIAGE_COND_HYPERCAPNIC) return 2;
    if (classes & TRIAGE_COND_COPD) return cfg->news2_copd_scale;
    return 1;
}

/* The patient's SpO2 scale: a coordinator's target first, then conditions. */
static int patient_scale(const triage_engine *e, const struct triage_thresholds *th,
                         const struct patient *ps)
{
    if (th->spo2_scale == 1 || th->spo2_scale == 2) return th->spo2_scale;
    return triage_spo2_scale(&e->cfg, ps->conditions);
}

static void describe_param(triage_engine *e, int param, double v)
{
    static const char acvpu[] = "ACVPU";
    char num[32];
    switch ((enum triage_news2_param)param) {
    case TRIAGE_NEWS2_RESP_RATE:
        reason_printf(e, "respiratory rate %s/min", format_number(num, v, -1));
        break;
    case TRIAGE_NEWS2_SPO2: reason_printf(e, "SpO2 %s %%", format_number(num, v, -1)); break;
    case TRIAGE_NEWS2_AIR_OR_OXYGEN:
        if (v > 0)
            reason_printf(e, "oxygen %s L/min", format_number(num, v, -1));
        else
            reason_printf(e, "air");
        break;
    case TRIAGE_NEWS2_SYSTOLIC_BP:
        reason_printf(e, "systolic BP %s mmHg", format_number(num, v, -1));
        break;
    case TRIAGE_NEWS2_PULSE: reason_printf(e, "pulse %s/min", format_number(num, v, -1)); break;
    case TRIAGE_NEWS2_CONSCIOUSNESS: {
        int level = (int)lround(v);
        if (level < 0 || level > 4) level = 4;
        reason_printf(e, "consciousness %c", acvpu[level]);
        break;
    }
    case TRIAGE_NEWS2_TEMPERATURE:
        reason_printf(e, "temperature %s °C", format_number(num, v, 1));
        break;
    default: break;
    }
}

static const char *const missing_names[TRIAGE_NEWS2_PARAM_COUNT] = {
    "respiratory rate", "SpO2",        "air or oxygen", "systolic BP",
    "pulse",            "consciousness", "temperature",
};

void news2_rule(triage_engine *e, uint32_t patient, struct patient *ps,
                const struct triage_observation *obs, int64_t now_ms,
                const struct triage_sink *sink)
{
    int param = news2_param_of(obs);
    stamp_t at = stamp_from_ms(obs->at_ms);
    if (at >= ps->slot_stamp[param]) {
        ps->slot_stamp[param] = at;
        ps->slot_value[param] = (float)obs->value;
        ps->slot_source[param] = obs->source;
    }

    /* The set as of this reading's clinical time: each other parameter's latest reading
     * taken within the window before it. */
    double values[TRIAGE_NEWS2_PARAM_COUNT];
    uint64_t sources[TRIAGE_NEWS2_PARAM_COUNT] = {0};
    int64_t window_s = e->cfg.news2_window_ms / 1000;
    for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
        values[p] = NAN;
        if (p == param) {
            values[p] = obs->value;
            sources[p] = obs->source;
        } else if (ps->slot_stamp[p] != STAMP_NEVER && ps->slot_stamp[p] <= at &&
                   (int64_t)(at - ps->slot_stamp[p]) <= window_s) {
            values[p] = ps->slot_value[p];
            sources[p] = ps->slot_source[p];
        }
    }
    const struct triage_thresholds *th = patient_thresholds(e, ps, patient);
    int scale = patient_scale(e, th, ps);
    struct triage_news2 n;
    triage_news2_score(values, scale, &n);

    int category;
    if (n.score >= e->cfg.news2_immediate_score)
        category = 1;
    else if (n.score >= e->cfg.news2_urgent_score || n.any_three)
        category = 2;
    else
        return;

    struct triage_event ev;
    event_begin(e, &ev, patient, TRIAGE_RULE_NEWS2, category, TRIAGE_ACUTE, obs->at_ms, now_ms,
                true);
    ev.has_score = true;
    ev.score = n.score;
    ev.has_detail = true;
    memcpy(ev.detail, n.sub, sizeof ev.detail);
    reason_printf(e, "NEWS2 %d (SpO2 scale %d): ", n.score, scale);
    bool first = true;
    for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
        if (n.sub[p] < 0) continue;
        if (!first) reason_printf(e, ", ");
        first = false;
        describe_param(e, p, values[p]);
        reason_printf(e, " +%d", n.sub[p]);
        event_add_source(&ev, sources[p]);
    }
    if (n.score < e->cfg.news2_urgent_score && n.any_three)
        reason_printf(e, "; a single parameter scores 3");
    if (n.missing) {
        reason_printf(e, "; missing: ");
        first = true;
        for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
            if (n.sub[p] >= 0) continue;
            reason_printf(e, "%s%s%s", first ? "" : ", ", missing_names[p],
                          p == TRIAGE_NEWS2_AIR_OR_OXYGEN ? " (scored as air)" : "");
            first = false;
        }
    }
    event_fire(e, ps, &ev, sink);
}

void news2_forget(struct patient *ps, uint64_t source, const struct triage_observation *original)
{
    int by_content = original ? news2_param_of(original) : -1;
    for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
        bool match = source && ps->slot_source[p] == source;
        if (p == by_content && ps->slot_stamp[p] == stamp_from_ms(original->at_ms) &&
            fabs(ps->slot_value[p] - original->value) < 1e-3 * fmax(1, fabs(original->value)))
            match = true;
        if (match) {
            ps->slot_stamp[p] = STAMP_NEVER;
            ps->slot_value[p] = 0;
            ps->slot_source[p] = 0;
        }
    }
}
