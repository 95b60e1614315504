/*
 * test_dict.c -- term lookups in a dictionary large enough for its
 * in-memory sample (searcher/index.c: every 64th block's first term, used
 * when a segment has more than 128 blocks of 16 terms): every indexed word
 * is found with its df, words between, before and after them are not, and
 * prefixes expand to exactly their words; the same over a live folder of
 * three segments (the per-query lookups of gdf.c, in lockstep over the
 * segments: index.c dkey_blocks) and from 4 threads at
 * once on one fresh index (the sample is made by whichever thread looks
 * first).  The same again with words whose first 12 bytes are all the
 * same ("samelongpref00042x"): the search within a sampled range by the
 * first 8 bytes of the blocks' first terms then finds every key tied and
 * must decide on the terms themselves.  And words that are prefixes of
 * one another ("qk", "qkz", ...), for the block scan that compares
 * entries with the key from their shared prefixes.
 *
 * A segment written now holds DKEY (each block's first-term key, so the
 * lookup needs no sample) and TMAX (each list's bound, for segplan.c):
 * every single-file test runs again on a copy whose DKEY and TMAX are
 * hidden (tags renamed, checksums redone: the file of a writer before
 * them, which readers must still search by the sample), and a copy with
 * one DKEY or TMAX entry wrong but every checksum right fails the deep
 * check (SPASM_OPEN_VERIFY) naming the section; a copy whose PASS lists a
 * document's passages apart is corrupt to a search grouped by document.
 * Uses the public header
 * and the file format (docs/FORMAT.md).
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
#include <zlib.h>

#include "testutil.h"

#include "spasm.h"

#define NWORDS 12000 /* 750 blocks: 12 samples */

static char tmpdir[256], ixpath[300], livepath[300], longpath[300], longlive[300];
static char ixold[300], longold[300]; /* the same without DKEY and TMAX */

static const char *prefix = "q"; /* "samelongpref" for the long words */

/* Word i: the prefix, i in 5 digits, "x" ("q00042x"): words sort as i
 * does and the stemmer has no rule for them. */
static void word(unsigned i, char *out)
{
    snprintf(out, 32, "%s%05ux", prefix, i);
}

/* Document d holds words d and d + 1 (so every word but the first is in
 * two documents), and "zcommon" (a list of many blocks: a skip table). */
static void add_docs(spasm_writer *w, spasm_updater *u, unsigned from, unsigned to)
{
    for (unsigned d = from; d < to; d++) {
        char id[32], a[32], b[32], text[80];
        snprintf(id, sizeof id, "d%u", d);
        word(d, a);
        word(d + 1, b);
        snprintf(text, sizeof text, "%s %s zcommon", a, b);
        if (w) assert_int_equal(spasm_writer_add(w, id, "", text, strlen(text)), SPASM_OK);
        if (u) assert_int_equal(spasm_updater_add(u, id, "", text, strlen(text)), SPASM_OK);
    }
}

/* ---- the file format: sections found, hidden and changed in place ---- */

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc(const uint8_t *p, uint64_t n)
{
    return (uint32_t)crc32(crc32(0, Z_NULL, 0), p, (uInt)n);
}

/* The section table entry of tag (four letters) in file f, or NULL. */
static uint8_t *section(uint8_t *f, const char *tag)
{
    uint64_t t = get_le(f + 24, 8), s = get_le(f + 32, 4);
    for (uint64_t i = 0; i < s; i++)
        if (memcmp(f + t + 32 * i, tag, 4) == 0) return f + t + 32 * i;
    return NULL;
}

/* Every checksum of file f (n bytes) redone: the sections', the chunks',
 * the two tables' and the header's. */
static void reseal(uint8_t *f, size_t n)
{
    uint64_t t = get_le(f + 24, 8), s = get_le(f + 32, 4), l = get_le(f + 36, 4);
    uint64_t c = get_le(f + 40, 8), k = get_le(f + 48, 8);
    assert_true(t + 32 * s <= n && c + 4 * k <= n);
    for (uint64_t i = 0; i < s; i++) {
        uint8_t *e = f + t + 32 * i;
        put_le(e + 4, crc(f + get_le(e + 8, 8), get_le(e + 16, 8)), 4);
    }
    put_le(f + 56, crc(f + t, 32 * s), 4);
    for (uint64_t i = 0; i < k; i++) {
        uint64_t a = 128 + (i << l), b = a + (1ull << l) < t ? a + (1ull << l) : t;
        put_le(f + c + 4 * i, crc(f + a, b - a), 4);
    }
    put_le(f + 60, crc(f + c, 4 * k), 4);
    put_le(f + 124, crc(f, 124), 4);
}

