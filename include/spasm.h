/*
 * spasm.h -- the whole public API of libspasm, a small full-text search
 * engine that ranks passages (paragraphs) with BM25.
 *
 * Three handles, each owned by the caller:
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
 *   spasm_results   the ranked results of one search, owned by the caller
 *                   and independent of the searcher once returned (it may
 *                   be read from another thread and outlives later
 *                   searches, but not the spasm_index).
 *
 * There is no global mutable state: two indexes may be open in one process,
 * and writers and indexes never share anything.
 *
 * Errors: every call that can fail returns an int, SPASM_OK (0) on success
 * or one of the SPASM_E* codes below.  The handle involved keeps a message
 * for its last error (spasm_writer_errmsg, spasm_index_errmsg,
 * spasm_searcher_errmsg), naming the file, line, byte offset or query
 * position at fault.  spasm_errstr() turns a code into a generic string.
 * Out of memory is reported as SPASM_ENOMEM; the library never aborts.
 *
 * Memory: all allocation goes through an optional realloc-style function
 * given in the options (as in Lua's lua_newstate); NULL means the C
 * library's malloc/realloc/free.
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
#define SPASM_VERSION_NUMBER                                                   \
    (SPASM_VERSION_MAJOR * 10000 + SPASM_VERSION_MINOR * 100 + SPASM_VERSION_PATCH)

/* The version of the library actually linked, e.g. "0.1.0". */
SPASM_API const char *spasm_version(void);

/* The index format version this library writes (and the only one it reads). */
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
    uint64_t documents;     /* documents added */
    uint64_t passages;      /* passages made from them */
    uint64_t tokens;        /* tokens indexed */
    uint64_t terms;         /* distinct terms (after commit) */
    uint64_t postings;      /* (term, passage) pairs (after commit) */
    uint64_t input_bytes;   /* bytes of input read (uncompressed) */
    uint64_t skipped_files; /* binary or unreadable files skipped in folders */
    uint64_t repaired;      /* documents whose invalid UTF-8 was repaired */
    uint64_t index_bytes;   /* size of the index file (after commit) */
    uint64_t files_done;    /* input files finished */
} spasm_writer_stats;

typedef void (*spasm_event_fn)(void *ud, spasm_event_kind kind, const char *message,
                               const spasm_writer_stats *stats);

typedef struct spasm_writer_options {
    double k1;             /* BM25 k1 stored as the index default; 0 = 0.9 */
    double b;              /* BM25 b stored as the index default; <0 = 0.4 */
    int no_stopwords;      /* 1: do not drop stop words from bag-of-words
                              queries by default (see README) */
    unsigned memory_mb;    /* indexing memory budget; 0 = default */
    spasm_event_fn on_event; /* optional progress and warning callback */
    void *event_ud;
    spasm_alloc_fn alloc;  /* optional allocator; NULL = malloc */
    void *alloc_ud;
} spasm_writer_options;

/*
 * Start a new index that will replace `path` on commit.  Nothing at `path`
 * is touched until spasm_writer_commit() succeeds.  *out receives a writer
 * even on failure (unless memory ran out, then NULL) so that the message
 * can be read; free it with spasm_writer_abandon().
 */
SPASM_API int spasm_writer_new(spasm_writer **out, const char *path,
                               const spasm_writer_options *opt);

/*
 * Add one document.  `id` must be non-empty; `title` may be NULL; `text` is
 * UTF-8 of `len` bytes (invalid bytes are repaired).  The text is split
 * into passages (paragraphs) as described in the README.
 */
SPASM_API int spasm_writer_add(spasm_writer *w, const char *id, const char *title,
                               const char *text, size_t len);

/*
 * Add one document whose passages the caller has split: `passages[i]` of
 * `lens[i]` bytes, for i < n.  Each becomes one passage, in order.
 */
SPASM_API int spasm_writer_add_passages(spasm_writer *w, const char *id,
                                        const char *title, const char *const *passages,
                                        const size_t *lens, size_t n);

/*
 * Add a file or a directory (recursively, in name order): `.txt` files
 * (one article each: id = file name without extension, title = the first
 * line when it reads like one), `.jsonl` and `.jsonl.gz` (one JSON object
 * per line: "id" or "_id", optional "title", "text").  A file named
 * directly that is binary or unreadable is an error; inside a directory it
 * is skipped with a warning and counted in stats.skipped_files.
 */
SPASM_API int spasm_writer_add_path(spasm_writer *w, const char *path);

/* Write the index aside, fsync it and rename it over `path`.  The writer
 * must still be freed with spasm_writer_abandon() afterwards. */
SPASM_API int spasm_writer_commit(spasm_writer *w);

/* Free the writer; if it was not committed, remove every temporary file. */
SPASM_API void spasm_writer_abandon(spasm_writer *w);

/* Counters so far; valid until the writer is freed. */
SPASM_API const spasm_writer_stats *spasm_writer_get_stats(const spasm_writer *w);

/* The message of the writer's last error ("" if none). */
SPASM_API const char *spasm_writer_errmsg(const spasm_writer *w);

/* ---- Opening an index ----------------------------------------------------- */

typedef struct spasm_index spasm_index;

#define SPASM_OPEN_VERIFY 1 /* check every checksum at open (else lazily) */

typedef struct spasm_open_options {
    unsigned flags;        /* SPASM_OPEN_* */
    spasm_alloc_fn alloc;  /* optional allocator; NULL = malloc */
    void *alloc_ud;
} spasm_open_options;

