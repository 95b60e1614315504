/*
 * test_query.c -- the query language, results and batch runs (issue 3):
 * parser corner cases, phrases and NEAR over positions, prefixes over the
 * words people type, titles, --explain adding up, near-duplicate folding
 * on the bundled corpus, and batch output identical across thread counts.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256];
static spasm_index *cix; /* the bundled corpus */
static spasm_searcher *cs;

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-qtest-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    if (spasm_open(&cix, p, NULL)) return -1;
    return spasm_searcher_new(cix, &cs);
}

static int teardown(void **state)
{
    (void)state;
    spasm_searcher_free(cs);
    spasm_close(cix);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* Matches of q on the corpus (spasm_count), or -code on error. */
static long long count(const char *q)
{
    uint64_t c;
    int rc = spasm_count(cs, q, &c);
    return rc ? -rc : (long long)c;
}

/* Search the corpus with default options (k results). */
static spasm_results *search(const char *q, size_t k)
{
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = k;
    spasm_results *r = NULL;
    int rc = spasm_search(cs, q, &o, &r);
    if (rc) print_message("query [%s]: %s\n", q, spasm_searcher_errmsg(cs));
    assert_int_equal(rc, 0);
    return r;
}

/* 1 if the passage text of every hit of q satisfies pred. */
static int all_hits(const char *q, int (*pred)(const char *text))
{
    spasm_results *r = search(q, 100);
    int ok = spasm_results_count(r) > 0;
    for (size_t i = 0; i < spasm_results_count(r); i++)
        if (!pred(spasm_results_hit(r, i)->text)) ok = 0;
    spasm_results_free(r);
    return ok;
}

static int ci_has(const char *text, const char *word)
{
    return strcasestr(text, word) != NULL;
}
static int has_night_no_menstrual(const char *t)
{
    return ci_has(t, "night") && !ci_has(t, "menstrual") &&
           (ci_has(t, "cramp") || ci_has(t, "spasm"));
}
static int has_renal_colic(const char *t)
{
    return ci_has(t, "renal colic");
}

/* ---- parser corner cases ---- */

static void test_parser_corner_cases(void **state)
{
    (void)state;
    /* nothing searchable: refused with a message, never a crash */
    const char *empty[] = {"",   "   ",         "-", "+",      "\"",       "\"\"",
                           "()", "!!! ... ???", "*", "-cramp", "NOT cramp"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        spasm_results *r = NULL;
        int rc = spasm_search(cs, empty[i], NULL, &r);
        if (rc != SPASM_EQUERY) print_message("query [%s] gave %d\n", empty[i], rc);
        assert_int_equal(rc, SPASM_EQUERY);
        assert_null(r);
        assert_true(strlen(spasm_searcher_errmsg(cs)) > 0);
    }
    /* a lone - or + among words is punctuation, not an operator */
    assert_int_equal(count("calf - night"), count("calf night"));
    assert_int_equal(count("calf + night"), count("calf night"));
    /* AND / OR as the first or last word are read as plain words */
    assert_int_equal(count("AND night"), count("night"));
    assert_int_equal(count("night OR"), count("night"));
    /* lower-case and, or, not are words (stop words), not operators */
    assert_int_equal(count("calf and night"), count("calf night"));
    /* an unbalanced quote runs to the end of the query */
    assert_int_equal(count("\"renal colic"), count("\"renal colic\""));
    /* an unbalanced parenthesis is closed at the end */
    assert_int_equal(count("(cramp OR spasm"), count("(cramp OR spasm)"));
    assert_int_equal(count("cramp OR spasm)"), count("cramp OR spasm"));
    /* only stop words: they are kept, rather than refusing the query */
    assert_true(count("the of and") > 0);
    /* 10,000 words: answered */
    size_t n = 10000;
    char *big = malloc(n * 8 + 1), *p = big;
    const char *w[] = {"cramp ", "night ", "zebra ", "calf "};
    for (size_t i = 0; i < n; i++) p += sprintf(p, "%s", w[i % 4]);
    spasm_results *r = search(big, 5);
    assert_true(spasm_results_count(r) > 0);
    spasm_results_free(r);
    free(big);
    /* non-Latin scripts: folded and searched without harm */
    assert_int_equal(count("почка камни"), 0);
    assert_int_equal(count("腎臓結石"), 0);
    assert_int_equal(count("Nocturnal"), count("NOCTURNAL"));
}

static void test_boolean_and_phrase(void **state)
{
    (void)state;
    /* (cramp OR spasm) AND night -menstrual */
    assert_true(all_hits("(cramp OR spasm) AND night -menstrual", has_night_no_menstrual));
    assert_true(count("cramp") > count("cramp -menstrual"));
    assert_int_equal(count("cramp -menstrual"), count("cramp NOT menstrual"));
    /* a lone operator word is a word: "NOT" searches for "not" */
    assert_true(count("NOT") > 0);
    /* +word must appear */
    assert_int_equal(count("+renal +colic"), count("renal AND colic"));
    /* phrases: adjacent and in order */
    assert_true(all_hits("\"renal colic\"", has_renal_colic));
    assert_int_equal(count("\"colic renal\""), 0);
    assert_true(count("\"altered neuromuscular control hypothesis\"") >= 1);
    assert_int_equal(count("\"neuromuscular altered control\""), 0);
    /* NEAR/n: any order, at most n positions apart; NEAR alone is NEAR/10 */
    assert_int_equal(count("calf NEAR/1 night"), 0);
    assert_int_equal(count("calf NEAR/2 night"), count("night NEAR/2 calf"));
    assert_true(count("calf NEAR night") >= count("calf NEAR/2 night"));
    assert_int_equal(count("calf NEAR night"), count("calf NEAR/10 night"));
}

/* ---- prefixes, titles ---- */

static void build_small(const char *path)
{
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, NULL), 0);
    assert_int_equal(
        spasm_writer_add(w, "a", "Hand hygiene", "Sanitizers kill germs. Wash often.", 34), 0);
    assert_int_equal(spasm_writer_add(w, "b", NULL, "The water was sanitized with chlorine.", 38),
                     0);
    assert_int_equal(spasm_writer_add(w, "c", NULL, "Sanitizing a kitchen takes time.", 32), 0);
    assert_int_equal(spasm_writer_add(w, "d", NULL, "Sanity is a separate matter.", 28), 0);
    assert_int_equal(spasm_writer_add(w, "e", "Only a title: dehydration", "", 0), 0);
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
}

