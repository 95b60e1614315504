/*
 * families.c -- word families: derivational variants that the Snowball
 * stemmer leaves apart (pregnant / pregnancy, esophagus / esophageal,
 * medicines / medications), found in the index's own words.
 *
 * A word's roots are what is left when one of the derivational endings
 * below is cut off it (the whole word is a root too, the empty ending),
 * keeping at least SP_FAM_MIN_ROOT letters.  A word of the index (the
 * WORD section, read by prefix) is in the family when it is a root
 * followed by one of the endings: "pregnant" = "pregn" + "ant" and
 * "pregnancy" = "pregn" + "ancy".  Its stem joins the query when it
 * differs from the word's own stem and some live passage has it; the
 * most frequent SP_FAM_MAX are kept.  At most SP_FAM_SCAN words are
 * read per root.
 */
#include "synonyms.h"

#include <stdlib.h>

/* Derivational endings, with the plural or inflected forms the words
 * are met in (the stemmer joins those among themselves). */
static const char *const endings[] = {
    "",        "s",     "es",     "y",    "ies",    "ic",   "ics",   "ical", "ically", "al",
    "ial",     "eal",   "ally",   "ia",   "ias",    "ant",  "ants",  "ancy", "ancies", "ance",
    "ances",   "ent",   "ents",   "ency", "encies", "ence", "ences", "ion",  "ions",   "ation",
    "ations",  "ition", "itions", "ive",  "ives",   "ous",  "ious",  "us",   "i",      "ine",
    "ines",    "ism",   "isms",   "ist",  "ists",   "ity",  "ities", "ize",  "ise",    "ization",
    "isation", "ment",  "ments",  "e",    "a",      "ae",   "um",    "osis", "otic",   "ure",
    "ures",    "ing",   "ed",     "er",   "ers",    "or",   "ors"};

#define NENDINGS (sizeof endings / sizeof *endings)

/* 1 if s[0, n) is one of the endings. */
static int is_ending(const char *s, size_t n)
{
    for (size_t i = 0; i < NENDINGS; i++)
        if (strlen(endings[i]) == n && memcmp(endings[i], s, n) == 0) return 1;
    return 0;
}

typedef struct fam_cand {
    char stem[SPASM_TERM_BYTES];
    size_t len;
    uint64_t df;
} fam_cand;

typedef struct fam_scan {
    it_ctx *x;
    size_t rlen;     /* the root's length */
    const char *own; /* the word's own stem */
    size_t olen;
    fam_cand c[32];
    size_t n;
    int rc;
} fam_scan;

/* A word starting with the root: a member when the rest is an ending. */
static int fam_word(void *ud, const char *word, size_t len, const char *stem, size_t slen)
{
    fam_scan *u = ud;
    if (len < u->rlen || !is_ending(word + u->rlen, len - u->rlen)) return 0;
    if (slen >= SPASM_TERM_BYTES || (slen == u->olen && memcmp(stem, u->own, slen) == 0)) return 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->c[i].len == slen && memcmp(u->c[i].stem, stem, slen) == 0) return 0;
    if (u->n == sizeof u->c / sizeof *u->c) return 0;
    uint64_t df;
    int rc = sp_gdf_get(u->x, stem, slen, &df);
    if (rc) return u->rc = rc;
    if (!df) return 0;
    fam_cand *c = &u->c[u->n++];
    memcpy(c->stem, stem, slen);
    c->stem[slen] = 0;
    c->len = slen;
    c->df = df;
    return 0;
}

static int cmp_cand(const void *a, const void *b)
{
    const fam_cand *x = a, *y = b;
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    return strcmp(x->stem, y->stem);
}

int sp_fam_each(it_ctx *x, const char *word, size_t wlen, const char *stem, size_t slen, size_t max,
                sp_fam_fn fn, void *ud)
{
    fam_scan *u = sp_calloc(x->a, sizeof *u);
    if (!u) return SPASM_ENOMEM;
    u->x = x;
    u->own = stem;
    u->olen = slen;
    size_t tried[NENDINGS];
    size_t ntried = 0;
    for (size_t i = 0; i < NENDINGS && !u->rc; i++) {
        size_t el = strlen(endings[i]);
        if (wlen < el + SP_FAM_MIN_ROOT || memcmp(word + wlen - el, endings[i], el) != 0) continue;
        size_t rlen = wlen - el;
        int seen = 0;
        for (size_t j = 0; j < ntried; j++) seen |= tried[j] == rlen;
        if (seen) continue;
        tried[ntried++] = rlen;
        u->rlen = rlen;
        long r = sp_col_prefix(x->col, word, rlen, SP_FAM_SCAN, fam_word, u, x->err);
        if (r < 0 && !u->rc) u->rc = (int)-r;
    }
    int rc = u->rc;
    if (!rc && u->n) {
        qsort(u->c, u->n, sizeof *u->c, cmp_cand);
        for (size_t i = 0; i < u->n && i < max && !rc; i++) rc = fn(ud, u->c[i].stem, u->c[i].len);
    }
    sp_free(x->a, u);
    return rc;
}
