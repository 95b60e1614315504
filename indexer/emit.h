/*
 * emit.h -- the state of writing the postings at commit, shared by
 * index_write.c (one term at a time) and emit_table.c (the in-memory term
 * table, encoded on two threads).
 */
#ifndef SPASM_EMIT_H
#define SPASM_EMIT_H

#include "writer.h"

/* A term on its way out, from the term table or merged from runs. */
typedef struct mterm {
    const char *s;
    uint32_t len, df;
    uint64_t cf;
    const uint8_t *post; /* stream: (gap, tf, positions) per passage */
    size_t npost;
    int is_word;
    const uint8_t *vars; /* (u8 length, bytes) per variant word */
    size_t nvars;
} mterm;

/* One DICT entry; the term's bytes are at strs.p + s_off. */
typedef struct dict_ent {
    uint64_t s_off, cf, post_len, pos_len;
    uint32_t len, df;
    uint32_t tmax; /* its TMAX byte: a bound of the list's largest tf-norm */
} dict_ent;

/* The state of writing POST (and collecting POSN, DICT and WORD). */
typedef struct emit {
    spasm_writer *w;
    uint32_t *docs, *tfs;
    size_t cap;
    uint64_t *blockpos;
    size_t capbp;
    sp_buf blocks, skips;
    sp_buf posn;  /* positions not yet spilled to the POSN temp file */
    sp_buf ents;  /* dict_ent per term */
    sp_buf strs;  /* term bytes */
    sp_buf words; /* per word: u32 term ordinal, u8 length, bytes */
    uint64_t nterms, nwords;
    double avgdl;
    sp_buf *out;           /* write POST here (and keep the positions in posn), or
                              NULL: to the writer's sink (spilling the positions) */
    char *errmsg;          /* where an error is described (the writer's, or a helper's) */
    uint64_t postings;     /* added up, for the writer's stats */
    int *posn_fd;          /* the POSN temporary file (-1: not made yet) */
    const char *posn_path; /* its name */
    int posn_anon;         /* unlink it once made (a helper's) */
} emit;

/* Write one term's POST data (to the sink or e->out), its positions to
 * e->posn and its DICT and WORD entries to e; 0 or an error (e->errmsg). */
int sp_emit_term(emit *e, const mterm *t);

/* Move e->posn to its POSN temporary file (made on the first call);
 * 0 or SPASM_EIO. */
int sp_emit_spill_posn(emit *e);

/* Emit the terms of the in-memory table, in order (emit_table.c). */
int sp_emit_table(emit *e);

#endif
