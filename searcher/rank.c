/*
 * rank.c -- block-max MaxScore for a disjunction of terms (the
 * bag-of-words query), after Turtle & Flood (1995) for MaxScore and Ding &
 * Suel (2011) / Chakrabarti et al. (2011) for the block-max bounds, in the
 * windowed form Lucene and PISA use.
 *
 * A term's contribution to passage p is at most idf * (k1 + 1) * the
 * largest tf-norm tf / (tf + k1 * (1 - b + b * len / avglen)) of the block
 * of its list that would hold p.  The skip table stores that norm per block
 * (128 postings) at the index's default k1 and b; for other parameters it
 * is bounded from the block's largest tf and shortest passage (the norm
 * grows with tf and shrinks with length).  A list of one block has no skip
 * table: its bound comes from the decoded block.
 *
 * The passages are visited in windows [lo, hi] where hi is the smallest
 * last passage of the blocks covering lo among the terms essential in the
 * previous window (all of them at first), and a term's bound in the window
 * is the largest of its blocks meeting it.  With more than
 * SP_RANK_FEW_TERMS operands a window also spans at least
 * SP_RANK_MIN_WINDOW passages, as Lucene's MaxScoreBulkScorer does: else
 * the block ends of hundreds of terms cut the index into tiny windows,
 * each costing a pass over all the terms (a 768-word query spent 80% of
 * its 0.4 s there), and the next candidate comes from a heap of the
 * essential operands by passage instead of a scan of them all.  A query
 * "a b -c" ranks the disjunction a b the same way, each candidate that
 * passes the bounds checked against c.  Per window, once k candidates
 * are kept (the threshold applies):
 *
 *   - if the bounds add up to no more than the heap's threshold, nothing
 *     in the window can enter: it is skipped without decoding a block;
 *   - else the terms are sorted by bound; those whose bounds add up to no
 *     more than the threshold are "non-essential": a passage holding only
 *     them cannot enter, so candidates come from the essential terms alone,
 *     and the non-essential ones are probed (seek, decoding lazily) only
 *     while the running score plus their bounds can still pass the
 *     threshold.
 *
 * With several essential operands (SP_RWIN_DEEP_K in rank.h) and no
 * proximity component or title weight, a window's candidates come from
 * rank_window.c instead: the essential operands scored into an
 * accumulator array a window at a time, the same bounds applied.
 *
 * The result equals exhaustive evaluation (tests/test_core.c,
 * tests/test_pruning.c and tests/test_rank_window.c check it, long
 * queries included):
 * a passage is dropped only when its score provably cannot exceed the
 * threshold (bounds carry a 1e-9 relative margin for rounding), a later
 * passage with an equal score loses the tie anyway, and the score of a
 * kept passage is summed in query order, as the exhaustive evaluator sums.
 */
#include <stdlib.h>

#include "boilerplate.h"
#include "rank.h"

/* With more than SP_RANK_FEW_TERMS operands, a window spans at least
 * SP_RANK_MIN_WINDOW passages (measured on wiki60k: see bench/README.md). */
#ifndef SP_RANK_FEW_TERMS
#define SP_RANK_FEW_TERMS 8
#endif
#ifndef SP_RANK_MIN_WINDOW
#define SP_RANK_MIN_WINDOW 4096
#endif

/* Collect the operands of a disjunction: terms (through nested ORs, whose
 * scores add up the same way) and phrases or NEAR groups.  0 when some
 * operand is of another kind (the caller then evaluates exhaustively). */
static int collect(it *n, it **out, size_t *nout, size_t cap)
{
    if (n->type == Q_TERM && n->field != F_ANY) return 0; /* title:, text: */
    if (n->type == Q_TERM || n->type == Q_PHRASE || n->type == Q_NEAR) {
        if (*nout >= cap) return 0;
        out[(*nout)++] = n;
        return 1;
    }
    if (n->type != Q_OR) return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!collect(n->kids[i], out, nout, cap)) return 0;
    return 1;
}

