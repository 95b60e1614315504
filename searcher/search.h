/*
 * search.h -- internals shared by search.c (iterator tree, API),
 * rank.c (MaxScore for OR-of-terms) and results.c (hits, snippets).
 */
#ifndef SPASM_SEARCH_H
#define SPASM_SEARCH_H

#include "index.h"
#include "query.h"

/* One node of the iterator tree (see search.c). */
typedef struct it {
    qtype type;
    uint32_t doc; /* current passage, SP_END when exhausted */
    int settled;  /* doc is a match of this node (not just a start) */
    int empty;    /* a term absent from the index */
    int is_prefix;
    sp_cursor cur; /* Q_TERM */
    char *name;    /* Q_TERM: the stem */
    uint32_t df;
    uint32_t qtf;   /* Q_TERM: query term frequency (> 1: idf is times qweight) */
    double qweight; /* sp_qtf_weight(qtf) */
    double idf;
    uint32_t near, freq;
    uint32_t width; /* positions an occurrence spans (PHRASE, NEAR operands) */
    uint32_t *pos;  /* Q_PHRASE: start positions of the last match */
    size_t npos, cappos;
    uint32_t *tmp; /* Q_PHRASE: scratch for the other words' positions */
    size_t captmp;
    uint32_t **lists;          /* Q_NEAR: per operand positions, lengths, capacities, */
    size_t *lens, *caps, *idx; /* and sweep indexes, kept between passages */
    struct it **kids;
    size_t nkids;
    uint32_t *lead; /* AND, PHRASE, NEAR: kids in leapfrog order, rarest first */
    qfield field;   /* Q_TERM: title: or text: (freq, pos: its occurrences there) */
    double boost;   /* TERM, PHRASE: a synonym's or family member's weight (0 = 1) */
} it;

typedef struct sp_prox_scratch sp_prox_scratch; /* proximity.c */
typedef struct sp_rwin sp_rwin;                 /* rank_window.c */

typedef struct it_ctx {
    sp_seg *ix;          /* the segment being evaluated (sp_it_use_part) */
    spasm_index *col;    /* the collection: global statistics */
    const sp_part *part; /* ix's place in it */
    const uint64_t *del; /* its deleted passages, NULL: none */
    struct sp_gdf *gdf;  /* live dfs looked up so far (gdf.c) */
    const sp_alloc *a;
    double k1, b, avgdl; /* avgdl: the collection's live average */
    int defaults;        /* k1 and b are the segment's (stored block maxima apply) */
    double norm_c;       /* min(1, segment avgdl / avgdl): a stored block norm n
                            bounds the norm at avgdl by n / (n + norm_c (1 - n)) */
    int rc;
    char *err;
    size_t nterms_open;
    struct sp_expansion *exp; /* the query's prefixes, expanded (expand.c) */
    unsigned flags;           /* SPASM_RESULT_* */
    size_t prefix_budget;     /* terms the prefixes shared */
    size_t nprefix_occ;       /* prefixes in the query, each time it occurs */
    sp_buf notes;             /* lines for spasm_results_notes() */
    double tw;                /* title weight: a word anywhere counts w times in the
                                 title (1: once; fields.c) */
    double delta;             /* BM25+ delta: a matching word adds idf * delta (0: off) */
    /* search cancellation (spasm_searcher_set_cancel): watch is set when
     * a flag or a deadline is, tick counts steps between checks */
    int watch;
    unsigned tick;
    const volatile sig_atomic_t *cancel;
    uint64_t deadline_ns;
    struct sp_fixes *fix; /* typo corrections (suggest.c) */
    /* proximity (proximity.c) */
    double prox;                   /* its weight; 0: off */
    sp_prox_scratch *prox_scratch; /* the searcher's, when prox > 0 */
    int boiler;    /* 1: scores times the segment's furniture prior (boilerplate.h) */
    int defer;     /* terms built without a cursor, matching nothing until sp_it_bind() */
    sp_rwin *rwin; /* the searcher's scratch for rank_window.c (NULL: not used) */
} it_ctx;

typedef struct sp_cand {
    double score;
    uint32_t passage, doc;
} sp_cand;

/* The candidates' buffer holds k + k / SP_TOPK_SLACK (at least k + 16).
 * 2 since stop 26 (was 4): a compaction (quickselect, and the documents'
 * table) then comes every k / 2 offers instead of k / 4, for a threshold
 * that lags a little more: title queries at k = 1000 0.88-0.93x the time,
 * long ones 0.99x, the same rankings (bench/README.md, "Deep top-k: the
 * buffer's slack"). */
