/*
 * dups.c -- the DUPS section: every passage's near-duplicates within the
 * index file, found once at commit so that a search folds them with one
 * table read per hit instead of comparing texts (searcher/collapse.c,
 * docs/FORMAT.md "DUPS").
 *
 * Two passages p < q are listed as each other's near-duplicates when
 *   - their SIGS signatures share at least SP_DUP_MIN_KEYS (2) non-empty
 *     (bucket, value) keys each held by at most SP_DUPS_COMMON passages
 *     of the file (a key held by more -- a common bigram that is its
 *     bucket's minimum in thousands of passages -- is no evidence, and
 *     walking its holders would make this quadratic), and
 *   - at least half of the shorter one's distinct word bigrams, and at
 *     least SP_DUP_MIN_SHARED (4), occur in the other: the rule the
 *     searcher applies from the texts.
 * Candidate pairs come from the keys' holder lists; SIGB's bound rules
 * most of them out (as in the searcher); the rest are confirmed from the
 * passages' stored text, read back from the file being written (TEXT is
 * already in it), each passage analysed once.  On wikipedia_en (549,353
 * passages) that is ~474 M holder steps, ~4.4 M bounds and ~1.3 M exact
 * comparisons over ~53,000 passages' texts.
 */
#include <stdlib.h>
#include <zstd.h>

#include "format.h"
#include "neardup.h"
#include "storeblock.h"
#include "writer.h"

#include "dups.h"

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* 0 when SIGB proves passages p and q are no near-duplicates
 * (sp_sigb_bound), else 1. */
static int may_dup(const uint8_t *sigb, uint32_t p, uint32_t q)
{
    const uint8_t *a = sigb + (size_t)p * SP_SIGB_ENTRY, *b = sigb + (size_t)q * SP_SIGB_ENTRY;
    uint64_t x[SP_SIGB_WORDS], y[SP_SIGB_WORDS];
    for (int w = 0; w < SP_SIGB_WORDS; w++) {
        x[w] = sp_get_u64(a + 4 + 8 * w);
        y[w] = sp_get_u64(b + 4 + 8 * w);
    }
    return sp_sigb_bound(x, y, sp_get_u32(a), sp_get_u32(b));
}

/* Append pair (a, b) to d->cand. */
static int push_pair(dups *d, uint32_t a, uint32_t b)
{
    if (d->ncand == d->capcand) {
        size_t c = d->capcand ? 2 * d->capcand : 1024;
        dpair *n = sp_realloc(d->a, d->cand, c * sizeof *n);
        if (!n) return SPASM_ENOMEM;
        d->cand = n;
        d->capcand = c;
    }
    d->cand[d->ncand].a = a;
    d->cand[d->ncand++].b = b;
    return 0;
}

void sp_dups_run_of(const dups *d, const keyruns *kr, uint32_t k, size_t *b, size_t *e)
{
    if (kr->start) {
        *b = kr->start[k];
        *e = kr->start[k + 1];
        return;
    }
    size_t lo = 0, hi = kr->ninst; /* the first instance of k */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kr->inst[mid] >> 32 < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < kr->ninst && kr->inst[end] >> 32 == k) end++;
    *b = lo;
    *e = end - lo + (d->other ? d->other[k] : 0) <= SP_DUPS_COMMON ? end : lo;
}

uint32_t sp_dups_holder(const keyruns *kr, size_t e)
{
    return kr->start ? kr->hold[e] : (uint32_t)kr->inst[e];
}

/* Fill kr from the signatures of n passages.  0 or SPASM_ENOMEM. */
static int make_runs(dups *d, keyruns *kr)
{
    const uint8_t *sigs = d->w->sigs.p;
    size_t n = d->n;
    memset(kr, 0, sizeof *kr);
    if (n * SP_SIG_HASHES <= SMALL_INSTANCES) {
        if (!(kr->inst = sp_malloc(d->a, (n * SP_SIG_HASHES + 1) * sizeof *kr->inst)))
            return SPASM_ENOMEM;
        for (size_t p = 0; p < n; p++)
            for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
                uint16_t v = sp_get_u16(sigs + (p * SP_SIG_HASHES + b) * 2);
                if (v != SP_SIG_EMPTY) kr->inst[kr->ninst++] = (uint64_t)(b << 16 | v) << 32 | p;
            }
        qsort(kr->inst, kr->ninst, sizeof *kr->inst, cmp_u64);
        return 0;
    }
    uint32_t *start = sp_calloc(d->a, (SP_DUPS_KEYS + 1) * sizeof *start), *fill = NULL;
    kr->start = start;
    if (!start) return SPASM_ENOMEM;
    for (size_t p = 0; p < n; p++)
        for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
            uint16_t v = sp_get_u16(sigs + (p * SP_SIG_HASHES + b) * 2);
            if (v != SP_SIG_EMPTY) start[(b << 16 | v) + 1]++;
        }
    /* only the rare keys' holders are kept */
    for (size_t k = 1; k <= SP_DUPS_KEYS; k++) {
        uint64_t all = (uint64_t)start[k] + (d->other ? d->other[k - 1] : 0);
        uint32_t c = all <= SP_DUPS_COMMON ? start[k] : 0;
        start[k] = start[k - 1] + c;
    }
    if (!(kr->hold = sp_malloc(d->a, ((size_t)start[SP_DUPS_KEYS] + 1) * sizeof *kr->hold)) ||
        !(fill = sp_malloc(d->a, SP_DUPS_KEYS * sizeof *fill)))
        return SPASM_ENOMEM;
    memcpy(fill, start, SP_DUPS_KEYS * sizeof *fill);
    for (size_t p = 0; p < n; p++)
        for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
            uint16_t v = sp_get_u16(sigs + (p * SP_SIG_HASHES + b) * 2);
            uint32_t k = b << 16 | v;
            if (v != SP_SIG_EMPTY && start[k + 1] > start[k]) kr->hold[fill[k]++] = (uint32_t)p;
        }
    sp_free(d->a, fill);
    return 0;
}

