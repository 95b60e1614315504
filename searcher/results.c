/*
 * results.c -- turning ranked passages into spasm_results: stored text,
 * document id and title, highlights (byte spans of words whose stem was
 * searched), the best snippet window, explanations; and the look-up calls
 * (spasm_find_doc, spasm_get_passage, spasm_doc_passages).
 *
 * Snippet: the window of about snippet_bytes that holds the most distinct
 * matched stems (ties: the earliest), widened to word boundaries.
 */
#include <stdio.h>
#include <stdlib.h>

#include "search.h"

typedef struct hit_mem {
    char *text, *id, *title, *explain;
    spasm_span *spans;
    spasm_dup *dups;
    char *dup_ids; /* the dups' document ids, NUL-separated */
} hit_mem;

struct spasm_results {
    const sp_alloc *a;
    spasm_hit *hits;
    hit_mem *mem;
    size_t n;
    uint64_t total;
    unsigned flags;   /* SPASM_RESULT_* */
    char *notes;      /* NULL: none */
    char *suggestion; /* the query as corrected (suggest.c), NULL: none */
    char *ids;        /* ids_only(): every hit's document id, NUL-separated */
};

static int serr_nomem(spasm_searcher *s)
{
    snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
    return SPASM_ENOMEM;
}

size_t spasm_results_count(const spasm_results *r)
{
    return r ? r->n : 0;
}

const spasm_hit *spasm_results_hit(const spasm_results *r, size_t i)
{
    return (r && i < r->n) ? &r->hits[i] : NULL;
}

uint64_t spasm_results_total(const spasm_results *r)
{
    return r ? r->total : 0;
}

unsigned spasm_results_flags(const spasm_results *r)
{
    return r ? r->flags : 0;
}

const char *spasm_results_notes(const spasm_results *r)
{
    return r && r->notes ? r->notes : "";
}

int sp_results_set_notes(spasm_results *r, unsigned flags, const char *notes, size_t n)
{
    r->flags = flags;
    if (n == 0) return 0;
    while (n && notes[n - 1] == '\n') n--; /* lines separated, not ended, by '\n' */
    r->notes = sp_strndup(r->a, notes, n);
    return r->notes ? 0 : SPASM_ENOMEM;
}

const char *spasm_results_suggestion(const spasm_results *r)
{
    return r && r->suggestion ? r->suggestion : "";
}

int sp_results_set_suggestion(spasm_results *r, const char *text, size_t n, unsigned flags)
{
    if (n == 0) return 0;
    r->flags |= flags;
    r->suggestion = sp_strndup(r->a, text, n);
    return r->suggestion ? 0 : SPASM_ENOMEM;
}

void spasm_results_free(spasm_results *r)
{
    if (!r) return;
    for (size_t i = 0; r->mem && i < r->n; i++) {
        sp_free(r->a, r->mem[i].text);
        sp_free(r->a, r->mem[i].id);
        sp_free(r->a, r->mem[i].title);
        sp_free(r->a, r->mem[i].explain);
        sp_free(r->a, r->mem[i].spans);
        sp_free(r->a, r->mem[i].dups);
        sp_free(r->a, r->mem[i].dup_ids);
    }
    sp_free(r->a, r->hits);
    sp_free(r->a, r->mem);
    sp_free(r->a, r->notes);
    sp_free(r->a, r->suggestion);
    sp_free(r->a, r->ids);
    sp_free(r->a, r);
}

/* Empty results with room for n hits, and for what each hit owns unless
 * ids_only (ids_only() keeps every id in one buffer: at k = 1,000 the
 * owners' table cost 7,000 sp_free() calls of NULL per search). */
static spasm_results *results_new(const sp_alloc *a, size_t n, int ids_only)
{
    spasm_results *r = sp_calloc(a, sizeof *r);
    if (!r) return NULL;
    r->a = a;
    r->hits = sp_calloc(a, (n + 1) * sizeof *r->hits);
    if (!ids_only) r->mem = sp_calloc(a, (n + 1) * sizeof *r->mem);
    if (!r->hits || (!ids_only && !r->mem)) {
        spasm_results_free(r);
        return NULL;
    }
    return r;
}

