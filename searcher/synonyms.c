/*
 * synonyms.c -- user synonyms in the Solr / Elasticsearch format, applied
 * to the query tree (README, "Synonyms and word families").
 *
 *   doctor, physician            equivalence: each stands for the others
 *   period pain, menstrual cramps  multi-word entries match as phrases
 *   wry neck => torticollis      explicit mapping: the left side is
 *                                replaced by the right (keep it by listing
 *                                it on the right too: a => a, b)
 *   # a comment                  (also after a blank, to the line's end)
 *
 * Every entry goes through the one analyser, so entries match stems
 * ("physicians" in a query finds the "physician" line).  The table is a
 * sorted array of (key, alternative) pairs, a key being its stems joined
 * by single spaces; a key is kept twice when its stop words make a
 * difference: as a phrase (for "quoted" phrases) and without its stop
 * words (for the words of a bag-of-words query, whose stop words the
 * parser drops).
 *
 * Weights: an alternative from an equivalence line weighs
 * synonym_weight (0.5 by default) times its BM25 weight, the word typed
 * keeping its full weight, so that a passage with the very word asked for
 * ranks first and one with only a synonym still matches; an alternative
 * from a `=>` line weighs fully (the user said the words mean that).
 * An alternative of weight w < 1 weighs at most w times the original
 * (its idf capped at the original's): a rare variant ("informatics" for
 * "information") must not outweigh the word typed.  Measured on the six
 * collections, the cap lifts a WordNet table from .4652 to .4827 and
 * costs families .001 (README).
 * Each alternative is its own term of the disjunction (not a Lucene
 * SynonymQuery blend of dfs), which keeps MaxScore exact and needs no new
 * scorer.  A query gains at most SP_SYN_BUDGET terms (64; a phrase counts
 * its words), fewer when it nears SP_QUERY_MAX_TERMS; what did not fit is
 * said in the notes.
 */
#include "synonyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define KIND_PHRASE 1 /* the key with its stop words: a quoted phrase */
#define KIND_BAG 2    /* the key without them: words of a bag of words */

typedef struct syn_pair {
    size_t koff, aoff; /* into the pool; aoff SIZE_MAX: drop the original */
    const char *key, *alt;
    unsigned kind;
    int full; /* from a `=>` line: full weight */
} syn_pair;

struct spasm_synonyms {
    sp_alloc a;
    sp_buf pool; /* joined stems, NUL-terminated */
    syn_pair *p;
    size_t n, cap;
    size_t lines;      /* lines that gave rules */
    unsigned maxwords; /* words of the longest bag key */
    char *text;        /* the source, as given */
    size_t text_len;
    char errmsg[SP_ERRMSG_MAX];
};

/* One analysed entry: its keys in the pool. */
typedef struct entry {
    size_t phrase, bag; /* bag SIZE_MAX: only stop words */
    unsigned nbag;
} entry;

/* ---- parsing ---- */

static int add_pair(spasm_synonyms *t, size_t k, size_t alt, unsigned kind, int full)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        syn_pair *v = sp_realloc(&t->a, t->p, nc * sizeof *v);
        if (!v) return SPASM_ENOMEM;
        t->p = v;
        t->cap = nc;
    }
    t->p[t->n++] = (syn_pair){k, alt, NULL, NULL, kind, full};
    return 0;
}

/* Pairs from entry l to entry r (r NULL: drop l's original). */
static int add_rule(spasm_synonyms *t, const entry *l, const entry *r, int full)
{
    size_t alt = r ? r->phrase : SIZE_MAX;
    const char *pl = (const char *)t->pool.p + l->phrase;
    int same = l->bag != SIZE_MAX && strcmp(pl, (const char *)t->pool.p + l->bag) == 0;
    int rc = add_pair(t, l->phrase, alt, KIND_PHRASE | (same ? KIND_BAG : 0), full);
    if (!rc && !same && l->bag != SIZE_MAX) rc = add_pair(t, l->bag, alt, KIND_BAG, full);
    if (!same && l->bag != SIZE_MAX && l->nbag > t->maxwords) t->maxwords = l->nbag;
    if (same && l->nbag > t->maxwords) t->maxwords = l->nbag;
    return rc;
}

