/* Travel times: a sorted sparse matrix, or great-circle distances found through a
 * latitude-band index (rows one catchment radius high, sorted by longitude inside), so a
 * catchment query looks at three rows and a longitude window instead of every commune. */
#include "territory/travel.h"

#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARTH_RADIUS_KM 6371.0088
#define DEG_TO_RAD      (M_PI / 180.0)
#define KM_PER_DEGREE   (EARTH_RADIUS_KM * DEG_TO_RAD)
/* Rows no thinner than this, so a tiny catchment cannot ask for millions of rows. */
#define MIN_ROW_DEGREES 0.001

enum travel_kind { TRAVEL_STRAIGHT_LINE, TRAVEL_MATRIX };

struct travel {
    enum travel_kind kind;
    const struct commune_table *table;
    struct travel_params params;
    char description[160];
    /* matrix: entries sorted by (to, from); those of destination d are [first[d], first[d+1]) */
    size_t *first;
    uint32_t *from;
    double *minutes;
};

struct reach {
    uint32_t origin;
    double minutes;
};

void travel_params_default(struct travel_params *p)
{
    p->speed_kmh = TRAVEL_DEFAULT_SPEED_KMH;
    p->detour_factor = TRAVEL_DEFAULT_DETOUR_FACTOR;
}

int travel_params_from_config(struct travel_params *p, config *c, verr *e)
{
    if (config_get_double(c, "territory.speed_kmh", p->speed_kmh, 1, 300, &p->speed_kmh, e) < 0)
        return -1;
    return config_get_double(c, "territory.detour_factor", p->detour_factor, 1, 5,
                             &p->detour_factor, e);
}

double travel_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * DEG_TO_RAD, p2 = lat2 * DEG_TO_RAD;
    double dp = p2 - p1, dl = (lon2 - lon1) * DEG_TO_RAD;
    double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    if (a > 1) a = 1;
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a));
}

static double straight_minutes(const travel *tr, const struct commune *a, const struct commune *b)
{
    double km = travel_distance_km(a->lat, a->lon, b->lat, b->lon);
    return km * tr->params.detour_factor / tr->params.speed_kmh * 60.0;
}

static bool has_coordinates(const struct commune *c)
{
    return !isnan(c->lat) && !isnan(c->lon);
}

travel *travel_straight_line(const struct commune_table *t, const struct travel_params *p, verr *e)
{
    if (!(p->speed_kmh > 0) || !isfinite(p->speed_kmh)) {
        verr_fail(e, "speed must be a positive number of km/h");
        return NULL;
    }
    if (!(p->detour_factor >= 1) || !isfinite(p->detour_factor)) {
        verr_fail(e, "detour factor must be at least 1");
        return NULL;
    }
    travel *tr = xcalloc(1, sizeof *tr);
    tr->kind = TRAVEL_STRAIGHT_LINE;
    tr->table = t;
    tr->params = *p;
    snprintf(tr->description, sizeof tr->description, "straight line x %.2f detour at %.1f km/h",
             p->detour_factor, p->speed_kmh);
    return tr;
}

struct matrix_entry {
    uint32_t to, from;
    double minutes;
    int implied; /* 0 given, 1 reverse of a given pair, 2 a commune to itself */
};

static int compare_entries(const void *pa, const void *pb)
{
    const struct matrix_entry *a = pa, *b = pb;
    if (a->to != b->to) return a->to < b->to ? -1 : 1;
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    return a->implied - b->implied;
}

