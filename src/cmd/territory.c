/* vigie territory: the programme's registry from the command line (territories, their
 * communes and quota, sites, professionals), with the same checks as the API. */
#include "cmd/cmd.h"
#include "core/instant.h"
#include "registry/registry.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMUNES_MAX 2000

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vigie territory <action> --db DATABASE [options]\n\n"
            "Actions:\n"
            "  add           create a territory: --id ID --name NAME --region CODE\n"
            "                [--commune INSEE]... [--quota N]\n"
            "  set           change a territory: --id ID [--name NAME] [--region CODE]\n"
            "                [--commune INSEE]... (replaces the list) [--quota N|none]\n"
            "  list          the territories with their quota and enrolled patients\n"
            "  regions       the INSEE regions\n"
            "  site          add a site: --id TERRITORY --site ID --kind KIND --name NAME\n"
            "                --commune INSEE   (kinds: msp, smp, ehpad, telemedicine, hospital)\n"
            "  professional  add a professional: --id TERRITORY --professional ID --name NAME\n"
            "                --profession P [--rpps N] [--site ID] [--username NAME]\n"
            "                (professions: gp, nurse, ipa, specialist, pharmacist,\n"
            "                physiotherapist, midwife, other)\n\n"
            "A commune belongs to one territory, in the territory's region. Enrolment and its\n"
            "quota are managed through the API (POST /api/territories/{id}/patients), where\n"
            "the running server keeps triage informed.\n");
}

struct options {
    const char *db, *id, *name, *region, *quota, *site, *kind, *profession, *rpps, *username;
    const char *professional;
    char *communes[COMMUNES_MAX];
    size_t commune_count;
    bool communes_given;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},         {"id", required_argument, NULL, 'i'},
        {"name", required_argument, NULL, 'n'},       {"region", required_argument, NULL, 'r'},
        {"commune", required_argument, NULL, 'c'},    {"quota", required_argument, NULL, 'q'},
        {"site", required_argument, NULL, 's'},       {"kind", required_argument, NULL, 'k'},
        {"professional", required_argument, NULL, 'p'},
        {"profession", required_argument, NULL, 'P'}, {"rpps", required_argument, NULL, 'R'},
        {"username", required_argument, NULL, 'u'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'i': o->id = optarg; break;
        case 'n': o->name = optarg; break;
        case 'r': o->region = optarg; break;
        case 'c':
            o->communes_given = true;
            if (o->commune_count == COMMUNES_MAX)
                return cmd_usage_error("territory", "at most %d communes", COMMUNES_MAX);
            o->communes[o->commune_count++] = optarg;
            break;
        case 'q': o->quota = optarg; break;
        case 's': o->site = optarg; break;
        case 'k': o->kind = optarg; break;
        case 'p': o->professional = optarg; break;
        case 'P': o->profession = optarg; break;
        case 'R': o->rpps = optarg; break;
        case 'u': o->username = optarg; break;
        case 'h': usage(stdout); return -1;
        default: return cmd_usage_error("territory", "unknown option");
        }
    }
    if (optind < argc) return cmd_usage_error("territory", "unexpected argument '%s'", argv[optind]);
    if (!o->db) return cmd_usage_error("territory", "--db DATABASE is required");
    return 0;
}

/* Copies an option into a fixed field; a usage error when it does not fit. */
static int copy(const char *option, const char *value, char *out, size_t n)
{
    if (!value) return 0;
    if (strlen(value) >= n)
        return cmd_usage_error("territory", "--%s is longer than %zu characters", option, n - 1);
    memcpy(out, value, strlen(value) + 1);
    return 0;
}

static int parse_quota(const char *text, int64_t *quota)
{
    if (!strcmp(text, "none")) {
        *quota = -1;
        return 0;
    }
    char *end;
    long long n = strtoll(text, &end, 10);
    if (*end || n < 0 || n > 1000000)
        return cmd_usage_error("territory", "--quota must be 0 to 1000000, or none");
    *quota = n;
    return 0;
}

