/*
 * boiler.h -- page furniture ("boilerplate") prior of a passage (issue 14
 * part 7): computed at index time from the passage's own text, stored in
 * the optional PRIO section (docs/FORMAT.md), applied by the searcher as
 * a score multiplier <= 1 (searcher/boilerplate.c).
 */
#ifndef SPASM_BOILER_H
#define SPASM_BOILER_H

#include "analyzer.h"
#include "base.h"

/* The prior of a passage whose analysed body is tok[0, n) (word spans
 * into text[0, len), folded words in pool), 1..255 for 1/255..1: 255 for
 * content, lower the more of it is page furniture (short lines of link
 * and form words, form-word text).  A pure function of the passage, so
 * that a merge (which re-adds the stored passages) gives the same. */
uint8_t sp_boiler_prior(const char *text, size_t len, const sp_token *tok, size_t n,
                        const char *pool);

/* 1 when the form-word table's hash finds each of its words (a test). */
int sp_boiler_selfcheck(void);

/* Append sp_boiler_prior() of the passage to out (one byte). */
static inline void sp_boiler_note(sp_buf *out, const char *text, size_t len, const sp_token *tok,
                                  size_t n, const char *pool)
{
    sp_buf_putc(out, sp_boiler_prior(text, len, tok, n, pool));
}

#endif
