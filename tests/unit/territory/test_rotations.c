/* Mobile-team rotations: the validator catches each broken constraint; the planner's plans
 * pass it on hundreds of random instances (fixed seed); small cases worked by hand; days
 * shared in proportion to need; CSV inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "territory/rotations.h"

#define DAY0 20544 /* 2026-04-01 */

static void plan(const struct rotations_problem *p, struct rotations_plan *out)
{
    verr e;
    if (rotations_plan_compute(p, out, &e) < 0) fail_msg("%s", e.msg);
}

/* Two territories (the second needs an ophthalmologist), two teams, April 2026. */
struct small_case {
    struct rotations_territory territories[2];
    struct rotations_window windows[3];
    struct rotations_team teams[2];
    struct rotations_problem p;
};

static void small_case_init(struct small_case *c)
{
    memset(c, 0, sizeof *c);
    c->territories[0] = (struct rotations_territory){"north", 10, 0, 0};
    c->territories[1] = (struct rotations_territory){"south", 10, 0, 2};
    c->windows[0] = (struct rotations_window){DAY0, DAY0 + 29};
    c->windows[1] = (struct rotations_window){DAY0, DAY0 + 9};
    c->windows[2] = (struct rotations_window){DAY0 + 20, DAY0 + 29};
    c->teams[0] = (struct rotations_team){"gp", 1, &c->windows[0], 1};
    c->teams[1] = (struct rotations_team){"ophta", 2, &c->windows[1], 2};
    rotations_problem_defaults(&c->p);
    c->p.territories = c->territories;
    c->p.territory_count = 2;
    c->p.teams = c->teams;
    c->p.team_count = 2;
    c->p.first_day = DAY0;
    c->p.last_day = DAY0 + 29;
    c->p.revisit_days = 5;
}

static void expect_invalid(const struct rotations_problem *p, struct rotations_stay *stays,
                           size_t n, const char *reason)
{
    verr e;
    if (rotations_validate(p, stays, n, &e) == 0) fail_msg("accepted; expected '%s'", reason);
    if (!strstr(e.msg, reason)) fail_msg("'%s' does not say '%s'", e.msg, reason);
}

static void validator_catches_each_constraint(void **state)
{
    (void)state;
    struct small_case c;
    small_case_init(&c);
    verr e;
    struct rotations_stay ok[] = {
        {0, 0, DAY0, DAY0 + 4}, {0, 1, DAY0 + 6, DAY0 + 8}, {1, 1, DAY0 + 20, DAY0 + 24}};
    /* gp may go south? No: south needs specialty bit 2, which gp lacks. */
    assert_int_equal(rotations_validate(&c.p, ok, 1, &e), 0);
    expect_invalid(&c.p, ok, 2, "none of the specialties");
    struct rotations_stay good[] = {{0, 0, DAY0, DAY0 + 4},
                                    {1, 1, DAY0, DAY0 + 4},
                                    {1, 1, DAY0 + 20, DAY0 + 24},
                                    {0, 0, DAY0 + 10, DAY0 + 14}};
    assert_int_equal(rotations_validate(&c.p, good, 4, &e), 0);

    struct rotations_stay too_long[] = {{0, 0, DAY0, DAY0 + 15}};
    expect_invalid(&c.p, too_long, 1, "16 days, outside 3 to 15");
    struct rotations_stay too_short[] = {{0, 0, DAY0, DAY0 + 1}};
    expect_invalid(&c.p, too_short, 1, "2 days");
    struct rotations_stay outside[] = {{0, 0, DAY0 + 28, DAY0 + 31}};
    expect_invalid(&c.p, outside, 1, "outside the horizon");
    struct rotations_stay unavailable[] = {{1, 1, DAY0 + 8, DAY0 + 12}};
    expect_invalid(&c.p, unavailable, 1, "not available");
    struct rotations_stay no_travel[] = {{1, 1, DAY0, DAY0 + 4}, {1, 0, DAY0 + 5, DAY0 + 9}};
    c.territories[0].needs = 0;
    expect_invalid(&c.p, no_travel, 2, "0 free days after stay 1");
    struct rotations_stay overlap[] = {{0, 0, DAY0, DAY0 + 9}, {0, 0, DAY0 + 5, DAY0 + 7}};
    expect_invalid(&c.p, overlap, 2, "needed to travel");
    struct rotations_stay revisit[] = {{1, 0, DAY0, DAY0 + 4}, {0, 0, DAY0 + 8, DAY0 + 10}};
    expect_invalid(&c.p, revisit, 2, "3 days after stay 1 (team ophta, territory north");
    struct rotations_stay crowded[] = {{0, 0, DAY0, DAY0 + 4}, {1, 0, DAY0 + 2, DAY0 + 6}};
    expect_invalid(&c.p, crowded, 2, "in the same territory, 5 needed");
    struct rotations_stay unknown[] = {{5, 0, DAY0, DAY0 + 4}};
    expect_invalid(&c.p, unknown, 1, "unknown team");

    /* A travel matrix lengthens the gap a team needs. */
    int matrix[] = {-1, 3, 3, -1};
    c.p.travel_matrix = matrix;
    struct rotations_stay far[] = {{1, 1, DAY0, DAY0 + 4}, {1, 0, DAY0 + 7, DAY0 + 9}};
    expect_invalid(&c.p, far, 2, "2 free days after stay 1");
    far[1].first_day = DAY0 + 8;
    far[1].last_day = DAY0 + 10;
    c.windows[1].last_day = DAY0 + 12;
    assert_int_equal(rotations_validate(&c.p, far, 2, &e), 0);
}

