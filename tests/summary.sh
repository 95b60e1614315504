#!/bin/bash
# summary.sh LOG... -- add up the closing lines of tests/run.sh logs and
# print the suite's one closing line.  Exit 1 if anything failed.
pass=0; fail=0
for log in "$@"; do
    line=$(grep -E '^tests \(.*\): [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    [ -n "$line" ] || { echo "summary: no result in $log" >&2; fail=$((fail + 1)); continue; }
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
    pass=$((pass + p)); fail=$((fail + f))
done
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
