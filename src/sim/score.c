/* Scoring triage events against the simulator's ground truth. An event detects an episode
 * when it is about the same patient, its rule is one the episode expects ("rules") or
 * accepts ("also"), and its `at` lies in [onset, end + tolerance]. When several episodes of
 * the patient qualify, the one with the latest onset takes it (the most recent cause).
 * An event that detects nothing is a false alert; false alerts are counted per patient-month
 * of observation, the unit French telemonitoring evaluations use. Definitions: docs/sim.md. */
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES     (1u << 20)
#define MAX_RULES          64
#define MAX_TYPES          64
#define ARTEFACT_WINDOW_MS (72 * 3600 * 1000LL) /* the weight rule looks back 3 days */

struct episode {
    const char *patient;
    int64_t onset, end;
    uint64_t rules; /* bit i: rule_names[i] */
    uint8_t type, category;
    /* results */
    uint8_t best_category; /* 0: not detected */
    int64_t first_at;
};

struct artefact {
    const char *patient;
    int64_t at;
};

struct sim_score {
    int64_t tolerance_ms;
    arena strings;
    struct episode *episodes;
    size_t episode_count, episode_cap;
    struct artefact *artefacts;
    size_t artefact_count, artefact_cap;
    const char *rule_names[MAX_RULES];
    unsigned rule_count;
    const char *type_names[MAX_TYPES];
    unsigned type_count;
    double patient_months;
    bool truth_loaded, sorted;
    struct sim_score_false_alerts false_alerts;
    uint64_t false_by_rule[MAX_RULES + 1]; /* last slot: rules the truth never names */
};

sim_score *sim_score_new(int64_t tolerance_ms)
{
    sim_score *s = xcalloc(1, sizeof *s);
    s->tolerance_ms = tolerance_ms;
    arena_init(&s->strings, 1 << 20);
    return s;
}

void sim_score_free(sim_score *s)
{
    if (!s) return;
    free(s->episodes);
    free(s->artefacts);
    arena_free(&s->strings);
    free(s);
}

static int intern(const char **names, unsigned *count, unsigned max, arena *a, const char *name)
{
    for (unsigned i = 0; i < *count; i++)
        if (!strcmp(names[i], name)) return (int)i;
    if (*count == max) return -1;
    names[*count] = arena_strdup(a, name);
    return (int)(*count)++;
}

/* "Patient/p-0000012" and "p-0000012" name the same patient. */
static const char *bare_patient(const char *ref)
{
    return strncmp(ref, "Patient/", 8) ? ref : ref + 8;
}

static int parse_time(json_t *obj, const char *key, int64_t *out, const char *where, verr *e)
{
    const char *text = json_string_value(json_object_get(obj, key));
    if (!text) return verr_fail(e, "%s: \"%s\" is missing or not a string", where, key);
    verr inner;
    if (instant_parse(text, strlen(text), out, NULL, &inner) < 0)
        return verr_fail(e, "%s: \"%s\": %s", where, key, inner.msg);
    return 0;
}

static int add_rules(sim_score *s, json_t *list, uint64_t *mask, const char *where, verr *e)
{
    if (!list) return 0;
    if (!json_is_array(list)) return verr_fail(e, "%s: rules must be arrays of strings", where);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *rule = json_string_value(item);
        if (!rule) return verr_fail(e, "%s: rules must be arrays of strings", where);
        int k = intern(s->rule_names, &s->rule_count, MAX_RULES, &s->strings, rule);
        if (k < 0) return verr_fail(e, "%s: more than %d distinct rules", where, MAX_RULES);
        *mask |= 1ULL << k;
    }
    return 0;
}

