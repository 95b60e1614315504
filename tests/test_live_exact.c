/*
 * test_live_exact.c -- the writer's side of exact statistics in a live
 * index (docs/LIVE.md): after any sequence of adds, replaces, deletes,
 * batch duplicates, commits and merges (random, seeded: SPASM_LIVE_SEED
 * overrides), the sum over segments of (df - deleted df) of every term,
 * N and the sum of passage lengths equal those of a one-shot index of the
 * live documents in collection order; an optimized folder's single
 * segment searches exactly like that one-shot index (passages, ids,
 * texts, scores; words, phrases, NEAR, prefixes, +/-, grouping, k up to
 * 1000); and the merge policy keeps the segment count bounded over 300
 * single-document commits and rewrites a segment that deletions hollowed.
 * With documents that are often near-duplicates of one another across
 * batches, a folder of several segments folds exactly as the one-shot
 * index (collapse on, k 10 and 1000), from the pairs each segment stores
 * (DUPS, XDUP) rather than by comparing texts at query time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"
#include "live.h"   /* the merge policy's knobs */
#include "search.h" /* the collection's near-duplicate pairs */

static char dir[512], one[600];
static uint64_t seed = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

typedef struct doc {
    char id[32];
    char title[64];
    char *text;
} doc;

/* The model: the live documents in collection order. */
static doc live[4096];
static size_t nlive;

static const char *words[] = {"magnesium",   "cramp",      "night",   "calf",    "muscle",
                              "water",       "salt",       "running", "runner",  "potassium",
                              "sleep",       "leg",        "the",     "and",     "of",
                              "dehydration", "dehydrated", "banana",  "stretch", "pain"};

/* Near-duplicate mode (test_exact_folding): paragraphs are copies of a
 * few base paragraphs with up to 3 words changed. */
static int neardup_mode;
#define NBASE 8
#define BASE_WORDS 16
static int base[NBASE][BASE_WORDS];
static const char *vocab[] = {
    "alpha", "bravo",  "delta", "echo",   "golf",   "hotel", "india",  "juliet", "kilo",
    "lima",  "mike",   "oscar", "papa",   "quebec", "romeo", "sierra", "tango",  "uniform",
    "vict",  "whisky", "xray",  "yankee", "zulu",   "amber", "birch",  "cedar",  "dune",
    "ember", "fjord",  "grove", "heath",  "inlet",  "jetty", "knoll",  "lagoon", "marsh"};
#define NVOCAB (sizeof vocab / sizeof *vocab)

/* A paragraph near base paragraph b into t at n (returns the new n). */
static size_t near_para(char *t, size_t n, size_t cap)
{
    int b = (int)(rnd() % NBASE), changes = (int)(rnd() % 4);
    int w[BASE_WORDS];
    memcpy(w, base[b], sizeof w);
    for (int c = 0; c < changes; c++) w[rnd() % BASE_WORDS] = (int)(rnd() % NVOCAB);
    int len = BASE_WORDS - (int)(rnd() % 3);
    for (int i = 0; i < len; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s%s", i ? " " : "", vocab[w[i]]);
    return n;
}

/* Random text: 1-3 paragraphs of 0-12 words (sometimes none at all). */
static char *make_text(void)
{
    char *t = malloc(1024);
    size_t n = 0;
    int paras = 1 + (int)(rnd() % 3);
    for (int p = 0; p < paras; p++) {
        if (p) n += (size_t)snprintf(t + n, 1024 - n, "\n\n");
        if (neardup_mode && rnd() % 4) {
            n = near_para(t, n, 1024);
            continue;
        }
        int nw = (int)(rnd() % 13);
        for (int w = 0; w < nw; w++)
            n += (size_t)snprintf(t + n, 1024 - n, "%s%s", w ? " " : "",
                                  words[rnd() % (sizeof words / sizeof *words)]);
    }
    t[n] = 0;
    return t;
}

static void make_doc(doc *d, const char *id)
{
    snprintf(d->id, sizeof d->id, "%s", id);
    if (rnd() % 3 == 0)
        snprintf(d->title, sizeof d->title, "%s %s", words[rnd() % 8], words[rnd() % 20]);
    else
        d->title[0] = 0;
    d->text = make_text();
}

static long find_live(const char *id)
{
    for (size_t i = 0; i < nlive; i++)
        if (!strcmp(live[i].id, id)) return (long)i;
    return -1;
}

static void remove_live(long i)
{
    free(live[i].text);
    memmove(live + i, live + i + 1, (nlive - (size_t)i - 1) * sizeof *live);
    nlive--;
}

/* The one-shot index of the model's documents, in order; 0, or
 * SPASM_EEMPTY when they have no passage. */
static int build_one(void)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, one, &o), 0);
    for (size_t i = 0; i < nlive; i++)
        assert_int_equal(spasm_writer_add(w, live[i].id, live[i].title[0] ? live[i].title : NULL,
                                          live[i].text, strlen(live[i].text)),
                         0);
    int rc = spasm_writer_commit(w);
    spasm_writer_abandon(w);
    assert_true(rc == 0 || rc == SPASM_EEMPTY);
    return rc;
}

