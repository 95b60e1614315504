/*
 * index.c -- opening an index: mmap, header and checksum checks, section
 * lookup, the term dictionary and the compressed record stores.  The file
 * format is specified in docs/FORMAT.md (summary in common/format.h).
 *
 * Term dictionary (DICT): blocks of SP_DICT_BLOCK terms in byte order.
 * A block starts with two varints, the POST and POSN offsets of its first
 * term; then per term: varint shared-prefix length with the previous term
 * in the block (0 for the first), varint suffix length, the suffix, varint
 * df, varint cf - df, varint POST length, varint POSN length.  The offsets
 * of later terms follow by adding up the lengths.  DIDX holds the u64
 * offset of each block in DICT, for binary search on first terms.
 *
 * Record stores (TEXT, DMET) and their indexes (TXIX, DMIX) are described
 * in indexer/store.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#include "index.h"

int spasm_format_version(void)
{
    return SP_FORMAT_VERSION;
}

const char *spasm_version(void)
{
    return SPASM_VERSION;
}

static int fail(spasm_index *ix, int code, const char *fmt, ...) SP_PRINTF(3, 4);
static int fail(spasm_index *ix, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[SP_ERRMSG_MAX / 2];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ix->errmsg, sizeof ix->errmsg, "%.200s: %s", ix->path ? ix->path : "index", msg);
    return ix->rc = code;
}

static const char *tag_name(uint32_t tag, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(tag >> (8 * i));
        out[i] = (c >= 32 && c < 127) ? c : '?';
    }
    out[4] = 0;
    return out;
}

static uint32_t crc_of(const uint8_t *p, uint64_t n)
{
    return sp_crc32(0, p, (size_t)n);
}

int sp_ix_ensure(spasm_index *ix, uint64_t off, uint64_t len, char *err)
{
    if (len == 0) return 0;
    if (off < SP_HEADER_SIZE || off + len > ix->size)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: read out of bounds at byte %llu", ix->path,
                         (unsigned long long)off);
    uint64_t first = (off - SP_HEADER_SIZE) >> ix->chunk_log2;
    uint64_t last = (off + len - 1 - SP_HEADER_SIZE) >> ix->chunk_log2;
    for (uint64_t c = first; c <= last; c++) {
        if (c >= ix->nchunks)
            return sp_seterr(err, SPASM_ECORRUPT, "%s: read past the checksummed data", ix->path);
        uint64_t bit = 1ull << (c & 63);
        if (atomic_load_explicit(&ix->verified[c >> 6], memory_order_acquire) & bit) continue;
        uint64_t start = SP_HEADER_SIZE + (c << ix->chunk_log2);
        uint64_t end = SP_MIN(start + ((uint64_t)1 << ix->chunk_log2), ix->data_end);
        if (crc_of(ix->map + start, end - start) != sp_get_u32(ix->chunks + 4 * c))
            return sp_seterr(err, SPASM_ECORRUPT,
                             "%s: checksum mismatch in bytes %llu-%llu: the index is corrupt "
                             "(rebuild it with spasm-index)",
                             ix->path, (unsigned long long)start, (unsigned long long)end);
        atomic_fetch_or_explicit(&ix->verified[c >> 6], bit, memory_order_release);
    }
    return 0;
}

int sp_ix_check_file(const spasm_index *ix, char *err)
{
    struct stat st;
    if (fstat(ix->fd, &st) != 0)
        return sp_seterr(err, SPASM_EIO, "%s: cannot stat the open index: %s", ix->path,
                         strerror(errno));
    if ((uint64_t)st.st_size != (uint64_t)ix->size)
        return sp_seterr(err, SPASM_ECORRUPT,
                         "%s: the index file changed size under the reader (%zu bytes when "
                         "opened, %lld now): it was truncated or rewritten in place; reopen it",
                         ix->path, ix->size, (long long)st.st_size);
    if (st.st_mtim.tv_sec != ix->mtime.tv_sec || st.st_mtim.tv_nsec != ix->mtime.tv_nsec)
        return sp_seterr(err, SPASM_ECORRUPT,
                         "%s: the index file was modified in place under the reader: reopen it "
                         "(replace an index by renaming a new file over it)",
                         ix->path);
    return 0;
}

/* Check a whole section's CRC32. */
static int check_section(spasm_index *ix, const sp_sec *s, const char *name)
{
    if (!s->p) return 0;
    if (crc_of(s->p, s->len) != s->crc)
        return fail(ix, SPASM_ECORRUPT, "checksum mismatch in section %s: the index is corrupt",
                    name);
    return 0;
}

