/* `vigie sim`: generates a simulated programme (signals, programme, ground truth), and
 * `vigie sim score` measures triage events against the truth. */
#include "cmd/cmd.h"
#include "core/instant.h"
#include "sim/sim.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <signal.h>
#include <sys/stat.h>

static const char generate_usage[] =
    "Usage: vigie sim [generate] [options]\n"
    "       vigie sim score --truth FILE --events FILE [options]\n"
    "       vigie sim load --db DATABASE --programme FILE --keys FILE\n"
    "       vigie sim feed --url URL --programme FILE --signals FILE [options]\n"
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

/* getopt_long's ':' (missing value) and '?' (unknown option), in our words. */
static int bad_option(const char *cmd, int c, char **argv)
{
    if (c == ':') return cmd_usage_error(cmd, "%s needs a value", argv[optind - 1]);
    return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

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
        default:
            return bad_option(cmd, c, argv);
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
        default:
            return bad_option(cmd, c, argv);
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

static const char load_usage[] =
    "Usage: vigie sim load --db DATABASE --programme FILE --keys FILE\n"
    "\n"
    "Loads a simulated programme into a Vigie database: the registry's territories (communes,\n"
    "quota), sites and professionals, and the users, so that `vigie sim feed` can log in\n"
    "as each of them: coordinators, planners, professionals and caregivers with\n"
    "the programme's synthetic passwords (demo only), tele-assistance and ambulance accounts\n"
    "linked to every patient of their territory, and gateways, whose new keys are written to\n"
    "the keys file (\"username key\" lines, created with mode 0600). Existing users are kept.\n"
    "Passwords are hashed with argon2id: count tens of milliseconds per user.\n";

static const char feed_usage[] =
    "Usage: vigie sim feed --url URL --programme FILE --signals FILE [options]\n"
    "\n"
    "Feeds a running server with a simulated programme's signals over HTTP, each resource\n"
    "sent by whoever would send it, with their own credentials: gateways (their key from\n"
    "`vigie sim load`), caregivers, professionals, the region's planner for the patients and\n"
    "the territory's GP for their conditions. Nothing is sent before its clinical time.\n"
    "\n"
    "Options:\n"
    "  --url URL              the server (e.g. http://127.0.0.1:8080)\n"
    "  --programme FILE       programme.ndjson (accounts and enrolments)\n"
    "  --signals FILE         signals.ndjson (- for standard input)\n"
    "  --keys FILE            gateways' keys written by `vigie sim load`\n"
    "  --speed N|max          simulated time per wall-clock time: 1 real time, 60 an hour a\n"
    "                         minute (default), max as fast as the server answers\n"
    "  --backfill DURATION    send the first DURATION of clinical time at once (e.g. 2d)\n"
    "  --clock-speed N        with a server run with the same --clock-speed and\n"
    "  --clock-anchor TIME    --clock-anchor (a demonstration's accelerated clock): keep to\n"
    "                         its clock when deciding what is in the future\n"
    "  --quiet                no progress on standard error\n"
    "  -h, --help             this help\n"
    "\n"
    "Ctrl-C stops after the resource in flight and prints what was sent.\n";

static int run_load(int argc, char **argv)
{
    const char *cmd = "sim load";
    const char *db = NULL, *programme = NULL, *keys = NULL;
    enum { O_DB = 256, O_PROGRAMME, O_KEYS };
    static const struct option options[] = {
        {"db", required_argument, NULL, O_DB},
        {"programme", required_argument, NULL, O_PROGRAMME},
        {"keys", required_argument, NULL, O_KEYS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(load_usage, stdout);
            return CMD_EXIT_OK;
        case O_DB:
            db = optarg;
            break;
        case O_PROGRAMME:
            programme = optarg;
            break;
        case O_KEYS:
            keys = optarg;
            break;
        default:
            return bad_option(cmd, c, argv);
        }
    }
    if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!db || !programme || !keys)
        return cmd_usage_error(cmd, "--db, --programme and --keys are required");
    FILE *in = fopen(programme, "r");
    if (!in) return cmd_fail(cmd, "%s: %s", programme, strerror(errno));
    mode_t old_mask = umask(077); /* the keys are credentials */
    FILE *out = fopen(keys, "w");
    umask(old_mask);
    if (!out) {
        fclose(in);
        return cmd_fail(cmd, "%s: %s", keys, strerror(errno));
    }
    verr e;
    int status = CMD_EXIT_OK;
    store *s = store_open(db, STORE_WRITE, &e);
    struct sim_load_stats stats;
    if (!s || sim_load_users(s, in, programme, out, &stats, &e) < 0)
        status = cmd_fail(cmd, "%s", e.msg);
    else
        fprintf(stderr,
                "vigie sim load: %u territories, %u sites, %u professionals; %u users created, "
                "%u already there, %u gateway keys in %s\n",
                stats.territories, stats.sites, stats.professionals, stats.users_created,
                stats.users_existing, stats.keys, keys);
    if (s) store_close(s);
    fclose(in);
    if (fclose(out) != 0 && status == CMD_EXIT_OK)
        status = cmd_fail(cmd, "%s: %s", keys, strerror(errno));
    return status;
}

