/* One patient's signals for one day. Everything is a pure function of (seed, patient, day):
 * slow trends use value noise on weekly knots, missed days and slot times are hashes, and
 * the day's own draws come from a stream seeded by (patient, day). So the generator can
 * plan a day again for another time slice and get the same signals, and nothing is carried
 * from one day to the next.
 *
 * Two rules keep the background free of false "missing transmission" alerts, which would
 * otherwise be artefacts of the model rather than of the patients: missed days are isolated
 * (a gap of more than 48 h is a device-silence episode, with its truth line), and the
 * reading after a missed day comes at most 46.5 h after the previous one. */
#include "core/instant.h"
#include "model/measure.h"
#include "sim/sim_internal.h"

#include <math.h>
#include <string.h>

enum { STREAM_DAY = 30 };
enum { K_WEIGHT, K_BLOOD_PRESSURE, K_SPOT_CHECK, K_GLUCOSE, K_O2, K_STEPS };

struct day {
    const struct sim_world *w;
    const struct sim_patient *pt;
    uint32_t p, day;
    int64_t start, end;     /* instants of this local day */
    int64_t local_midnight; /* this day's midnight as local wall-clock ms */
    const struct sim_episode *eps;
    unsigned n_eps;
    sim_rng r;
    struct sim_signal *out;
    unsigned n;
};

/* Physiology at an instant: baselines, slow drift and the effects of episodes. */
struct state {
    double weight, systolic, diastolic, heart_rate, spo2, resp_rate, temperature, steps_factor;
    double o2_extra;
    int acvpu;
    bool exact; /* at an episode's peak: values are written as designed, without noise */
    bool glucose_high;
    double glucose_level;
};

static int64_t local_to_instant(int64_t local_ms)
{
    local_ms -= local_ms % 1000;
    return sim_paris_to_utc(local_ms);
}

static int64_t at_minutes(const struct day *d, int day_offset, double minutes)
{
    return local_to_instant(d->local_midnight + day_offset * INSTANT_MS_PER_DAY +
                            (int64_t)(minutes * INSTANT_MS_PER_MINUTE));
}

static double minute_of_day(int64_t at)
{
    int64_t local = at + sim_paris_offset_s(at) * 1000LL;
    int64_t m = (local / INSTANT_MS_PER_MINUTE) % 1440;
    return (double)(m < 0 ? m + 1440 : m);
}

static struct sim_signal *add(struct day *d, int64_t at, enum sim_signal_kind kind, double v0,
                              double v1)
{
    if (at < d->start || at >= d->end || d->n >= SIM_MAX_SIGNALS_PER_DAY) return NULL;
    struct sim_signal *s = &d->out[d->n];
    memset(s, 0, sizeof *s);
    s->at_ms = at - at % 1000;
    s->patient = d->p;
    s->seq = (uint16_t)d->n;
    s->day = (uint16_t)d->day;
    s->kind = (uint8_t)kind;
    /* A diastolic pressure at or above the systolic is impossible and refused at ingestion
     * (src/fhir); noise must never produce one. */
    if (kind == SIG_BLOOD_PRESSURE && v1 > v0 - 15) v1 = v0 - 15;
    s->v[0] = (float)v0;
    s->v[1] = (float)v1;
    d->n++;
    return s;
}

static double hash01(const struct day *d, int64_t day, uint64_t what)
{
    return sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)day, what);
}

static bool silenced(const struct day *d, int64_t at)
{
    for (unsigned i = 0; i < d->n_eps; i++)
        if (d->eps[i].type == EP_DEVICE_SILENCE && at >= d->eps[i].onset_ms &&
            at < d->eps[i].end_ms)
            return true;
    return false;
}

