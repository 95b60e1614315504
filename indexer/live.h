/*
 * live.h -- the internals of spasm_updater, the writer of a live index
 * folder (docs/LIVE.md), shared by
 *
 *   live.c         the handle: opening the folder, the lock, leftovers,
 *                  adds (forwarded to a pending spasm_writer), commit
 *   live_delete.c  deletions by id: replaying a batch's adds and deletes in
 *                  order, and the deletion sets with their deleted df
 *   live_merge.c   the merge policy and merging runs of adjacent segments
 *   live_folder.c  the folder: what may be opened, the lock, commit points,
 *                  segments, leftovers, writing a small file atomically
 *   live_info.c    spasm_live_info_read (what --info shows), no lock
 *   live_sync.c    writing a commit's files and syncing them all at once
 */
#ifndef SPASM_LIVE_H
#define SPASM_LIVE_H

#include "base.h"
#include "commit.h"

/* One segment of the collection as the updater holds it. */
typedef struct sp_live_seg {
    sp_cp_seg e;       /* its commit point entry (being updated by a commit) */
    spasm_index *ix;   /* the segment file, opened read-only */
    spasm_searcher *s; /* for its stores and caches */
    uint8_t *del;      /* ndocs flags: 1 = deleted (committed or by the batch) */
    sp_delset ds;      /* its deletion set as of e.del_gen (empty when 0) */
    uint32_t *newdel;  /* documents the batch being committed deletes */
    size_t nnew, capnew;
    sp_delset nds; /* the deletion set the commit will write (has_nds) */
    int has_nds;
} sp_live_seg;

/* A delete of the batch: `id`, after `pos` documents were added. */
typedef struct sp_live_op {
    char *id;
    uint64_t pos;
    int wordless; /* an add whose document is not kept (finish_pending): it
                   * replaces, and an unknown id is no warning */
} sp_live_op;

struct spasm_updater {
    sp_alloc a;
    int rc; /* sticky */
    char errmsg[SP_ERRMSG_MAX];
    char *path; /* the folder */
    int dirfd, lockfd;
    spasm_writer_options wopt; /* for new segments: the folder's BM25 and flags */
    int has_commit;            /* the folder has a commit point */
    sp_commit cur;             /* the last commit (its seg[] unused: see segs) */
    sp_commit prev;            /* the one before (kept: its files too), gen 0 if none */
    uint64_t max_gen;          /* the highest generation named in the folder */
    uint64_t next_seg;
    sp_live_seg *segs; /* the segments of the last commit, in collection order */
    size_t nsegs;
    /* the batch */
    spasm_writer *w; /* pending segment (made on the first add) */
    uint64_t w_id;
    sp_live_op *ops;
    size_t nops, capops;
    int delete_all; /* the batch starts from an empty collection */
    int optimize;   /* the commit merges everything into one segment */
    int changed;    /* the batch holds a change */
    spasm_updater_stats st;
    /* removing superseded files is batched (live.c, maybe_sweep) */
    unsigned unswept;                        /* commits published since the last sweep */
    uint64_t gone_bytes;                     /* bytes of the segments they superseded */
    uint64_t merge_tier_factor, merge_width; /* the policy (tests may change) */
    double merge_deleted_share;
    size_t del_part_min;     /* deleted documents from which two threads analyse them */
    int xdup_mode, skey_off; /* new segments' writers' (writer.h; tests may change) */
};

/* Record an updater error (sticky; the first one wins) and return it. */
int sp_live_err(spasm_updater *u, int code, const char *fmt, ...) SP_PRINTF(3, 4);
/* Record code as the updater's error, its message already in u->errmsg. */
int sp_live_fail(spasm_updater *u, int code);
/* Report a warning to the options' event callback. */
void sp_live_warn(spasm_updater *u, const char *fmt, ...) SP_PRINTF(2, 3);

/* live_folder.c: check what `path` is and take the lock (0 or the error);
 * read the last two commit points and open the last one's segments;
 * remove the leftovers (returns how many files). */
int sp_live_open_folder(spasm_updater *u);
int sp_live_load(spasm_updater *u);
uint64_t sp_live_sweep(spasm_updater *u);
/* Open the segment file seg-ID.sps just written (its entry made from the
 * file). */
int sp_live_seg_fresh(spasm_updater *u, uint64_t id, sp_live_seg *s);

/* Open segment entry e of the folder into *s (file, checks of size and
 * header CRC, its deletion set); 0 or the error (u's message set). */
int sp_live_seg_open(spasm_updater *u, const sp_cp_seg *e, sp_live_seg *s);
void sp_live_seg_close(spasm_updater *u, sp_live_seg *s);
/* Remove segment s's file (unlinkat; a file a commit named is never removed). */
void sp_live_seg_unlink(spasm_updater *u, const sp_live_seg *s);

/* ---- live_sync.c ---- */

/* The merge policy's width and tier factor (live_merge.c): a run of this
 * many segments of one size tier is merged, so that a search visits at most
 * SP_MERGE_WIDTH - 1 segments per tier (docs/LIVE.md, "Merging"). */
#define SP_MERGE_WIDTH 8
#define SP_LIVE_SYNC_MAX 64 /* files synced at once by a commit */

/* Write `data` as a locked temporary file NAME.tmp-PID-HEX of the folder
 * (its name into tmp[tmpcap], its open descriptor into *fd), neither
 * fsync'd nor renamed.  0 or SPASM_EIO (message set, not sticky; nothing
 * left behind). */
int sp_live_write_tmp(spasm_updater *u, const char *name, const void *data, size_t len, char *tmp,
                      size_t tmpcap, int *fd);
/* fsync fds[0, n) all at once (one thread each, at most 8); names[i]
 * names fds[i] in the error.  0 or SPASM_EIO (sticky). */
int sp_live_sync_all(spasm_updater *u, const int *fds, const char *const *names, size_t n);

/* ---- live_delete.c ---- */

/* Replay the batch in order over segs[0, n) (the committed ones, then the
 * new one last when `has_new`): adds and deletes by id, marking
 * documents deleted (del flags and newdel) and counting stats.  0 or the
 * error. */
int sp_live_replay(spasm_updater *u, sp_live_seg *segs, size_t n, int has_new);
/* Compute the deletion set segment s will have with its newdel added
 * (deleted df by re-analysing the documents' stored text): s->nds, and
 * s->e's counts.  0 or the error. */
int sp_live_build_delset(spasm_updater *u, sp_live_seg *s, uint64_t gen);

/* ---- live_merge.c ---- */

/* The segments segs[0, n) but [i, j), as the writer of a new segment
 * sees them for its cross-segment near-duplicates (XDUP): set on w
 * (freed by sp_live_xsrc_done).  0 or SPASM_ENOMEM (sticky). */
struct spasm_writer;
int sp_live_xsrc(spasm_updater *u, struct spasm_writer *w, sp_live_seg *segs, size_t n, size_t i,
                 size_t j);
void sp_live_xsrc_done(spasm_updater *u, struct spasm_writer *w);

/* Apply the merge policy to segs[0, *n) (merging everything with
 * u->optimize): runs of adjacent segments are replaced by one new segment
 * each, written into the folder.  *n is updated; the replaced segments
 * are appended to *gone (*ngone of *capgone), for the caller to close
 * (their files are left to the cleanup after the commit).  0 or the
 * error. */
int sp_live_merge(spasm_updater *u, sp_live_seg *segs, size_t *n, sp_live_seg **gone, size_t *ngone,
                  size_t *capgone);

#endif
