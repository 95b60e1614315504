/*
 * serve.h -- what spasm-serve's files share (a program's header, not the
 * library's): the configuration, the server's state, one request, and the
 * calls between main_serve.c (options, socket, signals), http.c
 * (libmicrohttpd, responses, the log), pool.c (the worker pool), accept.c
 * (the acceptor of --dispatch inline), routes.c (the
 * endpoints' JSON), writes.c (the write endpoints and the writer thread),
 * snapshot.c (the published index generation) and the embedded page.
 */
#ifndef SPASM_SERVE_H
#define SPASM_SERVE_H

#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
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
    unsigned time_budget_ms;  /* a search (or a look-up still waiting for a
                                 worker) this long after its first byte is
                                 stopped: 503 */
    unsigned max_connections; /* open connections answered; beyond, 503 */
    unsigned max_queue;       /* searches waiting for a worker; beyond, 503 */
    unsigned idle_timeout_s;  /* an idle connection is closed after this */
    unsigned drain_timeout_s; /* SIGTERM: longest wait for in-flight requests */
    const char *cors;         /* Access-Control-Allow-Origin value, or NULL */
    int log;                  /* one common-log-format line per request */
    int writable;             /* POST / DELETE allowed */
    const char *token_file;   /* bearer token for writes, or NULL */
    const char *synonyms;     /* --synonyms FILE: query-time synonyms, or NULL */
    int dispatch_inline;      /* --dispatch inline: libmicrohttpd's threads search */
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
    int typos;           /* typos=1|0: SPASM_TYPOS_ON / _OFF (absent: the library's) */
    double title_weight; /* title_weight=W (0: the default) */
    double proximity;    /* proximity=W (0: off) */
    int families;        /* families=1 */
    int no_synonyms;     /* synonyms=0: neither --synonyms' nor the index's */
    int queued;          /* handed to the pool or the writer, which sets done */
    atomic_int done;
    struct serve_req *next; /* pool queue link */
    /* a body (POST) */
    char *body;
    size_t body_len, body_cap;
    int body_too_big;
    /* a write: the parsed documents of a POST (a JSON array), or NULL for
     * a DELETE of the id in q; what the writer did with it */
    struct json_t *docs;
    uint64_t generation; /* of the snapshot a search ran on / a write committed */
    uint64_t w_docs, w_deleted, w_unknown;
    unsigned budget_ms; /* the time budget, for a 503's message */
    /* the answer, from a worker or the poll thread */
    int status;
    char *json; /* malloc'd, owned until queued as the response */
    size_t json_len;
    const char *extra_header, *extra_value; /* e.g. Allow, Retry-After */
    uint64_t resp_bytes;                    /* for the log */
} serve_req;

/* The worker pool: a queue of suspended requests and N threads.  An idle
 * worker waits on its own condition variable; a request wakes the worker
 * that went idle last (a stack), so at low load one worker, its searcher's
 * caches warm, takes every request instead of the workers in turn. */
typedef struct serve_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* start-up: every worker made its searcher */
    serve_req *head, *tail;
    size_t len;
    int stop;
    pthread_t *th;
    pthread_cond_t *wcv;    /* [i]: worker i's wake-up */
    unsigned *idle;         /* the idle workers, the last to go idle on top */
    unsigned char *is_idle; /* [i]: worker i is on the stack */
    atomic_ullong *wserved; /* [i]: requests worker i ran (GET /stats) */
    unsigned nstat;         /* workers started: wserved's length */
    unsigned nidle;
    unsigned n, started, failed;
    struct serve_server *srv;
} serve_pool;

/* One published generation of the index: workers take a reference, make
 * a searcher on ix and drop both when a newer one is published. */
typedef struct serve_snap {
    spasm_index *ix;
    spasm_index_stats stats;
    uint64_t epoch; /* publication number (1, 2, ...) */
    long refs;      /* under serve_server.snap_mu; +1 while published */
} serve_snap;

/* The writer thread: the one spasm_updater, a queue of write requests
 * (suspended connections), taken whole as one batch per commit. */
typedef struct serve_writer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    serve_req *head, *tail;
    size_t len;
    int stop, running;
    pthread_t th;
    spasm_updater *u; /* NULL after a failed commit until reopened */
} serve_writer;