/* 1 if stem s[0, len) is in the NUL-separated list. */
static int has_stem(const sp_buf *stems, const char *s, size_t len)
{
    size_t i = 0;
    while (i < stems->n) {
        const char *p = (const char *)stems->p + i;
        size_t l = strlen(p);
        if (l == len && memcmp(p, s, len) == 0) return 1;
        i += l + 1;
    }
    return 0;
}

/* Fill hit h (passage p) with its document and the fields asked for
 * (SPASM_FIELD_*). */
/* The segment, local document and ordinal of global passage gp, from the
 * checked PASS table. */
static int passage_entry(spasm_searcher *s, uint32_t gp, const sp_part **pt, uint32_t *doc,
                         uint32_t *ordinal)
{
    *pt = sp_col_part_of_passage(s->ix, gp);
    sp_seg *ix = (*pt)->seg;
    uint32_t p = gp - (*pt)->pbase;
    int rc = sp_ix_ensure(ix, ix->pass.off + (uint64_t)p * SP_PASS_ENTRY, SP_PASS_ENTRY, s->errmsg);
    if (rc) return rc;
    const uint8_t *pe = ix->pass.p + (size_t)p * SP_PASS_ENTRY;
    *doc = sp_get_u32(pe);
    *ordinal = sp_get_u32(pe + 4);
    if (*doc >= ix->ndocs)
        return sp_seterr(s->errmsg, SPASM_ECORRUPT, "%s: bad passage table", ix->path);
    return 0;
}

static int fill_hit(spasm_searcher *s, spasm_hit *h, hit_mem *m, uint32_t gp, unsigned fields)
{
    const sp_part *pt;
    h->passage = gp;
    int rc = passage_entry(s, gp, &pt, &h->doc, &h->ordinal);
    if (rc) return rc;
    sp_seg *ix = pt->seg;
    uint32_t p = gp - pt->pbase, ldoc = h->doc;
    h->doc += pt->dbase;
    const uint8_t *t;
    size_t len;
    h->doc_id = h->title = h->text = h->explain = "";
    if (!(fields & SPASM_FIELD_TITLE)) {
        if (fields & SPASM_FIELD_ID) {
            rc = sp_doc_id(ix, ldoc, &s->metacache, &t, &len, s->errmsg);
            if (rc) return rc;
            if (!(m->id = sp_strndup(s->a, (const char *)t, len))) return SPASM_ENOMEM;
            h->doc_id = m->id;
        }
        if (!(fields & SPASM_FIELD_TEXT)) return 0;
    }
    if (fields & SPASM_FIELD_TEXT) {
        rc = sp_store_get(ix, &ix->text, &ix->txix, p, &s->textcache, &t, &len, s->errmsg);
        if (rc) return rc;
        m->text = sp_strndup(s->a, (const char *)t, len);
        if (!m->text) return SPASM_ENOMEM;
        h->text = m->text;
        h->text_len = len;
        h->snippet_end = (uint32_t)len;
    }
    if (!(fields & SPASM_FIELD_TITLE)) return 0;
    if ((rc = sp_store_get(ix, &ix->dmet, &ix->dmix, ldoc, &s->metacache, &t, &len, s->errmsg)))
        return rc;
    const uint8_t *z = memchr(t, 0, len);
    size_t idlen = z ? (size_t)(z - t) : len;
    m->id = sp_strndup(s->a, (const char *)t, idlen);
    m->title = sp_strndup(s->a, z ? (const char *)z + 1 : "", z ? len - idlen - 1 : 0);
    if (!m->id || !m->title) return SPASM_ENOMEM;
    if (fields & SPASM_FIELD_ID) h->doc_id = m->id;
    h->title = m->title;
    return 0;
}

/* Fill r's hits 0..n-1 from candidates c[0, n) with their documents and
 * ids only (the peers' task at k = 1000, where these look-ups are cache
 * misses: each hit's PASS entry and DIDS offsets are asked for a few hits
 * ahead, and the ids go into one allocation).  0 or an error code. */