travel *travel_from_pairs(const struct commune_table *t, const struct travel_pair *pairs, size_t n,
                          verr *e)
{
    if (n > TRAVEL_MAX_PAIRS) {
        verr_fail(e, "%zu travel pairs is more than the %zu accepted", n, TRAVEL_MAX_PAIRS);
        return NULL;
    }
    size_t cap = 2 * n + t->count;
    struct matrix_entry *all = xmalloc((cap ? cap : 1) * sizeof *all);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct travel_pair *pr = &pairs[i];
        if (pr->from >= t->count || pr->to >= t->count) {
            verr_fail(e, "travel pair %zu: unknown commune position", i + 1);
            free(all);
            return NULL;
        }
        if (!(pr->minutes >= 0) || !isfinite(pr->minutes)) {
            verr_fail(e, "travel %s -> %s: %g minutes is not a travel time",
                      t->communes[pr->from].code, t->communes[pr->to].code, pr->minutes);
            free(all);
            return NULL;
        }
        all[m++] = (struct matrix_entry){pr->to, pr->from, pr->minutes, 0};
        if (pr->from != pr->to) all[m++] = (struct matrix_entry){pr->from, pr->to, pr->minutes, 1};
    }
    for (size_t i = 0; i < t->count; i++)
        all[m++] = (struct matrix_entry){(uint32_t)i, (uint32_t)i, 0.0, 2};
    qsort(all, m, sizeof *all, compare_entries);

    travel *tr = xcalloc(1, sizeof *tr);
    tr->kind = TRAVEL_MATRIX;
    tr->table = t;
    tr->first = xcalloc(t->count + 1, sizeof *tr->first);
    tr->from = xmalloc((m ? m : 1) * sizeof *tr->from);
    tr->minutes = xmalloc((m ? m : 1) * sizeof *tr->minutes);
    size_t kept = 0;
    for (size_t i = 0; i < m; i++) {
        const struct matrix_entry *x = &all[i];
        if (i > 0 && all[i - 1].to == x->to && all[i - 1].from == x->from) {
            /* The sort put the given pair first; a second given pair must agree. */
            if (x->implied == 0 && all[i - 1].implied == 0 && x->minutes != all[i - 1].minutes) {
                verr_fail(e, "travel %s -> %s is given twice (%g and %g minutes)",
                          t->communes[x->from].code, t->communes[x->to].code, all[i - 1].minutes,
                          x->minutes);
                free(all);
                travel_free(tr);
                return NULL;
            }
            continue;
        }
        tr->from[kept] = x->from;
        tr->minutes[kept] = x->minutes;
        tr->first[x->to + 1] = ++kept;
    }
    for (size_t d = 1; d <= t->count; d++)
        if (tr->first[d] < tr->first[d - 1]) tr->first[d] = tr->first[d - 1];
    free(all);
    snprintf(tr->description, sizeof tr->description, "road-time matrix (%zu pairs)", n);
    return tr;
}

travel *travel_read_matrix(const struct commune_table *t, csvfile *f, verr *e)
{
    static const char *const from_columns[] = {"from",      "origin",  "from_code",
                                               "code_from", "origine", NULL};
    static const char *const to_columns[] = {"to", "destination", "to_code", "code_to", NULL};
    static const char *const minutes_columns[] = {"minutes", "time",  "duration",
                                                  "duree",   "temps", NULL};
    int from_col = csvfile_require_column(f, from_columns, e);
    int to_col = from_col < 0 ? -1 : csvfile_require_column(f, to_columns, e);
    int min_col = to_col < 0 ? -1 : csvfile_require_column(f, minutes_columns, e);
    if (min_col < 0) return NULL;
    struct travel_pair *pairs = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = csvfile_next(f, e)) > 0) {
        long from = communes_find(t, csvfile_field(f, from_col));
        long to = communes_find(t, csvfile_field(f, to_col));
        double minutes;
        if (from < 0 || to < 0) {
            int col = from < 0 ? from_col : to_col;
            rc = csvfile_fail(f, col, e, "commune '%s' is not in the communes table",
                              csvfile_field(f, col));
            break;
        }
        rc = csvfile_field_double(f, min_col, &minutes, e);
        if (rc < 0) break;
        if (rc == 0 || minutes < 0) {
            rc = csvfile_fail(f, min_col, e, "a travel time of zero or more minutes is needed");
            break;
        }
        if (n == TRAVEL_MAX_PAIRS) {
            rc = csvfile_fail(f, -1, e, "more than %zu travel pairs", TRAVEL_MAX_PAIRS);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            pairs = xrealloc(pairs, cap * sizeof *pairs);
        }
        pairs[n++] = (struct travel_pair){(uint32_t)from, (uint32_t)to, minutes};
    }
    travel *tr = NULL;
    if (rc == 0) {
        tr = travel_from_pairs(t, pairs, n, e);
        if (!tr)
            verr_prefix(e, "%s", csvfile_name(f));
        else
            snprintf(tr->description, sizeof tr->description, "road-time matrix %s (%zu pairs)",
                     csvfile_name(f), n);
    }
    free(pairs);
    return tr;
}

void travel_free(travel *tr)
{
    if (!tr) return;
    free(tr->first);
    free(tr->from);
    free(tr->minutes);
    free(tr);
}

bool travel_places(const travel *tr, size_t commune)
{
    if (commune >= tr->table->count) return false;
    return tr->kind == TRAVEL_MATRIX || has_coordinates(&tr->table->communes[commune]);
}

const char *travel_describe(const travel *tr)
{
    return tr->description;
}

