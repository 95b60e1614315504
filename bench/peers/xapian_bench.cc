/*
 * xapian_bench.cc -- the Xapian 1.4 peer of the spasm-search benchmark.
 *
 *   xapian_bench index DB INPUT.jsonl[.gz] [--stem some|all]
 *       One Xapian document per JSON line: the title and the text through a
 *       TermGenerator (Snowball English, STEM_SOME by default, positions),
 *       the id as the document data and as the boolean term "Q"+id.  One
 *       commit at the end (Xapian still flushes every XAPIAN_FLUSH_THRESHOLD
 *       documents, 10,000 by default, which bounds its memory), then the
 *       database is compacted into DB (built in DB.build, removed after).
 *       --stem all: STEM_ALL instead (only stemmed terms, no unstemmed
 *       copies: a smaller, faster index).  The strategy is kept in the
 *       database's metadata ("bench.stem") and used again by `query`.
 *
 *   xapian_bench query DB QUERIES.tsv K [--run RUNFILE] [--bm25 K1 B]
 *       Opens DB once; for each query, parses it with a QueryParser
 *       (Snowball English, the index's stemming strategy, default operator
 *       OR, no boolean, phrase or +/- syntax) and flattens the result to an
 *       OR of its terms (the
 *       parser still makes "a-b" or "a.b" a phrase; the benchmark wants the
 *       words OR-ed), ranks with BM25Weight(k1, 0, 1, b, 0.5) (k1=0.9 b=0.4
 *       by default) and reads the id of each of the top K hits.  The wall
 *       time of parse + get_mset + reading the ids is recorded per query
 *       (CLOCK_MONOTONIC).  Prints one JSON line (see bench_util.h); with
 *       --run writes a TREC run "qid Q0 docid rank score xapian".
 *
 *   xapian_bench version
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <xapian.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "jsonl.h"

namespace fs = std::filesystem;

static void usage()
{
    std::fprintf(stderr,
                 "usage: xapian_bench index DB INPUT.jsonl[.gz] [--stem some|all]\n"
                 "       xapian_bench query DB QUERIES.tsv K [--run RUNFILE] [--bm25 K1 B]\n"
                 "       xapian_bench update DB INPUT.jsonl[.gz] COMMITS\n"
                 "       xapian_bench version\n");
    std::exit(2);
}

static int cmd_index(const std::string &dbpath, const char *input, const std::string &stem)
{
    const std::string build = dbpath + ".build";
    std::error_code ec;
    fs::remove_all(build, ec);
    fs::remove_all(dbpath, ec);

    double t0 = bu_now_ms();
    jl_reader r;
    jl_open(&r, input);
    unsigned long ndocs = 0;
    {
        Xapian::WritableDatabase db(build, Xapian::DB_CREATE_OR_OVERWRITE);
        Xapian::TermGenerator tg;
        tg.set_stemmer(Xapian::Stem("english"));
        tg.set_stemming_strategy(stem == "all" ? Xapian::TermGenerator::STEM_ALL
                                               : Xapian::TermGenerator::STEM_SOME);
        db.set_metadata("bench.stem", stem);
        jl_doc d;
        while (jl_next(&r, &d)) {
            Xapian::Document doc;
            tg.set_document(doc);
            if (d.title_len) {
                tg.index_text(std::string(d.title, d.title_len));
                tg.increase_termpos();
            }
            tg.index_text(std::string(d.text, d.text_len));
            doc.set_data(d.id);
            doc.add_boolean_term(std::string("Q") + d.id);
            db.add_document(doc);
            ndocs++;
        }
        db.commit();
        db.close();
    }
    jl_close(&r);
    if (ndocs == 0)
        bu_die("%s: no documents", input);
    double t1 = bu_now_ms();
    {
        Xapian::Database src(build);
        src.compact(dbpath);
    }
    fs::remove_all(build);
    double t2 = bu_now_ms();

    uintmax_t bytes = 0;
    for (const auto &e : fs::recursive_directory_iterator(dbpath))
        if (e.is_regular_file())
            bytes += e.file_size();
    std::fprintf(stderr,
                 "xapian_bench: %lu documents, STEM_%s; build %.1f s, compact %.1f s; %s = %.1f MB\n",
                 ndocs, stem == "all" ? "ALL" : "SOME", (t1 - t0) / 1e3, (t2 - t1) / 1e3, dbpath.c_str(), (double)bytes / 1e6);
    return 0;
}

struct Hit {
    std::string id;
    double score;
};

static int cmd_query(int argc, char **argv)
{
    if (argc < 5)
        usage();
    const char *dbpath = argv[2];
    const char *qpath = argv[3];
    size_t k = bu_parse_k(argv[4]);
    const char *runpath = nullptr;
    double k1 = 0.9, b = 0.4;
    for (int i = 5; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--run" && i + 1 < argc) {
            runpath = argv[++i];
        } else if (a == "--bm25" && i + 2 < argc) {
            k1 = bu_parse_double("--bm25 k1", argv[++i]);
            b = bu_parse_double("--bm25 b", argv[++i]);
        } else {
            std::fprintf(stderr, "xapian_bench: unknown or incomplete option '%s'\n", argv[i]);
            usage();
        }
    }

    bu_queries qs;
    bu_read_queries(qpath, &qs);
    FILE *run = nullptr;
    if (runpath && !(run = std::fopen(runpath, "w")))
        bu_die("cannot write %s: %s", runpath, strerror(errno));

    Xapian::Database db(dbpath);
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(db.get_metadata("bench.stem") == "all"
                                 ? Xapian::QueryParser::STEM_ALL
                                 : Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    Xapian::Enquire enquire(db);
    enquire.set_weighting_scheme(Xapian::BM25Weight(k1, 0, 1, b, 0.5));

    std::vector<double> ms(qs.n);
    std::vector<Hit> hits;
    hits.reserve(k);
    double hits_total = 0;
    size_t zero = 0;
    for (size_t i = 0; i < qs.n; i++) {
        hits.clear();
        double t0 = bu_now_ms();
        Xapian::Query parsed = qp.parse_query(qs.q[i].text, 0);
        std::vector<Xapian::Query> terms;
        Xapian::termpos pos = 0;
        for (auto t = parsed.get_terms_begin(); t != parsed.get_terms_end(); ++t)
            terms.emplace_back(*t, 1, ++pos);
        Xapian::Query q(Xapian::Query::OP_OR, terms.begin(), terms.end());
        enquire.set_query(q);
        Xapian::MSet mset = enquire.get_mset(0, (Xapian::doccount)k);
        for (auto m = mset.begin(); m != mset.end(); ++m)
            hits.push_back(Hit{m.get_document().get_data(), m.get_weight()});
        double t1 = bu_now_ms();
        ms[i] = t1 - t0;
        hits_total += (double)hits.size();
        if (hits.empty())
            zero++;
        if (run)
            for (size_t j = 0; j < hits.size(); j++)
                std::fprintf(run, "%s Q0 %s %zu %.6f xapian\n", qs.q[i].qid, hits[j].id.c_str(),
                             j + 1, hits[j].score);
    }
    if (run && std::fclose(run) != 0)
        bu_die("error writing %s", runpath);
    bu_print_summary(stdout, "xapian", k, ms.data(), qs.n, hits_total, zero, 0);
    bu_free_queries(&qs);
    return 0;
}

/* The live-index workload of bench/live_bench.c on an index made by
 * cmd_index: COMMITS single-document replace_document() + commit()
 * (Xapian syncs at each commit), then the first 1,000 documents of
 * INPUT deleted by their id terms (delete_document) and one commit().
 * One JSON line. */
