/*
 * iter.c -- the iterator tree that matches and scores a parsed query: one
 * iterator per query node, next(target) moving to the first matching
 * passage >= target (document-at-a-time).  Terms read posting cursors;
 * AND, PHRASE and NEAR leapfrog their operands, then PHRASE and NEAR check
 * positions; OR takes the smallest; REQOPT adds optional scores to a
 * required match; EXCL skips passages its negative operand matches.
 *
 * BM25 of a passage p for query terms t:
 *     sum_t idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(p) / avglen))
 *     idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
 * A phrase or NEAR group scores as one term whose tf is its number of
 * matches and whose idf is the sum of its words' idfs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "search.h"
static double bm25(const it_ctx *x, double idf, uint32_t tf, uint32_t dl)
{
    double k = x->k1 * (1 - x->b + x->b * dl / x->avgdl);
    return idf * tf * (x->k1 + 1) / (tf + k);
}

/* The weight of a query word typed qtf times: (k3 + 1) qtf / (k3 + qtf),
 * Robertson's query-term saturation with k3 = SP_BM25_K3 (8): 1 for one
 * occurrence, 1.8 for two, 2.45 for three -- repeated words count, but a
 * long question that repeats a word does not drown the others. */
double sp_qtf_weight(uint32_t qtf)
{
    return (SP_BM25_K3 + 1) * qtf / (SP_BM25_K3 + qtf);
}

double sp_idf(uint64_t N, uint64_t df)
{
#ifdef IDF_EXP
    double v = log(((double)N - (double)df + 0.5) / ((double)df + 0.5));
    return v > 1e-6 ? v : 1e-6;
#else
    return log(1 + ((double)N - (double)df + 0.5) / ((double)df + 0.5));
#endif
}

void sp_it_free(it_ctx *x, it *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) sp_it_free(x, n->kids[i]);
    sp_free(x->a, n->kids);
    sp_free(x->a, n->pos);
    sp_free(x->a, n->tmp);
    if (n->lists)
        for (size_t i = 0; i < n->nkids; i++) sp_free(x->a, n->lists[i]);
    sp_free(x->a, n->lists);
    sp_free(x->a, n->lens);
    sp_free(x->a, n->caps);
    sp_free(x->a, n->idx);
    sp_free(x->a, n->lead);
    sp_free(x->a, n->name);
    sp_free(x->a, n);
}

static it *it_new(it_ctx *x, qtype type, size_t nkids)
{
    it *n = sp_calloc(x->a, sizeof *n);
    if (!n) return NULL;
    n->type = type;
    n->doc = 0;
    if (nkids) {
        n->kids = sp_calloc(x->a, nkids * sizeof *n->kids);
        if (!n->kids) {
            sp_free(x->a, n);
            return NULL;
        }
    }
    n->nkids = nkids;
    return n;
}

/* Add a term iterator for stem s (also used for prefix expansions). */
static it *term_it(it_ctx *x, const char *s, size_t len, int *rc)
{
    it *n = it_new(x, Q_TERM, 0);
    if (!n) {
        *rc = SPASM_ENOMEM;
        return NULL;
    }
    n->name = sp_strndup(x->a, s, len);
    if (!n->name) {
        sp_it_free(x, n);
        *rc = SPASM_ENOMEM;
        return NULL;
    }
    sp_terminfo ti;
    int r = sp_dict_find(x->ix, s, len, &ti, x->err);
    if (r < 0) {
        *rc = -r;
        sp_it_free(x, n);
        return NULL;
    }
    if (r == 0) {
        n->doc = SP_END; /* not in the index: matches nothing */
        n->empty = 1;
        return n;
    }
    n->df = ti.df;
    n->idf = sp_idf(x->ix->npass, ti.df);
    if ((*rc = sp_cursor_open(&n->cur, x->ix, &ti, x->err))) {
        sp_it_free(x, n);
        return NULL;
    }
    n->doc = n->cur.doc;
    x->nterms_open++;
    return n;
}

typedef struct prefix_ud {
    it_ctx *x;
    it * or ;
    int rc;
    sp_buf seen; /* stems already added, NUL-separated */
} prefix_ud;

