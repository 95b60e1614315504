/*
 * spasm-serve -- an HTTP JSON search service over one spasm index, with a
 * search page (server/page.*, built into the binary).  Options, the
 * listening socket, signals; the HTTP side is http.c, the endpoints
 * routes.c and writes.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../searcher/main_default.h"
#include "serve.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: spasm-serve [OPTIONS]\n"
               "Serve a spasm index over HTTP: a JSON API and a search page.\n"
               "\n"
               "  -i, --index FILE          index to serve (default: $SPASM_INDEX, else the\n"
               "                            bundled corpus index)\n"
               "  -l, --listen HOST:PORT    address (default 127.0.0.1:8080; [::1]:8080 for\n"
               "                            IPv6; port 0 picks a free one)\n"
               "  -t, --threads N           search workers, each with its own searcher\n"
               "                            (default: one per CPU)\n"
               "      --max-request-bytes N request line and headers (default 16384)\n"
               "      --max-body-bytes N    POST body (default 8388608)\n"
               "      --max-query-bytes N   q and document ids (default 4096)\n"
               "      --max-k N             largest k (default 1000)\n"
               "      --max-offset N        largest offset (default 100000)\n"
               "      --time-budget MS      refuse (503) a search that waited this long for a\n"
               "                            worker (default 2000; 0: never)\n"
               "      --max-connections N   open connections served; more get 503 (default 256)\n"
               "      --max-queue N         --dispatch pool: searches waiting for a worker;\n"
               "                            more get 503 (default 64)\n"
               "      --idle-timeout S      close a connection idle this long (default 30)\n"
               "      --drain-timeout S     on SIGTERM/SIGINT, wait this long for requests in\n"
               "                            flight (default 10)\n"
               "      --cors ORIGIN         allow cross-origin requests from ORIGIN (or *)\n"
               "      --no-log              no access log (default: one line per request on\n"
               "                            stdout, common log format)\n"
               "      --writable            accept POST /documents (JSON Lines, upsert by id)\n"
               "                            and DELETE /documents/ID; a format-1 file becomes\n"
               "                            a live index folder, a missing one an empty folder\n"
               "      --token-file FILE     writes need \"Authorization: Bearer\" + its content\n"
               "      --synonyms FILE       query-time synonyms (Solr format), used instead of\n"
               "                            the index's stored ones; synonyms=0 turns off both\n"
               "      --dispatch inline|pool  inline (default): --threads threads each read\n"
               "                            requests and search (no hand-over); pool: one\n"
               "                            thread reads the requests, the workers search\n"
               "                            (--max-queue applies to pool only)\n"
               "  -h, --help, -V, --version\n"
               "\n"
               "Endpoints: GET /search?q=&k=&offset=&group=doc&collapse=1&explain=1&synonyms=0,\n"
               "GET /documents/ID, GET /stats, GET /healthz, GET / (the page);\n"
               "with --writable POST /documents, DELETE /documents/ID.\n"
               "Exit status: 0 after SIGTERM or SIGINT, 2 on an error at start.\n");
}

/* Parse a number from lo to hi for option `name`; exits 2 otherwise. */
static unsigned long long num(const char *name, const char *v, unsigned long long lo,
                              unsigned long long hi)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi || *v == '-') {
        fprintf(stderr, "spasm-serve: --%s: '%s' is not a number from %llu to %llu\n", name, v, lo,
                hi);
        exit(2);
    }
    return x;
}

/* Bind and listen on HOST:PORT; the socket, or -1 after a message.
 * *v6 says whether it is IPv6; *port_out gets the port bound. */
