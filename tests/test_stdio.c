/*
 * test_stdio.c -- spasm-search's two batch modes and an index changed
 * under a running reader (issue 10, findings 9 and 12).
 *
 * --stdio and -f read lines alike (qid<TAB>query or a bare query, blank
 * lines and # comments skipped, CRLF) and print alike in every format;
 * --stdio only adds an empty line after each answer.  An error is
 * reported once: in JSON a {"qid","line","error"} line on stdout, in text
 * and TREC one line on stderr with the line number.  An index truncated or
 * rewritten in place under a running spasm-search --stdio gives an error
 * line and exit status 2 (the library's check), and a SIGBUS, which a
 * truncation racing a read would raise, one line naming the index and exit
 * status 2 (the CLI's handler).  In the library every call that reads the
 * index says SPASM_ECORRUPT after such a change.  Uses only the public
 * header.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
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

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a child that stopped reading is an EPIPE */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-stdio-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The number of lines of s that contain needle (all lines for ""). */
static int count_lines(const char *s, const char *needle)
{
    int n = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char *line = strndup(s, len);
        assert_non_null(line);
        if (strstr(line, needle)) n++;
        free(line);
        s += len + (nl ? 1 : 0);
    }
    return n;
}

/* The number of empty lines of s. */
static int count_empty(const char *s)
{
    int n = s[0] == '\n';
    for (const char *p = s; (p = strstr(p, "\n\n")); p++) n++;
    return n;
}

/* s without its empty lines (malloc'd). */
static char *drop_empty(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    assert_non_null(o);
    for (const char *p = s; *p; p++)
        if (!(*p == '\n' && (p == s || p[-1] == '\n'))) *q++ = *p;
    *q = 0;
    return o;
}

/* The file tmpdir/name (NUL-terminated, malloc'd; the test fails if absent). */
static char *read_tmp(const char *name)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    size_t n;
    char *s = slurp(path, &n);
    if (!s) fail_msg("cannot read %s", path);
    return s;
}

/* ---- --stdio against -f ---- */

/*
 * A batch with comments (one indented), blank lines (one of spaces), a
 * CRLF line, bare queries, qid<TAB>query lines, a bad query id and a
 * query with nothing to search: 6 lines are answered (lines 4 to 9), two
 * of them errors (lines 7 and 8), one with no result (line 9).
 */
static const char batch[] = "# a comment\n"
                            "\n"
                            "   \n"
                            "renal colic\r\n"
                            "q1\tnight calf cramps\n"
                            "q2\tmagnesium\n"
                            "bad id\tcramp\n"
                            "q3\t!!!\n"
                            "zebra\n"
                            "  # an indented comment\n";

