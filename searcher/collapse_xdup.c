/*
 * collapse_xdup.c -- the near-duplicate pairs of a collection of several
 * segments (a live index), for folding (collapse_dups.c): each segment's
 * DUPS pairs and its XDUP pairs with the other segments (written with the
 * later segment of each pair, indexer/dups_cross.c), each kept only when
 * its two passages still share SP_DUP_MIN_KEYS SIGS keys held by at most
 * SP_DUPS_COMMON live passages of the whole collection -- the holder
 * bound a single file of the same live documents applies (a pair written
 * when a key was rarer, or by a segment that counted only itself, is
 * dropped here).  Made once per collection handle, by the first folded
 * search, and shared by its searchers (ix->xfold).
 *
 * The making, in three sequential passes (stop 25; before, a first pass
 * over the pairs marked the keys they share, a scan counted only those,
 * a second pass kept the pairs, and a qsort ordered them: 280-302 ms and
 * 1.99 million table entries on the 9-segment wikipedia_en folder, the
 * first folded query of every spasm-search): every key's live holders
 * counted in one scan of the segments' SIGS; the pairs kept in one pass,
 * each passage's number of pairs counted with them; then each pair
 * placed both ways at its passages' offsets (a counting sort by passage,
 * the order decide_x() in collapse_dups.c searches).
 */
#include <stdlib.h>

#include "neardup.h"
#include "search.h"

#define NKEYS ((size_t)SP_SIG_HASHES << 16)

/* The XDUP header of segment g: *nref referenced segment ids, *m entries
 * (the whole section's checksums checked).  0, -1 when absent, or
 * SPASM_ECORRUPT (message in err). */
static int xdup_head(sp_seg *g, uint32_t *nref, uint32_t *m, char *err)
{
    const sp_sec *x = &g->xdup;
    *nref = *m = 0;
    if (!x->p) return -1;
    int rc = sp_ix_ensure(g, x->off, x->len, err);
    if (rc) return rc;
    if (x->len >= 8) {
        *nref = sp_get_u32(x->p);
        *m = sp_get_u32(x->p + 4);
        if (x->count == g->npass &&
            x->len == 8 + 8 * (uint64_t)*nref + 4 * (g->npass + 1) + 8 * (uint64_t)*m)
            return 0;
    }
    return sp_seterr(err, SPASM_ECORRUPT,
                     "%s: XDUP section of the wrong size: the index is corrupt", g->path);
}

/* 1 if segment g's XDUP lists segment id among those it was checked against. */
static int covers(const sp_seg *g, uint32_t nref, uint64_t id)
{
    for (uint32_t r = 0; r < nref; r++)
        if (sp_get_u64(g->xdup.p + 8 + 8 * (uint64_t)r) == id) return 1;
    return 0;
}

/* 1 when every segment has DUPS and every two have had their pairs looked
 * for (the XDUP of one of them names the other). */
static int all_covered(const spasm_index *ix, const uint32_t *nref, const int *hasx)
{
    for (size_t i = 0; i < ix->nparts; i++) {
        if (!ix->part[i].id || !ix->part[i].seg->dups.p) return 0;
        for (size_t j = i + 1; j < ix->nparts; j++)
            if (!(hasx[j] && covers(ix->part[j].seg, nref[j], ix->part[i].id)) &&
                !(hasx[i] && covers(ix->part[i].seg, nref[i], ix->part[j].id)))
                return 0;
    }
    return 1;
}

typedef struct build {
    const spasm_index *ix;
    uint16_t *cnt;  /* per key (k << 16 | value): its live holders, at most 65535;
                       NULL: none can be common */
    uint64_t *kept; /* the pairs kept, once each: gp << 32 | gq */
    size_t nkept, cap;
    uint32_t *deg; /* per global passage: its pairs kept (then where its entries go) */
    sp_xfold *x;
    char *err;
} build;

/* Check every segment's SIGS: 0 or an error code. */
static int check_sigs(build *b)
{
    const spasm_index *ix = b->ix;
    for (size_t i = 0; i < ix->nparts; i++) {
        sp_seg *g = ix->part[i].seg;
        if (g->sigs.len != g->npass * 2 * SP_SIG_HASHES)
            return sp_seterr(b->err, SPASM_ECORRUPT, "%s: SIGS of the wrong size", g->path);
        int rc = sp_ix_ensure(g, g->sigs.off, g->sigs.len, b->err);
        if (rc) return rc;
    }
    return 0;
}

/* Count every key's live holders into b->cnt (none when the collection
 * has too few live passages for any key to be common).  0 or
 * SPASM_ENOMEM. */
