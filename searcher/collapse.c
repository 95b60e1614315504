/*
 * collapse.c -- folding near-duplicate passages into the better-ranked one.
 *
 * Two passages are near-duplicates when at least half of the word bigrams
 * (pairs of adjacent stems) of the shorter one, and at least
 * SP_DUP_MIN_SHARED of them, also occur in the other.  On the bundled
 * corpus, whose articles 000 and 002 reword one another, every reworded
 * paragraph pair shares 52-92% of the shorter one's bigrams, while no
 * two unrelated paragraphs share more than 36%.
 *
 * The ranked candidates are taken best first.  A candidate folds into the
 * best-ranked kept one it is a near-duplicate of; otherwise it is kept
 * (while fewer than `need` are) or dropped.  Which kept ones are examined:
 *
 *   - The index stores a 16-bucket MinHash signature of each passage's
 *     bigrams (SIGS, indexer/batch.c).  Only a kept candidate sharing at
 *     least SP_DUP_MIN_KEYS (2) non-empty bucket values with it is
 *     confirmed exactly, from the passages' text.  One shared value is
 *     weak evidence: a very common bigram ("of the") is often its bucket's
 *     minimum in many passages.  On wikipedia_en's 1,000 title queries
 *     (top 10, by document) one value made 40,964 exact checks for 246
 *     folds, two 5,801 for 238, three 1,114 for 221; pairs that reword
 *     each other share 5 of 16 values on average.
 *   - The shared values must be "rare": held by at most SP_FOLD_COMMON
 *     (16) of the candidates kept so far.  A value held by many kept
 *     passages (a common bigram, or one of the small 16-bit minima of
 *     long passages) is no evidence, and walking its holders for every
 *     candidate is what made folding quadratic (query "a" on 60,000
 *     wikipedia passages, --format trec: 29.7 s at k=10,000).
 *   - At most SP_FOLD_MAX_CHECKS (16) of them are confirmed, best-ranked
 *     first.
 *
 * With `need` <= 16 (the usual top 10) the last two rules never apply:
 * the folds are exactly those of the plain pairwise rule (tests/test_fold.c
 * compares with a brute-force pairwise evaluation).  At k=10,000 on that
 * query they keep 88 of the pairwise rule's 95 folds.  Cost: a candidate
 * makes 16 table probes (issued together, so that their cache misses
 * overlap), reads at most 16 x 16 holders and confirms at most 16 pairs.
 * A key's holders lie together (inline when there is one, else in a chunk
 * of 16): walking linked per-holder entries scattered over megabytes was
 * half of the ids-only folding time at k >= 10,000 (perf).  Folding for
 * SP_FOLD_DIRECT results or more indexes the table by the key itself.
 *
 * Confirming a pair from text (inflate a block, analyse, sort) was
 * the dominant cost, and almost always in vain: on query "a", k=1,000,000,
 * 9,786 comparisons for 408 folds.  The candidates are not random 16-bit
 * collisions (32-bit values, tried, left as many) but passages sharing
 * a common phrase whose bigrams are minima of two buckets.  So the index
 * also stores per passage its number of distinct bigrams and a 512-bit
 * bitmap of them (SIGB, FORMAT.md): a bit set in one passage's bitmap and
 * not in the other's stands for a bigram the other lacks, which bounds
 * the shared bigrams from above; 93% of the comparisons fail that bound
 * and are skipped without reading text (256 bits skipped 30%, 1,024 bits
 * 95%).  The bound never rejects a near-duplicate, so the folds are the
 * same with or without SIGB (an older index folds as before, more
 * slowly).  Folding for at least SP_FOLD_BIG results has its own stem
 * cache and text blocks.  With ids only (--format trec --collapse)
 * folding still costs several times the plain ranking beyond k = 100
 * (bench/README.md): the texts that remain (1,248 at k = 100,000 on
 * query "a", ~90 us each to inflate and analyse, for 408 folds: a true
 * near-duplicate can only be confirmed from its text) and the 16 cache
 * misses per candidate.  The 2x goal needs an exact representation of
 * the bigrams that is cheaper than the text: not done.
 *
 * With DUPS (s12, FORMAT.md): the writer lists every passage's
 * near-duplicates in the file (indexer/dups.c), and a collection of one
 * segment holding them folds from the lists (collapse_dups.c): a
 * candidate folds into the best-ranked kept candidate of its list, one
 * table read per candidate, no signature table and no text.  ids-only
 * folding then costs 1.0-1.5x the plain ranking at every k on wikipedia's
 * 60,000 passages (bench/README.md) instead of 3-7x.  The relation
 * drops the two query-time limits above (rare among the kept ones, 16
 * comparisons) for one of the file: keys held by at most SP_DUPS_COMMON
 * passages of it.  With need <= 16 the folds are the same when no key
 * of a pair is that common (tests/test_fold.c); at large need DUPS finds
 * the near-duplicates the limits missed.  The code below is the path of
 * an index without DUPS, or of several segments (live), whose cross-
 * segment pairs no list holds.
 *
 * The folder keeps its state between calls (sp_folder_feed), so that
 * search.c can rank more candidates when too many fold and go on from
 * where it stopped instead of folding the longer list again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "neardup.h"
#include "search.h"

#define SP_FOLD_COMMON 16
#define SP_FOLD_MAX_CHECKS 16
#define SP_NONE UINT32_MAX
/* Folding for at least SP_FOLD_BIG results reads many passages' text: it
 * gets its own analyser with a larger stem cache (SP_FOLD_STEMS words) and
 * SP_FOLD_BLOCKS inflated text blocks (near-duplicates are often
 * neighbours, in one block), not the searcher's one. */
