/*
 * writer.h -- the internals of spasm_writer, shared by writer.c (adding
 * documents, inverting them in memory), store.c (compressed record
 * stores), input.c (reading files) and index_write.c (commit).
 */
#ifndef SPASM_WRITER_H
#define SPASM_WRITER_H

#include <pthread.h>
#include <signal.h>

#include "analyzer.h"
#include "base.h"
#include "passage.h"
#include "sink.h"
#include "format.h"

/* A term being collected: its postings as a varint stream of
 * (passage gap, tf, positions...) -- see index_write.c. */
typedef struct sp_term {
    struct sp_term *next; /* hash chain */
    uint32_t hash, len;
    uint32_t df;
    uint32_t last_plus1; /* last passage + 1 (0: none yet) */
    uint64_t cf;
    uint8_t *post;
    uint32_t npost, cappost;
    /* The folded words that stem to this term, for prefix search (WORD):
     * is_word when the stem itself occurs as a word; the others as
     * (u8 length, bytes) records in vars[0, nvars). */
    uint8_t is_word;
    uint8_t *vars;
    uint32_t nvars, capvars, nwords;
    char s[];
} sp_term;

typedef struct ZSTD_CCtx_s ZSTD_CCtx;
typedef struct ZSTD_CDict_s ZSTD_CDict;

/* zstd's level for record stores: 3 (its default) with a dictionary
 * compresses wikipedia's text in 4 KiB blocks to .40 of its size at ~190
 * MB/s; 1 gives .44 at the same speed, 5 .43 at half of it (bench/README.md,
 * "Stored text"). */
#define SP_STORE_LEVEL 3

/* The raw bytes a block of TEXT (passages) and of DMET (ids and titles)
 * holds, about: a hit's text or title inflates one block. */
#ifndef SP_TEXT_BLOCK
#define SP_TEXT_BLOCK 4096
#endif
#ifndef SP_META_BLOCK
#define SP_META_BLOCK 2048
#endif

/* A record store being written: records packed into blocks of about
 * `target` bytes, each block compressed with zstd (see store.c for the
 * layout).  A deferred store keeps its blocks raw in `mem` until
 * sp_store_w_seal() compresses them: a batch's TEXT waits so for the
 * dictionary trained on the first batch. */
typedef struct sp_store_w {
    const sp_alloc *a;
    sp_buf raw;  /* payload of the current block */
    sp_buf offs; /* u32 record offsets of the current block */
    uint32_t nrec_block;
    uint64_t nrec;
    sp_buf index; /* SP_STORE_IX_ENTRY bytes per block */
    uint64_t nblocks;
    sp_buf *mem;   /* write blocks here, or */
    sp_sink *sink; /* stream them to this sink's open section */
    uint64_t sec_off;
    uint64_t written;
    size_t target;
    sp_buf blk, zbuf;        /* the block being compressed, its compressed bytes */
    ZSTD_CCtx *zc;           /* the analysing worker's compressor (sp_worker.zc) */
    const ZSTD_CDict *cdict; /* the dictionary to compress with, or NULL */
    int defer;               /* blocks stay raw in mem until sp_store_w_seal() */
} sp_store_w;

typedef struct sp_passage_rec {
    uint32_t doc, ordinal, start, len;
} sp_passage_rec;

/* One document waiting for analysis: byte ranges in its batch's `in`. */
typedef struct sp_bdoc {
    uint64_t id_off, title_off, text_off, text_len;
    uint32_t id_len, title_len;
    uint32_t span_first, nspans; /* presplit: its passages in batch spans */
    uint8_t detect_title, presplit;
    /* json: text is a JSON line, still to parse (line `lineno` of the
     * file named by id); once parsed, the id is in the batch's `dec`
     * (id_dec). */
    uint8_t json, id_dec;
    uint64_t lineno;
} sp_bdoc;

/*
 * A batch of documents: filled by the caller's thread, analysed by a
 * worker (batch.c), then inverted by the caller's thread in submission
 * order.  Batch boundaries depend only on the input, never on timing, so
 * the index is the same whatever the number of threads.
 */
