/* The access matrix: every role x operation x target (own patient, another patient of the
 * same territory or not linked, a patient of another territory), run against a real server.
 * Each cell asserts allowed or denied as the table below says (written from DESIGN.md §1 and
 * issue 5, not from auth.c); that a refusal answers exactly as for a patient that does not
 * exist; and that no body shows data of a patient the caller may not read (each patient's
 * resources carry secret markers). One TAP point per cell. */
#include "harness.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
    OP_READ_PATIENT,
    OP_SEARCH_OBS,
    OP_READ_OBS,
    OP_WRITE_OBS,
    OP_WRITE_REPORT,
    OP_WRITE_CONDITION,
    OP_WRITE_REQUEST,
    OP_PUT_PATIENT,
    OP_BUNDLE,
    OP_IMPORT,
    OP_ENROL,
    OP_LIST_ENROLMENTS,
    OP_AUDIT,
    OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "read Patient",       "search Observation", "read Observation",  "write Observation",
    "write Communication", "write Condition",   "write ServiceRequest", "update Patient",
    "batch Bundle",       "$import",            "enrol",             "list enrolments",
    "read audit trail",
};

enum target { OWN, OTHER, FOREIGN, TARGETS };
static const char *const target_names[TARGETS] = {"own patient", "other patient",
                                                  "other territory"};

/* Patients: id, territory, who creates them. */
static const struct {
    const char *id, *territory, *creator;
} patients[] = {
    {"p-a", "T01", "nurse1"},  {"p-care", "T01", "nurse1"}, {"p-gw", "T01", "nurse1"},
    {"p-b", "T02", "nurse2"},  {"p-b2", "T02", "nurse2"},
};
#define PATIENTS (sizeof patients / sizeof patients[0])

/* Expected decisions per role: one row per operation, 'A' allowed or 'D' denied for own,
 * other, foreign. */
struct role_rules {
    const char *name;
    const char *rows[OP_COUNT];
};

/* Coordinators and professionals: everything on their territory's patients. */
static const struct role_rules territorial = {
    "territorial", {"AAD", "AAD", "AAD", "AAD", "AAD", "AAD", "AAD", "AAD", "AAD", "AAD", "AAD",
                    "AAD", "AAD"}};
/* Planners: enrolment and the registry, no clinical data. */
static const struct role_rules planner = {
    "planner", {"DDD", "DDD", "DDD", "DDD", "DDD", "DDD", "DDD", "AAD", "DDD", "DDD", "AAD", "AAD",
                "DDD"}};
/* Caregivers: reports about their linked patients, nothing else. */
static const struct role_rules caregiver = {
    "caregiver", {"DDD", "DDD", "DDD", "DDD", "ADD", "DDD", "DDD", "DDD", "DDD", "DDD", "DDD",
                  "DDD", "DDD"}};
/* Gateways bound to patients: measurements for them, by any write route. */
static const struct role_rules gateway_patients = {
    "gateway", {"DDD", "DDD", "DDD", "ADD", "DDD", "DDD", "DDD", "DDD", "ADD", "ADD", "DDD",
                "DDD", "DDD"}};
/* A gateway bound to a territory: measurements for any patient of it. */
static const struct role_rules gateway_territory = {
    "gateway", {"DDD", "DDD", "DDD", "AAD", "DDD", "DDD", "DDD", "DDD", "AAD", "AAD", "DDD",
                "DDD", "DDD"}};
/* The operator: patients' placement and the audit trail, no care data. */
static const struct role_rules admin = {
    "admin", {"DDD", "DDD", "DDD", "DDD", "DDD", "DDD", "DDD", "AAA", "DDD", "DDD", "AAA", "AAA",
              "AAA"}};

struct subject {
    const char *user;
    const struct role_rules *rules;
    const char *targets[TARGETS];
    const char *territory; /* whose patients' data they may read, NULL: none */
};

