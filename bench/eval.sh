#!/usr/bin/env bash
# eval.sh -- ranking quality of spasm-search on the classic test collections
# in ../shared/eval (adi med cranfield cisi cacm npl), side by side with the
# nDCG@10 of Xapian and SQLite FTS5 measured earlier (../shared/GUIDE.md).
#
#   bench/eval.sh [SPASM-SEARCH OPTIONS...]     e.g. bench/eval.sh --k1 1.2 --b 0.75
#
# For each collection: index docs.jsonl into BUILD/eval/work/C.spx, run every
# query of queries.tsv (top 1000 documents, TREC format) into
# BUILD/eval/work/C.run, score it with spasm-eval against qrels.txt
# (BUILD/eval/work/C.eval, per query and "all"), then write the table to
# BUILD/eval/EVAL.md and print it.  Nothing is written into the tracked tree:
# bench/EVAL.md is the published copy, updated by copying BUILD/eval/EVAL.md
# over it by hand (then `make readme` copies its table into README.md).
# Options given to the script are passed on to spasm-search.  Progress goes
# to stderr.
#
# Environment:
#   BUILD=dir                 build tree with bin/ (default: build)
#   EVAL_COLLECTIONS="a b"    a subset of the collections
#   EVAL_REUSE_RUNS=1         skip indexing and searching: score the runs
#                             already in BUILD/eval/work (e.g. hand-made ones)
#   EVAL_INDEX_OPTS="..."     options for spasm-index (e.g. --no-variants)
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$script_dir/.." && pwd)
shared=$(cd "$(dirname "$0")/../../shared" 2>/dev/null && pwd) || {
    echo "eval.sh: $(dirname "$0")/../../shared not found (the data lives beside the repo)" >&2
    exit 2
}
cd "$root"

bin=${BUILD:-build}/bin
work=${BUILD:-build}/eval/work
out_md=${BUILD:-build}/eval/EVAL.md
all_collections="adi med cranfield cisi cacm npl"
read -ra collections <<<"${EVAL_COLLECTIONS:-$all_collections}"
reuse=${EVAL_REUSE_RUNS:-0}

# nDCG@10 of the peers (top-1000 run, trec_eval), from ../shared/GUIDE.md.
declare -A xapian=([adi]=.452 [med]=.681 [cranfield]=.348 [cisi]=.334 [cacm]=.447 [npl]=.435
                   [mean]=.450)
declare -A fts5=([adi]=.477 [med]=.701 [cranfield]=.354 [cisi]=.367 [cacm]=.470 [npl]=.430
                 [mean]=.467)

die() {
    echo "eval.sh: $*" >&2
    exit 2
}

tools="spasm-eval"
[ "$reuse" = 1 ] || tools="spasm-index spasm-search spasm-eval"
for t in $tools; do
    [ -x "$bin/$t" ] || die "$bin/$t is missing: run make first"
done
for c in "${collections[@]}"; do
    [ -n "${xapian[$c]+set}" ] || die "unknown collection $c (known: ${all_collections})"
    for f in docs.jsonl queries.tsv qrels.txt; do
        [ -f "$shared/eval/$c/$f" ] || die "$shared/eval/$c/$f not found"
    done
done
mkdir -p "$work"

