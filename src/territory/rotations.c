/* Rotation planning and validation. The planner simulates the teams in the order they
 * become free; for a team it looks, in each territory it may serve, for the earliest start
 * that respects its travel, its windows and the territory's revisit interval (against stays
 * already planned both before and after), then books the best-scoring one. */
#include "territory/rotations.h"

#include "core/mem.h"
#include "territory/report.h"

#include <math.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rotations_problem_defaults(struct rotations_problem *p)
{
    p->min_stay_days = ROTATIONS_DEFAULT_MIN_STAY_DAYS;
    p->max_stay_days = ROTATIONS_DEFAULT_MAX_STAY_DAYS;
    p->revisit_days = ROTATIONS_DEFAULT_REVISIT_DAYS;
    p->travel_days = ROTATIONS_DEFAULT_TRAVEL_DAYS;
    p->travel_matrix = NULL;
    p->deficit_share = ROTATIONS_DEFAULT_DEFICIT_SHARE;
}

int rotations_problem_from_config(struct rotations_problem *p, config *c, verr *e)
{
    static const struct {
        const char *key;
        int64_t min, max;
        size_t offset;
    } ints[] = {
        {"territory.rotations_min_stay_days", 1, 365,
         offsetof(struct rotations_problem, min_stay_days)},
        {"territory.rotations_max_stay_days", 1, 365,
         offsetof(struct rotations_problem, max_stay_days)},
        {"territory.rotations_revisit_days", 0, 3650,
         offsetof(struct rotations_problem, revisit_days)},
        {"territory.rotations_travel_days", 0, 365,
         offsetof(struct rotations_problem, travel_days)},
    };
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
        int *field = (int *)((char *)p + ints[k].offset);
        int64_t v;
        if (config_get_int(c, ints[k].key, *field, ints[k].min, ints[k].max, &v, e) < 0) return -1;
        *field = (int)v;
    }
    return config_get_double(c, "territory.rotations_deficit_share", p->deficit_share, 0, 1,
                             &p->deficit_share, e);
}

void rotations_teams_span(const struct rotations_problem *p, int64_t *first, int64_t *last)
{
    *first = INT64_MAX;
    *last = INT64_MIN;
    for (size_t k = 0; k < p->team_count; k++)
        for (size_t w = 0; w < p->teams[k].window_count; w++) {
            if (p->teams[k].windows[w].first_day < *first)
                *first = p->teams[k].windows[w].first_day;
            if (p->teams[k].windows[w].last_day > *last) *last = p->teams[k].windows[w].last_day;
        }
    if (*first > *last) *first = *last = 0;
}

int rotations_problem_check(const struct rotations_problem *p, verr *e)
{
    if (p->territory_count > ROTATIONS_MAX_TERRITORIES)
        return verr_fail(e, "more than %d territories", ROTATIONS_MAX_TERRITORIES);
    if (p->team_count > ROTATIONS_MAX_TEAMS)
        return verr_fail(e, "more than %d teams", ROTATIONS_MAX_TEAMS);
    if (p->last_day < p->first_day) return verr_fail(e, "the horizon ends before it starts");
    if (p->last_day - p->first_day + 1 > ROTATIONS_MAX_HORIZON_DAYS)
        return verr_fail(e, "the horizon is longer than %d days", ROTATIONS_MAX_HORIZON_DAYS);
    if (p->min_stay_days < 1 || p->max_stay_days < p->min_stay_days || p->max_stay_days > 365)
        return verr_fail(e, "stays must last at least 1 day, at most 365, min <= max (%d-%d)",
                         p->min_stay_days, p->max_stay_days);
    if (p->revisit_days < 0 || p->revisit_days > 3650)
        return verr_fail(e, "revisit interval %d days is out of range", p->revisit_days);
    if (p->travel_days < 0 || p->travel_days > 365)
        return verr_fail(e, "travel of %d days is out of range", p->travel_days);
    if (!(p->deficit_share >= 0 && p->deficit_share <= 1))
        return verr_fail(e, "the deficit share must be between 0 and 1");
    for (size_t t = 0; t < p->territory_count; t++) {
        const struct rotations_territory *x = &p->territories[t];
        if (!(x->deficit >= 0) || !isfinite(x->deficit) || !(x->open_cases >= 0) ||
            !isfinite(x->open_cases))
            return verr_fail(e, "territory %s: deficit and open cases must be 0 or more", x->id);
    }
    for (size_t k = 0; k < p->team_count; k++) {
        const struct rotations_team *team = &p->teams[k];
        for (size_t w = 0; w < team->window_count; w++) {
            const struct rotations_window *win = &team->windows[w];
            if (win->last_day < win->first_day)
                return verr_fail(e, "team %s: a window ends before it starts", team->id);
            if (w > 0 && win->first_day <= team->windows[w - 1].last_day)
                return verr_fail(e, "team %s: windows must be sorted and not overlap", team->id);
        }
    }
    if (p->travel_matrix)
        for (size_t x = 0; x < p->territory_count * p->territory_count; x++)
            if (p->travel_matrix[x] < -1 || p->travel_matrix[x] > 365)
                return verr_fail(e, "travel matrix: %d days is out of range", p->travel_matrix[x]);
    return 0;
}

