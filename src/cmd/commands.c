#include "cmd/cmd.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */
int cmd_sim(int argc, char **argv);





const struct command commands[] = {
    {"sim", "simulated programme, signals and ground truth; scores triage events", cmd_sim},
    {NULL, NULL, NULL},
};
