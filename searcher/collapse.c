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
 * Cost at query time: the index stores a 16-bucket MinHash signature of
 * each passage's bigrams (SIGS, written by indexer/batch.c).  Each kept
 * hit puts its non-empty (bucket, value) pairs in a small hash table, so a
 * candidate finds, in 16 probes, the kept hits it shares bucket values
 * with and how many.  Only pairs sharing at least SP_DUP_MIN_KEYS values
 * are confirmed exactly, from the passages' text; the others are never
 * folded.  One shared value is weak evidence: a very common bigram ("of
 * the") is often its bucket's minimum in many passages.  On wikipedia_en's
 * 1,000 title queries (top 10, by document), asking for one shared value
 * made 40,964 exact checks for 246 folds (2.3 ms a query); two made 5,801
 * for 238 (0.6 ms); three 1,114 for 221.  Pairs that reword each other
 * share 5 of 16 values on average (Jaccard 1/3 at the fold threshold),
 * so two keeps ~97% of the folds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "search.h"

#define SP_DUP_MIN_SHARED 4
#ifndef SP_DUP_MIN_KEYS
#define SP_DUP_MIN_KEYS 2
#endif

/* One candidate's exact bigram set, computed on first need. */
typedef struct bigram_set {
    uint64_t *v;
    size_t n;
    int done;
} bigram_set;

typedef struct fold_ctx {
    spasm_searcher *s;
    const sp_cand *c;
    bigram_set *sets;           /* per candidate */
    uint32_t *slot;             /* hash table: key -> first entry (UINT32_MAX: none) */
    uint32_t *key, *rep, *next; /* entries */
    size_t nslots, nent, capent;
} fold_ctx;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The sorted, distinct bigram hashes of candidate i's passage text. */
static int get_bigrams(fold_ctx *f, size_t i)
{
    bigram_set *b = &f->sets[i];
    if (b->done) return 0;
    spasm_searcher *s = f->s;
    spasm_index *ix = s->ix;
    const uint8_t *t;
    size_t len;
    int rc =
        sp_store_get(ix, &ix->text, &ix->txix, f->c[i].passage, &s->textcache, &t, &len, s->errmsg);
    if (rc) return rc;
    if (sp_analyze(s->an, (const char *)t, len)) return SPASM_ENOMEM;
    size_t nt;
    const sp_token *tok = sp_analyzer_tokens(s->an, &nt);
    const char *pool = sp_analyzer_pool(s->an);
    b->done = 1;
    if (nt < 2) return 0;
    b->v = sp_malloc(s->a, (nt - 1) * sizeof *b->v);
    if (!b->v) return SPASM_ENOMEM;
    uint32_t prev = sp_term_hash(pool + tok[0].term_off, tok[0].term_len);
    for (size_t k = 1; k < nt; k++) {
        uint32_t cur = sp_term_hash(pool + tok[k].term_off, tok[k].term_len);
        b->v[k - 1] = sp_bigram_hash(prev, cur);
        prev = cur;
    }
    qsort(b->v, nt - 1, sizeof *b->v, cmp_u64);
    size_t n = 0;
    for (size_t k = 0; k < nt - 1; k++)
        if (n == 0 || b->v[n - 1] != b->v[k]) b->v[n++] = b->v[k];
    b->n = n;
    return 0;
}

/* 1 if candidates i and j are near-duplicates (by their text), 0 if not,
 * or -error. */
static int exact_dup(fold_ctx *f, size_t i, size_t j)
{
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
    size_t shorter = SP_MIN(a->n, b->n);
    return shared >= SP_DUP_MIN_SHARED && 2 * shared >= shorter;
}

/* Candidate i's signature (SP_SIG_HASHES u16), or NULL on error. */
static const uint8_t *signature(fold_ctx *f, size_t i)
{
    spasm_index *ix = f->s->ix;
    uint64_t off = (uint64_t)f->c[i].passage * 2 * SP_SIG_HASHES;
    if (sp_ix_ensure(ix, ix->sigs.off + off, 2 * SP_SIG_HASHES, f->s->errmsg)) return NULL;
    return ix->sigs.p + off;
}

static uint32_t slot_of(const fold_ctx *f, uint32_t key)
{
    return (key * 2654435761u) & (uint32_t)(f->nslots - 1);
}

/* Enter kept hit r (candidate index) into the signature table. */
static int add_rep(fold_ctx *f, const uint8_t *sig, uint32_t r)
{
    for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
        uint16_t v = sp_get_u16(sig + 2 * b);
        if (v == SP_SIG_EMPTY) continue;
        if (f->nent == f->capent) return SPASM_ENOMEM; /* sized up front */
        uint32_t key = b << 16 | v, h = slot_of(f, key);
        f->key[f->nent] = key;
        f->rep[f->nent] = r;
        f->next[f->nent] = f->slot[h];
        f->slot[h] = (uint32_t)f->nent++;
    }
    return 0;
}

