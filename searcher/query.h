/*
 * query.h -- the query language, parsed into a tree (query.c) that
 * search.c evaluates.
 *
 *   word            any word may match (OR), ranked by BM25
 *   "a phrase"      the words adjacent and in order
 *   +word  -word    must / must not appear (also +"phrase", -(group))
 *   a AND b, a OR b, NOT a, ( ... )   (operators in capitals only)
 *   prefix*         every indexed word starting with prefix
 *   a NEAR/n b      a and b within n positions, any order (n = 10 if
 *                   omitted, 1 to SP_NEAR_MAX); chains: a NEAR b NEAR c
 *                   (at most SP_NEAR_MAX_OPERANDS).  Operands: words,
 *                   prefixes, phrases, OR groups of those.
 *   "a (b OR c) d*"  a phrase takes prefixes and groups of single words
 *   title:word  title:"a phrase"  title:prefix*  title:(a OR b)
 *                   the words in the document's title only; text:...
 *                   in the passage's own text only (the field applies to
 *                   every word of the operand that names no field itself;
 *                   a field name is ASCII letters, any case: an unknown
 *                   one is an error naming its byte)
 *
 * AND binds tighter than OR; juxtaposition means OR ("a b AND c" is
 * "a OR (b AND c)").  An optional word (or prefix) typed more than once
 * weighs more: its query term frequency qtf multiplies its BM25 weight by
 * (k3 + 1) qtf / (k3 + qtf), k3 = 8 (search.h).  Lenient reading: an
 * unclosed quote runs to the end, an unclosed parenthesis closes at the
 * end, a stray ')' is ignored, an operator without an operand on one side
 * is read as a plain word, and a lone + or - is punctuation.  Errors
 * (SPASM_EQUERY, naming the byte): no searchable word at all, every word
 * excluded, parentheses nested deeper than 64, a malformed NEAR/n, a NEAR
 * operand of another kind, too long a NEAR chain, a multi-word member of
 * a group inside a phrase; search.c adds the bounds of SP_QUERY_MAX_TERMS
 * and of cost (iter.c).
 */
#ifndef SPASM_QUERY_H
#define SPASM_QUERY_H

#include "analyzer.h"
#include "base.h"

#define SP_NEAR_DEFAULT 10      /* the window of NEAR without /n */
#define SP_NEAR_MAX 1000        /* the largest window NEAR/n takes */
#define SP_NEAR_MAX_OPERANDS 16 /* operands of one NEAR chain */
#define SP_QUERY_MAX_TERMS 768  /* distinct words and prefixes in a query */

typedef enum qtype { Q_TERM, Q_PHRASE, Q_PREFIX, Q_NEAR, Q_AND, Q_OR, Q_REQOPT, Q_EXCL } qtype;
typedef enum qoccur { OCC_SHOULD, OCC_MUST, OCC_NOT } qoccur;
/* The field a word is restricted to: anywhere, the title, the text. */
typedef enum qfield { F_ANY, F_TITLE, F_TEXT } qfield;

typedef struct qnode {
    qtype type;
    char *text; /* Q_TERM: stem; Q_PREFIX: folded prefix */
    size_t len;
    char *word; /* Q_TERM: the folded word (for stop-word checks) */
    size_t wlen;
    uint32_t near;       /* Q_NEAR: window */
    uint32_t qtf;        /* Q_TERM among optional words: times it was typed (0 = 1) */
    size_t at;           /* Q_TERM, Q_PREFIX: byte offset of its word in the query */
    qfield field;        /* Q_TERM, Q_PREFIX: title:, text: or neither */
    struct qnode **kids; /* Q_PHRASE: terms in order; Q_NEAR, Q_AND, Q_OR: operands;
                            Q_REQOPT: required, optional; Q_EXCL: positive, negative */
    size_t nkids;
    /* synonyms and word families (synonyms.c): a Q_TERM's or Q_PHRASE's
     * weight, times its idf (0 = 1) */
    double boost;
} qnode;

/* Parse query; *out receives the tree (NULL when it has no word).
 * 0, SPASM_EQUERY (message in err) or SPASM_ENOMEM.  keep_stop: do not
 * drop stop words from OR lists. */
int sp_query_parse(const sp_alloc *a, sp_analyzer *an, const char *query, int keep_stop,
                   qnode **out, char *err);

void sp_query_free(const sp_alloc *a, qnode *n);

#endif