#ifndef SP_TOPK_SLACK
#define SP_TOPK_SLACK 2
#endif
/* The buffer's capacity for k, and the entries allocated: a top k of
 * SP_RADIX_MIN or more is sorted with k entries more as scratch (search.c,
 * radix_best()). */
#define SP_TOPK_CAP(k) ((k) + SP_MAX((k) / SP_TOPK_SLACK, (size_t)16))
#define SP_RADIX_MIN 256
#define SP_TOPK_ROOM(k) (SP_TOPK_CAP(k) + ((k) >= SP_RADIX_MIN ? (k) : 0))

typedef struct sp_topk {
    sp_seg *ix;            /* the segment whose passages are offered */
    uint32_t pbase, dbase; /* its first global passage and document */
    /* The candidates: those offered with a score above the threshold, in
     * a buffer of cap entries; when it fills, the k best are kept
     * (quickselect) and the worst of them sets the threshold (search.c).
     * Cheaper than a heap for deep k: no sifting per entry, and the table
     * by document only changes when entries come and go. */
    sp_cand *h;
    size_t n, k, cap;
    int full;         /* k entries were offered: threshold applies */
    double threshold; /* score of the k-th best at the last compaction, once full */
    /* Grouping by document: a document's passages are contiguous (DOCS,
     * docs/FORMAT.md) and every ranker offers a segment's passages in
     * order, so the best passage of the document being offered waits in
     * pend and enters the buffer once another document's passage comes
     * (or at the end): each document enters at most once, with no table
     * by document (search.c, sp_heap_offer()). */
    int group;
    int pend_on;   /* pend holds a passage */
    int unordered; /* a segment's PASS went back to an earlier document: corrupt */
    sp_cand pend;
    uint64_t total;
} sp_topk;

/* ---- prefix expansion (expand.c) ---- */

#define SP_PREFIX_MAX 256 /* terms one prefix expands to, at most */
#define SP_PREFIX_BUDGET                                                                           \
    256 /* terms all the prefixes of a query share, within SP_QUERY_MAX_TERMS */
#define SP_PREFIX_SCAN 100000 /* words read for one prefix, at most */
#define SP_PREFIX_SCAN_TOTAL                                                                       \
    400000 /* words read for a query's prefixes beyond                                             \
               SP_PREFIX_MAX each */

/* Expand every prefix of q into x->exp under the budget (notes and flags
 * in x).  0 or an error code (message in x->err). */
int sp_expand(it_ctx *x, const qnode *q);
typedef int (*sp_stem_fn)(void *ud, const char *stem, size_t len);
/* Call fn for each term kept for prefix[0, len), most frequent first;
 * returns 0 or the first non-zero value fn returned. */
int sp_expansion_each(const it_ctx *x, const char *prefix, size_t len, sp_stem_fn fn, void *ud);
/* Free x's expansion and notes. */
void sp_expansion_free(it_ctx *x);

/* ---- the iterator tree (iter.c) ---- */

/* What evaluating a query may cost (iter.c): postings read by its
 * phrases, NEAR, AND and boolean groups (a term's df; SP_COST_POSITIONS
 * times that inside a phrase or NEAR), at most SP_COST_PER_PASSAGE per
 * passage of the index and never less than SP_COST_MIN; more is
 * SPASM_EQUERY.  The root's plain disjunction is not counted. */
#define SP_COST_POSITIONS 4.0
#define SP_COST_PER_PASSAGE 32.0
#define SP_COST_MIN 1000000.0

/* Evaluate the next trees on part p of the collection (sets x->ix, del,
 * defaults, norm_c). */
void sp_it_use_part(it_ctx *x, const sp_part *p);
/* 1 if passage d of the current segment is deleted. */
static inline int sp_it_deleted(const it_ctx *x, uint32_t d)
{
    return x->del && (x->del[d >> 6] >> (d & 63) & 1);
}
/* The live df of a term over the collection, looked up once per query
 * (gdf.c).  0 or an error code (message in x->err). */
int sp_gdf_get(it_ctx *x, const char *term, size_t len, uint64_t *df);
/* The same, and the term's dictionary entry in the current segment
 * (x->part): 1 there, 0 not there, <0 an error code negated. */
