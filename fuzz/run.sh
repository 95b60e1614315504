#!/bin/bash
# run.sh BUILD SECONDS TARGET... -- run each libFuzzer target (built by
# `make fuzz` into BUILD/fuzzers) for SECONDS, one after the other.
#
# Each grows its working corpus BUILD/corpus/TARGET (new inputs go there,
# the seeds in fuzz/corpus/TARGET are only read) and writes crashes, leaks
# and timeouts to BUILD/artifacts/TARGET/; its log is BUILD/logs/TARGET.log.
# Ends with one line per target: executions, exec/s, artifacts found.
# FUZZ_ARGS adds libFuzzer flags (e.g. FUZZ_ARGS=-jobs=2).  FUZZ_RUNS=N
# stops each target after N executions instead (SECONDS 0: no time limit),
# e.g. FUZZ_RUNS=10000000 fuzz/run.sh build/fuzz-fast 0 fuzz_index.
# Exit status 1 when any target found something.
set -u
build=$1 secs=$2
shift 2
status=0
summary=()
for name in "$@"; do
    bin=$build/fuzzers/$name
    [ -x "$bin" ] || { echo "fuzz: $bin is not built (make fuzz)" >&2; exit 2; }
    mkdir -p "$build/corpus/$name" "$build/artifacts/$name" "$build/logs"
    case $name in fuzz_index*) cp "$build/corpus.spx" "$build/corpus/$name/bundled.spx"
        cp "$build/fuzz-query.spx" "$build/corpus/$name/fuzz-query.spx" ;; esac
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    log=$build/logs/$name.log
    echo "fuzz: $name for ${secs}s${FUZZ_RUNS:+ or $FUZZ_RUNS executions} (log: $log)" >&2
    # (no 4 KiB fill of each malloc, a smaller quarantine: about 25% faster)
    ASAN_OPTIONS=${ASAN_OPTIONS:-max_malloc_fill_size=0:quarantine_size_mb=16} \
    SPASM_FUZZ_INDEX=$build/fuzz-query.spx "$bin" "${dict[@]}" -max_total_time="$secs" \
        -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$name/" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} ${FUZZ_ARGS:-} \
        "$build/corpus/$name" "fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    found=$(find "$build/artifacts/$name" -type f | wc -l)
    summary+=("$name: ${execs:-?} executions, ${rate:-?} exec/s, exit $rc, $found artifacts")
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        status=1
        grep -m1 -A30 -E '^==[0-9]+==ERROR|runtime error|^fuzz: ' "$log" >&2
    fi
done
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
