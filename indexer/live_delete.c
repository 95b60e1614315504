/*
 * live_delete.c -- deletions in a live index (docs/LIVE.md).
 *
 * At commit the batch is replayed in the order it was made: the new
 * segment's documents (in order; their ids read back from the segment,
 * since a JSON Lines file is parsed by worker threads) interleaved with
 * the deletes at the points where they were made.  An add of id X
 * deletes the committed X (replace) or, when the batch added X before,
 * that earlier document in the new segment (a batch duplicate); a delete
 * of X deletes the batch's X when it has one, else the committed X, else
 * it is counted as unknown.
 *
 * Then each segment with new deletions gets its deletion set: all its
 * deleted documents and, per term, the number of deleted passages that
 * contain it (the deleted df), found by analysing the deleted documents'
 * stored title and passage texts with the analyser the indexer used
 * (batch.c: the title's terms belong to each passage of the document)
 * and mapping each term to its POST offset with the searcher's
 * dictionary lookup.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzer.h"
#include "index.h"
#include "live.h"
#include "search.h"

/* ---- a map from byte strings to 64-bit values (open addressing) ---- */

typedef struct smap_ent {
    uint64_t hash, off, val;
    uint32_t len, used;
    uint64_t stamp, cnt; /* deleted df counting: last passage seen, passages */
} smap_ent;

typedef struct smap {
    const sp_alloc *a;
    smap_ent *e;
    size_t cap, n;
    sp_buf keys;
} smap;

static void smap_init(smap *m, const sp_alloc *a)
{
    memset(m, 0, sizeof *m);
    m->a = a;
    sp_buf_init(&m->keys, a);
}

static void smap_free(smap *m)
{
    sp_free(m->a, m->e);
    sp_buf_free(&m->keys);
    memset(m, 0, sizeof *m);
}

/* The entry of key s[0, n): found (used) or where it would go; NULL only
 * when out of memory. */
static smap_ent *smap_slot(smap *m, const void *s, size_t n)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        smap_ent *ne = sp_calloc(m->a, cap * sizeof *ne);
        if (!ne) return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->e[i].used) continue;
            size_t j = (size_t)m->e[i].hash & (cap - 1);
            while (ne[j].used) j = (j + 1) & (cap - 1);
            ne[j] = m->e[i];
        }
        sp_free(m->a, m->e);
        m->e = ne;
        m->cap = cap;
    }
    uint64_t h = sp_id_hash(s, n);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->e[j].used) {
        smap_ent *x = &m->e[j];
        if (x->hash == h && x->len == n && memcmp(m->keys.p + x->off, s, n) == 0) return x;
        j = (j + 1) & (m->cap - 1);
    }
    m->e[j].hash = h;
    m->e[j].len = (uint32_t)n;
    return &m->e[j];
}

/* Make slot x (from smap_slot, unused) hold key s[0, n) and value v. */
static int smap_put_new(smap *m, smap_ent *x, const void *s, size_t n, uint64_t v)
{
    x->off = m->keys.n;
    sp_buf_append(&m->keys, s, n);
    if (m->keys.err) return SPASM_ENOMEM;
    x->used = 1;
    x->val = v;
    m->n++;
    return 0;
}

/* ---- replay ---- */

/* Add d to segment s's documents deleted by this batch. */
static int mark_deleted(spasm_updater *u, sp_live_seg *s, uint32_t d)
{
    s->del[d] = 1;
    if (s->nnew == s->capnew) {
        size_t cap = s->capnew ? s->capnew * 2 : 64;
        uint32_t *v = sp_realloc(&u->a, s->newdel, cap * sizeof *v);
        if (!v) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        s->newdel = v;
        s->capnew = cap;
    }
    s->newdel[s->nnew++] = d;
    return 0;
}

/* Delete the live document with id[0, len) among segs[0, n): 1 when one
 * was found (at most one is live), 0 when none, or -error. */
