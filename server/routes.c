/*
 * routes.c -- spasm-serve's endpoints: the arguments of GET /search and
 * GET /documents/ID (checked in the poll thread), their JSON (built in a
 * worker with its searcher), and GET /stats and GET /healthz.
 *
 * A hit has exactly the fields of `spasm-search --format json` (rank,
 * score, doc, passage, title, text, highlights, snippet, also_in; explain
 * and expansion_cut when they apply): a test compares the two.  The
 * search answer is written with jsonw.c (no Jansson tree: measured the
 * larger cost of an answer), the others are Jansson trees.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* The byte offset of the first invalid UTF-8 sequence of s[0, n), or -1. */
static long utf8_invalid_at(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80             ? 1
                                 : (c & 0xe0) == 0xc0 ? 2
                                 : (c & 0xf0) == 0xe0 ? 3
                                 : (c & 0xf8) == 0xf0 ? 4
                                                      : 0;
        if (len == 0 || i + len > n) return (long)i;
        if (len == 2 && c < 0xc2) return (long)i; /* overlong */
        unsigned cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        for (unsigned j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return (long)i;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return (long)i;
        i += len;
    }
    return -1;
}

/* Parse the decimal argument `name` (absent: dflt) into *out, between lo
 * and hi; -1 with a 400 in r otherwise. */
static int arg_size(serve_req *r, const char *name, size_t dflt, size_t lo, size_t hi, size_t *out)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    unsigned long long x = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9' && x <= hi; p++) x = x * 10 + (unsigned)(*p - '0');
    if (*p || x < lo || x > hi) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be a whole number from %zu to %zu", name, lo, hi);
        serve_error(r, MHD_HTTP_BAD_REQUEST, msg, -1, name);
        return -1;
    }
    *out = (size_t)x;
    return 0;
}

/* Parse the flag `name` (1, 0, true, false, yes, no; present and empty is
 * 1) into *out; -1 with a 400 in r otherwise. */
static int arg_flag(serve_req *r, const char *name, int *out)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    *out = 0;
    if (!v) return 0;
    if (!*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no")) return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be 1 or 0 (true or false)", name);
    serve_error(r, MHD_HTTP_BAD_REQUEST, msg, -1, name);
    return -1;
}

/* synonyms=0 (or false, no) sets r->no_synonyms; absent or 1: synonyms
 * on.  0, or -1 with a 400 in r. */
static int arg_no_synonyms(serve_req *r)
{
    int on = 1;
    if (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "synonyms") &&
        arg_flag(r, "synonyms", &on))
        return -1;
    r->no_synonyms = !on;
    return 0;
}

/* Parse the number argument `name` (absent or empty: 0) into *out, from
 * lo to hi; -1 with a 400 in r otherwise. */
static int arg_double(serve_req *r, const char *name, double lo, double hi, double *out)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    *out = 0;
    if (!v || !*v) return 0;
    char *end;
    double x = strtod(v, &end);
    if (*end || !(x >= lo && x <= hi)) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be a number from %g to %g", name, lo, hi);
        serve_error(r, MHD_HTTP_BAD_REQUEST, msg, -1, name);
        return -1;
    }
    *out = x;
    return 0;
}

/* Check a string argument: UTF-8 and at most max bytes; -1 with a 400. */
static int check_text(serve_req *r, const char *name, const char *v, size_t max)
{
    size_t n = strlen(v);
    char msg[128];
    if (n > max) {
        snprintf(msg, sizeof msg, "%s is longer than %zu bytes", name, max);
        serve_error(r, MHD_HTTP_BAD_REQUEST, msg, (long)max, name);
        return -1;
    }
    long bad = utf8_invalid_at((const unsigned char *)v, n);
    if (bad >= 0) {
        snprintf(msg, sizeof msg, "%s is not valid UTF-8 at byte %ld", name, bad);
        serve_error(r, MHD_HTTP_BAD_REQUEST, msg, bad, name);
        return -1;
    }
    return 0;
}

