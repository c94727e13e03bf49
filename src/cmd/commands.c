#include "cmd/cmd.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */





const struct command commands[] = {
    {NULL, NULL, NULL},
};
