#!/usr/bin/env bash
# bench/live.sh -- the live part of bench/run.sh (issue 11): the writer's
# figures of a live index side by side with Xapian and SQLite FTS5, and
# search latency over a live index of several segments.
#
#   bench/live.sh INPUT QUERIES.tsv WORKDIR OUT.md [COMMITS] [PEER=INDEX...]
#
# 1. build/bench/live_bench INPUT WORKDIR/live COMMITS: one-shot vs the
#    update path in one batch (time, peak memory), COMMITS single-document
#    commits, 1,000 deletes in one commit;
# 2. INPUT through 10 `spasm-index --update` batches (10 segments), title
#    top-10 latency (spasm_bench, as run.sh's main runs) against the
#    one-shot index, then after `spasm-index --optimize`; after 9 batches
#    (9 segments: the 10th makes the policy merge them all) against a
#    one-shot index of the same 9 batches' documents (like for like),
#    then ROUNDS (environment, default 5) more times, the two taking
#    turns (a copy of the 9-segment folder is kept): one run's p50 moves
#    by 10-20% between runs, so the report gives each round's ratio and
#    their median; in each round also one `spasm-search` process per
#    index with the CLI's defaults (text output, near-duplicates folded:
#    a live index builds its pair table first) and with --no-collapse,
#    the first title query, wall time;
# 3. each PEER (xapian=DB, fts5=DB: the indexes run.sh built) copied and
#    given the same single-document commits and deletes (`update`).
# Writes the Markdown report OUT.md; everything else under WORKDIR.
set -Eeuo pipefail
die() { echo "live.sh: $*" >&2; exit 2; }
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ $# -ge 4 ] || die "usage: bench/live.sh INPUT QUERIES.tsv WORKDIR OUT.md [COMMITS] [PEER=INDEX...]"
INPUT=$1 QUERIES=$2 W=$3 OUT=$4
COMMITS=${5:-1000}
ROUNDS=${ROUNDS:-5}
case $ROUNDS in '' | *[!0-9]*) die "ROUNDS must be a number, not '$ROUNDS'" ;; esac
shift 4
[ $# -gt 0 ] && shift
B=build/bench
mkdir -p "$W"
rm -rf "$W/live" "$W/batches.spx" "$W/batches9.spx" "$W/chunks"
mkdir -p "$W/live" "$W/chunks"

say "live: live_bench ($COMMITS single-document commits) ..."
"$B/live_bench" "$INPUT" "$W/live" "$COMMITS" >"$W/live_bench.md"

say "live: 10 --update batches ..."
gzip -dcf "$INPUT" >"$W/chunks/all"
split -n l/10 -d "$W/chunks/all" "$W/chunks/part-"
rm -f "$W/chunks/all"
t0=$(date +%s.%N)
one=$W/live/one.spx
q() { # INDEX TAG
    find "$1" -type f -exec cat {} + >/dev/null
    "$B/spasm_bench" query "$1" "$QUERIES" 10 --group doc --collapse off | tail -n 1 >"$W/q-$2.json"
}
cli() { # INDEX TAG: one spasm-search process as a user runs it, then unfolded
    local a b c
    a=$(date +%s%N)
    build/bin/spasm-search -i "$1" "$CLIQ" >/dev/null
    b=$(date +%s%N)
    build/bin/spasm-search -i "$1" --no-collapse "$CLIQ" >/dev/null
    c=$(date +%s%N)
    echo "$(((b - a) / 1000)) $(((c - b) / 1000))" >"$W/cli-$2.txt"
}
CLIQ=$(head -n 1 "$QUERIES" | cut -f 2)
n=0 tq=0
for f in "$W"/chunks/part-*; do
    mv "$f" "$f.jsonl"
    build/bin/spasm-index -q --update -o "$W/batches.spx" "$f.jsonl"
    n=$((n + 1))
    if [ $n = 9 ]; then # 9 segments: the 10th batch makes the policy merge all 10
        a=$(date +%s.%N)
        build/bin/spasm-index --info "$W/batches.spx" >"$W/batches9-info.txt"
        q "$W/batches.spx" batches9
        cp -r "$W/batches.spx" "$W/batches9.spx" # for the rounds below
        tq=$(echo "$(date +%s.%N) - $a" | bc)
    fi
done
t1=$(date +%s.%N)
t0=$(echo "$t0 + $tq" | bc)
# the 9 batches' documents in one segment: the 9-segment row's like-for-like base
build/bin/spasm-index -q -o "$W/live/one9.spx" "$W"/chunks/part-0[0-8].jsonl
q "$W/live/one9.spx" one9
build/bin/spasm-index --info "$W/batches.spx" >"$W/batches-info.txt"
q "$one" one
q "$W/batches.spx" batches
t2=$(date +%s.%N)
build/bin/spasm-index -q --optimize -o "$W/batches.spx"
t3=$(date +%s.%N)
q "$W/batches.spx" optimized
q "$one" one2
say "live: $ROUNDS rounds of one9 and the 9 segments in turn ..."
for r in $(seq "$ROUNDS"); do
    q "$W/live/one9.spx" "one9-r$r"
    q "$W/batches9.spx" "batches9-r$r"
    cli "$W/live/one9.spx" "one9-r$r"
    cli "$W/batches9.spx" "batches9-r$r"
done
rm -rf "$W/batches9.spx"

peers=""
for p in "$@"; do
    e=${p%%=*} idx=${p#*=}
    [ -e "$idx" ] || continue
    say "live: $e update ..."
    rm -rf "$W/peer-$e"
    cp -r "$idx" "$W/peer-$e"
    "$B/${e}_bench" update "$W/peer-$e" "$INPUT" "$COMMITS" | tail -n 1 >"$W/peer-$e.json"
    peers="$peers $e"
done

python3 - "$W" "$OUT" "$COMMITS" "$(echo "$t1 - $t0" | bc)" "$(echo "$t3 - $t2" | bc)" "$ROUNDS" "$CLIQ" $peers <<'EOF'
import json, re, statistics, sys
w, out, commits, batch_s, opt_s, rounds, cliq = sys.argv[1:8]
peers = sys.argv[8:]
L = []
L.append("## Live index (issue 11)\n")
L.append("`bench/live.sh` (run by `bench/run.sh`): wall times on this machine, CPU time where given.\n")
L.append("### The writer (`build/bench/live_bench`)\n")
L.append(open(f"{w}/live_bench.md").read())
def nseg(f):
    m = re.search(r"segments: (\d+)", open(f"{w}/{f}").read())
    return m.group(1) if m else "?"
q = {t: json.load(open(f"{w}/q-{t}.json")) for t in ("one", "one9", "batches9", "batches", "optimized", "one2")}
L.append(f"\n### Search over 10 `--update` batches (title queries, top-10, by document, folding off)\n")
L.append(f"10 batches: {float(batch_s):.1f} s; after 9 batches {nseg('batches9-info.txt')} segments, after 10 {nseg('batches-info.txt')} (10 segments of one tier are merged); `--optimize`: {float(opt_s):.1f} s.\n")
L.append("The 9-batch row's ratios are to the one-shot index of the same 9 batches' documents (the line above it), the others' to the one-shot index of all 10.\n")
L.append("| index | mean (ms) | p50 (ms) | p99 (ms) | p50 / one | p99 / one |\n|---|---|---|---|---|---|")
def ratio(a, b):  # "n/a" when a tiny run rounds the base to 0
    return f"{a / b:.2f}x" if b > 0 else "n/a"
def row(name, t, base):
    r = q[t]; b = q[base]
    L.append(f"| {name} | {r['mean_ms']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio(r['p50_ms'], b['p50_ms'])} | {ratio(r['p99_ms'], b['p99_ms'])} |")
row("one-shot (one segment)", "one", "one")
row("one-shot of the 9 batches' documents", "one9", "one9")
row("9 batches (9 segments)", "batches9", "one9")
row("10 batches", "batches", "one")
row("one-shot, again", "one2", "one2")
row("10 batches, optimized", "optimized", "one2")
rs = [(json.load(open(f"{w}/q-one9-r{r}.json")), json.load(open(f"{w}/q-batches9-r{r}.json")))
      for r in range(1, int(rounds) + 1)]
rs = [(a, b) for a, b in rs if a["p50_ms"] > 0 and a["p99_ms"] > 0]
if rs:
    p50 = [b["p50_ms"] / a["p50_ms"] for a, b in rs]
    p99 = [b["p99_ms"] / a["p99_ms"] for a, b in rs]
    L.append(f"\n9 segments against the one-shot index of their documents, {len(rs)} more rounds, the two in turn "
             f"(p50 ms one-shot / 9 segments, each round): "
             + ", ".join(f"{a['p50_ms']:.4f} / {b['p50_ms']:.4f}" for a, b in rs) + ".\n")
    L.append("| 9 segments / one-shot | median | lowest | highest |\n|---|---|---|---|")
    L.append(f"| p50 | {statistics.median(p50):.2f}x | {min(p50):.2f}x | {max(p50):.2f}x |")
    L.append(f"| p99 | {statistics.median(p99):.2f}x | {min(p99):.2f}x | {max(p99):.2f}x |")
cl = [[list(map(int, open(f"{w}/cli-{t}-r{r}.txt").read().split())) for r in range(1, int(rounds) + 1)]
      for t in ("one9", "batches9")]
if cl[0]:
    L.append(f"\nOne `spasm-search -i INDEX \"{cliq}\"` process per index and round, as a user runs it (text "
             "output: near-duplicates folded; a live index first builds its pair table), and with "
             "`--no-collapse`; wall ms, median of the rounds:\n")
    L.append("| | one-shot of the 9 batches' documents | 9 segments | 9 segments / one-shot |\n|---|---|---|---|")
    for i, name in ((0, "the CLI's defaults (folded)"), (1, "`--no-collapse`")):
        a = statistics.median(x[i] for x in cl[0]) / 1000
        b = statistics.median(x[i] for x in cl[1]) / 1000
        L.append(f"| {name} | {a:.1f} | {b:.1f} | {ratio(b, a)} |")
if peers:
    sp = open(f"{w}/live_bench.md").read()
    mc = re.search(r"single-document commits \| ([\d.]+) s; mean ([\d.]+) ms, p50 ([\d.]+) ms, p99 ([\d.]+) ms", sp)
    md = re.search(r"delete \d+ ids, commit \| (\d+) ms", sp)
    L.append(f"\n### The same update workload: {commits} single-document commits, then 1,000 deletes in one commit\n")
    L.append("| engine | commits total (s) | mean / p50 / p99 (ms) | 1,000 deletes + commit (ms) | commits: peer / spasm | deletes: peer / spasm |\n|---|---|---|---|---|---|")
    if mc and md:
        L.append(f"| spasm | {mc.group(1)} | {mc.group(2)} / {mc.group(3)} / {mc.group(4)} | {md.group(1)} | 1.00x | 1.00x |")
    for e in peers:
        r = json.load(open(f"{w}/peer-{e}.json"))
        rt = ratio(r["commit_total_s"], float(mc.group(1))) if mc else "n/a"
        rd = ratio(r["delete_ms"], float(md.group(1))) if md else "n/a"
        L.append(f"| {e} | {r['commit_total_s']:.1f} | {r['commit_mean_ms']:.1f} / {r['commit_p50_ms']:.1f} / {r['commit_p99_ms']:.1f} | {r['delete_ms']:.0f} | {rt} | {rd} |")
open(out, "w").write("\n".join(L) + "\n")
EOF
say "live: report in $OUT"
