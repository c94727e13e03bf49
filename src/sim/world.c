/* The programme's world: regions drawn from the communes file, territories built around a
 * small town (the pole of a rural territory) by adding the nearest communes of the same
 * département until a population target is reached, their telemedicine sites, and the
 * staff: coordinators and planners per region, professionals and device gateways per
 * territory. Without coordinates, "nearest" falls back to the same arrondissement in code
 * order, which keeps territories compact enough and the generator usable anywhere. */
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stream purposes for sim_rng_seed's last coordinate. */
enum { STREAM_REGIONS = 1, STREAM_TERRITORY = 2 };

#define SEED_MIN_POPULATION     1000
#define SEED_MAX_POPULATION     15000
#define MEMBER_MAX_POPULATION   50000 /* cities are not medical deserts */
#define TERRITORY_MAX_MEMBERS   150
#define COORDINATORS_PER_REGION 3

static const char *const site_kind_names[SITE_KIND_COUNT] = {"msp", "telemedicine", "ehpad", "smp"};
static const char *const site_kind_labels[SITE_KIND_COUNT] = {
    "Maison de santé pluriprofessionnelle", "Cabine de téléconsultation (pharmacie)", "EHPAD",
    "Service médical de proximité"};
/* The registry's professions (src/registry); an EHPAD nurse is a nurse at the EHPAD. */
static const char *const profession_names[PRO_KIND_COUNT] = {"ipa", "gp", "nurse", "nurse"};

