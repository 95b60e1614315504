/*
 * synonyms.h -- user synonyms (synonyms.c) and word families
 * (families.c), applied to a parsed query before its prefixes expand.
 */
#ifndef SPASM_SYNONYMS_H
#define SPASM_SYNONYMS_H

#include "search.h"

#define SP_SYN_BUDGET 64          /* terms synonyms and families may add to one query */
#define SP_SYN_MAX_WORDS 8        /* words of one synonym entry */
#define SP_SYN_WEIGHT_DEFAULT 0.5 /* of an alternative of an equivalence line */
#define SP_FAM_WEIGHT_DEFAULT 0.5 /* of a family member */
#define SP_FAM_MIN_ROOT 5         /* letters a family's root keeps */
#define SP_FAM_MAX 4              /* members one word adds, at most */
#define SP_FAM_SCAN 4000          /* words read per root, at most */

/* Parse synonym text[0, len) into t (named `name` in messages).  0, or
 * SPASM_EQUERY ("name:line: ...") / SPASM_ENOMEM with t->errmsg. */
int sp_syn_parse(spasm_synonyms *t, const char *name, const char *text, size_t len);

/* The table's source text (what an index stores). */
const char *sp_syn_text(const spasm_synonyms *t, size_t *len);

/* Apply the synonyms and word families that the options ask for (the
 * index's stored table by default) to the query tree *q, which may be
 * replaced; notes go to x->notes.  0 or an error code (message in x->err). */
int sp_syn_query(spasm_searcher *s, const spasm_search_options *o, it_ctx *x, qnode **q);

/* Word families: call fn(ud, stem, len, df) for the terms of the index
 * derived from `word` (the folded word, its stem `stem`), most frequent
 * first, at most `max` of them.  0 or an error code. */
typedef int (*sp_fam_fn)(void *ud, const char *stem, size_t len);
int sp_fam_each(it_ctx *x, const char *word, size_t wlen, const char *stem, size_t slen, size_t max,
                sp_fam_fn fn, void *ud);

#endif
