/*
 * test_synonyms.c -- synonyms and word families (issue 14 parts 3 and 4):
 * the Solr-format parser (formats, errors naming file:line), the query
 * expansion (single and multi-word entries, `=>` mappings, weights, the
 * budget), the synonyms stored in an index (used by default, replaced by
 * a query-time table, turned off), word families from the index's words,
 * and results byte-identical to plain BM25 when no synonym applies.
 */
#include <math.h>
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

static char tmpdir[256];
static char ixpath[300], synpath[300];
static spasm_index *ix;
static spasm_searcher *s;

static const char *const docs[][2] = {
    {"d1", "the physician examined the patient"},
    {"d2", "a doctor came at night"},
    {"d3", "menstrual cramps every month"},
    {"d4", "cramps are not menstrual here"},
    {"d5", "torticollis twists the head to one side"},
    {"d6", "neck stiffness after sleep"},
    {"d7", "she is pregnant with twins"},
    {"d8", "pregnancy lasts nine months"},
    {"d9", "the general assembly met"},
    {"d10", "wry humour and a long neck"},
};
#define NDOCS (sizeof docs / sizeof *docs)

static const char syn_text[] = "# a comment line\n"
                               "\n"
                               "doctor, physician   # a comment after a blank\n"
                               "period pain, menstrual cramps\n"
                               "wry neck => torticollis\n";

/* Build an index of docs at path, storing table t (NULL: none). */
static void build(const char *path, const spasm_synonyms *t)
{
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = SPASM_B_DEFAULT;
    wo.threads = 1;
    wo.synonyms = t;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), SPASM_OK);
    for (size_t i = 0; i < NDOCS; i++)
        assert_int_equal(spasm_writer_add(w, docs[i][0], NULL, docs[i][1], strlen(docs[i][1])), 0);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-syntest-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(ixpath, sizeof ixpath, "%s/plain.spx", tmpdir);
    snprintf(synpath, sizeof synpath, "%s/syn.txt", tmpdir);
    write_file(synpath, syn_text, strlen(syn_text));
    build(ixpath, NULL);
    if (spasm_open(&ix, ixpath, NULL)) return -1;
    return spasm_searcher_new(ix, &s);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(s);
    spasm_close(ix);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

static spasm_synonyms *parse_ok(const char *text)
{
    spasm_synonyms *t;
    int rc = spasm_synonyms_parse(&t, "t.syn", text, strlen(text));
    if (rc) fail_msg("parse: %s", spasm_synonyms_errmsg(t));
    return t;
}

/* Search searcher ss for q with table t (NULL: none), families on or off. */
static spasm_results *search_with(spasm_searcher *ss, const char *q, const spasm_synonyms *t,
                                  int fam)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.synonyms = t;
    o.families = fam;
    spasm_results *r;
    int rc = spasm_search(ss, q, &o, &r);
    if (rc) fail_msg("search %s: %s", q, spasm_searcher_errmsg(ss));
    return r;
}

/* The score of document id in r, or -1 when it is not there. */
static double score_of(const spasm_results *r, const char *id)
{
    for (size_t i = 0; i < spasm_results_count(r); i++)
        if (strcmp(spasm_results_hit(r, i)->doc_id, id) == 0) return spasm_results_hit(r, i)->score;
    return -1;
}

static void parse_formats(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok(syn_text);
    assert_int_equal(spasm_synonyms_count(t), 3); /* blank and comment lines are not rules */
    assert_string_equal(spasm_synonyms_errmsg(t), "");
    spasm_synonyms_free(t);
    t = parse_ok("a, b => c, d\r\nx => x, y\n# only a comment"); /* CRLF, no final newline */
    assert_int_equal(spasm_synonyms_count(t), 2);
    spasm_synonyms_free(t);
    t = parse_ok(""); /* empty: no rules */
    assert_int_equal(spasm_synonyms_count(t), 0);
    spasm_synonyms_free(t);
    spasm_synonyms_free(NULL);
}

/* A bad line is SPASM_EQUERY naming file:line. */
static void expect_error(const char *text, const char *msg)
{
    spasm_synonyms *t;
    assert_int_equal(spasm_synonyms_parse(&t, "t.syn", text, strlen(text)), SPASM_EQUERY);
    if (!strstr(spasm_synonyms_errmsg(t), msg))
        fail_msg("\"%s\" does not say \"%s\"", spasm_synonyms_errmsg(t), msg);
    spasm_synonyms_free(t);
}

