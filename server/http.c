/*
 * http.c -- spasm-serve's HTTP side: libmicrohttpd's callbacks, the
 * routing of a request, running a search (inline, or handed to the pool of
 * pool.c), responses with their headers, and the access log.
 *
 * --dispatch inline (the default): --threads libmicrohttpd threads each
 * poll their connections (poll(); accept.c hands them the connections),
 * and run a search or a document look-up themselves with a searcher of
 * their own (thread-specific data): no hand-over between threads.
 * --dispatch pool: one libmicrohttpd thread polls every connection and
 * does what is cheap itself (the page, /stats, /healthz, errors, argument
 * checks); a search or look-up is queued for the pool: the connection is
 * suspended, a worker runs it with its own spasm_searcher, stores the JSON
 * and resumes the connection, and the poll thread sends it.  A queue
 * longer than --max-queue, more connections than --max-connections, or a
 * search still running (or waiting) --time-budget after its first byte
 * is stopped by the library (spasm_searcher_set_cancel) and answered 503.
 */
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

double serve_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void serve_answer(serve_req *r, int status, json_t *body)
{
    free(r->json);
    r->status = status;
    r->json = body ? json_dumps(body, JSON_COMPACT) : NULL;
    r->json_len = r->json ? strlen(r->json) : 0;
    if (body && !r->json) r->status = MHD_HTTP_INTERNAL_SERVER_ERROR; /* out of memory */
    json_decref(body);
}

void serve_error(serve_req *r, int status, const char *msg, long pos, const char *param)
{
    json_t *o = json_object();
    json_t *m = json_string(msg);
    if (!m) m = json_string("(message is not valid UTF-8)");
    json_object_set_new(o, "error", m);
    json_object_set_new(o, "status", json_integer(status));
    if (pos >= 0) json_object_set_new(o, "position", json_integer(pos));
    if (param) json_object_set_new(o, "param", json_string(param));
    serve_answer(r, status, o);
}

/* ---- the access log */

/* Append s to out (size n, at *at) with quotes, backslashes, control
 * bytes and non-ASCII written as \xHH, so a request cannot forge lines. */
static void log_escape(char *out, size_t n, size_t *at, const char *s)
{
    for (; s && *s && *at + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            *at += (size_t)snprintf(out + *at, n - *at, "\\x%02x", c);
        else
            out[(*at)++] = (char)c;
    }
    out[*at] = 0;
}

/* One line in the common log format on stdout:
 * HOST - - [DD/Mon/YYYY:HH:MM:SS +0000] "METHOD URI VERSION" STATUS BYTES */
static void log_request(serve_server *srv, serve_req *r)
{
    char host[64] = "-";
    const union MHD_ConnectionInfo *ci =
        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        socklen_t len =
            sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        if (getnameinfo(sa, len, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
            strcpy(host, "-");
    }
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    char req[2048];
    size_t at = 0;
    req[0] = 0;
    log_escape(req, sizeof req, &at, r->method ? r->method : "-");
    log_escape(req, sizeof req, &at, " ");
    log_escape(req, sizeof req, &at, r->uri ? r->uri : "-");
    log_escape(req, sizeof req, &at, " ");
    log_escape(req, sizeof req, &at, r->version ? r->version : "-");
    char status[16] = "-", bytes[24] = "-";
    if (r->status) snprintf(status, sizeof status, "%d", r->status);
    if (r->status && r->resp_bytes)
        snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)r->resp_bytes);
    pthread_mutex_lock(&srv->log_mu);
    fprintf(stdout, "%s - - [%s] \"%s\" %s %s\n", host, when, req, status, bytes);
    fflush(stdout);
    pthread_mutex_unlock(&srv->log_mu);
}

/* ---- callbacks: a request's life */