/* The candidate pairs: sharing >= 2 rare keys, not ruled out by SIGB. */
static int find_candidates(dups *d, const keyruns *kr)
{
    spasm_writer *w = d->w;
    const uint8_t *sigs = w->sigs.p, *sigb = w->sigb.n ? w->sigb.p : NULL;
    size_t n = d->n;
    uint32_t *mark = NULL;
    uint8_t *ns = NULL;
    int rc = SPASM_ENOMEM;
    if (!(mark = sp_calloc(d->a, (n + 1) * sizeof *mark)) || !(ns = sp_calloc(d->a, n + 1)))
        goto out;
    for (size_t p = 0; p < n; p++) {
        if ((p & 0xFFF) == 0 && (rc = sp_writer_canceled(w))) goto out;
        for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
            uint16_t v = sp_get_u16(sigs + (p * SP_SIG_HASHES + b) * 2);
            if (v == SP_SIG_EMPTY) continue;
            size_t e, end;
            sp_dups_run_of(d, kr, b << 16 | v, &e, &end);
            for (; e < end; e++) {
                uint32_t r = sp_dups_holder(kr, e); /* ascending: the earlier passages first */
                if (r >= p) break;
                if (mark[r] != p + 1) {
                    mark[r] = (uint32_t)p + 1;
                    ns[r] = 1;
                } else if (++ns[r] == SP_DUP_MIN_KEYS && (!sigb || may_dup(sigb, r, (uint32_t)p))) {
                    if ((rc = push_pair(d, r, (uint32_t)p))) goto out;
                }
            }
        }
    }
    rc = 0;
out:
    sp_free(d->a, mark);
    sp_free(d->a, ns);
    return rc;
}

int sp_dups_set_of(dups *d, sp_analyzer *an, const char *t, size_t len, size_t *out)
{
    if (sp_analyze(an, t, len)) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *tok = sp_analyzer_tokens(an, &nt);
    const char *pool = sp_analyzer_pool(an);
    size_t need = d->nbg + (nt > 1 ? nt - 1 : 0);
    if (need > d->capbg) {
        size_t c = d->capbg ? d->capbg : 4096;
        while (c < need) c *= 2;
        uint64_t *nb = sp_realloc(d->a, d->bg, c * sizeof *nb);
        if (!nb) return SPASM_ENOMEM;
        d->bg = nb;
        d->capbg = c;
    }
    uint64_t *v = d->bg + d->nbg;
    size_t m = 0;
    if (nt > 1) {
        uint32_t prev = sp_term_hash(pool + tok[0].term_off, tok[0].term_len);
        for (size_t k = 1; k < nt; k++) {
            uint32_t cur = sp_term_hash(pool + tok[k].term_off, tok[k].term_len);
            v[k - 1] = sp_bigram_hash(prev, cur);
            prev = cur;
        }
        qsort(v, nt - 1, sizeof *v, cmp_u64);
        for (size_t k = 0; k < nt - 1; k++)
            if (m == 0 || v[m - 1] != v[k]) v[m++] = v[k];
    }
    *out = m;
    return 0;
}

/* Append the sorted distinct bigram hashes of text t to d->bg as the set
 * of passage p (the searcher's get_bigrams, collapse.c). */
static int add_set(dups *d, sp_analyzer *an, uint32_t p, const char *t, size_t len)
{
    size_t m;
    if (sp_dups_set_of(d, an, t, len, &m)) return SPASM_ENOMEM;
    d->nbg += m;
    d->slot[p] = (uint32_t)d->nsets;
    d->setoff[++d->nsets] = d->nbg;
    return 0;
}

