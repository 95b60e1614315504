/*
 * hello.c -- the smallest complete use of libspasm: index three documents,
 * commit the index to a temporary file, open it, search it, print the hits.
 *
 *     cc hello.c $(pkg-config --cflags --libs spasm) -o hello
 */
#include <spasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *docs[][3] = {
    {"cats", "Cats", "The cat sat on the mat. Then the cat purred."},
    {"dogs", "Dogs", "A dog barked at the cat, then chased its own tail all afternoon."},
    {"fish", "Fish", "Goldfish swim in circles and never seem to sleep."},
};

int main(int argc, char **argv)
{
    const char *query = argc > 1 ? argv[1] : "cat";
    char path[] = "/tmp/spasm-hello-XXXXXX";
    int fd = mkstemp(path); /* a unique name; the writer replaces the file */
    if (fd < 0) return perror("mkstemp"), 2;
    close(fd);

    spasm_writer *w;
    int rc = spasm_writer_new(&w, path, NULL);
    for (size_t i = 0; rc == SPASM_OK && i < sizeof docs / sizeof *docs; i++)
        rc = spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2]));
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    if (rc != SPASM_OK) fprintf(stderr, "hello: %s\n", spasm_writer_errmsg(w));
    spasm_writer_abandon(w);

    spasm_index *ix = NULL;
    spasm_searcher *s = NULL;
    spasm_results *r = NULL;
    if (rc == SPASM_OK && (rc = spasm_open(&ix, path, NULL)) != SPASM_OK)
        fprintf(stderr, "hello: %s\n", spasm_index_errmsg(ix));
    if (rc == SPASM_OK && (rc = spasm_searcher_new(ix, &s)) != SPASM_OK)
        fprintf(stderr, "hello: %s\n", spasm_errstr(rc));
    if (rc == SPASM_OK && (rc = spasm_search(s, query, NULL, &r)) != SPASM_OK)
        fprintf(stderr, "hello: %s\n", spasm_searcher_errmsg(s));
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        printf("%zu. %-5s %.4f  %s\n", i + 1, h->doc_id, h->score, h->text);
    }
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
    unlink(path);
    return rc == SPASM_OK ? 0 : 2;
}