int rotations_travel_days(const struct rotations_problem *p, size_t from, size_t to)
{
    if (from == to) return 0;
    if (p->travel_matrix) {
        int d = p->travel_matrix[from * p->territory_count + to];
        if (d >= 0) return d;
    }
    return p->travel_days;
}

static bool team_may_serve(const struct rotations_problem *p, size_t team, size_t territory)
{
    uint64_t needs = p->territories[territory].needs;
    return needs == 0 || (needs & p->teams[team].specialties) != 0;
}

static void describe_stay(const struct rotations_problem *p, const struct rotations_stay *s,
                          size_t index, char *out, size_t size)
{
    char from[16], to[16];
    report_format_date(s->first_day, from);
    report_format_date(s->last_day, to);
    snprintf(out, size, "stay %zu (team %s, territory %s, %s to %s)", index + 1,
             s->team < p->team_count ? p->teams[s->team].id : "?",
             s->territory < p->territory_count ? p->territories[s->territory].id : "?", from, to);
}

/* A stay on its own: known team and territory, length, horizon, window, specialty. */
static int check_stay(const struct rotations_problem *p, const struct rotations_stay *s,
                      size_t index, verr *e)
{
    char what[200];
    describe_stay(p, s, index, what, sizeof what);
    if (s->team >= p->team_count || s->territory >= p->territory_count)
        return verr_fail(e, "%s: unknown team or territory", what);
    int64_t days = s->last_day - s->first_day + 1;
    if (days < p->min_stay_days || days > p->max_stay_days)
        return verr_fail(e, "%s: %lld days, outside %d to %d", what, (long long)days,
                         p->min_stay_days, p->max_stay_days);
    if (s->first_day < p->first_day || s->last_day > p->last_day)
        return verr_fail(e, "%s: outside the horizon", what);
    const struct rotations_team *team = &p->teams[s->team];
    bool inside = false;
    for (size_t w = 0; w < team->window_count && !inside; w++)
        inside =
            team->windows[w].first_day <= s->first_day && s->last_day <= team->windows[w].last_day;
    if (!inside) return verr_fail(e, "%s: the team is not available for all of it", what);
    if (!team_may_serve(p, s->team, s->territory))
        return verr_fail(e, "%s: the team has none of the specialties the territory needs", what);
    return 0;
}

struct indexed_stay {
    struct rotations_stay stay;
    size_t index;
    uint32_t key; /* team or territory */
};

static int compare_indexed(const void *pa, const void *pb)
{
    const struct indexed_stay *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->stay.first_day != b->stay.first_day)
        return a->stay.first_day < b->stay.first_day ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* Checks gaps between consecutive stays of one team (by_team) or one territory. Stays are
 * sorted by start, so consecutive pairs are enough: if each pair keeps its gap, stays
 * further apart keep a larger one. */
static int check_gaps(const struct rotations_problem *p, const struct rotations_stay *stays,
                      size_t count, bool by_team, struct indexed_stay *sorted, verr *e)
{
    for (size_t i = 0; i < count; i++)
        sorted[i] =
            (struct indexed_stay){stays[i], i, by_team ? stays[i].team : stays[i].territory};
    qsort(sorted, count, sizeof *sorted, compare_indexed);
    for (size_t i = 1; i < count; i++) {
        const struct indexed_stay *a = &sorted[i - 1], *b = &sorted[i];
        if (a->key != b->key) continue;
        int64_t gap = b->stay.first_day - a->stay.last_day - 1;
        int64_t need = by_team ? rotations_travel_days(p, a->stay.territory, b->stay.territory)
                               : p->revisit_days;
        if (gap >= need && gap >= 0) continue;
        char what[200], before[200];
        describe_stay(p, &b->stay, b->index, what, sizeof what);
        describe_stay(p, &a->stay, a->index, before, sizeof before);
        if (by_team)
            return verr_fail(e, "%s: %lld free days after %s, %lld needed to travel", what,
                             (long long)gap, before, (long long)need);
        return verr_fail(e, "%s: %lld days after %s in the same territory, %d needed", what,
                         (long long)gap, before, p->revisit_days);
    }
    return 0;
}

