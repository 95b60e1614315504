/*
 * live_merge.c -- the merge policy of a live index and merging
 * (docs/LIVE.md, "Merging").
 *
 * A merge re-adds the live documents of a run of ADJACENT segments, in
 * collection order, through a spasm_writer (spasm_writer_add_passages with
 * each document's stored id, title and passages: the same passages, so
 * the same terms, positions and signatures), bounded by memory_mb like
 * any writer, into one new segment that takes the run's place.
 *
 * The policy, run at each commit until nothing applies:
 *   1. a segment whose deleted documents exceed merge_deleted_share (30%)
 *      of its documents is rewritten without them;
 *   2. a run of merge_width (SP_MERGE_WIDTH, 8) or more adjacent
 *      segments of one size tier is merged; the tier of a segment is
 *      floor(log8 of its live documents) (merge_tier_factor, also 8), so
 *      sizes grow by a factor of about 8 per merge and each document is
 *      rewritten about once per tier, log8(N) times in all;
 *   3. a bound whatever the order of sizes: when there are more than
 *      merge_width * (tiers + 1) segments, the adjacent window of
 *      merge_width segments with the fewest live documents is merged.
 * With optimize, every segment is merged into one (when there are
 * several, or one with deletions).
 */
#include <stdio.h>
#include <stdlib.h>

#include "index.h"
#include "live.h"
#include "search.h"
#include "writer.h"

static uint64_t live_docs(const sp_live_seg *s)
{
    return s->e.ndocs - s->e.del_docs;
}

/* The size tier of a segment: floor(log_factor(live documents)). */
static unsigned tier(const spasm_updater *u, const sp_live_seg *s)
{
    unsigned t = 0;
    for (uint64_t l = live_docs(s); l >= u->merge_tier_factor; l /= u->merge_tier_factor) t++;
    return t;
}

/* Add the live documents of segment s to writer w, in order. */
static int readd(spasm_updater *u, spasm_writer *w, sp_live_seg *s, sp_buf *hold,
                 const char ***ptrs, size_t **lens, size_t *cap)
{
    sp_seg *ix = s->ix->part[0].seg; /* a format-1 file: one segment */
    for (uint32_t d = 0; d < ix->ndocs; d++) {
        if (s->del[d]) continue;
        if (w->cancel && *w->cancel) return sp_live_err(u, SPASM_ECANCELED, "interrupted");
        const uint8_t *p;
        size_t len;
        hold->n = 0;
        int rc = sp_doc_id(ix, d, &s->s->metacache, &p, &len, u->errmsg);
        if (rc) return sp_live_fail(u, rc);
        sp_buf_append(hold, p, len);
        sp_buf_putc(hold, 0);
        size_t title_at = hold->n;
        rc = sp_store_get(ix, &ix->dmet, &ix->dmix, d, &s->s->metacache, &p, &len, u->errmsg);
        if (rc) return sp_live_fail(u, rc);
        const uint8_t *z = memchr(p, 0, len);
        if (z) sp_buf_append(hold, z + 1, len - (size_t)(z + 1 - p));
        sp_buf_putc(hold, 0);
        uint32_t first, count;
        rc = spasm_doc_passages(s->s, d, &first, &count);
        if (rc) return sp_live_err(u, rc, "%s", spasm_searcher_errmsg(s->s));
        if (count > *cap) {
            const char **np = sp_realloc(&u->a, *ptrs, count * sizeof *np);
            if (np) *ptrs = np;
            size_t *nl = np ? sp_realloc(&u->a, *lens, count * sizeof *nl) : NULL;
            if (!nl) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
            *lens = nl;
            *cap = count;
        }
        size_t *offs = *lens; /* offsets into hold first, pointers after */
        for (uint32_t i = 0; i < count; i++) {
            rc = sp_store_get(ix, &ix->text, &ix->txix, first + i, &s->s->textcache, &p, &len,
                              u->errmsg);
            if (rc) return sp_live_fail(u, rc);
            offs[i] = hold->n;
            sp_buf_append(hold, p, len);
            (*ptrs)[i] = (const char *)(uintptr_t)len; /* the length, for now */
        }
        if (hold->err) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < count; i++) {
            size_t l = (size_t)(uintptr_t)(*ptrs)[i];
            (*ptrs)[i] = (const char *)hold->p + offs[i];
            offs[i] = l;
        }
        const char *id = (const char *)hold->p, *title = (const char *)hold->p + title_at;
        rc = spasm_writer_add_passages(w, id, *title ? title : NULL, *ptrs, *lens, count);
        if (rc) return sp_live_err(u, rc, "%s", spasm_writer_errmsg(w));
    }
    return 0;
}

