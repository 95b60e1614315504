/*
 * codec.c -- varints and 128-integer bit-packing (see codec.h for the
 * layout).  The unpacker is written with a fixed width per call so that
 * the compiler can unroll and vectorise the inner loop for each width.
 */
#include "codec.h"

#include "base.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The unpacker is compiled twice, for AVX2 and for the baseline, and the
 * dynamic loader picks one by CPU through an ifunc (SP_HAVE_IFUNC, base.h);
 * the AVX2 build unpacks about 1.5 times faster (bench/codec_bench.c).
 * The dispatch is written out rather than left to target_clones, whose
 * ifunc symbol clang before 18 names "sp_unpack128.ifunc", so that other
 * files' calls to sp_unpack128 did not link. */

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

/*
 * Unpack 128 values of width w from o (16*w bytes, plus 8 readable).
 * Eight values take exactly w bytes, so the block is 16 groups that all
 * have the same shape: with w a constant, every load offset and shift in
 * a group is a constant and the group unrolls into straight-line code
 * (for w <= 8 one 64-bit load holds the whole group).
 */
static inline SP_ALWAYS_INLINE void unpack_w(const uint8_t *o, unsigned w, uint32_t *v)
{
    const uint64_t mask = (w == 32) ? 0xffffffffu : ((1ull << w) - 1);
    for (size_t g = 0; g < SP_BLOCK / 8; g++, o += w, v += 8) {
        if (w <= 8) {
            uint64_t x;
            memcpy(&x, o, 8);
            for (unsigned j = 0; j < 8; j++) v[j] = (uint32_t)((x >> (j * w)) & mask);
        } else {
            for (unsigned j = 0; j < 8; j++) {
                uint64_t x;
                memcpy(&x, o + ((j * w) >> 3), 8);
                v[j] = (uint32_t)((x >> ((j * w) & 7)) & mask);
            }
        }
    }
}

/* The unpacker's body, inlined into each CPU's build of it below. */
static inline SP_ALWAYS_INLINE const uint8_t *unpack128(const uint8_t *p, const uint8_t *end,
                                                        uint32_t *v)
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
    case n:                                                                                        \
        unpack_w(p, n, v);                                                                         \
        break;
            /* (clang-format does not settle on one layout for these lines) */
            /* clang-format off */
            W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8)
            W(9) W(10) W(11) W(12) W(13) W(14) W(15) W(16)
            W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24)
            W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
            /* clang-format on */
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

#if SP_HAVE_IFUNC
typedef const uint8_t *sp_unpack128_fn(const uint8_t *p, const uint8_t *end, uint32_t *v);

/* sp_unpack128 compiled for AVX2. */
__attribute__((target("avx2"))) static const uint8_t *
unpack128_avx2(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    return unpack128(p, end, v);
}

/* sp_unpack128 compiled for the baseline (SSE2). */
static const uint8_t *unpack128_base(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    return unpack128(p, end, v);
}

/* The ifunc resolver, run by the dynamic loader: the build for this CPU.
 * (Not static: clang 14 leaves out of its optimisation passes what only an
 * ifunc's static resolver reaches, so that both builds ran unoptimised.) */
sp_unpack128_fn *sp_unpack128_resolve(void);
sp_unpack128_fn *sp_unpack128_resolve(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? unpack128_avx2 : unpack128_base;
}

const uint8_t *sp_unpack128(const uint8_t *p, const uint8_t *end, uint32_t *v)
    __attribute__((ifunc("sp_unpack128_resolve"), visibility("hidden")));
#else
const uint8_t *sp_unpack128(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    return unpack128(p, end, v);
}
#endif

void sp_undelta1(uint32_t *v, size_t n, uint32_t start)
{
    size_t i = 0;
    uint32_t acc = start - 1; /* modulo 2^32: start 0 works too */
#if defined(__SSE2__)
    __m128i carry = _mm_set1_epi32((int)acc), one = _mm_set1_epi32(1);
    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(v + i)), one);
        x = _mm_add_epi32(x, _mm_slli_si128(x, 4)); /* in-register inclusive scan */
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi32(x, carry);
        _mm_storeu_si128((__m128i *)(v + i), x);
        carry = _mm_shuffle_epi32(x, 0xff);
    }
    acc = (uint32_t)_mm_cvtsi128_si32(carry);
#endif
    for (; i < n; i++) v[i] = acc += v[i] + 1;
}