# One line per collection: name num_q map ndcg_cut_10 P_10 recall_1000.
results=""
for c in "${collections[@]}"; do
    data=$shared/eval/$c
    run=$work/$c.run
    if [ "$reuse" = 1 ]; then
        [ -f "$run" ] || die "$run not found (EVAL_REUSE_RUNS=1 scores existing runs)"
        echo "eval.sh: $c: scoring the existing $run" >&2
    else
        echo "eval.sh: $c: indexing" >&2
        "$bin/spasm-index" -q ${EVAL_INDEX_OPTS:-} -o "$work/$c.spx" "$data/docs.jsonl"
        echo "eval.sh: $c: searching" >&2
        rc=0
        "$bin/spasm-search" -i "$work/$c.spx" --group doc -k 1000 --format trec \
            -f "$data/queries.tsv" "$@" >"$run.tmp" || rc=$?
        # Exit status 1 only means that no query found anything.
        if [ "$rc" -gt 1 ]; then
            rm -f "$run.tmp"
            die "$c: spasm-search failed (exit status $rc)"
        fi
        mv "$run.tmp" "$run"
    fi
    "$bin/spasm-eval" -q "$data/qrels.txt" "$run" >"$work/$c.eval"
    line=$(awk -v c="$c" '$2 == "all" { v[$1] = $3 }
        END { print c, v["num_q"], v["map"], v["ndcg_cut_10"], v["P_10"], v["recall_1000"] }' \
        "$work/$c.eval")
    results+="$line"$'\n'
done

peers=""
for c in "${collections[@]}"; do peers+="$c ${xapian[$c]} ${fts5[$c]}"$'\n'; done
# The peers' published means hold for all six collections; for a subset, average the rows.
all_six=0
sorted=$(printf '%s\n' "${collections[@]}" | sort -u | tr '\n' ' ')
[ "$sorted" = "adi cacm cisi cranfield med npl " ] && all_six=1

options="--group doc -k 1000"
[ $# -eq 0 ] || options+=" $*"
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    commit="commit $commit"
    changes=$(git status --porcelain --untracked-files=no 2>/dev/null)
    [ -z "$changes" ] || commit+=", with local changes"
else
    commit="no commit yet"
fi

table=$(awk -v all_six="$all_six" -v xmean="${xapian[mean]}" -v fmean="${fts5[mean]}" '
    # .452 style: 3 decimals, no leading zero; signed for differences.
    function f3(x) { s = sprintf("%.3f", x); sub(/^0\./, ".", s); sub(/^-0\./, "-.", s); return s }
    function d3(x) { s = f3(x); if (x >= 0) s = "+" s; if (s == "-.000") s = "+.000"; return s }
    function row(name, q, m, n, p, r, x, f) {
        best = x > f ? x : f
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, q, f3(m), f3(n), f3(p),
               f3(r), f3(x), f3(f), d3(n - best)
    }
    FNR == NR { x[$1] = $2; fp[$1] = $3; next }
    {
        k++; name[k] = $1; q[k] = $2; m[k] = $3; n[k] = $4; p[k] = $5; r[k] = $6
        sq += $2; sm += $3; sn += $4; sp += $5; sr += $6; sx += x[$1]; sf += fp[$1]
    }
    END {
        printf "| collection | queries | MAP | nDCG@10 | P@10 | R@1000 "
        print "| Xapian nDCG@10 | FTS5 nDCG@10 | vs best peer |"
        print "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
        for (i = 1; i <= k; i++) row(name[i], q[i], m[i], n[i], p[i], r[i], x[name[i]], fp[name[i]])
        if (all_six) { mx = xmean; mf = fmean } else { mx = sx / k; mf = sf / k }
        row("**mean**", sq, sm / k, sn / k, sp / k, sr / k, mx, mf)
    }' <(printf '%s' "$peers") <(printf '%s' "$results"))

{
    echo "# Ranking quality on the classic test collections"
    echo
    echo "Made by \`bench/eval.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') ($commit)."
    echo "spasm-search options: \`$options\`."
    [ "$reuse" != 1 ] ||
        echo "Runs reused from $work (EVAL_REUSE_RUNS=1), not made by this invocation."
    echo
    echo "MAP, nDCG@10, P@10 and R@1000 are scored by \`spasm-eval\` with trec_eval 9.x's"
    echo "definitions (\`-c\`: a judged query without results counts as 0). The peers' nDCG@10"
    echo "are the earlier measurements in ../shared/GUIDE.md (Xapian 1.4.22, BM25 k1=0.9 b=0.4;"
    echo "SQLite FTS5, bm25 k1=1.2 b=0.75; OR queries, top-1000 runs, trec_eval). \"vs best"
    echo "peer\" is our nDCG@10 minus the better peer's. The mean row averages the collections"
    echo "(each counts once, whatever its number of queries); its queries column is the total."
    echo
    echo "$table"
} >"$out_md"

echo "$table"
echo "eval.sh: wrote $out_md; runs and per-query scores in $work/" >&2
