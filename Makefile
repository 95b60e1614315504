# spasm-search build.
#
#   make              install missing Debian packages, build the library, the
#                     two programs and the index of corpus/ (build/corpus.spx)
#   make check        the whole test suite: normal build, then ASan + UBSan,
#                     TSan, and the fuzz targets over their seeds
#   make bench        benchmarks against the peer engines (see bench/README.md),
#                     report in build/bench/RESULTS.md
#   make eval         ranking quality on ../shared/eval (bench/eval.sh),
#                     report in build/eval/EVAL.md
#   make bench-tools  the bench programs (make builds them): build/bin/codec_bench,
#                     build/bench/spasm_bench, build/bench/dump_passages and the
#                     peers' harnesses when their libraries are installed
#   make readme       regenerate the outputs README.md shows (scripts/readme-outputs.sh;
#                     make check fails when they differ from what the programs print)
#   make judged       ranking quality on our judged queries over corpus/ (bench/judged.sh)
#   make install      PREFIX=/usr/local DESTDIR=   (make uninstall: the same files)
#   make examples     examples/*.c built against build/ (check-install builds
#                     them against an installed tree through pkg-config)
#   make check-install  install into a temporary DESTDIR and test that tree
#   make check-tsan   the thread test under ThreadSanitizer (build/tsan)
#   make fuzz         the libFuzzer targets (clang), FUZZ_TIME=60 seconds each
#                     (FUZZ_FAST=1: UBSan only, no ASan, for long runs;
#                     FUZZ_LEAN=1: the same, ingest targets guided by ingest only;
#                     FUZZ_RUNS=N: stop each after N executions)
#   make check-fuzz   the fuzz targets over their seeds only (part of check)
#   make CC=clang ... the same with clang, into build-clang/
#   make clean

PREFIX ?= /usr/local
DESTDIR ?=
# Each compiler builds into its own tree: build/ (gcc, cc), build-clang/
# (make CC=clang); make check's sanitizer builds and logs go under it.
CC ?= cc
ifneq ($(findstring clang,$(notdir $(CC))),)
  TOP ?= build-clang
else
  TOP ?= build
endif
BUILD ?= $(TOP)
SAN ?=

OPT ?= -O2
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Wshadow -Wno-unused-parameter \
              -Wstrict-prototypes -Wmissing-prototypes -pthread
ifeq ($(SAN),1)
  CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDSAN = -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
  CFLAGS_BASE += -fsanitize=thread -fno-omit-frame-pointer
  LDSAN = -fsanitize=thread
endif
# The fuzz tree (clang only): coverage for libFuzzer, ASan and UBSan.
ifeq ($(SAN),fuzz)
  CFLAGS_BASE += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
  LDSAN = -fsanitize=address,undefined
endif
# The same without ASan, for throughput in long runs (make fuzz FUZZ_FAST=1).
ifeq ($(SAN),fuzz-fast)
  CFLAGS_BASE += -fsanitize=fuzzer-no-link,undefined -fno-sanitize-recover=undefined
  LDSAN = -fsanitize=undefined
endif
# libxml2's headers are in a folder of their own (HTML input, input_html.c).
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
LIBCFLAGS = $(CFLAGS_BASE) -fPIC -fvisibility=hidden -DSPASM_BUILDING_LIBRARY -Iinclude -Icommon \
            -Iindexer -Isearcher $(XML_CFLAGS)
# The programs see only the public header: an internal include fails to build.
APPCFLAGS = $(CFLAGS_BASE) -Iinclude
LIBS = -lstemmer -lutf8proc -ljansson -lxml2 -lcmark -ldeflate -lzstd -lz -lm -pthread

SOVERSION = 0
VERSION = 0.1.0

