/*
 * spasm.h -- the whole public API of libspasm, a small full-text search
 * engine that ranks passages (paragraphs) with BM25.
 *
 * The handles, each owned by the caller:
 *
 *   spasm_writer    builds an index file: add documents, then commit
 *                   (atomic: written aside, fsync'd, renamed into place) or
 *                   abandon (no file is left behind).
 *   spasm_index     an open index (read-only, mmap'd).  Immutable after
 *                   spasm_open(): any number of threads may use one
 *                   spasm_index at once, each through its own searcher.
 *   spasm_searcher  per-thread query state (stemmer, scratch memory, the
 *                   last error message).  One searcher must not be used by
 *                   two threads at the same time; create one per thread.
 *   spasm_updater   changes a live index folder in place: add, replace and
 *                   delete documents by id, then commit a new generation
 *                   (see "Updating a live index" below).
 *   spasm_results   the ranked results of one search, owned by the caller
 *                   and independent of the searcher once returned (it may
 *                   be read from another thread and outlives later
 *                   searches, but not the spasm_index).
 *
 * There is no global mutable state: two indexes may be open in one process,
 * and writers and indexes never share anything.
 *
 * Threads, exactly:
 *   - A spasm_index that spasm_open() returned SPASM_OK for may be used by
 *     any number of threads at once through spasm_searcher_new(),
 *     spasm_searcher_free(), spasm_index_get_stats(), spasm_index_errmsg()
 *     and every call on their own searchers and results.  Checksums that
 *     are verified lazily are recorded with atomic operations.
 *   - spasm_index_verify() records a failure in the index (its message,
 *     and its state: no searcher can be made afterwards).  Run it before
 *     sharing the index, or while no other thread calls
 *     spasm_index_verify(), spasm_searcher_new(), spasm_index_get_stats()
 *     or spasm_index_errmsg() on it; searches through existing searchers
 *     may go on meanwhile.  spasm_close() must come after every searcher
 *     and result set of the index is freed, with no other call running.
 *   - A spasm_searcher, and a spasm_writer, is used by one thread at a
 *     time (it may move between threads).  Distinct writers are
 *     independent.  The event callback runs in the thread calling the
 *     writer.
 *   - A spasm_results may be read by several threads at once, and freed
 *     (once) by any thread, independently of its searcher.
 *   - A custom allocator given to spasm_open() is called by every thread
 *     that searches the index, so it must then be thread-safe.
 *   - spasm_errstr(), spasm_version() and spasm_format_version() may be
 *     called at any time from any thread.
 *
 * Errors: every call that can fail returns an int, SPASM_OK (0) on success
 * or one of the SPASM_E* codes below.  The handle involved keeps a message
 * for its last error (spasm_writer_errmsg, spasm_index_errmsg,
 * spasm_searcher_errmsg), naming the file, line, byte offset or query
 * position at fault; the fetchers never return NULL (for a NULL handle,
 * which only an allocation failure produces, they say "out of memory").
 * spasm_errstr() turns a code into a generic string.  A NULL handle or a
 * NULL required argument is SPASM_EINVAL (no message: there is no handle
 * to keep it).  Out of memory is reported as SPASM_ENOMEM; the library
 * never aborts.  A writer's errors are sticky (see spasm_writer_new); an
 * index that failed to open can only report its error and be closed; a
 * searcher recovers from any error, its message being that of its last
 * failure.
 *
 * Memory: the library's allocations go through an optional realloc-style
 * function given in the options (as in Lua's lua_newstate); NULL means the
 * C library's malloc/realloc/free.  Searchers and results allocate through
 * their index's function.  Outside it: libstemmer allocates its stemmer
 * (one per indexing thread and per searcher), zstd its compressor (one
 * per batch of stored text while indexing), the stored text's dictionary
 * (one per writer and per open file) and decompressor, and libdeflate its
 * decompressor for format-1 files (each two per searcher, made when it
 * first reads text) with malloc, and spasm_writer_add_path() lets the C library (scandir), zlib
 * (gzip input), Jansson (JSON Lines), libxml2 (HTML) and cmark (Markdown)
 * allocate.  Their failures are
 * reported as SPASM_ENOMEM (stemmer, compressor, decompressor) or as an
 * error naming the file.
 *
 * Example (error handling trimmed):
 *
 *     spasm_index *ix;
 *     spasm_searcher *s;
 *     spasm_results *r;
 *     if (spasm_open(&ix, "corpus.spx", NULL) != SPASM_OK) {
 *         fprintf(stderr, "%s\n", spasm_index_errmsg(ix));
 *         spasm_close(ix);
 *         return 2;
 *     }
 *     spasm_searcher_new(ix, &s);
 *     if (spasm_search(s, "night calf cramps", NULL, &r) == SPASM_OK) {
 *         for (size_t i = 0; i < spasm_results_count(r); i++) {
 *             const spasm_hit *h = spasm_results_hit(r, i);
 *             printf("%zu %.3f %s %s\n", i + 1, h->score, h->doc_id, h->text);
 *         }
 *         spasm_results_free(r);
 *     }
 *     spasm_searcher_free(s);
 *     spasm_close(ix);
 */
#ifndef SPASM_H
#define SPASM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(SPASM_BUILDING_LIBRARY)
#define SPASM_API __attribute__((visibility("default")))
#else
#define SPASM_API
#endif

/* ---- Version ---------------------------------------------------------- */

#define SPASM_VERSION_MAJOR 0
#define SPASM_VERSION_MINOR 1
#define SPASM_VERSION_PATCH 0
#define SPASM_VERSION "0.1.0"
#define SPASM_VERSION_NUMBER                                                                       \
    (SPASM_VERSION_MAJOR * 10000 + SPASM_VERSION_MINOR * 100 + SPASM_VERSION_PATCH)

/* The version of the library actually linked, e.g. "0.1.0". */
SPASM_API const char *spasm_version(void);

/* The index file format version this library writes: 2 (zstd stored
 * text, docs/FORMAT.md).  It reads files of versions 1 and 2. */
SPASM_API int spasm_format_version(void);

/* ---- Return codes ------------------------------------------------------- */

#define SPASM_OK 0
#define SPASM_ENOMEM 1     /* out of memory */
#define SPASM_EIO 2        /* a file could not be read, written or synced */
#define SPASM_ECORRUPT 3   /* the index is truncated or a checksum failed */
#define SPASM_EVERSION 4   /* the index has an unknown format version */
#define SPASM_EINVAL 5     /* a bad argument or a call out of order */
#define SPASM_EINPUT 6     /* bad input: binary, malformed JSON, no text */
#define SPASM_EQUERY 7     /* the query cannot be parsed or has no terms */
#define SPASM_ENOTFOUND 8  /* no such document or passage */
#define SPASM_EEMPTY 9     /* nothing to index: the corpus has no passages */
#define SPASM_ECANCELED 10 /* a cancel flag was set or a search's deadline passed */
#define SPASM_EBUSY 11     /* a live index is locked by another updater */

