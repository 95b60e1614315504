/*
 * input.c -- spasm_writer_add_path() and spasm_writer_add_fd(): files,
 * directories, pipes and stdin in.
 *
 *   .txt               one article; id = file name without extension,
 *                      title = first line when it reads like a title
 *   .jsonl, .ndjson    one JSON object per line: "id" or "_id" (string or
 *   (and .gz of them,  integer), optional "title", "text" (BEIR layout);
 *   and .json.gz)      (any input starting with the gzip magic is gunzipped)
 *   .json              JSON Lines when its first line is an object (else
 *                      skipped in a directory, an error when named)
 *   .html, .htm        one article each, through libxml2 (input_html.c)
 *   .md, .markdown     one article each, through cmark (input_md.c)
 *   other names        in a directory: skipped with a warning; named
 *                      directly: JSON Lines when the first non-blank byte
 *                      is `{` and the first line parses as an object,
 *                      else one text article
 *   directories        walked recursively in byte order of names (names
 *                      beginning with '.' are not read, as ls does)
 *   FIFOs, stdin       read once, front to back, the same way
 *
 * Every directory is entered once and every file read once, by device
 * and inode: a symlink loop, or a file reached twice, is one warning.
 * A file is binary when its first 8 KiB hold a NUL byte (as grep decides).
 * Named directly, a binary or unreadable file is an error; inside a
 * directory it is skipped with a warning (every skipped file is counted
 * in stats.skipped_files).  Malformed JSON is always an error naming the
 * file and line.  Invalid UTF-8 is repaired (U+FFFD).
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "markup.h"
#include "reader.h"
#include "writer.h"

#define SNIFF 8192
#define SNIFF_LINE (1u << 20) /* the first line looked at to recognise JSON */

