/*
 * test_variants.c -- spelling variants (issue 14 part 1): the generated
 * table, the analyser folding British and variant spellings before
 * stemming, an index recording it (META flag) so that British text is
 * found with American queries and back, highlights on the word as
 * written, and indexes built without it answering exactly as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "analyzer.h"
#include "format.h"
#include "index.h"
#include "spasm.h"
#include "variants.h"

static char tmpdir[256];
static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-variants-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* The canonical form of w, or "" when w is left alone. */
static const char *canon(const char *w)
{
    size_t n;
    const char *c = sp_variant_of(w, strlen(w), &n);
    return c ? c : "";
}

/* ---- the table ---- */

static void test_table_pairs(void **state)
{
    (void)state;
    assert_string_equal(canon("anaemia"), "anemia");
    assert_string_equal(canon("oesophagus"), "esophagus");
    assert_string_equal(canon("oesophageal"), "esophageal"); /* the root rule */
    assert_string_equal(canon("haemorrhage"), "hemorrhage");
    assert_string_equal(canon("diarrhoea"), "diarrhea");
    assert_string_equal(canon("oedema"), "edema");
    assert_string_equal(canon("paediatric"), "pediatric");
    assert_string_equal(canon("tumour"), "tumor");
    assert_string_equal(canon("colour"), "color");
    assert_string_equal(canon("colours"), "colors");
    assert_string_equal(canon("colour's"), "color's");
    assert_string_equal(canon("centre"), "center");
    assert_string_equal(canon("centred"), "centered");
    assert_string_equal(canon("organise"), "organize");
    assert_string_equal(canon("analysed"), "analyzed");
    assert_string_equal(canon("travelled"), "traveled");
    assert_string_equal(canon("fulfil"), "fulfill");
    assert_string_equal(canon("manoeuvre"), "maneuver"); /* two rewrites */
    /* Left alone: the American side, words common to every list (the
     * national test), and pairs no rule derives. */
    const char *alone[] = {"anemia", "center",    "color",    "four", "our",    "hour",
                           "flour",  "tour",      "axe",      "ax",   "daemon", "programme",
                           "genre",  "acre",      "analyses", "a",    "",       "colourx",
                           "larvae", "abscissae", "formulae", "algae"};
    for (size_t i = 0; i < sizeof alone / sizeof *alone; i++) {
        if (*canon(alone[i])) fail_msg("%s folded to %s", alone[i], canon(alone[i]));
    }
}

static void test_table_sorted_no_chains(void **state)
{
    (void)state;
    size_t n = sp_variant_count();
    assert_true(n > 5000);
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *from, *to;
        sp_variant_pair(i, &from, &to);
        if (prev) assert_true(strcmp(prev, from) < 0);
        prev = from;
        size_t len;
        /* Every entry is found, and a canonical form is not folded again. */
        assert_ptr_equal(sp_variant_of(from, strlen(from), &len), to);
        assert_int_equal(len, strlen(to));
        assert_null(sp_variant_of(to, strlen(to), &len));
    }
}

/* ---- the analyser ---- */

/* The terms of text analysed with variants on or off, joined by spaces. */
static void terms_of(sp_analyzer *an, const char *text, char *out, size_t cap)
{
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    size_t n;
    const sp_token *t = sp_analyzer_tokens(an, &n);
    const char *pool = sp_analyzer_pool(an);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%.*s", i ? " " : "", (int)t[i].term_len,
                 pool + t[i].term_off);
    }
}

static void test_analyser(void **state)
{
    (void)state;
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_analyzer *an = sp_analyzer_new(&a, 64);
    assert_non_null(an);
    char x[512], y[512];
    assert_int_equal(sp_analyzer_variants(an), 0); /* off unless asked */
    terms_of(an, "Anaemia colour", x, sizeof x);
    terms_of(an, "anemia color", y, sizeof y);
    assert_string_not_equal(x, y);
    sp_analyzer_set_variants(an, 1);
    assert_int_equal(sp_analyzer_variants(an), 1);
    /* The stem cache held the unfolded stems: it must not answer now. */
    terms_of(an, "Anaemia colour", x, sizeof x);
    terms_of(an, "anemia color", y, sizeof y);
    assert_string_equal(x, y);
    terms_of(an, "Oesophagus OESOPHAGEAL Diarrhoea tumours centres", x, sizeof x);
    terms_of(an, "esophagus esophageal diarrhea tumors centers", y, sizeof y);
    assert_string_equal(x, y);
    /* Spans and the folded word stay those of the text as written. */
    const char *text = "The Anaemia here";
    assert_int_equal(sp_analyze(an, text, strlen(text)), 0);
    size_t n;
    const sp_token *t = sp_analyzer_tokens(an, &n);
    assert_int_equal(n, 3);
    assert_int_equal(t[1].start, 4);
    assert_int_equal(t[1].end, 11);
    assert_memory_equal(sp_analyzer_pool(an) + t[1].word_off, "anaemia", 8);
    /* Words with no variant are stemmed as before. */
    terms_of(an, "axe genre running", x, sizeof x);
    sp_analyzer_set_variants(an, 0);
    terms_of(an, "axe genre running", y, sizeof y);
    assert_string_equal(x, y);
    terms_of(an, "anaemia", x, sizeof x);
    assert_string_equal(x, "anaemia");
    sp_analyzer_free(an);
}

