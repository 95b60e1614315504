/*
 * test_api.c -- the error paths of every public call: NULL handles and
 * arguments, calls out of order, missing and foreign files, truncated and
 * byte-flipped indexes, queries with nothing to search, unknown documents
 * and passages; and after each error, the message fetchers of every
 * handle still answer.  Uses only the public header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256], ixpath[300], badpath[300];

static const char *const docs[][3] = {
    {"cats", "Cats", "The cat sat on the mat.\n\nLater the cat purred and slept."},
    {"dogs", "Dogs", "A dog barked at the cat. The dog chased its tail."},
    {"fish", NULL, "Goldfish swim in circles."},
};

/* Write the three documents to path; the index must commit. */
static void build_small(const char *path)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2])), 0);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-api-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(ixpath, sizeof ixpath, "%s/small.spx", tmpdir);
    snprintf(badpath, sizeof badpath, "%s/bad.spx", tmpdir);
    build_small(ixpath);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* s contains needle (with a readable failure). */
static void expect_in(const char *s, const char *needle)
{
    if (!s || !strstr(s, needle)) fail_msg("\"%s\" does not mention \"%s\"", s, needle);
}

/* A message fetcher's answer: never NULL, and non-empty after an error. */
static void expect_msg(const char *m)
{
    assert_non_null(m);
    assert_true(strlen(m) > 0);
}

/* ---- codes and versions ---- */

static void test_errstr_and_version(void **state)
{
    (void)state;
    for (int c = SPASM_OK; c <= SPASM_ECANCELED; c++) expect_msg(spasm_errstr(c));
    assert_string_equal(spasm_errstr(SPASM_ENOMEM), "out of memory");
    assert_string_equal(spasm_errstr(-1), "unknown error");
    assert_string_equal(spasm_errstr(1000), "unknown error");
    assert_string_equal(spasm_version(), SPASM_VERSION);
    assert_int_equal(spasm_format_version(), 2);
}

/* ---- the writer ---- */

static void test_writer_null_args(void **state)
{
    (void)state;
    spasm_writer *w = (spasm_writer *)1;
    assert_int_equal(spasm_writer_new(NULL, ixpath, NULL), SPASM_EINVAL);
    assert_int_equal(spasm_writer_add(NULL, "a", NULL, "x", 1), SPASM_EINVAL);
    assert_int_equal(spasm_writer_add_passages(NULL, "a", NULL, NULL, NULL, 0), SPASM_EINVAL);
    assert_int_equal(spasm_writer_add_path(NULL, tmpdir), SPASM_EINVAL);
    assert_int_equal(spasm_writer_commit(NULL), SPASM_EINVAL);
    spasm_writer_abandon(NULL);
    expect_msg(spasm_writer_errmsg(NULL));
    assert_int_equal(spasm_writer_get_stats(NULL)->documents, 0);

    /* no path: a writer comes back anyway, holding the message */
    assert_int_equal(spasm_writer_new(&w, NULL, NULL), SPASM_EINVAL);
    assert_non_null(w);
    expect_in(spasm_writer_errmsg(w), "path");
    /* the error is sticky: every later call returns it */
    assert_int_equal(spasm_writer_add(w, "a", NULL, "x", 1), SPASM_EINVAL);
    assert_int_equal(spasm_writer_commit(w), SPASM_EINVAL);
    expect_in(spasm_writer_errmsg(w), "path");
    spasm_writer_abandon(w);
    assert_int_equal(spasm_writer_new(&w, "", NULL), SPASM_EINVAL);
    expect_msg(spasm_writer_errmsg(w));
    spasm_writer_abandon(w);

    /* a directory that does not exist: EIO naming the path */
    char nowhere[400];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/x.spx", tmpdir);
    assert_int_equal(spasm_writer_new(&w, nowhere, NULL), SPASM_EIO);
    expect_in(spasm_writer_errmsg(w), nowhere);
    expect_in(spasm_writer_errmsg(w), "No such file");
    spasm_writer_abandon(w);
}

