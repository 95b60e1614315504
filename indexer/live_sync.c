/*
 * live_sync.c -- making a commit of a live index durable with as few
 * waits for the disk as crash safety allows (docs/LIVE.md, "Syncs").
 *
 * A commit's new files (the segments written by this commit, its
 * deletion files, the commit point under its temporary name) are written
 * without an fsync each; then they and the folder are fsync'd all at
 * once, one thread each, so that the file system serves them with one
 * journal commit instead of one per file; only then is the commit point
 * renamed into place and the folder fsync'd again.  The order that
 * matters is kept: nothing names the new files until the rename, and the
 * rename happens after every byte of them (and their names) is durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "live.h"

int sp_live_write_tmp(spasm_updater *u, const char *name, const void *data, size_t len, char *tmp,
                      size_t tmpcap, int *fdout)
{
    *fdout = -1;
    snprintf(tmp, tmpcap, "%s.tmp-%ld-%lx", name, (long)getpid(),
             (unsigned long)((uintptr_t)u ^ (uintptr_t)time(NULL) ^ (uintptr_t)len));
    int fd = -1;
    for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
        fd = openat(u->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) break;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        return sp_seterr(u->errmsg, SPASM_EIO, "%s/%s: cannot create: %s", u->path, tmp,
                         strerror(errno));
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t r = write(fd, p + done, len - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        done += (size_t)r;
    }
    if (done != len) {
        int rc = sp_seterr(u->errmsg, SPASM_EIO, "%s/%s: cannot write: %s", u->path, name,
                           strerror(errno));
        unlinkat(u->dirfd, tmp, 0);
        close(fd);
        return rc;
    }
    *fdout = fd;
    return 0;
}

/* The shared state of one sp_live_sync_all. */
typedef struct sync_job {
    const int *fds;
    size_t n, next;
    size_t failed; /* index of the first file whose fsync failed, or n */
    int err;       /* its errno */
    pthread_mutex_t mu;
} sync_job;

/* fsync the job's descriptors until none is left. */
static void *sync_worker(void *arg)
{
    sync_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        size_t i = j->next++;
        pthread_mutex_unlock(&j->mu);
        if (i >= j->n) break;
        if (fsync(j->fds[i]) != 0) {
            int e = errno;
            pthread_mutex_lock(&j->mu);
            if (j->failed == j->n || i < j->failed) {
                j->failed = i;
                j->err = e;
            }
            pthread_mutex_unlock(&j->mu);
        }
    }
    return NULL;
}

#define SYNC_THREADS 8 /* at most, the caller's included */

int sp_live_sync_all(spasm_updater *u, const int *fds, const char *const *names, size_t n)
{
    if (!n) return 0;
    sync_job j;
    j.fds = fds;
    j.n = n;
    j.next = 0;
    j.failed = n;
    j.err = 0;
    if (pthread_mutex_init(&j.mu, NULL) != 0)
        return sp_live_err(u, SPASM_ENOMEM, "cannot make a mutex");
    pthread_t th[SYNC_THREADS - 1];
    size_t want = n - 1 < SYNC_THREADS - 1 ? n - 1 : SYNC_THREADS - 1, made = 0;
    while (made < want && pthread_create(&th[made], NULL, sync_worker, &j) == 0) made++;
    sync_worker(&j); /* fewer threads (or none) when they cannot be made */
    for (size_t i = 0; i < made; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j.mu);
    if (j.failed < n)
        return sp_live_err(u, SPASM_EIO, "%s/%s: cannot sync: %s", u->path, names[j.failed],
                           strerror(j.err));
    return 0;
}
