/* Rotations: reading territories, teams and travel days from CSV, and writing the plan as
 * CSV, JSON and a text calendar. */
#include "territory/rotations.h"

#include "core/instant.h"
#include "core/mem.h"
#include "territory/report.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const territory_columns[] = {"territory", "territory_id", "id", "code", NULL};
static const char *const specialty_columns[] = {"specialties", "specialty", "needs", "skills",
                                                NULL};

void rotations_input_init(struct rotations_input *in)
{
    memset(in, 0, sizeof *in);
    arena_init(&in->strings, 16 * 1024);
    strmap_init(&in->territory_index);
    strmap_init(&in->team_index);
}

void rotations_input_free(struct rotations_input *in)
{
    free(in->territories);
    free(in->teams);
    free(in->windows);
    free(in->travel_matrix);
    arena_free(&in->strings);
    strmap_free(&in->territory_index);
    strmap_free(&in->team_index);
    memset(in, 0, sizeof *in);
}

void rotations_input_apply(const struct rotations_input *in, struct rotations_problem *p)
{
    p->territories = in->territories;
    p->territory_count = in->territory_count;
    p->teams = in->teams;
    p->team_count = in->team_count;
    p->travel_matrix = in->travel_matrix;
}

int rotations_specialties(struct rotations_input *in, const char *text, uint64_t *bits, verr *e)
{
    *bits = 0;
    const char *s = text;
    while (*s) {
        while (*s && (*s == ';' || *s == '|' || *s == ',' || isspace((unsigned char)*s))) s++;
        size_t n = 0;
        while (s[n] && s[n] != ';' && s[n] != '|' && s[n] != ',' && !isspace((unsigned char)s[n]))
            n++;
        if (n == 0) break;
        size_t k = 0;
        while (k < in->specialty_count &&
               (strlen(in->specialty[k]) != n || strncmp(in->specialty[k], s, n)))
            k++;
        if (k == in->specialty_count) {
            if (k == ROTATIONS_MAX_SPECIALTIES)
                return verr_fail(e, "more than %d specialties", ROTATIONS_MAX_SPECIALTIES);
            in->specialty[in->specialty_count++] = arena_strndup(&in->strings, s, n);
        }
        *bits |= (uint64_t)1 << k;
        s += n;
    }
    return 0;
}

static long find_territory(const struct rotations_input *in, const char *id)
{
    int64_t t;
    return strmap_get(&in->territory_index, id, strlen(id), &t) ? (long)t : -1;
}

static int read_quantity(const csvfile *f, int column, double *out, verr *e)
{
    *out = 0.0;
    int rc = csvfile_field_double(f, column, out, e);
    if (rc > 0 && *out < 0) return csvfile_fail(f, column, e, "cannot be negative");
    return rc < 0 ? -1 : 0;
}

int rotations_read_territories(struct rotations_input *in, csvfile *f, verr *e)
{
    static const char *const deficit_columns[] = {"deficit", "deficit_population", NULL};
    static const char *const cases_columns[] = {"open_cases", "cases", "waiting_cases", NULL};
    static const char *const level_columns[] = {"level", NULL};
    int id_col = csvfile_require_column(f, territory_columns, e);
    if (id_col < 0) return -1;
    int deficit_col = csvfile_find_column(f, deficit_columns);
    int cases_col = csvfile_find_column(f, cases_columns);
    int needs_col = csvfile_find_column(f, specialty_columns);
    /* The deserts report of `vigie apl --deserts` has a level column: keep its territories. */
    int level_col = csvfile_find_column(f, level_columns);
    size_t cap = in->territory_count;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        if (level_col >= 0 && strcmp(csvfile_field(f, level_col), "territory")) continue;
        const char *id = csvfile_field(f, id_col);
        if (!*id) return csvfile_fail(f, id_col, e, "empty territory id");
        if (find_territory(in, id) >= 0)
            return csvfile_fail(f, id_col, e, "territory '%s' appears twice", id);
        if (in->territory_count == ROTATIONS_MAX_TERRITORIES)
            return csvfile_fail(f, -1, e, "more than %d territories", ROTATIONS_MAX_TERRITORIES);
        struct rotations_territory t = {arena_strdup(&in->strings, id), 0, 0, 0};
        if (read_quantity(f, deficit_col, &t.deficit, e) < 0 ||
            read_quantity(f, cases_col, &t.open_cases, e) < 0)
            return -1;
        if (rotations_specialties(in, csvfile_field(f, needs_col), &t.needs, e) < 0)
            return csvfile_fail(f, needs_col, e, "%s", "too many specialties");
        if (in->territory_count == cap) {
            cap = cap ? cap * 2 : 32;
            in->territories = xrealloc(in->territories, cap * sizeof *in->territories);
        }
        strmap_put(&in->territory_index, id, strlen(id), (int64_t)in->territory_count);
        in->territories[in->territory_count++] = t;
    }
    return rc;
}

