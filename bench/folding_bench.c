/*
 * folding_bench.c -- what near-duplicate folding costs: the same searches
 * with spasm_search_options.collapse off and on, at several k, through
 * the public API (include/spasm.h).  Built by `make` (build/bin/) and
 * smoke-run by `make check` (tests/test_fold.c) on build/corpus.spx.
 *
 *   folding_bench INDEX (-q QUERY | -f QUERIES.tsv) [-k K1,K2,...]
 *                 [--fields id|all|both] [--runs N]
 *
 * For each k (default 10,1000,10000,100000,1000000), runs every query
 * (one -q query, or each line "qid<TAB>query" of -f) as one batch with
 * folding off, then on, N times each (default 3), alternating, and keeps
 * the fastest batch of each.  --fields id asks for the ids only, as
 * `--format trec` does; all for text, highlights and snippet, as the text
 * and JSON formats do; both (the default) measures each in turn.  One line
 * per k and field set:
 *
 *   k=1000 fields=id queries=1 plain_ms=12.345 folded_ms=45.678 ratio=3.70 \
 *       wall_ratio=3.65 hits=1000 folded=12
 *
 * plain_ms, folded_ms and ratio are CPU time (CLOCK_PROCESS_CPUTIME_ID: the
 * searches run on this thread only), which other jobs on a shared machine
 * disturb less than the wall clock; wall_ratio is the same ratio by the
 * wall clock.  hits: results returned by the folded batch; folded:
 * passages folded into them.  Exit status 0, or 2 on an error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "spasm.h"

#include "bench_util.h"

static void usage(void)
{
    fprintf(stderr, "usage: folding_bench INDEX (-q QUERY | -f QUERIES.tsv) [-k K1,K2,...]\n"
                    "                     [--fields id|all|both] [--runs N]\n");
    exit(2);
}

/* The process's CPU time in milliseconds. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run every query at k with folding on or off; returns the batch's CPU
 * milliseconds (its wall milliseconds in *wall) and adds its hits and
 * folds. */
static double batch(spasm_searcher *s, const bu_queries *qs, spasm_search_options *o, size_t *hits,
                    size_t *folds, double *wall)
{
    double w0 = bu_now_ms(), t0 = cpu_ms();
    for (size_t i = 0; i < qs->n; i++) {
        spasm_results *r;
        int rc = spasm_search(s, qs->q[i].text, o, &r);
        if (rc == SPASM_EQUERY) continue; /* nothing searchable: no hit */
        if (rc) bu_die("query %s: %s", qs->q[i].qid, spasm_searcher_errmsg(s));
        size_t n = spasm_results_count(r);
        *hits += n;
        for (size_t h = 0; h < n; h++) *folds += spasm_results_hit(r, h)->ndups;
        spasm_results_free(r);
    }
    double t = cpu_ms() - t0;
    *wall = bu_now_ms() - w0;
    return t;
}

/* Measure the batch at o->k and o->fields, folding off and on, and print
 * its line. */
static void measure(spasm_searcher *s, const bu_queries *qs, spasm_search_options *o, size_t runs)
{
    double best[2] = {0, 0}, wbest[2] = {0, 0};
    size_t hits = 0, folds = 0;
    for (size_t r = 0; r < runs; r++)
        for (int c = 0; c < 2; c++) {
            size_t h = 0, f = 0;
            double wall;
            o->collapse = c;
            double ms = batch(s, qs, o, &h, &f, &wall);
            if (r == 0 || ms < best[c]) best[c] = ms;
            if (r == 0 || wall < wbest[c]) wbest[c] = wall;
            if (c) hits = h, folds = f;
        }
    printf("k=%zu fields=%s queries=%zu plain_ms=%.3f folded_ms=%.3f ratio=%.2f wall_ratio=%.2f "
           "hits=%zu folded=%zu\n",
           o->k, o->fields == SPASM_FIELD_ID ? "id" : "all", qs->n, best[0], best[1],
           best[0] > 0 ? best[1] / best[0] : 0.0, wbest[0] > 0 ? wbest[1] / wbest[0] : 0.0, hits,
           folds);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    bu_prog = "folding_bench";
    if (argc < 2) usage();
    const char *index = argv[1], *query = NULL, *file = NULL,
               *klist = "10,1000,10000,100000,1000000";
    int fields = 3; /* 1: ids, 2: all, 3: both */
    size_t runs = 3;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-q") && i + 1 < argc)
            query = argv[++i];
        else if (!strcmp(argv[i], "-f") && i + 1 < argc)
            file = argv[++i];
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            klist = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = bu_parse_k(argv[++i]);
        else if (!strcmp(argv[i], "--fields") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "id"))
                fields = 1;
            else if (!strcmp(f, "all"))
                fields = 2;
            else if (!strcmp(f, "both"))
                fields = 3;
            else
                bu_die("--fields takes id, all or both, not '%s'", f);
        } else
            usage();
    }
    if (!query == !file) usage();
    bu_queries qs = {0};
    bu_query one = {(char *)"1", (char *)query};
    if (file)
        bu_read_queries(file, &qs);
    else {
        qs.q = &one;
        qs.n = 1;
    }
    spasm_index *ix;
    if (spasm_open(&ix, index, NULL)) bu_die("%s", spasm_index_errmsg(ix));
    spasm_searcher *s;
    if (spasm_searcher_new(ix, &s)) bu_die("out of memory");
    char *ks = strdup(klist);
    if (!ks) bu_die("out of memory");
    for (char *save = NULL, *tok = strtok_r(ks, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = bu_parse_k(tok);
        if (fields & 1) {
            o.fields = SPASM_FIELD_ID;
            measure(s, &qs, &o, runs);
        }
        if (fields & 2) {
            o.fields = SPASM_FIELDS_ALL;
            measure(s, &qs, &o, runs);
        }
    }
    free(ks);
    spasm_searcher_free(s);
    spasm_close(ix);
    if (file) bu_free_queries(&qs);
    return 0;
}
