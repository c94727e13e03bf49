/* Validation of a QuestionnaireResponse against icope-step1: every problem becomes an issue
 * naming the item, so that the console (or any FHIR client) can point at the field. */
#include "frailty/frailty_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RESPONSE "QuestionnaireResponse"

/* What was answered for one item. */
struct slot {
    bool given;   /* an answer was sent, valid or not */
    bool present; /* a valid answer was read */
    bool boolean;
    double number;
};

struct parse {
    struct fhir_outcome *oo;
    struct slot slots[Q_COUNT];
    bool seen[Q_COUNT]; /* item met (answered or not), to find duplicates */
};

/* FHIRPath of an item by linkIds, with `suffix` (".answer", ".answer[0]" or ""). */
static void item_path(enum frailty_item_index index, const char *suffix, char out[160])
{
    const struct frailty_item *item = &frailty_items[index];
    if (item->group == index)
        snprintf(out, 160, RESPONSE ".item.where(linkId='%s')%s", item->link_id, suffix);
    else
        snprintf(out, 160, RESPONSE ".item.where(linkId='%s').item.where(linkId='%s')%s",
                 frailty_items[item->group].link_id, item->link_id, suffix);
}

static const char *value_key(enum frailty_item_type type)
{
    switch (type) {
    case FRAILTY_ITEM_BOOLEAN:
        return "valueBoolean";
    case FRAILTY_ITEM_INTEGER:
        return "valueInteger";
    default:
        return "valueDecimal";
    }
}

static const char *value_words(enum frailty_item_type type)
{
    switch (type) {
    case FRAILTY_ITEM_BOOLEAN:
        return "true or false";
    case FRAILTY_ITEM_INTEGER:
        return "a whole number";
    default:
        return "a number";
    }
}

/* Checks the value of a number answer against the item's range. */
static void read_number(struct parse *st, enum frailty_item_index index, json_t *value,
                        const char *path)
{
    const struct frailty_item *item = &frailty_items[index];
    double v = json_number_value(value);
    if (v < item->min_value || v > item->max_value) {
        char got[32], lo[32], hi[32];
        frailty_format_number(v, got);
        frailty_format_number(item->min_value, lo);
        frailty_format_number(item->max_value, hi);
        const char *unit = item->unit ? item->unit : "";
        fhir_outcome_add(st->oo, FHIR_ERROR, 422, "value", path,
                         "%s: %s%s%s is out of range (%s to %s%s%s): %s", item->link_id, got,
                         *unit ? " " : "", unit, lo, hi, *unit ? " " : "", unit, item->text_en);
        return;
    }
    st->slots[index].present = true;
    st->slots[index].number = v;
}

/* Reads the answer of one item, if any. */
static void read_answer(struct parse *st, enum frailty_item_index index, json_t *item)
{
    const struct frailty_item *def = &frailty_items[index];
    char path[160];
    json_t *answers = json_object_get(item, "answer");
    if (!answers) return;
    item_path(index, ".answer", path);
    if (!json_is_array(answers)) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path, "%s must be an array", path);
        return;
    }
    size_t n = json_array_size(answers);
    if (n == 0) return;
    if (def->type == FRAILTY_ITEM_GROUP || def->type == FRAILTY_ITEM_DISPLAY) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path,
                         "%s is a %s and takes no answer", def->link_id,
                         def->type == FRAILTY_ITEM_GROUP ? "group" : "text to read out");
        return;
    }
    st->slots[index].given = true;
    if (n > 1) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path, "%s takes one answer, got %zu",
                         def->link_id, n);
        return;
    }
    item_path(index, ".answer[0]", path);
    json_t *answer = json_array_get(answers, 0);
    if (!json_is_object(answer)) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path, "%s must be an object", path);
        return;
    }
    const char *expected = value_key(def->type);
    const char *key, *found = NULL;
    json_t *v, *value = NULL;
    int values = 0;
    json_object_foreach(answer, key, v)
    {
        if (strncmp(key, "value", 5) != 0) continue;
        values++;
        found = key;
        value = v;
    }
    if (values == 0) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 422, "required", path,
                         "%s: the answer has no value; expected %s (%s)", def->link_id, expected,
                         value_words(def->type));
        return;
    }
    if (values > 1 || strcmp(found, expected) != 0) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path,
                         "%s: expected one %s (%s), got %s%s", def->link_id, expected,
                         value_words(def->type), values > 1 ? "several values, last " : "", found);
        return;
    }
    bool ok = def->type == FRAILTY_ITEM_BOOLEAN   ? json_is_boolean(value)
              : def->type == FRAILTY_ITEM_INTEGER ? json_is_integer(value)
                                                  : json_is_number(value);
    if (!ok) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "value", path, "%s: %s must be %s", def->link_id,
                         expected, value_words(def->type));
        return;
    }
    if (def->type == FRAILTY_ITEM_BOOLEAN) {
        st->slots[index].present = true;
        st->slots[index].boolean = json_is_true(value);
    } else {
        read_number(st, index, value, path);
    }
}

