/* Commune table, indexed by INSEE code. */
#include "territory/communes.h"

#include "core/mem.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const communes_code_columns[] = {"code_insee", "code",         "insee", "codgeo",
                                             "commune",    "code_commune", NULL};
static const char *const name_columns[] = {"nom", "name", "libelle", "nom_commune", NULL};
static const char *const departement_columns[] = {"departement", "dep", "code_departement",
                                                  "departement_code", NULL};
static const char *const region_columns[] = {"region", "reg", "code_region", NULL};
static const char *const population_columns[] = {"population", "pop", "population_totale", NULL};
static const char *const standardised_columns[] = {"pop_standardised", "population_standardisee",
                                                   "pop_std", "population_standardised", NULL};
static const char *const lat_columns[] = {"lat", "latitude", NULL};
static const char *const lon_columns[] = {"lon", "lng", "longitude", NULL};

void communes_init(struct commune_table *t)
{
    memset(t, 0, sizeof *t);
    strmap_init(&t->index);
    arena_init(&t->names, 64 * 1024);
}

void communes_free(struct commune_table *t)
{
    strmap_free(&t->index);
    free(t->communes);
    arena_free(&t->names);
    memset(t, 0, sizeof *t);
}

long communes_find(const struct commune_table *t, const char *code)
{
    int64_t pos;
    return strmap_get(&t->index, code, strlen(code), &pos) ? (long)pos : -1;
}

void communes_departement_of(const char *code, char out[COMMUNE_AREA_CODE_MAX])
{
    size_t n = strlen(code);
    /* Overseas départements and collectivities use three characters: 971..976, 975, 98x. */
    size_t take = (code[0] == '9' && (code[1] == '7' || code[1] == '8')) ? 3 : 2;
    if (n < take + 1) {
        out[0] = '\0';
        return;
    }
    memcpy(out, code, take);
    out[take] = '\0';
}

int communes_add(struct commune_table *t, const struct commune *c, verr *e)
{
    size_t n = strnlen(c->code, COMMUNE_CODE_MAX);
    if (n == 0) return verr_fail(e, "commune code is empty");
    if (n >= COMMUNE_CODE_MAX) return verr_fail(e, "commune code is too long");
    if (communes_find(t, c->code) >= 0) return verr_fail(e, "commune '%s' appears twice", c->code);
    if (t->count >= COMMUNES_MAX) return verr_fail(e, "more than %d communes", COMMUNES_MAX);
    if (t->count == t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 1024;
        t->communes = xrealloc(t->communes, t->capacity * sizeof *t->communes);
    }
    struct commune *dst = &t->communes[t->count];
    *dst = *c;
    dst->name = arena_strdup(&t->names, c->name ? c->name : "");
    if (!dst->departement[0]) communes_departement_of(dst->code, dst->departement);
    strmap_put(&t->index, dst->code, n, (int64_t)t->count);
    t->count++;
    return 0;
}

/* Copies a short code field, failing when it does not fit. */
static int copy_code(const csvfile *f, int column, char *dst, size_t size, verr *e)
{
    const char *text = csvfile_field(f, column);
    size_t n = strlen(text);
    if (n >= size) return csvfile_fail(f, column, e, "'%s' is too long for a code", text);
    memcpy(dst, text, n + 1);
    return 0;
}

static int read_optional_number(const csvfile *f, int column, double min, double max, double *out,
                                verr *e)
{
    *out = NAN;
    double v;
    int rc = csvfile_field_double(f, column, &v, e);
    if (rc <= 0) return rc;
    if (v < min || v > max)
        return csvfile_fail(f, column, e, "%s is out of range [%g, %g]", csvfile_field(f, column),
                            min, max);
    *out = v;
    return 1;
}

