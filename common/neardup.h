/*
 * neardup.h -- the near-duplicate rule, shared by the writer's DUPS
 * section (indexer/dups.c) and the searcher's folding (searcher/collapse.c),
 * so that the two can never disagree.
 *
 * Passages p and q are near-duplicates when at least SP_DUP_MIN_SHARED of
 * their distinct word bigrams, and at least half of the shorter one's,
 * occur in both (sp_dup_rule).  Candidates share at least SP_DUP_MIN_KEYS
 * non-empty SIGS bucket values.  A SIGB bitmap bit set in p's entry and not
 * in q's stands for at least one bigram of p absent from q, so p and q
 * share at most n_p minus that many bigrams (sp_sigb_bound): a test that
 * rules most candidates out without reading their text.
 */
#ifndef SPASM_NEARDUP_H
#define SPASM_NEARDUP_H

#include <stdint.h>

#include "format.h"

#define SP_DUP_MIN_SHARED 4
#define SP_DUP_MIN_KEYS 2
#define SP_SIGB_WORDS (SP_SIGB_BITS / 64)

/* The set bits of x (SWAR: the library is built for any x86-64, without
 * the popcnt instruction, which __builtin_popcountll would call out for). */
static inline uint32_t sp_popcount64(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* 1 if passages of na and nb distinct bigrams sharing `shared` of them
 * are near-duplicates, else 0. */
static inline int sp_dup_rule(uint64_t shared, uint64_t na, uint64_t nb)
{
    uint64_t shorter = na < nb ? na : nb;
    return shared >= SP_DUP_MIN_SHARED && 2 * shared >= shorter;
}

/* 0 when the SIGB bitmaps a and b (SP_SIGB_WORDS words, of passages of na
 * and nb distinct bigrams) prove the two no near-duplicates, else 1 (also
 * for entries that contradict themselves: the text then decides). */
static inline int sp_sigb_bound(const uint64_t *a, const uint64_t *b, uint32_t na, uint32_t nb)
{
    uint32_t only_a = 0, only_b = 0;
    for (int w = 0; w < SP_SIGB_WORDS; w++) {
        only_a += sp_popcount64(a[w] & ~b[w]);
        only_b += sp_popcount64(b[w] & ~a[w]);
    }
    if (only_a > na || only_b > nb) return 1;
    uint32_t ma = na - only_a, mb = nb - only_b;
    return sp_dup_rule(ma < mb ? ma : mb, na, nb);
}

#endif
