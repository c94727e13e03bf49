/* Identifiers Vigie assigns to resources: 26 characters of lowercase Crockford base32, a
 * 48-bit millisecond timestamp then 80 random bits, so ids sort by creation time (index
 * locality) and never collide across databases that are later merged. Thread-safe. */
#ifndef VIGIE_CORE_IDENT_H
#define VIGIE_CORE_IDENT_H

#include <stdint.h>

#define IDENT_LEN 26

/* Writes IDENT_LEN characters and a NUL into out. */
void ident_new(char out[IDENT_LEN + 1], int64_t now_ms);

#endif
