/*
 * runs.c -- bounded memory while indexing: when the in-memory term table
 * outgrows its share of the budget, it is written in term order as a
 * sorted run to a temporary file beside the index (INDEX.tmp-...runs) and
 * emptied.  At commit the runs are merged by term (index_write.c): since
 * passage numbers only grow, a term's posting streams concatenate in run
 * order, only the first gap of each run being re-coded.
 *
 * A run is a sequence of term records:
 *
 *     varint term length, the term, varint df, varint cf,
 *     varint last passage + 1, varint stream length, the stream,
 *     u8 is_word, varint variants length, the variants
 *
 * (the stream and variants as in sp_term, writer.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec.h"
#include "writer.h"

/* Write all of p[0, n) at offset off; 0 or SPASM_EIO. */
static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t k = pwrite(fd, q, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return SPASM_EIO;
        q += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static int cmp_term(const void *a, const void *b)
{
    const sp_term *x = *(sp_term *const *)a, *y = *(sp_term *const *)b;
    size_t n = SP_MIN(x->len, y->len);
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Half of a two-thread sort. */
typedef struct half_sort {
    sp_term **v;
    size_t n;
} half_sort;

static void *sort_half(void *arg)
{
    half_sort *h = arg;
    qsort(h->v, h->n, sizeof *h->v, cmp_term);
    return NULL;
}

/* Sort v[0, n) by term bytes, on two threads when `two` (each half, then
 * merged; the terms are distinct, so the order is the same); v may be
 * replaced.  Returns v, or NULL when out of memory (v freed). */
static sp_term **sort_terms(spasm_writer *w, sp_term **v, size_t n, int two)
{
    sp_term **out = two && n >= 256 ? sp_malloc(&w->a, (n + 1) * sizeof *out) : NULL;
    pthread_t tid;
    half_sort h = {v + n / 2, n - n / 2};
    int started = 0;
    if (out) { /* the thread blocks every signal, as the workers do */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        started = pthread_create(&tid, NULL, sort_half, &h) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (!started) {
        sp_free(&w->a, out);
        qsort(v, n, sizeof *v, cmp_term);
        return v;
    }
    qsort(v, n / 2, sizeof *v, cmp_term);
    pthread_join(tid, NULL);
    size_t i = 0, j = n / 2, k = 0;
    while (i < n / 2 && j < n) out[k++] = cmp_term(&v[i], &v[j]) < 0 ? v[i++] : v[j++];
    while (i < n / 2) out[k++] = v[i++];
    while (j < n) out[k++] = v[j++];
    sp_free(&w->a, v);
    return out;
}

sp_term **sp_sorted_terms(spasm_writer *w, int two)
{
    sp_term **v = sp_malloc(&w->a, (w->nterms + 1) * sizeof *v);
    if (!v) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < w->nslots; i++)
        for (sp_term *t = w->slots[i]; t; t = t->next) v[k++] = t;
    return sort_terms(w, v, k, two);
}

int sp_runs_flush(spasm_writer *w)
{
    if (w->nterms == 0) return 0;
    if (w->runs_fd < 0) {
        w->runs_fd = sp_tmp_create(w->runs_path, 0600);
        if (w->runs_fd < 0)
            return sp_writer_err(w, SPASM_EIO, "%s: cannot create a temporary file: %s",
                                 w->runs_path, strerror(errno));
    }
    if (w->nruns == w->capruns) {
        size_t cap = w->capruns ? w->capruns * 2 : 16;
        sp_run *r = sp_realloc(&w->a, w->runs, cap * sizeof *r);
        if (!r) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        w->runs = r;
        w->capruns = cap;
    }
    sp_term **v = sp_sorted_terms(w, 0);
    if (!v) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    sp_buf b;
    sp_buf_init(&b, &w->a);
    uint64_t start = w->runs_off;
    int rc = 0;
    for (size_t i = 0; i < w->nterms && !rc; i++) {
        const sp_term *t = v[i];
        sp_buf_put_varint(&b, t->len);
        sp_buf_append(&b, t->s, t->len);
        sp_buf_put_varint(&b, t->df);
        sp_buf_put_varint(&b, t->cf);
        sp_buf_put_varint(&b, t->last_plus1);
        sp_buf_put_varint(&b, t->npost);
        sp_buf_append(&b, t->post, t->npost);
        sp_buf_putc(&b, t->is_word);
        sp_buf_put_varint(&b, t->nvars);
        sp_buf_append(&b, t->vars, t->nvars);
        if (b.err)
            rc = SPASM_ENOMEM;
        else if (b.n >= (1u << 20) || i + 1 == w->nterms) {
            rc = pwrite_all(w->runs_fd, b.p, b.n, w->runs_off);
            w->runs_off += b.n;
            b.n = 0;
        }
    }
    sp_buf_free(&b);
    sp_free(&w->a, v);
    if (rc == SPASM_EIO)
        return sp_writer_err(w, rc, "%s: cannot write a temporary file: %s", w->runs_path,
                             strerror(errno));
    if (rc) return sp_writer_err(w, rc, "out of memory");
    w->runs[w->nruns++] = (sp_run){start, w->runs_off - start, w->nterms};
    sp_writer_free_terms(w);
    return 0;
}

void sp_runs_cleanup(spasm_writer *w)
{
    /* unlink first: the lock stays held until the name is gone */
    if (w->runs_fd >= 0) {
        unlink(w->runs_path);
        close(w->runs_fd);
        w->runs_fd = -1;
    }
    if (w->posn_fd >= 0) {
        unlink(w->posn_path);
        close(w->posn_fd);
        w->posn_fd = -1;
    }
}

/* ---- reading runs back ---- */

/* Refill the reader's buffer; 0, or SPASM_EIO / SPASM_ECORRUPT at the end. */
static int refill(sp_run_reader *r)
{
    if (r->pos < r->n) memmove(r->buf, r->buf + r->pos, r->n - r->pos);
    r->n -= r->pos;
    r->pos = 0;
    size_t want = SP_MIN((uint64_t)(r->cap - r->n), r->end - r->off);
    if (want == 0) return SPASM_ECORRUPT;
    ssize_t k;
    do k = pread(r->fd, r->buf + r->n, want, (off_t)r->off);
    while (k < 0 && errno == EINTR);
    if (k <= 0) return SPASM_EIO;
    r->n += (size_t)k;
    r->off += (uint64_t)k;
    return 0;
}

static int get_varint(sp_run_reader *r, uint64_t *v)
{
    if (r->n - r->pos < 10 && r->off < r->end && refill(r)) return SPASM_EIO;
    const uint8_t *p = sp_varint_get(r->buf + r->pos, r->buf + r->n, v);
    if (!p) return SPASM_ECORRUPT;
    r->pos = (size_t)(p - r->buf);
    return 0;
}

static int get_bytes(sp_run_reader *r, sp_buf *out, uint64_t n)
{
    out->n = 0;
    while (n) {
        if (r->pos == r->n) {
            int rc = refill(r);
            if (rc) return rc;
        }
        size_t k = (size_t)SP_MIN((uint64_t)(r->n - r->pos), n);
        sp_buf_append(out, r->buf + r->pos, k);
        r->pos += k;
        n -= k;
    }
    return out->err;
}

int sp_run_reader_open(spasm_writer *w, sp_run_reader *r, const sp_run *run)
{
    memset(r, 0, sizeof *r);
    r->fd = w->runs_fd;
    r->off = run->off;
    r->end = run->off + run->len;
    r->left = run->nterms;
    r->cap = 1u << 16;
    r->buf = sp_malloc(&w->a, r->cap);
    sp_buf_init(&r->s, &w->a);
    sp_buf_init(&r->post, &w->a);
    sp_buf_init(&r->vars, &w->a);
    return r->buf ? 0 : SPASM_ENOMEM;
}

void sp_run_reader_close(spasm_writer *w, sp_run_reader *r)
{
    sp_free(&w->a, r->buf);
    sp_buf_free(&r->s);
    sp_buf_free(&r->post);
    sp_buf_free(&r->vars);
}

int sp_run_next(sp_run_reader *r)
{
    r->has = 0;
    if (r->left == 0) return 0;
    r->left--;
    uint64_t n;
    int rc;
    if ((rc = get_varint(r, &n)) || (rc = get_bytes(r, &r->s, n))) return rc;
    if ((rc = get_varint(r, &r->df)) || (rc = get_varint(r, &r->cf)) ||
        (rc = get_varint(r, &r->last_plus1)) || (rc = get_varint(r, &n)) ||
        (rc = get_bytes(r, &r->post, n)))
        return rc;
    if (r->pos == r->n && (rc = refill(r))) return rc;
    r->is_word = r->buf[r->pos++];
    if ((rc = get_varint(r, &n)) || (rc = get_bytes(r, &r->vars, n))) return rc;
    r->has = 1;
    return 0;
}
