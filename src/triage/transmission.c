/* What each patient is expected to send, and the alert when it stops: an expected daily
 * measurement absent for more than 48 h raises category 3 (French telemonitoring
 * programme ETAPES, cahiers des charges 2017-2021). Expectations come from conditions (heart
 * failure: daily weight; diabetes: daily glucose; COPD or hypercapnic respiratory failure:
 * daily SpO2; hypertension: daily blood pressure) unless set explicitly at enrolment. */
#include "triage/triage_int.h"

#include <string.h>

/* SNOMED CT codes of the conditions triage draws on: the concept and its usual children as
 * problem lists record them (docs/triage.md lists them with their names). */
static const struct {
    const char *code;
    unsigned classes;
} condition_codes[] = {
    /* Chronic obstructive lung disease and its usual children. */
    {"13645005", TRIAGE_COND_COPD},  {"195951007", TRIAGE_COND_COPD},
    {"185086009", TRIAGE_COND_COPD}, {"87433001", TRIAGE_COND_COPD},
    {"68328006", TRIAGE_COND_COPD},  {"313296004", TRIAGE_COND_COPD},
    {"313297008", TRIAGE_COND_COPD}, {"313299006", TRIAGE_COND_COPD},
    {"135836000", TRIAGE_COND_COPD}, {"10692761000119107", TRIAGE_COND_COPD},
    /* Chronic hypercapnic respiratory failure; hypercapnia. */
    {"426896000", TRIAGE_COND_HYPERCAPNIC}, {"29596007", TRIAGE_COND_HYPERCAPNIC},
    /* Heart failure and children. */
    {"84114007", TRIAGE_COND_HEART_FAILURE},  {"42343007", TRIAGE_COND_HEART_FAILURE},
    {"48447003", TRIAGE_COND_HEART_FAILURE},  {"88805009", TRIAGE_COND_HEART_FAILURE},
    {"85232009", TRIAGE_COND_HEART_FAILURE},  {"367363000", TRIAGE_COND_HEART_FAILURE},
    {"703272007", TRIAGE_COND_HEART_FAILURE}, {"446221000", TRIAGE_COND_HEART_FAILURE},
    {"10633002", TRIAGE_COND_HEART_FAILURE},
    /* Diabetes mellitus, type 1, type 2. */
    {"73211009", TRIAGE_COND_DIABETES}, {"46635009", TRIAGE_COND_DIABETES},
    {"44054006", TRIAGE_COND_DIABETES},
    /* Hypertensive disorder, essential hypertension. */
    {"38341003", TRIAGE_COND_HYPERTENSION}, {"59621000", TRIAGE_COND_HYPERTENSION},
};

unsigned triage_condition_classify(const char *code, size_t n)
{
    for (size_t i = 0; i < sizeof condition_codes / sizeof condition_codes[0]; i++)
        if (strlen(condition_codes[i].code) == n && memcmp(condition_codes[i].code, code, n) == 0)
            return condition_codes[i].classes;
    return 0;
}

/* Expected every `period` hours; 0 when not expected. */
typedef uint8_t expect_periods[MEASURE_KIND_COUNT];

static void apply_expectations(triage_engine *e, uint32_t patient, struct patient *ps,
                               const expect_periods periods, int64_t now_ms)
{
    stamp_t now_s = stamp_from_ms(now_ms);
    for (int k = 0; k < MEASURE_KIND_COUNT; k++) {
        /* A newly expected kind is counted from now: the patient was not asked before. */
        if (periods[k] && !ps->expect_period_h[k] && now_s > ps->watch[k]) ps->watch[k] = now_s;
        if (!periods[k]) ps->missing_alerted &= (uint16_t)~(1u << k);
        ps->expect_period_h[k] = periods[k];
    }
    transmission_schedule(e, patient, ps);
}

static void derive_expectations(triage_engine *e, uint32_t patient, struct patient *ps,
                                int64_t now_ms)
{
    expect_periods periods = {0};
    if (ps->conditions & TRIAGE_COND_HEART_FAILURE) periods[MEASURE_WEIGHT] = 24;
    if (ps->conditions & TRIAGE_COND_DIABETES) periods[MEASURE_GLUCOSE] = 24;
    if (ps->conditions & (TRIAGE_COND_HYPERCAPNIC | TRIAGE_COND_COPD)) periods[MEASURE_SPO2] = 24;
    if (ps->conditions & TRIAGE_COND_HYPERTENSION) periods[MEASURE_BLOOD_PRESSURE] = 24;
    apply_expectations(e, patient, ps, periods, now_ms);
}

unsigned triage_condition(triage_engine *e, uint32_t patient, const char *const *codes,
                          size_t code_count, bool active, int64_t now_ms)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return 0;
    unsigned classes = 0;
    for (size_t i = 0; i < code_count; i++)
        if (codes[i]) classes |= triage_condition_classify(codes[i], strlen(codes[i]));
    if (!classes) return 0;
    if (active)
        ps->conditions |= (uint8_t)classes;
    else
        ps->conditions &= (uint8_t)~classes;
    if (!(ps->flags & PATIENT_EXPLICIT_EXPECTED)) derive_expectations(e, patient, ps, now_ms);
    return classes;
}