static int load(spasm_index *ix, unsigned flags)
{
    if (ix->size < SP_HEADER_SIZE)
        return fail(ix, ix->size == 0 ? SPASM_ECORRUPT : SPASM_ECORRUPT,
                    "not a spasm index (only %zu bytes)", ix->size);
    const uint8_t *h = ix->map;
    if (memcmp(h, SP_MAGIC, 8) != 0) return fail(ix, SPASM_ECORRUPT, "not a spasm index");
    uint32_t ver = sp_get_u32(h + 8);
    if (ver != SP_FORMAT_VERSION)
        return fail(ix, SPASM_EVERSION,
                    "index format version %u, but this spasm reads version %d: rebuild the index",
                    ver, SP_FORMAT_VERSION);
    if (sp_get_u32(h + 124) != crc_of(h, 124))
        return fail(ix, SPASM_ECORRUPT, "header checksum mismatch: the index is corrupt");
    uint64_t fsize = sp_get_u64(h + 16);
    if (fsize != ix->size)
        return fail(ix, SPASM_ECORRUPT,
                    "truncated or extended: the header says %llu bytes, the file has %zu",
                    (unsigned long long)fsize, ix->size);
    uint64_t toff = sp_get_u64(h + 24);
    uint32_t nsec = sp_get_u32(h + 32);
    uint64_t coff = sp_get_u64(h + 40);
    ix->nchunks = sp_get_u64(h + 48);
    ix->chunk_log2 = sp_get_u32(h + 36);
    if (ix->chunk_log2 < SP_CHUNK_LOG2_MIN || ix->chunk_log2 > SP_CHUNK_LOG2_MAX)
        return fail(ix, SPASM_ECORRUPT, "bad header fields: the index is corrupt");
    const uint64_t CHUNK = (uint64_t)1 << ix->chunk_log2;
    if (nsec > 1024 || toff < SP_HEADER_SIZE || toff + (uint64_t)nsec * SP_SECTION_ENTRY != coff ||
        ix->nchunks > ix->size || coff + 4 * ix->nchunks != ix->size ||
        ix->nchunks != (toff - SP_HEADER_SIZE + CHUNK - 1) / CHUNK)
        return fail(ix, SPASM_ECORRUPT, "bad header fields: the index is corrupt");
    ix->data_end = toff;
    const uint8_t *table = ix->map + toff;
    ix->chunks = ix->map + coff;
    if (crc_of(table, (uint64_t)nsec * SP_SECTION_ENTRY) != sp_get_u32(h + 56))
        return fail(ix, SPASM_ECORRUPT, "section table checksum mismatch: the index is corrupt");
    if (crc_of(ix->chunks, 4 * ix->nchunks) != sp_get_u32(h + 60))
        return fail(ix, SPASM_ECORRUPT, "chunk table checksum mismatch: the index is corrupt");
    ix->verified = sp_calloc(&ix->a, ((ix->nchunks + 63) / 64 + 1) * sizeof *ix->verified);
    if (!ix->verified) return fail(ix, SPASM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *e = table + (size_t)i * SP_SECTION_ENTRY;
        sp_sec s;
        uint32_t tag = sp_get_u32(e);
        s.crc = sp_get_u32(e + 4);
        s.off = sp_get_u64(e + 8);
        s.len = sp_get_u64(e + 16);
        s.count = sp_get_u64(e + 24);
        if (s.off < SP_HEADER_SIZE || s.off > toff || s.len > toff - s.off) {
            char nm[5];
            return fail(ix, SPASM_ECORRUPT, "section %s out of bounds: the index is corrupt",
                        tag_name(tag, nm));
        }
        s.p = ix->map + s.off;
        sp_sec *dst = NULL;
        switch (tag) {
        case SP_SEC_META:
            dst = &ix->meta;
            break;
        case SP_SEC_DICT:
            dst = &ix->dict;
            break;
        case SP_SEC_DIDX:
            dst = &ix->didx;
            break;
        case SP_SEC_POST:
            dst = &ix->post;
            break;
        case SP_SEC_POSN:
            dst = &ix->posn;
            break;
        case SP_SEC_LENS:
            dst = &ix->lens;
            break;
        case SP_SEC_PASS:
            dst = &ix->pass;
            break;
        case SP_SEC_DOCS:
            dst = &ix->docs;
            break;
        case SP_SEC_DMET:
            dst = &ix->dmet;
            break;
        case SP_SEC_DMIX:
            dst = &ix->dmix;
            break;
        case SP_SEC_TEXT:
            dst = &ix->text;
            break;
        case SP_SEC_TXIX:
            dst = &ix->txix;
            break;
        case SP_SEC_IDIX:
            dst = &ix->idix;
            break;
        case SP_SEC_WORD:
            dst = &ix->word;
            break;
        case SP_SEC_WDIX:
            dst = &ix->wdix;
            break;
        case SP_SEC_SIGS:
            dst = &ix->sigs;
            break;
        case SP_SEC_SIGB:
            dst = &ix->sigb;
            break;
        case SP_SEC_DIDS:
            dst = &ix->dids;
            break;
        default:
            break; /* unknown optional sections are ignored */
        }
        if (dst) *dst = s;
    }
    const sp_sec *required[] = {&ix->meta, &ix->dict, &ix->didx, &ix->post, &ix->posn,
                                &ix->lens, &ix->pass, &ix->docs, &ix->dmet, &ix->dmix,
                                &ix->text, &ix->txix, &ix->idix};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!required[i]->p) return fail(ix, SPASM_ECORRUPT, "a section is missing: corrupt");
    /* The small sections read at random are checked now (LENS, DOCS and
     * the rest lazily, per chunk: opening stays cheap). */
    if (check_section(ix, &ix->meta, "META") || check_section(ix, &ix->didx, "DIDX") ||
        check_section(ix, &ix->dmix, "DMIX") || check_section(ix, &ix->txix, "TXIX"))
        return ix->rc;
    if (ix->meta.len < SP_META_SIZE) return fail(ix, SPASM_ECORRUPT, "META section too short");
    const uint8_t *m = ix->meta.p;
    ix->npass = sp_get_u64(m + SP_META_PASSAGES);
    ix->ndocs = sp_get_u64(m + SP_META_DOCS);
    ix->nterms = sp_get_u64(m + SP_META_TERMS);
    ix->tokens = sp_get_u64(m + SP_META_TOKENS);
    ix->k1 = sp_get_f64(m + SP_META_K1);
    ix->b = sp_get_f64(m + SP_META_B);
    ix->flags = sp_get_u32(m + SP_META_FLAGS);
    ix->sig_hashes = sp_get_u32(m + SP_META_SIG_HASHES);
    if (ix->npass == 0 || ix->npass >= UINT32_MAX || ix->ndocs >= UINT32_MAX ||
        ix->lens.len != 4 * ix->npass || ix->pass.len != SP_PASS_ENTRY * ix->npass ||
        ix->docs.len != SP_DOCS_ENTRY * ix->ndocs || ix->idix.len != SP_IDIX_ENTRY * ix->ndocs ||
        ix->didx.len != 8 * ((ix->nterms + SP_DICT_BLOCK - 1) / SP_DICT_BLOCK) ||
        !(ix->k1 <= SPASM_K1_MAX) || ix->txix.len != SP_STORE_IX_ENTRY * ix->txix.count ||
        ix->dmix.len != SP_STORE_IX_ENTRY * ix->dmix.count ||
        sp_get_u32(m + SP_META_DICT_BLOCK) != SP_DICT_BLOCK ||
        sp_get_u32(m + SP_META_POST_BLOCK) != SP_BLOCK || !(ix->k1 > 0) || !(ix->b >= 0) ||
        ix->b > 1 || ix->tokens == 0 || (ix->dids.p && ix->dids.len < 4 * (ix->ndocs + 1)))
        return fail(ix, SPASM_ECORRUPT, "inconsistent collection statistics: corrupt");
    ix->avgdl = (double)ix->tokens / (double)ix->npass;
    if (flags & SPASM_OPEN_VERIFY) return spasm_index_verify(ix);
    return 0;
}

