/*
 * writes.c -- POST /documents (JSON Lines, upsert by id) and DELETE
 * /documents/ID, and the writer thread that owns the spasm_updater.
 *
 * In front of the index (the poll thread): --writable (else 403),
 * --token-file (a bearer token, else 401), the body limit (413, in
 * http.c), each JSON line parsed and checked (400 naming the line).  A
 * request that passes is queued for the writer with its parsed documents
 * and its connection suspended, as a search is for the pool.
 *
 * The writer wakes, takes everything queued (a burst of requests is one
 * batch), applies it in order (spasm_updater_add for each document,
 * spasm_updater_delete), commits once, publishes the new generation
 * (snapshot.c: spasm_refresh) and only then resumes every connection of
 * the batch with {"committed": GENERATION, "documents": N, "deleted": M,
 * "unknown_deletes": U}.  A failed commit answers the whole batch 500 with
 * the library's message; the updater (whose errors are sticky) is closed
 * and opened again for the next batch (the last commit is intact).  At
 * SIGTERM what is queued is committed and answered before the exit.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

int writes_load_token(serve_server *srv)
{
    const char *path = srv->cfg.token_file;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spasm-serve: --token-file %s: cannot be read\n", path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "spasm-serve: warning: --token-file %s is readable by others\n", path);
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) buf[--n] = 0;
    if (n < 8 || strpbrk(buf, " \t\r\n")) {
        fprintf(stderr,
                "spasm-serve: --token-file %s: the token must be one line of 8 to 500 bytes "
                "without blanks\n",
                path);
        return -1;
    }
    srv->token = strdup(buf);
    return srv->token ? 0 : -1;
}

/* Compare a and b in time that depends only on their lengths. */
static int same_secret(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = na != nb;
    for (size_t i = 0; i < na && i < nb; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* Parse and check each line of a JSON Lines body: an object with a
 * non-empty string "id" (or "_id") and a string "text"; "title" a string
 * when present.  The objects go to r->docs; returns their number, or -1
 * with a 400 in r. */
static long check_jsonl(serve_req *r)
{
    long docs = 0, line = 0;
    r->docs = json_array();
    if (!r->docs) {
        serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", -1, NULL);
        return -1;
    }
    const char *p = r->body ? r->body : "", *end = p + r->body_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        line++;
        const char *b = p;
        while (b < e && (*b == ' ' || *b == '\t' || *b == '\r')) b++;
        if (b < e) {
            json_error_t err;
            json_t *o = json_loadb(p, (size_t)(e - p), 0, &err);
            const char *why = NULL;
            json_t *id = o ? json_object_get(o, "id") : NULL;
            if (!id && o) id = json_object_get(o, "_id");
            json_t *title = o ? json_object_get(o, "title") : NULL;
            if (!o)
                why = err.text;
            else if (!json_is_object(o))
                why = "not a JSON object";
            else if (!json_is_string(id) || !json_string_length(id))
                why = "\"id\" must be a non-empty string";
            else if (!json_is_string(json_object_get(o, "text")))
                why = "\"text\" must be a string";
            else if (title && !json_is_string(title) && !json_is_null(title))
                why = "\"title\" must be a string";
            char msg[256];
            if (why) snprintf(msg, sizeof msg, "body line %ld: %s", line, why);
            if (why || json_array_append_new(r->docs, o) != 0) {
                if (!why) snprintf(msg, sizeof msg, "out of memory");
                if (why) json_decref(o);
                serve_error(r, MHD_HTTP_BAD_REQUEST, msg, (long)(p - r->body), NULL);
                return -1;
            }
            docs++;
        }
        p = e + (nl != NULL);
    }
    if (docs == 0) {
        serve_error(r, MHD_HTTP_BAD_REQUEST,
                    "empty body: send JSON Lines, one {\"id\", \"title\", \"text\"} per line", -1,
                    NULL);
        return -1;
    }
    return docs;
}

int writes_handle(serve_server *srv, serve_req *r, const char *method, const char *url)
{
    if (!srv->cfg.writable) {
        serve_error(r, MHD_HTTP_FORBIDDEN, "writes are disabled: start spasm-serve with --writable",
                    -1, NULL);
        return 0;
    }
    if (srv->token) {
        const char *auth =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !same_secret(auth + 7, srv->token)) {
            serve_error(r, MHD_HTTP_UNAUTHORIZED, "writes need \"Authorization: Bearer TOKEN\"", -1,
                        NULL);
            r->extra_header = MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->extra_value = "Bearer";
            return 0;
        }
    }
    if (strcmp(method, "POST") == 0) {
        if (check_jsonl(r) < 0) return 0;
    } else { /* DELETE /documents/ID, ID percent-decoded */
        const char *id = url + strlen("/documents/");
        size_t n = strlen(id);
        if (n > srv->cfg.max_query_bytes) {
            serve_error(r, MHD_HTTP_BAD_REQUEST, "the id is longer than --max-query-bytes", -1,
                        "id");
            return 0;
        }
        json_t *probe = json_stringn(id, n); /* NULL: not UTF-8 */
        if (!probe) {
            serve_error(r, MHD_HTTP_BAD_REQUEST, "the id is not valid UTF-8", -1, "id");
            return 0;
        }
        json_decref(probe);
        r->q = strdup(id);
        if (!r->q) {
            serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", -1, NULL);
            return 0;
        }
    }
    serve_writer *w = &srv->writer;
    pthread_mutex_lock(&w->mu);
    if (w->stop || !w->running) {
        pthread_mutex_unlock(&w->mu);
        serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down", -1, NULL);
        r->extra_header = "Retry-After", r->extra_value = "1";
        return 0;
    }
    MHD_suspend_connection(r->conn);
    r->queued = 1;
    r->next = NULL;
    if (w->tail)
        w->tail->next = r;
    else
        w->head = r;
    w->tail = r;
    w->len++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 1;
}