static const struct subject subjects[] = {
    {"admin", &admin, {"p-a", "p-care", "p-b"}, NULL},
    {"coord1", &territorial, {"p-a", "p-care", "p-b"}, "T01"},
    {"coord2", &territorial, {"p-b", "p-b2", "p-a"}, "T02"},
    {"nurse1", &territorial, {"p-a", "p-care", "p-b"}, "T01"},
    {"nurse2", &territorial, {"p-b", "p-b2", "p-a"}, "T02"},
    {"planner1", &planner, {"p-a", "p-care", "p-b"}, NULL},
    {"carer1", &caregiver, {"p-care", "p-a", "p-b"}, NULL},
    {"gw1", &gateway_patients, {"p-gw", "p-a", "p-b"}, NULL},
    {"gwt1", &gateway_territory, {"p-a", "p-care", "p-b"}, NULL},
};
#define SUBJECTS (sizeof subjects / sizeof subjects[0])

static struct e2e_server srv;
static char gwt1_key[64];
static int sequence; /* makes every written resource new */

static const char *token_of(const char *user)
{
    return !strcmp(user, "gwt1") ? gwt1_key : e2e_token(user);
}

static const char *territory_of(const char *patient)
{
    for (size_t i = 0; i < PATIENTS; i++)
        if (!strcmp(patients[i].id, patient)) return patients[i].territory;
    return "T01";
}

/* ---- Requests ----------------------------------------------------------------------------- */

static int request(const char *user, const char *method, const char *path, const char *ct,
                   const char *body, struct e2e_response *resp)
{
    return e2e_request(&srv, method, path, user ? token_of(user) : NULL, ct, body,
                       body ? strlen(body) : 0, resp);
}

static void observation_json(buf *b, const char *patient, const char *id)
{
    int n = sequence++;
    buf_printf(b,
               "{\"resourceType\":\"Observation\",%s%s%s\"status\":\"final\",\"identifier\":[{"
               "\"system\":\"urn:matrix\",\"value\":\"SECRET-%s-OBS-%d\"}],\"subject\":{"
               "\"reference\":\"Patient/%s\"},\"effectiveDateTime\":\"2026-03-06T%02d:%02d:00Z\","
               "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
               "\"valueQuantity\":{\"value\":%d,\"code\":\"/min\"}}",
               id ? "\"id\":\"" : "", id ? id : "", id ? "\"," : "", patient, n, patient,
               (n / 60) % 24, n % 60, 50 + n % 40);
}

/* The request of one cell for `patient` of `territory` (obs is the id of one of its
 * Observations). */
static int run_op(const char *user, enum op op, const char *patient, const char *territory,
                  const char *obs, struct e2e_response *resp)
{
    char path[256];
    buf body;
    buf_init(&body, 1 << 20);
    const char *method = "POST", *ct = "application/fhir+json";
    int n = sequence++;
    switch (op) {
    case OP_READ_PATIENT:
        method = "GET";
        snprintf(path, sizeof path, "/fhir/Patient/%s", patient);
        break;
    case OP_SEARCH_OBS:
        method = "GET";
        snprintf(path, sizeof path, "/fhir/Observation?patient=%s", patient);
        break;
    case OP_READ_OBS:
        method = "GET";
        snprintf(path, sizeof path, "/fhir/Observation/%s", obs);
        break;
    case OP_WRITE_OBS:
        snprintf(path, sizeof path, "/fhir/Observation");
        observation_json(&body, patient, NULL);
        break;
    case OP_WRITE_REPORT:
        snprintf(path, sizeof path, "/fhir/Communication");
        buf_printf(&body,
                   "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{"
                   "\"reference\":\"Patient/%s\"},\"sent\":\"2026-03-06T10:00:00Z\",\"payload\":[{"
                   "\"contentString\":\"matrix report %d\"}]}",
                   patient, n);
        break;
    case OP_WRITE_CONDITION:
        snprintf(path, sizeof path, "/fhir/Condition");
        buf_printf(&body,
                   "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/%s\"},"
                   "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                   "\"13645005\"}],\"text\":\"matrix %d\"}}",
                   patient, n);
        break;
    case OP_WRITE_REQUEST:
        snprintf(path, sizeof path, "/fhir/ServiceRequest");
        buf_printf(&body,
                   "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":"
                   "\"order\",\"priority\":\"routine\",\"subject\":{\"reference\":\"Patient/%s\"},"
                   "\"authoredOn\":\"2026-03-06T10:00:00Z\",\"note\":[{\"text\":\"matrix %d\"}]}",
                   patient, n);
        break;
    case OP_PUT_PATIENT:
        method = "PUT";
        snprintf(path, sizeof path, "/fhir/Patient/%s", patient);
        /* the resource as created: an update that changes nothing */
        buf_printf(&body,
                   "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"name\":[{\"family\":"
                   "\"SECRET-%s-NAME\"}]}",
                   patient, patient);
        break;
    case OP_BUNDLE:
        snprintf(path, sizeof path, "/fhir");
        buf_puts(&body, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":"
                        "{\"method\":\"POST\",\"url\":\"Observation\"},\"resource\":");
        observation_json(&body, patient, NULL);
        buf_puts(&body, "}]}");
        break;
    case OP_IMPORT:
        snprintf(path, sizeof path, "/fhir/$import");
        ct = "application/fhir+ndjson";
        observation_json(&body, patient, NULL);
        buf_putc(&body, '\n');
        break;
    case OP_ENROL:
        ct = "application/json";
        snprintf(path, sizeof path, "/api/territories/%s/patients", territory);
        buf_printf(&body, "{\"patient\":\"%s\"}", patient);
        break;
    case OP_LIST_ENROLMENTS:
        method = "GET";
        snprintf(path, sizeof path, "/api/territories/%s/patients", territory);
        break;
    case OP_AUDIT:
        method = "GET";
        snprintf(path, sizeof path, "/api/audit?patient=%s", patient);
        break;
    default: break;
    }
    int rc = request(user, method, path, body.len ? ct : NULL, body.len ? buf_cstr(&body) : NULL,
                     resp);
    buf_free(&body);
    return rc;
}

