#!/usr/bin/env bash
# bench/run.sh -- spasm-search against Xapian and SQLite FTS5, in one run on
# this machine: indexing time, indexing peak memory, index size, and query
# latency (title and long queries, top-10 and top-1000, one thread).
#
#   bench/run.sh [--collection NAME] [--small [N]] [--engines LIST] [--out FILE]
#                [--reuse-peers] [--long-ks LIST] [--spasm-group doc|none]
#                [--xapian-stem some|all]
#
# Run from the repository root (`make bench` does).  See bench/README.md for
# what is measured and how; the report goes to build/bench/RESULTS.md by
# default and everything else under build/bench/work/: a run never writes
# into the tracked tree (bench/RESULTS.md is the published copy, copied by hand).
set -Eeuo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [options]

  --collection NAME    ../shared/bench/NAME/ (docs.jsonl[.gz], queries.tsv,
                       queries_long.tsv); default wikipedia_en
  --small [N]          index only the first N documents (default 50000), copied
                       to build/bench/work/NAME-smallN/docs.jsonl: a quick trial run
  --engines LIST       comma-separated, from spasm,xapian,fts5 (default: all)
  --out FILE           the report (default build/bench/RESULTS.md)
  --reuse-peers        do not re-index a peer (xapian, fts5) whose index from an
                       earlier run is complete in the work directory; its
                       indexing figures are then those of that earlier run
  --long-ks LIST       top-k values for the long queries (default 10,1000);
                       the title queries always run at 10 and 1000
  --spasm-group G      doc (default): spasm returns one hit per document, the
                       unit the peers rank; none: one hit per passage
  --xapian-stem S      some (default): Xapian's STEM_SOME (unstemmed terms with
                       positions plus stemmed ones); all: STEM_ALL (stemmed
                       terms only: a smaller, faster index -- the setting the
                       guide's Xapian figures match)
  -h, --help           this text
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }
trap 'echo "run.sh: line $LINENO: unexpected failure of: $BASH_COMMAND" >&2' ERR
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
[ -d "$SCRIPT_DIR/../../shared" ] || die "no ../shared next to the repository ($SCRIPT_DIR/../../shared)"
SHARED=$(cd "$SCRIPT_DIR/../../shared" && pwd)
cd "$ROOT"

COLLECTION=wikipedia_en
SMALL=0
ENGINES=spasm,xapian,fts5
OUT=build/bench/RESULTS.md
REUSE_PEERS=0
LONG_KS=10,1000
SPASM_GROUP=doc
XAPIAN_STEM=some
while [ $# -gt 0 ]; do
    case "$1" in
    --collection) [ $# -ge 2 ] || die "--collection needs a name"; COLLECTION=$2; shift 2 ;;
    --small)
        SMALL=50000; shift
        if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then SMALL=$1; shift; fi ;;
    --engines) [ $# -ge 2 ] || die "--engines needs a list"; ENGINES=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
    --reuse-peers) REUSE_PEERS=1; shift ;;
    --long-ks) [ $# -ge 2 ] || die "--long-ks needs a list"; LONG_KS=$2; shift 2 ;;
    --spasm-group) [ $# -ge 2 ] || die "--spasm-group needs doc or none"; SPASM_GROUP=$2; shift 2 ;;
    --xapian-stem) [ $# -ge 2 ] || die "--xapian-stem needs some or all"; XAPIAN_STEM=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
case "$SPASM_GROUP" in doc|none) ;; *) die "--spasm-group takes doc or none, not '$SPASM_GROUP'" ;; esac
case "$XAPIAN_STEM" in some|all) ;; *) die "--xapian-stem takes some or all, not '$XAPIAN_STEM'" ;; esac
IFS=, read -r -a ENGINE_LIST <<<"$ENGINES"
[ ${#ENGINE_LIST[@]} -gt 0 ] || die "--engines: empty list"
for e in "${ENGINE_LIST[@]}"; do
    case "$e" in spasm|xapian|fts5) ;; *) die "--engines: unknown engine '$e' (spasm, xapian, fts5)" ;; esac
