/*
 * pool.c -- spasm-serve's worker pool (--dispatch pool): N threads, each
 * with its own searcher, take the searches the polling thread queued
 * (http.c, enqueue), run them and resume their connections.  An idle
 * worker waits on its own condition variable on a stack of idle workers;
 * a request wakes the one that went idle last, and a worker goes back on
 * the stack before its answer is sent, so one client's requests stay on
 * one warm searcher instead of visiting the workers in turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

/* Put worker `me` on top of the idle stack (under p->mu). */
static void idle_push(serve_pool *p, unsigned me)
{
    if (p->is_idle[me]) return;
    p->idle[p->nidle++] = me;
    p->is_idle[me] = 1;
}

/* Worker `me` (under p->mu): wait until a request is queued or the pool
 * stops, on the idle stack meanwhile; off it on return. */
static void worker_wait(serve_pool *p, unsigned me)
{
    while (!p->head && !p->stop) {
        idle_push(p, me);
        pthread_cond_wait(&p->wcv[me], &p->mu);
    }
    if (p->is_idle[me]) { /* woken by the stop, or found work on its own */
        unsigned i = 0;
        while (p->idle[i] != me) i++;
        memmove(p->idle + i, p->idle + i + 1, (p->nidle - i - 1) * sizeof *p->idle);
        p->nidle--;
        p->is_idle[me] = 0;
    }
}

/* A worker: its own searcher; takes requests off the queue, runs them,
 * resumes their connections.  At stop, answers what is left with 503. */
static void *worker(void *arg)
{
    serve_server *srv = arg;
    serve_pool *p = &srv->pool;
    spasm_searcher *s = NULL;
    serve_snap *snap = snap_acquire(srv);
    int rc = spasm_searcher_new(snap->ix, &s);
    pthread_mutex_lock(&p->mu);
    unsigned me = p->started++;
    p->failed += rc != SPASM_OK;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (rc != SPASM_OK) {
        fprintf(stderr, "spasm-serve: worker: cannot make a searcher: %s\n", spasm_errstr(rc));
        snap_release(srv, snap);
        return NULL;
    }
    for (;;) {
        /* the test hook: hold every request while the file exists */
        while (srv->hold_path && access(srv->hold_path, F_OK) == 0 &&
               !__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
            usleep(2000);
        pthread_mutex_lock(&p->mu);
        worker_wait(p, me);
        serve_req *r = p->head;
        if (!r) { /* stopping and nothing left */
            pthread_mutex_unlock(&p->mu);
            break;
        }
        p->head = r->next;
        if (!p->head) p->tail = NULL;
        p->len--;
        int stopping = p->stop;
        pthread_mutex_unlock(&p->mu);

        /* a newer generation was published: a searcher on it */
        serve_refresh_searcher(srv, &snap, &s);
        serve_run_request(srv, s, snap, r, stopping);
        atomic_fetch_add(&p->wserved[me], 1);
        /* on the idle stack before the answer goes out: the connection's
         * next request comes back to this worker */
        pthread_mutex_lock(&p->mu);
        idle_push(p, me);
        pthread_mutex_unlock(&p->mu);
        struct MHD_Connection *conn = r->conn;
        atomic_store(&r->done, 1);
        MHD_resume_connection(conn); /* r may be gone from here on */
    }
    spasm_searcher_free(s);
    snap_release(srv, snap);
    return NULL;
}

/* Start the pool's threads; 0 or -1. */
int pool_start(serve_server *srv)
{
    serve_pool *p = &srv->pool;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->srv = srv;
    unsigned want = srv->cfg.dispatch_inline ? 0 : srv->cfg.threads; /* inline: no workers */
    p->th = calloc(srv->cfg.threads, sizeof *p->th);
    p->wcv = calloc(srv->cfg.threads, sizeof *p->wcv);
    p->idle = calloc(srv->cfg.threads, sizeof *p->idle);
    p->is_idle = calloc(srv->cfg.threads, 1);
    p->wserved = calloc(srv->cfg.threads, sizeof *p->wserved);
    if (!p->th || !p->wcv || !p->idle || !p->is_idle || !p->wserved) return -1;
    p->nstat = want;
    for (unsigned i = 0; i < want; i++) pthread_cond_init(&p->wcv[i], NULL);
    for (p->n = 0; p->n < want; p->n++)
        if (pthread_create(&p->th[p->n], NULL, worker, srv) != 0) {
            fprintf(stderr, "spasm-serve: cannot start worker thread: %s\n", strerror(errno));
            return -1;
        }
    /* every worker has its searcher before the first request */
    pthread_mutex_lock(&p->mu);
    while (p->started < p->n) pthread_cond_wait(&p->cv, &p->mu);
    int failed = p->failed;
    pthread_mutex_unlock(&p->mu);
    return failed ? -1 : 0;
}

/* Stop the pool: workers finish their request, answer the queue 503, exit. */
void pool_stop(serve_server *srv)
{
    serve_pool *p = &srv->pool;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED); /* also read by the test hook */
    for (unsigned i = 0; i < p->n; i++) pthread_cond_signal(&p->wcv[i]);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n; i++) pthread_join(p->th[i], NULL);
    for (unsigned i = 0; i < p->n; i++) pthread_cond_destroy(&p->wcv[i]);
    free(p->th);
    free(p->wcv);
    free(p->idle);
    free(p->is_idle);
    p->th = NULL;
    p->wcv = NULL;
    p->idle = NULL;
    p->is_idle = NULL;
    p->n = p->nidle = 0;
}
