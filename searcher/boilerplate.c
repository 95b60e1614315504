/*
 * boilerplate.c -- the page-furniture prior at search time (issue 14
 * part 7; boilerplate.h, indexer/boiler.c for how the writer computes
 * it, docs/FORMAT.md for the PRIO section).
 */
#include "boilerplate.h"

int sp_boiler_wanted(const spasm_search_options *o)
{
    int v = o ? o->boilerplate : SPASM_BOILER_DEFAULT;
    if (v == SPASM_BOILER_DEFAULT) v = SPASM_BOILER_DEFAULT_IS;
    return v == SPASM_BOILER_ON;
}

double sp_boiler_prior_of(sp_seg *ix, uint32_t d, int *rc, char *err)
{
    it_ctx x;
    memset(&x, 0, sizeof x);
    x.ix = ix;
    x.boiler = 1;
    x.err = err;
    double p = sp_it_prior(&x, d);
    if (x.rc) *rc = x.rc;
    return x.rc ? 0 : p;
}
