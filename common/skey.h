/*
 * skey.h -- the SKEY section (docs/FORMAT.md "SKEY"): the holders of every
 * SIGS key (bucket, value) of one file, sorted by key, behind a directory
 * of 2^D slots, so that the writer of a small live segment looks up its
 * own passages' keys in each other segment (indexer/dups_cross.c) instead
 * of streaming every other segment's signatures.  A key held by more than
 * SP_DUPS_COMMON passages of the file is stored as one marker entry: it is
 * common in any collection holding the file, and needs no exact count.
 *
 * Written by the indexer (index_write.c) and rebuilt from SIGS by
 * `--check` (searcher/segment.c), both through sp_skey_build, so that the
 * two can never disagree.
 */
#ifndef SPASM_SKEY_H
#define SPASM_SKEY_H

#include <stdint.h>

#include "base.h"
#include "format.h"

#define SP_SKEY_HEAD 24    /* header bytes */
#define SP_SKEY_KEYBITS 20 /* a key: bucket (4 bits) << 16 | 16-bit value */
#define SP_SKEY_MAXD 20    /* directory bits at most (a slot per key) */

/* A section's header, read by sp_skey_head. */
typedef struct sp_skey {
    uint32_t d;       /* directory bits: 2^d slots, slot = key >> (20 - d) */
    uint32_t pb;      /* bits of a passage number; 2^pb - 1 is the marker */
    uint32_t w;       /* bytes per entry */
    uint64_t m;       /* entries */
    uint64_t dir_off; /* u32 dir[2^d + 1], from the section's start */
    uint64_t ent_off; /* the entries, from the section's start */
} sp_skey;

/* Build the SKEY section of n passages' signatures (SIGS bytes, 16 u16 per
 * passage) into out (appended).  0 or SPASM_ENOMEM. */
int sp_skey_build(const sp_alloc *a, const uint8_t *sigs, size_t n, sp_buf *out);
/* The same by one way or the other (large: a count per key; else sorted
 * instances): sp_skey_build takes the cheaper, the tests both. */
int sp_skey_build_as(const sp_alloc *a, const uint8_t *sigs, size_t n, int large, sp_buf *out);

/* Read the header of a section of len bytes (p: at least SP_SKEY_HEAD
 * bytes when len allows) of a file of npass passages into *k: 0, or -1
 * when the header or the length is inconsistent. */
int sp_skey_head(const uint8_t *p, uint64_t len, uint64_t npass, sp_skey *k);

/* The slot of key. */
static inline uint32_t sp_skey_slot(const sp_skey *k, uint32_t key)
{
    return key >> (SP_SKEY_KEYBITS - k->d);
}

/* The key bits of key that its slot does not give. */
static inline uint64_t sp_skey_low(const sp_skey *k, uint32_t key)
{
    return key & ((1u << (SP_SKEY_KEYBITS - k->d)) - 1);
}

/* Entry e (k->w bytes at p, little-endian): low key bits << pb | passage. */
static inline uint64_t sp_skey_entry(const sp_skey *k, const uint8_t *p)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < k->w; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The marker passage (a key of more than SP_DUPS_COMMON holders). */
static inline uint64_t sp_skey_marker(const sp_skey *k)
{
    return (1ull << k->pb) - 1;
}

#endif
