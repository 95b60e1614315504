/*
 * test_near.c -- NEAR and phrases with prefixes and groups as operands
 * (issue 10, finding 4), checked against an exhaustive evaluation: random
 * queries are run through spasm_search and, independently, through a
 * brute-force reference that analyses every stored passage and tries
 * every choice of occurrences; the sets of matching passages must be
 * equal.  On the bundled corpus and on a synthetic one whose words share
 * prefixes and repeat often.  Also: malformed NEAR/n, operands NEAR
 * refuses, and the budget of prefix expansion (finding 3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer.h"
#include "testutil.h"

#include "spasm.h"

static char tmpdir[256];
static sp_analyzer *an;
static sp_alloc alloc; /* malloc */

/* ---- the reference: passages as analysed tokens ---- */

typedef struct rpass {
    size_t n;
    char **stem, **word;
} rpass;

typedef struct corpus {
    spasm_index *ix;
    spasm_searcher *s;
    rpass *p;
    size_t np;
    char **vocab; /* distinct folded non-stop words that are one token */
    size_t nv;
} corpus;

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spasm-neartest-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    sp_alloc_init(&alloc, NULL, NULL);
    an = sp_analyzer_new(&alloc, 256);
    return an ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sp_analyzer_free(an);
    return run("rm -rf %s", tmpdir) == 0 ? 0 : -1;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static int in_vocab(const corpus *c, const char *w)
{
    for (size_t i = 0; i < c->nv; i++)
        if (strcmp(c->vocab[i], w) == 0) return 1;
    return 0;
}

/* Open index path and analyse every stored passage. */
static void corpus_open(corpus *c, const char *path)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(spasm_open(&c->ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(c->ix, &c->s), 0);
    spasm_index_stats st;
    spasm_index_get_stats(c->ix, &st);
    c->np = st.passages;
    c->p = calloc(c->np, sizeof *c->p);
    c->vocab = malloc(200000 * sizeof *c->vocab);
    for (size_t i = 0; i < c->np; i++) {
        spasm_results *r;
        assert_int_equal(spasm_get_passage(c->s, (uint32_t)i, &r), 0);
        const spasm_hit *h = spasm_results_hit(r, 0);
        /* indexed as the title's words, one empty position, the text's */
        rpass *p = &c->p[i];
        p->stem = malloc(sizeof *p->stem);
        p->word = malloc(sizeof *p->word);
        for (int part = 0; part < 2; part++) {
            const char *txt = part ? h->text : h->title;
            size_t len = part ? h->text_len : strlen(h->title);
            assert_int_equal(sp_analyze(an, txt, len), 0);
            size_t nt;
            const sp_token *t = sp_analyzer_tokens(an, &nt);
            const char *pool = sp_analyzer_pool(an);
            size_t gap = part && p->n > 0;
            p->stem = realloc(p->stem, (p->n + nt + gap + 1) * sizeof *p->stem);
            p->word = realloc(p->word, (p->n + nt + gap + 1) * sizeof *p->word);
            if (gap) {
                p->stem[p->n] = dupn("", 0);
                p->word[p->n++] = dupn("", 0);
            }
            for (size_t j = 0; j < nt; j++) {
                p->stem[p->n] = dupn(pool + t[j].term_off, t[j].term_len);
                p->word[p->n++] = dupn(pool + t[j].word_off, t[j].word_len);
            }
        }
        size_t nt = p->n;
        spasm_results_free(r);
        for (size_t j = 0; j < nt; j++) {
            const char *w = p->word[j];
            if (sp_is_stopword(w, strlen(w)) || strlen(w) < 3 || c->nv >= 200000 ||
                strspn(w, "abcdefghijklmnopqrstuvwxyz") != strlen(w) || in_vocab(c, w))
                continue;
            c->vocab[c->nv++] = dupn(w, strlen(w));
        }
    }
    assert_true(c->nv >= 10);
}

static void corpus_close(corpus *c)
{
    for (size_t i = 0; i < c->np; i++) {
        for (size_t j = 0; j < c->p[i].n; j++) {
            free(c->p[i].stem[j]);
            free(c->p[i].word[j]);
        }
        free(c->p[i].stem);
        free(c->p[i].word);
    }
    for (size_t i = 0; i < c->nv; i++) free(c->vocab[i]);
    free(c->vocab);
    free(c->p);
    spasm_searcher_free(c->s);
    spasm_close(c->ix);
}