int rotations_read_cases(struct rotations_input *in, csvfile *f, verr *e)
{
    static const char *const cases_columns[] = {"open_cases", "cases", "waiting_cases", NULL};
    int id_col = csvfile_require_column(f, territory_columns, e);
    int cases_col = id_col < 0 ? -1 : csvfile_require_column(f, cases_columns, e);
    if (cases_col < 0) return -1;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        long t = find_territory(in, csvfile_field(f, id_col));
        if (t < 0)
            return csvfile_fail(f, id_col, e, "unknown territory '%s'", csvfile_field(f, id_col));
        if (read_quantity(f, cases_col, &in->territories[t].open_cases, e) < 0) return -1;
    }
    return rc;
}

struct team_window {
    uint32_t team;
    struct rotations_window window;
};

static int compare_team_windows(const void *pa, const void *pb)
{
    const struct team_window *a = pa, *b = pb;
    if (a->team != b->team) return a->team < b->team ? -1 : 1;
    return (a->window.first_day > b->window.first_day) -
           (a->window.first_day < b->window.first_day);
}

/* Sorts the windows by team and merges those that overlap or touch, so each team's windows
 * are sorted and disjoint, then points the teams at them. */
static void settle_windows(struct rotations_input *in, struct team_window *all, size_t n)
{
    if (n) qsort(all, n, sizeof *all, compare_team_windows);
    in->windows = xrealloc(in->windows, (n ? n : 1) * sizeof *in->windows);
    size_t m = 0;
    for (size_t k = 0; k < in->team_count; k++) {
        in->teams[k].window_count = 0;
        in->teams[k].windows = NULL;
    }
    for (size_t x = 0; x < n; x++) {
        struct rotations_team *team = &in->teams[all[x].team];
        struct rotations_window w = all[x].window;
        if (team->window_count && in->windows[m - 1].last_day + 1 >= w.first_day) {
            if (w.last_day > in->windows[m - 1].last_day) in->windows[m - 1].last_day = w.last_day;
            continue;
        }
        in->windows[m++] = w;
        team->window_count++;
    }
    in->window_count = m;
    size_t at = 0;
    for (size_t k = 0; k < in->team_count; k++) {
        in->teams[k].windows = in->windows + at;
        at += in->teams[k].window_count;
    }
}