/* A short generic description of a return code ("out of memory"). */
SPASM_API const char *spasm_errstr(int code);

/* ---- Allocation ------------------------------------------------------- */

/*
 * A realloc-style allocator, as in Lua: with nsize == 0 it frees ptr and
 * returns NULL; otherwise it returns a block of nsize bytes holding the
 * first min(osize, nsize) bytes of ptr (ptr may be NULL, osize is then 0),
 * or NULL when it cannot, in which case ptr is left untouched.
 */
typedef void *(*spasm_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

/* ---- Writing an index --------------------------------------------------- */

typedef struct spasm_writer spasm_writer;

/* Events reported while indexing, for progress lines and warnings. */
typedef enum spasm_event_kind {
    SPASM_EVENT_PROGRESS = 0, /* periodically: counters updated */
    SPASM_EVENT_WARNING = 1   /* a file skipped or repaired: see message */
} spasm_event_kind;

/* Counters of what a writer has read so far (and, after commit, written). */
typedef struct spasm_writer_stats {
    uint64_t documents;         /* documents added */
    uint64_t passages;          /* passages made from them */
    uint64_t tokens;            /* tokens indexed */
    uint64_t terms;             /* distinct terms (after commit) */
    uint64_t postings;          /* (term, passage) pairs (after commit) */
    uint64_t input_bytes;       /* bytes of input read (uncompressed) */
    uint64_t skipped_files;     /* binary or unreadable files skipped in folders */
    uint64_t repaired;          /* documents whose invalid UTF-8 was repaired */
    uint64_t index_bytes;       /* size of the index file (after commit) */
    uint64_t files_done;        /* input files finished */
    uint64_t file_bytes;        /* bytes of input files read as stored on disk
                                   (compressed bytes for .gz): for progress */
    uint64_t duplicate_ids;     /* documents whose id an earlier document has
                                   (after commit; both are kept, see README) */
    uint64_t leftovers_removed; /* temporary files of dead writers of the
                                   same target removed at start */
} spasm_writer_stats;

typedef void (*spasm_event_fn)(void *ud, spasm_event_kind kind, const char *message,
                               const spasm_writer_stats *stats);

typedef struct spasm_writer_options {
    double k1;               /* BM25 k1 stored as the index default: above 0
                                and at most SPASM_K1_MAX; 0 = 1.4 */
    double b;                /* BM25 b stored as the index default: 0 to 1;
                                SPASM_B_DEFAULT (-1) = 0.6 */
    int no_stopwords;        /* 1: do not drop stop words from bag-of-words
                                queries by default (see README) */
    unsigned memory_mb;      /* indexing memory budget in MiB; 0 = the default,
                                SPASM_DEFAULT_MEMORY_MB.  When the in-memory
                                postings outgrow about half of it they are
                                written as a sorted run to a temporary file
                                beside the index (removed in every case) and
                                the runs are merged at commit, so peak memory
                                stays near the budget whatever the corpus size;
                                the index is byte for byte the same. */
    spasm_event_fn on_event; /* optional progress and warning callback */
    void *event_ud;
    spasm_alloc_fn alloc; /* optional allocator; NULL = malloc.  With more
                             than one thread it is called under a mutex. */
    void *alloc_ud;
    unsigned threads; /* analysis threads (tokenizing, folding, stemming,
                         compressing text, grouping postings by term)
                         beside the caller's thread, which reads input
                         and inverts (with 2 or more, a second thread
                         encodes half the postings at commit): 0 = one
                         per CPU (at most 8), 1 = everything in the
                         caller's thread.  The index is byte for byte the
                         same whatever the number. */
    int force;        /* 1: replace a target that exists and is not a spasm index
                         (never one of the inputs, a directory or a device) */
    /* Optional cancellation: when *cancel becomes non-zero (a signal
     * handler may set it; the library installs none), the next call
     * returns SPASM_ECANCELED, commit included until the final rename;
     * then abandon the writer, which removes its temporary files.  The
     * writer's threads block signals, so handlers run in the caller's. */
    volatile sig_atomic_t *cancel;
    /* Synonyms stored in the index (an optional section, docs/FORMAT.md),
     * which its searches then use by default; NULL: none.  Copied by
     * spasm_writer_new().  Index files only: an updater ignores it. */
    const struct spasm_synonyms *synonyms;
    /* Spelling variants (issue 14 part 1): SPASM_VARIANTS_ON folds British
     * and variant spellings to the American one before stemming, in the
     * documents and then in every query on the index ("anaemia" and
     * "anemia" are one term; highlights stay on the word as written);
     * SPASM_VARIANTS_OFF does not; SPASM_VARIANTS_DEFAULT (0) is
     * SPASM_VARIANTS_ON.  The index records it (README, "Spelling
     * variants"); an updater follows an existing folder's. */
    int variants;
} spasm_writer_options;

/* spasm_writer_options.variants */
#define SPASM_VARIANTS_DEFAULT 0
#define SPASM_VARIANTS_ON 1
#define SPASM_VARIANTS_OFF 2

/*
 * The valid BM25 parameters, for the writer's options and a search's alike:
 * k1 above 0 and at most SPASM_K1_MAX (0 asks for the default), b from 0
 * to 1 (SPASM_B_DEFAULT asks for the default).  Anything else -- a
 * negative k1, a b above 1, any other negative b, NaN or an infinity -- is
 * SPASM_EINVAL with a message giving the range: within it every score is
 * finite (a term adds at most idf * (k1 + 1)).
 */
#define SPASM_K1_MAX 100.0
#define SPASM_B_DEFAULT (-1.0)

/* The default indexing memory budget (spasm_writer_options.memory_mb). */
#define SPASM_DEFAULT_MEMORY_MB 1024

/*
 * Start a new index that will replace `path` on commit.  Nothing at `path`
 * is touched until spasm_writer_commit() succeeds (a temporary file is
 * created beside it at once, so a directory that does not exist or cannot
 * be written is SPASM_EIO here).  `path` must be absent, empty or a spasm
 * index (else SPASM_EINVAL, unless opt->force); it is never replaced when
 * it is a directory, not a regular file, or one of the inputs (also checked
 * again at commit).  Temporary files are PATH.tmp-PID-HEX and the same
 * with .runs and .posn; the writer holds an flock() on each, and a new
 * writer of the same path first removes those no process holds (the
 * leftovers of killed writers; see README "Temporary files").  *out
 * receives a writer even on failure (unless memory ran out, then NULL) so
 * that the message can be read; free it with spasm_writer_abandon().  opt
 * may be NULL for the defaults; note that in a zeroed options struct b = 0
 * means b = 0: set b = SPASM_B_DEFAULT (-1) for the default.  k1 or b out
 * of range (see SPASM_K1_MAX) is SPASM_EINVAL, with a message giving the
 * range.
 *
 * Errors are sticky: once a call on the writer has failed (a bad argument
 * included), every later call returns the same code and the writer can
 * only be abandoned.
 */
SPASM_API int spasm_writer_new(spasm_writer **out, const char *path,
                               const spasm_writer_options *opt);

/*
 * Add one document.  `id` must be non-empty; `title` may be NULL; `text` is
 * UTF-8 of `len` bytes (invalid bytes are repaired).  The text is split
 * into passages (paragraphs) as described in the README.  SPASM_EINVAL for
 * a missing id or text, or after a successful commit.
 */
SPASM_API int spasm_writer_add(spasm_writer *w, const char *id, const char *title, const char *text,
                               size_t len);

/*
 * Add one document whose passages the caller has split: `passages[i]` of
 * `lens[i]` bytes, for i < n.  Each becomes one passage, in order.
 */
SPASM_API int spasm_writer_add_passages(spasm_writer *w, const char *id, const char *title,
                                        const char *const *passages, const size_t *lens, size_t n);

/*
 * Add a file, a FIFO or a directory (recursively, in name order): `.txt`
 * files (one article each: id = file name without extension, title = the
 * first line when it reads like one), JSON Lines (one JSON object per
 * line: "id" or "_id", optional "title", "text") named `.jsonl`,
 * `.ndjson` (and their `.gz`, and `.json.gz`), or `.json` whose first line
 * is an object; HTML pages (`.html`, `.htm`, through libxml2) and Markdown
 * (`.md`, `.markdown`, through cmark), one article each, the title from
 * the page (README, "HTML pages").  A file named directly with another name is JSON Lines
 * when its first non-blank byte is `{` and its first line an object, else
 * text.  Every directory is entered once and every file read once (device
 * and inode): a symlink loop or a file met twice is a warning.  A file
 * named directly that is binary or unreadable is an error; inside a
 * directory it, and any file of another kind, is skipped with a warning
 * and counted in stats.skipped_files (names beginning with '.' are not
 * read).  The target itself, or a hard link to it, is refused
 * (SPASM_EINVAL).
 */
SPASM_API int spasm_writer_add_path(spasm_writer *w, const char *path);

/* Formats for spasm_writer_add_fd(). */
#define SPASM_INPUT_AUTO 0  /* JSON Lines when the first line is an object, else text */
#define SPASM_INPUT_JSONL 1 /* one JSON object per line */
#define SPASM_INPUT_TEXT 2  /* one text article, id = `name` without extension */

/*
 * Add what can be read from the descriptor `fd` (a pipe, stdin, a file),
 * read once front to back (gunzipped when it starts with the gzip magic)
 * until end of file; fd is not closed.  A pipe is waited on in slices of
 * 100 ms, so that the cancel flag (spasm_writer_options) is seen.  `name` names the input in
 * messages ("stdin:12: ...") and gives a text article its id.
 */
SPASM_API int spasm_writer_add_fd(spasm_writer *w, int fd, const char *name, int format);

/* Write the index aside, fsync it and rename it over `path`.  The writer
 * must still be freed with spasm_writer_abandon() afterwards.  SPASM_EEMPTY
 * when no passage has a word; SPASM_EINVAL when already committed;
 * SPASM_EINPUT for bad input found only now (a JSON line of a batch that
 * worker threads parse after spasm_writer_add_path() returned), with the
 * file and line in the message; SPASM_ECANCELED when the cancel flag was
 * set before the final rename. */
SPASM_API int spasm_writer_commit(spasm_writer *w);

/* Free the writer; if it was not committed, remove every temporary file. */
SPASM_API void spasm_writer_abandon(spasm_writer *w);

/* Counters so far; valid until the writer is freed (all zero for NULL). */
SPASM_API const spasm_writer_stats *spasm_writer_get_stats(const spasm_writer *w);

/* The message of the writer's last error ("" if none). */
SPASM_API const char *spasm_writer_errmsg(const spasm_writer *w);

/* ---- Opening an index ----------------------------------------------------- */

typedef struct spasm_index spasm_index;

#define SPASM_OPEN_VERIFY 1 /* check every checksum at open (else lazily) */

typedef struct spasm_open_options {
    unsigned flags;       /* SPASM_OPEN_* */
    spasm_alloc_fn alloc; /* optional allocator; NULL = malloc */
    void *alloc_ud;
} spasm_open_options;

/*
 * Open an index read-only: an index file (format 1), or a live index
 * folder (format 2, see spasm_open_many below and docs/LIVE.md; a folder
 * without a commit point is SPASM_EIO, "is a directory but not a live
 * spasm index").  Like
 * sqlite3_open(), *out receives a handle
 * even on failure (NULL only when memory ran out) so that
 * spasm_index_errmsg() can say what went wrong; always spasm_close() it.
 * SPASM_EIO: the file cannot be opened or mapped;
 * SPASM_ECORRUPT: not an index, truncated, or a checksum of the header or
 * of a section read at random fails (every checksum with
 * SPASM_OPEN_VERIFY); SPASM_EVERSION: another format version.  opt may be
 * NULL.
 *
 * The file is mapped, not read: it must not be changed in place while it
 * is open.  Replace an index by writing a new file and renaming it over
 * the old one (spasm_writer_commit does); an open index keeps reading the
 * old file.  A file truncated or rewritten in place is detected where it
 * can be: spasm_search, spasm_count, spasm_get_passage, spasm_find_doc,
 * spasm_doc_passages and spasm_index_verify first compare the file's
 * size and modification time with what was mapped and return
 * SPASM_ECORRUPT ("the index file changed size under the reader", or
 * "was modified in place") instead of reading it; rewritten bytes are
 * also caught by the checksums of the chunks not read before.  But a
 * truncation that lands during a call makes the next read of a page past
 * the new end raise SIGBUS.  The library installs no signal handler: a
 * program that must survive this catches SIGBUS itself (spasm-search
 * prints one line naming the index and exits with status 2; a server
 * could siglongjmp out of the handler, then close and reopen the index),
 * or keeps a private copy of the file.
 */
SPASM_API int spasm_open(spasm_index **out, const char *path, const spasm_open_options *opt);

/* Close an index (NULL is allowed).  Results from it must be freed first. */
SPASM_API void spasm_close(spasm_index *ix);

/* The message of the index's open or verify error ("" if none). */
SPASM_API const char *spasm_index_errmsg(const spasm_index *ix);

/* Check every checksum of the index; SPASM_ECORRUPT names the bytes or
 * the section at fault, and the index then refuses new searchers.  On a
 * handle that failed to open: its error.  See "Threads" above. */
SPASM_API int spasm_index_verify(spasm_index *ix);

typedef struct spasm_index_stats {
    uint64_t documents;
    uint64_t passages;
    uint64_t terms;
    uint64_t tokens;        /* sum of passage lengths */
    double avg_passage_len; /* in tokens */
    double k1, b;           /* the BM25 defaults stored in the index */
    uint64_t file_bytes;
    int format_version; /* 1: a file (of any file format version); 2: a live
                         * index folder (docs/LIVE.md) */
    /* A live index (and a collection of several, spasm_open_many) counts
     * its live documents only in documents, passages, tokens and
     * avg_passage_len; terms is the sum over its segments (a term in two
     * segments counts twice).  For a format-1 file: 0, 1, 0, 0. */
    uint64_t generation;        /* the commit read (the sum over the folders opened) */
    uint64_t segments;          /* index files searched */
    uint64_t deleted_documents; /* deleted or replaced, not yet merged away */
    uint64_t deleted_passages;
} spasm_index_stats;

/* Fill *out with the index's statistics (all zero if ix is NULL or failed). */
SPASM_API void spasm_index_get_stats(const spasm_index *ix, spasm_index_stats *out);

/*
 * A live index and collections.  spasm_open() also opens a live index
 * folder (docs/LIVE.md): the newest valid commit point, its segments and
 * deletions; a damaged newest commit point is skipped for the previous
 * one, with a line in spasm_index_notes().  The handle is a snapshot: it
 * answers from that commit until closed, whatever writers do meanwhile.
 * Every statistic of BM25 counts live passages only (N, the average
 * length, each df), and deleted passages never match, so a search answers
 * exactly like an index built from scratch of the live documents in the
 * order they were added.  Numbers (spasm_hit.passage, .doc) are global:
 * the segments' passages concatenated in order, deleted ones keeping
 * theirs; they are stable within one generation only.
 *
 * spasm_open_many() opens n paths (files or live folders, at least one) as
 * one collection with global statistics (document-partitioned shards):
 * it answers exactly like one index of all their documents in that order.
 * The BM25 defaults are the first path's (another path's that differ are
 * said in spasm_index_notes()).  Errors as for spasm_open(), the message
 * naming the path at fault; *out is a handle even on failure.
 */
SPASM_API int spasm_open_many(spasm_index **out, const char *const *paths, size_t n,
                              const spasm_open_options *opt);

/*
 * Look for a newer commit: *out = a new handle on the newest commit of
 * ix's folders (and on files replaced since), or NULL when nothing
 * changed (SPASM_OK both).  Unchanged segments are shared with ix, not
 * reopened; ix stays valid, on its own snapshot, until spasm_close().
 * On failure *out is a failed handle to read the message from and close
 * (or NULL when memory ran out).  May run while other threads search ix.
 */
SPASM_API int spasm_refresh(spasm_index *ix, spasm_index **out);

/* Warnings of the open ("" if none), lines separated by '\n': a damaged
 * commit point skipped, shards whose stored BM25 defaults differ. */
SPASM_API const char *spasm_index_notes(const spasm_index *ix);

/* ---- Searching -------------------------------------------------------------- */

typedef struct spasm_searcher spasm_searcher;
typedef struct spasm_results spasm_results;

#define SPASM_GROUP_NONE 0 /* one result per passage */
#define SPASM_GROUP_DOC 1  /* one result per document: its best passage */

/* The largest k, offset and snippet_bytes of a search. */
#define SPASM_MAX_K 1000000

typedef struct spasm_search_options {
    size_t k;             /* results wanted, at most SPASM_MAX_K; 0 = 10 */
    size_t offset;        /* results to skip, for paging; at most SPASM_MAX_K */
    double k1;            /* BM25 k1, above 0 and at most SPASM_K1_MAX;
                             0 = the index default */
    double b;             /* BM25 b, 0 to 1; SPASM_B_DEFAULT (-1) = the
                             index default */
    int group;            /* SPASM_GROUP_* */
    int collapse;         /* 1: fold near-duplicate passages (see below); 0: plain BM25 */
    int explain;          /* 1: fill spasm_hit.explain */
    int keep_stopwords;   /* 1: do not drop stop words from the query */
    size_t snippet_bytes; /* target snippet length, at most SPASM_MAX_K; 0 = 300 */
    unsigned fields;      /* SPASM_FIELD_* to fill in each hit; 0 = SPASM_FIELDS_ALL */
    /* issue 14 part 5, fields: the title weight (BM25F-style): a query
     * word typed without a field counts tf_text + w * tf_title in a
     * passage (one length normalisation, the passage's); 0 = the
     * default, SPASM_TITLE_WEIGHT_DEFAULT; 1 = the title counted once,
     * as plain BM25; at most SPASM_TITLE_WEIGHT_MAX.  title:word and
     * text:word count their own field only (README, "Query syntax"). */
    double title_weight;
    /* typo tolerance (issue 14 part 2; see spasm_results_suggestion) */
    int typos; /* SPASM_TYPOS_DEFAULT (0), SPASM_TYPOS_OFF or SPASM_TYPOS_ON */
    /* ---- synonyms and word families (issue 14 parts 3 and 4; see
     * spasm_synonyms_load below and README "Synonyms and word families") */
    const struct spasm_synonyms *synonyms; /* query-time synonyms, used instead of
                                              the index's stored ones; NULL: the
                                              index's (if it has any) */
    int no_synonyms;                       /* 1: no synonyms at all, not even stored */
    double synonym_weight;                 /* weight of an alternative of an
                                              equivalence line (a, b, c), 0 to 1;
                                              0 = 0.5 */
    int families;                          /* 1: join word families (derivational
                                              variants from the index's words) */
    double family_weight;                  /* their weight, 0 to 1; 0 = 0.5 */
    /* -- proximity (issue 14 part 6) -- */
    double proximity; /* weight of the term-proximity component, 0 to 100;
                         0 = off (the default).  A bag-of-words query's
                         passages gain, for each query word w, up to
                         proximity * min(1, idf(w)) * (k1 + 1) as other
                         query words stand near it (Büttcher et al. 2006:
                         neighbours weighted by their idf / distance^2,
                         saturated as BM25's tf); see README "Ranking" */
    /* -- page furniture (issue 14 part 7) -- */
    int boilerplate; /* SPASM_BOILER_DEFAULT (0), SPASM_BOILER_OFF or SPASM_BOILER_ON */
    /* -- pseudo-relevance feedback, RM3 (issue 14, the nDCG goal) -- */
    size_t feedback_terms;  /* words the relevance model adds, at most SPASM_FEEDBACK_MAX;
                               0 = off (the default) */
    size_t feedback_docs;   /* first-pass passages it is made of, at most
                               SPASM_FEEDBACK_MAX; 0 = 10 */
    double feedback_weight; /* lambda, the typed query's share, above 0 and below 1;
                               0 = SPASM_FEEDBACK_WEIGHT_DEFAULT */
    /* -- BM25+ (Lv & Zhai 2011; issue 14, the nDCG goal) -- */
    double bm25_delta; /* the lower-bound delta: each query word a passage holds
                          adds idf * delta to its BM25 (tf's part never falls
                          to nothing on a long passage); 0 to
                          SPASM_BM25_DELTA_MAX; 0 = plain BM25 (the default) */
} spasm_search_options;

/* The largest BM25+ delta (spasm_search_options.bm25_delta). */
#define SPASM_BM25_DELTA_MAX 10.0

/*
 * Pseudo-relevance feedback (spasm_search_options.feedback_terms): RM3 as
 * Anserini does it over BM25.  The query runs once; its feedback_docs top
 * passages give the relevance model P(w|R) = sum_d P(w|d) P(d|q) (stop
 * words left out, P(d|q) the normalised first-pass score); its
 * feedback_terms most likely words join the query with weights
 * (1 - lambda) / lambda * |q| * P(w|R), a typed word keeping 1 (plus its
 * own share), and the expanded query is what is ranked.  Only a bag of
 * words is expanded (no +, -, AND, NEAR or fields).  Off by default:
 * bench/EVAL.md, "Pseudo-relevance feedback", has the measurements.
 */
#define SPASM_FEEDBACK_MAX 100
#define SPASM_FEEDBACK_WEIGHT_DEFAULT 0.5

/*
 * Page furniture (spasm_search_options.boilerplate).  The writer stores a
 * prior per passage (PRIO, docs/FORMAT.md): 1 for content, down to 0.5
 * for a passage made of comment-form labels, "Return to ..." links and
 * form words (indexer/boiler.c tells how).  With it on, every passage's
 * score is multiplied by its prior (a factor <= 1: pruning stays exact);
 * an index without PRIO (written before it) scores as before.  The
 * default, SPASM_BOILER_DEFAULT_IS, is chosen by bench/EVAL.md's
 * measurements ("Page furniture").
 */
#define SPASM_BOILER_DEFAULT 0
#define SPASM_BOILER_OFF 1 /* spasm-search --no-boilerplate */
#define SPASM_BOILER_ON 2  /* spasm-search --boilerplate */
#define SPASM_BOILER_DEFAULT_IS SPASM_BOILER_OFF

/* issue 14 part 5: the default and the largest title weight. */
#define SPASM_TITLE_WEIGHT_DEFAULT 1.0
#define SPASM_TITLE_WEIGHT_MAX 100.0

/*
 * Typo tolerance (spasm_search_options.typos).  With it on, a query word
 * of 5 characters or more that the index does not hold (or holds in at
 * most 3 passages while a neighbour is in 100 times as many) is searched
 * as the indexed word closest to it (a rare word of the index: as typed
 * OR as a word 1 edit away) -- within 1 edit for 5 to 8
 * characters, 2 from 9 (insertions, deletions, substitutions, and a
 * transposition of two adjacent characters as one edit; the first
 * character is replaced only by one of its alphabet, and kept with 2
 * edits) -- and among those the one in the most passages.  Words with a digit, prefixes, and
 * an index without its WORD section are never corrected; at most 8
 * distinct words per query are looked at.  spasm_results_suggestion()
 * then gives the query as searched ("musle spasm" -> "muscle spasm").
 * SPASM_TYPOS_DEFAULT is SPASM_TYPOS_DEFAULT_IS, off: on the six test
 * collections (batch runs of written queries) correction changed 16 of
 * 511 queries and mean nDCG@10 not at all (.4835 -> .4830), while on the
 * judged typo set it lifts success@3 from .64 to .90 (README, "Typos"):
 * a program serving people turns it on, as spasm-search does for a query
 * typed on its command line.  spasm_count() always counts the query as
 * typed.
 */
#define SPASM_TYPOS_DEFAULT 0
#define SPASM_TYPOS_OFF 1 /* search the words as typed (spasm-search --exact) */
#define SPASM_TYPOS_ON 2
#define SPASM_TYPOS_DEFAULT_IS SPASM_TYPOS_OFF

/*
 * What spasm_search() fills in each hit (spasm_search_options.fields).
 * score, passage, doc and ordinal are always there; a field not asked for
 * is "" (and text_len, nhighlights are 0, the snippet empty).  Asking for
 * less is what makes large k cheap: SPASM_FIELD_ID alone reads one
 * uncompressed table entry per hit, while SPASM_FIELD_TITLE and
 * SPASM_FIELD_TEXT inflate a compressed block per hit (and TEXT also
 * re-analyses the passage for highlights and the snippet).  A program
 * that lists ids and shows text for a few hits can ask for the ids and
 * fetch the rest with spasm_get_passage(s, hit->passage, ...).
 */
#define SPASM_FIELD_ID 1    /* doc_id */
#define SPASM_FIELD_TITLE 2 /* title */
#define SPASM_FIELD_TEXT 4  /* text, text_len, highlights, snippet */
#define SPASM_FIELDS_ALL 7

/*
 * Near-duplicate folding (spasm_search_options.collapse).  Off by default:
 * a program gets the plain BM25 ranking, the same as spasm-search's
 * machine formats (json, trec, -f and --stdio), which a script or an
 * evaluation expects; folding hides results, and whether a hidden one was
 * wanted is for the caller to decide.  With collapse = 1 a passage that is
 * a near-duplicate of a better-ranked hit is not a hit of its own but is
 * listed in that hit's dups, and the list is filled up from lower-ranked
 * passages.  Folding never applies with SPASM_GROUP_DOC (collapse is
 * ignored there): a document folded into another would vanish from the
 * results, while one result per document already shows each document once.
 * (collapse replaced `no_collapse`, which folded by default, in the same
 * place of the struct: a program that set no_collapse = 1 gets the same,
 * one that left it 0 no longer folds unless it sets collapse = 1.)
 * Cost: a few hash probes per candidate, and the text of the candidates
 * whose signatures match and whose bigram bitmaps do not rule them out
 * (collapse.c); with SPASM_FIELD_ID only, folding costs several times the
 * plain ranking at large k (bench/README.md).
 */

/* Fill `o` with the defaults (k = 10, index k1/b, no grouping, no folding, ...). */
SPASM_API void spasm_search_options_init(spasm_search_options *o);

/* A byte range [start, end) of a hit's text that matched the query. */
typedef struct spasm_span {
    uint32_t start, end;
} spasm_span;

/* A near-duplicate passage folded into a hit (see spasm_hit.dups). */
typedef struct spasm_dup {
    uint32_t passage;   /* passage number in the index */
    uint32_t doc;       /* document number */
    uint32_t ordinal;   /* passage ordinal within its document (0-based) */
    const char *doc_id; /* the document's id */
    double score;       /* its own score for the query */
} spasm_dup;

typedef struct spasm_hit {
    double score;
    uint32_t passage;   /* passage number in the index (0-based) */
    uint32_t doc;       /* document number in the index (0-based) */
    uint32_t ordinal;   /* passage ordinal within its document (0-based) */
    const char *doc_id; /* the document's id */
    const char *title;  /* the document's title ("" if none) */
    const char *text;   /* the passage's full text (NUL-terminated) */
    size_t text_len;
    const spasm_span *highlights; /* matched words in text, in order */
    size_t nhighlights;
    uint32_t snippet_start, snippet_end; /* best window of text (bytes) */
    const char *explain;                 /* with opts.explain: the score broken down */
    /* Near-duplicates of this passage that ranked lower and were folded
     * into it (best first); empty unless opts.collapse.  Two passages
     * are near-duplicates when at least half of the word pairs (adjacent
     * stems) of the shorter one, and at least 4, occur in the other. */
    const spasm_dup *dups;
    size_t ndups;
} spasm_hit;

/* Make a searcher for one thread.  SPASM_EINVAL (and *out = NULL) when ix
 * is NULL or failed to open.  Free with spasm_searcher_free(). */
SPASM_API int spasm_searcher_new(spasm_index *ix, spasm_searcher **out);
/* Free a searcher (NULL is allowed); results it returned stay valid. */
SPASM_API void spasm_searcher_free(spasm_searcher *s);

/* The message of the searcher's last error ("" if none). */
SPASM_API const char *spasm_searcher_errmsg(const spasm_searcher *s);

/*
 * Search cancellation (spasm-serve's time budget): from this call on,
 * spasm_search() and spasm_count() on s stop with SPASM_ECANCELED (the
 * message says which: "the search was canceled" or "the search ran past
 * its deadline"; no results) once *cancel is non-zero (another thread or
 * a signal handler may set it; NULL: no flag) or CLOCK_MONOTONIC has
 * reached deadline_ns nanoseconds (0: no deadline).  A flag already set,
 * or a deadline already past, stops the next call before it starts.  The
 * library checks at the start of a call, before each segment, at each
 * window of the ranking loop (a block of postings) and every 256 steps
 * of the other loops: a search stops within about a block's work, and
 * costs nothing more when neither is set.  The searcher then works as
 * before; set the next deadline (or NULL, 0) for the next call.
 */
SPASM_API void spasm_searcher_set_cancel(spasm_searcher *s, const volatile sig_atomic_t *cancel,
                                         uint64_t deadline_ns);

/*
 * Run `query` (see the README for the syntax) and return the ranked hits
 * in *out (NULL on error).  opts may be NULL for the defaults.  A query
 * with no searchable term (empty, punctuation only, every word excluded)
 * is SPASM_EQUERY, and so is a query over one of its bounds (the README,
 * "Query syntax": NEAR/n outside 1..1000, a NEAR operand that is not a
 * word, prefix, phrase or OR group, more than 16 NEAR operands, 768
 * words and prefixes, parentheses 64 deep, or phrases, NEAR and groups
 * that would read more than about 32 postings per passage), the message
 * naming the byte position where there is one.  An option out of its
 * range (k, offset or snippet_bytes above SPASM_MAX_K, k1 or b as under
 * SPASM_K1_MAX, NaN, a group other than SPASM_GROUP_*, fields beyond
 * SPASM_FIELDS_ALL) is SPASM_EINVAL with a message naming the option and
 * its valid range; a corrupt region of the index met on the way is
 * SPASM_ECORRUPT, and so is an index file that changed under the reader
 * (see spasm_open).  Zero hits is SPASM_OK with an empty result set.
 */
SPASM_API int spasm_search(spasm_searcher *s, const char *query, const spasm_search_options *opts,
                           spasm_results **out);

/* Count the passages that match `query`, without ranking (errors as for
 * spasm_search; *count is 0 on error). */
SPASM_API int spasm_count(spasm_searcher *s, const char *query, uint64_t *count);

/* The number of hits in r (0 for NULL). */
SPASM_API size_t spasm_results_count(const spasm_results *r);
/* Hit i (0-based, i < count), owned by r and valid until r is freed; NULL
 * when i is out of range. */
SPASM_API const spasm_hit *spasm_results_hit(const spasm_results *r, size_t i);
/* Passages scored before top-k selection (and before grouping): every
 * match when the query is evaluated exhaustively, but bag-of-words queries
 * skip passages that provably cannot enter the top k, so then it is a
 * lower bound of the matches.  spasm_count() gives the exact number. */
SPASM_API uint64_t spasm_results_total(const spasm_results *r);
/*
 * What a search had to leave out, as flags and as text.  A prefix
 * ("dehydrat*") expands to the indexed terms starting with it, but the
 * prefixes of one query share a budget of 256 terms (less when the query
 * has over 512 plain words: words and expansions together stay within
 * 768): each gets an equal share of at most 256 (a prefix with fewer
 * terms leaves the rest to the others; each keeps at least one; each
 * occurrence of a prefix inside phrases, NEAR or groups takes its own
 * share) and keeps its most frequent terms (by document frequency).  At most 100,000 words are read
 * per prefix, and 400,000 per query beyond the first 256 of each.  When a prefix was cut,
 * spasm_results_flags() has SPASM_RESULT_EXPANSION_CUT and
 * spasm_results_notes() says which, one line per prefix (at most three,
 * then a count), lines separated by '\n', e.g.
 *   prefix 'a*' expanded to 256 of 9,812 terms (the most frequent)
 * Both are 0 / "" when nothing was cut (and for NULL).
 */
#define SPASM_RESULT_EXPANSION_CUT 1
SPASM_API unsigned spasm_results_flags(const spasm_results *r);
SPASM_API const char *spasm_results_notes(const spasm_results *r);

/* The query as corrected when typo tolerance corrected a word of it (the
 * query text with each corrected word replaced: "muscle spasm" for
 * "musle spasm"); "" when nothing was corrected (and for NULL).  Then
 * spasm_results_flags() has SPASM_RESULT_CORRECTED when a word the index
 * lacks was searched as its correction, and SPASM_RESULT_TYPO_ADDED when
 * a rare word of the index was searched as typed OR as its correction
 * (the passages holding the word as typed keep their place). */
#define SPASM_RESULT_CORRECTED 2
#define SPASM_RESULT_TYPO_ADDED 4
SPASM_API const char *spasm_results_suggestion(const spasm_results *r);

/* Free a result set (NULL is allowed), from any thread, before its index
 * is closed. */
SPASM_API void spasm_results_free(spasm_results *r);

/* ---- Synonyms (issue 14 part 4) ---------------------------------------------- */

/*
 * A synonym table in the Solr / Elasticsearch format (README, "Synonyms
 * and word families"): one rule a line, `a, b, c` (each stands for the
 * others) or `a, b => c, d` (a and b are replaced by c and d; list a on
 * the right to keep it), multi-word entries matching as phrases, `#` to
 * the end of the line a comment (at the start or after a blank).  Every
 * entry goes through the index's analyser, so entries match stems.  Give
 * it to searches in spasm_search_options.synonyms (it is immutable once
 * loaded: any number of searchers and threads may share it), or store it
 * in an index with `spasm-index --synonyms FILE`.  *out receives a
 * handle even on failure (NULL only when memory ran out): read
 * spasm_synonyms_errmsg(), e.g. "syn.txt:12: an empty entry between
 * commas" (SPASM_EQUERY), then free it.  SPASM_EIO when the file cannot
 * be read.
 */
typedef struct spasm_synonyms spasm_synonyms;
SPASM_API int spasm_synonyms_load(spasm_synonyms **out, const char *path);
/* The same from text[0, len), named `name` in messages. */
SPASM_API int spasm_synonyms_parse(spasm_synonyms **out, const char *name, const char *text,
                                   size_t len);
/* The message of the load's error ("" if none). */
SPASM_API const char *spasm_synonyms_errmsg(const spasm_synonyms *t);
/* The number of rules (lines that are not blank or comments). */
SPASM_API size_t spasm_synonyms_count(const spasm_synonyms *t);
/* Free a table (NULL is allowed) once no search uses it. */
SPASM_API void spasm_synonyms_free(spasm_synonyms *t);

/* ---- Looking things up ------------------------------------------------------- */

/* A document's number by its id; SPASM_ENOTFOUND if none.  In a live
 * index, the live version (older versions of a replaced document are
 * deleted); when several live documents have the id (shards, or
 * duplicate ids kept in one file), the first in collection order. */
SPASM_API int spasm_find_doc(spasm_searcher *s, const char *doc_id, uint32_t *doc);

/*
 * Fetch passage number `passage` (0-based, below the index's passage
 * count) as a one-hit result set: text, document id, title and ordinal,
 * with no score and no highlights.  SPASM_ENOTFOUND when there is no such
 * passage.  The passages of document d are first .. first + count - 1 from
 * spasm_doc_passages().  A deleted passage (live index) is
 * SPASM_ENOTFOUND, and so is a deleted document for spasm_doc_passages().
 */
SPASM_API int spasm_get_passage(spasm_searcher *s, uint32_t passage, spasm_results **out);

/* Document `doc`'s first passage number and passage count;
 * SPASM_ENOTFOUND when doc is not below the document count. */
SPASM_API int spasm_doc_passages(spasm_searcher *s, uint32_t doc, uint32_t *first, uint32_t *count);

/* ---- Updating a live index ----------------------------------------------- */

/*
 * A live index is a folder (docs/LIVE.md): immutable segments (each a
 * format-1 index file), deletion files and commit points.  An updater
 * adds, replaces and deletes documents by id and publishes the changes
 * atomically with spasm_updater_commit(); readers that opened an earlier
 * generation keep answering from it.  One updater per folder across
 * processes (a lock); readers never lock.
 *
 * Ids: adding a document whose id a committed document has replaces it
 * (upsert) at commit.  Within one batch (the changes between two commits)
 * the changes apply in the order they were made: add X then delete X
 * leaves no X, delete X then add X leaves the new X, and of several adds
 * of one id the last wins (the earlier ones are counted in
 * stats.batch_duplicates and reported by a warning event).  Deleting an
 * id that matches nothing is counted (stats.unknown_deletes) and reported
 * by a warning event at commit; it is not an error.
 *
 * BM25 statistics are exact: N, the average length and every document
 * frequency count the live documents only (the writer records the
 * deleted documents' term counts with their deletions).
 *
 * Errors are sticky, as for a writer: after a failed call every call
 * returns the same code; close the updater (the last commit is intact).
 * An updater is used by one thread at a time (it may move between
 * threads); the event callback runs in that thread.
 */
typedef struct spasm_updater spasm_updater;

typedef struct spasm_updater_stats {
    uint64_t generation;        /* of the last commit (0: none yet) */
    uint64_t segments;          /* in the last commit */
    uint64_t live_documents;    /* in the last commit */
    uint64_t deleted_documents; /* deleted but still in segments (merges drop them) */
    uint64_t live_passages, deleted_passages;
    uint64_t added;             /* documents added by this updater's commits */
    uint64_t replaced;          /* committed documents replaced by an add of their id */
    uint64_t deleted;           /* documents deleted by spasm_updater_delete() */
    uint64_t unknown_deletes;   /* deletes of ids no document had */
    uint64_t batch_duplicates;  /* adds superseded by a later add of the id in one batch */
    uint64_t merges;            /* merges run (each writes one segment) */
    uint64_t leftovers_removed; /* files of dead updaters removed at open */
    uint64_t commit_time;       /* of the last commit, seconds since 1970 */
} spasm_updater_stats;

/*
 * Open the live index folder `path` for updates, creating it when absent.
 * Takes the folder's lock: SPASM_EBUSY, naming the holder's pid, when
 * another updater holds it.  Removes the leftovers of dead updaters
 * (unlocked temporary files, files named by no kept commit point).  A
 * damaged newest commit point falls back to the previous valid one with
 * a warning event.  A format-1 index file at `path` becomes a live
 * folder at the same path first, atomically (docs/LIVE.md, "Upgrading a
 * single file"); any other file, or a folder that is not a live index,
 * is SPASM_EINVAL (never touched); a live
 * index of a newer format is SPASM_EVERSION.  opt as for a writer (NULL:
 * the defaults): memory_mb, threads, alloc, on_event and cancel apply to
 * every segment written; k1, b and no_stopwords set the defaults of a
 * new folder, and an existing folder keeps its own (asking for other
 * values is SPASM_EINVAL).  *out receives a handle even on failure
 * (NULL only when memory ran out): read spasm_updater_errmsg(), then
 * spasm_updater_close().
 */
SPASM_API int spasm_updater_open(spasm_updater **out, const char *path,
                                 const spasm_writer_options *opt);

/* Add (or replace, by id) one document, as spasm_writer_add() and
 * spasm_writer_add_passages(). */
SPASM_API int spasm_updater_add(spasm_updater *u, const char *id, const char *title,
                                const char *text, size_t len);
SPASM_API int spasm_updater_add_passages(spasm_updater *u, const char *id, const char *title,
                                         const char *const *passages, const size_t *lens, size_t n);
/* Add (or replace) the documents of a file or folder, or of a descriptor,
 * as spasm_writer_add_path() and spasm_writer_add_fd().  The live folder
 * itself is refused. */
SPASM_API int spasm_updater_add_path(spasm_updater *u, const char *path);
SPASM_API int spasm_updater_add_fd(spasm_updater *u, int fd, const char *name, int format);

/* Delete the document with id `id` (at commit; see the ids above). */
SPASM_API int spasm_updater_delete(spasm_updater *u, const char *id);

/* Delete everything: the next commit holds only what is added after this
 * call (a rebuild in place; readers keep their generation). */
SPASM_API int spasm_updater_delete_all(spasm_updater *u);

/*
 * Publish the batch as one new generation: the new segment, the deletion
 * files and the commit point are written aside and fsync'd together with
 * the folder, then the commit point is renamed into place and the folder
 * fsync'd (docs/LIVE.md, "Syncs"); the files no kept commit point names
 * are removed every 16 commits (sooner when they hold 64 MB) and by
 * spasm_updater_close().  Runs the merge policy first (docs/LIVE.md).  A commit of a folder that
 * already has a commit point and no change does nothing.  The updater stays open.
 */
SPASM_API int spasm_updater_commit(spasm_updater *u);

/* Commit the batch with every segment merged into one (deleted documents
 * dropped): the collection then searches exactly like a one-shot index
 * of its live documents. */
SPASM_API int spasm_updater_optimize(spasm_updater *u);

/* Drop the uncommitted changes, remove the temporary files and the files
 * superseded by the commits (when no error occurred), unlock, free.
 * NULL is allowed. */
SPASM_API void spasm_updater_close(spasm_updater *u);

/* The message of the updater's last error ("" if none). */
SPASM_API const char *spasm_updater_errmsg(const spasm_updater *u);

/* The updater's counters (all zero for NULL). */
SPASM_API void spasm_updater_get_stats(const spasm_updater *u, spasm_updater_stats *out);

/* What a live index folder holds, read without the lock (spasm-index --info). */
typedef struct spasm_segment_info {
    uint64_t id;        /* file seg-ID.sps, ID in 16 hex digits */
    uint64_t bytes;     /* of the segment file */
    uint64_t documents; /* in the segment, deleted ones included */
    uint64_t passages;
    uint64_t deleted_documents, deleted_passages;
} spasm_segment_info;

typedef struct spasm_live_info {
    uint64_t generation, commit_time;
    uint64_t live_documents, deleted_documents, live_passages, deleted_passages;
    uint64_t bytes; /* of the segment and deletion files */
    size_t nsegments;
    spasm_segment_info *segments; /* in collection order */
    char warnings[512];           /* damaged commit points skipped ("" if none) */
    char errmsg[512];             /* why reading failed ("" if it did not) */
} spasm_live_info;

/* Read the newest valid commit point of the folder `path` into *out (a
 * fresh allocation even on failure, NULL only when memory ran out; free
 * it with spasm_live_info_free).  0, SPASM_EINVAL (not a live index
 * folder), SPASM_ENOTFOUND (no commit yet), SPASM_ECORRUPT,
 * SPASM_EVERSION or SPASM_EIO, with out->errmsg. */
SPASM_API int spasm_live_info_read(const char *path, spasm_live_info **out);
SPASM_API void spasm_live_info_free(spasm_live_info *info);

/* ---- Inspecting an index (spasm-inspect) ------------------------------- */

/* Room for a term (a stemmed word) with its NUL. */
#define SPASM_TERM_BYTES 264

/* A term's live statistics (spasm_term_postings). */
typedef struct spasm_term_stats {
    char term[SPASM_TERM_BYTES]; /* the word folded and stemmed, as indexed */
    uint64_t df;                 /* live passages holding it */
    uint64_t cf;                 /* its occurrences in them */
} spasm_term_stats;

/* One posting: a passage holding the term, how often, and where. */
typedef struct spasm_posting {
    uint32_t passage;          /* global passage number (as spasm_hit.passage) */
    uint32_t tf;               /* occurrences in the passage */
    const uint32_t *positions; /* their word positions (0-based), ascending;
                                  valid during the callback only */
    size_t npositions;         /* = tf */
} spasm_posting;

/* Called for each posting; return non-zero to stop the listing. */
typedef int (*spasm_posting_fn)(void *ud, const spasm_posting *p);

/*
 * Analyse `word` as a query word is (folded, stemmed: "Running" ->
 * "run"), then walk the term's postings over the collection in passage
 * order, deleted passages (live index) skipped: *st gets the term, its
 * live df (the number of passages spasm_count() gives for the word when
 * it is not a stop word) and cf, always over every posting; fn (may be
 * NULL) is called for each posting until it returns non-zero.  A term
 * not indexed is SPASM_OK with df 0.  SPASM_EQUERY when `word` is not
 * exactly one word ("sit-ups" is two), SPASM_ECORRUPT for a damaged
 * posting list.  Cost: the whole list is read, O(df).
 */
SPASM_API int spasm_term_postings(spasm_searcher *s, const char *word, spasm_term_stats *st,
                                  spasm_posting_fn fn, void *ud);

/* The length in words of passage `passage` (global number, the BM25
 * length); SPASM_ENOTFOUND when there is no such passage or it was
 * deleted. */
SPASM_API int spasm_passage_length(spasm_searcher *s, uint32_t passage, uint32_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SPASM_H */
