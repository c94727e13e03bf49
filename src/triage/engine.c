/* The triage engine object: per-patient state, input dispatch, the filters every signal
 * passes (withdrawn, duplicate, artefact), and the events' common path (lateness, alarm
 * fatigue, sink). Rule families live in news2.c, acute.c, trends.c, transmission.c and
 * reports.c. */
#include "triage/triage_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct patient) + sizeof(stamp_t) <= 512,
               "per-patient triage state must stay within 512 bytes");

#define REASON_MAX 2048

static const char *const rule_ids[TRIAGE_RULE_COUNT] = {
    [TRIAGE_RULE_NEWS2] = "news2",
    [TRIAGE_RULE_BP_HIGH] = "bp.high",
    [TRIAGE_RULE_GLUCOSE_LOW] = "glucose.low",
    [TRIAGE_RULE_GLUCOSE_HIGH] = "glucose.high",
    [TRIAGE_RULE_WEIGHT_GAIN] = "weight.gain",
    [TRIAGE_RULE_SPO2_DRIFT] = "spo2.drift",
    [TRIAGE_RULE_FALL] = "fall",
    [TRIAGE_RULE_ACTIVITY_DECLINE] = "activity.decline",
    [TRIAGE_RULE_TRANSMISSION_MISSING] = "transmission.missing",
    [TRIAGE_RULE_REPORT] = "report",
    [TRIAGE_RULE_REQUEST] = "request",
};

const char *triage_rule_id(enum triage_rule rule)
{
    return (unsigned)rule < TRIAGE_RULE_COUNT ? rule_ids[rule] : "unknown";
}

int triage_rule_from_id(const char *id, size_t n)
{
    for (int r = 0; r < TRIAGE_RULE_COUNT; r++)
        if (strlen(rule_ids[r]) == n && memcmp(rule_ids[r], id, n) == 0) return r;
    return -1;
}

const char *triage_nature_name(enum triage_nature nature)
{
    return nature == TRIAGE_CHRONIC ? "chronic" : "acute";
}

/* ---- Engine and patients ------------------------------------------------------------------- */

triage_engine *triage_engine_new(const struct triage_config *cfg)
{
    triage_engine *e = xcalloc(1, sizeof *e);
    e->cfg = *cfg;
    e->earliest_due = STAMP_FAR;
    buf_init(&e->reason, REASON_MAX);
    reports_init(e);
    return e;
}

void triage_engine_free(triage_engine *e)
{
    if (!e) return;
    for (uint32_t c = 0; c < e->chunk_count; c++) free(e->chunks[c]);
    free(e->chunks);
    free(e->overrides);
    buf_free(&e->reason);
    reports_free(e);
    free(e);
}

/* Allocates the chunks holding patients 0..count-1. */
static void grow(triage_engine *e, uint32_t count)
{
    uint32_t need = (count + CHUNK_PATIENTS - 1) >> CHUNK_BITS;
    if (need <= e->chunk_count) return;
    if (need > e->chunk_capacity) {
        e->chunk_capacity = need > 2 * e->chunk_capacity ? need : 2 * e->chunk_capacity;
        e->chunks = xrealloc(e->chunks, e->chunk_capacity * sizeof *e->chunks);
    }
    while (e->chunk_count < need) {
        /* calloc: a zeroed patient is one the engine knows nothing about. */
        struct chunk *c = xcalloc(1, sizeof *c);
        for (uint32_t i = 0; i < CHUNK_PATIENTS; i++) c->due[i] = STAMP_FAR;
        e->chunks[e->chunk_count++] = c;
    }
}

void triage_engine_reserve(triage_engine *e, uint32_t count)
{
    if (count > TRIAGE_MAX_PATIENTS) count = TRIAGE_MAX_PATIENTS;
    grow(e, count);
}

