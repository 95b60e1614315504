/*
 * storeblock.c -- inflating one block of a record store, whatever codec
 * wrote it (storeblock.h).
 */
#include <libdeflate.h>
#include <zstd.h>

#include "base.h"
#include "format.h"
#include "storeblock.h"

int sp_inflate_block(sp_inflater *z, uint32_t codec, const ZSTD_DDict *dd, const void *src,
                     size_t clen, void *dst, size_t ulen)
{
    if (codec == SP_CODEC_ZSTD) {
        /* One call into a buffer of the block's size: no window is
         * allocated, and a frame that claims more is refused. */
        if (!z->zstd && !(z->zstd = ZSTD_createDCtx())) return SPASM_ENOMEM;
        size_t got = dd ? ZSTD_decompress_usingDDict(z->zstd, dst, ulen, src, clen, dd)
                        : ZSTD_decompressDCtx(z->zstd, dst, ulen, src, clen);
        return ZSTD_isError(got) || got != ulen ? SPASM_ECORRUPT : 0;
    }
    if (codec != SP_CODEC_ZLIB) return SPASM_ECORRUPT;
    /* libdeflate inflates a whole block in one call, 2-3x faster than
     * zlib's inflate (which also sets up a 32 KiB window each time). */
    if (!z->zlib && !(z->zlib = libdeflate_alloc_decompressor())) return SPASM_ENOMEM;
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(z->zlib, src, clen, dst, ulen, &got);
    return r != LIBDEFLATE_SUCCESS || got != ulen ? SPASM_ECORRUPT : 0;
}

void sp_inflater_free(sp_inflater *z)
{
    if (z->zlib) libdeflate_free_decompressor(z->zlib);
    ZSTD_freeDCtx(z->zstd);
    z->zlib = NULL;
    z->zstd = NULL;
}
