/*
 * test_crash.c -- the real spasm-index killed while it works (issue 10,
 * finding 6).  A synthetic corpus big enough to spill sorted runs under
 * --memory 16 is fed through a pipe, so that the test decides where the
 * input ends: SIGKILL at random points of the input and at random moments
 * of the commit (seeded: SPASM_CRASH_SEED overrides the seed), then
 * SIGTERM and SIGINT.  After each kill the previous index must open, pass
 * `spasm-search --check` and answer a few queries byte for byte as before
 * (or as the new index, when the kill came after the rename); leftovers
 * of a killed run never accumulate (the next run sweeps them), a run
 * that completes leaves no temporary file, and a run stopped by SIGTERM
 * or SIGINT removes its own at once.  Every wait is bounded; nothing is
 * timed.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static char tmpdir[256], target[512];
static uint64_t seed = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

/* A JSON Lines corpus of ndocs documents of made-up words (a large
 * vocabulary, so that the term table outgrows a small budget); malloc'd. */
static char *corpus(int ndocs, uint64_t s, size_t *len)
{
    static const char *syl[] = {"ka", "lo", "mi", "ner", "sto", "pa",  "qui", "ra",
                                "te", "vo", "zu", "bel", "dor", "fin", "gal", "hu"};
    size_t cap = (size_t)ndocs * 700 + 64, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    for (int d = 0; d < ndocs; d++) {
        n += (size_t)snprintf(b + n, cap - n, "{\"id\":\"d%d\",\"text\":\"", d);
        for (int i = 0; i < 60; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            unsigned r = (unsigned)(s % 4096);
            /* a skewed pick: a few common words, many rare ones */
            unsigned wnum = (i % 3) ? r % 64 : (unsigned)((s >> 16) % 300000);
            n += (size_t)snprintf(b + n, cap - n, "%s%s%s%s", i ? " " : "", syl[wnum % 16],
                                  syl[(wnum / 16) % 16], syl[(wnum / 256) % 16]);
            if (wnum >= 4096) n += (size_t)snprintf(b + n, cap - n, "%u", wnum / 4096);
        }
        n += (size_t)snprintf(b + n, cap - n, "\"}\n");
    }
    *len = n;
    return b;
}

static char *big;     /* the corpus every killed run writes */
static size_t bigLen; /* its bytes */
static char *answersOld, *answersNew;

static const char *const queries[] = {"kalomi", "nerstopa quira", "tevozu OR belka", "dorfin*"};

/* The answers of the index at path to the queries (trec, 50 each) and
 * whether `spasm-search --check` passes; malloc'd text. */
static char *answers(const char *path)
{
    const char *b = build_dir();
    char out[600];
    snprintf(out, sizeof out, "%s/answers", tmpdir);
    assert_int_equal(run("%s/bin/spasm-search -i %s --check >/dev/null", b, path), 0);
    assert_int_equal(run(": > %s", out), 0);
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        int rc = run("%s/bin/spasm-search -i %s --format trec --no-collapse -k 50 '%s' >> %s", b,
                     path, queries[i], out);
        assert_true(rc == 0 || rc == 1);
    }
    size_t n;
    char *a = slurp(out, &n);
    assert_non_null(a);
    return a;
}

/* Temporary files (".tmp-" in the name) in tmpdir. */
static int count_tmp(void)
{
    return count_names(tmpdir, ".tmp-");
}

/* Start spasm-index -q -m 16 -j 1 -o OUT -, its stdin a pipe (*wfd) --
 * or, with input != NULL, on that file. */
