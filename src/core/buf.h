/* Growable byte buffer with a hard maximum: appending past `max` fails and leaves the
 * buffer unchanged, so a client can be told its input is too large. */
#ifndef VIGIE_CORE_BUF_H
#define VIGIE_CORE_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* NUL-terminated after any successful append; NULL while empty */
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len */
} buf;

void buf_init(buf *b, size_t max);
/* Appends; returns 0, or -1 when the result would exceed b->max. */
int buf_append(buf *b, const void *data, size_t n);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int buf_append_json_string(buf *b, const char *s, size_t n);
/* Returns the contents as a C string ("" when empty); owned by the buffer. */
const char *buf_cstr(buf *b);
/* Takes the contents (caller frees) and leaves the buffer empty. */
char *buf_steal(buf *b);
void buf_reset(buf *b);
void buf_free(buf *b);

#endif
