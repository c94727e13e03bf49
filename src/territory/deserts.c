/* Desert summaries: communes are grouped by sorting (region, département or territory key,
 * commune) pairs, so each area is one run of the sorted array and the areas come out
 * ordered by code. */
#include "territory/deserts.h"

#include "core/mem.h"
#include "territory/report.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct keyed {
    const char *key;
    uint32_t commune;
};

struct area_list {
    struct deserts_report *report;
    size_t cap;
};

double deserts_deficit(double apl, double threshold)
{
    if (isnan(apl) || !(threshold > 0) || apl >= threshold) return 0.0;
    return apl <= 0 ? 1.0 : 1.0 - apl / threshold;
}

static int compare_keyed(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c) return c;
    return (a->commune > b->commune) - (a->commune < b->commune);
}

static struct deserts_area *push_area(struct area_list *l, enum deserts_level level,
                                      const char *code, const char *name)
{
    struct deserts_report *r = l->report;
    if (r->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        r->areas = xrealloc(r->areas, l->cap * sizeof *r->areas);
    }
    struct deserts_area *a = &r->areas[r->count++];
    memset(a, 0, sizeof *a);
    a->level = level;
    a->code = arena_strdup(&r->strings, code);
    a->name = arena_strdup(&r->strings, name);
    a->doctors = NAN;
    a->doctors_per_100k = NAN;
    return a;
}

/* Accumulates one commune; apl_mean holds the weighted sum until finish_area. */
static void add_commune(struct deserts_area *a, const struct commune *c, double apl,
                        double threshold)
{
    double pop = isnan(c->population) ? 0.0 : c->population;
    a->population_total += pop;
    if (isnan(apl)) {
        a->communes_without_value++;
        return;
    }
    a->communes++;
    a->population += pop;
    a->apl_mean += pop * apl;
    if (apl < threshold) {
        a->communes_under++;
        a->population_under += pop;
    }
    a->deficit_population += pop * deserts_deficit(apl, threshold);
}

static void finish_area(struct deserts_area *a)
{
    a->apl_mean = a->population > 0 ? a->apl_mean / a->population : NAN;
}

/* One area per distinct key of the sorted pairs. */
static void add_groups(struct area_list *l, enum deserts_level level, struct keyed *pairs, size_t n,
                       const struct commune_table *t, const double *apl, double threshold)
{
    qsort(pairs, n, sizeof *pairs, compare_keyed);
    struct deserts_area *a = NULL;
    for (size_t k = 0; k < n; k++) {
        if (!a || strcmp(a->code, pairs[k].key)) {
            if (a) finish_area(a);
            a = push_area(l, level, pairs[k].key, "");
        }
        add_commune(a, &t->communes[pairs[k].commune], apl[pairs[k].commune], threshold);
    }
    if (a) finish_area(a);
}

static int add_territories(struct area_list *l, const struct commune_table *t, const double *apl,
                           double threshold, const struct deserts_membership *members,
                           size_t member_count, verr *e)
{
    struct keyed *pairs = xmalloc((member_count ? member_count : 1) * sizeof *pairs);
    for (size_t k = 0; k < member_count; k++) {
        long pos = communes_find(t, members[k].commune);
        if (pos < 0 || !members[k].territory[0]) {
            free(pairs);
            if (pos < 0)
                return verr_fail(e, "territory %s: commune '%s' is not in the communes table",
                                 members[k].territory, members[k].commune);
            return verr_fail(e, "commune %s: empty territory id", members[k].commune);
        }
        pairs[k] = (struct keyed){members[k].territory, (uint32_t)pos};
    }
    qsort(pairs, member_count, sizeof *pairs, compare_keyed);
    for (size_t k = 1; k < member_count; k++)
        if (!compare_keyed(&pairs[k - 1], &pairs[k])) {
            verr_fail(e, "territory %s lists commune %s twice", pairs[k].key,
                      t->communes[pairs[k].commune].code);
            free(pairs);
            return -1;
        }
    add_groups(l, DESERTS_TERRITORY, pairs, member_count, t, apl, threshold);
    free(pairs);
    return 0;
}

