/*
 * writer.c -- the spasm_writer API: documents in, split and analysed on
 * worker threads in batches (batch.c), inverted in order on the calling
 * thread (invert.c), spilled to sorted runs under the memory budget
 * (runs.c) and written at commit (index_write.c).
 */
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zstd.h>
#include <unistd.h>

#include "format.h"
#include "synonyms.h"

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

int sp_writer_canceled(spasm_writer *w)
{
    if (w->cancel && *w->cancel) return sp_writer_err(w, SPASM_ECANCELED, "interrupted");
    return 0;
}

/* The writer's allocator when the caller's is shared by worker threads:
 * the caller's function, called under a mutex. */
static void *locked_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    spasm_writer *w = ud;
    pthread_mutex_lock(&w->alloc_mu);
    void *p = w->base_a.fn(w->base_a.ud, ptr, osize, nsize);
    pthread_mutex_unlock(&w->alloc_mu);
    return p;
}

/* The number of worker threads to use by default: one per CPU, at most 8. */
static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 8) n = 8;
    return (unsigned)n;
}

/* Check the BM25 parameters (see SPASM_K1_MAX) and the variants setting
 * of opt: 0, or SPASM_EINVAL with a message giving the valid range. */
static int check_bm25(spasm_writer *w, const spasm_writer_options *opt)
{
    if (!(opt->k1 >= 0 && opt->k1 <= SPASM_K1_MAX))
        return sp_writer_err(w, SPASM_EINVAL,
                             "k1 must be above 0 and at most %g (or 0 for the default, %g), not %g",
                             SPASM_K1_MAX, SP_DEFAULT_K1, opt->k1);
    if (!(opt->b >= 0 && opt->b <= 1) && opt->b != SPASM_B_DEFAULT)
        return sp_writer_err(w, SPASM_EINVAL,
                             "b must be from 0 to 1 (or %g for the default, %g), not %g",
                             SPASM_B_DEFAULT, SP_DEFAULT_B, opt->b);
    if (opt->variants < SPASM_VARIANTS_DEFAULT || opt->variants > SPASM_VARIANTS_OFF)
        return sp_writer_err(
            w, SPASM_EINVAL,
            "variants must be SPASM_VARIANTS_DEFAULT, _ON or _OFF (0 to 2), not %d", opt->variants);
    return 0;
}

int sp_variants_wanted(int v)
{
    return v == SPASM_VARIANTS_ON || (v == SPASM_VARIANTS_DEFAULT && SP_VARIANTS_BY_DEFAULT);
}

