#include "core/instant.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t instant_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void instant_civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

static int days_in_month(int64_t y, unsigned m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return days[m - 1];
}

/* Reads exactly `width` digits at text[*pos]. */
static int read_digits(const char *text, size_t n, size_t *pos, int width, int *value)
{
    int v = 0;
    for (int i = 0; i < width; i++) {
        if (*pos >= n || !isdigit((unsigned char)text[*pos])) return -1;
        v = v * 10 + (text[*pos] - '0');
        (*pos)++;
    }
    *value = v;
    return 0;
}

static int expect_char(const char *text, size_t n, size_t *pos, char c)
{
    if (*pos >= n || text[*pos] != c) return -1;
    (*pos)++;
    return 0;
}

int instant_parse(const char *text, size_t n, int64_t *ms_out, enum instant_precision *precision,
                  verr *e)
{
    size_t pos = 0;
    int year, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
    enum instant_precision prec = INSTANT_YEAR;
    const char *expected = "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with Z or +hh:mm";

    if (read_digits(text, n, &pos, 4, &year) < 0 || year < 1)
        return verr_fail(e, "'%.*s' is not a date-time (%s)", (int)(n > 40 ? 40 : n), text,
                         expected);
    if (pos < n) {
        if (expect_char(text, n, &pos, '-') < 0 || read_digits(text, n, &pos, 2, &month) < 0 ||
            month < 1 || month > 12)
            goto bad;
        prec = INSTANT_MONTH;
    }
    if (pos < n) {
        if (expect_char(text, n, &pos, '-') < 0 || read_digits(text, n, &pos, 2, &day) < 0 ||
            day < 1 || day > days_in_month(year, (unsigned)month))
            goto bad;
        prec = INSTANT_DAY;
    }
    int64_t offset_minutes = 0;
    if (pos < n) {
        if (expect_char(text, n, &pos, 'T') < 0 || read_digits(text, n, &pos, 2, &hour) < 0 ||
            hour > 23 || expect_char(text, n, &pos, ':') < 0 ||
            read_digits(text, n, &pos, 2, &minute) < 0 || minute > 59)
            goto bad;
        if (expect_char(text, n, &pos, ':') < 0 || read_digits(text, n, &pos, 2, &second) < 0 ||
            second > 60)
            return verr_fail(e, "'%.*s': a time of day needs seconds (hh:mm:ss)",
                             (int)(n > 40 ? 40 : n), text);
        if (second == 60) second = 59; /* leap second: keep the instant within its minute */
        if (pos < n && text[pos] == '.') {
            pos++;
            size_t start = pos;
            int scale = 100;
            while (pos < n && isdigit((unsigned char)text[pos])) {
                millis += (text[pos] - '0') * scale;
                scale /= 10;
                pos++;
            }
            if (pos == start) goto bad;
        }
        if (pos >= n)
            return verr_fail(e,
                             "'%.*s' has a time of day but no time zone offset (add Z or "
                             "+hh:mm)",
                             (int)(n > 40 ? 40 : n), text);
        if (text[pos] == 'Z') {
            pos++;
        } else if (text[pos] == '+' || text[pos] == '-') {
            int sign = text[pos] == '-' ? -1 : 1, oh, om;
            pos++;
            if (read_digits(text, n, &pos, 2, &oh) < 0 || expect_char(text, n, &pos, ':') < 0 ||
                read_digits(text, n, &pos, 2, &om) < 0 || oh > 14 || om > 59)
                goto bad;
            offset_minutes = sign * (oh * 60 + om);
        } else {
            goto bad;
        }
        prec = INSTANT_SECOND;
    }
    if (pos != n) goto bad;

    int64_t days = instant_days_from_civil(year, (unsigned)month, (unsigned)day);
    int64_t ms = days * INSTANT_MS_PER_DAY + hour * INSTANT_MS_PER_HOUR +
                 minute * INSTANT_MS_PER_MINUTE + second * INSTANT_MS_PER_SECOND + millis;
    ms -= offset_minutes * INSTANT_MS_PER_MINUTE;
    *ms_out = ms;
    if (precision) *precision = prec;
    return 0;
bad:
    return verr_fail(e, "'%.*s' is not a valid date-time (%s)", (int)(n > 40 ? 40 : n), text,
                     expected);
}

size_t instant_format(int64_t ms, enum instant_precision precision, char out[40])
{
    int64_t days = ms >= 0 ? ms / INSTANT_MS_PER_DAY : -((-ms - 1) / INSTANT_MS_PER_DAY) - 1;
    int64_t rest = ms - days * INSTANT_MS_PER_DAY;
    int64_t year;
    unsigned month, day;
    instant_civil_from_days(days, &year, &month, &day);
    int hour = (int)(rest / INSTANT_MS_PER_HOUR);
    int minute = (int)(rest / INSTANT_MS_PER_MINUTE % 60);
    int second = (int)(rest / 1000 % 60);
    int millis = (int)(rest % 1000);
    int n;
    switch (precision) {
    case INSTANT_YEAR: n = snprintf(out, 40, "%04lld", (long long)year); break;
    case INSTANT_MONTH: n = snprintf(out, 40, "%04lld-%02u", (long long)year, month); break;
    case INSTANT_DAY:
        n = snprintf(out, 40, "%04lld-%02u-%02u", (long long)year, month, day);
        break;
    default:
        if (millis)
            n = snprintf(out, 40, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)year, month,
                         day, hour, minute, second, millis);
        else
            n = snprintf(out, 40, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)year, month,
                         day, hour, minute, second);
    }
    return (size_t)n;
}

size_t instant_format_utc(int64_t ms, char out[40])
{
    return instant_format(ms, INSTANT_SECOND, out);
}

static int64_t clock_anchor_ms;
static double clock_speed = 1.0;

int64_t instant_real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t instant_now_ms(void)
{
    int64_t real = instant_real_now_ms();
    if (clock_speed == 1.0) return real;
    return clock_anchor_ms + (int64_t)((double)(real - clock_anchor_ms) * clock_speed);
}

void instant_set_clock(int64_t anchor_ms, double speed)
{
    clock_anchor_ms = anchor_ms;
    clock_speed = speed > 0 ? speed : 1.0;
}

int instant_parse_duration(const char *text, int64_t *ms_out, verr *e)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1},
                 {"s", INSTANT_MS_PER_SECOND},
                 {"min", INSTANT_MS_PER_MINUTE},
                 {"h", INSTANT_MS_PER_HOUR},
                 {"d", INSTANT_MS_PER_DAY},
                 {"w", 7 * INSTANT_MS_PER_DAY}};
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    if (!isdigit((unsigned char)*p))
        return verr_fail(e, "'%s' is not a duration (e.g. 90s, 15min, 48h, 7d)", text);
    char *end;
    long long v = strtoll(p, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    size_t len = strlen(end);
    while (len && isspace((unsigned char)end[len - 1])) len--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].unit) == len && strncmp(end, units[i].unit, len) == 0) {
            if (v > INT64_MAX / units[i].ms) return verr_fail(e, "'%s' is too long", text);
            *ms_out = v * units[i].ms;
            return 0;
        }
    }
    return verr_fail(e, "'%s': unknown duration unit (use ms, s, min, h, d or w)", text);
}
