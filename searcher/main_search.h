/*
 * main_search.h -- what spasm-search's files share (a program's header,
 * not the library's): its configuration, the output of one result and of
 * an error (main_search_out.c), the wrapping of a passage to the
 * terminal (main_search_wrap.c), and the sorting of its arguments into
 * options and query words (main_search_args.c); the default index
 * (main_default.h, shared with spasm-serve).
 */
#ifndef SPASM_MAIN_SEARCH_H
#define SPASM_MAIN_SEARCH_H

#include <getopt.h>
#include <stdio.h>

#include "spasm.h"

#include "main_default.h"

enum { FMT_TEXT, FMT_JSON, FMT_TREC };

typedef struct cfg {
    int format, color, group_doc, threads;
    int stdio;    /* --stdio: an empty line and a flush after each answer */
    size_t width; /* text: wrap passages to this many columns (0: do not) */
    const char *run_tag;
    spasm_search_options so;
} cfg;

/* Print hit h (1-based rank) as text: header line, snippet, "also in". */
void print_text_hit(FILE *out, const cfg *c, size_t rank, const spasm_hit *h);

/* Print hit h as one JSON line (qid in a batch; cut: a prefix expansion
 * was cut, "expansion_cut": true; suggestion: the query as corrected,
 * "suggestion", when not NULL or ""). */
void print_json_hit(FILE *out, const cfg *c, const char *qid, size_t rank, const spasm_hit *h,
                    int cut, const char *suggestion);

/* Report an error of one query (see main_search_out.c). */
void report_error(FILE *out, FILE *err, const cfg *c, const char *qid, unsigned long lineno,
                  const char *where, const char *msg);

/* Print s[0..n) after `indent`, wrapped at spaces to `width` display
 * columns with continuation lines under the indent, then a newline
 * (main_search_wrap.c). */
void print_wrapped(FILE *out, const char *s, size_t n, size_t width, const char *indent);

/* The width of the terminal on fd (COLUMNS when set to a number, else
 * TIOCGWINSZ), 0 when fd is not a terminal or its width is unknown. */
size_t terminal_width(int fd);

/* Sort argv into options (oargv, for getopt_long) and query words (words);
 * see main_search_args.c.  Returns 0, or 2 after an error message. */
int split_args(int argc, char **argv, const struct option *opts, char **oargv, int *oargc,
               char **words, int *nwords);

/* The arrays split_args fills, freed at exit by free_arg_arrays(). */
extern char **arg_arrays[2];
void free_arg_arrays(void);

/* Run query q and print its hits to out, its messages to err (qid: the
 * batch's query id, NULL for a query from the command line; where/lineno:
 * the batch line, for messages); *code gets the library's return code.
 * 0 found, 1 nothing found, 2 an error (main_search.c). */
int run_query(FILE *out, FILE *err, const cfg *c, spasm_searcher *s, const char *qid, const char *q,
              const char *where, unsigned long lineno, int *code);

/* Run the batch `file` ("-": standard input, as --stdio reads it) and
 * print every answer in line order; the exit status: 0 something found,
 * 1 nothing, 2 an error that stopped it (main_search_batch.c). */
int run_batch(const cfg *c, spasm_index *ix, spasm_searcher *s, const char *file);

/* main_search_args.c: --help; a count (0 to 1,000,000; 0 or -1). */
void usage(FILE *f);
int parse_size(const char *s, size_t *out);

#endif