int communes_read_csv(struct commune_table *t, csvfile *f, verr *e)
{
    int code_col = csvfile_require_column(f, communes_code_columns, e);
    if (code_col < 0) return -1;
    int name_col = csvfile_find_column(f, name_columns);
    int dep_col = csvfile_find_column(f, departement_columns);
    int reg_col = csvfile_find_column(f, region_columns);
    int pop_col = csvfile_find_column(f, population_columns);
    int std_col = csvfile_find_column(f, standardised_columns);
    int lat_col = csvfile_find_column(f, lat_columns);
    int lon_col = csvfile_find_column(f, lon_columns);
    if ((lat_col < 0) != (lon_col < 0))
        return verr_fail(e, "%s: a latitude column needs a longitude column and back",
                         csvfile_name(f));
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        struct commune c = {.name = csvfile_field(f, name_col)};
        if (csvfile_field_is_empty(f, code_col))
            return csvfile_fail(f, code_col, e, "the commune code is empty");
        if (copy_code(f, code_col, c.code, sizeof c.code, e) < 0 ||
            copy_code(f, dep_col, c.departement, sizeof c.departement, e) < 0 ||
            copy_code(f, reg_col, c.region, sizeof c.region, e) < 0)
            return -1;
        if (read_optional_number(f, pop_col, 0, 1e9, &c.population, e) < 0 ||
            read_optional_number(f, std_col, 0, 1e9, &c.population_standardised, e) < 0 ||
            read_optional_number(f, lat_col, -90, 90, &c.lat, e) < 0 ||
            read_optional_number(f, lon_col, -180, 180, &c.lon, e) < 0)
            return -1;
        if (isnan(c.lat) != isnan(c.lon))
            return csvfile_fail(f, isnan(c.lat) ? lat_col : lon_col, e,
                                "empty while the other coordinate is given");
        verr add_error;
        if (communes_add(t, &c, &add_error) < 0)
            return csvfile_fail(f, code_col, e, "%s", add_error.msg);
    }
    return rc;
}

int communes_read_regions(struct commune_table *t, csvfile *f, verr *e)
{
    static const char *const dep_code_columns[] = {"code", "departement", "dep", "code_departement",
                                                   NULL};
    int code_col = csvfile_require_column(f, dep_code_columns, e);
    int reg_col = code_col < 0 ? -1 : csvfile_require_column(f, region_columns, e);
    if (reg_col < 0) return -1;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        char dep[COMMUNE_AREA_CODE_MAX], reg[COMMUNE_AREA_CODE_MAX];
        if (copy_code(f, code_col, dep, sizeof dep, e) < 0 ||
            copy_code(f, reg_col, reg, sizeof reg, e) < 0)
            return -1;
        for (size_t i = 0; i < t->count; i++) {
            struct commune *c = &t->communes[i];
            if (!c->region[0] && !strcmp(c->departement, dep)) memcpy(c->region, reg, sizeof reg);
        }
    }
    return rc;
}

long communes_read_values(const struct commune_table *t, csvfile *f,
                          const struct communes_values_options *opt, double *out, verr *e)
{
    int code_col = csvfile_require_column(f, communes_code_columns, e);
    int value_col = code_col < 0 ? -1 : csvfile_require_column(f, opt->value_columns, e);
    if (value_col < 0) return -1;
    for (size_t i = 0; i < t->count; i++) out[i] = opt->missing;
    unsigned char *seen = xcalloc(t->count ? t->count : 1, 1);
    long used = 0;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        const char *code = csvfile_field(f, code_col);
        long pos = communes_find(t, code);
        if (pos < 0) {
            if (opt->skip_unknown) continue;
            rc = csvfile_fail(f, code_col, e, "commune '%s' is not in the communes table", code);
            break;
        }
        double v;
        rc = csvfile_field_double(f, value_col, &v, e);
        if (rc < 0) break;
        if (rc == 0) continue;
        if (v < 0 && !opt->allow_negative) {
            rc = csvfile_fail(f, value_col, e, "%s is negative", csvfile_field(f, value_col));
            break;
        }
        if (seen[pos] && !opt->sum_duplicates) {
            rc = csvfile_fail(f, code_col, e, "commune '%s' has a second value", code);
            break;
        }
        out[pos] = seen[pos] ? out[pos] + v : v;
        seen[pos] = 1;
        used++;
    }
    free(seen);
    return rc < 0 ? -1 : used;
}

int communes_read_codes(const struct commune_table *t, csvfile *f, uint32_t **out, size_t *count,
                        verr *e)
{
    *out = NULL;
    *count = 0;
    int code_col = csvfile_require_column(f, communes_code_columns, e);
    if (code_col < 0) return -1;
    unsigned char *seen = xcalloc(t->count ? t->count : 1, 1);
    *out = xmalloc((t->count ? t->count : 1) * sizeof **out);
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        const char *code = csvfile_field(f, code_col);
        long pos = communes_find(t, code);
        if (pos < 0) {
            rc = csvfile_fail(f, code_col, e, "commune '%s' is not in the communes table", code);
            break;
        }
        if (!seen[pos]) (*out)[(*count)++] = (uint32_t)pos;
        seen[pos] = 1;
    }
    free(seen);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}