static int compare_region(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int choose_regions(struct sim_world *w, verr *e)
{
    char all[64][4];
    unsigned n = 0;
    for (size_t i = 0; i < w->communes.count; i++) {
        const char *r = w->communes.items[i].region;
        if (strlen(r) != 2) continue; /* overseas collectivities have no region */
        unsigned j = 0;
        while (j < n && strcmp(all[j], r)) j++;
        if (j == n && n < 64) strcpy(all[n++], r);
    }
    qsort(all, n, sizeof all[0], compare_region);
    if (w->cfg.regions > n)
        return verr_fail(e, "--regions %u: the communes file has only %u regions", w->cfg.regions,
                         n);
    sim_rng r;
    sim_rng_seed(&r, w->cfg.seed, 0, 0, STREAM_REGIONS);
    for (unsigned i = n - 1; i > 0; i--) { /* Fisher-Yates */
        unsigned j = sim_rng_below(&r, i + 1);
        char tmp[4];
        memcpy(tmp, all[i], 4);
        memcpy(all[i], all[j], 4);
        memcpy(all[j], tmp, 4);
    }
    w->region_count = w->cfg.regions;
    memcpy(w->region_codes, all, w->region_count * sizeof all[0]);
    qsort(w->region_codes, w->region_count, sizeof all[0], compare_region);
    return 0;
}

struct candidate {
    uint32_t commune;
    double distance;
};

static int compare_candidate(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    if (x->distance != y->distance) return x->distance < y->distance ? -1 : 1;
    return x->commune < y->commune ? -1 : x->commune > y->commune;
}

/* Whether a commune may be a territory's pole: a small town first (level 0), then any
 * commune a territory may hold (1), then any commune at all (2), for small regions. */
static bool may_be_pole(const struct sim_commune *c, const char *dep, int level)
{
    if (c->used || strcmp(c->departement, dep)) return false;
    if (level == 0)
        return c->population >= SEED_MIN_POPULATION && c->population <= SEED_MAX_POPULATION;
    return level == 2 || c->population <= MEMBER_MAX_POPULATION;
}

/* Picks the pole of a territory among the unused communes of a département. */
static int64_t pick_seed(struct sim_world *w, const char *dep, sim_rng *r, int level)
{
    uint32_t count = 0;
    for (size_t i = 0; i < w->communes.count; i++)
        count += may_be_pole(&w->communes.items[i], dep, level);
    if (count == 0) return -1;
    uint32_t k = sim_rng_below(r, count);
    for (size_t i = 0; i < w->communes.count; i++)
        if (may_be_pole(&w->communes.items[i], dep, level) && k-- == 0) return (int64_t)i;
    return -1;
}

static void grow_territory(struct sim_world *w, struct sim_territory *t, uint32_t seed_index,
                           uint64_t target, uint32_t *member_cap)
{
    const struct sim_commune *seed = &w->communes.items[seed_index];
    struct candidate *cand = xmalloc(w->communes.count * sizeof *cand);
    size_t n = 0;
    double coslat = cos(seed->lat * M_PI / 180);
    for (size_t i = 0; i < w->communes.count; i++) {
        const struct sim_commune *c = &w->communes.items[i];
        if (c->used || strcmp(c->departement, seed->departement)) continue;
        if (c->population > MEMBER_MAX_POPULATION && i != seed_index) continue;
        double d;
        if (seed->has_coordinates) {
            if (!c->has_coordinates) continue;
            double dx = (c->lon - seed->lon) * coslat, dy = c->lat - seed->lat;
            d = dx * dx + dy * dy;
        } else {
            if (strcmp(c->arrondissement, seed->arrondissement)) continue;
            d = fabs((double)i - (double)seed_index);
        }
        cand[n++] = (struct candidate){(uint32_t)i, d};
    }
    qsort(cand, n, sizeof *cand, compare_candidate);
    t->first_member = w->member_total;
    t->member_count = 0;
    t->population = 0;
    double lat_sum = 0, lon_sum = 0, pop_with_coordinates = 0;
    for (size_t k = 0; k < n && t->member_count < TERRITORY_MAX_MEMBERS; k++) {
        if (t->population >= target) break;
        struct sim_commune *c = &w->communes.items[cand[k].commune];
        c->used = true;
        if (w->member_total == *member_cap) {
            *member_cap = *member_cap ? *member_cap * 2 : 1024;
            w->members = xrealloc(w->members, *member_cap * sizeof *w->members);
        }
        w->members[w->member_total++] = cand[k].commune;
        t->member_count++;
        t->population += c->population;
        if (c->has_coordinates) {
            lat_sum += c->lat * c->population;
            lon_sum += c->lon * c->population;
            pop_with_coordinates += c->population;
            w->stats->communes_with_coordinates++;
        }
    }
    t->has_centre = pop_with_coordinates > 0;
    if (t->has_centre) {
        t->lat = lat_sum / pop_with_coordinates;
        t->lon = lon_sum / pop_with_coordinates;
    }
    free(cand);
}

static int compare_member_population(const void *a, const void *b, void *ctx)
{
    const struct sim_communes *c = ctx;
    uint32_t pa = c->items[*(const uint32_t *)a].population;
    uint32_t pb = c->items[*(const uint32_t *)b].population;
    if (pa != pb) return pa > pb ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Sites go to the most populous member communes; professionals are attached to them. */
static void place_sites_and_staff(struct sim_world *w, struct sim_territory *t)
{
    uint32_t *order = xmalloc(t->member_count * sizeof *order);
    memcpy(order, w->members + t->first_member, t->member_count * sizeof *order);
    qsort_r(order, t->member_count, sizeof *order, compare_member_population, &w->communes);
    static const uint8_t kinds[] = {SITE_MSP, SITE_TELEMEDICINE, SITE_EHPAD, SITE_SMP};
    t->site_count = 2 + (t->population > 40000) + (t->population > 70000);
    for (unsigned i = 0; i < t->site_count; i++)
        t->sites[i] = (struct sim_site){order[i % t->member_count], kinds[i]};
    free(order);
    static const uint8_t staff[] = {PRO_IPA, PRO_GP, PRO_GP, PRO_NURSE, PRO_EHPAD_NURSE};
    t->professional_count = t->site_count > 2 ? 5 : 4;
    memcpy(t->professionals, staff, t->professional_count);
}

/* "<what> de <place>" the French way: "du Mans", "des Avirons", "d'Évry", "de Belley". */
static void name_of_place(const char *what, const char *place, char *out, size_t size)
{
    static const char *const vowels[] = {"A", "E", "I", "O", "U", "Y", "H",
                                         "É", "È", "Ê", "Î", "Ô", "Â"};
    if (!strncmp(place, "Le ", 3)) {
        snprintf(out, size, "%s du %s", what, place + 3);
        return;
    }
    if (!strncmp(place, "Les ", 4)) {
        snprintf(out, size, "%s des %s", what, place + 4);
        return;
    }
    for (size_t i = 0; i < sizeof vowels / sizeof *vowels; i++)
        if (!strncmp(place, vowels[i], strlen(vowels[i]))) {
            snprintf(out, size, "%s d'%s", what, place);
            return;
        }
    snprintf(out, size, "%s de %s", what, place);
}

static int build_territories(struct sim_world *w, verr *e)
{
    unsigned per_region = w->cfg.territories_per_region;
    w->territory_count = w->region_count * per_region;
    w->territories = xcalloc(w->territory_count, sizeof *w->territories);
    uint32_t member_cap = 0;
    for (unsigned ri = 0; ri < w->region_count; ri++) {
        const char *region = w->region_codes[ri];
        char deps[64][4];
        unsigned nd = 0;
        for (size_t i = 0; i < w->communes.count; i++) {
            const struct sim_commune *c = &w->communes.items[i];
            if (strcmp(c->region, region)) continue;
            unsigned j = 0;
            while (j < nd && strcmp(deps[j], c->departement)) j++;
            if (j == nd && nd < 64) strcpy(deps[nd++], c->departement);
        }
        qsort(deps, nd, sizeof deps[0], compare_region);
        sim_rng r;
        sim_rng_seed(&r, w->cfg.seed, ri, 0, STREAM_TERRITORY);
        for (unsigned i = nd - 1; i > 0 && nd > 1; i--) {
            unsigned j = sim_rng_below(&r, i + 1);
            char tmp[4];
            memcpy(tmp, deps[i], 4);
            memcpy(deps[i], deps[j], 4);
            memcpy(deps[j], tmp, 4);
        }
        uint64_t eligible = 0;
        for (size_t i = 0; i < w->communes.count; i++) {
            const struct sim_commune *c = &w->communes.items[i];
            if (!strcmp(c->region, region) && c->population <= MEMBER_MAX_POPULATION)
                eligible += c->population;
        }
        uint64_t region_room = eligible * 4 / 5 / per_region + 1;
        for (unsigned k = 0; k < per_region; k++) {
            struct sim_territory *t = &w->territories[ri * per_region + k];
            int64_t seed = -1;
            for (int level = 0; level < 3 && seed < 0; level++)
                for (unsigned d = 0; d < nd && seed < 0; d++)
                    seed = pick_seed(w, deps[(k + d) % nd], &r, level);
            if (seed < 0)
                return verr_fail(e, "region %s has too few communes for %u territories", region,
                                 per_region);
            snprintf(t->id, sizeof t->id, "t-%s-%u", region, k + 1);
            strcpy(t->region, region);
            name_of_place("Territoire", w->communes.items[seed].name, t->name, sizeof t->name);
            /* Small regions (Guyane, Mayotte) must hold their territories too. */
            uint64_t target = (uint64_t)sim_rng_range(&r, 25000, 80000);
            if (target > region_room) target = region_room;
            grow_territory(w, t, (uint32_t)seed, target, &member_cap);
            place_sites_and_staff(w, t);
        }
    }
    w->stats->territories = w->territory_count;
    return 0;
}

/* Patients per territory in proportion to its quota (its population), by largest
 * remainder so that the total is exactly --patients. */
static void allocate_patients(struct sim_world *w)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < w->territory_count; i++) total += w->territories[i].population;
    uint32_t given = 0;
    double *remainder = xmalloc(w->territory_count * sizeof *remainder);
    for (unsigned i = 0; i < w->territory_count; i++) {
        double share = (double)w->cfg.patients * w->territories[i].population / (double)total;
        w->territories[i].patients = (uint32_t)share;
        remainder[i] = share - w->territories[i].patients;
        given += w->territories[i].patients;
    }
    while (given < w->cfg.patients) {
        unsigned best = 0;
        for (unsigned i = 1; i < w->territory_count; i++)
            if (remainder[i] > remainder[best]) best = i;
        w->territories[best].patients++;
        remainder[best] = -1;
        given++;
    }
    free(remainder);
    uint32_t first = 0;
    for (unsigned i = 0; i < w->territory_count; i++) {
        w->territories[i].first_patient = first;
        first += w->territories[i].patients;
    }
}