static int bind_listen(const char *spec, int *v6, unsigned *port_out)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) goto bad;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = 0;
        port = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host) goto bad;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        port = colon + 1;
    }
    if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535) goto bad;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int e = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
    if (e) {
        fprintf(stderr, "spasm-serve: --listen %s: %s\n", spec, gai_strerror(e));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        fprintf(stderr, "spasm-serve: --listen %s: %s\n", spec, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
bad:
    fprintf(stderr, "spasm-serve: --listen %s: expected HOST:PORT or [IPV6]:PORT\n", spec);
    return -1;
}

/* A truncated index file read through the map: one line, exit 2. */
static void on_sigbus(int sig)
{
    static const char msg[] = "spasm-serve: the index file was truncated under the server\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(2);
}

int main(int argc, char **argv)
{
    static serve_server srv; /* the one server of this process */
    serve_cfg *c = &srv.cfg;
    char defbuf[PATH_MAX + 32];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (serve_cfg){.listen = "127.0.0.1:8080",
                     .threads = ncpu > 0 ? (unsigned)(ncpu > 64 ? 64 : ncpu) : 2,
                     .max_request_bytes = 16384,
                     .max_body_bytes = 8 << 20,
                     .max_query_bytes = 4096,
                     .max_k = 1000,
                     .max_offset = 100000,
                     .time_budget_ms = 2000,
                     .max_connections = 256,
                     .max_queue = 64,
                     .idle_timeout_s = 30,
                     .drain_timeout_s = 10,
                     .log = 1,
                     /* the thread that reads a request runs it: no hand-over
                      * to a worker and back (bench/README.md, spasm-serve) */
                     .dispatch_inline = 1};
    enum {
        O_REQ = 256,
        O_BODY,
        O_QUERY,
        O_MAXK,
        O_MAXOFF,
        O_BUDGET,
        O_CONN,
        O_QUEUE,
        O_IDLE,
        O_DRAIN,
        O_CORS,
        O_NOLOG,
        O_WRITABLE,
        O_TOKEN,
        O_SYN,
        O_DISPATCH
    };
    static const struct option opts[] = {{"index", required_argument, 0, 'i'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"threads", required_argument, 0, 't'},
                                         {"max-request-bytes", required_argument, 0, O_REQ},
                                         {"max-body-bytes", required_argument, 0, O_BODY},
                                         {"max-query-bytes", required_argument, 0, O_QUERY},
                                         {"max-k", required_argument, 0, O_MAXK},
                                         {"max-offset", required_argument, 0, O_MAXOFF},
                                         {"time-budget", required_argument, 0, O_BUDGET},
                                         {"max-connections", required_argument, 0, O_CONN},
                                         {"max-queue", required_argument, 0, O_QUEUE},
                                         {"idle-timeout", required_argument, 0, O_IDLE},
                                         {"drain-timeout", required_argument, 0, O_DRAIN},
                                         {"cors", required_argument, 0, O_CORS},
                                         {"no-log", no_argument, 0, O_NOLOG},
                                         {"writable", no_argument, 0, O_WRITABLE},
                                         {"token-file", required_argument, 0, O_TOKEN},
                                         {"synonyms", required_argument, 0, O_SYN},
                                         {"dispatch", required_argument, 0, O_DISPATCH},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "i:l:t:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            c->index_path = optarg;
            break;
        case 'l':
            c->listen = optarg;
            break;
        case 't':
            c->threads = (unsigned)num("threads", optarg, 1, 256);
            break;
        case O_REQ:
            c->max_request_bytes = num("max-request-bytes", optarg, 1024, 1 << 24);
            break;
        case O_BODY:
            c->max_body_bytes = num("max-body-bytes", optarg, 1, 1ULL << 32);
            break;
        case O_QUERY:
            c->max_query_bytes = num("max-query-bytes", optarg, 1, 1 << 20);
            break;
        case O_MAXK:
            c->max_k = num("max-k", optarg, 1, SPASM_MAX_K - 1);
            break;
        case O_MAXOFF:
            c->max_offset = num("max-offset", optarg, 0, SPASM_MAX_K);
            break;
        case O_BUDGET:
            c->time_budget_ms = (unsigned)num("time-budget", optarg, 0, 3600000);
            break;
        case O_CONN:
            c->max_connections = (unsigned)num("max-connections", optarg, 1, 60000);
            break;
        case O_QUEUE:
            c->max_queue = (unsigned)num("max-queue", optarg, 0, 1000000);
            break;
        case O_IDLE:
            c->idle_timeout_s = (unsigned)num("idle-timeout", optarg, 1, 86400);
            break;
        case O_DRAIN:
            c->drain_timeout_s = (unsigned)num("drain-timeout", optarg, 0, 3600);
            break;
        case O_CORS:
            c->cors = optarg;
            break;
        case O_NOLOG:
            c->log = 0;
            break;
        case O_WRITABLE:
            c->writable = 1;
            break;
        case O_TOKEN:
            c->token_file = optarg;
            break;
        case O_SYN:
            c->synonyms = optarg;
            break;
        case O_DISPATCH:
            if (strcmp(optarg, "pool") && strcmp(optarg, "inline")) {
                fprintf(stderr, "spasm-serve: --dispatch: '%s' is not pool or inline\n", optarg);
                return 2;
            }
            c->dispatch_inline = !strcmp(optarg, "inline");
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("spasm-serve %s\n", spasm_version());
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "spasm-serve: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (c->cors && (!*c->cors || strpbrk(c->cors, "\r\n"))) {
        fprintf(stderr, "spasm-serve: --cors: give an origin (https://example.org) or *\n");
        return 2;
    }
    if (c->token_file && writes_load_token(&srv) != 0) return 2;
    if (c->synonyms) {
        int rc = spasm_synonyms_load(&srv.syn, c->synonyms);
        if (rc != SPASM_OK) {
            fprintf(stderr, "spasm-serve: --synonyms: %s\n",
                    srv.syn ? spasm_synonyms_errmsg(srv.syn) : "out of memory");
            spasm_synonyms_free(srv.syn);
            return 2;
        }
    }
    int index_named = c->index_path || (getenv("SPASM_INDEX") && *getenv("SPASM_INDEX"));
    if (!c->index_path) c->index_path = default_index(defbuf, sizeof defbuf);
    srv.hold_path = getenv("SPASM_SERVE_TEST_HOLD");

    if (c->writable && !index_named) {
        fprintf(stderr, "spasm-serve: --writable needs -i INDEX (or SPASM_INDEX): the bundled "
                        "corpus index is not changed\n");
        return 2;
    }
    /* the updater first: it takes the lock (a second writer stops here)
     * and turns a format-1 file into a live folder before it is opened */
    if (c->writable && writes_open(&srv) != 0) {
        spasm_updater_close(srv.writer.u);
        return 2;
    }
    if (snap_open(&srv) != 0) {
        writes_stop(&srv);
        spasm_updater_close(srv.writer.u);
        return 2;
    }
    /* (read now: once the writer runs, it may replace the snapshot) */
    unsigned long long passages0 = srv.snap->stats.passages;
    int v6 = 0;
    unsigned port = 0;
    int fd = bind_listen(c->listen, &v6, &port);
    if (fd < 0) {
        spasm_updater_close(srv.writer.u);
        snap_close(&srv);
        return 2;
    }

    /* Signals: every thread blocks SIGTERM and SIGINT; main waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigbus;
    sigaction(SIGBUS, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_mutex_init(&srv.log_mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &srv.t0);

    if (writes_start(&srv) != 0 || serve_start(&srv, fd, v6) != 0) {
        close(fd);
        writes_stop(&srv);
        spasm_updater_close(srv.writer.u);
        snap_close(&srv);
        return 2;
    }
    char shown[300];
    if (v6)
        snprintf(shown, sizeof shown, "[%.*s]", (int)(strrchr(c->listen, ']') - c->listen - 1),
                 c->listen + 1);
    else
        snprintf(shown, sizeof shown, "%.*s", (int)(strrchr(c->listen, ':') - c->listen),
                 c->listen);
    fprintf(stderr, "spasm-serve: listening on http://%s:%u/ (%u threads, %s: %llu passages%s)\n",
            shown, port, c->threads, c->index_path, passages0, c->writable ? ", writable" : "");

    /* Wait for SIGTERM or SIGINT.  Without --writable another process may
     * update the index (spasm-index --update, a rename over the file):
     * each second, a newer commit is opened and published. */
    int sig = 0;
    for (;;) {
        struct timespec tick = {1, 0};
        siginfo_t si;
        sig = sigtimedwait(&set, &si, &tick);
        if (sig > 0) break;
        if (c->writable) continue; /* the writer publishes its own commits */
        char err[512];
        if (snap_refresh(&srv, err, sizeof err) < 0) {
            static int said; /* once: it is tried again each second */
            if (!said++) fprintf(stderr, "spasm-serve: a newer commit cannot be opened: %s\n", err);
        }
    }
    fprintf(stderr, "spasm-serve: %s: draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    serve_stop(&srv);
    snap_close(&srv);
    free(srv.token);
    spasm_synonyms_free(srv.syn);
    fprintf(stderr, "spasm-serve: stopped\n");
    return 0;
}
