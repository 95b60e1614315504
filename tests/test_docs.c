/*
 * test_docs.c -- the documentation tells the truth about the programs:
 * every output README.md shows is what the programs print
 * (scripts/readme-outputs.sh --check), the checker itself catches a
 * drifted block and regenerates it, the options of --help and of the
 * manual pages are the same, and colour follows --color and NO_COLOR as
 * documented (no-color.org: NO_COLOR disables colour when present and not
 * empty), on a real pseudo-terminal, where passages are wrapped to the
 * terminal's width (and nowhere else); every manual page renders with
 * `man -l` without a warning and has the sections a reader looks for.
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
#include <utf8proc.h>

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
    check_help_and_man("spasm-eval");
    check_help_and_man("spasm-inspect");
}

/* ---- every manual page renders ---- */

/* The manual pages of docs/ (sections 1 and 3), NUL-separated, in out. */
static size_t man_pages(char *out, size_t cap)
{
    FILE *f = popen("ls docs/*.1 docs/*.3", "r");
    assert_non_null(f);
    char line[512];
    size_t o = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        assert_true(o + strlen(line) + 2 < cap);
        memcpy(out + o, line, strlen(line) + 1);
        o += strlen(line) + 1;
        n++;
    }
    out[o] = 0;
    pclose(f);
    return n;
}

/* 1 when a line of text is exactly `head` (a section heading as man
 * renders it: at the left margin, alone on its line). */
static int has_heading(const char *text, const char *head)
{
    size_t n = strlen(head);
    for (const char *p = text; (p = strstr(p, head)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n') return 1;
    return 0;
}

/* Every page formats with `man --warnings -l` at 80 columns (exit 0,
 * nothing on stderr), groff -ww finds nothing to say, and the page has
 * NAME, SYNOPSIS, DESCRIPTION and EXAMPLES sections. */
static void test_man_pages_render(void **state)
{
    (void)state;
    static char pages[4096];
    size_t n = man_pages(pages, sizeof pages);
    assert_true(n >= 5); /* spasm-index, -search, -serve, -eval, libspasm(3) */
    static const char *const sections[] = {"NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES"};
    for (const char *p = pages; *p; p += strlen(p) + 1) {
        char out[512], err[512];
        snprintf(out, sizeof out, "%s/page.txt", tmpdir);
        snprintf(err, sizeof err, "%s/page.err", tmpdir);
        int rc = run("MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l %s >%s 2>%s", p, out, err);
        size_t len = 0;
        char *e = slurp(err, &len);
        assert_non_null(e);
        if (rc != 0 || len != 0) fail_msg("man -l %s: exit %d, warnings:\n%s", p, rc, e);
        free(e);
        assert_int_equal(run("groff -ww -z -man %s >%s 2>&1", p, err), 0);
        e = slurp(err, &len);
        assert_non_null(e);
        if (len != 0) fail_msg("groff -ww on %s:\n%s", p, e);
        free(e);
        char *page = slurp(out, &len);
        assert_non_null(page);
        for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
            if (!has_heading(page, sections[i])) fail_msg("%s has no %s section", p, sections[i]);
        free(page);
    }
}

/* The checks above can fail: a page with a bad request warns, and one
 * without EXAMPLES lacks the heading. */
static void test_man_checks_fail(void **state)
{
    (void)state;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/bad.1", tmpdir);
    snprintf(err, sizeof err, "%s/bad.err", tmpdir);
    const char *bad =
        ".TH BAD 1\n.SH NAME\nbad \\- a page\n.SH DESCRIPTION\n\\fBbold \\*[nosuch]\n";
    write_file(path, bad, strlen(bad));
    run("MANWIDTH=80 man --warnings -l %s >/dev/null 2>%s", path, err);
    size_t len = 0;
    char *e = slurp(err, &len);
    assert_non_null(e);
    assert_true(len > 0); /* the undefined string is warned about */
    free(e);
    assert_int_equal(run("MANWIDTH=80 man -l %s >%s 2>/dev/null", path, err), 0);
    char *page = slurp(err, &len);
    assert_non_null(page);
    assert_true(has_heading(page, "NAME"));
    assert_false(has_heading(page, "EXAMPLES"));
    free(page);
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

/* ---- wrapping on a terminal ---- */

/* Runs spasm-search with args (NULL-terminated) with its stdout on a
 * pseudo-terminal and COLUMNS set to columns (NULL: unset); returns what
 * it printed (static), the terminal's "\r\n" turned into "\n". */
static const char *on_pty(const char *columns, const char *const *args)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char slave[256];
    assert_int_equal(ptsname_r(m, slave, sizeof slave), 0);
    char prog[512];
    snprintf(prog, sizeof prog, "%s/bin/spasm-search", build_dir());
    char *argv[32];
    size_t n = 0;
    argv[n++] = prog;
    for (; args[n - 1] && n < 31; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int s = open(slave, O_RDWR | O_NOCTTY);
        if (s < 0) _exit(126);
        dup2(s, 1);
        close(s);
        close(m);
        if (columns)
            setenv("COLUMNS", columns, 1);
        else
            unsetenv("COLUMNS");
        execv(prog, argv);
        _exit(127);
    }
    static char buf[1 << 17];
    size_t len = 0;
    for (;;) { /* until the slave side is closed (EIO) */
        ssize_t r = read(m, buf + len, sizeof buf - 1 - len);
        if (r > 0) {
            len += (size_t)r;
            if (len == sizeof buf - 1) break;
        } else if (!(r < 0 && errno == EINTR)) {
            break;
        }
    }
    buf[len] = 0;
    close(m);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_true(WEXITSTATUS(st) <= 1);
    size_t w = 0;
    for (size_t r = 0; r < len; r++)
        if (!(buf[r] == '\r' && buf[r + 1] == '\n')) buf[w++] = buf[r];
    buf[w] = 0;
    return buf;
}

/* The same command with stdout on a file: its output, malloc'd. */
static char *on_file(const char *const *args)
{
    char cmd[2048], path[512];
    int o = snprintf(cmd, sizeof cmd, "%s/bin/spasm-search", build_dir());
    for (size_t i = 0; args[i]; i++)
        o += snprintf(cmd + o, sizeof cmd - (size_t)o, " '%s'", args[i]);
    snprintf(path, sizeof path, "%s/plain.txt", tmpdir);
    run("COLUMNS=40 %s >%s", cmd, path);
    size_t n = 0;
    char *s = slurp(path, &n);
    assert_non_null(s);
    return s;
}

/* s without its escape sequences, its runs of blanks made one space (malloc'd). */
static char *words_of(const char *s)
{
    char *t = malloc(strlen(s) + 2);
    assert_non_null(t);
    size_t w = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\033') {
            while (s[i] && !(s[i] >= 0x40 && s[i] <= 0x7e && s[i] != '[')) i++;
            if (!s[i]) break;
            continue;
        }
        int blank = s[i] == ' ' || s[i] == '\n';
        if (blank && (w == 0 || t[w - 1] == ' ')) continue;
        t[w++] = blank ? ' ' : s[i];
    }
    t[w] = 0;
    return t;
}

