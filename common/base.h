/*
 * base.h -- internal foundations shared by the indexer and the searcher:
 * the allocator every handle carries, growable byte buffers, error
 * messages, and little-endian helpers.
 *
 * Error style (after SQLite FTS5): helpers that can fail take or return an
 * int code, and a buffer that once failed to grow stays failed (its `err`
 * is sticky), so a sequence of appends can be checked once at the end.
 */
#ifndef SPASM_BASE_H
#define SPASM_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spasm.h"

#define SP_UNUSED(x) ((void)(x))
#define SP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SP_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define SP_LIKELY(x) __builtin_expect(!!(x), 1)
#define SP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SP_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SP_LIKELY(x) (x)
#define SP_UNLIKELY(x) (x)
#define SP_PRINTF(a, b)
#define SP_ALWAYS_INLINE
#endif

/* SP_SANITIZED: built with ASan, TSan or MSan (GCC says so by macros,
 * clang by __has_feature). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define SP_SANITIZED 1
#endif
#endif

/* SP_HAVE_IFUNC: a function may be chosen by CPU when the program loads
 * (GCC or clang on x86-64 Linux with glibc).  Not under the sanitizers,
 * whose runtimes start after the loader runs ifunc resolvers (an
 * instrumented resolver would touch shadow memory not yet mapped); not
 * either when built with -DSP_NO_IFUNC. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && defined(__GLIBC__) &&        \
    !defined(SP_SANITIZED) && !defined(SP_NO_IFUNC)
#define SP_HAVE_IFUNC 1
#else
#define SP_HAVE_IFUNC 0
#endif

/* ---- Allocator ---- */

/* The allocator of one handle: a realloc-style function and its pointer. */
typedef struct sp_alloc {
    spasm_alloc_fn fn;
    void *ud;
} sp_alloc;

/* Set `a` to the given function, or to the C library's when fn is NULL. */
void sp_alloc_init(sp_alloc *a, spasm_alloc_fn fn, void *ud);

/* Allocate n bytes (n may be 0: a valid unique pointer).  NULL on failure. */
void *sp_malloc(const sp_alloc *a, size_t n);
/* Allocate n zeroed bytes.  NULL on failure. */
void *sp_calloc(const sp_alloc *a, size_t n);
/* Resize p (from sp_malloc; may be NULL) to n bytes; NULL on failure, p kept. */
void *sp_realloc(const sp_alloc *a, void *p, size_t n);
/* Free p (NULL allowed). */
void sp_free(const sp_alloc *a, void *p);
/* Copy a string of len bytes into fresh memory, NUL-terminated. */
char *sp_strndup(const sp_alloc *a, const char *s, size_t len);

/* ---- Error messages ---- */

#define SP_ERRMSG_MAX 512

/* Format an error message into buf (SP_ERRMSG_MAX bytes) and return code. */
int sp_seterr(char *buf, int code, const char *fmt, ...) SP_PRINTF(3, 4);

/* ---- Growable byte buffer ---- */

typedef struct sp_buf {
    uint8_t *p;
    size_t n, cap;
    int err; /* sticky: SPASM_ENOMEM once an append failed */
    const sp_alloc *a;
} sp_buf;

void sp_buf_init(sp_buf *b, const sp_alloc *a);
void sp_buf_free(sp_buf *b);
/* Make room for `extra` more bytes; returns 0, or SPASM_ENOMEM (sticky). */
int sp_buf_reserve(sp_buf *b, size_t extra);
void sp_buf_append(sp_buf *b, const void *data, size_t n);
void sp_buf_putc(sp_buf *b, uint8_t c);
void sp_buf_put_u16(sp_buf *b, uint16_t v);
void sp_buf_put_u32(sp_buf *b, uint32_t v);
void sp_buf_put_u64(sp_buf *b, uint64_t v);
void sp_buf_put_f64(sp_buf *b, double v);
void sp_buf_put_varint(sp_buf *b, uint64_t v);
/* Append a NUL-terminated string, formatted; NUL is not counted in n. */
void sp_buf_printf(sp_buf *b, const char *fmt, ...) SP_PRINTF(2, 3);
/* Append s escaped as the inside of a JSON string. */
void sp_buf_json_escape(sp_buf *b, const char *s, size_t len);

/* ---- Little-endian access (the on-disk byte order) ---- */

static inline uint16_t sp_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t sp_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t sp_get_u64(const uint8_t *p)
{
    return (uint64_t)sp_get_u32(p) | (uint64_t)sp_get_u32(p + 4) << 32;
}
static inline double sp_get_f64(const uint8_t *p)
{
    uint64_t u = sp_get_u64(p);
    double d;
    memcpy(&d, &u, 8);
    return d;
}
static inline float sp_get_f32(const uint8_t *p)
{
    uint32_t u = sp_get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline void sp_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void sp_put_u64(uint8_t *p, uint64_t v)
{
    sp_put_u32(p, (uint32_t)v);
    sp_put_u32(p + 4, (uint32_t)(v >> 32));
}

/* 32-bit FNV-1a of bytes: terms (the writer's term table, word bigrams,
 * the searcher's term tables), the stem cache's words, spelling variants. */
static inline uint32_t sp_term_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* The 64-bit hash of a word bigram, from its two stems' sp_term_hash
 * (SplitMix64's finaliser); the unit of near-duplicate detection. */
static inline uint64_t sp_bigram_hash(uint32_t first, uint32_t second)
{
    uint64_t z = ((uint64_t)first << 32 | second) ^ 0x5350534947ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A well-mixed 32-bit hash of k (murmur3's finaliser): for tables whose
 * mask keeps the low bits, which must depend on every bit of k. */
static inline uint32_t sp_mix32(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x85ebca6bu;
    k ^= k >> 13;
    k *= 0xc2b2ae35u;
    return k ^ (k >> 16);
}

/* CRC-32 of p[0, n) continuing crc (0 to start), as zlib's crc32():
 *     sp_crc32(0, "123456789", 9) == 0xCBF43926 */
uint32_t sp_crc32(uint32_t crc, const void *p, size_t n);

/* 64-bit FNV-1a of a document id (the IDIX section's key). */
static inline uint64_t sp_id_hash(const char *id, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)id[i]) * 1099511628211ull;
    return h;
}

#endif
