#!/bin/bash
# summary.sh BUILD RAWLOG -- turn pytest's closing line ("3 passed, 1 failed
# in 0.52s", "5 passed in 1.0s", "1 error in ...") in RAWLOG into the
# closing line tests/summary.sh adds up: "tests (BUILD python): N passed,
# N failed" (errors count as failures; no closing line is one failure).
build=$1 raw=$2
line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|errors|skipped)' "$raw" | tail -1)
num() { echo "$line" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' | awk '{s+=$1} END {print s+0}'; }
if [ -z "$line" ]; then
    pass=0 fail=1
    echo "python: no pytest result (is python3-pytest installed?)" >&2
else
    pass=$(num passed) fail=$(( $(num failed) + $(num 'errors?') ))
fi
echo "tests ($build python): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
