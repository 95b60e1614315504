/*
 * sink.c -- sequential, checksummed writing of an index file (format in
 * common/format.h).  Errors are sticky in s->rc with a message naming the
 * file; a full disk shows up here as SPASM_EIO ("No space left on device").
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"

#define SINK_BUF (1u << 20)  /* the most buffered before a write() */
#define SINK_BUF0 (1u << 16) /* the first buffer: it doubles up to SINK_BUF */
#define CHUNK ((uint64_t)1 << SP_CHUNK_LOG2)

static void flush(sp_sink *s)
{
    size_t done = 0;
    while (done < s->nbuf && !s->rc) {
        ssize_t w = write(s->fd, s->buf + done, s->nbuf - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            s->rc =
                sp_seterr(s->errmsg, SPASM_EIO, "%s: write failed: %s", s->path, strerror(errno));
            break;
        }
        done += (size_t)w;
    }
    s->nbuf = 0;
}

/* The buffer is full: double it while below SINK_BUF (a small index then
 * maps and touches 64 KiB, not 1 MiB), else (or when memory is short)
 * write it out.  The file is the same bytes either way. */
static void grow_or_flush(sp_sink *s)
{
    if (s->capbuf < SINK_BUF) {
        uint8_t *b = sp_realloc(s->a, s->buf, s->capbuf * 2);
        if (b) {
            s->buf = b;
            s->capbuf *= 2;
            return;
        }
    }
    flush(s);
}

int sp_tmp_create(const char *path, mode_t mode)
{
    /* Another writer's sweep may unlink the file between open() and
     * flock() (it found it unlocked): then the name is free again. */
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0) return -1;
        struct stat a, b;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return fd;
        close(fd);
    }
    errno = EAGAIN;
    return -1;
}

int sp_sink_open(sp_sink *s, const sp_alloc *a, const char *path, char *errmsg)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->errmsg = errmsg;
    s->path = path;
    s->open_sec = -1;
    s->fd = sp_tmp_create(path, 0644);
    if (s->fd < 0)
        return s->rc = sp_seterr(errmsg, SPASM_EIO, "%s: cannot create: %s", path, strerror(errno));
    s->buf = sp_malloc(a, SINK_BUF0);
    if (!s->buf) return s->rc = sp_seterr(errmsg, SPASM_ENOMEM, "out of memory");
    s->capbuf = SINK_BUF0;
    static const uint8_t zero[SP_HEADER_SIZE];
    sp_sink_write(s, zero, sizeof zero);
    s->chunking = 1;
    s->chunk_crc = 0;
    return s->rc;
}

static void push_chunk(sp_sink *s)
{
    if (s->nchunks == s->capchunks) {
        size_t cap = s->capchunks ? s->capchunks * 2 : 256;
        uint32_t *c = sp_realloc(s->a, s->chunks, cap * sizeof *c);
        if (!c) {
            s->rc = sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
            return;
        }
        s->chunks = c;
        s->capchunks = cap;
    }
    s->chunks[s->nchunks++] = s->chunk_crc;
    s->chunk_crc = 0;
}

/* Feed bytes to the chunk checksums, split at chunk boundaries. */
static void chunk_feed(sp_sink *s, const uint8_t *p, size_t n)
{
    while (n) {
        uint64_t pos = s->off - SP_HEADER_SIZE;
        size_t room = (size_t)(CHUNK - (pos & (CHUNK - 1)));
        size_t k = SP_MIN(room, n);
        s->chunk_crc = sp_crc32(s->chunk_crc, p, k);
        s->off += k;
        p += k;
        n -= k;
        if (k == room) push_chunk(s);
    }
}

void sp_sink_write(sp_sink *s, const void *data, size_t n)
{
    if (s->rc || n == 0) return;
    const uint8_t *p = data;
    if (s->open_sec >= 0) {
        sp_section *sec = &s->sec[s->open_sec];
        sec->crc = sp_crc32(sec->crc, p, n);
    }
    if (s->chunking)
        chunk_feed(s, p, n);
    else
        s->off += n;
    while (n) {
        size_t k = SP_MIN(n, s->capbuf - s->nbuf);
        memcpy(s->buf + s->nbuf, p, k);
        s->nbuf += k;
        p += k;
        n -= k;
        if (s->nbuf == s->capbuf) grow_or_flush(s);
    }
}

