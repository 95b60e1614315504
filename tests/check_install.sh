#!/bin/bash
# check_install.sh STEP STAGE -- one step of the install test (run by
# tests/test_install.c from the repository root, in this order):
#
#   install    make install PREFIX=/usr/local DESTDIR=STAGE
#   layout     every file in place: modes, soname links, pkg-config data
#   man        every manual page format with man -l, without warnings
#   hello      examples/hello.c built with only `pkg-config --cflags --libs
#              spasm` against the stage (the shared library), run
#   static     the same linked with libspasm.a and `pkg-config --static`
#   repl       examples/corpus_repl.c built the same way answers "renal
#              colic" and "night calf cramps" with the same top passages and
#              scores as the installed spasm-search on its default index
#   uninstall  make uninstall from the stage leaves only empty directories
#
# Exit status 0 when the step passed; what failed is printed on stderr.
set -u
step=$1 stage=$2
prefix=/usr/local
root=$stage$prefix
out=$stage.work
mkdir -p "$out"
# Run make as a fresh top-level make: no jobserver or flags from the caller.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
export PKG_CONFIG_PATH=$root/lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$stage
unset SPASM_INDEX
CC=${CC:-cc}

fail() { echo "check_install $step: $*" >&2; exit 1; }

case $step in
install)
    make -s --no-print-directory install PREFIX=$prefix DESTDIR="$stage" >"$out/install.log" 2>&1 ||
        { cat "$out/install.log" >&2; fail "make install failed"; }
    ;;
layout)
    for f in bin/spasm-index bin/spasm-search bin/spasm-serve bin/spasm-eval lib/libspasm.so.0.1.0; do
        [ -f "$root/$f" ] && [ -x "$root/$f" ] || fail "$f missing or not executable"
    done
    for f in lib/libspasm.a include/spasm.h lib/pkgconfig/spasm.pc share/spasm/corpus.spx \
        share/man/man1/spasm-index.1 share/man/man1/spasm-search.1 share/man/man1/spasm-serve.1 \
        share/man/man1/spasm-eval.1 share/man/man3/libspasm.3; do
        [ -f "$root/$f" ] || fail "$f missing"
        [ "$(stat -c %a "$root/$f")" = 644 ] || fail "$f is not mode 644"
    done
    for c in spasm-index spasm-search spasm-serve spasm-eval; do
        cmp -s completion/spasm.bash "$root/share/bash-completion/completions/$c" ||
            fail "bash completion for $c not installed"
    done
    [ "$(readlink "$root/lib/libspasm.so.0")" = libspasm.so.0.1.0 ] || fail "libspasm.so.0 link"
    [ "$(readlink "$root/lib/libspasm.so")" = libspasm.so.0 ] || fail "libspasm.so link"
    readelf -d "$root/lib/libspasm.so.0.1.0" | grep -q 'SONAME.*\[libspasm\.so\.0\]' ||
        fail "soname is not libspasm.so.0"
    cmp -s include/spasm.h "$root/include/spasm.h" || fail "installed spasm.h differs"
    pkg-config --exists spasm || fail "pkg-config cannot find spasm"
    [ "$(pkg-config --modversion spasm)" = 0.1.0 ] || fail "pkg-config version"
    [ "$(pkg-config --cflags-only-I spasm | tr -s ' ' '\n' | grep -c "^-I$root/include$")" = 1 ] ||
        fail "pkg-config --cflags lacks -I$root/include"
    libs=$(pkg-config --libs spasm)
    [ "$(echo $libs)" = "-L$root/lib -lspasm" ] || fail "pkg-config --libs: $libs"
    slibs=$(pkg-config --static --libs spasm)
    for l in -lspasm -lstemmer -lutf8proc -ljansson -lz -lm; do
        echo " $slibs " | grep -q -- " $l " || fail "pkg-config --static --libs lacks $l: $slibs"
    done
    grep -q '^Requires.private:.*zlib' "$root/lib/pkgconfig/spasm.pc" || fail "zlib not private"
    [ "$(pkg-config --variable=corpusindex spasm)" = "$root/share/spasm/corpus.spx" ] ||
        fail "corpusindex variable: $(pkg-config --variable=corpusindex spasm)"
    # The installed search finds the installed corpus index by default.
    "$root/bin/spasm-search" -k 1 --format trec "renal colic" >/dev/null ||
        fail "the installed spasm-search does not find its default index"
    "$root/bin/spasm-search" --check >/dev/null || fail "spasm-search --check fails"
    ;;
