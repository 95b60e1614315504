/*
 * test_bench.c -- every bench program that make builds (make bench-tools)
 * still runs: spasm's query harness on the corpus index in each of its
 * modes, the codec microbenchmark, the passage dumper of the judged set,
 * and the peers' harnesses (Xapian, SQLite FTS5, Lucene) on a tiny JSON Lines file
 * when they were built (their libraries installed: scripts/deps.sh bench).
 * Each harness must print its JSON summary line with the figures bench/run.sh
 * reads, and a TREC run that finds what it should.  Then the drivers, when
 * the shared collections are there: bench/run.sh on the first 300 wikipedia
 * documents and bench/eval.sh on ADI, each writing its report under the
 * build tree and leaving the published bench/RESULTS.md and bench/EVAL.md
 * alone.  No timing is checked.
 */
#include <jansson.h>
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

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-bench-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/q.tsv", tmpdir);
    /* 3 is only stop words (answered: nothing else is left), 4 has no word
     * at all (spasm refuses it: "failed") */
    static const char q[] = "1\tnight calf cramps\n2\trenal colic\n3\tthe of\n4\t!!! ...\n";
    write_file(path, q, sizeof q - 1);
    snprintf(path, sizeof path, "%s/d.jsonl", tmpdir);
    static const char d[] =
        "{\"id\":\"a\",\"title\":\"Night cramps\",\"text\":\"Calf cramps at night are common.\"}\n"
        "{\"id\":\"b\",\"title\":\"Colic\",\"text\":\"Renal colic is a sharp pain.\"}\n"
        "{\"id\":\"c\",\"title\":\"Sleep\",\"text\":\"Restless legs disturb sleep at night.\"}\n";
    write_file(path, d, sizeof d - 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* The path of a bench program of this build (static buffer). */
static const char *tool(const char *dir, const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s/%s", build_dir(), dir, name);
    return p;
}

/* The JSON summary line (the last line of tmpdir/out) of a harness run:
 * checks the fields bench/run.sh reads and returns it (to json_decref). */
static json_t *summary(const char *engine, int k, int n)
{
    char path[512];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/out", tmpdir);
    char *out = slurp(path, &len);
    assert_non_null(out);
    while (len && out[len - 1] == '\n') out[--len] = 0;
    char *last = strrchr(out, '\n');
    last = last ? last + 1 : out;
    json_error_t err;
    json_t *j = json_loads(last, 0, &err);
    if (!j) fail_msg("no JSON summary line from %s: \"%s\" (%s)", engine, last, err.text);
    assert_string_equal(json_string_value(json_object_get(j, "engine")), engine);
    assert_int_equal(json_integer_value(json_object_get(j, "k")), k);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), n);
    static const char *num[] = {"mean_ms", "p50_ms", "p90_ms",  "p99_ms",
                                "max_ms",  "qps",    "total_s", "mean_hits"};
    for (size_t i = 0; i < sizeof num / sizeof *num; i++)
        if (!json_is_number(json_object_get(j, num[i]))) fail_msg("%s: no %s", engine, num[i]);
    assert_true(json_is_integer(json_object_get(j, "zero_hits")));
    assert_true(json_is_integer(json_object_get(j, "failed")));
    free(out);
    return j;
}

/* The run file holds "qid Q0 doc 1 ..." for query qid's top hit. */
static void top_hit(const char *runfile, const char *qid, const char *doc)
{
    assert_int_equal(run("grep -q '^%s Q0 %s 1 ' %s", qid, doc, runfile), 0);
}

/* spasm_bench on the corpus index: plain top-k, folding, every field,
 * passages, stop words kept, other BM25 parameters, untimed warm-up
 * passes first (counted once: failed and zero_hits stay 1). */
