/*
 * rank_window.c -- MaxScore's essential operands evaluated a window at a
 * time (term-at-a-time inside the window), as Lucene's
 * MaxScoreBulkScorer does for several essential clauses: for deep top-k
 * (k = 1000) most operands of a long query stay essential, and finding
 * each next candidate through a heap of them, then reading its length
 * at random, cost more than the scoring itself.
 *
 * For a window of up to SP_RWIN_W passages, each essential operand in
 * query order adds its BM25 share of each of its passages there into an
 * accumulator (a passage's length read in passage order, asked for
 * SP_RWIN_AHEAD postings ahead), marks the passage in a bitmap and chains the
 * posting (its tf and operand) to the passage.  Then the marked passages
 * are visited in order: one whose essential sum plus the bounds of the
 * non-essential operands cannot pass the threshold is dropped; the
 * others probe the non-essential operands as rank.c does, and enter the
 * top k with their score summed in query order (the chain gives back
 * each essential operand's tf), as the exhaustive evaluator sums: when no
 * non-essential operand matched, the accumulator already is that sum.
 */
#include <stdlib.h>

#include "boilerplate.h"
#include "rank.h"

#define RW_NIL 0xffffu
#define SP_RWIN_AHEAD 16 /* postings ahead whose length add_term() asks for */

/* One essential posting of the window: its tf, the next posting chained
 * to the same passage, its operand (index into the essential ones). */
typedef struct rw_post {
    uint32_t tf;
    uint16_t next;
    uint16_t op;
} rw_post;

struct sp_rwin {
    double acc[SP_RWIN_W];    /* the essential sums, 0 outside the marked passages */
    uint16_t head[SP_RWIN_W]; /* each passage's chain of postings, RW_NIL: none */
    uint64_t bits[SP_RWIN_W / 64];
    rw_post pool[SP_RWIN_POOL];
    struct rw_cand { /* the passages past the first bound, in order */
        double s;
        uint32_t d;
        uint16_t h;
    } cand[SP_RWIN_W];
    double norm[SP_RWIN_NORMS]; /* k1 (1 - b + b len / avgdl) by length, for: */
    double nk1, nb, navg;
    uint64_t windows; /* windows evaluated so far (for the tests) */
};

sp_rwin *sp_rwin_new(const sp_alloc *a)
{
    sp_rwin *w = sp_calloc(a, sizeof *w);
    if (!w) return NULL;
    memset(w->head, 0xff, sizeof w->head);
    w->nk1 = -1; /* no norms yet */
    return w;
}

void sp_rwin_free(const sp_alloc *a, sp_rwin *w)
{
    sp_free(a, w);
}

uint64_t sp_rwin_windows(const sp_rwin *w)
{
    return w ? w->windows : 0;
}

/* The BM25 length norm of a passage of dl tokens, computed as iter.c's
 * sp_bm25() computes it (the table holds the same values). */
static inline double rw_norm(const sp_rwin *w, double k1, double b, double avgdl, uint32_t dl)
{
    if (dl < SP_RWIN_NORMS) return w->norm[dl];
    return k1 * (1 - b + b * dl / avgdl);
}

/* Sort the essential operands ess[0, n) by query order. */
static void by_order(mterm **ess, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        mterm *v = ess[i];
        size_t j = i;
        while (j > 0 && ess[j - 1]->order > v->order) {
            ess[j] = ess[j - 1];
            j--;
        }
        ess[j] = v;
    }
}

/* Add term operand e's postings in [wlo, whi] (its cursor at or past
 * wlo) to the window, as operand number j; *np counts the pool. */