/*
 * Open an index read-only.  Like sqlite3_open(), *out receives a handle
 * even on failure (NULL only when memory ran out) so that
 * spasm_index_errmsg() can say what went wrong; always spasm_close() it.
 */
SPASM_API int spasm_open(spasm_index **out, const char *path, const spasm_open_options *opt);

/* Close an index (NULL is allowed).  Results from it must be freed first. */
SPASM_API void spasm_close(spasm_index *ix);

/* The message of the index's open or verify error ("" if none). */
SPASM_API const char *spasm_index_errmsg(const spasm_index *ix);

/* Check every checksum of the index; SPASM_ECORRUPT names the section. */
SPASM_API int spasm_index_verify(spasm_index *ix);

typedef struct spasm_index_stats {
    uint64_t documents;
    uint64_t passages;
    uint64_t terms;
    uint64_t tokens;       /* sum of passage lengths */
    double avg_passage_len; /* in tokens */
    double k1, b;          /* the BM25 defaults stored in the index */
    uint64_t file_bytes;
    int format_version;
} spasm_index_stats;

SPASM_API void spasm_index_get_stats(const spasm_index *ix, spasm_index_stats *out);

/* ---- Searching -------------------------------------------------------------- */

typedef struct spasm_searcher spasm_searcher;
typedef struct spasm_results spasm_results;

#define SPASM_GROUP_NONE 0 /* one result per passage */
#define SPASM_GROUP_DOC 1  /* one result per document: its best passage */

typedef struct spasm_search_options {
    size_t k;         /* results wanted; 0 = 10 */
    size_t offset;    /* results to skip, for paging */
    double k1;        /* BM25 k1; 0 = the index default */
    double b;         /* BM25 b; <0 = the index default (use -1) */
    int group;        /* SPASM_GROUP_* */
    int no_collapse;  /* 1: keep near-duplicate passages */
    int explain;      /* 1: fill spasm_hit.explain */
    int keep_stopwords; /* 1: do not drop stop words from the query */
    size_t snippet_bytes; /* target snippet length; 0 = 240 */
    unsigned fields;  /* SPASM_FIELD_* to fill in each hit; 0 = SPASM_FIELDS_ALL */
} spasm_search_options;

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

/* Fill `o` with the defaults (k = 10, index k1/b, no grouping, ...). */
SPASM_API void spasm_search_options_init(spasm_search_options *o);

/* A byte range [start, end) of a hit's text that matched the query. */
typedef struct spasm_span {
    uint32_t start, end;
} spasm_span;

typedef struct spasm_hit {
    double score;
    uint32_t passage;        /* passage number in the index (0-based) */
    uint32_t doc;            /* document number in the index (0-based) */
    uint32_t ordinal;        /* passage ordinal within its document (0-based) */
    const char *doc_id;      /* the document's id */
    const char *title;       /* the document's title ("" if none) */
    const char *text;        /* the passage's full text (NUL-terminated) */
    size_t text_len;
    const spasm_span *highlights; /* matched words in text, in order */
    size_t nhighlights;
    uint32_t snippet_start, snippet_end; /* best window of text (bytes) */
    const char *explain;     /* with opts.explain: the score broken down */
    const uint32_t *dup_passages; /* near-duplicates folded into this hit */
    size_t ndups;
} spasm_hit;

/* Make a searcher for one thread.  Free with spasm_searcher_free(). */
SPASM_API int spasm_searcher_new(spasm_index *ix, spasm_searcher **out);
SPASM_API void spasm_searcher_free(spasm_searcher *s);

/* The message of the searcher's last error ("" if none). */
SPASM_API const char *spasm_searcher_errmsg(const spasm_searcher *s);

/*
 * Run `query` (see the README for the syntax) and return the ranked hits
 * in *out (NULL on error).  opts may be NULL for the defaults.  A query
 * with no searchable term is SPASM_EQUERY.  Zero hits is SPASM_OK with an
 * empty result set.
 */
SPASM_API int spasm_search(spasm_searcher *s, const char *query,
                           const spasm_search_options *opts, spasm_results **out);

/* Count the passages that match `query`, without ranking. */
SPASM_API int spasm_count(spasm_searcher *s, const char *query, uint64_t *count);

SPASM_API size_t spasm_results_count(const spasm_results *r);
/* Hit i (0-based, i < count), owned by r. */
SPASM_API const spasm_hit *spasm_results_hit(const spasm_results *r, size_t i);
/* Passages scored before top-k selection (and before grouping): every
 * match when the query is evaluated exhaustively, but bag-of-words queries
 * skip passages that provably cannot enter the top k, so then it is a
 * lower bound of the matches.  spasm_count() gives the exact number. */
SPASM_API uint64_t spasm_results_total(const spasm_results *r);
SPASM_API void spasm_results_free(spasm_results *r);

/* ---- Looking things up ------------------------------------------------------- */

/* A document's number by its id; SPASM_ENOTFOUND if none. */
SPASM_API int spasm_find_doc(spasm_searcher *s, const char *doc_id, uint32_t *doc);

/*
 * Fetch one passage as a one-hit result set (no score, no highlights):
 * passage number `passage`, or with passage == UINT32_MAX, the passage of
 * document `doc` with the given ordinal via spasm_get_doc_passage().
 */
SPASM_API int spasm_get_passage(spasm_searcher *s, uint32_t passage, spasm_results **out);

/* Document `doc`'s first passage number and passage count. */
SPASM_API int spasm_doc_passages(spasm_searcher *s, uint32_t doc, uint32_t *first,
                                 uint32_t *count);

#ifdef __cplusplus
}
#endif

#endif /* SPASM_H */
