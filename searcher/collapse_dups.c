/*
 * collapse_dups.c -- folding from the DUPS section (docs/FORMAT.md):
 * each passage's near-duplicates were found when the index was written
 * (indexer/dups.c), so deciding a ranked candidate is one read of its
 * list, usually empty, and, when not, a probe per listed passage into a
 * small table of the kept candidates that have a list.  No signature
 * table, no text: the cost is one random read per candidate.
 *
 * Used when the collection is one segment holding DUPS (an index file,
 * or a live index merged into one segment); pairs across segments are not
 * listed anywhere, so several segments fold as collapse.c always did.
 * Which passages fold: a candidate folds into the best-ranked kept
 * candidate listed as its near-duplicate (collapse.c, "With DUPS").
 */
#include <stdlib.h>

#include "search.h"

#define NONE UINT32_MAX

struct sp_dfold {
    sp_seg *seg;
    uint32_t npass, m;    /* passages, list entries */
    uint64_t base;        /* file offset of off[] */
    uint32_t *key, *val;  /* kept passages with a list -> their candidate */
    size_t nslots, nkeys; /* open addressing, a power of 2 (0: none yet) */
};

/* The well-mixed slot of passage p (murmur3's finaliser). */
static uint32_t mix(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x85ebca6bu;
    k ^= k >> 13;
    k *= 0xc2b2ae35u;
    return k ^ (k >> 16);
}

int sp_dfold_new(spasm_searcher *s, sp_dfold **out)
{
    *out = NULL;
    if (s->ix->nparts != 1) return 0;
    sp_seg *g = s->ix->part[0].seg;
    const sp_sec *d = &g->dups;
    if (!d->p) return 0;
    if (d->len < 8 || sp_ix_ensure(g, d->off, 8, s->errmsg))
        return sp_seterr(s->errmsg, SPASM_ECORRUPT, "%s: DUPS section of the wrong size", g->path);
    uint64_t m = sp_get_u32(d->p + 4);
    if (d->count != g->npass || d->len != 8 + 4 * (g->npass + 1) + 4 * m)
        return sp_seterr(s->errmsg, SPASM_ECORRUPT,
                         "%s: DUPS section of the wrong size: the index is corrupt", g->path);
    sp_dfold *f = sp_calloc(s->a, sizeof *f);
    if (!f) return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
    f->seg = g;
    f->npass = (uint32_t)g->npass;
    f->m = (uint32_t)m;
    f->base = d->off + 8;
    *out = f;
    return 0;
}

void sp_dfold_prefetch(const sp_dfold *f, uint32_t p)
{
    if (p < f->npass) __builtin_prefetch(f->seg->map + f->base + 4 * (uint64_t)p);
}

/* Passage p's list: its first entry's file offset in *at, its length in
 * *n.  0 or SPASM_ECORRUPT (message in err). */
static int list_of(const sp_dfold *f, uint32_t p, uint64_t *at, uint32_t *n, char *err)
{
    sp_seg *g = f->seg;
    uint64_t o = f->base + 4 * (uint64_t)p;
    int rc = sp_ix_ensure(g, o, 8, err);
    if (rc) return rc;
    uint32_t a = sp_get_u32(g->map + o), b = sp_get_u32(g->map + o + 4);
    if (p >= f->npass || a > b || b > f->m)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: DUPS list of passage %u out of bounds", g->path,
                         p);
    *at = f->base + 4 * ((uint64_t)f->npass + 1) + 4 * (uint64_t)a;
    *n = b - a;
    if (*n && (rc = sp_ix_ensure(g, *at, 4 * (uint64_t)*n, err))) return rc;
    return 0;
}

int sp_dfold_decide(const sp_dfold *f, uint32_t p, uint32_t *into, uint32_t *nlist, char *err)
{
    *into = NONE;
    uint64_t at = 0;
    int rc = list_of(f, p, &at, nlist, err);
    if (rc || !*nlist || !f->nkeys) return rc;
    size_t mask = f->nslots - 1;
    for (uint32_t e = 0; e < *nlist; e++) {
        uint32_t q = sp_get_u32(f->seg->map + at + 4 * (uint64_t)e);
        for (size_t h = mix(q) & mask; f->key[h] != NONE; h = (h + 1) & mask)
            if (f->key[h] == q) {
                if (f->val[h] < *into) *into = f->val[h]; /* the best-ranked one */
                break;
            }
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
            size_t h = mix(f->key[i]) & (n - 1);
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
    size_t h = mix(p) & (f->nslots - 1);
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
    sp_free(a, f->key);
    sp_free(a, f->val);
    sp_free(a, f);
}
