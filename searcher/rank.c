/*
 * rank.c -- MaxScore dynamic pruning for a disjunction of terms (the
 * bag-of-words query), after Turtle & Flood (1995).
 *
 * Each term has an upper bound on its contribution to any passage:
 * idf * (k1 + 1) * the largest tf-norm tf / (tf + k1 * (1 - b + b * len /
 * avglen)) over its list.  With the index's default k1 and b that maximum
 * is stored per block in the skip table; otherwise it is bounded from each
 * block's largest tf and shortest passage (the norm grows with tf and
 * shrinks with length).  Terms are sorted by bound; once the top-k heap is
 * full, the terms whose bounds add up to no more than the heap's threshold
 * are "non-essential": a passage containing only those cannot enter, so
 * candidates come from the essential terms alone, and non-essential terms
 * are only probed (with skips) while the running score can still reach the
 * threshold.  The result equals exhaustive evaluation: a passage is
 * dropped only when its score provably cannot exceed the threshold, and a
 * later passage with an equal score would lose the tie anyway.
 */
#include <stdlib.h>

#include "search.h"

typedef struct mterm {
    it *n;
    double ub;
    size_t order; /* position in the query, for a canonical summing order */
} mterm;

static int cmp_ub(const void *a, const void *b)
{
    const mterm *x = a, *y = b;
    if (x->ub != y->ub) return x->ub < y->ub ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The largest tf-norm of a term's whole list. */
static double max_norm(it_ctx *x, it *n)
{
    sp_cursor *c = &n->cur;
    double best = 0;
    if (c->skips) {
        for (uint32_t b = 0; b < c->nb; b++) {
            const uint8_t *sk = c->skips + (size_t)b * SP_SKIP_ENTRY;
            double v;
            if (x->defaults) {
                v = sp_get_f32(sk + 20);
            } else {
                uint32_t tf = sp_get_u32(sk + 12), dl = sp_get_u32(sk + 16);
                v = tf / (tf + x->k1 * (1 - x->b + x->b * dl / x->avgdl));
            }
            if (v > best) best = v;
        }
        /* guard against a corrupt entry: a norm is below 1 */
        if (!(best <= 1)) best = 1;
        return best * (1 + 1e-9);
    }
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t tf = c->tfs[i], dl = sp_ix_len(x->ix, c->docs[i]);
        double v = tf / (tf + x->k1 * (1 - x->b + x->b * dl / x->avgdl));
        if (v > best) best = v;
    }
    return best * (1 + 1e-9);
}

int sp_rank_maxscore(it_ctx *x, it *root, sp_topk *t)
{
    it *single[1] = {root};
    it **terms;
    size_t n;
    if (root->type == Q_TERM) {
        terms = single;
        n = 1;
    } else if (root->type == Q_OR) {
        for (size_t i = 0; i < root->nkids; i++)
            if (root->kids[i]->type != Q_TERM) return 0;
        terms = root->kids;
        n = root->nkids;
    } else {
        return 0;
    }
    mterm *m = sp_malloc(x->a, (n + 1) * sizeof *m);
    double *cum = sp_malloc(x->a, (n + 1) * sizeof *cum);
    double *contrib = sp_malloc(x->a, (n + 1) * sizeof *contrib);
    if (!m || !cum || !contrib) {
        sp_free(x->a, m);
        sp_free(x->a, cum);
        sp_free(x->a, contrib);
        x->rc = SPASM_ENOMEM;
        return 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (terms[i]->empty || terms[i]->doc == SP_END) continue;
        m[k].n = terms[i];
        m[k].order = i;
        m[k].ub = terms[i]->idf * (x->k1 + 1) * max_norm(x, terms[i]);
        k++;
    }
    qsort(m, k, sizeof *m, cmp_ub);
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        s += m[i].ub;
        cum[i] = s;
    }
    /* essential terms are m[first..k) */
    size_t first = 0;
    const double k1 = x->k1, b = x->b, avgdl = x->avgdl;
    for (;;) {
        if (x->rc) break;
        while (t->n == t->k && first < k && cum[first] <= t->threshold) first++;
        if (first >= k) break;
        uint32_t d = SP_END;
        for (size_t i = first; i < k; i++)
            if (m[i].n->cur.doc < d) d = m[i].n->cur.doc;
        if (d == SP_END) break;
        uint32_t dl = sp_ix_len(x->ix, d);
        double norm = k1 * (1 - b + b * dl / avgdl);
        for (size_t i = 0; i < n; i++) contrib[i] = 0;
        double score = 0;
        for (size_t i = first; i < k; i++) {
            sp_cursor *c = &m[i].n->cur;
            if (c->doc != d) continue;
            uint32_t tf = sp_cursor_tf(c);
            double v = m[i].n->idf * tf * (k1 + 1) / (tf + norm);
            contrib[m[i].order] = v;
            score += v;
            sp_cursor_next(c, x->err);
            if (c->err) x->rc = c->err;
        }
        int dropped = 0;
        for (size_t i = first; i-- > 0;) {
            if (t->n == t->k && score + cum[i] <= t->threshold) {
                dropped = 1;
                break;
            }
            sp_cursor *c = &m[i].n->cur;
            if (sp_cursor_seek(c, d, x->err) == d) {
                uint32_t tf = sp_cursor_tf(c);
                double v = m[i].n->idf * tf * (k1 + 1) / (tf + norm);
                contrib[m[i].order] = v;
                score += v;
            }
            if (c->err) x->rc = c->err;
        }
        t->total++;
        if (dropped) continue;
        double sum = 0; /* in query order, as the exhaustive evaluator sums */
        for (size_t i = 0; i < n; i++) sum += contrib[i];
        sp_heap_offer(t, d, sum);
    }
    sp_free(x->a, m);
    sp_free(x->a, cum);
    sp_free(x->a, contrib);
    return 1;
}
