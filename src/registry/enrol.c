/* Enrolment: parsing a request, and applying it in the writer thread where the quota is
 * counted and triage told what the patient is expected to send. */
#include "registry/registry_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "model/measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct registry {
    ingest *ing;
    audit_log *audit;
    struct registry_sink sink;
};

registry *registry_new(ingest *ing, audit_log *audit)
{
    registry *reg = xcalloc(1, sizeof *reg);
    reg->ing = ing;
    reg->audit = audit;
    return reg;
}

void registry_free(registry *reg)
{
    free(reg);
}

void registry_set_sink(registry *reg, const struct registry_sink *sink)
{
    reg->sink = *sink;
}

/* ---- Parsing ------------------------------------------------------------------------------ */

void registry_enrolment_free(struct registry_enrolment *en)
{
    for (size_t i = 0; i < en->condition_count; i++) free(en->conditions[i]);
    en->condition_count = 0;
}

static int parse_conditions(json_t *v, struct registry_enrolment *en, struct registry_outcome *o)
{
    if (!json_is_array(v))
        return registry_refuse(o, 400, "conditions",
                               "conditions must be an array of SNOMED CT codes");
    if (json_array_size(v) > REGISTRY_MAX_CONDITIONS)
        return registry_refuse(o, 400, "conditions", "at most %d conditions",
                               REGISTRY_MAX_CONDITIONS);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        const char *code = json_string_value(item);
        if (!code || !registry_snomed_valid(code))
            return registry_refuse(o, 400, "conditions",
                                   "conditions[%zu]: '%.24s' is not a SNOMED CT concept id (6 to "
                                   "18 digits with a valid check digit, e.g. 84114007)",
                                   i, code ? code : "(not a string)");
        for (size_t k = 0; k < en->condition_count; k++)
            if (!strcmp(en->conditions[k], code))
                return registry_refuse(o, 400, "conditions", "condition %s is listed twice",
                                       code);
        en->conditions[en->condition_count++] = xstrdup(code);
    }
    return 0;
}

static void kind_names(char *out, size_t n)
{
    size_t used = 0;
    for (int k = MEASURE_NONE + 1; k < MEASURE_KIND_COUNT; k++)
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", used ? ", " : "",
                                 measure_info((enum measure_kind)k)->name);
}

static int parse_expected(json_t *v, struct registry_enrolment *en, struct registry_outcome *o)
{
    static const char *const fields[] = {"kind", "per_day", NULL};
    if (!json_is_array(v))
        return registry_refuse(o, 400, "expected",
                               "expected must be an array of {\"kind\", \"per_day\"}");
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char field[48];
        snprintf(field, sizeof field, "expected[%zu]", i);
        if (!json_is_object(item))
            return registry_refuse(o, 400, field, "%s must be an object", field);
        if (registry_known_fields(item, fields, o) < 0) return -1;
        const char *kind = json_string_value(json_object_get(item, "kind"));
        enum measure_kind k = kind ? measure_kind_from_name(kind, strlen(kind)) : MEASURE_NONE;
        if (k == MEASURE_NONE) {
            char names[300];
            kind_names(names, sizeof names);
            return registry_refuse(o, 400, field, "%s.kind '%.24s' is not one of %s", field,
                                   kind ? kind : "(absent)", names);
        }
        json_t *per_day = json_object_get(item, "per_day");
        double f = json_is_number(per_day) ? json_number_value(per_day) : -1;
        /* the range triage accepts (triage_set_expected): every 10 days to hourly */
        if (f < 0.1 || f > 24)
            return registry_refuse(o, 400, field,
                                   "%s.per_day must be a number from 0.1 (every 10 days) to 24",
                                   field);
        for (size_t x = 0; x < en->expected_count; x++)
            if (en->expected[x].kind == k)
                return registry_refuse(o, 400, field, "%s: %s is expected twice", field, kind);
        en->expected[en->expected_count++] = (struct triage_expected){.kind = k, .per_day = f};
    }
    return 0;
}

static int parse_time(json_t *body, const char *field, int64_t *out, struct registry_outcome *o)
{
    json_t *v = json_object_get(body, field);
    if (!v || json_is_null(v)) return 0;
    const char *text = json_string_value(v);
    verr e;
    enum instant_precision precision;
    if (!text) return registry_refuse(o, 400, field, "%s must be a date or date-time", field);
    if (instant_parse(text, strlen(text), out, &precision, &e) < 0)
        return registry_refuse(o, 400, field, "%s: %s", field, e.msg);
    return 0;
}

