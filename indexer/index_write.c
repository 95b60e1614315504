/*
 * index_write.c -- commit: turn the in-memory inversion into the on-disk
 * layout (docs/FORMAT.md), then replace the target atomically: the file is
 * written under a temporary name beside the target, fsync'd, renamed over
 * it, and the directory fsync'd.  A crash or a full disk at any point
 * leaves the previous index untouched (and at worst a stray temp file).
 *
 * Posting list of one term in POST (df postings, nb = ceil(df / 128)):
 *   if nb > 1: a skip table of nb 24-byte entries
 *        u32 last passage of the block
 *        u32 offset of the block from the start of this term's POST data
 *        u32 offset of the block's positions from this term's POSN start
 *        u32 largest tf in the block, u32 smallest passage length in it
 *        f32 largest tf/(tf + k1*(1 - b + b*len/avglen)) in the block
 *            (index default k1, b; rounded up)
 *   then the blocks: a full block (128 postings) is two bit-packed
 *   groups, passage gaps minus 1 then tf minus 1; the last, partial block
 *   is n varints of gap minus 1, then n varints of tf minus 1.  The first
 *   gap of each block is taken from the last passage of the block before
 *   (or from -1).
 * Positions of one term in POSN: for each posting in order, tf varints:
 *   the first position, then each position minus the previous minus 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec.h"
#include "format.h"
#include "writer.h"

typedef struct enc {
    uint32_t *docs, *tfs;
    size_t cap;
    uint64_t *post_len, *pos_len;
} enc;

static int cmp_term(const void *a, const void *b)
{
    const sp_term *x = *(sp_term *const *)a, *y = *(sp_term *const *)b;
    size_t n = SP_MIN(x->len, y->len);
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* The largest float not below d (so a stored bound never under-estimates). */
static float round_up(double d)
{
    float f = (float)d;
    if ((double)f < d) f = nextafterf(f, INFINITY);
    return f;
}

/* Decode a term's stream into docs/tfs; returns 0 or SPASM_ECORRUPT. */
static int decode_stream(const sp_term *t, uint32_t *docs, uint32_t *tfs)
{
    const uint8_t *p = t->post, *end = t->post + t->npost;
    uint64_t last = 0;
    for (uint32_t i = 0; i < t->df; i++) {
        uint64_t gap = 0, tf = 0, x;
        p = sp_varint_get(p, end, &gap);
        if (!p) return SPASM_ECORRUPT;
        p = sp_varint_get(p, end, &tf);
        if (!p) return SPASM_ECORRUPT;
        last += gap;
        docs[i] = (uint32_t)(last - 1);
        tfs[i] = (uint32_t)tf;
        for (uint64_t k = 0; k < tf; k++) {
            p = sp_varint_get(p, end, &x);
            if (!p) return SPASM_ECORRUPT;
        }
    }
    return 0;
}

/* Byte length of the positions of each posting, summed per block into
 * blockpos[] (nb entries); returns the total. */
static uint64_t position_bytes(const sp_term *t, uint64_t *blockpos, size_t nb)
{
    const uint8_t *p = t->post, *end = t->post + t->npost;
    uint64_t total = 0;
    memset(blockpos, 0, nb * sizeof *blockpos);
    for (uint32_t i = 0; i < t->df; i++) {
        uint64_t gap = 0, tf = 0, x;
        p = sp_varint_get(p, end, &gap);
        p = sp_varint_get(p, end, &tf);
        const uint8_t *q = p;
        for (uint64_t k = 0; k < tf; k++) p = sp_varint_get(p, end, &x);
        blockpos[i / SP_BLOCK] += (uint64_t)(p - q);
        total += (uint64_t)(p - q);
    }
    return total;
}