int sp_gdf_find(it_ctx *x, const char *term, size_t len, uint64_t *df, sp_terminfo *ti);
/* The term's dictionary entry in part `part` of the collection (any
 * part, not only the current one): 1 there with live postings, 0 not
 * there (or all deleted), <0 an error code negated. */
int sp_gdf_part_find(it_ctx *x, const char *term, size_t len, size_t part, sp_terminfo *ti);
void sp_gdf_free(it_ctx *x);

/* Build the iterator tree of a parsed query (prefixes expanded already:
 * sp_expand) on the current segment; NULL with *rc set on error. */
it *sp_it_build(it_ctx *x, const qnode *q, int *rc);
/* The same without the cost check (explain.c rebuilds a checked query). */
it *sp_it_build_tree(it_ctx *x, const qnode *q, int *rc);
/* bind.c: 1 when q's tree is the same on every segment (terms and
 * prefixes without a field, OR-ed), so that one tree built with x->defer
 * serves them all; sp_it_bind() readies such a tree on x's current
 * segment (sp_it_use_part) as sp_it_build() would have built it there:
 * 0 or an error code (message in x->err). */
int sp_it_bindable(const qnode *q);
int sp_it_bind(it_ctx *x, it *n);
/* The leaves of an OR tree, 1 for any other node (rank.c). */
size_t sp_it_count_leaves(const it *n);
/* BM25 of one scoring leaf with idf, tf, at passage length dl. */
double sp_bm25(const it_ctx *x, double idf, double tf, uint32_t dl);
void sp_it_free(it_ctx *x, it *n);
/* Move n to the first passage >= target that it matches (SP_END: none). */
uint32_t sp_it_next(it_ctx *x, it *n, uint32_t target);
/* ---- fields (fields.c) ---- */

/* The title's positions in passage d of the current segment (TLEN; 0
 * without a title or without TLEN; an error lands in x->rc). */
uint32_t sp_field_tspan(it_ctx *x, uint32_t d);
/* Keep the positions of term n at its current passage d that lie in its
 * field, into n->pos (count in n->npos and n->freq).  Returns the count,
 * or -error. */
long sp_field_filter(it_ctx *x, it *n, uint32_t d);
/* The tf that BM25 counts for term n at its current passage d: its
 * occurrences in its field, or for a word anywhere tf + (w - 1) * (those
 * in the title) with title weight w (x->tw; plain tf when w = 1). */
double sp_field_tf(it_ctx *x, it *n, uint32_t d);
/* sp_field_tf(), inline for the common case (no field, weight 1). */
static inline double sp_term_tf(it_ctx *x, it *n, uint32_t d)
{
    if (n->field == F_ANY && x->tw == 1) return sp_cursor_tf(&n->cur);
    return sp_field_tf(x, n, d);
}
/* A bound of the tf-norm of a term with title weight w from a bound v of
 * its unweighted one: tf' <= w tf, and w tf / (w tf + K) = w v / (w v + 1 - v). */
static inline double sp_field_norm_bound(double w, double v)
{
    return w <= 1 ? v : w * v / (w * v + 1 - v);
}

/* The score of n at passage d, where n->doc == d; dl is d's length. */
double sp_it_score(it_ctx *x, it *n, uint32_t d, uint32_t dl);
/* The summed idf of a node's words. */
double sp_it_idf(const it *n);
/* Append the stems of n's positive leaves to out, NUL-separated. */
void sp_it_stems(const it *n, sp_buf *out, int negative);
/* Explanations for n hits (rank order); offs[i]: offset of hit i's text in out. */
int sp_it_explain_hits(it_ctx *x, const qnode *qt, const sp_cand *hits, size_t n, sp_buf *out,
                       size_t *offs);

/* Stored-text and document-metadata blocks a searcher keeps inflated
 * besides the current one (sp_store_cache_keep): at most 32 x 64 KiB
 * each, in practice 32 x 4 KiB of text and 32 x 2 KiB of titles (16 and 8
 * KiB in format-1 files). */
#define SP_SEARCHER_TEXT_BLOCKS 32
#define SP_SEARCHER_META_BLOCKS 32

