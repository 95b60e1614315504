/*
 * suggest.c -- typo tolerance: correcting query words against the words
 * of the index (suggest.h).
 *
 * The walk.  WORD is sorted by bytes, so the words sharing a prefix are
 * consecutive, which makes it a trie read in order.  For the query word q
 * (m characters) and a bound k, row d of the edit-distance table of q
 * against the current word's first d characters depends only on those d
 * characters: the rows of the prefix a word shares with the previous one
 * are kept, and only its remaining characters cost a row each.  A row's
 * minimum never decreases with d (optimal string alignment included), so
 * once it exceeds k no word with that prefix can be within k: the walk
 * jumps to the first word past the prefix (the prefix with its last byte
 * plus one), scanning forward in the block and galloping over the
 * blocks' first words beyond it.  Once a candidate at distance d is
 * found, k drops to d.  Each word reads at most SP_TYPO_VISIT entries.
 */
#include <stdio.h>

#include "suggest.h"

#define MAXC (SP_MAX_WORD + 1) /* characters of a word, at most, plus one */

/* Decode UTF-8 s[0, n) into cp (at most MAXC - 1 characters), with each
 * character's end offset in end; returns the count. */
static size_t decode(const char *s, size_t n, int32_t *cp, uint8_t *end)
{
    size_t c = 0, i = 0;
    while (i < n && c < MAXC - 1) {
        uint8_t b = (uint8_t)s[i];
        size_t l = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (i + l > n) l = 1;
        int32_t v = l == 1 ? b : (b & (0x7F >> l));
        for (size_t j = 1; j < l; j++) v = (v << 6) | ((uint8_t)s[i + j] & 0x3F);
        cp[c] = v;
        i += l;
        end[c++] = (uint8_t)i;
    }
    return c;
}

/* Encode character c as UTF-8 into out; returns its length. */
static size_t encode(int32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The edit distance of a word allowed for a word of n characters. */
static unsigned max_edits(size_t n)
{
    return n >= SP_TYPO_MIN_2 ? 2 : n >= SP_TYPO_MIN_1 ? 1 : 0;
}

/* ---- one segment's WORD section, walked with jumps ---- */

typedef struct walker {
    sp_seg *g;
    uint64_t nblocks, b; /* blocks, the current one */
    sp_wblock d;         /* the current word: d.word, d.len */
    int at_end;
    size_t visited;
    char *err;
} walker;

/* Make block b current with its first word read.  0 or an error. */
static int w_block(walker *w, uint64_t b)
{
    w->b = b;
    int rc = sp_wblock_open(w->g, b, &w->d, w->err);
    if (rc) return rc;
    int r = sp_wblock_next(w->g, &w->d, w->err);
    if (r < 0) return -r;
    if (r == 0) return sp_seterr(w->err, SPASM_ECORRUPT, "%s: empty word block", w->g->path);
    return 0;
}

/* The next word (at_end after the last).  0 or an error. */
static int w_next(walker *w)
{
    w->visited++;
    int r = sp_wblock_next(w->g, &w->d, w->err);
    if (r < 0) return -r;
    if (r > 0) return 0;
    if (w->b + 1 >= w->nblocks) {
        w->at_end = 1;
        return 0;
    }
    return w_block(w, w->b + 1);
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, SP_MIN(na, nb));
    return c ? c : (na > nb) - (na < nb);
}

/* The first word of block b compared with key (<0, 0, >0); an error in *rc. */
static int first_cmp(walker *w, uint64_t b, const char *key, size_t klen, int *rc)
{
    sp_wblock d;
    if ((*rc = sp_wblock_open(w->g, b, &d, w->err))) return 0;
    int r = sp_wblock_next(w->g, &d, w->err);
    if (r <= 0) {
        *rc = r < 0 ? -r : sp_seterr(w->err, SPASM_ECORRUPT, "%s: empty word block", w->g->path);
        return 0;
    }
    w->visited++;
    return cmp_bytes(d.word, d.len, key, klen);
}

