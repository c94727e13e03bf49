/* Preparing a request in the receiving thread: parse, validate, assign ids, serialise. */
#include "ingest/ingest_int.h"
#include "core/ident.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const accepted_types =
    "Observation, Patient, Condition, Communication, ServiceRequest";

struct ingest_request *ingest_request_new(ingest *ing, int64_t received_ms, const char *sender,
                                          const char *channel)
{
    struct ingest_request *req = xcalloc(1, sizeof *req);
    req->ing = ing;
    req->received_ms = received_ms;
    snprintf(req->sender, sizeof req->sender, "%s", sender);
    snprintf(req->channel, sizeof req->channel, "%s", channel);
    req->job.apply = ingest_apply;
    arena_init(&req->strings, 64 * 1024);
    fhir_outcome_init(&req->outcome);
    return req;
}

static void item_clear(struct ingest_item *it)
{
    if (it->type == ITEM_COMMUNICATION) fhir_communication_free(&it->u.communication);
    if (it->type == ITEM_SERVICE_REQUEST) fhir_service_request_free(&it->u.request);
    json_decref(it->json);
    free(it->text_owned);
    fhir_outcome_free(&it->outcome);
}

void ingest_request_free(struct ingest_request *req)
{
    if (!req) return;
    for (size_t i = 0; i < req->count; i++) item_clear(&req->items[i]);
    free(req->items);
    arena_free(&req->strings);
    fhir_outcome_free(&req->outcome);
    if (req->who) {
        auth_principal_free(req->who);
        free(req->who);
    }
    free(req);
}

void ingest_request_set_principal(struct ingest_request *req, const struct auth_principal *who)
{
    req->who = xmalloc(sizeof *req->who);
    auth_principal_copy(req->who, who);
}

/* Sizes the item array once for a body of `n` entries (no copies while it fills). */
static void reserve_items(struct ingest_request *req, size_t n)
{
    if (n <= req->cap) return;
    req->items = xrealloc(req->items, n * sizeof *req->items);
    req->cap = n;
}

struct ingest_item *ingest_item_add(struct ingest_request *req, int64_t log_entry)
{
    if (req->count == req->cap) {
        req->cap = req->cap ? req->cap * 2 : 8;
        req->items = xrealloc(req->items, req->cap * sizeof *req->items);
    }
    struct ingest_item *it = &req->items[req->count++];
    memset(it, 0, sizeof *it);
    it->log_entry = log_entry;
    fhir_outcome_init(&it->outcome);
    return it;
}

bool ingest_request_has_work(const struct ingest_request *req)
{
    if (fhir_outcome_has_errors(&req->outcome)) return false;
    bool any = false;
    for (size_t i = 0; i < req->count; i++) {
        if (req->items[i].type != ITEM_INVALID)
            any = true;
        else if (req->transaction)
            return false; /* all or nothing */
    }
    return any;
}

/* Sets the resource's id: the client's when kept, else a new one. */
static void assign_id(struct ingest_item *it, const char *client_id, int64_t now_ms)
{
    if (it->keep_id && client_id) {
        snprintf(it->id, sizeof it->id, "%s", client_id);
    } else {
        ident_new(it->id, now_ms);
        it->keep_id = false;
    }
}

static const char *keep(struct ingest_request *req, const char *s)
{
    return s ? arena_strdup(&req->strings, s) : NULL;
}

/* An observation needs nothing more from its JSON tree once prepared: its strings go to the
 * request's arena and the tree is freed now, while its memory is still in cache. (Keeping
 * thousands of trees alive until the writer is done made the allocator, not the parser,
 * the bottleneck of batched ingestion.) */
static void detach_observation(struct ingest_request *req, struct ingest_item *it)
{
    struct fhir_observation *o = &it->u.obs;
    o->subject.id = keep(req, o->subject.id);
    o->subject.ident_system = keep(req, o->subject.ident_system);
    o->subject.ident_value = keep(req, o->subject.ident_value);
    o->ident_system = keep(req, o->ident_system);
    o->ident_value = keep(req, o->ident_value);
    o->code_system = keep(req, o->code_system);
    o->code = keep(req, o->code);
    o->id = it->id;
    json_decref(it->json);
    it->json = NULL;
}

/* The text to store. Observations keep the bytes they came in (the hot path: no
 * re-serialisation; the id goes in when read, see fhir_id_form). Other resources are
 * serialised with their id. `raw` may be NULL when the bytes cannot be located. */
