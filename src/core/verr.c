#include "core/verr.h"

#include <stdio.h>
#include <string.h>

int verr_vfail(verr *e, const char *fmt, va_list ap)
{
    if (e) vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int verr_fail(verr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_vfail(e, fmt, ap);
    va_end(ap);
    return -1;
}

int verr_prefix(verr *e, const char *fmt, ...)
{
    if (!e) return -1;
    char prefix[256], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Explicit lengths: truncation of a long message is intended, not an accident. */
    size_t np = strnlen(prefix, sizeof prefix), no = strnlen(old, sizeof old - 1);
    size_t cap = sizeof e->msg - 1, len = 0;
    size_t take = np < cap ? np : cap;
    memcpy(e->msg, prefix, take);
    len = take;
    if (cap - len >= 2) {
        memcpy(e->msg + len, ": ", 2);
        len += 2;
    }
    take = no < cap - len ? no : cap - len;
    memcpy(e->msg + len, old, take);
    len += take;
    e->msg[len] = '\0';
    return -1;
}
