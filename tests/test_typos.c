/*
 * test_typos.c -- typo tolerance (searcher/suggest.c): a word the index
 * lacks is searched as its closest indexed word and the query as
 * corrected is the results' suggestion; words of the index stay as typed
 * unless far rarer than a neighbour; the distance bounds (1 edit from 5
 * characters, 2 from 9, a transposition as one, characters not bytes);
 * the bound on the words corrected per query; --exact and the JSON field
 * of spasm-search.
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

#include "spasm.h"

static char tmpdir[256];

/* Build path from passages texts[0, n), one document each. */
static void build(const char *path, const char *const *texts, size_t n)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "d%zu", i);
        assert_int_equal(spasm_writer_add(w, id, NULL, texts[i], strlen(texts[i])), SPASM_OK);
    }
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
}

/* Search q on ix with typos set as given; the suggestion into out (and
 * the hit count into *hits). */
static void suggest_ex(spasm_index *ix, const char *q, int typos, char *out, size_t cap,
                       size_t *hits, char *first, unsigned *flags)
{
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.typos = typos;
    spasm_results *r;
    int rc = spasm_search(s, q, &o, &r);
    if (rc) fprintf(stderr, "%s\n", spasm_searcher_errmsg(s));
    assert_int_equal(rc, SPASM_OK);
    snprintf(out, cap, "%s", spasm_results_suggestion(r));
    unsigned fl = spasm_results_flags(r);
    assert_int_equal(!!(fl & (SPASM_RESULT_CORRECTED | SPASM_RESULT_TYPO_ADDED)), out[0] != 0);
    if (hits) *hits = spasm_results_count(r);
    if (first)
        snprintf(first, 32, "%s", spasm_results_count(r) ? spasm_results_hit(r, 0)->doc_id : "");
    if (flags) *flags = fl;
    spasm_results_free(r);
    spasm_searcher_free(s);
}

static void suggest(spasm_index *ix, const char *q, int typos, char *out, size_t cap, size_t *hits)
{
    suggest_ex(ix, q, typos, out, cap, hits, NULL, NULL);
}

