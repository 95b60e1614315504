/*
 * test_eval.c -- tests of bench/eval/trec_eval.c (the trec_eval-compatible
 * scorer behind spasm-eval) and of the spasm-eval program.
 *
 * Every expected figure is worked out by hand in the comment over the test.
 * Notation: rel(d) is the qrels relevance of d, "rank" is the position after
 * trec_eval's re-sort (score descending, ties by docno descending).
 * Discounts used below: 1/log2(2) = 1, 1/log2(3) = 0.630930, 1/log2(4) = 0.5,
 * 1/log2(5) = 0.430677, 1/log2(6) = 0.386853.
 *
 * Each test gets a fresh directory from mkdtemp() and writes its qrels and
 * runs there; the teardown removes the directory and everything in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trec_eval.h"

/* A test's scratch directory and the path of the last file written to it. */
typedef struct fixture {
    char dir[64];
    char path[256];
} fixture;

/* Create the scratch directory; returns 0, or -1 to fail the test. */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL) return -1;
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || strlen(tmp) > 40) tmp = "/tmp";
    snprintf(fx->dir, sizeof(fx->dir), "%s/spasm-eval-XXXXXX", tmp);
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

/* Remove the scratch directory and its files; returns 0, or -1 when something stayed. */
static int teardown(void **state)
{
    fixture *fx = *state;
    int rc = 0;
    DIR *d = opendir(fx->dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char p[512];
            snprintf(p, sizeof(p), "%s/%s", fx->dir, e->d_name);
            if (unlink(p) != 0) rc = -1;
        }
        closedir(d);
    }
    if (rmdir(fx->dir) != 0) rc = -1;
    free(fx);
    return rc;
}

/* Write `text` to file `name` in the scratch directory; returns its path (valid until the next
 * call). */
