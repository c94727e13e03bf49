/* Helpers of the frailty unit tests: a complete, all-negative QuestionnaireResponse to
 * change item by item, and shortcuts to parse and score it. Include after <cmocka.h>. */
#ifndef VIGIE_FRAILTY_TEST_H
#define VIGIE_FRAILTY_TEST_H

#include <string.h>

#include "frailty/frailty.h"

/* FHIRPath of an item, as the validator names it. */
#define ITEM_PATH(group, link)                                                                     \
    "QuestionnaireResponse.item.where(linkId='" group "').item.where(linkId='" link "')"

/* Reception clock of the tests: 2026-03-04T07:12:00Z. */
static const struct fhir_limits test_limits = {.now_ms = 1772608320000LL,
                                               .future_tolerance_ms = 600000};

static inline int64_t test_day(int year, unsigned month, unsigned day)
{
    return instant_days_from_civil(year, month, day);
}

static inline int64_t test_ms(int year, unsigned month, unsigned day)
{
    return test_day(year, month, day) * INSTANT_MS_PER_DAY;
}

/* Born 2 May 1946: 79 on the day of the test screening. */
#define TEST_BIRTH_MS test_ms(1946, 5, 2)

static inline json_t *qr_answer(const char *link_id, json_t *value_obj)
{
    return json_pack("{s:s,s:[o]}", "linkId", link_id, "answer", value_obj);
}

static inline json_t *yes_no(const char *link_id, int value)
{
    return qr_answer(link_id, json_pack("{s:b}", "valueBoolean", value));
}

/* Screened 4 March 2026, every domain negative. */
static inline json_t *qr_valid(void)
{
    json_t *items = json_pack(
        "[{s:s,s:[o,o,o]},{s:s,s:[o,o]},{s:s,s:[o,o]},{s:s,s:[o]},{s:s,s:[o,o]},{s:s,s:[o,o]}]",
        "linkId", "cognition", "item", yes_no("cognition.orientation-time", 1),
        yes_no("cognition.orientation-place", 1),
        qr_answer("cognition.recall", json_pack("{s:i}", "valueInteger", 3)), "linkId", "mobility",
        "item", yes_no("mobility.chair-rise-completed", 1),
        qr_answer("mobility.chair-rise-seconds", json_pack("{s:f}", "valueDecimal", 10.5)),
        "linkId", "nutrition", "item", yes_no("nutrition.weight-loss", 0),
        yes_no("nutrition.appetite-loss", 0), "linkId", "vision", "item",
        yes_no("vision.eye-problems", 0), "linkId", "hearing", "item",
        yes_no("hearing.whisper-right", 1), yes_no("hearing.whisper-left", 1), "linkId", "mood",
        "item", yes_no("mood.feeling-down", 0), yes_no("mood.little-interest", 0));
    return json_pack("{s:s,s:s,s:s,s:s,s:{s:s},s:s,s:o}", "resourceType", "QuestionnaireResponse",
                     "id", "qr-1", "questionnaire", FRAILTY_QUESTIONNAIRE_URL, "status",
                     "completed", "subject", "reference", "Patient/p-001", "authored",
                     "2026-03-04T08:00:00+01:00", "item", items);
}

/* The group holding linkId "<group>.<name>". */
static inline json_t *qr_group(json_t *qr, const char *link_id)
{
    size_t i, n = strcspn(link_id, ".");
    json_t *g;
    json_array_foreach(json_object_get(qr, "item"), i, g)
    {
        const char *id = json_string_value(json_object_get(g, "linkId"));
        if (strlen(id) == n && !strncmp(id, link_id, n)) return g;
    }
    return NULL;
}

/* Removes an item (a question, or a whole group). */
static inline void qr_remove(json_t *qr, const char *link_id)
{
    json_t *items = strchr(link_id, '.') ? json_object_get(qr_group(qr, link_id), "item")
                                         : json_object_get(qr, "item");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (!strcmp(json_string_value(json_object_get(it, "linkId")), link_id)) {
            json_array_remove(items, i);
            return;
        }
    }
}

/* Sets the answer of an item to {key: value} (steals value), adding the item if absent. */
static inline void qr_set(json_t *qr, const char *link_id, const char *key, json_t *value)
{
    qr_remove(qr, link_id);
    json_t *answer = json_object();
    json_object_set_new(answer, key, value);
    json_array_append_new(json_object_get(qr_group(qr, link_id), "item"),
                          qr_answer(link_id, answer));
}

static inline void qr_bool(json_t *qr, const char *link_id, int value)
{
    qr_set(qr, link_id, "valueBoolean", json_boolean(value));
}

static inline void qr_decimal(json_t *qr, const char *link_id, double value)
{
    qr_set(qr, link_id, "valueDecimal", json_real(value));
}

/* Index of the first issue whose expression is `expression`, or fails the test. */
static inline size_t issue_at(const struct fhir_outcome *oo, const char *expression)
{
    for (size_t i = 0; i < oo->count; i++)
        if (!strcmp(oo->issues[i].expression, expression)) return i;
    for (size_t i = 0; i < oo->count; i++)
        print_message("issue %zu: %s: %s\n", i, oo->issues[i].expression,
                      oo->issues[i].diagnostics);
    fail_msg("no issue at %s", expression);
    return 0;
}

/* Parses and scores `qr` (consumed); fails the test on any error. */
static inline void score_ok(json_t *qr, struct frailty_result *result)
{
    struct fhir_outcome oo;
    struct frailty_response r;
    fhir_outcome_init(&oo);
    if (frailty_response_parse(qr, &test_limits, &r, &oo) < 0 ||
        frailty_score(&r, TEST_BIRTH_MS, result, &oo) < 0)
        fail_msg("%s: %s", oo.issues[0].expression, oo.issues[0].diagnostics);
    fhir_outcome_free(&oo);
    json_decref(qr);
}

#endif