/* ---- random queries, built as text and as a tree for the reference ---- */

enum { R_WORD, R_PREFIX, R_OR, R_PHRASE, R_NEAR };

typedef struct rnode {
    int type;
    char text[64]; /* R_WORD: its stem; R_PREFIX: the prefix */
    struct rnode *kids[4];
    int nkids;
    unsigned near;
    char **stems; /* R_PREFIX: the stems of the corpus words it starts */
    size_t nstems;
} rnode;

static unsigned rnd_state;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static rnode *rnew(int type)
{
    rnode *n = calloc(1, sizeof *n);
    n->type = type;
    return n;
}

static void rfree(rnode *n)
{
    if (!n) return;
    for (int i = 0; i < n->nkids; i++) rfree(n->kids[i]);
    for (size_t i = 0; i < n->nstems; i++) free(n->stems[i]);
    free(n->stems);
    free(n);
}

static void prefix_stems(const corpus *c, rnode *n);

/* Words are mostly drawn from a window of one passage, so that random
 * queries often match. */
static const rpass *focus;
static size_t focus_at;

static int usable(const char *w)
{
    return strlen(w) >= 3 && !sp_is_stopword(w, strlen(w)) &&
           strspn(w, "abcdefghijklmnopqrstuvwxyz") == strlen(w);
}

static const char *pick_word(const corpus *c)
{
    if (focus && rnd(5)) {
        for (int tries = 0; tries < 8; tries++) {
            size_t j = focus_at + rnd(12);
            if (j < focus->n && usable(focus->word[j])) return focus->word[j];
        }
    }
    return c->vocab[rnd((unsigned)c->nv)];
}

/* A word (its stem for the reference) or a prefix of a vocabulary word. */
static rnode *gen_leaf(const corpus *c, char *q, int allow_prefix)
{
    const char *w = pick_word(c);
    if (allow_prefix && rnd(3) == 0) {
        size_t l = 4 + rnd(3);
        if (l > strlen(w)) l = strlen(w);
        rnode *n = rnew(R_PREFIX);
        memcpy(n->text, w, l);
        n->text[l] = 0;
        prefix_stems(c, n);
        sprintf(q + strlen(q), "%s*", n->text);
        return n;
    }
    rnode *n = rnew(R_WORD);
    assert_int_equal(sp_analyze(an, w, strlen(w)), 0);
    size_t nt;
    const sp_token *t = sp_analyzer_tokens(an, &nt);
    assert_int_equal(nt, 1);
    snprintf(n->text, sizeof n->text, "%.*s", (int)t[0].term_len,
             sp_analyzer_pool(an) + t[0].term_off);
    sprintf(q + strlen(q), "%s", w);
    return n;
}

static rnode *gen_phrase(const corpus *c, char *q);

/* An OR group of 2 or 3 words and prefixes. */
static rnode *gen_group(const corpus *c, char *q, int in_phrase)
{
    rnode *n = rnew(R_OR);
    strcat(q, "(");
    n->nkids = 2 + (int)rnd(2);
    for (int i = 0; i < n->nkids; i++) {
        if (i) strcat(q, in_phrase && rnd(2) ? " " : " OR ");
        /* outside a phrase a member may be a phrase: the group is then as
         * wide as its widest member */
        n->kids[i] = !in_phrase && rnd(4) == 0 ? gen_phrase(c, q) : gen_leaf(c, q, 1);
    }
    strcat(q, ")");
    return n;
}

static rnode *gen_phrase(const corpus *c, char *q)
{
    rnode *n = rnew(R_PHRASE);
    strcat(q, "\"");
    n->nkids = 2 + (int)rnd(2);
    for (int i = 0; i < n->nkids; i++) {
        if (i) strcat(q, " ");
        n->kids[i] = rnd(4) == 0 ? gen_group(c, q, 1) : gen_leaf(c, q, 1);
    }
    strcat(q, "\"");
    return n;
}

/* A NEAR operand: word, prefix, group or phrase. */
static rnode *gen_operand(const corpus *c, char *q)
{
    switch (rnd(5)) {
    case 0:
        return gen_group(c, q, 0);
    case 1:
        return gen_phrase(c, q);
    default:
        return gen_leaf(c, q, 1);
    }
}

