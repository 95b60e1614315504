/*
 * live_bench.c -- the writer's side of a live index (issue 11), measured:
 *
 *   live_bench CORPUS.jsonl WORKDIR [COMMITS]
 *
 * 1. the corpus indexed in one shot by spasm_writer (a single file) and
 *    through the update path in one batch (spasm_updater, one segment),
 *    each in a child process: seconds and peak memory side by side;
 * 2. COMMITS (default 1000) single-document commits in a row on that
 *    live index: total, mean, p50, p99 and worst, and the segment count;
 * 3. 1,000 ids of the corpus deleted in one commit.
 * Wall times and the process's CPU time (user + system, all threads):
 * on a shared machine the wall time also counts waiting for a CPU.
 * CORPUS may be gzip'd (read through zlib).  Prints a Markdown table.
 * Public API only.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "spasm.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* CPU seconds of this process so far (user + system, every thread). */
static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static spasm_writer_options options(void)
{
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    return o;
}

/* Build in a child: kind 0 one-shot file, 1 live folder in one batch.
 * Seconds in *secs, peak resident MB in *mb; 0 or -1. */
static int build(int kind, const char *corpus, const char *out, double *secs, double *mb)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        spasm_writer_options o = options();
        int rc;
        if (kind == 0) {
            spasm_writer *w;
            rc = spasm_writer_new(&w, out, &o);
            if (!rc) rc = spasm_writer_add_path(w, corpus);
            if (!rc) rc = spasm_writer_commit(w);
            if (rc) fprintf(stderr, "live_bench: %s\n", spasm_writer_errmsg(w));
            spasm_writer_abandon(w);
        } else {
            spasm_updater *u;
            rc = spasm_updater_open(&u, out, &o);
            if (!rc) rc = spasm_updater_delete_all(u);
            if (!rc) rc = spasm_updater_add_path(u, corpus);
            if (!rc) rc = spasm_updater_commit(u);
            if (rc) fprintf(stderr, "live_bench: %s\n", spasm_updater_errmsg(u));
            spasm_updater_close(u);
        }
        _exit(rc ? 1 : 0);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) return -1;
    *secs = now() - t0;
    *mb = ru.ru_maxrss / 1024.0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: live_bench CORPUS.jsonl WORKDIR [COMMITS]\n");
        return 2;
    }
    const char *corpus = argv[1], *work = argv[2];
    int commits = argc > 3 ? atoi(argv[3]) : 1000;
    char one[4096], live[4096];
    snprintf(one, sizeof one, "%s/one.spx", work);
    snprintf(live, sizeof live, "%s/live.spx", work);
    double t1, m1, t2, m2;
    if (build(0, corpus, one, &t1, &m1) || build(1, corpus, live, &t2, &m2)) return 2;
    printf("| step | figure |\n|---|---|\n");
    printf("| one-shot spasm_writer | %.1f s, %.0f MB peak |\n", t1, m1);
    printf("| update path, one batch | %.1f s (%.2fx), %.0f MB peak (%.2fx) |\n", t2, t2 / t1, m2,
           m2 / m1);
    spasm_writer_options o = options();
    o.threads = 1;
    spasm_updater *u;
    if (spasm_updater_open(&u, live, &o)) {
        fprintf(stderr, "live_bench: %s\n", spasm_updater_errmsg(u));
        return 2;
    }
    double *lat = calloc((size_t)commits + 1, sizeof *lat), total = 0, cpu0 = cpu();
    uint64_t most = 0;
    for (int i = 0; i < commits; i++) {
        char id[32], text[160];
        snprintf(id, sizeof id, "bench-note-%d", i);
        snprintf(text, sizeof text, "bench note %d about magnesium, night cramps and water", i);
        double a = now();
        if (spasm_updater_add(u, id, "Note", text, strlen(text)) || spasm_updater_commit(u)) {
            fprintf(stderr, "live_bench: %s\n", spasm_updater_errmsg(u));
            return 2;
        }
        lat[i] = now() - a;
        total += lat[i];
        spasm_updater_stats s;
        spasm_updater_get_stats(u, &s);
        if (s.segments > most) most = s.segments;
    }
    double cpus = cpu() - cpu0;
    spasm_updater_stats s;
    spasm_updater_get_stats(u, &s);
    if (commits > 0) {
        qsort(lat, (size_t)commits, sizeof *lat, cmp_double);
        printf("| %d single-document commits | %.1f s; mean %.1f ms, p50 %.1f ms, p99 %.1f ms, "
               "worst %.1f ms; CPU %.1f ms per commit |\n",
               commits, total, total / commits * 1e3, lat[commits / 2] * 1e3,
               lat[(size_t)(commits * 0.99)] * 1e3, lat[commits - 1] * 1e3, cpus / commits * 1e3);
        printf("| segments | %llu at the end, %llu at most; %llu merges |\n",
               (unsigned long long)s.segments, (unsigned long long)most,
               (unsigned long long)s.merges);
    }
    /* 1,000 ids of the corpus (the first ones) */
    gzFile f = gzopen(corpus, "rb");
    char *line = malloc(1 << 20);
    int n = 0;
    double a = now();
    while (f && line && n < 1000 && gzgets(f, line, 1 << 20)) {
        json_t *j = json_loads(line, 0, NULL);
        json_t *id = json_object_get(j, "id");
        if (json_is_string(id) && spasm_updater_delete(u, json_string_value(id)) == 0) n++;
        json_decref(j);
    }
    free(line);
    if (f) gzclose(f);
    double b = now(), cb = cpu();
    if (spasm_updater_commit(u)) {
        fprintf(stderr, "live_bench: %s\n", spasm_updater_errmsg(u));
        return 2;
    }
    double c = now();
    spasm_updater_stats s2;
    spasm_updater_get_stats(u, &s2);
    printf("| delete %d ids, commit | %.0f ms, CPU %.0f ms (queueing the deletes %.0f ms); %llu "
           "deleted |\n",
           n, (c - b) * 1e3, (cpu() - cb) * 1e3, (b - a) * 1e3,
           (unsigned long long)(s2.deleted - s.deleted));
    spasm_updater_close(u);
    free(lat);
    return 0;
}