typedef enum kind { K_OTHER, K_TXT, K_JSONL, K_JSON, K_AUTO, K_HTML, K_MD } kind;

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* The kind of a file by its name. */
static kind kind_of(const char *name)
{
    static const char *const jsonl[] = {".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz"};
    if (ends_with(name, ".txt")) return K_TXT;
    if (ends_with(name, ".html") || ends_with(name, ".htm")) return K_HTML;
    if (ends_with(name, ".md") || ends_with(name, ".markdown")) return K_MD;
    for (size_t i = 0; i < sizeof jsonl / sizeof *jsonl; i++)
        if (ends_with(name, jsonl[i])) return K_JSONL;
    if (ends_with(name, ".json")) return K_JSON;
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

/* One input being read: a file, a FIFO or stdin. */
typedef struct src {
    sp_reader r;
    const char *name; /* for messages and text ids */
    int in_dir;
    uint64_t total;   /* uncompressed bytes read */
    uint64_t base;    /* stats.file_bytes before this file */
    int eof, skipped; /* skipped: bad_file() in a directory */
} src;

/* Read up to 64 KiB more of s into b.  0 (s->eof at the end), or an
 * error code (or 0 with s->skipped when a file in a directory is bad). */
static int read_more(spasm_writer *w, src *s, sp_buf *b)
{
    char tmp[65536];
    if (sp_writer_canceled(w)) return w->rc;
    long n = sp_reader_read(&s->r, tmp, sizeof tmp);
    if (n == SP_READ_CANCELED) return sp_writer_canceled(w);
    if (n < 0) {
        int rc = bad_file(w, s->in_dir, SPASM_EINPUT, "%s: cannot read: %s", s->name, s->r.err);
        s->skipped = !rc;
        return rc;
    }
    if (n == 0) {
        s->eof = 1;
        return 0;
    }
    if (s->total < SNIFF) {
        const char *nul = memchr(tmp, 0, (size_t)SP_MIN((uint64_t)n, SNIFF - s->total));
        if (nul) {
            char why[32];
            snprintf(why, sizeof why, "%llu",
                     (unsigned long long)(s->total + (uint64_t)(nul - tmp)));
            int rc = bad_file(w, s->in_dir, SPASM_EINPUT, "%s: binary file (NUL byte at offset %s)",
                              s->name, why);
            s->skipped = !rc;
            return rc;
        }
    }
    s->total += (uint64_t)n;
    w->st.file_bytes = s->base + s->r.raw;
    sp_buf_append(b, tmp, (size_t)n);
    if (b->err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    return 0;
}

/* Does b (the start of an input) hold JSON Lines?  Its first non-blank
 * byte is '{' and its first line parses as an object (a first line
 * longer than SNIFF_LINE is judged by its '{'). */
static int looks_like_jsonl(const sp_buf *b)
{
    size_t a = 0;
    while (a < b->n && (b->p[a] == ' ' || b->p[a] == '\t' || b->p[a] == '\r' || b->p[a] == '\n'))
        a++;
    if (a == b->n || b->p[a] != '{') return 0;
    const uint8_t *nl = memchr(b->p + a, '\n', b->n - a);
    if (!nl && b->n - a >= SNIFF_LINE) return 1;
    size_t end = nl ? (size_t)(nl - b->p) : b->n;
    json_error_t jerr;
    json_t *o = json_loadb((const char *)b->p + a, end - a, JSON_ALLOW_NUL, &jerr);
    int ok = o && json_is_object(o);
    json_decref(o);
    return ok;
}

/* The rest of a text article: read it whole and add it. */
static int add_text(spasm_writer *w, src *s, sp_buf *b)
{
    int rc = 0;
    while (!rc && !s->eof && !s->skipped) rc = read_more(w, s, b);
    if (rc || s->skipped) return rc;
    /* id: the base name without its extension ("notes.txt" -> "notes") */
    const char *base = strrchr(s->name, '/');
    base = base ? base + 1 : s->name;
    const char *dot = strrchr(base, '.');
    size_t idlen = (dot && dot > base) ? (size_t)(dot - base) : strlen(base);
    const char *text;
    size_t len;
    int r = sp_writer_repair(w, b->p ? (const char *)b->p : "", b->n, &text, &len);
    if (r < 0) return w->rc;
    if (r == 1) {
        char warn[SP_ERRMSG_MAX];
        snprintf(warn, sizeof warn, "%s: invalid UTF-8 repaired", s->name);
        sp_writer_event(w, SPASM_EVENT_WARNING, warn);
    }
    return sp_writer_add_doc(w, base, idlen, NULL, 0, text, len, 1);
}

/* An HTML or Markdown page: read it whole, parse it, add it. */
static int add_markup(spasm_writer *w, src *s, sp_buf *b, kind k)
{
    int rc = 0;
    while (!rc && !s->eof && !s->skipped) rc = read_more(w, s, b);
    if (rc || s->skipped) return rc;
    char warn[SP_ERRMSG_MAX];
    const uint8_t *p = b->p ? b->p : (const uint8_t *)"";
    rc = k == K_HTML ? sp_html_add(w, s->name, p, b->n, warn, sizeof warn)
                     : sp_md_add(w, s->name, p, b->n, warn, sizeof warn);
    if (rc == 1) {
        char why[SP_ERRMSG_MAX + 64];
        snprintf(why, sizeof why, "%s%s%s%s",
                 k == K_HTML ? "no text in the HTML page" : "no text in the Markdown file",
                 warn[0] ? " (" : "", warn, warn[0] ? ")" : "");
        rc = bad_file(w, s->in_dir, SPASM_EINPUT, "%s: %s", s->name, why);
        s->skipped = 1;
        return rc;
    }
    if (!rc && warn[0]) sp_writer_event(w, SPASM_EVENT_WARNING, warn);
    return rc;
}

/* JSON Lines: every line of b and of the rest of the input. */
static int add_lines(spasm_writer *w, src *s, sp_buf *line)
{
    uint64_t lineno = 0;
    int rc = 0;
    size_t scan = 0;
    for (;;) {
        if (s->eof && line->n && line->p[line->n - 1] != '\n') {
            sp_buf_putc(line, '\n'); /* a last line without newline */
            if (line->err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        }
        /* Process every complete line in the buffer. */
        size_t start = 0;
        for (;;) {
            uint8_t *nl = line->n > scan ? memchr(line->p + scan, '\n', line->n - scan) : NULL;
            if (!nl) {
                scan = line->n;
                break;
            }
            size_t end = (size_t)(nl - line->p);
            lineno++;
            size_t a = start, b = end;
            while (a < b && (line->p[a] == ' ' || line->p[a] == '\t' || line->p[a] == '\r')) a++;
            while (b > a &&
                   (line->p[b - 1] == ' ' || line->p[b - 1] == '\t' || line->p[b - 1] == '\r'))
                b--;
            if (b > a) {
                rc = sp_writer_add_json(w, s->name, lineno, (const char *)line->p + a, b - a);
                if (rc) return rc;
            }
            start = scan = end + 1;
        }
        if (start) {
            memmove(line->p, line->p + start, line->n - start);
            line->n -= start;
            scan -= start;
        }
        if (s->eof) return 0;
        if ((rc = read_more(w, s, line)) || s->skipped) return rc;
    }
}

/* Read the open descriptor fd (closed here when own_fd) as an input of
 * kind k (K_AUTO: decide by its content). */
static int add_fd(spasm_writer *w, int fd, int own_fd, const char *name, kind k, int in_dir)
{
    src s;
    memset(&s, 0, sizeof s);
    s.name = name;
    s.in_dir = in_dir;
    s.base = w->st.file_bytes;
    if (sp_reader_open(&s.r, &w->a, fd, w->cancel)) {
        if (own_fd) close(fd);
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    sp_buf b;
    sp_buf_init(&b, &w->a);
    int rc = 0;
    if (k == K_AUTO || k == K_JSON) {
        /* the first line, to look at */
        while (!rc && !s.eof && !s.skipped && b.n < SNIFF_LINE &&
               (b.n == 0 || !memchr(b.p, '\n', b.n)))
            rc = read_more(w, &s, &b);
        if (!rc && !s.skipped) {
            if (looks_like_jsonl(&b)) {
                k = K_JSONL;
            } else if (k == K_AUTO) {
                k = K_TXT;
            } else {
                rc = bad_file(w, in_dir, SPASM_EINPUT, "%s: %s", name,
                              "not JSON Lines (its first line is not a JSON object)");
                s.skipped = 1;
            }
        }
    }
    if (!rc && !s.skipped) {
        if (k == K_HTML || k == K_MD)
            rc = add_markup(w, &s, &b, k);
        else
            rc = k == K_TXT ? add_text(w, &s, &b) : add_lines(w, &s, &b);
    }
    sp_reader_close(&s.r);
    if (own_fd) close(fd);
    sp_buf_free(&b);
    if (!rc && !s.skipped) {
        w->st.files_done++;
        sp_writer_event(w, SPASM_EVENT_PROGRESS, name);
    }
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
        if (!rc && nm[0] != '.' && !sp_is_tmp_name(nm)) {
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

/* Mark (dev, ino) read: 0 (first time), 1 (seen: warned), or an error. */
static int first_visit(spasm_writer *w, const char *path, const struct stat *st, int dir)
{
    int r = sp_seen_add(w, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
    if (r < 0) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (r == 0) return 0;
    char warn[SP_ERRMSG_MAX];
    if (dir) {
        snprintf(warn, sizeof warn,
                 "%s: directory already read (a symlink loop?); not entered again", path);
    } else {
        w->st.skipped_files++;
        snprintf(warn, sizeof warn, "%s: the same file as one already read; indexed once", path);
    }
    sp_writer_event(w, SPASM_EVENT_WARNING, warn);
    return 1;
}

static int add_any(spasm_writer *w, const char *path, int in_dir, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return bad_file(w, in_dir, SPASM_EIO, "%s: %s", path, strerror(errno));
    int r;
    if (S_ISDIR(st.st_mode)) {
        if ((r = first_visit(w, path, &st, 1))) return r < 0 ? w->rc : 0;
        return add_dir(w, path, depth);
    }
    int is_target = w->has_target && (uint64_t)st.st_dev == w->target_dev &&
                    (uint64_t)st.st_ino == w->target_ino;
    kind k = kind_of(path);
    if (in_dir && (k == K_OTHER || !S_ISREG(st.st_mode))) {
        if (is_target) return 0; /* the index being replaced: not an input */
        return bad_file(w, 1, SPASM_EINPUT, "%s: %s", path,
                        S_ISREG(st.st_mode)
                            ? "not a .txt, .jsonl, .ndjson, .json, .html, .htm or .md file"
                            : "not a regular file");
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
        return sp_writer_err(w, SPASM_EINPUT, "%s: not a regular file, FIFO or directory", path);
    if (is_target)
        return sp_writer_err(w, SPASM_EINVAL, "%s: is the output index; not reading it", path);
    if ((r = first_visit(w, path, &st, 0))) return r < 0 ? w->rc : 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (sp_writer_canceled(w)) return w->rc; /* a signal cut open() short (a FIFO) */
        return bad_file(w, in_dir, SPASM_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    return add_fd(w, fd, 1, path, k == K_OTHER ? K_AUTO : k, in_dir);
}

int spasm_writer_add_path(spasm_writer *w, const char *path)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (!path || !*path) return sp_writer_err(w, SPASM_EINVAL, "empty input path");
    return add_any(w, path, 0, 0);
}

int spasm_writer_add_fd(spasm_writer *w, int fd, const char *name, int format)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (fd < 0 || !name || !*name || format < SPASM_INPUT_AUTO || format > SPASM_INPUT_TEXT)
        return sp_writer_err(w, SPASM_EINVAL, "spasm_writer_add_fd: bad arguments");
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        return sp_writer_err(w, SPASM_EINPUT, "%s: is a directory", name);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (w->has_target && (uint64_t)st.st_dev == w->target_dev &&
            (uint64_t)st.st_ino == w->target_ino)
            return sp_writer_err(w, SPASM_EINVAL, "%s: is the output index; not reading it", name);
        if (sp_seen_add(w, (uint64_t)st.st_dev, (uint64_t)st.st_ino) < 0)
            return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    kind k = format == SPASM_INPUT_JSONL ? K_JSONL : format == SPASM_INPUT_TEXT ? K_TXT : K_AUTO;
    return add_fd(w, fd, 0, name, k, 0);
}