static void add_term(it_ctx *x, sp_rwin *w, mterm *e, uint16_t j, uint32_t wlo, uint32_t whi,
                     uint32_t *np)
{
    sp_cursor *c = e->c;
    const double k1 = x->k1, b = x->b, avgdl = x->avgdl, idf = e->idf;
    if (c->doc > whi) return; /* also SP_END, and a pending block starting later */
    if (c->pending && (sp_cursor_seek(c, c->doc, x->err) > whi || c->err)) {
        if (c->err) x->rc = c->err;
        return;
    }
    uint32_t p = *np;
    for (;;) {
        uint32_t i = c->i, n = c->n;
        const uint32_t *docs = c->docs, *tfs = c->tfs;
        for (; i < n && docs[i] <= whi; i++) {
            /* the length of the posting SP_RWIN_AHEAD on is a cache miss:
             * ask now (asking for the window's whole slice of LENS, a line
             * per 16 passages, cost 5% of a title query at k = 1,000 in
             * prefetches, most of them for passages no term is in) */
            if (i + SP_RWIN_AHEAD < n)
                __builtin_prefetch(x->ix->lens.p + 4 * (size_t)docs[i + SP_RWIN_AHEAD]);
            uint32_t d = docs[i], tf = tfs[i], r = d - wlo;
            double v = term_score(idf, tf, k1, rw_norm(w, k1, b, avgdl, sp_it_len(x, d)), 0);
            w->acc[r] += v;
            w->pool[p] = (rw_post){tf, w->head[r], j};
            w->head[r] = (uint16_t)p++;
            w->bits[r >> 6] |= 1ull << (r & 63);
        }
        if (i < n) {
            c->i = i;
            c->doc = docs[i];
            break;
        }
        c->i = n - 1; /* the block is used up: the next one is decoded if it can start here */
        uint32_t nd = sp_cursor_next_lazy(c);
        if (nd > whi) break;
        if (sp_cursor_seek(c, nd, x->err) > whi || c->err) {
            if (c->err) x->rc = c->err;
            break;
        }
    }
    *np = p;
}

