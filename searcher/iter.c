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
/* BM25 of one scoring leaf: idf * tf * (k1 + 1) / (tf + k1 * norm(dl)),
 * plus idf * delta (BM25+) when x->delta is set. */
double sp_bm25(const it_ctx *x, double idf, double tf, uint32_t dl)
{
    double k = x->k1 * (1 - x->b + x->b * dl / x->avgdl);
    double s = idf * tf * (x->k1 + 1) / (tf + k);
    return x->delta > 0 ? s + idf * x->delta : s;
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
    /* df and idf are the collection's (live passages only); the cursor
     * is this segment's: with several segments or deletions both come
     * from one lookup per query in each segment (gdf.c) */
    sp_terminfo ti;
    uint64_t gdf = 0;
    int r = x->col->nparts > 1 || x->del ? sp_gdf_find(x, s, len, &gdf, &ti)
                                         : sp_dict_find(x->ix, s, len, &ti, x->err);
    if (r < 0) {
        *rc = -r;
        sp_it_free(x, n);
        return NULL;
    }
    if (!(x->col->nparts > 1 || x->del)) gdf = r ? ti.df : 0;
    n->df = (uint32_t)gdf;
    n->idf = gdf ? sp_idf(x->col->live_pass, gdf) : 0;
    if (r && x->part && sp_part_del_df(x->part, ti.post_off) >= ti.df) r = 0;
    if (r == 0 || x->defer) { /* defer: sp_it_bind() opens it (bind.c) */
        n->doc = SP_END;      /* not in this segment (or only deleted): matches nothing */
        n->empty = 1;
        n->width = 1;
        return n;
    }
    if ((*rc = sp_cursor_open(&n->cur, x->ix, &ti, x->err))) {
        sp_it_free(x, n);
        return NULL;
    }
    n->doc = n->cur.doc;
    n->width = 1;
    x->nterms_open++;
    return n;
}

typedef struct prefix_ud {
    it_ctx *x;
    it * or ;
    int rc;
} prefix_ud;

/* Add a term iterator for one kept expansion of a prefix. */
static int add_prefix_term(void *ud, const char *stem, size_t len)
{
    prefix_ud *u = ud;
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

/* The idf an operand of a phrase or NEAR adds to the group's: a term's,
 * a phrase's, and for a prefix or OR group that of its most frequent
 * alternative (the smallest), so that "cramp*" weighs as "cramp" does. */
static double operand_idf(const it *n)
{
    if (n->type != Q_OR) return n->idf;
    double m = 0;
    int any = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        const it *k = n->kids[i];
        if (k->type == Q_TERM && k->df == 0) continue; /* in no live passage */
        double v = operand_idf(k);
        if (!any || v < m) m = v;
        any = 1;
    }
    return m;
}

/* Restrict term iterator t to field f; SPASM_EQUERY when the segment
 * does not record where titles end. */
static int restrict_term(it_ctx *x, it *t, qfield f, size_t at)
{
    if (f == F_ANY) return 0;
    if (!x->ix->tlen.p)
        return sp_seterr(
            x->err, SPASM_EQUERY,
            "query: the field word at byte %zu needs an index that records where titles "
            "end (TLEN), and %s was written before it: rebuild it",
            at, x->ix->path);
    t->field = f;
    return 0;
}

/* Build the iterator tree for a query tree. */
/* The iterator tree of q as parsed, not yet checked for cost (sp_it_build
 * checks); NULL with *rc set on failure. */
