/*
 * spasm-inspect -- look inside a spasm index, in the spirit of
 * xapian-delve.  A thin client of libspasm's public API.
 *
 *   spasm-inspect [--json] INDEX                 the stored statistics
 *   spasm-inspect [--json] --doc ID INDEX        a document's passages
 *   spasm-inspect [--json] --term WORD [--limit N] INDEX
 *                                                a term's df, cf, postings
 *
 * INDEX is an index file or a live index folder.  Errors: one line on
 * stderr, exit status 2 (a --term that is not one word included); an
 * unknown document id: exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spasm.h"

#define ME "spasm-inspect"

typedef struct opts {
    const char *index, *doc, *term;
    unsigned long limit;
    int json;
} opts;

/* Print the usage (with the options when full) to f. */
static void usage(FILE *f, int full)
{
    fprintf(f, "usage: " ME " [--json] INDEX\n"
               "       " ME " [--json] --doc ID INDEX\n"
               "       " ME " [--json] --term WORD [--limit N] INDEX\n");
    if (!full) return;
    fprintf(f, "\nLook inside a spasm index (a file or a live index folder).\n\n"
               "  (no option)      the stored statistics\n"
               "  --doc ID         the document's passages: ordinal, number, length, text\n"
               "  --term WORD      the word's term (folded, stemmed), live df and cf,\n"
               "                   and its first postings with tf and positions\n"
               "  --limit N        postings shown with --term (default 10)\n"
               "  --json           one JSON object instead of text\n"
               "  --help           this help\n"
               "  --version        the library's version\n");
}

/* Print a JSON object to stdout and free it; 0, or 2 when it cannot. */
static int put_json(json_t *o)
{
    int rc =
        o && json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10)) == 0
            ? 0
            : 2;
    json_decref(o);
    if (rc)
        fprintf(stderr, ME ": out of memory\n");
    else
        putchar('\n');
    return rc;
}

/* The statistics of the index; returns the exit status. */
static int show_stats(spasm_index *ix, const opts *o)
{
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    if (o->json)
        return put_json(json_pack(
            "{s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:I,s:i,s:I,s:I,s:I,s:I}", "index", o->index,
            "documents", (json_int_t)st.documents, "passages", (json_int_t)st.passages, "terms",
            (json_int_t)st.terms, "tokens", (json_int_t)st.tokens, "avg_passage_len",
            st.avg_passage_len, "k1", st.k1, "b", st.b, "bytes", (json_int_t)st.file_bytes,
            "format", st.format_version, "generation", (json_int_t)st.generation, "segments",
            (json_int_t)st.segments, "deleted_documents", (json_int_t)st.deleted_documents,
            "deleted_passages", (json_int_t)st.deleted_passages));
    printf("index:      %s\n", o->index);
    printf("format:     %d (%s)\n", st.format_version,
           st.format_version == 1 ? "index file" : "live index folder");
    printf("documents:  %" PRIu64 "\n", st.documents);
    printf("passages:   %" PRIu64 "\n", st.passages);
    printf("terms:      %" PRIu64 "\n", st.terms);
    printf("tokens:     %" PRIu64 "\n", st.tokens);
    printf("avg length: %.2f tokens per passage\n", st.avg_passage_len);
    printf("bm25:       k1 %.2f  b %.2f\n", st.k1, st.b);
    printf("bytes:      %" PRIu64 "\n", st.file_bytes);
    if (st.format_version != 1) {
        printf("generation: %" PRIu64 "\n", st.generation);
        printf("segments:   %" PRIu64 "\n", st.segments);
        printf("deleted:    %" PRIu64 " documents, %" PRIu64 " passages\n", st.deleted_documents,
               st.deleted_passages);
    }
    return 0;
}

/* The passages of document o->doc; returns the exit status. */
static int show_doc(spasm_searcher *s, const opts *o)
{
    uint32_t doc, first, count;
    int rc = spasm_find_doc(s, o->doc, &doc);
    if (rc == SPASM_ENOTFOUND) {
        fprintf(stderr, ME ": %s: no document with id \"%s\"\n", o->index, o->doc);
        return 1;
    }
    if (!rc) rc = spasm_doc_passages(s, doc, &first, &count);
    if (rc) {
        fprintf(stderr, ME ": %s: %s\n", o->index, spasm_searcher_errmsg(s));
        return 2;
    }
    json_t *out = o->json ? json_pack("{s:s,s:i,s:i,s:[]}", "id", o->doc, "doc", (int)doc,
                                      "first_passage", (int)first, "passages")
                          : NULL;
    if (o->json && !out) return put_json(NULL);
    for (uint32_t i = 0; i < count; i++) {
        spasm_results *r;
        uint32_t len;
        rc = spasm_get_passage(s, first + i, &r);
        if (!rc && (rc = spasm_passage_length(s, first + i, &len))) spasm_results_free(r);
        if (rc) {
            fprintf(stderr, ME ": %s: %s\n", o->index, spasm_searcher_errmsg(s));
            json_decref(out);
            return 2;
        }
        const spasm_hit *h = spasm_results_hit(r, 0);
        if (o->json) {
            if (i == 0) json_object_set_new(out, "title", json_string(h->title));
            json_array_append_new(json_object_get(out, "passages"),
                                  json_pack("{s:i,s:i,s:i,s:s%}", "ordinal", (int)h->ordinal,
                                            "passage", (int)h->passage, "length", (int)len, "text",
                                            h->text, h->text_len));
        } else {
            if (i == 0)
                printf("document %u  id %s  title \"%s\"  passages %u (%u..%u)\n", doc, h->doc_id,
                       h->title, count, first, first + count - 1);
            printf("\n[%u] passage %u, %u words\n%s\n", h->ordinal, h->passage, len, h->text);
        }
        spasm_results_free(r);
    }
    return o->json ? put_json(out) : 0;
}

