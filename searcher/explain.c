/*
 * explain.c -- --explain: each hit's score broken down into its scoring
 * leaves (term, phrase, NEAR: idf, tf, k1, b, length, the live N and df),
 * the weights of repeated words and of synonyms, and the proximity
 * component.  Recomputed on a fresh iterator tree in passage order, with
 * the same arithmetic as sp_it_score() (iter.c), so the sum printed is
 * the score ranked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "boilerplate.h"
#include "search.h"

/* Append each scoring leaf matched at d: explanation text and the stems to
 * highlight.  Mirrors sp_it_score(). */
static void it_explain(it_ctx *x, it *n, uint32_t d, uint32_t dl, sp_buf *ex, double *sum)
{
    switch (n->type) {
    case Q_TERM:
    case Q_PHRASE:
    case Q_NEAR: {
        double tf = n->type == Q_TERM ? sp_term_tf(x, n, d) : n->freq;
        double s = sp_bm25(x, n->idf, tf, dl);
        *sum += s;
        if (!ex) return;
        const char *what = n->type == Q_TERM ? "term" : n->type == Q_PHRASE ? "phrase" : "near";
        sp_buf_printf(ex, "  %.6f = %s", s, what);
        double idf = n->idf;
        if (n->type == Q_TERM) {
            /* the live statistics: df and N over every segment (avglen below) */
            sp_buf_printf(ex, " %s\"%s\" (df=%u, N=%llu)",
                          n->field == F_TITLE  ? "title:"
                          : n->field == F_TEXT ? "text:"
                                               : "",
                          n->name, n->df, (unsigned long long)x->col->live_pass);
            if (n->qtf > 1) {
                idf /= n->qweight;
                sp_buf_printf(ex, ": qtf %u weight %.6f", n->qtf, n->qweight);
            }
        } else {
            sp_buf_printf(ex, " (");
            for (size_t i = 0; i < n->nkids; i++)
                sp_buf_printf(ex, "%s%s", i ? " " : "",
                              n->kids[i]->name ? n->kids[i]->name : "(...)");
            sp_buf_printf(ex, ")");
        }
        int weighted = n->type == Q_TERM && n->qtf > 1;
        if (n->boost > 0 && n->boost != 1) { /* a synonym or family member (synonyms.c) */
            idf /= n->boost;
            sp_buf_printf(ex, "%s alternative weight %.6f", weighted ? "," : ":", n->boost);
            weighted = 1;
        }
        sp_buf_printf(ex,
                      "%s idf %.6f * tf %g * (k1 %.2f + 1) / (tf %g + k1 %.2f * (1 - b %.2f + b "
                      "%.2f * len %u / avglen %.4f))%s\n",
                      weighted ? " *" : ":", idf, tf, x->k1, tf, x->k1, x->b, x->b, dl, x->avgdl,
                      x->delta > 0 ? " + idf * delta (BM25+)" : "");
        if (x->delta > 0) sp_buf_printf(ex, "    BM25+ delta %.2f\n", x->delta);
        return;
    }
    case Q_OR:
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->doc == d) it_explain(x, n->kids[i], d, dl, ex, sum);
        return;
    case Q_AND:
        for (size_t i = 0; i < n->nkids; i++) it_explain(x, n->kids[i], d, dl, ex, sum);
        return;
    case Q_REQOPT:
        it_explain(x, n->kids[0], d, dl, ex, sum);
        if (sp_it_next(x, n->kids[1], d) == d) it_explain(x, n->kids[1], d, dl, ex, sum);
        return;
    case Q_EXCL:
        it_explain(x, n->kids[0], d, dl, ex, sum);
        return;
    default:
        return;
    }
}

static int cmp_passage(const void *a, const void *b)
{
    const sp_cand *x = a, *y = b;
    return (x->passage > y->passage) - (x->passage < y->passage);
}

/* Explanations for n hits (rank order), recomputed in passage order on a
 * fresh tree per segment: the ranking one may have been consumed by
 * pruning.  offs[i] receives the offset of hit i's NUL-terminated text in
 * out. */
int sp_it_explain_hits(it_ctx *x, const qnode *qt, const sp_cand *hits, size_t n, sp_buf *out,
                       size_t *offs)
{
    int rc = 0;
    sp_cand *sorted = sp_malloc(x->a, (n + 1) * sizeof *sorted);
    if (!sorted) return SPASM_ENOMEM;
    memcpy(sorted, hits, n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i].doc = (uint32_t)i; /* remember the rank */
    qsort(sorted, n, sizeof *sorted, cmp_passage);
    sp_buf tmp, ptmp;
    sp_buf_init(&tmp, x->a);
    sp_buf_init(&ptmp, x->a);
    it *fresh = NULL;
    it **leaf = NULL; /* the proximity component's terms (proximity.c) */
    size_t nleaf = 0;
    sp_prox_term *pt = NULL;
    const sp_part *at = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        const sp_part *p = sp_col_part_of_passage(x->col, sorted[i].passage);
        if (p != at) { /* the next segment's tree */
            sp_it_free(x, fresh);
            sp_free(x->a, leaf);
            sp_free(x->a, pt);
            leaf = NULL;
            pt = NULL;
            at = p;
            sp_it_use_part(x, p);
            if (!(fresh = sp_it_build_tree(x, qt, &rc))) break;
            if ((rc = sp_prox_leaves(x, fresh, &leaf, &nleaf))) break;
            if (leaf && !(pt = sp_malloc(x->a, nleaf * sizeof *pt))) {
                rc = SPASM_ENOMEM;
                break;
            }
        }
        uint32_t d = sorted[i].passage - p->pbase;
        size_t rank = sorted[i].doc;
        offs[rank] = out->n;
        if (sp_it_next(x, fresh, d) == d) {
            double sum = 0, bonus = 0;
            uint32_t dl = sp_it_len(x, d);
            tmp.n = 0;
            ptmp.n = 0;
            it_explain(x, fresh, d, dl, &tmp, &sum);
            if (pt) { /* as search.c's evaluator adds it */
                size_t m = 0;
                for (size_t j = 0; j < nleaf; j++)
                    if (leaf[j]->doc == d)
                        pt[m++] = (sp_prox_term){&leaf[j]->cur, leaf[j]->cur.i, leaf[j]->idf,
                                                 leaf[j]->name};
                if ((rc = sp_prox_bonus(x, pt, m, dl, &bonus, &ptmp))) break;
                sum += bonus;
            }
            double prior = sp_it_prior(x, d); /* page furniture (boilerplate.h) */
            if (prior < 1)
                sp_buf_printf(out, "%.6f = %.6f page-furniture prior times\n", sum * prior, prior);
            sp_buf_printf(out, "%.6f = sum of:\n", sum);
            sp_buf_append(out, tmp.p, tmp.n);
            if (ptmp.n) {
                sp_buf_printf(out, "  %.6f = proximity, the sum of:\n", bonus);
                sp_buf_append(out, ptmp.p, ptmp.n);
            }
        }
        sp_buf_putc(out, 0);
    }
    int oom = out->err || tmp.err || ptmp.err;
    sp_buf_free(&tmp);
    sp_buf_free(&ptmp);
    sp_free(x->a, sorted);
    sp_free(x->a, leaf);
    sp_free(x->a, pt);
    sp_it_free(x, fresh);
    if (rc) return rc;
    if (x->rc) return x->rc;
    return oom ? SPASM_ENOMEM : 0;
}
