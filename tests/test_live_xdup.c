/*
 * test_live_xdup.c -- a live segment's near-duplicates in the other
 * segments (XDUP, indexer/dups_cross.c) found by looking its keys up in
 * their SKEY sections (common/skey.c) are those the full scan of their
 * signatures finds: three folders take the same random sequence of
 * batches (adds, replaces, deletes, near-duplicate documents across
 * segments, crowds of copies that make keys common, merges), one written
 * scanning every segment, one looking every segment up, one choosing by
 * cost, and every segment's XDUP and DUPS must be byte for byte the same
 * in the three (seeded: SPASM_LIVE_SEED overrides).  Also: a folder whose
 * segments are a mix of files with and without SKEY (written before it),
 * and a damaged SKEY reported by SPASM_OPEN_VERIFY and
 * spasm_index_verify (--check), whether its checksum fails or not, and
 * failing (SPASM_ECORRUPT) a commit that looks keys up in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "live_util.h"
#include "live.h" /* the updater's knobs */
#include "skey.h"

static uint64_t seed = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

#define NFOLD 3 /* 0: always scan, 1: always look up, 2: by cost */
static char dirs[NFOLD][512];

#define NBASE 6
#define BASE_WORDS 16
static int base[NBASE][BASE_WORDS];
static const char *vocab[] = {
    "alpha", "bravo",  "delta", "echo",   "golf",   "hotel", "india",  "juliet", "kilo",
    "lima",  "mike",   "oscar", "papa",   "quebec", "romeo", "sierra", "tango",  "uniform",
    "vict",  "whisky", "xray",  "yankee", "zulu",   "amber", "birch",  "cedar",  "dune",
    "ember", "fjord",  "grove", "heath",  "inlet",  "jetty", "knoll",  "lagoon", "marsh"};
#define NVOCAB (sizeof vocab / sizeof *vocab)

