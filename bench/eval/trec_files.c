/*
 * trec_files.c -- reading TREC qrels and run files for spasm-eval.
 *
 * Every line becomes one record whose strings live in a chunked string
 * pool.  After reading, qrels records are sorted by (qid, docno) and run
 * records by (qid, line), and each file gets an index of its queries
 * (sorted by qid), so that trec_eval.c can walk the qrels queries with a
 * binary search into the run's queries and into each query's judgments.
 */
#include "trec_files.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Longest field quoted in an error message. */
#define TE_QUOTE_MAX 40

/* ---- String pool ---- */

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

/* ---- Errors ---- */

/* Fill `err` (when not NULL) with a status, a line number and a message; returns `status`. */
te_status te_set_error(te_error *err, te_status status, long line, const char *fmt, ...)
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
void te_clear_error(te_error *err)
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
int te_cmp_result_docno_line(const void *a, const void *b)
{
    const te_result *x = a, *y = b;
    int c = strcmp(x->docno, y->docno);
    if (c != 0) return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* trec_eval's ranking: score descending, then docno in descending strcmp() order. */
int te_cmp_result_rank(const void *a, const void *b)
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
const te_span *te_find_span(const te_span *spans, size_t n, const char *qid)
{
    te_span key = {qid, 0, 0};
    if (n == 0) return NULL;
    return bsearch(&key, spans, n, sizeof(*spans), cmp_span);
}

/* ---- Qrels ---- */

/* Report an out-of-memory error while reading `name`. */
static te_status nomem(te_error *err, const char *name)
{
    return te_set_error(err, TE_ENOMEM, 0, "%s: out of memory", name);
}

/* Report a read error on `name` (errno set by the failed call). */
static te_status read_error(te_error *err, const char *name)
{
    return te_set_error(err, TE_EIO, 0, "%s: read error: %s", name, strerror(errno));
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
        return te_set_error(err, TE_EFORMAT, lineno,
                            "%s:%ld: expected 4 fields \"qid iter docno rel\", found %zu", name,
                            lineno, nf);
    long rel;
    if (!parse_long(f[3], &rel))
        return te_set_error(err, TE_EFORMAT, lineno, "%s:%ld: relevance \"%.*s\" is not an integer",
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
        return te_set_error(err, TE_EFORMAT, dup->line,
                            "%s:%ld: query %.*s judges document %.*s again (first at line %ld)",
                            name, dup->line, TE_QUOTE_MAX, dup->qid, TE_QUOTE_MAX, dup->docno,
                            first->line);
    }
    if (build_spans(q->recs, q->n, judgment_qid, &q->queries, &q->num_queries) != 0)
        return nomem(err, name);
    return TE_OK;
}

/* Read qrels from `fp` (see trec_eval.h); returns TE_OK and sets *out, or an error code. */
te_status te_qrels_read_stream(FILE *fp, const char *name, te_qrels **out, te_error *err)
{
    te_clear_error(err);
    if (out != NULL) *out = NULL;
    if (fp == NULL || out == NULL)
        return te_set_error(err, TE_EINVAL, 0, "te_qrels_read_stream: NULL argument");
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
    te_clear_error(err);
    if (out != NULL) *out = NULL;
    if (path == NULL || out == NULL)
        return te_set_error(err, TE_EINVAL, 0, "te_qrels_read: NULL argument");
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return te_set_error(err, TE_EIO, 0, "%s: %s", path, strerror(errno));
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
        return te_set_error(err, TE_EFORMAT, lineno,
                            "%s:%ld: expected 6 fields \"qid Q0 docno rank score tag\", found %zu",
                            name, lineno, nf);
    long rank;
    double score;
    if (!parse_long(f[3], &rank))
        return te_set_error(err, TE_EFORMAT, lineno, "%s:%ld: rank \"%.*s\" is not an integer",
                            name, lineno, TE_QUOTE_MAX, f[3]);
    if (!parse_score(f[4], &score))
        return te_set_error(err, TE_EFORMAT, lineno,
                            "%s:%ld: score \"%.*s\" is not a finite number", name, lineno,
                            TE_QUOTE_MAX, f[4]);
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
    te_clear_error(err);
    if (out != NULL) *out = NULL;
    if (fp == NULL || out == NULL)
        return te_set_error(err, TE_EINVAL, 0, "te_run_read_stream: NULL argument");
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
    te_clear_error(err);
    if (out != NULL) *out = NULL;
    if (path == NULL || out == NULL)
        return te_set_error(err, TE_EINVAL, 0, "te_run_read: NULL argument");
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return te_set_error(err, TE_EIO, 0, "%s: %s", path, strerror(errno));
    te_status st = te_run_read_stream(fp, path, out, err);
    fclose(fp);
    return st;
}
