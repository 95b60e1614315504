/*
 * folding_bench.c -- what near-duplicate folding costs: the same searches
 * with spasm_search_options.collapse off and on, at several k, through
 * the public API (include/spasm.h).  Built by `make` (build/bin/) and
 * smoke-run by `make check` (tests/test_fold.c) on build/corpus.spx.
 *
 *   folding_bench INDEX (-q QUERY | -f QUERIES.tsv) [-k K1,K2,...]
 *                 [--fields id|all] [--runs N]
 *
 * For each k (default 10,1000,10000,100000,1000000), runs every query
 * (one -q query, or each line "qid<TAB>query" of -f) as one batch with
 * folding off, then on, N times each (default 3), alternating, and keeps
 * the fastest batch of each.  --fields id (the default) asks for the ids
 * only, as `--format trec` does; all for text, highlights and snippet, as
 * the text and JSON formats do.  One line per k:
 *
 *   k=1000 queries=1 plain_ms=12.345 folded_ms=45.678 ratio=3.70 hits=1000 folded=12
 *
 * hits: results returned by the folded batch; folded: passages folded
 * into them.  Exit status 0, or 2 on an error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "spasm.h"

#include "bench_util.h"

static void usage(void)
{
    fprintf(stderr, "usage: folding_bench INDEX (-q QUERY | -f QUERIES.tsv) [-k K1,K2,...]\n"
                    "                     [--fields id|all] [--runs N]\n");
    exit(2);
}

/* Run every query at k with folding on or off; returns the batch's
 * milliseconds and adds its hits and folds. */
static double batch(spasm_searcher *s, const bu_queries *qs, spasm_search_options *o, size_t *hits,
                    size_t *folds)
{
    double t0 = bu_now_ms();
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
    return bu_now_ms() - t0;
}

int main(int argc, char **argv)
{
    bu_prog = "folding_bench";
    if (argc < 2) usage();
    const char *index = argv[1], *query = NULL, *file = NULL,
               *klist = "10,1000,10000,100000,1000000";
    unsigned fields = SPASM_FIELD_ID;
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
                fields = SPASM_FIELD_ID;
            else if (!strcmp(f, "all"))
                fields = SPASM_FIELDS_ALL;
            else
                bu_die("--fields takes id or all, not '%s'", f);
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
        o.fields = fields;
        double best[2] = {0, 0};
        size_t hits = 0, folds = 0;
        for (size_t r = 0; r < runs; r++)
            for (int c = 0; c < 2; c++) {
                size_t h = 0, f = 0;
                o.collapse = c;
                double ms = batch(s, &qs, &o, &h, &f);
                if (r == 0 || ms < best[c]) best[c] = ms;
                if (c) hits = h, folds = f;
            }
        printf("k=%zu queries=%zu plain_ms=%.3f folded_ms=%.3f ratio=%.2f hits=%zu folded=%zu\n",
               o.k, qs.n, best[0], best[1], best[0] > 0 ? best[1] / best[0] : 0.0, hits, folds);
        fflush(stdout);
    }
    free(ks);
    spasm_searcher_free(s);
    spasm_close(ix);
    if (file) bu_free_queries(&qs);
    return 0;
}
