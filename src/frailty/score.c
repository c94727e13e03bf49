/* Scoring of ICOPE step 1, domain by domain, and the case it opens.
 *
 * Each rule is the "positive" column of the ICOPE step 1 screening tool (WHO ICOPE
 * Handbook, 2019); docs/frailty.md quotes them. Boundaries read as written: "within 14 s"
 * is negative at 14.0 s, "more than 3 kg" is negative at 3.0 kg. */
#include "frailty/frailty_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends the formatted text to a reason, after "; " when it is not the first part. */
static void reason_add(char *reason, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reason_add(char *reason, size_t n, const char *fmt, ...)
{
    size_t len = strlen(reason);
    if (len && len + 2 < n) {
        memcpy(reason + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason + len, n - len, fmt, ap);
    va_end(ap);
}

#define ADD(d, ...) reason_add((d)->reason, sizeof(d)->reason, __VA_ARGS__)

static void score_cognition(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: wrong to either orientation question (or does not know), or cannot recall
     * all three words. */
    if (!a->oriented_in_time) ADD(d, "full date wrong or not known");
    if (!a->oriented_in_place) ADD(d, "place wrong or not known");
    if (a->words_recalled < FRAILTY_RECALL_WORDS)
        ADD(d, "recalled %d of 3 words", a->words_recalled);
    d->positive = d->reason[0] != '\0';
    if (!d->positive) ADD(d, "oriented in time and place; recalled 3 of 3 words");
}

static void score_mobility(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: five chair rises not completed within 14 seconds (or not completed). */
    char s[32];
    if (!a->chair_rise_completed) {
        d->positive = true;
        ADD(d, "could not rise five times from a chair without using the arms");
        return;
    }
    frailty_format_number(a->chair_rise_seconds, s);
    d->positive = a->chair_rise_seconds > FRAILTY_CHAIR_RISE_MAX_SECONDS;
    ADD(d, "five chair rises in %s s (%s 14 s)", s, d->positive ? ">" : "<=");
}

static void score_nutrition(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: unintentional loss of more than 3 kg over three months, or appetite loss.
     * A weight in kg over 3 counts even if the yes/no answer said no (see response.c). */
    char kg[32];
    bool kg_over = !isnan(a->weight_loss_kg) && a->weight_loss_kg > FRAILTY_WEIGHT_LOSS_KG;
    if (!isnan(a->weight_loss_kg)) frailty_format_number(a->weight_loss_kg, kg);
    if (kg_over)
        ADD(d, "weight loss %s kg in 3 months (> 3 kg)", kg);
    else if (a->weight_loss)
        ADD(d, "weight loss of more than 3 kg in 3 months");
    if (a->appetite_loss) ADD(d, "loss of appetite");
    d->positive = d->reason[0] != '\0';
    if (d->positive) return;
    if (!isnan(a->weight_loss_kg))
        ADD(d, "weight loss %s kg in 3 months (<= 3 kg); appetite kept", kg);
    else
        ADD(d, "no weight loss of more than 3 kg in 3 months; appetite kept");
}

static void score_vision(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: yes to any problem with the eyes (far, reading, eye disease, treatment). */
    d->positive = a->vision_problems;
    ADD(d, d->positive ? "problems with the eyes reported" : "no problem with the eyes");
}

static void score_hearing(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: fails the whisper test (either ear, erring towards assessment). */
    if (!a->whisper_right_heard && !a->whisper_left_heard)
        ADD(d, "whisper test failed on both ears");
    else if (!a->whisper_right_heard)
        ADD(d, "whisper test failed on the right ear");
    else if (!a->whisper_left_heard)
        ADD(d, "whisper test failed on the left ear");
    d->positive = d->reason[0] != '\0';
    if (!d->positive) ADD(d, "whispers heard on both ears");
}

static void score_mood(const struct frailty_answers *a, struct frailty_domain_result *d)
{
    /* Positive: yes to either question about the past two weeks. */
    if (a->feeling_down) ADD(d, "feeling down, depressed or hopeless");
    if (a->little_interest) ADD(d, "little interest or pleasure in doing things");
    d->positive = d->reason[0] != '\0';
    if (d->positive) {
        char tmp[sizeof d->reason];
        snprintf(tmp, sizeof tmp, "over the past two weeks: %s", d->reason);
        memcpy(d->reason, tmp, sizeof tmp);
    } else {
        ADD(d, "neither low mood nor loss of interest over the past two weeks");
    }
}

int frailty_age_years(int64_t birth_date_ms, int64_t day)
{
    int64_t by, y;
    unsigned bm, bd, m, d;
    instant_civil_from_days(frailty_day_of(birth_date_ms), &by, &bm, &bd);
    instant_civil_from_days(day, &y, &m, &d);
    int64_t age = y - by;
    if (m < bm || (m == bm && d < bd)) age--;
    return (int)age;
}

static int check_age(const struct frailty_response *response, int64_t birth_date_ms, int *age,
                     struct fhir_outcome *oo)
{
    const char *expr = "QuestionnaireResponse.subject";
    char screened[16], born[16];
    if (birth_date_ms == FRAILTY_NO_BIRTH_DATE)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "business-rule", expr,
                                "the Patient has no birthDate: ICOPE step 1 is for people aged "
                                "%d and over; record the birth date first",
                                FRAILTY_MIN_AGE);
    frailty_format_day(response->authored_day, screened);
    frailty_format_day(frailty_day_of(birth_date_ms), born);
    if (frailty_day_of(birth_date_ms) > response->authored_day)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "business-rule", expr,
                                "the Patient was born on %s, after the screening (%s)", born,
                                screened);
    *age = frailty_age_years(birth_date_ms, response->authored_day);
    if (*age < FRAILTY_MIN_AGE)
        return fhir_outcome_add(oo, FHIR_ERROR, 422, "business-rule", expr,
                                "ICOPE step 1 is for people aged %d and over: the Patient (born "
                                "%s) was %d on %s",
                                FRAILTY_MIN_AGE, born, *age, screened);
    return 0;
}