static void test_prefix_and_titles(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/small.spx", tmpdir);
    build_small(path);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    uint64_t c;
    /* sanitiz* finds sanitizers, sanitized, sanitizing (stems sanit...),
     * but not sanity, whose stem "saniti" does not start a word "sanitiz" */
    assert_int_equal(spasm_count(s, "sanitiz*", &c), 0);
    assert_int_equal(c, 3);
    /* dehydrat* finds "dehydration" (stem "dehydr"), here in a title */
    assert_int_equal(spasm_count(s, "dehydrat*", &c), 0);
    assert_int_equal(c, 1);
    /* title words are searchable, and a document with only a title is
     * one passage with empty text */
    spasm_results *r;
    assert_int_equal(spasm_search(s, "hygiene", NULL, &r), 0);
    assert_int_equal(spasm_results_count(r), 1);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "a");
    spasm_results_free(r);
    assert_int_equal(spasm_search(s, "dehydration", NULL, &r), 0);
    assert_int_equal(spasm_results_count(r), 1);
    assert_string_equal(spasm_results_hit(r, 0)->doc_id, "e");
    assert_string_equal(spasm_results_hit(r, 0)->text, "");
    spasm_results_free(r);
    /* prefix matches are highlighted in the text */
    assert_int_equal(spasm_search(s, "sanitiz*", NULL, &r), 0);
    for (size_t i = 0; i < spasm_results_count(r); i++)
        assert_true(spasm_results_hit(r, i)->nhighlights >= 1);
    spasm_results_free(r);
    /* a prefix matching nothing: no results, not an error */
    assert_int_equal(spasm_count(s, "zzzq*", &c), 0);
    assert_int_equal(c, 0);
    spasm_searcher_free(s);
    spasm_close(ix);
    /* on the corpus: dehydrat* matches what "dehydration" matches */
    assert_true(count("dehydrat*") > 0);
    assert_int_equal(count("dehydrat*"), count("dehydration OR dehydrated OR dehydrate"));
}

