/* Frailty screening figures and follow-up: GET /api/frailty/worklist, /api/frailty/figures
 * (per territory) and GET /api/frailty/patients/{id} (latest result and decline). */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "frailty/frailty.h"

#include <stdlib.h>
#include <string.h>

/* Every current screening of a territory, scored again from its stored text. */
struct screenings {
    struct frailty_screening *list;
    size_t count, cap;
    arena ids;
    struct http_request *audited; /* lists naming patients: each one checked and recorded */
    const char *territory;
};

static int add_screening(void *arg, const char *patient_id, int64_t birth_ms, const char *json,
                         size_t len)
{
    struct screenings *sc = arg;
    if (sc->audited && !http_may_patient_in(sc->audited, patient_id, sc->territory, ACCESS_READ))
        return 0;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(json, len, &oo);
    struct frailty_response response;
    struct frailty_result result;
    if (j && frailty_response_parse(j, NULL, &response, &oo) == 0 &&
        frailty_score(&response, birth_ms, &result, &oo) == 0) {
        if (sc->count == sc->cap) {
            sc->cap = sc->cap ? sc->cap * 2 : 64;
            sc->list = xrealloc(sc->list, sc->cap * sizeof *sc->list);
        }
        sc->list[sc->count++] = (struct frailty_screening){
            arena_strdup(&sc->ids, patient_id), result.screened_day, result.positive_mask};
    }
    json_decref(j);
    fhir_outcome_free(&oo);
    return 0;
}

/* The territory of the query, if the caller may see it; answers otherwise. */
static const char *territory_of(struct http_request *r)
{
    const struct auth_principal *who = http_principal(r);
    const char *territory = http_query(r, "territory");
    if (!territory && who->territory_count == 1) territory = who->territories[0];
    if (!territory) {
        http_respond_error(r, 400, "territory", "territory is required (one of yours)");
        return NULL;
    }
    if (!auth_may_see_territory(who, territory)) {
        http_respond_error(r, 404, "territory", "territory %s is not known", territory);
        return NULL;
    }
    return territory;
}

static bool load_screenings(struct http_request *r, const char *territory, bool names,
                            struct screenings *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->audited = names ? r : NULL;
    sc->territory = territory;
    arena_init(&sc->ids, 64 * 1024);
    store *s = http_reader(r);
    verr e;
    if (!s || store_resources_of_territory(s, territory, "QuestionnaireResponse", add_screening,
                                           sc, &e) < 0) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return false;
    }
    return true;
}

static void free_screenings(struct screenings *sc)
{
    free(sc->list);
    arena_free(&sc->ids);
}

void http_api_frailty_worklist(struct http_request *r)
{
    const char *territory = territory_of(r);
    struct screenings sc;
    if (!territory || !load_screenings(r, territory, true, &sc)) return;
    int64_t now = instant_now_ms();
    struct frailty_worklist_entry *entries = xcalloc(sc.count + 1, sizeof *entries);
    size_t n = frailty_worklist(sc.list, sc.count, now, entries);
    buf b;
    buf_init(&b, (size_t)64 << 20);
    frailty_worklist_write_json(entries, n, territory, now, &b);
    free(entries);
    free_screenings(&sc);
    http_respond(r, 200, "application/json", &b);
}

void http_api_frailty_figures(struct http_request *r)
{
    const char *territory = territory_of(r);
    struct screenings sc;
    if (!territory || !load_screenings(r, territory, false, &sc)) return;
    struct frailty_figures figures;
    frailty_figures_compute(sc.list, sc.count, instant_now_ms(), &figures);
    buf b;
    buf_init(&b, 1 << 20);
    frailty_figures_write_json(&figures, territory, &b);
    free_screenings(&sc);
    http_respond(r, 200, "application/json", &b);
}

struct patient_results {
    int64_t birth_ms;
    bool have_current, have_previous;
    struct frailty_result current, previous;
};

static int keep_latest(void *arg, const char *json, size_t len)
{
    struct patient_results *pr = arg;
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    json_t *j = fhir_json_parse(json, len, &oo);
    struct frailty_response response;
    struct frailty_result result;
    if (j && frailty_response_parse(j, NULL, &response, &oo) == 0 &&
        frailty_score(&response, pr->birth_ms, &result, &oo) == 0) {
        if (!pr->have_current || result.screened_day >= pr->current.screened_day) {
            if (pr->have_current) {
                pr->previous = pr->current;
                pr->have_previous = true;
            }
            pr->current = result;
            pr->have_current = true;
        } else if (!pr->have_previous || result.screened_day >= pr->previous.screened_day) {
            pr->previous = result;
            pr->have_previous = true;
        }
    }
    json_decref(j);
    fhir_outcome_free(&oo);
    return 0;
}

void http_api_frailty_patient(struct http_request *r)
{
    store *s = http_reader(r);
    int64_t key;
    char territory[64];
    verr e;
    const char *id = http_param(r, 0);
    int rc = s ? store_patient_info(s, id, &key, territory, &e) : -1;
    if (rc == 0 && !http_may_patient(r, key, ACCESS_READ)) rc = 1;
    if (rc != 0) {
        http_respond_error(r, rc < 0 ? 503 : 404, NULL, "Patient/%.64s is not known", id);
        return;
    }
    struct patient_results pr = {0};
    store_patient_birth_date(s, key, &pr.birth_ms, &e);
    store_resources_of_patient(s, key, "QuestionnaireResponse", keep_latest, &pr, &e);
    if (!pr.have_current) {
        http_respond_error(r, 404, NULL, "Patient/%.64s has no frailty screening", id);
        return;
    }
    struct frailty_decline decline;
    frailty_decline_compute(pr.have_previous ? &pr.previous : NULL, &pr.current, &decline);
    buf b;
    buf_init(&b, 1 << 20);
    frailty_result_write_json(&pr.current, &decline, &b);
    http_respond(r, 200, "application/json", &b);
}
