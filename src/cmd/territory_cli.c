#include "cmd/territory_cli.h"

#include "cmd/cmd.h"
#include "territory/deserts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *territory_cli_data_file(const char *given, const char *file, char *path, size_t size)
{
    if (given) return given;
    const char *dir = getenv("VIGIE_DATA_DIR");
    if (!dir || !*dir) return NULL;
    snprintf(path, size, "%s/%s", dir, file);
    return access(path, R_OK) == 0 ? path : NULL;
}

int territory_cli_load_communes(const char *path, const char *departements_path,
                                struct commune_table *t, verr *e)
{
    csvfile *f = csvfile_open(path, e);
    if (!f) return -1;
    int rc = communes_read_csv(t, f, e);
    csvfile_close(f);
    if (rc < 0 || !departements_path) return rc;
    f = csvfile_open(departements_path, e);
    if (!f) return -1;
    rc = communes_read_regions(t, f, e);
    csvfile_close(f);
    return rc;
}

long territory_cli_read_values(const struct commune_table *t, const char *path,
                               const struct communes_values_options *opt, double *out, verr *e)
{
    csvfile *f = csvfile_open(path, e);
    if (!f) return -1;
    long rc = communes_read_values(t, f, opt, out, e);
    csvfile_close(f);
    return rc;
}

travel *territory_cli_travel(const struct commune_table *t, const char *matrix_path,
                             const struct travel_params *p, verr *e)
{
    if (!matrix_path) return travel_straight_line(t, p, e);
    csvfile *f = csvfile_open(matrix_path, e);
    if (!f) return NULL;
    travel *tr = travel_read_matrix(t, f, e);
    csvfile_close(f);
    return tr;
}

int territory_cli_load_config(const char *path, config **out, verr *e)
{
    *out = NULL;
    if (!path) return 0;
    *out = config_load(path, e);
    return *out ? 0 : -1;
}

int territory_cli_number(const char *option, const char *text, double min, double max, double *out,
                         verr *e)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return verr_fail(e, "%s: '%s' is not a number", option, text);
    if (v < min || v > max)
        return verr_fail(e, "%s: %s is outside [%g, %g]", option, text, min, max);
    *out = v;
    return 0;
}

int territory_cli_write(const char *command, const char *path, const buf *b)
{
    bool to_stdout = !path || !strcmp(path, "-");
    FILE *out = to_stdout ? stdout : fopen(path, "w");
    if (!out) return cmd_fail(command, "%s: %s", path, strerror(errno));
    size_t n = b->len;
    bool ok = fwrite(b->data ? b->data : "", 1, n, out) == n;
    ok = (to_stdout ? fflush(out) : fclose(out)) == 0 && ok;
    if (!ok) return cmd_fail(command, "%s: write error", to_stdout ? "stdout" : path);
    return CMD_EXIT_OK;
}

#define MAX_OPTIONS 64

int territory_cli_parse(const char *command, int argc, char **argv,
                        const struct territory_cli_option *options, void (*usage)(FILE *))
{
    struct option longs[MAX_OPTIONS + 2];
    char shorts[2 * MAX_OPTIONS + 2] = ":";
    size_t n = 0, ns = 1;
    for (; options[n].name && n < MAX_OPTIONS; n++) {
        bool has_arg = options[n].text || options[n].list;
        longs[n] = (struct option){options[n].name, has_arg ? required_argument : no_argument, NULL,
                                   (int)(256 + n)};
        if (options[n].short_name) {
            shorts[ns++] = options[n].short_name;
            if (has_arg) shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    longs[n] = (struct option){"help", no_argument, NULL, 'h'};
    longs[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        size_t k = n;
        if (c >= 256 && (size_t)(c - 256) < n)
            k = (size_t)(c - 256);
        else
            for (size_t x = 0; x < n; x++)
                if (options[x].short_name && options[x].short_name == c) k = x;
        if (k == n) {
            if (c == ':') return cmd_usage_error(command, "%s needs a value", argv[optind - 1]);
            return cmd_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        }
        const struct territory_cli_option *o = &options[k];
        if (o->list) {
            if (*o->list_count == o->list_max)
                return cmd_usage_error(command, "--%s: at most %zu", o->name, o->list_max);
            o->list[(*o->list_count)++] = optarg;
        } else if (o->text) {
            *o->text = optarg;
        } else {
            *o->flag = true;
        }
    }
    if (optind < argc) return cmd_usage_error(command, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int territory_cli_format(const char *text, bool *json, verr *e)
{
    *json = text && !strcmp(text, "json");
    if (text && strcmp(text, "csv") && strcmp(text, "json"))
        return verr_fail(e, "--format: '%s' is neither csv nor json", text);
    return 0;
}

int territory_cli_shared_params(config *c, const char *speed, const char *detour,
                                const char *threshold, struct travel_params *tp,
                                double *threshold_out, verr *e)
{
    travel_params_default(tp);
    *threshold_out = DESERTS_DEFAULT_THRESHOLD;
    if (c && (travel_params_from_config(tp, c, e) < 0 ||
              config_get_double(c, "territory.desert_threshold", *threshold_out, 1e-9, 1e9,
                                threshold_out, e) < 0))
        return -1;
    if ((speed && territory_cli_number("--speed", speed, 1, 300, &tp->speed_kmh, e) < 0) ||
        (detour && territory_cli_number("--detour", detour, 1, 5, &tp->detour_factor, e) < 0) ||
        (threshold &&
         territory_cli_number("--threshold", threshold, 1e-9, 1e9, threshold_out, e) < 0))
        return -1;
    return 0;
}
