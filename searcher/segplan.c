/*
 * segplan.c -- the order in which search.c ranks a collection's segments,
 * and which it may leave out (issue 11: a live index of many segments
 * searched within 1.3x of one segment).
 *
 * For a bag-of-words query (a disjunction of plain terms, optionally
 * "a b -c"; no proximity component, title weight 1) each segment gets an
 * upper bound of any passage's score there, from its dictionary entries
 * (looked up once per query for every segment by gdf.c) and the skip
 * tables of its posting lists (no block decoded):
 *
 *   sum over the terms it holds of idf * (k1 + 1) * (a bound of its tf-norm)
 *
 * where the norm bound is the list's TMAX byte q / 255 (docs/FORMAT.md: a
 * bound of the largest of its block bounds, one byte read instead of the
 * skip table), or in a segment without TMAX (or at other k1, b) the
 * largest of the list's block bounds in its skip table (as rank.c reads
 * them); for a list of one block (no skip table) at most m / (m + k1 (1 -
 * b)) with m = cf - df + 1, the largest tf any of its postings can have,
 * at passage length 0 (the norm grows with tf and shrinks with length);
 * times 1 + 1e-9 for rounding, so that a passage whose score
 * reaches the bound's level exceeds the real score.  The segments are
 * ranked in decreasing order of this bound, so that the top-k heap's
 * threshold is high when the others start (their MaxScore prunes more),
 * and a segment whose bound is at or below the threshold of a full heap
 * is not searched at all: no cursor, no block decoded.  Any order gives
 * the same top k: the heap keeps the best k by (score desc, passage asc)
 * and every pruning drops only passages scoring strictly below the
 * threshold (sp_heap_offer() compares ties by passage).
 */
#include <math.h>
#include <string.h>

#include "search.h"

/* The positive terms of a bag-of-words tree into out[0, *n) (room for
 * cap); 0 when the tree is of another shape. */
static int plan_terms(const it *n, const it **out, size_t *nout, size_t cap)
{
    if (n->type == Q_TERM) {
        if (n->field != F_ANY || *nout >= cap) return 0;
        out[(*nout)++] = n;
        return 1;
    }
    if (n->type != Q_OR) return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!plan_terms(n->kids[i], out, nout, cap)) return 0;
    return 1;
}

/* A bound of the tf-norm of a term's postings in part pt: its TMAX byte
 * (at the index's k1 and b), else over a list of several blocks the
 * largest of its skip table's block bounds (as rank.c's block_norm()
 * reads them); for a list of one block at most m / (m + kmin) for the
 * largest tf m = cf - df + 1 at length 0.  *rc: 0 or an error code
 * (x->err). */
static double list_norm(it_ctx *x, const sp_part *pt, const sp_terminfo *ti, double kmin, int *rc)
{
    *rc = 0;
    const sp_seg *g = pt->seg;
    uint32_t nb = (ti->df + SP_BLOCK - 1) / SP_BLOCK;
    int defaults = x->k1 == g->k1 && x->b == g->b;
    double norm_c = x->avgdl > g->avgdl ? g->avgdl / x->avgdl : 1, best = 0;
    double m = (double)(ti->cf >= ti->df ? ti->cf - ti->df + 1 : 1), loose = m / (m + kmin);
    if (defaults && g->tmax.p && ti->ord1 && ti->ord1 <= g->tmax.len) {
        /* the list's TMAX byte q: q / 255 bounds its skip table's largest
         * norm (and a one-block list's largest), at the segment's
         * average length as those are: one byte read, not the table */
        if ((*rc = sp_ix_ensure(pt->seg, g->tmax.off + ti->ord1 - 1, 1, x->err))) return 1;
        double v = g->tmax.p[ti->ord1 - 1] / 255.0;
        if (norm_c < 1) v = v / (v + norm_c * (1 - v));
        if (!(v <= 1)) v = 1;
        return nb <= 1 && loose < v ? loose : v;
    }
    if (nb <= 1 || (uint64_t)nb * SP_SKIP_ENTRY > ti->post_len) return loose;
    if ((*rc = sp_ix_ensure(pt->seg, g->post.off + ti->post_off, (uint64_t)nb * SP_SKIP_ENTRY,
                            x->err)))
        return 1;
    const uint8_t *sk = g->post.p + ti->post_off;
    for (uint32_t b = 0; b < nb; b++, sk += SP_SKIP_ENTRY) {
        double v;
        if (defaults) {
            v = sp_get_f32(sk + 20); /* at the segment's average length: see rank.c */
            if (norm_c < 1) v = v / (v + norm_c * (1 - v));
        } else {
            uint32_t tf = sp_get_u32(sk + 12), dl = sp_get_u32(sk + 16);
            v = tf / (tf + x->k1 * (1 - x->b + x->b * dl / x->avgdl));
        }
        if (!(v <= 1)) v = 1; /* a norm is below 1; also guards a corrupt entry (NaN) */
        if (v > best) best = v;
    }
    return best;
}

int sp_seg_plan(it_ctx *x, const it *root, size_t *order, double *bound)
{
    size_t np = x->col->nparts;
    for (size_t i = 0; i < np; i++) {
        order[i] = i;
        bound[i] = HUGE_VAL;
    }
    if (np < 2 || x->prox > 0 || x->tw != 1) return 0;
    if (root->type == Q_EXCL && root->nkids == 2) root = root->kids[0];
    size_t cap = sp_it_count_leaves(root), n = 0;
    const it **terms = sp_malloc(x->a, (cap + 1) * sizeof *terms);
    if (!terms) return SPASM_ENOMEM;
    if (!plan_terms(root, terms, &n, cap)) {
        sp_free(x->a, terms);
        return 0;
    }
    const double k1 = x->k1, kmin = x->k1 * (1 - x->b);
    for (size_t i = 0; i < np; i++) {
        double b = 0;
        for (size_t j = 0; j < n; j++) {
            const it *t = terms[j];
            if (!t->name || t->idf <= 0) continue; /* absent everywhere: matches nothing */
            sp_terminfo ti;
            int r = sp_gdf_part_find(x, t->name, strlen(t->name), i, &ti);
            if (r < 0) {
                sp_free(x->a, terms);
                return -r;
            }
            if (r == 0) continue;
            double v = list_norm(x, &x->col->part[i], &ti, kmin, &r);
            if (r) {
                sp_free(x->a, terms);
                return r;
            }
            b += t->idf * (k1 + 1) * v + t->idf * x->delta; /* BM25+: delta at most */
        }
        bound[i] = b * (1 + 1e-9);
    }
    sp_free(x->a, terms);
    /* decreasing bound, ties in segment order (insertion sort: few parts) */
    for (size_t i = 1; i < np; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && bound[order[j - 1]] < bound[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    return 0;
}