typedef struct serve_server {
    serve_cfg cfg;
    pthread_mutex_t snap_mu;
    serve_snap *snap;    /* the published generation */
    atomic_ullong epoch; /* snap->epoch, read without the lock */
    serve_writer writer;
    atomic_ullong commits, writes_failed;
    volatile sig_atomic_t cancel_searches; /* set when a drain timed out */
    struct MHD_Daemon *d;
    serve_pool pool;
    char *token;           /* from --token-file, or NULL */
    spasm_synonyms *syn;   /* --synonyms' table (shared by the workers), or NULL */
    const char *hold_path; /* SPASM_SERVE_TEST_HOLD: workers wait while it exists */
    struct timespec t0;
    atomic_int draining;
    atomic_long active;      /* requests begun and not completed */
    atomic_long connections; /* open connections */
    atomic_ullong served, refused, errors;
    pthread_mutex_t log_mu;
    pthread_key_t inline_key; /* --dispatch inline: each thread's searcher (http.c) */
    /* --dispatch inline: the acceptor thread (accept.c) */
    int lfd;
    unsigned conn_limit; /* libmicrohttpd's connection limit */
    pthread_t acc_th;
    atomic_int acc_stop;
    int acc_running;
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

/* Move *s to a searcher on the published generation when a newer one
 * was published (keeping the one it has when that fails). */
void serve_refresh_searcher(serve_server *srv, serve_snap **snap, spasm_searcher **s);
/* Run r (a search or a look-up) with searcher s on snap, or answer it 503
 * when stopping or past its time budget. */
void serve_run_request(serve_server *srv, spasm_searcher *s, serve_snap *snap, serve_req *r,
                       int stopping);

/* ---- pool.c (--dispatch pool) */

/* Start the pool's threads (none inline); 0 or -1. */
int pool_start(serve_server *srv);
/* Stop the pool: workers finish their request, answer the queue 503, exit. */
void pool_stop(serve_server *srv);

/* ---- accept.c (--dispatch inline) */

/* Start the thread that accepts on listening socket fd (taken over) and
 * hands each connection to srv->d; 0 or -1. */
int accept_start(serve_server *srv, int fd);
/* Stop it and close the socket: new connections are refused. */
void accept_stop(serve_server *srv);

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

/* POST /documents and DELETE /documents/ID once the body is read: 1 when
 * r went to the writer (its connection suspended), 0 when r holds its
 * answer (an error). */
int writes_handle(serve_server *srv, serve_req *r, const char *method, const char *url);
/* Read the token file into srv->token; 0 or -1 after a message. */
int writes_load_token(serve_server *srv);
/* --writable: open the updater on cfg.index_path (upgrading a format-1
 * file, creating an empty live folder when absent); 0 or -1 after one
 * line on stderr. */
int writes_open(serve_server *srv);
/* Start the writer thread; 0 or -1. */
int writes_start(serve_server *srv);
/* Commit what is queued, answer it, stop the thread, close the updater. */
void writes_stop(serve_server *srv);
/* Write requests queued for the writer. */
size_t writes_queued(serve_server *srv);

/* ---- jsonw.c: a JSON writer (GET /search's answers) */

typedef struct serve_jw {
    char *p; /* malloc'd, NUL-terminated; the caller takes or frees it */
    size_t n, cap;
    int err; /* out of memory: what follows is dropped */
} serve_jw;

void jw_raw(serve_jw *w, const char *s, size_t n); /* as it is */
void jw_lit(serve_jw *w, const char *s);           /* as it is, NUL-terminated */
void jw_str(serve_jw *w, const char *s, size_t n); /* a JSON string */
void jw_cstr(serve_jw *w, const char *s);
void jw_u64(serve_jw *w, unsigned long long v);
void jw_real(serve_jw *w, double v);
void jw_free(serve_jw *w);

/* ---- snapshot.c */

/* Open cfg.index_path and publish it; 0 or -1 after a message. */
int snap_open(serve_server *srv);
/* The published snapshot, with a reference (never NULL once open). */
serve_snap *snap_acquire(serve_server *srv);
/* Drop a reference; the last one closes the index. */
void snap_release(serve_server *srv, serve_snap *s);
/* Look for a newer commit and publish it: 1 published, 0 nothing new, -1
 * with the library's message in err. */
int snap_refresh(serve_server *srv, char *err, size_t n);
/* Drop the published snapshot (at exit, after every worker). */
void snap_close(serve_server *srv);

/* ---- page.c (generated from server/page.*) */

typedef struct serve_asset {
    const char *path, *type;
    const unsigned char *data;
    size_t len;
} serve_asset;
extern const serve_asset serve_assets[];
extern const size_t serve_nassets;

#endif
