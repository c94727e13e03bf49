/* Responses to ingestion requests, in FHIR terms. */
#include "ingest/ingest_int.h"

#include <stdio.h>
#include <string.h>

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

const char *ingest_item_type_name(enum ingest_item_type t)
{
    switch (t) {
    case ITEM_OBSERVATION: return "Observation";
    case ITEM_PATIENT: return "Patient";
    case ITEM_CONDITION: return "Condition";
    case ITEM_COMMUNICATION: return "Communication";
    case ITEM_SERVICE_REQUEST: return "ServiceRequest";
    default: return NULL;
    }
}

void ingest_request_totals(const struct ingest_request *req, struct ingest_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < req->count; i++) {
        const struct ingest_item *it = &req->items[i];
        if (it->duplicate)
            t->duplicates++;
        else if (it->status == 201)
            t->created++;
        else if (it->status == 200)
            t->updated++;
        else
            t->refused++;
    }
}

int ingest_response_status(const struct ingest_request *req)
{
    if (req->outcome.http_status) return req->outcome.http_status;
    if (req->body == BODY_RESOURCE) {
        if (req->count == 0) return 400;
        int status = req->items[0].status;
        return status ? status : 500;
    }
    if (req->transaction) {
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].status >= 400) return req->items[i].status;
        if (req->job.error.msg[0]) return 500;
    }
    return 200;
}

/* The item's outcome plus a line saying what happened to it. */
static void item_outcome(const struct ingest_item *it, struct fhir_outcome *oo)
{
    const char *type = ingest_item_type_name(it->type);
    if (it->status == 201 && type)
        fhir_outcome_add(oo, FHIR_INFORMATION, 0, "informational", NULL, "%s/%s created", type,
                         it->id);
    else if (it->status == 200 && type && !it->duplicate)
        fhir_outcome_add(oo, FHIR_INFORMATION, 0, "informational", NULL,
                         "%s/%s updated (version %d)", type, it->id, it->version);
    fhir_outcome_merge(oo, &it->outcome, NULL);
}

static void write_location(buf *out, const struct ingest_item *it)
{
    const char *type = ingest_item_type_name(it->type);
    if (type && it->id[0] && it->status < 300)
        buf_printf(out, ",\"location\":\"%s/%s/_history/%d\"", type, it->id,
                   it->version ? it->version : 1);
}

int ingest_write_response(const struct ingest_request *req, buf *out)
{
    struct fhir_outcome oo;
    fhir_outcome_init(&oo);
    int rc = 0;
    if (fhir_outcome_has_errors(&req->outcome) || req->body == BODY_RESOURCE) {
        fhir_outcome_merge(&oo, &req->outcome, NULL);
        if (req->count) item_outcome(&req->items[0], &oo);
        if (req->job.error.msg[0] && !fhir_outcome_has_errors(&oo))
            fhir_outcome_add(&oo, FHIR_ERROR, 500, "exception", NULL, "%s", req->job.error.msg);
        rc = fhir_outcome_write(&oo, out);
    } else if (req->transaction && ingest_response_status(req) >= 400) {
        /* A transaction fails as a whole: one OperationOutcome with every entry's issues. */
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].status >= 400) fhir_outcome_merge(&oo, &req->items[i].outcome, NULL);
        if (!fhir_outcome_has_errors(&oo))
            fhir_outcome_add(&oo, FHIR_ERROR, 500, "exception", NULL, "%s",
                             req->job.error.msg[0] ? req->job.error.msg : "transaction failed");
        fhir_outcome_add(&oo, FHIR_INFORMATION, 0, "informational", NULL,
                         "transaction refused: nothing was stored");
        rc = fhir_outcome_write(&oo, out);
    } else if (req->body == BODY_NDJSON) {
        struct ingest_totals t;
        ingest_request_totals(req, &t);
        fhir_outcome_add(&oo, FHIR_INFORMATION, 0, "informational", NULL,
                         "%zu created, %zu updated, %zu duplicates, %zu refused", t.created,
                         t.updated, t.duplicates, t.refused);
        for (size_t i = 0; i < req->count; i++)
            if (req->items[i].status >= 400) fhir_outcome_merge(&oo, &req->items[i].outcome, NULL);
        rc = fhir_outcome_write(&oo, out);
    } else {
        rc |= buf_printf(out, "{\"resourceType\":\"Bundle\",\"type\":\"%s-response\",\"entry\":[",
                         req->transaction ? "transaction" : "batch");
        for (size_t i = 0; i < req->count; i++) {
            const struct ingest_item *it = &req->items[i];
            int status = it->status ? it->status : 500;
            fhir_outcome_reset(&oo);
            item_outcome(it, &oo);
            rc |= buf_printf(out, "%s{\"response\":{\"status\":\"%d %s\"", i ? "," : "",
                             status, reason_phrase(status));
            write_location(out, it);
            rc |= buf_puts(out, ",\"outcome\":");
            rc |= fhir_outcome_write(&oo, out);
            rc |= buf_puts(out, "}}");
        }
        rc |= buf_puts(out, "]}");
    }
    fhir_outcome_free(&oo);
    return rc ? -1 : 0;
}