/* ---- explain ---- */

static void test_explain_adds_up(void **state)
{
    (void)state;
    const char *qs[] = {"night calf cramps",          "renal colic kidney stone",
                        "\"renal colic\" pain",       "(cramp OR spasm) AND night",
                        "muscle NEAR/3 cramps",       "dehydrat* heat",
                        "cramp cramps cramping night"};
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++) {
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = 5;
        o.explain = 1;
        spasm_results *r;
        assert_int_equal(spasm_search(cs, qs[q], &o, &r), 0);
        assert_true(spasm_results_count(r) > 0);
        for (size_t i = 0; i < spasm_results_count(r); i++) {
            const spasm_hit *h = spasm_results_hit(r, i);
            /* first line: "S = sum of:"; then one line per term: "x = ..." */
            char *end;
            double total = strtod(h->explain, &end);
            assert_true(end != h->explain);
            assert_true(fabs(total - h->score) < 1e-5);
            double sum = 0;
            int terms = 0;
            for (const char *p = strchr(h->explain, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
                const char *l = p + 1;
                while (*l == ' ') l++;
                double v = strtod(l, &end);
                if (end == l || (strncmp(end, " = term", 7) && strncmp(end, " = phrase", 9) &&
                                 strncmp(end, " = near", 7)))
                    continue;
                sum += v;
                terms++;
                /* each term line shows idf, tf, the lengths, k1 and b */
                const char *nl = strchr(l, '\n');
                size_t len = nl ? (size_t)(nl - l) : strlen(l);
                char line[1024];
                snprintf(line, sizeof line, "%.*s", (int)len, l);
                assert_non_null(strstr(line, "idf"));
                assert_non_null(strstr(line, "tf"));
                assert_non_null(strstr(line, "avglen"));
                assert_non_null(strstr(line, "k1"));
            }
            assert_true(terms > 0);
            if (fabs(sum - h->score) > 1e-5)
                print_message("[%s] hit %zu: terms sum %.6f, score %.6f\n%s\n", qs[q], i, sum,
                              h->score, h->explain);
            assert_true(fabs(sum - h->score) < 1e-5);
        }
        spasm_results_free(r);
    }
}

static void test_query_term_frequency(void **state)
{
    (void)state;
    /* a word typed qtf times weighs (k3 + 1) qtf / (k3 + qtf), k3 = 8 */
    spasm_results *one = search("cramp", 3), *two = search("cramp cramps", 3),
                  *three = search("cramp Cramps cramping", 3);
    assert_true(spasm_results_count(one) == 3 && spasm_results_count(two) == 3 &&
                spasm_results_count(three) == 3);
    for (size_t i = 0; i < 3; i++) {
        double s1 = spasm_results_hit(one, i)->score;
        assert_int_equal(spasm_results_hit(one, i)->passage, spasm_results_hit(two, i)->passage);
        assert_true(fabs(spasm_results_hit(two, i)->score - s1 * 18.0 / 10.0) < 1e-9);
        assert_true(fabs(spasm_results_hit(three, i)->score - s1 * 27.0 / 11.0) < 1e-9);
    }
    spasm_results_free(one);
    spasm_results_free(two);
    spasm_results_free(three);
}

