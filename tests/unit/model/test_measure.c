#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "model/measure.h"
#include "testutil.h"

static double convert(enum measure_kind kind, const char *unit, double v)
{
    double out;
    verr e;
    if (measure_to_canonical(kind, unit, strlen(unit), v, &out, &e) != 0) fail_msg("%s", e.msg);
    return out;
}

static void codes_map_to_kinds(void **state)
{
    (void)state;
    const struct measure_code *c = measure_code_lookup(MEASURE_SYSTEM_LOINC, 16, "29463-7", 7);
    assert_non_null(c);
    assert_int_equal(c->kind, MEASURE_WEIGHT);
    c = measure_code_lookup(MEASURE_SYSTEM_LOINC, 16, "85354-9", 7);
    assert_int_equal(c->part, PART_PANEL);
    c = measure_code_lookup(MEASURE_SYSTEM_SNOMED, strlen(MEASURE_SYSTEM_SNOMED), "1912002", 7);
    assert_int_equal(c->kind, MEASURE_FALL);
    assert_null(measure_code_lookup(MEASURE_SYSTEM_SNOMED, strlen(MEASURE_SYSTEM_SNOMED), "29463-7",
                                    7));
    assert_null(measure_code_lookup(MEASURE_SYSTEM_LOINC, 16, "1234-5", 6));
}

static void units_convert_to_canonical(void **state)
{
    (void)state;
    assert_near(convert(MEASURE_WEIGHT, "g", 71000), 71.0, 1e-9);
    assert_near(convert(MEASURE_WEIGHT, "[lb_av]", 185), 83.9145884, 1e-6);
    assert_near(convert(MEASURE_GLUCOSE, "mmol/L", 3.0), 54.048, 1e-9);
    assert_near(convert(MEASURE_GLUCOSE, "g/L", 0.54), 54.0, 1e-9);
    assert_near(convert(MEASURE_TEMPERATURE, "[degF]", 98.6), 37.0, 1e-9);
    assert_near(convert(MEASURE_BLOOD_PRESSURE, "kPa", 24), 180.01488, 1e-9);
    assert_near(convert(MEASURE_FALL, "min", 2), 120, 1e-9);
    double out;
    verr e;
    assert_int_equal(measure_to_canonical(MEASURE_WEIGHT, "mg/dL", 5, 1, &out, &e), -1);
    assert_non_null(strstr(e.msg, "kg, g or [lb_av]"));
}

static void ranges_reject_impossible(void **state)
{
    (void)state;
    verr e;
    assert_int_equal(measure_check_range(MEASURE_HEART_RATE, PART_VALUE, 900, &e), -1);
    assert_non_null(strstr(e.msg, "heart rate 900"));
    assert_int_equal(measure_check_range(MEASURE_SPO2, PART_VALUE, 130, &e), -1);
    assert_int_equal(measure_check_range(MEASURE_WEIGHT, PART_VALUE, -3, &e), -1);
    assert_int_equal(measure_check_range(MEASURE_WEIGHT, PART_VALUE, NAN, &e), -1);
    assert_int_equal(measure_check_range(MEASURE_SPO2, PART_VALUE, 100, &e), 0);
    assert_int_equal(measure_check_range(MEASURE_BLOOD_PRESSURE, PART_DIASTOLIC, 260, &e), -1);
    assert_int_equal(measure_check_range(MEASURE_BLOOD_PRESSURE, PART_SYSTOLIC, 260, &e), 0);
}

static void acvpu_words(void **state)
{
    (void)state;
    assert_int_equal(measure_acvpu_from_text("A", 1), ACVPU_A);
    assert_int_equal(measure_acvpu_from_text("u", 1), ACVPU_U);
    assert_int_equal(measure_acvpu_from_text("New confusion", 13), ACVPU_C);
    assert_int_equal(measure_acvpu_from_text("X", 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_map_to_kinds),
        cmocka_unit_test(units_convert_to_canonical),
        cmocka_unit_test(ranges_reject_impossible),
        cmocka_unit_test(acvpu_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