static bool silence_starts_on(const struct day *d, int64_t day)
{
    if (day < 0 || day >= (int64_t)d->w->cfg.days) return false;
    int64_t from = d->w->day_start[day], to = d->w->day_start[day + 1];
    for (unsigned i = 0; i < d->n_eps; i++)
        if (d->eps[i].type == EP_DEVICE_SILENCE && d->eps[i].onset_ms >= from &&
            d->eps[i].onset_ms < to)
            return true;
    return false;
}

static bool raw_miss(const struct day *d, int64_t day, int kind)
{
    return day >= 0 && hash01(d, day, 2000 + kind) * 100 < d->pt->miss_percent;
}

/* A missed day is never next to, nor one day from, another: so the reading that follows a
 * missed day only needs pulling earlier against an unmoved reading two days before. */
static bool missed(const struct day *d, int64_t day, int kind)
{
    return raw_miss(d, day, kind) && !raw_miss(d, day - 1, kind) && !raw_miss(d, day - 2, kind) &&
           !silence_starts_on(d, day + 1);
}

/* Time of a scheduled measurement: a hashed minute in [lo, hi), pulled earlier when the day
 * before was missed so that the gap stays under 48 h. */
static int64_t slot_at(const struct day *d, int slot, int kind, double lo, double hi)
{
    double minutes = lo + (hi - lo) * hash01(d, d->day, 1000 + slot);
    int64_t at = at_minutes(d, 0, minutes);
    if (d->day >= 2 && missed(d, (int64_t)d->day - 1, kind)) {
        double before = lo + (hi - lo) * hash01(d, (int64_t)d->day - 2, 1000 + slot);
        int64_t previous = at_minutes(d, -2, before);
        int64_t limit = previous + 93 * INSTANT_MS_PER_HOUR / 2;
        if (at > limit) at = limit;
    }
    return at;
}

/* Smooth noise in [-1, 1] on weekly knots (value noise with smoothstep). */
static double weekly_noise(const struct day *d, double day, uint64_t what)
{
    double x = day / 7, k = floor(x), f = x - k;
    double a = 2 * sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)(int64_t)k, what) - 1;
    double b = 2 * sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)(int64_t)k + 1, what) - 1;
    f = f * f * (3 - 2 * f);
    return a + (b - a) * f;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double lerp(double a, double b, double f)
{
    return a + (b - a) * f;
}

/* Piecewise-linear curve through (minute, value) anchors. */
static double curve(const double (*pts)[2], int n, double minute)
{
    if (minute <= pts[0][0]) return pts[0][1];
    for (int i = 1; i < n; i++)
        if (minute <= pts[i][0])
            return lerp(pts[i - 1][1], pts[i][1],
                        (minute - pts[i - 1][0]) / (pts[i][0] - pts[i - 1][0]));
    return pts[n - 1][1];
}

