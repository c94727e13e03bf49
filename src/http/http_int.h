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
/* Operations (ops_endpoints.c) */
void http_healthz(struct http_request *r);
void http_metrics(struct http_request *r);

#endif
