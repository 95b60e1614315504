/*
 * test_params.c -- scoring and search parameters out of range (issue 10,
 * finding 7): the library refuses each with SPASM_EINVAL and a message
 * naming the option and its valid range, in spasm_search() and
 * spasm_writer_new() alike; the edges of the ranges are accepted and keep
 * every score finite; the two CLIs refuse the same values with the range
 * in their message and exit status 2.  Uses only the public header.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256], ixpath[300];
static spasm_index *ix;
static spasm_searcher *s;

static const char *const docs[][2] = {
    {"cats", "The cat sat on the mat. Later the cat purred and slept by the cat door."},
    {"dogs", "A dog barked at the cat. The dog chased its tail."},
    {"fish", "Goldfish swim in circles; a cat watches the fish."},
};

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-params-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(ixpath, sizeof ixpath, "%s/small.spx", tmpdir);
    spasm_writer *w;
    if (spasm_writer_new(&w, ixpath, NULL) != SPASM_OK) return -1;
    for (size_t i = 0; i < 3; i++)
        if (spasm_writer_add(w, docs[i][0], NULL, docs[i][1], strlen(docs[i][1])) != SPASM_OK)
            return -1;
    if (spasm_writer_commit(w) != SPASM_OK) return -1;
    spasm_writer_abandon(w);
    if (spasm_open(&ix, ixpath, NULL) != SPASM_OK) return -1;
    return spasm_searcher_new(ix, &s) == SPASM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(s);
    spasm_close(ix);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* msg contains every needle (NULL-terminated list), with a readable failure. */
static void expect_all(const char *msg, const char *const *needles)
{
    for (; *needles; needles++)
        if (!strstr(msg, *needles)) fail_msg("\"%s\" does not mention \"%s\"", msg, *needles);
}

/* Search "cat" with o: SPASM_EINVAL, no results, and a message holding needles. */
static void expect_einval(const spasm_search_options *o, const char *const *needles)
{
    spasm_results *r = (spasm_results *)1;
    assert_int_equal(spasm_search(s, "cat", o, &r), SPASM_EINVAL);
    assert_null(r);
    expect_all(spasm_searcher_errmsg(s), needles);
}

/* Search "cat" with o: OK, some hits, every score finite and positive. */
static void expect_finite(const spasm_search_options *o)
{
    spasm_results *r;
    assert_int_equal(spasm_search(s, "cat", o, &r), SPASM_OK);
    assert_true(spasm_results_count(r) > 0);
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        double sc = spasm_results_hit(r, i)->score;
        assert_true(isfinite(sc) && sc > 0);
    }
    spasm_results_free(r);
}

static void test_search_k1(void **state)
{
    (void)state;
    static const char *const k1_range[] = {"k1", "above 0", "at most 100", NULL};
    const double bad[] = {NAN, INFINITY, -INFINITY, -1, -1e-9, 1e308, 100.000001, 1000};
    spasm_search_options o;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        spasm_search_options_init(&o);
        o.k1 = bad[i];
        expect_einval(&o, k1_range);
    }
    /* the edges of the range, and 0 (the index default) */
    const double good[] = {0, 1e-300, 0.5, 1.2, 100};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        spasm_search_options_init(&o);
        o.k1 = good[i];
        expect_finite(&o);
        o.b = 1;
        expect_finite(&o);
        o.b = 0;
        expect_finite(&o);
    }
}

static void test_search_b(void **state)
{
    (void)state;
    static const char *const b_range[] = {"b must be", "from 0 to 1", NULL};
    /* b > 1 used to be replaced by the index default without a word */
    const double bad[] = {NAN, INFINITY, -INFINITY, 1.0000001, 1.5, 2, -0.5, -2, -1e-9};
    spasm_search_options o;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        spasm_search_options_init(&o);
        o.b = bad[i];
        expect_einval(&o, b_range);
    }
    const double good[] = {SPASM_B_DEFAULT, 0, 0.25, 0.75, 1};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        spasm_search_options_init(&o);
        o.b = good[i];
        expect_finite(&o);
    }
    /* b = 1 and b = 0 rank differently: b is used, not replaced */
    spasm_results *r0, *r1;
    spasm_search_options_init(&o);
    o.b = 0;
    assert_int_equal(spasm_search(s, "cat", &o, &r0), SPASM_OK);
    o.b = 1;
    assert_int_equal(spasm_search(s, "cat", &o, &r1), SPASM_OK);
    assert_true(spasm_results_hit(r0, 0)->score != spasm_results_hit(r1, 0)->score);
    spasm_results_free(r0);
    spasm_results_free(r1);
}

static void test_search_sizes(void **state)
{
    (void)state;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = SPASM_MAX_K + 1;
    expect_einval(&o, (const char *const[]){"k must be", "1 to 1000000", "1000001", NULL});
    o.k = (size_t)-1;
    expect_einval(&o, (const char *const[]){"k must be", "1 to 1000000", NULL});
    spasm_search_options_init(&o);
    o.offset = SPASM_MAX_K + 1;
    expect_einval(&o, (const char *const[]){"offset must be", "0 to 1000000", NULL});
    spasm_search_options_init(&o);
    o.snippet_bytes = (size_t)-1;
    expect_einval(&o, (const char *const[]){"snippet_bytes", "1 to 1000000", NULL});
    spasm_search_options_init(&o);
    o.group = 2;
    expect_einval(&o, (const char *const[]){"group", "SPASM_GROUP_NONE", "SPASM_GROUP_DOC", NULL});
    o.group = -1;
    expect_einval(&o, (const char *const[]){"group", NULL});
    spasm_search_options_init(&o);
    o.fields = 8;
    expect_einval(&o, (const char *const[]){"fields", "0 to 7", NULL});
    /* the largest values are accepted */
    spasm_search_options_init(&o);
    o.k = SPASM_MAX_K;
    o.offset = SPASM_MAX_K;
    o.snippet_bytes = SPASM_MAX_K;
    spasm_results *r;
    assert_int_equal(spasm_search(s, "cat", &o, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 0);
    spasm_results_free(r);
    spasm_search_options_init(&o);
    o.snippet_bytes = SPASM_MAX_K;
    o.fields = SPASM_FIELDS_ALL;
    o.group = SPASM_GROUP_DOC;
    expect_finite(&o);
    /* after an error the searcher recovers */
    assert_int_equal(spasm_search(s, "cat", NULL, &r), SPASM_OK);
    assert_string_equal(spasm_searcher_errmsg(s), "");
    spasm_results_free(r);
}

/* No file of the would-be index at base in tmpdir (no temporary left). */
static void expect_no_file_like(const char *base)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, base, strlen(base)) == 0) fail_msg("%s left behind", e->d_name);
    closedir(d);
}

