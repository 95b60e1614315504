/*
 * writer.c -- the spasm_writer API: documents in, passages split and
 * analysed, terms inverted in memory.
 *
 * Each term collects its postings as a varint stream, one entry per
 * passage it occurs in:
 *
 *     gap (passage + 1 - previous passage + 1), tf, tf positions
 *     (the first absolute, then each minus the previous minus 1)
 *
 * index_write.c re-codes these into the blocked on-disk layout at commit.
 * Passage text is compressed and streamed to the index file as documents
 * arrive, so it never accumulates in memory.
 */
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "format.h"

int sp_writer_err(spasm_writer *w, int code, const char *fmt, ...)
{
    if (w->rc) return w->rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
    va_end(ap);
    return w->rc = code;
}

void sp_writer_event(spasm_writer *w, spasm_event_kind kind, const char *msg)
{
    if (w->on_event) w->on_event(w->event_ud, kind, msg, &w->st);
}


int spasm_writer_new(spasm_writer **out, const char *path, const spasm_writer_options *opt)
{
    spasm_writer_options def = {0};
    def.b = -1;
    if (!opt) opt = &def;
    sp_alloc a;
    sp_alloc_init(&a, opt->alloc, opt->alloc_ud);
    *out = NULL;
    spasm_writer *w = sp_calloc(&a, sizeof *w);
    if (!w) return SPASM_ENOMEM;
    *out = w;
    w->a = a;
    w->sink.fd = -1;
    w->k1 = opt->k1 > 0 ? opt->k1 : 0.9;
    w->b = opt->b >= 0 ? opt->b : 0.4;
    if (opt->b > 1) w->b = 1;
    w->flags = opt->no_stopwords ? SP_FLAG_NO_STOPWORDS : 0;
    w->on_event = opt->on_event;
    w->event_ud = opt->event_ud;
    sp_buf_init(&w->docs, &w->a);
    sp_buf_init(&w->idix, &w->a);
    sp_buf_init(&w->dmeta_mem, &w->a);
    sp_buf_init(&w->dids, &w->a);
    sp_buf_init(&w->didoff, &w->a);
    sp_buf_init(&w->scratch, &w->a);
    sp_buf_init(&w->fixed, &w->a);
    w->spans.a = &w->a;
    sp_store_w_init(&w->text, &w->a, 16384);
    sp_store_w_init(&w->dmeta, &w->a, 8192);
    w->dmeta.mem = &w->dmeta_mem;
    if (!path || !*path) return sp_writer_err(w, SPASM_EINVAL, "no index path given");
    size_t plen = strlen(path);
    w->path = sp_strndup(&w->a, path, plen);
    w->tmppath = sp_malloc(&w->a, plen + 64);
    w->an = sp_analyzer_new(&w->a);
    w->nslots = 1 << 12;
    w->slots = sp_calloc(&w->a, w->nslots * sizeof *w->slots);
    if (!w->path || !w->tmppath || !w->an || !w->slots)
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    snprintf(w->tmppath, plen + 64, "%s.tmp-%ld-%lx", path, (long)getpid(),
             (unsigned long)((uintptr_t)w ^ (uintptr_t)time(NULL)));
    int rc = sp_sink_open(&w->sink, &w->a, w->tmppath, w->errmsg);
    if (rc) {
        if (rc == SPASM_EIO)
            snprintf(w->errmsg, sizeof w->errmsg, "%s: cannot create the index there: %s", path,
                     strerror(errno));
        return w->rc = rc;
    }
    sp_sink_begin(&w->sink, SP_SEC_TEXT);
    w->text.sink = &w->sink;
    w->text.sec_off = w->sink.off;
    return w->sink.rc ? (w->rc = w->sink.rc) : 0;
}

const spasm_writer_stats *spasm_writer_get_stats(const spasm_writer *w)
{
    return &w->st;
}

const char *spasm_writer_errmsg(const spasm_writer *w)
{
    if (!w) return "out of memory";
    return w->errmsg;
}

static void free_terms(spasm_writer *w)
{
    if (!w->slots) return;
    for (size_t i = 0; i < w->nslots; i++) {
        sp_term *t = w->slots[i];
        while (t) {
            sp_term *n = t->next;
            sp_free(&w->a, t->post);
            sp_free(&w->a, t);
            t = n;
        }
    }
    sp_free(&w->a, w->slots);
    w->slots = NULL;
}

