/*
 * query.c -- parsing the query language (syntax in query.h) into a tree.
 *
 * Two steps: a lexer (query_lex.c) cuts the query into tokens (words, phrases,
 * parentheses, operators, +/- modifiers), then a recursive-descent parser
 * builds, per parenthesis level, a list of clauses with an occurrence
 * (should / must / must not), groups AND-chains, and turns the level into
 * REQOPT / AND / OR / EXCL nodes.  Every word goes through the same
 * analyser as the documents.
 */
#include "query_lex.h"

#include <stdio.h>

static qnode *new_node(parser *ps, qtype type)
{
    qnode *n = sp_calloc(ps->a, sizeof *n);
    if (!n)
        ps->rc = SPASM_ENOMEM;
    else
        n->type = type;
    return n;
}

void sp_query_free(const sp_alloc *a, qnode *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) sp_query_free(a, n->kids[i]);
    sp_free(a, n->kids);
    sp_free(a, n->text);
    sp_free(a, n->word);
    sp_free(a, n);
}

static int add_kid(parser *ps, qnode *n, qnode *k)
{
    if (!k) return 0;
    qnode **v = sp_realloc(ps->a, n->kids, (n->nkids + 1) * sizeof *v);
    if (!v) {
        sp_query_free(ps->a, k);
        return ps->rc = SPASM_ENOMEM;
    }
    n->kids = v;
    n->kids[n->nkids++] = k;
    return 0;
}

/* A node of `type` over kids (1 kid: the kid itself; 0: NULL). */
static qnode *combine(parser *ps, qtype type, qnode **kids, size_t n)
{
    if (n == 0) return NULL;
    if (n == 1) return kids[0];
    qnode *r = new_node(ps, type);
    if (!r) {
        for (size_t i = 0; i < n; i++) sp_query_free(ps->a, kids[i]);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) add_kid(ps, r, kids[i]);
    return r;
}

static qnode *term_node(parser *ps, const char *pool, const sp_token *t)
{
    qnode *n = new_node(ps, Q_TERM);
    if (!n) return NULL;
    n->at = ps->toks[ps->i ? ps->i - 1 : 0].at;
    n->text = sp_strndup(ps->a, pool + t->term_off, t->term_len);
    n->len = t->term_len;
    n->word = sp_strndup(ps->a, pool + t->word_off, t->word_len);
    n->wlen = t->word_len;
    if (!n->text || !n->word) {
        ps->rc = SPASM_ENOMEM;
        sp_query_free(ps->a, n);
        return NULL;
    }
    return n;
}

static qnode *parse_level(parser *ps, int depth);

static int operand_start(ltype t)
{
    return t == L_WORD || t == L_PHRASE || t == L_LP || t == L_PLUS || t == L_MINUS || t == L_NOT ||
           t == L_FIELD;
}

/* Restrict the words of n that name no field to field f. */
static void set_field(qnode *n, qfield f)
{
    if (!n) return;
    if ((n->type == Q_TERM || n->type == Q_PREFIX) && n->field == F_ANY) n->field = f;
    for (size_t i = 0; i < n->nkids; i++) set_field(n->kids[i], f);
}

/* A Q_PREFIX node for the folded word w[0, wl). */
static qnode *prefix_node(parser *ps, const char *w, size_t wl)
{
    qnode *n = new_node(ps, Q_PREFIX);
    if (!n) return NULL;
    n->at = ps->toks[ps->i ? ps->i - 1 : 0].at;
    n->text = sp_strndup(ps->a, w, wl);
    n->len = wl;
    if (!n->text) {
        ps->rc = SPASM_ENOMEM;
        sp_query_free(ps->a, n);
        return NULL;
    }
    return n;
}

/* Analyse the chunk s[0, len) (a word as typed, maybe "sit-ups" or
 * "dehydrat*") and append its words to ph: terms, the last one a prefix
 * when the chunk ends with '*'.  Returns the number appended. */