static void state_at(const struct day *d, int64_t at, struct state *s)
{
    const struct sim_patient *pt = d->pt;
    double day = (double)(at - d->w->cfg.start_ms) / INSTANT_MS_PER_DAY;
    double hour = minute_of_day(at) / 60;
    /* Morning surge of blood pressure, afternoon peak of heart rate and temperature. */
    double bp_rhythm = 6 * cos(2 * M_PI * (hour - 8) / 24);
    memset(s, 0, sizeof *s);
    s->weight = pt->weight + 0.5 * weekly_noise(d, day, 1);
    s->systolic = pt->systolic + bp_rhythm + 3 * weekly_noise(d, day, 2);
    s->diastolic = pt->diastolic + 0.6 * bp_rhythm;
    s->heart_rate = pt->heart_rate + 4 * cos(2 * M_PI * (hour - 16) / 24);
    s->spo2 = pt->spo2;
    s->resp_rate = pt->resp_rate;
    s->temperature = pt->temperature + 0.25 * cos(2 * M_PI * (hour - 18) / 24);
    s->steps_factor = 1;
    for (unsigned i = 0; i < d->n_eps; i++) {
        const struct sim_episode *ep = &d->eps[i];
        const float *q = ep->param;
        double dt = (double)(at - ep->onset_ms) / INSTANT_MS_PER_DAY;
        if (dt < 0) continue;
        double after_end = (double)(at - ep->end_ms) / INSTANT_MS_PER_DAY;
        switch ((enum sim_episode_type)ep->type) {
        case EP_HF_DECOMPENSATION: {
            /* Gain at q0 kg/day over q1 days, a plateau, then two days of diuretics. */
            double gain = q[0] * fmin(dt, q[1]);
            double f = fmin(dt / q[1], 1);
            if (after_end > 0) {
                double left = fmax(0, 1 - after_end / 2);
                gain *= left;
                f *= left;
            }
            s->weight += gain;
            s->spo2 -= q[3] * f;
            s->heart_rate += q[4] * f;
            s->steps_factor *= 1 - 0.35 * f;
            break;
        }
        case EP_COPD_EXACERBATION: {
            double f = dt < q[0] ? dt / q[0] : dt < q[0] + q[1] ? 1 : 1 - (dt - q[0] - q[1]) / q[2];
            if (f <= 0) break;
            s->exact = f >= 1;
            s->spo2 = lerp(s->spo2, q[3], f);
            s->resp_rate = lerp(s->resp_rate, q[4], f);
            s->heart_rate = lerp(s->heart_rate, q[5], f);
            s->temperature = lerp(s->temperature, q[6], f);
            s->o2_extra = f >= 0.5 && pt->o2_flow > 0 ? 1 : 0;
            s->steps_factor *= 1 - 0.4 * f;
            break;
        }
        case EP_INFECTION: {
            if (after_end >= 0) break;
            double f = fmin(dt * 24 / q[7], 1);
            s->exact = f >= 1;
            s->resp_rate = lerp(s->resp_rate, q[1], f);
            s->spo2 = lerp(s->spo2, q[2], f);
            s->heart_rate = lerp(s->heart_rate, q[3], f);
            s->temperature = lerp(s->temperature, q[4], f);
            double before = s->systolic;
            s->systolic = lerp(s->systolic, q[5], f);
            s->diastolic *= s->systolic / before; /* septic hypotension lowers both */
            s->acvpu = f >= 1 ? (int)q[6] : 0;
            s->steps_factor *= 1 - 0.5 * f;
            break;
        }
        case EP_HYPERTENSIVE_CRISIS: {
            double minute = dt * 1440;
            if (minute > 360) break;
            const double sys[][2] = {
                {0, q[0]}, {30, q[0] - 3}, {120, q[0] - 12}, {300, 162}, {360, s->systolic}};
            const double dia[][2] = {
                {0, q[1]}, {30, q[1] - 2}, {120, q[1] - 8}, {300, 92}, {360, s->diastolic}};
            s->systolic = curve(sys, 5, minute);
            s->diastolic = curve(dia, 5, minute);
            s->exact = minute < 150;
            break;
        }
        case EP_HYPERGLYCAEMIA:
            if (after_end < 0) {
                s->glucose_high = true;
                s->glucose_level = q[0];
            }
            break;
        case EP_ACTIVITY_DECLINE:
            if (after_end < 0) s->steps_factor *= q[0];
            break;
        default:
            break;
        }
    }
}

static void maybe_duplicate(struct day *d, struct sim_signal *s)
{
    if (s && sim_rng_chance(&d->r, 0.005)) s->flags |= SF_DUPLICATE;
}

static double noisy(struct day *d, const struct state *s, double value, double sd)
{
    double x = sim_rng_normal(&d->r, 0, sd); /* always drawn: the stream stays aligned */
    return s->exact ? value : value + x;
}

