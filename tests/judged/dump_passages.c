/*
 * dump_passages.c -- print every passage of an index with the name the
 * judged query set uses for it (DOCID#N, N from 1, as spasm-search
 * --format trec prints it), for judging new queries by reading.
 *
 *   bench/judged.sh --passages [INDEX]      builds and runs this program
 */
#include <stdint.h>
#include <stdio.h>

#include "spasm.h"

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "build/corpus.spx";
    spasm_index *ix;
    if (spasm_open(&ix, path, NULL) != SPASM_OK) {
        fprintf(stderr, "dump_passages: %s\n", ix ? spasm_index_errmsg(ix) : "out of memory");
        spasm_close(ix);
        return 2;
    }
    spasm_searcher *s;
    if (spasm_searcher_new(ix, &s) != SPASM_OK) {
        spasm_close(ix);
        return 2;
    }
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    int status = 0;
    for (uint32_t p = 0; p < st.passages && status == 0; p++) {
        spasm_results *r;
        if (spasm_get_passage(s, p, &r) != SPASM_OK) {
            fprintf(stderr, "dump_passages: %s\n", spasm_searcher_errmsg(s));
            status = 2;
            break;
        }
        const spasm_hit *h = spasm_results_hit(r, 0);
        printf("== %s#%u  [%s]\n%s\n\n", h->doc_id, h->ordinal + 1, h->title, h->text);
        spasm_results_free(r);
    }
    spasm_searcher_free(s);
    spasm_close(ix);
    return status;
}