static int delete_committed(spasm_updater *u, sp_live_seg *segs, size_t n, const char *id,
                            size_t len)
{
    uint64_t h = sp_id_hash(id, len);
    for (size_t i = n; i-- > 0;) { /* the newest first: most updates touch recent documents */
        sp_live_seg *s = &segs[i];
        sp_seg *ix = s->ix->part[0].seg; /* a format-1 file: one segment */
        if (s->e.del_docs + s->nnew >= s->e.ndocs) continue;
        uint64_t lo = 0, hi = ix->ndocs;
        while (lo < hi) { /* the first entry with hash >= h */
            uint64_t mid = lo + (hi - lo) / 2;
            int rc = sp_ix_ensure(ix, ix->idix.off + mid * SP_IDIX_ENTRY, SP_IDIX_ENTRY, u->errmsg);
            if (rc) return -sp_live_fail(u, rc);
            if (sp_get_u64(ix->idix.p + mid * SP_IDIX_ENTRY) < h)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < ix->ndocs; lo++) {
            int rc = sp_ix_ensure(ix, ix->idix.off + lo * SP_IDIX_ENTRY, SP_IDIX_ENTRY, u->errmsg);
            if (rc) return -sp_live_fail(u, rc);
            if (sp_get_u64(ix->idix.p + lo * SP_IDIX_ENTRY) != h) break;
            uint32_t d = sp_get_u32(ix->idix.p + lo * SP_IDIX_ENTRY + 8);
            if (d >= ix->ndocs)
                return -sp_live_err(u, SPASM_ECORRUPT, "%s: bad id index", ix->path);
            if (s->del[d]) continue;
            const uint8_t *p;
            size_t pl;
            rc = sp_doc_id(ix, d, &s->s->metacache, &p, &pl, u->errmsg);
            if (rc) return -sp_live_fail(u, rc);
            if (pl != len || memcmp(p, id, len) != 0) continue;
            rc = mark_deleted(u, s, d);
            return rc ? -rc : 1;
        }
    }
    return 0;
}

/* Up to a few example ids for a warning, quoted, comma-separated. */
typedef struct examples {
    char s[240];
    size_t n, count;
} examples;

static void example_add(examples *x, const char *id, size_t len)
{
    x->count++;
    if (x->count > 5 || x->n >= sizeof x->s - 8) return;
    int k = snprintf(x->s + x->n, sizeof x->s - x->n, "%s\"%.*s\"", x->n ? ", " : "",
                     (int)SP_MIN(len, 40), id);
    if (k > 0) x->n = SP_MIN(x->n + (size_t)k, sizeof x->s - 1);
}

/* Apply one delete of id[0, len) of the batch (wordless: the add of a
 * document not kept, which replaces quietly: live.c, wordless_ops). */
static int replay_delete(spasm_updater *u, smap *m, sp_live_seg *segs, size_t nold, sp_live_seg *nw,
                         const char *id, size_t len, int wordless, examples *unknown)
{
    smap_ent *x = smap_slot(m, id, len);
    if (!x) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    if (wordless) {
        if (x->used) return 0; /* already gone in this batch */
        int r = delete_committed(u, segs, nold, id, len);
        if (r < 0) return -r;
        u->st.replaced += (uint64_t)r;
        x = smap_slot(m, id, len);
        if (!x || smap_put_new(m, x, id, len, UINT64_MAX))
            return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        return 0;
    }
    if (x->used) {
        if (x->val != UINT64_MAX) {
            int rc = mark_deleted(u, nw, (uint32_t)x->val);
            if (rc) return rc;
            x->val = UINT64_MAX;
            u->st.deleted++;
        } else {
            u->st.unknown_deletes++;
            example_add(unknown, id, len);
        }
        return 0;
    }
    int r = delete_committed(u, segs, nold, id, len);
    if (r < 0) return -r;
    if (r) {
        u->st.deleted++;
    } else {
        u->st.unknown_deletes++;
        example_add(unknown, id, len);
    }
    /* the slot may have moved if the map grew: look it up again */
    x = smap_slot(m, id, len);
    if (!x) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    if (smap_put_new(m, x, id, len, UINT64_MAX))
        return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    return 0;
}

