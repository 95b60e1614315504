/*
 * query_lex.c -- the query lexer: cuts a query into words, phrases,
 * parentheses, operators (AND, OR, NOT, NEAR/n), +/- modifiers and field
 * prefixes (title:), each with its byte offset, for the parser (query.c).
 */
#include <strings.h>

#include "query_lex.h"

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A field prefix at q[i, n): ASCII letters, ':' and an operand right
 * after it (not a space, ')', '/' or ':', so "10:30", "http://x" and a
 * lone "title:" stay words).  Returns the length of the name (0: none). */
static size_t field_name(const char *q, size_t i, size_t n)
{
    size_t p = i;
    while (p < n && is_alpha(q[p])) p++;
    if (p == i || p + 1 >= n || q[p] != ':') return 0;
    char c = q[p + 1];
    if (sp_query_is_space(c) || c == ')' || c == '/' || c == ':') return 0;
    return p - i;
}

/* The field named s[0, len) (any case), or -1. */
static int field_of(const char *s, size_t len)
{
    if (len == 5 && strncasecmp(s, "title", 5) == 0) return F_TITLE;
    if (len == 4 && strncasecmp(s, "text", 4) == 0) return F_TEXT;
    return -1;
}

int sp_query_lex(parser *ps, const char *q)
{
    size_t n = strlen(q), cap = 16, nt = 0;
    lex *t = sp_malloc(ps->a, cap * sizeof *t);
    if (!t) return SPASM_ENOMEM;
    size_t i = 0;
    for (;;) {
        while (i < n && sp_query_is_space(q[i])) i++;
        if (nt + 2 > cap) {
            cap *= 2;
            lex *u = sp_realloc(ps->a, t, cap * sizeof *u);
            if (!u) {
                sp_free(ps->a, t);
                return SPASM_ENOMEM;
            }
            t = u;
        }
        lex *k = &t[nt];
        memset(k, 0, sizeof *k);
        k->at = i;
        if (i >= n) {
            k->type = L_END;
            nt++;
            break;
        }
        char c = q[i];
        if (c == '(' || c == ')') {
            k->type = c == '(' ? L_LP : L_RP;
            i++;
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < n && q[j] != '"') j++;
            k->type = L_PHRASE;
            k->s = q + i + 1;
            k->len = j - i - 1;
            i = j < n ? j + 1 : j; /* an unclosed quote runs to the end */
        } else if ((c == '+' || c == '-') && i + 1 < n && !sp_query_is_space(q[i + 1]) &&
                   q[i + 1] != ')' && q[i + 1] != '+' && q[i + 1] != '-') {
            k->type = c == '+' ? L_PLUS : L_MINUS;
            i++;
        } else if (field_name(q, i, n)) {
            size_t fl = field_name(q, i, n);
            int f = field_of(q + i, fl);
            if (f < 0) {
                int rc = sp_seterr(ps->err, SPASM_EQUERY,
                                   "query: unknown field \"%.*s\" at byte %zu (the fields are "
                                   "title and text)",
                                   (int)SP_MIN(fl, (size_t)40), q + i, i);
                sp_free(ps->a, t);
                return rc;
            }
            k->type = L_FIELD;
            k->field = (qfield)f;
            k->s = q + i;
            k->len = fl + 1;
            i += fl + 1;
        } else {
            size_t j = i;
            while (j < n && !sp_query_is_space(q[j]) && q[j] != '(' && q[j] != ')' && q[j] != '"')
                j++;
            k->type = L_WORD;
            k->s = q + i;
            k->len = j - i;
            if (k->len == 3 && memcmp(k->s, "AND", 3) == 0)
                k->type = L_AND;
            else if (k->len == 2 && memcmp(k->s, "OR", 2) == 0)
                k->type = L_OR;
            else if (k->len == 3 && memcmp(k->s, "NOT", 3) == 0)
                k->type = L_NOT;
            else if (k->len == 4 && memcmp(k->s, "NEAR", 4) == 0) {
                k->type = L_NEAR;
                k->near = SP_NEAR_DEFAULT;
            } else if (k->len >= 5 && memcmp(k->s, "NEAR/", 5) == 0) {
                uint64_t v = 0;
                size_t d = 5;
                while (d < k->len && k->s[d] >= '0' && k->s[d] <= '9' && v <= SP_NEAR_MAX)
                    v = v * 10 + (uint64_t)(k->s[d++] - '0');
                if (d == 5 || d < k->len || v < 1 || v > SP_NEAR_MAX) {
                    int rc = sp_seterr(ps->err, SPASM_EQUERY,
                                       "query: \"%.*s\" at byte %zu: NEAR/ takes a window from "
                                       "1 to %u",
                                       (int)SP_MIN(k->len, (size_t)40), k->s, k->at, SP_NEAR_MAX);
                    sp_free(ps->a, t); /* k points into t */
                    return rc;
                }
                k->type = L_NEAR;
                k->near = (uint32_t)v;
            }
            i = j;
        }
        nt++;
    }
    ps->toks = t;
    ps->ntok = nt;
    return 0;
}
