/*
 * test_fold.c -- near-duplicate folding (issue 10, finding 1): the folder
 * of searcher/collapse.c against a brute-force pairwise evaluation of the
 * same rule, on the bundled corpus and on a synthetic corpus full of
 * near-duplicates; machine formats ranking exactly as --no-collapse; a
 * document never folded away with --group doc; large k.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "search.h"

static char tmpdir[256];
static spasm_index *cix, *six; /* the bundled corpus, the synthetic one */
static spasm_searcher *cs, *ss;

/* ---- the synthetic corpus ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* A made-up word of the vocabulary (w: 0..599); word 0 is "zeta". */
static void word(char *out, uint32_t w)
{
    static const char *syl[] = {"ka", "lo", "mi", "nu", "ter", "vas", "quo", "ri", "sen", "dal"};
    if (w == 0) {
        strcpy(out, "zeta");
        return;
    }
    snprintf(out, 32, "%s%s%s", syl[w % 10], syl[(w / 10) % 10], syl[(w / 100) % 10]);
}

/* Write 400 documents of 1-3 paragraphs: a third are rewordings (5-60% of
 * the words changed, some cut) of 30 base paragraphs, the rest random
 * text; every paragraph holds "zeta", most a common phrase. */
static void write_synthetic(const char *path, int ndocs)
{
    enum { NBASE = 30, BASELEN = 60 };
    static uint32_t base[NBASE][BASELEN];
    for (int b = 0; b < NBASE; b++)
        for (int i = 0; i < BASELEN; i++) base[b][i] = 1 + rnd(599);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char w[32];
    for (int d = 0; d < ndocs; d++) {
        fprintf(f, "{\"id\": \"s%03d\", \"text\": \"", d);
        int np = 1 + (int)rnd(3);
        for (int p = 0; p < np; p++) {
            if (p) fputs("\\n\\n", f);
            int b = (int)rnd(NBASE), twin = rnd(3) == 0;
            int len = twin ? BASELEN - (int)rnd(25) : 20 + (int)rnd(50);
            int change = 5 + (int)rnd(56); /* percent */
            for (int i = 0; i < len; i++) {
                uint32_t v = twin && (int)rnd(100) >= change ? base[b][i] : 1 + rnd(599);
                if (i == len / 2) v = 0;
                word(w, v);
                fprintf(f, "%s%s", i ? " " : "", w);
                /* a common phrase: its bigrams are the minima of many
                 * passages' buckets (values held by many kept ones) */
                if (i == 3 && rnd(10) < 7) fputs(" ut enim ad minim veniam quis nostrud", f);
            }
            fputc('.', f);
        }
        fputs("\"}\n", f);
    }
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-foldtest-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (spasm_open(&cix, p, NULL) || spasm_searcher_new(cix, &cs)) return -1;
    snprintf(p, sizeof p, "%s/syn.jsonl", tmpdir);
    write_synthetic(p, 400);
    if (run("%s/bin/spasm-index -q -o %s/syn.spx %s", build_dir(), tmpdir, p)) return -1;
    snprintf(p, sizeof p, "%s/syn.spx", tmpdir);
    if (spasm_open(&six, p, NULL) || spasm_searcher_new(six, &ss)) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(cs);
    spasm_close(cix);
    spasm_searcher_free(ss);
    spasm_close(six);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

#include "fold_ref.h"

/* The plain ranking of q: n candidates (passage order of the hits). */
static sp_cand *candidates(spasm_searcher *s, const char *q, size_t k, size_t *n)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = k;
    o.fields = SPASM_FIELD_ID;
    spasm_results *r;
    assert_int_equal(spasm_search(s, q, &o, &r), 0);
    *n = spasm_results_count(r);
    sp_cand *c = calloc(*n + 1, sizeof *c);
    for (size_t i = 0; i < *n; i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        c[i].score = h->score;
        c[i].passage = h->passage;
        c[i].doc = h->doc;
    }
    spasm_results_free(r);
    return c;
}

