/*
 * live_info.c -- spasm_live_info_read: what a live index folder holds as of
 * its newest valid commit point (spasm-index --info), read without the
 * lock, so that it works while an updater runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"

int spasm_live_info_read(const char *path, spasm_live_info **out)
{
    if (!out) return SPASM_EINVAL;
    spasm_live_info *in = calloc(1, sizeof *in);
    *out = in;
    if (!in) return SPASM_ENOMEM;
    if (!path) return sp_seterr(in->errmsg, SPASM_EINVAL, "no index path given");
    struct stat st;
    if (stat(path, &st) != 0)
        return sp_seterr(in->errmsg, SPASM_EIO, "%.400s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return sp_seterr(in->errmsg, SPASM_EINVAL, "%.400s: not a live index folder", path);
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return sp_seterr(in->errmsg, SPASM_EIO, "%.400s: %s", path, strerror(errno));
    sp_alloc a;
    sp_alloc_init(&a, NULL, NULL);
    sp_buf warn;
    sp_buf_init(&warn, &a);
    sp_commit c;
    char err[SP_ERRMSG_MAX];
    int rc = sp_commit_read_newest(&a, dfd, path, &c, &warn, err);
    if (warn.n) snprintf(in->warnings, sizeof in->warnings, "%.*s", (int)warn.n, (char *)warn.p);
    sp_buf_free(&warn);
    if (rc) {
        close(dfd);
        snprintf(in->errmsg, sizeof in->errmsg, "%s", err);
        return rc;
    }
    in->generation = c.gen;
    in->commit_time = c.time;
    in->nsegments = c.nseg;
    in->segments = calloc(c.nseg + 1, sizeof *in->segments);
    if (!in->segments) {
        close(dfd);
        sp_commit_free(&a, &c);
        return sp_seterr(in->errmsg, SPASM_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < c.nseg; i++) {
        const sp_cp_seg *e = &c.seg[i];
        spasm_segment_info *s = &in->segments[i];
        s->id = e->id;
        s->bytes = e->size;
        s->documents = e->ndocs;
        s->passages = e->npass;
        s->deleted_documents = e->del_docs;
        s->deleted_passages = e->del_pass;
        in->live_documents += e->ndocs - e->del_docs;
        in->deleted_documents += e->del_docs;
        in->live_passages += e->npass - e->del_pass;
        in->deleted_passages += e->del_pass;
        in->bytes += e->size;
        if (e->del_gen) {
            char name[64];
            sp_del_name(name, e->id, e->del_gen);
            if (fstatat(dfd, name, &st, 0) == 0) in->bytes += (uint64_t)st.st_size;
        }
    }
    close(dfd);
    sp_commit_free(&a, &c);
    return 0;
}

void spasm_live_info_free(spasm_live_info *info)
{
    if (!info) return;
    free(info->segments);
    free(info);
}