/* Each bad argument is refused with EINVAL and a message (fresh writer). */
static void test_writer_bad_args(void **state)
{
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/args.spx", tmpdir);
    const char *parts[] = {"one", "two"};
    const size_t lens[] = {3, 3};
    for (int k = 0; k < 7; k++) {
        spasm_writer *w;
        assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
        assert_string_equal(spasm_writer_errmsg(w), "");
        int rc = -1;
        switch (k) {
        case 0:
            rc = spasm_writer_add(w, NULL, NULL, "text", 4);
            break;
        case 1:
            rc = spasm_writer_add(w, "id", NULL, NULL, 0);
            break;
        case 2:
            rc = spasm_writer_add(w, "", NULL, "text", 4);
            break;
        case 3:
            rc = spasm_writer_add_passages(w, NULL, NULL, parts, lens, 2);
            break;
        case 4:
            rc = spasm_writer_add_passages(w, "id", NULL, NULL, lens, 2);
            break;
        case 5:
            rc = spasm_writer_add_passages(w, "id", NULL, parts, NULL, 2);
            break;
        case 6:
            rc = spasm_writer_add_path(w, NULL);
            break;
        }
        assert_int_equal(rc, SPASM_EINVAL);
        expect_msg(spasm_writer_errmsg(w));
        assert_int_equal(spasm_writer_get_stats(w)->documents, 0);
        spasm_writer_abandon(w);
    }
    /* nothing was committed, and no temporary file is left */
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
}

static void test_writer_out_of_order(void **state)
{
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/order.spx", tmpdir);
    spasm_writer *w;

    /* commit with nothing added: EEMPTY */
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_EEMPTY);
    expect_in(spasm_writer_errmsg(w), "nothing to index");
    spasm_writer_abandon(w);

    /* documents without a word: still EEMPTY */
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "p", NULL, "... !!! ---", 11), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_EEMPTY);
    expect_in(spasm_writer_errmsg(w), "1 document");
    spasm_writer_abandon(w);

    /* add after commit, commit twice */
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", "T", "some words", 10), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->documents, 1);
    assert_true(spasm_writer_get_stats(w)->index_bytes > 0);
    assert_int_equal(spasm_writer_add(w, "b", NULL, "more words", 10), SPASM_EINVAL);
    expect_in(spasm_writer_errmsg(w), "already committed");
    assert_int_equal(spasm_writer_commit(w), SPASM_EINVAL);
    expect_in(spasm_writer_errmsg(w), "already committed");
    spasm_writer_abandon(w); /* keeps the committed file */
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.documents, 1);
    spasm_close(ix);

    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "words", 5), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    const char *parts[] = {"x y"};
    const size_t lens[] = {3};
    assert_int_equal(spasm_writer_add_passages(w, "b", NULL, parts, lens, 1), SPASM_EINVAL);
    expect_in(spasm_writer_errmsg(w), "already committed");
    spasm_writer_abandon(w);

    /* a path that does not exist */
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.txt", tmpdir);
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    int rc = spasm_writer_add_path(w, missing);
    assert_true(rc == SPASM_EIO || rc == SPASM_EINPUT);
    expect_in(spasm_writer_errmsg(w), missing);
    spasm_writer_abandon(w);
}

/* ---- opening ---- */

static void test_open_null_and_missing(void **state)
{
    (void)state;
    spasm_index *ix = (spasm_index *)1;
    assert_int_equal(spasm_open(NULL, ixpath, NULL), SPASM_EINVAL);
    spasm_close(NULL);
    expect_msg(spasm_index_errmsg(NULL));
    assert_int_equal(spasm_index_verify(NULL), SPASM_EINVAL);
    spasm_index_stats st;
    memset(&st, 0xff, sizeof st);
    spasm_index_get_stats(NULL, &st);
    assert_int_equal(st.documents, 0);

    assert_int_equal(spasm_open(&ix, NULL, NULL), SPASM_EINVAL);
    assert_non_null(ix);
    expect_in(spasm_index_errmsg(ix), "path");
    spasm_close(ix);

    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.spx", tmpdir);
    assert_int_equal(spasm_open(&ix, missing, NULL), SPASM_EIO);
    expect_in(spasm_index_errmsg(ix), missing);
    expect_in(spasm_index_errmsg(ix), "No such file");
    /* a failed handle: no stats, no searcher, verify repeats the error */
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.passages, 0);
    spasm_index_get_stats(ix, NULL);
    spasm_searcher *s = (spasm_searcher *)1;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_EINVAL);
    assert_null(s);
    assert_int_equal(spasm_index_verify(ix), SPASM_EIO);
    expect_in(spasm_index_errmsg(ix), missing);
    spasm_close(ix);

    assert_int_equal(spasm_open(&ix, tmpdir, NULL), SPASM_EIO);
    expect_in(spasm_index_errmsg(ix), "directory");
    spasm_close(ix);
}