/* Resolves an item met at `where` (an index path) to its definition, or Q_COUNT after an
 * issue. `group` is the group it sits in, or Q_COUNT at the top level. */
static enum frailty_item_index resolve(struct parse *st, json_t *item, const char *where,
                                       enum frailty_item_index group)
{
    char path[200];
    if (!json_is_object(item)) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", where, "%s must be an object",
                         where);
        return Q_COUNT;
    }
    snprintf(path, sizeof path, "%s.linkId", where);
    const char *link_id = json_string_value(json_object_get(item, "linkId"));
    if (!link_id) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "required", path,
                         "%s is missing (or not a string)", path);
        return Q_COUNT;
    }
    enum frailty_item_index index = frailty_item_find(link_id);
    if (index == Q_COUNT) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "value", path,
                         "%s: '%.60s' is not an item of Questionnaire/" FRAILTY_QUESTIONNAIRE_ID,
                         path, link_id);
        return Q_COUNT;
    }
    const struct frailty_item *def = &frailty_items[index];
    bool is_group = def->type == FRAILTY_ITEM_GROUP;
    if (group == Q_COUNT && !is_group) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path,
                         "%s: '%s' belongs inside the group '%s'", path, link_id,
                         frailty_items[def->group].link_id);
        return Q_COUNT;
    }
    if (group != Q_COUNT && (is_group || def->group != group)) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", path,
                         "%s: '%s' %s, not inside the group '%s'", path, link_id,
                         is_group ? "is a group of its own" : "belongs inside another group",
                         frailty_items[group].link_id);
        return Q_COUNT;
    }
    if (st->seen[index]) {
        char p[160];
        item_path(index, "", p);
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", p, "%s appears twice", link_id);
        return Q_COUNT;
    }
    st->seen[index] = true;
    return index;
}

static void read_items(struct parse *st, json_t *res)
{
    bool bad = false;
    json_t *groups = json_object_get(res, "item");
    if (groups && !json_is_array(groups)) {
        fhir_outcome_add(st->oo, FHIR_ERROR, 400, "structure", RESPONSE ".item",
                         RESPONSE ".item must be an array");
        return;
    }
    size_t i, k;
    json_t *group, *child;
    json_array_foreach(groups, i, group)
    {
        char where[160];
        snprintf(where, sizeof where, RESPONSE ".item[%zu]", i);
        enum frailty_item_index g = resolve(st, group, where, Q_COUNT);
        if (g == Q_COUNT) continue;
        read_answer(st, g, group);
        char path[160];
        item_path(g, ".item", path);
        json_t *children = fhir_get_array(group, "item", path, st->oo, &bad);
        json_array_foreach(children, k, child)
        {
            char child_where[200];
            snprintf(child_where, sizeof child_where, "%s.item[%zu]", where, k);
            enum frailty_item_index c = resolve(st, child, child_where, g);
            if (c != Q_COUNT) read_answer(st, c, child);
        }
    }
}

/* Required items present, disabled items absent. Missing items are not errors while the
 * response is in progress (it is refused for its status anyway). */
static void check_presence(struct parse *st, bool in_progress)
{
    for (int i = 0; i < Q_COUNT; i++) {
        const struct frailty_item *def = &frailty_items[i];
        if (def->type == FRAILTY_ITEM_GROUP || def->type == FRAILTY_ITEM_DISPLAY) continue;
        const struct slot *s = &st->slots[i];
        char path[160];
        item_path((enum frailty_item_index)i, "", path);
        if (def->enable_when != Q_COUNT) {
            const struct slot *when = &st->slots[def->enable_when];
            /* Without the enabling answer (already reported), nothing can be said. */
            if (!when->present) continue;
            if (!when->boolean) {
                if (s->given)
                    fhir_outcome_add(st->oo, FHIR_ERROR, 422, "business-rule", path,
                                     "%s is answered although %s is false: it is only asked "
                                     "when that answer is true",
                                     def->link_id, frailty_items[def->enable_when].link_id);
                continue;
            }
        }
        if (s->given || !def->required || in_progress) continue;
        fhir_outcome_add(st->oo, FHIR_ERROR, 422, "required", path, "%s %s: %s", def->link_id,
                         st->seen[i] ? "has no answer" : "is missing", def->text_en);
    }
}

