/*
 * codec_bench.c -- how fast the postings codec decodes, in integers per
 * second (a microbenchmark, not a test: its figures depend on the machine).
 *
 *   build/bin/codec_bench [INDEX.spx]
 *
 * 1. Synthetic: 8,192 blocks of 128 random passage gaps of each bit width
 *    (and tfs of 1-2 bits, as in real lists), packed with sp_pack128().
 *    Timed: what the cursor does per full block -- sp_unpack128() of the
 *    gaps, the prefix sum into passage numbers, sp_unpack128() of the tfs
 *    and the +1 -- counted as 256 integers per block.  Also the two
 *    unpacks alone, and, for comparison, Stream VByte (libstreamvbyte,
 *    differential decoding with its own prefix sum) on the same passage
 *    numbers (gaps only: counted as 1 integer per gap).
 * 2. Real lists (with INDEX): every posting list of the words of a fixed
 *    set of common English terms, decoded block by block through the
 *    cursor (sp_cursor_seek() to each block's first passage: checks,
 *    checksums of chunks already verified, prefix sum, tfs), counted as 2
 *    integers per posting.
 *
 * Each figure is the best of 5 runs, to keep other processes' noise out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "index.h"
#include "spasm.h"

#ifdef SP_HAVE_STREAMVBYTE
#include <streamvbyte.h>
#include <streamvbytedelta.h>
#endif

#define NBLOCKS 8192
#define REPS 5

/* Wall-clock seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252ull;

/* xorshift64: fixed sequence, so runs are comparable. */
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static volatile uint32_t sink; /* keeps the decoders' results alive */

/* Decode every block as load_block() does; returns seconds. */
static double run_blocks(const uint8_t *buf, size_t len, int gaps_only)
{
    static uint32_t docs[SP_BLOCK], tfs[SP_BLOCK];
    const uint8_t *p = buf, *end = buf + len;
    double t0 = now();
    uint64_t d = 0;
    for (int b = 0; b < NBLOCKS; b++) {
        p = sp_unpack128(p, end, docs);
        if (gaps_only) {
            p = sp_unpack128(p, end, tfs);
            sink += docs[b & 127] + tfs[b & 127];
            continue;
        }
        p = sp_unpack128(p, end, tfs);
        sp_undelta1(docs, SP_BLOCK, (uint32_t)d);
        for (int i = 0; i < SP_BLOCK; i++) tfs[i] += 1;
        d = docs[127] + 1;
        sink += docs[127] + tfs[b & 127];
    }
    return now() - t0;
}

static void synthetic(void)
{
    static const unsigned widths[] = {1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20};
    size_t cap = (size_t)NBLOCKS * 2 * (1 + 16 * 32) + 16;
    uint8_t *buf = malloc(cap);
    uint32_t *gaps = malloc((size_t)NBLOCKS * SP_BLOCK * sizeof *gaps);
    uint32_t *out = malloc(((size_t)NBLOCKS * SP_BLOCK + 64) * sizeof *out);
    if (!buf || !gaps || !out) exit(2);
    printf("Synthetic blocks (%d x 128 gaps + 128 tfs), best of %d, million integers/s:\n", NBLOCKS,
           REPS);
    printf("%6s %14s %14s %14s\n", "bits", "block decode", "unpack only", "streamvbyte");
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
        unsigned w = widths[wi];
        size_t n = 0;
        uint32_t v[SP_BLOCK];
        for (int b = 0; b < NBLOCKS; b++) {
            for (int i = 0; i < SP_BLOCK; i++) {
                uint32_t g = rnd() & ((1u << w) - 1);
                if (i == 0) g |= 1u << (w - 1); /* the block really needs w bits */
                v[i] = g;
                gaps[(size_t)b * SP_BLOCK + i] = g;
            }
            n += sp_pack128(v, buf + n);
            for (int i = 0; i < SP_BLOCK; i++) v[i] = rnd() % 4 == 0; /* tf - 1 */
            n += sp_pack128(v, buf + n);
        }
        double best = 1e9, bestg = 1e9;
        for (int r = 0; r < REPS; r++) {
            double t = run_blocks(buf, n, 0);
            if (t < best) best = t;
            t = run_blocks(buf, n, 1);
            if (t < bestg) bestg = t;
        }
        double ints = (double)NBLOCKS * 2 * SP_BLOCK;
        printf("%6u %14.0f %14.0f", w, ints / best / 1e6, ints / bestg / 1e6);
#ifdef SP_HAVE_STREAMVBYTE
        /* Stream VByte, differential: the passage numbers themselves. */
        uint32_t total = NBLOCKS * SP_BLOCK;
        uint32_t *abs = malloc((size_t)total * sizeof *abs);
        uint8_t *sv = malloc(streamvbyte_max_compressedbytes(total));
        if (!abs || !sv) exit(2);
        uint64_t d = 0;
        for (uint32_t i = 0; i < total; i++) {
            d += gaps[i];
            abs[i] = (uint32_t)d++;
        }
        streamvbyte_delta_encode(abs, total, sv, 0);
        double bests = 1e9;
        for (int r = 0; r < REPS; r++) {
            double t0 = now();
            streamvbyte_delta_decode(sv, out, total, 0);
            sink += out[total - 1];
            double t = now() - t0;
            if (t < bests) bests = t;
        }
        printf(" %14.0f", (double)total / bests / 1e6);
        free(abs);
        free(sv);
#endif
        printf("\n");
    }
    free(buf);
    free(gaps);
    free(out);
}

/* Decode whole posting lists of common terms through the cursor. */
static int real_lists(const char *path)
{
    static const char *words[] = {"the",    "of",     "and",   "in",    "is",   "was",
                                  "for",    "new",    "war",   "state", "unit", "american",
                                  "film",   "school", "river", "music", "armi", "forc",
                                  "nation", "world",  "citi",  "book"};
    spasm_index *ix;
    if (spasm_open(&ix, path, NULL) != SPASM_OK) {
        fprintf(stderr, "codec_bench: %s\n", ix ? spasm_index_errmsg(ix) : "out of memory");
        spasm_close(ix);
        return 2;
    }
    if (spasm_index_verify(ix) != SPASM_OK) { /* checksums out of the timing */
        fprintf(stderr, "codec_bench: %s\n", spasm_index_errmsg(ix));
        spasm_close(ix);
        return 2;
    }
    char err[SP_ERRMSG_MAX];
    static sp_cursor c;
    double best = 1e9;
    uint64_t postings = 0, blocks = 0;
    for (int r = 0; r < REPS; r++) {
        postings = blocks = 0;
        double t0 = now();
        for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
            sp_terminfo ti;
            sp_seg *g = ix->part[0].seg; /* a format-1 file: one segment */
            if (sp_dict_find(g, words[i], strlen(words[i]), &ti, err) != 1) continue;
            if (sp_cursor_open(&c, g, &ti, err)) break;
            while (c.doc != SP_END) {
                postings += c.n;
                blocks++;
                sink += c.tfs[c.n - 1];
                sp_cursor_seek(&c, c.docs[c.n - 1] + 1, err);
            }
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("\nReal lists: %llu postings in %llu blocks (%zu terms of %s), best of %d:\n"
           "  %.0f million integers/s (passage + tf per posting), %.1f ns per block\n",
           (unsigned long long)postings, (unsigned long long)blocks, sizeof words / sizeof *words,
           path, REPS, 2.0 * (double)postings / best / 1e6, best / (double)blocks * 1e9);
    spasm_close(ix);
    return 0;
}

int main(int argc, char **argv)
{
    synthetic();
    if (argc > 1) return real_lists(argv[1]);
    return 0;
}
