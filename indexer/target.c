/*
 * target.c -- what a writer may replace, and what it leaves behind.
 *
 *   - The target: replaced only when it does not exist, is empty, or is a
 *     spasm index (its first 8 bytes are the magic), unless the writer was
 *     given `force`; never when it is a directory or not a regular file,
 *     and never when it is one of the inputs (same device and inode as a
 *     file read or a directory walked), force or not.  Checked when the
 *     writer starts and again just before the rename at commit.
 *   - Temporary files: TARGET.tmp-PID-HEX (the index being written),
 *     and beside it .runs and .posn.  Each is created by sp_tmp_create()
 *     (sink.c), which holds an exclusive flock() on it for as long as it
 *     exists.  A new writer first sweeps its target's directory: every
 *     TARGET.tmp-* file it can lock belongs to a writer that died (killed,
 *     crashed, power lost) and is removed.  A live writer's files stay
 *     locked, so two writers of one target never remove each other's
 *     files, and a reused pid changes nothing.
 *   - Inputs already seen: a set of (device, inode) pairs, so that every
 *     directory is entered once and every file read once (symlink loops).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "writer.h"

/* Is p "DIGITS-HEX", with an optional .runs or .posn after it? */
static int is_tmp_tail(const char *p)
{
    const char *q = p;
    while (*q >= '0' && *q <= '9') q++;
    if (q == p || *q != '-') return 0;
    p = ++q;
    while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')) q++;
    if (q == p) return 0;
    return *q == 0 || strcmp(q, ".runs") == 0 || strcmp(q, ".posn") == 0;
}

/* Is name (a directory entry) BASE.tmp-DIGITS-HEX[.runs|.posn]? */
static int is_tmp_name(const char *name, const char *base, size_t blen)
{
    return strncmp(name, base, blen) == 0 && strncmp(name + blen, ".tmp-", 5) == 0 &&
           is_tmp_tail(name + blen + 5);
}

int sp_is_tmp_name(const char *name)
{
    for (const char *p = strstr(name, ".tmp-"); p; p = strstr(p + 1, ".tmp-"))
        if (p > name && is_tmp_tail(p + 5)) return 1;
    return 0;
}

/* Remove path when no live writer holds its lock; 1 if removed. */
static int remove_if_dead(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    int removed = 0;
    struct stat a, b;
    if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        removed = unlink(path) == 0;
    close(fd);
    return removed;
}

void sp_tmp_sweep(spasm_writer *w)
{
    char *d = sp_strndup(&w->a, w->path, strlen(w->path));
    char *b = sp_strndup(&w->a, w->path, strlen(w->path));
    if (!d || !b) goto out;
    const char *dir = dirname(d), *base = basename(b);
    size_t blen = strlen(base), dlen = strlen(dir);
    DIR *dh = opendir(dir);
    if (!dh) goto out;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (!is_tmp_name(e->d_name, base, blen)) continue;
        size_t len = dlen + strlen(e->d_name) + 2;
        char *full = sp_malloc(&w->a, len);
        if (!full) break;
        snprintf(full, len, "%s/%s", dir, e->d_name);
        w->st.leftovers_removed += (uint64_t)remove_if_dead(full);
        sp_free(&w->a, full);
    }
    closedir(dh);
out:
    sp_free(&w->a, d);
    sp_free(&w->a, b);
}

int sp_target_check(spasm_writer *w, int at_commit)
{
    char *msg = w->errmsg;
    struct stat st;
    if (stat(w->path, &st) != 0) {
        if (errno == ENOENT) return 0;
        return sp_seterr(msg, SPASM_EIO, "%s: %s", w->path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return sp_seterr(msg, SPASM_EINVAL, "%s: is a directory, not an index file", w->path);
    if (!S_ISREG(st.st_mode))
        return sp_seterr(msg, SPASM_EINVAL, "%s: not a regular file; not replacing it", w->path);
    if (at_commit && sp_seen_has(w, (uint64_t)st.st_dev, (uint64_t)st.st_ino))
        return sp_seterr(msg, SPASM_EINVAL, "%s: is one of the inputs; not replacing it", w->path);
    if (!at_commit) {
        w->has_target = 1;
        w->target_dev = (uint64_t)st.st_dev;
        w->target_ino = (uint64_t)st.st_ino;
    }
    if (st.st_size == 0 || w->force) return 0;
    char head[8] = {0};
    int fd = open(w->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sp_seterr(msg, SPASM_EIO, "%s: cannot read it to check that it is an index: %s",
                         w->path, strerror(errno));
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n != (ssize_t)sizeof head || memcmp(head, SP_MAGIC, sizeof head) != 0)
        return sp_seterr(msg, SPASM_EINVAL,
                         "%s: exists and is not a spasm index; not replacing it (force: "
                         "spasm-index --force)",
                         w->path);
    return 0;
}

/* The slot of (dev, ino) in the set: where it is, or the empty one where
 * it would go. */
static size_t seen_slot(const spasm_writer *w, uint64_t dev, uint64_t ino)
{
    size_t mask = w->seen_cap - 1;
    size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ull) ^ (dev * 0xC2B2AE3D27D4EB4Full)) & mask;
    while (w->seen[2 * i + 1] && (w->seen[2 * i] != dev || w->seen[2 * i + 1] != ino + 1))
        i = (i + 1) & mask;
    return i;
}

