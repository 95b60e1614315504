/*
 * live_util.h -- what the live index tests (tests/test_live_*.c) share:
 * reading a live folder back through the library's internals (its live
 * ids in collection order, its files checked one by one) and comparing
 * its statistics with those of a one-shot index.  Include after cmocka.h.
 */
#ifndef SPASM_LIVE_UTIL_H
#define SPASM_LIVE_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "commit.h"
#include "index.h"
#include "search.h"

/* The random tests' seed: SPASM_LIVE_SEED when set (a non-zero number,
 * else the test stops with a message: xorshift never leaves 0), or def. */
static inline uint64_t lu_seed(uint64_t def)
{
    const char *env = getenv("SPASM_LIVE_SEED");
    if (!env) return def;
    char *end;
    uint64_t v = strtoull(env, &end, 0);
    if (!*env || *end || v == 0) {
        fprintf(stderr, "SPASM_LIVE_SEED=%s: not a non-zero number\n", env);
        exit(2);
    }
    return v;
}

/* A fresh temporary folder name (the folder itself is not created). */
static inline void lu_tmpname(char *buf, size_t n, const char *tag)
{
    char d[] = "/tmp/spasm-live-XXXXXX";
    assert_non_null(mkdtemp(d));
    snprintf(buf, n, "%s/%s", d, tag);
}

/* The parent of a path made by lu_tmpname, removed with everything in it. */
static inline void lu_rmtree(const char *path)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    char *s = strrchr(p, '/');
    if (s) *s = 0;
    run("rm -rf '%s'", p);
}

/* The newest commit point of folder dir (asserted valid); free with
 * sp_commit_free. */
static inline sp_commit lu_commit(const char *dir)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    sp_commit c;
    char err[SP_ERRMSG_MAX];
    int rc = sp_commit_read_newest(&a, fd, dir, &c, NULL, err);
    if (rc) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    close(fd);
    return c;
}

/* One segment opened for reading: index, searcher, deletion flags. */
typedef struct lu_seg {
    spasm_index *ix;
    spasm_searcher *s;
    uint8_t *del;
    sp_delset ds;
} lu_seg;

static inline lu_seg lu_seg_open(const char *dir, const sp_cp_seg *e, int verify)
{
    lu_seg g;
    memset(&g, 0, sizeof g);
    char name[64], path[1024];
    sp_seg_name(name, e->id);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    spasm_open_options oo = {0};
    oo.flags = verify ? SPASM_OPEN_VERIFY : 0;
    int rc = spasm_open(&g.ix, path, &oo);
    if (rc) fprintf(stderr, "%s\n", spasm_index_errmsg(g.ix));
    assert_int_equal(rc, 0);
    assert_int_equal(g.ix->ndocs, e->ndocs);
    assert_int_equal(g.ix->npass, e->npass);
    assert_int_equal(g.ix->part[0].seg->size, e->size);
    assert_int_equal(sp_crc32(0, g.ix->part[0].seg->map, 128), e->head_crc);
    assert_int_equal(spasm_searcher_new(g.ix, &g.s), 0);
    g.del = calloc(e->ndocs + 1, 1);
    if (e->del_gen) {
        sp_alloc a;
        sp_alloc_init(&a, NULL, NULL);
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        char err[SP_ERRMSG_MAX];
        rc = sp_delset_read(&a, fd, dir, e->id, e->del_gen, &g.ds, err);
        if (rc) fprintf(stderr, "%s\n", err);
        assert_int_equal(rc, 0);
        close(fd);
        assert_int_equal(g.ds.ndocs, e->del_docs);
        assert_int_equal(g.ds.npass, e->del_pass);
        for (uint64_t i = 0; i < g.ds.ndocs; i++) g.del[g.ds.docs[i]] = 1;
    }
    return g;
}

static inline void lu_seg_close(lu_seg *g)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_delset_free(&a, &g->ds);
    free(g->del);
    spasm_searcher_free(g->s);
    spasm_close(g->ix);
}

/* The live ids of folder dir in collection order, each followed by
 * '\n' (malloc'd); every segment checked with SPASM_OPEN_VERIFY. */
static inline char *lu_live_ids(const char *dir)
{
    sp_commit c = lu_commit(dir);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf out;
    sp_buf_init(&out, &a);
    for (uint32_t i = 0; i < c.nseg; i++) {
        lu_seg g = lu_seg_open(dir, &c.seg[i], 1);
        for (uint32_t d = 0; d < g.ix->ndocs; d++) {
            if (g.del[d]) continue;
            const uint8_t *p;
            size_t len;
            char err[SP_ERRMSG_MAX];
            assert_int_equal(sp_doc_id(g.ix->part[0].seg, d, &g.s->metacache, &p, &len, err), 0);
            sp_buf_append(&out, p, len);
            sp_buf_putc(&out, '\n');
        }
        lu_seg_close(&g);
    }
    sp_buf_putc(&out, 0);
    sp_commit_free(&a, &c);
    char *r = strdup((char *)out.p);
    sp_buf_free(&out);
    return r;
}

/* Commit point gen of dir decoded into *c: 1, or 0 when absent or invalid. */
static inline int lu_commit_gen(const char *dir, uint64_t gen, sp_commit *c)
{
    char name[64], path[1024];
    sp_cp_name(name, gen);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    char *p = slurp(path, &n);
    if (!p) return 0;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    char err[SP_ERRMSG_MAX];
    int ok = sp_commit_decode(&a, (uint8_t *)p, n, c, err) == 0 && c->gen == gen;
    if (!ok && c->seg) sp_commit_free(&a, c);
    free(p);
    return ok;
}

