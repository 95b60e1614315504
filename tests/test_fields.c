/*
 * test_fields.c -- field queries (issue 14 part 5): title:word,
 * title:"phrase", title:prefix*, text:word and groups, parsed and matched
 * exactly (a word only in the title, only in the text), their errors, the
 * BM25F-style title weight, block-max pruning equal to exhaustive
 * evaluation with field terms and weights, and a live folder answering
 * field queries as a one-shot index does.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "testutil.h"

#include "search.h"
#include "spasm.h"

static char tmpdir[256];
static spasm_index *ix;
static spasm_searcher *s;

/* The small collection: id, title, text (one passage each). */
static const char *const docs[][3] = {
    {"t1", "Calf cramps", "Nothing here is about legs."},
    {"t2", "Notes", "The calf muscles cramp at night."},
    {"t3", "Night", "A quiet evening."},
    {"t4", NULL, "Calf pain without a title."},
    {"t5", "Calf calf", "Calf again in the text."},
};
#define NDOCS (sizeof docs / sizeof *docs)

/* Write the small collection to path. */
static void build(const char *path)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    for (size_t i = 0; i < NDOCS; i++)
        assert_int_equal(
            spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2])), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-fields-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char p[300];
    snprintf(p, sizeof p, "%s/small.spx", tmpdir);
    build(p);
    if (spasm_open(&ix, p, NULL)) return -1;
    return spasm_searcher_new(ix, &s);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(s);
    spasm_close(ix);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* The ids of the documents q matches, sorted, space-separated ("" for
 * none; "ERR" on an error). */
static const char *ids(spasm_searcher *on, const char *q)
{
    static char out[256];
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 100;
    o.fields = SPASM_FIELD_ID;
    spasm_results *r;
    if (spasm_search(on, q, &o, &r)) return "ERR";
    char seen[NDOCS] = {0};
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        const char *id = spasm_results_hit(r, i)->doc_id;
        seen[id[1] - '1'] = 1;
    }
    spasm_results_free(r);
    out[0] = 0;
    for (size_t i = 0; i < NDOCS; i++)
        if (seen[i])
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", *out ? " " : "",
                     docs[i][0]);
    return out;
}

/* Matches: a word only in the title, only in the text, both. */
static void test_title_and_text(void **state)
{
    (void)state;
    assert_string_equal(ids(s, "calf"), "t1 t2 t4 t5");
    assert_string_equal(ids(s, "title:calf"), "t1 t5");
    assert_string_equal(ids(s, "text:calf"), "t2 t4 t5");
    assert_string_equal(ids(s, "TITLE:calf"), "t1 t5");
    assert_string_equal(ids(s, "title:night"), "t3");
    assert_string_equal(ids(s, "text:night"), "t2");
    assert_string_equal(ids(s, "title:legs"), "");
    /* phrases and prefixes, restricted as a whole */
    assert_string_equal(ids(s, "title:\"calf cramps\""), "t1");
    assert_string_equal(ids(s, "text:\"calf cramps\""), "");
    assert_string_equal(ids(s, "title:cram*"), "t1");
    assert_string_equal(ids(s, "text:cram*"), "t2");
    /* with +/-, groups, NEAR */
    assert_string_equal(ids(s, "calf -title:calf"), "t2 t4");
    assert_string_equal(ids(s, "+title:calf text:again"), "t1 t5");
    assert_string_equal(ids(s, "title:(night OR notes)"), "t2 t3");
    assert_string_equal(ids(s, "title:(night text:calf)"), "t2 t3 t4 t5");
    assert_string_equal(ids(s, "title:calf AND text:calf"), "t5");
    assert_string_equal(ids(s, "title:calf NEAR/3 text:again"), "t5");
    /* a field word is meant: a stop word is not dropped */
    assert_string_equal(ids(s, "text:the calf"), "t1 t2 t4 t5");
    assert_string_equal(ids(s, "+text:the"), "t2 t5");
    /* counting agrees with searching */
    uint64_t c;
    assert_int_equal(spasm_count(s, "title:calf", &c), 0);
    assert_int_equal(c, 2);
    assert_int_equal(spasm_count(s, "text:calf", &c), 0);
    assert_int_equal(c, 3);
}