static int add_doctors(struct deserts_report *r, const struct deserts_doctors *doctors,
                       size_t doctor_count, verr *e)
{
    for (size_t k = 0; k < doctor_count; k++) {
        if (!(doctors[k].count >= 0) || !isfinite(doctors[k].count))
            return verr_fail(e, "doctors of %s: %g is not a count", doctors[k].departement,
                             doctors[k].count);
        struct deserts_area *found = NULL;
        for (size_t i = 0; i < r->count && !found; i++)
            if (r->areas[i].level == DESERTS_DEPARTEMENT &&
                !strcmp(r->areas[i].code, doctors[k].departement))
                found = &r->areas[i];
        if (!found) {
            r->doctors_unmatched++;
            continue;
        }
        if (!isnan(found->doctors))
            return verr_fail(e, "doctors of %s are given twice", doctors[k].departement);
        found->doctors = doctors[k].count;
        found->doctors_per_100k = found->population_total > 0
                                      ? doctors[k].count * 100000.0 / found->population_total
                                      : NAN;
    }
    return 0;
}

int deserts_summarise(const struct commune_table *t, const double *apl,
                      const struct deserts_params *p, const struct deserts_membership *members,
                      size_t member_count, const struct deserts_doctors *doctors,
                      size_t doctor_count, struct deserts_report *out, verr *e)
{
    memset(out, 0, sizeof *out);
    if (!(p->threshold > 0) || !isfinite(p->threshold))
        return verr_fail(e, "threshold must be a positive number");
    arena_init(&out->strings, 16 * 1024);
    out->threshold = p->threshold;
    struct area_list l = {out, 0};
    push_area(&l, DESERTS_FRANCE, "FR", "");
    for (size_t i = 0; i < t->count; i++)
        add_commune(&out->areas[0], &t->communes[i], apl[i], p->threshold);
    finish_area(&out->areas[0]);

    struct keyed *pairs = xmalloc((t->count ? t->count : 1) * sizeof *pairs);
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        if (t->communes[i].region[0])
            pairs[n++] = (struct keyed){t->communes[i].region, (uint32_t)i};
    add_groups(&l, DESERTS_REGION, pairs, n, t, apl, p->threshold);
    n = 0;
    for (size_t i = 0; i < t->count; i++)
        if (t->communes[i].departement[0])
            pairs[n++] = (struct keyed){t->communes[i].departement, (uint32_t)i};
    add_groups(&l, DESERTS_DEPARTEMENT, pairs, n, t, apl, p->threshold);
    free(pairs);

    if (add_territories(&l, t, apl, p->threshold, members, member_count, e) < 0 ||
        add_doctors(out, doctors, doctor_count, e) < 0) {
        deserts_report_free(out);
        return -1;
    }
    if (p->list_communes)
        for (size_t i = 0; i < t->count; i++) {
            if (isnan(apl[i]) || apl[i] >= p->threshold) continue;
            const struct commune *c = &t->communes[i];
            struct deserts_area *a = push_area(&l, DESERTS_COMMUNE, c->code, c->name);
            add_commune(a, c, apl[i], p->threshold);
            finish_area(a);
            a->apl_mean = apl[i]; /* defined even for an empty commune */
        }
    return 0;
}

void deserts_report_free(struct deserts_report *r)
{
    free(r->areas);
    arena_free(&r->strings);
    memset(r, 0, sizeof *r);
}

static const char *level_name(enum deserts_level level)
{
    switch (level) {
    case DESERTS_FRANCE:
        return "france";
    case DESERTS_REGION:
        return "region";
    case DESERTS_DEPARTEMENT:
        return "departement";
    case DESERTS_TERRITORY:
        return "territory";
    case DESERTS_COMMUNE:
        return "commune";
    }
    return "";
}

static double share(double part, double whole)
{
    return whole > 0 ? part / whole : NAN;
}

int deserts_write_csv(buf *out, const struct deserts_report *r)
{
    int rc = buf_puts(out, "level,code,name,communes,communes_under,communes_without_value,"
                           "population,population_under,share_under,apl_mean,"
                           "deficit_population,doctors,doctors_per_100k\n");
    for (size_t i = 0; i < r->count && !rc; i++) {
        const struct deserts_area *a = &r->areas[i];
        rc |= buf_printf(out, "%s,", level_name(a->level));
        rc |= report_csv_text(out, a->code);
        rc |= buf_putc(out, ',');
        rc |= report_csv_text(out, a->name);
        rc |= buf_printf(out, ",%zu,%zu,%zu,", a->communes, a->communes_under,
                         a->communes_without_value);
        const double values[] = {
            a->population,      a->population_under,   share(a->population_under, a->population),
            a->apl_mean,        a->deficit_population, a->doctors,
            a->doctors_per_100k};
        for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
            if (k) rc |= buf_putc(out, ',');
            rc |= report_csv_number(out, values[k]);
        }
        rc |= buf_putc(out, '\n');
    }
    return rc ? -1 : 0;
}

