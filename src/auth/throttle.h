/* Login throttling: repeated failed logins are slowed per account and per client address.
 * Past a free allowance, each failure doubles the wait before the next attempt is even
 * checked (the password is not verified while a caller must wait: an attacker gets
 * neither an answer nor CPU time). The state is in memory, in a fixed-size table (bounded
 * whatever the attack: the least recently failing entry makes room) and forgotten after a
 * quiet period. Thread-safe. Times are passed in, so the policy is testable without
 * waiting. */
#ifndef VIGIE_AUTH_THROTTLE_H
#define VIGIE_AUTH_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/verr.h"

struct auth_throttle_policy {
    int64_t account_free;  /* failures allowed without delay, per account */
    int64_t address_free;  /* the same per client address (offices share one) */
    int64_t delay_ms;      /* the first delay; doubled at each further failure */
    int64_t max_delay_ms;
    int64_t forget_ms;     /* failures older than this are forgotten */
};

/* Defaults, then the keys auth.login_free_failures, auth.login_free_failures_per_address,
 * auth.login_delay, auth.login_delay_max and auth.login_forget of c (may be NULL). */
int auth_throttle_policy_read(config *c, struct auth_throttle_policy *p, verr *e);

typedef struct auth_throttle auth_throttle;

/* A table of about `entries` accounts and addresses. */
auth_throttle *auth_throttle_new(const struct auth_throttle_policy *p, size_t entries);
void auth_throttle_free(auth_throttle *t);
/* Milliseconds the caller must still wait before trying `username` from `address`; 0 when
 * it may try now. */
int64_t auth_throttle_wait(auth_throttle *t, const char *username, const char *address,
                           int64_t now_ms);
/* A failed attempt (wrong password, unknown or disabled account: all count the same). */
void auth_throttle_failed(auth_throttle *t, const char *username, const char *address,
                          int64_t now_ms);
/* A successful login clears the account's failures (not the address's: one good account
 * must not reset the count of an address guessing at others). */
void auth_throttle_succeeded(auth_throttle *t, const char *username);

#endif