static int cmd_update(const std::string &dbpath, const char *input, int commits)
{
    Xapian::WritableDatabase db(dbpath, Xapian::DB_OPEN);
    std::string stem = db.get_metadata("bench.stem");
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    tg.set_stemming_strategy(stem == "all" ? Xapian::TermGenerator::STEM_ALL
                                           : Xapian::TermGenerator::STEM_SOME);
    std::vector<double> lat;
    double total = 0;
    for (int i = 0; i < commits; i++) {
        char id[32], text[160];
        std::snprintf(id, sizeof id, "bench-note-%d", i);
        std::snprintf(text, sizeof text, "bench note %d about magnesium, night cramps and water", i);
        double a = bu_now_ms();
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text("Note");
        tg.increase_termpos();
        tg.index_text(text);
        doc.set_data(id);
        doc.add_boolean_term(std::string("Q") + id);
        db.replace_document(std::string("Q") + id, doc);
        db.commit();
        lat.push_back(bu_now_ms() - a);
        total += lat.back();
    }
    jl_reader r;
    jl_open(&r, input);
    jl_doc d;
    std::vector<std::string> ids;
    while (ids.size() < 1000 && jl_next(&r, &d)) ids.push_back(d.id);
    jl_close(&r);
    double a = bu_now_ms();
    int deleted = 0;
    for (const auto &id : ids) {
        std::string term = "Q" + id;
        if (db.term_exists(term)) {
            db.delete_document(term);
            deleted++;
        }
    }
    db.commit();
    double del_ms = bu_now_ms() - a;
    db.close();
    std::sort(lat.begin(), lat.end());
    std::printf("{\"engine\":\"xapian\",\"commits\":%d,\"commit_total_s\":%.2f,\"commit_mean_ms\":%.2f,"
                "\"commit_p50_ms\":%.2f,\"commit_p99_ms\":%.2f,\"deleted\":%d,\"delete_ms\":%.1f}\n",
                commits, total / 1e3, commits ? total / commits : 0,
                bu_percentile(lat.data(), lat.size(), 50), bu_percentile(lat.data(), lat.size(), 99),
                deleted, del_ms);
    return 0;
}

int main(int argc, char **argv)
{
    bu_prog = "xapian_bench";
    if (argc < 2)
        usage();
    std::string cmd = argv[1];
    try {
        if (cmd == "index" && argc == 4)
            return cmd_index(argv[2], argv[3], "some");
        if (cmd == "index" && argc == 6 && std::string(argv[4]) == "--stem") {
            std::string stem = argv[5];
            if (stem != "some" && stem != "all")
                bu_die("--stem takes some or all, not '%s'", argv[5]);
            return cmd_index(argv[2], argv[3], stem);
        }
        if (cmd == "query")
            return cmd_query(argc, argv);
        if (cmd == "update" && argc == 5)
            return cmd_update(argv[2], argv[3], std::atoi(argv[4]));
        if (cmd == "version") {
            std::printf("Xapian %s\n", Xapian::version_string());
            return 0;
        }
    } catch (const Xapian::Error &e) {
        bu_die("%s", e.get_description().c_str());
    } catch (const std::exception &e) {
        bu_die("%s", e.what());
    }
    usage();
}
