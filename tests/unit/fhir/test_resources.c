#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhir.h"
#include "testutil.h"

static const struct fhir_limits limits = {.now_ms = 1772608320000LL,
                                          .future_tolerance_ms = 600000};

static json_t *load(const char *text)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(text, strlen(text), &oo);
    if (!j) fail_msg("%s", oo.issues[0].diagnostics);
    fhir_outcome_free(&oo);
    return j;
}

static void patient_identifiers_and_commune(void **state)
{
    (void)state;
    json_t *j = load("{\"resourceType\":\"Patient\",\"id\":\"p-001\",\"identifier\":[{\"system\":"
                     "\"urn:oid:1.2.250.1.213.1.4.8\",\"value\":\"1840375123456\"}],\"gender\":"
                     "\"female\",\"birthDate\":\"1941-05-02\",\"address\":[{\"city\":\"Évreux\","
                     "\"district\":\"27229\"}]}");
    struct fhir_patient p;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(fhir_patient_parse(j, &p, &oo), 0);
    assert_string_equal(p.id, "p-001");
    assert_int_equal(p.identifier_count, 1);
    assert_string_equal(p.identifiers[0].value, "1840375123456");
    assert_string_equal(p.commune, "27229");
    assert_true(p.has_birth_date);
    json_decref(j);

    j = load("{\"resourceType\":\"Patient\",\"id\":\"bad id!\",\"gender\":\"f\"}");
    assert_int_equal(fhir_patient_parse(j, &p, &oo), -1);
    assert_string_equal(oo.issues[0].expression, "Patient.id");
    assert_string_equal(oo.issues[1].expression, "Patient.gender");
    json_decref(j);
    fhir_outcome_free(&oo);
}

static void condition_snomed_and_status(void **state)
{
    (void)state;
    json_t *j = load("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p1\"},"
                     "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                     "\"13645005\",\"display\":\"COPD\"}]},\"clinicalStatus\":{\"coding\":[{"
                     "\"code\":\"active\"}]}}");
    struct fhir_condition c;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(fhir_condition_parse(j, &c, &oo), 0);
    assert_int_equal(c.code_count, 1);
    assert_string_equal(c.codes[0], "13645005");
    assert_true(c.active);
    assert_string_equal(c.subject.id, "p1");
    json_decref(j);
    j = load("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p1\"},"
             "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"84114007\"}]},"
             "\"clinicalStatus\":{\"coding\":[{\"code\":\"resolved\"}]}}");
    assert_int_equal(fhir_condition_parse(j, &c, &oo), 0);
    assert_false(c.active);
    json_decref(j);
    fhir_outcome_free(&oo);
}

static void communication_text_and_role(void **state)
{
    (void)state;
    json_t *j = load("{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{"
                     "\"reference\":\"Patient/p1\"},\"sender\":{\"reference\":"
                     "\"RelatedPerson/r1\"},\"sent\":\"2026-03-04T06:00:00Z\",\"payload\":[{"
                     "\"contentString\":\"Essoufflée depuis ce matin\"},{\"contentString\":"
                     "\"pas de douleur\"}]}");
    struct fhir_communication c;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(fhir_communication_parse(j, &limits, &c, &oo), 0);
    assert_int_equal(c.sender_role, SENDER_CAREGIVER);
    assert_string_equal(c.text, "Essoufflée depuis ce matin\npas de douleur");
    assert_int_equal(c.sent_ms, 1772604000000LL);
    fhir_communication_free(&c);
    json_decref(j);
    /* explicit role beats the reference type; missing payload is an error */
    j = load("{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{"
             "\"reference\":\"Patient/p1\"},\"category\":[{\"coding\":[{\"system\":"
             "\"urn:vigie:sender-role\",\"code\":\"ambulance\"}]}],\"sent\":"
             "\"2026-03-04T06:00:00Z\"}");
    assert_int_equal(fhir_communication_parse(j, &limits, &c, &oo), -1);
    assert_string_equal(oo.issues[0].expression, "Communication.payload");
    json_decref(j);
    fhir_outcome_free(&oo);
}

static void service_request_priority(void **state)
{
    (void)state;
    json_t *j = load("{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":"
                     "\"order\",\"priority\":\"asap\",\"subject\":{\"reference\":\"Patient/p1\"},"
                     "\"authoredOn\":\"2026-03-04T06:30:00+01:00\",\"code\":{\"text\":"
                     "\"Avis cardiologique\"},\"reasonCode\":[{\"text\":\"oedèmes des membres "
                     "inférieurs\"}]}");
    struct fhir_service_request r;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    assert_int_equal(fhir_service_request_parse(j, &limits, &r, &oo), 0);
    assert_int_equal(r.priority, PRIORITY_ASAP);
    assert_string_equal(r.text, "Avis cardiologique\noedèmes des membres inférieurs");
    fhir_service_request_free(&r);
    json_decref(j);
    j = load("{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"priority\":\"now\","
             "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2026-03-04T06:30:00Z\"}");
    assert_int_equal(fhir_service_request_parse(j, &limits, &r, &oo), -1);
    assert_string_equal(oo.issues[0].expression, "ServiceRequest.priority");
    json_decref(j);
    fhir_outcome_free(&oo);
}

static void outcome_json_and_merge(void **state)
{
    (void)state;
    struct fhir_outcome a, b;
    fhir_outcome_init(&a);
    fhir_outcome_init(&b);
    fhir_outcome_add(&b, FHIR_ERROR, 422, "value", "Observation.valueQuantity.value",
                     "weight \"-3\" is impossible");
    fhir_outcome_merge(&a, &b, "Bundle.entry[2].resource");
    assert_string_equal(a.issues[0].expression, "Bundle.entry[2].resource.valueQuantity.value");
    buf out;
    buf_init(&out, 4096);
    fhir_outcome_write(&a, &out);
    json_t *j = load(buf_cstr(&out));
    assert_string_equal(json_string_value(json_object_get(j, "resourceType")), "OperationOutcome");
    json_t *issue = json_array_get(json_object_get(j, "issue"), 0);
    assert_string_equal(json_string_value(json_object_get(issue, "diagnostics")),
                        "weight \"-3\" is impossible");
    json_decref(j);
    buf_free(&out);
    fhir_outcome_free(&a);
    fhir_outcome_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patient_identifiers_and_commune),
        cmocka_unit_test(condition_snomed_and_status),
        cmocka_unit_test(communication_text_and_role),
        cmocka_unit_test(service_request_priority),
        cmocka_unit_test(outcome_json_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
