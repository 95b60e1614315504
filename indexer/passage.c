/*
 * passage.c -- paragraph splitting (rules in passage.h).
 *
 * Works on lines: each line is classified (blank, heading, list item, ends
 * a sentence), then lines are grouped into passages, then long passages
 * are cut at sentence ends.
 */
#include "passage.h"

typedef struct line {
    uint32_t ts, te; /* trimmed span */
    int blank, heading, item, ends_sentence;
} line;

static int is_space_at(const char *s, size_t len, size_t i, size_t *n)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        *n = 1;
        return 1;
    }
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) { /* NBSP */
        *n = 2;
        return 1;
    }
    return 0;
}

/* Trim spaces (ASCII and NBSP) from both ends of [*a, *b). */
static void trim(const char *s, uint32_t *a, uint32_t *b)
{
    size_t n;
    while (*a < *b && is_space_at(s, *b, *a, &n)) *a += (uint32_t)n;
    while (*a < *b) {
        unsigned char c = (unsigned char)s[*b - 1];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            (*b)--;
        } else if (c == 0xA0 && *b - *a >= 2 && (unsigned char)s[*b - 2] == 0xC2) {
            *b -= 2;
        } else {
            break;
        }
    }
}

/* 1 if s[a, b) ends a sentence, looking past closing quotes and dashes. */
static int ends_sentence(const char *s, uint32_t a, uint32_t b)
{
    while (b > a) {
        unsigned char c = (unsigned char)s[b - 1];
        if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '*' || c == '-' || c == ' ') {
            b--;
        } else if (b - a >= 3 && (unsigned char)s[b - 3] == 0xE2 &&
                   (unsigned char)s[b - 2] == 0x80 &&
                   ((unsigned char)s[b - 1] == 0x9D || (unsigned char)s[b - 1] == 0x99)) {
            b -= 3; /* closing curly quotes */
        } else {
            break;
        }
    }
    if (b == a) return 0;
    char c = s[b - 1];
    if (c == '.' || c == '!' || c == '?') return 1;
    /* U+2026 horizontal ellipsis */
    return b - a >= 3 && (unsigned char)s[b - 3] == 0xE2 && (unsigned char)s[b - 2] == 0x80 &&
           (unsigned char)s[b - 1] == 0xA6;
}

static void classify(const char *s, line *l)
{
    l->blank = l->ts == l->te;
    if (l->blank) return;
    uint32_t words = 0;
    int in = 0;
    for (uint32_t i = l->ts; i < l->te; i++) {
        int sp = s[i] == ' ' || s[i] == '\t';
        if (!sp && !in) words++;
        in = !sp;
    }
    char last = s[l->te - 1];
    l->heading = words <= 12 && l->te - l->ts <= 120 && last != '.' && last != '!' && last != ';' &&
                 last != ',';
    l->ends_sentence = ends_sentence(s, l->ts, l->te);
    unsigned char c0 = (unsigned char)s[l->ts];
    l->item = ((c0 == '*' || c0 == '-') && l->te - l->ts > 1 && s[l->ts + 1] == ' ') ||
              (l->te - l->ts >= 3 && c0 == 0xE2 && (unsigned char)s[l->ts + 1] == 0x80 &&
               (unsigned char)s[l->ts + 2] == 0xA2);
}

/* Read the line starting at *pos; advances *pos past its newline. */
static void next_line(const char *s, size_t len, size_t *pos, line *l)
{
    size_t i = *pos;
    while (i < len && s[i] != '\n') i++;
    l->ts = (uint32_t)*pos;
    l->te = (uint32_t)i;
    trim(s, &l->ts, &l->te);
    classify(s, l);
    *pos = i < len ? i + 1 : i;
}

static int push(sp_spans *out, uint32_t a, uint32_t b)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        sp_span32 *v = sp_realloc(out->a, out->v, cap * sizeof *v);
        if (!v) return SPASM_ENOMEM;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n].start = a;
    out->v[out->n].end = b;
    out->n++;
    return 0;
}

/* 1 if a sentence ends just before s[i] (i.e. s[i-1] is a space after . ! ?
 * and s[i] starts a new one). */