struct patient *patient_state(triage_engine *e, uint32_t patient)
{
    if (patient >= TRIAGE_MAX_PATIENTS) return NULL;
    grow(e, patient + 1);
    if (patient >= e->count) e->count = patient + 1;
    return &e->chunks[patient >> CHUNK_BITS]->patients[patient & (CHUNK_PATIENTS - 1)];
}

void triage_engine_memory(const triage_engine *e, struct triage_memory *out)
{
    out->patients = e->count;
    out->bytes_per_patient = sizeof(struct patient) + sizeof(stamp_t);
    out->state_bytes = (size_t)e->chunk_count * sizeof(struct chunk) +
                       e->chunk_capacity * sizeof(struct chunk *);
    out->override_bytes = e->override_capacity * sizeof(struct override_entry);
    out->scratch_bytes = e->reason.cap + e->folded_capacity +
                         e->token_capacity * sizeof(struct text_token) +
                         lexicon_phrase_count * sizeof(uint16_t);
}

/* ---- Thresholds and overrides ------------------------------------------------------------ */

/* Index of the first override at or after `patient` in the sorted side table. */
static size_t override_position(const triage_engine *e, uint32_t patient)
{
    size_t lo = 0, hi = e->override_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->overrides[mid].patient < patient)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct override_entry *override_find(const triage_engine *e, uint32_t patient)
{
    size_t i = override_position(e, patient);
    return i < e->override_count && e->overrides[i].patient == patient ? &e->overrides[i] : NULL;
}

const struct triage_thresholds *patient_thresholds(const triage_engine *e,
                                                   const struct patient *ps, uint32_t patient)
{
    if (ps->flags & PATIENT_HAS_OVERRIDES) {
        const struct override_entry *o = override_find(e, patient);
        if (o) return &o->merged;
    }
    return &e->cfg.thresholds;
}

void triage_patient_thresholds(const triage_engine *e, uint32_t patient,
                               struct triage_thresholds *out)
{
    const struct override_entry *o = override_find(e, patient);
    *out = o ? o->merged : e->cfg.thresholds;
}

void triage_set_overrides(triage_engine *e, uint32_t patient, const struct triage_overrides *ov)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return;
    struct override_entry *o = override_find(e, patient);
    if (!ov || !ov->set) {
        if (o) {
            size_t i = (size_t)(o - e->overrides);
            memmove(o, o + 1, (e->override_count - i - 1) * sizeof *o);
            e->override_count--;
        }
        ps->flags &= (uint8_t)~PATIENT_HAS_OVERRIDES;
    } else {
        if (!o) {
            if (e->override_count == e->override_capacity) {
                e->override_capacity = e->override_capacity ? e->override_capacity * 2 : 16;
                e->overrides =
                    xrealloc(e->overrides, e->override_capacity * sizeof *e->overrides);
            }
            size_t i = override_position(e, patient);
            memmove(&e->overrides[i + 1], &e->overrides[i],
                    (e->override_count - i) * sizeof *e->overrides);
            e->override_count++;
            o = &e->overrides[i];
            o->patient = patient;
        }
        o->overrides = *ov;
        o->merged = e->cfg.thresholds;
        triage_thresholds_apply(&o->merged, ov);
        ps->flags |= PATIENT_HAS_OVERRIDES;
    }
    transmission_schedule(e, patient, ps); /* missing_after may have changed */
}

/* ---- Events -------------------------------------------------------------------------------- */

const char *format_number(char out[32], double value, int decimals)
{
    if (decimals < 0) decimals = fabs(value - round(value)) < 0.05 ? 0 : 1;
    snprintf(out, 32, "%.*f", decimals, value);
    if (!strcmp(out, "-0")) strcpy(out, "0");
    return out;
}

void reason_quote(triage_engine *e, const char *text, size_t n, size_t max)
{
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--; /* keep UTF-8 whole */
    }
    buf_putc(&e->reason, '"');
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        /* Line breaks and quotes of the original would blur the reason's own punctuation. */
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        if (c == '"') c = '\'';
        buf_putc(&e->reason, c);
    }
    if (cut) buf_puts(&e->reason, "...");
    buf_putc(&e->reason, '"');
}

