#!/bin/sh
# test_serve -- spasm-serve's tests, for tests/run.sh (the Makefile copies
# this script to BUILD/tests/test_serve): pytest over tests/serve/ (the
# HTTP API, and the page in headless Chromium through Selenium), against
# the programs of $SPASM_TEST_BUILD.  Prints pytest's output, then the
# closing lines tests/run.sh counts, as cmocka prints them.  Debian's
# python3 (/usr/bin/python3) is the one with python3-pytest and
# python3-selenium (scripts/deps.sh installs them).
PY=${SPASM_TEST_PYTHON:-/usr/bin/python3}
out=$("$PY" -m pytest -q -p no:cacheprovider -rfE tests/serve 2>&1)
rc=$?
printf '%s\n' "$out"
last=$(printf '%s\n' "$out" | grep -E '(passed|failed|error)' | tail -1)
passed=$(printf '%s\n' "$last" | grep -oE '[0-9]+ passed' | cut -d' ' -f1)
failed=$(printf '%s\n' "$last" | grep -oE '[0-9]+ failed' | cut -d' ' -f1)
errors=$(printf '%s\n' "$last" | grep -oE '[0-9]+ errors?' | cut -d' ' -f1)
passed=${passed:-0}
failed=$((${failed:-0} + ${errors:-0}))
# pytest ran nothing, or died: one failure
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "[  PASSED  ] $passed test(s)."
[ "$failed" -eq 0 ] || echo "[  FAILED  ] $failed test(s), listed above."
[ "$failed" -eq 0 ]
