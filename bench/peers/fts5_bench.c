/*
 * fts5_bench.c -- the SQLite FTS5 peer of the spasm-search benchmark.
 *
 *   fts5_bench index DB INPUT.jsonl[.gz]
 *       A contentless FTS5 table (no stored text, positions kept: the
 *       default detail=full) over the title and the text of each JSON line,
 *       tokenize='porter unicode61', plus a normal table mapping the FTS5
 *       rowid to the document id:
 *           CREATE TABLE ids(rowid INTEGER PRIMARY KEY, docid TEXT NOT NULL);
 *           CREATE VIRTUAL TABLE docs USING fts5(title, text,
 *               tokenize='porter unicode61', content='');
 *       All inserts in one transaction, then
 *       INSERT INTO docs(docs) VALUES('optimize') (one segment) and VACUUM
 *       (optimize leaves the old segments' pages on the free list; VACUUM
 *       gives them back, like Xapian's compaction).  DB is replaced.
 *
 *   fts5_bench query DB QUERIES.tsv K [--run RUNFILE]
 *       Opens DB once.  Each query is split into words on characters that
 *       are not letters or digits (Unicode categories L*, N*, Co, as FTS5's
 *       unicode61 does, via utf8proc); each word is double-quoted (so that
 *       nothing is read as FTS5 syntax) and the words are joined with OR:
 *           SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ?
 *               ORDER BY bm25(docs) LIMIT K
 *       and the id of each hit is read from `ids`.  FTS5's bm25 has k1=1.2
 *       and b=0.75 built in (no --bm25) and is negative (lower is better);
 *       the run file gives its negation so that higher is better as in
 *       every TREC run.  The wall time of building the expression, running
 *       the statement and reading the ids is recorded per query
 *       (CLOCK_MONOTONIC).  Prints one JSON line (see bench_util.h); with
 *       --run writes "qid Q0 docid rank score fts5".
 *
 *   fts5_bench version
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "jsonl.h"

static void usage(void)
{
    fprintf(stderr, "usage: fts5_bench index DB INPUT.jsonl[.gz]\n"
                    "       fts5_bench query DB QUERIES.tsv K [--run RUNFILE]\n"
                    "       fts5_bench update DB INPUT.jsonl[.gz] COMMITS\n"
                    "       fts5_bench version\n");
    exit(2);
}

static void check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        bu_die("%s: %s", what, sqlite3_errmsg(db));
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        bu_die("%s: %s", sql, err ? err : sqlite3_errmsg(db));
}

static void remove_db(const char *path)
{
    static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
    char buf[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
        if (unlink(buf) != 0 && errno != ENOENT)
            bu_die("cannot remove %s: %s", buf, strerror(errno));
    }
}

static int cmd_index(const char *path, const char *input)
{
    remove_db(path);
    double t0 = bu_now_ms();
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        bu_die("cannot create %s: %s", path, sqlite3_errmsg(db));
    exec(db, "CREATE TABLE ids(rowid INTEGER PRIMARY KEY, docid TEXT NOT NULL);"
             "CREATE VIRTUAL TABLE docs USING fts5(title, text, "
             "tokenize='porter unicode61', content='');");
    sqlite3_stmt *ins_doc, *ins_id;
    check(db, sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, title, text) VALUES(?1, ?2, ?3)",
                                 -1, &ins_doc, NULL),
          "prepare");
    check(db, sqlite3_prepare_v2(db, "INSERT INTO ids(rowid, docid) VALUES(?1, ?2)", -1, &ins_id,
                                 NULL),
          "prepare");

    exec(db, "BEGIN");
    jl_reader r;
    jl_open(&r, input);
    jl_doc d;
    sqlite3_int64 rowid = 0;
    while (jl_next(&r, &d)) {
        rowid++;
        sqlite3_bind_int64(ins_doc, 1, rowid);
        sqlite3_bind_text(ins_doc, 2, d.title, (int)d.title_len, SQLITE_STATIC);
        sqlite3_bind_text(ins_doc, 3, d.text, (int)d.text_len, SQLITE_STATIC);
        if (sqlite3_step(ins_doc) != SQLITE_DONE)
            bu_die("%s:%lu: insert: %s", input, r.lineno, sqlite3_errmsg(db));
        sqlite3_reset(ins_doc);
        sqlite3_bind_int64(ins_id, 1, rowid);
        sqlite3_bind_text(ins_id, 2, d.id, -1, SQLITE_STATIC);
        if (sqlite3_step(ins_id) != SQLITE_DONE)
            bu_die("%s:%lu: insert id: %s", input, r.lineno, sqlite3_errmsg(db));
        sqlite3_reset(ins_id);
    }
    jl_close(&r);
    if (rowid == 0)
        bu_die("%s: no documents", input);
    sqlite3_finalize(ins_doc);
    sqlite3_finalize(ins_id);
    exec(db, "COMMIT");
    double t1 = bu_now_ms();
    exec(db, "INSERT INTO docs(docs) VALUES('optimize')");
    double t2 = bu_now_ms();
    exec(db, "VACUUM");
    double t3 = bu_now_ms();
    if (sqlite3_close(db) != SQLITE_OK)
        bu_die("close %s: %s", path, sqlite3_errmsg(db));
    struct stat st;
    if (stat(path, &st) != 0)
        bu_die("%s: %s", path, strerror(errno));
    fprintf(stderr,
            "fts5_bench: %lld documents; insert %.1f s, optimize %.1f s, vacuum %.1f s; "
            "%s = %.1f MB\n",
            (long long)rowid, (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3, path,
            (double)st.st_size / 1e6);
    return 0;
}

static int is_word_cp(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_CO:
        return 1;
    default:
        return 0;
    }
}

/*
 * The FTS5 expression for `q`: its words, each double-quoted, joined with
 * " OR ".  Returns the number of words (0: no expression).
 */
