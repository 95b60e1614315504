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
 * Each other segment's live holders of the keys the file holds are
 * counted (so that the file's own DUPS counts the collection's holders,
 * not the file's) and those instances kept: by looking the file's keys up
 * in the segment's SKEY section (common/skey.h: a directory entry and a
 * slot per key, so that a small commit reads a few kilobytes of each
 * segment whatever its size), or, when that costs more (a large file
 * against a small segment), the segment has no SKEY (written before it)
 * or its SKEY cannot tell (a marker, which counts deleted holders too,
 * in a segment with deletions), by one pass over its signatures; both
 * give the same holders and instances.  The pairs sharing two rare keys are bounded by SIGB and
 * confirmed from both passages' texts.  A pair is written by the later of
 * its two segments, which lists every segment it was checked against.
 */
#include <stdlib.h>

#include "dups.h"
#include "index.h"
#include "neardup.h"
#include "skey.h"

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

/* Scan segment xsrc[s]'s live passages' signatures (sv[0, 2 nsv): the
 * file's, for the vector test).  0 or an error code. */
static int scan_seg(dups *d, const keyset *ks, const v8u16 *sv, size_t nsv, uint32_t s)
{
    spasm_writer *w = d->w;
    const sp_xsrc *x = &w->xsrc[s];
    sp_seg *g = x->seg;
    int rc = check_seg(w, g);
    if (rc) return rc;
    for (uint64_t doc = 0; doc < g->ndocs; doc++) {
        if (x->del && x->del[doc]) continue;
        uint32_t first = sp_get_u32(g->docs.p + 8 * doc);
        uint32_t cnt = sp_get_u32(g->docs.p + 8 * doc + 4);
        if (first > g->npass || cnt > g->npass - first)
            return sp_writer_err(w, SPASM_ECORRUPT, "%s: document %llu out of bounds", g->path,
                                 (unsigned long long)doc);
        for (uint32_t q = first; q < first + cnt; q++) {
            const uint8_t *e = g->sigs.p + (size_t)q * 2 * SP_SIG_HASHES;
            if (nsv && !may_share(sv, nsv, e)) continue;
            if ((rc = scan_passage(d, ks, s, q, e))) return rc;
        }
    }
    return 0;
}

/* A key looked up in a segment's SKEY costs about as much as this many of
 * its passages scanned (measured on wikipedia_en's 10-segment folder,
 * bench/README.md: commits of 300 documents, ~4,400 keys, against
 * segments of 48,000 passages are faster looked up, of 1,000 documents,
 * ~14,600 keys, scanned). */
#define KEY_COST 8

/* 1 when the file's nkeys keys are to be looked up in segment g's SKEY
 * (its header in *k) rather than g scanned, 0 to scan (no usable SKEY,
 * or a scan is cheaper), or an error code (negative). */
static int use_keys(const dups *d, sp_seg *g, size_t nkeys, sp_skey *k)
{
    char err[SP_ERRMSG_MAX];
    if (d->w->xdup_mode == 1 || !g->skey.p) return 0;
    if (d->w->xdup_mode != 2 && (uint64_t)nkeys * KEY_COST >= g->npass) return 0;
    if (g->skey.len >= SP_SKEY_HEAD && sp_ix_ensure(g, g->skey.off, SP_SKEY_HEAD, err))
        return -sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
    return sp_skey_head(g->skey.p, g->skey.len, g->npass, k) == 0; /* else another layout: scan */
}

/* The file's distinct keys, ascending (from the bitmap): *out, *n.  0 or
 * SPASM_ENOMEM. */
static int file_keys(dups *d, const keyset *ks, uint32_t **out, size_t *n)
{
    *n = 0;
    if (!(*out = sp_malloc(d->a, (d->n * SP_SIG_HASHES + 1) * sizeof **out))) return SPASM_ENOMEM;
    for (size_t i = 0; i < KEYWORDS; i++)
        for (uint64_t b = ks->bits[i]; b; b &= b - 1)
            (*out)[(*n)++] = (uint32_t)(64 * i + (size_t)__builtin_ctzll(b));
    return 0;
}

/* Instances of one segment: by passage, then key. */
static int cmp_inst(const void *x, const void *y)
{
    const xinst *a = x, *b = y;
    if (a->q != b->q) return a->q < b->q ? -1 : 1;
    return (a->key > b->key) - (a->key < b->key);
}

/* 1 when passage q of xsrc[s] belongs to a deleted document, 0 if not, or
 * an error code (negative). */
