/* Reading the territorial data: communes, the APL (read, or computed from a supply) joined
 * on the communes' geography, doctors and départements. */
#include "territory/dataset.h"

#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *dataset_arrondissement_commune(const char *code)
{
    /* INSEE codes of the municipal arrondissements of Paris, Lyon and Marseille: DREES gives
     * the APL of these three cities by arrondissement, the communes file as one commune. */
    static const struct {
        const char *prefix;
        int first, last;
        const char *commune;
    } cities[] = {
        {"751", 1, 20, "75056"},
        {"6938", 1, 9, "69123"},
        {"132", 1, 16, "13055"},
    };
    if (strlen(code) != 5) return NULL;
    for (size_t k = 0; k < sizeof cities / sizeof *cities; k++) {
        size_t n = strlen(cities[k].prefix);
        if (strncmp(code, cities[k].prefix, n)) continue;
        char *end;
        long number = strtol(code + n, &end, 10);
        if (*end == '\0' && end != code + n && number >= cities[k].first &&
            number <= cities[k].last)
            return cities[k].commune;
    }
    return NULL;
}

const struct dataset_departement *dataset_departement(const struct dataset_data *data,
                                                      const char *code)
{
    int64_t pos;
    if (!code || !strmap_get(&data->departement_index, code, strlen(code), &pos)) return NULL;
    return &data->departements[pos];
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* An optional file (doctors, départements) is read when named, or when present under the
 * data directory; a named file that is missing is an error. */
static bool wanted(const struct dataset_file_setting *fs)
{
    return fs->path[0] && (fs->named || access(fs->path, R_OK) == 0);
}

static int read_communes(const struct dataset_settings *s, struct dataset_data *d, verr *e)
{
    csvfile *f = csvfile_open(s->files[DATASET_COMMUNES].path, e);
    if (!f) return -1;
    int rc = communes_read_csv(&d->communes, f, e);
    csvfile_close(f);
    return rc;
}

/* One value per commune from the APL file (or supply file): rows of a municipal
 * arrondissement are folded into their commune (APL: mean weighted by the file's population;
 * supply: summed); other codes the communes file lacks are counted, not refused (a DREES
 * edition predates recent mergers of communes). */
static int read_values(const struct dataset_settings *s, struct dataset_data *d, bool supply,
                       double *values, verr *e)
{
    static const char *const supply_columns[] = {"supply", "consultations", "fte", "etp", NULL};
    static const char *const apl_columns[] = {"apl_65", "apl", NULL};
    static const char *const population_columns[] = {"population", "pop", NULL};
    const char *const chosen[] = {s->apl_column, NULL};
    const char *path = s->files[supply ? DATASET_SUPPLY : DATASET_APL].path;
    csvfile *f = csvfile_open(path, e);
    if (!f) return -1;
    int code_col = csvfile_require_column(f, communes_code_columns, e);
    int value_col = code_col < 0 ? -1
                                 : csvfile_require_column(f,
                                                          supply             ? supply_columns
                                                          : s->apl_column[0] ? chosen
                                                                             : apl_columns,
                                                          e);
    int pop_col = supply ? -1 : csvfile_find_column(f, population_columns);
    d->apl_file = arena_strdup(&d->strings, base_name(path));
    if (!supply && value_col >= 0) {
        d->apl_column = arena_strdup(&d->strings, csvfile_column_name(f, value_col));
        d->apl_source = arena_printf(&d->strings, "%s, column %s", d->apl_file, d->apl_column);
    }
    size_t n = d->communes.count;
    double *sum = xcalloc(n ? n : 1, sizeof *sum), *weight = xcalloc(n ? n : 1, sizeof *weight);
    for (size_t i = 0; i < n; i++) values[i] = supply ? 0.0 : NAN;
    int rc = value_col < 0 ? -1 : 0;
    while (rc == 0 && (rc = csvfile_next(f, e)) > 0) {
        rc = 0;
        d->apl_rows++;
        double v, pop = 1.0;
        int got = csvfile_field_double(f, value_col, &v, e);
        if (got < 0) rc = -1;
        if (got <= 0) continue;
        if (v < 0) {
            rc = csvfile_fail(f, value_col, e, "cannot be negative");
            continue;
        }
        const char *code = csvfile_field(f, code_col);
        long pos = communes_find(&d->communes, code);
        if (pos >= 0) {
            values[pos] = supply ? values[pos] + v : v;
            continue;
        }
        const char *city = dataset_arrondissement_commune(code);
        pos = city ? communes_find(&d->communes, city) : -1;
        if (pos < 0) {
            d->apl_rows_unmatched++;
            continue;
        }
        d->apl_rows_folded++;
        if (pop_col >= 0 && csvfile_field_double(f, pop_col, &pop, e) <= 0) pop = 0.0;
        sum[pos] += supply ? v : v * pop;
        weight[pos] += pop;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (supply)
            values[i] += sum[i];
        else if (isnan(values[i]) && weight[i] > 0)
            values[i] = sum[i] / weight[i];
    }
    free(sum);
    free(weight);
    csvfile_close(f);
    return rc < 0 ? -1 : 0;
}

static int read_departements(const struct dataset_settings *s, struct dataset_data *d, verr *e)
{
    static const char *const code_columns[] = {"code", "departement", "dep", NULL};
    static const char *const name_columns[] = {"nom", "name", "libelle", NULL};
    static const char *const region_columns[] = {"region", "reg", "code_region", NULL};
    const char *path = s->files[DATASET_DEPARTEMENTS].path;
    /* The communes' missing regions first (the library's own reader), then the names. */
    csvfile *f = csvfile_open(path, e);
    int rc = f ? communes_read_regions(&d->communes, f, e) : -1;
    csvfile_close(f);
    f = rc < 0 ? NULL : csvfile_open(path, e);
    if (!f) return -1;
    int code_col = csvfile_require_column(f, code_columns, e);
    int name_col = csvfile_find_column(f, name_columns);
    int region_col = csvfile_find_column(f, region_columns);
    size_t cap = 0;
    while (code_col >= 0 && (rc = csvfile_next(f, e)) > 0) {
        const char *code = csvfile_field(f, code_col);
        if (!*code || strlen(code) >= COMMUNE_AREA_CODE_MAX) {
            rc = csvfile_fail(f, code_col, e, "'%s' is not a département code", code);
            break;
        }
        if (dataset_departement(d, code)) continue;
        if (d->departement_count == cap) {
            cap = cap ? cap * 2 : 128;
            d->departements = xrealloc(d->departements, cap * sizeof *d->departements);
        }
        struct dataset_departement *dep = &d->departements[d->departement_count];
        memset(dep, 0, sizeof *dep);
        snprintf(dep->code, sizeof dep->code, "%s", code);
        dep->name = arena_strdup(&d->strings, csvfile_field(f, name_col));
        snprintf(dep->region, sizeof dep->region, "%.7s", csvfile_field(f, region_col));
        strmap_put(&d->departement_index, code, strlen(code), (int64_t)d->departement_count++);
    }
    csvfile_close(f);
    return code_col < 0 || rc < 0 ? -1 : 0;
}

static int compare_departements(const void *pa, const void *pb)
{
    const struct dataset_departement *a = pa, *b = pb;
    return strcmp(a->code, b->code);
}

/* Départements the communes name but the départements file does not (or no file), then the
 * list sorted by code and indexed. */
static void complete_departements(struct dataset_data *d)
{
    size_t cap = d->departement_count;
    for (size_t i = 0; i < d->communes.count; i++) {
        const struct commune *c = &d->communes.communes[i];
        if (!c->departement[0] || dataset_departement(d, c->departement)) continue;
        if (d->departement_count == cap) {
            cap = cap ? cap * 2 : 128;
            d->departements = xrealloc(d->departements, cap * sizeof *d->departements);
        }
        struct dataset_departement *dep = &d->departements[d->departement_count];
        memset(dep, 0, sizeof *dep);
        memcpy(dep->code, c->departement, sizeof dep->code);
        memcpy(dep->region, c->region, sizeof dep->region);
        dep->name = "";
        strmap_put(&d->departement_index, dep->code, strlen(dep->code),
                   (int64_t)d->departement_count++);
    }
    if (d->departement_count)
        qsort(d->departements, d->departement_count, sizeof *d->departements, compare_departements);
    strmap_clear(&d->departement_index);
    for (size_t k = 0; k < d->departement_count; k++)
        strmap_put(&d->departement_index, d->departements[k].code, strlen(d->departements[k].code),
                   (int64_t)k);
}

static int read_doctors(const struct dataset_settings *s, struct dataset_data *d, verr *e)
{
    csvfile *f = csvfile_open(s->files[DATASET_DOCTORS].path, e);
    if (!f) return -1;
    int rc = deserts_read_doctors(f, s->doctors_column[0] ? s->doctors_column : NULL, &d->strings,
                                  &d->doctors, &d->doctor_count, e);
    csvfile_close(f);
    return rc;
}

static int build_travel(const struct dataset_settings *s, struct dataset_data *d, verr *e)
{
    const struct dataset_file_setting *matrix = &s->files[DATASET_MATRIX];
    if (!matrix->path[0]) {
        d->travel = travel_straight_line(&d->communes, &s->travel, e);
    } else {
        csvfile *f = csvfile_open(matrix->path, e);
        d->travel = f ? travel_read_matrix(&d->communes, f, e) : NULL;
        csvfile_close(f);
    }
    if (!d->travel) return -1;
    d->travel_source = arena_strdup(&d->strings, travel_describe(d->travel));
    return 0;
}

/* The APL computed by E2SFCA from the supply file, with the settings' parameters. */
static int compute_apl(const struct dataset_settings *s, struct dataset_data *d, verr *e)
{
    size_t n = d->communes.count;
    double *supply = xmalloc((n ? n : 1) * sizeof *supply);
    struct apl_result result = {0};
    int rc = read_values(s, d, true, supply, e);
    if (rc == 0) rc = apl_compute(&d->communes, supply, d->travel, &s->apl, &result, e);
    if (rc == 0) memcpy(d->apl, result.apl, n * sizeof *d->apl);
    apl_result_free(&result);
    free(supply);
    d->apl_source = arena_printf(&d->strings, "computed (E2SFCA) from %s",
                                 base_name(s->files[DATASET_SUPPLY].path));
    return rc;
}

int dataset_data_load(const struct dataset_settings *s, struct dataset_data *out, verr *e)
{
    memset(out, 0, sizeof *out);
    communes_init(&out->communes);
    strmap_init(&out->departement_index);
    arena_init(&out->strings, 16 * 1024);
    int rc = read_communes(s, out, e);
    if (rc == 0 && wanted(&s->files[DATASET_DEPARTEMENTS])) rc = read_departements(s, out, e);
    if (rc == 0) complete_departements(out);
    if (rc == 0) rc = build_travel(s, out, e);
    size_t n = out->communes.count;
    out->apl = xmalloc((n ? n : 1) * sizeof *out->apl);
    if (rc == 0 && s->files[DATASET_SUPPLY].named) {
        rc = compute_apl(s, out, e);
    } else if (rc == 0) {
        rc = read_values(s, out, false, out->apl, e);
    }
    if (rc == 0 && wanted(&s->files[DATASET_DOCTORS])) rc = read_doctors(s, out, e);
    if (rc < 0) dataset_data_free(out);
    return rc;
}

void dataset_data_free(struct dataset_data *d)
{
    travel_free(d->travel);
    free(d->apl);
    free(d->doctors);
    free(d->departements);
    strmap_free(&d->departement_index);
    communes_free(&d->communes);
    arena_free(&d->strings);
    memset(d, 0, sizeof *d);
}