static int write_postings(spasm_writer *w, sp_term **terms, enc *e)
{
    sp_sink *s = &w->sink;
    double avgdl = (double)w->tokens / (double)w->npass;
    double k1 = w->k1, b = w->b;
    uint8_t packed[1 + 16 * 32];
    uint32_t tmp[SP_BLOCK];
    sp_buf blocks, skips;
    sp_buf_init(&blocks, &w->a);
    sp_buf_init(&skips, &w->a);
    uint64_t *blockpos = NULL;
    size_t capbp = 0;
    sp_sink_begin(s, SP_SEC_POST);
    for (size_t ti = 0; ti < w->nterms && !s->rc; ti++) {
        sp_term *t = terms[ti];
        if (t->df > e->cap) {
            size_t cap = t->df + 1024;
            uint32_t *d = sp_realloc(&w->a, e->docs, cap * sizeof *d);
            if (!d) goto nomem;
            e->docs = d;
            uint32_t *f = sp_realloc(&w->a, e->tfs, cap * sizeof *f);
            if (!f) goto nomem;
            e->tfs = f;
            e->cap = cap;
        }
        if (decode_stream(t, e->docs, e->tfs)) {
            sp_buf_free(&blocks);
            sp_buf_free(&skips);
            sp_free(&w->a, blockpos);
            return sp_seterr(w->errmsg, SPASM_ECORRUPT, "internal error: bad posting stream");
        }
        size_t nb = (t->df + SP_BLOCK - 1) / SP_BLOCK;
        if (nb > capbp) {
            uint64_t *bp = sp_realloc(&w->a, blockpos, nb * sizeof *bp);
            if (!bp) goto nomem;
            blockpos = bp;
            capbp = nb;
        }
        e->pos_len[ti] = position_bytes(t, blockpos, nb);
        blocks.n = skips.n = 0;
        uint32_t prev = UINT32_MAX;
        uint64_t posoff = 0;
        for (size_t bi = 0; bi < nb; bi++) {
            size_t lo = bi * SP_BLOCK, n = SP_MIN((size_t)SP_BLOCK, t->df - lo);
            uint32_t max_tf = 0, min_dl = UINT32_MAX;
            double max_norm = 0;
            for (size_t i = 0; i < n; i++) {
                uint32_t d = e->docs[lo + i], tf = e->tfs[lo + i], dl = w->lens[d];
                double norm = tf / (tf + k1 * (1 - b + b * dl / avgdl));
                if (tf > max_tf) max_tf = tf;
                if (dl < min_dl) min_dl = dl;
                if (norm > max_norm) max_norm = norm;
            }
            uint8_t sk[SP_SKIP_ENTRY];
            sp_put_u32(sk, e->docs[lo + n - 1]);
            sp_put_u32(sk + 4, (uint32_t)blocks.n); /* fixed up below */
            sp_put_u32(sk + 8, (uint32_t)posoff);
            sp_put_u32(sk + 12, max_tf);
            sp_put_u32(sk + 16, min_dl);
            float f = round_up(max_norm);
            uint32_t fu;
            memcpy(&fu, &f, 4);
            sp_put_u32(sk + 20, fu);
            sp_buf_append(&skips, sk, sizeof sk);
            posoff += blockpos[bi];
            if (n == SP_BLOCK) {
                for (size_t i = 0; i < n; i++) {
                    tmp[i] = e->docs[lo + i] - prev - 1;
                    prev = e->docs[lo + i];
                }
                sp_buf_append(&blocks, packed, sp_pack128(tmp, packed));
                for (size_t i = 0; i < n; i++) tmp[i] = e->tfs[lo + i] - 1;
                sp_buf_append(&blocks, packed, sp_pack128(tmp, packed));
            } else {
                for (size_t i = 0; i < n; i++) {
                    sp_buf_put_varint(&blocks, e->docs[lo + i] - prev - 1);
                    prev = e->docs[lo + i];
                }
                for (size_t i = 0; i < n; i++) sp_buf_put_varint(&blocks, e->tfs[lo + i] - 1);
            }
        }
        if (blocks.err || skips.err) goto nomem;
        if (posoff > UINT32_MAX || blocks.n + skips.n > UINT32_MAX) {
            sp_buf_free(&blocks);
            sp_buf_free(&skips);
            sp_free(&w->a, blockpos);
            return sp_seterr(w->errmsg, SPASM_EINPUT,
                             "term \"%s\" has more than 4 GiB of postings", t->s);
        }
        if (nb > 1) {
            uint32_t base = (uint32_t)skips.n;
            for (size_t bi = 0; bi < nb; bi++) {
                uint8_t *sk = skips.p + bi * SP_SKIP_ENTRY;
                sp_put_u32(sk + 4, sp_get_u32(sk + 4) + base);
            }
            sp_sink_write(s, skips.p, skips.n);
        }
        sp_sink_write(s, blocks.p, blocks.n);
        e->post_len[ti] = (nb > 1 ? skips.n : 0) + blocks.n;
        w->st.postings += t->df;
    }
    sp_sink_end(s, w->nterms);
    sp_buf_free(&blocks);
    sp_buf_free(&skips);
    sp_free(&w->a, blockpos);
    return s->rc;
nomem:
    sp_buf_free(&blocks);
    sp_buf_free(&skips);
    sp_free(&w->a, blockpos);
    return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
}

