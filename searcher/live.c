/*
 * live.c -- reading a live index folder (docs/LIVE.md) into a collection:
 * the newest valid commit point (common/commit.c falls back past damaged
 * ones, with a warning kept in the notes), its segments in order (shared
 * with the handle being refreshed when unchanged) and their deletion
 * files, turned into bitmaps of deleted passages and documents.  A file
 * that the commit point names but that is gone (a writer removed it after
 * a newer commit) sends us back to the newest commit point, a bounded
 * number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "commit.h"
#include "live.h"

#define SP_LIVE_RETRIES 16

static int lfail(spasm_index *ix, int code, const char *fmt, ...) SP_PRINTF(3, 4);
/* Record the handle's error. */
static int lfail(spasm_index *ix, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix->errmsg, sizeof ix->errmsg, fmt, ap);
    va_end(ap);
    return ix->rc = code;
}

/* The segment of old's source `path` that entry e names (same id, size
 * and header: a folder rebuilt under the same path reuses ids), with
 * another reference. */
static sp_seg *reuse_seg(const spasm_index *old, const char *path, const sp_cp_seg *e)
{
    for (size_t s = 0; old && s < old->nsrc; s++) {
        const sp_source *src = &old->src[s];
        if (!src->is_dir || strcmp(src->path, path) != 0) continue;
        for (size_t i = src->first; i < src->first + src->n; i++) {
            sp_seg *g = old->part[i].seg;
            if (old->part[i].id == e->id && g->size == e->size && g->head_crc == e->head_crc)
                return sp_seg_retain(g);
        }
    }
    return NULL;
}

/* The deletion set of generation gen of segment g in old, with another
 * reference. */
static sp_dels *reuse_dels(const spasm_index *old, const sp_seg *g, uint64_t gen)
{
    for (size_t i = 0; old && i < old->nparts; i++) {
        sp_dels *d = old->part[i].dels;
        if (old->part[i].seg == g && d && d->gen == gen) {
            atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
            return d;
        }
    }
    return NULL;
}

/* Turn a decoded deletion set of segment g into bitmaps; 0 or an error
 * code (err set). */
static int make_dels(const sp_alloc *a, sp_seg *g, sp_delset *ds, sp_dels **out, char *err)
{
    sp_dels *d = sp_calloc(a, sizeof *d);
    if (!d) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    d->a = *a;
    atomic_init(&d->refs, 1);
    d->seg_id = ds->seg_id;
    d->gen = ds->gen;
    d->ndocs = ds->ndocs;
    d->npass = ds->npass;
    d->tokens = ds->tokens;
    d->pass = sp_calloc(a, (g->npass / 64 + 1) * sizeof *d->pass);
    d->docs = sp_calloc(a, (g->ndocs / 64 + 1) * sizeof *d->docs);
    int rc = 0;
    if (!d->pass || !d->docs) rc = sp_seterr(err, SPASM_ENOMEM, "out of memory");
    uint64_t npass = 0;
    for (uint64_t i = 0; i < ds->ndocs && !rc; i++) {
        uint32_t doc = ds->docs[i];
        if (doc >= g->ndocs || (i && doc <= ds->docs[i - 1])) {
            rc = sp_seterr(err, SPASM_ECORRUPT, "%s: deleted document %u out of range", g->path,
                           doc);
            break;
        }
        if ((rc = sp_ix_ensure(g, g->docs.off + (uint64_t)doc * SP_DOCS_ENTRY, SP_DOCS_ENTRY, err)))
            break;
        const uint8_t *e = g->docs.p + (size_t)doc * SP_DOCS_ENTRY;
        uint32_t first = sp_get_u32(e), count = sp_get_u32(e + 4);
        if ((uint64_t)first + count > g->npass) {
            rc = sp_seterr(err, SPASM_ECORRUPT, "%s: bad document table", g->path);
            break;
        }
        d->docs[doc >> 6] |= 1ull << (doc & 63);
        for (uint32_t p = first; p < first + count; p++) d->pass[p >> 6] |= 1ull << (p & 63);
        npass += count;
    }
    if (!rc && (npass != ds->npass || ds->tokens > g->tokens))
        rc = sp_seterr(err, SPASM_ECORRUPT,
                       "deletions of %s: %llu passages counted, the deletion file says %llu",
                       g->path, (unsigned long long)npass, (unsigned long long)ds->npass);
    if (rc) {
        sp_dels_release(d);
        return rc;
    }
    d->nterms = ds->nterms; /* the arrays move over */
    d->term_off = ds->term_off;
    d->term_df = ds->term_df;
    ds->term_off = NULL;
    ds->term_df = NULL;
    ds->nterms = 0;
    *out = d;
    return 0;
}

