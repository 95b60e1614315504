/*
 * test_completion.c -- completion/spasm.bash completes what the programs
 * accept: the options their --help lists, and for each option that takes
 * a value (a capitalised word after it in --help) a completion that the
 * program then accepts (or a file name, or nothing for a free value), so
 * that an option added to a program without a value completion is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-compl-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* Complete `words` (the last one under the cursor) for a program of
 * build/bin with completion/spasm.bash; the candidates, one per line, in a
 * static buffer ("" for none). */
static const char *complete(const char *words)
{
    static char out[8192];
    char path[512];
    snprintf(path, sizeof path, "%s/compl", tmpdir);
    int rc = run("PATH=%s/bin:$PATH bash -c '. completion/spasm.bash; COMP_WORDS=(%s); "
                 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _spasm; "
                 "printf \"%%s\\n\" \"${COMPREPLY[@]}\"' >%s 2>&1",
                 build_dir(), words, path);
    assert_int_equal(rc, 0);
    size_t n = 0;
    char *s = slurp(path, &n);
    assert_non_null(s);
    snprintf(out, sizeof out, "%s", s);
    free(s);
    return out;
}

/* 1 when line `word` is among the newline-separated candidates. */
static int has_line(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p++)
        if ((p == list || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0)) return 1;
    return 0;
}

/* Every option that `prog --help` lists completes from "-"; it lists at
 * least `least`. */
static void check_options(const char *prog, int least)
{
    char cmd[600], words[64];
    snprintf(words, sizeof words, "%s -", prog);
    const char *got = complete(words);
    snprintf(cmd, sizeof cmd,
             "%s/bin/%s --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*$//' "
             "| grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9-]*'",
             build_dir(), prog);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!has_line(got, line)) fail_msg("%s: %s is not completed (got:\n%s)", prog, line, got);
        n++;
    }
    pclose(f);
    assert_true(n >= least);
}

static void test_options(void **state)
{
    (void)state;
    check_options("spasm-search", 10);
    check_options("spasm-index", 10);
    check_options("spasm-serve", 10);
    check_options("spasm-eval", 3); /* -q, -h, --help */
}

/* The fixed values offered after an option are the ones the program takes. */
static void test_values_accepted(void **state)
{
    (void)state;
    static const char *const opts[] = {"--format", "--color"};
    for (size_t i = 0; i < 2; i++) {
        char words[64];
        snprintf(words, sizeof words, "spasm-search %s \"\"", opts[i]);
        char list[8192];
        snprintf(list, sizeof list, "%s", complete(words));
        int n = 0;
        for (char *v = strtok(list, "\n"); v; v = strtok(NULL, "\n"), n++) {
            int rc =
                run("%s/bin/spasm-search %s %s cramp >/dev/null 2>&1", build_dir(), opts[i], v);
            if (rc != 0 && rc != 1) fail_msg("spasm-search %s %s exits %d", opts[i], v, rc);
        }
        assert_true(n >= 3);
    }
    assert_true(has_line(complete("spasm-search --group \"\""), "doc"));
    const char *sf = complete("spasm-index --stdin-format \"\"");
    assert_true(has_line(sf, "jsonl") && has_line(sf, "text") && has_line(sf, "auto"));
    /* a wrong value is refused, so the acceptance above means something */
    assert_int_equal(run("%s/bin/spasm-search --format nope cramp >/dev/null 2>&1", build_dir()),
                     2);
}

/* Every option that takes a value (an upper-case word after it in --help)
 * has a case in the completion's value switch. */
static void test_every_value_option_handled(void **state)
{
    (void)state;
    size_t n = 0;
    char *src = slurp("completion/spasm.bash", &n);
    assert_non_null(src);
    static const char *const progs[] = {"spasm-search", "spasm-index", "spasm-serve",
                                        "spasm-inspect"};
    for (size_t i = 0; i < 4; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "%s/bin/%s --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*$//' "
                 "| grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9-]* [A-Z][A-Z0-9]*' | cut -d' ' -f1",
                 build_dir(), progs[i]);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        char line[256];
        int m = 0;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            char pat[300];
            int found = 0;
            const char *seps[] = {" | ", ")", " |"};
            for (size_t s = 0; s < 3 && !found; s++) {
                snprintf(pat, sizeof pat, "%s%s", line, seps[s]);
                found = strstr(src, pat) != NULL;
            }
            if (!found) fail_msg("%s: %s takes a value the completion ignores", progs[i], line);
            m++;
        }
        pclose(f);
        assert_true(m >= (i == 3 ? 3 : 4)); /* spasm-inspect: --doc, --term, --limit */
    }
    free(src);
}

/* File names complete after -i and for spasm-index's inputs. */
static void test_files(void **state)
{
    (void)state;
    char words[600];
    run("mkdir -p %s/dir && touch %s/dir/notes.jsonl", tmpdir, tmpdir);
    snprintf(words, sizeof words, "spasm-search -i %s/dir/no", tmpdir);
    assert_non_null(strstr(complete(words), "notes.jsonl"));
    snprintf(words, sizeof words, "spasm-index -o x.spx %s/dir/no", tmpdir);
    assert_non_null(strstr(complete(words), "notes.jsonl"));
    snprintf(words, sizeof words, "spasm-eval -q %s/dir/no", tmpdir); /* QRELS RUN */
    assert_non_null(strstr(complete(words), "notes.jsonl"));
}

/* spasm-eval takes no option with a value: a test of the value switch
 * would have nothing to check, so check that its --help says so. */
static void test_eval_has_no_value_options(void **state)
{
    (void)state;
    assert_int_equal(run("%s/bin/spasm-eval --help | grep -E '^ +-' | sed -E 's/  .*$//' "
                         "| grep -qE -- '-[A-Za-z0-9-]+ [A-Z]'",
                         build_dir()),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_values_accepted),
        cmocka_unit_test(test_every_value_option_handled),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_eval_has_no_value_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