/* A paragraph near base paragraph b (up to 3 words changed) at t + n. */
static size_t near_para(char *t, size_t n, size_t cap, int b, int changes)
{
    int w[BASE_WORDS];
    memcpy(w, base[b], sizeof w);
    for (int c = 0; c < changes; c++) w[rnd() % BASE_WORDS] = (int)(rnd() % NVOCAB);
    int len = BASE_WORDS - (int)(rnd() % 3);
    for (int i = 0; i < len; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s%s", i ? " " : "", vocab[w[i]]);
    return n;
}

/* Random text: 1-3 paragraphs, most of them near a base paragraph. */
static void make_text(char *t, size_t cap)
{
    size_t n = 0;
    int paras = 1 + (int)(rnd() % 3);
    for (int p = 0; p < paras; p++) {
        if (p) n += (size_t)snprintf(t + n, cap - n, "\n\n");
        if (rnd() % 4) {
            n = near_para(t, n, cap, (int)(rnd() % NBASE), (int)(rnd() % 4));
            continue;
        }
        int nw = (int)(rnd() % 13);
        for (int w = 0; w < nw; w++)
            n += (size_t)snprintf(t + n, cap - n, "%s%s", w ? " " : "", vocab[rnd() % NVOCAB]);
    }
    t[n] = 0;
}

static int next_id, ncrowd;
static spasm_updater *u[NFOLD];

/* Add (or replace) document `id` with text t in every folder. */
static void add_all(const char *id, const char *t)
{
    for (int f = 0; f < NFOLD; f++)
        assert_int_equal(spasm_updater_add(u[f], id, NULL, t, strlen(t)), 0);
}

static void delete_all(const char *id)
{
    for (int f = 0; f < NFOLD; f++) assert_int_equal(spasm_updater_delete(u[f], id), 0);
}

/* One random batch, applied to every folder.  Some batches are crowds:
 * hundreds of copies of one paragraph (near base 0), so that its keys
 * become common within a segment (SKEY's marker) or only across
 * segments; some delete half of the crowd again. */
static void random_batch(void)
{
    char t[1024], id[32];
    unsigned kind = (unsigned)(rnd() % 8);
    if (kind == 0 && ncrowd < 3000) {
        int copies = rnd() % 2 ? 1100 : 600;
        for (int i = 0; i < copies; i++) {
            snprintf(id, sizeof id, "crowd%d", ncrowd++);
            size_t n = near_para(t, 0, sizeof t, 0, i % 50 == 0 ? 1 : 0);
            t[n] = 0;
            add_all(id, t);
        }
        return;
    }
    if (kind == 1 && ncrowd) {
        for (int i = (int)(rnd() % 2); i < ncrowd; i += 2) {
            snprintf(id, sizeof id, "crowd%d", i);
            delete_all(id);
        }
        return;
    }
    int nops = 1 + (int)(rnd() % 12);
    for (int k = 0; k < nops; k++) {
        unsigned r = (unsigned)(rnd() % 10);
        int x = next_id ? (int)(rnd() % (uint64_t)next_id) : 0;
        if (r < 4 || !next_id) { /* a new document */
            x = next_id++;
        } else if (r >= 7) { /* delete one (maybe deleted already: a warning) */
            snprintf(id, sizeof id, "doc%d", x);
            delete_all(id);
            continue;
        } /* else replace one */
        snprintf(id, sizeof id, "doc%d", x);
        make_text(t, sizeof t);
        add_all(id, t);
    }
}

/* Section `which` (0 XDUP, 1 DUPS, 2 SKEY) of a segment file's index ix
 * (its p NULL when absent). */
static const sp_sec *sec_of(spasm_index *ix, int which)
{
    sp_seg *g = ix->part[0].seg;
    return which == 0 ? &g->xdup : which == 1 ? &g->dups : &g->skey;
}

static spasm_index *open_seg(const char *dir, uint64_t id, int verify)
{
    char name[64], path[1024];
    sp_seg_name(name, id);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    spasm_open_options oo = {0};
    oo.flags = verify ? SPASM_OPEN_VERIFY : 0;
    spasm_index *ix;
    int rc = spasm_open(&ix, path, &oo);
    if (rc) fprintf(stderr, "%s\n", spasm_index_errmsg(ix));
    assert_int_equal(rc, 0);
    return ix;
}

/* Compare the newest commits of the folders: the same segments, each with
 * the same XDUP and DUPS bytes; every segment of the scanning folder
 * verified (its SKEY rebuilt from SIGS).  The looked-up folder's segments
 * with and without SKEY are counted into *with, *without. */
static void compare_folders(size_t *with, size_t *without)
{
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit c[NFOLD];
    for (int f = 0; f < NFOLD; f++) c[f] = lu_commit(dirs[f]);
    for (int f = 1; f < NFOLD; f++) {
        assert_int_equal(c[f].nseg, c[0].nseg);
        for (size_t i = 0; i < c[0].nseg; i++) {
            assert_int_equal(c[f].seg[i].id, c[0].seg[i].id);
            assert_int_equal(c[f].seg[i].npass, c[0].seg[i].npass);
            assert_int_equal(c[f].seg[i].del_docs, c[0].seg[i].del_docs);
        }
    }
    for (size_t i = 0; i < c[0].nseg; i++) {
        spasm_index *ix[NFOLD];
        for (int f = 0; f < NFOLD; f++) ix[f] = open_seg(dirs[f], c[0].seg[i].id, f == 0);
        assert_non_null(sec_of(ix[0], 2)->p); /* every file gets SKEY */
        if (sec_of(ix[1], 2)->p)
            ++*with;
        else
            ++*without;
        for (int which = 0; which < 2; which++) {
            const sp_sec *a = sec_of(ix[0], which);
            assert_non_null(a->p);
            for (int f = 1; f < NFOLD; f++) {
                const sp_sec *b = sec_of(ix[f], which);
                assert_non_null(b->p);
                assert_int_equal(a->len, b->len);
                assert_memory_equal(a->p, b->p, a->len);
            }
        }
        for (int f = 0; f < NFOLD; f++) spasm_close(ix[f]);
    }
    for (int f = 0; f < NFOLD; f++) sp_commit_free(&al, &c[f]);
}

/* XDUP entries of the newest commit of dirs[0] (pairs listed across segments). */
static uint64_t xdup_entries(void)
{
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit c = lu_commit(dirs[0]);
    uint64_t m = 0;
    for (size_t i = 0; i < c.nseg; i++) {
        spasm_index *ix = open_seg(dirs[0], c.seg[i].id, 0);
        const sp_sec *x = sec_of(ix, 0);
        if (x->len >= 8) m += sp_get_u32(x->p + 4);
        spasm_close(ix);
    }
    sp_commit_free(&al, &c);
    return m;
}

/* The random sequence over the three folders; `mix`: the looking-up
 * folder writes each commit's segments without SKEY half of the time. */
static void run_folders(int mix, int commits)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    for (int f = 0; f < NFOLD; f++) {
        assert_int_equal(spasm_updater_open(&u[f], dirs[f], &o), 0);
        u[f]->merge_width = 4; /* merges often */
        u[f]->merge_tier_factor = 4;
        u[f]->xdup_mode = f == 0 ? 1 : f == 1 ? 2 : 0;
    }
    size_t with = 0, without = 0;
    uint64_t toggle = seed ^ 0x5bd1e995u;
    uint64_t pairs = 0;
    for (int commit = 0; commit < commits; commit++) {
        random_batch();
        if (mix) {
            toggle = toggle * 6364136223846793005ull + 1442695040888963407ull;
            u[1]->skey_off = (int)(toggle >> 63);
        }
        for (int f = 0; f < NFOLD; f++) {
            int rc = spasm_updater_commit(u[f]);
            if (rc) fprintf(stderr, "%s\n", spasm_updater_errmsg(u[f]));
            assert_int_equal(rc, 0);
        }
        compare_folders(&with, &without);
        pairs += xdup_entries();
    }
    for (int f = 0; f < NFOLD; f++) spasm_updater_close(u[f]);
    assert_true(pairs > 0); /* near-duplicates were found across segments */
    assert_true(with > 0);
    if (mix) assert_true(without > 0);
}

