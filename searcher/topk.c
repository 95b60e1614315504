/*
 * topk.c -- the top-k candidates' buffer that every ranker offers its
 * passages to (sp_heap_offer): candidates above the threshold fill a
 * buffer of k plus slack; when it is full the k best are kept
 * (quickselect) and the worst of them becomes the threshold; at the end
 * the k best are sorted, best first, ties to the earlier passage.
 * Grouping by document keeps each document's best passage only.
 */
#include <string.h>

#include "search.h"

/* Heap of candidates: the root is the worst (lowest score, then latest
 * passage).  Ties rank the earlier passage first. */
static int worse(const sp_cand *a, const sp_cand *b)
{
    if (a->score != b->score) return a->score < b->score;
    return a->passage > b->passage;
}

/* Ties: exchange two candidates. */
static inline void cand_swap(sp_cand *a, sp_cand *b)
{
    sp_cand t = *a;
    *a = *b;
    *b = t;
}

/* 1 when a is better than or equal to b (not worse(a, b)), computed
 * without a branch: partition() asks it of every candidate, and which
 * way a score falls is a coin toss the branch predictor loses. */
static inline int at_least(const sp_cand *a, const sp_cand *b)
{
    return (a->score > b->score) | ((a->score == b->score) & (a->passage <= b->passage));
}

/* Partition h[0, n) (n >= 2) around the median of its first, middle and
 * last candidates: returns j with h[0, j] better than or equal to the
 * pivot and h(j, n) worse, j < n - 1.  Lomuto's scheme without branches
 * (every candidate is written to one of two places, the left side's end
 * moving by the comparison's 0 or 1): 0.6x the time of Hoare's on the
 * 1,500 candidates of a deep top-k, whose comparisons the predictor
 * misses half the time.  Shared by select_best() and sort_best(). */
static inline size_t partition(sp_cand *h, size_t n)
{
    size_t mid = (n - 1) / 2, hi = n - 1;
    if (n == 2) {
        if (worse(&h[0], &h[1])) cand_swap(&h[0], &h[1]);
        return 0;
    }
    if (worse(&h[0], &h[mid])) cand_swap(&h[0], &h[mid]); /* best first */
    if (worse(&h[0], &h[hi])) cand_swap(&h[0], &h[hi]);
    if (worse(&h[mid], &h[hi])) cand_swap(&h[mid], &h[hi]);
    cand_swap(&h[mid], &h[hi]); /* the median of the three last, the worst in the middle */
    sp_cand p = h[hi];
    size_t i = 0; /* [0, i) at least p, [i, j) worse */
    for (size_t j = 0; j < hi; j++) {
        sp_cand v = h[j];
        int left = at_least(&v, &p);
        h[j] = h[i];
        h[i] = v;
        i += (size_t)left;
    }
    cand_swap(&h[i], &h[hi]); /* the pivot between; the worst of the three is right of it */
    return i;
}

/* Reorder h[0, n) so that h[0, m) holds its m best (any order), m < n:
 * quickselect with the median of three (scores tie-broken by passage
 * are distinct, so it never degenerates on equal keys). */
static void select_best(sp_cand *h, size_t n, size_t m)
{
    size_t lo = 0, hi = n - 1; /* the m-th best (index m - 1) is in [lo, hi] */
    while (hi > lo) {
        size_t j = lo + partition(h + lo, hi - lo + 1);
        if (m - 1 <= j)
            hi = j;
        else
            lo = j + 1;
    }
}

/* Keep the k best of t's n candidates (n >= k) in h[0, k) and make the
 * worst of them the threshold; the table follows. */
static void topk_compact(sp_topk *t)
{
    if (t->n > t->k) {
        select_best(t->h, t->n, t->k);
        t->n = t->k;
    }
    size_t w = 0;
    for (size_t i = 1; i < t->n; i++)
        if (worse(&t->h[i], &t->h[w])) w = i;
    t->threshold = t->h[w].score;
    t->full = 1;
}

/* Put candidate c into t's buffer if it can still enter. */
static inline void topk_put(sp_topk *t, sp_cand c)
{
    /* Once full, only a score at or above the threshold can enter; of
     * equal scores the earlier passage is kept (worse(), at the
     * compaction): segments are not ranked in passage order (segplan.c). */
    if (t->full && c.score < t->threshold) return;
    t->h[t->n++] = c;
    if (t->n == (t->full ? t->cap : t->k)) topk_compact(t);
}

void sp_heap_offer(sp_topk *t, uint32_t passage, double score)
{
    if (t->full && score < t->threshold) return;
    sp_cand c = {score, t->pbase + passage, 0};
    if (!t->group) {
        topk_put(t, c);
        return;
    }
    /* One entry per document: its passages come one after another, so a
     * document that is not pend's is new (or the file is corrupt). */
    c.doc = sp_get_u32(t->ix->pass.p + (size_t)passage * SP_PASS_ENTRY);
    if (c.doc >= t->ix->ndocs) return;
    c.doc += t->dbase;
    if (t->pend_on) {
        if (t->pend.doc == c.doc) {
            if (worse(&t->pend, &c)) t->pend = c;
            return;
        }
        if (c.doc < t->pend.doc && t->pend.doc - t->dbase < t->ix->ndocs) t->unordered = 1;
        topk_put(t, t->pend);
    }
    t->pend = c;
    t->pend_on = 1;
}

