/*
 * test_inspect.c -- the inspection calls (spasm_term_postings,
 * spasm_passage_length) agree with searching: a word's live df is what
 * spasm_count gives, its postings are the passages a search for it
 * returns, with tf positions; a live folder's deleted documents are not
 * listed; and spasm-inspect runs: stats, --doc, --term, --json that
 * parses, one-line errors with exit status 1 or 2.
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
#include <jansson.h>

#include "spasm.h"
#include "testutil.h"

static char tmp[64], file[128], live[128], bin[600];

static const char *docs[][2] = {
    {"a", "The cat sat on the mat. Cats run.\n\nA second passage about dogs running."},
    {"b", "Dogs and cats. The dog ran after the cat, cat, cat."},
    {"c", "Nothing here but birds.\n\nRunning birds and a cat."},
    {"d", "Only the deleted document says zebra, and cats."},
};

/* Index the documents into a file, and into a live folder with "d"
 * deleted after a first commit and "e" in a second segment. */
static int setup(void **st)
{
    (void)st;
    snprintf(tmp, sizeof tmp, "/tmp/spasm-inspect-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(file, sizeof file, "%s/f.spx", tmp);
    snprintf(live, sizeof live, "%s/live", tmp);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, file, NULL), SPASM_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(spasm_writer_add(w, docs[i][0], NULL, docs[i][1], strlen(docs[i][1])),
                         SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, live, NULL), SPASM_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(spasm_updater_add(u, docs[i][0], NULL, docs[i][1], strlen(docs[i][1])),
                         SPASM_OK);
    assert_int_equal(spasm_updater_commit(u), SPASM_OK);
    assert_int_equal(spasm_updater_delete(u, "d"), SPASM_OK);
    assert_int_equal(spasm_updater_commit(u), SPASM_OK);
    /* a second segment: postings numbered across segments */
    const char *e = "A cat in the second segment, running.";
    assert_int_equal(spasm_updater_add(u, "e", NULL, e, strlen(e)), SPASM_OK);
    assert_int_equal(spasm_updater_commit(u), SPASM_OK);
    spasm_updater_close(u);
    char *abs = realpath(build_dir(), NULL);
    assert_non_null(abs);
    snprintf(bin, sizeof bin, "%s/bin/spasm-inspect", abs);
    free(abs);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    run("rm -rf '%s'", tmp);
    return 0;
}

typedef struct got {
    uint32_t passage[64];
    size_t n;
    uint64_t cf;
} got;

/* Collect a posting, checking its positions. */
static int collect(void *ud, const spasm_posting *p)
{
    got *g = ud;
    assert_true(g->n < 64);
    assert_int_equal(p->npositions, p->tf);
    assert_true(p->tf >= 1);
    for (size_t i = 1; i < p->npositions; i++) assert_true(p->positions[i - 1] < p->positions[i]);
    if (g->n) assert_true(g->passage[g->n - 1] < p->passage);
    g->passage[g->n++] = p->passage;
    g->cf += p->tf;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* For each word: df = spasm_count, postings = the passages searched. */
static void check_agrees(const char *path)
{
    static const char *words[] = {"cat", "Cats", "running", "dog", "birds", "zebra", "absent"};
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        spasm_term_stats st;
        got g = {{0}, 0, 0};
        assert_int_equal(spasm_term_postings(s, words[w], &st, collect, &g), SPASM_OK);
        uint64_t count;
        assert_int_equal(spasm_count(s, words[w], &count), SPASM_OK);
        assert_int_equal(st.df, count);
        assert_int_equal(st.df, g.n);
        assert_int_equal(st.cf, g.cf);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = 100;
        spasm_results *r;
        assert_int_equal(spasm_search(s, words[w], &o, &r), SPASM_OK);
        assert_int_equal(spasm_results_count(r), g.n);
        uint32_t hits[64];
        for (size_t i = 0; i < g.n; i++) hits[i] = spasm_results_hit(r, i)->passage;
        qsort(hits, g.n, sizeof *hits, cmp_u32);
        for (size_t i = 0; i < g.n; i++) assert_int_equal(hits[i], g.passage[i]);
        spasm_results_free(r);
    }
    spasm_term_stats st;
    assert_int_equal(spasm_term_postings(s, "Cats", &st, NULL, NULL), SPASM_OK);
    assert_string_equal(st.term, "cat");
    assert_int_equal(spasm_term_postings(s, "sit-ups", &st, NULL, NULL), SPASM_EQUERY);
    assert_int_equal(spasm_term_postings(s, "  ", &st, NULL, NULL), SPASM_EQUERY);
    spasm_searcher_free(s);
    spasm_close(ix);
}

static void test_agrees_file(void **st)
{
    (void)st;
    check_agrees(file);
}

static void test_agrees_live(void **st)
{
    (void)st;
    check_agrees(live);
}

