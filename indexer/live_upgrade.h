/*
 * live_upgrade.h -- a single-file index (format 1) becomes a live index
 * folder (docs/LIVE.md) atomically on its first update (live_upgrade.c).
 */
#ifndef SPASM_LIVE_UPGRADE_H
#define SPASM_LIVE_UPGRADE_H

#include "base.h"
#include "spasm.h"

/*
 * Turn the format-1 index file `path` into a live folder at the same path,
 * in one atomic step (RENAME_EXCHANGE): segment 1 is a hard link of the
 * file, commit point 1 names it.  Open readers keep reading the file.  0,
 * or SPASM_EBUSY (another writer is upgrading it), SPASM_ECORRUPT (not a
 * spasm index), SPASM_EIO (with the reason; nothing is changed), with a
 * message in err.  The caller verifies the file first if it wants to.
 */
int sp_live_upgrade(const sp_alloc *a, const char *path, char *err);

/*
 * Remove what dead upgrades of `path` left beside it: folders and files
 * named PATH.tmp-DIGITS-HEX that no live process holds (flock).  Returns
 * the number removed.  Example: an updater calls it when it opens `path`.
 */
long sp_live_sweep_siblings(const sp_alloc *a, const char *path);

#endif