int rotations_validate(const struct rotations_problem *p, const struct rotations_stay *stays,
                       size_t count, verr *e)
{
    for (size_t i = 0; i < count; i++)
        if (check_stay(p, &stays[i], i, e) < 0) return -1;
    struct indexed_stay *sorted = xmalloc((count ? count : 1) * sizeof *sorted);
    int rc = check_gaps(p, stays, count, true, sorted, e);
    if (rc == 0) rc = check_gaps(p, stays, count, false, sorted, e);
    free(sorted);
    return rc;
}

/* Stays booked in one territory, sorted by start. */
struct booked {
    struct rotations_window *stays;
    size_t count, cap;
};

static void book(struct booked *b, int64_t first, int64_t last)
{
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->stays = xrealloc(b->stays, b->cap * sizeof *b->stays);
    }
    size_t at = b->count;
    while (at > 0 && b->stays[at - 1].first_day > first) at--;
    memmove(b->stays + at + 1, b->stays + at, (b->count - at) * sizeof *b->stays);
    b->stays[at] = (struct rotations_window){first, last};
    b->count++;
}

/* The earliest start >= earliest for a stay of at least min_stay_days by this team in a
 * territory with these bookings, and the longest such stay; false when none fits. */
static bool find_slot(const struct rotations_problem *p, const struct rotations_team *team,
                      const struct booked *b, int64_t earliest, int64_t *start, int64_t *longest)
{
    int64_t s = earliest > p->first_day ? earliest : p->first_day;
    int64_t min = p->min_stay_days, r = p->revisit_days;
    while (s + min - 1 <= p->last_day) {
        const struct rotations_window *w = NULL;
        for (size_t x = 0; x < team->window_count && !w; x++)
            if (team->windows[x].last_day >= s) w = &team->windows[x];
        if (!w) return false;
        if (w->first_day > s) {
            s = w->first_day;
            continue;
        }
        if (s + min - 1 > w->last_day) {
            s = w->last_day + 1;
            continue;
        }
        /* A conflicting booking (a, b) conflicts with every start up to b + r: move past. */
        int64_t end = s + min - 1;
        bool moved = false;
        for (size_t x = 0; x < b->count && !moved; x++) {
            int64_t a = b->stays[x].first_day, z = b->stays[x].last_day;
            if (s - z - 1 >= r || a - end - 1 >= r) continue;
            s = z + r + 1;
            moved = true;
        }
        if (moved) continue;
        int64_t last = w->last_day < p->last_day ? w->last_day : p->last_day;
        if (s + p->max_stay_days - 1 < last) last = s + p->max_stay_days - 1;
        for (size_t x = 0; x < b->count; x++)
            if (b->stays[x].first_day > end && b->stays[x].first_day - r - 1 < last)
                last = b->stays[x].first_day - r - 1;
        *start = s;
        *longest = last - s + 1;
        return true;
    }
    return false;
}

static void compute_needs(const struct rotations_problem *p, struct rotations_plan *plan)
{
    double deficit = 0.0, cases = 0.0;
    for (size_t t = 0; t < p->territory_count; t++) {
        deficit += p->territories[t].deficit;
        cases += p->territories[t].open_cases;
    }
    double share = p->deficit_share;
    if (deficit == 0.0) share = 0.0;
    if (cases == 0.0) share = 1.0;
    for (size_t t = 0; t < p->territory_count; t++) {
        double need = 0.0;
        if (deficit > 0) need += share * p->territories[t].deficit / deficit;
        if (cases > 0) need += (1 - share) * p->territories[t].open_cases / cases;
        plan->need_share[t] = need;
    }
    plan->capacity_days = 0.0;
    for (size_t k = 0; k < p->team_count; k++)
        for (size_t w = 0; w < p->teams[k].window_count; w++) {
            int64_t a = p->teams[k].windows[w].first_day, z = p->teams[k].windows[w].last_day;
            if (a < p->first_day) a = p->first_day;
            if (z > p->last_day) z = p->last_day;
            if (z >= a) plan->capacity_days += (double)(z - a + 1);
        }
    for (size_t t = 0; t < p->territory_count; t++)
        plan->target_days[t] = plan->need_share[t] * plan->capacity_days;
}

