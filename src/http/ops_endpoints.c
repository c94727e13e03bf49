/* Operations: health and metrics. */
#include "http/http_int.h"
#include "core/instant.h"

#include <stdio.h>

void http_healthz(struct http_request *r)
{
    store *s = http_reader(r);
    if (!s) {
        http_respond_text(r, 503, "application/json",
                          "{\"status\":\"unavailable\",\"reason\":\"database unreachable\"}");
        return;
    }
    http_respond_text(r, 200, "application/json", "{\"status\":\"ok\"}");
}

void http_metrics(struct http_request *r)
{
    struct http_app *app = http_app_of(r);
    struct writer_stats ws;
    writer_get_stats(app->writer, &ws);
    buf b;
    buf_init(&b, 1 << 20);
    buf_printf(&b,
               "# HELP vigie_uptime_seconds Seconds since the server started.\n"
               "# TYPE vigie_uptime_seconds gauge\n"
               "vigie_uptime_seconds %.3f\n"
               "# HELP vigie_writer_transactions_total Transactions committed by the writer.\n"
               "# TYPE vigie_writer_transactions_total counter\n"
               "vigie_writer_transactions_total %llu\n"
               "# HELP vigie_writer_jobs_total Requests applied by the writer.\n"
               "# TYPE vigie_writer_jobs_total counter\n"
               "vigie_writer_jobs_total %llu\n"
               "# HELP vigie_writer_failed_jobs_total Requests the writer could not apply.\n"
               "# TYPE vigie_writer_failed_jobs_total counter\n"
               "vigie_writer_failed_jobs_total %llu\n"
               "# HELP vigie_writer_failed_commits_total Transactions that failed to commit.\n"
               "# TYPE vigie_writer_failed_commits_total counter\n"
               "vigie_writer_failed_commits_total %llu\n"
               "# HELP vigie_writer_pending Resources waiting for the writer.\n"
               "# TYPE vigie_writer_pending gauge\n"
               "vigie_writer_pending %zu\n",
               (double)(instant_now_ms() - app->started_ms) / 1000.0, ws.transactions, ws.jobs,
               ws.failed_jobs, ws.failed_commits, ws.pending);
    http_respond(r, 200, "text/plain; version=0.0.4", &b);
}
