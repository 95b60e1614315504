/*
 * store.c -- writing compressed record stores (TEXT: one record per
 * passage; DMET: one record per document, "id\0title").
 *
 * A store is a run of compressed blocks plus an index with one 24-byte
 * entry per block: u32 first record, u32 uncompressed size, u64 offset of
 * the block from the start of its section, u32 compressed size, u32 codec
 * (SP_CODEC_ZSTD; format version 1 wrote zlib, SP_CODEC_ZLIB).  An
 * uncompressed block is: u32 record count n, u32 offsets[n + 1] (from the
 * start of the payload), then the payload.
 *
 * Each block is one zstd frame.  TEXT's blocks use a dictionary trained
 * (zstd's FastCover) on the passages of the collection's first batch
 * and stored in the TXDC section: with it a 4 KiB block compresses better
 * than a 16 KiB zlib block did and inflates 4x faster, so a hit's text
 * costs a quarter of what it did (bench/README.md, "Stored text").
 */
#define ZDICT_STATIC_LINKING_ONLY /* ZDICT_trainFromBuffer_fastCover: exported by libzstd 1.5 */
#include <zdict.h>
#include <zstd.h>

#include "format.h"
#include "writer.h"

/* The dictionary: at most SP_DICT_MAX bytes, one per SP_DICT_PER bytes
 * of sample text; none from less than SP_DICT_MIN_SAMPLE bytes of it
 * (small collections, live commits of a few documents), where zstd's
 * own entropy tables do as well.  Samples: the first SP_DICT_SAMPLE bytes
 * of passages. */
#define SP_DICT_MAX (64u << 10)
#define SP_DICT_PER 16
#define SP_DICT_MIN_SAMPLE (64u << 10)
#define SP_DICT_SAMPLE (4u << 20)

/* A block entry's codec while a deferred store keeps it raw: never
 * written to a file. */
#define SP_CODEC_PENDING 0xffffffffu

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
}

/* Compress src[0, n) into s->zbuf as one zstd frame (with s's dictionary,
 * if any).  Returns its length, or 0 when out of memory (or when s has
 * no compressor: a store only spliced into never compresses). */
static size_t squeeze(sp_store_w *s, const uint8_t *src, size_t n)
{
    if (!s->zc) return 0;
    size_t bound = ZSTD_compressBound(n);
    s->zbuf.n = 0;
    if (sp_buf_reserve(&s->zbuf, bound)) return 0;
    size_t r = s->cdict ? ZSTD_compress_usingCDict(s->zc, s->zbuf.p, bound, src, n, s->cdict)
                        : ZSTD_compressCCtx(s->zc, s->zbuf.p, bound, src, n, SP_STORE_LEVEL);
    return ZSTD_isError(r) ? 0 : r; /* within the bound, only memory fails */
}

/* Append bytes p[0, n) to s's output (sink or memory); their offset in
 * the section. */
static uint64_t put_out(sp_store_w *s, const uint8_t *p, size_t n)
{
    uint64_t off;
    if (s->sink) {
        off = s->sink->off - s->sec_off;
        sp_sink_write(s->sink, p, n);
    } else {
        off = s->mem->n;
        sp_buf_append(s->mem, p, n);
    }
    return off;
}

/* Compress the current block (or, deferred, keep it raw) and append it
 * to the output.  Returns 0 or SPASM_ENOMEM. */
int sp_store_w_flush(sp_store_w *s)
{
    if (s->nrec_block == 0) return 0;
    sp_buf *blk = &s->blk;
    blk->n = 0;
    sp_buf_put_u32(blk, s->nrec_block);
    sp_buf_append(blk, s->offs.p, s->offs.n);
    sp_buf_put_u32(blk, (uint32_t)s->raw.n);
    sp_buf_append(blk, s->raw.p, s->raw.n);
    if (blk->err) return SPASM_ENOMEM;
    const uint8_t *out = blk->p;
    size_t clen = blk->n;
    uint32_t codec = SP_CODEC_PENDING;
    if (!s->defer) {
        if (!(clen = squeeze(s, blk->p, blk->n))) return SPASM_ENOMEM;
        out = s->zbuf.p;
        codec = SP_CODEC_ZSTD;
        s->written += clen;
    }
    uint64_t off = put_out(s, out, clen);
    uint8_t e[SP_STORE_IX_ENTRY] = {0};
    sp_put_u32(e, (uint32_t)(s->nrec - s->nrec_block));
    sp_put_u32(e + 4, (uint32_t)blk->n);
    sp_put_u64(e + 8, off);
    sp_put_u32(e + 16, (uint32_t)clen);
    sp_put_u32(e + 20, codec);
    sp_buf_append(&s->index, e, sizeof e);
    s->nblocks++;
    s->raw.n = 0;
    s->offs.n = 0;
    s->nrec_block = 0;
    if (s->index.err || (s->mem && s->mem->err)) return SPASM_ENOMEM;
    return 0;
}

