/*
 * live.c -- spasm_updater: the writer of a live index folder (docs/LIVE.md).
 *
 * Adds go to a pending spasm_writer (made on the first add) whose file
 * becomes the segment seg-ID.sps of the folder at commit; deletes are
 * recorded with the number of documents added before them, so that the
 * commit can replay the batch in order (live_delete.c).  A commit then
 * writes the deletion files of the segments it changes, runs the merge
 * policy (live_merge.c), writes the commit point, and removes the files
 * that neither of the two newest commit points names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "index.h"
#include "live.h"
#include "writer.h"

int sp_live_err(spasm_updater *u, int code, const char *fmt, ...)
{
    if (u->rc) return u->rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->errmsg, sizeof u->errmsg, fmt, ap);
    va_end(ap);
    return u->rc = code;
}

int sp_live_fail(spasm_updater *u, int code)
{
    if (!u->rc) u->rc = code;
    return u->rc;
}

void sp_live_warn(spasm_updater *u, const char *fmt, ...)
{
    if (!u->wopt.on_event) return;
    char msg[SP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    static const spasm_writer_stats none;
    u->wopt.on_event(u->wopt.event_ud, SPASM_EVENT_WARNING, msg,
                     u->w ? spasm_writer_get_stats(u->w) : &none);
}

/* Settle the BM25 defaults and flags of new segments: the folder's when
 * it has a commit point (other values asked for are an error), else the
 * options'. */
static int settle_defaults(spasm_updater *u, const spasm_writer_options *opt)
{
    if (!(opt->k1 >= 0 && opt->k1 <= SPASM_K1_MAX))
        return sp_live_err(u, SPASM_EINVAL,
                           "k1 must be above 0 and at most %g (or 0 for the default, %g), not %g",
                           SPASM_K1_MAX, SP_DEFAULT_K1, opt->k1);
    if (!(opt->b >= 0 && opt->b <= 1) && opt->b != SPASM_B_DEFAULT)
        return sp_live_err(u, SPASM_EINVAL,
                           "b must be from 0 to 1 (or %g for the default, %g), not %g",
                           SPASM_B_DEFAULT, SP_DEFAULT_B, opt->b);
    if (!u->has_commit) {
        u->wopt.k1 = opt->k1 > 0 ? opt->k1 : SP_DEFAULT_K1;
        u->wopt.b = opt->b == SPASM_B_DEFAULT ? SP_DEFAULT_B : opt->b;
        u->wopt.no_stopwords = opt->no_stopwords != 0;
        u->wopt.variants =
            sp_variants_wanted(opt->variants) ? SPASM_VARIANTS_ON : SPASM_VARIANTS_OFF;
        return 0;
    }
    const sp_commit *c = &u->cur;
    if ((opt->k1 > 0 && opt->k1 != c->k1) || (opt->b != SPASM_B_DEFAULT && opt->b != c->b))
        return sp_live_err(u, SPASM_EINVAL,
                           "%s: the index's BM25 defaults are k1 %g, b %g; an update cannot "
                           "change them (rebuild the index to)",
                           u->path, c->k1, c->b);
    if (opt->no_stopwords && !(c->flags & SP_FLAG_NO_STOPWORDS))
        return sp_live_err(u, SPASM_EINVAL,
                           "%s: the index drops stop words from queries by default; an update "
                           "cannot change that (rebuild the index to)",
                           u->path);
    u->wopt.k1 = c->k1;
    u->wopt.b = c->b;
    u->wopt.no_stopwords = (c->flags & SP_FLAG_NO_STOPWORDS) != 0;
    /* Spelling variants: the folder's, whatever the default of new indexes
     * (an old folder keeps answering as before); asking for the other is
     * an error. */
    int fold = (c->flags & SP_FLAG_VARIANTS) != 0;
    if ((opt->variants == SPASM_VARIANTS_ON && !fold) ||
        (opt->variants == SPASM_VARIANTS_OFF && fold))
        return sp_live_err(u, SPASM_EINVAL,
                           "%s: the index %s spelling variants; an update cannot change that "
                           "(rebuild the index to)",
                           u->path, fold ? "folds" : "does not fold");
    u->wopt.variants = fold ? SPASM_VARIANTS_ON : SPASM_VARIANTS_OFF;
    return 0;
}

