/*
 * input.c -- spasm_writer_add_path(): files and directories in.
 *
 *   .txt               one article; id = file name without extension,
 *                      title = first line when it reads like a title
 *   .jsonl, .jsonl.gz  one JSON object per line: "id" or "_id" (string or
 *                      integer), optional "title", "text" (BEIR layout);
 *                      read through zlib (gzread handles plain files too)
 *   directories        walked recursively in byte order of names; files
 *                      with other extensions are ignored
 *
 * A file is binary when its first 8 KiB hold a NUL byte (as grep decides).
 * Named directly, a binary or unreadable file is an error; inside a
 * directory it is skipped with a warning.  Malformed JSON is always an
 * error naming the file and line.  Invalid UTF-8 is repaired (U+FFFD).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "writer.h"

#define SNIFF 8192

typedef enum kind { K_OTHER, K_TXT, K_JSONL } kind;

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static kind kind_of(const char *name)
{
    if (ends_with(name, ".txt")) return K_TXT;
    if (ends_with(name, ".jsonl") || ends_with(name, ".jsonl.gz") || ends_with(name, ".json.gz"))
        return K_JSONL;
    return K_OTHER;
}

/* Skip (in a directory) or fail (named directly) with a message. */
static int bad_file(spasm_writer *w, int in_dir, int code, const char *fmt, const char *path,
                    const char *why)
{
    char msg[SP_ERRMSG_MAX];
    snprintf(msg, sizeof msg, fmt, path, why);
    if (!in_dir) return sp_writer_err(w, code, "%s", msg);
    w->st.skipped_files++;
    char warn[SP_ERRMSG_MAX + 32];
    snprintf(warn, sizeof warn, "%s (skipped)", msg);
    sp_writer_event(w, SPASM_EVENT_WARNING, warn);
    return 0;
}

static int add_txt(spasm_writer *w, const char *path, int in_dir)
{
    FILE *f = fopen(path, "rb");
    if (!f) return bad_file(w, in_dir, SPASM_EIO, "%s: cannot open: %s", path, strerror(errno));
    sp_buf b;
    sp_buf_init(&b, &w->a);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sp_buf_append(&b, tmp, n);
    int rerr = ferror(f);
    fclose(f);
    if (b.err) {
        sp_buf_free(&b);
        return sp_writer_err(w, SPASM_ENOMEM, "%s: out of memory", path);
    }
    if (rerr) {
        sp_buf_free(&b);
        return bad_file(w, in_dir, SPASM_EIO, "%s: read error: %s", path, "I/O error");
    }
    const char *nul = b.n ? memchr(b.p, 0, SP_MIN(b.n, (size_t)SNIFF)) : NULL;
    if (nul) {
        char why[64];
        snprintf(why, sizeof why, "%zu", (size_t)((const uint8_t *)nul - b.p));
        sp_buf_free(&b);
        return bad_file(w, in_dir, SPASM_EINPUT, "%s: binary file (NUL byte at offset %s)", path,
                        why);
    }
    /* id: the base name without its extension ("notes.txt" -> "notes") */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t idlen = (dot && dot > base) ? (size_t)(dot - base) : strlen(base);
    const char *text;
    size_t len;
    int r = sp_writer_repair(w, b.p ? (const char *)b.p : "", b.n, &text, &len);
    if (r < 0) {
        sp_buf_free(&b);
        return w->rc;
    }
    if (r == 1) {
        char warn[SP_ERRMSG_MAX];
        snprintf(warn, sizeof warn, "%s: invalid UTF-8 repaired", path);
        sp_writer_event(w, SPASM_EVENT_WARNING, warn);
    }
    int rc = sp_writer_add_doc(w, base, idlen, NULL, 0, text, len, 1);
    w->st.file_bytes += b.n;
    sp_buf_free(&b);
    w->st.files_done++;
    return rc;
}

