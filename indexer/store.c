/*
 * store.c -- writing compressed record stores (TEXT: one record per
 * passage; DMET: one record per document, "id\0title").
 *
 * A store is a run of deflated blocks plus an index with one 24-byte entry
 * per block: u32 first record, u32 uncompressed size, u64 offset of the
 * block from the start of its section, u32 compressed size, u32 zero.
 * An uncompressed block is: u32 record count n, u32 offsets[n + 1] (from
 * the start of the payload), then the payload.
 */
#include <libdeflate.h>

#include "format.h"
#include "writer.h"

/* Compression level of the blocks: libdeflate's level 1 deflates
 * wikipedia's text at ~185 MB/s to 43% of its size, where zlib's level 6
 * did 40 MB/s and 42% (bench/README.md, "Stored text"). */
#define SP_STORE_LEVEL 1

void sp_store_w_init(sp_store_w *s, const sp_alloc *a, size_t target)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->target = target;
    sp_buf_init(&s->raw, a);
    sp_buf_init(&s->offs, a);
    sp_buf_init(&s->index, a);
    sp_buf_init(&s->blk, a);
    sp_buf_init(&s->zbuf, a);
}

void sp_store_w_free(sp_store_w *s)
{
    sp_buf_free(&s->raw);
    sp_buf_free(&s->offs);
    sp_buf_free(&s->index);
    sp_buf_free(&s->blk);
    sp_buf_free(&s->zbuf);
    if (s->z) libdeflate_free_compressor(s->z);
    s->z = NULL;
}

/* Compress the current block (zlib format, so any inflate reads it) and
 * append it to the output.  Returns 0 or SPASM_ENOMEM. */
int sp_store_w_flush(sp_store_w *s)
{
    if (s->nrec_block == 0) return 0;
    if (!s->z && !(s->z = libdeflate_alloc_compressor(SP_STORE_LEVEL))) return SPASM_ENOMEM;
    sp_buf *blk = &s->blk;
    blk->n = 0;
    sp_buf_put_u32(blk, s->nrec_block);
    sp_buf_append(blk, s->offs.p, s->offs.n);
    sp_buf_put_u32(blk, (uint32_t)s->raw.n);
    sp_buf_append(blk, s->raw.p, s->raw.n);
    size_t bound = libdeflate_zlib_compress_bound(s->z, blk->n);
    s->zbuf.n = 0;
    if (blk->err || sp_buf_reserve(&s->zbuf, bound)) return SPASM_ENOMEM;
    size_t clen = libdeflate_zlib_compress(s->z, blk->p, blk->n, s->zbuf.p, bound);
    if (clen == 0) return SPASM_ENOMEM; /* cannot happen with the bound */
    uint64_t off;
    if (s->sink) {
        off = s->sink->off - s->sec_off;
        sp_sink_write(s->sink, s->zbuf.p, clen);
    } else {
        off = s->mem->n;
        sp_buf_append(s->mem, s->zbuf.p, clen);
    }
    uint8_t e[SP_STORE_IX_ENTRY] = {0};
    sp_put_u32(e, (uint32_t)(s->nrec - s->nrec_block));
    sp_put_u32(e + 4, (uint32_t)blk->n);
    sp_put_u64(e + 8, off);
    sp_put_u32(e + 16, (uint32_t)clen);
    sp_buf_append(&s->index, e, sizeof e);
    s->nblocks++;
    s->written += clen;
    s->raw.n = 0;
    s->offs.n = 0;
    s->nrec_block = 0;
    if (s->index.err || (s->mem && s->mem->err)) return SPASM_ENOMEM;
    return 0;
}

/* Add one record made of rec[0, len) followed by rec2[0, len2). */
int sp_store_w_add(sp_store_w *s, const void *rec, size_t len, const void *rec2, size_t len2)
{
    sp_buf_put_u32(&s->offs, (uint32_t)s->raw.n);
    sp_buf_append(&s->raw, rec, len);
    if (len2) sp_buf_append(&s->raw, rec2, len2);
    if (s->raw.err || s->offs.err) return SPASM_ENOMEM;
    s->nrec_block++;
    s->nrec++;
    if (s->raw.n >= s->target) return sp_store_w_flush(s);
    return 0;
}

/* Append the blocks src wrote to src_mem (a batch's store) to s: the
 * block bytes go to s's sink or memory, the index entries are renumbered
 * (first record, offset).  src must be flushed. */
int sp_store_w_splice(sp_store_w *s, const sp_store_w *src, const sp_buf *src_mem)
{
    uint64_t base;
    if (s->sink) {
        base = s->sink->off - s->sec_off;
        sp_sink_write(s->sink, src_mem->p, src_mem->n);
    } else {
        base = s->mem->n;
        sp_buf_append(s->mem, src_mem->p, src_mem->n);
    }
    for (uint64_t i = 0; i < src->nblocks; i++) {
        uint8_t e[SP_STORE_IX_ENTRY];
        memcpy(e, src->index.p + i * SP_STORE_IX_ENTRY, sizeof e);
        sp_put_u32(e, (uint32_t)(sp_get_u32(e) + s->nrec));
        sp_put_u64(e + 8, sp_get_u64(e + 8) + base);
        sp_buf_append(&s->index, e, sizeof e);
    }
    s->nblocks += src->nblocks;
    s->nrec += src->nrec;
    s->written += src->written;
    if (s->index.err || (s->mem && s->mem->err)) return SPASM_ENOMEM;
    return 0;
}