it *sp_it_build_tree(it_ctx *x, const qnode *q, int *rc)
{
    if (*rc) return NULL;
    switch (q->type) {
    case Q_TERM: {
        it *t = term_it(x, q->text, q->len, rc);
        if (t && (*rc = restrict_term(x, t, q->field, q->at))) {
            sp_it_free(x, t);
            return NULL;
        }
        if (t && q->qtf > 1) {
            t->qtf = q->qtf;
            t->qweight = sp_qtf_weight(q->qtf);
            t->idf *= t->qweight;
        }
        if (t && q->boost > 0) { /* a synonym's or family member's weight */
            t->idf *= q->boost;
            t->boost = q->boost;
        }
        return t;
    }
    case Q_PREFIX: {
        prefix_ud u = {x, it_new(x, Q_OR, 0), 0};
        if (!u.or) {
            *rc = SPASM_ENOMEM;
            return NULL;
        }
        u.or->is_prefix = 1;
        u.or->width = 1;
        int r = sp_expansion_each(x, q->text, q->len, add_prefix_term, &u);
        if (r || u.rc) {
            *rc = u.rc ? u.rc : r;
            sp_it_free(x, u.or);
            return NULL;
        }
        if (u.or->nkids == 0) u.or->doc = SP_END;
        for (size_t i = 0; i < u.or->nkids; i++)
            if ((*rc = restrict_term(x, u.or->kids[i], q->field, q->at))) {
                sp_it_free(x, u.or);
                return NULL;
            }
        for (size_t i = 0; i < u.or->nkids && q->qtf > 1; i++) { /* typed qtf times */
            it *t = u.or->kids[i];
            t->qtf = q->qtf;
            t->qweight = sp_qtf_weight(q->qtf);
            t->idf *= t->qweight;
        }
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
        n->kids[i] = sp_it_build_tree(x, q->kids[i], rc);
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
    n->width = 1;
    if (q->type == Q_PHRASE || q->type == Q_NEAR) {
        double idf = 0;
        uint32_t w = 0;
        for (size_t i = 0; i < n->nkids; i++) {
            idf += operand_idf(n->kids[i]);
            w += n->kids[i]->width;
        }
        n->idf = q->boost > 0 ? idf * q->boost : idf; /* a synonym phrase's weight */
        n->boost = q->boost;
        if (q->type == Q_PHRASE) n->width = w;
    } else if (q->type == Q_OR) {
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->width > n->width) n->width = n->kids[i]->width;
    }
    return n;
}

double sp_it_idf(const it *n)
{
    if (n->type == Q_TERM || n->type == Q_PHRASE || n->type == Q_NEAR) return n->idf;
    double s = 0;
    for (size_t i = 0; i < n->nkids; i++) s += sp_it_idf(n->kids[i]);
    return s;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Make room for `need` positions in *out. */
static int grow(it_ctx *x, uint32_t **out, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    uint32_t *p = sp_realloc(x->a, *out, c * sizeof *p);
    if (!p) return SPASM_ENOMEM;
    *out = p;
    *cap = c;
    return 0;
}

/* The start positions of n's occurrences in its current passage, sorted
 * and distinct: a term's positions, a phrase's matches (found by
 * phrase_match when it settled there), the union of those of an OR's
 * operands that are on the passage (a prefix, a group).  Returns the
 * count, or -error. */
static long it_positions(it_ctx *x, it *n, uint32_t **out, size_t *cap)
{
    switch (n->type) {
    case Q_TERM: {
        if (n->empty) return 0;
        if (n->field != F_ANY) { /* filtered when it settled here */
            if (grow(x, out, cap, n->npos + 1)) return -SPASM_ENOMEM;
            memcpy(*out, n->pos, n->npos * sizeof *n->pos);
            return (long)n->npos;
        }
        uint32_t tf = sp_cursor_tf(&n->cur);
        if (grow(x, out, cap, tf)) return -SPASM_ENOMEM;
        long r = sp_cursor_positions(&n->cur, *out, x->err);
        return r < 0 ? -SPASM_ECORRUPT : r;
    }
    case Q_PHRASE:
        if (n->npos == 0) return 0;
        if (grow(x, out, cap, n->npos)) return -SPASM_ENOMEM;
        memcpy(*out, n->pos, n->npos * sizeof *n->pos);
        return (long)n->npos;
    case Q_OR: {
        size_t m = 0, parts = 0;
        for (size_t i = 0; i < n->nkids; i++) {
            it *k = n->kids[i];
            if (k->doc != n->doc) continue;
            long r = it_positions(x, k, &n->tmp, &n->captmp);
            if (r < 0) return r;
            if (r == 0) continue;
            if (grow(x, out, cap, m + (size_t)r)) return -SPASM_ENOMEM;
            memcpy(*out + m, n->tmp, (size_t)r * sizeof *n->tmp);
            m += (size_t)r;
            parts++;
        }
        if (parts > 1) {
            qsort(*out, m, sizeof **out, cmp_u32);
            size_t w = 0;
            for (size_t i = 0; i < m; i++)
                if (w == 0 || (*out)[w - 1] != (*out)[i]) (*out)[w++] = (*out)[i];
            m = w;
        }
        return (long)m;
    }
    default:
        return 0;
    }
}

/* Count phrase matches at the current doc (all kids on it); fills n->pos
 * with the start positions.  Operand k must start where operand k - 1
 * ends.  Returns the count, or -error. */
static long phrase_match(it_ctx *x, it *n)
{
    /* candidates: positions of the first operand; then filter by each other */
    long c = it_positions(x, n->kids[0], &n->pos, &n->cappos);
    if (c < 0) return c;
    size_t cnt = (size_t)c;
    uint32_t off = 0;
    for (size_t k = 1; k < n->nkids && cnt; k++) {
        off += n->kids[k - 1]->width;
        long m = it_positions(x, n->kids[k], &n->tmp, &n->captmp);
        if (m < 0) return m;
        const uint32_t *tmp = n->tmp;
        size_t w = 0, j = 0;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t want = n->pos[i] + off;
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
        long r = it_positions(x, kid, &lists[i], &caps[i]);
        if (r < 0) return r;
        lens[i] = (size_t)r;
        slack += kid->width - 1;
        if (r == 0) return 0;
    }
    /* Sweep: advance the operand with the smallest start. */
    for (;;) {
        uint32_t lo = UINT32_MAX, hi = 0;
        size_t arg = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t s = lists[i][idx[i]], e = s + n->kids[i]->width - 1;
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
        for (;;) {
            n->doc = sp_cursor_seek(&n->cur, target, x->err);
            if (n->cur.err) x->rc = n->cur.err;
            if (n->field == F_ANY || n->doc == SP_END || x->rc) break;
            long c = sp_field_filter(x, n, n->doc); /* title: or text: */
            if (c < 0) {
                x->rc = (int)-c;
                n->doc = SP_END;
                break;
            }
            if (c > 0) break;
            target = n->doc + 1;
        }
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
            if (sp_canceled_every(x)) return n->doc = SP_END;
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
        return sp_bm25(x, n->idf, sp_term_tf(x, n, d), dl);
    case Q_PHRASE:
    case Q_NEAR:
        return sp_bm25(x, n->idf, n->freq, dl);
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

/* Collect the stems of the positive leaves (for highlighting). */
void sp_it_stems(const it *n, sp_buf *out, int negative)
{
    if (negative) return;
    if (n->type == Q_TERM) {
        if (n->df && n->field != F_TITLE) { /* in some live passage; the title is not shown */
            sp_buf_append(out, n->name, strlen(n->name));
            sp_buf_putc(out, 0);
        }
        return;
    }
    for (size_t i = 0; i < n->nkids; i++) sp_it_stems(n->kids[i], out, n->type == Q_EXCL && i == 1);
}

/* Build the iterator tree of a parsed query; NULL with *rc set on error. */
/* The postings evaluating n may read, weighted: a term's df, three times
 * that inside a phrase or NEAR (positions are read and compared), nothing
 * for the terms of the root's disjunction (MaxScore skips most of them,
 * and SP_QUERY_MAX_TERMS bounds their number). */
static double it_cost(const it *n, double weight, int flat)
{
    if (n->type == Q_TERM) return flat ? 0 : weight * n->df; /* the collection's df */
    if (n->type == Q_PHRASE || n->type == Q_NEAR) weight = SP_COST_POSITIONS;
    flat = flat && n->type == Q_OR;
    double c = 0;
    for (size_t i = 0; i < n->nkids; i++) c += it_cost(n->kids[i], weight, flat);
    return c;
}

it *sp_it_build(it_ctx *x, const qnode *q, int *rc)
{
    it *n = sp_it_build_tree(x, q, rc);
    if (!n) return NULL;
    double cost = it_cost(n, 1, 1);
    double limit = SP_MAX(SP_COST_MIN, SP_COST_PER_PASSAGE * (double)x->col->live_pass);
    if (cost > limit) {
        *rc = sp_seterr(x->err, SPASM_EQUERY,
                        "query: too costly for this index: its phrases, NEAR and groups would "
                        "read about %.0f postings (at most %.0f); use fewer or rarer words there",
                        cost, limit);
        sp_it_free(x, n);
        return NULL;
    }
    return n;
}
