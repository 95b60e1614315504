/*
 * search.c -- spasm_search(): evaluate a query tree over posting cursors,
 * rank passages by BM25, keep the top k in a heap, and build results with
 * text, highlights and a snippet.
 *
 * BM25 of a passage p for query terms t:
 *     sum_t idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(p) / avglen))
 *     idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
 * A phrase or NEAR group scores as one term whose tf is its number of
 * matches and whose idf is the sum of its words' idfs.
 *
 * Evaluation is document-at-a-time over an iterator tree (one iterator
 * per query node: next(target) moves to the first matching passage >=
 * target).  A flat OR of terms -- the common bag-of-words query -- takes
 * the MaxScore path in rank.c instead, which skips passages that cannot
 * enter the top k.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "search.h"

/* ---- iterator tree ---- */

static double bm25(const it_ctx *x, double idf, uint32_t tf, uint32_t dl)
{
    double k = x->k1 * (1 - x->b + x->b * dl / x->avgdl);
    return idf * tf * (x->k1 + 1) / (tf + k);
}

double sp_idf(uint64_t N, uint64_t df)
{
    return log(1 + ((double)N - (double)df + 0.5) / ((double)df + 0.5));
}

static void it_free(it_ctx *x, it *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) it_free(x, n->kids[i]);
    sp_free(x->a, n->kids);
    sp_free(x->a, n->pos);
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
        it_free(x, n);
        *rc = SPASM_ENOMEM;
        return NULL;
    }
    sp_terminfo ti;
    int r = sp_dict_find(x->ix, s, len, &ti, x->err);
    if (r < 0) {
        *rc = -r;
        it_free(x, n);
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
        it_free(x, n);
        return NULL;
    }
    n->doc = n->cur.doc;
    x->nterms_open++;
    return n;
}

typedef struct prefix_ud {
    it_ctx *x;
    it *or;
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
        it_free(u->x, t);
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

/* Build the iterator tree for a query tree. */
static it *build(it_ctx *x, const qnode *q, int *rc)
{
    if (*rc) return NULL;
    switch (q->type) {
    case Q_TERM: return term_it(x, q->text, q->len, rc);
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
        /* the prefix itself, stemmed, also counts ("run*" finds "run") */
        sp_buf_free(&u.seen);
        if (r < 0 || u.rc) {
            *rc = r < 0 ? (int)-r : u.rc;
            it_free(x, u.or);
            return NULL;
        }
        if (u.or->nkids == 0) u.or->doc = SP_END;
        return u.or;
    }
    default: break;
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
            it_free(x, n);
            return NULL;
        }
    }
    if (q->type == Q_PHRASE || q->type == Q_NEAR) {
        double idf = 0;
        for (size_t i = 0; i < n->nkids; i++) idf += it_idf(n->kids[i]);
        n->idf = idf;
    }
    return n;
}

double it_idf(const it *n)
{
    if (n->type == Q_TERM) return n->empty ? 0 : n->idf;
    if (n->type == Q_PHRASE || n->type == Q_NEAR) return n->idf;
    double s = 0;
    for (size_t i = 0; i < n->nkids; i++) s += it_idf(n->kids[i]);
    return s;
}

static uint32_t it_next(it_ctx *x, it *n, uint32_t target);

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
    memcpy(*out, n->pos, n->npos * sizeof *n->pos);
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
    uint32_t *tmp = NULL;
    size_t captmp = 0;
    for (size_t k = 1; k < n->nkids && cnt; k++) {
        long m = it_positions(x, n->kids[k], &tmp, &captmp);
        if (m < 0) {
            sp_free(x->a, tmp);
            return m;
        }
        size_t w = 0, j = 0;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t want = n->pos[i] + (uint32_t)k;
            while (j < (size_t)m && tmp[j] < want) j++;
            if (j < (size_t)m && tmp[j] == want) n->pos[w++] = n->pos[i];
        }
        cnt = w;
    }
    sp_free(x->a, tmp);
    n->npos = cnt;
    return (long)cnt;
}

/* NEAR: count windows where every operand occurs with
 * max(end) - min(start) <= near + sum(width - 1).  Returns count or -err. */
