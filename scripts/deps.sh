#!/bin/sh
# deps.sh -- install the Debian packages spasm-search needs, if missing.
#
#   scripts/deps.sh            build and test dependencies
#   scripts/deps.sh clang      also clang and its sanitizer and libFuzzer
#                              runtimes (make check, make fuzz, make CC=clang)
#   scripts/deps.sh bench      also the peer engines for bench/ (Xapian, SQLite
#                              FTS5, Lucene 8 with OpenJDK 17 and jackson-core;
#                              WordNet for scripts/wordnet-synonyms.py)
#
# Run by `make` and `make check` (and by .ci/run).  Does nothing when every
# package is already installed; otherwise installs them with apt-get
# (directly as root, else through sudo when it is there).
set -e
PKGS="build-essential pkg-config zlib1g-dev libdeflate-dev libzstd-dev libstemmer-dev libutf8proc-dev libjansson-dev libcmocka-dev man-db python3-dev python3-pytest libxml2-dev libcmark-dev libmicrohttpd-dev"
# the spelling-variant table (scripts/gen-variants.py): SCOWL's word lists
PKGS="$PKGS scowl"
# spasm-serve: libmicrohttpd; its tests: pytest, Selenium, headless Chromium and its driver
PKGS="$PKGS python3-selenium chromium chromium-driver"
for mode in "$@"; do
    case $mode in
    bench) PKGS="$PKGS libxapian-dev libsqlite3-dev sqlite3 jq time openjdk-17-jdk-headless liblucene8-java libjackson2-core-java wrk wordnet-base" ;;
    clang) PKGS="$PKGS clang libclang-rt-dev" ;;
    *) echo "deps: unknown set $mode" >&2; exit 2 ;;
    esac
done
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq $missing >&2