static void u_add(spasm_updater *u, const doc *d)
{
    assert_int_equal(
        spasm_updater_add(u, d->id, d->title[0] ? d->title : NULL, d->text, strlen(d->text)), 0);
}

static void u_commit(spasm_updater *u, int optimize)
{
    int rc = optimize ? spasm_updater_optimize(u) : spasm_updater_commit(u);
    if (rc) fprintf(stderr, "%s\n", spasm_updater_errmsg(u));
    assert_int_equal(rc, 0);
}

/* 1 if d has no word (no title, a text of blank lines only). */
static int wordless(const doc *d)
{
    if (d->title[0]) return 0;
    for (const char *t = d->text; *t; t++)
        if (*t != '\n') return 0;
    return 1;
}

/* One random batch applied to the updater and to the model.  A batch whose
 * added documents are all without words writes no segment: they are not
 * kept (their adds still replace: docs/LIVE.md). */
static void random_batch(spasm_updater *u, int *next_id)
{
    int nops = 1 + (int)(rnd() % 12), has_words = 0, nadded = 0;
    char added[12][32];
    for (int k = 0; k < nops; k++) {
        unsigned r = (unsigned)(rnd() % 10);
        char id[32];
        if (r < 4 || nlive == 0) { /* a new document */
            snprintf(id, sizeof id, "doc%d", (*next_id)++);
        } else if (r < 7) { /* replace one (maybe added in this batch) */
            snprintf(id, sizeof id, "%s", live[rnd() % nlive].id);
        } else if (r < 9) { /* delete one */
            snprintf(id, sizeof id, "%s", live[rnd() % nlive].id);
            assert_int_equal(spasm_updater_delete(u, id), 0);
            remove_live(find_live(id));
            continue;
        } else { /* delete an unknown id */
            assert_int_equal(spasm_updater_delete(u, "nobody"), 0);
            continue;
        }
        long at = find_live(id);
        if (at >= 0) remove_live(at);
        doc *d = &live[nlive++];
        make_doc(d, id);
        u_add(u, d);
        has_words |= !wordless(d);
        snprintf(added[nadded++], sizeof added[0], "%s", id);
    }
    for (int k = 0; k < nadded && !has_words; k++) {
        long at = find_live(added[k]);
        if (at >= 0) remove_live(at);
    }
}

static int setup(void **st)
{
    (void)st;
    lu_tmpname(dir, sizeof dir, "live.spx");
    char *s = strrchr(dir, '/');
    snprintf(one, sizeof one, "%.*s/one.spx", (int)(s - dir), dir);
    seed = lu_seed(seed);
    nlive = 0;
    neardup_mode = 0;
    uint64_t keep = seed; /* the base paragraphs leave the other tests' sequences alone */
    for (int b = 0; b < NBASE; b++)
        for (int w = 0; w < BASE_WORDS; w++) base[b][w] = (int)(rnd() % NVOCAB);
    seed = keep;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    for (size_t i = 0; i < nlive; i++) free(live[i].text);
    nlive = 0;
    lu_rmtree(dir);
    return 0;
}

