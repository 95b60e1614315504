/*
 * gdf.c -- the live document frequencies of a query's terms over the
 * collection (terms.c: sp_col_df), looked up once per query and kept in a
 * small open-addressing table, since each segment's tree asks again.
 */
#include "search.h"

typedef struct gent {
    uint32_t off, len; /* the term in the pool */
    uint64_t df;
} gent;

struct sp_gdf {
    sp_buf pool;
    gent *v;
    size_t n;
    uint32_t *slot; /* index + 1 into v, 0: empty */
    size_t nslots;
};

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

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
        size_t j = hash_bytes((const char *)g->pool.p + v[i].off, v[i].len) & (nc - 1);
        while (sl[j]) j = (j + 1) & (nc - 1);
        sl[j] = (uint32_t)i + 1;
    }
    sp_free(x->a, g->slot);
    g->slot = sl;
    g->nslots = nc;
    return 0;
}

int sp_gdf_get(it_ctx *x, const char *term, size_t len, uint64_t *df)
{
    struct sp_gdf *g = x->gdf;
    if (!g) {
        if (!(g = x->gdf = sp_calloc(x->a, sizeof *g)))
            return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
        sp_buf_init(&g->pool, x->a);
    }
    if (2 * (g->n + 1) > g->nslots && grow(x, g))
        return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
    size_t m = g->nslots - 1, j = hash_bytes(term, len) & m;
    for (; g->slot[j]; j = (j + 1) & m) {
        const gent *e = &g->v[g->slot[j] - 1];
        if (e->len == len && memcmp(g->pool.p + e->off, term, len) == 0) {
            *df = e->df;
            return 0;
        }
    }
    int rc = sp_col_df(x->col, term, len, df, x->err);
    if (rc) return rc;
    gent *e = &g->v[g->n];
    e->off = (uint32_t)g->pool.n;
    e->len = (uint32_t)len;
    e->df = *df;
    sp_buf_append(&g->pool, term, len);
    if (g->pool.err) return sp_seterr(x->err, SPASM_ENOMEM, "out of memory");
    g->slot[j] = (uint32_t)++g->n;
    return 0;
}

void sp_gdf_free(it_ctx *x)
{
    struct sp_gdf *g = x->gdf;
    if (!g) return;
    sp_buf_free(&g->pool);
    sp_free(x->a, g->v);
    sp_free(x->a, g->slot);
    sp_free(x->a, g);
    x->gdf = NULL;
}
