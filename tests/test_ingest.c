/*
 * test_ingest.c -- what spasm-index reads and what it may replace (issue
 * 10, findings 2, 5, 6 and 11): symlink loops walked once, the target
 * never a non-index nor an input, temporary files of dead writers swept
 * and cancellation cleaning up, duplicate ids reported, JSON Lines known
 * by extension and by content, skipped files warned about and counted,
 * stdin and FIFOs read.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-test-ingest-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

/* tmpdir/rel, in a static buffer (one of four, for nested use). */
static const char *P(const char *rel)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, rel);
    return buf[k];
}

static void put(const char *rel, const char *text)
{
    write_file(P(rel), text, strlen(text));
}

/* Warnings seen by a writer's callback. */
typedef struct events {
    int warnings;
    char last[1024], all[8192];
    volatile sig_atomic_t *cancel_on_warning;
} events;

static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    (void)st;
    events *e = ud;
    if (kind != SPASM_EVENT_WARNING) return;
    e->warnings++;
    snprintf(e->last, sizeof e->last, "%s", msg);
    size_t n = strlen(e->all);
    snprintf(e->all + n, sizeof e->all - n, "%s\n", msg);
    if (e->cancel_on_warning) *e->cancel_on_warning = 1;
}

static spasm_writer_options options(events *e)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = -1;
    o.threads = 1;
    o.on_event = on_event;
    o.event_ud = e;
    return o;
}

/* The number of documents in the index at path (-1 if it does not open). */
static long index_docs(const char *path)
{
    spasm_index *ix;
    int rc = spasm_open(&ix, path, NULL);
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    spasm_close(ix);
    return rc ? -1 : (long)st.documents;
}

/* Temporary files (".tmp-" in the name) in tmpdir. */
static int count_tmp(void)
{
    return count_names(tmpdir, ".tmp-");
}

/* ---- finding 2: symlink loops ---- */

static void test_symlink_loop(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("in"), 0755), 0);
    assert_int_equal(mkdir(P("in/sub"), 0755), 0);
    put("in/a.txt", "Alpha words here.\n");
    put("in/sub/b.txt", "Beta words there.\n");
    assert_int_equal(symlink("..", P("in/sub/up")), 0);
    assert_int_equal(symlink("../a.txt", P("in/sub/z.txt")), 0); /* the same file again */
    /* the program, bounded: before the fix it walked for ever */
    assert_int_equal(run("timeout 60 %s/bin/spasm-index -o %s %s 2>%s", build_dir(), P("c.spx"),
                         P("in"), P("err")),
                     0);
    assert_int_equal(run("test $(grep -c 'symlink loop' %s) -eq 1", P("err")), 0);
    assert_int_equal(index_docs(P("c.spx")), 2);
    /* the library: one warning per loop and per file met twice */
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("o.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("in")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    const spasm_writer_stats *st = spasm_writer_get_stats(w);
    assert_int_equal(st->documents, 2);
    assert_int_equal(ev.warnings, 2); /* the loop once, the second name of a.txt once */
    assert_non_null(strstr(ev.all, "in/sub/up: directory already read"));
    assert_non_null(strstr(ev.all, "in/sub/z.txt: the same file"));
    spasm_writer_abandon(w);
}

/* ---- finding 5: what the target may be ---- */

static void test_target_not_an_index(void **state)
{
    (void)state;
    const char *b = build_dir();
    put("victim.txt", "Precious words nobody may lose.\n");
    /* the reported case: its own input, and not an index */
    assert_int_equal(
        run("%s/bin/spasm-index -q -o %s %s 2>%s", b, P("victim.txt"), P("victim.txt"), P("err")),
        2);
    assert_int_equal(run("grep -q 'not a spasm index' %s", P("err")), 0);
    /* --force does not allow replacing an input */
    assert_int_equal(run("%s/bin/spasm-index -q --force -o %s %s 2>%s", b, P("victim.txt"),
                         P("victim.txt"), P("err")),
                     2);
    assert_int_equal(run("grep -q 'is the output index' %s", P("err")), 0);
    size_t n;
    char *t = slurp(P("victim.txt"), &n);
    assert_non_null(t);
    assert_string_equal(t, "Precious words nobody may lose.\n");
    free(t);
    assert_int_equal(count_tmp(), 0);
    /* another file: refused, then replaced with --force */
    put("notes.md", "my notes\n");
    put("doc.txt", "Some words to index.\n");
    assert_int_equal(
        run("%s/bin/spasm-index -q -o %s %s 2>/dev/null", b, P("notes.md"), P("doc.txt")), 2);
    assert_int_equal(index_docs(P("notes.md")), -1);
    assert_int_equal(run("%s/bin/spasm-index -q --force -o %s %s", b, P("notes.md"), P("doc.txt")),
                     0);
    assert_int_equal(index_docs(P("notes.md")), 1);
    /* an index is replaced as before, an empty file too */
    assert_int_equal(run("%s/bin/spasm-index -q -o %s %s", b, P("notes.md"), P("doc.txt")), 0);
    put("empty.spx", "");
    assert_int_equal(run("%s/bin/spasm-index -q -o %s %s", b, P("empty.spx"), P("doc.txt")), 0);
    assert_int_equal(index_docs(P("empty.spx")), 1);
    /* a directory never */
    assert_int_equal(mkdir(P("dir.spx"), 0755), 0);
    assert_int_equal(
        run("%s/bin/spasm-index -q --force -o %s %s 2>/dev/null", b, P("dir.spx"), P("doc.txt")),
        2);
}

