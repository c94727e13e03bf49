/* Mobile-team rotations: stays of mobile medical teams in territories, planned over a
 * horizon in proportion to each territory's need, under hard constraints:
 *
 *   - a stay lasts min_stay_days to max_stay_days (default 3 to 15) and lies inside the
 *     horizon and inside one availability window of its team;
 *   - the team brings a specialty the territory asks for (a territory asking for none
 *     takes any team);
 *   - between two stays of a team in different territories there are at least the travel
 *     days between them (default 1; a matrix may give each pair);
 *   - in a territory, the next stay (of any team) starts at least revisit_days after the
 *     previous one ends (default 30); two stays in one territory never overlap.
 *
 * Need: need_t = share x deficit_t / sum deficit + (1 - share) x cases_t / sum cases,
 * with share 0.5 by default (deficit such as the deficit-weighted population of
 * `vigie apl --deserts`, and the open cases waiting for a visit). Each territory's target
 * is need_t x the team-days available; the planner is greedy: the team free first takes
 * the territory with the highest need per day already planned (a Sainte-Lague-like
 * divisor rule), discounted by how long it would wait, for a stay as long as the
 * remaining target asks within the limits. rotations_validate checks every constraint of
 * any plan, and the tests run it on the planner's output. */
#ifndef VIGIE_TERRITORY_ROTATIONS_H
#define VIGIE_TERRITORY_ROTATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/strmap.h"
#include "core/verr.h"
#include "territory/csvfile.h"

#define ROTATIONS_DEFAULT_MIN_STAY_DAYS 3
#define ROTATIONS_DEFAULT_MAX_STAY_DAYS 15
#define ROTATIONS_DEFAULT_REVISIT_DAYS  30
#define ROTATIONS_DEFAULT_TRAVEL_DAYS   1
#define ROTATIONS_DEFAULT_DEFICIT_SHARE 0.5
#define ROTATIONS_MAX_TERRITORIES       5000
#define ROTATIONS_MAX_TEAMS             1000
#define ROTATIONS_MAX_WINDOWS           100000
#define ROTATIONS_MAX_HORIZON_DAYS      3660
#define ROTATIONS_MAX_SPECIALTIES       64 /* specialties are bits of a uint64_t */

struct rotations_territory {
    const char *id;
    double deficit;    /* >= 0 */
    double open_cases; /* >= 0 */
    uint64_t needs;    /* specialties a visiting team may bring; 0 = any team */
};

/* Days are counted from 1970-01-01; a window or a stay includes both ends. */
struct rotations_window {
    int64_t first_day, last_day;
};

struct rotations_team {
    const char *id;
    uint64_t specialties;
    const struct rotations_window *windows; /* sorted, not overlapping */
    size_t window_count;
};

struct rotations_problem {
    const struct rotations_territory *territories;
    size_t territory_count;
    const struct rotations_team *teams;
    size_t team_count;
    int64_t first_day, last_day; /* horizon */
    int min_stay_days, max_stay_days;
    int revisit_days;         /* free days between two stays in one territory, at least */
    int travel_days;          /* between two territories when the matrix says nothing */
    const int *travel_matrix; /* territory_count^2 days (from * count + to), -1 = default;
                               * may be NULL */
    double deficit_share;     /* in [0, 1] */
};

/* Defaults for the numbers (3-15 day stays, 30 revisit days, 1 travel day, share 0.5);
 * the arrays and the horizon are left to the caller. */
void rotations_problem_defaults(struct rotations_problem *p);
/* Reads territory.rotations_min_stay_days, _max_stay_days, _revisit_days, _travel_days and
 * _deficit_share (absent keys keep p's values). */
int rotations_problem_from_config(struct rotations_problem *p, config *c, verr *e);
/* Checks sizes, ranges, windows and the horizon. */
int rotations_problem_check(const struct rotations_problem *p, verr *e);
/* The first and last day any team is available (both 0 without any window): the horizon
 * when none is given. */
void rotations_teams_span(const struct rotations_problem *p, int64_t *first, int64_t *last);
/* Travel days from one territory to another (0 from a territory to itself). */
int rotations_travel_days(const struct rotations_problem *p, size_t from, size_t to);

struct rotations_stay {
    uint32_t team, territory;
    int64_t first_day, last_day;
};

struct rotations_plan {
    struct rotations_stay *stays; /* by team, then first day */
    size_t count;
    double *need_share;   /* per territory, sums to 1 (or all 0 without any need) */
    double *target_days;  /* need_share x capacity_days */
    double *planned_days; /* days of stays planned */
    double capacity_days; /* team-days available inside the horizon */
};

int rotations_plan_compute(const struct rotations_problem *p, struct rotations_plan *out, verr *e);
void rotations_plan_free(struct rotations_plan *plan);
/* Checks every constraint of the header comment on any list of stays; the message names
 * the first stay that breaks one, and which. */
int rotations_validate(const struct rotations_problem *p, const struct rotations_stay *stays,
                       size_t count, verr *e);

/* team,territory,start,end,days */
int rotations_write_csv(buf *out, const struct rotations_problem *p,
                        const struct rotations_plan *plan);
/* {"horizon":{..},"parameters":{..},"capacity_days":..,"stays":[..],"territories":[..],
 *  "teams":[{"id","stay_days","windows":[{"from","to"}]}]} */
int rotations_write_json(buf *out, const struct rotations_problem *p,
                         const struct rotations_plan *plan);
/* A calendar for a terminal: per month, one line per team, one character per day (the
 * territory's letter, '.' available and free, ' ' unavailable), then a legend. */
int rotations_write_calendar(buf *out, const struct rotations_problem *p,
                             const struct rotations_plan *plan);

/* Inputs read from CSV files; the problem's arrays point into it. */
struct rotations_input {
    arena strings;
    struct rotations_territory *territories;
    size_t territory_count;
    struct rotations_team *teams;
    size_t team_count;
    struct rotations_window *windows;
    size_t window_count;
    int *travel_matrix;                 /* NULL until a travel file is read */
    strmap territory_index, team_index; /* id -> position */
    const char *specialty[ROTATIONS_MAX_SPECIALTIES];
    size_t specialty_count;
};

void rotations_input_init(struct rotations_input *in);
void rotations_input_free(struct rotations_input *in);
/* Specialty names ("gp;ophtalmology", also separated by '|' or spaces) as bits, adding new
 * names to the input's list. */
int rotations_specialties(struct rotations_input *in, const char *text, uint64_t *bits, verr *e);
/* territory (or territory_id, id), deficit (or deficit_population), open_cases (or cases),
 * optional specialties (or needs). Missing deficit or cases columns count as 0. */
int rotations_read_territories(struct rotations_input *in, csvfile *f, verr *e);
/* team (or id), specialties, available_from, available_to: one row per availability
 * window; a team may have several rows. */
int rotations_read_teams(struct rotations_input *in, csvfile *f, verr *e);
/* territory, open_cases rows setting the open cases of territories already read. */
int rotations_read_cases(struct rotations_input *in, csvfile *f, verr *e);
/* from, to, days between territories (read after the territories); a pair given one way
 * serves both ways. */
int rotations_read_travel(struct rotations_input *in, csvfile *f, verr *e);
/* Points p's arrays at the input's. */
void rotations_input_apply(const struct rotations_input *in, struct rotations_problem *p);

#endif