/* ---- near-duplicates ---- */

static void test_collapse_corpus(void **state)
{
    (void)state;
    /* 000 and 002 reword one another: their night-cramp paragraphs fold */
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 5;
    o.collapse = 1;
    spasm_results *folded, *all;
    assert_int_equal(spasm_search(cs, "night calf cramps", &o, &folded), 0);
    o.collapse = 0;
    assert_int_equal(spasm_search(cs, "night calf cramps", &o, &all), 0);
    const spasm_hit *f0 = spasm_results_hit(folded, 0), *a0 = spasm_results_hit(all, 0),
                    *a1 = spasm_results_hit(all, 1);
    assert_int_equal(f0->passage, a0->passage);
    assert_int_equal(a0->ndups, 0);
    assert_int_equal(f0->ndups, 1);
    assert_int_equal(f0->dups[0].passage, a1->passage); /* the twin ranked second */
    assert_string_equal(f0->dups[0].doc_id, a1->doc_id);
    assert_int_equal(f0->dups[0].ordinal, a1->ordinal);
    assert_true(fabs(f0->dups[0].score - a1->score) < 1e-12);
    assert_true(strcmp(f0->doc_id, f0->dups[0].doc_id) != 0);
    /* no passage is shown twice, k results are still returned, and nothing
     * unrelated is folded: every hit of the folded list differs from the
     * ones before it */
    assert_int_equal(spasm_results_count(folded), 5);
    for (size_t i = 0; i < spasm_results_count(folded); i++)
        for (size_t j = 0; j < i; j++)
            assert_true(spasm_results_hit(folded, i)->passage !=
                        spasm_results_hit(folded, j)->passage);
    /* every folded passage appears in the unfolded list */
    size_t seen = 0;
    for (size_t i = 0; i < spasm_results_count(folded); i++)
        seen += 1 + spasm_results_hit(folded, i)->ndups;
    assert_true(seen > spasm_results_count(folded));
    spasm_results_free(folded);
    spasm_results_free(all);
    /* paging with folding: pages do not overlap */
    spasm_search_options_init(&o);
    o.k = 3;
    o.collapse = 1;
    spasm_results *p1, *p2;
    assert_int_equal(spasm_search(cs, "muscle cramps", &o, &p1), 0);
    o.offset = 3;
    assert_int_equal(spasm_search(cs, "muscle cramps", &o, &p2), 0);
    for (size_t i = 0; i < spasm_results_count(p1); i++)
        for (size_t j = 0; j < spasm_results_count(p2); j++)
            assert_true(spasm_results_hit(p1, i)->passage != spasm_results_hit(p2, j)->passage);
    spasm_results_free(p1);
    spasm_results_free(p2);
}

/* ---- batch runs ---- */