/* Compress the raw blocks a deferred store s kept in its memory (flushed
 * first), with dictionary cd (or none), replacing them there; s stops
 * deferring.  tmp is scratch (its bytes are swapped with s->mem's).
 * 0 or SPASM_ENOMEM. */
int sp_store_w_seal(sp_store_w *s, const ZSTD_CDict *cd, sp_buf *tmp)
{
    int rc = sp_store_w_flush(s);
    if (rc) return rc;
    s->defer = 0;
    s->cdict = cd;
    tmp->n = 0;
    for (uint64_t i = 0; i < s->nblocks; i++) {
        uint8_t *e = s->index.p + i * SP_STORE_IX_ENTRY;
        if (sp_get_u32(e + 20) != SP_CODEC_PENDING) continue;
        size_t n = sp_get_u32(e + 4), clen = squeeze(s, s->mem->p + sp_get_u64(e + 8), n);
        if (!clen) return SPASM_ENOMEM;
        sp_put_u64(e + 8, tmp->n);
        sp_put_u32(e + 16, (uint32_t)clen);
        sp_put_u32(e + 20, SP_CODEC_ZSTD);
        sp_buf_append(tmp, s->zbuf.p, clen);
        s->written += clen;
    }
    if (tmp->err) return SPASM_ENOMEM;
    sp_buf t = *s->mem;
    *s->mem = *tmp;
    *tmp = t;
    return 0;
}

/* Train a zstd dictionary on the records of deferred store s (its raw
 * blocks in memory, flushed), up to SP_DICT_SAMPLE bytes of them, into
 * dict (emptied first).  Leaves dict empty when there is too little text
 * or zstd finds no dictionary in it (not an error).  0 or SPASM_ENOMEM. */
int sp_store_w_train(const sp_store_w *s, sp_buf *dict)
{
    dict->n = 0;
    sp_buf samp, sizes;
    sp_buf_init(&samp, s->a);
    sp_buf_init(&sizes, s->a);
    for (uint64_t i = 0; i < s->nblocks && samp.n < SP_DICT_SAMPLE; i++) {
        const uint8_t *e = s->index.p + i * SP_STORE_IX_ENTRY;
        if (sp_get_u32(e + 20) != SP_CODEC_PENDING) continue;
        const uint8_t *b = s->mem->p + sp_get_u64(e + 8);
        uint32_t nrec = sp_get_u32(b);
        const uint8_t *pay = b + 4 + 4 * ((size_t)nrec + 1);
        for (uint32_t r = 0; r < nrec; r++) {
            size_t a0 = sp_get_u32(b + 4 + 4 * (size_t)r), a1 = sp_get_u32(b + 8 + 4 * (size_t)r);
            if (a1 == a0) continue; /* zstd refuses empty samples */
            size_t len = a1 - a0;
            sp_buf_append(&samp, pay + a0, len);
            sp_buf_append(&sizes, &len, sizeof len);
        }
    }
    int rc = samp.err || sizes.err ? SPASM_ENOMEM : 0;
    size_t cap = samp.n / SP_DICT_PER;
    if (cap > SP_DICT_MAX) cap = SP_DICT_MAX;
    if (!rc && samp.n >= SP_DICT_MIN_SAMPLE && sp_buf_reserve(dict, cap)) rc = SPASM_ENOMEM;
    if (!rc && samp.n >= SP_DICT_MIN_SAMPLE) {
        /* FastCover with the parameters ZDICT_trainFromBuffer's search
         * picks on wikipedia's text (k 50, d 8), over a table of 2^18
         * counts, every sample trained on: 13 ms and 3 MB for a batch's
         * 0.9 MB, where the search takes 75 ms and 12 MB (and left the
         * indexer's peak RSS 25 MB higher), for the same ratio (.402
         * against .403; bench/README.md, "Stored text"). */
        ZDICT_fastCover_params_t fc;
        memset(&fc, 0, sizeof fc);
        fc.k = 50;
        fc.d = 8;
        fc.f = 18;
        fc.accel = 1;
        fc.splitPoint = 1.0;
        fc.zParams.compressionLevel = SP_STORE_LEVEL;
        size_t r = ZDICT_trainFromBuffer_fastCover(dict->p, cap, samp.p, (const size_t *)sizes.p,
                                                   (unsigned)(sizes.n / sizeof(size_t)), fc);
        dict->n = ZDICT_isError(r) ? 0 : r;
    }
    sp_buf_free(&samp);
    sp_buf_free(&sizes);
    return rc;
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