LIB_SRC = $(sort $(wildcard common/*.c indexer/*.c searcher/*.c))
LIB_SRC := $(filter-out indexer/main_%.c searcher/main_%.c,$(LIB_SRC))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
HDRS = $(wildcard include/*.h common/*.h indexer/*.h searcher/*.h)

STATIC = $(BUILD)/lib/libspasm.a
SHARED = $(BUILD)/lib/libspasm.so.$(VERSION)
BIN_INDEX = $(BUILD)/bin/spasm-index
BIN_SERVE = $(BUILD)/bin/spasm-serve
BIN_SEARCH = $(BUILD)/bin/spasm-search
BIN_EVAL = $(BUILD)/bin/spasm-eval
# spasm-inspect: stats, a document's passages, a term's postings (issue 13)
BIN_INSPECT = $(BUILD)/bin/spasm-inspect
CORPUS_INDEX = $(BUILD)/corpus.spx
# The codec microbenchmark (bench/codec_bench.c), with Stream VByte beside
# it when libstreamvbyte-dev is installed.
BIN_CODEC = $(BUILD)/bin/codec_bench
SVB := $(shell test -f /usr/include/streamvbyte.h && echo 1)
CODEC_FLAGS = $(if $(SVB),-DSP_HAVE_STREAMVBYTE,)
CODEC_LIBS = $(if $(SVB),-lstreamvbyte,)
# The other bench programs, built into build/bench/ (bench/run.sh runs them
# from there): spasm's query harness, the judging tool, and each peer's
# harness when its library is installed (scripts/deps.sh bench).
BENCH_DIR = $(BUILD)/bench
HAVE_XAPIAN := $(shell pkg-config --exists xapian-core 2>/dev/null && echo 1)
HAVE_SQLITE := $(shell test -f /usr/include/sqlite3.h && echo 1)
# Lucene 8 (bench/peers/LuceneBench.java): javac and the jars of Debian's
# liblucene8-java (named 8.7.0, Lucene 8.8.1 inside) and libjackson2-core-java.
JAVAC := $(shell command -v javac 2>/dev/null)
LUCENE_JARS := $(firstword $(wildcard /usr/share/java/lucene-core-[0-9]*.jar)) \
    $(firstword $(wildcard /usr/share/java/lucene-analyzers-common-[0-9]*.jar)) \
    $(wildcard /usr/share/java/jackson-core.jar)
HAVE_LUCENE := $(if $(and $(JAVAC),$(word 3,$(LUCENE_JARS))),1,)
LUCENE_CP = $(subst $(eval) ,:,$(strip $(LUCENE_JARS)))
BENCH_TOOLS = $(BIN_CODEC) $(BENCH_DIR)/spasm_bench $(BENCH_DIR)/dump_passages $(BENCH_DIR)/live_bench \
    $(BENCH_DIR)/serve_pair \
    $(if $(HAVE_XAPIAN),$(BENCH_DIR)/xapian_bench,) $(if $(HAVE_SQLITE),$(BENCH_DIR)/fts5_bench,) \
    $(if $(HAVE_LUCENE),$(BENCH_DIR)/lucene_bench,)
# What near-duplicate folding costs (bench/folding_bench.c; smoke-run by
# tests/test_fold.c).
BIN_FOLD = $(BUILD)/bin/folding_bench

TEST_SRC = $(sort $(wildcard tests/test_*.c))
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_HELPERS = $(wildcard tests/helpers/*.c)
EVAL_LIB_SRC = $(filter-out bench/eval/main.c,$(wildcard bench/eval/*.c))
EXAMPLES = $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: python check-python install-python all deps lib examples check check-normal check-san check-install check-tsan test clean \
        install uninstall bench bench-tools eval judged format readme deps-clang fuzz fuzz-build \
        check-fuzz check-fuzz-run

all: deps
	@$(MAKE) --no-print-directory build-all

# clang (and its runtimes) when it builds, and for make check's fuzz targets.
deps:
	@scripts/deps.sh $(if $(findstring clang,$(notdir $(CC))),clang,)

deps-clang:
	@scripts/deps.sh clang

build-all: $(STATIC) $(SHARED) $(BIN_INDEX) $(BIN_SEARCH) $(BIN_INSPECT) $(BIN_EVAL) $(CORPUS_INDEX) bench-tools \
           python $(BIN_SERVE)

bench-tools: $(BENCH_TOOLS) $(BIN_FOLD)

lib: $(STATIC) $(SHARED)

examples: $(EXAMPLES)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -c $< -o $@

# The spelling-variant table (common/variants.c) is generated from
# Debian's scowl word lists (/usr/share/dict/scowl) by
# scripts/gen-variants.py; without the package it fails with a message.
VARIANTS_H = $(BUILD)/gen/variants_table.h
$(VARIANTS_H): scripts/gen-variants.py
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen-variants.py $@

$(BUILD)/obj/common/variants.o: $(VARIANTS_H)
$(BUILD)/obj/common/variants.o: LIBCFLAGS += -I$(BUILD)/gen

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ) docs/libspasm.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libspasm.so.$(SOVERSION) -Wl,--version-script=docs/libspasm.map $(LDSAN) -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf libspasm.so.$(VERSION) $(BUILD)/lib/libspasm.so.$(SOVERSION)
	ln -sf libspasm.so.$(SOVERSION) $(BUILD)/lib/libspasm.so

$(BUILD)/bin/spasm-%: indexer/main_%.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

# spasm-search is main_search.c and its rooms (batches, output, wrapping, arguments).
$(BIN_SEARCH): searcher/main_search.c searcher/main_search_batch.c searcher/main_search_out.c \
               searcher/main_search_args.c \
               searcher/main_search_wrap.c searcher/main_default.c \
               searcher/main_search.h searcher/main_default.h include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $(filter %.c,$^) -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(BIN_INSPECT): searcher/main_inspect.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

# Built against the build tree; the default index is this tree's corpus.
$(BUILD)/examples/%: examples/%.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) -DSPASM_CORPUS_INDEX='"$(abspath $(CORPUS_INDEX))"' $< -o $@ \
	    $(STATIC) $(LIBS) $(LDSAN)

$(BIN_EVAL): $(wildcard bench/eval/*.c bench/eval/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Ibench/eval $(filter %.c,$^) -o $@ -lm $(LDSAN)

$(BIN_CODEC): bench/codec_bench.c $(STATIC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) $(CODEC_FLAGS) $< -o $@ $(STATIC) $(LIBS) $(CODEC_LIBS) $(LDSAN)

$(BENCH_DIR)/spasm_bench: bench/spasm_bench.c bench/bench_util.h include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

# spasm-serve against the same work in-process, query by query
# (bench/serve_bench.sh).
$(BENCH_DIR)/serve_pair: bench/serve_pair.c bench/bench_util.h include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

# The writer's side of a live index (issue 11): bench/live_bench.c.
$(BENCH_DIR)/live_bench: bench/live_bench.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(BENCH_DIR)/dump_passages: tests/judged/dump_passages.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(BENCH_DIR)/fts5_bench: bench/peers/fts5_bench.c bench/peers/jsonl.h bench/bench_util.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $< -o $@ -lsqlite3 -lutf8proc -ljansson -lz -lm $(LDSAN)

# C++: the C-only warnings of CFLAGS_BASE left out.
$(BENCH_DIR)/xapian_bench: bench/peers/xapian_bench.cc bench/peers/jsonl.h bench/bench_util.h
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -g $(OPT) -Wall -Wextra $(filter -fsanitize=% -fno-%,$(CFLAGS_BASE)) $< -o $@ \
	    $$(pkg-config --cflags --libs xapian-core) -ljansson -lz $(LDSAN)

# Java: the classes into build/bench/lucene/, and a wrapper script that runs
# them (LUCENE_BENCH_JAVA_OPTS: the JVM's options, default -Xmx1g).
$(BENCH_DIR)/lucene_bench: bench/peers/LuceneBench.java
	@mkdir -p $(BENCH_DIR)/lucene
	$(JAVAC) -encoding UTF-8 -Xlint:all -Werror -cp $(LUCENE_CP) -d $(BENCH_DIR)/lucene $<
	printf '#!/bin/sh\n# written by make from bench/peers/LuceneBench.java\nexec java $${LUCENE_BENCH_JAVA_OPTS:--Xmx1g} -cp %s LuceneBench "$$@"\n' \
	    '$(abspath $(BENCH_DIR))/lucene:$(LUCENE_CP)' > $@.tmp
	chmod +x $@.tmp && mv $@.tmp $@

$(BIN_FOLD): bench/folding_bench.c bench/bench_util.h include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(CORPUS_INDEX): $(BIN_INDEX) $(wildcard corpus/*)
	$(BIN_INDEX) -q -o $@ corpus

$(BUILD)/tests/%: tests/%.c $(STATIC) $(TEST_HELPERS) $(wildcard tests/*.h tests/helpers/*.h) $(EVAL_LIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -Itests -Itests/helpers -Ibench/eval $< $(TEST_HELPERS) $(EVAL_LIB_SRC) -o $@ \
	    $(STATIC) $(LIBS) -lcmocka $(LDSAN) $(TEST_LDFLAGS)

# The allocation-failure test also fails libstemmer's and Jansson's.
$(BUILD)/tests/test_alloc: TEST_LDFLAGS = -Wl,--wrap=sb_stemmer_new,--wrap=sb_stemmer_stem \
    -Wl,--wrap=json_loadb,--wrap=libdeflate_alloc_decompressor,--wrap=ZSTD_createCCtx \
    -Wl,--wrap=ZSTD_createCDict,--wrap=ZSTD_createDCtx

# ---- The Python module (python/: a CPython extension over libspasm.a,
# built for Debian's /usr/bin/python3 whatever python3 is first on PATH):
# $(BUILD)/python/spasm/ is the package, importable with
# PYTHONPATH=$(BUILD)/python; `make check` runs its pytest suite
# (python/tests) after the normal build's tests.
PYTHON ?= /usr/bin/python3
PY_EXT := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
PY_INC := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)
PY_VER := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PY_PKG = $(BUILD)/python/spasm
PY_MOD = $(PY_PKG)/_spasm$(PY_EXT)
PY_FILES = $(PY_PKG)/__init__.py $(PY_PKG)/__init__.pyi $(PY_PKG)/py.typed
# Where Debian's python3 looks: /usr/lib/python3/dist-packages for
# PREFIX=/usr, else PREFIX/lib/python3.X/dist-packages (/usr/local's is on
# its sys.path).
PYTHON_SITE ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/python$(PY_VER)/dist-packages)

python: $(PY_MOD) $(PY_FILES)

$(PY_MOD): $(wildcard python/src/*.c python/src/*.h) include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -fPIC -fvisibility=hidden -shared -Iinclude -I$(PY_INC) \
	    $(filter %.c,$^) -o $@ -Wl,--exclude-libs,ALL $(STATIC) $(LIBS) $(LDSAN)

$(PY_PKG)/%: python/spasm/%
	@mkdir -p $(dir $@)
	cp $< $@

# A sanitizer tree cannot load its extension into /usr/bin/python3: it
# borrows the normal tree's module (for README's Python example).
ifneq ($(SAN),)
$(BUILD)/python:
	@$(MAKE) --no-print-directory BUILD=$(TOP) SAN= OPT=-O2 python
	@mkdir -p $(BUILD)
	ln -sfn $(abspath $(TOP))/python $@
endif

# The pytest suite, counted like the C tests (its own closing line).
check-python: python $(CORPUS_INDEX) $(BIN_INDEX)
	@SPASM_TEST_BUILD=$(BUILD) PYTHONPATH=$(BUILD)/python PYTHONDONTWRITEBYTECODE=1 \
	    $(PYTHON) -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee $(TOP)/test-python.raw; \
	    python/tests/summary.sh $(BUILD) $(TOP)/test-python.raw | tee $(TOP)/test-python.log

# ---- spasm-serve (server/): the HTTP service and its page, the page's
# files built into the binary by server/embed.c; libmicrohttpd.
SERVE_PAGE = server/page.html server/page.css server/page.js server/favicon.svg
SERVE_SRC = server/main_serve.c server/http.c server/routes.c server/writes.c server/snapshot.c \
    server/jsonw.c server/accept.c server/pool.c searcher/main_default.c
MHD_LIBS = -lmicrohttpd

$(BUILD)/obj/server/embed: server/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra $< -o $@

$(BUILD)/obj/server/page.c: $(BUILD)/obj/server/embed $(SERVE_PAGE)
	$(BUILD)/obj/server/embed $@ $(SERVE_PAGE)

$(BIN_SERVE): $(SERVE_SRC) server/serve.h searcher/main_default.h $(BUILD)/obj/server/page.c \
    include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) -Iserver $(SERVE_SRC) $(BUILD)/obj/server/page.c -o $@ $(STATIC) $(LIBS) \
	    $(MHD_LIBS) $(LDSAN)

# The server's tests (tests/serve/, pytest: the API, and the page in
# headless Chromium through Selenium) as one test binary for tests/run.sh.
$(BUILD)/tests/test_serve: tests/serve/run.sh $(BIN_SERVE) $(BIN_INDEX)
	@mkdir -p $(dir $@)
	cp tests/serve/run.sh $@
	chmod +x $@

# ---- Fuzzing: libFuzzer targets in fuzz/ (see fuzz/README.md), built
# with clang into build/fuzz whatever CC is.  `make fuzz` runs each for
# FUZZ_TIME seconds (FUZZ_TARGETS to choose), growing build/fuzz/corpus/;
# `make check` runs each once over its seeds in fuzz/corpus/.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_TARGETS ?= fuzz_query fuzz_index fuzz_index_crc fuzz_ingest fuzz_markup fuzz_synonyms
FUZZ_FAST ?=
FUZZ_LEAN ?=
FUZZ_SAN = $(if $(FUZZ_FAST)$(FUZZ_LEAN),fuzz-fast,fuzz)
FUZZ_BUILD = build/$(if $(FUZZ_LEAN),fuzz-lean,$(FUZZ_SAN))
FUZZ_VARS = CC=$(FUZZ_CC) TOP=build BUILD=$(FUZZ_BUILD) SAN=$(FUZZ_SAN) OPT=-O1
FUZZ_BIN = $(FUZZ_TARGETS:%=$(BUILD)/fuzzers/%)

fuzz: deps-clang
	@$(MAKE) --no-print-directory $(FUZZ_VARS) fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# fuzz_query's and fuzz_synonyms' index: small (157 passages, 113 terms),
# so that prefix storms and large k stay cheap per input (fuzz/README.md).
FUZZ_QUERY_INDEX = $(BUILD)/fuzz-query.spx
fuzz-build: $(FUZZ_BIN) $(CORPUS_INDEX) $(FUZZ_QUERY_INDEX)

$(FUZZ_QUERY_INDEX): $(BIN_INDEX) fuzz/query/docs.jsonl fuzz/query/synonyms.txt
	$(BIN_INDEX) -q -j 1 --synonyms fuzz/query/synonyms.txt -o $@ fuzz/query/docs.jsonl

# FUZZ_FAST=1 (UBSan only, for long runs): each target also links a library
# of its own (BUILD/cmp-TARGET/) in which only the files that parse its
# input keep libFuzzer's comparison tracing (-fsanitize-coverage=trace-cmp,
# FUZZ_CMP_TARGET); edge coverage stays in every file.  Tracing every
# comparison of the hot code that only walks fixed or already-decoded data
# (the dictionary scan of fuzz_query's index, the highlighter re-analysing
# passages, ranking, the writer's term table) took 25-70% of the time; see
# fuzz/README.md.  The default tree (ASan, make check) traces everything.
# (common/base.c, buffers and allocation, is not traced: its capacity
# tests were 3% of fuzz_index_crc's time and parse nothing.)
FUZZ_CMP ?=
FUZZ_CMP_fuzz_query = searcher/query.c searcher/query_lex.c searcher/expand.c searcher/search.c \
    searcher/suggest.c searcher/synonyms.c
FUZZ_CMP_fuzz_index = common/codec.c searcher/index.c searcher/segment.c \
    searcher/records.c searcher/postings.c searcher/iter.c
FUZZ_CMP_fuzz_ingest = common/analyzer.c indexer/batch.c indexer/input.c indexer/jsonline.c \
    indexer/passage.c indexer/reader.c indexer/target.c indexer/writer.c searcher/query.c \
    searcher/query_lex.c
FUZZ_CMP_fuzz_markup = indexer/input.c indexer/input_html.c indexer/input_md.c indexer/markup.c \
    indexer/passage.c
ifneq ($(strip $(FUZZ_CMP)),)
$(filter-out $(FUZZ_CMP:%.c=$(BUILD)/obj/%.o),$(LIB_OBJ)): \
    LIBCFLAGS += -fno-sanitize-coverage=trace-cmp
endif
# FUZZ_LEAN=1 (implies FUZZ_FAST=1; its own tree, build/fuzz-lean/):
# fuzz_ingest's and fuzz_markup's libraries also leave the searcher (but
# the query parser) without any coverage (FUZZ_NOCOV): every check of the
# harness still runs on every input, but libFuzzer no longer keeps inputs
# for what the searcher does with the written index (fuzz_index* and
# fuzz_query cover the searcher).  About 1,050 of fuzz_ingest's 2,700
# edges, and 1.28x its executions per CPU-second (fuzz_markup 1.07x;
# fuzz/README.md).
FUZZ_NOCOV ?=
ifneq ($(strip $(FUZZ_NOCOV)),)
$(FUZZ_NOCOV:%.c=$(BUILD)/obj/%.o): \
    LIBCFLAGS += -fno-sanitize-coverage=inline-8bit-counters,pc-table,indirect-calls,trace-cmp
endif
FUZZ_LEAN_NOCOV = $(if $(FUZZ_LEAN),$(filter-out searcher/query.c searcher/query_lex.c,$(filter searcher/%,$(LIB_SRC))))
FUZZ_NOCOV_fuzz_ingest = $(FUZZ_LEAN_NOCOV)
FUZZ_NOCOV_fuzz_markup = $(FUZZ_LEAN_NOCOV)
ifeq ($(SAN),fuzz-fast)
FUZZ_LIB_fuzz_query = $(BUILD)/cmp-fuzz_query/lib/libspasm.a
FUZZ_LIB_fuzz_index = $(BUILD)/cmp-fuzz_index/lib/libspasm.a
FUZZ_LIB_fuzz_ingest = $(BUILD)/cmp-fuzz_ingest/lib/libspasm.a
FUZZ_LIB_fuzz_markup = $(BUILD)/cmp-fuzz_markup/lib/libspasm.a
FUZZ_LIB_fuzz_synonyms = $(FUZZ_LIB_fuzz_query)
$(BUILD)/cmp-%/lib/libspasm.a: $(LIB_SRC) $(HDRS)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/cmp-$* FUZZ_CMP="$(FUZZ_CMP_$*)" \
	    FUZZ_NOCOV="$(FUZZ_NOCOV_$*)" $@
else
FUZZ_LIB_fuzz_query = $(STATIC)
FUZZ_LIB_fuzz_index = $(STATIC)
FUZZ_LIB_fuzz_ingest = $(STATIC)
FUZZ_LIB_fuzz_markup = $(STATIC)
FUZZ_LIB_fuzz_synonyms = $(STATIC)
endif

$(BUILD)/fuzzers/fuzz_index_crc: fuzz/fuzz_index.c fuzz/fuzzutil.c fuzz/fuzzutil.h $(FUZZ_LIB_fuzz_index)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) -DFUZZ_FIX_CRC -fsanitize=fuzzer $(filter %.c,$^) -o $@ $(filter %.a,$^) \
	    $(LIBS) $(LDSAN)

$(BUILD)/fuzzers/fuzz_query: $(FUZZ_LIB_fuzz_query)
$(BUILD)/fuzzers/fuzz_index: $(FUZZ_LIB_fuzz_index)
$(BUILD)/fuzzers/fuzz_ingest: $(FUZZ_LIB_fuzz_ingest)
$(BUILD)/fuzzers/fuzz_markup: $(FUZZ_LIB_fuzz_markup)
$(BUILD)/fuzzers/fuzz_synonyms: $(FUZZ_LIB_fuzz_synonyms)
$(BUILD)/fuzzers/%: fuzz/%.c fuzz/fuzzutil.c fuzz/fuzzutil.h
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) -fsanitize=fuzzer $(filter %.c,$^) -o $@ $(filter %.a,$^) $(LIBS) $(LDSAN)

# The fuzz targets over their seeds, as tests (tests/run.sh counts them).
check-fuzz: deps-clang
	@$(MAKE) --no-print-directory $(FUZZ_VARS) check-fuzz-run FUZZ_LOG=$(TOP)/test-fuzz.log

check-fuzz-run: fuzz-build
	@mkdir -p $(dir $(FUZZ_LOG))
	@tests/run.sh $(BUILD) | tee $(FUZZ_LOG)

# `make check` runs the suite twice: an optimised build and an ASan+UBSan
# one (test_install installs into a temporary DESTDIR and builds the
# examples there in the first); then the thread test once more under
# ThreadSanitizer, which cannot be combined with ASan.
check: deps-clang
	@$(MAKE) --no-print-directory BUILD=$(TOP) check-normal
	@$(MAKE) --no-print-directory BUILD=$(TOP)/san SAN=1 OPT=-O1 check-san
	@$(MAKE) --no-print-directory BUILD=$(TOP)/tsan SAN=thread OPT=-O1 check-tsan-run
	@$(MAKE) --no-print-directory $(FUZZ_VARS) check-fuzz-run FUZZ_LOG=$(TOP)/test-fuzz.log
	@tests/summary.sh $(TOP)/test-normal.log $(TOP)/test-san.log $(TOP)/test-tsan.log \
	    $(TOP)/test-fuzz.log $(TOP)/test-python.log

check-normal: build-all $(EXAMPLES) $(TEST_BIN) $(BUILD)/tests/test_serve
	@mkdir -p $(TOP)
	@tests/run.sh $(BUILD) | tee $(TOP)/test-normal.log
	@$(MAKE) --no-print-directory check-python

check-san: $(STATIC) $(SHARED) $(BIN_INDEX) $(BIN_SEARCH) $(BIN_INSPECT) $(BIN_EVAL) $(CORPUS_INDEX) $(BENCH_TOOLS) \
           $(BIN_FOLD) $(TEST_BIN) $(BUILD)/python $(BIN_SERVE) $(BUILD)/tests/test_serve
	@mkdir -p $(TOP)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    tests/run.sh $(BUILD) | tee $(TOP)/test-san.log

# Only the thread test is built with -fsanitize=thread (into $(TOP)/tsan).
check-tsan: deps
	@$(MAKE) --no-print-directory BUILD=$(TOP)/tsan SAN=thread OPT=-O1 check-tsan-run

check-tsan-run: $(CORPUS_INDEX) $(BUILD)/tests/test_threads
	@mkdir -p $(TOP)
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 tests/run.sh $(BUILD) \
	    | tee $(TOP)/test-tsan.log

# The install test alone (make check runs it with the rest).
check-install: build-all $(BUILD)/tests/test_install
	@SPASM_TEST_BUILD=$(BUILD) $(BUILD)/tests/test_install

test: check

# Both write into build/ only (build/bench/RESULTS.md, build/eval/EVAL.md);
# bench/RESULTS.md and bench/EVAL.md are the published copies, updated by
# copying a run's report over them by hand (bench/README.md).
bench: all
	scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-tools
	bench/run.sh --xapian-stem all

eval: all
	bench/eval.sh

# Rewrite the shown outputs of README.md from the programs of this build.
readme: build-all
	BUILD=$(BUILD) scripts/readme-outputs.sh

judged: all
	bench/judged.sh

format:
	clang-format -i $(wildcard include/*.h common/*.[ch] indexer/*.[ch] searcher/*.[ch] tests/*.[ch] bench/eval/*.[ch] examples/*.c fuzz/*.[ch] server/*.[ch] python/src/*.[ch] bench/*.c tests/helpers/*.[ch])

# Installed layout (spasm-search finds its default index through its own
# path: BIN/../share/spasm/corpus.spx, so the tree may be moved as a whole):
#   bin/spasm-index bin/spasm-search bin/spasm-serve (its page is inside it) bin/spasm-eval
#   lib/libspasm.a lib/libspasm.so.$(VERSION) (+ .so.$(SOVERSION), .so links)
#   include/spasm.h lib/pkgconfig/spasm.pc share/spasm/corpus.spx
#   share/man/man1/spasm-index.1 share/man/man1/spasm-search.1 share/man/man1/spasm-serve.1
#   share/man/man1/spasm-eval.1 share/man/man3/libspasm.3
#   lib/python3.X/dist-packages/spasm/ (the Python package; /usr/lib/python3/dist-packages with PREFIX=/usr)
DEST = $(DESTDIR)$(PREFIX)
INSTALLED = $(DEST)/bin/spasm-index $(DEST)/bin/spasm-search $(DEST)/bin/spasm-serve \
    $(DEST)/bin/spasm-eval $(DEST)/bin/spasm-inspect $(DEST)/share/man/man1/spasm-inspect.1 \
    $(DEST)/share/man/man1/spasm-serve.1 $(DEST)/lib/libspasm.a \
    $(DEST)/lib/libspasm.so.$(VERSION) $(DEST)/lib/libspasm.so.$(SOVERSION) $(DEST)/lib/libspasm.so \
    $(DEST)/include/spasm.h $(DEST)/lib/pkgconfig/spasm.pc $(DEST)/share/spasm/corpus.spx \
    $(DEST)/share/man/man1/spasm-index.1 $(DEST)/share/man/man1/spasm-search.1 \
    $(COMPLETIONS) $(DEST)/share/man/man1/spasm-eval.1 $(DEST)/share/man/man3/libspasm.3
# bash-completion loads completions/NAME when NAME is first completed
COMPLETIONS = $(addprefix $(DEST)/share/bash-completion/completions/,spasm-index spasm-search spasm-serve \
    spasm-eval spasm-inspect)
# The Python package (PYTHON_SITE, above).
PY_DEST = $(DESTDIR)$(PYTHON_SITE)/spasm
PY_INSTALLED = $(PY_DEST)/_spasm$(PY_EXT) $(PY_DEST)/__init__.py $(PY_DEST)/__init__.pyi \
    $(PY_DEST)/py.typed

install: all install-python
	install -d $(DEST)/bin $(DEST)/lib $(DEST)/lib/pkgconfig $(DEST)/include $(DEST)/share/spasm \
	    $(DEST)/share/man/man1 $(DEST)/share/man/man3
	install -m 755 $(BIN_INDEX) $(BIN_SEARCH) $(BIN_SERVE) $(BIN_EVAL) $(BIN_INSPECT) $(DEST)/bin/
	install -m 644 $(STATIC) $(DEST)/lib/
	install -m 755 $(SHARED) $(DEST)/lib/
	ln -sf libspasm.so.$(VERSION) $(DEST)/lib/libspasm.so.$(SOVERSION)
	ln -sf libspasm.so.$(SOVERSION) $(DEST)/lib/libspasm.so
	install -m 644 include/spasm.h $(DEST)/include/
	install -m 644 $(CORPUS_INDEX) $(DEST)/share/spasm/corpus.spx
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' docs/spasm.pc.in \
	    > $(DEST)/lib/pkgconfig/spasm.pc.tmp
	mv -f $(DEST)/lib/pkgconfig/spasm.pc.tmp $(DEST)/lib/pkgconfig/spasm.pc
	chmod 644 $(DEST)/lib/pkgconfig/spasm.pc
	install -m 644 docs/spasm-index.1 docs/spasm-search.1 docs/spasm-serve.1 $(DEST)/share/man/man1/
	install -m 644 docs/spasm-eval.1 docs/spasm-inspect.1 $(DEST)/share/man/man1/
	install -m 644 docs/libspasm.3 $(DEST)/share/man/man3/
	install -d $(DEST)/share/bash-completion/completions
	for f in $(COMPLETIONS); do install -m 644 completion/spasm.bash $$f; done

# Only the Python package (make install does it too).
install-python: python
	install -d $(PY_DEST)
	install -m 644 $(PY_MOD) $(PY_FILES) $(PY_DEST)/

# Removes exactly what install put there, and share/spasm if left empty.
uninstall:
	rm -f $(INSTALLED) $(PY_INSTALLED)
	rm -rf $(PY_DEST)/__pycache__
	-rmdir $(PY_DEST) 2>/dev/null || true
	-rmdir $(DEST)/share/spasm 2>/dev/null || true

clean:
	rm -rf build build-clang
