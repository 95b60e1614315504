/*
 * test_live_alloc.c -- an updater whose allocator fails: each allocation
 * of a scenario (open, replace, add, delete, commit, optimize, close) is
 * made to fail in turn.  Every failure is SPASM_ENOMEM (or the sticky
 * error after it), nothing crashes or leaks (the sanitizer build checks),
 * and the folder is left at a committed state: the one before or one of
 * the scenario's, with no leftover once the next updater opened it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"

static char src[512], dir[600];

typedef struct failing {
    long count, fail_at, failed;
} failing;

/* realloc-style; fails allocation number fail_at (counting from 1). */
static void *fail_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    failing *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (++f->count == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    return realloc(ptr, nsize);
}

static int setup(void **st)
{
    (void)st;
    lu_tmpname(src, sizeof src, "src.spx");
    snprintf(dir, sizeof dir, "%.*s/work.spx", (int)(strrchr(src, '/') - src), src);
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, src, NULL), 0);
    const char *ids[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        char text[64];
        snprintf(text, sizeof text, "first text of %s about salt and water", ids[i]);
        assert_int_equal(spasm_updater_add(u, ids[i], "Title", text, strlen(text)), 0);
    }
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_close(u);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    lu_rmtree(src);
    return 0;
}

/* The scenario with allocation fail_at failing; returns the first error
 * (0 when none failed). */
static int scenario(failing *f)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    o.alloc = fail_alloc;
    o.alloc_ud = f;
    spasm_updater *u;
    int rc = spasm_updater_open(&u, dir, &o);
    if (!u) return rc;
    const char *t1 = "second text of b about magnesium", *t2 = "text of d about cramps";
    if (!rc) rc = spasm_updater_add(u, "b", NULL, t1, strlen(t1));
    if (!rc) rc = spasm_updater_add(u, "d", "D", t2, strlen(t2));
    if (!rc) rc = spasm_updater_delete(u, "a");
    if (!rc) rc = spasm_updater_delete(u, "zz");
    if (!rc) rc = spasm_updater_commit(u);
    if (!rc) rc = spasm_updater_optimize(u);
    if (rc) assert_true(strlen(spasm_updater_errmsg(u)) > 0);
    spasm_updater_close(u);
    return rc;
}

static void test_every_allocation(void **st)
{
    (void)st;
    long total = 0;
    {
        failing f = {0, 0, 0};
        assert_int_equal(run("rm -rf '%s' && cp -r '%s' '%s'", dir, src, dir), 0);
        assert_int_equal(scenario(&f), 0);
        total = f.count;
        char *ids = lu_live_ids(dir);
        assert_string_equal(ids, "c\nb\nd\n");
        free(ids);
    }
    assert_true(total > 50);
    long tried = 0;
    for (long n = 1; n <= total; n += n < 200 ? 1 : 5) {
        failing f = {0, n, 0};
        assert_int_equal(run("rm -rf '%s' && cp -r '%s' '%s'", dir, src, dir), 0);
        int rc = scenario(&f);
        if (f.failed && rc) assert_int_equal(rc, SPASM_ENOMEM);
        char *ids = lu_live_ids(dir);
        if (strcmp(ids, "a\nb\nc\n") && strcmp(ids, "c\nb\nd\n"))
            fail_msg("allocation %ld: the folder holds \"%s\"", n, ids);
        free(ids);
        spasm_updater *u;
        assert_int_equal(spasm_updater_open(&u, dir, NULL), 0);
        spasm_updater_close(u);
        lu_no_leftovers(dir);
        tried++;
    }
    if (getenv("SPASM_LIVE_VERBOSE")) fprintf(stderr, "%ld allocations, %ld tried\n", total, tried);
    assert_true(tried > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_allocation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
