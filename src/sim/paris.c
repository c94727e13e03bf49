/* Europe/Paris civil time, for timestamps a French device or person would write
 * ("2026-03-04T07:12:00+01:00") and for daily rhythms that follow the local clock. */
#include "core/instant.h"
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

/* Instant (ms) of 01:00 UTC on the last Sunday of a month (EU summer-time switch). */
static int64_t last_sunday_0100_utc(int64_t year, unsigned month)
{
    unsigned last_day = month == 3 || month == 10 ? 31 : 30;
    int64_t days = instant_days_from_civil(year, month, last_day);
    /* 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7. */
    int64_t weekday = ((days + 4) % 7 + 7) % 7;
    return (days - weekday) * INSTANT_MS_PER_DAY + INSTANT_MS_PER_HOUR;
}

/* The switch instants of one year, cached per thread: this runs for every timestamp the
 * generator writes, and a year's two instants cost two civil-date conversions. */
struct summer_time {
    int64_t year_from, year_to, start, end;
};

int sim_paris_offset_s(int64_t utc_ms)
{
    static _Thread_local struct summer_time cache = {1, 0, 0, 0};
    if (utc_ms < cache.year_from || utc_ms >= cache.year_to) {
        int64_t days =
            utc_ms >= 0 ? utc_ms / INSTANT_MS_PER_DAY : -((-utc_ms - 1) / INSTANT_MS_PER_DAY) - 1;
        int64_t year;
        unsigned month, day;
        instant_civil_from_days(days, &year, &month, &day);
        cache.year_from = instant_days_from_civil(year, 1, 1) * INSTANT_MS_PER_DAY;
        cache.year_to = instant_days_from_civil(year + 1, 1, 1) * INSTANT_MS_PER_DAY;
        cache.start = last_sunday_0100_utc(year, 3);
        cache.end = last_sunday_0100_utc(year, 10);
    }
    return utc_ms >= cache.start && utc_ms < cache.end ? 7200 : 3600;
}

int64_t sim_paris_to_utc(int64_t local_ms)
{
    /* Summer time first, so that a repeated autumn hour reads as its first occurrence. */
    if (sim_paris_offset_s(local_ms - 7200 * 1000LL) == 7200) return local_ms - 7200 * 1000LL;
    return local_ms - 3600 * 1000LL;
}

static char *digits(char *p, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

/* Written digit by digit: this runs once per generated resource, and snprintf was most of
 * the generator's time. */
size_t sim_format_local(int64_t utc_ms, char out[32])
{
    int offset = sim_paris_offset_s(utc_ms);
    int64_t local = utc_ms + offset * 1000LL;
    int64_t days =
        local >= 0 ? local / INSTANT_MS_PER_DAY : -((-local - 1) / INSTANT_MS_PER_DAY) - 1;
    int64_t rest = (local - days * INSTANT_MS_PER_DAY) / 1000;
    int64_t year;
    unsigned month, day;
    instant_civil_from_days(days, &year, &month, &day);
    char *p = digits(out, (unsigned)year, 4);
    *p++ = '-';
    p = digits(p, month, 2);
    *p++ = '-';
    p = digits(p, day, 2);
    *p++ = 'T';
    p = digits(p, (unsigned)(rest / 3600), 2);
    *p++ = ':';
    p = digits(p, (unsigned)(rest / 60 % 60), 2);
    *p++ = ':';
    p = digits(p, (unsigned)(rest % 60), 2);
    *p++ = '+';
    p = digits(p, (unsigned)(offset / 3600), 2);
    memcpy(p, ":00", 4);
    return (size_t)(p + 3 - out);
}

size_t sim_format_local_date(int64_t utc_ms, char out[16])
{
    char full[32];
    sim_format_local(utc_ms, full);
    for (int i = 0; i < 10; i++) out[i] = full[i];
    out[10] = '\0';
    return 10;
}

int64_t sim_paris_midnight(int64_t date_ms)
{
    return sim_paris_to_utc(date_ms);
}
