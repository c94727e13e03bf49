/* PostgreSQL store: triage events, cases and their history, threshold overrides, change
 * feed, evaluation figures. */
#include "store/pg_int.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_pg_event_add(store *st, struct store_event *ev, verr *e)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pgp_int(&p, ev->patient_key);
    pgp_int(&p, ev->case_id);
    pgp_text(&p, ev->rule);
    pgp_int(&p, ev->category);
    pgp_text(&p, ev->nature);
    pgp_text(&p, ev->reason);
    pgp_int(&p, ev->at_ms);
    pgp_int(&p, ev->created_ms);
    pgp_int(&p, ev->notify);
    pgp_int(&p, ev->late);
    pgp_text(&p, ev->json);
    PGresult *r = pg_query(s,
                           "INSERT INTO event(patient_key, case_id, rule, category, nature, "
                           "reason, at, created_at, notify, late, json) VALUES ($1,$2,$3,$4,$5,"
                           "$6,$7,$8,$9,$10,$11) RETURNING seq",
                           &p, e);
    if (!r) return verr_prefix(e, "event");
    ev->seq = pg_i64(r, 0, 0);
    PQclear(r);
    for (size_t i = 0; i < ev->source_count; i++) {
        struct pg_params q = {0};
        pgp_int(&q, ev->sources[i]);
        pgp_int(&q, ev->seq);
        if (pg_command(s,
                       "INSERT INTO event_source(source_seq, event_seq) VALUES ($1,$2) ON "
                       "CONFLICT DO NOTHING",
                       &q, e) < 0)
            return verr_prefix(e, "event source");
    }
    return 0;
}

int store_pg_events_withdraw_source(store *st, int64_t source_seq,
                                    void (*fn)(void *arg, int64_t case_id), void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, source_seq);
    PGresult *r = pg_query(pg_of(st),
                           "UPDATE event SET withdrawn = 1 WHERE seq IN (SELECT event_seq FROM "
                           "event_source WHERE source_seq = $1) AND withdrawn = 0 RETURNING "
                           "case_id",
                           &p, e);
    if (!r) return verr_prefix(e, "withdraw events");
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int k = 0; k < i; k++) seen |= pg_i64(r, k, 0) == pg_i64(r, i, 0);
        if (!seen) fn(arg, pg_i64(r, i, 0));
    }
    PQclear(r);
    return 0;
}

int store_pg_case_standing_category(store *st, int64_t case_id, int *category, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, case_id);
    PGresult *r = pg_query(
        pg_of(st), "SELECT min(category) FROM event WHERE case_id = $1 AND withdrawn = 0", &p, e);
    if (!r) return verr_prefix(e, "case category");
    int rc = PQgetisnull(r, 0, 0) ? 1 : 0;
    if (rc == 0) *category = (int)pg_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

int store_pg_events_since(store *st, int64_t since_ms,
                          int (*fn)(void *arg, int64_t patient_key, const char *rule, int category,
                                    int64_t at_ms),
                          void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* what is read here counts as known to this connection (store_turn) */
    struct pg_params p = {0};
    pgp_int(&p, since_ms);
    PGresult *m = pg_query(s, "SELECT coalesce(max(seq), 0) FROM event", NULL, e);
    PGresult *r = m ? pg_query(s,
                               "SELECT patient_key, rule, category, at FROM event WHERE notify = "
                               "1 AND withdrawn = 0 AND at >= $1 ORDER BY seq",
                               &p, e)
                    : NULL;
    if (r) {
        s->marks.event = pg_i64(m, 0, 0);
        for (int i = 0; i < PQntuples(r); i++)
            if (fn(arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1), (int)pg_i64(r, i, 2),
                   pg_i64(r, i, 3)) != 0)
                break;
    }
    PQclear(m);
    PQclear(r);
    pg_read_end(s, opened);
    return r ? 0 : verr_prefix(e, "events");
}