/* Apply the add of the new segment's document d (id[0, len)). */
static int replay_add(spasm_updater *u, smap *m, sp_live_seg *segs, size_t nold, sp_live_seg *nw,
                      uint32_t d, const char *id, size_t len, examples *dups)
{
    smap_ent *x = smap_slot(m, id, len);
    if (!x) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    if (x->used) {
        if (x->val != UINT64_MAX) {
            int rc = mark_deleted(u, nw, (uint32_t)x->val);
            if (rc) return rc;
            u->st.batch_duplicates++;
            example_add(dups, id, len);
        }
        x->val = d;
        return 0;
    }
    int r = delete_committed(u, segs, nold, id, len);
    if (r < 0) return -r;
    u->st.replaced += (uint64_t)r;
    x = smap_slot(m, id, len);
    if (!x || smap_put_new(m, x, id, len, d)) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    return 0;
}

int sp_live_replay(spasm_updater *u, sp_live_seg *segs, size_t n, int has_new)
{
    size_t nold = has_new ? n - 1 : n;
    sp_live_seg *nw = has_new ? &segs[n - 1] : NULL;
    uint64_t nd = nw ? nw->e.ndocs : 0;
    smap m;
    smap_init(&m, &u->a);
    examples unknown = {{0}, 0, 0}, dups = {{0}, 0, 0};
    size_t k = 0;
    int rc = 0;
    for (uint64_t d = 0; d <= nd && !rc; d++) {
        for (; k < u->nops && u->ops[k].pos <= d && !rc; k++)
            rc = replay_delete(u, &m, segs, nold, nw, u->ops[k].id, strlen(u->ops[k].id),
                               u->ops[k].wordless, &unknown);
        if (rc || d == nd) break;
        const uint8_t *p;
        size_t len;
        rc = sp_doc_id(nw->ix->part[0].seg, (uint32_t)d, &nw->s->metacache, &p, &len, u->errmsg);
        if (rc) {
            rc = sp_live_fail(u, rc);
            break;
        }
        /* p points into a cache the lookups below may reuse: copy it */
        char stackid[256], *id = len < sizeof stackid ? stackid : sp_malloc(&u->a, len + 1);
        if (!id) {
            rc = sp_live_err(u, SPASM_ENOMEM, "out of memory");
            break;
        }
        memcpy(id, p, len);
        id[len] = 0;
        rc = replay_add(u, &m, segs, nold, nw, (uint32_t)d, id, len, &dups);
        if (id != stackid) sp_free(&u->a, id);
    }
    for (; k < u->nops && !rc; k++)
        rc = replay_delete(u, &m, segs, nold, nw, u->ops[k].id, strlen(u->ops[k].id),
                           u->ops[k].wordless, &unknown);
    smap_free(&m);
    if (rc) return rc;
    if (unknown.count)
        sp_live_warn(u, "%llu delete(s) of ids no document has (ignored): %s%s",
                     (unsigned long long)unknown.count, unknown.s,
                     unknown.count > 5 ? ", ..." : "");
    if (dups.count)
        sp_live_warn(u,
                     "%llu document(s) added again later in the same update; the last of each "
                     "id is kept: %s%s",
                     (unsigned long long)dups.count, dups.s, dups.count > 5 ? ", ..." : "");
    return 0;
}

/* ---- deletion sets ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A term's deleted df: its POST offset and deleted passages. */
typedef struct term_cnt {
    uint64_t off, cnt;
} term_cnt;

static int cmp_term_cnt(const void *a, const void *b)
{
    uint64_t x = ((const term_cnt *)a)->off, y = ((const term_cnt *)b)->off;
    return x < y ? -1 : x > y;
}

/* The state of analysing some of one segment's deleted documents (one
 * thread's share). */
typedef struct del_ctx {
    spasm_updater *u; /* read only: its allocator */
    sp_live_seg *s;
    spasm_searcher *sr; /* this context's stores and caches */
    sp_analyzer *an;
    smap terms;           /* term -> its POST offset, and its count so far */
    uint64_t seq;         /* the passage being counted (stamps, from 1) */
    sp_buf tterms;        /* the current document's title terms: u16 length, bytes */
    const uint32_t *docs; /* the documents to analyse */
    size_t ndocs;
    uint64_t npass, tokens; /* their passages and tokens */
    term_cnt *all;          /* the result: (POST offset, deleted df), by offset */
    size_t nall;
    int rc; /* this context's error, its message in err */
    char err[SP_ERRMSG_MAX];
} del_ctx;