int spasm_writer_new(spasm_writer **out, const char *path, const spasm_writer_options *opt)
{
    if (!out) return SPASM_EINVAL;
    spasm_writer_options def = {0};
    def.b = -1;
    if (!opt) opt = &def;
    sp_alloc a;
    sp_alloc_init(&a, opt->alloc, opt->alloc_ud);
    *out = NULL;
    spasm_writer *w = sp_calloc(&a, sizeof *w);
    if (!w) return SPASM_ENOMEM;
    *out = w;
    w->a = w->base_a = a;
    w->nthreads = opt->threads ? opt->threads : default_threads();
    if (w->nthreads > 64) w->nthreads = 64;
    if (opt->alloc && w->nthreads > 1) {
        if (pthread_mutex_init(&w->alloc_mu, NULL) == 0) {
            w->alloc_locked = 1;
            w->a.fn = locked_alloc;
            w->a.ud = w;
        } else {
            w->nthreads = 1;
        }
    }
    w->sink.fd = -1;
    w->runs_fd = w->posn_fd = -1;
    w->k1 = opt->k1 > 0 ? opt->k1 : SP_DEFAULT_K1;
    w->b = opt->b == SPASM_B_DEFAULT ? SP_DEFAULT_B : opt->b;
    w->flags = opt->no_stopwords ? SP_FLAG_NO_STOPWORDS : 0;
    if (sp_variants_wanted(opt->variants)) w->flags |= SP_FLAG_VARIANTS;
    w->force = opt->force;
    w->cancel = opt->cancel;
    w->on_event = opt->on_event;
    w->event_ud = opt->event_ud;
    w->budget = (uint64_t)(opt->memory_mb ? opt->memory_mb : SPASM_DEFAULT_MEMORY_MB) << 20;
    /* The term table gets a little under half the budget; the rest is for
     * the passage tables, batches in flight and the merge at commit. */
    w->run_limit = w->budget / 100 * 45;
    w->batch_bytes = 1u << 20;
    w->posn_spill = 8u << 20;
    sp_buf_init(&w->docs, &w->a);
    sp_buf_init(&w->idix, &w->a);
    sp_buf_init(&w->dmeta_mem, &w->a);
    sp_buf_init(&w->dids, &w->a);
    sp_buf_init(&w->didoff, &w->a);
    sp_buf_init(&w->fixed, &w->a);
    sp_buf_init(&w->joined, &w->a);
    sp_buf_init(&w->sigs, &w->a);
    sp_buf_init(&w->sigb, &w->a);
    sp_buf_init(&w->prior, &w->a);
    sp_buf_init(&w->syns, &w->a);
    sp_buf_init(&w->tdict, &w->a);
    if (opt->synonyms) { /* stored as given: readers analyse it with their analyser */
        size_t n;
        const char *t = sp_syn_text(opt->synonyms, &n);
        sp_buf_append(&w->syns, t, n);
        w->nsyn_rules = spasm_synonyms_count(opt->synonyms);
        if (w->syns.err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    sp_store_w_init(&w->text, &w->a, SP_TEXT_BLOCK);
    sp_store_w_init(&w->dmeta, &w->a, SP_META_BLOCK);
    w->dmeta.mem = &w->dmeta_mem;
    if (pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->cv_work, NULL) ||
        pthread_cond_init(&w->cv_done, NULL) || pthread_cond_init(&w->cv_dict, NULL))
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (!path || !*path) return sp_writer_err(w, SPASM_EINVAL, "no index path given");
    if (check_bm25(w, opt)) return w->rc;
    size_t plen = strlen(path);
    w->path = sp_strndup(&w->a, path, plen);
    w->tmppath = sp_malloc(&w->a, plen + 64);
    w->runs_path = sp_malloc(&w->a, plen + 72);
    w->posn_path = sp_malloc(&w->a, plen + 72);
    w->nslots = 1 << 8; /* grows (invert.c): a small index walks and zeroes little */
    w->slots = sp_calloc(&w->a, w->nslots * sizeof *w->slots);
    if (!w->path || !w->tmppath || !w->runs_path || !w->posn_path || !w->slots)
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    w->mem_terms = w->nslots * sizeof *w->slots;
    snprintf(w->tmppath, plen + 64, "%s.tmp-%ld-%lx", path, (long)getpid(),
             (unsigned long)((uintptr_t)w ^ (uintptr_t)time(NULL)));
    snprintf(w->runs_path, plen + 72, "%s.runs", w->tmppath);
    snprintf(w->posn_path, plen + 72, "%s.posn", w->tmppath);
    int rc = sp_target_check(w, 0);
    if (rc) return w->rc = rc;
    sp_tmp_sweep(w);
    rc = sp_sink_open(&w->sink, &w->a, w->tmppath, w->errmsg);
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
    static const spasm_writer_stats none;
    if (!w) return &none;
    return &w->st;
}

const char *spasm_writer_errmsg(const spasm_writer *w)
{
    if (!w) return "out of memory";
    return w->errmsg;
}

void sp_writer_set_limits(spasm_writer *w, uint64_t run_limit, size_t batch_bytes)
{
    if (run_limit) w->run_limit = run_limit;
    if (batch_bytes) w->batch_bytes = batch_bytes;
}

void sp_writer_set_posn_spill(spasm_writer *w, size_t bytes)
{
    if (bytes) w->posn_spill = bytes;
}

/* ---- worker threads ---- */

/* A worker thread: analyse queued batches until told to stop. */
static void *worker_main(void *arg)
{
    sp_worker *k = arg;
    spasm_writer *w = k->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->queue && !w->stop) pthread_cond_wait(&w->cv_work, &w->mu);
        if (w->stop) break;
        sp_batch *b = w->queue;
        w->queue = b->qnext;
        if (!w->queue) w->queue_tail = NULL;
        pthread_mutex_unlock(&w->mu);
        sp_batch_analyze(k, b);
        pthread_mutex_lock(&w->mu);
        b->done = 1;
        pthread_cond_broadcast(&w->cv_done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Create the worker states and threads (once).  With one thread wanted,
 * or when no thread can be started, batches are analysed inline. */
static int start_workers(spasm_writer *w)
{
    if (w->workers) return 0;
    unsigned n = w->nthreads > 1 ? w->nthreads : 1;
    w->workers = sp_calloc(&w->a, n * sizeof *w->workers);
    if (!w->workers) return SPASM_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        w->nworkers = i + 1;
        if (sp_worker_init(&w->workers[i], w)) return SPASM_ENOMEM;
    }
    if (n == 1) return 0;
    /* The threads block every signal (they inherit this mask), so that
     * the caller's handlers run in the caller's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&w->workers[i].tid, NULL, worker_main, &w->workers[i])) break;
        w->threads_started = (int)i + 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

/* Stop and join the worker threads. */
static void stop_workers(spasm_writer *w)
{
    if (w->threads_started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->cv_work);
        pthread_mutex_unlock(&w->mu);
        for (int i = 0; i < w->threads_started; i++) pthread_join(w->workers[i].tid, NULL);
        w->threads_started = 0;
    }
    for (unsigned i = 0; i < w->nworkers; i++) sp_worker_free(&w->workers[i]);
    sp_free(&w->a, w->workers);
    w->workers = NULL;
    w->nworkers = 0;
}

static void free_batch_list(spasm_writer *w, sp_batch *b)
{
    while (b) {
        sp_batch *n = b->next;
        sp_batch_free(b);
        sp_free(&w->a, b);
        b = n;
    }
}

void spasm_writer_abandon(spasm_writer *w)
{
    if (!w) return;
    stop_workers(w);
    free_batch_list(w, w->fly);
    free_batch_list(w, w->spare);
    free_batch_list(w, w->cur);
    /* unlink before close: the lock is held until the name is gone */
    if (!w->committed && w->tmppath && w->tmppath[0] && w->sink.fd >= 0) unlink(w->tmppath);
    sp_sink_close(&w->sink);
    sp_runs_cleanup(w);
    sp_writer_free_terms(w);
    sp_free(&w->a, w->slots);
    sp_free(&w->a, w->path);
    sp_free(&w->a, w->tmppath);
    sp_free(&w->a, w->runs_path);
    sp_free(&w->a, w->posn_path);
    sp_free(&w->a, w->runs);
    sp_free(&w->a, w->seen);
    sp_free(&w->a, w->lens);
    sp_free(&w->a, w->tspans);
    sp_free(&w->a, w->pass);
    sp_buf_free(&w->docs);
    sp_buf_free(&w->idix);
    sp_buf_free(&w->dmeta_mem);
    sp_buf_free(&w->dids);
    sp_buf_free(&w->didoff);
    sp_buf_free(&w->fixed);
    sp_buf_free(&w->joined);
    sp_free(&w->a, w->pre);
    sp_buf_free(&w->sigs);
    sp_buf_free(&w->sigb);
    sp_buf_free(&w->prior);
    sp_buf_free(&w->syns);
    sp_store_w_free(&w->text);
    sp_store_w_free(&w->dmeta);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv_work);
    pthread_cond_destroy(&w->cv_done);
    pthread_cond_destroy(&w->cv_dict);
    sp_buf_free(&w->tdict);
    ZSTD_freeCDict(w->tcdict);
    if (w->alloc_locked) pthread_mutex_destroy(&w->alloc_mu);
    sp_alloc a = w->base_a;
    sp_free(&a, w);
}