static void test_stdio_same_as_file(void **state)
{
    (void)state;
    const char *b = build_dir();
    char qpath[320];
    snprintf(qpath, sizeof qpath, "%s/q.txt", tmpdir);
    write_file(qpath, batch, sizeof batch - 1);
    const char *fmts[] = {"json", "trec", "text"};
    for (size_t f = 0; f < 3; f++) {
        const char *fm = fmts[f];
        int st = run("%s/bin/spasm-search -i %s/corpus.spx -k 3 --format %s -f - < %s"
                     " > %s/f.out 2> %s/f.err",
                     b, b, fm, qpath, tmpdir, tmpdir);
        assert_int_equal(st, 0);
        st = run("%s/bin/spasm-search -i %s/corpus.spx -k 3 --format %s --stdio < %s"
                 " > %s/s.out 2> %s/s.err",
                 b, b, fm, qpath, tmpdir, tmpdir);
        assert_int_equal(st, 0);
        /* a named file reads the same, under its own name */
        st = run("%s/bin/spasm-search -i %s/corpus.spx -k 3 --format %s -f %s > %s/n.out"
                 " 2> %s/n.err",
                 b, b, fm, qpath, tmpdir, tmpdir);
        assert_int_equal(st, 0);
        char *fo = read_tmp("f.out"), *fe = read_tmp("f.err");
        char *so = read_tmp("s.out"), *se = read_tmp("s.err");
        char *no = read_tmp("n.out"), *ne = read_tmp("n.err");
        assert_string_equal(no, fo);
        /* the same messages, on the same stream */
        assert_string_equal(se, fe);
        assert_int_equal(count_lines(ne, "q.txt:"), count_lines(fe, "stdin:"));
        /* the same answers; --stdio adds one empty line after each */
        char *fd = drop_empty(fo), *sd = drop_empty(so);
        assert_string_equal(sd, fd);
        assert_int_equal(count_empty(so), count_empty(fo) + 6);
        if (f < 2) { /* json and trec: answers are delimited by the empty lines */
            assert_int_equal(count_empty(fo), 0);
            assert_true(so[strlen(so) - 1] == '\n' && strlen(so) > 2 &&
                        strcmp(so + strlen(so) - 2, "\n\n") == 0);
        }
        if (f == 0) { /* json: each error once, on stdout, with its line */
            assert_string_equal(fe, "");
            assert_int_equal(count_lines(so, "\"error\""), 2);
            assert_int_equal(
                count_lines(so, "\"qid\":\"bad id\",\"line\":7,\"error\":\"bad query id"), 1);
            assert_int_equal(count_lines(so, "\"qid\":\"q3\",\"line\":8,\"error\":\"query"), 1);
            /* bare queries have their line number as qid; qids as given */
            assert_true(count_lines(so, "\"qid\":\"4\",\"rank\":1,") == 1);
            assert_true(count_lines(so, "\"qid\":\"q1\",\"rank\":") > 0);
            assert_int_equal(count_lines(so, "\"qid\":\"9\""), 0);
            assert_int_equal(count_lines(so, "comment"), 0);
        } else { /* text and trec: each error once, on stderr, with its line */
            assert_int_equal(count_lines(fe, ""), 2);
            assert_int_equal(count_lines(fe, "spasm-search: stdin:7: bad query id \"bad id\""), 1);
            assert_int_equal(count_lines(fe, "spasm-search: stdin:8: query"), 1);
            assert_int_equal(count_lines(so, "error"), 0);
        }
        if (f == 1) { /* trec: every --format is honoured by --stdio */
            assert_true(count_lines(so, "4 Q0 ") > 0);
            assert_true(count_lines(so, "q2 Q0 ") > 0);
            assert_int_equal(count_lines(so, "{"), 0);
        }
        free(fd);
        free(sd);
        free(fo);
        free(fe);
        free(so);
        free(se);
        free(no);
        free(ne);
    }
    /* without --format, --stdio still answers in JSON Lines */
    assert_int_equal(run("printf 'renal colic\\n' | %s/bin/spasm-search -i %s/corpus.spx --stdio"
                         " | head -1 | grep -q '^{\"qid\":\"1\",\"rank\":1,'",
                         b, b),
                     0);
    /* exit status: 1 when no query found anything, and -f excludes --stdio */
    assert_int_equal(run("printf 'zebra\\n\\n# x\\n' | %s/bin/spasm-search -i %s/corpus.spx --stdio"
                         " > /dev/null",
                         b, b),
                     1);
    assert_int_equal(
        run("%s/bin/spasm-search -i %s/corpus.spx --stdio -f %s 2>/dev/null", b, b, qpath), 2);
}

/* ---- an index changed under a running spasm-search --stdio ---- */

/* A child process with pipes to its stdin, stdout and stderr. */
typedef struct child {
    pid_t pid;
    int in, out, err;
    char buf[65536]; /* what stdout gave so far */
    size_t n;
    char ebuf[4096]; /* what stderr gave so far */
    size_t en;
} child;

