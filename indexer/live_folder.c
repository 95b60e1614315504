/*
 * live_folder.c -- the live index folder as the updater sees it: what may
 * be opened for updates (a live folder, or a path to create; never a
 * format-1 file or a foreign file or folder), the writer lock, the last
 * two commit points and the segments of the last, and the leftovers of
 * dead updaters (docs/LIVE.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "index.h"
#include "live.h"
#include "live_upgrade.h"
#include "search.h"
#include "sink.h"
#include "writer.h"

/* Is the folder `path` (open as dfd) one the updater may use: empty, or
 * holding a LOCK or a commit point?  1, 0, or -1 when it cannot be read. */
static int is_live_folder(int dfd)
{
    int fd = dup(dfd);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        if (fd >= 0) close(fd);
        return -1;
    }
    int entries = 0, ours = 0;
    struct dirent *e;
    uint64_t g;
    while ((e = readdir(dh))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        entries++;
        if (strcmp(e->d_name, "LOCK") == 0 || sp_cp_parse_name(e->d_name, &g)) ours = 1;
    }
    closedir(dh);
    return ours || entries == 0;
}

/* Take the folder's lock (LOCK, flock, our pid written in it). */
static int take_lock(spasm_updater *u)
{
    u->lockfd = openat(u->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (u->lockfd < 0)
        return sp_live_err(u, SPASM_EIO, "%s/LOCK: cannot open the lock: %s", u->path,
                           strerror(errno));
    if (flock(u->lockfd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e != EWOULDBLOCK)
            return sp_live_err(u, SPASM_EIO, "%s/LOCK: cannot lock: %s", u->path, strerror(e));
        char who[64] = "";
        ssize_t n = pread(u->lockfd, who, sizeof who - 1, 0);
        long pid = 0;
        if (n > 0) {
            who[n] = 0;
            sscanf(who, "pid %ld", &pid);
        }
        close(u->lockfd);
        u->lockfd = -1;
        if (pid > 0)
            return sp_live_err(u, SPASM_EBUSY,
                               "%s: locked by another updater (pid %ld); try again when it is done",
                               u->path, pid);
        return sp_live_err(u, SPASM_EBUSY,
                           "%s: locked by another updater (pid not yet written); try again later",
                           u->path);
    }
    char line[32];
    int len = snprintf(line, sizeof line, "pid %ld\n", (long)getpid());
    if (ftruncate(u->lockfd, 0) != 0 || pwrite(u->lockfd, line, (size_t)len, 0) != len)
        return sp_live_err(u, SPASM_EIO, "%s/LOCK: cannot write: %s", u->path, strerror(errno));
    return 0;
}

int sp_live_open_folder(spasm_updater *u)
{
    struct stat st;
    if (stat(u->path, &st) != 0) {
        if (errno != ENOENT) return sp_live_err(u, SPASM_EIO, "%s: %s", u->path, strerror(errno));
        if (mkdir(u->path, 0755) != 0 && errno != EEXIST)
            return sp_live_err(u, SPASM_EIO, "%s: cannot create the index folder: %s", u->path,
                               strerror(errno));
        if (stat(u->path, &st) != 0)
            return sp_live_err(u, SPASM_EIO, "%s: %s", u->path, strerror(errno));
    }
    if (S_ISREG(st.st_mode)) {
        char head[8] = {0};
        int fd = open(u->path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
        if (fd >= 0) close(fd);
        if (n != (ssize_t)sizeof head || memcmp(head, SP_MAGIC, sizeof head) != 0)
            return sp_live_err(u, SPASM_EINVAL,
                               "%s: is a file, not a live spasm index; not touching it", u->path);
        /* a single-file index (format 1) becomes a live folder on its first
         * update, atomically (live_upgrade.c) */
        int rc = sp_live_upgrade(&u->a, u->path, u->errmsg);
        if (rc) return sp_live_fail(u, rc);
        if (stat(u->path, &st) != 0)
            return sp_live_err(u, SPASM_EIO, "%s: %s", u->path, strerror(errno));
    }
    sp_live_sweep_siblings(&u->a, u->path); /* what dead upgrades left beside it */
    if (!S_ISDIR(st.st_mode))
        return sp_live_err(u, SPASM_EINVAL, "%s: not a folder or an index; not touching it",
                           u->path);
    u->dirfd = open(u->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (u->dirfd < 0)
        return sp_live_err(u, SPASM_EIO, "%s: cannot open the folder: %s", u->path,
                           strerror(errno));
    int live = is_live_folder(u->dirfd);
    if (live < 0)
        return sp_live_err(u, SPASM_EIO, "%s: cannot list the folder: %s", u->path,
                           strerror(errno));
    if (!live)
        return sp_live_err(u, SPASM_EINVAL,
                           "%s: a folder that is not a live spasm index (no LOCK, no commit "
                           "point, not empty); not touching it",
                           u->path);
    return take_lock(u);
}

/* Read and decode commit point `gen` into *c; 0 or an error (err set). */
static int read_commit(spasm_updater *u, uint64_t gen, sp_commit *c, char *err)
{
    char name[64];
    sp_cp_name(name, gen);
    int fd = openat(u->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return sp_seterr(err, SPASM_EIO, "%s: %s", name, strerror(errno));
    struct stat st;
    uint8_t *p = NULL;
    size_t n = 0;
    int rc = SPASM_EIO;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (p = sp_malloc(&u->a, (size_t)st.st_size + 1))) {
        ssize_t r = pread(fd, p, (size_t)st.st_size, 0);
        if (r >= 0) {
            n = (size_t)r;
            rc = 0;
        }
    }
    close(fd);
    if (!rc)
        rc = sp_commit_decode(&u->a, p, n, c, err);
    else
        sp_seterr(err, rc, "%s: cannot read", name);
    sp_free(&u->a, p);
    if (!rc && c->gen != gen) {
        sp_commit_free(&u->a, c);
        rc = sp_seterr(err, SPASM_ECORRUPT, "%s: holds another generation", name);
    }
    return rc;
}

/* The generations of the commit point names in the folder, descending. */
static int list_gens(spasm_updater *u, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = dup(u->dirfd);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        if (fd >= 0) close(fd);
        return sp_live_err(u, SPASM_EIO, "%s: cannot list the folder: %s", u->path,
                           strerror(errno));
    }
    rewinddir(dh);
    uint64_t *v = NULL, g;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (!sp_cp_parse_name(e->d_name, &g)) continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 8;
            uint64_t *nv = sp_realloc(&u->a, v, cap * sizeof *v);
            if (!nv) {
                sp_free(&u->a, v);
                closedir(dh);
                return sp_live_err(u, SPASM_ENOMEM, "out of memory");
            }
            v = nv;
        }
        v[cnt++] = g;
    }
    closedir(dh);
    for (size_t i = 1; i < cnt; i++)
        for (size_t j = i; j > 0 && v[j - 1] < v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    *n = cnt;
    return 0;
}

int sp_live_load(spasm_updater *u)
{
    sp_buf warn;
    sp_buf_init(&warn, &u->a);
    char err[SP_ERRMSG_MAX];
    int rc = sp_commit_read_newest(&u->a, u->dirfd, u->path, &u->cur, &warn, err);
    if (warn.n) {
        /* one event per line */
        char *p = (char *)warn.p, *end = p + warn.n;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) nl = end;
            sp_live_warn(u, "%.*s", (int)(nl - p), p);
            p = nl + 1;
        }
    }
    sp_buf_free(&warn);
    if (rc == SPASM_ENOTFOUND) {
        memset(&u->cur, 0, sizeof u->cur);
        u->next_seg = 1;
        return 0;
    }
    if (rc) return sp_live_err(u, rc, "%s", err);
    u->has_commit = 1;
    u->next_seg = u->cur.next_seg;
    uint64_t *gens;
    size_t n;
    if (list_gens(u, &gens, &n)) return u->rc;
    u->max_gen = n ? gens[0] : 0;
    if (u->max_gen < u->cur.gen) u->max_gen = u->cur.gen;
    for (size_t i = 0; i < n; i++) {
        if (gens[i] >= u->cur.gen) continue;
        if (read_commit(u, gens[i], &u->prev, err) == 0) break;
        memset(&u->prev, 0, sizeof u->prev);
    }
    sp_free(&u->a, gens);
    u->segs = sp_calloc(&u->a, (u->cur.nseg + 1) * sizeof *u->segs);
    if (!u->segs) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < u->cur.nseg; i++) {
        rc = sp_live_seg_open(u, &u->cur.seg[i], &u->segs[i]);
        u->nsegs = i + 1;
        if (rc) return rc;
    }
    return 0;
}

