/*
 * search.c -- spasm_search() and its kin: parse the query, build the
 * iterator tree (iter.c), rank the matching passages into a top-k heap --
 * through MaxScore (rank.c) when the query is a flat OR of terms, else by
 * scoring every match -- and hand the winners to results.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "boilerplate.h"
#include "feedback.h"
#include "search.h"
#include "suggest.h"
#include "synonyms.h"

/* ---- the public API ---- */

int spasm_searcher_new(spasm_index *ix, spasm_searcher **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!ix || ix->rc) return SPASM_EINVAL;
    spasm_searcher *s = sp_calloc(&ix->a, sizeof *s);
    if (!s) return SPASM_ENOMEM;
    s->ix = ix;
    s->a = &ix->a;
    s->an = sp_analyzer_new(&ix->a, 8192); /* queries, and the words of highlighted hits */
    if (!s->an) {
        sp_free(&ix->a, s);
        return SPASM_ENOMEM;
    }
    /* Queries (and highlights) fold spelling variants only when the index
     * did: an index built without answers exactly as before. */
    sp_analyzer_set_variants(s->an, (ix->flags & SP_FLAG_VARIANTS) != 0);
    sp_buf_init(&s->textcache.buf, &ix->a);
    sp_buf_init(&s->metacache.buf, &ix->a);
    /* the hits of a query often share blocks (a document's passages, the
     * titles of nearby documents), and a server's queries share hits:
     * inflating a block is most of what a hit's text and title cost */
    if (sp_store_cache_keep(&s->textcache, &ix->a, SP_SEARCHER_TEXT_BLOCKS) ||
        sp_store_cache_keep(&s->metacache, &ix->a, SP_SEARCHER_META_BLOCKS)) {
        spasm_searcher_free(s);
        return SPASM_ENOMEM;
    }
    *out = s;
    return 0;
}

void spasm_searcher_free(spasm_searcher *s)
{
    if (!s) return;
    sp_analyzer_free(s->an);
    sp_store_cache_free(&s->textcache);
    sp_store_cache_free(&s->metacache);
    sp_prox_scratch_free(s->a, s->prox);
    sp_rwin_free(s->a, s->rwin);
    sp_free(s->a, s);
}

const char *spasm_searcher_errmsg(const spasm_searcher *s)
{
    return s ? s->errmsg : "out of memory";
}

void spasm_search_options_init(spasm_search_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->b = -1;
}

void spasm_searcher_set_cancel(spasm_searcher *s, const volatile sig_atomic_t *cancel,
                               uint64_t deadline_ns)
{
    if (!s) return;
    s->cancel = cancel;
    s->deadline_ns = deadline_ns;
}

int sp_cancel_check(it_ctx *x)
{
    if (x->rc) return 1;
    if (x->cancel && __atomic_load_n(x->cancel, __ATOMIC_RELAXED)) {
        snprintf(x->err, SP_ERRMSG_MAX, "the search was canceled (its cancel flag was set)");
        x->rc = SPASM_ECANCELED;
        return 1;
    }
    if (x->deadline_ns) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= x->deadline_ns) {
            snprintf(x->err, SP_ERRMSG_MAX, "the search ran past its deadline");
            x->rc = SPASM_ECANCELED;
            return 1;
        }
    }
    return 0;
}

static int serr(spasm_searcher *s, int code, const char *msg)
{
    if (msg != s->errmsg) snprintf(s->errmsg, sizeof s->errmsg, "%s", msg);
    return code;
}

/*
 * Check a search's options against their documented ranges (spasm.h):
 * 0, or SPASM_EINVAL with a message naming the option and its range.
 */
