/* Login throttling on a given clock: free failures, doubling delays with a cap, per account
 * and per address, forgetting, success clearing the account only, a bounded table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "auth/throttle.h"

static const struct auth_throttle_policy policy = {
    .account_free = 3,
    .address_free = 5,
    .delay_ms = 1000,
    .max_delay_ms = 8000,
    .forget_ms = 60000,
};

static void account_delays_double_up_to_the_cap(void **state)
{
    (void)state;
    auth_throttle *t = auth_throttle_new(&policy, 1024);
    int64_t now = 1000000;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(auth_throttle_wait(t, "nurse1", "10.0.0.1", now), 0);
        auth_throttle_failed(t, "nurse1", "10.0.0.1", now);
    }
    assert_int_equal(auth_throttle_wait(t, "nurse1", "10.0.0.1", now), 0); /* 3 are free */
    int64_t expected[] = {1000, 2000, 4000, 8000, 8000};
    for (size_t i = 0; i < 5; i++) {
        /* each failure from another address, so that only the account counts */
        char address[32];
        snprintf(address, sizeof address, "10.0.1.%zu", i);
        auth_throttle_failed(t, "nurse1", address, now);
        assert_int_equal(auth_throttle_wait(t, "nurse1", "192.168.0.9", now), expected[i]);
        assert_int_equal(auth_throttle_wait(t, "nurse1", "192.168.0.9", now + expected[i]), 0);
        now += expected[i];
    }
    /* another account from a fresh address is not slowed */
    assert_int_equal(auth_throttle_wait(t, "nurse2", "192.168.0.9", now), 0);
    auth_throttle_free(t);
}

static void address_slows_every_account(void **state)
{
    (void)state;
    auth_throttle *t = auth_throttle_new(&policy, 1024);
    int64_t now = 5000;
    /* a guesser trying one password on many accounts from one address */
    for (int i = 0; i < 5; i++) {
        char user[16];
        snprintf(user, sizeof user, "user%d", i);
        auth_throttle_failed(t, user, "203.0.113.7", now);
    }
    assert_int_equal(auth_throttle_wait(t, "user9", "203.0.113.7", now), 0);
    auth_throttle_failed(t, "user5", "203.0.113.7", now);
    assert_int_equal(auth_throttle_wait(t, "user9", "203.0.113.7", now), 1000);
    assert_int_equal(auth_throttle_wait(t, "user9", "198.51.100.1", now), 0);
    /* a success for one account does not clear the address */
    auth_throttle_succeeded(t, "user5");
    assert_int_equal(auth_throttle_wait(t, "user9", "203.0.113.7", now), 1000);
    auth_throttle_free(t);
}

static void success_clears_the_account(void **state)
{
    (void)state;
    auth_throttle *t = auth_throttle_new(&policy, 1024);
    for (int i = 0; i < 4; i++) auth_throttle_failed(t, "coord1", "10.0.0.2", 100);
    assert_true(auth_throttle_wait(t, "coord1", "10.0.0.3", 100) > 0);
    auth_throttle_succeeded(t, "coord1");
    assert_int_equal(auth_throttle_wait(t, "coord1", "10.0.0.3", 100), 0);
    auth_throttle_free(t);
}

static void quiet_period_forgets(void **state)
{
    (void)state;
    auth_throttle *t = auth_throttle_new(&policy, 1024);
    for (int i = 0; i < 6; i++) auth_throttle_failed(t, "nurse1", "10.0.0.4", 0);
    assert_true(auth_throttle_wait(t, "nurse1", "10.0.0.5", 0) > 0);
    /* after the quiet period one more failure is the first again: free */
    auth_throttle_failed(t, "nurse1", "10.0.0.4", 60001);
    assert_int_equal(auth_throttle_wait(t, "nurse1", "10.0.0.5", 60001), 0);
    auth_throttle_free(t);
}

static void table_is_bounded(void **state)
{
    (void)state;
    auth_throttle *t = auth_throttle_new(&policy, 16);
    /* many more names than slots: no growth, and the latest attacker is still slowed */
    for (int i = 0; i < 10000; i++) {
        char user[16];
        snprintf(user, sizeof user, "u%d", i);
        auth_throttle_failed(t, user, "10.9.9.9", i);
    }
    for (int i = 0; i < 4; i++) auth_throttle_failed(t, "target", "10.1.1.1", 20000);
    assert_true(auth_throttle_wait(t, "target", "10.2.2.2", 20000) > 0);
    auth_throttle_free(t);
}

static void policy_from_config(void **state)
{
    (void)state;
    struct auth_throttle_policy p;
    verr e;
    assert_int_equal(auth_throttle_policy_read(NULL, &p, &e), 0);
    assert_int_equal(p.account_free, 5);
    assert_int_equal(p.delay_ms, 1000);
    config *c = config_new();
    config_set(c, "auth.login_delay", "10min");
    config_set(c, "auth.login_delay_max", "1min");
    assert_int_equal(auth_throttle_policy_read(c, &p, &e), -1);
    assert_non_null(e.msg[0] ? e.msg : NULL);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(account_delays_double_up_to_the_cap),
        cmocka_unit_test(address_slows_every_account),
        cmocka_unit_test(success_clears_the_account),
        cmocka_unit_test(quiet_period_forgets),
        cmocka_unit_test(table_is_bounded),
        cmocka_unit_test(policy_from_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
