/*
 * index.h -- the internals of an open index: a collection (sp_seg,
 * collection.c) of segments (sp_seg: one mmapped format-1 file each,
 * shared by reference count between handles; segment.c), and the
 * posting-list cursors the query evaluator drives (postings.c).
 */
#ifndef SPASM_INDEX_H
#define SPASM_INDEX_H

#include <stdatomic.h>
#include <time.h>

#include "analyzer.h"
#include "base.h"
#include "codec.h"
#include "format.h"
#include "storeblock.h"

#define SP_END UINT32_MAX                 /* cursor exhausted */
#define SP_TERM_BUF (SP_MAX_WORD * 4 + 8) /* a term or word, NUL-terminated */

typedef struct sp_sec {
    const uint8_t *p; /* NULL when the section is absent */
    uint64_t off, len, count;
    uint32_t crc;
} sp_sec;

/* One format-1 index file, mapped read-only: immutable, shared between
 * collection handles (a refresh reuses it) through `refs`. */
typedef struct sp_seg {
    sp_alloc a;
    _Atomic long refs;
    char *path;
    int fd;
    uint8_t *map;
    size_t size;
    uint64_t data_end; /* end of the checksummed sections (the table's offset) */
    sp_sec meta, dict, didx, post, posn, lens, pass, docs, dmet, dmix, text, txix, idix, word, wdix,
        sigs, dids;
    sp_sec sigb;       /* optional: bigram counts and bitmaps (collapse.c) */
    sp_sec tlen;       /* optional: the title's positions per passage (field queries) */
    sp_sec syns;       /* optional: the synonyms stored at index time (synonyms.c) */
    sp_sec dups;       /* optional: each passage's near-duplicates (collapse_dups.c) */
    sp_sec xdup;       /* optional: a live segment's near-duplicates in others (collapse_dups.c) */
    sp_sec prio;       /* optional: u8 page-furniture prior per passage (boilerplate.c) */
    sp_sec skey;       /* optional: each signature key's holders (common/skey.h) */
    sp_sec dkey;       /* optional: u64 key of each DICT block's first term (index.c) */
    sp_sec tmax;       /* optional: u8 bound of each term's largest tf-norm (segplan.c) */
    sp_sec txdc;       /* optional: TEXT's zstd dictionary (indexer/store.c) */
    ZSTD_DDict *tdict; /* made from txdc at open (malloc'd by zstd), NULL without one */
    uint64_t npass, ndocs, nterms, tokens;
    double k1, b, avgdl;
    unsigned flags;
    uint32_t sig_hashes;
    const uint8_t *chunks;
    uint64_t nchunks;
    unsigned chunk_log2;        /* checksum chunks of 1 << chunk_log2 bytes */
    _Atomic uint64_t *verified; /* one bit per chunk */
    /* without DKEY: every SP_DICT_SAMPLE-th dictionary block's first
     * term, made by the first lookup that needs it, and per sampled range the 8-byte keys
     * of its blocks' first terms, made by the first lookup landing there
     * (index.c); kept until release */
    struct sp_dsample *_Atomic dsample;
    struct timespec mtime; /* the file's modification time when mapped */
    uint32_t head_crc;     /* CRC32 of the 128-byte header */
} sp_seg;

/*
 * Open and map the index file `name` (relative to dirfd, or AT_FDCWD);
 * `path` names it in messages.  0 with *out (refs 1), or an error code
 * with the message in err (*out NULL).  SPASM_OPEN_VERIFY in flags checks
 * every checksum.
 */
int sp_seg_open(const sp_alloc *a, int dirfd, const char *name, const char *path, unsigned flags,
                sp_seg **out, char *err);
/* Take one more reference / drop one (the last unmaps; NULL allowed). */
sp_seg *sp_seg_retain(sp_seg *g);
void sp_seg_release(sp_seg *g);
/* Free the segment's dictionary sample (index.c), at release. */
void sp_dict_sample_free(sp_seg *ix);
/* Check every checksum of the segment: 0 or SPASM_ECORRUPT (err set). */
int sp_seg_verify(sp_seg *g, char *err);
/* The deep check of DKEY and TMAX against DICT and POST (dict_verify.c):
 * 0 or SPASM_ECORRUPT (err set). */
