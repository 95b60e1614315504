/*
 * test_writer.c -- the index writer under a memory budget and on threads:
 * an index built from many sorted runs, or with any number of analysis
 * threads, is byte for byte the one built in one run on one thread;
 * temporary files never outlive the writer; allocation failures on worker
 * threads come back as SPASM_ENOMEM.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"
#include "writer.h"

static char tmpdir[256];

static int setup_tmp(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-test-writer-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

/* Remove everything in tmpdir, then tmpdir. */
static int teardown_tmp(void **state)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(tmpdir);
    return 0;
}

/* Number of entries in tmpdir (temporary files left behind show here). */
static int count_files(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

/* A deterministic pseudo-random generator (xorshift). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A synthetic corpus: `ndocs` documents of made-up words with a skewed
 * frequency, suffixes (so words stem together), titles and paragraphs;
 * every seventh document through spasm_writer_add_passages. */
static int add_synthetic(spasm_writer *w, int ndocs)
{
    static const char *syl[] = {"ka", "lo", "mi", "ner", "sto", "pa",  "qui", "ra",
                                "te", "vo", "zu", "bel", "dor", "fin", "gal", "hu"};
    static const char *suf[] = {"", "", "", "s", "ing", "ed", "ation", "er"};
    uint64_t s = 88172645463325252ull;
    char *text = malloc(40000), id[32], title[64];
    int rc = 0;
    for (int d = 0; d < ndocs && !rc; d++) {
        size_t n = 0;
        int nw = 5 + (int)(rnd(&s) % 400);
        for (int i = 0; i < nw; i++) {
            uint64_t r = rnd(&s);
            int k = (int)(r % 16), m = (int)((r >> 8) % (1 + (r >> 20) % 16));
            n += (size_t)sprintf(text + n, "%s%s%s%s", i ? " " : "", syl[k], syl[m],
                                 suf[(r >> 40) % 8]);
            if (i % 37 == 36) n += (size_t)sprintf(text + n, ".\n\n");
        }
        snprintf(id, sizeof id, "doc%d", d);
        snprintf(title, sizeof title, "%s%s Title", syl[d % 16], syl[(d / 16) % 16]);
        if (d % 7 == 3) {
            const char *ps[3] = {text, text + n / 2, ""};
            size_t ls[3] = {n / 2, n - n / 2, 0};
            rc = spasm_writer_add_passages(w, id, d % 2 ? title : NULL, ps, ls, 3);
        } else {
            rc = spasm_writer_add(w, id, d % 5 ? title : NULL, text, n);
        }
    }
    free(text);
    return rc;
}

typedef struct build_opts {
    unsigned threads;
    uint64_t run_limit;
    size_t batch_bytes;
    int synthetic;     /* documents; 0 = the bundled corpus */
    size_t posn_spill; /* 0: the default */
} build_opts;

/* Build an index into tmpdir/name and return its bytes. */
static unsigned char *build(const char *name, build_opts o, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = -1;
    wo.threads = o.threads;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    sp_writer_set_limits(w, o.run_limit, o.batch_bytes);
    sp_writer_set_posn_spill(w, o.posn_spill);
    int rc = o.synthetic ? add_synthetic(w, o.synthetic) : spasm_writer_add_path(w, "corpus");
    assert_int_equal(rc, SPASM_OK);
    rc = spasm_writer_commit(w);
    if (rc) fprintf(stderr, "%s\n", spasm_writer_errmsg(w));
    assert_int_equal(rc, SPASM_OK);
    if (o.run_limit) assert_true(w->nruns > 1);
    spasm_writer_abandon(w);
    unsigned char *p = (unsigned char *)slurp(path, n);
    assert_non_null(p);
    return p;
}

static void assert_same(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

/* The bundled corpus: many tiny runs and several threads change nothing. */
static void test_runs_bundled(void **state)
{
    size_t n0, n1, n2, n3;
    /* small batches, so that the term table is checked often */
    unsigned char *d = build("one2k.spx", (build_opts){1, 0, 2048, 0, 0}, &n3);
    unsigned char *b = build("runs.spx", (build_opts){1, 2048, 2048, 0, 0}, &n1);
    unsigned char *c = build("runs4.spx", (build_opts){4, 4096, 2048, 0, 0}, &n2);
    assert_same(d, n3, b, n1);
    assert_same(d, n3, c, n2);
    unsigned char *a = build("one.spx", (build_opts){1, 0, 0, 0, 0}, &n0);
    assert_int_equal(count_files(), 4); /* no temporary file left */
    /* the same as the index the Makefile built with spasm-index */
    char path[512];
    snprintf(path, sizeof path, "%s/corpus.spx", build_dir());
    size_t nm;
    unsigned char *m = (unsigned char *)slurp(path, &nm);
    assert_non_null(m);
    assert_same(a, n0, m, nm);
    free(a);
    free(b);
    free(c);
    free(d);
    free(m);
}

/* A larger synthetic corpus in many batches: one run on one thread, many
 * runs, many threads -- all byte-identical. */
static void test_runs_threads_synthetic(void **state)
{
    size_t n[5];
    unsigned char *v[5];
    v[0] = build("s0.spx", (build_opts){1, 0, 16384, 2500, 0}, &n[0]);
    v[1] = build("s1.spx", (build_opts){1, 65536, 16384, 2500, 0}, &n[1]);
    v[2] = build("s2.spx", (build_opts){2, 0, 16384, 2500, 0}, &n[2]);
    v[3] = build("s3.spx", (build_opts){4, 100000, 16384, 2500, 0}, &n[3]);
    v[4] = build("s4.spx", (build_opts){3, 20000, 16384, 2500, 0}, &n[4]);
    for (int i = 1; i < 5; i++) assert_same(v[0], n[0], v[i], n[i]);
    for (int i = 0; i < 5; i++) free(v[i]);
    assert_int_equal(count_files(), 5);
    /* and the index answers */
    char path[512];
    snprintf(path, sizeof path, "%s/s3.spx", tmpdir);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.documents, 2500);
    assert_int_equal(spasm_index_verify(ix), SPASM_OK);
    spasm_close(ix);
}

/* Commit on two threads (emit_table.c), with both parts' positions
 * spilled to temporary files many times over: the bytes of one thread. */
static void test_commit_two_threads(void **state)
{
    size_t n[4];
    unsigned char *v[4];
    v[0] = build("c0.spx", (build_opts){1, 0, 0, 1500, 0}, &n[0]);
    v[1] = build("c1.spx", (build_opts){2, 0, 0, 1500, 0}, &n[1]);
    v[2] = build("c2.spx", (build_opts){2, 0, 0, 1500, 512}, &n[2]);
    v[3] = build("c3.spx", (build_opts){3, 0, 0, 1500, 100}, &n[3]);
    for (int i = 1; i < 4; i++) assert_same(v[0], n[0], v[i], n[i]);
    for (int i = 0; i < 4; i++) free(v[i]);
    assert_int_equal(count_files(), 4); /* the helper's file is gone too */
}

/* An allocator that fails from the n-th call on (thread-safe through the
 * writer's lock). */
typedef struct failing {
    long calls, fail_at;
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (++f->calls >= f->fail_at) return NULL;
    return realloc(ptr, nsize);
}

/* Allocation failures anywhere (worker threads, runs, merge) come back
 * as SPASM_ENOMEM with a message; nothing leaks, no file is left. */
static void test_alloc_failures_threaded(void **state)
{
    long at[] = {1, 5, 40, 300, 2000, 6000, 15000, 40000};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/f.spx", tmpdir);
        failing f = {0, at[i]};
        spasm_writer_options wo;
        memset(&wo, 0, sizeof wo);
        wo.b = -1;
        wo.threads = 2;
        wo.alloc = failing_alloc;
        wo.alloc_ud = &f;
        spasm_writer *w = NULL;
        int rc = spasm_writer_new(&w, path, &wo);
        if (!rc) {
            sp_writer_set_limits(w, 30000, 8192);
            rc = add_synthetic(w, 300);
            if (!rc) rc = spasm_writer_commit(w);
        }
        if (rc) {
            assert_int_equal(rc, SPASM_ENOMEM);
            assert_string_equal(spasm_writer_errmsg(w), "out of memory");
        }
        spasm_writer_abandon(w);
        if (rc) assert_int_equal(count_files(), 0);
        unlink(path);
    }
}

/* An allocator that tracks the peak of live bytes. */
typedef struct peak {
    long long live, max;
} peak;

static void *peak_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    peak *k = ud;
    k->live += (long long)nsize - (long long)(ptr ? osize : 0);
    if (k->live > k->max) k->max = k->live;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

/* A writer of one small document stays small: its tables start small and
 * grow (they were 4096 term slots and a 4096-term, 8192-slot batch
 * grouper, 400 KiB mapped, zeroed and walked for any index: most of a
 * one-document writer's work, and of fuzz_ingest's).  The index is the
 * same bytes as ever (test_runs_bundled). */
static void test_small_writer_small(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/small.spx", tmpdir);
    peak k = {0, 0};
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = -1;
    wo.threads = 1;
    wo.alloc = peak_alloc;
    wo.alloc_ud = &k;
    spasm_writer *w = NULL;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    const char *text = "Night cramps in the calf: stretch before bed.";
    assert_int_equal(spasm_writer_add(w, "d", "Cramps", text, strlen(text)), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    assert_int_equal(k.live, 0);
    assert_true(k.max < 256 * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_bundled, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_runs_threads_synthetic, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_alloc_failures_threaded, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_small_writer_small, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_commit_two_threads, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