static void test_batch_threads_identical(void **state)
{
    (void)state;
    const char *b = build_dir();
    /* the judged queries, plus comments, blanks, a bare query and errors */
    assert_int_equal(
        run("(echo '# comment'; echo; cat tests/judged/queries.tsv; echo 'renal colic';"
            " printf 'bad id\\tcramp\\n'; printf 'q9\\t!!!\\n') > %s/q.tsv",
            tmpdir),
        0);
    const char *fmts[] = {"trec", "json", "text"};
    for (size_t f = 0; f < 3; f++) {
        for (int t = 1; t <= 8; t *= 2) {
            int st = run("%s/bin/spasm-search -i %s/corpus.spx -k 7 --format %s --threads %d"
                         " -f %s/q.tsv > %s/out%d.%s 2> %s/err%d.%s",
                         b, b, fmts[f], t, tmpdir, tmpdir, t, fmts[f], tmpdir, t, fmts[f]);
            assert_int_equal(st, 0);
            if (t > 1) {
                assert_int_equal(
                    run("cmp -s %s/out1.%s %s/out%d.%s", tmpdir, fmts[f], tmpdir, t, fmts[f]), 0);
                assert_int_equal(
                    run("cmp -s %s/err1.%s %s/err%d.%s", tmpdir, fmts[f], tmpdir, t, fmts[f]), 0);
            }
        }
    }
    /* malformed lines are reported with their line number; the rest ran */
    int n = 0;
    FILE *q = fopen("tests/judged/queries.tsv", "r");
    assert_non_null(q);
    char line[1024];
    while (fgets(line, sizeof line, q)) n++;
    fclose(q);
    assert_int_equal(run("grep -q 'q.tsv:%d: bad query id' %s/err1.trec", n + 4, tmpdir), 0);
    assert_int_equal(run("grep -q 'q.tsv:%d: .*' %s/err1.trec", n + 5, tmpdir), 0);
    /* the bare query's qid is its line number */
    assert_int_equal(run("grep -q '^%d Q0 ' %s/out1.trec", n + 3, tmpdir), 0);
    /* json lines carry qid */
    assert_int_equal(run("grep -q '\"qid\": *\"%d\"' %s/out1.json", n + 3, tmpdir), 0);
    /* trec lines: qid Q0 DOCID#passage rank score tag */
    assert_int_equal(
        run("grep -Evq '^[^ ]+ Q0 [0-9a-f_]+#[0-9]+ [0-9]+ -?[0-9.]+ spasm$' %s/out1.trec", tmpdir),
        1);
    /* --stdio: JSON Lines then an empty line per query, errors included */
    assert_int_equal(run("printf 'renal colic\\n!!!\\nzebra\\n' | %s/bin/spasm-search -i "
                         "%s/corpus.spx -k 2 --stdio > %s/stdio.out 2>/dev/null",
                         b, b, tmpdir),
                     0);
    assert_int_equal(run("test $(grep -c '^$' %s/stdio.out) -eq 3", tmpdir), 0);
    assert_int_equal(run("grep -q '\"error\"' %s/stdio.out", tmpdir), 0);
    /* bad --threads values */
    assert_int_equal(run("%s/bin/spasm-search --threads 0 -f %s/q.tsv 2>/dev/null", b, tmpdir), 2);
    assert_int_equal(run("%s/bin/spasm-search --threads x -f %s/q.tsv 2>/dev/null", b, tmpdir), 2);
}

/* spasm-search: options and query words mix (issue 10, finding 10), and a
 * cut prefix expansion is said on stderr and in JSON (finding 3). */