int spasm_open(spasm_index **out, const char *path, const spasm_open_options *opt)
{
    if (!out) return SPASM_EINVAL;
    sp_alloc a;
    sp_alloc_init(&a, opt ? opt->alloc : NULL, opt ? opt->alloc_ud : NULL);
    *out = NULL;
    spasm_index *ix = sp_calloc(&a, sizeof *ix);
    if (!ix) return SPASM_ENOMEM;
    *out = ix;
    ix->a = a;
    ix->fd = -1;
    if (!path) return fail(ix, SPASM_EINVAL, "no index path given");
    ix->path = sp_strndup(&a, path, strlen(path));
    if (!ix->path) return fail(ix, SPASM_ENOMEM, "out of memory");
    ix->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ix->fd < 0)
        return fail(ix, errno == ENOENT ? SPASM_EIO : SPASM_EIO, "cannot open: %s",
                    strerror(errno));
    struct stat st;
    if (fstat(ix->fd, &st) != 0) return fail(ix, SPASM_EIO, "cannot stat: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail(ix, SPASM_EIO, "is a directory, not an index file");
    ix->size = (size_t)st.st_size;
    ix->mtime = st.st_mtim;
    if (ix->size < SP_HEADER_SIZE)
        return fail(ix, SPASM_ECORRUPT, "not a spasm index (%zu bytes: truncated?)", ix->size);
    void *m = mmap(NULL, ix->size, PROT_READ, MAP_SHARED, ix->fd, 0);
    if (m == MAP_FAILED) return fail(ix, SPASM_EIO, "cannot map: %s", strerror(errno));
    ix->map = m;
    return load(ix, opt ? opt->flags : 0);
}

