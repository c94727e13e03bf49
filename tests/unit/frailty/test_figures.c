/* Territory figures and worklist: each patient counted once, by the latest screening; the
 * enrolled aged 60 and over never screened are due from their enrolment start. */
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

/* Screenings only. */
static struct frailty_population screenings_only(const struct frailty_screening *list, size_t n)
{
    return (struct frailty_population){list, n, NULL, 0};
}

static void figures(void **state)
{
    (void)state;
    size_t n;
    const struct frailty_screening *list = territory(&n);
    struct frailty_population pop = screenings_only(list, n);
    struct frailty_figures f;
    frailty_figures_compute(&pop, test_ms(2026, 3, 4), &f);
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
                        "\"never_screened\":0,\"overdue\":2}");
    buf_free(&out);
}

static void figures_of_nothing(void **state)
{
    (void)state;
    struct frailty_population pop = {0};
    struct frailty_figures f;
    frailty_figures_compute(&pop, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screened + f.screenings + f.positive_any + f.never_screened + f.overdue, 0);
    buf out;
    buf_init(&out, 4096);
    assert_int_equal(frailty_figures_write_json(&f, NULL, &out), 0);
    assert_non_null(strstr(buf_cstr(&out), "{\"territory\":null,"));
    buf_free(&out);
    struct frailty_worklist_entry entry;
    assert_int_equal(frailty_worklist(&pop, test_ms(2026, 3, 4), &entry), 0);
}

static void same_day_later_row_wins(void **state)
{
    (void)state;
    /* an amended screening stored after the first one, same day */
    struct frailty_screening list[] = {
        {"p1", test_day(2026, 1, 5), MOOD},
        {"p1", test_day(2026, 1, 5), 0},
    };
    struct frailty_population pop = screenings_only(list, 2);
    struct frailty_figures f;
    frailty_figures_compute(&pop, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screened, 1);
    assert_int_equal(f.positive_any, 0);
}

static void worklist_most_overdue_first(void **state)
{
    (void)state;
    size_t n;
    const struct frailty_screening *list = territory(&n);
    struct frailty_population pop = screenings_only(list, n);
    struct frailty_worklist_entry entries[4];
    size_t k = frailty_worklist(&pop, test_ms(2026, 3, 4), entries);
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
                        "{\"patient\":\"Patient/p3\",\"never_screened\":false,"
                        "\"last_screened\":\"2025-03-01\","
                        "\"last_positive\":[\"nutrition\",\"mood\"],\"due\":\"2025-07-01\","
                        "\"days_overdue\":246},"
                        "{\"patient\":\"Patient/p1\",\"never_screened\":false,"
                        "\"last_screened\":\"2025-09-01\","
                        "\"last_positive\":[\"mobility\"],\"due\":\"2026-01-01\","
                        "\"days_overdue\":62}]}");
    buf_free(&out);

    /* on p3's due day it is not yet overdue; the day after it is */
    k = frailty_worklist(&pop, test_ms(2025, 7, 1), entries);
    assert_int_equal(k, 0);
    k = frailty_worklist(&pop, test_ms(2025, 7, 2), entries);
    assert_int_equal(k, 1);
    assert_string_equal(entries[0].patient_id, "p3");
}

static void first_due_day(void **state)
{
    (void)state;
    int64_t due = 0, now = test_ms(2026, 3, 4);
    /* 79, enrolled on 10 January: due from the enrolment */
    assert_true(frailty_first_due_day(test_ms(1946, 5, 2), test_day(2026, 1, 10), now, &due));
    assert_int_equal(due, test_day(2026, 1, 10));
    /* enrolled at 59, 60 on 1 February 2026: due on the birthday */
    assert_true(frailty_first_due_day(test_ms(1966, 2, 1), test_day(2025, 6, 1), now, &due));
    assert_int_equal(due, test_day(2026, 2, 1));
    /* 60 today: due (today); 60 tomorrow: not yet */
    assert_true(frailty_first_due_day(test_ms(1966, 3, 4), test_day(2025, 6, 1), now, &due));
    assert_int_equal(due, test_day(2026, 3, 4));
    assert_false(frailty_first_due_day(test_ms(1966, 3, 5), test_day(2025, 6, 1), now, &due));
    /* no birth date: the age is unknown, nothing is due */
    assert_false(frailty_first_due_day(FRAILTY_NO_BIRTH_DATE, test_day(2025, 6, 1), now, &due));
    /* born 29 February 1964: 60 on 29 February 2024, a leap year */
    assert_true(frailty_first_due_day(test_ms(1964, 2, 29), test_day(2020, 1, 1), now, &due));
    assert_int_equal(due, test_day(2024, 2, 29));
    /* born 29 February 2040: 60 on 1 March 2100, a common year (as frailty_age_years) */
    assert_true(frailty_first_due_day(test_ms(2040, 2, 29), test_day(2090, 1, 1),
                                      test_ms(2100, 3, 1), &due));
    assert_int_equal(due, test_day(2100, 3, 1));
    assert_int_equal(frailty_age_years(test_ms(2040, 2, 29), test_day(2100, 3, 1)), 60);
    assert_false(frailty_first_due_day(test_ms(2040, 2, 29), test_day(2090, 1, 1),
                                       test_ms(2100, 2, 28), &due));
    /* an enrolment starting later than today: due then, not before */
    assert_true(frailty_first_due_day(test_ms(1946, 5, 2), test_day(2026, 4, 1), now, &due));
    assert_int_equal(due, test_day(2026, 4, 1));
}