static int setup(void **st)
{
    (void)st;
    for (int f = 0; f < NFOLD; f++) lu_tmpname(dirs[f], sizeof dirs[f], "live.spx");
    seed = lu_seed(seed);
    uint64_t keep = seed;
    for (int b = 0; b < NBASE; b++)
        for (int w = 0; w < BASE_WORDS; w++) base[b][w] = (int)(rnd() % NVOCAB);
    seed = keep;
    next_id = ncrowd = 0;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    for (int f = 0; f < NFOLD; f++) lu_rmtree(dirs[f]);
    return 0;
}

static void test_same_pairs(void **st)
{
    (void)st;
    run_folders(0, 40);
}

static void test_mixed_segments(void **st)
{
    (void)st;
    seed ^= 0xA5A5A5A5ull;
    run_folders(1, 40);
}

/* 1 when segment `id` of folder dir has deleted documents and a marker
 * in its SKEY (a key of more than 1,024 holders, deleted ones counted). */
static int marker_with_deletes(const char *dir, const sp_cp_seg *e)
{
    if (!e->del_docs) return 0;
    spasm_index *ix = open_seg(dir, e->id, 0);
    const sp_sec *x = sec_of(ix, 2);
    sp_skey k;
    int found = 0;
    assert_int_equal(sp_skey_head(x->p, x->len, ix->npass, &k), 0);
    for (uint64_t i = 0; i < k.m && !found; i++)
        found = (sp_skey_entry(&k, x->p + k.ent_off + k.w * i) & sp_skey_marker(&k)) ==
                sp_skey_marker(&k);
    spasm_close(ix);
    return found;
}

