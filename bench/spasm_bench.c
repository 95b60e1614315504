/*
 * spasm_bench.c -- query-latency harness for spasm-search, through the
 * public API only (include/spasm.h, linked against build/lib/libspasm.a).
 * Indexing is timed by bench/run.sh around `spasm-index`.
 *
 *   spasm_bench query INDEX QUERIES.tsv K [--run RUNFILE] [--group doc|none]
 *                     [--keep-stopwords] [--proximity W] [--bm25 K1 B] [--fields id|all]
 *                     [--collapse on|off] [--typos on|off]
 *                     [--synonyms FILE] [--families] [--family-weight W]
 *                     [--title-weight W] [--count]
 *       Opens INDEX once (spasm_open) and makes one searcher.  Each query's
 *       text is passed to spasm_search() as it is (bare words are OR-ed by
 *       the engine's syntax), asking for the top K; the ids of the hits are
 *       then read.  Like the peers (Xapian: each hit's document data, the
 *       id; FTS5: each hit's id from the ids table), spasm is asked for the
 *       ids and scores only (SPASM_FIELD_ID); --fields all also fetches each
 *       hit's title, text, highlights and snippet, as spasm-search's text
 *       and JSON output do.  The wall time of spasm_search + reading the hits +
 *       spasm_results_free is recorded per query (CLOCK_MONOTONIC).  A query
 *       the engine refuses (SPASM_EQUERY: no searchable term, e.g. only
 *       punctuation) counts as a query with no hit, and in "failed".  Prints
 *       one JSON line (see bench_util.h); with --run writes a TREC run
 *       "qid Q0 docid rank score spasm".
 *       --group doc: one hit per document (its best passage), the unit the
 *       peers rank; none (the default): one hit per passage.
 *       --collapse off (the default, as the library and spasm-search's
 *       machine formats): plain BM25 top-k, near-duplicates kept (the
 *       peers' task; bench/run.sh's comparison); on (spasm-search's text
 *       format): near-duplicate passages folded into the better one (not
 *       with --group doc, where the library never folds).
 *       --typos on|off: typo tolerance on or off (default: the library's,
 *       spasm.h SPASM_TYPOS_DEFAULT_IS).
 *       --keep-stopwords: do not drop stop words from the queries (the
 *       peers drop none).  --bm25: override the index's BM25 defaults.
 *       --synonyms FILE, --families: the synonyms and word families of
 *       spasm-search (issue 14; an empty FILE measures their fixed cost);
 *       --family-weight W their weight.  --title-weight W: the title weight
 *       (issue 14 part 5; 0 = the library's default).
 *       --count: after each search, spasm_count() of the query too (the
 *       exact total spasm-serve's GET /search sends by default); timed
 *       with the search.  bench/serve_bench.sh compares the server with
 *       this at K + 1 (the server asks for one hit more than it shows, to
 *       know whether a next page exists) and --fields all: the same work.
 *       SPASM_BENCH_CPU set: per-query thread CPU time instead of wall time.
 *
 *   spasm_bench version
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "spasm.h"

#include "bench_util.h"

static void usage(void)
{
    fprintf(
        stderr,
        "usage: spasm_bench query INDEX QUERIES.tsv K [--run RUNFILE] "
        "[--group doc|none] [--keep-stopwords] [--proximity W] [--bm25 K1 B] [--fields id|all]\n"
        "                   [--collapse on|off] [--typos on|off]\n"
        "                   [--synonyms FILE] [--families] [--family-weight W]\n"
        "                   [--title-weight W] [--count] [--warmup N]\n"
        "       spasm_bench version\n");
    exit(2);
}

/* The calling thread's CPU time in ms. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmd_query(int argc, char **argv)
{
    if (argc < 5) usage();
    const char *path = argv[2];
    const char *qpath = argv[3];
    size_t k = bu_parse_k(argv[4]);
    const char *runpath = NULL;
    spasm_search_options opt;
    spasm_synonyms *syn = NULL; /* --synonyms */
    int count = 0;              /* --count */
    double warmup = 0;          /* --warmup: untimed passes first */
    spasm_search_options_init(&opt);
    opt.k = k;
    opt.fields = SPASM_FIELD_ID; /* what the peers fetch per hit */
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            runpath = argv[++i];
        } else if (!strcmp(argv[i], "--group") && i + 1 < argc) {
            const char *g = argv[++i];
            if (!strcmp(g, "doc"))
                opt.group = SPASM_GROUP_DOC;
            else if (!strcmp(g, "none"))
                opt.group = SPASM_GROUP_NONE;
            else
                bu_die("--group takes doc or none, not '%s'", g);
        } else if (!strcmp(argv[i], "--fields") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "id"))
                opt.fields = SPASM_FIELD_ID;
            else if (!strcmp(f, "all"))
                opt.fields = SPASM_FIELDS_ALL;
            else
                bu_die("--fields takes id or all, not '%s'", f);
        } else if (!strcmp(argv[i], "--collapse") && i + 1 < argc) {
            const char *c = argv[++i];
            if (!strcmp(c, "on"))
                opt.collapse = 1;
            else if (!strcmp(c, "off"))
                opt.collapse = 0;
            else
                bu_die("--collapse takes on or off, not '%s'", c);
        } else if (!strcmp(argv[i], "--typos") && i + 1 < argc) {
            const char *c = argv[++i];
            if (!strcmp(c, "on"))
                opt.typos = SPASM_TYPOS_ON;
            else if (!strcmp(c, "off"))
                opt.typos = SPASM_TYPOS_OFF;
            else
                bu_die("--typos takes on or off, not '%s'", c);
        } else if (!strcmp(argv[i], "--proximity") && i + 1 < argc) {
            opt.proximity = bu_parse_double("--proximity", argv[++i]);
        } else if (!strcmp(argv[i], "--keep-stopwords")) {
            opt.keep_stopwords = 1;
        } else if (!strcmp(argv[i], "--synonyms") && i + 1 < argc) { /* issue 14 part 4 */
            if (spasm_synonyms_load(&syn, argv[++i])) bu_die("%s", spasm_synonyms_errmsg(syn));
            opt.synonyms = syn;
        } else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) {
            warmup = bu_parse_double("--warmup", argv[++i]);
            if (warmup < 0 || warmup > 100 || warmup != (int)warmup)
                bu_die("--warmup must be a whole number from 0 to 100, not '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--count")) {
            count = 1;
        } else if (!strcmp(argv[i], "--families")) { /* issue 14 part 3 */
            opt.families = 1;
        } else if (!strcmp(argv[i], "--family-weight") && i + 1 < argc) {
            opt.family_weight = bu_parse_double("--family-weight", argv[++i]);
        } else if (!strcmp(argv[i], "--title-weight") && i + 1 < argc) { /* issue 14 part 5 */
            opt.title_weight = bu_parse_double("--title-weight", argv[++i]);
        } else if (!strcmp(argv[i], "--bm25") && i + 2 < argc) {
            opt.k1 = bu_parse_double("--bm25 k1", argv[++i]);
            opt.b = bu_parse_double("--bm25 b", argv[++i]);
        } else {
            fprintf(stderr, "spasm_bench: unknown or incomplete option '%s'\n", argv[i]);
            usage();
        }
    }

    bu_queries qs;
    bu_read_queries(qpath, &qs);
    FILE *run = NULL;
    if (runpath && !(run = fopen(runpath, "w")))
        bu_die("cannot write %s: %s", runpath, strerror(errno));

    spasm_index *ix = NULL;
    int rc = spasm_open(&ix, path, NULL);
    if (rc != SPASM_OK) bu_die("%s: %s", path, ix ? spasm_index_errmsg(ix) : spasm_errstr(rc));
    spasm_searcher *s = NULL;
    rc = spasm_searcher_new(ix, &s);
    if (rc != SPASM_OK) bu_die("cannot make a searcher: %s", spasm_errstr(rc));

    double *ms = (double *)calloc(qs.n, sizeof *ms);
    char **ids = (char **)calloc(k, sizeof *ids);
    double *scores = (double *)calloc(k, sizeof *scores);
    if (!ms || !ids || !scores) bu_die("out of memory");
    size_t zero = 0, failed = 0;
    double hits_total = 0;
    /* SPASM_BENCH_CPU: each query's thread CPU time instead of its wall
     * time (on a loaded machine, preemption shows as whole scheduler
     * ticks in the wall times) */
    int cpu = getenv("SPASM_BENCH_CPU") != NULL;
    /* --warmup N: the same searches N times untimed first, as the Lucene
     * harness warms its JIT; here they pay the first use of each chunk of
     * the index a query touches (checksummed then, once per process) */
    for (int pass = 0; pass < (int)warmup; pass++)
        for (size_t i = 0; i < qs.n; i++) {
            spasm_results *r = NULL;
            uint64_t total = 0;
            rc = spasm_search(s, qs.q[i].text, &opt, &r);
            if (rc == SPASM_OK && count) rc = spasm_count(s, qs.q[i].text, &total);
            if (rc != SPASM_OK && rc != SPASM_EQUERY)
                bu_die("query %s: %s (%s)", qs.q[i].qid, spasm_searcher_errmsg(s),
                       spasm_errstr(rc));
            for (size_t j = 0; r && j < spasm_results_count(r) && j < k; j++)
                (void)spasm_results_hit(r, j);
            spasm_results_free(r);
        }
    for (size_t i = 0; i < qs.n; i++) {
        size_t nhits = 0;
        spasm_results *r = NULL;
        double t0 = cpu ? cpu_ms() : bu_now_ms();
        rc = spasm_search(s, qs.q[i].text, &opt, &r);
        uint64_t total = 0;
        if (rc == SPASM_OK && count && (rc = spasm_count(s, qs.q[i].text, &total)) != SPASM_OK) {
            spasm_results_free(r);
            r = NULL;
        }
        if (rc == SPASM_OK) {
            nhits = spasm_results_count(r);
            if (nhits > k) nhits = k;
            for (size_t j = 0; j < nhits; j++) {
                const spasm_hit *h = spasm_results_hit(r, j);
                ids[j] = strdup(h->doc_id ? h->doc_id : "");
                if (!ids[j]) bu_die("out of memory");
                scores[j] = h->score;
            }
            spasm_results_free(r);
        }
        double t1 = cpu ? cpu_ms() : bu_now_ms();
        ms[i] = t1 - t0;
        if (getenv("SPASM_BENCH_TIMES")) /* per-query times on stderr, for profiling */
            fprintf(stderr, "%.4f\t%s\t%s\n", ms[i], qs.q[i].qid, qs.q[i].text);
        if (rc == SPASM_EQUERY) {
            failed++;
        } else if (rc != SPASM_OK) {
            bu_die("query %s: %s (%s)", qs.q[i].qid, spasm_searcher_errmsg(s), spasm_errstr(rc));
        }
        hits_total += (double)nhits;
        if (nhits == 0) zero++;
        for (size_t j = 0; j < nhits; j++) {
            if (run)
                fprintf(run, "%s Q0 %s %zu %.6f spasm\n", qs.q[i].qid, ids[j], j + 1, scores[j]);
            free(ids[j]);
        }
    }
    if (run && fclose(run) != 0) bu_die("error writing %s", runpath);
    bu_print_summary(stdout, "spasm", k, ms, qs.n, hits_total, zero, failed);
    spasm_searcher_free(s);
    spasm_close(ix);
    spasm_synonyms_free(syn);
    free(ms);
    free(ids);
    free(scores);
    bu_free_queries(&qs);
    return 0;
}

int main(int argc, char **argv)
{
    bu_prog = "spasm_bench";
    if (argc < 2) usage();
    if (!strcmp(argv[1], "query")) return cmd_query(argc, argv);
    if (!strcmp(argv[1], "version")) {
        printf("spasm-search %s (index format %d)\n", spasm_version(), spasm_format_version());
        return 0;
    }
    usage();
    return 2;
}
