/* Points in time as milliseconds since 1970-01-01T00:00:00Z, parsed from and formatted to
 * FHIR dateTime / RFC 3339, and durations ("15min", "48h", "7d"). */
#ifndef VIGIE_CORE_INSTANT_H
#define VIGIE_CORE_INSTANT_H

#include <stddef.h>
#include <stdint.h>

#include "core/verr.h"

#define INSTANT_MS_PER_SECOND 1000LL
#define INSTANT_MS_PER_MINUTE (60 * INSTANT_MS_PER_SECOND)
#define INSTANT_MS_PER_HOUR (60 * INSTANT_MS_PER_MINUTE)
#define INSTANT_MS_PER_DAY (24 * INSTANT_MS_PER_HOUR)

/* How much of a FHIR dateTime was given. A partial date stands for its first instant (UTC)
 * and keeps its precision. */
enum instant_precision {
    INSTANT_YEAR = 1,
    INSTANT_MONTH = 2,
    INSTANT_DAY = 3,
    INSTANT_SECOND = 4, /* a time of day with seconds and an offset; may carry milliseconds */
};

/* Parses a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm).
 * A time of day without an offset is invalid FHIR and rejected, with the reason in e. */
int instant_parse(const char *text, size_t n, int64_t *ms_out, enum instant_precision *precision,
                  verr *e);
/* Writes `ms` as RFC 3339 UTC ("2026-03-04T07:12:00Z", with ".123" when there are
 * milliseconds), or at the given precision ("2026-03"). Returns the length. */
size_t instant_format(int64_t ms, enum instant_precision precision, char out[40]);
/* Same, full precision. */
size_t instant_format_utc(int64_t ms, char out[40]);
/* Wall clock (or the demo clock, see instant_set_clock). */
int64_t instant_now_ms(void);
/* Demonstrations only: from now on, instant_now_ms() runs `speed` times faster than the real
 * clock and equals it at `anchor_ms` (so two processes given the same anchor agree). Call
 * before starting threads. speed 1 restores the real clock. */
void instant_set_clock(int64_t anchor_ms, double speed);
/* The real clock, whatever instant_set_clock said. */
int64_t instant_real_now_ms(void);
/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t instant_days_from_civil(int64_t year, unsigned month, unsigned day);
void instant_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* Parses a duration: an integer followed by ms, s, min, h, d or w ("90s", "15min", "7d"). */
int instant_parse_duration(const char *text, int64_t *ms_out, verr *e);

#endif
