/*
 * reader.h -- the bytes of an input file, FIFO or pipe, gunzipped when
 * compressed, with a cancel flag seen while waiting (reader.c).
 */
#ifndef SPASM_READER_H
#define SPASM_READER_H

#include <signal.h>
#include <stdint.h>
#include <zlib.h>

#include "base.h"

#define SP_READ_ERROR (-1)    /* r->err says what */
#define SP_READ_CANCELED (-2) /* *cancel was set */

typedef struct sp_reader {
    const sp_alloc *a;
    int fd, pipe; /* pipe: not a regular file (waited on with poll) */
    volatile sig_atomic_t *cancel;
    uint8_t *in; /* raw bytes read, [in_pos, in_n) not consumed yet */
    size_t in_n, in_pos;
    int in_eof;
    int mode;    /* 0: not known yet, 1: plain, 2: gzip */
    int between; /* gzip: a member ended */
    z_stream z;
    int z_init;
    uint64_t raw; /* bytes read from fd (compressed bytes for gzip) */
    char err[160];
} sp_reader;

/* Start reading fd (not closed by the reader).  0, or -1 out of memory. */
int sp_reader_open(sp_reader *r, const sp_alloc *a, int fd, volatile sig_atomic_t *cancel);
/* Up to cap bytes into out: the count (> 0), 0 at the end, or
 * SP_READ_ERROR / SP_READ_CANCELED. */
long sp_reader_read(sp_reader *r, void *out, size_t cap);
void sp_reader_close(sp_reader *r);

#endif