double travel_minutes(const travel *tr, size_t from, size_t to)
{
    const struct commune_table *t = tr->table;
    if (from >= t->count || to >= t->count) return INFINITY;
    if (from == to) return 0.0;
    if (tr->kind == TRAVEL_STRAIGHT_LINE) {
        const struct commune *a = &t->communes[from], *b = &t->communes[to];
        if (!has_coordinates(a) || !has_coordinates(b)) return INFINITY;
        return straight_minutes(tr, a, b);
    }
    size_t lo = tr->first[to], hi = tr->first[to + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tr->from[mid] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tr->first[to + 1] && tr->from[lo] == from ? tr->minutes[lo] : INFINITY;
}

/* Growable output of a catchment query. */
struct catchment_builder {
    struct travel_catchments *out;
    size_t len, cap;
};

static int builder_push(struct catchment_builder *b, uint32_t origin, double minutes, verr *e)
{
    if (b->len == b->cap) {
        if (b->len >= TRAVEL_MAX_PAIRS)
            return verr_fail(e, "catchments hold more than %zu pairs: use a shorter time limit",
                             TRAVEL_MAX_PAIRS);
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->out->origin = xrealloc(b->out->origin, b->cap * sizeof *b->out->origin);
        b->out->minutes = xrealloc(b->out->minutes, b->cap * sizeof *b->out->minutes);
    }
    b->out->origin[b->len] = origin;
    b->out->minutes[b->len] = minutes;
    b->len++;
    return 0;
}

static int compare_reach(const void *pa, const void *pb)
{
    const struct reach *a = pa, *b = pb;
    return (a->origin > b->origin) - (a->origin < b->origin);
}

/* The latitude-band index: points with coordinates sorted by (row, longitude). */
struct band_index {
    double row_degrees;
    size_t rows;
    size_t *row_first; /* rows + 1 */
    uint32_t *point;   /* commune positions */
    double *lon;       /* their longitudes, for binary search */
};

static size_t row_of(double lat, double row_degrees, size_t rows)
{
    size_t r = (size_t)floor((lat + 90.0) / row_degrees);
    return r < rows ? r : rows - 1;
}

struct band_point {
    size_t row;
    double lon;
    uint32_t pos;
};

static int compare_band_points(const void *pa, const void *pb)
{
    const struct band_point *a = pa, *b = pb;
    if (a->row != b->row) return a->row < b->row ? -1 : 1;
    if (a->lon != b->lon) return a->lon < b->lon ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void band_index_build(struct band_index *ix, const struct commune_table *t, double radius_km)
{
    double h = radius_km / KM_PER_DEGREE;
    if (h < MIN_ROW_DEGREES) h = MIN_ROW_DEGREES;
    if (h > 180.0) h = 180.0;
    ix->row_degrees = h;
    ix->rows = (size_t)(180.0 / h) + 1;
    ix->row_first = xcalloc(ix->rows + 1, sizeof *ix->row_first);
    size_t size = t->count ? t->count : 1;
    struct band_point *points = xmalloc(size * sizeof *points);
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct commune *c = &t->communes[i];
        if (has_coordinates(c))
            points[n++] = (struct band_point){row_of(c->lat, h, ix->rows), c->lon, (uint32_t)i};
    }
    qsort(points, n, sizeof *points, compare_band_points);
    ix->point = xmalloc(size * sizeof *ix->point);
    ix->lon = xmalloc(size * sizeof *ix->lon);
    for (size_t k = 0; k < n; k++) {
        ix->point[k] = points[k].pos;
        ix->lon[k] = points[k].lon;
        ix->row_first[points[k].row + 1]++;
    }
    for (size_t r = 0; r < ix->rows; r++) ix->row_first[r + 1] += ix->row_first[r];
    free(points);
}

static void band_index_free(struct band_index *ix)
{
    free(ix->row_first);
    free(ix->point);
    free(ix->lon);
}

/* A growable list of origins in reach of one destination. */
struct reach_list {
    struct reach *items;
    size_t len, cap;
};

static void reach_push(struct reach_list *l, uint32_t origin, double minutes)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len++] = (struct reach){origin, minutes};
}

