/*
 * pruning_util.h -- what test_pruning.c and test_rank_window.c share: a
 * temporary folder and the bundled corpus opened (setup, teardown), the
 * synthetic collection of 300 Zipf-distributed words whose lists have
 * many blocks (blocks_searcher), and the check that pruned evaluation
 * returns what exhaustive evaluation does (expect_same).  Included once
 * per test program; everything is static.
 */
#ifndef SPASM_PRUNING_UTIL_H
#define SPASM_PRUNING_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "live.h" /* the merge policy's knobs */
#include "search.h"
#include "spasm.h"

/* The synthetic collection's 300 words (word i is the i-th most frequent). */
static char blk_words[300][16];
static const char *blk_wp[300];
static spasm_index *blk_ix;
static spasm_searcher *blk_s;

static spasm_index *corpus_ix;
static spasm_searcher *corpus_s;
static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-prune-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (spasm_open(&corpus_ix, p, NULL)) return -1;
    return spasm_searcher_new(corpus_ix, &corpus_s);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(corpus_s);
    spasm_close(corpus_ix);
    spasm_searcher_free(blk_s);
    spasm_close(blk_ix);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* Run query with pruning and exhaustively on s; the two must agree:
 * same passages in the same order, scores within 1e-6. */
static void expect_same(spasm_searcher *s, const char *query, const spasm_search_options *o)
{
    spasm_results *fast, *slow;
    s->force_exhaustive = 0;
    int rc1 = spasm_search(s, query, o, &fast);
    s->force_exhaustive = 1;
    int rc2 = spasm_search(s, query, o, &slow);
    s->force_exhaustive = 0;
    assert_int_equal(rc1, rc2);
    if (rc1) return;
    if (spasm_results_count(fast) != spasm_results_count(slow))
        print_error("query [%s] k=%zu: %zu hits pruned, %zu exhaustive\n", query, o->k,
                    spasm_results_count(fast), spasm_results_count(slow));
    assert_int_equal(spasm_results_count(fast), spasm_results_count(slow));
    for (size_t i = 0; i < spasm_results_count(fast); i++) {
        const spasm_hit *a = spasm_results_hit(fast, i), *b = spasm_results_hit(slow, i);
        if (a->passage != b->passage || fabs(a->score - b->score) >= 1e-6)
            print_error("query [%s] k=%zu rank %zu: passage %u (%.9f) pruned, %u (%.9f) "
                        "exhaustive\n",
                        query, o->k, i, a->passage, a->score, b->passage, b->score);
        assert_int_equal(a->passage, b->passage);
        assert_true(fabs(a->score - b->score) < 1e-6);
    }
    spasm_results_free(fast);
    spasm_results_free(slow);
}

/* A synthetic collection large enough for posting lists of many blocks
 * (Zipf-like word frequencies, passage lengths 3..80), where block-max
 * pruning actually skips blocks; built once. */
static spasm_searcher *blocks_searcher(void)
{
    if (blk_s) return blk_s;
    static const char *syl[] = {"ka", "lo", "mi", "ru", "te", "sa", "no", "pi", "do", "fe"};
    char(*words)[16] = blk_words;
    for (int i = 0; i < 300; i++) {
        snprintf(words[i], sizeof words[i], "%s%s%sx", syl[i % 10], syl[(i / 10) % 10],
                 syl[(i / 100) % 10]);
        blk_wp[i] = words[i];
    }
    char path[300];
    snprintf(path, sizeof path, "%s/blocks.spx", tmpdir);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    srand(11);
    char *text = malloc(1 << 16);
    assert_non_null(text);
    for (int d = 0; d < 6000; d++) {
        size_t len = 0;
        int npass = 1 + (rand() % 5 == 0) * (rand() % 3);
        for (int p = 0; p < npass; p++) {
            int nwords = 3 + rand() % 78;
            for (int i = 0; i < nwords; i++) {
                double u = (double)rand() / RAND_MAX;
                int wi = (int)(300 * u * u * u);
                len +=
                    (size_t)sprintf(text + len, "%s%s", i ? " " : "", words[wi < 300 ? wi : 299]);
            }
            len += (size_t)sprintf(text + len, ".\n\n");
        }
        char id[32];
        snprintf(id, sizeof id, "d%d", d);
        assert_int_equal(spasm_writer_add(w, id, NULL, text, len), 0);
    }
    free(text);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    assert_int_equal(spasm_open(&blk_ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(blk_ix, &blk_s), 0);
    return blk_s;
}

#endif