/* Runs one registry write in its own transaction; prints the refusal. */
static int write_registry(const char *db, int (*apply)(store *s, void *arg,
                                                       struct registry_outcome *o, verr *e),
                          void *arg, const char *done)
{
    verr e;
    store *s = store_open(db, STORE_WRITE, &e);
    if (!s) return cmd_fail("territory", "%s", e.msg);
    struct registry_outcome o = {0};
    int status = CMD_EXIT_OK;
    if (store_begin(s, &e) < 0 || apply(s, arg, &o, &e) < 0) {
        store_rollback(s);
        status = cmd_fail("territory", "%s", e.msg);
    } else if (o.status >= 300) {
        store_rollback(s);
        status = cmd_fail("territory", "%s%s%s", o.field[0] ? o.field : "",
                          o.field[0] ? ": " : "", o.message);
    } else if (store_commit(s, &e) < 0) {
        status = cmd_fail("territory", "%s", e.msg);
    } else {
        printf("%s\n", done);
    }
    store_close(s);
    return status;
}

struct territory_change {
    struct store_territory t; /* add */
    const char *id;           /* set: the options as a PATCH body */
    json_t *patch;
};

static int apply_territory(store *s, void *arg, struct registry_outcome *o, verr *e)
{
    struct territory_change *c = arg;
    if (c->patch) {
        struct store_territory t;
        int rc = registry_patch_territory(s, c->id, c->patch, instant_now_ms(), &t, o, e);
        store_territory_free(&t);
        return rc;
    }
    if (registry_check_territory(&c->t, o) < 0) return 0;
    return registry_apply_territory(s, &c->t, false, true, o, e);
}

static int territory_add(struct options *opt)
{
    struct territory_change c = {.t.quota = -1};
    if (!opt->id || !opt->name || !opt->region)
        return cmd_usage_error("territory", "add needs --id, --name and --region");
    if (copy("id", opt->id, c.t.id, sizeof c.t.id) ||
        copy("name", opt->name, c.t.name, sizeof c.t.name) ||
        copy("region", opt->region, c.t.region, sizeof c.t.region) ||
        (opt->quota && parse_quota(opt->quota, &c.t.quota)))
        return CMD_EXIT_USAGE;
    c.t.communes = opt->communes;
    c.t.commune_count = opt->commune_count;
    c.t.created_ms = c.t.updated_ms = instant_now_ms();
    char done[200];
    snprintf(done, sizeof done, "territory %s created", c.t.id);
    return write_registry(opt->db, apply_territory, &c, done);
}

static int territory_set(struct options *opt)
{
    if (!opt->id) return cmd_usage_error("territory", "set needs --id");
    int64_t quota = 0;
    if (opt->quota && parse_quota(opt->quota, &quota)) return CMD_EXIT_USAGE;
    struct territory_change c = {.id = opt->id, .patch = json_object()};
    if (opt->name) json_object_set_new(c.patch, "name", json_string(opt->name));
    if (opt->region) json_object_set_new(c.patch, "region", json_string(opt->region));
    if (opt->quota)
        json_object_set_new(c.patch, "quota", quota < 0 ? json_null() : json_integer(quota));
    if (opt->communes_given) {
        json_t *list = json_array();
        for (size_t i = 0; i < opt->commune_count; i++)
            json_array_append_new(list, json_string(opt->communes[i]));
        json_object_set_new(c.patch, "communes", list);
    }
    char done[200];
    snprintf(done, sizeof done, "territory %s updated", opt->id);
    int status = write_registry(opt->db, apply_territory, &c, done);
    json_decref(c.patch);
    return status;
}

static int apply_site(store *s, void *arg, struct registry_outcome *o, verr *e)
{
    if (registry_check_site(arg, o) < 0) return 0;
    return registry_apply_site(s, arg, o, e);
}

static int apply_professional(store *s, void *arg, struct registry_outcome *o, verr *e)
{
    if (registry_check_professional(arg, o) < 0) return 0;
    return registry_apply_professional(s, arg, o, e);
}