/* The same for a phrase or NEAR operand: its matches in [wlo, whi]. */
static void add_group(it_ctx *x, sp_rwin *w, mterm *e, uint16_t j, uint32_t wlo, uint32_t whi,
                      uint32_t *np)
{
    const double k1 = x->k1, b = x->b, avgdl = x->avgdl;
    uint32_t p = *np;
    for (uint32_t d = op_seek(x, e, wlo); d <= whi && !x->rc; d = op_seek(x, e, d + 1)) {
        uint32_t r = d - wlo, tf = e->n->freq;
        w->acc[r] += term_score(e->idf, tf, k1, rw_norm(w, k1, b, avgdl, sp_it_len(x, d)), 0);
        w->pool[p] = (rw_post){tf, w->head[r], j};
        w->head[r] = (uint16_t)p++;
        w->bits[r >> 6] |= 1ull << (r & 63);
        e->next = d + 1;
    }
    *np = p;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

size_t sp_rank_window(it_ctx *x, sp_rwin *w, mterm **o, size_t first, size_t k, const double *cum,
                      uint32_t lo, uint32_t hi, it *neg, sp_topk *t, double *contrib, uint32_t *hit)
{
    const double k1 = x->k1, b = x->b, avgdl = x->avgdl;
    if (w->nk1 != k1 || w->nb != b || w->navg != avgdl) {
        for (uint32_t dl = 0; dl < SP_RWIN_NORMS; dl++) w->norm[dl] = k1 * (1 - b + b * dl / avgdl);
        w->nk1 = k1, w->nb = b, w->navg = avgdl;
    }
    mterm *ess[SP_RWIN_MAX_OPS];
    size_t ne = 0;

    for (size_t i = first; i < k; i++) ess[ne++] = o[i];
    by_order(ess, ne);
    uint32_t whi;
    for (uint64_t wlo = lo; wlo <= hi && !x->rc && ne; wlo = (uint64_t)whi + 1) {
        /* at most SP_RWIN_POOL postings: ne of each passage */
        uint64_t width = SP_RWIN_POOL / ne < SP_RWIN_W ? SP_RWIN_POOL / ne : SP_RWIN_W;
        whi = (uint32_t)(wlo + width - 1 < hi ? wlo + width - 1 : hi);
        uint32_t np = 0;
        w->windows++;
        for (size_t j = 0; j < ne && !x->rc; j++) {
            if (ess[j]->c)
                add_term(x, w, ess[j], (uint16_t)j, (uint32_t)wlo, whi, &np);
            else
                add_group(x, w, ess[j], (uint16_t)j, (uint32_t)wlo, whi, &np);
        }
        double rest = first > 0 ? cum[first - 1] : 0; /* the non-essential operands' bounds */
        /* The marked passages in order: those whose essential sum cannot
         * pass the threshold with every non-essential operand are dropped,
         * the others listed (their documents asked for: an offer reads them). */
        size_t nc = 0;
        for (uint32_t wi = 0; wi <= (whi - (uint32_t)wlo) / 64; wi++) {
            uint64_t m = w->bits[wi];
            w->bits[wi] = 0;
            for (; m; m &= m - 1) {
                uint32_t r = wi * 64 + (uint32_t)__builtin_ctzll(m), d = (uint32_t)wlo + r;
                double s = w->acc[r];
                uint16_t h = w->head[r];
                w->acc[r] = 0;
                w->head[r] = RW_NIL;
                if (x->rc || sp_it_deleted(x, d)) continue; /* deleted passages never match */
                if (neg) { /* counted only when it passes the bound and the exclusion */
                    if (t->full && s * (1 + 1e-12) + rest <= t->threshold) continue;
                    if (sp_it_next(x, neg, d) == d) continue;
                }
                t->total++;
                if (t->full && s * (1 + 1e-12) + rest <= t->threshold) continue;
                if (t->group) __builtin_prefetch(x->ix->pass.p + SP_PASS_ENTRY * (size_t)d);
                w->cand[nc++] = (struct rw_cand){s, d, h};
            }
        }
        /* Each listed passage: the non-essential operands probed while it
         * can still pass, then offered with its score in query order. */
        for (size_t ci = 0; ci < nc && !x->rc; ci++) {
            uint32_t d = w->cand[ci].d;
            double s = w->cand[ci].s, norm = 0, score = s;
            size_t nhit = 0;
            int dropped = 0;
            if (first > 0) norm = rw_norm(w, k1, b, avgdl, sp_it_len(x, d));
            for (size_t i = first; i-- > 0;) {
                if (t->full && score * (1 + 1e-12) + cum[i] <= t->threshold) {
                    dropped = 1;
                    break;
                }
                mterm *e = o[i];
                if (e->wub > 0 && op_seek(x, e, d) == d) {
                    double tf = e->c ? sp_cursor_tf(e->c) : e->n->freq;
                    double v = term_score(e->idf, tf, k1, norm, 0);
                    contrib[e->order] = v;
                    hit[nhit++] = e->order;
                    score += v;
                }
            }
            if (dropped) continue;
            double sum = s; /* no other operand: already summed in query order */
            if (nhit) {
                /* cannot enter: its score rounded another way is still below */
                if (t->full && score * (1 + 1e-12) < t->threshold) continue;
                for (uint16_t p = w->cand[ci].h; p != RW_NIL; p = w->pool[p].next) {
                    const mterm *e = ess[w->pool[p].op];
                    contrib[e->order] = term_score(e->idf, w->pool[p].tf, k1, norm, 0);
                    hit[nhit++] = e->order;
                }
                if (nhit > 32)
                    qsort(hit, nhit, sizeof *hit, cmp_u32);
                else
                    for (size_t i = 1; i < nhit; i++) {
                        uint32_t v = hit[i];
                        size_t j = i;
                        while (j > 0 && hit[j - 1] > v) {
                            hit[j] = hit[j - 1];
                            j--;
                        }
                        hit[j] = v;
                    }
                sum = 0;
                for (size_t i = 0; i < nhit; i++) sum += contrib[hit[i]];
            }
            sp_heap_offer(t, d, sum * sp_it_prior(x, d)); /* <= 1: bounds hold */
        }
        /* operands whose bounds no longer reach the threshold are probed from now on */
        size_t was = first;
        while (t->full && first < k && cum[first] <= t->threshold) o[first++]->ess = 0;
        if (first != was) {
            size_t m = 0;
            for (size_t j = 0; j < ne; j++)
                if (ess[j]->ess) ess[m++] = ess[j];
            ne = m;
        }
        if (sp_canceled(x)) break;
    }
    return first;
}
