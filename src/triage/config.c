/* Triage settings: defaults, the [triage...] keys of the configuration file, and a
 * coordinator's per-patient overrides. One table describes every setting, so the file keys,
 * the override keys and their ranges cannot drift apart. docs/triage.md gives the clinical
 * source of each default. */
#include "triage/triage_int.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define H INSTANT_MS_PER_HOUR
#define MIN INSTANT_MS_PER_MINUTE
#define DAY INSTANT_MS_PER_DAY

void triage_config_defaults(struct triage_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->thresholds = (struct triage_thresholds){
        .spo2_scale = 0,
        .bp_systolic_high = 180,
        .bp_diastolic_high = 120,
        .glucose_level2_below = 54,
        .glucose_level1_below = 70,
        .glucose_high_above = 300,
        .glucose_very_high_above = 600,
        .weight_gain_kg = 2.0,
        .weight_trend_kg = 2.0,
        .spo2_drift_points = 3,
        .activity_sd = 2,
        .missing_after_ms = 48 * H,
    };
    cfg->late_after_ms = 12 * H;
    cfg->news2_window_ms = 1 * H;
    cfg->news2_urgent_score = 5;
    cfg->news2_immediate_score = 7;
    cfg->news2_copd_scale = 2;
    cfg->bp_red_flag_window_ms = 6 * H;
    cfg->glucose_repeat_window_ms = 24 * H;
    cfg->weight_gain_days = 3;
    cfg->weight_trend_days = 7;
    cfg->weight_artefact_kg = 5;
    cfg->spo2_baseline_days = 7;
    cfg->spo2_min_baseline_days = 3;
    cfg->activity_baseline_days = 28;
    cfg->activity_min_baseline_days = 14;
    cfg->activity_run_days = 3;
    cfg->activity_min_sd_fraction = 0.1;
    cfg->fall_long_lie_ms = 60 * 1000;
    static const int64_t suppress[TRIAGE_RULE_COUNT] = {
        [TRIAGE_RULE_NEWS2] = 4 * H,
        [TRIAGE_RULE_BP_HIGH] = 6 * H,
        [TRIAGE_RULE_GLUCOSE_LOW] = 2 * H,
        [TRIAGE_RULE_GLUCOSE_HIGH] = 6 * H,
        [TRIAGE_RULE_WEIGHT_GAIN] = 3 * DAY, /* the span of the gain it watches */
        [TRIAGE_RULE_SPO2_DRIFT] = 3 * DAY,
        [TRIAGE_RULE_FALL] = 30 * MIN,
        [TRIAGE_RULE_ACTIVITY_DECLINE] = 7 * DAY,
        [TRIAGE_RULE_TRANSMISSION_MISSING] = 48 * H,
        [TRIAGE_RULE_REPORT] = 1 * H,
        [TRIAGE_RULE_REQUEST] = 0, /* every request is a question that needs its answer */
    };
    memcpy(cfg->suppress_ms, suppress, sizeof suppress);
    /* Beyond these a reading is the device's, not the patient's (docs/triage.md). */
    static const struct triage_range plausible[MEASURE_KIND_COUNT] = {
        [MEASURE_HEART_RATE] = {20, 250},     [MEASURE_RESP_RATE] = {4, 60},
        [MEASURE_SPO2] = {50, 100},           [MEASURE_TEMPERATURE] = {30, 43},
        [MEASURE_BLOOD_PRESSURE] = {50, 280}, [MEASURE_WEIGHT] = {20, 350},
        [MEASURE_GLUCOSE] = {10, 1500},       [MEASURE_STEPS] = {0, 100000},
        [MEASURE_O2_FLOW] = {0, 60},          [MEASURE_CONSCIOUSNESS] = {0, 4},
        [MEASURE_FALL] = {0, 1},
    };
    memcpy(cfg->plausible, plausible, sizeof plausible);
    cfg->plausible_diastolic = (struct triage_range){20, 160};
}

/* ---- The settings table ---------------------------------------------------------------- */

