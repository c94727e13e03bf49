/* Region allocator: many small allocations freed in one go (per request, per batch).
 * Allocation never fails (aborts on out-of-memory like xmalloc). */
#ifndef VIGIE_CORE_ARENA_H
#define VIGIE_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

typedef struct arena {
    struct arena_block *head; /* current block; older blocks follow */
    size_t block_size;        /* size of ordinary blocks */
    size_t used_total;        /* bytes handed out since the last reset */
} arena;

void arena_init(arena *a, size_t block_size);
/* Returns n bytes aligned to 16, valid until arena_reset/arena_free. */
void *arena_alloc(arena *a, size_t n);
void *arena_zalloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything but the first block, which is kept for reuse. */
void arena_reset(arena *a);
void arena_free(arena *a);

#endif