/* One team, one territory, 20 days, stays of 3 to 5 days, 4 free days between stays in
 * the territory: [0, 4], then the earliest start is 4 + 4 + 1 = 9: [9, 13]; a third stay
 * would start on day 18 and need days 18-20, past the horizon (day 19). */
static void hand_worked_single_team(void **state)
{
    (void)state;
    struct rotations_territory t = {"only", 1, 0, 0};
    struct rotations_window w = {DAY0, DAY0 + 19};
    struct rotations_team team = {"solo", 0, &w, 1};
    struct rotations_problem p;
    rotations_problem_defaults(&p);
    p.territories = &t;
    p.territory_count = 1;
    p.teams = &team;
    p.team_count = 1;
    p.first_day = DAY0;
    p.last_day = DAY0 + 19;
    p.min_stay_days = 3;
    p.max_stay_days = 5;
    p.revisit_days = 4;
    struct rotations_plan r;
    plan(&p, &r);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.stays[0].first_day, DAY0);
    assert_int_equal(r.stays[0].last_day, DAY0 + 4);
    assert_int_equal(r.stays[1].first_day, DAY0 + 9);
    assert_int_equal(r.stays[1].last_day, DAY0 + 13);
    assert_near(r.capacity_days, 20, 0);
    assert_near(r.target_days[0], 20, 1e-12);
    assert_near(r.planned_days[0], 10, 0);

    buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(rotations_write_csv(&out, &p, &r), 0);
    assert_string_equal(buf_cstr(&out), "team,territory,start,end,days\n"
                                        "solo,only,2026-04-01,2026-04-05,5\n"
                                        "solo,only,2026-04-10,2026-04-14,5\n");
    buf_reset(&out);
    assert_int_equal(rotations_write_calendar(&out, &p, &r), 0);
    assert_non_null(strstr(buf_cstr(&out), "solo            AAAAA....AAAAA......"));
    buf_reset(&out);
    assert_int_equal(rotations_write_json(&out, &p, &r), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"start\":\"2026-04-10\""));
    /* the team's availability, for a calendar to draw days off */
    assert_non_null(strstr(buf_cstr(&out),
                           "\"windows\":[{\"from\":\"2026-04-01\",\"to\":\"2026-04-20\"}]"));
    int64_t first, last;
    rotations_teams_span(&p, &first, &last);
    assert_int_equal(first, DAY0);
    assert_int_equal(last, DAY0 + 19);
    buf_free(&out);
    rotations_plan_free(&r);
}

/* Specialties route teams: only the ophthalmology team goes south. */
static void specialties_route_teams(void **state)
{
    (void)state;
    struct small_case c;
    small_case_init(&c);
    struct rotations_plan r;
    plan(&c.p, &r);
    assert_true(r.count > 0);
    bool south = false;
    for (size_t i = 0; i < r.count; i++) {
        if (r.stays[i].territory == 1) {
            assert_int_equal(r.stays[i].team, 1);
            south = true;
        }
    }
    assert_true(south);
    rotations_plan_free(&r);
}

/* One team available all year, no travel, no revisit gap: the days follow need 1:2:3,
 * within one stay's length; a territory without need gets nothing. */
