/*
 * collection.c -- an open index as a collection of segments: spasm_open()
 * (a format-1 file is one segment; a live folder, docs/LIVE.md, is the
 * segments of its newest commit point, live.c), spasm_open_many()
 * (several files or folders searched as one, document-partitioned
 * shards), spasm_refresh(), and the global numbering and statistics.
 *
 * Global numbering: passages and documents are numbered by concatenating
 * the segments in order (deleted ones keep their numbers).  Statistics
 * count live passages only: N = sum of (passages - deleted passages), the
 * average length = (tokens - deleted tokens) / N, a term's df = sum of
 * (its df - its deleted df) (terms.c), so a collection ranks exactly like
 * a from-scratch index of its live documents in collection order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "synonyms.h"

static int ixfail(spasm_index *ix, int code, const char *fmt, ...) SP_PRINTF(3, 4);
/* Record the handle's error: message and state. */
static int ixfail(spasm_index *ix, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix->errmsg, sizeof ix->errmsg, fmt, ap);
    va_end(ap);
    return ix->rc = code;
}

void sp_dels_release(sp_dels *d)
{
    if (!d || atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1) return;
    sp_alloc a = d->a;
    sp_free(&a, d->pass);
    sp_free(&a, d->docs);
    sp_free(&a, d->term_off);
    sp_free(&a, d->term_df);
    sp_free(&a, d);
}

int sp_col_add_part(spasm_index *ix, sp_seg *seg, sp_dels *dels, uint64_t id)
{
    if (ix->nparts % 16 == 0) {
        sp_part *v = sp_realloc(&ix->a, ix->part, (ix->nparts + 16) * sizeof *v);
        if (!v) {
            sp_seg_release(seg);
            sp_dels_release(dels);
            return ixfail(ix, SPASM_ENOMEM, "out of memory");
        }
        ix->part = v;
    }
    sp_part *p = &ix->part[ix->nparts++];
    memset(p, 0, sizeof *p);
    p->seg = seg;
    p->dels = dels;
    p->del = dels ? dels->pass : NULL;
    p->id = id;
    return 0;
}

void sp_col_drop_parts(spasm_index *ix, size_t from)
{
    while (ix->nparts > from) {
        sp_part *p = &ix->part[--ix->nparts];
        sp_seg_release(p->seg);
        sp_dels_release(p->dels);
    }
}

void sp_col_note(spasm_index *ix, const char *msg, size_t len)
{
    size_t have = ix->notes ? strlen(ix->notes) : 0;
    while (len && msg[len - 1] == '\n') len--;
    if (!len) return;
    char *n = sp_realloc(&ix->a, ix->notes, have + len + 2);
    if (!n) return; /* a note is best effort */
    if (have) n[have++] = '\n';
    memcpy(n + have, msg, len);
    n[have + len] = 0;
    ix->notes = n;
}

/* A segment of old with the same file (device and inode) as path, or NULL. */
static sp_seg *reuse_file(const spasm_index *old, const struct stat *st)
{
    for (size_t i = 0; old && i < old->nparts; i++) {
        struct stat o;
        const sp_seg *g = old->part[i].seg;
        if (old->part[i].id == 0 && fstat(g->fd, &o) == 0 && o.st_dev == st->st_dev &&
            o.st_ino == st->st_ino && o.st_size == st->st_size &&
            o.st_mtim.tv_sec == st->st_mtim.tv_sec && o.st_mtim.tv_nsec == st->st_mtim.tv_nsec)
            return sp_seg_retain(old->part[i].seg);
    }
    return NULL;
}