/* Sort h[0, n) best first, ties to the earlier passage (the results'
 * order): quicksort with worse() inline, insertion sort below 16 (qsort's
 * calls through a pointer cost 5% of a title query at k = 1000). */
static void sort_best(sp_cand *h, size_t n)
{
    while (n > 16) {
        size_t j = partition(h, n);
        /* [0, j] better than or p, (j, n) worse or p: recurse on the smaller */
        if (j + 1 < n - (j + 1)) {
            sort_best(h, j + 1);
            h += j + 1;
            n -= j + 1;
        } else {
            sort_best(h + j + 1, n - (j + 1));
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        sp_cand v = h[i];
        size_t j = i;
        while (j > 0 && worse(&h[j - 1], &v)) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = v;
    }
}

/* The key radix_best() sorts on: it grows as the score falls (-0 taken
 * as 0, so that equal scores have equal keys). */
static inline uint64_t score_key(double score)
{
    double v = score + 0.0;
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    u = u >> 63 ? ~u : u | (1ull << 63); /* the doubles' order as integers */
    return ~u;
}

#define SP_RADIX_BITS 11
#define SP_RADIX_MASK ((1u << SP_RADIX_BITS) - 1)

/* Sort h[0, n) as sort_best() does, with tmp[0, n) as scratch: two passes
 * of a radix sort on the 22 bits of the score's key below the highest one
 * in which the keys differ, then each run of equal such bits by
 * sort_best() (ties, and scores closer than 2^-22 of the range).  For the
 * 1,000 hits of a deep top-k: no comparison to mispredict, 0.3x the
 * instructions of the quicksort. */
static void radix_best(sp_cand *h, size_t n, sp_cand *tmp)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = score_key(h[i].score);
        lo = key < lo ? key : lo;
        hi = key > hi ? key : hi;
    }
    if (lo == hi) {
        sort_best(h, n);
        return;
    }
    unsigned top = 64 - (unsigned)__builtin_clzll(hi - lo); /* (hi - lo) >> top == 0 */
    unsigned sh = top > 2 * SP_RADIX_BITS ? top - 2 * SP_RADIX_BITS : 0;
    uint32_t c0[1u << SP_RADIX_BITS] = {0}, c1[1u << SP_RADIX_BITS] = {0};
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (score_key(h[i].score) - lo) >> sh;
        c0[d & SP_RADIX_MASK]++;
        c1[(d >> SP_RADIX_BITS) & SP_RADIX_MASK]++;
    }
    uint32_t a0 = 0, a1 = 0;
    for (size_t b = 0; b <= SP_RADIX_MASK; b++) {
        uint32_t v0 = c0[b], v1 = c1[b];
        c0[b] = a0;
        c1[b] = a1;
        a0 += v0;
        a1 += v1;
    }
    for (size_t i = 0; i < n; i++)
        tmp[c0[((score_key(h[i].score) - lo) >> sh) & SP_RADIX_MASK]++] = h[i];
    for (size_t i = 0; i < n; i++)
        h[c1[((score_key(tmp[i].score) - lo) >> (sh + SP_RADIX_BITS)) & SP_RADIX_MASK]++] = tmp[i];
    for (size_t i = 0; i < n;) { /* the runs of equal digits, exactly */
        uint64_t d = (score_key(h[i].score) - lo) >> sh;
        size_t j = i + 1;
        while (j < n && (score_key(h[j].score) - lo) >> sh == d) j++;
        if (j - i > 1) sort_best(h + i, j - i);
        i = j;
    }
}

/* The k best of t's candidates, best first, in t->h[0, t->n). */
void sp_topk_finish(sp_topk *t)
{
    if (t->pend_on) topk_put(t, t->pend);
    t->pend_on = 0;
    if (t->n > t->k) {
        select_best(t->h, t->n, t->k);
        t->n = t->k;
    }
    if (t->n >= SP_RADIX_MIN && t->k >= SP_RADIX_MIN)
        radix_best(t->h, t->n, t->h + t->cap); /* topk_init() made room for k more */
    else
        sort_best(t->h, t->n);
}

/* Ready t for the best cap passages: an empty candidates' buffer of cap
 * plus slack (topk_compact), no threshold yet.  0 or SPASM_ENOMEM. */
int sp_topk_init(const sp_alloc *a, sp_topk *t, size_t cap)
{
    t->k = cap;
    t->n = 0;
    t->total = 0;
    t->threshold = 0;
    t->full = 0;
    t->group = t->pend_on = t->unordered = 0;
    t->cap = SP_TOPK_CAP(cap);
    t->h = sp_malloc(a, SP_TOPK_ROOM(cap) * sizeof *t->h);
    return t->h ? 0 : SPASM_ENOMEM;
}