done
IFS=, read -r -a LONG_K_LIST <<<"$LONG_KS"
for k in "${LONG_K_LIST[@]}"; do [[ $k =~ ^[1-9][0-9]*$ ]] || die "--long-ks: '$k' is not a positive integer"; done

# ---- the collection -----------------------------------------------------------
SRC=$SHARED/bench/$COLLECTION
[ -d "$SRC" ] || die "no collection '$COLLECTION' ($SRC)"
if [ -f "$SRC/docs.jsonl.gz" ]; then DOCS=$SRC/docs.jsonl.gz
elif [ -f "$SRC/docs.jsonl" ]; then DOCS=$SRC/docs.jsonl
else die "$SRC has no docs.jsonl.gz or docs.jsonl"; fi
Q_TITLE=$SRC/queries.tsv
Q_LONG=$SRC/queries_long.tsv
[ -f "$Q_TITLE" ] || die "missing $Q_TITLE"
[ -f "$Q_LONG" ] || die "missing $Q_LONG"

if [ "$SMALL" -gt 0 ]; then
    WORK=build/bench/work/$COLLECTION-small$SMALL
else
    WORK=build/bench/work/$COLLECTION
fi
LOGS=$WORK/logs
RES=$WORK/results
RUNS=$WORK/runs
mkdir -p "$WORK" "$LOGS" "$RUNS"
rm -rf "$RES"
mkdir -p "$RES"

INPUT=$DOCS
if [ "$SMALL" -gt 0 ]; then
    INPUT=$WORK/docs.jsonl
    if [ ! -s "$INPUT" ] || [ "$(wc -l <"$INPUT")" -ne "$SMALL" ]; then
        say "writing the first $SMALL documents of $DOCS to $INPUT"
        # head closes the pipe early: gzip's SIGPIPE is expected, the line count is checked.
        { gzip -dcf "$DOCS" | head -n "$SMALL" >"$INPUT.tmp"; } || true
        n=$(wc -l <"$INPUT.tmp")
        [ "$n" -eq "$SMALL" ] || die "wanted $SMALL lines from $DOCS, got $n"
        mv "$INPUT.tmp" "$INPUT"
    fi
fi
NDOCS_NOTE=$([ "$SMALL" -gt 0 ] && echo "first $SMALL documents" || echo "all documents")

# ---- tools and packages -------------------------------------------------------------
want_pkgs="time pkg-config jq"
for e in "${ENGINE_LIST[@]}"; do
    case "$e" in
    spasm) want_pkgs="$want_pkgs libstemmer-dev libutf8proc-dev libjansson-dev libdeflate-dev zlib1g-dev" ;;
    xapian) want_pkgs="$want_pkgs libxapian-dev libjansson-dev zlib1g-dev g++" ;;
    fts5) want_pkgs="$want_pkgs libsqlite3-dev libutf8proc-dev libjansson-dev zlib1g-dev" ;;
    esac
done
missing=""
for p in $want_pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        say "installing$missing"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2 ||
            die "apt-get install$missing failed"
    else
        die "missing Debian packages:$missing (sudo apt-get install$missing)"
    fi
fi
command -v python3 >/dev/null || die "python3 is needed to write the report"

# ---- build the harnesses ---------------------------------------------------------------
B=build/bench
mkdir -p "$B"
STATUS_DIR=$RES/status
mkdir -p "$STATUS_DIR"
# An engine that fails at some step is reported as such; the others go on.
mark_failed() { # engine step log
    echo "$2 failed (see $3)" >"$STATUS_DIR/$1"
    say "$1: $2 FAILED -- see $3"
    if [ -f "$3" ]; then tail -n 5 "$3" | sed 's/^/    /' >&2; fi
}
engine_ok() { [ ! -f "$STATUS_DIR/$1" ]; }

