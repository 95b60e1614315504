/*
 * testutil.h -- what the cmocka suites share: where the build tree is and
 * running a shell command, reading and writing whole files.  Linked into every test binary
 * (Makefile: TEST_HELPERS).
 */
#ifndef SPASM_TESTUTIL_H
#define SPASM_TESTUTIL_H

#include <stddef.h>

/* The build tree the tests run against: $SPASM_TEST_BUILD, else "build". */
const char *build_dir(void);

/* Run a shell command made from a printf format; returns its exit status
 * (-1 when it did not exit normally). */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole file at path, NUL-terminated (its length in *n; malloc'd),
 * or NULL when it cannot be read. */
char *slurp(const char *path, size_t *n);

/* Write data[0, n) to path (created or truncated); a failure fails the
 * running test. */
void write_file(const char *path, const void *data, size_t n);

/* The number of entries of directory dir whose name contains part (0 when
 * dir cannot be read). */
int count_names(const char *dir, const char *part);

#endif
