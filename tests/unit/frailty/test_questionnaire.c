/* The published Questionnaire: valid JSON, its identity, and the linkIds (a contract). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frailty_test.h"

#define TRANSLATION "http://hl7.org/fhir/StructureDefinition/translation"

static json_t *questionnaire(void)
{
    buf out;
    buf_init(&out, 256 * 1024);
    assert_int_equal(frailty_questionnaire_write(&out), 0);
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    /* the project's strict parser: no duplicate keys, valid UTF-8 */
    json_t *q = fhir_json_parse(out.data, out.len, &oo);
    if (!q) fail_msg("%s", oo.issues[0].diagnostics);
    fhir_outcome_free(&oo);
    buf_free(&out);
    return q;
}

/* The English translation of obj[key]. */
static const char *english(json_t *obj, const char *key)
{
    char underscored[32];
    snprintf(underscored, sizeof underscored, "_%s", key);
    json_t *ext =
        json_array_get(json_object_get(json_object_get(obj, underscored), "extension"), 0);
    if (!ext) return NULL;
    assert_string_equal(json_string_value(json_object_get(ext, "url")), TRANSLATION);
    json_t *parts = json_object_get(ext, "extension");
    assert_string_equal(json_string_value(json_object_get(json_array_get(parts, 0), "valueCode")),
                        "en");
    return json_string_value(json_object_get(json_array_get(parts, 1), "valueString"));
}

static void identity(void **state)
{
    (void)state;
    json_t *q = questionnaire();
    assert_string_equal(json_string_value(json_object_get(q, "resourceType")), "Questionnaire");
    assert_string_equal(json_string_value(json_object_get(q, "id")), "icope-step1");
    assert_string_equal(json_string_value(json_object_get(q, "url")),
                        "urn:vigie:questionnaire:icope-step1");
    assert_string_equal(json_string_value(json_object_get(q, "version")), "1.0.0");
    assert_string_equal(json_string_value(json_object_get(q, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(q, "language")), "fr");
    assert_string_equal(english(q, "title"),
                        "ICOPE step 1: screening for declines in intrinsic capacity");
    json_decref(q);
}

/* Never change this list: stored responses and clients depend on it. */
static void stable_link_ids(void **state)
{
    (void)state;
    static const char *const expected[] = {"cognition",
                                           "cognition.words",
                                           "cognition.orientation-time",
                                           "cognition.orientation-place",
                                           "cognition.recall",
                                           "mobility",
                                           "mobility.chair-rise-completed",
                                           "mobility.chair-rise-seconds",
                                           "nutrition",
                                           "nutrition.weight-loss",
                                           "nutrition.weight-loss-kg",
                                           "nutrition.appetite-loss",
                                           "vision",
                                           "vision.eye-problems",
                                           "hearing",
                                           "hearing.whisper-right",
                                           "hearing.whisper-left",
                                           "mood",
                                           "mood.feeling-down",
                                           "mood.little-interest"};
    static const char *const types[] = {"group",   "display", "boolean", "boolean", "integer",
                                        "group",   "boolean", "decimal", "group",   "boolean",
                                        "decimal", "boolean", "group",   "boolean", "group",
                                        "boolean", "boolean", "group",   "boolean", "boolean"};
    json_t *q = questionnaire();
    size_t k = 0, i, j;
    json_t *group, *item;
    json_array_foreach(json_object_get(q, "item"), i, group)
    {
        assert_string_equal(json_string_value(json_object_get(group, "linkId")), expected[k]);
        assert_string_equal(json_string_value(json_object_get(group, "type")), types[k++]);
        assert_non_null(english(group, "text"));
        json_array_foreach(json_object_get(group, "item"), j, item)
        {
            assert_true(k < 20);
            assert_string_equal(json_string_value(json_object_get(item, "linkId")), expected[k]);
            assert_string_equal(json_string_value(json_object_get(item, "type")), types[k++]);
            assert_non_null(json_string_value(json_object_get(item, "text")));
            assert_non_null(english(item, "text"));
            bool required = json_is_true(json_object_get(item, "required"));
            const char *id = json_string_value(json_object_get(item, "linkId"));
            bool optional =
                !strcmp(id, "nutrition.weight-loss-kg") || !strcmp(id, "cognition.words");
            assert_int_equal(required, !optional);
        }
    }
    assert_int_equal(k, 20);
    for (k = 0; k < 20; k++)
        if (strchr(expected[k], '.'))
            assert_string_equal(frailty_domain_name(k < 5    ? FRAILTY_COGNITION
                                                    : k < 8  ? FRAILTY_MOBILITY
                                                    : k < 12 ? FRAILTY_NUTRITION
                                                    : k < 14 ? FRAILTY_VISION
                                                    : k < 17 ? FRAILTY_HEARING
                                                             : FRAILTY_MOOD),
                                strndupa(expected[k], strcspn(expected[k], ".")));
    json_decref(q);
}

static void chair_rise_time_enabled_when_completed(void **state)
{
    (void)state;
    json_t *q = questionnaire();
    json_t *mobility = json_array_get(json_object_get(q, "item"), 1);
    json_t *seconds = json_array_get(json_object_get(mobility, "item"), 1);
    json_t *when = json_array_get(json_object_get(seconds, "enableWhen"), 0);
    assert_string_equal(json_string_value(json_object_get(when, "question")),
                        "mobility.chair-rise-completed");
    assert_string_equal(json_string_value(json_object_get(when, "operator")), "=");
    assert_true(json_is_true(json_object_get(when, "answerBoolean")));
    json_t *ext = json_object_get(seconds, "extension");
    assert_int_equal(json_array_size(ext), 3);
    json_t *unit = json_object_get(json_array_get(ext, 2), "valueCoding");
    assert_string_equal(json_string_value(json_object_get(unit, "system")),
                        "http://unitsofmeasure.org");
    assert_string_equal(json_string_value(json_object_get(unit, "code")), "s");
    json_t *recall =
        json_array_get(json_object_get(json_array_get(json_object_get(q, "item"), 0), "item"), 3);
    json_t *max = json_array_get(json_object_get(recall, "extension"), 1);
    assert_string_equal(json_string_value(json_object_get(max, "url")),
                        "http://hl7.org/fhir/StructureDefinition/maxValue");
    assert_int_equal(json_integer_value(json_object_get(max, "valueInteger")), 3);
    json_decref(q);
}

static void too_small_a_buffer(void **state)
{
    (void)state;
    buf out;
    buf_init(&out, 1000);
    assert_int_equal(frailty_questionnaire_write(&out), -1);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity),
        cmocka_unit_test(stable_link_ids),
        cmocka_unit_test(chair_rise_time_enabled_when_completed),
        cmocka_unit_test(too_small_a_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
