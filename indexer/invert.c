/*
 * invert.c -- in-memory inversion: the term table and the analysed
 * passages of a batch (batch.c) turned into per-term posting streams.
 *
 * A batch arrives grouped by term (group.c): each of its terms is looked
 * up once per batch and gets the batch's postings appended at once.
 * Each term collects its postings as a varint stream, one entry per
 * passage it occurs in:
 *
 *     gap (passage + 1 - previous passage + 1), tf, tf positions
 *     (the first absolute, then each minus the previous minus 1)
 *
 * index_write.c re-codes these into the blocked on-disk layout at commit
 * (merging the sorted runs of runs.c when the memory budget forced some).
 */
#include "writer.h"

#include <stdlib.h>

#include "codec.h"
#include "format.h"

/* Free every term (after a run is flushed, or with the writer). */
void sp_writer_free_terms(spasm_writer *w)
{
    if (!w->slots) return;
    for (size_t i = 0; i < w->nslots; i++) {
        sp_term *t = w->slots[i];
        while (t) {
            sp_term *n = t->next;
            sp_free(&w->a, t->post);
            sp_free(&w->a, t->vars);
            sp_free(&w->a, t);
            t = n;
        }
        w->slots[i] = NULL;
    }
    w->nterms = 0;
    w->mem_terms = w->nslots * sizeof *w->slots;
}

/* ---- the term table ---- */

static int grow_table(spasm_writer *w)
{
    size_t n = w->nslots * 2;
    sp_term **s = sp_calloc(&w->a, n * sizeof *s);
    if (!s) return SPASM_ENOMEM;
    for (size_t i = 0; i < w->nslots; i++) {
        sp_term *t = w->slots[i];
        while (t) {
            sp_term *next = t->next;
            size_t j = t->hash & (n - 1);
            t->next = s[j];
            s[j] = t;
            t = next;
        }
    }
    sp_free(&w->a, w->slots);
    w->mem_terms += (n - w->nslots) * sizeof *s;
    w->slots = s;
    w->nslots = n;
    return 0;
}

/* Find or add the term s[0, n) of hash h; NULL when out of memory. */
static sp_term *get_term(spasm_writer *w, uint32_t h, const char *s, size_t n)
{
    size_t i = h & (w->nslots - 1);
    for (sp_term *t = w->slots[i]; t; t = t->next)
        if (t->hash == h && t->len == n && memcmp(t->s, s, n) == 0) return t;
    if (w->nterms >= w->nslots) {
        if (grow_table(w)) return NULL;
        i = h & (w->nslots - 1);
    }
    sp_term *t = sp_malloc(&w->a, sizeof *t + n + 1);
    if (!t) return NULL;
    memset(t, 0, sizeof *t);
    t->hash = h;
    t->len = (uint32_t)n;
    memcpy(t->s, s, n);
    t->s[n] = 0;
    t->next = w->slots[i];
    w->slots[i] = t;
    w->nterms++;
    w->mem_terms += sizeof *t + n + 1 + 16;
    return t;
}

/* Make room for `need` more bytes in a term's stream. */
static int term_reserve(spasm_writer *w, sp_term *t, size_t need)
{
    if (t->npost + need <= t->cappost) return 0;
    size_t cap = t->cappost ? (size_t)t->cappost * 2 : 16;
    while (cap < t->npost + need) cap *= 2;
    if (cap > UINT32_MAX) return SPASM_ENOMEM;
    uint8_t *p = sp_realloc(&w->a, t->post, cap);
    if (!p) return SPASM_ENOMEM;
    w->mem_terms += cap - t->cappost;
    t->post = p;
    t->cappost = (uint32_t)cap;
    return 0;
}

/* Remember that the folded word[0, n), other than the term itself, stems
 * to t (for prefix search).  Returns 0 or SPASM_ENOMEM. */
static int note_var(spasm_writer *w, sp_term *t, const uint8_t *word, size_t n)
{
    for (uint32_t i = 0; i < t->nvars; i += 1u + t->vars[i])
        if (t->vars[i] == n && memcmp(t->vars + i + 1, word, n) == 0) return 0;
    if (t->nvars + 1 + n > t->capvars) {
        size_t cap = t->capvars ? (size_t)t->capvars * 2 : 32;
        while (cap < t->nvars + 1 + n) cap *= 2;
        uint8_t *v = sp_realloc(&w->a, t->vars, cap);
        if (!v) return SPASM_ENOMEM;
        w->mem_terms += cap - t->capvars;
        t->vars = v;
        t->capvars = (uint32_t)cap;
    }
    t->vars[t->nvars] = (uint8_t)n;
    memcpy(t->vars + t->nvars + 1, word, n);
    t->nvars += 1 + (uint32_t)n;
    t->nwords++;
    w->nwords++;
    return 0;
}

/* Make room for one more passage in the passage tables. */
static int reserve_passage(spasm_writer *w)
{
    if (w->npass < w->cappass) return 0;
    size_t cap = w->cappass ? w->cappass * 2 : 256;
    uint32_t *l = sp_realloc(&w->a, w->lens, cap * sizeof *l);
    if (!l) return SPASM_ENOMEM;
    w->lens = l;
    uint32_t *ts = sp_realloc(&w->a, w->tspans, cap * sizeof *ts);
    if (!ts) return SPASM_ENOMEM;
    w->tspans = ts;
    sp_passage_rec *p = sp_realloc(&w->a, w->pass, cap * sizeof *p);
    if (!p) return SPASM_ENOMEM;
    w->pass = p;
    w->cappass = cap;
    return 0;
}

