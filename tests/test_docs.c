/*
 * test_docs.c -- the documentation tells the truth about the programs:
 * every output README.md shows is what the programs print
 * (scripts/readme-outputs.sh --check), the checker itself catches a
 * drifted block and regenerates it, the options of --help and of the
 * manual pages are the same, and colour follows --color and NO_COLOR as
 * documented (no-color.org: NO_COLOR disables colour when present and not
 * empty), on a real pseudo-terminal.
 */
#include <errno.h>
#include <fcntl.h>
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

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-docs-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

/* Runs scripts/readme-outputs.sh with args against this build; returns its
 * exit status, its output (stdout and stderr) left in tmpdir/out. */
static int readme_outputs(const char *args)
{
    return run("BUILD=%s scripts/readme-outputs.sh %s >%s/out 2>&1", build_dir(), args, tmpdir);
}

/* The output left by readme_outputs(), for failure messages (static). */
static const char *last_output(void)
{
    static char msg[4096];
    char path[512];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/out", tmpdir);
    char *s = slurp(path, &n);
    snprintf(msg, sizeof msg, "%s", s ? s : "(no output)");
    free(s);
    return msg;
}

/* ---- README.md's shown outputs ---- */

/* Every marked block of README.md is what the programs print now. */
static void test_readme_outputs_current(void **state)
{
    (void)state;
    if (readme_outputs("--check README.md") != 0)
        fail_msg("README.md's shown outputs are stale (run make readme):\n%s", last_output());
    assert_non_null(strstr(last_output(), "blocks, as the programs print them"));
}

/* A drifted line in a shown output fails the check; regenerating restores
 * README.md exactly. */
static void test_readme_drift_caught(void **state)
{
    (void)state;
    size_t n = 0;
    char *readme = slurp("README.md", &n);
    assert_non_null(readme);
    char *marker = strstr(readme, "<!-- output: ");
    assert_non_null(marker);
    char *cmdline = strstr(marker, "\n    $ ");
    assert_non_null(cmdline);
    char *next = strchr(cmdline + 1, '\n'); /* the end of the "$ ..." line */
    assert_non_null(next);
    next++;
    const char *bad = "    1. doc  passage 1  score 0.9000\n";
    char path[512];
    snprintf(path, sizeof path, "%s/R.md", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(readme, 1, (size_t)(next - readme), f);
    fputs(bad, f);
    fwrite(next, 1, n - (size_t)(next - readme), f);
    fclose(f);

    char args[600];
    snprintf(args, sizeof args, "--check %s", path);
    assert_int_equal(readme_outputs(args), 1);
    assert_non_null(strstr(last_output(), "score 0.9000"));
    assert_non_null(strstr(last_output(), "make readme"));

    assert_int_equal(readme_outputs(path), 0); /* regenerate */
    assert_non_null(strstr(last_output(), "rewritten"));
    size_t m = 0;
    char *fixed = slurp(path, &m);
    assert_non_null(fixed);
    assert_int_equal(m, n);
    assert_memory_equal(fixed, readme, n);
    assert_int_equal(readme_outputs(args), 0);
    free(fixed);
    free(readme);
}

/* Malformed markers and failing commands are errors (exit 2), never
 * written into the file. */
static void test_readme_bad_blocks(void **state)
{
    (void)state;
    static const char *cases[] = {
        "x\n<!-- output: build/bin/spasm-search calf -->\n", /* no end */
        "x\n<!-- end -->\n",                                 /* no opening */
        "<!-- output: build/bin/spasm-search -i /nonexistent.spx calf -->\n<!-- end -->\n",
        "<!-- table: no/such/file.md -->\n<!-- end -->\n",
    };
    char path[512], args[600];
    snprintf(path, sizeof path, "%s/bad.md", tmpdir);
    snprintf(args, sizeof args, "%s", path);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_file(path, cases[i], strlen(cases[i]));
        if (readme_outputs(args) != 2) fail_msg("case %zu: %s", i, last_output());
        size_t n = 0;
        char *s = slurp(path, &n);
        assert_non_null(s);
        assert_string_equal(s, cases[i]); /* untouched */
        free(s);
    }
}

/* ---- --help against the manual pages ---- */

/* Collects the options ("-x", "--name") named in text into a list of
 * NUL-separated names in out; a man page's "\-" is read as "-". An option
 * starts after a space, a comma, "(", "[", "|" or a font escape. */
static void collect_options(const char *text, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    char *t = strdup(text);
    assert_non_null(t);
    size_t w = 0;
    for (size_t r = 0; t[r]; r++) { /* unescape \- */
        if (t[r] == '\\' && t[r + 1] == '-') r++;
        t[w++] = t[r];
    }
    t[w] = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] != '-') continue;
        char p = i ? t[i - 1] : ' ';
        if (!strchr(" ,([|\nBRI", p)) continue; /* BRI: \fB, .BR, \fI */
        size_t j = i + 1, dashes = 1;
        if (t[j] == '-') j++, dashes = 2;
        size_t s = j;
        while ((t[j] >= 'a' && t[j] <= 'z') || (t[j] >= 'A' && t[j] <= 'Z') ||
               (t[j] >= '0' && t[j] <= '9') || (dashes == 2 && t[j] == '-' && t[j + 1] != '-'))
            j++;
        if (j == s || (dashes == 1 && j - s != 1)) continue; /* "-menstrual", "- " */
        if (dashes == 2 && j - s < 2) continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(j - i), t + i);
        int seen = 0;
        for (size_t k = 0; k < o; k += strlen(out + k) + 1)
            if (!strcmp(out + k, name)) seen = 1;
        if (!seen && o + strlen(name) + 2 < cap) {
            memcpy(out + o, name, strlen(name) + 1);
            o += strlen(name) + 1;
            out[o] = 0;
        }
        i = j - 1;
    }
    free(t);
}

