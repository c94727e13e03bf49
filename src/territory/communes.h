/* The communes a territory diagnosis works on: INSEE code, name, département, region,
 * population (and age-standardised population when known) and centroid, with lookup by
 * code, plus readers for per-commune values (supply, APL) joined by code.
 *
 * Column names accepted in a communes CSV (first match wins, case ignored):
 *   code: code_insee, code, insee, codgeo, commune     name: nom, name, libelle
 *   département: departement, dep, code_departement  region: region, reg, code_region
 *   population: population, pop, population_totale
 *   standardised population: pop_standardised, population_standardisee, pop_std
 *   centroid: lat, latitude and lon, lng, longitude
 * Only the code is required. A missing département is derived from the code (first two
 * characters, three for overseas codes 97x and 98x); a missing region can be filled from a
 * départements CSV (code, region), as in the shared data pack. */
#ifndef VIGIE_TERRITORY_COMMUNES_H
#define VIGIE_TERRITORY_COMMUNES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/strmap.h"
#include "core/verr.h"
#include "territory/csvfile.h"

#define COMMUNE_CODE_MAX      16 /* bytes, NUL included; INSEE codes have 5 characters */
#define COMMUNE_AREA_CODE_MAX 8
#define COMMUNES_MAX          1000000

struct commune {
    char code[COMMUNE_CODE_MAX];
    char departement[COMMUNE_AREA_CODE_MAX]; /* "" when unknown */
    char region[COMMUNE_AREA_CODE_MAX];      /* "" when unknown */
    const char *name;                        /* owned by the table; "" when absent */
    double population;                       /* NAN when unknown */
    double population_standardised;          /* NAN when not given */
    double lat, lon;                         /* WGS84 degrees; NAN when unknown */
};

struct commune_table {
    struct commune *communes;
    size_t count;
    size_t capacity;
    strmap index; /* code -> position */
    arena names;  /* storage for the names */
};

void communes_init(struct commune_table *t);
void communes_free(struct commune_table *t);

/* Adds a copy of c (its name is copied). Fails on an empty, too long or duplicate code, or
 * past COMMUNES_MAX. An empty département is derived from the code. */
int communes_add(struct commune_table *t, const struct commune *c, verr *e);
/* Reads every record of a communes CSV (see the column names above) into t. */
int communes_read_csv(struct commune_table *t, csvfile *f, verr *e);
/* Fills empty regions from a départements CSV with columns code (or departement) and region.
 * Unknown départements are left as they are. */
int communes_read_regions(struct commune_table *t, csvfile *f, verr *e);

/* Position of the commune with this code, or -1. */
long communes_find(const struct commune_table *t, const char *code);

/* The département code an INSEE commune code belongs to ("01001" -> "01", "2A004" -> "2A",
 * "97411" -> "974", "75101" -> "75"); "" when the code is too short. */
void communes_departement_of(const char *code, char out[COMMUNE_AREA_CODE_MAX]);

/* How per-commune values are read by communes_read_values. */
struct communes_values_options {
    const char *const *value_columns; /* accepted header names, NULL-terminated */
    bool sum_duplicates;              /* several rows for one commune add up (supply by practice) */
    bool skip_unknown; /* rows whose code is not in the table are ignored (else an error) */
    bool allow_negative;
    double missing; /* value for communes without a row (0 for supply, NAN for APL) */
};

/* Reads (code, value) rows joined on the table: out[i] is the value of t->communes[i].
 * Empty values count as absent. Returns the number of rows used, or -1. */
long communes_read_values(const struct commune_table *t, csvfile *f,
                          const struct communes_values_options *opt, double *out, verr *e);

/* Reads the code column of a CSV as commune positions (a list of candidate sites...).
 * Unknown codes are errors; a code listed twice is kept once. *out is malloc'ed. */
int communes_read_codes(const struct commune_table *t, csvfile *f, uint32_t **out, size_t *count,
                        verr *e);

/* Header names of the code column, shared by every territory reader. */
extern const char *const communes_code_columns[];

#endif
