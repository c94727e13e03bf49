/* vigie user: accounts, roles, territories, passwords and gateway keys. */
#include "auth/auth.h"
#include "cmd/cmd.h"
#include "core/instant.h"
#include "core/mem.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 256

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie user <action> --db DATABASE --username NAME [options]\n\n"
            "Actions:\n"
            "  add       create a user: --role ROLE [--territory ID]... [--patient ID]...\n"
            "            [--password-stdin] (password required except for gateways)\n"
            "  passwd    set a new password read from standard input (--password-stdin);\n"
            "            ends the user's sessions\n"
            "  role      change the role: --role ROLE\n"
            "  territory set the territories covered: --territory ID... (none: clears)\n"
            "  patient   set the linked patients (caregivers, gateways): --patient ID...\n"
            "  disable   disable the account and revoke its sessions and keys (--enable undoes)\n"
            "  key       print a new key for a gateway (keep it: it is shown once);\n"
            "            --replace revokes the gateway's earlier keys\n"
            "  list      list the users (no --username needed)\n\n"
            "Roles: coordinator, professional, caregiver, gateway, planner, admin.\n"
            "Coordinators and planners cover territories, a professional works in one, a\n"
            "caregiver is linked to patients, a gateway to patients or one territory.\n"
            "Passwords: at least %d characters, stored as argon2id hashes.\n",
            AUTH_PASSWORD_MIN);
}

static int read_password(const char *cmd, char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin)) return cmd_fail(cmd, "no password on standard input");
    out[strcspn(out, "\r\n")] = '\0';
    verr e;
    if (auth_password_policy(out, &e) < 0) return cmd_fail(cmd, "%s", e.msg);
    return 0;
}

/* Checks what the role is bound to; warns about territories the registry does not know
 * (users may be created before their territory). */
static int check_bindings(store *s, const char *role, char **territories, size_t nt,
                          size_t np)
{
    enum auth_role r;
    verr e;
    if (auth_role_parse(role, &r) < 0) return cmd_fail("user", "unknown role '%s'", role);
    if (auth_role_bindings_check(r, nt, np, &e) < 0) return cmd_usage_error("user", "%s", e.msg);
    for (size_t i = 0; i < nt; i++) {
        struct store_territory t;
        int rc = store_territory_get(s, territories[i], &t, &e);
        if (rc == 0) store_territory_free(&t);
        if (rc == 1)
            fprintf(stderr, "vigie user: warning: territory %s is not in the registry yet "
                            "(vigie territory add)\n",
                    territories[i]);
    }
    return 0;
}

static int print_user(void *arg, const struct store_user *u)
{
    (void)arg;
    printf("%-24s %-13s %s", u->username, u->role, u->disabled ? "disabled " : "");
    for (size_t i = 0; i < u->territory_count; i++)
        printf("%sterritory:%s", i ? "," : "", u->territories[i]);
    for (size_t i = 0; i < u->patient_count; i++)
        printf("%spatient:%s", i || u->territory_count ? "," : "", u->patients[i]);
    printf("\n");
    return 0;
}