/* Open source i (a file or a folder) into ix's parts, reusing old's. */
static int open_source(spasm_index *ix, size_t i, const spasm_index *old)
{
    sp_source *src = &ix->src[i];
    src->first = ix->nparts;
    struct stat st;
    if (stat(src->path, &st) != 0)
        return ixfail(ix, SPASM_EIO, "%.200s: cannot open: %s", src->path, strerror(errno));
    int rc;
    if (S_ISDIR(st.st_mode)) {
        src->is_dir = 1;
        rc = sp_live_open(ix, src, old);
    } else {
        sp_seg *g = reuse_file(old, &st);
        char err[SP_ERRMSG_MAX];
        if (!g &&
            (rc = sp_seg_open(&ix->a, AT_FDCWD, src->path, src->path, ix->open_flags, &g, err)))
            return ixfail(ix, rc, "%s", err);
        if (i == 0) {
            ix->k1 = g->k1;
            ix->b = g->b;
            ix->flags = g->flags;
        }
        rc = sp_col_add_part(ix, g, NULL, 0);
    }
    src->n = ix->nparts - src->first;
    return rc;
}

/* Number the parts and add up the live statistics. */
/* The synonyms stored in the first segment that has them (SYNS), parsed
 * with this library's analyser; a table that no longer parses is left
 * out with a note.  0 or an error code. */
static int load_synonyms(spasm_index *ix)
{
    for (size_t i = 0; i < ix->nparts; i++) {
        sp_seg *g = ix->part[i].seg;
        if (!g->syns.p) continue;
        char err[SP_ERRMSG_MAX];
        if (sp_ix_ensure(g, g->syns.off, g->syns.len, err))
            return ixfail(ix, SPASM_ECORRUPT, "%s", err);
        int rc = spasm_synonyms_parse(&ix->synonyms, "the index's synonyms",
                                      (const char *)g->syns.p, g->syns.len);
        if (rc == SPASM_ENOMEM) return ixfail(ix, rc, "out of memory");
        if (rc) {
            sp_col_note(ix, spasm_synonyms_errmsg(ix->synonyms),
                        strlen(spasm_synonyms_errmsg(ix->synonyms)));
            spasm_synonyms_free(ix->synonyms);
            ix->synonyms = NULL;
        }
        return 0;
    }
    return 0;
}

static int finish(spasm_index *ix)
{
    uint64_t np = 0, nd = 0;
    ix->sigs = ix->nparts > 0;
    for (size_t i = 0; i < ix->nparts; i++) {
        sp_part *p = &ix->part[i];
        const sp_seg *g = p->seg;
        p->pbase = (uint32_t)np;
        p->dbase = (uint32_t)nd;
        np += g->npass;
        nd += g->ndocs;
        if (np >= UINT32_MAX || nd >= UINT32_MAX)
            return ixfail(ix, SPASM_EINVAL,
                          "%.200s: the collection has more than 4,294,967,294 passages", ix->path);
        ix->tokens += g->tokens - (p->dels ? p->dels->tokens : 0);
        ix->del_pass += p->dels ? p->dels->npass : 0;
        ix->del_docs += p->dels ? p->dels->ndocs : 0;
        ix->nterms += g->nterms;
        ix->bytes += g->size;
        if (!g->sigs.p) ix->sigs = 0;
        if (g->k1 != ix->k1 || g->b != ix->b) {
            char m[SP_ERRMSG_MAX];
            snprintf(m, sizeof m,
                     "%.200s: stored BM25 defaults k1 %g b %g differ from the first index's "
                     "(k1 %g b %g), which apply",
                     g->path, g->k1, g->b, ix->k1, ix->b);
            if (!ix->notes || !strstr(ix->notes, g->path)) sp_col_note(ix, m, strlen(m));
        }
        if ((g->flags ^ ix->flags) & SP_FLAG_VARIANTS) {
            char m[SP_ERRMSG_MAX];
            snprintf(m, sizeof m,
                     "%.200s: %s spelling variants and the first index %s; queries follow the "
                     "first",
                     g->path, g->flags & SP_FLAG_VARIANTS ? "folds" : "does not fold",
                     ix->flags & SP_FLAG_VARIANTS ? "does" : "does not");
            if (!ix->notes || !strstr(ix->notes, m)) sp_col_note(ix, m, strlen(m));
        }
    }
    ix->npass = np;
    ix->ndocs = nd;
    ix->live_pass = np - ix->del_pass;
    ix->live_docs = nd - ix->del_docs;
    int rc = load_synonyms(ix);
    if (rc) return rc;
    ix->avgdl = ix->live_pass ? (double)ix->tokens / (double)ix->live_pass : 1;
    for (size_t i = 0; i < ix->nsrc; i++) {
        ix->gen += ix->src[i].gen;
        if (ix->src[i].is_dir) ix->format = 2;
    }
    return 0;
}