static int dead(dups *d, const sp_xsrc *x, uint32_t q)
{
    sp_seg *g = x->seg;
    char err[SP_ERRMSG_MAX];
    if (sp_ix_ensure(g, g->pass.off + (uint64_t)q * SP_PASS_ENTRY, 4, err))
        return -sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
    uint32_t doc = sp_get_u32(g->pass.p + (uint64_t)q * SP_PASS_ENTRY);
    if (doc >= g->ndocs)
        return -sp_writer_err(d->w, SPASM_ECORRUPT, "%s: passage %u out of bounds", g->path, q);
    return x->del[doc] != 0;
}

/* The entries [*lo, *end) of key in segment g's SKEY (header k): its
 * holders ascending, or its one marker.  0 or an error code. */
static int key_entries(dups *d, sp_seg *g, const sp_skey *k, uint32_t key, uint64_t *lo,
                       uint64_t *end)
{
    char err[SP_ERRMSG_MAX];
    const uint8_t *sec = g->skey.p, *ent = sec + k->ent_off;
    uint64_t at = k->dir_off + 4 * (uint64_t)sp_skey_slot(k, key);
    if (sp_ix_ensure(g, g->skey.off + at, 8, err))
        return sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
    uint64_t a = sp_get_u32(sec + at), e = sp_get_u32(sec + at + 4), b = e;
    if (a > e || e > k->m)
        return sp_writer_err(d->w, SPASM_ECORRUPT, "%s: SKEY directory out of bounds", g->path);
    if (a < e && sp_ix_ensure(g, g->skey.off + k->ent_off + a * k->w, (e - a) * k->w, err))
        return sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
    uint64_t low = sp_skey_low(k, key);
    while (a < b) { /* the key's first entry */
        uint64_t mid = a + (b - a) / 2;
        if (sp_skey_entry(k, ent + mid * k->w) >> k->pb < low)
            a = mid + 1;
        else
            b = mid;
    }
    for (b = a; b < e && sp_skey_entry(k, ent + b * k->w) >> k->pb == low; b++) {
    }
    *lo = a;
    *end = b;
    return 0;
}

/* 1 when segment x has deleted documents. */
static int has_deletes(const sp_xsrc *x)
{
    return x->del && memchr(x->del, 1, x->seg->ndocs) != NULL;
}

/* 1 when key is in the ascending list m[0, n). */
static int listed_key(const uint32_t *m, size_t n, uint32_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && m[lo] == key;
}

/* 1 when a marker of segment xsrc[s]'s SKEY (header k) cannot tell that
 * one of the file's keys[0, nkeys) is common, 0 when every marker can,
 * or an error code (negative).  A marker counts every holder of the key
 * in the segment, deleted ones too: when none of the deleted passages
 * holds the key, its holders are all live, more than the bound, and the
 * key is common; else (rare: a few deleted passages against 1,025
 * holders) the segment is scanned instead, which counts the live ones. */
static int marker_unsure(dups *d, uint32_t s, const sp_skey *k, const uint32_t *keys, size_t nkeys)
{
    const sp_xsrc *x = &d->w->xsrc[s];
    sp_seg *g = x->seg;
    char err[SP_ERRMSG_MAX];
    uint64_t marker = sp_skey_marker(k);
    uint32_t *m = NULL;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < nkeys && !rc; i++) { /* the markers of keys not common yet */
        uint64_t lo, end;
        if (d->other[keys[i]] > SP_DUPS_COMMON) continue;
        if ((rc = key_entries(d, g, k, keys[i], &lo, &end))) break;
        if (lo == end || (sp_skey_entry(k, g->skey.p + k->ent_off + lo * k->w) & marker) != marker)
            continue;
        if (!m && !(m = sp_malloc(d->a, nkeys * sizeof *m))) rc = SPASM_ENOMEM;
        if (m) m[n++] = keys[i];
    }
    if (g->docs.len != g->ndocs * 8 || g->sigs.len != g->npass * 2 * SP_SIG_HASHES)
        rc =
            rc ? rc
               : sp_writer_err(d->w, SPASM_ECORRUPT, "%s: SIGS or DOCS of the wrong size", g->path);
    int unsure = 0;
    for (uint64_t doc = 0; n && !rc && !unsure && doc < g->ndocs; doc++) {
        if (!x->del[doc]) continue;
        if (sp_ix_ensure(g, g->docs.off + 8 * doc, 8, err)) {
            rc = sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
            break;
        }
        uint32_t first = sp_get_u32(g->docs.p + 8 * doc);
        uint32_t cnt = sp_get_u32(g->docs.p + 8 * doc + 4);
        if (first > g->npass || cnt > g->npass - first) {
            rc = sp_writer_err(d->w, SPASM_ECORRUPT, "%s: document %llu out of bounds", g->path,
                               (unsigned long long)doc);
            break;
        }
        uint64_t at = (uint64_t)first * 2 * SP_SIG_HASHES;
        if (cnt && sp_ix_ensure(g, g->sigs.off + at, (uint64_t)cnt * 2 * SP_SIG_HASHES, err)) {
            rc = sp_writer_err(d->w, SPASM_ECORRUPT, "%s", err);
            break;
        }
        for (uint64_t i = 0; i < (uint64_t)cnt * SP_SIG_HASHES && !unsure; i++) {
            uint16_t v = sp_get_u16(g->sigs.p + at + 2 * i);
            uint32_t key = (i % SP_SIG_HASHES) << 16 | v;
            unsure = v != SP_SIG_EMPTY && listed_key(m, n, key);
        }
    }
    sp_free(d->a, m);
    return rc ? -rc : unsure;
}

