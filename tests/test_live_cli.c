/*
 * test_live_cli.c -- spasm-index on live index folders: --update, --delete,
 * --ids-from, --optimize, --info, --live and --single-file, and the one-line
 * errors with exit status 2 (a locked index names the holder, a foreign
 * file or folder is never touched, a newer version and a format-1 file are
 * refused), a damaged commit point falling back with a warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"

static char dir[512], base[512], bin[600];

static int setup(void **st)
{
    (void)st;
    lu_tmpname(dir, sizeof dir, "n.spx");
    snprintf(base, sizeof base, "%.*s", (int)(strrchr(dir, '/') - dir), dir);
    char *abs = realpath(build_dir(), NULL);
    assert_non_null(abs);
    snprintf(bin, sizeof bin, "%s/bin/spasm-index", abs);
    free(abs);
    char p[700];
    snprintf(p, sizeof p, "%s/one.jsonl", base);
    const char *one = "{\"id\":\"a\",\"text\":\"apples and pears\"}\n"
                      "{\"id\":\"b\",\"text\":\"bananas\"}\n";
    write_file(p, one, strlen(one));
    snprintf(p, sizeof p, "%s/two.jsonl", base);
    const char *two = "{\"id\":\"b\",\"text\":\"bananas again\"}\n"
                      "{\"id\":\"c\",\"text\":\"cherries\"}\n"
                      "{\"id\":\"c\",\"text\":\"cherries two\"}\n";
    write_file(p, two, strlen(two));
    snprintf(p, sizeof p, "%s/gone.txt", base);
    write_file(p, "c\n\nzz\r\n", 7);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    lu_rmtree(dir);
    return 0;
}

/* Run spasm-index with args (a printf format), stderr to BASE/err;
 * returns the exit status. */
static int idx(const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run("cd '%s' && '%s' %s 2>err >out", base, bin, args);
}

/* BASE/name, slurped (NUL-terminated; freed by the caller). */
static char *file(const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", base, name);
    size_t n;
    char *s = slurp(p, &n);
    assert_non_null(s);
    return s;
}

/* BASE/err is one line containing `want`. */
static void err_is(const char *want)
{
    char *e = file("err");
    if (!strstr(e, want)) fprintf(stderr, "stderr: %s\n", e);
    assert_non_null(strstr(e, want));
    char *nl = strchr(e, '\n');
    assert_true(nl && nl[1] == 0);
    free(e);
}

static void test_update_delete_optimize(void **st)
{
    (void)st;
    assert_int_equal(idx("-q --update -o n.spx one.jsonl"), 0);
    assert_int_equal(idx("--update -o n.spx two.jsonl"), 0);
    char *e = file("err");
    assert_non_null(strstr(e, "warning: 1 document(s) added again later"));
    assert_non_null(strstr(e, "1 replaced"));
    free(e);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\nb\nc\n");
    free(ids);
    assert_int_equal(idx("--delete -o n.spx a --ids-from gone.txt"), 0);
    e = file("err");
    assert_non_null(strstr(e, "\"zz\""));
    assert_non_null(strstr(e, "2 deleted, 1 unknown"));
    free(e);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\n");
    free(ids);
    assert_int_equal(
        run("cd '%s' && printf 'b\\n' | '%s' -q --delete -o n.spx --ids-from -", base, bin), 0);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "");
    free(ids);
    assert_int_equal(idx("-q --update -o n.spx one.jsonl two.jsonl"), 0);
    assert_int_equal(idx("-q --delete -o n.spx a"), 0);
    assert_int_equal(idx("--info n.spx"), 0);
    char *o = file("out");
    assert_non_null(strstr(o, "live index (format 2), generation 6"));
    assert_non_null(strstr(o, "documents: 2 live"));
    free(o);
    /* (a deleted third of the segment was rewritten already: nothing to merge) */
    assert_int_equal(idx("-q --optimize -o n.spx"), 0);
    assert_int_equal(idx("--info n.spx"), 0);
    o = file("out");
    assert_non_null(strstr(o, "generation 6"));
    assert_non_null(strstr(o, "documents: 2 live, 0 deleted"));
    assert_non_null(strstr(o, "segments: 1,"));
    free(o);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\nc\n");
    free(ids);
    /* two segments (gone.txt is one text article, id "gone"), then one */
    assert_int_equal(idx("-q --update -o n.spx gone.txt"), 0);
    assert_int_equal(idx("--info n.spx"), 0);
    o = file("out");
    assert_non_null(strstr(o, "generation 7"));
    assert_non_null(strstr(o, "segments: 2,"));
    free(o);
    assert_int_equal(idx("-q --optimize -o n.spx"), 0);
    assert_int_equal(idx("--info n.spx"), 0);
    o = file("out");
    assert_non_null(strstr(o, "generation 8"));
    assert_non_null(strstr(o, "segments: 1,"));
    free(o);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\nc\ngone\n");
    free(ids);
    lu_no_leftovers(dir);
}