/* A random query: a NEAR chain of 2 or 3 operands, or a phrase. */
static rnode *gen_query(const corpus *c, char *q)
{
    q[0] = 0;
    focus = &c->p[rnd((unsigned)c->np)];
    focus_at = focus->n > 12 ? rnd((unsigned)(focus->n - 12)) : 0;
    if (rnd(4) == 0) return gen_phrase(c, q);
    rnode *n = rnew(R_NEAR);
    n->nkids = 2 + (int)rnd(2);
    n->near = 1000;
    for (int i = 0; i < n->nkids; i++) {
        if (i) {
            unsigned w = 1 + rnd(rnd(2) ? 4 : 15);
            if (w < n->near) n->near = w;
            if (w == 10 && rnd(2))
                strcat(q, " NEAR ");
            else
                sprintf(q + strlen(q), " NEAR/%u ", w);
        }
        n->kids[i] = gen_operand(c, q);
    }
    return n;
}

/* The stems of the corpus words starting with n's prefix (what the
 * index's WORD section expands it to), into n->stems. */
static void prefix_stems(const corpus *c, rnode *n)
{
    size_t pl = strlen(n->text), cap = 0;
    for (size_t i = 0; i < c->np; i++)
        for (size_t j = 0; j < c->p[i].n; j++) {
            if (strncmp(c->p[i].word[j], n->text, pl) != 0) continue;
            const char *st = c->p[i].stem[j];
            size_t k = 0;
            while (k < n->nstems && strcmp(n->stems[k], st) != 0) k++;
            if (k < n->nstems) continue;
            if (n->nstems == cap) {
                cap = cap ? cap * 2 : 8;
                n->stems = realloc(n->stems, cap * sizeof *n->stems);
            }
            n->stems[n->nstems++] = dupn(st, strlen(st));
        }
}

static int prefix_has_stem(const rnode *n, const char *s)
{
    for (size_t k = 0; k < n->nstems; k++)
        if (strcmp(n->stems[k], s) == 0) return 1;
    return 0;
}

/* Width of an operand: 1, a phrase's length, a group's widest member. */
static int rwidth(const rnode *n)
{
    if (n->type == R_PHRASE) {
        int w = 0;
        for (int i = 0; i < n->nkids; i++) w += rwidth(n->kids[i]);
        return w;
    }
    if (n->type == R_OR) {
        int w = 1;
        for (int i = 0; i < n->nkids; i++)
            if (rwidth(n->kids[i]) > w) w = rwidth(n->kids[i]);
        return w;
    }
    return 1;
}

/* 1 if n occurs in passage p starting at position pos (brute force). */
static int occurs_at(const corpus *c, const rpass *p, const rnode *n, size_t pos)
{
    if (pos >= p->n) return 0;
    switch (n->type) {
    case R_WORD:
        return strcmp(p->stem[pos], n->text) == 0;
    case R_PREFIX:
        return prefix_has_stem(n, p->stem[pos]);
    case R_OR:
        for (int i = 0; i < n->nkids; i++)
            if (occurs_at(c, p, n->kids[i], pos)) return 1;
        return 0;
    case R_PHRASE: {
        size_t at = pos;
        for (int i = 0; i < n->nkids; i++) {
            if (!occurs_at(c, p, n->kids[i], at)) return 0;
            at += (size_t)rwidth(n->kids[i]);
        }
        return 1;
    }
    default:
        return 0;
    }
}

/* Try every choice of one occurrence per NEAR operand from operand i on. */
static int near_try(const corpus *c, const rpass *p, const rnode *n, int i, long lo, long hi,
                    long slack)
{
    if (lo >= 0 && hi - lo > slack) return 0; /* the window only grows */
    if (i == n->nkids) return 1;
    int w = rwidth(n->kids[i]);
    for (size_t s = 0; s < p->n; s++) {
        if (!occurs_at(c, p, n->kids[i], s)) continue;
        long nlo = lo < 0 || (long)s < lo ? (long)s : lo;
        long nhi = (long)s + w - 1 > hi ? (long)s + w - 1 : hi;
        if (near_try(c, p, n, i + 1, nlo, nhi, slack)) return 1;
    }
    return 0;
}

static int ref_match(const corpus *c, const rpass *p, const rnode *n)
{
    if (n->type == R_NEAR) {
        long slack = n->near;
        for (int i = 0; i < n->nkids; i++) slack += rwidth(n->kids[i]) - 1;
        return near_try(c, p, n, 0, -1, -1, slack);
    }
    for (size_t s = 0; s < p->n; s++)
        if (occurs_at(c, p, n, s)) return 1;
    return 0;
}

