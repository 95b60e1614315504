#!/bin/bash
# pair_cpu.sh ROUNDS QUERIES.tsv TAG=BENCHDIR:INDEX ...
#
# Search latency of several (binary, index) pairs taken in turn, ROUNDS
# times: the way bench/README.md compares two builds, or one index with
# another, on these shared machines, where one pass's p50 moves by 10-20%
# between runs and a file just written answers up to 20% faster than the
# same file read back ("The page cache decides more than the code").  So
# the page cache is dropped first (when /proc/sys/vm/drop_caches can be
# written: root; DROP=0 leaves it, as make check's smoke run does), and every index is read back (cat) before each of its
# runs.  Each run is `BENCHDIR/spasm_bench query INDEX QUERIES K ARGS`
# with SPASM_BENCH_CPU=1 (thread CPU time per query); K and ARGS come from
# the environment (K=10, ARGS="--group doc --collapse off").
# Prints "ROUND TAG p50 mean p99" (ms) per run, then per tag the medians
# over the rounds, and for each tag after the first its p50 over the
# first tag's, round by round: median (lowest-highest).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: pair_cpu.sh ROUNDS QUERIES.tsv TAG=BENCHDIR:INDEX ..." >&2
    exit 2
fi
rounds=$1 queries=$2
shift 2
case $rounds in '' | *[!0-9]* | 0) echo "pair_cpu.sh: ROUNDS must be a number above 0" >&2; exit 2 ;; esac
for a in "$@"; do
    case $a in *=*:*) ;; *) echo "pair_cpu.sh: '$a' is not TAG=BENCHDIR:INDEX" >&2; exit 2 ;; esac
    b=${a#*=}
    [ -x "${b%%:*}/spasm_bench" ] || { echo "pair_cpu.sh: no ${b%%:*}/spasm_bench" >&2; exit 2; }
    [ -e "${b#*:}" ] || { echo "pair_cpu.sh: no index ${b#*:}" >&2; exit 2; }
done
sync
if [ "${DROP:-1}" = 0 ]; then
    echo "# page cache left as it is (DROP=0)"
elif (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    echo "# page cache dropped"
else
    echo "# page cache not dropped (not root)"
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
    for a in "$@"; do
        tag=${a%%=*} b=${a#*=}
        dir=${b%%:*} ix=${b#*:}
        find "$ix" -type f -exec cat {} + >/dev/null
        # shellcheck disable=SC2086
        SPASM_BENCH_CPU=1 "$dir/spasm_bench" query "$ix" "$queries" "${K:-10}" \
            ${ARGS:---group doc --collapse off} | tail -n 1 |
            python3 -c "import json,sys; d=json.load(sys.stdin); print('$r $tag', d['p50_ms'], d['mean_ms'], d['p99_ms'])" |
            tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import statistics as st, sys
d, order = {}, []
for line in open(sys.argv[1]):
    r, t, a, b, c = line.split()
    if t not in d: order.append(t)
    d.setdefault(t, []).append((float(a), float(b), float(c)))
for t in order:
    v = d[t]
    print(f"{t}: p50 {st.median(x[0] for x in v):.4f} mean {st.median(x[1] for x in v):.4f} p99 {st.median(x[2] for x in v):.4f} ms (medians of {len(v)})")
base = order[0]
for t in order[1:]:
    r = [y[0] / x[0] for x, y in zip(d[base], d[t]) if x[0] > 0]
    if r:
        print(f"{t} / {base}, p50: {st.median(r):.3f}x ({min(r):.3f}-{max(r):.3f})")
PY