/* Search q on both with options o and compare every hit. */
static void same_hits(spasm_searcher *a, spasm_searcher *b, const char *q,
                      const spasm_search_options *o)
{
    spasm_results *ra, *rb;
    int ca = spasm_search(a, q, o, &ra), cb = spasm_search(b, q, o, &rb);
    assert_int_equal(ca, cb);
    if (ca) return;
    assert_int_equal(spasm_results_count(ra), spasm_results_count(rb));
    for (size_t i = 0; i < spasm_results_count(ra); i++) {
        const spasm_hit *x = spasm_results_hit(ra, i), *y = spasm_results_hit(rb, i);
        if (x->passage != y->passage || fabs(x->score - y->score) > 1e-9 * fabs(y->score))
            fprintf(stderr, "query \"%s\" hit %zu: passage %u %.17g vs %u %.17g\n", q, i,
                    x->passage, x->score, y->passage, y->score);
        assert_int_equal(x->passage, y->passage);
        assert_true(fabs(x->score - y->score) <= 1e-9 * fabs(y->score));
        assert_string_equal(x->doc_id, y->doc_id);
        assert_string_equal(x->title, y->title);
        assert_string_equal(x->text, y->text);
        assert_int_equal(x->nhighlights, y->nhighlights);
        assert_int_equal(x->snippet_start, y->snippet_start);
    }
    spasm_results_free(ra);
    spasm_results_free(rb);
}

/* The optimized folder's one segment against the one-shot index. */
static void compare_search(void)
{
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.nseg, 1);
    assert_int_equal(c.seg[0].del_gen, 0);
    char name[64], seg[700];
    sp_seg_name(name, c.seg[0].id);
    snprintf(seg, sizeof seg, "%s/%s", dir, name);
    spasm_index *ia, *ib;
    spasm_searcher *a, *b;
    assert_int_equal(spasm_open(&ia, seg, NULL), 0);
    assert_int_equal(spasm_open(&ib, one, NULL), 0);
    assert_int_equal(spasm_searcher_new(ia, &a), 0);
    assert_int_equal(spasm_searcher_new(ib, &b), 0);
    static const char *queries[] = {"magnesium",
                                    "night calf cramp",
                                    "\"calf cramp\"",
                                    "NEAR(salt water)",
                                    "dehydrat*",
                                    "run*",
                                    "+muscle -sleep",
                                    "(banana OR potassium) leg",
                                    "the",
                                    "pain stretch leg",
                                    "\"the night\"",
                                    "NEAR/2(muscle pain)",
                                    "salt +water",
                                    "sleep -(leg OR calf)"};
    size_t ks[] = {1, 10, 1000};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
        for (size_t k = 0; k < 3; k++)
            for (int g = 0; g < 4; g++) { /* g & 2: with the proximity component */
                spasm_search_options o;
                spasm_search_options_init(&o);
                o.k = ks[k];
                o.group = g & 1 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
                o.collapse = k == 1;
                o.proximity = g & 2 ? 1 : 0;
                same_hits(a, b, queries[q], &o);
            }
    spasm_searcher_free(a);
    spasm_searcher_free(b);
    spasm_close(ia);
    spasm_close(ib);
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit_free(&al, &c);
}

static void run_sequence(int small_policy)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = small_policy ? 2 : 1;
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    if (small_policy) { /* merges at nearly every commit */
        u->merge_width = 3;
        u->merge_tier_factor = 3;
        u->del_part_min = 2; /* deleted documents analysed by two threads */
    }
    int next_id = 0;
    uint64_t compared = 0;
    for (int commit = 0; commit < 12; commit++) {
        random_batch(u, &next_id);
        u_commit(u, 0);
        if (build_one() == 0) compared += lu_check_exact(dir, one);
    }
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.live_documents, nlive);
    if (small_policy) assert_true(s.merges > 0);
    assert_true(compared > 0);
    /* optimized: one segment that searches as the one-shot index */
    u_commit(u, 1);
    spasm_updater_close(u);
    if (build_one() == 0) {
        lu_check_exact(dir, one);
        compare_search();
    }
    lu_no_leftovers(dir);
}