void spasm_close(spasm_index *ix)
{
    if (!ix) return;
    if (ix->map) munmap(ix->map, ix->size);
    if (ix->fd >= 0) close(ix->fd);
    sp_free(&ix->a, (void *)ix->verified);
    sp_free(&ix->a, ix->path);
    sp_alloc a = ix->a;
    sp_free(&a, ix);
}

const char *spasm_index_errmsg(const spasm_index *ix)
{
    return ix ? ix->errmsg : "out of memory";
}

int spasm_index_verify(spasm_index *ix)
{
    if (!ix) return SPASM_EINVAL;
    if (ix->rc) return ix->rc;
    char err[SP_ERRMSG_MAX];
    int rc = sp_ix_check_file(ix, err);
    if (rc) {
        snprintf(ix->errmsg, sizeof ix->errmsg, "%s", err);
        return ix->rc = rc;
    }
    if (ix->data_end > SP_HEADER_SIZE &&
        sp_ix_ensure(ix, SP_HEADER_SIZE, ix->data_end - SP_HEADER_SIZE, err)) {
        snprintf(ix->errmsg, sizeof ix->errmsg, "%s", err);
        return ix->rc = SPASM_ECORRUPT;
    }
    const struct {
        const sp_sec *s;
        const char *name;
    } all[] = {{&ix->meta, "META"}, {&ix->dict, "DICT"}, {&ix->didx, "DIDX"}, {&ix->post, "POST"},
               {&ix->posn, "POSN"}, {&ix->lens, "LENS"}, {&ix->pass, "PASS"}, {&ix->docs, "DOCS"},
               {&ix->dmet, "DMET"}, {&ix->dmix, "DMIX"}, {&ix->text, "TEXT"}, {&ix->txix, "TXIX"},
               {&ix->idix, "IDIX"}, {&ix->word, "WORD"}, {&ix->wdix, "WDIX"}, {&ix->sigs, "SIGS"},
               {&ix->dids, "DIDS"}, {&ix->sigb, "SIGB"}};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (check_section(ix, all[i].s, all[i].name)) return ix->rc;
    return 0;
}

