/*
 * postings.c -- cursors over posting lists (layout in
 * indexer/index_write.c): decode a block of 128 at a time, skip whole
 * blocks through the skip table, read positions lazily.
 *
 * Every decoded block is checked (passages increasing and below the
 * passage count, tf >= 1), so a corrupt list ends the query with
 * SPASM_ECORRUPT instead of reading out of bounds.
 */
#include "index.h"

static int corrupt(sp_cursor *c, char *err, const char *what)
{
    c->err = SPASM_ECORRUPT;
    c->doc = SP_END;
    return sp_seterr(err, SPASM_ECORRUPT, "%s: corrupt posting list (%s)", c->ix->path, what);
}

/* Decode block b into c->docs/c->tfs.  0 or an error. */
static int load_block(sp_cursor *c, uint32_t b, char *err)
{
    c->block = b;
    if (b >= c->nb) {
        c->doc = SP_END;
        return 0;
    }
    uint32_t n = (b + 1 < c->nb) ? SP_BLOCK : c->df - (c->nb - 1) * SP_BLOCK;
    const uint8_t *p = c->base, *end = c->end;
    uint32_t prev = UINT32_MAX;
    if (c->skips) {
        const uint8_t *sk = c->skips + (size_t)b * SP_SKIP_ENTRY;
        uint32_t off = sp_get_u32(sk + 4);
        if (off > (size_t)(end - p)) return corrupt(c, err, "block offset");
        p += off;
        if (b > 0) prev = sp_get_u32(sk - SP_SKIP_ENTRY);
        uint32_t poff = sp_get_u32(sk + 8);
        if (poff > (size_t)(c->posend - c->posbase)) return corrupt(c, err, "positions offset");
        c->posp = c->posbase + poff;
    } else {
        c->posp = c->posbase;
    }
    c->posi = 0;
    if (n == SP_BLOCK) {
        p = sp_unpack128(p, end, c->docs);
        if (p) p = sp_unpack128(p, end, c->tfs);
        if (!p) return corrupt(c, err, "block");
    } else {
        for (uint32_t i = 0; i < n; i++) {
            p = sp_varint_get32(p, end, &c->docs[i]);
            if (!p) return corrupt(c, err, "gaps");
        }
        for (uint32_t i = 0; i < n; i++) {
            p = sp_varint_get32(p, end, &c->tfs[i]);
            if (!p) return corrupt(c, err, "frequencies");
        }
    }
    uint64_t d = (uint64_t)prev + 1; /* prev == UINT32_MAX wraps to 0 below */
    if (prev == UINT32_MAX) d = 0;
    for (uint32_t i = 0; i < n; i++) {
        d += c->docs[i];
        c->docs[i] = (uint32_t)d;
        c->tfs[i] += 1;
        d++;
    }
    if (d - 1 >= c->ix->npass || (c->tfs[0] == 0)) return corrupt(c, err, "passage number");
    if (c->skips && c->docs[n - 1] != sp_get_u32(c->skips + (size_t)b * SP_SKIP_ENTRY))
        return corrupt(c, err, "skip entry");
    c->n = n;
    c->i = 0;
    c->doc = c->docs[0];
    return 0;
}

int sp_cursor_open(sp_cursor *c, spasm_index *ix, const sp_terminfo *ti, char *err)
{
    c->ix = ix;
    c->err = 0;
    c->df = ti->df;
    c->nb = (ti->df + SP_BLOCK - 1) / SP_BLOCK;
    int rc = sp_ix_ensure(ix, ix->post.off + ti->post_off, ti->post_len, err);
    if (rc) {
        c->doc = SP_END;
        return c->err = rc;
    }
    c->base = ix->post.p + ti->post_off;
    c->end = c->base + ti->post_len;
    c->posbase = ix->posn.p + ti->pos_off;
    c->posend = c->posbase + ti->pos_len;
    c->skips = NULL;
    if (c->nb > 1) {
        if ((uint64_t)c->nb * SP_SKIP_ENTRY > ti->post_len) return corrupt(c, err, "skip table");
        c->skips = c->base;
    }
    return load_block(c, 0, err);
}

uint32_t sp_cursor_next(sp_cursor *c, char *err)
{
    if (c->doc == SP_END) return SP_END;
    if (++c->i < c->n) return c->doc = c->docs[c->i];
    if (load_block(c, c->block + 1, err)) return SP_END;
    return c->doc;
}

uint32_t sp_cursor_seek(sp_cursor *c, uint32_t target, char *err)
{
    if (c->doc == SP_END || c->doc >= target) return c->doc;
    /* Skip whole blocks whose last passage is below target. */
    if (c->skips && c->docs[c->n - 1] < target) {
        uint32_t b = c->block + 1;
        while (b < c->nb && sp_get_u32(c->skips + (size_t)b * SP_SKIP_ENTRY) < target) b++;
        if (load_block(c, b, err) || c->doc == SP_END) return SP_END;
    } else if (c->docs[c->n - 1] < target) {
        c->doc = SP_END;
        c->block = c->nb;
        return SP_END;
    }
    while (c->docs[c->i] < target) c->i++;
    return c->doc = c->docs[c->i];
}

uint32_t sp_cursor_block_last(const sp_cursor *c)
{
    return c->n ? c->docs[c->n - 1] : SP_END;
}

long sp_cursor_positions(sp_cursor *c, uint32_t *pos, char *err)
{
    /* Skip the positions of the postings before the current one. */
    while (c->posi < c->i) {
        uint32_t tf = c->tfs[c->posi];
        for (uint32_t k = 0; k < tf; k++) {
            while (c->posp < c->posend && (*c->posp & 0x80)) c->posp++;
            if (c->posp >= c->posend) return -corrupt(c, err, "positions");
            c->posp++;
        }
        c->posi++;
    }
    uint32_t tf = c->tfs[c->i];
    const uint8_t *p = c->posp;
    uint32_t prev = 0;
    for (uint32_t k = 0; k < tf; k++) {
        uint32_t v;
        p = sp_varint_get32(p, c->posend, &v);
        if (!p) return -corrupt(c, err, "positions");
        pos[k] = k == 0 ? v : prev + v + 1;
        prev = pos[k];
    }
    return (long)tf;
}