enum setting_type { SETTING_DOUBLE, SETTING_INT, SETTING_DURATION };

struct setting {
    const char *key;          /* in the configuration file */
    const char *override_key; /* in a coordinator's overrides, or NULL */
    int override_field;       /* enum triage_override_field */
    enum setting_type type;
    size_t offset;            /* in struct triage_config */
    double min, max;          /* durations in ms */
};

#define C(field) offsetof(struct triage_config, field)
#define T(field) (offsetof(struct triage_config, thresholds) + offsetof(struct triage_thresholds, field))

static const struct setting settings[] = {
    {"triage.late_after", NULL, 0, SETTING_DURATION, C(late_after_ms), 1 * H, 7 * DAY},
    {"triage.news2.window", NULL, 0, SETTING_DURATION, C(news2_window_ms), 5 * MIN, 24 * H},
    {"triage.news2.urgent_score", NULL, 0, SETTING_INT, C(news2_urgent_score), 1, 20},
    {"triage.news2.immediate_score", NULL, 0, SETTING_INT, C(news2_immediate_score), 1, 20},
    {"triage.news2.copd_scale", NULL, 0, SETTING_INT, C(news2_copd_scale), 1, 2},
    {"triage.bp.systolic_high", "bp_systolic_high", TRIAGE_OVERRIDE_BP_SYSTOLIC_HIGH,
     SETTING_DOUBLE, T(bp_systolic_high), 140, 220},
    {"triage.bp.diastolic_high", "bp_diastolic_high", TRIAGE_OVERRIDE_BP_DIASTOLIC_HIGH,
     SETTING_DOUBLE, T(bp_diastolic_high), 90, 130},
    {"triage.bp.red_flag_window", NULL, 0, SETTING_DURATION, C(bp_red_flag_window_ms), 0,
     24 * H},
    {"triage.glucose.level2_below", "glucose_level2_below", TRIAGE_OVERRIDE_GLUCOSE_LEVEL2_BELOW,
     SETTING_DOUBLE, T(glucose_level2_below), 40, 70},
    {"triage.glucose.level1_below", "glucose_level1_below", TRIAGE_OVERRIDE_GLUCOSE_LEVEL1_BELOW,
     SETTING_DOUBLE, T(glucose_level1_below), 54, 100},
    {"triage.glucose.high_above", "glucose_high_above", TRIAGE_OVERRIDE_GLUCOSE_HIGH_ABOVE,
     SETTING_DOUBLE, T(glucose_high_above), 180, 400},
    {"triage.glucose.very_high_above", "glucose_very_high_above",
     TRIAGE_OVERRIDE_GLUCOSE_VERY_HIGH_ABOVE, SETTING_DOUBLE, T(glucose_very_high_above), 300,
     1000},
    {"triage.glucose.repeat_window", NULL, 0, SETTING_DURATION, C(glucose_repeat_window_ms),
     1 * H, 72 * H},
    {"triage.weight.gain_kg", "weight_gain_kg", TRIAGE_OVERRIDE_WEIGHT_GAIN_KG, SETTING_DOUBLE,
     T(weight_gain_kg), 0.5, 5},
    {"triage.weight.gain_days", NULL, 0, SETTING_INT, C(weight_gain_days), 1, WEIGHT_DAYS - 1},
    {"triage.weight.trend_kg", "weight_trend_kg", TRIAGE_OVERRIDE_WEIGHT_TREND_KG,
     SETTING_DOUBLE, T(weight_trend_kg), 0.5, 8},
    {"triage.weight.trend_days", NULL, 0, SETTING_INT, C(weight_trend_days), 1, WEIGHT_DAYS - 1},
    {"triage.weight.artefact_kg", NULL, 0, SETTING_DOUBLE, C(weight_artefact_kg), 2, 20},
    {"triage.spo2.drift_points", "spo2_drift_points", TRIAGE_OVERRIDE_SPO2_DRIFT_POINTS,
     SETTING_DOUBLE, T(spo2_drift_points), 1, 10},
    {"triage.spo2.baseline_days", NULL, 0, SETTING_INT, C(spo2_baseline_days), 2, SPO2_DAYS - 2},
    {"triage.spo2.min_baseline_days", NULL, 0, SETTING_INT, C(spo2_min_baseline_days), 1,
     SPO2_DAYS - 2},
    {"triage.activity.sd", "activity_sd", TRIAGE_OVERRIDE_ACTIVITY_SD, SETTING_DOUBLE,
     T(activity_sd), 1, 4},
    {"triage.activity.baseline_days", NULL, 0, SETTING_INT, C(activity_baseline_days), 7, 28},
    {"triage.activity.min_baseline_days", NULL, 0, SETTING_INT, C(activity_min_baseline_days),
     2, 28},
    {"triage.activity.run_days", NULL, 0, SETTING_INT, C(activity_run_days), 1, 3},
    {"triage.activity.min_sd_fraction", NULL, 0, SETTING_DOUBLE, C(activity_min_sd_fraction), 0,
     0.5},
    {"triage.falls.long_lie", NULL, 0, SETTING_DURATION, C(fall_long_lie_ms), 1000, 1 * H},
    {"triage.transmission.missing_after", "missing_after", TRIAGE_OVERRIDE_MISSING_AFTER,
     SETTING_DURATION, T(missing_after_ms), 12 * H, 14 * DAY},
};