int sp_dict_verify(sp_seg *ix, char *err);

/* The deletions of one segment as of one generation (a deletion file,
 * docs/LIVE.md), shared by reference count like segments. */
typedef struct sp_dels {
    sp_alloc a;
    _Atomic long refs;
    uint64_t seg_id, gen;
    uint64_t *pass, *docs;         /* bitmaps of deleted local passages, documents */
    uint64_t ndocs, npass, tokens; /* deleted documents, passages, their tokens */
    uint64_t nterms;               /* terms with a deleted df: */
    uint64_t *term_off;            /* their POST offsets, ascending */
    uint32_t *term_df;             /* and deleted dfs */
} sp_dels;

/* One segment as a collection sees it: its place in the global numbering
 * and its deletions (collection.c). */
typedef struct sp_part {
    sp_seg *seg;
    sp_dels *dels;         /* NULL: nothing deleted */
    const uint64_t *del;   /* dels->pass, or NULL */
    uint64_t id;           /* live index: the segment id (0 for a file) */
    uint32_t pbase, dbase; /* global numbers of its first passage, document */
} sp_part;

/* A path the collection was opened from (a file, or a live folder). */
typedef struct sp_source {
    char *path;
    int is_dir;
    uint64_t gen;    /* generation read (0 for a file) */
    size_t first, n; /* its parts */
} sp_source;

struct spasm_index {
    sp_alloc a;
    int rc;
    char errmsg[SP_ERRMSG_MAX];
    char *path; /* the first path, for messages */
    unsigned open_flags;
    sp_part *part;
    size_t nparts;
    sp_source *src;
    size_t nsrc;
    uint64_t npass, ndocs;          /* global numbering, deleted ones included */
    uint64_t live_pass, live_docs;  /* N and documents for BM25 and stats */
    uint64_t tokens, nterms, bytes; /* live tokens; sums over the segments */
    uint64_t del_pass, del_docs;
    double k1, b, avgdl; /* defaults (the first source's) and the live average */
    unsigned flags;
    int sigs;   /* every segment has SIGS (folding possible) */
    int format; /* 1: a file, 2: a live folder (or several sources with one) */
    uint64_t gen;
    char *notes;              /* warnings (a damaged commit point skipped), NULL: none */
    spasm_synonyms *synonyms; /* stored at index time (SYNS), NULL: none */
    /* several segments: their near-duplicate pairs checked against the
     * live holder counts, made by the first folded search (collapse_dups.c) */
    struct sp_xfold *_Atomic xfold;
};

/* Free ix->xfold (collapse_dups.c), at close. */
void sp_xfold_free(spasm_index *ix);

/* What the dictionary holds for one term. */
typedef struct sp_terminfo {
    uint32_t df;
    uint64_t cf;
    uint64_t post_off, post_len, pos_off, pos_len;
    uint64_t ord1; /* 1 + the term's ordinal in DICT (its TMAX byte), 0: not known */
} sp_terminfo;

/*
 * Check the chunk checksums covering bytes [off, off + len) of the file,
 * once per chunk per process.  0, or SPASM_ECORRUPT with a message in err.
 */
int sp_ix_ensure(sp_seg *ix, uint64_t off, uint64_t len, char *err);

/*
 * Check that the file behind the map is still as it was mapped (its size
 * and modification time), so that a file truncated or rewritten in place
 * is an error rather than SIGBUS or other bytes.  Reads nothing shared
 * but the handle's constant fields: any thread may call it.  0, or
 * SPASM_ECORRUPT (SPASM_EIO when fstat fails) with a message in err.
 */
int sp_ix_check_file(const sp_seg *ix, char *err);

/* Look a term up.  1 found, 0 not found, or -SPASM_ECORRUPT (err set). */
int sp_dict_find(sp_seg *ix, const char *term, size_t len, sp_terminfo *out, char *err);
/* The same in every segment of col at once, into ti[0, nparts) (df 0:
 * not there): the segments' lookups interleaved, SP_DICT_BATCH at a time,
 * so that their cache misses overlap (each segment's dictionary and
 * postings are apart; issue 11).  0 or <0 an error code negated. */