/* Run nq random queries on c; every one must match exactly the passages
 * the reference finds.  Returns how many matched something. */
static int check_random(corpus *c, unsigned seed, int nq)
{
    rnd_state = seed;
    char q[2048];
    int nonempty = 0;
    char *want = malloc(c->np + 1), *got = malloc(c->np + 1);
    for (int k = 0; k < nq; k++) {
        rnode *t = gen_query(c, q);
        size_t nwant = 0;
        for (size_t i = 0; i < c->np; i++) nwant += want[i] = (char)ref_match(c, &c->p[i], t);
        memset(got, 0, c->np);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.k = c->np;
        o.collapse = 0;
        o.fields = SPASM_FIELD_ID;
        spasm_results *r = NULL;
        int rc = spasm_search(c->s, q, &o, &r);
        if (rc) print_message("query [%s]: %s\n", q, spasm_searcher_errmsg(c->s));
        assert_int_equal(rc, 0);
        assert_int_equal(spasm_results_flags(r), 0); /* nothing cut: exact */
        for (size_t i = 0; i < spasm_results_count(r); i++)
            got[spasm_results_hit(r, i)->passage] = 1;
        int same = spasm_results_count(r) == nwant && memcmp(want, got, c->np) == 0;
        if (!same) {
            print_message("query [%s]: engine %zu passages, reference %zu\n", q,
                          spasm_results_count(r), nwant);
            for (size_t i = 0; i < c->np; i++)
                if (want[i] != got[i])
                    print_message("  passage %zu: engine %d reference %d\n", i, got[i], want[i]);
        }
        assert_true(same);
        uint64_t cnt;
        assert_int_equal(spasm_count(c->s, q, &cnt), 0);
        assert_int_equal(cnt, nwant);
        nonempty += nwant > 0;
        spasm_results_free(r);
        rfree(t);
    }
    free(want);
    free(got);
    return nonempty;
}

static void test_random_bundled(void **state)
{
    (void)state;
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    corpus c;
    corpus_open(&c, p);
    int nonempty = check_random(&c, 20261201u, 400);
    print_message("bundled corpus: %d of 400 random queries match something\n", nonempty);
    assert_true(nonempty > 40); /* the test must exercise matches, not only misses */
    corpus_close(&c);
}

/* A synthetic corpus: few words sharing prefixes, repeated densely, so
 * that NEAR windows, phrases and prefixes meet often. */
static void test_random_synthetic(void **state)
{
    (void)state;
    static const char *words[] = {"kalbor", "kalbic", "kalmun", "kelvot", "kelvir", "morpad",
                                  "morpex", "mordun", "tansik", "tanvol", "tenbar", "zulpin"};
    char path[300];
    snprintf(path, sizeof path, "%s/synth.spx", tmpdir);
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.threads = 1;
    spasm_writer *w;
    assert_int_equal(spasm_writer_new(&w, path, &wo), 0);
    rnd_state = 7;
    char text[4096], id[32];
    for (int d = 0; d < 120; d++) {
        size_t n = 0;
        int len = 5 + (int)rnd(40);
        for (int i = 0; i < len; i++)
            n += (size_t)sprintf(text + n, "%s%s", i ? " " : "", words[rnd(12)]);
        snprintf(id, sizeof id, "s%03d", d);
        const char *ps[1] = {text};
        size_t ls[1] = {n};
        assert_int_equal(spasm_writer_add_passages(w, id, NULL, ps, ls, 1), 0);
    }
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    corpus c;
    corpus_open(&c, path);
    int nonempty = check_random(&c, 99u, 400);
    print_message("synthetic corpus: %d of 400 random queries match something\n", nonempty);
    assert_true(nonempty > 150);
    corpus_close(&c);
}

/* ---- errors and examples on the bundled corpus ---- */

static spasm_searcher *bundled(spasm_index **ix)
{
    char p[300];
    snprintf(p, sizeof p, "%s/corpus.spx", build_dir());
    spasm_searcher *s;
    assert_int_equal(spasm_open(ix, p, NULL), 0);
    assert_int_equal(spasm_searcher_new(*ix, &s), 0);
    return s;
}