/* The first callback of a request: its context, with the raw URI. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    serve_server *srv = cls;
    serve_req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->uri = strdup(uri ? uri : "");
    r->conn = conn;
    clock_gettime(CLOCK_MONOTONIC, &r->t_start);
    atomic_fetch_add(&srv->active, 1);
    return r;
}

/* The last: log it and free it. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    serve_server *srv = cls;
    serve_req *r = *con_cls;
    if (!r) return;
    if (srv->cfg.log) log_request(srv, r);
    if (r->status >= 500)
        atomic_fetch_add(&srv->errors, 1);
    else if (r->status)
        atomic_fetch_add(&srv->served, 1);
    free(r->uri);
    free(r->method);
    free(r->version);
    free(r->q);
    free(r->body);
    free(r->json);
    json_decref(r->docs);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->active, 1);
}

/* Count open connections (for --max-connections). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    serve_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&srv->connections, 1);
    else
        atomic_fetch_sub(&srv->connections, 1);
}

/* libmicrohttpd's messages, prefixed. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    fputs("spasm-serve: microhttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* Add the headers every response carries, and CORS when asked for. */
static void common_headers(serve_server *srv, struct MHD_Response *resp, const char *type)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (srv->cfg.cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", srv->cfg.cors);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    }
    if (atomic_load(&srv->draining)) MHD_add_response_header(resp, "Connection", "close");
}

/* Queue r's answer (JSON, or the asset in r->q's place) on its connection. */
static enum MHD_Result respond(serve_server *srv, serve_req *r, const serve_asset *asset)
{
    struct MHD_Response *resp;
    if (asset) {
        resp = MHD_create_response_from_buffer(asset->len, (void *)asset->data,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp) return MHD_NO;
        common_headers(srv, resp, asset->type);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'");
        r->status = MHD_HTTP_OK;
        r->resp_bytes = asset->len;
    } else {
        if (!r->json) serve_error(r, r->status ? r->status : 500, "no answer", -1, NULL);
        if (!r->json) return MHD_NO; /* out of memory: close the connection */
        size_t len = r->json_len;
        resp = MHD_create_response_from_buffer(len, r->json, MHD_RESPMEM_MUST_FREE);
        if (!resp) return MHD_NO;
        r->json = NULL; /* the response owns it */
        common_headers(srv, resp, "application/json; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
        if (r->extra_header) MHD_add_response_header(resp, r->extra_header, r->extra_value);
        r->resp_bytes = len;
    }
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* The page's assets by exact path ("/" is the page; "/?q=" too, the query
 * string is not part of url).  Nothing is read from the file system. */
static const serve_asset *find_asset(const char *url)
{
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) url = "/page.html";
    for (size_t i = 0; i < serve_nassets; i++)
        if (strcmp(serve_assets[i].path, url) == 0) return &serve_assets[i];
    return NULL;
}

/* Which route a path is, and whether the method fits it; sets r->route,
 * or an error answer (404, 405 with Allow). */
static const serve_asset *classify(serve_server *srv, serve_req *r, const char *url,
                                   const char *method)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
    const char *allow = "GET, HEAD";
    const serve_asset *asset = NULL;
    if (strcmp(url, "/search") == 0) {
        r->route = R_SEARCH;
    } else if (strcmp(url, "/stats") == 0) {
        r->route = R_STATS;
    } else if (strcmp(url, "/healthz") == 0) {
        r->route = R_HEALTH;
    } else if (strcmp(url, "/documents") == 0) {
        r->route = R_WRITE, allow = "POST";
        if (post) return NULL;
        get = 0; /* only POST here */
    } else if (strncmp(url, "/documents/", 11) == 0 && url[11]) {
        r->route = R_DOCUMENT, allow = "GET, HEAD, DELETE";
        if (del) {
            r->route = R_WRITE;
            return NULL;
        }
    } else if ((asset = find_asset(url)) != NULL) {
        r->route = R_STATIC;
    } else {
        serve_error(r, MHD_HTTP_NOT_FOUND, "no such resource", -1, NULL);
        return NULL;
    }
    if (strcmp(method, "OPTIONS") == 0 && srv->cfg.cors) {
        /* a CORS preflight */
        json_t *o = json_object();
        json_object_set_new(o, "allow", json_string(allow));
        serve_answer(r, MHD_HTTP_OK, o);
        r->extra_header = "Access-Control-Allow-Methods", r->extra_value = allow;
        return NULL;
    }
    if (!get) {
        char msg[128];
        snprintf(msg, sizeof msg, "method %.20s is not allowed here (allowed: %s)", method, allow);
        serve_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, msg, -1, NULL);
        r->extra_header = MHD_HTTP_HEADER_ALLOW, r->extra_value = allow;
        r->route = R_NONE;
    }
    return asset;
}

/* Hand r to the pool (suspending its connection), or answer 503 when the
 * queue is full. */
