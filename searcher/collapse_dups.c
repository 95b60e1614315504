/*
 * collapse_dups.c -- folding from the DUPS section (docs/FORMAT.md):
 * each passage's near-duplicates were found when the index was written
 * (indexer/dups.c), so deciding a ranked candidate is one read of its
 * list, usually empty, and, when not, a probe per listed passage into a
 * small table of the kept candidates that have a list.  No signature
 * table, no text: the cost is one random read per candidate.
 *
 * Used when the collection is one segment holding DUPS (an index file,
 * or a live index merged into one segment), or several segments of a
 * live index that each hold DUPS and whose every two were checked for
 * pairs across them (the later-written one's XDUP names the other,
 * indexer/dups_cross.c): the XDUP entries whose segment is still in the
 * collection are read, both ways, into one sorted table per search.
 * Otherwise several segments fold as collapse.c always did.
 * Which passages fold: a candidate folds into the best-ranked kept
 * candidate listed as its near-duplicate (collapse.c, "With DUPS").
 * Passages are global numbers (the collection's).
 */
#include <stdlib.h>

#include "search.h"

#define NONE UINT32_MAX

/* One segment's DUPS lists. */
typedef struct dpart {
    sp_seg *seg;
    uint32_t pbase, npass, m; /* first global passage, passages, list entries */
    uint64_t base;            /* file offset of off[] */
} dpart;

struct sp_dfold {
    const spasm_index *ix;
    dpart *pt;
    size_t npt;
    const sp_xfold *x;    /* several segments: the collection's pairs, else NULL */
    uint32_t *key, *val;  /* kept passages with a list -> their candidate */
    size_t nslots, nkeys; /* open addressing, a power of 2 (0: none yet) */
};

#define ABSENT (-1) /* a section not in the segment */

/* Check part i's DUPS and fill its entry: 0, SPASM_ECORRUPT, or ABSENT
 * when the segment has no DUPS. */
static int open_part(spasm_searcher *s, const sp_part *pa, dpart *o)
{
    sp_seg *g = pa->seg;
    const sp_sec *d = &g->dups;
    if (!d->p) return ABSENT;
    if (d->len < 8 || sp_ix_ensure(g, d->off, 8, s->errmsg))
        return sp_seterr(s->errmsg, SPASM_ECORRUPT, "%s: DUPS section of the wrong size", g->path);
    uint64_t m = sp_get_u32(d->p + 4);
    if (d->count != g->npass || d->len != 8 + 4 * (g->npass + 1) + 4 * m)
        return sp_seterr(s->errmsg, SPASM_ECORRUPT,
                         "%s: DUPS section of the wrong size: the index is corrupt", g->path);
    o->seg = g;
    o->pbase = pa->pbase;
    o->npass = (uint32_t)g->npass;
    o->m = (uint32_t)m;
    o->base = d->off + 8;
    return 0;
}

int sp_dfold_new(spasm_searcher *s, sp_dfold **out)
{
    *out = NULL;
    const spasm_index *ix = s->ix;
    size_t n = ix->nparts;
    const sp_xfold *x = NULL;
    if (n > 1) {
        int rc = sp_xfold_get(s, &x);
        if (rc || !x) return rc; /* NULL: fold as without DUPS */
    }
    sp_dfold *f = sp_calloc(s->a, sizeof *f);
    if (!f || !(f->pt = sp_calloc(s->a, (n + 1) * sizeof *f->pt))) {
        sp_dfold_free(f, s->a);
        return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
    }
    f->ix = ix;
    f->npt = n;
    f->x = x;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = open_part(s, &ix->part[i], &f->pt[i]);
    if (rc) {
        sp_dfold_free(f, s->a);
        return rc == ABSENT ? 0 : rc;
    }
    *out = f;
    return 0;
}

/* The part holding global passage p (a small binary search). */
static const dpart *part_of(const sp_dfold *f, uint32_t p)
{
    size_t lo = 0, hi = f->npt;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->pt[mid].pbase <= p)
            lo = mid;
        else
            hi = mid;
    }
    return &f->pt[lo];
}

void sp_dfold_prefetch(const sp_dfold *f, uint32_t p)
{
    if (f->x) {
        __builtin_prefetch(f->x->bits + p / 64);
        return;
    }
    const dpart *d = part_of(f, p);
    if (p - d->pbase < d->npass)
        __builtin_prefetch(d->seg->map + d->base + 4 * (uint64_t)(p - d->pbase));
}