/* Analyse entry s[0, len) into e.  0, or an error naming name:line. */
static int analyse(spasm_synonyms *t, sp_analyzer *an, const char *name, size_t line, const char *s,
                   size_t len, entry *e)
{
    if (sp_analyze(an, s, len)) return sp_seterr(t->errmsg, SPASM_ENOMEM, "out of memory");
    size_t n;
    const sp_token *tok = sp_analyzer_tokens(an, &n);
    const char *pool = sp_analyzer_pool(an);
    if (n == 0)
        return sp_seterr(t->errmsg, SPASM_EQUERY, "%s:%zu: entry \"%.*s\" has no word", name, line,
                         (int)SP_MIN(len, (size_t)60), s);
    if (n > SP_SYN_MAX_WORDS)
        return sp_seterr(t->errmsg, SPASM_EQUERY,
                         "%s:%zu: entry \"%.*s\" has %zu words, more than %d", name, line,
                         (int)SP_MIN(len, (size_t)60), s, n, SP_SYN_MAX_WORDS);
    e->phrase = t->pool.n;
    for (size_t i = 0; i < n; i++) {
        if (i) sp_buf_putc(&t->pool, ' ');
        sp_buf_append(&t->pool, pool + tok[i].term_off, tok[i].term_len);
    }
    sp_buf_putc(&t->pool, 0);
    e->bag = t->pool.n;
    e->nbag = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp_is_stopword(pool + tok[i].word_off, tok[i].word_len)) continue;
        if (e->nbag++) sp_buf_putc(&t->pool, ' ');
        sp_buf_append(&t->pool, pool + tok[i].term_off, tok[i].term_len);
    }
    sp_buf_putc(&t->pool, 0);
    if (!e->nbag) e->bag = SIZE_MAX;
    return t->pool.err ? sp_seterr(t->errmsg, SPASM_ENOMEM, "out of memory") : 0;
}

/* Split side s[0, len) at commas into entries (appended to *v). */
static int side(spasm_synonyms *t, sp_analyzer *an, const char *name, size_t line, const char *s,
                size_t len, entry **v, size_t *n, size_t *cap, const char *what)
{
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < len && s[j] != ',') j++;
        size_t a = i, b = j;
        while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) b--;
        if (a == b)
            return sp_seterr(t->errmsg, SPASM_EQUERY, "%s:%zu: an empty entry %s", name, line,
                             what);
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 8;
            entry *u = sp_realloc(&t->a, *v, nc * sizeof *u);
            if (!u) return sp_seterr(t->errmsg, SPASM_ENOMEM, "out of memory");
            *v = u;
            *cap = nc;
        }
        int rc = analyse(t, an, name, line, s + a, b - a, &(*v)[(*n)++]);
        if (rc) return rc;
        if (j >= len) return 0;
        i = j + 1;
    }
}

/* Parse one line s[0, len) (comment cut off, not blank). */
static int parse_line(spasm_synonyms *t, sp_analyzer *an, const char *name, size_t line,
                      const char *s, size_t len, entry **v, size_t *cap)
{
    const char *arrow = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '=' && s[i + 1] == '>') {
            if (arrow)
                return sp_seterr(t->errmsg, SPASM_EQUERY, "%s:%zu: more than one \"=>\"", name,
                                 line);
            arrow = s + i;
            i++;
        }
    size_t n = 0, nl;
    int rc;
    if (!arrow) {
        rc = side(t, an, name, line, s, len, v, &n, cap, "between commas");
        if (rc) return rc;
        if (n < 2)
            return sp_seterr(t->errmsg, SPASM_EQUERY,
                             "%s:%zu: one entry and no \"=>\": nothing to map it to", name, line);
        for (size_t i = 0; i < n && !rc; i++)
            for (size_t j = 0; j < n && !rc; j++)
                if (i != j) rc = add_rule(t, &(*v)[i], &(*v)[j], 0);
        return rc ? sp_seterr(t->errmsg, rc, "out of memory") : 0;
    }
    rc = side(t, an, name, line, s, (size_t)(arrow - s), v, &n, cap, "left of \"=>\"");
    if (rc) return rc;
    nl = n;
    rc = side(t, an, name, line, arrow + 2, len - (size_t)(arrow + 2 - s), v, &n, cap,
              "right of \"=>\"");
    if (rc) return rc;
    const char *pool = (const char *)t->pool.p;
    for (size_t i = 0; i < nl && !rc; i++) {
        int self = 0;
        for (size_t j = nl; j < n && !rc; j++) {
            if (strcmp(pool + (*v)[i].phrase, pool + (*v)[j].phrase) == 0)
                self = 1;
            else
                rc = add_rule(t, &(*v)[i], &(*v)[j], 1);
        }
        if (!self && !rc) rc = add_rule(t, &(*v)[i], NULL, 1);
    }
    return rc ? sp_seterr(t->errmsg, rc, "out of memory") : 0;
}