/* Stop after the first posting: the counts still cover the whole list. */
static int first_only(void *ud, const spasm_posting *p)
{
    (void)p;
    (*(int *)ud)++;
    return 1;
}

static void test_stop_and_deleted(void **st)
{
    (void)st;
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, live, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_term_stats ts;
    int calls = 0;
    assert_int_equal(spasm_term_postings(s, "cat", &ts, first_only, &calls), SPASM_OK);
    assert_int_equal(calls, 1);
    assert_true(ts.df > 1);
    /* "zebra" is only in the deleted document */
    assert_int_equal(spasm_term_postings(s, "zebra", &ts, NULL, NULL), SPASM_OK);
    assert_int_equal(ts.df, 0);
    assert_int_equal(ts.cf, 0);
    /* its passage: no length */
    spasm_index_stats is;
    spasm_index_get_stats(ix, &is);
    assert_int_equal(is.deleted_passages, 1);
    uint32_t len, last = 5; /* "d": after a (2 passages), b (1), c (2) */
    assert_int_equal(spasm_passage_length(s, last, &len), SPASM_ENOTFOUND);
    assert_int_equal(spasm_passage_length(s, 0, &len), SPASM_OK);
    assert_int_equal(len, 8); /* The cat sat on the mat. Cats run. */
    assert_int_equal(spasm_passage_length(s, 1000, &len), SPASM_ENOTFOUND);
    /* the second segment's passage is global number 6 */
    assert_int_equal(spasm_passage_length(s, 6, &len), SPASM_OK);
    assert_int_equal(len, 7);
    got g = {{0}, 0, 0};
    assert_int_equal(spasm_term_postings(s, "second", &ts, collect, &g), SPASM_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.passage[0], 1);
    assert_int_equal(g.passage[1], 6);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Run spasm-inspect with args, stdout to TMP/out, stderr to TMP/err;
 * returns the exit status. */
static int inspect(const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run("'%s' %s >'%s/out' 2>'%s/err'", bin, args, tmp, tmp);
}

/* TMP/out parsed as one JSON object. */
static json_t *out_json(void)
{
    char p[160];
    snprintf(p, sizeof p, "%s/out", tmp);
    json_error_t e;
    json_t *j = json_load_file(p, 0, &e);
    if (!j) fprintf(stderr, "%s:%d: %s\n", p, e.line, e.text);
    assert_non_null(j);
    assert_true(json_is_object(j));
    return j;
}

/* The number of lines of TMP/NAME. */
static int lines_of(const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    size_t n;
    char *s = slurp(p, &n);
    int k = 0;
    for (size_t i = 0; i < n; i++) k += s[i] == '\n';
    free(s);
    return k;
}

static void test_cli(void **st)
{
    (void)st;
    assert_int_equal(inspect("'%s'", live), 0);
    assert_int_equal(inspect("--json '%s'", live), 0);
    json_t *j = out_json();
    assert_int_equal(json_integer_value(json_object_get(j, "documents")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "segments")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "deleted_documents")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "format")), 2);
    json_decref(j);

    assert_int_equal(inspect("--json --term Cats --limit 2 '%s'", live), 0);
    j = out_json();
    assert_string_equal(json_string_value(json_object_get(j, "term")), "cat");
    assert_int_equal(json_array_size(json_object_get(j, "postings")), 2);
    assert_true(json_integer_value(json_object_get(j, "df")) > 2);
    json_decref(j);
    assert_int_equal(inspect("--term zebra '%s'", live), 0);
    assert_int_equal(lines_of("out"), 1); /* the counts, no posting */
    assert_int_equal(inspect("--term cat --limit 0 '%s'", live), 0);
    assert_int_equal(lines_of("out"), 1);
    assert_int_equal(inspect("--term cat --limit 2 '%s'", live), 0);
    assert_int_equal(lines_of("out"), 4);

    assert_int_equal(inspect("--json --doc a '%s'", file), 0);
    j = out_json();
    json_t *ps = json_object_get(j, "passages");
    assert_int_equal(json_array_size(ps), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ps, 1), "ordinal")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ps, 0), "length")), 8);
    json_decref(j);
    assert_int_equal(inspect("--doc c '%s'", live), 0);

    /* a deleted document is not there; errors are one line */
    assert_int_equal(inspect("--doc d '%s'", live), 1);
    assert_int_equal(lines_of("err"), 1);
    assert_int_equal(inspect("--doc nosuch '%s'", file), 1);
    assert_int_equal(inspect("--term sit-ups '%s'", file), 2);
    assert_int_equal(inspect("'%s/none.spx'", tmp), 2);
    assert_int_equal(lines_of("err"), 1);
    assert_int_equal(inspect("--limit x '%s'", file), 2);
    assert_int_equal(lines_of("err"), 1);
    assert_int_equal(inspect("--doc a --term cat '%s'", file), 2);
    assert_int_equal(inspect(""), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_file),
        cmocka_unit_test(test_agrees_live),
        cmocka_unit_test(test_stop_and_deleted),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