static long long count(spasm_searcher *s, const char *q)
{
    uint64_t c;
    int rc = spasm_count(s, q, &c);
    return rc ? -rc : (long long)c;
}

static void test_near_prefix_examples(void **state)
{
    (void)state;
    spasm_index *ix;
    spasm_searcher *s = bundled(&ix);
    /* the reported cases: a prefix operand matches what its words match */
    assert_true(count(s, "spasm NEAR/10 dehydrat*") >= count(s, "spasm NEAR/10 dehydration"));
    assert_true(count(s, "spasm NEAR/10 dehydration") > 0);
    assert_true(count(s, "cramp* NEAR night") > 0);
    assert_int_equal(count(s, "cramp* NEAR night"), count(s, "(cramp OR cramps) NEAR night"));
    /* groups and phrases with prefixes */
    assert_int_equal(count(s, "\"toe muscl*\""), count(s, "\"toe (muscle OR muscles)\""));
    assert_true(count(s, "\"toe muscl*\"") > 0);
    assert_true(count(s, "night NEAR/3 (calf OR toe)") >= count(s, "night NEAR/3 calf"));
    /* a prefix with no word: no match, no crash */
    assert_int_equal(count(s, "spasm NEAR zzzzq*"), 0);
    assert_int_equal(count(s, "\"zzzzq* spasm\""), 0);
    spasm_searcher_free(s);
    spasm_close(ix);
}

static void expect_equery(spasm_searcher *s, const char *q, const char *needle)
{
    spasm_results *r = (spasm_results *)1;
    int rc = spasm_search(s, q, NULL, &r);
    if (rc != SPASM_EQUERY || !strstr(spasm_searcher_errmsg(s), needle))
        print_message("query [%s]: rc %d, message [%s], wanted [%s]\n", q, rc,
                      spasm_searcher_errmsg(s), needle);
    assert_int_equal(rc, SPASM_EQUERY);
    assert_null(r);
    assert_non_null(strstr(spasm_searcher_errmsg(s), needle));
}

static void test_near_errors(void **state)
{
    (void)state;
    spasm_index *ix;
    spasm_searcher *s = bundled(&ix);
    expect_equery(s, "calf NEAR/x night", "at byte 5");
    expect_equery(s, "calf NEAR/0 night", "at byte 5");
    expect_equery(s, "calf NEAR/1000000 night", "from 1 to 1000");
    expect_equery(s, "calf NEAR/1001 night", "at byte 5");
    expect_equery(s, "calf NEAR/ night", "at byte 5");
    expect_equery(s, "NEAR/-3", "at byte 0");
    assert_true(count(s, "calf NEAR/1000 night") > 0); /* the largest window */
    /* operands NEAR cannot take, named by position */
    expect_equery(s, "(calf AND toe) NEAR night", "at byte 0");
    expect_equery(s, "night NEAR (calf -toe)", "at byte 11");
    expect_equery(s, "night NEAR (calf NEAR toe)", "at byte 11");
    /* a member of a group in a phrase that is several words */
    expect_equery(s, "\"calf (sit-ups OR toe)\"", "at byte 7");
    /* a NEAR chain of 17 operands */
    char q[400] = "calf";
    for (int i = 0; i < 16; i++) strcat(q, " NEAR toe");
    expect_equery(s, q, "at most 16");
    /* NEAR written in lower case, or NEARBY, is a word */
    assert_int_equal(count(s, "nearby"), count(s, "NEARBY"));
    /* 769 distinct words */
    char *big = malloc(1025 * 12);
    big[0] = 0;
    for (int i = 0; i < 769; i++) sprintf(big + strlen(big), "w%dq ", i);
    expect_equery(s, big, "more than 768 words");
    /* the same word 5,000 times is one word */
    big = realloc(big, 5000 * 6 + 1);
    big[0] = 0;
    for (int i = 0; i < 5000; i++) strcat(big, "calf ");
    assert_true(count(s, big) > 0);
    free(big);
    spasm_searcher_free(s);
    spasm_close(ix);
}

/* Prefix expansion keeps the most frequent terms under the budget and
 * says so (finding 3), on a synthetic index with 300 words under "pre". */
