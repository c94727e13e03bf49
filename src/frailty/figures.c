/* Territory figures and worklist, from the list of a territory's screenings: each patient
 * counts once, by their latest screening. Enrolled patients aged 60 and over who were never
 * screened are due from their enrolment start. */
#include "frailty/frailty_int.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

struct ranked {
    const struct frailty_screening *s;
    size_t order; /* position in the list: the later row wins a tie on the same day */
};

static int by_patient_then_date(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    int c = strcmp(x->s->patient_id, y->s->patient_id);
    if (c) return c;
    if (x->s->screened_day != y->s->screened_day)
        return x->s->screened_day < y->s->screened_day ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The latest screening of each patient, in patient id order; caller frees. Rows without a
 * patient id are skipped. */
static const struct frailty_screening **latest_per_patient(const struct frailty_screening *list,
                                                           size_t count, size_t *n_out)
{
    struct ranked *r = xcalloc(count ? count : 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (list[i].patient_id) r[n++] = (struct ranked){&list[i], i};
    qsort(r, n, sizeof *r, by_patient_then_date);
    const struct frailty_screening **latest = xcalloc(n ? n : 1, sizeof *latest);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i + 1 == n || strcmp(r[i].s->patient_id, r[i + 1].s->patient_id) != 0)
            latest[k++] = r[i].s;
    free(r);
    *n_out = k;
    return latest;
}

static int enrolled_by_id(const void *a, const void *b)
{
    const struct frailty_enrolled *x = *(const struct frailty_enrolled *const *)a;
    const struct frailty_enrolled *y = *(const struct frailty_enrolled *const *)b;
    return strcmp(x->patient_id, y->patient_id);
}

/* bsearch: a patient id against a latest screening. */
static int id_vs_screening(const void *key, const void *elem)
{
    return strcmp(key, (*(const struct frailty_screening *const *)elem)->patient_id);
}

bool frailty_first_due_day(int64_t birth_date_ms, int64_t start_day, int64_t now_ms,
                           int64_t *due_day)
{
    if (birth_date_ms == FRAILTY_NO_BIRTH_DATE) return false;
    int64_t by;
    unsigned bm, bd;
    instant_civil_from_days(frailty_day_of(birth_date_ms), &by, &bm, &bd);
    int64_t year = by + FRAILTY_MIN_AGE;
    /* the birthday as frailty_age_years counts it: 29 February becomes 1 March in a
     * common year */
    bool leap = instant_days_from_civil(year, 3, 1) - instant_days_from_civil(year, 2, 1) == 29;
    int64_t birthday = bm == 2 && bd == 29 && !leap ? instant_days_from_civil(year, 3, 1)
                                                    : instant_days_from_civil(year, bm, bd);
    if (birthday > frailty_day_of(now_ms)) return false;
    *due_day = birthday > start_day ? birthday : start_day;
    return true;
}

/* Calls fn for each enrolled patient without a screening who is due (aged 60 or more at
 * now), once per patient id. `latest` is in patient id order. */
static void
each_never_screened(const struct frailty_population *pop,
                    const struct frailty_screening *const *latest, size_t n, int64_t now_ms,
                    void (*fn)(void *arg, const struct frailty_enrolled *en, int64_t due_day),
                    void *arg)
{
    const struct frailty_enrolled **sorted =
        xcalloc(pop->enrolled_count ? pop->enrolled_count : 1, sizeof *sorted);
    size_t k = 0;
    for (size_t i = 0; i < pop->enrolled_count; i++)
        if (pop->enrolled[i].patient_id) sorted[k++] = &pop->enrolled[i];
    qsort(sorted, k, sizeof *sorted, enrolled_by_id);
    for (size_t i = 0; i < k; i++) {
        const struct frailty_enrolled *en = sorted[i];
        if (i && !strcmp(sorted[i - 1]->patient_id, en->patient_id)) continue;
        if (bsearch(en->patient_id, latest, n, sizeof *latest, id_vs_screening)) continue;
        int64_t due;
        if (frailty_first_due_day(en->birth_date_ms, en->start_day, now_ms, &due)) fn(arg, en, due);
    }
    free(sorted);
}

struct figures_scan {
    struct frailty_figures *out;
    int64_t now_ms;
};

static void count_never_screened(void *arg, const struct frailty_enrolled *en, int64_t due_day)
{
    (void)en;
    struct figures_scan *scan = arg;
    scan->out->never_screened++;
    if (frailty_overdue(due_day, scan->now_ms)) scan->out->overdue++;
}

void frailty_figures_compute(const struct frailty_population *pop, int64_t now_ms,
                             struct frailty_figures *out)
{
    memset(out, 0, sizeof *out);
    out->as_of_day = frailty_day_of(now_ms);
    size_t n;
    const struct frailty_screening **latest =
        latest_per_patient(pop->screenings, pop->screening_count, &n);
    for (size_t i = 0; i < pop->screening_count; i++)
        if (pop->screenings[i].patient_id) out->screenings++;
    out->screened = n;
    for (size_t i = 0; i < n; i++) {
        unsigned mask = latest[i]->positive_mask;
        if (mask) out->positive_any++;
        for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++)
            if (mask & FRAILTY_BIT(d)) out->positive[d]++;
        if (frailty_overdue(frailty_next_due_day(latest[i]->screened_day, mask), now_ms))
            out->overdue++;
    }
    struct figures_scan scan = {out, now_ms};
    each_never_screened(pop, latest, n, now_ms, count_never_screened, &scan);
    free(latest);
}