/* The folder's decisions as rep_of[] (see ref_fold), from its output. */
static void folder_rep_of(const sp_cand *orig, size_t n, const sp_cand *kept, const sp_fold *fo,
                          long *rep_of)
{
    for (size_t i = 0; i < n; i++) rep_of[i] = -1;
    for (size_t r = 0; r < fo->nreps; r++) {
        size_t ri = 0;
        while (ri < n && orig[ri].passage != kept[r].passage) ri++;
        assert_true(ri < n);
        rep_of[ri] = (long)ri;
        for (size_t d = fo->dupoff[r]; d < fo->dupoff[r + 1]; d++) {
            size_t di = 0;
            while (di < n && orig[di].passage != fo->dupv[d].passage) di++;
            assert_true(di < n);
            assert_true(di > ri); /* a dup ranks below its kept one */
            rep_of[di] = (long)ri;
        }
    }
}

static size_t texts_read; /* by the folders of check_query() */

/* Fold the plain ranking of q (its first n candidates) with the folder,
 * fed in two parts when split (2: after half of a different list), and
 * compare with the reference; returns the folds. */
static size_t check_query(spasm_searcher *s, const char *q, size_t n, size_t need, int split)
{
    size_t nc;
    sp_cand *c = candidates(s, q, n, &nc);
    sp_cand *work = calloc(nc + 1, sizeof *work);
    memcpy(work, c, nc * sizeof *c);
    long *want = calloc(nc + 1, sizeof *want), *got = calloc(nc + 1, sizeof *got);
    ref_fold(s, c, nc, need, want);
    sp_folder *f;
    assert_int_equal(sp_folder_new(s, need, &f), 0);
    if (split == 2 && nc >= 4) { /* another list first: the folder starts over */
        sp_cand t = work[0];
        work[0] = work[1];
        work[1] = t;
        assert_int_equal(sp_folder_feed(f, work, nc / 2), 0);
        work[1] = work[0];
        work[0] = t;
    }
    if (split) assert_int_equal(sp_folder_feed(f, work, nc / 2), 0);
    assert_int_equal(sp_folder_feed(f, work, nc), 0);
    sp_fold fo;
    assert_int_equal(sp_folder_finish(f, work, nc, &fo), 0);
    folder_rep_of(c, nc, work, &fo, got);
    size_t folds = fo.ndups;
    texts_read += sp_folder_texts(f);
    for (size_t i = 0; i < nc; i++) {
        if (want[i] != got[i])
            fprintf(stderr,
                    "query %s need %zu: candidate %zu (passage %u): reference %ld, "
                    "folder %ld\n",
                    q, need, i, c[i].passage, want[i], got[i]);
        assert_int_equal(want[i], got[i]);
    }
    sp_fold_free(s, &fo);
    sp_folder_free(f);
    free(c);
    free(work);
    free(want);
    free(got);
    return folds;
}

/* ---- tests ---- */

static void test_fold_reference_corpus(void **state)
{
    (void)state;
    const char *qs[] = {"night calf cramps", "renal colic", "muscle cramps",
                        "cramp OR the",      "magnesium",   "dehydrat*"};
    size_t folds = 0;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        folds += check_query(cs, qs[i], 36, 10, 0);
        folds += check_query(cs, qs[i], 1000, 3, 1);
        folds += check_query(cs, qs[i], 1000, 1000, 1);
    }
    assert_true(folds > 0); /* the corpus's reworded articles fold */
}

static void test_fold_reference_synthetic(void **state)
{
    (void)state;
    size_t folds = 0;
    /* "zeta" matches every passage: hundreds of twins, common keys */
    folds += check_query(ss, "zeta", 36, 10, 0);
    folds += check_query(ss, "zeta", 100000, 5, 1);
    folds += check_query(ss, "zeta", 100000, 100000, 0);
    folds += check_query(ss, "zeta", 100000, 100000, 1);
    folds += check_query(ss, "zeta", 100000, 300, 2);
    folds += check_query(ss, "kaloka OR mimiri OR tervasquo", 100000, 20, 1);
    assert_true(folds > 50);
    assert_int_equal(texts_read, 0); /* the DUPS path reads no text */
}

/* The folds of q's first n candidates with the folder, as rep_of (see
 * ref_fold_sigs), by the path the searcher takes. */