static void test_exact_default_policy(void **st)
{
    (void)st;
    for (int rep = 0; rep < 4; rep++) {
        run_sequence(0);
        teardown(NULL);
        setup(NULL);
    }
}

static void test_exact_small_policy(void **st)
{
    (void)st;
    for (int rep = 0; rep < 4; rep++) {
        run_sequence(1);
        teardown(NULL);
        setup(NULL);
    }
}

/* 300 single-document commits: the segment count stays within the
 * policy's bound (about width * (tiers + 1)). */
static void test_merge_bound(void **st)
{
    (void)st;
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    uint64_t most = 0;
    for (int i = 0; i < 300; i++) {
        doc *d = &live[nlive++];
        char id[32];
        snprintf(id, sizeof id, "n%d", i);
        make_doc(d, id);
        snprintf(d->title, sizeof d->title, "note %d", i); /* a passage, always */
        u_add(u, d);
        u_commit(u, 0);
        spasm_updater_stats s;
        spasm_updater_get_stats(u, &s);
        if (s.segments > most) most = s.segments;
    }
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.live_documents, 300);
    assert_true(s.merges >= 30);
    /* 300 = 4 x 64 + 5 x 8 + 4 (base SP_MERGE_WIDTH, 8): the tiered
     * merges leave as many segments as those digits add up to */
    assert_true(s.segments <= 4 + 5 + 4);
    assert_true(most <= 7 * 3); /* at most 7 per tier (the 8th merges) */
    spasm_updater_close(u);
    char *ids = lu_live_ids(dir);
    char *p = ids;
    for (int i = 0; i < 300; i++) { /* in order of addition */
        char want[32];
        int n = snprintf(want, sizeof want, "n%d\n", i);
        assert_memory_equal(p, want, (size_t)n);
        p += n;
    }
    free(ids);
    assert_int_equal(build_one(), 0);
    lu_check_exact(dir, one);
    lu_no_leftovers(dir);
}

/* A segment that loses over 30% of its documents is rewritten without
 * them (while one that loses fewer keeps its deletion file). */
static void test_deleted_share(void **st)
{
    (void)st;
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    for (int i = 0; i < 20; i++) {
        char id[32], text[64];
        snprintf(id, sizeof id, "d%d", i);
        snprintf(text, sizeof text, "text of document %d", i);
        assert_int_equal(spasm_updater_add(u, id, NULL, text, strlen(text)), 0);
    }
    u_commit(u, 0);
    for (int i = 0; i < 5; i++) { /* 25% */
        char id[32];
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(spasm_updater_delete(u, id), 0);
    }
    u_commit(u, 0);
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.nseg, 1);
    assert_int_equal(c.seg[0].del_docs, 5);
    uint64_t first = c.seg[0].id;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    for (int i = 5; i < 8; i++) { /* 40% */
        char id[32];
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(spasm_updater_delete(u, id), 0);
    }
    u_commit(u, 0);
    c = lu_commit(dir);
    assert_int_equal(c.nseg, 1);
    assert_int_equal(c.seg[0].del_docs, 0);
    assert_int_equal(c.seg[0].ndocs, 12);
    assert_true(c.seg[0].id != first);
    sp_commit_free(&a, &c);
    spasm_updater_close(u);
    lu_no_leftovers(dir);
}

/* Search q with folding on both collections (a folder of several
 * segments and the one-shot index: passage numbers differ) and compare
 * every hit and its folded passages; returns the folds seen. */
