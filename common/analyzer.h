/*
 * analyzer.h -- the one analyser: text in, terms out, used by the indexer
 * for documents and by the searcher for queries, so both see identical
 * terms.
 *
 * Rules (documented for users in the README, "Text analysis"):
 *   - UTF-8 is decoded; an invalid byte acts as a word separator.
 *   - A word is a run of letters, digits and combining marks (Unicode
 *     categories L*, N*, M*).  An apostrophe (' U+2019 U+02BC) between two
 *     word characters stays inside the word ("writer's"); a '.' or ','
 *     between two digits stays inside a number ("3.5", "10,000").
 *     Everything else separates words, so "sit-ups" gives "sit" and "ups".
 *   - Words are folded: Unicode case folding, compatibility decomposition
 *     (NFKC: ligatures, full-width forms) and accents stripped
 *     ("Café" -> "cafe"), with a fast path for ASCII.  Curly apostrophes
 *     become "'".
 *   - Words longer than SP_MAX_WORD bytes after folding are cut there.
 *   - With spelling variants on (sp_analyzer_set_variants(); an index
 *     records it, SP_FLAG_VARIANTS), a British or variant spelling is
 *     replaced by the American one before stemming ("anaemia" ->
 *     "anemia"; common/variants.h).  Token spans and the folded word
 *     stay those of the text as written.
 *   - The folded word is stemmed with Snowball English (libstemmer), which
 *     also removes a possessive "'s" ("Writer's" -> "writer").
 *   - Every word takes one position, stop words included.
 *
 * An analyser owns a stemmer, which is not thread-safe: one per thread.
 */
#ifndef SPASM_ANALYZER_H
#define SPASM_ANALYZER_H

#include "base.h"

#define SP_MAX_WORD 64

typedef struct sp_token {
    uint32_t start, end; /* byte span of the word in the analysed text */
    uint32_t pos;        /* word position, 0-based */
    uint32_t term_off;   /* the stemmed term: terms.p + term_off */
    uint16_t term_len;
    uint16_t word_len; /* the folded, unstemmed word: terms.p + word_off */
    uint32_t word_off;
} sp_token;

typedef struct sp_analyzer sp_analyzer;

/* A new analyser (with its own stemmer) whose stem cache holds about
 * `cache_slots` words (a power of two; an indexer wants tens of
 * thousands, a query a few hundred); NULL when out of memory. */
sp_analyzer *sp_analyzer_new(const sp_alloc *a, size_t cache_slots);
void sp_analyzer_free(sp_analyzer *an);

/* Fold spelling variants before stemming (on = 1) or not (0, the default
 * of a new analyser): an indexer sets what its index records, a searcher
 * what the index it searches records. */
void sp_analyzer_set_variants(sp_analyzer *an, int on);
/*
 * Stem only the words whose stemmer input (the folded word; with variants
 * on, its canonical spelling) begins with a byte b for which want[b] is
 * non-zero: the others come out as tokens with an empty term (term_len 0),
 * their spans and positions as ever.  NULL (the default) stems every word.
 * Snowball's English stemmer rewrites only a word's ending (its few
 * exceptions too: "dying" -> "die"), so a stem begins with the byte its
 * word begins with (all 207,963 distinct words of wikipedia's first
 * 100,000 documents; tests/test_analyzer.c): a caller that looks for given
 * stems (highlighting) loses none by skipping the stemmer for the words
 * that cannot be one of them.  A word found in the stem cache gets its
 * stem regardless.  want (256 bytes) must outlive the analyses.
 */
void sp_analyzer_set_first(sp_analyzer *an, const uint8_t *want);

/* 1 when spelling variants are folded. */
int sp_analyzer_variants(const sp_analyzer *an);

/*
 * Analyse text[0, len): fills the analyser's token array, readable with
 * sp_analyzer_tokens() until the next call.  Returns 0 or SPASM_ENOMEM.
 */
int sp_analyze(sp_analyzer *an, const char *text, size_t len);

/* The tokens of the last sp_analyze() call; *n receives their count. */
const sp_token *sp_analyzer_tokens(const sp_analyzer *an, size_t *n);

/* The byte pool that tokens' term_off and word_off point into. */
const char *sp_analyzer_pool(const sp_analyzer *an);

/*
 * Fold and stem one word the way sp_analyze() does, e.g. for a prefix
 * query: writes the folded word to `folded` (SP_MAX_WORD+1 bytes, NUL
 * terminated) and returns its length, or (size_t)-1 when out of memory.
 */
size_t sp_fold_word(sp_analyzer *an, const char *word, size_t len, char *folded);

/* 1 when the folded word is an English stop word ("the", "of", ...). */
int sp_is_stopword(const char *word, size_t len);

/* Validate UTF-8: returns the number of invalid bytes in s[0, len). */
size_t sp_utf8_invalid_count(const char *s, size_t len);

/*
 * Copy s[0, len) to out replacing every invalid UTF-8 sequence by U+FFFD
 * (and NUL bytes by spaces); returns 0 or SPASM_ENOMEM.
 */
int sp_utf8_repair(const char *s, size_t len, sp_buf *out);

#endif
