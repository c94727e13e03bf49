/* The ingest log's bytes as both engines store them: compressed with zstd (a raw zstd frame
 * when small), with the BLAKE2b digest of the bytes received. Private to src/store. */
#ifndef VIGIE_STORE_LOGPACK_H
#define VIGIE_STORE_LOGPACK_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "core/buf.h"
#include "core/verr.h"

#define STORE_LOG_DIGEST_SIZE 32

/* Packs n bytes: *packed (the caller frees it), its length, the digest of the bytes. */
int store_log_pack(ZSTD_CCtx *zc, const void *raw, size_t n, void **packed, size_t *packed_len,
                   unsigned char digest[STORE_LOG_DIGEST_SIZE], verr *e);
/* Unpacks entry `id` into raw (reset first), checking its size and digest: a damaged or
 * changed entry is an error naming it. */
int store_log_unpack(ZSTD_DCtx *zd, int64_t id, const void *packed, size_t packed_len,
                     size_t raw_size, const void *digest, size_t digest_len, buf *raw, verr *e);

#endif
