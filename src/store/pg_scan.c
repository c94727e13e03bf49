/* Whole-database scans of the PostgreSQL store: replay in sequence order, export, trace and
 * integrity check. Each reads through a cursor in one snapshot (pg_scan). */
#include "store/pg_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_input_row(PGresult *r, int i, int (*fn)(void *arg, const struct store_replay_item *item),
                 void *arg)
{
    struct store_replay_item item;
    struct store_observation o;
    struct store_resource res;
    memset(&item, 0, sizeof item);
    item.seq = pg_i64(r, i, 0);
    if (PQgetisnull(r, i, 1)) {
        memset(&o, 0, sizeof o);
        o.seq = item.seq;
        o.id = PQgetvalue(r, i, 2);
        o.version = (int)pg_i64(r, i, 3);
        o.patient_key = pg_i64(r, i, 4);
        o.kind = (int)pg_i64(r, i, 5);
        o.code_system = pg_str(r, i, 6);
        o.code = pg_str(r, i, 7);
        o.effective_ms = pg_time(r, i, 8);
        o.precision = (int)pg_i64(r, i, 9);
        o.value = pg_double(r, i, 10);
        o.value2 = pg_double(r, i, 11);
        o.status = (int)pg_i64(r, i, 12);
        o.triage = pg_i64(r, i, 13) != 0;
        o.received_ms = pg_i64(r, i, 14);
        o.log_id = pg_i64(r, i, 15);
        o.log_entry = pg_i64(r, i, 16);
        o.resource = pg_str(r, i, 17);
        o.resource_len = o.resource ? (size_t)PQgetlength(r, i, 17) : 0;
        o.id_form = (int)pg_i64(r, i, 18);
        o.replaces = pg_i64(r, i, 19);
        item.is_observation = true;
        item.observation = &o;
    } else {
        memset(&res, 0, sizeof res);
        res.seq = item.seq;
        res.type = PQgetvalue(r, i, 1);
        res.id = PQgetvalue(r, i, 2);
        res.version = (int)pg_i64(r, i, 3);
        res.patient_key = pg_i64(r, i, 4);
        res.time_ms = pg_time(r, i, 8);
        res.status = pg_str(r, i, 12);
        res.received_ms = pg_i64(r, i, 14);
        res.log_id = pg_i64(r, i, 15);
        res.log_entry = pg_i64(r, i, 16);
        res.resource = PQgetvalue(r, i, 17);
        res.resource_len = (size_t)PQgetlength(r, i, 17);
        item.resource = &res;
    }
    return fn(arg, &item);
}

struct replay_scan {
    int (*fn)(void *arg, const struct store_replay_item *item);
    void *arg;
    int64_t last_seq;
    bool stopped;
};

static int replay_row(void *arg, PGresult *r, int i)
{
    struct replay_scan *rs = arg;
    rs->last_seq = pg_i64(r, i, 0);
    if (pg_input_row(r, i, rs->fn, rs->arg) != 0) {
        rs->stopped = true;
        return 1;
    }
    return 0;
}

int store_pg_replay(store *st, int (*fn)(void *arg, const struct store_replay_item *item),
                    void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    char sql[1400];
    snprintf(sql, sizeof sql, PG_INPUT_COLUMNS("resource"), "", "");
    struct replay_scan rs = {fn, arg, 0, false};
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* what is replayed counts as known to this connection (store_turn): the snapshot's last
     * input, whether or not the scan reaches it */
    PGresult *m = pg_query(s,
                           "SELECT coalesce(greatest((SELECT max(seq) FROM observation), "
                           "(SELECT max(seq) FROM resource)), 0)",
                           NULL, e);
    int n = m ? pg_scan(s, sql, NULL, replay_row, &rs, e) : -1;
    if (n >= 0 && !rs.stopped) s->marks.input = pg_i64(m, 0, 0);
    PQclear(m);
    pg_read_end(s, opened);
    if (n < 0) return -1;
    if (rs.stopped) return verr_fail(e, "replay stopped at seq %lld", (long long)rs.last_seq);
    return 0;
}

struct export_scan {
    int (*fn)(void *arg, const char *type, const char *id, int id_form, const char *json,
              size_t len);
    void *arg;
};

static int export_row(void *arg, PGresult *r, int i)
{
    struct export_scan *x = arg;
    return x->fn(x->arg, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), (int)pg_i64(r, i, 2),
                 PQgetvalue(r, i, 3), (size_t)PQgetlength(r, i, 3));
}

int store_pg_export(store *st,
                    int (*fn)(void *arg, const char *type, const char *id, int id_form,
                              const char *json, size_t len),
                    void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct export_scan x = {fn, arg};
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* Patients first (creation order), then the other resources in sequence order: the
     * order SQLite's export has, so that two exports compare equal line by line. */
    int n = pg_scan(s, "SELECT 'Patient', id, 0, resource FROM patient ORDER BY key", NULL,
                    export_row, &x, e);
    if (n >= 0)
        n = pg_scan(s,
                    "SELECT 'Observation', id, id_form, resource, seq FROM observation WHERE "
                    "current = 1 UNION ALL SELECT type, id, 0, resource, seq FROM resource WHERE "
                    "current = 1 ORDER BY 5",
                    NULL, export_row, &x, e);
    pg_read_end(s, opened);
    return n < 0 ? verr_prefix(e, "export") : 0;
}

