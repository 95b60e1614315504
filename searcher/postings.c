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
        /* Only the chunks of this block are checksummed (lazily, once). */
        if (b + 1 < c->nb) {
            uint32_t next = sp_get_u32(sk + SP_SKIP_ENTRY + 4);
            if (next >= off && next <= (size_t)(end - p)) end = p + next;
        }
        p += off;
        int rc = sp_ix_ensure(c->ix, c->ix->post.off + (uint64_t)(p - c->ix->post.p),
                              (uint64_t)(end - p), err);
        if (rc) {
            c->doc = SP_END;
            return c->err = rc;
        }
        if (b > 0) prev = sp_get_u32(sk - SP_SKIP_ENTRY);
        uint32_t poff = sp_get_u32(sk + 8);
        if (poff > (size_t)(c->posend - c->posbase)) return corrupt(c, err, "positions offset");
        c->posp = c->posbase + poff;
    } else {
        c->posp = c->posbase;
    }
    c->posi = 0;
    c->pos_checked = 0;
    unsigned w = 32; /* the gaps' bit width, when bit-packed */
    if (n == SP_BLOCK) {
        if (p < end) w = *p;
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
    uint64_t d = prev == UINT32_MAX ? 0 : (uint64_t)prev + 1, last;
    if (w <= 24 && d + ((uint64_t)SP_BLOCK << w) <= UINT32_MAX) {
        sp_undelta1(c->docs, n, (uint32_t)d); /* no sum can pass 2^32 */
        last = c->docs[n - 1];
    } else {
        for (uint32_t i = 0; i < n; i++) {
            d += c->docs[i];
            c->docs[i] = (uint32_t)d;
            d++;
        }
        last = d - 1;
    }
    for (uint32_t i = 0; i < n; i++) c->tfs[i] += 1;
    if (last >= c->ix->npass || (c->tfs[0] == 0)) return corrupt(c, err, "passage number");
    if (c->skips && c->docs[n - 1] != sp_get_u32(c->skips + (size_t)b * SP_SKIP_ENTRY))
        return corrupt(c, err, "skip entry");
    c->n = n;
    c->i = 0;
    c->pending = 0;
    c->doc = c->docs[0];
    return 0;
}

/* Set c up on the term's list, its skip table (if any) checked; the
 * first block is not decoded.  0 or an error code (err set). */
static int cursor_setup(sp_cursor *c, sp_seg *ix, const sp_terminfo *ti, char *err)
{
    c->ix = ix;
    c->err = 0;
    c->df = ti->df;
    c->nb = (ti->df + SP_BLOCK - 1) / SP_BLOCK;
    c->base = ix->post.p + ti->post_off;
    c->end = c->base + ti->post_len;
    c->posbase = ix->posn.p + ti->pos_off;
    c->posend = c->posbase + ti->pos_len;
    c->skips = NULL;
    c->pending = 0;
    /* A one-block list is checksummed whole; a longer one its skip table
     * now and each block when it is decoded. */
    uint64_t check = ti->post_len;
    if (c->nb > 1) {
        if ((uint64_t)c->nb * SP_SKIP_ENTRY > ti->post_len) return corrupt(c, err, "skip table");
        c->skips = c->base;
        check = (uint64_t)c->nb * SP_SKIP_ENTRY;
    }
    int rc = sp_ix_ensure(ix, ix->post.off + ti->post_off, check, err);
    if (rc) {
        c->doc = SP_END;
        return c->err = rc;
    }
    return 0;
}

int sp_cursor_open(sp_cursor *c, sp_seg *ix, const sp_terminfo *ti, char *err)
{
    int rc = cursor_setup(c, ix, ti, err);
    return rc ? rc : load_block(c, 0, err);
}