/* ---- Judging a cell ----------------------------------------------------------------------- */

/* Allowed (true) or refused, from the status and body; *refusal says why it was read so. */
static bool was_allowed(enum op op, const char *patient, struct e2e_response *resp)
{
    const char *body = buf_cstr(&resp->body);
    json_t *j = json_loads(body, 0, NULL);
    bool allowed = resp->status >= 200 && resp->status < 300;
    if (allowed && op == OP_BUNDLE) {
        const char *status = json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(j, "entry"), 0), "response"), "status"));
        allowed = status && status[0] == '2';
    } else if (allowed && op == OP_IMPORT) {
        const char *summary =
            json_string_value(json_object_get(json_array_get(json_object_get(j, "issue"), 0),
                                              "diagnostics"));
        allowed = summary && !strncmp(summary, "1 created", 9);
    } else if (allowed && op == OP_LIST_ENROLMENTS) {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "\"patient\":\"%s\"", patient);
        allowed = strstr(body, quoted) != NULL;
    }
    json_decref(j);
    return allowed;
}

/* May `s` read the data of `patient` (its resources and their markers)? */
static bool may_read(const struct subject *s, const char *patient)
{
    return s->territory && !strcmp(s->territory, territory_of(patient));
}

/* The body with every occurrence of `from` replaced by `to`. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    buf out;
    buf_init(&out, (size_t)1 << 30);
    size_t n = strlen(from);
    for (const char *p = text; *p;) {
        if (!strncmp(p, from, n)) {
            buf_puts(&out, to);
            p += n;
        } else {
            buf_putc(&out, *p++);
        }
    }
    char *s = buf_steal(&out);
    return s ? s : strdup("");
}

static void run_cell(const struct subject *s, enum op op, enum target t)
{
    const char *patient = s->targets[t], *territory = territory_of(patient);
    /* a patient that never existed (each cell its own: a PUT would create it) */
    char obs[64], ghost[64], ghost_obs[80];
    snprintf(obs, sizeof obs, "obs-%s", patient);
    snprintf(ghost, sizeof ghost, "p-ghost%d", sequence++);
    snprintf(ghost_obs, sizeof ghost_obs, "obs-%s", ghost);
    bool expected = s->rules->rows[op][t] == 'A';
    struct e2e_response resp;
    if (run_op(s->user, op, patient, territory, obs, &resp) < 0) {
        e2e_tap(false, "%s: %s on %s: no answer", s->user, op_names[op], target_names[t]);
        return;
    }
    bool allowed = was_allowed(op, patient, &resp);
    char why[600] = "";
    bool ok = allowed == expected;
    if (!ok)
        snprintf(why, sizeof why, " (%s, expected %s; status %ld: %.300s)",
                 allowed ? "allowed" : "denied", expected ? "allowed" : "denied", resp.status,
                 buf_cstr(&resp.body));
    /* A refusal is 403 (the role may never do this), or reads as for a patient that does not
     * exist: the same answer, once the ids are swapped. Not for PUT: an update by the
     * client's id creates an absent patient, so it cannot answer alike for a taken id
     * (docs/security.md); not for lists, where absent ones are simply not listed. */
    if (ok && !allowed) {
        if (resp.status != 403 && resp.status != 404 && resp.status != 422 && resp.status != 200)
            ok = false, snprintf(why, sizeof why, " (refused with status %ld)", resp.status);
        if (ok && resp.status != 403 && op != OP_LIST_ENROLMENTS && op != OP_PUT_PATIENT) {
            struct e2e_response absent;
            if (run_op(s->user, op, ghost, territory, ghost_obs, &absent) == 0) {
                char *mine = replace_all(buf_cstr(&resp.body), obs, ghost_obs);
                char *swapped = replace_all(mine, patient, ghost);
                if (absent.status != resp.status || strcmp(swapped, buf_cstr(&absent.body)) != 0) {
                    ok = false;
                    snprintf(why, sizeof why,
                             " (the refusal differs from the answer for an unknown patient: "
                             "%ld %.200s / %ld %.200s)",
                             resp.status, swapped, absent.status, buf_cstr(&absent.body));
                }
                free(mine);
                free(swapped);
            }
            e2e_response_free(&absent);
        }
    }
    /* No body shows what the caller may not read. */
    for (size_t i = 0; ok && i < PATIENTS; i++) {
        if (may_read(s, patients[i].id)) continue;
        char marker[64];
        snprintf(marker, sizeof marker, "SECRET-%s-", patients[i].id);
        if (strstr(buf_cstr(&resp.body), marker) || strstr(buf_cstr(&resp.headers), marker)) {
            ok = false;
            snprintf(why, sizeof why, " (the answer shows %s's data: %.300s)", patients[i].id,
                     buf_cstr(&resp.body));
        }
    }
    e2e_tap(ok, "%s (%s): %s on %s: %s%s", s->user, s->rules->name, op_names[op], target_names[t],
        expected ? "allowed" : "denied", why);
    e2e_response_free(&resp);
}