int registry_parse_enrolment(json_t *body, const char *territory, int64_t now_ms,
                             struct registry_enrolment *en, struct registry_outcome *o)
{
    static const char *const fields[] = {"patient", "conditions", "expected", "start", "end",
                                         NULL};
    memset(en, 0, sizeof *en);
    en->start_ms = en->end_ms = STORE_NO_TIME;
    snprintf(en->territory, sizeof en->territory, "%s", territory);
    if (registry_known_fields(body, fields, o) < 0 ||
        registry_text(body, "patient", true, en->patient, sizeof en->patient, o) < 0)
        return -1;
    if (!strncmp(en->patient, "Patient/", 8))
        memmove(en->patient, en->patient + 8, strlen(en->patient + 8) + 1);
    json_t *v;
    if ((v = json_object_get(body, "conditions"))) {
        en->conditions_given = true;
        if (parse_conditions(v, en, o) < 0) return -1;
    }
    if ((v = json_object_get(body, "expected"))) {
        en->expected_given = true;
        if (parse_expected(v, en, o) < 0) return -1;
    }
    if (parse_time(body, "start", &en->start_ms, o) < 0 ||
        parse_time(body, "end", &en->end_ms, o) < 0)
        return -1;
    if (en->end_ms != STORE_NO_TIME) {
        if (en->end_ms <= now_ms)
            return registry_refuse(o, 400, "end", "end must be in the future (to end an "
                                                  "enrolment now: DELETE "
                                                  "/api/territories/{id}/patients/{patient})");
        if (en->start_ms != STORE_NO_TIME && en->end_ms <= en->start_ms)
            return registry_refuse(o, 400, "end", "end must come after start");
    }
    return 0;
}

/* ---- Applying (writer thread) ------------------------------------------------------------- */

/* The territory must be one the caller sees, and exist: both refusals read the same. */
static int find_territory(const struct audit_actor *actor, store *s, const char *id,
                          struct store_territory *t, struct registry_outcome *o, verr *e)
{
    memset(t, 0, sizeof *t);
    int rc = actor->who && !auth_may_see_territory(actor->who, id) ? 1
                                                                     : store_territory_get(s, id, t, e);
    if (rc == 1) registry_refuse(o, 404, NULL, "territory %s is not known", id);
    return rc;
}

/* The patient must be known and the caller allowed to enrol it here (recorded in the audit
 * trail); both refusals read the same. Returns the key, or 0 with o set. */
static int64_t find_patient(registry *reg, const struct audit_actor *actor, const char *patient,
                            const char *territory, struct registry_outcome *o)
{
    int64_t key = ingest_patient_key(reg->ing, patient);
    const char *current = key ? ingest_patient_territory(reg->ing, key) : NULL;
    if (key && audit_may_enrol(reg->audit, actor, patient, current, territory)) return key;
    registry_refuse(o, 404, "patient", "Patient/%s is not known", patient);
    return 0;
}

static int tell_sink(registry *reg, const struct store_enrolment *row, bool open,
                     const struct store_enrolment *previous, const struct triage_expected *expected,
                     size_t expected_count, int64_t now_ms, verr *e)
{
    if (!reg->sink.enrolment) return 0;
    struct registry_enrolment_change change = {
        .patient_key = row->patient_key,
        .patient_id = row->patient,
        .territory = row->territory,
        .open = open,
        .conditions = open ? (const char *const *)row->conditions : NULL,
        .condition_count = open ? row->condition_count : 0,
        .previous = previous ? (const char *const *)previous->conditions : NULL,
        .previous_count = previous ? previous->condition_count : 0,
        .expected = open ? expected : NULL,
        .expected_count = open ? expected_count : 0,
        .now_ms = now_ms,
    };
    return reg->sink.enrolment(reg->sink.ctx, &change, e);
}

/* Expected measurements of a stored enrolment, as triage takes them. */
static size_t expected_of(const struct store_enrolment *row, struct triage_expected *out)
{
    size_t n = 0;
    for (size_t i = 0; i < row->expected_count && n < MEASURE_KIND_COUNT; i++) {
        enum measure_kind k = measure_kind_from_name(row->expected[i].kind,
                                                     strlen(row->expected[i].kind));
        if (k != MEASURE_NONE)
            out[n++] = (struct triage_expected){.kind = k, .per_day = row->expected[i].per_day};
    }
    return n;
}

/* Quota of a territory: 0 when there is room, else o is set (409). */
static int check_quota(store *s, const struct store_territory *t, int64_t now_ms,
                       struct registry_outcome *o, verr *e)
{
    if (t->quota < 0) return 0;
    int64_t enrolled;
    if (store_enrolment_count(s, t->id, now_ms, &enrolled, e) < 0) return -1;
    if (enrolled < t->quota) return 0;
    registry_refuse(o, 409, NULL,
                    "territory %s is full: its %lld enrolment places are taken (%lld enrolled); "
                    "end an enrolment or raise the quota first",
                    t->id, (long long)t->quota, (long long)enrolled);
    return 1;
}