# The harnesses are built by the Makefile (make bench-tools), with the flags
# of the rest of the tree; this only makes sure they are up to date.
build_engine() {
    local e=$1 log=$LOGS/build-$1.log
    local targets=("$B/${e}_bench")
    [ "$e" = spasm ] && targets+=(build/bin/spasm-index)
    make --no-print-directory "${targets[@]}" >"$log" 2>&1 ||
        { mark_failed "$e" "build of ${targets[*]} (make)" "$log"; return; }
    say "$e: harness built ($B/${e}_bench)"
}

# The name of an engine's index (and of its files) in the work directory: one
# per configuration, so that --reuse-peers keeps each.
index_name() {
    case "$1" in
    xapian) echo "xapian-stem$XAPIAN_STEM" ;;
    *) echo "$1" ;;
    esac
}
index_path() {
    case "$1" in
    spasm) echo "$WORK/spasm.spx" ;;
    xapian) echo "$WORK/$(index_name xapian)" ;;
    fts5) echo "$WORK/fts5.db" ;;
    esac
}

# /usr/bin/time -v's "Elapsed (wall clock) time (h:mm:ss or m:ss): 3:25.12" in seconds
wall_seconds() {
    sed -n 's/.*Elapsed (wall clock) time.*: //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f\n", s }'
}
peak_rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

index_engine() {
    local e=$1 idx meta log tlog
    idx=$(index_path "$e")
    meta=$WORK/index-$(index_name "$e").json # written only once the index is complete
    log=$LOGS/index-$(index_name "$e").log
    tlog=$LOGS/index-$(index_name "$e").time
    if [ "$REUSE_PEERS" = 1 ] && [ "$e" != spasm ] && [ -f "$meta" ] && [ -e "$idx" ] &&
        [ "$(jq -r .input "$meta")" = "$INPUT" ]; then
        say "$e: reusing the index $idx (built $(jq -r .built "$meta"))"
        jq '. + {reused: true}' "$meta" >"$RES/index-$e.json"
        return
    fi
    rm -f "$meta"
    rm -rf "$idx" "$idx.build"
    local cmd
    case "$e" in
    spasm) cmd=(build/bin/spasm-index -q -o "$idx" "$INPUT") ;;
    xapian) cmd=("$B/xapian_bench" index "$idx" "$INPUT" --stem "$XAPIAN_STEM") ;;
    fts5) cmd=("$B/fts5_bench" index "$idx" "$INPUT") ;;
    esac
    say "$e: indexing $INPUT ($NDOCS_NOTE) ..."
    if ! /usr/bin/time -v -o "$tlog" "${cmd[@]}" >"$log" 2>&1; then
        cat "$tlog" >>"$log" 2>/dev/null || true
        mark_failed "$e" "indexing (${cmd[*]})" "$log"
        return
    fi
    [ -e "$idx" ] || { echo "no index at $idx after indexing" >>"$log"; mark_failed "$e" indexing "$log"; return; }
    local wall rss bytes
    wall=$(wall_seconds "$tlog")
    rss=$(peak_rss_kb "$tlog")
    bytes=$(du -sb "$idx" | cut -f1)
    [ -n "$wall" ] && [ -n "$rss" ] && [ -n "$bytes" ] ||
        { echo "could not read the time/size figures from $tlog" >>"$log"; mark_failed "$e" "reading the indexing figures" "$log"; return; }
    jq -n --arg engine "$e" --argjson wall "$wall" --argjson rss_kb "$rss" --argjson bytes "$bytes" \
        --arg built "$(date '+%Y-%m-%d %H:%M')" --arg input "$INPUT" \
        '{engine: $engine, wall_s: $wall, rss_kb: $rss_kb, bytes: $bytes, built: $built, input: $input, reused: false}' \
        >"$meta"
    cp "$meta" "$RES/index-$e.json"
    say "$e: indexed in ${wall} s, peak RSS $((rss * 1024 / 1000000)) MB, index $((bytes / 1000000)) MB"
}

