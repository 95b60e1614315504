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
# 2. INPUT through 10 `spasm-index --update` batches, title top-10
#    latency (spasm_bench, as run.sh's main runs) against the one-shot
#    index, then after `spasm-index --optimize`; the folder as it was
#    after the batch that left the most segments (the merge policy's
#    worst case a search meets: 7 segments of one tier on wikipedia_en,
#    the 8th batch merges them; a hard-link copy is kept) against a
#    one-shot index of the same batches' documents (like for like),
#    then ROUNDS (environment, default 5) more times, the two taking
#    turns: one run's p50 moves
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
rm -rf "$W/live" "$W/batches.spx" "$W/peak.spx" "$W/chunks"
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
n=0 tq=0 peak=0 pk=0
for f in "$W"/chunks/part-*; do
    mv "$f" "$f.jsonl"
    build/bin/spasm-index -q --update -o "$W/batches.spx" "$f.jsonl"
    n=$((n + 1))
    a=$(date +%s.%N) # not counted in the batches' time
    build/bin/spasm-index --info "$W/batches.spx" >"$W/info-$n.txt"
    s=$(sed -n 's/.*segments: \([0-9]*\),.*/\1/p' "$W/info-$n.txt")
    if [ "${s:-0}" -gt "$peak" ]; then # the most segments so far: keep this commit
        peak=$s pk=$n
        cp "$W/info-$n.txt" "$W/peak-info.txt"
        rm -rf "$W/peak.spx"
        mkdir "$W/peak.spx"
        for x in "$W/batches.spx"/*; do # segment files are never changed in place: linked
            case $x in *.sps) ln "$x" "$W/peak.spx/" ;; *) cp "$x" "$W/peak.spx/" ;; esac
        done
    fi
    tq=$(echo "$tq + $(date +%s.%N) - $a" | bc)
done
t1=$(date +%s.%N)
t0=$(echo "$t0 + $tq" | bc)
echo "$pk" >"$W/peak-batches.txt"
# the peak's batches' documents in one segment: its like-for-like base
build/bin/spasm-index -q -o "$W/live/onep.spx" $(ls "$W"/chunks/part-*.jsonl | head -n "$pk")
q "$W/peak.spx" peak
q "$W/live/onep.spx" onep
build/bin/spasm-index --info "$W/batches.spx" >"$W/batches-info.txt"
q "$one" one
q "$W/batches.spx" batches
t2=$(date +%s.%N)
build/bin/spasm-index -q --optimize -o "$W/batches.spx"
t3=$(date +%s.%N)
q "$W/batches.spx" optimized
q "$one" one2
say "live: $ROUNDS rounds of onep and the $peak segments in turn ..."
for r in $(seq "$ROUNDS"); do
    q "$W/live/onep.spx" "onep-r$r"
    q "$W/peak.spx" "peak-r$r"
    cli "$W/live/onep.spx" "onep-r$r"
    cli "$W/peak.spx" "peak-r$r"
done
rm -rf "$W/peak.spx"

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
q = {t: json.load(open(f"{w}/q-{t}.json")) for t in ("one", "onep", "peak", "batches", "optimized", "one2")}
pk = open(f"{w}/peak-batches.txt").read().strip()
npk = nseg("peak-info.txt")
counts = ", ".join(nseg(f"info-{i}.txt") for i in range(1, 11))
L.append(f"\n### Search over 10 `--update` batches (title queries, top-10, by document, folding off)\n")
L.append(f"10 batches: {float(batch_s):.1f} s; segments after each batch: {counts} (the merge policy merges 8 segments of one tier); `--optimize`: {float(opt_s):.1f} s.\n")
L.append(f"The most segments a search met: {npk}, after {pk} batches. That row's ratios are to the one-shot index of the same {pk} batches' documents (the line above it), the others' to the one-shot index of all 10.\n")
L.append("| index | mean (ms) | p50 (ms) | p99 (ms) | p50 / one | p99 / one |\n|---|---|---|---|---|---|")
def ratio(a, b):  # "n/a" when a tiny run rounds the base to 0
    return f"{a / b:.2f}x" if b > 0 else "n/a"
def row(name, t, base):
    r = q[t]; b = q[base]
    L.append(f"| {name} | {r['mean_ms']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio(r['p50_ms'], b['p50_ms'])} | {ratio(r['p99_ms'], b['p99_ms'])} |")
row("one-shot (one segment)", "one", "one")
row(f"one-shot of the {pk} batches' documents", "onep", "onep")
row(f"{pk} batches ({npk} segments, the most)", "peak", "onep")
row("10 batches", "batches", "one")
row("one-shot, again", "one2", "one2")
row("10 batches, optimized", "optimized", "one2")
rs = [(json.load(open(f"{w}/q-onep-r{r}.json")), json.load(open(f"{w}/q-peak-r{r}.json")))
      for r in range(1, int(rounds) + 1)]
rs = [(a, b) for a, b in rs if a["p50_ms"] > 0 and a["p99_ms"] > 0]
if rs:
    p50 = [b["p50_ms"] / a["p50_ms"] for a, b in rs]
    p99 = [b["p99_ms"] / a["p99_ms"] for a, b in rs]
    L.append(f"\n{npk} segments against the one-shot index of their documents, {len(rs)} more rounds, the two in turn "
             f"(p50 ms one-shot / {npk} segments, each round): "
             + ", ".join(f"{a['p50_ms']:.4f} / {b['p50_ms']:.4f}" for a, b in rs) + ".\n")
    L.append(f"| {npk} segments / one-shot | median | lowest | highest |\n|---|---|---|---|")
    L.append(f"| p50 | {statistics.median(p50):.2f}x | {min(p50):.2f}x | {max(p50):.2f}x |")
    L.append(f"| p99 | {statistics.median(p99):.2f}x | {min(p99):.2f}x | {max(p99):.2f}x |")
cl = [[list(map(int, open(f"{w}/cli-{t}-r{r}.txt").read().split())) for r in range(1, int(rounds) + 1)]
      for t in ("onep", "peak")]
if cl[0]:
    L.append(f"\nOne `spasm-search -i INDEX \"{cliq}\"` process per index and round, as a user runs it (text "
             "output: near-duplicates folded; a live index first builds its pair table), and with "
             "`--no-collapse`; wall ms, median of the rounds:\n")
    L.append(f"| | one-shot of the {pk} batches' documents | {npk} segments | {npk} segments / one-shot |\n|---|---|---|---|")
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
