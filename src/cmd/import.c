/* vigie import FILE: bulk NDJSON through the same pipeline as the server (validation,
 * duplicates, triage), committed in groups. */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/instant.h"
#include "core/mem.h"
#include "platform/platform.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define IN_FLIGHT 2
#define SHOWN_ERRORS 20

static void usage(FILE *out)
{
    fprintf(out, "Usage: vigie import [--db DATABASE] [--config FILE] [--quiet] FILE|-\n\n"
                 "Loads NDJSON FHIR resources (Patient, Condition, Observation, Communication,\n"
                 "ServiceRequest; one per line) into the database, keeping their ids. Lines are\n"
                 "validated, deduplicated and triaged exactly as when received over HTTP; refused\n"
                 "lines are reported with their number and the reason, and the rest goes in.\n"
                 "Stop `vigie serve` on the same database first (or POST to /fhir/$import).\n\n"
                 "  --db DATABASE   SQLite file or postgresql:// URI (default vigie.db)\n"
                 "  --config FILE   configuration file\n"
                 "  --quiet         no progress bar\n");
}

struct chunk;

struct progress {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int in_flight;
    struct chunk *finished; /* freed by the reading thread, not the writer */
    bool failed;
    char failure[512];
    struct ingest_totals totals;
    int errors_shown;
};

struct chunk {
    struct ingest_request *req;
    char *bytes;
    struct progress *pg;
    struct chunk *next;
};

/* Frees the chunks the writer is done with (reading thread: keeps the writer on its job). */
static void free_finished(struct progress *pg)
{
    pthread_mutex_lock(&pg->lock);
    struct chunk *c = pg->finished;
    pg->finished = NULL;
    pthread_mutex_unlock(&pg->lock);
    while (c) {
        struct chunk *next = c->next;
        ingest_request_free(c->req);
        free(c->bytes);
        free(c);
        c = next;
    }
}

static void chunk_done(struct writer_job *job, int status)
{
    struct ingest_request *req = (struct ingest_request *)job;
    struct chunk *c = req->user;
    struct progress *pg = c->pg;
    struct ingest_totals t;
    ingest_request_totals(req, &t);
    pthread_mutex_lock(&pg->lock);
    if (status == 0) {
        pg->totals.created += t.created;
        pg->totals.updated += t.updated;
        pg->totals.duplicates += t.duplicates;
        pg->totals.refused += t.refused;
    } else if (!pg->failed) {
        pg->failed = true;
        snprintf(pg->failure, sizeof pg->failure, "%s", job->error.msg);
    }
    for (size_t i = 0; i < req->count; i++) {
        struct ingest_item *it = &req->items[i];
        if (it->status < 400) continue;
        for (size_t k = 0; k < it->outcome.count && pg->errors_shown < SHOWN_ERRORS; k++) {
            if (it->outcome.issues[k].severity > FHIR_ERROR) continue;
            fprintf(stderr, "\r\033[Kvigie import: %s\n", it->outcome.issues[k].diagnostics);
            pg->errors_shown++;
        }
    }
    pg->in_flight--;
    c->next = pg->finished;
    pg->finished = c;
    pthread_cond_signal(&pg->cond);
    pthread_mutex_unlock(&pg->lock);
}

static void show_progress(bool tty, int64_t done, int64_t total, int64_t started,
                          const struct progress *pg)
{
    if (!tty) return;
    double secs = (double)(instant_now_ms() - started) / 1000.0;
    size_t n = pg->totals.created + pg->totals.updated + pg->totals.duplicates;
    int width = 30, filled = total > 0 ? (int)(width * done / total) : 0;
    fprintf(stderr, "\r\033[K[");
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%  %zu resources  %.0f/s", total > 0 ? (int)(100 * done / total) : 0,
            n, secs > 0 ? (double)n / secs : 0.0);
}

