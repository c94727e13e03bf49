#include "territory/report.h"

#include "core/instant.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* %.10g keeps APL values (3 decimals at DREES) and populations exact while dropping the
 * binary noise of sums. */
static int put_number(buf *b, double v)
{
    if (v == 0) v = 0; /* no "-0" */
    return buf_printf(b, "%.10g", v);
}

int report_json_number(buf *b, double v)
{
    if (!isfinite(v)) return buf_puts(b, "null");
    return put_number(b, v);
}

int report_csv_number(buf *b, double v)
{
    if (!isfinite(v)) return 0;
    return put_number(b, v);
}

int report_csv_text(buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) return buf_puts(b, s);
    if (buf_putc(b, '"') < 0) return -1;
    for (; *s; s++)
        if ((*s == '"' && buf_putc(b, '"') < 0) || buf_putc(b, *s) < 0) return -1;
    return buf_putc(b, '"');
}

void report_format_date(int64_t days, char out[16])
{
    int64_t year;
    unsigned month, day;
    instant_civil_from_days(days, &year, &month, &day);
    snprintf(out, 16, "%04lld-%02u-%02u", (long long)year, month, day);
}
