/* Travel times between communes, in minutes, from one of two sources:
 *  - a matrix of road times (from,to,minutes), as produced by a distancier such as INSEE's
 *    Metric or an OSRM table; a pair given in one direction only is used both ways, a
 *    commune is 0 minutes from itself, and every pair not listed is out of reach;
 *  - straight-line (great-circle) distance between centroids x a detour factor / a speed.
 *    Defaults: detour 1.3 (road circuity is 1.2-1.4 in European countries, Ballou et al.
 *    2002) and 60 km/h, i.e. 46 km/h as the crow flies. A commune without coordinates
 *    reaches only itself.
 * Catchment queries (every origin within T minutes of each destination) use a latitude-band
 * index in straight-line mode, so the cost follows the number of close pairs, not n^2. */
#ifndef VIGIE_TERRITORY_TRAVEL_H
#define VIGIE_TERRITORY_TRAVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/verr.h"
#include "territory/communes.h"
#include "territory/csvfile.h"

#define TRAVEL_DEFAULT_SPEED_KMH     60.0
#define TRAVEL_DEFAULT_DETOUR_FACTOR 1.3
/* Cap on the (origin, destination) pairs a matrix or a catchment query may hold. */
#define TRAVEL_MAX_PAIRS ((size_t)60000000)

struct travel_params {
    double speed_kmh;     /* road speed, > 0 */
    double detour_factor; /* road distance / straight-line distance, >= 1 */
};

void travel_params_default(struct travel_params *p);
/* Reads territory.speed_kmh and territory.detour_factor (absent keys keep p's values). */
int travel_params_from_config(struct travel_params *p, config *c, verr *e);

/* One road time, by positions in the commune table. */
struct travel_pair {
    uint32_t from, to;
    double minutes;
};

typedef struct travel travel;

/* The table must outlive the returned object, which the caller frees with travel_free. */
travel *travel_straight_line(const struct commune_table *t, const struct travel_params *p, verr *e);
/* Fails on an unknown position, a negative time, or a pair given twice with two times. */
travel *travel_from_pairs(const struct commune_table *t, const struct travel_pair *pairs, size_t n,
                          verr *e);
/* Reads a matrix CSV with columns from (origin), to (destination), minutes (time); codes
 * must be in the table. */
travel *travel_read_matrix(const struct commune_table *t, csvfile *f, verr *e);
void travel_free(travel *tr);

/* Minutes from one commune to another (positions in the table); INFINITY when out of reach. */
double travel_minutes(const travel *tr, size_t from, size_t to);
/* Whether the times of this commune are known: always with a matrix (a commune it does not
 * list reaches only itself), only with coordinates in straight-line mode. */
bool travel_places(const travel *tr, size_t commune);
/* One line saying where the times come from, for reports. */
const char *travel_describe(const travel *tr);

/* For each destination, the origins within max_minutes (itself included), sorted by origin.
 * Origins of destinations[k] are origin[first[k]] .. origin[first[k + 1] - 1]. */
struct travel_catchments {
    size_t count;     /* number of destinations */
    size_t *first;    /* count + 1 offsets */
    uint32_t *origin; /* positions in the commune table */
    double *minutes;
};

int travel_catchments(const travel *tr, const uint32_t *destinations, size_t count,
                      double max_minutes, struct travel_catchments *out, verr *e);
void travel_catchments_free(struct travel_catchments *c);
/* How many (origin, destination) pairs travel_catchments would hold, counting no further
 * than stop_after: a service can refuse an instance too large before allocating it. Costs
 * a scan of the pairs counted, and no memory beyond one destination's catchment. */
size_t travel_count_pairs(const travel *tr, const uint32_t *destinations, size_t count,
                          double max_minutes, size_t stop_after);

/* Great-circle distance in km between two WGS84 points (mean Earth radius 6371.0088 km). */
double travel_distance_km(double lat1, double lon1, double lat2, double lon2);

#endif