/* Is segment `id` (with deletion generation dgen, or any when dgen is
 * UINT64_MAX) named by commit c? */
static int names(const sp_commit *c, uint64_t id, uint64_t dgen)
{
    for (uint32_t i = 0; i < c->nseg; i++)
        if (c->seg[i].id == id && (dgen == UINT64_MAX || c->seg[i].del_gen == dgen)) return 1;
    return 0;
}

/* Remove `name` of the folder when no live process holds its lock. */
static int remove_if_dead(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    int removed = 0;
    struct stat a, b;
    if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        removed = unlinkat(dirfd, name, 0) == 0;
    close(fd);
    return removed;
}

uint64_t sp_live_sweep(spasm_updater *u)
{
    int fd = dup(u->dirfd);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        if (fd >= 0) close(fd);
        return 0;
    }
    rewinddir(dh);
    uint64_t removed = 0, id, gen;
    struct dirent *e;
    while ((e = readdir(dh))) {
        const char *nm = e->d_name;
        int drop = 0;
        if (sp_is_tmp_name(nm)) {
            removed += (uint64_t)remove_if_dead(u->dirfd, nm);
            continue;
        }
        if (sp_cp_parse_name(nm, &gen))
            drop = gen != u->cur.gen && gen != u->prev.gen;
        else if (sp_seg_parse_name(nm, &id)) {
            drop = !names(&u->cur, id, UINT64_MAX) && !names(&u->prev, id, UINT64_MAX);
            if (!drop && id >= u->next_seg) u->next_seg = id + 1;
        } else if (sp_del_parse_name(nm, &id, &gen))
            drop = !names(&u->cur, id, gen) && !names(&u->prev, id, gen);
        if (drop && unlinkat(u->dirfd, nm, 0) == 0) removed++;
    }
    closedir(dh);
    return removed;
}

