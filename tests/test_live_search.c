/*
 * test_live_search.c -- live folders written by spasm_updater, searched:
 * random adds, replaces, deletes and commits (merges included) answer
 * exactly like from-scratch indexes of the live documents in the order
 * they were added (every query type, hit by hit, pruning on); 8 threads
 * refresh and count while the updater commits 50 times.
 */
#include <math.h>
#include <pthread.h>
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

#include "testutil.h"

#include "commit.h"
#include "live.h" /* the merge policy's knobs */
#include "search.h"
#include "spasm.h"

#include "live_read_util.h"

/* ---- through the updater ---- */

/* The live documents of the model, in the order their versions were
 * added: id number and text number. */
typedef struct model {
    int id[4 * NDOCS], text[4 * NDOCS];
    int n;
} model;

static void model_remove(model *m, int id)
{
    for (int i = 0; i < m->n; i++)
        if (m->id[i] == id) {
            memmove(&m->id[i], &m->id[i + 1], (size_t)(m->n - i - 1) * sizeof *m->id);
            memmove(&m->text[i], &m->text[i + 1], (size_t)(m->n - i - 1) * sizeof *m->text);
            m->n--;
            return;
        }
}

/* The from-scratch index of the model's documents. */
static void model_build(const model *m, const char *path)
{
    spasm_writer *w;
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    assert_int_equal(spasm_writer_new(&w, path, &o), 0);
    for (int i = 0; i < m->n; i++) {
        char id[16];
        snprintf(id, sizeof id, "u%03d", m->id[i]);
        int t = m->text[i];
        assert_int_equal(spasm_writer_add(w, id, doc_title[t], doc_text[t], strlen(doc_text[t])),
                         0);
    }
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

/* --explain over the folder ix reads exactly as over the from-scratch
 * index rx: the live df, N (live passages) and average length. */
static void explain_equal(spasm_index *ix, spasm_index *rx, uint64_t live_passages)
{
    char q[256];
    size_t n = strcspn(doc_text[0], " ");
    snprintf(q, sizeof q, "%.*s ka", (int)SP_MIN(n, 200), doc_text[0]);
    spasm_searcher *a, *b;
    assert_int_equal(spasm_searcher_new(ix, &a), 0);
    assert_int_equal(spasm_searcher_new(rx, &b), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.explain = 1;
    o.k = 5;
    spasm_results *ra, *rb;
    assert_int_equal(spasm_search(a, q, &o, &ra), 0);
    assert_int_equal(spasm_search(b, q, &o, &rb), 0);
    assert_int_equal(spasm_results_count(ra), spasm_results_count(rb));
    assert_true(spasm_results_count(ra) > 0);
    char nstr[40];
    snprintf(nstr, sizeof nstr, ", N=%llu)", (unsigned long long)live_passages);
    for (size_t i = 0; i < spasm_results_count(ra); i++) {
        const char *ea = spasm_results_hit(ra, i)->explain, *eb = spasm_results_hit(rb, i)->explain;
        assert_string_equal(ea, eb);
        assert_non_null(strstr(ea, nstr));
    }
    spasm_results_free(ra);
    spasm_results_free(rb);
    spasm_searcher_free(a);
    spasm_searcher_free(b);
}

/* The segment plan (segplan.c): with it (segments best bound first,
 * those that cannot beat the heap left out) and without it (in order,
 * all of them), small and large k, by passage and by document, the
 * folder ix answers hit by hit as the from-scratch index rx.  Returns the
 * segments the plan left out. */
static uint64_t plan_equal(spasm_index *ix, spasm_index *rx)
{
    static const char *qs[] = {"ka",     "lo mi",       "sa to vi ze", "mimi ka",
                               "ne -ka", "kakaka lolo", "ru ru",       "ka* mi"};
    static const size_t ks[] = {1, 2, 5, 1000};
    spasm_searcher *s, *n, *r;
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    assert_int_equal(spasm_searcher_new(ix, &n), 0);
    assert_int_equal(spasm_searcher_new(rx, &r), 0);
    n->no_seg_plan = 1;
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++)
        for (size_t k = 0; k < sizeof ks / sizeof *ks; k++)
            for (int g = 0; g < 2; g++) {
                spasm_search_options o;
                spasm_search_options_init(&o);
                o.k = ks[k];
                o.group = g ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
                spasm_results *a = NULL, *b = NULL, *c = NULL;
                assert_int_equal(spasm_search(s, qs[q], &o, &a), 0);
                assert_int_equal(spasm_search(n, qs[q], &o, &b), 0);
                assert_int_equal(spasm_search(r, qs[q], &o, &c), 0);
                same_results(a, c, qs[q]);
                same_results(b, c, qs[q]);
                spasm_results_free(a);
                spasm_results_free(b);
                spasm_results_free(c);
            }
    assert_int_equal(n->segs_skipped, 0);
    uint64_t skipped = s->segs_skipped;
    spasm_searcher_free(s);
    spasm_searcher_free(n);
    spasm_searcher_free(r);
    return skipped;
}

/* Random adds, replaces, deletes and commits through spasm_updater (its
 * merges included): after each commit the folder answers exactly like a
 * from-scratch index of the live documents in the order they were added. */
static void test_updater_random_exact(void **state)
{
    (void)state;
    uint64_t skipped = 0; /* segments segplan.c left out */
    for (unsigned seed = 1; seed <= 3; seed++) {
        char folder[300], ref[300];
        snprintf(folder, sizeof folder, "%s/upd%u.spx", dir, seed);
        snprintf(ref, sizeof ref, "%s/upd%u-ref.spx", dir, seed);
        model m = {0};
        spasm_updater *u;
        spasm_writer_options o = {0};
        o.b = SPASM_B_DEFAULT;
        o.threads = 1;
        assert_int_equal(spasm_updater_open(&u, folder, &o), 0);
        unsigned r = seed;
        for (int c = 0; c < 6; c++) {
            int nops = 5 + (int)(rand_r(&r) % 60);
            for (int k = 0; k < nops; k++) {
                int id = (int)(rand_r(&r) % 120), op = (int)(rand_r(&r) % 10);
                char ids[16];
                snprintf(ids, sizeof ids, "u%03d", id);
                if (op < 7 || m.n == 0) { /* add or replace */
                    int t = (int)(rand_r(&r) % NDOCS);
                    assert_int_equal(
                        spasm_updater_add(u, ids, doc_title[t], doc_text[t], strlen(doc_text[t])),
                        0);
                    model_remove(&m, id);
                    m.id[m.n] = id;
                    m.text[m.n++] = t;
                } else {
                    assert_int_equal(spasm_updater_delete(u, ids), 0);
                    model_remove(&m, id);
                }
            }
            assert_int_equal(spasm_updater_commit(u), 0);
            if (m.n == 0) continue;
            model_build(&m, ref);
            spasm_index *ix, *rx;
            assert_int_equal(spasm_open(&ix, folder, NULL), 0);
            assert_int_equal(spasm_open(&rx, ref, NULL), 0);
            spasm_index_stats a, b;
            spasm_index_get_stats(ix, &a);
            spasm_index_get_stats(rx, &b);
            assert_int_equal(a.documents, b.documents);
            assert_int_equal(a.passages, b.passages);
            compare_all(ix, rx, 0);
            skipped += plan_equal(ix, rx);
            explain_equal(ix, rx, b.passages);
            assert_int_equal(spasm_index_verify(ix), 0);
            spasm_close(ix);
            spasm_close(rx);
        }
        spasm_updater_close(u);
    }
    assert_true(skipped > 0); /* the bounds did leave segments out */
}

/* Passages matching "ka" in each text (from the index of the whole). */
static uint64_t ka_count[NDOCS];
static _Atomic uint64_t ka_expect[NGEN + 8];

static void *reader_u(void *arg)
{
    (void)arg;
    spasm_index *ix = NULL;
    while (!writer_done && spasm_open(&ix, tfolder, NULL)) { /* the first commit */
        spasm_close(ix);
        ix = NULL;
    }
    while (ix && !writer_done) {
        spasm_index *nx;
        if (spasm_refresh(ix, &nx)) {
            fprintf(stderr, "refresh: %s\n", nx ? spasm_index_errmsg(nx) : "out of memory");
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
        if (spasm_searcher_new(ix, &s) || spasm_count(s, "ka", &c) || st.generation > NGEN + 4 ||
            c != ka_expect[st.generation]) {
            fprintf(stderr, "generation %llu: %llu passages, expected %llu\n",
                    (unsigned long long)st.generation, (unsigned long long)c,
                    (unsigned long long)ka_expect[st.generation]);
            failures++;
        }
        spasm_results *r;
        if (spasm_search(s, "ka lo*", NULL, &r)) failures++;
        spasm_results_free(r);
        spasm_searcher_free(s);
    }
    spasm_close(ix);
    return NULL;
}

/* 8 threads refresh and search while spasm_updater commits NGEN times:
 * no error, every count that of the generation the snapshot holds. */
static void test_threads_updater(void **state)
{
    (void)state;
    snprintf(tfolder, sizeof tfolder, "%s/live5.spx", dir);
    spasm_index *w;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&w, whole, NULL), 0);
    assert_int_equal(spasm_searcher_new(w, &s), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = SPASM_MAX_K;
    o.fields = SPASM_FIELD_ID;
    spasm_results *r;
    assert_int_equal(spasm_search(s, "ka", &o, &r), 0);
    for (size_t i = 0; i < spasm_results_count(r); i++)
        ka_count[atoi(spasm_results_hit(r, i)->doc_id + 1)]++;
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(w);
    spasm_updater *u;
    spasm_writer_options wo = {0};
    wo.b = SPASM_B_DEFAULT;
    wo.threads = 1;
    assert_int_equal(spasm_updater_open(&u, tfolder, &wo), 0);
    int live[NDOCS] = {0}; /* id -> text + 1 */
    uint64_t expect = 0;
    for (int d = 0; d < 40; d++) { /* generation 1 */
        char id[16];
        snprintf(id, sizeof id, "t%d", d);
        assert_int_equal(spasm_updater_add(u, id, NULL, doc_text[d], strlen(doc_text[d])), 0);
        live[d] = d + 1;
        expect += ka_count[d];
    }
    writer_done = 0;
    failures = 0;
    ka_expect[1] = expect;
    assert_int_equal(spasm_updater_commit(u), 0);
    pthread_t th[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, reader_u, NULL);
    unsigned seed = 11;
    for (int g = 2; g <= NGEN + 1; g++) {
        for (int k = 0; k < 3; k++) {
            int id = (int)(rand_r(&seed) % 60), t = (int)(rand_r(&seed) % NDOCS);
            char ids[16];
            snprintf(ids, sizeof ids, "t%d", id);
            if (live[id]) expect -= ka_count[live[id] - 1];
            if (k == 2) {
                assert_int_equal(spasm_updater_delete(u, ids), 0);
                live[id] = 0;
            } else {
                assert_int_equal(spasm_updater_add(u, ids, NULL, doc_text[t], strlen(doc_text[t])),
                                 0);
                live[id] = t + 1;
                expect += ka_count[t];
            }
        }
        ka_expect[g] = expect; /* before readers can see generation g */
        assert_int_equal(spasm_updater_commit(u), 0);
        spasm_updater_stats st;
        spasm_updater_get_stats(u, &st);
        assert_int_equal(st.generation, g);
    }
    writer_done = 1;
    for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
    spasm_updater_close(u);
    assert_int_equal(failures, 0);
}

/* More segments than sp_dict_find_parts() looks up at once (SP_DICT_BATCH)
 * and no merge: adds, replaces and deletes over 20 commits; the folder
 * answers every query type exactly like the from-scratch index, with the
 * segment plan and one tree bound to each segment (bind.c) and without. */
static void test_many_segments_exact(void **state)
{
    (void)state;
    char folder[300], ref[300];
    snprintf(folder, sizeof folder, "%s/many.spx", dir);
    snprintf(ref, sizeof ref, "%s/many-ref.spx", dir);
    static model m;
    memset(&m, 0, sizeof m);
    spasm_updater *u;
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    assert_int_equal(spasm_updater_open(&u, folder, &o), 0);
    u->merge_width = 1000; /* no merge: one segment per commit */
    unsigned r = 7;
    for (int c = 0; c < 20; c++) {
        for (int k = 0; k < 6; k++) {
            int id = (int)(rand_r(&r) % 100), t = (int)(rand_r(&r) % NDOCS);
            char ids[16];
            snprintf(ids, sizeof ids, "u%03d", id);
            if (k == 5 && m.n > 0) { /* a delete in most commits */
                assert_int_equal(spasm_updater_delete(u, ids), 0);
                model_remove(&m, id);
                continue;
            }
            assert_int_equal(
                spasm_updater_add(u, ids, doc_title[t], doc_text[t], strlen(doc_text[t])), 0);
            model_remove(&m, id);
            m.id[m.n] = id;
            m.text[m.n++] = t;
        }
        assert_int_equal(spasm_updater_commit(u), 0);
    }
    spasm_updater_close(u);
    model_build(&m, ref);
    spasm_index *ix, *rx;
    assert_int_equal(spasm_open(&ix, folder, NULL), 0);
    assert_int_equal(spasm_open(&rx, ref, NULL), 0);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_true(st.segments > SP_DICT_BATCH);
    compare_all(ix, rx, 0);
    plan_equal(ix, rx);
    spasm_close(ix);
    spasm_close(rx);
}

/* A live folder's segment changed in place by another program: a search
 * checks one segment's file per call, in turn (sp_col_check_files_turn),
 * so within as many searches as there are segments the change is an
 * error naming the file; a single-file index is checked at every call
 * (test_stdio.c). */
static void test_segment_changed_found_in_turn(void **state)
{
    (void)state;
    char folder[300];
    snprintf(folder, sizeof folder, "%s/turn.spx", dir);
    spasm_updater *u;
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    assert_int_equal(spasm_updater_open(&u, folder, &o), 0);
    for (int c = 0; c < 4; c++) { /* 4 commits of 10 documents: 4 segments */
        for (int d = 10 * c; d < 10 * c + 10; d++)
            assert_int_equal(
                spasm_updater_add(u, doc_id[d], doc_title[d], doc_text[d], strlen(doc_text[d])), 0);
        assert_int_equal(spasm_updater_commit(u), 0);
    }
    spasm_updater_close(u);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, folder, NULL), 0);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.segments, 4);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_results *r;
    for (int i = 0; i < 8; i++) { /* every segment's turn comes, none changed */
        assert_int_equal(spasm_search(s, "ka", NULL, &r), 0);
        spasm_results_free(r);
    }
    /* the third segment's file gets a new modification time */
    const char *seg = ix->part[2].seg->path;
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, seg, ts, 0), 0);
    int rc = 0, n = 0;
    for (; n < 4 && !rc; n++) {
        r = NULL;
        rc = spasm_search(s, "ka", NULL, &r);
        spasm_results_free(r);
    }
    assert_int_equal(rc, SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "modified in place"));
    assert_non_null(strstr(spasm_searcher_errmsg(s), seg));
    /* and from then on every search says so */
    assert_int_equal(spasm_search(s, "ka", NULL, &r), SPASM_ECORRUPT);
    uint64_t cnt;
    for (int i = 0; i < 4; i++) rc = spasm_count(s, "ka", &cnt) ? SPASM_ECORRUPT : rc;
    assert_int_equal(rc, SPASM_ECORRUPT);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_updater_random_exact),
        cmocka_unit_test(test_threads_updater),
        cmocka_unit_test(test_many_segments_exact),
        cmocka_unit_test(test_segment_changed_found_in_turn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