#define SETTING_COUNT (sizeof settings / sizeof settings[0])

static void *field(void *base, size_t offset)
{
    return (char *)base + offset;
}

/* "48h", "90min" or "45s": a duration written back as a person would. */
static void format_duration(int64_t ms, char out[32])
{
    if (ms % H == 0)
        snprintf(out, 32, "%lldh", (long long)(ms / H));
    else if (ms % MIN == 0)
        snprintf(out, 32, "%lldmin", (long long)(ms / MIN));
    else if (ms % 1000 == 0)
        snprintf(out, 32, "%llds", (long long)(ms / 1000));
    else
        snprintf(out, 32, "%lldms", (long long)ms);
}

static int read_duration(config *c, const char *key, int64_t *value, double min, double max,
                         verr *e)
{
    char def[32];
    format_duration(*value, def);
    int64_t ms;
    if (config_get_duration(c, key, def, &ms, e) < 0) return -1;
    if (ms < min || ms > max) {
        char lo[32], hi[32];
        format_duration((int64_t)min, lo);
        format_duration((int64_t)max, hi);
        return verr_fail(e, "%s = %s is outside %s..%s", key, config_get(c, key), lo, hi);
    }
    *value = ms;
    return 0;
}

static int read_setting(config *c, const struct setting *s, struct triage_config *cfg, verr *e)
{
    void *p = field(cfg, s->offset);
    switch (s->type) {
    case SETTING_DOUBLE: return config_get_double(c, s->key, *(double *)p, s->min, s->max, p, e);
    case SETTING_INT: {
        int64_t v;
        if (config_get_int(c, s->key, *(int *)p, (int64_t)s->min, (int64_t)s->max, &v, e) < 0)
            return -1;
        *(int *)p = (int)v;
        return 0;
    }
    case SETTING_DURATION: return read_duration(c, s->key, p, s->min, s->max, e);
    }
    return 0;
}

