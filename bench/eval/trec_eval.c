/*
 * trec_eval.c -- TREC qrels and run readers and the trec_eval 9.x measures
 * map, ndcg_cut_10, P_10 and recall_1000.  See trec_eval.h.
 *
 * Layout: every line becomes one record whose strings live in a chunked
 * string pool.  After reading, qrels records are sorted by (qid, docno) and
 * run records by (qid, line), and each file gets an index of its queries
 * (sorted by qid), so evaluation is a walk over the qrels queries with a
 * binary search into the run's queries and into each query's judgments.
 */
#include "trec_eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define TE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TE_PRINTF(a, b)
#endif

/* Cut-offs of the measures. */
enum { TE_NDCG_CUT = 10, TE_P_CUT = 10, TE_RECALL_CUT = 1000 };

/* Longest field quoted in an error message. */
#define TE_QUOTE_MAX 40

/* ---- String pool ---- */

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

/* Copy `len` bytes of `s` plus a NUL into the pool; returns the copy or NULL. */
static char *pool_add(te_pool *pool, const char *s, size_t len)
{
    te_chunk *c = pool->head;
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL) return NULL;
        c->next = pool->head;
        c->used = 0;
        c->cap = cap;
        pool->head = c;
    }
    char *dst = c->data + c->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    c->used += len + 1;
    return dst;
}

/* Free every block of the pool. */
static void pool_free(te_pool *pool)
{
    te_chunk *c = pool->head;
    while (c != NULL) {
        te_chunk *next = c->next;
        free(c);
        c = next;
    }
    pool->head = NULL;
}

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

/* ---- Errors ---- */

static te_status set_error(te_error *err, te_status status, long line, const char *fmt, ...)
    TE_PRINTF(4, 5);

/* Fill `err` (when not NULL) with a status, a line number and a message; returns `status`. */
static te_status set_error(te_error *err, te_status status, long line, const char *fmt, ...)
{
    if (err == NULL) return status;
    err->status = status;
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return status;
}

/* Clear `err` (when not NULL) to "no error". */
static void clear_error(te_error *err)
{
    if (err == NULL) return;
    err->status = TE_OK;
    err->line = 0;
    err->msg[0] = '\0';
}

/* Return a generic description of `status` (a static string). */
const char *te_strstatus(te_status status)
{
    switch (status) {
    case TE_OK:
        return "no error";
    case TE_EIO:
        return "input/output error";
    case TE_EFORMAT:
        return "malformed input";
    case TE_ENOMEM:
        return "out of memory";
    case TE_EINVAL:
        return "invalid argument";
    }
    return "unknown error";
}

/* ---- Line parsing ---- */

/* Split `line` in place at blanks into at most `max` fields; returns the field count. */
static size_t split_fields(char *line, char **fields, size_t max)
{
    static const char blanks[] = " \t\r\n\v\f";
    size_t n = 0;
    char *p = line;
    for (;;) {
        p += strspn(p, blanks);
        if (*p == '\0') break;
        char *end = p + strcspn(p, blanks);
        if (n < max) fields[n] = p;
        n++;
        if (*end == '\0') break;
        *end = '\0';
        p = end + 1;
    }
    return n;
}

/* Parse all of `s` as a decimal long; returns 1 on success, 0 otherwise. */
static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