static volatile sig_atomic_t feed_stop;

static void on_interrupt(int sig)
{
    (void)sig;
    feed_stop = 1;
}

static int run_feed(int argc, char **argv)
{
    const char *cmd = "sim feed";
    struct sim_feed_options opt = {.speed = 60, .log = stderr, .stop = &feed_stop};
    const char *programme = NULL, *signals = NULL;
    enum { O_URL = 256, O_PROGRAMME, O_SIGNALS, O_KEYS, O_SPEED, O_BACKFILL, O_QUIET,
           O_CLOCK_SPEED, O_CLOCK_ANCHOR };
    const char *clock_speed = NULL, *clock_anchor = NULL;
    static const struct option options[] = {
        {"url", required_argument, NULL, O_URL},
        {"programme", required_argument, NULL, O_PROGRAMME},
        {"signals", required_argument, NULL, O_SIGNALS},
        {"keys", required_argument, NULL, O_KEYS},
        {"speed", required_argument, NULL, O_SPEED},
        {"backfill", required_argument, NULL, O_BACKFILL},
        {"quiet", no_argument, NULL, O_QUIET},
        {"clock-speed", required_argument, NULL, O_CLOCK_SPEED},
        {"clock-anchor", required_argument, NULL, O_CLOCK_ANCHOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(feed_usage, stdout);
            return CMD_EXIT_OK;
        case O_CLOCK_SPEED:
            clock_speed = optarg;
            break;
        case O_CLOCK_ANCHOR:
            clock_anchor = optarg;
            break;
        case O_URL:
            opt.url = optarg;
            break;
        case O_PROGRAMME:
            programme = optarg;
            break;
        case O_SIGNALS:
            signals = optarg;
            break;
        case O_KEYS:
            opt.keys_path = optarg;
            break;
        case O_QUIET:
            opt.log = NULL;
            break;
        case O_SPEED: {
            char *end;
            double v = strtod(optarg, &end);
            if (!strcmp(optarg, "max"))
                v = 0;
            else if (end == optarg || *end || !(v > 0 && v <= 1e6))
                return cmd_usage_error(cmd, "--speed '%s': a number above 0, or max", optarg);
            opt.speed = v;
            break;
        }
        case O_BACKFILL: {
            verr e;
            if (instant_parse_duration(optarg, &opt.backfill_ms, &e) < 0)
                return cmd_usage_error(cmd, "--backfill: %s", e.msg);
            break;
        }
        default:
            return bad_option(cmd, c, argv);
        }
    }
    if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!opt.url || !programme || !signals)
        return cmd_usage_error(cmd, "--url, --programme and --signals are required");
    int clock_status = cmd_set_clock(cmd, clock_speed, clock_anchor);
    if (clock_status) return clock_status;
    FILE *p = fopen(programme, "r");
    if (!p) return cmd_fail(cmd, "%s: %s", programme, strerror(errno));
    FILE *in = strcmp(signals, "-") ? fopen(signals, "r") : stdin;
    if (!in) {
        fclose(p);
        return cmd_fail(cmd, "%s: %s", signals, strerror(errno));
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct sim_feed_stats stats;
    verr e;
    int status = CMD_EXIT_OK;
    if (sim_feed(&opt, p, in, &stats, &e) < 0) status = cmd_fail(cmd, "%s", e.msg);
    char when[40] = "-";
    if (stats.clinical_ms) instant_format_utc(stats.clinical_ms, when);
    fprintf(stderr,
            "vigie sim feed: %llu sent, %llu accepted, %llu refused, %llu without credentials; "
            "%llu patients enrolled; %llu logins; clinical time %s%s\n",
            (unsigned long long)stats.sent, (unsigned long long)stats.accepted,
            (unsigned long long)stats.rejected, (unsigned long long)stats.skipped,
            (unsigned long long)stats.enrolled, (unsigned long long)stats.logins, when,
            feed_stop ? " (interrupted)" : "");
    curl_global_cleanup();
    fclose(p);
    if (in != stdin) fclose(in);
    return status;
}

int cmd_sim(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "load")) return run_load(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "feed")) return run_feed(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "score")) return run_score(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "generate")) return run_generate(argc - 1, argv + 1);
    return run_generate(argc, argv);
}