/* Open the parts of commit c of folder dirfd; 0, -1 when a file it names
 * is gone (start again), or an error code recorded in ix. */
static int open_commit(spasm_index *ix, sp_source *src, const spasm_index *old, int dirfd,
                       const sp_commit *c, char *missing)
{
    char err[SP_ERRMSG_MAX], name[64], path[300];
    for (uint32_t i = 0; i < c->nseg; i++) {
        const sp_cp_seg *e = &c->seg[i];
        sp_seg_name(name, e->id);
        snprintf(path, sizeof path, "%.200s/%s", src->path, name);
        sp_seg *g = reuse_seg(old, src->path, e);
        if (!g) {
            int rc = sp_seg_open(&ix->a, dirfd, name, path, ix->open_flags, &g, err);
            if (rc) {
                if (faccessat(dirfd, name, F_OK, 0) != 0 && errno == ENOENT) {
                    snprintf(missing, 64, "%s", name);
                    return -1;
                }
                return lfail(ix, rc, "%s", err);
            }
        }
        if (g->size != e->size || g->head_crc != e->head_crc || g->npass != e->npass ||
            g->ndocs != e->ndocs) {
            sp_seg_release(g);
            return lfail(ix, SPASM_ECORRUPT,
                         "%s: does not match its commit point (generation %llu): the index is "
                         "corrupt",
                         path, (unsigned long long)c->gen);
        }
        sp_dels *d = NULL;
        if (e->del_gen && !(d = reuse_dels(old, g, e->del_gen))) {
            sp_delset ds;
            int rc = sp_delset_read(&ix->a, dirfd, src->path, e->id, e->del_gen, &ds, err);
            if (rc == SPASM_ENOTFOUND) {
                sp_seg_release(g);
                sp_del_name(missing, e->id, e->del_gen);
                return -1;
            }
            if (!rc) {
                rc = make_dels(&ix->a, g, &ds, &d, err);
                sp_delset_free(&ix->a, &ds);
            }
            if (rc) {
                sp_seg_release(g);
                return lfail(ix, rc, "%s", err);
            }
        }
        if (d && (d->ndocs != e->del_docs || d->npass != e->del_pass)) {
            sp_seg_release(g);
            sp_dels_release(d);
            return lfail(ix, SPASM_ECORRUPT,
                         "%s: its deletion file disagrees with the commit point: corrupt", path);
        }
        int rc = sp_col_add_part(ix, g, d, e->id);
        if (rc) return rc;
    }
    return 0;
}

