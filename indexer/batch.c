/*
 * batch.c -- analysis of a batch of documents, on a worker thread (or
 * inline in the caller's thread when there is one thread).
 *
 * A worker owns its analyser (stemmer and stem cache are per thread).  A
 * document queued as a JSON line is parsed here first (jsonline.c's fast
 * path, else Jansson), so parsing runs in parallel too; a malformed line
 * fails the batch with a message naming its file and line.  For
 * each document of the batch it splits the text into passages, analyses
 * the title once and each passage, and writes into b->out, per document:
 *
 *     u32 passages kept (passages with no words are dropped)
 *     per passage:
 *       u32 start, u32 len        the passage's bytes in the document text
 *       u32 dl, u32 ntok          length (title + body positions), tokens
 *       u32 tspan                 positions the title takes (0: no title; TLEN)
 *       u16 sig[SP_SIG_HASHES]    MinHash signature of the body (SIGS)
 *       u8 sigb[SP_SIGB_ENTRY]    its bigram count and bitmap (SIGB)
 *       u32 nterms                distinct terms, then per term:
 *         u32 hash, u32 tf, u32 enclen, u16 term length, u8 is_word,
 *         u8 nvars, the term, enclen bytes (varint tf, tf varint
 *         positions: the first, then each minus the previous minus 1),
 *         nvars x (u8 length, bytes): the folded words other than the
 *         term itself that stem to it in this passage
 *
 * and compresses the passage texts and the "id NUL title" records into
 * the batch's own TEXT and DMET blocks, which the inverter splices into
 * the index in order (store.c).  Last, group.c regroups b->out by term
 * (b->pmeta, b->kept, b->grp): that is what the inverter reads.  Out of
 * memory sets b->rc.
 */
#include <jansson.h>
#include <stdio.h>
#include <zstd.h>

#include "boiler.h"
#include "codec.h"
#include "format.h"
#include "jsonline.h"
#include "writer.h"

void sp_batch_init(sp_batch *b, const sp_alloc *a)
{
    memset(b, 0, sizeof *b);
    sp_buf_init(&b->in, a);
    sp_buf_init(&b->out, a);
    sp_buf_init(&b->text_mem, a);
    sp_buf_init(&b->dmeta_mem, a);
    sp_buf_init(&b->dec, a);
    sp_buf_init(&b->prior, a);
    sp_buf_init(&b->pmeta, a);
    sp_buf_init(&b->kept, a);
    sp_buf_init(&b->grp, a);
    sp_store_w_init(&b->text, a, SP_TEXT_BLOCK);
    sp_store_w_init(&b->dmeta, a, SP_META_BLOCK);
    b->text.mem = &b->text_mem;
    b->text.defer = 1; /* until TEXT's dictionary is known (sp_batch_analyze) */
    b->dmeta.mem = &b->dmeta_mem;
}

/* Empty a batch for reuse, keeping its memory. */
void sp_batch_reset(sp_batch *b)
{
    b->next = NULL;
    b->in.n = b->out.n = b->text_mem.n = b->dmeta_mem.n = b->dec.n = b->prior.n = 0;
    b->prior.err = 0;
    b->in.err = b->out.err = b->text_mem.err = b->dmeta_mem.err = b->dec.err = 0;
    b->pmeta.n = b->kept.n = b->grp.n = 0;
    b->pmeta.err = b->kept.err = b->grp.err = 0;
    b->npass = 0;
    b->ngrp = 0;
    b->ndocs = b->nspans = 0;
    b->rc = b->done = 0;
    b->has_path = 0;
    b->repaired = 0;
    b->errmsg[0] = 0;
    sp_store_w *st[2] = {&b->text, &b->dmeta};
    for (int i = 0; i < 2; i++) {
        st[i]->raw.n = st[i]->offs.n = st[i]->index.n = 0;
        st[i]->raw.err = st[i]->offs.err = st[i]->index.err = 0;
        st[i]->nrec_block = 0;
        st[i]->nrec = st[i]->nblocks = st[i]->written = 0;
    }
    b->text.defer = 1;
}

