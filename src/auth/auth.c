#include "auth/auth.h"
#include "core/mem.h"

#include <argon2.h>
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_NONE] = "none",           [ROLE_COORDINATOR] = "coordinator",
    [ROLE_PROFESSIONAL] = "professional", [ROLE_CAREGIVER] = "caregiver",
    [ROLE_GATEWAY] = "gateway",     [ROLE_PLANNER] = "planner",
    [ROLE_ADMIN] = "admin",
};

const char *auth_role_name(enum auth_role role)
{
    return (unsigned)role < ROLE_COUNT ? role_names[role] : "none";
}

int auth_role_parse(const char *name, enum auth_role *out)
{
    for (int r = 1; r < ROLE_COUNT; r++)
        if (!strcmp(name, role_names[r])) {
            *out = (enum auth_role)r;
            return 0;
        }
    return -1;
}

int auth_role_bindings_check(enum auth_role role, size_t territories, size_t patients, verr *e)
{
    const char *name = auth_role_name(role);
    switch (role) {
    case ROLE_ADMIN:
        if (territories || patients)
            return verr_fail(e, "an admin runs the platform, not a territory's care: territories "
                                "and patients do not apply");
        return 0;
    case ROLE_CAREGIVER:
        if (territories)
            return verr_fail(e, "a caregiver is linked to patients (--patient), not to "
                                "territories");
        return 0;
    case ROLE_PROFESSIONAL:
        if (territories > 1) return verr_fail(e, "a professional works in one territory");
        /* fall through */
    case ROLE_COORDINATOR:
    case ROLE_PLANNER:
        if (patients)
            return verr_fail(e, "a %s covers territories (--territory), not linked patients",
                             name);
        return 0;
    case ROLE_GATEWAY:
        if (territories > 1) return verr_fail(e, "a gateway is bound to one territory at most");
        return 0;
    default: return verr_fail(e, "unknown role");
    }
}

/* OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1. */
#define ARGON_T 2
#define ARGON_M_KIB (19 * 1024)
#define ARGON_P 1
#define ARGON_SALT 16
#define ARGON_HASH 32

int auth_password_hash(const char *password, char encoded[AUTH_HASH_MAX], verr *e)
{
    unsigned char salt[ARGON_SALT];
    randombytes_buf(salt, sizeof salt);
    int rc = argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, password, strlen(password), salt,
                                   sizeof salt, ARGON_HASH, encoded, AUTH_HASH_MAX);
    if (rc != ARGON2_OK) return verr_fail(e, "argon2id: %s", argon2_error_message(rc));
    return 0;
}

static char dummy[AUTH_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    if (auth_password_hash("not a password of anyone", dummy, NULL) < 0) dummy[0] = '\0';
}

bool auth_password_verify(const char *encoded, const char *password)
{
    if (!encoded) {
        /* No hash (unknown user): spend the same time on a dummy, so that the answer's
         * delay does not tell which usernames exist. */
        pthread_once(&dummy_once, make_dummy);
        argon2id_verify(dummy, password, strlen(password));
        return false;
    }
    return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

int auth_password_policy(const char *password, verr *e)
{
    size_t n = strlen(password);
    if (n < AUTH_PASSWORD_MIN)
        return verr_fail(e, "password: at least %d characters are needed", AUTH_PASSWORD_MIN);
    bool digits_only = true;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)password[i])) digits_only = false;
    if (digits_only) return verr_fail(e, "password: digits alone are too easy to guess");
    return 0;
}

void auth_token_hash(const char *text, unsigned char hash[AUTH_TOKEN_HASH])
{
    crypto_generichash(hash, AUTH_TOKEN_HASH, (const unsigned char *)text, strlen(text), NULL, 0);
}

void auth_token_new(char text[AUTH_TOKEN_LEN + 1], unsigned char hash[AUTH_TOKEN_HASH])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, AUTH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    auth_token_hash(text, hash);
}

void auth_principal_free(struct auth_principal *p)
{
    for (size_t i = 0; i < p->territory_count; i++) free(p->territories[i]);
    for (size_t i = 0; i < p->patient_count; i++) free(p->patients[i]);
    free(p->territories);
    free(p->patients);
    memset(p, 0, sizeof *p);
}

static char **copy_list(char **items, size_t n)
{
    if (!n) return NULL;
    char **out = xmalloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) out[i] = xstrdup(items[i]);
    return out;
}

void auth_principal_copy(struct auth_principal *dst, const struct auth_principal *src)
{
    *dst = *src;
    dst->territories = copy_list(src->territories, src->territory_count);
    dst->patients = copy_list(src->patients, src->patient_count);
}

