/*
 * test_cancel_prefix.c -- a prefix's expansion (searcher/expand.c) stops
 * at the cancel flag or the deadline (spasm_searcher_set_cancel), as the
 * ranking does (test_cancel.c): a prefix may read 100,000 words, each a
 * df look-up, before any ranking check is reached.
 *
 * The index holds 50,000 distinct words "zq" + 5 digits.  Expanding "zq*"
 * grows the expansion's tables by doubling: past 32,768 terms they take
 * more than 256 KiB.  The index's allocator sets the flag at the first
 * allocation of 64 KiB or more during the search (some 8,000 terms in,
 * inside the expansion) and records the largest allocation made after
 * it.  With the check the expansion stops within a few hundred words, so
 * nothing near 256 KiB is allocated after the flag; without it, the
 * expansion reads all 50,000 words and its tables pass 256 KiB.  No
 * timing is asserted.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

#define NPASS 2500
#define WORDS_PER 20 /* NPASS * WORDS_PER distinct words */

static char dir[256], path[300];

static int armed;
static size_t after_max; /* largest allocation after the flag was set */
static volatile sig_atomic_t flag;

/* The index's allocator: sets the flag at the first large allocation
 * while armed, then watches the sizes. */
static void *hook_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud, (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (armed && flag && nsize > after_max) after_max = nsize;
    if (armed && !flag && nsize >= 65536) flag = 1;
    return realloc(ptr, nsize);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/spasm-test-cancel-prefix-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/p.spx", dir);
    spasm_writer *w;
    if (spasm_writer_new(&w, path, NULL) != SPASM_OK) return -1;
    for (int i = 0; i < NPASS; i++) {
        char text[WORDS_PER * 10 + 16], id[32];
        size_t n = (size_t)snprintf(text, sizeof text, "common");
        for (int j = 0; j < WORDS_PER; j++)
            n += (size_t)snprintf(text + n, sizeof text - n, " zq%05d", i * WORDS_PER + j);
        snprintf(id, sizeof id, "d%d", i);
        if (spasm_writer_add(w, id, NULL, text, n) != SPASM_OK) return -1;
    }
    int rc = spasm_writer_commit(w);
    spasm_writer_abandon(w);
    return rc == SPASM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    run("rm -rf '%s'", dir);
    return 0;
}

/* Run query through count (search = 0) or search (1) with the hook armed:
 * the call's code; *big receives the largest allocation after the flag. */
static int armed_call(spasm_searcher *s, const char *query, int search, size_t *big)
{
    flag = 0, after_max = 0, armed = 1;
    int rc;
    if (search) {
        spasm_results *r = NULL;
        rc = spasm_search(s, query, NULL, &r);
        if (rc != SPASM_OK) assert_null(r); /* no results when stopped */
        spasm_results_free(r);
    } else {
        uint64_t c = 0;
        rc = spasm_count(s, query, &c);
    }
    armed = 0;
    assert_true(flag); /* the hook was reached: the expansion got that far */
    *big = after_max;
    return rc;
}

/* Unwatched, "zq*" expands (cut to its budget, noted) and matches. */
static void test_unwatched_expands(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_results *r;
    assert_int_equal(spasm_search(s, "zq*", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 10);
    assert_true(spasm_results_flags(r) & SPASM_RESULT_EXPANSION_CUT);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* The flag set during the expansion stops it: ECANCELED with the
 * message, for count and search, and the expansion read no further; the
 * searcher works again once the flag is cleared. */
static void test_flag_stops_expansion(void **state)
{
    (void)state;
    spasm_open_options oo = {0};
    oo.alloc = hook_alloc;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_OK);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_searcher_set_cancel(s, &flag, 0);
    size_t big;
    assert_int_equal(armed_call(s, "zq*", 0, &big), SPASM_ECANCELED);
    assert_true(big < 262144);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "canceled"));
    assert_int_equal(armed_call(s, "common zq*", 1, &big), SPASM_ECANCELED);
    assert_true(big < 262144);
    flag = 0;
    spasm_results *r;
    assert_int_equal(spasm_search(s, "zq*", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 10);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unwatched_expands),
        cmocka_unit_test(test_flag_stops_expansion),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
