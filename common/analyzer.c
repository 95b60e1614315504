/*
 * analyzer.c -- tokenising, folding and stemming (rules in analyzer.h).
 *
 * Folding uses utf8proc (NFKC + case fold + strip marks) into a buffer of
 * our own, so no allocation escapes the handle's allocator; pure-ASCII
 * words take a fast path.  Stems are memoised in a small direct-mapped
 * cache, since natural text repeats its words.
 */
#include "analyzer.h"

#include <libstemmer.h>
#include "variants.h"
#include <stdlib.h>
#include <utf8proc.h>

#define SP_NOMEM_LEN ((size_t)-1) /* fold() and stem(): out of memory */
#define SP_SKIP_LEN ((size_t)-2)  /* stem(): not stemmed (sp_analyzer_set_first) */

/* A stem cache slot: a folded word and its stem, back to back in buf.
 * Longer pairs (rare) are not cached.  48 bytes: a cache of 32,768 slots
 * takes 1.5 MiB and keeps nearly all of wikipedia's stemming hits. */
typedef struct stem_slot {
    uint8_t wlen, slen;
    char buf[46];
} stem_slot;

struct sp_analyzer {
    const sp_alloc *a;
    struct sb_stemmer *stemmer;
    sp_token *tok;
    size_t ntok, captok;
    sp_buf pool;
    utf8proc_int32_t *cp; /* scratch for folding */
    size_t capcp;
    stem_slot *cache;     /* allocated at the first stem (NULL until then) */
    size_t cache_mask;    /* its slots - 1 */
    size_t cache_max;     /* the slots asked for: it grows to this many */
    size_t misses;        /* stems computed since it was last (re)allocated */
    int variants;         /* 1: fold spelling variants before stemming */
    const uint8_t *first; /* sp_analyzer_set_first: the first bytes to stem, or NULL */
};

sp_analyzer *sp_analyzer_new(const sp_alloc *a, size_t cache_slots)
{
    size_t slots = 16;
    while (slots < cache_slots && slots < ((size_t)1 << 24)) slots *= 2;
    sp_analyzer *an = sp_calloc(a, sizeof *an);
    if (!an) return NULL;
    an->a = a;
    sp_buf_init(&an->pool, a);
    an->stemmer = sb_stemmer_new("english", "UTF_8");
    an->capcp = 4 * SP_MAX_WORD;
    an->cp = sp_malloc(a, an->capcp * sizeof *an->cp);
    an->cache_max = slots; /* (the cache itself comes with the first stem) */
    if (!an->stemmer || !an->cp) {
        sp_analyzer_free(an);
        return NULL;
    }
    return an;
}

void sp_analyzer_set_first(sp_analyzer *an, const uint8_t *want)
{
    an->first = want;
}

void sp_analyzer_set_variants(sp_analyzer *an, int on)
{
    on = on != 0;
    if (an->variants == on) return;
    an->variants = on;
    /* The cache holds stems of the other setting: empty it (if there is one). */
    if (an->cache) memset(an->cache, 0, (an->cache_mask + 1) * sizeof *an->cache);
    an->misses = 0;
}

int sp_analyzer_variants(const sp_analyzer *an)
{
    return an->variants;
}

void sp_analyzer_free(sp_analyzer *an)
{
    if (!an) return;
    if (an->stemmer) sb_stemmer_delete(an->stemmer);
    sp_free(an->a, an->tok);
    sp_buf_free(&an->pool);
    sp_free(an->a, an->cp);
    sp_free(an->a, an->cache);
    sp_free(an->a, an);
}

/* Decode one code point at s[i] (i < len); returns its byte length, with
 * *cp = -1 for an invalid byte (length 1). */
static inline size_t decode(const char *s, size_t len, size_t i, int32_t *cp)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    utf8proc_int32_t v;
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &v);
    if (n <= 0) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return (size_t)n;
}

/* 1 if cp is a letter, digit or combining mark. */
static inline int is_word_cp(int32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    }
    if (cp < 0) return 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return cp != 0x02BC;
    default:
        return 0;
    }
}