static int check_options(spasm_searcher *s, const spasm_search_options *o)
{
    if (o->k > SPASM_MAX_K)
        return sp_seterr(s->errmsg, SPASM_EINVAL, "k must be from 1 to %d (or 0 for 10), not %zu",
                         SPASM_MAX_K, o->k);
    if (o->offset > SPASM_MAX_K)
        return sp_seterr(s->errmsg, SPASM_EINVAL, "offset must be from 0 to %d, not %zu",
                         SPASM_MAX_K, o->offset);
    if (!(o->k1 >= 0 && o->k1 <= SPASM_K1_MAX))
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "k1 must be above 0 and at most %g (or 0 for the index default), not %g",
                         SPASM_K1_MAX, o->k1);
    if (!(o->b >= 0 && o->b <= 1) && o->b != SPASM_B_DEFAULT)
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "b must be from 0 to 1 (or %g for the index default), not %g",
                         SPASM_B_DEFAULT, o->b);
    if (o->snippet_bytes > SPASM_MAX_K)
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "snippet_bytes must be from 1 to %d (or 0 for 300), not %zu", SPASM_MAX_K,
                         o->snippet_bytes);
    if (o->group != SPASM_GROUP_NONE && o->group != SPASM_GROUP_DOC)
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "group must be SPASM_GROUP_NONE (0) or SPASM_GROUP_DOC (1), not %d",
                         o->group);
    if (!(o->title_weight == 0 ||
          (o->title_weight > 0 && o->title_weight <= SPASM_TITLE_WEIGHT_MAX)))
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "title_weight must be above 0 and at most %g (or 0 for the default %g), "
                         "not %g",
                         SPASM_TITLE_WEIGHT_MAX, SPASM_TITLE_WEIGHT_DEFAULT, o->title_weight);
    if (!(o->synonym_weight >= 0 && o->synonym_weight <= 1) ||
        !(o->family_weight >= 0 && o->family_weight <= 1)) /* synonyms.c */
        return sp_seterr(s->errmsg, SPASM_EINVAL, "%s must be from 0 to 1 (or 0 for 0.5), not %g",
                         o->synonym_weight >= 0 && o->synonym_weight <= 1 ? "family_weight"
                                                                          : "synonym_weight",
                         o->synonym_weight >= 0 && o->synonym_weight <= 1 ? o->family_weight
                                                                          : o->synonym_weight);
    if (!(o->proximity >= 0 && o->proximity <= SP_PROX_MAX))
        return sp_seterr(s->errmsg, SPASM_EINVAL, "proximity must be from 0 (off) to %g, not %g",
                         SP_PROX_MAX, o->proximity);
    if (!(o->bm25_delta >= 0 && o->bm25_delta <= SPASM_BM25_DELTA_MAX))
        return sp_seterr(s->errmsg, SPASM_EINVAL, "bm25_delta must be from 0 (off) to %g, not %g",
                         SPASM_BM25_DELTA_MAX, o->bm25_delta);
    if (o->boilerplate < SPASM_BOILER_DEFAULT || o->boilerplate > SPASM_BOILER_ON)
        return sp_seterr(
            s->errmsg, SPASM_EINVAL,
            "boilerplate must be SPASM_BOILER_DEFAULT (0), _OFF (1) or _ON (2), not %d",
            o->boilerplate);
    if (o->feedback_terms > SPASM_FEEDBACK_MAX || o->feedback_docs > SPASM_FEEDBACK_MAX ||
        !(o->feedback_weight >= 0 && o->feedback_weight < 1))
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "feedback_terms and feedback_docs must be from 0 to %d and "
                         "feedback_weight from 0 to below 1, not %zu, %zu, %g",
                         SPASM_FEEDBACK_MAX, o->feedback_terms, o->feedback_docs,
                         o->feedback_weight);
    if (o->fields & ~(unsigned)SPASM_FIELDS_ALL)
        return sp_seterr(s->errmsg, SPASM_EINVAL,
                         "fields must be SPASM_FIELD_* bits, from 0 to %d, not %u",
                         SPASM_FIELDS_ALL, o->fields);
    return 0;
}

void sp_it_use_part(it_ctx *x, const sp_part *p)
{
    x->part = p;
    x->ix = p->seg;
    x->del = p->del;
    x->defaults = x->k1 == p->seg->k1 && x->b == p->seg->b;
    x->norm_c = x->avgdl > p->seg->avgdl ? p->seg->avgdl / x->avgdl : 1;
}