int route_prepare(serve_server *srv, serve_req *r, const char *url)
{
    const serve_cfg *c = &srv->cfg;
    if (r->route == R_DOCUMENT) { /* /documents/ID, ID percent-decoded */
        const char *id = url + strlen("/documents/");
        if (check_text(r, "id", id, c->max_query_bytes)) return -1;
        r->q = strdup(id);
        if (!r->q) serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", -1, NULL);
        return r->q ? 0 : -1;
    }
    const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "q");
    if (!q || !*q) {
        serve_error(r, MHD_HTTP_BAD_REQUEST, "missing query: /search?q=WORDS", -1, "q");
        return -1;
    }
    if (check_text(r, "q", q, c->max_query_bytes)) return -1;
    if (arg_size(r, "k", 10, 1, c->max_k, &r->k) ||
        arg_size(r, "offset", 0, 0, c->max_offset, &r->offset) ||
        arg_flag(r, "collapse", &r->collapse) || arg_flag(r, "explain", &r->explain) ||
        arg_flag(r, "families", &r->families) || arg_no_synonyms(r) ||
        arg_double(r, "title_weight", 0, SPASM_TITLE_WEIGHT_MAX, &r->title_weight) ||
        arg_double(r, "proximity", 0, 100, &r->proximity))
        return -1;
    /* typos=1|0: typo tolerance on or off; absent: the library's default (off) */
    r->typos = SPASM_TYPOS_DEFAULT;
    if (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "typos")) {
        int on;
        if (arg_flag(r, "typos", &on)) return -1;
        r->typos = on ? SPASM_TYPOS_ON : SPASM_TYPOS_OFF;
    }
    /* count=0: no exact total (spasm_count evaluates the whole query, no
     * pruning: on wiki60k's title queries it is most of a search's cost) */
    if (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "count")) {
        if (arg_flag(r, "count", &r->count)) return -1;
    } else {
        r->count = 1;
    }
    const char *g = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "group");
    if (g && *g && strcmp(g, "none") && strcmp(g, "doc")) {
        serve_error(r, MHD_HTTP_BAD_REQUEST, "group must be doc or none", -1, "group");
        return -1;
    }
    r->group = g && !strcmp(g, "doc") ? SPASM_GROUP_DOC : SPASM_GROUP_NONE;
    if (r->group == SPASM_GROUP_DOC && r->collapse) {
        serve_error(r, MHD_HTTP_BAD_REQUEST,
                    "collapse does not apply with group=doc (one result per document already)", -1,
                    "collapse");
        return -1;
    }
    r->q = strdup(q);
    if (!r->q) {
        serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", -1, NULL);
        return -1;
    }
    return 0;
}

/* One hit as spasm-search --format json prints it, appended to w. */
static void hit_json(serve_jw *w, size_t rank, const spasm_hit *h, int explain, int cut)
{
    jw_lit(w, "{\"rank\":");
    jw_u64(w, rank);
    jw_lit(w, ",\"score\":");
    jw_real(w, h->score);
    jw_lit(w, ",\"doc\":");
    jw_cstr(w, h->doc_id);
    jw_lit(w, ",\"passage\":");
    jw_u64(w, (unsigned long long)h->ordinal + 1);
    jw_lit(w, ",\"title\":");
    jw_cstr(w, h->title);
    jw_lit(w, ",\"text\":");
    jw_str(w, h->text, h->text_len);
    jw_lit(w, ",\"highlights\":[");
    for (size_t i = 0; i < h->nhighlights; i++) {
        jw_lit(w, i ? ",[" : "[");
        jw_u64(w, h->highlights[i].start);
        jw_lit(w, ",");
        jw_u64(w, h->highlights[i].end);
        jw_lit(w, "]");
    }
    jw_lit(w, "],\"snippet\":{\"start\":");
    jw_u64(w, h->snippet_start);
    jw_lit(w, ",\"end\":");
    jw_u64(w, h->snippet_end);
    jw_lit(w, "},\"also_in\":[");
    for (size_t i = 0; i < h->ndups; i++) {
        jw_lit(w, i ? ",{\"doc\":" : "{\"doc\":");
        jw_cstr(w, h->dups[i].doc_id);
        jw_lit(w, ",\"passage\":");
        jw_u64(w, (unsigned long long)h->dups[i].ordinal + 1);
        jw_lit(w, ",\"score\":");
        jw_real(w, h->dups[i].score);
        jw_lit(w, "}");
    }
    jw_lit(w, "]");
    if (explain) {
        jw_lit(w, ",\"explain\":");
        jw_cstr(w, h->explain);
    }
    if (cut) jw_lit(w, ",\"expansion_cut\":true");
    jw_lit(w, "}");
}

/* A library error as an answer: a bad query is 400 with its byte position
 * (from the message's "at byte N"), anything else 500. */
