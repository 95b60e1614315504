/*
 * test_rank_window.c -- the windowed evaluator of several essential words
 * (searcher/rank_window.c) under MaxScore: deep k and few words, the same
 * scores with and without it, ties at the threshold, and a live index of
 * several segments; each against exhaustive evaluation (pruning_util.h).
 */
#include "pruning_util.h"

/* Windows the windowed evaluator (rank_window.c) has run on s so far. */
static uint64_t rwin_windows(const spasm_searcher *s)
{
    return sp_rwin_windows(s->rwin);
}

/* A bag of n words drawn from the first `from` of words[] (Zipf-like
 * frequencies: the lower, the more frequent), with now and then a phrase,
 * a NEAR group or an excluded word as shape says (0: words only). */
static void window_query(char *q, size_t cap, const char *const *words, int n, int from, int shape)
{
    size_t len = 0;
    q[0] = 0;
    for (int i = 0; i < n && len + 64 < cap; i++) {
        const char *w = words[rand() % from];
        if (shape == 1 && i % 5 == 2)
            len += (size_t)snprintf(q + len, cap - len, "\"%s %s\" ", w, words[rand() % 20]);
        else if (shape == 2 && i % 6 == 3)
            len += (size_t)snprintf(q + len, cap - len, "%s NEAR/4 %s ", w, words[rand() % 20]);
        else if (shape == 3 && i == n - 1)
            len += (size_t)snprintf(q + len, cap - len, "-%s ", words[rand() % 10]);
        else
            len += (size_t)snprintf(q + len, cap - len, "%s ", w);
    }
}

/*
 * Deep top-k through the windowed evaluator: bags of 2 to 40 words at
 * k = 1000 (and 10, 100, 5000), with phrases, NEAR groups and excluded
 * words among them, grouped by document or not, at the index's BM25 and
 * at other parameters, equal exhaustive evaluation -- and the windowed
 * path was taken (without it, this test fails).  Also k above the number
 * of matches.
 */
static void test_window_deep(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    const char *const *wp = blk_wp;
    uint64_t before = rwin_windows(s);
    srand(31);
    static const size_t ks[] = {1000, 10, 1000, 100, 1000, 5000};
    for (int q = 0; q < 120; q++) {
        char query[2048];
        window_query(query, sizeof query, wp, 2 + rand() % 39, q % 3 ? 80 : 300, q % 4);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.k = ks[q % 6];
        if (q % 5 == 1) o.group = SPASM_GROUP_DOC;
        if (q % 7 == 3) {
            o.k1 = 0.9;
            o.b = 0.4;
        }
        o.keep_stopwords = 1;
        expect_same(s, query, &o);
    }
    assert_true(rwin_windows(s) > before);
    /* k above the number of matches: every match, in order */
    char rare[256];
    snprintf(rare, sizeof rare, "%s %s %s", wp[299], wp[298], wp[150]);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.fields = SPASM_FIELD_ID;
    o.k = 100000;
    expect_same(s, rare, &o);
    uint64_t count = 0;
    spasm_results *r;
    assert_int_equal(spasm_count(s, rare, &count), 0);
    assert_int_equal(spasm_search(s, rare, &o, &r), 0);
    assert_int_equal(spasm_results_count(r), count);
    spasm_results_free(r);
}

/* The same queries through MaxScore with and without the windowed
 * evaluator: the same hits and the very same scores (both sum each
 * passage's shares in query order). */
static void test_window_same_scores(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    srand(37);
    for (int q = 0; q < 60; q++) {
        char query[2048];
        window_query(query, sizeof query, blk_wp, 3 + rand() % 25, 120, q % 4);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.k = q % 2 ? 1000 : 10;
        spasm_results *a, *b;
        assert_int_equal(spasm_search(s, query, &o, &a), 0);
        s->no_rwin = 1;
        assert_int_equal(spasm_search(s, query, &o, &b), 0);
        s->no_rwin = 0;
        assert_int_equal(spasm_results_count(a), spasm_results_count(b));
        for (size_t i = 0; i < spasm_results_count(a); i++) {
            assert_int_equal(spasm_results_hit(a, i)->passage, spasm_results_hit(b, i)->passage);
            assert_true(spasm_results_hit(a, i)->score == spasm_results_hit(b, i)->score);
        }
        spasm_results_free(a);
        spasm_results_free(b);
    }
}

