/*
 * trec_eval.c -- the trec_eval 9.x measures map, ndcg_cut_10, P_10 and
 * recall_1000 over the records trec_files.c reads.  See trec_eval.h.
 */
#include "trec_files.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Evaluation ---- */

/* Order judgments by docno (within one query). */
static int cmp_judgment_docno(const void *a, const void *b)
{
    return strcmp(((const te_judgment *)a)->docno, ((const te_judgment *)b)->docno);
}

/* Order relevance values descending. */
static int cmp_long_desc(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x < y) - (x > y);
}

/* Return the relevance of `docno` in the judgments `j[0..n)` (sorted by docno), 0 if unjudged. */
static long relevance_of(const te_judgment *j, size_t n, const char *docno)
{
    te_judgment key = {NULL, docno, 0, 0};
    const te_judgment *hit = bsearch(&key, j, n, sizeof(*j), cmp_judgment_docno);
    return hit != NULL ? hit->rel : 0;
}

/*
 * Score one query: `j[0..nj)` are its judgments (sorted by docno), `res[0..nr)`
 * its run lines in file order (reordered here), `gains` scratch for nj longs.
 * Fills every field of `qe` but qid.
 */
static void score_query(const te_judgment *j, size_t nj, te_result *res, size_t nr, long *gains,
                        te_query_eval *qe)
{
    /* Relevant documents and the ideal DCG@10. */
    size_t ng = 0;
    for (size_t i = 0; i < nj; i++)
        if (j[i].rel > 0) gains[ng++] = j[i].rel;
    qsort(gains, ng, sizeof(*gains), cmp_long_desc);
    double idcg = 0.0;
    for (size_t i = 0; i < ng && i < TE_NDCG_CUT; i++)
        idcg += (double)gains[i] / log2((double)i + 2.0);

    /* Drop repeated docnos, keeping the first line, then rank like trec_eval. */
    qsort(res, nr, sizeof(*res), te_cmp_result_docno_line);
    size_t n = 0;
    for (size_t i = 0; i < nr; i++)
        if (n == 0 || strcmp(res[n - 1].docno, res[i].docno) != 0) res[n++] = res[i];
    qsort(res, n, sizeof(*res), te_cmp_result_rank);

    long rel_ret = 0, rel_p = 0, rel_recall = 0;
    double ap_sum = 0.0, dcg = 0.0;
    for (size_t i = 0; i < n; i++) {
        long rel = relevance_of(j, nj, res[i].docno);
        if (rel <= 0) continue;
        rel_ret++;
        ap_sum += (double)rel_ret / (double)(i + 1);
        if (i < TE_NDCG_CUT) dcg += (double)rel / log2((double)i + 2.0);
        if (i < TE_P_CUT) rel_p++;
        if (i < TE_RECALL_CUT) rel_recall++;
    }
    qe->num_ret = (long)n;
    qe->num_rel = (long)ng;
    qe->num_rel_ret = rel_ret;
    qe->map = ng ? ap_sum / (double)ng : 0.0;
    qe->ndcg_cut_10 = idcg > 0.0 ? dcg / idcg : 0.0;
    qe->p_10 = (double)rel_p / TE_P_CUT;
    qe->recall_1000 = ng ? (double)rel_recall / (double)ng : 0.0;
}

/* Free an evaluation and its qids (NULL is allowed). */
void te_eval_free(te_eval *ev)
{
    if (ev == NULL) return;
    for (size_t i = 0; i < ev->num_q; i++) free(ev->queries[i].qid);
    free(ev->queries);
    free(ev->all.qid);
    free(ev->runid);
    free(ev);
}

/* Return a malloc'd copy of `s`, or NULL. */
static char *copy_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = malloc(len);
    if (p != NULL) memcpy(p, s, len);
    return p;
}

/* Return whether query span `s` of `q` has a judgment with rel > 0. */
static int has_relevant(const te_qrels *q, const te_span *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (q->recs[s->start + i].rel > 0) return 1;
    return 0;
}

