#!/usr/bin/env bash
# judged.sh -- the judged query set of the bundled corpus (tests/judged/)
# from the command line: the figures that tests/test_judged.c checks.
#
#   bench/judged.sh [SPASM-SEARCH OPTIONS...]   e.g. bench/judged.sh --k1 1.2 --b 0.75
#   make judged
#   bench/judged.sh --passages               print every passage of the index
#                                            as DOCID#N, for judging by reading
#
# Runs every query of tests/judged/queries.tsv through spasm-search (top 10,
# TREC format) into BUILD/judged/run.txt, scores it with spasm-eval against
# tests/judged/qrels.txt (BUILD/judged/eval.txt, per query and "all"; the
# nDCG@10 there is trec_eval's ndcg_cut_10, and map, P_10 and recall_1000 are
# of a top-10 run), then adds success@3 and MRR (first relevant passage by
# the rank column) and lists the queries with no relevant passage in the top
# 3.  Options given to the script are passed on to spasm-search; with none,
# the search options are the defaults, as in the test, with typo tolerance
# on as there (queries 120-139 are misspelt; --exact turns it off).
#
# Folded near-duplicates: the TREC run lists each hit's own passage only, so
# a relevant twin folded into a hit is not credited here; the test credits it
# (tests/judged/README.md).  With no folding the two agree exactly.
#
# Environment: BUILD=dir (default build), INDEX=file (default BUILD/corpus.spx),
# QUERIES=file (default tests/judged/queries.tsv; tests/judged/typos.tsv is
# the typo set, its qids those of queries.tsv).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
bin=$build/bin
index=${INDEX:-$build/corpus.spx}
queries=${QUERIES:-tests/judged/queries.tsv}
qrels=tests/judged/qrels.txt
out=$build/judged

for t in spasm-search spasm-eval; do
    [ -x "$bin/$t" ] || { echo "judged.sh: $bin/$t is missing: run make first" >&2; exit 2; }
done
[ -f "$index" ] || { echo "judged.sh: $index is missing: run make first" >&2; exit 2; }
mkdir -p "$out"

if [ "${1:-}" = --passages ]; then
    # Built by make (make bench-tools), with the rest of the tree.
    make --no-print-directory -s BUILD="$build" "$build/bench/dump_passages" >&2 ||
        { echo "judged.sh: could not build $build/bench/dump_passages" >&2; exit 2; }
    exec "$build/bench/dump_passages" "${2:-$index}"
fi

rc=0
"$bin/spasm-search" -i "$index" -f "$queries" --format trec -k 10 --run-tag judged --typos "$@" \
    > "$out/run.txt" || rc=$?
[ "$rc" -le 1 ] || { echo "judged.sh: spasm-search failed (status $rc)" >&2; exit 2; }
"$bin/spasm-eval" -q "$qrels" "$out/run.txt" > "$out/eval.txt"

awk -v out="$out" '
    FILENAME == ARGV[1] { if ($4 > 0) rel[$1 SUBSEP $3] = $4; next }
    FILENAME == ARGV[2] {
        t = index($0, "\t"); if (t == 0 || $0 ~ /^#/) next
        qid = substr($0, 1, t - 1); nq++; order[nq] = qid; text[qid] = substr($0, t + 1)
        next
    }
    {   # run: qid Q0 docno rank score tag
        if (($1 SUBSEP $3) in rel && (!($1 in first) || $4 + 0 < first[$1])) first[$1] = $4 + 0
        if ($4 + 0 <= 3) top[$1] = top[$1] (top[$1] == "" ? "" : " ") $3 "(" rel[$1 SUBSEP $3] + 0 ")"
    }
    END {
        for (i = 1; i <= nq; i++) {
            q = order[i]
            if (q in first) { rr += 1 / first[q]; if (first[q] <= 3) { s3++; continue } }
            misses = misses sprintf("  miss q%-3s %-45s first relevant at %s; top 3: %s\n", q,
                                    text[q], (q in first) ? first[q] : "--",
                                    (q in top) ? top[q] : "no results")
            nmiss++
        }
        printf "judged: %d queries; run %s/run.txt, trec_eval lines %s/eval.txt\n", nq, out, out
        if (nmiss) printf "judged: %d queries with no relevant passage in the top 3:\n%s", nmiss, misses
        printf "%-22s\tall\t%6.4f\n%-22s\tall\t%6.4f\n", "success_3", s3 / nq, "mrr_10", rr / nq
    }' "$qrels" "$queries" "$out/run.txt"
grep -E '^(ndcg_cut_10|map|P_10|num_q) ' "$out/eval.txt" | grep -w all