/* Record the context's error (the first one wins) and return it. */
static int cerr(del_ctx *c, int code, const char *fmt, ...) SP_PRINTF(3, 4);
static int cerr(del_ctx *c, int code, const char *fmt, ...)
{
    if (c->rc) return c->rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return c->rc = code;
}

/* Record code, its message already in c->err. */
static int cfail(del_ctx *c, int code)
{
    if (!c->rc) c->rc = code;
    return c->rc;
}

/* The entry of term t[0, tl) (looked up in the dictionary the first
 * time); NULL with the error recorded. */
static smap_ent *term_entry(del_ctx *c, const char *t, size_t tl)
{
    smap_ent *x = smap_slot(&c->terms, t, tl);
    if (!x) {
        cerr(c, SPASM_ENOMEM, "out of memory");
        return NULL;
    }
    if (x->used) return x;
    sp_seg *ix = c->s->ix->part[0].seg; /* a format-1 file: one segment */
    sp_terminfo ti;
    int r = sp_dict_find(ix, t, tl, &ti, c->err);
    if (r < 0) {
        cfail(c, -r);
        return NULL;
    }
    if (r == 0) {
        cerr(c, SPASM_ECORRUPT,
             "%s: the term \"%.*s\" of a deleted document is not in the segment's "
             "dictionary",
             ix->path, (int)SP_MIN(tl, 60), t);
        return NULL;
    }
    if (smap_put_new(&c->terms, x, t, tl, ti.post_off)) {
        cerr(c, SPASM_ENOMEM, "out of memory");
        return NULL;
    }
    x->stamp = x->cnt = 0;
    return x;
}

/* Count the entry's term once for the current passage. */
static inline void count_term(del_ctx *c, smap_ent *x)
{
    if (x->stamp != c->seq) {
        x->stamp = c->seq;
        x->cnt++;
    }
}

/* The terms of the analysed text: counted for the current passage, or
 * (title) kept in c->tterms for each passage of the document. */
static int collect_terms(del_ctx *c, int title)
{
    size_t n;
    const sp_token *tok = sp_analyzer_tokens(c->an, &n);
    const char *pool = sp_analyzer_pool(c->an);
    for (size_t i = 0; i < n; i++) {
        const char *t = pool + tok[i].term_off;
        size_t tl = tok[i].term_len;
        if (title) {
            sp_buf_put_u16(&c->tterms, (uint16_t)tl);
            sp_buf_append(&c->tterms, t, tl);
            if (c->tterms.err) return cerr(c, SPASM_ENOMEM, "out of memory");
            continue;
        }
        smap_ent *x = term_entry(c, t, tl);
        if (!x) return c->rc;
        count_term(c, x);
    }
    return 0;
}

/* Analyse deleted document d: each of its passages counts once for each
 * of its distinct terms (the title's included); its passages and their
 * tokens are added to c->npass and c->tokens. */
