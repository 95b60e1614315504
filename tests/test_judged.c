/*
 * test_judged.c -- ranking quality on our own judged query set over the
 * bundled corpus (tests/judged/: queries.tsv, qrels.txt, README.md).
 *
 * Every query runs through the public API against build/corpus.spx with the
 * DEFAULT search options (top 10).  Measures:
 *
 *   success@3  fraction of queries with a relevant passage (grade >= 1) among
 *              the first 3 hits.  A hit that carries folded near-duplicates
 *              (spasm_hit.dups) counts as any of those passages too.
 *   MRR        mean of 1 / rank of the first such hit (0 when none in the top
 *              10), with the same near-duplicate rule.
 *   nDCG@10    trec_eval's ndcg_cut_10, computed by bench/eval/trec_eval.c
 *              (the code behind spasm-eval) on the run made of the hits; a
 *              hit's folded near-duplicates are listed right after it with its
 *              score, so that folding does not hide a judged twin.  With no
 *              folding this is exactly what `make judged` prints.
 *
 * Passages are named as `spasm-search --format trec` names them,
 * DOCID#N with N the 1-based passage number in the document
 * (spasm_hit.ordinal + 1), so that bench/judged.sh can score the CLI's run
 * against the same qrels.
 *
 * The floors below are a little under today's figures; they catch ranking
 * regressions, not small moves.  When the engine gets better on purpose,
 * raise them (tests/judged/README.md says how).  Nothing here is timed.
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

#include "spasm.h"
#include "trec_eval.h"

/* Floors (tests/judged/README.md, "Floors"): today's figure minus 0.05,
 * rounded down to two decimals.  First measured at 0c126fb (k1 0.9, b 0.4,
 * no folding, titles not indexed): success@3 0.9200 (69 of 75), nDCG@10
 * 0.8131, MRR 0.8760.  Reset after titles, prefixes over words, folding,
 * query term weights and k1 1.4, b 0.6: success@3 0.9333 (70 of 75),
 * nDCG@10 0.8101, MRR 0.8987.
 * Reset when issue 14 parts 3 and 4 added 30 queries (180-189 synonyms,
 * 200-219 word families) that the defaults, with both parts off, mostly
 * cannot answer: 105 queries, success@3 0.8095, nDCG@10 0.7099, MRR 0.7713
 * (queries 1-75 unchanged).
 * MRR is printed, not asserted: success@3 already guards the top of the list. */
#define FLOOR_SUCCESS3 0.75
#define FLOOR_NDCG10 0.65
/* The general queries (qid below 100: the original 75, which no part of
 * issue 14 needs) keep their own floors from before, so that the queries
 * added for parts that are off by default do not hide a regression. */
#define GENERAL_QID_END 100
#define FLOOR_GENERAL_SUCCESS3 0.88
#define FLOOR_GENERAL_NDCG10 0.76

#define QUERIES_PATH "tests/judged/queries.tsv"
#define QRELS_PATH "tests/judged/qrels.txt"

/* Passage counts of the corpus documents when the qrels were judged: a
 * change in passage splitting shifts the ordinals and voids the judgments. */
static const struct {
    const char *doc;
    uint32_t passages;
} judged_split[] = {
    {"000_e3e79627db3fc6d1", 15}, {"001_83bae09d9452db2b", 7}, {"002_d8b5a69b0f81f7af", 26},
    {"003_74fcd93ea3e83a67", 10}, {"004_b6359885f5088f67", 8},
};

typedef struct judgment {
    char qid[32];
    char docno[64];
    int grade;
} judgment;

typedef struct query {
    char qid[32];
    char text[256];
} query;

typedef struct judged_set {
    query *q;
    size_t nq;
    judgment *j;
    size_t nj;
} judged_set;

static spasm_index *ix;
static spasm_searcher *srch;
static judged_set set;

