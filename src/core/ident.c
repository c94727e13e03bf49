#include "core/ident.h"

#include <sodium.h>

void ident_new(char out[IDENT_LEN + 1], int64_t now_ms)
{
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    unsigned char random[10];
    randombytes_buf(random, sizeof random);
    uint64_t t = (uint64_t)now_ms & 0xFFFFFFFFFFFFULL;
    /* 48 bits of time -> 10 characters (50 bits, top 2 zero) */
    for (int i = 9; i >= 0; i--) {
        out[i] = alphabet[t & 31];
        t >>= 5;
    }
    /* 80 random bits -> 16 characters */
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 5; i++) hi = hi << 8 | random[i];
    for (int i = 5; i < 10; i++) lo = lo << 8 | random[i];
    for (int i = 17; i >= 10; i--) {
        out[i] = alphabet[hi & 31];
        hi >>= 5;
    }
    for (int i = 25; i >= 18; i--) {
        out[i] = alphabet[lo & 31];
        lo >>= 5;
    }
    out[IDENT_LEN] = '\0';
}