struct spasm_searcher {
    spasm_index *ix;
    const sp_alloc *a;
    sp_analyzer *an;
    char errmsg[SP_ERRMSG_MAX];
    sp_store_cache textcache, metacache;
    int force_exhaustive;  /* tests: skip MaxScore */
    int no_rwin;           /* tests: MaxScore without rank_window.c */
    int no_seg_plan;       /* tests: segments in order, none left out (segplan.c) */
    uint64_t segs_skipped; /* tests: segments segplan.c's bound left out, so far */
    size_t check_turn;     /* the live segment sp_col_check_files_turn() checks next */
    sp_prox_scratch *prox; /* the proximity component's scratch, made on first use */
    sp_rwin *rwin;         /* rank_window.c's, made on the first search */
    /* spasm_searcher_set_cancel */
    const volatile sig_atomic_t *cancel;
    uint64_t deadline_ns;
};

/* Cancellation: 1 (x->rc = SPASM_ECANCELED, the message in x->err) when
 * the searcher's flag is set or its deadline passed, else 0 (search.c). */
int sp_cancel_check(it_ctx *x);
/* The check, at the granularity of a ranking window or a segment: free
 * when no flag or deadline is set. */
static inline int sp_canceled(it_ctx *x)
{
    return x->watch && sp_cancel_check(x);
}
/* The same every 256 calls, for loops over single passages. */
static inline int sp_canceled_every(it_ctx *x)
{
    return x->watch && (++x->tick & 255) == 0 && sp_cancel_check(x);
}

double sp_idf(uint64_t N, uint64_t df);
#define SP_BM25_K3 8.0
double sp_qtf_weight(uint32_t qtf);

/* The length of passage d (LENS checked lazily; an error lands in x->rc). */
static inline uint32_t sp_it_len(it_ctx *x, uint32_t d)
{
    return sp_ix_len_checked(x->ix, d, &x->rc, x->err);
}

/* The order in which to rank the collection's segments, best bound
 * first, into order[0, nparts), and each segment's bound of a passage's
 * score into bound[] (HUGE_VAL: unknown, never left out), from root, the
 * query's tree on any segment (segplan.c).  0 or an error code. */
int sp_seg_plan(it_ctx *x, const it *root, size_t *order, double *bound);

/* Offer a passage to the top-k buffer (topk.c). */
void sp_heap_offer(sp_topk *t, uint32_t passage, double score);
/* Ready t for the best cap passages: an empty buffer, no threshold yet.
 * 0 or SPASM_ENOMEM. */
int sp_topk_init(const sp_alloc *a, sp_topk *t, size_t cap);
/* The k best of t's candidates, best first, in t->h[0, t->n). */
void sp_topk_finish(sp_topk *t);

/* ---- the proximity component (proximity.c) ---- */

/* A searcher's scratch for the component (NULL: out of memory), and its end. */
sp_prox_scratch *sp_prox_scratch_new(const sp_alloc *a);
void sp_prox_scratch_free(const sp_alloc *a, sp_prox_scratch *s);
#define SP_PROX_MAX 100.0 /* the largest weight */

/* A term on the passage being scored: its cursor, which may have moved
 * on within the block (rank.c's lazy advance), and the posting's index
 * there. */
typedef struct sp_prox_term {
    sp_cursor *c;
    uint32_t i;
    double idf;
    const char *name; /* for --explain */
} sp_prox_term;

/* The largest share of the component a term of this idf can add to a
 * passage's score (with a rounding margin), 0 when it is off. */
double sp_prox_term_bound(const it_ctx *x, double idf);
/* The Q_TERM leaves of root's disjunction, in query order, into *out
 * (the caller frees it), when the component is on and applies to root
 * with at least two terms; else *out = NULL.  0 or SPASM_ENOMEM. */
int sp_prox_leaves(it_ctx *x, it *root, it ***out, size_t *n);
/* The component at a passage of length dl for the terms t[0, n) on it
 * (query order); the per-term breakdown goes to ex when not NULL.  0 or
 * an error code (x->err set). */
int sp_prox_bonus(it_ctx *x, const sp_prox_term *t, size_t n, uint32_t dl, double *bonus,
                  sp_buf *ex);

/* rank_window.c's scratch (NULL: out of memory), and its end. */
sp_rwin *sp_rwin_new(const sp_alloc *a);
void sp_rwin_free(const sp_alloc *a, sp_rwin *w);
/* The windows it has evaluated (tests: the path was taken). */
uint64_t sp_rwin_windows(const sp_rwin *w);

