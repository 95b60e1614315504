/*
 * jsonw.c -- a JSON writer for spasm-serve's search answers: values
 * appended to a growing buffer, no tree.  GET /search writes its hits
 * with it (about 10 KB of JSON at k = 10) where building a Jansson tree
 * and dumping it cost several times more (bench/serve_bench.sh; README,
 * "Serving over HTTP"); every other answer is built with Jansson.
 *
 * Output as Jansson's JSON_COMPACT: strings in UTF-8 with '"', '\\' and
 * control characters escaped (\n, \t, ... or \u00XX); an invalid UTF-8
 * sequence is written as U+FFFD (Jansson refuses the whole string).
 * Reals with 17 significant digits (they read back as the same double).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* Make room for n more bytes (and a NUL); 0, or -1 with w->err set. */
static int jw_room(serve_jw *w, size_t n)
{
    if (w->err) return -1;
    if (w->n + n + 1 <= w->cap) return 0;
    size_t cap = w->cap ? w->cap : 16384;
    while (cap < w->n + n + 1) cap *= 2;
    char *p = realloc(w->p, cap);
    if (!p) {
        w->err = 1;
        return -1;
    }
    w->p = p, w->cap = cap;
    return 0;
}

void jw_raw(serve_jw *w, const char *s, size_t n)
{
    if (jw_room(w, n)) return;
    memcpy(w->p + w->n, s, n);
    w->n += n;
    w->p[w->n] = 0;
}

void jw_lit(serve_jw *w, const char *s)
{
    jw_raw(w, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s[0, n) (n > 0, s[0] >= 0x80),
 * or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && c < 0xc2)) return 0;
    unsigned cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t j = 1; j < len; j++) {
        if ((s[j] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[j] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

void jw_str(serve_jw *w, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    /* at most 6 bytes out per byte in (\u00XX), plus the quotes */
    if (jw_room(w, 6 * n + 2)) return;
    char *o = w->p + w->n;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
        } else if (c >= 0x80) {
            size_t len = utf8_seq(s + i, n - i);
            if (len) {
                memcpy(o, s + i, len);
                o += len;
                i += len;
            } else { /* U+FFFD for the invalid byte */
                memcpy(o, "\xef\xbf\xbd", 3);
                o += 3;
                i++;
            }
        } else {
            *o++ = '\\';
            switch (c) {
            case '"':
            case '\\':
                *o++ = (char)c;
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\t':
                *o++ = 't';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            default:
                o += sprintf(o, "u%04x", c);
            }
            i++;
        }
    }
    *o++ = '"';
    w->n = (size_t)(o - w->p);
    w->p[w->n] = 0;
}

void jw_cstr(serve_jw *w, const char *s)
{
    jw_str(w, s, strlen(s));
}

void jw_u64(serve_jw *w, unsigned long long v)
{
    char d[24];
    int k = snprintf(d, sizeof d, "%llu", v);
    jw_raw(w, d, (size_t)k);
}

void jw_real(serve_jw *w, double v)
{
    char d[40];
    int k = snprintf(d, sizeof d, "%.17g", v);
    if (strspn(d, "-0123456789") == (size_t)k) k += snprintf(d + k, sizeof d - (size_t)k, ".0");
    jw_raw(w, d, (size_t)k);
}

void jw_free(serve_jw *w)
{
    free(w->p);
    w->p = NULL;
    w->n = w->cap = 0;
    w->err = 0;
}
