/*
 * records.c -- a segment's compressed record stores (TEXT / TXIX, DMET /
 * DMIX: layout in indexer/store.c and docs/FORMAT.md) and its document
 * ids (DIDS).
 */
#include "index.h"

/* ---- record stores ---- */

int sp_store_cache_keep(sp_store_cache *c, const sp_alloc *a, size_t n)
{
    if (n == 0 || c->slot) return 0;
    sp_store_slot *v = sp_calloc(a, n * sizeof *v);
    if (!v) return SPASM_ENOMEM;
    for (size_t i = 0; i < n; i++) sp_buf_init(&v[i].buf, a);
    c->slot = v;
    c->nslots = n;
    return 0;
}

/* Free a cache's buffers and decompressor (the cache may be reused after,
 * as one of the current block only). */
void sp_store_cache_free(sp_store_cache *c)
{
    sp_buf_free(&c->buf);
    sp_inflater_free(&c->z);
    c->data = NULL;
    if (c->slot) {
        const sp_alloc *a = c->slot[0].buf.a;
        for (size_t i = 0; i < c->nslots; i++) sp_buf_free(&c->slot[i].buf);
        sp_free(a, c->slot);
    }
    c->slot = NULL;
    c->nslots = 0;
}

/* Swap the current block of c with slot s (either may be empty). */
static void swap_slot(sp_store_cache *c, sp_store_slot *s)
{
    sp_buf b = c->buf;
    const sp_sec *d = c->data;
    uint64_t k = c->block;
    c->buf = s->buf;
    c->data = s->data;
    c->block = s->block;
    s->buf = b;
    s->data = d;
    s->block = k;
}

/* Make block `block` of store data c's current one if a slot keeps it
 * (1), else put the current one in the least recently used slot, c's
 * buffer then free for the new block (0). */
static int from_slots(sp_store_cache *c, const sp_sec *data, uint64_t block)
{
    c->tick++;
    sp_store_slot *victim = NULL;
    for (size_t i = 0; i < c->nslots; i++) {
        sp_store_slot *s = &c->slot[i];
        if (s->data == data && s->block == block) {
            swap_slot(c, s);
            s->used = c->tick;
            c->hits++;
            return 1;
        }
        if (!victim || !s->data || (victim->data && s->used < victim->used)) victim = s;
    }
    c->misses++;
    if (victim && c->data && c->buf.cap <= SP_STORE_SLOT_MAX) {
        swap_slot(c, victim);
        victim->used = c->tick;
    }
    c->data = NULL; /* c->buf: the victim's old buffer (or its own), to be filled */
    return 0;
}

int sp_store_get(sp_seg *ix, const sp_sec *data, const sp_sec *index, uint64_t rec,
                 sp_store_cache *c, const uint8_t **p, size_t *len, char *err)
{
    uint64_t nblocks = index->len / SP_STORE_IX_ENTRY;
    if (nblocks == 0)
        return sp_seterr(err, SPASM_ENOTFOUND, "record %llu not stored", (unsigned long long)rec);
    /* The last block whose first record is <= rec. */
    uint64_t lo = 0, hi = nblocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (sp_get_u32(index->p + mid * SP_STORE_IX_ENTRY) <= rec)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t *e = index->p + lo * SP_STORE_IX_ENTRY;
    uint32_t first = sp_get_u32(e), ulen = sp_get_u32(e + 4), clen = sp_get_u32(e + 16),
             codec = sp_get_u32(e + 20);
    uint64_t off = sp_get_u64(e + 8);
    if (c->data == data && c->block == lo) {
        c->hits++;
    } else if (!from_slots(c, data, lo)) {
        if (off > data->len || clen > data->len - off || ulen < 8 || ulen > (1u << 30))
            return sp_seterr(err, SPASM_ECORRUPT, "%s: bad stored-text block", ix->path);
        int rc = sp_ix_ensure(ix, data->off + off, clen, err);
        if (rc) return rc;
        c->buf.n = 0;
        if (sp_buf_reserve(&c->buf, ulen + 1)) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
        const ZSTD_DDict *dd = data == &ix->text ? ix->tdict : NULL; /* DMET has none */
        rc = sp_inflate_block(&c->z, codec, dd, data->p + off, clen, c->buf.p, ulen);
        if (rc == SPASM_ENOMEM) return sp_seterr(err, rc, "out of memory");
        if (rc)
            return sp_seterr(err, rc, "%s: stored %s block %llu does not inflate", ix->path,
                             data == &ix->text ? "text" : "title", (unsigned long long)lo);
        c->buf.n = ulen;
        c->data = data;
        c->block = lo;
    }
    const uint8_t *b = c->buf.p;
    uint32_t nrec = sp_get_u32(b);
    if (rec < first || rec - first >= nrec || 4 + 4 * ((uint64_t)nrec + 1) > c->buf.n)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: record %llu missing from its block", ix->path,
                         (unsigned long long)rec);
    uint64_t hdr = 4 + 4 * ((uint64_t)nrec + 1);
    uint32_t k = (uint32_t)(rec - first);
    uint32_t a0 = sp_get_u32(b + 4 + 4 * k), a1 = sp_get_u32(b + 8 + 4 * k);
    if (a0 > a1 || hdr + a1 > c->buf.n)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad record offsets", ix->path);
    *p = b + hdr + a0;
    *len = a1 - a0;
    return 0;
}

int sp_doc_id(sp_seg *ix, uint32_t doc, sp_store_cache *c, const uint8_t **p, size_t *len,
              char *err)
{
    if (!ix->dids.p) { /* an index without DIDS: the id is DMET's record up to NUL */
        int rc = sp_store_get(ix, &ix->dmet, &ix->dmix, doc, c, p, len, err);
        if (rc) return rc;
        const uint8_t *z = memchr(*p, 0, *len);
        if (z) *len = (size_t)(z - *p);
        return 0;
    }
    uint64_t at = 4 * (uint64_t)doc;
    int rc = sp_ix_ensure(ix, ix->dids.off + at, 8, err);
    if (rc) return rc;
    uint64_t base = 4 * (ix->ndocs + 1);
    uint32_t a = sp_get_u32(ix->dids.p + at), b = sp_get_u32(ix->dids.p + at + 4);
    if (a > b || base + b > ix->dids.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad document id table", ix->path);
    if ((rc = sp_ix_ensure(ix, ix->dids.off + base + a, b - a, err))) return rc;
    *p = ix->dids.p + base + a;
    *len = b - a;
    return 0;
}