static const char *write_file(fixture *fx, const char *name, const char *text)
{
    snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
    FILE *fp = fopen(fx->path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    return fx->path;
}

/* Read qrels and run texts from files, evaluate, and return the evaluation (asserts success). */
static te_eval *evaluate_texts(fixture *fx, const char *qrels_text, const char *run_text)
{
    te_error err;
    te_qrels *qrels = NULL;
    te_run *run = NULL;
    te_eval *ev = NULL;
    te_status st = te_qrels_read(write_file(fx, "qrels.txt", qrels_text), &qrels, &err);
    if (st != TE_OK) print_error("%s\n", err.msg);
    assert_int_equal(st, TE_OK);
    st = te_run_read(write_file(fx, "run.txt", run_text), &run, &err);
    if (st != TE_OK) print_error("%s\n", err.msg);
    assert_int_equal(st, TE_OK);
    st = te_evaluate(qrels, run, &ev, &err);
    if (st != TE_OK) print_error("%s\n", err.msg);
    assert_int_equal(st, TE_OK);
    te_run_free(run);
    te_qrels_free(qrels);
    return ev;
}

/* Fail the test at file:line when |got - want| > 1e-6. */
static void near_impl(double got, double want, const char *expr, const char *file, int line)
{
    if (fabs(got - want) <= 1e-6) return;
    print_error("%s = %.9f, expected %.9f\n", expr, got, want);
    _fail(file, line);
}
#define assert_near(got, want) near_impl((got), (want), #got, __FILE__, __LINE__)

/* Find query `qid` in `ev` (asserts that it is there). */
static const te_query_eval *query(const te_eval *ev, const char *qid)
{
    const te_query_eval *q = te_eval_find(ev, qid);
    if (q == NULL) print_error("query %s was not evaluated\n", qid);
    assert_non_null(q);
    return q;
}

/* qrels and run of the five-document example shared by two tests. */
static const char five_qrels[] = "1 0 A 2\n"
                                 "1 0 B 0\n"
                                 "1 0 C 1\n"
                                 "1 0 E 1\n";
static const char five_run[] = "1 Q0 A 1 5.0 tagged\n"
                               "1 Q0 B 2 4.0 tagged\n"
                               "1 Q0 C 3 3.0 tagged\n"
                               "1 Q0 D 4 2.0 tagged\n"
                               "1 Q0 E 5 1.0 tagged\n";

/*
 * Five documents A..E ranked 1..5; relevant: A (rel 2), C (1), E (1); B is
 * judged nonrelevant (0), D unjudged.  3 relevant in qrels, all retrieved.
 *   AP      = (1/1 + 2/3 + 3/5) / 3 = 2.266667 / 3 = 0.755556
 *   DCG@10  = 2/log2(2) + 1/log2(4) + 1/log2(6) = 2 + 0.5 + 0.386853 = 2.886853
 *   IDCG@10 = gains 2,1,1: 2 + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930
 *   nDCG@10 = 2.886853 / 3.130930 = 0.922043
 *   P@10    = 3 / 10 = 0.3 (the cut is 10 even with 5 retrieved)
 *   R@1000  = 3 / 3 = 1
 */
static void test_five_doc_run(void **state)
{
    te_eval *ev = evaluate_texts(*state, five_qrels, five_run);
    assert_int_equal(ev->num_q, 1);
    const te_query_eval *q = query(ev, "1");
    assert_int_equal(q->num_ret, 5);
    assert_int_equal(q->num_rel, 3);
    assert_int_equal(q->num_rel_ret, 3);
    assert_near(q->map, 2.266666667 / 3.0);
    assert_near(q->ndcg_cut_10, 2.886852807 / 3.130929754);
    assert_near(q->p_10, 0.3);
    assert_near(q->recall_1000, 1.0);
    /* One query: the means are the query's scores. */
    assert_near(ev->all.map, q->map);
    assert_near(ev->all.ndcg_cut_10, q->ndcg_cut_10);
    assert_string_equal(ev->runid, "tagged");
    te_eval_free(ev);
}

/*
 * The same five-document example printed in trec_eval's format: "%-22s\t%s\t%6.4f"
 * with the figures above rounded to 4 places (0.755556 -> 0.7556, 0.922043 -> 0.9220).
 */
static void test_print_format(void **state)
{
    fixture *fx = *state;
    te_eval *ev = evaluate_texts(fx, five_qrels, five_run);
    char out[256];
    snprintf(out, sizeof(out), "%s/out.txt", fx->dir);
    FILE *fp = fopen(out, "w+");
    assert_non_null(fp);
    assert_int_equal(te_eval_print(fp, ev, 1), TE_OK);
    rewind(fp);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, fp);
    text[n] = '\0';
    fclose(fp);
    te_eval_free(ev);
    const char *want = "num_ret               \t1\t5\n"
                       "num_rel               \t1\t3\n"
                       "num_rel_ret           \t1\t3\n"
                       "map                   \t1\t0.7556\n"
                       "P_10                  \t1\t0.3000\n"
                       "recall_1000           \t1\t1.0000\n"
                       "ndcg_cut_10           \t1\t0.9220\n"
                       "runid                 \tall\ttagged\n"
                       "num_q                 \tall\t1\n"
                       "num_ret               \tall\t5\n"
                       "num_rel               \tall\t3\n"
                       "num_rel_ret           \tall\t3\n"
                       "map                   \tall\t0.7556\n"
                       "P_10                  \tall\t0.3000\n"
                       "recall_1000           \tall\t1.0000\n"
                       "ndcg_cut_10           \tall\t0.9220\n";
    assert_string_equal(text, want);
}

/*
 * The rank column is ignored and equal scores are ordered by docno in
 * descending strcmp() order.
 * Query 1: d1, d2, d3 all score 1.0 and are listed with ranks 1, 2, 3;
 *   trec_eval order is d3, d2, d1, so the relevant d1 is at rank 3:
 *   AP = 1/3 = 0.333333, nDCG@10 = (1/log2(4)) / 1 = 0.5, P@10 = 0.1.
 * Query 2: "100" has rank 1 but score 0.5; "10" and "9" tie at 2.5, and
 *   strcmp("9", "10") > 0, so the order is 9, 10, 100: the relevant "10" is
 *   at rank 2: AP = 1/2 = 0.5, nDCG@10 = (1/log2(3)) / 1 = 0.630930.
 * Means: map (0.333333 + 0.5) / 2 = 0.416667, nDCG (0.5 + 0.630930) / 2 = 0.565465.
 */
