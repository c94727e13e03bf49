/* Reading NDJSON (truth, events, programme): one JSON object per line, each line bounded. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>

int sim_each_json_line(FILE *in, const char *name, size_t max_line,
                       int (*fn)(void *arg, json_t *obj, const char *where, verr *e), void *arg,
                       verr *e)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        char where[300];
        snprintf(where, sizeof where, "%s:%lu", name, lineno);
        if ((size_t)len > max_line) {
            rc = verr_fail(e, "%s: line longer than %zu bytes", where, max_line);
            break;
        }
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) n--;
        if (n == 0) continue;
        json_error_t err;
        json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(obj))
            rc = verr_fail(e, "%s: not a JSON object%s%s", where, obj ? "" : ": ",
                           obj ? "" : err.text);
        else
            rc = fn(arg, obj, where, e);
        json_decref(obj);
    }
    if (rc == 0 && ferror(in)) rc = verr_fail(e, "%s: read error", name);
    free(line);
    return rc;
}