/* Parse the query and expand its prefixes over the collection. */
static int prepare(spasm_searcher *s, const char *query, const spasm_search_options *o, it_ctx *x,
                   qnode **qt)
{
    spasm_index *ix = s->ix;
    memset(x, 0, sizeof *x);
    x->col = ix;
    x->a = s->a;
    x->err = s->errmsg;
    x->k1 = (o && o->k1 > 0) ? o->k1 : ix->k1;
    x->b = (o && o->b != SPASM_B_DEFAULT) ? o->b : ix->b;
    x->avgdl = ix->avgdl;
    x->tw = (o && o->title_weight > 0) ? o->title_weight : SPASM_TITLE_WEIGHT_DEFAULT;
    x->delta = o ? o->bm25_delta : 0;
    x->cancel = s->cancel;
    x->deadline_ns = s->deadline_ns;
    x->watch = s->cancel || s->deadline_ns;
    sp_buf_init(&x->notes, s->a);
    s->errmsg[0] = 0;
    if (sp_canceled(x)) return x->rc; /* set before the call */
    if (o && o->proximity > 0) {
        if (!s->prox && !(s->prox = sp_prox_scratch_new(s->a)))
            return serr(s, SPASM_ENOMEM, "out of memory");
        x->prox = o->proximity;
        x->prox_scratch = s->prox;
    }
    x->boiler = sp_boiler_wanted(o);
    if (!s->rwin && !(s->rwin = sp_rwin_new(s->a))) return serr(s, SPASM_ENOMEM, "out of memory");
    x->rwin = s->no_rwin ? NULL : s->rwin;
    int keep = (o && o->keep_stopwords) || (ix->flags & SP_FLAG_NO_STOPWORDS);
    int rc = sp_query_parse(s->a, s->an, query, keep, qt, s->errmsg);
    int typos = o ? o->typos : SPASM_TYPOS_OFF; /* spasm_count: as typed */
    if (typos == SPASM_TYPOS_DEFAULT) typos = SPASM_TYPOS_DEFAULT_IS;
    if (!rc && typos == SPASM_TYPOS_ON) rc = sp_suggest_apply(x, *qt);
    if (!rc) rc = sp_syn_query(s, o, x, qt); /* synonyms, word families (synonyms.c) */
    if (!rc) rc = sp_expand(x, *qt);
    if (rc && !s->errmsg[0]) serr(s, rc, spasm_errstr(rc));
    return rc;
}

/* Build the tree of the query on part i of the collection. */
static it *build_on(spasm_searcher *s, it_ctx *x, const qnode *qt, size_t i, int *rc)
{
    sp_it_use_part(x, &s->ix->part[i]);
    *rc = 0;
    it *root = sp_it_build(x, qt, rc);
    if (*rc && !s->errmsg[0]) serr(s, *rc, spasm_errstr(*rc));
    return root;
}

int spasm_count(spasm_searcher *s, const char *query, uint64_t *count)
{
    if (!s || !count) return SPASM_EINVAL;
    *count = 0;
    int frc = sp_col_check_files_turn(s->ix, &s->check_turn, s->errmsg);
    if (frc) return frc;
    it_ctx x;
    qnode *qt = NULL;
    int rc = prepare(s, query, NULL, &x, &qt);
    uint64_t c = 0;
    for (size_t i = 0; i < s->ix->nparts && !rc; i++) {
        it *root = build_on(s, &x, qt, i, &rc);
        if (!root) break;
        for (uint32_t d = sp_it_next(&x, root, 0); d != SP_END && !sp_canceled_every(&x);
             d = sp_it_next(&x, root, d + 1))
            c += !sp_it_deleted(&x, d);
        rc = x.rc;
        if (rc && !s->errmsg[0]) serr(s, rc, spasm_errstr(rc));
        sp_it_free(&x, root);
    }
    if (!rc) *count = c;
    sp_suggest_free(&x);
    sp_expansion_free(&x);
    sp_query_free(s->a, qt);
    return rc;
}

/* Exhaustive evaluation of any tree: every matching passage is scored
 * (with the proximity component where it applies, as rank.c adds it). */
static void eval_tree(it_ctx *x, it *root, sp_topk *t)
{
    it **leaf = NULL;
    size_t nleaf = 0;
    sp_prox_term *pt = NULL;
    if ((x->rc = sp_prox_leaves(x, root, &leaf, &nleaf))) return;
    if (leaf && !(pt = sp_malloc(x->a, nleaf * sizeof *pt))) x->rc = SPASM_ENOMEM;
    for (uint32_t d = sp_it_next(x, root, 0); d != SP_END && !x->rc && !sp_canceled_every(x);
         d = sp_it_next(x, root, d + 1)) {
        if (sp_it_deleted(x, d)) continue; /* deleted passages never match */
        t->total++;
        uint32_t dl = sp_it_len(x, d);
        double sc = sp_it_score(x, root, d, dl);
        if (pt) {
            size_t m = 0;
            for (size_t i = 0; i < nleaf; i++)
                if (leaf[i]->doc == d)
                    pt[m++] = (sp_prox_term){&leaf[i]->cur, leaf[i]->cur.i, leaf[i]->idf, NULL};
            double bonus;
            int rc = sp_prox_bonus(x, pt, m, dl, &bonus, NULL);
            if (rc) {
                x->rc = rc;
                break;
            }
            sc += bonus;
        }
        sp_heap_offer(t, d, sc * sp_it_prior(x, d));
    }
    sp_free(x->a, pt);
    sp_free(x->a, leaf);
}

