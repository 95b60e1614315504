/*
 * test_commit.c -- the commit points and deletion sets of a live index
 * folder (common/commit.c, docs/LIVE.md): names, round trips, every
 * truncation and every flipped byte refused as SPASM_ECORRUPT, a later
 * version as SPASM_EVERSION, and reading the newest valid commit point of
 * a folder with a warning and fallback when the newest is damaged.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base.h"
#include "commit.h"
#include "testutil.h"

static sp_alloc A;

/* A commit point with three segments. */
static sp_commit sample_commit(sp_cp_seg *segs)
{
    sp_commit c = {0};
    c.gen = 7;
    c.next_seg = 12;
    c.time = 1767225600;
    c.flags = 1;
    c.k1 = 1.4;
    c.b = 0.6;
    c.nseg = 3;
    for (uint32_t i = 0; i < 3; i++) {
        segs[i] = (sp_cp_seg){.id = 3 + 4 * i,
                              .del_gen = i == 1 ? 6 : 0,
                              .size = 4096 + i,
                              .head_crc = 0xdeadbeef - i,
                              .npass = 100 + i,
                              .ndocs = 10 + i,
                              .del_docs = i == 1 ? 2 : 0,
                              .del_pass = i == 1 ? 20 : 0};
    }
    c.seg = segs;
    return c;
}

static sp_delset sample_delset(uint32_t *docs, uint64_t *offs, uint32_t *dfs)
{
    sp_delset d = {0};
    d.seg_id = 7;
    d.gen = 6;
    d.ndocs = 3;
    d.npass = 9;
    d.tokens = 321;
    docs[0] = 1, docs[1] = 5, docs[2] = 70000;
    d.docs = docs;
    d.nterms = 4;
    for (int i = 0; i < 4; i++) offs[i] = 100 * (uint64_t)i + 3, dfs[i] = (uint32_t)(i % 9 + 1);
    offs[3] = 1ull << 40;
    d.term_off = offs;
    d.term_df = dfs;
    return d;
}

static void test_names(void **st)
{
    (void)st;
    char b[64];
    uint64_t x, y;
    sp_cp_name(b, 0x1f);
    assert_string_equal(b, "commit-000000000000001f.spc");
    assert_true(sp_cp_parse_name(b, &x));
    assert_int_equal(x, 0x1f);
    sp_seg_name(b, 0xabcdef0123456789ull);
    assert_string_equal(b, "seg-abcdef0123456789.sps");
    assert_true(sp_seg_parse_name(b, &x));
    assert_true(x == 0xabcdef0123456789ull);
    sp_del_name(b, 2, 3);
    assert_string_equal(b, "del-0000000000000002-0000000000000003.spd");
    assert_true(sp_del_parse_name(b, &x, &y));
    assert_true(x == 2 && y == 3);
    assert_false(sp_cp_parse_name("commit-000000000000001F.spc", &x)); /* uppercase */
    assert_false(sp_cp_parse_name("commit-00000000000001f.spc", &x));  /* 15 digits */
    assert_false(sp_cp_parse_name("commit-000000000000001f.spc.tmp-1-a", &x));
    assert_false(sp_seg_parse_name("seg-abcdef0123456789.spd", &x));
    assert_false(sp_del_parse_name("del-0000000000000002_0000000000000003.spd", &x, &y));
    assert_false(sp_seg_parse_name("commit-000000000000001f.spc", &x));
}

static void test_commit_roundtrip(void **st)
{
    (void)st;
    sp_cp_seg segs[3];
    sp_commit c = sample_commit(segs), d;
    sp_buf b;
    sp_buf_init(&b, &A);
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    assert_int_equal(b.n, SP_CP_HEADER + 3 * SP_CP_ENTRY + 4);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), 0);
    assert_true(d.gen == 7 && d.next_seg == 12 && d.time == 1767225600 && d.flags == 1);
    assert_true(d.k1 == 1.4 && d.b == 0.6 && d.nseg == 3);
    for (int i = 0; i < 3; i++) {
        const sp_cp_seg *x = &d.seg[i], *y = &segs[i];
        assert_true(x->id == y->id && x->del_gen == y->del_gen && x->size == y->size &&
                    x->head_crc == y->head_crc && x->npass == y->npass && x->ndocs == y->ndocs &&
                    x->del_docs == y->del_docs && x->del_pass == y->del_pass);
    }
    sp_commit_free(&A, &d);
    /* an empty commit point (after delete_all with nothing added) */
    c.nseg = 0;
    b.n = 0;
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), 0);
    assert_int_equal(d.nseg, 0);
    sp_commit_free(&A, &d);
    sp_buf_free(&b);
}

