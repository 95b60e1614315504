/*
 * inspect.c -- looking inside an open index for spasm-inspect: a word's
 * term as the analyser makes it, its live df and cf over the collection,
 * its postings in global passage numbers (deleted passages skipped), and
 * a passage's length.  Read-only, through a searcher (its analyser and
 * error message).
 */
#include <string.h>

#include "search.h"

_Static_assert(SPASM_TERM_BYTES >= SP_TERM_BUF, "spasm_term_stats.term too small");

/* Analyse `word` into its one term (NUL-terminated in term).  0,
 * SPASM_EQUERY when it is not exactly one word, or SPASM_ENOMEM. */
static int word_term(spasm_searcher *s, const char *word, char *term, size_t *tlen)
{
    if (sp_analyze(s->an, word, strlen(word)))
        return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
    size_t n = 0;
    const sp_token *t = sp_analyzer_tokens(s->an, &n);
    if (n != 1)
        return sp_seterr(s->errmsg, SPASM_EQUERY, "\"%s\" is %s, not one word", word,
                         n ? "several words" : "no word");
    memcpy(term, sp_analyzer_pool(s->an) + t->term_off, t->term_len);
    term[t->term_len] = 0;
    *tlen = t->term_len;
    return 0;
}

/* Walk the live postings of term over every part in collection order,
 * counting them into st and calling fn (when not NULL) for each until it
 * returns non-zero.  0 or an error code (s->errmsg set). */
static int walk(spasm_searcher *s, const char *term, size_t tlen, spasm_term_stats *st,
                spasm_posting_fn fn, void *ud)
{
    spasm_index *col = s->ix;
    uint32_t *pos = NULL;
    size_t cap = 0;
    int rc = sp_col_check_files(col, s->errmsg);
    for (size_t i = 0; !rc && i < col->nparts; i++) {
        const sp_part *pt = &col->part[i];
        sp_terminfo ti;
        int r = sp_dict_find(pt->seg, term, tlen, &ti, s->errmsg);
        if (r < 0) {
            rc = -r;
            break;
        }
        if (r == 0) continue;
        sp_cursor c;
        if ((rc = sp_cursor_open(&c, pt->seg, &ti, s->errmsg))) break;
        for (uint32_t d = c.doc; d != SP_END; d = sp_cursor_next(&c, s->errmsg)) {
            if (sp_part_deleted(pt, d)) continue;
            uint32_t tf = sp_cursor_tf(&c);
            st->df++;
            st->cf += tf;
            if (!fn) continue;
            if (tf > cap) {
                uint32_t *np = sp_realloc(s->a, pos, (size_t)tf * sizeof *np);
                if (!np) {
                    rc = sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
                    break;
                }
                pos = np;
                cap = tf;
            }
            long np = sp_cursor_positions(&c, pos, s->errmsg);
            if (np < 0) {
                rc = SPASM_ECORRUPT;
                break;
            }
            spasm_posting p = {pt->pbase + d, tf, pos, (size_t)np};
            if (fn(ud, &p)) {
                fn = NULL; /* stopped: go on counting only */
            }
        }
        if (!rc && c.err) rc = c.err;
    }
    sp_free(s->a, pos);
    return rc;
}

int spasm_term_postings(spasm_searcher *s, const char *word, spasm_term_stats *st,
                        spasm_posting_fn fn, void *ud)
{
    if (!s || !word || !st) return SPASM_EINVAL;
    memset(st, 0, sizeof *st);
    size_t tlen = 0;
    int rc = word_term(s, word, st->term, &tlen);
    if (!rc) rc = walk(s, st->term, tlen, st, fn, ud);
    if (rc) {
        st->df = st->cf = 0;
        return rc;
    }
    return 0;
}

int spasm_passage_length(spasm_searcher *s, uint32_t passage, uint32_t *len)
{
    if (!s || !len) return SPASM_EINVAL;
    *len = 0;
    if (passage >= s->ix->npass)
        return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "no passage %u", passage);
    const sp_part *pt = sp_col_part_of_passage(s->ix, passage);
    uint32_t p = passage - pt->pbase;
    if (sp_part_deleted(pt, p))
        return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "passage %u was deleted", passage);
    int rc = sp_col_check_files(s->ix, s->errmsg);
    if (rc) return rc;
    *len = sp_ix_len_checked(pt->seg, p, &rc, s->errmsg);
    return rc;
}