static int count_keys(build *b)
{
    const spasm_index *ix = b->ix;
    if (ix->live_pass <= SP_DUPS_COMMON) return 0; /* no key can be common */
    if (!(b->cnt = sp_calloc(&ix->a, NKEYS * sizeof *b->cnt))) return SPASM_ENOMEM;
    for (size_t i = 0; i < ix->nparts; i++) {
        const sp_part *pt = &ix->part[i];
        const sp_seg *g = pt->seg;
        for (uint64_t p = 0; p < g->npass; p++) {
            if (pt->del && (pt->del[p >> 6] >> (p & 63) & 1)) continue;
            const uint8_t *e = g->sigs.p + p * 2 * SP_SIG_HASHES;
            for (uint32_t k = 0; k < SP_SIG_HASHES; k++) {
                uint16_t *c = &b->cnt[k << 16 | sp_get_u16(e + 2 * k)];
                *c += *c < UINT16_MAX; /* only <= SP_DUPS_COMMON matters */
            }
        }
    }
    return 0;
}

/* Keep pair (passage lp of part a, lq of part c) when its passages share
 * SP_DUP_MIN_KEYS keys under the holder bound: into b->kept, counted in
 * b->deg for both.  0 or SPASM_ENOMEM. */
static int add_pair(build *b, const sp_part *a, uint32_t lp, const sp_part *c, uint32_t lq)
{
    const uint8_t *x = a->seg->sigs.p + (size_t)lp * 2 * SP_SIG_HASHES;
    const uint8_t *y = c->seg->sigs.p + (size_t)lq * 2 * SP_SIG_HASHES;
    unsigned shared = 0;
    for (uint32_t k = 0; k < SP_SIG_HASHES; k++) {
        uint16_t v = sp_get_u16(x + 2 * k);
        if (v == SP_SIG_EMPTY || v != sp_get_u16(y + 2 * k)) continue;
        if (!b->cnt || b->cnt[k << 16 | v] <= SP_DUPS_COMMON) shared++;
    }
    if (shared < SP_DUP_MIN_KEYS) return 0;
    if (b->nkept == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 1024;
        uint64_t *np = sp_realloc(&b->ix->a, b->kept, nc * sizeof *np);
        if (!np) return SPASM_ENOMEM;
        b->kept = np;
        b->cap = nc;
    }
    uint64_t gp = a->pbase + (uint64_t)lp, gq = c->pbase + (uint64_t)lq;
    b->kept[b->nkept++] = gp << 32 | gq;
    b->deg[gp]++;
    b->deg[gq]++;
    return 0;
}

/* The kept pairs, both ways, grouped by their first passage in
 * ascending order (b->deg becomes each passage's next place) into b->x.
 * 0 or SPASM_ENOMEM. */
static int place_pairs(build *b)
{
    const spasm_index *ix = b->ix;
    sp_xfold *f = b->x;
    if (!b->nkept) return 0;
    if (b->nkept > UINT32_MAX / 2) return SPASM_ENOMEM; /* places are u32 */
    if (!(f->pairs = sp_malloc(&ix->a, 2 * b->nkept * sizeof *f->pairs))) return SPASM_ENOMEM;
    uint64_t at = 0;
    for (uint64_t p = 0; p < ix->npass; p++) {
        uint32_t d = b->deg[p];
        b->deg[p] = (uint32_t)at;
        at += d;
        if (d) f->bits[p / 64] |= 1ull << (p % 64);
    }
    for (size_t i = 0; i < b->nkept; i++) {
        uint64_t gp = b->kept[i] >> 32, gq = b->kept[i] & UINT32_MAX;
        f->pairs[b->deg[gp]++] = gp << 32 | gq;
        f->pairs[b->deg[gq]++] = gq << 32 | gp;
    }
    f->n = 2 * b->nkept;
    return 0;
}

static int bad(build *b, const sp_seg *g, const char *what)
{
    return sp_seterr(b->err, SPASM_ECORRUPT, "%s: %s entry out of bounds: the index is corrupt",
                     g->path, what);
}

/* The pairs of part i: its DUPS ones (each once) and its XDUP ones whose
 * segment is in the collection. */
