/*
 * writer.h -- the internals of spasm_writer, shared by writer.c (adding
 * documents, inverting them in memory), store.c (compressed record
 * stores), input.c (reading files) and index_write.c (commit).
 */
#ifndef SPASM_WRITER_H
#define SPASM_WRITER_H

#include "analyzer.h"
#include "base.h"
#include "passage.h"
#include "sink.h"

/* A term being collected: its postings as a varint stream of
 * (passage gap, tf, positions...) -- see index_write.c. */
typedef struct sp_term {
    struct sp_term *next; /* hash chain */
    uint32_t hash, len;
    uint32_t df;
    uint32_t last_plus1; /* last passage + 1 (0: none yet) */
    uint64_t cf;
    uint32_t mark, loc;  /* per-passage scratch */
    uint8_t *post;
    uint32_t npost, cappost;
    char s[];
} sp_term;

/* A record store being written: records packed into blocks of about
 * `target` bytes, each block deflated (see store.c for the layout). */
typedef struct sp_store_w {
    const sp_alloc *a;
    sp_buf raw;   /* payload of the current block */
    sp_buf offs;  /* u32 record offsets of the current block */
    uint32_t nrec_block;
    uint64_t nrec;
    sp_buf index; /* SP_STORE_IX_ENTRY bytes per block */
    uint64_t nblocks;
    sp_buf *mem;  /* write blocks here, or */
    sp_sink *sink; /* stream them to this sink's open section */
    uint64_t sec_off;
    uint64_t written;
    size_t target;
    sp_buf zbuf;
} sp_store_w;

typedef struct sp_passage_rec {
    uint32_t doc, ordinal, start, len;
} sp_passage_rec;

struct spasm_writer {
    sp_alloc a;
    int rc; /* sticky */
    char errmsg[SP_ERRMSG_MAX];
    char *path, *tmppath;
    int committed;
    sp_sink sink;
    sp_analyzer *an;
    spasm_writer_stats st;
    double k1, b;
    unsigned flags;
    spasm_event_fn on_event;
    void *event_ud;
    /* terms */
    sp_term **slots;
    size_t nslots, nterms;
    uint64_t tokens;
    /* passages and documents */
    uint32_t *lens;
    sp_passage_rec *pass;
    size_t npass, cappass;
    sp_buf docs;   /* u32 first passage, u32 count per doc */
    sp_buf idix;   /* u64 hash, u32 doc per doc (sorted at commit) */
    uint64_t ndocs;
    sp_store_w text, dmeta;
    sp_buf dmeta_mem;
    sp_buf dids, didoff; /* DIDS: id bytes, u32 end offset of each doc's id */
    /* scratch */
    sp_buf scratch;
    sp_buf fixed; /* repaired UTF-8 of the text being added */
    sp_spans spans;
    sp_term **loc_terms;
    uint32_t *loc_count, *loc_pos;
    size_t cap_loc, cap_locpos;
    uint32_t *tok_loc;
    size_t cap_tokloc;
    uint64_t last_event_bytes;
};

/* Record a writer error (sticky; the first one wins) and return it. */
int sp_writer_err(spasm_writer *w, int code, const char *fmt, ...) SP_PRINTF(3, 4);

/* Add one document whose text is valid UTF-8 (already repaired). */
int sp_writer_add_doc(spasm_writer *w, const char *id, size_t idlen, const char *title,
                      size_t tlen, const char *text, size_t len, int detect_title);

/*
 * Repair text[0, len) if it is not valid UTF-8 (or holds NUL bytes): *out
 * and *outlen then point at the repaired copy, valid until the next call.
 * Returns 0 (text kept), 1 (repaired, counted in stats) or -1 (error set).
 */
int sp_writer_repair(spasm_writer *w, const char *text, size_t len, const char **out,
                     size_t *outlen);

/* Report an event to the writer's callback, if any. */
void sp_writer_event(spasm_writer *w, spasm_event_kind kind, const char *msg);

/* Record stores (store.c). */
void sp_store_w_init(sp_store_w *s, const sp_alloc *a, size_t target);
int sp_store_w_add(sp_store_w *s, const void *rec, size_t len, const void *rec2, size_t len2);
int sp_store_w_flush(sp_store_w *s);
void sp_store_w_free(sp_store_w *s);

/* Write the whole index (index_write.c).  0 or an error code. */
int sp_writer_write_index(spasm_writer *w);


#endif