/* Display width of s[0..n), escape sequences excluded. */
static size_t width_of(const char *s, size_t n)
{
    char *t = strndup(s, n);
    char *plain = words_of(t); /* blanks inside a line: one space each */
    size_t w = 0;
    for (size_t i = 0; t[i]; i++) /* count the line's own spaces */
        if (t[i] == ' ') w++;
    for (const char *p = plain; *p;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (k <= 0) break;
        if (cp != ' ') w += (size_t)utf8proc_charwidth(cp);
        p += k;
    }
    free(plain);
    free(t);
    return w;
}

/* Checks the passage lines of out (those after a header, indented by
 * three spaces, "also in" excepted) against width: none is wider than it
 * unless it is one word, each is full (the next line's first word would
 * not have fitted), and continuation lines keep the indent.  Returns the
 * number of continuation lines seen. */
static int check_wrapped(const char *out, size_t width)
{
    int cont = 0;
    const char *line = out, *prev = NULL;
    size_t prevw = 0;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *body = line;
        while (body < line + n && *body == '\033') body += strcspn(body, "m") + 1;
        size_t bn = n - (size_t)(body - line);
        int passage = bn >= 3 && !strncmp(body, "   ", 3) && !memmem(body, bn, "also in:", 8);
        if (passage) {
            size_t w = width_of(line, n);
            const char *word = body + 3;
            size_t wl = strcspn(word, " \n");
            if (w > width && memchr(word, ' ', n - (size_t)(word - line)))
                fail_msg("line wider than %zu (%zu): %.*s", width, w, (int)n, line);
            if (prev) {
                cont++;
                if (prevw + 1 + width_of(word, wl) <= width)
                    fail_msg("line not full (%zu + next word fit in %zu): %.*s", prevw, width,
                             (int)(strchr(prev, '\n') - prev), prev);
            }
            prev = line, prevw = w;
        } else {
            prev = NULL;
        }
        line += n + (nl ? 1 : 0);
    }
    return cont;
}