/* Local passage p's list in part d: its first entry's file offset in
 * *at, its length in *n.  0 or SPASM_ECORRUPT (message in err). */
static int list_of(const dpart *d, uint32_t p, uint64_t *at, uint32_t *n, char *err)
{
    sp_seg *g = d->seg;
    if (p >= d->npass)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: passage %u has no DUPS list", g->path, p);
    uint64_t o = d->base + 4 * (uint64_t)p;
    int rc = sp_ix_ensure(g, o, 8, err);
    if (rc) return rc;
    uint32_t a = sp_get_u32(g->map + o), b = sp_get_u32(g->map + o + 4);
    if (a > b || b > d->m)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: DUPS list of passage %u out of bounds", g->path,
                         p);
    *at = d->base + 4 * ((uint64_t)d->npass + 1) + 4 * (uint64_t)a;
    *n = b - a;
    if (*n && (rc = sp_ix_ensure(g, *at, 4 * (uint64_t)*n, err))) return rc;
    return 0;
}

/* The candidate kept for global passage q, or NONE. */
static uint32_t kept(const sp_dfold *f, uint32_t q)
{
    size_t mask = f->nslots - 1;
    for (size_t h = sp_mix32(q) & mask; f->key[h] != NONE; h = (h + 1) & mask)
        if (f->key[h] == q) return f->val[h];
    return NONE;
}

/* sp_dfold_decide over several segments: the pairs of f->x. */
static void decide_x(const sp_dfold *f, uint32_t p, uint32_t *into, uint32_t *nlist)
{
    const sp_xfold *x = f->x;
    *nlist = 0;
    if (!(x->bits[p / 64] >> (p % 64) & 1)) return;
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->pairs[mid] >> 32 < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t e = lo; e < x->n && x->pairs[e] >> 32 == p; e++) {
        ++*nlist;
        if (!f->nkeys) continue;
        uint32_t v = kept(f, (uint32_t)x->pairs[e]);
        if (v < *into) *into = v; /* the best-ranked one */
    }
}

int sp_dfold_decide(const sp_dfold *f, uint32_t p, uint32_t *into, uint32_t *nlist, char *err)
{
    *into = NONE;
    if (f->x) {
        decide_x(f, p, into, nlist);
        return 0;
    }
    const dpart *d = &f->pt[0];
    uint64_t at = 0;
    int rc = list_of(d, p - d->pbase, &at, nlist, err);
    if (rc || !*nlist || !f->nkeys) return rc;
    for (uint32_t e = 0; e < *nlist; e++) {
        uint32_t v = kept(f, d->pbase + sp_get_u32(d->seg->map + at + 4 * (uint64_t)e));
        if (v < *into) *into = v; /* the best-ranked one */
    }
    return 0;
}

int sp_dfold_keep(sp_dfold *f, const sp_alloc *a, uint32_t p, uint32_t cand)
{
    if (2 * (f->nkeys + 1) > f->nslots) { /* grow (or make) the table */
        size_t n = f->nslots ? 2 * f->nslots : 64;
        uint32_t *k = sp_malloc(a, n * sizeof *k), *v = sp_malloc(a, n * sizeof *v);
        if (!k || !v) {
            sp_free(a, k);
            sp_free(a, v);
            return SPASM_ENOMEM;
        }
        memset(k, 0xFF, n * sizeof *k);
        for (size_t i = 0; i < f->nslots; i++) {
            if (f->key[i] == NONE) continue;
            size_t h = sp_mix32(f->key[i]) & (n - 1);
            while (k[h] != NONE) h = (h + 1) & (n - 1);
            k[h] = f->key[i];
            v[h] = f->val[i];
        }
        sp_free(a, f->key);
        sp_free(a, f->val);
        f->key = k;
        f->val = v;
        f->nslots = n;
    }
    size_t h = sp_mix32(p) & (f->nslots - 1);
    while (f->key[h] != NONE) h = (h + 1) & (f->nslots - 1);
    f->key[h] = p;
    f->val[h] = cand;
    f->nkeys++;
    return 0;
}

void sp_dfold_reset(sp_dfold *f)
{
    if (f->key) memset(f->key, 0xFF, f->nslots * sizeof *f->key);
    f->nkeys = 0;
}

void sp_dfold_free(sp_dfold *f, const sp_alloc *a)
{
    if (!f) return;
    sp_free(a, f->pt);
    sp_free(a, f->key);
    sp_free(a, f->val);
    sp_free(a, f);
}
