/* CSV reading and the communes table: layouts detected by header name, and errors that
 * name the file, the line, the column and the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/communes.h"
#include "territory/csvfile.h"

static void reads_fields_quotes_and_blank_lines(void **state)
{
    (void)state;
    csvfile *f = test_open_text("t.csv", "\xEF\xBB\xBF"
                                         "code,nom,population\r\n"
                                         "01001, L'Abergement ,860\r\n"
                                         "\r\n"
                                         "\"13055\",\"Marseille, \"\"la\"\" cite\",873076\n"
                                         "2A004,\"two\nlines\",\n");
    verr e;
    assert_int_equal(csvfile_column_count(f), 3);
    assert_string_equal(csvfile_column_name(f, 0), "code");
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_line(f), 2);
    assert_string_equal(csvfile_field(f, 1), "L'Abergement");
    double v;
    assert_int_equal(csvfile_field_double(f, 2, &v, &e), 1);
    assert_near(v, 860, 0);
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_line(f), 4);
    assert_string_equal(csvfile_field(f, 0), "13055");
    assert_string_equal(csvfile_field(f, 1), "Marseille, \"la\" cite");
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_line(f), 5);
    assert_string_equal(csvfile_field(f, 1), "two\nlines");
    assert_int_equal(csvfile_field_double(f, 2, &v, &e), 0); /* empty: no value */
    assert_int_equal(csvfile_next(f, &e), 0);
    csvfile_close(f);
}

static void semicolon_files_take_decimal_commas(void **state)
{
    (void)state;
    csvfile *f = test_open_text("fr.csv", "code;apl\n01001;2,076\n");
    verr e;
    assert_int_equal(csvfile_next(f, &e), 1);
    double v;
    assert_int_equal(csvfile_field_double(f, 1, &v, &e), 1);
    assert_near(v, 2.076, 1e-12);
    csvfile_close(f);
}

static void errors_name_file_line_and_column(void **state)
{
    (void)state;
    verr e;
    csvfile *f = test_open_text("pop.csv", "code,population\n01001,860\n01002,abc\n");
    double v;
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_field_double(f, 1, &v, &e), -1);
    assert_string_equal(e.msg, "pop.csv:3: column 2 'population': 'abc' is not a number");
    csvfile_close(f);

    const char *not_numbers[] = {"nan", "inf", "0x10", "1e999", "1.2.3", "--1"};
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++) {
        char text[64];
        snprintf(text, sizeof text, "code,x\nA,%s\n", not_numbers[i]);
        f = test_open_text("n.csv", text);
        assert_int_equal(csvfile_next(f, &e), 1);
        if (csvfile_field_double(f, 1, &v, &e) != -1) fail_msg("%s accepted", not_numbers[i]);
        csvfile_close(f);
    }

    f = test_open_text("short.csv", "a,b,c\n1,2,3\n4,5\n");
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_next(f, &e), -1);
    assert_string_equal(e.msg, "short.csv:3: 2 fields, but the header has 3");
    csvfile_close(f);

    f = test_open_text("quote.csv", "a,b\n1,\"open\n");
    assert_int_equal(csvfile_next(f, &e), -1);
    assert_non_null(strstr(e.msg, "quote.csv:2: field 2: quote opened and never closed"));
    csvfile_close(f);

    f = test_open_text("cols.csv", "x,y\n");
    static const char *const wanted[] = {"code_insee", "code", NULL};
    assert_int_equal(csvfile_require_column(f, wanted, &e), -1);
    assert_string_equal(e.msg, "cols.csv: no column 'code_insee' or 'code' in the header");
    csvfile_close(f);

    assert_null(csvfile_open_memory("empty.csv", "\n\n", 2, &e));
    assert_non_null(strstr(e.msg, "empty.csv: empty file"));
    assert_null(csvfile_open("/nonexistent/communes.csv", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/communes.csv: "));
}

static void dates_and_integers(void **state)
{
    (void)state;
    verr e;
    csvfile *f = test_open_text("d.csv", "day,n\n2026-03-04,12\n2026-02-30,1.5\n");
    int64_t days, n;
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_field_date(f, 0, &days, &e), 1);
    assert_int_equal(days, 20516); /* 2026-03-04 */
    assert_int_equal(csvfile_field_int(f, 1, &n, &e), 1);
    assert_int_equal(n, 12);
    assert_int_equal(csvfile_next(f, &e), 1);
    assert_int_equal(csvfile_field_date(f, 0, &days, &e), -1);
    assert_string_equal(e.msg, "d.csv:3: column 1 'day': '2026-02-30' is not a date YYYY-MM-DD");
    assert_int_equal(csvfile_field_int(f, 1, &n, &e), -1);
    csvfile_close(f);
}

