/* Locating the resources of a received Bundle as bytes (fhir_bundle_resource_spans), and the
 * server's id put into a stored text (fhir_resource_with_id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhir.h"

static void assert_span(const char *text, struct fhir_span s, const char *expected)
{
    assert_int_equal(s.len, strlen(expected));
    assert_memory_equal(text + s.offset, expected, s.len);
}

static void test_spans_are_the_bytes_received(void **state)
{
    (void)state;
    const char *text =
        "{ \"resourceType\" : \"Bundle\", \"type\":\"batch\", \"meta\": {\"entry\": [1]},\n"
        "  \"entry\" : [ {\"fullUrl\":\"urn:a\", \"resource\" : {\"resourceType\":\"Observation\","
        " \"note\":[{\"text\":\"} ] \\\" {\"}]} },\n"
        "  {\"request\":{\"method\":\"POST\"}},\n"
        "  {\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}} ] }";
    struct fhir_span spans[4];
    assert_int_equal(fhir_bundle_resource_spans(text, strlen(text), spans, 4), 3);
    assert_span(text, spans[0],
                "{\"resourceType\":\"Observation\", \"note\":[{\"text\":\"} ] \\\" {\"}]}");
    assert_int_equal(spans[1].len, 0); /* an entry without a resource */
    assert_span(text, spans[2], "{\"resourceType\":\"Patient\",\"id\":\"p1\"}");
    /* more entries than room: counted, the first ones located */
    struct fhir_span one[1];
    assert_int_equal(fhir_bundle_resource_spans(text, strlen(text), one, 1), 3);
    assert_int_equal(one[0].len, spans[0].len);
}

/* The server calls it on texts its JSON parser accepted; on any other bytes it must still
 * end, read nothing outside the text and count boundedly (a fuzz target found "[}" looping). */
static void test_bytes_that_are_not_json_end(void **state)
{
    (void)state;
    const char *texts[] = {"{\"entry\":[}",
                           "{\"entry\":[}]}",
                           "{\"entry\":[,,,",
                           "{\"entry\":[{\"resource\"",
                           "{\"entry\":[\"",
                           "{\"entry\":[:}",
                           "{\"entry\"",
                           "",
                           "[",
                           "{\"entry\":[{}{}{}]",
                           "{\"entry\":[]]]]]]",
                           "{\"entry\":"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        /* a copy of exactly its bytes, so that a read past them is caught (AddressSanitizer) */
        size_t n = strlen(texts[i]);
        char *copy = malloc(n ? n : 1);
        memcpy(copy, texts[i], n);
        struct fhir_span spans[2];
        int count = fhir_bundle_resource_spans(copy, n, spans, 2);
        assert_true(count >= 0 && (size_t)count <= n);
        free(copy);
    }
}

static void test_id_put_in(void **state)
{
    (void)state;
    buf out;
    buf_init(&out, 1 << 20);
    const char *text = " {\"resourceType\":\"Patient\"}";
    assert_int_equal(fhir_resource_with_id(text, strlen(text), ID_INSERT, "p\"1", &out), 0);
    assert_string_equal(buf_cstr(&out), " {\"id\":\"p\\\"1\",\"resourceType\":\"Patient\"}");
    buf_reset(&out);
    assert_int_equal(fhir_resource_with_id("{ }", 3, ID_INSERT, "x", &out), 0);
    assert_string_equal(buf_cstr(&out), "{\"id\":\"x\" }");
    buf_reset(&out);
    text = "{\"id\":\"old\",\"resourceType\":\"Patient\"}";
    assert_int_equal(fhir_resource_with_id(text, strlen(text), ID_REPLACE, "new", &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"id\":\"new\""));
    assert_null(strstr(buf_cstr(&out), "old"));
    buf_reset(&out);
    assert_int_equal(fhir_resource_with_id(text, strlen(text), ID_IN_TEXT, "ignored", &out), 0);
    assert_string_equal(buf_cstr(&out), text);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans_are_the_bytes_received),
        cmocka_unit_test(test_bytes_that_are_not_json_end),
        cmocka_unit_test(test_id_put_in),
    };
    return cmocka_run_group_tests_name("fhir_span", tests, NULL, NULL);
}