static inline int is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

static inline int is_digit(int32_t cp)
{
    return cp >= '0' && cp <= '9';
}

/* Fold raw[0, n) into out (SP_MAX_WORD + 1 bytes); returns the length,
 * or SP_NOMEM_LEN when out of memory. */
static size_t fold(sp_analyzer *an, const char *raw, size_t n, char *out)
{
    int ascii = 1;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)raw[i] >= 0x80) {
            ascii = 0;
            break;
        }
    }
    size_t len = 0;
    if (ascii) {
        len = SP_MIN(n, (size_t)SP_MAX_WORD);
        for (size_t i = 0; i < len; i++) {
            char c = raw[i];
            out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        out[len] = 0;
        return len;
    }
    const int opts = UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_COMPOSE;
    utf8proc_ssize_t m;
    for (;;) {
        m = utf8proc_decompose((const utf8proc_uint8_t *)raw, (utf8proc_ssize_t)n, an->cp,
                               (utf8proc_ssize_t)an->capcp, opts);
        if (m < 0) { /* cannot happen for valid input: keep the raw bytes */
            len = SP_MIN(n, (size_t)SP_MAX_WORD);
            memcpy(out, raw, len);
            out[len] = 0;
            return len;
        }
        if ((size_t)m <= an->capcp) break;
        size_t cap = (size_t)m + 16;
        utf8proc_int32_t *p = sp_realloc(an->a, an->cp, cap * sizeof *p);
        if (!p) return SP_NOMEM_LEN; /* not the raw bytes: they would be a wrong term */
        an->cp = p;
        an->capcp = cap;
    }
    /* Re-encode code point by code point, stopping before SP_MAX_WORD. */
    m = utf8proc_normalize_utf32(an->cp, m, opts);
    if (m < 0) m = 0;
    for (utf8proc_ssize_t i = 0; i < m; i++) {
        utf8proc_uint8_t tmp[4];
        utf8proc_int32_t c = an->cp[i];
        if (c == 0x2019 || c == 0x02BC) c = '\'';
        /* Compatibility forms may decompose to a space (U+037A to " \u0345",
         * U+00A8 to " \u0308"): a term never holds one (synonym keys and
         * phrases are words joined by spaces). */
        if (c <= ' ' || utf8proc_category(c) == UTF8PROC_CATEGORY_ZS) continue;
        utf8proc_ssize_t k = utf8proc_encode_char(c, tmp);
        if (len + (size_t)k > SP_MAX_WORD) break;
        memcpy(out + len, tmp, (size_t)k);
        len += (size_t)k;
    }
    out[len] = 0;
    return len;
}

size_t sp_fold_word(sp_analyzer *an, const char *word, size_t len, char *folded)
{
    return fold(an, word, len, folded);
}

/* Make the stem cache: at the first stem 1,024 slots (or the size asked
 * for, if smaller), then, once it has missed twice as many stems as it
 * has slots, 16 times larger (emptied), up to cache_max.  So an analyser
 * that stems a few hundred words (a small writer, a searcher) zeroes 48
 * KiB rather than a writer's 1.5 MiB, and a large input reaches the full
 * size after a few thousand stems, the zeroing costing less than the
 * stems that paid for it.  Without memory the cache stays as it was (or
 * absent: words are then stemmed uncached). */
static void cache_grow(sp_analyzer *an)
{
    size_t slots = an->cache ? (an->cache_mask + 1) * 16 : 1024;
    if (slots > an->cache_max) slots = an->cache_max;
    stem_slot *c = sp_calloc(an->a, slots * sizeof *c);
    if (!c) return;
    sp_free(an->a, an->cache);
    an->cache = c;
    an->cache_mask = slots - 1;
    an->misses = 0;
}

/* Stem the folded word w[0, n) into out -- the stem of its canonical
 * spelling when variants are on; returns the stem's length, or
 * SP_NOMEM_LEN when libstemmer runs out of memory.  The cache is keyed by
 * the word as folded, so a variant costs its table lookup once. */
