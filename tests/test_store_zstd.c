/*
 * test_store_zstd.c -- stored text in format version 2 (indexer/store.c,
 * common/storeblock.c, searcher/records.c): TEXT's blocks are zstd frames
 * compressed with a dictionary trained on the first batch and stored in
 * TXDC; every passage reads back as written; the file is the same
 * whatever the threads and however many batches wait for the dictionary;
 * a collection too small for a dictionary has none and reads back too; a
 * damaged dictionary is refused at open; and a format-1 file (zlib
 * blocks, tests/data/format1.spx) still opens and answers.
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
#include "writer.h"

#include "spasm.h"

#define NDOCS 600 /* ~700 bytes each: ~420 KB of text, a dictionary's worth */

static char dir[256];

static const char *const vocab[] = {
    "muscle", "spasm",       "cramp",   "night",  "calf",      "kidney", "stone",   "pain",
    "the",    "of",          "and",     "a",      "in",        "is",     "with",    "after",
    "sleep",  "water",       "stretch", "doctor", "treatment", "cause",  "symptom", "nerve",
    "sudden", "involuntary", "tight",   "relief", "magnesium", "heat",   "massage", "leg"};

/* Document i's text (one paragraph, so one passage) into buf; its length. */
static size_t doc_text(int i, char *buf, size_t cap)
{
    unsigned x = 2654435761u * (unsigned)(i + 1);
    size_t n = (size_t)snprintf(buf, cap, "doc%d", i);
    while (n < 700) {
        x = x * 1103515245u + 12345u;
        n += (size_t)snprintf(buf + n, cap - n, " %s", vocab[(x >> 16) % 32]);
    }
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/spasm-test-store-zstd-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    run("rm -rf '%s'", dir);
    return 0;
}

/* Index documents [0, ndocs) into dir/name with `threads` threads and
 * batches of batch_bytes (0: the default); the file's path in out. */
static void build(const char *name, int ndocs, unsigned threads, size_t batch_bytes, char *out,
                  size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = -1;
    wo.threads = threads;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, out, &wo), SPASM_OK);
    sp_writer_set_limits(w, 0, batch_bytes);
    for (int i = 0; i < ndocs; i++) {
        char text[1024], id[32];
        size_t n = doc_text(i, text, sizeof text);
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(spasm_writer_add(w, id, "A title", text, n), SPASM_OK);
    }
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
}

/* Every passage of the file at path (one per document) reads back as
 * written; every TEXT block is zstd.  Returns the segment's TXDC length. */
static size_t check_texts(const char *path, int ndocs)
{
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    sp_seg *g = ix->part[0].seg;
    assert_int_equal(g->npass, (uint64_t)ndocs);
    for (uint64_t b = 0; b < g->txix.count; b++)
        assert_int_equal(sp_get_u32(g->txix.p + b * SP_STORE_IX_ENTRY + 20), SP_CODEC_ZSTD);
    for (uint64_t b = 0; b < g->dmix.count; b++)
        assert_int_equal(sp_get_u32(g->dmix.p + b * SP_STORE_IX_ENTRY + 20), SP_CODEC_ZSTD);
    assert_int_equal(g->txdc.p != NULL, g->tdict != NULL);
    sp_store_cache c;
    memset(&c, 0, sizeof c);
    sp_buf_init(&c.buf, &ix->a);
    for (int i = 0; i < ndocs; i++) {
        char text[1024], err[SP_ERRMSG_MAX];
        size_t n = doc_text(i, text, sizeof text), len;
        const uint8_t *p;
        assert_int_equal(sp_store_get(g, &g->text, &g->txix, (uint64_t)i, &c, &p, &len, err), 0);
        assert_int_equal(len, n);
        assert_memory_equal(p, text, n);
    }
    sp_store_cache_free(&c);
    size_t dlen = g->txdc.len;
    assert_int_equal(spasm_index_verify(ix), SPASM_OK);
    spasm_close(ix);
    return dlen;
}

