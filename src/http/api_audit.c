/* GET /api/audit: the audit trail, newest first, as Vigie JSON or (?_format=fhir) a FHIR
 * searchset Bundle of AuditEvents. Admins read all of it; coordinators and professionals
 * read the trail of one patient they may read (?patient=, required for them), which is
 * itself an audited read. */
#include "http/http_int.h"
#include "core/instant.h"
#include "fhir/fhir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

struct audit_page {
    buf *b;
    bool fhir;
    int count, want;
    bool more;
    int64_t last_id;
};

static int audit_item(void *arg, const struct store_audit_row *row)
{
    struct audit_page *p = arg;
    if (p->count == p->want) {
        p->more = true; /* the row past the page: a next page exists */
        return 1;
    }
    if (p->count++) buf_putc(p->b, ',');
    if (p->fhir) {
        buf_printf(p->b, "{\"fullUrl\":\"AuditEvent/audit-%lld\",\"resource\":", (long long)row->id);
        audit_row_fhir(row, p->b);
        buf_puts(p->b, ",\"search\":{\"mode\":\"match\"}}");
    } else {
        audit_row_json(row, p->b);
    }
    p->last_id = row->id;
    return 0;
}

static bool parse_time(struct http_request *r, const char *name, int64_t *out)
{
    const char *text = http_query(r, name);
    *out = STORE_NO_TIME;
    if (!text || !*text) return true;
    enum instant_precision precision;
    verr e;
    if (instant_parse(text, strlen(text), out, &precision, &e) == 0) return true;
    http_respond_error(r, 400, name, "%s: %s", name, e.msg);
    return false;
}

/* The query as given, without `before`, for the next link. */
static void next_link(struct http_request *r, int64_t before, buf *out)
{
    const char *names[] = {"patient", "user", "allowed", "from", "to", "limit", "_format"};
    buf_puts(out, "/api/audit?");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = http_query(r, names[i]);
        if (!v) continue;
        buf_printf(out, "%s=", names[i]);
        for (const char *c = v; *c; c++) {
            unsigned char ch = (unsigned char)*c;
            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                strchr("-._~:", ch))
                buf_putc(out, (char)ch);
            else
                buf_printf(out, "%%%02X", ch);
        }
        buf_putc(out, '&');
    }
    buf_printf(out, "before=%lld", (long long)before);
}

/* Coordinators and professionals: one patient they may read, else 404 as for any patient
 * out of reach. */
static bool may_read_trail(struct http_request *r, const char *patient)
{
    const struct auth_principal *who = http_principal(r);
    if (who->role == ROLE_ADMIN) return true;
    if (!patient) {
        http_respond_error(r, 400, "patient",
                           "the %s role reads the audit trail of one patient: ?patient=ID",
                           auth_role_name(who->role));
        return false;
    }
    store *s = http_reader(r);
    int64_t key;
    verr e;
    int rc = s ? store_patient_key(s, patient, &key, &e) : -1;
    if (rc == 0 && http_may_patient(r, key, ACCESS_READ)) return true;
    if (rc < 0)
        http_respond_error(r, 503, NULL, "the database is unavailable");
    else
        http_respond_error(r, 404, "patient", "Patient/%.64s is not known", patient);
    return false;
}

void http_api_audit(struct http_request *r)
{
    struct store_audit_query q = {.allowed = -1, .limit = AUDIT_PAGE_DEFAULT};
    q.patient = http_query(r, "patient");
    q.username = http_query(r, "user");
    if (q.patient && !strncmp(q.patient, "Patient/", 8)) q.patient += 8;
    if (q.patient && !*q.patient) q.patient = NULL;
    if (q.username && !*q.username) q.username = NULL;
    const char *allowed = http_query(r, "allowed");
    if (allowed) {
        if (strcmp(allowed, "true") && strcmp(allowed, "false")) {
            http_respond_error(r, 400, "allowed", "allowed must be true or false");
            return;
        }
        q.allowed = !strcmp(allowed, "true");
    }
    if (!parse_time(r, "from", &q.from_ms) || !parse_time(r, "to", &q.to_ms)) return;
    const char *limit = http_query(r, "limit"), *before = http_query(r, "before");
    char *end;
    if (limit) {
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > AUDIT_PAGE_MAX) {
            http_respond_error(r, 400, "limit", "limit must be 1 to %d", AUDIT_PAGE_MAX);
            return;
        }
        q.limit = (int)n;
    }
    if (before) {
        long long n = strtoll(before, &end, 10);
        if (*end || n < 1) {
            http_respond_error(r, 400, "before", "before must be an audit entry id");
            return;
        }
        q.before_id = n;
    }
    const char *format = http_query(r, "_format");
    bool fhir = format && (!strcmp(format, "fhir") || strstr(format, "fhir+json"));
    if (!may_read_trail(r, q.patient)) return;
    store *s = http_reader(r);
    if (!s) {
        http_respond_error(r, 503, NULL, "the database is unavailable");
        return;
    }
    buf b;
    buf_init(&b, (size_t)64 << 20);
    buf_puts(&b, fhir ? "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
                      : "{\"entries\":[");
    struct audit_page page = {.b = &b, .fhir = fhir, .want = q.limit};
    q.limit++; /* one row more tells whether a next page exists */
    verr e;
    if (store_audit_search(s, &q, audit_item, &page, &e) < 0) {
        buf_free(&b);
        http_respond_error(r, 500, NULL, "%s", e.msg);
        return;
    }
    buf link;
    buf_init(&link, 8192);
    if (page.more) next_link(r, page.last_id, &link);
    if (fhir) {
        buf_puts(&b, "],\"link\":[");
        if (page.more) {
            buf_puts(&b, "{\"relation\":\"next\",\"url\":");
            buf_append_json_string(&b, buf_cstr(&link), link.len);
            buf_putc(&b, '}');
        }
        buf_puts(&b, "]}");
    } else {
        buf_puts(&b, "],\"next\":");
        if (page.more)
            buf_append_json_string(&b, buf_cstr(&link), link.len);
        else
            buf_puts(&b, "null");
        buf_putc(&b, '}');
    }
    buf_free(&link);
    http_respond(r, 200, fhir ? FHIR_CONTENT_TYPE : "application/json", &b);
}
