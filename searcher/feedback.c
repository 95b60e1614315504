/*
 * feedback.c -- pseudo-relevance feedback, RM3 (Lavrenko & Croft 2001;
 * Abdul-Jaleel et al. 2004), as Anserini applies it over BM25: the query
 * is run once, its top D passages are taken as relevant, and the relevance
 * model P(w|R) = sum_d P(w|d) P(d|q) over them (P(w|d) = tf / length of
 * the passage text, stop words left out; P(d|q) the first-pass score
 * normalised over the D) gives its T most likely words; the query
 * becomes lambda * q + (1 - lambda) * P(.|R), both normalised to sum 1
 * (q: each typed word 1 / |q|).  Scaled so that a typed word keeps weight
 * 1, a word w of the model weighs (1 - lambda) / lambda * |q| * P(w|R)
 * (added to a typed word's 1), as a boost on its BM25 score (iter.c).
 *
 * Only a bag of words is expanded (a query of optional words and
 * phrases); a query with operators (+, -, AND, NEAR, fields) is left as
 * typed.
 */
#include <stdlib.h>
#include <string.h>

#include "feedback.h"

/* A word of the feedback model. */
typedef struct {
    char *stem;
    size_t len;
    double w;
} fb_word;

typedef struct {
    fb_word *v;
    size_t n, cap;
    uint32_t *slot; /* open addressing over v: index + 1, 0 empty; 2 * cap slots */
    const sp_alloc *a;
} fb_model;

/* The entry of stem s[0, len) in m, made with weight 0 if new; NULL when
 * out of memory. */
static fb_word *fb_get(fb_model *m, const char *s, size_t len)
{
    uint32_t h = sp_term_hash(s, len);
    if (m->cap) {
        size_t mask = 2 * m->cap - 1;
        for (size_t j = h & mask; m->slot[j]; j = (j + 1) & mask) {
            fb_word *e = &m->v[m->slot[j] - 1];
            if (e->len == len && memcmp(e->stem, s, len) == 0) return e;
        }
    }
    if (m->n == m->cap) { /* grow: twice the entries, rehash */
        size_t cap = m->cap ? m->cap * 2 : 256;
        fb_word *v = sp_realloc(m->a, m->v, cap * sizeof *v);
        if (!v) return NULL;
        m->v = v;
        uint32_t *sl = sp_calloc(m->a, 2 * cap * sizeof *sl);
        if (!sl) return NULL;
        sp_free(m->a, m->slot);
        m->slot = sl;
        m->cap = cap;
        for (size_t i = 0; i < m->n; i++) {
            size_t j = sp_term_hash(v[i].stem, v[i].len) & (2 * cap - 1);
            while (sl[j]) j = (j + 1) & (2 * cap - 1);
            sl[j] = (uint32_t)i + 1;
        }
    }
    char *c = sp_strndup(m->a, s, len);
    if (!c) return NULL;
    size_t mask = 2 * m->cap - 1, j = h & mask;
    while (m->slot[j]) j = (j + 1) & mask;
    m->slot[j] = (uint32_t)m->n + 1;
    m->v[m->n] = (fb_word){c, len, 0};
    return &m->v[m->n++];
}

static int cmp_weight(const void *a, const void *b)
{
    const fb_word *x = a, *y = b;
    if (x->w != y->w) return x->w < y->w ? 1 : -1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return memcmp(x->stem, y->stem, x->len);
}

/* 1 when node n can be expanded: optional words and phrases. */
static int bag_of_words(const qnode *n)
{
    if (n->type == Q_TERM) return n->field == F_ANY;
    if (n->type == Q_PHRASE) return 1;
    if (n->type != Q_OR) return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->type != Q_TERM && n->kids[i]->type != Q_PHRASE)
            return 0;
        else if (n->kids[i]->type == Q_TERM && n->kids[i]->field != F_ANY)
            return 0;
    return 1;
}

/* The typed word of root with stem s[0, len), or NULL. */
static qnode *typed_term(qnode *root, const char *s, size_t len)
{
    qnode **k = root->type == Q_OR ? root->kids : &root;
    size_t n = root->type == Q_OR ? root->nkids : 1;
    for (size_t i = 0; i < n; i++)
        if (k[i]->type == Q_TERM && k[i]->len == len && memcmp(k[i]->text, s, len) == 0)
            return k[i];
    return NULL;
}

