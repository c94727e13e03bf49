/* The ingest log's bytes, packed and unpacked the same way by both engines. */
#include "store/logpack.h"
#include "core/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define LOG_ZSTD_LEVEL 1 /* ingestion speed first; the log still shrinks about 5x */

/* Below this size, compressing costs more (zstd resets its tables for every frame) than it
 * saves: the bytes go into a zstd frame made of one raw block, which any zstd decoder
 * reads back. */
#define LOG_COMPRESS_FROM    1024
#define LOG_RAW_FRAME_HEADER 12

/* RFC 8878: magic, frame header (single segment, 4-byte content size), one last raw block. */
static size_t raw_frame(unsigned char *out, const void *raw, size_t n)
{
    static const unsigned char magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    memcpy(out, magic, 4);
    out[4] = 0xA0; /* Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag */
    for (int i = 0; i < 4; i++) out[5 + i] = (unsigned char)(n >> (8 * i));
    uint32_t block = 1u | (0u << 1) | ((uint32_t)n << 3); /* last, raw, size */
    for (int i = 0; i < 3; i++) out[9 + i] = (unsigned char)(block >> (8 * i));
    memcpy(out + LOG_RAW_FRAME_HEADER, raw, n);
    return LOG_RAW_FRAME_HEADER + n;
}

int store_log_pack(ZSTD_CCtx *zc, const void *raw, size_t n, void **packed, size_t *packed_len,
                   unsigned char digest[STORE_LOG_DIGEST_SIZE], verr *e)
{
    size_t bound = ZSTD_compressBound(n) + LOG_RAW_FRAME_HEADER;
    unsigned char *out = xmalloc(bound);
    size_t len = n < LOG_COMPRESS_FROM ? raw_frame(out, raw, n)
                                       : ZSTD_compressCCtx(zc, out, bound, raw, n, LOG_ZSTD_LEVEL);
    if (ZSTD_isError(len)) {
        free(out);
        return verr_fail(e, "zstd: %s", ZSTD_getErrorName(len));
    }
    crypto_generichash(digest, STORE_LOG_DIGEST_SIZE, raw, n, NULL, 0);
    *packed = out;
    *packed_len = len;
    return 0;
}

int store_log_unpack(ZSTD_DCtx *zd, int64_t id, const void *packed, size_t packed_len,
                     size_t raw_size, const void *digest, size_t digest_len, buf *raw, verr *e)
{
    buf_reset(raw);
    if (raw_size > raw->max)
        return verr_fail(e, "ingest log %lld: %zu bytes exceed the buffer", (long long)id,
                         raw_size);
    int result = 0;
    char *tmp = xmalloc(raw_size + 1);
    size_t n = ZSTD_decompressDCtx(zd, tmp, raw_size + 1, packed, packed_len);
    unsigned char check[STORE_LOG_DIGEST_SIZE];
    if (ZSTD_isError(n) || n != raw_size) {
        result = verr_fail(e, "ingest log %lld: the compressed bytes are damaged", (long long)id);
    } else {
        crypto_generichash(check, sizeof check, (const unsigned char *)tmp, n, NULL, 0);
        if (digest_len != STORE_LOG_DIGEST_SIZE || memcmp(check, digest, sizeof check) != 0)
            result =
                verr_fail(e, "ingest log %lld: digest mismatch, the bytes changed", (long long)id);
        else
            buf_append(raw, tmp, n);
    }
    free(tmp);
    return result;
}