int store_pg_source_ref(store *st, int64_t seq, char out[128], verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, seq);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT 'Observation', id FROM observation WHERE seq = $1 UNION ALL "
                           "SELECT type, id FROM resource WHERE seq = $1",
                           &p, e);
    if (!r) return verr_prefix(e, "source");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) snprintf(out, 128, "%s/%s", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    PQclear(r);
    return rc;
}

/* ---- Cases ------------------------------------------------------------------------------ */

#define CASE_COLUMNS                                                                               \
    "c.id, c.patient_key, p.id, c.territory, c.state, c.category, c.nature, c.title, "             \
    "c.opened_at, c.deadline, c.updated_at, c.escalated, c.claimed_by, c.claimed_at, "             \
    "c.closed_at, c.outcome"

void pg_read_case(const PGresult *r, int i, struct store_case *c)
{
    memset(c, 0, sizeof *c);
    c->id = pg_i64(r, i, 0);
    c->patient_key = pg_i64(r, i, 1);
    pg_copy(r, i, 2, c->patient_id, sizeof c->patient_id);
    pg_copy(r, i, 3, c->territory, sizeof c->territory);
    pg_copy(r, i, 4, c->state, sizeof c->state);
    c->category = (int)pg_i64(r, i, 5);
    pg_copy(r, i, 6, c->nature, sizeof c->nature);
    pg_copy(r, i, 7, c->title, sizeof c->title);
    c->opened_ms = pg_i64(r, i, 8);
    c->deadline_ms = pg_i64(r, i, 9);
    c->updated_ms = pg_i64(r, i, 10);
    c->escalated = pg_i64(r, i, 11) != 0;
    pg_copy(r, i, 12, c->claimed_by, sizeof c->claimed_by);
    c->claimed_ms = pg_time(r, i, 13);
    c->closed_ms = pg_time(r, i, 14);
    pg_copy(r, i, 15, c->outcome, sizeof c->outcome);
}

static int one_case(struct pg_store *s, const char *sql, int64_t key, struct store_case *out,
                    verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, key);
    PGresult *r = pg_query(s, sql, &p, e);
    if (!r) return verr_prefix(e, "case");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) pg_read_case(r, 0, out);
    PQclear(r);
    return rc;
}

int store_pg_case_of_patient(store *st, int64_t patient_key, struct store_case *out, verr *e)
{
    return one_case(pg_of(st),
                    "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                    "c.patient_key WHERE c.patient_key = $1 AND c.state != 'closed'",
                    patient_key, out, e);
}

int store_pg_case_get(store *st, int64_t id, struct store_case *out, verr *e)
{
    struct pg_store *s = pg_of(st);
    /* In a transaction the case is read to be changed (claim, close...): its row stays
     * locked until the commit, so a second claimer, on any node, waits and then reads it
     * claimed (409). */
    if (s->in_txn)
        return one_case(s,
                        "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                        "c.patient_key WHERE c.id = $1 FOR UPDATE OF c",
                        id, out, e);
    return one_case(s,
                    "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                    "c.patient_key WHERE c.id = $1",
                    id, out, e);
}

static void params_of_case(struct pg_params *p, const struct store_case *c)
{
    pgp_int(p, c->patient_key);
    pgp_text(p, c->territory);
    pgp_text(p, c->state);
    pgp_int(p, c->category);
    pgp_text(p, c->nature);
    pgp_text(p, c->title);
    pgp_int(p, c->opened_ms);
    pgp_int(p, c->deadline_ms);
    pgp_int(p, c->escalated);
    pgp_text_or_null(p, c->claimed_by);
    pgp_time(p, c->claimed_ms);
    pgp_time(p, c->closed_ms);
    pgp_text_or_null(p, c->outcome);
    pgp_int(p, c->updated_ms);
}