/* ---- Setting up --------------------------------------------------------------------------- */

static bool expect_status(const char *what, long status, struct e2e_response *resp, long want)
{
    bool ok = status == want;
    if (!ok)
        fprintf(stderr, "setup: %s: status %ld, expected %ld: %.300s\n", what, status, want,
                buf_cstr(&resp->body));
    return ok;
}

static bool setup_data(void)
{
    struct e2e_response r;
    bool ok = true;
    const char *territories[] = {
        "{\"id\":\"T01\",\"name\":\"Pays d'Ouche\",\"region\":\"28\",\"communes\":[\"27229\"]}",
        "{\"id\":\"T02\",\"name\":\"Paris 20e\",\"region\":\"11\",\"communes\":[\"75120\"]}",
    };
    for (size_t i = 0; i < 2; i++) {
        ok &= request("admin", "POST", "/api/territories", "application/json", territories[i],
                      &r) == 0 &&
              expect_status("territory", r.status, &r, 201);
        e2e_response_free(&r);
    }
    for (size_t i = 0; i < PATIENTS; i++) {
        char path[128], body[256];
        snprintf(path, sizeof path, "/fhir/Patient/%s", patients[i].id);
        snprintf(body, sizeof body,
                 "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"name\":[{\"family\":"
                 "\"SECRET-%s-NAME\"}]}",
                 patients[i].id, patients[i].id);
        ok &= request(patients[i].creator, "PUT", path, "application/fhir+json", body, &r) == 0 &&
              expect_status(path, r.status, &r, 201);
        e2e_response_free(&r);
        /* one Observation and one report each, by a coordinator of the territory */
        const char *coord = !strcmp(patients[i].territory, "T01") ? "coord1" : "coord2";
        char obs_id[64];
        snprintf(obs_id, sizeof obs_id, "obs-%s", patients[i].id);
        snprintf(path, sizeof path, "/fhir/Observation/%s", obs_id);
        buf b;
        buf_init(&b, 1 << 16);
        observation_json(&b, patients[i].id, obs_id);
        ok &= request(coord, "PUT", path, "application/fhir+json", buf_cstr(&b), &r) == 0 &&
              expect_status(path, r.status, &r, 201);
        e2e_response_free(&r);
        buf_reset(&b);
        buf_printf(&b,
                   "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{"
                   "\"reference\":\"Patient/%s\"},\"sent\":\"2026-03-05T10:00:00Z\",\"payload\":[{"
                   "\"contentString\":\"SECRET-%s-NOTE\"}]}",
                   patients[i].id, patients[i].id);
        ok &= request(coord, "POST", "/fhir/Communication", "application/fhir+json", buf_cstr(&b),
                      &r) == 0 &&
              expect_status("report", r.status, &r, 201);
        e2e_response_free(&r);
        buf_free(&b);
        /* enrolled, so that enrolment lists have them */
        char enrol[128];
        snprintf(path, sizeof path, "/api/territories/%s/patients", patients[i].territory);
        snprintf(enrol, sizeof enrol, "{\"patient\":\"%s\",\"conditions\":[\"84114007\"]}",
                 patients[i].id);
        ok &= request("admin", "POST", path, "application/json", enrol, &r) == 0 &&
              expect_status(path, r.status, &r, 201);
        e2e_response_free(&r);
    }
    return ok;
}

