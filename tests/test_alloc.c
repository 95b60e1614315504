/*
 * test_alloc.c -- allocation failures, in the manner of SQLite's malloc
 * tests.  A counting allocator, passed through the options' spasm_alloc_fn
 * hook, fails the Nth allocation (once, or from the Nth on); for N = 1, 2,
 * ... a small scenario runs -- writer_new, add 3 documents, commit, open,
 * searcher_new, search, read the hits, look-ups, free everything -- until
 * it completes without reaching allocation N.  Every run must end with the
 * right answer or with SPASM_ENOMEM and an "out of memory" message (the
 * test is stricter than "any error with a message": no other code may
 * stand for a failed allocation), never a crash, no temporary file left,
 * and no live bytes (ASan, in the sanitizer build, checks the rest).  Two
 * more scenarios: the query language and search options on a fixed index,
 * and a .txt and a .jsonl file read through spasm_writer_add_path().
 *
 * Allocations outside the hook: libstemmer allocates its stemmer with
 * malloc (sb_stemmer_new) and may grow its buffer while stemming
 * (sb_stemmer_stem); this binary is linked with --wrap for both so their
 * failure can be simulated too.  zlib allocates through the hook (zalloc);
 * utf8proc is only called in its non-allocating forms.  Not covered here:
 * libc's own allocations in fopen/opendir (spasm_writer_add_path), which
 * fail as an I/O error naming the file, Jansson's (JSON Lines input:
 * SPASM_ENOMEM naming file and line, from Jansson's error code; its
 * allocator could only be replaced process-wide), and glibc qsort's
 * scratch (it falls back to sorting in place).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libdeflate.h>
#include <zstd.h>
#include <libstemmer.h>

#include "spasm.h"

/* ---- the counting allocator ---- */

typedef struct counter {
    unsigned long calls;   /* allocations and growths so far */
    unsigned long fail_at; /* 0: never fail */
    int persistent;        /* fail every allocation from fail_at on */
    int failed;            /* an allocation was refused */
    long long live;        /* bytes allocated and not freed */
    long blocks;           /* blocks not freed */
} counter;

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counter *c = ud;
    if (nsize == 0) {
        if (ptr) {
            c->live -= (long long)osize;
            c->blocks--;
        }
        free(ptr);
        return NULL;
    }
    if (!ptr && osize != 0) fail_msg("alloc hook: osize %zu with a NULL ptr", osize);
    c->calls++;
    if (c->fail_at && (c->calls == c->fail_at || (c->persistent && c->calls > c->fail_at))) {
        c->failed = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    c->live += (long long)nsize - (long long)osize;
    if (!ptr) c->blocks++;
    return p;
}

/* ---- failing libstemmer (linked with -Wl,--wrap=...) ---- */

static int fail_stemmer_new, fail_stem;

struct sb_stemmer *__real_sb_stemmer_new(const char *algorithm, const char *charenc);
const sb_symbol *__real_sb_stemmer_stem(struct sb_stemmer *z, const sb_symbol *word, int size);
struct sb_stemmer *__wrap_sb_stemmer_new(const char *algorithm, const char *charenc);
const sb_symbol *__wrap_sb_stemmer_stem(struct sb_stemmer *z, const sb_symbol *word, int size);

struct sb_stemmer *__wrap_sb_stemmer_new(const char *algorithm, const char *charenc)
{
    if (fail_stemmer_new) return NULL;
    return __real_sb_stemmer_new(algorithm, charenc);
}

const sb_symbol *__wrap_sb_stemmer_stem(struct sb_stemmer *z, const sb_symbol *word, int size)
{
    if (fail_stem) return NULL;
    return __real_sb_stemmer_stem(z, word, size);
}

/* ---- failing Jansson ---- */

static int fail_json;

json_t *__real_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);

/* As json_loadb() when Jansson's malloc fails: NULL, error code set. */
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
    if (!fail_json) return __real_json_loadb(buffer, buflen, flags, error);
    memset(error, 0, sizeof *error);
    snprintf(error->text, sizeof error->text, "Out of memory");
    error->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_out_of_memory;
    return NULL;
}