static void blood_pressure(struct day *d, int64_t at, bool allow_artefact)
{
    struct state s;
    state_at(d, at, &s);
    double sys = round(noisy(d, &s, s.systolic, 7)), dia = round(noisy(d, &s, s.diastolic, 5));
    double hr = round(clamp(noisy(d, &s, s.heart_rate, 4), 48, s.exact ? 200 : 100));
    maybe_duplicate(d, add(d, at, SIG_BLOOD_PRESSURE, sys, fmin(dia, sys - 20)));
    if (allow_artefact && sim_rng_chance(&d->r, 0.004)) {
        /* Motion during the cuff's inflation: an impossible-looking pulse, measured again. */
        struct sim_signal *a = add(d, at, SIG_HEART_RATE, round(sim_rng_range(&d->r, 165, 195)), 0);
        if (a) a->flags |= SF_ARTEFACT, a->artefact = ART_HEART_RATE_MOTION;
        int64_t again = at + (int64_t)sim_rng_range(&d->r, 120, 300) * 1000;
        add(d, again, SIG_BLOOD_PRESSURE, sys - 2, fmin(dia - 1, sys - 22));
        add(d, again, SIG_HEART_RATE, hr, 0);
        return;
    }
    maybe_duplicate(d, add(d, at, SIG_HEART_RATE, hr, 0));
}

static double spo2_value(struct day *d, const struct state *s)
{
    bool scale2 = d->pt->conditions & COND_HYPERCAPNIA;
    double v = round(noisy(d, s, s->spo2, 0.8));
    if (s->exact) return v;
    /* Outside episodes, readings stay in the patient's usual band: a scale-2 patient on
     * oxygen above 92 % would score, and so would a scale-1 reading below 93 %. */
    double lo = scale2 ? 88 : d->pt->conditions & COND_COPD ? 93 : 94;
    double hi = scale2 ? 92 : 100;
    return clamp(v, fmin(lo, round(s->spo2)), hi);
}

/* A spot check: SpO2, pulse, respiratory rate and temperature, as the patient's kit has. */
static void spot_check(struct day *d, int64_t at, bool with_temperature, bool unwell)
{
    unsigned dev = d->pt->devices;
    struct state s;
    state_at(d, at, &s);
    if (dev & DEV_OXIMETER) {
        double v = spo2_value(d, &s);
        if (sim_rng_chance(&d->r, 0.015) && !s.exact) {
            /* A poor plethysmogram (cold fingers, movement): a low reading, then a normal
             * one a few minutes later. */
            struct sim_signal *a = add(d, at, SIG_SPO2, round(sim_rng_range(&d->r, 72, 86.9)), 0);
            if (a) a->flags |= SF_ARTEFACT, a->artefact = ART_SPO2_PLETH;
            at += (int64_t)sim_rng_range(&d->r, 60, 240) * 1000;
        }
        maybe_duplicate(d, add(d, at, SIG_SPO2, v, 0));
        if (!(dev & DEV_BP_CUFF) || unwell)
            add(d, at, SIG_HEART_RATE, round(clamp(noisy(d, &s, s.heart_rate, 4), 48, 200)), 0);
    }
    if (dev & DEV_RESP_RATE)
        add(d, at, SIG_RESP_RATE,
            round(clamp(noisy(d, &s, s.resp_rate, 1.2), 12, s.exact ? 40 : 20)), 0);
    if (with_temperature) {
        double t =
            round(clamp(noisy(d, &s, s.temperature, 0.2), 36.1, s.exact ? 41 : 37.6) * 10) / 10;
        if ((dev & DEV_THERMOMETER) && !s.exact && sim_rng_chance(&d->r, 0.01)) {
            struct sim_signal *a =
                add(d, at, SIG_TEMPERATURE, round(sim_rng_range(&d->r, 340, 349)) / 10, 0);
            if (a) a->flags |= SF_ARTEFACT, a->artefact = ART_TEMPERATURE_COLD;
            at += (int64_t)sim_rng_range(&d->r, 90, 240) * 1000;
        }
        add(d, at, SIG_TEMPERATURE, t, 0);
    }
}