static void test_target_is_input(void **state)
{
    (void)state;
    put("doc.txt", "Some words to index.\n");
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    /* an index named as its own input (or a hard link of it) */
    assert_int_equal(spasm_writer_new(&w, P("a.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("doc.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    assert_int_equal(link(P("a.spx"), P("link.data")), 0);
    o.force = 1;
    assert_int_equal(spasm_writer_new(&w, P("a.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("link.data")), SPASM_EINVAL);
    assert_non_null(strstr(spasm_writer_errmsg(w), "is the output index"));
    spasm_writer_abandon(w);
    /* the target made after the writer started, as an input: refused at commit */
    assert_int_equal(spasm_writer_new(&w, P("later.txt"), &o), SPASM_OK);
    put("later.txt", "Written while the writer ran.\n");
    assert_int_equal(spasm_writer_add_path(w, P("later.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_EINVAL);
    assert_non_null(strstr(spasm_writer_errmsg(w), "is one of the inputs"));
    spasm_writer_abandon(w);
    /* ... and without force, a non-index made meanwhile is refused at commit */
    o.force = 0;
    assert_int_equal(spasm_writer_new(&w, P("meanwhile.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("doc.txt")), SPASM_OK);
    put("meanwhile.spx", "not an index\n");
    assert_int_equal(spasm_writer_commit(w), SPASM_EINVAL);
    spasm_writer_abandon(w);
    assert_int_equal(index_docs(P("meanwhile.spx")), -1);
    /* the index inside a directory that is walked is not read, and not warned about */
    assert_int_equal(mkdir(P("in"), 0755), 0);
    put("in/x.txt", "Words in a folder.\n");
    memset(&ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(spasm_writer_new(&w, P("in/in.spx"), &o), SPASM_OK);
        assert_int_equal(spasm_writer_add_path(w, P("in")), SPASM_OK);
        assert_int_equal(spasm_writer_commit(w), SPASM_OK);
        spasm_writer_abandon(w);
    }
    assert_int_equal(ev.warnings, 0);
    assert_int_equal(count_tmp(), 0);
}

/* ---- finding 6: leftovers of dead writers, cancellation ---- */

static void test_sweep_leftovers(void **state)
{
    (void)state;
    put("doc.txt", "Some words to index.\n");
    /* what a killed writer leaves, a live writer's file, and look-alikes */
    put("t.spx.tmp-123-abc", "x");
    put("t.spx.tmp-123-abc.runs", "x");
    put("t.spx.tmp-123-abc.posn", "x");
    put("t.spx.tmp-notes", "keep");
    put("u.spx.tmp-9-1", "another target's");
    put("t.spx.tmp-77-ff", "live");
    int fd = open(P("t.spx.tmp-77-ff"), O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w, *w2;
    assert_int_equal(spasm_writer_new(&w, P("t.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->leftovers_removed, 3);
    assert_int_equal(access(P("t.spx.tmp-123-abc"), F_OK), -1);
    assert_int_equal(access(P("t.spx.tmp-123-abc.runs"), F_OK), -1);
    assert_int_equal(access(P("t.spx.tmp-77-ff"), F_OK), 0);
    assert_int_equal(access(P("t.spx.tmp-notes"), F_OK), 0);
    assert_int_equal(access(P("u.spx.tmp-9-1"), F_OK), 0);
    /* a second live writer of the same target leaves the first one's file */
    assert_int_equal(spasm_writer_new(&w2, P("t.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w2)->leftovers_removed, 0);
    assert_int_equal(spasm_writer_add_path(w, P("doc.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w2, P("doc.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w2), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_writer_abandon(w2);
    close(fd); /* the "live" writer dies: the next one removes its file */
    assert_int_equal(spasm_writer_new(&w, P("t.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->leftovers_removed, 1);
    spasm_writer_abandon(w);
    assert_int_equal(count_tmp(), 2); /* the look-alikes */
}

static void test_cancel(void **state)
{
    (void)state;
    put("a.jsonl", "{\"id\":\"1\",\"text\":\"one two\"}\n{\"id\":\"1\",\"text\":\"three\"}\n");
    put("old.txt", "Old words.\n");
    events ev = {0};
    spasm_writer_options o = options(&ev);
    volatile sig_atomic_t flag = 0;
    o.cancel = &flag;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("c.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("old.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    /* set before an add */
    assert_int_equal(spasm_writer_new(&w, P("c.spx"), &o), SPASM_OK);
    flag = 1;
    assert_int_equal(spasm_writer_add_path(w, P("a.jsonl")), SPASM_ECANCELED);
    assert_int_equal(spasm_writer_commit(w), SPASM_ECANCELED);
    spasm_writer_abandon(w);
    assert_int_equal(count_tmp(), 0);
    /* set during commit (by the duplicate-id warning): the old index stays */
    flag = 0;
    ev.cancel_on_warning = &flag;
    assert_int_equal(spasm_writer_new(&w, P("c.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("a.jsonl")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_ECANCELED);
    spasm_writer_abandon(w);
    assert_int_equal(count_tmp(), 0);
    assert_int_equal(index_docs(P("c.spx")), 1);
    assert_string_equal(spasm_errstr(SPASM_ECANCELED), "canceled");
}

/* ---- finding 11: input surprises ---- */

static void test_duplicate_ids(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("d1"), 0755), 0);
    assert_int_equal(mkdir(P("d2"), 0755), 0);
    put("d1/x.txt", "First x words.\n");
    put("d2/x.txt", "Second x words.\n");
    put("a.jsonl", "{\"id\":\"7\",\"text\":\"seven first\"}\n{\"id\":\"8\",\"text\":\"eight\"}\n"
                   "{\"id\":\"7\",\"text\":\"seven again\"}\n{\"id\":7,\"text\":\"and again\"}\n");
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("d.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("d1")), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("d2")), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("a.jsonl")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->duplicate_ids, 3);
    assert_int_equal(spasm_writer_get_stats(w)->documents, 6);
    assert_int_equal(ev.warnings, 1);
    assert_non_null(strstr(ev.last, "3 document(s) reuse the id"));
    assert_non_null(strstr(ev.last, "\"x\", \"7\""));
    spasm_writer_abandon(w);
    /* both are kept; a lookup by id finds the first */
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, P("d.spx"), NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    uint32_t doc;
    assert_int_equal(spasm_find_doc(s, "x", &doc), SPASM_OK);
    assert_int_equal(doc, 0);
    assert_int_equal(spasm_find_doc(s, "7", &doc), SPASM_OK);
    assert_int_equal(doc, 2);
    spasm_searcher_free(s);
    spasm_close(ix);
    /* the program says so in its summary */
    assert_int_equal(run("%s/bin/spasm-index -o %s %s %s 2>%s", build_dir(), P("e.spx"), P("d1"),
                         P("d2"), P("err")),
                     0);
    assert_int_equal(run("grep -q '1 duplicate id(s)' %s", P("err")), 0);
}

static void test_jsonl_recognised(void **state)
{
    (void)state;
    const char *line = "{\"id\":\"%s\",\"text\":\"zebra %s\"}\n";
    char buf[256];
    const char *names[] = {"a.ndjson", "b.json", "c.data", "d.jsonl"};
    for (int i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, line, names[i], "stripes");
        put(names[i], buf);
    }
    assert_int_equal(run("gzip -c %s > %s", P("a.ndjson"), P("e.ndjson.gz")), 0);
    put("brace.txt", "{not json} but a text article\n");
    put("brace.data", "{not json} but a text article\n");
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("j.spx"), &o), SPASM_OK);
    for (int i = 0; i < 4; i++) assert_int_equal(spasm_writer_add_path(w, P(names[i])), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("brace.txt")), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("brace.data")), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, P("j.spx"), NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    uint32_t doc;
    for (int i = 0; i < 4; i++) assert_int_equal(spasm_find_doc(s, names[i], &doc), SPASM_OK);
    assert_int_equal(spasm_find_doc(s, "brace", &doc), SPASM_OK);
    uint64_t n;
    assert_int_equal(spasm_count(s, "zebra", &n), SPASM_OK);
    assert_int_equal(n, 4); /* no document full of braces */
    spasm_searcher_free(s);
    spasm_close(ix);
    /* in a directory: by extension; a .json that is not JSON Lines is skipped */
    assert_int_equal(mkdir(P("in"), 0755), 0);
    assert_int_equal(
        run("cp %s %s %s %s/in/", P("a.ndjson"), P("b.json"), P("e.ndjson.gz"), tmpdir), 0);
    put("in/pretty.json", "{\n  \"id\": \"p\",\n  \"text\": \"pretty\"\n}\n");
    memset(&ev, 0, sizeof ev);
    assert_int_equal(spasm_writer_new(&w, P("k.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("in")), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->documents, 3);
    assert_int_equal(spasm_writer_get_stats(w)->skipped_files, 1);
    assert_non_null(strstr(ev.all, "pretty.json: not JSON Lines"));
    spasm_writer_abandon(w);
    /* named directly it is an error */
    assert_int_equal(spasm_writer_new(&w, P("k.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("in/pretty.json")), SPASM_EINPUT);
    assert_non_null(strstr(spasm_writer_errmsg(w), "not JSON Lines"));
    spasm_writer_abandon(w);
}

static void test_skipped_files_warned(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("in"), 0755), 0);
    put("in/a.txt", "Words to index.\n");
    put("in/b.rtf", "{\\rtf1 text}\n");
    put("in/c.png", "\x89PNG\n");
    put("in/.hidden", "not read\n");
    assert_int_equal(mkfifo(P("in/fifo"), 0644), 0); /* never opened: it could block */
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("s.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, P("in")), SPASM_OK);
    assert_int_equal(spasm_writer_get_stats(w)->skipped_files, 3);
    assert_int_equal(ev.warnings, 3);
    assert_non_null(strstr(
        ev.all, "in/b.rtf: not a .txt, .jsonl, .ndjson, .json, .html, .htm or .md file (skipped)"));
    assert_non_null(strstr(ev.all, "in/c.png: "));
    assert_non_null(strstr(ev.all, "in/fifo: not a regular file (skipped)"));
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    assert_int_equal(
        run("%s/bin/spasm-index -o %s %s 2>%s", build_dir(), P("t.spx"), P("in"), P("err")), 0);
    assert_int_equal(run("grep -q '3 file(s) skipped' %s && test $(grep -c warning %s) -eq 3",
                         P("err"), P("err")),
                     0);
}

static void test_stdin_and_fifo(void **state)
{
    (void)state;
    const char *b = build_dir();
    put("a.jsonl", "{\"id\":\"s1\",\"text\":\"piped zebra\"}\n{\"id\":\"s2\",\"text\":\"more\"}\n");
    assert_int_equal(run("gzip -c %s > %s", P("a.jsonl"), P("a.jsonl.gz")), 0);
    /* the reported case: zcat big.jsonl.gz | spasm-index -o x.spx - */
    assert_int_equal(run("zcat %s | %s/bin/spasm-index -q -o %s -", P("a.jsonl.gz"), b, P("x.spx")),
                     0);
    assert_int_equal(index_docs(P("x.spx")), 2);
    /* compressed bytes on stdin are read too */
    assert_int_equal(run("cat %s | %s/bin/spasm-index -q -o %s -", P("a.jsonl.gz"), b, P("x.spx")),
                     0);
    assert_int_equal(index_docs(P("x.spx")), 2);
    /* text by a flag: one article, id "stdin" */
    assert_int_equal(run("echo 'plain words' | %s/bin/spasm-index -q --stdin-format text -o %s -",
                         b, P("t.spx")),
                     0);
    assert_int_equal(run("%s/bin/spasm-search -i %s plain | grep -q stdin", b, P("t.spx")), 0);
    /* a malformed line names stdin and the line */
    assert_int_equal(run("printf '{\"id\":\"1\",\"text\":\"a\"}\\n{oops\\n' | "
                         "%s/bin/spasm-index -q -o %s - 2>%s",
                         b, P("y.spx"), P("err")),
                     2);
    assert_int_equal(run("grep -q 'stdin:2' %s", P("err")), 0);
    /* a FIFO named directly */
    assert_int_equal(mkfifo(P("fifo"), 0644), 0);
    assert_int_equal(run("(cat %s > %s &) ; timeout 60 %s/bin/spasm-index -q -o %s %s",
                         P("a.jsonl"), P("fifo"), b, P("f.spx"), P("fifo")),
                     0);
    assert_int_equal(index_docs(P("f.spx")), 2);
    /* spasm_writer_add_fd() on a pipe */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    const char *doc = "Article from a pipe.\n";
    assert_int_equal(write(pfd[1], doc, strlen(doc)), (ssize_t)strlen(doc));
    close(pfd[1]);
    events ev = {0};
    spasm_writer_options o = options(&ev);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("p.spx"), &o), SPASM_OK);
    assert_int_equal(spasm_writer_add_fd(w, pfd[0], "piped.txt", SPASM_INPUT_AUTO), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    close(pfd[0]);
    spasm_index *ix;
    spasm_searcher *s;
    uint32_t d;
    assert_int_equal(spasm_open(&ix, P("p.spx"), NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(spasm_find_doc(s, "piped", &d), SPASM_OK);
    spasm_searcher_free(s);
    spasm_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_symlink_loop, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_target_not_an_index, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_target_is_input, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_sweep_leftovers, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_cancel, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_duplicate_ids, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_jsonl_recognised, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_skipped_files_warned, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_stdin_and_fifo, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
