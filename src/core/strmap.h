/* Map from strings to 64-bit integers (open addressing, linear probing). Keys are copied
 * into the map's own arena. Used for ids -> dense keys (patients, sources). Not thread-safe. */
#ifndef VIGIE_CORE_STRMAP_H
#define VIGIE_CORE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct strmap_slot {
    const char *key; /* NULL: empty */
    uint32_t len;
    uint32_t hash;
    int64_t value;
};

typedef struct strmap {
    struct strmap_slot *slots;
    size_t cap; /* power of two */
    size_t count;
    arena keys;
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);
/* Looks key up; returns true and sets *value when present. */
bool strmap_get(const strmap *m, const char *key, size_t len, int64_t *value);
/* Inserts or replaces. */
void strmap_put(strmap *m, const char *key, size_t len, int64_t value);
/* Removes a key if present. */
void strmap_remove(strmap *m, const char *key, size_t len);
/* Removes every entry (keeps the capacity). */
void strmap_clear(strmap *m);

#endif