static size_t chunk_kids(parser *ps, const char *s, size_t len, qnode *ph)
{
    size_t wl = len;
    while (wl && s[wl - 1] == '*') wl--;
    int prefix = wl < len && wl > 0;
    if (sp_analyze(ps->an, s, wl)) {
        ps->rc = SPASM_ENOMEM;
        return 0;
    }
    size_t nt;
    const sp_token *t = sp_analyzer_tokens(ps->an, &nt);
    const char *pool = sp_analyzer_pool(ps->an);
    size_t added = 0;
    for (size_t i = 0; i < nt && !ps->rc; i++, added++) {
        if (prefix && i + 1 == nt)
            add_kid(ps, ph, prefix_node(ps, pool + t[i].word_off, t[i].word_len));
        else
            add_kid(ps, ph, term_node(ps, pool, &t[i]));
    }
    return added;
}

/* ph's single kid or ph itself (a phrase), NULL when it has none. */
static qnode *unwrap(parser *ps, qnode *ph)
{
    if (ps->rc || ph->nkids == 0) {
        sp_query_free(ps->a, ph);
        return NULL;
    }
    if (ph->nkids > 1) return ph;
    qnode *k = ph->kids[0];
    ph->nkids = 0;
    sp_query_free(ps->a, ph);
    return k;
}

static int is_sep(char c)
{
    return sp_query_is_space(c) || c == '(' || c == ')';
}

/* A group inside a phrase, "(a OR b*)" or "(a b)", from s[0, len) at
 * byte `at`: alternatives of one word or prefix each, as one Q_OR (or the
 * alternative itself), appended to ph. */
static void phrase_group(parser *ps, const char *s, size_t len, size_t at, qnode *ph)
{
    qnode *g = new_node(ps, Q_OR);
    if (!g) return;
    for (size_t i = 0; i < len && !ps->rc;) {
        while (i < len && is_sep(s[i])) i++;
        size_t j = i;
        while (j < len && !is_sep(s[j])) j++;
        if (j == i) break;
        if (!(j - i == 2 && memcmp(s + i, "OR", 2) == 0)) {
            qnode *one = new_node(ps, Q_PHRASE);
            if (!one) break;
            size_t got = chunk_kids(ps, s + i, j - i, one);
            if (!ps->rc && got > 1) {
                ps->rc = sp_seterr(ps->err, SPASM_EQUERY,
                                   "query: \"%.*s\" at byte %zu: a group inside a phrase takes "
                                   "single words or prefixes",
                                   (int)SP_MIN(j - i, (size_t)40), s + i, at + i);
            }
            add_kid(ps, g, unwrap(ps, one));
        }
        i = j;
    }
    add_kid(ps, ph, unwrap(ps, g));
}

/* The words of a quoted phrase s[0, len) (at byte `at` of the query):
 * words, prefixes ("muscle cramp*") and groups of alternatives
 * ("(night OR nocturnal) cramps"), in order.  One word alone is a term. */
static qnode *phrase_node(parser *ps, const char *s, size_t len, size_t at)
{
    qnode *ph = new_node(ps, Q_PHRASE);
    if (!ph) return NULL;
    for (size_t i = 0; i < len && !ps->rc;) {
        if (sp_query_is_space(s[i]) || s[i] == ')') {
            i++;
        } else if (s[i] == '(') {
            size_t j = i + 1;
            while (j < len && s[j] != ')') j++;
            phrase_group(ps, s + i + 1, j - i - 1, at + i + 1, ph);
            i = j < len ? j + 1 : j;
        } else {
            size_t j = i;
            while (j < len && !is_sep(s[j])) j++;
            chunk_kids(ps, s + i, j - i, ph);
            i = j;
        }
    }
    return unwrap(ps, ph);
}

/* 1 if n may be an operand of NEAR: a term, a prefix, a phrase, or an OR
 * group of those. */
static int near_operand(const qnode *n)
{
    if (n->type == Q_TERM || n->type == Q_PREFIX || n->type == Q_PHRASE) return 1;
    if (n->type != Q_OR) return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!near_operand(n->kids[i])) return 0;
    return 1;
}