/* A new optional word (stem s[0, len)) of weight w. */
static qnode *new_word(const sp_alloc *a, const char *s, size_t len, double w)
{
    qnode *n = sp_calloc(a, sizeof *n);
    if (!n) return NULL;
    n->type = Q_TERM;
    n->text = sp_strndup(a, s, len);
    n->word = sp_strndup(a, s, len);
    n->len = n->wlen = len;
    n->boost = w;
    if (!n->text || !n->word) {
        sp_query_free(a, n);
        return NULL;
    }
    return n;
}

/* Add P(w|d) * wd of passage text[0, len) to the model. */
static int add_passage(spasm_searcher *s, fb_model *m, const uint8_t *text, size_t len, double wd)
{
    if (sp_analyze(s->an, (const char *)text, len)) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *t = sp_analyzer_tokens(s->an, &nt);
    const char *pool = sp_analyzer_pool(s->an);
    if (nt == 0) return 0;
    double unit = wd / (double)nt;
    for (size_t i = 0; i < nt; i++) {
        const char *word = pool + t[i].word_off, *stem = pool + t[i].term_off;
        if (t[i].term_len < 2 || sp_is_stopword(word, t[i].word_len)) continue;
        int digits = 1;
        for (size_t j = 0; j < t[i].term_len && digits; j++)
            digits = stem[j] >= '0' && stem[j] <= '9';
        if (digits) continue;
        fb_word *e = fb_get(m, stem, t[i].term_len);
        if (!e) return SPASM_ENOMEM;
        e->w += unit;
    }
    return 0;
}

int sp_feedback_expand(spasm_searcher *s, const spasm_search_options *o, it_ctx *x,
                       const sp_cand *h, size_t n, qnode **qt)
{
    qnode *root = *qt;
    if (!root || n == 0 || !bag_of_words(root)) return 0;
    size_t nterms = o->feedback_terms;
    double lambda = o->feedback_weight > 0 ? o->feedback_weight : SPASM_FEEDBACK_WEIGHT_DEFAULT;
    size_t nq = 0;
    for (size_t i = 0; i < (root->type == Q_OR ? root->nkids : 1); i++)
        nq += (root->type == Q_OR ? root->kids[i] : root)->type == Q_TERM;
    if (nq == 0) return 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += h[i].score;
    if (!(sum > 0)) return 0;
    fb_model m = {NULL, 0, 0, NULL, s->a};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const sp_part *p = sp_col_part_of_passage(x->col, h[i].passage);
        const uint8_t *text;
        size_t len;
        rc = sp_store_get(p->seg, &p->seg->text, &p->seg->txix, h[i].passage - p->pbase,
                          &s->textcache, &text, &len, s->errmsg);
        if (!rc) rc = add_passage(s, &m, text, len, h[i].score / sum);
    }
    if (!rc && m.n) {
        qsort(m.v, m.n, sizeof *m.v, cmp_weight);
        size_t keep = m.n < nterms ? m.n : nterms;
        double z = 0;
        for (size_t i = 0; i < keep; i++) z += m.v[i].w;
        double scale = (1 - lambda) / lambda * (double)nq / z;
        if (root->type != Q_OR) { /* one word: an OR of it and the model's */
            qnode * or = sp_calloc(s->a, sizeof * or);
            if (! or)
                rc = SPASM_ENOMEM;
            else {
                or->type = Q_OR;
                or->kids = sp_malloc(s->a, sizeof * or->kids);
                if (! or->kids) {
                    sp_free(s->a, or);
                    rc = SPASM_ENOMEM;
                } else {
                    or->kids[0] = root;
                    or->nkids = 1;
                    *qt = root = or ;
                }
            }
        }
        if (!rc) {
            qnode **kids = sp_realloc(s->a, root->kids, (root->nkids + keep) * sizeof *kids);
            if (!kids)
                rc = SPASM_ENOMEM;
            else
                root->kids = kids;
        }
        for (size_t i = 0; i < keep && !rc; i++) {
            double w = scale * m.v[i].w;
            qnode *t = typed_term(root, m.v[i].stem, m.v[i].len);
            if (t) {
                t->boost = (t->boost > 0 ? t->boost : 1) + w;
                continue;
            }
            qnode *k = new_word(s->a, m.v[i].stem, m.v[i].len, w);
            if (!k)
                rc = SPASM_ENOMEM;
            else
                root->kids[root->nkids++] = k;
        }
    }
    for (size_t i = 0; i < m.n; i++) sp_free(s->a, m.v[i].stem);
    sp_free(s->a, m.v);
    sp_free(s->a, m.slot);
    return rc;
}
