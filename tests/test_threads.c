/*
 * test_threads.c -- one spasm_index shared by 8 threads, each with its own
 * searcher, running the same ~50 queries (drawn from the corpus
 * vocabulary) many times; every result list must equal, bit for bit, the
 * answer computed single-threaded on a separate handle.  The shared index
 * is freshly opened, so its lazy checksum verification also happens under
 * contention.  `make check` runs this again under ThreadSanitizer
 * (build/tsan).  Uses only the public API; no timing is asserted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

#define NTHREADS 8
#define MAXQ 64
#define ROUNDS 12

typedef struct answer {
    int rc;
    size_t n;
    uint64_t total;
    uint32_t passage[10];
    double score[10];
    char doc_id[10][64];
} answer;

static char queries[MAXQ][160];
static spasm_search_options qopts[MAXQ];
static answer expected[MAXQ];
static size_t nq;
static char index_path[512];

/* Run query q on s into a (a plain copy, so answers compare with memcmp). */
static void run_query(spasm_searcher *s, size_t q, answer *a)
{
    memset(a, 0, sizeof *a);
    spasm_results *r = NULL;
    a->rc = spasm_search(s, queries[q], &qopts[q], &r);
    if (a->rc) return;
    a->n = spasm_results_count(r);
    a->total = spasm_results_total(r);
    for (size_t i = 0; i < a->n && i < 10; i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        a->passage[i] = h->passage;
        a->score[i] = h->score;
        snprintf(a->doc_id[i], sizeof a->doc_id[i], "%s", h->doc_id);
    }
    spasm_results_free(r);
}

/* Words of 4+ letters from the corpus passages, lower-cased, in order. */
static size_t corpus_words(spasm_searcher *s, char (*w)[32], size_t max)
{
    size_t n = 0;
    for (uint32_t p = 0; n < max; p++) {
        spasm_results *r;
        if (spasm_get_passage(s, p, &r) != SPASM_OK) break;
        const char *t = spasm_results_hit(r, 0)->text;
        while (*t && n < max) {
            size_t len = 0;
            while ((t[len] >= 'a' && t[len] <= 'z') || (t[len] >= 'A' && t[len] <= 'Z')) len++;
            if (len >= 4 && len < 32) {
                for (size_t i = 0; i < len; i++) w[n][i] = (char)(t[i] | 0x20);
                w[n][len] = 0;
                n++;
            }
            t += len ? len : 1;
        }
        spasm_results_free(r);
    }
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(index_path, sizeof index_path, "%s/corpus.spx", build_dir());
    spasm_index *ix;
    spasm_searcher *s;
    if (spasm_open(&ix, index_path, NULL) || spasm_searcher_new(ix, &s)) return -1;
    static char words[4000][32];
    size_t nw = corpus_words(s, words, 4000);
    if (nw < 500) return -1;
    /* A fixed pseudo-random draw: bags of 1-4 words, phrases, operators. */
    uint32_t seed = 12345;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8) % nw)
    for (nq = 0; nq < 50; nq++) {
        char *q = queries[nq];
        spasm_search_options_init(&qopts[nq]);
        size_t a = RND(), b = RND();
        switch (nq % 5) {
        case 0:
            snprintf(q, 160, "%s", words[a]);
            break;
        case 1:
            snprintf(q, 160, "%s %s %s", words[a], words[b], words[RND()]);
            break;
        case 2:
            snprintf(q, 160, "\"%s %s\" %s", words[a], words[(a + 1) % nw], words[b]);
            break;
        case 3:
            snprintf(q, 160, "%s NEAR/8 %s OR %s*", words[a], words[b], words[RND()]);
            break;
        default:
            snprintf(q, 160, "+%s %s -%s", words[a], words[b], words[RND()]);
            qopts[nq].group = SPASM_GROUP_DOC;
            break;
        }
        if (nq % 7 == 3) qopts[nq].k = 3;
        if (nq % 11 == 5) {
            qopts[nq].k1 = 1.2;
            qopts[nq].b = 0.75;
        }
    }
    snprintf(queries[nq], 160, "night calf cramps");
    spasm_search_options_init(&qopts[nq++]);
    snprintf(queries[nq], 160, "renal colic");
    spasm_search_options_init(&qopts[nq++]);
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        run_query(s, q, &expected[q]);
        hits += expected[q].n;
    }
    spasm_searcher_free(s);
    spasm_close(ix);
    return hits > nq ? 0 : -1; /* most queries must find something */
}

typedef struct worker {
    spasm_index *ix;
    pthread_barrier_t *start;
    int id;
    int mismatches, errors;
    char first_bad[200];
} worker;

static void *work(void *arg)
{
    worker *wk = arg;
    spasm_searcher *s;
    if (spasm_searcher_new(wk->ix, &s) != SPASM_OK) {
        wk->errors++;
        pthread_barrier_wait(wk->start);
        return NULL;
    }
    pthread_barrier_wait(wk->start);
    answer a;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < nq; i++) {
            size_t q = (i + (size_t)wk->id * 7 + (size_t)round * 3) % nq; /* vary the order */
            run_query(s, q, &a);
            if (memcmp(&a, &expected[q], sizeof a) != 0) {
                if (!wk->mismatches)
                    snprintf(wk->first_bad, sizeof wk->first_bad, "query %zu \"%s\" (rc %d/%d)", q,
                             queries[q], a.rc, expected[q].rc);
                wk->mismatches++;
            }
        }
        /* look-ups through the same shared index */
        uint32_t d, first, count;
        if (spasm_find_doc(s, expected[nq - 1].doc_id[0], &d) != SPASM_OK ||
            spasm_doc_passages(s, d, &first, &count) != SPASM_OK || count == 0)
            wk->errors++;
    }
    spasm_searcher_free(s);
    return NULL;
}

static void test_shared_index_8_threads(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, index_path, NULL), SPASM_OK); /* fresh: nothing verified */
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NTHREADS);
    pthread_t th[NTHREADS];
    worker wk[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&wk[i], 0, sizeof wk[i]);
        wk[i].ix = ix;
        wk[i].start = &start;
        wk[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, work, &wk[i]), 0);
    }
    int bad = 0, errors = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        if (wk[i].mismatches)
            print_error("thread %d: %d mismatches, first %s\n", i, wk[i].mismatches,
                        wk[i].first_bad);
        bad += wk[i].mismatches;
        errors += wk[i].errors;
    }
    pthread_barrier_destroy(&start);
    spasm_close(ix);
    assert_int_equal(bad, 0);
    assert_int_equal(errors, 0);
}

/* Results outlive their searcher's later searches and may be read and
 * freed by another thread. */
static void *read_and_free(void *arg)
{
    spasm_results *r = arg;
    size_t n = spasm_results_count(r);
    for (size_t i = 0; i < n; i++)
        if (strcmp(spasm_results_hit(r, i)->doc_id, expected[nq - 1].doc_id[i]) != 0)
            return (void *)1;
    spasm_results_free(r);
    return NULL;
}

static void test_results_cross_threads(void **state)
{
    (void)state;
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, index_path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_results *r[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(spasm_search(s, queries[nq - 1], &qopts[nq - 1], &r[i]), SPASM_OK);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, read_and_free, r[i]), 0);
    int bad = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        bad += ret != NULL;
    }
    spasm_searcher_free(s);
    spasm_close(ix);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_index_8_threads),
        cmocka_unit_test(test_results_cross_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
