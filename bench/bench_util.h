/*
 * bench_util.h -- small helpers shared by the benchmark harnesses
 * (bench/spasm_bench.c, bench/peers/fts5_bench.c, bench/peers/xapian_bench.cc):
 * reading a query file, the monotonic clock, latency statistics and the
 * one-line JSON summary every harness prints.
 *
 * Header-only (static functions), valid C11 and C++17.  The including file
 * must define _POSIX_C_SOURCE >= 200809L (or _GNU_SOURCE) before any
 * system header, for clock_gettime() and getline().
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__)
#define BU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define BU_UNUSED __attribute__((unused))
#else
#define BU_PRINTF(a, b)
#define BU_UNUSED
#endif

/* The program's name for messages; each harness sets it first thing. */
static const char *bu_prog = "bench";

/* Print "PROG: message" on stderr and exit with status 2. */
static BU_UNUSED BU_PRINTF(1, 2) void bu_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", bu_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* Milliseconds on CLOCK_MONOTONIC, or on the thread's CPU clock when
 * BENCH_CPU_CLOCK is set (comparing runs on a loaded machine: time spent
 * waiting for a core is not counted). */
static BU_UNUSED double bu_now_ms(void)
{
    static int cpu = -1;
    if (cpu < 0) cpu = getenv("BENCH_CPU_CLOCK") != NULL;
    struct timespec ts;
    clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One query of a TSV query file: `qid<TAB>text`. */
typedef struct bu_query {
    char *qid;
    char *text;
} bu_query;

typedef struct bu_queries {
    bu_query *q;
    size_t n;
} bu_queries;

/*
 * Read `qid<TAB>query` lines.  Blank lines are skipped; a trailing CR is
 * dropped; a non-blank line without a TAB is an error (exit 2, naming the
 * file and the line).
 */
static BU_UNUSED void bu_read_queries(const char *path, bu_queries *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        bu_die("cannot open query file %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, nq = 0, qcap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    bu_query *q = NULL;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            bu_die("%s:%lu: no TAB between query id and query text", path, lineno);
        *tab = '\0';
        if (nq == qcap) {
            qcap = qcap ? qcap * 2 : 1024;
            q = (bu_query *)realloc(q, qcap * sizeof *q);
            if (!q)
                bu_die("out of memory reading %s", path);
        }
        q[nq].qid = strdup(line);
        q[nq].text = strdup(tab + 1);
        if (!q[nq].qid || !q[nq].text)
            bu_die("out of memory reading %s", path);
        nq++;
    }
    if (ferror(f))
        bu_die("error reading %s: %s", path, strerror(errno));
    fclose(f);
    free(line);
    if (nq == 0)
        bu_die("%s: no queries", path);
    out->q = q;
    out->n = nq;
}

static BU_UNUSED void bu_free_queries(bu_queries *qs)
{
    for (size_t i = 0; i < qs->n; i++) {
        free(qs->q[i].qid);
        free(qs->q[i].text);
    }
    free(qs->q);
    qs->q = NULL;
    qs->n = 0;
}

static int bu_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted[0..n). */
static BU_UNUSED double bu_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/*
 * Print the one-line JSON summary on `f`:
 *   {"engine":..., "k":..., "n":..., "mean_ms":..., "p50_ms":..., "p90_ms":...,
 *    "p99_ms":..., "max_ms":..., "qps":..., "total_s":..., "zero_hits":...,
 *    "mean_hits":..., "failed":...}
 * ms[i] is query i's wall time; hits_total the sum of hits returned;
 * zero the number of queries with no hit; failed those the engine refused
 * (e.g. no searchable term), counted in n and timed like the others.
 */
static BU_UNUSED void bu_print_summary(FILE *f, const char *engine, size_t k, const double *ms,
                                       size_t n, double hits_total, size_t zero,
                                       size_t failed)
{
    double *s = (double *)malloc((n ? n : 1) * sizeof *s);
    if (!s)
        bu_die("out of memory");
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        s[i] = ms[i];
        total += ms[i];
    }
    qsort(s, n, sizeof *s, bu_cmp_double);
    double mean = n ? total / (double)n : 0.0;
    fprintf(f,
            "{\"engine\":\"%s\",\"k\":%zu,\"n\":%zu,\"mean_ms\":%.4f,\"p50_ms\":%.4f,"
            "\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f,\"qps\":%.2f,\"total_s\":%.4f,"
            "\"zero_hits\":%zu,\"mean_hits\":%.2f,\"failed\":%zu}\n",
            engine, k, n, mean, bu_percentile(s, n, 50), bu_percentile(s, n, 90),
            bu_percentile(s, n, 99), n ? s[n - 1] : 0.0,
            total > 0 ? (double)n / (total / 1e3) : 0.0, total / 1e3, zero,
            n ? hits_total / (double)n : 0.0, failed);
    fflush(f);
    free(s);
}

/* Parse a positive size_t argument or die naming it. */
static BU_UNUSED size_t bu_parse_k(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v == 0)
        bu_die("K must be a positive integer, not '%s'", s);
    return (size_t)v;
}

/* Parse a floating-point argument or die naming it. */
static BU_UNUSED double bu_parse_double(const char *what, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s)
        bu_die("%s must be a number, not '%s'", what, s);
    return v;
}

#endif /* BENCH_UTIL_H */