static void set_text(struct ingest_request *req, struct ingest_item *it, const char *raw,
                     size_t len)
{
    it->client_id = keep(req, json_string_value(json_object_get(it->json, "id")));
    if (it->type == ITEM_OBSERVATION && raw) {
        while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\n' || raw[len - 1] == '\r' ||
                       raw[len - 1] == '\t'))
            len--;
        it->text = raw;
        it->text_len = len;
        it->id_form = !it->client_id                   ? ID_INSERT
                      : !strcmp(it->client_id, it->id) ? ID_IN_TEXT
                                                       : ID_REPLACE;
        detach_observation(req, it);
        return;
    }
    json_object_set_new(it->json, "id", json_string(it->id));
    it->text_owned = json_dumps(it->json, JSON_COMPACT);
    if (!it->text_owned) it->text_owned = xstrdup("{}");
    it->text = it->text_owned;
    it->text_len = strlen(it->text_owned);
    it->id_form = ID_IN_TEXT;
}

/* Validates one parsed resource into `it`. `put_id` is the id a PUT addresses. */
static void prepare_item(struct ingest_request *req, struct ingest_item *it, json_t *json,
                         const char *expected_type, const char *put_id, bool keep_client_id)
{
    it->json = json;
    const struct fhir_limits limits = {
        .now_ms = req->received_ms,
        .future_tolerance_ms = req->ing->options.future_tolerance_ms,
    };
    const char *type = fhir_resource_type(json, expected_type, &it->outcome);
    if (!type) goto refused;
    const char *client_id = json_string_value(json_object_get(json, "id"));
    if (put_id) {
        if (client_id && strcmp(client_id, put_id) != 0) {
            fhir_outcome_add(&it->outcome, FHIR_ERROR, 400, "invariant", "id",
                             "the resource's id '%.64s' differs from the id in the URL '%.64s'",
                             client_id, put_id);
            goto refused;
        }
        if (!fhir_id_valid(put_id)) {
            fhir_outcome_add(&it->outcome, FHIR_ERROR, 400, "value", "id",
                             "'%.70s' is not a valid id (1-64 of A-Z a-z 0-9 - .)", put_id);
            goto refused;
        }
        client_id = put_id;
        it->keep_id = true;
    } else {
        it->keep_id = keep_client_id;
    }
    int rc;
    if (!strcmp(type, "Observation")) {
        it->type = ITEM_OBSERVATION;
        rc = fhir_observation_parse(json, &limits, &it->u.obs, &it->outcome);
    } else if (!strcmp(type, "Patient")) {
        it->type = ITEM_PATIENT;
        rc = fhir_patient_parse(json, &it->u.patient, &it->outcome);
    } else if (!strcmp(type, "Condition")) {
        it->type = ITEM_CONDITION;
        rc = fhir_condition_parse(json, &it->u.condition, &it->outcome);
    } else if (!strcmp(type, "Communication")) {
        it->type = ITEM_COMMUNICATION;
        rc = fhir_communication_parse(json, &limits, &it->u.communication, &it->outcome);
    } else if (!strcmp(type, "ServiceRequest")) {
        it->type = ITEM_SERVICE_REQUEST;
        rc = fhir_service_request_parse(json, &limits, &it->u.request, &it->outcome);
    } else {
        fhir_outcome_add(&it->outcome, FHIR_ERROR, 422, "not-supported", "resourceType",
                         "Vigie does not accept %.60s resources (it accepts %s)", type,
                         accepted_types);
        goto refused;
    }
    if (rc < 0) {
        /* The parse structs are zeroed or freed on failure; nothing to apply. */
        it->type = ITEM_INVALID;
        goto refused;
    }
    assign_id(it, client_id, req->received_ms);
    /* ids inside the parse result point into the JSON; refresh the resource's own id. */
    switch (it->type) {
    case ITEM_OBSERVATION: it->u.obs.id = it->id; break;
    case ITEM_PATIENT: it->u.patient.id = it->id; break;
    case ITEM_CONDITION: it->u.condition.id = it->id; break;
    case ITEM_COMMUNICATION: it->u.communication.id = it->id; break;
    case ITEM_SERVICE_REQUEST: it->u.request.id = it->id; break;
    default: break;
    }
    return;
refused:
    it->type = ITEM_INVALID;
    it->status = it->outcome.http_status ? it->outcome.http_status : 400;
}

