/*
 * fuzz_index.c -- libFuzzer target for the index reader.
 *
 * Input: an index file.  It is put in a memfd, opened (checksums lazily),
 * searched (fuzzutil.c: fuzz_exercise_index) and verified, then opened
 * again with SPASM_OPEN_VERIFY and verified; nothing may crash, leak or
 * return a code other than OK, EINVAL, EQUERY, ECORRUPT or ENOTFOUND (nor
 * EVERSION from open).
 *
 * Built twice: fuzz_index takes the bytes as they come, so that nearly
 * every mutation stops at a checksum; fuzz_index_crc (-DFUZZ_FIX_CRC)
 * first repairs the file size and every CRC-32 of the header, the section
 * table, the sections and the chunks (docs/FORMAT.md), so that mutations
 * reach the decoders behind them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzzutil.h"

#ifdef FUZZ_FIX_CRC
/* Little-endian field access (the format's byte order). */
static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8) p[i] = (uint8_t)v;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(0, p, (uInt)n);
}

/*
 * Rewrite the checksums of the index in f[0, n) to match its bytes (after
 * docs/FORMAT.md, "Layout" and "Checksums"): each section's CRC, the chunk
 * CRCs of [128, T), the CRCs of both tables, the file size, and last the
 * header's CRC.  Fields that point outside the file are left alone.
 */
static void fix_checksums(uint8_t *f, size_t n)
{
    if (n < 128) return;
    put_le(f + 16, n, 8);
    uint64_t t = get_le(f + 24, 8), s = get_le(f + 32, 4), l = get_le(f + 36, 4);
    uint64_t c = get_le(f + 40, 8), k = get_le(f + 48, 8);
    if (t >= 128 && t <= n && s <= (n - t) / 32) {
        for (uint64_t i = 0; i < s; i++) {
            uint8_t *e = f + t + 32 * i;
            uint64_t off = get_le(e + 8, 8), len = get_le(e + 16, 8);
            if (off <= n && len <= n - off) put_le(e + 4, crc(f + off, len), 4);
        }
        put_le(f + 56, crc(f + t, 32 * s), 4);
    }
    if (l >= 12 && l <= 24 && t >= 128 && t <= n && c <= n && k <= (n - c) / 4) {
        uint64_t chunk = 1ull << l;
        for (uint64_t i = 0; i < k; i++) {
            uint64_t a = 128 + i * chunk;
            if (a >= t) break;
            uint64_t b = a + chunk < t ? a + chunk : t;
            put_le(f + c + 4 * i, crc(f + a, b - a), 4);
        }
        put_le(f + 60, crc(f + c, 4 * k), 4);
    }
    put_le(f + 124, crc(f, 124), 4);
}
#endif

/* Open the index at path (with flags); when it opens, search it (with
 * search = 1) and verify it. */
static void exercise(const char *path, unsigned flags, int search)
{
    spasm_index *ix = NULL;
    spasm_open_options oo = {.flags = flags};
    int rc = spasm_open(&ix, path, &oo);
    FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_ECORRUPT || rc == SPASM_EVERSION,
               "spasm_open returned %d (%s)", rc, spasm_index_errmsg(ix));
    FUZZ_CHECK(ix != NULL && spasm_index_errmsg(ix) != NULL, "no handle or message");
    FUZZ_CHECK(rc == SPASM_OK || spasm_index_errmsg(ix)[0], "open error without a message");
    if (rc == SPASM_OK) {
        spasm_index_stats st;
        spasm_index_get_stats(ix, &st);
        if (search) fuzz_exercise_index(ix);
        rc = spasm_index_verify(ix);
        FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_ECORRUPT, "spasm_index_verify returned %d", rc);
        if (rc) {
            spasm_searcher *s = NULL;
            FUZZ_CHECK(spasm_searcher_new(ix, &s) == SPASM_EINVAL && !s,
                       "searcher after a failed verify");
        }
    } else {
        spasm_searcher *s = NULL;
        FUZZ_CHECK(spasm_searcher_new(ix, &s) == SPASM_EINVAL && !s, "searcher on a failed open");
        FUZZ_CHECK(spasm_index_verify(ix) == rc, "verify of a failed open");
    }
    spasm_close(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20) return 0;
    uint8_t *f = malloc(size ? size : 1);
    FUZZ_CHECK(f != NULL, "out of memory");
    memcpy(f, data, size);
#ifdef FUZZ_FIX_CRC
    fix_checksums(f, size);
#endif
    char path[64];
    int fd = fuzz_memfile(f, size, path);
    free(f);
    exercise(path, 0, 1);                 /* checksums lazily, as searches go */
    exercise(path, SPASM_OPEN_VERIFY, 0); /* all at open */
    close(fd);
    return 0;
}
