/*
 * fold_ref.h -- the brute-force references of near-duplicate folding
 * (tests/test_fold.c): the signature path's rule (collapse.c) and the
 * DUPS rule (indexer/dups.c, collapse_dups.c), pair by pair from the
 * passages' text.  Include after cmocka.h and search.h.
 */
#ifndef SPASM_FOLD_REF_H
#define SPASM_FOLD_REF_H

typedef struct ref_set {
    uint64_t *v;
    size_t n;
} ref_set;

static inline int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The distinct bigram hashes of passage p's text. */
static inline ref_set ref_bigrams(spasm_searcher *s, sp_analyzer *an, uint32_t p)
{
    ref_set r = {0};
    spasm_results *res;
    assert_int_equal(spasm_get_passage(s, p, &res), 0);
    const spasm_hit *h = spasm_results_hit(res, 0);
    assert_int_equal(sp_analyze(an, h->text, h->text_len), 0);
    size_t nt;
    const sp_token *t = sp_analyzer_tokens(an, &nt);
    const char *pool = sp_analyzer_pool(an);
    r.v = calloc(nt + 1, sizeof *r.v);
    for (size_t i = 1; i < nt; i++)
        r.v[r.n++] = sp_bigram_hash(sp_term_hash(pool + t[i - 1].term_off, t[i - 1].term_len),
                                    sp_term_hash(pool + t[i].term_off, t[i].term_len));
    qsort(r.v, r.n, sizeof *r.v, cmp64);
    size_t m = 0;
    for (size_t i = 0; i < r.n; i++)
        if (m == 0 || r.v[m - 1] != r.v[i]) r.v[m++] = r.v[i];
    r.n = m;
    spasm_results_free(res);
    return r;
}

/* At least half of the shorter one's bigrams, and at least 4, in the other. */
static inline int ref_dup(const ref_set *a, const ref_set *b)
{
    size_t shared = 0;
    for (size_t i = 0; i < a->n; i++)
        shared += bsearch(&a->v[i], b->v, b->n, sizeof *b->v, cmp64) != NULL;
    size_t shorter = a->n < b->n ? a->n : b->n;
    return shared >= 4 && 2 * shared >= shorter;
}

/* The signature value of passage p in bucket b. */
static inline uint16_t sigv(spasm_searcher *s, uint32_t p, int b)
{
    return sp_get_u16(s->ix->part[0].seg->sigs.p + (size_t)p * 2 * SP_SIG_HASHES + 2 * b);
}

/*
 * The rule of collapse.c, pair by pair: candidate i folds into the
 * best-ranked kept r with which it shares >= 2 non-empty signature values
 * each held by at most 16 of the candidates kept so far, and which is a
 * near-duplicate by text; at most 16 such r are tried.  Otherwise i is
 * kept while fewer than need are, else dropped.  rep_of[i]: i, its kept
 * one, or -1.
 */
static inline void ref_fold_sigs(spasm_searcher *s, const sp_cand *c, size_t n, size_t need,
                                 long *rep_of)
{
    sp_analyzer *an = sp_analyzer_new(s->a, 512);
    ref_set *sets = calloc(n, sizeof *sets);
    int *have = calloc(n, sizeof *have);
    uint32_t *holders = calloc((size_t)SP_SIG_HASHES << 16, sizeof *holders); /* among the kept */
    size_t nkept = 0;
    for (size_t i = 0; i < n; i++) {
        rep_of[i] = -1;
        int tries = 0;
        for (size_t r = 0; r < i && rep_of[i] < 0 && tries < 16; r++) {
            if (rep_of[r] != (long)r) continue;
            int shared = 0;
            for (int b = 0; b < SP_SIG_HASHES; b++) {
                uint16_t v = sigv(s, c[i].passage, b);
                if (v == SP_SIG_EMPTY || v != sigv(s, c[r].passage, b)) continue;
                shared += holders[(size_t)b << 16 | v] <= 16;
            }
            if (shared < 2) continue;
            tries++;
            for (size_t x = 0; x < 2; x++) {
                size_t y = x ? r : i;
                if (!have[y]) sets[y] = ref_bigrams(s, an, c[y].passage), have[y] = 1;
            }
            if (ref_dup(&sets[r], &sets[i])) rep_of[i] = (long)r;
        }
        if (rep_of[i] < 0 && nkept < need) {
            rep_of[i] = (long)i;
            nkept++;
            for (int b = 0; b < SP_SIG_HASHES; b++)
                holders[(size_t)b << 16 | sigv(s, c[i].passage, b)]++;
        }
    }
    for (size_t i = 0; i < n; i++) free(sets[i].v);
    free(sets);
    free(have);
    free(holders);
    sp_analyzer_free(an);
}