/* A key common in one segment (its SKEY's marker: 1,100 copies of a
 * paragraph) in a segment with deletions, looked up as scanned: with
 * crowd = 1, 1,090 of the copies are deleted and the key is rare again
 * (the marker counts deleted holders: the segment is scanned after all),
 * so each of 3 new near-copies pairs with the 10 copies left; with crowd
 * = 0, 20 other documents are deleted and the key stays common (the
 * marker decides: no deleted passage holds it), so the new copies pair
 * with none. */
static void marker_case(int crowd)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    for (int f = 0; f < NFOLD; f++) {
        assert_int_equal(spasm_updater_open(&u[f], dirs[f], &o), 0);
        u[f]->merge_width = 1000; /* no merge: the marker stays */
        u[f]->merge_deleted_share = 2.0;
        u[f]->xdup_mode = f == 0 ? 1 : f == 1 ? 2 : 0;
    }
    char t[1024], c[1024], id[32];
    size_t n = near_para(c, 0, sizeof c, 0, 0), with = 0, without = 0;
    c[n] = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "other%d", i); /* words of its own: no key of the crowd's */
        size_t len = 0;
        for (int w = 0; w < 12; w++)
            len += (size_t)snprintf(t + len, sizeof t - len, "%sword%dx%d", w ? " " : "", i, w);
        add_all(id, t);
    }
    for (int step = 0; step < 3; step++) {
        int m = step == 0 ? 1100 : step == 2 ? 3 : crowd ? 1090 : 20;
        for (int i = 0; i < m; i++) {
            snprintf(id, sizeof id, "%s%d",
                     step == 2            ? "new"
                     : step == 0 || crowd ? "crowd"
                                          : "other",
                     i);
            if (step == 1)
                delete_all(id);
            else
                add_all(id, c);
        }
        for (int f = 0; f < NFOLD; f++) assert_int_equal(spasm_updater_commit(u[f]), 0);
        compare_folders(&with, &without);
    }
    for (int f = 0; f < NFOLD; f++) spasm_updater_close(u[f]);
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit cp = lu_commit(dirs[1]);
    assert_int_equal(cp.nseg, 2);
    assert_true(marker_with_deletes(dirs[1], &cp.seg[0]));
    sp_commit_free(&al, &cp);
    uint64_t pairs = xdup_entries();
    if (crowd)
        assert_true(pairs >= 3 * 10); /* each new copy with the 10 left */
    else
        assert_int_equal(pairs, 0);
}

static void test_marker_after_deletes(void **st)
{
    (void)st;
    marker_case(1);
}

static void test_marker_other_deletes(void **st)
{
    (void)st;
    marker_case(0);
}

/* Recompute the checksums of index file path after its bytes changed in
 * [at, at + n): the chunks, the section holding them, both tables and the
 * header (docs/FORMAT.md), so that only a content check can notice. */
static void rechecksum(const char *path, uint64_t at, uint64_t n)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    uint8_t *b = malloc(size);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(b, 1, size, f), size);
    uint64_t t = sp_get_u64(b + 24), c = sp_get_u64(b + 40), k = sp_get_u64(b + 48);
    uint32_t ns = sp_get_u32(b + 32), l = sp_get_u32(b + 36);
    for (uint64_t i = (at - 128) >> l; i <= (at + n - 1 - 128) >> l && i < k; i++) {
        uint64_t s = 128 + (i << l), e = s + (1ull << l) < t ? s + (1ull << l) : t;
        sp_put_u32(b + c + 4 * i, sp_crc32(0, b + s, e - s));
    }
    for (uint32_t i = 0; i < ns; i++) {
        uint8_t *e = b + t + 32 * i;
        uint64_t off = sp_get_u64(e + 8), len = sp_get_u64(e + 16);
        if (at >= off && at < off + len) sp_put_u32(e + 4, sp_crc32(0, b + off, len));
    }
    sp_put_u32(b + 56, sp_crc32(0, b + t, 32 * (size_t)ns));
    sp_put_u32(b + 60, sp_crc32(0, b + c, 4 * k));
    sp_put_u32(b + 124, sp_crc32(0, b, 124));
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fwrite(b, 1, size, f), size);
    fclose(f);
    free(b);
}