static spasm_index *open_ix(const char *path)
{
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    return ix;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-typos-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

/* The bundled corpus: musle -> muscle, spasm as typed, --exact. */
static void test_corpus(void **state)
{
    (void)state;
    char path[512], sg[512];
    snprintf(path, sizeof path, "%s/corpus.spx", build_dir());
    spasm_index *ix = open_ix(path);
    size_t hits;
    suggest(ix, "musle spasm", SPASM_TYPOS_ON, sg, sizeof sg, &hits);
    assert_string_equal(sg, "muscle spasm");
    suggest(ix, "Musle", SPASM_TYPOS_ON, sg, sizeof sg, &hits);
    assert_string_equal(sg, "Muscle"); /* the case of a first capital kept */
    assert_true(hits > 0);
    suggest(ix, "musle", SPASM_TYPOS_OFF, sg, sizeof sg, &hits);
    assert_string_equal(sg, "");
    assert_int_equal(hits, 0);
    suggest(ix, "muscle spasm", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    suggest(ix, "spasm", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    /* a transposition is one edit; 2 edits only from 9 characters */
    suggest(ix, "mucsle cramps", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "muscle cramps");
    suggest(ix, "dehidratoin", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "dehydration");
    suggest(ix, "mascles", SPASM_TYPOS_ON, sg, sizeof sg, NULL); /* 7 letters, 1 edit: muscles */
    assert_string_equal(sg, "muscles");
    suggest(ix, "maskles", SPASM_TYPOS_ON, sg, sizeof sg, NULL); /* 2 edits at 7 letters */
    assert_string_equal(sg, "");
    suggest(ix, "crmp", SPASM_TYPOS_ON, sg, sizeof sg, NULL); /* under 5 letters */
    assert_string_equal(sg, "");
    /* prefixes, words with digits and phrases */
    suggest(ix, "musle* 12345", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    suggest(ix, "\"smoth muscle\"", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "\"smooth muscle\"");
    /* spasm_count counts the query as typed */
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    uint64_t c = 1;
    assert_int_equal(spasm_count(s, "musle", &c), SPASM_OK);
    assert_int_equal(c, 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* A word of the index is corrected only when it is in at most 3 passages
 * and a neighbour in 100 times as many. */
static void test_rare_words(void **state)
{
    (void)state;
    const char *t[400];
    size_t n = 0;
    for (int i = 0; i < 300; i++) t[n++] = "the gardener planted tomatoes";
    t[n++] = "the gardener planted tomatoez";                    /* df 1, a neighbour with 300 */
    for (int i = 0; i < 4; i++) t[n++] = "a basket of potatoez"; /* df 4 */
    for (int i = 0; i < 20; i++) t[n++] = "a basket of lemons and melons";
    t[n++] = "one lemonz"; /* df 1, a neighbour with 20 only */
    char path[512], sg[512];
    snprintf(path, sizeof path, "%s/rare.spx", tmpdir);
    build(path, t, n);
    spasm_index *ix = open_ix(path);
    /* searched as typed OR as the correction: its own passage first */
    char first[32];
    unsigned fl;
    size_t hits;
    suggest_ex(ix, "tomatoez", SPASM_TYPOS_ON, sg, sizeof sg, &hits, first, &fl);
    assert_string_equal(sg, "tomatoes");
    assert_string_equal(first, "d300");
    assert_int_equal(hits, 10);
    assert_int_equal(fl & (SPASM_RESULT_CORRECTED | SPASM_RESULT_TYPO_ADDED),
                     SPASM_RESULT_TYPO_ADDED);
    suggest_ex(ix, "gardner tomatoez", SPASM_TYPOS_ON, sg, sizeof sg, &hits, first, &fl);
    assert_string_equal(sg, "gardener tomatoes");
    assert_string_equal(first, "d300");
    assert_int_equal(fl & (SPASM_RESULT_CORRECTED | SPASM_RESULT_TYPO_ADDED),
                     SPASM_RESULT_CORRECTED | SPASM_RESULT_TYPO_ADDED);
    suggest_ex(ix, "\"planted tomatoez\"", SPASM_TYPOS_ON, sg, sizeof sg, &hits, first, &fl);
    assert_string_equal(sg, "\"planted tomatoes\"");
    assert_int_equal(hits, 10); /* an OR group inside the phrase: both match */
    suggest_ex(ix, "\"planted tomatoez\"", SPASM_TYPOS_OFF, sg, sizeof sg, &hits, first, &fl);
    assert_int_equal(hits, 1);
    suggest(ix, "potatoez", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    suggest(ix, "lemonz", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    suggest(ix, "tomatoes", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "");
    /* candidates by distance, then frequency: melons (20) over lemons (20
     * too: the first in byte order), gardener over nothing else */
    suggest(ix, "melonx", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "melons");
    suggest(ix, "gardner", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "gardener");
    spasm_close(ix);
}

/* Several indexes as one: words from every segment, dfs summed. */
static void test_shards(void **state)
{
    (void)state;
    const char *a[60], *b[61];
    for (int i = 0; i < 60; i++) a[i] = b[i] = "ripe tomatoes";
    b[60] = "ripe tomatoez"; /* 60 + 60 = 120 >= 100 times 1, in no shard alone */
    const char *c[] = {"a cucumber salad"};
    char p1[512], p2[512], p3[512], sg[512];
    snprintf(p1, sizeof p1, "%s/s1.spx", tmpdir);
    snprintf(p2, sizeof p2, "%s/s2.spx", tmpdir);
    snprintf(p3, sizeof p3, "%s/s3.spx", tmpdir);
    build(p1, a, 60);
    build(p2, b, 61);
    build(p3, c, 1);
    const char *paths[] = {p1, p2, p3};
    spasm_index *ix;
    assert_int_equal(spasm_open_many(&ix, paths, 3, NULL), SPASM_OK);
    suggest(ix, "tomatoez", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "tomatoes");
    suggest(ix, "cucumbr tomatos tmatoes", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "cucumber tomatos tomatoes"); /* tomatos: stem tomato */
    spasm_close(ix);
}

/* UTF-8: characters, not bytes, count. */
static void test_utf8(void **state)
{
    (void)state;
    const char *t[] = {"москва столица", "москва большая", "школа номер один", "школа"};
    char path[512], sg[512];
    snprintf(path, sizeof path, "%s/utf8.spx", tmpdir);
    build(path, t, 4);
    spasm_index *ix = open_ix(path);
    suggest(ix, "мосвка", SPASM_TYPOS_ON, sg, sizeof sg, NULL); /* a transposition */
    assert_string_equal(sg, "москва");
    suggest(ix, "шкла", SPASM_TYPOS_ON, sg, sizeof sg, NULL); /* 4 characters (8 bytes) */
    assert_string_equal(sg, "");
    suggest(ix, "школаа", SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    assert_string_equal(sg, "школа");
    spasm_close(ix);
}

/* A 10 KB query: at most 8 distinct words are looked at; nonsense ends. */
static void test_bounded(void **state)
{
    (void)state;
    static const char *words[] = {"alpha",  "bravo", "charlie", "delta",  "echoes", "foxtrot",
                                  "golfer", "hotel", "india",   "juliet", "kilos",  "limas"};
    const char *t[12];
    for (int i = 0; i < 12; i++) t[i] = words[i];
    char path[512], sg[16384];
    snprintf(path, sizeof path, "%s/bound.spx", tmpdir);
    build(path, t, 12);
    spasm_index *ix = open_ix(path);
    char q[10300];
    size_t n = 1;
    q[0] = ' ';
    while (n < 10000) /* each word with an x appended: one edit */
        for (int i = 0; i < 12 && n < 10000; i++)
            n += (size_t)snprintf(q + n, sizeof q - n, "%sx ", words[i]);
    suggest(ix, q, SPASM_TYPOS_ON, sg, sizeof sg, NULL);
    size_t fixed = 0;
    for (int i = 0; i < 12; i++) {
        char w[32];
        snprintf(w, sizeof w, " %s ", words[i]);
        if (strstr(sg, w)) fixed++;
    }
    assert_int_equal(fixed, 8);
    /* 10 KB of nonsense words, none near an indexed one */
    unsigned x = 14;
    n = 0;
    while (n < 10000) {
        for (int j = 0; j < 9; j++) {
            x = x * 1103515245u + 12345u;
            q[n++] = (char)('a' + (x >> 16) % 26);
        }
        q[n++] = ' ';
    }
    q[n] = 0;
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.typos = SPASM_TYPOS_ON;
    spasm_results *r = NULL;
    int rc = spasm_search(s, q, &o, &r);
    assert_true(rc == SPASM_OK || rc == SPASM_EQUERY); /* EQUERY: over 768 words */
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* spasm-search: "showing results for" on stderr, --exact, JSON. */
static void test_cli(void **state)
{
    (void)state;
    char out[512], err[512];
    size_t len;
    snprintf(out, sizeof out, "%s/out", tmpdir);
    snprintf(err, sizeof err, "%s/err", tmpdir);
    const char *b = build_dir();
    assert_int_equal(run("%s/bin/spasm-search --typos -k 1 musle spasm >%s 2>%s", b, out, err), 0);
    char *e = slurp(err, &len);
    assert_non_null(e);
    assert_string_equal(e, "spasm-search: showing results for muscle spasm\n");
    free(e);
    /* on by default for a query on the command line, off for a batch */
    assert_int_equal(run("%s/bin/spasm-search -k 1 MUSLE spasm >%s 2>%s", b, out, err), 0);
    e = slurp(err, &len);
    assert_string_equal(e, "spasm-search: showing results for MUSCLE spasm\n");
    free(e);
    assert_int_equal(run("printf 'q1\\tmusle\\n' | %s/bin/spasm-search -f - --format json >%s 2>%s",
                         b, out, err),
                     1);
    assert_int_equal(
        run("printf 'q1\\tmusle\\n' | %s/bin/spasm-search --typos -f - --format trec >%s 2>%s", b,
            out, err),
        0);
    e = slurp(err, &len);
    assert_string_equal(e, "spasm-search: stdin:1: showing results for muscle\n");
    free(e);
    assert_int_equal(run("%s/bin/spasm-search --exact -k 1 musle >%s 2>%s", b, out, err), 1);
    e = slurp(err, &len);
    assert_string_equal(e, "spasm-search: no results\n");
    free(e);
    assert_int_equal(
        run("%s/bin/spasm-search --typos --format json -k 1 musle >%s 2>%s", b, out, err), 0);
    char *o = slurp(out, &len);
    assert_non_null(strstr(o, "\"suggestion\":\"muscle\""));
    free(o);
    assert_int_equal(
        run("%s/bin/spasm-search --typos --format json -k 1 muscle >%s 2>%s", b, out, err), 0);
    o = slurp(out, &len);
    assert_null(strstr(o, "suggestion"));
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),  cmocka_unit_test(test_rare_words),
        cmocka_unit_test(test_utf8),    cmocka_unit_test(test_shards),
        cmocka_unit_test(test_bounded), cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