void spasm_index_get_stats(const spasm_index *ix, spasm_index_stats *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    if (!ix || ix->rc) return;
    o->documents = ix->ndocs;
    o->passages = ix->npass;
    o->terms = ix->nterms;
    o->tokens = ix->tokens;
    o->avg_passage_len = ix->avgdl;
    o->k1 = ix->k1;
    o->b = ix->b;
    o->file_bytes = ix->size;
    o->format_version = SP_FORMAT_VERSION;
}

/* ---- dictionary ---- */

/* A cursor over one dictionary block. */
typedef struct dblock {
    const uint8_t *p, *end;
    uint64_t post_off, pos_off;
    char term[SP_TERM_BUF];
    size_t len;
    sp_terminfo ti;
    uint32_t left;
} dblock;

static int dblock_open(spasm_index *ix, uint64_t b, dblock *d, char *err)
{
    uint64_t nblocks = ix->didx.len / 8;
    uint64_t start = sp_get_u64(ix->didx.p + 8 * b);
    uint64_t end = b + 1 < nblocks ? sp_get_u64(ix->didx.p + 8 * (b + 1)) : ix->dict.len;
    if (start > end || end > ix->dict.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary block index", ix->path);
    int rc = sp_ix_ensure(ix, ix->dict.off + start, end - start, err);
    if (rc) return rc;
    d->p = ix->dict.p + start;
    d->end = ix->dict.p + end;
    d->p = sp_varint_get(d->p, d->end, &d->post_off);
    if (d->p) d->p = sp_varint_get(d->p, d->end, &d->pos_off);
    if (!d->p) return sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary block", ix->path);
    d->len = 0;
    d->ti.post_off = d->post_off;
    d->ti.pos_off = d->pos_off;
    d->ti.post_len = d->ti.pos_len = 0;
    uint64_t remaining = ix->nterms - b * SP_DICT_BLOCK;
    d->left = (uint32_t)SP_MIN(remaining, (uint64_t)SP_DICT_BLOCK);
    return 0;
}

/* Read the next entry of the block: 1 read, 0 block done, <0 corrupt. */
static int dblock_next(spasm_index *ix, dblock *d, char *err)
{
    if (d->left == 0) return 0;
    uint64_t prefix, suffix, df, cfx, plen, qlen;
    const uint8_t *p = d->p;
    p = sp_varint_get(p, d->end, &prefix);
    if (p) p = sp_varint_get(p, d->end, &suffix);
    if (!p || prefix > d->len || suffix > sizeof d->term - 1 - prefix ||
        suffix > (uint64_t)(d->end - p))
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
    memcpy(d->term + prefix, p, suffix);
    d->len = (size_t)(prefix + suffix);
    d->term[d->len] = 0;
    p += suffix;
    p = sp_varint_get(p, d->end, &df);
    if (p) p = sp_varint_get(p, d->end, &cfx);
    if (p) p = sp_varint_get(p, d->end, &plen);
    if (p) p = sp_varint_get(p, d->end, &qlen);
    if (!p || df == 0 || df > ix->npass)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad dictionary entry", ix->path);
    d->ti.post_off += d->ti.post_len;
    d->ti.pos_off += d->ti.pos_len;
    d->ti.df = (uint32_t)df;
    d->ti.cf = df + cfx;
    d->ti.post_len = plen;
    d->ti.pos_len = qlen;
    if (d->ti.post_off + plen > ix->post.len || d->ti.pos_off + qlen > ix->posn.len ||
        d->ti.post_off + plen < plen || d->ti.pos_off + qlen < qlen)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: posting list out of bounds", ix->path);
    d->p = p;
    d->left--;
    return 1;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, SP_MIN(na, nb));
    if (c) return c;
    return (na > nb) - (na < nb);
}

