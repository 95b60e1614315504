/*
 * gdf.c -- the live document frequencies of a query's terms over the
 * collection, looked up once per query and kept in a small
 * open-addressing table, since each segment's tree asks again; with each
 * term its dictionary entry in every segment (df 0: absent), so that a
 * segment's tree takes it from here instead of looking the term up in
 * that segment's dictionary a second time.
 */
#include "search.h"

typedef struct gent {
    uint32_t off, len; /* the term in the pool */
    uint64_t df;
    size_t ti; /* its nparts entries in sp_gdf.ti */
} gent;

struct sp_gdf {
    sp_buf pool;
    sp_terminfo *ti; /* per term, one entry per segment (df 0: not there) */
    size_t nti, capti;
    gent *v;
    size_t n;
    uint32_t *slot; /* index + 1 into v, 0: empty */
    size_t nslots;
};

/* Double the table (entries rehashed); 0 or SPASM_ENOMEM. */
static int grow(it_ctx *x, struct sp_gdf *g)
{
    size_t nc = g->nslots ? 2 * g->nslots : 64;
    uint32_t *sl = sp_calloc(x->a, nc * sizeof *sl);
    gent *v = sp_realloc(x->a, g->v, (nc / 2 + 1) * sizeof *v);
    if (!sl || !v) {
        sp_free(x->a, sl);
        if (v) g->v = v;
        return SPASM_ENOMEM;
    }
    g->v = v;
    for (size_t i = 0; i < g->n; i++) {
        size_t j = sp_term_hash((const char *)g->pool.p + v[i].off, v[i].len) & (nc - 1);
        while (sl[j]) j = (j + 1) & (nc - 1);
        sl[j] = (uint32_t)i + 1;
    }
    sp_free(x->a, g->slot);
    g->slot = sl;
    g->nslots = nc;
    return 0;
}

/* The entry of term (looked up in every segment when new); NULL with the
 * error code in *rc. */
static const gent *lookup(it_ctx *x, const char *term, size_t len, int *rc)
{
    *rc = 0;
    struct sp_gdf *g = x->gdf;
    if (!g) {
        if (!(g = x->gdf = sp_calloc(x->a, sizeof *g))) {
            *rc = sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
            return NULL;
        }
        sp_buf_init(&g->pool, x->a);
    }
    if (2 * (g->n + 1) > g->nslots && grow(x, g)) {
        *rc = sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t m = g->nslots - 1, j = sp_term_hash(term, len) & m;
    for (; g->slot[j]; j = (j + 1) & m) {
        const gent *e = &g->v[g->slot[j] - 1];
        if (e->len == len && memcmp(g->pool.p + e->off, term, len) == 0) return e;
    }
    size_t np = x->col->nparts;
    if (g->nti + np > g->capti) {
        size_t c = SP_MAX(2 * g->capti, g->nti + np + 64);
        sp_terminfo *v = sp_realloc(x->a, g->ti, c * sizeof *v);
        if (!v) {
            *rc = sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
            return NULL;
        }
        g->ti = v;
        g->capti = c;
    }
    sp_terminfo *ti = g->ti + g->nti;
    uint64_t sum = 0; /* the live df: each segment's df minus its deleted df */
    int r = sp_dict_find_parts(x->col, term, len, ti, x->err);
    if (r < 0) {
        *rc = -r;
        return NULL;
    }
    for (size_t i = 0; i < np; i++) {
        const sp_part *pt = &x->col->part[i];
        if (ti[i].df == 0) continue;
        uint32_t del = sp_part_del_df(pt, ti[i].post_off);
        sum += del < ti[i].df ? ti[i].df - del : 0;
    }
    gent *e = &g->v[g->n];
    e->off = (uint32_t)g->pool.n;
    e->len = (uint32_t)len;
    e->df = sum;
    e->ti = g->nti;
    sp_buf_append(&g->pool, term, len);
    if (g->pool.err) {
        *rc = sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        return NULL;
    }
    g->nti += np;
    g->slot[j] = (uint32_t)++g->n;
    return e;
}

int sp_gdf_get(it_ctx *x, const char *term, size_t len, uint64_t *df)
{
    int rc;
    const gent *e = lookup(x, term, len, &rc);
    if (e) *df = e->df;
    return rc;
}

int sp_gdf_find(it_ctx *x, const char *term, size_t len, uint64_t *df, sp_terminfo *ti)
{
    int rc;
    const gent *e = lookup(x, term, len, &rc);
    if (!e) return -rc;
    *df = e->df;
    *ti = x->gdf->ti[e->ti + (size_t)(x->part - x->col->part)];
    return ti->df > 0;
}

int sp_gdf_part_find(it_ctx *x, const char *term, size_t len, size_t part, sp_terminfo *ti)
{
    int rc;
    const gent *e = lookup(x, term, len, &rc);
    if (!e) return -rc;
    *ti = x->gdf->ti[e->ti + part];
    if (ti->df == 0) return 0;
    return sp_part_del_df(&x->col->part[part], ti->post_off) < ti->df; /* only deleted: none */
}

void sp_gdf_free(it_ctx *x)
{
    struct sp_gdf *g = x->gdf;
    if (!g) return;
    sp_buf_free(&g->pool);
    sp_free(x->a, g->ti);
    sp_free(x->a, g->v);
    sp_free(x->a, g->slot);
    sp_free(x->a, g);
    x->gdf = NULL;
}
