/*
 * test_pruning.c -- dynamic pruning returns exactly what exhaustive
 * evaluation returns (ids, and scores within 1e-6), on the bundled corpus
 * and on a synthetic collection with long posting lists; and ids-only
 * results equal full results.  The windowed evaluator's tests are in
 * test_rank_window.c; what the two share is pruning_util.h.
 */
#include "pruning_util.h"

/* The proximity weight random_options() sets (0: off); the tests with
 * the component on set it. */
static double prox_weight;
/* The BM25+ delta random_options() sets (0: off). */
static double delta_weight;

/* SPASM_FIELD_ID: the same hits, ids and scores as all fields, no text. */
static void test_fields_ids_only(void **state)
{
    (void)state;
    const char *queries[] = {"night calf cramps", "\"renal colic\" kidney", "muscle", "the"};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = 50;
        o.keep_stopwords = 1;
        spasm_results *all, *ids;
        assert_int_equal(spasm_search(corpus_s, queries[q], &o, &all), 0);
        o.fields = SPASM_FIELD_ID;
        assert_int_equal(spasm_search(corpus_s, queries[q], &o, &ids), 0);
        assert_true(spasm_results_count(all) > 0);
        assert_int_equal(spasm_results_count(all), spasm_results_count(ids));
        for (size_t i = 0; i < spasm_results_count(all); i++) {
            const spasm_hit *a = spasm_results_hit(all, i), *b = spasm_results_hit(ids, i);
            assert_int_equal(a->passage, b->passage);
            assert_int_equal(a->doc, b->doc);
            assert_int_equal(a->ordinal, b->ordinal);
            assert_true(a->score == b->score);
            assert_string_equal(a->doc_id, b->doc_id);
            assert_true(a->text_len > 0); /* (a title-only match has no highlight) */
            assert_string_equal(b->text, "");
            assert_string_equal(b->title, "");
            assert_int_equal(b->text_len, 0);
            assert_int_equal(b->nhighlights, 0);
        }
        spasm_results_free(ids);
        /* the title alone: from DMET, still no text */
        o.fields = SPASM_FIELD_TITLE;
        assert_int_equal(spasm_search(corpus_s, queries[q], &o, &ids), 0);
        const spasm_hit *h = spasm_results_hit(ids, 0);
        assert_string_equal(h->doc_id, "");
        assert_string_equal(h->title, spasm_results_hit(all, 0)->title);
        assert_string_equal(h->text, "");
        spasm_results_free(ids);
        spasm_results_free(all);
    }
}

/* A random query over words[]: a bag of words, with now and then a
 * phrase, a required or excluded word, AND, or a parenthesised group. */
static void random_query(char *query, size_t cap, const char *const *words, size_t nw)
{
    query[0] = 0;
    int n = 1 + rand() % 6, shape = rand() % 8;
    for (int i = 0; i < n; i++) {
        const char *w = words[rand() % nw];
        char part[128];
        if (shape == 1 && i == 0) /* a phrase */
            snprintf(part, sizeof part, "\"%s %s\" ", w, words[rand() % nw]);
        else if (shape == 2 && i == 0)
            snprintf(part, sizeof part, "+%s ", w);
        else if (shape == 3 && i == 1)
            snprintf(part, sizeof part, "-%s ", w);
        else if (shape == 4 && i == 1)
            snprintf(part, sizeof part, "AND %s ", w);
        else if (shape == 5 && i == 0)
            snprintf(part, sizeof part, "(%s %s) ", w, words[rand() % nw]);
        else if (shape == 6 && i == 0)
            snprintf(part, sizeof part, "%s NEAR/3 %s ", w, words[rand() % nw]);
        else
            snprintf(part, sizeof part, "%s ", w);
        if (strlen(query) + strlen(part) < cap) strcat(query, part);
    }
}

/* Random options: k in {1, 10, 100, 1000} (and a few others), the index's
 * or other BM25 parameters, grouping by document or not. */