/* ---- failing zstd and libdeflate (stored text, which they allocate
 * with malloc) ---- */

static int fail_deflate, fail_dict;

ZSTD_CCtx *__real_ZSTD_createCCtx(void);
ZSTD_CCtx *__wrap_ZSTD_createCCtx(void);

ZSTD_CCtx *__wrap_ZSTD_createCCtx(void)
{
    if (fail_deflate) return NULL;
    return __real_ZSTD_createCCtx();
}

ZSTD_CDict *__real_ZSTD_createCDict(const void *d, size_t n, int level);
ZSTD_CDict *__wrap_ZSTD_createCDict(const void *d, size_t n, int level);

ZSTD_CDict *__wrap_ZSTD_createCDict(const void *d, size_t n, int level)
{
    if (fail_dict) return NULL;
    return __real_ZSTD_createCDict(d, n, level);
}

static int fail_inflate;

ZSTD_DCtx *__real_ZSTD_createDCtx(void);
ZSTD_DCtx *__wrap_ZSTD_createDCtx(void);

ZSTD_DCtx *__wrap_ZSTD_createDCtx(void)
{
    if (fail_inflate) return NULL;
    return __real_ZSTD_createDCtx();
}

struct libdeflate_decompressor *__real_libdeflate_alloc_decompressor(void);
struct libdeflate_decompressor *__wrap_libdeflate_alloc_decompressor(void);

struct libdeflate_decompressor *__wrap_libdeflate_alloc_decompressor(void)
{
    if (fail_inflate) return NULL;
    return __real_libdeflate_alloc_decompressor();
}

/* ---- the scenario ---- */

static char tmpdir[256], path[300];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-alloc-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(path, sizeof path, "%s/t.spx", tmpdir);
    return 0;
}

static int teardown_tmp(void **state)
{
    (void)state;
    unlink(path);
    return rmdir(tmpdir);
}

/* Number of entries in tmpdir (temporary files left behind). */
static int files_in_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static const char *const docs[][3] = {
    {"a", "Cats", "The cat sat on the mat.\n\nLater the cat purred and slept in the sun."},
    {"b", "Dogs", "A dog barked at the cat. The dog chased its tail."},
    {"c", NULL, "Goldfish swim in circles; nobody knows what goldfish dream of."},
};

/* What the scenario found: hits of "cat" and of "goldfish". */
typedef struct outcome {
    int rc; /* first error, 0 if none */
    const char *where;
    char msg[600];
    size_t n;
    char ids[8][8];
    double scores[8];
    uint32_t doc_b, passages;
    char passage_text[128];
} outcome;

static int step_failed(outcome *o, int rc, const char *where, const char *msg)
{
    if (rc == SPASM_OK) return 0;
    o->rc = rc;
    o->where = where;
    snprintf(o->msg, sizeof o->msg, "%s", msg ? msg : "");
    return 1;
}

/* Search q and append its hits to o. */
static int search_into(spasm_searcher *s, const char *q, outcome *o)
{
    spasm_results *r;
    int rc = spasm_search(s, q, NULL, &r);
    if (step_failed(o, rc, "search", spasm_searcher_errmsg(s))) {
        assert_null(r);
        return rc;
    }
    for (size_t i = 0; i < spasm_results_count(r) && o->n < 8; i++, o->n++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        snprintf(o->ids[o->n], sizeof o->ids[o->n], "%s", h->doc_id);
        o->scores[o->n] = h->score;
        assert_true(strlen(h->text) == h->text_len);
        for (size_t k = 0; k < h->nhighlights; k++)
            assert_true(h->highlights[k].end <= h->text_len);
    }
    spasm_results_free(r);
    return 0;
}

