/*
 * test_cancel.c -- spasm_searcher_set_cancel(): a cancel flag or a
 * deadline stops spasm_search() and spasm_count() with SPASM_ECANCELED,
 * before they start (flag set, deadline past) and while they run (a flag
 * set by another thread while the search is inside the ranking: the
 * index's allocator blocks the searching thread at the first allocation
 * after the top-k heap is made -- the iterator tree of the segment --
 * until the other thread has set the flag, so the only check left is the
 * one in the ranking loop); the searcher then works as before, and a
 * watched search that is not stopped gives exactly the unwatched results.
 * A synthetic index of 20,000 passages over a small vocabulary, so a
 * query's ranking spans many windows.  No timing is asserted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "search.h" /* SP_TOPK_ROOM and sp_cand: the candidates' buffer below */
#include "spasm.h"

#define NPASS 20000
#define HEAP_K 777 /* a search with this k allocates a buffer of its size (below) */

static char dir[256], path[300];

/* The hook of the test "from another thread": the allocator of the index. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int armed, heap_seen, blocked, released;
static volatile sig_atomic_t flag;

static void *hook_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud, (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    pthread_mutex_lock(&mu);
    if (armed && heap_seen && !blocked) {
        /* inside the search, after the heap: wait for the other thread */
        blocked = 1;
        pthread_cond_broadcast(&cv);
        while (!released) pthread_cond_wait(&cv, &mu);
    }
    /* the candidates' buffer (search.c topk_init: SP_TOPK_ROOM(k)
     * candidates) and the allocator's small header */
    size_t hb = SP_TOPK_ROOM((size_t)HEAP_K) * sizeof(sp_cand);
    if (armed && nsize >= hb && nsize <= hb + 64) heap_seen = 1;
    pthread_mutex_unlock(&mu);
    return realloc(ptr, nsize);
}

static const char *words[] = {"alpha", "bravo", "charlie", "delta",  "echo", "foxtrot",
                              "golf",  "hotel", "india",   "juliet", "kilo", "lima"};

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/spasm-test-cancel-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/c.spx", dir);
    spasm_writer *w;
    if (spasm_writer_new(&w, path, NULL) != SPASM_OK) return -1;
    unsigned x = 12345;
    for (int i = 0; i < NPASS; i++) {
        char text[256], id[32];
        size_t n = 0;
        for (int j = 0; j < 12; j++) {
            x = x * 1103515245u + 12345u;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s ", words[(x >> 16) % 12]);
        }
        snprintf(id, sizeof id, "d%d", i);
        if (spasm_writer_add(w, id, NULL, text, n) != SPASM_OK) return -1;
    }
    int rc = spasm_writer_commit(w);
    spasm_writer_abandon(w);
    return rc == SPASM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    run("rm -rf '%s'", dir);
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A flag set before, a deadline past: ECANCELED, no results, a message;
 * the searcher works again once they are cleared. */
