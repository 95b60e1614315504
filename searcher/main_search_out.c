/*
 * main_search_out.c -- spasm-search's output of one result (text with
 * highlights and "also in", or one JSON line) and of a query's error.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "main_search.h"

/* "also in: 000_e3e7 ¶8, ..." for the near-duplicates folded into h. */
static void print_dups(FILE *out, const cfg *c, const spasm_hit *h)
{
    if (h->ndups == 0) return;
    const char *D = c->color ? "\033[2m" : "", *R = c->color ? "\033[0m" : "";
    char *line = NULL;
    size_t linelen = 0;
    FILE *o = out; /* on a terminal the line is made aside, then wrapped */
    if (c->width && !(out = open_memstream(&line, &linelen))) out = o;
    fprintf(out, "%s%salso in:", out == o ? "   " : "", D);
    for (size_t i = 0; i < h->ndups; i++)
        fprintf(out, "%s %s \u00b6%u", i ? "," : "", h->dups[i].doc_id, h->dups[i].ordinal + 1);
    fputs(R, out);
    if (out != o) {
        fclose(out);
        print_wrapped(o, line, linelen, c->width, "   ");
        free(line);
    } else {
        putc('\n', out);
    }
}

void print_text_hit(FILE *out, const cfg *c, size_t rank, const spasm_hit *h)
{
    const char *B = c->color ? "\033[1m" : "", *D = c->color ? "\033[2m" : "",
               *H = c->color ? "\033[1;31m" : "", *R = c->color ? "\033[0m" : "";
    fprintf(out, "%s%zu.%s %s%s%s  passage %u  score %.4f%s%s%s\n", B, rank, R, B, h->doc_id, R,
            h->ordinal + 1, h->score, h->title[0] ? "  " : "", D, h->title);
    if (c->color) fputs(R, out);
    /* the snippet, with matched words highlighted ([brackets] when plain) */
    uint32_t a = h->snippet_start, e = h->snippet_end, at = a;
    char *line = NULL;
    size_t linelen = 0;
    FILE *o = out; /* on a terminal the line is made aside, then wrapped */
    if (c->width && !(out = open_memstream(&line, &linelen))) out = o;
    if (out == o) fputs("   ", out);
    if (a > 0) fputs("...", out);
    for (size_t i = 0; i < h->nhighlights; i++) {
        const spasm_span *s = &h->highlights[i];
        if (s->start < a || s->end > e) continue;
        for (uint32_t j = at; j < s->start; j++) putc(h->text[j] == '\n' ? ' ' : h->text[j], out);
        fprintf(out, "%s%.*s%s", c->color ? H : "[", (int)(s->end - s->start), h->text + s->start,
                c->color ? R : "]");
        at = s->end;
    }
    for (uint32_t j = at; j < e; j++) putc(h->text[j] == '\n' ? ' ' : h->text[j], out);
    if (e < h->text_len) fputs("...", out);
    if (out != o) {
        fclose(out);
        out = o;
        print_wrapped(out, line, linelen, c->width, "   ");
        free(line);
    } else {
        putc('\n', out);
    }
    print_dups(out, c, h);
    if (c->so.explain) {
        const char *p = h->explain;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(out, "   %s%.*s%s\n", D, len, p, R);
            p += len + (nl ? 1 : 0);
        }
    }
    putc('\n', out);
}

/* A JSON string of s; bytes that are not valid UTF-8 (a query id or a
 * query quoted in a message, from the input file) become '?'. */
static json_t *json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    char *t = strdup(s);
    if (!t) return NULL;
    for (char *p = t; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    j = json_string(t);
    free(t);
    return j;
}

/* Print o as one compact JSON line on out and free it. */
static void put_json_line(FILE *out, json_t *o)
{
    if (json_dumpf(o, out, JSON_COMPACT) == 0) putc('\n', out);
    json_decref(o);
}

/*
 * Report an error of one query.  In a batch (where = "FILE:LINE") with
 * --format json it is one line on out, {"qid":..,"line":N,"error":..},
 * and nothing on err; otherwise one line on err, "spasm-search: WHERE: MSG".
 */
void report_error(FILE *out, FILE *err, const cfg *c, const char *qid, unsigned long lineno,
                  const char *where, const char *msg)
{
    if (where && c->format == FMT_JSON) {
        json_t *o = json_object();
        if (qid) json_object_set_new(o, "qid", json_text(qid));
        json_object_set_new(o, "line", json_integer((json_int_t)lineno));
        json_object_set_new(o, "error", json_text(msg));
        put_json_line(out, o);
    } else if (where) {
        fprintf(err, "spasm-search: %s: %s\n", where, msg);
    } else {
        fprintf(err, "spasm-search: %s\n", msg);
    }
}

void print_json_hit(FILE *out, const cfg *c, const char *qid, size_t rank, const spasm_hit *h,
                    int cut, const char *suggestion)
{
    json_t *o = json_object();
    if (qid) json_object_set_new(o, "qid", json_text(qid));
    json_object_set_new(o, "rank", json_integer((json_int_t)rank));
    json_object_set_new(o, "score", json_real(h->score));
    json_object_set_new(o, "doc", json_string(h->doc_id));
    json_object_set_new(o, "passage", json_integer(h->ordinal + 1));
    json_object_set_new(o, "title", json_string(h->title));
    json_object_set_new(o, "text", json_stringn(h->text, h->text_len));
    json_t *hl = json_array();
    for (size_t i = 0; i < h->nhighlights; i++) {
        json_t *pair = json_array();
        json_array_append_new(pair, json_integer(h->highlights[i].start));
        json_array_append_new(pair, json_integer(h->highlights[i].end));
        json_array_append_new(hl, pair);
    }
    json_object_set_new(o, "highlights", hl);
    json_t *sn = json_object();
    json_object_set_new(sn, "start", json_integer(h->snippet_start));
    json_object_set_new(sn, "end", json_integer(h->snippet_end));
    json_object_set_new(o, "snippet", sn);
    json_t *dups = json_array();
    for (size_t i = 0; i < h->ndups; i++)
        json_array_append_new(dups, json_pack("{s:s,s:i,s:f}", "doc", h->dups[i].doc_id, "passage",
                                              (json_int_t)h->dups[i].ordinal + 1, "score",
                                              h->dups[i].score));
    json_object_set_new(o, "also_in", dups);
    if (c->so.explain) json_object_set_new(o, "explain", json_string(h->explain));
    if (cut) json_object_set_new(o, "expansion_cut", json_true());
    if (suggestion && *suggestion) json_object_set_new(o, "suggestion", json_text(suggestion));
    put_json_line(out, o);
}