static pid_t start_index(const char *out, const char *input, int *wfd)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        char prog[512];
        snprintf(prog, sizeof prog, "%s/bin/spasm-index", build_dir());
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        execl(prog, prog, "-q", "-m", "16", "-j", "1", "-o", out, input ? input : "-",
              (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    *wfd = p[1];
    return pid;
}

/* Write big[0, n) to fd (stopping quietly when the reader is gone). */
static void feed(int fd, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fd, big + done, n - done > 65536 ? 65536 : n - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        done += (size_t)k;
    }
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait for pid, at most about limit_s seconds (then SIGKILL it and fail). */
static int wait_bounded(pid_t pid, int limit_s)
{
    int st;
    for (int i = 0; i < limit_s * 100; i++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return st;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    fail_msg("spasm-index (pid %d) did not exit within %d s", (int)pid, limit_s);
    return st;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned commit_ms = 200; /* about how long the commit of `big` takes */

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    const char *e = getenv("SPASM_CRASH_SEED");
    if (e && *e) seed = strtoull(e, NULL, 0);
    print_message("crash test seed: %llu (SPASM_CRASH_SEED)\n", (unsigned long long)seed);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-test-crash-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(target, sizeof target, "%s/t.spx", tmpdir);
    big = corpus(12000, 7, &bigLen);
    /* the new index, written once in full: its answers, and how long
     * its commit takes (only to spread the kills over it) */
    char full[600];
    snprintf(full, sizeof full, "%s/full.spx", tmpdir);
    int fd;
    pid_t pid = start_index(full, NULL, &fd);
    feed(fd, bigLen);
    double t0 = now();
    close(fd);
    int st = wait_bounded(pid, 600);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    commit_ms = (unsigned)((now() - t0) * 1000) + 1;
    answersNew = answers(full);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(big);
    free(answersOld);
    free(answersNew);
    return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

/* (Re)write the previous index: a small corpus of its own. */
static void write_old(void)
{
    size_t n;
    char *small = corpus(300, 99, &n);
    char in[600];
    snprintf(in, sizeof in, "%s/small.jsonl", tmpdir);
    write_file(in, small, n);
    free(small);
    assert_int_equal(run("%s/bin/spasm-index -q -o %s %s", build_dir(), target, in), 0);
    if (!answersOld) answersOld = answers(target);
}

/* The target after a run was stopped: opens, passes --check and answers
 * as the old index or (when the new one was already in place) the new. */
static int check_target(void)
{
    char *a = answers(target);
    int is_old = strcmp(a, answersOld) == 0, is_new = strcmp(a, answersNew) == 0;
    free(a);
    assert_true(is_old || is_new);
    return is_new;
}

static void test_sigkill(void **state)
{
    (void)state;
    write_old();
    int rounds = 10, mid_commit = 0;
    for (int r = 0; r < rounds; r++) {
        /* leftovers never pile up: at most one killed run's files */
        assert_true(count_tmp() <= 3);
        int fd;
        pid_t pid = start_index(target, NULL, &fd);
        int during_commit = r % 2 == 1;
        if (during_commit) {
            feed(fd, bigLen);
            close(fd);
            sleep_ms((unsigned)(rnd() % (commit_ms + 1)));
        } else {
            feed(fd, (size_t)(rnd() % bigLen));
        }
        kill(pid, SIGKILL);
        if (!during_commit) close(fd);
        int st = wait_bounded(pid, 120);
        int completed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        assert_true(completed || (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
        int is_new = check_target();
        if (!during_commit) assert_false(is_new);
        if (completed) assert_true(is_new);
        if (during_commit && !is_new) mid_commit++;
        if (is_new) write_old();
    }
    print_message("crash test: %d kill(s) landed during a commit, commit ~%u ms\n", mid_commit,
                  commit_ms);
    /* the next run sweeps the last leftovers and leaves nothing behind */
    assert_int_equal(run("%s/bin/spasm-index -q -o %s %s/small.jsonl", build_dir(), target, tmpdir),
                     0);
    assert_int_equal(count_tmp(), 0);
}

/* A run stopped by sig exits promptly, dies of sig (or exits 128 + sig,
 * or 0 when it had already finished), and leaves no temporary file. */
static void stopped_by(int sig, int during_commit, int named_file)
{
    write_old();
    int fd;
    char in[600];
    snprintf(in, sizeof in, "%s/big.jsonl", tmpdir);
    if (named_file) write_file(in, big, bigLen);
    pid_t pid = start_index(target, named_file ? in : NULL, &fd);
    if (named_file) {
        close(fd);
        /* wait (bounded) for its temporary file, then a little more */
        for (int i = 0; i < 6000 && count_tmp() == 0; i++) sleep_ms(1);
        sleep_ms((unsigned)(rnd() % 50));
    } else if (during_commit) {
        feed(fd, bigLen);
        close(fd);
        sleep_ms((unsigned)(rnd() % (commit_ms + 1)));
    } else {
        feed(fd, bigLen / 4 + (size_t)(rnd() % (bigLen / 2)));
    }
    kill(pid, sig);
    int st = wait_bounded(pid, 120);
    if (!named_file && !during_commit) close(fd);
    int completed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    assert_true(completed || (WIFSIGNALED(st) && WTERMSIG(st) == sig) ||
                (WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig));
    if (!during_commit && !named_file) assert_false(completed);
    assert_int_equal(count_tmp(), 0);
    int is_new = check_target();
    if (completed) assert_true(is_new);
    if (named_file) unlink(in);
}

static void test_sigterm_input(void **state)
{
    (void)state;
    stopped_by(SIGTERM, 0, 0);
}

static void test_sigint_input(void **state)
{
    (void)state;
    stopped_by(SIGINT, 0, 0);
}

static void test_sigterm_commit(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) stopped_by(SIGTERM, 1, 0);
}

static void test_sigint_named_file(void **state)
{
    (void)state;
    stopped_by(SIGINT, 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill),           cmocka_unit_test(test_sigterm_input),
        cmocka_unit_test(test_sigint_input),      cmocka_unit_test(test_sigterm_commit),
        cmocka_unit_test(test_sigint_named_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
