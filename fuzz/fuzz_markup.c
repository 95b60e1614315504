/*
 * fuzz_markup.c -- libFuzzer target for HTML and Markdown input: libxml2's
 * HTML parser and cmark behind spasm_writer_add_path(), the block
 * builder, the splitter and the writer, then a search of what was
 * written.
 *
 * Input: one mode byte, then the data.
 *   mode & 1     the data is a .md file (else a .html file)
 *   mode & 0x80  the file is put in a directory added instead (errors
 *                become warnings, bad pages are skipped)
 * Adding may fail only with SPASM_EINPUT (a binary page, one with no
 * text); the index is committed, opened with SPASM_OPEN_VERIFY, searched
 * for its own first word and checked (fuzzutil.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzzutil.h"

static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    (void)kind;
    (void)st;
    FUZZ_CHECK(msg != NULL && msg[0], "event without a message");
    ++*(unsigned *)ud;
}

/* The first word (ASCII letters) of data, or "a". */
static void first_word(const uint8_t *data, size_t n, char *w, size_t cap)
{
    size_t i = 0, j = 0;
    while (i < n && !((data[i] | 32) >= 'a' && (data[i] | 32) <= 'z')) i++;
    while (i < n && j + 1 < cap && (data[i] | 32) >= 'a' && (data[i] | 32) <= 'z')
        w[j++] = (char)data[i++];
    if (j == 0) w[j++] = 'a';
    w[j] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024) return 0;
    int md = data[0] & 1, in_dir = !!(data[0] & 0x80);
    data++, size--;
    const char *dir = fuzz_tmpdir();
    const char *sub = fuzz_input_dir(); /* empty between inputs */
    char out[512], path[600];
    snprintf(out, sizeof out, "%s/out.spx", dir);
    snprintf(path, sizeof path, "%s/page%s", sub, md ? ".md" : ".html");
    fuzz_write_file(path, data, size);

    unsigned events = 0;
    spasm_writer_options wo = {.b = -1, .threads = 1, .on_event = on_event, .event_ud = &events};
    spasm_writer *w = NULL;
    int rc = spasm_writer_new(&w, out, &wo);
    FUZZ_CHECK(rc == SPASM_OK, "spasm_writer_new: %s", spasm_writer_errmsg(w));
    rc = spasm_writer_add_path(w, in_dir ? sub : path);
    FUZZ_CHECK(unlink(path) == 0, "unlink %s", path);
    FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EINPUT, "adding a %s page returned %d: %s",
               md ? "Markdown" : "HTML", rc, spasm_writer_errmsg(w));
    FUZZ_CHECK(rc == SPASM_OK || spasm_writer_errmsg(w)[0], "error %d without a message", rc);
    if (rc == SPASM_OK) {
        rc = spasm_writer_commit(w);
        FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EEMPTY, "commit returned %d: %s", rc,
                   spasm_writer_errmsg(w));
    }
    spasm_writer_abandon(w);
    if (rc == SPASM_OK) {
        spasm_index *ix = NULL;
        spasm_open_options oo = {.flags = SPASM_OPEN_VERIFY};
        rc = spasm_open(&ix, out, &oo);
        FUZZ_CHECK(rc == SPASM_OK, "the index just written does not open: %s",
                   spasm_index_errmsg(ix));
        spasm_index_stats st;
        spasm_index_get_stats(ix, &st);
        spasm_searcher *s = NULL;
        FUZZ_CHECK(spasm_searcher_new(ix, &s) == SPASM_OK, "spasm_searcher_new");
        char word[64];
        first_word(data, size, word, sizeof word);
        spasm_search_options o;
        spasm_search_options_init(&o);
        fuzz_search(s, word, &o, &st);
        spasm_searcher_free(s);
        spasm_close(ix);
        unlink(out);
    }
    return 0;
}
