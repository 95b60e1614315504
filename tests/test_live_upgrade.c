/*
 * test_live_upgrade.c -- a single-file index (format 1) becomes a live
 * folder atomically on its first update (indexer/live_upgrade.c): the
 * folder holds the file as segment 1 (same bytes, no copy) and commit
 * point 1 with its counts; a reader that had the file open keeps
 * answering; nothing is left beside it; what a crash before or after the
 * swap leaves is swept by the next updater unless a live process holds it;
 * a second upgrade at once is refused.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base.h"
#include "commit.h"
#include "live_upgrade.h"
#include "spasm.h"
#include "testutil.h"

static char dir[256], ix[300];
static sp_alloc A;

/* Build a small format-1 index at ix. */
static void build(void)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, ix, NULL), 0);
    assert_int_equal(spasm_writer_add(w, "a", "Cramps", "Night cramps in the calf.", 25), 0);
    assert_int_equal(spasm_writer_add(w, "b", "Colic", "Renal colic and kidney stones.", 30), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

static int setup(void **state)
{
    (void)state;
    sp_alloc_init(&A, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/spasm-upg-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(ix, sizeof ix, "%s/notes.spx", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", dir) == 0 ? 0 : -1;
}

/* The number of hits of q on the index at path. */
static size_t hits(spasm_index *x, const char *q)
{
    spasm_searcher *s;
    spasm_results *r;
    assert_int_equal(spasm_searcher_new(x, &s), 0);
    assert_int_equal(spasm_search(s, q, NULL, &r), 0);
    size_t n = spasm_results_count(r);
    spasm_results_free(r);
    spasm_searcher_free(s);
    return n;
}

static void test_upgrade(void **state)
{
    (void)state;
    run("rm -rf %s/*", dir);
    build();
    size_t n = 0;
    char *orig = slurp(ix, &n);
    assert_non_null(orig);
    spasm_index *old;
    assert_int_equal(spasm_open(&old, ix, NULL), 0);
    char err[SP_ERRMSG_MAX] = "";
    assert_int_equal(sp_live_upgrade(&A, ix, err), 0);
    struct stat st;
    assert_int_equal(stat(ix, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* segment 1 is the file, byte for byte */
    char seg[400], name[64];
    sp_seg_name(name, 1);
    snprintf(seg, sizeof seg, "%s/%s", ix, name);
    size_t m = 0;
    char *copy = slurp(seg, &m);
    assert_int_equal(m, n);
    assert_memory_equal(copy, orig, n);
    /* commit point 1 names it with its counts */
    int dfd = open(ix, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    sp_commit c;
    sp_buf warn;
    sp_buf_init(&warn, &A);
    assert_int_equal(sp_commit_read_newest(&A, dfd, ix, &c, &warn, err), 0);
    assert_int_equal(warn.n, 0);
    assert_int_equal(c.gen, 1);
    assert_int_equal(c.nseg, 1);
    assert_int_equal(c.seg[0].id, 1);
    assert_int_equal(c.seg[0].size, n);
    assert_int_equal(c.seg[0].head_crc, sp_crc32(0, orig, 128));
    assert_int_equal(c.seg[0].npass, 2);
    assert_int_equal(c.seg[0].ndocs, 2);
    assert_int_equal(c.seg[0].del_gen, 0);
    assert_true(c.next_seg > 1);
    assert_true(c.k1 > 1.39 && c.k1 < 1.41);
    sp_commit_free(&A, &c);
    sp_buf_free(&warn);
    close(dfd);
    /* the reader that had the file keeps answering; nothing is left beside */
    assert_int_equal(hits(old, "cramps"), 1);
    spasm_close(old);
    assert_int_equal(count_names(dir, ".tmp-"), 0);
    /* the folder is no file to upgrade */
    assert_int_not_equal(sp_live_upgrade(&A, ix, err), 0);
    assert_non_null(strstr(err, "notes.spx"));
    free(orig);
    free(copy);
}

/* A crash before the swap leaves a temporary folder, after it the old
 * file under the temporary name: both are swept, unless locked. */
static void test_sweep(void **state)
{
    (void)state;
    run("rm -rf %s/*", dir);
    build();
    /* before the swap: a folder holding a segment link and a commit point */
    run("mkdir %s/notes.spx.tmp-99-1 && ln %s %s/notes.spx.tmp-99-1/seg-0000000000000001.sps && "
        "touch %s/notes.spx.tmp-99-1/commit-0000000000000001.spc",
        dir, ix, dir, dir);
    /* after the swap: the old file */
    run("cp %s %s/notes.spx.tmp-98-2", ix, dir);
    /* a live writer's: locked, kept */
    run("mkdir %s/notes.spx.tmp-97-3", dir);
    char held[400];
    snprintf(held, sizeof held, "%s/notes.spx.tmp-97-3", dir);
    int hfd = open(held, O_RDONLY | O_DIRECTORY);
    assert_true(hfd >= 0);
    assert_int_equal(flock(hfd, LOCK_EX), 0);
    /* someone else's folder of another shape: kept */
    run("mkdir %s/notes.spx.tmp-96-4 && touch %s/notes.spx.tmp-96-4/mine.txt", dir, dir);
    assert_int_equal(sp_live_sweep_siblings(&A, ix), 2);
    assert_int_equal(count_names(dir, ".tmp-"), 2);
    close(hfd);
    assert_int_equal(sp_live_sweep_siblings(&A, ix), 1);
    assert_int_equal(count_names(dir, ".tmp-"), 1); /* the one with mine.txt */
    /* the index itself is untouched and upgrades */
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_live_upgrade(&A, ix, err), 0);
}

/* While one upgrade holds the file, another is refused (EBUSY). */
static void test_busy(void **state)
{
    (void)state;
    run("rm -rf %s/*", dir);
    build();
    int fd = open(ix, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_live_upgrade(&A, ix, err), SPASM_EBUSY);
    struct stat st;
    assert_int_equal(stat(ix, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    close(fd);
    assert_int_equal(count_names(dir, ".tmp-"), 0);
}

/* A file that is no index is refused and left alone. */
static void test_foreign(void **state)
{
    (void)state;
    run("rm -rf %s/* && echo hello > %s", dir, ix);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_live_upgrade(&A, ix, err), SPASM_ECORRUPT);
    size_t n = 0;
    char *s = slurp(ix, &n);
    assert_string_equal(s, "hello\n");
    free(s);
    assert_int_equal(count_names(dir, ".tmp-"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgrade),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_foreign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
