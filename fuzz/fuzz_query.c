/*
 * fuzz_query.c -- libFuzzer target for the query parser and search.
 *
 * Input: 3 option bytes, then the query (bytes up to the first NUL).
 *   byte 0  k: 1 + (byte % 32), or 1000 when byte >= 0xf8; below 0xf8,
 *           bit 5 word families, bit 6 proximity 2.0, bit 7 no synonyms
 *   byte 1  bit 0 group by document, bit 1 no near-duplicate folding,
 *           bit 2 explain, bit 3 keep stop words, bit 4 ids only (fields),
 *           bit 5 offset 3, bit 6 non-default k1 and b (pruning bounds
 *           then come from the largest tf and shortest length), bit 7
 *           typo tolerance on (the walk of searcher/suggest.c)
 *   byte 2  snippet bytes: 0 (the default) or 8 * byte
 * The query runs through spasm_search() and, for an input of even size,
 * spasm_count() (it evaluates the query a second time: half of the inputs
 * skip it, for throughput; so do those with families, which match more
 * than the count, and corrected ones, fuzzutil.c) against a small index
 * built for it from fuzz/query/ (fuzz/README.md: 157 passages, 113 terms,
 * stored synonyms, spelling variants, rare words next to frequent ones,
 * a term in 140 passages), opened once (SPASM_FUZZ_INDEX, else
 * build/fuzz-query.spx), and every result is checked (fuzzutil.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"

static fuzz_qix *fq; /* the index searched (fuzzutil.c) */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fq = fuzz_open_query_index("fuzz_query");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 12 * 1024) return 0;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = data[0] >= 0xf8 ? 1000 : 1 + data[0] % 32;
    o.group = data[1] & 1 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
    o.collapse = !(data[1] & 2);
    o.explain = !!(data[1] & 4);
    o.keep_stopwords = !!(data[1] & 8);
    if (data[1] & 16) o.fields = SPASM_FIELD_ID;
    if (data[1] & 32) o.offset = 3;
    if (data[1] & 64) {
        o.k1 = 0.5;
        o.b = 0.9;
    }
    o.snippet_bytes = 8 * (size_t)data[2];
    if (data[1] & 128) o.typos = SPASM_TYPOS_ON;
    if (data[0] < 0xf8) {
        o.families = !!(data[0] & 32);
        if (data[0] & 64) o.proximity = 2.0;
        o.no_synonyms = !!(data[0] & 128);
    }
    char *q = malloc(size - 3 + 1);
    FUZZ_CHECK(q != NULL, "out of memory");
    memcpy(q, data + 3, size - 3);
    q[size - 3] = 0;
    fuzz_search_count(fq->s, q, &o, &fq->st, !(size & 1) && !o.families);
    free(q);
    return 0;
}
