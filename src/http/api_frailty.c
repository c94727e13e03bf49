/* Frailty screening figures and follow-up: GET /api/frailty/worklist, /api/frailty/figures
 * (per territory, over its screenings and its open enrolments: the never screened aged 60
 * and over are due from their enrolment start) and GET /api/frailty/patients/{id} (latest
 * result, decline, and the case it opened). */
#include "http/http_int.h"
#include "core/instant.h"
#include "core/mem.h"
#include "cases/cases.h"
#include "frailty/frailty.h"

#include <stdlib.h>
#include <string.h>

/* Every current screening of a territory, scored again from its stored text, and its open
 * enrolments. */
struct screenings {
    struct frailty_screening *list;
    size_t count, cap;
    struct frailty_enrolled *enrolled;
    int64_t *enrolled_keys; /* patient key of each enrolled[i], for its birth date */
    size_t enrolled_count, enrolled_cap;
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

static int add_enrolled(void *arg, const struct store_enrolment *en)
{
    struct screenings *sc = arg;
    if (sc->audited && !http_may_patient_in(sc->audited, en->patient, sc->territory, ACCESS_READ))
        return 0;
    if (sc->enrolled_count == sc->enrolled_cap) {
        sc->enrolled_cap = sc->enrolled_cap ? sc->enrolled_cap * 2 : 64;
        sc->enrolled = xrealloc(sc->enrolled, sc->enrolled_cap * sizeof *sc->enrolled);
        sc->enrolled_keys =
            xrealloc(sc->enrolled_keys, sc->enrolled_cap * sizeof *sc->enrolled_keys);
    }
    sc->enrolled_keys[sc->enrolled_count] = en->patient_key;
    sc->enrolled[sc->enrolled_count++] = (struct frailty_enrolled){
        arena_strdup(&sc->ids, en->patient), FRAILTY_NO_BIRTH_DATE, frailty_day_of(en->start_ms)};
    return 0;
}

/* The territory's screenings and enrolments; `names` when the answer names patients (each
 * one is then an access decision, recorded). */
static bool load_screenings(struct http_request *r, const char *territory, bool names,
                            int64_t now_ms, struct screenings *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->audited = names ? r : NULL;
    sc->territory = territory;
    arena_init(&sc->ids, 64 * 1024);
    store *s = http_reader(r);
    verr e;
    bool ok = s &&
              store_resources_of_territory(s, territory, "QuestionnaireResponse", add_screening, sc,
                                           &e) == 0 &&
              store_enrolment_each(s, territory, now_ms, add_enrolled, sc, &e) == 0;
    /* birth dates once the enrolment scan is over (one statement at a time) */
    for (size_t i = 0; ok && i < sc->enrolled_count; i++)
        ok = store_patient_birth_date(s, sc->enrolled_keys[i], &sc->enrolled[i].birth_date_ms,
                                      &e) >= 0;
    if (!ok) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return false;
    }
    return true;
}

static struct frailty_population population_of(const struct screenings *sc)
{
    return (struct frailty_population){sc->list, sc->count, sc->enrolled, sc->enrolled_count};
}

static void free_screenings(struct screenings *sc)
{
    free(sc->list);
    free(sc->enrolled);
    free(sc->enrolled_keys);
    arena_free(&sc->ids);
}

void http_api_frailty_worklist(struct http_request *r)
{
    const char *territory = territory_of(r);
    int64_t now = instant_now_ms();
    struct screenings sc;
    if (!territory || !load_screenings(r, territory, true, now, &sc)) return;
    struct frailty_population pop = population_of(&sc);
    struct frailty_worklist_entry *entries =
        xcalloc(sc.count + sc.enrolled_count + 1, sizeof *entries);
    size_t n = frailty_worklist(&pop, now, entries);
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
    int64_t now = instant_now_ms();
    struct screenings sc;
    if (!territory || !load_screenings(r, territory, false, now, &sc)) return;
    struct frailty_population pop = population_of(&sc);
    struct frailty_figures figures;
    frailty_figures_compute(&pop, now, &figures);
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
    int64_t current_authored_ms; /* the clinical time of the current one's event */
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
            pr->current_authored_ms = response.authored_ms;
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

/* Looks in a case for the event of the latest screening: rule frailty, at its authored
 * time, not withdrawn. */
struct screening_event {
    int64_t at_ms;
    bool found;
};

static int find_screening_event(void *arg, const struct store_case_item *item)
{
    struct screening_event *se = arg;
    if (strcmp(item->kind, "event") != 0 || item->withdrawn) return 0;
    json_t *ev = json_loads(item->text, 0, NULL);
    const char *rule = json_string_value(json_object_get(ev, "rule"));
    const char *at = json_string_value(json_object_get(ev, "at"));
    int64_t at_ms;
    verr e;
    if (rule && at && !strcmp(rule, FRAILTY_RULE) &&
        instant_parse(at, strlen(at), &at_ms, NULL, &e) == 0 && at_ms == se->at_ms)
        se->found = true;
    json_decref(ev);
    return se->found ? 1 : 0;
}

/* The result JSON with "case": the patient's case not closed that holds the latest
 * screening's event (a positive screening opened it or joined it), or null. */
static void write_patient_result(store *s, int64_t key, const struct patient_results *pr,
                                 const struct frailty_decline *decline, buf *out)
{
    buf result;
    buf_init(&result, 1 << 20);
    frailty_result_write_json(&pr->current, decline, &result);
    json_t *j = json_loadb(result.data, result.len, 0, NULL);
    buf_free(&result);
    struct store_case c;
    struct screening_event se = {.at_ms = pr->current_authored_ms};
    verr e;
    json_t *case_json = NULL;
    if (frailty_needs_case(&pr->current) && store_case_of_patient(s, key, &c, &e) == 0 &&
        store_case_items(s, c.id, find_screening_event, &se, &e) >= 0 && se.found) {
        buf cb;
        buf_init(&cb, 1 << 16);
        if (cases_case_json(&c, instant_now_ms(), &cb) == 0)
            case_json = json_loadb(cb.data, cb.len, 0, NULL);
        buf_free(&cb);
    }
    json_object_set_new(j, "case", case_json ? case_json : json_null());
    char *text = json_dumps(j, JSON_COMPACT);
    buf_puts(out, text);
    free(text);
    json_decref(j);
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
    write_patient_result(s, key, &pr, &decline, &b);
    http_respond(r, 200, "application/json", &b);
}