int ingest_prepare_resource(struct ingest_request *req, const char *type, const char *put_id,
                            const char *raw, size_t n)
{
    req->body = BODY_RESOURCE;
    req->raw = raw;
    req->raw_len = n;
    struct ingest_item *it = ingest_item_add(req, 0);
    json_t *json = fhir_json_parse(raw, n, &it->outcome);
    if (!json) {
        it->status = it->outcome.http_status;
        return -1;
    }
    prepare_item(req, it, json, type, put_id, false);
    if (it->type == ITEM_INVALID) return -1;
    set_text(req, it, raw, n);
    req->job.weight = 1;
    return 0;
}

/* Entry i's method and the id its URL addresses ("Patient/p1" for PUT). */
static int entry_request(json_t *entry, size_t i, const char **method, const char **url_id,
                         char *url_type, size_t url_type_size, struct fhir_outcome *oo)
{
    char expr[96];
    snprintf(expr, sizeof expr, "Bundle.entry[%zu].request", i);
    json_t *request = json_object_get(entry, "request");
    *url_id = NULL;
    url_type[0] = '\0';
    if (!json_is_object(request))
        return fhir_outcome_add(oo, FHIR_ERROR, 400, "required", expr,
                                "%s is missing: batch and transaction entries need request.method "
                                "and request.url",
                                expr);
    *method = json_string_value(json_object_get(request, "method"));
    const char *url = json_string_value(json_object_get(request, "url"));
    if (!*method || !url)
        return fhir_outcome_add(oo, FHIR_ERROR, 400, "required", expr,
                                "%s needs method and url", expr);
    if (strcmp(*method, "POST") != 0 && strcmp(*method, "PUT") != 0)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "not-supported", expr,
                                "%s: method %.10s is not supported in a Bundle here (POST or PUT)",
                                expr, *method);
    size_t tl = strcspn(url, "/?");
    if (tl + 1 > url_type_size) tl = url_type_size - 1;
    memcpy(url_type, url, tl);
    url_type[tl] = '\0';
    if (!strcmp(*method, "PUT")) {
        if (url[tl] != '/' || !url[tl + 1])
            return fhir_outcome_add(oo, FHIR_ERROR, 400, "value", expr,
                                    "%s: PUT needs a url Type/id, got '%.60s'", expr, url);
        *url_id = url + tl + 1;
    }
    return 0;
}

/* In a transaction, "urn:uuid:..." references name other entries by their fullUrl. */
static void resolve_urn_subject(struct ingest_request *req, struct ingest_item *it,
                                json_t *entries)
{
    struct fhir_patient_ref *ref = NULL;
    switch (it->type) {
    case ITEM_OBSERVATION: ref = &it->u.obs.subject; break;
    case ITEM_CONDITION: ref = &it->u.condition.subject; break;
    case ITEM_COMMUNICATION: ref = &it->u.communication.subject; break;
    case ITEM_SERVICE_REQUEST: ref = &it->u.request.subject; break;
    default: return;
    }
    if (!ref->id || strncmp(ref->id, "urn:uuid:", 9) != 0) return;
    if (req->transaction) {
        for (size_t k = 0; k < req->count; k++) {
            struct ingest_item *other = &req->items[k];
            if (other->type != ITEM_PATIENT) continue;
            const char *full = json_string_value(
                json_object_get(json_array_get(entries, (size_t)other->log_entry), "fullUrl"));
            if (full && !strcmp(full, ref->id)) {
                json_object_set_new(json_object_get(it->json, "subject"), "reference",
                                    json_sprintf("Patient/%s", other->id));
                ref->id = other->id;
                return;
            }
        }
    }
    fhir_outcome_add(&it->outcome, FHIR_ERROR, 422, "not-found", "subject.reference",
                     "%s is not the fullUrl of a Patient entry of this %s", ref->id,
                     req->transaction ? "transaction" : "batch (use a transaction)");
    it->type = ITEM_INVALID;
    it->status = 422;
}