int sp_seen_has(const spasm_writer *w, uint64_t dev, uint64_t ino)
{
    if (!w->seen_cap) return 0;
    size_t i = seen_slot(w, dev, ino);
    return w->seen[2 * i + 1] != 0;
}

int sp_seen_add(spasm_writer *w, uint64_t dev, uint64_t ino)
{
    if (2 * (w->seen_n + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 64;
        uint64_t *old = w->seen, *nw = sp_calloc(&w->a, cap * 2 * sizeof *nw);
        if (!nw) return -1;
        size_t ocap = w->seen_cap;
        w->seen = nw;
        w->seen_cap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (old[2 * i + 1]) {
                size_t j = seen_slot(w, old[2 * i], old[2 * i + 1] - 1);
                nw[2 * j] = old[2 * i];
                nw[2 * j + 1] = old[2 * i + 1];
            }
        sp_free(&w->a, old);
    }
    size_t i = seen_slot(w, dev, ino);
    if (w->seen[2 * i + 1]) return 1;
    w->seen[2 * i] = dev;
    w->seen[2 * i + 1] = ino + 1; /* 0 marks an empty slot */
    w->seen_n++;
    return 0;
}

/* Document d's id bytes (DIDS being built: u32 end offsets in didoff). */
static const uint8_t *doc_id(const spasm_writer *w, uint32_t d, size_t *len)
{
    uint32_t start = d ? sp_get_u32(w->didoff.p + 4 * (size_t)(d - 1)) : 0;
    *len = sp_get_u32(w->didoff.p + 4 * (size_t)d) - start;
    return w->dids.p + start;
}

void sp_writer_report_dups(spasm_writer *w)
{
    enum { EXAMPLES = 5 };
    uint32_t ex[EXAMPLES]; /* the first documents of the ids met first */
    size_t nex = 0;
    int more = 0; /* ids left out of the examples */
    uint64_t ndup = 0;
    const uint8_t *ix = w->idix.p;
    for (size_t i = 0; i < w->ndocs;) {
        size_t j = i + 1;
        while (j < w->ndocs &&
               sp_get_u64(ix + j * SP_IDIX_ENTRY) == sp_get_u64(ix + i * SP_IDIX_ENTRY))
            j++;
        /* entries i..j-1 share a hash, in document order */
        for (size_t a = i + 1; a < j; a++) {
            uint32_t da = sp_get_u32(ix + a * SP_IDIX_ENTRY + 8);
            size_t la, lb;
            const uint8_t *ia = doc_id(w, da, &la);
            for (size_t b = i; b < a; b++) {
                uint32_t db = sp_get_u32(ix + b * SP_IDIX_ENTRY + 8);
                const uint8_t *ib = doc_id(w, db, &lb);
                if (la != lb || memcmp(ia, ib, la) != 0) continue;
                ndup++;
                /* db is the first document with this id: an example once */
                int known = 0;
                for (size_t k = 0; k < nex; k++) known |= ex[k] == db;
                if (known) break;
                more |= nex == EXAMPLES;
                size_t k = nex < EXAMPLES ? nex++ : EXAMPLES;
                while (k > 0 && ex[k - 1] > db) {
                    if (k < EXAMPLES) ex[k] = ex[k - 1];
                    k--;
                }
                if (k < EXAMPLES) ex[k] = db;
                break;
            }
        }
        i = j;
    }
    w->st.duplicate_ids = ndup;
    if (!ndup) return;
    char msg[SP_ERRMSG_MAX];
    int n = snprintf(msg, sizeof msg,
                     "%llu document(s) reuse the id of an earlier document (both kept; a lookup "
                     "by id finds the first):",
                     (unsigned long long)ndup);
    for (size_t k = 0; k < nex && n > 0 && (size_t)n < sizeof msg; k++) {
        size_t len;
        const uint8_t *id = doc_id(w, ex[k], &len);
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s \"%.*s\"", k ? "," : "",
                      (int)SP_MIN(len, 60), (const char *)id);
    }
    if (more && n > 0 && (size_t)n < sizeof msg) snprintf(msg + n, sizeof msg - (size_t)n, ", ...");
    sp_writer_event(w, SPASM_EVENT_WARNING, msg);
}
