/*
 * skey.c -- building the SKEY section (skey.h, docs/FORMAT.md "SKEY") from
 * a file's signatures, and reading its header.
 */
#include <stdlib.h>
#include <string.h>

#include "skey.h"

#define NKEYS ((size_t)1 << SP_SKEY_KEYBITS)

/* The number of bits of v (0 for 0). */
static uint32_t bitlen(uint64_t v)
{
    uint32_t b = 0;
    while (v) b++, v >>= 1;
    return b;
}

/* Directory bits for m entries: about 16 entries per slot, at most one
 * slot per key. */
static uint32_t dir_bits(uint64_t m)
{
    uint32_t d = 0;
    while (d < SP_SKEY_MAXD && (m >> (d + 4)) != 0) d++;
    return d;
}

/* The header of a section of m entries for npass passages. */
static sp_skey layout(uint64_t m, uint64_t npass)
{
    sp_skey k;
    k.d = dir_bits(m);
    k.pb = bitlen(npass);
    k.w = (SP_SKEY_KEYBITS - k.d + k.pb + 7) / 8;
    k.m = m;
    k.dir_off = SP_SKEY_HEAD;
    k.ent_off = SP_SKEY_HEAD + 4 * (((uint64_t)1 << k.d) + 1);
    return k;
}

int sp_skey_head(const uint8_t *p, uint64_t len, uint64_t npass, sp_skey *k)
{
    if (len < SP_SKEY_HEAD || npass == 0 || npass >= UINT32_MAX) return -1;
    uint64_t m = sp_get_u64(p + 16);
    if (sp_get_u32(p) != SP_DUPS_COMMON || m > npass * SP_SIG_HASHES) return -1;
    *k = layout(m, npass);
    if (sp_get_u32(p + 4) != k->d || sp_get_u32(p + 8) != k->pb || sp_get_u32(p + 12) != k->w ||
        len != k->ent_off + k->w * m)
        return -1;
    return 0;
}

