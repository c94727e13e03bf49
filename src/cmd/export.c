/* vigie export: every resource's current version as NDJSON (round-trips through import). */
#include "cmd/cmd.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "Usage: vigie export [--db FILE] [--output FILE]\n\n"
                 "Writes the current version of every resource as NDJSON: Patients first, then\n"
                 "Conditions, Observations, Communications and ServiceRequests in the order they\n"
                 "were received. `vigie import` of the output rebuilds the same data.\n\n"
                 "  --db FILE       database (default vigie.db)\n"
                 "  --output FILE   where to write (default: standard output)\n");
}

static int write_line(void *arg, const char *type, const char *json, size_t len)
{
    (void)type;
    FILE *out = arg;
    if (fwrite(json, 1, len, out) != len || fputc('\n', out) == EOF) return -1;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "vigie.db", *output = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': output = optarg; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("export", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("export", "unexpected argument '%s'", argv[optind]);
    verr e;
    store *s = store_open(db, STORE_READ, &e);
    if (!s) return cmd_fail("export", "%s", e.msg);
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
        store_close(s);
        return cmd_fail("export", "%s: cannot create", output);
    }
    int rc = store_export(s, write_line, out, &e);
    bool write_failed = fflush(out) != 0 || ferror(out);
    if (out != stdout) write_failed |= fclose(out) != 0;
    store_close(s);
    if (rc < 0) return cmd_fail("export", "%s", e.msg);
    if (write_failed) return cmd_fail("export", "writing failed (disk full?)");
    return CMD_EXIT_OK;
}
