/*
 * dict_verify.c -- the deep check (spasm_index_verify(), --check) of the
 * two sections derived from DICT and POST (docs/FORMAT.md): DKEY, the key
 * of each dictionary block's first term, and TMAX, the bound of each
 * term's largest tf-norm.  Their checksums are checked with the rest; a
 * section with a good checksum but wrong values (a writer's bug, or bytes
 * crafted with their CRCs) would make lookups miss terms (DKEY) or make
 * segplan.c leave out a segment that holds a hit (TMAX), so they are
 * compared with what DICT and POST say.
 */
#include "index.h"

typedef struct vstate {
    sp_seg *ix;
    char *err;
    int rc;
} vstate;

/* The largest tf-norm of the list of ti (the writer's: at the segment's
 * k1, b and average length): its skip table's block bounds, or for a
 * list of one block its postings' norms.  -1 with v->rc set on error. */
static double list_norm(vstate *v, const sp_terminfo *ti)
{
    sp_seg *ix = v->ix;
    sp_cursor c;
    int rc = sp_cursor_open(&c, ix, ti, v->err);
    if (rc) {
        v->rc = rc;
        return -1;
    }
    double best = 0;
    if (c.skips) {
        for (uint32_t b = 0; b < c.nb; b++) {
            double f = sp_get_f32(c.skips + (size_t)b * SP_SKIP_ENTRY + 20);
            if (!(f <= 1)) f = 1; /* as the readers clamp it */
            if (f > best) best = f;
        }
        return best;
    }
    for (uint32_t i = 0; i < c.n; i++) {
        uint64_t at = 4 * (uint64_t)c.docs[i];
        if ((rc = sp_ix_ensure(ix, ix->lens.off + at, 4, v->err))) {
            v->rc = rc;
            return -1;
        }
        double dl = sp_get_u32(ix->lens.p + at), tf = c.tfs[i];
        double norm = tf / (tf + ix->k1 * (1 - ix->b + ix->b * dl / ix->avgdl));
        if (norm > best) best = norm;
    }
    return best;
}

/* One dictionary entry against its DKEY and TMAX entries: 0 to go on. */
static int check_term(void *ud, const char *term, size_t len, const sp_terminfo *ti)
{
    vstate *v = ud;
    sp_seg *ix = v->ix;
    uint64_t ord = ti->ord1 - 1;
    if (ix->dkey.p && ord % SP_DICT_BLOCK == 0 &&
        sp_get_u64(ix->dkey.p + 8 * (ord / SP_DICT_BLOCK)) != sp_key8(term, len)) {
        v->rc = sp_seterr(v->err, SPASM_ECORRUPT,
                          "%s: DKEY entry %llu does not match its DICT block: corrupt", ix->path,
                          (unsigned long long)(ord / SP_DICT_BLOCK));
        return 1;
    }
    if (ix->tmax.p) {
        if (sp_ix_ensure(ix, ix->tmax.off + ord, 1, v->err)) {
            v->rc = SPASM_ECORRUPT;
            return 1;
        }
        double norm = list_norm(v, ti);
        if (norm < 0) return 1;
        if (ix->tmax.p[ord] / 255.0 < norm * (1 - 1e-12)) {
            v->rc = sp_seterr(v->err, SPASM_ECORRUPT,
                              "%s: TMAX entry %llu is below its posting list's bound: corrupt",
                              ix->path, (unsigned long long)ord);
            return 1;
        }
    }
    return 0;
}

int sp_dict_verify(sp_seg *ix, char *err)
{
    if (!ix->dkey.p && !ix->tmax.p) return 0;
    vstate v = {ix, err, 0};
    long n = sp_dict_prefix(ix, "", 0, (size_t)ix->nterms, check_term, &v, err);
    if (v.rc) return v.rc;
    if (n < 0) return (int)-n;
    if ((uint64_t)n != ix->nterms)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: DICT holds %ld terms, META says %llu: corrupt",
                         ix->path, n, (unsigned long long)ix->nterms);
    return 0;
}