static void folder_folds(spasm_searcher *s, const char *q, size_t n, size_t need, long *rep_of,
                         size_t *nc)
{
    sp_cand *c = candidates(s, q, n, nc), *work = calloc(*nc + 1, sizeof *work);
    memcpy(work, c, *nc * sizeof *c);
    sp_folder *f;
    assert_int_equal(sp_folder_new(s, need, &f), 0);
    assert_int_equal(sp_folder_feed(f, work, *nc), 0);
    sp_fold fo;
    assert_int_equal(sp_folder_finish(f, work, *nc, &fo), 0);
    folder_rep_of(c, *nc, work, &fo, rep_of);
    sp_fold_free(s, &fo);
    sp_folder_free(f);
    free(c);
    free(work);
}

/* DUPS lists, for every passage, exactly the passages the brute-force
 * DUPS relation gives (ref_dups_pair over every pair), sorted. */
static void check_dups_lists(spasm_searcher *s)
{
    const sp_seg *g = s->ix->part[0].seg;
    assert_non_null(g->dups.p);
    assert_int_equal(sp_get_u32(g->dups.p), SP_DUPS_COMMON);
    const uint8_t *off = g->dups.p + 8, *list = off + 4 * (g->npass + 1);
    sp_analyzer *an = sp_analyzer_new(s->a, 512);
    sp_analyzer_set_variants(an, (g->flags & SP_FLAG_VARIANTS) != 0);
    uint32_t *count = ref_key_counts(s);
    ref_set *sets = calloc(g->npass + 1, sizeof *sets);
    int *have = calloc(g->npass + 1, sizeof *have);
    size_t pairs = 0;
    for (uint32_t p = 0; p < g->npass; p++) {
        uint32_t at = sp_get_u32(off + 4 * p), end = sp_get_u32(off + 4 * p + 4);
        for (uint32_t q = 0; q < g->npass; q++) {
            if (q == p || !ref_dups_pair(s, an, count, sets, have, p, q)) continue;
            assert_true(at < end);
            assert_int_equal(sp_get_u32(list + 4 * at), q);
            at++;
            pairs++;
        }
        assert_int_equal(at, end);
    }
    assert_int_equal(sp_get_u32(g->dups.p + 4), pairs); /* each pair listed on both sides */
    assert_true(pairs > 0);
    for (uint32_t p = 0; p <= g->npass; p++) free(sets[p].v);
    free(sets);
    free(have);
    free(count);
    sp_analyzer_free(an);
}

static void test_dups_lists(void **state)
{
    (void)state;
    check_dups_lists(cs);
    check_dups_lists(ss);
    /* over 4,096 passages the writer finds the keys' holders with a
     * direct table, not by sorting (indexer/dups.c): the same lists */
    char p[300];
    snprintf(p, sizeof p, "%s/big.jsonl", tmpdir);
    write_synthetic(p, 2600);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/big.spx %s", build_dir(), tmpdir, p), 0);
    snprintf(p, sizeof p, "%s/big.spx", tmpdir);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, p, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    assert_true(ix->npass * SP_SIG_HASHES > 65536);
    check_dups_lists(s);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* An index without DUPS (written before it) folds by the signatures: the
 * same folds as with DUPS wherever the signature path's limits (keys
 * held by more than 16 kept ones, 16 comparisons) do not bind, always
 * with need <= 16 when no key is held by more than SP_DUPS_COMMON
 * passages, as here; on the synthetic corpus also at large need. */