/* Copy the index at from to to with its DKEY and TMAX sections hidden
 * (renamed DKEX, TMAY: tags readers do not know, so they ignore them). */
static void copy_hidden(const char *from, const char *to)
{
    size_t n;
    uint8_t *f = (uint8_t *)slurp(from, &n);
    assert_non_null(f);
    uint8_t *k = section(f, "DKEY"), *m = section(f, "TMAX");
    assert_non_null(k);
    assert_non_null(m);
    memcpy(k, "DKEX", 4);
    memcpy(m, "TMAY", 4);
    reseal(f, n);
    write_file(to, f, n);
    free(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-dict-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(ixpath, sizeof ixpath, "%s/big.spx", tmpdir);
    snprintf(livepath, sizeof livepath, "%s/live.spx", tmpdir);
    snprintf(longpath, sizeof longpath, "%s/long.spx", tmpdir);
    snprintf(longlive, sizeof longlive, "%s/longlive.spx", tmpdir);
    for (int round = 0; round < 2; round++) {
        prefix = round ? "samelongpref" : "q";
        spasm_writer *w = NULL;
        if (spasm_writer_new(&w, round ? longpath : ixpath, NULL) != SPASM_OK) return -1;
        add_docs(w, NULL, 0, NWORDS);
        int rc = spasm_writer_commit(w);
        spasm_writer_abandon(w); /* frees it */
        if (rc != SPASM_OK) return -1;
        for (unsigned part = 0; part < 3; part++) { /* three segments */
            spasm_updater *u = NULL;
            if (spasm_updater_open(&u, round ? longlive : livepath, NULL) != SPASM_OK) return -1;
            add_docs(NULL, u, part * NWORDS / 3, (part + 1) * NWORDS / 3);
            rc = spasm_updater_commit(u);
            spasm_updater_close(u);
            if (rc != SPASM_OK) return -1;
        }
    }
    prefix = "q";
    snprintf(ixold, sizeof ixold, "%s/big-old.spx", tmpdir);
    snprintf(longold, sizeof longold, "%s/long-old.spx", tmpdir);
    copy_hidden(ixpath, ixold);
    copy_hidden(longpath, longold);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static uint64_t count(spasm_searcher *s, const char *q)
{
    uint64_t n = 0;
    int rc = spasm_count(s, q, &n);
    if (rc != SPASM_OK) fail_msg("count %s: %s", q, spasm_searcher_errmsg(s));
    return n;
}

/* Every word found in its documents, the gaps and the ends not. */
static void check_all(spasm_searcher *s, unsigned step)
{
    char a[32], q[40];
    for (unsigned i = 0; i <= NWORDS; i += step) {
        word(i, a);
        assert_int_equal(count(s, a), i == 0 || i == NWORDS ? 1 : 2);
        snprintf(q, sizeof q, "%sz", a); /* sorts between word i and i + 1 */
        assert_int_equal(count(s, q), 0);
    }
    assert_int_equal(count(s, "a"), 0);  /* before every word */
    assert_int_equal(count(s, "qz"), 0); /* after every word */
    snprintf(q, sizeof q, "%s", prefix); /* a word's first bytes alone */
    assert_int_equal(count(s, q), 0);
    snprintf(q, sizeof q, "%sz", prefix); /* after every word of the prefix */
    assert_int_equal(count(s, q), 0);
    word(NWORDS + 1, a);
    assert_int_equal(count(s, a), 0);
}

static void check_index(const char *path)
{
    spasm_index *ix = NULL;
    /* DKEY and TMAX, when there, agree with DICT and POST */
    spasm_open_options oo = {SPASM_OPEN_VERIFY, NULL, NULL};
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_OK);
    spasm_close(ix);
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s = NULL;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    check_all(s, 1);
    /* a prefix of 100 words (q001* = words 1000..1099, in documents
     * 999..1099), across sampled ranges */
    char q[40];
    snprintf(q, sizeof q, "%s001*", prefix);
    assert_int_equal(count(s, q), 101);
    spasm_searcher_free(s);
    spasm_close(ix);
}

static void test_every_word_one_segment(void **state)
{
    (void)state;
    check_index(ixpath);
}

static void test_every_word_one_segment_no_dkey(void **state)
{
    (void)state;
    check_index(ixold);
}

static void test_every_word_three_segments(void **state)
{
    (void)state;
    check_index(livepath);
}

/* Words sharing their first 12 bytes: every key of a range ties. */
static void test_every_long_word_one_segment(void **state)
{
    (void)state;
    prefix = "samelongpref";
    check_index(longpath);
    prefix = "q";
}

static void test_every_long_word_one_segment_no_dkey(void **state)
{
    (void)state;
    prefix = "samelongpref";
    check_index(longold);
    prefix = "q";
}

static void test_every_long_word_three_segments(void **state)
{
    (void)state;
    prefix = "samelongpref";
    check_index(longlive);
    prefix = "q";
}

static spasm_index *shared_ix;

static void *lookups(void *arg)
{
    spasm_searcher *s = NULL;
    if (spasm_searcher_new(shared_ix, &s) != SPASM_OK) return (void *)1;
    check_all(s, 7 + (unsigned)(uintptr_t)arg);
    spasm_searcher_free(s);
    return NULL;
}

static void test_threads_make_the_sample_once(void **state)
{
    (void)state;
    for (int round = 0; round < 4; round++) {
        const char *p = round == 1 ? livepath : round == 3 ? ixold : ixpath;
        assert_int_equal(spasm_open(&shared_ix, p, NULL), SPASM_OK);
        pthread_t th[4];
        for (uintptr_t i = 0; i < 4; i++)
            assert_int_equal(pthread_create(&th[i], NULL, lookups, (void *)i), 0);
        for (int i = 0; i < 4; i++) {
            void *r = NULL;
            assert_int_equal(pthread_join(th[i], &r), 0);
            assert_null(r);
        }
        spasm_close(shared_ix);
    }
}

/* "q" and a string over {k, z} of length n (bits of v, 1 = z). */
static void kz_word(unsigned v, unsigned n, char *out)
{
    out[0] = 'q';
    for (unsigned i = 0; i < n; i++) out[1 + i] = (v >> (n - 1 - i)) & 1 ? 'z' : 'k';
    out[1 + n] = 0;
}

/* Words that are prefixes of one another ("qk", "qkz", "qkzk", ...: every
 * string over {k, z} of 1 to 9 letters, 64 blocks): the lookup compares
 * a block's entries with the key from their shared prefixes, without
 * rebuilding them (index.c find_in_block), so keys that are a prefix of
 * an entry, entries that are a prefix of the key, and keys between two
 * entries sharing more or fewer bytes are all found, or not, exactly. */
static void test_words_prefix_of_each_other(void **state)
{
    (void)state;
    char path[300], w[16], q[40];
    snprintf(path, sizeof path, "%s/kz.spx", tmpdir);
    spasm_writer *wr = NULL;
    assert_int_equal(spasm_writer_new(&wr, path, NULL), SPASM_OK);
    for (unsigned n = 1; n <= 9; n++)
        for (unsigned v = 0; v < 1u << n; v++) {
            char id[32];
            kz_word(v, n, w);
            snprintf(id, sizeof id, "%s-doc", w);
            assert_int_equal(spasm_writer_add(wr, id, "", w, strlen(w)), SPASM_OK);
        }
    assert_int_equal(spasm_writer_commit(wr), SPASM_OK);
    spasm_writer_abandon(wr);
    spasm_index *ix = NULL;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s = NULL;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    for (unsigned n = 1; n <= 10; n++)
        for (unsigned v = 0; v < 1u << n; v++) {
            kz_word(v, n, w);
            assert_int_equal(count(s, w), n <= 9); /* 10 letters: past the longest */
            snprintf(q, sizeof q, "%sx", w);       /* between w and its extensions */
            assert_int_equal(count(s, q), 0);
            snprintf(q, sizeof q, "%sb", w); /* before w + "k", after w */
            assert_int_equal(count(s, q), 0);
        }
    assert_int_equal(count(s, "q"), 0);
    assert_int_equal(count(s, "qa"), 0);
    assert_int_equal(count(s, "qzzzzzzzzzz"), 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* A copy of the one-segment index with a DKEY entry changed, or every
 * TMAX byte 0 (below any list's norm), checksums redone: it opens (the
 * section is checked whole, and its CRC is right) but the deep check
 * fails with SPASM_ECORRUPT naming the section. */
static void wrong_entry(const char *tag)
{
    size_t n;
    uint8_t *f = (uint8_t *)slurp(ixpath, &n);
    assert_non_null(f);
    uint8_t *e = section(f, tag);
    assert_non_null(e);
    uint8_t *p = f + get_le(e + 8, 8);
    uint64_t len = get_le(e + 16, 8);
    if (strcmp(tag, "DKEY") == 0) {
        assert_true(len >= 8 * 6);
        put_le(p + 8 * 5, get_le(p + 8 * 5, 8) + 1, 8); /* block 5's key */
    } else {
        memset(p, 0, len);
    }
    reseal(f, n);
    char path[320];
    snprintf(path, sizeof path, "%s/wrong-%s.spx", tmpdir, tag);
    write_file(path, f, n);
    free(f);
    spasm_index *ix = NULL;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_close(ix);
    spasm_open_options oo = {SPASM_OPEN_VERIFY, NULL, NULL};
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_ECORRUPT);
    const char *msg = spasm_index_errmsg(ix);
    if (!strstr(msg, tag) || !strstr(msg, "corrupt")) fail_msg("message: %s", msg);
    spasm_close(ix);
}

static void test_deep_check_finds_a_wrong_dkey(void **state)
{
    (void)state;
    wrong_entry("DKEY");
}

static void test_deep_check_finds_a_low_tmax(void **state)
{
    (void)state;
    wrong_entry("TMAX");
}

/* A file whose PASS lists a document's passages apart (passages 0 and 5
 * given each other's document, every checksum redone): grouping by
 * document relies on a document's passages coming one after another
 * (search.c), so the search says the index is corrupt instead of listing
 * a document twice; ungrouped, the passages are ranked as they are. */
static void test_passages_out_of_document_order(void **state)
{
    (void)state;
    char path[320];
    snprintf(path, sizeof path, "%s/unordered.spx", tmpdir);
    size_t n;
    uint8_t *f = (uint8_t *)slurp(ixpath, &n);
    assert_non_null(f);
    uint8_t *e = section(f, "PASS");
    assert_non_null(e);
    uint8_t *pass = f + get_le(e + 8, 8);
    assert_true(get_le(e + 16, 8) >= 6 * 16);
    uint64_t d0 = get_le(pass, 4), d5 = get_le(pass + 5 * 16, 4);
    put_le(pass, d5, 4);
    put_le(pass + 5 * 16, d0, 4);
    reseal(f, n);
    write_file(path, f, n);
    free(f);
    spasm_index *ix = NULL;
    spasm_searcher *s = NULL;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 100;
    o.group = SPASM_GROUP_DOC;
    spasm_results *r = NULL;
    assert_int_equal(spasm_search(s, "zcommon", &o, &r), SPASM_ECORRUPT);
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "PASS"));
    o.group = SPASM_GROUP_NONE;
    assert_int_equal(spasm_search(s, "zcommon", &o, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 100);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_word_one_segment),
        cmocka_unit_test(test_every_word_one_segment_no_dkey),
        cmocka_unit_test(test_every_word_three_segments),
        cmocka_unit_test(test_every_long_word_one_segment),
        cmocka_unit_test(test_every_long_word_one_segment_no_dkey),
        cmocka_unit_test(test_every_long_word_three_segments),
        cmocka_unit_test(test_threads_make_the_sample_once),
        cmocka_unit_test(test_words_prefix_of_each_other),
        cmocka_unit_test(test_deep_check_finds_a_wrong_dkey),
        cmocka_unit_test(test_deep_check_finds_a_low_tmax),
        cmocka_unit_test(test_passages_out_of_document_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