static int ids_only(spasm_searcher *s, spasm_results *r, const sp_cand *c, size_t n)
{
    enum { AHEAD = 8 };
    for (size_t i = 0; i < n && i < AHEAD; i++) {
        const sp_part *pt = sp_col_part_of_passage(s->ix, c[i].passage);
        __builtin_prefetch(pt->seg->pass.p + (size_t)(c[i].passage - pt->pbase) * SP_PASS_ENTRY);
    }
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            const sp_part *pt = sp_col_part_of_passage(s->ix, c[i + AHEAD].passage);
            __builtin_prefetch(pt->seg->pass.p +
                               (size_t)(c[i + AHEAD].passage - pt->pbase) * SP_PASS_ENTRY);
        }
        spasm_hit *h = &r->hits[i];
        const sp_part *pt;
        h->passage = c[i].passage;
        h->score = c[i].score;
        h->title = h->text = h->explain = "";
        int rc = passage_entry(s, c[i].passage, &pt, &h->doc, &h->ordinal);
        if (rc) return rc;
        if (pt->seg->dids.p) __builtin_prefetch(pt->seg->dids.p + 4 * (size_t)h->doc);
        h->doc += pt->dbase;
    }
    sp_buf ids;
    sp_buf_init(&ids, s->a);
    size_t *at = sp_malloc(s->a, (n + 1) * sizeof *at);
    if (!at) return SPASM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) { /* the id's bytes (its offset was asked for above) */
            const sp_part *pa = sp_col_part_of_doc(s->ix, r->hits[i + AHEAD].doc);
            const sp_seg *g = pa->seg;
            uint64_t at0 =
                g->dids.p ? sp_get_u32(g->dids.p + 4 * (size_t)(r->hits[i + AHEAD].doc - pa->dbase))
                          : 0;
            if (g->dids.p && 4 * ((uint64_t)g->ndocs + 1) + at0 < g->dids.len)
                __builtin_prefetch(g->dids.p + 4 * ((size_t)g->ndocs + 1) + at0);
        }
        const sp_part *pt = sp_col_part_of_doc(s->ix, r->hits[i].doc);
        const uint8_t *t;
        size_t len;
        int rc = sp_doc_id(pt->seg, r->hits[i].doc - pt->dbase, &s->metacache, &t, &len, s->errmsg);
        if (rc) {
            sp_free(s->a, at);
            sp_buf_free(&ids);
            return rc;
        }
        at[i] = ids.n;
        sp_buf_append(&ids, t, len);
        sp_buf_putc(&ids, 0);
    }
    if (ids.err) {
        sp_free(s->a, at);
        sp_buf_free(&ids);
        return SPASM_ENOMEM;
    }
    r->ids = (char *)ids.p; /* owned by r now */
    for (size_t i = 0; i < n; i++) r->hits[i].doc_id = r->ids + at[i];
    sp_free(s->a, at);
    return 0;
}

/* Attach the near-duplicates dv[0, n) folded into hit h. */
static int attach_dups(spasm_searcher *s, spasm_hit *h, hit_mem *m, const sp_cand *dv, size_t n)
{
    if (n == 0) return 0;
    m->dups = sp_calloc(s->a, n * sizeof *m->dups);
    sp_buf ids;
    sp_buf_init(&ids, s->a);
    if (!m->dups) return SPASM_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        spasm_dup *d = &m->dups[i];
        const uint8_t *id = NULL;
        size_t idlen = 0;
        const sp_part *pt;
        d->passage = dv[i].passage;
        d->score = dv[i].score;
        rc = passage_entry(s, dv[i].passage, &pt, &d->doc, &d->ordinal);
        if (!rc) rc = sp_doc_id(pt->seg, d->doc, &s->metacache, &id, &idlen, s->errmsg);
        d->doc += pt->dbase;
        if (!rc) {
            sp_buf_append(&ids, id, idlen);
            sp_buf_putc(&ids, 0);
        }
    }
    if (!rc && ids.err) rc = SPASM_ENOMEM;
    if (rc) {
        sp_buf_free(&ids);
        return rc;
    }
    m->dup_ids = (char *)ids.p; /* owned by the hit now */
    const char *p = m->dup_ids;
    for (size_t i = 0; i < n; i++) {
        m->dups[i].doc_id = p;
        p += strlen(p) + 1;
    }
    h->dups = m->dups;
    h->ndups = n;
    return 0;
}

