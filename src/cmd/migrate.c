/* vigie migrate: copies a platform from one database to another, SQLite to PostgreSQL or
 * back (docs/postgresql.md). */
#include "cmd/cmd.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie migrate --from DATABASE --to DATABASE\n\n"
            "Copies everything a platform stores (ingest log, patients, observations, other\n"
            "resources, users and tokens, events, cases and their history, the change feed,\n"
            "the registry and the audit trail) from one database to another: a SQLite file or\n"
            "a postgresql:// URI, either way. The destination is created (schema migrations\n"
            "applied) and must hold no data; rows keep their ids and sequence numbers, so\n"
            "`vigie export` of both gives the same lines. Stop the servers of the source\n"
            "first: what they write during the copy is not copied.\n\n"
            "  --from DATABASE   SQLite file or postgresql://user@host/dbname URI\n"
            "  --to DATABASE     the same, empty\n");
}

static void show_progress(void *arg, const char *table, int64_t rows)
{
    (void)arg;
    fprintf(stderr, "vigie migrate: %-20s %lld rows\n", table, (long long)rows);
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option options[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *to = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'h':
            usage(stdout);
            return CMD_EXIT_OK;
        default:
            return cmd_usage_error("migrate", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("migrate", "unexpected argument '%s'", argv[optind]);
    if (!from || !to) return cmd_usage_error("migrate", "--from and --to are required");
    verr e;
    store *src = store_open(from, STORE_READ, &e);
    if (!src) return cmd_fail("migrate", "%s", e.msg);
    store *dst = store_open(to, STORE_WRITE, &e);
    if (!dst) {
        store_close(src);
        return cmd_fail("migrate", "%s", e.msg);
    }
    int rc = store_copy(src, dst, show_progress, NULL, &e);
    store_close(dst);
    store_close(src);
    if (rc < 0) return cmd_fail("migrate", "%s", e.msg);
    return CMD_EXIT_OK;
}