static void scenario_basic(counter *c, outcome *o)
{
    memset(o, 0, sizeof *o);
    unlink(path);
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.alloc = count_alloc;
    wo.alloc_ud = c;
    spasm_writer *w = NULL;
    int rc = spasm_writer_new(&w, path, &wo);
    if (rc == SPASM_OK) {
        for (size_t i = 0; i < 3 && rc == SPASM_OK; i++)
            rc = spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2]));
        if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    }
    if (rc != SPASM_OK) {
        step_failed(o, rc, "writer", spasm_writer_errmsg(w));
        assert_true(w != NULL || rc == SPASM_ENOMEM);
        /* the message fetcher works after the error, on every path */
        assert_non_null(spasm_writer_errmsg(w));
        spasm_writer_abandon(w);
        assert_int_equal(files_in_tmpdir(), 0); /* no temporary file left behind */
        return;
    }
    spasm_writer_abandon(w);

    spasm_open_options oo = {0};
    oo.alloc = count_alloc;
    oo.alloc_ud = c;
    spasm_index *ix = NULL;
    rc = spasm_open(&ix, path, &oo);
    if (step_failed(o, rc, "open", spasm_index_errmsg(ix))) {
        spasm_close(ix);
        return;
    }
    spasm_searcher *s = NULL;
    rc = spasm_searcher_new(ix, &s);
    if (step_failed(o, rc, "searcher_new", spasm_errstr(rc))) {
        assert_null(s);
        spasm_close(ix);
        return;
    }
    if (search_into(s, "cat", o) || search_into(s, "goldfish OR \"the dog\"", o)) goto out;
    rc = spasm_find_doc(s, "b", &o->doc_b);
    if (step_failed(o, rc, "find_doc", spasm_searcher_errmsg(s))) goto out;
    uint32_t first;
    rc = spasm_doc_passages(s, o->doc_b, &first, &o->passages);
    if (step_failed(o, rc, "doc_passages", spasm_searcher_errmsg(s))) goto out;
    spasm_results *r;
    rc = spasm_get_passage(s, first, &r);
    if (step_failed(o, rc, "get_passage", spasm_searcher_errmsg(s))) goto out;
    snprintf(o->passage_text, sizeof o->passage_text, "%s", spasm_results_hit(r, 0)->text);
    spasm_results_free(r);
out:
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* The query language and search options, on an index written without
 * the hook: prefix, phrase, NEAR, boolean, grouping, explain, paging,
 * counting and the add_passages path. */
static void scenario_queries(counter *c, outcome *o)
{
    memset(o, 0, sizeof *o);
    spasm_open_options oo = {0};
    oo.alloc = count_alloc;
    oo.alloc_ud = c;
    spasm_index *ix = NULL;
    int rc = spasm_open(&ix, path, &oo);
    if (step_failed(o, rc, "open", spasm_index_errmsg(ix))) {
        spasm_close(ix);
        return;
    }
    spasm_searcher *s = NULL;
    rc = spasm_searcher_new(ix, &s);
    if (step_failed(o, rc, "searcher_new", spasm_errstr(rc))) {
        spasm_close(ix);
        return;
    }
    static const char *const q[] = {
        "gold* \"the cat\"",
        "+cat -dog sun",
        "dog NEAR/3 tail OR (purred AND slept)",
        "(cat OR dog) AND NOT goldfish",
        "the of",
        "zebra",
    };
    for (size_t i = 0; i < sizeof q / sizeof *q && !o->rc; i++) {
        spasm_search_options so;
        spasm_search_options_init(&so);
        so.explain = i % 2;
        so.group = i % 3 == 1 ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
        so.offset = i == 2 ? 1 : 0;
        so.snippet_bytes = 20;
        spasm_results *r;
        rc = spasm_search(s, q[i], &so, &r);
        if (step_failed(o, rc, "search", spasm_searcher_errmsg(s))) break;
        for (size_t k = 0; k < spasm_results_count(r) && o->n < 8; k++, o->n++) {
            const spasm_hit *h = spasm_results_hit(r, k);
            snprintf(o->ids[o->n], sizeof o->ids[o->n], "%s", h->doc_id);
            o->scores[o->n] = h->score + (double)h->nhighlights + h->snippet_end;
            if (so.explain) assert_true(h->explain && h->explain[0]);
        }
        spasm_results_free(r);
        uint64_t count;
        rc = spasm_count(s, q[i], &count);
        if (step_failed(o, rc, "count", spasm_searcher_errmsg(s))) break;
        o->passages += (uint32_t)count;
    }
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Write the index scenario_queries() reads (default allocator). */
static void write_query_index(void)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            spasm_writer_add(w, docs[i][0], docs[i][1], docs[i][2], strlen(docs[i][2])), 0);
    const char *parts[] = {"Tails wag.", "The cat ignores the dog's tail."};
    const size_t lens[] = {10, 31};
    assert_int_equal(spasm_writer_add_passages(w, "d", "Tails", parts, lens, 2), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
}

