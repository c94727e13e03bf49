/* Territorial data for the server: settings (which file is where), loading once on first
 * use under a lock, and the département outlines. Reading the CSV files is dataset_load.c. */
#include "territory/dataset.h"

#include "core/log.h"
#include "core/mem.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each file's setting, and its name in the data pack (docs/territory.md). */
static const struct {
    const char *key;
    const char *pack_name;
} file_keys[DATASET_FILE_COUNT] = {
    [DATASET_COMMUNES] = {"territory.communes", "communes.csv"},
    [DATASET_APL] = {"territory.apl", "apl_mg_2021.csv"},
    [DATASET_SUPPLY] = {"territory.supply", NULL},
    [DATASET_DOCTORS] = {"territory.doctors", "doctors_departement_2014.csv"},
    [DATASET_DEPARTEMENTS] = {"territory.departements", "departements.csv"},
    [DATASET_MAP] = {"territory.map", "departements.geojson"},
    [DATASET_TEAMS] = {"territory.teams", "teams.csv"},
    [DATASET_MATRIX] = {"territory.matrix", NULL},
};

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_data_dir(config *c, const char *const *default_dirs, struct dataset_settings *out,
                         verr *e)
{
    int rc = config_get_path(c, "territory.data_dir", out->data_dir, sizeof out->data_dir, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        snprintf(out->data_dir_origin, sizeof out->data_dir_origin, "territory.data_dir");
        return 0;
    }
    const char *env = getenv("VIGIE_DATA_DIR");
    if (env && *env) {
        snprintf(out->data_dir, sizeof out->data_dir, "%s", env);
        snprintf(out->data_dir_origin, sizeof out->data_dir_origin, "VIGIE_DATA_DIR");
        return 0;
    }
    for (size_t k = 0; default_dirs && default_dirs[k]; k++)
        if (is_directory(default_dirs[k])) {
            snprintf(out->data_dir, sizeof out->data_dir, "%s", default_dirs[k]);
            snprintf(out->data_dir_origin, sizeof out->data_dir_origin, "default");
            return 0;
        }
    return 0;
}

static int read_text(config *c, const char *key, char *out, size_t n, verr *e)
{
    const char *v = config_get(c, key);
    if (!v) return 0;
    if (strlen(v) >= n) return verr_fail(e, "%s: longer than %zu bytes", key, n - 1);
    snprintf(out, n, "%s", v);
    return 0;
}

static int read_api_bounds(config *c, struct dataset_settings *out, verr *e)
{
    int64_t v, ms;
    if (config_get_int(c, "territory.api_max_sites", 50, 1, SITES_MAX_P, &v, e) < 0) return -1;
    out->api_max_sites = (size_t)v;
    if (config_get_int(c, "territory.api_max_pairs", 2000000, 1, (int64_t)TRAVEL_MAX_PAIRS, &v, e) <
        0)
        return -1;
    out->api_max_pairs = (size_t)v;
    if (config_get_double(c, "territory.api_max_minutes", 120, 1, 600, &out->api_max_minutes, e) <
            0 ||
        config_get_duration(c, "territory.api_max_time_limit", "30s", &ms, e) < 0 ||
        config_get_int(c, "territory.api_concurrent_solves", 1, 1, 64, &v, e) < 0)
        return -1;
    if (ms < 1000) return verr_fail(e, "territory.api_max_time_limit: at least 1s");
    out->api_max_time_limit = (double)ms / 1000.0;
    out->api_concurrent_solves = (int)v;
    return 0;
}