/* Read queries.tsv ("qid<TAB>query"; blank lines and # comments skipped). */
static int read_queries(judged_set *js)
{
    FILE *f = fopen(QUERIES_PATH, "r");
    if (f == NULL) {
        fprintf(stderr, "test_judged: cannot open %s (run from the repo root)\n", QUERIES_PATH);
        return -1;
    }
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0 || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (tab == NULL || tab == line || strlen(tab + 1) >= sizeof js->q->text ||
            (size_t)(tab - line) >= sizeof js->q->qid) {
            fprintf(stderr, "test_judged: %s: bad line: %s\n", QUERIES_PATH, line);
            fclose(f);
            return -1;
        }
        if (js->nq == cap) {
            cap = cap ? cap * 2 : 64;
            query *nq = realloc(js->q, cap * sizeof *nq);
            if (nq == NULL) {
                fclose(f);
                return -1;
            }
            js->q = nq;
        }
        query *q = &js->q[js->nq++];
        *tab = 0;
        memcpy(q->qid, line, (size_t)(tab - line) + 1);
        memcpy(q->text, tab + 1, strlen(tab + 1) + 1);
    }
    fclose(f);
    return js->nq ? 0 : -1;
}

/* Read qrels.txt ("qid 0 DOCID#ORDINAL grade"). */
static int read_qrels(judged_set *js)
{
    FILE *f = fopen(QRELS_PATH, "r");
    if (f == NULL) {
        fprintf(stderr, "test_judged: cannot open %s\n", QRELS_PATH);
        return -1;
    }
    char line[256];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        judgment jd;
        char iter[16];
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        if (sscanf(line, "%31s %15s %63s %d", jd.qid, iter, jd.docno, &jd.grade) != 4) {
            fprintf(stderr, "test_judged: %s: bad line: %s", QRELS_PATH, line);
            fclose(f);
            return -1;
        }
        if (js->nj == cap) {
            cap = cap ? cap * 2 : 256;
            judgment *nj = realloc(js->j, cap * sizeof *nj);
            if (nj == NULL) {
                fclose(f);
                return -1;
            }
            js->j = nj;
        }
        js->j[js->nj++] = jd;
    }
    fclose(f);
    return js->nj ? 0 : -1;
}

/* The grade of `docno` for query `qid` (0 when unjudged). */
static int grade_of(const char *qid, const char *docno)
{
    for (size_t i = 0; i < set.nj; i++)
        if (strcmp(set.j[i].qid, qid) == 0 && strcmp(set.j[i].docno, docno) == 0)
            return set.j[i].grade;
    return 0;
}

/* "DOCID#ORDINAL" of index passage number `p` into buf; 0 on success. */
static int passage_docno(uint32_t p, char *buf, size_t n)
{
    spasm_results *r;
    if (spasm_get_passage(srch, p, &r) != SPASM_OK) return -1;
    const spasm_hit *h = spasm_results_hit(r, 0);
    snprintf(buf, n, "%s#%u", h->doc_id, h->ordinal + 1);
    spasm_results_free(r);
    return 0;
}

/* Best grade of hit h for query qid: its own passage or a folded duplicate. */
static int hit_grade(const char *qid, const spasm_hit *h)
{
    char docno[128];
    snprintf(docno, sizeof docno, "%s#%u", h->doc_id, h->ordinal + 1);
    int g = grade_of(qid, docno);
    for (size_t d = 0; d < h->ndups; d++) {
        char dn[128];
        assert_int_equal(passage_docno(h->dups[d].passage, dn, sizeof dn), 0);
        int dg = grade_of(qid, dn);
        if (dg > g) g = dg;
    }
    return g;
}

static int setup(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (read_queries(&set) || read_qrels(&set)) return -1;
    if (spasm_open(&ix, p, NULL) != SPASM_OK) {
        fprintf(stderr, "test_judged: %s\n", spasm_index_errmsg(ix));
        return -1;
    }
    return spasm_searcher_new(ix, &srch);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(srch);
    spasm_close(ix);
    free(set.q);
    free(set.j);
    memset(&set, 0, sizeof set);
    return 0;
}

