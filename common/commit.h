/*
 * commit.h -- the files of a live index folder (format version 2):
 * commit points (.spc) and deletion sets (.spd), encoded and decoded
 * here (common/commit.c) for both the writer (indexer/live*.c) and the
 * reader (searcher/).  docs/LIVE.md is the byte-by-byte specification.
 */
#ifndef SPASM_COMMIT_H
#define SPASM_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#define SP_LIVE_VERSION 2
#define SP_CP_MAGIC "SPASMCP"  /* + NUL: 8 bytes */
#define SP_DEL_MAGIC "SPASMDL" /* + NUL: 8 bytes */
#define SP_CP_HEADER 64
#define SP_CP_ENTRY 64
#define SP_DEL_HEADER 64
#define SP_LIVE_KEEP_COMMITS 2 /* commit points a writer keeps */

/* One segment as a commit point names it. */
typedef struct sp_cp_seg {
    uint64_t id;       /* file seg-ID.sps (16 lowercase hex digits) */
    uint64_t del_gen;  /* 0: no deletions, else file del-ID-GEN.spd */
    uint64_t size;     /* bytes of the segment file */
    uint32_t head_crc; /* CRC32 of its 128-byte header */
    uint64_t npass, ndocs, del_docs, del_pass;
} sp_cp_seg;

/* A decoded commit point. */
typedef struct sp_commit {
    uint64_t gen, next_seg, time;
    uint32_t flags; /* SP_FLAG_* of META */
    double k1, b;
    uint32_t nseg;
    sp_cp_seg *seg; /* nseg entries, owned (sp_commit_free) */
} sp_commit;

/* A decoded deletion set. */
typedef struct sp_delset {
    uint64_t seg_id, gen;
    uint64_t ndocs, npass, tokens; /* deleted documents, passages, their tokens */
    uint32_t *docs;                /* ndocs local document numbers, ascending */
    uint64_t nterms;
    uint64_t *term_off; /* nterms POST offsets, ascending */
    uint32_t *term_df;  /* deleted df of each */
} sp_delset;

/* File names, NUL-terminated into buf (at least 64 bytes). */
void sp_cp_name(char *buf, uint64_t gen);               /* commit-GEN.spc */
void sp_seg_name(char *buf, uint64_t id);               /* seg-ID.sps */
void sp_del_name(char *buf, uint64_t id, uint64_t gen); /* del-ID-GEN.spd */
/* Parse a name of each kind: 1 and the numbers, or 0 when it is not one. */
int sp_cp_parse_name(const char *name, uint64_t *gen);
int sp_seg_parse_name(const char *name, uint64_t *id);
int sp_del_parse_name(const char *name, uint64_t *id, uint64_t *gen);

/* Encode into out (appended); 0 or SPASM_ENOMEM. */
int sp_commit_encode(const sp_commit *c, sp_buf *out);
int sp_delset_encode(const sp_delset *d, sp_buf *out);

/* Decode len bytes; 0, SPASM_ECORRUPT or SPASM_EVERSION (err names what
 * is wrong and where), or SPASM_ENOMEM.  The result owns its arrays.
 * The trailing CRC32 is checked first, then magic and version: any
 * damaged byte is SPASM_ECORRUPT; a later version (which keeps the
 * trailing CRC32) is SPASM_EVERSION. */
int sp_commit_decode(const sp_alloc *a, const uint8_t *p, size_t len, sp_commit *out, char *err);
int sp_delset_decode(const sp_alloc *a, const uint8_t *p, size_t len, sp_delset *out, char *err);

void sp_commit_free(const sp_alloc *a, sp_commit *c);
void sp_delset_free(const sp_alloc *a, sp_delset *d);

/*
 * Read the newest valid commit point of folder `dir` (file descriptor of
 * the open folder, for openat): tries generations from the highest down;
 * each one that is damaged is skipped with a warning appended to `warn`
 * (may be NULL; one line each, ending in '\n') naming the file.  0 with
 * *out filled, SPASM_ENOTFOUND when the folder holds no commit point,
 * SPASM_ECORRUPT when none is valid, SPASM_EVERSION when the newest
 * readable one is of a later version (no fallback behind it), SPASM_EIO
 * (err set).  A commit point that vanishes while read (a writer removed
 * it) is skipped; when all vanish the folder is listed again.
 */
int sp_commit_read_newest(const sp_alloc *a, int dirfd, const char *dirpath, sp_commit *out,
                          sp_buf *warn, char *err);

/* Read and decode one deletion file of folder dirfd.  As sp_delset_decode,
 * plus SPASM_ENOTFOUND when the file is absent (removed by a writer since
 * the commit point was read: start again from the newest), SPASM_EIO when
 * it cannot be read, and SPASM_ECORRUPT when it names another segment or
 * generation.  err names DIRPATH/NAME. */
int sp_delset_read(const sp_alloc *a, int dirfd, const char *dirpath, uint64_t seg_id, uint64_t gen,
                   sp_delset *out, char *err);

#endif