/* Not fields: digits, URLs, a lone "title:"; an unknown field's error. */
static void test_field_syntax(void **state)
{
    (void)state;
    uint64_t c;
    assert_int_equal(spasm_count(s, "10:30 calf", &c), 0);
    assert_int_equal(spasm_count(s, "http://calf", &c), 0); /* not a field */
    assert_int_equal(spasm_count(s, "title: calf", &c), 0); /* "title" is a word */
    assert_int_equal(c, 4);
    assert_int_equal(spasm_count(s, "calf foo:bar", &c), SPASM_EQUERY);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "unknown field \"foo\" at byte 5"));
    assert_int_equal(spasm_count(s, "Body:x", &c), SPASM_EQUERY);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "byte 0"));
    assert_int_equal(spasm_count(s, "title:", &c), 0); /* the word "title" (t4) */
    assert_int_equal(c, 1);
    assert_int_equal(spasm_count(s, "calf title:)", &c), 0);
    /* the CLI: exit 2 with the position */
    assert_int_equal(run("%s/bin/spasm-search -i %s/small.spx 'calf foo:bar' 2>%s/err.txt",
                         build_dir(), tmpdir, tmpdir),
                     2);
    char p[300];
    snprintf(p, sizeof p, "%s/err.txt", tmpdir);
    size_t n;
    char *err = slurp(p, &n);
    assert_non_null(err);
    assert_non_null(strstr(err, "unknown field \"foo\" at byte 5"));
    free(err);
    assert_int_equal(run("%s/bin/spasm-search -i %s/small.spx --title-weight 0 calf 2>/dev/null",
                         build_dir(), tmpdir),
                     2);
}

/* Search q with title weight w (0: default); the explanation of hit 0. */
static char *explain_top(const char *q, double w, double *score)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.explain = 1;
    o.title_weight = w;
    spasm_results *r;
    assert_int_equal(spasm_search(s, q, &o, &r), 0);
    assert_true(spasm_results_count(r) > 0);
    char *e = strdup(spasm_results_hit(r, 0)->explain);
    *score = spasm_results_hit(r, 0)->score;
    spasm_results_free(r);
    return e;
}

/* BM25 of a field word counts its field's occurrences; the title weight
 * counts title occurrences w times for words without a field. */
static void test_scores(void **state)
{
    (void)state;
    double a, b;
    /* t5: "calf" twice in the title, once in the text */
    char *e = explain_top("title:calf", 0, &a);
    assert_non_null(strstr(e, "term title:\"calf\""));
    assert_non_null(strstr(e, "tf 2 "));
    free(e);
    e = explain_top("text:again", 0, &a);
    assert_non_null(strstr(e, "tf 1 "));
    free(e);
    e = explain_top("+title:calf text:calf", 0, &a);
    free(e);
    e = explain_top("calf", 1, &a);
    assert_non_null(strstr(e, "tf 3 ")); /* t5: 2 + 1 */
    free(e);
    e = explain_top("calf", 3, &b);
    assert_non_null(strstr(e, "tf 7 ")); /* t5: 1 + 3 * 2 */
    free(e);
    assert_true(b > a);
    e = explain_top("calf", 0.5, &b);
    free(e);
    assert_true(b < a);
    /* field words ignore the weight */
    free(explain_top("title:calf", 1, &a));
    free(explain_top("title:calf", 5, &b));
    assert_true(fabs(a - b) < 1e-12);
    /* out of range */
    spasm_search_options o;
    spasm_search_options_init(&o);
    spasm_results *r;
    o.title_weight = -1;
    assert_int_equal(spasm_search(s, "calf", &o, &r), SPASM_EINVAL);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "title_weight"));
    o.title_weight = 101;
    assert_int_equal(spasm_search(s, "calf", &o, &r), SPASM_EINVAL);
    o.title_weight = NAN;
    assert_int_equal(spasm_search(s, "calf", &o, &r), SPASM_EINVAL);
}

/* Run query with pruning and exhaustively on sr; the two must agree. */
static void expect_same(spasm_searcher *sr, const char *query, const spasm_search_options *o)
{
    spasm_results *fast, *slow;
    sr->force_exhaustive = 0;
    int rc1 = spasm_search(sr, query, o, &fast);
    sr->force_exhaustive = 1;
    int rc2 = spasm_search(sr, query, o, &slow);
    sr->force_exhaustive = 0;
    assert_int_equal(rc1, rc2);
    if (rc1) return;
    if (spasm_results_count(fast) != spasm_results_count(slow))
        print_error("query [%s] k=%zu w=%g: %zu hits pruned, %zu exhaustive\n", query, o->k,
                    o->title_weight, spasm_results_count(fast), spasm_results_count(slow));
    assert_int_equal(spasm_results_count(fast), spasm_results_count(slow));
    for (size_t i = 0; i < spasm_results_count(fast); i++) {
        const spasm_hit *x = spasm_results_hit(fast, i), *y = spasm_results_hit(slow, i);
        if (x->passage != y->passage || fabs(x->score - y->score) >= 1e-6)
            print_error("query [%s] k=%zu w=%g rank %zu: %u (%.9f) pruned, %u (%.9f)\n", query,
                        o->k, o->title_weight, i, x->passage, x->score, y->passage, y->score);
        assert_int_equal(x->passage, y->passage);
        assert_true(fabs(x->score - y->score) < 1e-6);
    }
    spasm_results_free(fast);
    spasm_results_free(slow);
}

