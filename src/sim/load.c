/* Loading a simulated programme into a Vigie database: the registry (territories with their
 * communes and quota, sites, professionals) and the users, so that `vigie sim feed` can log
 * in as each of them: coordinators, planners, professionals, caregivers with their
 * passwords, gateways with a fresh key written to the keys file. Tele-assistance and
 * ambulance accounts are linked to every patient of their territory. Patients are enrolled
 * by the feed, through the API, once their Patient resource exists. Passwords are hashed
 * with argon2id like any other account, which costs tens of milliseconds each: this is for
 * demo-sized programmes, not for the million-patient load test (that one goes through
 * `vigie import` and `vigie triage`). */
#include "auth/auth.h"
#include "registry/registry.h"
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAMME_LINE_MAX (16u << 20)

struct territory_patients {
    char *territory;
    char **patients;
    size_t count, cap;
};

struct loader {
    struct territory_patients *territories;
    size_t count;
};

static struct territory_patients *territory_entry(struct loader *l, const char *id, bool add)
{
    for (size_t i = 0; i < l->count; i++)
        if (!strcmp(l->territories[i].territory, id)) return &l->territories[i];
    if (!add) return NULL;
    l->territories = xrealloc(l->territories, (l->count + 1) * sizeof *l->territories);
    struct territory_patients *t = &l->territories[l->count++];
    memset(t, 0, sizeof *t);
    t->territory = xstrdup(id);
    return t;
}

static void loader_free(struct loader *l)
{
    for (size_t i = 0; i < l->count; i++) {
        for (size_t k = 0; k < l->territories[i].count; k++) free(l->territories[i].patients[k]);
        free(l->territories[i].patients);
        free(l->territories[i].territory);
    }
    free(l->territories);
}

static bool type_is(json_t *obj, const char *type)
{
    const char *t = json_string_value(json_object_get(obj, "type"));
    return t && !strcmp(t, type);
}

static int collect_patient(void *arg, json_t *obj, const char *where, verr *e)
{
    struct loader *l = arg;
    if (!type_is(obj, "patient")) return 0;
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *territory = json_string_value(json_object_get(obj, "territory"));
    if (!id || !territory)
        return verr_fail(e, "%s: a patient needs \"id\" and \"territory\"", where);
    struct territory_patients *t = territory_entry(l, territory, true);
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->patients = xrealloc(t->patients, t->cap * sizeof *t->patients);
    }
    t->patients[t->count++] = xstrdup(id);
    return 0;
}

/* Copies the strings of a JSON array (NULL array: none). The caller frees the list. */
static char **strings_of(json_t *array, size_t *count)
{
    *count = json_array_size(array);
    char **out = xcalloc(*count ? *count : 1, sizeof *out);
    for (size_t i = 0; i < *count; i++) {
        const char *s = json_string_value(json_array_get(array, i));
        out[i] = (char *)(s ? s : "");
    }
    return out;
}

/* Applies one registry change in its own transaction; "already there" (409) is not an
 * error, so a programme can be loaded again. */
static int registry_change(store *s,
                           int (*apply)(store *, const void *, struct registry_outcome *, verr *),
                           const void *what, const char *where, unsigned *created, verr *e)
{
    struct registry_outcome o;
    memset(&o, 0, sizeof o);
    if (store_begin(s, e) < 0) return -1;
    if (apply(s, what, &o, e) < 0) {
        store_rollback(s);
        return verr_prefix(e, "%s", where);
    }
    if (o.status >= 300) {
        store_rollback(s);
        if (o.status == 409 && !strcmp(o.field, "id")) return 0;
        return verr_fail(e, "%s: %s%s%s", where, o.field, o.field[0] ? ": " : "", o.message);
    }
    if (store_commit(s, e) < 0) return verr_prefix(e, "%s", where);
    (*created)++;
    return 0;
}

static int apply_territory(store *s, const void *what, struct registry_outcome *o, verr *e)
{
    if (registry_check_territory(what, o) < 0 || o->status >= 300) return 0;
    return registry_apply_territory(s, what, false, true, o, e);
}

static int apply_site(store *s, const void *what, struct registry_outcome *o, verr *e)
{
    if (registry_check_site(what, o) < 0 || o->status >= 300) return 0;
    return registry_apply_site(s, what, o, e);
}

static int apply_professional(store *s, const void *what, struct registry_outcome *o, verr *e)
{
    if (registry_check_professional(what, o) < 0 || o->status >= 300) return 0;
    return registry_apply_professional(s, what, o, e);
}

static void copy(char *dst, size_t size, json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    snprintf(dst, size, "%s", v ? v : "");
}

static int load_territory(store *s, json_t *obj, const char *where, struct sim_load_stats *st,
                          verr *e)
{
    struct store_territory t;
    memset(&t, 0, sizeof t);
    copy(t.id, sizeof t.id, obj, "id");
    copy(t.name, sizeof t.name, obj, "name");
    copy(t.region, sizeof t.region, obj, "region");
    t.quota = json_integer_value(json_object_get(obj, "quota"));
    t.communes = strings_of(json_object_get(obj, "communes"), &t.commune_count);
    int rc = registry_change(s, apply_territory, &t, where, &st->territories, e);
    free(t.communes);
    return rc;
}