query_engine() {
    local e=$1 idx
    idx=$(index_path "$e")
    # Warm the page cache: every engine is measured with its index in memory.
    find "$idx" -type f -exec cat {} + >/dev/null
    local set qf k ks out log cmd
    for set in title long; do
        if [ $set = title ]; then qf=$Q_TITLE; ks="10 1000"; else qf=$Q_LONG; ks="${LONG_K_LIST[*]}"; fi
        for k in $ks; do
            out=$RES/query-$e-$set-$k.json
            log=$LOGS/query-$e-$set-$k.log
            case "$e" in
            spasm) cmd=("$B/spasm_bench" query "$idx" "$qf" "$k" --group "$SPASM_GROUP" --collapse off) ;;
            xapian) cmd=("$B/xapian_bench" query "$idx" "$qf" "$k") ;;
            fts5) cmd=("$B/fts5_bench" query "$idx" "$qf" "$k") ;;
            esac
            cmd+=(--run "$RUNS/$e-$set-$k.run")
            say "$e: $set queries, top-$k ..."
            if ! "${cmd[@]}" >"$out.tmp" 2>"$log"; then
                mark_failed "$e" "$set queries top-$k (${cmd[*]})" "$log"
                rm -f "$out.tmp"
                return
            fi
            tail -n 1 "$out.tmp" >"$out"
            rm -f "$out.tmp"
            jq -e .p50_ms "$out" >/dev/null 2>&1 ||
                { echo "no JSON summary line from ${cmd[*]}" >>"$log"; mark_failed "$e" "$set queries top-$k" "$log"; rm -f "$out"; return; }
            say "$e: $set top-$k: $(jq -r '"mean \(.mean_ms) ms, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, \(.qps) QPS, \(.zero_hits) without hits"' "$out")"
        done
    done
    # spasm-search's text default, beyond the peers' task: near-duplicates
    # folded (by passage: --group doc never folds)
    if [ "$e" = spasm ]; then
        out=$RES/query-spasm-titlefold-10.json
        log=$LOGS/query-spasm-titlefold-10.log
        say "spasm: title queries, top-10, near-duplicates folded ..."
        if "$B/spasm_bench" query "$idx" "$Q_TITLE" 10 --group none --collapse on \
            --run "$RUNS/spasm-titlefold-10.run" >"$out.tmp" 2>"$log"; then
            tail -n 1 "$out.tmp" >"$out"
        else
            echo "the folding run failed: see $log" >&2
        fi
        rm -f "$out.tmp"
    fi
}

for e in "${ENGINE_LIST[@]}"; do
    build_engine "$e"
done

# ---- machine and versions ----------------------------------------------------------
ver() { if engine_ok "$1" && [ -x "$B/$1_bench" ]; then "$B/$1_bench" version 2>/dev/null || echo "?"; else echo "n/a"; fi; }
jq -n \
    --arg date "$(date '+%Y-%m-%d %H:%M %Z')" \
    --arg nproc "$(nproc)" \
    --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
    --arg mem "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
    --arg os "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)" \
    --arg kernel "$(uname -r)" \
    --arg cc "$(cc --version | head -n 1)" \
    --arg spasm "$(ver spasm)" --arg xapian "$(ver xapian)" --arg fts5 "$(ver fts5)" \
    --arg collection "$COLLECTION" --arg docs "$DOCS" --arg ndocs "$(if [ "$SMALL" -gt 0 ]; then echo "$SMALL"; else echo all; fi)" \
    --arg input "$INPUT" --arg spasm_group "$SPASM_GROUP" --arg engines "$ENGINES" \
    --arg xapian_stem "$XAPIAN_STEM" \
    --arg qtitle "$Q_TITLE" --arg qlong "$Q_LONG" --arg reuse "$REUSE_PEERS" \
    '{date: $date, nproc: $nproc, cpu: $cpu, mem: $mem, os: $os, kernel: $kernel, cc: $cc,
      versions: {spasm: $spasm, xapian: $xapian, fts5: $fts5}, collection: $collection, docs: $docs,
      ndocs: $ndocs, input: $input, spasm_group: $spasm_group, xapian_stem: $xapian_stem, engines: $engines,
      q_title: $qtitle, q_long: $qlong, reuse_peers: $reuse}' >"$RES/machine.json"