int cmd_user(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},        {"username", required_argument, NULL, 'u'},
        {"role", required_argument, NULL, 'r'},      {"territory", required_argument, NULL, 't'},
        {"patient", required_argument, NULL, 'p'},   {"password-stdin", no_argument, NULL, 's'},
        {"enable", no_argument, NULL, 'e'},          {"help", no_argument, NULL, 'h'},
        {"replace", no_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CMD_EXIT_USAGE : CMD_EXIT_OK;
    }
    const char *action = argv[1];
    const char *db = NULL, *username = NULL, *role = NULL;
    char *territories[LIST_MAX], *patients[LIST_MAX];
    size_t nt = 0, np = 0;
    bool password_stdin = false, enable = false, set_territories = false, set_patients = false;
    bool replace = false;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': username = optarg; break;
        case 'r': role = optarg; break;
        case 't':
            set_territories = true;
            if (nt < LIST_MAX) territories[nt++] = optarg;
            break;
        case 'p':
            set_patients = true;
            if (np < LIST_MAX) patients[np++] = optarg;
            break;
        case 's': password_stdin = true; break;
        case 'e': enable = true; break;
        case 'R': replace = true; break;
        case 'h': usage(stdout); return CMD_EXIT_OK;
        default: return cmd_usage_error("user", "unknown option");
        }
    }
    if (!db) return cmd_usage_error("user", "--db DATABASE is required");
    bool is_list = !strcmp(action, "list");
    if (!is_list && !username) return cmd_usage_error("user", "--username NAME is required");
    enum auth_role parsed_role = ROLE_NONE;
    if (role && auth_role_parse(role, &parsed_role) < 0)
        return cmd_usage_error("user", "--role '%s': not one of coordinator, professional, "
                                       "caregiver, gateway, planner, admin",
                               role);
    verr e;
    store *s = store_open(db, STORE_WRITE, &e);
    if (!s) return cmd_fail("user", "%s", e.msg);
    int status = CMD_EXIT_OK;
    int64_t now = instant_now_ms();
    struct store_user u;
    memset(&u, 0, sizeof u);

    if (is_list) {
        if (store_user_each(s, print_user, NULL, &e) < 0) status = cmd_fail("user", "%s", e.msg);
        goto done;
    }
    if (!strcmp(action, "add")) {
        if (!role) {
            status = cmd_usage_error("user", "add needs --role");
            goto done;
        }
        if (strlen(username) >= sizeof u.username) {
            status = cmd_usage_error("user", "--username is longer than %zu characters",
                                     sizeof u.username - 1);
            goto done;
        }
        if (check_bindings(s, role, territories, nt, np) != 0) {
            status = CMD_EXIT_USAGE;
            goto done;
        }
        snprintf(u.username, sizeof u.username, "%s", username);
        snprintf(u.role, sizeof u.role, "%s", role);
        char password[512], hash[AUTH_HASH_MAX];
        if (password_stdin) {
            if (read_password("user", password, sizeof password) != 0) {
                status = CMD_EXIT_FAILURE;
                goto done;
            }
            if (auth_password_hash(password, hash, &e) < 0) {
                status = cmd_fail("user", "%s", e.msg);
                goto done;
            }
            u.password_hash = hash;
        } else if (parsed_role != ROLE_GATEWAY) {
            status = cmd_usage_error("user", "a %s needs a password (--password-stdin)", role);
            goto done;
        }
        u.territories = territories;
        u.territory_count = nt;
        u.patients = patients;
        u.patient_count = np;
        int rc = store_user_add(s, &u, now, &e);
        u.password_hash = NULL;
        u.territories = u.patients = NULL;
        u.territory_count = u.patient_count = 0;
        if (rc < 0) status = cmd_fail("user", "%s", e.msg);
        else if (rc == 1) status = cmd_fail("user", "user '%s' already exists", username);
        else printf("user %s created (%s)\n", username, role);
        goto done;
    }
    int rc = store_user_get(s, username, 0, &u, &e);
    if (rc != 0) {
        status = rc < 0 ? cmd_fail("user", "%s", e.msg)
                        : cmd_fail("user", "no user named '%s'", username);
        goto done;
    }
    free(u.password_hash);
    u.password_hash = NULL;
    if (!strcmp(action, "passwd")) {
        char password[512], hash[AUTH_HASH_MAX];
        if (!password_stdin) {
            status = cmd_usage_error("user", "passwd reads the password with --password-stdin");
            goto done;
        }
        if (read_password("user", password, sizeof password) != 0 ||
            auth_password_hash(password, hash, &e) < 0) {
            status = CMD_EXIT_FAILURE;
            goto done;
        }
        u.password_hash = xstrdup(hash);
        u.role[0] = '\0';
        if (store_user_update(s, &u, false, now, &e) < 0 ||
            store_token_revoke_user(s, u.id, false, now, &e) < 0)
            status = cmd_fail("user", "%s", e.msg);
        else
            printf("password of %s changed; their sessions are closed\n", username);
    } else if (!strcmp(action, "role")) {
        if (!role) {
            status = cmd_usage_error("user", "role needs --role");
            goto done;
        }
        if (check_bindings(s, role, u.territories, u.territory_count, u.patient_count) != 0) {
            status = CMD_EXIT_USAGE;
            goto done;
        }
        snprintf(u.role, sizeof u.role, "%s", role);
        if (store_user_update(s, &u, false, now, &e) < 0 ||
            store_token_revoke_user(s, u.id, false, now, &e) < 0)
            status = cmd_fail("user", "%s", e.msg);
        else
            printf("%s is now %s\n", username, role);
    } else if (!strcmp(action, "territory") || !strcmp(action, "patient")) {
        bool territory = !strcmp(action, "territory");
        if (territory ? set_patients : set_territories) {
            status = cmd_usage_error("user", "%s takes only --%s", action, action);
            goto done;
        }
        char **keep = territory ? u.patients : u.territories;
        size_t keep_n = territory ? u.patient_count : u.territory_count;
        struct store_user v = u;
        v.role[0] = '\0';
        v.territories = territory ? territories : keep;
        v.territory_count = territory ? nt : keep_n;
        v.patients = territory ? keep : patients;
        v.patient_count = territory ? keep_n : np;
        if (check_bindings(s, u.role, v.territories, v.territory_count, v.patient_count) != 0) {
            status = CMD_EXIT_USAGE;
            goto done;
        }
        if (store_user_update(s, &v, true, now, &e) < 0)
            status = cmd_fail("user", "%s", e.msg);
        else
            printf("%s of %s set (%zu)\n", territory ? "territories" : "patients", username,
                   territory ? nt : np);
    } else if (!strcmp(action, "disable")) {
        u.disabled = !enable;
        u.role[0] = '\0';
        if (store_user_update(s, &u, false, now, &e) < 0 ||
            (!enable && store_token_revoke_user(s, u.id, true, now, &e) < 0))
            status = cmd_fail("user", "%s", e.msg);
        else
            printf("%s %s\n", username, enable ? "enabled" : "disabled; sessions and keys revoked");
    } else if (!strcmp(action, "key")) {
        char key[AUTH_TOKEN_LEN + 1];
        unsigned char hash[AUTH_TOKEN_HASH];
        auth_token_new(key, hash);
        if ((replace && store_token_revoke_user(s, u.id, true, now, &e) < 0) ||
            store_token_add(s, hash, u.id, TOKEN_KEY, now, STORE_NO_TIME, &e) < 0)
            status = cmd_fail("user", "%s", e.msg);
        else
            printf("%s\n", key);
    } else {
        status = cmd_usage_error("user", "unknown action '%s'", action);
    }
done:
    store_user_free(&u);
    store_close(s);
    return status;
}
