/*
 * live_read_util.h -- what tests/test_live_read.c and
 * tests/test_live_search.c share: a synthetic corpus, its index, its
 * shards, and comparing every query type of two indexes hit by hit.
 * Include once, after cmocka.h.
 */
#ifndef SPASM_LIVE_READ_UTIL_H
#define SPASM_LIVE_READ_UTIL_H

#define NDOCS 240
#define NSHARDS 3

static char dir[256];
static char *doc_text[NDOCS], *doc_title[NDOCS], doc_id[NDOCS][16];

/* A pseudo-random word of a small syllable vocabulary (shared prefixes). */
static void word(unsigned *seed, char *out)
{
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qua"};
    int n = 1 + (int)(rand_r(seed) % 3);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        /* skewed: low syllables are frequent */
        unsigned r = rand_r(seed) % 100;
        strcat(out, syl[r < 40 ? r % 3 : r % 10]);
    }
}

/* The synthetic corpus: NDOCS documents of 1-3 passages, some titled. */
static void make_corpus(void)
{
    unsigned seed = 7;
    for (int d = 0; d < NDOCS; d++) {
        char buf[8192] = "", w[32];
        int np = 1 + (int)(rand_r(&seed) % 3);
        for (int p = 0; p < np; p++) {
            int nw = 3 + (int)(rand_r(&seed) % 40);
            for (int i = 0; i < nw; i++) {
                word(&seed, w);
                strcat(buf, w);
                strcat(buf, i + 1 < nw ? " " : "");
            }
            if (p + 1 < np) strcat(buf, "\n\n");
        }
        doc_text[d] = strdup(buf);
        snprintf(doc_id[d], sizeof doc_id[d], "d%03d", d);
        if (d % 3 == 0) {
            word(&seed, w);
            doc_title[d] = strdup(w);
        }
    }
}

/* Build a format-1 index of the documents d in [from, to) for which keep
 * (may be NULL) is non-zero. */