typedef struct sp_batch {
    struct sp_batch *next;  /* in-flight list or free list */
    struct sp_batch *qnext; /* work queue */
    sp_buf in;              /* ids, titles and texts, back to back */
    sp_bdoc *docs;
    size_t ndocs, capdocs;
    sp_span32 *spans; /* passages of presplit documents */
    size_t nspans, capspans;
    sp_buf out;             /* the analysed passages (format in batch.c) */
    sp_store_w text, dmeta; /* the batch's compressed TEXT and DMET blocks */
    sp_buf text_mem, dmeta_mem;
    sp_buf dec;   /* the ids of parsed JSON documents */
    sp_buf prior; /* u8 furniture prior per kept passage (boiler.c, PRIO) */
    /* the analysis grouped by term (group.c): what the inverter reads */
    sp_buf pmeta, kept, grp;
    uint32_t npass;
    size_t ngrp;
    uint64_t path_off; /* the last file name queued in `in` */
    uint32_t path_len;
    int has_path;
    uint64_t repaired;          /* documents whose UTF-8 was repaired */
    char errmsg[SP_ERRMSG_MAX]; /* with rc: what went wrong, and where */
    int rc;                     /* 0, or the error analysis met (SPASM_ENOMEM, SPASM_EINPUT) */
    int done;                   /* analysed (under the writer's mutex) */
    uint64_t seq; /* its place among the writer's batches: 0 trains TEXT's dictionary */
} sp_batch;

/* The bytes of document d's id (d of batch b). */
static inline const char *sp_bdoc_id(const sp_batch *b, const sp_bdoc *d)
{
    return (const char *)(d->id_dec ? b->dec.p : b->in.p) + d->id_off;
}

/* Bytes of a passage's header in a batch's out and pmeta (batch.c):
 * start, len, dl, ntok, tspan, signature, SIGB entry. */
#define SP_PMETA (20 + 2 * SP_SIG_HASHES + SP_SIGB_ENTRY)

typedef struct sp_grouper sp_grouper;

/* The per-thread analysis state: one analyser (stemmer, stem cache) and
 * scratch memory, owned by one worker thread. */
typedef struct sp_worker {
    spasm_writer *w;
    pthread_t tid;
    sp_analyzer *an;
    sp_spans spans;
    /* the current document's title, analysed once */
    sp_token *ttok;
    uint32_t *thash;
    size_t nttok, capttok;
    sp_buf tpool;
    uint32_t tlen_tokens;
    sp_buf scratch;
    sp_buf fixed;  /* a JSON line with its UTF-8 repaired */
    sp_buf seal;   /* a batch's compressed TEXT, made here (sp_store_w_seal) */
    ZSTD_CCtx *zc; /* the stores' compressor: one per thread (1.3 MB with the
                    * dictionary's parameters), made on its first batch */
    sp_buf copy;   /* a JSON text with its NULs made spaces */
    /* per passage: token -> local term, local terms, their words */
    uint32_t *tok_loc, *tok_hash, *loc_pos;
    size_t cap_tok;
    uint32_t *loc_hash, *loc_count, *loc_slot, *loc_word;
    const char **loc_s;
    uint16_t *loc_len;
    uint8_t *loc_isword;
    size_t cap_loc;
    uint32_t *slots; /* open addressing: local term + 1 */
    size_t nslots;
    const char **word_s; /* distinct variant words, chained per local term */
    uint32_t *word_next;
    uint8_t *word_len;
    size_t cap_word;
    uint64_t *bgset; /* a passage's distinct bigram hashes (open addressing, 0: empty) */
    size_t cap_bgset;
    sp_grouper *grp; /* the batch's terms (group.c) */
} sp_worker;

/* One sorted run of postings flushed to the runs file (runs.c). */
typedef struct sp_run {
    uint64_t off, len, nterms;
} sp_run;