/* A synthetic collection with titles and long posting lists (Zipf-like
 * words, titles of 0..4 words), pruned with weights and field terms:
 * the same hits and scores as exhaustive evaluation. */
static void test_pruning_with_fields(void **state)
{
    (void)state;
    static const char *syl[] = {"ka", "lo", "mi", "ru", "te", "sa", "no", "pi", "do", "fe"};
    static char words[200][16];
    for (int i = 0; i < 200; i++)
        snprintf(words[i], sizeof words[i], "%s%s%sx", syl[i % 10], syl[(i / 10) % 10],
                 syl[(i / 100) % 10]);
    char path[300];
    snprintf(path, sizeof path, "%s/blocks.spx", tmpdir);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    srand(23);
    char *text = malloc(1 << 16);
    assert_non_null(text);
    for (int d = 0; d < 5000; d++) {
        size_t len = 0;
        int npass = 1 + (rand() % 4 == 0) * (rand() % 3);
        for (int p = 0; p < npass; p++) {
            int nwords = 3 + rand() % 60;
            for (int i = 0; i < nwords; i++) {
                double u = (double)rand() / RAND_MAX;
                len += (size_t)sprintf(text + len, "%s%s", i ? " " : "",
                                       words[(int)(199 * u * u * u)]);
            }
            len += (size_t)sprintf(text + len, ".\n\n");
        }
        char id[32], title[128] = "";
        snprintf(id, sizeof id, "d%d", d);
        int nt = rand() % 5;
        for (int i = 0; i < nt; i++) {
            double u = (double)rand() / RAND_MAX;
            snprintf(title + strlen(title), sizeof title - strlen(title), "%s%s", i ? " " : "",
                     words[(int)(199 * u * u)]);
        }
        assert_int_equal(spasm_writer_add(w, id, nt ? title : NULL, text, len), 0);
    }
    free(text);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *bix;
    spasm_searcher *bs;
    assert_int_equal(spasm_open(&bix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(bix, &bs), 0);
    static const double weights[] = {0, 1, 1.5, 3, 0.5, 100};
    static const size_t ks[] = {1, 10, 100, 1000, 3};
    srand(29);
    for (int q = 0; q < 300; q++) {
        char query[512] = "";
        int n = 1 + rand() % 6;
        for (int i = 0; i < n; i++) {
            const char *wd = words[rand() % (i < 3 ? 30 : 200)];
            int f = rand() % 6;
            snprintf(query + strlen(query), sizeof query - strlen(query), "%s%s%s ",
                     f == 0 && q % 3 == 0 ? "title:" : "", f == 1 && q % 3 == 0 ? "text:" : "", wd);
        }
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.k = ks[rand() % 5];
        o.title_weight = weights[q % 6];
        if (q % 5 == 2) o.proximity = q % 2 ? 0.5 : 8;    /* with the proximity bound too */
        if (q % 6 == 3 && q % 4 == 3) o.bm25_delta = 0.5; /* BM25+ with a title weight */
        if (q % 4 == 1) {
            o.k1 = 1.2;
            o.b = 0.75;
        }
        if (q % 7 == 3) o.group = SPASM_GROUP_DOC;
        expect_same(bs, query, &o);
    }
    spasm_searcher_free(bs);
    spasm_close(bix);
}

/* A live folder (two segments, one document replaced) answers field
 * queries as a one-shot index of its live documents. */
static void test_live_fields(void **state)
{
    (void)state;
    char live[300], one[300];
    snprintf(live, sizeof live, "%s/live.spx", tmpdir);
    snprintf(one, sizeof one, "%s/one.spx", tmpdir);
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, live, NULL), 0);
    for (size_t i = 0; i < NDOCS; i++)
        assert_int_equal(
            spasm_updater_add(u, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2])), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    const char *t = "Cramps at night in the calf.";
    assert_int_equal(spasm_updater_add(u, "t3", "Calf night", t, strlen(t)), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_close(u);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, one, NULL), 0);
    for (size_t i = 0; i < NDOCS; i++)
        if (i != 2)
            assert_int_equal(
                spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2])), 0);
    assert_int_equal(spasm_writer_add(w, "t3", "Calf night", t, strlen(t)), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *lx, *ox;
    spasm_searcher *ls, *os;
    assert_int_equal(spasm_open(&lx, live, NULL), 0);
    assert_int_equal(spasm_open(&ox, one, NULL), 0);
    assert_int_equal(spasm_searcher_new(lx, &ls), 0);
    assert_int_equal(spasm_searcher_new(ox, &os), 0);
    const char *qs[] = {"title:calf",           "text:calf",        "title:night text:night",
                        "title:\"calf night\"", "calf -title:calf", "title:cal*"};
    static const double weights[] = {1, 2.5};
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++)
        for (size_t wi = 0; wi < 2; wi++) {
            spasm_search_options o;
            spasm_search_options_init(&o);
            o.title_weight = weights[wi];
            spasm_results *a, *b;
            assert_int_equal(spasm_search(ls, qs[q], &o, &a), 0);
            assert_int_equal(spasm_search(os, qs[q], &o, &b), 0);
            assert_int_equal(spasm_results_count(a), spasm_results_count(b));
            for (size_t i = 0; i < spasm_results_count(a); i++) {
                assert_string_equal(spasm_results_hit(a, i)->doc_id,
                                    spasm_results_hit(b, i)->doc_id);
                assert_true(fabs(spasm_results_hit(a, i)->score - spasm_results_hit(b, i)->score) <
                            1e-9);
            }
            spasm_results_free(a);
            spasm_results_free(b);
        }
    assert_string_equal(ids(ls, "title:calf"), "t1 t3 t5");
    spasm_searcher_free(ls);
    spasm_searcher_free(os);
    spasm_close(lx);
    spasm_close(ox);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* An index written before TLEN (the section renamed, which old readers
 * and this one ignore; the table's and header's CRCs recomputed): plain
 * words still search, field words are an error asking for a rebuild. */