int ingest_prepare_bundle(struct ingest_request *req, const char *raw, size_t n)
{
    req->body = BODY_BUNDLE;
    req->raw = raw;
    req->raw_len = n;
    json_t *bundle = fhir_json_parse(raw, n, &req->outcome);
    if (!bundle) return -1;
    int result = -1;
    if (!fhir_resource_type(bundle, "Bundle", &req->outcome)) goto done;
    const char *type = json_string_value(json_object_get(bundle, "type"));
    if (!type || (strcmp(type, "batch") != 0 && strcmp(type, "transaction") != 0)) {
        fhir_outcome_add(&req->outcome, FHIR_ERROR, 400, "value", "Bundle.type",
                         "Bundle.type must be batch or transaction, got '%.30s'",
                         type ? type : "(none)");
        goto done;
    }
    req->transaction = !strcmp(type, "transaction");
    json_t *entries = json_object_get(bundle, "entry");
    if (entries && !json_is_array(entries)) {
        fhir_outcome_add(&req->outcome, FHIR_ERROR, 400, "structure", "Bundle.entry",
                         "Bundle.entry must be an array");
        goto done;
    }
    size_t i;
    json_t *entry;
    reserve_items(req, json_array_size(entries));
    json_array_foreach(entries, i, entry)
    {
        struct ingest_item *it = ingest_item_add(req, (int64_t)i);
        const char *method, *url_id;
        char url_type[64];
        json_t *resource = json_object_get(entry, "resource");
        struct fhir_outcome local;
        fhir_outcome_init(&local);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "Bundle.entry[%zu].resource", i);
        if (entry_request(entry, i, &method, &url_id, url_type, sizeof url_type, &it->outcome) <
            0) {
            it->status = it->outcome.http_status;
        } else if (!json_is_object(resource)) {
            fhir_outcome_add(&it->outcome, FHIR_ERROR, 400, "required", prefix,
                             "%s is missing or not an object", prefix);
            it->status = 400;
        } else {
            prepare_item(req, it, json_incref(resource), url_type, url_id, false);
            /* Re-anchor the item's issues at the entry. */
            fhir_outcome_merge(&local, &it->outcome, prefix);
            fhir_outcome_reset(&it->outcome);
            fhir_outcome_merge(&it->outcome, &local, NULL);
        }
        fhir_outcome_free(&local);
    }
    /* The exact bytes of each entry's resource, to store them as received. */
    struct fhir_span *spans = xcalloc(req->count ? req->count : 1, sizeof *spans);
    int nspans = fhir_bundle_resource_spans(raw, n, spans, req->count);
    for (i = 0; i < req->count; i++) {
        struct ingest_item *it = &req->items[i];
        if (it->type == ITEM_INVALID) continue;
        const char *before = it->u.obs.subject.id;
        resolve_urn_subject(req, it, entries);
        if (it->type == ITEM_INVALID) continue;
        /* a rewritten urn:uuid reference means the stored text must be the new one */
        bool rewritten = it->type == ITEM_OBSERVATION && before != it->u.obs.subject.id;
        bool located = (int)i < nspans && spans[i].len > 0 && !rewritten;
        set_text(req, it, located ? raw + spans[i].offset : NULL, located ? spans[i].len : 0);
    }
    free(spans);
    req->job.weight = req->count ? req->count : 1;
    result = ingest_request_has_work(req) ? 0 : -1;
done:
    json_decref(bundle);
    return result;
}

int ingest_prepare_ndjson(struct ingest_request *req, const char *raw, size_t n,
                          int64_t first_line)
{
    req->body = BODY_NDJSON;
    req->raw = raw;
    req->raw_len = n;
    size_t lines = 1;
    for (const char *p = raw; (p = memchr(p, '\n', (size_t)(raw + n - p))); p++) lines++;
    reserve_items(req, lines);
    size_t start = 0;
    int64_t index = 0;
    while (start < n) {
        const char *nl = memchr(raw + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - raw) : n;
        size_t len = end - start;
        if (len && raw[start + len - 1] == '\r') len--;
        bool blank = true;
        for (size_t k = 0; k < len && blank; k++)
            if (raw[start + k] != ' ' && raw[start + k] != '\t') blank = false;
        if (!blank) {
            struct ingest_item *it = ingest_item_add(req, index);
            struct fhir_outcome local;
            fhir_outcome_init(&local);
            json_t *json = fhir_json_parse(raw + start, len, &local);
            if (json) prepare_item(req, it, json, NULL, NULL, true);
            else it->status = local.http_status;
            /* NDJSON issues name their line. */
            fhir_outcome_merge(&local, &it->outcome, NULL);
            fhir_outcome_reset(&it->outcome);
            for (size_t k = 0; k < local.count; k++) {
                struct fhir_issue *is = &local.issues[k];
                fhir_outcome_add(&it->outcome, is->severity, local.http_status, is->code,
                                 is->expression[0] ? is->expression : NULL, "line %lld: %s",
                                 (long long)(first_line + index), is->diagnostics);
            }
            fhir_outcome_free(&local);
            if (it->type != ITEM_INVALID) set_text(req, it, raw + start, len);
        }
        index++;
        start = end + 1;
    }
    req->job.weight = req->count ? req->count : 1;
    return ingest_request_has_work(req) ? 0 : -1;
}
