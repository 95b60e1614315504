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
#include "emit.h"
#include "format.h"
#include "skey.h"
#include "writer.h"

/* The largest float not below d (so a stored bound never under-estimates). */
static float round_up(double d)
{
    float f = (float)d;
    if ((double)f < d) f = nextafterf(f, INFINITY);
    return f;
}

/* The TMAX byte of a list whose largest tf-norm is norm (in [0, 1]):
 * q with q / 255 > norm, or 255 (q / 255 = 1: a norm is below 1), so
 * that a reader's q / 255 never under-estimates (docs/FORMAT.md). */
static uint32_t tmax_byte(double norm)
{
    double q = floor(norm * 255) + 1;
    return q < 255 ? (uint32_t)q : 255;
}

/* Decode a term's stream into docs/tfs; returns 0 or SPASM_ECORRUPT. */
static int decode_stream(const mterm *t, uint32_t *docs, uint32_t *tfs)
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

/* Copy the term's position varints to e->posn, summing their byte length
 * per block into blockpos[] (nb entries); returns the total. */
static uint64_t copy_positions(emit *e, const mterm *t, size_t nb)
{
    const uint8_t *p = t->post, *end = t->post + t->npost;
    uint64_t total = 0;
    memset(e->blockpos, 0, nb * sizeof *e->blockpos);
    for (uint32_t i = 0; i < t->df; i++) {
        uint64_t gap = 0, tf = 0, x;
        p = sp_varint_get(p, end, &gap);
        p = sp_varint_get(p, end, &tf);
        const uint8_t *q = p;
        for (uint64_t k = 0; k < tf; k++) p = sp_varint_get(p, end, &x);
        sp_buf_append(&e->posn, q, (size_t)(p - q));
        e->blockpos[i / SP_BLOCK] += (uint64_t)(p - q);
        total += (uint64_t)(p - q);
    }
    return total;
}