/* Move to the first word >= key (which is past the current word).  0 or
 * an error. */
static int w_seek(walker *w, const char *key, size_t klen)
{
    int rc = 0;
    uint64_t b = w->b;
    int c = 1;
    if (b + 1 < w->nblocks) {
        c = first_cmp(w, b + 1, key, klen, &rc);
        if (rc) return rc;
    }
    if (c > 0) { /* in the rest of this block, or the next block's first */
        while (w->d.left > 0) {
            if ((rc = w_next(w)) || w->at_end) return rc;
            if (cmp_bytes(w->d.word, w->d.len, key, klen) >= 0) return 0;
        }
        if (b + 1 >= w->nblocks) {
            w->at_end = 1;
            return 0;
        }
        return w_block(w, b + 1);
    }
    /* gallop: lo's first word is <= key, hi's is > key (or hi = nblocks) */
    uint64_t lo = b + 1, hi = lo + 1, step = 1;
    while (hi < w->nblocks) {
        c = first_cmp(w, hi, key, klen, &rc);
        if (rc) return rc;
        if (c > 0) break;
        lo = hi;
        step *= 2;
        hi = lo + step < w->nblocks ? lo + step : w->nblocks;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        c = first_cmp(w, mid, key, klen, &rc);
        if (rc) return rc;
        if (c > 0)
            hi = mid;
        else
            lo = mid;
    }
    if ((rc = w_block(w, lo))) return rc;
    while (!w->at_end && cmp_bytes(w->d.word, w->d.len, key, klen) < 0)
        if ((rc = w_next(w))) return rc;
    return 0;
}

/* ---- the best candidate over the collection ---- */

typedef struct best {
    int found;
    unsigned dist;
    uint64_t df;
    char word[SP_TERM_BUF], stem[SP_TERM_BUF];
    size_t wlen, slen;
} best;

/* The live df of the stem with DICT ordinal ord in segment part i, with
 * the stem itself into stem.  0 or an error. */
static int cand_stem(it_ctx *x, size_t i, uint64_t ord, char *stem, size_t *slen, uint64_t *df)
{
    sp_terminfo ti;
    sp_seg *g = x->col->part[i].seg;
    long l = sp_dict_term_at(g, ord, stem, &ti, x->err);
    if (l < 0) return (int)-l;
    *slen = (size_t)l;
    if (x->col->nparts == 1 && !x->col->part[0].del) {
        *df = ti.df;
        return 0;
    }
    return sp_gdf_get(x, stem, (size_t)l, df);
}

/* Weigh a word within distance: keep it in *bt when it is better (closer,
 * then more frequent, then first in byte order). */
static int consider(it_ctx *x, size_t part, const sp_wblock *d, unsigned dist, const char *self,
                    size_t sl, best *bt)
{
    if (bt->found && dist > bt->dist) return 0;
    char stem[SP_TERM_BUF];
    size_t slen = 0;
    uint64_t df = 0;
    int rc = cand_stem(x, part, d->term, stem, &slen, &df);
    if (rc) return rc;
    if (df == 0 || (self && slen == sl && memcmp(stem, self, sl) == 0)) return 0;
    if (bt->found && dist == bt->dist &&
        (df < bt->df || (df == bt->df && cmp_bytes(d->word, d->len, bt->word, bt->wlen) >= 0)))
        return 0;
    bt->found = 1;
    bt->dist = dist;
    bt->df = df;
    memcpy(bt->word, d->word, d->len + 1);
    bt->wlen = d->len;
    memcpy(bt->stem, stem, slen + 1);
    bt->slen = slen;
    return 0;
}

/* Walk part i's WORD for q[0, m) within *k edits (lowered as candidates
 * are found).  0, or an error; *out_of_budget when it stopped early. */