static void random_options(spasm_search_options *o, int q)
{
    static const size_t ks[] = {1, 10, 100, 1000, 3, 37};
    spasm_search_options_init(o);
    o->k = ks[rand() % 6];
    o->keep_stopwords = rand() % 2;
    o->fields = SPASM_FIELD_ID;
    if (q % 3 == 1) {
        o->k1 = 1.2;
        o->b = 0.75;
    }
    if (q % 5 == 2) o->group = SPASM_GROUP_DOC;
    o->proximity = prox_weight * (1 + q % 3); /* no rand(): the other tests' draws stay */
    o->bm25_delta = delta_weight * (q % 2 ? 1 : 0.25);
}

static void test_pruning_equals_exhaustive(void **state)
{
    (void)state;
    /* random bags of words drawn from the corpus vocabulary */
    const char *words[] = {"muscle",  "spasm",     "cramp",       "night",     "calf",   "pain",
                           "the",     "and",       "dehydration", "magnesium", "kidney", "stone",
                           "blood",   "nerve",     "exercise",    "heat",      "water",  "leg",
                           "back",    "treatment", "cause",       "smooth",    "colic",  "sleep",
                           "disease", "of",        "may",         "zebra"};
    size_t nw = sizeof words / sizeof *words;
    srand(7);
    for (int q = 0; q < 300; q++) {
        char query[512];
        spasm_search_options o;
        random_query(query, sizeof query, words, nw);
        random_options(&o, q);
        expect_same(corpus_s, query, &o);
    }
}

/* Pruning on the synthetic collection equals exhaustive evaluation. */
static void test_pruning_blocks(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    const char **wp = blk_wp;
    srand(13);
    for (int q = 0; q < 300; q++) {
        char query[512];
        spasm_search_options o;
        /* mostly frequent words (long lists), some rare ones */
        const char *pick[12];
        for (int i = 0; i < 12; i++) pick[i] = wp[rand() % (i < 8 ? 30 : 300)];
        random_query(query, sizeof query, pick, 12);
        random_options(&o, q);
        expect_same(s, query, &o);
    }
}

/*
 * Long queries (issue 10: any 10 KB query within a second): dozens to
 * hundreds of distinct words, so that MaxScore's windows span many
 * blocks and its candidates come from a heap of essential terms, with
 * repeated words, prefixes, phrases, NEAR and excluded words mixed in;
 * each equals exhaustive evaluation.
 */
static void test_pruning_long_queries(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    const char **wp = blk_wp;
    srand(17);
    char *query = malloc(16384);
    assert_non_null(query);
    for (int q = 0; q < 60; q++) {
        size_t len = 0;
        int nwords = 9 + rand() % 300, shape = q % 6;
        query[0] = 0;
        for (int i = 0; i < nwords && len < 10000; i++) {
            const char *w = wp[rand() % (q % 2 ? 300 : 60)];
            if (shape == 1 && i % 7 == 0) /* phrases */
                len += (size_t)sprintf(query + len, "\"%s %s\" ", w, wp[rand() % 30]);
            else if (shape == 2 && i % 9 == 0) /* NEAR */
                len += (size_t)sprintf(query + len, "%s NEAR/5 %s ", w, wp[rand() % 30]);
            else if (shape == 3 && i % 4 == 0) /* excluded words */
                len += (size_t)sprintf(query + len, "-%s ", w);
            else if (shape == 4 && i % 10 == 0) /* prefixes */
                len += (size_t)sprintf(query + len, "%.4s* ", w);
            else
                len += (size_t)sprintf(query + len, "%s ", w);
        }
        spasm_search_options o;
        random_options(&o, q);
        expect_same(s, query, &o);
    }
    /* every word of the collection, k = 10 and 1000 */
    size_t len = 0;
    for (int i = 0; i < 300; i++) len += (size_t)sprintf(query + len, "%s ", wp[i]);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.fields = SPASM_FIELD_ID;
    expect_same(s, query, &o);
    o.k = 1000;
    expect_same(s, query, &o);
    free(query);
}

/*
 * The top-k buffer (search.c: offers collected past k, the k best kept by
 * quickselect when it fills, one entry per document in a hash table when
 * grouping): the k best of a query are the first k of its full ranking,
 * for k below, at and past the buffer's sizes, grouped or not.
 */