/* m says "out of memory" and names `where`. */
static void expect_oom_msg(const char *m, const char *where)
{
    if (!strstr(m, "out of memory") || !strstr(m, where))
        fail_msg("message \"%s\" should name %s and say out of memory", m, where);
}

/* Input files read by spasm_writer_add_path() (a .txt and a .jsonl). */
static char indir[256];

static void scenario_files(counter *c, outcome *o)
{
    memset(o, 0, sizeof *o);
    unlink(path);
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.alloc = count_alloc;
    wo.alloc_ud = c;
    spasm_writer *w = NULL;
    int rc = spasm_writer_new(&w, path, &wo);
    if (rc == SPASM_OK) rc = spasm_writer_add_path(w, indir);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    if (rc != SPASM_OK) {
        step_failed(o, rc, "writer", spasm_writer_errmsg(w));
        spasm_writer_abandon(w);
        assert_int_equal(files_in_tmpdir(), 0);
        return;
    }
    o->passages = (uint32_t)spasm_writer_get_stats(w)->passages;
    spasm_writer_abandon(w);
    spasm_open_options oo = {0};
    oo.alloc = count_alloc;
    oo.alloc_ud = c;
    spasm_index *ix = NULL;
    rc = spasm_open(&ix, path, &oo);
    if (step_failed(o, rc, "open", spasm_index_errmsg(ix))) {
        spasm_close(ix);
        return;
    }
    spasm_searcher *s = NULL;
    rc = spasm_searcher_new(ix, &s);
    if (!step_failed(o, rc, "searcher_new", spasm_errstr(rc))) search_into(s, "cat OR fish", o);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Run a scenario failing allocation N = 1, 2, ... until it gets through. */
static void fail_each(void (*scenario)(counter *, outcome *), int persistent)
{
    counter c = {0};
    outcome want, got;
    scenario(&c, &want);
    assert_int_equal(want.rc, 0);
    assert_int_equal(c.live, 0);
    assert_true(want.n >= 3);
    unsigned long total = c.calls, n;
    for (n = 1;; n++) {
        memset(&c, 0, sizeof c);
        c.fail_at = n;
        c.persistent = persistent;
        scenario(&c, &got);
        if (c.live != 0 || c.blocks != 0)
            fail_msg("N=%lu: %lld bytes in %ld blocks leaked (%s: %s)", n, c.live, c.blocks,
                     got.where ? got.where : "ok", got.msg);
        if (!c.failed) break; /* got through: allocation N was never made */
        if (got.rc == 0) {
            /* a failure the library could absorb (a cache, a retry): the
             * answer must still be right */
            if (memcmp(&got, &want, sizeof got) != 0)
                fail_msg("N=%lu: wrong answer after a refused allocation", n);
            continue;
        }
        if (got.rc != SPASM_ENOMEM)
            fail_msg("N=%lu: %s failed with %d (%s), not SPASM_ENOMEM", n, got.where, got.rc,
                     got.msg);
        if (strcmp(got.where, "searcher_new") != 0 && !strstr(got.msg, "out of memory"))
            fail_msg("N=%lu: %s: ENOMEM with message \"%s\"", n, got.where, got.msg);
    }
    assert_int_equal(got.rc, 0);
    assert_memory_equal(&got, &want, sizeof got);
    assert_true(n > total);
    print_message("    %s failure of each of %lu allocations: handled\n",
                  persistent ? "persistent" : "single", total);
}

static void test_fail_nth_allocation(void **state)
{
    (void)state;
    fail_each(scenario_basic, 0);
}

static void test_fail_from_nth_allocation(void **state)
{
    (void)state;
    fail_each(scenario_basic, 1);
}

static void test_fail_reading_files(void **state)
{
    (void)state;
    snprintf(indir, sizeof indir, "/tmp/spasm-alloc-in-XXXXXX");
    assert_non_null(mkdtemp(indir));
    char f[300];
    snprintf(f, sizeof f, "%s/a.txt", indir);
    FILE *fp = fopen(f, "w");
    assert_non_null(fp);
    fputs("Cats at home\n\nThe cat sat on the mat.\n\nThe cat slept.\n", fp);
    fclose(fp);
    snprintf(f, sizeof f, "%s/b.jsonl", indir);
    fp = fopen(f, "w");
    assert_non_null(fp);
    fputs("{\"id\": \"f1\", \"title\": \"Fish\", \"text\": \"Goldfish swim.\"}\n"
          "{\"_id\": 2, \"text\": \"A dog and a cat.\\n\\nA fish bowl.\"}\n",
          fp);
    fclose(fp);
    fail_each(scenario_files, 0);
    fail_each(scenario_files, 1);
    /* Jansson runs out of memory: SPASM_ENOMEM, not "malformed JSON".  Line
     * 1 takes the fast path (jsonline.c), line 2 (an integer id) Jansson;
     * a worker parses, so the error may surface only at commit. */
    unlink(path);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), SPASM_OK);
    fail_json = 1;
    int rc = spasm_writer_add_path(w, indir);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    assert_int_equal(rc, SPASM_ENOMEM);
    fail_json = 0;
    expect_oom_msg(spasm_writer_errmsg(w), "b.jsonl:2");
    spasm_writer_abandon(w);
    assert_int_equal(files_in_tmpdir(), 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", indir);
    assert_int_equal(system(cmd), 0);
}