/* Highlights and snippet window of a filled hit: the words whose stem is
 * one of stems (NUL-separated); first[b] is set for each byte b a stem
 * begins with. */
static int highlight(spasm_searcher *s, spasm_hit *h, hit_mem *m, const sp_buf *stems,
                     const uint8_t *first, size_t want)
{
    /* Only words that begin as a stem of the query does can be one of them
     * (sp_analyzer_set_first): the rest skip the stemmer, 0.83x the time
     * of a search with every field (bench/README.md, "Highlighting"). */
    sp_analyzer_set_first(s->an, first);
    int rc = sp_analyze(s->an, h->text, h->text_len);
    sp_analyzer_set_first(s->an, NULL);
    if (rc) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *tok = sp_analyzer_tokens(s->an, &nt);
    const char *pool = sp_analyzer_pool(s->an);
    size_t nh = 0;
    spasm_span *sp = sp_malloc(s->a, (nt + 1) * sizeof *sp);
    uint32_t *which = sp_malloc(s->a, (nt + 1) * sizeof *which); /* token index of each span */
    if (!sp || !which) {
        sp_free(s->a, sp);
        sp_free(s->a, which);
        return SPASM_ENOMEM;
    }
    for (size_t i = 0; i < nt; i++) {
        if (!tok[i].term_len || !has_stem(stems, pool + tok[i].term_off, tok[i].term_len)) continue;
        sp[nh].start = tok[i].start;
        sp[nh].end = tok[i].end;
        which[nh] = (uint32_t)i;
        nh++;
    }
    m->spans = sp;
    h->highlights = sp;
    h->nhighlights = nh;
    /* snippet */
    if (h->text_len > want && nh > 0) {
        size_t best = 0, bestc = 0;
        for (size_t i = 0; i < nh; i++) {
            size_t distinct = 0;
            for (size_t j = i; j < nh && sp[j].end - sp[i].start <= want; j++) {
                int seen = 0;
                const sp_token *tj = &tok[which[j]];
                for (size_t q = i; q < j && !seen; q++) {
                    const sp_token *tq = &tok[which[q]];
                    seen = tq->term_len == tj->term_len &&
                           memcmp(pool + tq->term_off, pool + tj->term_off, tj->term_len) == 0;
                }
                distinct += !seen;
            }
            if (distinct > bestc) {
                bestc = distinct;
                best = i;
            }
        }
        /* Centre the matches of the best window, then align to words. */
        uint32_t a = sp[best].start, e = sp[best].end;
        for (size_t j = best; j < nh && sp[j].end - sp[best].start <= want; j++) e = sp[j].end;
        size_t extra = want > (size_t)(e - a) ? want - (e - a) : 0;
        uint32_t start = a > extra / 3 ? a - (uint32_t)(extra / 3) : 0;
        uint32_t end = (uint32_t)SP_MIN(h->text_len, (size_t)start + want);
        if (end - start < want && end == h->text_len) start = end > want ? end - (uint32_t)want : 0;
        /* widen to token boundaries */
        for (size_t i = 0; i < nt; i++) {
            if (tok[i].start < start && tok[i].end > start) start = tok[i].start;
            if (tok[i].start < end && tok[i].end > end) end = tok[i].end;
        }
        if (start > 0) { /* begin at the start of a word */
            for (size_t i = 0; i < nt; i++)
                if (tok[i].start >= start) {
                    start = tok[i].start;
                    break;
                }
        }
        h->snippet_start = start;
        h->snippet_end = end;
    } else if (h->text_len > want) {
        uint32_t end = (uint32_t)want;
        for (size_t i = 0; i < nt; i++)
            if (tok[i].start < end && tok[i].end > end) end = tok[i].end;
        h->snippet_start = 0;
        h->snippet_end = end;
    }
    sp_free(s->a, which);
    return 0;
}

