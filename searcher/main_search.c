/*
 * spasm-search -- query a spasm index from the command line, a batch
 * file, or a long-running --stdio session.  A thin client of libspasm: it
 * parses options and formats results (text, JSON Lines via jansson, TREC).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spasm.h"

#include "main_search.h"

/* The warnings of the open (a damaged commit point skipped), on stderr. */
static void print_notes(const spasm_index *ix)
{
    const char *n = spasm_index_notes(ix);
    while (*n) {
        size_t len = strcspn(n, "\n");
        fprintf(stderr, "spasm-search: warning: %.*s\n", (int)len, n);
        n += len + (n[len] == '\n');
    }
}

/* The table of --synonyms, freed at exit. */
static spasm_synonyms *syn_table;

static void free_syn_table(void)
{
    spasm_synonyms_free(syn_table);
}

/* Run one query and print its results to out, an error as report_error()
 * says (where: "FILE:LINE" in a batch, else NULL); *code gets the
 * library's return code.  Returns 0 results, 1 none, 2 error. */
int run_query(FILE *out, FILE *err, const cfg *c, spasm_searcher *s, const char *qid, const char *q,
              const char *where, unsigned long lineno, int *code)
{
    spasm_results *r;
    int rc = spasm_search(s, q, &c->so, &r);
    *code = rc;
    if (rc) {
        report_error(out, err, c, qid, lineno, where, spasm_searcher_errmsg(s));
        return 2;
    }
    int cut = (spasm_results_flags(r) & SPASM_RESULT_EXPANSION_CUT) != 0;
    if (cut) { /* one "note:" line per line of the notes */
        const char *p = spasm_results_notes(r);
        while (*p) {
            size_t len = strcspn(p, "\n");
            fprintf(err, "spasm-search: %s%snote: %.*s\n", where ? where : "", where ? ": " : "",
                    (int)len, p);
            p += len + (p[len] == '\n');
        }
    }
    /* typo tolerance: say what was searched instead (JSON: in each hit) */
    const char *sugg = spasm_results_suggestion(r);
    if (*sugg && c->format != FMT_JSON)
        fprintf(err, "spasm-search: %s%s%sshowing results for %s\n", where ? where : "",
                where ? ": " : "", spasm_results_flags(r) & SPASM_RESULT_CORRECTED ? "" : "also ",
                sugg);
    size_t n = spasm_results_count(r);
    for (size_t i = 0; i < n; i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        size_t rank = c->so.offset + i + 1;
        if (c->format == FMT_JSON) {
            print_json_hit(out, c, qid, rank, h, cut, sugg);
        } else if (c->format == FMT_TREC) {
            if (c->group_doc)
                fprintf(out, "%s Q0 %s %zu %.6f %s\n", qid ? qid : "1", h->doc_id, rank, h->score,
                        c->run_tag);
            else
                fprintf(out, "%s Q0 %s#%u %zu %.6f %s\n", qid ? qid : "1", h->doc_id,
                        h->ordinal + 1, rank, h->score, c->run_tag);
        } else {
            print_text_hit(out, c, rank, h);
        }
    }
    if (n == 0 && c->format == FMT_TEXT && !qid) fprintf(err, "spasm-search: no results\n");
    spasm_results_free(r);
    return n ? 0 : 1;
}

/* SIGBUS: the mapped index was truncated under a read (the library checks
 * the file before each search, but a truncation can land during one).
 * One line naming the index, written async-signal-safely, and exit 2. */
static char sigbus_msg[PATH_MAX + 200];
static size_t sigbus_len;

static void on_sigbus(int sig)
{
    (void)sig;
    ssize_t w = write(2, sigbus_msg, sigbus_len);
    (void)w;
    _exit(2);
}