int frailty_figures_write_json(const struct frailty_figures *figures, const char *territory,
                               buf *out)
{
    char as_of[16];
    frailty_format_day(figures->as_of_day, as_of);
    int rc = buf_puts(out, "{\"territory\":");
    rc |= territory ? buf_append_json_string(out, territory, strlen(territory))
                    : buf_puts(out, "null");
    rc |= buf_printf(out,
                     ",\"as_of\":\"%s\",\"screenings\":%zu,\"screened\":%zu,"
                     "\"positive_any\":%zu,\"positive\":{",
                     as_of, figures->screenings, figures->screened, figures->positive_any);
    for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        rc |= buf_printf(out, "%s\"%s\":%zu", d ? "," : "", frailty_domain_name(d),
                         figures->positive[d]);
    rc |= buf_printf(out, "},\"never_screened\":%zu,\"overdue\":%zu}", figures->never_screened,
                     figures->overdue);
    return rc ? -1 : 0;
}

static int most_overdue_first(const void *a, const void *b)
{
    const struct frailty_worklist_entry *x = a, *y = b;
    if (x->days_overdue != y->days_overdue) return x->days_overdue > y->days_overdue ? -1 : 1;
    return strcmp(x->patient_id, y->patient_id);
}

struct worklist_scan {
    struct frailty_worklist_entry *out;
    size_t count;
    int64_t now_ms;
};

static void add_never_screened(void *arg, const struct frailty_enrolled *en, int64_t due_day)
{
    struct worklist_scan *scan = arg;
    int64_t late = frailty_days_overdue(due_day, scan->now_ms);
    if (late <= 0) return;
    scan->out[scan->count++] = (struct frailty_worklist_entry){
        .patient_id = en->patient_id,
        .never_screened = true,
        .due_day = due_day,
        .days_overdue = late,
    };
}

size_t frailty_worklist(const struct frailty_population *pop, int64_t now_ms,
                        struct frailty_worklist_entry *out)
{
    size_t n, k = 0;
    const struct frailty_screening **latest =
        latest_per_patient(pop->screenings, pop->screening_count, &n);
    for (size_t i = 0; i < n; i++) {
        int64_t due = frailty_next_due_day(latest[i]->screened_day, latest[i]->positive_mask);
        int64_t late = frailty_days_overdue(due, now_ms);
        if (late <= 0) continue;
        out[k++] = (struct frailty_worklist_entry){
            .patient_id = latest[i]->patient_id,
            .last_day = latest[i]->screened_day,
            .last_positive = latest[i]->positive_mask,
            .due_day = due,
            .days_overdue = late,
        };
    }
    struct worklist_scan scan = {out, k, now_ms};
    each_never_screened(pop, latest, n, now_ms, add_never_screened, &scan);
    k = scan.count;
    free(latest);
    qsort(out, k, sizeof *out, most_overdue_first);
    return k;
}

int frailty_worklist_write_json(const struct frailty_worklist_entry *entries, size_t count,
                                const char *territory, int64_t now_ms, buf *out)
{
    char day[16];
    frailty_format_day(frailty_day_of(now_ms), day);
    int rc = buf_puts(out, "{\"territory\":");
    rc |= territory ? buf_append_json_string(out, territory, strlen(territory))
                    : buf_puts(out, "null");
    rc |= buf_printf(out, ",\"as_of\":\"%s\",\"overdue\":[", day);
    for (size_t i = 0; i < count; i++) {
        const struct frailty_worklist_entry *e = &entries[i];
        char patient[96];
        snprintf(patient, sizeof patient, "Patient/%s", e->patient_id);
        rc |= buf_puts(out, i ? ",{\"patient\":" : "{\"patient\":");
        rc |= buf_append_json_string(out, patient, strlen(patient));
        if (e->never_screened) {
            rc |= buf_puts(out, ",\"never_screened\":true,\"last_screened\":null,"
                                "\"last_positive\":[]");
        } else {
            frailty_format_day(e->last_day, day);
            rc |= buf_printf(out,
                             ",\"never_screened\":false,\"last_screened\":\"%s\","
                             "\"last_positive\":",
                             day);
            rc |= frailty_write_domain_array(out, e->last_positive);
        }
        frailty_format_day(e->due_day, day);
        rc |= buf_printf(out, ",\"due\":\"%s\",\"days_overdue\":%lld}", day,
                         (long long)e->days_overdue);
    }
    rc |= buf_puts(out, "]}");
    return rc ? -1 : 0;
}