static void test_delset_roundtrip(void **st)
{
    (void)st;
    uint32_t docs[3], dfs[4];
    uint64_t offs[4];
    sp_delset s = sample_delset(docs, offs, dfs), d;
    sp_buf b;
    sp_buf_init(&b, &A);
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    assert_int_equal(b.n, SP_DEL_HEADER + 3 * 4 + 4 * 12 + 4);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_delset_decode(&A, b.p, b.n, &d, err), 0);
    assert_true(d.seg_id == 7 && d.gen == 6 && d.ndocs == 3 && d.npass == 9 && d.tokens == 321);
    assert_memory_equal(d.docs, docs, sizeof docs);
    assert_int_equal(d.nterms, 4);
    assert_memory_equal(d.term_off, offs, sizeof offs);
    assert_memory_equal(d.term_df, dfs, sizeof dfs);
    sp_delset_free(&A, &d);
    sp_buf_free(&b);
}

/* Every truncation and every flipped bit of each byte of buf is
 * SPASM_ECORRUPT. */
static void check_damage(const sp_buf *b, int is_commit)
{
    char err[SP_ERRMSG_MAX];
    uint8_t *p = malloc(b->n);
    assert_non_null(p);
    for (size_t n = 0; n < b->n; n++) {
        memcpy(p, b->p, n);
        sp_commit c;
        sp_delset d;
        int rc =
            is_commit ? sp_commit_decode(&A, p, n, &c, err) : sp_delset_decode(&A, p, n, &d, err);
        assert_int_equal(rc, SPASM_ECORRUPT);
    }
    for (size_t i = 0; i < b->n; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(p, b->p, b->n);
            p[i] ^= (uint8_t)(1u << bit);
            sp_commit c;
            sp_delset d;
            int rc = is_commit ? sp_commit_decode(&A, p, b->n, &c, err)
                               : sp_delset_decode(&A, p, b->n, &d, err);
            assert_int_equal(rc, SPASM_ECORRUPT);
            assert_true(strlen(err) > 0);
        }
    free(p);
}

static void test_damage(void **st)
{
    (void)st;
    sp_cp_seg segs[3];
    sp_commit c = sample_commit(segs);
    uint32_t docs[3], dfs[4];
    uint64_t offs[4];
    sp_delset s = sample_delset(docs, offs, dfs);
    sp_buf b;
    sp_buf_init(&b, &A);
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    check_damage(&b, 1);
    b.n = 0;
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    check_damage(&b, 0);
    sp_buf_free(&b);
}

/* Valid CRC but contents that break the rules: still ECORRUPT. */
static void test_bad_contents(void **st)
{
    (void)st;
    sp_cp_seg segs[3];
    sp_commit c = sample_commit(segs), d;
    sp_buf b;
    sp_buf_init(&b, &A);
    char err[SP_ERRMSG_MAX];
    segs[2].id = segs[0].id; /* named twice */
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), SPASM_ECORRUPT);
    assert_non_null(strstr(err, "twice"));
    c = sample_commit(segs);
    segs[0].del_docs = segs[0].ndocs + 1;
    b.n = 0;
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), SPASM_ECORRUPT);
    c = sample_commit(segs);
    c.next_seg = 5;
    b.n = 0;
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), SPASM_ECORRUPT);
    uint32_t docs[3], dfs[4];
    uint64_t offs[4];
    sp_delset s = sample_delset(docs, offs, dfs), ds;
    docs[2] = docs[1]; /* not ascending */
    b.n = 0;
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    assert_int_equal(sp_delset_decode(&A, b.p, b.n, &ds, err), SPASM_ECORRUPT);
    s = sample_delset(docs, offs, dfs);
    dfs[1] = 10; /* above the deleted passages */
    b.n = 0;
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    assert_int_equal(sp_delset_decode(&A, b.p, b.n, &ds, err), SPASM_ECORRUPT);
    sp_buf_free(&b);
}

/* Re-stamp version v with a valid CRC. */
static void set_version(sp_buf *b, uint32_t v)
{
    sp_put_u32(b->p + 8, v);
    sp_put_u32(b->p + b->n - 4, sp_crc32(0, b->p, b->n - 4));
}

static void test_newer_version(void **st)
{
    (void)st;
    sp_cp_seg segs[3];
    sp_commit c = sample_commit(segs), d;
    sp_buf b;
    sp_buf_init(&b, &A);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    set_version(&b, 3);
    assert_int_equal(sp_commit_decode(&A, b.p, b.n, &d, err), SPASM_EVERSION);
    assert_non_null(strstr(err, "version 3"));
    uint32_t docs[3], dfs[4];
    uint64_t offs[4];
    sp_delset s = sample_delset(docs, offs, dfs), ds;
    b.n = 0;
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    set_version(&b, 3);
    assert_int_equal(sp_delset_decode(&A, b.p, b.n, &ds, err), SPASM_EVERSION);
    sp_buf_free(&b);
}

