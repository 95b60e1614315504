/*
 * dups_cross.c -- the XDUP section of a live segment: its passages'
 * near-duplicates in the other live segments of the collection, found
 * when the segment is written (a commit's new segment, or a merge's), so
 * that a search over several segments folds exactly as one file of the
 * same documents would (searcher/collapse_dups.c, docs/FORMAT.md "XDUP").
 *
 * The rule is DUPS's (dups.c): two passages sharing at least
 * SP_DUP_MIN_KEYS SIGS keys each held by at most SP_DUPS_COMMON live
 * passages of the collection, and whose bigram sets pass sp_dup_rule.
 * One pass over the other segments' signatures (live passages only)
 * counts their holders of the keys the file holds (so that the file's own
 * DUPS counts the collection's holders, not the file's) and keeps those
 * instances; the pairs sharing two rare keys are bounded by SIGB and
 * confirmed from both passages' texts.  A pair is written by the later of
 * its two segments, which lists every segment it was checked against.
 */
#include <stdlib.h>

#include "dups.h"
#include "index.h"
#include "neardup.h"

#define KEYWORDS (SP_DUPS_KEYS / 64)

/* Append instance (src, q, key) to d->xinst. */
static int push_inst(dups *d, uint32_t src, uint32_t q, uint32_t key)
{
    if (d->ninst == d->capinst) {
        size_t c = d->capinst ? 2 * d->capinst : 1024;
        xinst *n = sp_realloc(d->a, d->xinst, c * sizeof *n);
        if (!n) return SPASM_ENOMEM;
        d->xinst = n;
        d->capinst = c;
    }
    d->xinst[d->ninst++] = (xinst){src, q, key};
    return 0;
}

/* Check that segment g's SIGS, SIGB and DOCS have their sizes, and SIGS
 * and DOCS their checksums: 0 or the writer's error. */
static int check_seg(spasm_writer *w, sp_seg *g)
{
    char err[SP_ERRMSG_MAX];
    if (g->sigs.len != g->npass * 2 * SP_SIG_HASHES || g->docs.len != g->ndocs * 8 ||
        (g->sigb.p && g->sigb.len != g->npass * SP_SIGB_ENTRY))
        return sp_writer_err(w, SPASM_ECORRUPT, "%s: SIGS, SIGB or DOCS of the wrong size",
                             g->path);
    int rc = sp_ix_ensure(g, g->sigs.off, g->sigs.len, err); /* SIGB: by entry (may_dup_x) */
    if (!rc) rc = sp_ix_ensure(g, g->docs.off, g->docs.len, err);
    return rc ? sp_writer_err(w, rc, "%s", err) : 0;
}

/* The keys of the file: an exact bitmap over every key, and for a small
 * file a summary of 1,024 bits per bucket (bit v mod 1024), small enough
 * to stay in the first-level cache while every other segment's
 * signatures stream by (NULL for a larger file). */
typedef struct keyset {
    uint64_t *bits;
    uint64_t (*sum)[16];
} keyset;
#define SUMMARY_KEYS 4096 /* files of at most this many keys get a summary */
#define VEC_PASSAGES 32   /* files of at most this many passages: compared as vectors */

/* 8 u16 lanes (GCC and clang vector extensions: SSE2 on x86-64, NEON on ARM). */
typedef uint16_t v8u16 __attribute__((vector_size(16)));

/* 1 when signature e (raw bytes) holds a non-empty value of one of the
 * n signatures sv[0, 2n) in the same bucket: a cheap test before
 * scan_passage, for a file of a few passages (raw bytes compared: no
 * byte order involved). */
static inline int may_share(const v8u16 *sv, size_t n, const uint8_t *e)
{
    v8u16 lo, hi, elo = {0}, ehi = {0};
    memcpy(&lo, e, 16);
    memcpy(&hi, e + 16, 16);
    const v8u16 empty = lo - lo + (uint16_t)SP_SIG_EMPTY;
    for (size_t i = 0; i < n; i++) {
        elo |= (v8u16)(lo == sv[2 * i]);
        ehi |= (v8u16)(hi == sv[2 * i + 1]);
    }
    elo &= (v8u16)(lo != empty);
    ehi &= (v8u16)(hi != empty);
    v8u16 any = elo | ehi;
    uint64_t w[2];
    memcpy(w, &any, 16);
    return (w[0] | w[1]) != 0;
}

/* Count passage q of xsrc[s] (its signature e) in d->other and keep its
 * instances of the file's keys.  0 or SPASM_ENOMEM. */