int registry_enrol(registry *reg, store *s, const struct audit_actor *actor,
                   const struct registry_enrolment *en, int64_t now_ms,
                   struct registry_outcome *o, struct store_enrolment *result, verr *e)
{
    if (result) memset(result, 0, sizeof *result);
    struct store_territory t;
    int rc = find_territory(actor, s, en->territory, &t, o, e);
    if (rc != 0) return rc < 0 ? -1 : 0;
    struct store_enrolment open = {0};
    int result_rc = 0;
    int64_t key = find_patient(reg, actor, en->patient, en->territory, o);
    if (!key) goto done;
    rc = store_enrolment_open(s, key, now_ms, &open, e);
    if (rc < 0) goto fail;
    bool update = rc == 0;
    if (update && strcmp(open.territory, en->territory) != 0) {
        bool visible = !actor->who || auth_may_see_territory(actor->who, open.territory);
        registry_refuse(o, 409, "patient",
                        "Patient/%s is enrolled in %s%s; end that enrolment first (DELETE "
                        "/api/territories/{id}/patients/%s)",
                        en->patient, visible ? "territory " : "another territory",
                        visible ? open.territory : "", en->patient);
        goto done;
    }
    if (!update) {
        rc = check_quota(s, &t, now_ms, o, e);
        if (rc < 0) goto fail;
        if (rc == 1) goto done;
    }

    /* The row as it will be: the request's lists and dates, else the current ones. */
    struct store_enrolment row = update ? open : (struct store_enrolment){0};
    struct store_expected names[MEASURE_KIND_COUNT];
    row.patient_key = key;
    snprintf(row.patient, sizeof row.patient, "%s", en->patient);
    snprintf(row.territory, sizeof row.territory, "%s", en->territory);
    if (!update) {
        row.start_ms = now_ms;
        row.end_ms = STORE_NO_TIME;
        row.created_ms = now_ms;
        snprintf(row.created_by, sizeof row.created_by, "%s",
                 actor->who ? actor->who->username : actor->name ? actor->name : "local");
    }
    if (en->start_ms != STORE_NO_TIME) row.start_ms = en->start_ms;
    if (en->end_ms != STORE_NO_TIME) row.end_ms = en->end_ms;
    row.updated_ms = now_ms;
    if (en->conditions_given || !update) {
        row.conditions = (char **)en->conditions;
        row.condition_count = en->condition_count;
    }
    if (en->expected_given || !update) {
        for (size_t i = 0; i < en->expected_count; i++) {
            snprintf(names[i].kind, sizeof names[i].kind, "%s",
                     measure_info(en->expected[i].kind)->name);
            names[i].per_day = en->expected[i].per_day;
        }
        row.expected = names;
        row.expected_count = en->expected_count;
    }
    if ((update ? store_enrolment_update(s, &row, e) : store_enrolment_add(s, &row, e)) < 0)
        goto fail;
    const char *current = ingest_patient_territory(reg->ing, key);
    bool moves = !current || strcmp(current, en->territory) != 0;
    if (moves && store_patient_set_territory(s, key, en->territory, e) < 0) goto fail;
    struct triage_expected expected[MEASURE_KIND_COUNT];
    size_t expected_count = expected_of(&row, expected);
    if (tell_sink(reg, &row, true, update ? &open : NULL, expected, expected_count, now_ms, e) < 0)
        goto fail;
    /* Last: the cache must not get ahead of rows a failure would roll back. */
    if (moves) ingest_patient_set_territory(reg->ing, key, en->territory);
    if (result && store_enrolment_open(s, key, now_ms, result, e) < 0) goto fail;
    registry_ok(o, update ? 200 : 201);
    goto done;
fail:
    result_rc = -1;
done:
    store_enrolment_free(&open);
    store_territory_free(&t);
    return result_rc;
}

int registry_end_enrolment(registry *reg, store *s, const struct audit_actor *actor,
                           const char *territory, const char *patient_id, int64_t now_ms,
                           struct registry_outcome *o, struct store_enrolment *result,
                           verr *e)
{
    if (result) memset(result, 0, sizeof *result);
    struct store_territory t;
    int rc = find_territory(actor, s, territory, &t, o, e);
    if (rc != 0) return rc < 0 ? -1 : 0;
    store_territory_free(&t);
    int64_t key = find_patient(reg, actor, patient_id, territory, o);
    if (!key) return 0;
    struct store_enrolment open;
    rc = store_enrolment_open(s, key, now_ms, &open, e);
    if (rc < 0) return -1;
    if (rc == 1 || strcmp(open.territory, territory) != 0) {
        if (rc == 0) store_enrolment_free(&open);
        registry_refuse(o, 404, "patient", "Patient/%s has no open enrolment in territory %s",
                        patient_id, territory);
        return 0;
    }
    open.end_ms = now_ms;
    open.updated_ms = now_ms;
    if (store_enrolment_update(s, &open, e) < 0 ||
        tell_sink(reg, &open, false, &open, NULL, 0, now_ms, e) < 0) {
        store_enrolment_free(&open);
        return -1;
    }
    registry_ok(o, 200);
    if (result)
        *result = open; /* the caller frees it */
    else
        store_enrolment_free(&open);
    return 0;
}