int dataset_settings_read(config *c, const char *const *default_dirs, struct dataset_settings *out,
                          verr *e)
{
    memset(out, 0, sizeof *out);
    if (read_data_dir(c, default_dirs, out, e) < 0) return -1;
    for (int f = 0; f < DATASET_FILE_COUNT; f++) {
        struct dataset_file_setting *fs = &out->files[f];
        fs->key = file_keys[f].key;
        fs->pack_name = file_keys[f].pack_name;
        int rc = config_get_path(c, fs->key, fs->path, sizeof fs->path, e);
        if (rc < 0) return -1;
        fs->named = rc == 1;
        if (!fs->named && out->data_dir[0] && fs->pack_name &&
            snprintf(fs->path, sizeof fs->path, "%s/%s", out->data_dir, fs->pack_name) >=
                (int)sizeof fs->path)
            return verr_fail(e, "territory.data_dir: the path is too long");
    }
    if (out->files[DATASET_APL].named && out->files[DATASET_SUPPLY].named)
        return verr_fail(e, "territory.apl and territory.supply: set one of them (the APL is "
                            "read from the first, computed from the second)");
    travel_params_default(&out->travel);
    apl_params_default(&out->apl);
    sites_params_default(&out->sites);
    rotations_problem_defaults(&out->rotations);
    out->threshold = DESERTS_DEFAULT_THRESHOLD;
    if (read_text(c, "territory.apl_column", out->apl_column, sizeof out->apl_column, e) < 0 ||
        read_text(c, "territory.doctors_column", out->doctors_column, sizeof out->doctors_column,
                  e) < 0 ||
        config_get_double(c, "territory.desert_threshold", out->threshold, 1e-9, 1e9,
                          &out->threshold, e) < 0 ||
        travel_params_from_config(&out->travel, c, e) < 0 ||
        apl_params_from_config(&out->apl, c, e) < 0 ||
        sites_params_from_config(&out->sites, c, e) < 0 ||
        rotations_problem_from_config(&out->rotations, c, e) < 0 || read_api_bounds(c, out, e) < 0)
        return -1;
    return 0;
}

/* ---- Loading once ------------------------------------------------------------------------- */

struct dataset {
    struct dataset_settings settings;
    pthread_mutex_t lock;
    struct dataset_data data;
    bool data_loaded, data_failed;
    verr data_error;
    struct dataset_map map;
    bool map_loaded, map_failed;
    verr map_error;
};

dataset *dataset_new(const struct dataset_settings *s)
{
    dataset *d = xcalloc(1, sizeof *d);
    d->settings = *s;
    pthread_mutex_init(&d->lock, NULL);
    return d;
}