#define SP_FOLD_BIG 100
#define SP_FOLD_STEMS 8192
#define SP_FOLD_BLOCKS 64
/* Folding for at least SP_FOLD_DIRECT results indexes its key table by
 * the key itself (SP_FOLD_KEYS slots, 8 MiB): most keys get held, and a
 * direct slot costs one cache miss and no probing. */
#define SP_FOLD_DIRECT 2048
#define SP_FOLD_KEYS ((size_t)SP_SIG_HASHES << 16)

/* One candidate's exact bigram set, computed on first need. */
typedef struct bigram_set {
    uint64_t *v;
    size_t n;
    int done;
} bigram_set;

/* A signature-table slot: one (bucket, value) key, how many kept
 * candidates hold it, and which.  kc is key << 8 | min(count, 255)
 * (SP_NONE: an empty slot); ref is the holder when count is 1, else the
 * first of its SP_FOLD_COMMON holders in f->chunk (holders beyond
 * SP_FOLD_COMMON are only counted: such a value is never read again). */
typedef struct fold_slot {
    uint32_t kc, ref;
} fold_slot;
#define SP_SLOT_KEY(kc) ((kc) >> 8)
#define SP_SLOT_COUNT(kc) ((kc)&0xFF)

struct sp_folder {
    spasm_searcher *s;
    size_t need, done, cap, nreps, ndups;
    uint32_t *passage; /* per candidate: its passage (to check a longer list's prefix) */
    uint32_t *rep_of;  /* per candidate: itself (kept), the kept one it folds into, or SP_NONE */
    uint32_t *mark;    /* per candidate: 1 + the last candidate that counted it */
    uint8_t *nshared;  /* per candidate: rare values shared with the one being decided */
    uint16_t *sig;     /* per candidate: SP_SIG_HASHES values */
    uint32_t *nbg;     /* per candidate with SIGB: its distinct bigrams */
    uint64_t *bgbits;  /* and its bitmap, SP_SIGB_WORDS words */
    int use_sigb;      /* every segment has SIGB (else no candidate has nbg, bgbits) */
    bigram_set *sets;  /* per candidate: exact bigrams, on first need */
    fold_slot *slot;   /* open addressing on the key */
    size_t nslots, nkeys;
    int direct;              /* slot[key] (SP_FOLD_DIRECT), else sp_mix32(key) & (nslots - 1) */
    uint32_t *chunk;         /* the holders of keys held more than once, SP_FOLD_COMMON each */
    size_t nchunk, capchunk; /* in use, allocated (in SP_FOLD_COMMON entries) */
    uint32_t col[SP_SIG_HASHES * SP_FOLD_COMMON]; /* scratch: kept ones to confirm */
    size_t at[SP_SIG_HASHES];                     /* decide(): the slot of each key (for add_rep) */
    size_t at_nslots;                             /* the table size at[] is for (0: none) */
    size_t ntexts;                                /* passages whose text was analysed */
    sp_analyzer *an;                              /* need >= SP_FOLD_BIG: its own analyser, */
    sp_store_cache *blocks;                       /* and text blocks (SP_FOLD_BLOCKS) */
    sp_dfold *dz; /* the DUPS lists (collapse_dups.c), or NULL: signatures and texts */
};
/* Sort v[0, n) ascending (quicksort, insertion sort below 16: qsort's
 * callback per comparison cost more than the comparisons). */