static size_t stem(sp_analyzer *an, const char *w, size_t n, char *out)
{
    uint32_t h = sp_term_hash(w, n);
    if (!an->cache || (an->misses > 2 * (an->cache_mask + 1) && an->cache_mask + 1 < an->cache_max))
        cache_grow(an);
    stem_slot none = {0}, *s = an->cache ? &an->cache[h & an->cache_mask] : &none;
    if (s->wlen == n && memcmp(s->buf, w, n) == 0) {
        memcpy(out, s->buf + n, s->slen);
        return s->slen;
    }
    an->misses++;
    const char *v = w;
    size_t vn = n;
    if (an->variants) {
        const char *c = sp_variant_of(w, n, &vn);
        if (c)
            v = c;
        else
            vn = n;
    }
    if (an->first && vn > 0 && !an->first[(uint8_t)v[0]]) return SP_SKIP_LEN;
    const sb_symbol *r = sb_stemmer_stem(an->stemmer, (const sb_symbol *)v, (int)vn);
    size_t m;
    if (!r) return SP_NOMEM_LEN; /* out of memory inside the stemmer */
    m = (size_t)sb_stemmer_length(an->stemmer);
    if (m > SP_MAX_WORD) m = SP_MAX_WORD;
    memcpy(out, r, m);
    if (n > 0 && n + m <= sizeof s->buf) {
        s->wlen = (uint8_t)n;
        s->slen = (uint8_t)m;
        memcpy(s->buf, w, n);
        memcpy(s->buf + n, r, m);
    }
    return m;
}

/* Append one token for raw word text[start, end) (raw: apostrophes ASCII). */
static int emit(sp_analyzer *an, const char *raw, size_t rawlen, uint32_t start, uint32_t end,
                uint32_t pos)
{
    char folded[SP_MAX_WORD + 1], stemmed[SP_MAX_WORD + 1];
    size_t flen = fold(an, raw, rawlen, folded);
    if (flen == SP_NOMEM_LEN) return SPASM_ENOMEM;
    if (flen == 0) return 0;
    size_t slen = stem(an, folded, flen, stemmed);
    if (slen == SP_NOMEM_LEN) return SPASM_ENOMEM;
    if (slen == SP_SKIP_LEN)
        slen = 0; /* a token without its stem */
    else if (slen == 0)
        return 0;
    if (an->ntok == an->captok) {
        size_t cap = an->captok ? an->captok * 2 : 256;
        sp_token *t = sp_realloc(an->a, an->tok, cap * sizeof *t);
        if (!t) return SPASM_ENOMEM;
        an->tok = t;
        an->captok = cap;
    }
    sp_token *t = &an->tok[an->ntok++];
    t->start = start;
    t->end = end;
    t->pos = pos;
    t->term_off = (uint32_t)an->pool.n;
    t->term_len = (uint16_t)slen;
    sp_buf_append(&an->pool, stemmed, slen);
    sp_buf_putc(&an->pool, 0);
    t->word_off = (uint32_t)an->pool.n;
    t->word_len = (uint16_t)flen;
    sp_buf_append(&an->pool, folded, flen);
    sp_buf_putc(&an->pool, 0);
    return an->pool.err;
}