static bool in_episode(const struct day *d, enum sim_episode_type type, int64_t at)
{
    for (unsigned i = 0; i < d->n_eps; i++)
        if (d->eps[i].type == type && at >= d->eps[i].onset_ms && at < d->eps[i].end_ms)
            return true;
    return false;
}

static void glucose(struct day *d, int64_t at, double offset)
{
    struct state s;
    state_at(d, at, &s);
    bool t1 = d->pt->conditions & COND_T1_DIABETES;
    double v = d->pt->glucose + offset + sim_rng_normal(&d->r, 0, t1 ? 40 : 18);
    v = s.glucose_high ? fmax(305, s.glucose_level + sim_rng_normal(&d->r, 0, 25))
                       : clamp(v, 72, 280);
    maybe_duplicate(d, add(d, at, SIG_GLUCOSE, round(v), 0));
}

static void device_signals(struct day *d)
{
    const struct sim_patient *pt = d->pt;
    unsigned dev = pt->devices;
    int64_t day = d->day;
    if ((dev & DEV_SCALE) && !missed(d, day, K_WEIGHT)) {
        int64_t at = slot_at(d, 0, K_WEIGHT, 405, 510);
        if (!silenced(d, at)) {
            struct state s;
            state_at(d, at, &s);
            double v = round(noisy(d, &s, s.weight, 0.25) * 10) / 10;
            if (sim_rng_chance(&d->r, 0.003)) {
                /* Someone else stepped on the scale; the patient weighs again. */
                double other =
                    v + (sim_rng_chance(&d->r, 0.5) ? 1 : -1) * sim_rng_range(&d->r, 12, 30);
                struct sim_signal *a = add(d, at, SIG_WEIGHT, round(other * 10) / 10, 0);
                if (a) a->flags |= SF_ARTEFACT, a->artefact = ART_WEIGHT_OTHER_PERSON;
                at += (int64_t)sim_rng_range(&d->r, 60, 180) * 1000;
            }
            maybe_duplicate(d, add(d, at, SIG_WEIGHT, v, 0));
        }
    }
    if ((dev & DEV_BP_CUFF) && !missed(d, day, K_BLOOD_PRESSURE)) {
        int64_t at = slot_at(d, 1, K_BLOOD_PRESSURE, 420, 540);
        if (!silenced(d, at)) blood_pressure(d, at, true);
        if (pt->bp_per_day > 1) {
            at = slot_at(d, 2, K_BLOOD_PRESSURE, 1140, 1290);
            if (!silenced(d, at)) blood_pressure(d, at, true);
        }
    }
    bool copd = in_episode(d, EP_COPD_EXACERBATION, d->start + 12 * INSTANT_MS_PER_HOUR) ||
                in_episode(d, EP_COPD_EXACERBATION, d->start + 6 * INSTANT_MS_PER_HOUR);
    if ((dev & (DEV_OXIMETER | DEV_THERMOMETER)) && !missed(d, day, K_SPOT_CHECK)) {
        int64_t at = slot_at(d, 3, K_SPOT_CHECK, 540, 660);
        if (!silenced(d, at)) spot_check(d, at, (dev & DEV_THERMOMETER) || copd, copd);
    }
    if (copd) { /* patients measure again in the evening when they feel worse */
        int64_t at = at_minutes(d, 0, 1020 + 60 * hash01(d, day, 1010));
        if (!silenced(d, at)) spot_check(d, at, true, true);
    }
    if ((dev & DEV_GLUCOMETER) && !missed(d, day, K_GLUCOSE)) {
        static const double slots[4][3] = {
            {420, 510, 0}, {1110, 1170, 15}, {705, 750, 15}, {1290, 1350, 40}};
        for (unsigned i = 0; i < pt->glucose_per_day && i < 4; i++) {
            int64_t at = slot_at(d, 4 + (int)i, K_GLUCOSE, slots[i][0], slots[i][1]);
            if (!silenced(d, at)) glucose(d, at, slots[i][2]);
        }
    }
    if ((dev & DEV_O2) && !missed(d, day, K_O2)) {
        int64_t at = slot_at(d, 8, K_O2, 600, 660);
        struct state s;
        state_at(d, at, &s);
        if (!silenced(d, at))
            maybe_duplicate(d, add(d, at, SIG_O2_FLOW, pt->o2_flow + s.o2_extra, 0));
    }
    if ((dev & DEV_TRACKER) && !missed(d, day, K_STEPS)) {
        int64_t at = slot_at(d, 9, K_STEPS, 1230, 1350);
        if (!silenced(d, at)) {
            struct state s;
            state_at(d, at, &s);
            int64_t days_since_epoch = (d->local_midnight / INSTANT_MS_PER_DAY);
            bool sunday = ((days_since_epoch + 4) % 7) == 0;
            double v = pt->steps * (sunday ? 0.85 : 1) * (1 + sim_rng_normal(&d->r, 0, 0.18));
            maybe_duplicate(d, add(d, at, SIG_STEPS, round(fmax(100, v * s.steps_factor)), 0));
        }
    }
}