static size_t make_expr(const char *q, char **buf, size_t *cap)
{
    size_t qlen = strlen(q), need = qlen * 6 + 16, len = 0, nwords = 0;
    if (*cap < need) {
        *cap = need;
        *buf = (char *)realloc(*buf, *cap);
        if (!*buf)
            bu_die("out of memory");
    }
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)q;
    utf8proc_ssize_t i = 0, n = (utf8proc_ssize_t)qlen;
    int inword = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p + i, n - i, &cp);
        int word = 0;
        if (step <= 0) {
            step = 1; /* invalid UTF-8: a separator */
        } else {
            word = is_word_cp(cp);
        }
        if (word) {
            if (!inword) {
                if (nwords)
                    len += (size_t)sprintf(*buf + len, " OR ");
                (*buf)[len++] = '"';
                nwords++;
                inword = 1;
            }
            memcpy(*buf + len, p + i, (size_t)step);
            len += (size_t)step;
        } else if (inword) {
            (*buf)[len++] = '"';
            inword = 0;
        }
        i += step;
    }
    if (inword)
        (*buf)[len++] = '"';
    (*buf)[len] = '\0';
    return nwords;
}

static int cmd_query(int argc, char **argv)
{
    if (argc < 5)
        usage();
    const char *path = argv[2];
    const char *qpath = argv[3];
    size_t k = bu_parse_k(argv[4]);
    const char *runpath = NULL;
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            runpath = argv[++i];
        } else if (!strcmp(argv[i], "--bm25")) {
            bu_die("FTS5's bm25() has k1=1.2 b=0.75 built in; --bm25 is not "
                   "supported");
        } else {
            fprintf(stderr, "fts5_bench: unknown or incomplete option '%s'\n", argv[i]);
            usage();
        }
    }

    bu_queries qs;
    bu_read_queries(qpath, &qs);
    FILE *run = NULL;
    if (runpath && !(run = fopen(runpath, "w")))
        bu_die("cannot write %s: %s", runpath, strerror(errno));

    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bu_die("cannot open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_stmt *search, *getid;
    check(db, sqlite3_prepare_v2(db,
                                 "SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ?1 "
                                 "ORDER BY bm25(docs) LIMIT ?2",
                                 -1, &search, NULL),
          "prepare search (is this an fts5_bench database?)");
    check(db, sqlite3_prepare_v2(db, "SELECT docid FROM ids WHERE rowid = ?1", -1, &getid, NULL),
          "prepare id lookup");

    double *ms = (double *)calloc(qs.n, sizeof *ms);
    char **ids = (char **)calloc(k, sizeof *ids);
    double *scores = (double *)calloc(k, sizeof *scores);
    if (!ms || !ids || !scores)
        bu_die("out of memory");
    char *expr = NULL;
    size_t exprcap = 0, zero = 0, failed = 0;
    double hits_total = 0;
    for (size_t i = 0; i < qs.n; i++) {
        size_t nhits = 0;
        double t0 = bu_now_ms();
        if (make_expr(qs.q[i].text, &expr, &exprcap) > 0) {
            sqlite3_bind_text(search, 1, expr, -1, SQLITE_STATIC);
            sqlite3_bind_int64(search, 2, (sqlite3_int64)k);
            int rc;
            while ((rc = sqlite3_step(search)) == SQLITE_ROW) {
                sqlite3_int64 rowid = sqlite3_column_int64(search, 0);
                scores[nhits] = sqlite3_column_double(search, 1);
                sqlite3_bind_int64(getid, 1, rowid);
                if (sqlite3_step(getid) != SQLITE_ROW)
                    bu_die("no id for rowid %lld", (long long)rowid);
                const char *id = (const char *)sqlite3_column_text(getid, 0);
                ids[nhits] = strdup(id ? id : "");
                if (!ids[nhits])
                    bu_die("out of memory");
                sqlite3_reset(getid);
                nhits++;
            }
            if (rc != SQLITE_DONE) {
                fprintf(stderr, "fts5_bench: query %s (%s): %s\n", qs.q[i].qid, expr,
                        sqlite3_errmsg(db));
                failed++;
            }
            sqlite3_reset(search);
        }
        double t1 = bu_now_ms();
        ms[i] = t1 - t0;
        hits_total += (double)nhits;
        if (nhits == 0)
            zero++;
        for (size_t j = 0; j < nhits; j++) {
            if (run)
                fprintf(run, "%s Q0 %s %zu %.6f fts5\n", qs.q[i].qid, ids[j], j + 1,
                        -scores[j]);
            free(ids[j]);
        }
    }
    if (run && fclose(run) != 0)
        bu_die("error writing %s", runpath);
    bu_print_summary(stdout, "fts5", k, ms, qs.n, hits_total, zero, failed);
    sqlite3_finalize(search);
    sqlite3_finalize(getid);
    sqlite3_close(db);
    free(ms);
    free(ids);
    free(scores);
    free(expr);
    bu_free_queries(&qs);
    return failed ? 1 : 0;
}

