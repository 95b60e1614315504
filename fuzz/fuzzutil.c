/*
 * fuzzutil.c -- checks and helpers shared by the fuzz targets (see
 * fuzzutil.h).  Uses the public API only.
 */
#include "fuzzutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fuzz_check_rc(int rc, const char *what)
{
    FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EQUERY || rc == SPASM_EINVAL || rc == SPASM_ECORRUPT ||
                   rc == SPASM_ENOTFOUND,
               "%s returned %d (%s)", what, rc, spasm_errstr(rc));
}

/* The checks that hold whatever the index holds: shapes and bounds. */
static void check_hit_shape(const spasm_hit *h, size_t i)
{
    FUZZ_CHECK(h != NULL, "hit %zu is NULL", i);
    FUZZ_CHECK(h->doc_id && h->title && h->text, "hit %zu has a NULL string", i);
    FUZZ_CHECK(strlen(h->text) <= h->text_len, "hit %zu: text_len %zu below strlen %zu", i,
               h->text_len, strlen(h->text));
    FUZZ_CHECK(h->snippet_start <= h->snippet_end && h->snippet_end <= h->text_len,
               "hit %zu: snippet [%u, %u) outside text of %zu bytes", i, h->snippet_start,
               h->snippet_end, h->text_len);
    FUZZ_CHECK(h->nhighlights == 0 || h->highlights != NULL, "hit %zu: highlights NULL", i);
    for (size_t j = 0; j < h->nhighlights; j++) {
        const spasm_span *sp = &h->highlights[j];
        FUZZ_CHECK(sp->start < sp->end && sp->end <= h->text_len,
                   "hit %zu: highlight %zu [%u, %u) outside text of %zu bytes", i, j, sp->start,
                   sp->end, h->text_len);
        FUZZ_CHECK(j == 0 || h->highlights[j - 1].end <= sp->start,
                   "hit %zu: highlights %zu and %zu overlap or are out of order", i, j - 1, j);
    }
    FUZZ_CHECK(h->ndups == 0 || h->dups != NULL, "hit %zu: dups NULL", i);
    for (size_t j = 0; j < h->ndups; j++) FUZZ_CHECK(h->dups[j].doc_id, "hit %zu: dup id NULL", i);
}

void fuzz_check_results(spasm_searcher *s, const spasm_results *r, const spasm_search_options *o,
                        const spasm_index_stats *st)
{
    size_t n = spasm_results_count(r);
    size_t k = o && o->k ? o->k : 10;
    FUZZ_CHECK(n <= k, "%zu hits for k = %zu", n, k);
    FUZZ_CHECK(spasm_results_hit(r, n) == NULL, "hit past the end");
    for (size_t i = 0; i < n; i++) {
        const spasm_hit *h = spasm_results_hit(r, i);
        check_hit_shape(h, i);
        if (!st) continue; /* a corrupt index promises only shapes */
        FUZZ_CHECK(isfinite(h->score), "hit %zu: score %g", i, h->score);
        if (i > 0) {
            double prev = spasm_results_hit(r, i - 1)->score;
            FUZZ_CHECK(prev >= h->score, "hit %zu: score %.17g above the one before, %.17g", i,
                       h->score, prev);
        }
        FUZZ_CHECK(h->passage < st->passages && h->doc < st->documents,
                   "hit %zu: passage %u doc %u out of range", i, h->passage, h->doc);
        uint32_t first = 0, count = 0;
        FUZZ_CHECK(spasm_doc_passages(s, h->doc, &first, &count) == SPASM_OK,
                   "hit %zu: doc %u has no passages", i, h->doc);
        FUZZ_CHECK(h->passage >= first && h->passage - first < count &&
                       h->ordinal == h->passage - first,
                   "hit %zu: passage %u ordinal %u, doc %u holds [%u, +%u)", i, h->passage,
                   h->ordinal, h->doc, first, count);
        FUZZ_CHECK(!o || !o->explain || (h->explain && h->explain[0]), "hit %zu: no explain", i);
        for (size_t j = 0; j < h->ndups; j++) {
            const spasm_dup *d = &h->dups[j];
            FUZZ_CHECK(d->passage < st->passages && d->passage != h->passage,
                       "hit %zu: dup passage %u", i, d->passage);
            FUZZ_CHECK(d->score <= h->score, "hit %zu: dup %zu scores %g above its hit's %g", i, j,
                       d->score, h->score);
        }
        if (o && o->group == SPASM_GROUP_DOC)
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(spasm_results_hit(r, j)->doc != h->doc,
                           "hits %zu and %zu share doc %u under --group doc", j, i, h->doc);
    }
}

int fuzz_search(spasm_searcher *s, const char *query, const spasm_search_options *o,
                const spasm_index_stats *st)
{
    return fuzz_search_count(s, query, o, st, 1);
}