int sp_live_open(spasm_index *ix, sp_source *src, const spasm_index *old)
{
    int dirfd = open(src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return lfail(ix, SPASM_EIO, "%.200s: cannot open: %s", src->path, strerror(errno));
    char err[SP_ERRMSG_MAX];
    int rc = 0;
    size_t mark = ix->nparts;
    uint64_t missing_gen = 0; /* the commit that named a missing file */
    for (int attempt = 0;; attempt++) {
        if (attempt == SP_LIVE_RETRIES) {
            rc = lfail(ix, SPASM_EIO,
                       "%.200s: the index kept changing while it was opened (%d tries): try again",
                       src->path, SP_LIVE_RETRIES);
            break;
        }
        sp_commit c;
        sp_buf warn;
        sp_buf_init(&warn, &ix->a);
        rc = sp_commit_read_newest(&ix->a, dirfd, src->path, &c, &warn, err);
        if (rc == SPASM_ENOTFOUND) {
            sp_buf_free(&warn);
            rc = lfail(ix, SPASM_EIO,
                       "%.200s: is a directory but not a live spasm index (no commit point "
                       "commit-*.spc in it)",
                       src->path);
            break;
        }
        if (rc) {
            sp_buf_free(&warn);
            rc = lfail(ix, rc, "%s", err);
            break;
        }
        char missing[64];
        rc = open_commit(ix, src, old, dirfd, &c, missing);
        if (rc == -1 && c.gen == missing_gen) { /* twice: not a writer's doing */
            sp_col_drop_parts(ix, mark);
            rc = lfail(ix, SPASM_ECORRUPT,
                       "%.200s: commit-%016llx.spc names %s, which is missing: the index is "
                       "corrupt",
                       src->path, (unsigned long long)c.gen, missing);
        } else if (rc == -1) { /* a file removed by a writer meanwhile: the newest again */
            missing_gen = c.gen;
            sp_col_drop_parts(ix, mark);
            sp_commit_free(&ix->a, &c);
            sp_buf_free(&warn);
            continue;
        }
        if (warn.n) sp_col_note(ix, (const char *)warn.p, warn.n);
        sp_buf_free(&warn);
        if (!rc) {
            src->gen = c.gen;
            if (src == &ix->src[0]) {
                ix->k1 = c.k1;
                ix->b = c.b;
                ix->flags = c.flags;
            }
        }
        sp_commit_free(&ix->a, &c);
        break;
    }
    close(dirfd);
    return rc;
}

uint64_t sp_live_newest_gen(const spasm_index *ix, const char *path)
{
    int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return 0;
    sp_commit c;
    char err[SP_ERRMSG_MAX];
    uint64_t gen = 0;
    if (sp_commit_read_newest(&ix->a, dirfd, path, &c, NULL, err) == 0) {
        gen = c.gen;
        sp_commit_free(&ix->a, &c);
    }
    close(dirfd);
    return gen;
}

int sp_live_verify(spasm_index *ix, const sp_source *src, char *err)
{
    int dirfd = open(src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return sp_seterr(err, SPASM_EIO, "%.200s: cannot open: %s", src->path, strerror(errno));
    /* the commit point read: still there unless a writer removed it */
    char name[64];
    sp_cp_name(name, src->gen);
    int rc = 0, fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        sp_buf b;
        sp_buf_init(&b, &ix->a);
        uint8_t tmp[65536];
        ssize_t got;
        while ((got = read(fd, tmp, sizeof tmp)) > 0) sp_buf_append(&b, tmp, (size_t)got);
        close(fd);
        sp_commit c;
        char why[SP_ERRMSG_MAX];
        if (got < 0)
            rc = sp_seterr(err, SPASM_EIO, "%.200s/%s: cannot read", src->path, name);
        else if (b.err)
            rc = sp_seterr(err, SPASM_ENOMEM, "out of memory");
        else if ((rc = sp_commit_decode(&ix->a, b.p, b.n, &c, why)) != 0)
            sp_seterr(err, rc, "%.200s/%s: %s", src->path, name, why);
        else
            sp_commit_free(&ix->a, &c);
        sp_buf_free(&b);
    }
    /* the deletion files (decoded with their CRC32 again) */
    for (size_t i = src->first; i < src->first + src->n && !rc; i++) {
        const sp_dels *d = ix->part[i].dels;
        if (!d) continue;
        sp_delset ds;
        rc = sp_delset_read(&ix->a, dirfd, src->path, d->seg_id, d->gen, &ds, err);
        if (rc == SPASM_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (!rc) sp_delset_free(&ix->a, &ds);
    }
    close(dirfd);
    return rc;
}
