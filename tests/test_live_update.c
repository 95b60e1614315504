/*
 * test_live_update.c -- the updater of a live index folder (indexer/live*.c,
 * docs/LIVE.md): what it opens and refuses, the lock across processes, and
 * the semantics of a batch (upsert by id, delete, unknown deletes, batch
 * duplicates, order within a batch, delete_all), checked by reading the
 * segments and deletion files back.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"
#include "live.h" /* the merge policy's knobs */

static char dir[512];
static char warnings[4096];

static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    (void)ud;
    (void)st;
    if (kind != SPASM_EVENT_WARNING) return;
    size_t n = strlen(warnings);
    snprintf(warnings + n, sizeof warnings - n, "%s\n", msg);
}

static spasm_writer_options opts(void)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    o.on_event = on_event;
    return o;
}

static int setup(void **st)
{
    (void)st;
    lu_tmpname(dir, sizeof dir, "ix.spx");
    warnings[0] = 0;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    lu_rmtree(dir);
    return 0;
}

static spasm_updater *open_u(void)
{
    spasm_writer_options o = opts();
    spasm_updater *u;
    int rc = spasm_updater_open(&u, dir, &o);
    if (rc) fprintf(stderr, "%s\n", spasm_updater_errmsg(u));
    assert_int_equal(rc, 0);
    return u;
}

static void add(spasm_updater *u, const char *id, const char *text)
{
    assert_int_equal(spasm_updater_add(u, id, NULL, text, strlen(text)), 0);
}

static void commit(spasm_updater *u)
{
    int rc = spasm_updater_commit(u);
    if (rc) fprintf(stderr, "%s\n", spasm_updater_errmsg(u));
    assert_int_equal(rc, 0);
}

/* The text of the live document with id `id` (first passage), or NULL. */
static char *live_text(const char *id)
{
    sp_commit c = lu_commit(dir);
    char *out = NULL;
    for (uint32_t i = 0; i < c.nseg && !out; i++) {
        lu_seg g = lu_seg_open(dir, &c.seg[i], 0);
        for (uint32_t d = 0; d < g.ix->ndocs && !out; d++) {
            const uint8_t *p;
            size_t len;
            char err[SP_ERRMSG_MAX];
            assert_int_equal(sp_doc_id(g.ix->part[0].seg, d, &g.s->metacache, &p, &len, err), 0);
            if (g.del[d] || len != strlen(id) || memcmp(p, id, len)) continue;
            uint32_t first, count;
            assert_int_equal(spasm_doc_passages(g.s, d, &first, &count), 0);
            spasm_results *r;
            assert_int_equal(spasm_get_passage(g.s, first, &r), 0);
            out = strdup(spasm_results_hit(r, 0)->text);
            spasm_results_free(r);
        }
        lu_seg_close(&g);
    }
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    return out;
}

static void test_create_and_add(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 0);
    add(u, "a", "apples and pears");
    add(u, "b", "bananas in pyjamas");
    commit(u);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 1);
    assert_int_equal(s.segments, 1);
    assert_int_equal(s.live_documents, 2);
    assert_int_equal(s.added, 2);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\nb\n");
    free(ids);
    /* a commit without changes publishes nothing */
    commit(u);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 1);
    spasm_updater_close(u);
    lu_no_leftovers(dir);
    /* reopened: the same collection */
    u = open_u();
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 1);
    assert_int_equal(s.live_documents, 2);
    spasm_updater_close(u);
}