man)
    for p in man1/spasm-index.1 man1/spasm-search.1 man1/spasm-serve.1 man1/spasm-eval.1 \
        man3/libspasm.3; do
        m=$(basename "$p" | sed 's/\.[0-9]$//')
        page=$(MANWIDTH=80 man -l "$root/share/man/$p" 2>"$out/man.err") ||
            fail "man -l $p failed"
        [ -s "$out/man.err" ] && { cat "$out/man.err" >&2; fail "man -l $p warned"; }
        echo "$page" | grep -q "^NAME" || fail "$p has no NAME section"
        echo "$page" | grep -q "$m" || fail "$p does not name $m"
        groff -ww -z -man "$root/share/man/$p" 2>&1 | grep . && fail "groff warns on $p"
    done
    ;;
hello)
    $CC -Wall -Wextra -Werror examples/hello.c $(pkg-config --cflags --libs spasm) \
        -o "$out/hello" 2>&1 || fail "cannot build hello against the stage"
    readelf -d "$out/hello" | grep -q 'NEEDED.*libspasm\.so\.0' || fail "hello is not linked to libspasm.so.0"
    LD_LIBRARY_PATH=$root/lib ldd "$out/hello" | grep -q "libspasm.so.0 => $root/lib/" ||
        fail "hello does not load the staged libspasm.so.0"
    LD_LIBRARY_PATH=$root/lib "$out/hello" >"$out/hello.txt" || fail "hello exited with $?"
    head -1 "$out/hello.txt" | grep -q '^1\. cats ' || { cat "$out/hello.txt" >&2; fail "hello: cats not first"; }
    [ "$(wc -l <"$out/hello.txt")" = 2 ] || fail "hello: expected 2 hits"
    ;;
static)
    # Prefer libspasm.a over libspasm.so for -lspasm only; the rest is pkg-config's.
    libs=$(pkg-config --static --libs spasm | sed 's/-lspasm/-Wl,-Bstatic -lspasm -Wl,-Bdynamic/')
    $CC -Wall -Wextra -Werror examples/hello.c $(pkg-config --cflags spasm) $libs \
        -o "$out/hello-static" 2>&1 || fail "cannot link hello with libspasm.a"
    readelf -d "$out/hello-static" | grep -q 'libspasm' && fail "hello-static needs libspasm.so"
    "$out/hello-static" | head -1 | grep -q '^1\. cats ' || fail "hello-static gave wrong results"
    ;;
repl)
    $CC -Wall -Wextra -Werror examples/corpus_repl.c $(pkg-config --cflags --libs spasm) \
        -DSPASM_CORPUS_INDEX="\"$(pkg-config --variable=corpusindex spasm)\"" \
        -o "$out/corpus_repl" 2>&1 || fail "cannot build corpus_repl against the stage"
    for q in "renal colic" "night calf cramps" "muscle cramps"; do
        # rank doc passage score, from both
        printf '%s\n' "$q" | LD_LIBRARY_PATH=$root/lib "$out/corpus_repl" >"$out/repl.txt" ||
            fail "corpus_repl failed on \"$q\""
        awk -F'\t' 'NF >= 4 {print $1, $2, $3, $4}' "$out/repl.txt" >"$out/repl.top"
        "$root/bin/spasm-search" -k 3 --format trec "$q" |
            awk '{split($3, d, "#"); print $4, d[1], d[2], $5}' >"$out/cli.top"
        # (up to 3; neither folds near-duplicates: the library default and --format trec)
        [ "$(wc -l <"$out/cli.top")" -ge 1 ] || fail "spasm-search gave no hits for \"$q\""
        cmp -s "$out/repl.top" "$out/cli.top" ||
            { diff "$out/repl.top" "$out/cli.top" >&2; fail "corpus_repl and spasm-search differ on \"$q\""; }
        # the same through an explicit index argument
        printf '%s\n' "$q" | LD_LIBRARY_PATH=$root/lib "$out/corpus_repl" "$root/share/spasm/corpus.spx" |
            cmp -s - "$out/repl.txt" || fail "corpus_repl INDEX differs from the default"
    done
    ;;
uninstall)
    make -s --no-print-directory uninstall PREFIX=$prefix DESTDIR="$stage" >"$out/uninstall.log" 2>&1 ||
        { cat "$out/uninstall.log" >&2; fail "make uninstall failed"; }
    left=$(find "$stage" ! -type d)
    [ -z "$left" ] || fail "left behind: $left"
    ;;
*) fail "unknown step" ;;
esac
exit 0
