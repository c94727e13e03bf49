/* CSV reader: the whole input is held in one owned buffer and records are split in place
 * (separators become NULs, quoted fields are unescaped where they stand), so a field is a
 * pointer into that buffer and reading 35,000 communes costs no allocation per field. */
#include "territory/csvfile.h"

#include "core/instant.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct csvfile {
    char *name;
    char *data; /* len + 1 bytes, NUL at data[len] */
    size_t len;
    size_t pos;       /* start of the next record */
    long line;        /* line number at pos */
    long record_line; /* line where the current record starts */
    char separator;
    size_t column_count;
    char *header[CSVFILE_MAX_FIELDS];
    char *field[CSVFILE_MAX_FIELDS];
};

const char *csvfile_name(const csvfile *f)
{
    return f->name;
}

size_t csvfile_column_count(const csvfile *f)
{
    return f->column_count;
}

const char *csvfile_column_name(const csvfile *f, int column)
{
    if (column < 0 || (size_t)column >= f->column_count) return "";
    return f->header[column];
}

long csvfile_line(const csvfile *f)
{
    return f->record_line;
}

static int csvfile_vfail(const csvfile *f, int column, verr *e, const char *fmt, va_list ap)
{
    char reason[400];
    vsnprintf(reason, sizeof reason, fmt, ap);
    if (column < 0) return verr_fail(e, "%s:%ld: %s", f->name, f->record_line, reason);
    return verr_fail(e, "%s:%ld: column %d '%s': %s", f->name, f->record_line, column + 1,
                     csvfile_column_name(f, column), reason);
}

int csvfile_fail(const csvfile *f, int column, verr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    csvfile_vfail(f, column, e, fmt, ap);
    va_end(ap);
    return -1;
}

/* The separator is whichever of ',', ';' and TAB the header line uses most (',' on a tie),
 * counting only outside quotes. French spreadsheets export with ';'. */
static char detect_separator(const char *s, size_t n)
{
    size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || s[i] != '\n'); i++) {
        if (s[i] == '"') quoted = !quoted;
        if (quoted) continue;
        if (s[i] == ',') comma++;
        if (s[i] == ';') semicolon++;
        if (s[i] == '\t') tab++;
    }
    if (semicolon > comma && semicolon >= tab) return ';';
    if (tab > comma && tab > semicolon) return '\t';
    return ',';
}

static char *trim_in_place(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static bool at_blank_line(const csvfile *f)
{
    size_t i = f->pos;
    while (i < f->len && (f->data[i] == ' ' || f->data[i] == '\t')) i++;
    return i < f->len && (f->data[i] == '\n' || f->data[i] == '\r');
}

static void skip_line(csvfile *f)
{
    while (f->pos < f->len && f->data[f->pos] != '\n') f->pos++;
    if (f->pos < f->len) f->pos++;
    f->line++;
}

/* Splits one record starting at f->pos into out[]; returns the field count or -1. */
static int parse_record(csvfile *f, char **out, verr *e)
{
    char *d = f->data;
    size_t n = 0;
    f->record_line = f->line;
    for (;;) {
        if (n == CSVFILE_MAX_FIELDS)
            return csvfile_fail(f, -1, e, "more than %d fields", CSVFILE_MAX_FIELDS);
        size_t start = f->pos;
        char end;
        if (d[f->pos] == '"') {
            size_t w = start;
            f->pos++;
            for (;;) {
                if (f->pos >= f->len)
                    return csvfile_fail(f, -1, e, "field %zu: quote opened and never closed",
                                        n + 1);
                char c = d[f->pos];
                if (c == '"') {
                    if (d[f->pos + 1] == '"') {
                        d[w++] = '"';
                        f->pos += 2;
                        continue;
                    }
                    f->pos++;
                    break;
                }
                if (c == '\n') f->line++;
                d[w++] = c;
                f->pos++;
            }
            end = d[f->pos];
            if (end != f->separator && end != '\n' && end != '\r' && end != '\0')
                return csvfile_fail(f, -1, e, "field %zu: text after the closing quote", n + 1);
            d[w] = '\0'; /* w < f->pos: the two quotes were consumed */
            out[n++] = d + start;
        } else {
            while (f->pos < f->len && d[f->pos] != f->separator && d[f->pos] != '\n' &&
                   d[f->pos] != '\r')
                f->pos++;
            end = d[f->pos];
            d[f->pos] = '\0';
            out[n++] = trim_in_place(d + start);
        }
        if (end == f->separator) {
            f->pos++;
            continue;
        }
        /* d[f->pos] may have become the field's NUL: go by the saved terminator. */
        if (end == '\r' || end == '\n') {
            f->pos++;
            if (end == '\r' && f->pos < f->len && d[f->pos] == '\n') f->pos++;
            f->line++;
        }
        return (int)n;
    }
}

static csvfile *csvfile_take(char *name, char *data, size_t len, verr *e)
{
    csvfile *f = xcalloc(1, sizeof *f);
    f->name = name;
    f->data = data;
    f->len = len;
    f->line = 1;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) f->pos = 3;
    /* A NUL inside the text would silently cut a field short. */
    if (memchr(data, '\0', len)) {
        verr_fail(e, "%s: contains a NUL byte; not a text CSV file", name);
        csvfile_close(f);
        return NULL;
    }
    while (f->pos < f->len && at_blank_line(f)) skip_line(f);
    if (f->pos >= f->len) {
        verr_fail(e, "%s: empty file: a header row is required", name);
        csvfile_close(f);
        return NULL;
    }
    f->separator = detect_separator(data + f->pos, len - f->pos);
    int n = parse_record(f, f->header, e);
    if (n < 0) {
        csvfile_close(f);
        return NULL;
    }
    f->column_count = (size_t)n;
    for (int i = 0; i < n; i++)
        if (!f->header[i][0]) {
            csvfile_fail(f, -1, e, "header: column %d has no name", i + 1);
            csvfile_close(f);
            return NULL;
        }
    return f;
}

