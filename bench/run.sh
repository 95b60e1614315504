#!/usr/bin/env bash
# bench/run.sh -- spasm-search against Xapian, SQLite FTS5 and Lucene 8, in one
# run on this machine: indexing time, indexing peak memory, index size, query
# latency (title and long queries, top-10 and top-1000, one thread, stop
# words kept and dropped), the CLI's default paths, and how far the engines'
# top-10s agree.
#
#   bench/run.sh [--collection NAME] [--small [N]] [--engines LIST] [--out FILE]
#                [--reuse-peers] [--long-ks LIST] [--spasm-group doc|none]
#                [--xapian-stem some|all] [--lucene-warmup N] [--queries N]
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
  --engines LIST       comma-separated, from spasm,xapian,fts5,lucene (default: all)
  --out FILE           the report (default build/bench/RESULTS.md)
  --reuse-peers        do not re-index a peer (xapian, fts5, lucene) whose index from an
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
  --lucene-warmup N    untimed passes over the queries before Lucene's timed
                       one (JIT warm-up; default 3)
  --queries N          only the first N queries of each query file (a smoke
                       run; default all)
  --live-commits N     single-document commits of the live part (bench/live.sh,
                       default 1000); 0 skips the live part
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
ENGINES=spasm,xapian,fts5,lucene
# spasm's BM25 defaults (README, "Ranking"): the setting Lucene is also run at
SPASM_K1=1.4
SPASM_B=0.6
OUT=build/bench/RESULTS.md
REUSE_PEERS=0
LONG_KS=10,1000
SPASM_GROUP=doc
XAPIAN_STEM=some
LUCENE_WARMUP=3
NQUERIES=0
LIVE_COMMITS=1000
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
    --lucene-warmup) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || die "--lucene-warmup needs a count"; LUCENE_WARMUP=$2; shift 2 ;;
    --queries) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--queries needs a positive count"; NQUERIES=$2; shift 2 ;;
    --live-commits) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || die "--live-commits needs a count"; LIVE_COMMITS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
case "$SPASM_GROUP" in doc|none) ;; *) die "--spasm-group takes doc or none, not '$SPASM_GROUP'" ;; esac
case "$XAPIAN_STEM" in some|all) ;; *) die "--xapian-stem takes some or all, not '$XAPIAN_STEM'" ;; esac
IFS=, read -r -a ENGINE_LIST <<<"$ENGINES"
[ ${#ENGINE_LIST[@]} -gt 0 ] || die "--engines: empty list"
for e in "${ENGINE_LIST[@]}"; do
    case "$e" in spasm|xapian|fts5|lucene) ;; *) die "--engines: unknown engine '$e' (spasm, xapian, fts5, lucene)" ;; esac
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
if [ "$NQUERIES" -gt 0 ]; then
    head -n "$NQUERIES" "$Q_TITLE" >"$WORK/queries.tsv"
    head -n "$NQUERIES" "$Q_LONG" >"$WORK/queries_long.tsv"
    Q_TITLE=$WORK/queries.tsv
    Q_LONG=$WORK/queries_long.tsv
fi
NDOCS_NOTE=$([ "$SMALL" -gt 0 ] && echo "first $SMALL documents" || echo "all documents")

# ---- tools and packages -------------------------------------------------------------
want_pkgs="time pkg-config jq"
for e in "${ENGINE_LIST[@]}"; do
    case "$e" in
    spasm) want_pkgs="$want_pkgs libstemmer-dev libutf8proc-dev libjansson-dev libdeflate-dev libzstd-dev zlib1g-dev" ;;
    xapian) want_pkgs="$want_pkgs libxapian-dev libjansson-dev zlib1g-dev g++" ;;
    fts5) want_pkgs="$want_pkgs libsqlite3-dev libutf8proc-dev libjansson-dev zlib1g-dev" ;;
    lucene) want_pkgs="$want_pkgs openjdk-17-jdk-headless liblucene8-java libjackson2-core-java" ;;
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
    lucene) echo "$WORK/lucene" ;;
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
    lucene) cmd=("$B/lucene_bench" index "$idx" "$INPUT" --threads "$(nproc)") ;;
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

