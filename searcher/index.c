/*
 * index.c -- a segment's term dictionary (DICT, DIDX) and folded words
 * (WORD, WDIX).  The file format is specified in docs/FORMAT.md (summary
 * in common/format.h).
 *
 * Term dictionary (DICT): blocks of SP_DICT_BLOCK terms in byte order.
 * A block starts with two varints, the POST and POSN offsets of its first
 * term; then per term: varint shared-prefix length with the previous term
 * in the block (0 for the first), varint suffix length, the suffix, varint
 * df, varint cf - df, varint POST length, varint POSN length.  The offsets
 * of later terms follow by adding up the lengths.  DIDX holds the u64
 * offset of each block in DICT, for binary search on first terms; DKEY
 * (optional) the u64 sp_key8() of each block's first term, so that the
 * search reads 8-byte keys and decodes a block only where keys tie.  A
 * segment without DKEY (written before it) is searched through an
 * in-memory sample of DICT instead (below).
 */
#include "index.h"

/* ---- dictionary ---- */

/* A cursor over one dictionary block. */
typedef struct dblock {
    const uint8_t *p, *end;
    uint64_t post_off, pos_off;
    char term[SP_TERM_BUF];
    size_t len;
    sp_terminfo ti;
    uint32_t left;
} dblock;

/* Open block b of DICT, whose bytes are [start, end) (from DIDX, or a
 * copy of it): 0 or SPASM_ECORRUPT (err set). */
static int dblock_open_at(sp_seg *ix, uint64_t b, uint64_t start, uint64_t end, dblock *d,
                          char *err)
{
    if (start > end || end > ix->dict.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary block index", ix->path);
    int rc = sp_ix_ensure(ix, ix->dict.off + start, end - start, err);
    if (rc) return rc;
    d->p = ix->dict.p + start;
    d->end = ix->dict.p + end;
    d->p = sp_varint_get(d->p, d->end, &d->post_off);
    if (d->p) d->p = sp_varint_get(d->p, d->end, &d->pos_off);
    if (!d->p) return sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary block", ix->path);
    d->len = 0;
    d->ti.post_off = d->post_off;
    d->ti.pos_off = d->pos_off;
    d->ti.post_len = d->ti.pos_len = 0;
    d->ti.ord1 = b * SP_DICT_BLOCK; /* the entry before the first's */
    uint64_t remaining = ix->nterms - b * SP_DICT_BLOCK;
    d->left = (uint32_t)SP_MIN(remaining, (uint64_t)SP_DICT_BLOCK);
    return 0;
}

/* The bytes [*start, *end) of block b (< the number of blocks) in DICT. */
static void dblock_span(const sp_seg *ix, uint64_t b, uint64_t *start, uint64_t *end)
{
    uint64_t nblocks = ix->didx.len / 8;
    *start = sp_get_u64(ix->didx.p + 8 * b);
    *end = b + 1 < nblocks ? sp_get_u64(ix->didx.p + 8 * (b + 1)) : ix->dict.len;
}

/* Open block b of DICT: 0 or SPASM_ECORRUPT (err set). */
static int dblock_open(sp_seg *ix, uint64_t b, dblock *d, char *err)
{
    uint64_t start, end;
    dblock_span(ix, b, &start, &end);
    return dblock_open_at(ix, b, start, end, d, err);
}

/* Read the next entry of the block: 1 read, 0 block done, <0 corrupt. */
static int dblock_next(sp_seg *ix, dblock *d, char *err)
{
    if (d->left == 0) return 0;
    uint64_t prefix, suffix, df, cfx, plen, qlen;
    const uint8_t *p = d->p;
    p = sp_varint_get(p, d->end, &prefix);
    if (p) p = sp_varint_get(p, d->end, &suffix);
    if (!p || prefix > d->len || suffix > sizeof d->term - 1 - prefix ||
        suffix > (uint64_t)(d->end - p))
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
    memcpy(d->term + prefix, p, suffix);
    d->len = (size_t)(prefix + suffix);
    d->term[d->len] = 0;
    p += suffix;
    p = sp_varint_get(p, d->end, &df);
    if (p) p = sp_varint_get(p, d->end, &cfx);
    if (p) p = sp_varint_get(p, d->end, &plen);
    if (p) p = sp_varint_get(p, d->end, &qlen);
    if (!p || df == 0 || df > ix->npass)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
    d->ti.post_off += d->ti.post_len;
    d->ti.pos_off += d->ti.pos_len;
    d->ti.df = (uint32_t)df;
    d->ti.cf = df + cfx;
    d->ti.post_len = plen;
    d->ti.pos_len = qlen;
    d->ti.ord1++;
    if (d->ti.post_off + plen > ix->post.len || d->ti.pos_off + qlen > ix->posn.len ||
        d->ti.post_off + plen < plen || d->ti.pos_off + qlen < qlen)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: posting list out of bounds", ix->path);
    d->p = p;
    d->left--;
    return 1;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, SP_MIN(na, nb));
    if (c) return c;
    return (na > nb) - (na < nb);
}

