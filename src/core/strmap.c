#include "core/strmap.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys (ids) dominate; good enough spread, and the probe compares the full
 * hash before the bytes. */
static uint32_t strmap_hash(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

void strmap_init(strmap *m)
{
    m->cap = 64;
    m->count = 0;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    arena_init(&m->keys, 64 * 1024);
}

void strmap_free(strmap *m)
{
    free(m->slots);
    arena_free(&m->keys);
    memset(m, 0, sizeof *m);
}

void strmap_clear(strmap *m)
{
    memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
    arena_reset(&m->keys);
}

static struct strmap_slot *strmap_find(const strmap *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
}

bool strmap_get(const strmap *m, const char *key, size_t len, int64_t *value)
{
    struct strmap_slot *s = strmap_find(m, key, len, strmap_hash(key, len));
    if (!s->key) return false;
    *value = s->value;
    return true;
}

static void strmap_grow(strmap *m)
{
    struct strmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key) continue;
        *strmap_find(m, old[i].key, old[i].len, old[i].hash) = old[i];
    }
    free(old);
}

void strmap_put(strmap *m, const char *key, size_t len, int64_t value)
{
    if ((m->count + 1) * 4 > m->cap * 3) strmap_grow(m);
    uint32_t h = strmap_hash(key, len);
    struct strmap_slot *s = strmap_find(m, key, len, h);
    if (!s->key) {
        s->key = arena_strndup(&m->keys, key, len);
        s->len = (uint32_t)len;
        s->hash = h;
        m->count++;
    }
    s->value = value;
}

void strmap_remove(strmap *m, const char *key, size_t len)
{
    struct strmap_slot *s = strmap_find(m, key, len, strmap_hash(key, len));
    if (!s->key) return;
    /* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
    size_t mask = m->cap - 1;
    size_t hole = (size_t)(s - m->slots);
    for (size_t i = (hole + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
        size_t home = m->slots[i].hash & mask;
        /* Move slot i into the hole if its home is not cyclically in (hole, i]. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            m->slots[hole] = m->slots[i];
            hole = i;
        }
    }
    memset(&m->slots[hole], 0, sizeof m->slots[hole]);
    m->count--;
}