/* The live-index workload of bench/live_bench.c on an index made by
 * cmd_index: COMMITS single-document INSERTs, each its own transaction
 * (SQLite's default synchronous=FULL, rollback journal), then the first
 * 1,000 documents of INPUT deleted in one transaction (a contentless
 * table's 'delete' command, which needs the original title and text,
 * read again from INPUT; the id lookup goes through an index on
 * ids(docid) made first, untimed).  One JSON line. */
static int cmd_update(const char *path, const char *input, int commits)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) bu_die("cannot open %s: %s", path, sqlite3_errmsg(db));
    exec(db, "CREATE INDEX IF NOT EXISTS ids_docid ON ids(docid)");
    sqlite3_stmt *ins_doc, *ins_id, *find, *del_doc, *del_id;
    check(db, sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, title, text) VALUES(?1, ?2, ?3)",
                                 -1, &ins_doc, NULL), "prepare");
    check(db, sqlite3_prepare_v2(db, "INSERT INTO ids(rowid, docid) VALUES(?1, ?2)", -1, &ins_id,
                                 NULL), "prepare");
    check(db, sqlite3_prepare_v2(db, "SELECT rowid FROM ids WHERE docid = ?1", -1, &find, NULL),
          "prepare");
    check(db, sqlite3_prepare_v2(db, "INSERT INTO docs(docs, rowid, title, text) "
                                     "VALUES('delete', ?1, ?2, ?3)", -1, &del_doc, NULL),
          "prepare");
    check(db, sqlite3_prepare_v2(db, "DELETE FROM ids WHERE rowid = ?1", -1, &del_id, NULL),
          "prepare");
    sqlite3_stmt *mx;
    check(db, sqlite3_prepare_v2(db, "SELECT max(rowid) FROM ids", -1, &mx, NULL), "prepare");
    sqlite3_int64 rowid = sqlite3_step(mx) == SQLITE_ROW ? sqlite3_column_int64(mx, 0) : 0;
    sqlite3_finalize(mx);
    double *lat = calloc((size_t)commits + 1, sizeof *lat), total = 0;
    for (int i = 0; i < commits; i++) {
        char id[32], text[160];
        snprintf(id, sizeof id, "bench-note-%d", i);
        snprintf(text, sizeof text, "bench note %d about magnesium, night cramps and water", i);
        double a = bu_now_ms();
        exec(db, "BEGIN");
        rowid++;
        sqlite3_bind_int64(ins_doc, 1, rowid);
        sqlite3_bind_text(ins_doc, 2, "Note", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_doc, 3, text, -1, SQLITE_STATIC);
        if (sqlite3_step(ins_doc) != SQLITE_DONE) bu_die("insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins_doc);
        sqlite3_bind_int64(ins_id, 1, rowid);
        sqlite3_bind_text(ins_id, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(ins_id) != SQLITE_DONE) bu_die("insert id: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins_id);
        exec(db, "COMMIT");
        lat[i] = bu_now_ms() - a;
        total += lat[i];
    }
    /* the first 1,000 documents of INPUT, read before the clock starts */
    jl_reader r;
    jl_open(&r, input);
    jl_doc d;
    int n = 0;
    char **ids = calloc(1000, sizeof *ids), **titles = calloc(1000, sizeof *titles),
         **texts = calloc(1000, sizeof *texts);
    while (n < 1000 && jl_next(&r, &d)) {
        ids[n] = strdup(d.id);
        titles[n] = strndup(d.title, d.title_len);
        texts[n] = strndup(d.text, d.text_len);
        n++;
    }
    jl_close(&r);
    double a = bu_now_ms();
    exec(db, "BEGIN");
    int deleted = 0;
    for (int i = 0; i < n; i++) {
        sqlite3_bind_text(find, 1, ids[i], -1, SQLITE_STATIC);
        if (sqlite3_step(find) == SQLITE_ROW) {
            sqlite3_int64 rid = sqlite3_column_int64(find, 0);
            sqlite3_bind_int64(del_doc, 1, rid);
            sqlite3_bind_text(del_doc, 2, titles[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(del_doc, 3, texts[i], -1, SQLITE_STATIC);
            if (sqlite3_step(del_doc) != SQLITE_DONE) bu_die("delete: %s", sqlite3_errmsg(db));
            sqlite3_reset(del_doc);
            sqlite3_bind_int64(del_id, 1, rid);
            if (sqlite3_step(del_id) != SQLITE_DONE) bu_die("delete id: %s", sqlite3_errmsg(db));
            sqlite3_reset(del_id);
            deleted++;
        }
        sqlite3_reset(find);
    }
    exec(db, "COMMIT");
    double del_ms = bu_now_ms() - a;
    qsort(lat, (size_t)commits, sizeof *lat, bu_cmp_double);
    printf("{\"engine\":\"fts5\",\"commits\":%d,\"commit_total_s\":%.2f,\"commit_mean_ms\":%.2f,"
           "\"commit_p50_ms\":%.2f,\"commit_p99_ms\":%.2f,\"deleted\":%d,\"delete_ms\":%.1f}\n",
           commits, total / 1e3, commits ? total / commits : 0, bu_percentile(lat, (size_t)commits, 50),
           bu_percentile(lat, (size_t)commits, 99), deleted, del_ms);
    for (int i = 0; i < n; i++) {
        free(ids[i]);
        free(titles[i]);
        free(texts[i]);
    }
    free(ids);
    free(titles);
    free(texts);
    free(lat);
    sqlite3_finalize(ins_doc);
    sqlite3_finalize(ins_id);
    sqlite3_finalize(find);
    sqlite3_finalize(del_doc);
    sqlite3_finalize(del_id);
    if (sqlite3_close(db) != SQLITE_OK) bu_die("close %s: %s", path, sqlite3_errmsg(db));
    return 0;
}

int main(int argc, char **argv)
{
    bu_prog = "fts5_bench";
    if (argc < 2)
        usage();
    if (!strcmp(argv[1], "index") && argc == 4)
        return cmd_index(argv[2], argv[3]);
    if (!strcmp(argv[1], "query"))
        return cmd_query(argc, argv);
    if (!strcmp(argv[1], "update") && argc == 5)
        return cmd_update(argv[2], argv[3], atoi(argv[4]));
    if (!strcmp(argv[1], "version")) {
        printf("SQLite %s (FTS5)\n", sqlite3_libversion());
        return 0;
    }
    usage();
    return 2;
}
