/*
 * variants.c -- the spelling-variant table (variants.h): a sorted array
 * generated into the build tree (build/gen/variants_table.h), searched by
 * bisection.  The analyser calls it only when its stem cache misses, so
 * the few comparisons of a lookup are paid once per distinct word.
 */
#include "variants.h"

#include <string.h>

#include "variants_table.h"

/* Compare w[0, n) with the NUL-terminated s, bytewise. */
static int cmp_n(const char *w, size_t n, const char *s)
{
    size_t m = strlen(s);
    int c = memcmp(w, s, n < m ? n : m);
    if (c) return c;
    return n < m ? -1 : n > m;
}

const char *sp_variant_of(const char *w, size_t n, size_t *len)
{
    /* Every variant has a rewrite site: words of fewer than 3 letters have none. */
    if (n < 3) return NULL;
    size_t lo = 0, hi = SP_VARIANT_PAIRS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_n(w, n, sp_variant_pairs[mid][0]);
        if (c == 0) {
            *len = strlen(sp_variant_pairs[mid][1]);
            return sp_variant_pairs[mid][1];
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t sp_variant_count(void)
{
    return SP_VARIANT_PAIRS;
}

void sp_variant_pair(size_t i, const char **from, const char **to)
{
    *from = sp_variant_pairs[i][0];
    *to = sp_variant_pairs[i][1];
}
