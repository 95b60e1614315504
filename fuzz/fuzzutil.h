/*
 * fuzzutil.h -- what the libFuzzer targets in fuzz/ share: checks that a
 * result set is well formed, searches that exercise an index, and files
 * that live in memory (memfd) or in a private temporary directory.
 */
#ifndef SPASM_FUZZUTIL_H
#define SPASM_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "spasm.h"

/* Print "fuzz: MSG" on stderr and abort (the fuzzer reports a crash). */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                            \
    } while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Abort unless rc is one of the codes a search may return on any input
 * (OK, EQUERY, EINVAL, ECORRUPT, ENOTFOUND; never ENOMEM, EIO). */
void fuzz_check_rc(int rc, const char *what);

/* Abort unless r, the result of a search with options o, is well formed:
 * at most k hits, scores finite and in order, every hit's passage,
 * document and ordinal in range and consistent with spasm_doc_passages,
 * highlights and snippet inside the text, folded duplicates ranked lower. */
void fuzz_check_results(spasm_searcher *s, const spasm_results *r, const spasm_search_options *o,
                        const spasm_index_stats *st);

/* Run `query` through spasm_search (with o) on s and check the results:
 * with st (a sound index, its stats) fully, and against spasm_count;
 * without, only their shapes.  Returns spasm_search's code. */
int fuzz_search(spasm_searcher *s, const char *query, const spasm_search_options *o,
                const spasm_index_stats *st);
/* The same, against spasm_count only when count_too (fuzz_query lets an
 * input bit choose: the count evaluates the query a second time). */
int fuzz_search_count(spasm_searcher *s, const char *query, const spasm_search_options *o,
                      const spasm_index_stats *st, int count_too);

/* Exercise an open index: a fixed set of queries with several options,
 * document lookups and passage fetches.  The index may be corrupt, so
 * only the shapes of what comes back are checked (any code of
 * fuzz_check_rc may come back). */
void fuzz_exercise_index(spasm_index *ix);

/* A memfd holding data[0, n); path receives "/proc/self/fd/N" (room for
 * 64 bytes).  Returns the descriptor (close it after use) or aborts. */
int fuzz_memfile(const uint8_t *data, size_t n, char *path);

/* A private temporary directory (under /dev/shm when it is there), made
 * once and removed with its files at exit. */
const char *fuzz_tmpdir(void);

/* The directory "in" of fuzz_tmpdir(), made once (not a mkdir and an
 * rmdir per input): a target puts its one input
 * file there and removes it before returning, so that it is empty
 * between inputs.  Removed at exit. */
const char *fuzz_input_dir(void);

/* Write data[0, n) to the file path (created or truncated); aborts on error. */
void fuzz_write_file(const char *path, const void *data, size_t n);

/* The index of fuzz_query and fuzz_synonyms: SPASM_FUZZ_INDEX (default
 * build/fuzz-query.spx) opened and verified, one searcher on it and its
 * statistics; freed at exit (so that LeakSanitizer sees only leaks).
 * Exits 2 naming `who` when it cannot be opened. */
typedef struct fuzz_qix {
    spasm_index *ix;
    spasm_searcher *s;
    spasm_index_stats st;
} fuzz_qix;
fuzz_qix *fuzz_open_query_index(const char *who);

#endif