/* Start argv[0] with argv, its standard streams piped to c. */
static void child_start(child *c, char *const argv[])
{
    int pin[2], pout[2], perr[2];
    assert_int_equal(pipe(pin), 0);
    assert_int_equal(pipe(pout), 0);
    assert_int_equal(pipe(perr), 0);
    memset(c, 0, sizeof *c);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        for (int i = 0; i < 2; i++) {
            close(pin[i]);
            close(pout[i]);
            close(perr[i]);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    c->in = pin[1];
    c->out = pout[0];
    c->err = perr[0];
}

/* Read what the child writes until stdout holds `until` (NULL: until both
 * streams end).  A bound against a hung child, not a timing assertion:
 * the test fails only after 120 s without any output.  Returns 1 when
 * found (or at the end). */
static int child_read(child *c, const char *until)
{
    for (;;) {
        c->buf[c->n] = 0;
        c->ebuf[c->en] = 0;
        if (until && strstr(c->buf, until)) return 1;
        struct pollfd p[2] = {{c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
        int nfd = 0;
        if (c->out >= 0) nfd++;
        if (c->err >= 0) nfd++;
        if (nfd == 0) return until == NULL;
        struct pollfd q[2];
        int k = 0;
        if (c->out >= 0) q[k++] = p[0];
        if (c->err >= 0) q[k++] = p[1];
        int r = poll(q, (nfds_t)k, 120000);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) fail_msg("no output from spasm-search for 120 s (stdout: %s)", c->buf);
        for (int i = 0; i < k; i++) {
            if (!(q[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int is_out = q[i].fd == c->out;
            char *dst = is_out ? c->buf + c->n : c->ebuf + c->en;
            size_t room = is_out ? sizeof c->buf - 1 - c->n : sizeof c->ebuf - 1 - c->en;
            if (room == 0) fail_msg("too much output");
            ssize_t got = read(q[i].fd, dst, room);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                close(q[i].fd);
                if (is_out)
                    c->out = -1;
                else
                    c->err = -1;
            } else if (is_out) {
                c->n += (size_t)got;
            } else {
                c->en += (size_t)got;
            }
        }
    }
}

/* Send one line to the child; 0, or -1 when it has stopped reading
 * (SIGPIPE is ignored, see setup). */
static int child_send(child *c, const char *line)
{
    size_t len = strlen(line);
    return write(c->in, line, len) == (ssize_t)len ? 0 : -1;
}

/* Close the child's stdin, read to the end and return its wait status. */
static int child_finish(child *c)
{
    if (c->in >= 0) close(c->in);
    c->in = -1;
    child_read(c, NULL);
    int st;
    assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
    return st;
}

/* Copy the corpus index to tmpdir/name, path into out. */
static void copy_index(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
    assert_int_equal(run("cp %s/corpus.spx %s", build_dir(), out), 0);
}

/* spasm-search --stdio (in format fmt) on the index at path, started in c. */
static void start_search(child *c, const char *path, const char *fmt)
{
    char bin[300];
    snprintf(bin, sizeof bin, "%s/bin/spasm-search", build_dir());
    char *argv[] = {bin, "-i", (char *)path, "-k", "2", "--format", (char *)fmt, "--stdio", NULL};
    child_start(c, argv);
}

static void test_stdio_index_truncated(void **state)
{
    (void)state;
    static child c;
    char path[320];
    const char *fmts[] = {"json", "trec"};
    for (int f = 0; f < 2; f++) {
        copy_index("t.spx", path, sizeof path);
        start_search(&c, path, fmts[f]);
        assert_int_equal(child_send(&c, "renal colic\n"), 0);
        assert_true(child_read(&c, "\n\n"));
        assert_non_null(strstr(c.buf, f == 0 ? "\"qid\":\"1\",\"rank\":1" : "1 Q0 "));
        /* another program truncates the file in place (not a rename) */
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(truncate(path, st.st_size / 2), 0);
        assert_int_equal(child_send(&c, "night calf cramps\n"), 0);
        child_send(&c, "magnesium\n"); /* never answered: the run stops */
        int ws = child_finish(&c);
        if (!WIFEXITED(ws)) fail_msg("spasm-search did not exit (signal %d)", WTERMSIG(ws));
        assert_int_equal(WEXITSTATUS(ws), 2);
        const char *msg = f == 0 ? c.buf : c.ebuf;
        assert_non_null(strstr(msg, "t.spx: the index file changed size under the reader"));
        if (f == 0) {
            assert_int_equal(count_lines(c.buf, "\"qid\":\"2\",\"line\":2,\"error\":"), 1);
            assert_int_equal(c.en, 0); /* said once */
        } else {
            assert_int_equal(count_lines(c.ebuf, "spasm-search: stdin:2: "), 1);
            assert_int_equal(count_lines(c.ebuf, ""), 1);
        }
        assert_null(strstr(c.buf, "\"qid\":\"3\""));
    }
    /* rewritten in place at the same size: the modification time tells */
    copy_index("m.spx", path, sizeof path);
    start_search(&c, path, "json");
    assert_int_equal(child_send(&c, "renal colic\n"), 0);
    assert_true(child_read(&c, "\n\n"));
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    assert_int_equal(child_send(&c, "renal colic\n"), 0);
    int ws = child_finish(&c);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 2);
    assert_non_null(strstr(c.buf, "m.spx: the index file was modified in place"));
    /* replaced by a rename, as spasm-index does: the reader goes on */
    copy_index("r.spx", path, sizeof path);
    start_search(&c, path, "json");
    assert_int_equal(child_send(&c, "renal colic\n"), 0);
    assert_true(child_read(&c, "\n\n"));
    assert_int_equal(run("cp %s %s.new && mv %s.new %s", path, path, path, path), 0);
    assert_int_equal(child_send(&c, "renal colic\n"), 0);
    ws = child_finish(&c);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_int_equal(count_lines(c.buf, "\"error\""), 0);
    assert_int_equal(count_lines(c.buf, "\"qid\":\"2\",\"rank\":1"), 1);
}

/* A SIGBUS (what a truncation racing a read raises) is one line naming the
 * index and exit status 2, not a crash. */
static void test_sigbus_is_an_error(void **state)
{
    (void)state;
    static child c;
    char path[320];
    copy_index("bus.spx", path, sizeof path);
    start_search(&c, path, "json");
    assert_int_equal(child_send(&c, "renal colic\n"), 0);
    assert_true(child_read(&c, "\n\n"));
    assert_int_equal(kill(c.pid, SIGBUS), 0);
    int ws = child_finish(&c);
    if (!WIFEXITED(ws)) fail_msg("spasm-search died of signal %d", WTERMSIG(ws));
    assert_int_equal(WEXITSTATUS(ws), 2);
    assert_int_equal(count_lines(c.ebuf, ""), 1);
    assert_non_null(strstr(c.ebuf, "spasm-search: "));
    assert_non_null(strstr(c.ebuf, "bus.spx: the index file changed under the reader"));
}

/* ---- the library ---- */

/* Every call that reads the index is SPASM_ECORRUPT with message needle. */
static void expect_all_refuse(spasm_index *ix, spasm_searcher *s, const char *needle)
{
    spasm_results *r;
    uint64_t n;
    uint32_t d, first, count;
    assert_int_equal(spasm_search(s, "renal colic", NULL, &r), SPASM_ECORRUPT);
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), needle));
    assert_int_equal(spasm_count(s, "renal colic", &n), SPASM_ECORRUPT);
    assert_int_equal(spasm_get_passage(s, 0, &r), SPASM_ECORRUPT);
    assert_int_equal(spasm_find_doc(s, "x", &d), SPASM_ECORRUPT);
    assert_int_equal(spasm_doc_passages(s, 0, &first, &count), SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_searcher_errmsg(s), needle));
    assert_int_equal(spasm_index_verify(ix), SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_index_errmsg(ix), needle));
}