#define SP_DICT_BATCH 16
int sp_dict_find_parts(const spasm_index *col, const char *term, size_t len, sp_terminfo *ti,
                       char *err);

/*
 * Call fn for every term starting with prefix[0, plen), in order, at most
 * `max` terms.  Returns the number visited, or -SPASM_ECORRUPT.
 */
typedef int (*sp_term_fn)(void *ud, const char *term, size_t len, const sp_terminfo *ti);
long sp_dict_prefix(sp_seg *ix, const char *prefix, size_t plen, size_t max, sp_term_fn fn,
                    void *ud, char *err);

/*
 * Call fn for every folded word (WORD section) starting with
 * prefix[0, plen), in byte order, with the stem it was indexed under; at
 * most `max` words.  Returns the number visited (0 for an index without
 * WORD), or -SPASM_ECORRUPT.
 */
typedef int (*sp_word_fn)(void *ud, const char *word, size_t len, const char *stem, size_t slen);
long sp_words_prefix(sp_seg *ix, const char *prefix, size_t plen, size_t max, sp_word_fn fn,
                     void *ud, char *err);

/* The term with DICT ordinal `ord`, copied NUL-terminated into out
 * (SP_TERM_BUF bytes), its entry in *ti (may be NULL).  Returns its
 * length, or -SPASM_ECORRUPT. */
long sp_dict_term_at(sp_seg *ix, uint64_t ord, char *out, sp_terminfo *ti, char *err);

/* A cursor over one WORD block (same front coding as DICT, see
 * indexer/index_write.c: prefix, suffix length, suffix, stem ordinal). */
typedef struct sp_wblock {
    const uint8_t *p, *end;
    char word[SP_TERM_BUF];
    size_t len;
    uint64_t term; /* DICT ordinal of the word's stem */
    uint32_t left;
} sp_wblock;

/* Open WORD block b (< the number of WDIX entries), checksummed: 0 or
 * SPASM_ECORRUPT (err set). */
int sp_wblock_open(sp_seg *ix, uint64_t b, sp_wblock *d, char *err);
/* Read the block's next word: 1 read, 0 block done, <0 corrupt. */
int sp_wblock_next(sp_seg *ix, sp_wblock *d, char *err);

/* The passage length (tokens) of passage p (< npass), unchecked: LENS is
 * checksummed lazily, so use sp_ix_len_checked() unless its chunk is known
 * to be verified. */
static inline uint32_t sp_ix_len(const sp_seg *ix, uint32_t p)
{
    return sp_get_u32(ix->lens.p + 4 * (size_t)p);
}

/* The length of passage p (< npass), checksumming its 64 KiB chunk of LENS
 * on first use; 0 with *rc set (and err) when the chunk is corrupt. */
static inline uint32_t sp_ix_len_checked(sp_seg *ix, uint32_t p, int *rc, char *err)
{
    uint64_t off = ix->lens.off + 4 * (uint64_t)p;
    uint64_t c = (off - SP_HEADER_SIZE) >> ix->chunk_log2;
    if (!(atomic_load_explicit(&ix->verified[c >> 6], memory_order_acquire) & (1ull << (c & 63)))) {
        int r = sp_ix_ensure(ix, off, 4, err);
        if (r) {
            *rc = r;
            return 0;
        }
    }
    return sp_get_u32(ix->lens.p + 4 * (size_t)p);
}

/* The number of positions the title takes in passage p (< npass): its
 * positions 0 .. T-1 are the title's, T + 1 on the text's (0 without a
 * title).  TLEN is checksummed lazily as LENS is; the caller checks that
 * the segment has TLEN.  0 with *rc set (and err) when corrupt. */
