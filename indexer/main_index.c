/*
 * spasm-index -- build a spasm index from text and JSON Lines files.
 * A thin client of libspasm: it only parses options and prints progress.
 *
 *   spasm-index [-o INDEX] [--force] [--k1 K1] [--b B] [--memory MB] [--threads N]
 *               [--stdin-format jsonl|text|auto] [--single-file|--live] [-q]
 *               INPUT...                        (INPUT "-": stdin)
 *   spasm-index --update -o FOLDER [--ids-from FILE] INPUT...   add or replace by id
 *   spasm-index --delete -o FOLDER [--ids-from FILE] ID...      delete by id
 *   spasm-index --optimize -o FOLDER                            merge into one segment
 *   spasm-index --info INDEX                                    what it holds
 *
 * A plain build writes a single-file index (format 1), or with --live a
 * live index folder (format 2, docs/LIVE.md) holding one new generation
 * with only the inputs; build_kind() makes that choice in one place.
 *
 * SIGINT, SIGTERM and SIGHUP set the writer's cancel flag: the writer
 * stops at its next check, is abandoned (its temporary files removed),
 * and the program dies of the same signal.
 */
#include <dirent.h>
#include <errno.h>
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
            "       spasm-index --update|--delete|--optimize -o FOLDER [INPUT...|ID...]\n"
            "       spasm-index --info INDEX\n"
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
            "      --no-variants    do not fold British and variant spellings to the\n"
            "                       American one before stemming (--variants: fold\n"
            "                       them, the default); an update keeps the folder's\n"
            "  -m, --memory MB      memory budget (default %d MB): past it, postings go to\n"
            "                       sorted runs in a temporary file beside the index,\n"
            "                       merged at the end (same index, removed afterwards)\n"
            "  -j, --threads N      analysis threads (default: one per CPU, at most 8;\n"
            "                       1 = single-threaded); the index is the same for any N\n"
            "      --single-file    write a single-file index (format 1; the default)\n"
            "      --live           write a live index folder (format 2) that --update,\n"
            "                       --delete and --optimize can change; a rebuild of an\n"
            "                       existing one publishes one new generation\n"
            "      --update         add INPUTs to the live index folder -o INDEX (created\n"
            "                       when absent); a document whose id is there replaces it\n"
            "      --delete         delete the documents whose ids are given as arguments\n"
            "                       (an unknown id is a warning)\n"
            "      --ids-from FILE  with --delete or --update: delete the ids listed in\n"
            "                       FILE, one per line (\"-\": stdin)\n"
            "      --optimize       merge every segment of the live index into one (alone,\n"
            "                       or after --update or --delete)\n"
            "      --info INDEX     print what INDEX holds: generation, segments, live and\n"
            "                       deleted documents, commit time\n"
            "      --synonyms FILE  store the synonyms of FILE (\"a, b\" and \"a => b\" lines)\n"
            "                       in the index: its searches use them by default\n"
            "  -q, --quiet          no progress line and no summary\n"
            "  -h, --help           this help\n"
            "  -V, --version        print the version\n"
            "\n"
            "Exit status: 0 on success, 2 on an error (one line on stderr); killed by\n"
            "SIGINT/SIGTERM/SIGHUP it removes its temporary files and dies of the signal.\n",
            SPASM_DEFAULT_MEMORY_MB);
}

/* What the command line asks for. */
typedef struct cli {
    int update, delete_, optimize, single_file, live, stdin_format;
    const char *out, *info, *ids_from;
    char **args; /* INPUTs, or IDs with --delete */
    int nargs;
} cli;

/* The kind of index a plain build writes: 1 a live index folder, 0 a
 * single file (format 1).  The one place that decides it: a single file
 * (the fastest to build; its first update makes it a folder), unless
 * asked for a folder or the target already is one (which then gets a new
 * generation holding only the inputs, so its readers see the rebuild
 * like any commit). */
static int build_kind(const cli *c)
{
    if (c->single_file) return 0;
    if (c->live) return 1;
    /* a live folder has its LOCK from its first commit on; any other
     * folder is refused as before */
    char lock[4096];
    struct stat st;
    snprintf(lock, sizeof lock, "%s/LOCK", c->out);
    return stat(c->out, &st) == 0 && S_ISDIR(st.st_mode) && access(lock, F_OK) == 0;
}