static int cmp_pair(const void *a, const void *b)
{
    const syn_pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (!x->alt || !y->alt) return (x->alt != NULL) - (y->alt != NULL);
    c = strcmp(x->alt, y->alt);
    if (c) return c;
    return y->full - x->full; /* a full-weight pair first */
}

int sp_syn_parse(spasm_synonyms *t, const char *name, const char *text, size_t len)
{
    sp_analyzer *an = sp_analyzer_new(&t->a, 256);
    t->text = sp_malloc(&t->a, len + 1);
    if (!an || !t->text) {
        sp_analyzer_free(an);
        return sp_seterr(t->errmsg, SPASM_ENOMEM, "out of memory");
    }
    memcpy(t->text, text, len);
    t->text[len] = 0;
    t->text_len = len;
    entry *v = NULL;
    size_t cap = 0, line = 0, i = 0;
    int rc = 0;
    while (i < len && !rc) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        line++;
        size_t c = i; /* a comment: '#' first or after a blank */
        while (c < e && !(text[c] == '#' && (c == i || text[c - 1] == ' ' || text[c - 1] == '\t')))
            c++;
        size_t a = i;
        while (a < c && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
        if (a < c) {
            if (memchr(text + a, 0, c - a))
                rc = sp_seterr(t->errmsg, SPASM_EQUERY, "%s:%zu: a NUL byte", name, line);
            else
                rc = parse_line(t, an, name, line, text + a, c - a, &v, &cap);
            t->lines++;
        }
        i = e + 1;
    }
    sp_free(&t->a, v);
    sp_analyzer_free(an);
    if (rc) return rc;
    const char *pool = (const char *)t->pool.p;
    for (size_t k = 0; k < t->n; k++) {
        t->p[k].key = pool + t->p[k].koff;
        t->p[k].alt = t->p[k].aoff == SIZE_MAX ? NULL : pool + t->p[k].aoff;
    }
    if (t->n) qsort(t->p, t->n, sizeof *t->p, cmp_pair);
    return 0;
}

const char *sp_syn_text(const spasm_synonyms *t, size_t *len)
{
    *len = t ? t->text_len : 0;
    return t ? t->text : "";
}

/* ---- the public handle ---- */

static spasm_synonyms *syn_new(void)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    spasm_synonyms *t = sp_calloc(&a, sizeof *t);
    if (!t) return NULL;
    t->a = a;
    sp_buf_init(&t->pool, &t->a);
    return t;
}

int spasm_synonyms_parse(spasm_synonyms **out, const char *name, const char *text, size_t len)
{
    if (!out) return SPASM_EINVAL;
    spasm_synonyms *t = *out = syn_new();
    if (!t) return SPASM_ENOMEM;
    if (!text) return sp_seterr(t->errmsg, SPASM_EINVAL, "no synonym text");
    return sp_syn_parse(t, name ? name : "synonyms", text, len);
}

int spasm_synonyms_load(spasm_synonyms **out, const char *path)
{
    if (!out) return SPASM_EINVAL;
    spasm_synonyms *t = *out = syn_new();
    if (!t) return SPASM_ENOMEM;
    if (!path) return sp_seterr(t->errmsg, SPASM_EINVAL, "no synonym file");
    FILE *f = fopen(path, "rb");
    if (!f) return sp_seterr(t->errmsg, SPASM_EIO, "%s: %s", path, strerror(errno));
    sp_buf b;
    sp_buf_init(&b, &t->a);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sp_buf_append(&b, chunk, got);
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    int rc;
    if (bad)
        rc = sp_seterr(t->errmsg, SPASM_EIO, "%s: %s", path, strerror(e));
    else if (b.err)
        rc = sp_seterr(t->errmsg, SPASM_ENOMEM, "out of memory");
    else
        rc = sp_syn_parse(t, path, b.p ? (const char *)b.p : "", b.n);
    sp_buf_free(&b);
    return rc;
}

const char *spasm_synonyms_errmsg(const spasm_synonyms *t)
{
    return t ? t->errmsg : "out of memory";
}

size_t spasm_synonyms_count(const spasm_synonyms *t)
{
    return t ? t->lines : 0;
}

