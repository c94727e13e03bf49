/* Private to the registry module: outcomes and JSON field readers shared by its files. */
#ifndef VIGIE_REGISTRY_INT_H
#define VIGIE_REGISTRY_INT_H

#include "registry/registry.h"

/* Sets the outcome; returns -1 (so that parsers can `return registry_refuse(...)`). */
int registry_refuse(struct registry_outcome *o, int status, const char *field, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
void registry_ok(struct registry_outcome *o, int status);
/* Refuses members of `body` not in `allowed` (NULL-terminated): a misspelt field is an
 * error, not a silently ignored setting. */
int registry_known_fields(json_t *body, const char *const *allowed, struct registry_outcome *o);
/* A string member copied into out (1..n-1 characters). Absent: -1 with o set when
 * required, else 1 (out untouched). */
int registry_text(json_t *body, const char *field, bool required, char *out, size_t n,
                  struct registry_outcome *o);

#endif