struct trace_scan {
    int (*fn)(void *arg, const struct store_trace_row *row);
    void *arg;
};

static int trace_row(void *arg, PGresult *r, int i)
{
    struct trace_scan *t = arg;
    struct store_trace_row row = {
        .type = PQgetvalue(r, i, 0),
        .id = PQgetvalue(r, i, 1),
        .log_id = pg_i64(r, i, 2),
        .log_entry = pg_i64(r, i, 3),
        .kind = (int)pg_i64(r, i, 4),
        .value = pg_double(r, i, 5),
        .value2 = pg_double(r, i, 6),
        .status = (int)pg_i64(r, i, 7),
    };
    return t->fn(t->arg, &row);
}

int store_pg_trace_each(store *s, int (*fn)(void *arg, const struct store_trace_row *row),
                        void *arg, verr *e)
{
    struct trace_scan t = {fn, arg};
    int n = pg_scan(pg_of(s),
                    "SELECT 'Patient', id, log_id, log_entry, 0, NULL::float8, NULL::float8, 0 "
                    "FROM patient UNION ALL SELECT 'Observation', id, log_id, log_entry, kind, "
                    "value, value2, status FROM observation UNION ALL SELECT type, id, log_id, "
                    "log_entry, 0, NULL, NULL, 0 FROM resource ORDER BY 3, 4",
                    NULL, trace_row, &t, e);
    return n < 0 ? verr_prefix(e, "trace") : 0;
}

struct check_scan {
    store *s;
    struct store_check_report *report;
    void (*problem)(void *arg, const char *message);
    void *arg;
    buf raw;
    const char *label;
};

static void report_problem(struct check_scan *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_problem(struct check_scan *c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->report->problems++;
    if (c->problem) c->problem(c->arg, msg);
}

static int check_log_row(void *arg, PGresult *r, int i)
{
    struct check_scan *c = arg;
    struct store_log_entry entry;
    verr le;
    c->report->log_entries++;
    if (store_pg_log_read(c->s, pg_i64(r, i, 0), &entry, &c->raw, &le) != 0)
        report_problem(c, "%s", le.msg);
    return 0;
}

static int check_trace_row(void *arg, PGresult *r, int i)
{
    struct check_scan *c = arg;
    report_problem(c, "%s/%s (row %lld) %s log entry %lld #%lld", c->label, PQgetvalue(r, i, 1),
                   (long long)pg_i64(r, i, 0),
                   pg_i64(r, i, 4) ? "points at a missing" : "is outside",
                   (long long)pg_i64(r, i, 2), (long long)pg_i64(r, i, 3));
    return 0;
}

int store_pg_check(store *st, struct store_check_report *report,
                   void (*problem)(void *arg, const char *message), void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    memset(report, 0, sizeof *report);
    struct check_scan c = {st, report, problem, arg, {0}, NULL};
    /* PostgreSQL checks its pages itself (data checksums when the cluster has them); what
     * Vigie checks is its own promise: every log entry reads back to the bytes its digest
     * was taken of, and every normalised row traces back to a log entry. */
    buf_init(&c.raw, (size_t)1 << 34);
    int n = pg_scan(s, "SELECT id FROM ingest_log ORDER BY id", NULL, check_log_row, &c, e);
    buf_free(&c.raw);
    if (n < 0) return verr_prefix(e, "ingest log");
    static const struct {
        const char *sql, *label;
    } tables[] = {
        {"SELECT o.seq, o.id, o.log_id, o.log_entry, (l.id IS NULL)::int FROM observation o "
         "LEFT JOIN ingest_log l ON l.id = o.log_id WHERE l.id IS NULL OR o.log_entry < 0 OR "
         "o.log_entry >= l.entries",
         "Observation"},
        {"SELECT o.seq, o.id, o.log_id, o.log_entry, (l.id IS NULL)::int FROM resource o LEFT "
         "JOIN ingest_log l ON l.id = o.log_id WHERE l.id IS NULL OR o.log_entry < 0 OR "
         "o.log_entry >= l.entries",
         "resource"},
        {"SELECT o.key, o.id, o.log_id, o.log_entry, (l.id IS NULL)::int FROM patient o LEFT "
         "JOIN ingest_log l ON l.id = o.log_id WHERE l.id IS NULL OR o.log_entry < 0 OR "
         "o.log_entry >= l.entries",
         "Patient"},
    };
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        c.label = tables[t].label;
        if (pg_scan(s, tables[t].sql, NULL, check_trace_row, &c, e) < 0)
            return verr_prefix(e, "%s", tables[t].label);
    }
    PGresult *r = pg_query(s,
                           "SELECT (SELECT count(*) FROM observation), (SELECT count(*) FROM "
                           "resource)",
                           NULL, e);
    if (!r) return -1;
    report->observations = pg_i64(r, 0, 0);
    report->resources = pg_i64(r, 0, 1);
    PQclear(r);
    return 0;
}