static int walk_part(it_ctx *x, size_t part, const int32_t *q, size_t m, const char *qw,
                     size_t qwlen, unsigned *k, const char *self, size_t sl, best *bt,
                     size_t *visits, int *out_of_budget)
{
    sp_seg *g = x->col->part[part].seg;
    walker w = {.g = g, .err = x->err};
    w.nblocks = g->wdix.len / 8;
    if (!g->word.p || !g->wdix.p || w.nblocks == 0) return 0;
    if (w.nblocks != (g->word.count + SP_DICT_BLOCK - 1) / SP_DICT_BLOCK)
        return sp_seterr(x->err, SPASM_ECORRUPT, "%s: WORD and WDIX disagree", g->path);
    uint8_t row[MAXC][MAXC], rmin[MAXC];
    int32_t cw[MAXC];
    uint8_t cend[MAXC];
    /* The first character is replaced or preceded only by one of the same
     * alphabet: a-z for a-z, else those sharing its UTF-8 lead byte
     * (there are thousands of first characters in a large WORD) */
    int32_t c0lo = m ? q[0] : 0, c0hi = c0lo;
    if (*k >= 2) {
        /* with 2 edits, the first character stays (or is deleted or
         * swapped: the second one leads), as Lucene's spell checker keeps
         * a prefix of 1; otherwise the walk reads 10 times as much */
    } else if (c0lo >= 'a' && c0lo <= 'z') {
        c0lo = 'a';
        c0hi = 'z';
    } else if (c0lo >= 0x80) {
        int sh = c0lo < 0x800 ? 6 : c0lo < 0x10000 ? 12 : 18;
        c0lo = c0lo >> sh << sh;
        c0hi = c0lo + (1 << sh) - 1;
    }
    for (size_t j = 0; j <= m; j++) row[0][j] = (uint8_t)SP_MIN(j, (size_t)*k + 1);
    rmin[0] = 0;
    size_t valid = 0, ncw = 0; /* rows 0..valid hold cw[0, valid) */
    int rc = w_block(&w, 0);
    while (!rc && !w.at_end) {
        if (*visits + w.visited >= SP_TYPO_VISIT) {
            *out_of_budget = 1;
            break;
        }
        int32_t c[MAXC];
        uint8_t e[MAXC];
        size_t L = decode(w.d.word, w.d.len, c, e);
        size_t s = 0;
        while (s < valid && s < L && c[s] == cw[s]) s++;
        memcpy(cw + s, c + s, (L - s) * sizeof *cw);
        memcpy(cend + s, e + s, (L - s) * sizeof *cend);
        ncw = L;
        valid = s;
        unsigned cap = *k + 1;
        size_t pruned = 0;
        for (size_t d = 1; d <= s && !pruned; d++) /* k may have dropped since */
            if (rmin[d] > *k) pruned = d;
        size_t jump = 0; /* a depth whose character the query lacks */
        int32_t jumpc = -1;
        for (size_t d = s + 1; d <= L && !pruned; d++) {
            if (d == 1 && !(cw[0] >= c0lo && cw[0] <= c0hi) && !(m > 1 && cw[0] == q[1])) {
                /* a first character of another alphabet: the next one
                 * of the query's (or its second character, a deletion) */
                int32_t next = -1;
                if (c0lo > cw[0]) next = c0lo;
                if (m > 1 && q[1] > cw[0] && (next < 0 || q[1] < next)) next = q[1];
                if (next < 0) {
                    w.at_end = 1;
                } else {
                    jump = 1;
                    jumpc = next;
                }
                break;
            }
            if (d >= 2 && rmin[d - 1] >= *k) {
                /* every edit is spent: the next character must match the
                 * query where row d - 1 is within k (or complete a
                 * transposition), else jump to the next one that does */
                int32_t al[2 * MAXC];
                size_t na = 0;
                const uint8_t *p = row[d - 1];
                for (size_t j = 0; j < m; j++) {
                    if (p[j] <= *k) al[na++] = q[j];
                    if (j + 1 < m && d >= 2 && row[d - 2][j] + 1u <= *k && cw[d - 2] == q[j + 1])
                        al[na++] = q[j];
                }
                int32_t ch = cw[d - 1], next = -1;
                int ok = 0;
                for (size_t i = 0; i < na; i++) {
                    if (al[i] == ch) ok = 1;
                    if (al[i] > ch && (next < 0 || al[i] < next)) next = al[i];
                }
                if (!ok) {
                    if (next >= 0) {
                        jump = d;
                        jumpc = next;
                    } else {
                        pruned = d - 1;
                    }
                    break;
                }
            }
            uint8_t *r = row[d], *p = row[d - 1];
            r[0] = (uint8_t)SP_MIN(d, (size_t)cap);
            uint8_t mn = r[0];
            for (size_t j = 1; j <= m; j++) {
                unsigned v = p[j - 1] + (cw[d - 1] != q[j - 1]);
                if (p[j] + 1u < v) v = p[j] + 1u;
                if (r[j - 1] + 1u < v) v = r[j - 1] + 1u;
                if (d > 1 && j > 1 && cw[d - 1] == q[j - 2] && cw[d - 2] == q[j - 1] &&
                    row[d - 2][j - 2] + 1u < v)
                    v = row[d - 2][j - 2] + 1u;
                if (v > cap) v = cap;
                r[j] = (uint8_t)v;
                if (v < mn) mn = (uint8_t)v;
            }
            rmin[d] = mn;
            valid = d;
            if (mn > *k) {
                pruned = d;
                break;
            }
        }
        if (w.at_end) break;
        if (jump) {
            /* to the first word starting with cw[0, jump - 1) + jumpc */
            char key[SP_TERM_BUF + 4];
            size_t kl = jump >= 2 ? cend[jump - 2] : 0;
            memcpy(key, w.d.word, kl);
            kl += encode(jumpc, key + kl);
            valid = jump - 1;
            rc = w_seek(&w, key, kl);
            continue;
        }
        if (pruned) {
            /* past every word starting with cw[0, pruned) */
            char key[SP_TERM_BUF];
            size_t kl = cend[pruned - 1];
            memcpy(key, w.d.word, kl);
            key[kl - 1]++;
            valid = pruned - 1;
            rc = w_seek(&w, key, kl);
            continue;
        }
        unsigned dist = row[L][m];
        if (L > 0 && dist <= *k && !(w.d.len == qwlen && memcmp(w.d.word, qw, qwlen) == 0)) {
            rc = consider(x, part, &w.d, dist, self, sl, bt);
            if (!rc && bt->found && bt->dist < *k) *k = bt->dist;
        }
        if (!rc) rc = w_next(&w);
    }
    SP_UNUSED(ncw);
    *visits += w.visited;
    return rc;
}