static void fill_answers(const struct parse *st, struct frailty_answers *a)
{
    const struct slot *s = st->slots;
    a->oriented_in_time = s[Q_ORIENTATION_TIME].boolean;
    a->oriented_in_place = s[Q_ORIENTATION_PLACE].boolean;
    a->words_recalled = (int)s[Q_RECALL].number;
    a->chair_rise_completed = s[Q_CHAIR_RISE_COMPLETED].boolean;
    a->chair_rise_seconds = s[Q_CHAIR_RISE_SECONDS].present ? s[Q_CHAIR_RISE_SECONDS].number : NAN;
    a->weight_loss = s[Q_WEIGHT_LOSS].boolean;
    a->weight_loss_kg = s[Q_WEIGHT_LOSS_KG].present ? s[Q_WEIGHT_LOSS_KG].number : NAN;
    a->appetite_loss = s[Q_APPETITE_LOSS].boolean;
    a->vision_problems = s[Q_EYE_PROBLEMS].boolean;
    a->whisper_right_heard = s[Q_WHISPER_RIGHT].boolean;
    a->whisper_left_heard = s[Q_WHISPER_LEFT].boolean;
    a->feeling_down = s[Q_FEELING_DOWN].boolean;
    a->little_interest = s[Q_LITTLE_INTEREST].boolean;
}

/* The reported answer and the kilograms disagree: scoring flags the domain either way
 * (erring towards assessment), and the warning says so. */
static void check_weight_consistency(struct parse *st, const struct frailty_answers *a)
{
    if (isnan(a->weight_loss_kg) || !st->slots[Q_WEIGHT_LOSS].present) return;
    bool over = a->weight_loss_kg > FRAILTY_WEIGHT_LOSS_KG;
    if (over == a->weight_loss) return;
    char path[160], kg[32];
    item_path(Q_WEIGHT_LOSS_KG, ".answer[0]", path);
    frailty_format_number(a->weight_loss_kg, kg);
    fhir_outcome_add(st->oo, FHIR_WARNING, 0, "business-rule", path,
                     "nutrition.weight-loss is %s but nutrition.weight-loss-kg is %s kg: the "
                     "nutrition domain is scored positive; check the answers",
                     a->weight_loss ? "true (more than 3 kg)" : "false", kg);
}

static bool same(const char *s, size_t n, const char *literal)
{
    return n == strlen(literal) && memcmp(s, literal, n) == 0;
}

/* Accepts the canonical URL, the relative reference, or an absolute one on any base, each
 * with an optional "|version" that must be ours. */
static bool canonical_is_ours(const char *q, const char **bad_version)
{
    static const char relative[] = "Questionnaire/" FRAILTY_QUESTIONNAIRE_ID;
    const size_t rel = sizeof relative - 1;
    const char *bar = strchr(q, '|');
    size_t n = bar ? (size_t)(bar - q) : strlen(q);
    bool absolute = (!strncmp(q, "http://", 7) || !strncmp(q, "https://", 8)) && n > rel + 8 &&
                    q[n - rel - 1] == '/' && memcmp(q + n - rel, relative, rel) == 0;
    bool ours = same(q, n, FRAILTY_QUESTIONNAIRE_URL) || same(q, n, relative) || absolute;
    *bad_version = ours && bar && strcmp(bar + 1, FRAILTY_QUESTIONNAIRE_VERSION) ? bar + 1 : NULL;
    return ours;
}

static void read_questionnaire(json_t *res, struct fhir_outcome *oo)
{
    bool bad = false;
    const char *expr = RESPONSE ".questionnaire";
    const char *q = fhir_get_string(res, "questionnaire", expr, oo, &bad);
    const char *version;
    if (bad) return;
    if (!q)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expr,
                         "%s is missing: it must be " FRAILTY_QUESTIONNAIRE_URL, expr);
    else if (!canonical_is_ours(q, &version))
        fhir_outcome_add(
            oo, FHIR_ERROR, 422, "not-supported", expr,
            "%s '%.80s' is not a questionnaire Vigie scores: use " FRAILTY_QUESTIONNAIRE_URL
            " (ICOPE step 1)",
            expr, q);
    else if (version)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "not-supported", expr,
                         "%s: version '%.30s' is unknown; Vigie publishes "
                         "version " FRAILTY_QUESTIONNAIRE_VERSION,
                         expr, version);
}

/* Returns true when the status allows scoring; `in_progress` tells whether missing items
 * are to be expected. */