csvfile *csvfile_open_memory(const char *name, const char *data, size_t n, verr *e)
{
    if (n > CSVFILE_MAX_BYTES) {
        verr_fail(e, "%s: %zu bytes is more than the %zu accepted", name, n, CSVFILE_MAX_BYTES);
        return NULL;
    }
    char *copy = xmalloc(n + 1);
    if (n) memcpy(copy, data, n);
    copy[n] = '\0';
    return csvfile_take(xstrdup(name), copy, n, e);
}

csvfile *csvfile_open(const char *path, verr *e)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        verr_fail(e, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
        verr_fail(e, "%s: not a regular file", path);
        fclose(in);
        return NULL;
    }
    if ((size_t)st.st_size > CSVFILE_MAX_BYTES) {
        verr_fail(e, "%s: %lld bytes is more than the %zu accepted", path, (long long)st.st_size,
                  CSVFILE_MAX_BYTES);
        fclose(in);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    char *data = xmalloc(len + 1);
    size_t got = fread(data, 1, len, in);
    int failed = ferror(in);
    fclose(in);
    if (failed || got != len) {
        verr_fail(e, "%s: read error", path);
        free(data);
        return NULL;
    }
    data[len] = '\0';
    return csvfile_take(xstrdup(path), data, len, e);
}

void csvfile_close(csvfile *f)
{
    if (!f) return;
    free(f->name);
    free(f->data);
    free(f);
}

int csvfile_find_column(const csvfile *f, const char *const *names)
{
    for (const char *const *name = names; *name; name++)
        for (size_t i = 0; i < f->column_count; i++)
            if (!strcasecmp(f->header[i], *name)) return (int)i;
    return -1;
}

int csvfile_require_column(const csvfile *f, const char *const *names, verr *e)
{
    int column = csvfile_find_column(f, names);
    if (column >= 0) return column;
    char list[300] = "";
    size_t used = 0;
    for (const char *const *name = names; *name && used < sizeof list; name++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'",
                                 name == names ? "" : " or ", *name);
    return verr_fail(e, "%s: no column %s in the header", f->name, list);
}

int csvfile_next(csvfile *f, verr *e)
{
    while (f->pos < f->len && at_blank_line(f)) skip_line(f);
    if (f->pos >= f->len) return 0;
    int n = parse_record(f, f->field, e);
    if (n < 0) return -1;
    if ((size_t)n != f->column_count)
        return csvfile_fail(f, -1, e, "%d fields, but the header has %zu", n, f->column_count);
    return 1;
}

const char *csvfile_field(const csvfile *f, int column)
{
    if (column < 0 || (size_t)column >= f->column_count) return "";
    return f->field[column];
}

bool csvfile_field_is_empty(const csvfile *f, int column)
{
    return csvfile_field(f, column)[0] == '\0';
}

int csvfile_field_double(const csvfile *f, int column, double *out, verr *e)
{
    const char *text = csvfile_field(f, column);
    if (!*text) return 0;
    char number[64];
    size_t n = strlen(text);
    if (n >= sizeof number) return csvfile_fail(f, column, e, "'%.40s...' is not a number", text);
    /* Only plain decimal notation: strtod would also take "nan", "inf" and hex floats. */
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == ',' && f->separator == ';') c = '.';
        if (!isdigit((unsigned char)c) && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E')
            return csvfile_fail(f, column, e, "'%s' is not a number", text);
        number[i] = c;
    }
    number[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(number, &end);
    if (end == number || *end || errno == ERANGE || !isfinite(v))
        return csvfile_fail(f, column, e, "'%s' is not a number", text);
    *out = v;
    return 1;
}

int csvfile_field_int(const csvfile *f, int column, int64_t *out, verr *e)
{
    const char *text = csvfile_field(f, column);
    if (!*text) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || errno == ERANGE)
        return csvfile_fail(f, column, e, "'%s' is not a whole number", text);
    *out = v;
    return 1;
}

int csvfile_field_date(const csvfile *f, int column, int64_t *days_out, verr *e)
{
    const char *text = csvfile_field(f, column);
    if (!*text) return 0;
    int64_t ms;
    enum instant_precision precision;
    verr parse_error;
    if (instant_parse(text, strlen(text), &ms, &precision, &parse_error) < 0 ||
        precision != INSTANT_DAY)
        return csvfile_fail(f, column, e, "'%s' is not a date YYYY-MM-DD", text);
    *days_out = ms / INSTANT_MS_PER_DAY;
    return 1;
}