void event_begin(triage_engine *e, struct triage_event *ev, uint32_t patient,
                 enum triage_rule rule, int category, enum triage_nature nature, int64_t at_ms,
                 int64_t now_ms, bool data_time)
{
    memset(ev, 0, sizeof *ev);
    ev->patient = patient;
    ev->rule = rule;
    ev->category = category;
    ev->nature = nature;
    ev->at_ms = at_ms;
    buf_reset(&e->reason);
    if (data_time && now_ms - at_ms > e->cfg.late_after_ms) {
        ev->late = true;
        reason_printf(e, "late data, measured %lld h before it was received: ",
                      (long long)((now_ms - at_ms) / INSTANT_MS_PER_HOUR));
    }
}

void event_add_source(struct triage_event *ev, uint64_t source)
{
    if (!source || ev->source_count == TRIAGE_MAX_SOURCES) return;
    for (size_t i = 0; i < ev->source_count; i++)
        if (ev->sources[i] == source) return;
    ev->sources[ev->source_count++] = source;
}

/* Alarm fatigue: true when the rule should notify (first firing, a more urgent category, or
 * outside the window of its last notification), and then re-arms the window at `at`. */
static bool arm_rule(const triage_engine *e, struct patient *ps, enum triage_rule rule,
                     int category, stamp_t at)
{
    stamp_t last = ps->fired_stamp[rule];
    int64_t window_s = e->cfg.suppress_ms[rule] / 1000;
    bool within = last != STAMP_NEVER && llabs((int64_t)at - (int64_t)last) < window_s;
    if (within && category >= ps->fired_category[rule]) return false;
    ps->fired_stamp[rule] = at;
    ps->fired_category[rule] = (uint8_t)category;
    return true;
}

void event_fire(triage_engine *e, struct patient *ps, struct triage_event *ev,
                const struct triage_sink *sink)
{
    /* Late data is never raised as an emergency happening now: it still needs a physician
     * today, so category 1 becomes 2 and the reason says so. */
    if (ev->late && ev->category == 1) {
        ev->category = 2;
        reason_printf(e, "; category 1 lowered to 2 because the data is late");
    }
    stamp_t at = stamp_from_ms(ev->at_ms);
    ev->notify = arm_rule(e, ps, ev->rule, ev->category, at == STAMP_NEVER ? 1 : at);
    ev->reason = buf_cstr(&e->reason);
    if (sink && sink->emit) sink->emit(sink->ctx, ev);
}

void triage_mark_fired(triage_engine *e, uint32_t patient, enum triage_rule rule, int category,
                       int64_t at_ms)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps || (unsigned)rule >= TRIAGE_RULE_COUNT || category < 1 || category > 3) return;
    stamp_t at = stamp_from_ms(at_ms);
    if (at == STAMP_NEVER) return;
    arm_rule(e, ps, rule, category, at);
    if (rule == TRIAGE_RULE_TRANSMISSION_MISSING) transmission_mark_raised(e, patient, ps, at);
}

/* ---- Filters ------------------------------------------------------------------------------- */