static void test_index_without_tlen(void **state)
{
    (void)state;
    char p[300], q[300];
    snprintf(p, sizeof p, "%s/small.spx", tmpdir);
    snprintf(q, sizeof q, "%s/old.spx", tmpdir);
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    assert_non_null(b);
    uint64_t t = get32(b + 24) | (uint64_t)get32(b + 28) << 32;
    uint32_t ns = get32(b + 32);
    int found = 0;
    for (uint32_t i = 0; i < ns; i++)
        if (memcmp(b + t + 32 * i, "TLEN", 4) == 0) {
            memcpy(b + t + 32 * i, "XLEN", 4);
            found = 1;
        }
    assert_true(found);
    put32(b + 56, (uint32_t)crc32(0, b + t, 32 * ns));
    put32(b + 124, (uint32_t)crc32(0, b, 124));
    write_file(q, b, n);
    free(b);
    spasm_index *oix;
    spasm_searcher *os;
    assert_int_equal(spasm_open(&oix, q, NULL), 0);
    assert_int_equal(spasm_index_verify(oix), 0);
    assert_int_equal(spasm_searcher_new(oix, &os), 0);
    assert_string_equal(ids(os, "calf"), "t1 t2 t4 t5");
    uint64_t c;
    assert_int_equal(spasm_count(os, "calf title:calf", &c), SPASM_EQUERY);
    assert_non_null(strstr(spasm_searcher_errmsg(os), "field word at byte 11"));
    assert_non_null(strstr(spasm_searcher_errmsg(os), "rebuild"));
    assert_int_equal(spasm_count(os, "text:cal*", &c), SPASM_EQUERY);
    /* the title weight has nothing to weigh: plain BM25 */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.title_weight = 3;
    spasm_results *r1, *r2;
    assert_int_equal(spasm_search(os, "calf", &o, &r1), 0);
    o.title_weight = 1;
    assert_int_equal(spasm_search(os, "calf", &o, &r2), 0);
    assert_int_equal(spasm_results_count(r1), spasm_results_count(r2));
    for (size_t i = 0; i < spasm_results_count(r1); i++)
        assert_true(spasm_results_hit(r1, i)->score == spasm_results_hit(r2, i)->score);
    spasm_results_free(r1);
    spasm_results_free(r2);
    spasm_searcher_free(os);
    spasm_close(oix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_title_and_text), cmocka_unit_test(test_field_syntax),
        cmocka_unit_test(test_scores),         cmocka_unit_test(test_pruning_with_fields),
        cmocka_unit_test(test_live_fields),    cmocka_unit_test(test_index_without_tlen),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
