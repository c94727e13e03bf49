/* CSV input for territory data (communes, supply, travel matrices, teams...): columns are
 * found by header name, so the shared data pack's layouts and simpler hand-made files both
 * work, and every error names the file, the line, the column and the reason.
 *
 * Accepted: UTF-8 with or without BOM; separator ',' (or ';' or TAB when the header uses
 * it; with ';' a decimal comma is accepted in numbers); LF or CRLF; RFC 4180 quoting
 * ("a, b" and "say ""hi"""). Blank lines are skipped. Every record must have as many fields
 * as the header. */
#ifndef VIGIE_TERRITORY_CSVFILE_H
#define VIGIE_TERRITORY_CSVFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/verr.h"

/* Limits: larger inputs are refused with an error rather than read. */
#define CSVFILE_MAX_BYTES  ((size_t)512 << 20)
#define CSVFILE_MAX_FIELDS 256

typedef struct csvfile csvfile;

/* Reads the whole file and its header row. Returns NULL with the reason in e. */
csvfile *csvfile_open(const char *path, verr *e);
/* Same over bytes already in memory (an HTTP body, a test); `name` stands for the file
 * name in messages. The bytes are copied. */
csvfile *csvfile_open_memory(const char *name, const char *data, size_t n, verr *e);
void csvfile_close(csvfile *f);

const char *csvfile_name(const csvfile *f);
size_t csvfile_column_count(const csvfile *f);
const char *csvfile_column_name(const csvfile *f, int column);

/* The first column whose header equals one of `names` (a NULL-terminated list; ASCII case
 * ignored), or -1. */
int csvfile_find_column(const csvfile *f, const char *const *names);
/* Same, but a missing column is an error that lists the accepted names. */
int csvfile_require_column(const csvfile *f, const char *const *names, verr *e);

/* Moves to the next record: 1 when there is one, 0 at the end, -1 on a malformed record. */
int csvfile_next(csvfile *f, verr *e);
/* Line number where the current record starts (the header is line 1). */
long csvfile_line(const csvfile *f);

/* Field of the current record, NUL-terminated, with surrounding spaces removed from
 * unquoted fields; "" for column -1. Valid until the next csvfile_next. */
const char *csvfile_field(const csvfile *f, int column);
bool csvfile_field_is_empty(const csvfile *f, int column);

/* Typed fields: return 1 with the value, 0 when the field is empty (or column is -1), -1
 * with "file:line: column N 'name': 'text' is not a number" (or the like) in e. */
int csvfile_field_double(const csvfile *f, int column, double *out, verr *e);
int csvfile_field_int(const csvfile *f, int column, int64_t *out, verr *e);
/* A calendar date YYYY-MM-DD, as days since 1970-01-01. */
int csvfile_field_date(const csvfile *f, int column, int64_t *days_out, verr *e);

/* Fails with "file:line: column N 'name': <message>" (column -1: "file:line: <message>"),
 * for checks the caller makes on a field's meaning. Returns -1. */
int csvfile_fail(const csvfile *f, int column, verr *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