/* POSN: copy each term's position varints out of its stream. */
static int write_positions(spasm_writer *w, sp_term **terms)
{
    sp_sink *s = &w->sink;
    sp_sink_begin(s, SP_SEC_POSN);
    for (size_t ti = 0; ti < w->nterms && !s->rc; ti++) {
        sp_term *t = terms[ti];
        const uint8_t *p = t->post, *end = t->post + t->npost;
        for (uint32_t i = 0; i < t->df; i++) {
            uint64_t gap = 0, tf = 0, x;
            p = sp_varint_get(p, end, &gap);
            p = sp_varint_get(p, end, &tf);
            const uint8_t *q = p;
            for (uint64_t k = 0; k < tf; k++) p = sp_varint_get(p, end, &x);
            sp_sink_write(s, q, (size_t)(p - q));
        }
        /* The stream is no longer needed: give the memory back early. */
        sp_free(&w->a, t->post);
        t->post = NULL;
        t->npost = t->cappost = 0;
    }
    sp_sink_end(s, w->nterms);
    return s->rc;
}

static int write_dict(spasm_writer *w, sp_term **terms, enc *e)
{
    sp_sink *s = &w->sink;
    sp_buf blk, idx;
    sp_buf_init(&blk, &w->a);
    sp_buf_init(&idx, &w->a);
    uint64_t post_off = 0, pos_off = 0, dict_off = 0;
    sp_sink_begin(s, SP_SEC_DICT);
    for (size_t ti = 0; ti < w->nterms; ti++) {
        const sp_term *t = terms[ti];
        size_t prefix = 0;
        if (ti % SP_DICT_BLOCK == 0) {
            if (blk.n) {
                sp_sink_write(s, blk.p, blk.n);
                dict_off += blk.n;
                blk.n = 0;
            }
            sp_buf_put_u64(&idx, dict_off);
            sp_buf_put_varint(&blk, post_off);
            sp_buf_put_varint(&blk, pos_off);
        } else {
            const sp_term *p = terms[ti - 1];
            size_t m = SP_MIN(p->len, t->len);
            while (prefix < m && p->s[prefix] == t->s[prefix]) prefix++;
        }
        sp_buf_put_varint(&blk, prefix);
        sp_buf_put_varint(&blk, t->len - prefix);
        sp_buf_append(&blk, t->s + prefix, t->len - prefix);
        sp_buf_put_varint(&blk, t->df);
        sp_buf_put_varint(&blk, t->cf - t->df);
        sp_buf_put_varint(&blk, e->post_len[ti]);
        sp_buf_put_varint(&blk, e->pos_len[ti]);
        post_off += e->post_len[ti];
        pos_off += e->pos_len[ti];
    }
    if (blk.n) sp_sink_write(s, blk.p, blk.n);
    sp_sink_end(s, w->nterms);
    sp_sink_begin(s, SP_SEC_DIDX);
    sp_sink_write(s, idx.p, idx.n);
    sp_sink_end(s, idx.n / 8);
    int rc = (blk.err || idx.err) ? sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory") : s->rc;
    sp_buf_free(&blk);
    sp_buf_free(&idx);
    return rc;
}

static int cmp_idix(const void *a, const void *b)
{
    uint64_t x = sp_get_u64(a), y = sp_get_u64(b);
    if (x != y) return x < y ? -1 : 1;
    uint32_t p = sp_get_u32((const uint8_t *)a + 8), q = sp_get_u32((const uint8_t *)b + 8);
    return (p > q) - (p < q);
}

