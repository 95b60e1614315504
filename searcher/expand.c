/*
 * expand.c -- prefix expansion under one budget per query.
 *
 * Every distinct prefix of the query is expanded once, before the
 * iterator tree is built: its words are read from the WORD section (or,
 * in an index without one, its stems from DICT), their stems are
 * de-duplicated and looked up for their document frequency.  The query's
 * prefixes then share SP_PREFIX_BUDGET terms: each gets an equal share,
 * at most SP_PREFIX_MAX, and what a prefix with fewer terms leaves goes to
 * the others (water-filling); every prefix keeps at least one.  A prefix
 * keeps its most frequent terms (highest df; ties in byte order).  At most
 * SP_PREFIX_SCAN words are read per prefix and SP_PREFIX_SCAN_TOTAL per
 * query (the most frequent are then those of the words read).  Whatever
 * was left out is said in x->notes and flagged in x->flags
 * (SPASM_RESULT_EXPANSION_CUT), which the results carry.
 */
#include <stdio.h>
#include <stdlib.h>

#include "search.h"

typedef struct cand {
    uint32_t off, len; /* the stem in the prefix's pool */
    uint32_t df;
} cand;

typedef struct sp_pfx {
    const char *text; /* the folded prefix (owned by the query tree) */
    size_t len;
    sp_buf pool; /* stems, NUL-terminated */
    cand *c;     /* its terms; after sp_expand, the kept ones, best first */
    size_t n, cap;
    uint32_t *hash; /* open addressing over c (index + 1), for de-duplication */
    size_t hcap;
    size_t occ;   /* times it occurs in the query */
    size_t words; /* words read */
    size_t terms; /* distinct terms found */
    int scan_cut; /* stopped reading at a scan limit */
} sp_pfx;

struct sp_expansion {
    sp_pfx *v;
    size_t n;
};

typedef struct scan {
    it_ctx *x;
    sp_pfx *p;
    size_t budget; /* words this prefix may still read */
    int rc;
} scan;

/* Double p's hash table (or make its first). */
static int rehash(it_ctx *x, sp_pfx *p)
{
    size_t nc = p->hcap ? p->hcap * 2 : 64;
    uint32_t *h = sp_calloc(x->a, nc * sizeof *h);
    if (!h) return SPASM_ENOMEM;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = sp_term_hash((const char *)p->pool.p + p->c[i].off, p->c[i].len) & (nc - 1);
        while (h[j]) j = (j + 1) & (nc - 1);
        h[j] = (uint32_t)i + 1;
    }
    sp_free(x->a, p->hash);
    p->hash = h;
    p->hcap = nc;
    return 0;
}

/* Add stem s[0, len) to p unless there; df < 0: look it up.  0 or error. */
static int add_stem(scan *u, const char *s, size_t len, long long df)
{
    sp_pfx *p = u->p;
    it_ctx *x = u->x;
    if (len == 0) return 0; /* no term (a damaged WORD section's empty stem) */
    if ((p->n + 1) * 2 > p->hcap && rehash(x, p)) return u->rc = SPASM_ENOMEM;
    size_t j = sp_term_hash(s, len) & (p->hcap - 1);
    while (p->hash[j]) {
        const cand *c = &p->c[p->hash[j] - 1];
        if (c->len == len && memcmp(p->pool.p + c->off, s, len) == 0) return 0;
        j = (j + 1) & (p->hcap - 1);
    }
    if (df < 0) { /* the live df over the collection */
        uint64_t g;
        int r = sp_gdf_get(x, s, len, &g);
        if (r) return u->rc = r;
        if (g == 0) return 0; /* a word whose stem is in no live passage: nothing to match */
        df = (long long)g;
    }
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        cand *v = sp_realloc(x->a, p->c, nc * sizeof *v);
        if (!v) return u->rc = SPASM_ENOMEM;
        p->c = v;
        p->cap = nc;
    }
    cand *c = &p->c[p->n];
    c->off = (uint32_t)p->pool.n;
    c->len = (uint32_t)len;
    c->df = (uint32_t)df;
    sp_buf_append(&p->pool, s, len);
    sp_buf_putc(&p->pool, 0);
    if (p->pool.err) return u->rc = SPASM_ENOMEM;
    p->hash[j] = (uint32_t)++p->n;
    return 0;
}

static int word_cb(void *ud, const char *word, size_t len, const char *stem, size_t slen)
{
    SP_UNUSED(word);
    SP_UNUSED(len);
    scan *u = ud;
    /* the time budget and the cancel flag (spasm_searcher_set_cancel):
     * a prefix may read 100,000 words, each a df look-up */
    if (sp_canceled_every(u->x)) return u->rc = u->x->rc;
    if (u->p->words >= u->budget) return u->p->scan_cut = 1;
    u->p->words++;
    return add_stem(u, stem, slen, -1);
}