static int analyse_deleted(del_ctx *c, uint32_t d)
{
    sp_seg *ix = c->s->ix->part[0].seg; /* a format-1 file: one segment */
    uint32_t first, count;
    int rc = spasm_doc_passages(c->sr, d, &first, &count);
    if (rc) return cerr(c, rc, "%s", spasm_searcher_errmsg(c->sr));
    if (!count) return 0;
    const uint8_t *p;
    size_t len;
    rc = sp_store_get(ix, &ix->dmet, &ix->dmix, d, &c->sr->metacache, &p, &len, c->err);
    if (rc) return cfail(c, rc);
    const uint8_t *z = memchr(p, 0, len);
    const char *title = z ? (const char *)z + 1 : "";
    size_t tlen = z ? len - (size_t)(z + 1 - p) : 0;
    c->tterms.n = 0;
    if (tlen) {
        if (sp_analyze(c->an, title, tlen)) return cerr(c, SPASM_ENOMEM, "out of memory");
        if ((rc = collect_terms(c, 1))) return rc;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t pn = first + i;
        int lrc = 0;
        uint32_t dl = sp_ix_len_checked(ix, pn, &lrc, c->err);
        if (lrc) return cfail(c, lrc);
        c->tokens += dl;
        c->npass++;
        c->seq++;
        rc = sp_store_get(ix, &ix->text, &ix->txix, pn, &c->sr->textcache, &p, &len, c->err);
        if (rc) return cfail(c, rc);
        if (sp_analyze(c->an, (const char *)p, len)) return cerr(c, SPASM_ENOMEM, "out of memory");
        if ((rc = collect_terms(c, 0))) return rc;
        for (size_t at = 0; at < c->tterms.n;) {
            size_t tl = sp_get_u16(c->tterms.p + at);
            smap_ent *x = term_entry(c, (const char *)c->tterms.p + at + 2, tl);
            if (!x) return c->rc;
            count_term(c, x);
            at += 2 + tl;
        }
    }
    return 0;
}

/* Analyse the context's documents into c->all (sorted by POST offset). */
static int analyse_part(del_ctx *c)
{
    const sp_alloc *a = &c->u->a;
    c->an = sp_analyzer_new(a, 32768);
    if (!c->an) return cerr(c, SPASM_ENOMEM, "out of memory");
    /* The deleted passages' terms as their segment's writer made them. */
    sp_analyzer_set_variants(c->an, c->u->wopt.variants == SPASM_VARIANTS_ON);
    smap_init(&c->terms, a);
    sp_buf_init(&c->tterms, a);
    int rc = 0;
    if (c->sr != c->s->s && (rc = spasm_searcher_new(c->s->ix, &c->sr))) {
        c->sr = NULL;
        return cerr(c, rc, "%s: %s", c->s->ix->part[0].seg->path, spasm_errstr(rc));
    }
    for (size_t i = 0; i < c->ndocs && !rc; i++) rc = analyse_deleted(c, c->docs[i]);
    if (rc) return rc;
    c->all = sp_malloc(a, (c->terms.n + 1) * sizeof *c->all);
    if (!c->all) return cerr(c, SPASM_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->terms.cap; i++)
        if (c->terms.e[i].used && c->terms.e[i].cnt)
            c->all[c->nall++] = (term_cnt){c->terms.e[i].val, c->terms.e[i].cnt};
    qsort(c->all, c->nall, sizeof *c->all, cmp_term_cnt);
    return 0;
}

static void *analyse_thread(void *arg)
{
    analyse_part(arg);
    return NULL;
}

/* Free what analyse_part made (but c->all). */
static void part_done(del_ctx *c)
{
    if (c->sr && c->sr != c->s->s) spasm_searcher_free(c->sr);
    sp_analyzer_free(c->an);
    smap_free(&c->terms);
    sp_buf_free(&c->tterms);
}

/* nds = ds + the counted new deletions (docs merged, terms summed). */
static int merge_sets(spasm_updater *u, sp_live_seg *s, const term_cnt *all, size_t nall,
                      uint64_t npass, uint64_t tokens, uint64_t gen)
{
    const sp_delset *o = &s->ds;
    sp_delset *d = &s->nds;
    memset(d, 0, sizeof *d);
    d->seg_id = s->e.id;
    d->gen = gen;
    d->ndocs = o->ndocs + s->nnew;
    d->npass = o->npass + npass;
    d->tokens = o->tokens + tokens;
    d->docs = sp_malloc(&u->a, (size_t)d->ndocs * 4 + 4);
    /* distinct terms: at most the old ones plus the new distinct ones */
    size_t cap = (size_t)o->nterms + nall + 1;
    d->term_off = sp_malloc(&u->a, cap * 8);
    d->term_df = sp_malloc(&u->a, cap * 4);
    if (!d->docs || !d->term_off || !d->term_df) {
        sp_delset_free(&u->a, d);
        return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    }
    s->has_nds = 1;
    size_t i = 0, j = 0, k = 0;
    while (i < o->ndocs || j < s->nnew) {
        if (j == s->nnew || (i < o->ndocs && o->docs[i] < s->newdel[j]))
            d->docs[k++] = o->docs[i++];
        else
            d->docs[k++] = s->newdel[j++];
    }
    i = j = k = 0;
    while (i < o->nterms || j < nall) {
        uint64_t off;
        uint64_t df = 0;
        if (j == nall || (i < o->nterms && o->term_off[i] < all[j].off)) {
            off = o->term_off[i];
            df = o->term_df[i++];
        } else {
            off = all[j].off;
            if (i < o->nterms && o->term_off[i] == off) df = o->term_df[i++];
            df += all[j++].cnt;
        }
        if (df > UINT32_MAX) return sp_live_err(u, SPASM_ECORRUPT, "deleted df overflows");
        d->term_off[k] = off;
        d->term_df[k++] = (uint32_t)df;
    }
    d->nterms = k;
    s->e.del_docs = d->ndocs;
    s->e.del_pass = d->npass;
    return 0;
}

