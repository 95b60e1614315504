/*
 * fields.c -- field-restricted words (title:word, text:word) and the
 * title weight.
 *
 * A document's title is indexed at the front of each of its passages
 * (docs/FORMAT.md): positions 0 .. T-1, then a gap, then the passage's
 * text from T + 1; the optional TLEN section gives T per passage.  A word
 * restricted to the title matches a passage where it occurs at a position
 * below T, one restricted to the text where it occurs at T or above.
 *
 * BM25 of a restricted word, as BM25F scores one field: tf is its number
 * of occurrences in the field, the length normalisation the passage's
 * (one shared normalisation, title included), and idf the word's, from
 * its df over whole passages (BM25F's idf is the document's, not the
 * field's; it is also what the live statistics keep exact).
 *
 * The title weight w (spasm_search_options.title_weight) makes a word
 * typed without a field count tf_text + w tf_title (BM25F's weighted tf
 * with one length normalisation); w = 1 is plain BM25 over title and
 * text, and costs nothing.  With w > 1 the tf of a term needs its
 * positions whenever the passage has a title.
 */
#include "search.h"

uint32_t sp_field_tspan(it_ctx *x, uint32_t d)
{
    if (!x->ix->tlen.p) return 0;
    return sp_ix_tspan_checked(x->ix, d, &x->rc, x->err);
}

/* Make room for `need` positions in n->pos. */
static int grow_pos(it_ctx *x, it *n, size_t need)
{
    if (need <= n->cappos) return 0;
    size_t c = n->cappos ? n->cappos : 16;
    while (c < need) c *= 2;
    uint32_t *p = sp_realloc(x->a, n->pos, c * sizeof *p);
    if (!p) return SPASM_ENOMEM;
    n->pos = p;
    n->cappos = c;
    return 0;
}

long sp_field_filter(it_ctx *x, it *n, uint32_t d)
{
    uint32_t tf = sp_cursor_tf(&n->cur);
    if (grow_pos(x, n, tf)) return -SPASM_ENOMEM;
    long r = sp_cursor_positions(&n->cur, n->pos, x->err);
    if (r < 0) return -SPASM_ECORRUPT;
    uint32_t t = sp_field_tspan(x, d);
    if (x->rc) return -x->rc;
    size_t w = 0;
    for (long i = 0; i < r; i++) {
        int in_title = n->pos[i] < t;
        if (in_title == (n->field == F_TITLE)) n->pos[w++] = n->pos[i];
    }
    n->npos = w;
    n->freq = (uint32_t)w;
    return (long)w;
}

double sp_field_tf(it_ctx *x, it *n, uint32_t d)
{
    if (n->field != F_ANY) return n->freq;
    uint32_t tf = sp_cursor_tf(&n->cur);
    if (x->tw == 1) return tf;
    uint32_t t = sp_field_tspan(x, d);
    if (t == 0) return tf;
    if (grow_pos(x, n, tf)) {
        x->rc = SPASM_ENOMEM;
        return tf;
    }
    long r = sp_cursor_positions(&n->cur, n->pos, x->err);
    if (r < 0) {
        x->rc = SPASM_ECORRUPT;
        return tf;
    }
    uint32_t in_title = 0;
    for (long i = 0; i < r && n->pos[i] < t; i++) in_title++; /* ascending */
    return tf + (x->tw - 1) * in_title;
}