static void test_build_kinds(void **st)
{
    (void)st;
    /* the plain build: a single file (format 1), also with --single-file */
    assert_int_equal(idx("-q -o f.spx one.jsonl"), 0);
    assert_int_equal(idx("--info f.spx"), 0);
    char *o = file("out");
    assert_non_null(strstr(o, "single-file index (format 1)"));
    free(o);
    assert_int_equal(idx("-q --single-file -o f.spx two.jsonl"), 0);
    /* --live: a folder holding only the inputs, a new generation each time */
    assert_int_equal(idx("-q --live -o n.spx one.jsonl two.jsonl"), 0);
    assert_int_equal(idx("-q --live -o n.spx two.jsonl"), 0);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\nc\n");
    free(ids);
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.gen, 2);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    lu_no_leftovers(dir);
    assert_int_equal(idx("-q --live --single-file -o n.spx one.jsonl"), 2);
    err_is("choose one");
}

static void test_errors(void **st)
{
    (void)st;
    /* a format-1 file */
    assert_int_equal(idx("-q -o f.spx one.jsonl"), 0);
    assert_int_equal(idx("-q --update -o f.spx two.jsonl"), 2);
    err_is("single-file index (format 1) is read-only for updates");
    /* a foreign file, untouched */
    char p[700];
    snprintf(p, sizeof p, "%s/foreign", base);
    write_file(p, "mine\n", 5);
    assert_int_equal(idx("-q --update -o foreign one.jsonl"), 2);
    err_is("not touching it");
    char *f = file("foreign");
    assert_string_equal(f, "mine\n");
    free(f);
    assert_int_equal(idx("-q --delete -o %s a", base), 2); /* a folder of other files */
    err_is("not a live spasm index");
    /* locked: names the holder */
    assert_int_equal(idx("-q --update -o n.spx one.jsonl"), 0);
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, NULL), 0);
    assert_int_equal(idx("-q --delete -o n.spx a"), 2);
    char want[64];
    snprintf(want, sizeof want, "locked by another updater (pid %ld)", (long)getpid());
    err_is(want);
    spasm_updater_close(u);
    /* a damaged newest commit point: the previous, with a warning */
    assert_int_equal(idx("-q --update -o n.spx two.jsonl"), 0);
    snprintf(p, sizeof p, "%s/commit-0000000000000002.spc", dir);
    size_t n;
    char *cp = slurp(p, &n);
    cp[20] ^= 1;
    write_file(p, cp, n);
    assert_int_equal(idx("--info n.spx"), 0);
    char *e = file("err");
    assert_non_null(strstr(e, "warning: "));
    assert_non_null(strstr(e, "commit-0000000000000002.spc"));
    free(e);
    char *o = file("out");
    assert_non_null(strstr(o, "generation 1"));
    free(o);
    assert_int_equal(idx("-q --delete -o n.spx a"), 0);
    e = file("err");
    assert_non_null(strstr(e, "falling back"));
    free(e);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\n");
    free(ids);
    /* a newer version */
    sp_commit c = lu_commit(dir);
    c.gen++;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf b;
    sp_buf_init(&b, &a);
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    sp_put_u32(b.p + 8, 7);
    sp_put_u32(b.p + b.n - 4, sp_crc32(0, b.p, b.n - 4));
    char name[64];
    sp_cp_name(name, c.gen);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    write_file(p, b.p, b.n);
    assert_int_equal(idx("-q --update -o n.spx one.jsonl"), 2);
    err_is("format version 7");
    assert_int_equal(idx("--info n.spx"), 2);
    err_is("format version 7");
    sp_buf_free(&b);
    sp_commit_free(&a, &c);
    free(cp);
    /* usage errors */
    assert_int_equal(idx("--update one.jsonl"), 2);
    err_is("need -o INDEX");
    assert_int_equal(idx("--delete -o n.spx"), 2);
    err_is("needs ids");
    assert_int_equal(idx("--ids-from gone.txt -o n.spx one.jsonl"), 2);
    err_is("--ids-from goes with");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_update_delete_optimize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