int sp_suggest_word(it_ctx *x, const char *w, size_t wlen, unsigned maxd, const char *self_stem,
                    size_t self_slen, char *to, size_t *tolen, char *stem, size_t *slen,
                    unsigned *dist, uint64_t *df)
{
    int32_t q[MAXC];
    uint8_t e[MAXC];
    if (wlen > SP_MAX_WORD) return 0;
    size_t m = decode(w, wlen, q, e);
    best bt = {0};
    size_t visits = 0;
    int oob = 0;
    /* 1 edit first: a word found there beats any at 2, and that walk is
     * the cheaper by far */
    for (unsigned d = 1; d <= maxd && !bt.found && !oob; d++) {
        unsigned k = d;
        for (size_t i = 0; i < x->col->nparts && !oob; i++) {
            int rc = walk_part(x, i, q, m, w, wlen, &k, self_stem, self_slen, &bt, &visits, &oob);
            if (rc) return -rc;
        }
    }
    if (oob || !bt.found) return 0;
    memcpy(to, bt.word, bt.wlen + 1);
    *tolen = bt.wlen;
    memcpy(stem, bt.stem, bt.slen + 1);
    *slen = bt.slen;
    *dist = bt.dist;
    *df = bt.df;
    return 1;
}

/* ---- the query ---- */

/* The decision for folded word w, NULL if none yet. */
static sp_fix *find_fix(sp_fixes *f, const char *w, size_t wl)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (f->v[i].wlen == wl && memcmp(f->v[i].word, w, wl) == 0) return &f->v[i];
    return NULL;
}