/* ---- indexes ---- */

static const char *british = "The patient had anaemia and oedema; the tumour was in the "
                             "oesophagus.";
static const char *american = "A child with diarrhea saw a pediatric team at the center.";

/* Build path from the two documents with spasm_writer_options.variants v. */
static void build(const char *path, int v)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    o.variants = v;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &o), 0);
    assert_int_equal(spasm_writer_add(w, "gb", "", british, strlen(british)), 0);
    assert_int_equal(spasm_writer_add(w, "us", "", american, strlen(american)), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

/* The id of the first hit of q on ix ("" with none), and the text its
 * first highlight covers in *hl. */
static void first_hit(spasm_index *ix, const char *q, char *id, char *hl)
{
    spasm_searcher *s;
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_results *r;
    assert_int_equal(spasm_search(s, q, NULL, &r), 0);
    id[0] = hl[0] = 0;
    if (spasm_results_count(r)) {
        const spasm_hit *h = spasm_results_hit(r, 0);
        snprintf(id, 16, "%s", h->doc_id);
        if (h->nhighlights)
            snprintf(hl, 32, "%.*s", (int)(h->highlights[0].end - h->highlights[0].start),
                     h->text + h->highlights[0].start);
    }
    spasm_results_free(r);
    spasm_searcher_free(s);
}

static void test_index_folds(void **state)
{
    (void)state;
    char path[300], id[16], hl[32];
    snprintf(path, sizeof path, "%s/on.spx", tmpdir);
    build(path, SPASM_VARIANTS_DEFAULT); /* on by default */
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_true(ix->flags & SP_FLAG_VARIANTS);
    /* American queries find British text, highlighted as written. */
    struct {
        const char *q, *id, *hl;
    } c[] = {{"anemia", "gb", "anaemia"},
             {"edema", "gb", "oedema"},
             {"tumor", "gb", "tumour"},
             {"esophagus", "gb", "oesophagus"},
             {"\"anemia and edema\"", "gb", "anaemia"},
             {"diarrhoea", "us", "diarrhea"},
             {"paediatric", "us", "pediatric"},
             {"centre", "us", "center"},
             {"anaemia", "gb", "anaemia"}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        first_hit(ix, c[i].q, id, hl);
        if (strcmp(id, c[i].id) || strcmp(hl, c[i].hl))
            fail_msg("%s: got %s [%s], want %s [%s]", c[i].q, id, hl, c[i].id, c[i].hl);
    }
    spasm_close(ix);
}

static void test_index_without_variants(void **state)
{
    (void)state;
    char path[300], id[16], hl[32];
    snprintf(path, sizeof path, "%s/off.spx", tmpdir);
    build(path, SPASM_VARIANTS_OFF);
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    /* The flag is clear, as in an index written before variants existed:
     * queries are not folded and answer as they always did. */
    assert_false(ix->flags & SP_FLAG_VARIANTS);
    first_hit(ix, "anemia", id, hl);
    assert_string_equal(id, "");
    first_hit(ix, "anaemia", id, hl);
    assert_string_equal(id, "gb");
    first_hit(ix, "centre", id, hl);
    assert_string_equal(id, "");
    spasm_close(ix);
    /* Mixed with an index that folds: a note says which applies. */
    char on[300];
    snprintf(on, sizeof on, "%s/on2.spx", tmpdir);
    build(on, SPASM_VARIANTS_ON);
    const char *paths[] = {on, path};
    assert_int_equal(spasm_open_many(&ix, paths, 2, NULL), 0);
    assert_non_null(strstr(spasm_index_notes(ix), "does not fold spelling variants"));
    spasm_close(ix);
    /* A value out of range is refused with a message. */
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.variants = 7;
    spasm_writer *w;
    snprintf(path, sizeof path, "%s/bad.spx", tmpdir);
    assert_int_equal(spasm_writer_new(&w, path, &o), SPASM_EINVAL);
    assert_non_null(strstr(spasm_writer_errmsg(w), "variants"));
    spasm_writer_abandon(w);
}

/* The CLI: spasm-index --no-variants, and spasm-search on both. */
static void test_cli(void **state)
{
    (void)state;
    const char *b = build_dir();
    assert_int_equal(run("printf '%%s\\n' '{\"id\":\"gb\",\"text\":\"anaemia and oedema\"}' > "
                         "%s/in.jsonl",
                         tmpdir),
                     0);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/cli_on.spx %s/in.jsonl", b, tmpdir, tmpdir),
                     0);
    assert_int_equal(
        run("%s/bin/spasm-index -q --no-variants -o %s/cli_off.spx %s/in.jsonl", b, tmpdir, tmpdir),
        0);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/cli_on.spx --format trec anemia | grep -q gb", b, tmpdir),
        0);
    assert_int_not_equal(
        run("%s/bin/spasm-search -i %s/cli_off.spx --format trec anemia | grep -q gb", b, tmpdir),
        0);
}

