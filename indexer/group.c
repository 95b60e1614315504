/*
 * group.c -- the last step of a batch's analysis, on its worker thread:
 * the analysed passages (b->out, format in batch.c) regrouped by term, so
 * that the inverting thread looks each term of a batch up once and
 * appends its postings for the whole batch at once, instead of once per
 * passage it occurs in (the lookups of a large term table are cache
 * misses, and they were most of the inverting thread's time).
 *
 * b->pmeta gets one SP_PMETA-byte record per kept passage (the passage
 * header of b->out: start, len, dl, ntok, tspan, signature, SIGB entry),
 * b->kept one u32 per document (its kept passages), and b->grp one
 * record per distinct term of the batch, in order of first occurrence:
 *
 *     u32 hash, u32 df, u64 cf, u32 first, u32 last (passages of the
 *     batch, from 0), u32 stream length, u32 variants length,
 *     u16 term length, u8 is_word, u8 0, the term, the stream, the
 *     variants
 *
 * The stream is the term's postings in the batch as in sp_term's stream
 * (writer.h) but without the first gap, which the inverter writes
 * against the term's last passage (invert.c): the bytes of the term's
 * stream come out exactly as when each passage was appended alone.  The
 * variants are the (u8 length, bytes) words of the passages, each once,
 * in order of first occurrence (as note_var() would keep them).
 */
#include "codec.h"
#include "format.h"
#include "writer.h"

/* One (term of the batch, passage) pair: its record in b->out. */
typedef struct gpair {
    const uint8_t *rec; /* the term's record header in b->out */
    uint32_t bt, pass;
} gpair;

/* One distinct term of the batch. */
typedef struct gterm {
    const uint8_t *s;
    uint32_t hash, len, df, first, count;
    uint64_t cf;
    uint8_t is_word;
} gterm;

struct sp_grouper {
    uint32_t *slots; /* open addressing: term of the batch + 1 */
    size_t nslots;
    gterm *terms;
    size_t nterms, capterms;
    gpair *pairs, *sorted;
    size_t npairs, cappairs;
    sp_buf vars; /* one term's variants, deduplicated */
};

void sp_grouper_free(const sp_alloc *a, sp_grouper *g)
{
    if (!g) return;
    sp_free(a, g->slots);
    sp_free(a, g->terms);
    sp_free(a, g->pairs);
    sp_free(a, g->sorted);
    sp_buf_free(&g->vars);
    sp_free(a, g);
}

/* Make room for n more pairs and n more terms; 0 or SPASM_ENOMEM.  The
 * arrays start small (256 entries, a 512-slot table) and double, so that
 * a small batch (a small index, or one fuzz input) neither maps nor
 * zeroes hundreds of KiB: a quarter of a small writer's allocations. */
static int reserve(const sp_alloc *a, sp_grouper *g, size_t n)
{
    if (g->npairs + n > g->cappairs) {
        size_t cap = g->cappairs ? g->cappairs * 2 : 256;
        while (cap < g->npairs + n) cap *= 2;
        gpair *p = sp_realloc(a, g->pairs, cap * sizeof *p);
        if (!p) return SPASM_ENOMEM;
        g->pairs = p;
        gpair *q = sp_realloc(a, g->sorted, cap * sizeof *q);
        if (!q) return SPASM_ENOMEM;
        g->sorted = q;
        g->cappairs = cap;
    }
    if (g->nterms + n > g->capterms) {
        size_t cap = g->capterms ? g->capterms * 2 : 256;
        while (cap < g->nterms + n) cap *= 2;
        gterm *t = sp_realloc(a, g->terms, cap * sizeof *t);
        if (!t) return SPASM_ENOMEM;
        g->terms = t;
        g->capterms = cap;
    }
    /* keep the table at most half full */
    if (2 * (g->nterms + n) > g->nslots) {
        size_t ns = g->nslots ? g->nslots : 512;
        while (2 * (g->nterms + n) > ns) ns *= 2;
        uint32_t *s = sp_calloc(a, ns * sizeof *s);
        if (!s) return SPASM_ENOMEM;
        for (size_t i = 0; i < g->nterms; i++) {
            size_t j = g->terms[i].hash & (ns - 1);
            while (s[j]) j = (j + 1) & (ns - 1);
            s[j] = (uint32_t)i + 1;
        }
        sp_free(a, g->slots);
        g->slots = s;
        g->nslots = ns;
    }
    return 0;
}

/* The batch's term s[0, len) of hash h (added when new). */
static uint32_t lookup(sp_grouper *g, uint32_t h, const uint8_t *s, uint32_t len, uint32_t pass)
{
    size_t mask = g->nslots - 1;
    for (size_t j = h & mask;; j = (j + 1) & mask) {
        uint32_t v = g->slots[j];
        if (!v) {
            uint32_t bt = (uint32_t)g->nterms++;
            g->slots[j] = bt + 1;
            gterm *t = &g->terms[bt];
            t->s = s;
            t->hash = h;
            t->len = len;
            t->df = t->count = 0;
            t->first = pass;
            t->cf = 0;
            t->is_word = 0;
            return bt;
        }
        gterm *t = &g->terms[v - 1];
        if (t->hash == h && t->len == len && memcmp(t->s, s, len) == 0) return v - 1;
    }
}

/* Group the analysed batch b->out by term into b->pmeta, b->kept and
 * b->grp; 0 or SPASM_ENOMEM. */