int sp_analyze(sp_analyzer *an, const char *text, size_t len)
{
    an->ntok = 0;
    an->pool.n = 0;
    an->pool.err = 0;
    if (len > UINT32_MAX) len = UINT32_MAX;
    char raw[4 * SP_MAX_WORD + 8];
    size_t i = 0;
    uint32_t pos = 0;
    int32_t cp;
    while (i < len) {
        size_t n = decode(text, len, i, &cp);
        if (!is_word_cp(cp)) {
            i += n;
            continue;
        }
        /* A word starts at i. */
        size_t start = i, rawlen = 0;
        int32_t prev = -1;
        while (i < len) {
            n = decode(text, len, i, &cp);
            if (is_word_cp(cp)) {
                if (rawlen + n <= sizeof raw - 8) {
                    memcpy(raw + rawlen, text + i, n);
                    rawlen += n;
                }
                prev = cp;
                i += n;
                continue;
            }
            /* A connector stays in the word only between two word chars. */
            int32_t next;
            if (i + n >= len) break;
            decode(text, len, i + n, &next);
            if (is_apostrophe(cp) && is_word_cp(next) && !is_digit(prev)) {
                if (rawlen + 1 <= sizeof raw - 8) raw[rawlen++] = '\'';
                i += n;
                continue;
            }
            if ((cp == '.' || cp == ',') && is_digit(prev) && is_digit(next)) {
                if (rawlen + 1 <= sizeof raw - 8) raw[rawlen++] = (char)cp;
                i += n;
                continue;
            }
            break;
        }
        int rc = emit(an, raw, rawlen, (uint32_t)start, (uint32_t)i, pos);
        if (rc) return rc;
        if (an->ntok && an->tok[an->ntok - 1].pos == pos) pos++;
    }
    return 0;
}

const sp_token *sp_analyzer_tokens(const sp_analyzer *an, size_t *n)
{
    *n = an->ntok;
    return an->tok;
}

const char *sp_analyzer_pool(const sp_analyzer *an)
{
    return (const char *)an->pool.p;
}

size_t sp_utf8_invalid_count(const char *s, size_t len)
{
    size_t bad = 0, i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        i += decode(s, len, i, &cp);
        if (cp < 0) bad++;
    }
    return bad;
}

int sp_utf8_repair(const char *s, size_t len, sp_buf *out)
{
    size_t i = 0, run = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c == 0) {
                sp_buf_append(out, s + run, i - run);
                sp_buf_putc(out, ' ');
                run = i + 1;
            }
            i++;
            continue;
        }
        int32_t cp;
        size_t n = decode(s, len, i, &cp);
        if (cp < 0) {
            sp_buf_append(out, s + run, i - run);
            sp_buf_append(out, "\xEF\xBF\xBD", 3);
            run = i + n;
        }
        i += n;
    }
    sp_buf_append(out, s + run, len - run);
    return out->err;
}

/* English stop words (folded), sorted for binary search.  The list is the
 * common core of Snowball's and Lucene's lists. */
static const char *const stopwords[] = {
    "a",      "about",  "above",  "after",    "again",      "against", "all",    "am",
    "an",     "and",    "any",    "are",      "as",         "at",      "be",     "because",
    "been",   "before", "being",  "below",    "between",    "both",    "but",    "by",
    "can",    "could",  "did",    "do",       "does",       "doing",   "down",   "during",
    "each",   "few",    "for",    "from",     "further",    "had",     "has",    "have",
    "having", "he",     "her",    "here",     "hers",       "herself", "him",    "himself",
    "his",    "how",    "i",      "if",       "in",         "into",    "is",     "it",
    "its",    "itself", "me",     "more",     "most",       "my",      "myself", "no",
    "nor",    "not",    "of",     "off",      "on",         "once",    "only",   "or",
    "other",  "ought",  "our",    "ours",     "ourselves",  "out",     "over",   "own",
    "same",   "she",    "should", "so",       "some",       "such",    "than",   "that",
    "the",    "their",  "theirs", "them",     "themselves", "then",    "there",  "these",
    "they",   "this",   "those",  "through",  "to",         "too",     "under",  "until",
    "up",     "very",   "was",    "we",       "were",       "what",    "when",   "where",
    "which",  "while",  "who",    "whom",     "why",        "will",    "with",   "would",
    "you",    "your",   "yours",  "yourself", "yourselves",
};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

int sp_is_stopword(const char *word, size_t len)
{
    if (len == 0 || len > 12) return 0;
    char w[16];
    memcpy(w, word, len);
    w[len] = 0;
    return bsearch(w, stopwords, sizeof stopwords / sizeof *stopwords, sizeof *stopwords,
                   cmp_word) != NULL;
}