/* The last block whose first term is <= key (0 if none). */
static int find_block(spasm_index *ix, const char *key, size_t len, uint64_t *out, char *err)
{
    uint64_t lo = 0, hi = ix->didx.len / 8;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        dblock d;
        int rc = dblock_open(ix, mid, &d, err);
        if (rc) return rc;
        int r = dblock_next(ix, &d, err);
        if (r < 0) return -r;
        if (r == 0) return sp_seterr(err, SPASM_ECORRUPT, "%s: empty dictionary block", ix->path);
        if (cmp_bytes(d.term, d.len, key, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

int sp_dict_find(spasm_index *ix, const char *term, size_t len, sp_terminfo *out, char *err)
{
    if (ix->nterms == 0) return 0;
    uint64_t b;
    int rc = find_block(ix, term, len, &b, err);
    if (rc) return -rc;
    dblock d;
    if ((rc = dblock_open(ix, b, &d, err))) return -rc;
    int r;
    while ((r = dblock_next(ix, &d, err)) > 0) {
        int c = cmp_bytes(d.term, d.len, term, len);
        if (c == 0) {
            *out = d.ti;
            return 1;
        }
        if (c > 0) return 0;
    }
    return r < 0 ? r : 0;
}

long sp_dict_prefix(spasm_index *ix, const char *prefix, size_t plen, size_t max, sp_term_fn fn,
                    void *ud, char *err)
{
    if (ix->nterms == 0) return 0;
    uint64_t b;
    int rc = find_block(ix, prefix, plen, &b, err);
    if (rc) return -rc;
    long n = 0;
    uint64_t nblocks = ix->didx.len / 8;
    for (; b < nblocks; b++) {
        dblock d;
        if ((rc = dblock_open(ix, b, &d, err))) return -rc;
        int r;
        while ((r = dblock_next(ix, &d, err)) > 0) {
            int c = memcmp(d.term, prefix, SP_MIN(d.len, plen));
            if (d.len >= plen && c == 0) {
                if ((size_t)n >= max) return n;
                n++;
                if (fn(ud, d.term, d.len, &d.ti)) return n;
            } else if (c > 0 || (c == 0 && d.len >= plen)) {
                return n; /* past the prefix range */
            }
        }
        if (r < 0) return r;
    }
    return n;
}

/* The term with DICT ordinal `ord`, copied NUL-terminated into out
 * (SP_TERM_BUF bytes).  Returns its length, or -SPASM_ECORRUPT. */
static long dict_term_at(spasm_index *ix, uint64_t ord, char *out, char *err)
{
    if (ord >= ix->nterms)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad term ordinal in WORD", ix->path);
    dblock d;
    int rc = dblock_open(ix, ord / SP_DICT_BLOCK, &d, err);
    if (rc) return -rc;
    for (uint64_t i = 0; i <= ord % SP_DICT_BLOCK; i++) {
        int r = dblock_next(ix, &d, err);
        if (r < 0) return r;
        if (r == 0) return -sp_seterr(err, SPASM_ECORRUPT, "%s: short dictionary block", ix->path);
    }
    memcpy(out, d.term, d.len + 1);
    return (long)d.len;
}

/* A cursor over one WORD block (same front coding as DICT, see
 * indexer/index_write.c: prefix, suffix length, suffix, stem ordinal). */
typedef struct wblock {
    const uint8_t *p, *end;
    char word[SP_TERM_BUF];
    size_t len;
    uint64_t term;
    uint32_t left;
} wblock;

static int wblock_open(spasm_index *ix, uint64_t b, wblock *d, char *err)
{
    uint64_t nblocks = ix->wdix.len / 8;
    uint64_t start = sp_get_u64(ix->wdix.p + 8 * b);
    uint64_t end = b + 1 < nblocks ? sp_get_u64(ix->wdix.p + 8 * (b + 1)) : ix->word.len;
    if (start > end || end > ix->word.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad word block index", ix->path);
    int rc = sp_ix_ensure(ix, ix->word.off + start, end - start, err);
    if (rc) return rc;
    rc = sp_ix_ensure(ix, ix->wdix.off + 8 * b, 8, err);
    if (rc) return rc;
    d->p = ix->word.p + start;
    d->end = ix->word.p + end;
    d->len = 0;
    d->left = (uint32_t)SP_MIN(ix->word.count - b * SP_DICT_BLOCK, (uint64_t)SP_DICT_BLOCK);
    return 0;
}

/* Read the next entry of the block: 1 read, 0 block done, <0 corrupt. */
static int wblock_next(spasm_index *ix, wblock *d, char *err)
{
    if (d->left == 0) return 0;
    uint64_t prefix, suffix;
    const uint8_t *p = sp_varint_get(d->p, d->end, &prefix);
    if (p) p = sp_varint_get(p, d->end, &suffix);
    if (!p || prefix > d->len || suffix > sizeof d->word - 1 - prefix ||
        suffix > (uint64_t)(d->end - p))
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad word entry", ix->path);
    memcpy(d->word + prefix, p, suffix);
    d->len = (size_t)(prefix + suffix);
    d->word[d->len] = 0;
    p = sp_varint_get(p + suffix, d->end, &d->term);
    if (!p) return -sp_seterr(err, SPASM_ECORRUPT, "%s: bad word entry", ix->path);
    d->p = p;
    d->left--;
    return 1;
}

long sp_words_prefix(spasm_index *ix, const char *prefix, size_t plen, size_t max, sp_word_fn fn,
                     void *ud, char *err)
{
    uint64_t nblocks = ix->wdix.len / 8;
    if (!ix->word.p || !ix->wdix.p || nblocks == 0) return 0;
    if (nblocks != (ix->word.count + SP_DICT_BLOCK - 1) / SP_DICT_BLOCK)
        return -sp_seterr(err, SPASM_ECORRUPT, "%s: WORD and WDIX disagree", ix->path);
    /* the last block whose first word is <= prefix */
    uint64_t lo = 0, hi = nblocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        wblock d;
        int rc = wblock_open(ix, mid, &d, err);
        if (rc) return -rc;
        int r = wblock_next(ix, &d, err);
        if (r <= 0)
            return r < 0 ? r : -sp_seterr(err, SPASM_ECORRUPT, "%s: empty word block", ix->path);
        if (cmp_bytes(d.word, d.len, prefix, plen) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    long n = 0;
    char stem[SP_TERM_BUF];
    for (uint64_t b = lo; b < nblocks; b++) {
        wblock d;
        int rc = wblock_open(ix, b, &d, err);
        if (rc) return -rc;
        int r;
        while ((r = wblock_next(ix, &d, err)) > 0) {
            int c = memcmp(d.word, prefix, SP_MIN(d.len, plen));
            if (d.len >= plen && c == 0) {
                if ((size_t)n >= max) return n;
                long slen = dict_term_at(ix, d.term, stem, err);
                if (slen < 0) return slen;
                n++;
                if (fn(ud, d.word, d.len, stem, (size_t)slen)) return n;
            } else if (c > 0 || (c == 0 && d.len >= plen)) {
                return n; /* past the prefix range */
            }
        }
        if (r < 0) return r;
    }
    return n;
}

/* ---- record stores ---- */

/* Free a cache's buffer and decompressor (the cache may be reused after). */
void sp_store_cache_free(sp_store_cache *c)
{
    sp_buf_free(&c->buf);
    if (c->dec) libdeflate_free_decompressor(c->dec);
    c->dec = NULL;
    c->data = NULL;
}

int sp_store_get(spasm_index *ix, const sp_sec *data, const sp_sec *index, uint64_t rec,
                 sp_store_cache *c, const uint8_t **p, size_t *len, char *err)
{
    uint64_t nblocks = index->len / SP_STORE_IX_ENTRY;
    if (nblocks == 0)
        return sp_seterr(err, SPASM_ENOTFOUND, "record %llu not stored", (unsigned long long)rec);
    /* The last block whose first record is <= rec. */
    uint64_t lo = 0, hi = nblocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (sp_get_u32(index->p + mid * SP_STORE_IX_ENTRY) <= rec)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t *e = index->p + lo * SP_STORE_IX_ENTRY;
    uint32_t first = sp_get_u32(e), ulen = sp_get_u32(e + 4), clen = sp_get_u32(e + 16);
    uint64_t off = sp_get_u64(e + 8);
    if (c->data != data || c->block != lo) {
        c->data = NULL;
        if (off > data->len || clen > data->len - off || ulen < 8 || ulen > (1u << 30))
            return sp_seterr(err, SPASM_ECORRUPT, "%s: bad stored-text block", ix->path);
        int rc = sp_ix_ensure(ix, data->off + off, clen, err);
        if (rc) return rc;
        c->buf.n = 0;
        if (sp_buf_reserve(&c->buf, ulen + 1)) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
        /* libdeflate inflates a whole block in one call, 2-3x faster than
         * zlib's inflate (which also sets up a 32 KiB window each time). */
        if (!c->dec && !(c->dec = libdeflate_alloc_decompressor()))
            return sp_seterr(err, SPASM_ENOMEM, "out of memory");
        size_t got = 0;
        enum libdeflate_result zr =
            libdeflate_zlib_decompress(c->dec, data->p + off, clen, c->buf.p, ulen, &got);
        if (zr != LIBDEFLATE_SUCCESS || got != ulen)
            return sp_seterr(err, SPASM_ECORRUPT, "%s: stored text does not inflate", ix->path);
        c->buf.n = ulen;
        c->data = data;
        c->block = lo;
    }
    const uint8_t *b = c->buf.p;
    uint32_t nrec = sp_get_u32(b);
    if (rec < first || rec - first >= nrec || 4 + 4 * ((uint64_t)nrec + 1) > c->buf.n)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: record %llu missing from its block", ix->path,
                         (unsigned long long)rec);
    uint64_t hdr = 4 + 4 * ((uint64_t)nrec + 1);
    uint32_t k = (uint32_t)(rec - first);
    uint32_t a0 = sp_get_u32(b + 4 + 4 * k), a1 = sp_get_u32(b + 8 + 4 * k);
    if (a0 > a1 || hdr + a1 > c->buf.n)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad record offsets", ix->path);
    *p = b + hdr + a0;
    *len = a1 - a0;
    return 0;
}

int sp_doc_id(spasm_index *ix, uint32_t doc, sp_store_cache *c, const uint8_t **p, size_t *len,
              char *err)
{
    if (!ix->dids.p) { /* an index without DIDS: the id is DMET's record up to NUL */
        int rc = sp_store_get(ix, &ix->dmet, &ix->dmix, doc, c, p, len, err);
        if (rc) return rc;
        const uint8_t *z = memchr(*p, 0, *len);
        if (z) *len = (size_t)(z - *p);
        return 0;
    }
    uint64_t at = 4 * (uint64_t)doc;
    int rc = sp_ix_ensure(ix, ix->dids.off + at, 8, err);
    if (rc) return rc;
    uint64_t base = 4 * (ix->ndocs + 1);
    uint32_t a = sp_get_u32(ix->dids.p + at), b = sp_get_u32(ix->dids.p + at + 4);
    if (a > b || base + b > ix->dids.len)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad document id table", ix->path);
    if ((rc = sp_ix_ensure(ix, ix->dids.off + base + a, b - a, err))) return rc;
    *p = ix->dids.p + base + a;
    *len = b - a;
    return 0;
}