static enum MHD_Result enqueue(serve_server *srv, serve_req *r)
{
    serve_pool *p = &srv->pool;
    pthread_mutex_lock(&p->mu);
    if (p->len >= srv->cfg.max_queue || p->stop) {
        pthread_mutex_unlock(&p->mu);
        atomic_fetch_add(&srv->refused, 1);
        serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                    p->stop ? "shutting down" : "overloaded: too many searches waiting", -1, NULL);
        r->extra_header = "Retry-After", r->extra_value = "1";
        return respond(srv, r, NULL);
    }
    MHD_suspend_connection(r->conn);
    r->queued = 1;
    r->next = NULL;
    if (p->tail)
        p->tail->next = r;
    else
        p->head = r;
    p->tail = r;
    p->len++;
    if (p->nidle) { /* the worker that went idle last: its caches are warm */
        unsigned w = p->idle[--p->nidle];
        p->is_idle[w] = 0;
        pthread_cond_signal(&p->wcv[w]);
    }
    pthread_mutex_unlock(&p->mu);
    return MHD_YES;
}

/* Append a chunk of a request body, up to --max-body-bytes. */
static void add_body(serve_server *srv, serve_req *r, const char *data, size_t n)
{
    if (r->body_too_big) return;
    if (r->body_len + n > srv->cfg.max_body_bytes) {
        r->body_too_big = 1;
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1) cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b) {
            r->body_too_big = 1;
            return;
        }
        r->body = b, r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
}

static void run_inline(serve_server *srv, serve_req *r); /* below */

