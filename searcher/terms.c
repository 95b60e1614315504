/*
 * terms.c -- the collection's terms and records: live document
 * frequencies (a segment's df minus the deleted df its deletion file
 * gives, keyed by POST offset), prefix words merged over the segments'
 * WORD sections, and the stored text and signatures of a global passage.
 */
#include "index.h"

uint32_t sp_part_del_df(const sp_part *pt, uint64_t post_off)
{
    const sp_dels *d = pt->dels;
    if (!d) return 0;
    uint64_t lo = 0, hi = d->nterms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (d->term_off[mid] < post_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nterms && d->term_off[lo] == post_off ? d->term_df[lo] : 0;
}

int sp_col_df(spasm_index *ix, const char *term, size_t len, uint64_t *df, char *err)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < ix->nparts; i++) {
        sp_terminfo ti;
        int r = sp_dict_find(ix->part[i].seg, term, len, &ti, err);
        if (r < 0) return -r;
        if (r == 0) continue;
        uint32_t del = sp_part_del_df(&ix->part[i], ti.post_off);
        sum += del < ti.df ? ti.df - del : 0;
    }
    *df = sum;
    return 0;
}

/* ---- prefixes over every segment ---- */

typedef struct pword {
    uint32_t off, len, soff, slen; /* word and stem in the pool */
} pword;

typedef struct gather {
    sp_buf pool;
    pword *v;
    size_t n, cap;
    int rc;
} gather;

/* Keep one word and its stem. */
static int gather_word(void *ud, const char *word, size_t len, const char *stem, size_t slen)
{
    gather *g = ud;
    if (g->n == g->cap) {
        size_t c = g->cap ? g->cap * 2 : 256;
        pword *v = sp_realloc(g->pool.a, g->v, c * sizeof *v);
        if (!v) return g->rc = SPASM_ENOMEM;
        g->v = v;
        g->cap = c;
    }
    pword *w = &g->v[g->n++];
    w->off = (uint32_t)g->pool.n;
    w->len = (uint32_t)len;
    sp_buf_append(&g->pool, word, len);
    w->soff = (uint32_t)g->pool.n;
    w->slen = (uint32_t)slen;
    sp_buf_append(&g->pool, stem, slen);
    sp_buf_putc(&g->pool, 0);
    return g->pool.err ? (g->rc = SPASM_ENOMEM) : 0;
}

/* A DICT term as a word that is its own stem. */
static int gather_term(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    SP_UNUSED(ti);
    return gather_word(ud, term, len, term, len);
}

typedef struct direct {
    sp_word_fn fn;
    void *ud;
} direct;

static int direct_term(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    SP_UNUSED(ti);
    direct *d = ud;
    return d->fn(d->ud, term, len, term, len);
}

long sp_col_prefix(spasm_index *ix, const char *prefix, size_t plen, size_t max, sp_word_fn fn,
                   void *ud, char *err)
{
    int words = ix->nparts > 0;
    for (size_t i = 0; i < ix->nparts; i++)
        if (!ix->part[i].seg->word.p || !ix->part[i].seg->wdix.p) words = 0;
    if (ix->nparts == 1) {
        sp_seg *g = ix->part[0].seg;
        if (words) return sp_words_prefix(g, prefix, plen, max, fn, ud, err);
        direct d = {fn, ud};
        return sp_dict_prefix(g, prefix, plen, max, direct_term, &d, err);
    }
    /* The first `max` words of the merged order are among each segment's
     * first `max`: gather those, sort, and visit the distinct ones. */
    gather g = {0};
    sp_buf_init(&g.pool, &ix->a);
    long r = 0;
    for (size_t i = 0; i < ix->nparts && r >= 0 && !g.rc; i++) {
        sp_seg *s = ix->part[i].seg;
        r = words ? sp_words_prefix(s, prefix, plen, max, gather_word, &g, err)
                  : sp_dict_prefix(s, prefix, plen, max, gather_term, &g, err);
    }
    long n = 0;
    if (r >= 0 && !g.rc) {
        char *pool = (char *)g.pool.p;
        /* a stable merge sort by word bytes (qsort has no context argument) */
        pword *tmp = sp_malloc(&ix->a, (g.n + 1) * sizeof *tmp);
        if (!tmp) {
            g.rc = SPASM_ENOMEM;
        } else {
            for (size_t w = 1; w < g.n; w *= 2) { /* bottom-up merge sort */
                for (size_t lo = 0; lo < g.n; lo += 2 * w) {
                    size_t mid = SP_MIN(lo + w, g.n), hi = SP_MIN(lo + 2 * w, g.n);
                    size_t a = lo, b = mid, o = lo;
                    while (a < mid || b < hi) {
                        int takea = b >= hi;
                        if (a < mid && b < hi) {
                            const pword *x = &g.v[a], *y = &g.v[b];
                            int c = memcmp(pool + x->off, pool + y->off, SP_MIN(x->len, y->len));
                            takea = c < 0 || (c == 0 && x->len <= y->len);
                        }
                        tmp[o++] = takea ? g.v[a++] : g.v[b++];
                    }
                }
                memcpy(g.v, tmp, g.n * sizeof *tmp);
            }
            sp_free(&ix->a, tmp);
            for (size_t i = 0; i < g.n && (size_t)n < max; i++) {
                const pword *w = &g.v[i];
                if (i > 0 && w->len == g.v[i - 1].len &&
                    memcmp(pool + w->off, pool + g.v[i - 1].off, w->len) == 0)
                    continue;
                n++;
                if (fn(ud, pool + w->off, w->len, pool + w->soff, w->slen)) break;
            }
        }
    }
    sp_buf_free(&g.pool);
    sp_free(&ix->a, g.v);
    if (r < 0) return r;
    if (g.rc) return -sp_seterr(err, g.rc, "out of memory");
    return n;
}

/* ---- records of a global passage ---- */

int sp_col_text(spasm_index *ix, uint32_t gp, sp_store_cache *c, const uint8_t **p, size_t *len,
                char *err)
{
    const sp_part *pt = sp_col_part_of_passage(ix, gp);
    sp_seg *g = pt->seg;
    return sp_store_get(g, &g->text, &g->txix, gp - pt->pbase, c, p, len, err);
}