void sp_batch_free(sp_batch *b)
{
    const sp_alloc *a = b->in.a;
    sp_buf_free(&b->in);
    sp_buf_free(&b->out);
    sp_buf_free(&b->text_mem);
    sp_buf_free(&b->dmeta_mem);
    sp_buf_free(&b->dec);
    sp_buf_free(&b->prior);
    sp_buf_free(&b->pmeta);
    sp_buf_free(&b->kept);
    sp_buf_free(&b->grp);
    sp_store_w_free(&b->text);
    sp_store_w_free(&b->dmeta);
    sp_free(a, b->docs);
    sp_free(a, b->spans);
}

int sp_worker_init(sp_worker *k, spasm_writer *w)
{
    memset(k, 0, sizeof *k);
    k->w = w;
    k->spans.a = &w->a;
    sp_buf_init(&k->tpool, &w->a);
    sp_buf_init(&k->scratch, &w->a);
    sp_buf_init(&k->fixed, &w->a);
    sp_buf_init(&k->seal, &w->a);
    sp_buf_init(&k->copy, &w->a);
    k->an = sp_analyzer_new(&w->a, 32768);
    if (!k->an) return SPASM_ENOMEM;
    sp_analyzer_set_variants(k->an, (w->flags & SP_FLAG_VARIANTS) != 0);
    return 0;
}

void sp_worker_free(sp_worker *k)
{
    const sp_alloc *a = &k->w->a;
    sp_analyzer_free(k->an);
    sp_grouper_free(a, k->grp);
    sp_free(a, k->spans.v);
    sp_free(a, k->ttok);
    sp_free(a, k->thash);
    sp_buf_free(&k->tpool);
    sp_buf_free(&k->scratch);
    sp_buf_free(&k->fixed);
    sp_buf_free(&k->seal);
    ZSTD_freeCCtx(k->zc);
    k->zc = NULL;
    sp_buf_free(&k->copy);
    void *v[] = {k->tok_loc,  k->tok_hash, k->loc_pos,   k->loc_hash, k->loc_count,
                 k->loc_slot, k->loc_word, k->loc_s,     k->loc_len,  k->loc_isword,
                 k->slots,    k->word_s,   k->word_next, k->word_len, k->bgset};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) sp_free(a, v[i]);
    memset(k, 0, sizeof *k);
}

/* Grow *p to hold n elements of size sz (capacity tracked by the caller). */
static int grow(const sp_alloc *a, void *pp, size_t n, size_t sz)
{
    void **p = pp;
    void *q = sp_realloc(a, *p, n * sz);
    if (!q) return SPASM_ENOMEM;
    *p = q;
    return 0;
}

/* Make the per-token and per-term scratch hold n tokens. */
static int reserve_tokens(sp_worker *k, size_t n)
{
    const sp_alloc *a = &k->w->a;
    if (n > k->cap_tok) {
        size_t cap = n + n / 2 + 64;
        if (grow(a, &k->tok_loc, cap, 4) || grow(a, &k->tok_hash, cap, 4) ||
            grow(a, &k->loc_pos, cap, 4))
            return SPASM_ENOMEM;
        k->cap_tok = cap;
    }
    if (n + 1 > k->cap_loc) {
        size_t cap = n + n / 2 + 64;
        if (grow(a, &k->loc_hash, cap, 4) || grow(a, &k->loc_count, cap + 1, 4) ||
            grow(a, &k->loc_slot, cap, 4) || grow(a, &k->loc_word, cap, 4) ||
            grow(a, &k->loc_s, cap, sizeof(char *)) || grow(a, &k->loc_len, cap, 2) ||
            grow(a, &k->loc_isword, cap, 1))
            return SPASM_ENOMEM;
        k->cap_loc = cap;
    }
    if (n > k->cap_word) {
        size_t cap = n + n / 2 + 64;
        if (grow(a, &k->word_s, cap, sizeof(char *)) || grow(a, &k->word_next, cap, 4) ||
            grow(a, &k->word_len, cap, 1))
            return SPASM_ENOMEM;
        k->cap_word = cap;
    }
    size_t ns = 64;
    while (ns < 2 * n) ns *= 2;
    if (ns > k->nslots) {
        uint32_t *s = sp_calloc(a, ns * sizeof *s);
        if (!s) return SPASM_ENOMEM;
        sp_free(a, k->slots);
        k->slots = s;
        k->nslots = ns;
    }
    return 0;
}

