/* vigie export: every resource's current version as NDJSON (round-trips through import). */
#include "cmd/cmd.h"
#include "fhir/fhir.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "Usage: vigie export [--db DATABASE] [--output FILE]\n\n"
                 "Writes the current version of every resource as NDJSON: Patients first, then\n"
                 "Conditions, Observations, Communications and ServiceRequests in the order they\n"
                 "were received. `vigie import` of the output rebuilds the same data.\n\n"
                 "  --db DATABASE   SQLite file or postgresql:// URI (default vigie.db)\n"
                 "  --output FILE   where to write (default: standard output)\n");
}

struct export_out {
    FILE *file;
    buf line;
};

static int write_line(void *arg, const char *type, const char *id, int id_form, const char *json,
                      size_t len)
{
    (void)type;
    struct export_out *out = arg;
    buf_reset(&out->line);
    /* the server's id goes into the text, so that import keeps it */
    fhir_resource_with_id(json, len, (enum fhir_id_form)id_form, id, &out->line);
    buf_putc(&out->line, '\n');
    return fwrite(out->line.data, 1, out->line.len, out->file) == out->line.len ? 0 : -1;
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
    struct export_out eo = {.file = out};
    buf_init(&eo.line, SIZE_MAX);
    int rc = store_export(s, write_line, &eo, &e);
    buf_free(&eo.line);
    bool write_failed = fflush(out) != 0 || ferror(out);
    if (out != stdout) write_failed |= fclose(out) != 0;
    store_close(s);
    if (rc < 0) return cmd_fail("export", "%s", e.msg);
    if (write_failed) return cmd_fail("export", "writing failed (disk full?)");
    return CMD_EXIT_OK;
}