/* Settings that only make sense together. */
static int check_consistent(const struct triage_config *cfg, verr *e)
{
    const struct triage_thresholds *th = &cfg->thresholds;
    if (th->glucose_level2_below >= th->glucose_level1_below)
        return verr_fail(e, "triage.glucose.level2_below (%g) must be below level1_below (%g)",
                         th->glucose_level2_below, th->glucose_level1_below);
    if (th->glucose_high_above >= th->glucose_very_high_above)
        return verr_fail(e, "triage.glucose.high_above (%g) must be below very_high_above (%g)",
                         th->glucose_high_above, th->glucose_very_high_above);
    if (cfg->news2_urgent_score > cfg->news2_immediate_score)
        return verr_fail(e, "triage.news2.urgent_score must not exceed immediate_score");
    if (cfg->spo2_min_baseline_days > cfg->spo2_baseline_days)
        return verr_fail(e, "triage.spo2.min_baseline_days must not exceed baseline_days");
    if (cfg->activity_min_baseline_days > cfg->activity_baseline_days)
        return verr_fail(e, "triage.activity.min_baseline_days must not exceed baseline_days");
    for (int k = 1; k < MEASURE_KIND_COUNT; k++)
        if (cfg->plausible[k].min > cfg->plausible[k].max)
            return verr_fail(e, "triage.plausible: %s minimum above its maximum",
                             measure_info((enum measure_kind)k)->name);
    if (cfg->plausible_diastolic.min > cfg->plausible_diastolic.max)
        return verr_fail(e, "triage.plausible: diastolic minimum above its maximum");
    return 0;
}

static int read_range(config *c, const char *name, enum measure_kind kind,
                      struct triage_range *range, verr *e)
{
    const struct measure_info *info = measure_info(kind);
    char key[96];
    snprintf(key, sizeof key, "triage.plausible.%s_min", name);
    if (config_get_double(c, key, range->min, info->min, info->max, &range->min, e) < 0)
        return -1;
    snprintf(key, sizeof key, "triage.plausible.%s_max", name);
    return config_get_double(c, key, range->max, info->min, info->max, &range->max, e);
}

int triage_config_load(config *c, struct triage_config *out, verr *e)
{
    struct triage_config cfg;
    triage_config_defaults(&cfg);
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (read_setting(c, &settings[i], &cfg, e) < 0) return -1;
    for (int r = 0; r < TRIAGE_RULE_COUNT; r++) {
        char key[96];
        snprintf(key, sizeof key, "triage.suppress.%s", triage_rule_id((enum triage_rule)r));
        if (read_duration(c, key, &cfg.suppress_ms[r], 0, 30 * DAY, e) < 0) return -1;
    }
    for (int k = 1; k < MEASURE_KIND_COUNT; k++) {
        if (k == MEASURE_FALL) continue; /* a fall is never an artefact */
        const char *name = k == MEASURE_BLOOD_PRESSURE ? "systolic"
                                                       : measure_info((enum measure_kind)k)->name;
        if (read_range(c, name, (enum measure_kind)k, &cfg.plausible[k], e) < 0) return -1;
    }
    if (read_range(c, "diastolic", MEASURE_BLOOD_PRESSURE, &cfg.plausible_diastolic, e) < 0)
        return -1;
    if (check_consistent(&cfg, e) < 0) return -1;
    *out = cfg;
    return 0;
}

/* ---- Per-patient overrides ------------------------------------------------------------- */

#define SPO2_TARGET_KEY "spo2_target"

static const struct setting *override_setting(const char *key)
{
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (settings[i].override_key && !strcmp(settings[i].override_key, key))
            return &settings[i];
    return NULL;
}

/* Offset of a setting within struct triage_thresholds. */
static size_t threshold_offset(const struct setting *s)
{
    return s->offset - offsetof(struct triage_config, thresholds);
}

static int parse_override(const char *key, json_t *v, struct triage_overrides *out, verr *e)
{
    if (!strcmp(key, SPO2_TARGET_KEY)) {
        const char *t = json_string_value(v);
        if (t && !strcmp(t, "88-92"))
            out->values.spo2_scale = 2;
        else if (t && !strcmp(t, "94-98"))
            out->values.spo2_scale = 1;
        else
            return verr_fail(e, "spo2_target: give \"88-92\" (hypercapnic respiratory failure, "
                                "NEWS2 SpO2 scale 2) or \"94-98\" (scale 1)");
        out->set |= 1u << TRIAGE_OVERRIDE_SPO2_TARGET;
        return 0;
    }
    const struct setting *s = override_setting(key);
    if (!s)
        return verr_fail(e, "'%.60s' is not a threshold a coordinator can set (see "
                            "docs/triage.md)",
                         key);
    void *p = field(&out->values, threshold_offset(s));
    if (s->type == SETTING_DURATION) {
        int64_t ms;
        if (!json_is_string(v) || instant_parse_duration(json_string_value(v), &ms, e) < 0 ||
            ms < s->min || ms > s->max) {
            char lo[32], hi[32];
            format_duration((int64_t)s->min, lo);
            format_duration((int64_t)s->max, hi);
            return verr_fail(e, "%s: give a duration from %s to %s, e.g. \"72h\"", key, lo, hi);
        }
        *(int64_t *)p = ms;
    } else {
        double x = json_number_value(v);
        if (!json_is_number(v) || x < s->min || x > s->max)
            return verr_fail(e, "%s: give a number from %g to %g", key, s->min, s->max);
        *(double *)p = x;
    }
    out->set |= 1u << s->override_field;
    return 0;
}