/* The bigram sets of every passage in a candidate pair, from the TEXT
 * blocks already written (block by block, each inflated once). */
static int read_sets(dups *d)
{
    spasm_writer *w = d->w;
    sp_sink *s = &w->sink;
    uint64_t text_off = 0;
    int found = 0;
    for (size_t i = 0; i < s->nsec; i++)
        if (s->sec[i].tag == SP_SEC_TEXT) text_off = s->sec[i].off, found = 1;
    if (!found) return sp_writer_err(w, SPASM_EIO, "DUPS: no TEXT section to read");
    uint8_t *want = sp_calloc(d->a, d->n + 1);
    if (!want) return SPASM_ENOMEM;
    size_t nwant = 0;
    for (size_t i = 0; i < d->ncand; i++) {
        nwant += !want[d->cand[i].a] + !want[d->cand[i].b];
        want[d->cand[i].a] = want[d->cand[i].b] = 1;
    }
    for (size_t i = 0; i < d->nx; i++) {
        nwant += !want[d->xc[i].p];
        want[d->xc[i].p] = 1;
    }
    int rc = SPASM_ENOMEM;
    sp_inflater z = {0};
    ZSTD_DDict *dd = NULL;
    sp_analyzer *an = NULL;
    sp_buf cbuf, ubuf;
    sp_buf_init(&cbuf, d->a);
    sp_buf_init(&ubuf, d->a);
    if (!(d->setoff = sp_calloc(d->a, (nwant + 1) * sizeof *d->setoff))) goto out;
    if (w->tdict.n && !(dd = ZSTD_createDDict(w->tdict.p, w->tdict.n))) goto out;
    if (!(an = sp_analyzer_new(d->a, 8192))) goto out;
    sp_analyzer_set_variants(an, (w->flags & SP_FLAG_VARIANTS) != 0);
    const uint8_t *ixp = w->text.index.p;
    size_t nblocks = w->text.nblocks;
    for (size_t bl = 0; bl < nblocks; bl++) {
        const uint8_t *e = ixp + bl * SP_STORE_IX_ENTRY;
        uint32_t first = sp_get_u32(e), usize = sp_get_u32(e + 4), csize = sp_get_u32(e + 16),
                 codec = sp_get_u32(e + 20);
        uint64_t off = sp_get_u64(e + 8);
        uint32_t last = bl + 1 < nblocks ? sp_get_u32(e + SP_STORE_IX_ENTRY) : (uint32_t)d->n;
        int any = 0;
        for (uint32_t p = first; p < last && p < d->n && !any; p++) any = want[p];
        if (!any) continue;
        if (sp_buf_reserve(&cbuf, csize) || sp_buf_reserve(&ubuf, usize)) goto out;
        if ((rc = sp_sink_pread(s, text_off + off, cbuf.p, csize))) goto out;
        if ((rc = sp_inflate_block(&z, codec, dd, cbuf.p, csize, ubuf.p, usize)) == SPASM_ENOMEM)
            goto out;
        if (rc || usize < 4) {
            rc = sp_writer_err(w, SPASM_EIO, "DUPS: a TEXT block does not read back");
            goto out;
        }
        uint32_t nrec = sp_get_u32(ubuf.p);
        size_t payload = 4 + 4 * ((size_t)nrec + 1);
        if (payload > usize) {
            rc = sp_writer_err(w, SPASM_EIO, "DUPS: a TEXT block does not read back");
            goto out;
        }
        for (uint32_t r = 0; r < nrec && first + r < d->n; r++) {
            if (!want[first + r]) continue;
            uint32_t a = sp_get_u32(ubuf.p + 4 + 4 * r), b = sp_get_u32(ubuf.p + 8 + 4 * r);
            if (a > b || payload + b > usize) {
                rc = sp_writer_err(w, SPASM_EIO, "DUPS: a TEXT block does not read back");
                goto out;
            }
            if ((rc = add_set(d, an, first + r, (const char *)ubuf.p + payload + a, b - a)))
                goto out;
        }
    }
    rc = 0;
out:
    sp_inflater_free(&z);
    ZSTD_freeDDict(dd);
    sp_analyzer_free(an);
    sp_buf_free(&cbuf);
    sp_buf_free(&ubuf);
    sp_free(d->a, want);
    return rc;
}

int sp_dups_sets_dup(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t x = 0, y = 0, shared = 0;
    while (x < na && y < nb) {
        if (a[x] < b[y])
            x++;
        else if (a[x] > b[y])
            y++;
        else
            shared++, x++, y++;
    }
    return sp_dup_rule(shared, na, nb);
}

