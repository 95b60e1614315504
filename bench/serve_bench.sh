#!/bin/bash
# serve_bench.sh INDEX QUERIES [SECONDS] -- requests/s and latency of
# spasm-serve's GET /search on loopback with wrk (Debian wrk), at 1, 8 and
# 64 connections with the exact total (the default), at 1 and 8 with
# count=0 (no exact total), SECONDS (default 5) each, the server with its default
# threads and --no-log; then the same queries in-process (spasm_bench,
# --fields all: the text, highlights and snippets the server sends too).
# Bounded: wrk stops after SECONDS, the server is stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
INDEX=$1 QUERIES=$2 SECS=${3:-5}
command -v wrk >/dev/null || { echo "serve_bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
err=$(mktemp)
"$BUILD"/bin/spasm-serve -i "$INDEX" --listen 127.0.0.1:0 --no-log 2>"$err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$err"' EXIT
for _ in $(seq 500); do grep -q "listening on" "$err" && break; sleep 0.01; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$err")
[ -n "$port" ] || { cat "$err" >&2; exit 2; }
echo "index $INDEX, queries $QUERIES, $(nproc) cores; server: $(head -1 "$err")"
for run in "1 " "8 " "64 " "1 &count=0" "8 &count=0"; do
    c=${run%% *} extra=${run#* }
    t=$((c < 2 ? 1 : 2))
    EXTRA=$extra QUERIES=$QUERIES wrk -t$t -c$c -d${SECS}s --latency -s bench/serve_wrk.lua \
        "http://127.0.0.1:$port" >"$err.wrk"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$err.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$err.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$err.wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$err.wrk")
    echo "http ${extra:-(exact total)} connections $c: ${rps} requests/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}"
done
rm -f "$err.wrk"
kill -TERM $pid; wait $pid || true
"$BUILD"/bench/spasm_bench query "$INDEX" "$QUERIES" 10 --fields all | sed 's/^/in-process: /'