static bool read_status(json_t *res, enum frailty_status *status, bool *in_progress,
                        struct fhir_outcome *oo)
{
    bool bad = false;
    const char *expr = RESPONSE ".status";
    const char *s = fhir_get_string(res, "status", expr, oo, &bad);
    *in_progress = false;
    if (bad) return false;
    if (!s) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", expr,
                         "%s is missing: a screening is scored when completed", expr);
        return false;
    }
    if (!strcmp(s, "completed")) {
        *status = FRAILTY_COMPLETED;
        return true;
    }
    if (!strcmp(s, "amended")) {
        *status = FRAILTY_AMENDED;
        return true;
    }
    if (!strcmp(s, "in-progress")) {
        *in_progress = true;
        fhir_outcome_add(oo, FHIR_ERROR, 422, "business-rule", expr,
                         "%s is in-progress: Vigie scores a screening only once it is complete; "
                         "send it with status completed when every domain is answered",
                         expr);
    } else if (!strcmp(s, "stopped")) {
        fhir_outcome_add(oo, FHIR_ERROR, 422, "business-rule", expr,
                         "%s is stopped: an interrupted screening is not scored; run it again",
                         expr);
    } else if (!strcmp(s, "entered-in-error")) {
        fhir_outcome_add(oo, FHIR_ERROR, 422, "not-supported", expr,
                         "%s is entered-in-error: withdrawing a screening is not supported yet; "
                         "send the corrected screening with status amended",
                         expr);
    } else {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", expr,
                         "%s '%.30s' is not in-progress, completed, amended, entered-in-error or "
                         "stopped",
                         expr, s);
    }
    return false;
}

/* The civil date as written at the start of a FHIR dateTime already validated as having
 * at least a day: "2026-03-04T00:30:00+01:00" is 4 March, where the screening was done. */
static int64_t written_day(const char *text)
{
    int64_t year = 0;
    for (int i = 0; i < 4; i++) year = year * 10 + (text[i] - '0');
    unsigned month = (unsigned)((text[5] - '0') * 10 + (text[6] - '0'));
    unsigned day = (unsigned)((text[8] - '0') * 10 + (text[9] - '0'));
    return instant_days_from_civil(year, month, day);
}

static void read_authored(json_t *res, const struct fhir_limits *limits,
                          struct frailty_response *out, struct fhir_outcome *oo)
{
    const char *expr = RESPONSE ".authored";
    enum instant_precision precision;
    int rc = fhir_read_datetime(res, "authored", expr, limits, &out->authored_ms, &precision, oo);
    if (rc == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", expr,
                         "%s is missing: when was the screening done? The next one is counted "
                         "from it",
                         expr);
    else if (rc == 0 && precision < INSTANT_DAY)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "value", expr,
                         "%s needs at least a day (YYYY-MM-DD): the next screening is counted "
                         "from it",
                         expr);
    else if (rc == 0)
        out->authored_day = written_day(json_string_value(json_object_get(res, "authored")));
}

int frailty_response_parse(json_t *res, const struct fhir_limits *limits,
                           struct frailty_response *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    size_t before = oo->count;
    if (!fhir_resource_type(res, RESPONSE, oo)) return -1;
    bool bad = false;
    out->id = fhir_get_string(res, "id", RESPONSE ".id", oo, &bad);
    if (out->id && !fhir_id_valid(out->id)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", RESPONSE ".id",
                         RESPONSE ".id '%.70s' is not a valid id (1-64 of A-Z a-z 0-9 - .)",
                         out->id);
        out->id = NULL;
    }
    read_questionnaire(res, oo);
    bool in_progress;
    read_status(res, &out->status, &in_progress, oo);
    if (fhir_read_patient_ref(res, "subject", RESPONSE ".subject", &out->subject, oo) == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", RESPONSE ".subject",
                         RESPONSE ".subject is missing: Vigie needs the Patient screened");
    read_authored(res, limits, out, oo);

    struct parse st = {.oo = oo};
    read_items(&st, res);
    check_presence(&st, in_progress);
    fill_answers(&st, &out->answers);
    check_weight_consistency(&st, &out->answers);

    for (size_t i = before; i < oo->count; i++)
        if (oo->issues[i].severity <= FHIR_ERROR) return -1;
    return bad ? -1 : 0;
}

void frailty_answers_identity(const struct frailty_answers *a, char out[96])
{
    char seconds[32] = "-", kg[32] = "-";
    if (!isnan(a->chair_rise_seconds)) frailty_format_number(a->chair_rise_seconds, seconds);
    if (!isnan(a->weight_loss_kg)) frailty_format_number(a->weight_loss_kg, kg);
    snprintf(out, 96, "t%dp%dr%dc%ds%sw%dk%sa%de%dR%dL%dd%di%d", a->oriented_in_time,
             a->oriented_in_place, a->words_recalled, a->chair_rise_completed, seconds,
             a->weight_loss, kg, a->appetite_loss, a->vision_problems, a->whisper_right_heard,
             a->whisper_left_heard, a->feeling_down, a->little_interest);
}
