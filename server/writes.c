/*
 * writes.c -- POST /documents (JSON Lines, upsert by id) and DELETE
 * /documents/ID.
 *
 * NOT DONE YET: libspasm has no live index today (issue 11 brings
 * spasm_updater_* and spasm_refresh).  Everything in front of the index
 * is here and tested -- --writable (else 403), --token-file (a bearer
 * token, else 401), the body limit (413, in http.c), each JSON line
 * checked (400 naming the line) -- and a request that passes all of it is
 * answered 501 "not implemented yet".
 *
 * The design for when the API lands (so that the code path does not
 * change shape):
 *   - one writer thread owns the spasm_updater; a request parses its body
 *     here (in the poll thread, as now), queues its operations (upserts,
 *     deletes) on the writer's queue and suspends its connection, as a
 *     search does with the pool;
 *   - the writer wakes, takes everything queued (a burst of requests is
 *     one batch), applies it, commits once, and resumes every connection
 *     of the batch with {"committed": SEQ, "documents": N, "deleted": M};
 *     a failed commit answers the whole batch 500 with the message;
 *   - each search worker calls spasm_refresh on its searcher when the
 *     published commit number changed since its last search, so a search
 *     sees each commit as soon as it is published.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Check each line of a JSON Lines body: an object with a non-empty string
 * "id" (or "_id") and a string "text"; "title" a string when present.
 * Returns the number of documents, or -1 with a 400 in r. */
static long check_jsonl(serve_req *r)
{
    long docs = 0, line = 0;
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
            json_decref(o);
            if (why) {
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

void writes_handle(serve_server *srv, serve_req *r, const char *method, const char *url)
{
    if (!srv->cfg.writable) {
        serve_error(r, MHD_HTTP_FORBIDDEN, "writes are disabled: start spasm-serve with --writable",
                    -1, NULL);
        return;
    }
    if (srv->token) {
        const char *auth =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !same_secret(auth + 7, srv->token)) {
            serve_error(r, MHD_HTTP_UNAUTHORIZED, "writes need \"Authorization: Bearer TOKEN\"", -1,
                        NULL);
            r->extra_header = MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->extra_value = "Bearer";
            return;
        }
    }
    long docs = 0;
    if (strcmp(method, "POST") == 0 && (docs = check_jsonl(r)) < 0) return;
    json_t *o = json_pack("{s:s,s:i}", "error",
                          "not implemented yet: writes need the live index (spasm_updater_*, "
                          "issue 11), which this libspasm does not have",
                          "status", MHD_HTTP_NOT_IMPLEMENTED);
    if (strcmp(method, "POST") == 0)
        json_object_set_new(o, "documents", json_integer(docs));
    else
        json_object_set_new(o, "doc", json_string(url + strlen("/documents/")));
    serve_answer(r, MHD_HTTP_NOT_IMPLEMENTED, o);
}
