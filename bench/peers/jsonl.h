/*
 * jsonl.h -- read {"id","title","text"} JSON lines, plain or gzip'd (zlib's
 * gzopen/gzgets read both), with jansson.  Header-only, C11 and C++17; used
 * by the peer harnesses fts5_bench.c and xapian_bench.cc so that both read
 * their input the same way.
 *
 * Each non-blank line must be one JSON object with a non-empty "id" (or
 * "_id"; a string or an integer), an optional "title" and a "text" string.
 * Anything else stops the program (exit 2) with the file and line at fault.
 */
#ifndef BENCH_JSONL_H
#define BENCH_JSONL_H

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../bench_util.h"

typedef struct jl_reader {
    gzFile gz;
    const char *path;
    char *buf;
    size_t cap;
    unsigned long lineno;
    json_t *obj;          /* the current line's object (owned) */
    char idbuf[32];       /* an integer id as text */
} jl_reader;

/* One document; the strings belong to the reader until the next call. */
typedef struct jl_doc {
    const char *id;
    const char *title; /* "" when there is none */
    size_t title_len;
    const char *text;
    size_t text_len;
} jl_doc;

static BU_UNUSED void jl_open(jl_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->gz = gzopen(path, "rb");
    if (!r->gz)
        bu_die("cannot open %s: %s", path, errno ? strerror(errno) : "zlib error");
    gzbuffer(r->gz, 1u << 18);
    r->cap = 1u << 16;
    r->buf = (char *)malloc(r->cap);
    if (!r->buf)
        bu_die("out of memory");
}

/* Read the next line into r->buf; returns its length, or -1 at the end. */
static long jl_getline(jl_reader *r)
{
    size_t len = 0;
    for (;;) {
        if (r->cap - len < 2) {
            r->cap *= 2;
            r->buf = (char *)realloc(r->buf, r->cap);
            if (!r->buf)
                bu_die("out of memory");
        }
        if (!gzgets(r->gz, r->buf + len, (int)(r->cap - len > 0x40000000 ? 0x40000000
                                                                        : r->cap - len))) {
            int zerr;
            const char *msg = gzerror(r->gz, &zerr);
            if (zerr != Z_OK && zerr != Z_BUF_ERROR)
                bu_die("%s: read error after line %lu: %s", r->path, r->lineno, msg);
            if (zerr == Z_BUF_ERROR)
                bu_die("%s: truncated gzip stream after line %lu", r->path, r->lineno);
            break; /* end of file */
        }
        len += strlen(r->buf + len);
        if (len > 0 && r->buf[len - 1] == '\n')
            break;
        if (gzeof(r->gz))
            break;
    }
    if (len == 0)
        return -1;
    r->lineno++;
    while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
        r->buf[--len] = '\0';
    return (long)len;
}

/* Next document: 1, or 0 at the end of the input. */
static BU_UNUSED int jl_next(jl_reader *r, jl_doc *d)
{
    long len;
    do {
        len = jl_getline(r);
        if (len < 0)
            return 0;
    } while (len == 0);
    if (r->obj) {
        json_decref(r->obj);
        r->obj = NULL;
    }
    json_error_t err;
    r->obj = json_loadb(r->buf, (size_t)len, JSON_ALLOW_NUL, &err);
    if (!r->obj)
        bu_die("%s:%lu: bad JSON at column %d: %s", r->path, r->lineno, err.column, err.text);
    if (!json_is_object(r->obj))
        bu_die("%s:%lu: not a JSON object", r->path, r->lineno);
    json_t *id = json_object_get(r->obj, "id");
    if (!id)
        id = json_object_get(r->obj, "_id");
    if (json_is_string(id) && json_string_length(id) > 0) {
        d->id = json_string_value(id);
    } else if (json_is_integer(id)) {
        snprintf(r->idbuf, sizeof r->idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        d->id = r->idbuf;
    } else {
        bu_die("%s:%lu: no \"id\" (a non-empty string or an integer)", r->path, r->lineno);
    }
    json_t *title = json_object_get(r->obj, "title");
    if (json_is_string(title)) {
        d->title = json_string_value(title);
        d->title_len = json_string_length(title);
    } else {
        d->title = "";
        d->title_len = 0;
    }
    json_t *text = json_object_get(r->obj, "text");
    if (!json_is_string(text))
        bu_die("%s:%lu: no \"text\" string", r->path, r->lineno);
    d->text = json_string_value(text);
    d->text_len = json_string_length(text);
    return 1;
}

static BU_UNUSED void jl_close(jl_reader *r)
{
    if (r->obj)
        json_decref(r->obj);
    free(r->buf);
    if (r->gz)
        gzclose(r->gz);
    memset(r, 0, sizeof *r);
}

#endif /* BENCH_JSONL_H */
