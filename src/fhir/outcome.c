/* OperationOutcome: the issues found in a request, and their JSON form. */
#include "fhir/fhir.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fhir_outcome_init(struct fhir_outcome *oo)
{
    memset(oo, 0, sizeof *oo);
}

void fhir_outcome_free(struct fhir_outcome *oo)
{
    free(oo->issues);
    memset(oo, 0, sizeof *oo);
}

void fhir_outcome_reset(struct fhir_outcome *oo)
{
    oo->count = 0;
    oo->dropped = 0;
    oo->http_status = 0;
}

static struct fhir_issue *outcome_push(struct fhir_outcome *oo)
{
    if (oo->count >= FHIR_MAX_ISSUES) {
        oo->dropped++;
        return NULL;
    }
    if (oo->count == oo->cap) {
        oo->cap = oo->cap ? oo->cap * 2 : 4;
        oo->issues = xrealloc(oo->issues, oo->cap * sizeof *oo->issues);
    }
    return &oo->issues[oo->count++];
}

int fhir_outcome_add(struct fhir_outcome *oo, enum fhir_severity severity, int http_status,
                     const char *code, const char *expression, const char *fmt, ...)
{
    bool error = severity == FHIR_ERROR || severity == FHIR_FATAL;
    if (error && !oo->http_status) oo->http_status = http_status;
    struct fhir_issue *is = outcome_push(oo);
    if (is) {
        is->severity = severity;
        is->code = code;
        snprintf(is->expression, sizeof is->expression, "%s", expression ? expression : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(is->diagnostics, sizeof is->diagnostics, fmt, ap);
        va_end(ap);
    }
    return error ? -1 : 0;
}

bool fhir_outcome_has_errors(const struct fhir_outcome *oo)
{
    for (size_t i = 0; i < oo->count; i++)
        if (oo->issues[i].severity <= FHIR_ERROR) return true;
    return oo->http_status >= 400;
}

void fhir_outcome_merge(struct fhir_outcome *into, const struct fhir_outcome *from,
                        const char *prefix)
{
    if (from->http_status && !into->http_status) into->http_status = from->http_status;
    for (size_t i = 0; i < from->count; i++) {
        const struct fhir_issue *src = &from->issues[i];
        struct fhir_issue *dst = outcome_push(into);
        if (!dst) continue;
        *dst = *src;
        if (prefix && src->expression[0]) {
            /* "Observation.subject" inside entry 3 becomes
             * "Bundle.entry[3].resource.subject": the resource type is replaced by the
             * path to the resource. */
            const char *rest = strchr(src->expression, '.');
            snprintf(dst->expression, sizeof dst->expression, "%s%s", prefix, rest ? rest : "");
        }
    }
    into->dropped += from->dropped;
}

static const char *severity_name(enum fhir_severity s)
{
    switch (s) {
    case FHIR_FATAL: return "fatal";
    case FHIR_ERROR: return "error";
    case FHIR_WARNING: return "warning";
    default: return "information";
    }
}

int fhir_outcome_write(const struct fhir_outcome *oo, buf *out)
{
    int rc = buf_puts(out, "{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    for (size_t i = 0; i < oo->count; i++) {
        const struct fhir_issue *is = &oo->issues[i];
        rc |= buf_printf(out, "%s{\"severity\":\"%s\",\"code\":\"%s\",\"diagnostics\":", i ? "," : "",
                         severity_name(is->severity), is->code);
        rc |= buf_append_json_string(out, is->diagnostics, strlen(is->diagnostics));
        if (is->expression[0]) {
            rc |= buf_puts(out, ",\"expression\":[");
            rc |= buf_append_json_string(out, is->expression, strlen(is->expression));
            rc |= buf_putc(out, ']');
        }
        rc |= buf_putc(out, '}');
    }
    if (oo->dropped)
        rc |= buf_printf(out,
                         "%s{\"severity\":\"warning\",\"code\":\"too-costly\",\"diagnostics\":\"%zu "
                         "more issues not listed\"}",
                         oo->count ? "," : "", oo->dropped);
    if (oo->count == 0 && !oo->dropped)
        rc |= buf_puts(out, "{\"severity\":\"information\",\"code\":\"informational\","
                            "\"diagnostics\":\"All OK\"}");
    rc |= buf_puts(out, "]}");
    return rc ? -1 : 0;
}
