/*
 * test_live_read.c -- the reader of collections and live folders: shards
 * built from a split of a corpus answer exactly like the index of the
 * whole (spasm_open_many); a live folder whose deletion files are
 * computed here from the segments answers exactly like the from-scratch
 * index of its live documents; refresh shares unchanged segments and
 * leaves the old snapshot answering; a damaged newest commit point falls
 * back with a note; a foreign folder and a missing segment are refused;
 * 8 threads search and refresh while commits are published.  (Through
 * spasm_updater: tests/test_live_search.c.)
 *
 * Compared hit by hit: passage, document, ordinal, id, score to 1e-9
 * relative, over words, phrases, NEAR, prefixes, +/-, groups, grouping by
 * document, folding, k up to 1000 and offsets, with pruning on.
 */
#include <math.h>
#include <pthread.h>
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

#include "testutil.h"

#include "commit.h"
#include "search.h"
#include "spasm.h"

#include "live_read_util.h"

static void test_shards_equal_whole(void **state)
{
    (void)state;
    spasm_index *ix, *ref;
    const char *paths[NSHARDS] = {shard[0], shard[1], shard[2]};
    assert_int_equal(spasm_open_many(&ix, paths, NSHARDS, NULL), 0);
    assert_int_equal(spasm_open(&ref, whole, NULL), 0);
    spasm_index_stats a, b;
    spasm_index_get_stats(ix, &a);
    spasm_index_get_stats(ref, &b);
    assert_int_equal(a.documents, b.documents);
    assert_int_equal(a.passages, b.passages);
    assert_int_equal(a.tokens, b.tokens);
    assert_true(a.avg_passage_len == b.avg_passage_len);
    assert_int_equal(a.segments, NSHARDS);
    assert_int_equal(b.segments, 1);
    compare_all(ix, ref, 1);
    assert_int_equal(spasm_index_verify(ix), 0);
    spasm_close(ix);
    spasm_close(ref);
}

/* A shard of short passages beside one of long passages: the stored
 * block bounds of the first assume its own (short) average length, the
 * collection's is much longer, so they must be widened (norm_c), or
 * pruning drops real hits. */
static void test_block_bounds_global_average(void **state)
{
    (void)state;
    char a[300], b[300], all[300];
    snprintf(a, sizeof a, "%s/short.spx", dir);
    snprintf(b, sizeof b, "%s/long.spx", dir);
    snprintf(all, sizeof all, "%s/shortlong.spx", dir);
    spasm_writer *wa, *wb, *ww;
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    assert_int_equal(spasm_writer_new(&wa, a, &o), 0);
    assert_int_equal(spasm_writer_new(&wb, b, &o), 0);
    assert_int_equal(spasm_writer_new(&ww, all, &o), 0);
    unsigned seed = 3;
    char text[20000], id[32];
    for (int d = 0; d < 1200; d++) { /* ka with tf 1-4 in 2-12 words */
        text[0] = 0;
        int n = 2 + (int)(rand_r(&seed) % 11), tf = 1 + (int)(rand_r(&seed) % 4);
        for (int i = 0; i < n; i++) strcat(text, i < tf ? "ka " : "mi ");
        snprintf(id, sizeof id, "s%d", d);
        assert_int_equal(spasm_writer_add(wa, id, NULL, text, strlen(text)), 0);
        assert_int_equal(spasm_writer_add(ww, id, NULL, text, strlen(text)), 0);
    }
    for (int d = 0; d < 300; d++) { /* long passages without ka */
        text[0] = 0;
        for (int i = 0; i < 400; i++) strcat(text, "lo ");
        snprintf(id, sizeof id, "l%d", d);
        assert_int_equal(spasm_writer_add(wb, id, NULL, text, strlen(text)), 0);
        assert_int_equal(spasm_writer_add(ww, id, NULL, text, strlen(text)), 0);
    }
    assert_int_equal(spasm_writer_commit(wa), 0);
    assert_int_equal(spasm_writer_commit(wb), 0);
    assert_int_equal(spasm_writer_commit(ww), 0);
    spasm_writer_abandon(wa);
    spasm_writer_abandon(wb);
    spasm_writer_abandon(ww);
    spasm_index *ix, *ref;
    const char *paths[2] = {a, b};
    assert_int_equal(spasm_open_many(&ix, paths, 2, NULL), 0);
    assert_int_equal(spasm_open(&ref, all, NULL), 0);
    spasm_searcher *s, *r;
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    assert_int_equal(spasm_searcher_new(ref, &r), 0);
    for (size_t k = 1; k <= 64; k *= 2) {
        spasm_search_options so;
        spasm_search_options_init(&so);
        so.k = k;
        spasm_results *x, *y;
        assert_int_equal(spasm_search(s, "ka", &so, &x), 0);
        assert_int_equal(spasm_search(r, "ka", &so, &y), 0);
        same_results(x, y, "ka");
        spasm_results_free(x);
        spasm_results_free(y);
    }
    spasm_searcher_free(s);
    spasm_searcher_free(r);
    spasm_close(ix);
    spasm_close(ref);
}