/* word, prefix*, "phrase" or ( group ); operators seen here are words. */
static qnode *parse_operand(parser *ps, int depth)
{
    lex *k = &ps->toks[ps->i++];
    switch (k->type) {
    case L_FIELD: { /* title:operand; "title:" at the end or before ')' is nothing */
        ltype next = ps->toks[ps->i].type;
        if (next == L_END || next == L_RP) return NULL;
        if (next != L_PHRASE && next != L_LP && next != L_FIELD) ps->toks[ps->i].type = L_WORD;
        qnode *n = parse_operand(ps, depth);
        set_field(n, k->field);
        return n;
    }
    case L_PHRASE:
        return phrase_node(ps, k->s, k->len, k->at + 1);
    case L_LP:
        return parse_level(ps, depth + 1);
    default:
        break;
    }
    qnode *ph = new_node(ps, Q_PHRASE);
    if (!ph) return NULL;
    chunk_kids(ps, k->s, k->len, ph);
    return unwrap(ps, ph);
}

typedef struct clause {
    qnode *n;
    qoccur occ;
    int and_prev;
} clause;

/* 1 if n is a single stop-word term. */
static int is_stop_term(const qnode *n)
{
    return n && n->type == Q_TERM && n->field == F_ANY && sp_is_stopword(n->word, n->wlen);
}

/* Build must/should/not lists into one node; NULL if nothing positive. */
static qnode *build_bool(parser *ps, qnode **must, size_t nm, qnode **should, size_t ns,
                         qnode **nots, size_t nn)
{
    /* Drop stop words from the optional words, unless nothing else is left. */
    if (!ps->keep_stop) {
        size_t content = nm;
        for (size_t i = 0; i < ns; i++) content += !is_stop_term(should[i]);
        if (content > 0) {
            size_t k = 0;
            for (size_t i = 0; i < ns; i++) {
                if (is_stop_term(should[i]))
                    sp_query_free(ps->a, should[i]);
                else
                    should[k++] = should[i];
            }
            ns = k;
        }
    }
    /* The same word (or prefix) twice among the optional words is one term
     * of twice the weight (query term frequency). */
    size_t k = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t dup = SIZE_MAX;
        for (size_t j = 0; j < k && dup == SIZE_MAX; j++)
            if (should[i]->type == should[j]->type &&
                (should[i]->type == Q_TERM || should[i]->type == Q_PREFIX) &&
                should[i]->len == should[j]->len && should[i]->field == should[j]->field &&
                memcmp(should[i]->text, should[j]->text, should[i]->len) == 0)
                dup = j;
        if (dup != SIZE_MAX) {
            should[dup]->qtf = (should[dup]->qtf ? should[dup]->qtf : 1) + 1;
            sp_query_free(ps->a, should[i]);
        } else {
            should[k++] = should[i];
        }
    }
    ns = k;
    qnode *pos = NULL;
    if (nm) {
        pos = combine(ps, Q_AND, must, nm);
        if (ns && pos) {
            qnode *opt = combine(ps, Q_OR, should, ns);
            qnode *r = new_node(ps, Q_REQOPT);
            if (r) {
                add_kid(ps, r, pos);
                add_kid(ps, r, opt);
                pos = r;
            } else {
                sp_query_free(ps->a, pos);
                sp_query_free(ps->a, opt);
                pos = NULL;
            }
        }
    } else if (ns) {
        pos = combine(ps, Q_OR, should, ns);
    }
    if (nn) {
        qnode *neg = combine(ps, Q_OR, nots, nn);
        if (!pos) {
            sp_query_free(ps->a, neg);
            return NULL;
        }
        qnode *r = new_node(ps, Q_EXCL);
        if (!r) {
            sp_query_free(ps->a, pos);
            sp_query_free(ps->a, neg);
            return NULL;
        }
        add_kid(ps, r, pos);
        add_kid(ps, r, neg);
        pos = r;
    }
    return pos;
}