typedef struct plist {
    const opts *o;
    json_t *arr;
    unsigned long shown;
} plist;

/* Print or collect one posting, up to the limit. */
static int on_posting(void *ud, const spasm_posting *p)
{
    plist *l = ud;
    if (l->shown >= l->o->limit) return 1;
    l->shown++;
    if (l->arr) {
        json_t *pos = json_array();
        for (size_t i = 0; i < p->npositions; i++)
            json_array_append_new(pos, json_integer(p->positions[i]));
        json_array_append_new(l->arr, json_pack("{s:i,s:i,s:o}", "passage", (int)p->passage, "tf",
                                                (int)p->tf, "positions", pos));
        return 0;
    }
    printf("  passage %u  tf %u  positions", p->passage, p->tf);
    for (size_t i = 0; i < p->npositions; i++) printf(" %u", p->positions[i]);
    putchar('\n');
    return 0;
}

/* The statistics and first postings of o->term; returns the exit status. */
static int show_term(spasm_searcher *s, const opts *o)
{
    spasm_term_stats st;
    plist l = {o, o->json ? json_array() : NULL, 0};
    if (!o->json) {
        /* the postings are printed as they come: the header needs the
         * counts first, so walk once for them */
        int rc = spasm_term_postings(s, o->term, &st, NULL, NULL);
        if (rc) {
            fprintf(stderr, ME ": %s\n", spasm_searcher_errmsg(s));
            return 2;
        }
        printf("word \"%s\"  term \"%s\"  df %" PRIu64 "  cf %" PRIu64 "\n", o->term, st.term,
               st.df, st.cf);
        if (st.df && o->limit)
            printf("postings (first %lu of %" PRIu64 "):\n", o->limit < st.df ? o->limit : st.df,
                   st.df);
    }
    int rc = spasm_term_postings(s, o->term, &st, on_posting, &l);
    if (rc) {
        fprintf(stderr, ME ": %s\n", spasm_searcher_errmsg(s));
        json_decref(l.arr);
        return 2;
    }
    if (!o->json) return 0;
    return put_json(json_pack("{s:s,s:s,s:I,s:I,s:o}", "word", o->term, "term", st.term, "df",
                              (json_int_t)st.df, "cf", (json_int_t)st.cf, "postings", l.arr));
}

/* Parse the command line into o; 0, or the exit status to leave with. */
static int parse(int argc, char **argv, opts *o)
{
    static const struct option lo[] = {{"doc", required_argument, 0, 'd'},
                                       {"term", required_argument, 0, 't'},
                                       {"limit", required_argument, 0, 'n'},
                                       {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {"version", no_argument, 0, 'V'},
                                       {0, 0, 0, 0}};
    o->limit = 10;
    int c;
    while ((c = getopt_long(argc, argv, "d:t:n:jhV", lo, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->doc = optarg;
            break;
        case 't':
            o->term = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'n': {
            char *end;
            errno = 0;
            o->limit = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, ME ": --limit: '%s' is not a number of postings\n", optarg);
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout, 1);
            return -1;
        case 'V':
            printf(ME " %s\n", spasm_version());
            return -1;
        default: /* getopt printed the one line */
            return 2;
        }
    }
    if (o->doc && o->term) {
        fprintf(stderr, ME ": --doc and --term cannot be combined\n");
        return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, ME ": %s\n",
                optind == argc ? "no INDEX given" : "more than one INDEX given");
        return 2;
    }
    o->index = argv[optind];
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    spasm_index *ix;
    if (spasm_open(&ix, o.index, NULL) != SPASM_OK) {
        fprintf(stderr, ME ": %s\n", spasm_index_errmsg(ix));
        spasm_close(ix);
        return 2;
    }
    if (!o.doc && !o.term) {
        rc = show_stats(ix, &o);
    } else {
        spasm_searcher *s;
        if (spasm_searcher_new(ix, &s) != SPASM_OK) {
            fprintf(stderr, ME ": %s: out of memory\n", o.index);
            spasm_close(ix);
            return 2;
        }
        rc = o.doc ? show_doc(s, &o) : show_term(s, &o);
        spasm_searcher_free(s);
    }
    spasm_close(ix);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, ME ": cannot write the output\n");
        return 2;
    }
    return rc;
}