/* Parse all of `s` as a finite double; returns 1 on success, 0 otherwise. */
static int parse_score(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* Grow the array `*arr` of `size`-byte items to hold at least n + 1; returns 0 or -1. */
static int reserve_one(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 1024;
    if (ncap > SIZE_MAX / size) return -1;
    void *p = realloc(*arr, ncap * size);
    if (p == NULL) return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ---- Sorting and query spans ---- */

/* Order judgments by qid, then docno, then line. */
static int cmp_judgment(const void *a, const void *b)
{
    const te_judgment *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    if (c != 0) return c;
    c = strcmp(x->docno, y->docno);
    if (c != 0) return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* Order run lines by qid, then line. */
static int cmp_result_qid_line(const void *a, const void *b)
{
    const te_result *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    if (c != 0) return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* Order run lines by docno, then line (to find the first of duplicates). */
static int cmp_result_docno_line(const void *a, const void *b)
{
    const te_result *x = a, *y = b;
    int c = strcmp(x->docno, y->docno);
    if (c != 0) return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* trec_eval's ranking: score descending, then docno in descending strcmp() order. */
static int cmp_result_rank(const void *a, const void *b)
{
    const te_result *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return strcmp(y->docno, x->docno);
}

/* Order spans by qid. */
static int cmp_span(const void *a, const void *b)
{
    return strcmp(((const te_span *)a)->qid, ((const te_span *)b)->qid);
}

/*
 * Build the spans of records sorted by qid: `qid_at(recs, i)` gives record i's
 * qid.  Returns 0 and sets *spans / *num, or -1 when out of memory.
 */
static int build_spans(const void *recs, size_t n, const char *(*qid_at)(const void *, size_t),
                       te_span **spans, size_t *num)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(qid_at(recs, i), qid_at(recs, i - 1)) != 0) count++;
    te_span *s = malloc((count ? count : 1) * sizeof(*s));
    if (s == NULL) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(qid_at(recs, i), qid_at(recs, i - 1)) != 0) {
            s[k].qid = qid_at(recs, i);
            s[k].start = i;
            s[k].count = 0;
            k++;
        }
        s[k - 1].count++;
    }
    *spans = s;
    *num = count;
    return 0;
}

/* The qid of judgment i. */
static const char *judgment_qid(const void *recs, size_t i)
{
    return ((const te_judgment *)recs)[i].qid;
}

/* The qid of run line i. */
static const char *result_qid(const void *recs, size_t i)
{
    return ((const te_result *)recs)[i].qid;
}

/* Find the span of `qid`; returns it or NULL. */
static const te_span *find_span(const te_span *spans, size_t n, const char *qid)
{
    te_span key = {qid, 0, 0};
    if (n == 0) return NULL;
    return bsearch(&key, spans, n, sizeof(*spans), cmp_span);
}

/* ---- Qrels ---- */

/* Report an out-of-memory error while reading `name`. */
static te_status nomem(te_error *err, const char *name)
{
    return set_error(err, TE_ENOMEM, 0, "%s: out of memory", name);
}

/* Report a read error on `name` (errno set by the failed call). */
static te_status read_error(te_error *err, const char *name)
{
    return set_error(err, TE_EIO, 0, "%s: read error: %s", name, strerror(errno));
}

/* Free qrels and their strings (NULL is allowed). */
void te_qrels_free(te_qrels *qrels)
{
    if (qrels == NULL) return;
    pool_free(&qrels->pool);
    free(qrels->recs);
    free(qrels->queries);
    free(qrels);
}

/* Parse one qrels line into `q`; returns TE_OK or TE_EFORMAT / TE_ENOMEM with `err` filled. */
static te_status parse_qrels_line(te_qrels *q, size_t *cap, char *line, long lineno,
                                  const char *name, te_error *err)
{
    char *f[4];
    size_t nf = split_fields(line, f, 4);
    if (nf == 0) return TE_OK;
    if (nf != 4)
        return set_error(err, TE_EFORMAT, lineno,
                         "%s:%ld: expected 4 fields \"qid iter docno rel\", found %zu", name,
                         lineno, nf);
    long rel;
    if (!parse_long(f[3], &rel))
        return set_error(err, TE_EFORMAT, lineno, "%s:%ld: relevance \"%.*s\" is not an integer",
                         name, lineno, TE_QUOTE_MAX, f[3]);
    if (reserve_one((void **)&q->recs, cap, q->n, sizeof(*q->recs)) != 0) return nomem(err, name);
    te_judgment *j = &q->recs[q->n];
    /* Consecutive lines usually share the qid: reuse the previous copy. */
    if (q->n > 0 && strcmp(q->recs[q->n - 1].qid, f[0]) == 0)
        j->qid = q->recs[q->n - 1].qid;
    else
        j->qid = pool_add(&q->pool, f[0], strlen(f[0]));
    j->docno = pool_add(&q->pool, f[2], strlen(f[2]));
    if (j->qid == NULL || j->docno == NULL) return nomem(err, name);
    j->rel = rel;
    j->line = lineno;
    q->n++;
    return TE_OK;
}

/* Sort the judgments, reject a docno judged twice for one query, and index the queries. */
static te_status finish_qrels(te_qrels *q, const char *name, te_error *err)
{
    if (q->n > 1) qsort(q->recs, q->n, sizeof(*q->recs), cmp_judgment);
    const te_judgment *dup = NULL, *first = NULL;
    for (size_t i = 1; i < q->n; i++) {
        const te_judgment *a = &q->recs[i - 1], *b = &q->recs[i];
        if (strcmp(a->qid, b->qid) == 0 && strcmp(a->docno, b->docno) == 0 &&
            (dup == NULL || b->line < dup->line)) {
            dup = b;
            first = a;
        }
    }
    if (dup != NULL) {
        /* The earliest repeat is the second of its group, so `first` is the group's first. */
        return set_error(err, TE_EFORMAT, dup->line,
                         "%s:%ld: query %.*s judges document %.*s again (first at line %ld)", name,
                         dup->line, TE_QUOTE_MAX, dup->qid, TE_QUOTE_MAX, dup->docno, first->line);
    }
    if (build_spans(q->recs, q->n, judgment_qid, &q->queries, &q->num_queries) != 0)
        return nomem(err, name);
    return TE_OK;
}

/* Read qrels from `fp` (see trec_eval.h); returns TE_OK and sets *out, or an error code. */
te_status te_qrels_read_stream(FILE *fp, const char *name, te_qrels **out, te_error *err)
{
    clear_error(err);
    if (out != NULL) *out = NULL;
    if (fp == NULL || out == NULL)
        return set_error(err, TE_EINVAL, 0, "te_qrels_read_stream: NULL argument");
    if (name == NULL) name = "qrels";
    te_qrels *q = calloc(1, sizeof(*q));
    if (q == NULL) return nomem(err, name);
    if ((q->name = pool_add(&q->pool, name, strlen(name))) == NULL) {
        free(q);
        return nomem(err, name);
    }
    size_t cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    long lineno = 0;
    te_status st = TE_OK;
    errno = 0;
    while (getline(&line, &linecap, fp) != -1) {
        lineno++;
        st = parse_qrels_line(q, &cap, line, lineno, name, err);
        if (st != TE_OK) break;
        errno = 0;
    }
    if (st == TE_OK && ferror(fp)) st = read_error(err, name);
    if (st == TE_OK && errno == ENOMEM) st = nomem(err, name);
    free(line);
    if (st == TE_OK) st = finish_qrels(q, name, err);
    if (st != TE_OK) {
        te_qrels_free(q);
        return st;
    }
    *out = q;
    return TE_OK;
}

/* Read the qrels file `path`; returns TE_OK and sets *out, or an error code. */
te_status te_qrels_read(const char *path, te_qrels **out, te_error *err)
{
    clear_error(err);
    if (out != NULL) *out = NULL;
    if (path == NULL || out == NULL)
        return set_error(err, TE_EINVAL, 0, "te_qrels_read: NULL argument");
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return set_error(err, TE_EIO, 0, "%s: %s", path, strerror(errno));
    te_status st = te_qrels_read_stream(fp, path, out, err);
    fclose(fp);
    return st;
}

/* ---- Run ---- */

/* Free a run and its strings (NULL is allowed). */
void te_run_free(te_run *run)
{
    if (run == NULL) return;
    pool_free(&run->pool);
    free(run->recs);
    free(run->queries);
    free(run);
}

/* Parse one run line into `r`; returns TE_OK or TE_EFORMAT / TE_ENOMEM with `err` filled. */
static te_status parse_run_line(te_run *r, size_t *cap, char *line, long lineno, const char *name,
                                te_error *err)
{
    char *f[6];
    size_t nf = split_fields(line, f, 6);
    if (nf == 0) return TE_OK;
    if (nf != 6)
        return set_error(err, TE_EFORMAT, lineno,
                         "%s:%ld: expected 6 fields \"qid Q0 docno rank score tag\", found %zu",
                         name, lineno, nf);
    long rank;
    double score;
    if (!parse_long(f[3], &rank))
        return set_error(err, TE_EFORMAT, lineno, "%s:%ld: rank \"%.*s\" is not an integer", name,
                         lineno, TE_QUOTE_MAX, f[3]);
    if (!parse_score(f[4], &score))
        return set_error(err, TE_EFORMAT, lineno, "%s:%ld: score \"%.*s\" is not a finite number",
                         name, lineno, TE_QUOTE_MAX, f[4]);
    if (reserve_one((void **)&r->recs, cap, r->n, sizeof(*r->recs)) != 0) return nomem(err, name);
    te_result *res = &r->recs[r->n];
    if (r->n > 0 && strcmp(r->recs[r->n - 1].qid, f[0]) == 0)
        res->qid = r->recs[r->n - 1].qid;
    else
        res->qid = pool_add(&r->pool, f[0], strlen(f[0]));
    res->docno = pool_add(&r->pool, f[2], strlen(f[2]));
    if (res->qid == NULL || res->docno == NULL) return nomem(err, name);
    if (r->runid == NULL && (r->runid = pool_add(&r->pool, f[5], strlen(f[5]))) == NULL)
        return nomem(err, name);
    res->score = score;
    res->line = lineno;
    r->n++;
    return TE_OK;
}

/* Read a run from `fp` (see trec_eval.h); returns TE_OK and sets *out, or an error code. */
te_status te_run_read_stream(FILE *fp, const char *name, te_run **out, te_error *err)
{
    clear_error(err);
    if (out != NULL) *out = NULL;
    if (fp == NULL || out == NULL)
        return set_error(err, TE_EINVAL, 0, "te_run_read_stream: NULL argument");
    if (name == NULL) name = "run";
    te_run *r = calloc(1, sizeof(*r));
    if (r == NULL) return nomem(err, name);
    size_t cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    long lineno = 0;
    te_status st = TE_OK;
    errno = 0;
    while (getline(&line, &linecap, fp) != -1) {
        lineno++;
        st = parse_run_line(r, &cap, line, lineno, name, err);
        if (st != TE_OK) break;
        errno = 0;
    }
    if (st == TE_OK && ferror(fp)) st = read_error(err, name);
    if (st == TE_OK && errno == ENOMEM) st = nomem(err, name);
    free(line);
    if (st == TE_OK) {
        if (r->n > 1) qsort(r->recs, r->n, sizeof(*r->recs), cmp_result_qid_line);
        if (build_spans(r->recs, r->n, result_qid, &r->queries, &r->num_queries) != 0)
            st = nomem(err, name);
    }
    if (st != TE_OK) {
        te_run_free(r);
        return st;
    }
    *out = r;
    return TE_OK;
}

/* Read the run file `path`; returns TE_OK and sets *out, or an error code. */
te_status te_run_read(const char *path, te_run **out, te_error *err)
{
    clear_error(err);
    if (out != NULL) *out = NULL;
    if (path == NULL || out == NULL)
        return set_error(err, TE_EINVAL, 0, "te_run_read: NULL argument");
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return set_error(err, TE_EIO, 0, "%s: %s", path, strerror(errno));
    te_status st = te_run_read_stream(fp, path, out, err);
    fclose(fp);
    return st;
}

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
    qsort(res, nr, sizeof(*res), cmp_result_docno_line);
    size_t n = 0;
    for (size_t i = 0; i < nr; i++)
        if (n == 0 || strcmp(res[n - 1].docno, res[i].docno) != 0) res[n++] = res[i];
    qsort(res, n, sizeof(*res), cmp_result_rank);

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
    clear_error(err);
    if (out != NULL) *out = NULL;
    if (qrels == NULL || run == NULL || out == NULL)
        return set_error(err, TE_EINVAL, 0, "te_evaluate: NULL argument");

    size_t num_q = 0, max_j = 0, max_r = 0;
    for (size_t i = 0; i < qrels->num_queries; i++) {
        const te_span *s = &qrels->queries[i];
        if (!has_relevant(qrels, s)) continue;
        num_q++;
        if (s->count > max_j) max_j = s->count;
        const te_span *rs = find_span(run->queries, run->num_queries, s->qid);
        if (rs != NULL && rs->count > max_r) max_r = rs->count;
    }
    if (num_q == 0)
        return set_error(err, TE_EFORMAT, 0, "%s: no query has a relevant document (rel > 0)",
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
        const te_span *rs = find_span(run->queries, run->num_queries, s->qid);
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
    return set_error(err, TE_ENOMEM, 0, "evaluation: out of memory");
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