int store_pg_case_insert(store *st, struct store_case *c, verr *e)
{
    struct pg_params p = {0};
    params_of_case(&p, c);
    PGresult *r = pg_query(pg_of(st),
                           "INSERT INTO care_case(patient_key, territory, state, category, "
                           "nature, title, opened_at, deadline, escalated, claimed_by, "
                           "claimed_at, closed_at, outcome, updated_at) VALUES ($1,$2,$3,$4,$5,"
                           "$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id",
                           &p, e);
    if (!r) return verr_prefix(e, "case");
    c->id = pg_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

int store_pg_case_update(store *st, const struct store_case *c, verr *e)
{
    struct pg_params p = {0};
    params_of_case(&p, c);
    pgp_int(&p, c->id);
    if (pg_command(pg_of(st),
                   "UPDATE care_case SET patient_key = $1, territory = $2, state = $3, category "
                   "= $4, nature = $5, title = $6, opened_at = $7, deadline = $8, escalated = "
                   "$9, claimed_by = $10, claimed_at = $11, closed_at = $12, outcome = $13, "
                   "updated_at = $14 WHERE id = $15",
                   &p, e) < 0)
        return verr_prefix(e, "case");
    return 0;
}

int store_pg_case_transition(store *st, int64_t case_id, int64_t at_ms, const char *who,
                             const char *from, const char *to, const char *detail, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, case_id);
    pgp_int(&p, at_ms);
    pgp_text(&p, who);
    pgp_text(&p, from);
    pgp_text(&p, to);
    pgp_text(&p, detail);
    if (pg_command(pg_of(st),
                   "INSERT INTO case_transition(case_id, at, who, from_state, to_state, detail) "
                   "VALUES ($1,$2,$3,$4,$5,$6)",
                   &p, e) < 0)
        return verr_prefix(e, "transition");
    return 0;
}

int store_pg_case_note(store *st, int64_t case_id, int64_t at_ms, const char *who, const char *kind,
                       const char *text, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, case_id);
    pgp_int(&p, at_ms);
    pgp_text(&p, who);
    pgp_text(&p, kind);
    pgp_text(&p, text);
    if (pg_command(pg_of(st),
                   "INSERT INTO case_note(case_id, at, who, kind, text) VALUES ($1,$2,$3,$4,$5)",
                   &p, e) < 0)
        return verr_prefix(e, "note");
    return 0;
}

static int each_case(PGresult *r, int (*fn)(void *arg, const struct store_case *c), void *arg)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_case c;
        pg_read_case(r, i, &c);
        if (fn(arg, &c) != 0) break;
    }
    PQclear(r);
    return 0;
}

int store_pg_cases_due(store *st, int64_t now_ms, int (*fn)(void *arg, const struct store_case *c),
                       void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, now_ms);
    /* SKIP LOCKED: a case a coordinator is claiming right now is not escalated under them */
    PGresult *r = pg_query(pg_of(st),
                           "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                           "c.patient_key WHERE c.state = 'open' AND c.escalated = 0 AND "
                           "c.deadline <= $1 ORDER BY c.deadline FOR UPDATE OF c SKIP LOCKED",
                           &p, e);
    if (!r) return verr_prefix(e, "cases");
    return each_case(r, fn, arg);
}

int store_pg_queue(store *st, const char *const *territories, size_t count, bool all_territories,
                   int (*fn)(void *arg, const struct store_case *c), void *arg, verr *e)
{
    struct pg_params p = {0};
    PGresult *r;
    if (all_territories) {
        r = pg_query(pg_of(st),
                     "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                     "c.patient_key WHERE c.state != 'closed' ORDER BY c.escalated DESC, "
                     "c.category, c.deadline, c.id",
                     NULL, e);
    } else {
        /* the territories as one array literal: one statement, prepared once */
        buf list;
        buf_init(&list, 1 << 16);
        buf_putc(&list, '{');
        for (size_t i = 0; i < count; i++) {
            if (i) buf_putc(&list, ',');
            buf_putc(&list, '"');
            for (const char *c = territories[i]; *c; c++) {
                if (*c == '"' || *c == '\\') buf_putc(&list, '\\');
                buf_putc(&list, *c);
            }
            buf_putc(&list, '"');
        }
        buf_putc(&list, '}');
        pgp_text(&p, buf_cstr(&list));
        r = pg_query(pg_of(st),
                     "SELECT " CASE_COLUMNS " FROM care_case c JOIN patient p ON p.key = "
                     "c.patient_key WHERE c.state != 'closed' AND (c.territory = '' OR "
                     "c.territory = ANY($1::text[])) ORDER BY c.escalated DESC, c.category, "
                     "c.deadline, c.id",
                     &p, e);
        buf_free(&list);
    }
    if (!r) return verr_prefix(e, "queue");
    return each_case(r, fn, arg);
}