static void test_cli_words_and_options(void **state)
{
    (void)state;
    const char *b = build_dir();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/bin/spasm-search -i %s/corpus.spx", b, b);
    /* cramp -menstrual: searched, the same as the query "cramp -menstrual" */
    assert_int_equal(
        run("%s --format trec -k 100 cramp -menstrual > %s/m1 2> %s/m1.err", cmd, tmpdir, tmpdir),
        0);
    assert_int_equal(run("%s --format trec -k 100 -- 'cramp -menstrual' > %s/m2", cmd, tmpdir), 0);
    assert_int_equal(run("cmp -s %s/m1 %s/m2", tmpdir, tmpdir), 0);
    assert_int_equal(run("test -s %s/m1 && ! test -s %s/m1.err", tmpdir, tmpdir), 0);
    /* ... and it excludes: the passages with "menstrual" are gone */
    assert_int_equal(run("%s --format trec -k 100 cramp > %s/m3", cmd, tmpdir), 0);
    assert_int_equal(run("cmp -s %s/m1 %s/m3", tmpdir, tmpdir), 1);
    assert_int_equal(run("%s --format json -k 100 cramp -menstrual | grep -qi menstrual", cmd), 1);
    /* options after words, -kN attached, -- before a word with '-' */
    assert_int_equal(run("%s cramp --format trec -k 2 -menstrual > %s/m4", cmd, tmpdir), 0);
    assert_int_equal(run("test $(wc -l < %s/m4) -eq 2", tmpdir), 0);
    assert_int_equal(run("%s --format trec -k3 cramp | test $(wc -l) -eq 3", cmd), 0);
    assert_int_equal(run("%s --format trec -k 100 -- -menstrual cramp > %s/m5", cmd, tmpdir), 0);
    assert_int_equal(run("cmp -s %s/m1 %s/m5", tmpdir, tmpdir), 0);
    /* words that begin like short options are words: -heat, -index, -fever */
    assert_int_equal(run("%s --format trec cramp -heat -index -fever > /dev/null", cmd), 0);
    /* unknown options are named as typed */
    assert_int_equal(run("%s --foo cramp 2> %s/e1", cmd, tmpdir), 2);
    assert_int_equal(run("grep -q 'unknown option --foo' %s/e1", tmpdir), 0);
    assert_int_equal(run("%s cramp --foo=3 2> %s/e2", cmd, tmpdir), 2);
    assert_int_equal(run("grep -q 'unknown option --foo=3' %s/e2", tmpdir), 0);
    assert_int_equal(run("%s -x cramp 2> %s/e3", cmd, tmpdir), 2);
    assert_int_equal(run("grep -q 'unknown option -x ' %s/e3", tmpdir), 0);
    assert_int_equal(run("%s cramp -k 2> %s/e4", cmd, tmpdir), 2);
    assert_int_equal(run("grep -q 'option -k needs a value' %s/e4", tmpdir), 0);
    /* an abbreviated long option still takes its value from the next word */
    assert_int_equal(run("%s --form trec cramp | grep -q ' Q0 '", cmd), 0);
    /* query words beside -f, --stdio or --check are an error, not ignored */
    assert_int_equal(run("%s -f /dev/null cramp 2> %s/e5", cmd, tmpdir), 2);
    assert_int_equal(
        run("grep -q 'query words (\"cramp\"...) cannot be given with -f' %s/e5", tmpdir), 0);
    assert_int_equal(run("%s --stdio cramp < /dev/null 2> /dev/null", cmd), 2);
    assert_int_equal(run("%s --check cramp 2> /dev/null", cmd), 2);
    /* --help says how to exclude a word */
    assert_int_equal(run("%s --help | grep -q 'cramp -menstrual'", cmd), 0);
    /* a cut prefix expansion: a note on stderr, "expansion_cut" in JSON */
    const char *many = "a* b* c* d* e* f* g* h* i* j* k* l* m* n* o* p* q* r* s* t* u* v* w*";
    assert_int_equal(
        run("%s --format json -k 3 '%s' > %s/n.json 2> %s/n.err", cmd, many, tmpdir, tmpdir), 0);
    assert_int_equal(
        run("grep -q '^spasm-search: note: prefix .* expanded to [0-9]* of' %s/n.err", tmpdir), 0);
    assert_int_equal(run("test $(grep -c '\"expansion_cut\": *true' %s/n.json) -eq 3", tmpdir), 0);
    assert_int_equal(run("%s --format json -k 3 cramp* | grep -q expansion_cut", cmd), 1);
    /* in a batch the note names the line */
    assert_int_equal(run("printf 'q1\\t%s\\n' > %s/n.tsv && %s --format trec -f %s/n.tsv"
                         " 2>&1 >/dev/null | grep -q 'n.tsv:1: note: prefix'",
                         many, tmpdir, cmd, tmpdir),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_words_and_options),
        cmocka_unit_test(test_parser_corner_cases),
        cmocka_unit_test(test_boolean_and_phrase),
        cmocka_unit_test(test_prefix_and_titles),
        cmocka_unit_test(test_explain_adds_up),
        cmocka_unit_test(test_query_term_frequency),
        cmocka_unit_test(test_collapse_corpus),
        cmocka_unit_test(test_batch_threads_identical),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
