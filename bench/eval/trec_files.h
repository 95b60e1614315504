/*
 * trec_files.h -- internal to spasm-eval: the records that trec_files.c
 * reads from qrels and run files and trec_eval.c scores.
 */
#ifndef TREC_FILES_H
#define TREC_FILES_H

#include <stddef.h>

#include "trec_eval.h"

#if defined(__GNUC__)
#define TE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TE_PRINTF(a, b)
#endif

/* Cut-offs of the measures. */
enum { TE_NDCG_CUT = 10, TE_P_CUT = 10, TE_RECALL_CUT = 1000 };

/* One block of the string pool. */
typedef struct te_chunk {
    struct te_chunk *next;
    size_t used;
    size_t cap;
    char data[];
} te_chunk;

/* Strings that live as long as the qrels or run that own them. */
typedef struct te_pool {
    te_chunk *head;
} te_pool;

/* ---- Records ---- */

/* One qrels line. */
typedef struct te_judgment {
    const char *qid;
    const char *docno;
    long rel;
    long line;
} te_judgment;

/* One run line. */
typedef struct te_result {
    const char *qid;
    const char *docno;
    double score;
    long line;
} te_result;

/* A query's slice of the sorted records. */
typedef struct te_span {
    const char *qid;
    size_t start;
    size_t count;
} te_span;

struct te_qrels {
    te_pool pool;
    const char *name;  /* the file name, for messages */
    te_judgment *recs; /* sorted by (qid, docno) */
    size_t n;
    te_span *queries; /* sorted by qid */
    size_t num_queries;
};

struct te_run {
    te_pool pool;
    te_result *recs; /* sorted by (qid, line) */
    size_t n;
    te_span *queries; /* sorted by qid */
    size_t num_queries;
    const char *runid;
};

/* Set *err (if not NULL) and return status; line 0 means no line number. */
te_status te_set_error(te_error *err, te_status status, long line, const char *fmt, ...)
    TE_PRINTF(4, 5);

/* Clear *err (if not NULL) to "no error". */
void te_clear_error(te_error *err);

/* The span of query `qid` in spans[0, n) (sorted by qid), or NULL. */
const te_span *te_find_span(const te_span *spans, size_t n, const char *qid);

/* qsort orders for run records: by docno then line, and by trec_eval's rank
 * (score descending, then docno descending). */
int te_cmp_result_docno_line(const void *a, const void *b);
int te_cmp_result_rank(const void *a, const void *b);

#endif