int frailty_score(const struct frailty_response *response, int64_t birth_date_ms,
                  struct frailty_result *out, struct fhir_outcome *oo)
{
    memset(out, 0, sizeof *out);
    if (check_age(response, birth_date_ms, &out->age_years, oo) < 0) return -1;
    const struct frailty_answers *a = &response->answers;
    out->screened_day = response->authored_day;
    out->answers = *a;
    score_cognition(a, &out->domains[FRAILTY_COGNITION]);
    score_mobility(a, &out->domains[FRAILTY_MOBILITY]);
    score_nutrition(a, &out->domains[FRAILTY_NUTRITION]);
    score_vision(a, &out->domains[FRAILTY_VISION]);
    score_hearing(a, &out->domains[FRAILTY_HEARING]);
    score_mood(a, &out->domains[FRAILTY_MOOD]);
    for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (out->domains[d].positive) out->positive_mask |= FRAILTY_BIT(d);
    out->next_due_day = frailty_next_due_day(out->screened_day, out->positive_mask);
    return 0;
}

/* ---- Case ------------------------------------------------------------------------------ */

bool frailty_needs_case(const struct frailty_result *result)
{
    return result->positive_mask != 0;
}

int frailty_case_reason(const struct frailty_result *result, char *out, size_t n)
{
    if (n) out[0] = '\0';
    if (!frailty_needs_case(result)) return -1;
    buf b;
    buf_init(&b, n ? n - 1 : 0);
    int positives = 0;
    for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (result->positive_mask & FRAILTY_BIT(d)) positives++;
    int rc = buf_printf(&b, "frailty: domain%s ", positives > 1 ? "s" : "");
    for (int d = 0, k = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (result->positive_mask & FRAILTY_BIT(d))
            rc |= buf_printf(&b, "%s%s", k++ ? ", " : "", frailty_domain_name(d));
    rc |= buf_puts(&b, " — step 2 assessment");
    if (rc == 0) memcpy(out, buf_cstr(&b), b.len + 1);
    buf_free(&b);
    return rc ? -1 : 0;
}

int frailty_case_detail(const struct frailty_result *result, const struct frailty_decline *decline,
                        buf *out)
{
    char reason[256];
    if (frailty_case_reason(result, reason, sizeof reason) < 0) return -1;
    int rc = buf_puts(out, reason);
    for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (result->positive_mask & FRAILTY_BIT(d))
            rc |= buf_printf(out, "\n%s: %s", frailty_domain_name(d), result->domains[d].reason);
    if (decline && decline->has_previous) {
        rc |= buf_putc(out, '\n');
        rc |= frailty_decline_text(decline, out);
    }
    return rc ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static int write_day(buf *out, const char *key, int64_t day)
{
    char text[16];
    frailty_format_day(day, text);
    return buf_printf(out, "\"%s\":\"%s\"", key, text);
}

int frailty_write_domain_array(buf *out, unsigned mask)
{
    int rc = buf_putc(out, '[');
    for (int d = 0, k = 0; d < FRAILTY_DOMAIN_COUNT; d++)
        if (mask & FRAILTY_BIT(d))
            rc |= buf_printf(out, "%s\"%s\"", k++ ? "," : "", frailty_domain_name(d));
    return rc | buf_putc(out, ']');
}

static int write_decline(buf *out, const struct frailty_decline *decline)
{
    int rc = buf_puts(out, ",\"decline\":{");
    rc |= write_day(out, "since", decline->previous_day);
    rc |= buf_puts(out, ",\"newly_positive\":");
    rc |= frailty_write_domain_array(out, decline->newly_positive);
    rc |= buf_puts(out, ",\"resolved\":");
    rc |= frailty_write_domain_array(out, decline->resolved);
    rc |= buf_puts(out, ",\"worsened\":[");
    for (size_t i = 0; i < decline->worsened_count; i++) {
        if (i) rc |= buf_putc(out, ',');
        rc |= buf_append_json_string(out, decline->worsened[i], strlen(decline->worsened[i]));
    }
    return rc | buf_puts(out, "]}");
}

int frailty_result_write_json(const struct frailty_result *result,
                              const struct frailty_decline *decline, buf *out)
{
    int rc = buf_putc(out, '{');
    rc |= write_day(out, "screened", result->screened_day);
    rc |= buf_printf(out, ",\"age\":%d,\"positive\":", result->age_years);
    rc |= frailty_write_domain_array(out, result->positive_mask);
    rc |= buf_puts(out, ",\"domains\":{");
    for (int d = 0; d < FRAILTY_DOMAIN_COUNT; d++) {
        const struct frailty_domain_result *dr = &result->domains[d];
        rc |= buf_printf(out, "%s\"%s\":{\"positive\":%s,\"reason\":", d ? "," : "",
                         frailty_domain_name(d), dr->positive ? "true" : "false");
        rc |= buf_append_json_string(out, dr->reason, strlen(dr->reason));
        rc |= buf_putc(out, '}');
    }
    rc |= buf_puts(out, "},");
    rc |= write_day(out, "next_due", result->next_due_day);
    char reason[256];
    if (frailty_case_reason(result, reason, sizeof reason) == 0) {
        rc |= buf_puts(out, ",\"case_reason\":");
        rc |= buf_append_json_string(out, reason, strlen(reason));
    }
    if (decline && decline->has_previous) rc |= write_decline(out, decline);
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}

int frailty_event_write_json(const struct frailty_result *result,
                             const struct frailty_decline *decline, const char *patient_ref,
                             const char *source_ref, int64_t at_ms, buf *out)
{
    char reason[256], at[40];
    if (frailty_case_reason(result, reason, sizeof reason) < 0) return -1;
    instant_format_utc(at_ms, at);
    int rc = buf_puts(out, "{\"patient\":");
    rc |= buf_append_json_string(out, patient_ref, strlen(patient_ref));
    rc |= buf_printf(out, ",\"category\":%d,\"nature\":\"%s\",\"rule\":\"%s\",\"reason\":",
                     FRAILTY_CASE_CATEGORY, FRAILTY_CASE_NATURE, FRAILTY_RULE);
    rc |= buf_append_json_string(out, reason, strlen(reason));
    rc |= buf_printf(out, ",\"at\":\"%s\",\"sources\":[", at);
    rc |= buf_append_json_string(out, source_ref, strlen(source_ref));
    rc |= buf_puts(out, "],\"detail\":");
    rc |= frailty_result_write_json(result, decline, out);
    rc |= buf_putc(out, '}');
    return rc ? -1 : 0;
}
