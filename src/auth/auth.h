/* Who may do what: roles (DESIGN.md §1), passwords (argon2id), bearer tokens and gateway
 * keys, and the access rules to territories and patients. Every endpoint goes through
 * auth_authenticate (router.c) and the auth_may_* rules here: the one place where access is
 * decided. */
#ifndef VIGIE_AUTH_H
#define VIGIE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/verr.h"
#include "store/store.h"

enum auth_role {
    ROLE_NONE = 0,
    ROLE_COORDINATOR,
    ROLE_PROFESSIONAL,
    ROLE_CAREGIVER,
    ROLE_GATEWAY,
    ROLE_PLANNER,
    ROLE_ADMIN,
    ROLE_COUNT
};

#define AUTH_BIT(role) (1u << (role))
#define AUTH_ANY_USER                                                                              \
    (AUTH_BIT(ROLE_COORDINATOR) | AUTH_BIT(ROLE_PROFESSIONAL) | AUTH_BIT(ROLE_CAREGIVER) |        \
     AUTH_BIT(ROLE_GATEWAY) | AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN))
/* Roles that read clinical data of their territories. */
#define AUTH_CLINICAL (AUTH_BIT(ROLE_COORDINATOR) | AUTH_BIT(ROLE_PROFESSIONAL))

const char *auth_role_name(enum auth_role role);
/* Parses "coordinator", "professional", ...; -1 when unknown. */
int auth_role_parse(const char *name, enum auth_role *out);

/* What a role is bound to (§1): coordinators and planners cover territories, a professional
 * works in one, caregivers are linked to patients, gateways to patients or a territory, the
 * operator to nothing. Fails saying what does not apply. */
int auth_role_bindings_check(enum auth_role role, size_t territories, size_t patients, verr *e);

/* ---- Passwords ------------------------------------------------------------------------- */

#define AUTH_PASSWORD_MIN 12
#define AUTH_HASH_MAX 160

/* argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1). */
int auth_password_hash(const char *password, char encoded[AUTH_HASH_MAX], verr *e);
bool auth_password_verify(const char *encoded, const char *password);
/* At least AUTH_PASSWORD_MIN characters, not only digits. */
int auth_password_policy(const char *password, verr *e);

/* ---- Tokens ---------------------------------------------------------------------------- */

#define AUTH_TOKEN_LEN 43 /* 256 random bits in base64url without padding */
#define AUTH_TOKEN_HASH 32

/* A new token (text for the client, hash for the store). */
void auth_token_new(char text[AUTH_TOKEN_LEN + 1], unsigned char hash[AUTH_TOKEN_HASH]);
void auth_token_hash(const char *text, unsigned char hash[AUTH_TOKEN_HASH]);

/* ---- Principals ------------------------------------------------------------------------ */

struct auth_principal {
    int64_t user_id;
    char username[64];
    enum auth_role role;
    char **territories; /* coordinators, professionals, planners; gateways bound to one */
    size_t territory_count;
    char **patients; /* caregivers' and gateways' linked patient ids */
    size_t patient_count;
    int64_t expires_ms; /* STORE_NO_TIME for gateway keys */
    char address[48];   /* the client address of the request (for the audit trail) */
};

/* Finds the user of a live token. Returns 0, 1 when the token is unknown, expired or
 * revoked (or the user disabled), -1 on error. */
int auth_authenticate(store *s, const char *token, int64_t now_ms, struct auth_principal *p,
                      verr *e);
void auth_principal_free(struct auth_principal *p);
/* Copies a principal (deep). */
void auth_principal_copy(struct auth_principal *dst, const struct auth_principal *src);

/* Checks a username and password and opens a session of `ttl_ms`. Returns 0, 1 for wrong
 * credentials (same answer whatever was wrong), -1 on error. */
int auth_login(store *s, const char *username, const char *password, int64_t now_ms,
               int64_t ttl_ms, char token[AUTH_TOKEN_LEN + 1], int64_t *expires_ms, verr *e);
int auth_logout(store *s, const char *token, int64_t now_ms, verr *e);

/* ---- Access rules ---------------------------------------------------------------------- */

enum auth_access {
    ACCESS_READ,          /* read clinical data (observations, cases, timeline) */
    ACCESS_WRITE_MEASURE, /* send an Observation */
    ACCESS_WRITE_REPORT,  /* send a Communication */
    ACCESS_WRITE_CLINICAL,/* ServiceRequest, Condition, notes, frailty screenings */
    ACCESS_MANAGE,        /* create or enrol the patient */
};

bool auth_may_see_territory(const struct auth_principal *p, const char *territory);
/* May `p` do `access` on the patient `patient_id` enrolled in `territory` (NULL when not
 * enrolled)? Anything refused answers exactly as an unknown patient. */
bool auth_may_patient(const struct auth_principal *p, enum auth_access access,
                      const char *patient_id, const char *territory);
/* May `p` enrol the patient (now in `current`, NULL when in none) in territory `target`, or
 * change or end its enrolment there? They must manage the patient where it is and where it
 * goes; a patient in no territory is the operator's to place. */
bool auth_may_enrol(const struct auth_principal *p, const char *patient_id, const char *current,
                    const char *target);
/* May `p` change the registry of `territory`: its settings (all of them, or the quota alone
 * when quota_only) or, with quota_only false, add its sites and professionals? The operator
 * may do everything; a planner of the territory its quota, sites and professionals. */
bool auth_may_set_territory(const struct auth_principal *p, const char *territory,
                            bool settings, bool quota_only);

#endif