static void communes_from_the_shared_layout(void **state)
{
    (void)state;
    verr e;
    struct commune_table t;
    communes_init(&t);
    csvfile *f = test_open_text("communes.csv",
                                "code_insee,nom,departement,region,population,lat,lon\n"
                                "01001,L'Abergement-Clémenciat,01,84,860,46.153595,4.925824\n"
                                "2A004,Ajaccio,2A,94,74615,41.9,8.7\n"
                                "98411,Îles Saint-Paul,984,984,,,\n");
    assert_int_equal(communes_read_csv(&t, f, &e), 0);
    csvfile_close(f);
    assert_int_equal(t.count, 3);
    long ajaccio = communes_find(&t, "2A004");
    assert_int_equal(ajaccio, 1);
    assert_string_equal(t.communes[1].name, "Ajaccio");
    assert_string_equal(t.communes[1].departement, "2A");
    assert_near(t.communes[1].population, 74615, 0);
    assert_true(isnan(t.communes[2].population));
    assert_true(isnan(t.communes[2].lat));
    assert_true(isnan(t.communes[0].population_standardised));
    assert_int_equal(communes_find(&t, "99999"), -1);

    /* Values joined by code: supply adds up over rows, unknown codes are errors. */
    double supply[3];
    static const char *const supply_columns[] = {"supply", NULL};
    struct communes_values_options opt = {
        .value_columns = supply_columns, .sum_duplicates = true, .missing = 0};
    f = test_open_text("supply.csv", "code,supply\n01001,1000\n01001,500\n2A004,\n");
    assert_int_equal(communes_read_values(&t, f, &opt, supply, &e), 2);
    csvfile_close(f);
    assert_near(supply[0], 1500, 0);
    assert_near(supply[1], 0, 0);
    f = test_open_text("supply.csv", "code,supply\n01001,1000\n75056,3\n");
    assert_int_equal(communes_read_values(&t, f, &opt, supply, &e), -1);
    assert_string_equal(e.msg, "supply.csv:3: column 1 'code': commune '75056' is not in the "
                               "communes table");
    csvfile_close(f);
    f = test_open_text("supply.csv", "code,supply\n01001,-3\n");
    assert_int_equal(communes_read_values(&t, f, &opt, supply, &e), -1);
    assert_string_equal(e.msg, "supply.csv:2: column 2 'supply': -3 is negative");
    csvfile_close(f);
    communes_free(&t);
}

static void communes_errors_and_derived_codes(void **state)
{
    (void)state;
    verr e;
    struct commune_table t;
    communes_init(&t);
    csvfile *f = test_open_text("c.csv", "code,population,lat,lon\n01001,10,46,5\n01001,20,46,5\n");
    assert_int_equal(communes_read_csv(&t, f, &e), -1);
    assert_string_equal(e.msg, "c.csv:3: column 1 'code': commune '01001' appears twice");
    csvfile_close(f);
    communes_free(&t);

    communes_init(&t);
    f = test_open_text("c.csv", "code,population,lat,lon\n01001,10,146,5\n");
    assert_int_equal(communes_read_csv(&t, f, &e), -1);
    assert_string_equal(e.msg, "c.csv:2: column 3 'lat': 146 is out of range [-90, 90]");
    csvfile_close(f);
    communes_free(&t);

    char dep[COMMUNE_AREA_CODE_MAX];
    communes_departement_of("75101", dep);
    assert_string_equal(dep, "75");
    communes_departement_of("97411", dep);
    assert_string_equal(dep, "974");
    communes_departement_of("2B033", dep);
    assert_string_equal(dep, "2B");
    communes_departement_of("1", dep);
    assert_string_equal(dep, "");

    /* Regions come from a départements file when the communes file has none. */
    communes_init(&t);
    f = test_open_text("c.csv", "code\n01001\n97411\n");
    assert_int_equal(communes_read_csv(&t, f, &e), 0);
    csvfile_close(f);
    f = test_open_text("departements.csv", "code,nom,region\n01,Ain,84\n974,La Réunion,04\n");
    assert_int_equal(communes_read_regions(&t, f, &e), 0);
    csvfile_close(f);
    assert_string_equal(t.communes[0].region, "84");
    assert_string_equal(t.communes[1].region, "04");
    communes_free(&t);
}

/* The real communes file, when present: 34,969 rows, the centroid of Paris as documented. */
static void reads_the_shared_communes_file(void **state)
{
    (void)state;
    char path[1024];
    if (!test_data_file("communes.csv", path, sizeof path)) skip();
    verr e;
    csvfile *f = csvfile_open(path, &e);
    assert_non_null(f);
    struct commune_table t;
    communes_init(&t);
    if (communes_read_csv(&t, f, &e) < 0) fail_msg("%s", e.msg);
    csvfile_close(f);
    assert_int_equal(t.count, 34969);
    long paris = communes_find(&t, "75056");
    assert_true(paris >= 0);
    assert_near(t.communes[paris].lat, 48.856611, 1e-9);
    assert_near(t.communes[paris].lon, 2.342804, 1e-9);
    communes_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_fields_quotes_and_blank_lines),
        cmocka_unit_test(semicolon_files_take_decimal_commas),
        cmocka_unit_test(errors_name_file_line_and_column),
        cmocka_unit_test(dates_and_integers),
        cmocka_unit_test(communes_from_the_shared_layout),
        cmocka_unit_test(communes_errors_and_derived_codes),
        cmocka_unit_test(reads_the_shared_communes_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