static int add_prefix_term(prefix_ud *u, const char *stem, size_t len)
{
    /* skip a stem already added (several words share one stem) */
    size_t i = 0;
    while (i < u->seen.n) {
        size_t l = strlen((const char *)u->seen.p + i);
        if (l == len && memcmp(u->seen.p + i, stem, len) == 0) return 0;
        i += l + 1;
    }
    sp_buf_append(&u->seen, stem, len);
    sp_buf_putc(&u->seen, 0);
    if (u->seen.err) return u->rc = SPASM_ENOMEM;
    it *t = term_it(u->x, stem, len, &u->rc);
    if (!t) return u->rc;
    it **k = sp_realloc(u->x->a, u->or->kids, (u->or->nkids + 1) * sizeof *k);
    if (!k) {
        sp_it_free(u->x, t);
        return u->rc = SPASM_ENOMEM;
    }
    u->or->kids = k;
    u->or->kids[u->or->nkids++] = t;
    return 0;
}

static int prefix_stem_cb(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    SP_UNUSED(ti);
    return add_prefix_term(ud, term, len);
}

static int prefix_word_cb(void *ud, const char *word, size_t len, const char *stem, size_t slen)
{
    SP_UNUSED(word);
    SP_UNUSED(len);
    return add_prefix_term(ud, stem, slen);
}

#define SP_PREFIX_MAX 256

/* An estimate of how many passages n matches (for leapfrog order). */
static uint64_t it_est(const it *n)
{
    if (n->type == Q_TERM) return n->empty ? 0 : n->df;
    if (n->nkids == 0) return 0;
    if (n->type == Q_REQOPT || n->type == Q_EXCL) return it_est(n->kids[0]);
    uint64_t e = n->type == Q_OR ? 0 : UINT64_MAX;
    for (size_t i = 0; i < n->nkids; i++) {
        uint64_t k = it_est(n->kids[i]);
        e = n->type == Q_OR ? e + k : (k < e ? k : e);
    }
    return e;
}

/* Order an intersection's kids rarest first: the rarest proposes, the
 * denser ones only seek (with skips) to its passages. */
static int set_lead(it_ctx *x, it *n)
{
    n->lead = sp_malloc(x->a, (n->nkids + 1) * sizeof *n->lead);
    if (!n->lead) return SPASM_ENOMEM;
    for (size_t i = 0; i < n->nkids; i++) {
        uint32_t v = (uint32_t)i;
        uint64_t ev = it_est(n->kids[i]);
        size_t j = i;
        while (j > 0 && it_est(n->kids[n->lead[j - 1]]) > ev) {
            n->lead[j] = n->lead[j - 1];
            j--;
        }
        n->lead[j] = v;
    }
    return 0;
}

/* Build the iterator tree for a query tree. */
static it *build(it_ctx *x, const qnode *q, int *rc)
{
    if (*rc) return NULL;
    switch (q->type) {
    case Q_TERM: {
        it *t = term_it(x, q->text, q->len, rc);
        if (t && q->qtf > 1) {
            t->qtf = q->qtf;
            t->qweight = sp_qtf_weight(q->qtf);
            t->idf *= t->qweight;
        }
        return t;
    }
    case Q_PREFIX: {
        prefix_ud u = {x, it_new(x, Q_OR, 0), 0, {0}};
        sp_buf_init(&u.seen, x->a);
        if (!u.or) {
            *rc = SPASM_ENOMEM;
            return NULL;
        }
        u.or->is_prefix = 1;
        long r;
        if (x->ix->word.p)
            r = sp_words_prefix(x->ix, q->text, q->len, SP_PREFIX_MAX, prefix_word_cb, &u, x->err);
        else
            r = sp_dict_prefix(x->ix, q->text, q->len, SP_PREFIX_MAX, prefix_stem_cb, &u, x->err);
        sp_buf_free(&u.seen);
        if (r < 0 || u.rc) {
            *rc = r < 0 ? (int)-r : u.rc;
            sp_it_free(x, u.or);
            return NULL;
        }
        if (u.or->nkids == 0) u.or->doc = SP_END;
        return u.or ;
    }
    default:
        break;
    }
    it *n = it_new(x, q->type, q->nkids);
    if (!n) {
        *rc = SPASM_ENOMEM;
        return NULL;
    }
    n->near = q->near;
    for (size_t i = 0; i < q->nkids; i++) {
        n->kids[i] = build(x, q->kids[i], rc);
        if (!n->kids[i]) {
            if (!*rc) *rc = SPASM_ENOMEM;
            sp_it_free(x, n);
            return NULL;
        }
    }
    if ((q->type == Q_AND || q->type == Q_PHRASE || q->type == Q_NEAR) && set_lead(x, n)) {
        *rc = SPASM_ENOMEM;
        sp_it_free(x, n);
        return NULL;
    }
    if (q->type == Q_PHRASE || q->type == Q_NEAR) {
        double idf = 0;
        for (size_t i = 0; i < n->nkids; i++) idf += sp_it_idf(n->kids[i]);
        n->idf = idf;
    }
    return n;
}