static void library_error(serve_req *r, int rc, const char *msg)
{
    if (rc == SPASM_EQUERY || rc == SPASM_EINVAL) {
        const char *at = strstr(msg, "at byte ");
        long pos = at ? strtol(at + 8, NULL, 10) : -1;
        serve_error(r, MHD_HTTP_BAD_REQUEST, msg, pos, "q");
    } else if (rc == SPASM_ECANCELED) {
        char m[300];
        snprintf(m, sizeof m, "overloaded: %s (time budget %u ms)", msg, r->budget_ms);
        serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, m, -1, NULL);
        r->extra_header = "Retry-After", r->extra_value = "1";
    } else if (rc == SPASM_ENOTFOUND) {
        serve_error(r, MHD_HTTP_NOT_FOUND, msg, -1, NULL);
    } else {
        serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, -1, NULL);
    }
}

/* GET /search: ask for k + 1 hits to know whether a next page exists. */
static void run_search(serve_server *srv, spasm_searcher *s, serve_req *r)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    spasm_search_options o;
    spasm_search_options_init(&o);
    o.k = r->k + 1;
    o.offset = r->offset;
    o.group = r->group;
    o.collapse = r->collapse;
    o.explain = r->explain;
    o.typos = r->typos;
    o.title_weight = r->title_weight;
    o.proximity = r->proximity;
    o.families = r->families;
    o.synonyms = srv->syn;
    o.no_synonyms = r->no_synonyms;
    spasm_results *res = NULL;
    int rc = spasm_search(s, r->q, &o, &res);
    uint64_t total = 0;
    if (rc == SPASM_OK && r->count) rc = spasm_count(s, r->q, &total);
    if (rc == SPASM_OK && !r->count) total = spasm_results_total(res); /* a lower bound */
    if (rc != SPASM_OK) {
        library_error(r, rc, spasm_searcher_errmsg(s));
        spasm_results_free(res);
        return;
    }
    int cut = (spasm_results_flags(res) & SPASM_RESULT_EXPANSION_CUT) != 0;
    size_t n = spasm_results_count(res), shown = n > r->k ? r->k : n;
    /* the hits first (took_ms counts them), then the answer around them */
    serve_jw hits = {0}, out = {0};
    for (size_t i = 0; i < shown; i++) {
        jw_lit(&hits, i ? "," : "");
        hit_json(&hits, r->offset + i + 1, spasm_results_hit(res, i), r->explain, cut);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    char num[48];
    jw_lit(&out, "{\"query\":");
    jw_cstr(&out, r->q);
    double ms = serve_ms(&t0, &t1);
    snprintf(num, sizeof num, ",\"took_ms\":%.3f,\"generation\":", ms < 0 ? 0 : ms);
    jw_lit(&out, num);
    jw_u64(&out, r->generation);
    jw_lit(&out, ",\"total\":");
    jw_u64(&out, total);
    jw_lit(&out, r->count ? ",\"total_exact\":true" : ",\"total_exact\":false");
    jw_lit(&out, ",\"offset\":");
    jw_u64(&out, r->offset);
    jw_lit(&out, ",\"k\":");
    jw_u64(&out, r->k);
    jw_lit(&out, n > r->k ? ",\"more\":true" : ",\"more\":false");
    if (cut) {
        jw_lit(&out, ",\"notes\":");
        jw_cstr(&out, spasm_results_notes(res));
    }
    const char *sugg = spasm_results_suggestion(res); /* typo tolerance */
    if (*sugg) {
        jw_lit(&out, ",\"suggestion\":");
        jw_cstr(&out, sugg);
    }
    jw_lit(&out, ",\"hits\":[");
    jw_raw(&out, hits.p ? hits.p : "", hits.n);
    jw_lit(&out, "]}");
    jw_free(&hits);
    spasm_results_free(res);
    if (out.err) {
        jw_free(&out);
        serve_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", -1, NULL);
        return;
    }
    free(r->json);
    r->status = MHD_HTTP_OK;
    r->json = out.p; /* r owns it now */
    r->json_len = out.n;
}

/* GET /documents/ID: the document's passages, in order. */
static void run_document(spasm_searcher *s, serve_req *r)
{
    uint32_t doc, first, count;
    int rc = spasm_find_doc(s, r->q, &doc);
    if (rc == SPASM_ENOTFOUND) {
        serve_error(r, MHD_HTTP_NOT_FOUND, "no document with this id", -1, NULL);
        return;
    }
    if (rc == SPASM_OK) rc = spasm_doc_passages(s, doc, &first, &count);
    if (rc != SPASM_OK) {
        library_error(r, rc, spasm_searcher_errmsg(s));
        return;
    }
    json_t *ps = json_array(), *title = NULL;
    for (uint32_t i = 0; i < count; i++) {
        spasm_results *res = NULL;
        rc = spasm_get_passage(s, first + i, &res);
        if (rc != SPASM_OK) {
            json_decref(ps);
            json_decref(title);
            library_error(r, rc, spasm_searcher_errmsg(s));
            return;
        }
        const spasm_hit *h = spasm_results_hit(res, 0);
        if (!title) title = json_string(h->title);
        json_array_append_new(ps, json_pack("{s:I,s:s%}", "passage", (json_int_t)h->ordinal + 1,
                                            "text", h->text, h->text_len));
        spasm_results_free(res);
    }
    json_t *out = json_object();
    json_object_set_new(out, "doc", json_string(r->q));
    json_object_set_new(out, "title", title ? title : json_string(""));
    json_object_set_new(out, "passages", ps);
    serve_answer(r, MHD_HTTP_OK, out);
}

