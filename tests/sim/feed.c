/* The simulated programme into a running server: `vigie sim load` creates its registry and
 * users, `vigie sim feed` sends every resource with its sender's own credentials (gateway
 * keys, caregivers', professionals' and planners' passwords) and enrols every patient, and
 * the server accepts them all; a
 * coordinator of the territory then reads the patient's observations and finds cases in the
 * queue. */
#include "../e2e/harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tests_run, failures;

static void check(bool ok, const char *what, const char *detail)
{
    tests_run++;
    if (!ok) failures++;
    printf("%sok %d - %s\n", ok ? "" : "not ", tests_run, what);
    if (!ok && detail) printf("# %s\n", detail);
}

/* The password the programme gives `username` (synthetic demo credentials). */
static char *password_of(const char *programme, const char *username)
{
    FILE *in = fopen(programme, "r");
    char line[65536];
    char *found = NULL;
    while (in && !found && fgets(line, sizeof line, in)) {
        json_t *obj = json_loads(line, 0, NULL);
        const char *u = json_string_value(json_object_get(obj, "username"));
        if (u && !strcmp(u, username))
            found = strdup(json_string_value(json_object_get(obj, "password")));
        json_decref(obj);
    }
    if (in) fclose(in);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s VIGIE\n", argv[0]);
        return 2;
    }
    printf("1..6\n");
    struct e2e_server s;
    if (e2e_prepare(&s, argv[1]) < 0) {
        printf("not ok 1 - prepare\n");
        return 1;
    }
    char args[2048], programme[400], keys[400];
    buf out;
    buf_init(&out, 1 << 20);
    /* A past start: nothing waits for its clinical time. */
    snprintf(args, sizeof args,
             "sim --seed 5 --patients 40 --days 4 --start 2025-03-03 --regions 1 "
             "--territories-per-region 1 --episode-rate 8 --out %s/sim --quiet",
             s.dir);
    check(e2e_vigie(&s, args, &out) == 0, "vigie sim generates a programme", buf_cstr(&out));
    snprintf(programme, sizeof programme, "%s/sim/programme.ndjson", s.dir);
    snprintf(keys, sizeof keys, "%s/sim/keys.txt", s.dir);
    buf_reset(&out);
    snprintf(args, sizeof args, "sim load --db %s --programme %s --keys %s", s.db, programme, keys);
    check(e2e_vigie(&s, args, &out) == 0 && strstr(buf_cstr(&out), "1 territories, ") &&
              strstr(buf_cstr(&out), "gateway keys"),
          "vigie sim load creates the programme's registry and users", buf_cstr(&out));
    if (e2e_start(&s) < 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    buf_reset(&out);
    snprintf(args, sizeof args,
             "sim feed --url %s --programme %s --signals %s/sim/signals.ndjson --keys %s "
             "--speed max --quiet",
             s.base_url, programme, s.dir, keys);
    int rc = e2e_vigie(&s, args, &out);
    unsigned long long sent = 0, accepted = 1, enrolled = 0;
    const char *summary = strstr(buf_cstr(&out), "vigie sim feed: ");
    if (summary)
        sscanf(summary,
               "vigie sim feed: %llu sent, %llu accepted, %*u refused, %*u without credentials; "
               "%llu patients enrolled",
               &sent, &accepted, &enrolled);
    check(rc == 0 && sent > 100 && sent == accepted && enrolled == 40,
          "the server accepts every resource, and every patient is enrolled", buf_cstr(&out));

    /* The first patient's territory's first coordinator reads its observations. */
    char *password = NULL, coordinator[64] = "";
    FILE *in = fopen(programme, "r");
    char line[65536], territory[32] = "";
    while (in && fgets(line, sizeof line, in)) {
        json_t *obj = json_loads(line, 0, NULL);
        const char *type = json_string_value(json_object_get(obj, "type"));
        if (type && !strcmp(type, "patient") &&
            !strcmp(json_string_value(json_object_get(obj, "id")), "p-0000001"))
            snprintf(territory, sizeof territory, "%s",
                     json_string_value(json_object_get(obj, "territory")));
        json_decref(obj);
    }
    if (in) fclose(in);
    const char *dash = strrchr(territory, '-');
    if (dash) snprintf(coordinator, sizeof coordinator, "coord-%.*s-1", (int)(dash - territory - 2),
                       territory + 2);
    password = password_of(programme, coordinator);
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", coordinator,
             password ? password : "");
    struct e2e_response resp;
    e2e_request(&s, "POST", "/api/login", NULL, "application/json", body, strlen(body), &resp);
    json_t *login = json_loads(buf_cstr(&resp.body), 0, NULL);
    char token[128] = "";
    const char *t = json_string_value(json_object_get(login, "token"));
    if (t) snprintf(token, sizeof token, "%s", t);
    json_decref(login);
    check(resp.status == 200 && token[0], "a coordinator of the programme logs in",
          buf_cstr(&resp.body));
    e2e_response_free(&resp);
    e2e_request(&s, "GET", "/fhir/Observation?patient=p-0000001", token, NULL, NULL, 0, &resp);
    json_t *bundle = json_loads(buf_cstr(&resp.body), 0, NULL);
    size_t entries = json_array_size(json_object_get(bundle, "entry"));
    json_decref(bundle);
    check(resp.status == 200 && entries > 0, "and reads the patient's observations",
          buf_cstr(&resp.body));
    e2e_response_free(&resp);
    /* The server triaged what was fed: its episodes are cases in the coordinator's queue. */
    e2e_request(&s, "GET", "/api/queue", token, NULL, NULL, 0, &resp);
    json_t *queue = json_loads(buf_cstr(&resp.body), 0, NULL);
    size_t cases = json_array_size(json_object_get(queue, "cases"));
    json_decref(queue);
    check(resp.status == 200 && cases > 0, "the fed episodes are cases in the queue",
          buf_cstr(&resp.body));
    e2e_response_free(&resp);
    free(password);
    buf_free(&out);
    int stopped = e2e_stop(&s, false);
    e2e_cleanup(&s);
    return failures || stopped ? 1 : 0;
}