int triage_set_expected(triage_engine *e, uint32_t patient, const struct triage_expected *items,
                        size_t count, int64_t now_ms, verr *err)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return verr_fail(err, "patient index %u is out of range", patient);
    expect_periods periods = {0};
    for (size_t i = 0; i < count; i++) {
        enum measure_kind kind = items[i].kind;
        double per_day = items[i].per_day;
        if (kind <= MEASURE_NONE || kind >= MEASURE_KIND_COUNT || kind == MEASURE_FALL)
            return verr_fail(err, "expected[%zu]: kind cannot be expected (give a measurement "
                                  "such as weight, glucose, spo2, blood_pressure, steps)",
                             i);
        if (!(per_day >= 0.1 && per_day <= 24))
            return verr_fail(err, "expected[%zu]: per_day %g is outside 0.1..24", i, per_day);
        long hours = lround(24.0 / per_day);
        periods[kind] = (uint8_t)(hours < 1 ? 1 : hours > 240 ? 240 : hours);
    }
    ps->flags |= PATIENT_EXPLICIT_EXPECTED;
    apply_expectations(e, patient, ps, periods, now_ms);
    return 0;
}

void triage_clear_expected(triage_engine *e, uint32_t patient, int64_t now_ms)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return;
    ps->flags &= (uint8_t)~PATIENT_EXPLICIT_EXPECTED;
    derive_expectations(e, patient, ps, now_ms);
}

/* ---- Missing transmission ----------------------------------------------------------------- */

/* Seconds without a reading of an expected kind before the alert: the configured delay, or
 * two expected periods for measurements sent less often than every day. */
static int64_t missing_after_s(const triage_engine *e, const struct patient *ps,
                               uint32_t patient, int kind)
{
    int64_t configured = patient_thresholds(e, ps, patient)->missing_after_ms / 1000;
    int64_t two_periods = 2 * 3600 * (int64_t)ps->expect_period_h[kind];
    return configured > two_periods ? configured : two_periods;
}

void transmission_schedule(triage_engine *e, uint32_t patient, struct patient *ps)
{
    stamp_t due = STAMP_FAR;
    for (int k = 0; k < MEASURE_KIND_COUNT; k++) {
        if (!ps->expect_period_h[k] || (ps->missing_alerted & (1u << k))) continue;
        if (ps->watch[k] == STAMP_NEVER) {
            due = 0; /* counted from the first clock reading the engine gets */
            break;
        }
        int64_t at = (int64_t)ps->watch[k] + missing_after_s(e, ps, patient, k);
        if (at < due) due = (stamp_t)(at < STAMP_FAR ? at : STAMP_FAR);
    }
    *patient_due(e, patient) = due;
    if (due < e->earliest_due) e->earliest_due = due;
}

static void describe_expected(triage_engine *e, int period_h)
{
    char n[32];
    if (period_h <= 24)
        reason_printf(e, "%s a day", format_number(n, 24.0 / period_h, -1));
    else
        reason_printf(e, "every %s days", format_number(n, period_h / 24.0, -1));
}

void transmission_check(triage_engine *e, uint32_t patient, struct patient *ps, stamp_t now_s,
                        const struct triage_sink *sink)
{
    for (int k = 0; k < MEASURE_KIND_COUNT; k++) {
        if (!ps->expect_period_h[k] || (ps->missing_alerted & (1u << k))) continue;
        if (ps->watch[k] == STAMP_NEVER) {
            ps->watch[k] = now_s;
            continue;
        }
        int64_t after = missing_after_s(e, ps, patient, k);
        int64_t due = (int64_t)ps->watch[k] + after;
        if (due > now_s) continue;
        ps->missing_alerted |= (uint16_t)(1u << k);

        struct triage_event ev;
        char since[40];
        int64_t since_ms = stamp_to_ms(ps->watch[k]);
        instant_format_utc(since_ms, since);
        event_begin(e, &ev, patient, TRIAGE_RULE_TRANSMISSION_MISSING, 3, TRIAGE_CHRONIC,
                    stamp_to_ms((stamp_t)due), stamp_to_ms(now_s), false);
        reason_printf(e, "no %s received since %s, for more than %lld h (expected ",
                      measure_info((enum measure_kind)k)->label, since, (long long)(after / 3600));
        describe_expected(e, ps->expect_period_h[k]);
        reason_printf(e, ")");
        event_fire(e, ps, &ev, sink);
    }
    transmission_schedule(e, patient, ps);
}

void transmission_seen(triage_engine *e, uint32_t patient, struct patient *ps,
                       enum measure_kind kind, stamp_t s)
{
    if (s <= ps->watch[kind]) return;
    ps->watch[kind] = s;
    ps->missing_alerted &= (uint16_t)~(1u << kind);
    if (ps->expect_period_h[kind]) transmission_schedule(e, patient, ps);
}

void transmission_mark_raised(triage_engine *e, uint32_t patient, struct patient *ps, stamp_t at)
{
    for (int k = 0; k < MEASURE_KIND_COUNT; k++) {
        if (!ps->expect_period_h[k] || ps->watch[k] == STAMP_NEVER) continue;
        if ((int64_t)ps->watch[k] + missing_after_s(e, ps, patient, k) <= (int64_t)at)
            ps->missing_alerted |= (uint16_t)(1u << k);
    }
    transmission_schedule(e, patient, ps);
}
