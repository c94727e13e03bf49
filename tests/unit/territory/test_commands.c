/* The territory commands end to end: the built `vigie` binary on the small files of
 * tests/unit/territory/data (the three-commune E2SFCA case of test_apl.c), checking outputs,
 * exit statuses and error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "testutil.h"
#include "territory_testutil.h"

#include "core/buf.h"

static char data_dir[1024], vigie[1024];

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("VIGIE_SOURCE_ROOT"), *build = getenv("VIGIE_BUILD_ROOT");
    if (!src || !build) return 0;
    snprintf(data_dir, sizeof data_dir, "%s/tests/unit/territory/data", src);
    snprintf(vigie, sizeof vigie, "%s/vigie", build);
    return 0;
}

/* Runs `vigie ARGS` (with @ standing for the data directory), capturing stdout and stderr;
 * returns the exit status. */
static int run(const char *args, buf *out, buf *err)
{
    if (!vigie[0] || access(vigie, X_OK) != 0) skip();
    char expanded[4096] = "", command[8192], err_path[] = "/tmp/vigie-test-XXXXXX";
    for (const char *s = args; *s; s++) {
        size_t n = strlen(expanded);
        if (*s == '@')
            snprintf(expanded + n, sizeof expanded - n, "%s", data_dir);
        else if (n + 1 < sizeof expanded)
            expanded[n] = *s, expanded[n + 1] = '\0';
    }
    int fd = mkstemp(err_path);
    assert_true(fd >= 0);
    close(fd);
    snprintf(command, sizeof command, "'%s' %s 2>'%s'", vigie, expanded, err_path);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_append(out, chunk, n);
    int status = pclose(p);
    FILE *f = fopen(err_path, "r");
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(err, chunk, n);
    if (f) fclose(f);
    unlink(err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double value_of(const char *csv, const char *code)
{
    char key[32];
    snprintf(key, sizeof key, "\n%s,", code);
    const char *at = strstr(csv, key);
    if (!at) fail_msg("no row %s in:\n%s", code, csv);
    return strtod(at + strlen(key), NULL);
}

static void apl_command(void **state)
{
    (void)state;
    buf out, err;
    buf_init(&out, 1 << 20);
    buf_init(&err, 1 << 20);
    int rc = run("apl --communes @/communes.csv --supply @/supply.csv --matrix @/matrix.csv", &out,
                 &err);
    if (rc != 0) fail_msg("exit %d: %s", rc, buf_cstr(&err));
    const char *csv = buf_cstr(&out);
    assert_true(!strncmp(csv, "code,apl\n", 9));
    double rx = 10 / 248.5, rz = 5.0 / 283;
    assert_near(value_of(csv, "X"), rx + 0.33 * rz, 1e-9);
    assert_near(value_of(csv, "Y"), 0.66 * rx + rz, 1e-9);
    assert_near(value_of(csv, "Z"), 0.33 * rx + rz, 1e-9);

    buf_reset(&out);
    buf_reset(&err);
    rc = run("apl --communes @/communes.csv --supply @/supply.csv --matrix @/matrix.csv --deserts "
             "--threshold 0.045 --territories @/territories.csv",
             &out, &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(buf_cstr(&out), "\nfrance,FR,,3,2,0,350,250,"));
    assert_non_null(strstr(buf_cstr(&out), "\nterritory,south,,1,1,0,50,50,1,"));

    buf_reset(&out);
    buf_reset(&err);
    rc = run("apl --communes @/communes.csv --supply @/bad_supply.csv", &out, &err);
    assert_int_equal(rc, 1);
    assert_non_null(
        strstr(buf_cstr(&err), "bad_supply.csv:3: column 2 'supply': 'lots' is not a number"));

    buf_reset(&err);
    assert_int_equal(run("apl --supply @/supply.csv --bands 10:1,5:1 --communes x", &out, &err), 2);
    assert_non_null(strstr(buf_cstr(&err), "increasing"));
    buf_reset(&err);
    assert_int_equal(run("apl --unknown", &out, &err), 2);
    assert_non_null(strstr(buf_cstr(&err), "Try 'vigie apl --help'"));
    buf_reset(&out);
    assert_int_equal(run("apl --help", &out, &err), 0);
    assert_non_null(strstr(buf_cstr(&out), "Usage: vigie apl"));
    buf_free(&out);
    buf_free(&err);
}

/* Deficit weights at threshold 0.045: Y 200 x (1 - A_Y / 0.045), Z 50 x (1 - A_Z / 0.045),
 * X none. Within 10 minutes Y and Z reach each other and X reaches only itself, so the one
 * site goes to Y (Z covers the same; the tie goes to the first). */
static void sites_command(void **state)
{
    (void)state;
    buf out, err;
    buf_init(&out, 1 << 20);
    buf_init(&err, 1 << 20);
    char apl_path[] = "/tmp/vigie-apl-XXXXXX", args[2048];
    int fd = mkstemp(apl_path);
    close(fd);
    snprintf(args, sizeof args,
             "apl --communes @/communes.csv --supply @/supply.csv --matrix @/matrix.csv "
             "--output %s",
             apl_path);
    assert_int_equal(run(args, &out, &err), 0);
    snprintf(args, sizeof args,
             "sites --communes @/communes.csv --matrix @/matrix.csv --apl %s -p 1 --minutes 10 "
             "--threshold 0.045",
             apl_path);
    int rc = run(args, &out, &err);
    if (rc != 0) fail_msg("exit %d: %s", rc, buf_cstr(&err));
    const char *head = "rank,code,name,gain_weight,gain_population\n1,Y,Yville,";
    assert_true(!strncmp(buf_cstr(&out), head, strlen(head)));
    double rx = 10 / 248.5, rz = 5.0 / 283;
    double wy = 200 * (1 - (0.66 * rx + rz) / 0.045), wz = 50 * (1 - (0.33 * rx + rz) / 0.045);
    assert_near(strtod(buf_cstr(&out) + strlen(head), NULL), wy + wz, 1e-6);
    assert_non_null(strstr(buf_cstr(&err), "exact, optimal"));
    buf_reset(&err);
    assert_int_equal(run("sites --communes @/communes.csv --apl x", &out, &err), 2);
    assert_non_null(strstr(buf_cstr(&err), "-p N"));
    unlink(apl_path);
    buf_free(&out);
    buf_free(&err);
}

/* One team in April, revisit 30 days: north (need 0.875) gets a full 15-day stay, then after
 * a travel day south (need 0.125) gets round(0.125 x 30) = 4 days; both are then closed
 * until May. */
static void rotations_command(void **state)
{
    (void)state;
    buf out, err;
    buf_init(&out, 1 << 20);
    buf_init(&err, 1 << 20);
    int rc =
        run("rotations --territories @/rotation_territories.csv --teams @/teams.csv", &out, &err);
    if (rc != 0) fail_msg("exit %d: %s", rc, buf_cstr(&err));
    assert_string_equal(buf_cstr(&out), "team,territory,start,end,days\n"
                                        "mt-1,north,2026-04-01,2026-04-15,15\n"
                                        "mt-1,south,2026-04-17,2026-04-20,4\n");
    buf_reset(&out);
    assert_int_equal(run("rotations --territories @/rotation_territories.csv --teams "
                         "@/teams.csv --format calendar",
                         &out, &err),
                     0);
    assert_non_null(strstr(buf_cstr(&out), "mt-1            AAAAAAAAAAAAAAA.BBBB.........."));
    buf_reset(&err);
    assert_int_equal(run("rotations --territories @/rotation_territories.csv --teams "
                         "@/teams.csv --min-stay 20 --max-stay 10",
                         &out, &err),
                     1);
    assert_non_null(strstr(buf_cstr(&err), "min <= max"));
    buf_free(&out);
    buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apl_command),
        cmocka_unit_test(sites_command),
        cmocka_unit_test(rotations_command),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
