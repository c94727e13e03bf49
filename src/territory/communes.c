/* Commune table with an open-addressing index on the INSEE code. */
#include "territory/communes.h"

#include "core/mem.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct commune_index {
    uint32_t *slots; /* position + 1; 0 = empty */
    size_t mask;     /* slot count - 1, a power of two minus one */
};

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

static uint64_t code_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void communes_init(struct commune_table *t)
{
    memset(t, 0, sizeof *t);
    t->index = xcalloc(1, sizeof *t->index);
    arena_init(&t->names, 64 * 1024);
}

void communes_free(struct commune_table *t)
{
    if (t->index) free(t->index->slots);
    free(t->index);
    free(t->communes);
    arena_free(&t->names);
    memset(t, 0, sizeof *t);
}

static void index_insert(struct commune_index *ix, const struct commune *all, uint32_t pos)
{
    size_t i = code_hash(all[pos].code) & ix->mask;
    while (ix->slots[i]) i = (i + 1) & ix->mask;
    ix->slots[i] = pos + 1;
}

static void index_grow(struct commune_table *t)
{
    struct commune_index *ix = t->index;
    size_t slots = ix->slots ? (ix->mask + 1) * 2 : 1024;
    free(ix->slots);
    ix->slots = xcalloc(slots, sizeof *ix->slots);
    ix->mask = slots - 1;
    for (size_t i = 0; i < t->count; i++) index_insert(ix, t->communes, (uint32_t)i);
}

long communes_find(const struct commune_table *t, const char *code)
{
    const struct commune_index *ix = t->index;
    if (!ix || !ix->slots) return -1;
    size_t i = code_hash(code) & ix->mask;
    for (; ix->slots[i]; i = (i + 1) & ix->mask) {
        uint32_t pos = ix->slots[i] - 1;
        if (!strcmp(t->communes[pos].code, code)) return (long)pos;
    }
    return -1;
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
    t->count++;
    if (t->count * 2 > (t->index->slots ? t->index->mask + 1 : 0))
        index_grow(t);
    else
        index_insert(t->index, t->communes, (uint32_t)(t->count - 1));
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
