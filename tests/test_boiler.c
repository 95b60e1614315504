/*
 * test_boiler.c -- the page-furniture prior (issue 14 part 7): what
 * sp_boiler_prior() calls furniture and what it leaves alone; the footer
 * case of the bundled corpus ("when should I see a doctor about muscle
 * spasms" put the comment-form passage 002#23 first); pruning stays exact
 * with the prior on; an index without the PRIO section (written before
 * it) searches as before; a live index, updated and merged, gives the
 * priors of the one-shot index.
 */
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "analyzer.h"
#include "boiler.h"
#include "format.h"
#include "search.h"
#include "spasm.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-boiler-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* The prior of text analysed as a passage body. */
static unsigned prior_of(const char *text)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_analyzer *an = sp_analyzer_new(&a, 256);
    assert_non_null(an);
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    size_t n;
    const sp_token *t = sp_analyzer_tokens(an, &n);
    unsigned p = sp_boiler_prior(text, strlen(text), t, n, sp_analyzer_pool(an));
    sp_analyzer_free(an);
    return p;
}

/* Content (a paragraph, a heading over one, a list of short items, one
 * technical line that happens to say "comment" and "conditions") keeps
 * 255; a lone "Leave a Reply" and comment-form lines do not. */
static void test_shapes(void **state)
{
    (void)state;
    assert_true(sp_boiler_selfcheck()); /* the perfect hash finds every form word */
    assert_int_equal(prior_of(""), 255);
    assert_int_equal(prior_of("A muscle spasm occurs when a muscle contracts involuntarily. "
                              "Muscle spasms often occur spontaneously with no stimulation."),
                     255);
    assert_int_equal(prior_of("Causes of Muscle Spasms\n\nA muscle spasm occurs when a muscle "
                              "contracts involuntarily and does not relax."),
                     255);
    assert_int_equal(prior_of("Common causes:\n\nDehydration\nPregnancy\nMedications\nOveruse"),
                     255);
    assert_int_equal(prior_of("comment on improved numerical solution of the blasius problem "
                              "with three-point boundary conditions . attention is drawn to a "
                              "previous accurate solution to the problem ."),
                     255);
    /* pure furniture: 1 - 0.5 */
    assert_int_equal(prior_of("Leave a Reply"), 128);
    assert_int_equal(prior_of("Was this comment helpful?Yes\n\nHealth Solutions From Our Sponsors"),
                     128);
    /* a footer over a patient's comment: about half of it */
    unsigned mixed = prior_of(
        "Return to Muscle Spasms\n\nSee what others are saying\n\nComment from: jane brown, 75 "
        "or over Female (Patient) Published: December 07\n\nI fell on ice on my back. The "
        "muscle spasms started 1 week after. I had no broken bones.");
    assert_true(mixed > 160 && mixed < 200);
    /* form text: many distinct form words */
    assert_true(prior_of("By submitting your comment, and other materials (collectively referred "
                         "to as a Submission) to the website, you agree to the Terms and "
                         "Privacy Policy; we may publish, copy and share your submission "
                         "anonymously.") < 230);
}

/* The first hit's document id and passage ordinal for query on s. */
static void first_hit(spasm_searcher *s, const char *query, int boiler, char *id, size_t idn,
                      uint32_t *ordinal, double *score)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 5;
    o.boilerplate = boiler;
    spasm_results *r;
    assert_int_equal(spasm_search(s, query, &o, &r), 0);
    assert_true(spasm_results_count(r) > 0);
    const spasm_hit *h = spasm_results_hit(r, 0);
    snprintf(id, idn, "%s", h->doc_id);
    *ordinal = h->ordinal;
    *score = h->score;
    spasm_results_free(r);
}

#define FOOTER_DOC "002_d8b5a69b0f81f7af"
#define FOOTER_QUERY "when should I see a doctor about muscle spasms"

/* The example: with the prior the footer passage (002#23,
 * ordinal 22) is no longer first; without it, it is. */