int cmd_import(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "vigie.db", *config_path = NULL;
    bool quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("import", "unknown option");
        }
    }
    if (optind != argc - 1) return cmd_usage_error("import", "give one FILE (or - for stdin)");
    const char *path = argv[optind];
    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in) return cmd_fail("import", "%s: cannot open", path);
    struct stat sb;
    int64_t total = fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : 0;
    bool tty = !quiet && isatty(STDERR_FILENO);

    verr e;
    config *cfg = config_path ? config_load(config_path, &e) : config_new();
    if (!cfg) {
        if (in != stdin) fclose(in);
        return cmd_fail("import", "%s", e.msg);
    }
    struct platform *p = platform_open(db, cfg, NULL, &e);
    if (!p || config_check_unused(cfg, &e) < 0) {
        platform_close(p);
        config_free(cfg);
        if (in != stdin) fclose(in);
        return cmd_fail("import", "%s", e.msg);
    }
    struct progress pg = {.in_flight = 0};
    pthread_mutex_init(&pg.lock, NULL);
    pthread_cond_init(&pg.cond, NULL);
    int64_t started = instant_now_ms(), read_total = 0, next_line = 1;
    buf pending;
    buf_init(&pending, (size_t)p->max_body + CHUNK);
    char *block = xmalloc(CHUNK);
    bool eof = false, too_long = false;
    while (!eof && !pg.failed) {
        size_t n = fread(block, 1, CHUNK, in);
        if (n < CHUNK) eof = true;
        read_total += (int64_t)n;
        if (buf_append(&pending, block, n) < 0) {
            too_long = true;
            break;
        }
        size_t cut = pending.len;
        if (!eof) {
            char *last = pending.len ? memrchr(pending.data, '\n', pending.len) : NULL;
            if (!last) continue;
            cut = (size_t)(last - pending.data) + 1;
        }
        if (cut == 0) continue;
        struct chunk *ch = xcalloc(1, sizeof *ch);
        ch->bytes = xmalloc(cut + 1);
        memcpy(ch->bytes, pending.data, cut);
        ch->bytes[cut] = '\0';
        ch->pg = &pg;
        memmove(pending.data, pending.data + cut, pending.len - cut);
        pending.len -= cut;
        int64_t lines = 0;
        for (size_t i = 0; i < cut; i++) lines += ch->bytes[i] == '\n';
        if (ch->bytes[cut - 1] != '\n') lines++;
        ch->req = ingest_request_new(p->ing, instant_now_ms(), "import", "vigie import");
        ch->req->user = ch;
        ch->req->job.done = chunk_done;
        ingest_prepare_ndjson(ch->req, ch->bytes, cut, next_line);
        next_line += lines;
        pthread_mutex_lock(&pg.lock);
        while (pg.in_flight >= IN_FLIGHT) pthread_cond_wait(&pg.cond, &pg.lock);
        pg.in_flight++;
        pthread_mutex_unlock(&pg.lock);
        if (!ingest_request_has_work(ch->req)) {
            chunk_done(&ch->req->job, 0); /* nothing to commit: count the refusals */
        } else {
            while (writer_submit(p->writer, &ch->req->job) < 0) usleep(2000);
        }
        pthread_mutex_lock(&pg.lock);
        show_progress(tty, read_total, total, started, &pg);
        pthread_mutex_unlock(&pg.lock);
        free_finished(&pg);
    }
    pthread_mutex_lock(&pg.lock);
    while (pg.in_flight > 0) pthread_cond_wait(&pg.cond, &pg.lock);
    pthread_mutex_unlock(&pg.lock);
    free_finished(&pg);
    show_progress(tty, read_total, total, started, &pg);
    if (tty) fputc('\n', stderr);
    free(block);
    buf_free(&pending);
    if (in != stdin) fclose(in);
    platform_close(p);
    config_free(cfg);
    double secs = (double)(instant_now_ms() - started) / 1000.0;
    fprintf(stderr,
            "vigie import: %zu created, %zu updated, %zu duplicates, %zu refused in %.1f s\n",
            pg.totals.created, pg.totals.updated, pg.totals.duplicates, pg.totals.refused, secs);
    if (too_long)
        return cmd_fail("import", "line %lld is longer than server.max_body; stopped there",
                        (long long)next_line);
    if (pg.failed) return cmd_fail("import", "stopped: %s", pg.failure);
    return pg.totals.refused ? CMD_EXIT_FAILURE : CMD_EXIT_OK;
}
