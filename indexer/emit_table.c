/*
 * emit_table.c -- commit's encoding of the in-memory term table (the case
 * where no sorted run was spilled), on two threads when the writer has
 * more than one: the terms, sorted, are cut in two parts of about the
 * same stream bytes; a helper thread encodes the second part into memory
 * (its POST bytes, positions, DICT and WORD entries) while the calling
 * thread encodes the first one straight to the sink, and then appends the
 * helper's output, renumbered.  The bytes are those of one thread doing
 * it all in order.  The helper's positions are spilled like the first
 * part's, to a file of their own (made under the name of the runs file,
 * which this path does not use, and unlinked at once); its POST bytes are
 * held in memory, so the split is only made when they fit in the memory
 * budget beside the term table.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "emit.h"

/* The second part and its encoder. */
typedef struct helper {
    emit e;
    sp_buf post;
    sp_term **v;
    size_t lo, hi;
    char errmsg[SP_ERRMSG_MAX];
    int rc;
    int posn_fd; /* its spilled positions (unlinked), or -1 */
} helper;

/* A term of the table as an mterm. */
static mterm as_mterm(const sp_term *t)
{
    mterm m = {t->s, t->len, t->df, t->cf, t->post, t->npost, t->is_word, t->vars, t->nvars};
    return m;
}

/* Encode terms [lo, hi) of v with e, freeing each stream once encoded;
 * the caller checks for cancellation when `check`. */
static int emit_range(emit *e, sp_term **v, size_t lo, size_t hi, int check)
{
    spasm_writer *w = e->w;
    int rc = 0;
    for (size_t i = lo; i < hi && !rc; i++) {
        sp_term *t = v[i];
        mterm m = as_mterm(t);
        rc = sp_emit_term(e, &m);
        if (!rc && check && (i & 1023) == 0) rc = sp_writer_canceled(w);
        if (!rc && !check && (i & 1023) == 0 && w->cancel && *w->cancel) rc = SPASM_ECANCELED;
        /* The stream is no longer needed: give the memory back early. */
        sp_free(&w->a, t->post);
        t->post = NULL;
        t->npost = t->cappost = 0;
    }
    return rc;
}

/* The helper thread: encode its part. */
static void *helper_main(void *arg)
{
    helper *h = arg;
    h->rc = emit_range(&h->e, h->v, h->lo, h->hi, 0);
    return NULL;
}

static void helper_free(helper *h)
{
    if (h->posn_fd >= 0) close(h->posn_fd);
    sp_free(&h->e.w->a, h->e.docs);
    sp_free(&h->e.w->a, h->e.tfs);
    sp_free(&h->e.w->a, h->e.blockpos);
    sp_buf *b[] = {&h->post,   &h->e.blocks, &h->e.skips, &h->e.posn,
                   &h->e.ents, &h->e.strs,   &h->e.words};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) sp_buf_free(b[i]);
}

/* Append the whole of file `from` to file `to` (at its offset); 0 or
 * SPASM_EIO (message set). */
static int copy_file(spasm_writer *w, int from, int to)
{
    off_t off = 0;
    for (;;) {
        ssize_t k = copy_file_range(from, &off, to, NULL, 1u << 30, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k == 0) return 0;
        if (k > 0) continue;
        break;
    }
    /* copy_file_range refused (an old kernel, another file system): by hand */
    uint8_t buf[1 << 16];
    for (;;) {
        ssize_t k = pread(from, buf, sizeof buf, off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) break;
        if (k == 0) return 0;
        for (ssize_t done = 0; done < k;) {
            ssize_t m = write(to, buf + done, (size_t)(k - done));
            if (m < 0 && errno == EINTR) continue;
            if (m <= 0) goto fail;
            done += m;
        }
        off += k;
    }
fail:
    return sp_seterr(w->errmsg, SPASM_EIO, "%s: cannot copy a temporary file: %s", w->posn_path,
                     strerror(errno));
}

/* Append the helper's output to e (DICT string offsets and WORD term
 * ordinals renumbered) and its POST bytes to the sink. */
