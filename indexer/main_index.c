/*
 * spasm-index -- build a spasm index from text and JSON Lines files.
 * A thin client of libspasm: it only parses options and prints progress.
 *
 *   spasm-index [-o INDEX] [--k1 K1] [--b B] [--memory MB] [--threads N] [-q] INPUT...
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spasm.h"

#define DEFAULT_INDEX "index.spx"

typedef struct progress {
    int tty, quiet;
    double start, last;
    unsigned long long total; /* bytes of the input files on disk */
} progress;

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* The bytes on disk of the files the indexer will read under path (for
 * the estimated time left); the same choice of files as the library's. */
static unsigned long long input_size(const char *path, int in_dir, int depth)
{
    struct stat st;
    if (depth > 64 || stat(path, &st) != 0) return 0;
    if (S_ISREG(st.st_mode)) {
        if (in_dir && !has_suffix(path, ".txt") && !has_suffix(path, ".jsonl") &&
            !has_suffix(path, ".jsonl.gz") && !has_suffix(path, ".json.gz"))
            return 0;
        return (unsigned long long)st.st_size;
    }
    if (!S_ISDIR(st.st_mode)) return 0;
    DIR *d = opendir(path);
    if (!d) return 0;
    unsigned long long sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full) break;
        snprintf(full, len, "%s/%s", path, e->d_name);
        sum += input_size(full, 1, depth + 1);
        free(full);
    }
    closedir(d);
    return sum;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_event(void *ud, spasm_event_kind kind, const char *msg, const spasm_writer_stats *st)
{
    progress *p = ud;
    if (kind == SPASM_EVENT_WARNING) {
        if (p->tty && !p->quiet) fputs("\r\033[K", stderr);
        fprintf(stderr, "spasm-index: warning: %s\n", msg);
        return;
    }
    if (!p->tty || p->quiet) return;
    double t = now();
    if (t - p->last < 0.25) return;
    p->last = t;
    double mb = st->input_bytes / 1e6, el = t - p->start;
    double frac = p->total ? (double)st->file_bytes / (double)p->total : 0;
    if (frac > 1) frac = 1;
    char bar[24], eta[32] = "";
    int fill = (int)(frac * 20);
    for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
    bar[20] = 0;
    if (frac > 0.01 && el > 1) {
        double left = el * (1 - frac) / frac;
        snprintf(eta, sizeof eta, ", %d:%02d left", (int)left / 60, (int)left % 60);
    }
    fprintf(stderr, "\r\033[K[%s] %3.0f%%  %llu documents, %.1f MB, %.1f MB/s%s", bar, frac * 100,
            (unsigned long long)st->documents, mb, el > 0 ? mb / el : 0.0, eta);
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
            "  -m, --memory MB      memory budget (default %d MB): past it, postings go to\n"
            "                       sorted runs in a temporary file beside the index,\n"
            "                       merged at the end (same index, removed afterwards)\n"
            "  -j, --threads N      analysis threads (default: one per CPU, at most 8;\n"
            "                       1 = single-threaded); the index is the same for any N\n"
            "  -q, --quiet          no progress line and no summary\n"
            "  -h, --help           this help\n"
            "  -V, --version        print the version\n"
            "\n"
            "Exit status: 0 on success, 2 on an error (one line on stderr).\n",
            SPASM_DEFAULT_MEMORY_MB);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},  {"k1", required_argument, 0, 1},
        {"b", required_argument, 0, 2},         {"keep-stopwords", no_argument, 0, 3},
        {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},       {"memory", required_argument, 0, 'm'},
        {"threads", required_argument, 0, 'j'}, {0, 0, 0, 0}};
    const char *out = DEFAULT_INDEX;
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.b = -1;
    progress pr = {0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:m:j:qhV", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 1:
            wo.k1 = strtod(optarg, &end);
            if (*end || end == optarg || !(wo.k1 > 0 && wo.k1 <= SPASM_K1_MAX)) {
                fprintf(stderr,
                        "spasm-index: --k1 wants a number above 0 and at most %g, not \"%s\"\n",
                        SPASM_K1_MAX, optarg);
                return 2;
            }
            break;
        case 2:
            wo.b = strtod(optarg, &end);
            if (*end || end == optarg || !(wo.b >= 0 && wo.b <= 1)) {
                fprintf(stderr, "spasm-index: --b wants a number from 0 to 1, not \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 3:
            wo.no_stopwords = 1;
            break;
        case 'm': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 16 || v > 1048576) {
                fprintf(stderr,
                        "spasm-index: --memory wants megabytes from 16 to 1048576, not \"%s\"\n",
                        optarg);
                return 2;
            }
            wo.memory_mb = (unsigned)v;
            break;
        }
        case 'j': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64) {
                fprintf(stderr, "spasm-index: --threads wants a number from 1 to 64, not \"%s\"\n",
                        optarg);
                return 2;
            }
            wo.threads = (unsigned)v;
            break;
        }
        case 'q':
            pr.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("spasm-index %s (index format %d)\n", spasm_version(), spasm_format_version());
            return 0;
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
    if (pr.tty && !pr.quiet)
        for (int i = optind; i < argc; i++) pr.total += input_size(argv[i], 0, 0);
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
