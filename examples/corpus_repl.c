/*
 * corpus_repl.c -- answer queries against an index, one per line on stdin.
 *
 *     corpus_repl [INDEX] < queries.txt
 *
 * INDEX defaults to the bundled corpus index that `make install` puts in
 * PREFIX/share/spasm/corpus.spx (SPASM_CORPUS_INDEX, set at build time,
 * e.g. -DSPASM_CORPUS_INDEX="\"$(pkg-config --variable=corpusindex spasm)\"").
 * For each query it prints the top 3 passages, one per line:
 *
 *     rank TAB doc id TAB passage (1-based in its document) TAB score TAB snippet
 *
 * with the matched words of the snippet in [brackets], then an empty line.
 * A query that cannot be searched is reported on stderr and skipped.
 */
#include <spasm.h>
#include <stdio.h>
#include <string.h>

#ifndef SPASM_CORPUS_INDEX
#define SPASM_CORPUS_INDEX "/usr/local/share/spasm/corpus.spx"
#endif

/* Print the snippet window of h, with each highlighted span in brackets. */
static void print_snippet(const spasm_hit *h)
{
    uint32_t at = h->snippet_start;
    if (at > 0) fputs("...", stdout);
    for (size_t i = 0; i < h->nhighlights; i++) {
        const spasm_span *sp = &h->highlights[i];
        if (sp->start < at || sp->end > h->snippet_end) continue;
        fwrite(h->text + at, 1, sp->start - at, stdout);
        printf("[%.*s]", (int)(sp->end - sp->start), h->text + sp->start);
        at = sp->end;
    }
    fwrite(h->text + at, 1, h->snippet_end - at, stdout);
    if (h->snippet_end < h->text_len) fputs("...", stdout);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : SPASM_CORPUS_INDEX;
    spasm_index *ix;
    if (spasm_open(&ix, path, NULL) != SPASM_OK) {
        fprintf(stderr, "corpus_repl: %s\n", spasm_index_errmsg(ix));
        spasm_close(ix);
        return 2;
    }
    spasm_searcher *s;
    int rc = spasm_searcher_new(ix, &s);
    if (rc != SPASM_OK) {
        fprintf(stderr, "corpus_repl: %s\n", spasm_errstr(rc));
        spasm_close(ix);
        return 2;
    }
    spasm_search_options opt;
    spasm_search_options_init(&opt);
    opt.k = 3;
    opt.snippet_bytes = 160;
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        spasm_results *r;
        if (spasm_search(s, line, &opt, &r) != SPASM_OK) {
            fprintf(stderr, "corpus_repl: %s\n", spasm_searcher_errmsg(s));
            continue;
        }
        for (size_t i = 0; i < spasm_results_count(r); i++) {
            const spasm_hit *h = spasm_results_hit(r, i);
            printf("%zu\t%s\t%u\t%.6f\t", i + 1, h->doc_id, h->ordinal + 1, h->score);
            print_snippet(h);
            putchar('\n');
        }
        putchar('\n');
        fflush(stdout);
        spasm_results_free(r);
    }
    spasm_searcher_free(s);
    spasm_close(ix);
    return 0;
}