/* ---- live folders written here ---- */

typedef struct term_acc {
    sp_seg *g;
    const uint64_t *del;
    sp_buf *offs; /* u64 post offsets then u32 counts, kept apart */
    sp_buf *dfs;
} term_acc;

/* Count the deleted passages holding one term. */
static int count_term(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    (void)term;
    (void)len;
    term_acc *u = ud;
    sp_cursor c;
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_cursor_open(&c, u->g, ti, err), 0);
    uint32_t n = 0;
    for (uint32_t d = c.doc; d != SP_END; d = sp_cursor_next(&c, err))
        n += (u->del[d >> 6] >> (d & 63)) & 1;
    if (n) {
        uint64_t off = ti->post_off;
        sp_buf_append(u->offs, &off, 8);
        sp_buf_append(u->dfs, &n, 4);
    }
    return 0;
}

/* Write the deletion file of segment `id` (file `path`) deleting the
 * documents d of [from, to) with gone[d]; returns counts in *e. */
static void write_dels(const char *folder, uint64_t id, uint64_t gen, const char *path, int from,
                       int to, const char *gone, sp_cp_seg *e)
{
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    sp_seg *g = ix->part[0].seg;
    e->id = id;
    e->size = g->size;
    e->head_crc = g->head_crc;
    e->npass = g->npass;
    e->ndocs = g->ndocs;
    e->del_gen = e->del_docs = e->del_pass = 0;
    sp_delset d = {0};
    uint32_t docs[NDOCS];
    uint64_t *del = calloc(g->npass / 64 + 1, 8);
    for (int i = from; i < to; i++) {
        if (!gone[i]) continue;
        uint32_t ld = (uint32_t)(i - from), first = sp_get_u32(g->docs.p + 8 * ld),
                 cnt = sp_get_u32(g->docs.p + 8 * ld + 4);
        docs[d.ndocs++] = ld;
        for (uint32_t p = first; p < first + cnt; p++) {
            del[p >> 6] |= 1ull << (p & 63);
            d.npass++;
            d.tokens += sp_ix_len(g, p);
        }
    }
    if (d.ndocs) {
        sp_alloc a;
        sp_alloc_init(&a, NULL, NULL);
        sp_buf offs, dfs, out;
        sp_buf_init(&offs, &a);
        sp_buf_init(&dfs, &a);
        sp_buf_init(&out, &a);
        term_acc u = {g, del, &offs, &dfs};
        char err[SP_ERRMSG_MAX];
        assert_true(sp_dict_prefix(g, "", 0, SIZE_MAX, count_term, &u, err) >= 0);
        d.seg_id = id;
        d.gen = gen;
        d.docs = docs;
        d.nterms = offs.n / 8;
        d.term_off = (uint64_t *)offs.p;
        d.term_df = (uint32_t *)dfs.p;
        assert_int_equal(sp_delset_encode(&d, &out), 0);
        char name[64], fp[400];
        sp_del_name(name, id, gen);
        snprintf(fp, sizeof fp, "%s/%s", folder, name);
        write_file(fp, out.p, out.n);
        sp_buf_free(&offs);
        sp_buf_free(&dfs);
        sp_buf_free(&out);
        e->del_gen = gen;
        e->del_docs = d.ndocs;
        e->del_pass = d.npass;
    }
    free(del);
    spasm_close(ix);
}

/* Publish generation gen of folder: the shards as segments 1..NSHARDS
 * with the documents gone[] deleted. */