/* Appends the points of one row whose longitude lies in [lo, hi] and that are in reach. */
static void scan_row(const travel *tr, const struct band_index *ix, size_t row, double lo,
                     double hi, const struct commune *center, double max_minutes,
                     struct reach_list *found)
{
    size_t a = ix->row_first[row], b = ix->row_first[row + 1];
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (ix->lon[mid] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    for (size_t k = a; k < ix->row_first[row + 1] && ix->lon[k] <= hi; k++) {
        const struct commune *c = &tr->table->communes[ix->point[k]];
        double minutes = straight_minutes(tr, c, center);
        if (minutes <= max_minutes) reach_push(found, ix->point[k], minutes);
    }
}

static void straight_line_reach(const travel *tr, const struct band_index *ix, uint32_t dest,
                                double max_minutes, double radius_km, struct reach_list *found)
{
    const struct commune *center = &tr->table->communes[dest];
    found->len = 0;
    if (!has_coordinates(center)) {
        reach_push(found, dest, 0.0);
        return;
    }
    double delta = radius_km / EARTH_RADIUS_KM; /* angular radius */
    double coslat = cos(center->lat * DEG_TO_RAD);
    /* Widest longitude gap of a point within angular distance delta; a cap reaching a
     * pole spans every longitude. */
    double dlon = 180.0;
    if (delta < M_PI / 2 && sin(delta) < coslat) dlon = asin(sin(delta) / coslat) / DEG_TO_RAD;
    dlon += 1e-9;
    size_t row = row_of(center->lat, ix->row_degrees, ix->rows);
    size_t r0 = row > 0 ? row - 1 : 0, r1 = row + 1 < ix->rows ? row + 1 : row;
    for (size_t r = r0; r <= r1; r++) {
        if (dlon >= 180.0) {
            scan_row(tr, ix, r, -INFINITY, INFINITY, center, max_minutes, found);
            continue;
        }
        double lo = center->lon - dlon, hi = center->lon + dlon;
        scan_row(tr, ix, r, lo, hi, center, max_minutes, found);
        /* Windows crossing the antimeridian continue on the other side. */
        if (lo < -180.0) scan_row(tr, ix, r, lo + 360.0, INFINITY, center, max_minutes, found);
        if (hi > 180.0) scan_row(tr, ix, r, -INFINITY, hi - 360.0, center, max_minutes, found);
    }
    for (size_t k = 0; k < found->len; k++)
        if (found->items[k].origin == dest) found->items[k].minutes = 0.0;
}

int travel_catchments(const travel *tr, const uint32_t *destinations, size_t count,
                      double max_minutes, struct travel_catchments *out, verr *e)
{
    memset(out, 0, sizeof *out);
    if (!(max_minutes >= 0) || !isfinite(max_minutes))
        return verr_fail(e, "catchment time limit must be a number of minutes >= 0");
    for (size_t k = 0; k < count; k++)
        if (destinations[k] >= tr->table->count)
            return verr_fail(e, "catchment destination %zu: unknown commune position", k);
    out->count = count;
    out->first = xcalloc(count + 1, sizeof *out->first);
    struct catchment_builder b = {out, 0, 0};
    struct band_index ix = {0};
    double radius_km = max_minutes / 60.0 * tr->params.speed_kmh / tr->params.detour_factor;
    if (tr->kind == TRAVEL_STRAIGHT_LINE) band_index_build(&ix, tr->table, radius_km);
    struct reach_list found = {0};
    int rc = 0;
    for (size_t k = 0; k < count && rc == 0; k++) {
        uint32_t d = destinations[k];
        if (tr->kind == TRAVEL_MATRIX) {
            for (size_t x = tr->first[d]; x < tr->first[d + 1] && rc == 0; x++)
                if (tr->minutes[x] <= max_minutes)
                    rc = builder_push(&b, tr->from[x], tr->minutes[x], e);
        } else {
            straight_line_reach(tr, &ix, d, max_minutes, radius_km, &found);
            qsort(found.items, found.len, sizeof *found.items, compare_reach);
            for (size_t x = 0; x < found.len && rc == 0; x++)
                rc = builder_push(&b, found.items[x].origin, found.items[x].minutes, e);
        }
        out->first[k + 1] = b.len;
    }
    free(found.items);
    if (tr->kind == TRAVEL_STRAIGHT_LINE) band_index_free(&ix);
    if (rc < 0) travel_catchments_free(out);
    return rc;
}

size_t travel_count_pairs(const travel *tr, const uint32_t *destinations, size_t count,
                          double max_minutes, size_t stop_after)
{
    if (!(max_minutes >= 0) || !isfinite(max_minutes)) return 0;
    struct band_index ix = {0};
    double radius_km = max_minutes / 60.0 * tr->params.speed_kmh / tr->params.detour_factor;
    if (tr->kind == TRAVEL_STRAIGHT_LINE) band_index_build(&ix, tr->table, radius_km);
    struct reach_list found = {0};
    size_t pairs = 0;
    for (size_t k = 0; k < count && pairs <= stop_after; k++) {
        uint32_t d = destinations[k];
        if (d >= tr->table->count) continue;
        if (tr->kind == TRAVEL_MATRIX) {
            for (size_t x = tr->first[d]; x < tr->first[d + 1]; x++)
                if (tr->minutes[x] <= max_minutes) pairs++;
        } else {
            straight_line_reach(tr, &ix, d, max_minutes, radius_km, &found);
            pairs += found.len;
        }
    }
    free(found.items);
    if (tr->kind == TRAVEL_STRAIGHT_LINE) band_index_free(&ix);
    return pairs;
}

void travel_catchments_free(struct travel_catchments *c)
{
    free(c->first);
    free(c->origin);
    free(c->minutes);
    memset(c, 0, sizeof *c);
}