# ---- index and query, one engine at a time ---------------------------------------------
for e in "${ENGINE_LIST[@]}"; do
    engine_ok "$e" && index_engine "$e"
    engine_ok "$e" && query_engine "$e"
done

# ---- the report -------------------------------------------------------------------------
say "writing $OUT"
mkdir -p "$(dirname "$OUT")"
IDX_PATHS=()
for e in "${ENGINE_LIST[@]}"; do IDX_PATHS+=("$e=$(index_path "$e")"); done
python3 - "$RES" "$OUT" "${IDX_PATHS[@]}" <<'PYEOF'
import json, os, struct, subprocess, sys

res, out = sys.argv[1], sys.argv[2]
paths = dict(a.split("=", 1) for a in sys.argv[3:])
engines = list(paths)
NAME = {"spasm": "spasm", "xapian": "Xapian", "fts5": "FTS5"}
LONGNAME = {"spasm": "spasm-search", "xapian": "Xapian", "fts5": "SQLite FTS5"}

def load(name):
    p = os.path.join(res, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)

m = load("machine.json")
status = {}
for e in engines:
    p = os.path.join(res, "status", e)
    if os.path.exists(p):
        status[e] = open(p).read().strip()
idx = {e: load(f"index-{e}.json") for e in engines}
qry = {}
for e in engines:
    for fn in sorted(os.listdir(res)):
        if fn.startswith(f"query-{e}-") and fn.endswith(".json"):
            _, _, qset, k = fn[:-5].split("-")
            qry[(e, qset, int(k))] = load(fn)

# Index size in parts (bytes): the inverted index (dictionary, postings,
# positions), stored text, and the rest (per-document tables, ...).
def spasm_parts(path):
    inv = {b"DICT", b"DIDX", b"WORD", b"WDIX", b"POST", b"POSN"}
    txt = {b"TEXT", b"TXIX", b"DMET", b"DMIX"}
    parts = {"inverted": 0, "text": 0, "other": 0}
    with open(path, "rb") as f:
        h = f.read(128)
        toff, = struct.unpack_from("<Q", h, 24)
        nsec, = struct.unpack_from("<I", h, 32)
        f.seek(toff)
        for _ in range(nsec):
            tag, _crc, _off, ln, _cnt = struct.unpack("<4sIQQQ", f.read(32))
            parts["inverted" if tag in inv else "text" if tag in txt else "other"] += ln
    return parts

def xapian_parts(path):
    size = lambda n: os.path.getsize(os.path.join(path, n)) if os.path.exists(os.path.join(path, n)) else 0
    return {"inverted": size("postlist.glass") + size("position.glass"), "text": 0,
            "other": size("termlist.glass") + size("docdata.glass")}