/* Rank the passages matching the parsed query qt into t (ungrouped),
 * keeping the best cap, as rank() does: the first pass of feedback. */
static int rank_parts(spasm_searcher *s, size_t cap, it_ctx *x, it **root, const qnode *qt,
                      sp_topk *t)
{
    int rc = sp_topk_init(s->a, t, cap);
    if (rc) return serr(s, rc, "out of memory");
    for (size_t i = 0; i < s->ix->nparts && !x->rc && !sp_canceled(x); i++) {
        sp_it_free(x, *root);
        if (!(*root = build_on(s, x, qt, i, &rc))) return rc;
        const sp_part *p = &s->ix->part[i];
        t->ix = p->seg;
        t->pbase = p->pbase;
        t->dbase = p->dbase;
        if (s->force_exhaustive || !sp_rank_maxscore(x, *root, t)) eval_tree(x, *root, t);
    }
    if (x->rc) {
        if (!s->errmsg[0]) serr(s, x->rc, spasm_errstr(x->rc));
        return x->rc;
    }
    sp_topk_finish(t);
    return 0;
}

/* Rank the passages matching `query` into t, keeping the best `cap`:
 * segment after segment, into one heap (global passage numbers, the
 * threshold carried over), in segplan.c's order.  *root is the last
 * segment's tree built (for the stems to highlight), NULL without
 * segments. */
static int rank(spasm_searcher *s, const char *query, const spasm_search_options *o, size_t cap,
                it_ctx *x, it **root, qnode **qt, sp_topk *t)
{
    int rc = prepare(s, query, o, x, qt);
    if (rc) return rc;
    if (o->feedback_terms > 0 && *qt) { /* RM3: a first pass, then the query expanded */
        sp_topk f;
        memset(&f, 0, sizeof f);
        rc = rank_parts(s, o->feedback_docs ? o->feedback_docs : 10, x, root, *qt, &f);
        if (!rc) rc = sp_feedback_expand(s, o, x, f.h, f.n, qt);
        sp_free(s->a, f.h);
        sp_it_free(x, *root);
        *root = NULL;
        if (rc) return rc;
    }
    if ((rc = sp_topk_init(s->a, t, cap))) return serr(s, rc, "out of memory");
    t->group = o->group == SPASM_GROUP_DOC;
    /* The segments in the order of segplan.c (the best bound first), those
     * that cannot beat the full heap's threshold left out. */
    size_t np = s->ix->nparts, built = 0, order_buf[32];
    double bound_buf[32];
    size_t *order = np <= 32 ? order_buf : sp_malloc(s->a, np * sizeof *order);
    double *bound = np <= 32 ? bound_buf : sp_malloc(s->a, np * sizeof *bound);
    if (!order || !bound) rc = serr(s, SPASM_ENOMEM, "out of memory");
    int gone = 0; /* a tree could not be built: return rc as it is */
    /* a bag of words: one tree, bound to each segment searched (bind.c) */
    int bind = np > 1 && sp_it_bindable(*qt);
    x->defer = bind;
    if (!rc && np && !(*root = build_on(s, x, *qt, 0, &rc))) gone = 1;
    x->defer = 0;
    if (bind) built = SIZE_MAX; /* bound to no segment yet */
    if (!rc && !gone && np) {
        if (s->force_exhaustive || s->no_seg_plan) {
            for (size_t i = 0; i < np; i++) order[i] = i, bound[i] = HUGE_VAL;
        } else if ((rc = sp_seg_plan(x, *root, order, bound))) {
            serr(s, rc, spasm_errstr(rc));
        }
    }
    for (size_t j = 0; j < np && !rc && !gone && !x->rc && !sp_canceled(x); j++) {
        size_t i = order[j];
        /* nothing there can enter (the bound is above any real score) */
        if (t->full && bound[i] <= t->threshold) {
            s->segs_skipped++;
            continue;
        }
        if (i != built && bind) {
            sp_it_use_part(x, &s->ix->part[i]);
            if ((rc = sp_it_bind(x, *root))) {
                if (!s->errmsg[0]) serr(s, rc, spasm_errstr(rc));
                break;
            }
            built = i;
        } else if (i != built) {
            sp_it_free(x, *root);
            if (!(*root = build_on(s, x, *qt, i, &rc))) {
                gone = 1;
                break;
            }
            built = i;
        }
        const sp_part *p = &s->ix->part[i];
        t->ix = p->seg;
        t->pbase = p->pbase;
        t->dbase = p->dbase;
        if (s->force_exhaustive || !sp_rank_maxscore(x, *root, t)) eval_tree(x, *root, t);
    }
    if (order != order_buf) sp_free(s->a, order);
    if (bound != bound_buf) sp_free(s->a, bound);
    if (rc || gone) return rc;
    if (x->rc) {
        if (!s->errmsg[0]) serr(s, x->rc, spasm_errstr(x->rc));
        return x->rc;
    }
    if (t->unordered)
        return serr(s, SPASM_ECORRUPT, "corrupt index: PASS lists a document's passages apart");
    sp_topk_finish(t);
    return 0;
}