/* Analyse the document's title once; its tokens go in front of each of
 * the document's passages. */
static int set_title(sp_worker *k, const char *title, size_t tlen)
{
    k->nttok = 0;
    k->tlen_tokens = 0;
    k->tpool.n = 0;
    if (!tlen) return 0;
    if (sp_analyze(k->an, title, tlen)) return SPASM_ENOMEM;
    size_t n;
    const sp_token *tok = sp_analyzer_tokens(k->an, &n);
    if (n == 0) return 0;
    if (n > k->capttok) {
        if (grow(&k->w->a, &k->ttok, n, sizeof *k->ttok) || grow(&k->w->a, &k->thash, n, 4))
            return SPASM_ENOMEM;
        k->capttok = n;
    }
    memcpy(k->ttok, tok, n * sizeof *tok);
    const char *pool = sp_analyzer_pool(k->an);
    size_t plen = tok[n - 1].word_off + tok[n - 1].word_len + 1;
    sp_buf_append(&k->tpool, pool, plen);
    if (k->tpool.err) return SPASM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k->thash[i] = sp_term_hash(pool + tok[i].term_off, tok[i].term_len);
    k->nttok = n;
    k->tlen_tokens = tok[n - 1].pos + 1;
    return 0;
}

/*
 * The near-duplicate signature of a passage body: one-permutation MinHash
 * over its word bigrams (pairs of adjacent stems).  Each bigram hashes to
 * 64 bits; the top 4 pick one of SP_SIG_HASHES buckets and the bucket
 * keeps the top 16 bits of the smallest remaining value (SP_SIG_EMPTY when
 * no bigram fell in it).  The searcher (searcher/collapse.c) compares
 * signatures to find candidate pairs cheaply.
 *
 * Then, at out + 2 * SP_SIG_HASHES (SIGB): u32 the number of distinct
 * bigram hashes, and a bitmap of SP_SIGB_BITS bits where bit h % 512 is
 * set for each bigram hash h, from which the searcher bounds how many
 * bigrams two passages can share.  k's bgset (a hash set sized for n)
 * counts the distinct ones.  Returns 0 or SPASM_ENOMEM.
 */
static int sign_passage(sp_worker *k, const uint32_t *stem_hash, size_t n, uint8_t *out)
{
    uint64_t min[SP_SIG_HASHES];
    for (int b = 0; b < SP_SIG_HASHES; b++) min[b] = UINT64_MAX;
    size_t nset = 16;
    while (nset < 2 * n) nset *= 2;
    if (nset > k->cap_bgset) {
        if (grow(&k->w->a, &k->bgset, nset, sizeof *k->bgset)) return SPASM_ENOMEM;
        k->cap_bgset = nset;
    }
    memset(k->bgset, 0, nset * sizeof *k->bgset);
    uint8_t *bits = out + 2 * SP_SIG_HASHES + 4;
    memset(bits, 0, SP_SIGB_BITS / 8);
    uint32_t distinct = 0;
    int have_zero = 0; /* the set's empty slots are 0: a hash 0 is counted here */
    for (size_t i = 1; i < n; i++) {
        uint64_t h = sp_bigram_hash(stem_hash[i - 1], stem_hash[i]);
        int b = (int)(h >> 60);
        uint64_t v = h & 0x0FFFFFFFFFFFFFFFull;
        if (v < min[b]) min[b] = v;
        bits[(h % SP_SIGB_BITS) / 8] |= (uint8_t)(1u << (h % 8));
        if (h == 0) {
            distinct += !have_zero;
            have_zero = 1;
            continue;
        }
        for (size_t j = (size_t)(h ^ h >> 29) & (nset - 1);; j = (j + 1) & (nset - 1)) {
            if (k->bgset[j] == h) break;
            if (k->bgset[j] == 0) {
                k->bgset[j] = h;
                distinct++;
                break;
            }
        }
    }
    sp_put_u32(out + 2 * SP_SIG_HASHES, distinct);
    for (int b = 0; b < SP_SIG_HASHES; b++) {
        uint64_t v = min[b] >> 44; /* 16 bits; SP_SIG_EMPTY is reserved */
        if (min[b] == UINT64_MAX)
            v = SP_SIG_EMPTY;
        else if (v == SP_SIG_EMPTY)
            v = SP_SIG_EMPTY - 1;
        out[2 * b] = (uint8_t)v;
        out[2 * b + 1] = (uint8_t)(v >> 8);
    }
    return 0;
}