int sp_live_xsrc(spasm_updater *u, spasm_writer *w, sp_live_seg *segs, size_t n, size_t i, size_t j)
{
    sp_xsrc *x = sp_calloc(&u->a, (n + 1) * sizeof *x);
    if (!x) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t e = 0; e < n; e++) {
        if (e >= i && e < j) continue;
        x[k].id = segs[e].e.id;
        x[k].seg = segs[e].ix->part[0].seg;
        x[k].del = segs[e].del;
        x[k++].cache = &segs[e].s->textcache;
    }
    w->xsrc = x;
    w->nxsrc = k;
    return 0;
}

void sp_live_xsrc_done(spasm_updater *u, spasm_writer *w)
{
    sp_free(&u->a, (void *)w->xsrc);
    w->xsrc = NULL;
    w->nxsrc = 0;
}

/* Merge segs[i, j) into one new segment *out (*made = 0 when the run had
 * no passage left).  0 or the error. */
static int merge_run(spasm_updater *u, sp_live_seg *segs, size_t n, size_t i, size_t j,
                     sp_live_seg *out, int *made)
{
    *made = 0;
    uint64_t id = u->next_seg++;
    char name[64];
    sp_seg_name(name, id);
    size_t plen = strlen(u->path) + 80;
    char *path = sp_malloc(&u->a, plen);
    if (!path) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    snprintf(path, plen, "%s/%s", u->path, name);
    spasm_writer *w;
    int rc = spasm_writer_new(&w, path, &u->wopt);
    sp_free(&u->a, path);
    if (rc) {
        sp_live_err(u, rc, "%s", spasm_writer_errmsg(w));
        spasm_writer_abandon(w);
        return rc;
    }
    w->live_segment = 1;
    w->xdup_mode = u->xdup_mode;
    w->skey_off = u->skey_off;
    sp_buf hold;
    sp_buf_init(&hold, &u->a);
    const char **ptrs = NULL;
    size_t *lens = NULL, cap = 0;
    for (size_t k = i; k < j && !rc; k++) rc = readd(u, w, &segs[k], &hold, &ptrs, &lens, &cap);
    sp_buf_free(&hold);
    sp_free(&u->a, ptrs);
    sp_free(&u->a, lens);
    if (!rc) rc = sp_live_xsrc(u, w, segs, n, i, j);
    if (!rc) {
        rc = spasm_writer_commit(w);
        sp_live_xsrc_done(u, w);
        if (rc == SPASM_EEMPTY) {
            rc = 0; /* no live document (keep_wordless): the run leaves */
            spasm_writer_abandon(w);
            u->st.merges++;
            return 0;
        }
        if (rc) sp_live_err(u, rc, "%s", spasm_writer_errmsg(w));
    }
    spasm_writer_abandon(w);
    if (rc) return u->rc;
    rc = sp_live_seg_fresh(u, id, out);
    if (rc) {
        sp_live_seg_close(u, out);
        unlinkat(u->dirfd, name, 0);
        return rc;
    }
    *made = 1;
    u->st.merges++;
    return 0;
}

/* Append s to the gone list. */
static int push_gone(spasm_updater *u, sp_live_seg **gone, size_t *ngone, size_t *cap,
                     const sp_live_seg *s)
{
    if (*ngone == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        sp_live_seg *v = sp_realloc(&u->a, *gone, nc * sizeof *v);
        if (!v) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        *gone = v;
        *cap = nc;
    }
    (*gone)[(*ngone)++] = *s;
    return 0;
}