double sp_it_idf(const it *n)
{
    if (n->type == Q_TERM) return n->empty ? 0 : n->idf;
    if (n->type == Q_PHRASE || n->type == Q_NEAR) return n->idf;
    double s = 0;
    for (size_t i = 0; i < n->nkids; i++) s += sp_it_idf(n->kids[i]);
    return s;
}

/* Positions of a TERM or of a PHRASE's first word, per match; for a
 * phrase only the starts of matching occurrences.  Returns count. */
static long it_positions(it_ctx *x, it *n, uint32_t **out, size_t *cap)
{
    if (n->type == Q_TERM) {
        uint32_t tf = sp_cursor_tf(&n->cur);
        if (tf > *cap) {
            uint32_t *p = sp_realloc(x->a, *out, (size_t)tf * sizeof *p);
            if (!p) return -SPASM_ENOMEM;
            *out = p;
            *cap = tf;
        }
        long r = sp_cursor_positions(&n->cur, *out, x->err);
        return r < 0 ? -SPASM_ECORRUPT : r;
    }
    /* PHRASE: n->pos holds the starts found by the last match check */
    if (n->npos > *cap) {
        uint32_t *p = sp_realloc(x->a, *out, n->npos * sizeof *p);
        if (!p) return -SPASM_ENOMEM;
        *out = p;
        *cap = n->npos;
    }
    if (n->npos) memcpy(*out, n->pos, n->npos * sizeof *n->pos); /* *out may be NULL */
    return (long)n->npos;
}

/* Width (in positions) of an operand: 1 for a term, its length for a phrase. */
static uint32_t it_width(const it *n)
{
    return n->type == Q_PHRASE ? (uint32_t)n->nkids : 1;
}

/* Count phrase matches at the current doc (all kids on it); fills n->pos
 * with the start positions.  Returns the count, or -error. */
static long phrase_match(it_ctx *x, it *n)
{
    /* candidates: positions of the first word; then filter by each other */
    long c = it_positions(x, n->kids[0], &n->pos, &n->cappos);
    if (c < 0) return c;
    size_t cnt = (size_t)c;
    for (size_t k = 1; k < n->nkids && cnt; k++) {
        long m = it_positions(x, n->kids[k], &n->tmp, &n->captmp);
        if (m < 0) return m;
        const uint32_t *tmp = n->tmp;
        size_t w = 0, j = 0;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t want = n->pos[i] + (uint32_t)k;
            while (j < (size_t)m && tmp[j] < want) j++;
            if (j < (size_t)m && tmp[j] == want) n->pos[w++] = n->pos[i];
        }
        cnt = w;
    }
    n->npos = cnt;
    return (long)cnt;
}

/* NEAR: count windows where every operand occurs with
 * max(end) - min(start) <= near + sum(width - 1).  Returns count or -err. */
