/*
 * serve.h -- what spasm-serve's files share (a program's header, not the
 * library's): the configuration, the server's state, one request, and the
 * calls between main_serve.c (options, socket, signals), http.c
 * (libmicrohttpd, the worker pool, responses, the log), routes.c (the
 * endpoints' JSON), writes.c (the write endpoints) and the embedded page.
 */
#ifndef SPASM_SERVE_H
#define SPASM_SERVE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "spasm.h"

/* Everything the command line sets (defaults in main_serve.c). */
typedef struct serve_cfg {
    const char *index_path;
    const char *listen;       /* HOST:PORT, [V6]:PORT */
    unsigned threads;         /* search workers, each with its own searcher */
    size_t max_request_bytes; /* request line + headers (MHD's memory limit) */
    size_t max_body_bytes;    /* POST body */
    size_t max_query_bytes;   /* q */
    size_t max_k;             /* k */
    size_t max_offset;        /* offset */
    unsigned time_budget_ms;  /* a search still waiting for a worker after
                                 this long is refused (503) */
    unsigned max_connections; /* open connections answered; beyond, 503 */
    unsigned max_queue;       /* searches waiting for a worker; beyond, 503 */
    unsigned idle_timeout_s;  /* an idle connection is closed after this */
    unsigned drain_timeout_s; /* SIGTERM: longest wait for in-flight requests */
    const char *cors;         /* Access-Control-Allow-Origin value, or NULL */
    int log;                  /* one common-log-format line per request */
    int writable;             /* POST / DELETE allowed */
    const char *token_file;   /* bearer token for writes, or NULL */
} serve_cfg;

/* Routes a request is sent to. */
enum { R_NONE, R_SEARCH, R_DOCUMENT, R_STATS, R_HEALTH, R_STATIC, R_WRITE };

/* One HTTP request, from its URI (the log callback) to its completion. */
typedef struct serve_req {
    char *uri;    /* raw request target, for the log */
    char *method; /* copies, for the log */
    char *version;
    struct MHD_Connection *conn;
    struct timespec t_start; /* first byte seen (the URI callback) */
    int route;
    const struct serve_asset *asset; /* R_STATIC */
    int started;                     /* the access handler has seen it */
    /* a search or a document look-up, parsed in the poll thread and run by
     * a worker (the connection is suspended meanwhile) */
    char *q; /* the query, or the document id */
    size_t k, offset;
    int group, collapse, explain, count;
    int queued; /* handed to the pool; the worker sets done */
    atomic_int done;
    struct serve_req *next; /* pool queue link */
    /* a body (POST) */
    char *body;
    size_t body_len, body_cap;
    int body_too_big;
    /* the answer, from a worker or the poll thread */
    int status;
    char *json; /* malloc'd, owned until queued as the response */
    size_t json_len;
    const char *extra_header, *extra_value; /* e.g. Allow, Retry-After */
    uint64_t resp_bytes;                    /* for the log */
} serve_req;

/* The worker pool: a queue of suspended requests and N threads. */
typedef struct serve_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    serve_req *head, *tail;
    size_t len;
    int stop;
    pthread_t *th;
    unsigned n, started, failed;
    struct serve_server *srv;
} serve_pool;

typedef struct serve_server {
    serve_cfg cfg;
    spasm_index *ix;
    spasm_index_stats stats;
    struct MHD_Daemon *d;
    serve_pool pool;
    char *token;           /* from --token-file, or NULL */
    const char *hold_path; /* SPASM_SERVE_TEST_HOLD: workers wait while it exists */
    struct timespec t0;
    atomic_int draining;
    atomic_long active;      /* requests begun and not completed */
    atomic_long connections; /* open connections */
    atomic_ullong served, refused, errors;
    pthread_mutex_t log_mu;
} serve_server;

/* ---- http.c */

/* Start libmicrohttpd on the bound socket fd and the worker pool; 0 or -1
 * after a message on stderr. */
int serve_start(serve_server *srv, int fd, int ipv6);
/* Stop accepting, wait (at most the drain timeout) for in-flight
 * requests, stop the daemon and the pool. */
void serve_stop(serve_server *srv);

/* Set r's answer: status and a JSON body (json_t consumed). */
struct json_t;
void serve_answer(serve_req *r, int status, struct json_t *body);
/* Set r's answer to an error {"error": msg, "status": N} (+ "position"
 * when pos >= 0, + "param" when param). */
void serve_error(serve_req *r, int status, const char *msg, long pos, const char *param);

/* Milliseconds between two monotonic times. */
double serve_ms(const struct timespec *a, const struct timespec *b);

/* ---- routes.c */

/* Parse and check the arguments of a search or document request in the
 * poll thread: 0 when it should go to a worker, -1 when r holds an error. */
int route_prepare(serve_server *srv, serve_req *r, const char *url);
/* Run r in a worker with its searcher; sets r's answer. */
void route_run(serve_server *srv, spasm_searcher *s, serve_req *r);
/* GET /stats, GET /healthz (poll thread). */
void route_stats(serve_server *srv, serve_req *r);
void route_health(serve_server *srv, serve_req *r);

/* ---- writes.c */

/* POST /documents and DELETE /documents/ID once the body is read. */
void writes_handle(serve_server *srv, serve_req *r, const char *method, const char *url);
/* Read the token file into srv->token; 0 or -1 after a message. */
int writes_load_token(serve_server *srv);

/* ---- page.c (generated from server/page.*) */

typedef struct serve_asset {
    const char *path, *type;
    const unsigned char *data;
    size_t len;
} serve_asset;
extern const serve_asset serve_assets[];
extern const size_t serve_nassets;

#endif
