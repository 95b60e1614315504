/*
 * reader.c -- the bytes of an input: a file, a FIFO or a pipe, read front
 * to back once, gunzipped when they begin with the gzip magic (several
 * members in a row are read as one stream, and what follows the last
 * member, when it is not another member, is ignored: what gzread does).
 *
 * A pipe is waited on with poll() in slices of 100 ms, checking the
 * writer's cancel flag between slices: a signal that sets the flag just
 * before a read would otherwise leave the reader blocked for as long as
 * the other end keeps quiet.
 */
#include "reader.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IN_CAP (1u << 17)

int sp_reader_open(sp_reader *r, const sp_alloc *a, int fd, volatile sig_atomic_t *cancel)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    r->fd = fd;
    r->cancel = cancel;
    struct stat st;
    r->pipe = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
    r->in = sp_malloc(a, IN_CAP);
    return r->in ? 0 : -1;
}

void sp_reader_close(sp_reader *r)
{
    if (r->z_init) inflateEnd(&r->z);
    sp_free(r->a, r->in);
    r->in = NULL;
    r->z_init = 0;
}

static int canceled(const sp_reader *r)
{
    return r->cancel && *r->cancel;
}

/* Read more raw bytes after the unconsumed ones: 1 (some), 0 (end of
 * file), SP_READ_ERROR or SP_READ_CANCELED. */
static int fill(sp_reader *r)
{
    if (r->in_eof) return 0;
    if (r->in_pos) {
        memmove(r->in, r->in + r->in_pos, r->in_n - r->in_pos);
        r->in_n -= r->in_pos;
        r->in_pos = 0;
    }
    for (;;) {
        if (canceled(r)) return SP_READ_CANCELED;
        if (r->pipe) {
            struct pollfd p = {r->fd, POLLIN, 0};
            int k = poll(&p, 1, 100);
            if (k == 0 || (k < 0 && errno == EINTR)) continue;
        }
        ssize_t n = read(r->fd, r->in + r->in_n, IN_CAP - r->in_n);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            snprintf(r->err, sizeof r->err, "%s", strerror(errno));
            return SP_READ_ERROR;
        }
        if (n == 0) {
            r->in_eof = 1;
            return 0;
        }
        r->in_n += (size_t)n;
        r->raw += (uint64_t)n;
        return 1;
    }
}

/* At least two unconsumed bytes, unless the input ends first. */
static int fill2(sp_reader *r)
{
    while (r->in_n - r->in_pos < 2) {
        int f = fill(r);
        if (f <= 0) return f;
    }
    return 1;
}

static int at_magic(const sp_reader *r)
{
    return r->in_n - r->in_pos >= 2 && r->in[r->in_pos] == 0x1f && r->in[r->in_pos + 1] == 0x8b;
}

long sp_reader_read(sp_reader *r, void *out, size_t cap)
{
    if (r->mode == 0) {
        int f = fill2(r);
        if (f < 0) return f;
        r->mode = at_magic(r) ? 2 : 1;
        if (r->mode == 2) {
            if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
                snprintf(r->err, sizeof r->err, "out of memory");
                return SP_READ_ERROR;
            }
            r->z_init = 1;
        }
    }
    if (r->mode == 1) {
        if (r->in_pos == r->in_n) {
            int f = fill(r);
            if (f <= 0) return f;
        }
        size_t k = SP_MIN(cap, r->in_n - r->in_pos);
        memcpy(out, r->in + r->in_pos, k);
        r->in_pos += k;
        return (long)k;
    }
    for (;;) {
        if (r->between) { /* after a member: another one, or the end */
            int f = fill2(r);
            if (f < 0) return f;
            if (!at_magic(r)) return 0;
            inflateReset(&r->z);
            r->between = 0;
        }
        if (r->in_pos == r->in_n) {
            int f = fill(r);
            if (f < 0) return f;
            if (f == 0) {
                snprintf(r->err, sizeof r->err, "unexpected end of file (truncated gzip data)");
                return SP_READ_ERROR;
            }
        }
        r->z.next_in = r->in + r->in_pos;
        r->z.avail_in = (uInt)(r->in_n - r->in_pos);
        r->z.next_out = out;
        r->z.avail_out = (uInt)SP_MIN(cap, (size_t)1 << 30);
        uInt before = r->z.avail_out;
        int ret = inflate(&r->z, Z_NO_FLUSH);
        r->in_pos = r->in_n - r->z.avail_in;
        size_t got = before - r->z.avail_out;
        if (ret == Z_STREAM_END) {
            r->between = 1;
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            snprintf(r->err, sizeof r->err, "invalid compressed data (%s)",
                     r->z.msg ? r->z.msg : "zlib error");
            return SP_READ_ERROR;
        }
        if (got) return (long)got;
    }
}