static long near_match(it_ctx *x, it *n)
{
    size_t k = n->nkids;
    uint32_t **lists = sp_calloc(x->a, k * sizeof *lists);
    size_t *lens = sp_calloc(x->a, k * sizeof *lens), *caps = sp_calloc(x->a, k * sizeof *caps);
    size_t *idx = sp_calloc(x->a, k * sizeof *idx);
    long result = 0;
    if (!lists || !lens || !caps || !idx) {
        result = -SPASM_ENOMEM;
        goto out;
    }
    uint32_t slack = n->near;
    for (size_t i = 0; i < k; i++) {
        it *kid = n->kids[i];
        if (kid->type == Q_PHRASE) {
            long r = phrase_match(x, kid);
            if (r < 0) {
                result = r;
                goto out;
            }
        }
        long r = it_positions(x, kid, &lists[i], &caps[i]);
        if (r < 0) {
            result = r;
            goto out;
        }
        lens[i] = (size_t)r;
        slack += it_width(kid) - 1;
        if (r == 0) goto out;
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
out:
    if (lists)
        for (size_t i = 0; i < k; i++) sp_free(x->a, lists[i]);
    sp_free(x->a, lists);
    sp_free(x->a, lens);
    sp_free(x->a, caps);
    sp_free(x->a, idx);
    return result;
}

/* Move n to the first passage >= target that it matches. */
static uint32_t it_next(it_ctx *x, it *n, uint32_t target)
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
            uint32_t d = it_next(x, n->kids[i], target);
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
                uint32_t e = it_next(x, n->kids[i], d);
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
        n->doc = it_next(x, n->kids[0], target);
        n->settled = 1;
        return n->doc;
    case Q_EXCL: {
        uint32_t t = target;
        for (;;) {
            uint32_t d = it_next(x, n->kids[0], t);
            if (d == SP_END) break;
            if (it_next(x, n->kids[1], d) != d) {
                n->settled = 1;
                return n->doc = d;
            }
            t = d + 1;
        }
        n->settled = 1;
        return n->doc = SP_END;
    }
    default: return n->doc = SP_END;
    }
}

/* The score of n at its current passage d (n->doc == d). */
static double it_score(it_ctx *x, it *n, uint32_t d, uint32_t dl)
{
    switch (n->type) {
    case Q_TERM: return bm25(x, n->idf, sp_cursor_tf(&n->cur), dl);
    case Q_PHRASE:
    case Q_NEAR: return bm25(x, n->idf, n->freq, dl);
    case Q_OR: {
        double s = 0;
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->doc == d) s += it_score(x, n->kids[i], d, dl);
        return s;
    }
    case Q_AND: {
        double s = 0;
        for (size_t i = 0; i < n->nkids; i++) s += it_score(x, n->kids[i], d, dl);
        return s;
    }
    case Q_REQOPT: {
        double s = it_score(x, n->kids[0], d, dl);
        if (it_next(x, n->kids[1], d) == d) s += it_score(x, n->kids[1], d, dl);
        return s;
    }
    case Q_EXCL: return it_score(x, n->kids[0], d, dl);
    default: return 0;
    }
}

/* Append each scoring leaf matched at d: explanation text and the stems to
 * highlight.  Mirrors it_score(). */
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
        sp_buf_printf(ex, "%.6f = %s", s, what);
        if (n->type == Q_TERM) {
            sp_buf_printf(ex, " \"%s\" (df=%u)", n->name, n->df);
        } else {
            sp_buf_printf(ex, " (");
            for (size_t i = 0; i < n->nkids; i++)
                sp_buf_printf(ex, "%s%s", i ? " " : "", n->kids[i]->name ? n->kids[i]->name : "(...)");
            sp_buf_printf(ex, ")");
        }
        sp_buf_printf(ex,
                      ": idf %.6f * tf %u * (k1 %.2f + 1) / (tf %u + k1 %.2f * (1 - b %.2f + b "
                      "%.2f * len %u / avglen %.4f))\n",
                      n->idf, tf, x->k1, tf, x->k1, x->b, x->b, dl, x->avgdl);
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
        if (it_next(x, n->kids[1], d) == d) it_explain(x, n->kids[1], d, dl, ex, sum);
        return;
    case Q_EXCL: it_explain(x, n->kids[0], d, dl, ex, sum); return;
    default: return;
    }
}

/* Collect the stems of the positive leaves (for highlighting). */
static void it_stems(const it *n, sp_buf *out, int negative)
{
    if (negative) return;
    if (n->type == Q_TERM) {
        if (!n->empty) {
            sp_buf_append(out, n->name, strlen(n->name));
            sp_buf_putc(out, 0);
        }
        return;
    }
    for (size_t i = 0; i < n->nkids; i++) it_stems(n->kids[i], out, n->type == Q_EXCL && i == 1);
}

/* ---- the public API ---- */

int spasm_searcher_new(spasm_index *ix, spasm_searcher **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!ix || ix->rc) return SPASM_EINVAL;
    spasm_searcher *s = sp_calloc(&ix->a, sizeof *s);
    if (!s) return SPASM_ENOMEM;
    s->ix = ix;
    s->a = &ix->a;
    s->an = sp_analyzer_new(&ix->a);
    if (!s->an) {
        sp_free(&ix->a, s);
        return SPASM_ENOMEM;
    }
    sp_buf_init(&s->textcache.buf, &ix->a);
    sp_buf_init(&s->metacache.buf, &ix->a);
    *out = s;
    return 0;
}