/* The judged set is well formed and still matches the index's passages. */
static void test_judged_set_valid(void **state)
{
    (void)state;
    assert_true(set.nq >= 40);
    for (size_t i = 0; i < sizeof judged_split / sizeof *judged_split; i++) {
        uint32_t doc, first, count;
        assert_int_equal(spasm_find_doc(srch, judged_split[i].doc, &doc), SPASM_OK);
        assert_int_equal(spasm_doc_passages(srch, doc, &first, &count), SPASM_OK);
        if (count != judged_split[i].passages)
            print_error("%s now has %u passages, %u when judged: passage splitting changed, "
                        "re-judge tests/judged/qrels.txt\n",
                        judged_split[i].doc, count, judged_split[i].passages);
        assert_int_equal(count, judged_split[i].passages);
    }
    for (size_t i = 0; i < set.nq; i++) {
        int relevant = 0;
        for (size_t k = 0; k < i; k++) assert_string_not_equal(set.q[k].qid, set.q[i].qid);
        for (size_t j = 0; j < set.nj; j++)
            if (strcmp(set.j[j].qid, set.q[i].qid) == 0 && set.j[j].grade > 0) relevant = 1;
        if (!relevant) print_error("query %s has no relevant passage\n", set.q[i].qid);
        assert_true(relevant);
    }
    for (size_t j = 0; j < set.nj; j++) {
        const judgment *jd = &set.j[j];
        assert_true(jd->grade >= 0 && jd->grade <= 2);
        int known = 0;
        for (size_t i = 0; i < set.nq; i++) known |= strcmp(set.q[i].qid, jd->qid) == 0;
        if (!known) print_error("qrels query %s is not in queries.tsv\n", jd->qid);
        assert_true(known);
        char doc_id[64];
        const char *hash = strrchr(jd->docno, '#');
        assert_non_null(hash);
        snprintf(doc_id, sizeof doc_id, "%.*s", (int)(hash - jd->docno), jd->docno);
        uint32_t doc, first, count;
        if (spasm_find_doc(srch, doc_id, &doc) != SPASM_OK)
            print_error("qrels: no document %s\n", doc_id);
        assert_int_equal(spasm_find_doc(srch, doc_id, &doc), SPASM_OK);
        assert_int_equal(spasm_doc_passages(srch, doc, &first, &count), SPASM_OK);
        unsigned long number = strtoul(hash + 1, NULL, 10);
        if (number < 1 || number > count)
            print_error("qrels: %s: %s has passages 1..%u\n", jd->docno, doc_id, count);
        assert_true(number >= 1 && number <= count);
        for (size_t k = 0; k < j; k++)
            assert_false(strcmp(set.j[k].qid, jd->qid) == 0 &&
                         strcmp(set.j[k].docno, jd->docno) == 0);
    }
}