int deserts_write_area_json(buf *out, const struct deserts_area *a)
{
    int rc = buf_puts(out, "{\"code\":");
    rc |= buf_append_json_string(out, a->code, strlen(a->code));
    if (a->level == DESERTS_COMMUNE || a->name[0]) {
        rc |= buf_puts(out, ",\"name\":");
        rc |= buf_append_json_string(out, a->name, strlen(a->name));
    }
    rc |= buf_printf(out, ",\"communes\":%zu,\"communes_under\":%zu,\"communes_without_value\":%zu",
                     a->communes, a->communes_under, a->communes_without_value);
    const char *names[] = {"population",         "population_under", "share_under",     "apl_mean",
                           "deficit_population", "doctors",          "doctors_per_100k"};
    const double values[] = {
        a->population,      a->population_under,   share(a->population_under, a->population),
        a->apl_mean,        a->deficit_population, a->doctors,
        a->doctors_per_100k};
    for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
        if (k >= 5 && isnan(values[k])) continue; /* doctors only where given */
        rc |= buf_printf(out, ",\"%s\":", names[k]);
        rc |= report_json_number(out, values[k]);
    }
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}

int deserts_write_json(buf *out, const struct deserts_report *r)
{
    static const struct {
        enum deserts_level level;
        const char *key;
    } groups[] = {{DESERTS_REGION, "regions"},
                  {DESERTS_DEPARTEMENT, "departements"},
                  {DESERTS_TERRITORY, "territories"},
                  {DESERTS_COMMUNE, "communes_under"}};
    int rc = buf_puts(out, "{\"threshold\":");
    rc |= report_json_number(out, r->threshold);
    rc |= buf_puts(out, ",\"france\":");
    rc |= r->count ? deserts_write_area_json(out, &r->areas[0]) : buf_puts(out, "null");
    for (size_t g = 0; g < sizeof groups / sizeof *groups && !rc; g++) {
        rc |= buf_printf(out, ",\"%s\":[", groups[g].key);
        bool first = true;
        for (size_t i = 0; i < r->count && !rc; i++) {
            if (r->areas[i].level != groups[g].level) continue;
            if (!first) rc |= buf_putc(out, ',');
            rc |= deserts_write_area_json(out, &r->areas[i]);
            first = false;
        }
        rc |= buf_putc(out, ']');
    }
    rc |= buf_printf(out, ",\"doctors_unmatched\":%zu}\n", r->doctors_unmatched);
    return rc ? -1 : 0;
}

int deserts_read_territories(csvfile *f, arena *a, struct deserts_membership **out, size_t *count,
                             verr *e)
{
    static const char *const territory_columns[] = {"territory", "territory_id", "id", NULL};
    *out = NULL;
    *count = 0;
    int tcol = csvfile_require_column(f, territory_columns, e);
    int ccol = tcol < 0 ? -1 : csvfile_require_column(f, communes_code_columns, e);
    if (ccol < 0) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        if (csvfile_field_is_empty(f, tcol) || csvfile_field_is_empty(f, ccol)) {
            rc = csvfile_fail(f, csvfile_field_is_empty(f, tcol) ? tcol : ccol, e, "empty");
            break;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 256;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*count)++] = (struct deserts_membership){arena_strdup(a, csvfile_field(f, tcol)),
                                                         arena_strdup(a, csvfile_field(f, ccol))};
    }
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

int deserts_read_doctors(csvfile *f, const char *count_column, arena *a,
                         struct deserts_doctors **out, size_t *count, verr *e)
{
    static const char *const dep_columns[] = {"departement", "dep", "code_departement", "code",
                                              NULL};
    static const char *const default_counts[] = {"generalistes", "doctors", "medecins",
                                                 "total",        "count",   NULL};
    const char *const chosen[] = {count_column, NULL};
    *out = NULL;
    *count = 0;
    int dcol = csvfile_require_column(f, dep_columns, e);
    int ncol = dcol < 0 ? -1 : csvfile_require_column(f, count_column ? chosen : default_counts, e);
    if (ncol < 0) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        double v;
        rc = csvfile_field_double(f, ncol, &v, e);
        if (rc < 0) break;
        if (rc == 0) continue;
        if (v < 0) {
            rc = csvfile_fail(f, ncol, e, "a count cannot be negative");
            break;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 128;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*count)++] = (struct deserts_doctors){arena_strdup(a, csvfile_field(f, dcol)), v};
    }
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}
