#include "cmd/cmd.h"
#include "cmd/territory_cli.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */

const struct command commands[] = {
    {"apl", "accessibility to GPs (E2SFCA) and medical deserts", cmd_apl},
    {"sites", "where to open telemedicine sites (maximal covering)", cmd_sites},
    {"rotations", "mobile medical team stays across territories", cmd_rotations},
    {NULL, NULL, NULL},
};
