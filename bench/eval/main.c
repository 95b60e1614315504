/*
 * main.c -- spasm-eval: score a TREC run against TREC qrels the way
 * `trec_eval -c -m map -m P.10 -m recall.1000 -m ndcg_cut.10` does.
 *
 *   spasm-eval [-q] QRELS RUN
 *
 * Prints trec_eval-style lines ("%-22s\t%s\t%6.4f"): with -q, the measures of
 * every evaluated query first, then the means ("all").  Exit status: 0 on
 * success, 2 on an error, with one line on stderr naming the file and line.
 */
#include <stdio.h>
#include <string.h>

#include "trec_eval.h"

static const char usage[] = "usage: spasm-eval [-q] QRELS RUN\n"
                            "Score a TREC run against TREC qrels with trec_eval's definitions\n"
                            "(map, P_10, recall_1000, ndcg_cut_10).\n\n"
                            "  -q          also print the measures of every query\n"
                            "  -h, --help  print this help and exit\n";

/* Print `msg` as the single error line of the program; returns the exit status 2. */
static int fail(const char *msg)
{
    fprintf(stderr, "spasm-eval: %s\n", msg);
    return 2;
}

/* Parse the arguments, evaluate, print; returns the exit status. */
int main(int argc, char **argv)
{
    int per_query = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "-q") == 0) {
            per_query = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "spasm-eval: unknown option %s (usage: spasm-eval [-q] QRELS RUN)\n",
                    argv[i]);
            return 2;
        }
    }
    if (argc - i != 2) {
        fputs("spasm-eval: expected two files (usage: spasm-eval [-q] QRELS RUN)\n", stderr);
        return 2;
    }
    const char *qrels_path = argv[i], *run_path = argv[i + 1];

    te_error err;
    te_qrels *qrels = NULL;
    te_run *run = NULL;
    te_eval *ev = NULL;
    int status = 0;
    if (te_qrels_read(qrels_path, &qrels, &err) != TE_OK ||
        te_run_read(run_path, &run, &err) != TE_OK) {
        status = fail(err.msg);
    } else if (te_evaluate(qrels, run, &ev, &err) != TE_OK) {
        status = fail(err.msg);
    } else {
        if (ev->num_q_in_run == 0)
            fprintf(stderr,
                    "spasm-eval: warning: %s has no results for any query of %s "
                    "(do the query ids match?)\n",
                    run_path, qrels_path);
        if (te_eval_print(stdout, ev, per_query) != TE_OK) status = fail("error writing output");
    }
    te_eval_free(ev);
    te_run_free(run);
    te_qrels_free(qrels);
    return status;
}