static void sort_u64(uint64_t *v, size_t n)
{
    while (n > 16) {
        uint64_t a = v[0], b = v[n / 2], c = v[n - 1]; /* median of three */
        uint64_t piv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < piv) i++;
            while (v[j] > piv) j--;
            if (i >= j) break;
            uint64_t t = v[i];
            v[i++] = v[j];
            v[j--] = t;
        }
        /* recurse into the smaller side, loop on the larger */
        if (j + 1 < n - j - 1) {
            sort_u64(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            sort_u64(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

/* The TEXT block holding passage p (the last whose first record is <= p,
 * as sp_store_get finds it), to pick a cached block by. */
static uint64_t text_block(const sp_seg *ix, uint32_t p)
{
    uint64_t lo = 0, hi = ix->txix.len / SP_STORE_IX_ENTRY;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (sp_get_u32(ix->txix.p + mid * SP_STORE_IX_ENTRY) <= p)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The sorted, distinct bigram hashes of candidate i's passage text. */
static int get_bigrams(sp_folder *f, size_t i)
{
    bigram_set *b = &f->sets[i];
    if (b->done) return 0;
    spasm_searcher *s = f->s;
    const sp_part *pt = sp_col_part_of_passage(s->ix, f->passage[i]);
    sp_seg *ix = pt->seg; /* the passage's segment */
    uint32_t lp = f->passage[i] - pt->pbase;
    const uint8_t *t;
    size_t len;
    sp_analyzer *an = s->an;
    sp_store_cache *cache = &s->textcache;
    if (f->need >= SP_FOLD_BIG) {
        if (!f->an && !(f->an = sp_analyzer_new(s->a, SP_FOLD_STEMS))) return SPASM_ENOMEM;
        sp_analyzer_set_variants(f->an, sp_analyzer_variants(s->an)); /* as SIGB was made */
        if (!f->blocks) {
            if (!(f->blocks = sp_calloc(s->a, SP_FOLD_BLOCKS * sizeof *f->blocks)))
                return SPASM_ENOMEM;
            for (int c = 0; c < SP_FOLD_BLOCKS; c++) sp_buf_init(&f->blocks[c].buf, s->a);
        }
        an = f->an;
        cache = &f->blocks[(text_block(ix, lp) + pt->pbase) % SP_FOLD_BLOCKS];
    }
    int rc = sp_store_get(ix, &ix->text, &ix->txix, lp, cache, &t, &len, s->errmsg);
    if (rc) return rc;
    if (sp_analyze(an, (const char *)t, len)) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *tok = sp_analyzer_tokens(an, &nt);
    const char *pool = sp_analyzer_pool(an);
    b->done = 1;
    f->ntexts++;
    if (nt < 2) return 0;
    b->v = sp_malloc(s->a, (nt - 1) * sizeof *b->v);
    if (!b->v) return SPASM_ENOMEM;
    uint32_t prev = sp_term_hash(pool + tok[0].term_off, tok[0].term_len);
    for (size_t k = 1; k < nt; k++) {
        uint32_t cur = sp_term_hash(pool + tok[k].term_off, tok[k].term_len);
        b->v[k - 1] = sp_bigram_hash(prev, cur);
        prev = cur;
    }
    sort_u64(b->v, nt - 1);
    size_t n = 0;
    for (size_t k = 0; k < nt - 1; k++)
        if (n == 0 || b->v[n - 1] != b->v[k]) b->v[n++] = b->v[k];
    b->n = n;
    return 0;
}

/* 0 when candidates i and j provably are not near-duplicates, from their
 * SIGB entries (sp_sigb_bound, neardup.h); 1 without SIGB. */
static int may_dup(const sp_folder *f, size_t i, size_t j)
{
    if (!f->bgbits) return 1;
    return sp_sigb_bound(f->bgbits + i * SP_SIGB_WORDS, f->bgbits + j * SP_SIGB_WORDS, f->nbg[i],
                         f->nbg[j]);
}

/* 1 if candidates i and j are near-duplicates (by their text), 0 if not,
 * or -error. */
static int exact_dup(sp_folder *f, size_t i, size_t j)
{
    if (!may_dup(f, i, j)) return 0;
    int rc = get_bigrams(f, i);
    if (!rc) rc = get_bigrams(f, j);
    if (rc) return -rc;
    const bigram_set *a = &f->sets[i], *b = &f->sets[j];
    size_t x = 0, y = 0, shared = 0;
    while (x < a->n && y < b->n) {
        if (a->v[x] < b->v[y])
            x++;
        else if (a->v[x] > b->v[y])
            y++;
        else {
            shared++;
            x++;
            y++;
        }
    }
    return sp_dup_rule(shared, a->n, b->n);
}

/* Where the search for key's slot starts. */
static inline size_t key_pos(const sp_folder *f, uint32_t key)
{
    return f->direct ? key : sp_mix32(key) & (f->nslots - 1);
}

/* The slot of key (an empty one if absent). */
static fold_slot *find_slot(const sp_folder *f, uint32_t key)
{
    size_t m = f->nslots - 1;
    for (size_t h = key_pos(f, key);; h = (h + 1) & m)
        if (SP_SLOT_KEY(f->slot[h].kc) == key || f->slot[h].kc == SP_NONE) return &f->slot[h];
}

/* Double the slot table (a direct one: make it). */
static int grow_slots(sp_folder *f)
{
    fold_slot *old = f->slot;
    size_t n = f->nslots;
    f->nslots = f->direct ? SP_FOLD_KEYS : n ? 2 * n : 1024;
    f->slot = sp_malloc(f->s->a, f->nslots * sizeof *f->slot);
    if (!f->slot) {
        f->slot = old;
        f->nslots = n;
        return SPASM_ENOMEM;
    }
    memset(f->slot, 0xFF, f->nslots * sizeof *f->slot); /* kc SP_NONE: empty */
    for (size_t i = 0; i < n; i++)
        if (old[i].kc != SP_NONE) *find_slot(f, SP_SLOT_KEY(old[i].kc)) = old[i];
    sp_free(f->s->a, old);
    return 0;
}

/* Make the per-candidate arrays hold n candidates. */
static int reserve_cands(sp_folder *f, size_t n)
{
    if (n <= f->cap) return 0;
    size_t c = f->cap ? f->cap : 64, old = f->cap;
    while (c < n) c *= 2;
    const sp_alloc *a = f->s->a;
    void *p;
    if (!(p = sp_realloc(a, f->passage, c * sizeof *f->passage))) return SPASM_ENOMEM;
    f->passage = p;
    if (!(p = sp_realloc(a, f->rep_of, c * sizeof *f->rep_of))) return SPASM_ENOMEM;
    f->rep_of = p;
    if (f->dz) { /* DUPS: nothing else per candidate */
        f->cap = c;
        return 0;
    }
    if (!(p = sp_realloc(a, f->mark, c * sizeof *f->mark))) return SPASM_ENOMEM;
    f->mark = p;
    if (!(p = sp_realloc(a, f->nshared, c * sizeof *f->nshared))) return SPASM_ENOMEM;
    f->nshared = p;
    if (!(p = sp_realloc(a, f->sig, c * SP_SIG_HASHES * sizeof *f->sig))) return SPASM_ENOMEM;
    f->sig = p;
    if (!(p = sp_realloc(a, f->sets, c * sizeof *f->sets))) return SPASM_ENOMEM;
    f->sets = p;
    if (f->use_sigb) {
        if (!(p = sp_realloc(a, f->nbg, c * sizeof *f->nbg))) return SPASM_ENOMEM;
        f->nbg = p;
        if (!(p = sp_realloc(a, f->bgbits, c * SP_SIGB_WORDS * sizeof *f->bgbits)))
            return SPASM_ENOMEM;
        f->bgbits = p;
    }
    memset(f->mark + old, 0, (c - old) * sizeof *f->mark);
    memset(f->sets + old, 0, (c - old) * sizeof *f->sets);
    f->cap = c;
    return 0;
}

/* Enter kept candidate r's non-empty (bucket, value) keys in the table
 * (r was just decided: f->at holds where its keys are or would go). */
static int add_rep(sp_folder *f, uint32_t r)
{
    const uint16_t *sig = f->sig + (size_t)r * SP_SIG_HASHES;
    while (f->direct ? !f->nslots : 2 * (f->nkeys + SP_SIG_HASHES) > f->nslots)
        if (grow_slots(f)) return SPASM_ENOMEM;
    int reuse = f->at_nslots == f->nslots;
    for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
        if (sig[b] == SP_SIG_EMPTY) continue;
        uint32_t key = b << 16 | sig[b];
        /* the slot decide() found, unless another key of r took it */
        fold_slot *sl = reuse ? &f->slot[f->at[b]] : NULL;
        if (!sl || (SP_SLOT_KEY(sl->kc) != key && sl->kc != SP_NONE)) sl = find_slot(f, key);
        if (sl->kc == SP_NONE) { /* its first holder */
            sl->kc = key << 8 | 1;
            sl->ref = r;
            f->nkeys++;
            continue;
        }
        uint32_t count = SP_SLOT_COUNT(sl->kc);
        if (count == 1) { /* a second holder: the key gets a chunk */
            if (f->nchunk == f->capchunk) {
                size_t c = f->capchunk ? 2 * f->capchunk : 256;
                uint32_t *ch = sp_realloc(f->s->a, f->chunk, c * SP_FOLD_COMMON * sizeof *ch);
                if (!ch) return SPASM_ENOMEM;
                f->chunk = ch;
                f->capchunk = c;
            }
            uint32_t at = (uint32_t)(f->nchunk++ * SP_FOLD_COMMON);
            f->chunk[at] = sl->ref;
            sl->ref = at;
        }
        if (count < SP_FOLD_COMMON) f->chunk[sl->ref + count] = r;
        if (count < 0xFF) sl->kc++;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Decide candidate i: fold it into a kept one, keep it, or drop it. */
static int decide(sp_folder *f, uint32_t i)
{
    const uint16_t *sig = f->sig + (size_t)i * SP_SIG_HASHES;
    size_t nk = 0;
    f->at_nslots = f->nslots;
    /* The table is large and read at random: ask for the 16 slots at once
     * (and then for their holder chunks), so that their cache misses
     * overlap instead of following one another. */
    size_t mask = f->nslots - 1;
    for (uint32_t b = 0; b < SP_SIG_HASHES && f->nslots; b++) {
        f->at[b] = key_pos(f, b << 16 | sig[b]);
        __builtin_prefetch(&f->slot[f->at[b]]);
    }
    const uint32_t *hold[SP_SIG_HASHES]; /* per rare key: its holders */
    uint32_t nhold[SP_SIG_HASHES];
    size_t nh = 0;
    for (uint32_t b = 0; b < SP_SIG_HASHES && f->nslots; b++) {
        if (sig[b] == SP_SIG_EMPTY) continue;
        uint32_t key = b << 16 | sig[b];
        size_t h = f->at[b];
        while (SP_SLOT_KEY(f->slot[h].kc) != key && f->slot[h].kc != SP_NONE) h = (h + 1) & mask;
        f->at[b] = h;
        const fold_slot *sl = &f->slot[h];
        uint32_t count = SP_SLOT_COUNT(sl->kc);
        if (sl->kc == SP_NONE || count > SP_FOLD_COMMON) continue;
        hold[nh] = count == 1 ? &sl->ref : f->chunk + sl->ref;
        __builtin_prefetch(hold[nh]);
        nhold[nh++] = count;
    }
    /* the kept ones sharing at least SP_DUP_MIN_KEYS rare values with i */
    for (size_t q = 0; q < nh; q++) {
        for (uint32_t e = 0; e < nhold[q]; e++) {
            uint32_t r = hold[q][e];
            if (f->mark[r] != i + 1) {
                f->mark[r] = i + 1;
                f->nshared[r] = 1;
            } else if (++f->nshared[r] == SP_DUP_MIN_KEYS) {
                f->col[nk++] = r;
            }
        }
    }
    /* confirm them, best-ranked first */
    qsort(f->col, nk, sizeof *f->col, cmp_u32);
    for (size_t q = 0; q < nk && q < SP_FOLD_MAX_CHECKS; q++) {
        int d = exact_dup(f, f->col[q], i);
        if (d < 0) return -d;
        if (d) { /* fold into the first near-duplicate found */
            f->rep_of[i] = f->col[q];
            f->ndups++;
            return 0;
        }
    }
    if (f->nreps < f->need) {
        f->rep_of[i] = i;
        f->nreps++;
        return add_rep(f, i);
    }
    f->rep_of[i] = SP_NONE;
    return 0;
}

int sp_folder_new(spasm_searcher *s, size_t need, sp_folder **out)
{
    *out = NULL;
    int use_sigb = 1; /* the bound only when every segment has SIGB */
    for (size_t i = 0; i < s->ix->nparts; i++) {
        const sp_seg *g = s->ix->part[i].seg;
        if (g->sigs.len != g->npass * 2 * SP_SIG_HASHES ||
            (g->sigb.p && g->sigb.len != g->npass * SP_SIGB_ENTRY))
            return sp_seterr(s->errmsg, SPASM_ECORRUPT,
                             "%s: SIGS or SIGB section of the wrong size: the index is corrupt",
                             g->path);
        use_sigb &= g->sigb.p != NULL;
    }
    sp_folder *f = sp_calloc(s->a, sizeof *f);
    *out = f;
    if (!f) return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
    f->s = s;
    f->need = need;
    f->use_sigb = use_sigb;
    f->direct = need >= SP_FOLD_DIRECT;
    int rc = sp_dfold_new(s, &f->dz);
    return rc;
}

/* Forget every candidate (the list fed is not the one folded so far). */
static void reset(sp_folder *f)
{
    if (f->dz) sp_dfold_reset(f->dz);
    for (size_t i = 0; i < f->done && !f->dz; i++) {
        sp_free(f->s->a, f->sets[i].v);
        memset(&f->sets[i], 0, sizeof f->sets[i]);
        f->mark[i] = 0;
    }
    if (f->slot) memset(f->slot, 0xFF, f->nslots * sizeof *f->slot);
    f->done = f->nreps = f->ndups = f->nkeys = f->nchunk = 0;
}

/* sp_folder_feed from the DUPS lists: candidate i folds into the
 * best-ranked kept candidate listed with it, else is kept or dropped. */
static int feed_dups(sp_folder *f, const sp_cand *c, size_t n)
{
    spasm_searcher *s = f->s;
    for (size_t i = f->done; i < n; i++) {
        if (i + 16 < n) sp_dfold_prefetch(f->dz, c[i + 16].passage);
        uint32_t p = c[i].passage, into, nlist;
        int rc = sp_dfold_decide(f->dz, p, &into, &nlist, s->errmsg);
        if (rc) return rc;
        f->passage[i] = c[i].passage;
        f->done = i + 1;
        if (into != SP_NONE) {
            f->rep_of[i] = into;
            f->ndups++;
        } else if (f->nreps < f->need) {
            f->rep_of[i] = (uint32_t)i;
            f->nreps++;
            if (nlist && sp_dfold_keep(f->dz, s->a, p, (uint32_t)i)) {
                f->done = i;
                return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
            }
        } else {
            f->rep_of[i] = SP_NONE;
        }
    }
    return 0;
}

int sp_folder_feed(sp_folder *f, const sp_cand *c, size_t n)
{
    spasm_searcher *s = f->s;
    size_t same = 0;
    while (same < f->done && same < n && c[same].passage == f->passage[same]) same++;
    if (same < f->done) reset(f);
    int rc = reserve_cands(f, n);
    if (rc) return sp_seterr(s->errmsg, rc, "out of memory");
    if (f->dz) return feed_dups(f, c, n);
    for (size_t i = f->done; i < n; i++) {
        if (i + 8 < n) { /* a later candidate's entries: read at random */
            const sp_part *q = sp_col_part_of_passage(s->ix, c[i + 8].passage);
            uint32_t lq = c[i + 8].passage - q->pbase;
            __builtin_prefetch(q->seg->sigs.p + (size_t)lq * 2 * SP_SIG_HASHES);
            if (f->bgbits) {
                const uint8_t *e = q->seg->sigb.p + (size_t)lq * SP_SIGB_ENTRY;
                __builtin_prefetch(e);
                __builtin_prefetch(e + SP_SIGB_ENTRY - 1);
            }
        }
        const sp_part *pt = sp_col_part_of_passage(s->ix, c[i].passage);
        sp_seg *ix = pt->seg; /* the passage's segment */
        uint64_t lp = c[i].passage - pt->pbase;
        uint64_t off = lp * 2 * SP_SIG_HASHES;
        if ((rc = sp_ix_ensure(ix, ix->sigs.off + off, 2 * SP_SIG_HASHES, s->errmsg))) return rc;
        for (uint32_t b = 0; b < SP_SIG_HASHES; b++)
            f->sig[i * SP_SIG_HASHES + b] = sp_get_u16(ix->sigs.p + off + 2 * b);
        if (f->bgbits) {
            uint64_t o = lp * SP_SIGB_ENTRY;
            if ((rc = sp_ix_ensure(ix, ix->sigb.off + o, SP_SIGB_ENTRY, s->errmsg))) return rc;
            const uint8_t *e = ix->sigb.p + o;
            f->nbg[i] = sp_get_u32(e);
            for (int w = 0; w < SP_SIGB_WORDS; w++)
                f->bgbits[i * SP_SIGB_WORDS + w] = sp_get_u64(e + 4 + 8 * w);
        }
        f->passage[i] = c[i].passage;
        f->done = i + 1;
        if ((rc = decide(f, (uint32_t)i))) {
            f->done = i; /* undecided */
            if (rc == SPASM_ENOMEM) sp_seterr(s->errmsg, rc, "out of memory");
            return rc;
        }
    }
    return 0;
}

size_t sp_folder_kept(const sp_folder *f)
{
    return f->nreps;
}

size_t sp_folder_texts(const sp_folder *f)
{
    return f->ntexts;
}

int sp_folder_finish(sp_folder *f, sp_cand *c, size_t n, sp_fold *out)
{
    spasm_searcher *s = f->s;
    memset(out, 0, sizeof *out);
    if (n != f->done) return sp_seterr(s->errmsg, SPASM_EINVAL, "folding: candidates changed");
    size_t nreps = f->nreps, ndups = f->ndups;
    const uint32_t *rep_of = f->rep_of;
    /* Compact: kept ones to the front of c; their dups grouped in out->dupv. */
    out->dupv = sp_malloc(s->a, (ndups + 1) * sizeof *out->dupv);
    out->dupoff = sp_calloc(s->a, (nreps + 2) * sizeof *out->dupoff);
    uint32_t *newpos = sp_malloc(s->a, (n + 1) * sizeof *newpos);
    size_t *fill = sp_malloc(s->a, (nreps + 1) * sizeof *fill);
    if (!out->dupv || !out->dupoff || !newpos || !fill) {
        sp_free(s->a, newpos);
        sp_free(s->a, fill);
        sp_fold_free(s, out);
        return sp_seterr(s->errmsg, SPASM_ENOMEM, "out of memory");
    }
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] == i) newpos[i] = (uint32_t)r++;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] != SP_NONE && rep_of[i] != i) out->dupoff[newpos[rep_of[i]] + 1]++;
    for (size_t q = 0; q < nreps; q++) out->dupoff[q + 1] += out->dupoff[q];
    memcpy(fill, out->dupoff, nreps * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] != SP_NONE && rep_of[i] != i) out->dupv[fill[newpos[rep_of[i]]]++] = c[i];
    r = 0;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] == i) c[r++] = c[i];
    out->nreps = nreps;
    out->ndups = ndups;
    sp_free(s->a, fill);
    sp_free(s->a, newpos);
    return 0;
}

void sp_folder_free(sp_folder *f)
{
    if (!f) return;
    const sp_alloc *a = f->s->a;
    sp_dfold_free(f->dz, a);
    for (size_t i = 0; i < f->cap && f->sets; i++) sp_free(a, f->sets[i].v);
    sp_free(a, f->sets);
    sp_free(a, f->passage);
    sp_free(a, f->rep_of);
    sp_free(a, f->mark);
    sp_free(a, f->nshared);
    sp_free(a, f->sig);
    sp_free(a, f->nbg);
    sp_free(a, f->bgbits);
    sp_analyzer_free(f->an);
    if (f->blocks)
        for (int c = 0; c < SP_FOLD_BLOCKS; c++) sp_store_cache_free(&f->blocks[c]);
    sp_free(a, f->blocks);
    sp_free(a, f->slot);
    sp_free(a, f->chunk);
    sp_free(a, f);
}

void sp_fold_free(spasm_searcher *s, sp_fold *f)
{
    sp_free(s->a, f->dupv);
    sp_free(s->a, f->dupoff);
    memset(f, 0, sizeof *f);
}