/* The access handler: called when the headers are in, for each chunk of a
 * body, once more at its end, and again after a worker resumed the
 * connection. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    serve_server *srv = cls;
    serve_req *r = *con_cls;
    if (!r) return MHD_NO; /* out of memory in on_uri */
    if (r->queued) {       /* resumed by its worker */
        if (!atomic_load(&r->done)) return MHD_YES;
        return respond(srv, r, NULL);
    }
    if (!r->started) {
        r->started = 1;
        r->conn = conn;
        r->method = strdup(method);
        r->version = strdup(version);
        if ((long)atomic_load(&srv->connections) > (long)srv->cfg.max_connections) {
            atomic_fetch_add(&srv->refused, 1);
            serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded: too many connections", -1,
                        NULL);
            r->extra_header = "Connection", r->extra_value = "close";
            return respond(srv, r, NULL);
        }
        /* libmicrohttpd decodes %00 into a NUL that would cut the path or
         * an argument short ("/page.html%00.js"): refused whole */
        const char *nul = r->uri ? strstr(r->uri, "%00") : NULL;
        if (nul) {
            serve_error(r, MHD_HTTP_BAD_REQUEST, "the request target holds an encoded NUL (%00)",
                        (long)(nul - r->uri), NULL);
            return MHD_YES;
        }
        r->asset = classify(srv, r, url, method);
        if (r->status) return MHD_YES;
        if (r->route == R_WRITE) {
            const char *cl =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoull(cl, NULL, 10) > srv->cfg.max_body_bytes) {
                char msg[96];
                snprintf(msg, sizeof msg, "request body over %zu bytes", srv->cfg.max_body_bytes);
                serve_error(r, MHD_HTTP_CONTENT_TOO_LARGE, msg, -1, NULL);
                r->extra_header = "Connection", r->extra_value = "close";
                return respond(srv, r, NULL);
            }
        }
        /* answered on the next call, once the request is read whole:
         * an answer queued before that closes the connection */
        return MHD_YES;
    }
    if (*upload_data_size && (r->status || r->route != R_WRITE)) {
        *upload_data_size = 0; /* a body where none is wanted: ignored */
        return MHD_YES;
    }
    if (r->status) return respond(srv, r, NULL); /* an error found above */
    if (r->route == R_WRITE) {
        if (*upload_data_size) {
            add_body(srv, r, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (r->body_too_big) {
            char msg[96];
            snprintf(msg, sizeof msg, "request body over %zu bytes", srv->cfg.max_body_bytes);
            serve_error(r, MHD_HTTP_CONTENT_TOO_LARGE, msg, -1, NULL);
        } else if (writes_handle(srv, r, method, url)) {
            return MHD_YES; /* the writer answers it after its commit */
        }
        return respond(srv, r, NULL);
    }
    switch (r->route) {
    case R_STATIC:
        return respond(srv, r, r->asset);
    case R_STATS:
        route_stats(srv, r);
        return respond(srv, r, NULL);
    case R_HEALTH:
        route_health(srv, r);
        return respond(srv, r, NULL);
    default:
        if (route_prepare(srv, r, url) != 0) return respond(srv, r, NULL);
        if (srv->cfg.dispatch_inline) {
            run_inline(srv, r);
            return respond(srv, r, NULL);
        }
        return enqueue(srv, r);
    }
}

/* ---- running a search or a look-up (a worker, or inline) */

/* When a newer generation was published, move *s to a searcher on it
 * (keeping the one we have when that fails). */
void serve_refresh_searcher(serve_server *srv, serve_snap **snap, spasm_searcher **s)
{
    if (atomic_load(&srv->epoch) == (*snap)->epoch) return;
    serve_snap *ns = snap_acquire(srv);
    spasm_searcher *s2 = NULL;
    if (spasm_searcher_new(ns->ix, &s2) == SPASM_OK) {
        spasm_searcher_free(*s);
        snap_release(srv, *snap);
        *s = s2, *snap = ns;
    } else {
        snap_release(srv, ns); /* keep answering from the one we have */
    }
}

/* Run r (a search or a document look-up) with searcher s on snap, or
 * answer it 503 when stopping or past its time budget. */
void serve_run_request(serve_server *srv, spasm_searcher *s, serve_snap *snap, serve_req *r,
                       int stopping)
{
    r->generation = snap->stats.generation;

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double waited = serve_ms(&r->t_start, &now);
    if (stopping) {
        serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down", -1, NULL);
    } else if (r->route == R_DOCUMENT && srv->cfg.time_budget_ms &&
               waited > srv->cfg.time_budget_ms) {
        /* (a search checks its own deadline, below, waiting included) */
        char msg[128];
        snprintf(msg, sizeof msg, "overloaded: waited %.0f ms for a worker (time budget %u ms)",
                 waited, srv->cfg.time_budget_ms);
        atomic_fetch_add(&srv->refused, 1);
        serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, msg, -1, NULL);
        r->extra_header = "Retry-After", r->extra_value = "1";
    } else {
        /* the time budget counts from the request's first byte; the
         * library stops a search that runs past it (SPASM_ECANCELED),
         * and every search at once when a drain timed out */
        uint64_t deadline = 0;
        if (srv->cfg.time_budget_ms)
            deadline = (uint64_t)r->t_start.tv_sec * 1000000000u + (uint64_t)r->t_start.tv_nsec +
                       (uint64_t)srv->cfg.time_budget_ms * 1000000u;
        spasm_searcher_set_cancel(s, &srv->cancel_searches, deadline);
        r->budget_ms = srv->cfg.time_budget_ms;
        route_run(srv, s, r);
        if (r->status == MHD_HTTP_SERVICE_UNAVAILABLE) { /* stopped */
            atomic_fetch_add(&srv->refused, 1);
            if (srv->cancel_searches)
                serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down", -1, NULL);
        }
    }
}

/* --dispatch inline: each of libmicrohttpd's threads has its own
 * searcher (thread-specific data, made on the thread's first search) and
 * runs the search itself, with no hand-over to a worker and back. */
typedef struct inline_state {
    serve_server *srv;
    serve_snap *snap;
    spasm_searcher *s;
} inline_state;

/* The key's destructor: at the exit of a libmicrohttpd thread. */
static void inline_state_free(void *p)
{
    inline_state *st = p;
    spasm_searcher_free(st->s);
    snap_release(st->srv, st->snap);
    free(st);
}

/* Run r in this thread with its searcher. */
static void run_inline(serve_server *srv, serve_req *r)
{
    /* the test hook: hold every request while the file exists */
    while (srv->hold_path && access(srv->hold_path, F_OK) == 0 && !srv->cancel_searches)
        usleep(2000);
    inline_state *st = pthread_getspecific(srv->inline_key);
    if (!st) {
        st = calloc(1, sizeof *st);
        if (st) {
            st->srv = srv;
            st->snap = snap_acquire(srv);
            if (spasm_searcher_new(st->snap->ix, &st->s) != SPASM_OK ||
                pthread_setspecific(srv->inline_key, st) != 0) {
                spasm_searcher_free(st->s);
                snap_release(srv, st->snap);
                free(st);
                st = NULL;
            }
        }
        if (!st) {
            serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot make a searcher", -1, NULL);
            return;
        }
    }
    serve_refresh_searcher(srv, &st->snap, &st->s);
    serve_run_request(srv, st->s, st->snap, r, srv->cancel_searches != 0);
}

