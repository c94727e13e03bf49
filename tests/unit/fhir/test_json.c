/* The JSON parser (src/fhir/jsonparse.c) against jansson's: on every text, both accept or
 * both refuse, and what they accept is the same tree. Hand-picked texts first, then
 * deterministic mutations of FHIR resources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhir.h"

#define JANSSON_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

static int accepted, refused;

/* Fails unless the two parsers agree on text; counts what they accepted and refused. */
static void agree(const char *text, size_t n)
{
    json_error_t jerr;
    struct fhir_json_error err;
    if (memchr(text, 0, n)) { /* see tests/fuzz/fuzz_json.c: jansson drops some NULs */
        json_t *ours = fhir_json_load(text, n, JANSSON_MAX_DEPTH, &err);
        if (ours) fail_msg("%.*s: a NUL byte is accepted", (int)n, text);
        refused++;
        return;
    }
    json_t *theirs = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    json_t *ours = fhir_json_load(text, n, JANSSON_MAX_DEPTH, &err);
    if (!theirs != !ours)
        fail_msg("%.*s: jansson %s (%s), fhir_json_load %s (%s)", (int)(n > 200 ? 200 : n),
                 text, theirs ? "accepts" : "refuses", theirs ? "" : jerr.text,
                 ours ? "accepts" : "refuses", ours ? "" : err.text);
    if (theirs && !json_equal(theirs, ours)) {
        char *a = json_dumps(theirs, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(ours, JSON_COMPACT | JSON_ENCODE_ANY);
        fail_msg("%.*s: jansson reads %s, fhir_json_load %s", (int)(n > 200 ? 200 : n), text,
                 a, b);
    }
    if (theirs)
        accepted++;
    else
        refused++;
    json_decref(theirs);
    json_decref(ours);
}

static void agree_s(const char *text) { agree(text, strlen(text)); }

static void hand_picked_texts(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "{}", "[]", " \n\t\r{ } ", "{\"a\":1}", "[1,2,3]", "[1,]", "[,1]", "{\"a\":1,}",
        "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{'a':1}", "[\"a\" \"b\"]", "",
        "   ", "1", "\"x\"", "true", "null", "[true,false,null]", "[tru]", "[truex]",
        "[nul]", "[falsey]", "[True]", "{\"a\":1}x", "{\"a\":1} {}", "[]]", "[[]", "{\"a\":{}",
        /* numbers */
        "[0]", "[-0]", "[-0.0]", "[01]", "[-01]", "[1.]", "[.5]", "[-]", "[+1]", "[1e5]",
        "[1E+5]", "[1e-5]", "[1e]", "[1e+]", "[2.5e-3]", "[0.1]", "[1.7976931348623157e308]",
        "[1e309]", "[-1e309]", "[1e-400]", "[9223372036854775807]", "[9223372036854775808]",
        "[-9223372036854775808]", "[-9223372036854775809]", "[123456789012345678901234567890]",
        "[0x10]", "[NaN]", "[Infinity]", "[-Infinity]", "[1.5.2]", "[1-2]", "[--1]",
        "[0.000000000000000000000000000000000000000000000000000000000000000000000000001]",
        /* strings */
        "[\"\"]", "[\"a\\\"b\"]", "[\"\\\\\"]", "[\"\\/\"]", "[\"\\b\\f\\n\\r\\t\"]",
        "[\"\\u0041\"]", "[\"\\u00e9\"]", "[\"\\u20AC\"]", "[\"\\ud83d\\ude00\"]",
        "[\"\\ud83d\"]", "[\"\\ude00\"]", "[\"\\ud83d\\u0041\"]", "[\"\\ud83dx\"]",
        "[\"\\u0000\"]", "[\"\\u00\"]", "[\"\\u00zz\"]", "[\"\\x\"]", "[\"\\\"]", "[\"abc]",
        "[\"tab\there\"]", "[\"nl\nhere\"]", "[\"\x01\"]", "[\"\x7f\"]", "[\"é\"]", "[\"€\"]",
        "[\"😀\"]", "[\"\xc3\"]", "[\"\xc3\x28\"]", "[\"\xc0\xaf\"]", "[\"\xe0\x80\xaf\"]",
        "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]", "[\"\xff\"]",
        "[\"\xef\xbb\xbf\"]", "\xef\xbb\xbf{}", "[\xc3\xa9]", "{\"\xc3\xa9\":1}",
        /* keys */
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":{\"a\":2}}", "{\"\":1}", "{\"\":1,\"\":2}",
        "{\"a\\u0000\":1}", "{\"\\u0061\":1,\"a\":2}", "{\"a\\nb\":1}",
        "{\"a very long key that is more than sixty-four bytes long, to take the slow path\\t\":"
        "[1,{\"a very long key that is more than sixty-four bytes long, to take the slow "
        "path\\t\":2}]}",
        "{\"k\\u00e9y\":{\"k\\u00e9y\":[\"v\\u00e9\"]},\"k\\u00e9y2\":1}",
        /* whitespace */
        "[1 ,2 , 3 ]", "[1\f]", "[1\v]", "{\"a\" : 1 , \"b\" :2}", "[\x00]",
        /* a FHIR resource */
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{"
        "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":"
        "\"Patient/p1\"},\"effectiveDateTime\":\"2026-03-01T08:00:00+01:00\","
        "\"valueQuantity\":{\"value\":72.5,\"unit\":\"/min\",\"code\":\"/min\"}}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) agree_s(texts[i]);
    agree("[\"a\0b\"]", 7);
    agree("{\"a\":1}\0", 8);
    agree("[0,0.85\0]", 9); /* jansson accepts this one */
}

static void depth_is_limited_while_parsing(void **state)
{
    (void)state;
    char deep[300];
    for (int depth = 62; depth <= 66; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        struct fhir_json_error err;
        json_t *j = fhir_json_load(deep, 2 * (size_t)depth, FHIR_MAX_DEPTH, &err);
        if (depth <= FHIR_MAX_DEPTH) {
            assert_non_null(j);
        } else {
            assert_null(j);
            assert_int_equal(err.kind, FHIR_JSON_DEPTH);
        }
        json_decref(j);
    }
    /* Deeper than jansson's own limit: both refuse. */
    size_t n = 5000;
    char *p = malloc(2 * n);
    memset(p, '[', n);
    memset(p + n, ']', n);
    agree(p, 2 * n);
    free(p);
}

static void errors_name_kind_line_and_column(void **state)
{
    (void)state;
    struct fhir_json_error err;
    const char *t = "{\"resourceType\":\"Observation\",\n \"status\": }";
    assert_null(fhir_json_load(t, strlen(t), 64, &err));
    assert_int_equal(err.kind, FHIR_JSON_SYNTAX);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 12);
    assert_non_null(strstr(err.text, "found '}'"));

    t = "{\"a\":1,\"a\":2}";
    assert_null(fhir_json_load(t, strlen(t), 64, &err));
    assert_int_equal(err.kind, FHIR_JSON_DUPLICATE);
    assert_non_null(strstr(err.text, "\"a\""));

    t = "{\"é\":\"\xff\"}";
    assert_null(fhir_json_load(t, strlen(t), 64, &err));
    assert_int_equal(err.kind, FHIR_JSON_UTF8);
    assert_int_equal(err.column, 7); /* é is one character */

    t = "{\"a\":[1,2";
    assert_null(fhir_json_load(t, strlen(t), 64, &err));
    assert_int_equal(err.kind, FHIR_JSON_EOF);

    t = "this is text";
    assert_null(fhir_json_load(t, strlen(t), 64, &err));
    assert_int_equal(err.kind, FHIR_JSON_TOP);

    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_null(fhir_json_parse("[1,]", 4, &oo));
    assert_string_equal(oo.issues[0].diagnostics,
                        "malformed JSON at line 1, column 4: expected a value, found ']'");
    fhir_outcome_free(&oo);
}

/* xorshift64*: the same mutations on every run. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void mutations_of_resources_agree(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":{"
        "\"resourceType\":\"Observation\",\"identifier\":[{\"system\":\"urn:x\",\"value\":"
        "\"o-1\"}],\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
        "\"code\":\"85354-9\"}]},\"subject\":{\"reference\":\"Patient/p-1\"},"
        "\"effectiveDateTime\":\"2026-03-01T08:00:00Z\",\"component\":[{\"code\":{\"coding\":[{"
        "\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":17.2e1,\"code\":\"mm[Hg]\"}}]},"
        "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
        "{\"resourceType\":\"Communication\",\"payload\":[{\"contentString\":\"Douleur "
        "thoracique depuis ce matin, pas de fi\\u00e8vre \\ud83d\\ude00 \\\"vite\\\"\"}],"
        "\"sent\":\"2026-03-04T03:20:58+01:00\",\"x\":[true,false,null,-0,1e-3,123456789]}",
        "[{\"é\":\"€\"},{\"a\":[[[[[]]]]]},\"\\n\\t\\/\",-12.5E+2]",
    };
    static const char alphabet[] = "{}[]\":,\\ \n0123456789-+.eEtrufalsn\x80\xc3\xa9u";
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    accepted = refused = 0;
    char text[1024];
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        size_t base = strlen(seeds[s]);
        for (int round = 0; round < 6000; round++) {
            size_t n = base;
            memcpy(text, seeds[s], n);
            int edits = 1 + (int)(next(&seed) % 3);
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t)(next(&seed) % (n + 1));
                char c = alphabet[next(&seed) % (sizeof alphabet - 1)];
                switch (next(&seed) % 3) {
                case 0: /* replace */
                    if (at < n) text[at] = c;
                    break;
                case 1: /* insert */
                    if (n + 1 < sizeof text) {
                        memmove(text + at + 1, text + at, n - at);
                        text[at] = c;
                        n++;
                    }
                    break;
                default: /* delete */
                    if (at < n) {
                        memmove(text + at, text + at + 1, n - at - 1);
                        n--;
                    }
                    break;
                }
            }
            agree(text, n);
        }
    }
    /* The mutations exercise both answers, not just one. */
    assert_true(accepted > 1000);
    assert_true(refused > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_picked_texts),
        cmocka_unit_test(depth_is_limited_while_parsing),
        cmocka_unit_test(errors_name_kind_line_and_column),
        cmocka_unit_test(mutations_of_resources_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