/* Run every query, score, print, and hold the figures to their floors. */
static void test_judged_quality(void **state)
{
    (void)state;
    spasm_search_options o;
    spasm_search_options_init(&o); /* the defaults: top 10, index k1/b */
    assert_int_equal(o.k, 10);
    /* typo tolerance (issue 14 part 2): on, as spasm-search has it for a
     * person's query; queries 120-139 are misspelt */
    o.typos = SPASM_TYPOS_ON;

    FILE *run = tmpfile();
    assert_non_null(run);
    size_t success3 = 0, gen_success3 = 0, ngen = 0;
    double rr_sum = 0;
    char misses[8192] = "";
    size_t nmiss = 0;

    for (size_t i = 0; i < set.nq; i++) {
        const query *q = &set.q[i];
        spasm_results *r = NULL;
        int rc = spasm_search(srch, q->text, &o, &r);
        char top3[512] = "";
        int first_rel = 0;
        if (rc != SPASM_OK) {
            snprintf(top3, sizeof top3, "error %d: %s", rc, spasm_searcher_errmsg(srch));
        } else {
            size_t n = spasm_results_count(r);
            for (size_t h = 0; h < n; h++) {
                const spasm_hit *hit = spasm_results_hit(r, h);
                int g = hit_grade(q->qid, hit);
                if (g > 0 && first_rel == 0) first_rel = (int)h + 1;
                if (h < 3) {
                    size_t len = strlen(top3);
                    snprintf(top3 + len, sizeof top3 - len, "%s%s#%u(%d)", h ? " " : "",
                             hit->doc_id, hit->ordinal + 1, g);
                }
                fprintf(run, "%s Q0 %s#%u %zu %.6f judged\n", q->qid, hit->doc_id, hit->ordinal + 1,
                        h + 1, hit->score);
                for (size_t d = 0; d < hit->ndups; d++) {
                    char dn[128];
                    assert_int_equal(passage_docno(hit->dups[d].passage, dn, sizeof dn), 0);
                    fprintf(run, "%s Q0 %s %zu %.6f judged\n", q->qid, dn, h + 1, hit->score);
                }
            }
            if (n == 0) snprintf(top3, sizeof top3, "no results");
            spasm_results_free(r);
        }
        if (first_rel > 0) rr_sum += 1.0 / first_rel;
        int general = atoi(q->qid) < GENERAL_QID_END;
        ngen += general;
        if (first_rel >= 1 && first_rel <= 3) {
            success3++;
            gen_success3 += general;
        } else {
            char at[16] = "--";
            if (first_rel) snprintf(at, sizeof at, "%d", first_rel);
            size_t len = strlen(misses);
            snprintf(misses + len, sizeof misses - len,
                     "  miss q%-3s %-45s first relevant at %s; top 3: %s\n", q->qid, q->text, at,
                     top3);
            nmiss++;
        }
    }

    /* nDCG@10 by the trec_eval definitions (the code behind spasm-eval). */
    te_error err;
    te_qrels *qrels = NULL;
    te_run *trun = NULL;
    te_eval *ev = NULL;
    rewind(run);
    if (te_qrels_read(QRELS_PATH, &qrels, &err) != TE_OK ||
        te_run_read_stream(run, "judged-run", &trun, &err) != TE_OK ||
        te_evaluate(qrels, trun, &ev, &err) != TE_OK)
        fail_msg("trec_eval: %s", err.msg);
    fclose(run);
    assert_int_equal(ev->num_q, set.nq);
    double ndcg = ev->all.ndcg_cut_10;
    double s3 = (double)success3 / (double)set.nq;
    double mrr = rr_sum / (double)set.nq;
    double gen_ndcg = 0;
    for (size_t i = 0; i < ev->num_q; i++)
        if (atoi(ev->queries[i].qid) < GENERAL_QID_END) gen_ndcg += ev->queries[i].ndcg_cut_10;
    assert_true(ngen > 0);
    gen_ndcg /= (double)ngen;
    double gen_s3 = (double)gen_success3 / (double)ngen;

    print_message("judged: %zu queries, %zu judgments\n", set.nq, set.nj);
    if (nmiss)
        print_message("judged: %zu queries with no relevant passage in the top 3:\n%s", nmiss,
                      misses);
    print_message("judged: success@3 %.4f (floor %.2f)  nDCG@10 %.4f (floor %.2f)  MRR %.4f\n", s3,
                  FLOOR_SUCCESS3, ndcg, FLOOR_NDCG10, mrr);
    print_message("judged: the %zu general queries (qid < %d): success@3 %.4f (floor %.2f)  "
                  "nDCG@10 %.4f (floor %.2f)\n",
                  ngen, GENERAL_QID_END, gen_s3, FLOOR_GENERAL_SUCCESS3, gen_ndcg,
                  FLOOR_GENERAL_NDCG10);
    te_eval_free(ev);
    te_run_free(trun);
    te_qrels_free(qrels);

    assert_true(s3 >= FLOOR_SUCCESS3);
    assert_true(ndcg >= FLOOR_NDCG10);
    assert_true(gen_s3 >= FLOOR_GENERAL_SUCCESS3);
    assert_true(gen_ndcg >= FLOOR_GENERAL_NDCG10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judged_set_valid),
        cmocka_unit_test(test_judged_quality),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