static int load_truth_line(void *arg, json_t *obj, const char *where, verr *e)
{
    sim_score *s = arg;
    const char *record = json_string_value(json_object_get(obj, "record"));
    if (!record) return verr_fail(e, "%s: \"record\" is missing", where);
    if (!strcmp(record, "programme")) {
        json_t *pm = json_object_get(obj, "patient_months");
        if (!json_is_number(pm)) return verr_fail(e, "%s: \"patient_months\" is missing", where);
        s->patient_months += json_number_value(pm);
        return 0;
    }
    const char *patient = json_string_value(json_object_get(obj, "patient"));
    if (!patient && (!strcmp(record, "episode") || !strcmp(record, "artefact")))
        return verr_fail(e, "%s: \"patient\" is missing", where);
    if (!strcmp(record, "artefact")) {
        struct artefact a = {arena_strdup(&s->strings, bare_patient(patient)), 0};
        if (parse_time(obj, "at", &a.at, where, e) < 0) return -1;
        if (s->artefact_count == s->artefact_cap) {
            s->artefact_cap = s->artefact_cap ? s->artefact_cap * 2 : 1024;
            s->artefacts = xrealloc(s->artefacts, s->artefact_cap * sizeof *s->artefacts);
        }
        s->artefacts[s->artefact_count++] = a;
        return 0;
    }
    if (strcmp(record, "episode")) return 0; /* newer record kinds: not scored */
    struct episode ep = {0};
    ep.patient = arena_strdup(&s->strings, bare_patient(patient));
    const char *type = json_string_value(json_object_get(obj, "type"));
    json_t *category = json_object_get(obj, "category");
    if (!type) return verr_fail(e, "%s: \"type\" is missing", where);
    if (!json_is_integer(category) || json_integer_value(category) < 1 ||
        json_integer_value(category) > 3)
        return verr_fail(e, "%s: \"category\" must be 1, 2 or 3", where);
    int t = intern(s->type_names, &s->type_count, MAX_TYPES, &s->strings, type);
    if (t < 0) return verr_fail(e, "%s: more than %d episode types", where, MAX_TYPES);
    ep.type = (uint8_t)t;
    ep.category = (uint8_t)json_integer_value(category);
    if (parse_time(obj, "onset", &ep.onset, where, e) < 0 ||
        parse_time(obj, "end", &ep.end, where, e) < 0 ||
        add_rules(s, json_object_get(obj, "rules"), &ep.rules, where, e) < 0 ||
        add_rules(s, json_object_get(obj, "also"), &ep.rules, where, e) < 0)
        return -1;
    if (ep.end < ep.onset) return verr_fail(e, "%s: \"end\" is before \"onset\"", where);
    if (s->episode_count == s->episode_cap) {
        s->episode_cap = s->episode_cap ? s->episode_cap * 2 : 1024;
        s->episodes = xrealloc(s->episodes, s->episode_cap * sizeof *s->episodes);
    }
    s->episodes[s->episode_count++] = ep;
    return 0;
}

static int compare_episode(const void *a, const void *b)
{
    const struct episode *x = a, *y = b;
    int c = strcmp(x->patient, y->patient);
    if (c) return c;
    return x->onset < y->onset ? -1 : x->onset > y->onset;
}

static int compare_artefact(const void *a, const void *b)
{
    const struct artefact *x = a, *y = b;
    int c = strcmp(x->patient, y->patient);
    if (c) return c;
    return x->at < y->at ? -1 : x->at > y->at;
}

int sim_score_load_truth(sim_score *s, FILE *in, const char *name, verr *e)
{
    if (sim_each_json_line(in, name, LINE_MAX_BYTES, load_truth_line, s, e) < 0) return -1;
    qsort(s->episodes, s->episode_count, sizeof *s->episodes, compare_episode);
    qsort(s->artefacts, s->artefact_count, sizeof *s->artefacts, compare_artefact);
    s->truth_loaded = true;
    s->false_alerts.patient_months = s->patient_months;
    return 0;
}

/* First index of `patient` in an array sorted by patient whose elements start with their
 * patient pointer (struct episode, struct artefact); `count` when absent. */
