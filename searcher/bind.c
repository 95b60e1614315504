/*
 * bind.c -- one iterator tree for all the segments of a collection
 * (issue 11: a live index of many segments searched within 1.3x of one).
 *
 * A bag-of-words query (terms and prefixes, no field, OR-ed) has the same
 * tree on every segment: its terms, their collection idf and their order
 * do not depend on the segment, only the cursors do.  search.c builds it
 * once without cursors (it_ctx.defer) and binds it to each segment it
 * searches: each term's entry in that segment comes from gdf.c (looked
 * up once per query for every segment) and its cursor is opened in
 * place, lazily (a list of several blocks is decoded at its first seek:
 * with the threshold of the segments searched before, MaxScore often
 * never seeks a common term's first block); nothing is allocated per
 * segment.
 */
#include <string.h>

#include "search.h"

int sp_it_bindable(const qnode *q)
{
    if (!q) return 0;
    if (q->type == Q_TERM || q->type == Q_PREFIX) return q->field == F_ANY;
    if (q->type != Q_OR) return 0;
    for (size_t i = 0; i < q->nkids; i++)
        if (!sp_it_bindable(q->kids[i])) return 0;
    return 1;
}

int sp_it_bind(it_ctx *x, it *n)
{
    n->settled = 0;
    n->freq = 0;
    if (n->type == Q_OR) {
        n->doc = n->nkids ? 0 : SP_END; /* as sp_it_build_tree() leaves it */
        for (size_t i = 0; i < n->nkids; i++) {
            int rc = sp_it_bind(x, n->kids[i]);
            if (rc) return rc;
        }
        return 0;
    }
    /* a term (sp_it_bindable: nothing else) */
    sp_terminfo ti;
    int r = sp_gdf_part_find(x, n->name, strlen(n->name), (size_t)(x->part - x->col->part), &ti);
    if (r < 0) return x->rc = -r;
    if (r == 0) { /* not in this segment (or only deleted): matches nothing */
        n->doc = SP_END;
        n->empty = 1;
        return 0;
    }
    n->empty = 0;
    int rc = sp_cursor_open_lazy(&n->cur, x->ix, &ti, x->err);
    if (rc) {
        n->doc = SP_END;
        n->empty = 1;
        return rc;
    }
    n->doc = n->cur.doc;
    x->nterms_open++;
    return 0;
}