/* Every decision about another territory's patient was recorded as a refusal. */
static void check_audit(void)
{
    /* a write drains the queue of read records into its transaction */
    struct e2e_response r;
    request("admin", "POST", "/api/territories/T01/patients", "application/json",
            "{\"patient\":\"p-a\"}", &r);
    e2e_response_free(&r);
    for (size_t i = 0; i < SUBJECTS; i++) {
        const struct subject *s = &subjects[i];
        if (!strcmp(s->user, "admin")) continue;
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM audit WHERE username = '%s' AND patient = '%s' AND "
                 "allowed = 0",
                 s->user, s->targets[FOREIGN]);
        long long n = e2e_sql_int(&srv, sql);
        e2e_tap(n > 0, "audit: %s's attempts on %s are recorded as refused (%lld rows)", s->user,
            s->targets[FOREIGN], n);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VIGIE\n", argv[0]);
        return 2;
    }
    int cells = (int)(SUBJECTS * OP_COUNT * TARGETS);
    printf("1..%d\n", 1 + cells + (int)SUBJECTS - 1 + 1);
    bool ready = e2e_prepare(&srv, argv[1]) == 0;
    if (ready) {
        /* a gateway bound to a territory rather than to patients */
        char args[512];
        snprintf(args, sizeof args, "user add --db '%s' --username gwt1 --role gateway --territory T01",
                 srv.db);
        buf out;
        buf_init(&out, 4096);
        ready = e2e_vigie(&srv, args, NULL) == 0;
        snprintf(args, sizeof args, "user key --db '%s' --username gwt1", srv.db);
        ready = ready && e2e_vigie(&srv, args, &out) == 0;
        snprintf(gwt1_key, sizeof gwt1_key, "%.*s", (int)strcspn(buf_cstr(&out), "\n"),
                 buf_cstr(&out));
        buf_free(&out);
    }
    ready = ready && e2e_start(&srv) == 0 && e2e_login_all(&srv) == 0 && setup_data();
    e2e_tap(ready, "server, users, territories, patients and their data");
    if (!ready) {
        e2e_stop(&srv, true);
        e2e_cleanup(&srv);
        return 1;
    }
    for (size_t i = 0; i < SUBJECTS; i++)
        for (int op = 0; op < OP_COUNT; op++)
            for (int t = 0; t < TARGETS; t++) run_cell(&subjects[i], (enum op)op, (enum target)t);
    check_audit();
    int status = e2e_stop(&srv, false);
    e2e_tap(status == 0, "the server stopped cleanly (status %d)", status);
    if (e2e_tap_failures()) {
        char log[400];
        snprintf(log, sizeof log, "tail -20 %s/serve.log | sed 's/^/# /'", srv.dir);
        if (system(log) != 0) fprintf(stderr, "no server log\n");
    }
    e2e_cleanup(&srv);
    return e2e_tap_failures() ? 1 : 0;
}