struct team_state {
    int64_t free_day; /* first day after its last stay */
    long last_territory;
    bool active;
};

/* Books the next stay of team k; false when it can serve no territory any more. */
static bool plan_next_stay(const struct rotations_problem *p, struct rotations_plan *plan,
                           struct booked *booked, struct team_state *st, size_t k, size_t *capacity)
{
    long best = -1;
    double best_score = 0.0;
    int64_t best_start = 0, best_longest = 0;
    for (size_t t = 0; t < p->territory_count; t++) {
        if (plan->need_share[t] <= 0 || !team_may_serve(p, k, t)) continue;
        int64_t earliest = st[k].free_day;
        if (st[k].last_territory >= 0)
            earliest += rotations_travel_days(p, (size_t)st[k].last_territory, t);
        int64_t start, longest;
        if (!find_slot(p, &p->teams[k], &booked[t], earliest, &start, &longest)) continue;
        double wait = (double)(start - st[k].free_day);
        double score = plan->need_share[t] / (plan->planned_days[t] + p->min_stay_days) /
                       (1.0 + wait / p->max_stay_days);
        if (best < 0 || score > best_score || (score == best_score && start < best_start)) {
            best = (long)t;
            best_score = score;
            best_start = start;
            best_longest = longest;
        }
    }
    if (best < 0) return false;
    double remaining = plan->target_days[best] - plan->planned_days[best];
    int64_t days = (int64_t)llround(remaining);
    if (days < p->min_stay_days) days = p->min_stay_days;
    if (days > best_longest) days = best_longest;
    if (plan->count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 64;
        plan->stays = xrealloc(plan->stays, *capacity * sizeof *plan->stays);
    }
    plan->stays[plan->count++] =
        (struct rotations_stay){(uint32_t)k, (uint32_t)best, best_start, best_start + days - 1};
    book(&booked[best], best_start, best_start + days - 1);
    plan->planned_days[best] += (double)days;
    st[k].free_day = best_start + days;
    st[k].last_territory = best;
    return true;
}

static int compare_stays(const void *pa, const void *pb)
{
    const struct rotations_stay *a = pa, *b = pb;
    if (a->team != b->team) return a->team < b->team ? -1 : 1;
    return (a->first_day > b->first_day) - (a->first_day < b->first_day);
}

int rotations_plan_compute(const struct rotations_problem *p, struct rotations_plan *out, verr *e)
{
    memset(out, 0, sizeof *out);
    if (rotations_problem_check(p, e) < 0) return -1;
    size_t nt = p->territory_count ? p->territory_count : 1;
    out->need_share = xcalloc(nt, sizeof *out->need_share);
    out->target_days = xcalloc(nt, sizeof *out->target_days);
    out->planned_days = xcalloc(nt, sizeof *out->planned_days);
    compute_needs(p, out);
    struct booked *booked = xcalloc(nt, sizeof *booked);
    struct team_state *st = xcalloc(p->team_count ? p->team_count : 1, sizeof *st);
    for (size_t k = 0; k < p->team_count; k++) st[k] = (struct team_state){p->first_day, -1, true};
    size_t capacity = 0;
    for (;;) {
        long k = -1;
        for (size_t x = 0; x < p->team_count; x++)
            if (st[x].active && (k < 0 || st[x].free_day < st[k].free_day)) k = (long)x;
        if (k < 0) break;
        if (!plan_next_stay(p, out, booked, st, (size_t)k, &capacity)) st[k].active = false;
    }
    for (size_t t = 0; t < p->territory_count; t++) free(booked[t].stays);
    free(booked);
    free(st);
    if (out->count) qsort(out->stays, out->count, sizeof *out->stays, compare_stays);
    /* The planner's own output must pass the validator; anything else is a bug here. */
    if (rotations_validate(p, out->stays, out->count, e) < 0) {
        verr_prefix(e, "internal error: the plan breaks a constraint");
        rotations_plan_free(out);
        return -1;
    }
    return 0;
}

void rotations_plan_free(struct rotations_plan *plan)
{
    free(plan->stays);
    free(plan->need_share);
    free(plan->target_days);
    free(plan->planned_days);
    memset(plan, 0, sizeof *plan);
}