int spasm_search(spasm_searcher *s, const char *query, const spasm_search_options *opts,
                 spasm_results **out)
{
    if (!out) return SPASM_EINVAL;
    *out = NULL;
    if (!s) return SPASM_EINVAL;
    spasm_search_options def;
    spasm_search_options_init(&def);
    const spasm_search_options *o = opts ? opts : &def;
    int vrc = check_options(s, o);
    if (!vrc) vrc = sp_col_check_files_turn(s->ix, &s->check_turn, s->errmsg);
    if (vrc) return vrc;
    size_t k = o->k ? o->k : 10;
    size_t want = k + o->offset;
    /* Folding never removes a document from results grouped by document
     * (see spasm_search_options.collapse). */
    int collapse = o->collapse && o->group != SPASM_GROUP_DOC && s->ix->sigs;
    /* Folding near-duplicates needs candidates beyond `want`: rank twice as
     * many, and 4 times more if too many of them fold (the folder goes on
     * from the candidates it has already decided). */
    size_t cap = collapse ? want * 2 + 16 : want;
    it_ctx x;
    memset(&x, 0, sizeof x); /* freed below even when the folder fails before rank() */
    it *root;
    qnode *qt;
    sp_topk t;
    sp_fold fold = {0};
    sp_folder *folder = NULL;
    int rc = collapse ? sp_folder_new(s, want, &folder) : 0;
    for (;;) {
        root = NULL;
        qt = NULL;
        memset(&t, 0, sizeof t);
        if (rc) break;
        rc = rank(s, query, o, cap, &x, &root, &qt, &t);
        if (rc || !collapse) break;
        rc = sp_folder_feed(folder, t.h, t.n);
        if (rc) break;
        if (sp_folder_kept(folder) >= want || t.n < cap || cap >= s->ix->live_pass) {
            rc = sp_folder_finish(folder, t.h, t.n, &fold);
            t.n = fold.nreps;
            break;
        }
        sp_free(s->a, t.h);
        sp_it_free(&x, root);
        sp_suggest_free(&x);
        sp_expansion_free(&x);
        sp_query_free(s->a, qt);
        cap = SP_MIN(cap * 4, (size_t)s->ix->live_pass);
    }
    sp_folder_free(folder);
    if (!rc) rc = sp_results_build(s, &x, root, qt, o, &t, collapse ? &fold : NULL, out);
    /* what the expansion left out goes with the results */
    if (!rc && sp_results_set_notes(*out, x.flags, (const char *)x.notes.p, x.notes.n)) {
        spasm_results_free(*out);
        *out = NULL;
        rc = serr(s, SPASM_ENOMEM, "out of memory");
    }
    /* and the query as corrected */
    if (!rc && x.fix && x.fix->corrected) {
        sp_buf sb;
        sp_buf_init(&sb, s->a);
        int src = sp_suggest_text(&x, s->an, query, &sb);
        unsigned fl = x.fix->added < x.fix->corrected ? SPASM_RESULT_CORRECTED : 0;
        if (x.fix->added) fl |= SPASM_RESULT_TYPO_ADDED;
        if (!src) src = sp_results_set_suggestion(*out, (const char *)sb.p, sb.n, fl);
        sp_buf_free(&sb);
        if (src) {
            spasm_results_free(*out);
            *out = NULL;
            rc = serr(s, SPASM_ENOMEM, "out of memory");
        }
    }
    sp_fold_free(s, &fold);
    sp_free(s->a, t.h);
    sp_it_free(&x, root);
    sp_suggest_free(&x);
    sp_expansion_free(&x);
    sp_query_free(s->a, qt);
    return rc;
}

/* Recompute explanations and matched stems for hits, in passage order. */
