/* Medical deserts: who lives where the APL is under a threshold (DREES uses 2.5 GP
 * consultations per year per inhabitant for under-served areas), summed for France, each
 * region, each département and each territory (a set of communes, DESIGN §8), with the
 * doctors per 100,000 inhabitants of each département when a doctors count is given.
 *
 * Per area: population of the communes that have an APL value, the part of it under the
 * threshold, the population-weighted mean APL, and the deficit-weighted population
 * sum_i P_i x max(0, 1 - APL_i / threshold), which is 0 for a commune at or above the
 * threshold and P_i for one with no access at all. */
#ifndef VIGIE_TERRITORY_DESERTS_H
#define VIGIE_TERRITORY_DESERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/verr.h"
#include "territory/communes.h"
#include "territory/csvfile.h"

#define DESERTS_DEFAULT_THRESHOLD 2.5

enum deserts_level {
    DESERTS_FRANCE,
    DESERTS_REGION,
    DESERTS_DEPARTEMENT,
    DESERTS_TERRITORY,
    DESERTS_COMMUNE, /* communes under the threshold, when asked for */
};

struct deserts_params {
    double threshold;   /* > 0, in the unit of the APL values */
    bool list_communes; /* add one row per commune under the threshold */
};

/* A commune belongs to a territory; a commune may belong to several. */
struct deserts_membership {
    const char *territory;
    const char *commune; /* INSEE code, must be in the commune table */
};

/* Doctors practising in a département. */
struct deserts_doctors {
    const char *departement;
    double count;
};

struct deserts_area {
    enum deserts_level level;
    const char *code; /* "FR", a region, a département, a territory id or a commune code */
    const char *name; /* the commune's name on commune rows, else "" */
    size_t communes;  /* with an APL value */
    size_t communes_under;
    size_t communes_without_value;
    double population; /* of the communes with an APL value */
    double population_under;
    double population_total; /* of all its communes, for densities */
    double apl_mean;         /* population-weighted; NAN without population */
    double deficit_population;
    double doctors;          /* NAN unless given (départements) */
    double doctors_per_100k; /* doctors x 100,000 / population_total */
};

struct deserts_report {
    double threshold;
    struct deserts_area *areas; /* France, regions, départements, territories, communes */
    size_t count;
    size_t doctors_unmatched; /* doctors rows whose département has no commune */
    arena strings;
};

/* The deficit weight of one commune: max(0, 1 - apl / threshold); 0 for an unknown APL. */
double deserts_deficit(double apl, double threshold);

/* apl[i] is the APL of t->communes[i], NAN when unknown (such communes count in
 * communes_without_value only). members and doctors may be NULL with a count of 0.
 * The caller frees out with deserts_report_free. */
int deserts_summarise(const struct commune_table *t, const double *apl,
                      const struct deserts_params *p, const struct deserts_membership *members,
                      size_t member_count, const struct deserts_doctors *doctors,
                      size_t doctor_count, struct deserts_report *out, verr *e);
void deserts_report_free(struct deserts_report *r);

/* One row per area: level,code,name,communes,communes_under,communes_without_value,
 * population,population_under,share_under,apl_mean,deficit_population,doctors,
 * doctors_per_100k (empty where unknown). */
int deserts_write_csv(buf *out, const struct deserts_report *r);
/* {"threshold":..,"france":{..},"regions":[..],"departements":[..],"territories":[..],
 *  "communes_under":[..]} */
int deserts_write_json(buf *out, const struct deserts_report *r);
/* One area as a JSON object: {"code","name" (communes, or any area given a name),
 * "communes",...,"deficit_population","doctors"?,"doctors_per_100k"?}. */
int deserts_write_area_json(buf *out, const struct deserts_area *a);

/* Reads territory,commune rows (also territory_id / id, and commune / code_insee / code);
 * strings live in a. */
int deserts_read_territories(csvfile *f, arena *a, struct deserts_membership **out, size_t *count,
                             verr *e);
/* Reads departement,<count> rows. count_column names the count column; NULL takes the
 * first of generalistes, doctors, medecins, total, count. */
int deserts_read_doctors(csvfile *f, const char *count_column, arena *a,
                         struct deserts_doctors **out, size_t *count, verr *e);

#endif