/* 1 if a term's word may be corrected: long enough, and no digit in it. */
static int correctable(const char *w, size_t wl)
{
    size_t chars = 0;
    for (size_t i = 0; i < wl; i++) {
        if (w[i] >= '0' && w[i] <= '9') return 0;
        chars += ((uint8_t)w[i] & 0xC0) != 0x80;
    }
    return max_edits(chars) > 0;
}

/* Decide for the term n (a new word, not seen in the query yet) and
 * append the decision to x->fix.  0 or an error. */
static int decide(it_ctx *x, const qnode *n, sp_fix **out)
{
    sp_fixes *f = x->fix;
    *out = NULL;
    if (f->n == f->cap) {
        size_t c = f->cap ? f->cap * 2 : 8;
        sp_fix *v = sp_realloc(x->a, f->v, c * sizeof *v);
        if (!v) return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        f->v = v;
        f->cap = c;
    }
    sp_fix *fx = &f->v[f->n];
    memset(fx, 0, sizeof *fx);
    if (!(fx->word = sp_strndup(x->a, n->word, n->wlen)))
        return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
    fx->wlen = n->wlen;
    f->n++;
    *out = fx;
    uint64_t df;
    int rc = sp_gdf_get(x, n->text, n->len, &df);
    if (rc || df > SP_TYPO_RARE_DF || f->n > SP_TYPO_WORDS) return rc;
    size_t chars = 0;
    for (size_t i = 0; i < n->wlen; i++) chars += ((uint8_t)n->word[i] & 0xC0) != 0x80;
    char to[SP_TERM_BUF], stem[SP_TERM_BUF];
    size_t tolen, slen;
    unsigned dist;
    uint64_t cdf;
    /* a word of the index is taken for a typo of a word 1 edit away only */
    unsigned maxd = df > 0 ? 1 : max_edits(chars);
    int r = sp_suggest_word(x, n->word, n->wlen, maxd, n->text, n->len, to, &tolen, stem, &slen,
                            &dist, &cdf);
    if (r < 0) return -r;
    if (r == 0 || (df > 0 && cdf < SP_TYPO_RATIO * df)) return 0;
    fx->to = sp_strndup(x->a, to, tolen);
    fx->stem = sp_strndup(x->a, stem, slen);
    if (!fx->to || !fx->stem) return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
    fx->tolen = tolen;
    fx->slen = slen;
    fx->add = df > 0;
    f->corrected++;
    f->added += fx->add;
    return 0;
}

/* The decision for term n (made now if the query had not met its word):
 * *out NULL when it stays as typed.  0 or an error. */
static int fix_of(it_ctx *x, const qnode *n, sp_fix **out)
{
    *out = NULL;
    if (n->type != Q_TERM || !n->word || !correctable(n->word, n->wlen)) return 0;
    sp_fix *fx = find_fix(x->fix, n->word, n->wlen);
    if (!fx) {
        int rc = decide(x, n, &fx);
        if (rc) return rc;
    }
    if (fx && fx->to) *out = fx;
    return 0;
}

/* A new term for fx's correction of term t (its qtf and position). */
static qnode *fix_term(it_ctx *x, const qnode *t, const sp_fix *fx)
{
    qnode *k = sp_calloc(x->a, sizeof *k);
    if (!k) return NULL;
    k->type = Q_TERM;
    k->text = sp_strndup(x->a, fx->stem, fx->slen);
    k->len = fx->slen;
    k->word = sp_strndup(x->a, fx->to, fx->tolen);
    k->wlen = fx->tolen;
    k->qtf = t->qtf;
    k->at = t->at;
    if (!k->text || !k->word) {
        sp_query_free(x->a, k);
        return NULL;
    }
    return k;
}

/* Correct the terms under n: a word the index lacks is replaced by its
 * correction; a rare word of the index is searched OR its correction (a
 * sibling in an OR list, else n becomes an OR of the two). */
