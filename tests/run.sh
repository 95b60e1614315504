#!/bin/bash
# run.sh BUILD -- run every cmocka test binary in BUILD/tests from the
# repository root, then print one closing line "tests: N passed, N failed".
# A binary that crashes or exits non-zero without a cmocka summary counts
# as one failure.  Exit status: 0 when nothing failed.
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
echo "tests ($BUILD): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
