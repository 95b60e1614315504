/*
 * snapshot.c -- the generation of the index that spasm-serve answers
 * from.  One snapshot (an open spasm_index, its statistics) is published
 * at a time; each search worker holds a reference to the one its searcher
 * was made on and moves to a newer one before its next request when the
 * publication number changed (serve_server.epoch, read without a lock).
 * The writer publishes a new snapshot (spasm_refresh) after each commit,
 * before it answers the requests of the commit, so a search that starts
 * after a write was answered sees it.  A snapshot is closed when its last
 * reference goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* Make a snapshot of ix (taken over) with one reference, the published
 * one; NULL (ix closed) when memory runs out. */
static serve_snap *snap_new(spasm_index *ix, uint64_t epoch)
{
    serve_snap *s = calloc(1, sizeof *s);
    if (!s) {
        spasm_close(ix);
        return NULL;
    }
    s->ix = ix;
    spasm_index_get_stats(ix, &s->stats);
    s->epoch = epoch;
    s->refs = 1;
    return s;
}

int snap_open(serve_server *srv)
{
    spasm_index *ix = NULL;
    pthread_mutex_init(&srv->snap_mu, NULL);
    if (spasm_open(&ix, srv->cfg.index_path, NULL) != SPASM_OK) {
        fprintf(stderr, "spasm-serve: %s\n", spasm_index_errmsg(ix));
        spasm_close(ix);
        return -1;
    }
    srv->snap = snap_new(ix, 1);
    if (!srv->snap) {
        fprintf(stderr, "spasm-serve: out of memory\n");
        return -1;
    }
    atomic_store(&srv->epoch, 1);
    return 0;
}

serve_snap *snap_acquire(serve_server *srv)
{
    pthread_mutex_lock(&srv->snap_mu);
    serve_snap *s = srv->snap;
    if (s) s->refs++;
    pthread_mutex_unlock(&srv->snap_mu);
    return s;
}

void snap_release(serve_server *srv, serve_snap *s)
{
    if (!s) return;
    pthread_mutex_lock(&srv->snap_mu);
    long left = --s->refs;
    pthread_mutex_unlock(&srv->snap_mu);
    if (left == 0) {
        spasm_close(s->ix);
        free(s);
    }
}

int snap_refresh(serve_server *srv, char *err, size_t n)
{
    serve_snap *cur = snap_acquire(srv);
    spasm_index *nix = NULL;
    int rc = spasm_refresh(cur->ix, &nix);
    if (rc != SPASM_OK || !nix) {
        if (rc != SPASM_OK)
            snprintf(err, n, "%s", nix ? spasm_index_errmsg(nix) : spasm_errstr(rc));
        spasm_close(nix);
        snap_release(srv, cur);
        return rc == SPASM_OK ? 0 : -1;
    }
    serve_snap *s = snap_new(nix, cur->epoch + 1);
    snap_release(srv, cur);
    if (!s) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&srv->snap_mu);
    serve_snap *old = srv->snap;
    srv->snap = s;
    atomic_store(&srv->epoch, s->epoch);
    pthread_mutex_unlock(&srv->snap_mu);
    snap_release(srv, old); /* the published reference */
    return 1;
}

void snap_close(serve_server *srv)
{
    pthread_mutex_lock(&srv->snap_mu);
    serve_snap *s = srv->snap;
    srv->snap = NULL;
    pthread_mutex_unlock(&srv->snap_mu);
    snap_release(srv, s);
}
