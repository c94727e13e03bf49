/* vigie rotations: stays of mobile medical teams across territories. */
#include "cmd/cmd.h"
#include "cmd/territory_cli.h"

#include "core/instant.h"
#include "territory/rotations.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CMD "rotations"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie rotations --territories FILE --teams FILE [options]\n\n"
            "Plans the stays of mobile medical teams in territories, in proportion to each\n"
            "territory's deficit and open cases, keeping every stay between the minimum and\n"
            "maximum length, inside its team's availability, with a team that has a needed\n"
            "specialty, with travel days between stays and a minimum revisit interval.\n\n"
            "Inputs:\n"
            "  --territories FILE   territory,deficit,open_cases[,specialties]; the output of\n"
            "                       'vigie apl --deserts --territories ...' works too (its\n"
            "                       territory rows, deficit_population as the deficit)\n"
            "  --cases FILE         territory,open_cases: open cases waiting for a visit\n"
            "  --teams FILE         team,specialties,available_from,available_to (YYYY-MM-DD),\n"
            "                       one row per availability window; specialties ';'-separated\n"
            "  --travel FILE        from,to,days between territories (default: --travel-days)\n"
            "  --config FILE        [territory] rotations_* settings\n\n"
            "Plan:\n"
            "  --from DATE, --to DATE   horizon (default: the teams' availability)\n"
            "  --min-stay N         shortest stay in days (default %d)\n"
            "  --max-stay N         longest stay in days (default %d)\n"
            "  --revisit N          free days between two stays in a territory (default %d)\n"
            "  --travel-days N      days between stays in two territories (default %d)\n"
            "  --deficit-share X    weight of the deficit in the need, the rest going to open\n"
            "                       cases (default %g)\n\n"
            "Output:\n"
            "  --format csv|json|calendar   (default csv: team,territory,start,end,days;\n"
            "                       calendar: a month-by-month view for the console)\n"
            "  --output FILE        (default stdout)\n",
            ROTATIONS_DEFAULT_MIN_STAY_DAYS, ROTATIONS_DEFAULT_MAX_STAY_DAYS,
            ROTATIONS_DEFAULT_REVISIT_DAYS, ROTATIONS_DEFAULT_TRAVEL_DAYS,
            ROTATIONS_DEFAULT_DEFICIT_SHARE);
}

struct rotations_options {
    const char *territories, *cases, *teams, *travel, *config, *from, *to, *min_stay, *max_stay,
        *revisit, *travel_days, *deficit_share, *format, *output;
};

static int parse_days(const char *option, const char *text, int min, int max, int *out, verr *e)
{
    double v;
    if (territory_cli_number(option, text, min, max, &v, e) < 0) return -1;
    if (v != floor(v)) return verr_fail(e, "%s: '%s' is not a whole number", option, text);
    *out = (int)v;
    return 0;
}

static int parse_date(const char *option, const char *text, int64_t *days, verr *e)
{
    int64_t ms;
    enum instant_precision precision;
    if (instant_parse(text, strlen(text), &ms, &precision, e) < 0 || precision != INSTANT_DAY)
        return verr_fail(e, "%s: '%s' is not a date YYYY-MM-DD", option, text);
    *days = ms / INSTANT_MS_PER_DAY;
    return 0;
}

static int build_problem(const struct rotations_options *o, struct rotations_problem *p, verr *e)
{
    rotations_problem_defaults(p);
    config *c;
    if (territory_cli_load_config(o->config, &c, e) < 0) return -1;
    int rc = c ? rotations_problem_from_config(p, c, e) : 0;
    config_free(c);
    if (rc < 0 ||
        (o->min_stay && parse_days("--min-stay", o->min_stay, 1, 365, &p->min_stay_days, e) < 0) ||
        (o->max_stay && parse_days("--max-stay", o->max_stay, 1, 365, &p->max_stay_days, e) < 0) ||
        (o->revisit && parse_days("--revisit", o->revisit, 0, 3650, &p->revisit_days, e) < 0) ||
        (o->travel_days &&
         parse_days("--travel-days", o->travel_days, 0, 365, &p->travel_days, e) < 0) ||
        (o->deficit_share && territory_cli_number("--deficit-share", o->deficit_share, 0, 1,
                                                  &p->deficit_share, e) < 0) ||
        (o->from && parse_date("--from", o->from, &p->first_day, e) < 0) ||
        (o->to && parse_date("--to", o->to, &p->last_day, e) < 0))
        return -1;
    if (o->format && strcmp(o->format, "csv") && strcmp(o->format, "json") &&
        strcmp(o->format, "calendar"))
        return verr_fail(e, "--format: '%s' is not csv, json or calendar", o->format);
    return 0;
}