static void test_ties_broken_by_docno_descending(void **state)
{
    te_eval *ev = evaluate_texts(*state,
                                 "1 0 d1 1\n"
                                 "2 0 10 1\n",
                                 "1 Q0 d1 1 1.0 t\n"
                                 "1 Q0 d2 2 1.0 t\n"
                                 "1 Q0 d3 3 1.0 t\n"
                                 "2 Q0 100 1 0.5 t\n"
                                 "2 Q0 10 2 2.5 t\n"
                                 "2 Q0 9 3 2.5 t\n");
    const te_query_eval *q1 = query(ev, "1"), *q2 = query(ev, "2");
    assert_near(q1->map, 1.0 / 3.0);
    assert_near(q1->ndcg_cut_10, 0.5);
    assert_near(q1->p_10, 0.1);
    assert_near(q2->map, 0.5);
    assert_near(q2->ndcg_cut_10, 1.0 / log2(3.0));
    assert_near(ev->all.map, (1.0 / 3.0 + 0.5) / 2.0);
    assert_near(ev->all.ndcg_cut_10, (0.5 + 0.630929754) / 2.0);
    te_eval_free(ev);
}

/*
 * A judged query that the run lacks scores 0 and counts in the mean
 * (trec_eval -c).  Query 1: A (rel 1) retrieved at rank 1: AP 1, nDCG 1,
 * P@10 0.1, R@1000 1.  Query 2: B (1), C (2) judged, no results: all 0.
 * Means over 2 queries: map 0.5, nDCG 0.5, P@10 0.05, R@1000 0.5;
 * num_rel 1 + 2 = 3, num_rel_ret 1, num_ret 1.
 */
static void test_judged_query_without_results_scores_zero(void **state)
{
    te_eval *ev = evaluate_texts(*state,
                                 "1 0 A 1\n"
                                 "2 0 B 1\n"
                                 "2 0 C 2\n",
                                 "1 Q0 A 1 1.0 t\n");
    assert_int_equal(ev->num_q, 2);
    assert_int_equal(ev->num_q_in_run, 1);
    const te_query_eval *q2 = query(ev, "2");
    assert_int_equal(q2->num_ret, 0);
    assert_int_equal(q2->num_rel, 2);
    assert_near(q2->map, 0.0);
    assert_near(q2->ndcg_cut_10, 0.0);
    assert_near(q2->p_10, 0.0);
    assert_near(q2->recall_1000, 0.0);
    assert_near(ev->all.map, 0.5);
    assert_near(ev->all.ndcg_cut_10, 0.5);
    assert_near(ev->all.p_10, 0.05);
    assert_near(ev->all.recall_1000, 0.5);
    assert_int_equal(ev->all.num_rel, 3);
    assert_int_equal(ev->all.num_rel_ret, 1);
    assert_int_equal(ev->all.num_ret, 1);
    te_eval_free(ev);
}

/*
 * Queries outside the evaluation: query 3 has judgments but none with rel > 0
 * (0 and -1), so it is ignored; the run's query 99 is not in the qrels.  Only
 * query 1 counts: A (rel 1) at rank 2 behind the unjudged Z: AP = 1/2, and
 * the run's results for 3 and 99 change nothing.
 */
static void test_unjudged_and_unknown_queries_ignored(void **state)
{
    te_eval *ev = evaluate_texts(*state,
                                 "1 0 A 1\n"
                                 "3 0 A 0\n"
                                 "3 0 B -1\n",
                                 "1 Q0 Z 1 2.0 t\n"
                                 "1 Q0 A 2 1.0 t\n"
                                 "3 Q0 A 1 1.0 t\n"
                                 "99 Q0 A 1 1.0 t\n");
    assert_int_equal(ev->num_q, 1);
    assert_null(te_eval_find(ev, "3"));
    assert_null(te_eval_find(ev, "99"));
    assert_near(query(ev, "1")->map, 0.5);
    assert_near(ev->all.map, 0.5);
    assert_int_equal(ev->all.num_rel, 1);
    te_eval_free(ev);
}

/*
 * Relevance 0 and negative values mean nonrelevant; graded values are gains.
 * Qrels: A 0, B -1, C 1, D 3; run A, B, C, D at scores 4, 3, 2, 1.
 * Relevant: C (rank 3), D (rank 4); num_rel 2.
 *   AP      = (1/3 + 2/4) / 2 = 0.833333 / 2 = 0.416667
 *   DCG@10  = 1/log2(4) + 3/log2(5) = 0.5 + 1.292030 = 1.792030
 *   IDCG@10 = gains 3,1: 3 + 1/log2(3) = 3.630930
 *   nDCG@10 = 1.792030 / 3.630930 = 0.493546
 *   P@10 = 0.2, R@1000 = 1
 */