/* Flip bit 0 of the byte at offset `at` of file path. */
static void flip(const char *path, uint64_t at)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, (long)at, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, (long)at, SEEK_SET);
    fputc(ch ^ 1, f);
    fclose(f);
}

/* The verdicts of opening file path with SPASM_OPEN_VERIFY (its message
 * holding `what` unless NULL), and of spasm_index_verify on dir (the
 * folder, or the file itself): both must be SPASM_ECORRUPT. */
static void assert_reported(const char *path, const char *dir, const char *what)
{
    spasm_open_options oo = {0};
    oo.flags = SPASM_OPEN_VERIFY;
    spasm_index *ix;
    assert_int_equal(spasm_open(&ix, path, &oo), SPASM_ECORRUPT);
    if (what) assert_non_null(strstr(spasm_index_errmsg(ix), what));
    spasm_close(ix);
    assert_int_equal(spasm_open(&ix, dir, NULL), 0);
    assert_int_equal(spasm_index_verify(ix), SPASM_ECORRUPT);
    spasm_close(ix);
}

/* A damaged SKEY: a flipped byte fails its checksum; an entry changed
 * with every checksum made right again does not match SIGS.  Both are
 * reported by the verifying open and by spasm_index_verify (--check). */
static void test_damaged_skey(void **st)
{
    (void)st;
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    o.threads = 1;
    spasm_updater *w;
    assert_int_equal(spasm_updater_open(&w, dirs[0], &o), 0);
    char t[1024], id[32];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "d%d", i);
        make_text(t, sizeof t);
        assert_int_equal(spasm_updater_add(w, id, NULL, t, strlen(t)), 0);
    }
    assert_int_equal(spasm_updater_commit(w), 0);
    spasm_updater_close(w);
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    sp_commit c = lu_commit(dirs[0]);
    assert_int_equal(c.nseg, 1);
    char name[64], path[1024];
    sp_seg_name(name, c.seg[0].id);
    snprintf(path, sizeof path, "%s/%s", dirs[0], name);
    spasm_index *ix = open_seg(dirs[0], c.seg[0].id, 1); /* sound: verifies */
    const sp_sec *k = sec_of(ix, 2);
    assert_non_null(k->p);
    sp_skey h;
    assert_int_equal(sp_skey_head(k->p, k->len, ix->npass, &h), 0);
    assert_true(h.m > 2);
    uint64_t ent = k->off + h.ent_off + h.w * (h.m / 2); /* an entry's first byte */
    uint64_t dbits = k->off + 4, k0 = k->off;            /* the header's D; the section */
    spasm_close(ix);
    /* 0: a commit that looks keys up in a segment whose SKEY fails its
     * checksum fails (SPASM_ECORRUPT) and leaves the last commit as it was */
    flip(path, k0 + 20); /* a byte of the header's M */
    assert_int_equal(spasm_updater_open(&w, dirs[0], &o), 0);
    w->xdup_mode = 2;
    make_text(t, sizeof t);
    assert_int_equal(spasm_updater_add(w, "new", NULL, t, strlen(t)), 0);
    assert_int_equal(spasm_updater_commit(w), SPASM_ECORRUPT);
    assert_non_null(strstr(spasm_updater_errmsg(w), "checksum"));
    spasm_updater_close(w);
    flip(path, k0 + 20);
    sp_commit c2 = lu_commit(dirs[0]);
    assert_int_equal(c2.gen, c.gen);
    sp_commit_free(&al, &c2);
    flip(path, ent); /* 1: its chunk's and its section's checksums fail */
    assert_reported(path, dirs[0], NULL);
    rechecksum(path, ent, 1); /* 2: sound checksums, an entry SIGS does not make */
    assert_reported(path, path, "SKEY section does not match SIGS");
    assert_int_equal(spasm_open(&ix, path, NULL), 0); /* found by verifying only */
    spasm_close(ix);
    flip(path, dbits); /* 3: a header that does not fit the length */
    rechecksum(path, dbits, 1);
    assert_reported(path, path, "SKEY section of the wrong size");
    sp_commit_free(&al, &c);
}

