/*
 * spasm-index -- build a spasm index from text and JSON Lines files.
 * A thin client of libspasm: it only parses options and prints progress.
 *
 *   spasm-index [-o INDEX] [--force] [--k1 K1] [--b B] [--memory MB] [--threads N]
 *               [--stdin-format jsonl|text|auto] [-q] INPUT...   (INPUT "-": stdin)
 *
 * SIGINT, SIGTERM and SIGHUP set the writer's cancel flag: the writer
 * stops at its next check, is abandoned (its temporary files removed),
 * and the program dies of the same signal.
 */
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
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

/* The directories input_size() entered (device, inode), so that a
 * symlink loop is walked once. */
typedef struct seen_dirs {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
} seen_dirs;

/* Record a directory; 0 when new, 1 when seen before or out of memory. */
static int seen_dir(seen_dirs *s, const struct stat *st)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino) return 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        dev_t *d = realloc(s->dev, cap * sizeof *d);
        if (d) s->dev = d;
        ino_t *i = realloc(s->ino, cap * sizeof *i);
        if (i) s->ino = i;
        if (!d || !i) return 1;
        s->cap = cap;
    }
    s->dev[s->n] = st->st_dev;
    s->ino[s->n++] = st->st_ino;
    return 0;
}

/* The bytes on disk of the files the indexer will read under path (for
 * the estimated time left); about the same choice of files as the
 * library's (a pipe counts 0). */
static unsigned long long input_size(const char *path, int in_dir, int depth, seen_dirs *sd)
{
    struct stat st;
    if (depth > 64 || stat(path, &st) != 0) return 0;
    if (S_ISREG(st.st_mode)) {
        static const char *const ours[] = {".txt",       ".jsonl", ".jsonl.gz", ".ndjson",
                                           ".ndjson.gz", ".json",  ".json.gz"};
        int known = 0;
        for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) known |= has_suffix(path, ours[i]);
        if (in_dir && !known) return 0;
        return (unsigned long long)st.st_size;
    }
    if (!S_ISDIR(st.st_mode) || seen_dir(sd, &st)) return 0;
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
        sum += input_size(full, 1, depth + 1, sd);
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

/* Set by the signal handler: the writer polls it (spasm_writer_options.cancel). */
static volatile sig_atomic_t cancel_sig;

static void on_signal(int sig)
{
    cancel_sig = sig;
}

/* Handle SIGINT, SIGTERM and SIGHUP by setting cancel_sig (no SA_RESTART:
 * a blocking read of stdin returns at once). */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
}

/* After a writer was abandoned on a signal: die of that signal (the
 * shell's convention), or exit 128 + its number if that fails. */
static int die_of_signal(int sig)
{
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return 128 + sig;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spasm-index [OPTIONS] INPUT...\n"
            "Build a passage index from .txt files (one article each), JSON Lines files\n"
            "(.jsonl, .ndjson, .json and their .gz: {\"id\",\"title\",\"text\"} per line),\n"
            "directories of them, FIFOs and stdin (\"-\").  A file named directly with\n"
            "another extension is read as JSON Lines when it starts with a JSON object line,\n"
            "else as text.\n"
            "\n"
            "  -o, --output INDEX   index file to write (default " DEFAULT_INDEX ");\n"
            "                       replaced atomically, only when indexing succeeds, and\n"
            "                       only if it is a spasm index (or empty, or absent)\n"
            "      --force          replace INDEX even if it is not a spasm index (never\n"
            "                       when it is one of the inputs)\n"
            "      --stdin-format F how to read INPUT \"-\" (stdin): jsonl (default), text\n"
            "                       (one article, id \"stdin\") or auto (jsonl when its\n"
            "                       first line is a JSON object)\n"
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
            "Exit status: 0 on success, 2 on an error (one line on stderr); killed by\n"
            "SIGINT/SIGTERM/SIGHUP it removes its temporary files and dies of the signal.\n",
            SPASM_DEFAULT_MEMORY_MB);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"k1", required_argument, 0, 1},
                                         {"b", required_argument, 0, 2},
                                         {"keep-stopwords", no_argument, 0, 3},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {"memory", required_argument, 0, 'm'},
                                         {"threads", required_argument, 0, 'j'},
                                         {"force", no_argument, 0, 4},
                                         {"stdin-format", required_argument, 0, 5},
                                         {0, 0, 0, 0}};
    int stdin_format = SPASM_INPUT_JSONL;
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
        case 4:
            wo.force = 1;
            break;
        case 5:
            if (strcmp(optarg, "jsonl") == 0) {
                stdin_format = SPASM_INPUT_JSONL;
            } else if (strcmp(optarg, "text") == 0) {
                stdin_format = SPASM_INPUT_TEXT;
            } else if (strcmp(optarg, "auto") == 0) {
                stdin_format = SPASM_INPUT_AUTO;
            } else {
                fprintf(stderr,
                        "spasm-index: --stdin-format wants jsonl, text or auto, not \"%s\"\n",
                        optarg);
                return 2;
            }
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
    int nstdin = 0;
    for (int i = optind; i < argc; i++) nstdin += strcmp(argv[i], "-") == 0;
    if (nstdin > 1) {
        fprintf(stderr, "spasm-index: \"-\" (stdin) given %d times\n", nstdin);
        return 2;
    }
    pr.tty = isatty(2);
    if (pr.tty && !pr.quiet) {
        seen_dirs sd = {0};
        for (int i = optind; i < argc; i++) pr.total += input_size(argv[i], 0, 0, &sd);
        free(sd.dev);
        free(sd.ino);
    }
    pr.start = pr.last = now();
    wo.on_event = on_event;
    wo.event_ud = &pr;
    wo.cancel = &cancel_sig;
    catch_signals();
    spasm_writer *w;
    int rc = spasm_writer_new(&w, out, &wo);
    for (int i = optind; !rc && i < argc; i++)
        rc = strcmp(argv[i], "-") == 0 ? spasm_writer_add_fd(w, 0, "stdin", stdin_format)
                                       : spasm_writer_add_path(w, argv[i]);
    if (!rc) rc = spasm_writer_commit(w);
    if (pr.tty && !pr.quiet) fputs("\r\033[K", stderr);
    if (rc) {
        int sig = cancel_sig;
        if (sig && rc == SPASM_ECANCELED)
            fprintf(stderr, "spasm-index: interrupted by signal %d; %s not written\n", sig, out);
        else
            fprintf(stderr, "spasm-index: %s\n", spasm_writer_errmsg(w));
        spasm_writer_abandon(w);
        return sig && rc == SPASM_ECANCELED ? die_of_signal(sig) : 2;
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
        if (st->duplicate_ids)
            fprintf(stderr, "; %llu duplicate id(s)", (unsigned long long)st->duplicate_ids);
        if (st->leftovers_removed)
            fprintf(stderr, "; %llu leftover temporary file(s) of killed runs removed",
                    (unsigned long long)st->leftovers_removed);
        if (st->repaired)
            fprintf(stderr, "; %llu with invalid UTF-8 repaired", (unsigned long long)st->repaired);
        fputc('\n', stderr);
    }
    spasm_writer_abandon(w);
    return 0;
}