static void test_fold_paths_agree(void **state)
{
    (void)state;
    spasm_searcher *ss_[] = {cs, ss};
    const char *qs[] = {"night calf cramps", "zeta"};
    size_t needs[] = {1, 5, 10, 16, 100000};
    for (int w = 0; w < 2; w++) {
        spasm_searcher *s = ss_[w];
        sp_seg *g = s->ix->part[0].seg;
        uint32_t *count = ref_key_counts(s);
        for (size_t k = 0; k < ((size_t)SP_SIG_HASHES << 16); k++)
            assert_true(count[k] <= SP_DUPS_COMMON);
        free(count);
        for (size_t j = 0; j < sizeof needs / sizeof *needs; j++) {
            size_t n0, n1;
            long *a = calloc(100000, sizeof *a), *b = calloc(100000, sizeof *b);
            folder_folds(s, qs[w], 100000, needs[j], a, &n0);
            const uint8_t *keep = g->dups.p;
            g->dups.p = NULL; /* the signatures' path */
            texts_read = 0;
            folder_folds(s, qs[w], 100000, needs[j], b, &n1);
            g->dups.p = keep;
            assert_int_equal(n0, n1);
            assert_memory_equal(a, b, n0 * sizeof *a);
            free(a);
            free(b);
        }
    }
}

/* A DUPS section of the wrong size is SPASM_ECORRUPT naming it. */
static void test_fold_bad_dups(void **state)
{
    (void)state;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.collapse = 1;
    sp_seg *g = cix->part[0].seg;
    uint64_t keep = g->dups.len;
    g->dups.len = keep - 4;
    spasm_results *r = NULL;
    assert_int_equal(spasm_search(cs, "dehydrat* OR cramps", &o, &r), SPASM_ECORRUPT);
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(cs), "DUPS section of the wrong size"));
    g->dups.len = keep;
    assert_int_equal(spasm_search(cs, "dehydrat* OR cramps", &o, &r), 0);
    spasm_results_free(r);
}

/* A live index writes DUPS into its segments and merges: several
 * segments fold by the signatures (pairs across segments are listed
 * nowhere), one optimized segment by DUPS, as the reference. */
