/*
 * spasm-index -- build a spasm index from text and JSON Lines files.
 * A thin client of libspasm: it only parses options and prints progress.
 *
 *   spasm-index [-o INDEX] [--k1 K1] [--b B] [-q] INPUT...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spasm.h"

#define DEFAULT_INDEX "index.spx"

typedef struct progress {
    int tty, quiet;
    double start, last;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_event(void *ud, spasm_event_kind kind, const char *msg,
                     const spasm_writer_stats *st)
{
    progress *p = ud;
    if (kind == SPASM_EVENT_WARNING) {
        if (p->tty && !p->quiet) fputs("\r\033[K", stderr);
        fprintf(stderr, "spasm-index: warning: %s\n", msg);
        return;
    }
    if (!p->tty || p->quiet) return;
    double t = now();
    if (t - p->last < 0.2) return;
    p->last = t;
    double mb = st->input_bytes / 1e6, el = t - p->start;
    fprintf(stderr, "\r\033[K%llu documents, %llu passages, %.1f MB, %.1f MB/s",
            (unsigned long long)st->documents, (unsigned long long)st->passages, mb,
            el > 0 ? mb / el : 0.0);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spasm-index [OPTIONS] INPUT...\n"
            "Build a passage index from .txt files (one article each), .jsonl and .jsonl.gz\n"
            "files ({\"id\",\"title\",\"text\"} per line) and directories of them.\n"
            "\n"
            "  -o, --output INDEX   index file to write (default " DEFAULT_INDEX ");\n"
            "                       replaced atomically, only when indexing succeeds\n"
            "      --k1 K1          BM25 k1 stored as the index default (1.4)\n"
            "      --b B            BM25 b stored as the index default (0.6)\n"
            "      --keep-stopwords queries on this index keep stop words by default\n"
            "  -q, --quiet          no progress line and no summary\n"
            "  -h, --help           this help\n"
            "  -V, --version        print the version\n"
            "\n"
            "Exit status: 0 on success, 2 on an error (one line on stderr).\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"k1", required_argument, 0, 1},
        {"b", required_argument, 0, 2},        {"keep-stopwords", no_argument, 0, 3},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},      {0, 0, 0, 0}};
    const char *out = DEFAULT_INDEX;
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = -1;
    progress pr = {0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qhV", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': out = optarg; break;
        case 1:
            wo.k1 = strtod(optarg, &end);
            if (*end || !(wo.k1 > 0) || wo.k1 > 100) {
                fprintf(stderr, "spasm-index: --k1 wants a number above 0, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 2:
            wo.b = strtod(optarg, &end);
            if (*end || !(wo.b >= 0 && wo.b <= 1)) {
                fprintf(stderr, "spasm-index: --b wants a number from 0 to 1, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 3: wo.no_stopwords = 1; break;
        case 'q': pr.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("spasm-index %s (index format %d)\n", spasm_version(), spasm_format_version()); return 0;
        case ':':
            fprintf(stderr, "spasm-index: option %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "spasm-index: unknown option %s (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "spasm-index: no input given (see --help)\n");
        return 2;
    }
    pr.tty = isatty(2);
    pr.start = pr.last = now();
    wo.on_event = on_event;
    wo.event_ud = &pr;
    spasm_writer *w;
    int rc = spasm_writer_new(&w, out, &wo);
    for (int i = optind; !rc && i < argc; i++) rc = spasm_writer_add_path(w, argv[i]);
    if (!rc) rc = spasm_writer_commit(w);
    if (pr.tty && !pr.quiet) fputs("\r\033[K", stderr);
    if (rc) {
        fprintf(stderr, "spasm-index: %s\n", spasm_writer_errmsg(w));
        spasm_writer_abandon(w);
        return 2;
    }
    const spasm_writer_stats *st = spasm_writer_get_stats(w);
    if (!pr.quiet) {
        fprintf(stderr,
                "spasm-index: %s: %llu documents, %llu passages, %llu terms, %llu postings; "
                "%.1f MB in, %.1f MB index, %.1f s",
                out, (unsigned long long)st->documents, (unsigned long long)st->passages,
                (unsigned long long)st->terms, (unsigned long long)st->postings,
                st->input_bytes / 1e6, st->index_bytes / 1e6, now() - pr.start);
        if (st->skipped_files)
            fprintf(stderr, "; %llu file(s) skipped", (unsigned long long)st->skipped_files);
        if (st->repaired)
            fprintf(stderr, "; %llu with invalid UTF-8 repaired", (unsigned long long)st->repaired);
        fputc('\n', stderr);
    }
    spasm_writer_abandon(w);
    return 0;
}