static void days_follow_need(void **state)
{
    (void)state;
    struct rotations_territory t[4] = {
        {"a", 100, 0, 0}, {"b", 200, 0, 0}, {"c", 300, 0, 0}, {"none", 0, 0, 0}};
    struct rotations_window w = {DAY0, DAY0 + 359};
    struct rotations_team team = {"t", 0, &w, 1};
    struct rotations_problem p;
    rotations_problem_defaults(&p);
    p.territories = t;
    p.territory_count = 4;
    p.teams = &team;
    p.team_count = 1;
    p.first_day = DAY0;
    p.last_day = DAY0 + 359;
    p.revisit_days = 0;
    p.travel_days = 0;
    struct rotations_plan r;
    plan(&p, &r);
    assert_near(r.need_share[1], 1.0 / 3, 1e-12);
    for (int k = 0; k < 3; k++)
        if (fabs(r.planned_days[k] - r.target_days[k]) > p.max_stay_days)
            fail_msg("%s: %g days planned, target %g", t[k].id, r.planned_days[k],
                     r.target_days[k]);
    assert_near(r.planned_days[3], 0, 0);
    rotations_plan_free(&r);

    /* Open cases alone: share 0 puts all the need on them. */
    t[0].open_cases = 1;
    p.deficit_share = 0;
    plan(&p, &r);
    assert_near(r.need_share[0], 1, 1e-12);
    assert_near(r.planned_days[0], 360, 0);
    rotations_plan_free(&r);
}

/* 400 random instances: every plan passes the validator and books only territories with
 * need and teams that may serve them. */
static void random_plans_respect_every_constraint(void **state)
{
    (void)state;
    uint64_t seed = 42;
    struct rotations_territory t[12];
    struct rotations_team teams[6];
    struct rotations_window windows[6][4];
    int matrix[12 * 12];
    char names[18][24];
    size_t total_stays = 0;
    for (int round = 0; round < 400; round++) {
        struct rotations_problem p;
        rotations_problem_defaults(&p);
        p.territory_count = (size_t)test_random_int(&seed, 1, 12);
        p.team_count = (size_t)test_random_int(&seed, 1, 6);
        p.first_day = DAY0 + test_random_int(&seed, -50, 50);
        p.last_day = p.first_day + test_random_int(&seed, 0, 200);
        p.min_stay_days = (int)test_random_int(&seed, 1, 7);
        p.max_stay_days = p.min_stay_days + (int)test_random_int(&seed, 0, 12);
        p.revisit_days = (int)test_random_int(&seed, 0, 40);
        p.travel_days = (int)test_random_int(&seed, 0, 3);
        p.deficit_share = test_random_uniform(&seed, 0, 1);
        for (size_t k = 0; k < p.territory_count; k++) {
            snprintf(names[k], sizeof names[k], "T%zu", k);
            t[k] = (struct rotations_territory){
                names[k], test_random_int(&seed, 0, 3) ? test_random_uniform(&seed, 0, 1e4) : 0,
                (double)test_random_int(&seed, 0, 30),
                test_random_int(&seed, 0, 2) ? 0 : (uint64_t)test_random_int(&seed, 1, 7)};
        }
        for (size_t k = 0; k < p.team_count; k++) {
            int64_t day = p.first_day - test_random_int(&seed, 0, 20);
            size_t nw = (size_t)test_random_int(&seed, 1, 4);
            for (size_t w = 0; w < nw; w++) {
                windows[k][w].first_day = day + test_random_int(&seed, 1, 30);
                windows[k][w].last_day = windows[k][w].first_day + test_random_int(&seed, 0, 60);
                day = windows[k][w].last_day;
            }
            snprintf(names[12 + k], sizeof names[12 + k], "M%zu", k);
            teams[k] = (struct rotations_team){
                names[12 + k], (uint64_t)test_random_int(&seed, 0, 7), windows[k], nw};
        }
        p.travel_matrix = NULL;
        if (test_random_int(&seed, 0, 1)) {
            for (size_t x = 0; x < p.territory_count * p.territory_count; x++)
                matrix[x] = (int)test_random_int(&seed, -1, 5);
            p.travel_matrix = matrix;
        }
        p.territories = t;
        p.teams = teams;
        struct rotations_plan r;
        plan(&p, &r);
        verr e;
        if (rotations_validate(&p, r.stays, r.count, &e) < 0)
            fail_msg("round %d: %s", round, e.msg);
        double booked = 0;
        for (size_t i = 0; i < r.count; i++) {
            const struct rotations_stay *s = &r.stays[i];
            assert_true(r.need_share[s->territory] > 0);
            booked += (double)(s->last_day - s->first_day + 1);
        }
        double planned = 0;
        for (size_t k = 0; k < p.territory_count; k++) planned += r.planned_days[k];
        assert_near(planned, booked, 0);
        assert_true(booked <= r.capacity_days);
        total_stays += r.count;
        rotations_plan_free(&r);
    }
    assert_true(total_stays > 400); /* the instances are not all empty */
}