/* Install on_sigbus for the index at path. */
static void catch_sigbus(const char *path)
{
    int n = snprintf(sigbus_msg, sizeof sigbus_msg - 1,
                     "spasm-search: %s: the index file changed under the reader (truncated or "
                     "rewritten in place): stopped",
                     path);
    sigbus_len = n < 0 ? 0 : (size_t)n;
    if (sigbus_len > sizeof sigbus_msg - 2) sigbus_len = sizeof sigbus_msg - 2;
    sigbus_msg[sigbus_len++] = '\n';
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

int main(int argc, char **argv)
{
    enum {
        O_FORMAT = 256,
        O_GROUP,
        O_NOCOLLAPSE,
        O_COLLAPSE,
        O_EXPLAIN,
        O_K1,
        O_B,
        O_KEEP,
        O_TAG,
        O_COLOR,
        O_CHECK,
        O_STDIO,
        O_OFFSET,
        O_THREADS,
        O_TITLE_WEIGHT, /* issue 14 part 5, fields */
        O_EXACT,
        O_TYPOS,
        O_SYN, /* synonyms and word families */
        O_NOSYN,
        O_SYNW,
        O_FAM,
        O_FAMW,
        O_PROX,
        O_BM25_DELTA,
        O_BOILER, /* issue 14 part 7, page furniture */
        O_NOBOILER,
        O_FBT, /* pseudo-relevance feedback (RM3) */
        O_FBD,
        O_FBW
    };
    static const struct option opts[] = {{"index", required_argument, 0, 'i'},
                                         {"top", required_argument, 0, 'k'},
                                         {"offset", required_argument, 0, O_OFFSET},
                                         {"format", required_argument, 0, O_FORMAT},
                                         {"group", required_argument, 0, O_GROUP},
                                         {"no-collapse", no_argument, 0, O_NOCOLLAPSE},
                                         {"collapse", no_argument, 0, O_COLLAPSE},
                                         {"explain", no_argument, 0, O_EXPLAIN},
                                         {"k1", required_argument, 0, O_K1},
                                         {"b", required_argument, 0, O_B},
                                         {"keep-stopwords", no_argument, 0, O_KEEP},
                                         {"proximity", required_argument, 0, O_PROX},
                                         {"bm25-delta", required_argument, 0, O_BM25_DELTA},
                                         {"run-tag", required_argument, 0, O_TAG},
                                         {"color", required_argument, 0, O_COLOR},
                                         {"colour", required_argument, 0, O_COLOR},
                                         {"check", no_argument, 0, O_CHECK},
                                         {"file", required_argument, 0, 'f'},
                                         {"stdio", no_argument, 0, O_STDIO},
                                         {"help", no_argument, 0, 'h'},
                                         {"threads", required_argument, 0, O_THREADS},
                                         {"version", no_argument, 0, 'V'},
                                         {"title-weight", required_argument, 0, O_TITLE_WEIGHT},
                                         {"exact", no_argument, 0, O_EXACT},
                                         {"typos", no_argument, 0, O_TYPOS},
                                         {"boilerplate", no_argument, 0, O_BOILER},
                                         {"no-boilerplate", no_argument, 0, O_NOBOILER},
                                         {"feedback-terms", required_argument, 0, O_FBT},
                                         {"feedback-docs", required_argument, 0, O_FBD},
                                         {"feedback-weight", required_argument, 0, O_FBW},
                                         {"synonyms", required_argument, 0, O_SYN},
                                         {"no-synonyms", no_argument, 0, O_NOSYN},
                                         {"synonym-weight", required_argument, 0, O_SYNW},
                                         {"families", no_argument, 0, O_FAM},
                                         {"family-weight", required_argument, 0, O_FAMW},
                                         {0, 0, 0, 0}};
    cfg c;
    memset(&c, 0, sizeof c);
    spasm_search_options_init(&c.so);
    c.run_tag = "spasm";
    const char *index = NULL, *batch = NULL, *color = "auto", *syn_path = NULL;
    const char *shards[64]; /* every -i, in order */
    size_t nshards = 0;
    int check = 0, stdio_mode = 0, format_given = 0, ch, collapse = -1;
    char defbuf[PATH_MAX + 64];
    char **oargv = malloc(((size_t)argc + 1) * sizeof *oargv);
    char **words = malloc(((size_t)argc + 1) * sizeof *words);
    arg_arrays[0] = oargv; /* freed at exit, whichever return is taken */
    arg_arrays[1] = words;
    atexit(free_arg_arrays);
    int oargc, nwords;
    if (!oargv || !words) {
        fprintf(stderr, "spasm-search: out of memory\n");
        return 2;
    }
    if (split_args(argc, argv, opts, oargv, &oargc, words, &nwords)) return 2;
    opterr = 0;
    while ((ch = getopt_long(oargc, oargv, "+:i:k:f:hV", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'i':
            if (nshards == sizeof shards / sizeof *shards) {
                fprintf(stderr, "spasm-search: more than %zu -i options\n", nshards);
                return 2;
            }
            index = shards[nshards++] = optarg;
            break;
        case 'k':
            if (parse_size(optarg, &c.so.k) || c.so.k == 0) {
                fprintf(stderr, "spasm-search: -k wants a number from 1 to 1000000, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case O_OFFSET:
            if (parse_size(optarg, &c.so.offset)) {
                fprintf(stderr, "spasm-search: --offset wants a number from 0 to 1000000\n");
                return 2;
            }
            break;
        case O_FORMAT:
            format_given = 1;
            if (!strcmp(optarg, "text"))
                c.format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                c.format = FMT_JSON;
            else if (!strcmp(optarg, "trec"))
                c.format = FMT_TREC;
            else {
                fprintf(stderr, "spasm-search: --format is text, json or trec, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case O_GROUP:
            if (!strcmp(optarg, "doc"))
                c.group_doc = 1;
            else if (strcmp(optarg, "passage") != 0) {
                fprintf(stderr, "spasm-search: --group is doc or passage, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case O_NOCOLLAPSE:
        case O_COLLAPSE:
            collapse = ch == O_COLLAPSE;
            break;
        case O_EXPLAIN:
            c.so.explain = 1;
            break;
        case O_K1:
            c.so.k1 = strtod(optarg, &end);
            if (*end || end == optarg || !(c.so.k1 > 0 && c.so.k1 <= SPASM_K1_MAX)) {
                fprintf(stderr,
                        "spasm-search: --k1 wants a number above 0 and at most %g, not \"%s\"\n",
                        SPASM_K1_MAX, optarg);
                return 2;
            }
            break;
        case O_B:
            c.so.b = strtod(optarg, &end);
            if (*end || end == optarg || !(c.so.b >= 0 && c.so.b <= 1)) {
                fprintf(stderr, "spasm-search: --b wants a number from 0 to 1, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case O_EXACT:
        case O_TYPOS:
            c.so.typos = ch == O_EXACT ? SPASM_TYPOS_OFF : SPASM_TYPOS_ON;
            break;
        case O_BOILER:
        case O_NOBOILER:
            c.so.boilerplate = ch == O_BOILER ? SPASM_BOILER_ON : SPASM_BOILER_OFF;
            break;
        case O_KEEP:
            c.so.keep_stopwords = 1;
            break;
        case O_TITLE_WEIGHT: /* issue 14 part 5, fields */
            c.so.title_weight = strtod(optarg, &end);
            if (*end || end == optarg ||
                !(c.so.title_weight > 0 && c.so.title_weight <= SPASM_TITLE_WEIGHT_MAX)) {
                fprintf(stderr,
                        "spasm-search: --title-weight wants a number above 0 and at most %g, not "
                        "\"%s\"\n",
                        SPASM_TITLE_WEIGHT_MAX, optarg);
                return 2;
            }
            break;
        case O_FBT:
        case O_FBD: {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || end == optarg || optarg[0] == '-' || v > SPASM_FEEDBACK_MAX) {
                fprintf(stderr,
                        "spasm-search: --feedback-%s wants a number from 0 to %d, not \"%s\"\n",
                        ch == O_FBT ? "terms" : "docs", SPASM_FEEDBACK_MAX, optarg);
                return 2;
            }
            if (ch == O_FBT)
                c.so.feedback_terms = v;
            else
                c.so.feedback_docs = v;
            break;
        }
        case O_FBW:
            c.so.feedback_weight = strtod(optarg, &end);
            if (*end || end == optarg || !(c.so.feedback_weight > 0 && c.so.feedback_weight < 1)) {
                fprintf(stderr,
                        "spasm-search: --feedback-weight wants a number above 0 and below 1, not "
                        "\"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case O_BM25_DELTA: /* BM25+ */
            c.so.bm25_delta = strtod(optarg, &end);
            if (*end || end == optarg ||
                !(c.so.bm25_delta >= 0 && c.so.bm25_delta <= SPASM_BM25_DELTA_MAX)) {
                fprintf(stderr,
                        "spasm-search: --bm25-delta wants a number from 0 to %g, not \"%s\"\n",
                        SPASM_BM25_DELTA_MAX, optarg);
                return 2;
            }
            break;
        case O_PROX:
            c.so.proximity = strtod(optarg, &end);
            if (*end || end == optarg || !(c.so.proximity >= 0 && c.so.proximity <= 100)) {
                fprintf(stderr,
                        "spasm-search: --proximity wants a number from 0 to 100, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case O_TAG:
            c.run_tag = optarg;
            break;
        case O_COLOR:
            color = optarg;
            break;
        case O_CHECK:
            check = 1;
            break;
        case O_STDIO:
            stdio_mode = 1;
            break;
        case O_THREADS: {
            size_t t;
            if (parse_size(optarg, &t) || t < 1 || t > 64) {
                fprintf(stderr, "spasm-search: --threads wants a number from 1 to 64, not \"%s\"\n",
                        optarg);
                return 2;
            }
            c.threads = (int)t;
            break;
        }
        case 'f':
            batch = optarg;
            break;
        case O_SYN: /* synonyms and word families */
            syn_path = optarg;
            break;
        case O_NOSYN:
            c.so.no_synonyms = 1;
            break;
        case O_FAM:
            c.so.families = 1;
            break;
        case O_SYNW:
        case O_FAMW: {
            double v = strtod(optarg, &end);
            if (*end || end == optarg || !(v > 0 && v <= 1)) {
                fprintf(stderr,
                        "spasm-search: --%s wants a number above 0 and at most 1, not "
                        "\"%s\"\n",
                        ch == O_SYNW ? "synonym-weight" : "family-weight", optarg);
                return 2;
            }
            *(ch == O_SYNW ? &c.so.synonym_weight : &c.so.family_weight) = v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("spasm-search %s (index format %d)\n", spasm_version(), spasm_format_version());
            return 0;
        case ':':
            fprintf(stderr, "spasm-search: option %s needs a value\n", oargv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "spasm-search: unknown option %s (see --help)\n", oargv[optind - 1]);
            return 2;
        }
    }
    if (strcmp(color, "always") == 0)
        c.color = 1;
    else if (strcmp(color, "never") == 0)
        c.color = 0;
    else if (strcmp(color, "auto") == 0) {
        /* no-color.org: NO_COLOR disables colour when present and not empty */
        const char *nc = getenv("NO_COLOR");
        c.color = isatty(1) && !(nc && *nc);
    } else {
        fprintf(stderr, "spasm-search: --color is auto, always or never, not \"%s\"\n", color);
        return 2;
    }
    if (stdio_mode && batch) {
        fprintf(stderr, "spasm-search: -f and --stdio exclude each other\n");
        return 2;
    }
    if (stdio_mode && !format_given) c.format = FMT_JSON; /* --stdio answers in JSON by default */
    c.stdio = stdio_mode;
    if (c.format != FMT_TEXT) c.color = 0;
    c.width = c.format == FMT_TEXT ? terminal_width(1) : 0; /* wrap on a terminal only */
    if (c.format == FMT_TREC) c.so.fields = SPASM_FIELD_ID; /* no text: no inflating */
    c.so.group = c.group_doc ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
    /* Folding hides results: only a person reading one query's text output
     * gets it by default; json, trec, -f and --stdio rank as --no-collapse
     * (what scripts and evaluations expect).  With --group doc a document is
     * never folded away (README, spasm.h). */
    if (collapse == 1 && c.group_doc) {
        fprintf(stderr, "spasm-search: --collapse cannot be used with --group doc (a document "
                        "is never folded away)\n");
        return 2;
    }
    if (collapse < 0) collapse = c.format == FMT_TEXT && !batch && !stdio_mode && !c.group_doc;
    c.so.collapse = collapse;
    /* Typo correction, likewise, for a person's query on the command line
     * (text or JSON), not for a batch or TREC run (README, "Typos") */
    if (c.so.typos == SPASM_TYPOS_DEFAULT && !batch && !stdio_mode && c.format != FMT_TREC)
        c.so.typos = SPASM_TYPOS_ON;
    if (!index) index = default_index(defbuf, sizeof defbuf);
    if (!check && !batch && !stdio_mode && nwords == 0) {
        fprintf(stderr, "spasm-search: no query given (see --help)\n");
        return 2;
    }
    if ((check || batch || stdio_mode) && nwords > 0) {
        fprintf(stderr, "spasm-search: query words (\"%s\"...) cannot be given with %s\n", words[0],
                check   ? "--check"
                : batch ? "-f"
                        : "--stdio");
        return 2;
    }
    if (syn_path) { /* --synonyms FILE: used instead of the index's stored ones */
        int rc = spasm_synonyms_load(&syn_table, syn_path);
        atexit(free_syn_table);
        if (rc) {
            fprintf(stderr, "spasm-search: %s\n", spasm_synonyms_errmsg(syn_table));
            return 2;
        }
        c.so.synonyms = syn_table;
    }
    spasm_index *ix;
    if ((nshards > 1 ? spasm_open_many(&ix, shards, nshards, NULL)
                     : spasm_open(&ix, index, NULL)) != SPASM_OK) {
        fprintf(stderr, "spasm-search: %s\n", spasm_index_errmsg(ix));
        spasm_close(ix);
        return 2;
    }
    print_notes(ix);
    catch_sigbus(index);
    if (check) {
        int rc = spasm_index_verify(ix);
        if (rc)
            fprintf(stderr, "spasm-search: %s\n", spasm_index_errmsg(ix));
        else {
            spasm_index_stats st;
            spasm_index_get_stats(ix, &st);
            printf("%s%s: ok (%llu documents, %llu passages, %llu terms, %llu bytes", index,
                   nshards > 1 ? " and the other -i" : "", (unsigned long long)st.documents,
                   (unsigned long long)st.passages, (unsigned long long)st.terms,
                   (unsigned long long)st.file_bytes);
            if (st.format_version > 1 || st.segments > 1) /* a live index, shards */
                printf("; generation %llu, %llu segments, %llu deleted documents",
                       (unsigned long long)st.generation, (unsigned long long)st.segments,
                       (unsigned long long)st.deleted_documents);
            printf(")\n");
        }
        spasm_close(ix);
        return rc ? 2 : 0;
    }
    spasm_searcher *s;
    if (spasm_searcher_new(ix, &s) != SPASM_OK) {
        fprintf(stderr, "spasm-search: out of memory\n");
        spasm_close(ix);
        return 2;
    }
    int status;
    if (stdio_mode || batch) {
        status = run_batch(&c, ix, s, stdio_mode ? "-" : batch);
    } else {
        size_t len = 0;
        for (int i = 0; i < nwords; i++) len += strlen(words[i]) + 1;
        char *q = malloc(len + 1);
        if (!q) {
            fprintf(stderr, "spasm-search: out of memory\n");
            status = 2;
        } else {
            q[0] = 0;
            for (int i = 0; i < nwords; i++) {
                if (i > 0) strcat(q, " ");
                strcat(q, words[i]);
            }
            int code;
            status = run_query(stdout, stderr, &c, s, c.format == FMT_TREC ? "1" : NULL, q, NULL, 0,
                               &code);
            free(q);
        }
    }
    spasm_searcher_free(s);
    spasm_close(ix);
    return status;
}