/* Someone who writes about this patient: the linked caregiver, or the territory's nurse. */
static enum sim_role reporter(const struct day *d)
{
    return d->pt->caregiver != SIM_ROLE_NONE ? (enum sim_role)d->pt->caregiver
                                             : SIM_ROLE_PROFESSIONAL;
}

/* A report (role: enum sim_role) or a request (role: enum sim_priority) in words. */
static struct sim_signal *words(struct day *d, enum sim_signal_kind kind, int64_t at,
                                enum sim_text_group group, unsigned role)
{
    struct sim_signal *s = add(d, at, kind, 0, 0);
    if (s) {
        s->text = sim_text_pick(&d->r, group);
        s->role = (uint8_t)role;
        /* Reports from a professional come from the nurse; requests from any of the first
         * four professionals (IPA, GPs, nurse). */
        s->sender = kind == SIG_REPORT ? 3 : (uint16_t)sim_rng_below(&d->r, 4);
    }
    return s;
}

/* The instant `days` after an episode's onset, at a hashed time of that day in [lo, hi)
 * minutes: people write in the daytime. */
static int64_t episode_moment(const struct day *d, const struct sim_episode *ep, double days,
                              double lo, double hi, uint64_t tag)
{
    int64_t t = ep->onset_ms + (int64_t)(days * INSTANT_MS_PER_DAY);
    int64_t local = t + sim_paris_offset_s(t) * 1000LL;
    int64_t midnight =
        local - ((local % INSTANT_MS_PER_DAY) + INSTANT_MS_PER_DAY) % INSTANT_MS_PER_DAY;
    double u = sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)ep->onset_ms, tag);
    return local_to_instant(midnight + (int64_t)((lo + (hi - lo) * u) * INSTANT_MS_PER_MINUTE));
}

static int64_t minutes_after(const struct sim_episode *ep, double minutes)
{
    int64_t t = ep->onset_ms + (int64_t)(minutes * INSTANT_MS_PER_MINUTE);
    return t - t % 1000;
}

static void nurse_visit(struct day *d, int64_t at)
{
    struct state s;
    state_at(d, at, &s);
    struct sim_signal *v[7];
    v[0] = add(d, at, SIG_RESP_RATE, round(noisy(d, &s, s.resp_rate, 1)), 0);
    v[1] = add(d, at, SIG_SPO2, round(noisy(d, &s, s.spo2, 0.8)), 0);
    v[2] = add(d, at, SIG_BLOOD_PRESSURE, round(noisy(d, &s, s.systolic, 6)),
               round(noisy(d, &s, s.diastolic, 4)));
    v[3] = add(d, at, SIG_HEART_RATE, round(noisy(d, &s, s.heart_rate, 3)), 0);
    v[4] = add(d, at, SIG_CONSCIOUSNESS, s.acvpu, 0);
    v[5] = add(d, at, SIG_TEMPERATURE, round(noisy(d, &s, s.temperature, 0.15) * 10) / 10, 0);
    v[6] = d->pt->o2_flow > 0 ? add(d, at, SIG_O2_FLOW, d->pt->o2_flow + s.o2_extra, 0) : NULL;
    for (int i = 0; i < 7; i++)
        if (v[i]) v[i]->flags |= SF_PROFESSIONAL, v[i]->sender = 3;
}