struct spasm_writer {
    sp_alloc a;
    sp_alloc base_a; /* the caller's allocator (a may wrap it with a lock) */
    pthread_mutex_t alloc_mu;
    int alloc_locked;
    int rc; /* sticky */
    char errmsg[SP_ERRMSG_MAX];
    char *path, *tmppath;
    int committed;
    sp_sink sink;
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
    uint32_t *tspans; /* TLEN: positions the title takes in each passage */
    sp_passage_rec *pass;
    size_t npass, cappass;
    sp_buf docs; /* u32 first passage, u32 count per doc */
    sp_buf idix; /* u64 hash, u32 doc per doc (sorted at commit) */
    uint64_t ndocs;
    sp_store_w text, dmeta;
    sp_buf dmeta_mem;
    sp_buf dids, didoff; /* DIDS: id bytes, u32 end offset of each doc's id */
    /* scratch */
    sp_buf fixed;  /* repaired UTF-8 of the text being added */
    sp_buf joined; /* the passages of spasm_writer_add_passages(), joined */
    sp_span32 *pre;
    size_t cappre;
    uint64_t nwords; /* distinct folded words (WORD entries) */
    /* near-duplicate signatures: SP_SIG_HASHES u16 per passage (SIGS), and
     * bigram counts and bitmaps, SP_SIGB_ENTRY bytes per passage (SIGB) */
    sp_buf sigs, sigb;
    sp_buf prior; /* PRIO: u8 furniture prior per passage (boiler.c) */
    sp_buf syns;  /* the synonym text to store (SYNS), empty: none */
    size_t nsyn_rules;
    uint64_t last_event_bytes;
    /* analysis: batches, worker threads (batch.c) */
    size_t batch_bytes; /* a batch closes at this much text */
    unsigned nthreads;  /* worker threads wanted (<= 1: analyse inline) */
    unsigned nworkers;  /* worker states (threads started, or 1 inline) */
    int threads_started;
    sp_worker *workers;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    /* TEXT's zstd dictionary (store.c): the worker of batch 0 trains it on
     * that batch's passages, and every other batch waits for it
     * (cv_dict) before compressing its TEXT, so that the file does not
     * depend on the threads' timing. */
    uint64_t nbatches;  /* batches submitted: the next one's seq */
    int tdict_ready;    /* tdict and tcdict are final (under mu) */
    sp_buf tdict;       /* its bytes (the TXDC section); empty: none */
    ZSTD_CDict *tcdict; /* made from tdict (malloc'd by zstd) */
    pthread_cond_t cv_dict;
    int stop;
    sp_batch *queue, *queue_tail; /* waiting for a worker */
    sp_batch *fly, *fly_tail;     /* submitted, in order, not yet inverted */
    size_t nfly;
    sp_batch *cur;   /* being filled */
    sp_batch *spare; /* free list */
    /* memory budget and sorted runs (runs.c) */
    uint64_t budget;    /* bytes */
    uint64_t run_limit; /* flush a run when the term table holds this much */
    uint64_t mem_terms; /* bytes held by the term table */
    size_t posn_spill;  /* commit: spill buffered positions at this many bytes */
    char *runs_path, *posn_path;
    /* the target and the inputs (target.c) */
    int force;        /* replace a file that is not an index */
    int live_segment; /* a live index's segment (live.c): duplicate
                         ids are the updater's to report */
    /* a live segment: the other live segments of the collection, for the
     * cross-segment near-duplicates (XDUP, dups_cross.c); NULL: none */
    const struct sp_xsrc *xsrc;
    size_t nxsrc;
    int xdup_mode;                 /* XDUP: 0 lookups (SKEY) or scans by cost, 1 always scan,
                                      2 always look up where the segment has SKEY (tests) */
    int skey_off;                  /* write no SKEY section (tests: a file written before it) */
    volatile sig_atomic_t *cancel; /* the caller's cancellation flag, or NULL */
    int has_target;                /* the target existed at start: its identity */
    uint64_t target_dev, target_ino;
    uint64_t *seen; /* (dev, ino + 1) pairs: inputs already read */
    size_t seen_n, seen_cap;
    int runs_fd, posn_fd;
    uint64_t runs_off;
    sp_run *runs;
    size_t nruns, capruns;
};

/* 1 when spasm_writer_options.variants `v` asks for spelling-variant
 * folding (SPASM_VARIANTS_DEFAULT: SP_VARIANTS_BY_DEFAULT). */
int sp_variants_wanted(int v);

/* Record a writer error (sticky; the first one wins) and return it. */
int sp_writer_err(spasm_writer *w, int code, const char *fmt, ...) SP_PRINTF(3, 4);

/* Add one document whose text is valid UTF-8 (already repaired): queued
 * in the current batch, analysed and inverted later, in order. */
int sp_writer_add_doc(spasm_writer *w, const char *id, size_t idlen, const char *title, size_t tlen,
                      const char *text, size_t len, int detect_title);

/* Queue one line of a JSON Lines file (line `lineno` of `path`); a
 * worker parses it (batch.c), so a malformed line is reported later, at
 * a following add or at commit, still naming its file and line. */
int sp_writer_add_json(spasm_writer *w, const char *path, uint64_t lineno, const char *line,
                       size_t len);

/* For tests: flush a run when the term table holds run_limit bytes, close
 * a batch at batch_bytes of text (0: keep the current value). */
