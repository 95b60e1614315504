/*
 * test_jsonline.c -- the JSON Lines fast path (indexer/jsonline.c) against
 * Jansson, the parser of record: what the fast path accepts, Jansson must
 * accept with the same id, title and text; everything else goes back to
 * Jansson.  Checked on hand-picked lines, on 50,000 random mutations of
 * valid lines, and end to end through spasm_writer_add_path().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

#include "jsonline.h"
#include "spasm.h"

/* What Jansson makes of a line, as spasm reads it: 1 with the fields
 * filled when it is a document, 0 when spasm would reject it. */
static int jansson_doc(const char *line, size_t len, char **id, char **title, char **text)
{
    json_error_t e;
    json_t *o = json_loadb(line, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
    if (!o) return 0;
    int ok = 0;
    json_t *i = json_object_get(o, "id");
    if (!i) i = json_object_get(o, "_id");
    json_t *t = json_object_get(o, "text"), *ti = json_object_get(o, "title");
    if (json_is_object(o) && json_is_string(i) && json_string_length(i) > 0 && json_is_string(t)) {
        *id = strndup(json_string_value(i), json_string_length(i));
        *text = strndup(json_string_value(t), json_string_length(t));
        *title = json_is_string(ti) ? strndup(json_string_value(ti), json_string_length(ti))
                                    : strdup("");
        ok = 1;
    }
    json_decref(o);
    return ok;
}

/* The fast path's answer for line; when it accepts, Jansson must agree
 * on every field.  Returns the fast path's result. */
static int check_line(const char *line, size_t len)
{
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf out;
    sp_buf_init(&out, &a);
    sp_jsonl_doc d;
    int r = sp_jsonl_fast(line, len, &out, &d);
    assert_true(r == 0 || r == 1);
    if (r == 1) {
        char *id = NULL, *title = NULL, *text = NULL;
        if (!jansson_doc(line, len, &id, &title, &text))
            fail_msg("fast path accepts what Jansson rejects: %.*s", (int)len, line);
        const char *p = (const char *)out.p;
        if (strlen(id) != d.id.end - d.id.start || memcmp(id, p + d.id.start, strlen(id)) ||
            strlen(title) != d.title.end - d.title.start ||
            memcmp(title, p + d.title.start, strlen(title)) ||
            strlen(text) != d.text.end - d.text.start ||
            memcmp(text, p + d.text.start, strlen(text)))
            fail_msg("fast path and Jansson disagree on: %.*s", (int)len, line);
        free(id);
        free(title);
        free(text);
    }
    sp_buf_free(&out);
    return r;
}

static int fast(const char *line)
{
    return check_line(line, strlen(line));
}

static void test_accepted(void **state)
{
    (void)state;
    const char *ok[] = {
        "{\"id\": \"12-0\", \"title\": \"Anarchism\", \"text\": \"Anarchism is a philosophy.\"}",
        "{\"id\":\"a\",\"text\":\"\"}",
        " \t{ \"text\" : \"x\" , \"id\" : \"b\" } \r",
        "{\"_id\": \"u\", \"text\": \"t\"}",
        "{\"_id\": \"u\", \"id\": \"v\", \"text\": \"t\"}",
        "{\"id\": \"q\", \"text\": \"say \\\"hi\\\" \\\\ \\/ \\b\\f\\n\\r\\t end\"}",
        "{\"id\": \"u\", \"text\": \"caf\\u00e9 \\u20AC \\ud83d\\ude00 \\u0041\"}",
        ("{\"id\": \"r\", \"text\": \"raw caf\xc3\xa9 \xe2\x82\xac\", \"url\": \"http://x\", \"\": "
         "\"\"}"),
        "{\"id\": \"t\", \"text\": \"x\", \"title\": \"T \\u00fc\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (fast(ok[i]) != 1) fail_msg("not taken by the fast path: %s", ok[i]);

    /* the decoded strings, checked by hand once */
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf out;
    sp_buf_init(&out, &a);
    sp_jsonl_doc d;
    const char *l = "{\"id\": \"7\", \"text\": \"a \\\"b\\\" \\u00e9\\ud83d\\ude00\"}";
    assert_int_equal(sp_jsonl_fast(l, strlen(l), &out, &d), 1);
    assert_int_equal(d.id.end - d.id.start, 1);
    assert_int_equal(d.title.end, d.title.start);
    const char *want = "a \"b\" \xc3\xa9\xf0\x9f\x98\x80";
    assert_int_equal(d.text.end - d.text.start, strlen(want));
    assert_memory_equal(out.p + d.text.start, want, strlen(want));
    sp_buf_free(&out);
}

static void test_left_to_jansson(void **state)
{
    (void)state;
    const char *back[] = {
        "",
        "[]",
        "{}",
        "\"id\"",
        "{\"id\": 7, \"text\": \"integer id\"}",
        "{\"id\": \"a\", \"text\": \"x\", \"n\": 1.5}",
        "{\"id\": \"a\", \"text\": \"x\", \"ok\": true}",
        "{\"id\": \"a\", \"text\": \"x\", \"meta\": {\"k\": \"v\"}}",
        "{\"id\": \"a\", \"text\": \"x\", \"tags\": [\"a\"]}",
        "{\"id\": \"a\", \"text\": \"nul \\u0000 inside\"}",
        "{\"id\": \"a\", \"text\": \"lone \\ud83d high\"}",
        "{\"id\": \"a\", \"text\": \"lone \\ude00 low\"}",
        "{\"id\": \"a\", \"text\": \"bad \\x escape\"}",
        "{\"id\": \"a\", \"text\": \"bad \\u12G4 hex\"}",
        "{\"id\": \"a\", \"text\": \"short \\u12\"}",
        "{\"id\": \"a\", \"text\": \"raw\ttab\"}",
        "{\"id\": \"a\", \"id\": \"b\", \"text\": \"x\"}",
        "{\"id\": \"a\", \"text\": \"x\", \"text\": \"y\"}",
        "{\"i\\u0064\": \"a\", \"text\": \"x\"}",
        "{\"id\": \"a\", \"text\": \"x\"} trailing",
        "{\"id\": \"a\", \"text\": \"x\"}{}",
        "{\"id\": \"a\", \"text\": \"x\",}",
        "{\"id\": \"a\" \"text\": \"x\"}",
        "{\"id\": \"a\", \"text\": \"unterminated}",
        "{\"id\": \"a\", \"text\": \"x\"",
        "{\"id\": \"\", \"text\": \"empty id\"}",
        "{\"id\": \"a\"}",
        "{\"text\": \"no id\"}",
        "{\"id\": \"a\", \"text\": \"x\", \"title\": null}",
        "{\"id\": \"a\", \"text\": \"x\", \"k1\": \"\", \"k2\": \"\", \"k3\": \"\", \"k4\": \"\", "
        "\"k5\": \"\", \"k6\": \"\", \"k7\": \"\", \"k8\": \"\", \"k9\": \"\", \"k10\": \"\", "
        "\"k11\": \"\", \"k12\": \"\", \"k13\": \"\", \"k14\": \"\", \"k15\": \"\"}",
        "{'id': 'a', 'text': 'x'}",
    };
    for (size_t i = 0; i < sizeof back / sizeof *back; i++)
        if (fast(back[i]) != 0) fail_msg("taken by the fast path: %s", back[i]);
}

/* Random mutations of valid lines: whatever the fast path accepts,
 * Jansson accepts with the same fields (check_line fails otherwise). */
static void test_mutations_agree(void **state)
{
    (void)state;
    const char *seeds[] = {
        "{\"id\": \"d1\", \"title\": \"T\\u00e9\", \"text\": \"a \\\"b\\\" c\\nd \\ud83d\\ude00\"}",
        "{\"_id\": \"x\", \"text\": \"plain text here\", \"url\": \"u\"}",
    };
    const char alphabet[] = "{}[]\":,\\ u0dD8eE9aftn\t/x";
    unsigned long long seed = 42;
    int accepted = 0;
    char buf[256];
    for (int iter = 0; iter < 50000; iter++) {
        const char *s = seeds[iter % 2];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int edits = 1 + iter % 3;
        for (int e = 0; e < edits; e++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (size_t)(seed >> 33) % n;
            char c = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
            switch ((seed >> 10) % 3) {
            case 0:
                buf[at] = c;
                break;
            case 1:
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = c;
                    n++;
                }
                break;
            default:
                if (n > 1) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
            }
        }
        accepted += check_line(buf, n);
    }
    print_message(
        "    %d of 50000 mutated lines taken by the fast path, all as Jansson reads them\n",
        accepted);
    assert_true(accepted > 1000);
}

/* Through the writer: fast and Jansson lines in one file give the same
 * documents, and a malformed line still names its file and line. */
static void test_end_to_end(void **state)
{
    (void)state;
    char dir[] = "/tmp/spasm-jsonl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[300], idx[300], bad[300];
    snprintf(in, sizeof in, "%s/docs.jsonl", dir);
    snprintf(idx, sizeof idx, "%s/i.spx", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("{\"id\": \"fast\", \"title\": \"Caf\\u00e9\", \"text\": \"espresso \\\"crema\\\"\"}\n"
          "{\"id\": 42, \"text\": \"espresso by Jansson\", \"meta\": {\"k\": [1, 2]}}\n",
          f);
    fclose(f);
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, idx, NULL), SPASM_OK);
    assert_int_equal(spasm_writer_add_path(w, in), SPASM_OK);
    assert_int_equal(spasm_writer_commit(w), SPASM_OK);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    spasm_results *r;
    assert_int_equal(spasm_open(&ix, idx, NULL), SPASM_OK);
    assert_int_equal(spasm_searcher_new(ix, &s), SPASM_OK);
    spasm_search_options o;
    spasm_search_options_init(&o);
    assert_int_equal(spasm_search(s, "espresso", &o, &r), SPASM_OK);
    assert_int_equal(spasm_results_count(r), 2);
    int seen = 0;
    for (size_t i = 0; i < 2; i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        if (strcmp(h->doc_id, "fast") == 0) {
            seen |= 1;
            assert_string_equal(h->title, "Caf\xc3\xa9");
            assert_non_null(strstr(h->text, "\"crema\""));
        }
        if (strcmp(h->doc_id, "42") == 0) seen |= 2;
    }
    assert_int_equal(seen, 3);
    spasm_results_free(r);
    spasm_searcher_free(s);
    spasm_close(ix);

    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"b\", \"text\": \"two\"}\n"
          "{\"id\": \"c\", \"text\": \"three\" oops}\n",
          f);
    fclose(f);
    assert_int_equal(spasm_writer_new(&w, idx, NULL), SPASM_OK);
    int rc = spasm_writer_add_path(w, bad);
    if (rc == SPASM_OK) rc = spasm_writer_commit(w);
    assert_int_equal(rc, SPASM_EINPUT);
    const char *msg = spasm_writer_errmsg(w);
    if (!strstr(msg, "bad.jsonl:3:") || !strstr(msg, "malformed JSON"))
        fail_msg("error message: %s", msg);
    spasm_writer_abandon(w);
    assert_int_equal(run("rm -rf %s", dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_left_to_jansson),
        cmocka_unit_test(test_mutations_agree),
        cmocka_unit_test(test_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