static int add_jsonl(spasm_writer *w, const char *path, int in_dir)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) return bad_file(w, in_dir, SPASM_EIO, "%s: cannot open: %s", path, strerror(errno));
    gzbuffer(gz, 1 << 17);
    sp_buf line;
    sp_buf_init(&line, &w->a);
    char tmp[65536];
    uint64_t lineno = 0, total = 0, base = w->st.file_bytes;
    int rc = 0, eof = 0;
    size_t scan = 0;
    while (!rc && !eof) {
        int n = gzread(gz, tmp, sizeof tmp);
        long zoff = gzoffset(gz);
        if (zoff > 0) w->st.file_bytes = base + (uint64_t)zoff;
        if (n < 0) {
            int zerr;
            const char *m = gzerror(gz, &zerr);
            rc = bad_file(w, in_dir, SPASM_EINPUT, "%s: cannot decompress: %s", path, m);
            break;
        }
        if (n == 0) {
            eof = 1;
            if (line.n == 0) break;
            sp_buf_putc(&line, '\n'); /* a last line without newline */
        } else {
            if (total < SNIFF && memchr(tmp, 0, (size_t)SP_MIN((uint64_t)n, SNIFF - total))) {
                rc = bad_file(w, in_dir, SPASM_EINPUT, "%s: %s", path,
                              "binary file (NUL byte in the first 8 KiB)");
                break;
            }
            total += (uint64_t)n;
            sp_buf_append(&line, tmp, (size_t)n);
        }
        if (line.err) {
            rc = sp_writer_err(w, SPASM_ENOMEM, "out of memory");
            break;
        }
        /* Process every complete line in the buffer. */
        size_t start = 0;
        for (;;) {
            uint8_t *nl = memchr(line.p + scan, '\n', line.n - scan);
            if (!nl) {
                scan = line.n;
                break;
            }
            size_t end = (size_t)(nl - line.p);
            lineno++;
            size_t a = start, b = end;
            while (a < b && (line.p[a] == ' ' || line.p[a] == '\t' || line.p[a] == '\r')) a++;
            while (b > a &&
                   (line.p[b - 1] == ' ' || line.p[b - 1] == '\t' || line.p[b - 1] == '\r'))
                b--;
            if (b > a) {
                rc = sp_writer_add_json(w, path, lineno, (const char *)line.p + a, b - a);
                if (rc) break;
            }
            start = scan = end + 1;
        }
        if (start) {
            memmove(line.p, line.p + start, line.n - start);
            line.n -= start;
            scan -= start;
        }
    }
    gzclose(gz);
    sp_buf_free(&line);
    if (!rc) w->st.files_done++;
    return rc;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int add_any(spasm_writer *w, const char *path, int in_dir, int depth);

static int add_dir(spasm_writer *w, const char *path, int depth)
{
    if (depth > 64) return sp_writer_err(w, SPASM_EINPUT, "%s: directories nested too deep", path);
    struct dirent **names;
    int n = scandir(path, &names, NULL, cmp_name);
    if (n < 0) {
        if (depth == 0)
            return sp_writer_err(w, SPASM_EIO, "%s: cannot read directory: %s", path,
                                 strerror(errno));
        return bad_file(w, 1, SPASM_EIO, "%s: cannot read directory: %s", path, strerror(errno));
    }
    int rc = 0;
    size_t plen = strlen(path);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (!rc && nm[0] != '.') {
            size_t len = plen + strlen(nm) + 2;
            char *full = sp_malloc(&w->a, len);
            if (!full) {
                rc = sp_writer_err(w, SPASM_ENOMEM, "out of memory");
            } else {
                snprintf(full, len, "%s%s%s", path, (plen && path[plen - 1] == '/') ? "" : "/", nm);
                rc = add_any(w, full, 1, depth + 1);
                sp_free(&w->a, full);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int add_any(spasm_writer *w, const char *path, int in_dir, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return bad_file(w, in_dir, SPASM_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return add_dir(w, path, depth);
    if (!S_ISREG(st.st_mode)) {
        if (in_dir) return 0;
        return sp_writer_err(w, SPASM_EINPUT, "%s: not a regular file or directory", path);
    }
    kind k = kind_of(path);
    if (k == K_OTHER) {
        if (in_dir) return 0; /* not ours: ignored */
        k = K_TXT;            /* named directly: read it as text */
    }
    int rc = k == K_TXT ? add_txt(w, path, in_dir) : add_jsonl(w, path, in_dir);
    if (!rc) sp_writer_event(w, SPASM_EVENT_PROGRESS, path);
    return rc;
}

int spasm_writer_add_path(spasm_writer *w, const char *path)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (!path || !*path) return sp_writer_err(w, SPASM_EINVAL, "empty input path");
    return add_any(w, path, 0, 0);
}
