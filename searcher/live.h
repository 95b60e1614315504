/*
 * live.h -- building a collection (collection.c) and reading a live index
 * folder into it (live.c, docs/LIVE.md).
 */
#ifndef SPASM_LIVE_H
#define SPASM_LIVE_H

#include "index.h"

/* Append a part (taking the references to seg and dels); 0 or
 * SPASM_ENOMEM (recorded in ix; the references are dropped). */
int sp_col_add_part(spasm_index *ix, sp_seg *seg, sp_dels *dels, uint64_t id);
/* Drop the parts from `from` on. */
void sp_col_drop_parts(spasm_index *ix, size_t from);
/* Append a line to spasm_index_notes() (best effort). */
void sp_col_note(spasm_index *ix, const char *msg, size_t len);
/* Drop a reference to a deletion set (NULL allowed). */
void sp_dels_release(sp_dels *d);

/*
 * Add the segments of the newest valid commit point of folder src->path
 * to ix (src->gen set), reusing the segments and deletion sets of old
 * (may be NULL) that are unchanged; a damaged newest commit point is
 * skipped with a note.  0 or an error code recorded in ix.
 */
int sp_live_open(spasm_index *ix, sp_source *src, const spasm_index *old);
/* The generation of the newest valid commit point of folder path (0 when
 * it cannot be read). */
uint64_t sp_live_newest_gen(const spasm_index *ix, const char *path);
/* Check the commit point and deletion files src was opened from (those a
 * writer has removed since are skipped).  0 or an error code (err set). */
int sp_live_verify(spasm_index *ix, const sp_source *src, char *err);

#endif
