/*
 * trec_eval.h -- a small re-implementation of the parts of trec_eval 9.x
 * that spasm-search's relevance evaluation needs: read TREC qrels and a
 * TREC run, and compute map, ndcg_cut_10, P_10 and recall_1000 per query
 * and as the mean over queries.
 *
 * Definitions (as trec_eval 9.x computes them, run with -c):
 *
 *   - A document is relevant when its qrels relevance is > 0.  Relevance 0
 *     or negative means "judged nonrelevant"; unjudged documents are
 *     nonrelevant too.
 *   - The run is re-sorted per query by score descending, ties broken by
 *     docno in descending strcmp() order; the rank column is ignored.  When
 *     a docno appears twice for one query, the first line wins and the
 *     later ones are dropped (trec_eval refuses such runs instead).
 *   - map: average precision = sum of the precision at the rank of each
 *     relevant retrieved document / number of relevant documents in qrels.
 *   - ndcg_cut_10: DCG@10 / ideal DCG@10 with gain = the qrels relevance
 *     value and discount 1 / log2(rank + 1); the ideal ranking is every
 *     relevance value > 0 of the query's qrels sorted descending.
 *   - P_10: relevant documents in the top 10 / 10.
 *   - recall_1000: relevant documents in the top 1000 / relevant in qrels.
 *   - The evaluated queries are the qrels queries with at least one relevant
 *     document.  A query with no relevant document is ignored; a judged
 *     query that the run lacks scores 0 everywhere and counts in the mean
 *     (trec_eval -c); run queries absent from the qrels are ignored.
 *
 * Query ids and docnos are arbitrary strings without whitespace; they are
 * compared with strcmp(), never as numbers.
 *
 * Errors: every function that can fail returns a te_status and, when given
 * a te_error, fills it with one line naming the file and line at fault,
 * e.g. "run.txt:12: score \"abc\" is not a number".  Nothing here exits or
 * aborts, and there is no global state.
 */
#ifndef SPASM_TREC_EVAL_H
#define SPASM_TREC_EVAL_H

#include <stdio.h>
#include <stddef.h>

/* Result codes. */
typedef enum te_status {
    TE_OK = 0,
    TE_EIO = 1,     /* a file could not be opened or read */
    TE_EFORMAT = 2, /* a malformed line, or qrels with nothing to evaluate */
    TE_ENOMEM = 3,  /* out of memory */
    TE_EINVAL = 4   /* a NULL argument */
} te_status;

/* An error description: one line, no trailing newline. */
typedef struct te_error {
    te_status status;
    long line; /* 1-based line number at fault, 0 when not about a line */
    char msg[1024];
} te_error;

/* Relevance judgments, read from a qrels file (opaque). */
typedef struct te_qrels te_qrels;

/* A run, read from a TREC run file (opaque). */
typedef struct te_run te_run;

/* The scores of one query, or the means over all queries (qid "all"). */
typedef struct te_query_eval {
    char *qid;
    long num_ret;     /* documents retrieved (duplicates dropped) */
    long num_rel;     /* relevant documents in the qrels */
    long num_rel_ret; /* relevant documents retrieved, at any rank */
    double map;
    double ndcg_cut_10;
    double p_10;
    double recall_1000;
} te_query_eval;

/* The evaluation of a run against qrels. */
typedef struct te_eval {
    te_query_eval *queries; /* one per evaluated query, sorted by strcmp(qid) */
    size_t num_q;           /* number of evaluated queries (>= 1) */
    size_t num_q_in_run;    /* of those, how many the run has results for */
    te_query_eval all;      /* means over queries; counts are sums */
    char *runid;            /* the tag of the run's first line ("" if empty) */
} te_eval;

/* Return a generic description of a status code (a static string). */
const char *te_strstatus(te_status status);

/*
 * Read qrels lines "qid iter docno rel" from `fp`; `name` is used in error
 * messages.  Blank lines are skipped; rel must be an integer.  A docno
 * judged twice for one query is an error.  Returns TE_OK and sets *out, or
 * an error code (with *out NULL and `err` filled when not NULL).
 */
te_status te_qrels_read_stream(FILE *fp, const char *name, te_qrels **out, te_error *err);

/* Open `path` and read it as qrels (see te_qrels_read_stream). */
te_status te_qrels_read(const char *path, te_qrels **out, te_error *err);

/* Free qrels (NULL is allowed). */
void te_qrels_free(te_qrels *qrels);

/*
 * Read run lines "qid Q0 docno rank score tag" from `fp`; `name` is used in
 * error messages.  Blank lines are skipped; rank must be an integer and
 * score a finite number.  Returns TE_OK and sets *out, or an error code
 * (with *out NULL and `err` filled when not NULL).
 */
te_status te_run_read_stream(FILE *fp, const char *name, te_run **out, te_error *err);

/* Open `path` and read it as a run (see te_run_read_stream). */
te_status te_run_read(const char *path, te_run **out, te_error *err);

/* Free a run (NULL is allowed). */
void te_run_free(te_run *run);

/*
 * Evaluate `run` against `qrels`.  Returns TE_OK and sets *out (free it with
 * te_eval_free), TE_EFORMAT when the qrels have no query with a relevant
 * document, or TE_ENOMEM.
 */
te_status te_evaluate(const te_qrels *qrels, const te_run *run, te_eval **out, te_error *err);

/* Find the scores of query `qid` in `ev`; returns NULL when it was not evaluated. */
const te_query_eval *te_eval_find(const te_eval *ev, const char *qid);

/* Free an evaluation (NULL is allowed). */
void te_eval_free(te_eval *ev);

/*
 * Print `ev` in trec_eval's format ("%-22s\t%s\t%6.4f" lines): per query
 * first when `per_query` is non-zero, then the "all" lines.  Returns TE_OK,
 * or TE_EIO when writing failed.
 */
te_status te_eval_print(FILE *fp, const te_eval *ev, int per_query);

#endif