static long near_match(it_ctx *x, it *n)
{
    size_t k = n->nkids;
    if (!n->lists) { /* scratch kept on the node for the next passages */
        n->lists = sp_calloc(x->a, k * sizeof *n->lists);
        n->lens = sp_calloc(x->a, k * sizeof *n->lens);
        n->caps = sp_calloc(x->a, k * sizeof *n->caps);
        n->idx = sp_calloc(x->a, k * sizeof *n->idx);
        if (!n->lists || !n->lens || !n->caps || !n->idx) return -SPASM_ENOMEM;
    }
    uint32_t **lists = n->lists;
    size_t *lens = n->lens, *caps = n->caps, *idx = n->idx;
    long result = 0;
    memset(idx, 0, k * sizeof *idx);
    uint32_t slack = n->near;
    for (size_t i = 0; i < k; i++) {
        it *kid = n->kids[i];
        if (kid->type == Q_PHRASE) {
            long r = phrase_match(x, kid);
            if (r < 0) return r;
        }
        long r = it_positions(x, kid, &lists[i], &caps[i]);
        if (r < 0) return r;
        lens[i] = (size_t)r;
        slack += it_width(kid) - 1;
        if (r == 0) return 0;
    }
    /* Sweep: advance the operand with the smallest start. */
    for (;;) {
        uint32_t lo = UINT32_MAX, hi = 0;
        size_t arg = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t s = lists[i][idx[i]], e = s + it_width(n->kids[i]) - 1;
            if (s < lo) {
                lo = s;
                arg = i;
            }
            if (e > hi) hi = e;
        }
        if (hi - lo <= slack) result++;
        if (++idx[arg] >= lens[arg]) break;
    }
    return result;
}

/* Move n to the first passage >= target that it matches. */
uint32_t sp_it_next(it_ctx *x, it *n, uint32_t target)
{
    if (x->rc) return n->doc = SP_END;
    if (n->doc != SP_END && n->doc >= target && n->settled) return n->doc;
    switch (n->type) {
    case Q_TERM:
        if (n->empty) return n->doc = SP_END;
        n->doc = sp_cursor_seek(&n->cur, target, x->err);
        if (n->cur.err) x->rc = n->cur.err;
        n->settled = 1;
        return n->doc;
    case Q_OR: {
        uint32_t m = SP_END;
        for (size_t i = 0; i < n->nkids; i++) {
            uint32_t d = sp_it_next(x, n->kids[i], target);
            if (d < m) m = d;
        }
        n->settled = 1;
        return n->doc = m;
    }
    case Q_AND:
    case Q_PHRASE:
    case Q_NEAR: {
        uint32_t t = target;
        for (;;) {
            uint32_t d = t;
            int agree = 1;
            for (size_t i = 0; i < n->nkids; i++) {
                uint32_t e = sp_it_next(x, n->kids[n->lead[i]], d);
                if (e == SP_END) {
                    n->settled = 1;
                    return n->doc = SP_END;
                }
                if (e != d) {
                    d = e;
                    agree = 0;
                    break;
                }
            }
            if (!agree) {
                t = d;
                continue;
            }
            if (n->type == Q_AND) {
                n->settled = 1;
                return n->doc = d;
            }
            long c = n->type == Q_PHRASE ? phrase_match(x, n) : near_match(x, n);
            if (c < 0) {
                x->rc = (int)-c;
                return n->doc = SP_END;
            }
            if (c > 0) {
                n->freq = (uint32_t)c;
                n->settled = 1;
                return n->doc = d;
            }
            t = d + 1;
        }
    }
    case Q_REQOPT:
        n->doc = sp_it_next(x, n->kids[0], target);
        n->settled = 1;
        return n->doc;
    case Q_EXCL: {
        uint32_t t = target;
        for (;;) {
            uint32_t d = sp_it_next(x, n->kids[0], t);
            if (d == SP_END) break;
            if (sp_it_next(x, n->kids[1], d) != d) {
                n->settled = 1;
                return n->doc = d;
            }
            t = d + 1;
        }
        n->settled = 1;
        return n->doc = SP_END;
    }
    default:
        return n->doc = SP_END;
    }
}

/* The score of n at its current passage d (n->doc == d). */
double sp_it_score(it_ctx *x, it *n, uint32_t d, uint32_t dl)
{
    switch (n->type) {
    case Q_TERM:
        return bm25(x, n->idf, sp_cursor_tf(&n->cur), dl);
    case Q_PHRASE:
    case Q_NEAR:
        return bm25(x, n->idf, n->freq, dl);
    case Q_OR: {
        double s = 0;
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->doc == d) s += sp_it_score(x, n->kids[i], d, dl);
        return s;
    }
    case Q_AND: {
        double s = 0;
        for (size_t i = 0; i < n->nkids; i++) s += sp_it_score(x, n->kids[i], d, dl);
        return s;
    }
    case Q_REQOPT: {
        double s = sp_it_score(x, n->kids[0], d, dl);
        if (sp_it_next(x, n->kids[1], d) == d) s += sp_it_score(x, n->kids[1], d, dl);
        return s;
    }
    case Q_EXCL:
        return sp_it_score(x, n->kids[0], d, dl);
    default:
        return 0;
    }
}

