/*
 * main_default.h -- the programs' default index (main_default.c).
 */
#ifndef SPASM_MAIN_DEFAULT_H
#define SPASM_MAIN_DEFAULT_H

#include <stddef.h>

/* The default index: $SPASM_INDEX, else BIN/../corpus.spx (the build
 * tree) or BIN/../share/spasm/corpus.spx (installed) when readable, else
 * "build/corpus.spx"; buf (n bytes) may hold the answer. */
const char *default_index(char *buf, size_t n);

#endif