/* Look the file's keys[0, nkeys) up in segment xsrc[s]'s SKEY (header k):
 * count their live holders into d->other (up to the point where a key is
 * common: SP_DUPS_COMMON + 1) and keep their instances, by passage then
 * key, as scan_seg would.  0 when done, 1 when the segment is to be
 * scanned instead (a marker that cannot tell: marker_unsure), or
 * an error code (negative). */
static int lookup_seg(dups *d, uint32_t s, const sp_skey *k, const uint32_t *keys, size_t nkeys)
{
    spasm_writer *w = d->w;
    const sp_xsrc *x = &w->xsrc[s];
    sp_seg *g = x->seg;
    int hasdel = has_deletes(x);
    if (hasdel && g->pass.len != g->npass * SP_PASS_ENTRY)
        return -sp_writer_err(w, SPASM_ECORRUPT, "%s: PASS of the wrong size", g->path);
    if (hasdel) {
        int m = marker_unsure(d, s, k, keys, nkeys);
        if (m) return m;
    }
    const uint8_t *ent = g->skey.p + k->ent_off;
    uint64_t marker = sp_skey_marker(k);
    size_t first = d->ninst;
    for (size_t i = 0; i < nkeys; i++) {
        uint32_t key = keys[i];
        uint64_t lo, e;
        if (d->other[key] > SP_DUPS_COMMON) continue; /* common already */
        int rc = key_entries(d, g, k, key, &lo, &e);
        if (rc) return -rc;
        for (; lo < e; lo++) {
            uint64_t q = sp_skey_entry(k, ent + lo * k->w) & marker;
            if (q == marker) { /* more holders in g alone than the bound, all live */
                d->other[key] = SP_DUPS_COMMON + 1;
                break;
            }
            if (q >= g->npass)
                return -sp_writer_err(w, SPASM_ECORRUPT, "%s: SKEY entry out of bounds", g->path);
            int gone = hasdel ? dead(d, x, (uint32_t)q) : 0;
            if (gone < 0) return gone;
            if (gone) continue;
            if (push_inst(d, s, (uint32_t)q, key)) return -SPASM_ENOMEM;
            if (++d->other[key] > SP_DUPS_COMMON) break;
        }
    }
    if (d->ninst - first > 1) qsort(d->xinst + first, d->ninst - first, sizeof *d->xinst, cmp_inst);
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
    uint32_t *keys = NULL;
    size_t nkeys = 0;
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
    if ((rc = file_keys(d, &ks, &keys, &nkeys))) goto out;
    /* each segment looked up (its SKEY) or scanned, whichever is cheaper:
     * the same holders and instances either way; those without deletions
     * first, so that their markers make keys common before a segment with
     * deletions, whose markers cannot tell, is reached (the order changes
     * only which instances of common keys are kept, and those count for
     * nothing) */
    for (size_t i = 0; i < 2 * w->nxsrc && !rc; i++) {
        size_t s = i % w->nxsrc;
        if (has_deletes(&w->xsrc[s]) != (i >= w->nxsrc)) continue;
        sp_skey k;
        int use = use_keys(d, w->xsrc[s].seg, nkeys, &k), scan = 1;
        if (use < 0)
            scan = use;
        else if (use) /* 1: a marker that cannot tell; scan after all */
            scan = lookup_seg(d, (uint32_t)s, &k, keys, nkeys);
        if (scan < 0)
            rc = -scan;
        else if (scan)
            rc = scan_seg(d, &ks, nsv ? sv : NULL, nsv, (uint32_t)s);
    }
out:
    sp_free(d->a, keys);
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