/* Rank with MaxScore when root is a term or an OR of terms; returns 1 if
 * it did (results in t), 0 if the tree needs the general evaluator. */
int sp_rank_maxscore(it_ctx *x, it *root, sp_topk *t);

/* Near-duplicates folded into kept candidates (collapse.c). */
typedef struct sp_fold {
    size_t nreps;   /* candidates kept, compacted to the front, in rank order */
    sp_cand *dupv;  /* the folded ones, grouped by the kept one they fold into */
    size_t *dupoff; /* kept candidate r's: dupv[dupoff[r], dupoff[r + 1]) */
    size_t ndups;
} sp_fold;

/*
 * Folding near-duplicates among ranked candidates (collapse.c), best
 * first: each candidate folds into the best-ranked kept one it is a
 * near-duplicate of, else is kept while fewer than `need` are, else is
 * dropped.  sp_folder_feed() decides c[done, n) (a longer list whose
 * first `done` candidates are those already fed goes on from there; any
 * other starts over); sp_folder_finish() moves the kept ones to the front
 * of c, in rank order, and lists their near-duplicates in *out.  Each
 * returns 0 or an error code (message in s->errmsg).
 */
typedef struct sp_folder sp_folder;
int sp_folder_new(spasm_searcher *s, size_t need, sp_folder **out);
int sp_folder_feed(sp_folder *f, const sp_cand *c, size_t n);
size_t sp_folder_kept(const sp_folder *f);
size_t sp_folder_texts(const sp_folder *f); /* passages whose text it analysed */
int sp_folder_finish(sp_folder *f, sp_cand *c, size_t n, sp_fold *out);
void sp_folder_free(sp_folder *f);
void sp_fold_free(spasm_searcher *s, sp_fold *f);

/*
 * Folding from the DUPS section (collapse_dups.c), for the folder.
 * sp_dfold_new: *out NULL when the collection's pairs are not all listed
 * (a segment without DUPS, two segments neither of whose XDUP names the
 * other: fold as without), else the state; 0 or an error code.
 * sp_dfold_decide: for global passage p, *nlist its listed near-duplicates
 * and *into the smallest candidate number among the kept ones of them
 * (UINT32_MAX: none).  sp_dfold_keep: p, kept as candidate `cand`, is a
 * fold target from now on (only passages with a list need it).
 */
typedef struct sp_dfold sp_dfold;
/* A collection's near-duplicate pairs over several segments
 * (collapse_xdup.c): global passages (a << 32 | b), both ways, sorted;
 * bits: the passages with a pair.  sp_xfold_get: *out the handle's table
 * (made on the first call), NULL when some pairs are listed nowhere (a
 * segment without DUPS, two segments never checked against each other). */
typedef struct sp_xfold {
    uint64_t *pairs;
    size_t n;
    uint64_t *bits;
    int usable;
} sp_xfold;
int sp_xfold_get(spasm_searcher *s, const sp_xfold **out);
int sp_dfold_new(spasm_searcher *s, sp_dfold **out);
void sp_dfold_prefetch(const sp_dfold *f, uint32_t p);
int sp_dfold_decide(const sp_dfold *f, uint32_t p, uint32_t *into, uint32_t *nlist, char *err);
int sp_dfold_keep(sp_dfold *f, const sp_alloc *a, uint32_t p, uint32_t cand);
void sp_dfold_reset(sp_dfold *f);
void sp_dfold_free(sp_dfold *f, const sp_alloc *a);

/* Build the results of a search from the ranked candidates t->h[0, n),
 * with the near-duplicates in fold (NULL: none). */
int sp_results_build(spasm_searcher *s, it_ctx *x, it *root, const qnode *qt,
                     const spasm_search_options *o, sp_topk *t, const sp_fold *fold,
                     spasm_results **out);

/* Attach flags and notes (notes[0, n), lines ending in '\n') to r;
 * 0 or SPASM_ENOMEM. */
int sp_results_set_notes(spasm_results *r, unsigned flags, const char *notes, size_t n);
/* Attach the corrected query text[0, n) (n = 0: none; suggest.c) to r,
 * with flags (SPASM_RESULT_CORRECTED, SPASM_RESULT_TYPO_ADDED); call after
 * sp_results_set_notes.  0 or SPASM_ENOMEM. */
int sp_results_set_suggestion(spasm_results *r, const char *text, size_t n, unsigned flags);

#endif