static void parse_errors(void **state)
{
    (void)state;
    expect_error("a, b\n# c\na,, b\n", "t.syn:3: an empty entry between commas");
    expect_error("a => b => c\n", "t.syn:1: more than one \"=>\"");
    expect_error("a, b\n => b\n", "t.syn:2: an empty entry left of \"=>\"");
    expect_error("a =>\n", "t.syn:1: an empty entry right of \"=>\"");
    expect_error("\n\nlonely\n", "t.syn:3: one entry and no \"=>\"");
    expect_error("!!!, x\n", "t.syn:1: entry \"!!!\" has no word");
    expect_error("a b c d e f g h i, x\n", "t.syn:1: entry \"a b c d e f g h i\" has 9 words");
    spasm_synonyms *t;
    char p[400];
    snprintf(p, sizeof p, "%s/none.syn", tmpdir);
    assert_int_equal(spasm_synonyms_load(&t, p), SPASM_EIO);
    assert_non_null(strstr(spasm_synonyms_errmsg(t), "none.syn"));
    spasm_synonyms_free(t);
    assert_int_equal(spasm_synonyms_load(&t, synpath), SPASM_OK);
    assert_int_equal(spasm_synonyms_count(t), 3);
    spasm_synonyms_free(t);
}

/* doctor, physician: each finds the other, at half weight. */
static void single_word(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok(syn_text);
    spasm_results *plain = search_with(s, "physician", NULL, 0);
    spasm_results *r = search_with(s, "doctor", t, 0);
    assert_int_equal(spasm_results_count(r), 2);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "d2"); /* the word typed first */
    /* the synonym weighs 0.5 of its BM25 weight */
    assert_true(fabs(score_of(r, "d1") - 0.5 * score_of(plain, "d1")) < 1e-9);
    spasm_results_free(r);
    /* entries match stems: "physicians" finds the "physician" line */
    r = search_with(s, "physicians", t, 0);
    assert_true(score_of(r, "d2") > 0);
    spasm_results_free(r);
    /* a weight asked for */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.synonyms = t;
    o.synonym_weight = 0.25;
    assert_int_equal(spasm_search(s, "doctor", &o, &r), SPASM_OK);
    assert_true(fabs(score_of(r, "d1") - 0.25 * score_of(plain, "d1")) < 1e-9);
    spasm_results_free(r);
    o.synonym_weight = 0;
    o.explain = 1; /* --explain says the weight */
    assert_int_equal(spasm_search(s, "doctor", &o, &r), SPASM_OK);
    assert_non_null(strstr(spasm_results_hit(r, 1)->explain,
                           "term \"physician\" (df=1, N=10): alternative weight 0.500000 * idf"));
    spasm_results_free(r);
    o.explain = 0;
    o.synonym_weight = 1.5;
    assert_int_equal(spasm_search(s, "doctor", &o, &r), SPASM_EINVAL);
    assert_non_null(strstr(spasm_searcher_errmsg(s), "synonym_weight"));
    /* a required word becomes a required group of it and its synonyms */
    r = search_with(s, "+doctor night", t, 0);
    assert_true(score_of(r, "d1") > 0);
    spasm_results_free(r);
    /* an excluded word stays as typed */
    r = search_with(s, "patient -doctor", t, 0);
    assert_true(score_of(r, "d1") > 0);
    spasm_results_free(r);
    spasm_results_free(plain);
    spasm_synonyms_free(t);
}

/* A rarer alternative weighs at most w times the word typed: its idf is
 * capped at the original's. */
static void idf_cap(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok("neck, torticollis\n");
    spasm_results *plain = search_with(s, "torticollis", NULL, 0);
    spasm_results *r = search_with(s, "neck", t, 0);
    double idf_neck = log(1 + (10 - 2 + 0.5) / (2 + 0.5)); /* N 10: in d6, d10 */
    double idf_tort = log(1 + (10 - 1 + 0.5) / (1 + 0.5)); /* in d5 only */
    assert_true(fabs(score_of(r, "d5") - 0.5 * idf_neck / idf_tort * score_of(plain, "d5")) < 1e-9);
    spasm_results_free(r);
    /* the other way, a commoner alternative keeps its own idf */
    spasm_results *pn = search_with(s, "neck", NULL, 0);
    r = search_with(s, "torticollis", t, 0);
    assert_true(fabs(score_of(r, "d6") - 0.5 * score_of(pn, "d6")) < 1e-9);
    spasm_results_free(r);
    spasm_results_free(pn);
    spasm_results_free(plain);
    spasm_synonyms_free(t);
}