int store_pg_case_items(store *st, int64_t case_id,
                        int (*fn)(void *arg, const struct store_case_item *item), void *arg,
                        verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, case_id);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT 'event', created_at, '', json, withdrawn, seq FROM event WHERE "
                           "case_id = $1 UNION ALL SELECT 'transition', at, who, "
                           "coalesce(from_state, '') || ' -> ' || to_state || coalesce(': ' || "
                           "detail, ''), 0, id FROM case_transition WHERE case_id = $1 UNION ALL "
                           "SELECT kind, at, who, text, 0, id FROM case_note WHERE case_id = $1 "
                           "ORDER BY 2, 6",
                           &p, e);
    if (!r) return verr_prefix(e, "case items");
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_case_item item = {
            .kind = PQgetvalue(r, i, 0),
            .at_ms = pg_i64(r, i, 1),
            .who = PQgetvalue(r, i, 2),
            .text = PQgetvalue(r, i, 3),
            .withdrawn = pg_i64(r, i, 4) != 0,
        };
        if (fn(arg, &item) != 0) break;
    }
    PQclear(r);
    return 0;
}

int store_pg_patient_fired(store *st, int64_t patient_key, int64_t from_ms,
                           int (*fn)(void *arg, const char *observation_id), void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    pgp_int(&p, from_ms);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT DISTINCT o.id FROM event ev JOIN event_source es ON "
                           "es.event_seq = ev.seq JOIN observation o ON o.seq = es.source_seq "
                           "WHERE ev.patient_key = $1 AND ev.withdrawn = 0 AND o.effective >= $2",
                           &p, e);
    if (!r) return verr_prefix(e, "fired");
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(arg, PQgetvalue(r, i, 0)) != 0) break;
    PQclear(r);
    return 0;
}

int store_pg_resources_of_territory(store *st, const char *territory, const char *type,
                                    int (*fn)(void *arg, const char *patient_id, int64_t birth_ms,
                                              const char *json, size_t len),
                                    void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_text(&p, type);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT p.id, p.birth_date, r.resource FROM resource r JOIN patient p "
                           "ON p.key = r.patient_key WHERE p.territory = $1 AND r.type = $2 AND "
                           "r.current = 1 ORDER BY r.patient_key, r.time NULLS FIRST",
                           &p, e);
    if (!r) return verr_prefix(e, "resources");
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(arg, PQgetvalue(r, i, 0), pg_time(r, i, 1), PQgetvalue(r, i, 2),
               (size_t)PQgetlength(r, i, 2)) != 0)
            break;
    PQclear(r);
    return 0;
}

int store_pg_resources_of_patient(store *st, int64_t patient_key, const char *type,
                                  int (*fn)(void *arg, const char *json, size_t len), void *arg,
                                  verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    pgp_text(&p, type);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT resource FROM resource WHERE patient_key = $1 AND type = $2 "
                           "AND current = 1 ORDER BY seq",
                           &p, e);
    if (!r) return verr_prefix(e, "resources");
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(arg, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0)) != 0) break;
    PQclear(r);
    return 0;
}

/* ---- Overrides, feed -------------------------------------------------------------------- */

int store_pg_override_add(store *st, int64_t patient_key, const char *json, const char *who,
                          int64_t at_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    pgp_text(&p, json);
    pgp_text(&p, who);
    pgp_int(&p, at_ms);
    if (pg_command(pg_of(st),
                   "INSERT INTO threshold_override(patient_key, json, set_by, set_at) VALUES "
                   "($1,$2,$3,$4)",
                   &p, e) < 0)
        return verr_prefix(e, "override");
    return 0;
}

