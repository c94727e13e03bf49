#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instant.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigie %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'vigie %s --help'.\n", cmd);
    return CMD_EXIT_USAGE;
}

int cmd_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigie %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CMD_EXIT_FAILURE;
}

int cmd_set_clock(const char *cmd, const char *speed, const char *anchor)
{
    if (!speed && !anchor) return 0;
    double v = 1;
    if (speed) {
        char *end;
        v = strtod(speed, &end);
        if (end == speed || *end || !(v >= 1 && v <= 3600))
            return cmd_usage_error(cmd, "--clock-speed '%s': a number from 1 to 3600", speed);
    }
    int64_t at = instant_real_now_ms();
    if (anchor) {
        verr e;
        enum instant_precision prec;
        if (instant_parse(anchor, strlen(anchor), &at, &prec, &e) < 0 || prec != INSTANT_SECOND)
            return cmd_usage_error(cmd, "--clock-anchor '%s': a date-time with a time zone",
                                   anchor);
    }
    instant_set_clock(at, v);
    return 0;
}