/* A new handle on the sources paths[0, n), reusing old's segments. */
static int open_sources(spasm_index **out, const char *const *paths, size_t n,
                        const spasm_open_options *opt, const sp_alloc *alloc,
                        const spasm_index *old)
{
    sp_alloc a;
    if (alloc)
        a = *alloc;
    else
        sp_alloc_init(&a, opt ? opt->alloc : NULL, opt ? opt->alloc_ud : NULL);
    spasm_index *ix = sp_calloc(&a, sizeof *ix);
    *out = ix;
    if (!ix) return SPASM_ENOMEM;
    ix->a = a;
    ix->format = 1;
    ix->open_flags = opt ? opt->flags : old ? old->open_flags : 0;
    if (!paths || n == 0 || !paths[0]) return ixfail(ix, SPASM_EINVAL, "no index path given");
    if (!(ix->path = sp_strndup(&a, paths[0], strlen(paths[0]))) ||
        !(ix->src = sp_calloc(&a, n * sizeof *ix->src)))
        return ixfail(ix, SPASM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!paths[i]) return ixfail(ix, SPASM_EINVAL, "index path %zu is NULL", i);
        if (!(ix->src[i].path = sp_strndup(&a, paths[i], strlen(paths[i]))))
            return ixfail(ix, SPASM_ENOMEM, "out of memory");
        ix->nsrc = i + 1;
        int rc = open_source(ix, i, old);
        if (rc) return rc;
    }
    return finish(ix);
}

int spasm_open(spasm_index **out, const char *path, const spasm_open_options *opt)
{
    if (!out) return SPASM_EINVAL;
    return open_sources(out, &path, 1, opt, NULL, NULL);
}

int spasm_open_many(spasm_index **out, const char *const *paths, size_t n,
                    const spasm_open_options *opt)
{
    if (!out) return SPASM_EINVAL;
    return open_sources(out, paths, n, opt, NULL, NULL);
}

/* 1 when some source of ix has changed since it was opened. */
static int changed(const spasm_index *ix)
{
    for (size_t i = 0; i < ix->nsrc; i++) {
        const sp_source *src = &ix->src[i];
        struct stat st;
        if (stat(src->path, &st) != 0 || (S_ISDIR(st.st_mode) ? 1 : 0) != src->is_dir) return 1;
        if (src->is_dir) {
            if (sp_live_newest_gen(ix, src->path) != src->gen) return 1;
        } else {
            const sp_seg *g = ix->part[src->first].seg;
            if (src->n != 1 || sp_ix_check_file(g, (char[SP_ERRMSG_MAX]){0}) != 0) return 1;
            struct stat o;
            if (fstat(g->fd, &o) != 0 || o.st_dev != st.st_dev || o.st_ino != st.st_ino) return 1;
        }
    }
    return 0;
}

int spasm_refresh(spasm_index *ix, spasm_index **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!ix || ix->rc) return SPASM_EINVAL;
    if (!changed(ix)) return 0;
    const char **paths = sp_malloc(&ix->a, ix->nsrc * sizeof *paths);
    if (!paths) return SPASM_ENOMEM;
    for (size_t i = 0; i < ix->nsrc; i++) paths[i] = ix->src[i].path;
    int rc = open_sources(out, paths, ix->nsrc, NULL, &ix->a, ix);
    sp_free(&ix->a, paths);
    return rc;
}