static void write_commit(const char *folder, uint64_t gen, const char *gone)
{
    sp_commit c = {0};
    sp_cp_seg e[NSHARDS];
    char name[64], fp[400], tmp[420];
    for (int i = 0; i < NSHARDS; i++) {
        sp_seg_name(name, (uint64_t)i + 1);
        snprintf(fp, sizeof fp, "%s/%s", folder, name);
        struct stat st;
        if (stat(fp, &st) != 0) assert_int_equal(run("cp %s %s", shard[i], fp), 0);
        write_dels(folder, (uint64_t)i + 1, gen, fp, bounds[i], bounds[i + 1], gone, &e[i]);
    }
    c.gen = gen;
    c.next_seg = NSHARDS + 1;
    c.k1 = SP_DEFAULT_K1;
    c.b = SP_DEFAULT_B;
    c.nseg = NSHARDS;
    c.seg = e;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf out;
    sp_buf_init(&out, &a);
    assert_int_equal(sp_commit_encode(&c, &out), 0);
    sp_cp_name(name, gen);
    snprintf(fp, sizeof fp, "%s/%s", folder, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", fp);
    write_file(tmp, out.p, out.n);
    assert_int_equal(rename(tmp, fp), 0);
    sp_buf_free(&out);
}

/* Deletion sets: generation g deletes every document d with d % 7 < g
 * among those chosen by d % 5 == 1 (and a whole run at g >= 3). */
static void gone_at(int g, char *gone)
{
    for (int d = 0; d < NDOCS; d++)
        gone[d] = (d % 5 == 1 && d % 7 < g) || (g >= 3 && d >= 60 && d < 80);
}

/* The from-scratch index of the documents live at generation g. */
static void reference(int g, char *path, size_t n)
{
    char gone[NDOCS], keep[NDOCS];
    gone_at(g, gone);
    for (int d = 0; d < NDOCS; d++) keep[d] = !gone[d];
    snprintf(path, n, "%s/ref%d.spx", dir, g);
    struct stat st;
    if (stat(path, &st) != 0) build(path, 0, NDOCS, keep);
}

/* A live folder with deletions answers like the from-scratch index. */
static void test_deletions_exact(void **state)
{
    (void)state;
    char folder[300], ref[300], gone[NDOCS];
    snprintf(folder, sizeof folder, "%s/live1.spx", dir);
    mkdir(folder, 0755);
    for (int g = 1; g <= 3; g++) {
        gone_at(g, gone);
        write_commit(folder, (uint64_t)g, gone);
        reference(g, ref, sizeof ref);
        spasm_index *ix, *rx;
        assert_int_equal(spasm_open(&ix, folder, NULL), 0);
        assert_int_equal(spasm_open(&rx, ref, NULL), 0);
        spasm_index_stats a, b;
        spasm_index_get_stats(ix, &a);
        spasm_index_get_stats(rx, &b);
        assert_int_equal(a.documents, b.documents);
        assert_int_equal(a.passages, b.passages);
        assert_int_equal(a.tokens, b.tokens);
        assert_int_equal(a.generation, g);
        assert_int_equal(a.format_version, 2);
        assert_true(a.deleted_documents > 0);
        compare_all(ix, rx, 0);
        assert_int_equal(spasm_index_verify(ix), 0);
        /* a deleted document is not found; its passages are gone */
        spasm_searcher *s;
        uint32_t doc;
        assert_int_equal(spasm_searcher_new(ix, &s), 0);
        assert_int_equal(spasm_find_doc(s, "d021", &doc), SPASM_ENOTFOUND);
        assert_int_equal(spasm_find_doc(s, "d002", &doc), 0);
        spasm_searcher_free(s);
        spasm_close(ix);
        spasm_close(rx);
    }
}

/* Refresh: NULL when nothing changed; a new handle sharing the segments
 * after a commit; the old snapshot still answers as before, even once
 * the writer removed the files of its commit. */
static void test_refresh_snapshot(void **state)
{
    (void)state;
    char folder[300], ref1[300], ref2[300], gone[NDOCS];
    snprintf(folder, sizeof folder, "%s/live2.spx", dir);
    mkdir(folder, 0755);
    gone_at(1, gone);
    write_commit(folder, 1, gone);
    spasm_index *ix, *nx, *r1, *r2;
    assert_int_equal(spasm_open(&ix, folder, NULL), 0);
    assert_int_equal(spasm_refresh(ix, &nx), 0);
    assert_null(nx);
    gone_at(2, gone);
    write_commit(folder, 2, gone);
    assert_int_equal(
        run("rm -f %s/commit-0000000000000001.spc %s/del-*-0000000000000001.spd", folder, folder),
        0);
    assert_int_equal(spasm_refresh(ix, &nx), 0);
    assert_non_null(nx);
    for (size_t i = 0; i < NSHARDS; i++) assert_ptr_equal(nx->part[i].seg, ix->part[i].seg);
    reference(1, ref1, sizeof ref1);
    reference(2, ref2, sizeof ref2);
    assert_int_equal(spasm_open(&r1, ref1, NULL), 0);
    assert_int_equal(spasm_open(&r2, ref2, NULL), 0);
    compare_all(ix, r1, 0);
    compare_all(nx, r2, 0);
    spasm_close(ix); /* the new one keeps the shared segments */
    compare_all(nx, r2, 0);
    spasm_close(nx);
    spasm_close(r1);
    spasm_close(r2);
}

/* A damaged newest commit point: the previous one, with a note. */
static void test_fallback_and_refusals(void **state)
{
    (void)state;
    char folder[300], fp[400], gone[NDOCS];
    snprintf(folder, sizeof folder, "%s/live3.spx", dir);
    mkdir(folder, 0755);
    gone_at(1, gone);
    write_commit(folder, 1, gone);
    snprintf(fp, sizeof fp, "%s/commit-0000000000000002.spc", folder);
    write_file(fp, "garbage, not a commit point", 27);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, folder, NULL), 0);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.generation, 1);
    assert_non_null(strstr(spasm_index_notes(ix), "commit-0000000000000002.spc"));
    spasm_close(ix);
    /* a folder of something else */
    snprintf(fp, sizeof fp, "%s/foreign", dir);
    mkdir(fp, 0755);
    assert_int_equal(spasm_open(&ix, fp, NULL), SPASM_EIO);
    assert_non_null(strstr(spasm_index_errmsg(ix), "not a live spasm index"));
    spasm_close(ix);
    /* a commit point naming a segment that is not there */
    snprintf(fp, sizeof fp, "%s/live3.spx/seg-0000000000000002.sps", dir);
    assert_int_equal(unlink(fp), 0);
    assert_int_equal(spasm_open(&ix, folder, NULL), SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_index_errmsg(ix), "seg-0000000000000002.sps"));
    spasm_close(ix);
    /* format-1 files still open, one segment */
    assert_int_equal(spasm_open(&ix, whole, NULL), 0);
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.format_version, 1);
    assert_int_equal(st.segments, 1);
    assert_string_equal(spasm_index_notes(ix), "");
    spasm_close(ix);
}