/* The number of passages of s's one segment holding each signature key. */
static inline uint32_t *ref_key_counts(spasm_searcher *s)
{
    const sp_seg *g = s->ix->part[0].seg;
    uint32_t *n = calloc((size_t)SP_SIG_HASHES << 16, sizeof *n);
    for (uint32_t p = 0; p < g->npass; p++)
        for (int b = 0; b < SP_SIG_HASHES; b++) {
            uint16_t v = sigv(s, p, b);
            if (v != SP_SIG_EMPTY) n[(size_t)b << 16 | v]++;
        }
    return n;
}

/* The DUPS relation: p and q share >= 2 signature keys each held by at
 * most SP_DUPS_COMMON passages of the file, and are near-duplicates by
 * text (sets: the bigram sets, computed on first need into have/sets). */
static inline int ref_dups_pair(spasm_searcher *s, sp_analyzer *an, const uint32_t *count,
                                ref_set *sets, int *have, uint32_t p, uint32_t q)
{
    int shared = 0;
    for (int b = 0; b < SP_SIG_HASHES; b++) {
        uint16_t v = sigv(s, p, b);
        if (v == SP_SIG_EMPTY || v != sigv(s, q, b)) continue;
        shared += count[(size_t)b << 16 | v] <= SP_DUPS_COMMON;
    }
    if (shared < 2) return 0;
    uint32_t x[2] = {p, q};
    for (int i = 0; i < 2; i++)
        if (!have[x[i]]) sets[x[i]] = ref_bigrams(s, an, x[i]), have[x[i]] = 1;
    return ref_dup(&sets[p], &sets[q]);
}

/*
 * The DUPS rule: candidate i folds into the best-ranked kept r related
 * to it (ref_dups_pair), however many kept ones share keys with it;
 * otherwise i is kept while fewer than need are, else dropped.
 */
static inline void ref_fold_dups(spasm_searcher *s, const sp_cand *c, size_t n, size_t need,
                                 long *rep_of)
{
    const sp_seg *g = s->ix->part[0].seg;
    sp_analyzer *an = sp_analyzer_new(s->a, 512);
    sp_analyzer_set_variants(an, (g->flags & SP_FLAG_VARIANTS) != 0);
    uint32_t *count = ref_key_counts(s);
    ref_set *sets = calloc(g->npass + 1, sizeof *sets);
    int *have = calloc(g->npass + 1, sizeof *have);
    size_t nkept = 0;
    for (size_t i = 0; i < n; i++) {
        rep_of[i] = -1;
        for (size_t r = 0; r < i && rep_of[i] < 0; r++)
            if (rep_of[r] == (long)r &&
                ref_dups_pair(s, an, count, sets, have, c[i].passage, c[r].passage))
                rep_of[i] = (long)r;
        if (rep_of[i] < 0 && nkept < need) {
            rep_of[i] = (long)i;
            nkept++;
        }
    }
    for (size_t i = 0; i <= g->npass; i++) free(sets[i].v);
    free(sets);
    free(have);
    free(count);
    sp_analyzer_free(an);
}

/* The rule of the path the folder takes on s: DUPS when its one segment
 * has the section, else the signatures'. */
static inline void ref_fold(spasm_searcher *s, const sp_cand *c, size_t n, size_t need,
                            long *rep_of)
{
    if (s->ix->nparts == 1 && s->ix->part[0].seg->dups.p)
        ref_fold_dups(s, c, n, need, rep_of);
    else
        ref_fold_sigs(s, c, n, need, rep_of);
}

#endif