static void test_before(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    volatile sig_atomic_t f = 1;
    spasm_results *r = (spasm_results *)1;
    spasm_searcher_set_cancel(s, &f, 0);
    assert_int_equal(spasm_search(s, "alpha bravo", NULL, &r), SPASM_ECANCELED);
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "canceled"));
    uint64_t c = 7;
    assert_int_equal(spasm_count(s, "alpha", &c), SPASM_ECANCELED);
    assert_int_equal(c, 0);
    f = 0;
    spasm_searcher_set_cancel(s, &f, now_ns() - 1);
    assert_int_equal(spasm_search(s, "\"alpha bravo\"", NULL, &r), SPASM_ECANCELED);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "deadline"));
    spasm_searcher_set_cancel(s, NULL, 0);
    assert_int_equal(spasm_search(s, "alpha bravo", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 10);
    spasm_results_free(r);
    assert_int_equal(spasm_count(s, "alpha", &c), SPASM_OK);
    assert_true(c > 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Watched but not stopped (flag 0, a deadline far ahead): the same hits,
 * scores and totals as an unwatched searcher, for the MaxScore path, the
 * general evaluator (phrase, AND, NEAR) and count. */
static void test_watched_same_results(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *a, *b;
    assert_int_equal(spasm_searcher_new(ix, &a), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &b), SPASM_OK);
    volatile sig_atomic_t f = 0;
    spasm_searcher_set_cancel(b, &f, now_ns() + 3600ull * 1000000000u);
    const char *qs[] = {"alpha bravo charlie", "\"delta echo\"", "+golf +hotel -india",
                        "NEAR/2(kilo lima)", "al*"};
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++) {
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = 50;
        spasm_results *ra, *rb;
        assert_int_equal(spasm_search(a, qs[q], &o, &ra), SPASM_OK);
        assert_int_equal(spasm_search(b, qs[q], &o, &rb), SPASM_OK);
        assert_int_equal(spasm_results_count(ra), spasm_results_count(rb));
        assert_int_equal(spasm_results_total(ra), spasm_results_total(rb));
        for (size_t i = 0; i < spasm_results_count(ra); i++) {
            assert_int_equal(spasm_results_hit(ra, i)->passage, spasm_results_hit(rb, i)->passage);
            assert_true(spasm_results_hit(ra, i)->score == spasm_results_hit(rb, i)->score);
        }
        spasm_results_free(ra);
        spasm_results_free(rb);
        uint64_t ca, cb;
        assert_int_equal(spasm_count(a, qs[q], &ca), SPASM_OK);
        assert_int_equal(spasm_count(b, qs[q], &cb), SPASM_OK);
        assert_int_equal(ca, cb);
    }
    spasm_searcher_free(a);
    spasm_searcher_free(b);
    spasm_close(ix);
}

typedef struct job {
    spasm_searcher *s;
    const char *query;
    int rc;
    size_t n;
} job;

static void *search_thread(void *arg)
{
    job *j = arg;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = HEAP_K;
    spasm_results *r = NULL;
    j->rc = spasm_search(j->s, j->query, &o, &r);
    j->n = spasm_results_count(r);
    spasm_results_free(r);
    return NULL;
}

/* Run `query` in a thread, set the flag from this one while that thread
 * is blocked inside the search (after the heap, at the tree's first
 * allocation), then let it go on: returns the search's code. */
static int cancel_midway(spasm_searcher *s, const char *query, size_t *n)
{
    pthread_mutex_lock(&mu);
    armed = 1, heap_seen = 0, blocked = 0, released = 0;
    flag = 0;
    pthread_mutex_unlock(&mu);
    job j = {s, query, -1, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, search_thread, &j), 0);
    pthread_mutex_lock(&mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60; /* a bound, not a timing: the hook was never reached */
    while (!blocked && pthread_cond_timedwait(&cv, &mu, &until) == 0) {
    }
    int reached = blocked;
    __atomic_store_n(&flag, 1, __ATOMIC_RELAXED);
    released = 1;
    armed = 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(th, NULL);
    assert_true(reached);
    *n = j.n;
    return j.rc;
}

/* A flag set from another thread during the search stops it: the OR of
 * terms (MaxScore, checked per window) and a phrase (the general
 * evaluator, every 256 steps). */
static void test_from_another_thread(void **state)
{
    (void)state;
    spasm_open_options oo = {0};
    oo.alloc = hook_alloc;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_OK);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_searcher_set_cancel(s, &flag, 0);
    size_t n = 99;
    assert_int_equal(cancel_midway(s, "alpha bravo charlie delta", &n), SPASM_ECANCELED);
    assert_int_equal(n, 0);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "canceled"));
    assert_int_equal(cancel_midway(s, "\"echo foxtrot\"", &n), SPASM_ECANCELED);
    /* the same searcher, the flag cleared: a whole answer */
    flag = 0;
    job j = {s, "alpha bravo charlie delta", -1, 0};
    search_thread(&j);
    assert_int_equal(j.rc, SPASM_OK);
    assert_int_equal(j.n, HEAP_K);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before),
        cmocka_unit_test(test_watched_same_results),
        cmocka_unit_test(test_from_another_thread),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