static void test_zero_and_negative_relevance(void **state)
{
    te_eval *ev = evaluate_texts(*state,
                                 "7 0 A 0\n"
                                 "7 0 B -1\n"
                                 "7 0 C 1\n"
                                 "7 0 D 3\n",
                                 "7 Q0 A 1 4 t\n"
                                 "7 Q0 B 2 3 t\n"
                                 "7 Q0 C 3 2 t\n"
                                 "7 Q0 D 4 1 t\n");
    const te_query_eval *q = query(ev, "7");
    assert_int_equal(q->num_rel, 2);
    assert_int_equal(q->num_rel_ret, 2);
    assert_near(q->map, (1.0 / 3.0 + 0.5) / 2.0);
    assert_near(q->ndcg_cut_10, 1.792029674 / 3.630929754);
    assert_near(q->p_10, 0.2);
    assert_near(q->recall_1000, 1.0);
    te_eval_free(ev);
}

/*
 * A docno listed twice for one query: the first line is kept, later ones
 * dropped.  Run: A 1.0 (first), B 2.0, A 3.0 (repeat).  Kept: A 1.0, B 2.0,
 * ranked B, A.  A is relevant, at rank 2: AP = 1/2, nDCG = (1/log2(3)) / 1 =
 * 0.630930, num_ret 2 (not 3).
 */
static void test_duplicate_docno_keeps_first(void **state)
{
    te_eval *ev = evaluate_texts(*state, "1 0 A 1\n",
                                 "1 Q0 A 1 1.0 t\n"
                                 "1 Q0 B 2 2.0 t\n"
                                 "1 Q0 A 3 3.0 t\n");
    const te_query_eval *q = query(ev, "1");
    assert_int_equal(q->num_ret, 2);
    assert_int_equal(q->num_rel_ret, 1);
    assert_near(q->map, 0.5);
    assert_near(q->ndcg_cut_10, 1.0 / log2(3.0));
    te_eval_free(ev);
}

/*
 * The cut-offs: 1005 documents r1..r1005 with scores 1005..1 (so rank i is
 * r<i>); relevant (rel 1): r1, r11, r1001 and the unretrieved x.  num_rel 4.
 *   AP      = (1/1 + 2/11 + 3/1001) / 4 = 1.184815 / 4 = 0.296204
 *   nDCG@10 = DCG 1 (r1) / IDCG (1 + 0.630930 + 0.5 + 0.430677 = 2.561606) = 0.390380
 *   P@10    = 1 / 10 (r11 is past the cut)
 *   R@1000  = 2 / 4 = 0.5 (r1001 is past the cut); num_rel_ret counts it: 3
 */
static void test_cutoffs(void **state)
{
    size_t cap = 1005 * 32;
    char *run = malloc(cap);
    assert_non_null(run);
    size_t len = 0;
    for (int i = 1; i <= 1005; i++)
        len += (size_t)snprintf(run + len, cap - len, "5 Q0 r%d %d %d.0 t\n", i, i, 1006 - i);
    te_eval *ev = evaluate_texts(*state,
                                 "5 0 r1 1\n"
                                 "5 0 r11 1\n"
                                 "5 0 r1001 1\n"
                                 "5 0 x 1\n",
                                 run);
    free(run);
    const te_query_eval *q = query(ev, "5");
    assert_int_equal(q->num_ret, 1005);
    assert_int_equal(q->num_rel, 4);
    assert_int_equal(q->num_rel_ret, 3);
    assert_near(q->map, (1.0 + 2.0 / 11.0 + 3.0 / 1001.0) / 4.0);
    double idcg = 1.0 + 1.0 / log2(3.0) + 0.5 + 1.0 / log2(5.0);
    assert_near(q->ndcg_cut_10, 1.0 / idcg);
    assert_near(q->p_10, 0.1);
    assert_near(q->recall_1000, 0.5);
    te_eval_free(ev);
}

/*
 * Lenient input: string qids, tabs, CRLF line ends, blank lines and
 * scientific-notation scores.  Query "Q-1": B (2.5e1 = 25) above A (3):
 * relevant A at rank 2: AP 0.5.  Query "q1" (another id: qids are strings)
 * has A at rank 1: AP 1.  Mean 0.75.
 */
