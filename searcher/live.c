/*
 * live.c -- reading a live index folder (docs/LIVE.md): not done yet
 * (needs common/commit.c).
 */
#include <stdio.h>

#include "live.h"

int sp_live_open(spasm_index *ix, sp_source *src, const spasm_index *old)
{
    SP_UNUSED(old);
    snprintf(ix->errmsg, sizeof ix->errmsg, "%.200s: is a directory, not an index file", src->path);
    return ix->rc = SPASM_EIO;
}

uint64_t sp_live_newest_gen(const spasm_index *ix, const char *path)
{
    SP_UNUSED(ix);
    SP_UNUSED(path);
    return 0;
}

int sp_live_verify(spasm_index *ix, const sp_source *src, char *err)
{
    SP_UNUSED(ix);
    SP_UNUSED(src);
    SP_UNUSED(err);
    return 0;
}