static void test_live_dups(void **state)
{
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/live", tmpdir);
    const char *b = build_dir();
    assert_int_equal(run("head -200 %s/syn.jsonl > %s/a.jsonl && tail -n +201 %s/syn.jsonl > "
                         "%s/b.jsonl && %s/bin/spasm-index -q --live -o %s %s/a.jsonl && "
                         "%s/bin/spasm-index -q --update -o %s %s/b.jsonl",
                         tmpdir, tmpdir, tmpdir, tmpdir, b, dir, tmpdir, b, dir, tmpdir),
                     0);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_true(ix->nparts >= 2);
    for (size_t i = 0; i < ix->nparts; i++) assert_non_null(ix->part[i].seg->dups.p);
    spasm_close(ix);
    assert_int_equal(run("%s/bin/spasm-index -q --optimize -o %s", b, dir), 0);
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    assert_int_equal(ix->nparts, 1);
    check_dups_lists(s);
    texts_read = 0;
    assert_true(check_query(s, "zeta", 100000, 100000, 0) > 10);
    assert_int_equal(texts_read, 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* SIGB holds, for every passage, the number of distinct bigrams of its
 * text and their bitmap (FORMAT.md), as computed from the stored text. */
static void check_sigb(spasm_searcher *s)
{
    sp_seg *ix = s->ix->part[0].seg; /* a format-1 file: one segment */
    assert_non_null(ix->sigb.p);
    assert_int_equal(ix->sigb.len, ix->npass * SP_SIGB_ENTRY);
    sp_analyzer *an = sp_analyzer_new(s->a, 512);
    sp_analyzer_set_variants(an, (ix->flags & SP_FLAG_VARIANTS) != 0); /* as the writer's */
    for (uint32_t p = 0; p < ix->npass; p++) {
        ref_set r = ref_bigrams(s, an, p);
        const uint8_t *e = ix->sigb.p + (size_t)p * SP_SIGB_ENTRY;
        assert_int_equal(sp_get_u32(e), r.n);
        uint8_t bits[SP_SIGB_BITS / 8] = {0};
        for (size_t i = 0; i < r.n; i++) bits[(r.v[i] % SP_SIGB_BITS) / 8] |= 1u << (r.v[i] % 8);
        assert_memory_equal(bits, e + 4, sizeof bits);
        free(r.v);
    }
    sp_analyzer_free(an);
}

static void test_sigb_matches_text(void **state)
{
    (void)state;
    check_sigb(cs);
    check_sigb(ss);
}

/* Without SIGB (an index written before it) the folds are the same, but
 * the folder reads more texts: SIGB skips comparisons that cannot succeed. */
static void test_fold_without_sigb(void **state)
{
    (void)state;
    size_t folds[2], texts[2];
    const uint8_t *keep = six->part[0].seg->sigb.p, *dups = six->part[0].seg->dups.p;
    six->part[0].seg->dups.p = NULL; /* the signatures' path (an index without DUPS) */
    for (int without = 0; without < 2; without++) {
        six->part[0].seg->sigb.p = without ? NULL : keep;
        texts_read = 0;
        folds[without] = check_query(ss, "zeta", 100000, 100000, 0);
        folds[without] += check_query(ss, "kaloka OR mimiri OR tervasquo", 100000, 20, 1);
        texts[without] = texts_read;
    }
    six->part[0].seg->sigb.p = keep;
    six->part[0].seg->dups.p = dups;
    assert_int_equal(folds[0], folds[1]);
    fprintf(stderr, "folds %zu, texts read %zu with SIGB, %zu without\n", folds[0], texts[0],
            texts[1]);
    assert_true(folds[0] > 10);
    assert_true(texts[0] < texts[1]);
}

/* A SIGS section of the wrong size is SPASM_ECORRUPT naming it, and the
 * search frees nothing it did not make (fuzz_index_crc found the folder's
 * failure freeing an uninitialised it_ctx: searcher/search.c; its input
 * is fuzz/corpus/fuzz_index_crc/crash-3b55691f...).  What was freed is
 * stack garbage, which this build may not trip on: valgrind and the
 * sanitizer trees do. */
static void test_fold_bad_sigs(void **state)
{
    (void)state;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.collapse = 1;
    uint64_t keep = cix->part[0].seg->sigs.len;
    for (int i = 0; i < 3; i++) {
        spasm_results *r = NULL;
        assert_int_equal(spasm_search(cs, "dehydrat* OR cramps", &o, &r), 0);
        spasm_results_free(r);
        cix->part[0].seg->sigs.len = keep - 2;
        r = NULL;
        assert_int_equal(spasm_search(cs, "dehydrat* OR cramps", &o, &r), SPASM_ECORRUPT);
        cix->part[0].seg->sigs.len = keep;
        assert_null(r);
        assert_non_null(
            strstr(spasm_searcher_errmsg(cs), "SIGS or SIGB section of the wrong size"));
    }
}

/* spasm_search with collapse = the reference over as many candidates as it
 * ranks (2k + 16, more when too many fold); and large k works. */
static void test_fold_search(void **state)
{
    (void)state;
    size_t ks[] = {1, 3, 10, 40, 1000000};
    for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
        size_t k = ks[j];
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = k;
        o.collapse = 1;
        spasm_results *r;
        assert_int_equal(spasm_search(ss, "zeta", &o, &r), 0);
        size_t cap = 2 * k + 16, nc;
        sp_cand *c;
        long *rep;
        size_t kept;
        for (;;) {
            c = candidates(ss, "zeta", cap < ss->ix->live_pass ? cap : ss->ix->live_pass, &nc);
            rep = calloc(nc + 1, sizeof *rep);
            ref_fold(ss, c, nc, k, rep);
            kept = 0;
            for (size_t i = 0; i < nc; i++) kept += rep[i] == (long)i;
            if (kept >= k || nc < cap || cap >= ss->ix->live_pass) break;
            free(c);
            free(rep);
            cap = cap * 4 < ss->ix->live_pass ? cap * 4 : ss->ix->live_pass;
        }
        assert_int_equal(spasm_results_count(r), kept < k ? kept : k);
        size_t h = 0, seen = 0;
        for (size_t i = 0; i < nc && h < spasm_results_count(r); i++) {
            if (rep[i] != (long)i) continue;
            const spasm_hit *hit = spasm_results_hit(r, h++);
            assert_int_equal(hit->passage, c[i].passage);
            size_t nd = 0;
            for (size_t d = i + 1; d < nc; d++)
                if (rep[d] == (long)i) assert_int_equal(hit->dups[nd++].passage, c[d].passage);
            assert_int_equal(hit->ndups, nd);
            seen += 1 + nd;
        }
        if (k == 1000000) /* every match is shown or folded into one shown */
            assert_int_equal(seen, spasm_results_total(r));
        spasm_results_free(r);
        free(c);
        free(rep);
    }
}

/* Default machine formats print exactly what --no-collapse prints. */
static void test_machine_formats_unfolded(void **state)
{
    (void)state;
    const char *b = build_dir();
    const char *fmts[] = {"--format trec", "--format json", "-k 1000000 --format trec",
                          "-k 50 --format json --offset 3", "--group doc --format trec -k 100"};
    const char *idx[] = {"", ""};
    char corpus[300], syn[300];
    snprintf(corpus, sizeof corpus, "%s/corpus.spx", b);
    snprintf(syn, sizeof syn, "%s/syn.spx", tmpdir);
    idx[0] = corpus;
    idx[1] = syn;
    const char *qs[] = {"'night calf cramps'", "'renal colic'", "zeta", "'muscle cramps'"};
    for (size_t x = 0; x < 2; x++)
        for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++)
            for (size_t q = 0; q < sizeof qs / sizeof *qs; q++) {
                assert_int_equal(run("%s/bin/spasm-search -i %s %s %s > %s/a.out; "
                                     "%s/bin/spasm-search -i %s %s --no-collapse %s > %s/b.out; "
                                     "cmp -s %s/a.out %s/b.out",
                                     b, idx[x], fmts[f], qs[q], tmpdir, b, idx[x], fmts[f], qs[q],
                                     tmpdir, tmpdir, tmpdir),
                                 0);
            }
    /* ... while --collapse folds (a twin in also_in, one line less) */
    assert_int_equal(run("%s/bin/spasm-search -i %s --format json --collapse 'renal colic' "
                         "| grep -c '\"also_in\":\\[{' | grep -qx 1",
                         b, corpus),
                     0);
    assert_int_equal(run("%s/bin/spasm-search -i %s --format trec --collapse 'renal colic' | wc -l "
                         "| grep -qx 2",
                         b, corpus),
                     0);
    /* a batch (-f) and --stdio rank as --no-collapse too */
    assert_int_equal(run("printf 'q1\\tnight calf cramps\\nq2\\trenal colic\\nq3\\tzeta\\n' > "
                         "%s/q.tsv; cut -f2 %s/q.tsv > %s/q.txt",
                         tmpdir, tmpdir, tmpdir),
                     0);
    for (size_t x = 0; x < 2; x++) {
        const char *modes[] = {"-f %s/q.tsv", "-f %s/q.tsv --format trec", "--stdio < %s/q.txt"};
        for (size_t m = 0; m < 3; m++) {
            char mode[400];
            snprintf(mode, sizeof mode, modes[m], tmpdir);
            assert_int_equal(run("%s/bin/spasm-search -i %s %s > %s/a.out; "
                                 "%s/bin/spasm-search -i %s --no-collapse %s > %s/b.out; "
                                 "cmp -s %s/a.out %s/b.out",
                                 b, idx[x], mode, tmpdir, b, idx[x], mode, tmpdir, tmpdir, tmpdir),
                             0);
        }
    }
    /* the text format of one query folds by default */
    assert_int_equal(run("%s/bin/spasm-search -i %s --color never 'renal colic' | grep -q "
                         "'also in'",
                         b, corpus),
                     0);
    assert_int_equal(run("%s/bin/spasm-search -i %s --color never --no-collapse 'renal colic' "
                         "| grep -q 'also in'",
                         b, corpus),
                     1);
}