static void test_writer_params(void **state)
{
    (void)state;
    char path[320];
    snprintf(path, sizeof path, "%s/w.spx", tmpdir);
    static const char *const k1_range[] = {"k1", "above 0", "at most 100", NULL};
    static const char *const b_range[] = {"b must be", "from 0 to 1", NULL};
    const double bad_k1[] = {NAN, INFINITY, -1, 1e308, 100.5};
    const double bad_b[] = {NAN, INFINITY, -INFINITY, 1.5, -0.5, -2};
    for (size_t i = 0; i < sizeof bad_k1 / sizeof *bad_k1 + sizeof bad_b / sizeof *bad_b; i++) {
        spasm_writer_options wo;
        memset(&wo, 0, sizeof wo);
        wo.b = SPASM_B_DEFAULT;
        int is_k1 = i < sizeof bad_k1 / sizeof *bad_k1;
        if (is_k1)
            wo.k1 = bad_k1[i];
        else
            wo.b = bad_b[i - sizeof bad_k1 / sizeof *bad_k1];
        spasm_writer *w;
        assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_EINVAL);
        assert_non_null(w);
        expect_all(spasm_writer_errmsg(w), is_k1 ? k1_range : b_range);
        /* sticky, and nothing written */
        assert_int_equal(spasm_writer_add(w, "a", NULL, "cat", 3), SPASM_EINVAL);
        spasm_writer_abandon(w);
        expect_no_file_like("w.spx");
    }
    /* the edges are stored as given */
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.k1 = 100;
    wo.b = 1;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "the cat sat", 11), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_index *x;
    assert_int_equal(spasm_open(&x, path, NULL), SPASM_OK);
    spasm_index_stats st;
    spasm_index_get_stats(x, &st);
    assert_true(st.k1 == 100 && st.b == 1);
    spasm_close(x);
    /* zeroed options: k1 = 0 is the default (1.4), b = 0 is b = 0 */
    memset(&wo, 0, sizeof wo);
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "the cat sat", 11), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    assert_int_equal(spasm_open(&x, path, NULL), SPASM_OK);
    spasm_index_get_stats(x, &st);
    assert_true(st.k1 == 1.4 && st.b == 0);
    spasm_close(x);
}

/* The CLIs refuse what the library refuses, naming the range (exit 2). */
static void test_cli_params(void **state)
{
    (void)state;
    const char *b = build_dir();
    static const char *const bad_k1[] = {"1e308", "nan", "inf", "-1", "0", "", "100.5", "x"};
    static const char *const bad_b[] = {"1.5", "nan", "-inf", "-0.5", "-1", "", "x"};
    for (size_t i = 0; i < sizeof bad_k1 / sizeof *bad_k1; i++) {
        assert_int_equal(run("%s/bin/spasm-search -i %s --k1 '%s' cat >/dev/null 2>%s/err", b,
                             ixpath, bad_k1[i], tmpdir),
                         2);
        assert_int_equal(
            run("grep -q -- '--k1 wants a number above 0 and at most 100' %s/err", tmpdir), 0);
        assert_int_equal(run("%s/bin/spasm-index -q -o %s/c.spx --k1 '%s' corpus 2>%s/err", b,
                             tmpdir, bad_k1[i], tmpdir),
                         2);
        assert_int_equal(
            run("grep -q -- '--k1 wants a number above 0 and at most 100' %s/err", tmpdir), 0);
    }
    for (size_t i = 0; i < sizeof bad_b / sizeof *bad_b; i++) {
        assert_int_equal(run("%s/bin/spasm-search -i %s --b '%s' cat >/dev/null 2>%s/err", b,
                             ixpath, bad_b[i], tmpdir),
                         2);
        assert_int_equal(run("grep -q -- '--b wants a number from 0 to 1' %s/err", tmpdir), 0);
        assert_int_equal(run("%s/bin/spasm-index -q -o %s/c.spx --b '%s' corpus 2>%s/err", b,
                             tmpdir, bad_b[i], tmpdir),
                         2);
        assert_int_equal(run("grep -q -- '--b wants a number from 0 to 1' %s/err", tmpdir), 0);
    }
    assert_int_equal(run("test -e %s/c.spx", tmpdir), 1);
    /* the edges run */
    assert_int_equal(
        run("%s/bin/spasm-search -i %s --k1 100 --b 1 --format trec cat >/dev/null", b, ixpath), 0);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s --k1 1e-9 --b 0 --format trec cat >/dev/null", b, ixpath),
        0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_k1),    cmocka_unit_test(test_search_b),
        cmocka_unit_test(test_search_sizes), cmocka_unit_test(test_writer_params),
        cmocka_unit_test(test_cli_params),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