static void test_string_qids_and_whitespace(void **state)
{
    te_eval *ev = evaluate_texts(*state,
                                 "Q-1\t0\tA\t1\r\n"
                                 "\n"
                                 "q1 0 A 1\r\n",
                                 "Q-1 Q0 A 1 3 t\r\n"
                                 "   \r\n"
                                 "Q-1\tQ0\tB\t2\t2.5e1\tt\r\n"
                                 "q1 Q0 A 1 -1.5 t\n");
    assert_int_equal(ev->num_q, 2);
    assert_near(query(ev, "Q-1")->map, 0.5);
    assert_near(query(ev, "q1")->map, 1.0);
    assert_near(ev->all.map, 0.75);
    te_eval_free(ev);
}

/* Read `text` as qrels (or as a run when `is_run`); assert TE_EFORMAT at `line` with "path:line:".
 */
static void expect_format_error(fixture *fx, int is_run, const char *text, long line)
{
    te_error err;
    const char *path = write_file(fx, is_run ? "bad.run" : "bad.qrels", text);
    te_status st;
    if (is_run) {
        te_run *run = NULL;
        st = te_run_read(path, &run, &err);
        assert_null(run);
    } else {
        te_qrels *qrels = NULL;
        st = te_qrels_read(path, &qrels, &err);
        assert_null(qrels);
    }
    assert_int_equal(st, TE_EFORMAT);
    assert_int_equal(err.status, TE_EFORMAT);
    assert_int_equal(err.line, line);
    char where[320];
    snprintf(where, sizeof(where), "%s:%ld: ", path, line);
    if (strncmp(err.msg, where, strlen(where)) != 0)
        print_error("message \"%s\" does not start with \"%s\"\n", err.msg, where);
    assert_int_equal(strncmp(err.msg, where, strlen(where)), 0);
    assert_null(strchr(err.msg, '\n'));
}

/*
 * Malformed qrels lines are reported with the file name and line number: a
 * line with 3 fields, a non-integer relevance, and a document judged twice for
 * one query (reported at the repeat, line 3).
 */
static void test_malformed_qrels(void **state)
{
    fixture *fx = *state;
    expect_format_error(fx, 0, "1 0 A 1\n1 0 B 1\n1 0 C\n", 3);
    expect_format_error(fx, 0, "1 0 A 1\n1 0 B 1.5\n", 2);
    expect_format_error(fx, 0, "1 0 A one\n", 1);
    expect_format_error(fx, 0, "1 0 A 1\n2 0 A 1\n1 0 A 0\n", 3);
    te_error err;
    te_qrels *qrels = NULL;
    assert_int_equal(te_qrels_read(write_file(fx, "q", "1 0 A 1 extra\n"), &qrels, &err),
                     TE_EFORMAT);
    assert_non_null(strstr(err.msg, "expected 4 fields"));
}

/*
 * Malformed run lines: 5 fields, a score that is not a number, a NaN score,
 * a non-integer rank; each names its line.
 */
static void test_malformed_run(void **state)
{
    fixture *fx = *state;
    expect_format_error(fx, 1, "1 Q0 A 1 1.0 t\n1 Q0 B 2 0.5\n", 2);
    expect_format_error(fx, 1, "1 Q0 A 1 high t\n", 1);
    expect_format_error(fx, 1, "\n\n1 Q0 A 1 nan t\n", 3);
    expect_format_error(fx, 1, "1 Q0 A 1 1.0 t\n1 Q0 B first 0.5 t\n", 2);
    te_error err;
    te_run *run = NULL;
    assert_int_equal(te_run_read(write_file(fx, "r", "1 Q0 A 1 1.0 t\n1 Q0 B 2 x t\n"), &run, &err),
                     TE_EFORMAT);
    assert_non_null(strstr(err.msg, "score \"x\""));
}

/*
 * Errors that are not about one line: a missing file (TE_EIO, names the
 * path), qrels without any relevant document (TE_EFORMAT from te_evaluate,
 * names the qrels file), and NULL arguments.  An empty run is fine: every
 * judged query scores 0.
 */
