/*
 * test_store_cache.c -- the stored-text block cache (searcher/records.c,
 * sp_store_cache_keep): a cache that keeps blocks returns exactly the
 * records of a cache of the current block only, for any order of
 * look-ups; it inflates a block again only once it was the least
 * recently used of those kept; and a searcher's caches keep blocks, so a
 * second look-up of the same hits inflates nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index.h"
#include "search.h"
#include "testutil.h"

#include "spasm.h"

#define NDOCS 400

static char dir[256], path[300];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/spasm-test-store-cache-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/s.spx", dir);
    spasm_writer *w;
    if (spasm_writer_new(&w, path, NULL) != SPASM_OK) return -1;
    unsigned x = 7;
    for (int i = 0; i < NDOCS; i++) {
        char text[2600], id[32], title[32];
        size_t n = (size_t)snprintf(text, sizeof text, "passage%d", i);
        while (n < 2000) { /* ~2 KB each: 2 a block of 4 KiB */
            x = x * 1103515245u + 12345u;
            n += (size_t)snprintf(text + n, sizeof text - n, " w%u", (x >> 16) % 5000);
        }
        snprintf(id, sizeof id, "d%d", i);
        snprintf(title, sizeof title, "Title %d", i);
        if (spasm_writer_add(w, id, title, text, n) != SPASM_OK) return -1;
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

/* The first record of text block b of segment g. */
static uint32_t block_first(const sp_seg *g, uint64_t b)
{
    return sp_get_u32(g->txix.p + b * SP_STORE_IX_ENTRY);
}

/* Record rec through c; its bytes copied to out (malloc'd), length *n. */
static char *get(sp_seg *g, sp_store_cache *c, uint64_t rec, size_t *n)
{
    const uint8_t *p;
    char err[SP_ERRMSG_MAX];
    assert_int_equal(sp_store_get(g, &g->text, &g->txix, rec, c, &p, n, err), 0);
    char *o = malloc(*n + 1);
    memcpy(o, p, *n);
    return o;
}

/* Random look-ups: the same bytes through a keeping cache as through a
 * cache of one block; the keeping one inflates fewer blocks. */
static void test_same_records(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    sp_seg *g = ix->part[0].seg;
    uint64_t nblocks = g->txix.len / SP_STORE_IX_ENTRY;
    assert_true(nblocks >= 20);
    sp_store_cache one, kept;
    memset(&one, 0, sizeof one);
    memset(&kept, 0, sizeof kept);
    sp_buf_init(&one.buf, &ix->a);
    sp_buf_init(&kept.buf, &ix->a);
    assert_int_equal(sp_store_cache_keep(&kept, &ix->a, 8), 0);
    unsigned x = 99;
    for (int i = 0; i < 3000; i++) {
        x = x * 1103515245u + 12345u;
        /* mostly among 12 blocks (some kept, some not), now and then any */
        uint64_t rec = (x >> 8) % 10 ? (x >> 16) % (12 * 8) : (x >> 16) % g->npass;
        size_t n1, n2;
        char *a = get(g, &one, rec, &n1), *b = get(g, &kept, rec, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, n1);
        free(a);
        free(b);
    }
    assert_int_equal(one.hits + one.misses, 3000);
    assert_int_equal(kept.hits + kept.misses, 3000);
    assert_true(kept.misses < one.misses);
    sp_store_cache_free(&one);
    sp_store_cache_free(&kept);
    spasm_close(ix);
}

/* Least recently used out first: with 3 slots and the current block, 4
 * blocks are held; a fifth pushes out the one used longest ago. */
static void test_lru_order(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    sp_seg *g = ix->part[0].seg;
    sp_store_cache c;
    memset(&c, 0, sizeof c);
    sp_buf_init(&c.buf, &ix->a);
    assert_int_equal(sp_store_cache_keep(&c, &ix->a, 3), 0);
    size_t n;
    /* blocks: seq of (block, inflated?) */
    static const struct {
        int block, inflates;
    } seq[] = {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {0, 0}, {1, 0}, {4, 1}, /* out: 2 */
               {3, 0}, {0, 0}, {2, 1},                                 /* out: 1 */
               {4, 0}, {1, 1}};
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        uint64_t before = c.misses;
        free(get(g, &c, block_first(g, (uint64_t)seq[i].block) + 1, &n));
        assert_int_equal(c.misses - before, (uint64_t)seq[i].inflates);
    }
    sp_store_cache_free(&c);
    /* freed, it works again as a cache of one block */
    sp_buf_init(&c.buf, &ix->a);
    free(get(g, &c, 0, &n));
    free(get(g, &c, block_first(g, 1), &n));
    uint64_t before = c.misses;
    free(get(g, &c, 1, &n));
    assert_int_equal(c.misses, before + 1);
    sp_store_cache_free(&c);
    spasm_close(ix);
}

/* A searcher keeps blocks: the same search twice inflates no text or
 * title block the second time, and gives the same hits. */
static void test_searcher_keeps(void **state)
{
    (void)state;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 8;
    spasm_results *r1, *r2;
    assert_int_equal(spasm_search(s, "w17 w42 w4242", &o, &r1), SPASM_OK);
    assert_int_equal(spasm_results_count(r1), 8);
    uint64_t tm = s->textcache.misses, mm = s->metacache.misses;
    assert_int_equal(spasm_search(s, "w17 w42 w4242", &o, &r2), SPASM_OK);
    assert_int_equal(s->textcache.misses, tm);
    assert_int_equal(s->metacache.misses, mm);
    assert_int_equal(spasm_results_count(r2), 8);
    for (size_t i = 0; i < 8; i++) {
        const spasm_hit *a = spasm_results_hit(r1, i), *b = spasm_results_hit(r2, i);
        assert_int_equal(a->passage, b->passage);
        assert_int_equal(a->text_len, b->text_len);
        assert_memory_equal(a->text, b->text, a->text_len);
        assert_string_equal(a->title, b->title);
    }
    spasm_results_free(r1);
    spasm_results_free(r2);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_records),
        cmocka_unit_test(test_lru_order),
        cmocka_unit_test(test_searcher_keeps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
