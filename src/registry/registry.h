/* The programme's registry: regions (INSEE codes), territories and their member communes,
 * sites, professionals, and the enrolment of patients (conditions, expected measurements,
 * start and end) against each territory's quota.
 *
 * Requests are parsed and checked in any thread (registry_parse_*, naming the field at
 * fault); they are applied inside a store transaction (registry_apply_* and
 * registry_enrol / registry_end_enrolment in the writer thread, or a command's own
 * transaction), where existence, conflicts and the quota are checked with no race between
 * two requests. Outcomes carry the HTTP status the API answers. */
#ifndef VIGIE_REGISTRY_H
#define VIGIE_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/audit.h"
#include "core/verr.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "triage/triage.h"

/* ---- Codes -------------------------------------------------------------------------------- */

/* An id of a territory, site or professional: 1 to 31 of A-Z a-z 0-9 . _ - */
bool registry_id_valid(const char *id);
/* An INSEE commune code: département (2 digits, 2A, 2B, or 971-976) then the commune. */
bool registry_commune_valid(const char *code);
/* The INSEE region of a commune's département ("28" for 27229), NULL when unknown. */
const char *registry_commune_region(const char *code);
/* A SNOMED CT concept id: 6 to 18 digits, a concept partition and a valid Verhoeff check
 * digit (so that a mistyped code is caught at enrolment). */
bool registry_snomed_valid(const char *code);
/* An RPPS number: 11 digits. */
bool registry_rpps_valid(const char *rpps);

/* Site kinds: msp (maison de santé pluriprofessionnelle), smp (service médical de
 * proximité), ehpad, telemedicine, hospital. NULL-terminated. */
extern const char *const registry_site_kinds[];
/* Professions: gp, nurse, ipa (infirmier en pratique avancée), specialist, pharmacist,
 * physiotherapist, midwife, other. NULL-terminated. */
extern const char *const registry_professions[];

/* ---- Outcomes ----------------------------------------------------------------------------- */

struct registry_outcome {
    int status;          /* 200, 201; 400 bad field, 404 unknown or out of reach, 409 conflict */
    char field[48];      /* the field at fault, "" when none */
    char message[400];
};

/* ---- Territories, sites, professionals ------------------------------------------------------ */

/* Territory from a JSON body (POST: all fields; PATCH, `partial`: only those present, over
 * `t` as loaded). Sets *communes_given when the body lists communes. Returns 0, or -1 with
 * o set (400). t owns its communes (store_territory_free). */
int registry_parse_territory(json_t *body, bool partial, struct store_territory *t,
                             bool *communes_given, struct registry_outcome *o);
/* Checks a territory's fields (the command line builds it from options). */
int registry_check_territory(const struct store_territory *t, struct registry_outcome *o);
/* Creates (update false) or updates a territory: region known, communes in that region and
 * in no other territory. Returns -1 on a store error (e), else 0 with o->status set. */
int registry_apply_territory(store *s, const struct store_territory *t, bool update,
                             bool communes, struct registry_outcome *o, verr *e);
/* PATCH: the fields of `body` over territory `id` as stored, then applied; *t receives the
 * territory as it now is (store_territory_free). */
int registry_patch_territory(store *s, const char *id, json_t *body, int64_t now_ms,
                             struct store_territory *t, struct registry_outcome *o, verr *e);

int registry_parse_site(json_t *body, const char *territory, struct store_site *site,
                        struct registry_outcome *o);
int registry_check_site(const struct store_site *site, struct registry_outcome *o);
/* The territory must exist. */
int registry_apply_site(store *s, const struct store_site *site, struct registry_outcome *o,
                        verr *e);

int registry_parse_professional(json_t *body, const char *territory,
                                struct store_professional *p, struct registry_outcome *o);
int registry_check_professional(const struct store_professional *p, struct registry_outcome *o);
/* The territory must exist; the site (when given) be one of its sites; the username (when
 * given) an account. */
