/* Communes for the simulated programme: INSEE codes, names, départements, regions and
 * populations from @etalab/decoupage-administratif's communes.json (an npm package the
 * set-up installs), optionally joined with centroids from a communes.csv (code_insee, lat,
 * lon columns). The JSON array is read one element at a time so that the 8 MB file never
 * becomes a 100 MB tree of JSON objects. */
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define COMMUNES_FILE_MAX (256u << 20)
#define CSV_LINE_MAX      4096

static char *read_whole_file(const char *path, size_t *len, verr *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) return verr_fail(e, "%s: %s", path, strerror(errno)), NULL;
    buf b;
    buf_init(&b, COMMUNES_FILE_MAX);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, n) < 0) {
            fclose(f);
            buf_free(&b);
            return verr_fail(e, "%s: larger than %u MiB", path, COMMUNES_FILE_MAX >> 20), NULL;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        buf_free(&b);
        return verr_fail(e, "%s: read error", path), NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

static void copy_field(char *dst, size_t size, json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    dst[0] = '\0';
    if (s && strlen(s) < size) strcpy(dst, s);
}

static int compare_code(const void *a, const void *b)
{
    return strcmp(((const struct sim_commune *)a)->code, ((const struct sim_commune *)b)->code);
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    return i;
}

/* Keeps one element if it is a current commune with a population. */
static int add_commune(struct sim_communes *c, size_t *cap, json_t *obj, const char *path, verr *e)
{
    if (!json_is_object(obj)) return verr_fail(e, "%s: an element is not an object", path);
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *code = json_string_value(json_object_get(obj, "code"));
    const char *name = json_string_value(json_object_get(obj, "nom"));
    json_t *population = json_object_get(obj, "population");
    if (!code || !name) return verr_fail(e, "%s: an element has no \"code\" or \"nom\"", path);
    if ((type && strcmp(type, "commune-actuelle") != 0) || !json_is_integer(population) ||
        json_integer_value(population) <= 0 || strlen(code) != 5)
        return 0;
    if (c->count == *cap) {
        *cap = *cap ? *cap * 2 : 4096;
        c->items = xrealloc(c->items, *cap * sizeof *c->items);
    }
    struct sim_commune *m = &c->items[c->count++];
    memset(m, 0, sizeof *m);
    strcpy(m->code, code);
    copy_field(m->departement, sizeof m->departement, obj, "departement");
    copy_field(m->region, sizeof m->region, obj, "region");
    copy_field(m->arrondissement, sizeof m->arrondissement, obj, "arrondissement");
    const char *postal = json_string_value(json_array_get(json_object_get(obj, "codesPostaux"), 0));
    if (postal && strlen(postal) < sizeof m->postal_code) strcpy(m->postal_code, postal);
    m->name = arena_strdup(&c->names, name);
    json_int_t pop = json_integer_value(population);
    m->population = pop > UINT32_MAX ? UINT32_MAX : (uint32_t)pop;
    return 0;
}

static int parse_json_array(struct sim_communes *c, const char *text, size_t n, const char *path,
                            int (*each)(struct sim_communes *, size_t *, json_t *, const char *,
                                        verr *),
                            verr *e)
{
    size_t i = skip_space(text, n, 0), cap = 0;
    if (i >= n || text[i] != '[') return verr_fail(e, "%s: not a JSON array", path);
    i = skip_space(text, n, i + 1);
    if (i < n && text[i] == ']') return 0;
    for (;;) {
        json_error_t err;
        json_t *obj =
            json_loadb(text + i, n - i, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
        if (!obj) return verr_fail(e, "%s: byte %zu: %s", path, i + (size_t)err.position, err.text);
        /* With JSON_DISABLE_EOF_CHECK, position is the number of bytes the value used. */
        i += (size_t)err.position;
        int rc = each(c, &cap, obj, path, e);
        json_decref(obj);
        if (rc < 0) return -1;
        i = skip_space(text, n, i);
        if (i < n && text[i] == ',') {
            i = skip_space(text, n, i + 1);
            continue;
        }
        if (i < n && text[i] == ']') return 0;
        return verr_fail(e, "%s: byte %zu: expected ',' or ']'", path, i);
    }
}

static int add_region(struct sim_communes *c, size_t *cap, json_t *obj, const char *path, verr *e)
{
    (void)path;
    (void)e;
    const char *code = json_string_value(json_object_get(obj, "code"));
    const char *name = json_string_value(json_object_get(obj, "nom"));
    if (!code || !name || strlen(code) > 3) return 0;
    if (c->region_count == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        c->regions = xrealloc(c->regions, *cap * sizeof *c->regions);
    }
    struct sim_region_name *r = &c->regions[c->region_count++];
    strcpy(r->code, code);
    r->name = arena_strdup(&c->names, name);
    return 0;
}

/* regions.json sits beside communes.json in the package; its names are a courtesy, so a
 * missing or unreadable file only leaves regions named by their code. */
static void load_region_names(struct sim_communes *c, const char *communes_path)
{
    const char *slash = strrchr(communes_path, '/');
    size_t dir = slash ? (size_t)(slash - communes_path + 1) : 0;
    char *path = xmalloc(dir + sizeof "regions.json");
    memcpy(path, communes_path, dir);
    strcpy(path + dir, "regions.json");
    size_t n;
    verr ignored;
    char *text = read_whole_file(path, &n, &ignored);
    if (text && parse_json_array(c, text, n, path, add_region, &ignored) < 0) c->region_count = 0;
    free(text);
    free(path);
}

/* Splits a CSV line in place (no quoting: the data pack's files need none). */
static unsigned split_csv(char *line, char **fields, unsigned max)
{
    unsigned n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static int load_coordinates(struct sim_communes *c, const char *path, verr *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return verr_fail(e, "%s: %s", path, strerror(errno));
    char line[CSV_LINE_MAX];
    char *fields[32];
    int col_code = -1, col_lat = -1, col_lon = -1;
    unsigned long lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            rc = verr_fail(e, "%s:%lu: line longer than %d bytes", path, lineno, CSV_LINE_MAX);
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        unsigned nf = split_csv(line, fields, 32);
        if (lineno == 1) {
            for (unsigned i = 0; i < nf; i++) {
                if (!strcmp(fields[i], "code_insee")) col_code = (int)i;
                if (!strcmp(fields[i], "lat")) col_lat = (int)i;
                if (!strcmp(fields[i], "lon")) col_lon = (int)i;
            }
            if (col_code < 0 || col_lat < 0 || col_lon < 0) {
                rc = verr_fail(e, "%s: the header needs columns code_insee, lat and lon", path);
                break;
            }
            continue;
        }
        if ((int)nf <= col_code || (int)nf <= col_lat || (int)nf <= col_lon) continue;
        if (!*fields[col_lat] || !*fields[col_lon]) continue; /* no outline: no centroid */
        struct sim_commune *m = (struct sim_commune *)sim_communes_find(c, fields[col_code]);
        if (!m) continue;
        char *end1, *end2;
        double lat = strtod(fields[col_lat], &end1), lon = strtod(fields[col_lon], &end2);
        if (*end1 || *end2 || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            rc = verr_fail(e, "%s:%lu: lat/lon '%s', '%s' are not coordinates", path, lineno,
                           fields[col_lat], fields[col_lon]);
            break;
        }
        if (!m->has_coordinates) c->with_coordinates++;
        m->has_coordinates = true;
        m->lat = lat;
        m->lon = lon;
    }
    if (!rc && ferror(f)) rc = verr_fail(e, "%s: read error", path);
    fclose(f);
    return rc;
}

int sim_communes_load(struct sim_communes *c, const char *json_path, const char *coordinates_path,
                      verr *e)
{
    memset(c, 0, sizeof *c);
    arena_init(&c->names, 1 << 16);
    size_t n;
    char *text = read_whole_file(json_path, &n, e);
    if (!text) goto fail;
    int rc = parse_json_array(c, text, n, json_path, add_commune, e);
    free(text);
    if (rc < 0) goto fail;
    if (c->count == 0) {
        verr_fail(e, "%s: no current commune with a population", json_path);
        goto fail;
    }
    qsort(c->items, c->count, sizeof *c->items, compare_code);
    load_region_names(c, json_path);
    if (coordinates_path && load_coordinates(c, coordinates_path, e) < 0) goto fail;
    return 0;
fail:
    sim_communes_free(c);
    return -1;
}

void sim_communes_free(struct sim_communes *c)
{
    free(c->items);
    free(c->regions);
    arena_free(&c->names);
    memset(c, 0, sizeof *c);
}

const struct sim_commune *sim_communes_find(const struct sim_communes *c, const char *code)
{
    struct sim_commune key;
    if (strlen(code) >= sizeof key.code) return NULL;
    strcpy(key.code, code);
    return bsearch(&key, c->items, c->count, sizeof *c->items, compare_code);
}

const char *sim_region_name(const struct sim_communes *c, const char *code)
{
    for (size_t i = 0; i < c->region_count; i++)
        if (!strcmp(c->regions[i].code, code)) return c->regions[i].name;
    return NULL;
}
