/* vigie serve: the platform. */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/instant.h"
#include "core/log.h"
#include "http/server.h"
#include "http/stream.h"
#include "http/web_root.h" /* VIGIE_SOURCE_ROOT: where ../shared/data may be */
#include "platform/platform.h"
#include "territory/dataset.h"

#include <sys/resource.h>

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie serve [--db DATABASE] [--listen HOST:PORT] [--config FILE]\n"
            "                   [--threads N] [--web DIR]\n\n"
            "Runs the platform: FHIR ingestion, triage, the coordination queue and the console.\n\n"
            "  --db DATABASE        SQLite file (created if absent; default vigie.db) or\n"
            "                       postgresql://user@host/dbname (docs/postgresql.md)\n"
            "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; port 0 picks\n"
            "                       a free port, printed at start)\n"
            "  --config FILE        configuration file (see docs/configuration.md)\n"
            "  --threads N          HTTP threads (default: 2)\n"
            "  --web DIR            console files to serve (default: ../web beside the binary,\n"
            "                       then ../share/vigie/web, then the source tree's web/)\n"
            "  --clock-speed N      demonstrations only: the platform's clock runs N times\n"
            "                       faster than real time (escalations, late data, expiries)\n"
            "  --clock-anchor TIME  the instant at which that clock equals real time (default:\n"
            "                       start-up); give the same to `vigie sim feed`\n"
            "  -h, --help           this help\n\n"
            "Stops cleanly on SIGINT or SIGTERM, after committing what it acknowledged.\n");
}

int cmd_serve(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},     {"listen", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'}, {"threads", required_argument, NULL, 't'},
        {"web", required_argument, NULL, 'w'},    {"help", no_argument, NULL, 'h'},
        {"clock-speed", required_argument, NULL, 'S'},
        {"clock-anchor", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *listen = NULL, *config_path = NULL, *web = NULL;
    const char *clock_speed = NULL, *clock_anchor = NULL;
    int threads = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': listen = optarg; break;
        case 'c': config_path = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'w': web = optarg; break;
        case 'S': clock_speed = optarg; break;
        case 'A': clock_anchor = optarg; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("serve", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    int clock_status = cmd_set_clock("serve", clock_speed, clock_anchor);
    if (clock_status) return clock_status;

    verr e;
    config *cfg = config_path ? config_load(config_path, &e) : config_new();
    if (!cfg) return cmd_fail("serve", "%s", e.msg);
    int64_t config_threads;
    if (!db) db = config_get(cfg, "server.db");
    if (!listen) listen = config_get(cfg, "server.listen");
    if (config_get_int(cfg, "server.threads", 2, 1, 64, &config_threads, &e) < 0) {
        config_free(cfg);
        return cmd_fail("serve", "%s", e.msg);
    }
    if (!db) db = "vigie.db";
    if (!listen) listen = "127.0.0.1:8080";
    if (!threads) threads = (int)config_threads;
    /* The console: --web DIR, or web/ found beside the binary (docs/console.md). */
    char web_default[4096];
    if (web && http_static_check_root(web, &e) < 0) {
        config_free(cfg);
        return cmd_fail("serve", "%s", e.msg);
    }
    if (!web && http_static_default_root(web_default, sizeof web_default) == 0) web = web_default;

    /* Threads started from here inherit the blocked signals; main waits for them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = CMD_EXIT_FAILURE;
    http_server *srv = NULL;
    auth_throttle *throttle = NULL;
    struct auth_throttle_policy policy;
    int64_t session_ttl_ms;
    struct stream_hub *app_hub = NULL;
    dataset *data = NULL;
    struct dataset_settings data_settings;
    /* The team's data pack beside the working directory or the source tree (docs/territory.md) */
    static const char *const data_dirs[] = {"../shared/data", VIGIE_SOURCE_ROOT "/../shared/data",
                                            NULL};
    app_hub = stream_hub_new();
    struct platform_publisher publisher = {stream_hub_publish, stream_hub_heartbeat, app_hub};
    struct platform *p = platform_open(db, cfg, &publisher, &e);
    if (!p || auth_throttle_policy_read(cfg, &policy, &e) < 0 ||
        config_get_duration(cfg, "auth.session_ttl", "12h", &session_ttl_ms, &e) < 0 ||
        dataset_settings_read(cfg, data_dirs, &data_settings, &e) < 0 ||
        config_check_unused(cfg, &e) < 0) {
        cmd_fail("serve", "%s", e.msg);
        goto done;
    }
    /* Read on first use (docs/territory.md), so a server that never diagnoses pays nothing. */
    data = dataset_new(&data_settings);
    if (data_settings.data_dir[0])
        log_info("serve: territory data from %s (%s)", data_settings.data_dir,
                 data_settings.data_dir_origin);
    else if (!data_settings.files[DATASET_COMMUNES].named)
        log_warn("serve: no territory data (set territory.data_dir): the diagnosis API "
                 "answers 503");
    /* 64k accounts and addresses: 2 MiB, bounded whatever the attack */
    throttle = auth_throttle_new(&policy, 65536);
    struct http_app app = {
        .db_path = db,
        .platform = p,
        .writer = p->writer,
        .ing = p->ing,
        .max_body = p->max_body,
        .threads = threads,
        .web_root = web,
        .started_ms = instant_now_ms(),
        .audit = p->audit,
        .registry = p->registry,
        .throttle = throttle,
        .session_ttl_ms = session_ttl_ms,
        .dataset = data,
    };
    /* One descriptor per live stream: raise the soft limit to the hard one. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    app.hub = app_hub;
    srv = http_server_start(&app, listen, &e);
    if (!srv) {
        cmd_fail("serve", "%s", e.msg);
        goto done;
    }
    char host[128];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    char shown[512];
    store_target_redacted(db, shown, sizeof shown); /* a URI's password stays out of logs */
    printf("vigie: serving http://%s:%d/ (database %s)\n", host, http_server_port(srv), shown);
    if (web)
        log_info("serve: console files from %s", web);
    else
        log_warn("serve: no console files found (web/); start with --web DIR to serve them");
    fflush(stdout);
    int sig;
    sigwait(&stop_signals, &sig);
    log_info("serve: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = CMD_EXIT_OK;
done:
    /* The writer first: it commits what is queued and wakes the waiting connections, which
     * then get their answers before the HTTP server stops. */
    platform_drain(p);
    /* streams end, then the server: MHD must not stop with suspended connections */
    stream_hub_close(app_hub);
    if (srv) usleep(200 * 1000);
    http_server_stop(srv);
    stream_hub_free(app_hub);
    platform_close(p);
    auth_throttle_free(throttle);
    dataset_free(data);
    config_free(cfg);
    return status;
}