/* A collection with enough text gets a dictionary, and reads back. */
static void test_dictionary_round_trip(void **state)
{
    (void)state;
    char path[512];
    build("big.spx", NDOCS, 1, 0, path, sizeof path);
    size_t dlen = check_texts(path, NDOCS);
    assert_true(dlen > 1024 && dlen <= 64 * 1024);
    /* a search prints the text from it */
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r = NULL;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(spasm_search(s, "doc417", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 1);
    char text[1024];
    doc_text(417, text, sizeof text);
    assert_string_equal(spasm_results_hit(r, 0)->text, text);
    assert_string_equal(spasm_results_hit(r, 0)->title, "A title");
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Many batches on 1, 2 and 3 threads (all but the first wait for the
 * dictionary batch 0 trains): the same bytes, a dictionary in each. */
static void test_same_file_any_threads(void **state)
{
    (void)state;
    char p[3][512];
    build("t1.spx", NDOCS, 1, 96 * 1024, p[0], sizeof p[0]);
    build("t2.spx", NDOCS, 2, 96 * 1024, p[1], sizeof p[1]);
    build("t3.spx", NDOCS, 3, 96 * 1024, p[2], sizeof p[2]);
    size_t n[3];
    char *v[3];
    for (int i = 0; i < 3; i++) assert_non_null(v[i] = slurp(p[i], &n[i]));
    for (int i = 1; i < 3; i++) {
        assert_int_equal(n[i], n[0]);
        assert_memory_equal(v[i], v[0], n[0]);
    }
    for (int i = 0; i < 3; i++) free(v[i]);
    assert_true(check_texts(p[1], NDOCS) > 0);
}

/* A few documents: no dictionary (too little text to train one), the
 * blocks zstd all the same. */
static void test_small_without_dictionary(void **state)
{
    (void)state;
    char path[512];
    build("small.spx", 20, 2, 0, path, sizeof path);
    assert_int_equal(check_texts(path, 20), 0);
}

/* A byte of TXDC changed: the open fails on its checksum, clearly. */
static void test_damaged_dictionary(void **state)
{
    (void)state;
    char path[512];
    build("dmg.spx", NDOCS, 1, 0, path, sizeof path);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    size_t off = (size_t)(ix->part[0].seg->txdc.p - ix->part[0].seg->map) + 100;
    spasm_close(ix);
    size_t n;
    char *v = slurp(path, &n);
    assert_non_null(v);
    v[off] ^= 0x40;
    write_file(path, v, n);
    free(v);
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_index_errmsg(ix), "TXDC"));
    spasm_close(ix);
}

/* A format-1 file (zlib blocks, no TXDC; fuzz/mkseeds.py's tiny index as
 * the stop before format 2 wrote it) opens and answers with its text. */
static void test_reads_format_1(void **state)
{
    (void)state;
    size_t n;
    char *v = slurp("tests/data/format1.spx", &n);
    assert_non_null(v);
    assert_int_equal(sp_get_u32((const uint8_t *)v + 8), 1);
    free(v);
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r = NULL;
    assert_int_equal(spasm_open(&ix, "tests/data/format1.spx", NULL), SPASM_OK);
    assert_int_equal(spasm_index_verify(ix), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(spasm_search(s, "renal colic", NULL, &r), SPASM_OK);
    assert_true(spasm_results_count(r) >= 1);
    const spasm_hit *h = spasm_results_hit(r, 0);
    assert_string_equal(h->doc_id, "colic");
    assert_string_equal(h->title, "Renal colic");
    assert_non_null(strstr(h->text, "kidney stone passing"));
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dictionary_round_trip),
        cmocka_unit_test(test_same_file_any_threads),
        cmocka_unit_test(test_small_without_dictionary),
        cmocka_unit_test(test_damaged_dictionary),
        cmocka_unit_test(test_reads_format_1),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