int sp_batch_group(sp_worker *k, sp_batch *b)
{
    const sp_alloc *a = &k->w->a;
    if (!k->grp) {
        k->grp = sp_calloc(a, sizeof *k->grp);
        if (!k->grp) return SPASM_ENOMEM;
        sp_buf_init(&k->grp->vars, a);
    }
    sp_grouper *g = k->grp;
    g->nterms = g->npairs = 0;
    if (g->slots) memset(g->slots, 0, g->nslots * sizeof *g->slots);
    b->pmeta.n = b->kept.n = b->grp.n = 0;
    b->npass = 0;
    /* pass 1: the passages and the (term, passage) pairs */
    const uint8_t *p = b->out.p;
    for (size_t i = 0; i < b->ndocs; i++) {
        uint32_t kept = sp_get_u32(p);
        p += 4;
        sp_buf_put_u32(&b->kept, kept);
        for (uint32_t o = 0; o < kept; o++) {
            uint32_t pass = b->npass++;
            sp_buf_append(&b->pmeta, p, SP_PMETA);
            p += SP_PMETA;
            uint32_t nterms = sp_get_u32(p);
            p += 4;
            if (reserve(a, g, nterms)) return SPASM_ENOMEM;
            for (uint32_t j = 0; j < nterms; j++) {
                uint32_t h = sp_get_u32(p), tf = sp_get_u32(p + 4), enclen = sp_get_u32(p + 8);
                uint32_t tlen = (uint32_t)p[12] | (uint32_t)p[13] << 8;
                unsigned nv = p[15];
                uint32_t bt = lookup(g, h, p + 16, tlen, pass);
                gterm *t = &g->terms[bt];
                t->df++;
                t->cf += tf;
                t->is_word |= p[14];
                t->count++;
                g->pairs[g->npairs++] = (gpair){p, bt, pass};
                p += 16 + tlen + enclen;
                for (unsigned v = 0; v < nv; v++) p += 1u + p[0];
            }
        }
    }
    if (b->pmeta.err || b->kept.err) return SPASM_ENOMEM;
    /* pass 2: the pairs bucketed by term, stable in passage order */
    uint32_t sum = 0;
    for (size_t i = 0; i < g->nterms; i++) {
        uint32_t c = g->terms[i].count;
        g->terms[i].count = sum;
        sum += c;
    }
    for (size_t i = 0; i < g->npairs; i++)
        g->sorted[g->terms[g->pairs[i].bt].count++] = g->pairs[i];
    /* pass 3: one record per term */
    size_t at = 0;
    for (size_t i = 0; i < g->nterms; i++) {
        const gterm *t = &g->terms[i];
        size_t end = t->count; /* the end of its bucket now */
        size_t need = 36 + t->len;
        for (size_t x = at; x < end; x++) need += 5 + sp_get_u32(g->sorted[x].rec + 8);
        if (sp_buf_reserve(&b->grp, need)) return SPASM_ENOMEM;
        uint8_t *hdr = b->grp.p + b->grp.n, *q = hdr + 36;
        memcpy(q, t->s, t->len);
        q += t->len;
        uint8_t *stream = q;
        sp_buf *vars = &g->vars;
        vars->n = 0;
        uint32_t prev = 0;
        for (size_t x = at; x < end; x++) {
            const gpair *pr = &g->sorted[x];
            const uint8_t *r = pr->rec;
            uint32_t enclen = sp_get_u32(r + 8);
            uint32_t tlen = (uint32_t)r[12] | (uint32_t)r[13] << 8;
            unsigned nv = r[15];
            if (x > at) q = sp_varint_put(q, pr->pass - prev);
            prev = pr->pass;
            const uint8_t *enc = r + 16 + tlen;
            memcpy(q, enc, enclen);
            q += enclen;
            const uint8_t *v = enc + enclen;
            for (unsigned u = 0; u < nv; u++, v += 1u + v[0]) {
                size_t y = 0;
                while (y < vars->n &&
                       !(vars->p[y] == v[0] && memcmp(vars->p + y + 1, v + 1, v[0]) == 0))
                    y += 1u + vars->p[y];
                if (y == vars->n) sp_buf_append(vars, v, 1u + v[0]);
            }
        }
        if (vars->err) return SPASM_ENOMEM;
        size_t slen = (size_t)(q - stream);
        if (slen > UINT32_MAX - 16 || vars->n > UINT32_MAX) return SPASM_ENOMEM;
        sp_put_u32(hdr, t->hash);
        sp_put_u32(hdr + 4, t->df);
        sp_put_u32(hdr + 8, (uint32_t)t->cf);
        sp_put_u32(hdr + 12, (uint32_t)(t->cf >> 32));
        sp_put_u32(hdr + 16, t->first);
        sp_put_u32(hdr + 20, prev);
        sp_put_u32(hdr + 24, (uint32_t)slen);
        sp_put_u32(hdr + 28, (uint32_t)vars->n);
        hdr[32] = (uint8_t)t->len;
        hdr[33] = (uint8_t)(t->len >> 8);
        hdr[34] = t->is_word;
        hdr[35] = 0;
        b->grp.n = (size_t)(q - b->grp.p);
        sp_buf_append(&b->grp, vars->p, vars->n);
        if (b->grp.err) return SPASM_ENOMEM;
        at = end;
    }
    b->ngrp = g->nterms;
    return 0;
}