/* period pain, menstrual cramps: phrases both ways. */
static void multi_word(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok(syn_text);
    spasm_results *r = search_with(s, "period pain", t, 0);
    assert_int_equal(spasm_results_count(r), 1); /* d3 by the phrase, not d4's loose words */
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "d3");
    spasm_results_free(r);
    r = search_with(s, "\"period pain\"", t, 0);
    assert_int_equal(spasm_results_count(r), 1);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "d3");
    spasm_results_free(r);
    /* the other way: a phrase entry expands to a single word... */
    r = search_with(s, "\"menstrual cramps\"", t, 0);
    assert_int_equal(spasm_results_count(r), 1);
    spasm_results_free(r);
    /* ...and "pain" alone is not the entry */
    r = search_with(s, "pain", t, 0);
    assert_int_equal(spasm_results_count(r), 0);
    spasm_results_free(r);
    spasm_synonyms_free(t);
}

/* wry neck => torticollis: replaced, at full weight. */
static void mapping(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok(syn_text);
    spasm_results *plain = search_with(s, "torticollis", NULL, 0);
    spasm_results *r = search_with(s, "wry neck", t, 0);
    assert_int_equal(spasm_results_count(r), 1); /* d6 (neck) and d10 (wry, neck) are gone */
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "d5");
    assert_true(fabs(score_of(r, "d5") - score_of(plain, "d5")) < 1e-9);
    spasm_results_free(r);
    /* the mapping goes one way */
    r = search_with(s, "torticollis", t, 0);
    assert_int_equal(spasm_results_count(r), 1);
    spasm_results_free(r);
    spasm_results_free(plain);
    spasm_synonyms_free(t);
    /* listing the left side on the right keeps it */
    t = parse_ok("wry neck => wry neck, torticollis\n");
    r = search_with(s, "wry neck", t, 0);
    assert_true(score_of(r, "d10") > 0 && score_of(r, "d5") > 0);
    spasm_results_free(r);
    spasm_synonyms_free(t);
}

/* A word with 100 synonyms adds at most 64 terms, with a note. */
static void budget(void **state)
{
    (void)state;
    char text[4096] = "doctor";
    for (int i = 0; i < 100; i++)
        snprintf(text + strlen(text), 64, ", alt%c%c", 'a' + i / 26, 'a' + i % 26);
    strcat(text, ", physician\n");
    spasm_synonyms *t = parse_ok(text);
    spasm_results *r = search_with(s, "doctor", t, 0);
    assert_int_equal(spasm_results_flags(r) & SPASM_RESULT_EXPANSION_CUT, 0);
    assert_non_null(strstr(spasm_results_notes(r), "some alternatives were left out (at most 64"));
    /* the alternatives are taken in byte order: "physician" sorts after every alt.. */
    assert_true(score_of(r, "d1") < 0);
    spasm_results_free(r);
    spasm_synonyms_free(t);
}

/* The synonyms stored in an index apply by default; a query-time table
 * replaces them; no_synonyms turns both off. */
static void stored(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok(syn_text);
    char p[400];
    snprintf(p, sizeof p, "%s/syn.spx", tmpdir);
    build(p, t);
    spasm_synonyms_free(t);
    spasm_index *six;
    spasm_searcher *ss;
    spasm_open_options oo = {SPASM_OPEN_VERIFY, NULL, NULL}; /* the SYNS checksum too */
    assert_int_equal(spasm_open(&six, p, &oo), SPASM_OK);
    assert_int_equal(spasm_searcher_new(six, &ss), SPASM_OK);
    spasm_results *r = search_with(ss, "doctor", NULL, 0);
    assert_int_equal(spasm_results_count(r), 2);
    spasm_results_free(r);
    uint64_t c;
    assert_int_equal(spasm_count(ss, "doctor", &c), SPASM_OK);
    assert_int_equal(c, 2);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.no_synonyms = 1;
    assert_int_equal(spasm_search(ss, "doctor", &o, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 1);
    spasm_results_free(r);
    spasm_synonyms *other = parse_ok("doctor, pregnancy\n");
    r = search_with(ss, "doctor", other, 0); /* replaces the stored table */
    assert_true(score_of(r, "d8") > 0);
    assert_true(score_of(r, "d1") < 0);
    spasm_results_free(r);
    spasm_synonyms_free(other);
    spasm_searcher_free(ss);
    spasm_close(six);
    /* spasm-index --synonyms stores a file; spasm-search uses it, --no-synonyms not */
    const char *b = build_dir();
    assert_int_equal(run("printf '{\"id\":\"a\",\"text\":\"the physician\"}\\n' > %s/a.jsonl && "
                         "%s/bin/spasm-index -q -o %s/cli.spx --synonyms %s %s/a.jsonl",
                         tmpdir, b, tmpdir, synpath, tmpdir),
                     0);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/cli.spx --format trec doctor | grep -q a", b, tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s/cli.spx --no-synonyms --format trec doctor "
                         "| grep -q a",
                         b, tmpdir),
                     1);
    assert_int_equal(run("%s/bin/spasm-index -q --live -o %s/live --synonyms %s %s/a.jsonl "
                         "2>/dev/null",
                         b, tmpdir, synpath, tmpdir),
                     2);
}

