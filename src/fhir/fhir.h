/* FHIR R4 JSON <-> Vigie's model: parsing with limits, validation of the resources Vigie
 * accepts (Observation, Patient, Condition, Communication, ServiceRequest) into plain
 * structs with canonical units, and OperationOutcome for everything refused.
 *
 * Strings in parsed structs point into the jansson tree they came from: they stay valid
 * while the caller holds that json_t. */
#ifndef VIGIE_FHIR_H
#define VIGIE_FHIR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/instant.h"
#include "model/measure.h"

#define FHIR_CONTENT_TYPE "application/fhir+json"
#define FHIR_MAX_DEPTH 64        /* nesting accepted in a resource or Bundle */
#define FHIR_MAX_ISSUES 1000     /* issues kept in one OperationOutcome */
#define FHIR_MAX_ID 64           /* FHIR id: [A-Za-z0-9\-\.]{1,64} */

/* ---- OperationOutcome ------------------------------------------------------------------ */

enum fhir_severity { FHIR_FATAL, FHIR_ERROR, FHIR_WARNING, FHIR_INFORMATION };

struct fhir_issue {
    enum fhir_severity severity;
    const char *code;        /* FHIR issue-type: invalid, structure, required, value, ... */
    char expression[160];    /* FHIRPath of the offending element; "" when not applicable */
    char diagnostics[480];   /* the reason, in words */
};

struct fhir_outcome {
    struct fhir_issue *issues;
    size_t count, cap;
    size_t dropped;  /* issues beyond FHIR_MAX_ISSUES, counted but not kept */
    int http_status; /* status of the first error (400, 404, 409, 413, 422...), 0 if none */
};

void fhir_outcome_init(struct fhir_outcome *oo);
void fhir_outcome_free(struct fhir_outcome *oo);
void fhir_outcome_reset(struct fhir_outcome *oo);
/* Adds an issue; returns -1 when the severity is error or fatal (so it can end a parse
 * function), 0 otherwise. `expression` may be NULL. */