int sp_cursor_open_lazy(sp_cursor *c, sp_seg *ix, const sp_terminfo *ti, char *err)
{
    int rc = cursor_setup(c, ix, ti, err);
    if (rc || !c->skips) return rc ? rc : load_block(c, 0, err);
    c->block = UINT32_MAX; /* "block -1 used up": a seek decodes from block 0 */
    c->n = c->i = 0;
    c->pending = 1;
    c->doc = 0; /* a lower bound of its first passage */
    return 0;
}

uint32_t sp_cursor_next(sp_cursor *c, char *err)
{
    if (c->doc == SP_END) return SP_END;
    if (c->pending) return sp_cursor_seek(c, c->doc, err);
    if (++c->i < c->n) return c->doc = c->docs[c->i];
    if (load_block(c, c->block + 1, err)) return SP_END;
    return c->doc;
}

uint32_t sp_cursor_next_lazy(sp_cursor *c)
{
    if (c->doc == SP_END || c->pending) return c->doc;
    if (++c->i < c->n) return c->doc = c->docs[c->i];
    if (c->block + 1 >= c->nb) {
        c->block = c->nb;
        return c->doc = SP_END;
    }
    c->pending = 1; /* block c->block is used up; the next one is not decoded */
    return c->doc = c->docs[c->n - 1] + 1;
}

uint32_t sp_cursor_skip_block(const sp_cursor *c, uint32_t b, uint32_t target)
{
    /* Gallop, then binary search, over the skip table's last passages. */
    if (b >= c->nb || sp_cursor_last_of(c, b) >= target) return b;
    uint32_t lo = b, step = 1; /* last_of(lo) < target */
    for (;;) {
        uint32_t nx = lo + step;
        if (nx >= c->nb || sp_cursor_last_of(c, nx) >= target) {
            uint32_t hi = nx < c->nb ? nx : c->nb; /* last_of(hi) >= target, or hi == nb */
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (sp_cursor_last_of(c, mid) < target)
                    lo = mid;
                else
                    hi = mid;
            }
            return hi;
        }
        lo = nx;
        step *= 2;
    }
}

uint32_t sp_cursor_seek(sp_cursor *c, uint32_t target, char *err)
{
    if (c->doc == SP_END) return SP_END;
    if (c->pending) {
        c->pending = 0;
        if (target < c->doc) target = c->doc;
    } else {
        if (c->doc >= target) return c->doc;
        if (c->docs[c->n - 1] >= target) goto scan;
        if (!c->skips) {
            c->doc = SP_END;
            c->block = c->nb;
            return SP_END;
        }
    }
    /* Skip whole blocks whose last passage is below target, undecoded. */
    if (load_block(c, sp_cursor_skip_block(c, c->block + 1, target), err) || c->doc == SP_END)
        return SP_END;
scan:
    while (c->docs[c->i] < target) c->i++;
    return c->doc = c->docs[c->i];
}

long sp_cursor_positions(sp_cursor *c, uint32_t *pos, char *err)
{
    if (!c->pos_checked) { /* checksum the block's positions on first use */
        const uint8_t *pe = c->posend;
        /* a list ended by a lazy advance has block == nb while its last
         * block (nb - 1) is still the decoded one: never read the entry
         * past the skip table */
        uint32_t b = c->nb && c->block >= c->nb ? c->nb - 1 : c->block;
        if (c->skips && b + 1 < c->nb) {
            uint32_t next = sp_get_u32(c->skips + (size_t)(b + 1) * SP_SKIP_ENTRY + 8);
            if (next <= (size_t)(c->posend - c->posbase) && c->posbase + next >= c->posp)
                pe = c->posbase + next;
        }
        const uint8_t *from = c->posbase; /* the block's first position */
        if (c->skips) from += sp_get_u32(c->skips + (size_t)b * SP_SKIP_ENTRY + 8);
        if (from > pe) from = pe; /* load_block() checked the offset */
        int rc = sp_ix_ensure(c->ix, c->ix->posn.off + (uint64_t)(from - c->ix->posn.p),
                              (uint64_t)(pe - from), err);
        if (rc) {
            c->err = rc;
            return -1;
        }
        c->pos_checked = 1;
    }
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