/* With --group doc no document is folded away: "night calf cramps" finds
 * document 000 (7 mentions of cramps), in every format. */
static void test_group_doc_keeps_documents(void **state)
{
    (void)state;
    const char *b = build_dir();
    const char *fmts[] = {"--format trec", "--format json", "--color never", "--format trec -k 3"};
    for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++)
        assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx --group doc %s "
                             "'night calf cramps' | grep -q 000_e3e79627db3fc6d1",
                             b, b, fmts[f]),
                         0);
    /* the library ignores collapse there */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 3;
    o.group = SPASM_GROUP_DOC;
    o.collapse = 1;
    spasm_results *r;
    assert_int_equal(spasm_search(cs, "night calf cramps", &o, &r), 0);
    int found = 0;
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        found |= strcmp(spasm_results_hit(r, i)->doc_id, "000_e3e79627db3fc6d1") == 0;
        assert_int_equal(spasm_results_hit(r, i)->ndups, 0);
    }
    assert_true(found);
    spasm_results_free(r);
    /* asking for both is an error naming them */
    assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx --group doc --collapse cramp "
                         "2>&1 >/dev/null | grep -q -- '--collapse cannot be used with --group "
                         "doc'",
                         b, b),
                     0);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/corpus.spx --group doc --collapse cramp 2>/dev/null", b, b),
        2);
}