int sp_live_seg_open(spasm_updater *u, const sp_cp_seg *e, sp_live_seg *s)
{
    memset(s, 0, sizeof *s);
    s->e = *e;
    char name[64];
    sp_seg_name(name, e->id);
    size_t plen = strlen(u->path) + 80;
    char *path = sp_malloc(&u->a, plen);
    if (!path) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    snprintf(path, plen, "%s/%s", u->path, name);
    struct stat st;
    uint8_t head[SP_HEADER_SIZE];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = sp_live_err(u, SPASM_ECORRUPT, "%s: a segment of the last commit is missing: %s", path,
                         strerror(errno));
    } else if ((uint64_t)st.st_size != e->size) {
        rc = sp_live_err(u, SPASM_ECORRUPT,
                         "%s: %llu bytes, but the commit point says %llu: damaged", path,
                         (unsigned long long)st.st_size, (unsigned long long)e->size);
    } else if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
               sp_crc32(0, head, sizeof head) != e->head_crc) {
        rc = sp_live_err(u, SPASM_ECORRUPT,
                         "%s: its header is not the one the commit point names: damaged", path);
    }
    if (fd >= 0) close(fd);
    if (!rc) {
        spasm_open_options oo = {0};
        oo.alloc = u->wopt.alloc;
        oo.alloc_ud = u->wopt.alloc_ud;
        int r = spasm_open(&s->ix, path, &oo);
        if (r) rc = sp_live_err(u, r, "%s", s->ix ? spasm_index_errmsg(s->ix) : "out of memory");
    }
    sp_free(&u->a, path);
    if (rc) return rc;
    if (s->ix->ndocs != e->ndocs || s->ix->npass != e->npass)
        return sp_live_err(u, SPASM_ECORRUPT,
                           "%s/%s: holds %llu documents, the commit point says %llu", u->path, name,
                           (unsigned long long)s->ix->ndocs, (unsigned long long)e->ndocs);
    rc = spasm_searcher_new(s->ix, &s->s);
    if (rc) return sp_live_err(u, rc, "%s/%s: %s", u->path, name, spasm_errstr(rc));
    s->del = sp_calloc(&u->a, (size_t)e->ndocs + 1);
    if (!s->del) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    if (!e->del_gen) return 0;
    char err[SP_ERRMSG_MAX];
    rc = sp_delset_read(&u->a, u->dirfd, u->path, e->id, e->del_gen, &s->ds, err);
    if (rc == SPASM_ENOTFOUND) rc = SPASM_ECORRUPT; /* named by the commit: must be there */
    if (rc) return sp_live_err(u, rc, "%s", err);
    if (s->ds.ndocs != e->del_docs || s->ds.npass != e->del_pass)
        return sp_live_err(u, SPASM_ECORRUPT,
                           "%s: deletion file of segment %016llx does not match the commit point",
                           u->path, (unsigned long long)e->id);
    for (uint64_t i = 0; i < s->ds.ndocs; i++) {
        if (s->ds.docs[i] >= e->ndocs)
            return sp_live_err(
                u, SPASM_ECORRUPT, "%s: deletion file of segment %016llx names document %u of %llu",
                u->path, (unsigned long long)e->id, s->ds.docs[i], (unsigned long long)e->ndocs);
        s->del[s->ds.docs[i]] = 1;
    }
    return 0;
}