void route_run(serve_server *srv, spasm_searcher *s, serve_req *r)
{
    if (r->route == R_DOCUMENT)
        run_document(s, r);
    else
        run_search(srv, s, r);
}

void route_stats(serve_server *srv, serve_req *r)
{
    serve_snap *snap = snap_acquire(srv);
    const spasm_index_stats *st = &snap->stats;
    const serve_cfg *c = &srv->cfg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&srv->pool.mu);
    size_t queued = srv->pool.len;
    pthread_mutex_unlock(&srv->pool.mu);
    json_t *ix =
        json_pack("{s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:I,s:i}", "path", c->index_path, "documents",
                  (json_int_t)st->documents, "passages", (json_int_t)st->passages, "terms",
                  (json_int_t)st->terms, "tokens", (json_int_t)st->tokens, "avg_passage_len",
                  st->avg_passage_len, "k1", st->k1, "b", st->b, "file_bytes",
                  (json_int_t)st->file_bytes, "format_version", st->format_version);
    json_object_set_new(ix, "generation", json_integer((json_int_t)st->generation));
    json_object_set_new(ix, "segments", json_integer((json_int_t)st->segments));
    json_object_set_new(ix, "deleted_documents", json_integer((json_int_t)st->deleted_documents));
    snap_release(srv, snap);
    json_t *sv = json_pack(
        "{s:s,s:i,s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "version", spasm_version(), "threads",
        (int)c->threads, "dispatch", c->dispatch_inline ? "inline" : "pool", "uptime_s",
        serve_ms(&srv->t0, &now) / 1000, "requests_served", (json_int_t)atomic_load(&srv->served),
        "requests_refused", (json_int_t)atomic_load(&srv->refused), "errors",
        (json_int_t)atomic_load(&srv->errors), "active_requests",
        (json_int_t)atomic_load(&srv->active), "connections",
        (json_int_t)atomic_load(&srv->connections), "queued", (json_int_t)queued, "writable",
        c->writable, "token_required", srv->token != NULL);
    json_object_set_new(sv, "commits", json_integer((json_int_t)atomic_load(&srv->commits)));
    json_object_set_new(sv, "commits_failed",
                        json_integer((json_int_t)atomic_load(&srv->writes_failed)));
    json_object_set_new(sv, "writes_queued", json_integer((json_int_t)writes_queued(srv)));
    json_t *wr = json_array(); /* --dispatch pool: requests run by each worker */
    for (unsigned i = 0; i < srv->pool.nstat; i++)
        json_array_append_new(wr, json_integer((json_int_t)atomic_load(&srv->pool.wserved[i])));
    json_object_set_new(sv, "worker_requests", wr);
    json_t *lim = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:i,s:i,s:i,s:i,s:i}", "max_request_bytes",
        (json_int_t)c->max_request_bytes, "max_body_bytes", (json_int_t)c->max_body_bytes,
        "max_query_bytes", (json_int_t)c->max_query_bytes, "max_k", (json_int_t)c->max_k,
        "max_offset", (json_int_t)c->max_offset, "time_budget_ms", (int)c->time_budget_ms,
        "max_connections", (int)c->max_connections, "max_queue", (int)c->max_queue,
        "idle_timeout_s", (int)c->idle_timeout_s, "drain_timeout_s", (int)c->drain_timeout_s);
    json_t *out = json_object();
    json_object_set_new(out, "index", ix);
    json_object_set_new(out, "server", sv);
    json_object_set_new(out, "limits", lim);
    serve_answer(r, MHD_HTTP_OK, out);
}

void route_health(serve_server *srv, serve_req *r)
{
    int draining = atomic_load(&srv->draining);
    serve_answer(r, draining ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
                 json_pack("{s:s}", "status", draining ? "draining" : "ok"));
}