int triage_overrides_parse(const char *json, size_t n, struct triage_overrides *out, verr *e)
{
    memset(out, 0, sizeof *out);
    json_error_t err;
    json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &err);
    if (!root) return verr_fail(e, "thresholds: invalid JSON at line %d: %s", err.line, err.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = verr_fail(e, "thresholds: expected a JSON object of threshold: value");
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
        {
            if (json_is_null(v)) continue; /* back to the default */
            if ((rc = parse_override(key, v, out, e)) < 0) break;
        }
    }
    json_decref(root);
    const struct triage_thresholds *th = &out->values;
    unsigned both2 = (1u << TRIAGE_OVERRIDE_GLUCOSE_LEVEL2_BELOW) |
                     (1u << TRIAGE_OVERRIDE_GLUCOSE_LEVEL1_BELOW);
    unsigned both_high = (1u << TRIAGE_OVERRIDE_GLUCOSE_HIGH_ABOVE) |
                         (1u << TRIAGE_OVERRIDE_GLUCOSE_VERY_HIGH_ABOVE);
    if (rc == 0 && (out->set & both2) == both2 &&
        th->glucose_level2_below >= th->glucose_level1_below)
        rc = verr_fail(e, "glucose_level2_below must be below glucose_level1_below");
    if (rc == 0 && (out->set & both_high) == both_high &&
        th->glucose_high_above >= th->glucose_very_high_above)
        rc = verr_fail(e, "glucose_high_above must be below glucose_very_high_above");
    if (rc < 0) memset(out, 0, sizeof *out);
    return rc;
}

void triage_thresholds_apply(struct triage_thresholds *th, const struct triage_overrides *ov)
{
    if (ov->set & (1u << TRIAGE_OVERRIDE_SPO2_TARGET)) th->spo2_scale = ov->values.spo2_scale;
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const struct setting *s = &settings[i];
        if (!s->override_key || !(ov->set & (1u << s->override_field))) continue;
        size_t size = s->type == SETTING_DURATION ? sizeof(int64_t) : sizeof(double);
        memcpy(field(th, threshold_offset(s)),
               field((void *)&ov->values, threshold_offset(s)), size);
    }
}

int triage_overrides_to_json(const struct triage_overrides *ov, buf *out)
{
    int rc = buf_putc(out, '{');
    bool first = true;
    if (ov->set & (1u << TRIAGE_OVERRIDE_SPO2_TARGET)) {
        rc |= buf_printf(out, "\"%s\":\"%s\"", SPO2_TARGET_KEY,
                         ov->values.spo2_scale == 2 ? "88-92" : "94-98");
        first = false;
    }
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const struct setting *s = &settings[i];
        if (!s->override_key || !(ov->set & (1u << s->override_field))) continue;
        const void *p = field((void *)&ov->values, threshold_offset(s));
        rc |= buf_printf(out, "%s\"%s\":", first ? "" : ",", s->override_key);
        first = false;
        if (s->type == SETTING_DURATION) {
            char d[32];
            format_duration(*(const int64_t *)p, d);
            rc |= buf_printf(out, "\"%s\"", d);
        } else {
            rc |= buf_printf(out, "%.15g", *(const double *)p);
        }
    }
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}