/* Store v as w bytes, little-endian, at p. */
static void put_entry(uint8_t *p, uint32_t w, uint64_t v)
{
    for (uint32_t i = 0; i < w; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Write the header of k at p. */
static void put_head(uint8_t *p, const sp_skey *k)
{
    sp_put_u32(p, SP_DUPS_COMMON);
    sp_put_u32(p + 4, k->d);
    sp_put_u32(p + 8, k->pb);
    sp_put_u32(p + 12, k->w);
    sp_put_u64(p + 16, k->m);
}

/* The section of a few passages: their sorted (key << 32 | passage)
 * instances, emitted in order.  0 or SPASM_ENOMEM. */
static int build_small(const sp_alloc *a, const uint8_t *sigs, size_t n, sp_buf *out)
{
    uint64_t *inst = sp_malloc(a, (n * SP_SIG_HASHES + 1) * sizeof *inst);
    if (!inst) return SPASM_ENOMEM;
    size_t ni = 0;
    for (size_t i = 0; i < n * SP_SIG_HASHES; i++) {
        uint16_t v = sp_get_u16(sigs + 2 * i);
        uint64_t key = (uint64_t)(i % SP_SIG_HASHES) << 16 | v;
        if (v != SP_SIG_EMPTY) inst[ni++] = key << 32 | (i / SP_SIG_HASHES);
    }
    qsort(inst, ni, sizeof *inst, cmp_u64);
    uint64_t m = 0;
    for (size_t i = 0, e; i < ni; i = e) { /* entries: a marker for a common key */
        for (e = i; e < ni && inst[e] >> 32 == inst[i] >> 32; e++) {
        }
        m += e - i > SP_DUPS_COMMON ? 1 : e - i;
    }
    sp_skey k = layout(m, n);
    size_t total = k.ent_off + k.w * m;
    if (sp_buf_reserve(out, total)) {
        sp_free(a, inst);
        return SPASM_ENOMEM;
    }
    uint8_t *p = out->p + out->n, *ent = p + k.ent_off;
    put_head(p, &k);
    uint64_t at = 0, slots = (uint64_t)1 << k.d, next = 0;
    for (size_t i = 0, e; i < ni; i = e) {
        uint32_t key = (uint32_t)(inst[i] >> 32);
        for (e = i; e < ni && inst[e] >> 32 == key; e++) {
        }
        for (; next <= sp_skey_slot(&k, key); next++)
            sp_put_u32(p + k.dir_off + 4 * next, (uint32_t)at);
        uint64_t low = sp_skey_low(&k, key) << k.pb;
        if (e - i > SP_DUPS_COMMON)
            put_entry(ent + k.w * at++, k.w, low | sp_skey_marker(&k));
        else
            for (size_t j = i; j < e; j++)
                put_entry(ent + k.w * at++, k.w, low | (uint32_t)inst[j]);
    }
    for (; next <= slots; next++) sp_put_u32(p + k.dir_off + 4 * next, (uint32_t)at);
    out->n += total;
    sp_free(a, inst);
    return 0;
}

/* The section of many passages: a count per key, then each holder written
 * at its key's place.  0 or SPASM_ENOMEM. */
static int build_large(const sp_alloc *a, const uint8_t *sigs, size_t n, sp_buf *out)
{
    uint32_t *cnt = sp_calloc(a, NKEYS * sizeof *cnt);
    uint64_t *pos = sp_malloc(a, (NKEYS + 1) * sizeof *pos);
    int rc = SPASM_ENOMEM;
    if (!cnt || !pos) goto out;
    for (size_t i = 0; i < n * SP_SIG_HASHES; i++) {
        uint16_t v = sp_get_u16(sigs + 2 * i);
        if (v != SP_SIG_EMPTY) cnt[(i % SP_SIG_HASHES) << 16 | v]++;
    }
    uint64_t m = 0;
    for (size_t key = 0; key < NKEYS; key++) {
        pos[key] = m;
        m += cnt[key] > SP_DUPS_COMMON ? 1 : cnt[key];
    }
    pos[NKEYS] = m;
    sp_skey k = layout(m, n);
    size_t total = k.ent_off + k.w * m;
    if (sp_buf_reserve(out, total)) goto out;
    uint8_t *p = out->p + out->n, *ent = p + k.ent_off;
    put_head(p, &k);
    uint32_t shift = SP_SKEY_KEYBITS - k.d;
    for (uint64_t s = 0; s <= ((uint64_t)1 << k.d); s++)
        sp_put_u32(p + k.dir_off + 4 * s, (uint32_t)pos[s << shift]);
    for (size_t key = 0; key < NKEYS; key++)
        if (cnt[key] > SP_DUPS_COMMON)
            put_entry(ent + k.w * pos[key], k.w,
                      sp_skey_low(&k, (uint32_t)key) << k.pb | sp_skey_marker(&k));
    for (size_t i = 0; i < n * SP_SIG_HASHES; i++) { /* passages ascending within a key */
        uint16_t v = sp_get_u16(sigs + 2 * i);
        uint32_t key = (uint32_t)(i % SP_SIG_HASHES) << 16 | v;
        if (v == SP_SIG_EMPTY || cnt[key] > SP_DUPS_COMMON) continue;
        put_entry(ent + k.w * pos[key]++, k.w, sp_skey_low(&k, key) << k.pb | (i / SP_SIG_HASHES));
    }
    out->n += total;
    rc = 0;
out:
    sp_free(a, cnt);
    sp_free(a, pos);
    return rc;
}

int sp_skey_build_as(const sp_alloc *a, const uint8_t *sigs, size_t n, int large, sp_buf *out)
{
    return large ? build_large(a, sigs, n, out) : build_small(a, sigs, n, out);
}

int sp_skey_build(const sp_alloc *a, const uint8_t *sigs, size_t n, sp_buf *out)
{
    return sp_skey_build_as(a, sigs, n, n * SP_SIG_HASHES > (1u << 16), out);
}