void spasm_searcher_free(spasm_searcher *s)
{
    if (!s) return;
    sp_analyzer_free(s->an);
    sp_buf_free(&s->textcache.buf);
    sp_buf_free(&s->metacache.buf);
    sp_free(s->a, s->docslot);
    sp_free(s->a, s);
}

const char *spasm_searcher_errmsg(const spasm_searcher *s)
{
    return s ? s->errmsg : "out of memory";
}

void spasm_search_options_init(spasm_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->b = -1;
}

static int serr(spasm_searcher *s, int code, const char *msg)
{
    if (msg != s->errmsg) snprintf(s->errmsg, sizeof s->errmsg, "%s", msg);
    return code;
}

/* Parse and build the iterator tree for query. */
static int prepare(spasm_searcher *s, const char *query, const spasm_search_options *o,
                   it_ctx *x, it **root, qnode **qt)
{
    spasm_index *ix = s->ix;
    memset(x, 0, sizeof *x);
    x->ix = ix;
    x->a = s->a;
    x->err = s->errmsg;
    x->k1 = (o && o->k1 > 0) ? o->k1 : ix->k1;
    x->b = (o && o->b >= 0 && o->b <= 1) ? o->b : ix->b;
    x->avgdl = ix->avgdl;
    x->defaults = x->k1 == ix->k1 && x->b == ix->b;
    s->errmsg[0] = 0;
    int keep = (o && o->keep_stopwords) || (ix->flags & SP_FLAG_NO_STOPWORDS);
    int rc = sp_query_parse(s->a, s->an, query, keep, qt, s->errmsg);
    if (rc) return rc;
    rc = 0;
    *root = build(x, *qt, &rc);
    if (rc) {
        if (!s->errmsg[0]) serr(s, rc, spasm_errstr(rc));
        return rc;
    }
    return 0;
}

int spasm_count(spasm_searcher *s, const char *query, uint64_t *count)
{
    if (!s || !count) return SPASM_EINVAL;
    *count = 0;
    it_ctx x;
    it *root = NULL;
    qnode *qt = NULL;
    int rc = prepare(s, query, NULL, &x, &root, &qt);
    if (!rc) {
        uint64_t c = 0;
        for (uint32_t d = it_next(&x, root, 0); d != SP_END; d = it_next(&x, root, d + 1)) c++;
        rc = x.rc;
        *count = c;
    }
    it_free(&x, root);
    sp_query_free(s->a, qt);
    return rc;
}

/* Heap of candidates: the root is the worst (lowest score, then latest
 * passage).  Ties rank the earlier passage first. */
static int worse(const sp_cand *a, const sp_cand *b)
{
    if (a->score != b->score) return a->score < b->score;
    return a->passage > b->passage;
}

static void sift_down(sp_cand *h, size_t n, size_t i, uint32_t *slot)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m])) m = l;
        if (r < n && worse(&h[r], &h[m])) m = r;
        if (m == i) return;
        sp_cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        if (slot) {
            slot[h[i].doc] = (uint32_t)i;
            slot[h[m].doc] = (uint32_t)m;
        }
        i = m;
    }
}

static void sift_up(sp_cand *h, size_t i, uint32_t *slot)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(&h[i], &h[p])) return;
        sp_cand t = h[i];
        h[i] = h[p];
        h[p] = t;
        if (slot) {
            slot[h[i].doc] = (uint32_t)i;
            slot[h[p].doc] = (uint32_t)p;
        }
        i = p;
    }
}

void sp_heap_offer(sp_topk *t, uint32_t passage, double score)
{
    sp_cand c = {score, passage, 0};
    if (t->slot) { /* one entry per document */
        c.doc = sp_get_u32(t->ix->pass.p + (size_t)passage * SP_PASS_ENTRY);
        if (c.doc >= t->ix->ndocs) return;
        uint32_t at = t->slot[c.doc];
        if (at != UINT32_MAX) {
            if (worse(&t->h[at], &c)) {
                t->h[at] = c;
                sift_down(t->h, t->n, at, t->slot);
            }
            return;
        }
    }
    if (t->n < t->k) {
        t->h[t->n] = c;
        if (t->slot) t->slot[c.doc] = (uint32_t)t->n;
        sift_up(t->h, t->n++, t->slot);
    } else if (worse(&t->h[0], &c)) {
        if (t->slot) {
            t->slot[t->h[0].doc] = UINT32_MAX;
            t->slot[c.doc] = 0;
        }
        t->h[0] = c;
        sift_down(t->h, t->n, 0, t->slot);
    } else {
        return;
    }
    if (t->n == t->k) t->threshold = t->h[0].score;
}