static int load_site(store *s, json_t *obj, const char *where, struct sim_load_stats *st, verr *e)
{
    struct store_site site;
    memset(&site, 0, sizeof site);
    copy(site.id, sizeof site.id, obj, "id");
    copy(site.territory, sizeof site.territory, obj, "territory");
    copy(site.kind, sizeof site.kind, obj, "kind");
    copy(site.name, sizeof site.name, obj, "name");
    copy(site.commune, sizeof site.commune, obj, "commune");
    return registry_change(s, apply_site, &site, where, &st->sites, e);
}

/* A professional user is also the registry's professional of their territory. */
static int load_professional(store *s, json_t *obj, const char *where, struct sim_load_stats *st,
                             verr *e)
{
    struct store_professional p;
    memset(&p, 0, sizeof p);
    copy(p.id, sizeof p.id, obj, "username");
    copy(p.username, sizeof p.username, obj, "username");
    copy(p.name, sizeof p.name, obj, "name");
    copy(p.profession, sizeof p.profession, obj, "profession");
    copy(p.site, sizeof p.site, obj, "site");
    const char *t = json_string_value(json_array_get(json_object_get(obj, "territories"), 0));
    snprintf(p.territory, sizeof p.territory, "%s", t ? t : "");
    return registry_change(s, apply_professional, &p, where, &st->professionals, e);
}

struct user_pass {
    struct loader *loader;
    store *s;
    FILE *keys;
    struct sim_load_stats *stats;
};

static int create_user(void *arg, json_t *obj, const char *where, verr *e)
{
    struct user_pass *up = arg;
    if (type_is(obj, "territory")) return load_territory(up->s, obj, where, up->stats, e);
    if (type_is(obj, "site")) return load_site(up->s, obj, where, up->stats, e);
    if (!type_is(obj, "user")) return 0;
    const char *username = json_string_value(json_object_get(obj, "username"));
    const char *role = json_string_value(json_object_get(obj, "role"));
    const char *password = json_string_value(json_object_get(obj, "password"));
    enum auth_role parsed;
    if (!username || !role || auth_role_parse(role, &parsed) < 0)
        return verr_fail(e, "%s: a user needs \"username\" and a known \"role\"", where);
    struct store_user u;
    memset(&u, 0, sizeof u);
    if (strlen(username) >= sizeof u.username)
        return verr_fail(e, "%s: username '%s' is too long", where, username);
    snprintf(u.username, sizeof u.username, "%s", username);
    snprintf(u.role, sizeof u.role, "%s", role);
    char hash[AUTH_HASH_MAX];
    if (parsed != ROLE_GATEWAY) {
        if (!password) return verr_fail(e, "%s: user %s has no password", where, username);
        if (auth_password_hash(password, hash, e) < 0) return verr_prefix(e, "%s", where);
        u.password_hash = hash;
    }
    u.territories = strings_of(json_object_get(obj, "territories"), &u.territory_count);
    bool whole_territory =
        parsed == ROLE_CAREGIVER && !json_object_get(obj, "patients") && u.territory_count == 1;
    if (whole_territory) {
        /* tele-assistance and ambulances report for anyone of their territory */
        struct territory_patients *t = territory_entry(up->loader, u.territories[0], false);
        u.patients = xcalloc(t && t->count ? t->count : 1, sizeof *u.patients);
        u.patient_count = t ? t->count : 0;
        for (size_t i = 0; i < u.patient_count; i++) u.patients[i] = t->patients[i];
    } else {
        u.patients = strings_of(json_object_get(obj, "patients"), &u.patient_count);
    }
    int64_t now = instant_now_ms();
    int rc = store_user_add(up->s, &u, now, e);
    /* The lists point into the JSON tree or the loader: only the arrays are ours. */
    free(u.territories);
    free(u.patients);
    u.territories = u.patients = NULL;
    u.territory_count = u.patient_count = 0;
    u.password_hash = NULL;
    if (rc == 0) up->stats->users_created++;
    if (rc == 1) {
        up->stats->users_existing++;
        rc = store_user_get(up->s, username, 0, &u, e) < 0 ? -1 : 0;
    }
    if (rc == 0 && parsed == ROLE_GATEWAY && up->keys) {
        char key[AUTH_TOKEN_LEN + 1];
        unsigned char key_hash[AUTH_TOKEN_HASH];
        auth_token_new(key, key_hash);
        rc = store_token_add(up->s, key_hash, u.id, TOKEN_KEY, now, STORE_NO_TIME, e);
        if (rc == 0) {
            fprintf(up->keys, "%s %s\n", username, key);
            up->stats->keys++;
        }
    }
    store_user_free(&u);
    if (rc < 0) return verr_prefix(e, "%s: user %s", where, username);
    if (parsed == ROLE_PROFESSIONAL) return load_professional(up->s, obj, where, up->stats, e);
    return 0;
}

int sim_load_users(store *s, FILE *programme, const char *name, FILE *keys,
                   struct sim_load_stats *stats, verr *e)
{
    struct loader l = {0};
    memset(stats, 0, sizeof *stats);
    int rc = sim_each_json_line(programme, name, PROGRAMME_LINE_MAX, collect_patient, &l, e);
    if (rc == 0 && fseek(programme, 0, SEEK_SET) != 0)
        rc = verr_fail(e, "%s: cannot read the programme twice (%s)", name, strerror(errno));
    if (rc == 0) {
        struct user_pass up = {&l, s, keys, stats};
        rc = sim_each_json_line(programme, name, PROGRAMME_LINE_MAX, create_user, &up, e);
    }
    loader_free(&l);
    return rc;
}