/*
 * For a segment without DKEY, the dictionary sample: the first term of
 * every SP_DICT_SAMPLE-th block,
 * in memory, so that a lookup's binary search over the blocks starts from
 * a range of SP_DICT_SAMPLE blocks instead of decoding the first entry of
 * some 17 blocks (wikipedia_en) one after the other; with several
 * segments a query looks each word up in each.  Made by the first lookup
 * that needs it (one block in SP_DICT_SAMPLE decoded), published with a
 * compare-and-swap: segments are shared between threads, and a thread
 * that loses the race frees its copy.
 *
 * Within a range, the search goes on over the range's keys (`fine`): the
 * first 8 bytes of each block's first term as a big-endian number (zero
 * padded; terms hold no NUL byte, so the numbers order as the terms do
 * wherever they differ), made by the first lookup that lands in the
 * range and published the same way.  A lookup then decodes one block
 * (the one holding the term), or a few more when blocks' first terms
 * share their first 8 bytes with it, instead of the 6 of a binary search
 * over the range's blocks: with 9 segments that was a third of a short
 * query's time (bench/README.md, "Searching many segments").
 */
#define SP_DICT_SAMPLE 64

typedef struct sp_dsample {
    uint64_t n;    /* sampled blocks: block i * SP_DICT_SAMPLE */
    uint32_t *off; /* n + 1 offsets of their first terms in pool */
    uint64_t *key; /* n: sp_key8() of each sampled first term */
    char *pool;
    /* n: each range's m = min(SP_DICT_SAMPLE, blocks left) keys, then
     * the DICT offsets of its m blocks and the end of the last (a copy
     * of DIDX: no read of the file's DIDX per lookup), NULL until made */
    uint64_t *_Atomic *fine;
} sp_dsample;

static void dsample_free(const sp_alloc *a, sp_dsample *s)
{
    if (!s) return;
    for (uint64_t i = 0; s->fine && i < s->n; i++)
        sp_free(a, atomic_load_explicit(&s->fine[i], memory_order_acquire));
    sp_free(a, s->fine);
    sp_free(a, s->off);
    sp_free(a, s->key);
    sp_free(a, s->pool);
    sp_free(a, s);
}

void sp_dict_sample_free(sp_seg *ix)
{
    dsample_free(&ix->a, atomic_load_explicit(&ix->dsample, memory_order_acquire));
    atomic_store_explicit(&ix->dsample, NULL, memory_order_relaxed);
}

/* The segment's sample, made when absent: non-NULL, or NULL with *rc an
 * error code (message in err), or NULL with *rc 0 when out of memory (the
 * caller then searches without it). */
