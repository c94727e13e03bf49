/* An event as the JSON object of DESIGN.md §9, shared by `vigie triage` and the HTTP API so
 * both write the same bytes for the same event. */
#include "triage/triage_int.h"

#include <string.h>

int triage_event_to_json(const struct triage_event *ev, const char *patient_ref,
                         triage_source_text source_text, void *ctx, buf *out)
{
    char at[40];
    instant_format_utc(ev->at_ms, at);
    int rc = buf_puts(out, "{\"patient\":");
    rc |= buf_append_json_string(out, patient_ref, strlen(patient_ref));
    rc |= buf_printf(out, ",\"category\":%d,\"nature\":\"%s\",\"rule\":\"%s\",\"reason\":",
                     ev->category, triage_nature_name(ev->nature), triage_rule_id(ev->rule));
    rc |= buf_append_json_string(out, ev->reason ? ev->reason : "",
                                 ev->reason ? strlen(ev->reason) : 0);
    rc |= buf_printf(out, ",\"at\":\"%s\",\"sources\":[", at);
    bool first = true;
    for (size_t i = 0; i < ev->source_count; i++) {
        size_t len = 0;
        const char *text = source_text ? source_text(ctx, ev->sources[i], &len) : NULL;
        if (!text) continue;
        if (!first) rc |= buf_putc(out, ',');
        first = false;
        rc |= buf_append_json_string(out, text, len);
    }
    rc |= buf_putc(out, ']');
    if (ev->has_score) rc |= buf_printf(out, ",\"score\":%d", ev->score);
    if (ev->has_detail) {
        rc |= buf_puts(out, ",\"detail\":{");
        first = true;
        for (int p = 0; p < TRIAGE_NEWS2_PARAM_COUNT; p++) {
            if (ev->detail[p] < 0) continue;
            rc |= buf_printf(out, "%s\"%s\":%d", first ? "" : ",",
                             measure_info(triage_news2_param_kind((enum triage_news2_param)p))->name,
                             ev->detail[p]);
            first = false;
        }
        rc |= buf_putc(out, '}');
    }
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}
