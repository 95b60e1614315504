/*
 * suggest.h -- typo tolerance (suggest.c): a query word the collection
 * does not hold, or holds far more rarely than a close neighbour, is
 * searched as the most frequent indexed word within a small edit distance
 * (Damerau: optimal string alignment, a transposition counting as one
 * edit), and the query as corrected is offered as a suggestion
 * (spasm_results_suggestion).
 *
 * The words corrected against are the folded, unstemmed words of the
 * WORD sections (real words, so the suggestion shows "muscle", not the
 * stem "muscl"); their frequency is their stem's live df.  An index
 * without WORD is never corrected.  The search walks each segment's
 * sorted WORD section as a trie, with one row of the edit-distance table
 * per character of the current prefix (shared with the previous word) and
 * a jump past every word of a prefix whose row is already over the
 * distance, so it reads a few thousand words of a dictionary of millions.
 */
#ifndef SPASM_SUGGEST_H
#define SPASM_SUGGEST_H

#include "search.h"

#define SP_TYPO_MIN_1 5      /* characters from which one edit is allowed */
#define SP_TYPO_MIN_2 9      /* ... and two */
#define SP_TYPO_RARE_DF 3    /* an indexed word is corrected only with a df this low */
#define SP_TYPO_RATIO 100    /* ... and a neighbour at least this many times as frequent */
#define SP_TYPO_WORDS 8      /* distinct words looked at per query, at most */
#define SP_TYPO_VISIT 100000 /* WORD entries read per word, at most (then no correction) */

/* One decision: the folded word `word` is searched as `stem`, shown as `to`
 * (to == NULL: left as typed). */
typedef struct sp_fix {
    char *word, *to, *stem;
    size_t wlen, tolen, slen;
    int add; /* the word is indexed (rare): searched OR its correction */
} sp_fix;

typedef struct sp_fixes {
    sp_fix *v;
    size_t n, cap;
    size_t corrected; /* entries with to != NULL */
    size_t added;     /* of which add */
} sp_fixes;

/*
 * Correct the terms of q in place (their stems replaced) and record the
 * decisions in x->fix.  0 or an error code (message in x->err).
 */
int sp_suggest_apply(it_ctx *x, qnode *q);

/*
 * The query text with each corrected word replaced by its correction
 * (re-analysed with an, so spans are exact), into out (NUL-terminated);
 * out->n is 0 when nothing was corrected.  0 or SPASM_ENOMEM.
 */
int sp_suggest_text(const it_ctx *x, sp_analyzer *an, const char *query, sp_buf *out);

/* Free x->fix. */
void sp_suggest_free(it_ctx *x);

/*
 * The best correction of the folded word w[0, wlen) within `maxd` edits
 * over the collection: its word into to (SP_TERM_BUF), its stem into stem
 * (SP_TERM_BUF), *dist and *df.  `self_stem` (may be NULL) is the word's
 * own stem, never a correction.  Returns 1 found, 0 none (or the budget
 * ran out), or -error (message in x->err).  For tests and spasm-inspect.
 */
int sp_suggest_word(it_ctx *x, const char *w, size_t wlen, unsigned maxd, const char *self_stem,
                    size_t self_slen, char *to, size_t *tolen, char *stem, size_t *slen,
                    unsigned *dist, uint64_t *df);

#endif
