/*
 * live_upgrade.c -- turn a single-file index (format 1) into a live index
 * folder (format 2, docs/LIVE.md) in one atomic step, the first time it is
 * updated.
 *
 * Beside PATH the upgrade makes the folder PATH.tmp-PID-HEX holding a hard
 * link of the file as its only segment (seg-0000000000000001.sps: no byte
 * is copied) and commit point 1, fsyncs them, then swaps the folder and
 * the file in one step with renameat2(RENAME_EXCHANGE), unlinks the old
 * file from its new temporary name and fsyncs the parent.  A crash before
 * the swap leaves PATH as it was; after it PATH is the live folder; either
 * way what is left under the temporary name is removed by the next
 * updater (sp_live_sweep_siblings).  The original file is flock'd for the
 * whole upgrade, so two updaters never upgrade it at once.  A file system
 * without RENAME_EXCHANGE gets an error, never a half-done upgrade.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "format.h"
#include "live_upgrade.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* renameat2(2) through syscall(), which every glibc has. */
static int exchange(int dfd, const char *a, const char *b)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, dfd, a, dfd, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* fsync the folder at dirfd-relative name (or dirfd itself for "."). */
static int sync_dir(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Read the summary of the format-1 file on fd (already verified by the
 * caller): its size, header CRC, and META's counts, flags and BM25
 * defaults.  0, or SPASM_ECORRUPT when the header or META is unreadable. */
static int read_meta(int fd, sp_cp_seg *seg, sp_commit *cp, char *err, const char *path)
{
    uint8_t h[SP_HEADER_SIZE], meta[SP_META_SIZE];
    struct stat st;
    if (fstat(fd, &st) != 0 || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h ||
        memcmp(h, SP_MAGIC, 8) != 0)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: not a spasm index file", path);
    uint64_t table = sp_get_u64(h + 24);
    uint32_t nsec = sp_get_u32(h + 32);
    uint64_t meta_off = 0;
    for (uint32_t i = 0; i < nsec && i < 4096; i++) {
        uint8_t e[SP_SECTION_ENTRY];
        if (pread(fd, e, sizeof e, (off_t)(table + (uint64_t)i * SP_SECTION_ENTRY)) !=
            (ssize_t)sizeof e)
            break;
        if (sp_get_u32(e) == SP_SEC_META && sp_get_u64(e + 16) >= SP_META_SIZE) {
            meta_off = sp_get_u64(e + 8);
            break;
        }
    }
    if (!meta_off || pread(fd, meta, sizeof meta, (off_t)meta_off) != (ssize_t)sizeof meta)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: no META section", path);
    seg->id = 1;
    seg->size = (uint64_t)st.st_size;
    seg->head_crc = sp_crc32(0, h, sizeof h);
    seg->npass = sp_get_u64(meta + SP_META_PASSAGES);
    seg->ndocs = sp_get_u64(meta + SP_META_DOCS);
    cp->flags = sp_get_u32(meta + SP_META_FLAGS);
    cp->k1 = sp_get_f64(meta + SP_META_K1);
    cp->b = sp_get_f64(meta + SP_META_B);
    return 0;
}

/* Write the commit point of generation 1 naming `seg` into folder dfd. */
static int write_commit(const sp_alloc *a, int dfd, sp_commit *cp, sp_cp_seg *seg, char *err,
                        const char *path)
{
    cp->gen = 1;
    cp->next_seg = 2;
    cp->time = (uint64_t)time(NULL);
    cp->nseg = 1;
    cp->seg = seg;
    sp_buf b;
    sp_buf_init(&b, a);
    char name[64];
    sp_cp_name(name, 1);
    int rc = sp_commit_encode(cp, &b);
    if (rc) {
        sp_buf_free(&b);
        return sp_seterr(err, rc, "out of memory");
    }
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int ok = fd >= 0 && write(fd, b.p, b.n) == (ssize_t)b.n && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0) close(fd);
    sp_buf_free(&b);
    if (!ok) return sp_seterr(err, SPASM_EIO, "%s: cannot write %s: %s", path, name, strerror(e));
    return 0;
}

/* Remove folder `name` of dfd holding only live-index files: 1 when gone. */
static int remove_folder(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    int gone = 0;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        int d2 = dup(fd);
        DIR *dh = d2 >= 0 ? fdopendir(d2) : NULL;
        struct dirent *e;
        uint64_t x, y;
        while (dh && (e = readdir(dh))) {
            const char *n = e->d_name;
            if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
            if (sp_cp_parse_name(n, &x) || sp_seg_parse_name(n, &x) ||
                sp_del_parse_name(n, &x, &y) || strcmp(n, "LOCK") == 0)
                unlinkat(fd, n, 0);
        }
        if (dh)
            closedir(dh);
        else if (d2 >= 0)
            close(d2);
        gone = unlinkat(dfd, name, AT_REMOVEDIR) == 0; /* fails if anything else is there */
    }
    close(fd);
    return gone;
}

/* Is name BASE.tmp-DIGITS-HEX? */
static int is_upgrade_tmp(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp-", 5) != 0) return 0;
    const char *p = name + blen + 5, *q = p;
    while (*q >= '0' && *q <= '9') q++;
    if (q == p || *q != '-') return 0;
    p = ++q;
    while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')) q++;
    return q > p && *q == 0;
}