/* Fill the stats that describe the last commit. */
static void collection_stats(spasm_updater *u)
{
    spasm_updater_stats *st = &u->st;
    st->generation = u->has_commit ? u->cur.gen : 0;
    st->commit_time = u->cur.time;
    st->segments = u->nsegs;
    st->live_documents = st->deleted_documents = st->live_passages = st->deleted_passages = 0;
    for (size_t i = 0; i < u->nsegs; i++) {
        const sp_cp_seg *e = &u->segs[i].e;
        st->live_documents += e->ndocs - e->del_docs;
        st->deleted_documents += e->del_docs;
        st->live_passages += e->npass - e->del_pass;
        st->deleted_passages += e->del_pass;
    }
}

int spasm_updater_open(spasm_updater **out, const char *path, const spasm_writer_options *opt)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    spasm_writer_options def = {0};
    def.b = SPASM_B_DEFAULT;
    if (!opt) opt = &def;
    sp_alloc a;
    sp_alloc_init(&a, opt->alloc, opt->alloc_ud);
    spasm_updater *u = sp_calloc(&a, sizeof *u);
    if (!u) return SPASM_ENOMEM;
    *out = u;
    u->a = a;
    u->dirfd = u->lockfd = -1;
    u->wopt = *opt;
    u->wopt.force = 0;
    u->merge_tier_factor = SP_MERGE_WIDTH;
    u->merge_width = SP_MERGE_WIDTH;
    u->merge_deleted_share = 0.3;
    u->del_part_min = 64;
    if (!path || !*path) return sp_live_err(u, SPASM_EINVAL, "no index path given");
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    u->path = sp_strndup(&u->a, path, n);
    if (!u->path) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    if (sp_live_open_folder(u) || sp_live_load(u) || settle_defaults(u, opt)) return u->rc;
    u->st.leftovers_removed = sp_live_sweep(u);
    collection_stats(u);
    return 0;
}

/* The pending segment's writer, made on the first add.  0 or the error. */
static int pending_writer(spasm_updater *u)
{
    if (u->rc) return u->rc;
    if (u->w) return 0;
    uint64_t id = u->next_seg++;
    char name[64];
    sp_seg_name(name, id);
    size_t plen = strlen(u->path) + 80;
    char *path = sp_malloc(&u->a, plen);
    if (!path) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    snprintf(path, plen, "%s/%s", u->path, name);
    int rc = spasm_writer_new(&u->w, path, &u->wopt);
    sp_free(&u->a, path);
    if (rc) {
        sp_live_err(u, rc, "%s", spasm_writer_errmsg(u->w));
        spasm_writer_abandon(u->w);
        u->w = NULL;
        return rc;
    }
    u->w->live_segment = 1;
    u->w->xdup_mode = u->xdup_mode;
    u->w->skey_off = u->skey_off;
    u->w_id = id;
    return 0;
}

/* After a call on the pending writer: its error becomes the updater's. */
static int forward(spasm_updater *u, int rc)
{
    u->changed = 1;
    if (rc) return sp_live_err(u, rc, "%s", spasm_writer_errmsg(u->w));
    return 0;
}

int spasm_updater_add(spasm_updater *u, const char *id, const char *title, const char *text,
                      size_t len)
{
    if (!u) return SPASM_EINVAL;
    if (pending_writer(u)) return u->rc;
    return forward(u, spasm_writer_add(u->w, id, title, text, len));
}

int spasm_updater_add_passages(spasm_updater *u, const char *id, const char *title,
                               const char *const *passages, const size_t *lens, size_t n)
{
    if (!u) return SPASM_EINVAL;
    if (pending_writer(u)) return u->rc;
    return forward(u, spasm_writer_add_passages(u->w, id, title, passages, lens, n));
}