/* Append each scoring leaf matched at d: explanation text and the stems to
 * highlight.  Mirrors sp_it_score(). */
static void it_explain(it_ctx *x, it *n, uint32_t d, uint32_t dl, sp_buf *ex, double *sum)
{
    switch (n->type) {
    case Q_TERM:
    case Q_PHRASE:
    case Q_NEAR: {
        uint32_t tf = n->type == Q_TERM ? sp_cursor_tf(&n->cur) : n->freq;
        double s = bm25(x, n->idf, tf, dl);
        *sum += s;
        if (!ex) return;
        const char *what = n->type == Q_TERM ? "term" : n->type == Q_PHRASE ? "phrase" : "near";
        sp_buf_printf(ex, "  %.6f = %s", s, what);
        double idf = n->idf;
        if (n->type == Q_TERM) {
            sp_buf_printf(ex, " \"%s\" (df=%u)", n->name, n->df);
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
        sp_buf_printf(ex,
                      "%s idf %.6f * tf %u * (k1 %.2f + 1) / (tf %u + k1 %.2f * (1 - b %.2f + b "
                      "%.2f * len %u / avglen %.4f))\n",
                      n->qtf > 1 ? " *" : ":", idf, tf, x->k1, tf, x->k1, x->b, x->b, dl, x->avgdl);
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

/* Collect the stems of the positive leaves (for highlighting). */
void sp_it_stems(const it *n, sp_buf *out, int negative)
{
    if (negative) return;
    if (n->type == Q_TERM) {
        if (!n->empty) {
            sp_buf_append(out, n->name, strlen(n->name));
            sp_buf_putc(out, 0);
        }
        return;
    }
    for (size_t i = 0; i < n->nkids; i++) sp_it_stems(n->kids[i], out, n->type == Q_EXCL && i == 1);
}

/* Build the iterator tree of a parsed query; NULL with *rc set on error. */
it *sp_it_build(it_ctx *x, const qnode *q, int *rc)
{
    return build(x, q, rc);
}

static int cmp_passage(const void *a, const void *b)
{
    const sp_cand *x = a, *y = b;
    return (x->passage > y->passage) - (x->passage < y->passage);
}

/* Explanations for n hits (rank order), recomputed in passage order on a
 * fresh tree: the ranking one may have been consumed by pruning.
 * offs[i] receives the offset of hit i's NUL-terminated text in out. */
int sp_it_explain_hits(it_ctx *x, const qnode *qt, const sp_cand *hits, size_t n, sp_buf *out,
                       size_t *offs)
{
    int rc = 0;
    it *fresh = build(x, qt, &rc);
    if (rc) return rc;
    sp_cand *sorted = sp_malloc(x->a, (n + 1) * sizeof *sorted);
    if (!sorted) {
        sp_it_free(x, fresh);
        return SPASM_ENOMEM;
    }
    memcpy(sorted, hits, n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i].doc = (uint32_t)i; /* remember the rank */
    qsort(sorted, n, sizeof *sorted, cmp_passage);
    sp_buf tmp;
    sp_buf_init(&tmp, x->a);
    for (size_t i = 0; i < n; i++) {
        uint32_t d = sorted[i].passage;
        size_t rank = sorted[i].doc;
        offs[rank] = out->n;
        if (sp_it_next(x, fresh, d) == d) {
            double sum = 0;
            tmp.n = 0;
            it_explain(x, fresh, d, sp_it_len(x, d), &tmp, &sum);
            sp_buf_printf(out, "%.6f = sum of:\n", sum);
            sp_buf_append(out, tmp.p, tmp.n);
        }
        sp_buf_putc(out, 0);
    }
    sp_buf_free(&tmp);
    sp_free(x->a, sorted);
    sp_it_free(x, fresh);
    if (x->rc) return x->rc;
    return out->err || tmp.err ? SPASM_ENOMEM : 0;
}
