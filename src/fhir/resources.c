/* Patient, Condition, Communication (reports) and ServiceRequest (tele-expertise). */
#include "fhir/fhir_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMUNE_EXTENSION "urn:vigie:commune"
#define TERRITORY_EXTENSION "urn:vigie:territory"

static bool errors_since(const struct fhir_outcome *oo, size_t before)
{
    for (size_t i = before; i < oo->count; i++)
        if (oo->issues[i].severity <= FHIR_ERROR) return true;
    return false;
}

static void read_id(json_t *res, const char *type, const char **out, struct fhir_outcome *oo)
{
    char expr[64];
    bool bad = false;
    snprintf(expr, sizeof expr, "%s.id", type);
    *out = fhir_get_string(res, "id", expr, oo, &bad);
    if (*out && !fhir_id_valid(*out)) {
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", expr,
                         "%s '%.70s' is not a valid id (1-64 of A-Z a-z 0-9 - .)", expr, *out);
        *out = NULL;
    }
}

/* INSEE commune code: 5 characters, digits, or 2A/2B for Corsica. */
static bool insee_code(const char *s)
{
    if (!s || strlen(s) != 5) return false;
    for (int i = 0; i < 5; i++) {
        if (isdigit((unsigned char)s[i])) continue;
        if (i == 1 && s[0] == '2' && (s[1] == 'A' || s[1] == 'B')) continue;
        return false;
    }
    return true;
}

int fhir_patient_parse(json_t *res, struct fhir_patient *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    size_t before = oo->count;
    bool bad = false;
    read_id(res, "Patient", &out->id, oo);
    json_t *idents = fhir_get_array(res, "identifier", "Patient.identifier", oo, &bad);
    size_t i;
    json_t *ident;
    json_array_foreach(idents, i, ident)
    {
        const char *value = json_string_value(json_object_get(ident, "value"));
        if (!value || out->identifier_count == sizeof out->identifiers / sizeof out->identifiers[0])
            continue;
        const char *system = json_string_value(json_object_get(ident, "system"));
        out->identifiers[out->identifier_count].system = system ? system : "";
        out->identifiers[out->identifier_count].value = value;
        out->identifier_count++;
    }
    enum instant_precision prec;
    int rc = fhir_read_datetime(res, "birthDate", "Patient.birthDate", NULL, &out->birth_date_ms,
                                &prec, oo);
    out->has_birth_date = rc == 0;
    if (rc == 0 && prec == INSTANT_SECOND)
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", "Patient.birthDate",
                         "Patient.birthDate is a date (YYYY-MM-DD), not a date-time");
    out->gender = fhir_get_string(res, "gender", "Patient.gender", oo, &bad);
    if (out->gender && strcmp(out->gender, "male") && strcmp(out->gender, "female") &&
        strcmp(out->gender, "other") && strcmp(out->gender, "unknown"))
        fhir_outcome_add(oo, FHIR_ERROR, 400, "value", "Patient.gender",
                         "Patient.gender '%.30s' is not male, female, other or unknown",
                         out->gender);
    json_t *ext;
    json_array_foreach(json_object_get(res, "extension"), i, ext)
    {
        const char *url = json_string_value(json_object_get(ext, "url"));
        const char *value = json_string_value(json_object_get(ext, "valueString"));
        if (!value) value = json_string_value(json_object_get(ext, "valueCode"));
        if (url && !strcmp(url, TERRITORY_EXTENSION) && value) out->territory = value;
    }
    json_t *addr;
    json_array_foreach(json_object_get(res, "address"), i, addr)
    {
        size_t k;
        json_array_foreach(json_object_get(addr, "extension"), k, ext)
        {
            const char *url = json_string_value(json_object_get(ext, "url"));
            const char *code = json_string_value(json_object_get(ext, "valueCode"));
            if (!code) code = json_string_value(json_object_get(ext, "valueString"));
            if (url && !strcmp(url, COMMUNE_EXTENSION) && insee_code(code)) out->commune = code;
        }
        const char *district = json_string_value(json_object_get(addr, "district"));
        if (!out->commune && insee_code(district)) out->commune = district;
    }
    return bad || errors_since(oo, before) ? -1 : 0;
}

