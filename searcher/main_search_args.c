/*
 * main_search_args.c -- spasm-search's arguments sorted into options and
 * query words, so that "spasm-search cramp -menstrual -k 5" mixes them as
 * users expect; its --help text, numbers and default index.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spasm.h"

#include "main_search.h"

/* The option of opts named by "--name" (name[0, len)): an exact match or
 * the only one it abbreviates, as getopt_long reads it; NULL if none. */
static const struct option *long_option(const struct option *opts, const char *name, size_t len)
{
    const struct option *found = NULL;
    int n = 0;
    for (const struct option *o = opts; o->name; o++) {
        if (strncmp(o->name, name, len) != 0) continue;
        if (o->name[len] == 0) return o;
        if (!found || found->flag != o->flag || found->val != o->val) n++;
        found = o;
    }
    return n == 1 ? found : NULL;
}

/*
 * Sort the arguments into options (with their values, into oargv) and
 * query words (into words), so that they mix as users expect:
 *   - "--" ends the options: everything after it is query;
 *   - "--name[=value]" is a long option (an unknown one is left for
 *     getopt_long to report by its name); its value may be the next
 *     argument;
 *   - "-i", "-k", "-f" (value in the next argument), "-h", "-V" and "-kN"
 *     (N digits) are short options; any other argument of more than two
 *     bytes starting with '-' is a query word ("-menstrual" excludes the
 *     word); "-x" alone is an unknown option (a one-letter word to exclude
 *     goes after --).
 * Returns 0, or 2 after an error message.
 */
int split_args(int argc, char **argv, const struct option *opts, char **oargv, int *oargc,
               char **words, int *nwords)
{
    int no = 0, nw = 0;
    oargv[no++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (++i < argc) words[nw++] = argv[i];
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            words[nw++] = argv[i];
        } else if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            const struct option *o =
                long_option(opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
            oargv[no++] = argv[i];
            if (o && o->has_arg == required_argument && !eq && i + 1 < argc)
                oargv[no++] = argv[++i];
        } else if (a[2] == 0) {
            if (!strchr("ikfhV", a[1])) {
                fprintf(
                    stderr,
                    "spasm-search: unknown option %s (see --help; to exclude a one-letter word, "
                    "put it after --)\n",
                    a);
                return 2;
            }
            oargv[no++] = argv[i];
            if (strchr("ikf", a[1]) && i + 1 < argc) oargv[no++] = argv[++i];
        } else if (a[1] == 'k' && strspn(a + 2, "0123456789") == strlen(a + 2)) {
            oargv[no++] = argv[i];
        } else {
            words[nw++] = argv[i]; /* "-menstrual": a word to exclude */
        }
    }
    oargv[no] = NULL;
    *oargc = no;
    *nwords = nw;
    return 0;
}

/* The sorted arguments (split_args), freed by free_arg_arrays at exit. */
char **arg_arrays[2];

void free_arg_arrays(void)
{
    free(arg_arrays[0]);
    free(arg_arrays[1]);
}