size_t writes_queued(serve_server *srv)
{
    serve_writer *w = &srv->writer;
    if (!srv->cfg.writable) return 0;
    pthread_mutex_lock(&w->mu);
    size_t n = w->len;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* The updater's warnings (unknown deletes, duplicates in a batch), on
 * stderr. */
static void on_updater_event(void *ud, spasm_event_kind kind, const char *message,
                             const spasm_writer_stats *st)
{
    (void)ud, (void)st;
    if (kind == SPASM_EVENT_WARNING) fprintf(stderr, "spasm-serve: warning: %s\n", message);
}

/* Open the updater; 0, or the library's code with its message in err. */
static int updater_open(serve_server *srv, char *err, size_t n)
{
    spasm_writer_options o = {0};
    o.b = SPASM_B_DEFAULT;
    o.threads = 1; /* the search workers have the cores */
    o.on_event = on_updater_event;
    int rc = spasm_updater_open(&srv->writer.u, srv->cfg.index_path, &o);
    if (rc != SPASM_OK) {
        snprintf(err, n, "%s", spasm_updater_errmsg(srv->writer.u));
        spasm_updater_close(srv->writer.u);
        srv->writer.u = NULL;
    }
    return rc;
}

int writes_open(serve_server *srv)
{
    const char *path = srv->cfg.index_path;
    struct stat st;
    int existed = stat(path, &st) == 0, was_file = existed && S_ISREG(st.st_mode);
    char err[1024];
    int rc = updater_open(srv, err, sizeof err);
    if (rc != SPASM_OK) {
        fprintf(stderr, "spasm-serve: --writable: %s\n", err);
        return -1;
    }
    spasm_updater_stats us;
    spasm_updater_get_stats(srv->writer.u, &us);
    if (us.generation == 0 && spasm_updater_commit(srv->writer.u) != SPASM_OK) {
        /* a new folder: an empty first commit, so that it opens */
        fprintf(stderr, "spasm-serve: --writable: %s\n", spasm_updater_errmsg(srv->writer.u));
        return -1;
    }
    if (!existed)
        fprintf(stderr, "spasm-serve: %s: created an empty live index folder\n", path);
    else if (was_file)
        fprintf(stderr,
                "spasm-serve: %s: turned into a live index folder (the file is its first segment; "
                "docs/LIVE.md)\n",
                path);
    return 0;
}

/* Whether document `id` exists just before batch entry `upto` is applied:
 * the batch's earlier writes of the id decide, else the committed
 * snapshot (the writer's searcher s). */
static int id_exists(spasm_searcher *s, serve_req *batch, serve_req *upto, const char *id)
{
    uint32_t doc;
    int exists = s && spasm_find_doc(s, id, &doc) == SPASM_OK;
    for (serve_req *r = batch; r && r != upto; r = r->next) {
        if (!r->docs) {
            if (strcmp(r->q, id) == 0) exists = 0;
            continue;
        }
        size_t i;
        json_t *o;
        json_array_foreach(r->docs, i, o)
        {
            json_t *v = json_object_get(o, "id");
            if (!v) v = json_object_get(o, "_id");
            if (strcmp(json_string_value(v), id) == 0) exists = 1;
        }
    }
    return exists;
}

/* Apply one request to the updater; 0 or the library's code. */
static int apply(spasm_updater *u, spasm_searcher *s, serve_req *batch, serve_req *r)
{
    r->w_docs = r->w_deleted = r->w_unknown = 0;
    if (!r->docs) {
        if (id_exists(s, batch, r, r->q))
            r->w_deleted = 1;
        else
            r->w_unknown = 1;
        return spasm_updater_delete(u, r->q);
    }
    size_t i;
    json_t *o;
    json_array_foreach(r->docs, i, o)
    {
        json_t *id = json_object_get(o, "id");
        if (!id) id = json_object_get(o, "_id");
        json_t *title = json_object_get(o, "title"), *text = json_object_get(o, "text");
        int rc = spasm_updater_add(u, json_string_value(id),
                                   json_is_string(title) ? json_string_value(title) : NULL,
                                   json_string_value(text), json_string_length(text));
        if (rc != SPASM_OK) return rc;
        r->w_docs++;
    }
    return SPASM_OK;
}

/* Apply and commit a batch, publish the new generation, answer every
 * request of it and resume their connections. */
static void run_batch(serve_server *srv, spasm_searcher *s, serve_req *batch)
{
    serve_writer *w = &srv->writer;
    char err[1024] = "";
    int rc = w->u ? SPASM_OK : updater_open(srv, err, sizeof err);
    for (serve_req *r = batch; r && rc == SPASM_OK; r = r->next) rc = apply(w->u, s, batch, r);
    if (rc == SPASM_OK) rc = spasm_updater_commit(w->u);
    uint64_t gen = 0;
    if (rc == SPASM_OK) {
        spasm_updater_stats us;
        spasm_updater_get_stats(w->u, &us);
        gen = us.generation;
        atomic_fetch_add(&srv->commits, 1);
        char rerr[512];
        if (snap_refresh(srv, rerr, sizeof rerr) < 0)
            fprintf(stderr, "spasm-serve: generation %llu committed but not opened: %s\n",
                    (unsigned long long)gen, rerr);
    } else {
        if (w->u) snprintf(err, sizeof err, "%s", spasm_updater_errmsg(w->u));
        fprintf(stderr, "spasm-serve: commit failed: %s\n", err);
        atomic_fetch_add(&srv->writes_failed, 1);
        spasm_updater_close(w->u); /* errors are sticky: a new one next time */
        w->u = NULL;
    }
    while (batch) {
        serve_req *r = batch;
        batch = r->next;
        if (rc == SPASM_OK) {
            r->generation = gen;
            serve_answer(r, MHD_HTTP_OK,
                         json_pack("{s:I,s:I,s:I,s:I}", "committed", (json_int_t)gen, "documents",
                                   (json_int_t)r->w_docs, "deleted", (json_int_t)r->w_deleted,
                                   "unknown_deletes", (json_int_t)r->w_unknown));
        } else {
            char msg[1100];
            snprintf(msg, sizeof msg, "the commit failed: %s", err);
            serve_error(r,
                        rc == SPASM_EBUSY ? MHD_HTTP_SERVICE_UNAVAILABLE
                                          : MHD_HTTP_INTERNAL_SERVER_ERROR,
                        msg, -1, NULL);
        }
        struct MHD_Connection *conn = r->conn;
        atomic_store(&r->done, 1);
        MHD_resume_connection(conn); /* r may be gone from here on */
    }
}

/* The writer thread: waits for requests, takes the whole queue as one
 * batch, commits it; at stop, commits what is left and ends. */
static void *writer_main(void *arg)
{
    serve_server *srv = arg;
    serve_writer *w = &srv->writer;
    serve_snap *snap = NULL;
    spasm_searcher *s = NULL;
    for (;;) {
        /* the test hook: hold the queue while the file exists (not at stop) */
        while (srv->hold_path && access(srv->hold_path, F_OK) == 0 && !atomic_load(&srv->draining))
            usleep(2000);
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
        serve_req *batch = w->head;
        w->head = w->tail = NULL;
        w->len = 0;
        int stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (!batch && stop) break;
        if (!snap || atomic_load(&srv->epoch) != snap->epoch) { /* ids as committed */
            spasm_searcher_free(s);
            snap_release(srv, snap);
            snap = snap_acquire(srv);
            if (spasm_searcher_new(snap->ix, &s) != SPASM_OK) s = NULL;
        }
        run_batch(srv, s, batch);
    }
    spasm_searcher_free(s);
    snap_release(srv, snap);
    return NULL;
}

int writes_start(serve_server *srv)
{
    serve_writer *w = &srv->writer;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!srv->cfg.writable) return 0;
    if (pthread_create(&w->th, NULL, writer_main, srv) != 0) {
        fprintf(stderr, "spasm-serve: cannot start the writer thread\n");
        return -1;
    }
    w->running = 1;
    return 0;
}

void writes_stop(serve_server *srv)
{
    serve_writer *w = &srv->writer;
    if (!w->running) return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_mutex_lock(&w->mu);
    w->running = 0;
    pthread_mutex_unlock(&w->mu);
    spasm_updater_close(w->u);
    w->u = NULL;
}