int sp_results_build(spasm_searcher *s, it_ctx *x, it *root, const qnode *qt,
                     const spasm_search_options *o, sp_topk *t, const sp_fold *fold,
                     spasm_results **out)
{
    size_t k = o->k ? o->k : 10;
    size_t from = SP_MIN(o->offset, t->n), to = SP_MIN(o->offset + k, t->n);
    size_t n = to - from;
    unsigned fields = o->fields ? o->fields : SPASM_FIELDS_ALL;
    int idonly = fields == SPASM_FIELD_ID && !(fold && fold->ndups) && !o->explain;
    spasm_results *r = results_new(s->a, n, idonly);
    if (!r) return serr_nomem(s);
    r->total = t->total;
    sp_buf stems, ex;
    sp_buf_init(&stems, s->a);
    sp_buf_init(&ex, s->a);
    size_t *offs = o->explain ? sp_calloc(s->a, (n + 1) * sizeof *offs) : NULL;
    int rc = offs || !o->explain ? 0 : SPASM_ENOMEM;
    if (root) sp_it_stems(root, &stems, 0);
    if (stems.err) rc = SPASM_ENOMEM;
    uint8_t first[256] = {0}; /* the bytes the stems begin with (highlight()) */
    for (size_t i = 0; i < stems.n; i += strlen((const char *)stems.p + i) + 1)
        first[stems.p[i]] = 1;
    if (!rc && o->explain) rc = sp_it_explain_hits(x, qt, t->h + from, n, &ex, offs);
    size_t want = o->snippet_bytes ? o->snippet_bytes : 300;
    if (!rc && idonly) {
        rc = ids_only(s, r, t->h + from, n);
        r->n = n;
        n = 0; /* done */
    }
    for (size_t i = 0; i < n && !rc; i++) {
        spasm_hit *h = &r->hits[i];
        r->n = i + 1;
        h->score = t->h[from + i].score;
        rc = fill_hit(s, h, &r->mem[i], t->h[from + i].passage, fields);
        if (!rc && (fields & SPASM_FIELD_TEXT))
            rc = highlight(s, h, &r->mem[i], &stems, first, want);
        if (!rc && fold && fold->ndups)
            rc = attach_dups(s, h, &r->mem[i], fold->dupv + fold->dupoff[from + i],
                             fold->dupoff[from + i + 1] - fold->dupoff[from + i]);
        if (!rc && o->explain) {
            r->mem[i].explain = sp_strndup(s->a, (const char *)ex.p + offs[i],
                                           strlen((const char *)ex.p + offs[i]));
            if (!r->mem[i].explain)
                rc = SPASM_ENOMEM;
            else
                h->explain = r->mem[i].explain;
        }
    }
    sp_free(s->a, offs);
    sp_buf_free(&stems);
    sp_buf_free(&ex);
    if (rc) {
        spasm_results_free(r);
        if (rc == SPASM_ENOMEM)
            snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
        else if (!s->errmsg[0])
            snprintf(s->errmsg, sizeof s->errmsg, "%s", spasm_errstr(rc));
        return rc;
    }
    *out = r;
    return 0;
}

/* ---- look-ups ---- */

/* The first live document of segment part pt with id doc_id[0, len):
 * 1 found (*doc local), 0 none, or -error. */