/* On a terminal, passages wrap to COLUMNS (or the terminal's own width)
 * with a hanging indent; the words and their order do not change. */
static void test_wrap_on_terminal(void **state)
{
    (void)state;
    const char *plain[] = {"-k", "5", "--color=never", "muscle cramps", NULL};
    const char *colour[] = {"-k", "5", "--color=always", "\"renal colic\" kidney muscle", NULL};
    const char *const *cases[] = {plain, colour};
    for (size_t c = 0; c < 2; c++) {
        for (size_t width = 30; width <= 90; width += 30) {
            char cols[16];
            snprintf(cols, sizeof cols, "%zu", width);
            char *got = strdup(on_pty(cols, cases[c]));
            int nc = check_wrapped(got, width);
            if (nc < 5)
                fail_msg("case %zu width %zu: %d continuation lines:\n%s", c, width, nc, got);
            char *want = on_file(cases[c]);
            char *a = words_of(got), *b = words_of(want);
            assert_string_equal(a, b);
            if (c == 1) assert_non_null(strstr(got, "\033[1;31m"));
            free(a), free(b), free(got), free(want);
        }
    }
    /* without COLUMNS: the terminal's own width (a fresh pty says 0: no wrapping) */
    char *got = strdup(on_pty(NULL, plain)), *want = on_file(plain);
    assert_string_equal(got, want);
    free(got), free(want);
}

/* Not on a terminal, or in a machine format, nothing wraps. */
static void test_no_wrap_elsewhere(void **state)
{
    (void)state;
    const char *text[] = {"-k", "3", "--color=never", "muscle cramps", NULL};
    char *file = on_file(text);
    assert_int_equal(check_wrapped(file, 100000), 0); /* one line per passage */
    assert_true(strlen(strstr(file, "\n   ")) > 41);
    free(file);
    const char *json[] = {"-k", "3", "--format", "json", "muscle cramps", NULL};
    char *got = strdup(on_pty("30", json));
    char *want = on_file(json);
    assert_string_equal(got, want);
    free(got), free(want);
}

/* Display widths, not bytes or code points: wide CJK characters take
 * two columns, accented letters one. */
static void test_wrap_display_width(void **state)
{
    (void)state;
    char path[512], ix[512];
    snprintf(path, sizeof path, "%s/wide.jsonl", tmpdir);
    snprintf(ix, sizeof ix, "%s/wide.spx", tmpdir);
    const char *doc = "{\"id\":\"w\",\"text\":\"zebra \u65e5\u672c\u8a9e \u6771\u4eac\u90fd "
                      "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e\u306e\u6587 \u6771\u4eac "
                      "r\u00e9sum\u00e9 \u65e5\u672c \u6771\u4eac\u90fd\u5e81 zebra caf\u00e9 "
                      "\u65e5\u672c\u8a9e \u6771\u4eac\u90fd na\u00efve \u65e5\u672c\u8a9e "
                      "zebra\"}\n";
    write_file(path, doc, strlen(doc));
    assert_int_equal(run("%s/bin/spasm-index -q -o %s %s", build_dir(), ix, path), 0);
    const char *args[] = {"-i", ix, "--color=always", "zebra", NULL};
    for (size_t width = 16; width <= 24; width += 4) {
        char cols[16];
        snprintf(cols, sizeof cols, "%zu", width);
        char *got = strdup(on_pty(cols, args));
        assert_true(check_wrapped(got, width) >= 3);
        char *want = on_file(args);
        char *a = words_of(got), *b = words_of(want);
        assert_string_equal(a, b);
        free(a), free(b), free(got), free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_outputs_current), cmocka_unit_test(test_readme_drift_caught),
        cmocka_unit_test(test_readme_bad_blocks),      cmocka_unit_test(test_collect_options),
        cmocka_unit_test(test_help_matches_man),       cmocka_unit_test(test_no_color),
        cmocka_unit_test(test_man_pages_render),       cmocka_unit_test(test_man_checks_fail),
        cmocka_unit_test(test_wrap_on_terminal),       cmocka_unit_test(test_no_wrap_elsewhere),
        cmocka_unit_test(test_wrap_display_width),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