static void test_spasm_bench(void **state)
{
    (void)state;
    static const char *modes[] = {
        "--group doc --collapse off",       "--collapse on", "--fields all --group none",
        "--keep-stopwords --bm25 1.2 0.75", "--warmup 2",    ""};
    const char *b = tool("bench", "spasm_bench");
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        if (run("%s query %s/corpus.spx %s/q.tsv 10 --run %s/s.run %s > %s/out", b, build_dir(),
                tmpdir, tmpdir, modes[i], tmpdir) != 0)
            fail_msg("spasm_bench %s failed", modes[i]);
        json_t *j = summary("spasm", 10, 4);
        assert_int_equal(json_integer_value(json_object_get(j, "failed")), 1);
        assert_int_equal(json_integer_value(json_object_get(j, "zero_hits")), 1);
        json_decref(j);
        char rf[512];
        snprintf(rf, sizeof rf, "%s/s.run", tmpdir);
        top_hit(rf, "1", "002_d8b5a69b0f81f7af");
        top_hit(rf, "2", "000_e3e79627db3fc6d1");
    }
    assert_int_equal(run("%s version | grep -q '^spasm-search '", b), 0);
    assert_int_equal(run("%s query 2>/dev/null", b), 2);
    assert_int_equal(
        run("%s query %s/corpus.spx %s/q.tsv 10 --bogus 2>/dev/null", b, build_dir(), tmpdir), 2);
    assert_int_equal(
        run("%s query %s/corpus.spx %s/q.tsv 10 --warmup x 2>/dev/null", b, build_dir(), tmpdir),
        2);
}

/* bench/pair_cpu.sh: two (binary, index) pairs in turn, 2 rounds (the
 * page cache left alone): a line per run, the medians, the ratio; bad
 * arguments exit 2. */
static void test_pair_cpu(void **state)
{
    (void)state;
    char b[512];
    snprintf(b, sizeof b, "%s/bench", build_dir());
    assert_int_equal(
        run("DROP=0 bench/pair_cpu.sh 2 %s/q.tsv A=%s:%s/corpus.spx B=%s:%s/corpus.spx "
            "> %s/out 2>%s/err",
            tmpdir, b, build_dir(), b, build_dir(), tmpdir, tmpdir),
        0);
    assert_int_equal(
        run("test \"$(grep -c '^[12] [AB] [0-9.]* [0-9.]* [0-9.]*$' %s/out)\" = 4", tmpdir), 0);
    assert_int_equal(run("grep -q '^B: p50 [0-9.]* mean' %s/out", tmpdir), 0);
    assert_int_equal(run("grep -q '^B / A, p50: [0-9.]*x' %s/out", tmpdir), 0);
    assert_int_equal(run("bench/pair_cpu.sh 2 %s/q.tsv nocolon 2>/dev/null", tmpdir), 2);
    assert_int_equal(
        run("bench/pair_cpu.sh x %s/q.tsv A=%s:%s/corpus.spx 2>/dev/null", tmpdir, b, build_dir()),
        2);
}

/* codec_bench: the synthetic table and the real lists of the corpus. */
static void test_codec_bench(void **state)
{
    (void)state;
    assert_int_equal(
        run("%s %s/corpus.spx > %s/out", tool("bin", "codec_bench"), build_dir(), tmpdir), 0);
    char path[512];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/out", tmpdir);
    char *out = slurp(path, &n);
    assert_non_null(out);
    assert_non_null(strstr(out, "Synthetic blocks"));
    assert_non_null(strstr(out, "\n    20 ")); /* the last bit width */
    assert_non_null(strstr(out, "Real lists: "));
    assert_non_null(strstr(out, "million integers/s (passage + tf per posting)"));
    free(out);
}

/* dump_passages (bench/judged.sh --passages): 66 named passages. */
static void test_dump_passages(void **state)
{
    (void)state;
    assert_int_equal(run("test \"$(%s %s/corpus.spx | grep -c '^== [0-9a-f_]*#[0-9]')\" = 66",
                         tool("bench", "dump_passages"), build_dir()),
                     0);
}

static void file_has(const char *path, const char *what);