void spasm_synonyms_free(spasm_synonyms *t)
{
    if (!t) return;
    sp_buf_free(&t->pool);
    sp_free(&t->a, t->p);
    sp_free(&t->a, t->text);
    sp_free(&t->a, t);
}

/* ---- applying them to a query ---- */

typedef struct syn_run {
    const spasm_synonyms *t; /* NULL: no synonyms */
    it_ctx *x;
    double w;      /* weight of an equivalence's alternatives */
    double fw;     /* of a family member; 0: no families */
    size_t budget; /* terms that may still be added */
    double cap;    /* idf of the original being expanded (0: none) */
    int cut;
    int rc;
} syn_run;

/* The pairs [*lo, *hi) of key k[0, len) of a kind; 0 when none. */
static int find(const spasm_synonyms *t, const char *k, size_t len, unsigned kind, size_t *lo,
                size_t *hi)
{
    if (!t || !t->n) return 0;
    size_t a = 0, b = t->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        int c = strncmp(t->p[m].key, k, len);
        if (c == 0 && t->p[m].key[len]) c = 1;
        if (c < 0)
            a = m + 1;
        else
            b = m;
    }
    size_t e = a;
    while (e < t->n && strncmp(t->p[e].key, k, len) == 0 && t->p[e].key[len] == 0) e++;
    size_t f = a;
    while (f < e && !(t->p[f].kind & kind)) f++;
    *lo = f;
    *hi = e;
    return f < e;
}

/* The stems of terms v[0, n) joined by spaces into b (NUL-terminated);
 * 0 when they do not fit. */
static size_t join(qnode *const *v, size_t n, char *b, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->type != Q_TERM || o + v[i]->len + 2 > cap) return 0;
        if (i) b[o++] = ' ';
        memcpy(b + o, v[i]->text, v[i]->len);
        o += v[i]->len;
    }
    b[o] = 0;
    return o;
}

static qnode *new_term(syn_run *r, const char *s, size_t len, size_t at)
{
    qnode *n = sp_calloc(r->x->a, sizeof *n);
    if (!n) return NULL;
    n->type = Q_TERM;
    n->at = at;
    n->text = sp_strndup(r->x->a, s, len);
    n->word = sp_strndup(r->x->a, s, len);
    n->len = n->wlen = len;
    if (!n->text || !n->word) {
        sp_query_free(r->x->a, n);
        return NULL;
    }
    return n;
}

static int push_kid(syn_run *r, qnode *n, qnode *k)
{
    qnode **v = sp_realloc(r->x->a, n->kids, (n->nkids + 1) * sizeof *v);
    if (!v) {
        sp_query_free(r->x->a, k);
        return r->rc = SPASM_ENOMEM;
    }
    n->kids = v;
    n->kids[n->nkids++] = k;
    return 0;
}

/* The summed idf of the stems of s (joined by spaces) over the
 * collection; -1 on error (r->rc). */
static double seq_idf(syn_run *r, const char *s)
{
    double idf = 0;
    while (*s) {
        const char *e = strchr(s, ' ');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        uint64_t df;
        if (l == 0) { /* no term is empty (the analyser sees to it) */
            s++;
            continue;
        }
        int rc = sp_gdf_get(r->x, s, l, &df);
        if (rc) {
            r->rc = rc;
            return -1;
        }
        idf += sp_idf(r->x->col->live_pass, df);
        s += l + (e != NULL);
    }
    return idf;
}

/* The node of alternative alt (a term, or a phrase of its words), of
 * weight w; NULL when the budget is spent (r->cut) or memory ran out.
 * An alternative of weight below 1 weighs at most w times the original
 * (r->cap): a rare variant does not outweigh the word typed. */
static qnode *make_alt(syn_run *r, const char *alt, size_t at, double w)
{
    if (w < 1 && r->cap > 0) {
        double a = seq_idf(r, alt);
        if (a < 0) return NULL;
        if (a > r->cap) w *= r->cap / a;
    }
    size_t words = 1;
    for (const char *c = alt; *c; c++) words += *c == ' ';
    if (words > r->budget) {
        r->cut = 1;
        return NULL;
    }
    qnode *n;
    if (words == 1) {
        n = new_term(r, alt, strlen(alt), at);
    } else {
        n = sp_calloc(r->x->a, sizeof *n);
        if (n) n->type = Q_PHRASE;
        for (const char *c = alt; n && *c;) {
            const char *e = strchr(c, ' ');
            size_t l = e ? (size_t)(e - c) : strlen(c);
            qnode *k = new_term(r, c, l, at);
            if (!k || push_kid(r, n, k)) {
                sp_query_free(r->x->a, n);
                n = NULL;
                break;
            }
            c += l + (e != NULL);
        }
    }
    if (!n) {
        r->rc = SPASM_ENOMEM;
        return NULL;
    }
    n->boost = w;
    r->budget -= words;
    return n;
}