int fuzz_search_count(spasm_searcher *s, const char *query, const spasm_search_options *o,
                      const spasm_index_stats *st, int count_too)
{
    spasm_results *r = NULL;
    int rc = spasm_search(s, query, o, &r);
    fuzz_check_rc(rc, "spasm_search");
    FUZZ_CHECK((rc == SPASM_OK) == (r != NULL), "rc %d with results %p", rc, (void *)r);
    FUZZ_CHECK(spasm_searcher_errmsg(s) != NULL, "NULL errmsg");
    FUZZ_CHECK(rc == SPASM_OK || spasm_searcher_errmsg(s)[0], "error %d without a message", rc);
    if (r) {
        fuzz_check_results(s, r, o, st);
        unsigned fl = spasm_results_flags(r);
        const char *sg = spasm_results_suggestion(r), *notes = spasm_results_notes(r);
        FUZZ_CHECK(sg && notes, "NULL suggestion or notes");
        FUZZ_CHECK(!(fl & SPASM_RESULT_CORRECTED) || sg[0], "corrected without a suggestion");
        FUZZ_CHECK(!(fl & SPASM_RESULT_EXPANSION_CUT) || notes[0], "expansion cut without a note");
        FUZZ_CHECK(!o || o->typos == SPASM_TYPOS_ON || SPASM_TYPOS_DEFAULT_IS == SPASM_TYPOS_ON ||
                       !sg[0],
                   "a suggestion with typos off");
    }
    if (!st || !count_too) { /* a corrupt index, or not asked: the search alone */
        spasm_results_free(r);
        return rc;
    }
    uint64_t count = 0;
    int crc = spasm_count(s, query, &count);
    fuzz_check_rc(crc, "spasm_count");
    /* (a corrected query matches what its correction matches, while
     * spasm_count counts the query as typed) */
    if (r && (!o || !o->keep_stopwords) &&
        !(spasm_results_flags(r) & (SPASM_RESULT_CORRECTED | SPASM_RESULT_TYPO_ADDED))) {
        /* the same query matches the same passages whether ranked or counted */
        FUZZ_CHECK(crc == SPASM_OK, "search OK but count %d (%s)", crc, spasm_searcher_errmsg(s));
        size_t n = spasm_results_count(r), folded = 0;
        for (size_t i = 0; i < n; i++) folded += spasm_results_hit(r, i)->ndups;
        size_t off = o ? o->offset : 0;
        FUZZ_CHECK((n == 0 || off + n <= count) && n + folded <= count,
                   "%zu hits + %zu folded after offset %zu, but %llu matches", n, folded, off,
                   (unsigned long long)count);
        FUZZ_CHECK(spasm_results_total(r) <= count, "total %llu above the %llu matches",
                   (unsigned long long)spasm_results_total(r), (unsigned long long)count);
    }
    spasm_results_free(r);
    return rc;
}

/* Queries over the words of the seed indexes (fuzz/corpus/fuzz_index) and
 * of corpus/, covering every operator, query i with option set i % 4.
 * Nine (eleven before: the phrase with NEAR, the two prefixes with a
 * phrase) and the wide prefix with ids only: 1.3x faster, with the same
 * edges (fuzz/README.md). */
static const char *const exercise_queries[] = {
    "night calf cramps",
    "\"renal colic\" pain calf NEAR/5 night",
    "+magnesium -menstrual cramps",
    "s* OR cramps",
    "dehydrat* water \"night cramp*\"",
    "cramp* NEAR night",
    "the of",
    "(cramp OR spasm) AND night",
    "NOT zebra muscle",
};

