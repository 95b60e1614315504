/*
 * test_core.c -- the engine end to end (the analyser is test_analyzer.c): passage splitting,
 * codecs, BM25 against a hand computation, index round trip, corruption,
 * command-line errors, ranking on the bundled corpus, and MaxScore equal
 * to exhaustive evaluation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "testutil.h"

#include "analyzer.h"
#include "codec.h"
#include "passage.h"
#include "search.h"
#include "spasm.h"

static char tmpdir[256];
static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write data[0, n) to path with byte `at` xor-ed with mask (data is kept). */
static void write_flipped(const char *path, char *data, size_t n, size_t at, unsigned char mask)
{
    data[at] ^= (char)mask;
    write_file(path, data, n);
    data[at] ^= (char)mask;
}

static void test_passages_corpus(void **state)
{
    (void)state;
    const char *files[] = {"corpus/000_e3e79627db3fc6d1.txt", "corpus/001_83bae09d9452db2b.txt",
                           "corpus/002_d8b5a69b0f81f7af.txt", "corpus/003_74fcd93ea3e83a67.txt",
                           "corpus/004_b6359885f5088f67.txt"};
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    for (size_t f = 0; f < 5; f++) {
        size_t len;
        char *text = slurp(files[f], &len);
        assert_non_null(text);
        sp_span32 title;
        uint32_t body;
        sp_detect_title(text, len, &title, &body);
        sp_spans sp = {0};
        sp.a = &a;
        assert_int_equal(sp_split_passages(text, len, body, &sp), 0);
        assert_true(sp.n >= 5); /* every article has several paragraphs */
        for (size_t i = 0; i < sp.n; i++) {
            assert_true(sp.v[i].start < sp.v[i].end);
            assert_true(sp.v[i].end <= len);
            assert_true(sp.v[i].end - sp.v[i].start <= SP_PASSAGE_MAX);
            if (i) assert_true(sp.v[i].start >= sp.v[i - 1].end);
        }
        if (f == 1) {
            /* no blank lines, still split; headings glued to their text */
            assert_true(sp.n >= 6);
            int found = 0;
            for (size_t i = 0; i < sp.n; i++)
                if (strncmp(text + sp.v[i].start, "Prolonged Exercise\nProlonged exercise", 37) ==
                    0)
                    found = 1;
            assert_true(found);
        }
        if (f == 0) {
            assert_int_equal(title.end - title.start, strlen("What causes muscle spasms?"));
            assert_memory_equal(text + title.start, "What causes muscle spasms?",
                                title.end - title.start);
        }
        sp_free(&a, sp.v);
        free(text);
    }
}

static void test_passages_long_split(void **state)
{
    (void)state;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    char *text = malloc(20000);
    size_t n = 0;
    for (int i = 0; i < 200; i++) n += (size_t)sprintf(text + n, "Sentence number %d is here. ", i);
    sp_spans sp = {0};
    sp.a = &a;
    assert_int_equal(sp_split_passages(text, n, 0, &sp), 0);
    assert_true(sp.n >= 3);
    for (size_t i = 0; i < sp.n; i++) {
        assert_true(sp.v[i].end - sp.v[i].start <= SP_PASSAGE_MAX);
        assert_true(text[sp.v[i].end - 1] == '.'); /* cut at sentence ends */
    }
    sp_free(&a, sp.v);
    free(text);
}

/* ---- codecs ---- */

