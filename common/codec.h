/*
 * codec.h -- integer codecs of the index: LEB128 varints and bit-packing
 * of blocks of SP_BLOCK (128) integers.
 *
 * Bit-packed block: one byte w (0..32), then 16*w bytes holding the 128
 * values, value i at bits [i*w, i*w+w) of the little-endian bit stream.
 * Every decoder is bounds-checked: it returns NULL instead of reading past
 * `end`, so a corrupt index yields an error, never a crash.
 */
#ifndef SPASM_CODEC_H
#define SPASM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define SP_BLOCK 128

/* Decode one varint at p (< end) into *v; returns the byte after it, or
 * NULL when it runs past end or is longer than 10 bytes. */
static inline const uint8_t *sp_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    if (p < end && *p < 0x80) {
        *v = *p;
        return p + 1;
    }
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end) return NULL;
        uint8_t c = *p++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *v = r;
            return p;
        }
    }
    return NULL;
}

/* As sp_varint_get, for values that must fit 32 bits (else NULL). */
static inline const uint8_t *sp_varint_get32(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    uint64_t x;
    p = sp_varint_get(p, end, &x);
    if (!p || x > UINT32_MAX) return NULL;
    *v = (uint32_t)x;
    return p;
}

/* Write v as a varint at p (room for 10 bytes); returns the byte after. */
uint8_t *sp_varint_put(uint8_t *p, uint64_t v);

/* Bits needed for the largest of n values (0 when all are 0). */
unsigned sp_bits_needed(const uint32_t *v, size_t n);

/* Pack 128 values into out (room for 1 + 16*32 bytes); returns bytes written. */
size_t sp_pack128(const uint32_t *v, uint8_t *out);

/* Unpack 128 values from p (< end) into v; returns the byte after, or NULL. */
const uint8_t *sp_unpack128(const uint8_t *p, const uint8_t *end, uint32_t *v);

/*
 * Passage numbers from gaps minus 1, in place: v[i] = start + i + v[0] +
 * ... + v[i], modulo 2^32 (SSE2 prefix sum).  The caller makes sure the
 * true values fit 32 bits.
 */
void sp_undelta1(uint32_t *v, size_t n, uint32_t start);

/* The first 8 bytes of term[0, len) as a big-endian number, zero padded:
 * terms hold no NUL byte, so two terms' keys order as the terms do
 * wherever they differ (DKEY, docs/FORMAT.md).  sp_key8("ab", 2) is
 * 0x6162000000000000. */
static inline uint64_t sp_key8(const char *term, size_t len)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++) k = k << 8 | (i < len ? (uint8_t)term[i] : 0);
    return k;
}

#endif
