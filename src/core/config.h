/* Configuration file: "[section]" headers and "key = value" lines, '#' comments. Keys are
 * addressed as "section.key". Every key must be read by some module: config_check_unused
 * turns a misspelt key into an error instead of a silently ignored threshold. */
#ifndef VIGIE_CORE_CONFIG_H
#define VIGIE_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/verr.h"

typedef struct config config;

config *config_new(void);
/* Loads a file; returns NULL with the file, line and reason in e. */
config *config_load(const char *path, verr *e);
/* Adds or replaces a key (tests, command-line overrides). */
void config_set(config *c, const char *key, const char *value);
/* The raw value, or NULL when absent. Marks the key as used. */
const char *config_get(config *c, const char *key);
/* Typed getters: absent keys give `def`; a malformed or out-of-range value is an error that
 * names the key. */
int config_get_int(config *c, const char *key, int64_t def, int64_t min, int64_t max,
                   int64_t *out, verr *e);
int config_get_double(config *c, const char *key, double def, double min, double max, double *out,
                      verr *e);
int config_get_duration(config *c, const char *key, const char *def, int64_t *ms_out, verr *e);
/* Sizes: an integer with an optional unit B, KiB, MiB, GiB. */
int config_get_size(config *c, const char *key, const char *def, int64_t *bytes_out, verr *e);
int config_get_bool(config *c, const char *key, bool def, bool *out, verr *e);
/* A file or directory path: a relative value read from a file is taken from that file's
 * directory (a configuration file and its data files move together), one set by
 * config_set from the working directory. Returns 1 with the path in out, 0 when the key is
 * absent (out is ""), -1 when the path does not fit in n bytes. */
int config_get_path(config *c, const char *key, char *out, size_t n, verr *e);
/* Fails naming the first key present in the file that no module read. */
int config_check_unused(const config *c, verr *e);
/* The same for the keys starting with `prefix` ("triage."): a command that reads one module's
 * part of the platform's file. */
int config_check_unused_prefix(const config *c, const char *prefix, verr *e);
void config_free(config *c);

#endif
