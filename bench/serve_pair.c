/*
 * serve_pair.c -- "HTTP adds", measured in pairs: for each query in turn,
 * the same work in-process and then through spasm-serve, one after the
 * other from one client thread, so both see the same load on the machine
 * (on a shared machine runs minutes apart differ by more than HTTP's
 * share; bench/serve_bench.sh calls this beside wrk).
 *
 *   serve_pair PORT INDEX QUERIES.tsv K SECONDS [EXTRA]
 *       In-process: spasm_search with k = K + 1, every field, then
 *       spasm_count (what spasm-serve's default GET /search asks the
 *       library for; EXTRA "&count=0": no count).  HTTP: GET
 *       /search?q=Q&k=K EXTRA on 127.0.0.1:PORT over one keep-alive
 *       connection, from the request's first byte out to the answer's
 *       last byte in; then GET /healthz (the loopback round trip with no
 *       work: the floor).  Cycles through the queries for SECONDS.
 *       Prints one JSON line: n, the p50 and p99 of each, the p50 and
 *       p10-p90 of the per-query difference HTTP minus in-process, and the
 *       in-process searches' mean CPU time (this thread's clock: time
 *       spent waiting for a core is not in it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spasm.h"

#include "bench_util.h"

/* Connect to 127.0.0.1:port (TCP_NODELAY, as a client library would). */
static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        bu_die("cannot connect to 127.0.0.1:%d: %s", port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Send GET target, read the whole answer (Content-Length); its status. */
static int http_get(int fd, const char *target, char **buf, size_t *cap)
{
    char req[16384];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
    if (n <= 0 || (size_t)n >= sizeof req) bu_die("request too long");
    for (int off = 0; off < n;) {
        ssize_t w = write(fd, req + off, (size_t)(n - off));
        if (w <= 0) bu_die("write: %s", strerror(errno));
        off += (int)w;
    }
    size_t have = 0, need = 0, head = 0;
    for (;;) {
        if (have + 65536 > *cap) {
            *cap = (have + 65536) * 2;
            if (!(*buf = realloc(*buf, *cap))) bu_die("out of memory");
        }
        ssize_t r = read(fd, *buf + have, *cap - have - 1);
        if (r <= 0) bu_die("read: %s", r ? strerror(errno) : "connection closed");
        have += (size_t)r;
        (*buf)[have] = 0;
        if (!head) {
            char *e = strstr(*buf, "\r\n\r\n");
            if (!e) continue;
            head = (size_t)(e - *buf) + 4;
            char *cl = strcasestr(*buf, "\r\nContent-Length:");
            if (!cl || cl > e) bu_die("answer without Content-Length");
            need = head + strtoull(cl + 17, NULL, 10);
        }
        if (have >= need) break;
    }
    if (have != need) bu_die("more bytes than one answer");
    return atoi(*buf + 9);
}

/* Percent-encode s for a query string into out (size n). */
static void url_encode(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c))
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
    }
    out[o] = 0;
}

/* This thread's CPU time in milliseconds. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v[0, n), sorted in place. */
static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_d);
    size_t i = (size_t)(p / 100 * (double)(n - 1) + 0.5);
    return n ? v[i] : 0;
}

int main(int argc, char **argv)
{
    bu_prog = "serve_pair";
    if (argc < 6) bu_die("usage: serve_pair PORT INDEX QUERIES.tsv K SECONDS [EXTRA]");
    int port = atoi(argv[1]);
    size_t k = bu_parse_k(argv[4]);
    double secs = bu_parse_double("SECONDS", argv[5]);
    const char *extra = argc > 6 ? argv[6] : "";
    int count = strstr(extra, "count=0") == NULL;
    bu_queries qs;
    bu_read_queries(argv[3], &qs);
    spasm_index *ix = NULL;
    int rc = spasm_open(&ix, argv[2], NULL);
    if (rc != SPASM_OK) bu_die("%s: %s", argv[2], ix ? spasm_index_errmsg(ix) : spasm_errstr(rc));
    spasm_searcher *s = NULL;
    if (spasm_searcher_new(ix, &s) != SPASM_OK) bu_die("cannot make a searcher");
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = k + 1; /* the server asks for one more, to know whether a next page exists */
    o.fields = SPASM_FIELDS_ALL;
    int fd = connect_local(port);
    char *buf = NULL;
    size_t cap = 0, n = 0, vcap = 0;
    double *ip = NULL, *ht = NULL, *hz = NULL, *df = NULL;
    double end = bu_now_ms() + secs * 1000, cpu_sum = 0;
    for (size_t i = 0; bu_now_ms() < end; i = (i + 1) % qs.n) {
        if (n == vcap) {
            vcap = vcap ? vcap * 2 : 4096;
            ip = realloc(ip, vcap * sizeof *ip), ht = realloc(ht, vcap * sizeof *ht);
            hz = realloc(hz, vcap * sizeof *hz), df = realloc(df, vcap * sizeof *df);
            if (!ip || !ht || !hz || !df) bu_die("out of memory");
        }
        const char *q = qs.q[i].text;
        double c0 = cpu_ms(), t0 = bu_now_ms();
        spasm_results *r = NULL;
        uint64_t total = 0;
        rc = spasm_search(s, q, &o, &r);
        if (rc == SPASM_OK && count) rc = spasm_count(s, q, &total);
        for (size_t j = 0; rc == SPASM_OK && j < spasm_results_count(r) && j < k; j++)
            (void)spasm_results_hit(r, j);
        spasm_results_free(r);
        double t1 = bu_now_ms();
        cpu_sum += cpu_ms() - c0;
        if (rc != SPASM_OK && rc != SPASM_EQUERY) bu_die("%s: %s", q, spasm_searcher_errmsg(s));
        char enc[8192], target[9000];
        url_encode(q, enc, sizeof enc);
        snprintf(target, sizeof target, "/search?q=%s&k=%zu%s", enc, k, extra);
        int st = http_get(fd, target, &buf, &cap);
        double t2 = bu_now_ms();
        if (st != 200 && !(st == 400 && rc == SPASM_EQUERY)) bu_die("%s: status %d", q, st);
        http_get(fd, "/healthz", &buf, &cap);
        double t3 = bu_now_ms();
        ip[n] = t1 - t0, ht[n] = t2 - t1, hz[n] = t3 - t2, df[n] = ht[n] - ip[n];
        n++;
    }
    if (!n) bu_die("no query ran");
    printf("{\"n\":%zu,\"inproc_p50_ms\":%.4f,\"inproc_p99_ms\":%.4f,\"http_p50_ms\":%.4f,"
           "\"http_p99_ms\":%.4f,\"healthz_p50_ms\":%.4f,\"adds_p50_ms\":%.4f,"
           "\"adds_p10_ms\":%.4f,\"adds_p90_ms\":%.4f,\"inproc_cpu_mean_ms\":%.4f}\n",
           n, pct(ip, n, 50), pct(ip, n, 99), pct(ht, n, 50), pct(ht, n, 99), pct(hz, n, 50),
           pct(df, n, 50), pct(df, n, 10), pct(df, n, 90), cpu_sum / (double)n);
    close(fd);
    free(buf), free(ip), free(ht), free(hz), free(df);
    spasm_searcher_free(s);
    spasm_close(ix);
    bu_free_queries(&qs);
    return 0;
}
