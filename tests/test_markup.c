/*
 * test_markup.c -- HTML (libxml2) and Markdown (cmark) input (issue 13):
 * a real-looking page (a menu, a footer, scripts, comments, entities), a
 * page in Latin-1, titles from <title>, <h1> or the first heading, blocks
 * as passages; and bad pages (truncated, binary, unclosed tags, an
 * unknown charset, no text, deep nesting): a warning or an error, never a
 * crash.  Both named directly and inside a directory.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "spasm.h"

static char tmpdir[256];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-test-markup-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

/* tmpdir/rel, in a static buffer (one of four). */
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

/* Warnings seen by the writer's callback, all of them, one per line. */
static int nwarn;
static char warns[8192];

static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    (void)ud;
    (void)st;
    if (kind != SPASM_EVENT_WARNING) return;
    nwarn++;
    size_t n = strlen(warns);
    snprintf(warns + n, sizeof warns - n, "%s\n", msg);
}

/* Index `input` (a file or folder under tmpdir) into tmpdir/x.spx: the
 * return code of add_path (commit too when it succeeded). */
static int index_path(const char *input)
{
    nwarn = 0;
    warns[0] = 0;
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    o.on_event = on_event;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, P("x.spx"), &o), SPASM_OK);
    int rc = spasm_writer_add_path(w, P(input));
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    if (rc) snprintf(warns + strlen(warns), 256, "error: %s\n", spasm_writer_errmsg(w));
    spasm_writer_abandon(w);
    return rc;
}

/* Search tmpdir/x.spx: the number of hits; the best one's id, title and
 * text into the buffers (when not NULL). */