static int find_in(spasm_searcher *s, const sp_part *pt, const char *doc_id, size_t len,
                   uint32_t *doc)
{
    sp_seg *ix = pt->seg;
    uint64_t h = sp_id_hash(doc_id, len);
    int rc = sp_ix_ensure(ix, ix->idix.off, ix->idix.len, s->errmsg);
    if (rc) return -rc;
    uint64_t lo = 0, hi = ix->ndocs;
    while (lo < hi) { /* first entry with hash >= h */
        uint64_t mid = lo + (hi - lo) / 2;
        if (sp_get_u64(ix->idix.p + mid * SP_IDIX_ENTRY) < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < ix->ndocs && sp_get_u64(ix->idix.p + lo * SP_IDIX_ENTRY) == h; lo++) {
        uint32_t d = sp_get_u32(ix->idix.p + lo * SP_IDIX_ENTRY + 8);
        const uint8_t *t;
        size_t tl;
        if (d >= ix->ndocs)
            return -sp_seterr(s->errmsg, SPASM_ECORRUPT, "%s: bad id index", ix->path);
        if (pt->dels && (pt->dels->docs[d >> 6] >> (d & 63) & 1)) continue; /* deleted */
        rc = sp_store_get(ix, &ix->dmet, &ix->dmix, d, &s->metacache, &t, &tl, s->errmsg);
        if (rc) return -rc;
        if ((tl > len && t[len] == 0 && memcmp(t, doc_id, len) == 0) ||
            (tl == len && memcmp(t, doc_id, len) == 0)) {
            *doc = d;
            return 1;
        }
    }
    return 0;
}

int spasm_find_doc(spasm_searcher *s, const char *doc_id, uint32_t *doc)
{
    if (!s || !doc_id || !doc) return SPASM_EINVAL;
    int rc = sp_col_check_files(s->ix, s->errmsg);
    if (rc) return rc;
    size_t len = strlen(doc_id);
    /* the live version (a replaced one is deleted); with several live
     * documents of that id, the first in collection order */
    for (size_t i = 0; i < s->ix->nparts; i++) {
        int r = find_in(s, &s->ix->part[i], doc_id, len, doc);
        if (r < 0) return -r;
        if (r) {
            *doc += s->ix->part[i].dbase;
            return 0;
        }
    }
    return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "no document with id \"%s\"", doc_id);
}

int spasm_doc_passages(spasm_searcher *s, uint32_t doc, uint32_t *first, uint32_t *count)
{
    if (!s || !first || !count) return SPASM_EINVAL;
    if (doc >= s->ix->ndocs) return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "no document %u", doc);
    const sp_part *pt = sp_col_part_of_doc(s->ix, doc);
    sp_seg *ix = pt->seg;
    uint32_t d = doc - pt->dbase;
    if (pt->dels && (pt->dels->docs[d >> 6] >> (d & 63) & 1))
        return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "document %u was deleted", doc);
    int rc = sp_col_check_files(s->ix, s->errmsg);
    if (!rc)
        rc = sp_ix_ensure(ix, ix->docs.off + (uint64_t)d * SP_DOCS_ENTRY, SP_DOCS_ENTRY, s->errmsg);
    if (rc) return rc;
    const uint8_t *e = ix->docs.p + (size_t)d * SP_DOCS_ENTRY;
    *first = sp_get_u32(e);
    *count = sp_get_u32(e + 4);
    if ((uint64_t)*first + *count > ix->npass)
        return sp_seterr(s->errmsg, SPASM_ECORRUPT, "%s: bad document table", ix->path);
    *first += pt->pbase;
    return 0;
}

int spasm_get_passage(spasm_searcher *s, uint32_t passage, spasm_results **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!s) return SPASM_EINVAL;
    if (passage >= s->ix->npass)
        return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "no passage %u", passage);
    const sp_part *pt = sp_col_part_of_passage(s->ix, passage);
    if (sp_part_deleted(pt, passage - pt->pbase))
        return sp_seterr(s->errmsg, SPASM_ENOTFOUND, "passage %u was deleted", passage);
    int frc = sp_col_check_files(s->ix, s->errmsg);
    if (frc) return frc;
    spasm_results *r = results_new(s->a, 1, 0);
    if (!r) return serr_nomem(s);
    r->n = 1;
    r->total = 1;
    int rc = fill_hit(s, &r->hits[0], &r->mem[0], passage, SPASM_FIELDS_ALL);
    if (rc) {
        spasm_results_free(r);
        return rc == SPASM_ENOMEM ? serr_nomem(s) : rc;
    }
    *out = r;
    return 0;
}