int auth_authenticate(store *s, const char *token, int64_t now_ms, struct auth_principal *p,
                      verr *e)
{
    memset(p, 0, sizeof *p);
    if (!token || strlen(token) != AUTH_TOKEN_LEN) return 1;
    unsigned char hash[AUTH_TOKEN_HASH];
    auth_token_hash(token, hash);
    int64_t user_id, expires;
    int rc = store_token_user(s, hash, now_ms, &user_id, &expires, e);
    if (rc != 0) return rc;
    struct store_user u;
    rc = store_user_get(s, NULL, user_id, &u, e);
    if (rc != 0) return rc;
    enum auth_role role;
    if (u.disabled || auth_role_parse(u.role, &role) < 0) {
        store_user_free(&u);
        return 1;
    }
    p->user_id = u.id;
    memcpy(p->username, u.username, sizeof p->username);
    p->role = role;
    p->territories = u.territories;
    p->territory_count = u.territory_count;
    p->patients = u.patients;
    p->patient_count = u.patient_count;
    p->expires_ms = expires;
    u.territories = u.patients = NULL;
    u.territory_count = u.patient_count = 0;
    store_user_free(&u);
    return 0;
}

int auth_login(store *s, const char *username, const char *password, int64_t now_ms,
               int64_t ttl_ms, char token[AUTH_TOKEN_LEN + 1], int64_t *expires_ms, verr *e)
{
    struct store_user u;
    int rc = store_user_get(s, username, 0, &u, e);
    if (rc < 0) return -1;
    bool ok = auth_password_verify(rc == 0 ? u.password_hash : NULL, password);
    if (rc != 0 || !ok || u.disabled || !u.password_hash) {
        if (rc == 0) store_user_free(&u);
        return 1;
    }
    unsigned char hash[AUTH_TOKEN_HASH];
    auth_token_new(token, hash);
    *expires_ms = now_ms + ttl_ms;
    rc = store_token_add(s, hash, u.id, TOKEN_SESSION, now_ms, *expires_ms, e);
    store_user_free(&u);
    return rc < 0 ? -1 : 0;
}

int auth_logout(store *s, const char *token, int64_t now_ms, verr *e)
{
    unsigned char hash[AUTH_TOKEN_HASH];
    auth_token_hash(token, hash);
    return store_token_revoke(s, hash, now_ms, e);
}

static bool in_list(char **items, size_t n, const char *value)
{
    if (!value) return false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i], value)) return true;
    return false;
}

bool auth_may_see_territory(const struct auth_principal *p, const char *territory)
{
    switch (p->role) {
    case ROLE_ADMIN: return true;
    case ROLE_COORDINATOR:
    case ROLE_PROFESSIONAL:
    case ROLE_PLANNER: return in_list(p->territories, p->territory_count, territory);
    default: return false;
    }
}

bool auth_may_patient(const struct auth_principal *p, enum auth_access access,
                      const char *patient_id, const char *territory)
{
    bool linked = in_list(p->patients, p->patient_count, patient_id);
    bool in_territory = in_list(p->territories, p->territory_count, territory);
    switch (p->role) {
    case ROLE_COORDINATOR:
    case ROLE_PROFESSIONAL:
        return in_territory;
    case ROLE_CAREGIVER:
        /* caregivers only send reports about the people they look after */
        return access == ACCESS_WRITE_REPORT && linked;
    case ROLE_GATEWAY:
        /* write-only, for the patients (or the territory) the gateway is bound to */
        return access == ACCESS_WRITE_MEASURE && (linked || in_territory);
    case ROLE_PLANNER:
        return access == ACCESS_MANAGE && in_territory;
    case ROLE_ADMIN:
        /* the operator manages the platform, not the care: no clinical data */
        return access == ACCESS_MANAGE;
    default:
        return false;
    }
}

bool auth_may_enrol(const struct auth_principal *p, const char *patient_id, const char *current,
                    const char *target)
{
    return auth_may_see_territory(p, target) &&
           auth_may_patient(p, ACCESS_MANAGE, patient_id, current) &&
           auth_may_patient(p, ACCESS_MANAGE, patient_id, target);
}

bool auth_may_set_territory(const struct auth_principal *p, const char *territory,
                            bool settings, bool quota_only)
{
    if (p->role == ROLE_ADMIN) return true;
    if (p->role != ROLE_PLANNER || !auth_may_see_territory(p, territory)) return false;
    return !settings || quota_only;
}