int fhir_condition_parse(json_t *res, struct fhir_condition *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    size_t before = oo->count;
    bool bad = false;
    read_id(res, "Condition", &out->id, oo);
    if (fhir_read_patient_ref(res, "subject", "Condition.subject", &out->subject, oo) == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "Condition.subject",
                         "Condition.subject is missing");
    json_t *code = fhir_get_object(res, "code", "Condition.code", oo, &bad);
    size_t i;
    json_t *coding;
    json_array_foreach(json_object_get(code, "coding"), i, coding)
    {
        const char *system = json_string_value(json_object_get(coding, "system"));
        const char *c = json_string_value(json_object_get(coding, "code"));
        if (!c || !system || strcmp(system, MEASURE_SYSTEM_SNOMED) != 0) continue;
        if (out->code_count < sizeof out->codes / sizeof out->codes[0])
            out->codes[out->code_count++] = c;
        const char *display = json_string_value(json_object_get(coding, "display"));
        if (!out->text && display) out->text = display;
    }
    if (code && json_string_value(json_object_get(code, "text")))
        out->text = json_string_value(json_object_get(code, "text"));
    if (!code && !bad)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Condition.code",
                         "Condition.code is missing: Vigie needs a SNOMED CT code");
    else if (code && out->code_count == 0 && !out->text)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Condition.code",
                         "Condition.code has no SNOMED CT coding (%s) and no text",
                         MEASURE_SYSTEM_SNOMED);
    out->active = true;
    json_array_foreach(json_object_get(json_object_get(res, "clinicalStatus"), "coding"), i,
                       coding)
    {
        const char *c = json_string_value(json_object_get(coding, "code"));
        if (c && (!strcmp(c, "inactive") || !strcmp(c, "remission") || !strcmp(c, "resolved")))
            out->active = false;
    }
    json_array_foreach(json_object_get(json_object_get(res, "verificationStatus"), "coding"), i,
                       coding)
    {
        const char *c = json_string_value(json_object_get(coding, "code"));
        if (c && (!strcmp(c, "refuted") || !strcmp(c, "entered-in-error"))) out->active = false;
    }
    return bad || errors_since(oo, before) ? -1 : 0;
}

static const struct {
    const char *code;
    enum fhir_sender_role role;
} sender_roles[] = {
    {"patient", SENDER_PATIENT},
    {"caregiver", SENDER_CAREGIVER},
    {"home-help", SENDER_HOME_HELP},
    {"ambulance", SENDER_AMBULANCE},
    {"tele-assistance", SENDER_TELE_ASSISTANCE},
    {"senior-residence", SENDER_SENIOR_RESIDENCE},
    {"professional", SENDER_PROFESSIONAL},
};

const char *fhir_sender_role_name(enum fhir_sender_role role)
{
    for (size_t i = 0; i < sizeof sender_roles / sizeof sender_roles[0]; i++)
        if (sender_roles[i].role == role) return sender_roles[i].code;
    return "unknown";
}

int fhir_communication_parse(json_t *res, const struct fhir_limits *limits,
                             struct fhir_communication *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    size_t before = oo->count;
    bool bad = false;
    read_id(res, "Communication", &out->id, oo);
    out->status = fhir_get_string(res, "status", "Communication.status", oo, &bad);
    if (!out->status && !bad)
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "Communication.status",
                         "Communication.status is missing (completed, in-progress...)");
    if (fhir_read_patient_ref(res, "subject", "Communication.subject", &out->subject, oo) == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Communication.subject",
                         "Communication.subject is missing: Vigie needs the Patient it is about");
    enum instant_precision prec;
    if (fhir_read_datetime(res, "sent", "Communication.sent", limits, &out->sent_ms, &prec, oo) ==
        1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Communication.sent",
                         "Communication.sent is missing: when was this reported?");

    json_t *sender = json_object_get(res, "sender");
    const char *ref = json_string_value(json_object_get(sender, "reference"));
    out->sender_ref = ref ? ref : json_string_value(json_object_get(sender, "display"));
    out->sender_role = SENDER_UNKNOWN;
    size_t i, k;
    json_t *cat, *coding;
    json_array_foreach(json_object_get(res, "category"), i, cat)
    {
        json_array_foreach(json_object_get(cat, "coding"), k, coding)
        {
            const char *system = json_string_value(json_object_get(coding, "system"));
            const char *c = json_string_value(json_object_get(coding, "code"));
            if (!system || !c || strcmp(system, FHIR_SYSTEM_SENDER_ROLE) != 0) continue;
            for (size_t r = 0; r < sizeof sender_roles / sizeof sender_roles[0]; r++)
                if (!strcmp(c, sender_roles[r].code)) out->sender_role = sender_roles[r].role;
        }
    }
    if (out->sender_role == SENDER_UNKNOWN && ref) {
        if (!strncmp(ref, "Patient/", 8))
            out->sender_role = SENDER_PATIENT;
        else if (!strncmp(ref, "RelatedPerson/", 14))
            out->sender_role = SENDER_CAREGIVER;
        else if (!strncmp(ref, "Practitioner/", 13) || !strncmp(ref, "PractitionerRole/", 17))
            out->sender_role = SENDER_PROFESSIONAL;
    }

    buf text;
    buf_init(&text, 64 * 1024);
    json_t *payload = fhir_get_array(res, "payload", "Communication.payload", oo, &bad);
    json_t *p;
    json_array_foreach(payload, i, p)
    {
        const char *s = json_string_value(json_object_get(p, "contentString"));
        if (!s) continue;
        if (text.len && buf_putc(&text, '\n') < 0) break;
        if (buf_puts(&text, s) < 0) {
            fhir_outcome_add(oo, FHIR_ERROR, 413, "too-long", "Communication.payload",
                             "Communication.payload: the text is longer than 64 KiB");
            break;
        }
    }
    if (!bad && text.len == 0)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "Communication.payload",
                         "Communication.payload needs at least one contentString with the "
                         "report's words");
    out->text = buf_steal(&text);
    if (bad || errors_since(oo, before)) {
        fhir_communication_free(out);
        return -1;
    }
    return 0;
}