static size_t search(const char *q, char *id, char *title, char *text)
{
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r;
    assert_int_equal(spasm_open(&ix, P("x.spx"), NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    assert_int_equal(spasm_search(s, q, NULL, &r), SPASM_OK);
    size_t n = spasm_results_count(r);
    if (n) {
        const spasm_hit *h = spasm_results_hit(r, 0);
        if (id) snprintf(id, 256, "%s", h->doc_id);
        if (title) snprintf(title, 256, "%s", h->title);
        if (text) snprintf(text, 1024, "%s", h->text);
    }
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);
    return n;
}

static const char page[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>Night cramps &ndash; a guide</title>\n"
    "<style>body { color: red; } .styleword { }</style>\n"
    "<script>var x = \"scriptword\";</script></head>\n<body>\n"
    "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/m\">Menuword</a></li></ul></nav>\n"
    "<div role=\"navigation\">sidebarword</div><div hidden>hiddenword</div>\n"
    "<!-- a commentword here -->\n<h1>Night cramps</h1>\n"
    "<p>A <b>cramp</b> in the <i>calf</i> at night is common &amp; painful.\n"
    "It often w<b>akes</b> people up.</p>\n"
    "<h2>Causes</h2>\n<p>Dehydration, low magnesium and&nbsp;overuse.</p>\n"
    "<ul><li>Drink water</li><li>Stretch the <em>calf</em></li></ul>\n"
    "<table><tr><th>Remedy</th><th>Works</th></tr><tr><td>Quinine</td><td>rarely</td></tr></"
    "table>\n"
    "<footer>Copyright footerword 2024</footer>\n</body></html>\n";

/* A page with a menu, a footer, scripts, a comment and entities. */
static void test_html_page(void **state)
{
    (void)state;
    put("page.html", page);
    assert_int_equal(index_path("page.html"), SPASM_OK);
    assert_int_equal(nwarn, 0);
    char id[256], title[256], text[1024];
    assert_int_equal(search("painful", id, title, text), 1);
    assert_string_equal(id, "page");
    assert_string_equal(title, "Night cramps \xe2\x80\x93 a guide"); /* &ndash; */
    /* the heading, joined to the paragraph under it; inline tags join words */
    assert_string_equal(text, "Night cramps\n\nA cramp in the calf at night is common & painful. "
                              "It often wakes people up.");
    assert_int_equal(search("magnesium", NULL, NULL, text), 1);
    assert_string_equal(text, "Causes\n\nDehydration, low magnesium and\xc2\xa0overuse.");
    assert_int_equal(search("quinine", NULL, NULL, text), 1);
    assert_non_null(strstr(text, "Quinine | rarely"));
    assert_int_equal(search("\"stretch the calf\"", NULL, NULL, NULL), 1);
    static const char *const gone[] = {"styleword",   "scriptword",  "menuword",
                                       "home",        "sidebarword", "hiddenword",
                                       "commentword", "footerword",  "copyright"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        if (search(gone[i], NULL, NULL, NULL) != 0) fail_msg("'%s' was indexed", gone[i]);
}

/* The encoding of <meta http-equiv> is honoured; the title falls back to
 * the first <h1>. */
static void test_html_latin1_and_h1_title(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("site"), 0755), 0);
    put("site/latin1.htm", "<html><head><meta http-equiv=\"Content-Type\" "
                           "content=\"text/html; charset=iso-8859-1\"></head>"
                           "<body><h1>Cr\xe8me br\xfbl\xe9"
                           "e</h1><p>Caf\xe9 cr\xe8me, "
                           "caf\xe9 au lait.</p></body></html>");
    /* no charset named, bytes that are not UTF-8: read as Latin-1 */
    put("site/unnamed.html", "<p>Na\xefve unnamed page</p>");
    assert_int_equal(index_path("site"), SPASM_OK);
    assert_int_equal(nwarn, 0);
    char title[256], text[1024];
    assert_int_equal(search("naive", NULL, NULL, text), 1);
    assert_string_equal(text, "Na\xc3\xafve unnamed page");
    assert_int_equal(search("cafe", NULL, title, text), 1);
    assert_string_equal(title, "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
                               "e");
    assert_string_equal(text, "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
                              "e\n\nCaf\xc3\xa9 cr\xc3\xa8me, "
                              "caf\xc3\xa9 au lait.");
}

/* Bad pages: each indexed as far as it goes, with a warning where
 * something is wrong, or refused; none crashes. */
static void test_html_bad_pages(void **state)
{
    (void)state;
    put("trunc.html", "<html><body><p>Complete sentence here.</p><p>cut in the midd");
    assert_int_equal(index_path("trunc.html"), SPASM_OK);
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(warns, "trunc.html: the page ends in the middle (truncated?)"));
    assert_int_equal(search("midd", NULL, NULL, NULL), 1);

    put("charset.html", "<html><head><meta charset=\"x-no-such-9\"><title>T</title></head>"
                        "<body><p>caf\xe9 words</p></body></html>");
    assert_int_equal(index_path("charset.html"), SPASM_OK);
    assert_non_null(strstr(warns, "charset.html: "));
    assert_non_null(strstr(warns, "x-no-such-9"));
    assert_int_equal(search("words", NULL, NULL, NULL), 1);

    put("unclosed.html", "<div><p>one <b>two <i>three<ul><li>four<li>five<table><tr><td>six"
                         "<p>seven</div></span></p>eight</html>");
    assert_int_equal(index_path("unclosed.html"), SPASM_OK);
    static const char *const words[] = {"one",  "two", "three", "four",
                                        "five", "six", "seven", "eight"};
    for (size_t i = 0; i < 8; i++) assert_int_equal(search(words[i], NULL, NULL, NULL), 1);

    /* cells outside any row: the table still ends their block */
    put("cells.html", "<table><td>cellone<td>celltwo</table><p>Afterword here.</p>");
    assert_int_equal(index_path("cells.html"), SPASM_OK);
    char text[1024];
    assert_int_equal(search("afterword", NULL, NULL, text), 1);
    assert_string_equal(text, "Afterword here.");
    assert_int_equal(search("celltwo", NULL, NULL, text), 1);
    assert_string_equal(text, "cellone | celltwo");

    write_file(P("bin.html"), "<html>\0\x01\x02<p>x</p>", 17);
    assert_int_equal(index_path("bin.html"), SPASM_EINPUT);
    assert_non_null(strstr(warns, "bin.html: binary file (NUL byte at offset 6)"));

    put("empty.html", "<html><head><script>only();</script></head><!-- x --></html>");
    assert_int_equal(index_path("empty.html"), SPASM_EINPUT);
    assert_non_null(strstr(warns, "empty.html: no text in the HTML page"));

    /* in a folder: the bad ones are skipped with a warning, the rest kept */
    assert_int_equal(mkdir(P("bad"), 0755), 0);
    write_file(P("bad/bin.html"), "\x89PNG\r\n\x1a\n\0\0\0", 11);
    put("bad/empty.htm", "<p>  </p>");
    put("bad/ok.html", "<p>survivor</p>");
    assert_int_equal(index_path("bad"), SPASM_OK);
    assert_int_equal(nwarn, 2);
    assert_non_null(strstr(warns, "bad/bin.html: binary file"));
    assert_non_null(strstr(warns, "bad/empty.htm: no text in the HTML page (skipped)"));
    assert_int_equal(search("survivor", NULL, NULL, NULL), 1);
}