/* Print one error line for an updater call that failed; 2, or die of the
 * signal that canceled it. */
static int updater_failed(spasm_updater *u, int rc, const char *out)
{
    int sig = cancel_sig;
    if (sig && rc == SPASM_ECANCELED)
        fprintf(stderr, "spasm-index: interrupted by signal %d; %s left as it was\n", sig, out);
    else
        fprintf(stderr, "spasm-index: %s\n", spasm_updater_errmsg(u));
    spasm_updater_close(u);
    return sig && rc == SPASM_ECANCELED ? die_of_signal(sig) : 2;
}

/* Delete the ids listed in file `path` ("-": stdin), one per line (blank
 * lines and a trailing CR ignored).  0, or the error (a line printed). */
static int delete_listed(spasm_updater *u, const char *path, int *rc)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spasm-index: --ids-from %s: %s\n", path, strerror(errno));
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!*rc && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        *rc = spasm_updater_delete(u, line);
    }
    int bad = ferror(f);
    free(line);
    if (f != stdin) fclose(f);
    if (bad) {
        fprintf(stderr, "spasm-index: --ids-from %s: read error\n", path);
        return 2;
    }
    return 0;
}

/* --update, --delete, --optimize, and a plain build into a live folder
 * (`rebuild`: everything is replaced by the inputs). */
static int run_updater(const cli *c, spasm_writer_options *wo, progress *pr, int rebuild)
{
    spasm_updater *u;
    int rc = spasm_updater_open(&u, c->out, wo);
    if (rc) return updater_failed(u, rc, c->out);
    if (rebuild) rc = spasm_updater_delete_all(u);
    if (!rc && c->ids_from && delete_listed(u, c->ids_from, &rc)) {
        spasm_updater_close(u);
        return 2;
    }
    for (int i = 0; !rc && i < c->nargs; i++) {
        const char *a = c->args[i];
        if (c->delete_)
            rc = spasm_updater_delete(u, a);
        else
            rc = strcmp(a, "-") == 0 ? spasm_updater_add_fd(u, 0, "stdin", c->stdin_format)
                                     : spasm_updater_add_path(u, a);
    }
    if (!rc) rc = c->optimize ? spasm_updater_optimize(u) : spasm_updater_commit(u);
    if (pr->tty && !pr->quiet) fputs("\r\033[K", stderr);
    if (rc) return updater_failed(u, rc, c->out);
    spasm_updater_stats st;
    spasm_updater_get_stats(u, &st);
    if (!pr->quiet) {
        fprintf(stderr, "spasm-index: %s: generation %llu, %llu segment(s), %llu live document(s)",
                c->out, (unsigned long long)st.generation, (unsigned long long)st.segments,
                (unsigned long long)st.live_documents);
        if (st.deleted_documents)
            fprintf(stderr, " (and %llu deleted, until a merge drops them)",
                    (unsigned long long)st.deleted_documents);
        fprintf(stderr, "; this run: %llu added, %llu replaced, %llu deleted",
                (unsigned long long)st.added, (unsigned long long)st.replaced,
                (unsigned long long)st.deleted);
        if (st.unknown_deletes)
            fprintf(stderr, ", %llu unknown id(s)", (unsigned long long)st.unknown_deletes);
        if (st.batch_duplicates)
            fprintf(stderr, ", %llu duplicate id(s) (the last kept)",
                    (unsigned long long)st.batch_duplicates);
        if (st.merges) fprintf(stderr, ", %llu merge(s)", (unsigned long long)st.merges);
        if (st.leftovers_removed)
            fprintf(stderr, ", %llu leftover file(s) of killed runs removed",
                    (unsigned long long)st.leftovers_removed);
        fprintf(stderr, "; %.1f s\n", now() - pr->start);
    }
    spasm_updater_close(u);
    return 0;
}

/* --info INDEX: a live folder's commit and segments, or a single file's
 * statistics (stdout). */
