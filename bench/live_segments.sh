#!/bin/bash
# live_segments.sh CORPUS.jsonl.gz WORKDIR BEFORE AFTER [ROUNDS]
#
# A live folder of 8 segments and the cost of a 1-document commit on it
# (bench/README.md, "XDUP proportional to the change"): the first 270,000
# lines of CORPUS indexed with `AFTER -o`, the rest in BATCHES (default 7)
# equal `--update` batches (so that the merge policy, which merges 8
# segments of one tier, keeps 8 segments on wikipedia_en: one of tier 6,
# 7 of tier 5; until stop 26 the policy merged 10, and the folder was
# 110,000 lines and 9 batches);
# then ROUNDS (default 5) rounds of a 1-document `--update` (a copy of the
# corpus's first document: a replacement) by BEFORE and AFTER (two
# spasm-index binaries) alternated, each on a fresh hard-link copy of the
# folder, under `perf stat -e task-clock,page-faults`.  Prints one line
# per run ("ROUND before|after MSEC FAULTS") and the sorted times.
# DELETE=N (default 0): the folder is built with N documents of each
# segment deleted (lines 2..N+1 of each batch, one `--delete` commit), so
# that every segment has deletions (SKEY's markers cannot tell there:
# docs/FORMAT.md "SKEY"); such a folder is kept as live-delN.spx.
# FIRST=N (default 270000): the lines of the first segment.  Without a
# working `perf stat` (linux-perf), bash's `time` gives the CPU time and
# FAULTS is "-" (make check smoke-runs it so, on a tiny corpus).
set -e
del=${DELETE:-0} first=${FIRST:-270000} batches=${BATCHES:-7}
corpus=$1 work=$2 before=$3 after=$4 rounds=${5:-5}
if [ -z "$after" ]; then
    echo "usage: live_segments.sh CORPUS.jsonl.gz WORKDIR BEFORE AFTER [ROUNDS]" >&2
    exit 2
fi
corpus=$(realpath "$corpus") before=$(realpath "$before") after=$(realpath "$after")
mkdir -p "$work"
cd "$work"
folder=live.spx
[ "$del" -gt 0 ] && folder=live-del$del.spx
if [ ! -d $folder ]; then
    zcat "$corpus" > all.jsonl
    head -n "$first" all.jsonl > first.jsonl
    tail -n +$((first + 1)) all.jsonl > rest.jsonl
    rm -f part.[0-9][0-9]
    split -n l/"$batches" -d rest.jsonl part.
    "$after" -o $folder first.jsonl
    for f in part.[0-9][0-9]; do "$after" --update -o $folder "$f"; done
    if [ "$del" -gt 0 ]; then
        for f in first.jsonl part.[0-9][0-9]; do sed -n "2,$((del + 1))p" "$f"; done |
            sed 's/^{"id": *"\([^"]*\)".*/\1/' > delete.ids
        "$after" --delete -o $folder --ids-from delete.ids
    fi
    head -n 1 first.jsonl > one.jsonl
    rm -f all.jsonl rest.jsonl first.jsonl part.[0-9][0-9]
fi
"$after" --info $folder
perf=no
perf stat -x, -e task-clock true >/dev/null 2>&1 && perf=yes
: > rounds.txt
for r in $(seq 1 "$rounds"); do
    for which in before after; do
        bin=$before
        [ $which = after ] && bin=$after
        rm -rf run.spx
        cp -al $folder run.spx
        if [ "$perf" = yes ]; then
            v=$(perf stat -x, -e task-clock,page-faults "$bin" --update -o run.spx one.jsonl 2>&1 >/dev/null |
                awk -F, '/task-clock/ {t = $1} /page-faults/ {f = $1} END {print t, f}')
        else
            v=$( { TIMEFORMAT='%3U %3S'; time "$bin" --update -o run.spx one.jsonl >/dev/null 2>&1; } 2>&1 |
                awk '{printf "%.2f -\n", 1000 * ($1 + $2)}')
        fi
        echo "$r $which $v" | tee -a rounds.txt
    done
done
rm -rf run.spx
for which in before after; do
    echo "$which: $(awk -v w=$which '$2 == w {print $3}' rounds.txt | sort -n | tr '\n' ' ')ms"
done