int registry_apply_professional(store *s, const struct store_professional *p,
                                struct registry_outcome *o, verr *e);

/* ---- Enrolment ---------------------------------------------------------------------------- */

#define REGISTRY_MAX_CONDITIONS 32

struct registry_enrolment {
    char territory[STORE_CODE_MAX];
    char patient[72];
    char *conditions[REGISTRY_MAX_CONDITIONS]; /* SNOMED CT codes, owned */
    size_t condition_count;
    struct triage_expected expected[MEASURE_KIND_COUNT];
    size_t expected_count;
    int64_t start_ms;    /* STORE_NO_TIME: now (or unchanged on an update) */
    int64_t end_ms;      /* STORE_NO_TIME: open-ended (or unchanged on an update) */
    bool conditions_given, expected_given; /* absent lists keep an update's current ones */
};

/* {"patient": "p-001", "conditions": ["84114007"], "expected": [{"kind": "weight",
 * "per_day": 1}], "start": "2026-03-01", "end": "2026-09-01"}: patient required, the rest
 * optional. now_ms bounds the end (it must be in the future). */
int registry_parse_enrolment(json_t *body, const char *territory, int64_t now_ms,
                             struct registry_enrolment *en, struct registry_outcome *o);
void registry_enrolment_free(struct registry_enrolment *en);

/* What the platform does when an enrolment opens, changes or ends: the hook for triage
 * (expected measurements, conditions). Called in the writer thread inside the transaction,
 * after the rows are written; returning -1 rolls the enrolment back. */
struct registry_enrolment_change {
    int64_t patient_key;            /* the patient's dense key (triage's patient index) */
    const char *patient_id;
    const char *territory;
    bool open;                      /* false: the enrolment ended */
    const char *const *conditions;  /* SNOMED CT codes in force now (none once ended) */
    size_t condition_count;
    const char *const *previous;    /* the codes before this change (to withdraw) */
    size_t previous_count;
    const struct triage_expected *expected; /* in force now (none once ended) */
    size_t expected_count;
    int64_t now_ms;
};

struct registry_sink {
    void *ctx;
    int (*enrolment)(void *ctx, const struct registry_enrolment_change *change, verr *e);
};

typedef struct registry registry;

/* The writer-side registry: patients are found through ing's caches, access decisions go
 * to the audit log. */
registry *registry_new(ingest *ing, audit_log *audit);
void registry_free(registry *reg);
void registry_set_sink(registry *reg, const struct registry_sink *sink);

/* Enrols a patient in en->territory, or updates its open enrolment there (writer thread,
 * inside a transaction). The caller must see the territory and manage the patient where it
 * is and where it goes (auth_may_enrol), else 404 exactly as for unknown ones; an open
 * enrolment elsewhere or a full quota answer 409. On success (201 new, 200 updated) the
 * patient's territory becomes en->territory and *result (may be NULL) holds the enrolment
 * as stored (store_enrolment_free). Returns -1 on a store or sink error. */
int registry_enrol(registry *reg, store *s, const struct audit_actor *actor,
                   const struct registry_enrolment *en, int64_t now_ms,
                   struct registry_outcome *o, struct store_enrolment *result, verr *e);
/* Ends the patient's open enrolment in `territory` at now (200); 404 when there is none
 * the caller may see. */
int registry_end_enrolment(registry *reg, store *s, const struct audit_actor *actor,
                           const char *territory, const char *patient_id, int64_t now_ms,
                           struct registry_outcome *o, struct store_enrolment *result,
                           verr *e);

/* ---- JSON --------------------------------------------------------------------------------- */

void registry_territory_json(const struct store_territory *t, int64_t enrolled, buf *out);
void registry_site_json(const struct store_site *site, buf *out);
void registry_professional_json(const struct store_professional *p, buf *out);
void registry_enrolment_json(const struct store_enrolment *en, buf *out);

#endif