/* 1 if the OR node o already has alternative alt among its kids. */
static int has_alt(qnode *o, const char *alt)
{
    char b[1024];
    for (size_t i = 0; i < o->nkids; i++) {
        qnode *k = o->kids[i];
        if (k->type == Q_TERM && strcmp(k->text, alt) == 0) return 1;
        if (k->type == Q_PHRASE && join(k->kids, k->nkids, b, sizeof b) && strcmp(b, alt) == 0)
            return 1;
    }
    return 0;
}

typedef struct fam_ud {
    syn_run *r;
    qnode *o;
    size_t at;
    int added;
} fam_ud;

static int fam_add(void *ud, const char *stem, size_t len)
{
    fam_ud *u = ud;
    char b[SPASM_TERM_BYTES];
    if (len >= sizeof b) return 0;
    memcpy(b, stem, len);
    b[len] = 0;
    if (has_alt(u->o, b)) return 0;
    qnode *k = make_alt(u->r, b, u->at, u->r->fw);
    if (!k) return u->r->rc ? u->r->rc : -1; /* budget spent: stop */
    if (push_kid(u->r, u->o, k)) return u->r->rc;
    u->added++;
    return 0;
}

/* Add to OR node o the alternatives of pairs [lo, hi) of a key that
 * stood at byte `at`, and the word families of term `term` (NULL: none).
 * *drop: the key's original is to go (some `=>` replaced it and an
 * alternative was added). */
static int add_alts(syn_run *r, qnode *o, size_t lo, size_t hi, size_t at, const qnode *term,
                    const char *orig, int *drop)
{
    const spasm_synonyms *t = r->t;
    r->cap = seq_idf(r, orig);
    if (r->rc) return r->rc;
    int want_drop = 0, added = 0;
    for (size_t i = lo; i < hi; i++) {
        const syn_pair *p = &t->p[i];
        if (!p->alt) {
            want_drop = 1;
            continue;
        }
        if (has_alt(o, p->alt)) continue;
        qnode *k = make_alt(r, p->alt, at, p->full ? 1.0 : r->w);
        if (!k) {
            if (r->rc) return r->rc;
            continue;
        }
        if (push_kid(r, o, k)) return r->rc;
        added++;
    }
    if (term && r->fw > 0 && !(want_drop && added)) {
        fam_ud u = {r, o, at, 0};
        int rc = sp_fam_each(r->x, term->word, term->wlen, term->text, term->len, SP_FAM_MAX,
                             fam_add, &u);
        if (r->rc) return r->rc;
        if (rc > 0) return r->rc = rc;
    }
    *drop = want_drop && added;
    return 0;
}

static int apply(syn_run *r, qnode **slot);

/* A bag of words: runs of adjacent terms matching a key gain their
 * alternatives as kids of the same OR. */
static int apply_or(syn_run *r, qnode *n)
{
    size_t nk = n->nkids, i = 0;
    char *drop = sp_calloc(r->x->a, nk + 1);
    if (!drop) return r->rc = SPASM_ENOMEM;
    char key[1024];
    while (i < nk && !r->rc) {
        if (n->kids[i]->type != Q_TERM) {
            apply(r, &n->kids[i]);
            i++;
            continue;
        }
        size_t run = 0;
        while (i + run < nk && n->kids[i + run]->type == Q_TERM) run++;
        size_t max = r->t ? SP_MIN(run, (size_t)r->t->maxwords) : 0, m = 0, lo = 0, hi = 0;
        for (size_t l = max; l >= 1 && !m; l--) {
            size_t kl = join(n->kids + i, l, key, sizeof key);
            if (kl && find(r->t, key, kl, KIND_BAG, &lo, &hi)) m = l;
        }
        int d = 0;
        if (m || r->fw > 0)
            add_alts(r, n, lo, hi, n->kids[i]->at, m <= 1 ? n->kids[i] : NULL,
                     m ? key : n->kids[i]->text, &d);
        if (d) memset(drop + i, 1, m);
        i += m ? m : 1;
    }
    size_t k = 0;
    for (size_t j = 0; j < n->nkids; j++) {
        if (j < nk && drop[j])
            sp_query_free(r->x->a, n->kids[j]);
        else
            n->kids[k++] = n->kids[j];
    }
    n->nkids = k;
    sp_free(r->x->a, drop);
    return r->rc;
}

