/* Allocation wrappers that abort on out-of-memory, so callers never check for NULL. */
#ifndef VIGIE_CORE_MEM_H
#define VIGIE_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Copies of C strings; the caller frees them with free(). */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
