/* APL (accessibilité potentielle localisée, DREES): accessibility of each commune to a
 * supply (GP consultations per year, or full-time equivalents) by the enhanced two-step
 * floating catchment area method (E2SFCA, Luo & Qi 2009):
 *
 *   step 1, for each commune j with supply S_j:  R_j = S_j / sum_k P_k W(t_kj)
 *   step 2, for each commune i:                  A_i = sum_j R_j W(t_ij)
 *
 * over the pairs with t <= the catchment limit, where P is the demand (age-standardised
 * population when given) and W decreases with the travel time t (minutes, resident to
 * supply). Defaults follow DREES: W = 1 up to 10 min, 0.66 up to 15, 0.33 up to 20, 0
 * beyond; a band is (previous limit, limit]. One band of weight 1 is the original 2SFCA
 * (Luo & Wang 2003). The gravity option uses W = max(t, t_min)^-beta up to a limit.
 * A is in supply units per year per inhabitant; sum_i P_i A_i = sum_j S_j whenever every
 * supply has demand in reach. */
#ifndef VIGIE_TERRITORY_APL_H
#define VIGIE_TERRITORY_APL_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/verr.h"
#include "territory/communes.h"
#include "territory/travel.h"

#define APL_MAX_BANDS     16
#define APL_DEFAULT_BANDS "10:1,15:0.66,20:0.33"

enum apl_decay { APL_DECAY_BANDS, APL_DECAY_GRAVITY };
enum apl_demand {
    APL_DEMAND_AUTO,         /* standardised population where given, else population */
    APL_DEMAND_POPULATION,   /* population only */
    APL_DEMAND_STANDARDISED, /* standardised population, required for every commune */
};

struct apl_params {
    enum apl_decay decay;
    size_t band_count;
    double band_limit[APL_MAX_BANDS];  /* minutes, increasing */
    double band_weight[APL_MAX_BANDS]; /* >= 0 */
    double gravity_beta;               /* default 1 */
    double gravity_min_minutes;        /* default 5: shorter trips weigh 1 */
    double gravity_max_minutes;        /* catchment of the gravity option, default 20 */
    enum apl_demand demand;
    double scale; /* multiplies the result: 1, or 100000 for FTE per 100,000 inhabitants */
};

void apl_params_default(struct apl_params *p);
/* Parses "10:1,15:0.66,20:0.33" (limit in minutes : weight) into p's bands. */
int apl_parse_bands(struct apl_params *p, const char *text, verr *e);
/* Reads territory.apl_decay (bands|gravity), territory.apl_bands, territory.apl_gravity_beta,
 * territory.apl_gravity_min_minutes, territory.apl_max_minutes, territory.apl_demand
 * (auto|population|standardised) and territory.apl_scale. */
int apl_params_from_config(struct apl_params *p, config *c, verr *e);
/* "auto", "population" or "standardised". */
int apl_parse_demand(const char *text, enum apl_demand *out, verr *e);
/* Checks the parameters make sense (bands increasing, weights >= 0, beta >= 0...). */
int apl_params_check(const struct apl_params *p, verr *e);

/* The catchment limit in minutes, and the weight of a trip of t minutes (0 beyond). */
double apl_max_minutes(const struct apl_params *p);
double apl_weight(const struct apl_params *p, double minutes);

struct apl_result {
    size_t count;             /* communes */
    double *apl;              /* per commune (x scale); 0 where no supply is in reach; NAN where the
                               * commune cannot be placed (no coordinates in straight-line mode) */
    double *demand;           /* P_i used */
    double supply_total;      /* sum of S_j */
    double supply_stranded;   /* supply no commune receives: no demand in reach, or a
                               * commune that cannot be placed */
    double demand_total;      /* sum of P_i */
    double population_total;  /* sum of known populations of the communes with an APL */
    double mean;              /* population-weighted mean of apl */
    size_t supply_communes;   /* communes with S_j > 0 */
    size_t pairs;             /* (resident, supply) pairs in reach */
    size_t communes_unplaced; /* without coordinates in straight-line mode: APL unknown */
    enum apl_demand demand_used; /* POPULATION, STANDARDISED, or AUTO when mixed */
};

/* supply[i] is the supply of t->communes[i] (0 for none). The caller frees out with
 * apl_result_free. */
int apl_compute(const struct commune_table *t, const double *supply, const travel *tr,
                const struct apl_params *p, struct apl_result *out, verr *e);
void apl_result_free(struct apl_result *r);

/* "code,apl" then one line per commune. Returns 0, or -1 when out is full. */
int apl_write_csv(buf *out, const struct commune_table *t, const struct apl_result *r);
/* {"method":..., "parameters":{...}, "summary":{...}, "communes":[{"code":..,"apl":..}]} */
int apl_write_json(buf *out, const struct commune_table *t, const struct apl_result *r,
                   const struct apl_params *p, const char *travel_description);

#endif