int rotations_read_teams(struct rotations_input *in, csvfile *f, verr *e)
{
    static const char *const team_columns[] = {"team", "team_id", "id", NULL};
    static const char *const from_columns[] = {"available_from", "from", "start", NULL};
    static const char *const to_columns[] = {"available_to", "to", "end", NULL};
    int id_col = csvfile_require_column(f, team_columns, e);
    int from_col = id_col < 0 ? -1 : csvfile_require_column(f, from_columns, e);
    int to_col = from_col < 0 ? -1 : csvfile_require_column(f, to_columns, e);
    if (to_col < 0) return -1;
    int skills_col = csvfile_find_column(f, specialty_columns);
    struct team_window *all = NULL;
    size_t n = 0, cap = 0, team_cap = in->team_count;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        const char *id = csvfile_field(f, id_col);
        struct rotations_window w;
        uint64_t skills;
        if (!*id) {
            rc = csvfile_fail(f, id_col, e, "empty team id");
            break;
        }
        if ((rc = csvfile_field_date(f, from_col, &w.first_day, e)) <= 0 ||
            (rc = csvfile_field_date(f, to_col, &w.last_day, e)) <= 0) {
            if (rc == 0) rc = csvfile_fail(f, -1, e, "both availability dates are needed");
            break;
        }
        if (w.last_day < w.first_day) {
            rc = csvfile_fail(f, to_col, e, "ends before it starts");
            break;
        }
        if ((rc = rotations_specialties(in, csvfile_field(f, skills_col), &skills, e)) < 0) {
            rc = csvfile_fail(f, skills_col, e, "too many specialties");
            break;
        }
        int64_t found;
        size_t k =
            strmap_get(&in->team_index, id, strlen(id), &found) ? (size_t)found : in->team_count;
        if (k == in->team_count) {
            if (k == ROTATIONS_MAX_TEAMS || n == ROTATIONS_MAX_WINDOWS) {
                rc = csvfile_fail(f, -1, e, "too many teams or windows");
                break;
            }
            if (k == team_cap) {
                team_cap = team_cap ? team_cap * 2 : 16;
                in->teams = xrealloc(in->teams, team_cap * sizeof *in->teams);
            }
            strmap_put(&in->team_index, id, strlen(id), (int64_t)k);
            in->teams[in->team_count++] =
                (struct rotations_team){arena_strdup(&in->strings, id), 0, NULL, 0};
        }
        in->teams[k].specialties |= skills;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            all = xrealloc(all, cap * sizeof *all);
        }
        all[n++] = (struct team_window){(uint32_t)k, w};
    }
    if (rc == 0) settle_windows(in, all, n);
    free(all);
    return rc;
}

int rotations_read_travel(struct rotations_input *in, csvfile *f, verr *e)
{
    static const char *const from_columns[] = {"from", "origin", NULL};
    static const char *const to_columns[] = {"to", "destination", NULL};
    static const char *const days_columns[] = {"days", "travel_days", NULL};
    int from_col = csvfile_require_column(f, from_columns, e);
    int to_col = from_col < 0 ? -1 : csvfile_require_column(f, to_columns, e);
    int days_col = to_col < 0 ? -1 : csvfile_require_column(f, days_columns, e);
    if (days_col < 0) return -1;
    size_t n = in->territory_count, cells = n * n > 0 ? n * n : 1;
    free(in->travel_matrix);
    in->travel_matrix = xmalloc(cells * sizeof *in->travel_matrix);
    unsigned char *given = xcalloc(cells, 1);
    for (size_t x = 0; x < n * n; x++) in->travel_matrix[x] = -1;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        long a = find_territory(in, csvfile_field(f, from_col));
        long b = find_territory(in, csvfile_field(f, to_col));
        int64_t days;
        if (a < 0 || b < 0) {
            int col = a < 0 ? from_col : to_col;
            rc = csvfile_fail(f, col, e, "unknown territory '%s'", csvfile_field(f, col));
            break;
        }
        if ((rc = csvfile_field_int(f, days_col, &days, e)) <= 0 || days < 0 || days > 365) {
            rc = rc < 0 ? rc : csvfile_fail(f, days_col, e, "a number of days 0-365 is needed");
            break;
        }
        in->travel_matrix[a * (long)n + b] = (int)days;
        given[a * (long)n + b] = 1;
        if (!given[b * (long)n + a]) in->travel_matrix[b * (long)n + a] = (int)days;
    }
    free(given);
    return rc;
}