/* Random texts over the synthetic words: n words of Zipf-like frequency. */
static size_t zipf_text(char *text, size_t cap, int nwords)
{
    size_t len = 0;
    for (int i = 0; i < nwords && len + 32 < cap; i++) {
        double u = (double)rand() / RAND_MAX;
        int wi = (int)(300 * u * u * u);
        len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? " " : "",
                                blk_wp[wi < 300 ? wi : 299]);
    }
    return len;
}

/*
 * Ties: 5,000 documents made of 120 distinct texts, so that hundreds of
 * passages share each score and the k-th place falls inside a run of
 * equal scores; at k around 1000 the windowed evaluator keeps the
 * earlier passages of a tie, as exhaustive evaluation does.
 */
static void test_window_ties(void **state)
{
    (void)state;
    blocks_searcher(); /* the words */
    char path[300];
    snprintf(path, sizeof path, "%s/ties.spx", tmpdir);
    static char texts[120][700];
    srand(41);
    for (int i = 0; i < 120; i++) zipf_text(texts[i], sizeof texts[i], 4 + rand() % 60);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    for (int d = 0; d < 5000; d++) {
        char id[32];
        snprintf(id, sizeof id, "t%d", d);
        const char *t = texts[rand() % 120];
        assert_int_equal(spasm_writer_add(w, id, NULL, t, strlen(t)), 0);
    }
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    static const size_t ks[] = {1, 10, 100, 999, 1000, 1001, 3000};
    uint64_t before = rwin_windows(s);
    for (int q = 0; q < 40; q++) {
        char query[1024];
        window_query(query, sizeof query, blk_wp, 2 + rand() % 20, q % 2 ? 40 : 150, q % 4);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.keep_stopwords = 1;
        o.k = ks[q % 7];
        o.group = q % 3 == 2 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
        expect_same(s, query, &o);
    }
    assert_true(rwin_windows(s) > before);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/*
 * A live folder of several segments (one per commit, no merges) with
 * replaced and deleted documents: deep and shallow top-k through the
 * windowed evaluator equal exhaustive evaluation, segment by segment with
 * the threshold carried over, deleted passages never returned.
 */
static void test_window_live(void **state)
{
    (void)state;
    blocks_searcher(); /* the words */
    char folder[300];
    snprintf(folder, sizeof folder, "%s/live.spx", tmpdir);
    spasm_updater *u;
    spasm_writer_options wo = {0};
    wo.b = SPASM_B_DEFAULT;
    wo.threads = 1;
    assert_int_equal(spasm_updater_open(&u, folder, &wo), 0);
    u->merge_width = 1000; /* no merge: one segment per commit */
    srand(43);
    char text[1024];
    for (int c = 0; c < 6; c++) {
        for (int i = 0; i < 900; i++) {
            char id[32];
            snprintf(id, sizeof id, "v%d", rand() % 4000); /* some replace earlier ones */
            size_t len = zipf_text(text, sizeof text, 3 + rand() % 70);
            assert_int_equal(spasm_updater_add(u, id, NULL, text, len), 0);
        }
        for (int i = 0; i < 60; i++) {
            char id[32];
            snprintf(id, sizeof id, "v%d", rand() % 4000);
            assert_int_equal(spasm_updater_delete(u, id), 0);
        }
        assert_int_equal(spasm_updater_commit(u), 0);
    }
    spasm_updater_close(u);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, folder, NULL), 0);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_true(st.segments >= 4);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    uint64_t before = rwin_windows(s);
    for (int q = 0; q < 60; q++) {
        char query[1024];
        window_query(query, sizeof query, blk_wp, 2 + rand() % 30, q % 2 ? 60 : 300, q % 4);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.keep_stopwords = 1;
        o.k = q % 3 ? 1000 : 10;
        o.group = q % 4 == 1 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
        expect_same(s, query, &o);
    }
    assert_true(rwin_windows(s) > before);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_deep),
        cmocka_unit_test(test_window_same_scores),
        cmocka_unit_test(test_window_ties),
        cmocka_unit_test(test_window_live),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