#define DEL_PARTS 2 /* threads analysing deleted documents, at most */

int sp_live_build_delset(spasm_updater *u, sp_live_seg *s, uint64_t gen)
{
    /* the documents in order, so that each part reads its store blocks once */
    qsort(s->newdel, s->nnew, 4, cmp_u32);
    /* two parts on two threads (the analysis is most of a delete's
     * cost) when there are enough documents, the caller did not ask for
     * one thread, and the allocator is the default one (a caller's may
     * not be thread safe) */
    size_t nparts =
        s->nnew >= u->del_part_min && !u->wopt.alloc && u->wopt.threads != 1 ? DEL_PARTS : 1;
    del_ctx c[DEL_PARTS];
    memset(c, 0, sizeof c);
    for (size_t i = 0; i < nparts; i++) {
        c[i].u = u;
        c[i].s = s;
        c[i].sr = i == 0 ? s->s : NULL; /* the others make their own */
        c[i].docs = s->newdel + s->nnew * i / nparts;
        c[i].ndocs = s->nnew * (i + 1) / nparts - s->nnew * i / nparts;
    }
    pthread_t th[DEL_PARTS];
    int made[DEL_PARTS] = {0};
    for (size_t i = 1; i < nparts; i++)
        made[i] = pthread_create(&th[i], NULL, analyse_thread, &c[i]) == 0;
    analyse_part(&c[0]);
    for (size_t i = 1; i < nparts; i++) {
        if (made[i])
            pthread_join(th[i], NULL);
        else
            analyse_part(&c[i]); /* no thread: here */
    }
    int rc = 0;
    uint64_t npass = 0, tokens = 0;
    size_t nall = 0;
    for (size_t i = 0; i < nparts; i++) {
        if (c[i].rc && !rc) rc = sp_live_err(u, c[i].rc, "%s", c[i].err);
        npass += c[i].npass;
        tokens += c[i].tokens;
        nall += c[i].nall;
        part_done(&c[i]);
    }
    term_cnt *all = NULL;
    if (!rc && nparts == 1) {
        all = c[0].all;
        c[0].all = NULL;
    } else if (!rc) {
        /* the parts' counts summed: their passages are distinct */
        all = sp_malloc(&u->a, (nall + 1) * sizeof *all);
        if (!all) rc = sp_live_err(u, SPASM_ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < nparts && all; i++) {
            memcpy(all + k, c[i].all, c[i].nall * sizeof *all);
            k += c[i].nall;
        }
        if (all) {
            qsort(all, k, sizeof *all, cmp_term_cnt);
            size_t m = 0;
            for (size_t i = 0; i < k; i++) {
                if (m && all[m - 1].off == all[i].off)
                    all[m - 1].cnt += all[i].cnt;
                else
                    all[m++] = all[i];
            }
            nall = m;
        }
    }
    for (size_t i = 0; i < nparts; i++) sp_free(&u->a, c[i].all);
    if (!rc) rc = merge_sets(u, s, all, nall, npass, tokens, gen);
    sp_free(&u->a, all);
    return rc;
}