/* Split path into its folder and base name (both malloc'd). */
static int split(const sp_alloc *a, const char *path, char **dir, char **base)
{
    char *d = sp_strndup(a, path, strlen(path)), *b = sp_strndup(a, path, strlen(path));
    *dir = *base = NULL;
    if (!d || !b) {
        sp_free(a, d);
        sp_free(a, b);
        return SPASM_ENOMEM;
    }
    const char *dn = dirname(d), *bn = basename(b);
    *dir = sp_strndup(a, dn, strlen(dn));
    *base = sp_strndup(a, bn, strlen(bn));
    sp_free(a, d);
    sp_free(a, b);
    if (!*dir || !*base) {
        sp_free(a, *dir);
        sp_free(a, *base);
        return SPASM_ENOMEM;
    }
    return 0;
}

long sp_live_sweep_siblings(const sp_alloc *a, const char *path)
{
    char *dir, *base;
    if (split(a, path, &dir, &base)) return 0;
    long removed = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dh = dfd >= 0 ? fdopendir(dup(dfd)) : NULL;
    size_t blen = strlen(base);
    struct dirent *e;
    while (dh && (e = readdir(dh))) {
        if (!is_upgrade_tmp(e->d_name, base, blen)) continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            removed += remove_folder(dfd, e->d_name);
        } else if (S_ISREG(st.st_mode)) {
            /* the old file left after the swap: removed when unlocked */
            int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            struct stat s2;
            if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
                fstatat(dfd, e->d_name, &s2, AT_SYMLINK_NOFOLLOW) == 0 && s2.st_ino == st.st_ino &&
                s2.st_dev == st.st_dev)
                removed += unlinkat(dfd, e->d_name, 0) == 0;
            if (fd >= 0) close(fd);
        }
    }
    if (dh) closedir(dh);
    if (dfd >= 0) close(dfd);
    sp_free(a, dir);
    sp_free(a, base);
    return removed;
}

int sp_live_upgrade(const sp_alloc *a, const char *path, char *err)
{
    char *dir, *base;
    if (split(a, path, &dir, &base)) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    int rc = 0, dfd = -1, ffd = -1, tfd = -1, swapped = 0;
    char tmp[300] = "";
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rc = sp_seterr(err, SPASM_EIO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    ffd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st, now;
    if (ffd < 0 || fstat(ffd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sp_seterr(err, SPASM_EIO, "%s: not a readable index file", path);
        goto out;
    }
    if (flock(ffd, LOCK_EX | LOCK_NB) != 0) {
        rc = sp_seterr(err, SPASM_EBUSY, "%s: another writer is upgrading it", path);
        goto out;
    }
    /* the name must still be this file (a finished upgrade swapped it) */
    if (fstatat(dfd, base, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
        now.st_dev != st.st_dev) {
        rc = sp_seterr(err, SPASM_EBUSY, "%s: changed while being upgraded; try again", path);
        goto out;
    }
    sp_cp_seg seg;
    sp_commit cp;
    memset(&seg, 0, sizeof seg);
    memset(&cp, 0, sizeof cp);
    rc = read_meta(ffd, &seg, &cp, err, path);
    if (rc) goto out;
    sp_live_sweep_siblings(a, path);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%lx", base, (long)getpid(),
             (unsigned long)(time(NULL) ^ (long)st.st_ino));
    if (mkdirat(dfd, tmp, 0755) != 0) {
        rc = sp_seterr(err, SPASM_EIO, "%s/%s: %s", dir, tmp, strerror(errno));
        tmp[0] = 0;
        goto out;
    }
    tfd = openat(dfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0 || flock(tfd, LOCK_EX | LOCK_NB) != 0) {
        rc = sp_seterr(err, SPASM_EIO, "%s/%s: %s", dir, tmp, strerror(errno));
        goto out;
    }
    char segname[64];
    sp_seg_name(segname, 1);
    if (linkat(dfd, base, tfd, segname, 0) != 0) {
        rc =
            sp_seterr(err, SPASM_EIO, "%s: cannot link it into %s: %s", path, tmp, strerror(errno));
        goto out;
    }
    rc = write_commit(a, tfd, &cp, &seg, err, path);
    if (rc) goto out;
    if (fsync(tfd) != 0) {
        rc = sp_seterr(err, SPASM_EIO, "%s/%s: fsync: %s", dir, tmp, strerror(errno));
        goto out;
    }
    if (exchange(dfd, tmp, base) != 0) {
        int e = errno;
        rc = sp_seterr(err, SPASM_EIO,
                       "%s: cannot upgrade this single-file index into a live folder in place "
                       "(%s); build a live index with spasm-index --update -o NEWPATH INPUTS",
                       path,
                       e == EINVAL || e == ENOSYS ? "the file system cannot swap names atomically"
                                                  : strerror(e));
        goto out;
    }
    swapped = 1;
    unlinkat(dfd, tmp, 0); /* the old file, now under the temporary name */
    tmp[0] = 0;
    sync_dir(dfd, ".");
out:
    if (tfd >= 0) close(tfd); /* its lock first, so remove_folder gets it */
    if (tmp[0] && !swapped) remove_folder(dfd, tmp);
    if (ffd >= 0) close(ffd);
    if (dfd >= 0) close(dfd);
    sp_free(a, dir);
    sp_free(a, base);
    return rc;
}
