#include "auth/throttle.h"
#include "core/mem.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Entries live in buckets of WAYS slots, found by a keyed hash of "u:name" or "a:address":
 * the random key keeps an attacker from aiming many names at one bucket. */
#define WAYS 4

struct entry {
    uint64_t key;          /* 0: empty */
    int64_t failures;
    int64_t last_failure_ms;
    int64_t next_allowed_ms;
};

struct auth_throttle {
    pthread_mutex_t lock;
    struct auth_throttle_policy policy;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    struct entry *entries;
    size_t buckets;
};

int auth_throttle_policy_read(config *c, struct auth_throttle_policy *p, verr *e)
{
    config *none = c ? NULL : config_new();
    config *src = c ? c : none;
    int rc = 0;
    if (config_get_int(src, "auth.login_free_failures", 5, 0, 1000, &p->account_free, e) < 0 ||
        config_get_int(src, "auth.login_free_failures_per_address", 20, 0, 100000,
                       &p->address_free, e) < 0 ||
        config_get_duration(src, "auth.login_delay", "1s", &p->delay_ms, e) < 0 ||
        config_get_duration(src, "auth.login_delay_max", "15min", &p->max_delay_ms, e) < 0 ||
        config_get_duration(src, "auth.login_forget", "1h", &p->forget_ms, e) < 0)
        rc = -1;
    else if (p->delay_ms <= 0 || p->max_delay_ms < p->delay_ms)
        rc = verr_fail(e, "auth.login_delay must be positive and at most auth.login_delay_max");
    config_free(none);
    return rc;
}

auth_throttle *auth_throttle_new(const struct auth_throttle_policy *p, size_t entries)
{
    auth_throttle *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->policy = *p;
    t->buckets = entries / WAYS > 0 ? entries / WAYS : 1;
    t->entries = xcalloc(t->buckets * WAYS, sizeof *t->entries);
    if (sodium_init() < 0) abort(); /* no random source: nothing safe can follow */
    crypto_shorthash_keygen(t->hash_key);
    return t;
}

void auth_throttle_free(auth_throttle *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    free(t->entries);
    free(t);
}

static uint64_t key_of(const auth_throttle *t, char kind, const char *name)
{
    size_t n = strlen(name);
    unsigned char *text = xmalloc(n + 2);
    text[0] = (unsigned char)kind;
    text[1] = ':';
    memcpy(text + 2, name, n);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, text, n + 2, t->hash_key);
    free(text);
    uint64_t key;
    memcpy(&key, h, sizeof key);
    return key ? key : 1; /* 0 marks an empty slot */
}

/* The entry of `key`; with create, a new one (reusing an empty, forgotten or the least
 * recently failing slot of the bucket). Lock held. */
static struct entry *find(auth_throttle *t, uint64_t key, int64_t now_ms, bool create)
{
    struct entry *bucket = &t->entries[(key % t->buckets) * WAYS];
    for (int i = 0; i < WAYS; i++)
        if (bucket[i].key == key) {
            if (now_ms - bucket[i].last_failure_ms > t->policy.forget_ms) {
                bucket[i].failures = 0;
                bucket[i].next_allowed_ms = 0;
            }
            return &bucket[i];
        }
    if (!create) return NULL;
    struct entry *victim = &bucket[0];
    for (int i = 0; i < WAYS; i++) {
        if (!bucket[i].key || now_ms - bucket[i].last_failure_ms > t->policy.forget_ms) {
            victim = &bucket[i];
            break;
        }
        if (bucket[i].last_failure_ms < victim->last_failure_ms) victim = &bucket[i];
    }
    *victim = (struct entry){.key = key};
    return victim;
}

static int64_t remaining(const struct entry *en, int64_t now_ms)
{
    return en && en->next_allowed_ms > now_ms ? en->next_allowed_ms - now_ms : 0;
}

int64_t auth_throttle_wait(auth_throttle *t, const char *username, const char *address,
                           int64_t now_ms)
{
    uint64_t account = key_of(t, 'u', username), from = key_of(t, 'a', address);
    pthread_mutex_lock(&t->lock);
    int64_t a = remaining(find(t, account, now_ms, false), now_ms);
    int64_t b = remaining(find(t, from, now_ms, false), now_ms);
    pthread_mutex_unlock(&t->lock);
    return a > b ? a : b;
}

static void fail_one(auth_throttle *t, uint64_t key, int64_t free_failures, int64_t now_ms)
{
    struct entry *en = find(t, key, now_ms, true);
    en->failures++;
    en->last_failure_ms = now_ms;
    if (en->failures <= free_failures) return;
    int64_t doublings = en->failures - free_failures - 1;
    int64_t delay = t->policy.delay_ms;
    while (doublings-- > 0 && delay < t->policy.max_delay_ms) delay *= 2;
    if (delay > t->policy.max_delay_ms) delay = t->policy.max_delay_ms;
    en->next_allowed_ms = now_ms + delay;
}

void auth_throttle_failed(auth_throttle *t, const char *username, const char *address,
                          int64_t now_ms)
{
    uint64_t account = key_of(t, 'u', username), from = key_of(t, 'a', address);
    pthread_mutex_lock(&t->lock);
    fail_one(t, account, t->policy.account_free, now_ms);
    fail_one(t, from, t->policy.address_free, now_ms);
    pthread_mutex_unlock(&t->lock);
}

void auth_throttle_succeeded(auth_throttle *t, const char *username)
{
    uint64_t account = key_of(t, 'u', username);
    pthread_mutex_lock(&t->lock);
    struct entry *bucket = &t->entries[(account % t->buckets) * WAYS];
    for (int i = 0; i < WAYS; i++)
        if (bucket[i].key == account) bucket[i] = (struct entry){0};
    pthread_mutex_unlock(&t->lock);
}