static void write_tables(spasm_writer *w)
{
    sp_sink *s = &w->sink;
    uint8_t e[SP_PASS_ENTRY];
    sp_sink_begin(s, SP_SEC_LENS);
    for (size_t i = 0; i < w->npass; i++) {
        sp_put_u32(e, w->lens[i]);
        sp_sink_write(s, e, 4);
    }
    sp_sink_end(s, w->npass);
    sp_sink_begin(s, SP_SEC_PASS);
    for (size_t i = 0; i < w->npass; i++) {
        sp_put_u32(e, w->pass[i].doc);
        sp_put_u32(e + 4, w->pass[i].ordinal);
        sp_put_u32(e + 8, w->pass[i].start);
        sp_put_u32(e + 12, w->pass[i].len);
        sp_sink_write(s, e, SP_PASS_ENTRY);
    }
    sp_sink_end(s, w->npass);
    sp_sink_begin(s, SP_SEC_DOCS);
    sp_sink_write(s, w->docs.p, w->docs.n);
    sp_sink_end(s, w->ndocs);
    sp_sink_begin(s, SP_SEC_DMET);
    sp_sink_write(s, w->dmeta_mem.p, w->dmeta_mem.n);
    sp_sink_end(s, w->dmeta.nblocks);
    sp_sink_begin(s, SP_SEC_DMIX);
    sp_sink_write(s, w->dmeta.index.p, w->dmeta.index.n);
    sp_sink_end(s, w->dmeta.nblocks);
    sp_sink_begin(s, SP_SEC_DIDS); /* u32 offsets[D + 1], then the ids */
    sp_put_u32(e, 0);
    sp_sink_write(s, e, 4);
    sp_sink_write(s, w->didoff.p, w->didoff.n);
    sp_sink_write(s, w->dids.p, w->dids.n);
    sp_sink_end(s, w->ndocs);
    qsort(w->idix.p, w->ndocs, SP_IDIX_ENTRY, cmp_idix);
    sp_sink_begin(s, SP_SEC_IDIX);
    sp_sink_write(s, w->idix.p, w->idix.n);
    sp_sink_end(s, w->ndocs);
    uint8_t m[SP_META_SIZE] = {0};
    sp_put_u64(m + SP_META_PASSAGES, w->npass);
    sp_put_u64(m + SP_META_DOCS, w->ndocs);
    sp_put_u64(m + SP_META_TERMS, w->nterms);
    sp_put_u64(m + SP_META_TOKENS, w->tokens);
    uint64_t u;
    memcpy(&u, &w->k1, 8);
    sp_put_u64(m + SP_META_K1, u);
    memcpy(&u, &w->b, 8);
    sp_put_u64(m + SP_META_B, u);
    sp_put_u32(m + SP_META_FLAGS, w->flags);
    sp_put_u32(m + SP_META_DICT_BLOCK, SP_DICT_BLOCK);
    sp_put_u32(m + SP_META_POST_BLOCK, SP_BLOCK);
    sp_sink_begin(s, SP_SEC_META);
    sp_sink_write(s, m, sizeof m);
    sp_sink_end(s, 0);
}

/* fsync the directory holding path, so the rename itself is durable. */
static void sync_dir(const char *path, const sp_alloc *a)
{
    char *copy = sp_strndup(a, path, strlen(path));
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    sp_free(a, copy);
}

int sp_writer_write_index(spasm_writer *w)
{
    sp_sink *s = &w->sink;
    /* TEXT was streamed while documents arrived: close it. */
    if (sp_store_w_flush(&w->text)) return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    sp_sink_end(s, w->text.nblocks);
    sp_sink_begin(s, SP_SEC_TXIX);
    sp_sink_write(s, w->text.index.p, w->text.index.n);
    sp_sink_end(s, w->text.nblocks);
    if (sp_store_w_flush(&w->dmeta) || w->dmeta_mem.err)
        return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    if (s->rc) return s->rc;

    sp_term **terms = sp_malloc(&w->a, (w->nterms + 1) * sizeof *terms);
    enc e = {0};
    e.post_len = sp_calloc(&w->a, (w->nterms + 1) * sizeof *e.post_len);
    e.pos_len = sp_calloc(&w->a, (w->nterms + 1) * sizeof *e.pos_len);
    int rc = 0;
    if (!terms || !e.post_len || !e.pos_len) {
        rc = sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < w->nslots; i++)
        for (sp_term *t = w->slots[i]; t; t = t->next) terms[k++] = t;
    qsort(terms, k, sizeof *terms, cmp_term);
    w->st.terms = w->nterms;
    if ((rc = write_postings(w, terms, &e))) goto done;
    if ((rc = write_positions(w, terms))) goto done;
    if ((rc = write_dict(w, terms, &e))) goto done;
    write_tables(w);
    if ((rc = s->rc)) goto done;
    if ((rc = sp_sink_finish(s))) goto done;
    w->st.index_bytes = s->off;
    sp_sink_close(s);
    if (rename(w->tmppath, w->path) != 0) {
        rc = sp_seterr(w->errmsg, SPASM_EIO, "%s: cannot rename the new index into place: %s",
                       w->path, strerror(errno));
        goto done;
    }
    w->committed = 1;
    sync_dir(w->path, &w->a);
done:
    sp_free(&w->a, terms);
    sp_free(&w->a, e.docs);
    sp_free(&w->a, e.tfs);
    sp_free(&w->a, e.post_len);
    sp_free(&w->a, e.pos_len);
    return rc;
}