static void test_codec_roundtrip(void **state)
{
    (void)state;
    srand(42);
    uint32_t v[SP_BLOCK], w[SP_BLOCK];
    uint8_t buf[1 + 16 * 32 + 16];
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (int rep = 0; rep < 20; rep++) {
            for (int i = 0; i < SP_BLOCK; i++) {
                uint64_t r = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
                v[i] =
                    bits == 0 ? 0 : (uint32_t)(r & (bits == 32 ? 0xffffffffu : ((1u << bits) - 1)));
            }
            size_t n = sp_pack128(v, buf);
            assert_true(n <= 1 + 16 * bits);
            const uint8_t *end = sp_unpack128(buf, buf + n, w);
            assert_ptr_equal(end, buf + n);
            assert_memory_equal(v, w, sizeof v);
            assert_null(sp_unpack128(buf, buf + n - (n > 1), w) == NULL && n > 1 ? NULL
                                                                                 : (void *)0);
        }
    }
    uint8_t vb[16];
    uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        uint8_t *e = sp_varint_put(vb, vals[i]);
        uint64_t got;
        assert_ptr_equal(sp_varint_get(vb, e, &got), e);
        assert_true(got == vals[i]);
        assert_null(sp_varint_get(vb, e - 1, &got) == NULL ? NULL : (e - 1 == vb ? NULL : "x"));
    }
}

/* ---- index building helpers ---- */

static void build_toy(const char *path)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    const char *p1[] = {"the cat sat on the mat"};
    size_t l1[] = {strlen(p1[0])};
    const char *p2[] = {"a dog and a cat and a cat", "the dog barked"};
    size_t l2[] = {strlen(p2[0]), strlen(p2[1])};
    assert_int_equal(spasm_writer_add_passages(w, "d1", "One", p1, l1, 1), 0);
    assert_int_equal(spasm_writer_add_passages(w, "d2", "Two", p2, l2, 2), 0);
    assert_int_equal(spasm_writer_add(w, "d3", NULL, "Fish swim.", 10), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

static void test_bm25_by_hand(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/toy.spx", tmpdir);
    build_toy(path);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    assert_int_equal(st.passages, 4);
    assert_int_equal(st.documents, 3);
    /* the title's words count in each passage of its document:
     * lengths 1 + 6, 1 + 8, 1 + 3, 2: avg 22/4 = 5.5 */
    assert_true(fabs(st.avg_passage_len - 5.5) < 1e-12);
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_results *r;
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k1 = 1.2;
    o.b = 0.75;
    assert_int_equal(spasm_search(s, "cat", &o, &r), 0);
    assert_int_equal(spasm_results_count(r), 2);
    /* df(cat) = 2 of N = 4: idf = ln(1 + (4 - 2 + 0.5) / (2 + 0.5)) = ln 2 */
    double idf = log(2.0);
    double p2 = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 9 / 5.5));
    double p1 = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 7 / 5.5));
    const spasm_hit *h0 = spasm_results_hit(r, 0), *h1 = spasm_results_hit(r, 1);
    assert_string_equal(h0->doc_id, "d2");
    assert_true(fabs(h0->score - p2) < 1e-9);
    assert_string_equal(h1->doc_id, "d1");
    assert_true(fabs(h1->score - p1) < 1e-9);
    assert_string_equal(h0->text, "a dog and a cat and a cat");
    assert_string_equal(h0->title, "Two");
    assert_int_equal(h0->nhighlights, 2);
    assert_int_equal(h0->highlights[0].start, 12);
    spasm_results_free(r);
    /* stored lookups */
    uint32_t doc, first, count;
    assert_int_equal(spasm_find_doc(s, "d2", &doc), 0);
    assert_int_equal(doc, 1);
    assert_int_equal(spasm_doc_passages(s, doc, &first, &count), 0);
    assert_int_equal(first, 1);
    assert_int_equal(count, 2);
    assert_int_equal(spasm_find_doc(s, "nope", &doc), SPASM_ENOTFOUND);
    assert_int_equal(spasm_get_passage(s, 3, &r), 0);
    assert_string_equal(spasm_results_hit(r, 0)->text, "Fish swim.");
    spasm_results_free(r);
    uint64_t c;
    assert_int_equal(spasm_count(s, "cat OR dog", &c), 0);
    assert_int_equal(c, 3);
    assert_int_equal(spasm_index_verify(ix), 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

static void test_corruption(void **state)
{
    (void)state;
    char path[300], bad[320];
    snprintf(path, sizeof path, "%s/c.spx", tmpdir);
    snprintf(bad, sizeof bad, "%s/bad.spx", tmpdir);
    build_toy(path);
    size_t n;
    char *orig = slurp(path, &n);
    assert_non_null(orig);
    /* flip one byte at many places: open or verify must refuse it */
    for (size_t at = 0; at < n; at += (n / 97) + 1) {
        write_flipped(bad, orig, n, at, 0x5a);
        spasm_index *ix;
        int rc = spasm_open(&ix, bad, NULL);
        if (rc == 0) rc = spasm_index_verify(ix);
        assert_true(rc == SPASM_ECORRUPT || rc == SPASM_EVERSION);
        assert_true(strlen(spasm_index_errmsg(ix)) > 0);
        spasm_close(ix);
    }
    /* truncated */
    for (size_t len = 0; len < n; len += n / 7 + 1) {
        write_file(bad, orig, len);
        spasm_index *ix;
        assert_int_equal(spasm_open(&ix, bad, NULL), SPASM_ECORRUPT);
        spasm_close(ix);
    }
    /* a future version is refused as such */
    char *copy = malloc(n);
    memcpy(copy, orig, n);
    copy[8] = 99;
    write_file(bad, copy, n);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, bad, NULL), SPASM_EVERSION);
    assert_non_null(strstr(spasm_index_errmsg(ix), "version"));
    spasm_close(ix);
    free(copy);
    free(orig);
}

