#!/usr/bin/env bash
# parts.sh -- issue 14's table: each part of "understand what people type"
# on and off, one row per part, nDCG@10 on each of the six collections in
# ../shared/eval (bench/eval.sh), their mean, and the judged set of the
# bundled corpus (bench/judged.sh: nDCG@10 and success@3).
#
#   bench/parts.sh            # writes BUILD/parts/PARTS.md and prints it
#
# Every row runs bench/eval.sh and bench/judged.sh with the row's options
# (the collections are re-indexed for each row, so a row with index
# options gets its own indexes).  The published copy is the table in
# bench/EVAL.md ("Issue 14, part by part"), copied by hand.
# Environment: BUILD=dir (default build).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
out=$build/parts
mkdir -p "$out"

rm3="--feedback-terms 30 --feedback-docs 5 --feedback-weight 0.7"
tuned="--title-weight 3 --families --family-weight 0.7 --proximity 0.25"
# name | spasm-index options | spasm-search options
rows=(
    "defaults||"
    "1. spelling variants off|--no-variants|"
    "2. typos on (--typos)||--typos"
    "3. word families (--families)||--families"
    "3. word families, weight 0.7||--families --family-weight 0.7"
    "4. synonyms (examples/synonyms-medical.txt)||--synonyms examples/synonyms-medical.txt"
    "5. title weight 3||--title-weight 3"
    "6. proximity 0.25||--proximity 0.25"
    "7. page furniture (--boilerplate)||--boilerplate"
    "RM3 feedback (T 30, D 5, lambda 0.7)||$rm3"
    "tuned together: $tuned||$tuned"
    "tuned together + RM3||$tuned $rm3"
    "BM25+ delta 0.25 (--bm25-delta 0.25)||--bm25-delta 0.25"
    "tuned together + BM25+ delta 0.25||$tuned --bm25-delta 0.25"
)

ndcg() { awk '$1 == "ndcg_cut_10" && $2 == "all" { printf "%.4f", $3 }' "$1"; }

{
    echo "| row | adi | med | cranfield | cisi | cacm | npl | mean | judged nDCG@10 | judged success@3 |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
} >"$out/PARTS.md"
for r in "${rows[@]}"; do
    IFS='|' read -r name iopts sopts <<<"$r"
    echo "parts.sh: $name" >&2
    # shellcheck disable=SC2086
    EVAL_INDEX_OPTS="$iopts" bench/eval.sh $sopts >/dev/null 2>&1
    line="| $name"
    sum=0
    for c in adi med cranfield cisi cacm npl; do
        v=$(ndcg "$build/eval/work/$c.eval")
        line+=" | $v"
        sum=$(awk -v s="$sum" -v v="$v" 'BEGIN { print s + v }')
    done
    line+=" | $(awk -v s="$sum" 'BEGIN { printf "%.4f", s / 6 }')"
    index=$build/corpus.spx
    if [ -n "$iopts" ]; then
        index=$out/corpus-row.spx
        # shellcheck disable=SC2086
        "$build/bin/spasm-index" -q $iopts -o "$index" corpus/
    fi
    # shellcheck disable=SC2086
    j=$(INDEX=$index bench/judged.sh $sopts 2>/dev/null)
    line+=" | $(echo "$j" | awk '$1 == "ndcg_cut_10" { print $3 }')"
    line+=" | $(echo "$j" | awk '$1 == "success_3" { print $3 }') |"
    echo "$line" >>"$out/PARTS.md"
done
cat "$out/PARTS.md"
echo "parts.sh: wrote $out/PARTS.md" >&2