static void test_fail_in_queries(void **state)
{
    (void)state;
    write_query_index();
    fail_each(scenario_queries, 0);
    fail_each(scenario_queries, 1);
}

/* libstemmer cannot allocate its stemmer: writer and searcher say so. */
static void test_stemmer_new_fails(void **state)
{
    (void)state;
    counter c = {0};
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.alloc = count_alloc;
    wo.alloc_ud = &c;
    spasm_writer *w;
    /* analysers are made by the writer's threads: the failure shows at
     * spasm_writer_new, the next add, or at the latest the commit */
    fail_stemmer_new = 1;
    int rc = spasm_writer_new(&w, path, &wo);
    assert_non_null(w);
    if (rc == SPASM_OK) rc = spasm_writer_add(w, "a", NULL, "cats and dogs", 13);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    assert_int_equal(rc, SPASM_ENOMEM);
    assert_non_null(strstr(spasm_writer_errmsg(w), "out of memory"));
    spasm_writer_abandon(w);
    fail_stemmer_new = 0;
    assert_int_equal(files_in_tmpdir(), 0);

    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "cats and dogs", 13), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    spasm_searcher *s = (spasm_searcher *)1;
    fail_stemmer_new = 1;
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_ENOMEM);
    fail_stemmer_new = 0;
    assert_null(s);
    spasm_close(ix);
    assert_int_equal(c.live, 0);
}

/* libstemmer runs out of memory while stemming: the word must not be
 * indexed or searched unstemmed; the call reports SPASM_ENOMEM. */
static void test_stem_fails(void **state)
{
    (void)state;
    counter c = {0};
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.alloc = count_alloc;
    wo.alloc_ud = &c;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    /* documents are analysed by the writer's threads: the failure shows at
     * the add or at the latest at the commit, which then writes nothing */
    fail_stem = 1;
    int rc = spasm_writer_add(w, "a", NULL, "running dogs", 12);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    fail_stem = 0;
    assert_int_equal(rc, SPASM_ENOMEM);
    assert_non_null(strstr(spasm_writer_errmsg(w), "out of memory"));
    /* the error is sticky: the writer cannot commit a partial index */
    assert_int_equal(spasm_writer_commit(w), SPASM_ENOMEM);
    spasm_writer_abandon(w);
    assert_int_equal(files_in_tmpdir(), 0);

    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", NULL, "running dogs", 12), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_open_options oo = {0};
    oo.alloc = count_alloc;
    oo.alloc_ud = &c;
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_results *r;
    fail_stem = 1;
    assert_int_equal(spasm_search(s, "jumping", NULL, &r), SPASM_ENOMEM);
    fail_stem = 0;
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "out of memory"));
    assert_int_equal(spasm_search(s, "runs", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 1);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
    assert_int_equal(c.live, 0);
}