/* Add the passage header at p (SP_PMETA bytes, batch.c) as the next
 * passage of document `doc`. */
static int add_passage(spasm_writer *w, const uint8_t *p, uint32_t doc, uint32_t ordinal)
{
    if (w->npass >= UINT32_MAX - 1)
        return sp_writer_err(w, SPASM_EINPUT, "too many passages (at most %u)", UINT32_MAX - 1);
    if (reserve_passage(w)) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    uint32_t pid = (uint32_t)w->npass;
    uint32_t start = sp_get_u32(p), len = sp_get_u32(p + 4), dl = sp_get_u32(p + 8);
    uint32_t ntok = sp_get_u32(p + 12), tspan = sp_get_u32(p + 16);
    sp_buf_append(&w->sigs, p + 20, 2 * SP_SIG_HASHES);
    sp_buf_append(&w->sigb, p + 20 + 2 * SP_SIG_HASHES, SP_SIGB_ENTRY);
    w->lens[pid] = dl;
    w->tspans[pid] = tspan;
    w->pass[pid].doc = doc;
    w->pass[pid].ordinal = ordinal;
    w->pass[pid].start = start;
    w->pass[pid].len = len;
    w->npass++;
    w->st.passages++;
    w->tokens += dl;
    w->st.tokens += ntok;
    if (w->sigs.err || w->sigb.err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    return 0;
}

/* Append the batch's postings of each of its terms (b->grp, group.c) to
 * the term table; the batch's passages begin at passage `base`. */
static int invert_terms(spasm_writer *w, const sp_batch *b, uint32_t base)
{
    const uint8_t *p = b->grp.p;
    for (size_t i = 0; i < b->ngrp; i++) {
        uint32_t h = sp_get_u32(p), df = sp_get_u32(p + 4);
        uint64_t cf = sp_get_u32(p + 8) | (uint64_t)sp_get_u32(p + 12) << 32;
        uint32_t first = sp_get_u32(p + 16), last = sp_get_u32(p + 20);
        uint32_t slen = sp_get_u32(p + 24), vlen = sp_get_u32(p + 28);
        size_t tlen = (size_t)p[32] | (size_t)p[33] << 8;
        int is_word = p[34];
        const char *s = (const char *)p + 36;
        const uint8_t *stream = p + 36 + tlen, *vars = stream + slen;
        p = vars + vlen;
        /* the next term's bucket, early: the table is far larger than the cache */
        if (i + 1 < b->ngrp) __builtin_prefetch(&w->slots[sp_get_u32(p) & (w->nslots - 1)]);
        sp_term *t = get_term(w, h, s, tlen);
        if (!t || term_reserve(w, t, 5 + (size_t)slen))
            return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        uint32_t mark = base + first + 1;
        uint8_t *q = sp_varint_put(t->post + t->npost, mark - t->last_plus1);
        memcpy(q, stream, slen);
        t->npost = (uint32_t)(q + slen - t->post);
        t->last_plus1 = base + last + 1;
        t->df += df;
        t->cf += cf;
        if (is_word && !t->is_word) {
            t->is_word = 1;
            w->nwords++;
        }
        for (uint32_t v = 0; v < vlen; v += 1u + vars[v])
            if (note_var(w, t, vars + v + 1, vars[v]))
                return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    return 0;
}

/* Invert an analysed batch: passages, documents, stored text; flush a
 * sorted run when the term table outgrows its share of the budget. */
int sp_writer_invert_batch(spasm_writer *w, sp_batch *b)
{
    if (b->rc) return sp_writer_err(w, b->rc, "%s", b->errmsg);
    w->st.repaired += b->repaired;
    const uint8_t *p = b->pmeta.p;
    uint32_t base = (uint32_t)w->npass;
    for (size_t i = 0; i < b->ndocs; i++) {
        const sp_bdoc *d = &b->docs[i];
        const char *id = sp_bdoc_id(b, d);
        uint32_t kept = sp_get_u32(b->kept.p + 4 * i);
        uint32_t doc = (uint32_t)w->ndocs, first = (uint32_t)w->npass;
        for (uint32_t o = 0; o < kept; o++, p += SP_PMETA) {
            int rc = add_passage(w, p, doc, o);
            if (rc) return rc;
        }
        sp_buf_put_u32(&w->docs, first);
        sp_buf_put_u32(&w->docs, kept);
        sp_buf_put_u64(&w->idix, sp_id_hash(id, d->id_len));
        sp_buf_put_u32(&w->idix, doc);
        sp_buf_append(&w->dids, id, d->id_len);
        sp_buf_put_u32(&w->didoff, (uint32_t)w->dids.n);
        if (w->dids.n > UINT32_MAX)
            return sp_writer_err(w, SPASM_EINPUT, "document ids exceed 4 GiB in all");
        w->ndocs++;
    }
    sp_buf_append(&w->prior, b->prior.p, b->prior.n); /* PRIO, one byte per passage */
    int rc = invert_terms(w, b, base);
    if (rc) return rc;
    if (w->docs.err || w->idix.err || w->dids.err || w->didoff.err || w->prior.err ||
        sp_store_w_splice(&w->text, &b->text, &b->text_mem) ||
        sp_store_w_splice(&w->dmeta, &b->dmeta, &b->dmeta_mem))
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (w->sink.rc) return w->rc = w->sink.rc; /* the sink wrote errmsg */
    if (w->mem_terms > w->run_limit) {
        rc = sp_runs_flush(w);
        if (rc) return w->rc ? w->rc : sp_writer_err(w, rc, "%s", spasm_errstr(rc));
    }
    return 0;
}