static int apply(it_ctx *x, qnode *n)
{
    sp_fix *fx;
    int rc = fix_of(x, n, &fx);
    if (rc) return rc;
    if (fx && !fx->add) {
        char *t = sp_strndup(x->a, fx->stem, fx->slen);
        if (!t) return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        sp_free(x->a, n->text);
        n->text = t;
        n->len = fx->slen;
        return 0;
    }
    if (fx) {
        qnode *k1 = sp_calloc(x->a, sizeof *k1), *k2 = fix_term(x, n, fx);
        qnode **kids = sp_malloc(x->a, 2 * sizeof *kids);
        if (!k1 || !k2 || !kids) {
            sp_free(x->a, k1);
            sp_query_free(x->a, k2);
            sp_free(x->a, kids);
            return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        }
        *k1 = *n;
        memset(n, 0, sizeof *n);
        n->type = Q_OR;
        n->at = k1->at;
        kids[0] = k1;
        kids[1] = k2;
        n->kids = kids;
        n->nkids = 2;
        return 0;
    }
    for (size_t i = 0, nk = n->nkids; i < nk; i++) {
        qnode *k = n->kids[i];
        if (n->type == Q_OR) {
            if ((rc = fix_of(x, k, &fx))) return rc;
            if (fx && fx->add) {
                qnode *t = fix_term(x, k, fx);
                qnode **v = t ? sp_realloc(x->a, n->kids, (n->nkids + 1) * sizeof *v) : NULL;
                if (!v) {
                    sp_query_free(x->a, t);
                    return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
                }
                n->kids = v;
                n->kids[n->nkids++] = t;
                continue;
            }
        }
        if ((rc = apply(x, k))) return rc;
    }
    return 0;
}

int sp_suggest_apply(it_ctx *x, qnode *q)
{
    if (!q) return 0;
    if (!x->fix && !(x->fix = sp_calloc(x->a, sizeof *x->fix)))
        return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
    return apply(x, q);
}

int sp_suggest_text(const it_ctx *x, sp_analyzer *an, const char *query, sp_buf *out)
{
    out->n = 0;
    if (!x->fix || !x->fix->corrected) return 0;
    size_t qlen = strlen(query);
    if (sp_analyze(an, query, qlen)) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *t = sp_analyzer_tokens(an, &nt);
    const char *pool = sp_analyzer_pool(an);
    size_t done = 0;
    for (size_t i = 0; i < nt; i++) {
        const sp_fix *fx = find_fix(x->fix, pool + t[i].word_off, t[i].word_len);
        if (!fx || !fx->to) continue;
        if (t[i].end < qlen && query[t[i].end] == '*') continue; /* a prefix, as typed */
        sp_buf_append(out, query + done, t[i].start - done);
        size_t at = out->n;
        sp_buf_append(out, fx->to, fx->tolen);
        /* "Musle" -> "Muscle", "MUSLE" -> "MUSCLE" */
        int caps = 0;
        for (size_t j = t[i].start; j < t[i].end && caps >= 0; j++)
            caps = query[j] >= 'A' && query[j] <= 'Z' ? caps + 1 : query[j] < 0 ? caps : -1;
        for (size_t j = at; !out->err && j < out->n; j++) {
            if (j > at && caps < 2) break;
            if (query[t[i].start] >= 'A' && query[t[i].start] <= 'Z' && out->p[j] >= 'a' &&
                out->p[j] <= 'z')
                out->p[j] = (uint8_t)(out->p[j] - 'a' + 'A');
        }
        done = t[i].end;
    }
    sp_buf_append(out, query + done, qlen - done);
    sp_buf_putc(out, 0);
    if (out->err) return SPASM_ENOMEM;
    out->n--; /* the NUL is not counted */
    return 0;
}

void sp_suggest_free(it_ctx *x)
{
    sp_fixes *f = x->fix;
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        sp_free(x->a, f->v[i].word);
        sp_free(x->a, f->v[i].to);
        sp_free(x->a, f->v[i].stem);
    }
    sp_free(x->a, f->v);
    sp_free(x->a, f);
    x->fix = NULL;
}