int rotations_write_csv(buf *out, const struct rotations_problem *p,
                        const struct rotations_plan *plan)
{
    int rc = buf_puts(out, "team,territory,start,end,days\n");
    for (size_t i = 0; i < plan->count && !rc; i++) {
        const struct rotations_stay *s = &plan->stays[i];
        char from[16], to[16];
        report_format_date(s->first_day, from);
        report_format_date(s->last_day, to);
        rc |= report_csv_text(out, p->teams[s->team].id);
        rc |= buf_putc(out, ',');
        rc |= report_csv_text(out, p->territories[s->territory].id);
        rc |=
            buf_printf(out, ",%s,%s,%lld\n", from, to, (long long)(s->last_day - s->first_day + 1));
    }
    return rc ? -1 : 0;
}

static int json_text(buf *out, const char *key, const char *value)
{
    int rc = buf_printf(out, "\"%s\":", key);
    return rc | buf_append_json_string(out, value, strlen(value));
}

int rotations_write_json(buf *out, const struct rotations_problem *p,
                         const struct rotations_plan *plan)
{
    char from[16], to[16];
    report_format_date(p->first_day, from);
    report_format_date(p->last_day, to);
    int rc =
        buf_printf(out,
                   "{\"horizon\":{\"from\":\"%s\",\"to\":\"%s\"},\"parameters\":{"
                   "\"min_stay_days\":%d,\"max_stay_days\":%d,\"revisit_days\":%d,"
                   "\"travel_days\":%d,\"deficit_share\":",
                   from, to, p->min_stay_days, p->max_stay_days, p->revisit_days, p->travel_days);
    rc |= report_json_number(out, p->deficit_share);
    rc |= buf_puts(out, "},\"capacity_days\":");
    rc |= report_json_number(out, plan->capacity_days);
    rc |= buf_puts(out, ",\"stays\":[");
    double *team_days = xcalloc(p->team_count ? p->team_count : 1, sizeof *team_days);
    size_t *stay_count = xcalloc(p->territory_count ? p->territory_count : 1, sizeof *stay_count);
    for (size_t i = 0; i < plan->count && !rc; i++) {
        const struct rotations_stay *s = &plan->stays[i];
        report_format_date(s->first_day, from);
        report_format_date(s->last_day, to);
        rc |= buf_puts(out, i ? ",{" : "{");
        rc |= json_text(out, "team", p->teams[s->team].id);
        rc |= buf_putc(out, ',');
        rc |= json_text(out, "territory", p->territories[s->territory].id);
        rc |= buf_printf(out, ",\"start\":\"%s\",\"end\":\"%s\",\"days\":%lld}", from, to,
                         (long long)(s->last_day - s->first_day + 1));
        team_days[s->team] += (double)(s->last_day - s->first_day + 1);
        stay_count[s->territory]++;
    }
    rc |= buf_puts(out, "],\"territories\":[");
    for (size_t t = 0; t < p->territory_count && !rc; t++) {
        rc |= buf_puts(out, t ? ",{" : "{");
        rc |= json_text(out, "id", p->territories[t].id);
        const char *names[] = {"deficit", "open_cases", "need_share", "target_days",
                               "planned_days"};
        const double values[] = {p->territories[t].deficit, p->territories[t].open_cases,
                                 plan->need_share[t], plan->target_days[t], plan->planned_days[t]};
        for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
            rc |= buf_printf(out, ",\"%s\":", names[k]);
            rc |= report_json_number(out, values[k]);
        }
        rc |= buf_printf(out, ",\"stays\":%zu}", stay_count[t]);
    }
    rc |= buf_puts(out, "],\"teams\":[");
    for (size_t k = 0; k < p->team_count && !rc; k++) {
        rc |= buf_puts(out, k ? ",{" : "{");
        rc |= json_text(out, "id", p->teams[k].id);
        rc |= buf_puts(out, ",\"stay_days\":");
        rc |= report_json_number(out, team_days[k]);
        /* availability, so that a calendar can tell free days from days off */
        rc |= buf_puts(out, ",\"windows\":[");
        for (size_t w = 0; w < p->teams[k].window_count && !rc; w++) {
            report_format_date(p->teams[k].windows[w].first_day, from);
            report_format_date(p->teams[k].windows[w].last_day, to);
            rc |= buf_printf(out, "%s{\"from\":\"%s\",\"to\":\"%s\"}", w ? "," : "", from, to);
        }
        rc |= buf_puts(out, "]}");
    }
    rc |= buf_puts(out, "]}\n");
    free(team_days);
    free(stay_count);
    return rc ? -1 : 0;
}