static int site_add(struct options *opt)
{
    struct store_site site = {.created_ms = instant_now_ms()};
    if (!opt->id || !opt->site || !opt->kind || !opt->name || !opt->commune_count)
        return cmd_usage_error("territory", "site needs --id, --site, --kind, --name, --commune");
    if (copy("id", opt->id, site.territory, sizeof site.territory) ||
        copy("site", opt->site, site.id, sizeof site.id) ||
        copy("kind", opt->kind, site.kind, sizeof site.kind) ||
        copy("name", opt->name, site.name, sizeof site.name) ||
        copy("commune", opt->communes[0], site.commune, sizeof site.commune))
        return CMD_EXIT_USAGE;
    char done[200];
    snprintf(done, sizeof done, "site %s added to territory %s", site.id, site.territory);
    return write_registry(opt->db, apply_site, &site, done);
}

static int professional_add(struct options *opt)
{
    struct store_professional p = {.created_ms = instant_now_ms()};
    if (!opt->id || !opt->professional || !opt->name || !opt->profession)
        return cmd_usage_error("territory",
                               "professional needs --id, --professional, --name, --profession");
    if (copy("id", opt->id, p.territory, sizeof p.territory) ||
        copy("professional", opt->professional, p.id, sizeof p.id) ||
        copy("name", opt->name, p.name, sizeof p.name) ||
        copy("profession", opt->profession, p.profession, sizeof p.profession) ||
        copy("rpps", opt->rpps, p.rpps, sizeof p.rpps) ||
        copy("site", opt->site, p.site, sizeof p.site) ||
        copy("username", opt->username, p.username, sizeof p.username))
        return CMD_EXIT_USAGE;
    char done[200];
    snprintf(done, sizeof done, "professional %s added to territory %s", p.id, p.territory);
    return write_registry(opt->db, apply_professional, &p, done);
}

struct list_state {
    store *s;
    int64_t now_ms;
};

static int print_territory(void *arg, const struct store_territory *t)
{
    struct list_state *l = arg;
    int64_t enrolled = 0;
    verr e;
    if (store_enrolment_count(l->s, t->id, l->now_ms, &enrolled, &e) < 0) return 1;
    char quota[24];
    if (t->quota < 0)
        snprintf(quota, sizeof quota, "-");
    else
        snprintf(quota, sizeof quota, "%lld", (long long)t->quota);
    printf("%-12s %-6s %8lld %8s %8zu  %s\n", t->id, t->region, (long long)enrolled, quota,
           t->commune_count, t->name);
    return 0;
}

static int print_region(void *arg, const struct store_region *r)
{
    (void)arg;
    printf("%-4s %s\n", r->code, r->name);
    return 0;
}

static int list(const struct options *opt, bool regions)
{
    verr e;
    store *s = store_open(opt->db, STORE_WRITE, &e); /* applies migrations when needed */
    if (!s) return cmd_fail("territory", "%s", e.msg);
    struct list_state l = {.s = s, .now_ms = instant_now_ms()};
    int rc;
    if (regions) {
        rc = store_region_each(s, print_region, NULL, &e);
    } else {
        printf("%-12s %-6s %8s %8s %8s  %s\n", "id", "region", "enrolled", "quota", "communes",
               "name");
        rc = store_territory_each(s, print_territory, &l, &e);
    }
    store_close(s);
    return rc < 0 ? cmd_fail("territory", "%s", e.msg) : CMD_EXIT_OK;
}

int cmd_territory(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CMD_EXIT_USAGE : CMD_EXIT_OK;
    }
    struct options opt = {0};
    int rc = parse(argc, argv, &opt);
    if (rc != 0) return rc < 0 ? CMD_EXIT_OK : rc;
    const char *action = argv[1];
    if (!strcmp(action, "add")) return territory_add(&opt);
    if (!strcmp(action, "set")) return territory_set(&opt);
    if (!strcmp(action, "list")) return list(&opt, false);
    if (!strcmp(action, "regions")) return list(&opt, true);
    if (!strcmp(action, "site")) return site_add(&opt);
    if (!strcmp(action, "professional")) return professional_add(&opt);
    return cmd_usage_error("territory", "unknown action '%s'", action);
}