static int cmp_rank(const void *a, const void *b)
{
    const sp_cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->passage > y->passage) - (x->passage < y->passage);
}

static int cmp_passage(const void *a, const void *b)
{
    const sp_cand *x = a, *y = b;
    return (x->passage > y->passage) - (x->passage < y->passage);
}

/* Exhaustive evaluation of any tree: every matching passage is scored. */
static void eval_tree(it_ctx *x, it *root, sp_topk *t)
{
    for (uint32_t d = it_next(x, root, 0); d != SP_END && !x->rc; d = it_next(x, root, d + 1)) {
        t->total++;
        double sc = it_score(x, root, d, sp_ix_len(x->ix, d));
        sp_heap_offer(t, d, sc);
    }
}

int spasm_search(spasm_searcher *s, const char *query, const spasm_search_options *opts,
                 spasm_results **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!s) return SPASM_EINVAL;
    spasm_search_options def;
    spasm_search_options_init(&def);
    const spasm_search_options *o = opts ? opts : &def;
    size_t k = o->k ? o->k : 10;
    if (k > 1000000 || o->offset > 1000000)
        return serr(s, SPASM_EINVAL, "k and offset must be at most 1,000,000");
    it_ctx x;
    it *root = NULL;
    qnode *qt = NULL;
    int rc = prepare(s, query, o, &x, &root, &qt);
    sp_topk t = {0};
    if (rc) goto done;
    t.ix = s->ix;
    /* Keep extra candidates for near-duplicate folding. */
    size_t want = k + o->offset;
    int collapse = !o->no_collapse && s->ix->sigs.p;
    t.k = collapse ? want * 2 + 16 : want;
    t.h = sp_malloc(s->a, t.k * sizeof *t.h);
    if (!t.h) {
        rc = serr(s, SPASM_ENOMEM, "out of memory");
        goto done;
    }
    if (o->group == SPASM_GROUP_DOC) {
        if (!s->docslot) {
            s->docslot = sp_malloc(s->a, (s->ix->ndocs + 1) * sizeof *s->docslot);
            if (!s->docslot) {
                rc = serr(s, SPASM_ENOMEM, "out of memory");
                goto done;
            }
            memset(s->docslot, 0xff, (s->ix->ndocs + 1) * sizeof *s->docslot);
        }
        t.slot = s->docslot;
    }
    if (s->force_exhaustive || !sp_rank_maxscore(&x, root, &t)) eval_tree(&x, root, &t);
    if (t.slot)
        for (size_t i = 0; i < t.n; i++) t.slot[t.h[i].doc] = UINT32_MAX;
    if (x.rc) {
        rc = x.rc;
        if (!s->errmsg[0]) serr(s, rc, spasm_errstr(rc));
        goto done;
    }
    qsort(t.h, t.n, sizeof *t.h, cmp_rank);
    rc = sp_results_build(s, &x, root, qt, o, &t, collapse, out);
done:
    sp_free(s->a, t.h);
    it_free(&x, root);
    sp_query_free(s->a, qt);
    return rc;
}

/* Recompute explanations and matched stems for hits, in passage order. */
int sp_explain_hits(spasm_searcher *s, it_ctx *x, it *root, const qnode *qt, sp_cand *hits,
                    size_t n, sp_buf *explains, size_t *offs, sp_buf *stems)
{
    SP_UNUSED(root);
    /* A fresh tree: the ranking one may have been consumed by pruning. */
    int rc = 0;
    it *fresh = build(x, qt, &rc);
    if (rc) return rc;
    it_stems(fresh, stems, 0);
    sp_cand *sorted = sp_malloc(s->a, (n + 1) * sizeof *sorted);
    if (!sorted) {
        it_free(x, fresh);
        return SPASM_ENOMEM;
    }
    memcpy(sorted, hits, n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i].doc = (uint32_t)i; /* remember the rank */
    qsort(sorted, n, sizeof *sorted, cmp_passage);
    for (size_t i = 0; i < n; i++) {
        uint32_t d = sorted[i].passage;
        size_t rank = sorted[i].doc;
        offs[rank] = explains ? explains->n : 0;
        if (it_next(x, fresh, d) != d) continue;
        if (!explains) continue;
        double sum = 0;
        sp_buf tmp;
        sp_buf_init(&tmp, s->a);
        it_explain(x, fresh, d, sp_ix_len(x->ix, d), &tmp, &sum);
        sp_buf_printf(explains, "%.6f = sum of:\n", sum);
        sp_buf_append(explains, tmp.p, tmp.n);
        sp_buf_putc(explains, 0);
        sp_buf_free(&tmp);
    }
    sp_free(s->a, sorted);
    it_free(x, fresh);
    if (x->rc) return x->rc;
    return (explains && explains->err) || stems->err ? SPASM_ENOMEM : 0;
}