void fuzz_exercise_index(spasm_index *ix)
{
    spasm_searcher *s = NULL;
    int rc = spasm_searcher_new(ix, &s);
    if (rc) {
        FUZZ_CHECK(rc == SPASM_EINVAL && s == NULL, "spasm_searcher_new: %d", rc);
        return;
    }
    spasm_index_stats st;
    spasm_index_get_stats(ix, &st);
    spasm_search_options o[4];
    for (int i = 0; i < 4; i++) spasm_search_options_init(&o[i]);
    o[1].group = SPASM_GROUP_DOC;
    o[1].explain = 1;
    o[0].collapse = 1; /* o[2] ranks unfolded (the default) */
    o[2].k = 50;
    o[2].k1 = 2.0;
    o[2].b = 0.25;
    /* 50 hits' highlights and snippets re-analyse their texts: most of a
     * run's time, and o[0], o[1] and the passage probes read texts. */
    o[2].fields = SPASM_FIELD_ID | SPASM_FIELD_TITLE;
    o[3].fields = SPASM_FIELD_ID;
    o[3].offset = 1;
    for (size_t q = 0; q < sizeof exercise_queries / sizeof *exercise_queries; q++) {
        spasm_results *r = NULL;
        const spasm_search_options *oq = &o[q % 4];
        rc = spasm_search(s, exercise_queries[q], oq, &r);
        fuzz_check_rc(rc, "spasm_search");
        FUZZ_CHECK((rc == SPASM_OK) == (r != NULL), "rc %d with results %p", rc, (void *)r);
        FUZZ_CHECK(rc == SPASM_OK || spasm_searcher_errmsg(s)[0], "error %d without a message", rc);
        if (r) fuzz_check_results(s, r, oq, NULL);
        if (spasm_results_count(r) > 0) {
            const spasm_hit *h = spasm_results_hit(r, 0);
            uint32_t doc = 0, first = 0, count = 0;
            fuzz_check_rc(spasm_find_doc(s, h->doc_id, &doc), "spasm_find_doc");
            fuzz_check_rc(spasm_doc_passages(s, h->doc, &first, &count), "spasm_doc_passages");
        }
        spasm_results_free(r);
    }
    /* Lookups at the ends of the tables and beyond. */
    uint32_t probes[] = {0, 1, (uint32_t)st.passages - 1, (uint32_t)st.passages, UINT32_MAX};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        spasm_results *r = NULL;
        rc = spasm_get_passage(s, probes[i], &r);
        fuzz_check_rc(rc, "spasm_get_passage");
        if (r) fuzz_check_results(s, r, NULL, NULL);
        spasm_results_free(r);
        uint32_t first = 0, count = 0;
        fuzz_check_rc(spasm_doc_passages(s, probes[i], &first, &count), "spasm_doc_passages");
    }
    uint32_t doc;
    fuzz_check_rc(spasm_find_doc(s, "a", &doc), "spasm_find_doc");
    spasm_searcher_free(s);
}

int fuzz_memfile(const uint8_t *data, size_t n, char *path)
{
    int fd = memfd_create("spasm-fuzz", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        FUZZ_CHECK(w > 0, "write to memfd failed");
        off += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

static char tmpdir_path[256];

/* Remove the files of the temporary directory, then the directory. */
static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir_path);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir_path, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir_path);
}

const char *fuzz_tmpdir(void)
{
    if (tmpdir_path[0]) return tmpdir_path;
    struct stat sb;
    const char *base = getenv("TMPDIR");
    if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
        base = "/dev/shm";
    if (!base || !*base) base = "/tmp";
    snprintf(tmpdir_path, sizeof tmpdir_path, "%s/spasm-fuzz-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(tmpdir_path) != NULL, "mkdtemp %s failed", tmpdir_path);
    atexit(remove_tmpdir);
    return tmpdir_path;
}

static char subdir_path[300];

/* Remove the input directory (empty between inputs). */
static void remove_subdir(void)
{
    rmdir(subdir_path);
}

const char *fuzz_input_dir(void)
{
    if (subdir_path[0]) return subdir_path;
    snprintf(subdir_path, sizeof subdir_path, "%s/in", fuzz_tmpdir());
    FUZZ_CHECK(mkdir(subdir_path, 0700) == 0, "mkdir %s", subdir_path);
    atexit(remove_subdir); /* (runs before remove_tmpdir) */
    return subdir_path;
}

void fuzz_write_file(const char *path, const void *data, size_t n)
{
    /* (open and write, not stdio: no buffer and no fstat per input) */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", path);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)data + off, n - off);
        FUZZ_CHECK(w > 0, "cannot write %s", path);
        off += (size_t)w;
    }
    FUZZ_CHECK(close(fd) == 0, "cannot close %s", path);
}

static fuzz_qix qix; /* the process's one index (a fuzzer is one program) */

/* Free qix at exit. */
static void close_query_index(void)
{
    spasm_searcher_free(qix.s);
    spasm_close(qix.ix);
}

/* Open the query targets' index once; see fuzzutil.h. */
fuzz_qix *fuzz_open_query_index(const char *who)
{
    const char *path = getenv("SPASM_FUZZ_INDEX");
    if (!path || !*path) path = "build/fuzz-query.spx";
    int rc = spasm_open(&qix.ix, path, NULL);
    if (rc == SPASM_OK) rc = spasm_index_verify(qix.ix);
    if (rc != SPASM_OK) {
        fprintf(stderr, "%s: %s: %s (set SPASM_FUZZ_INDEX)\n", who, path,
                spasm_index_errmsg(qix.ix));
        exit(2);
    }
    FUZZ_CHECK(spasm_searcher_new(qix.ix, &qix.s) == SPASM_OK, "spasm_searcher_new failed");
    spasm_index_get_stats(qix.ix, &qix.st);
    atexit(close_query_index);
    return &qix;
}
