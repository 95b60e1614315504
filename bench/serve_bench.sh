#!/bin/bash
# serve_bench.sh INDEX QUERIES [SECONDS] [--writes] -- requests/s and latency of
# spasm-serve's GET /search on loopback with wrk (Debian wrk), at 1, 8 and
# 64 connections with the exact total (the default), at 1 and 8 with
# count=0 (no exact total), SECONDS (default 5) each, the server with its default
# threads and --no-log; beside each, the same work in-process, so that
# "HTTP adds" is transport and JSON only.
# The same work: the server's default GET /search?q=Q&k=10 asks the library
# for k + 1 = 11 hits (to know whether a next page exists) with every field
# (title, text, highlights, snippet, also_in; folding off, typos at the
# library's default, as spasm_bench's defaults) and then spasm_count() for
# the exact total; so the in-process figure is spasm_bench with K 11,
# --fields all and --count (count=0: without --count).  Run before the
# server starts, one thread.  Each HTTP line at one connection ends with
# its p50 minus the in-process p50 of the same work (HTTP adds).
# With --writes: the server is --writable on a copy of INDEX (a live
# folder in a temporary directory), and at 1, 8 and 64 connections one
# request in 10 is a POST of one document (serve_wrk_mix.lua); the line
# adds the commits the writes cost (/stats).
# SERVE_ARGS: more options for the server (e.g. "--dispatch inline");
# SERVE, BENCH, PAIR: other spasm-serve, spasm_bench and serve_pair binaries (a before/after).
# Each HTTP line also gives the server's CPU time (user + system, from
# /proc) per request: steadier than latency on a loaded machine.
# Then (not with --writes) serve_pair: for SECONDS, each query in turn
# in-process and then through the server from one client thread (the
# same work, one right after the other, so both see the same load): the
# p50 of the per-query difference is "HTTP adds" measured in pairs, the
# figure to trust on a shared machine, where runs minutes apart differ by
# more than HTTP's share; beside it /healthz's round trip (the floor).
# Bounded: wrk stops after SECONDS, the server is stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
INDEX=$1 QUERIES=$2 SECS=${3:-5} WRITES=${4:-}
command -v wrk >/dev/null || { echo "serve_bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
err=$(mktemp)
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$err" "$work"' EXIT
read -ra serve_args <<<"${SERVE_ARGS:-}"
K=${K:-10}
export K
# the same work in-process (see above), before the server starts
SERVE=${SERVE:-$BUILD/bin/spasm-serve} BENCH=${BENCH:-$BUILD/bench/spasm_bench}
PAIR=${PAIR:-$BUILD/bench/serve_pair}
inproc() { "$BENCH" query "$INDEX" "$QUERIES" $((K + 1)) --fields all "$@"; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
if [ "$WRITES" != --writes ]; then
    ip_count=$(inproc --count) ip_nocount=$(inproc)
    echo "in-process (k $((K + 1)), --fields all, --count: the default /search's work): $ip_count"
    echo "in-process (k $((K + 1)), --fields all, no count: count=0's work): $ip_nocount"
    p50_count=$(echo "$ip_count" | field p50_ms) p50_nocount=$(echo "$ip_nocount" | field p50_ms)
fi
# wrk's "850.00us", "1.02ms", "1.20s" in microseconds
us() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) m = 1; else if (t ~ /ms$/) m = 1000; else m = 1000000; printf "%.0f", v * m }'; }
if [ "$WRITES" = --writes ]; then
    cp -r "$INDEX" "$work/w.spx"
    serve_args+=(--writable)
    INDEX=$work/w.spx
fi
"$SERVE" -i "$INDEX" --listen 127.0.0.1:0 --no-log "${serve_args[@]}" 2>"$err" &
pid=$!
for _ in $(seq 500); do grep -q "listening on" "$err" && break; sleep 0.01; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$err")
[ -n "$port" ] || { cat "$err" >&2; exit 2; }
echo "index $INDEX, queries $QUERIES, $(nproc) cores; server ${serve_args[*]}: $(head -1 "$err")"
runs=("1 " "8 " "64 " "1 &count=0" "8 &count=0")
script=bench/serve_wrk.lua
if [ "$WRITES" = --writes ]; then runs=("1 " "8 " "64 "); script=bench/serve_wrk_mix.lua; fi
cpu() { awk '{print $14 + $15}' /proc/$pid/stat; } # clock ticks
commits() { curl -s "http://127.0.0.1:$port/stats" | sed -n 's/.*"commits":\([0-9]*\).*/\1/p'; }
docs() { curl -s "http://127.0.0.1:$port/stats" | sed -n 's/^{"index":{[^}]*"documents":\([0-9]*\).*/\1/p'; }
for run in "${runs[@]}"; do
    c=${run%% *} extra=${run#* }
    t=$((c < 2 ? 1 : 2))
    c0=$(commits) d0=$(docs)
    cpu0=$(cpu)
    RUN=$c EXTRA=$extra QUERIES=$QUERIES wrk -t$t -c$c -d${SECS}s --latency -s $script \
        "http://127.0.0.1:$port" >"$err.wrk"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$err.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$err.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$err.wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$err.wrk")
    nreq=$(awk '/requests in/ {print $1}' "$err.wrk")
    cpu_ms=$(awk -v a="$cpu0" -v b="$(cpu)" -v n="$nreq" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.3f", n ? (b - a) * 1000 / hz / n : 0 }')
    extra_w=""
    if [ "$WRITES" = --writes ]; then
        extra_w=", $(($(docs) - d0)) documents written in $(($(commits) - c0)) commits"
    fi
    ip=$p50_count
    [ -n "$extra" ] && ip=$p50_nocount
    adds=""
    [ "$WRITES" = --writes ] || [ "$c" != 1 ] || adds=", HTTP adds $(($(us "$p50") - $(awk -v m="$ip" 'BEGIN { printf "%.0f", m * 1000 }'))) us at p50"
    echo "http ${extra:-(exact total)} connections $c: ${rps} requests/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}, server CPU $cpu_ms ms/request$extra_w$adds"
done
rm -f "$err.wrk"
if [ "$WRITES" != --writes ]; then
    for extra in "" "&count=0"; do
        cpu0=$(cpu)
        out=$("$PAIR" "$port" "$INDEX" "$QUERIES" "$K" "$SECS" "$extra")
        # the server's CPU per pair (a search and a /healthz) against the
        # in-process search's: HTTP's CPU, however long anything waited
        n=$(echo "$out" | field n) ipc=$(echo "$out" | field inproc_cpu_mean_ms)
        cpu_ms=$(awk -v a="$cpu0" -v b="$(cpu)" -v n="$n" -v hz="$(getconf CLK_TCK)" -v i="$ipc" \
            'BEGIN { c = (b - a) * 1000 / hz / n; printf "server CPU %.3f ms/request, HTTP adds %.0f us of CPU", c, (c - i) * 1000 }')
        echo "paired ${extra:-(exact total)}, 1 connection: $out; $cpu_ms"
    done
fi
kill -TERM $pid; wait $pid || true
