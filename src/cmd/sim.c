/* `vigie sim`: generates a simulated programme (signals, programme, ground truth), and
 * `vigie sim score` measures triage events against the truth. */
#include "cmd/cmd.h"
#include "core/instant.h"
#include "sim/sim.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char generate_usage[] =
    "Usage: vigie sim [generate] [options]\n"
    "       vigie sim score --truth FILE --events FILE [options]\n"
    "\n"
    "Generates a simulated telemonitoring programme on real French communes: territories,\n"
    "sites, users, enrolled patients and D days of their signals as NDJSON FHIR R4 resources\n"
    "in clinical-time order (for `vigie triage` and `vigie import`), with the ground truth of\n"
    "every injected episode. The same seed and data give the same bytes.\n"
    "\n"
    "Options:\n"
    "  --seed N                    random seed (default 1)\n"
    "  --patients N                enrolled patients, spread over territories (default 1000)\n"
    "  --days D                    days of signals (default 30)\n"
    "  --start YYYY-MM-DD          first day, Europe/Paris (default 2026-03-01)\n"
    "  --regions N                 regions drawn from the communes file (default 10)\n"
    "  --territories-per-region N  territories per region (default 5)\n"
    "  --episode-rate X            multiplies every episode rate (default 1: realistic)\n"
    "  --out DIR                   writes DIR/signals.ndjson, programme.ndjson, truth.ndjson\n"
    "  --signals FILE              signals (default: standard output, unless --out)\n"
    "  --programme FILE            territories, sites, users and enrolments (NDJSON)\n"
    "  --truth FILE                ground truth: episodes and artefacts (NDJSON)\n"
    "  --communes FILE             communes.json of @etalab/decoupage-administratif\n"
    "                              (default: node_modules/@etalab/decoupage-administratif/data)\n"
    "  --coordinates FILE          communes.csv with code_insee,lat,lon (default:\n"
    "                              $VIGIE_DATA_DIR/communes.csv, then ../shared/data)\n"
    "  --no-coordinates            do not read coordinates (territories by arrondissement)\n"
    "  --quiet                     no summary on standard error\n"
    "  -h, --help                  this help\n"
    "\n"
    "Example:\n"
    "  vigie sim --seed 7 --patients 2000 --days 30 --out sim/\n"
    "  vigie triage sim/signals.ndjson > sim/events.ndjson\n"
    "  vigie sim score --truth sim/truth.ndjson --events sim/events.ndjson\n"
    "\n"
    "See docs/sim.md for the models, proportions, formats and scoring definitions.\n";

static const char score_usage[] =
    "Usage: vigie sim score --truth FILE --events FILE [options]\n"
    "\n"
    "Matches triage events (one JSON object per line, as `vigie triage` writes them) to the\n"
    "episodes of a truth file: same patient, a rule the episode expects, and `at` between the\n"
    "episode's onset and its end plus the tolerance. Reports per episode type the sensitivity,\n"
    "the category agreement and the median time to detection, and the false alerts (events\n"
    "matching no episode) per patient-month.\n"
    "\n"
    "Options:\n"
    "  --truth FILE                truth file from `vigie sim`\n"
    "  --events FILE               events (- for standard input)\n"
    "  --tolerance DURATION        detection allowed after an episode's end (default 24h)\n"
    "  --json                      one JSON object instead of the text table\n"
    "  --min-sensitivity CAT=PCT   fail (status 1) when the sensitivity for episodes of\n"
    "                              expected category CAT is below PCT %% (repeatable)\n"
    "  -h, --help                  this help\n";

static int parse_uint(const char *cmd, const char *opt, const char *text, unsigned long max,
                      unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max)
        return cmd_usage_error(cmd, "%s '%s': expected an integer from 0 to %lu", opt, text, max);
    *out = (unsigned long)v;
    return 0;
}

static int parse_date(const char *text, int64_t *start_ms)
{
    int64_t ms;
    enum instant_precision precision;
    verr e;
    if (strlen(text) != 10 || instant_parse(text, 10, &ms, &precision, &e) < 0 ||
        precision != INSTANT_DAY)
        return -1;
    *start_ms = sim_paris_midnight(ms);
    return 0;
}

static FILE *open_output(const char *path, const char **error_path)
{
    if (!strcmp(path, "-")) return stdout;
    FILE *f = fopen(path, "w");
    if (!f) *error_path = path;
    return f;
}