static void test_footer_case(void **state)
{
    (void)state;
    char p[300], id[64];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, p, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    uint32_t ord;
    double sc;
    first_hit(s, FOOTER_QUERY, SPASM_BOILER_OFF, id, sizeof id, &ord, &sc);
    assert_string_equal(id, FOOTER_DOC);
    assert_int_equal(ord, 22);
    first_hit(s, FOOTER_QUERY, SPASM_BOILER_ON, id, sizeof id, &ord, &sc);
    assert_false(strcmp(id, FOOTER_DOC) == 0 && ord == 22);
    /* the default is SPASM_BOILER_DEFAULT_IS */
    first_hit(s, FOOTER_QUERY, SPASM_BOILER_DEFAULT, id, sizeof id, &ord, &sc);
    assert_int_equal(strcmp(id, FOOTER_DOC) == 0 && ord == 22,
                     SPASM_BOILER_DEFAULT_IS == SPASM_BOILER_OFF);
    /* a bad value is refused */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.boilerplate = 3;
    spasm_results *r = NULL;
    assert_int_equal(spasm_search(s, FOOTER_QUERY, &o, &r), SPASM_EINVAL);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "boilerplate"));
    /* --explain shows the factor, and the score it gives is the one ranked */
    spasm_search_options_init(&o);
    o.k = 10;
    o.explain = 1;
    o.boilerplate = SPASM_BOILER_ON;
    assert_int_equal(spasm_search(s, FOOTER_QUERY, &o, &r), 0);
    int seen = 0;
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        if (strcmp(h->doc_id, FOOTER_DOC) || h->ordinal != 22) continue;
        seen = 1;
        assert_non_null(strstr(h->explain, "page-furniture prior"));
        assert_true(fabs(strtod(h->explain, NULL) - h->score) < 1e-5);
    }
    assert_true(seen);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* With the prior on, MaxScore pruning returns what exhaustive evaluation
 * returns (the prior is a factor <= 1, so the bounds still hold). */
static void test_pruning_exact(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, p, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    const char *queries[] = {FOOTER_QUERY,
                             "comments from patients about throat spasms",
                             "muscle spasms after a fall on ice",
                             "helpful comment",
                             "muscle",
                             "leave a reply",
                             "spasm cramp night calf"};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
        for (size_t k = 1; k <= 20; k += 6) {
            spasm_search_options o;
            spasm_search_options_init(&o);
            o.k = k;
            o.boilerplate = SPASM_BOILER_ON;
            spasm_results *fast, *slow;
            s->force_exhaustive = 0;
            assert_int_equal(spasm_search(s, queries[q], &o, &fast), 0);
            s->force_exhaustive = 1;
            assert_int_equal(spasm_search(s, queries[q], &o, &slow), 0);
            s->force_exhaustive = 0;
            assert_int_equal(spasm_results_count(fast), spasm_results_count(slow));
            for (size_t i = 0; i < spasm_results_count(fast); i++) {
                assert_int_equal(spasm_results_hit(fast, i)->passage,
                                 spasm_results_hit(slow, i)->passage);
                assert_true(fabs(spasm_results_hit(fast, i)->score -
                                 spasm_results_hit(slow, i)->score) < 1e-9);
            }
            spasm_results_free(fast);
            spasm_results_free(slow);
        }
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Rewrite the index file at path without its PRIO section, as a writer
 * before issue 14 part 7 made it: the section's tag becomes one no reader
 * knows (the bytes stay, unread), and the section table and header CRCs
 * are recomputed. */
static void strip_prio(const char *path)
{
    size_t n;
    char *f = slurp(path, &n);
    assert_non_null(f);
    uint8_t *b = (uint8_t *)f;
    uint64_t T = sp_get_u64(b + 24);
    uint32_t S = sp_get_u32(b + 32);
    int found = 0;
    for (uint32_t i = 0; i < S; i++) {
        uint8_t *e = b + T + SP_SECTION_ENTRY * (uint64_t)i;
        if (sp_get_u32(e) == SP_SEC_PRIO) {
            sp_put_u32(e, SP_TAG('Z', 'Z', 'Z', 'Z'));
            found = 1;
        }
    }
    assert_true(found);
    sp_put_u32(b + 56, (uint32_t)crc32(0, b + T, SP_SECTION_ENTRY * S));
    sp_put_u32(b + 124, (uint32_t)crc32(0, b, 124));
    write_file(path, f, n);
    free(f);
}

/* Every hit of query on a and on b, the same passages and scores. */
static void expect_same_hits(spasm_searcher *a, spasm_searcher *b, const char *query, int ba,
                             int bb)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 30;
    spasm_results *ra, *rb;
    o.boilerplate = ba;
    assert_int_equal(spasm_search(a, query, &o, &ra), 0);
    o.boilerplate = bb;
    assert_int_equal(spasm_search(b, query, &o, &rb), 0);
    assert_int_equal(spasm_results_count(ra), spasm_results_count(rb));
    for (size_t i = 0; i < spasm_results_count(ra); i++) {
        const spasm_hit *x = spasm_results_hit(ra, i), *y = spasm_results_hit(rb, i);
        assert_string_equal(x->doc_id, y->doc_id);
        assert_int_equal(x->ordinal, y->ordinal);
        assert_true(fabs(x->score - y->score) < 1e-6);
    }
    spasm_results_free(ra);
    spasm_results_free(rb);
}

