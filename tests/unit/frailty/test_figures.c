/* Territory figures and worklist: each patient counted once, by the latest screening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frailty_test.h"

#define MOBILITY  FRAILTY_BIT(FRAILTY_MOBILITY)
#define NUTRITION FRAILTY_BIT(FRAILTY_NUTRITION)
#define MOOD      FRAILTY_BIT(FRAILTY_MOOD)

/* Four screenings of three patients, seen on 4 March 2026:
 *   p1: 2025-01-10 negative, then 2025-09-01 mobility -> due 2026-01-01, 62 days overdue
 *   p2: 2025-12-01 negative -> due 2026-06-01, not due
 *   p3: 2025-03-01 nutrition and mood -> due 2025-07-01, 246 days overdue */
static const struct frailty_screening *territory(size_t *count)
{
    static struct frailty_screening list[4];
    list[0] = (struct frailty_screening){"p1", test_day(2025, 9, 1), MOBILITY};
    list[1] = (struct frailty_screening){"p3", test_day(2025, 3, 1), NUTRITION | MOOD};
    list[2] = (struct frailty_screening){"p2", test_day(2025, 12, 1), 0};
    list[3] = (struct frailty_screening){"p1", test_day(2025, 1, 10), 0};
    *count = 4;
    return list;
}

static void figures(void **state)
{
    (void)state;
    size_t n;
    const struct frailty_screening *list = territory(&n);
    struct frailty_figures f;
    frailty_figures_compute(list, n, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screenings, 4);
    assert_int_equal(f.screened, 3);
    assert_int_equal(f.positive_any, 2);
    assert_int_equal(f.positive[FRAILTY_MOBILITY], 1);
    assert_int_equal(f.positive[FRAILTY_NUTRITION], 1);
    assert_int_equal(f.positive[FRAILTY_MOOD], 1);
    assert_int_equal(f.positive[FRAILTY_COGNITION], 0);
    assert_int_equal(f.overdue, 2);

    buf out;
    buf_init(&out, 4096);
    assert_int_equal(frailty_figures_write_json(&f, "t-27-1", &out), 0);
    assert_string_equal(buf_cstr(&out),
                        "{\"territory\":\"t-27-1\",\"as_of\":\"2026-03-04\",\"screenings\":4,"
                        "\"screened\":3,\"positive_any\":2,\"positive\":{\"cognition\":0,"
                        "\"mobility\":1,\"nutrition\":1,\"vision\":0,\"hearing\":0,\"mood\":1},"
                        "\"overdue\":2}");
    buf_free(&out);
}

static void figures_of_nothing(void **state)
{
    (void)state;
    struct frailty_figures f;
    frailty_figures_compute(NULL, 0, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screened + f.screenings + f.positive_any + f.overdue, 0);
    buf out;
    buf_init(&out, 4096);
    assert_int_equal(frailty_figures_write_json(&f, NULL, &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "{\"territory\":null,"));
    buf_free(&out);
    struct frailty_worklist_entry entry;
    assert_int_equal(frailty_worklist(NULL, 0, test_ms(2026, 3, 4), &entry), 0);
}

static void same_day_later_row_wins(void **state)
{
    (void)state;
    /* an amended screening stored after the first one, same day */
    struct frailty_screening list[] = {
        {"p1", test_day(2026, 1, 5), MOOD},
        {"p1", test_day(2026, 1, 5), 0},
    };
    struct frailty_figures f;
    frailty_figures_compute(list, 2, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screened, 1);
    assert_int_equal(f.positive_any, 0);
}

static void worklist_most_overdue_first(void **state)
{
    (void)state;
    size_t n;
    const struct frailty_screening *list = territory(&n);
    struct frailty_worklist_entry entries[4];
    size_t k = frailty_worklist(list, n, test_ms(2026, 3, 4), entries);
    assert_int_equal(k, 2);
    assert_string_equal(entries[0].patient_id, "p3");
    assert_int_equal(entries[0].days_overdue, 246);
    assert_int_equal(entries[0].due_day, test_day(2025, 7, 1));
    assert_string_equal(entries[1].patient_id, "p1");
    assert_int_equal(entries[1].days_overdue, 62);
    assert_int_equal(entries[1].last_day, test_day(2025, 9, 1));
    assert_int_equal(entries[1].last_positive, MOBILITY);

    buf out;
    buf_init(&out, 4096);
    assert_int_equal(frailty_worklist_write_json(entries, k, "t-27-1", test_ms(2026, 3, 4), &out),
                     0);
    assert_string_equal(buf_cstr(&out),
                        "{\"territory\":\"t-27-1\",\"as_of\":\"2026-03-04\",\"overdue\":["
                        "{\"patient\":\"Patient/p3\",\"last_screened\":\"2025-03-01\","
                        "\"last_positive\":[\"nutrition\",\"mood\"],\"due\":\"2025-07-01\","
                        "\"days_overdue\":246},"
                        "{\"patient\":\"Patient/p1\",\"last_screened\":\"2025-09-01\","
                        "\"last_positive\":[\"mobility\"],\"due\":\"2026-01-01\","
                        "\"days_overdue\":62}]}");
    buf_free(&out);

    /* on p3's due day it is not yet overdue; the day after it is */
    k = frailty_worklist(list, n, test_ms(2025, 7, 1), entries);
    assert_int_equal(k, 0);
    k = frailty_worklist(list, n, test_ms(2025, 7, 2), entries);
    assert_int_equal(k, 1);
    assert_string_equal(entries[0].patient_id, "p3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures),
        cmocka_unit_test(figures_of_nothing),
        cmocka_unit_test(same_day_later_row_wins),
        cmocka_unit_test(worklist_most_overdue_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