static int sentence_break_at(const char *s, uint32_t a, uint32_t i)
{
    if (i < a + 2 || (s[i - 1] != ' ' && s[i - 1] != '\n')) return 0;
    char p = s[i - 2];
    if (p == '"' || p == ')') p = i >= a + 3 ? s[i - 3] : 0;
    if (p != '.' && p != '!' && p != '?') return 0;
    unsigned char c = (unsigned char)s[i];
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' || c >= 0x80;
}

/* Emit passage [a, b), cut at sentence ends if it is too long. */
static int emit(const char *s, uint32_t a, uint32_t b, sp_spans *out)
{
    uint32_t len = b - a;
    if (len <= SP_PASSAGE_MAX) return push(out, a, b);
    uint32_t pieces = (len + SP_PASSAGE_TARGET - 1) / SP_PASSAGE_TARGET;
    uint32_t target = len / pieces;
    uint32_t start = a;
    while (b - start > SP_PASSAGE_MAX) {
        uint32_t want = start + target, best = 0, bestd = UINT32_MAX;
        /* The sentence break nearest to `want`, not in the first or last
         * quarter-target of the piece. */
        uint32_t lo = start + target / 4, hi = SP_MIN(b - target / 4, start + SP_PASSAGE_MAX);
        for (uint32_t i = lo; i < hi; i++) {
            if (!sentence_break_at(s, a, i)) continue;
            uint32_t d = i > want ? i - want : want - i;
            if (d < bestd) {
                bestd = d;
                best = i;
            }
        }
        if (!best) { /* no sentence end: cut at a space near the target */
            best = want;
            while (best < b && s[best] != ' ') best++;
            if (best >= b) break;
            best++;
        }
        uint32_t e = best, ns = best;
        trim(s, &start, &e);
        if (e > start && push(out, start, e)) return SPASM_ENOMEM;
        start = ns;
    }
    uint32_t e = b;
    trim(s, &start, &e);
    return e > start ? push(out, start, e) : 0;
}

int sp_detect_title(const char *text, size_t len, sp_span32 *title, uint32_t *body)
{
    size_t pos = 0;
    line l;
    *body = 0;
    next_line(text, len, &pos, &l);
    if (l.blank || !l.heading || text[l.te - 1] == ':') return 0;
    /* There must be more text after the title. */
    size_t p2 = pos;
    int more = 0;
    while (p2 < len) {
        line m;
        next_line(text, len, &p2, &m);
        if (!m.blank) {
            more = 1;
            break;
        }
    }
    if (!more) return 0;
    uint32_t a = l.ts, b = l.te;
    /* Strip one pair of surrounding quotes ("..." or curly). */
    if (b - a >= 2 && text[a] == '"' && text[b - 1] == '"') {
        a++;
        b--;
    } else if (b - a >= 6 && memcmp(text + a, "\xE2\x80\x9C", 3) == 0 &&
               memcmp(text + b - 3, "\xE2\x80\x9D", 3) == 0) {
        a += 3;
        b -= 3;
    }
    title->start = a;
    title->end = b;
    *body = (uint32_t)pos;
    return 1;
}

int sp_split_passages(const char *s, size_t len, size_t from, sp_spans *out)
{
    if (len > UINT32_MAX) len = UINT32_MAX;
    size_t pos = from;
    int have = 0, heading_only = 0, blank_since = 0;
    uint32_t ps = 0, pe = 0;
    line prev = {0};
    while (pos < len) {
        line l;
        next_line(s, len, &pos, &l);
        if (l.blank) {
            blank_since = 1;
            continue;
        }
        int join;
        if (!have) {
            join = 0;
        } else if (heading_only) {
            join = 1; /* a heading belongs to what follows it */
        } else if (blank_since) {
            join = 0;
        } else if (prev.item && l.item) {
            join = 1;
        } else {
            join = !prev.ends_sentence && !(prev.heading && l.heading);
        }
        if (join) {
            pe = l.te;
            heading_only = heading_only && l.heading;
        } else {
            if (have && emit(s, ps, pe, out)) return SPASM_ENOMEM;
            ps = l.ts;
            pe = l.te;
            have = 1;
            heading_only = l.heading;
        }
        prev = l;
        blank_since = 0;
    }
    if (have && emit(s, ps, pe, out)) return SPASM_ENOMEM;
    return 0;
}