typedef int (*reader_fn)(struct rotations_input *in, csvfile *f, verr *e);

static int read_file(struct rotations_input *in, const char *path, reader_fn read, verr *e)
{
    if (!path) return 0;
    csvfile *f = csvfile_open(path, e);
    if (!f) return -1;
    int rc = read(in, f, e);
    csvfile_close(f);
    return rc;
}

/* Without --from/--to the horizon spans the teams' availability. */
static void default_horizon(const struct rotations_options *o, struct rotations_problem *p)
{
    int64_t first, last;
    rotations_teams_span(p, &first, &last);
    if (!o->from) p->first_day = first;
    if (!o->to) p->last_day = last;
}

int cmd_rotations(int argc, char **argv)
{
    struct rotations_options o = {0};
    const struct territory_cli_option options[] = {
        {"territories", 0, &o.territories},
        {"cases", 0, &o.cases},
        {"teams", 0, &o.teams},
        {"travel", 0, &o.travel},
        {"config", 0, &o.config},
        {"from", 0, &o.from},
        {"to", 0, &o.to},
        {"min-stay", 0, &o.min_stay},
        {"max-stay", 0, &o.max_stay},
        {"revisit", 0, &o.revisit},
        {"travel-days", 0, &o.travel_days},
        {"deficit-share", 0, &o.deficit_share},
        {"format", 0, &o.format},
        {"output", 0, &o.output},
        {NULL, 0, NULL},
    };
    int rc = territory_cli_parse(CMD, argc, argv, options, usage);
    if (rc) return rc < 0 ? CMD_EXIT_OK : rc;
    if (!o.territories || !o.teams)
        return cmd_usage_error(CMD, "--territories and --teams are required");
    verr e;
    struct rotations_problem p;
    if (build_problem(&o, &p, &e) < 0) return cmd_usage_error(CMD, "%s", e.msg);

    struct rotations_input in;
    rotations_input_init(&in);
    struct rotations_plan plan = {0};
    buf out;
    buf_init(&out, TERRITORY_CLI_MAX_OUTPUT);
    rc = read_file(&in, o.territories, rotations_read_territories, &e);
    if (rc == 0) rc = read_file(&in, o.cases, rotations_read_cases, &e);
    if (rc == 0) rc = read_file(&in, o.teams, rotations_read_teams, &e);
    if (rc == 0) rc = read_file(&in, o.travel, rotations_read_travel, &e);
    if (rc == 0) {
        rotations_input_apply(&in, &p);
        default_horizon(&o, &p);
        rc = rotations_plan_compute(&p, &plan, &e);
    }
    if (rc == 0) {
        if (o.format && !strcmp(o.format, "json"))
            rc = rotations_write_json(&out, &p, &plan);
        else if (o.format && !strcmp(o.format, "calendar"))
            rc = rotations_write_calendar(&out, &p, &plan);
        else
            rc = rotations_write_csv(&out, &p, &plan);
        if (rc < 0) verr_fail(&e, "report larger than %zu bytes", out.max);
        double planned = 0;
        for (size_t t = 0; t < p.territory_count; t++) planned += plan.planned_days[t];
        fprintf(stderr, "vigie rotations: %zu stays, %.0f of %.0f team-days planned\n", plan.count,
                planned, plan.capacity_days);
    }
    int status = rc < 0 ? cmd_fail(CMD, "%s", e.msg) : territory_cli_write(CMD, o.output, &out);
    buf_free(&out);
    rotations_plan_free(&plan);
    rotations_input_free(&in);
    return status;
}