static void test_upsert_and_delete(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    u->merge_deleted_share = 2; /* keep the deletions in place, to read them */
    add(u, "a", "apples one");
    add(u, "b", "bananas one");
    add(u, "c", "cherries one");
    commit(u);
    add(u, "b", "bananas two");
    assert_int_equal(spasm_updater_delete(u, "c"), 0);
    assert_int_equal(spasm_updater_delete(u, "zz"), 0);
    commit(u);
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 2);
    assert_int_equal(s.replaced, 1);
    assert_int_equal(s.deleted, 1);
    assert_int_equal(s.unknown_deletes, 1);
    assert_int_equal(s.live_documents, 2);
    assert_int_equal(s.deleted_documents, 2);
    assert_non_null(strstr(warnings, "\"zz\""));
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\nb\n");
    free(ids);
    char *t = live_text("b");
    assert_string_equal(t, "bananas two");
    free(t);
    /* the first segment's deletion file names b (1) and c (2) */
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.nseg, 2);
    lu_seg g = lu_seg_open(dir, &c.seg[0], 1);
    assert_int_equal(g.ds.ndocs, 2);
    assert_int_equal(g.ds.docs[0], 1);
    assert_int_equal(g.ds.docs[1], 2);
    assert_int_equal(g.ds.gen, 2);
    assert_true(g.ds.nterms > 0);
    lu_seg_close(&g);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    spasm_updater_close(u);
    lu_no_leftovers(dir);
}

/* Documents without words stay through merges: a segment left with only
 * such documents by its deletions is rewritten together with a
 * neighbour that has a passage (a merged segment needs one), not dropped
 * (they were, once: live_merge.c, keep_wordless). */
static void test_wordless_kept(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    add(u, "c", "cherries");
    commit(u);
    add(u, "a", "!!! ---"); /* no word in it, no title */
    add(u, "b", "bananas");
    commit(u);
    assert_int_equal(spasm_updater_delete(u, "b"), 0); /* 50% deleted: a rewrite */
    commit(u);
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.live_documents, 2);
    assert_true(s.merges >= 1);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "c\na\n");
    free(ids);
    /* and when no segment has a passage left, nothing is merged away */
    assert_int_equal(spasm_updater_delete(u, "c"), 0);
    commit(u);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.live_documents, 1);
    assert_int_equal(spasm_updater_optimize(u), 0);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.live_documents, 1);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\n");
    free(ids);
    /* a batch of only documents without words writes no segment, but
     * its adds still replace: the old text of "d" is gone */
    add(u, "d", "dates");
    commit(u);
    add(u, "d", "...");
    warnings[0] = 0;
    commit(u);
    assert_non_null(strstr(warnings, "no words"));
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.replaced, 1);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\n");
    free(ids);
    spasm_updater_close(u);
    lu_no_leftovers(dir);
}

static void test_batch_order(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    add(u, "x", "x first");
    add(u, "y", "y first");
    commit(u);
    /* add X, delete X: gone; delete Y, add Y: present (the new one) */
    add(u, "x", "x second");
    assert_int_equal(spasm_updater_delete(u, "x"), 0);
    assert_int_equal(spasm_updater_delete(u, "y"), 0);
    add(u, "y", "y second");
    /* duplicates within the batch: the last wins */
    add(u, "d", "d one");
    add(u, "d", "d two");
    add(u, "d", "d three");
    commit(u);
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.batch_duplicates, 2);
    assert_int_equal(s.unknown_deletes, 0);
    assert_non_null(strstr(warnings, "\"d\""));
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "y\nd\n");
    free(ids);
    char *t = live_text("y");
    assert_string_equal(t, "y second");
    free(t);
    t = live_text("d");
    assert_string_equal(t, "d three");
    free(t);
    assert_null(live_text("x"));
    /* deleting twice in one batch: the second is unknown */
    assert_int_equal(spasm_updater_delete(u, "d"), 0);
    assert_int_equal(spasm_updater_delete(u, "d"), 0);
    commit(u);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.unknown_deletes, 1);
    ids = lu_live_ids(dir);
    assert_string_equal(ids, "y\n");
    free(ids);
    spasm_updater_close(u);
    lu_no_leftovers(dir);
}