static int join_output(emit *e, helper *h)
{
    spasm_writer *w = e->w;
    sp_sink_write(&w->sink, h->post.p, h->post.n);
    size_t n = h->e.ents.n / sizeof(dict_ent);
    if (sp_buf_reserve(&e->ents, h->e.ents.n)) goto nomem;
    for (size_t i = 0; i < n; i++) {
        dict_ent de;
        memcpy(&de, h->e.ents.p + i * sizeof de, sizeof de);
        de.s_off += e->strs.n;
        sp_buf_append(&e->ents, &de, sizeof de);
    }
    sp_buf_append(&e->strs, h->e.strs.p, h->e.strs.n);
    if (sp_buf_reserve(&e->words, h->e.words.n)) goto nomem;
    for (size_t i = 0; i < h->e.words.n;) {
        const uint8_t *p = h->e.words.p + i;
        sp_buf_put_u32(&e->words, sp_get_u32(p) + (uint32_t)e->nterms);
        sp_buf_append(&e->words, p + 4, 1u + p[4]);
        i += 5u + p[4];
    }
    e->nterms += h->e.nterms;
    e->nwords += h->e.nwords;
    e->postings += h->e.postings;
    if (e->ents.err || e->strs.err || e->words.err) goto nomem;
    /* the positions: after the first part's (spilled or buffered) */
    int rc = e->posn.n || h->posn_fd >= 0 ? sp_emit_spill_posn(e) : 0;
    if (rc) return rc;
    if (h->posn_fd >= 0 && (rc = copy_file(w, h->posn_fd, *e->posn_fd))) return rc;
    sp_buf t = e->posn;
    e->posn = h->e.posn;
    h->e.posn = t;
    if (w->posn_fd >= 0 && e->posn.n >= w->posn_spill) return sp_emit_spill_posn(e);
    return w->sink.rc;
nomem:
    return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
}

/* Where to cut the sorted terms v[0, n) for two threads (n: do not), by
 * stream bytes; the cut is made only when the second part's output fits
 * in the writer's memory budget beside the term table. */
static size_t choose_cut(const spasm_writer *w, sp_term *const *v, size_t n)
{
    if (w->nthreads < 2 || n < 256) return n;
    uint64_t total = 0, sum = 0;
    for (size_t i = 0; i < n; i++) total += v[i]->npost;
    size_t cut = 0;
    while (cut < n && sum < total / 2) sum += v[cut++]->npost;
    /* the helper's POST bytes, about half its streams' */
    if (w->mem_terms + (total - sum) / 2 > w->budget) return n;
    return cut;
}

int sp_emit_table(emit *e)
{
    spasm_writer *w = e->w;
    sp_term **v = sp_sorted_terms(w, w->nthreads > 1);
    if (!v) return sp_seterr(w->errmsg, SPASM_ENOMEM, "out of memory");
    size_t n = w->nterms, cut = choose_cut(w, v, n);
    helper h;
    memset(&h, 0, sizeof h);
    h.posn_fd = -1;
    int started = 0;
    if (cut < n) {
        h.e.w = w;
        h.e.avgdl = e->avgdl;
        h.e.errmsg = h.errmsg;
        h.e.out = &h.post;
        h.e.posn_fd = &h.posn_fd;
        h.e.posn_path = w->runs_path;
        h.e.posn_anon = 1;
        sp_buf *b[] = {&h.post,   &h.e.blocks, &h.e.skips, &h.e.posn,
                       &h.e.ents, &h.e.strs,   &h.e.words};
        for (size_t i = 0; i < sizeof b / sizeof *b; i++) sp_buf_init(b[i], &w->a);
        h.v = v;
        h.lo = cut;
        h.hi = n;
        pthread_t tid;
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        started = pthread_create(&tid, NULL, helper_main, &h) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        int rc = emit_range(e, v, 0, started ? cut : n, 1);
        if (started) {
            pthread_join(tid, NULL);
            if (!rc && h.rc == SPASM_ECANCELED) rc = sp_writer_canceled(w);
            if (!rc && h.rc) rc = sp_seterr(w->errmsg, h.rc, "%s", h.errmsg);
            if (!rc) rc = join_output(e, &h);
        }
        helper_free(&h);
        sp_free(&w->a, v);
        return rc;
    }
    int rc = emit_range(e, v, 0, n, 1);
    sp_free(&w->a, v);
    return rc;
}
