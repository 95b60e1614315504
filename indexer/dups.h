/*
 * dups.h -- the internals of the writer's near-duplicate finder, shared by
 * dups.c (pairs within the file: DUPS) and dups_cross.c (a live segment's
 * pairs with the other live segments: XDUP), docs/FORMAT.md.
 */
#ifndef SPASM_DUPS_H
#define SPASM_DUPS_H

#include "analyzer.h"
#include "writer.h"

#define SP_DUPS_KEYS ((size_t)SP_SIG_HASHES << 16)
#define NONE UINT32_MAX

typedef struct dpair {
    uint32_t a, b; /* a < b */
} dpair;

/* A cross-segment pair: passage p of the file, passage q of xsrc[src]. */
typedef struct xpair {
    uint32_t p, src, q;
} xpair;

/* A signature key of a passage of another segment held by the file too. */
typedef struct xinst {
    uint32_t src, q, key;
} xinst;

typedef struct dups {
    spasm_writer *w;
    const sp_alloc *a;
    size_t n;
    dpair *cand; /* pairs to confirm, then the confirmed ones */
    size_t ncand, capcand;
    uint32_t *slot; /* per passage: its bigram set in sets[], or NONE */
    uint64_t *bg;   /* the bigram sets, back to back */
    size_t nbg, capbg;
    uint64_t *setoff; /* per set: start in bg; setoff[i + 1] its end */
    size_t nsets;
    /* live segments (dups_cross.c): per key, the live passages of the
     * other segments holding it (NULL: none), counted with the file's in
     * the holder bound; those passages' keys the file holds too; the
     * cross pairs to confirm, then the confirmed ones */
    uint32_t *other;
    xinst *xinst;
    size_t ninst, capinst;
    xpair *xc;
    size_t nx, capx;
} dups;

/* Each signature key's holders, ascending: for a large file a direct
 * table over the keys (start[k], hold[]), for a small one (a live
 * commit's segment) the sorted (key << 32 | passage) instances, so that
 * a commit of a few documents does not pay for a 4 MiB table. */
typedef struct keyruns {
    uint32_t *start, *hold; /* direct: key k's holders hold[start[k], start[k + 1]) */
    uint64_t *inst;         /* else: sorted instances */
    size_t ninst;
} keyruns;
#define SMALL_INSTANCES (1u << 16)

/* The file's holders of key k: entries [*b, *e) of kr (none when more
 * than SP_DUPS_COMMON passages hold it, the other segments' counted). */
void sp_dups_run_of(const dups *d, const keyruns *kr, uint32_t k, size_t *b, size_t *e);
/* The passage of entry e of kr. */
uint32_t sp_dups_holder(const keyruns *kr, size_t e);
/* The sorted distinct bigram hashes of text t, written at d->bg + d->nbg
 * (not kept: d->nbg unchanged), their number in *out.  0 or SPASM_ENOMEM. */
int sp_dups_set_of(dups *d, sp_analyzer *an, const char *t, size_t len, size_t *out);
/* 1 if bigram sets a and b (sorted) make a near-duplicate pair. */
int sp_dups_sets_dup(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* dups_cross.c, for a live segment: count the other segments' live
 * holders of the file's keys (d->other, d->xinst); find the cross pairs
 * sharing two keys under the holder bound, not ruled out by SIGB (d->xc);
 * confirm them from the texts and write the XDUP section.  0 or an error
 * code (SPASM_ENOMEM, or the writer's error). */
int sp_xdup_count(dups *d);
int sp_xdup_find(dups *d, const keyruns *kr);
int sp_xdup_write(dups *d);

#endif