static void episode_signals(struct day *d)
{
    for (unsigned i = 0; i < d->n_eps; i++) {
        const struct sim_episode *ep = &d->eps[i];
        const float *q = ep->param;
        if (ep->end_ms + 2 * INSTANT_MS_PER_DAY < d->start || ep->onset_ms >= d->end) continue;
        bool reported = ep->flags & EPF_REPORT;
        switch ((enum sim_episode_type)ep->type) {
        case EP_HF_DECOMPENSATION:
            if (reported)
                words(d, SIG_REPORT, episode_moment(d, ep, q[5], 540, 1140, 1), TXT_HEART_FAILURE,
                      reporter(d));
            if (ep->flags & EPF_REQUEST)
                words(d, SIG_REQUEST, episode_moment(d, ep, q[6], 540, 1080, 2),
                      TXT_REQUEST_HEART_FAILURE, SIM_PRIORITY_URGENT);
            break;
        case EP_HYPOGLYCAEMIA:
            add(d, ep->onset_ms, SIG_GLUCOSE, q[0], 0);
            if (ep->flags & EPF_SEVERE) {
                add(d, minutes_after(ep, 15), SIG_GLUCOSE, q[1], 0);
                if (reported)
                    words(d, SIG_REPORT, minutes_after(ep, q[3]), TXT_HYPOGLYCAEMIA, reporter(d));
            } else {
                add(d, minutes_after(ep, q[2] * 60), SIG_GLUCOSE, q[1], 0);
            }
            break;
        case EP_HYPERGLYCAEMIA:
            add(d, ep->onset_ms, SIG_GLUCOSE, q[0], 0);
            if (ep->flags & EPF_SEVERE) add(d, minutes_after(ep, q[2] * 30), SIG_GLUCOSE, q[1], 0);
            if (reported)
                words(d, SIG_REPORT, minutes_after(ep, q[3] * 60), TXT_HYPERGLYCAEMIA, reporter(d));
            break;
        case EP_HYPERTENSIVE_CRISIS: {
            static const double readings[] = {0, 30, 120, 300};
            for (int k = 0; k < 4; k++) blood_pressure(d, minutes_after(ep, readings[k]), false);
            if (reported)
                words(d, SIG_REPORT, minutes_after(ep, q[2]),
                      (ep->flags & EPF_SEVERE) ? TXT_HYPERTENSION_RED_FLAG : TXT_HYPERTENSION_PLAIN,
                      reporter(d));
            break;
        }
        case EP_COPD_EXACERBATION:
            if (reported)
                words(d, SIG_REPORT, episode_moment(d, ep, q[7], 540, 1140, 3), TXT_COPD,
                      reporter(d));
            if (ep->flags & EPF_REQUEST)
                words(d, SIG_REQUEST, episode_moment(d, ep, q[0], 540, 1080, 4), TXT_REQUEST_COPD,
                      SIM_PRIORITY_URGENT);
            break;
        case EP_INFECTION: {
            if (reported)
                words(d, SIG_REPORT, ep->onset_ms,
                      q[6] > 0 ? TXT_INFECTION_CONFUSED : TXT_INFECTION, reporter(d));
            int64_t first = minutes_after(ep, q[7] * 60);
            nurse_visit(d, first);
            for (int k = 1; k <= 4; k++) {
                int64_t at = episode_moment(d, ep, k, 540, 630, 10 + (uint64_t)k);
                if (at > first && at < ep->end_ms) nurse_visit(d, at);
            }
            break;
        }
        case EP_FALL:
        case EP_FALL_LONG_LIE: {
            struct sim_signal *s = add(d, ep->onset_ms, SIG_FALL, q[0], 0);
            if (s && q[0] >= 600 &&
                sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)ep->onset_ms, 5) < 0.3)
                s->flags |= SF_MINUTES;
            if (ep->flags & EPF_NO_ANSWER)
                words(d, SIG_REPORT, minutes_after(ep, q[2]), TXT_NO_ANSWER,
                      SIM_ROLE_TELE_ASSISTANCE);
            if (reported) {
                bool lie = ep->type == EP_FALL_LONG_LIE;
                enum sim_role role = reporter(d);
                if (lie && sim_hash_uniform(d->w->cfg.seed, d->p, (uint64_t)ep->onset_ms, 6) < 0.3)
                    role = SIM_ROLE_AMBULANCE;
                words(d, SIG_REPORT, minutes_after(ep, q[1]), lie ? TXT_LONG_LIE : TXT_FALL, role);
            }
            break;
        }
        case EP_ACTIVITY_DECLINE:
            if (reported)
                words(d, SIG_REPORT, episode_moment(d, ep, q[1], 540, 1140, 7), TXT_ACTIVITY,
                      reporter(d));
            break;
        case EP_DEVICE_SILENCE:
            if (reported)
                words(d, SIG_REPORT, episode_moment(d, ep, q[0], 540, 1140, 8), TXT_SILENCE,
                      reporter(d));
            break;
        default:
            break;
        }
    }
}

