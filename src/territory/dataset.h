/* The territorial data a server keeps in memory for the diagnosis API: the communes with
 * their APL (DREES's values, or computed by E2SFCA from a GP supply), doctors by
 * département, the départements' names and regions, and their outlines for maps.
 *
 * Vigie ships none of these files (docs/territory.md): each is named by a setting
 * (territory.communes, territory.apl, ...) or found under territory.data_dir with the name
 * it has in the team's data pack (communes.csv, apl_mg_2021.csv, ...). Without a data_dir
 * setting, $VIGIE_DATA_DIR and then the candidate directories the caller gives (the
 * working directory's and the source tree's ../shared/data) are tried. Files are read once,
 * on first use, and shared read-only by every request thread; a file that is missing is
 * looked for again on the next use, so copying it in needs no restart, while a file that
 * failed to parse keeps its error until the server restarts. Every error names the file
 * and the setting that points to it. */
#ifndef VIGIE_TERRITORY_DATASET_H
#define VIGIE_TERRITORY_DATASET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/strmap.h"
#include "core/verr.h"
#include "territory/apl.h"
#include "territory/communes.h"
#include "territory/deserts.h"
#include "territory/rotations.h"
#include "territory/sites.h"
#include "territory/travel.h"

#define DATASET_PATH_MAX 1024
/* Largest outlines file read for maps. */
#define DATASET_MAP_MAX_BYTES ((size_t)64 << 20)

enum dataset_file {
    DATASET_COMMUNES,     /* communes.csv: code, name, département, region, population, lat, lon */
    DATASET_APL,          /* apl_mg_2021.csv: DREES's APL per commune */
    DATASET_SUPPLY,       /* code,supply: GP consultations per commune (then the APL is computed) */
    DATASET_DOCTORS,      /* doctors_departement_2014.csv: doctors by département */
    DATASET_DEPARTEMENTS, /* departements.csv: code, name, region */
    DATASET_MAP,          /* departements.geojson: outlines */
    DATASET_TEAMS,        /* mobile teams: team,specialties,available_from,available_to */
    DATASET_MATRIX,       /* road times from,to,minutes (else straight lines) */
    DATASET_FILE_COUNT
};

struct dataset_file_setting {
    char path[DATASET_PATH_MAX]; /* "" when neither named nor found */
    const char *key;             /* the setting naming it: "territory.communes" */
    const char *pack_name;       /* its name under data_dir, NULL when it has none there */
    bool named;                  /* given by its own setting (else from data_dir) */
};

struct dataset_settings {
    char data_dir[DATASET_PATH_MAX]; /* "" when none was given or found */
    char data_dir_origin[64];        /* "territory.data_dir", "VIGIE_DATA_DIR", "default" */
    struct dataset_file_setting files[DATASET_FILE_COUNT];
    char apl_column[64];     /* column of the APL file; "" takes apl_65, then apl */
    char doctors_column[64]; /* column of the doctors file; "" takes generalistes... */
    double threshold;        /* territory.desert_threshold, default 2.5 */
    struct apl_params apl;   /* when the APL is computed from a supply */
    struct travel_params travel;
    struct sites_params sites;          /* defaults of a site selection */
    struct rotations_problem rotations; /* defaults of a rotation plan (numbers only) */
    /* Bounds of the HTTP API, so that one request cannot take the server down. */
    size_t api_max_sites;      /* p */
    size_t api_max_pairs;      /* (site, commune) pairs of a site selection */
    double api_max_minutes;    /* catchment of a site */
    double api_max_time_limit; /* seconds GLPK may take for one request */
    int api_concurrent_solves; /* site selections running at once */
};

/* Reads every territory.* key the server uses (files, columns, APL, travel, sites and
 * rotations parameters, API bounds), so that config_check_unused can refuse the others.
 * default_dirs (NULL-terminated, may be NULL) are tried in order for data_dir when neither
 * territory.data_dir nor $VIGIE_DATA_DIR is set. */
int dataset_settings_read(config *c, const char *const *default_dirs, struct dataset_settings *out,
                          verr *e);

struct dataset_departement {
    char code[COMMUNE_AREA_CODE_MAX];
    const char *name; /* "" when the départements file is absent */
    char region[COMMUNE_AREA_CODE_MAX];
};

/* The communes and their APL, as loaded. Read-only once returned. */
struct dataset_data {
    struct commune_table communes;
    double *apl;                     /* per commune; NAN when unknown */
    const char *apl_source;          /* in words: "apl_mg_2021.csv, column apl_65" */
    const char *apl_file;            /* the file's name: "apl_mg_2021.csv", or the supply's */
    const char *apl_column;          /* the column read; NULL when computed from a supply */
    size_t apl_rows;                 /* rows read from the APL or supply file */
    size_t apl_rows_folded;          /* municipal arrondissements folded into their commune */
    size_t apl_rows_unmatched;       /* codes the communes file does not have (former communes) */
    struct deserts_doctors *doctors; /* NULL when the doctors file is absent */
    size_t doctor_count;
    struct dataset_departement *departements; /* by code; from the file, else the communes */
    size_t departement_count;
    strmap departement_index; /* code -> position */
    travel *travel;           /* straight lines, or the road-time matrix */
    const char *travel_source;
    arena strings;
};

/* Outlines of the départements: the file's bytes, checked to be a GeoJSON FeatureCollection
 * of Polygon or MultiPolygon features with a "code" property. */
struct dataset_map {
    char *geojson;
    size_t len;
    size_t features;
};

typedef struct dataset dataset;

/* The settings are copied. */
dataset *dataset_new(const struct dataset_settings *s);
void dataset_free(dataset *d);
const struct dataset_settings *dataset_settings_of(const dataset *d);

/* The communes and APL (loaded on first call; thread-safe). NULL with a message naming the
 * missing or broken file and the setting to change. */
const struct dataset_data *dataset_data(dataset *d, verr *e);
/* The département outlines (the same way). */
const struct dataset_map *dataset_map(dataset *d, verr *e);
/* The teams file's path, or NULL with the message naming territory.teams. The file is
 * small and read by each request, so an edit applies at once. */
const char *dataset_teams_path(dataset *d, verr *e);

/* A département of the data, or NULL. */
const struct dataset_departement *dataset_departement(const struct dataset_data *data,
                                                      const char *code);
/* The commune an INSEE code of a municipal arrondissement belongs to (75101-75120 Paris
 * 75056, 69381-69389 Lyon 69123, 13201-13216 Marseille 13055), or NULL. */
const char *dataset_arrondissement_commune(const char *code);

/* Reads the data from the settings' files (what dataset_data does once); exposed for tests
 * and commands. The caller frees it with dataset_data_free. */
int dataset_data_load(const struct dataset_settings *s, struct dataset_data *out, verr *e);
void dataset_data_free(struct dataset_data *d);
int dataset_map_load(const char *path, struct dataset_map *out, verr *e);
void dataset_map_free(struct dataset_map *m);

#endif