/* The territory's screenings (above) and its enrolled patients, seen on 4 March 2026:
 *   p1: screened (counts by its screenings, not as never screened)
 *   p4: 79, enrolled 2026-01-10 (listed twice) -> due 2026-01-10, 53 days overdue
 *   p5: 80, enrolled today -> due today, never screened but not overdue
 *   p6: 59 -> not due
 *   p7: no birth date -> not due
 *   p8: 60 on 2026-02-01, enrolled 2025-06-01 -> due 2026-02-01, 31 days overdue */
static const struct frailty_enrolled *enrolled(size_t *count)
{
    static struct frailty_enrolled list[7];
    list[0] = (struct frailty_enrolled){"p4", test_ms(1946, 5, 2), test_day(2026, 1, 10)};
    list[1] = (struct frailty_enrolled){"p1", test_ms(1940, 1, 1), test_day(2024, 1, 1)};
    list[2] = (struct frailty_enrolled){"p5", test_ms(1945, 7, 14), test_day(2026, 3, 4)};
    list[3] = (struct frailty_enrolled){"p6", test_ms(1966, 9, 1), test_day(2025, 1, 1)};
    list[4] = (struct frailty_enrolled){"p7", FRAILTY_NO_BIRTH_DATE, test_day(2025, 1, 1)};
    list[5] = (struct frailty_enrolled){"p8", test_ms(1966, 2, 1), test_day(2025, 6, 1)};
    list[6] = (struct frailty_enrolled){"p4", test_ms(1946, 5, 2), test_day(2026, 1, 10)};
    *count = 7;
    return list;
}

static void never_screened(void **state)
{
    (void)state;
    size_t n, m;
    const struct frailty_screening *list = territory(&n);
    const struct frailty_enrolled *en = enrolled(&m);
    struct frailty_population pop = {list, n, en, m};
    struct frailty_figures f;
    frailty_figures_compute(&pop, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.screened, 3);
    assert_int_equal(f.never_screened, 3); /* p4, p5, p8 */
    assert_int_equal(f.overdue, 4);        /* p1, p3, and p4, p8 */

    struct frailty_worklist_entry entries[11];
    size_t k = frailty_worklist(&pop, test_ms(2026, 3, 4), entries);
    assert_int_equal(k, 4);
    assert_string_equal(entries[0].patient_id, "p3");
    assert_string_equal(entries[1].patient_id, "p1");
    assert_string_equal(entries[2].patient_id, "p4");
    assert_true(entries[2].never_screened);
    assert_int_equal(entries[2].days_overdue, 53);
    assert_int_equal(entries[2].due_day, test_day(2026, 1, 10));
    assert_string_equal(entries[3].patient_id, "p8");
    assert_int_equal(entries[3].days_overdue, 31);
    assert_false(entries[0].never_screened);

    buf out;
    buf_init(&out, 4096);
    assert_int_equal(
        frailty_worklist_write_json(entries + 2, 1, "t-27-1", test_ms(2026, 3, 4), &out), 0);
    assert_string_equal(buf_cstr(&out),
                        "{\"territory\":\"t-27-1\",\"as_of\":\"2026-03-04\",\"overdue\":["
                        "{\"patient\":\"Patient/p4\",\"never_screened\":true,"
                        "\"last_screened\":null,\"last_positive\":[],\"due\":\"2026-01-10\","
                        "\"days_overdue\":53}]}");
    buf_free(&out);

    /* the day after p5's enrolment it is overdue too */
    frailty_figures_compute(&pop, test_ms(2026, 3, 5), &f);
    assert_int_equal(f.overdue, 5);
    /* without screenings, the enrolled alone: p1 is then never screened too (due 2024-01-01) */
    struct frailty_population alone = {NULL, 0, en, m};
    k = frailty_worklist(&alone, test_ms(2026, 3, 4), entries);
    assert_int_equal(k, 3);
    assert_string_equal(entries[0].patient_id, "p1");
    frailty_figures_compute(&alone, test_ms(2026, 3, 4), &f);
    assert_int_equal(f.never_screened, 4); /* p1 has no screening here */
    assert_int_equal(f.screened, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures),
        cmocka_unit_test(figures_of_nothing),
        cmocka_unit_test(same_day_later_row_wins),
        cmocka_unit_test(worklist_most_overdue_first),
        cmocka_unit_test(first_due_day),
        cmocka_unit_test(never_screened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
