/*
 * feedback.h -- pseudo-relevance feedback (RM3) for spasm_search
 * (spasm_search_options.feedback_terms; feedback.c).
 */
#ifndef SPASM_FEEDBACK_H
#define SPASM_FEEDBACK_H

#include "search.h"

/* Expand the bag-of-words query *qt with the relevance model of the
 * first-pass hits h[0, n) (best first): the model's feedback_terms most
 * likely words join it as weighted optional words, typed words gain
 * weight.  A query with operators is left as it is.  0 or an error code
 * (message in s->errmsg). */
int sp_feedback_expand(spasm_searcher *s, const spasm_search_options *o, it_ctx *x,
                       const sp_cand *h, size_t n, qnode **qt);

#endif