void fhir_communication_free(struct fhir_communication *c)
{
    free(c->text);
    c->text = NULL;
}

static const char *const priority_names[] = {"routine", "urgent", "asap", "stat"};

const char *fhir_priority_name(enum fhir_priority p)
{
    return priority_names[p];
}

int fhir_service_request_parse(json_t *res, const struct fhir_limits *limits,
                               struct fhir_service_request *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    size_t before = oo->count;
    bool bad = false;
    read_id(res, "ServiceRequest", &out->id, oo);
    out->status = fhir_get_string(res, "status", "ServiceRequest.status", oo, &bad);
    if (!out->status && !bad)
        fhir_outcome_add(oo, FHIR_ERROR, 400, "required", "ServiceRequest.status",
                         "ServiceRequest.status is missing (active, draft...)");
    if (fhir_read_patient_ref(res, "subject", "ServiceRequest.subject", &out->subject, oo) == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "ServiceRequest.subject",
                         "ServiceRequest.subject is missing: Vigie needs the Patient it is about");
    const char *priority = fhir_get_string(res, "priority", "ServiceRequest.priority", oo, &bad);
    out->priority = PRIORITY_ROUTINE;
    if (priority) {
        size_t i;
        for (i = 0; i < 4; i++)
            if (!strcmp(priority, priority_names[i])) break;
        if (i == 4)
            fhir_outcome_add(oo, FHIR_ERROR, 400, "value", "ServiceRequest.priority",
                             "ServiceRequest.priority '%.30s' is not routine, urgent, asap or "
                             "stat",
                             priority);
        else
            out->priority = (enum fhir_priority)i;
    }
    enum instant_precision prec;
    if (fhir_read_datetime(res, "authoredOn", "ServiceRequest.authoredOn", limits,
                           &out->authored_ms, &prec, oo) == 1)
        fhir_outcome_add(oo, FHIR_ERROR, 422, "required", "ServiceRequest.authoredOn",
                         "ServiceRequest.authoredOn is missing: when was this asked?");
    out->requester_ref =
        json_string_value(json_object_get(json_object_get(res, "requester"), "reference"));

    buf text;
    buf_init(&text, 64 * 1024);
    fhir_concept_text(json_object_get(res, "code"), &text);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(res, "reasonCode"), i, item) fhir_concept_text(item, &text);
    json_array_foreach(json_object_get(res, "note"), i, item)
    {
        const char *s = json_string_value(json_object_get(item, "text"));
        if (!s) continue;
        if (text.len) buf_putc(&text, '\n');
        buf_puts(&text, s);
    }
    out->text = buf_steal(&text);
    if (bad || errors_since(oo, before)) {
        fhir_service_request_free(out);
        return -1;
    }
    return 0;
}

void fhir_service_request_free(struct fhir_service_request *r)
{
    free(r->text);
    r->text = NULL;
}