static void reads_csv_inputs(void **state)
{
    (void)state;
    struct rotations_input in;
    rotations_input_init(&in);
    verr e;
    /* The deserts report: only its territory rows count. */
    csvfile *f = test_open_text("deserts.csv", "level,code,name,deficit_population\n"
                                               "france,FR,,900\n"
                                               "territory,T1,,600\n"
                                               "territory,T2,,300\n");
    assert_int_equal(rotations_read_territories(&in, f, &e), 0);
    csvfile_close(f);
    assert_int_equal(in.territory_count, 2);
    assert_near(in.territories[0].deficit, 600, 0);
    f = test_open_text("cases.csv", "territory,open_cases\nT2,7\n");
    assert_int_equal(rotations_read_cases(&in, f, &e), 0);
    csvfile_close(f);
    assert_near(in.territories[1].open_cases, 7, 0);
    f = test_open_text("teams.csv", "team,specialties,available_from,available_to\n"
                                    "A,gp;nurse,2026-04-10,2026-04-20\n"
                                    "A,gp,2026-04-01,2026-04-09\n"
                                    "A,gp,2026-05-01,2026-05-10\n"
                                    "B,ophtalmo,2026-04-01,2026-04-30\n");
    assert_int_equal(rotations_read_teams(&in, f, &e), 0);
    csvfile_close(f);
    assert_int_equal(in.team_count, 2);
    assert_int_equal(in.teams[0].window_count, 2); /* the touching windows merged */
    assert_int_equal(in.teams[0].windows[0].first_day, DAY0);
    assert_int_equal(in.teams[0].windows[0].last_day, DAY0 + 19);
    assert_int_equal(in.teams[0].specialties, 3);
    assert_int_equal(in.teams[1].specialties, 4);
    f = test_open_text("travel.csv", "from,to,days\nT1,T2,2\nT2,T1,4\n");
    assert_int_equal(rotations_read_travel(&in, f, &e), 0);
    csvfile_close(f);
    struct rotations_problem p;
    rotations_problem_defaults(&p);
    rotations_input_apply(&in, &p);
    assert_int_equal(rotations_travel_days(&p, 0, 1), 2);
    assert_int_equal(rotations_travel_days(&p, 1, 0), 4);
    assert_int_equal(rotations_travel_days(&p, 1, 1), 0);

    f = test_open_text("teams.csv", "team,available_from,available_to\nC,2026-04-10,2026-04-01\n");
    assert_int_equal(rotations_read_teams(&in, f, &e), -1);
    assert_string_equal(e.msg, "teams.csv:2: column 3 'available_to': ends before it starts");
    csvfile_close(f);
    f = test_open_text("travel.csv", "from,to,days\nT1,T9,2\n");
    assert_int_equal(rotations_read_travel(&in, f, &e), -1);
    assert_string_equal(e.msg, "travel.csv:2: column 2 'to': unknown territory 'T9'");
    csvfile_close(f);
    f = test_open_text("t.csv", "territory,deficit\nT3,-4\n");
    assert_int_equal(rotations_read_territories(&in, f, &e), -1);
    assert_string_equal(e.msg, "t.csv:2: column 2 'deficit': cannot be negative");
    csvfile_close(f);
    rotations_input_free(&in);

    config *c = config_new();
    config_set(c, "territory.rotations_revisit_days", "14");
    rotations_problem_defaults(&p);
    assert_int_equal(rotations_problem_from_config(&p, c, &e), 0);
    assert_int_equal(p.revisit_days, 14);
    config_set(c, "territory.rotations_max_stay_days", "400");
    assert_int_equal(rotations_problem_from_config(&p, c, &e), -1);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validator_catches_each_constraint),
        cmocka_unit_test(hand_worked_single_team),
        cmocka_unit_test(specialties_route_teams),
        cmocka_unit_test(days_follow_need),
        cmocka_unit_test(random_plans_respect_every_constraint),
        cmocka_unit_test(reads_csv_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