int sim_world_build(struct sim_world *w, verr *e)
{
    if (choose_regions(w, e) < 0 || build_territories(w, e) < 0) return -1;
    allocate_patients(w);
    return 0;
}

void sim_world_free(struct sim_world *w)
{
    free(w->territories);
    free(w->members);
    w->territories = NULL;
    w->members = NULL;
}

void sim_professional_username(const struct sim_territory *t, unsigned i, char out[32])
{
    snprintf(out, 32, "pro-%s-%u", t->id + 2, i + 1);
}

void sim_password(uint64_t seed, const char *username, char out[20])
{
    /* Synthetic demo credentials: derived from the seed so a feeder can log in as anyone
     * of the programme without a separate secrets file. Never use them outside a demo. */
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    uint64_t h = 1469598103934665603ULL; /* FNV-1a offset basis */
    for (const char *p = username; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    sim_rng r;
    sim_rng_seed(&r, seed, h, 0, 0x70617373);
    for (int i = 0; i < 16; i++) out[i] = alphabet[sim_rng_below(&r, sizeof alphabet - 1)];
    out[16] = '\0';
}

void sim_person_name(uint64_t seed, uint64_t who, bool female, char out[64])
{
    sim_rng r;
    sim_rng_seed(&r, seed, who, 0, 0x6e616d65);
    const char *given =
        female ? sim_given_names_female[sim_rng_below(&r, sim_given_names_female_count)]
               : sim_given_names_male[sim_rng_below(&r, sim_given_names_male_count)];
    const char *family = sim_family_names[sim_rng_below(&r, sim_family_names_count)];
    snprintf(out, 64, "%s %s", given, family);
}

/* ---- programme output ---- */

static void json_key(buf *b, const char *key, const char *value, bool comma)
{
    if (comma) buf_putc(b, ',');
    buf_append_json_string(b, key, strlen(key));
    buf_putc(b, ':');
    buf_append_json_string(b, value, strlen(value));
}

static void flush_line(buf *b, FILE *out)
{
    buf_puts(b, "}\n");
    fwrite(b->data, 1, b->len, out);
    buf_reset(b);
}

static void write_user(buf *b, uint64_t seed, const char *username, const char *role,
                       const char *name, const char *extra_key, const char *extra_value)
{
    char password[20];
    sim_password(seed, username, password);
    buf_puts(b, "{\"type\":\"user\"");
    json_key(b, "username", username, true);
    json_key(b, "role", role, true);
    if (name) json_key(b, "name", name, true);
    json_key(b, "password", password, true);
    if (extra_key) json_key(b, extra_key, extra_value, true);
}

static void write_site(const struct sim_world *w, const struct sim_territory *t, unsigned i, buf *b,
                       FILE *out)
{
    const struct sim_commune *c = &w->communes.items[t->sites[i].commune];
    char id[32], name[256];
    snprintf(id, sizeof id, "s-%s-%u", t->id + 2, i + 1);
    name_of_place(site_kind_labels[t->sites[i].kind], c->name, name, sizeof name);
    buf_puts(b, "{\"type\":\"site\"");
    json_key(b, "id", id, true);
    json_key(b, "territory", t->id, true);
    json_key(b, "name", name, true);
    json_key(b, "kind", site_kind_names[t->sites[i].kind], true);
    json_key(b, "commune", c->code, true);
    if (c->has_coordinates) buf_printf(b, ",\"lat\":%.6f,\"lon\":%.6f", c->lat, c->lon);
    flush_line(b, out);
}

static void write_territory(const struct sim_world *w, const struct sim_territory *t, buf *b,
                            FILE *out)
{
    buf_puts(b, "{\"type\":\"territory\"");
    json_key(b, "id", t->id, true);
    json_key(b, "name", t->name, true);
    json_key(b, "region", t->region, true);
    const struct sim_commune *pole = &w->communes.items[w->members[t->first_member]];
    json_key(b, "departement", pole->departement, true);
    buf_puts(b, ",\"communes\":[");
    for (uint32_t i = 0; i < t->member_count; i++) {
        if (i) buf_putc(b, ',');
        const char *code = w->communes.items[w->members[t->first_member + i]].code;
        buf_append_json_string(b, code, strlen(code));
    }
    buf_printf(b, "],\"population\":%llu,\"quota\":%u", (unsigned long long)t->population,
               t->patients);
    if (t->has_centre) buf_printf(b, ",\"centre\":{\"lat\":%.6f,\"lon\":%.6f}", t->lat, t->lon);
    flush_line(b, out);
}

void sim_world_write_programme(const struct sim_world *w, FILE *out)
{
    buf b;
    buf_init(&b, 1 << 24);
    char date[32];
    sim_format_local(w->cfg.start_ms, date);
    buf_printf(&b, "{\"type\":\"programme\",\"seed\":%llu", (unsigned long long)w->cfg.seed);
    json_key(&b, "start", date, true);
    buf_printf(&b, ",\"days\":%u,\"patients\":%u,\"regions\":%u,\"territories\":%u", w->cfg.days,
               w->cfg.patients, w->region_count, w->territory_count);
    buf_printf(&b, ",\"coordinates\":%s", w->communes.with_coordinates ? "true" : "false");
    flush_line(&b, out);
    for (unsigned ri = 0; ri < w->region_count; ri++) {
        const char *name = sim_region_name(&w->communes, w->region_codes[ri]);
        buf_puts(&b, "{\"type\":\"region\"");
        json_key(&b, "code", w->region_codes[ri], true);
        json_key(&b, "name", name ? name : w->region_codes[ri], true);
        flush_line(&b, out);
    }
    for (unsigned i = 0; i < w->territory_count; i++) {
        const struct sim_territory *t = &w->territories[i];
        write_territory(w, t, &b, out);
        for (unsigned s = 0; s < t->site_count; s++) write_site(w, t, s, &b, out);
    }
    uint64_t seed = w->cfg.seed;
    char username[40], name[64], site[32];
    for (unsigned ri = 0; ri < w->region_count; ri++) {
        const char *region = w->region_codes[ri];
        unsigned per = w->cfg.territories_per_region;
        for (unsigned k = 0; k < COORDINATORS_PER_REGION + 1; k++) {
            bool planner = k == COORDINATORS_PER_REGION;
            if (planner)
                snprintf(username, sizeof username, "planner-%s", region);
            else
                snprintf(username, sizeof username, "coord-%s-%u", region, k + 1);
            sim_person_name(seed, sim_mix64(0xc00d0000ULL + ri * 16 + k), k % 2 == 0, name);
            char full[80];
            snprintf(full, sizeof full, "%s%s", planner ? "" : "Dr ", name);
            write_user(&b, seed, username, planner ? "planner" : "coordinator", full, NULL, NULL);
            buf_puts(&b, ",\"territories\":[");
            for (unsigned t = 0; t < per; t++) {
                if (t) buf_putc(&b, ',');
                const char *id = w->territories[ri * per + t].id;
                buf_append_json_string(&b, id, strlen(id));
            }
            buf_putc(&b, ']');
            flush_line(&b, out);
        }
    }
    for (unsigned i = 0; i < w->territory_count; i++) {
        const struct sim_territory *t = &w->territories[i];
        for (unsigned k = 0; k < t->professional_count; k++) {
            sim_professional_username(t, k, username);
            sim_person_name(seed, sim_mix64(0x9e0f0000ULL + i * 16 + k), k % 3 != 1, name);
            char full[80];
            snprintf(full, sizeof full, "%s%s", t->professionals[k] == PRO_GP ? "Dr " : "", name);
            write_user(&b, seed, username, "professional", full, "profession",
                       profession_names[t->professionals[k]]);
            /* the EHPAD nurse works at the EHPAD (third site), the others anywhere */
            unsigned at = t->professionals[k] == PRO_EHPAD_NURSE ? 2 : k % t->site_count;
            snprintf(site, sizeof site, "s-%s-%u", t->id + 2, at + 1);
            json_key(&b, "site", site, true);
            buf_puts(&b, ",\"territories\":[");
            buf_append_json_string(&b, t->id, strlen(t->id));
            buf_putc(&b, ']');
            flush_line(&b, out);
        }
        static const char *const vendors[] = {"a", "b"};
        static const char *const vendor_names[] = {"Passerelle cardio-respiratoire",
                                                   "Passerelle diabète et activité"};
        for (unsigned k = 0; k < 2; k++) {
            snprintf(username, sizeof username, "gw-%s-%s", t->id + 2, vendors[k]);
            write_user(&b, seed, username, "gateway", vendor_names[k], NULL, NULL);
            buf_puts(&b, ",\"territories\":[");
            buf_append_json_string(&b, t->id, strlen(t->id));
            buf_putc(&b, ']');
            flush_line(&b, out);
        }
        /* Tele-assistance operators and ambulance crews report for any patient of their
         * territory (the loader links them to the territory's patients). */
        static const char *const services[][3] = {
            {"ta", "tele-assistance", "Plateforme de téléassistance"},
            {"amb", "ambulance", "Ambulances du territoire"}};
        for (unsigned k = 0; k < 2; k++) {
            snprintf(username, sizeof username, "%s-%s", services[k][0], t->id + 2);
            write_user(&b, seed, username, "caregiver", services[k][2], "relation", services[k][1]);
            buf_puts(&b, ",\"territories\":[");
            buf_append_json_string(&b, t->id, strlen(t->id));
            buf_putc(&b, ']');
            flush_line(&b, out);
        }
    }
    buf_free(&b);
}