static int print_info(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "spasm-index: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        spasm_index *ix;
        int rc = spasm_open(&ix, path, NULL);
        if (rc) {
            fprintf(stderr, "spasm-index: %s\n", spasm_index_errmsg(ix));
            spasm_close(ix);
            return 2;
        }
        spasm_index_stats s;
        spasm_index_get_stats(ix, &s);
        printf("%s: single-file index (format %d), %.1f MB\n", path, s.format_version,
               s.file_bytes / 1e6);
        printf("  documents: %llu  passages: %llu  terms: %llu\n", (unsigned long long)s.documents,
               (unsigned long long)s.passages, (unsigned long long)s.terms);
        spasm_close(ix);
        return 0;
    }
    spasm_live_info *in;
    int rc = spasm_live_info_read(path, &in);
    if (in && in->warnings[0]) {
        /* one warning line per damaged commit point */
        char *p = in->warnings;
        while (*p) {
            char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(stderr, "spasm-index: warning: %.*s\n", len, p);
            p += len + (nl != NULL);
        }
    }
    if (rc) {
        fprintf(stderr, "spasm-index: %s\n", in ? in->errmsg : "out of memory");
        spasm_live_info_free(in);
        return 2;
    }
    char when[64] = "?";
    time_t t = (time_t)in->commit_time;
    struct tm tm;
    if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    printf("%s: live index (format 2), generation %llu, committed %s\n", path,
           (unsigned long long)in->generation, when);
    printf("  documents: %llu live, %llu deleted  passages: %llu live, %llu deleted\n",
           (unsigned long long)in->live_documents, (unsigned long long)in->deleted_documents,
           (unsigned long long)in->live_passages, (unsigned long long)in->deleted_passages);
    printf("  segments: %zu, %.1f MB\n", in->nsegments, in->bytes / 1e6);
    for (size_t i = 0; i < in->nsegments; i++) {
        const spasm_segment_info *g = &in->segments[i];
        printf("    seg-%016llx.sps  %10.1f KB  %llu documents (%llu deleted), %llu passages "
               "(%llu deleted)\n",
               (unsigned long long)g->id, g->bytes / 1e3, (unsigned long long)g->documents,
               (unsigned long long)g->deleted_documents, (unsigned long long)g->passages,
               (unsigned long long)g->deleted_passages);
    }
    spasm_live_info_free(in);
    return 0;
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
                                         {"update", no_argument, 0, 6},
                                         {"delete", no_argument, 0, 7},
                                         {"optimize", no_argument, 0, 8},
                                         {"info", required_argument, 0, 9},
                                         {"ids-from", required_argument, 0, 10},
                                         {"single-file", no_argument, 0, 11},
                                         {"live", no_argument, 0, 12},
                                         {"synonyms", required_argument, 0, 13},
                                         {"no-variants", no_argument, 0, 15},
                                         {"variants", no_argument, 0, 16},
                                         {0, 0, 0, 0}};
    cli cl;
    memset(&cl, 0, sizeof cl);
    cl.stdin_format = SPASM_INPUT_JSONL;
    int out_given = 0;
    const char *out = DEFAULT_INDEX;
    spasm_writer_options wo;
    memset(&wo, 0, sizeof wo);
    const char *syn_path = NULL;
    wo.b = -1;
    progress pr = {0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:m:j:qhV", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o':
            out = optarg;
            out_given = 1;
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
        case 15:
            wo.variants = SPASM_VARIANTS_OFF;
            break;
        case 16:
            wo.variants = SPASM_VARIANTS_ON;
            break;
        case 5:
            if (strcmp(optarg, "jsonl") == 0) {
                cl.stdin_format = SPASM_INPUT_JSONL;
            } else if (strcmp(optarg, "text") == 0) {
                cl.stdin_format = SPASM_INPUT_TEXT;
            } else if (strcmp(optarg, "auto") == 0) {
                cl.stdin_format = SPASM_INPUT_AUTO;
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
        case 6:
            cl.update = 1;
            break;
        case 7:
            cl.delete_ = 1;
            break;
        case 8:
            cl.optimize = 1;
            break;
        case 9:
            cl.info = optarg;
            break;
        case 10:
            cl.ids_from = optarg;
            break;
        case 11:
            cl.single_file = 1;
            break;
        case 12:
            cl.live = 1;
            break;
        case 13: /* synonyms stored in the index */
            syn_path = optarg;
            break;
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
    cl.out = out;
    cl.args = argv + optind;
    cl.nargs = argc - optind;
    int changes = cl.update || cl.delete_ || cl.optimize;
    if (cl.info) {
        if (changes || cl.nargs) {
            fprintf(stderr, "spasm-index: --info takes one index and nothing else\n");
            return 2;
        }
        return print_info(cl.info);
    }
    if (cl.update && cl.delete_) {
        fprintf(stderr, "spasm-index: --update and --delete: choose one (--update takes "
                        "--ids-from for deletions)\n");
        return 2;
    }
    if (cl.single_file && cl.live) {
        fprintf(stderr, "spasm-index: --single-file and --live: choose one\n");
        return 2;
    }
    if (changes && (cl.single_file || cl.live || wo.force)) {
        fprintf(stderr,
                "spasm-index: --%s applies to a build, not to --update, --delete or "
                "--optimize\n",
                cl.single_file ? "single-file"
                : cl.live      ? "live"
                               : "force");
        return 2;
    }
    if (changes && !out_given) {
        fprintf(stderr, "spasm-index: --update, --delete and --optimize need -o INDEX\n");
        return 2;
    }
    if (cl.ids_from && !cl.update && !cl.delete_) {
        fprintf(stderr, "spasm-index: --ids-from goes with --delete or --update\n");
        return 2;
    }
    if (cl.optimize && !cl.update && !cl.delete_ && cl.nargs) {
        fprintf(stderr,
                "spasm-index: --optimize alone takes no argument (with --update: inputs)\n");
        return 2;
    }
    if (cl.delete_ && !cl.nargs && !cl.ids_from) {
        fprintf(stderr, "spasm-index: --delete needs ids (arguments or --ids-from FILE)\n");
        return 2;
    }
    if (syn_path && (changes || build_kind(&cl))) {
        fprintf(stderr, "spasm-index: --synonyms is stored in a single-file index only (not in "
                        "a live folder yet; give spasm-search --synonyms instead)\n");
        return 2;
    }
    spasm_synonyms *syn = NULL;
    if (syn_path) {
        int src = spasm_synonyms_load(&syn, syn_path);
        if (src) {
            fprintf(stderr, "spasm-index: %s\n", spasm_synonyms_errmsg(syn));
            spasm_synonyms_free(syn);
            return 2;
        }
        wo.synonyms = syn;
    }
    if (!changes && cl.nargs == 0) {
        fprintf(stderr, "spasm-index: no input given (see --help)\n");
        return 2;
    }
    int nstdin = 0;
    for (int i = 0; !cl.delete_ && i < cl.nargs; i++) nstdin += strcmp(cl.args[i], "-") == 0;
    if (cl.ids_from && strcmp(cl.ids_from, "-") == 0) nstdin++;
    if (nstdin > 1) {
        fprintf(stderr, "spasm-index: \"-\" (stdin) given %d times\n", nstdin);
        return 2;
    }
    pr.tty = isatty(2);
    if (pr.tty && !pr.quiet && !cl.delete_) {
        seen_dirs sd = {0};
        for (int i = 0; i < cl.nargs; i++) pr.total += input_size(cl.args[i], 0, 0, &sd);
        free(sd.dev);
        free(sd.ino);
    }
    pr.start = pr.last = now();
    wo.on_event = on_event;
    wo.event_ud = &pr;
    wo.cancel = &cancel_sig;
    catch_signals();
    if (changes || build_kind(&cl)) return run_updater(&cl, &wo, &pr, !changes);
    spasm_writer *w;
    int rc = spasm_writer_new(&w, out, &wo);
    spasm_synonyms_free(syn); /* the writer has its copy */
    wo.synonyms = NULL;
    for (int i = 0; !rc && i < cl.nargs; i++)
        rc = strcmp(cl.args[i], "-") == 0 ? spasm_writer_add_fd(w, 0, "stdin", cl.stdin_format)
                                          : spasm_writer_add_path(w, cl.args[i]);
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
