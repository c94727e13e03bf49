/* Inputs and outputs shared by the territory diagnosis commands (`vigie apl`, `vigie sites`,
 * `vigie rotations`): where data files are looked for, loading the communes and the travel
 * times, parsing numeric options, writing the result. */
#ifndef VIGIE_CMD_TERRITORY_CLI_H
#define VIGIE_CMD_TERRITORY_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "territory/communes.h"
#include "territory/travel.h"

/* Largest report a command writes (the per-commune JSON for all of France is ~1.5 MB). */
#define TERRITORY_CLI_MAX_OUTPUT ((size_t)256 << 20)

/* One command-line option: `--name VALUE` stores VALUE in *text; `--name` alone (text NULL)
 * sets *flag; with list set, each `--name VALUE` is appended (at most list_max). */
struct territory_cli_option {
    const char *name;
    char short_name; /* 0 for none */
    const char **text;
    bool *flag;
    const char **list;
    size_t *list_count;
    size_t list_max;
};

/* Parses argv against the options (terminated by a NULL name) plus --help. Returns 0,
 * -1 when --help was printed (the command exits 0), or the usage-error exit status. */
int territory_cli_parse(const char *command, int argc, char **argv,
                        const struct territory_cli_option *options, void (*usage)(FILE *));
/* "csv" or "json" (NULL: csv) into *json. */
int territory_cli_format(const char *text, bool *json, verr *e);
/* Travel settings and the deserts threshold: defaults, then the territory.* keys of c (may
 * be NULL; territory.desert_threshold for the threshold), then the options when given. */
int territory_cli_shared_params(config *c, const char *speed, const char *detour,
                                const char *threshold, struct travel_params *tp,
                                double *threshold_out, verr *e);

/* `given` when set; else $VIGIE_DATA_DIR/<file> when that variable is set; else NULL. */
const char *territory_cli_data_file(const char *given, const char *file, char *path, size_t size);
/* Loads a communes CSV, then fills regions from a départements CSV when one is given. */
int territory_cli_load_communes(const char *path, const char *departements_path,
                                struct commune_table *t, verr *e);
/* Per-commune values of a CSV joined by code (see communes_read_values). */
long territory_cli_read_values(const struct commune_table *t, const char *path,
                               const struct communes_values_options *opt, double *out, verr *e);
/* Road times from a matrix file when one is given, else straight lines with p. */
travel *territory_cli_travel(const struct commune_table *t, const char *matrix_path,
                             const struct travel_params *p, verr *e);
/* Loads --config when given; *out is NULL without one. */
int territory_cli_load_config(const char *path, config **out, verr *e);
/* A number option within [min, max]; returns 0, or -1 with the reason in e. */
int territory_cli_number(const char *option, const char *text, double min, double max, double *out,
                         verr *e);
/* Writes b to the file (or stdout when path is NULL or "-"); returns an exit status. */
int territory_cli_write(const char *command, const char *path, const buf *b);

#endif