/* Append a varint at p (at most 5 bytes for 32 bits). */
static inline uint8_t *put_varint32(uint8_t *p, uint32_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/*
 * Analyse passage text[0, len) (preceded by the title's tokens: positions
 * 0 .. T-1, the passage's words from T + 1) and append its record to
 * b->out.  `start` is the offset recorded in PASS.  Returns 1 when the
 * passage was kept, 0 when it has no words, or -SPASM_ENOMEM.
 */
static int analyse_passage(sp_worker *k, sp_batch *b, const char *text, size_t len, uint32_t start)
{
    if (sp_analyze(k->an, text, len)) return -SPASM_ENOMEM;
    size_t nbody, nt = k->nttok;
    const sp_token *body = sp_analyzer_tokens(k->an, &nbody);
    if (nbody == 0 && nt == 0) return 0;
    size_t ntok = nt + nbody;
    if (reserve_tokens(k, ntok)) return -SPASM_ENOMEM;
    const char *bpool = sp_analyzer_pool(k->an), *tpool = (const char *)k->tpool.p;
    uint32_t shift = nt ? k->tlen_tokens + 1 : 0, mask = (uint32_t)k->nslots - 1;
    size_t nloc = 0, nword = 0, varbytes = 0, termbytes = 0;
    for (size_t i = 0; i < ntok; i++) {
        const sp_token *t = i < nt ? &k->ttok[i] : &body[i - nt];
        const char *pool = i < nt ? tpool : bpool;
        const char *s = pool + t->term_off;
        uint32_t h = i < nt ? k->thash[i] : sp_term_hash(s, t->term_len);
        uint32_t j = h & mask, loc;
        for (;;) {
            uint32_t v = k->slots[j];
            if (!v) {
                loc = (uint32_t)nloc++;
                k->slots[j] = loc + 1;
                k->loc_slot[loc] = j;
                k->loc_hash[loc] = h;
                k->loc_s[loc] = s;
                k->loc_len[loc] = t->term_len;
                k->loc_count[loc] = 0;
                k->loc_isword[loc] = 0;
                k->loc_word[loc] = UINT32_MAX;
                termbytes += t->term_len;
                break;
            }
            loc = v - 1;
            if (k->loc_hash[loc] == h && k->loc_len[loc] == t->term_len &&
                memcmp(k->loc_s[loc], s, t->term_len) == 0)
                break;
            j = (j + 1) & mask;
        }
        const char *word = pool + t->word_off;
        if (t->word_len == t->term_len && memcmp(word, s, t->term_len) == 0) {
            k->loc_isword[loc] = 1;
        } else if (t->word_len <= 255) {
            uint32_t x = k->loc_word[loc];
            while (x != UINT32_MAX &&
                   (k->word_len[x] != t->word_len || memcmp(k->word_s[x], word, t->word_len)))
                x = k->word_next[x];
            if (x == UINT32_MAX) {
                k->word_s[nword] = word;
                k->word_len[nword] = (uint8_t)t->word_len;
                k->word_next[nword] = k->loc_word[loc];
                k->loc_word[loc] = (uint32_t)nword++;
                varbytes += 1u + t->word_len;
            }
        }
        k->tok_loc[i] = loc;
        k->tok_hash[i] = h;
        k->loc_count[loc]++;
    }
    for (size_t j = 0; j < nloc; j++) k->slots[k->loc_slot[j]] = 0;
    /* Bucket the positions by term (counting sort, stable in position). */
    uint32_t *end = k->loc_count, sum = 0;
    for (size_t j = 0; j < nloc; j++) {
        uint32_t c = end[j];
        end[j] = sum;
        sum += c;
    }
    for (size_t i = 0; i < ntok; i++)
        k->loc_pos[end[k->tok_loc[i]]++] = i < nt ? k->ttok[i].pos : body[i - nt].pos + shift;
    /* end[j] is now the end of bucket j; bucket j begins at end[j - 1]. */
    size_t need = 24 + 2 * SP_SIG_HASHES + SP_SIGB_ENTRY + nloc * 16 + termbytes + varbytes +
                  (ntok + nloc) * 5;
    if (sp_buf_reserve(&b->out, need)) return -SPASM_ENOMEM;
    uint8_t *p = b->out.p + b->out.n;
    uint32_t dl = (nt ? k->tlen_tokens : 0) + (nbody ? body[nbody - 1].pos + 1 : 0);
    sp_put_u32(p, start);
    sp_put_u32(p + 4, (uint32_t)len);
    sp_put_u32(p + 8, dl);
    sp_put_u32(p + 12, (uint32_t)ntok);
    sp_put_u32(p + 16, nt ? k->tlen_tokens : 0);
    if (sign_passage(k, k->tok_hash + nt, nbody, p + 20)) return -SPASM_ENOMEM;
    p += 20 + 2 * SP_SIG_HASHES + SP_SIGB_ENTRY;
    sp_put_u32(p, (uint32_t)nloc);
    p += 4;
    uint32_t begin = 0;
    for (size_t j = 0; j < nloc; j++) {
        uint32_t stop = end[j], tf = stop - begin;
        uint8_t *hdr = p;
        p += 16;
        memcpy(p, k->loc_s[j], k->loc_len[j]);
        p += k->loc_len[j];
        uint8_t *enc = p;
        p = put_varint32(p, tf);
        uint32_t prev = 0;
        for (uint32_t i = begin; i < stop; i++) {
            uint32_t pos = k->loc_pos[i];
            p = put_varint32(p, i == begin ? pos : pos - prev - 1);
            prev = pos;
        }
        unsigned nv = 0;
        uint8_t *encend = p;
        for (uint32_t x = k->loc_word[j]; x != UINT32_MAX && nv < 255; x = k->word_next[x]) {
            *p++ = k->word_len[x];
            memcpy(p, k->word_s[x], k->word_len[x]);
            p += k->word_len[x];
            nv++;
        }
        sp_put_u32(hdr, k->loc_hash[j]);
        sp_put_u32(hdr + 4, tf);
        sp_put_u32(hdr + 8, (uint32_t)(encend - enc));
        hdr[12] = (uint8_t)k->loc_len[j];
        hdr[13] = (uint8_t)(k->loc_len[j] >> 8);
        hdr[14] = k->loc_isword[j];
        hdr[15] = (uint8_t)nv;
        begin = stop;
    }
    b->out.n = (size_t)(p - b->out.p);
    sp_boiler_note(&b->prior, text, len, body, nbody, bpool); /* PRIO */
    if (b->prior.err || sp_store_w_add(&b->text, text, len, NULL, 0)) return -SPASM_ENOMEM;
    return 1;
}

/* Fail the batch with a message naming the file and line of document d;
 * returns code. */
static int json_fail(sp_batch *b, const sp_bdoc *d, int code, const char *tail)
{
    int plen = d->id_len > 256 ? 256 : (int)d->id_len;
    snprintf(b->errmsg, sizeof b->errmsg, "%.*s:%llu%.200s", plen,
             (const char *)b->in.p + d->id_off, (unsigned long long)d->lineno, tail);
    return code;
}

/* Keep the parsed id of document d in the batch's `dec`. */
static int set_id(sp_batch *b, sp_bdoc *d, const char *id, size_t idlen)
{
    if (idlen > UINT32_MAX) return json_fail(b, d, SPASM_EINPUT, ": id too long");
    uint64_t off = b->dec.n;
    sp_buf_append(&b->dec, id, idlen);
    if (b->dec.err) return json_fail(b, d, SPASM_ENOMEM, ": out of memory");
    d->id_off = off;
    d->id_len = (uint32_t)idlen;
    d->id_dec = 1;
    return 0;
}

/*
 * Parse the JSON line of document d (jsonline.c's fast path, else
 * Jansson): {"id" or "_id" (string or integer),
 * "text" (string), optional "title" (string)}.  Invalid UTF-8 is repaired
 * first and NULs (from \u0000) in the text become spaces.  On success *o
 * holds the parsed object (the caller decrefs it), *title and *text point
 * into it, and the id is appended to b->dec (d then refers to it).
 * Returns 0, SPASM_EINPUT or SPASM_ENOMEM (with b->errmsg).
 */
static int parse_json(sp_worker *k, sp_batch *b, sp_bdoc *d, json_t **o, const char **title,
                      size_t *tlen, const char **text, size_t *len)
{
    const char *src = (const char *)b->in.p + d->text_off;
    size_t n = (size_t)d->text_len;
    if (sp_utf8_invalid_count(src, n) || memchr(src, 0, n)) {
        k->fixed.n = 0;
        if (sp_utf8_repair(src, n, &k->fixed))
            return json_fail(b, d, SPASM_ENOMEM, ": out of memory");
        b->repaired++;
        src = (const char *)k->fixed.p;
        n = k->fixed.n;
    }
    sp_jsonl_doc jd;
    int fast = sp_jsonl_fast(src, n, &k->copy, &jd);
    if (fast < 0) return json_fail(b, d, SPASM_ENOMEM, ": out of memory");
    if (fast) {
        const char *base = (const char *)k->copy.p;
        *title = base + jd.title.start;
        *tlen = jd.title.end - jd.title.start;
        *text = base + jd.text.start;
        *len = jd.text.end - jd.text.start;
        return set_id(b, d, base + jd.id.start, jd.id.end - jd.id.start);
    }
    json_error_t jerr;
    *o = json_loadb(src, n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (!*o && json_error_code(&jerr) == json_error_out_of_memory)
        return json_fail(b, d, SPASM_ENOMEM, ": out of memory (parsing JSON)");
    if (!*o) {
        char why[200];
        snprintf(why, sizeof why, ":%d: malformed JSON: %s", jerr.column, jerr.text);
        return json_fail(b, d, SPASM_EINPUT, why);
    }
    if (!json_is_object(*o)) return json_fail(b, d, SPASM_EINPUT, ": expected a JSON object");
    json_t *id = json_object_get(*o, "id");
    if (!id) id = json_object_get(*o, "_id");
    char idbuf[32];
    const char *ids;
    size_t idlen;
    if (json_is_string(id)) {
        ids = json_string_value(id);
        idlen = json_string_length(id);
    } else if (json_is_integer(id)) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(id));
        ids = idbuf;
        idlen = strlen(idbuf);
    } else {
        return json_fail(b, d, SPASM_EINPUT, ": no \"id\" or \"_id\" (string or integer)");
    }
    if (idlen == 0 || memchr(ids, 0, idlen))
        return json_fail(b, d, SPASM_EINPUT, ": empty or invalid id");
    json_t *tx = json_object_get(*o, "text");
    if (!json_is_string(tx)) return json_fail(b, d, SPASM_EINPUT, ": no \"text\" string");
    json_t *ti = json_object_get(*o, "title");
    *title = json_is_string(ti) ? json_string_value(ti) : "";
    *tlen = json_is_string(ti) ? json_string_length(ti) : 0;
    if (*tlen && memchr(*title, 0, *tlen)) *tlen = strlen(*title);
    *text = json_string_value(tx);
    *len = json_string_length(tx);
    if (memchr(*text, 0, *len)) {
        k->copy.n = 0;
        sp_buf_append(&k->copy, *text, *len);
        if (k->copy.err) return json_fail(b, d, SPASM_ENOMEM, ": out of memory");
        for (size_t i = 0; i < *len; i++)
            if (!k->copy.p[i]) k->copy.p[i] = ' ';
        *text = (const char *)k->copy.p;
    }
    return set_id(b, d, ids, idlen);
}