void spasm_writer_abandon(spasm_writer *w)
{
    if (!w) return;
    sp_sink_close(&w->sink);
    if (!w->committed && w->tmppath && w->tmppath[0]) unlink(w->tmppath);
    free_terms(w);
    sp_analyzer_free(w->an);
    sp_free(&w->a, w->path);
    sp_free(&w->a, w->tmppath);
    sp_free(&w->a, w->lens);
    sp_free(&w->a, w->pass);
    sp_buf_free(&w->docs);
    sp_buf_free(&w->idix);
    sp_buf_free(&w->dmeta_mem);
    sp_buf_free(&w->dids);
    sp_buf_free(&w->didoff);
    sp_buf_free(&w->scratch);
    sp_buf_free(&w->fixed);
    sp_free(&w->a, w->spans.v);
    sp_free(&w->a, w->loc_terms);
    sp_free(&w->a, w->loc_count);
    sp_free(&w->a, w->loc_pos);
    sp_free(&w->a, w->tok_loc);
    sp_store_w_free(&w->text);
    sp_store_w_free(&w->dmeta);
    sp_alloc a = w->a;
    sp_free(&a, w);
}

/* ---- the term table ---- */

static uint32_t hash_term(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int grow_table(spasm_writer *w)
{
    size_t n = w->nslots * 2;
    sp_term **s = sp_calloc(&w->a, n * sizeof *s);
    if (!s) return SPASM_ENOMEM;
    for (size_t i = 0; i < w->nslots; i++) {
        sp_term *t = w->slots[i];
        while (t) {
            sp_term *next = t->next;
            size_t j = t->hash & (n - 1);
            t->next = s[j];
            s[j] = t;
            t = next;
        }
    }
    sp_free(&w->a, w->slots);
    w->slots = s;
    w->nslots = n;
    return 0;
}

/* Find or add the term s[0, n); NULL when out of memory. */
static sp_term *get_term(spasm_writer *w, const char *s, size_t n)
{
    uint32_t h = hash_term(s, n);
    size_t i = h & (w->nslots - 1);
    for (sp_term *t = w->slots[i]; t; t = t->next)
        if (t->hash == h && t->len == n && memcmp(t->s, s, n) == 0) return t;
    if (w->nterms >= w->nslots) {
        if (grow_table(w)) return NULL;
        i = h & (w->nslots - 1);
    }
    sp_term *t = sp_malloc(&w->a, sizeof *t + n + 1);
    if (!t) return NULL;
    memset(t, 0, sizeof *t);
    t->hash = h;
    t->len = (uint32_t)n;
    memcpy(t->s, s, n);
    t->s[n] = 0;
    t->next = w->slots[i];
    w->slots[i] = t;
    w->nterms++;
    return t;
}

/* Append up to 3 + tf varints to a term's stream. */
static int term_reserve(spasm_writer *w, sp_term *t, size_t need)
{
    if (t->npost + need <= t->cappost) return 0;
    size_t cap = t->cappost ? (size_t)t->cappost * 2 : 16;
    while (cap < t->npost + need) cap *= 2;
    if (cap > UINT32_MAX) return SPASM_ENOMEM;
    uint8_t *p = sp_realloc(&w->a, t->post, cap);
    if (!p) return SPASM_ENOMEM;
    t->post = p;
    t->cappost = (uint32_t)cap;
    return 0;
}

static int reserve_u32(spasm_writer *w, uint32_t **p, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    uint32_t *q = sp_realloc(&w->a, *p, n * sizeof *q);
    if (!q) return SPASM_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

/* Analyse and invert one passage text[0, len) as passage number `pid`.
 * Returns its length in tokens (0: nothing to index), or -error. */
static long invert_passage(spasm_writer *w, uint32_t pid, const char *text, size_t len)
{
    if (sp_analyze(w->an, text, len)) return -SPASM_ENOMEM;
    size_t ntok;
    const sp_token *tok = sp_analyzer_tokens(w->an, &ntok);
    if (ntok == 0) return 0;
    const char *pool = sp_analyzer_pool(w->an);
    uint32_t mark = pid + 1;
    size_t nloc = 0;
    if (reserve_u32(w, &w->tok_loc, &w->cap_tokloc, ntok)) return -SPASM_ENOMEM;
    if (ntok > w->cap_loc) {
        size_t cap = ntok + 64;
        sp_term **lt = sp_realloc(&w->a, w->loc_terms, cap * sizeof *lt);
        if (!lt) return -SPASM_ENOMEM;
        w->loc_terms = lt;
        uint32_t *lc = sp_realloc(&w->a, w->loc_count, (cap + 1) * sizeof *lc);
        if (!lc) return -SPASM_ENOMEM;
        w->loc_count = lc;
        w->cap_loc = cap;
    }
    if (reserve_u32(w, &w->loc_pos, &w->cap_locpos, ntok)) return -SPASM_ENOMEM;
    for (size_t i = 0; i < ntok; i++) {
        sp_term *t = get_term(w, pool + tok[i].term_off, tok[i].term_len);
        if (!t) return -SPASM_ENOMEM;
        if (t->mark != mark) {
            t->mark = mark;
            t->loc = (uint32_t)nloc;
            w->loc_terms[nloc] = t;
            w->loc_count[nloc] = 0;
            nloc++;
        }
        w->tok_loc[i] = t->loc;
        w->loc_count[t->loc]++;
    }
    /* Bucket the positions by term (counting sort, stable in position). */
    uint32_t *start = w->loc_count; /* reused as running offsets */
    uint32_t sum = 0;
    for (size_t j = 0; j < nloc; j++) {
        uint32_t c = start[j];
        start[j] = sum;
        sum += c;
    }
    start[nloc] = sum;
    for (size_t i = 0; i < ntok; i++) w->loc_pos[start[w->tok_loc[i]]++] = tok[i].pos;
    /* start[j] now holds the end of bucket j; bucket j begins at start[j-1]. */
    uint32_t begin = 0;
    for (size_t j = 0; j < nloc; j++) {
        sp_term *t = w->loc_terms[j];
        uint32_t end = start[j], tf = end - begin;
        if (term_reserve(w, t, 20 + (size_t)tf * 5)) return -SPASM_ENOMEM;
        uint8_t *p = t->post + t->npost;
        p = sp_varint_put(p, mark - t->last_plus1);
        p = sp_varint_put(p, tf);
        uint32_t prev = 0;
        for (uint32_t k = begin; k < end; k++) {
            uint32_t pos = w->loc_pos[k];
            p = sp_varint_put(p, k == begin ? pos : pos - prev - 1);
            prev = pos;
        }
        t->npost = (uint32_t)(p - t->post);
        t->last_plus1 = mark;
        t->df++;
        t->cf += tf;
        begin = end;
    }
    uint32_t dl = tok[ntok - 1].pos + 1;
    w->tokens += dl;
    w->st.tokens += ntok;
    return (long)dl;
}

/* Add passage text[a, b) of the current document. */
static int add_passage(spasm_writer *w, uint32_t doc, uint32_t ordinal, const char *text,
                       uint32_t a, uint32_t b)
{
    if (w->npass >= UINT32_MAX - 1)
        return sp_writer_err(w, SPASM_EINPUT, "too many passages (at most %u)", UINT32_MAX - 1);
    uint32_t pid = (uint32_t)w->npass;
    long dl = invert_passage(w, pid, text + a, b - a);
    if (dl < 0) return sp_writer_err(w, (int)-dl, "out of memory");
    if (dl == 0) return 0; /* no words: not a passage */
    if (w->npass == w->cappass) {
        size_t cap = w->cappass ? w->cappass * 2 : 256;
        uint32_t *l = sp_realloc(&w->a, w->lens, cap * sizeof *l);
        if (!l) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        w->lens = l;
        sp_passage_rec *p = sp_realloc(&w->a, w->pass, cap * sizeof *p);
        if (!p) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        w->pass = p;
        w->cappass = cap;
    }
    w->lens[pid] = (uint32_t)dl;
    w->pass[pid].doc = doc;
    w->pass[pid].ordinal = ordinal;
    w->pass[pid].start = a;
    w->pass[pid].len = b - a;
    w->npass++;
    w->st.passages++;
    if (sp_store_w_add(&w->text, text + a, b - a, NULL, 0))
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (w->sink.rc) return w->rc = w->sink.rc; /* the sink wrote errmsg */
    return 0;
}

/* Record the document just added (passages [first, first + count)):
 * its table entry, id hash and DMET record "id NUL title". */
static int end_doc(spasm_writer *w, uint32_t first, uint32_t count, const char *id, size_t idlen,
                   const char *title, size_t tlen, size_t bytes)
{
    sp_buf_put_u32(&w->docs, first);
    sp_buf_put_u32(&w->docs, count);
    sp_buf_put_u64(&w->idix, sp_id_hash(id, idlen));
    sp_buf_put_u32(&w->idix, (uint32_t)w->ndocs);
    sp_buf_append(&w->dids, id, idlen);
    sp_buf_put_u32(&w->didoff, (uint32_t)w->dids.n);
    if (w->dids.err || w->didoff.err || w->dids.n > UINT32_MAX)
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory (document ids)");
    sp_buf *s = &w->scratch;
    s->n = 0;
    sp_buf_append(s, id, idlen);
    sp_buf_putc(s, 0);
    if (tlen) sp_buf_append(s, title, tlen);
    if (s->err || w->docs.err || w->idix.err || sp_store_w_add(&w->dmeta, s->p, s->n, NULL, 0))
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    w->ndocs++;
    w->st.documents++;
    w->st.input_bytes += bytes;
    if (w->st.input_bytes - w->last_event_bytes >= (1u << 20)) {
        w->last_event_bytes = w->st.input_bytes;
        sp_writer_event(w, SPASM_EVENT_PROGRESS, "");
    }
    return 0;
}

int sp_writer_add_doc(spasm_writer *w, const char *id, size_t idlen, const char *title,
                      size_t tlen, const char *text, size_t len, int detect_title)
{
    if (w->rc) return w->rc;
    if (w->committed) return sp_writer_err(w, SPASM_EINVAL, "the index is already committed");
    if (idlen == 0) return sp_writer_err(w, SPASM_EINVAL, "a document needs a non-empty id");
    if (w->ndocs >= UINT32_MAX - 1) return sp_writer_err(w, SPASM_EINPUT, "too many documents");
    if (len > UINT32_MAX)
        return sp_writer_err(w, SPASM_EINPUT, "document %.*s is larger than 4 GiB", (int)idlen,
                             id);
    uint32_t doc = (uint32_t)w->ndocs;
    uint32_t body = 0;
    sp_span32 tspan;
    if (detect_title && !tlen && sp_detect_title(text, len, &tspan, &body)) {
        title = text + tspan.start;
        tlen = tspan.end - tspan.start;
    }
    w->spans.n = 0;
    if (sp_split_passages(text, len, body, &w->spans))
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    uint32_t first = (uint32_t)w->npass, ordinal = 0;
    for (size_t i = 0; i < w->spans.n; i++) {
        size_t before = w->npass;
        int rc = add_passage(w, doc, ordinal, text, w->spans.v[i].start, w->spans.v[i].end);
        if (rc) return rc;
        if (w->npass > before) ordinal++;
    }
    return end_doc(w, first, ordinal, id, idlen, title, tlen, len);
}

int sp_writer_repair(spasm_writer *w, const char *text, size_t len, const char **out,
                     size_t *outlen)
{
    *out = text;
    *outlen = len;
    if (sp_utf8_invalid_count(text, len) == 0 && (len == 0 || memchr(text, 0, len) == NULL))
        return 0;
    w->fixed.n = 0;
    if (sp_utf8_repair(text, len, &w->fixed)) {
        sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        return -1;
    }
    w->st.repaired++;
    *out = (const char *)w->fixed.p;
    *outlen = w->fixed.n;
    return 1;
}

int spasm_writer_add(spasm_writer *w, const char *id, const char *title, const char *text,
                     size_t len)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (!id || !text) return sp_writer_err(w, SPASM_EINVAL, "spasm_writer_add: id and text are required");
    const char *t;
    if (sp_writer_repair(w, text, len, &t, &len) < 0) return w->rc;
    return sp_writer_add_doc(w, id, strlen(id), title ? title : "", title ? strlen(title) : 0, t,
                             len, 0);
}

int spasm_writer_add_passages(spasm_writer *w, const char *id, const char *title,
                              const char *const *passages, const size_t *lens, size_t n)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (!id || !*id || (n && (!passages || !lens)))
        return sp_writer_err(w, SPASM_EINVAL, "spasm_writer_add_passages: bad arguments");
    if (w->committed) return sp_writer_err(w, SPASM_EINVAL, "the index is already committed");
    uint32_t doc = (uint32_t)w->ndocs, first = (uint32_t)w->npass, ordinal = 0;
    for (size_t i = 0; i < n && !w->rc; i++) {
        const char *t;
        size_t len;
        if (lens[i] > UINT32_MAX) {
            sp_writer_err(w, SPASM_EINPUT, "passage %zu of %s is too large", i, id);
            break;
        }
        if (sp_writer_repair(w, passages[i], lens[i], &t, &len) < 0) break;
        size_t before = w->npass;
        if (add_passage(w, doc, ordinal, t, 0, (uint32_t)len)) break;
        if (w->npass > before) ordinal++;
    }
    if (w->rc) return w->rc;
    return end_doc(w, first, ordinal, id, strlen(id), title, title ? strlen(title) : 0, 0);
}

int spasm_writer_commit(spasm_writer *w)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (w->committed) return sp_writer_err(w, SPASM_EINVAL, "the index is already committed");
    if (w->npass == 0)
        return sp_writer_err(w, SPASM_EEMPTY,
                             "nothing to index: %llu document(s) with no words in them",
                             (unsigned long long)w->ndocs);
    int rc = sp_writer_write_index(w);
    if (rc) {
        if (!w->errmsg[0]) snprintf(w->errmsg, sizeof w->errmsg, "%s", spasm_errstr(rc));
        return w->rc = rc;
    }
    return 0;
}