/* ---- batches ---- */

/* Is the oldest batch in flight analysed? */
static int head_done(spasm_writer *w, int wait)
{
    if (!w->threads_started) return 1;
    pthread_mutex_lock(&w->mu);
    while (wait && !w->fly->done) pthread_cond_wait(&w->cv_done, &w->mu);
    int d = w->fly->done;
    pthread_mutex_unlock(&w->mu);
    return d;
}

/* Invert analysed batches in order: those ready, and all of them with
 * `all`; wait for the oldest while too many are in flight. */
static int drain(spasm_writer *w, int all)
{
    while (w->fly) {
        int must = all || w->nfly > 2 * (size_t)w->nworkers + 1;
        if (!head_done(w, must)) break;
        sp_batch *b = w->fly;
        w->fly = b->next;
        if (!w->fly) w->fly_tail = NULL;
        w->nfly--;
        int rc = w->rc ? w->rc : sp_writer_invert_batch(w, b);
        sp_batch_reset(b);
        b->next = w->spare;
        w->spare = b;
        if (rc && !all) return rc;
    }
    return w->rc;
}

/* Send the batch being filled to analysis. */
static int dispatch(spasm_writer *w)
{
    sp_batch *b = w->cur;
    if (!b) return 0;
    w->cur = NULL;
    if (start_workers(w)) {
        sp_batch_free(b);
        sp_free(&w->a, b);
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    b->next = NULL;
    if (w->fly_tail)
        w->fly_tail->next = b;
    else
        w->fly = b;
    w->fly_tail = b;
    w->nfly++;
    b->seq = w->nbatches++;
    if (!w->threads_started) {
        sp_batch_analyze(&w->workers[0], b);
        b->done = 1;
    } else {
        pthread_mutex_lock(&w->mu);
        b->qnext = NULL;
        if (w->queue_tail)
            w->queue_tail->qnext = b;
        else
            w->queue = b;
        w->queue_tail = b;
        pthread_cond_signal(&w->cv_work);
        pthread_mutex_unlock(&w->mu);
    }
    return drain(w, 0);
}

/* The batch being filled (a spare one or a new one); NULL: no memory. */
static sp_batch *current_batch(spasm_writer *w)
{
    if (w->cur) return w->cur;
    sp_batch *b = w->spare;
    if (b) {
        w->spare = b->next;
        b->next = NULL;
    } else {
        b = sp_malloc(&w->a, sizeof *b);
        if (!b) return NULL;
        sp_batch_init(b, &w->a);
    }
    return w->cur = b;
}

/* Queue one document: copy its id, title and text into the current batch
 * (with `npre` presplit passages of the given lengths when pre != NULL).
 * With lineno > 0 the text is a JSON line and the id its file's name,
 * kept once per batch. */
static int queue_doc(spasm_writer *w, const char *id, size_t idlen, const char *title, size_t tlen,
                     const char *text, size_t len, int detect_title, const sp_span32 *pre,
                     size_t npre, size_t bytes, uint64_t lineno)
{
    if (sp_writer_canceled(w)) return w->rc;
    sp_batch *b = current_batch(w);
    if (!b) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (b->ndocs == b->capdocs) {
        size_t cap = b->capdocs ? b->capdocs * 2 : 256;
        sp_bdoc *d = sp_realloc(&w->a, b->docs, cap * sizeof *d);
        if (!d) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        b->docs = d;
        b->capdocs = cap;
    }
    if (b->nspans + npre > b->capspans) {
        size_t cap = b->capspans ? b->capspans * 2 : 64;
        while (cap < b->nspans + npre) cap *= 2;
        sp_span32 *s = sp_realloc(&w->a, b->spans, cap * sizeof *s);
        if (!s) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        b->spans = s;
        b->capspans = cap;
    }
    sp_bdoc *d = &b->docs[b->ndocs];
    memset(d, 0, sizeof *d);
    d->id_len = (uint32_t)idlen;
    if (lineno && b->has_path && b->path_len == idlen &&
        memcmp(b->in.p + b->path_off, id, idlen) == 0) {
        d->id_off = b->path_off;
    } else {
        d->id_off = b->in.n;
        sp_buf_append(&b->in, id, idlen);
        if (lineno) {
            b->path_off = d->id_off;
            b->path_len = (uint32_t)idlen;
            b->has_path = 1;
        }
    }
    d->title_off = b->in.n;
    d->title_len = (uint32_t)tlen;
    if (tlen) sp_buf_append(&b->in, title, tlen);
    d->text_off = b->in.n;
    d->text_len = len;
    if (len) sp_buf_append(&b->in, text, len);
    d->detect_title = (uint8_t)detect_title;
    d->json = lineno > 0;
    d->lineno = lineno;
    if (pre) {
        d->presplit = 1;
        d->span_first = (uint32_t)b->nspans;
        d->nspans = (uint32_t)npre;
        memcpy(b->spans + b->nspans, pre, npre * sizeof *pre);
        b->nspans += npre;
    }
    if (b->in.err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    b->ndocs++;
    w->st.documents++;
    w->st.input_bytes += bytes;
    if (w->st.input_bytes - w->last_event_bytes >= (1u << 20)) {
        w->last_event_bytes = w->st.input_bytes;
        sp_writer_event(w, SPASM_EVENT_PROGRESS, "");
    }
    if (b->in.n >= w->batch_bytes || b->ndocs >= 65536) return dispatch(w);
    return 0;
}

int sp_writer_add_json(spasm_writer *w, const char *path, uint64_t lineno, const char *line,
                       size_t len)
{
    if (w->rc) return w->rc;
    if (w->st.documents >= UINT32_MAX - 1)
        return sp_writer_err(w, SPASM_EINPUT, "too many documents");
    if (len > UINT32_MAX)
        return sp_writer_err(w, SPASM_EINPUT, "%s:%llu: line larger than 4 GiB", path,
                             (unsigned long long)lineno);
    return queue_doc(w, path, strlen(path), NULL, 0, line, len, 0, NULL, 0, len, lineno);
}

int sp_writer_add_doc(spasm_writer *w, const char *id, size_t idlen, const char *title, size_t tlen,
                      const char *text, size_t len, int detect_title)
{
    if (w->rc) return w->rc;
    if (w->committed) return sp_writer_err(w, SPASM_EINVAL, "the index is already committed");
    if (idlen == 0) return sp_writer_err(w, SPASM_EINVAL, "a document needs a non-empty id");
    if (w->st.documents >= UINT32_MAX - 1)
        return sp_writer_err(w, SPASM_EINPUT, "too many documents");
    if (len > UINT32_MAX)
        return sp_writer_err(w, SPASM_EINPUT, "document %.*s is larger than 4 GiB", (int)idlen, id);
    return queue_doc(w, id, idlen, title, tlen, text, len, detect_title, NULL, 0, len, 0);
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
    if (!id || !text)
        return sp_writer_err(w, SPASM_EINVAL, "spasm_writer_add: id and text are required");
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
    if (w->st.documents >= UINT32_MAX - 1)
        return sp_writer_err(w, SPASM_EINPUT, "too many documents");
    if (n > w->cappre) {
        sp_span32 *s = sp_realloc(&w->a, w->pre, n * sizeof *s);
        if (!s) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        w->pre = s;
        w->cappre = n;
    }
    sp_buf *j = &w->joined;
    j->n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t;
        size_t len;
        if (lens[i] > UINT32_MAX || j->n + lens[i] > UINT32_MAX)
            return sp_writer_err(w, SPASM_EINPUT, "passage %zu of %s is too large", i, id);
        if (sp_writer_repair(w, passages[i], lens[i], &t, &len) < 0) return w->rc;
        if (j->n + len > UINT32_MAX)
            return sp_writer_err(w, SPASM_EINPUT, "passage %zu of %s is too large", i, id);
        w->pre[i].start = (uint32_t)j->n;
        sp_buf_append(j, t, len);
        w->pre[i].end = (uint32_t)j->n;
    }
    if (j->err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    return queue_doc(w, id, strlen(id), title, title ? strlen(title) : 0, (const char *)j->p, j->n,
                     0, w->pre, n, 0, 0);
}

int spasm_writer_commit(spasm_writer *w)
{
    if (!w) return SPASM_EINVAL;
    if (w->rc) return w->rc;
    if (w->committed) return sp_writer_err(w, SPASM_EINVAL, "the index is already committed");
    if (w->cur) dispatch(w);
    drain(w, 1);
    stop_workers(w);
    if (w->rc || sp_writer_canceled(w)) return w->rc;
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