/* A peer's harness, when built: index the tiny file, answer the queries. */
static void peer(const char *name, const char *engine, const char *index_opts)
{
    const char *b = tool("bench", name);
    if (access(b, X_OK) != 0) {
        printf("%s not built (its library is not installed): skipped\n", b);
        skip();
    }
    char prog[512];
    snprintf(prog, sizeof prog, "%s", b);
    assert_int_equal(run("rm -rf %s/%s.db && %s index %s/%s.db %s/d.jsonl %s 2>%s/err", tmpdir,
                         engine, prog, tmpdir, engine, tmpdir, index_opts, tmpdir),
                     0);
    assert_int_equal(run("%s query %s/%s.db %s/q.tsv 10 --run %s/%s.run > %s/out", prog, tmpdir,
                         engine, tmpdir, tmpdir, engine, tmpdir),
                     0);
    json_decref(summary(engine, 10, 4));
    char rf[512];
    snprintf(rf, sizeof rf, "%s/%s.run", tmpdir, engine);
    top_hit(rf, "1", "a");
    top_hit(rf, "2", "b");
    assert_int_equal(run("%s version >/dev/null", prog), 0);
    /* the live part's update workload (bench/live.sh): 3 commits, the 3
     * documents deleted */
    assert_int_equal(
        run("%s update %s/%s.db %s/d.jsonl 3 > %s/out", prog, tmpdir, engine, tmpdir, tmpdir), 0);
    char op[512];
    snprintf(op, sizeof op, "%s/out", tmpdir);
    file_has(op, "\"commits\":3,");
    file_has(op, "\"deleted\":3,");
}

/* live_bench on the tiny file: both builds, 12 single-document commits
 * (a merge at the 10th), the 3 documents deleted. */
static void test_live_bench(void **state)
{
    (void)state;
    const char *b = tool("bench", "live_bench");
    assert_int_equal(
        run("mkdir -p %s/lb && %s %s/d.jsonl %s/lb 12 > %s/out", tmpdir, b, tmpdir, tmpdir, tmpdir),
        0);
    char op[512];
    snprintf(op, sizeof op, "%s/out", tmpdir);
    file_has(op, "| one-shot spasm_writer | ");
    file_has(op, "| update path, one batch | ");
    file_has(op, "| 12 single-document commits | ");
    file_has(op, "; 1 merges |");
    file_has(op, "| delete 3 ids, commit | ");
    file_has(op, "; 3 deleted |");
    assert_int_equal(run("%s 2>/dev/null", b), 2);
}

/* bench/live_segments.sh on 40 tiny documents (FIRST=20 and 7 batches: 8 segments;
 * DELETE=1: a deletion in each, which merges the one-document segments
 * away and leaves the first with its deletion): both binaries' rounds and
 * the sorted times printed; without perf it times with bash (FAULTS "-"). */
static void test_live_segments(void **state)
{
    (void)state;
    char b[512];
    snprintf(b, sizeof b, "%s", tool("bin", "spasm-index"));
    assert_int_equal(run("for i in $(seq 1 40); do printf '{\"id\": \"d%%d\", \"text\": "
                         "\"word%%d common calf cramps at night\"}\\n' $i $i; done | "
                         "gzip > %s/ls.jsonl.gz",
                         tmpdir),
                     0);
    assert_int_equal(run("DELETE=1 FIRST=20 bench/live_segments.sh %s/ls.jsonl.gz %s/ls %s %s 2 "
                         "> %s/out 2>%s/err",
                         tmpdir, tmpdir, b, b, tmpdir, tmpdir),
                     0);
    assert_int_equal(run("grep -q 'segments: 8,' %s/out", tmpdir), 0);
    assert_int_equal(run("grep -q '(1 deleted)' %s/out", tmpdir), 0);
    assert_int_equal(
        run("test \"$(grep -c '^[12] \\(before\\|after\\) [0-9.]* ' %s/out)\" = 4", tmpdir), 0);
    assert_int_equal(run("grep -q '^after: [0-9.]* [0-9.]* ms' %s/out", tmpdir), 0);
    assert_int_equal(run("test ! -e %s/ls/run.spx", tmpdir), 0);
    assert_int_equal(run("bench/live_segments.sh 2>/dev/null"), 2);
}

