#!/bin/bash
# run.sh BUILD -- run every cmocka test binary in BUILD/tests from the
# repository root, then print one closing line "tests: N passed, N failed".
# A binary that crashes or exits non-zero without a cmocka summary counts
# as one failure.  Then each fuzz target in BUILD/fuzzers over its seed
# corpus (one test each).  Exit status: 0 when nothing failed.
BUILD=${1:-build}
export SPASM_TEST_BUILD=$BUILD
pass=0; fail=0
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "run.sh: $t exited with status $rc" >&2
        f=1
    fi
    pass=$((pass + p)); fail=$((fail + f))
done
# The fuzz targets of a fuzz tree (make check-fuzz): each runs once over
# its seeds, fuzz/corpus/NAME/ (found crashes included), and counts as one
# test.  Nothing is written into the tree.
for t in "$BUILD"/fuzzers/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    seeds=(fuzz/corpus/"$name"/*)
    [ -e "${seeds[0]}" ] || { echo "run.sh: no seeds in fuzz/corpus/$name" >&2; fail=$((fail + 1)); continue; }
    case $name in fuzz_index*) seeds+=("$BUILD"/corpus.spx "$BUILD"/fuzz-query.spx) ;; esac # the bundled index and fuzz_query's too
    dict=(); [ -f fuzz/"$name".dict ] && dict=(-dict=fuzz/"$name".dict)
    out=$(SPASM_FUZZ_INDEX="$BUILD"/fuzz-query.spx "$t" "${dict[@]}" -timeout=60 -rss_limit_mb=4096 \
          "${seeds[@]}" 2>&1); rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "[  PASSED  ] $name: ${#seeds[@]} seed inputs"
        pass=$((pass + 1))
    else
        printf '%s\n' "$out" | tail -60
        echo "[  FAILED  ] $name (exit status $rc)"
        fail=$((fail + 1))
    fi
done
echo "tests ($BUILD): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
