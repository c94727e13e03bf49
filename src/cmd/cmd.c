#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>

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