/* A term or phrase standing alone: it becomes an OR of itself and its
 * alternatives. */
static int wrap(syn_run *r, qnode **slot, size_t lo, size_t hi, const qnode *term, const char *orig)
{
    qnode *n = *slot;
    qnode *o = sp_calloc(r->x->a, sizeof *o);
    if (!o) return r->rc = SPASM_ENOMEM;
    o->type = Q_OR;
    o->kids = sp_malloc(r->x->a, sizeof *o->kids);
    if (!o->kids) {
        sp_free(r->x->a, o);
        return r->rc = SPASM_ENOMEM;
    }
    o->kids[0] = n;
    o->nkids = 1;
    size_t at = n->type == Q_TERM ? n->at : n->nkids ? n->kids[0]->at : 0;
    int d = 0;
    add_alts(r, o, lo, hi, at, term, orig, &d);
    if (r->rc || o->nkids == 1) {
        o->nkids = 0;
        sp_query_free(r->x->a, o);
        return r->rc;
    }
    if (d) { /* replaced: the original goes */
        sp_query_free(r->x->a, n);
        o->kids[0] = o->kids[--o->nkids];
    }
    *slot = o;
    return 0;
}

static int apply(syn_run *r, qnode **slot)
{
    qnode *n = *slot;
    size_t lo = 0, hi = 0;
    char key[1024];
    switch (n->type) {
    case Q_OR:
        return apply_or(r, n);
    case Q_TERM:
        if (find(r->t, n->text, n->len, KIND_PHRASE | KIND_BAG, &lo, &hi) || r->fw > 0)
            return wrap(r, slot, lo, hi, n, n->text);
        return 0;
    case Q_PHRASE: {
        size_t kl = join(n->kids, n->nkids, key, sizeof key);
        if (kl && find(r->t, key, kl, KIND_PHRASE, &lo, &hi))
            return wrap(r, slot, lo, hi, NULL, key);
        return 0;
    }
    case Q_AND:
    case Q_REQOPT:
        for (size_t i = 0; i < n->nkids && !r->rc; i++) apply(r, &n->kids[i]);
        return r->rc;
    case Q_EXCL: /* the excluded side stays as typed */
        return n->nkids ? apply(r, &n->kids[0]) : 0;
    default: /* NEAR, prefixes */
        return 0;
    }
}

static size_t count_leaves(const qnode *n)
{
    if (n->type == Q_TERM || n->type == Q_PREFIX) return 1;
    size_t c = 0;
    for (size_t i = 0; i < n->nkids; i++) c += count_leaves(n->kids[i]);
    return c;
}

int sp_syn_query(spasm_searcher *s, const spasm_search_options *o, it_ctx *x, qnode **q)
{
    const spasm_synonyms *t = NULL;
    if (!o || !o->no_synonyms) t = o && o->synonyms ? o->synonyms : s->ix->synonyms;
    if (t && t->n == 0) t = NULL;
    int fam = o && o->families;
    if ((!t && !fam) || !*q) return 0;
    size_t leaves = count_leaves(*q);
    syn_run r;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.x = x;
    r.w = o && o->synonym_weight > 0 ? o->synonym_weight : SP_SYN_WEIGHT_DEFAULT;
    r.fw = fam ? (o->family_weight > 0 ? o->family_weight : SP_FAM_WEIGHT_DEFAULT) : 0;
    r.budget = leaves < SP_QUERY_MAX_TERMS ? SP_QUERY_MAX_TERMS - leaves : 0;
    if (r.budget > SP_SYN_BUDGET) r.budget = SP_SYN_BUDGET;
    apply(&r, q);
    if (r.rc) {
        if (!x->err[0]) sp_seterr(x->err, r.rc, "%s", spasm_errstr(r.rc));
        return r.rc;
    }
    if (r.cut)
        sp_buf_printf(&x->notes,
                      "synonyms and word families: some alternatives were left out (at most %zu "
                      "added terms per query)\n",
                      leaves < SP_QUERY_MAX_TERMS - SP_SYN_BUDGET ? (size_t)SP_SYN_BUDGET
                                                                  : SP_QUERY_MAX_TERMS - leaves);
    return x->notes.err ? SPASM_ENOMEM : 0;
}