/* Replace segs[i, j) by one merged segment. */
static int replace_run(spasm_updater *u, sp_live_seg *segs, size_t *n, size_t i, size_t j,
                       sp_live_seg **gone, size_t *ngone, size_t *capgone)
{
    sp_live_seg out;
    int made;
    int rc = merge_run(u, segs, *n, i, j, &out, &made);
    if (rc) return rc;
    for (size_t k = i; k < j; k++)
        if ((rc = push_gone(u, gone, ngone, capgone, &segs[k]))) {
            if (made) {
                sp_live_seg_unlink(u, &out);
                sp_live_seg_close(u, &out);
            }
            return rc;
        }
    size_t at = i;
    if (made) segs[at++] = out;
    memmove(segs + at, segs + j, (*n - j) * sizeof *segs);
    *n -= j - at;
    return 0;
}

/* The next run the policy merges: 1 with [*i, *j), or 0. */
static int next_run(const spasm_updater *u, const sp_live_seg *segs, size_t n, size_t *i, size_t *j)
{
    for (size_t k = 0; k < n; k++)
        if ((double)segs[k].e.del_docs > u->merge_deleted_share * (double)segs[k].e.ndocs) {
            *i = k;
            *j = k + 1;
            return 1;
        }
    unsigned maxtier = 0;
    for (size_t k = 0; k < n;) {
        unsigned t = tier(u, &segs[k]);
        if (t > maxtier) maxtier = t;
        size_t e = k + 1;
        while (e < n && tier(u, &segs[e]) == t) e++;
        if (e - k >= u->merge_width) {
            *i = k;
            *j = e;
            return 1;
        }
        k = e;
    }
    size_t wdt = (size_t)u->merge_width;
    if (n > wdt * (maxtier + 1)) {
        uint64_t best = UINT64_MAX;
        for (size_t k = 0; k + wdt <= n; k++) {
            uint64_t sum = 0;
            for (size_t e = k; e < k + wdt; e++) sum += live_docs(&segs[e]);
            if (sum < best) {
                best = sum;
                *i = k;
                *j = k + wdt;
            }
        }
        return 1;
    }
    return 0;
}

/* The live passages of segment s. */
static uint64_t live_pass(const sp_live_seg *s)
{
    return s->e.npass - s->e.del_pass;
}

/*
 * Widen run [*i, *j) so that it keeps its documents without words: a
 * merged segment needs a passage (a writer of none has nothing to write),
 * so a run whose live documents have no passage between them takes in
 * the nearest segment on its right (else its left) that has one.  Returns
 * 0 when the run cannot be kept that way (no segment has a live passage):
 * the caller then merges nothing.  A run of no live document at all is
 * fine as it is: it leaves the index.
 */
static int keep_wordless(const sp_live_seg *segs, size_t n, size_t *i, size_t *j)
{
    uint64_t docs = 0, pass = 0;
    for (size_t k = *i; k < *j; k++) docs += live_docs(&segs[k]), pass += live_pass(&segs[k]);
    if (pass > 0 || docs == 0) return 1;
    for (size_t k = *j; k < n; k++)
        if (live_pass(&segs[k])) {
            *j = k + 1;
            return 1;
        }
    for (size_t k = *i; k-- > 0;)
        if (live_pass(&segs[k])) {
            *i = k;
            return 1;
        }
    return 0;
}

int sp_live_merge(spasm_updater *u, sp_live_seg *segs, size_t *n, sp_live_seg **gone, size_t *ngone,
                  size_t *capgone)
{
    size_t i = 0, j = 0;
    if (u->optimize) {
        j = *n;
        if ((*n > 1 || (*n == 1 && segs[0].e.del_docs)) && keep_wordless(segs, *n, &i, &j))
            return replace_run(u, segs, n, 0, *n, gone, ngone, capgone);
        return 0;
    }
    while (next_run(u, segs, *n, &i, &j)) {
        if (!keep_wordless(segs, *n, &i, &j)) break; /* only documents without words are left */
        int rc = replace_run(u, segs, n, i, j, gone, ngone, capgone);
        if (rc) return rc;
    }
    return 0;
}
