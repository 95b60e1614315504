# spasm-search build.
#
#   make              install missing Debian packages, build the library, the
#                     two programs and the index of corpus/ (build/corpus.spx)
#   make check        the whole test suite: normal build, then ASan + UBSan
#   make bench        benchmarks against the peer engines (see bench/README.md)
#   make eval         ranking quality on ../shared/eval (bench/eval.sh)
#   make install      PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
SAN ?=

CC ?= cc
OPT ?= -O2
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Wshadow -Wno-unused-parameter \
              -Wstrict-prototypes -Wmissing-prototypes -pthread
ifeq ($(SAN),1)
  CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDSAN = -fsanitize=address,undefined
endif
LIBCFLAGS = $(CFLAGS_BASE) -fPIC -fvisibility=hidden -DSPASM_BUILDING_LIBRARY -Iinclude -Icommon \
            -Iindexer -Isearcher
# The programs see only the public header: an internal include fails to build.
APPCFLAGS = $(CFLAGS_BASE) -Iinclude
LIBS = -lstemmer -lutf8proc -ljansson -lz -lm -pthread

SOVERSION = 0
VERSION = 0.1.0

LIB_SRC = $(sort $(wildcard common/*.c indexer/*.c searcher/*.c))
LIB_SRC := $(filter-out indexer/main_%.c searcher/main_%.c,$(LIB_SRC))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
HDRS = $(wildcard include/*.h common/*.h indexer/*.h searcher/*.h)

STATIC = $(BUILD)/lib/libspasm.a
SHARED = $(BUILD)/lib/libspasm.so.$(VERSION)
BIN_INDEX = $(BUILD)/bin/spasm-index
BIN_SEARCH = $(BUILD)/bin/spasm-search
BIN_EVAL = $(BUILD)/bin/spasm-eval
CORPUS_INDEX = $(BUILD)/corpus.spx
# The codec microbenchmark (bench/codec_bench.c), with Stream VByte beside
# it when libstreamvbyte-dev is installed.
BIN_CODEC = $(BUILD)/bin/codec_bench
SVB := $(shell test -f /usr/include/streamvbyte.h && echo 1)
CODEC_FLAGS = $(if $(SVB),-DSP_HAVE_STREAMVBYTE,)
CODEC_LIBS = $(if $(SVB),-lstreamvbyte,)

TEST_SRC = $(sort $(wildcard tests/test_*.c))
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_HELPERS = $(wildcard tests/helpers/*.c)
EVAL_LIB_SRC = $(filter-out bench/eval/main.c,$(wildcard bench/eval/*.c))

.PHONY: all deps lib check check-normal check-san test clean install uninstall bench eval format

all: deps
	@$(MAKE) --no-print-directory build-all

deps:
	@scripts/deps.sh

build-all: $(STATIC) $(SHARED) $(BIN_INDEX) $(BIN_SEARCH) $(BIN_EVAL) $(CORPUS_INDEX) $(BIN_CODEC)

lib: $(STATIC) $(SHARED)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libspasm.so.$(SOVERSION) $(LDSAN) -o $@ $^ $(LIBS)
	ln -sf libspasm.so.$(VERSION) $(BUILD)/lib/libspasm.so.$(SOVERSION)
	ln -sf libspasm.so.$(SOVERSION) $(BUILD)/lib/libspasm.so

$(BUILD)/bin/spasm-%: indexer/main_%.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(BUILD)/bin/spasm-%: searcher/main_%.c include/spasm.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APPCFLAGS) $< -o $@ $(STATIC) $(LIBS) $(LDSAN)

$(BIN_EVAL): $(wildcard bench/eval/*.c bench/eval/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Ibench/eval $(filter %.c,$^) -o $@ -lm $(LDSAN)

$(BIN_CODEC): bench/codec_bench.c $(STATIC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) $(CODEC_FLAGS) $< -o $@ $(STATIC) $(LIBS) $(CODEC_LIBS) $(LDSAN)

$(CORPUS_INDEX): $(BIN_INDEX) $(wildcard corpus/*)
	$(BIN_INDEX) -q -o $@ corpus

$(BUILD)/tests/%: tests/%.c $(STATIC) $(TEST_HELPERS) $(wildcard tests/*.h) $(EVAL_LIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -Itests -Ibench/eval $< $(TEST_HELPERS) $(EVAL_LIB_SRC) -o $@ \
	    $(STATIC) $(LIBS) -lcmocka $(LDSAN)

# `make check` runs the suite twice: an optimised build and an ASan+UBSan one.
check: deps
	@$(MAKE) --no-print-directory check-normal
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 OPT=-O1 check-san
	@tests/summary.sh build/test-normal.log build/test-san.log

check-normal: build-all $(TEST_BIN)
	@mkdir -p build
	@tests/run.sh $(BUILD) | tee build/test-normal.log

check-san: $(STATIC) $(BIN_INDEX) $(BIN_SEARCH) $(BIN_EVAL) $(CORPUS_INDEX) $(TEST_BIN)
	@mkdir -p build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    tests/run.sh $(BUILD) | tee build/test-san.log

test: check

bench: all
	scripts/deps.sh bench
	bench/run.sh

eval: all
	bench/eval.sh

format:
	clang-format -i $(wildcard include/*.h common/*.[ch] indexer/*.[ch] searcher/*.[ch] tests/*.[ch] bench/eval/*.[ch] examples/*.c)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/share/spasm $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN_INDEX) $(BIN_SEARCH) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libspasm.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libspasm.so.$(SOVERSION)
	ln -sf libspasm.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libspasm.so
	install -m 644 include/spasm.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(CORPUS_INDEX) $(DESTDIR)$(PREFIX)/share/spasm/corpus.spx
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' docs/spasm.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/spasm.pc
	install -m 644 docs/spasm-index.1 docs/spasm-search.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/spasm-index $(DESTDIR)$(PREFIX)/bin/spasm-search \
	    $(DESTDIR)$(PREFIX)/lib/libspasm.a $(DESTDIR)$(PREFIX)/lib/libspasm.so* \
	    $(DESTDIR)$(PREFIX)/include/spasm.h $(DESTDIR)$(PREFIX)/share/spasm/corpus.spx \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/spasm.pc \
	    $(DESTDIR)$(PREFIX)/share/man/man1/spasm-index.1 $(DESTDIR)$(PREFIX)/share/man/man1/spasm-search.1
	-rmdir $(DESTDIR)$(PREFIX)/share/spasm 2>/dev/null

clean:
	rm -rf build
