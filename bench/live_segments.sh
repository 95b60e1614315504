#!/bin/bash
# live_segments.sh CORPUS.jsonl.gz WORKDIR BEFORE AFTER [ROUNDS]
#
# A live folder of 10 segments and the cost of a 1-document commit on it
# (bench/README.md, "XDUP proportional to the change"): the first 110,000
# lines of CORPUS indexed with `AFTER -o`, the rest in 9 equal `--update`
# batches (so that the merge policy keeps 10 segments on wikipedia_en);
# then ROUNDS (default 5) rounds of a 1-document `--update` (a copy of the
# corpus's first document: a replacement) by BEFORE and AFTER (two
# spasm-index binaries) alternated, each on a fresh hard-link copy of the
# folder, under `perf stat -e task-clock,page-faults`.  Prints one line
# per run ("ROUND before|after MSEC FAULTS") and the sorted times.
set -e
corpus=$1 work=$2 before=$3 after=$4 rounds=${5:-5}
if [ -z "$after" ]; then
    echo "usage: live_segments.sh CORPUS.jsonl.gz WORKDIR BEFORE AFTER [ROUNDS]" >&2
    exit 2
fi
mkdir -p "$work"
cd "$work"
if [ ! -d live.spx ]; then
    zcat "$corpus" > all.jsonl
    head -n 110000 all.jsonl > first.jsonl
    tail -n +110001 all.jsonl > rest.jsonl
    rm -f part.0*
    split -n l/9 -d rest.jsonl part.
    "$after" -o live.spx first.jsonl
    for f in part.0?; do "$after" --update -o live.spx "$f"; done
    head -n 1 first.jsonl > one.jsonl
    rm -f all.jsonl rest.jsonl first.jsonl part.0*
fi
"$after" --info live.spx
: > rounds.txt
for r in $(seq 1 "$rounds"); do
    for which in before after; do
        bin=$before
        [ $which = after ] && bin=$after
        rm -rf run.spx
        cp -al live.spx run.spx
        v=$(perf stat -x, -e task-clock,page-faults "$bin" --update -o run.spx one.jsonl 2>&1 >/dev/null |
            awk -F, '/task-clock/ {t = $1} /page-faults/ {f = $1} END {print t, f}')
        echo "$r $which $v" | tee -a rounds.txt
    done
done
rm -rf run.spx
for which in before after; do
    echo "$which: $(awk -v w=$which '$2 == w {print $3}' rounds.txt | sort -n | tr '\n' ' ')ms"
done
