#include "cmd/cmd.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */





const struct command commands[] = {
    {"serve", "run the platform (HTTP API, FHIR, console)", cmd_serve},
    {NULL, NULL, NULL},
};
