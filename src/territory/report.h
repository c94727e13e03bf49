/* Output helpers shared by the territory reports (APL, deserts, sites, rotations): numbers
 * written the same way in CSV and JSON, and dates as YYYY-MM-DD. */
#ifndef VIGIE_TERRITORY_REPORT_H
#define VIGIE_TERRITORY_REPORT_H

#include <stdint.h>

#include "core/buf.h"

/* A number with up to 10 significant digits, no trailing zeros; NaN or infinity as JSON
 * null. Returns 0, or -1 when b is full. */
int report_json_number(buf *b, double v);
/* The same, but an unknown value (NaN) is an empty CSV field. */
int report_csv_number(buf *b, double v);
/* A CSV field: quoted (RFC 4180) when it holds a comma, a quote or a line break. */
int report_csv_text(buf *b, const char *s);
/* Days since 1970-01-01 as "YYYY-MM-DD" into out (11 bytes). */
void report_format_date(int64_t days, char out[16]);

#endif