static const sp_dsample *dsample_get(sp_seg *ix, int *rc, char *err)
{
    *rc = 0;
    sp_dsample *s = atomic_load_explicit(&ix->dsample, memory_order_acquire);
    if (s) return s;
    uint64_t nblocks = ix->didx.len / 8, n = (nblocks + SP_DICT_SAMPLE - 1) / SP_DICT_SAMPLE;
    s = sp_calloc(&ix->a, sizeof *s);
    sp_buf pool;
    sp_buf_init(&pool, &ix->a);
    if (s) s->off = sp_malloc(&ix->a, (n + 1) * sizeof *s->off);
    if (s) s->key = sp_malloc(&ix->a, (n ? n : 1) * sizeof *s->key);
    if (s) s->fine = sp_calloc(&ix->a, (n ? n : 1) * sizeof *s->fine);
    for (uint64_t i = 0; s && s->off && s->key && s->fine && i < n && !pool.err && !*rc; i++) {
        dblock d;
        int r = dblock_open(ix, i * SP_DICT_SAMPLE, &d, err);
        if (r) {
            *rc = r;
        } else if ((r = dblock_next(ix, &d, err)) <= 0) {
            *rc =
                r < 0 ? -r : sp_seterr(err, SPASM_ECORRUPT, "%s: empty dictionary block", ix->path);
        } else {
            s->off[i] = (uint32_t)pool.n;
            s->key[i] = sp_key8(d.term, d.len);
            sp_buf_append(&pool, d.term, d.len);
        }
    }
    if (!*rc && s && s->off && s->key && s->fine && !pool.err && pool.n <= UINT32_MAX)
        s->pool = pool.p ? (char *)pool.p : sp_malloc(&ix->a, 1);
    if (*rc || !s || !s->pool) {
        sp_buf_free(&pool);
        dsample_free(&ix->a, s);
        return NULL;
    }
    s->off[n] = (uint32_t)pool.n; /* the pool is the sample's now */
    s->n = n;
    sp_dsample *seen = NULL;
    if (!atomic_compare_exchange_strong_explicit(&ix->dsample, &seen, s, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        dsample_free(&ix->a, s); /* another thread made it first */
        return seen;
    }
    return s;
}

/* The keys and block offsets of range r of the sample (blocks
 * r * SP_DICT_SAMPLE on), made when absent: non-NULL, or NULL with *rc
 * an error code (err set), or NULL with *rc 0 when out of memory (the
 * caller then goes without). */
static const uint64_t *fine_get(sp_seg *ix, const sp_dsample *s, uint64_t r, int *rc, char *err)
{
    *rc = 0;
    uint64_t *k = atomic_load_explicit(&s->fine[r], memory_order_acquire);
    if (k) return k;
    uint64_t first = r * SP_DICT_SAMPLE, n = SP_MIN(ix->didx.len / 8 - first, SP_DICT_SAMPLE);
    if (!(k = sp_malloc(&ix->a, (2 * n + 1) * sizeof *k))) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        dblock d;
        int e = dblock_open(ix, first + i, &d, err);
        if (!e) {
            int got = dblock_next(ix, &d, err); /* 1 read, 0 empty, -code */
            if (got < 0) e = -got;
            if (got == 0)
                e = sp_seterr(err, SPASM_ECORRUPT, "%s: empty dictionary block", ix->path);
        }
        if (e) {
            *rc = e;
            sp_free(&ix->a, k);
            return NULL;
        }
        k[i] = sp_key8(d.term, d.len);
        dblock_span(ix, first + i, &k[n + i], &k[n + i + 1]);
    }
    uint64_t *seen = NULL;
    if (!atomic_compare_exchange_strong_explicit(&s->fine[r], &seen, k, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        sp_free(&ix->a, k); /* another thread made it first */
        return seen;
    }
    return k;
}

/* The first term of block b compared with key[0, len) (memcmp order) into
 * *c.  0 or an error code (err set). */
static int block_cmp(sp_seg *ix, uint64_t b, const char *key, size_t len, int *c, char *err)
{
    dblock d;
    int rc = dblock_open(ix, b, &d, err);
    if (rc) return rc;
    int r = dblock_next(ix, &d, err);
    if (r < 0) return -r;
    if (r == 0) return sp_seterr(err, SPASM_ECORRUPT, "%s: empty dictionary block", ix->path);
    *c = cmp_bytes(d.term, d.len, key, len);
    return 0;
}

/* Among blocks [b, j) (b's first term <= key; those from j above it; the
 * keys of b + 1 .. j - 1 tie with key's), the last whose first term is
 * <= key, into *b: a binary search decoding their first entries. */
static int tied_block(sp_seg *ix, uint64_t base, uint64_t *b, uint64_t j, const char *key,
                      size_t len, char *err)
{
    while (j - *b > 1) {
        uint64_t mid = *b + (j - *b) / 2;
        int c, rc = block_cmp(ix, base + mid, key, len, &c, err);
        if (rc) return rc;
        if (c <= 0)
            *b = mid;
        else
            j = mid;
    }
    return 0;
}

/* The last block whose first term is <= key, with the blocks' keys of
 * DKEY (n >= 1 of them, checked at open): a binary search on the keys,
 * then on the first terms of the blocks whose keys tie with key's. */
static int find_block_dkey(sp_seg *ix, const char *key, size_t len, uint64_t *out, char *err)
{
    const uint8_t *k = ix->dkey.p;
    uint64_t n = ix->dkey.len / 8, kk = sp_key8(key, len), t = 1, e = n, j;
    while (t < e) { /* the first key >= kk (block 0 is the answer if none is <=) */
        uint64_t mid = t + (e - t) / 2;
        if (sp_get_u64(k + 8 * mid) < kk)
            t = mid + 1;
        else
            e = mid;
    }
    for (j = n; e < j;) { /* the first key > kk */
        uint64_t mid = e + (j - e) / 2;
        if (sp_get_u64(k + 8 * mid) <= kk)
            e = mid + 1;
        else
            j = mid;
    }
    *out = t - 1;
    return tied_block(ix, 0, out, j, key, len, err);
}

/* The last block whose first term is <= key (0 if none) into *out, and
 * its bytes in DICT into [*start, *end). */
static int find_block(sp_seg *ix, const char *key, size_t len, uint64_t *out, uint64_t *start,
                      uint64_t *end, char *err)
{
    uint64_t lo = 0, hi = ix->didx.len / 8;
    if (ix->dkey.p && hi > 0) {
        int rc = find_block_dkey(ix, key, len, out, err);
        if (!rc) dblock_span(ix, *out, start, end);
        return rc;
    }
    if (hi > 2) { /* narrow to one sampled range first, then within it */
        int rc;
        const sp_dsample *s = dsample_get(ix, &rc, err);
        if (rc) return rc;
        if (s) {
            uint64_t a = 0, z = s->n, kk = sp_key8(key, len);
            while (z - a > 1) { /* on the keys; the terms only where they tie */
                uint64_t mid = a + (z - a) / 2;
                int le = s->key[mid] != kk
                             ? s->key[mid] < kk
                             : cmp_bytes(s->pool + s->off[mid], s->off[mid + 1] - s->off[mid], key,
                                         len) <= 0;
                if (le)
                    a = mid;
                else
                    z = mid;
            }
            lo = a * SP_DICT_SAMPLE;
            hi = SP_MIN(hi, lo + SP_DICT_SAMPLE);
            const uint64_t *k = fine_get(ix, s, a, &rc, err);
            if (rc) return rc;
            if (k) {
                /* blocks [t, j) of the range have the term's key: those
                 * before t start below the term, those from j above it;
                 * among the ties, a binary search on their first terms
                 * (block 0 of the range starts at or below the term, or
                 * nothing does and the answer is 0 anyway) */
                uint64_t t = 1, j = hi - lo, e = hi - lo;
                while (t < e) { /* the first key >= kk */
                    uint64_t mid = t + (e - t) / 2;
                    if (k[mid] < kk)
                        t = mid + 1;
                    else
                        e = mid;
                }
                for (e = t; e < j;) { /* the first key > kk */
                    uint64_t mid = e + (j - e) / 2;
                    if (k[mid] <= kk)
                        e = mid + 1;
                    else
                        j = mid;
                }
                uint64_t b = t - 1;
                if ((rc = tied_block(ix, lo, &b, j, key, len, err))) return rc;
                *out = lo + b;
                *start = k[hi - lo + b];
                *end = k[hi - lo + b + 1];
                return 0;
            }
        }
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c, rc = block_cmp(ix, mid, key, len, &c, err);
        if (rc) return rc;
        if (c <= 0)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    dblock_span(ix, lo, start, end);
    return 0;
}

/*
 * Look term up in block b of ix's dictionary (the last whose first term
 * is <= term), whose bytes are DICT [start, end): as sp_dict_find().
 * The entries are compared with the term without being rebuilt: m is the
 * length the previous entry (below the term) shares with it, and the
 * front coding shares the longest prefix with the previous entry, so an
 * entry sharing more than m with the previous one is below the term too,
 * one sharing less is above it (the terms ascend), and only an entry
 * sharing exactly m has its suffix compared with the term's rest.
 */
static int find_in_block(sp_seg *ix, uint64_t b, uint64_t start, uint64_t end, const char *term,
                         size_t len, sp_terminfo *out, char *err)
{
    dblock d;
    int rc = dblock_open_at(ix, b, start, end, &d, err);
    if (rc) return -rc;
    const uint8_t *p = d.p, *e = d.end, *key = (const uint8_t *)term;
    uint64_t post_off = d.post_off, pos_off = d.pos_off, post_len = 0, pos_len = 0;
    size_t m = 0, prev = 0; /* the previous entry's length */
    for (uint32_t left = d.left; left > 0; left--) {
        uint64_t prefix, suffix, df, cfx, plen, qlen;
        p = sp_varint_get(p, e, &prefix);
        if (p) p = sp_varint_get(p, e, &suffix);
        if (!p || prefix > prev || suffix > SP_TERM_BUF - 1 - prefix || suffix > (uint64_t)(e - p))
            return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
        const uint8_t *sx = p;
        p = sp_varint_get(p + suffix, e, &df);
        if (p) p = sp_varint_get(p, e, &cfx);
        if (p) p = sp_varint_get(p, e, &plen);
        if (p) p = sp_varint_get(p, e, &qlen);
        if (!p || df == 0 || df > ix->npass)
            return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
        post_off += post_len;
        pos_off += pos_len;
        post_len = plen;
        pos_len = qlen;
        if (post_off + plen > ix->post.len || pos_off + qlen > ix->posn.len ||
            post_off + plen < plen || pos_off + qlen < qlen)
            return -sp_seterr(err, SPASM_ECORRUPT, "%s: posting list out of bounds", ix->path);
        prev = (size_t)(prefix + suffix);
        int c;
        if (prefix != m) {
            c = prefix > m ? -1 : 1;
        } else {
            size_t rest = len - m, lim = SP_MIN((size_t)suffix, rest), j = 0;
            while (j < lim && sx[j] == key[m + j]) j++;
            if (j < lim)
                c = sx[j] < key[m + j] ? -1 : 1;
            else
                c = (suffix > rest) - (suffix < rest);
            if (c < 0) m += j;
        }
        if (c > 0) return 0;
        if (c == 0) {
            out->df = (uint32_t)df;
            out->cf = df + cfx;
            out->post_off = post_off;
            out->post_len = plen;
            out->pos_off = pos_off;
            out->pos_len = qlen;
            out->ord1 = b * SP_DICT_BLOCK + (d.left - left) + 1;
            return 1;
        }
    }
    return 0;
}

int sp_dict_find(sp_seg *ix, const char *term, size_t len, sp_terminfo *out, char *err)
{
    if (ix->nterms == 0) return 0;
    uint64_t b, start, end;
    int rc = find_block(ix, term, len, &b, &start, &end, err);
    if (rc) return -rc;
    return find_in_block(ix, b, start, end, term, len, out, err);
}

/*
 * The block of term in each of segments seg[0, n) that has DKEY and
 * terms, into blk[] (UINT64_MAX left for the others), and its bytes in
 * DICT into [st[], en[]).  The binary searches over the segments' keys
 * run in lockstep, one step of every search before the next step of any:
 * their loads are independent, so that the cache misses of n searches
 * overlap instead of following each other (a short query on 9 segments
 * spent 8.7% of its time here against 0.8% on one: bench/README.md,
 * "Searching many segments").  Each is a branch-free lower bound, the
 * first key >= term's among blocks 1 ..; only where the keys tie (an
 * 8-byte prefix shared) does find_block_dkey() decide.  0 or an error
 * code (err set).
 */
static int dkey_blocks(sp_seg *const *seg, size_t n, const char *term, size_t len, uint64_t *blk,
                       uint64_t *st, uint64_t *en, char *err)
{
    uint64_t kk = sp_key8(term, len), base[SP_DICT_BATCH], left[SP_DICT_BATCH];
    int steps = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t nk = seg[i]->dkey.p && seg[i]->nterms ? seg[i]->dkey.len / 8 : 0;
        base[i] = 1;                   /* the keys of blocks 1 .. nk - 1 */
        left[i] = nk > 1 ? nk - 1 : 0; /* 0: nothing to search */
    }
    while (steps) {
        steps = 0;
        for (size_t i = 0; i < n; i++) {
            if (left[i] <= 1) continue;
            uint64_t half = left[i] / 2;
            uint64_t below = sp_get_u64(seg[i]->dkey.p + 8 * (base[i] + half)) < kk;
            base[i] += below * half;
            left[i] -= half;
            steps |= left[i] > 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        sp_seg *ix = seg[i];
        uint64_t nk = ix->dkey.p && ix->nterms ? ix->dkey.len / 8 : 0;
        if (nk == 0) continue;
        uint64_t t = 1; /* the first key >= kk, or nk */
        if (left[i] == 1) t = base[i] + (sp_get_u64(ix->dkey.p + 8 * base[i]) < kk);
        if (t < nk && sp_get_u64(ix->dkey.p + 8 * t) == kk) { /* ties */
            int rc = find_block_dkey(ix, term, len, &blk[i], err);
            if (rc) return rc;
        } else {
            blk[i] = t - 1;
        }
        dblock_span(ix, blk[i], &st[i], &en[i]);
    }
    return 0;
}

int sp_dict_find_parts(const spasm_index *col, const char *term, size_t len, sp_terminfo *ti,
                       char *err)
{
    uint64_t blk[SP_DICT_BATCH], st[SP_DICT_BATCH], en[SP_DICT_BATCH];
    sp_seg *seg[SP_DICT_BATCH];
    size_t np = col->nparts;
    for (size_t at = 0; at < np; at += SP_DICT_BATCH) {
        size_t n = SP_MIN(np - at, (size_t)SP_DICT_BATCH);
        for (size_t i = 0; i < n; i++) {
            seg[i] = col->part[at + i].seg;
            blk[i] = UINT64_MAX;
        }
        int rc = dkey_blocks(seg, n, term, len, blk, st, en, err);
        if (rc) return -rc;
        /* each segment's block (the others from the in-memory sample and
         * keys), and its bytes asked for */
        for (size_t i = 0; i < n; i++) {
            sp_seg *ix = seg[i];
            if (ix->nterms == 0) continue;
            if (blk[i] == UINT64_MAX &&
                (rc = find_block(ix, term, len, &blk[i], &st[i], &en[i], err)))
                return -rc;
            if (st[i] < ix->dict.len) {
                __builtin_prefetch(ix->dict.p + st[i]);
                __builtin_prefetch(ix->dict.p + st[i] + 64);
            }
        }
        for (size_t i = 0; i < n; i++) {
            sp_seg *ix = col->part[at + i].seg;
            int r = blk[i] == UINT64_MAX
                        ? 0
                        : find_in_block(ix, blk[i], st[i], en[i], term, len, &ti[at + i], err);
            if (r < 0) return r;
            if (r == 0) {
                ti[at + i].df = 0;
                continue;
            }
            /* and the posting list's first bytes, that a cursor reads next,
             * and its TMAX byte, that segplan.c reads first */
            __builtin_prefetch(ix->post.p + ti[at + i].post_off);
            if (ix->tmax.p) __builtin_prefetch(ix->tmax.p + ti[at + i].ord1 - 1);
        }
    }
    return 0;
}

long sp_dict_prefix(sp_seg *ix, const char *prefix, size_t plen, size_t max, sp_term_fn fn,
                    void *ud, char *err)
{
    if (ix->nterms == 0) return 0;
    uint64_t b, start, end;
    int rc = find_block(ix, prefix, plen, &b, &start, &end, err);
    if (rc) return -rc;
    long n = 0;
    uint64_t nblocks = ix->didx.len / 8;
    for (; b < nblocks; b++) {
        dblock d;
        if ((rc = dblock_open(ix, b, &d, err))) return -rc;
        int r;
        while ((r = dblock_next(ix, &d, err)) > 0) {
            int c = memcmp(d.term, prefix, SP_MIN(d.len, plen));
            if (d.len >= plen && c == 0) {
                if ((size_t)n >= max) return n;
                n++;
                if (fn(ud, d.term, d.len, &d.ti)) return n;
            } else if (c > 0 || (c == 0 && d.len >= plen)) {
                return n; /* past the prefix range */
            }
        }
        if (r < 0) return r;
    }
    return n;
}

long sp_dict_term_at(sp_seg *ix, uint64_t ord, char *out, sp_terminfo *ti, char *err)
{
    if (ord >= ix->nterms)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad term ordinal in WORD", ix->path);
    dblock d;
    int rc = dblock_open(ix, ord / SP_DICT_BLOCK, &d, err);
    if (rc) return -rc;
    for (uint64_t i = 0; i <= ord % SP_DICT_BLOCK; i++) {
        int r = dblock_next(ix, &d, err);
        if (r < 0) return r;
        if (r == 0) return -sp_seterr(err, SPASM_ECORRUPT, "%s: short dictionary block", ix->path);
    }
    memcpy(out, d.term, d.len + 1);
    if (ti) *ti = d.ti;
    return (long)d.len;
}

int sp_wblock_open(sp_seg *ix, uint64_t b, sp_wblock *d, char *err)
{
    uint64_t nblocks = ix->wdix.len / 8;
    uint64_t start = sp_get_u64(ix->wdix.p + 8 * b);
    uint64_t end = b + 1 < nblocks ? sp_get_u64(ix->wdix.p + 8 * (b + 1)) : ix->word.len;
    if (start > end || end > ix->word.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad word block index", ix->path);
    int rc = sp_ix_ensure(ix, ix->word.off + start, end - start, err);
    if (rc) return rc;
    rc = sp_ix_ensure(ix, ix->wdix.off + 8 * b, 8, err);
    if (rc) return rc;
    d->p = ix->word.p + start;
    d->end = ix->word.p + end;
    d->len = 0;
    d->left = (uint32_t)SP_MIN(ix->word.count - b * SP_DICT_BLOCK, (uint64_t)SP_DICT_BLOCK);
    return 0;
}

int sp_wblock_next(sp_seg *ix, sp_wblock *d, char *err)
{
    if (d->left == 0) return 0;
    uint64_t prefix, suffix;
    const uint8_t *p = sp_varint_get(d->p, d->end, &prefix);
    if (p) p = sp_varint_get(p, d->end, &suffix);
    if (!p || prefix > d->len || suffix > sizeof d->word - 1 - prefix ||
        suffix > (uint64_t)(d->end - p))
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad word entry", ix->path);
    memcpy(d->word + prefix, p, suffix);
    d->len = (size_t)(prefix + suffix);
    d->word[d->len] = 0;
    p = sp_varint_get(p + suffix, d->end, &d->term);
    if (!p) return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad word entry", ix->path);
    d->p = p;
    d->left--;
    return 1;
}

long sp_words_prefix(sp_seg *ix, const char *prefix, size_t plen, size_t max, sp_word_fn fn,
                     void *ud, char *err)
{
    uint64_t nblocks = ix->wdix.len / 8;
    if (!ix->word.p || !ix->wdix.p || nblocks == 0) return 0;
    if (nblocks != (ix->word.count + SP_DICT_BLOCK - 1) / SP_DICT_BLOCK)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: WORD and WDIX disagree", ix->path);
    /* the last block whose first word is <= prefix */
    uint64_t lo = 0, hi = nblocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        sp_wblock d;
        int rc = sp_wblock_open(ix, mid, &d, err);
        if (rc) return -rc;
        int r = sp_wblock_next(ix, &d, err);
        if (r <= 0)
            return r < 0 ? r : -sp_seterr(err, SPASM_ECORRUPT, "%s: empty word block", ix->path);
        if (cmp_bytes(d.word, d.len, prefix, plen) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    long n = 0;
    char stem[SP_TERM_BUF];
    for (uint64_t b = lo; b < nblocks; b++) {
        sp_wblock d;
        int rc = sp_wblock_open(ix, b, &d, err);
        if (rc) return -rc;
        int r;
        while ((r = sp_wblock_next(ix, &d, err)) > 0) {
            int c = memcmp(d.word, prefix, SP_MIN(d.len, plen));
            if (d.len >= plen && c == 0) {
                if ((size_t)n >= max) return n;
                long slen = sp_dict_term_at(ix, d.term, stem, NULL, err);
                if (slen < 0) return slen;
                n++;
                if (fn(ud, d.word, d.len, stem, (size_t)slen)) return n;
            } else if (c > 0 || (c == 0 && d.len >= plen)) {
                return n; /* past the prefix range */
            }
        }
        if (r < 0) return r;
    }
    return n;
}
