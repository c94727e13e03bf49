/* vigie: territorial telehealth platform. Dispatches `vigie <command>` to src/cmd/. */
#include "cmd/cmd.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void print_usage(FILE *out)
{
    fprintf(out, "Usage: vigie <command> [options]\n\n"
                 "Vigie watches enrolled chronic patients from their devices and the people\n"
                 "around them, triages every signal and runs the coordinating physicians' queue.\n\n"
                 "Commands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'vigie <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "vigie: libsodium could not initialise\n");
        return CMD_EXIT_FAILURE;
    }
    if (argc < 2) {
        print_usage(stderr);
        return CMD_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_usage(stdout);
        return CMD_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("vigie 0.1.0\n");
        return CMD_EXIT_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "vigie: unknown command '%s'\n\n", argv[1]);
    print_usage(stderr);
    return CMD_EXIT_USAGE;
}