static const char calendar_symbols[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* One month of the calendar: a header of day numbers, then one line per team. */
static int write_month(buf *out, const struct rotations_problem *p,
                       const struct rotations_plan *plan, const char *symbol, int64_t year,
                       unsigned month, int label_width)
{
    static const char *const names[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    int64_t first = instant_days_from_civil(year, month, 1);
    int64_t next = month == 12 ? instant_days_from_civil(year + 1, 1, 1)
                               : instant_days_from_civil(year, month + 1, 1);
    char title[40], marks[40];
    snprintf(title, sizeof title, "%s %lld", names[month - 1], (long long)year);
    memset(marks, ' ', sizeof marks);
    for (int d = 1; d <= next - first; d++)
        if (d == 1 || d % 5 == 0) {
            char num[4];
            int n = snprintf(num, sizeof num, "%d", d);
            memcpy(marks + d - 1, num, (size_t)n);
        }
    marks[next - first + 1] = '\0';
    int rc = buf_printf(out, "%-*s  %s\n", label_width, title, marks);
    char line[40];
    for (size_t k = 0; k < p->team_count && !rc; k++) {
        const struct rotations_team *team = &p->teams[k];
        for (int64_t day = first; day < next; day++) {
            char c = ' ';
            for (size_t w = 0; w < team->window_count; w++)
                if (team->windows[w].first_day <= day && day <= team->windows[w].last_day) c = '.';
            if (day < p->first_day || day > p->last_day) c = ' ';
            for (size_t i = 0; i < plan->count; i++) {
                const struct rotations_stay *s = &plan->stays[i];
                if (s->team == k && s->first_day <= day && day <= s->last_day)
                    c = symbol[s->territory];
            }
            line[day - first] = c;
        }
        line[next - first] = '\0';
        rc |= buf_printf(out, "%-*.*s  %s\n", label_width, label_width, team->id, line);
    }
    return rc | buf_putc(out, '\n');
}

int rotations_write_calendar(buf *out, const struct rotations_problem *p,
                             const struct rotations_plan *plan)
{
    /* Letters go to the territories that have stays, in order of first appearance. */
    char *symbol = xcalloc(p->territory_count ? p->territory_count : 1, 1);
    size_t used = 0;
    for (size_t i = 0; i < plan->count; i++) {
        uint32_t t = plan->stays[i].territory;
        if (symbol[t]) continue;
        symbol[t] = used < sizeof calendar_symbols - 1 ? calendar_symbols[used] : '#';
        used++;
    }
    int label_width = 14;
    for (size_t k = 0; k < p->team_count; k++)
        if ((int)strlen(p->teams[k].id) > label_width) label_width = (int)strlen(p->teams[k].id);
    if (label_width > 24) label_width = 24;
    int64_t year;
    unsigned month, day;
    instant_civil_from_days(p->first_day, &year, &month, &day);
    int rc = 0;
    while (!rc && instant_days_from_civil(year, month, 1) <= p->last_day) {
        rc |= write_month(out, p, plan, symbol, year, month, label_width);
        if (++month == 13) {
            month = 1;
            year++;
        }
    }
    rc |= buf_puts(out, "'.' available, ' ' unavailable\n");
    for (size_t t = 0; t < p->territory_count && !rc; t++) {
        if (!symbol[t] && plan->need_share[t] <= 0) continue;
        rc |= buf_printf(out, "%c %-*s need %5.1f %%  target %6.1f days  planned %4.0f days\n",
                         symbol[t] ? symbol[t] : '-', label_width, p->territories[t].id,
                         100 * plan->need_share[t], plan->target_days[t], plan->planned_days[t]);
    }
    free(symbol);
    return rc ? -1 : 0;
}
