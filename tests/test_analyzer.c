/*
 * test_analyzer.c -- the one analyser that indexes documents and
 * queries: apostrophes, case and accent folding, positions and byte
 * offsets, Snowball stemming, and the stem cache (it starts small and
 * grows with the words stemmed, and stems the same without memory), and
 * stemming only the words that begin with given bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "analyzer.h"

static char **analyse(const char *text, size_t *n)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_analyzer *an = sp_analyzer_new(&a, 64);
    assert_non_null(an);
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    const sp_token *t = sp_analyzer_tokens(an, n);
    const char *pool = sp_analyzer_pool(an);
    char **out = calloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) out[i] = strndup(pool + t[i].term_off, t[i].term_len);
    sp_analyzer_free(an);
    return out;
}

static void free_terms(char **t, size_t n)
{
    for (size_t i = 0; i < n; i++) free(t[i]);
    free(t);
}

static void expect_terms(const char *text, const char *const *want, size_t nwant)
{
    size_t n;
    char **t = analyse(text, &n);
    if (n != nwant) {
        for (size_t i = 0; i < n; i++) print_error("  got [%s]\n", t[i]);
    }
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) assert_string_equal(t[i], want[i]);
    free_terms(t, n);
}

static void test_analyzer_apostrophes(void **state)
{
    (void)state;
    const char *w1[] = {"writer", "cramp"};
    expect_terms("Writer's cramps", w1, 2);
    expect_terms("Writer\xE2\x80\x99s cramps", w1, 2);
    const char *w2[] = {"prinzmet", "angina"};
    size_t n;
    char **t = analyse("Prinzmetal's angina", &n);
    char **u = analyse("prinzmetal angina", &n);
    assert_string_equal(t[0], u[0]); /* same stem with and without 's */
    free_terms(t, 2);
    free_terms(u, 2);
    (void)w2;
}

static void test_analyzer_folding(void **state)
{
    (void)state;
    const char *w1[] = {"cafe", "naiv", "resum"};
    expect_terms("CAF\xC3\x89 Na\xC3\xAFve r\xC3\xA9sum\xC3\xA9", w1, 3);
    const char *w2[] = {"sit", "up", "are", "hard"};
    expect_terms("Sit-ups are hard", w2, 4);
    const char *w3[] = {"3.5", "mg", "10,000", "step"};
    expect_terms("3.5 mg, 10,000 steps.", w3, 4);
    const char *w4[] = {"calf", "toe"}; /* NBSP and invalid UTF-8 separate */
    expect_terms("calf\xC2\xA0toe", w4, 2);
    expect_terms("calf\xFFtoe", w4, 2);
    const char *w5[] = {"fi", "mycin"}; /* NFKC: the fi ligature */
    expect_terms("\xEF\xAC\x81 mycin", w5, 2);
    const char *w6[] = {"мышца"}; /* non-Latin scripts are kept */
    expect_terms("Мышца", w6, 1);
    expect_terms("!!! --- ...", NULL, 0);
    /* U+037A folds (NFKC) to a space and a combining iota, which is
     * stripped: no term holds a space (it once made the term "  ") */
    expect_terms("\xCD\xBA\xCD\xBA", NULL, 0);
    const char *w7[] = {"ab"};
    expect_terms("a\xCD\xBA"
                 "b",
                 w7, 1);
}

static void test_analyzer_positions_offsets(void **state)
{
    (void)state;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_analyzer *an = sp_analyzer_new(&a, 64);
    const char *text = "The calf, the toe.";
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    size_t n;
    const sp_token *t = sp_analyzer_tokens(an, &n);
    assert_int_equal(n, 4);
    assert_int_equal(t[1].start, 4);
    assert_int_equal(t[1].end, 8);
    assert_int_equal(t[3].pos, 3);
    assert_true(sp_is_stopword("the", 3));
    assert_false(sp_is_stopword("calf", 4));
    sp_analyzer_free(an);
}

static void test_stemming(void **state)
{
    (void)state;
    const char *w[] = {"cramp", "cramp", "run", "spasm", "dehydr", "muscl"};
    expect_terms("cramps cramping running spasms dehydration muscles", w, 6);
}

/* ---- passages ---- */

/* An allocator that records the largest block asked for and refuses
 * blocks above its limit (test_stem_cache). */
typedef struct {
    size_t largest, limit;
} cap_alloc;

static void *cap_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cap_alloc *c = ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (nsize > c->largest) c->largest = nsize;
    return nsize > c->limit ? NULL : realloc(ptr, nsize);
}

/* The terms of text under an analyser (for comparison), joined by blanks. */
static void terms_of(sp_analyzer *an, const char *text, sp_buf *out)
{
    out->n = 0;
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    size_t n;
    const sp_token *t = sp_analyzer_tokens(an, &n);
    const char *pool = sp_analyzer_pool(an);
    for (size_t i = 0; i < n; i++) {
        sp_buf_append(out, pool + t[i].term_off, t[i].term_len);
        sp_buf_append(out, " ", 1);
    }
    assert_int_equal(out->err, 0);
}

/* The stem cache starts small and grows with the words stemmed: a writer's
 * analyser (32,768 slots, 1.5 MiB) that stems a few words allocates no
 * large block, one that stems thousands grows towards the full size, and one
 * that cannot have its cache still stems right, as does one switched to
 * spelling variants after the cache filled. */