/* 100,000 nested elements: libxml2 stops at 256 levels, with a warning
 * naming the line; what came before is kept.  Only nesting: an error. */
static void test_html_deep(void **state)
{
    (void)state;
    size_t depth = 100000, n = 0;
    char *p = malloc(depth * 11 + 64);
    assert_non_null(p);
    n += (size_t)sprintf(p + n, "<p>shallowword</p>\n");
    for (size_t i = 0; i < depth; i++) n += (size_t)sprintf(p + n, i % 2 ? "<div>" : "<b>");
    n += (size_t)sprintf(p + n, "deepword");
    write_file(P("deep.html"), p, n);
    assert_int_equal(index_path("deep.html"), SPASM_OK);
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(warns, "deep.html:2: Excessive depth in document"));
    assert_int_equal(search("shallowword", NULL, NULL, NULL), 1);
    write_file(P("deep.html"), p + 19, n - 19);
    free(p);
    assert_int_equal(index_path("deep.html"), SPASM_EINPUT);
    assert_non_null(strstr(warns, "deep.html: no text in the HTML page ("));
    assert_non_null(strstr(warns, "deep.html:1: Excessive depth in document"));
}

static const char note[] = "# Calf cramps\n\n"
                           "A cramp in the *calf* at night, with `inline code`.\n"
                           "A second line of the same paragraph.\n\n"
                           "## Remedies\n\n"
                           "Try these:\n\n"
                           "- Drink **water**\n- Stretch\n\n"
                           "```\nstretch --calf --codeword\n```\n\n"
                           "<div>htmlblockword</div>\n\n"
                           "Bad byte: \xff here.\n";

/* Markdown: the first heading is the title, headings join the block under
 * them, list items stay together, code is text, raw HTML is dropped. */
static void test_markdown(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("notes"), 0755), 0);
    put("notes/calf.md", note);
    put("notes/plain.markdown", "no heading at all, just words\n");
    assert_int_equal(index_path("notes"), SPASM_OK);
    assert_int_equal(nwarn, 0);
    char id[256], title[256], text[1024];
    assert_int_equal(search("second", id, title, text), 1);
    assert_string_equal(id, "calf");
    assert_string_equal(title, "Calf cramps");
    assert_string_equal(text, "Calf cramps\n\nA cramp in the calf at night, with inline code. "
                              "A second line of the same paragraph.");
    /* a heading and the block under it; the list on its own; the code */
    assert_int_equal(search("these", NULL, NULL, text), 1);
    assert_string_equal(text, "Remedies\n\nTry these:");
    assert_int_equal(search("water", NULL, NULL, text), 1);
    assert_string_equal(text, "- Drink water\n- Stretch");
    assert_int_equal(search("codeword", NULL, NULL, text), 1);
    assert_string_equal(text, "stretch --calf --codeword");
    assert_int_equal(search("htmlblockword", NULL, NULL, NULL), 0);
    assert_int_equal(search("bad", NULL, NULL, text), 1);
    assert_string_equal(text, "Bad byte: \xef\xbf\xbd here.");
    assert_int_equal(search("heading", id, title, NULL), 1);
    assert_string_equal(id, "plain");
    assert_string_equal(title, "");

    put("blank.md", "\n\n<!-- only a comment -->\n");
    assert_int_equal(index_path("blank.md"), SPASM_EINPUT);
    assert_non_null(strstr(warns, "blank.md: no text in the Markdown file"));
}

/* spasm-index reads both from a folder, as the library does. */
static void test_cli(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("mixed"), 0755), 0);
    put("mixed/page.html", page);
    put("mixed/calf.md", note);
    put("mixed/a.txt", "Plain text words.\n");
    assert_int_equal(
        run("%s/bin/spasm-index -q -o %s %s 2>%s", build_dir(), P("x.spx"), P("mixed"), P("err")),
        0);
    assert_int_equal(run("test ! -s %s", P("err")), 0);
    char id[256];
    assert_int_equal(search("painful", id, NULL, NULL), 1);
    assert_string_equal(id, "page");
    assert_int_equal(search("codeword", id, NULL, NULL), 1);
    assert_string_equal(id, "calf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_html_page, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_html_latin1_and_h1_title, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_html_bad_pages, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_html_deep, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_markdown, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_cli, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
