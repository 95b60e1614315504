/*
 * fuzz_ingest.c -- libFuzzer target for ingest: the input readers, the
 * analyser, passage splitting and the index writer, then a search of what
 * was written.
 *
 * Input: one mode byte, then the data.
 *   mode % 6 == 0  data written to a .txt file, spasm_writer_add_path()
 *               1  data written to a .jsonl file
 *               2  data written as it is to a .jsonl.gz file (the gzip reader)
 *               3  data gzip-compressed into a .jsonl.gz file (JSON Lines
 *                  through the gzip reader)
 *               4  data as one document through spasm_writer_add()
 *               5  data cut at each 0x1e byte into passages through
 *                  spasm_writer_add_passages()
 *   mode & 0x80    the file is put in a directory added instead (so that
 *                  errors become warnings and files are skipped)
 * The index is committed in a private temporary directory, opened with
 * SPASM_OPEN_VERIFY (it must verify), searched for its own first words
 * and checked (fuzzutil.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzzutil.h"

/* Warnings are expected (skipped files, repaired text): count them only. */
static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    (void)kind;
    (void)st;
    FUZZ_CHECK(msg != NULL, "event without a message");
    ++*(unsigned *)ud;
}

/* Gzip data[0, n) into a fresh buffer (*out, *outn). */
static void gzip(const uint8_t *data, size_t n, uint8_t **out, size_t *outn)
{
    z_stream z = {0};
    FUZZ_CHECK(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "zlib");
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    *out = malloc(cap);
    FUZZ_CHECK(*out != NULL, "out of memory");
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = *out;
    z.avail_out = (uInt)cap;
    FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
    *outn = cap - z.avail_out;
    deflateEnd(&z);
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

/* Add the input to w as the mode says. */
static int add_input(spasm_writer *w, int mode, int in_dir, const uint8_t *data, size_t n)
{
    static const char *const ext[] = {".txt", ".jsonl", ".jsonl.gz", ".jsonl.gz"};
    char path[512];
    if (mode == 4) return spasm_writer_add(w, "doc", "A title", (const char *)data, n);
    if (mode == 5) {
        const char *ps[64];
        size_t lens[64], np = 0, start = 0;
        for (size_t i = 0; i <= n && np < 64; i++)
            if (i == n || data[i] == 0x1e) {
                ps[np] = (const char *)data + start;
                lens[np++] = i - start;
                start = i + 1;
            }
        return spasm_writer_add_passages(w, "doc", NULL, ps, lens, np);
    }
    const char *sub = fuzz_input_dir(); /* empty between inputs */
    snprintf(path, sizeof path, "%s/input%s", sub, ext[mode]);
    if (mode == 3) {
        uint8_t *z;
        size_t zn;
        gzip(data, n, &z, &zn);
        fuzz_write_file(path, z, zn);
        free(z);
    } else {
        fuzz_write_file(path, data, n);
    }
    int rc = spasm_writer_add_path(w, in_dir ? sub : path);
    FUZZ_CHECK(unlink(path) == 0, "unlink %s", path);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024) return 0;
    int mode = data[0] % 6, in_dir = !!(data[0] & 0x80);
    data++, size--;
    const char *dir = fuzz_tmpdir();
    char out[512];
    snprintf(out, sizeof out, "%s/out.spx", dir);

    unsigned events = 0;
    spasm_writer_options wo = {.b = -1, .threads = 1, .on_event = on_event, .event_ud = &events};
    spasm_writer *w = NULL;
    int rc = spasm_writer_new(&w, out, &wo);
    FUZZ_CHECK(rc == SPASM_OK, "spasm_writer_new: %s", spasm_writer_errmsg(w));
    rc = add_input(w, mode, in_dir, data, size);
    FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EINPUT || rc == SPASM_EIO,
               "adding input (mode %d) returned %d: %s", mode, rc, spasm_writer_errmsg(w));
    FUZZ_CHECK(rc == SPASM_OK || spasm_writer_errmsg(w)[0], "error %d without a message", rc);
    if (rc == SPASM_OK) {
        rc = spasm_writer_commit(w);
        /* (JSON Lines are parsed by the analysis batches, so that a
         * malformed line may only be reported here) */
        FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EEMPTY || rc == SPASM_EINPUT,
                   "commit returned %d: %s", rc, spasm_writer_errmsg(w));
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
        FUZZ_CHECK(st.passages > 0 && st.documents > 0, "an empty index committed");
        spasm_searcher *s = NULL;
        FUZZ_CHECK(spasm_searcher_new(ix, &s) == SPASM_OK, "spasm_searcher_new");
        char word[64], q[160];
        first_word(data, size, word, sizeof word);
        spasm_search_options o;
        spasm_search_options_init(&o);
        fuzz_search(s, word, &o, &st);
        snprintf(q, sizeof q, "\"%s %s\" OR %.3s*", word, word, word);
        o.group = SPASM_GROUP_DOC;
        o.explain = 1;
        fuzz_search(s, q, &o, &st);
        spasm_searcher_free(s);
        spasm_close(ix);
        unlink(out);
    }
    return 0;
}
