/*
 * codec.c -- varints and 128-integer bit-packing (see codec.h for the
 * layout).  The unpacker is written with a fixed width per call so that
 * the compiler can unroll and vectorise the inner loop for each width.
 */
#include "codec.h"

#include <string.h>

uint8_t *sp_varint_put(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

unsigned sp_bits_needed(const uint32_t *v, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) m |= v[i];
    return m ? 32u - (unsigned)__builtin_clz(m) : 0u;
}

size_t sp_pack128(const uint32_t *v, uint8_t *out)
{
    unsigned w = sp_bits_needed(v, SP_BLOCK);
    out[0] = (uint8_t)w;
    size_t nbytes = 16 * (size_t)w;
    uint8_t *o = out + 1;
    memset(o, 0, nbytes);
    if (w == 0) return 1;
    uint64_t acc = 0;
    unsigned have = 0;
    size_t k = 0;
    for (size_t i = 0; i < SP_BLOCK; i++) {
        acc |= (uint64_t)v[i] << have;
        have += w;
        while (have >= 8) {
            o[k++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have) o[k++] = (uint8_t)acc;
    return 1 + nbytes;
}

/* Unpack 128 values of width w from o (16*w bytes, plus 8 readable). */
static inline void unpack_w(const uint8_t *o, unsigned w, uint32_t *v)
{
    const uint64_t mask = (w == 32) ? 0xffffffffu : ((1ull << w) - 1);
    for (size_t i = 0; i < SP_BLOCK; i++) {
        size_t bit = i * w;
        uint64_t x;
        memcpy(&x, o + (bit >> 3), 8);
        v[i] = (uint32_t)((x >> (bit & 7)) & mask);
    }
}

const uint8_t *sp_unpack128(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    if (p >= end) return NULL;
    unsigned w = *p++;
    if (w > 32) return NULL;
    size_t nbytes = 16 * (size_t)w;
    if ((size_t)(end - p) < nbytes) return NULL;
    if (w == 0) {
        memset(v, 0, SP_BLOCK * sizeof *v);
        return p;
    }
    if ((size_t)(end - p) >= nbytes + 8) {
        switch (w) {
#define W(n)                                                                                       \
    case n: unpack_w(p, n, v); break;
            W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13) W(14) W(15) W(16)
            W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24) W(25) W(26) W(27) W(28) W(29) W(30)
            W(31) W(32)
#undef W
        }
    } else {
        /* Near the end of the mapping: copy to a padded buffer first. */
        uint8_t tmp[16 * 32 + 8];
        memcpy(tmp, p, nbytes);
        memset(tmp + nbytes, 0, 8);
        unpack_w(tmp, w, v);
    }
    return p + nbytes;
}