/* Errors of the CLIs name file:line and exit 2. */
static void cli_errors(void **state)
{
    (void)state;
    const char *b = build_dir();
    assert_int_equal(run("printf 'a, b\\nc,,d\\n' > %s/bad.syn", tmpdir), 0);
    assert_int_equal(run("%s/bin/spasm-search -i %s --synonyms %s/bad.syn x 2>%s/err; "
                         "st=$?; grep -q 'bad.syn:2: an empty entry' %s/err && exit $st",
                         b, ixpath, tmpdir, tmpdir, tmpdir),
                     2);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s/x.spx --synonyms %s/bad.syn %s/a.jsonl "
                         "2>/dev/null",
                         b, tmpdir, tmpdir, tmpdir),
                     2);
    assert_int_equal(run("%s/bin/spasm-search -i %s --synonym-weight 2 x 2>/dev/null", b, ixpath),
                     2);
}

/* Word families: pregnant finds pregnancy, at the family weight. */
static void families(void **state)
{
    (void)state;
    spasm_results *plain = search_with(s, "pregnancy", NULL, 0);
    spasm_results *r = search_with(s, "pregnant", NULL, 0);
    assert_int_equal(spasm_results_count(r), 1);
    spasm_results_free(r);
    r = search_with(s, "pregnant", NULL, 1);
    assert_int_equal(spasm_results_count(r), 2);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "d7");
    assert_true(fabs(score_of(r, "d8") - 0.5 * score_of(plain, "d8")) < 1e-9);
    spasm_results_free(r);
    r = search_with(s, "pregnancy", NULL, 1); /* and back */
    assert_true(score_of(r, "d7") > 0);
    spasm_results_free(r);
    spasm_results_free(plain);
}

/* With no synonym that applies, results are byte-identical to plain BM25. */
static void identical_without(void **state)
{
    (void)state;
    spasm_synonyms *t = parse_ok("zebra, okapi\n");
    spasm_synonyms *empty = parse_ok("# nothing\n");
    const char *qs[] = {"night doctor", "\"menstrual cramps\"", "neck OR head", "+patient -night",
                        "preg*",        "wry NEAR/3 neck"};
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        spasm_results *a = search_with(s, qs[i], NULL, 0);
        spasm_results *b1 = search_with(s, qs[i], t, 0);
        spasm_results *b2 = search_with(s, qs[i], empty, 0);
        assert_int_equal(spasm_results_count(a), spasm_results_count(b1));
        assert_int_equal(spasm_results_count(a), spasm_results_count(b2));
        for (size_t j = 0; j < spasm_results_count(a); j++) {
            const spasm_hit *x = spasm_results_hit(a, j), *y = spasm_results_hit(b1, j),
                            *z = spasm_results_hit(b2, j);
            assert_int_equal(x->passage, y->passage);
            assert_int_equal(x->passage, z->passage);
            assert_memory_equal(&x->score, &y->score, sizeof x->score);
            assert_memory_equal(&x->score, &z->score, sizeof x->score);
        }
        spasm_results_free(a);
        spasm_results_free(b1);
        spasm_results_free(b2);
    }
    spasm_synonyms_free(t);
    spasm_synonyms_free(empty);
    /* the CLI on the bundled corpus, an empty table given */
    const char *b = build_dir();
    assert_int_equal(run("printf '# none\\n' > %s/empty.syn && "
                         "%s/bin/spasm-search -i %s/corpus.spx -k 20 --format json night calf "
                         "cramps > %s/o1 && %s/bin/spasm-search -i %s/corpus.spx -k 20 --format "
                         "json --synonyms %s/empty.syn night calf cramps > %s/o2 && cmp -s "
                         "%s/o1 %s/o2",
                         tmpdir, b, b, tmpdir, b, b, tmpdir, tmpdir, tmpdir, tmpdir),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_formats),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(single_word),
        cmocka_unit_test(idf_cap),
        cmocka_unit_test(multi_word),
        cmocka_unit_test(mapping),
        cmocka_unit_test(budget),
        cmocka_unit_test(stored),
        cmocka_unit_test(cli_errors),
        cmocka_unit_test(families),
        cmocka_unit_test(identical_without),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