static uint32_t fnv1a(uint32_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* True when the fingerprint was among the patient's last signals; otherwise remembers it. */
static bool duplicate(struct patient *ps, uint32_t fingerprint)
{
    if (fingerprint == 0) fingerprint = 1;
    for (int i = 0; i < DEDUP_SLOTS; i++)
        if (ps->dedup[i] == fingerprint) return true;
    ps->dedup[ps->dedup_next] = fingerprint;
    ps->dedup_next = (uint8_t)((ps->dedup_next + 1) % DEDUP_SLOTS);
    return false;
}

/* A 64-bit mixer (the finaliser of MurmurHash3): the fingerprint of an observation is
 * computed for every signal, so it works on words rather than bytes. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t double_bits(double v)
{
    uint64_t bits;
    if (isnan(v)) v = -1e300; /* NaN payloads differ between producers */
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static uint32_t observation_fingerprint(const struct triage_observation *obs)
{
    uint64_t h = mix64((uint64_t)obs->kind ^ ((uint64_t)obs->at_ms << 8));
    h = mix64(h ^ double_bits(obs->value));
    h = mix64(h ^ double_bits(obs->value2));
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t text_fingerprint(int tag, const char *text, size_t n, int64_t at_ms)
{
    uint32_t h = fnv1a(2166136261u, &tag, sizeof tag);
    h = fnv1a(h, &at_ms, sizeof at_ms);
    return fnv1a(h, text, n);
}

static bool outside(const struct triage_range *r, double v)
{
    return !isnan(v) && (v < r->min || v > r->max);
}

/* Values a device can send but no patient can have: a probe off the finger, a thermometer
 * reading the room, a swapped cuff reading. They raise nothing. */
static bool artefact(const triage_engine *e, const struct patient *ps,
                     const struct triage_observation *obs)
{
    const struct triage_range *r = &e->cfg.plausible[obs->kind];
    switch (obs->kind) {
    case MEASURE_BLOOD_PRESSURE:
        if (outside(r, obs->value)) return true;
        if (outside(&e->cfg.plausible_diastolic, obs->value2)) return true;
        return !isnan(obs->value) && !isnan(obs->value2) && obs->value2 >= obs->value;
    case MEASURE_FALL: return false; /* a fall is never dismissed */
    case MEASURE_WEIGHT: return outside(r, obs->value) || weight_artefact(e, ps, obs);
    default: return outside(r, obs->value);
    }
}

/* ---- Inputs -------------------------------------------------------------------------------- */

/* Before any signal, the clock-driven rules catch up to now for this patient, so events do
 * not depend on how often the caller ticks. */
static void catch_up(triage_engine *e, uint32_t patient, struct patient *ps, int64_t now_ms,
                     const struct triage_sink *sink)
{
    stamp_t now_s = stamp_from_ms(now_ms);
    if (now_s != STAMP_NEVER && *patient_due(e, patient) <= now_s)
        transmission_check(e, patient, ps, now_s, sink);
}

int triage_observe(triage_engine *e, uint32_t patient, const struct triage_observation *obs,
                   int64_t now_ms, const struct triage_sink *sink)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return TRIAGE_EINVAL;
    if (obs->status == OBS_ENTERED_IN_ERROR) {
        triage_withdraw(e, patient, obs->source, obs);
        return TRIAGE_WITHDRAWN;
    }
    if (obs->status == OBS_CANCELLED || obs->status == OBS_UNKNOWN) return TRIAGE_IGNORED;
    if (obs->kind <= MEASURE_NONE || obs->kind >= MEASURE_KIND_COUNT) return TRIAGE_IGNORED;
    if (isnan(obs->value) && isnan(obs->value2)) return TRIAGE_IGNORED;
    if (!stamp_valid_ms(obs->at_ms)) return TRIAGE_IGNORED;
    if (obs->kind == MEASURE_FALL && !(obs->value >= 0.5)) return TRIAGE_IGNORED; /* no fall */

    catch_up(e, patient, ps, now_ms, sink);
    if (duplicate(ps, observation_fingerprint(obs))) return TRIAGE_DUPLICATE;
    if (artefact(e, ps, obs)) return TRIAGE_ARTEFACT;

    transmission_seen(e, patient, ps, obs->kind, stamp_from_ms(obs->at_ms));
    if (news2_param_of(obs) >= 0) news2_rule(e, patient, ps, obs, now_ms, sink);
    switch (obs->kind) {
    case MEASURE_BLOOD_PRESSURE: bp_rule(e, patient, ps, obs, now_ms, sink); break;
    case MEASURE_GLUCOSE: glucose_rule(e, patient, ps, obs, now_ms, sink); break;
    case MEASURE_FALL: fall_rule(e, patient, ps, obs, now_ms, sink); break;
    case MEASURE_WEIGHT: weight_rule(e, patient, ps, obs, now_ms, sink); break;
    case MEASURE_SPO2: spo2_drift_rule(e, patient, ps, obs, now_ms, sink); break;
    case MEASURE_STEPS: activity_rule(e, patient, ps, obs, now_ms, sink); break;
    default: break;
    }
    return TRIAGE_USED;
}

struct patient *text_signal_begin(triage_engine *e, uint32_t patient, int tag, const char *text,
                                  size_t n, int64_t at_ms, int64_t now_ms,
                                  const struct triage_sink *sink, int *rc)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) {
        *rc = TRIAGE_EINVAL;
        return NULL;
    }
    if (!stamp_valid_ms(at_ms)) {
        *rc = TRIAGE_IGNORED;
        return NULL;
    }
    catch_up(e, patient, ps, now_ms, sink);
    if (duplicate(ps, text_fingerprint(tag, text ? text : "", text ? n : 0, at_ms))) {
        *rc = TRIAGE_DUPLICATE;
        return NULL;
    }
    *rc = TRIAGE_USED;
    return ps;
}