/* Count the leaves of an OR tree (an upper bound of what collect() here
 * and the proximity component's leaves() gather): 1 for any other node. */
size_t sp_it_count_leaves(const it *n)
{
    if (n->type != Q_OR) return 1;
    size_t c = 0;
    for (size_t i = 0; i < n->nkids; i++) c += sp_it_count_leaves(n->kids[i]);
    return c;
}

/* A tf-norm bound for block b of c (which has a skip table). */
static double block_norm(const it_ctx *x, const sp_cursor *c, uint32_t b)
{
    const uint8_t *sk = c->skips + (size_t)b * SP_SKIP_ENTRY;
    double v;
    if (x->defaults) {
        v = sp_get_f32(sk + 20);
        /* stored at the segment's average length; at the collection's
         * (longer) one the norm's k1 (1 - b + b len / avg) shrinks by at
         * most norm_c, so tf / (tf + norm_c K) bounds it */
        if (x->norm_c < 1) v = v / (v + x->norm_c * (1 - v));
    } else {
        uint32_t tf = sp_get_u32(sk + 12), dl = sp_get_u32(sk + 16);
        v = tf / (tf + x->k1 * (1 - x->b + x->b * dl / x->avgdl));
    }
    v = v <= 1 ? v : 1;                   /* a norm is below 1; also guards a corrupt entry (NaN) */
    return sp_field_norm_bound(x->tw, v); /* a title weight raises tf up to w tf */
}

/* The largest tf-norm in c's decoded block; *kmin receives the norm's
 * k1 (1 - b + b len / avglen) for its shortest passage. */
static double decoded_norm(it_ctx *x, const sp_cursor *c, double *kmin)
{
    double best = 0;
    uint32_t mindl = UINT32_MAX;
    /* the lengths are a cache miss each: all asked at once (n <= 128) */
    for (uint32_t i = 0; i < c->n; i++) __builtin_prefetch(x->ix->lens.p + 4 * (size_t)c->docs[i]);
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t dl = sp_it_len(x, c->docs[i]);
        double tf = c->tfs[i] * (x->tw > 1 ? x->tw : 1); /* a title weight: at most w tf */
        double v = tf / (tf + x->k1 * (1 - x->b + x->b * dl / x->avgdl));
        if (v > best) best = v;
        if (dl < mindl) mindl = dl;
    }
    *kmin = x->k1 * (1 - x->b + x->b * mindl / x->avgdl);
    return best;
}

/* The heap of essential operands (many-term windows), by key: an
 * operand's current passage, a lower bound while it is lazy (a pending
 * cursor, or a phrase whose last match was used).  The key is stored in
 * the entry and changes only at the top: an operand that has become
 * non-essential (probed, so its passage moves) keeps its stale, smaller
 * key until it reaches the top and is dropped, so the order holds. */
typedef struct hent {
    uint32_t key;
    mterm *e;
} hent;

/* Operand e's current key. */
static inline uint32_t h_key(const mterm *e)
{
    if (e->c) return e->c->doc;
    return e->n->doc < e->next ? e->next : e->n->doc;
}

/* 1 when operand e's key is its actual next passage. */
static inline int h_settled(const mterm *e)
{
    return e->c ? !e->c->pending : e->n->doc >= e->next;
}

/* Restore the heap order below position i (its key grew). */
static void h_down(hent *h, size_t n, size_t i)
{
    hent v = h[i];
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n) break;
        if (l + 1 < n && h[l + 1].key < h[l].key) m = l + 1;
        if (h[m].key >= v.key) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = v;
}

/* Remove the heap's top. */
static void h_pop(hent *h, size_t *n)
{
    h[0] = h[--*n];
    if (*n) h_down(h, *n, 0);
}

/* The top's operand moved: re-key it and restore the order. */
static void h_moved(hent *h, size_t n)
{
    h[0].key = h_key(h[0].e);
    h_down(h, n, 0);
}

