/*
 * sink.h -- the index file being written: a buffered sequential writer
 * that keeps the section table and the CRC32s (per section and per 64 KiB
 * chunk) as bytes go out, so the file never has to be read back.
 */
#ifndef SPASM_SINK_H
#define SPASM_SINK_H

#include <sys/types.h>

#include "base.h"

typedef struct sp_section {
    uint32_t tag, crc;
    uint64_t off, len, count;
} sp_section;

typedef struct sp_sink {
    const sp_alloc *a;
    int fd;
    int no_sync;  /* sp_sink_finish leaves the fsync to the caller (a live segment) */
    uint64_t off; /* bytes written so far (logical, incl. buffered) */
    uint8_t *buf;
    size_t nbuf, capbuf;
    /* chunk checksums over [SP_HEADER_SIZE, end of sections) */
    uint32_t chunk_crc;
    uint32_t *chunks;
    size_t nchunks, capchunks;
    int chunking; /* 1 while section bytes are being written */
    /* sections */
    sp_section *sec;
    size_t nsec, capsec;
    int open_sec; /* index of the open section, -1 if none */
    int rc;
    char *errmsg; /* the owner's message buffer (SP_ERRMSG_MAX) */
    const char *path;
} sp_sink;

/*
 * Create the temporary file `path` (O_EXCL, read-write) and take an
 * exclusive flock() on it, held until the descriptor is closed: the mark
 * of a live writer (target.c removes unlocked leftovers).  The fd, or -1
 * with errno set.
 */
int sp_tmp_create(const char *path, mode_t mode);

/* Create `path` (O_EXCL) and reserve the header.  0 or an error code. */
int sp_sink_open(sp_sink *s, const sp_alloc *a, const char *path, char *errmsg);
/* Append n bytes (sticky errors). */
void sp_sink_write(sp_sink *s, const void *p, size_t n);
/* Start a section (8-byte aligned) / end it with its item count. */
void sp_sink_begin(sp_sink *s, uint32_t tag);
void sp_sink_end(sp_sink *s, uint64_t count);
/* Write the section table, chunk table and header, fsync (unless
 * no_sync).  0 or error. */
int sp_sink_finish(sp_sink *s);
/* Read back n bytes at file offset off of what was written so far (the
 * buffer is written out first).  0 or an error code (sticky). */
int sp_sink_pread(sp_sink *s, uint64_t off, void *p, size_t n);
/* Close the file descriptor and free memory (does not unlink). */
void sp_sink_close(sp_sink *s);

#endif