static int run_generate(int argc, char **argv)
{
    const char *cmd = "sim";
    struct sim_config cfg;
    sim_config_default(&cfg);
    const char *out_dir = NULL, *signals = NULL, *programme = NULL, *truth = NULL;
    bool no_coordinates = false, quiet = false;
    enum {
        O_SEED = 256,
        O_PATIENTS,
        O_DAYS,
        O_START,
        O_REGIONS,
        O_TPR,
        O_RATE,
        O_OUT,
        O_SIGNALS,
        O_PROGRAMME,
        O_TRUTH,
        O_COMMUNES,
        O_COORDINATES,
        O_NO_COORDINATES,
        O_QUIET
    };
    static const struct option options[] = {
        {"seed", required_argument, NULL, O_SEED},
        {"patients", required_argument, NULL, O_PATIENTS},
        {"days", required_argument, NULL, O_DAYS},
        {"start", required_argument, NULL, O_START},
        {"regions", required_argument, NULL, O_REGIONS},
        {"territories-per-region", required_argument, NULL, O_TPR},
        {"episode-rate", required_argument, NULL, O_RATE},
        {"out", required_argument, NULL, O_OUT},
        {"signals", required_argument, NULL, O_SIGNALS},
        {"programme", required_argument, NULL, O_PROGRAMME},
        {"truth", required_argument, NULL, O_TRUTH},
        {"communes", required_argument, NULL, O_COMMUNES},
        {"coordinates", required_argument, NULL, O_COORDINATES},
        {"no-coordinates", no_argument, NULL, O_NO_COORDINATES},
        {"quiet", no_argument, NULL, O_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    unsigned long v;
    optind = 1;
    opterr = 0; /* our own message names the option */
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(generate_usage, stdout);
            return CMD_EXIT_OK;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return cmd_usage_error(cmd, "--seed '%s': expected a non-negative integer", optarg);
            cfg.seed = s;
            break;
        }
        case O_PATIENTS:
            if (parse_uint(cmd, "--patients", optarg, SIM_MAX_PATIENTS, &v)) return CMD_EXIT_USAGE;
            cfg.patients = (uint32_t)v;
            break;
        case O_DAYS:
            if (parse_uint(cmd, "--days", optarg, SIM_MAX_DAYS, &v)) return CMD_EXIT_USAGE;
            cfg.days = (uint32_t)v;
            break;
        case O_REGIONS:
            if (parse_uint(cmd, "--regions", optarg, SIM_MAX_REGIONS, &v)) return CMD_EXIT_USAGE;
            cfg.regions = (unsigned)v;
            break;
        case O_TPR:
            if (parse_uint(cmd, "--territories-per-region", optarg, SIM_MAX_TERRITORIES_PER_REGION,
                           &v))
                return CMD_EXIT_USAGE;
            cfg.territories_per_region = (unsigned)v;
            break;
        case O_START:
            if (parse_date(optarg, &cfg.start_ms) < 0)
                return cmd_usage_error(cmd, "--start '%s': expected a date YYYY-MM-DD", optarg);
            break;
        case O_RATE: {
            char *end;
            double r = strtod(optarg, &end);
            if (end == optarg || *end || !(r >= 0 && r <= 100))
                return cmd_usage_error(cmd, "--episode-rate '%s': expected a number from 0 to 100",
                                       optarg);
            cfg.episode_rate = r;
            break;
        }
        case O_OUT:
            out_dir = optarg;
            break;
        case O_SIGNALS:
            signals = optarg;
            break;
        case O_PROGRAMME:
            programme = optarg;
            break;
        case O_TRUTH:
            truth = optarg;
            break;
        case O_COMMUNES:
            cfg.communes_path = optarg;
            break;
        case O_COORDINATES:
            cfg.coordinates_path = optarg;
            break;
        case O_NO_COORDINATES:
            no_coordinates = true;
            break;
        case O_QUIET:
            quiet = true;
            break;
        case ':':
            return cmd_usage_error(cmd, "%s needs a value", argv[optind - 1]);
        default:
            return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!cfg.communes_path) cfg.communes_path = sim_default_communes_path();
    if (!cfg.communes_path)
        return cmd_fail(cmd, "communes.json not found: run scripts/setup (npm package "
                             "@etalab/decoupage-administratif) or pass --communes FILE");
    if (no_coordinates)
        cfg.coordinates_path = NULL;
    else if (!cfg.coordinates_path)
        cfg.coordinates_path = sim_default_coordinates_path();

    char paths[3][PATH_MAX];
    if (out_dir) {
        if (mkdir(out_dir, 0777) < 0 && errno != EEXIST)
            return cmd_fail(cmd, "%s: %s", out_dir, strerror(errno));
        const char *names[3] = {"signals.ndjson", "programme.ndjson", "truth.ndjson"};
        const char **slots[3] = {&signals, &programme, &truth};
        for (int i = 0; i < 3; i++) {
            if (*slots[i]) continue;
            snprintf(paths[i], sizeof paths[i], "%s/%s", out_dir, names[i]);
            *slots[i] = paths[i];
        }
    }
    if (!signals) signals = "-";
    struct sim_outputs out = {0};
    const char *bad = NULL;
    out.signals = open_output(signals, &bad);
    if (out.signals && programme) out.programme = open_output(programme, &bad);
    if (out.signals && !bad && truth) out.truth = open_output(truth, &bad);
    int status = CMD_EXIT_OK;
    if (bad) {
        status = cmd_fail(cmd, "%s: %s", bad, strerror(errno));
    } else {
        struct sim_stats stats;
        verr e;
        if (sim_generate(&cfg, &out, &stats, &e) < 0) {
            status = cmd_fail(cmd, "%s", e.msg);
        } else if (!quiet) {
            fprintf(
                stderr,
                "vigie sim: %u patients in %u territories, %u days: %llu resources "
                "(%llu observations, %llu communications, %llu service requests; %llu sent "
                "twice), %llu episodes, %llu artefacts; coordinates: %s\n",
                cfg.patients, stats.territories, cfg.days, (unsigned long long)stats.resources,
                (unsigned long long)stats.observations, (unsigned long long)stats.communications,
                (unsigned long long)stats.service_requests, (unsigned long long)stats.duplicates,
                (unsigned long long)stats.episodes, (unsigned long long)stats.artefacts,
                cfg.coordinates_path ? cfg.coordinates_path : "none");
        }
    }
    FILE *files[3] = {out.signals, out.programme, out.truth};
    for (int i = 0; i < 3; i++)
        if (files[i] && files[i] != stdout && fclose(files[i]) != 0 && status == CMD_EXIT_OK)
            status = cmd_fail(cmd, "write error: %s", strerror(errno));
    return status;
}