/* Collect the distinct prefixes of q into e (they point into q), and
 * count the leaves (terms and prefixes) in *leaves: more than
 * SP_QUERY_MAX_TERMS is SPASM_EQUERY, naming the first one too many. */
static int collect(it_ctx *x, const qnode *q, struct sp_expansion *e, size_t *cap, size_t *leaves)
{
    if (q->type == Q_TERM || q->type == Q_PREFIX) {
        if (++*leaves > SP_QUERY_MAX_TERMS)
            return sp_seterr(x->err, SPASM_EQUERY,
                             "query: more than %d words and prefixes (at byte %zu; a word "
                             "repeated among the optional words counts once)",
                             SP_QUERY_MAX_TERMS, q->at);
    }
    if (q->type == Q_PREFIX) {
        x->nprefix_occ++;
        for (size_t i = 0; i < e->n; i++)
            if (e->v[i].len == q->len && memcmp(e->v[i].text, q->text, q->len) == 0) {
                e->v[i].occ++;
                return 0;
            }
        if (e->n == *cap) {
            size_t nc = *cap ? *cap * 2 : 8;
            sp_pfx *v = sp_realloc(x->a, e->v, nc * sizeof *v);
            if (!v) return SPASM_ENOMEM;
            e->v = v;
            *cap = nc;
        }
        sp_pfx *p = &e->v[e->n++];
        memset(p, 0, sizeof *p);
        p->text = q->text;
        p->len = q->len;
        p->occ = 1;
        sp_buf_init(&p->pool, x->a);
        return 0;
    }
    for (size_t i = 0; i < q->nkids; i++) {
        int rc = collect(x, q->kids[i], e, cap, leaves);
        if (rc) return rc;
    }
    return 0;
}

/* A term to rank: most frequent first, then in byte order. */
typedef struct rank_ent {
    uint32_t df;
    const char *s;
    uint32_t len, i;
} rank_ent;

static int cmp_rank(const void *a, const void *b)
{
    const rank_ent *x = a, *y = b;
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sort p's terms best first and keep `keep` of them. */
static int keep_best(it_ctx *x, sp_pfx *p, size_t keep)
{
    if (p->n == 0) return 0;
    rank_ent *r = sp_malloc(x->a, p->n * sizeof *r);
    cand *c = sp_malloc(x->a, p->n * sizeof *c);
    if (!r || !c) {
        sp_free(x->a, r);
        sp_free(x->a, c);
        return SPASM_ENOMEM;
    }
    for (size_t i = 0; i < p->n; i++) {
        r[i].df = p->c[i].df;
        r[i].s = (const char *)p->pool.p + p->c[i].off;
        r[i].len = p->c[i].len;
        r[i].i = (uint32_t)i;
    }
    qsort(r, p->n, sizeof *r, cmp_rank);
    if (keep > p->n) keep = p->n;
    for (size_t i = 0; i < keep; i++) c[i] = p->c[r[i].i];
    sp_free(x->a, r);
    sp_free(x->a, p->c);
    p->c = c;
    p->n = keep;
    p->cap = p->n;
    sp_free(x->a, p->hash);
    p->hash = NULL;
    p->hcap = 0;
    return 0;
}

static int cmp_terms(const void *a, const void *b)
{
    size_t x = (*(const sp_pfx *const *)a)->terms, y = (*(const sp_pfx *const *)b)->terms;
    return (x > y) - (x < y);
}

/* Each prefix's share of the budget: water-filling over their term
 * counts, every occurrence of a prefix taking its share again. */
static int shares(it_ctx *x, struct sp_expansion *e, size_t budget, size_t *share)
{
    sp_pfx **ord = sp_malloc(x->a, (e->n + 1) * sizeof *ord);
    if (!ord) return SPASM_ENOMEM;
    size_t occ = 0;
    for (size_t i = 0; i < e->n; i++) {
        ord[i] = &e->v[i];
        occ += e->v[i].occ;
    }
    qsort(ord, e->n, sizeof *ord, cmp_terms);
    size_t left = budget;
    for (size_t i = 0; i < e->n; i++) {
        size_t fair = left / occ;
        if (fair < 1) fair = 1;
        if (fair > SP_PREFIX_MAX) fair = SP_PREFIX_MAX;
        size_t want = ord[i]->terms < fair ? ord[i]->terms : fair;
        share[ord[i] - e->v] = want;
        left = left > want * ord[i]->occ ? left - want * ord[i]->occ : 0;
        occ -= ord[i]->occ;
    }
    sp_free(x->a, ord);
    return 0;
}

/* Append "9,812" to b. */
static void put_count(sp_buf *b, size_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%zu", v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) sp_buf_putc(b, ',');
        sp_buf_putc(b, d[i]);
    }
}