static inline uint32_t sp_ix_tspan_checked(sp_seg *ix, uint32_t p, int *rc, char *err)
{
    uint64_t off = ix->tlen.off + 4 * (uint64_t)p;
    uint64_t c = (off - SP_HEADER_SIZE) >> ix->chunk_log2;
    if (!(atomic_load_explicit(&ix->verified[c >> 6], memory_order_acquire) & (1ull << (c & 63)))) {
        int r = sp_ix_ensure(ix, off, 4, err);
        if (r) {
            *rc = r;
            return 0;
        }
    }
    return sp_get_u32(ix->tlen.p + 4 * (size_t)p);
}

/* A block kept by a cache besides its current one (sp_store_cache_keep). */
typedef struct sp_store_slot {
    const sp_sec *data; /* NULL: empty */
    uint64_t block;
    uint64_t used; /* the cache's tick at its last use */
    sp_buf buf;
} sp_store_slot;

/* A decompressed-block cache for record stores, one per searcher: the
 * current block (the one the last sp_store_get() read), and with
 * sp_store_cache_keep() the most recently used others too (LRU). */
typedef struct sp_store_cache {
    const sp_sec *data; /* which store the cached block belongs to */
    uint64_t block;
    sp_buf buf;
    sp_inflater z;       /* its decompressors, made on first use */
    sp_store_slot *slot; /* NULL: the current block only */
    size_t nslots;
    uint64_t tick;
    uint64_t hits, misses; /* blocks found cached, blocks inflated (tests, benches) */
} sp_store_cache;

/* Blocks larger than this are not kept besides the current one, so a
 * cache of n slots holds at most n times this (the writers' blocks are
 * 2-4 KiB, 8-16 KiB before format version 2). */
#define SP_STORE_SLOT_MAX (64u << 10)

/* Let cache c keep up to n blocks besides its current one (least
 * recently used out first), their buffers from allocator a; 0 or
 * SPASM_ENOMEM.  Call once, before its first use. */
int sp_store_cache_keep(sp_store_cache *c, const sp_alloc *a, size_t n);

/* Free a cache's buffers and decompressor. */
void sp_store_cache_free(sp_store_cache *c);

/*
 * Fetch record `rec` of a record store (TEXT or DMET); *p and *len point
 * into the cache's buffer, valid until its next use.  0 or an error code.
 */
int sp_store_get(sp_seg *ix, const sp_sec *data, const sp_sec *index, uint64_t rec,
                 sp_store_cache *c, const uint8_t **p, size_t *len, char *err);

/*
 * The id of document `doc` (< ndocs): from DIDS (uncompressed) when the
 * index has it, else from DMET through cache c.  *p and *len are valid
 * until c's next use.  0 or an error code (err set).
 */
int sp_doc_id(sp_seg *ix, uint32_t doc, sp_store_cache *c, const uint8_t **p, size_t *len,
              char *err);

/* ---- posting cursors (postings.c) ---- */

typedef struct sp_cursor {
    sp_seg *ix;
    const uint8_t *base, *end; /* this term's POST bytes */
    const uint8_t *skips;      /* skip table, or NULL when one block */
    const uint8_t *posbase, *posend;
    uint32_t df, nb;
    uint32_t block; /* current block, nb when exhausted */
    uint32_t n, i;  /* postings in the block, index of current */
    uint32_t doc;   /* current passage, SP_END when exhausted */
    uint32_t docs[SP_BLOCK], tfs[SP_BLOCK];
    const uint8_t *posp; /* positions of posting `posi` of the block */
    uint32_t posi;
    int pos_checked; /* the current block's positions were checksummed */
    int pending;     /* block `block` is used up and the next not decoded yet:
                        doc is only a lower bound (see sp_cursor_next_lazy) */
    int err;
} sp_cursor;

/* Position c on the term's first posting.  0 or an error code (err set). */
int sp_cursor_open(sp_cursor *c, sp_seg *ix, const sp_terminfo *ti, char *err);
/* The same, but a list of several blocks is left pending before its
 * first block (c->pending, c->doc 0, c->block UINT32_MAX): nothing is
 * decoded until a seek, which pruning may never need (bind.c; a list of
 * one block is decoded, its bound needs it). */