/* Analyse a document's text and title (parsed). */
static int analyse_text(sp_worker *k, sp_batch *b, const sp_bdoc *d, const char *title, size_t tlen,
                        const char *text, size_t len)
{
    const sp_span32 *spans;
    size_t nspans;
    if (d->presplit) {
        spans = b->spans + d->span_first;
        nspans = d->nspans;
    } else {
        uint32_t body = 0;
        sp_span32 ts;
        if (d->detect_title && !tlen && sp_detect_title(text, len, &ts, &body)) {
            title = text + ts.start;
            tlen = ts.end - ts.start;
        }
        k->spans.n = 0;
        if (sp_split_passages(text, len, body, &k->spans)) return SPASM_ENOMEM;
        spans = k->spans.v;
        nspans = k->spans.n;
    }
    if (set_title(k, title, tlen)) return SPASM_ENOMEM;
    size_t at = b->out.n;
    sp_buf_put_u32(&b->out, 0);
    if (b->out.err) return SPASM_ENOMEM;
    uint32_t kept = 0;
    for (size_t i = 0; i < nspans; i++) {
        uint32_t a = spans[i].start, e = spans[i].end;
        int r = analyse_passage(k, b, text + a, e - a, d->presplit ? 0 : a);
        if (r < 0) return -r;
        kept += (uint32_t)r;
    }
    /* A document with a title but no text is one passage: its title. */
    if (kept == 0 && k->nttok) {
        int r = analyse_passage(k, b, "", 0, 0);
        if (r < 0) return -r;
        kept += (uint32_t)r;
    }
    sp_put_u32(b->out.p + at, kept);
    sp_buf *r = &k->scratch;
    r->n = 0;
    sp_buf_append(r, sp_bdoc_id(b, d), d->id_len);
    sp_buf_putc(r, 0);
    if (r->err || sp_store_w_add(&b->dmeta, r->p, r->n, title, tlen)) return SPASM_ENOMEM;
    return 0;
}

