/*
 * jsonline.c -- a fast path for the JSON Lines documents of
 * spasm_writer_add_path(): one flat object per line whose values are
 * strings, e.g.
 *
 *     {"id": "12-0", "title": "Anarchism", "text": "Anarchism is ..."}
 *
 * Jansson (batch.c) stays the parser of record: this scanner accepts only
 * lines that Jansson, with JSON_REJECT_DUPLICATES, would accept and decode
 * to the same strings, and hands every other line back to it: numbers,
 * literals, nested values, \u0000, a lone surrogate, raw control
 * characters, a duplicate or escaped key, more than SP_JSONL_KEYS keys,
 * anything malformed.  So errors are always Jansson's own messages.  On
 * wikipedia_en it replaced Jansson's 15% of the indexing CPU (a tree of
 * hash-table objects and a copy of every string) by one decoding pass.
 * The input is valid UTF-8 (repaired before).
 */
#include "jsonline.h"

#include <string.h>

#define SP_JSONL_KEYS 16

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Read 4 hex digits at p (p + 4 <= end); -1 when they are not. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return -1;
        v = v << 4 | h;
    }
    return v;
}

/*
 * Decode the string whose opening quote is at *pp into out (appended).
 * Returns 1 and moves *pp past the closing quote, or 0 when the string is
 * one for Jansson to judge.
 */
static int get_string(const char **pp, const char *end, sp_buf *out)
{
    const char *p = *pp + 1;
    for (;;) {
        const char *run = p;
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        if (p > run) sp_buf_append(out, run, (size_t)(p - run));
        if (p >= end || (unsigned char)*p < 0x20) return 0;
        if (*p == '"') break;
        if (p + 1 >= end) return 0;
        char c = p[1], e;
        switch (c) {
        case '"':
            e = '"';
            break;
        case '\\':
            e = '\\';
            break;
        case '/':
            e = '/';
            break;
        case 'b':
            e = '\b';
            break;
        case 'f':
            e = '\f';
            break;
        case 'n':
            e = '\n';
            break;
        case 'r':
            e = '\r';
            break;
        case 't':
            e = '\t';
            break;
        case 'u':
            e = 0;
            break;
        default:
            return 0;
        }
        if (c != 'u') {
            sp_buf_putc(out, e);
            p += 2;
            continue;
        }
        if (end - p < 6) return 0;
        long u = hex4(p + 2);
        p += 6;
        if (u <= 0) return 0; /* bad digits, or \u0000 */
        if (u >= 0xDC00 && u <= 0xDFFF) return 0;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return 0;
            long lo = hex4(p + 2);
            if (lo < 0xDC00 || lo > 0xDFFF) return 0;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        unsigned char b[4];
        size_t n;
        if (u < 0x80) {
            b[0] = (unsigned char)u;
            n = 1;
        } else if (u < 0x800) {
            b[0] = (unsigned char)(0xC0 | u >> 6);
            b[1] = (unsigned char)(0x80 | (u & 0x3F));
            n = 2;
        } else if (u < 0x10000) {
            b[0] = (unsigned char)(0xE0 | u >> 12);
            b[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
            b[2] = (unsigned char)(0x80 | (u & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | u >> 18);
            b[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F));
            b[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
            b[3] = (unsigned char)(0x80 | (u & 0x3F));
            n = 4;
        }
        sp_buf_append(out, b, n);
    }
    *pp = p + 1;
    return 1;
}

int sp_jsonl_fast(const char *line, size_t len, sp_buf *out, sp_jsonl_doc *doc)
{
    const char *p = line, *end = line + len;
    struct {
        const char *s;
        size_t n;
    } keys[SP_JSONL_KEYS];
    size_t nkeys = 0;
    sp_span32 *slot[3] = {&doc->id, &doc->title, &doc->text};
    int have[3] = {0, 0, 0}, have_uid = 0;
    sp_span32 uid = {0, 0};
    out->n = 0;
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return 0;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') return 0; /* {}: Jansson says what is missing */
    for (;;) {
        if (p >= end || *p != '"') return 0;
        const char *k = p + 1, *q = k;
        while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
        if (q >= end || *q != '"') return 0; /* escaped or unterminated key */
        size_t kn = (size_t)(q - k);
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].n == kn && memcmp(keys[i].s, k, kn) == 0) return 0;
        if (nkeys == SP_JSONL_KEYS) return 0;
        keys[nkeys].s = k;
        keys[nkeys++].n = kn;
        p = skip_ws(q + 1, end);
        if (p >= end || *p != ':') return 0;
        p = skip_ws(p + 1, end);
        if (p >= end || *p != '"') return 0; /* not a string: Jansson's case */
        size_t start = out->n;
        if (!get_string(&p, end, out)) return out->err ? -1 : 0;
        if (out->err) return -1;
        if (out->n > UINT32_MAX) return 0;
        sp_span32 v = {(uint32_t)start, (uint32_t)out->n};
        int which = -1;
        if (kn == 2 && memcmp(k, "id", 2) == 0) which = 0;
        if (kn == 5 && memcmp(k, "title", 5) == 0) which = 1;
        if (kn == 4 && memcmp(k, "text", 4) == 0) which = 2;
        if (which >= 0) {
            *slot[which] = v;
            have[which] = 1;
        } else if (kn == 3 && memcmp(k, "_id", 3) == 0) {
            uid = v;
            have_uid = 1;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') break;
        return 0;
    }
    if (skip_ws(p + 1, end) != end) return 0;
    if (!have[0] && have_uid) {
        doc->id = uid;
        have[0] = 1;
    }
    /* Missing or empty fields: Jansson's path words the error. */
    if (!have[0] || !have[2] || doc->id.end == doc->id.start) return 0;
    if (!have[1]) doc->title.start = doc->title.end = 0;
    return 1;
}