int store_pg_override_each(store *st, int (*fn)(void *arg, int64_t patient_key, const char *json),
                           void *arg, verr *e)
{
    struct pg_store *s = pg_of(st);
    int rc;
    bool opened = pg_read_begin(s, e, &rc);
    if (rc < 0) return -1;
    /* what is read here counts as known to this connection (store_turn) */
    PGresult *m = pg_query(s, "SELECT coalesce(max(id), 0) FROM threshold_override", NULL, e);
    PGresult *r = m ? pg_query(s,
                               "SELECT patient_key, json FROM threshold_override WHERE id IN "
                               "(SELECT max(id) FROM threshold_override GROUP BY patient_key)",
                               NULL, e)
                    : NULL;
    if (r) {
        s->marks.override = pg_i64(m, 0, 0);
        for (int i = 0; i < PQntuples(r); i++)
            if (fn(arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1)) != 0) break;
    }
    PQclear(m);
    PQclear(r);
    pg_read_end(s, opened);
    return r ? 0 : verr_prefix(e, "overrides");
}

int store_pg_override_latest(store *st, int64_t patient_key, buf *json, char who[64],
                             int64_t *at_ms, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, patient_key);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT json, set_by, set_at FROM threshold_override WHERE "
                           "patient_key = $1 ORDER BY id DESC LIMIT 1",
                           &p, e);
    if (!r) return verr_prefix(e, "override");
    int rc = PQntuples(r) ? 0 : 1;
    if (rc == 0) {
        buf_reset(json);
        buf_puts(json, PQgetvalue(r, 0, 0));
        pg_copy(r, 0, 1, who, 64);
        *at_ms = pg_i64(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

int store_pg_feed_add(store *st, int64_t at_ms, const char *territory, const char *kind,
                      int64_t case_id, const char *data, int64_t *id, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, at_ms);
    pgp_text(&p, territory ? territory : "");
    pgp_text(&p, kind);
    pgp_int(&p, case_id);
    pgp_text(&p, data);
    /* the table's trigger notifies every node once this commits (pg_schema.c) */
    PGresult *r = pg_query(pg_of(st),
                           "INSERT INTO change_feed(at, territory, kind, case_id, data) VALUES "
                           "($1,$2,$3,$4,$5) RETURNING id",
                           &p, e);
    if (!r) return verr_prefix(e, "change feed");
    *id = pg_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

int64_t store_pg_feed_last_id(store *st)
{
    PGresult *r = pg_query(pg_of(st), "SELECT coalesce(max(id), 0) FROM change_feed", NULL, NULL);
    int64_t id = r ? pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return id;
}

int store_pg_feed_since(store *st, int64_t after_id, int limit,
                        int (*fn)(void *arg, int64_t id, const char *territory, const char *kind,
                                  const char *data),
                        void *arg, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, after_id);
    pgp_int(&p, limit);
    PGresult *r = pg_query(pg_of(st),
                           "SELECT id, territory, kind, data FROM change_feed WHERE id > $1 "
                           "ORDER BY id LIMIT $2",
                           &p, e);
    if (!r) return verr_prefix(e, "change feed");
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
               PQgetvalue(r, i, 3)) != 0)
            break;
    PQclear(r);
    return 0;
}

/* ---- Evaluation ------------------------------------------------------------------------- */

/* $1 territory (NULL = all), $2 from, $3 to */
#define IN_TERRITORY(col) "($1::text IS NULL OR " col " = $1)"

static double median_of(struct pg_store *s, const char *sql, const char *territory, int64_t from,
                        int64_t to, int category)
{
    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_int(&p, from);
    pgp_int(&p, to);
    pgp_int(&p, category);
    PGresult *r = pg_query(s, sql, &p, NULL);
    double m = NAN;
    if (r && !PQgetisnull(r, 0, 0)) m = pg_double(r, 0, 0);
    PQclear(r);
    return m;
}

