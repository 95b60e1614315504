/*
 * variants.h -- British and variant spellings folded to the American one
 * ("anaemia" -> "anemia", "colour" -> "color"), for the analyser.
 *
 * The table is generated at build time from Debian's SCOWL word lists by
 * scripts/gen-variants.py (rules and checks described there and in the
 * README, "Text analysis"); it holds folded words (lower case, accents
 * stripped), sorted bytewise.
 */
#ifndef SPASM_VARIANTS_H
#define SPASM_VARIANTS_H

#include <stddef.h>

/* The canonical spelling of the folded word w[0, n) (NUL terminated, its
 * length in *len), or NULL when w is not a variant spelling. */
const char *sp_variant_of(const char *w, size_t n, size_t *len);

/* The number of pairs in the table (for tests and stats). */
size_t sp_variant_count(void);

/* Pair i of the table (i < sp_variant_count()): *from, *to. */
void sp_variant_pair(size_t i, const char **from, const char **to);

#endif
