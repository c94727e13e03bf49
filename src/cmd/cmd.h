/* Command-line commands: `vigie <command> [options]`. Each command lives in its own file
 * src/cmd/<name>.c and is listed once in commands.c. A command returns the process exit
 * status (0 success, 1 failure, 2 usage error) and writes errors to stderr. */
#ifndef VIGIE_CMD_H
#define VIGIE_CMD_H

struct command {
    const char *name;
    const char *summary; /* one line for `vigie --help` */
    int (*run)(int argc, char **argv);
};

/* The table of commands, terminated by an entry with a NULL name. */
extern const struct command commands[];

/* Usage error: prints "vigie <cmd>: <message>" and a pointer to --help; returns 2. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runtime failure: prints "vigie <cmd>: <message>"; returns 1. */
int cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The commands, one per file in src/cmd/. */
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_apl(int argc, char **argv);
int cmd_sites(int argc, char **argv);
int cmd_rotations(int argc, char **argv);
int cmd_territory(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_sim(int argc, char **argv);

/* --clock-speed N and --clock-anchor TIME (demonstrations: an accelerated clock shared by
 * the server and the simulator's feed). Either may be NULL. Returns 0, or a usage error
 * status after printing it. */
int cmd_set_clock(const char *cmd, const char *speed, const char *anchor);

#define CMD_EXIT_OK 0
#define CMD_EXIT_FAILURE 1
#define CMD_EXIT_USAGE 2

#endif