int sp_collapse(spasm_searcher *s, sp_cand *c, size_t n, size_t need, sp_fold *out)
{
    memset(out, 0, sizeof *out);
    spasm_index *ix = s->ix;
    if (!ix->sigs.p || n == 0) {
        out->nreps = SP_MIN(n, need);
        return 0;
    }
    fold_ctx f = {0};
    f.s = s;
    f.c = c;
    size_t reps_max = SP_MIN(n, need);
    f.capent = reps_max * SP_SIG_HASHES;
    f.nslots = 64;
    while (f.nslots < 2 * f.capent) f.nslots *= 2;
    f.sets = sp_calloc(s->a, n * sizeof *f.sets);
    f.slot = sp_malloc(s->a, f.nslots * sizeof *f.slot);
    f.key = sp_malloc(s->a, (f.capent + 1) * sizeof *f.key);
    f.rep = sp_malloc(s->a, (f.capent + 1) * sizeof *f.rep);
    f.next = sp_malloc(s->a, (f.capent + 1) * sizeof *f.next);
    uint32_t *rep_of = sp_malloc(s->a, n * sizeof *rep_of); /* UINT32_MAX: dropped */
    uint32_t *tried = sp_malloc(s->a, (reps_max + 1) * sizeof *tried);
    uint32_t *shared = sp_malloc(s->a, (reps_max + 1) * sizeof *shared);
    int rc = 0;
    if (!f.sets || !f.slot || !f.key || !f.rep || !f.next || !rep_of || !tried || !shared) {
        rc = SPASM_ENOMEM;
        goto done;
    }
    memset(f.slot, 0xff, f.nslots * sizeof *f.slot);
    size_t nreps = 0, ndups = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const uint8_t *sig = signature(&f, i);
        if (!sig) {
            rc = SPASM_ECORRUPT;
            break;
        }
        /* the kept hits sharing bucket values with i, with how many */
        size_t ntried = 0;
        uint32_t folded = UINT32_MAX;
        for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
            uint16_t v = sp_get_u16(sig + 2 * b);
            if (v == SP_SIG_EMPTY) continue;
            uint32_t key = b << 16 | v;
            for (uint32_t e = f.slot[slot_of(&f, key)]; e != UINT32_MAX; e = f.next[e]) {
                if (f.key[e] != key) continue;
                uint32_t r = f.rep[e];
                size_t q = 0;
                while (q < ntried && tried[q] != r) q++;
                if (q == ntried) {
                    tried[ntried] = r;
                    shared[ntried++] = 0;
                }
                shared[q]++;
            }
        }
        /* confirm, best-ranked first, those sharing enough values */
        for (size_t q = 1; q < ntried; q++)
            for (size_t u = q; u > 0 && tried[u - 1] > tried[u]; u--) {
                uint32_t t = tried[u], c2 = shared[u];
                tried[u] = tried[u - 1];
                shared[u] = shared[u - 1];
                tried[u - 1] = t;
                shared[u - 1] = c2;
            }
        for (size_t q = 0; q < ntried && folded == UINT32_MAX; q++) {
            if (shared[q] < SP_DUP_MIN_KEYS) continue;
            int d = exact_dup(&f, tried[q], i);
            if (d < 0) {
                rc = -d;
                break;
            }
            if (d) folded = tried[q]; /* fold into the first near-duplicate found */
        }
        if (rc) break;
        if (folded != UINT32_MAX) {
            rep_of[i] = folded;
            ndups++;
        } else if (nreps < need) {
            rep_of[i] = (uint32_t)i;
            nreps++;
            rc = add_rep(&f, sig, (uint32_t)i);
        } else {
            rep_of[i] = UINT32_MAX;
        }
    }
    if (rc) goto done;
    /* Compact: reps to the front of c; their dups grouped in out->dupv. */
    out->dupv = sp_malloc(s->a, (ndups + 1) * sizeof *out->dupv);
    out->dupoff = sp_calloc(s->a, (nreps + 2) * sizeof *out->dupoff);
    uint32_t *newpos = sp_malloc(s->a, (n + 1) * sizeof *newpos);
    if (!out->dupv || !out->dupoff || !newpos) {
        sp_free(s->a, newpos);
        rc = SPASM_ENOMEM;
        goto done;
    }
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] == i) newpos[i] = (uint32_t)r++;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] != UINT32_MAX && rep_of[i] != i) out->dupoff[newpos[rep_of[i]] + 1]++;
    for (size_t q = 0; q < nreps; q++) out->dupoff[q + 1] += out->dupoff[q];
    size_t *fill = sp_malloc(s->a, (nreps + 1) * sizeof *fill);
    if (!fill) {
        sp_free(s->a, newpos);
        rc = SPASM_ENOMEM;
        goto done;
    }
    memcpy(fill, out->dupoff, nreps * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] != UINT32_MAX && rep_of[i] != i) out->dupv[fill[newpos[rep_of[i]]]++] = c[i];
    r = 0;
    for (size_t i = 0; i < n; i++)
        if (rep_of[i] == i) c[r++] = c[i];
    out->nreps = nreps;
    out->ndups = ndups;
    sp_free(s->a, fill);
    sp_free(s->a, newpos);
done:
    if (f.sets)
        for (size_t i = 0; i < n; i++) sp_free(s->a, f.sets[i].v);
    sp_free(s->a, f.sets);
    sp_free(s->a, f.slot);
    sp_free(s->a, f.key);
    sp_free(s->a, f.rep);
    sp_free(s->a, f.next);
    sp_free(s->a, rep_of);
    sp_free(s->a, tried);
    sp_free(s->a, shared);
    if (rc) {
        sp_fold_free(s, out);
        if (rc == SPASM_ENOMEM) snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
    }
    return rc;
}

void sp_fold_free(spasm_searcher *s, sp_fold *f)
{
    sp_free(s->a, f->dupv);
    sp_free(s->a, f->dupoff);
    memset(f, 0, sizeof *f);
}
