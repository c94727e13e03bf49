#include "cmd/cmd.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */





const struct command commands[] = {
    {"serve", "run the platform (HTTP API, FHIR, console)", cmd_serve},
    {"user", "manage users, roles, territories, passwords and gateway keys", cmd_user},
    {NULL, NULL, NULL},
};