static void test_stem_cache(void **state)
{
    (void)state;
    sp_alloc ref_a;
    sp_alloc_init(&ref_a, NULL, NULL);
    sp_analyzer *ref = sp_analyzer_new(&ref_a, 16);
    assert_non_null(ref);
    sp_buf want, got;
    sp_buf_init(&want, &ref_a);
    sp_buf_init(&got, &ref_a);
    size_t big = 8000 * 16;
    char *many = malloc(big);
    assert_non_null(many);
    size_t off = 0;
    for (int i = 0; i < 6000; i++) off += (size_t)sprintf(many + off, "w%dings runs ", i);

    cap_alloc c = {0, SIZE_MAX};
    sp_alloc a;
    sp_alloc_init(&a, cap_fn, &c);
    sp_analyzer *an = sp_analyzer_new(&a, 32768);
    assert_non_null(an);
    sp_analyzer_set_variants(an, 1);
    sp_analyzer_set_variants(ref, 1);
    terms_of(an, "Running runners stopped the colour of anaemia", &got);
    terms_of(ref, "Running runners stopped the colour of anaemia", &want);
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.p, want.p, want.n);
    assert_true(c.largest < 64 * 1024); /* not the 1.5 MiB cache */
    for (int pass = 0; pass < 2; pass++) {
        terms_of(an, many, &got);
        terms_of(ref, many, &want);
        assert_int_equal(got.n, want.n);
        assert_memory_equal(got.p, want.p, want.n);
    }
    assert_true(c.largest >= 16384 * 48); /* grown with the words stemmed */
    sp_analyzer_set_variants(an, 0);
    sp_analyzer_set_variants(ref, 0);
    terms_of(an, "colour anaemia colours", &got);
    terms_of(ref, "colour anaemia colours", &want);
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.p, want.p, want.n);
    sp_analyzer_free(an);

    /* no memory for any cache: stems all the same */
    cap_alloc none = {0, 16 * 1024};
    sp_alloc_init(&a, cap_fn, &none);
    an = sp_analyzer_new(&a, 32768);
    assert_non_null(an);
    terms_of(an, "Running runners stopped the colour", &got);
    terms_of(ref, "Running runners stopped the colour", &want);
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.p, want.p, want.n);
    sp_analyzer_free(an);
    sp_analyzer_free(ref);
    sp_buf_free(&want);
    sp_buf_free(&got);
    free(many);
}

/* Every word of the bundled corpus (and some of Snowball's exceptions):
 * its stem begins with the byte its stemmer input begins with, so that
 * sp_analyzer_set_first() keeps every stem that begins with a byte it
 * wants; the words it skips keep their spans and positions, and get no
 * term.  With variants on too ("oesophagus" stems from "esophagus"). */
static void test_stem_first_bytes(void **state)
{
    (void)state;
    size_t n;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "/tmp/spasm-test-corpus-%d", (int)getpid());
    assert_int_equal(run("cat corpus/* > %s", tmp), 0);
    char *corpus = slurp(tmp, &n);
    unlink(tmp);
    assert_non_null(corpus);
    static const char extra[] = " dying lying tying skies skis idly gently ugly early only singly"
                                " news atlas bias andes oesophagus anaemia Writer's 3.5 1,000";
    size_t len = n + sizeof extra;
    char *text = malloc(len + 1);
    memcpy(text, corpus, n);
    memcpy(text + n, extra, sizeof extra);
    len = strlen(text);
    free(corpus);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    for (int variants = 0; variants <= 1; variants++) {
        sp_analyzer *all = sp_analyzer_new(&a, 64), *some = sp_analyzer_new(&a, 16);
        assert_non_null(all);
        assert_non_null(some);
        sp_analyzer_set_variants(all, variants);
        sp_analyzer_set_variants(some, variants);
        assert_int_equal(sp_analyze(all, text, len), 0);
        size_t na, ns;
        const sp_token *ta = sp_analyzer_tokens(all, &na);
        const char *pa = sp_analyzer_pool(all);
        uint8_t want[256] = {0};
        want['c'] = want['n'] = want['e'] = want['d'] = want['a'] = 1;
        size_t kept = 0, skipped = 0;
        for (int round = 0; round < 2; round++) { /* the second through the stem cache */
            sp_analyzer_set_first(some, want);
            assert_int_equal(sp_analyze(some, text, len), 0);
            sp_analyzer_set_first(some, NULL);
            const sp_token *ts = sp_analyzer_tokens(some, &ns);
            const char *ps = sp_analyzer_pool(some);
            assert_int_equal(ns, na);
            for (size_t i = 0; i < na; i++) {
                assert_int_equal(ts[i].start, ta[i].start);
                assert_int_equal(ts[i].end, ta[i].end);
                assert_int_equal(ts[i].pos, ta[i].pos);
                const char *stem = pa + ta[i].term_off;
                if (!variants) assert_int_equal(stem[0], pa[ta[i].word_off]);
                if (want[(uint8_t)stem[0]]) { /* never lost */
                    assert_int_equal(ts[i].term_len, ta[i].term_len);
                    assert_memory_equal(ps + ts[i].term_off, stem, ta[i].term_len);
                    kept++;
                } else if (ts[i].term_len == 0) {
                    skipped++;
                } else { /* a stem the cache had */
                    assert_int_equal(ts[i].term_len, ta[i].term_len);
                    assert_memory_equal(ps + ts[i].term_off, stem, ta[i].term_len);
                }
            }
        }
        assert_true(kept > 100 && skipped > 100);
        sp_analyzer_free(all);
        sp_analyzer_free(some);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyzer_apostrophes),
        cmocka_unit_test(test_analyzer_folding),
        cmocka_unit_test(test_analyzer_positions_offsets),
        cmocka_unit_test(test_stemming),
        cmocka_unit_test(test_stem_cache),
        cmocka_unit_test(test_stem_first_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