static inline int scan_passage(dups *d, const keyset *ks, uint32_t s, uint32_t q, const uint8_t *e)
{
    for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
        uint16_t v = sp_get_u16(e + 2 * b);
        if (ks->sum && !(ks->sum[b][(v >> 6) & 15] >> (v & 63) & 1)) continue;
        uint32_t k = b << 16 | v;
        if (v == SP_SIG_EMPTY || !(ks->bits[k / 64] >> (k % 64) & 1)) continue;
        d->other[k]++;
        if (push_inst(d, s, q, k)) return SPASM_ENOMEM;
    }
    return 0;
}

int sp_xdup_count(dups *d)
{
    spasm_writer *w = d->w;
    if (!w->nxsrc) return 0;
    keyset ks = {sp_calloc(d->a, KEYWORDS * sizeof *ks.bits), NULL};
    v8u16 sv[2 * VEC_PASSAGES];
    size_t nsv = d->n <= VEC_PASSAGES && SP_SIG_HASHES == 16 ? d->n : 0;
    for (size_t i = 0; i < nsv; i++) memcpy(&sv[2 * i], w->sigs.p + 32 * i, 32);
    d->other = sp_calloc(d->a, SP_DUPS_KEYS * sizeof *d->other);
    int rc = SPASM_ENOMEM;
    if (!ks.bits || !d->other) goto out;
    if (d->n * SP_SIG_HASHES <= SUMMARY_KEYS &&
        !(ks.sum = sp_calloc(d->a, SP_SIG_HASHES * sizeof *ks.sum)))
        goto out;
    const uint8_t *sigs = w->sigs.p;
    for (size_t i = 0; i < d->n * SP_SIG_HASHES; i++) {
        uint16_t v = sp_get_u16(sigs + 2 * i);
        uint32_t b = (uint32_t)(i % SP_SIG_HASHES), k = b << 16 | v;
        if (v == SP_SIG_EMPTY) continue;
        ks.bits[k / 64] |= 1ull << (k % 64);
        if (ks.sum) ks.sum[b][(v >> 6) & 15] |= 1ull << (v & 63);
    }
    for (size_t s = 0; s < w->nxsrc; s++) {
        const sp_xsrc *x = &w->xsrc[s];
        sp_seg *g = x->seg;
        if ((rc = check_seg(w, g))) goto out;
        for (uint64_t doc = 0; doc < g->ndocs; doc++) {
            if (x->del && x->del[doc]) continue;
            uint32_t first = sp_get_u32(g->docs.p + 8 * doc);
            uint32_t cnt = sp_get_u32(g->docs.p + 8 * doc + 4);
            if (first > g->npass || cnt > g->npass - first) {
                rc = sp_writer_err(w, SPASM_ECORRUPT, "%s: document %llu out of bounds", g->path,
                                   (unsigned long long)doc);
                goto out;
            }
            for (uint32_t q = first; q < first + cnt; q++) {
                const uint8_t *e = g->sigs.p + (size_t)q * 2 * SP_SIG_HASHES;
                if (nsv && !may_share(sv, nsv, e)) continue;
                if ((rc = scan_passage(d, &ks, (uint32_t)s, q, e))) goto out;
            }
        }
    }
    rc = 0;
out:
    sp_free(d->a, ks.bits);
    sp_free(d->a, ks.sum);
    return rc;
}

/* Append pair (p, src, q) to d->xc. */
static int push_x(dups *d, uint32_t p, uint32_t src, uint32_t q)
{
    if (d->nx == d->capx) {
        size_t c = d->capx ? 2 * d->capx : 256;
        xpair *n = sp_realloc(d->a, d->xc, c * sizeof *n);
        if (!n) return SPASM_ENOMEM;
        d->xc = n;
        d->capx = c;
    }
    d->xc[d->nx++] = (xpair){p, src, q};
    return 0;
}

/* 0 when SIGB proves p (of the file) and q (of g) no near-duplicates,
 * else 1 (also when q's entry fails its checksum: the text decides). */
static int may_dup_x(const dups *d, uint32_t p, sp_seg *g, uint32_t q)
{
    const spasm_writer *w = d->w;
    char err[SP_ERRMSG_MAX];
    if (!w->sigb.n || !g->sigb.p ||
        sp_ix_ensure(g, g->sigb.off + (uint64_t)q * SP_SIGB_ENTRY, SP_SIGB_ENTRY, err))
        return 1;
    const uint8_t *a = w->sigb.p + (size_t)p * SP_SIGB_ENTRY;
    const uint8_t *b = g->sigb.p + (size_t)q * SP_SIGB_ENTRY;
    uint64_t x[SP_SIGB_WORDS], y[SP_SIGB_WORDS];
    for (int i = 0; i < SP_SIGB_WORDS; i++) {
        x[i] = sp_get_u64(a + 4 + 8 * i);
        y[i] = sp_get_u64(b + 4 + 8 * i);
    }
    return sp_sigb_bound(x, y, sp_get_u32(a), sp_get_u32(b));
}