static size_t same_folds(spasm_searcher *a, spasm_searcher *b, const char *q, size_t k, int group)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = k;
    o.group = group ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
    o.collapse = 1;
    spasm_results *ra, *rb;
    int ca = spasm_search(a, q, &o, &ra), cb = spasm_search(b, q, &o, &rb);
    assert_int_equal(ca, cb);
    if (ca) return 0;
    size_t folds = 0;
    assert_int_equal(spasm_results_count(ra), spasm_results_count(rb));
    for (size_t i = 0; i < spasm_results_count(ra); i++) {
        const spasm_hit *x = spasm_results_hit(ra, i), *y = spasm_results_hit(rb, i);
        if (strcmp(x->doc_id, y->doc_id) || x->ndups != y->ndups)
            fprintf(stderr, "query \"%s\" k %zu hit %zu: %s/%u (%zu folded) vs %s/%u (%zu)\n", q, k,
                    i, x->doc_id, x->ordinal, x->ndups, y->doc_id, y->ordinal, y->ndups);
        assert_string_equal(x->doc_id, y->doc_id);
        assert_int_equal(x->ordinal, y->ordinal);
        assert_true(fabs(x->score - y->score) <= 1e-9 * fabs(y->score));
        assert_int_equal(x->ndups, y->ndups);
        for (size_t d = 0; d < x->ndups; d++) {
            assert_string_equal(x->dups[d].doc_id, y->dups[d].doc_id);
            assert_int_equal(x->dups[d].ordinal, y->dups[d].ordinal);
        }
        folds += x->ndups;
    }
    spasm_results_free(ra);
    spasm_results_free(rb);
    return folds;
}

/* The live folder (several segments) against the one-shot index, folded;
 * *multi set when the folder had several segments.  Returns the folds. */
static size_t compare_folding(int *multi)
{
    sp_commit c = lu_commit(dir);
    if (c.nseg > 1) *multi = 1;
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit_free(&al, &c);
    spasm_index *ia, *ib;
    spasm_searcher *a, *b;
    assert_int_equal(spasm_open(&ia, dir, NULL), 0);
    assert_int_equal(spasm_open(&ib, one, NULL), 0);
    assert_int_equal(spasm_searcher_new(ia, &a), 0);
    assert_int_equal(spasm_searcher_new(ib, &b), 0);
    if (ia->nparts > 1) { /* folded from the stored pairs, not from the texts */
        const sp_xfold *x = NULL;
        assert_int_equal(sp_xfold_get(a, &x), 0);
        assert_non_null(x);
    }
    static const char *queries[] = {"alpha", "bravo delta", "echo OR golf OR hotel", "kilo lima",
                                    "marsh", "cramp night", "+tango -zulu"};
    size_t folds = 0;
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
        for (int g = 0; g < 2; g++) {
            folds += same_folds(a, b, queries[q], 10, g);
            folds += same_folds(a, b, queries[q], 1000, g);
        }
    spasm_searcher_free(a);
    spasm_searcher_free(b);
    spasm_close(ia);
    spasm_close(ib);
    return folds;
}

/* Random sequences of near-duplicate documents: after every commit the
 * folder folds exactly as the one-shot index of its live documents. */
static void test_exact_folding(void **st)
{
    (void)st;
    int multi = 0;
    size_t folds = 0;
    for (int rep = 0; rep < 4; rep++) {
        neardup_mode = 1;
        spasm_writer_options o;
        memset(&o, 0, sizeof o);
        o.b = SPASM_B_DEFAULT;
        o.threads = 1;
        spasm_updater *u;
        assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
        if (rep & 1) { /* merges at nearly every commit */
            u->merge_width = 3;
            u->merge_tier_factor = 3;
        }
        int next_id = 0;
        for (int commit = 0; commit < 10; commit++) {
            random_batch(u, &next_id);
            u_commit(u, 0);
            if (build_one() == 0) folds += compare_folding(&multi);
        }
        spasm_updater_close(u);
        teardown(NULL);
        setup(NULL);
    }
    assert_true(multi);     /* compared with several segments, */
    assert_true(folds > 0); /* and passages folded */
}