/* ---- threads ---- */

static uint64_t expect_count[NGEN + 2]; /* passages matching "ka" per generation */

/* Generation g of the thread test deletes documents by a permutation. */
static void tgone(int g, char *gone)
{
    for (int d = 0; d < NDOCS; d++) gone[d] = ((d * 37) % NDOCS) < g * 3;
}

static void *reader(void *arg)
{
    (void)arg;
    spasm_index *ix;
    if (spasm_open(&ix, tfolder, NULL)) {
        failures++;
        spasm_close(ix);
        return NULL;
    }
    while (!writer_done) {
        spasm_index *nx;
        if (spasm_refresh(ix, &nx)) {
            failures++;
            spasm_close(nx);
            break;
        }
        if (nx) {
            spasm_close(ix);
            ix = nx;
        }
        spasm_searcher *s;
        uint64_t c = 0;
        spasm_index_stats st;
        spasm_index_get_stats(ix, &st);
        if (spasm_searcher_new(ix, &s) || spasm_count(s, "ka", &c) ||
            c != expect_count[st.generation])
            failures++;
        spasm_results *r;
        if (spasm_search(s, "ka lo*", NULL, &r)) failures++;
        spasm_results_free(r);
        spasm_searcher_free(s);
    }
    spasm_close(ix);
    return NULL;
}

/* 8 threads refresh and search while NGEN commits are published (the
 * files of commits older than the newest two removed, as a writer does):
 * no error, every count that of the generation the handle read. */
static void test_threads_refresh(void **state)
{
    (void)state;
    snprintf(tfolder, sizeof tfolder, "%s/live4.spx", dir);
    mkdir(tfolder, 0755);
    /* the expected counts: passages with "ka" in live documents */
    spasm_index *w;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&w, whole, NULL), 0);
    assert_int_equal(spasm_searcher_new(w, &s), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = SPASM_MAX_K;
    o.fields = SPASM_FIELD_ID;
    s->force_exhaustive = 1;
    spasm_results *r;
    assert_int_equal(spasm_search(s, "ka", &o, &r), 0);
    for (int g = 1; g <= NGEN + 1; g++) {
        char gone[NDOCS];
        tgone(g, gone);
        for (size_t i = 0; i < spasm_results_count(r); i++)
            expect_count[g] += !gone[atoi(spasm_results_hit(r, i)->doc_id + 1)];
    }
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(w);
    char gone[NDOCS];
    tgone(1, gone);
    write_commit(tfolder, 1, gone);
    pthread_t th[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, reader, NULL);
    for (int g = 2; g <= NGEN + 1; g++) {
        tgone(g, gone);
        write_commit(tfolder, (uint64_t)g, gone);
        run("rm -f %s/commit-%016x.spc %s/del-*-%016x.spd", tfolder, g - 2, tfolder, g - 2);
    }
    writer_done = 1;
    for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_equal_whole),
        cmocka_unit_test(test_block_bounds_global_average),
        cmocka_unit_test(test_deletions_exact),
        cmocka_unit_test(test_refresh_snapshot),
        cmocka_unit_test(test_fallback_and_refusals),
        cmocka_unit_test(test_threads_refresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
