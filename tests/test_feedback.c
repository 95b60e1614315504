/*
 * test_feedback.c -- pseudo-relevance feedback (RM3, searcher/feedback.c)
 * on the bundled corpus: the expanded query matches more passages than
 * the typed one (one word and several), a query with operators is left
 * as typed, pruning stays exact, bad values are refused.
 */
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "search.h"
#include "spasm.h"

static spasm_index *ix;
static spasm_searcher *s;

static int setup(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (spasm_open(&ix, p, NULL)) return -1;
    return spasm_searcher_new(ix, &s);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(s);
    spasm_close(ix);
    return 0;
}

/* Options with feedback of `terms` words (0: off) over 5 passages. */
static spasm_search_options fb(size_t terms)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 66;
    o.feedback_terms = terms;
    o.feedback_docs = 5;
    o.feedback_weight = 0.7;
    return o;
}

static uint64_t total(const char *query, size_t terms)
{
    spasm_search_options o = fb(terms);
    spasm_results *r;
    assert_int_equal(spasm_search(s, query, &o, &r), 0);
    uint64_t t = spasm_results_total(r);
    spasm_results_free(r);
    return t;
}

/* The model's words join the query: more passages match. */
static void test_expands(void **state)
{
    (void)state;
    assert_true(total("renal colic", 20) > total("renal colic", 0));
    assert_true(total("fasciculation", 20) > total("fasciculation", 0));
    /* off by default */
    spasm_search_options o;
    spasm_search_options_init(&o);
    assert_int_equal(o.feedback_terms, 0);
}

/* Operators: the query is searched as typed. */
static void test_operators_untouched(void **state)
{
    (void)state;
    const char *queries[] = {"+kidney stone", "kidney -stone", "\"renal colic\" AND pain",
                             "title:causes dehydration", "calf NEAR/5 night"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
        assert_int_equal(total(queries[i], 20), total(queries[i], 0));
}

/* Pruned and exhaustive evaluation of the expanded query agree. */
static void test_pruning_exact(void **state)
{
    (void)state;
    const char *queries[] = {"renal colic", "night calf cramps", "what is a muscle spasm",
                             "dehydration", "magnesium for leg cramps in pregnancy"};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
        for (size_t k = 1; k <= 21; k += 10) {
            spasm_search_options o = fb(30);
            o.k = k;
            spasm_results *a, *b;
            s->force_exhaustive = 0;
            assert_int_equal(spasm_search(s, queries[q], &o, &a), 0);
            s->force_exhaustive = 1;
            assert_int_equal(spasm_search(s, queries[q], &o, &b), 0);
            s->force_exhaustive = 0;
            assert_int_equal(spasm_results_count(a), spasm_results_count(b));
            for (size_t i = 0; i < spasm_results_count(a); i++) {
                assert_int_equal(spasm_results_hit(a, i)->passage,
                                 spasm_results_hit(b, i)->passage);
                assert_true(fabs(spasm_results_hit(a, i)->score - spasm_results_hit(b, i)->score) <
                            1e-6);
            }
            spasm_results_free(a);
            spasm_results_free(b);
        }
}

static void test_bad_values(void **state)
{
    (void)state;
    spasm_results *r = NULL;
    spasm_search_options o = fb(SPASM_FEEDBACK_MAX + 1);
    assert_int_equal(spasm_search(s, "cramp", &o, &r), SPASM_EINVAL);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "feedback"));
    o = fb(10);
    o.feedback_weight = 1;
    assert_int_equal(spasm_search(s, "cramp", &o, &r), SPASM_EINVAL);
    o = fb(10);
    o.feedback_docs = SPASM_FEEDBACK_MAX + 1;
    assert_int_equal(spasm_search(s, "cramp", &o, &r), SPASM_EINVAL);
    assert_null(r);
    /* the CLI names the option */
    assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx --feedback-weight 1.5 cramp "
                         ">/dev/null 2>&1",
                         build_dir(), build_dir()),
                     2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expands),
        cmocka_unit_test(test_operators_untouched),
        cmocka_unit_test(test_pruning_exact),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