static void test_xapian_bench(void **state)
{
    (void)state;
    peer("xapian_bench", "xapian", "--stem all");
}

static void test_fts5_bench(void **state)
{
    (void)state;
    peer("fts5_bench", "fts5", "");
}

/* Lucene's harness (a JVM: built when javac and liblucene8-java are
 * there): the tiny file on one thread, one warm-up pass, spasm's stop list
 * and BM25 parameters; its copy of the stop list is spasm's. */
static void test_lucene_bench(void **state)
{
    (void)state;
    const char *b = tool("bench", "lucene_bench");
    if (access(b, X_OK) != 0) {
        printf("%s not built (%s): skipped\n", b,
               run("command -v javac >/dev/null") != 0
                   ? "Java is absent: scripts/deps.sh bench installs OpenJDK 17"
                   : "liblucene8-java or libjackson2-core-java is absent: scripts/deps.sh bench");
        skip();
    }
    char prog[512];
    snprintf(prog, sizeof prog, "%s", b);
    assert_int_equal(
        run("%s index %s/lucene.db %s/d.jsonl --threads 1 2>%s/err", prog, tmpdir, tmpdir, tmpdir),
        0);
    assert_int_equal(run("%s query %s/lucene.db %s/q.tsv 10 --warmup 1 --stop spasm --bm25 1.4 0.6 "
                         "--run %s/lucene.run > %s/out",
                         prog, tmpdir, tmpdir, tmpdir, tmpdir),
                     0);
    json_t *j = summary("lucene", 10, 4);
    assert_int_equal(json_integer_value(json_object_get(j, "failed")), 1); /* "!!! ..." */
    json_decref(j);
    char rf[512];
    snprintf(rf, sizeof rf, "%s/lucene.run", tmpdir);
    top_hit(rf, "1", "a");
    top_hit(rf, "2", "b");
    assert_int_equal(run("%s version | grep -q '^Lucene 8'", prog), 0);
    assert_int_equal(run("%s stopwords > %s/stop && sed -n '/^static const char \\*const "
                         "stopwords/,/^};/p' common/analyzer.c | grep -o '\"[a-z]*\"' | tr -d "
                         "'\"' | cmp -s - %s/stop",
                         prog, tmpdir, tmpdir),
                     0);
    assert_int_equal(
        run("%s query %s/lucene.db %s/q.tsv 10 --stop bogus 2>/dev/null", prog, tmpdir, tmpdir), 2);
}

/* Whether the published report at path still has the bytes in *copy
 * (read first when *copy is NULL). */
static int unchanged(const char *path, char **copy, size_t *n)
{
    if (!*copy) return (*copy = slurp(path, n)) != NULL;
    size_t m = 0;
    char *now = slurp(path, &m);
    int same = now && m == *n && memcmp(now, *copy, m) == 0;
    free(now);
    return same;
}

/* Fails unless the file at path holds needle. */
static void file_has(const char *path, const char *needle)
{
    size_t n = 0;
    char *s = slurp(path, &n);
    if (!s) fail_msg("%s was not written", path);
    if (!strstr(s, needle)) fail_msg("%s has no \"%s\"", path, needle);
    free(s);
}

/* bench/run.sh, a small run of every engine that is built: it builds,
 * indexes, queries and writes its report where it is told, into build/
 * otherwise, never over bench/RESULTS.md.  Only against build/ (the
 * driver's own tree) and when the collection and the report's tools exist. */
