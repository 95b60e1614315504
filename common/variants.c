/*
 * variants.c -- the spelling-variant table (variants.h), generated into
 * the build tree (build/gen/variants_table.h): the pairs sorted by the
 * variant spelling, and an open-addressing hash table over them (FNV-1a,
 * linear probing, at most half full; each slot carries 16 bits of the
 * hash), so a lookup costs a hash of the word and about one probe, and
 * rarely touches a pair but the one it finds.  The analyser calls it only when its stem
 * cache misses.
 */
#include "variants.h"

#include <stdint.h>
#include <string.h>

#include "base.h"
#include "variants_table.h"

_Static_assert(SP_VARIANT_PAIRS < 65535, "slots hold 16-bit pair numbers");
_Static_assert((SP_VARIANT_SLOTS & (SP_VARIANT_SLOTS - 1)) == 0, "slots: a power of two");

const char *sp_variant_of(const char *w, size_t n, size_t *len)
{
    /* Every variant has a rewrite site: words of fewer than 3 letters have none. */
    if (n < 3 || n > 255) return NULL;
    uint32_t h = sp_term_hash(w, n);
    for (size_t s = h & (SP_VARIANT_SLOTS - 1);; s = (s + 1) & (SP_VARIANT_SLOTS - 1)) {
        uint32_t k = sp_variant_slots[s];
        if (!k) return NULL;
        if (k >> 16 != h >> 16) continue;
        const struct sp_variant_pair *p = &sp_variant_pairs[(k & 0xFFFF) - 1];
        if (p->flen == n && memcmp(p->from, w, n) == 0) {
            *len = p->tlen;
            return p->to;
        }
    }
}

size_t sp_variant_count(void)
{
    return SP_VARIANT_PAIRS;
}

void sp_variant_pair(size_t i, const char **from, const char **to)
{
    *from = sp_variant_pairs[i].from;
    *to = sp_variant_pairs[i].to;
}