static void test_topk_prefix(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    const char *queries[] = {blk_wp[0], "kalokax lolokax mimikax", "kalokax -lolokax", NULL};
    char all[4096];
    size_t len = 0;
    for (int i = 0; i < 40; i++) len += (size_t)sprintf(all + len, "%s ", blk_wp[i]);
    queries[3] = all;
    static const size_t ks[] = {1, 2, 3, 10, 16, 17, 37, 100, 250, 1000, 1999};
    for (size_t q = 0; q < 4; q++)
        for (int g = 0; g < 2; g++) {
            spasm_search_options o;
            spasm_search_options_init(&o);
            o.fields = SPASM_FIELD_ID;
            o.group = g ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
            o.k = 100000;
            spasm_results *full;
            assert_int_equal(spasm_search(s, queries[q], &o, &full), 0);
            size_t nf = spasm_results_count(full);
            assert_true(nf > 20);
            for (size_t i = 1; i < nf; i++) { /* best first, ties to the earlier passage */
                const spasm_hit *a = spasm_results_hit(full, i - 1),
                                *b = spasm_results_hit(full, i);
                assert_true(a->score > b->score ||
                            (a->score == b->score && a->passage < b->passage));
                if (g) assert_true(a->doc != b->doc);
            }
            for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
                o.k = ks[j];
                spasm_results *r;
                assert_int_equal(spasm_search(s, queries[q], &o, &r), 0);
                size_t n = spasm_results_count(r);
                assert_int_equal(n, ks[j] < nf ? ks[j] : nf);
                for (size_t i = 0; i < n; i++) {
                    const spasm_hit *a = spasm_results_hit(r, i), *b = spasm_results_hit(full, i);
                    assert_int_equal(a->passage, b->passage);
                    assert_true(a->score == b->score);
                }
                spasm_results_free(r);
            }
            spasm_results_free(full);
        }
}

/* The tests above with the proximity component on (weights 0.5 to 30,
 * other seeds): its bonus must be in the block bounds for pruning to
 * return what exhaustive evaluation returns. */
static void test_pruning_proximity(void **state)
{
    prox_weight = 0.5;
    test_pruning_equals_exhaustive(state);
    srand(23);
    prox_weight = 1;
    test_pruning_blocks(state);
    prox_weight = 10;
    test_pruning_long_queries(state);
    prox_weight = 0;
}

/* The tests above with BM25+'s delta (0.25 to 2, with the proximity
 * component on and off, other seeds): the delta must be in every bound
 * (blocks, whole lists, the candidates' pre-bounds) for pruning to stay
 * exact. */
static void test_pruning_bm25_delta(void **state)
{
    delta_weight = 1;
    srand(31);
    test_pruning_equals_exhaustive(state);
    srand(37);
    delta_weight = 0.5;
    test_pruning_blocks(state);
    delta_weight = 2;
    prox_weight = 1;
    test_pruning_long_queries(state);
    prox_weight = 0;
    delta_weight = 0;
}

/* The rank of document id in r (its count when absent). */
static size_t rank_of(const spasm_results *r, const char *id)
{
    size_t i = 0;
    while (i < spasm_results_count(r) && strcmp(spasm_results_hit(r, i)->doc_id, id)) i++;
    return i;
}

/* BM25+: a matching word adds idf * delta, linearly in delta (a one-word
 * query: s(2) - s(0) = 2 (s(1) - s(0)) > 0), the ranking of a passage
 * holding both words of "calf cramp" rises over one that repeats one of
 * them, --explain says so, and the range is checked. */