/* Queries touching a corrupt region fail cleanly instead of crashing. */
static void test_corrupt_queries(void **state)
{
    (void)state;
    char path[300], bad[320];
    snprintf(path, sizeof path, "%s/q.spx", tmpdir);
    snprintf(bad, sizeof bad, "%s/qbad.spx", tmpdir);
    build_toy(path);
    size_t n;
    char *orig = slurp(path, &n);
    assert_non_null(orig);
    for (size_t at = 128; at < n; at += 3) {
        write_flipped(bad, orig, n, at, 0x21);
        spasm_index *ix;
        if (spasm_open(&ix, bad, NULL) == 0) {
            spasm_searcher *s;
            assert_int_equal(spasm_searcher_new(ix, &s), 0);
            spasm_results *r;
            int rc = spasm_search(s, "cat dog \"the mat\" fish", NULL, &r);
            if (rc == 0)
                spasm_results_free(r);
            else
                assert_int_equal(rc, SPASM_ECORRUPT);
            spasm_searcher_free(s);
        }
        spasm_close(ix);
    }
    free(orig);
}

static void test_writer_atomic(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/keep.spx", tmpdir);
    build_toy(path);
    size_t n0;
    char *before = slurp(path, &n0);
    assert_non_null(before);
    /* an abandoned writer leaves the old index and no temp file */
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    assert_int_equal(spasm_writer_add(w, "x", NULL, "new words", 9), 0);
    spasm_writer_abandon(w);
    /* a failed commit (empty corpus) likewise */
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    assert_int_equal(spasm_writer_add(w, "x", NULL, "...", 3), 0);
    assert_int_equal(spasm_writer_commit(w), SPASM_EEMPTY);
    assert_non_null(strstr(spasm_writer_errmsg(w), "nothing to index"));
    spasm_writer_abandon(w);
    size_t n1;
    char *after = slurp(path, &n1);
    assert_non_null(after);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    assert_int_equal(run("test $(ls %s | wc -l) -eq 1", tmpdir), 0);
    /* a writer into a missing directory fails at once, clearly */
    assert_int_not_equal(spasm_writer_new(&w, "/nonexistent/dir/x.spx", NULL), 0);
    assert_non_null(strstr(spasm_writer_errmsg(w), "/nonexistent/dir/x.spx"));
    spasm_writer_abandon(w);
}

/* ---- the command-line programs ---- */

