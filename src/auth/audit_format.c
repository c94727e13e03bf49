/* Audit rows as Vigie JSON and as FHIR R4 AuditEvent resources. */
#include "auth/audit.h"
#include "core/instant.h"

#include <stdio.h>
#include <string.h>

static void json_member(buf *out, const char *name, const char *value, bool comma)
{
    buf_printf(out, "%s\"%s\":", comma ? "," : "", name);
    if (value && *value)
        buf_append_json_string(out, value, strlen(value));
    else
        buf_puts(out, "null");
}

void audit_row_json(const struct store_audit_row *row, buf *out)
{
    char at[40];
    instant_format_utc(row->at_ms, at);
    buf_printf(out, "{\"id\":%lld,\"at\":\"%s\"", (long long)row->id, at);
    json_member(out, "username", row->username, true);
    json_member(out, "role", row->role, true);
    json_member(out, "address", row->address, true);
    json_member(out, "action", row->action, true);
    json_member(out, "what", row->what, true);
    json_member(out, "patient", row->patient, true);
    buf_printf(out, ",\"allowed\":%s,\"count\":%lld}", row->allowed ? "true" : "false",
               (long long)row->count);
}

/* What the request did, from its method (IHE Basic Audit Log Patterns): the AuditEvent
 * action code and the RESTful interaction. */
static void interaction(const char *what, const char **action, const char **subtype)
{
    if (!strncmp(what, "GET ", 4)) {
        bool search = strchr(what, '?') != NULL;
        *action = search ? "E" : "R";
        *subtype = search ? "search-type" : "read";
    } else if (!strncmp(what, "PUT ", 4) || !strncmp(what, "PATCH ", 6)) {
        *action = "U";
        *subtype = "update";
    } else if (!strncmp(what, "DELETE ", 7)) {
        *action = "D";
        *subtype = "delete";
    } else if (!strncmp(what, "POST /fhir ", 11) || !strcmp(what, "POST /fhir")) {
        *action = "E";
        *subtype = "batch";
    } else {
        *action = "C";
        *subtype = "create";
    }
}

void audit_row_fhir(const struct store_audit_row *row, buf *out)
{
    char at[40];
    instant_format_utc(row->at_ms, at);
    bool login = row->action && !strcmp(row->action, "login");
    const char *action = "E", *subtype = "login";
    if (!login) interaction(row->what ? row->what : "", &action, &subtype);
    buf_printf(out, "{\"resourceType\":\"AuditEvent\",\"id\":\"audit-%lld\",", (long long)row->id);
    if (login)
        buf_puts(out, "\"type\":{\"system\":\"http://dicom.nema.org/resources/ontology/DCM\","
                      "\"code\":\"110114\",\"display\":\"User Authentication\"},"
                      "\"subtype\":[{\"system\":\"http://dicom.nema.org/resources/ontology/DCM\","
                      "\"code\":\"110122\",\"display\":\"Login\"}],");
    else
        buf_printf(out,
                   "\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                   "audit-event-type\",\"code\":\"rest\",\"display\":\"RESTful Operation\"},"
                   "\"subtype\":[{\"system\":\"http://hl7.org/fhir/restful-interaction\","
                   "\"code\":\"%s\"}],",
                   subtype);
    /* outcome 0 = success, 4 = minor failure: a refusal by the access rules */
    buf_printf(out, "\"action\":\"%s\",\"recorded\":\"%s\",\"outcome\":\"%s\",", action, at,
               row->allowed ? "0" : "4");
    if (!row->allowed) buf_puts(out, "\"outcomeDesc\":\"refused by the access rules\",");
    buf_puts(out, "\"agent\":[{\"type\":{\"coding\":[{\"system\":\"http://dicom.nema.org/"
                  "resources/ontology/DCM\",\"code\":\"110153\",\"display\":\"Source Role "
                  "ID\"}]},\"who\":{\"identifier\":{\"system\":\"urn:vigie:user\",\"value\":");
    buf_append_json_string(out, row->username, strlen(row->username));
    buf_puts(out, "}},\"role\":[{\"text\":");
    buf_append_json_string(out, row->role, strlen(row->role));
    buf_puts(out, "}],\"requestor\":true");
    if (row->address && *row->address) {
        /* network type 2 = IP address */
        buf_puts(out, ",\"network\":{\"address\":");
        buf_append_json_string(out, row->address, strlen(row->address));
        buf_puts(out, ",\"type\":\"2\"}");
    }
    buf_puts(out, "}],\"source\":{\"observer\":{\"display\":\"Vigie\"},\"type\":[{\"system\":"
                  "\"http://terminology.hl7.org/CodeSystem/security-source-type\",\"code\":\"4\","
                  "\"display\":\"Application Server\"}]},\"entity\":[");
    bool first = true;
    if (row->patient && *row->patient) {
        buf_puts(out, "{\"what\":{\"reference\":\"Patient/");
        /* the id is inside a JSON string already opened: escape without the quotes */
        buf tmp;
        buf_init(&tmp, 256);
        buf_append_json_string(&tmp, row->patient, strlen(row->patient));
        buf_append(out, tmp.data + 1, tmp.len - 2);
        buf_free(&tmp);
        buf_puts(out, "\"},\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                      "audit-entity-type\",\"code\":\"1\",\"display\":\"Person\"},\"role\":{"
                      "\"system\":\"http://terminology.hl7.org/CodeSystem/object-role\","
                      "\"code\":\"1\",\"display\":\"Patient\"}}");
        first = false;
    }
    if (row->what && *row->what) {
        buf_printf(out, "%s{\"what\":{\"display\":", first ? "" : ",");
        buf_append_json_string(out, row->what, strlen(row->what));
        buf_putc(out, '}');
        /* identical decisions close in time are one row: say how many */
        if (row->count > 1)
            buf_printf(out, ",\"detail\":[{\"type\":\"count\",\"valueString\":\"%lld\"}]",
                       (long long)row->count);
        buf_putc(out, '}');
    }
    buf_puts(out, "]}");
}
