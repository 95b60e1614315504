/*
 * main_search_batch.c -- spasm-search's batch reader: `-f FILE` and
 * `--stdio` share it.  Each line is a query (or `QID<TAB>QUERY`); the
 * lines run on --threads searchers (queries of one batch at once, their
 * output kept in memory and printed in line order), through run_query(),
 * the one output path of a single query.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spasm.h"

#include "main_search.h"

/* One line of a batch: its query, and once run, its output and messages. */
typedef struct job {
    char *line;          /* owns qid and q */
    const char *qid, *q; /* q NULL: malformed, msg says why */
    char where[96];
    char qidbuf[24]; /* a bare query's qid: its line number */
    unsigned long lineno;
    char *out, *msg; /* open_memstream buffers */
    size_t outlen, msglen;
    int status, done;
    int code; /* the library's return code (SPASM_ENOMEM: no buffers either) */
} job;

typedef struct pool {
    const cfg *c;
    spasm_index *ix;
    job *jobs;
    size_t njobs;
    _Atomic size_t next;
} pool;

/* Run job j, capturing its output and messages. */
static void run_job(const cfg *c, spasm_searcher *s, job *j)
{
    j->done = 1;
    FILE *out = open_memstream(&j->out, &j->outlen);
    FILE *msg = open_memstream(&j->msg, &j->msglen);
    if (!out || !msg) {
        if (out) fclose(out);
        if (msg) fclose(msg);
        free(j->out);
        free(j->msg);
        j->out = j->msg = NULL;
        j->status = 2;
        j->code = SPASM_ENOMEM;
        return;
    }
    j->status = run_query(out, msg, c, s, j->qid, j->q, j->where, j->lineno, &j->code);
    fclose(out);
    fclose(msg);
}

static void *worker(void *arg)
{
    pool *p = arg;
    spasm_searcher *s;
    if (spasm_searcher_new(p->ix, &s) != SPASM_OK) return NULL; /* the caller runs what is left */
    for (;;) {
        size_t i = p->next++;
        if (i >= p->njobs) break;
        if (p->jobs[i].q) run_job(p->c, s, &p->jobs[i]);
    }
    spasm_searcher_free(s);
    return NULL;
}

/* Parse batch line `line` (number lineno of file) into j. */
static void parse_line(job *j, char *line, const char *file, unsigned long lineno)
{
    memset(j, 0, sizeof *j);
    j->line = line;
    j->lineno = lineno;
    snprintf(j->where, sizeof j->where, "%.60s:%lu", file, lineno);
    char *tab = strchr(line, '\t');
    if (tab) {
        *tab = 0;
        j->qid = line;
        j->q = tab + 1;
        if (!*j->qid || strchr(j->qid, ' ')) {
            j->q = NULL;
            j->status = 2;
        }
    } else {
        snprintf(j->qidbuf, sizeof j->qidbuf, "%lu", lineno);
        j->qid = j->qidbuf;
        j->q = line;
    }
}

static void free_job(job *j)
{
    free(j->line);
    free(j->out);
    free(j->msg);
}

/* An error of the index or the process rather than of one query: every
 * later query would meet it too, so the batch stops. */
static int fatal_code(int code)
{
    return code == SPASM_ECORRUPT || code == SPASM_EIO || code == SPASM_ENOMEM ||
           code == SPASM_EVERSION;
}

#define RUN_FOUND 1 /* run_jobs(): some query found results */
#define RUN_FATAL 2 /* run_jobs(): stopped at a fatal error */

/* Run jobs[0, n) on `threads` threads (or this one) and print their
 * output in order, up to the first fatal error; with --stdio each answer
 * ends with an empty line and is flushed.  Returns RUN_* bits. */
static int run_jobs(const cfg *c, spasm_index *ix, spasm_searcher *s, job *jobs, size_t n,
                    int threads)
{
    if (threads > 1 && n > 1) {
        pool p = {c, ix, jobs, n, 0};
        pthread_t tid[64];
        int started = 0;
        for (int t = 0; t < threads && t < 64; t++)
            if (pthread_create(&tid[t], NULL, worker, &p) == 0) started++;
        for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    }
    /* one thread, or what the workers could not run */
    for (size_t i = 0; i < n; i++)
        if (jobs[i].q && !jobs[i].done) run_job(c, s, &jobs[i]);
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        job *j = &jobs[i];
        if (!(ret & RUN_FATAL)) {
            if (!j->q) {
                char msg[160];
                snprintf(msg, sizeof msg, "bad query id \"%.100s\" (skipped)", j->qid);
                report_error(stdout, stderr, c, j->qid, j->lineno, j->where, msg);
            } else if (j->code == SPASM_ENOMEM && !j->out) {
                report_error(stdout, stderr, c, j->qid, j->lineno, j->where, "out of memory");
            }
            if (j->msg) fwrite(j->msg, 1, j->msglen, stderr);
            if (j->out) fwrite(j->out, 1, j->outlen, stdout);
            if (c->stdio) {
                putchar('\n');
                fflush(stdout);
            }
            if (j->q && j->status == 0) ret |= RUN_FOUND;
            if (fatal_code(j->code)) ret |= RUN_FATAL;
        }
        free_job(j);
    }
    fflush(stdout);
    return ret;
}

/*
 * A batch, -f FILE or --stdio (file "-": standard input, named "stdin" in
 * messages): one query per line, "qid<TAB>query" or a bare query (qid =
 * line number), a trailing CR dropped, blank lines and # comments skipped.
 * Run in chunks of up to BATCH_CHUNK lines on c->threads threads; output
 * is in input order and the same for any number of threads.  A line in
 * error is reported (report_error) and skipped; a fatal error stops the
 * batch.  Returns the exit status: 2 after a fatal error, else 0 when
 * some query found results, else 1.
 */
#define BATCH_CHUNK 4096
int run_batch(const cfg *c, spasm_index *ix, spasm_searcher *s, const char *file)
{
    int is_stdin = strcmp(file, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(file, "r");
    if (!f) {
        fprintf(stderr, "spasm-search: %s: cannot open: %s\n", file, strerror(errno));
        return 2;
    }
    const char *name = is_stdin ? "stdin" : file;
    /* --stdio, or reading stdin on one thread: answer each line as it comes. */
    size_t chunk = (c->stdio || (is_stdin && c->threads <= 1)) ? 1 : BATCH_CHUNK;
    job *jobs = malloc(chunk * sizeof *jobs);
    if (!jobs) {
        fprintf(stderr, "spasm-search: out of memory\n");
        if (f != stdin) fclose(f);
        return 2;
    }
    size_t n = 0;
    unsigned long lineno = 0;
    int ret = 0;
    while (!(ret & RUN_FATAL)) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len = getline(&line, &cap, f);
        if (len < 0) {
            free(line);
            break;
        }
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == 0 || *p == '#') {
            free(line);
            continue;
        }
        parse_line(&jobs[n++], line, name, lineno);
        if (n == chunk) {
            ret |= run_jobs(c, ix, s, jobs, n, c->threads);
            n = 0;
        }
    }
    if (n) ret |= run_jobs(c, ix, s, jobs, n, c->threads);
    free(jobs);
    if (f != stdin) fclose(f);
    return (ret & RUN_FATAL) ? 2 : (ret & RUN_FOUND) ? 0 : 1;
}