static void test_cli_errors(void **state)
{
    (void)state;
    const char *b = build_dir();
    char p[400];
    /* binary file named on the command line */
    snprintf(p, sizeof p, "%s/bin.txt", tmpdir);
    write_file(p, "abc\0def", 7);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/o.spx %s 2>%s/err", b, tmpdir, p, tmpdir), 2);
    assert_int_equal(run("grep -q 'binary file' %s/err", tmpdir), 0);
    /* inside a directory it is skipped with a warning */
    snprintf(p, sizeof p, "%s/dir", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/dir/a.txt", tmpdir);
    write_file(p, "Calf cramps at night.\n\nAnother paragraph here.\n", 47);
    snprintf(p, sizeof p, "%s/dir/b.txt", tmpdir);
    write_file(p, "\0\1\2", 3);
    snprintf(p, sizeof p, "%s/dir/c.txt", tmpdir);
    write_file(p, "Invalid \xff\xfe UTF-8 repaired.\n", 26);
    assert_int_equal(
        run("%s/bin/spasm-index -o %s/d.spx %s/dir 2>%s/err", b, tmpdir, tmpdir, tmpdir), 0);
    assert_int_equal(
        run("grep -q 'skipped' %s/err && grep -q '1 file(s) skipped' %s/err", tmpdir, tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/d.spx repaired >/dev/null", b, tmpdir), 0);
    /* a file named directly without an extension: read as text, id = its name */
    snprintf(p, sizeof p, "%s/notes", tmpdir);
    write_file(p, "Calf cramps.\n", 13);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/n.spx %s", b, tmpdir, p), 0);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/n.spx --format trec calf | grep -q ' notes#1 '", b, tmpdir),
        0);
    /* malformed JSON names file and line */
    snprintf(p, sizeof p, "%s/bad.jsonl", tmpdir);
    const char *js = "{\"id\":\"1\",\"text\":\"ok\"}\n{\"id\":\"2\",\"text\":\n";
    write_file(p, js, strlen(js));
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/j.spx %s 2>%s/err", b, tmpdir, p, tmpdir), 2);
    assert_int_equal(run("grep -q 'bad.jsonl:2' %s/err", tmpdir), 0);
    assert_int_equal(run("test ! -e %s/j.spx", tmpdir), 0);
    /* empty corpus */
    snprintf(p, sizeof p, "%s/empty", tmpdir);
    mkdir(p, 0755);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/e.spx %s 2>/dev/null", b, tmpdir, p), 2);
    /* missing input, unknown option, missing index, truncated index */
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/m.spx /nonexistent 2>/dev/null", b, tmpdir),
                     2);
    assert_int_equal(run("%s/bin/spasm-index --bogus x 2>%s/err", b, tmpdir), 2);
    assert_int_equal(run("grep -q 'unknown option --bogus' %s/err", tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search --bogus x 2>/dev/null", b), 2);
    assert_int_equal(run("%s/bin/spasm-search -i %s/none.spx x 2>/dev/null", b, tmpdir), 2);
    assert_int_equal(run("head -c 1000 %s/d.spx > %s/t.spx", tmpdir, tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/t.spx calf 2>%s/err", b, tmpdir, tmpdir), 2);
    assert_int_equal(run("grep -q 'truncated' %s/err", tmpdir), 0);
    /* punctuation-only query: error; no match: exit 1 */
    assert_int_equal(run("%s/bin/spasm-search -i %s/d.spx '!!! ...' 2>/dev/null", b, tmpdir), 2);
    assert_int_equal(run("%s/bin/spasm-search -i %s/d.spx zebra 2>/dev/null", b, tmpdir), 1);
    /* the index that stood is still there after a failed run */
    assert_int_equal(
        run("%s/bin/spasm-index -q -o %s/d.spx %s/bin.txt 2>/dev/null", b, tmpdir, tmpdir), 2);
    assert_int_equal(run("%s/bin/spasm-search -i %s/d.spx calf >/dev/null", b, tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/d.spx --check >/dev/null", b, tmpdir), 0);
}

static void test_cli_json(void **state)
{
    (void)state;
    const char *b = build_dir();
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/corpus.spx -k 5 --format json --collapse 'renal colic' > "
            "%s/out.json",
            b, b, tmpdir),
        0);
    /* 3 passages match; 000 ¶10 is a rewording of 002 ¶20 and folds into it */
    assert_int_equal(run("test $(wc -l < %s/out.json) -eq 2", tmpdir), 0);
    assert_int_equal(run("sed -n 2p %s/out.json | grep -q '\"also_in\": *\\[{\"doc\": "
                         "*\"000_e3e79627db3fc6d1\", *\"passage\": *10'",
                         tmpdir),
                     0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx -k 5 --no-collapse --format trec "
                         "'renal colic' | wc -l | grep -qx 3",
                         b, b),
                     0);
    assert_int_equal(run("head -1 %s/out.json | grep -q '\"rank\": *1'", tmpdir), 0);
    assert_int_equal(run("head -1 %s/out.json | grep -q 'are called renal colic'", tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx -k 5 --format json 'muscle cramps' "
                         "| grep -c '\"highlights\"' | grep -qx 5",
                         b, b),
                     0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/corpus.spx --format trec 'night calf' | head "
                         "-1 | grep -Eq '^1 Q0 [0-9a-f_]+#[0-9]+ 1 [0-9.]+ spasm$'",
                         b, b),
                     0);
}

/* ---- ranking on the bundled corpus ---- */

static spasm_index *corpus_ix;
static spasm_searcher *corpus_s;

static int open_corpus(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (spasm_open(&corpus_ix, p, NULL)) return -1;
    return spasm_searcher_new(corpus_ix, &corpus_s);
}

static int close_corpus(void **state)
{
    (void)state;
    spasm_searcher_free(corpus_s);
    spasm_close(corpus_ix);
    return 0;
}

static void expect_first(const char *query, const char *needle)
{
    spasm_results *r;
    assert_int_equal(spasm_search(corpus_s, query, NULL, &r), 0);
    assert_true(spasm_results_count(r) > 0);
    const spasm_hit *h = spasm_results_hit(r, 0);
    if (!strstr(h->text, needle)) print_error("query %s: first is %s\n", query, h->text);
    assert_non_null(strstr(h->text, needle));
    spasm_results_free(r);
}

static void test_corpus_queries(void **state)
{
    (void)state;
    expect_first("night calf cramps", "at night involving calf and toe muscles");
    expect_first("renal colic", "are called renal colic");
    expect_first("\"renal colic\"", "are called renal colic");
    expect_first("writer's cramp", "Writer");
    expect_first("menstrual cramps uterus", "menstrual cramps");
    expect_first("esophageal spasm", "esophag");
    expect_first("altered neuromuscular control hypothesis", "altered neuromuscular control");
    expect_first("kidney stones", "kidney stone");
    /* NEAR/n: positions at most n apart ("at night involving calf": 2) */
    uint64_t c;
    assert_int_equal(spasm_count(corpus_s, "calf NEAR/1 night", &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(spasm_count(corpus_s, "calf NEAR/2 night", &c), 0);
    assert_int_equal(c, 2);
    assert_int_equal(spasm_count(corpus_s, "night NEAR/2 calf", &c), 0);
    assert_int_equal(c, 2);
}

/* The index's checksums (libdeflate's CRC-32) are zlib's crc32() values,
 * as docs/FORMAT.md promises, for any length and any split of the data. */
static void test_crc32_is_zlibs(void **state)
{
    (void)state;
    assert_int_equal(sp_crc32(0, "123456789", 9), 0xCBF43926u);
    static unsigned char buf[70000];
    unsigned long long x = 7;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = (unsigned char)(x >> 56);
    }
    size_t lens[] = {0, 1, 3, 15, 16, 63, 64, 255, 4096, 4097, 65536, sizeof buf};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        size_t n = lens[i], cut = n / 3;
        uint32_t want = (uint32_t)crc32(0L, buf, (uInt)n);
        assert_int_equal(sp_crc32(0, buf, n), want);
        assert_int_equal(sp_crc32(sp_crc32(0, buf, cut), buf + cut, n - cut), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_is_zlibs),
        cmocka_unit_test(test_passages_corpus),
        cmocka_unit_test(test_passages_long_split),
        cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test_setup_teardown(test_bm25_by_hand, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_corruption, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_corrupt_queries, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_writer_atomic, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_cli_errors, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_cli_json, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_corpus_queries, open_corpus, close_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
