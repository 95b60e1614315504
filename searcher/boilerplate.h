/*
 * boilerplate.h -- the page-furniture prior at search time (issue 14
 * part 7): the writer stores a u8 per passage in the optional PRIO
 * section (indexer/boiler.c); with spasm_search_options.boilerplate on, a
 * passage's score is multiplied by it (prior / 255, at most 1, so that
 * the pruning bounds computed without it still bound the score).
 */
#ifndef SPASM_BOILERPLATE_H
#define SPASM_BOILERPLATE_H

#include "search.h"

/* 1 when options o (NULL: the defaults) want the prior applied. */
int sp_boiler_wanted(const spasm_search_options *o);

/* The prior of passage d of x's segment, in (0, 1]: 1 when the prior is
 * off or the segment has no PRIO.  PRIO is checksummed lazily, chunk by
 * chunk, as LENS is; a corrupt chunk sets x->rc (the search fails). */
static inline double sp_it_prior(it_ctx *x, uint32_t d)
{
    sp_seg *ix = x->ix;
    if (!x->boiler || !ix->prio.p || d >= ix->npass) return 1;
    uint64_t off = ix->prio.off + d;
    uint64_t c = (off - SP_HEADER_SIZE) >> ix->chunk_log2;
    if (!(atomic_load_explicit(&ix->verified[c >> 6], memory_order_acquire) & (1ull << (c & 63)))) {
        int r = sp_ix_ensure(ix, off, 1, x->err);
        if (r) {
            x->rc = r;
            return 1;
        }
    }
    unsigned q = ix->prio.p[d];
    return q >= 255 ? 1.0 : q / 255.0;
}

/* The prior of passage d of segment ix (1 without PRIO), for --explain;
 * 0 with *rc set when its chunk is corrupt. */
double sp_boiler_prior_of(sp_seg *ix, uint32_t d, int *rc, char *err);

#endif