static size_t lower_bound(const void *base, size_t count, size_t size, const char *patient)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *p = *(const char *const *)((const char *)base + mid * size);
        if (strcmp(p, patient) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int add_event(void *arg, json_t *obj, const char *where, verr *e)
{
    sim_score *s = arg;
    const char *patient = json_string_value(json_object_get(obj, "patient"));
    const char *rule = json_string_value(json_object_get(obj, "rule"));
    json_t *category = json_object_get(obj, "category");
    if (!patient) return verr_fail(e, "%s: \"patient\" is missing or not a string", where);
    if (!rule) return verr_fail(e, "%s: \"rule\" is missing or not a string", where);
    if (!json_is_integer(category) || json_integer_value(category) < 1 ||
        json_integer_value(category) > 3)
        return verr_fail(e, "%s: \"category\" must be 1, 2 or 3", where);
    int64_t at;
    if (parse_time(obj, "at", &at, where, e) < 0) return -1;
    patient = bare_patient(patient);
    int cat = (int)json_integer_value(category);
    /* A rule no episode names still gets its own line in the false alerts by rule. */
    int rule_index = intern(s->rule_names, &s->rule_count, MAX_RULES, &s->strings, rule);
    s->false_alerts.events++;
    struct episode *best = NULL;
    if (rule_index >= 0) {
        for (size_t i = lower_bound(s->episodes, s->episode_count, sizeof *s->episodes, patient);
             i < s->episode_count && !strcmp(s->episodes[i].patient, patient); i++) {
            struct episode *ep = &s->episodes[i];
            if (!(ep->rules & (1ULL << rule_index))) continue;
            if (at < ep->onset || at > ep->end + s->tolerance_ms) continue;
            if (!best || ep->onset >= best->onset) best = ep;
        }
    }
    if (best) {
        if (!best->best_category || at < best->first_at) best->first_at = at;
        if (!best->best_category || cat < best->best_category) best->best_category = (uint8_t)cat;
        return 0;
    }
    s->false_alerts.false_alerts++;
    s->false_alerts.by_category[cat]++;
    s->false_by_rule[rule_index >= 0 ? rule_index : MAX_RULES]++;
    for (size_t i = lower_bound(s->artefacts, s->artefact_count, sizeof *s->artefacts, patient);
         i < s->artefact_count && !strcmp(s->artefacts[i].patient, patient); i++)
        if (at >= s->artefacts[i].at && at <= s->artefacts[i].at + ARTEFACT_WINDOW_MS) {
            s->false_alerts.on_artefacts++;
            break;
        }
    return 0;
}

int sim_score_add_events(sim_score *s, FILE *in, const char *name, verr *e)
{
    if (!s->truth_loaded) return verr_fail(e, "load the truth before the events");
    return sim_each_json_line(in, name, LINE_MAX_BYTES, add_event, s, e);
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int type_index(const sim_score *s, const char *type)
{
    for (unsigned i = 0; i < s->type_count; i++)
        if (!strcmp(s->type_names[i], type)) return (int)i;
    return -2;
}

void sim_score_row_for(const sim_score *s, const char *type, int category,
                       struct sim_score_row *out)
{
    memset(out, 0, sizeof *out);
    out->median_detection_ms = -1;
    int t = type ? type_index(s, type) : -1;
    if (t == -2) return;
    int64_t *delays = xmalloc((s->episode_count + 1) * sizeof *delays);
    for (size_t i = 0; i < s->episode_count; i++) {
        const struct episode *ep = &s->episodes[i];
        if ((t >= 0 && ep->type != t) || (category && ep->category != category)) continue;
        out->episodes++;
        if (!ep->best_category) continue;
        delays[out->detected++] = ep->first_at - ep->onset;
        if (ep->best_category == ep->category)
            out->agreed++;
        else if (ep->best_category > ep->category)
            out->under_triaged++;
        else
            out->over_triaged++;
    }
    if (out->episodes) out->sensitivity = (double)out->detected / out->episodes;
    if (out->detected) {
        out->agreement = (double)out->agreed / out->detected;
        qsort(delays, out->detected, sizeof *delays, compare_int64);
        uint32_t n = out->detected;
        out->median_detection_ms = n % 2 ? delays[n / 2] : (delays[n / 2 - 1] + delays[n / 2]) / 2;
    }
    free(delays);
}

void sim_score_false_alerts(const sim_score *s, struct sim_score_false_alerts *out)
{
    *out = s->false_alerts;
    out->patient_months = s->patient_months;
    out->per_patient_month =
        s->patient_months > 0 ? (double)s->false_alerts.false_alerts / s->patient_months : 0;
}

/* Types in a reading order: the simulator's episode types first, then the rest. */
static unsigned ordered_types(const sim_score *s, unsigned order[MAX_TYPES])
{
    unsigned n = 0;
    bool taken[MAX_TYPES] = {false};
    for (int k = 0; k < EP_TYPE_COUNT; k++) {
        int t = type_index(s, sim_episode_type_name((enum sim_episode_type)k));
        if (t >= 0) order[n++] = (unsigned)t, taken[t] = true;
    }
    for (unsigned t = 0; t < s->type_count; t++)
        if (!taken[t]) order[n++] = t;
    return n;
}

static void category_span(const sim_score *s, int type, char out[8])
{
    int lo = 4, hi = 0;
    for (size_t i = 0; i < s->episode_count; i++) {
        if (s->episodes[i].type != type) continue;
        if (s->episodes[i].category < lo) lo = s->episodes[i].category;
        if (s->episodes[i].category > hi) hi = s->episodes[i].category;
    }
    if (lo == hi)
        snprintf(out, 8, "%d", lo);
    else
        snprintf(out, 8, "%d-%d", lo, hi);
}

static void format_delay(int64_t ms, char out[24])
{
    if (ms < 0) {
        snprintf(out, 24, "-");
        return;
    }
    int64_t minutes = ms / INSTANT_MS_PER_MINUTE;
    if (minutes < 60)
        snprintf(out, 24, "%lld min", (long long)minutes);
    else if (minutes < 48 * 60)
        snprintf(out, 24, "%.1f h", minutes / 60.0);
    else
        snprintf(out, 24, "%.1f d", minutes / 1440.0);
}

static void print_row(FILE *out, const char *label, const char *category,
                      const struct sim_score_row *r)
{
    char delay[24], sens[16] = "-", agree[16] = "-";
    format_delay(r->median_detection_ms, delay);
    if (r->episodes) snprintf(sens, sizeof sens, "%.1f %%", r->sensitivity * 100);
    if (r->detected) snprintf(agree, sizeof agree, "%.1f %%", r->agreement * 100);
    fprintf(out, "%-22s %-4s %9u %9u %12s %10s %6u %6u %10s\n", label, category, r->episodes,
            r->detected, sens, agree, r->under_triaged, r->over_triaged, delay);
}

void sim_score_print_text(const sim_score *s, FILE *out)
{
    char tolerance[24];
    format_delay(s->tolerance_ms, tolerance);
    fprintf(out, "Detection by episode type (events up to %s after an episode's end count)\n\n",
            tolerance);
    fprintf(out, "%-22s %-4s %9s %9s %12s %10s %6s %6s %10s\n", "type", "cat", "episodes",
            "detected", "sensitivity", "agreement", "under", "over", "median TTD");
    unsigned order[MAX_TYPES], n = ordered_types(s, order);
    struct sim_score_row row;
    for (unsigned i = 0; i < n; i++) {
        char span[8];
        category_span(s, (int)order[i], span);
        sim_score_row_for(s, s->type_names[order[i]], 0, &row);
        print_row(out, s->type_names[order[i]], span, &row);
    }
    fputc('\n', out);
    for (int c = 1; c <= 3; c++) {
        char label[32], cat[4];
        snprintf(label, sizeof label, "all category %d", c);
        snprintf(cat, sizeof cat, "%d", c);
        sim_score_row_for(s, NULL, c, &row);
        print_row(out, label, cat, &row);
    }
    sim_score_row_for(s, NULL, 0, &row);
    print_row(out, "all episodes", "", &row);
    struct sim_score_false_alerts fa;
    sim_score_false_alerts(s, &fa);
    fprintf(out,
            "\nFalse alerts: %llu of %llu events match no episode: %.2f per patient-month "
            "(%.1f patient-months)\n",
            (unsigned long long)fa.false_alerts, (unsigned long long)fa.events,
            fa.per_patient_month, fa.patient_months);
    fprintf(out, "  by category: 1: %llu, 2: %llu, 3: %llu; within 72 h after an artefact: %llu\n",
            (unsigned long long)fa.by_category[1], (unsigned long long)fa.by_category[2],
            (unsigned long long)fa.by_category[3], (unsigned long long)fa.on_artefacts);
    fputs("  by rule:", out);
    bool any = false;
    for (unsigned i = 0; i <= MAX_RULES; i++) {
        if (!s->false_by_rule[i]) continue;
        fprintf(out, "%s %s %llu", any ? "," : "", i < MAX_RULES ? s->rule_names[i] : "other",
                (unsigned long long)s->false_by_rule[i]);
        any = true;
    }
    fputs(any ? "\n" : " none\n", out);
    fputs("\nsensitivity: detected / episodes; agreement: detected with the expected category "
          "as the most\nurgent; under/over: detected less/more urgently than expected; TTD: "
          "first event - onset.\n",
          out);
}

static void json_row(FILE *out, const struct sim_score_row *r)
{
    fprintf(out,
            "\"episodes\":%u,\"detected\":%u,\"sensitivity\":%.4f,\"agreed\":%u,"
            "\"agreement\":%.4f,\"under_triaged\":%u,\"over_triaged\":%u,"
            "\"median_detection_s\":",
            r->episodes, r->detected, r->sensitivity, r->agreed, r->agreement, r->under_triaged,
            r->over_triaged);
    if (r->median_detection_ms < 0)
        fputs("null", out);
    else
        fprintf(out, "%lld", (long long)(r->median_detection_ms / 1000));
}

void sim_score_print_json(const sim_score *s, FILE *out)
{
    struct sim_score_row row;
    fprintf(out, "{\"tolerance_s\":%lld,\"types\":[", (long long)(s->tolerance_ms / 1000));
    unsigned order[MAX_TYPES], n = ordered_types(s, order);
    for (unsigned i = 0; i < n; i++) {
        sim_score_row_for(s, s->type_names[order[i]], 0, &row);
        fprintf(out, "%s{\"type\":", i ? "," : "");
        json_t *name = json_string(s->type_names[order[i]]);
        json_dumpf(name, out, JSON_ENCODE_ANY);
        json_decref(name);
        fputc(',', out);
        json_row(out, &row);
        fputc('}', out);
    }
    fputs("],\"categories\":[", out);
    for (int c = 1; c <= 3; c++) {
        sim_score_row_for(s, NULL, c, &row);
        fprintf(out, "%s{\"category\":%d,", c > 1 ? "," : "", c);
        json_row(out, &row);
        fputc('}', out);
    }
    sim_score_row_for(s, NULL, 0, &row);
    fputs("],\"all\":{", out);
    json_row(out, &row);
    struct sim_score_false_alerts fa;
    sim_score_false_alerts(s, &fa);
    fprintf(out,
            "},\"false_alerts\":{\"events\":%llu,\"false_alerts\":%llu,\"patient_months\":%.2f,"
            "\"per_patient_month\":%.4f,\"on_artefacts\":%llu,\"by_category\":{\"1\":%llu,"
            "\"2\":%llu,\"3\":%llu},\"by_rule\":{",
            (unsigned long long)fa.events, (unsigned long long)fa.false_alerts, fa.patient_months,
            fa.per_patient_month, (unsigned long long)fa.on_artefacts,
            (unsigned long long)fa.by_category[1], (unsigned long long)fa.by_category[2],
            (unsigned long long)fa.by_category[3]);
    bool any = false;
    for (unsigned i = 0; i <= MAX_RULES; i++) {
        if (!s->false_by_rule[i]) continue;
        json_t *name = json_string(i < MAX_RULES ? s->rule_names[i] : "other");
        if (any) fputc(',', out);
        json_dumpf(name, out, JSON_ENCODE_ANY);
        json_decref(name);
        fprintf(out, ":%llu", (unsigned long long)s->false_by_rule[i]);
        any = true;
    }
    fputs("}}}\n", out);
}