void dataset_free(dataset *d)
{
    if (!d) return;
    if (d->data_loaded) dataset_data_free(&d->data);
    if (d->map_loaded) dataset_map_free(&d->map);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

const struct dataset_settings *dataset_settings_of(const dataset *d)
{
    return &d->settings;
}

/* Whether a file the data needs is there; the message says which setting points to it. A
 * missing file is not remembered as a failure: it may be copied in while the server runs. */
static int require_file(const struct dataset_settings *s, enum dataset_file f, const char *what,
                        verr *e)
{
    const struct dataset_file_setting *fs = &s->files[f];
    if (!fs->path[0])
        return verr_fail(e,
                         "territory data unavailable: no %s file; set %s, or territory.data_dir "
                         "to a folder holding %s",
                         what, fs->key, fs->pack_name ? fs->pack_name : "it");
    if (access(fs->path, R_OK) == 0) return 0;
    if (fs->named)
        return verr_fail(e,
                         "territory data unavailable: the %s file %s cannot be read (%s); "
                         "check %s",
                         what, fs->path, strerror(errno), fs->key);
    return verr_fail(e,
                     "territory data unavailable: the %s file %s is missing; set %s, or "
                     "territory.data_dir (now %s, from %s) to a folder holding %s",
                     what, fs->path, fs->key, s->data_dir, s->data_dir_origin, fs->pack_name);
}

const struct dataset_data *dataset_data(dataset *d, verr *e)
{
    const struct dataset_settings *s = &d->settings;
    pthread_mutex_lock(&d->lock);
    const struct dataset_data *out = NULL;
    if (d->data_loaded) {
        out = &d->data;
    } else if (d->data_failed) {
        *e = d->data_error;
    } else if (require_file(s, DATASET_COMMUNES, "communes", e) == 0 &&
               (s->files[DATASET_SUPPLY].named ? require_file(s, DATASET_SUPPLY, "GP supply", e)
                                               : require_file(s, DATASET_APL, "APL", e)) == 0) {
        if (dataset_data_load(s, &d->data, e) == 0) {
            d->data_loaded = true;
            out = &d->data;
            log_info("diagnosis: %zu communes loaded; APL: %s; travel: %s", d->data.communes.count,
                     d->data.apl_source, d->data.travel_source);
        } else {
            d->data_failed = true;
            verr_prefix(e, "territory data unavailable");
            d->data_error = *e;
            log_error("diagnosis: %s", e->msg);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return out;
}

const struct dataset_map *dataset_map(dataset *d, verr *e)
{
    pthread_mutex_lock(&d->lock);
    const struct dataset_map *out = NULL;
    if (d->map_loaded) {
        out = &d->map;
    } else if (d->map_failed) {
        *e = d->map_error;
    } else if (require_file(&d->settings, DATASET_MAP, "département outlines", e) == 0) {
        if (dataset_map_load(d->settings.files[DATASET_MAP].path, &d->map, e) == 0) {
            d->map_loaded = true;
            out = &d->map;
        } else {
            d->map_failed = true;
            verr_prefix(e, "territory map unavailable");
            d->map_error = *e;
            log_error("diagnosis: %s", e->msg);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return out;
}

const char *dataset_teams_path(dataset *d, verr *e)
{
    if (require_file(&d->settings, DATASET_TEAMS, "mobile teams", e) < 0) return NULL;
    return d->settings.files[DATASET_TEAMS].path;
}

/* ---- Outlines ----------------------------------------------------------------------------- */

static int check_feature(json_t *feature, size_t index, verr *e)
{
    json_t *code = json_object_get(json_object_get(feature, "properties"), "code");
    if (!json_is_string(code))
        return verr_fail(e, "features[%zu].properties.code: a département code is required", index);
    json_t *geometry = json_object_get(feature, "geometry");
    const char *type = json_string_value(json_object_get(geometry, "type"));
    if (!type || (strcmp(type, "Polygon") && strcmp(type, "MultiPolygon")))
        return verr_fail(e, "features[%zu].geometry.type: Polygon or MultiPolygon expected", index);
    if (!json_is_array(json_object_get(geometry, "coordinates")))
        return verr_fail(e, "features[%zu].geometry.coordinates: an array is expected", index);
    return 0;
}

int dataset_map_load(const char *path, struct dataset_map *out, verr *e)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return verr_fail(e, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || st.st_size < 0 || (size_t)st.st_size > DATASET_MAP_MAX_BYTES) {
        fclose(f);
        return verr_fail(e, "%s: larger than %zu MiB", path, DATASET_MAP_MAX_BYTES >> 20);
    }
    out->len = (size_t)st.st_size;
    out->geojson = xmalloc(out->len + 1);
    bool read_ok = fread(out->geojson, 1, out->len, f) == out->len;
    fclose(f);
    out->geojson[out->len] = '\0';
    if (!read_ok) {
        dataset_map_free(out);
        return verr_fail(e, "%s: read error", path);
    }
    json_error_t err;
    json_t *doc = json_loadb(out->geojson, out->len, JSON_REJECT_DUPLICATES, &err);
    int rc = 0;
    json_t *features = json_object_get(doc, "features");
    if (!doc)
        rc = verr_fail(e, "%s:%d: %s", path, err.line, err.text);
    else if (strcmp(json_string_value(json_object_get(doc, "type")) ?: "", "FeatureCollection") ||
             !json_is_array(features))
        rc = verr_fail(e, "%s: a GeoJSON FeatureCollection is expected", path);
    for (size_t k = 0; rc == 0 && k < json_array_size(features); k++)
        if (check_feature(json_array_get(features, k), k, e) < 0) rc = verr_prefix(e, "%s", path);
    out->features = json_array_size(features);
    json_decref(doc);
    if (rc < 0) dataset_map_free(out);
    return rc;
}

void dataset_map_free(struct dataset_map *m)
{
    free(m->geojson);
    memset(m, 0, sizeof *m);
}