/* zstd cannot make its compressor (it allocates with malloc): the
 * commit fails with SPASM_ENOMEM and leaves nothing behind. */
static void test_deflate_fails(void **state)
{
    (void)state;
    counter c = {0};
    spasm_writer_options wo = {.alloc = count_alloc, .alloc_ud = &c, .b = -1};
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    fail_deflate = 1;
    int rc = spasm_writer_add(w, "a", "Pets", "cats and dogs", 13);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    fail_deflate = 0;
    assert_int_equal(rc, SPASM_ENOMEM);
    assert_non_null(strstr(spasm_writer_errmsg(w), "out of memory"));
    spasm_writer_abandon(w);
    assert_int_equal(files_in_tmpdir(), 0);
    assert_int_equal(c.live, 0);
}

/* zstd (or, for a format-1 file, libdeflate) cannot make the searcher's
 * decompressor (malloc): the search that needs stored text fails with
 * SPASM_ENOMEM, and the next one works. */
static void test_inflate_fails(void **state)
{
    (void)state;
    spasm_writer *w;
    spasm_writer_options wo = {.b = -1};
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    assert_int_equal(spasm_writer_add(w, "a", "Pets", "cats and dogs", 13), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r = NULL;
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    fail_inflate = 1;
    assert_int_equal(spasm_search(s, "cats", NULL, &r), SPASM_ENOMEM);
    fail_inflate = 0;
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "out of memory"));
    assert_int_equal(spasm_search(s, "cats", NULL, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 1);
    assert_string_equal(spasm_results_hit(r, 0)->text, "cats and dogs");
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
    /* a format-1 file inflates with libdeflate: the same */
    assert_int_equal(spasm_open(&ix, "tests/data/format1.spx", NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    fail_inflate = 1;
    assert_int_equal(spasm_search(s, "colic", NULL, &r), SPASM_ENOMEM);
    fail_inflate = 0;
    assert_int_equal(spasm_search(s, "colic", NULL, &r), SPASM_OK);
    assert_non_null(strstr(spasm_results_hit(r, 0)->text, "kidney stone"));
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* zstd cannot make the dictionary batch 0 trained (enough text for one,
 * ~200 KB): the commit fails with SPASM_ENOMEM, on two threads too (the
 * other batches waited for it), and leaves nothing behind. */
static void test_dictionary_fails(void **state)
{
    (void)state;
    for (unsigned threads = 1; threads <= 2; threads++) {
        counter c = {0};
        spasm_writer_options wo = {.alloc = count_alloc, .alloc_ud = &c, .b = -1};
        wo.threads = threads;
        spasm_writer *w;
        assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
        fail_dict = 1;
        int rc = SPASM_OK;
        unsigned x = 1;
        for (int i = 0; i < 3000 && rc == SPASM_OK; i++) {
            char text[256], id[16];
            size_t n = 0;
            while (n < 200) {
                x = x * 1103515245u + 12345u;
                n += (size_t)snprintf(text + n, sizeof text - n, " w%u", (x >> 16) % 3000);
            }
            snprintf(id, sizeof id, "d%d", i);
            rc = spasm_writer_add(w, id, "T", text, n);
        }
        if (rc == SPASM_OK) rc = spasm_writer_commit(w);
        fail_dict = 0;
        assert_int_equal(rc, SPASM_ENOMEM);
        assert_non_null(strstr(spasm_writer_errmsg(w), "out of memory"));
        spasm_writer_abandon(w);
        assert_int_equal(files_in_tmpdir(), 0);
        assert_int_equal(c.live, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fail_nth_allocation, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_fail_from_nth_allocation, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_fail_reading_files, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_fail_in_queries, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_stemmer_new_fails, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_stem_fails, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_deflate_fails, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_inflate_fails, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_dictionary_fails, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