static void test_bench_driver(void **state)
{
    (void)state;
    if (strcmp(build_dir(), "build") != 0 ||
        access("../shared/bench/wikipedia_en/queries.tsv", R_OK) != 0 ||
        run("command -v python3 jq >/dev/null && test -x /usr/bin/time") != 0) {
        printf("bench/run.sh needs build/, ../shared/bench and python3, jq, time: skipped\n");
        skip();
    }
    char engines[64] = "spasm";
    if (access("build/bench/xapian_bench", X_OK) == 0) strcat(engines, ",xapian");
    if (access("build/bench/fts5_bench", X_OK) == 0) strcat(engines, ",fts5");
    if (access("build/bench/lucene_bench", X_OK) == 0) strcat(engines, ",lucene");
    char *pub = NULL;
    size_t n = 0;
    assert_true(unchanged("bench/RESULTS.md", &pub, &n));
    char report[512];
    snprintf(report, sizeof report, "%s/R.md", tmpdir);
    if (run("unset MAKEFLAGS MFLAGS MAKELEVEL; bench/run.sh --small 300 --engines %s "
            "--long-ks 10 --xapian-stem all --lucene-warmup 0 --queries 50 --live-commits 12 "
            "--out %s > %s/log 2>&1",
            engines, report, tmpdir) != 0) {
        char log[512];
        snprintf(log, sizeof log, "%s/log", tmpdir);
        size_t m = 0;
        char *s = slurp(log, &m);
        fail_msg("bench/run.sh failed:\n%s", s ? s : "");
    }
    file_has(report, "## Summary");
    file_has(report, "| spasm-search | ");
    if (strstr(engines, "xapian")) file_has(report, "| Xapian | ");
    if (strstr(engines, "fts5")) file_has(report, "| SQLite FTS5 | ");
    if (strstr(engines, "lucene")) {
        file_has(report, "| Lucene 8 | ");
        file_has(report,
                 "| spasm-search | Lucene 8 | dropped, both at spasm's BM25 | title | 10 | ");
    }
    file_has(report, "| title | `spasm-search -f`, whole process | ");
    file_has(report, "## Live index (issue 11)");
    file_has(report, "| 12 single-document commits | ");
    /* the folder after the batch that left the most segments (7 of 30
     * documents each: the 8th batch merges them), and its like-for-like base */
    file_has(report, "| 7 batches (7 segments, the most) | ");
    file_has(report, "| one-shot of the 7 batches' documents | ");
    if (strstr(engines, "xapian")) file_has(report, "| xapian | ");
    if (strstr(engines, "fts5")) file_has(report, "| fts5 | ");
    size_t m = 0;
    char *s = slurp(report, &m);
    assert_non_null(s);
    assert_null(strstr(s, "## Failures"));
    free(s);
    assert_true(unchanged("bench/RESULTS.md", &pub, &n));
    free(pub);
}

/* bench/eval.sh on ADI writes BUILD/eval/EVAL.md, not bench/EVAL.md. */
static void test_eval_driver(void **state)
{
    (void)state;
    if (access("../shared/eval/adi/qrels.txt", R_OK) != 0) {
        printf("../shared/eval/adi is not there: skipped\n");
        skip();
    }
    char *pub = NULL;
    size_t n = 0;
    assert_true(unchanged("bench/EVAL.md", &pub, &n));
    char out[512];
    snprintf(out, sizeof out, "%s/eval/EVAL.md", build_dir());
    unlink(out);
    assert_int_equal(
        run("BUILD=%s EVAL_COLLECTIONS=adi bench/eval.sh >/dev/null 2>%s/err", build_dir(), tmpdir),
        0);
    file_has(out, "| adi | 35 | ");
    assert_true(unchanged("bench/EVAL.md", &pub, &n));
    free(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spasm_bench),   cmocka_unit_test(test_codec_bench),
        cmocka_unit_test(test_dump_passages), cmocka_unit_test(test_xapian_bench),
        cmocka_unit_test(test_fts5_bench),    cmocka_unit_test(test_lucene_bench),
        cmocka_unit_test(test_bench_driver),  cmocka_unit_test(test_eval_driver),
        cmocka_unit_test(test_live_bench),    cmocka_unit_test(test_live_segments),
        cmocka_unit_test(test_pair_cpu),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
