/*
 * proximity.c -- the term-proximity component of a bag-of-words score
 * (spasm_search_options.proximity), after Büttcher, Clarke & Lushman,
 * "Term proximity scoring for ad-hoc retrieval on very large text
 * collections" (SIGIR 2006).
 *
 * The occurrences of the query's terms in a passage, merged in position
 * order, are walked pair by pair: two neighbours that are different terms
 * t (at p) and u (at q) add idf(u) / (q - p)^2 to t's accumulator and
 * idf(t) / (q - p)^2 to u's.  The passage then gains
 *
 *     w * sum_t min(1, idf(t)) * acc(t) * (k1 + 1) / (acc(t) + K)
 *     K = k1 * (1 - b + b * len / avglen)   (BM25's length norm)
 *
 * where w is the option's weight.  The term's share is below
 * w * min(1, idf(t)) * (k1 + 1) whatever the passage, and is only there
 * when t is: rank.c adds exactly that to t's block bounds, so block-max
 * pruning stays exact.  A passage holding fewer than two distinct query
 * terms gains nothing, so a one-word query is never touched.
 *
 * The component applies to the queries MaxScore ranks (rank.c): a plain
 * disjunction of words, prefixes and OR groups (phrases and NEAR groups
 * in it score as before and take no part), possibly with excluded words.
 * Both evaluators (rank.c and search.c's exhaustive one) call
 * sp_prox_bonus() with the terms in query order, so a score is the same
 * double either way.
 */
#include <stdlib.h>

#include "search.h"

/* Scratch a searcher keeps for the component (its positions, merged). */
struct sp_prox_scratch {
    uint64_t *occ; /* position << 16 | term index, then sorted */
    size_t cap;
    uint32_t *pos; /* one term's positions */
    size_t pcap;
    double *acc;
    size_t acap;
};

sp_prox_scratch *sp_prox_scratch_new(const sp_alloc *a)
{
    return sp_calloc(a, sizeof(sp_prox_scratch));
}

void sp_prox_scratch_free(const sp_alloc *a, sp_prox_scratch *s)
{
    if (!s) return;
    sp_free(a, s->occ);
    sp_free(a, s->pos);
    sp_free(a, s->acc);
    sp_free(a, s);
}

/* Make room for n elements of size sz in *p (capacity *cap); 0 or
 * SPASM_ENOMEM. */
static int reserve(const sp_alloc *a, void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < n) c *= 2;
    void *q = sp_realloc(a, *p, c * sz);
    if (!q) return SPASM_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

double sp_prox_term_bound(const it_ctx *x, double idf)
{
    return x->prox * (idf < 1 ? idf : 1) * (x->k1 + 1) * (1 + 1e-9);
}

/* Collect the Q_TERM leaves of a disjunction (nested ORs flattened, as
 * rank.c's collect() does); 0 when some operand is not a term, phrase,
 * NEAR group or OR (then the component does not apply). */
static int leaves(it *n, it **out, size_t *nout, size_t cap)
{
    if (n->type == Q_TERM) {
        if (*nout >= cap) return 0;
        out[(*nout)++] = n;
        return 1;
    }
    if (n->type == Q_PHRASE || n->type == Q_NEAR) return 1;
    if (n->type != Q_OR) return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!leaves(n->kids[i], out, nout, cap)) return 0;
    return 1;
}

int sp_prox_leaves(it_ctx *x, it *root, it ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (x->prox <= 0 || !root) return 0;
    if (root->type == Q_EXCL && root->nkids == 2) root = root->kids[0];
    size_t cap = sp_it_count_leaves(root);
    it **v = sp_malloc(x->a, (cap + 1) * sizeof *v);
    if (!v) return SPASM_ENOMEM;
    size_t m = 0;
    if (!leaves(root, v, &m, cap) || m < 2) {
        sp_free(x->a, v);
        return 0;
    }
    *out = v;
    *n = m;
    return 0;
}

int sp_prox_bonus(it_ctx *x, const sp_prox_term *t, size_t n, uint32_t dl, double *bonus,
                  sp_buf *ex)
{
    *bonus = 0;
    if (n < 2 || !x->prox_scratch) return 0;
    if (n > 0xffff) n = 0xffff; /* term indexes take 16 bits (queries have at most 768) */
    sp_prox_scratch *s = x->prox_scratch;
    size_t total = 0;
    for (size_t j = 0; j < n; j++) {
        sp_cursor *c = t[j].c;
        uint32_t tf = c->tfs[t[j].i];
        if (reserve(x->a, (void **)&s->pos, &s->pcap, tf, sizeof *s->pos) ||
            reserve(x->a, (void **)&s->occ, &s->cap, total + tf, sizeof *s->occ))
            return SPASM_ENOMEM;
        /* the cursor may have moved past the posting within its block
         * (rank.c's lazy advance): decode posting t[j].i's positions */
        uint32_t at = c->i;
        c->i = t[j].i;
        long r = sp_cursor_positions(c, s->pos, x->err);
        c->i = at;
        if (r < 0) return c->err ? c->err : SPASM_ECORRUPT;
        for (long k = 0; k < r; k++) s->occ[total++] = (uint64_t)s->pos[k] << 16 | j;
    }
    if (reserve(x->a, (void **)&s->acc, &s->acap, n, sizeof *s->acc)) return SPASM_ENOMEM;
    memset(s->acc, 0, n * sizeof *s->acc);
    qsort(s->occ, total, sizeof *s->occ, cmp_u64);
    for (size_t i = 1; i < total; i++) {
        uint64_t a = s->occ[i - 1], b = s->occ[i];
        size_t ja = a & 0xffff, jb = b & 0xffff;
        uint64_t d = (b >> 16) - (a >> 16);
        if (ja == jb || d == 0) continue;
        double dd = (double)d * (double)d;
        s->acc[ja] += t[jb].idf / dd;
        s->acc[jb] += t[ja].idf / dd;
    }
    double K = x->k1 * (1 - x->b + x->b * dl / x->avgdl), sum = 0;
    for (size_t j = 0; j < n; j++) {
        double acc = s->acc[j];
        if (acc <= 0) continue;
        double wt = t[j].idf < 1 ? t[j].idf : 1;
        double v = x->prox * wt * acc * (x->k1 + 1) / (acc + K);
        sum += v;
        if (ex)
            sp_buf_printf(ex,
                          "    %.6f = \"%s\": weight %.2f * min(1, idf %.6f) * acc %.6f * (k1 "
                          "%.2f + 1) / (acc + %.6f)\n",
                          v, t[j].name ? t[j].name : "", x->prox, t[j].idf, acc, x->k1, K);
    }
    *bonus = sum;
    return 0;
}
