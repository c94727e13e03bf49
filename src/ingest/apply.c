/* Applying a prepared request in the writer thread: resolve patients, find duplicates and
 * corrections, insert rows, then hand the stored inputs to the sink (triage, cases). */
#include "ingest/ingest_int.h"
#include "core/instant.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-item facts the sink needs once every item of the job is stored. */
struct applied {
    struct store_observation obs;
    struct store_resource res;
    struct store_obs_ref old; /* the version a correction supersedes */
    int64_t replaced;
    int64_t patient_key;
    bool created;
    bool stored; /* a new row to hand to the sink */
};

static int refuse(struct ingest_item *it, int status, const char *code, const char *expression,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int refuse(struct ingest_item *it, int status, const char *code, const char *expression,
                  const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fhir_outcome_add(&it->outcome, FHIR_ERROR, status, code, expression, "%s", msg);
    it->status = status;
    return -1;
}

static enum auth_access item_access(enum ingest_item_type t)
{
    switch (t) {
    case ITEM_OBSERVATION: return ACCESS_WRITE_MEASURE;
    case ITEM_COMMUNICATION: return ACCESS_WRITE_REPORT;
    case ITEM_PATIENT: return ACCESS_MANAGE;
    default: return ACCESS_WRITE_CLINICAL;
    }
}

/* Finds the patient a reference designates, if the sender may touch it: a patient out of
 * the sender's reach gets exactly the answer of an unknown one. */
static int resolve_patient(ingest *ing, struct ingest_request *req, struct ingest_item *it,
                           const struct fhir_patient_ref *ref, int64_t *key)
{
    const char *type = ingest_item_type_name(it->type);
    char expr[64];
    snprintf(expr, sizeof expr, "%s.subject", type);
    char *found_id = NULL;
    const char *id = ref->id;
    if (id) {
        *key = ingest_patient_key(ing, id);
    } else {
        verr e;
        int rc = store_patient_key_by_identifier(ing->s, ref->ident_system, ref->ident_value, key,
                                                 &found_id, &e);
        if (rc < 0) return refuse(it, 500, "exception", NULL, "%s", e.msg);
        if (rc == 1) *key = 0;
        id = found_id;
    }
    struct audit_actor actor = ingest_actor(req);
    bool allowed = *key && audit_may_patient(ing->audit, &actor, item_access(it->type), id,
                                             ingest_patient_territory(ing, *key));
    free(found_id);
    if (allowed) return 0;
    if (ref->id)
        return refuse(it, 422, "not-found", expr,
                      "%s: Patient/%.64s is not known to Vigie; create it first (PUT "
                      "/fhir/Patient/%.64s)",
                      expr, ref->id, ref->id);
    return refuse(it, 422, "not-found", expr, "%s: no Patient has the identifier %.80s|%.80s",
                  expr, ref->ident_system, ref->ident_value);
}

/* Same Observation (found by id or identifier) with other content or status: a new
 * version. A correction (entered-in-error) withdraws what the first one raised. */
static bool changed(const struct store_observation *row, const struct store_obs_ref *old)
{
    bool same_value = (isnan(row->value) && isnan(old->value)) || row->value == old->value;
    bool same_value2 = (isnan(row->value2) && isnan(old->value2)) || row->value2 == old->value2;
    return row->status != old->status || !same_value || !same_value2 ||
           row->effective_ms != old->effective_ms || strcmp(row->code, old->code) != 0;
}

/* The stored text keeps its bytes; only how the id relates to them changes. */
static void restamp_id(struct ingest_item *it, const char *id)
{
    snprintf(it->id, sizeof it->id, "%s", id);
    const char *client_id = it->client_id;
    if (it->text_owned) {
        json_object_set_new(it->json, "id", json_string(id));
        free(it->text_owned);
        it->text_owned = json_dumps(it->json, JSON_COMPACT);
        it->text = it->text_owned;
        it->text_len = strlen(it->text_owned);
        it->id_form = ID_IN_TEXT;
    } else {
        it->id_form = !client_id ? ID_INSERT : !strcmp(client_id, id) ? ID_IN_TEXT : ID_REPLACE;
    }
}

/* The row of an Observation about patient `key`, as far as its duplicates are concerned. */
static void observation_row(const struct fhir_observation *o, int64_t key,
                            struct store_observation *row)
{
    memset(row, 0, sizeof *row);
    row->patient_key = key;
    row->kind = o->kind;
    row->code_system = o->code_system;
    row->code = o->code;
    row->effective_ms = o->has_effective ? o->effective_ms : STORE_NO_TIME;
    row->precision = o->precision;
    row->value = o->has_value ? o->value : NAN;
    row->value2 = o->has_value2 ? o->value2 : NAN;
    row->status = o->status;
    row->triage = o->triage;
    if (o->ident_value) {
        row->has_ident = true;
        const void *parts[] = {o->ident_system, o->ident_value};
        size_t lengths[] = {strlen(o->ident_system), strlen(o->ident_value)};
        store_hash(row->ident, parts, lengths, 2);
    }
}

static int apply_observation(ingest *ing, struct ingest_request *req, struct ingest_item *it,
                             struct applied *a)
{
    const struct fhir_observation *o = &it->u.obs;
    int64_t key;
    if (resolve_patient(ing, req, it, &o->subject, &key) < 0) return -1;
    struct store_observation *row = &a->obs;
    observation_row(o, key, row);

    /* A PUT or an import names the resource by id, a device by identifier: the same one
     * again is a duplicate unless its content or status changed (then a new version).
     * Without either, the same patient, code, time and value is the same Observation sent
     * again. Each case costs one index seek, in indexes clustered by patient. */
    verr e;
    struct store_obs_ref old;
    bool update = false;
    int found = it->keep_id ? store_observation_by_id(ing->s, it->id, &old, &e) : 1;
    if (found == 1 && row->has_ident)
        found = store_observation_by_ident(ing->s, key, row->ident, &old, &e);
    if (found == 0) {
        update = changed(row, &old);
    } else if (found == 1) {
        found = store_observation_same(ing->s, row, &old, &e);
        if (found == 0) update = row->status != old.status;
    }
    if (found < 0) return refuse(it, 500, "exception", NULL, "%s", e.msg);

    row->version = 1;
    if (found == 0) {
        if (!update) {
            snprintf(it->id, sizeof it->id, "%s", old.id);
            it->version = old.version;
            it->duplicate = true;
            it->status = 200;
            fhir_outcome_add(&it->outcome, FHIR_INFORMATION, 0, "duplicate", NULL,
                             "already stored as Observation/%s: acknowledged, stored once",
                             old.id);
            return 0;
        }
        if (store_observation_supersede(ing->s, old.seq, &e) < 0)
            return refuse(it, 500, "exception", NULL, "%s", e.msg);
        if (strcmp(old.id, it->id) != 0) restamp_id(it, old.id);
        row->version = old.version + 1;
        a->replaced = old.seq;
        a->old = old;
    }
    row->seq = ing->next_seq++;
    row->id = it->id;
    row->received_ms = req->received_ms;
    row->log_id = req->log_id;
    row->log_entry = it->log_entry;
    row->id_form = it->id_form;
    row->replaces = a->replaced;
    row->resource = it->text;
    row->resource_len = it->text_len;
    if (store_observation_insert(ing->s, row, &e) < 0)
        return refuse(it, 500, "exception", NULL, "%s", e.msg);
    it->version = row->version;
    it->status = a->replaced ? 200 : 201;
    a->patient_key = key;
    a->stored = true;
    if (o->note)
        fhir_outcome_add(&it->outcome, FHIR_INFORMATION, 0, "informational", NULL, "%s", o->note);
    return 0;
}

static int apply_patient(ingest *ing, struct ingest_request *req, struct ingest_item *it,
                         struct applied *a)
{
    const struct fhir_patient *p = &it->u.patient;
    int64_t existing = ingest_patient_key(ing, it->id);
    const char *current = existing ? ingest_patient_territory(ing, existing) : NULL;
    /* Enrolment territory: the one the resource names, else the one it has, else the
     * sender's own when they have exactly one. */
    const char *territory = p->territory ? p->territory : current;
    if (!territory && req->who && req->who->territory_count == 1)
        territory = req->who->territories[0];
    struct audit_actor actor = ingest_actor(req);
    if ((existing && !audit_may_patient(ing->audit, &actor, ACCESS_MANAGE, it->id, current)) ||
        !audit_may_patient(ing->audit, &actor, ACCESS_MANAGE, it->id, territory)) {
        if (existing)
            return refuse(it, 404, "not-found", "Patient.id", "Patient/%.64s is not known",
                          it->id);
        return refuse(it, 403, "forbidden", "Patient",
                      "you may not create patients%s%.64s", territory ? " in territory " : "",
                      territory ? territory : " outside your territories");
    }
    verr e;
    if (existing) {
        /* The same Patient sent again changes nothing: acknowledge it as a duplicate. */
        buf old;
        buf_init(&old, it->text_len + 1);
        int rc = store_patient_read(ing->s, it->id, &old, NULL, &e);
        bool same = rc == 0 && old.len == it->text_len && !memcmp(old.data, it->text, old.len) &&
                    (!p->territory || (current && !strcmp(current, p->territory)));
        buf_free(&old);
        if (same) {
            it->duplicate = true;
            it->status = 200;
            it->version = 1;
            return 0;
        }
    }
    const char *systems[8], *values[8];
    for (size_t i = 0; i < p->identifier_count; i++) {
        systems[i] = p->identifiers[i].system;
        values[i] = p->identifiers[i].value;
    }
    struct store_patient row = {
        .id = it->id,
        .territory = territory,
        .resource = it->text,
        .commune = p->commune,
        .birth_date_ms = p->has_birth_date ? p->birth_date_ms : STORE_NO_TIME,
        .ident_systems = systems,
        .ident_values = values,
        .ident_count = p->identifier_count,
        .updated_ms = req->received_ms,
        .log_id = req->log_id,
        .log_entry = it->log_entry,
    };
    bool created;
    if (store_patient_upsert(ing->s, &row, &created, &e) < 0)
        return refuse(it, 500, "exception", NULL, "%s", e.msg);
    strmap_put(&ing->patients, it->id, strlen(it->id), row.key);
    ingest_patient_set_territory(ing, row.key, territory);
    it->status = created ? 201 : 200;
    it->version = 1;
    a->patient_key = row.key;
    a->created = created;
    a->stored = true;
    return 0;
}

static int score_screening(ingest *ing, struct ingest_item *it, int64_t key)
{
    int64_t birth_ms;
    verr e;
    if (store_patient_birth_date(ing->s, key, &birth_ms, &e) < 0)
        return refuse(it, 500, "exception", NULL, "%s", e.msg);
    it->frailty_result = xcalloc(1, sizeof *it->frailty_result);
    if (frailty_score(&it->u.frailty, birth_ms, it->frailty_result, &it->outcome) < 0) {
        it->status = it->outcome.http_status ? it->outcome.http_status : 422;
        return -1;
    }
    char due[40], summary[400];
    instant_format(it->frailty_result->next_due_day * INSTANT_MS_PER_DAY, INSTANT_DAY, due);
    if (frailty_needs_case(it->frailty_result)) {
        char reason[300];
        frailty_case_reason(it->frailty_result, reason, sizeof reason);
        snprintf(summary, sizeof summary,
                 "ICOPE step 1: %s; next screening due %s; a category-3 case is opened", reason,
                 due);
    } else {
        snprintf(summary, sizeof summary,
                 "ICOPE step 1: no positive domain; next screening due %s", due);
    }
    fhir_outcome_add(&it->outcome, FHIR_INFORMATION, 0, "informational", NULL, "%s", summary);
    return 0;
}

/* Condition, Communication, ServiceRequest, QuestionnaireResponse: versioned rows in
 * `resource`. */
static int apply_resource(ingest *ing, struct ingest_request *req, struct ingest_item *it,
                          struct applied *a)
{
    const struct fhir_patient_ref *ref;
    int64_t time_ms = STORE_NO_TIME;
    const char *status = NULL;
    char text_part[64] = "";
    const char *identity = "";
    switch (it->type) {
    case ITEM_CONDITION:
        ref = &it->u.condition.subject;
        status = it->u.condition.active ? "active" : "inactive";
        identity = it->u.condition.code_count ? it->u.condition.codes[0] : "";
        break;
    case ITEM_COMMUNICATION:
        ref = &it->u.communication.subject;
        time_ms = it->u.communication.sent_ms;
        status = it->u.communication.status;
        identity = it->u.communication.text;
        break;
    case ITEM_QUESTIONNAIRE_RESPONSE:
        ref = &it->u.frailty.subject;
        time_ms = it->u.frailty.authored_ms;
        status = it->u.frailty.status == FRAILTY_AMENDED ? "amended" : "completed";
        break;
    default:
        ref = &it->u.request.subject;
        time_ms = it->u.request.authored_ms;
        status = it->u.request.status;
        snprintf(text_part, sizeof text_part, "%s|", fhir_priority_name(it->u.request.priority));
        identity = it->u.request.text;
        break;
    }
    int64_t key;
    if (resolve_patient(ing, req, it, ref, &key) < 0) return -1;
    char answers[96];
    if (it->type == ITEM_QUESTIONNAIRE_RESPONSE) {
        /* scored here, where the patient's birth date is known: a screening that cannot be
         * scored (under 60, no birth date) is refused, not stored */
        if (score_screening(ing, it, key) < 0) return -1;
        frailty_answers_identity(&it->u.frailty.answers, answers);
        identity = answers;
    }
    struct store_resource *r = &a->res;
    memset(r, 0, sizeof *r);
    r->type = ingest_item_type_name(it->type);
    /* Content identity: the same report, request or condition sent twice is stored once. */
    const void *parts[] = {&key, &time_ms, status ? status : "", text_part, identity};
    size_t lengths[] = {sizeof key, sizeof time_ms, status ? strlen(status) : 0,
                        strlen(text_part), strlen(identity)};
    store_hash(r->content, parts, lengths, 5);
    r->has_content = true;
    verr e;
    char existing[72];
    int version;
    int rc;
    if (it->keep_id) {
        /* A PUT or an import names the resource: unchanged content is a duplicate. */
        unsigned char current[STORE_HASH_SIZE];
        rc = store_resource_content(ing->s, r->type, it->id, current, &version, &e);
        if (rc == 0 && memcmp(current, r->content, STORE_HASH_SIZE) != 0) rc = 1;
        if (rc == 0) snprintf(existing, sizeof existing, "%s", it->id);
    } else {
        rc = store_resource_by_content(ing->s, r->type, r->content, existing, &version, &e);
    }
    if (rc < 0) return refuse(it, 500, "exception", NULL, "%s", e.msg);
    if (rc == 0) {
        snprintf(it->id, sizeof it->id, "%s", existing);
        it->version = version;
        it->duplicate = true;
        it->status = 200;
        return 0;
    }
    r->seq = ing->next_seq++;
    r->id = it->id;
    r->patient_key = key;
    r->time_ms = time_ms;
    r->status = status;
    r->resource = it->text;
    r->resource_len = it->text_len;
    r->received_ms = req->received_ms;
    r->log_id = req->log_id;
    r->log_entry = it->log_entry;
    if (store_resource_put(ing->s, r, &e) < 0) {
        if (strstr(e.msg, "UNIQUE")) {
            /* same content under the client's id: acknowledge as a duplicate */
            it->duplicate = true;
            it->status = 200;
            return 0;
        }
        return refuse(it, 500, "exception", NULL, "%s", e.msg);
    }
    it->version = r->version;
    it->status = r->version > 1 ? 200 : 201;
    a->patient_key = key;
    a->stored = true;
    return 0;
}

static int feed_sink(ingest *ing, struct ingest_item *it, struct applied *a, verr *e)
{
    const struct ingest_sink *sink = &ing->sink;
    switch (it->type) {
    case ITEM_OBSERVATION:
        return sink->observation ? sink->observation(sink->ctx, &a->obs, &it->u.obs,
                                                     a->replaced ? &a->old : NULL, e)
                                 : 0;
    case ITEM_PATIENT:
        return sink->patient ? sink->patient(sink->ctx, a->patient_key, it->id, a->created, e) : 0;
    case ITEM_CONDITION:
        return sink->condition ? sink->condition(sink->ctx, &a->res, &it->u.condition, e) : 0;
    case ITEM_COMMUNICATION:
        return sink->communication
                   ? sink->communication(sink->ctx, &a->res, &it->u.communication, e)
                   : 0;
    case ITEM_SERVICE_REQUEST:
        return sink->service_request ? sink->service_request(sink->ctx, &a->res, &it->u.request, e)
                                     : 0;
    case ITEM_QUESTIONNAIRE_RESPONSE:
        return sink->screening ? sink->screening(sink->ctx, &a->res, &it->u.frailty,
                                                 it->frailty_result, e)
                               : 0;
    default: return 0;
    }
}

/* PostgreSQL answers the duplicate lookups of a job's Observations in one round trip rather
 * than one or two each (store_observation_prefetch); patients named by identifier, or not
 * known, are left to their own lookups. */
static void prefetch_lookups(ingest *ing, struct ingest_request *req)
{
    if (store_engine_of(ing->s) != STORE_POSTGRES) return;
    struct store_observation *rows = xcalloc(req->count, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < req->count; i++) {
        struct ingest_item *it = &req->items[i];
        if (it->type != ITEM_OBSERVATION || !it->u.obs.subject.id) continue;
        int64_t key = ingest_patient_key(ing, it->u.obs.subject.id);
        if (!key) continue;
        observation_row(&it->u.obs, key, &rows[n]);
        rows[n++].id = it->keep_id ? it->id : NULL;
    }
    if (n) store_observation_prefetch(ing->s, rows, n);
    free(rows);
}

int ingest_apply(void *ctx, struct writer_job *job)
{
    struct ingest_request *req = (struct ingest_request *)job;
    ingest *ing = req->ing;
    (void)ctx;
    if (!ingest_request_has_work(req)) {
        verr_fail(&job->error, "nothing to store");
        return -1;
    }
    int64_t seq_before = ing->next_seq;
    struct store_log_entry log = {
        .received_ms = req->received_ms,
        .sender = req->sender,
        .channel = req->channel,
        .format = req->body == BODY_BUNDLE   ? LOG_BUNDLE
                  : req->body == BODY_NDJSON ? LOG_NDJSON
                                             : LOG_RESOURCE,
        .raw = req->raw,
        .raw_len = req->raw_len,
    };
    for (size_t i = 0; i < req->count; i++)
        if (req->items[i].log_entry + 1 > log.entries) log.entries = req->items[i].log_entry + 1;
    if (store_log_append(ing->s, &log, &job->error) < 0) return -1;
    req->log_id = log.id;

    struct applied *applied = xcalloc(req->count, sizeof *applied);
    int result = 0;
    /* Patients first, so that other entries of the same Bundle may refer to them. */
    for (int pass = 0; pass < 2 && result == 0; pass++) {
        if (pass == 1) prefetch_lookups(ing, req);
        for (size_t i = 0; i < req->count; i++) {
            struct ingest_item *it = &req->items[i];
            if (it->type == ITEM_INVALID || (it->type == ITEM_PATIENT) != (pass == 0)) continue;
            int rc;
            switch (it->type) {
            case ITEM_OBSERVATION: rc = apply_observation(ing, req, it, &applied[i]); break;
            case ITEM_PATIENT: rc = apply_patient(ing, req, it, &applied[i]); break;
            default: rc = apply_resource(ing, req, it, &applied[i]); break;
            }
            if (rc < 0 && (req->transaction || it->status >= 500)) {
                verr_fail(&job->error, "%s",
                          it->outcome.count ? it->outcome.issues[it->outcome.count - 1].diagnostics
                                            : "refused");
                result = -1;
                break;
            }
        }
    }
    /* Every row is in: now triage and cases see the inputs, in the order they came. */
    bool fed = false;
    for (size_t i = 0; i < req->count && result == 0; i++) {
        if (!applied[i].stored) continue;
        fed = true;
        if (feed_sink(ing, &req->items[i], &applied[i], &job->error) < 0) result = -1;
    }
    if (result < 0) {
        ing->next_seq = seq_before;
        /* The savepoint takes this job's rows away: so must the caches. */
        if (fed) ing->sink_dirty = true;
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].type == ITEM_PATIENT && applied[i].created)
                strmap_remove(&ing->patients, req->items[i].id, strlen(req->items[i].id));
        if (req->transaction)
            for (size_t i = 0; i < req->count; i++)
                if (req->items[i].status == 201 || req->items[i].status == 200)
                    req->items[i].status = 0;
    }
    free(applied);
    return result;
}