/* 1 if passages p and q are near-duplicates by their bigram sets. */
static int exact_dup(const dups *d, uint32_t p, uint32_t q)
{
    if (d->slot[p] == NONE || d->slot[q] == NONE) return 0;
    const uint64_t *a = d->bg + d->setoff[d->slot[p]], *b = d->bg + d->setoff[d->slot[q]];
    size_t na = d->setoff[d->slot[p] + 1] - d->setoff[d->slot[p]];
    size_t nb = d->setoff[d->slot[q] + 1] - d->setoff[d->slot[q]];
    return sp_dups_sets_dup(a, na, b, nb);
}

/* Write DUPS: u32 SP_DUPS_COMMON, u32 M, u32 off[N + 1], u32 partner[M]. */
static int emit(dups *d)
{
    spasm_writer *w = d->w;
    size_t n = d->n, m = 2 * d->ncand;
    uint32_t *off = sp_calloc(d->a, (n + 2) * sizeof *off);
    uint32_t *part = sp_malloc(d->a, (m + 1) * sizeof *part);
    if (!off || !part) {
        sp_free(d->a, off);
        sp_free(d->a, part);
        return SPASM_ENOMEM;
    }
    for (size_t i = 0; i < d->ncand; i++) off[d->cand[i].a + 2]++, off[d->cand[i].b + 2]++;
    for (size_t p = 2; p < n + 2; p++) off[p] += off[p - 1];
    for (size_t i = 0; i < d->ncand; i++) {
        part[off[d->cand[i].a + 1]++] = d->cand[i].b;
        part[off[d->cand[i].b + 1]++] = d->cand[i].a;
    }
    /* off[p] is now the start of p's list, off[p + 1] its end */
    for (size_t p = 0; p < n; p++)
        if (off[p + 1] - off[p] > 1)
            qsort(part + off[p], off[p + 1] - off[p], sizeof *part, cmp_u32);
    sp_sink *s = &w->sink;
    uint8_t e[4];
    sp_sink_begin(s, SP_SEC_DUPS);
    sp_put_u32(e, SP_DUPS_COMMON);
    sp_sink_write(s, e, 4);
    sp_put_u32(e, (uint32_t)m);
    sp_sink_write(s, e, 4);
    for (size_t p = 0; p <= n; p++) {
        sp_put_u32(e, off[p]);
        sp_sink_write(s, e, 4);
    }
    for (size_t i = 0; i < m; i++) {
        sp_put_u32(e, part[i]);
        sp_sink_write(s, e, 4);
    }
    sp_sink_end(s, n);
    sp_free(d->a, off);
    sp_free(d->a, part);
    return s->rc;
}

int sp_dups_write(spasm_writer *w)
{
    dups d;
    memset(&d, 0, sizeof d);
    d.w = w;
    d.a = &w->a;
    d.n = w->npass;
    if (w->sigs.n != d.n * 2 * SP_SIG_HASHES || (w->sigb.n && w->sigb.n != d.n * SP_SIGB_ENTRY))
        return sp_writer_err(w, SPASM_EINVAL, "DUPS: signatures of the wrong size");
    keyruns kr;
    memset(&kr, 0, sizeof kr);
    int rc = w->live_segment ? sp_xdup_count(&d) : 0; /* the other segments' holders */
    if (!rc) rc = make_runs(&d, &kr);
    if (!rc) rc = find_candidates(&d, &kr);
    if (!rc && w->live_segment) rc = sp_xdup_find(&d, &kr);
    if (!rc && !(d.slot = sp_malloc(d.a, (d.n + 1) * sizeof *d.slot))) rc = SPASM_ENOMEM;
    if (!rc) memset(d.slot, 0xFF, (d.n + 1) * sizeof *d.slot);
    if (!rc && (d.ncand || d.nx)) {
        rc = read_sets(&d);
    }
    if (!rc) { /* keep the confirmed pairs */
        size_t k = 0;
        for (size_t i = 0; i < d.ncand; i++)
            if (exact_dup(&d, d.cand[i].a, d.cand[i].b)) d.cand[k++] = d.cand[i];
        d.ncand = k;
        rc = emit(&d);
    }
    if (!rc && w->live_segment) rc = sp_xdup_write(&d); /* XDUP: dups_cross.c */
    sp_free(d.a, kr.start);
    sp_free(d.a, kr.hold);
    sp_free(d.a, kr.inst);
    sp_free(d.a, d.other);
    sp_free(d.a, d.xinst);
    sp_free(d.a, d.xc);
    sp_free(d.a, d.cand);
    sp_free(d.a, d.slot);
    sp_free(d.a, d.bg);
    sp_free(d.a, d.setoff);
    if (rc == SPASM_ENOMEM) return sp_writer_err(w, rc, "out of memory");
    return rc;
}