static void test_open_not_an_index(void **state)
{
    (void)state;
    spasm_index *ix;
    write_file(badpath, "", 0);
    assert_int_equal(spasm_open(&ix, badpath, NULL), SPASM_ECORRUPT);
    expect_in(spasm_index_errmsg(ix), badpath);
    expect_in(spasm_index_errmsg(ix), "not a spasm index");
    spasm_close(ix);

    char text[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = "spasm is not an index\n"[i % 22];
    write_file(badpath, text, sizeof text);
    assert_int_equal(spasm_open(&ix, badpath, NULL), SPASM_ECORRUPT);
    expect_in(spasm_index_errmsg(ix), "not a spasm index");
    spasm_close(ix);
}

/* Every truncation of the index is refused at open as such. */
static void test_open_truncated(void **state)
{
    (void)state;
    size_t n;
    char *orig = slurp(ixpath, &n);
    assert_non_null(orig);
    for (size_t len = 0; len < n; len++) {
        write_file(badpath, orig, len);
        spasm_index *ix;
        int rc = spasm_open(&ix, badpath, NULL);
        if (rc != SPASM_ECORRUPT) fail_msg("cut at %zu of %zu: open returned %d", len, n, rc);
        const char *m = spasm_index_errmsg(ix);
        expect_in(m, badpath);
        if (!strstr(m, "truncated") && !strstr(m, "not a spasm index"))
            fail_msg("cut at %zu: message \"%s\"", len, m);
        spasm_close(ix);
    }
    free(orig);
}

/* Every flipped byte is refused by a verifying open (the version field as
 * a version error), and by spasm_index_verify() after a lazy one. */
static void test_open_flipped(void **state)
{
    (void)state;
    size_t n;
    char *orig = slurp(ixpath, &n);
    assert_non_null(orig);
    static const unsigned char masks[] = {0x01, 0x80};
    for (size_t at = 0; at < n; at++) {
        for (size_t m = 0; m < 2; m++) {
            orig[at] ^= (char)masks[m];
            write_file(badpath, orig, n);
            orig[at] ^= (char)masks[m];
            int want = at >= 8 && at < 12 ? SPASM_EVERSION : SPASM_ECORRUPT;
            spasm_open_options oo = {SPASM_OPEN_VERIFY, NULL, NULL};
            spasm_index *ix;
            int rc = spasm_open(&ix, badpath, &oo);
            if (rc != want)
                fail_msg("byte %zu ^ %#x: verifying open returned %d", at, masks[m], rc);
            const char *msg = spasm_index_errmsg(ix);
            expect_in(msg, badpath);
            if (!strstr(msg, "corrupt") && !strstr(msg, "version") && !strstr(msg, "not a spasm"))
                fail_msg("byte %zu: message \"%s\"", at, msg);
            spasm_close(ix);

            rc = spasm_open(&ix, badpath, NULL);
            if (rc == SPASM_OK) rc = spasm_index_verify(ix);
            if (rc != want)
                fail_msg("byte %zu ^ %#x: lazy open + verify returned %d", at, masks[m], rc);
            expect_msg(spasm_index_errmsg(ix));
            spasm_close(ix);
        }
    }
    free(orig);
}

/* ---- searching ---- */

static spasm_index *ix;
static spasm_searcher *s;

static int open_small(void **state)
{
    (void)state;
    if (spasm_open(&ix, ixpath, NULL) != SPASM_OK) return -1;
    return spasm_searcher_new(ix, &s) == SPASM_OK ? 0 : -1;
}

static int close_small(void **state)
{
    (void)state;
    spasm_searcher_free(s);
    spasm_close(ix);
    s = NULL;
    ix = NULL;
    return 0;
}

/* After a searcher error: its message names it, the index's is untouched. */
static void expect_search_error(int rc, int want, const char *needle)
{
    assert_int_equal(rc, want);
    expect_msg(spasm_searcher_errmsg(s));
    if (needle) expect_in(spasm_searcher_errmsg(s), needle);
    assert_string_equal(spasm_index_errmsg(ix), "");
}

static void test_searcher_null_args(void **state)
{
    (void)state;
    spasm_searcher *t = (spasm_searcher *)1;
    assert_int_equal(spasm_searcher_new(NULL, &t), SPASM_EINVAL);
    assert_null(t);
    assert_int_equal(spasm_searcher_new(ix, NULL), SPASM_EINVAL);
    spasm_searcher_free(NULL);
    expect_msg(spasm_searcher_errmsg(NULL));
    spasm_search_options_init(NULL);

    spasm_results *r = (spasm_results *)1;
    assert_int_equal(spasm_search(NULL, "cat", NULL, &r), SPASM_EINVAL);
    assert_null(r);
    assert_int_equal(spasm_search(s, "cat", NULL, NULL), SPASM_EINVAL);
    uint64_t c = 7;
    assert_int_equal(spasm_count(NULL, "cat", &c), SPASM_EINVAL);
    assert_int_equal(spasm_count(s, "cat", NULL), SPASM_EINVAL);
    uint32_t d = 0, first = 0, count = 0;
    assert_int_equal(spasm_find_doc(NULL, "cats", &d), SPASM_EINVAL);
    assert_int_equal(spasm_find_doc(s, NULL, &d), SPASM_EINVAL);
    assert_int_equal(spasm_find_doc(s, "cats", NULL), SPASM_EINVAL);
    assert_int_equal(spasm_doc_passages(NULL, 0, &first, &count), SPASM_EINVAL);
    assert_int_equal(spasm_doc_passages(s, 0, NULL, &count), SPASM_EINVAL);
    assert_int_equal(spasm_doc_passages(s, 0, &first, NULL), SPASM_EINVAL);
    r = (spasm_results *)1;
    assert_int_equal(spasm_get_passage(NULL, 0, &r), SPASM_EINVAL);
    assert_null(r);
    assert_int_equal(spasm_get_passage(s, 0, NULL), SPASM_EINVAL);

    assert_int_equal(spasm_results_count(NULL), 0);
    assert_null(spasm_results_hit(NULL, 0));
    assert_int_equal(spasm_results_total(NULL), 0);
    spasm_results_free(NULL);
    /* nothing above touched the searcher's state: it still works */
    assert_int_equal(spasm_search(s, "cat", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 3);
    assert_null(spasm_results_hit(r, 3));
    assert_null(spasm_results_hit(r, (size_t)-1));
    spasm_results_free(r);
}

static void test_bad_queries(void **state)
{
    (void)state;
    static const char *const none[] = {"", "   ", "\t\n", "!!! ,,, ???", "- + ( ) \"\"", "\"...\""};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        spasm_results *r = (spasm_results *)1;
        expect_search_error(spasm_search(s, none[i], NULL, &r), SPASM_EQUERY, "query");
        assert_null(r);
        uint64_t c = 7;
        expect_search_error(spasm_count(s, none[i], &c), SPASM_EQUERY, "query");
        assert_int_equal(c, 0);
    }
    spasm_results *r;
    expect_search_error(spasm_search(s, "", NULL, &r), SPASM_EQUERY, "empty");
    expect_search_error(spasm_search(s, "?!", NULL, &r), SPASM_EQUERY, "nothing to search");
    expect_search_error(spasm_search(s, "-cat -dog", NULL, &r), SPASM_EQUERY, "excluded");
    expect_search_error(spasm_search(s, NULL, NULL, &r), SPASM_EQUERY, "no query");
    uint64_t c;
    expect_search_error(spasm_count(s, NULL, &c), SPASM_EQUERY, "no query");
    char deep[300];
    memset(deep, '(', 100);
    snprintf(deep + 100, sizeof deep - 100, "cat");
    expect_search_error(spasm_search(s, deep, NULL, &r), SPASM_EQUERY, "nested");

    /* bad options */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 2000000;
    expect_search_error(spasm_search(s, "cat", &o, &r), SPASM_EINVAL, "to 1000000");
    spasm_search_options_init(&o);
    o.offset = (size_t)-1;
    expect_search_error(spasm_search(s, "cat", &o, &r), SPASM_EINVAL, "to 1000000");

    /* zero hits is not an error, and clears the last message */
    assert_int_equal(spasm_search(s, "zebra", NULL, &r), SPASM_OK);
    assert_string_equal(spasm_searcher_errmsg(s), "");
    assert_int_equal(spasm_results_count(r), 0);
    assert_int_equal(spasm_results_total(r), 0);
    assert_null(spasm_results_hit(r, 0));
    spasm_results_free(r);
    /* paging past the end: empty, not an error */
    spasm_search_options_init(&o);
    o.offset = 50;
    assert_int_equal(spasm_search(s, "cat", &o, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 0);
    assert_int_equal(spasm_results_total(r), 3);
    spasm_results_free(r);
}

static void test_lookups_not_found(void **state)
{
    (void)state;
    uint32_t d = 99, first = 99, count = 99;
    expect_search_error(spasm_find_doc(s, "wolves", &d), SPASM_ENOTFOUND, "wolves");
    expect_search_error(spasm_find_doc(s, "", &d), SPASM_ENOTFOUND, "no document");
    expect_search_error(spasm_find_doc(s, "cat", &d), SPASM_ENOTFOUND, "cat"); /* a prefix */
    expect_search_error(spasm_find_doc(s, "catsx", &d), SPASM_ENOTFOUND, "catsx");
    assert_int_equal(spasm_find_doc(s, "dogs", &d), SPASM_OK);
    assert_int_equal(d, 1);

    expect_search_error(spasm_doc_passages(s, 3, &first, &count), SPASM_ENOTFOUND, "3");
    expect_search_error(spasm_doc_passages(s, UINT32_MAX, &first, &count), SPASM_ENOTFOUND,
                        "no document");
    assert_int_equal(spasm_doc_passages(s, 0, &first, &count), SPASM_OK);
    assert_int_equal(first, 0);
    assert_int_equal(count, 2);

    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.passages, 4);
    spasm_results *r = (spasm_results *)1;
    expect_search_error(spasm_get_passage(s, 4, &r), SPASM_ENOTFOUND, "passage 4");
    assert_null(r);
    expect_search_error(spasm_get_passage(s, UINT32_MAX, &r), SPASM_ENOTFOUND, "no passage");
    expect_search_error(spasm_get_passage(s, UINT32_MAX - 1, &r), SPASM_ENOTFOUND, "no passage");
    assert_int_equal(spasm_get_passage(s, 3, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 1);
    const spasm_hit *h = spasm_results_hit(r, 0);
    assert_string_equal(h->doc_id, "fish");
    assert_string_equal(h->title, "");
    assert_string_equal(h->text, "Goldfish swim in circles.");
    assert_int_equal(h->ordinal, 0);
    assert_int_equal(h->nhighlights, 0);
    spasm_results_free(r);
}

/* A searcher over a corrupt region: ECORRUPT with the file and the bytes
 * named, on every call that reads it; the index's own message stays empty
 * until spasm_index_verify(). */
static void test_corrupt_text_lazily(void **state)
{
    (void)state;
    size_t n;
    char *orig = slurp(ixpath, &n);
    assert_non_null(orig);
    /* the passage text section comes first after the 128-byte header */
    orig[140] ^= 0x40;
    write_file(badpath, orig, n);
    free(orig);
    spasm_index *bad;
    spasm_searcher *bs;
    assert_int_equal(spasm_open(&bad, badpath, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(bad, &bs), SPASM_OK);
    spasm_results *r = (spasm_results *)1;
    assert_int_equal(spasm_search(bs, "cat", NULL, &r), SPASM_ECORRUPT);
    assert_null(r);
    expect_in(spasm_searcher_errmsg(bs), badpath);
    expect_in(spasm_searcher_errmsg(bs), "corrupt");
    assert_int_equal(spasm_get_passage(bs, 0, &r), SPASM_ECORRUPT);
    expect_in(spasm_searcher_errmsg(bs), "checksum");
    /* the index is one 64 KiB checksum chunk: the postings fail too */
    uint64_t c;
    assert_int_equal(spasm_count(bs, "cat", &c), SPASM_ECORRUPT);
    expect_in(spasm_searcher_errmsg(bs), "checksum");
    assert_string_equal(spasm_index_errmsg(bad), "");
    assert_int_equal(spasm_index_verify(bad), SPASM_ECORRUPT);
    expect_in(spasm_index_errmsg(bad), "checksum");
    spasm_searcher_free(bs);
    spasm_close(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errstr_and_version),
        cmocka_unit_test(test_writer_null_args),
        cmocka_unit_test(test_writer_bad_args),
        cmocka_unit_test(test_writer_out_of_order),
        cmocka_unit_test(test_open_null_and_missing),
        cmocka_unit_test(test_open_not_an_index),
        cmocka_unit_test(test_open_truncated),
        cmocka_unit_test(test_open_flipped),
        cmocka_unit_test_setup_teardown(test_searcher_null_args, open_small, close_small),
        cmocka_unit_test_setup_teardown(test_bad_queries, open_small, close_small),
        cmocka_unit_test_setup_teardown(test_lookups_not_found, open_small, close_small),
        cmocka_unit_test(test_corrupt_text_lazily),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
