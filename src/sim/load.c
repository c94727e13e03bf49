/* Loading a simulated programme's users into a Vigie database, so that `vigie sim feed` can
 * log in as each of them: coordinators, planners, professionals, caregivers with their
 * passwords, gateways with a fresh key written to the keys file. Tele-assistance and
 * ambulance accounts are linked to every patient of their territory. Passwords are hashed
 * with argon2id like any other account, which costs tens of milliseconds each: this is for
 * demo-sized programmes, not for the million-patient load test (that one goes through
 * `vigie import` and `vigie triage`). */
#include "auth/auth.h"
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

struct user_pass {
    struct loader *loader;
    store *s;
    FILE *keys;
    struct sim_load_stats *stats;
};

static int create_user(void *arg, json_t *obj, const char *where, verr *e)
{
    struct user_pass *up = arg;
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
    return rc < 0 ? verr_prefix(e, "%s: user %s", where, username) : 0;
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
