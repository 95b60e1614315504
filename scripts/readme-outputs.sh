#!/usr/bin/env bash
# readme-outputs.sh -- every output README.md shows is made by the programs.
#
#   scripts/readme-outputs.sh            rewrite the shown outputs (make readme)
#   scripts/readme-outputs.sh --check    exit 1, with a diff, when they differ
#                                        from what the programs print (make check)
#   scripts/readme-outputs.sh [--check] FILE    another file than README.md
#
# Two kinds of marked blocks, each closed by a line `<!-- end -->`:
#
#   <!-- output: COMMAND -->     COMMAND (one bash command line) is run and
#                                the block becomes "$ COMMAND" and what it
#                                printed (stdout and stderr), indented by 4
#                                spaces, trailing blank lines dropped
#   <!-- table: FILE -->         the first Markdown table of FILE (a path
#                                from the repository root), e.g. the
#                                published bench/EVAL.md
#
# Commands run in a scratch directory that mirrors the repository root
# (every top-level entry linked, build/ linked to $BUILD), so that
# `build/bin/spasm-search ...` means this build's program and its bundled
# index, and files a command writes land in the scratch directory.
# SPASM_INDEX is unset and the locale is C.UTF-8, so the user's environment
# does not leak into the README.  A command that exits with status 2 or more
# is an error: a README never shows a failing command by accident.
#
# Environment: BUILD=dir (default build).  Exit status: 0 done (or, with
# --check, no difference), 1 difference (--check), 2 error.
set -euo pipefail

die() {
    echo "readme-outputs: $*" >&2
    exit 2
}

check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$root/README.md}
[ $# -le 1 ] || die "usage: scripts/readme-outputs.sh [--check] [FILE]"
[ -f "$file" ] || die "$file not found"
build=${BUILD:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
for t in spasm-search spasm-index; do
    [ -x "$build/bin/$t" ] || die "$build/bin/$t is missing: run make first"
done
[ -f "$build/corpus.spx" ] || die "$build/corpus.spx is missing: run make first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/readme-outputs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tree"
for e in "$root"/* "$root"/.[!.]*; do
    [ -e "$e" ] || continue
    [ "$(basename "$e")" = build ] && continue
    ln -s "$e" "$tmp/tree/$(basename "$e")"
done
ln -s "$build" "$tmp/tree/build"

# Prints the block for one command: "$ COMMAND", then its output, indented.
show_output() {
    local cmd=$1 rc=0
    (cd "$tmp/tree" && env -u SPASM_INDEX LC_ALL=C.UTF-8 bash -c "$cmd") >"$tmp/out" 2>&1 || rc=$?
    [ "$rc" -le 1 ] || die "$file: \`$cmd\` exited with status $rc:"$'\n'"$(head -n 5 "$tmp/out")"
    echo
    printf '    $ %s\n' "$cmd"
    # Indent non-empty lines; drop trailing blank lines.
    awk '{ line[NR] = $0 } END {
        n = NR; while (n > 0 && line[n] ~ /^[ \t]*$/) n--
        for (i = 1; i <= n; i++) print (line[i] ~ /^[ \t]*$/ ? "" : "    " line[i])
    }' "$tmp/out"
    echo
}

# Prints the first Markdown table (its run of lines starting with |) of a file.
show_table() {
    local src=$root/$1
    [ -f "$src" ] || die "$file: table source $1 not found"
    echo
    awk '/^\|/ { print; found = 1; next } found { exit }' "$src"
    echo
}

out=$tmp/new
blocks=0
in_block=0
start=0
n=0
while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ "$in_block" = 1 ]; then
        if [ "$line" = "<!-- end -->" ]; then
            in_block=0
            printf '%s\n' "$line" >>"$out"
        fi
        continue
    fi
    printf '%s\n' "$line" >>"$out"
    if [[ $line =~ ^\<!--\ output:\ (.*)\ --\>$ ]]; then
        show_output "${BASH_REMATCH[1]}" >>"$out"
    elif [[ $line =~ ^\<!--\ table:\ (.*)\ --\>$ ]]; then
        show_table "${BASH_REMATCH[1]}" >>"$out"
    elif [ "$line" = "<!-- end -->" ]; then
        die "$file:$n: <!-- end --> without an opening marker"
    else
        continue
    fi
    in_block=1
    start=$n
    blocks=$((blocks + 1))
done <"$file"
[ "$in_block" = 0 ] || die "$file:$start: marker without its <!-- end -->"

if [ "$check" = 1 ]; then
    if ! diff -u --label "$file" --label "what the programs print" "$file" "$out"; then
        echo "readme-outputs: $file: the shown outputs differ from what the programs print" \
            "(above); run \`make readme\` to rewrite them" >&2
        exit 1
    fi
    echo "readme-outputs: $file: $blocks blocks, as the programs print them"
elif cmp -s "$file" "$out"; then
    echo "readme-outputs: $file: $blocks blocks, unchanged"
else
    cat "$out" >"$file.tmp.$$" && mv -f "$file.tmp.$$" "$file"
    echo "readme-outputs: $file: $blocks blocks, rewritten"
fi
