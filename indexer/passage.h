/*
 * passage.h -- splitting an article into passages (paragraphs).
 *
 * Rules (also in the README, "Passages"):
 *   - A blank line ends a passage.
 *   - A single line break ends one too when the line before it ends a
 *     sentence (., !, ? or ..., before closing quotes or brackets) and the
 *     next line does not continue a list; otherwise the lines are one
 *     wrapped paragraph.  Consecutive list items ("*", "-", "•") stay
 *     together.
 *   - A heading (a line of at most 12 words and 120 bytes that does not
 *     end in . ! ; or ,) belongs to the passage under it, across blank
 *     lines too.
 *   - A passage longer than SP_PASSAGE_MAX bytes is cut at sentence ends
 *     into near-equal pieces of about SP_PASSAGE_TARGET bytes.
 */
#ifndef SPASM_PASSAGE_H
#define SPASM_PASSAGE_H

#include "base.h"

#define SP_PASSAGE_MAX 3000
#define SP_PASSAGE_TARGET 1500

typedef struct sp_span32 {
    uint32_t start, end;
} sp_span32;

typedef struct sp_spans {
    sp_span32 *v;
    size_t n, cap;
    const sp_alloc *a;
} sp_spans;

/*
 * If the first line of text reads like a title (a heading, followed by
 * more text), set *title to its span without surrounding quotes and
 * *body to the offset just after it, and return 1; else return 0 with
 * *body = 0.
 */
int sp_detect_title(const char *text, size_t len, sp_span32 *title, uint32_t *body);

/* Append the passages of text[from, len) to out.  0 or SPASM_ENOMEM. */
int sp_split_passages(const char *text, size_t len, size_t from, sp_spans *out);

#endif