/* Analyse one document of the batch. */
static int analyse_doc(sp_worker *k, sp_batch *b, sp_bdoc *d)
{
    const char *base = (const char *)b->in.p;
    const char *text = base + d->text_off, *title = base + d->title_off;
    size_t len = (size_t)d->text_len, tlen = d->title_len;
    json_t *o = NULL;
    if (d->json) {
        int rc = parse_json(k, b, d, &o, &title, &tlen, &text, &len);
        if (rc) {
            json_decref(o);
            return rc;
        }
    }
    int rc = analyse_text(k, b, d, title, tlen, text, len);
    json_decref(o);
    return rc;
}

/* Settle TEXT's dictionary: batch 0 trains it on its passages (none when
 * its analysis failed, rc) and wakes the workers waiting for it; any
 * other batch waits for it.  0 or SPASM_ENOMEM (batch 0's training). */
static int text_dict(sp_worker *k, sp_batch *b, int rc)
{
    spasm_writer *w = k->w;
    if (b->seq == 0) {
        int trc = rc ? 0 : sp_store_w_train(&b->text, &w->tdict);
        if (!trc && w->tdict.n &&
            !(w->tcdict = ZSTD_createCDict(w->tdict.p, w->tdict.n, SP_STORE_LEVEL)))
            trc = SPASM_ENOMEM;
        pthread_mutex_lock(&w->mu);
        w->tdict_ready = 1;
        pthread_cond_broadcast(&w->cv_dict);
        pthread_mutex_unlock(&w->mu);
        return trc;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->tdict_ready) pthread_cond_wait(&w->cv_dict, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void sp_batch_analyze(sp_worker *k, sp_batch *b)
{
    int rc = 0;
    b->out.n = 0;
    if (!k->zc && !(k->zc = ZSTD_createCCtx())) rc = SPASM_ENOMEM;
    b->text.zc = b->dmeta.zc = k->zc; /* lent for this batch */
    for (size_t i = 0; i < b->ndocs && !rc; i++) rc = analyse_doc(k, b, &b->docs[i]);
    if (!rc && (sp_store_w_flush(&b->text) || sp_store_w_flush(&b->dmeta))) rc = SPASM_ENOMEM;
    int drc = text_dict(k, b, rc); /* batch 0 settles it even when it failed */
    if (!rc) rc = drc;
    if (!rc && sp_store_w_seal(&b->text, k->w->tcdict, &k->seal)) rc = SPASM_ENOMEM;
    b->text.zc = b->dmeta.zc = NULL;
    if (!rc && (b->out.err || b->text_mem.err || b->dmeta_mem.err)) rc = SPASM_ENOMEM;
    if (!rc) rc = sp_batch_group(k, b);
    if (rc && !b->errmsg[0]) snprintf(b->errmsg, sizeof b->errmsg, "out of memory");
    b->rc = rc;
}