static void test_bm25_delta_effect(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/delta.spx", tmpdir);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    const char *rep = "calf calf calf calf calf calf ache";
    const char *both = "one two three four five six seven eight nine ten eleven twelve thirteen "
                       "fourteen fifteen sixteen seventeen eighteen calf cramp";
    assert_int_equal(spasm_writer_add(w, "rep", NULL, rep, strlen(rep)), 0);
    assert_int_equal(spasm_writer_add(w, "both", NULL, both, strlen(both)), 0);
    for (int i = 0; i < 8; i++) { /* cramp rarer than calf, but not by much */
        char id[16];
        snprintf(id, sizeof id, "o%d", i);
        const char *t = i < 3 ? "calf zebra" : i < 5 ? "cramp zebra" : "zebra";
        assert_int_equal(spasm_writer_add(w, id, NULL, t, strlen(t)), 0);
    }
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    spasm_results *r;
    double sc[3];
    for (int d = 0; d < 3; d++) {
        o.bm25_delta = d;
        assert_int_equal(spasm_search(s, "ache", &o, &r), 0);
        assert_int_equal(spasm_results_count(r), 1);
        sc[d] = spasm_results_hit(r, 0)->score;
        spasm_results_free(r);
    }
    assert_true(sc[1] > sc[0]);
    assert_true(fabs((sc[2] - sc[0]) - 2 * (sc[1] - sc[0])) < 1e-4 * sc[2]);
    o.bm25_delta = 0;
    o.explain = 1;
    assert_int_equal(spasm_search(s, "calf cramp", &o, &r), 0);
    assert_true(rank_of(r, "rep") < rank_of(r, "both"));
    assert_null(strstr(spasm_results_hit(r, 0)->explain, "BM25+"));
    spasm_results_free(r);
    o.bm25_delta = 2;
    assert_int_equal(spasm_search(s, "calf cramp", &o, &r), 0);
    assert_true(rank_of(r, "both") < rank_of(r, "rep"));
    assert_true(rank_of(r, "rep") < spasm_results_count(r));
    assert_non_null(strstr(spasm_results_hit(r, 0)->explain, "BM25+"));
    spasm_results_free(r);
    const double bad[] = {-0.5, SPASM_BM25_DELTA_MAX + 1, NAN};
    for (size_t i = 0; i < 3; i++) {
        o.bm25_delta = bad[i];
        assert_int_equal(spasm_search(s, "calf cramp", &o, &r), SPASM_EINVAL);
        assert_null(r);
        assert_non_null(strstr(spasm_searcher_errmsg(s), "bm25_delta"));
    }
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Multi-word bags of frequent words with a large weight, where the bonus
 * dominates the score and the pruning must still be exact. */
static void test_pruning_proximity_heavy(void **state)
{
    (void)state;
    spasm_searcher *s = blocks_searcher();
    srand(29);
    for (int q = 0; q < 200; q++) {
        char query[512] = "";
        int n = 2 + rand() % 5;
        for (int i = 0; i < n; i++) {
            strcat(query, blk_wp[rand() % (q % 2 ? 20 : 120)]);
            strcat(query, " ");
        }
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.fields = SPASM_FIELD_ID;
        o.k = (size_t)(1 + rand() % 50);
        o.proximity = q % 3 == 0 ? 30 : q % 3 == 1 ? 3 : 0.2;
        if (q % 4 == 1) o.group = SPASM_GROUP_DOC;
        expect_same(s, query, &o);
    }
}

/* The component moves a passage whose words stand together above one
 * where they are scattered, leaves one-word queries alone, shows in
 * --explain, and its weight is checked. */
static void test_proximity_effect(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/prox.spx", tmpdir);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    /* the same words, scattered in "far" (listed first: it wins ties) */
    const char *far = "calf ache one two three four five six seven eight nine ten cramp";
    const char *near = "one two three four five six seven eight nine ten calf cramp ache";
    assert_int_equal(spasm_writer_add(w, "far", NULL, far, strlen(far)), 0);
    assert_int_equal(spasm_writer_add(w, "near", NULL, near, strlen(near)), 0);
    assert_int_equal(spasm_writer_add(w, "other", NULL, "zebra", 5), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    spasm_results *r;
    assert_int_equal(spasm_search(s, "calf cramp", &o, &r), 0);
    assert_int_equal(spasm_results_count(r), 2);
    double off0 = spasm_results_hit(r, 0)->score;
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "far"); /* a tie: off, no preference */
    assert_true(off0 == spasm_results_hit(r, 1)->score);
    spasm_results_free(r);
    o.proximity = 1;
    o.explain = 1;
    assert_int_equal(spasm_search(s, "calf cramp", &o, &r), 0);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "near");
    assert_true(spasm_results_hit(r, 0)->score > spasm_results_hit(r, 1)->score);
    assert_true(spasm_results_hit(r, 0)->score > off0);
    assert_non_null(strstr(spasm_results_hit(r, 0)->explain, "proximity"));
    spasm_results_free(r);
    /* one word: nothing to be near, the same score as off */
    assert_int_equal(spasm_search(s, "calf", &o, &r), 0);
    double one = spasm_results_hit(r, 0)->score;
    assert_null(strstr(spasm_results_hit(r, 0)->explain, "proximity"));
    spasm_results_free(r);
    o.proximity = 0;
    assert_int_equal(spasm_search(s, "calf", &o, &r), 0);
    assert_true(one == spasm_results_hit(r, 0)->score);
    spasm_results_free(r);
    /* out of range */
    const double bad[] = {-1, 101, NAN};
    for (size_t i = 0; i < 3; i++) {
        o.proximity = bad[i];
        assert_int_equal(spasm_search(s, "calf cramp", &o, &r), SPASM_EINVAL);
        assert_null(r);
        assert_non_null(strstr(spasm_searcher_errmsg(s), "proximity"));
    }
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* A lazily opened cursor (bind.c's): a list of several blocks is left
 * pending before its first block, nothing decoded, and then walks and
 * seeks exactly as an eagerly opened one; a one-block list is decoded. */
static void test_lazy_cursor(void **state)
{
    (void)state;
    blocks_searcher();
    sp_seg *g = blk_ix->part[0].seg;
    char err[SP_ERRMSG_MAX];
    int multi = 0;
    for (int w = 0; w < 300; w += 7) {
        sp_terminfo ti;
        if (sp_dict_find(g, blk_words[w], strlen(blk_words[w]), &ti, err) != 1) continue;
        static sp_cursor e, l;
        assert_int_equal(sp_cursor_open(&e, g, &ti, err), 0);
        assert_int_equal(sp_cursor_open_lazy(&l, g, &ti, err), 0);
        if (e.nb > 1) {
            multi++;
            assert_true(l.pending);
            assert_int_equal(l.doc, 0);
            assert_int_equal(sp_cursor_first_block(&l), 0);
            assert_int_equal(sp_cursor_first_block(&e), 0);
        } else {
            assert_false(l.pending);
            assert_int_equal(l.doc, e.doc);
        }
        /* seeks: the same passages and tfs */
        uint32_t t = (uint32_t)(w * 13);
        for (;;) {
            uint32_t a = sp_cursor_seek(&e, t, err), b = sp_cursor_seek(&l, t, err);
            assert_int_equal(a, b);
            if (a == SP_END) break;
            assert_int_equal(sp_cursor_tf(&e), sp_cursor_tf(&l));
            t = a + 1 + (uint32_t)(rand() % 400);
        }
        /* a walk from the start */
        assert_int_equal(sp_cursor_open(&e, g, &ti, err), 0);
        assert_int_equal(sp_cursor_open_lazy(&l, g, &ti, err), 0);
        uint32_t a = e.doc, b = sp_cursor_next(&l, err);
        if (e.nb > 1) { /* pending: next settles on the first passage */
            assert_int_equal(b, a);
        } else {
            assert_int_equal(l.doc, a);
            b = a;
            a = sp_cursor_next(&e, err);
            b = sp_cursor_next(&l, err);
        }
        while (a != SP_END) {
            assert_int_equal(a, b);
            assert_int_equal(sp_cursor_tf(&e), sp_cursor_tf(&l));
            a = sp_cursor_next(&e, err);
            b = sp_cursor_next(&l, err);
        }
        assert_int_equal(b, SP_END);
    }
    assert_true(multi > 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pruning_equals_exhaustive),
        cmocka_unit_test(test_pruning_blocks),
        cmocka_unit_test(test_lazy_cursor),
        cmocka_unit_test(test_pruning_long_queries),
        cmocka_unit_test(test_fields_ids_only),
        cmocka_unit_test(test_topk_prefix),
        cmocka_unit_test(test_pruning_proximity),
        cmocka_unit_test(test_pruning_proximity_heavy),
        cmocka_unit_test(test_proximity_effect),
        cmocka_unit_test(test_pruning_bm25_delta),
        cmocka_unit_test(test_bm25_delta_effect),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