int spasm_updater_add_path(spasm_updater *u, const char *path)
{
    if (!u) return SPASM_EINVAL;
    if (u->rc) return u->rc;
    struct stat a, b;
    if (path && stat(path, &a) == 0 && fstat(u->dirfd, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        return sp_live_err(u, SPASM_EINVAL, "%s: is the index itself, not an input", path);
    if (pending_writer(u)) return u->rc;
    return forward(u, spasm_writer_add_path(u->w, path));
}

int spasm_updater_add_fd(spasm_updater *u, int fd, const char *name, int format)
{
    if (!u) return SPASM_EINVAL;
    if (pending_writer(u)) return u->rc;
    return forward(u, spasm_writer_add_fd(u->w, fd, name, format));
}

int spasm_updater_delete(spasm_updater *u, const char *id)
{
    if (!u) return SPASM_EINVAL;
    if (u->rc) return u->rc;
    if (!id || !*id) return sp_live_err(u, SPASM_EINVAL, "spasm_updater_delete: no id given");
    if (u->nops == u->capops) {
        size_t cap = u->capops ? u->capops * 2 : 64;
        sp_live_op *v = sp_realloc(&u->a, u->ops, cap * sizeof *v);
        if (!v) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        u->ops = v;
        u->capops = cap;
    }
    char *copy = sp_strndup(&u->a, id, strlen(id));
    if (!copy) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    u->ops[u->nops].id = copy;
    u->ops[u->nops].wordless = 0;
    u->ops[u->nops++].pos = u->w ? spasm_writer_get_stats(u->w)->documents : 0;
    u->changed = 1;
    return 0;
}

/* Forget the batch's deletes. */
static void drop_ops(spasm_updater *u)
{
    for (size_t i = 0; i < u->nops; i++) sp_free(&u->a, u->ops[i].id);
    u->nops = 0;
}

int spasm_updater_delete_all(spasm_updater *u)
{
    if (!u) return SPASM_EINVAL;
    if (u->rc) return u->rc;
    spasm_writer_abandon(u->w); /* removes its temporary files */
    u->w = NULL;
    drop_ops(u);
    u->delete_all = 1;
    u->changed = 1;
    return 0;
}

/* The segments a commit is building: the collection, and the ones it no
 * longer holds (closed once the commit point is published). */
typedef struct building {
    sp_live_seg *v;
    size_t n, cap;
} building;

static int push_seg(spasm_updater *u, building *b, const sp_live_seg *s)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        sp_live_seg *v = sp_realloc(&u->a, b->v, cap * sizeof *v);
        if (!v) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = *s;
    return 0;
}

/* The index of segment id among segs[0, n), or -1. */
static long seg_index(const sp_live_seg *segs, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (segs[i].e.id == id) return (long)i;
    return -1;
}

/*
 * A batch whose documents have no word between them writes no segment,
 * but its adds still replace: each becomes an op (wordless) at its place
 * among the deletes -- after the deletes made once it was added -- that
 * deletes the committed document of its id, so that the old text of a
 * document emptied by an update does not stay searchable.  0 or the error.
 */
static int wordless_ops(spasm_updater *u)
{
    const spasm_writer *w = u->w;
    size_t nd = (size_t)w->ndocs, n = u->nops + nd;
    if (nd == 0) return 0;
    if (w->didoff.n < 4 * nd) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    sp_live_op *v = sp_calloc(&u->a, n * sizeof *v);
    if (!v) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    size_t k = 0, j = 0;
    for (size_t d = 0; d <= nd; d++) {
        for (; j < u->nops && (d == nd || u->ops[j].pos <= d); j++) v[k++] = u->ops[j];
        if (d == nd) break;
        uint32_t start = d ? sp_get_u32(w->didoff.p + 4 * (d - 1)) : 0;
        uint32_t end = sp_get_u32(w->didoff.p + 4 * d);
        char *id = sp_strndup(&u->a, (const char *)w->dids.p + start, end - start);
        if (!id) {
            for (size_t i = u->nops; i < k; i++)
                if (v[i].wordless) sp_free(&u->a, v[i].id);
            sp_free(&u->a, v);
            return sp_live_err(u, SPASM_ENOMEM, "out of memory");
        }
        v[k++] = (sp_live_op){id, 0, 1};
    }
    sp_free(&u->a, u->ops);
    u->ops = v;
    u->nops = u->capops = n;
    return 0;
}

/* Finish the pending writer into its segment: *has_new and s filled. */
static int finish_pending(spasm_updater *u, sp_live_seg *s, int *has_new)
{
    *has_new = 0;
    if (!u->w) return 0;
    /* its near-duplicates in the committed segments (XDUP, dups_cross.c) */
    int rc = sp_live_xsrc(u, u->w, u->segs, u->delete_all ? 0 : u->nsegs, 0, 0);
    if (rc) return rc;
    rc = spasm_writer_commit(u->w);
    sp_live_xsrc_done(u, u->w);
    uint64_t ndocs = spasm_writer_get_stats(u->w)->documents;
    if (rc == SPASM_EEMPTY) {
        sp_live_warn(u,
                     "%llu document(s) added with no words in them: not kept (each still "
                     "replaces an earlier document of its id)",
                     (unsigned long long)ndocs);
        rc = wordless_ops(u);
        if (rc) {
            spasm_writer_abandon(u->w);
            u->w = NULL;
            return rc;
        }
    } else if (rc) {
        return sp_live_err(u, rc, "%s", spasm_writer_errmsg(u->w));
    } else {
        *has_new = 1;
    }
    spasm_writer_abandon(u->w);
    u->w = NULL;
    if (!*has_new) {
        /* the deletes now all come after zero documents */
        for (size_t i = 0; i < u->nops; i++) u->ops[i].pos = 0;
        return 0;
    }
    rc = sp_live_seg_fresh(u, u->w_id, s);
    if (rc) {
        sp_live_seg_close(u, s);
        char name[64];
        sp_seg_name(name, u->w_id);
        unlinkat(u->dirfd, name, 0);
        return rc;
    }
    u->st.added += s->e.ndocs;
    return 0;
}

/* The files a commit has written and not yet synced (publish). */
typedef struct pending_files {
    int fds[SP_LIVE_SYNC_MAX];
    char names[SP_LIVE_SYNC_MAX][64];
    const char *np[SP_LIVE_SYNC_MAX];
    size_t n;
} pending_files;

/* Sync the files of pf and the folder all at once, then close them. */
static int sync_pending(spasm_updater *u, pending_files *pf)
{
    pf->fds[pf->n] = u->dirfd;
    snprintf(pf->names[pf->n], sizeof pf->names[0], ".");
    for (size_t i = 0; i <= pf->n; i++) pf->np[i] = pf->names[i];
    int rc = sp_live_sync_all(u, pf->fds, pf->np, pf->n + 1);
    for (size_t i = 0; i < pf->n; i++) close(pf->fds[i]);
    pf->n = 0;
    return rc;
}

/* Add the open file fd (named name) to pf, syncing what pf holds first
 * when it is full. */
static int add_pending(spasm_updater *u, pending_files *pf, int fd, const char *name)
{
    if (pf->n + 1 >= SP_LIVE_SYNC_MAX && sync_pending(u, pf)) {
        close(fd);
        return u->rc;
    }
    pf->fds[pf->n] = fd;
    snprintf(pf->names[pf->n++], sizeof pf->names[0], "%s", name);
    return 0;
}

/* Is segment id named by the last commit (its file synced before)? */
static int committed_seg(const spasm_updater *u, uint64_t id)
{
    for (uint32_t i = 0; i < u->cur.nseg; i++)
        if (u->cur.seg[i].id == id) return 1;
    return 0;
}

/* Write the deletion files and the commit point of generation gen for
 * segs[0, n), make them and the commit's new segments durable, then
 * rename the commit point into place and fsync the folder (docs/LIVE.md,
 * "Syncs").  *c receives the commit (its seg owned). */
static int publish(spasm_updater *u, const sp_live_seg *segs, size_t n, uint64_t gen, sp_commit *c)
{
    memset(c, 0, sizeof *c);
    c->gen = gen;
    c->next_seg = u->next_seg;
    c->time = (uint64_t)time(NULL);
    c->flags = u->wopt.no_stopwords ? SP_FLAG_NO_STOPWORDS : 0;
    if (u->wopt.variants == SPASM_VARIANTS_ON) c->flags |= SP_FLAG_VARIANTS;
    c->k1 = u->wopt.k1;
    c->b = u->wopt.b;
    c->nseg = (uint32_t)n;
    c->seg = sp_calloc(&u->a, (n + 1) * sizeof *c->seg);
    if (!c->seg) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    pending_files pf;
    pf.n = 0;
    sp_buf b;
    sp_buf_init(&b, &u->a);
    int rc = 0, fd;
    char tmp[128];
    for (size_t i = 0; i < n && !rc; i++) {
        c->seg[i] = segs[i].e;
        char name[64];
        if (!committed_seg(u, segs[i].e.id)) { /* written by this commit, not synced */
            sp_seg_name(name, segs[i].e.id);
            fd = openat(u->dirfd, name, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                rc = sp_live_err(u, SPASM_EIO, "%s/%s: cannot open to sync: %s", u->path, name,
                                 strerror(errno));
            else
                rc = add_pending(u, &pf, fd, name);
        }
        if (rc || !segs[i].has_nds) continue;
        /* named by no commit point until the rename below: renamed now */
        sp_del_name(name, segs[i].e.id, gen);
        b.n = 0;
        if (sp_delset_encode(&segs[i].nds, &b))
            rc = sp_live_err(u, SPASM_ENOMEM, "out of memory");
        else if (sp_live_write_tmp(u, name, b.p, b.n, tmp, sizeof tmp, &fd))
            rc = sp_live_fail(u, SPASM_EIO);
        else if (renameat(u->dirfd, tmp, u->dirfd, name) != 0) {
            rc = sp_live_err(u, SPASM_EIO, "%s/%s: cannot rename: %s", u->path, name,
                             strerror(errno));
            unlinkat(u->dirfd, tmp, 0);
            close(fd);
        } else
            rc = add_pending(u, &pf, fd, name);
        c->seg[i].del_gen = gen;
    }
    char name[64];
    sp_cp_name(name, gen);
    int cpfd = -1;
    if (!rc) {
        b.n = 0;
        if (sp_commit_encode(c, &b))
            rc = sp_live_err(u, SPASM_ENOMEM, "out of memory");
        else if (sp_live_write_tmp(u, name, b.p, b.n, tmp, sizeof tmp, &cpfd))
            rc = sp_live_fail(u, SPASM_EIO);
        else if ((fd = dup(cpfd)) < 0)
            rc = sp_live_err(u, SPASM_EIO, "%s: %s", u->path, strerror(errno));
        else
            rc = add_pending(u, &pf, fd, tmp);
    }
    if (!rc) rc = sync_pending(u, &pf); /* every byte and name, at once */
    for (size_t i = 0; i < pf.n; i++) close(pf.fds[i]);
    if (!rc && renameat(u->dirfd, tmp, u->dirfd, name) != 0)
        rc = sp_live_err(u, SPASM_EIO, "%s/%s: cannot rename: %s", u->path, name, strerror(errno));
    if (cpfd >= 0) {
        if (rc) unlinkat(u->dirfd, tmp, 0);
        close(cpfd); /* its lock held until it has its name */
    }
    if (!rc && fsync(u->dirfd) != 0)
        rc = sp_live_err(u, SPASM_EIO, "%s: cannot sync the folder: %s", u->path, strerror(errno));
    sp_buf_free(&b);
    if (rc) sp_commit_free(&u->a, c);
    return rc;
}

/* Superseded files are removed (sp_live_sweep) every SWEEP_COMMITS
 * commits, or as soon as the segments superseded since the last sweep
 * hold SWEEP_BYTES, and at close: an unlink frees blocks, which on a
 * file system mounted with discard makes the next fsync wait for the
 * discard, so one sweep per commit cost a single-document commit more
 * than its own writes (docs/LIVE.md, "Syncs").  Until then the older
 * commit points and their files stay, all valid. */
#define SWEEP_COMMITS 16
#define SWEEP_BYTES (64u << 20)

/* Sweep when due (force: whenever a commit was published unswept). */
static void maybe_sweep(spasm_updater *u, int force)
{
    if (!u->unswept || (!force && u->unswept < SWEEP_COMMITS && u->gone_bytes < SWEEP_BYTES))
        return;
    sp_live_sweep(u);
    u->unswept = 0;
    u->gone_bytes = 0;
}

/* The end of a commit (published or failed): the batch is forgotten. */
static void reset_batch(spasm_updater *u)
{
    drop_ops(u);
    u->delete_all = u->optimize = u->changed = 0;
}

int spasm_updater_commit(spasm_updater *u)
{
    if (!u) return SPASM_EINVAL;
    if (u->rc) return u->rc;
    if (u->wopt.cancel && *u->wopt.cancel) return sp_live_err(u, SPASM_ECANCELED, "interrupted");
    int merge_all = u->optimize && (u->nsegs > 1 || (u->nsegs == 1 && u->segs[0].e.del_docs));
    if (!u->changed && u->has_commit && !merge_all) {
        u->optimize = 0;
        return 0;
    }
    sp_live_seg nw;
    int has_new;
    if (finish_pending(u, &nw, &has_new)) return u->rc;
    building list = {0}, gone = {0};
    int rc = 0;
    for (size_t i = 0; i < u->nsegs && !rc; i++)
        rc = push_seg(u, u->delete_all ? &gone : &list, &u->segs[i]);
    int nw_in = 0;
    if (!rc && has_new) nw_in = (rc = push_seg(u, &list, &nw)) == 0;
    if (has_new && !nw_in) { /* not in the list: closed here */
        sp_live_seg_unlink(u, &nw);
        sp_live_seg_close(u, &nw);
    }
    uint64_t gen = SP_MAX(u->max_gen, u->cur.gen) + 1;
    if (!rc) rc = sp_live_replay(u, list.v, list.n, has_new);
    /* deletion sets; a segment left with no live document leaves */
    size_t k = 0;
    for (size_t i = 0; i < list.n && !rc; i++) {
        sp_live_seg *s = &list.v[i];
        if (s->nnew) rc = sp_live_build_delset(u, s, gen);
        if (rc) break;
        if (s->e.del_docs == s->e.ndocs)
            rc = push_seg(u, &gone, s);
        else
            list.v[k++] = *s;
    }
    if (!rc) list.n = k;
    if (!rc) {
        size_t before = list.n;
        rc = sp_live_merge(u, list.v, &list.n, &gone.v, &gone.n, &gone.cap);
        SP_UNUSED(before);
    }
    sp_commit c;
    if (!rc) rc = publish(u, list.v, list.n, gen, &c);
    if (rc) {
        /* the last commit stays; close and remove what this one made */
        building *bs[2] = {&list, &gone};
        for (int j = 0; j < 2; j++)
            for (size_t i = 0; i < bs[j]->n; i++) {
                sp_live_seg *x = &bs[j]->v[i];
                long at = seg_index(u->segs, u->nsegs, x->e.id);
                if (at >= 0) {
                    u->segs[at] = *x; /* its state (arrays grown) goes back */
                } else {
                    sp_live_seg_unlink(u, x);
                    sp_live_seg_close(u, x);
                }
            }
        sp_free(&u->a, list.v);
        sp_free(&u->a, gone.v);
        reset_batch(u);
        return u->rc;
    }
    /* published: the new commit is the last, the last the previous */
    for (size_t i = 0; i < list.n; i++) {
        sp_live_seg *s = &list.v[i];
        s->e.del_gen = c.seg[i].del_gen;
        if (s->has_nds) {
            sp_delset_free(&u->a, &s->ds);
            s->ds = s->nds;
            s->has_nds = 0;
            memset(&s->nds, 0, sizeof s->nds);
        }
        s->nnew = 0;
    }
    for (size_t i = 0; i < gone.n; i++) {
        u->gone_bytes += gone.v[i].e.size;
        sp_live_seg_close(u, &gone.v[i]);
    }
    sp_free(&u->a, gone.v);
    sp_commit_free(&u->a, &u->prev);
    u->prev = u->cur;
    u->cur = c;
    u->has_commit = 1;
    u->max_gen = gen;
    sp_free(&u->a, u->segs);
    u->segs = list.v;
    u->nsegs = list.n;
    reset_batch(u);
    u->unswept++;
    maybe_sweep(u, 0);
    collection_stats(u);
    return 0;
}

int spasm_updater_optimize(spasm_updater *u)
{
    if (!u) return SPASM_EINVAL;
    if (u->rc) return u->rc;
    u->optimize = 1;
    return spasm_updater_commit(u);
}

void spasm_updater_close(spasm_updater *u)
{
    if (!u) return;
    spasm_writer_abandon(u->w);
    if (!u->rc && u->dirfd >= 0 && u->lockfd >= 0) maybe_sweep(u, 1); /* still locked */
    for (size_t i = 0; i < u->nsegs; i++) sp_live_seg_close(u, &u->segs[i]);
    sp_free(&u->a, u->segs);
    drop_ops(u);
    sp_free(&u->a, u->ops);
    sp_commit_free(&u->a, &u->cur);
    sp_commit_free(&u->a, &u->prev);
    if (u->lockfd >= 0) close(u->lockfd); /* unlocks */
    if (u->dirfd >= 0) close(u->dirfd);
    sp_free(&u->a, u->path);
    sp_alloc a = u->a;
    sp_free(&a, u);
}

const char *spasm_updater_errmsg(const spasm_updater *u)
{
    if (!u) return "out of memory";
    return u->errmsg;
}

void spasm_updater_get_stats(const spasm_updater *u, spasm_updater_stats *out)
{
    if (!out) return;
    if (!u) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = u->st;
}