void triage_withdraw(triage_engine *e, uint32_t patient, uint64_t source,
                     const struct triage_observation *original)
{
    struct patient *ps = patient_state(e, patient);
    if (!ps) return;
    news2_forget(ps, source, original);
    acute_forget(ps, source, original);
    if (original) trends_forget(ps, original);
    /* The rules this reading fed may have notified because of it: let a genuine event
     * notify again rather than attach silently to a case that may be closed as an error. */
    if (!original) return;
    if (news2_param_of(original) >= 0) ps->fired_stamp[TRIAGE_RULE_NEWS2] = STAMP_NEVER;
    switch (original->kind) {
    case MEASURE_BLOOD_PRESSURE: ps->fired_stamp[TRIAGE_RULE_BP_HIGH] = STAMP_NEVER; break;
    case MEASURE_GLUCOSE:
        ps->fired_stamp[TRIAGE_RULE_GLUCOSE_LOW] = STAMP_NEVER;
        ps->fired_stamp[TRIAGE_RULE_GLUCOSE_HIGH] = STAMP_NEVER;
        break;
    case MEASURE_WEIGHT: ps->fired_stamp[TRIAGE_RULE_WEIGHT_GAIN] = STAMP_NEVER; break;
    case MEASURE_SPO2: ps->fired_stamp[TRIAGE_RULE_SPO2_DRIFT] = STAMP_NEVER; break;
    case MEASURE_STEPS: ps->fired_stamp[TRIAGE_RULE_ACTIVITY_DECLINE] = STAMP_NEVER; break;
    case MEASURE_FALL: ps->fired_stamp[TRIAGE_RULE_FALL] = STAMP_NEVER; break;
    default: break;
    }
}

void triage_tick(triage_engine *e, int64_t now_ms, const struct triage_sink *sink)
{
    stamp_t now_s = stamp_from_ms(now_ms);
    if (now_s == STAMP_NEVER || now_s < e->earliest_due) return;
    stamp_t earliest = STAMP_FAR;
    for (uint32_t c = 0; c < e->chunk_count; c++) {
        struct chunk *chunk = e->chunks[c];
        uint32_t base = c << CHUNK_BITS;
        for (uint32_t i = 0; i < CHUNK_PATIENTS && base + i < e->count; i++) {
            if (chunk->due[i] <= now_s)
                transmission_check(e, base + i, &chunk->patients[i], now_s, sink);
            if (chunk->due[i] < earliest) earliest = chunk->due[i];
        }
    }
    e->earliest_due = earliest;
}