void spasm_close(spasm_index *ix)
{
    if (!ix) return;
    spasm_synonyms_free(ix->synonyms);
    sp_xfold_free(ix);
    sp_col_drop_parts(ix, 0);
    sp_free(&ix->a, ix->part);
    for (size_t i = 0; i < ix->nsrc; i++) sp_free(&ix->a, ix->src[i].path);
    sp_free(&ix->a, ix->src);
    sp_free(&ix->a, ix->path);
    sp_free(&ix->a, ix->notes);
    sp_alloc a = ix->a;
    sp_free(&a, ix);
}

const char *spasm_index_errmsg(const spasm_index *ix)
{
    return ix ? ix->errmsg : "out of memory";
}

const char *spasm_index_notes(const spasm_index *ix)
{
    return ix && ix->notes ? ix->notes : "";
}

int spasm_index_verify(spasm_index *ix)
{
    if (!ix) return SPASM_EINVAL;
    if (ix->rc) return ix->rc;
    char err[SP_ERRMSG_MAX];
    for (size_t i = 0; i < ix->nparts; i++) {
        int rc = sp_seg_verify(ix->part[i].seg, err);
        if (rc) return ixfail(ix, rc, "%s", err);
    }
    for (size_t i = 0; i < ix->nsrc; i++) {
        int rc = ix->src[i].is_dir ? sp_live_verify(ix, &ix->src[i], err) : 0;
        if (rc) return ixfail(ix, rc, "%s", err);
    }
    return 0;
}

void spasm_index_get_stats(const spasm_index *ix, spasm_index_stats *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    if (!ix || ix->rc) return;
    o->documents = ix->live_docs;
    o->passages = ix->live_pass;
    o->terms = ix->nterms;
    o->tokens = ix->tokens;
    o->avg_passage_len = ix->avgdl;
    o->k1 = ix->k1;
    o->b = ix->b;
    o->file_bytes = ix->bytes;
    o->format_version = ix->format;
    o->generation = ix->gen;
    o->segments = ix->nparts;
    o->deleted_documents = ix->del_docs;
    o->deleted_passages = ix->del_pass;
}

const sp_part *sp_col_part_of_passage(const spasm_index *ix, uint32_t p)
{
    size_t lo = 0, hi = ix->nparts; /* the last part whose pbase <= p */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->part[mid].pbase <= p)
            lo = mid;
        else
            hi = mid;
    }
    return &ix->part[lo];
}

const sp_part *sp_col_part_of_doc(const spasm_index *ix, uint32_t d)
{
    size_t lo = 0, hi = ix->nparts;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->part[mid].dbase <= d)
            lo = mid;
        else
            hi = mid;
    }
    return &ix->part[lo];
}

int sp_col_check_files(const spasm_index *ix, char *err)
{
    for (size_t i = 0; i < ix->nparts; i++) {
        int rc = sp_ix_check_file(ix->part[i].seg, err);
        if (rc) return rc;
    }
    return 0;
}

int sp_col_check_files_turn(const spasm_index *ix, size_t *turn, char *err)
{
    size_t nlive = 0;
    for (size_t i = 0; i < ix->nparts; i++) {
        if (ix->part[i].id) { /* a live folder's segment: its turn below */
            nlive++;
            continue;
        }
        int rc = sp_ix_check_file(ix->part[i].seg, err);
        if (rc) return rc;
    }
    if (!nlive) return 0;
    size_t want = *turn % nlive, j = 0;
    for (size_t i = 0; i < ix->nparts; i++)
        if (ix->part[i].id && j++ == want) {
            int rc = sp_ix_check_file(ix->part[i].seg, err);
            if (!rc) ++*turn; /* a changed one stays the next to check: every call fails */
            return rc;
        }
    return 0;
}