int fhir_outcome_add(struct fhir_outcome *oo, enum fhir_severity severity, int http_status,
                     const char *code, const char *expression, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
bool fhir_outcome_has_errors(const struct fhir_outcome *oo);
/* Appends issues of `from` to `into`, prefixing their expressions ("Bundle.entry[3]."). */
void fhir_outcome_merge(struct fhir_outcome *into, const struct fhir_outcome *from,
                        const char *prefix);
/* Writes an OperationOutcome resource. */
int fhir_outcome_write(const struct fhir_outcome *oo, buf *out);

/* ---- JSON ------------------------------------------------------------------------------ */

enum fhir_json_error_kind {
    FHIR_JSON_OK,
    FHIR_JSON_SYNTAX,    /* malformed JSON */
    FHIR_JSON_EOF,       /* the text ends too early */
    FHIR_JSON_UTF8,      /* invalid UTF-8 */
    FHIR_JSON_DUPLICATE, /* a key twice in one object */
    FHIR_JSON_DEPTH,     /* nested too deep */
    FHIR_JSON_TOP,       /* not an object or an array */
};

struct fhir_json_error {
    enum fhir_json_error_kind kind;
    int line, column; /* from 1, columns in characters */
    char text[160];
};

/* Parses one JSON text (jsonparse.c) into jansson values: an object or array, nothing after
 * it, accepting exactly what json_loadb(JSON_REJECT_DUPLICATES) accepts, and at most
 * max_depth objects and arrays deep. NULL on failure, with *err filled in. */
json_t *fhir_json_load(const char *text, size_t n, int max_depth, struct fhir_json_error *err);
/* fhir_json_load at FHIR_MAX_DEPTH; on failure NULL with an issue giving what, line and
 * column ("malformed JSON at line 2, column 12: ..."). */
json_t *fhir_json_parse(const char *text, size_t n, struct fhir_outcome *oo);
/* Checks that `json` is an object with "resourceType" equal to `type` (or any type when
 * `type` is NULL); returns the resourceType or NULL with an issue. */
const char *fhir_resource_type(json_t *json, const char *type, struct fhir_outcome *oo);
/* A byte range of a JSON text. */
struct fhir_span {
    size_t offset, len;
};

/* Finds the exact bytes of each Bundle.entry[i].resource in a Bundle text that parsed as
 * valid JSON; spans[i].len is 0 when the entry has no resource (or it could not be located,
 * e.g. keys written with escapes). Returns the number of entries seen, or -1. */
int fhir_bundle_resource_spans(const char *text, size_t n, struct fhir_span *spans, size_t max);

/* How a stored resource text relates to the id it is kept under (texts are stored exactly
 * as received; the server's id is put in when the resource is read). */
enum fhir_id_form {
    ID_IN_TEXT = 0,    /* the text carries the right "id" */
    ID_INSERT = 1,     /* the text has no "id": insert it */
    ID_REPLACE = 2,    /* the text has another "id" (ignored on create): replace it */
};

/* Appends `text` with its id set to `id`, according to `form`. */
int fhir_resource_with_id(const char *text, size_t n, enum fhir_id_form form, const char *id,
                          buf *out);

/* True when s is a valid FHIR id. */
bool fhir_id_valid(const char *s);

/* ---- References to patients ------------------------------------------------------------ */

/* Reference to a Patient: by logical id ("Patient/p-001") or by identifier. */
struct fhir_patient_ref {
    const char *id;                /* logical id, or NULL */
    const char *ident_system;      /* identifier reference, or NULL */
    const char *ident_value;
};

/* ---- Observation ----------------------------------------------------------------------- */

enum fhir_obs_status {
    OBS_REGISTERED,
    OBS_PRELIMINARY,
    OBS_FINAL,
    OBS_AMENDED,
    OBS_CORRECTED,
    OBS_CANCELLED,
    OBS_ENTERED_IN_ERROR,
    OBS_UNKNOWN,
};

struct fhir_observation {
    const char *id;               /* resource id as sent (may be NULL) */
    enum fhir_obs_status status;
    struct fhir_patient_ref subject;
    const char *ident_system;     /* first identifier (NULL when none) */
    const char *ident_value;
    enum measure_kind kind;       /* MEASURE_NONE: a code Vigie does not use */
    const char *code_system;      /* the coding that matched, or the first one */
    const char *code;
    bool has_effective;
    int64_t effective_ms;
    enum instant_precision precision;
    bool has_value, has_value2;
    double value, value2;         /* canonical units (see measure.h) */
    bool triage;                  /* false: stored but never triaged */
    const char *note;             /* why it is not triaged, for the response; NULL if it is */
};

/* Limits and clock used by validation. */
struct fhir_limits {
    int64_t now_ms;               /* wall clock at reception */
    int64_t future_tolerance_ms;  /* clinical times later than now + this are refused */
};

/* Validates an Observation (already known to have resourceType "Observation"). Issues'
 * expressions start with "Observation." Returns 0, or -1 with errors added to oo. */
int fhir_observation_parse(json_t *res, const struct fhir_limits *limits,
                           struct fhir_observation *out, struct fhir_outcome *oo);
const char *fhir_obs_status_name(enum fhir_obs_status status);

/* ---- Patient, Condition ---------------------------------------------------------------- */

struct fhir_identifier {
    const char *system, *value;
};

struct fhir_patient {
    const char *id;
    struct fhir_identifier identifiers[8];
    size_t identifier_count;
    bool has_birth_date;
    int64_t birth_date_ms;
    const char *gender;           /* male | female | other | unknown | NULL */
    const char *commune;          /* INSEE code (address extension urn:vigie:commune, or
                                     address.district when it is one), or NULL */
    const char *territory;        /* extension urn:vigie:territory (enrolment), or NULL */
};

int fhir_patient_parse(json_t *res, struct fhir_patient *out, struct fhir_outcome *oo);

struct fhir_condition {
    const char *id;
    struct fhir_patient_ref subject;
    const char *codes[8];         /* SNOMED CT codes of code.coding */
    size_t code_count;
    const char *text;             /* code.text or the first display */
    bool active;                  /* clinicalStatus active/recurrence/relapse, not refuted */
};

int fhir_condition_parse(json_t *res, struct fhir_condition *out, struct fhir_outcome *oo);

/* ---- Communication (reports), ServiceRequest (tele-expertise requests) --------------- */

enum fhir_sender_role {
    SENDER_UNKNOWN,
    SENDER_PATIENT,
    SENDER_CAREGIVER,
    SENDER_HOME_HELP,
    SENDER_AMBULANCE,
    SENDER_TELE_ASSISTANCE,
    SENDER_SENIOR_RESIDENCE,
    SENDER_PROFESSIONAL,
};

#define FHIR_SYSTEM_SENDER_ROLE "urn:vigie:sender-role"

struct fhir_communication {
    const char *id;
    const char *status;
    struct fhir_patient_ref subject;
    enum fhir_sender_role sender_role;
    const char *sender_ref;       /* sender.reference or display, may be NULL */
    int64_t sent_ms;
    char *text;                   /* payload[].contentString joined by newlines; malloc'd */
};

int fhir_communication_parse(json_t *res, const struct fhir_limits *limits,
                             struct fhir_communication *out, struct fhir_outcome *oo);
void fhir_communication_free(struct fhir_communication *c);
const char *fhir_sender_role_name(enum fhir_sender_role role);

enum fhir_priority { PRIORITY_ROUTINE, PRIORITY_URGENT, PRIORITY_ASAP, PRIORITY_STAT };

struct fhir_service_request {
    const char *id;
    const char *status;
    struct fhir_patient_ref subject;
    enum fhir_priority priority;
    const char *requester_ref;
    int64_t authored_ms;
    char *text;                   /* code.text, reasonCode texts, note texts; malloc'd */
};

int fhir_service_request_parse(json_t *res, const struct fhir_limits *limits,
                               struct fhir_service_request *out, struct fhir_outcome *oo);
void fhir_service_request_free(struct fhir_service_request *r);
const char *fhir_priority_name(enum fhir_priority p);

/* ---- CapabilityStatement --------------------------------------------------------------- */

/* Writes the server's CapabilityStatement; `date` is an RFC 3339 date-time. */
int fhir_capability_write(buf *out, const char *software_version, const char *date);

/* ---- Shared element readers (also used by other resources) ----------------------------- */

/* Member as a string. Absent: NULL without an issue. Present but not a string: NULL, an
 * issue at `expression`, and *bad set. */
const char *fhir_get_string(json_t *obj, const char *member, const char *expression,
                            struct fhir_outcome *oo, bool *bad);
/* Member as an array, as an object: same conventions. */
json_t *fhir_get_array(json_t *obj, const char *member, const char *expression,
                       struct fhir_outcome *oo, bool *bad);
json_t *fhir_get_object(json_t *obj, const char *member, const char *expression,
                        struct fhir_outcome *oo, bool *bad);

/* Reads `member` of `obj` as a FHIR dateTime. Missing: returns 1 (nothing added). Invalid
 * or beyond now + tolerance: -1 with an issue at `expression`. */
int fhir_read_datetime(json_t *obj, const char *member, const char *expression,
                       const struct fhir_limits *limits, int64_t *ms, enum instant_precision *prec,
                       struct fhir_outcome *oo);
/* Reads a Reference to a Patient at `expression`. Missing: 1; malformed: -1. */
int fhir_read_patient_ref(json_t *obj, const char *member, const char *expression,
                          struct fhir_patient_ref *out, struct fhir_outcome *oo);

#endif