static void test_delete_all(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    add(u, "a", "alpha");
    add(u, "b", "beta");
    commit(u);
    add(u, "c", "gamma"); /* dropped by delete_all */
    assert_int_equal(spasm_updater_delete_all(u), 0);
    add(u, "b", "beta again");
    add(u, "e", "epsilon");
    commit(u);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "b\ne\n");
    free(ids);
    sp_commit c = lu_commit(dir);
    assert_int_equal(c.nseg, 1);
    assert_int_equal(c.seg[0].del_gen, 0);
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_commit_free(&a, &c);
    /* delete_all alone: an empty generation */
    assert_int_equal(spasm_updater_delete_all(u), 0);
    commit(u);
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.segments, 0);
    assert_int_equal(s.live_documents, 0);
    spasm_updater_close(u);
    /* LOCK, two commit points, the segment the previous one names */
    assert_int_equal(lu_no_leftovers(dir), 4);
}

static void test_refusals(void **st)
{
    (void)st;
    spasm_writer_options o = opts();
    spasm_updater *u;
    /* a format-1 index file: upgraded to a live folder on its first update,
     * atomically (live_upgrade.c), its documents kept */
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, dir, NULL), 0);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "some words", 10), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    assert_int_equal(spasm_updater_add(u, "b", NULL, "more words", 10), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_stats us;
    spasm_updater_get_stats(u, &us);
    assert_int_equal(us.live_documents, 2);
    assert_int_equal(us.generation, 2);
    spasm_updater_close(u);
    struct stat dst;
    assert_int_equal(stat(dir, &dst), 0);
    assert_true(S_ISDIR(dst.st_mode));
    run("rm -rf %s", dir);
    /* a foreign file */
    write_file(dir, "hello\n", 6);
    assert_int_equal(spasm_updater_open(&u, dir, &o), SPASM_EINVAL);
    assert_non_null(strstr(spasm_updater_errmsg(u), "not touching it"));
    spasm_updater_close(u);
    unlink(dir);
    /* a foreign folder */
    assert_int_equal(mkdir(dir, 0755), 0);
    char f[600];
    snprintf(f, sizeof f, "%s/notes.txt", dir);
    write_file(f, "mine\n", 5);
    assert_int_equal(spasm_updater_open(&u, dir, &o), SPASM_EINVAL);
    assert_non_null(strstr(spasm_updater_errmsg(u), "not a live spasm index"));
    spasm_updater_close(u);
    assert_int_equal(count_names(dir, ""), 3); /* ., .., notes.txt: untouched */
    unlink(f);
    /* other BM25 defaults than the folder's */
    u = open_u();
    add(u, "a", "alpha");
    commit(u);
    spasm_updater_close(u);
    o.k1 = 2.0;
    assert_int_equal(spasm_updater_open(&u, dir, &o), SPASM_EINVAL);
    assert_non_null(strstr(spasm_updater_errmsg(u), "k1 1.4"));
    spasm_updater_close(u);
    /* a newer version: refused, nothing removed */
    sp_commit c = lu_commit(dir);
    c.gen = 2;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf b;
    sp_buf_init(&b, &a);
    assert_int_equal(sp_commit_encode(&c, &b), 0);
    sp_put_u32(b.p + 8, 3);
    sp_put_u32(b.p + b.n - 4, sp_crc32(0, b.p, b.n - 4));
    char name[64];
    sp_cp_name(name, 2);
    snprintf(f, sizeof f, "%s/%s", dir, name);
    write_file(f, b.p, b.n);
    o.k1 = 0;
    assert_int_equal(spasm_updater_open(&u, dir, &o), SPASM_EVERSION);
    assert_non_null(strstr(spasm_updater_errmsg(u), "version 3"));
    spasm_updater_close(u);
    struct stat sb;
    assert_int_equal(stat(f, &sb), 0);
    unlink(f);
    sp_buf_free(&b);
    sp_commit_free(&a, &c);
    /* the folder itself as an input */
    u = open_u();
    assert_int_equal(spasm_updater_add_path(u, dir), SPASM_EINVAL);
    spasm_updater_close(u);
}