int sp_xdup_find(dups *d, const keyruns *kr)
{
    if (!d->ninst) return 0;
    uint32_t *mark = sp_calloc(d->a, (d->n + 1) * sizeof *mark);
    uint8_t *ns = sp_calloc(d->a, d->n + 1);
    int rc = SPASM_ENOMEM;
    if (!mark || !ns) goto out;
    uint32_t stamp = 0;
    for (size_t i = 0; i < d->ninst; i++) {
        const xinst *x = &d->xinst[i];
        if (i == 0 || x->src != x[-1].src || x->q != x[-1].q) stamp++; /* the next passage */
        size_t e, end;
        sp_dups_run_of(d, kr, x->key, &e, &end);
        for (; e < end; e++) {
            uint32_t p = sp_dups_holder(kr, e);
            if (mark[p] != stamp) {
                mark[p] = stamp;
                ns[p] = 1;
            } else if (++ns[p] == SP_DUP_MIN_KEYS &&
                       may_dup_x(d, p, d->w->xsrc[x->src].seg, x->q)) {
                if ((rc = push_x(d, p, x->src, x->q))) goto out;
            }
        }
    }
    rc = 0;
out:
    sp_free(d->a, mark);
    sp_free(d->a, ns);
    return rc;
}

/* Keep the pairs of d->xc whose texts make them near-duplicates. */
static int confirm(dups *d)
{
    spasm_writer *w = d->w;
    sp_analyzer *an = sp_analyzer_new(d->a, 8192);
    if (!an) return SPASM_ENOMEM;
    sp_analyzer_set_variants(an, (w->flags & SP_FLAG_VARIANTS) != 0);
    char err[SP_ERRMSG_MAX];
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < d->nx && !rc; i++) {
        xpair x = d->xc[i];
        const sp_xsrc *src = &w->xsrc[x.src];
        uint32_t sl = d->slot[x.p];
        if (sl == NONE) continue;
        const uint8_t *t;
        size_t len, m;
        rc = sp_store_get(src->seg, &src->seg->text, &src->seg->txix, x.q, src->cache, &t, &len,
                          err);
        if (rc) {
            rc = sp_writer_err(w, rc, "%s", err);
            break;
        }
        if ((rc = sp_dups_set_of(d, an, (const char *)t, len, &m))) break;
        const uint64_t *a = d->bg + d->setoff[sl];
        if (sp_dups_sets_dup(a, d->setoff[sl + 1] - d->setoff[sl], d->bg + d->nbg, m))
            d->xc[k++] = x;
    }
    sp_analyzer_free(an);
    if (!rc) d->nx = k;
    return rc;
}

/* Order of pairs: by passage of the file, then segment, then passage. */
static int cmp_x(const void *x, const void *y)
{
    const xpair *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->src != b->src) return a->src < b->src ? -1 : 1;
    return (a->q > b->q) - (a->q < b->q);
}

int sp_xdup_write(dups *d)
{
    spasm_writer *w = d->w;
    int rc = d->nx ? confirm(d) : 0;
    if (rc) return rc;
    if (d->nx > 1) qsort(d->xc, d->nx, sizeof *d->xc, cmp_x);
    sp_sink *s = &w->sink;
    uint8_t e[8];
    sp_sink_begin(s, SP_SEC_XDUP);
    sp_put_u32(e, (uint32_t)w->nxsrc);
    sp_put_u32(e + 4, (uint32_t)d->nx);
    sp_sink_write(s, e, 8);
    for (size_t i = 0; i < w->nxsrc; i++) {
        sp_put_u64(e, w->xsrc[i].id);
        sp_sink_write(s, e, 8);
    }
    size_t at = 0;
    for (size_t p = 0; p <= d->n; p++) { /* off[p]: the first entry of p's list */
        while (at < d->nx && d->xc[at].p < p) at++;
        sp_put_u32(e, (uint32_t)at);
        sp_sink_write(s, e, 4);
    }
    for (size_t i = 0; i < d->nx; i++) {
        sp_put_u32(e, d->xc[i].src);
        sp_put_u32(e + 4, d->xc[i].q);
        sp_sink_write(s, e, 8);
    }
    sp_sink_end(s, d->n);
    return s->rc;
}
