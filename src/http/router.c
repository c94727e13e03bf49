/* The route table: every endpoint, who may call it, and the handler. */
#include "http/http_int.h"
#include "auth/auth.h"
#include "http/stream.h"

#include <stdio.h>
#include <string.h>

/* Who reads the registry: everyone but caregivers and gateways (they only send data). */
#define REGISTRY_READERS (AUTH_CLINICAL | AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN))
#define REGISTRY_WRITERS (AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN))
/* The territory diagnosis: planners and admins; coordinators read (maps, figures, the
 * rotation calendar) but do not run site selections or plans of their own. */
#define DIAGNOSIS_READERS                                                                          \
    (AUTH_BIT(ROLE_COORDINATOR) | AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN))
#define DIAGNOSIS_PLANNERS (AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN))

static const struct http_route routes[] = {
    {"GET", "/healthz", http_healthz, NULL, 0},
    {"GET", "/metrics", http_metrics, NULL, 0},
    {"GET", "/fhir/metadata", http_fhir_metadata, NULL, 0},
    {"POST", "/api/login", http_api_login, NULL, 0},
    {"POST", "/api/logout", http_api_logout, NULL, AUTH_ANY_USER},
    {"GET", "/api/me", http_api_me, NULL, AUTH_ANY_USER},
    {"GET", "/api/queue", http_api_queue, NULL, AUTH_CLINICAL},
    {"GET", "/api/stream", http_api_stream, NULL, AUTH_CLINICAL},
    {"GET", "/api/cases/{}", http_api_case, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/claim", http_api_case_claim, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/release", http_api_case_release, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/notes", http_api_case_note, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/actions", http_api_case_action, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/close", http_api_case_close, NULL, AUTH_CLINICAL},
    {"POST", "/api/cases/{}/reopen", http_api_case_reopen, NULL, AUTH_CLINICAL},
    {"GET", "/api/patients/{}/timeline", http_api_timeline, NULL, AUTH_CLINICAL},
    {"GET", "/api/patients/{}/thresholds", http_api_thresholds_get, NULL, AUTH_CLINICAL},
    {"PUT", "/api/patients/{}/thresholds", http_api_thresholds_put, NULL, AUTH_CLINICAL},
    {"GET", "/api/evaluation", http_api_evaluation, NULL,
     AUTH_CLINICAL | AUTH_BIT(ROLE_PLANNER) | AUTH_BIT(ROLE_ADMIN)},
    /* Writes are open to every role; each resource's patient is then checked. */
    {"POST", "/fhir", http_fhir_bundle, NULL, AUTH_ANY_USER},
    {"POST", "/fhir/$import", NULL, http_fhir_import, AUTH_ANY_USER},
    {"GET", "/fhir/Observation", http_fhir_search_observation, NULL, AUTH_CLINICAL},
    {"GET", "/fhir/Questionnaire/{}", http_fhir_questionnaire, NULL, AUTH_ANY_USER},
    {"GET", "/api/frailty/worklist", http_api_frailty_worklist, NULL, AUTH_CLINICAL},
    {"GET", "/api/frailty/figures", http_api_frailty_figures, NULL,
     AUTH_CLINICAL | AUTH_BIT(ROLE_PLANNER)},
    {"GET", "/api/frailty/patients/{}", http_api_frailty_patient, NULL, AUTH_CLINICAL},
    {"POST", "/fhir/{}", http_fhir_create, NULL, AUTH_ANY_USER},
    {"PUT", "/fhir/{}/{}", http_fhir_update, NULL, AUTH_ANY_USER},
    {"GET", "/fhir/{}/{}", http_fhir_read, NULL, AUTH_CLINICAL},
    /* The registry: territories the caller does not see answer 404 in each handler. */
    {"GET", "/api/regions", http_api_regions, NULL, REGISTRY_READERS},
    {"GET", "/api/territories", http_api_territories, NULL, REGISTRY_READERS},
    {"POST", "/api/territories", http_api_territory_add, NULL, AUTH_BIT(ROLE_ADMIN)},
    {"GET", "/api/territories/{}", http_api_territory, NULL, REGISTRY_READERS},
    {"PATCH", "/api/territories/{}", http_api_territory_set, NULL, REGISTRY_WRITERS},
    {"GET", "/api/territories/{}/sites", http_api_sites, NULL, REGISTRY_READERS},
    {"POST", "/api/territories/{}/sites", http_api_site_add, NULL, REGISTRY_WRITERS},
    {"GET", "/api/territories/{}/professionals", http_api_professionals, NULL, REGISTRY_READERS},
    {"POST", "/api/territories/{}/professionals", http_api_professional_add, NULL,
     REGISTRY_WRITERS},
    {"GET", "/api/territories/{}/patients", http_api_enrolments, NULL, REGISTRY_READERS},
    {"POST", "/api/territories/{}/patients", http_api_enrol, NULL, REGISTRY_READERS},
    {"GET", "/api/territories/{}/patients/{}", http_api_enrolment, NULL, REGISTRY_READERS},
    {"DELETE", "/api/territories/{}/patients/{}", http_api_enrolment_end, NULL, REGISTRY_READERS},
    {"GET", "/api/programme", http_api_programme, NULL, REGISTRY_READERS},
    {"GET", "/api/audit", http_api_audit, NULL, AUTH_CLINICAL | AUTH_BIT(ROLE_ADMIN)},
    /* Territory diagnosis: open data and aggregates, no patient data. */
    {"GET", "/api/diagnosis", http_api_diagnosis, NULL, DIAGNOSIS_READERS},
    {"GET", "/api/diagnosis/map", http_api_diagnosis_map, NULL, DIAGNOSIS_READERS},
    {"GET", "/api/diagnosis/apl", http_api_diagnosis_apl, NULL, DIAGNOSIS_READERS},
    {"GET", "/api/diagnosis/deserts", http_api_diagnosis_deserts, NULL, DIAGNOSIS_READERS},
    {"POST", "/api/diagnosis/sites", http_api_diagnosis_sites, NULL, DIAGNOSIS_PLANNERS},
    {"GET", "/api/rotations", http_api_rotations, NULL, DIAGNOSIS_READERS},
    {"POST", "/api/rotations/plan", http_api_rotations_plan, NULL, DIAGNOSIS_PLANNERS},
    {"POST", "/api/rotations/validate", http_api_rotations_validate, NULL, DIAGNOSIS_PLANNERS},
    /* The console (web/): last, so that every path above wins. */
    {"GET", "/", http_static_file, NULL, 0},
    {"GET", "/{}", http_static_file, NULL, 0},
    {"GET", "/{}/{}", http_static_file, NULL, 0},
};

/* Matches one pattern; params get copies of the {} segments. */
static bool match(const char *pattern, const char *url, const char *params[4], char *scratch,
                  size_t n)
{
    int p = 0;
    size_t used = 0;
    while (*pattern && *url) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t len = strcspn(url, "/");
            if (len == 0 || p == 4 || used + len + 1 > n) return false;
            memcpy(scratch + used, url, len);
            scratch[used + len] = '\0';
            params[p++] = scratch + used;
            used += len + 1;
            url += len;
            pattern += 2;
            continue;
        }
        if (*pattern != *url) return false;
        pattern++;
        url++;
    }
    /* a trailing slash on the URL is tolerated */
    if (*url == '/' && url[1] == '\0') url++;
    return *pattern == '\0' && *url == '\0';
}

const struct http_route *http_route_match(const char *method, const char *url,
                                          const char *params[4], char *scratch, size_t n,
                                          int *status)
{
    bool path_found = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *tmp[4] = {0};
        if (!match(routes[i].pattern, url, tmp, scratch, n)) continue;
        path_found = true;
        if (strcmp(routes[i].method, method) != 0) continue;
        memcpy(params, tmp, sizeof tmp);
        return &routes[i];
    }
    *status = path_found ? 405 : 404;
    return NULL;
}