static void background(struct day *d)
{
    bool caregiver = d->pt->caregiver != SIM_ROLE_NONE;
    if (sim_rng_chance(&d->r, caregiver ? 0.10 : 0.04)) {
        int64_t at = at_minutes(d, 0, sim_rng_range(&d->r, 600, 1200));
        if (sim_rng_chance(&d->r, 0.25)) {
            struct sim_signal *s = words(d, SIG_REPORT, at, TXT_COMPLAINT, reporter(d));
            if (s) s->flags |= SF_TRUTH;
        } else {
            words(d, SIG_REPORT, at, sim_rng_chance(&d->r, 0.04) ? TXT_ENGLISH : TXT_REASSURING,
                  reporter(d));
        }
    }
    if (sim_rng_chance(&d->r, 0.008)) {
        int64_t at = at_minutes(d, 0, sim_rng_range(&d->r, 510, 1110));
        double x = sim_rng_uniform(&d->r);
        enum sim_priority pr = x < 0.78   ? SIM_PRIORITY_ROUTINE
                               : x < 0.90 ? SIM_PRIORITY_URGENT
                               : x < 0.97 ? SIM_PRIORITY_ASAP
                                          : SIM_PRIORITY_STAT;
        enum sim_text_group g = pr == SIM_PRIORITY_ROUTINE ? TXT_REQUEST_ROUTINE
                                : pr == SIM_PRIORITY_STAT  ? TXT_REQUEST_STAT
                                                           : TXT_REQUEST_URGENT;
        struct sim_signal *s = words(d, SIG_REQUEST, at, g, pr);
        if (s) s->flags |= SF_TRUTH;
    }
}

unsigned sim_plan_day(const struct sim_world *w, uint32_t p, uint32_t day, struct sim_signal *out)
{
    struct day d = {0};
    d.w = w;
    d.pt = &w->patients[p];
    d.p = p;
    d.day = day;
    d.start = w->day_start[day];
    d.end = w->day_start[day + 1];
    d.local_midnight = d.start + sim_paris_offset_s(d.start) * 1000LL;
    d.eps = w->episodes + d.pt->first_episode;
    d.n_eps = d.pt->episode_count;
    d.out = out;
    sim_rng_seed(&d.r, w->cfg.seed, p, day, STREAM_DAY);
    device_signals(&d);
    episode_signals(&d);
    background(&d);
    return d.n;
}