# One query run: run_query ENGINE SET QUERIES K [harness options...] writes
# $RES/query-ENGINE-SET-K.json (the harness's JSON line) and the TREC run
# $RUNS/ENGINE-SET-K.run.  SET is title or long, with a suffix naming the
# variant: _keep (stop words kept where the engine's main run drops them),
# _def (Lucene at its own defaults), _all (spasm with every field).
run_query() {
    local e=$1 set=$2 qf=$3 k=$4 idx out log cmd
    shift 4
    idx=$(index_path "$e")
    out=$RES/query-$e-$set-$k.json
    log=$LOGS/query-$e-$set-$k.log
    case "$e" in
    spasm) cmd=("$B/spasm_bench" query "$idx" "$qf" "$k" --group "$SPASM_GROUP" --collapse off) ;;
    xapian) cmd=("$B/xapian_bench" query "$idx" "$qf" "$k") ;;
    fts5) cmd=("$B/fts5_bench" query "$idx" "$qf" "$k") ;;
    lucene) cmd=("$B/lucene_bench" query "$idx" "$qf" "$k" --warmup "$LUCENE_WARMUP") ;;
    esac
    cmd+=("$@" --run "$RUNS/$e-$set-$k.run")
    say "$e: $set queries, top-$k ${*:+($*) }..."
    if ! "${cmd[@]}" >"$out.tmp" 2>"$log"; then
        mark_failed "$e" "$set queries top-$k (${cmd[*]})" "$log"
        rm -f "$out.tmp"
        return 1
    fi
    tail -n 1 "$out.tmp" >"$out"
    rm -f "$out.tmp"
    jq -e .p50_ms "$out" >/dev/null 2>&1 ||
        { echo "no JSON summary line from ${cmd[*]}" >>"$log"; mark_failed "$e" "$set queries top-$k" "$log"; rm -f "$out"; return 1; }
    say "$e: $set top-$k: $(jq -r '"mean \(.mean_ms) ms, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, \(.qps) QPS, \(.zero_hits) without hits"' "$out")"
}

# spasm-search as a user runs it, whole process (start, opening the index,
# every query, printing): cli_run MODE SET QUERIES, MODE f (-f FILE, its
# default flags: text output, top 10) or stdio (--stdio, JSON Lines).
# Writes $RES/cli-spasm-MODE-SET.json.
cli_run() {
    local mode=$1 set=$2 qf=$3 idx tlog out log rc=0
    idx=$(index_path spasm)
    tlog=$LOGS/cli-spasm-$mode-$set.time
    out=$RUNS/spasm-cli-$mode-$set.out
    log=$LOGS/cli-spasm-$mode-$set.log
    say "spasm: spasm-search $([ "$mode" = f ] && echo "-f" || echo "--stdio"), $set queries ..."
    if [ "$mode" = f ]; then
        /usr/bin/time -v -o "$tlog" build/bin/spasm-search -i "$idx" -f "$qf" >"$out" 2>"$log" || rc=$?
    else
        /usr/bin/time -v -o "$tlog" build/bin/spasm-search -i "$idx" --stdio <"$qf" >"$out" 2>"$log" || rc=$?
    fi
    # 1: some query found nothing (not an error)
    if [ "$rc" -gt 1 ]; then
        echo "the spasm-search $mode run failed (status $rc): see $log" >&2
        return 0
    fi
    jq -n --arg mode "$mode" --arg set "$set" --argjson wall "$(wall_seconds "$tlog")" \
        --argjson rss_kb "$(peak_rss_kb "$tlog")" --argjson bytes "$(wc -c <"$out")" \
        --argjson n "$(grep -c . "$qf")" \
        '{mode: $mode, set: $set, k: 10, n: $n, wall_s: $wall, rss_kb: $rss_kb, out_bytes: $bytes}' \
        >"$RES/cli-spasm-$mode-$set.json"
    say "spasm: spasm-search $mode $set: $(jq -r '"\(.wall_s) s for \(.n) queries, \(.out_bytes) bytes out"' "$RES/cli-spasm-$mode-$set.json")"
}

