/* Error messages a caller can show: functions that fail fill a `verr` and return -1 (or
 * NULL). The message is complete on its own ("weight: -3 kg is impossible"). */
#ifndef VIGIE_CORE_VERR_H
#define VIGIE_CORE_VERR_H

#include <stdarg.h>

typedef struct verr {
    char msg[512];
} verr;

/* Sets the message (e may be NULL) and returns -1, so that `return verr_fail(e, ...)` reads
 * as what it does. */
int verr_fail(verr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int verr_vfail(verr *e, const char *fmt, va_list ap);
/* Prefixes the existing message with "prefix: ". */
int verr_prefix(verr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