/* The smallest passage <= hi of an essential operand in the heap, its top
 * settled there (SP_END when none is left in the window). */
static inline __attribute__((always_inline)) uint32_t h_next(it_ctx *x, hent *h, size_t *n,
                                                             uint32_t hi)
{
    while (*n && !x->rc) {
        mterm *e = h[0].e;
        if (!e->ess) { /* it became non-essential: it is probed from now on */
            h_pop(h, n);
            continue;
        }
        uint32_t d = h[0].key;
        if (d > hi) return SP_END;
        if (h_settled(e)) return d;
        op_seek(x, e, d);
        h_moved(h, *n);
    }
    return SP_END;
}

static int cmp_order(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/*
 * With a title weight w > 1, an essential term's tf at a candidate d
 * (tf + (w - 1) * its occurrences in the title) needs d's positions;
 * bound_tf() gives the candidate's bound w * tf instead (and keeps the
 * posting's index in mix[j]), and deferred_tf() reads the weighted tf
 * only for a candidate whose bound passes the threshold.  The score of
 * a kept passage is the same; only the position reads of the passages
 * dropped by the bound are saved.
 */
static inline double bound_tf(it_ctx *x, const mterm *e, size_t j, uint32_t *mix)
{
    if (!mix) return sp_term_tf(x, e->n, e->c->doc);
    mix[j] = e->c->i;
    return x->tw * sp_cursor_tf(e->c);
}

/* The weighted tf of essential term e at d, its posting mix in the
 * current block (the cursor may have moved on lazily since: see
 * proximity.c's sp_prox_bonus, which reads positions the same way). */
static double deferred_tf(it_ctx *x, mterm *e, uint32_t mix, uint32_t d)
{
    sp_cursor *c = e->c;
    uint32_t at = c->i; /* (a list ended lazily: sp_cursor_positions reads its last block) */
    c->i = mix;
    double tf = sp_field_tf(x, e->n, d);
    c->i = at;
    return tf;
}

/* Rank the operands terms[0, n) of a disjunction (neg: the excluded
 * operand, or NULL) into t.  prox: the proximity component applies; a
 * constant in each of the two copies sp_rank_maxscore() makes, so that
 * with it off the loop does no proximity work at all. */
static inline __attribute__((always_inline)) void maxscore(it_ctx *x, it **terms, size_t n, it *neg,
                                                           sp_topk *t, const int prox)
{
    /* one allocation for all the scratch arrays (a query on many
     * segments ranks each: issue 11), each rounded up to 8 bytes */
    const size_t nn = n + 1;
#define SP_R8(v) (((v) + 7) & ~(size_t)7)
    const size_t z_m = SP_R8(nn * sizeof(mterm)), z_p = SP_R8(nn * sizeof(void *)),
                 z_d = SP_R8(nn * sizeof(double)), z_u = SP_R8(nn * sizeof(uint32_t)),
                 z_h = SP_R8(nn * sizeof(hent)), z_t = SP_R8(nn * sizeof(sp_prox_term));
#undef SP_R8
    size_t total = z_m + 2 * z_p + 3 * z_d + z_u + z_h;
    if (prox) total += 2 * z_u + z_p + z_t;
    const int lazy_tw = x->tw > 1; /* a title weight: see deferred_tf() */
    if (lazy_tw) total += z_u;
    char *mem = sp_malloc(x->a, total), *at = mem;
    mterm *m = NULL, **o = NULL, **mt = NULL;
    double *cum = NULL, *contrib = NULL, *mtf = NULL;
    uint32_t *hit = NULL;
    hent *hp = NULL;
    /* proximity: the essential operands' postings' indexes at d (in
     * their blocks), the operand of each query order, the index of its
     * posting, the terms on d for sp_prox_bonus() */
    uint32_t *mpi = NULL, *pidx = NULL;
    uint32_t *mix = NULL; /* title weight: the essential terms' posting indexes at d */
    mterm **byorder = NULL;
    sp_prox_term *pt = NULL;
    if (!mem) {
        x->rc = SPASM_ENOMEM;
        return;
    }
    m = (mterm *)(void *)at, at += z_m;
    o = (mterm **)(void *)at, at += z_p;  /* by window bound, ascending */
    mt = (mterm **)(void *)at, at += z_p; /* essential operands at d */
    cum = (double *)(void *)at, at += z_d;
    contrib = (double *)(void *)at, at += z_d;
    mtf = (double *)(void *)at, at += z_d;   /* and their tfs */
    hp = (hent *)(void *)at, at += z_h;      /* essential operands by passage */
    hit = (uint32_t *)(void *)at, at += z_u; /* orders matched at d */
    if (prox) {
        byorder = (mterm **)(void *)at, at += z_p;
        pt = (sp_prox_term *)(void *)at, at += z_t;
        mpi = (uint32_t *)(void *)at, at += z_u;
        pidx = (uint32_t *)(void *)at, at += z_u;
    }
    if (lazy_tw) mix = (uint32_t *)(void *)at, at += z_u;
    /* title weight: the title spans are read like the lengths, ask early */
    const uint8_t *tlen = lazy_tw ? x->ix->tlen.p : NULL;
    const double k1 = x->k1, b = x->b, avgdl = x->avgdl;
    size_t k = 0;
    for (size_t i = 0; prox && i < n; i++) byorder[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        if (terms[i]->empty || terms[i]->doc == SP_END) continue;
        mterm *e = &m[k];
        e->n = terms[i];
        e->c = terms[i]->type == Q_TERM ? &terms[i]->cur : NULL;
        e->idf = terms[i]->idf;
        e->ubk = e->idf * (k1 + 1) * (1 + 1e-9);
        /* a phrase's norm is below 1: its bound is idf * (k1 + 1) */
        e->kmin_list = k1 * (1 - b);
        e->list_ub = e->ubk;
        if (e->c && !e->c->skips) e->list_ub = e->ubk * decoded_norm(x, e->c, &e->kmin_list);
        e->pb = prox && e->c ? sp_prox_term_bound(x, e->idf) : 0;
        e->db = x->delta > 0 ? e->idf * x->delta * (1 + 1e-9) : 0;
        e->list_ub += e->pb + e->db;
        if (prox) byorder[i] = e;
        e->sb = e->c ? sp_cursor_first_block(e->c) : 0;
        e->next = 0;
        e->ess = 1;
        e->order = (uint32_t)i;
        o[k] = e;
        k++;
    }
    uint32_t lo = 0, maxp = (uint32_t)(x->ix->npass - 1);
    /* rank_window.c: for deep k from two essential operands, else from
     * three (title queries at k = 10 run faster on the scan below) */
    const size_t rwin_min = t->k >= SP_RWIN_DEEP_K ? 2 : 3;
    uint32_t min_window = k > SP_RANK_FEW_TERMS ? SP_RANK_MIN_WINDOW : 1;
    while (k && lo <= maxp && !x->rc && !sp_canceled(x)) {
        /* The window [lo, hi]: it ends where the first block of an essential
         * term ends (as Lucene's MaxScoreBulkScorer does: the other terms'
         * block boundaries would cut it into many small windows, each
         * costing a pass over all terms), but spans at least min_window
         * passages.  A term's bound in it is the largest of its blocks'. */
        uint32_t hi = maxp;
        for (size_t i = 0; i < k; i++) {
            mterm *e = &m[i];
            sp_cursor *c = e->c;
            if (!c || c->doc == SP_END || !c->skips) continue;
            if (sp_cursor_last_of(c, e->sb) < lo) e->sb = sp_cursor_skip_block(c, e->sb, lo);
            if (e->sb < c->nb && e->ess) {
                uint32_t last = sp_cursor_last_of(c, e->sb);
                if (last < hi) hi = last;
            }
        }
        if (hi - lo < min_window - 1) hi = maxp - lo < min_window - 1 ? maxp : lo + min_window - 1;
        int live = 0;
        for (size_t i = 0; i < k; i++) {
            mterm *e = &m[i];
            sp_cursor *c = e->c;
            e->wub = 0;
            e->kmin = e->kmin_list;
            if (!c) { /* phrase or NEAR */
                if (e->n->doc == SP_END) continue;
                e->wub = e->list_ub;
            } else if (c->doc == SP_END) {
                continue;
            } else if (c->skips) {
                if (e->sb >= c->nb) continue;
                double norm = 0;
                uint32_t mindl = UINT32_MAX;
                for (uint32_t bl = e->sb; bl < c->nb; bl++) { /* the blocks meeting [lo, hi] */
                    double v = block_norm(x, c, bl);
                    uint32_t dl = sp_get_u32(c->skips + (size_t)bl * SP_SKIP_ENTRY + 16);
                    if (v > norm) norm = v;
                    if (dl < mindl) mindl = dl;
                    if (sp_cursor_last_of(c, bl) >= hi) break;
                }
                e->wub = e->ubk * norm + e->pb + e->db;
                e->kmin = k1 * (1 - b + b * mindl / avgdl);
            } else if (c->docs[c->n - 1] >= lo) {
                e->wub = e->list_ub;
            } else {
                continue;
            }
            live = 1;
        }
        if (!live) break;
        /* Sort by window bound (insertion sort: the order barely changes). */
        for (size_t i = 1; i < k; i++) {
            mterm *v = o[i];
            size_t j = i;
            while (j > 0 && o[j - 1]->wub > v->wub) {
                o[j] = o[j - 1];
                j--;
            }
            o[j] = v;
        }
        double s = 0;
        for (size_t i = 0; i < k; i++) cum[i] = s += o[i]->wub;
        size_t first = 0; /* essential terms are o[first..k) */
        while (t->full && first < k && cum[first] <= t->threshold) first++;
        for (size_t i = 0; i < k; i++) o[i]->ess = i >= first;
        for (size_t i = first; i < k; i++) /* also ends the lists with no passage >= lo */
            op_seek(x, o[i], lo);
        /* Several essential operands: a window at a time (rank_window.c). */
        if (!prox && x->rwin && x->tw == 1 && x->delta <= 0 && k - first >= rwin_min &&
            k - first <= SP_RWIN_MAX_OPS) {
            first = sp_rank_window(x, x->rwin, o, first, k, cum, lo, hi, neg, t, contrib, hit);
            if (hi >= maxp) break;
            lo = hi + 1;
            continue;
        }
        /* Many essential operands: the next candidate comes from a heap of
         * them by passage (as Lucene's DisiPriorityQueue), not a scan. */
        int use_heap = k - first > SP_RANK_FEW_TERMS;
        size_t nh = 0;
        if (use_heap) {
            for (size_t i = first; i < k; i++) {
                hp[nh].e = o[i];
                hp[nh++].key = h_key(o[i]);
            }
            for (size_t i = nh / 2; i-- > 0;) h_down(hp, nh, i);
        }
        while (first < k) {
            size_t nm = 0;
            double pre = first > 0 ? cum[first - 1] : 0;
            uint32_t d = SP_END;
            if (use_heap) {
                d = h_next(x, hp, &nh, hi);
                if (d > hi || x->rc) break;
                /* pop the operands at d, advance each past it */
                while (nh && hp[0].key == d && !x->rc) {
                    mterm *e = hp[0].e;
                    if (!e->ess) {
                        h_pop(hp, &nh);
                        continue;
                    }
                    if (!h_settled(e)) {
                        op_seek(x, e, d);
                        h_moved(hp, nh);
                        continue;
                    }
                    double tf = e->c ? bound_tf(x, e, nm, mix) : e->n->freq;
                    mt[nm] = e;
                    if (prox) {
                        mpi[nm] = e->c ? e->c->i : 0;
                        pre += e->pb;
                    }
                    mtf[nm++] = tf;
                    pre += e->ubk * tf / (tf + e->kmin) + e->db;
                    if (e->c) {
                        uint32_t nd = sp_cursor_next_lazy(e->c);
                        if (!e->c->pending && nd != SP_END) {
                            __builtin_prefetch(x->ix->lens.p + 4 * (size_t)nd);
                            if (tlen) __builtin_prefetch(tlen + 4 * (size_t)nd);
                        }
                    } else {
                        e->next = d + 1;
                    }
                    h_moved(hp, nh);
                }
                if (x->rc) break;
                goto collected;
            }
            /* The next candidate: the smallest essential passage. */
            for (size_t i = first; i < k; i++) {
                mterm *e = o[i];
                uint32_t od = op_doc(e);
                if (e->c ? e->c->pending : od < e->next) { /* settle a lazy operand */
                    if (od <= hi && od <= d)
                        od = op_seek(x, e, od);
                    else if (!e->c)
                        od = e->next; /* a lower bound is enough here */
                }
                if (od < d) d = od;
            }
            if (d > hi || x->rc) break;
            /* The essential operands at d, and a bound from their tfs and
             * the shortest passages of their blocks: when it cannot pass the
             * threshold, d is dropped before its length is even read. */
            for (size_t i = first; i < k; i++) {
                mterm *e = o[i];
                if (op_doc(e) != d || (!e->c && d < e->next)) continue;
                double tf = e->c ? bound_tf(x, e, nm, mix) : e->n->freq;
                mt[nm] = e;
                if (prox) {
                    mpi[nm] = e->c ? e->c->i : 0;
                    pre += e->pb;
                }
                mtf[nm++] = tf;
                pre += e->ubk * tf / (tf + e->kmin) + e->db;
                if (e->c) {
                    /* the next candidate's length is a cache miss: ask early */
                    uint32_t nd = sp_cursor_next_lazy(e->c);
                    if (!e->c->pending && nd != SP_END) {
                        __builtin_prefetch(x->ix->lens.p + 4 * (size_t)nd);
                        if (tlen) __builtin_prefetch(tlen + 4 * (size_t)nd);
                        if (t->group) /* grouping reads the passage's document */
                            __builtin_prefetch(x->ix->pass.p + SP_PASS_ENTRY * (size_t)nd);
                    }
                } else {
                    e->next = d + 1;
                }
            }
        collected:
            if (sp_it_deleted(x, d)) continue; /* deleted passages never match */
            if (neg) { /* counted only when it passes the bound and the exclusion */
                if (t->full && pre <= t->threshold) continue;
                if (sp_it_next(x, neg, d) == d) continue;
            }
            t->total++;
            if (t->full && pre <= t->threshold) continue;
            if (t->group) /* an offer reads the passage's document: ask now */
                __builtin_prefetch(x->ix->pass.p + SP_PASS_ENTRY * (size_t)d);
            uint32_t dl = sp_it_len(x, d);
            double norm = k1 * (1 - b + b * dl / avgdl);
            if (lazy_tw) {
                /* a second bound, at d's own length (the tfs still w tf):
                 * only a passage that passes it has its title read */
                if (t->full) {
                    double ub = first > 0 ? cum[first - 1] : 0;
                    for (size_t j = 0; j < nm; j++)
                        ub += (term_score(mt[j]->idf, mtf[j], k1, norm, x->delta) + mt[j]->pb) *
                              (1 + 1e-9);
                    if (ub <= t->threshold) continue;
                }
                for (size_t j = 0; j < nm; j++) /* the weighted tfs */
                    if (mt[j]->c) mtf[j] = deferred_tf(x, mt[j], mix[j], d);
                if (x->rc) break;
            }
            double score = 0, pbm = 0; /* pbm: the proximity bounds of the terms met */
            size_t nhit = 0;
            for (size_t j = 0; j < nm; j++) {
                double v = term_score(mt[j]->idf, mtf[j], k1, norm, x->delta);
                contrib[mt[j]->order] = v;
                hit[nhit++] = mt[j]->order;
                score += v;
                if (prox) {
                    pidx[mt[j]->order] = mpi[j];
                    pbm += mt[j]->pb;
                }
            }
            int dropped = 0;
            for (size_t i = first; i-- > 0;) {
                if (t->full && (score + pbm) * (1 + 1e-12) + cum[i] <= t->threshold) {
                    dropped = 1;
                    break;
                }
                mterm *e = o[i];
                if (e->wub > 0 && op_seek(x, e, d) == d) {
                    double tf = e->c ? sp_term_tf(x, e->n, d) : e->n->freq;
                    double v = term_score(e->idf, tf, k1, norm, x->delta);
                    contrib[e->order] = v;
                    hit[nhit++] = e->order;
                    score += v;
                    if (prox && e->c) {
                        pidx[e->order] = e->c->i;
                        pbm += e->pb;
                    }
                }
            }
            if (dropped) continue;
            /* Sum in query order, as the exhaustive evaluator does. */
            if (nhit > 32) qsort(hit, nhit, sizeof *hit, cmp_order);
            for (size_t i = 1; i < nhit; i++) {
                uint32_t v = hit[i];
                size_t j = i;
                while (j > 0 && hit[j - 1] > v) {
                    hit[j] = hit[j - 1];
                    j--;
                }
                hit[j] = v;
            }
            double sum = 0;
            for (size_t i = 0; i < nhit; i++) sum += contrib[hit[i]];
            if (prox && pbm > 0) {
                /* the component, in query order as search.c's evaluator
                 * adds it; its positions are decoded only when the passage
                 * can still enter with it */
                if (t->full && (sum + pbm) * (1 + 1e-12) <= t->threshold) continue;
                size_t np = 0;
                for (size_t i = 0; i < nhit; i++) {
                    mterm *e = byorder[hit[i]];
                    if (e && e->c) pt[np++] = (sp_prox_term){e->c, pidx[hit[i]], e->idf, NULL};
                }
                double bonus;
                int rc = sp_prox_bonus(x, pt, np, dl, &bonus, NULL);
                if (rc) {
                    x->rc = rc;
                    break;
                }
                sum += bonus;
            }
            sp_heap_offer(t, d, sum * sp_it_prior(x, d)); /* <= 1: bounds hold */
            while (t->full && first < k && cum[first] <= t->threshold) o[first++]->ess = 0;
        }
        if (hi >= maxp) break;
        lo = hi + 1;
    }
    sp_free(x->a, mem);
}

int sp_rank_maxscore(it_ctx *x, it *root, sp_topk *t)
{
    /* "a b -c": the disjunction a b, each candidate checked against c
     * (a passage matching c is no match: neither scored nor counted). */
    it *neg = NULL;
    if (root->type == Q_EXCL && root->nkids == 2) {
        neg = root->kids[1];
        root = root->kids[0];
    }
    size_t cap = sp_it_count_leaves(root), n = 0;
    it **terms = sp_malloc(x->a, (cap + 1) * sizeof *terms);
    if (!terms) {
        x->rc = SPASM_ENOMEM;
        return 1;
    }
    if (!collect(root, terms, &n, cap)) {
        sp_free(x->a, terms);
        return 0;
    }
    size_t nprox = 0; /* the proximity component needs two terms on a passage */
    for (size_t i = 0; i < n && x->prox > 0; i++) nprox += terms[i]->type == Q_TERM;
    if (nprox >= 2)
        maxscore(x, terms, n, neg, t, 1);
    else
        maxscore(x, terms, n, neg, t, 0);
    sp_free(x->a, terms);
    return 1;
}
