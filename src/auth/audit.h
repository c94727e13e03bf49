/* The audit trail: every decision on access to patient data (who, role, what, when, from
 * which address, allowed or denied), and the logins and routes refused to a role.
 *
 * audit_may_patient and audit_may_enrol apply auth.h's rules and record the outcome: they
 * are the one call every patient-level check goes through (http_may_patient for reads,
 * the ingest writer for FHIR writes, the registry for enrolments), so no handler records
 * anything itself.
 *
 * Recording costs a mutex and a copy: a record joins an in-memory queue, merged with an
 * identical pending one (same user, address, request, action, patient and outcome: a
 * Bundle of 500 readings of one patient is one row with count 500). The writer thread
 * writes the queue into the `audit` table inside its next transaction (writer hook
 * before_commit), so a write and its audit rows commit together. When no write is under
 * way, the first queued record sends the writer an empty job, so that reads reach the disk
 * within one group commit. The queue is bounded: a reader that finds it full waits for the
 * writer, and after AUDIT_WAIT_MS is refused (no access goes unrecorded). */
#ifndef VIGIE_AUTH_AUDIT_H
#define VIGIE_AUTH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "store/store.h"
#include "store/writer.h"

#define AUDIT_WAIT_MS 5000
#define AUDIT_DEFAULT_MAX_PENDING 20000

typedef struct audit_log audit_log;

/* Who asks, from where, through what request. */
struct audit_actor {
    const struct auth_principal *who; /* NULL: no account (a local command, a failed login) */
    const char *name;      /* recorded as the username when who is NULL */
    const char *role;      /* recorded as the role when who is NULL ("local" when NULL) */
    const char *address;   /* client address; NULL: the principal's */
    const char *what;      /* the request: "GET /fhir/Patient/p-1", "POST /fhir (Bundle)" */
    bool in_writer;        /* called by the writer thread: never waits for room */
};

/* A log whose queue holds at most max_pending rows waiting for the writer. */
audit_log *audit_log_new(size_t max_pending);
void audit_log_free(audit_log *log);
/* Sets the before_commit and settled hooks of the writer that will flush the queue. */
void audit_writer_hooks(audit_log *log, struct writer_hooks *hooks);
/* The started writer to nudge when records wait and no transaction is under way; NULL when
 * it stops (records then wait for audit_log_flush). */
void audit_log_attach(audit_log *log, writer *w);
/* Hands what is queued to the writer now: for records made by the writer thread outside a
 * transaction (after a commit), which no transaction under way will write. Any thread. */
void audit_log_nudge(audit_log *log);
/* Writes what is still queued in a transaction of its own (after the writer stopped, or
 * from a command without a writer). */
int audit_log_flush(audit_log *log, store *s, verr *e);

/* auth_may_patient, recorded. Returns false also when the decision could not be recorded. */
bool audit_may_patient(audit_log *log, const struct audit_actor *actor, enum auth_access access,
                       const char *patient_id, const char *territory);
/* auth_may_enrol, recorded (action "manage"). */
bool audit_may_enrol(audit_log *log, const struct audit_actor *actor, const char *patient_id,
                     const char *current, const char *target);
/* Records an event that is not a patient-level decision: action "login" or "route". */
bool audit_note(audit_log *log, const struct audit_actor *actor, const char *action,
                const char *patient_id, bool allowed);

/* ---- Formats ---------------------------------------------------------------------------- */

/* One row as Vigie's JSON: {"id","at","username","role","address","action","what",
 * "patient","allowed","count"}. */
void audit_row_json(const struct store_audit_row *row, buf *out);
/* One row as a FHIR R4 AuditEvent (type rest or login, action from the request's method,
 * outcome 0 or 4 for a refusal, agent with role and network address, entity the patient). */
void audit_row_fhir(const struct store_audit_row *row, buf *out);

#endif