/* Commit one document per call. */
static void add_one(const char *id, const char *text)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    if (text)
        assert_int_equal(spasm_updater_add(u, id, NULL, text, strlen(text)), 0);
    else
        assert_int_equal(spasm_updater_delete(u, id), 0);
    u_commit(u, 0);
    spasm_updater_close(u);
}

/* Folded hits of query q on the folder: their count, the folds of the first. */
static void folded(const char *q, size_t *hits, size_t *dups0, size_t *npairs)
{
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    *npairs = 0;
    if (ix->nparts > 1) {
        const sp_xfold *x = NULL;
        assert_int_equal(sp_xfold_get(s, &x), 0);
        assert_non_null(x);
        *npairs = x->n / 2;
    }
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 10;
    o.collapse = 1;
    spasm_results *r;
    assert_int_equal(spasm_search(s, q, &o, &r), 0);
    *hits = spasm_results_count(r);
    *dups0 = *hits ? spasm_results_hit(r, 0)->ndups : 0;
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Two near-duplicates committed apart land in two segments; the later
 * one's XDUP lists the pair, so the folder folds them as one index does,
 * and once one of them is deleted the other stands alone. */
static void test_cross_pairs(void **st)
{
    (void)st;
    const char *p1 = "the calf muscle cramps at night after a long run in the heat of summer";
    const char *p2 = "the calf muscle cramps at night after a long run in the heat of august";
    const char *p3 = "potassium and magnesium are found in bananas and in green leaves";
    add_one("a", p1);
    add_one("c", p3);
    add_one("b", p2);
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.nseg, 3);
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit_free(&al, &c);
    size_t hits, dups0, npairs;
    folded("calf cramps", &hits, &dups0, &npairs);
    assert_int_equal(npairs, 1); /* a (segment 1) and b (segment 3) */
    assert_int_equal(hits, 1);
    assert_int_equal(dups0, 1);
    add_one("a", NULL); /* its partner deleted: b alone, as in one index */
    folded("calf cramps", &hits, &dups0, &npairs);
    assert_int_equal(hits, 1);
    assert_int_equal(dups0, 0);
    add_one("a", p1); /* back, in a fourth segment */
    folded("calf cramps", &hits, &dups0, &npairs);
    assert_int_equal(hits, 1);
    assert_int_equal(dups0, 1);
    lu_no_leftovers(dir);
}

/* The holder bound counts the whole live collection: 700 copies of one
 * paragraph in a first segment are near-duplicates there (their keys held
 * by 700 passages), but 400 more in a second one make every key common
 * (1,100 holders), so a one-shot index of all 1,100 folds none of them --
 * nor must the folder, whose first segment listed the pairs. */
static void test_holder_bound(void **st)
{
    (void)st;
    const char *para = "the calf muscle cramps at night after a long run in the heat of summer";
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    for (int batch = 0, id = 0; batch < 2; batch++) {
        spasm_updater *u;
        assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
        for (int i = 0; i < (batch ? 400 : 700); i++, id++) {
            doc *d = &live[nlive++];
            snprintf(d->id, sizeof d->id, "copy%d", id);
            d->title[0] = 0;
            d->text = strdup(para);
            u_add(u, d);
        }
        u_commit(u, 0);
        spasm_updater_close(u);
    }
    assert_int_equal(build_one(), 0);
    int multi = 0;
    compare_folding(&multi); /* also checks the folder folds from its pairs */
    assert_true(multi);
    spasm_index *ia, *ib;
    spasm_searcher *a, *b;
    assert_int_equal(spasm_open(&ia, dir, NULL), 0);
    assert_int_equal(spasm_open(&ib, one, NULL), 0);
    assert_int_equal(spasm_searcher_new(ia, &a), 0);
    assert_int_equal(spasm_searcher_new(ib, &b), 0);
    assert_int_equal(same_folds(a, b, "calf cramps", 10, 0), 0);
    assert_int_equal(same_folds(a, b, "summer heat", 1000, 0), 0);
    spasm_searcher_free(a);
    spasm_searcher_free(b);
    spasm_close(ia);
    spasm_close(ib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_default_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_small_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_folding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holder_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