static inline int lu_names(const sp_commit *c, uint64_t id, uint64_t dgen, int any)
{
    for (uint32_t i = 0; i < c->nseg; i++)
        if (c->seg[i].id == id && (any || c->seg[i].del_gen == dgen)) return 1;
    return 0;
}

/* Every file of folder dir is LOCK, one of its two newest valid commit
 * points or a file one of them names (no leftover, no temporary file);
 * returns the number of files. */
static inline int lu_no_leftovers(const char *dir)
{
    sp_commit c = lu_commit(dir), prev;
    memset(&prev, 0, sizeof prev);
    for (uint64_t g = c.gen - 1; g > 0 && c.gen - g < 64; g--)
        if (lu_commit_gen(dir, g, &prev)) break;
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *e;
    int files = 0;
    uint64_t id, gen;
    while ((e = readdir(dh))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        files++;
        int ok = 0;
        if (!strcmp(n, "LOCK"))
            ok = 1;
        else if (sp_cp_parse_name(n, &gen))
            ok = gen == c.gen || (prev.gen && gen == prev.gen);
        else if (sp_seg_parse_name(n, &id))
            ok = lu_names(&c, id, 0, 1) || lu_names(&prev, id, 0, 1);
        else if (sp_del_parse_name(n, &id, &gen))
            ok = lu_names(&c, id, gen, 0) || lu_names(&prev, id, gen, 0);
        if (!ok) fprintf(stderr, "leftover in %s: %s\n", dir, n);
        assert_true(ok);
    }
    closedir(dh);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    sp_commit_free(&a, &prev);
    return files;
}

/* The deleted df of the term at POST offset off in deletion set ds. */
static inline int64_t lu_deleted_df(const sp_delset *ds, uint64_t off)
{
    uint64_t lo = 0, hi = ds->nterms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ds->term_off[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ds->nterms && ds->term_off[lo] == off ? ds->term_df[lo] : 0;
}

typedef struct lu_cmp {
    lu_seg *segs;
    uint32_t nseg;
    spasm_index *other; /* the index whose terms are not walked */
    int one_side;       /* 1: walking the one-shot index's terms */
    uint64_t terms, mismatches;
} lu_cmp;

/* The live df of term[0, len) summed over the segments. */
static inline int64_t lu_live_df(lu_cmp *x, const char *term, size_t len)
{
    int64_t sum = 0;
    for (uint32_t i = 0; i < x->nseg; i++) {
        sp_terminfo ti;
        char err[SP_ERRMSG_MAX];
        int r = sp_dict_find(x->segs[i].ix->part[0].seg, term, len, &ti, err);
        assert_true(r >= 0);
        if (r) sum += (int64_t)ti.df - lu_deleted_df(&x->segs[i].ds, ti.post_off);
    }
    return sum;
}

static inline int lu_cmp_term(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    lu_cmp *x = ud;
    x->terms++;
    int64_t live = lu_live_df(x, term, len);
    int64_t want = 0;
    if (x->one_side) {
        want = ti->df;
    } else {
        sp_terminfo o;
        char err[SP_ERRMSG_MAX];
        int r = sp_dict_find(x->other->part[0].seg, term, len, &o, err);
        assert_true(r >= 0);
        want = r ? (int64_t)o.df : 0;
    }
    if (live != want) {
        if (x->mismatches < 5)
            fprintf(stderr, "term \"%.*s\": live df %lld, one-shot df %lld\n", (int)len, term,
                    (long long)live, (long long)want);
        x->mismatches++;
    }
    return 0;
}

/*
 * The exact-statistics requirement on the writer's side: for every term,
 * the sum over the segments of folder dir of (df - deleted df) equals its
 * df in the one-shot index file `one` of the live documents; so do N
 * (passages) and the sum of passage lengths.  Returns the terms compared.
 */
static inline uint64_t lu_check_exact(const char *dir, const char *one)
{
    sp_commit c = lu_commit(dir);
    lu_seg *segs = calloc(c.nseg + 1, sizeof *segs);
    uint64_t npass = 0, tokens = 0;
    for (uint32_t i = 0; i < c.nseg; i++) {
        segs[i] = lu_seg_open(dir, &c.seg[i], 1);
        npass += segs[i].ix->npass - segs[i].ds.npass;
        tokens += segs[i].ix->tokens - segs[i].ds.tokens;
    }
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, one, NULL), 0);
    assert_int_equal(npass, ix->npass);
    assert_int_equal(tokens, ix->tokens);
    lu_cmp x = {segs, c.nseg, ix, 1, 0, 0};
    char err[SP_ERRMSG_MAX];
    assert_true(sp_dict_prefix(ix->part[0].seg, "", 0, SIZE_MAX, lu_cmp_term, &x, err) >= 0);
    uint64_t compared = x.terms;
    /* and every term a segment has that the one-shot index lacks: live df 0 */
    for (uint32_t i = 0; i < c.nseg; i++) {
        x.one_side = 0;
        assert_true(
            sp_dict_prefix(segs[i].ix->part[0].seg, "", 0, SIZE_MAX, lu_cmp_term, &x, err) >= 0);
    }
    assert_int_equal(x.mismatches, 0);
    spasm_close(ix);
    for (uint32_t i = 0; i < c.nseg; i++) lu_seg_close(&segs[i]);
    free(segs);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    return compared;
}

#endif