static void test_library_detects_changes(void **state)
{
    (void)state;
    char path[320];
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r;
    /* truncated */
    copy_index("lib.spx", path, sizeof path);
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(spasm_search(s, "renal colic", NULL, &r), SPASM_OK);
    spasm_results_free(r);
    assert_int_equal(truncate(path, 4096), 0);
    expect_all_refuse(ix, s, "the index file changed size under the reader");
    assert_non_null(strstr(spasm_searcher_errmsg(s), "lib.spx"));
    spasm_searcher_free(s);
    spasm_close(ix);
    /* the same size, other bytes: the modification time changed */
    copy_index("lib2.spx", path, sizeof path);
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    expect_all_refuse(ix, s, "modified in place");
    spasm_searcher_free(s);
    spasm_close(ix);
    /* replaced by a rename: the open index still reads its own file */
    copy_index("lib3.spx", path, sizeof path);
    assert_int_equal(spasm_open(&ix, path, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(
        run("cp %s %s.new && touch -d @1000 %s.new && mv %s.new %s", path, path, path, path, path),
        0);
    assert_int_equal(spasm_search(s, "renal colic", NULL, &r), SPASM_OK);
    assert_true(spasm_results_count(r) > 0);
    spasm_results_free(r);
    assert_int_equal(spasm_index_verify(ix), SPASM_OK);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdio_same_as_file),
        cmocka_unit_test(test_stdio_index_truncated),
        cmocka_unit_test(test_sigbus_is_an_error),
        cmocka_unit_test(test_library_detects_changes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