/* A live folder keeps its setting: updates fold (or not) as its commit
 * says, and asking for the other is an error. */
static void test_live_keeps_setting(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/live", tmpdir);
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    o.variants = SPASM_VARIANTS_OFF;
    spasm_updater *u;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    assert_int_equal(spasm_updater_add(u, "gb", "", british, strlen(british)), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_close(u);
    o.variants = SPASM_VARIANTS_ON;
    assert_int_equal(spasm_updater_open(&u, dir, &o), SPASM_EINVAL);
    assert_non_null(strstr(spasm_updater_errmsg(u), "does not fold spelling variants"));
    spasm_updater_close(u);
    o.variants = SPASM_VARIANTS_DEFAULT; /* the folder's: off */
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    assert_int_equal(spasm_updater_add(u, "us", "", american, strlen(american)), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_close(u);
    spasm_index *ix;
    char id[16], hl[32];
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_false(ix->flags & SP_FLAG_VARIANTS);
    first_hit(ix, "diarrhoea", id, hl);
    assert_string_equal(id, "");
    spasm_close(ix);

    /* A new folder folds by default; deleting a document with British words
     * takes its folded terms out of the statistics. */
    snprintf(dir, sizeof dir, "%s/live2", tmpdir);
    o.variants = SPASM_VARIANTS_DEFAULT;
    assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
    assert_int_equal(spasm_updater_add(u, "gb", "", british, strlen(british)), 0);
    assert_int_equal(spasm_updater_add(u, "us", "", american, strlen(american)), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    assert_int_equal(spasm_updater_delete(u, "gb"), 0);
    assert_int_equal(spasm_updater_commit(u), 0);
    spasm_updater_close(u);
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_true(ix->flags & SP_FLAG_VARIANTS);
    first_hit(ix, "paediatric", id, hl);
    assert_string_equal(id, "us");
    first_hit(ix, "anemia", id, hl);
    assert_string_equal(id, "");
    spasm_close(ix);
    /* The deleted document's "anaemia" counted under "anemia": the
     * statistics equal those of a folder that never held it. */
    char d3[300];
    snprintf(d3, sizeof d3, "%s/live3", tmpdir);
    const char *us2 = "Anemia is common.";
    double score[2];
    for (int k = 0; k < 2; k++) {
        snprintf(d3, sizeof d3, "%s/live%d", tmpdir, 3 + k);
        assert_int_equal(spasm_updater_open(&u, d3, &o), 0);
        if (k == 0) assert_int_equal(spasm_updater_add(u, "gb", "", british, strlen(british)), 0);
        assert_int_equal(spasm_updater_add(u, "us", "", us2, strlen(us2)), 0);
        assert_int_equal(spasm_updater_add(u, "x", "", american, strlen(american)), 0);
        assert_int_equal(spasm_updater_commit(u), 0);
        if (k == 0) {
            assert_int_equal(spasm_updater_delete(u, "gb"), 0);
            assert_int_equal(spasm_updater_commit(u), 0);
        }
        spasm_updater_close(u);
        assert_int_equal(spasm_open(&ix, d3, NULL), 0);
        spasm_searcher *s;
        assert_int_equal(spasm_searcher_new(ix, &s), 0);
        spasm_results *r;
        assert_int_equal(spasm_search(s, "anemia", NULL, &r), 0);
        assert_int_equal(spasm_results_count(r), 1);
        score[k] = spasm_results_hit(r, 0)->score;
        spasm_results_free(r);
        spasm_searcher_free(s);
        spasm_close(ix);
    }
    assert_float_equal(score[0], score[1], 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_pairs),
        cmocka_unit_test(test_table_sorted_no_chains),
        cmocka_unit_test(test_analyser),
        cmocka_unit_test(test_index_folds),
        cmocka_unit_test(test_index_without_variants),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_live_keeps_setting),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