static void test_prefix_budget(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/pre.spx", tmpdir);
    spasm_writer *w;
    spasm_writer_options wo = {0};
    wo.b = -1;
    wo.threads = 1;
    assert_int_equal(spasm_writer_new(&w, path, &wo), 0);
    /* word "prezNNN" (a letter suffix keeps the stemmer off) occurs in
     * NNN + 1 passages: the most frequent are the highest numbers */
    char text[8192], id[32];
    for (int d = 0; d < 300; d++) {
        size_t n = 0;
        for (int k = d; k < 300; k++) n += (size_t)sprintf(text + n, "prez%03dq ", k);
        n += (size_t)sprintf(text + n, "filler");
        snprintf(id, sizeof id, "p%03d", d);
        assert_int_equal(spasm_writer_add(w, id, NULL, text, n), 0);
    }
    assert_int_equal(spasm_writer_commit(w), 0);
    spasm_writer_abandon(w);
    spasm_index *ix;
    spasm_searcher *s;
    assert_int_equal(spasm_open(&ix, path, NULL), 0);
    assert_int_equal(spasm_searcher_new(ix, &s), 0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = 1000;
    o.collapse = 0;
    o.explain = 1;
    spasm_results *r;
    /* one prefix: 256 of its 300 terms, the most frequent (prez044q and up) */
    assert_int_equal(spasm_search(s, "prez*", &o, &r), 0);
    assert_int_equal(spasm_results_flags(r), SPASM_RESULT_EXPANSION_CUT);
    const char *notes = spasm_results_notes(r);
    print_message("notes: %s\n", notes);
    assert_non_null(strstr(notes, "prefix 'prez*' expanded to 256 of 300 terms"));
    /* passage p299 holds only prez299q: matched; the rarest (prez000q..
     * prez043q, in p000..p043 only) were cut, so p000 matches through the
     * frequent ones; the explanation of the top hit names no cut term */
    assert_int_equal(spasm_results_count(r), 300);
    for (size_t i = 0; i < spasm_results_count(r); i++) {
        const char *ex = spasm_results_hit(r, i)->explain;
        assert_null(strstr(ex, "\"prez043q\""));
        assert_null(strstr(ex, "\"prez000q\""));
    }
    assert_non_null(strstr(spasm_results_hit(r, 0)->explain, "\"prez299q\""));
    spasm_results_free(r);
    /* a narrower prefix is not cut */
    assert_int_equal(spasm_search(s, "prez29*", &o, &r), 0);
    assert_int_equal(spasm_results_flags(r), 0);
    assert_string_equal(spasm_results_notes(r), "");
    assert_int_equal(spasm_results_count(r), 300); /* every passage holds prez299q */
    spasm_results_free(r);
    /* two prefixes share 256 terms: prez0* (100 terms) and prez1* (100)
     * are whole */
    assert_int_equal(spasm_search(s, "prez0* prez1*", &o, &r), 0);
    assert_int_equal(spasm_results_flags(r), 0);
    spasm_results_free(r);
    /* four prefixes of 300 terms each: prez* typed twice among the optional
     * words is one prefix of twice the weight */
    assert_int_equal(spasm_search(s, "prez* pre* pr* prez* p*", &o, &r), 0);
    assert_int_equal(spasm_results_flags(r), SPASM_RESULT_EXPANSION_CUT);
    notes = spasm_results_notes(r);
    print_message("notes: %s\n", notes);
    /* 4 prefixes, 256 terms: 64 each */
    assert_non_null(strstr(notes, "prefix 'prez*' expanded to 64 of 300 terms"));
    assert_non_null(strstr(notes, "more prefixes were cut") || strstr(notes, "prefix 'p*'"));
    spasm_results_free(r);
    /* a prefix inside a phrase and a required one are separate operands:
     * "+prez* +prez*" is two prefixes of 128 each within the 256 */
    assert_int_equal(spasm_search(s, "+prez* +prez*", &o, &r), 0);
    assert_non_null(strstr(spasm_results_notes(r), "expanded to 128 of 300"));
    spasm_results_free(r);
    /* spasm_count sees the same expansion */
    uint64_t cnt;
    assert_int_equal(spasm_count(s, "prez*", &cnt), 0);
    assert_int_equal(cnt, 300);
    spasm_searcher_free(s);
    spasm_close(ix);
    assert_int_equal(spasm_results_flags(NULL), 0);
    assert_string_equal(spasm_results_notes(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_near_prefix_examples), cmocka_unit_test(test_near_errors),
        cmocka_unit_test(test_prefix_budget),        cmocka_unit_test(test_random_bundled),
        cmocka_unit_test(test_random_synthetic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