static void test_lock(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    spasm_updater *v;
    spasm_writer_options o = opts();
    /* in the same process, a second handle */
    assert_int_equal(spasm_updater_open(&v, dir, &o), SPASM_EBUSY);
    char want[64];
    snprintf(want, sizeof want, "pid %ld", (long)getpid());
    assert_non_null(strstr(spasm_updater_errmsg(v), want));
    spasm_updater_close(v);
    spasm_updater_close(u);
    /* a forked child holds it */
    int go[2], done[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        spasm_updater *c;
        int rc = spasm_updater_open(&c, dir, &o);
        char x = rc == 0 ? 'y' : 'n';
        if (write(go[1], &x, 1) != 1) _exit(3);
        if (read(done[0], &x, 1) != 1) _exit(3);
        spasm_updater_close(c);
        _exit(0);
    }
    char x;
    assert_int_equal(read(go[0], &x, 1), 1);
    assert_int_equal(x, 'y');
    assert_int_equal(spasm_updater_open(&v, dir, &o), SPASM_EBUSY);
    snprintf(want, sizeof want, "pid %ld", (long)pid);
    assert_non_null(strstr(spasm_updater_errmsg(v), want));
    spasm_updater_close(v);
    assert_int_equal(write(done[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* released: it opens */
    u = open_u();
    spasm_updater_close(u);
    /* a killed holder releases it too */
    pid = fork();
    if (pid == 0) {
        spasm_updater *c;
        spasm_updater_open(&c, dir, &o);
        if (write(go[1], "y", 1) != 1) _exit(3);
        pause();
        _exit(0);
    }
    assert_int_equal(read(go[0], &x, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    u = open_u();
    spasm_updater_close(u);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
}

/* A damaged newest commit point: the updater falls back with a warning,
 * and its next commit supersedes it. */
/* The commit points in folder dir. */
static int count_commit_points(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    uint64_t g;
    while ((e = readdir(d))) n += sp_cp_parse_name(e->d_name, &g);
    closedir(d);
    return n;
}

/* Superseded files are removed every 16 commits and at close, not at
 * every commit (live.c, maybe_sweep); every commit point left is valid. */
static void test_batched_sweep(void **st)
{
    (void)st;
    spasm_writer_options o = opts();
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    u->merge_width = 1000; /* no merge: one segment per commit */
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "n%d", i);
        add(u, id, "some words");
        commit(u);
    }
    assert_int_equal(count_commit_points(), 5); /* none removed yet */
    for (int i = 5; i < 16; i++) {
        snprintf(id, sizeof id, "n%d", i);
        add(u, id, "some words");
        commit(u);
    }
    assert_int_equal(count_commit_points(), 2); /* the 16th commit swept */
    add(u, "x", "more words");
    commit(u);
    assert_int_equal(count_commit_points(), 3);
    spasm_updater_close(u);
    assert_int_equal(count_commit_points(), 2);
    char *ids = lu_live_ids(dir);
    assert_non_null(strstr(ids, "n15\n"));
    free(ids);
}

static void test_fallback(void **st)
{
    (void)st;
    spasm_updater *u = open_u();
    add(u, "a", "alpha");
    commit(u);
    add(u, "b", "beta");
    commit(u);
    spasm_updater_close(u);
    char f[600];
    snprintf(f, sizeof f, "%s/commit-0000000000000002.spc", dir);
    size_t n;
    char *p = slurp(f, &n);
    p[30] ^= 0x10;
    write_file(f, p, n);
    free(p);
    warnings[0] = 0;
    u = open_u();
    assert_non_null(strstr(warnings, "commit-0000000000000002.spc"));
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 1);
    assert_int_equal(s.live_documents, 1);
    add(u, "c", "gamma");
    commit(u);
    spasm_updater_get_stats(u, &s);
    assert_int_equal(s.generation, 3);
    spasm_updater_close(u);
    char *ids = lu_live_ids(dir);
    assert_string_equal(ids, "a\nc\n");
    free(ids);
    lu_no_leftovers(dir);
    /* the info reader sees the same */
    spasm_live_info *in;
    assert_int_equal(spasm_live_info_read(dir, &in), 0);
    assert_int_equal(in->generation, 3);
    assert_int_equal(in->live_documents, 2);
    assert_int_equal(in->nsegments, 2);
    spasm_live_info_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wordless_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batched_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