static int part_pairs(build *b, size_t i, uint32_t nref)
{
    const spasm_index *ix = b->ix;
    const sp_part *pt = &ix->part[i];
    sp_seg *g = pt->seg;
    const sp_sec *d = &g->dups;
    int rc = sp_ix_ensure(g, d->off, d->len, b->err);
    if (rc) return rc;
    uint64_t m = d->len >= 8 ? sp_get_u32(d->p + 4) : 0;
    if (d->len < 8 || d->count != g->npass || d->len != 8 + 4 * (g->npass + 1) + 4 * m)
        return sp_seterr(b->err, SPASM_ECORRUPT, "%s: DUPS section of the wrong size", g->path);
    const uint8_t *off = d->p + 8, *ent = off + 4 * (g->npass + 1);
    for (uint32_t p = 0; p < g->npass; p++) {
        uint32_t a = sp_get_u32(off + 4 * (uint64_t)p), e = sp_get_u32(off + 4 * (uint64_t)p + 4);
        if (a > e || e > m) return bad(b, g, "DUPS");
        for (uint32_t k = a; k < e; k++) {
            uint32_t q = sp_get_u32(ent + 4 * (uint64_t)k);
            if (q >= g->npass) return bad(b, g, "DUPS");
            if (q > p && (rc = add_pair(b, pt, p, pt, q))) return rc;
        }
    }
    if (!g->xdup.p) return 0;
    const uint8_t *x = g->xdup.p;
    uint32_t xm = sp_get_u32(x + 4);
    long *map = sp_malloc(&ix->a, (nref + 1) * sizeof *map);
    if (!map) return SPASM_ENOMEM;
    for (uint32_t r = 0; r < nref; r++) { /* referenced segment -> part */
        uint64_t id = sp_get_u64(x + 8 + 8 * (uint64_t)r);
        map[r] = -1;
        for (size_t j = 0; j < ix->nparts; j++)
            if (j != i && ix->part[j].id == id) map[r] = (long)j;
    }
    off = x + 8 + 8 * (uint64_t)nref;
    ent = off + 4 * (g->npass + 1);
    for (uint32_t p = 0; p < g->npass && !rc; p++) {
        uint32_t a = sp_get_u32(off + 4 * (uint64_t)p), e = sp_get_u32(off + 4 * (uint64_t)p + 4);
        if (a > e || e > xm) {
            rc = bad(b, g, "XDUP");
            break;
        }
        for (uint32_t k = a; k < e && !rc; k++) {
            uint32_t r = sp_get_u32(ent + 8 * (uint64_t)k),
                     q = sp_get_u32(ent + 8 * (uint64_t)k + 4);
            if (r >= nref)
                rc = bad(b, g, "XDUP");
            else if (map[r] < 0)
                continue; /* a segment merged or emptied since */
            else if (q >= ix->part[map[r]].seg->npass)
                rc = bad(b, g, "XDUP");
            else
                rc = add_pair(b, pt, p, &ix->part[map[r]], q);
        }
    }
    sp_free(&ix->a, map);
    return rc;
}

/* Free table f. */
static void drop(const sp_alloc *a, sp_xfold *f)
{
    sp_free(a, f->pairs);
    sp_free(a, f->bits);
    sp_free(a, f);
}

/* Make the table of collection ix into *out.  0 or an error code. */
static int make(const spasm_index *ix, sp_xfold **out, char *err)
{
    size_t n = ix->nparts;
    const sp_alloc *a = &ix->a;
    sp_xfold *f = sp_calloc(a, sizeof *f);
    uint32_t *nref = sp_calloc(a, (n + 1) * sizeof *nref), xm;
    int *hasx = sp_calloc(a, (n + 1) * sizeof *hasx);
    build b = {ix, NULL, NULL, 0, 0, NULL, f, err};
    int rc = SPASM_ENOMEM;
    if (!f || !nref || !hasx) goto out;
    for (size_t i = 0; i < n; i++) {
        int h = xdup_head(ix->part[i].seg, &nref[i], &xm, err);
        if (h > 0) {
            rc = h;
            goto out;
        }
        hasx[i] = h == 0;
    }
    rc = 0;
    if (!(f->usable = all_covered(ix, nref, hasx))) goto out;
    rc = SPASM_ENOMEM;
    if (!(b.deg = sp_calloc(a, (ix->npass + 1) * sizeof *b.deg)) ||
        !(f->bits = sp_calloc(a, (ix->npass / 64 + 1) * sizeof *f->bits)))
        goto out;
    if ((rc = check_sigs(&b))) goto out;
    /* every key's live holders, the pairs kept, then placed */
    if ((rc = count_keys(&b))) goto out;
    for (size_t i = 0; i < n && !rc; i++) rc = part_pairs(&b, i, nref[i]);
    if (!rc) rc = place_pairs(&b);
out:
    sp_free(a, b.cnt);
    sp_free(a, b.kept);
    sp_free(a, b.deg);
    sp_free(a, nref);
    sp_free(a, hasx);
    if (rc == SPASM_ENOMEM) sp_seterr(err, rc, "out of memory");
    if (rc && f) {
        drop(a, f);
        f = NULL;
    }
    *out = f;
    return rc;
}

int sp_xfold_get(spasm_searcher *s, const sp_xfold **out)
{
    spasm_index *ix = (spasm_index *)s->ix;
    sp_xfold *f = atomic_load(&ix->xfold);
    if (!f) {
        int rc = make(ix, &f, s->errmsg);
        if (rc) return rc;
        sp_xfold *none = NULL;
        if (!atomic_compare_exchange_strong(&ix->xfold, &none, f)) { /* another searcher won */
            drop(&ix->a, f);
            f = none;
        }
    }
    *out = f->usable ? f : NULL;
    return 0;
}

void sp_xfold_free(spasm_index *ix)
{
    sp_xfold *f = atomic_load(&ix->xfold);
    if (!f) return;
    drop(&ix->a, f);
    ix->xfold = NULL;
}