static int run_score(int argc, char **argv)
{
    const char *cmd = "sim score";
    const char *truth = NULL, *events = NULL;
    int64_t tolerance = SIM_SCORE_DEFAULT_TOLERANCE_MS;
    bool json = false;
    double min_sensitivity[4] = {-1, -1, -1, -1};
    enum { O_TRUTH = 256, O_EVENTS, O_TOLERANCE, O_JSON, O_MIN };
    static const struct option options[] = {
        {"truth", required_argument, NULL, O_TRUTH},
        {"events", required_argument, NULL, O_EVENTS},
        {"tolerance", required_argument, NULL, O_TOLERANCE},
        {"json", no_argument, NULL, O_JSON},
        {"min-sensitivity", required_argument, NULL, O_MIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0; /* our own message names the option */
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(score_usage, stdout);
            return CMD_EXIT_OK;
        case O_TRUTH:
            truth = optarg;
            break;
        case O_EVENTS:
            events = optarg;
            break;
        case O_JSON:
            json = true;
            break;
        case O_TOLERANCE: {
            verr e;
            if (instant_parse_duration(optarg, &tolerance, &e) < 0)
                return cmd_usage_error(cmd, "--tolerance: %s", e.msg);
            break;
        }
        case O_MIN: {
            char *end;
            long cat = strtol(optarg, &end, 10);
            double pct = *end == '=' ? strtod(end + 1, &end) : -1;
            if (cat < 1 || cat > 3 || *end || !(pct >= 0 && pct <= 100))
                return cmd_usage_error(
                    cmd, "--min-sensitivity '%s': expected CAT=PERCENT, e.g. 1=95", optarg);
            min_sensitivity[cat] = pct;
            break;
        }
        case ':':
            return cmd_usage_error(cmd, "%s needs a value", argv[optind - 1]);
        default:
            return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!truth || !events) return cmd_usage_error(cmd, "--truth and --events are required");
    FILE *tf = fopen(truth, "r");
    if (!tf) return cmd_fail(cmd, "%s: %s", truth, strerror(errno));
    FILE *ef = strcmp(events, "-") ? fopen(events, "r") : stdin;
    if (!ef) {
        fclose(tf);
        return cmd_fail(cmd, "%s: %s", events, strerror(errno));
    }
    sim_score *s = sim_score_new(tolerance);
    verr e;
    int status = CMD_EXIT_OK;
    if (sim_score_load_truth(s, tf, truth, &e) < 0 || sim_score_add_events(s, ef, events, &e) < 0) {
        status = cmd_fail(cmd, "%s", e.msg);
    } else {
        if (json)
            sim_score_print_json(s, stdout);
        else
            sim_score_print_text(s, stdout);
        for (int cat = 1; cat <= 3; cat++) {
            if (min_sensitivity[cat] < 0) continue;
            struct sim_score_row row;
            sim_score_row_for(s, NULL, cat, &row);
            if (row.sensitivity * 100 < min_sensitivity[cat])
                status = cmd_fail(cmd,
                                  "sensitivity for category-%d episodes is %.1f %% (%u of %u), "
                                  "below %.1f %%",
                                  cat, row.sensitivity * 100, row.detected, row.episodes,
                                  min_sensitivity[cat]);
        }
    }
    sim_score_free(s);
    fclose(tf);
    if (ef != stdin) fclose(ef);
    return status;
}

int cmd_sim(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "score")) return run_score(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "generate")) return run_generate(argc - 1, argv + 1);
    return run_generate(argc, argv);
}