void sp_writer_set_limits(spasm_writer *w, uint64_t run_limit, size_t batch_bytes);
/* For tests: spill positions at commit from this many bytes (0: keep). */
void sp_writer_set_posn_spill(spasm_writer *w, size_t bytes);

/* Analysis (batch.c). */
int sp_worker_init(sp_worker *k, spasm_writer *w);
void sp_worker_free(sp_worker *k);
/* Analyse a batch: fills b->out and its stores; sets b->rc. */
void sp_batch_analyze(sp_worker *k, sp_batch *b);
void sp_batch_init(sp_batch *b, const sp_alloc *a);
void sp_batch_reset(sp_batch *b);
void sp_batch_free(sp_batch *b);
/* Group an analysed batch by term (group.c); 0 or SPASM_ENOMEM. */
int sp_batch_group(sp_worker *k, sp_batch *b);
void sp_grouper_free(const sp_alloc *a, sp_grouper *g);

/* Sorted runs (runs.c): write the term table as a run and empty it. */
int sp_runs_flush(spasm_writer *w);
/* Reading a run back at commit, one term at a time. */
typedef struct sp_run_reader {
    int fd;
    uint64_t off, end, left;
    uint8_t *buf;
    size_t pos, n, cap;
    int has; /* a current term */
    sp_buf s, post, vars;
    uint64_t df, cf, last_plus1;
    int is_word;
} sp_run_reader;
int sp_run_reader_open(spasm_writer *w, sp_run_reader *r, const sp_run *run);
void sp_run_reader_close(spasm_writer *w, sp_run_reader *r);
/* Load the next term (r->has = 0 at the end); 0 or an error code. */
int sp_run_next(sp_run_reader *r);
/* The term table's terms sorted by bytes (NULL when out of memory); on
 * two threads when `two`. */
sp_term **sp_sorted_terms(spasm_writer *w, int two);
/* Remove the temporary files of runs and positions. */
void sp_runs_cleanup(spasm_writer *w);
/* Free every term of the table (and account for it). */
void sp_writer_free_terms(spasm_writer *w);

/* Invert an analysed batch in order (invert.c): passages, documents,
 * stored text; flushes a sorted run past the budget.  0 or the error. */
int sp_writer_invert_batch(spasm_writer *w, sp_batch *b);

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
int sp_store_w_seal(sp_store_w *s, const ZSTD_CDict *cd, sp_buf *tmp);
int sp_store_w_train(const sp_store_w *s, sp_buf *dict);
/* Append the blocks of src (written to memory) to s, renumbering them. */
int sp_store_w_splice(sp_store_w *s, const sp_store_w *src, const sp_buf *src_mem);
void sp_store_w_free(sp_store_w *s);

/* The target and temporary files (target.c).  Remove the temporary files
 * of dead writers of w's target (those no process holds locked). */
void sp_tmp_sweep(spasm_writer *w);
/* Is a file name that of a writer's temporary file (X.tmp-PID-HEX...)? */
int sp_is_tmp_name(const char *name);
/* May w replace its target?  0, or an error with w->errmsg set (not
 * sticky: the caller records it).  At start it also records the target's
 * identity; at commit it also refuses a target that is one of the inputs. */
int sp_target_check(spasm_writer *w, int at_commit);
/* The set of inputs read: add (dev, ino): 0 added, 1 already there, -1
 * out of memory; has: is it there? */
int sp_seen_add(spasm_writer *w, uint64_t dev, uint64_t ino);
int sp_seen_has(const spasm_writer *w, uint64_t dev, uint64_t ino);

/* SPASM_ECANCELED (sticky, with its message) once the caller's flag is
 * set, else 0. */
int sp_writer_canceled(spasm_writer *w);

/* Report duplicate document ids (index_write.c, once idix is sorted). */
void sp_writer_report_dups(spasm_writer *w);

/* Write the whole index (index_write.c).  0 or an error code. */
int sp_writer_write_index(spasm_writer *w);

/* Write the DUPS section (every passage's near-duplicates in the file:
 * indexer/dups.c) from the signatures and the TEXT already written.
 * 0 or an error code (with the writer's message). */
int sp_dups_write(spasm_writer *w);

/* One other segment of a live collection as the writer of a new segment
 * sees it (live.c, live_merge.c): its id, its mapped file, its document
 * deletion flags (1 = deleted; NULL: none) and a text cache to read it. */
typedef struct sp_xsrc {
    uint64_t id;
    struct sp_seg *seg;
    const uint8_t *del;
    struct sp_store_cache *cache;
} sp_xsrc;

#endif