/* 1 if the SKEY section p (header k) lists passage q under key, or the
 * key's marker; *marker set when it was the marker. */
static int listed(const uint8_t *p, const sp_skey *k, uint32_t key, uint64_t q, int *marker)
{
    uint32_t s = sp_skey_slot(k, key);
    uint64_t b = sp_get_u32(p + k->dir_off + 4 * s), e = sp_get_u32(p + k->dir_off + 4 * s + 4);
    assert_true(b <= e && e <= k->m);
    *marker = 0;
    for (uint64_t i = b; i < e; i++) {
        uint64_t v = sp_skey_entry(k, p + k->ent_off + k->w * i);
        if (i > b) assert_true(v > sp_skey_entry(k, p + k->ent_off + k->w * (i - 1)));
        if (v >> k->pb != sp_skey_low(k, key)) continue;
        if ((v & sp_skey_marker(k)) == sp_skey_marker(k)) return *marker = 1;
        if ((v & sp_skey_marker(k)) == q) return 1;
    }
    return 0;
}

/* SKEY built both ways (a count per key; sorted instances) is the same,
 * byte for byte, and lists every (key, passage) of the signatures, a key
 * of more than 1,024 holders by its marker only. */
static void test_build_both_ways(void **st)
{
    (void)st;
    sp_alloc al;
    sp_alloc_init(&al, NULL, NULL);
    size_t ns[] = {1, 3, 40, 1025, 5000};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        size_t n = ns[t];
        uint8_t *sigs = malloc(n * 2 * SP_SIG_HASHES);
        for (size_t p = 0; p < n; p++)
            for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
                uint16_t v = b == 0   ? 7 /* common from 1,025 passages */
                             : b == 1 ? (rnd() % 8 ? (uint16_t)(rnd() % 50) : SP_SIG_EMPTY)
                             : b == 2 ? 0xFFFE
                                      : (uint16_t)(rnd() % 0x10000);
                sigs[2 * (p * SP_SIG_HASHES + b)] = (uint8_t)v;
                sigs[2 * (p * SP_SIG_HASHES + b) + 1] = (uint8_t)(v >> 8);
            }
        sp_buf x, y;
        sp_buf_init(&x, &al);
        sp_buf_init(&y, &al);
        assert_int_equal(sp_skey_build_as(&al, sigs, n, 0, &x), 0);
        assert_int_equal(sp_skey_build_as(&al, sigs, n, 1, &y), 0);
        assert_int_equal(x.n, y.n);
        assert_memory_equal(x.p, y.p, x.n);
        sp_skey k;
        assert_int_equal(sp_skey_head(x.p, x.n, n, &k), 0);
        for (size_t p = 0; p < n; p++)
            for (uint32_t b = 0; b < SP_SIG_HASHES; b++) {
                uint16_t v = sp_get_u16(sigs + 2 * (p * SP_SIG_HASHES + b));
                int marker;
                if (v == SP_SIG_EMPTY) continue;
                assert_true(listed(x.p, &k, b << 16 | v, p, &marker));
                if (b == 0) assert_int_equal(marker, n > 1024);
            }
        assert_int_not_equal(sp_skey_head(x.p, x.n - 1, n, &k), 0); /* the length is checked */
        sp_buf_free(&x);
        sp_buf_free(&y);
        free(sigs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marker_after_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marker_other_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_skey, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