static char dir[256];

/* Write commit point gen (with one segment) into dir; returns its bytes. */
static void put_commit(uint64_t gen, int damage)
{
    sp_cp_seg seg = {.id = gen, .size = 4096, .npass = gen, .ndocs = gen};
    sp_commit c = {.gen = gen, .next_seg = gen + 1, .k1 = 1.4, .b = 0.6, .nseg = 1, .seg = &seg};
    sp_buf b;
    sp_buf_init(&b, &A);
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    if (damage == 1) b.p[20] ^= 1;
    if (damage == 2) b.n -= 10;
    if (damage == 3) set_version(&b, 9);
    char name[64], path[400];
    sp_cp_name(name, gen);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, b.p, b.n);
    sp_buf_free(&b);
}

static int setup_dir(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/spasm-commit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown_dir(void **st)
{
    (void)st;
    run("rm -rf '%s'", dir);
    return 0;
}

static void test_read_newest(void **st)
{
    (void)st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    sp_commit c;
    sp_buf warn;
    sp_buf_init(&warn, &A);
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, &warn, err), SPASM_ENOTFOUND);
    put_commit(1, 0);
    put_commit(2, 0);
    assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, &warn, err), 0);
    assert_int_equal(c.gen, 2);
    assert_int_equal(warn.n, 0);
    sp_commit_free(&A, &c);
    /* the newest damaged (a flipped byte, then truncated): the previous, with a warning */
    for (int dmg = 1; dmg <= 2; dmg++) {
        put_commit(3, dmg);
        warn.n = 0;
        assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, &warn, err), 0);
        assert_int_equal(c.gen, 2);
        assert_non_null(strstr((char *)warn.p, "commit-0000000000000003.spc"));
        assert_non_null(strstr((char *)warn.p, "falling back"));
        sp_commit_free(&A, &c);
    }
    /* a name whose content holds another generation is damaged too */
    char from[400], to[400];
    snprintf(from, sizeof from, "%s/commit-0000000000000002.spc", dir);
    snprintf(to, sizeof to, "%s/commit-0000000000000004.spc", dir);
    assert_int_equal(run("cp '%s' '%s'", from, to), 0);
    warn.n = 0;
    assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, &warn, err), 0);
    assert_int_equal(c.gen, 2);
    sp_commit_free(&A, &c);
    unlink(to);
    /* a newer version at the top: no fallback behind it */
    put_commit(5, 3);
    assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, &warn, err), SPASM_EVERSION);
    assert_non_null(strstr(err, "commit-0000000000000005.spc"));
    /* every one damaged: ECORRUPT naming the newest */
    put_commit(5, 1);
    put_commit(2, 1);
    put_commit(1, 2);
    assert_int_equal(sp_commit_read_newest(&A, fd, dir, &c, NULL, err), SPASM_ECORRUPT);
    assert_non_null(strstr(err, "commit-0000000000000005.spc"));
    sp_buf_free(&warn);
    close(fd);
}

static void test_delset_read(void **st)
{
    (void)st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    uint32_t docs[3], dfs[4];
    uint64_t offs[4];
    sp_delset s = sample_delset(docs, offs, dfs), d;
    sp_buf b;
    sp_buf_init(&b, &A);
    assert_int_equal(sp_delset_encode(&s, &b), 0);
    char name[64], path[400], err[SP_ERRMSG_MAX];
    sp_del_name(name, 7, 6);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, b.p, b.n);
    assert_int_equal(sp_delset_read(&A, fd, dir, 7, 6, &d, err), 0);
    assert_int_equal(d.ndocs, 3);
    sp_delset_free(&A, &d);
    assert_int_equal(sp_delset_read(&A, fd, dir, 7, 5, &d, err), SPASM_ENOTFOUND);
    /* a file holding another segment's deletions */
    sp_del_name(name, 8, 6);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, b.p, b.n);
    assert_int_equal(sp_delset_read(&A, fd, dir, 8, 6, &d, err), SPASM_ECORRUPT);
    assert_non_null(strstr(err, name));
    b.p[70] ^= 4;
    write_file(path, b.p, b.n);
    assert_int_equal(sp_delset_read(&A, fd, dir, 8, 6, &d, err), SPASM_ECORRUPT);
    sp_buf_free(&b);
    close(fd);
}

int main(void)
{
    sp_alloc_init(&A, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_commit_roundtrip),
        cmocka_unit_test(test_delset_roundtrip),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_bad_contents),
        cmocka_unit_test(test_newer_version),
        cmocka_unit_test_setup_teardown(test_read_newest, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_delset_read, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