def fts5_parts(path):
    try:
        rows = subprocess.run(["sqlite3", path, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"],
                              capture_output=True, text=True, check=True).stdout.split()
    except Exception:
        return None
    by = {r.split("|")[0]: int(r.split("|")[1]) for r in rows if "|" in r}
    inv = by.get("docs_data", 0) + by.get("docs_idx", 0)
    return {"inverted": inv, "text": 0, "other": sum(by.values()) - inv}

parts = {}
for e in engines:
    try:
        parts[e] = {"spasm": spasm_parts, "xapian": xapian_parts, "fts5": fts5_parts}[e](paths[e])
    except Exception:
        parts[e] = None

def part(e, k):
    return parts.get(e) and parts[e][k] / 1e6

def q(e, qset, k, key):
    r = qry.get((e, qset, k))
    return None if r is None else r.get(key)

# (title, unit, higher_is_better, getter, format)
MEAS = [
    ("Indexing wall time", "s", False, lambda e: idx[e] and idx[e]["wall_s"], "{:.1f}"),
    ("Indexing peak RSS", "MB", False, lambda e: idx[e] and idx[e]["rss_kb"] * 1024 / 1e6, "{:.0f}"),
    ("Index size on disk", "MB", False, lambda e: idx[e] and idx[e]["bytes"] / 1e6, "{:.1f}"),
    ("Inverted index (dictionary, postings, positions)", "MB", False, lambda e: part(e, "inverted"), "{:.1f}"),
    ("Stored text (compressed)", "MB", False, lambda e: part(e, "text"), "{:.1f}"),
    ("Title queries, top-10, mean latency", "ms", False, lambda e: q(e, "title", 10, "mean_ms"), "{:.3f}"),
    ("Title queries, top-10, p50 latency", "ms", False, lambda e: q(e, "title", 10, "p50_ms"), "{:.3f}"),
    ("Title queries, top-10, p99 latency", "ms", False, lambda e: q(e, "title", 10, "p99_ms"), "{:.3f}"),
    ("Title queries, top-10, throughput", "QPS", True, lambda e: q(e, "title", 10, "qps"), "{:.0f}"),
    ("Title queries, top-1000, p50 latency", "ms", False, lambda e: q(e, "title", 1000, "p50_ms"), "{:.3f}"),
    ("Long queries, top-10, p50 latency", "ms", False, lambda e: q(e, "long", 10, "p50_ms"), "{:.3f}"),
    ("Long queries, top-10, p99 latency", "ms", False, lambda e: q(e, "long", 10, "p99_ms"), "{:.3f}"),
]

def fmt(v, f):
    return "n/a" if v is None else f.format(v)

def ratio(e, v, base):
    if e == "spasm":
        return "(baseline)"
    if v is None or base is None or base == 0:
        return "n/a"
    return f"{NAME[e]}/spasm = {v / base:.2f}x"

L = []
L.append("# Benchmark results: spasm-search vs Xapian vs SQLite FTS5\n")
L.append(f"Written by `bench/run.sh` on {m['date']}. One run: compare the ratios "
         "within this run, not absolute times across runs (see bench/README.md).\n")
L.append("## Machine\n")
L.append(f"- CPU: {m['cpu']}, nproc = {m['nproc']}; memory {m['mem']}")
L.append(f"- OS: {m['os']}, kernel {m['kernel']}; compiler: {m['cc']}")
L.append(f"- Versions: {m['versions']['spasm']}; {m['versions']['xapian']}; {m['versions']['fts5']}")
L.append(f"- Collection: `{m['collection']}` ({m['docs']}), {m['ndocs']} documents"
         + (f" (input `{m['input']}`)" if m['ndocs'] != 'all' else ""))
L.append(f"- Queries: `{os.path.basename(m['q_title'])}` (title) and `{os.path.basename(m['q_long'])}` "
         "(long), each query's words OR-ed, one thread, index opened once, process start excluded")
L.append(f"- spasm: results grouped by {m['spasm_group']}, the index's BM25 defaults; "
         f"Xapian: STEM_{m['xapian_stem'].upper()}, BM25 k1=0.9 b=0.4, compacted; "
         "FTS5: porter unicode61, bm25 k1=1.2 b=0.75 (built in), optimized")
reused = [NAME[e] for e in engines if idx.get(e) and idx[e].get("reused")]
if reused:
    L.append(f"- Reused peer indexes (`--reuse-peers`): " + ", ".join(
        f"{NAME[e]} built {idx[e]['built']}" for e in engines if idx.get(e) and idx[e].get("reused"))
        + "; their indexing figures are from that earlier run")
L.append("")
if status:
    L.append("## Failures\n")
    for e, s in status.items():
        L.append(f"- **{LONGNAME[e]}**: {s}")
    L.append("")

L.append("## Summary\n")
L.append("| engine | index wall (s) | peak RSS (MB) | index size (MB): all / inverted / text "
         "| title top-10 mean / p50 / p99 (ms) "
         "| title top-10 QPS | title top-1000 p50 (ms) | long top-10 p50 / p99 (ms) |")
L.append("|---|---|---|---|---|---|---|---|")
for e in engines:
    g = [f(e) for (_, _, _, f, _) in MEAS]
    fm = [fmt(v, MEAS[i][4]) for i, v in enumerate(g)]
    L.append(f"| {LONGNAME[e]} | {fm[0]} | {fm[1]} | {fm[2]} / {fm[3]} / {fm[4]} | {fm[5]} / {fm[6]} / {fm[7]} "
             f"| {fm[8]} | {fm[9]} | {fm[10]} / {fm[11]} |")
L.append("")
L.append("Inverted index: spasm's DICT, DIDX, WORD, WDIX, POST and POSN sections; Xapian's postlist "
         "and position tables (its termlist and docdata are the rest); FTS5's docs_data and docs_idx "
         "tables (contentless: no text; its docsize and ids tables are the rest).  Stored text: spasm's "
         "TEXT, DMET and their indexes; the peers store none.  spasm's remaining sections (per-passage "
         "lengths, offsets, signatures, ids) make up the rest of its size.\n")
fold = qry.get(("spasm", "titlefold", 10))
if fold:
    L.append("spasm's runs above are plain BM25 top-k, the peers' task.  With near-duplicate passages "
             "folded (spasm-search's default for a text query; by passage, as --group doc never "
             "folds), title top-10 takes "
             f"mean {fold['mean_ms']:.3f} / p50 {fold['p50_ms']:.3f} / p99 {fold['p99_ms']:.3f} ms "
             f"({fold['qps']:.0f} QPS).\n")

L.append("## Per measurement, with each peer's ratio to spasm\n")
L.append("For times, sizes and memory a ratio above 1 means spasm is smaller or faster; "
         "for QPS a ratio below 1 means spasm is faster.\n")
for title, unit, hib, get, f in MEAS:
    L.append(f"### {title} ({unit}, {'higher' if hib else 'lower'} is better)\n")
    L.append(f"| engine | {unit} | ratio |")
    L.append("|---|---|---|")
    base = get("spasm") if "spasm" in engines else None
    for e in engines:
        v = get(e)
        L.append(f"| {LONGNAME[e]} | {fmt(v, f)} | {ratio(e, v, base)} |")
    L.append("")

L.append("## Every query run\n")
L.append("| engine | queries | k | n | mean (ms) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | QPS "
         "| queries without hits | mean hits | refused |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (e, qset, k), r in sorted(qry.items(), key=lambda x: (engines.index(x[0][0]), x[0][1] != "title", x[0][2])):
    L.append(f"| {LONGNAME[e]} | {qset} | {k} | {r['n']} | {r['mean_ms']:.3f} | {r['p50_ms']:.3f} | "
             f"{r['p90_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.3f} | {r['qps']:.0f} | "
             f"{r['zero_hits']} | {r['mean_hits']:.1f} | {r['failed']} |")
L.append("")
L.append("\"refused\": queries the engine rejected as having no searchable term (no word "
         "at all); they count as queries without hits.\n")
L.append("Logs, TREC runs and the raw JSON of this run are under `" + os.path.dirname(res) + "/`.\n")

with open(out, "w") as fo:
    fo.write("\n".join(L))
PYEOF

failed=0
for e in "${ENGINE_LIST[@]}"; do
    if ! engine_ok "$e"; then failed=1; say "$e: $(cat "$STATUS_DIR/$e")"; fi
done
say "done: $OUT"
exit $failed