int sp_cursor_open_lazy(sp_cursor *c, sp_seg *ix, const sp_terminfo *ti, char *err);
/* The first block c may still move to: 0 before its first decode. */
static inline uint32_t sp_cursor_first_block(const sp_cursor *c)
{
    return c->block == UINT32_MAX ? 0 : c->block;
}
/* Advance to the next posting; returns the new doc (SP_END at the end). */
uint32_t sp_cursor_next(sp_cursor *c, char *err);
/* Advance to the first posting >= target, skipping whole blocks. */
uint32_t sp_cursor_seek(sp_cursor *c, uint32_t target, char *err);
/* Term frequency of the current posting. */
static inline uint32_t sp_cursor_tf(const sp_cursor *c)
{
    return c->tfs[c->i];
}
/* Decode the positions of the current posting into pos[] (room for its
 * tf); returns the count, or -1 when corrupt. */
long sp_cursor_positions(sp_cursor *c, uint32_t *pos, char *err);

/*
 * For block-max pruning (rank.c), which moves through the skip table
 * without decoding blocks it can rule out:
 *
 * sp_cursor_next_lazy() moves past the current posting like
 * sp_cursor_next(), but at the end of a block does not decode the next
 * one: c->pending is set and c->doc is only a lower bound of the next
 * passage until sp_cursor_seek() (with any target) decodes it.
 * sp_cursor_tf() is valid only when !c->pending.
 */
uint32_t sp_cursor_next_lazy(sp_cursor *c);
/* The last passage of block b (< c->nb) of a list with a skip table. */
static inline uint32_t sp_cursor_last_of(const sp_cursor *c, uint32_t b)
{
    return sp_get_u32(c->skips + (size_t)b * SP_SKIP_ENTRY);
}
/* The first block >= b whose last passage is >= target (c->nb if none);
 * needs a skip table. */
uint32_t sp_cursor_skip_block(const sp_cursor *c, uint32_t b, uint32_t target);

/* ---- the collection (collection.c, terms.c) ---- */

/* 1 if local passage p of part pt is deleted. */
static inline int sp_part_deleted(const sp_part *pt, uint32_t p)
{
    return pt->del && (pt->del[p >> 6] >> (p & 63) & 1);
}

/* The part holding global passage p (< ix->npass), or document d. */
const sp_part *sp_col_part_of_passage(const spasm_index *ix, uint32_t p);
const sp_part *sp_col_part_of_doc(const spasm_index *ix, uint32_t d);

/* sp_ix_check_file() for every segment: 0 or the first error (err set). */
int sp_col_check_files(const spasm_index *ix, char *err);

/* The same for the searches' hot path: every single-file part (a file
 * another program may rewrite in place), but of a live folder's segments
 * (written once, renamed into place, never changed by spasm) only one per
 * call, in turn (*turn: the next one's number): one fstat per search
 * instead of one per segment (issue 11).  A segment changed by another
 * program is found within nparts searches, and from then on every call
 * fails (the turn stays on it); a read past its end meanwhile is the
 * SIGBUS spasm-search reports as "the index file changed under the
 * reader".  0 or the first error (err set). */
int sp_col_check_files_turn(const spasm_index *ix, size_t *turn, char *err);

/* The deleted df of the term whose POST offset is post_off in part pt. */
uint32_t sp_part_del_df(const sp_part *pt, uint64_t post_off);

/* The live df of a term over the collection (sum over the segments of
 * their df minus their deleted df).  0 or SPASM_ECORRUPT (err set). */
int sp_col_df(spasm_index *ix, const char *term, size_t len, uint64_t *df, char *err);

/*
 * Call fn for every distinct word starting with prefix[0, plen) over all
 * segments (their WORD sections merged, in byte order, with its stem; or,
 * when a segment has no WORD section, the stems of DICT, each its own
 * word), at most `max` words.  Returns the number visited, or -error.
 */
long sp_col_prefix(spasm_index *ix, const char *prefix, size_t plen, size_t max, sp_word_fn fn,
                   void *ud, char *err);

/* The stored text of global passage gp, through cache c (valid until its
 * next use).  0 or an error code (err set). */
int sp_col_text(spasm_index *ix, uint32_t gp, sp_store_cache *c, const uint8_t **p, size_t *len,
                char *err);

#endif