static qnode *parse_level(parser *ps, int depth)
{
    if (depth > 64) {
        if (!ps->rc)
            ps->rc = sp_seterr(ps->err, SPASM_EQUERY,
                               "query: parentheses nested deeper than 64 at byte %zu",
                               ps->toks[ps->i ? ps->i - 1 : 0].at);
        return NULL;
    }
    clause *cl = NULL;
    size_t ncl = 0, capcl = 0;
    int pending_and = 0;
    while (!ps->rc) {
        lex *k = &ps->toks[ps->i];
        if (k->type == L_END) break;
        if (k->type == L_RP) {
            ps->i++;
            if (depth > 0) break;
            continue; /* a stray ')' is ignored */
        }
        ltype next = ps->toks[ps->i + 1 < ps->ntok ? ps->i + 1 : ps->i].type;
        if ((k->type == L_AND || k->type == L_OR) && ncl > 0 && operand_start(next)) {
            pending_and = k->type == L_AND;
            ps->i++;
            continue;
        }
        qoccur occ = OCC_SHOULD;
        if (k->type == L_PLUS || k->type == L_MINUS ||
            (k->type == L_NOT && operand_start(next) && next != L_NOT)) {
            occ = k->type == L_PLUS ? OCC_MUST : OCC_NOT;
            ps->i++;
            k = &ps->toks[ps->i];
            if (k->type == L_END || k->type == L_RP) break;
        }
        if (k->type != L_WORD && k->type != L_PHRASE && k->type != L_LP && k->type != L_FIELD)
            k->type = L_WORD;
        size_t at = k->at;
        int chained = 0;
        qnode *n = parse_operand(ps, depth);
        /* a NEAR/n b NEAR/m c ...: operands are words, prefixes, phrases or
         * OR groups */
        while (!ps->rc && ps->toks[ps->i].type == L_NEAR && ps->i + 1 < ps->ntok &&
               (ps->toks[ps->i + 1].type == L_WORD || ps->toks[ps->i + 1].type == L_PHRASE ||
                ps->toks[ps->i + 1].type == L_LP || ps->toks[ps->i + 1].type == L_FIELD)) {
            uint32_t w = ps->toks[ps->i].near;
            size_t near_at = ps->toks[ps->i].at;
            if (n && !chained && !near_operand(n)) {
                ps->rc = sp_seterr(ps->err, SPASM_EQUERY,
                                   "query: the operand of NEAR at byte %zu must be a word, a "
                                   "prefix, a phrase or an OR group",
                                   at);
                break;
            }
            ps->i++;
            chained = 1;
            at = ps->toks[ps->i].at;
            qnode *m = parse_operand(ps, depth);
            if (m && !near_operand(m)) {
                sp_query_free(ps->a, m);
                ps->rc = sp_seterr(ps->err, SPASM_EQUERY,
                                   "query: the operand of NEAR at byte %zu must be a word, a "
                                   "prefix, a phrase or an OR group",
                                   at);
                break;
            }
            if (!n) {
                n = m;
                continue;
            }
            if (!m) continue;
            if (n->type != Q_NEAR) {
                qnode *r = new_node(ps, Q_NEAR);
                if (!r) {
                    sp_query_free(ps->a, n);
                    sp_query_free(ps->a, m);
                    n = NULL;
                    break;
                }
                r->near = w;
                add_kid(ps, r, n);
                n = r;
            }
            if (n->nkids >= SP_NEAR_MAX_OPERANDS) {
                sp_query_free(ps->a, m);
                ps->rc = sp_seterr(ps->err, SPASM_EQUERY,
                                   "query: NEAR at byte %zu: a NEAR chain joins at most %d "
                                   "operands",
                                   near_at, SP_NEAR_MAX_OPERANDS);
                break;
            }
            if (w < n->near) n->near = w;
            add_kid(ps, n, m);
        }
        if (ps->rc) {
            sp_query_free(ps->a, n);
            break;
        }
        if (!n) {
            pending_and = 0;
            continue;
        }
        if (ncl == capcl) {
            capcl = capcl ? capcl * 2 : 8;
            clause *c2 = sp_realloc(ps->a, cl, capcl * sizeof *c2);
            if (!c2) {
                sp_query_free(ps->a, n);
                ps->rc = SPASM_ENOMEM;
                break;
            }
            cl = c2;
        }
        cl[ncl].n = n;
        cl[ncl].occ = occ;
        cl[ncl].and_prev = pending_and;
        ncl++;
        pending_and = 0;
    }
    if (ps->rc) {
        for (size_t i = 0; i < ncl; i++) sp_query_free(ps->a, cl[i].n);
        sp_free(ps->a, cl);
        return NULL;
    }
    /* Fold AND-chains, then build the level. */
    qnode **must = sp_malloc(ps->a, (ncl + 1) * sizeof *must);
    qnode **should = sp_malloc(ps->a, (ncl + 1) * sizeof *should);
    qnode **nots = sp_malloc(ps->a, (ncl + 1) * sizeof *nots);
    qnode **cm = sp_malloc(ps->a, (ncl + 1) * sizeof *cm);
    qnode **cn = sp_malloc(ps->a, (ncl + 1) * sizeof *cn);
    qnode *res = NULL;
    if (!must || !should || !nots || !cm || !cn) {
        ps->rc = SPASM_ENOMEM;
        for (size_t i = 0; i < ncl; i++) sp_query_free(ps->a, cl[i].n);
        goto out;
    }
    size_t nm = 0, ns = 0, nn = 0;
    for (size_t i = 0; i < ncl;) {
        size_t j = i + 1;
        while (j < ncl && cl[j].and_prev) j++;
        if (j == i + 1) {
            if (cl[i].occ == OCC_MUST)
                must[nm++] = cl[i].n;
            else if (cl[i].occ == OCC_NOT)
                nots[nn++] = cl[i].n;
            else
                should[ns++] = cl[i].n;
        } else {
            size_t a = 0, b = 0;
            int any_must = 0;
            for (size_t x = i; x < j; x++) {
                if (cl[x].occ == OCC_NOT)
                    cn[b++] = cl[x].n;
                else
                    cm[a++] = cl[x].n;
                any_must |= cl[x].occ == OCC_MUST;
            }
            int saved = ps->keep_stop;
            ps->keep_stop = 1; /* words joined by AND are all meant */
            qnode *chain = build_bool(ps, cm, a, NULL, 0, cn, b);
            ps->keep_stop = saved;
            if (chain) {
                if (any_must)
                    must[nm++] = chain;
                else
                    should[ns++] = chain;
            }
        }
        i = j;
    }
    res = build_bool(ps, must, nm, should, ns, nots, nn);
out:
    sp_free(ps->a, must);
    sp_free(ps->a, should);
    sp_free(ps->a, nots);
    sp_free(ps->a, cm);
    sp_free(ps->a, cn);
    sp_free(ps->a, cl);
    return res;
}

int sp_query_parse(const sp_alloc *a, sp_analyzer *an, const char *query, int keep_stop,
                   qnode **out, char *err)
{
    *out = NULL;
    parser ps = {0};
    ps.a = a;
    ps.an = an;
    ps.keep_stop = keep_stop;
    ps.err = err;
    if (!query) return sp_seterr(err, SPASM_EQUERY, "query: no query given");
    int lrc = sp_query_lex(&ps, query);
    if (lrc == SPASM_ENOMEM) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    if (lrc) return lrc;
    qnode *n = parse_level(&ps, 0);
    int has_words = 0;
    for (size_t i = 0; i < ps.ntok; i++)
        if (ps.toks[i].type != L_END) has_words = 1;
    sp_free(a, ps.toks);
    if (ps.rc) {
        sp_query_free(a, n);
        if (ps.rc == SPASM_ENOMEM) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
        return ps.rc;
    }
    if (!n) {
        if (!has_words) return sp_seterr(err, SPASM_EQUERY, "query: empty query");
        return sp_seterr(err, SPASM_EQUERY,
                         "query: nothing to search for (no words, or every word excluded)");
    }
    *out = n;
    return 0;
}