int serve_start(serve_server *srv, int fd, int ipv6)
{
    if (pool_start(srv) != 0) {
        pool_stop(srv);
        return -1;
    }
    /* poll(), not epoll (MHD_USE_AUTO's choice): with libmicrohttpd
     * 0.9.75's edge-triggered epoll, a client that sends part of a request
     * and closes at once (data and FIN together) was never seen to close,
     * and each such connection stayed open until --idle-timeout: 256 of
     * them in 30 s used up --max-connections (bench/serve_soak.py found
     * it).  With poll() they close at once; wrk at 1, 8 and 64
     * connections saw no difference (bench/README.md, "spasm-serve"). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    /* inline: our acceptor hands libmicrohttpd the connections (accept.c) */
    if (srv->cfg.dispatch_inline) flags |= MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    /* inline: --threads polling threads, each searching itself (one
     * polling thread and the pool otherwise) */
    unsigned mhd_threads = srv->cfg.dispatch_inline ? srv->cfg.threads : 1;
    if (srv->cfg.dispatch_inline && pthread_key_create(&srv->inline_key, inline_state_free) != 0) {
        fprintf(stderr, "spasm-serve: cannot make thread-specific data\n");
        pool_stop(srv);
        return -1;
    }
    /* libmicrohttpd's own limit is above ours, so that the connections
     * between the two get a 503 instead of waiting in the backlog */
    unsigned hard = srv->cfg.max_connections + 16 + srv->cfg.max_connections / 4;
    srv->conn_limit = hard;
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        /* (inline: no listening socket; the idle timeout in its place) */
        srv->cfg.dispatch_inline ? MHD_OPTION_CONNECTION_TIMEOUT : MHD_OPTION_LISTEN_SOCKET,
        srv->cfg.dispatch_inline ? (int)srv->cfg.idle_timeout_s : fd, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, srv, MHD_OPTION_CONNECTION_LIMIT, hard, MHD_OPTION_CONNECTION_TIMEOUT,
        srv->cfg.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->cfg.max_request_bytes,
        /* a pool of one thread is no pool: then the list ends here */
        mhd_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, mhd_threads,
        MHD_OPTION_END);
    if (srv->d && srv->cfg.dispatch_inline && accept_start(srv, fd) != 0) {
        fprintf(stderr, "spasm-serve: cannot start the acceptor thread\n");
        MHD_stop_daemon(srv->d);
        srv->d = NULL;
    }
    if (!srv->d) {
        fprintf(stderr, "spasm-serve: cannot start the HTTP daemon\n");
        if (srv->cfg.dispatch_inline) pthread_key_delete(srv->inline_key);
        pool_stop(srv);
        return -1;
    }
    return 0;
}

/* Wait (10 ms steps) until no request is in flight or `ms` have passed. */
static void wait_idle(serve_server *srv, unsigned ms)
{
    for (unsigned waited = 0; atomic_load(&srv->active) > 0 && waited < ms; waited += 10)
        usleep(10000);
}

void serve_stop(serve_server *srv)
{
    atomic_store(&srv->draining, 1);
    if (srv->cfg.dispatch_inline) { /* no new connections */
        accept_stop(srv);
    } else {
        MHD_socket lfd = MHD_quiesce_daemon(srv->d);
        if (lfd != MHD_INVALID_SOCKET) close(lfd);
    }
    wait_idle(srv, srv->cfg.drain_timeout_s * 1000);
    srv->cancel_searches = 1; /* what still runs stops (503) */
    pool_stop(srv);           /* what is still queued gets 503 */
    writes_stop(srv);         /* queued writes are committed and answered */
    wait_idle(srv, 1000);     /* ... and is sent */
    MHD_stop_daemon(srv->d);  /* inline: its threads' searchers are freed as they exit */
    srv->d = NULL;
    free(srv->pool.wserved); /* (read by GET /stats until the daemon stopped) */
    srv->pool.wserved = NULL;
    srv->pool.nstat = 0;
    if (srv->cfg.dispatch_inline) pthread_key_delete(srv->inline_key);
}