static void build(const char *path, int from, int to, const char *keep)
{
    spasm_writer *w;
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    assert_int_equal(spasm_writer_new(&w, path, &o), 0);
    for (int d = from; d < to; d++)
        if (!keep || keep[d])
            assert_int_equal(
                spasm_writer_add(w, doc_id[d], doc_title[d], doc_text[d], strlen(doc_text[d])), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

static int bounds[NSHARDS + 1] = {0, 70, 171, NDOCS};
static char shard[NSHARDS][300], whole[300];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/spasm-liveread-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    make_corpus();
    snprintf(whole, sizeof whole, "%s/whole.spx", dir);
    build(whole, 0, NDOCS, NULL);
    for (int i = 0; i < NSHARDS; i++) {
        snprintf(shard[i], sizeof shard[i], "%s/shard%d.spx", dir, i);
        build(shard[i], bounds[i], bounds[i + 1], NULL);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int d = 0; d < NDOCS; d++) {
        free(doc_text[d]);
        free(doc_title[d]);
    }
    return run("rm -rf %s", dir) == 0 ? 0 : -1;
}

static const char *queries[] = {"ka",
                                "lo mi",
                                "kalo",
                                "\"ka lo\"",
                                "\"ka lo mi\" ne",
                                "ka NEAR/3 mi",
                                "ka*",
                                "kal*",
                                "mi* ne",
                                "+ka -lo",
                                "+ka +mi ne",
                                "(ka OR lo) AND mi",
                                "ne -ka",
                                "quaze",
                                "\"ka* lo\"",
                                "ka* NEAR (lo OR mi)",
                                "sa to vi ze",
                                "kakaka lolo",
                                "mimi ka",
                                "ru ru",
                                "vi* -sa",
                                "kalomi NEAR/2 ne",
                                "lo lo lo"};

/* Compare two result sets hit by hit. */
static void same_results(const spasm_results *a, const spasm_results *b, const char *q)
{
    if (spasm_results_count(a) != spasm_results_count(b))
        fail_msg("%s: %zu hits vs %zu", q, spasm_results_count(a), spasm_results_count(b));
    for (size_t i = 0; i < spasm_results_count(a); i++) {
        const spasm_hit *x = spasm_results_hit(a, i), *y = spasm_results_hit(b, i);
        if (strcmp(x->doc_id, y->doc_id) != 0 || x->ordinal != y->ordinal ||
            fabs(x->score - y->score) > 1e-9 * fabs(y->score))
            fail_msg("%s: hit %zu: %s/%u %.12f vs %s/%u %.12f", q, i, x->doc_id, x->ordinal,
                     x->score, y->doc_id, y->ordinal, y->score);
        assert_int_equal(x->ndups, y->ndups);
        for (size_t j = 0; j < x->ndups; j++)
            assert_string_equal(x->dups[j].doc_id, y->dups[j].doc_id);
    }
}

/* Every query under every option set: ix answers exactly like ref.
 * same_numbers: the global passage and document numbers agree too. */
static void compare_all(spasm_index *ix, spasm_index *ref, int same_numbers)
{
    spasm_searcher *s, *r;
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    assert_int_equal(spasm_searcher_new(ref, &r), 0);
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        for (int v = 0; v < 9; v++) {
            spasm_search_options o;
            spasm_search_options_init(&o);
            o.k = v == 0   ? 10
                  : v == 1 ? 1000
                  : v == 2 ? 25
                  : v == 3 ? 100
                  : v == 7 ? 1 /* small k: segments left out by their bounds */
                  : v == 8 ? 3
                           : 10;
            o.offset = v == 2 ? 7 : 0;
            o.group = v == 3 || v == 8 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
            o.collapse = v == 4;
            o.explain = v == 5;
            if (v == 6) {
                o.k1 = 0.9;
                o.b = 0.3;
            }
            spasm_results *a = NULL, *b = NULL;
            int ra = spasm_search(s, queries[q], &o, &a), rb = spasm_search(r, queries[q], &o, &b);
            if (ra != rb)
                fail_msg("%s: %d vs %d (%s)", queries[q], ra, rb, spasm_searcher_errmsg(s));
            if (ra == 0) {
                same_results(a, b, queries[q]);
                for (size_t i = 0; same_numbers && i < spasm_results_count(a); i++) {
                    assert_int_equal(spasm_results_hit(a, i)->passage,
                                     spasm_results_hit(b, i)->passage);
                    assert_int_equal(spasm_results_hit(a, i)->doc, spasm_results_hit(b, i)->doc);
                }
                if (v == 0) assert_string_equal(spasm_results_notes(a), spasm_results_notes(b));
                if (v == 0 && spasm_results_count(a)) { /* text and lookups */
                    const spasm_hit *h = spasm_results_hit(a, 0), *g = spasm_results_hit(b, 0);
                    assert_string_equal(h->text, g->text);
                    assert_string_equal(h->title, g->title);
                    assert_int_equal(h->nhighlights, g->nhighlights);
                    uint32_t d1, d2, f1, c1, f2, c2;
                    assert_int_equal(spasm_find_doc(s, h->doc_id, &d1), 0);
                    assert_int_equal(spasm_find_doc(r, g->doc_id, &d2), 0);
                    assert_int_equal(d1, h->doc);
                    assert_int_equal(spasm_doc_passages(s, d1, &f1, &c1), 0);
                    assert_int_equal(spasm_doc_passages(r, d2, &f2, &c2), 0);
                    assert_int_equal(c1, c2);
                    spasm_results *p1, *p2;
                    assert_int_equal(spasm_get_passage(s, h->passage, &p1), 0);
                    assert_int_equal(spasm_get_passage(r, g->passage, &p2), 0);
                    assert_string_equal(spasm_results_hit(p1, 0)->text,
                                        spasm_results_hit(p2, 0)->text);
                    spasm_results_free(p1);
                    spasm_results_free(p2);
                }
            }
            spasm_results_free(a);
            spasm_results_free(b);
        }
        uint64_t c1, c2;
        assert_int_equal(spasm_count(s, queries[q], &c1), spasm_count(r, queries[q], &c2));
        assert_true(c1 == c2);
    }
    spasm_searcher_free(s);
    spasm_searcher_free(r);
}

/* Shards opened as one collection answer exactly like the whole. */

#define NGEN 50
static char tfolder[300];
static _Atomic int writer_done, failures;

#endif
