/* Several nodes on one PostgreSQL database: the writer's turn and what it hands over, the
 * timers' node, the change feed's notifications. docs/postgresql.md explains the design:
 *
 * - The writer's turn is a transaction-level advisory lock every node's writer takes first
 *   in each of its transactions. Writer transactions therefore commit one node at a time, in
 *   the order they took the turn; the input seq a writer assigns within its turn, and the
 *   identity and change_seq numbers its rows draw, follow the commit order across nodes.
 * - So "what other nodes committed since my previous turn" is exactly the rows numbered
 *   above what this connection knew (its marks), and nothing committed later can carry a
 *   lower number. At each turn a node reads the highest numbers; when they are above its
 *   marks it reads those rows and hands them to the sink (the patient cache, the triage
 *   engine). At its own commit the marks move to the highest numbers, its own rows
 *   included.
 * - Its marks start from the full reads that built its state (store_replay and the others
 *   named in store.h), each taken in one snapshot with the highest number it saw. */
#include "store/pg_int.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

/* The key of the writer's turn ("vigw" in ASCII). */
#define PG_TURN_KEY "1986623351"

const char *const store_pg_marks_sql =
    "SELECT coalesce((SELECT max(change_seq) FROM patient), 0), coalesce(greatest((SELECT "
    "max(seq) FROM observation), (SELECT max(seq) FROM resource)), 0), coalesce((SELECT "
    "max(change_seq) FROM enrolment), 0), coalesce((SELECT max(id) FROM threshold_override), "
    "0), coalesce((SELECT max(seq) FROM event), 0), coalesce((SELECT max(id) FROM ingest_log), "
    "0)";

void store_pg_marks_read(const PGresult *r, struct pg_marks *m)
{
    m->patient = pg_i64(r, 0, 0);
    m->input = pg_i64(r, 0, 1);
    m->enrolment = pg_i64(r, 0, 2);
    m->override = pg_i64(r, 0, 3);
    m->event = pg_i64(r, 0, 4);
}

struct handover {
    const struct store_sync_sink *sink;
    bool stopped;
};

static int hand_input(void *arg, PGresult *r, int i)
{
    struct handover *h = arg;
    if (pg_input_row(r, i, h->sink->input, h->sink->arg) != 0) h->stopped = true;
    return h->stopped;
}

/* Rows of one kind numbered above `after`, handed over in order. */
static int hand_over(struct pg_store *s, const struct store_sync_sink *sink, int kind,
                     int64_t after, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, after);
    if (kind == 1) {
        char sql[1400];
        snprintf(sql, sizeof sql, PG_INPUT_COLUMNS("NULL::text"), "WHERE seq > $1",
                 "WHERE seq > $1");
        struct handover h = {sink, false};
        if (pg_scan(s, sql, &p, hand_input, &h, e) < 0) return -1;
        return h.stopped ? verr_fail(e, "an input of another node was refused") : 0;
    }
    static const char *const sql[] = {
        "SELECT key, id, territory FROM patient WHERE change_seq > $1 ORDER BY change_seq",
        NULL,
        "SELECT " PG_ENROLMENT_COLUMNS " FROM enrolment e JOIN patient p ON p.key = "
        "e.patient_key WHERE e.change_seq > $1 ORDER BY e.change_seq",
        "SELECT patient_key, json FROM threshold_override WHERE id > $1 ORDER BY id",
        "SELECT patient_key, rule, category, at FROM event WHERE seq > $1 AND notify = 1 AND "
        "withdrawn = 0 ORDER BY seq",
    };
    PGresult *r = pg_query(s, sql[kind], &p, e);
    if (!r) return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        switch (kind) {
        case 0:
            if (sink->patient)
                rc =
                    sink->patient(sink->arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1), pg_str(r, i, 2));
            break;
        case 2:
            if (sink->enrolment) {
                struct store_enrolment en;
                pg_read_enrolment(r, i, &en);
                rc = sink->enrolment(sink->arg, &en);
                store_enrolment_free(&en);
            }
            break;
        case 3:
            if (sink->override)
                rc = sink->override(sink->arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1));
            break;
        default:
            if (sink->event)
                rc = sink->event(sink->arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1),
                                 (int)pg_i64(r, i, 2), pg_i64(r, i, 3));
            break;
        }
    }
    PQclear(r);
    return rc ? verr_fail(e, "a change of another node was refused") : 0;
}

int store_pg_turn(store *st, const struct store_sync_sink *sink, int64_t *max_seq, verr *e)
{
    struct pg_store *s = pg_of(st);
    if (!s->in_txn) return verr_fail(e, "the writer's turn is taken in a transaction");
    /* The lock and the reading are two statements: the second's snapshot is taken once the
     * lock is held, so it sees every turn committed before this one. */
    if (pg_command(s, "SELECT pg_advisory_xact_lock(" PG_TURN_KEY ")", NULL, e) < 0) return -1;
    PGresult *r = pg_query(s, store_pg_marks_sql, NULL, e);
    if (!r) return verr_prefix(e, "writer's turn");
    struct pg_marks now;
    store_pg_marks_read(r, &now);
    s->next_log_id = pg_i64(r, 0, 5);
    PQclear(r);
    s->in_turn = true;
    static const struct store_sync_sink none;
    if (!sink) sink = &none;
    int64_t *mark[] = {&s->marks.patient, &s->marks.input, &s->marks.enrolment, &s->marks.override,
                       &s->marks.event};
    const int64_t seen[] = {now.patient, now.input, now.enrolment, now.override, now.event};
    for (int kind = 0; kind < 5; kind++) {
        if (seen[kind] <= *mark[kind]) continue;
        if (kind == 1 && !sink->input) {
            *mark[kind] = seen[kind];
            continue;
        }
        if (hand_over(s, sink, kind, *mark[kind], e) < 0) return verr_prefix(e, "catching up");
        *mark[kind] = seen[kind];
    }
    *max_seq = now.input;
    return 0;
}

int store_pg_tick_claim(store *st, int64_t now_ms, int64_t period_ms, bool *mine, verr *e)
{
    struct pg_params p = {0};
    pgp_int(&p, now_ms);
    pgp_int(&p, period_ms);
    int64_t rows;
    /* In the writer's turn: the first node whose tick comes after the period takes it. */
    if (pg_command_count(
            pg_of(st),
            "UPDATE cluster_tick SET at = $1 WHERE id = 1 AND at <= $1::bigint - $2::bigint", &p,
            &rows, e) < 0)
        return verr_prefix(e, "timers");
    *mine = rows == 1;
    return 0;
}

int store_pg_feed_wait(store *st, int timeout_ms, verr *e)
{
    struct pg_store *s = pg_of(st);
    if (!s->listening) {
        if (PQstatus(s->conn) != CONNECTION_OK && pg_reconnect(s, e) < 0) return -1;
        if (pg_exec(s, "LISTEN vigie_feed", e) < 0) return -1;
        s->listening = true;
    }
    int got = 0;
    for (int pass = 0; pass < 2 && !got; pass++) {
        if (!PQconsumeInput(s->conn)) {
            s->listening = false;
            return pg_fail(s, e, "change feed");
        }
        PGnotify *n;
        while ((n = PQnotifies(s->conn))) {
            got = 1;
            PQfreemem(n);
        }
        if (got || pass == 1) break;
        struct pollfd fd = {.fd = PQsocket(s->conn), .events = POLLIN};
        if (poll(&fd, 1, timeout_ms) <= 0) break;
    }
    return got;
}
