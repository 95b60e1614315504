/*
 * query_lex.h -- the query lexer's tokens and the parser's state, shared
 * by the lexer (query_lex.c) and the parser (query.c).  Private to them.
 */
#ifndef SPASM_QUERY_LEX_H
#define SPASM_QUERY_LEX_H

#include "query.h"

typedef enum ltype {
    L_END,
    L_WORD,
    L_PHRASE,
    L_LP,
    L_RP,
    L_AND,
    L_OR,
    L_NOT,
    L_NEAR,
    L_PLUS,
    L_MINUS,
    L_FIELD /* "title:" before an operand (lex.field) */
} ltype;

typedef struct lex {
    ltype type;
    const char *s;
    size_t len;
    size_t at; /* byte offset in the query */
    uint32_t near;
    qfield field; /* L_FIELD */
} lex;

typedef struct parser {
    const sp_alloc *a;
    sp_analyzer *an;
    lex *toks;
    size_t ntok, i;
    int keep_stop;
    int rc;
    char *err;
} parser;

/* 1 if c is ASCII white space (what separates query words). */
static inline int sp_query_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Cut query q into ps->toks[0, ps->ntok) (ending with L_END); 0, or
 * SPASM_ENOMEM. */
int sp_query_lex(parser *ps, const char *q);

#endif