/* Move the buffered positions to the POSN temp file. */
int sp_emit_spill_posn(emit *e)
{
    if (*e->posn_fd < 0) {
        *e->posn_fd = sp_tmp_create(e->posn_path, 0600);
        if (*e->posn_fd < 0)
            return sp_seterr(e->errmsg, SPASM_EIO, "%s: cannot create a temporary file: %s",
                             e->posn_path, strerror(errno));
        if (e->posn_anon) unlink(e->posn_path); /* its descriptor is all it needs */
    }
    const uint8_t *p = e->posn.p;
    size_t n = e->posn.n;
    while (n) {
        ssize_t k = write(*e->posn_fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return sp_seterr(e->errmsg, SPASM_EIO, "%s: cannot write a temporary file: %s",
                             e->posn_path, strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    e->posn.n = 0;
    return 0;
}

/* Write one term's POST data to the sink, its positions to e->posn and
 * its DICT and WORD entries to e. */
int sp_emit_term(emit *e, const mterm *t)
{
    spasm_writer *w = e->w;
    sp_sink *s = &w->sink;
    double k1 = w->k1, b = w->b, avgdl = e->avgdl;
    uint8_t packed[1 + 16 * 32];
    uint32_t tmp[SP_BLOCK];
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
    if (decode_stream(t, e->docs, e->tfs))
        return sp_seterr(e->errmsg, SPASM_ECORRUPT, "internal error: bad posting stream");
    size_t nb = (t->df + SP_BLOCK - 1) / SP_BLOCK;
    if (nb > e->capbp) {
        uint64_t *bp = sp_realloc(&w->a, e->blockpos, nb * sizeof *bp);
        if (!bp) goto nomem;
        e->blockpos = bp;
        e->capbp = nb;
    }
    uint64_t pos_len = copy_positions(e, t, nb);
    sp_buf *blocks = &e->blocks, *skips = &e->skips;
    blocks->n = skips->n = 0;
    uint32_t prev = UINT32_MAX;
    uint64_t posoff = 0;
    double list_norm = 0; /* the largest of the blocks' stored (rounded-up) norms */
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
        sp_put_u32(sk + 4, (uint32_t)blocks->n); /* fixed up below */
        sp_put_u32(sk + 8, (uint32_t)posoff);
        sp_put_u32(sk + 12, max_tf);
        sp_put_u32(sk + 16, min_dl);
        float f = round_up(max_norm);
        if (f > list_norm) list_norm = f;
        uint32_t fu;
        memcpy(&fu, &f, 4);
        sp_put_u32(sk + 20, fu);
        sp_buf_append(skips, sk, sizeof sk);
        posoff += e->blockpos[bi];
        if (n == SP_BLOCK) {
            for (size_t i = 0; i < n; i++) {
                tmp[i] = e->docs[lo + i] - prev - 1;
                prev = e->docs[lo + i];
            }
            sp_buf_append(blocks, packed, sp_pack128(tmp, packed));
            for (size_t i = 0; i < n; i++) tmp[i] = e->tfs[lo + i] - 1;
            sp_buf_append(blocks, packed, sp_pack128(tmp, packed));
        } else {
            for (size_t i = 0; i < n; i++) {
                sp_buf_put_varint(blocks, e->docs[lo + i] - prev - 1);
                prev = e->docs[lo + i];
            }
            for (size_t i = 0; i < n; i++) sp_buf_put_varint(blocks, e->tfs[lo + i] - 1);
        }
    }
    if (blocks->err || skips->err || e->posn.err) goto nomem;
    if (posoff > UINT32_MAX || blocks->n + skips->n > UINT32_MAX)
        return sp_seterr(e->errmsg, SPASM_EINPUT, "term \"%.*s\" has more than 4 GiB of postings",
                         (int)t->len, t->s);
    if (nb > 1) {
        uint32_t base = (uint32_t)skips->n;
        for (size_t bi = 0; bi < nb; bi++) {
            uint8_t *sk = skips->p + bi * SP_SKIP_ENTRY;
            sp_put_u32(sk + 4, sp_get_u32(sk + 4) + base);
        }
        if (e->out)
            sp_buf_append(e->out, skips->p, skips->n);
        else
            sp_sink_write(s, skips->p, skips->n);
    }
    if (e->out)
        sp_buf_append(e->out, blocks->p, blocks->n);
    else
        sp_sink_write(s, blocks->p, blocks->n);
    dict_ent de = {
        e->strs.n,           t->cf, (nb > 1 ? skips->n : 0) + blocks->n, pos_len, t->len, t->df,
        tmax_byte(list_norm)};
    sp_buf_append(&e->ents, &de, sizeof de);
    sp_buf_append(&e->strs, t->s, t->len);
    uint32_t ord = (uint32_t)e->nterms++;
    if (t->is_word) {
        sp_buf_put_u32(&e->words, ord);
        sp_buf_putc(&e->words, (uint8_t)t->len);
        sp_buf_append(&e->words, t->s, t->len);
        e->nwords++;
    }
    for (size_t i = 0; i < t->nvars; i += 1u + t->vars[i]) {
        sp_buf_put_u32(&e->words, ord);
        sp_buf_append(&e->words, t->vars + i, 1u + t->vars[i]);
        e->nwords++;
    }
    e->postings += t->df;
    if (e->ents.err || e->strs.err || e->words.err) goto nomem;
    if (e->out && e->out->err) goto nomem;
    if (e->posn.n >= w->posn_spill) return sp_emit_spill_posn(e);
    if (e->out) return 0;
    return s->rc;
nomem:
    return sp_seterr(e->errmsg, SPASM_ENOMEM, "out of memory");
}

/* Compare the current terms of two run readers. */
static int cmp_reader(const sp_run_reader *x, const sp_run_reader *y)
{
    int c = memcmp(x->s.p, y->s.p, SP_MIN(x->s.n, y->s.n));
    if (c) return c;
    return (x->s.n > y->s.n) - (x->s.n < y->s.n);
}

/* Merge the sorted runs by term: each term's streams concatenated in run
 * (= passage) order, the first gap of each run re-coded against the last
 * passage of the runs before; df, cf, words merged. */
static int emit_runs(emit *e)
{
    spasm_writer *w = e->w;
    size_t k = w->nruns;
    sp_run_reader *r = sp_calloc(&w->a, k * sizeof *r);
    if (!r) return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    sp_buf post, vars;
    sp_buf_init(&post, &w->a);
    sp_buf_init(&vars, &w->a);
    int rc = 0;
    size_t opened = 0;
    for (; opened < k && !rc; opened++) {
        rc = sp_run_reader_open(w, &r[opened], &w->runs[opened]);
        if (!rc) rc = sp_run_next(&r[opened]);
    }
    for (uint64_t nt = 0; !rc; nt++) {
        if ((nt & 1023) == 0 && (rc = sp_writer_canceled(w))) break;
        const sp_run_reader *min = NULL;
        for (size_t i = 0; i < k; i++)
            if (r[i].has && (!min || cmp_reader(&r[i], min) < 0)) min = &r[i];
        if (!min) break;
        mterm m = {0};
        uint64_t last = 0, df = 0;
        post.n = vars.n = 0;
        const sp_run_reader *first = min;
        for (size_t i = 0; i < k && !rc; i++) {
            sp_run_reader *x = &r[i];
            if (!x->has || (x != first && cmp_reader(x, first) != 0)) continue;
            uint64_t gap;
            const uint8_t *p = sp_varint_get(x->post.p, x->post.p + x->post.n, &gap);
            if (!p) {
                rc = sp_seterr(w->errmsg, SPASM_ECORRUPT, "internal error: bad run");
                break;
            }
            sp_buf_put_varint(&post, gap - last); /* gap was from passage -1 */
            sp_buf_append(&post, p, x->post.n - (size_t)(p - x->post.p));
            last = x->last_plus1;
            df += x->df;
            m.cf += x->cf;
            m.is_word |= x->is_word;
            for (size_t j = 0; j < x->vars.n; j += 1u + x->vars.p[j]) {
                const uint8_t *v = x->vars.p + j;
                size_t q = 0;
                while (q < vars.n &&
                       !(vars.p[q] == v[0] && memcmp(vars.p + q + 1, v + 1, v[0]) == 0))
                    q += 1u + vars.p[q];
                if (q == vars.n) sp_buf_append(&vars, v, 1u + v[0]);
            }
        }
        if (rc) break;
        if (post.err || vars.err) {
            rc = sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
            break;
        }
        m.s = (const char *)first->s.p;
        m.len = (uint32_t)first->s.n;
        m.df = (uint32_t)df;
        m.post = post.p;
        m.npost = post.n;
        m.vars = vars.p;
        m.nvars = vars.n;
        rc = sp_emit_term(e, &m);
        /* advance every reader on this term (first last: m.s points into it) */
        for (size_t i = 0; i < k && !rc; i++)
            if (&r[i] != first && r[i].has && cmp_reader(&r[i], first) == 0)
                rc = sp_run_next(&r[i]);
        if (!rc) rc = sp_run_next((sp_run_reader *)first);
        if (rc == SPASM_EIO || rc == SPASM_ECORRUPT)
            rc = sp_seterr(w->errmsg, rc, "%s: cannot read a temporary file back", w->runs_path);
        else if (rc == SPASM_ENOMEM && !w->errmsg[0])
            rc = sp_seterr(w->errmsg, rc, "out of memory");
    }
    if (rc == SPASM_ENOMEM && !w->errmsg[0]) rc = sp_seterr(w->errmsg, rc, "out of memory");
    for (size_t i = 0; i < opened; i++) sp_run_reader_close(w, &r[i]);
    sp_free(&w->a, r);
    sp_buf_free(&post);
    sp_buf_free(&vars);
    return rc;
}

/* POSN: the spilled positions, then the buffered rest. */
static int write_positions(emit *e)
{
    spasm_writer *w = e->w;
    sp_sink *s = &w->sink;
    sp_sink_begin(s, SP_SEC_POSN);
    if (w->posn_fd >= 0) {
        uint8_t *buf = sp_malloc(&w->a, 1u << 20);
        if (!buf) return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
        off_t off = 0;
        for (;;) {
            ssize_t k = pread(w->posn_fd, buf, 1u << 20, off);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) {
                sp_free(&w->a, buf);
                return sp_seterr(w->errmsg, SPASM_EIO, "%s: cannot read a temporary file: %s",
                                 w->posn_path, strerror(errno));
            }
            if (k == 0) break;
            if (sp_writer_canceled(w)) {
                sp_free(&w->a, buf);
                return w->rc;
            }
            sp_sink_write(s, buf, (size_t)k);
            off += k;
        }
        sp_free(&w->a, buf);
    }
    sp_sink_write(s, e->posn.p, e->posn.n);
    sp_sink_end(s, e->nterms);
    return s->rc;
}

static int write_dict(emit *e)
{
    spasm_writer *w = e->w;
    sp_sink *s = &w->sink;
    sp_buf blk, idx, keys, tmax;
    sp_buf_init(&blk, &w->a);
    sp_buf_init(&idx, &w->a);
    sp_buf_init(&keys, &w->a);
    sp_buf_init(&tmax, &w->a);
    uint64_t post_off = 0, pos_off = 0, dict_off = 0;
    const dict_ent *v = (const dict_ent *)e->ents.p;
    const char *strs = (const char *)e->strs.p;
    sp_sink_begin(s, SP_SEC_DICT);
    for (size_t ti = 0; ti < e->nterms; ti++) {
        const dict_ent *t = &v[ti];
        const char *ts = strs + t->s_off;
        size_t prefix = 0;
        if (ti % SP_DICT_BLOCK == 0) {
            if (blk.n) {
                sp_sink_write(s, blk.p, blk.n);
                dict_off += blk.n;
                blk.n = 0;
            }
            sp_buf_put_u64(&idx, dict_off);
            sp_buf_put_u64(&keys, sp_key8(ts, t->len));
            sp_buf_put_varint(&blk, post_off);
            sp_buf_put_varint(&blk, pos_off);
        } else {
            const dict_ent *p = &v[ti - 1];
            const char *ps = strs + p->s_off;
            size_t m = SP_MIN(p->len, t->len);
            while (prefix < m && ps[prefix] == ts[prefix]) prefix++;
        }
        sp_buf_put_varint(&blk, prefix);
        sp_buf_put_varint(&blk, t->len - prefix);
        sp_buf_append(&blk, ts + prefix, t->len - prefix);
        sp_buf_put_varint(&blk, t->df);
        sp_buf_put_varint(&blk, t->cf - t->df);
        sp_buf_put_varint(&blk, t->post_len);
        sp_buf_put_varint(&blk, t->pos_len);
        sp_buf_putc(&tmax, (uint8_t)t->tmax);
        post_off += t->post_len;
        pos_off += t->pos_len;
    }
    if (blk.n) sp_sink_write(s, blk.p, blk.n);
    sp_sink_end(s, e->nterms);
    sp_sink_begin(s, SP_SEC_DIDX);
    sp_sink_write(s, idx.p, idx.n);
    sp_sink_end(s, idx.n / 8);
    sp_sink_begin(s, SP_SEC_DKEY);
    sp_sink_write(s, keys.p, keys.n);
    sp_sink_end(s, keys.n / 8);
    sp_sink_begin(s, SP_SEC_TMAX);
    sp_sink_write(s, tmax.p, tmax.n);
    sp_sink_end(s, tmax.n);
    int rc = (blk.err || idx.err || keys.err || tmax.err)
                 ? sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory")
                 : s->rc;
    sp_buf_free(&blk);
    sp_buf_free(&idx);
    sp_buf_free(&keys);
    sp_buf_free(&tmax);
    return rc;
}

/* One WORD entry being written: a folded word and its stem's ordinal. */
typedef struct word_ent {
    const char *s;
    uint32_t len, term;
} word_ent;

static int cmp_word(const void *a, const void *b)
{
    const word_ent *x = a, *y = b;
    int c = memcmp(x->s, y->s, SP_MIN(x->len, y->len));
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/*
 * WORD: every folded word of the collection, sorted, with the ordinal of
 * its stem in DICT, for prefix queries over the words people type
 * ("dehydrat*" finds "dehydrated" and "dehydration", stem "dehydr").
 * Same front coding as DICT: blocks of SP_DICT_BLOCK entries, each entry
 * varint shared-prefix length, varint suffix length, suffix, varint stem
 * ordinal; WDIX holds the u64 offset of each block.
 */
static int write_words(emit *e)
{
    spasm_writer *w = e->w;
    sp_sink *s = &w->sink;
    word_ent *v = sp_malloc(&w->a, (e->nwords + 1) * sizeof *v);
    if (!v) return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < e->words.n && n < e->nwords;) {
        const uint8_t *p = e->words.p + i;
        v[n++] = (word_ent){(const char *)p + 5, p[4], sp_get_u32(p)};
        i += 5u + p[4];
    }
    qsort(v, n, sizeof *v, cmp_word);
    sp_buf blk, idx;
    sp_buf_init(&blk, &w->a);
    sp_buf_init(&idx, &w->a);
    uint64_t off = 0;
    sp_sink_begin(s, SP_SEC_WORD);
    for (size_t i = 0; i < n; i++) {
        size_t prefix = 0;
        if (i % SP_DICT_BLOCK == 0) {
            if (blk.n) {
                sp_sink_write(s, blk.p, blk.n);
                off += blk.n;
                blk.n = 0;
            }
            sp_buf_put_u64(&idx, off);
        } else {
            size_t m = SP_MIN(v[i - 1].len, v[i].len);
            while (prefix < m && v[i - 1].s[prefix] == v[i].s[prefix]) prefix++;
        }
        sp_buf_put_varint(&blk, prefix);
        sp_buf_put_varint(&blk, v[i].len - prefix);
        sp_buf_append(&blk, v[i].s + prefix, v[i].len - prefix);
        sp_buf_put_varint(&blk, v[i].term);
    }
    if (blk.n) sp_sink_write(s, blk.p, blk.n);
    sp_sink_end(s, n);
    sp_sink_begin(s, SP_SEC_WDIX);
    sp_sink_write(s, idx.p, idx.n);
    sp_sink_end(s, idx.n / 8);
    int rc = (blk.err || idx.err) ? sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory") : s->rc;
    sp_buf_free(&blk);
    sp_buf_free(&idx);
    sp_free(&w->a, v);
    return rc;
}

static int cmp_idix(const void *a, const void *b)
{
    uint64_t x = sp_get_u64(a), y = sp_get_u64(b);
    if (x != y) return x < y ? -1 : 1;
    uint32_t p = sp_get_u32((const uint8_t *)a + 8), q = sp_get_u32((const uint8_t *)b + 8);
    return (p > q) - (p < q);
}

static void write_tables(spasm_writer *w, uint64_t nterms)
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
    sp_sink_begin(s, SP_SEC_SIGS);
    sp_sink_write(s, w->sigs.p, w->sigs.n);
    sp_sink_end(s, w->npass);
    sp_sink_begin(s, SP_SEC_SIGB);
    sp_sink_write(s, w->sigb.p, w->sigb.n);
    sp_sink_end(s, w->npass);
    sp_sink_begin(s, SP_SEC_TLEN); /* fields: the title's positions per passage */
    for (size_t i = 0; i < w->npass; i++) {
        sp_put_u32(e, w->tspans[i]);
        sp_sink_write(s, e, 4);
    }
    sp_sink_end(s, w->npass);
    if (w->prior.n == w->npass) { /* page-furniture priors (boiler.c) */
        sp_sink_begin(s, SP_SEC_PRIO);
        sp_sink_write(s, w->prior.p, w->prior.n);
        sp_sink_end(s, w->npass);
    }
    if (w->syns.n) { /* optional: the synonyms of spasm-index --synonyms */
        sp_sink_begin(s, SP_SEC_SYNS);
        sp_sink_write(s, w->syns.p, w->syns.n);
        sp_sink_end(s, w->nsyn_rules);
    }
    sp_sink_begin(s, SP_SEC_DIDS); /* u32 offsets[D + 1], then the ids */
    sp_put_u32(e, 0);
    sp_sink_write(s, e, 4);
    sp_sink_write(s, w->didoff.p, w->didoff.n);
    sp_sink_write(s, w->dids.p, w->dids.n);
    sp_sink_end(s, w->ndocs);
    qsort(w->idix.p, w->ndocs, SP_IDIX_ENTRY, cmp_idix);
    if (!w->live_segment) sp_writer_report_dups(w);
    sp_sink_begin(s, SP_SEC_IDIX);
    sp_sink_write(s, w->idix.p, w->idix.n);
    sp_sink_end(s, w->ndocs);
    uint8_t m[SP_META_SIZE] = {0};
    sp_put_u64(m + SP_META_PASSAGES, w->npass);
    sp_put_u64(m + SP_META_DOCS, w->ndocs);
    sp_put_u64(m + SP_META_TERMS, nterms);
    sp_put_u64(m + SP_META_TOKENS, w->tokens);
    uint64_t u;
    memcpy(&u, &w->k1, 8);
    sp_put_u64(m + SP_META_K1, u);
    memcpy(&u, &w->b, 8);
    sp_put_u64(m + SP_META_B, u);
    sp_put_u32(m + SP_META_FLAGS, w->flags);
    sp_put_u32(m + SP_META_DICT_BLOCK, SP_DICT_BLOCK);
    sp_put_u32(m + SP_META_POST_BLOCK, SP_BLOCK);
    sp_put_u32(m + SP_META_SIG_HASHES, SP_SIG_HASHES);
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

/* Write the SKEY section: each signature key's holders (common/skey.c),
 * unless the tests asked for a file without it.  0 or an error code. */
static int write_skey(spasm_writer *w)
{
    if (!w->npass || w->skey_off) return 0;
    sp_buf k;
    sp_buf_init(&k, &w->a);
    if (sp_skey_build(&w->a, w->sigs.p, w->npass, &k)) {
        sp_buf_free(&k);
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    sp_sink *s = &w->sink;
    sp_sink_begin(s, SP_SEC_SKEY);
    sp_sink_write(s, k.p, k.n);
    sp_sink_end(s, sp_get_u64(k.p + 16));
    sp_buf_free(&k);
    return s->rc;
}

/* Write every section after TEXT: postings (merging the runs, if any),
 * positions, dictionary, words, tables; then rename into place. */
static int write_sections(spasm_writer *w, emit *e)
{
    sp_sink *s = &w->sink;
    int rc;
    if (w->nruns && (rc = sp_runs_flush(w))) return rc;
    e->avgdl = (double)w->tokens / (double)w->npass;
    sp_sink_begin(s, SP_SEC_POST);
    rc = w->nruns ? emit_runs(e) : sp_emit_table(e);
    w->st.postings += e->postings;
    if (rc) return rc;
    sp_sink_end(s, e->nterms);
    w->st.terms = e->nterms;
    if ((rc = sp_writer_canceled(w)) || (rc = write_positions(e))) return rc;
    if ((rc = write_dict(e))) return rc;
    if ((rc = write_words(e))) return rc;
    write_tables(w, e->nterms);
    if ((rc = s->rc) || (rc = write_skey(w))) return rc;
    if ((rc = sp_dups_write(w))) return rc; /* DUPS: indexer/dups.c */
    /* a live segment is fsync'd by the updater's commit, with the other
     * new files of the commit at once (live_sync.c) */
    s->no_sync = w->live_segment;
    if ((rc = sp_sink_finish(s))) return rc;
    w->st.index_bytes = s->off;
    /* The last checks, then the rename; the temporary file stays open (and
     * locked, see target.c) until it has its final name. */
    if ((rc = sp_target_check(w, 1))) return rc;
    if ((rc = sp_writer_canceled(w))) return rc;
    if (rename(w->tmppath, w->path) != 0)
        return sp_seterr(w->errmsg, SPASM_EIO, "%s: cannot rename the new index into place: %s",
                         w->path, strerror(errno));
    w->committed = 1;
    sp_sink_close(s);
    /* A live segment's name is made durable by the updater's commit
     * (live_sync.c), before its commit point is renamed into place. */
    if (!w->live_segment) sync_dir(w->path, &w->a);
    return 0;
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
    if (w->tdict.n) { /* TEXT's dictionary, if batch 0 trained one (batch.c) */
        sp_sink_begin(s, SP_SEC_TXDC);
        sp_sink_write(s, w->tdict.p, w->tdict.n);
        sp_sink_end(s, 0);
    }
    if (sp_store_w_flush(&w->dmeta) || w->dmeta_mem.err)
        return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    if (s->rc) return s->rc;
    emit e;
    memset(&e, 0, sizeof e);
    e.w = w;
    e.errmsg = w->errmsg;
    e.posn_fd = &w->posn_fd;
    e.posn_path = w->posn_path;
    sp_buf_init(&e.blocks, &w->a);
    sp_buf_init(&e.skips, &w->a);
    sp_buf_init(&e.posn, &w->a);
    sp_buf_init(&e.ents, &w->a);
    sp_buf_init(&e.strs, &w->a);
    sp_buf_init(&e.words, &w->a);
    int rc = write_sections(w, &e);
    sp_runs_cleanup(w);
    sp_free(&w->a, e.docs);
    sp_free(&w->a, e.tfs);
    sp_free(&w->a, e.blockpos);
    sp_buf_free(&e.blocks);
    sp_buf_free(&e.skips);
    sp_buf_free(&e.posn);
    sp_buf_free(&e.ents);
    sp_buf_free(&e.strs);
    sp_buf_free(&e.words);
    return rc;
}