query_engine() {
    local e=$1 idx set qf k ks
    idx=$(index_path "$e")
    # Warm the page cache: every engine is measured with its index in memory.
    find "$idx" -type f -exec cat {} + >/dev/null
    for set in title long; do
        if [ $set = title ]; then qf=$Q_TITLE; ks="10 1000"; else qf=$Q_LONG; ks="${LONG_K_LIST[*]}"; fi
        for k in $ks; do
            case "$e" in
            spasm) # stop words dropped (its default), then kept
                run_query spasm "$set" "$qf" "$k" || return
                run_query spasm "${set}_keep" "$qf" "$k" --keep-stopwords || return ;;
            lucene) # spasm's analysis and BM25 with stop words dropped, kept, then Lucene's defaults
                run_query lucene "$set" "$qf" "$k" --stop spasm --bm25 "$SPASM_K1" "$SPASM_B" || return
                run_query lucene "${set}_keep" "$qf" "$k" --stop none --bm25 "$SPASM_K1" "$SPASM_B" || return
                run_query lucene "${set}_def" "$qf" "$k" --stop none --bm25 1.2 0.75 || return ;;
            *) run_query "$e" "$set" "$qf" "$k" || return ;;
            esac
        done
    done
    [ "$e" = spasm ] || return 0
    # Beyond the peers' task: every field (the text and JSON output's work),
    # near-duplicates folded (spasm-search's text default; by passage:
    # --group doc never folds), and the CLI as a user runs it.
    for k in 10 1000; do
        run_query spasm title_all "$Q_TITLE" "$k" --fields all || true
        run_query spasm long_all "$Q_LONG" "$k" --fields all || true
    done
    rm -f "$STATUS_DIR/spasm" # these extra runs do not fail the engine
    local out=$RES/query-spasm-titlefold-10.json log=$LOGS/query-spasm-titlefold-10.log
    say "spasm: title queries, top-10, near-duplicates folded ..."
    if "$B/spasm_bench" query "$idx" "$Q_TITLE" 10 --group none --collapse on \
        --run "$RUNS/spasm-titlefold-10.run" >"$out.tmp" 2>"$log"; then
        tail -n 1 "$out.tmp" >"$out"
    else
        echo "the folding run failed: see $log" >&2
    fi
    rm -f "$out.tmp"
    cli_run f title "$Q_TITLE"
    cli_run stdio title "$Q_TITLE"
    cli_run f long "$Q_LONG"
    cli_run stdio long "$Q_LONG"
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
    --arg spasm "$(ver spasm)" --arg xapian "$(ver xapian)" --arg fts5 "$(ver fts5)" --arg lucene "$(ver lucene)" \
    --arg collection "$COLLECTION" --arg docs "$DOCS" --arg ndocs "$(if [ "$SMALL" -gt 0 ]; then echo "$SMALL"; else echo all; fi)" \
    --arg input "$INPUT" --arg spasm_group "$SPASM_GROUP" --arg engines "$ENGINES" \
    --arg xapian_stem "$XAPIAN_STEM" \
    --arg qtitle "$Q_TITLE" --arg qlong "$Q_LONG" --arg reuse "$REUSE_PEERS" \
    --arg k1 "$SPASM_K1" --arg b "$SPASM_B" --arg nthreads "$(nproc)" --arg lwarm "$LUCENE_WARMUP" \
    '{date: $date, nproc: $nproc, cpu: $cpu, mem: $mem, os: $os, kernel: $kernel, cc: $cc,
      versions: {spasm: $spasm, xapian: $xapian, fts5: $fts5, lucene: $lucene}, collection: $collection, docs: $docs,
      ndocs: $ndocs, input: $input, spasm_group: $spasm_group, xapian_stem: $xapian_stem, engines: $engines,
      q_title: $qtitle, q_long: $qlong, reuse_peers: $reuse, k1: $k1, b: $b, nthreads: $nthreads, lucene_warmup: $lwarm}' >"$RES/machine.json"

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
python3 bench/report.py "$RES" "$OUT" "${IDX_PATHS[@]}"

# ---- the live index (bench/live.sh): writer figures, peers' updates, search over segments
if [ "$LIVE_COMMITS" -gt 0 ] && [[ ",$ENGINES," == *,spasm,* ]]; then
    make --no-print-directory build/bench/live_bench build/bench/spasm_bench build/bin/spasm-index >"$LOGS/build-live.log" 2>&1 ||
        die "make of the live part failed (see $LOGS/build-live.log)"
    LIVE_PEERS=()
    for e in xapian fts5; do
        [[ ",$ENGINES," == *,$e,* ]] && engine_ok "$e" && LIVE_PEERS+=("$e=$(index_path "$e")")
    done
    if bench/live.sh "$INPUT" "$Q_TITLE" "$WORK/live" "$WORK/LIVE.md" "$LIVE_COMMITS" "${LIVE_PEERS[@]}" \
        2>"$LOGS/live.log"; then
        { echo; cat "$WORK/LIVE.md"; } >>"$OUT"
        say "live part appended to $OUT"
    else
        say "live part FAILED -- see $LOGS/live.log"
        tail -n 5 "$LOGS/live.log" | sed 's/^/    /' >&2
    fi
fi

failed=0
for e in "${ENGINE_LIST[@]}"; do
    if ! engine_ok "$e"; then failed=1; say "$e: $(cat "$STATUS_DIR/$e")"; fi
done
say "done: $OUT"
exit $failed
