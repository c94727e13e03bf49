/* The access rules (auth.h), checked against a table written out by hand from DESIGN.md §1
 * and issue 5, so that a change in auth.c shows here as a changed rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "auth/auth.h"

static char *t01[] = {"T01"};
static char *t01_t02[] = {"T01", "T02"};
static char *linked[] = {"p-linked"};

static struct auth_principal principal(enum auth_role role, char **territories, size_t nt,
                                       char **patients, size_t np)
{
    struct auth_principal p = {.user_id = 1, .role = role};
    p.territories = territories;
    p.territory_count = nt;
    p.patients = patients;
    p.patient_count = np;
    return p;
}

/* Targets: a patient of T01 (own territory), one of T02 (other territory), the linked
 * patient (enrolled in T01), and a patient of T01 that is not linked. */
enum target { OWN, OTHER_TERRITORY, LINKED, NOT_LINKED, TARGETS };

static const char *target_patient[TARGETS] = {"p-own", "p-t02", "p-linked", "p-t01"};
static const char *target_territory[TARGETS] = {"T01", "T02", "T01", "T01"};

struct rule {
    const char *who;
    struct auth_principal p;
    /* allowed[access][target] */
    bool allowed[5][TARGETS];
};

static void patient_rules(void **state)
{
    (void)state;
    /* access order: READ, WRITE_MEASURE, WRITE_REPORT, WRITE_CLINICAL, MANAGE */
    struct rule rules[] = {
        {"coordinator of T01",
         principal(ROLE_COORDINATOR, t01, 1, NULL, 0),
         {{1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}}},
        {"coordinator of T01 and T02",
         principal(ROLE_COORDINATOR, t01_t02, 2, NULL, 0),
         {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
        {"professional of T01",
         principal(ROLE_PROFESSIONAL, t01, 1, NULL, 0),
         {{1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}}},
        {"caregiver linked to p-linked",
         principal(ROLE_CAREGIVER, NULL, 0, linked, 1),
         {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}},
        {"gateway linked to p-linked",
         principal(ROLE_GATEWAY, NULL, 0, linked, 1),
         {{0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}},
        {"gateway bound to T01",
         principal(ROLE_GATEWAY, t01, 1, NULL, 0),
         {{0, 0, 0, 0}, {1, 0, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}},
        {"planner of T01",
         principal(ROLE_PLANNER, t01, 1, NULL, 0),
         {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 1, 1}}},
        {"admin",
         principal(ROLE_ADMIN, NULL, 0, NULL, 0),
         {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}}},
    };
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        for (int a = ACCESS_READ; a <= ACCESS_MANAGE; a++)
            for (int t = 0; t < TARGETS; t++) {
                bool got = auth_may_patient(&rules[r].p, (enum auth_access)a, target_patient[t],
                                            target_territory[t]);
                if (got != rules[r].allowed[a][t])
                    fail_msg("%s, access %d on %s: %s, expected %s", rules[r].who, a,
                             target_patient[t], got ? "allowed" : "denied",
                             rules[r].allowed[a][t] ? "allowed" : "denied");
            }
}

static void patient_without_territory(void **state)
{
    (void)state;
    struct auth_principal coord = principal(ROLE_COORDINATOR, t01, 1, NULL, 0);
    struct auth_principal admin = principal(ROLE_ADMIN, NULL, 0, NULL, 0);
    assert_false(auth_may_patient(&coord, ACCESS_READ, "p-x", NULL));
    assert_false(auth_may_patient(&coord, ACCESS_MANAGE, "p-x", NULL));
    assert_true(auth_may_patient(&admin, ACCESS_MANAGE, "p-x", NULL));
}

static void enrolment_rules(void **state)
{
    (void)state;
    struct auth_principal planner = principal(ROLE_PLANNER, t01, 1, NULL, 0);
    struct auth_principal wide = principal(ROLE_COORDINATOR, t01_t02, 2, NULL, 0);
    struct auth_principal admin = principal(ROLE_ADMIN, NULL, 0, NULL, 0);
    struct auth_principal carer = principal(ROLE_CAREGIVER, NULL, 0, linked, 1);
    assert_true(auth_may_enrol(&planner, "p", "T01", "T01"));
    assert_false(auth_may_enrol(&planner, "p", "T02", "T01")); /* the patient is not theirs */
    assert_false(auth_may_enrol(&planner, "p", "T01", "T02")); /* nor the territory */
    assert_false(auth_may_enrol(&planner, "p", NULL, "T01")); /* placed by the operator */
    assert_true(auth_may_enrol(&wide, "p", "T02", "T01"));
    assert_true(auth_may_enrol(&admin, "p", NULL, "T01"));
    assert_false(auth_may_enrol(&carer, "p-linked", "T01", "T01"));
}

static void territory_settings(void **state)
{
    (void)state;
    struct auth_principal planner = principal(ROLE_PLANNER, t01, 1, NULL, 0);
    struct auth_principal coord = principal(ROLE_COORDINATOR, t01, 1, NULL, 0);
    struct auth_principal admin = principal(ROLE_ADMIN, NULL, 0, NULL, 0);
    assert_true(auth_may_set_territory(&admin, "T09", true, false));
    assert_true(auth_may_set_territory(&planner, "T01", true, true));
    assert_false(auth_may_set_territory(&planner, "T01", true, false));
    assert_true(auth_may_set_territory(&planner, "T01", false, false)); /* sites */
    assert_false(auth_may_set_territory(&planner, "T02", true, true));
    assert_false(auth_may_set_territory(&coord, "T01", true, true));
    assert_true(auth_may_see_territory(&coord, "T01"));
    assert_false(auth_may_see_territory(&coord, "T02"));
    struct auth_principal gateway = principal(ROLE_GATEWAY, t01, 1, NULL, 0);
    assert_false(auth_may_see_territory(&gateway, "T01")); /* write-only */
}

static void role_bindings(void **state)
{
    (void)state;
    verr e;
    assert_int_equal(auth_role_bindings_check(ROLE_COORDINATOR, 3, 0, &e), 0);
    assert_int_equal(auth_role_bindings_check(ROLE_PROFESSIONAL, 1, 0, &e), 0);
    assert_int_equal(auth_role_bindings_check(ROLE_PROFESSIONAL, 2, 0, &e), -1);
    assert_int_equal(auth_role_bindings_check(ROLE_CAREGIVER, 0, 2, &e), 0);
    assert_int_equal(auth_role_bindings_check(ROLE_CAREGIVER, 1, 0, &e), -1);
    assert_int_equal(auth_role_bindings_check(ROLE_GATEWAY, 1, 0, &e), 0);
    assert_int_equal(auth_role_bindings_check(ROLE_GATEWAY, 0, 5, &e), 0);
    assert_int_equal(auth_role_bindings_check(ROLE_GATEWAY, 2, 0, &e), -1);
    assert_int_equal(auth_role_bindings_check(ROLE_PLANNER, 1, 1, &e), -1);
    assert_int_equal(auth_role_bindings_check(ROLE_ADMIN, 1, 0, &e), -1);
    assert_non_null(strstr(e.msg, "admin"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patient_rules),      cmocka_unit_test(patient_without_territory),
        cmocka_unit_test(enrolment_rules),    cmocka_unit_test(territory_settings),
        cmocka_unit_test(role_bindings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