void sp_live_seg_close(spasm_updater *u, sp_live_seg *s)
{
    spasm_searcher_free(s->s);
    spasm_close(s->ix);
    sp_free(&u->a, s->del);
    sp_free(&u->a, s->newdel);
    sp_delset_free(&u->a, &s->ds);
    if (s->has_nds) sp_delset_free(&u->a, &s->nds);
    memset(s, 0, sizeof *s);
}

void sp_live_seg_unlink(spasm_updater *u, const sp_live_seg *s)
{
    if (names(&u->cur, s->e.id, UINT64_MAX) || names(&u->prev, s->e.id, UINT64_MAX)) return;
    char name[64];
    sp_seg_name(name, s->e.id);
    unlinkat(u->dirfd, name, 0);
}

int sp_live_seg_fresh(spasm_updater *u, uint64_t id, sp_live_seg *s)
{
    memset(s, 0, sizeof *s);
    char name[64];
    sp_seg_name(name, id);
    sp_cp_seg e = {0};
    e.id = id;
    int fd = openat(u->dirfd, name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t head[SP_HEADER_SIZE];
    int ok =
        fd >= 0 && fstat(fd, &st) == 0 && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head;
    if (fd >= 0) close(fd);
    if (!ok)
        return sp_live_err(u, SPASM_EIO, "%s/%s: cannot read the new segment: %s", u->path, name,
                           strerror(errno));
    e.size = (uint64_t)st.st_size;
    e.head_crc = sp_crc32(0, head, sizeof head);
    spasm_index *ix;
    size_t plen = strlen(u->path) + 80;
    char *path = sp_malloc(&u->a, plen);
    if (!path) return sp_live_err(u, SPASM_ENOMEM, "out of memory");
    snprintf(path, plen, "%s/%s", u->path, name);
    spasm_open_options oo = {0};
    oo.alloc = u->wopt.alloc;
    oo.alloc_ud = u->wopt.alloc_ud;
    int rc = spasm_open(&ix, path, &oo);
    sp_free(&u->a, path);
    if (rc) {
        rc = sp_live_err(u, rc, "%s", ix ? spasm_index_errmsg(ix) : "out of memory");
        spasm_close(ix);
        return rc;
    }
    e.npass = ix->npass;
    e.ndocs = ix->ndocs;
    spasm_close(ix);
    return sp_live_seg_open(u, &e, s);
}