/* Write the notes for the prefixes that were cut. */
static void write_notes(it_ctx *x, const struct sp_expansion *e)
{
    size_t ncut = 0, shown = 0;
    for (size_t i = 0; i < e->n; i++) ncut += e->v[i].n < e->v[i].terms || e->v[i].scan_cut;
    if (!ncut) return;
    x->flags |= SPASM_RESULT_EXPANSION_CUT;
    sp_buf *b = &x->notes;
    for (size_t i = 0; i < e->n; i++) {
        const sp_pfx *p = &e->v[i];
        if (!(p->n < p->terms || p->scan_cut)) continue;
        if (shown == 3) {
            put_count(b, ncut - shown);
            sp_buf_printf(b, " more prefixes were cut to fit the query's budget of ");
            put_count(b, x->prefix_budget);
            sp_buf_printf(b, " terms\n");
            break;
        }
        sp_buf_printf(b, "prefix '%.*s*' expanded to ", (int)p->len, p->text);
        put_count(b, p->n);
        sp_buf_printf(b, " of %s", p->scan_cut ? "at least " : "");
        put_count(b, p->terms);
        sp_buf_printf(b, " terms (the most frequent)");
        if (p->scan_cut) {
            sp_buf_printf(b, "; only its first ");
            put_count(b, p->words);
            sp_buf_printf(b, " words were read");
        }
        sp_buf_putc(b, '\n');
        shown++;
    }
}

int sp_expand(it_ctx *x, const qnode *q)
{
    struct sp_expansion *e = sp_calloc(x->a, sizeof *e);
    if (!e) return SPASM_ENOMEM;
    x->exp = e;
    size_t cap = 0, leaves = 0;
    int rc = collect(x, q, e, &cap, &leaves);
    if (rc || e->n == 0) return rc;
    size_t total = SP_PREFIX_SCAN_TOTAL;
    for (size_t i = 0; i < e->n; i++) {
        sp_pfx *p = &e->v[i];
        if (sp_canceled(x)) return x->rc;
        /* every prefix may read SP_PREFIX_MAX words, the query SP_PREFIX_SCAN_TOTAL
         * beyond that */
        size_t max = SP_MIN((size_t)SP_PREFIX_SCAN, SP_MAX(total, (size_t)SP_PREFIX_MAX));
        scan u = {x, p, max, 0};
        /* the words of every segment (or their stems without WORD) */
        long r = sp_col_prefix(x->col, p->text, p->len, max + 1, word_cb, &u, x->err);
        if (r < 0) return (int)-r;
        if (u.rc) return u.rc;
        total -= p->words < total ? p->words : total;
        p->terms = p->n;
    }
    size_t *share = sp_calloc(x->a, e->n * sizeof *share);
    if (!share) return SPASM_ENOMEM;
    /* the prefixes share what the query's plain words leave of
     * SP_QUERY_MAX_TERMS, at most SP_PREFIX_BUDGET */
    size_t plain = leaves - x->nprefix_occ;
    size_t budget = SP_QUERY_MAX_TERMS > plain ? SP_QUERY_MAX_TERMS - plain : 0;
    if (budget > SP_PREFIX_BUDGET) budget = SP_PREFIX_BUDGET;
    x->prefix_budget = budget;
    rc = shares(x, e, budget, share);
    for (size_t i = 0; i < e->n && !rc; i++) rc = keep_best(x, &e->v[i], share[i]);
    sp_free(x->a, share);
    if (!rc) write_notes(x, e);
    return x->notes.err ? SPASM_ENOMEM : rc;
}

int sp_expansion_each(const it_ctx *x, const char *prefix, size_t len, sp_stem_fn fn, void *ud)
{
    const struct sp_expansion *e = x->exp;
    if (!e) return 0;
    for (size_t i = 0; i < e->n; i++) {
        const sp_pfx *p = &e->v[i];
        if (p->len != len || memcmp(p->text, prefix, len) != 0) continue;
        for (size_t j = 0; j < p->n; j++) {
            int rc = fn(ud, (const char *)p->pool.p + p->c[j].off, p->c[j].len);
            if (rc) return rc;
        }
        return 0;
    }
    return 0;
}

void sp_expansion_free(it_ctx *x)
{
    struct sp_expansion *e = x->exp;
    if (e) {
        for (size_t i = 0; i < e->n; i++) {
            sp_buf_free(&e->v[i].pool);
            sp_free(x->a, e->v[i].c);
            sp_free(x->a, e->v[i].hash);
        }
        sp_free(x->a, e->v);
        sp_free(x->a, e);
    }
    x->exp = NULL;
    sp_buf_free(&x->notes);
    sp_gdf_free(x);
}