/* Score every judged query of `qrels` on `run`; returns TE_OK and sets *out, or an error code. */
te_status te_evaluate(const te_qrels *qrels, const te_run *run, te_eval **out, te_error *err)
{
    te_clear_error(err);
    if (out != NULL) *out = NULL;
    if (qrels == NULL || run == NULL || out == NULL)
        return te_set_error(err, TE_EINVAL, 0, "te_evaluate: NULL argument");

    size_t num_q = 0, max_j = 0, max_r = 0;
    for (size_t i = 0; i < qrels->num_queries; i++) {
        const te_span *s = &qrels->queries[i];
        if (!has_relevant(qrels, s)) continue;
        num_q++;
        if (s->count > max_j) max_j = s->count;
        const te_span *rs = te_find_span(run->queries, run->num_queries, s->qid);
        if (rs != NULL && rs->count > max_r) max_r = rs->count;
    }
    if (num_q == 0)
        return te_set_error(err, TE_EFORMAT, 0, "%s: no query has a relevant document (rel > 0)",
                            qrels->name);

    te_eval *ev = calloc(1, sizeof(*ev));
    long *gains = malloc((max_j ? max_j : 1) * sizeof(*gains));
    te_result *scratch = malloc((max_r ? max_r : 1) * sizeof(*scratch));
    if (ev == NULL || gains == NULL || scratch == NULL) goto oom;
    ev->queries = calloc(num_q, sizeof(*ev->queries));
    ev->all.qid = copy_string("all");
    ev->runid = copy_string(run->runid != NULL ? run->runid : "");
    if (ev->queries == NULL || ev->all.qid == NULL || ev->runid == NULL) goto oom;

    te_query_eval *all = &ev->all;
    for (size_t i = 0; i < qrels->num_queries; i++) {
        const te_span *s = &qrels->queries[i];
        if (!has_relevant(qrels, s)) continue;
        te_query_eval *qe = &ev->queries[ev->num_q];
        if ((qe->qid = copy_string(s->qid)) == NULL) goto oom;
        ev->num_q++;
        const te_span *rs = te_find_span(run->queries, run->num_queries, s->qid);
        size_t nr = rs != NULL ? rs->count : 0;
        if (nr > 0) {
            memcpy(scratch, &run->recs[rs->start], nr * sizeof(*scratch));
            ev->num_q_in_run++;
        }
        score_query(&qrels->recs[s->start], s->count, scratch, nr, gains, qe);
        all->num_ret += qe->num_ret;
        all->num_rel += qe->num_rel;
        all->num_rel_ret += qe->num_rel_ret;
        all->map += qe->map;
        all->ndcg_cut_10 += qe->ndcg_cut_10;
        all->p_10 += qe->p_10;
        all->recall_1000 += qe->recall_1000;
    }
    all->map /= (double)ev->num_q;
    all->ndcg_cut_10 /= (double)ev->num_q;
    all->p_10 /= (double)ev->num_q;
    all->recall_1000 /= (double)ev->num_q;
    free(gains);
    free(scratch);
    *out = ev;
    return TE_OK;

oom:
    free(gains);
    free(scratch);
    te_eval_free(ev);
    return te_set_error(err, TE_ENOMEM, 0, "evaluation: out of memory");
}

/* Compare a qid key with an evaluated query (for bsearch). */
static int cmp_qid_query_eval(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const te_query_eval *)elem)->qid);
}

/* Binary-search the evaluated queries for `qid`; returns its scores or NULL. */
const te_query_eval *te_eval_find(const te_eval *ev, const char *qid)
{
    if (ev == NULL || qid == NULL || ev->num_q == 0) return NULL;
    return bsearch(qid, ev->queries, ev->num_q, sizeof(*ev->queries), cmp_qid_query_eval);
}

/* ---- Output ---- */

/* Print the measures of one query (or "all") in trec_eval's order; returns 0 or -1. */
static int print_measures(FILE *fp, const te_query_eval *qe)
{
    int bad = 0;
    bad |= fprintf(fp, "%-22s\t%s\t%ld\n", "num_ret", qe->qid, qe->num_ret) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%ld\n", "num_rel", qe->qid, qe->num_rel) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%ld\n", "num_rel_ret", qe->qid, qe->num_rel_ret) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%6.4f\n", "map", qe->qid, qe->map) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%6.4f\n", "P_10", qe->qid, qe->p_10) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%6.4f\n", "recall_1000", qe->qid, qe->recall_1000) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%6.4f\n", "ndcg_cut_10", qe->qid, qe->ndcg_cut_10) < 0;
    return bad ? -1 : 0;
}

/* Print `ev` in trec_eval's format; returns TE_OK, TE_EINVAL or TE_EIO. */
te_status te_eval_print(FILE *fp, const te_eval *ev, int per_query)
{
    if (fp == NULL || ev == NULL) return TE_EINVAL;
    int bad = 0;
    if (per_query)
        for (size_t i = 0; i < ev->num_q; i++) bad |= print_measures(fp, &ev->queries[i]);
    bad |= fprintf(fp, "%-22s\t%s\t%s\n", "runid", "all", ev->runid) < 0;
    bad |= fprintf(fp, "%-22s\t%s\t%zu\n", "num_q", "all", ev->num_q) < 0;
    bad |= print_measures(fp, &ev->all);
    bad |= fflush(fp) != 0;
    return bad || ferror(fp) ? TE_EIO : TE_OK;
}
