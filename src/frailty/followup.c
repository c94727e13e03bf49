/* Follow-up: when the next screening is due, whether it is overdue, and what got worse
 * since the previous screening. Dates are civil days so that "6 months" is counted on the
 * calendar (4 March -> 4 September), not as 180 days. */
#include "frailty/frailty_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int64_t frailty_day_of(int64_t ms)
{
    /* floor division: an instant before 1970 belongs to the day that contains it */
    int64_t day = ms / INSTANT_MS_PER_DAY;
    if (ms % INSTANT_MS_PER_DAY < 0) day--;
    return day;
}

void frailty_format_day(int64_t day, char out[16])
{
    int64_t y;
    unsigned m, d;
    instant_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

int64_t frailty_add_months(int64_t day, int months)
{
    int64_t y;
    unsigned m, d;
    instant_civil_from_days(day, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + months;
    int64_t year = total >= 0 ? total / 12 : (total - 11) / 12;
    unsigned month = (unsigned)(total - year * 12) + 1;
    int64_t first = instant_days_from_civil(year, month, 1);
    int64_t next = month == 12 ? instant_days_from_civil(year + 1, 1, 1)
                               : instant_days_from_civil(year, month + 1, 1);
    unsigned last = (unsigned)(next - first);
    return first + (d < last ? d : last) - 1;
}

int64_t frailty_next_due_day(int64_t screened_day, unsigned positive_mask)
{
    return frailty_add_months(screened_day, positive_mask ? FRAILTY_MONTHS_AFTER_POSITIVE
                                                          : FRAILTY_MONTHS_AFTER_NEGATIVE);
}

int64_t frailty_days_overdue(int64_t due_day, int64_t now_ms)
{
    return frailty_day_of(now_ms) - due_day;
}

bool frailty_overdue(int64_t due_day, int64_t now_ms)
{
    return frailty_days_overdue(due_day, now_ms) > 0;
}

/* ---- Decline --------------------------------------------------------------------------- */

static void worse(struct frailty_decline *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void worse(struct frailty_decline *out, const char *fmt, ...)
{
    if (out->worsened_count == FRAILTY_MAX_WORSENED) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->worsened[out->worsened_count++], sizeof out->worsened[0], fmt, ap);
    va_end(ap);
}

/* A yes/no finding that was absent and is now present. */
static void newly(struct frailty_decline *out, bool before, bool now, const char *what)
{
    if (!before && now) worse(out, "%s", what);
}

static bool weight_loss_found(const struct frailty_answers *a)
{
    return a->weight_loss ||
           (!isnan(a->weight_loss_kg) && a->weight_loss_kg > FRAILTY_WEIGHT_LOSS_KG);
}

static void chair_rise_decline(const struct frailty_result *previous,
                               const struct frailty_result *current, struct frailty_decline *out)
{
    const struct frailty_answers *p = &previous->answers, *c = &current->answers;
    char before[32], now[32], diff[32];
    if (!c->chair_rise_completed) {
        if (!p->chair_rise_completed) return;
        frailty_format_number(p->chair_rise_seconds, before);
        worse(out, "chair rises: %s s before, now unable without the arms", before);
        return;
    }
    if (!p->chair_rise_completed) return;
    /* rounded to 0.01 s, so that 12.4 -> 14.9 is +2.5 and not +2.4999 */
    double change = round((c->chair_rise_seconds - p->chair_rise_seconds) * 100) / 100;
    bool newly_positive = out->newly_positive & FRAILTY_BIT(FRAILTY_MOBILITY);
    if (change <= 0 || (change < FRAILTY_CHAIR_RISE_CHANGE_SECONDS && !newly_positive)) return;
    frailty_format_number(p->chair_rise_seconds, before);
    frailty_format_number(c->chair_rise_seconds, now);
    frailty_format_number(change, diff);
    worse(out, "chair rises: %s s -> %s s (+%s s)", before, now, diff);
}

void frailty_decline_compute(const struct frailty_result *previous,
                             const struct frailty_result *current, struct frailty_decline *out)
{
    memset(out, 0, sizeof *out);
    if (!previous) return;
    const struct frailty_answers *p = &previous->answers, *c = &current->answers;
    out->has_previous = true;
    out->previous_day = previous->screened_day;
    out->newly_positive = current->positive_mask & ~previous->positive_mask;
    out->resolved = previous->positive_mask & ~current->positive_mask;

    newly(out, !p->oriented_in_time, !c->oriented_in_time, "orientation in time: now wrong");
    newly(out, !p->oriented_in_place, !c->oriented_in_place, "orientation in place: now wrong");
    if (c->words_recalled < p->words_recalled)
        worse(out, "words recalled: %d -> %d of 3", p->words_recalled, c->words_recalled);
    chair_rise_decline(previous, current, out);
    newly(out, weight_loss_found(p), weight_loss_found(c),
          "weight loss of more than 3 kg in 3 months: new");
    newly(out, p->appetite_loss, c->appetite_loss, "loss of appetite: new");
    newly(out, p->vision_problems, c->vision_problems, "problems with the eyes: new");
    newly(out, !p->whisper_right_heard, !c->whisper_right_heard,
          "whisper test, right ear: now failed");
    newly(out, !p->whisper_left_heard, !c->whisper_left_heard,
          "whisper test, left ear: now failed");
    newly(out, p->feeling_down, c->feeling_down, "feeling down, depressed or hopeless: new");
    newly(out, p->little_interest, c->little_interest,
          "little interest or pleasure in doing things: new");
}

bool frailty_declined(const struct frailty_decline *decline)
{
    return decline->has_previous && (decline->newly_positive || decline->worsened_count);
}

static int write_domain_list(buf *out, unsigned mask)
{
    int rc = 0;
    for (int d = 0, k = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (mask & FRAILTY_BIT(d))
            rc |= buf_printf(out, "%s%s", k++ ? ", " : "", frailty_domain_name(d));
    return rc;
}

int frailty_decline_text(const struct frailty_decline *decline, buf *out)
{
    if (!decline->has_previous) return 0;
    char since[16];
    frailty_format_day(decline->previous_day, since);
    int rc = buf_printf(out, "since %s: ", since);
    if (!frailty_declined(decline)) rc |= buf_puts(out, "no decline");
    const char *sep = "";
    if (decline->newly_positive) {
        rc |= buf_puts(out, "newly positive: ");
        rc |= write_domain_list(out, decline->newly_positive);
        sep = "; ";
    }
    if (decline->worsened_count) {
        rc |= buf_printf(out, "%sworse: ", sep);
        for (size_t i = 0; i < decline->worsened_count; i++)
            rc |= buf_printf(out, "%s%s", i ? ", " : "", decline->worsened[i]);
    }
    if (decline->resolved) {
        rc |= buf_puts(out, "; no longer positive: ");
        rc |= write_domain_list(out, decline->resolved);
    }
    return rc ? -1 : 0;
}
