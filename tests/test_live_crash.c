/*
 * test_live_crash.c -- an updater killed (SIGKILL) at random moments while
 * it adds, commits and merges (seeded: SPASM_LIVE_SEED overrides).  A
 * forked child runs deterministic batches (batch g adds, replaces and
 * deletes ids as a function of g, with a merge policy that merges at
 * nearly every commit); after each kill the newest commit point must be
 * intact: its segments and deletion files all exist and pass every
 * checksum, and its live ids are exactly those of batches 1..G; then the
 * next updater leaves no leftover.  Nothing is timed: the delays before
 * the kills only choose the moment.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"
#include "live.h" /* the merge policy's knobs */

static char dir[512];
static uint64_t seed = 0x853C49E6748FEA9Bull;

static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

#define BATCH_DOCS 40

/* Batch g's changes, in order, as calls on fn: kind 'a' add, 'd' delete. */
typedef void (*change_fn)(void *ud, char kind, const char *id, const char *text);

static void batch(uint64_t g, change_fn fn, void *ud)
{
    char id[64], text[512];
    for (int i = 0; i < BATCH_DOCS; i++) {
        snprintf(id, sizeof id, "b%llu-%d", (unsigned long long)g, i);
        snprintf(text, sizeof text,
                 "document %d of batch %llu about magnesium and night cramps, calf muscle "
                 "number %llu\n\nsecond paragraph %d with water and salt",
                 i, (unsigned long long)g, (unsigned long long)(g * 31 + (uint64_t)i), i % 7);
        fn(ud, 'a', id, text);
    }
    if (g > 1) { /* replace one of the previous batch, delete another */
        snprintf(id, sizeof id, "b%llu-%d", (unsigned long long)(g - 1), (int)(g % BATCH_DOCS));
        fn(ud, 'a', id, "replaced text about potassium");
        snprintf(id, sizeof id, "b%llu-%d", (unsigned long long)(g - 1),
                 (int)((g + 7) % BATCH_DOCS));
        fn(ud, 'd', id, NULL);
    }
    if (g % 4 == 0) { /* hollow out an old batch: a deleted-share rewrite */
        for (int i = 20; i < 35; i++) {
            snprintf(id, sizeof id, "b%llu-%d", (unsigned long long)(g / 2), i);
            fn(ud, 'd', id, NULL);
        }
    }
}

/* ---- the child: apply batches forever ---- */

static void apply(void *ud, char kind, const char *id, const char *text)
{
    spasm_updater *u = ud;
    int rc = kind == 'a' ? spasm_updater_add(u, id, NULL, text, strlen(text))
                         : spasm_updater_delete(u, id);
    if (rc) _exit(10);
}

static void child(int report)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 2;
    spasm_updater *u;
    if (spasm_updater_open(&u, dir, &o)) _exit(11);
    u->merge_width = 3;
    u->merge_tier_factor = 3;
    for (;;) {
        spasm_updater_stats s;
        spasm_updater_get_stats(u, &s);
        batch(s.generation + 1, apply, u);
        if (spasm_updater_commit(u)) _exit(12);
        char c = 'c'; /* tell the parent: one more commit landed */
        if (write(report, &c, 1) != 1) _exit(13);
    }
}

/* ---- the model of generation G ---- */

typedef struct model {
    char (*ids)[32];
    size_t n, cap;
} model;

static void model_change(void *ud, char kind, const char *id, const char *text)
{
    (void)text;
    model *m = ud;
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->ids[i], id)) {
            memmove(m->ids + i, m->ids + i + 1, (m->n - i - 1) * sizeof *m->ids);
            m->n--;
            break;
        }
    if (kind != 'a') return;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->ids = realloc(m->ids, m->cap * sizeof *m->ids);
    }
    snprintf(m->ids[m->n++], 32, "%s", id);
}

/* The live ids after batches 1..G, one per line. */
static char *expected(uint64_t gen)
{
    model m = {0};
    for (uint64_t g = 1; g <= gen; g++) batch(g, model_change, &m);
    char *s = malloc(m.n * 32 + 1);
    size_t n = 0;
    for (size_t i = 0; i < m.n; i++) n += (size_t)sprintf(s + n, "%s\n", m.ids[i]);
    s[n] = 0;
    free(m.ids);
    return s;
}

static int setup(void **st)
{
    (void)st;
    lu_tmpname(dir, sizeof dir, "crash.spx");
    seed = lu_seed(seed);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    lu_rmtree(dir);
    return 0;
}

static void test_kill_anywhere(void **st)
{
    (void)st;
    uint64_t last = 0;
    int rounds = 16, advanced = 0;
    for (int round = 0; round < rounds; round++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            child(p[1]);
        }
        close(p[1]);
        /* Odd rounds may kill before the child's first commit; even rounds
         * wait for one (however slow the machine), so that the generation
         * is sure to advance.  Then 0 to 400 ms: adding, committing or
         * merging. */
        if (round % 2 == 0) {
            char c;
            ssize_t k;
            while ((k = read(p[0], &c, 1)) < 0 && errno == EINTR) {
            }
            if (k != 1) { /* the child died before its first commit */
                int status;
                waitpid(pid, &status, 0);
                fail_msg("the child ended before a commit (status %d)", status);
            }
        }
        struct timespec ts = {0, (long)(rnd() % 400) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status)) fail_msg("the child failed: exit %d", WEXITSTATUS(status));
        if (count_names(dir, "commit-") == 0) continue; /* killed before the first commit */
        /* the newest commit point is intact and holds batches 1..G */
        sp_commit c = lu_commit(dir);
        uint64_t gen = c.gen;
        sp_alloc a;
        sp_alloc_init(&a, NULL, NULL);
        sp_commit_free(&a, &c);
        assert_true(gen >= last);
        advanced += gen > last;
        if (getenv("SPASM_LIVE_VERBOSE"))
            fprintf(stderr, "round %d: generation %llu\n", round, (unsigned long long)gen);
        last = gen;
        char *got = lu_live_ids(dir), *want = expected(gen);
        assert_string_equal(got, want);
        free(got);
        free(want);
        /* the next updater removes the leftovers */
        spasm_updater *u;
        spasm_writer_options o;
        memset(&o, 0, sizeof o);
        o.b = SPASM_B_DEFAULT;
        assert_int_equal(spasm_updater_open(&u, dir, &o), 0);
        spasm_updater_stats s;
        spasm_updater_get_stats(u, &s);
        assert_int_equal(s.generation, gen);
        spasm_updater_close(u);
        lu_no_leftovers(dir);
    }
    assert_true(last > 0);
    assert_true(advanced >= rounds / 2); /* each even round advances */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_anywhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