int store_pg_evaluation(store *st, const char *territory, int64_t from_ms, int64_t to_ms,
                        const char *const *outcome_names, size_t outcome_count,
                        struct store_evaluation *out, verr *e)
{
    struct pg_store *s = pg_of(st);
    memset(out, 0, sizeof *out);
    struct pg_params one = {0};
    pgp_text(&one, territory);
    PGresult *r =
        pg_query(s, "SELECT count(*) FROM patient WHERE " IN_TERRITORY("territory"), &one, e);
    if (!r) return verr_prefix(e, "evaluation");
    out->patients = pg_i64(r, 0, 0);
    PQclear(r);

    struct pg_params p = {0};
    pgp_text(&p, territory);
    pgp_int(&p, from_ms);
    pgp_int(&p, to_ms);
    r = pg_query(
        s,
        "SELECT ev.category, count(*) FROM event ev JOIN patient p ON p.key = "
        "ev.patient_key WHERE " IN_TERRITORY("p.territory") " AND ev.created_at >= $2 "
                                                            "AND ev.created_at < $3 AND ev.notify "
                                                            "= 1 AND ev.withdrawn = 0 GROUP BY 1",
        &p, e);
    if (!r) return verr_prefix(e, "evaluation");
    for (int i = 0; i < PQntuples(r); i++) {
        int c = (int)pg_i64(r, i, 0);
        if (c >= 1 && c <= 3) out->alerts[c - 1] = pg_i64(r, i, 1);
    }
    PQclear(r);

    r = pg_query(
        s,
        "SELECT least(category_at_open, 3), count(*), sum(escalated) FROM (SELECT "
        "coalesce((SELECT min(ev.category) FROM event ev WHERE ev.case_id = c.id), "
        "c.category) AS category_at_open, c.escalated FROM care_case c WHERE " IN_TERRITORY(
            "c.territory") " AND c.opened_at >= $2 AND c.opened_at < $3) x "
                           "GROUP BY 1",
        &p, e);
    if (!r) return verr_prefix(e, "evaluation");
    for (int i = 0; i < PQntuples(r); i++) {
        int c = (int)pg_i64(r, i, 0);
        if (c >= 1 && c <= 3) out->cases[c - 1] = pg_i64(r, i, 1);
        out->escalated += pg_i64(r, i, 2);
    }
    PQclear(r);

    /* the median as SQLite's store computes it: the middle value, or the mean of the two */
    for (int c = 1; c <= 3; c++) {
        out->median_claim_s[c - 1] = median_of(
            s,
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (t.at - c.opened_at) / 1000.0) "
            "FROM care_case c JOIN case_transition t ON t.id = (SELECT min(id) FROM "
            "case_transition WHERE case_id = c.id AND to_state = 'claimed') WHERE " IN_TERRITORY(
                "c.territory") " AND c.opened_at >= $2 AND c.opened_at < $3 AND "
                               "c.category = $4",
            territory, from_ms, to_ms, c);
        out->median_close_s[c - 1] = median_of(
            s,
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.closed_at - c.opened_at) / "
            "1000.0) FROM care_case c WHERE " IN_TERRITORY(
                "c.territory") " AND c.opened_at >= "
                               "$2 AND c.opened_at < $3 AND c.category = $4 AND c.state = 'closed'",
            territory, from_ms, to_ms, c);
    }

    r = pg_query(s,
                 "SELECT outcome, count(*) FROM care_case c WHERE " IN_TERRITORY(
                     "c.territory") " AND c.closed_at >= $2 AND c.closed_at < $3 AND c.state = "
                                    "'closed' GROUP BY 1",
                 &p, e);
    if (!r) return verr_prefix(e, "evaluation");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = pg_str(r, i, 0);
        int64_t n = pg_i64(r, i, 1);
        out->closed += n;
        for (size_t k = 0; name && k < outcome_count && k < 8; k++)
            if (!strcmp(name, outcome_names[k])) out->outcomes[k] += n;
    }
    PQclear(r);
    return 0;
}
#undef IN_TERRITORY