/* spasm-search --help, to f. */
void usage(FILE *f)
{
    fprintf(f, "usage: spasm-search [OPTIONS] QUERY...\n"
               "       spasm-search [OPTIONS] -f FILE      (one query per line; - for stdin)\n"
               "       spasm-search [OPTIONS] --stdio      (answer queries until end of input)\n"
               "Rank passages of an index by BM25 and print the best.\n"
               "\n"
               "  -i, --index PATH     index to search: a file or a live index folder\n"
               "                       (default: $SPASM_INDEX, else the bundled corpus\n"
               "                       index); several -i: searched as one collection\n"
               "  -k, --top N          results per query (default 10)\n"
               "      --offset N       skip the first N results (paging)\n"
               "      --format FMT     text (default), json (JSON Lines) or trec\n"
               "      --group doc      one result per document: its best passage\n"
               "      --collapse       fold near-duplicate passages into the better one\n"
               "                       (the default of a text query, not of json, trec,\n"
               "                       -f or --stdio; never with --group doc)\n"
               "      --no-collapse    keep near-duplicate passages\n"
               "      --explain        show how each score adds up\n"
               "      --k1 K1, --b B   BM25 parameters, 0 < K1 <= 100 and 0 <= B <= 1\n"
               "                       (default: the index's)\n"
               "      --keep-stopwords do not drop stop words from the query\n"
               "      --title-weight W\n"
               "                       a word counts W times in the title (BM25F-style;\n"
               "                       default 1: once; title:word and text:word ignore it)\n"
               "      --typos          search a word the index lacks as its closest\n"
               "                       indexed word (\"showing results for\" on stderr):\n"
               "                       the default of a query on the command line, not\n"
               "                       of trec, -f or --stdio\n"
               "      --exact          search the words as typed: no typo correction\n"
               "      --proximity W    weight of the term-proximity component, 0 (off,\n"
               "                       the default) to 100: words of the query close\n"
               "                       together score higher\n"
               "      --bm25-delta D   BM25+: each query word a passage holds adds\n"
               "                       idf * D (0, plain BM25, the default, to 10)\n"
               "      --boilerplate, --no-boilerplate\n"
               "                       scale a passage's score by its page-furniture\n"
               "                       prior (comment forms, \"Return to\" links), or not\n"
               "      --feedback-terms T\n"
               "                       pseudo-relevance feedback (RM3): add the T most\n"
               "                       likely words of the top passages' model (0: off)\n"
               "      --feedback-docs D\n"
               "                       passages the model is made of (default 10)\n"
               "      --feedback-weight L\n"
               "                       the typed query's share, 0 to 1 (default 0.5)\n"
               "      --run-tag TAG    tag column of --format trec (default spasm)\n"
               "      --color WHEN     auto (default: colour on a terminal unless NO_COLOR is\n"
               "                       set and not empty), always or never\n"
               "      --check          verify every checksum of the index and exit\n"
               "  -f, --file FILE      batch: \"qid<TAB>query\" or a bare query per line\n"
               "      --threads N      run a -f batch on N threads (output unchanged)\n"
               "      --stdio          read queries from stdin as -f does, answer each\n"
               "                       (JSON Lines unless --format says otherwise) followed\n"
               "                       by an empty line, flushed\n"
               "      --synonyms FILE  synonyms (\"a, b, c\" and \"a => b\" lines, # comments),\n"
               "                       instead of those stored in the index\n"
               "      --no-synonyms    no synonyms, not even those stored in the index\n"
               "      --synonym-weight W  weight of a synonym, 0 < W <= 1 (default 0.5)\n"
               "      --families       also match word families (pregnant: pregnancy)\n"
               "      --family-weight W   their weight, 0 < W <= 1 (default 0.5)\n"
               "  -h, --help, -V, --version\n"
               "\n"
               "Query syntax:\n"
               "  night calf cramps        any word may match, best first (BM25)\n"
               "  \"renal colic\"            exact phrase\n"
               "  +magnesium -menstrual    must / must not contain\n"
               "  (cramp OR spasm) AND night   boolean operators (capitals), parentheses\n"
               "  dehydrat*                words starting with a prefix\n"
               "  calf NEAR/5 night        words within 5 positions, any order (1 to 1000)\n"
               "  cramp* NEAR (night OR sleep), \"muscle cramp*\"   prefixes, groups in NEAR\n"
               "                           and phrases\n"
               "\n"
               "Options and query words mix: an argument starting with '-' that is not one\n"
               "of the options above is a word to exclude (spasm-search cramp -menstrual);\n"
               "only -k takes its value attached (-k20); everything after -- is query.\n"
               "A prefix that matched more terms than its share of the query's budget\n"
               "(256 terms, at most 256 per prefix, the most frequent kept) is noted\n"
               "on stderr (JSON hits then carry \"expansion_cut\": true).\n"
               "\n"
               "Exit status: 0 results found, 1 none, 2 error.\n");
}

/* A count from 0 to 1,000,000 in s; 0 or -1. */
int parse_size(const char *s, size_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == 0 || *end || v < 0 || v > 1000000) return -1;
    *out = (size_t)v;
    return 0;
}