/* An index without PRIO opens, verifies, and scores with the prior on
 * exactly as the full index does with it off. */
static void test_old_file(void **state)
{
    (void)state;
    char src[300], old[300];
    snprintf(src, sizeof src, "%s/corpus.spx", build_dir());
    snprintf(old, sizeof old, "%s/old.spx", tmpdir);
    assert_int_equal(run("cp %s %s", src, old), 0);
    strip_prio(old);
    spasm_index *ia, *ib;
    spasm_searcher *sa, *sb;
    assert_int_equal(spasm_open(&ia, src, NULL), 0);
    assert_int_equal(spasm_open(&ib, old, NULL), 0);
    assert_int_equal(spasm_index_verify(ib), 0);
    assert_int_equal(spasm_searcher_new(ia, &sa), 0);
    assert_int_equal(spasm_searcher_new(ib, &sb), 0);
    expect_same_hits(sa, sb, FOOTER_QUERY, SPASM_BOILER_OFF, SPASM_BOILER_ON);
    expect_same_hits(sa, sb, "helpful comment", SPASM_BOILER_OFF, SPASM_BOILER_ON);
    spasm_searcher_free(sa);
    spasm_searcher_free(sb);
    spasm_close(ia);
    spasm_close(ib);
}

/* A live index (the corpus in two updates, then merged into one segment)
 * has the one-shot index's priors: same hits and scores with them on. */
static void test_live_and_merge(void **state)
{
    (void)state;
    char src[300], live[300];
    snprintf(src, sizeof src, "%s/corpus.spx", build_dir());
    snprintf(live, sizeof live, "%s/corpus.live", tmpdir);
    const char *bin = build_dir();
    assert_int_equal(run("%s/bin/spasm-index -q --update -o %s corpus/000_*.txt corpus/001_*.txt "
                         "corpus/002_*.txt",
                         bin, live),
                     0);
    assert_int_equal(
        run("%s/bin/spasm-index -q --update -o %s corpus/003_*.txt corpus/004_*.txt", bin, live),
        0);
    spasm_index *ia, *ib;
    spasm_searcher *sa, *sb;
    assert_int_equal(spasm_open(&ia, src, NULL), 0);
    assert_int_equal(spasm_searcher_new(ia, &sa), 0);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            assert_int_equal(run("%s/bin/spasm-index -q --optimize -o %s", bin, live), 0);
        assert_int_equal(spasm_open(&ib, live, NULL), 0);
        assert_int_equal(spasm_searcher_new(ib, &sb), 0);
        expect_same_hits(sa, sb, FOOTER_QUERY, SPASM_BOILER_ON, SPASM_BOILER_ON);
        expect_same_hits(sa, sb, "comments from patients about throat spasms", SPASM_BOILER_ON,
                         SPASM_BOILER_ON);
        expect_same_hits(sa, sb, "leave a reply", SPASM_BOILER_ON, SPASM_BOILER_ON);
        spasm_searcher_free(sb);
        spasm_close(ib);
    }
    spasm_searcher_free(sa);
    spasm_close(ia);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),         cmocka_unit_test(test_footer_case),
        cmocka_unit_test(test_pruning_exact),  cmocka_unit_test(test_old_file),
        cmocka_unit_test(test_live_and_merge),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