void sp_sink_begin(sp_sink *s, uint32_t tag)
{
    if (s->rc) return;
    static const uint8_t zero[8];
    if (s->off & 7) sp_sink_write(s, zero, 8 - (s->off & 7));
    if (s->nsec == s->capsec) {
        size_t cap = s->capsec ? s->capsec * 2 : 16;
        sp_section *n = sp_realloc(s->a, s->sec, cap * sizeof *n);
        if (!n) {
            s->rc = sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
            return;
        }
        s->sec = n;
        s->capsec = cap;
    }
    sp_section *sec = &s->sec[s->nsec];
    sec->tag = tag;
    sec->crc = 0;
    sec->off = s->off;
    sec->len = 0;
    sec->count = 0;
    s->open_sec = (int)s->nsec++;
}

void sp_sink_end(sp_sink *s, uint64_t count)
{
    if (s->rc || s->open_sec < 0) return;
    sp_section *sec = &s->sec[s->open_sec];
    sec->len = s->off - sec->off;
    sec->count = count;
    s->open_sec = -1;
}

int sp_sink_finish(sp_sink *s)
{
    if (s->rc) return s->rc;
    static const uint8_t zero[8];
    if (s->off & 7) sp_sink_write(s, zero, 8 - (s->off & 7));
    /* Close the last partial chunk. */
    if ((s->off - SP_HEADER_SIZE) & (CHUNK - 1)) push_chunk(s);
    s->chunking = 0;
    uint64_t table_off = s->off;
    uint32_t table_crc = 0;
    for (size_t i = 0; i < s->nsec; i++) {
        uint8_t e[SP_SECTION_ENTRY] = {0};
        sp_put_u32(e, s->sec[i].tag);
        sp_put_u32(e + 4, s->sec[i].crc);
        sp_put_u64(e + 8, s->sec[i].off);
        sp_put_u64(e + 16, s->sec[i].len);
        sp_put_u64(e + 24, s->sec[i].count);
        table_crc = sp_crc32(table_crc, e, sizeof e);
        sp_sink_write(s, e, sizeof e);
    }
    uint64_t chunk_off = s->off;
    uint32_t chunk_crc = 0;
    for (size_t i = 0; i < s->nchunks; i++) {
        uint8_t e[4];
        sp_put_u32(e, s->chunks[i]);
        chunk_crc = sp_crc32(chunk_crc, e, 4);
        sp_sink_write(s, e, 4);
    }
    flush(s);
    if (s->rc) return s->rc;
    uint8_t h[SP_HEADER_SIZE] = {0};
    memcpy(h, SP_MAGIC, 8);
    sp_put_u32(h + 8, SP_FORMAT_VERSION);
    sp_put_u32(h + 12, SP_HEADER_SIZE);
    sp_put_u64(h + 16, s->off);
    sp_put_u64(h + 24, table_off);
    sp_put_u32(h + 32, (uint32_t)s->nsec);
    sp_put_u32(h + 36, SP_CHUNK_LOG2);
    sp_put_u64(h + 40, chunk_off);
    sp_put_u64(h + 48, s->nchunks);
    sp_put_u32(h + 56, table_crc);
    sp_put_u32(h + 60, chunk_crc);
    sp_put_u32(h + 124, sp_crc32(0, h, 124));
    if (pwrite(s->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return s->rc = sp_seterr(s->errmsg, SPASM_EIO, "%s: write failed: %s", s->path,
                                 strerror(errno));
    if (!s->no_sync && fsync(s->fd) != 0)
        return s->rc = sp_seterr(s->errmsg, SPASM_EIO, "%s: fsync failed: %s", s->path,
                                 strerror(errno));
    return 0;
}

int sp_sink_pread(sp_sink *s, uint64_t off, void *p, size_t n)
{
    if (s->rc) return s->rc;
    if (off + n > s->off)
        return s->rc = sp_seterr(s->errmsg, SPASM_EIO, "%s: read past the end", s->path);
    flush(s);
    if (s->rc) return s->rc;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(s->fd, (uint8_t *)p + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return s->rc = sp_seterr(s->errmsg, SPASM_EIO, "%s: read back failed: %s", s->path,
                                     r < 0 ? strerror(errno) : "short read");
        done += (size_t)r;
    }
    return 0;
}

void sp_sink_close(sp_sink *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    sp_free(s->a, s->buf);
    sp_free(s->a, s->chunks);
    sp_free(s->a, s->sec);
    s->buf = NULL;
    s->chunks = NULL;
    s->sec = NULL;
}
