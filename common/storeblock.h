/*
 * storeblock.h -- inflating one block of a record store (TEXT, DMET),
 * whatever codec wrote it: zlib (format version 1, through libdeflate)
 * or zstd (version 2, with or without a dictionary).  The layouts are in
 * indexer/store.c and docs/FORMAT.md.
 */
#ifndef SPASM_STOREBLOCK_H
#define SPASM_STOREBLOCK_H

#include <stddef.h>
#include <stdint.h>

struct libdeflate_decompressor;
typedef struct ZSTD_DCtx_s ZSTD_DCtx;
typedef struct ZSTD_DDict_s ZSTD_DDict;

/* A reader's decompressors, each made on first use (malloc'd by libdeflate
 * and zstd); zero-initialise. */
typedef struct sp_inflater {
    struct libdeflate_decompressor *zlib;
    ZSTD_DCtx *zstd;
} sp_inflater;

/*
 * Inflate block src[0, clen), written with `codec` (SP_CODEC_*), into
 * dst[0, ulen), with dictionary dd (NULL: none) for zstd.  0 when it
 * inflates to exactly ulen bytes, SPASM_ENOMEM when a decompressor cannot
 * be made, SPASM_ECORRUPT otherwise (an unknown codec, a damaged block,
 * the wrong dictionary).
 */
int sp_inflate_block(sp_inflater *z, uint32_t codec, const ZSTD_DDict *dd, const void *src,
                     size_t clen, void *dst, size_t ulen);

/* Free z's decompressors (z may be reused after). */
void sp_inflater_free(sp_inflater *z);

#endif
