/* vigie audit: the audit trail as NDJSON (Vigie's rows, or FHIR AuditEvent resources), newest
 * first, for an investigation or for archiving. */
#include "auth/audit.h"
#include "cmd/cmd.h"
#include "core/instant.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 1000

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie audit --db DATABASE [--patient ID] [--user NAME] [--from TIME]\n"
            "                   [--to TIME] [--denied] [--limit N] [--fhir]\n\n"
            "Writes the audit trail to standard output, one JSON object per line, newest\n"
            "first: who (user and role), what (the request), when, from which address,\n"
            "about which patient, allowed or denied, and how many identical decisions the\n"
            "row stands for.\n\n"
            "  --patient ID   only decisions about this patient\n"
            "  --user NAME    only this user's\n"
            "  --from TIME    from this time (RFC 3339 or a date)\n"
            "  --to TIME      up to this time\n"
            "  --denied       only refusals\n"
            "  --limit N      at most N rows (default: all)\n"
            "  --fhir         FHIR R4 AuditEvent resources instead of Vigie's rows\n");
}

struct export {
    bool fhir;
    long long left; /* rows still wanted; -1: all */
    long long written;
    int64_t last_id;
    buf line;
};

static int write_row(void *arg, const struct store_audit_row *row)
{
    struct export *x = arg;
    buf_reset(&x->line);
    if (x->fhir)
        audit_row_fhir(row, &x->line);
    else
        audit_row_json(row, &x->line);
    buf_putc(&x->line, '\n');
    fwrite(x->line.data, 1, x->line.len, stdout);
    x->written++;
    x->last_id = row->id;
    if (x->left > 0 && --x->left == 0) return 1;
    return 0;
}

static int parse_time(const char *option, const char *text, int64_t *out)
{
    enum instant_precision precision;
    verr e;
    if (instant_parse(text, strlen(text), out, &precision, &e) < 0)
        return cmd_usage_error("audit", "--%s: %s", option, e.msg);
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},   {"patient", required_argument, NULL, 'p'},
        {"user", required_argument, NULL, 'u'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},   {"denied", no_argument, NULL, 'D'},
        {"limit", required_argument, NULL, 'l'}, {"fhir", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    struct store_audit_query q = {.allowed = -1, .from_ms = STORE_NO_TIME, .to_ms = STORE_NO_TIME};
    struct export x = {.left = -1};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': q.patient = optarg; break;
        case 'u': q.username = optarg; break;
        case 'f':
            if (parse_time("from", optarg, &q.from_ms)) return CMD_EXIT_USAGE;
            break;
        case 't':
            if (parse_time("to", optarg, &q.to_ms)) return CMD_EXIT_USAGE;
            break;
        case 'D': q.allowed = 0; break;
        case 'l': {
            char *end;
            x.left = strtoll(optarg, &end, 10);
            if (*end || x.left < 1) return cmd_usage_error("audit", "--limit must be positive");
            break;
        }
        case 'F': x.fhir = true; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("audit", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    if (!db) return cmd_usage_error("audit", "--db DATABASE is required");
    verr e;
    store *s = store_open(db, STORE_READ, &e);
    if (!s) return cmd_fail("audit", "%s", e.msg);
    buf_init(&x.line, 1 << 20);
    int status = CMD_EXIT_OK;
    /* Page by id so that a long trail is never held in memory. */
    for (;;) {
        q.limit = PAGE;
        long long before = x.written;
        int rows = store_audit_search(s, &q, write_row, &x, &e);
        if (rows < 0) {
            status = cmd_fail("audit", "%s", e.msg);
            break;
        }
        if (rows < PAGE || x.left == 0 || x.written == before) break;
        q.before_id = x.last_id;
    }
    buf_free(&x.line);
    store_close(s);
    if (fflush(stdout) != 0) return cmd_fail("audit", "cannot write the output");
    return status;
}
