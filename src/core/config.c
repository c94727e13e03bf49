#include "core/config.h"
#include "core/instant.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_LINE 4096

struct config_entry {
    char *key;
    char *value;
    char *origin; /* "file:line" for error messages */
    bool used;
};

struct config {
    struct config_entry *entries;
    size_t count, cap;
};

config *config_new(void)
{
    return xcalloc(1, sizeof(config));
}

static struct config_entry *config_find(const config *c, const char *key)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].key, key) == 0) return &c->entries[i];
    return NULL;
}

static void config_put(config *c, const char *key, const char *value, const char *origin)
{
    struct config_entry *ent = config_find(c, key);
    if (ent) {
        free(ent->value);
        free(ent->origin);
    } else {
        if (c->count == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->entries = xrealloc(c->entries, c->cap * sizeof *c->entries);
        }
        ent = &c->entries[c->count++];
        ent->key = xstrdup(key);
        ent->used = false;
    }
    ent->value = xstrdup(value);
    ent->origin = xstrdup(origin);
}

void config_set(config *c, const char *key, const char *value)
{
    config_put(c, key, value, "set");
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

config *config_load(const char *path, verr *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        verr_fail(e, "%s: %s", path, strerror(errno));
        return NULL;
    }
    config *c = config_new();
    char line[CONFIG_MAX_LINE], section[256] = "";
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            verr_fail(e, "%s:%d: line longer than %d bytes", path, lineno, CONFIG_MAX_LINE);
            goto fail;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (!*s) continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] != '\0' || end == s + 1) {
                verr_fail(e, "%s:%d: a section header is [name]", path, lineno);
                goto fail;
            }
            *end = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            verr_fail(e, "%s:%d: expected 'key = value'", path, lineno);
            goto fail;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!*key) {
            verr_fail(e, "%s:%d: missing key before '='", path, lineno);
            goto fail;
        }
        char full[512], origin[600];
        snprintf(full, sizeof full, "%s%s%s", section, *section ? "." : "", key);
        snprintf(origin, sizeof origin, "%s:%d", path, lineno);
        config_put(c, full, value, origin);
    }
    fclose(f);
    return c;
fail:
    fclose(f);
    config_free(c);
    return NULL;
}

const char *config_get(config *c, const char *key)
{
    struct config_entry *ent = config_find(c, key);
    if (!ent) return NULL;
    ent->used = true;
    return ent->value;
}

static const char *config_origin(const config *c, const char *key)
{
    struct config_entry *ent = config_find(c, key);
    return ent ? ent->origin : "default";
}

int config_get_int(config *c, const char *key, int64_t def, int64_t min, int64_t max,
                   int64_t *out, verr *e)
{
    const char *v = config_get(c, key);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return verr_fail(e, "%s: %s = '%s' is not an integer", config_origin(c, key), key, v);
    if (x < min || x > max)
        return verr_fail(e, "%s: %s = %lld is outside %lld..%lld", config_origin(c, key), key, x,
                         (long long)min, (long long)max);
    *out = x;
    return 0;
}

int config_get_double(config *c, const char *key, double def, double min, double max, double *out,
                      verr *e)
{
    const char *v = config_get(c, key);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x))
        return verr_fail(e, "%s: %s = '%s' is not a number", config_origin(c, key), key, v);
    if (x < min || x > max)
        return verr_fail(e, "%s: %s = %g is outside %g..%g", config_origin(c, key), key, x, min,
                         max);
    *out = x;
    return 0;
}

int config_get_duration(config *c, const char *key, const char *def, int64_t *ms_out, verr *e)
{
    const char *v = config_get(c, key);
    if (instant_parse_duration(v ? v : def, ms_out, e) < 0)
        return verr_prefix(e, "%s: %s", config_origin(c, key), key);
    return 0;
}

int config_get_size(config *c, const char *key, const char *def, int64_t *bytes_out, verr *e)
{
    const char *v = config_get(c, key);
    const char *text = v ? v : def;
    char *end;
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (errno || end == text || x < 0) goto bad;
    while (isspace((unsigned char)*end)) end++;
    int64_t mult;
    if (!*end || strcmp(end, "B") == 0)
        mult = 1;
    else if (strcmp(end, "KiB") == 0)
        mult = 1LL << 10;
    else if (strcmp(end, "MiB") == 0)
        mult = 1LL << 20;
    else if (strcmp(end, "GiB") == 0)
        mult = 1LL << 30;
    else
        goto bad;
    if (x > INT64_MAX / mult) goto bad;
    *bytes_out = x * mult;
    return 0;
bad:
    return verr_fail(e, "%s: %s = '%s' is not a size (e.g. 32MiB)", config_origin(c, key), key,
                     text);
}

int config_get_bool(config *c, const char *key, bool def, bool *out, verr *e)
{
    const char *v = config_get(c, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0")) {
        *out = false;
        return 0;
    }
    return verr_fail(e, "%s: %s = '%s' is not true or false", config_origin(c, key), key, v);
}

int config_get_path(config *c, const char *key, char *out, size_t n, verr *e)
{
    out[0] = '\0';
    const char *v = config_get(c, key);
    if (!v) return 0;
    const struct config_entry *ent = config_find(c, key);
    /* origin is "file:line" for keys read from a file, "set" otherwise */
    const char *colon = strrchr(ent->origin, ':');
    const char *slash = colon ? memrchr(ent->origin, '/', (size_t)(colon - ent->origin)) : NULL;
    int len;
    if (v[0] == '/' || !colon)
        len = snprintf(out, n, "%s", v);
    else if (!slash)
        len = snprintf(out, n, "%s", v); /* the file sits in the working directory */
    else
        len = snprintf(out, n, "%.*s/%s", (int)(slash - ent->origin), ent->origin, v);
    if (len < 0 || (size_t)len >= n) {
        out[0] = '\0';
        return verr_fail(e, "%s: %s: the path is longer than %zu bytes", ent->origin, key, n - 1);
    }
    return 1;
}

int config_check_unused(const config *c, verr *e)
{
    return config_check_unused_prefix(c, "", e);
}

int config_check_unused_prefix(const config *c, const char *prefix, verr *e)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < c->count; i++)
        if (!c->entries[i].used && strncmp(c->entries[i].key, prefix, n) == 0)
            return verr_fail(e, "%s: unknown setting '%s'", c->entries[i].origin,
                             c->entries[i].key);
    return 0;
}

void config_free(config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->count; i++) {
        free(c->entries[i].key);
        free(c->entries[i].value);
        free(c->entries[i].origin);
    }
    free(c->entries);
    free(c);
}
