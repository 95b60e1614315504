/*
 * rank.h -- what rank.c (block-max MaxScore) and rank_window.c (its
 * essential operands a window at a time) share: the operands' state and
 * their moves.
 */
#ifndef SPASM_RANK_H
#define SPASM_RANK_H

#include "search.h"

typedef struct mterm {
    it *n;
    sp_cursor *c; /* a term's cursor; NULL for a phrase or NEAR operand */
    double idf;
    double ubk;       /* idf * (k1 + 1) * (1 + 1e-9): a norm bound times this bounds a score */
    double pb;        /* the most the proximity component can add for this term (0: off) */
    double db;        /* the most BM25+'s delta adds: idf * delta * (1 + 1e-9) (0: off) */
    double list_ub;   /* one-block lists: the bound of the whole list */
    double wub;       /* the bound in the current window */
    double kmin;      /* k1 (1 - b + b len / avglen) for the shortest passage there */
    double kmin_list; /* the same over a one-block list */
    uint32_t sb;      /* first block whose last passage >= the window start */
    uint32_t order;   /* position in the query, for a canonical summing order */
    int ess;          /* essential in the last window (its blocks end windows) */
    uint32_t next;    /* phrase/NEAR operand: its match at doc is used, go on from here */
} mterm;

/* The current passage of operand e: for a term a lower bound while its
 * cursor is pending; for a phrase the last match (until moved past). */
static inline uint32_t op_doc(const mterm *e)
{
    return e->c ? e->c->doc : e->n->doc;
}

/* Move operand e to its first match >= target. */
static inline uint32_t op_seek(it_ctx *x, mterm *e, uint32_t target)
{
    if (e->c) {
        sp_cursor *c = e->c;
        if (!c->pending && c->doc != SP_END && c->docs[c->n - 1] >= target) {
            uint32_t i = c->i; /* within the decoded block */
            while (c->docs[i] < target) i++;
            c->i = i;
            return c->doc = c->docs[i];
        }
        uint32_t d = sp_cursor_seek(c, target, x->err);
        if (e->c->err) x->rc = e->c->err;
        return d;
    }
    if (e->next > target) target = e->next;
    return sp_it_next(x, e->n, target);
}

/* BM25 of one term, exactly as iter.c's sp_bm25() computes it (delta:
 * BM25+'s, 0 for plain BM25; rank_window.c runs only without it). */
static inline double term_score(double idf, double tf, double k1, double norm, double delta)
{
    double s = idf * tf * (k1 + 1) / (tf + norm);
    return delta > 0 ? s + idf * delta : s;
}

/* The windowed evaluator (rank_window.c): windows of at most SP_RWIN_W
 * passages and SP_RWIN_POOL essential postings, exact norms by table for
 * lengths below SP_RWIN_NORMS; used for 2 (k >= SP_RWIN_DEEP_K) or 3 to
 * SP_RWIN_MAX_OPS essential operands (measured: bench/README.md). */
#ifndef SP_RWIN_W
#define SP_RWIN_W 4096
#endif
#define SP_RWIN_POOL 32768
#define SP_RWIN_NORMS 512
#define SP_RWIN_DEEP_K 100
#define SP_RWIN_MAX_OPS 64

/* Evaluate the window [lo, hi] of MaxScore (rank.c): the essential
 * operands o[first, k) (their cursors at or past lo) a window at a time,
 * the others o[0, first) probed, cum[i] the bounds of o[0, i] added up;
 * contrib and hit are scratch indexed by query order.  Candidates go to
 * t; returns the new first (operands that stopped being essential). */
size_t sp_rank_window(it_ctx *x, sp_rwin *w, mterm **o, size_t first, size_t k, const double *cum,
                      uint32_t lo, uint32_t hi, it *neg, sp_topk *t, double *contrib,
                      uint32_t *hit);

#endif