/* The library's default is plain BM25: no hit carries folded passages. */
static void test_library_default_unfolded(void **state)
{
    (void)state;
    spasm_search_options o;
    spasm_search_options_init(&o);
    assert_int_equal(o.collapse, 0);
    spasm_results *r, *plain;
    assert_int_equal(spasm_search(cs, "renal colic", NULL, &r), 0);
    o.collapse = 0;
    assert_int_equal(spasm_search(cs, "renal colic", &o, &plain), 0);
    assert_int_equal(spasm_results_count(r), 3);
    assert_int_equal(spasm_results_count(r), spasm_results_count(plain));
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        assert_int_equal(spasm_results_hit(r, i)->passage, spasm_results_hit(plain, i)->passage);
        assert_int_equal(spasm_results_hit(r, i)->ndups, 0);
    }
    spasm_results_free(r);
    spasm_results_free(plain);
}

/* The folding benchmark runs (make check smoke-runs every bench program). */
static void test_folding_bench_runs(void **state)
{
    (void)state;
    const char *b = build_dir();
    assert_int_equal(
        run("%s/bin/folding_bench %s/corpus.spx -q 'night calf cramps' -k 1,10,1000000 "
            "--runs 1 > %s/fb.out",
            b, b, tmpdir),
        0);
    /* ids only and all fields for each k */
    assert_int_equal(run("test $(grep -c '^k=[0-9]* fields=id queries=1 plain_ms=[0-9.]* "
                         "folded_ms=[0-9.]* ratio=[0-9.]* wall_ratio=[0-9.]* hits=[0-9]* "
                         "folded=[0-9]*$' %s/fb.out) -eq 3",
                         tmpdir),
                     0);
    assert_int_equal(
        run("test $(grep -c '^k=[0-9]* fields=all queries=1 ' %s/fb.out) -eq 3", tmpdir), 0);
    assert_int_equal(run("grep -q '^k=10 fields=id .* hits=10 folded=[1-9]' %s/fb.out", tmpdir), 0);
    assert_int_equal(run("printf 'a\tcramp\nb\trenal colic\n' > %s/fq.tsv && %s/bin/folding_bench "
                         "%s/corpus.spx -f %s/fq.tsv -k 5 --fields all --runs 1 | grep -q "
                         "'^k=5 fields=all queries=2 '",
                         tmpdir, b, b, tmpdir),
                     0);
    assert_int_equal(run("%s/bin/folding_bench %s/corpus.spx -k 5 2>/dev/null", b, b), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_reference_corpus),
        cmocka_unit_test(test_fold_reference_synthetic),
        cmocka_unit_test(test_fold_search),
        cmocka_unit_test(test_sigb_matches_text),
        cmocka_unit_test(test_fold_without_sigb),
        cmocka_unit_test(test_fold_bad_sigs),
        cmocka_unit_test(test_dups_lists),
        cmocka_unit_test(test_fold_paths_agree),
        cmocka_unit_test(test_fold_bad_dups),
        cmocka_unit_test(test_live_dups),
        cmocka_unit_test(test_machine_formats_unfolded),
        cmocka_unit_test(test_group_doc_keeps_documents),
        cmocka_unit_test(test_library_default_unfolded),
        cmocka_unit_test(test_folding_bench_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