static void test_file_and_argument_errors(void **state)
{
    fixture *fx = *state;
    te_error err;
    te_qrels *qrels = NULL;
    te_run *run = NULL;
    te_eval *ev = NULL;
    char missing[320];
    snprintf(missing, sizeof(missing), "%s/no-such-file", fx->dir);
    assert_int_equal(te_qrels_read(missing, &qrels, &err), TE_EIO);
    assert_non_null(strstr(err.msg, missing));
    assert_int_equal(te_run_read(missing, &run, &err), TE_EIO);
    assert_int_equal(te_run_read(NULL, &run, &err), TE_EINVAL);

    char qpath[320];
    snprintf(qpath, sizeof(qpath), "%s", write_file(fx, "norel.qrels", "1 0 A 0\n2 0 B -2\n"));
    assert_int_equal(te_qrels_read(qpath, &qrels, &err), TE_OK);
    assert_int_equal(te_run_read(write_file(fx, "empty.run", ""), &run, &err), TE_OK);
    assert_int_equal(te_evaluate(qrels, run, &ev, &err), TE_EFORMAT);
    assert_null(ev);
    assert_non_null(strstr(err.msg, qpath));
    te_qrels_free(qrels);
    assert_int_equal(te_evaluate(NULL, run, &ev, NULL), TE_EINVAL);

    assert_int_equal(te_qrels_read(write_file(fx, "ok.qrels", "1 0 A 1\n"), &qrels, &err), TE_OK);
    assert_int_equal(te_evaluate(qrels, run, &ev, &err), TE_OK);
    assert_int_equal(ev->num_q, 1);
    assert_int_equal(ev->num_q_in_run, 0);
    assert_near(ev->all.map, 0.0);
    assert_string_equal(ev->runid, "");
    te_eval_free(ev);
    te_run_free(run);
    te_qrels_free(qrels);
}

/* Run `cmd` through the shell; returns its exit status, or -1 when it did not exit. */
static int run_command(const char *cmd)
{
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc)) return -1;
    return WEXITSTATUS(rc);
}

/* Read up to size - 1 bytes of `path` into `buf` as a string. */
static void read_text(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
}

/*
 * The spasm-eval program (skipped when $SPASM_TEST_BUILD/bin/spasm-eval is
 * not built): the five-document example prints "map ... all 0.7556" and
 * exits 0; a run with a bad line 2 exits 2 with one stderr line naming
 * "run.txt:2:"; a wrong argument count exits 2.
 */
static void test_cli(void **state)
{
    fixture *fx = *state;
    const char *build = getenv("SPASM_TEST_BUILD");
    char prog[256];
    snprintf(prog, sizeof(prog), "%s/bin/spasm-eval", build != NULL ? build : "build");
    if (access(prog, X_OK) != 0) {
        print_message("spasm-eval not built (%s): skipped\n", prog);
        skip();
    }
    char qrels[320], run[320], cmd[2048], out[4096];
    snprintf(qrels, sizeof(qrels), "%s", write_file(fx, "qrels.txt", five_qrels));
    snprintf(run, sizeof(run), "%s", write_file(fx, "run.txt", five_run));
    snprintf(cmd, sizeof(cmd), "'%s' -q '%s' '%s' >'%s/out' 2>'%s/err'", prog, qrels, run, fx->dir,
             fx->dir);
    assert_int_equal(run_command(cmd), 0);
    char path[320];
    snprintf(path, sizeof(path), "%s/out", fx->dir);
    read_text(path, out, sizeof(out));
    assert_non_null(strstr(out, "map                   \t1\t0.7556\n"));
    assert_non_null(strstr(out, "map                   \tall\t0.7556\n"));
    assert_non_null(strstr(out, "ndcg_cut_10           \tall\t0.9220\n"));
    assert_non_null(strstr(out, "num_q                 \tall\t1\n"));

    write_file(fx, "run.txt", "1 Q0 A 1 5.0 t\n1 Q0 B 2\n");
    assert_int_equal(run_command(cmd), 2);
    snprintf(path, sizeof(path), "%s/err", fx->dir);
    read_text(path, out, sizeof(out));
    assert_non_null(strstr(out, "run.txt:2: "));
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0'); /* exactly one line */

    snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>/dev/null", prog, qrels);
    assert_int_equal(run_command(cmd), 2);
}

/* Run every test in one group; returns the number of failed tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_five_doc_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties_broken_by_docno_descending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_judged_query_without_results_scores_zero, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unjudged_and_unknown_queries_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_and_negative_relevance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_docno_keeps_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cutoffs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_qids_and_whitespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_qrels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_and_argument_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