/* Fails with the options named in a but not in b. */
static void all_in(const char *a, const char *b, const char *what)
{
    for (size_t k = 0; a[k]; k += strlen(a + k) + 1) {
        int found = 0;
        for (size_t m = 0; b[m]; m += strlen(b + m) + 1)
            if (!strcmp(a + k, b + m)) found = 1;
        if (!found) fail_msg("%s: %s", what, a + k);
    }
}

/* Every option of `PROG --help` is in docs/PROG.1 and the other way round. */
static void check_help_and_man(const char *prog)
{
    char cmd[512], path[512];
    snprintf(path, sizeof path, "%s/help.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "%s/bin/%s --help", build_dir(), prog);
    assert_int_equal(run("%s > %s", cmd, path), 0);
    size_t n = 0;
    char *help = slurp(path, &n);
    snprintf(path, sizeof path, "docs/%s.1", prog);
    char *man = slurp(path, &n);
    assert_non_null(help);
    assert_non_null(man);
    /* the man page's OPTIONS section: its EXAMPLES may name other programs' */
    char *sec = strstr(man, "\n.SH OPTIONS");
    assert_non_null(sec);
    char *end = strstr(sec + 1, "\n.SH ");
    if (end) *end = 0;
    static char ho[8192], mo[8192];
    collect_options(help, ho, sizeof ho);
    collect_options(sec, mo, sizeof mo);
    assert_true(strlen(ho) > 0);
    snprintf(cmd, sizeof cmd, "%s --help names an option that docs/%s.1 does not", prog, prog);
    all_in(ho, mo, cmd);
    snprintf(cmd, sizeof cmd, "docs/%s.1 names an option that %s --help does not", prog, prog);
    all_in(mo, ho, cmd);
    free(help);
    free(man);
}

static void test_help_matches_man(void **state)
{
    (void)state;
    check_help_and_man("spasm-search");
    check_help_and_man("spasm-index");
    check_help_and_man("spasm-serve");
    check_help_and_man("spasm-inspect");
}

/* The option collector itself: it finds options and skips query words. */
static void test_collect_options(void **state)
{
    (void)state;
    static char o[256];
    collect_options("  -k, --top N  +magnesium -menstrual \\fB\\-\\-no\\-collapse\\fR sit-ups", o,
                    sizeof o);
    const char *want[] = {"-k", "--top", "--no-collapse"};
    size_t k = 0, i = 0;
    for (; o[k]; k += strlen(o + k) + 1, i++) {
        assert_true(i < 3);
        assert_string_equal(o + k, want[i]);
    }
    assert_int_equal(i, 3);
}

/* ---- colour on a terminal ---- */

/* Runs spasm-search -k 1 COLOR_OPT "night calf cramps" with its stdout on a
 * pseudo-terminal and NO_COLOR set to no_color (NULL: unset); returns 1
 * when what it printed holds an escape sequence, 0 when not. */
static int prints_colour(const char *no_color, const char *color_opt)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char slave[256];
    assert_int_equal(ptsname_r(m, slave, sizeof slave), 0);
    char prog[512];
    snprintf(prog, sizeof prog, "%s/bin/spasm-search", build_dir());
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int s = open(slave, O_RDWR | O_NOCTTY);
        int null = open("/dev/null", O_WRONLY);
        if (s < 0 || null < 0) _exit(126);
        dup2(s, 1);
        dup2(null, 2);
        close(s);
        close(null);
        close(m);
        if (no_color)
            setenv("NO_COLOR", no_color, 1);
        else
            unsetenv("NO_COLOR");
        execl(prog, prog, "-k", "1", color_opt, "night calf cramps", (char *)NULL);
        _exit(127);
    }
    static char buf[65536];
    size_t n = 0;
    for (;;) { /* until the slave side is closed (EIO) */
        ssize_t r = read(m, buf + n, sizeof buf - 1 - n);
        if (r > 0) {
            n += (size_t)r;
            if (n == sizeof buf - 1) break;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    buf[n] = 0;
    close(m);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_non_null(strstr(buf, "passage 17")); /* it did answer */
    return strchr(buf, '\033') != NULL;
}

static void test_no_color(void **state)
{
    (void)state;
    assert_int_equal(prints_colour(NULL, "--color=auto"), 1);
    assert_int_equal(prints_colour("", "--color=auto"), 1); /* set but empty: colour */
    assert_int_equal(prints_colour("1", "--color=auto"), 0);
    assert_int_equal(prints_colour("0", "--color=auto"), 0); /* any non-empty value */
    assert_int_equal(prints_colour("1", "--color=always"), 1);
    assert_int_equal(prints_colour(NULL, "--color=never"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_outputs_current), cmocka_unit_test(test_readme_drift_caught),
        cmocka_unit_test(test_readme_bad_blocks),      cmocka_unit_test(test_collect_options),
        cmocka_unit_test(test_help_matches_man),       cmocka_unit_test(test_no_color),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
