/* Private to the HTTP module: the route table and the handlers of each endpoint group. */
#ifndef VIGIE_HTTP_INT_H
#define VIGIE_HTTP_INT_H

#include "http/server.h"

typedef void (*http_handler)(struct http_request *r);

/* Who may call a route: a bit per role (auth.h's enum auth_role); 0 = anyone, even without
 * a token. */
struct http_route {
    const char *method;
    const char *pattern;  /* "/fhir/Patient/{}": {} matches one path segment */
    http_handler handler; /* called once the body is complete */
    http_stream_fn stream;/* or: the body is streamed to this */
    unsigned roles;
};

/* Finds the route for method and url; fills params (segment copies in `scratch`). Returns
 * NULL with *status 404 (no such path) or 405 (path exists, not this method). */
const struct http_route *http_route_match(const char *method, const char *url,
                                          const char *params[4], char *scratch, size_t n,
                                          int *status);

/* FHIR endpoints (fhir_endpoints.c) */
void http_fhir_metadata(struct http_request *r);
void http_fhir_create(struct http_request *r);
void http_fhir_update(struct http_request *r);
void http_fhir_bundle(struct http_request *r);
int http_fhir_import(struct http_request *r, const char *data, size_t len);
void http_fhir_search_observation(struct http_request *r);
void http_fhir_read(struct http_request *r);
/* JSON bodies of /api requests: NULL after answering 400 naming the problem. */
#include <jansson.h>
json_t *http_json_body(struct http_request *r);
const char *http_json_string(struct http_request *r, json_t *obj, const char *field);

/* Sessions (api_auth.c) */
void http_api_login(struct http_request *r);
void http_api_logout(struct http_request *r);
void http_api_me(struct http_request *r);
/* Queue and cases (api_cases.c) */
void http_api_queue(struct http_request *r);
void http_api_case(struct http_request *r);
void http_api_case_claim(struct http_request *r);
void http_api_case_release(struct http_request *r);
void http_api_case_note(struct http_request *r);
void http_api_case_action(struct http_request *r);
void http_api_case_close(struct http_request *r);
void http_api_case_reopen(struct http_request *r);
void http_api_evaluation(struct http_request *r);
/* Patients (api_patients.c) */
void http_api_timeline(struct http_request *r);
void http_api_thresholds_get(struct http_request *r);
void http_api_thresholds_put(struct http_request *r);
/* The console's files (static_files.c) */
void http_static_file(struct http_request *r);
/* Registry (api_registry.c, api_enrol.c) */
void http_api_regions(struct http_request *r);
void http_api_territories(struct http_request *r);
void http_api_territory(struct http_request *r);
void http_api_territory_add(struct http_request *r);
void http_api_territory_set(struct http_request *r);
void http_api_sites(struct http_request *r);
void http_api_site_add(struct http_request *r);
void http_api_professionals(struct http_request *r);
void http_api_professional_add(struct http_request *r);
void http_api_enrolments(struct http_request *r);
void http_api_enrolment(struct http_request *r);
void http_api_enrol(struct http_request *r);
void http_api_enrolment_end(struct http_request *r);
void http_api_programme(struct http_request *r);
/* Audit trail (api_audit.c) */
void http_api_audit(struct http_request *r);
/* Frailty (fhir_endpoints.c, api_frailty.c) */
void http_fhir_questionnaire(struct http_request *r);
void http_api_frailty_worklist(struct http_request *r);
void http_api_frailty_figures(struct http_request *r);
void http_api_frailty_patient(struct http_request *r);
/* Territory diagnosis (api_diagnosis.c, api_rotations.c; shared parts in
 * diagnosis_common.c) */
#include "territory/dataset.h"
void http_api_diagnosis(struct http_request *r);
void http_api_diagnosis_map(struct http_request *r);
void http_api_diagnosis_apl(struct http_request *r);
void http_api_diagnosis_deserts(struct http_request *r);
void http_api_diagnosis_sites(struct http_request *r);
void http_api_rotations(struct http_request *r);
void http_api_rotations_plan(struct http_request *r);
void http_api_rotations_validate(struct http_request *r);
/* The diagnosis settings, or NULL after answering 503 (a server built without them). */
const struct dataset_settings *http_diagnosis_settings(struct http_request *r);
/* The server's territorial data, or NULL after answering 503 with what is missing. */
const struct dataset_data *http_diagnosis_data(struct http_request *r);
/* Registry territories the caller sees (only that one when `only` is set), their communes
 * known to the data as memberships, the others counted (and the first few listed). */
#define HTTP_UNKNOWN_COMMUNES_LISTED 20
struct http_territories {
    struct store_territory *list; /* communes not copied: see members */
    size_t count;
    struct deserts_membership *members;
    size_t member_count;
    size_t communes_unknown;
    const char *unknown[HTTP_UNKNOWN_COMMUNES_LISTED];
    size_t unknown_count;
    arena strings;
};
/* false after answering 503 */
bool http_diagnosis_territories(struct http_request *r, const struct dataset_data *data,
                                const char *only, struct http_territories *out);
void http_territories_free(struct http_territories *t);
/* Request fields: false after answering 400 (type, unknown field) or 422 (range) naming the
 * field. Absent (or null) members leave *out as it is. */
bool http_json_fields_known(struct http_request *r, json_t *body, const char *const *allowed);
bool http_json_number(struct http_request *r, json_t *obj, const char *field, double min,
                      double max, double *out);
bool http_json_integer(struct http_request *r, json_t *obj, const char *field, int64_t min,
                       int64_t max, int64_t *out);
bool http_json_choice(struct http_request *r, json_t *obj, const char *field,
                      const char *const *choices, const char **out);
/* A list of at most max strings (413 beyond): *out (malloc'ed, caller frees) points into obj. */
bool http_json_strings(struct http_request *r, json_t *obj, const char *field, size_t max,
                       const char ***out, size_t *count);
bool http_query_number(struct http_request *r, const char *name, double min, double max,
                       double *out);
/* A date YYYY-MM-DD as days since 1970-01-01. */
bool http_date_days(struct http_request *r, const char *field, const char *text, int64_t *days);

/* Operations (ops_endpoints.c) */
void http_healthz(struct http_request *r);
void http_metrics(struct http_request *r);

#endif
