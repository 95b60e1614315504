/*
 * segment.c -- opening one index file (a segment): mmap, header and
 * checksum checks, section lookup, lazy chunk checksums.  The file format
 * is specified in docs/FORMAT.md (summary in common/format.h).  A segment
 * is immutable and shared by reference count between collection handles
 * (collection.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "index.h"
#include "skey.h"

int spasm_format_version(void)
{
    return SP_FORMAT_VERSION;
}

const char *spasm_version(void)
{
    return SPASM_VERSION;
}

static int fail(sp_seg *ix, char *err, int code, const char *fmt, ...) SP_PRINTF(4, 5);
static int fail(sp_seg *ix, char *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[SP_ERRMSG_MAX / 2];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, SP_ERRMSG_MAX, "%.200s: %s", ix->path ? ix->path : "index", msg);
    return code;
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

int sp_ix_ensure(sp_seg *ix, uint64_t off, uint64_t len, char *err)
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

int sp_ix_check_file(const sp_seg *ix, char *err)
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
static int check_section(sp_seg *ix, const sp_sec *s, const char *name, char *err)
{
    if (!s->p) return 0;
    if (crc_of(s->p, s->len) != s->crc)
        return fail(ix, err, SPASM_ECORRUPT,
                    "checksum mismatch in section %s: the index is corrupt", name);
    return 0;
}

static int load(sp_seg *ix, unsigned flags, char *err)
{
    if (ix->size < SP_HEADER_SIZE)
        return fail(ix, err, ix->size == 0 ? SPASM_ECORRUPT : SPASM_ECORRUPT,
                    "not a spasm index (only %zu bytes)", ix->size);
    const uint8_t *h = ix->map;
    if (memcmp(h, SP_MAGIC, 8) != 0) return fail(ix, err, SPASM_ECORRUPT, "not a spasm index");
    uint32_t ver = sp_get_u32(h + 8);
    if (ver < SP_FORMAT_VERSION_MIN || ver > SP_FORMAT_VERSION)
        return fail(ix, err, SPASM_EVERSION,
                    "index format version %u, but this spasm reads versions %d to %d: rebuild the "
                    "index",
                    ver, SP_FORMAT_VERSION_MIN, SP_FORMAT_VERSION);
    if (sp_get_u32(h + 124) != crc_of(h, 124))
        return fail(ix, err, SPASM_ECORRUPT, "header checksum mismatch: the index is corrupt");
    uint64_t fsize = sp_get_u64(h + 16);
    if (fsize != ix->size)
        return fail(ix, err, SPASM_ECORRUPT,
                    "truncated or extended: the header says %llu bytes, the file has %zu",
                    (unsigned long long)fsize, ix->size);
    uint64_t toff = sp_get_u64(h + 24);
    uint32_t nsec = sp_get_u32(h + 32);
    uint64_t coff = sp_get_u64(h + 40);
    ix->nchunks = sp_get_u64(h + 48);
    ix->chunk_log2 = sp_get_u32(h + 36);
    if (ix->chunk_log2 < SP_CHUNK_LOG2_MIN || ix->chunk_log2 > SP_CHUNK_LOG2_MAX)
        return fail(ix, err, SPASM_ECORRUPT, "bad header fields: the index is corrupt");
    const uint64_t CHUNK = (uint64_t)1 << ix->chunk_log2;
    if (nsec > 1024 || toff < SP_HEADER_SIZE || toff + (uint64_t)nsec * SP_SECTION_ENTRY != coff ||
        ix->nchunks > ix->size || coff + 4 * ix->nchunks != ix->size ||
        ix->nchunks != (toff - SP_HEADER_SIZE + CHUNK - 1) / CHUNK)
        return fail(ix, err, SPASM_ECORRUPT, "bad header fields: the index is corrupt");
    ix->data_end = toff;
    const uint8_t *table = ix->map + toff;
    ix->chunks = ix->map + coff;
    if (crc_of(table, (uint64_t)nsec * SP_SECTION_ENTRY) != sp_get_u32(h + 56))
        return fail(ix, err, SPASM_ECORRUPT,
                    "section table checksum mismatch: the index is corrupt");
    if (crc_of(ix->chunks, 4 * ix->nchunks) != sp_get_u32(h + 60))
        return fail(ix, err, SPASM_ECORRUPT, "chunk table checksum mismatch: the index is corrupt");
    ix->verified = sp_calloc(&ix->a, ((ix->nchunks + 63) / 64 + 1) * sizeof *ix->verified);
    if (!ix->verified) return fail(ix, err, SPASM_ENOMEM, "out of memory");
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
            return fail(ix, err, SPASM_ECORRUPT, "section %s out of bounds: the index is corrupt",
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
        case SP_SEC_SYNS:
            dst = &ix->syns;
            break;
        case SP_SEC_DIDS:
            dst = &ix->dids;
            break;
        case SP_SEC_TLEN:
            dst = &ix->tlen;
            break;
        case SP_SEC_DUPS:
            dst = &ix->dups;
            break;
        case SP_SEC_XDUP:
            dst = &ix->xdup;
            break;
        case SP_SEC_PRIO:
            dst = &ix->prio;
            break;
        case SP_SEC_SKEY:
            dst = &ix->skey;
            break;
        case SP_SEC_DKEY:
            dst = &ix->dkey;
            break;
        case SP_SEC_TMAX:
            dst = &ix->tmax;
            break;
        case SP_SEC_TXDC:
            dst = &ix->txdc;
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
        if (!required[i]->p) return fail(ix, err, SPASM_ECORRUPT, "a section is missing: corrupt");
    /* The small sections read at random are checked now (LENS, DOCS and
     * the rest lazily, per chunk: opening stays cheap). */
    if (check_section(ix, &ix->meta, "META", err) || check_section(ix, &ix->didx, "DIDX", err) ||
        check_section(ix, &ix->dmix, "DMIX", err) || check_section(ix, &ix->txix, "TXIX", err) ||
        check_section(ix, &ix->dkey, "DKEY", err) || check_section(ix, &ix->txdc, "TXDC", err))
        return SPASM_ECORRUPT;
    /* TEXT's dictionary, read once here so that searchers in any thread
     * share it (zstd only reads a DDict).  Its CRC held: a dictionary
     * zstd cannot load is one this reader cannot use. */
    if (ix->txdc.p && !(ix->tdict = ZSTD_createDDict(ix->txdc.p, ix->txdc.len)))
        return fail(ix, err, SPASM_ECORRUPT, "the stored text's dictionary (TXDC) does not load");
    if (ix->meta.len < SP_META_SIZE) return fail(ix, err, SPASM_ECORRUPT, "META section too short");
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
        ix->b > 1 || ix->tokens == 0 || (ix->dids.p && ix->dids.len < 4 * (ix->ndocs + 1)) ||
        (ix->tlen.p && ix->tlen.len != 4 * ix->npass) ||
        (ix->prio.p && ix->prio.len != ix->npass) || (ix->tmax.p && ix->tmax.len != ix->nterms) ||
        (ix->dkey.p && ix->dkey.len != ix->didx.len))
        return fail(ix, err, SPASM_ECORRUPT, "inconsistent collection statistics: corrupt");
    ix->avgdl = (double)ix->tokens / (double)ix->npass;
    ix->head_crc = crc_of(h, SP_HEADER_SIZE);
    if (flags & SPASM_OPEN_VERIFY) return sp_seg_verify(ix, err);
    return 0;
}

int sp_seg_open(const sp_alloc *a, int dirfd, const char *name, const char *path, unsigned flags,
                sp_seg **out, char *err)
{
    *out = NULL;
    sp_seg *ix = sp_calloc(a, sizeof *ix);
    if (!ix) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    ix->a = *a;
    ix->fd = -1;
    atomic_init(&ix->refs, 1);
    ix->path = sp_strndup(a, path, strlen(path));
    int rc;
    if (!ix->path) {
        rc = sp_seterr(err, SPASM_ENOMEM, "out of memory");
        goto fail;
    }
    ix->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (ix->fd < 0) {
        rc = fail(ix, err, SPASM_EIO, "cannot open: %s", strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(ix->fd, &st) != 0) {
        rc = fail(ix, err, SPASM_EIO, "cannot stat: %s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = fail(ix, err, SPASM_EIO, "is a directory, not an index file");
        goto fail;
    }
    ix->size = (size_t)st.st_size;
    ix->mtime = st.st_mtim;
    if (ix->size < SP_HEADER_SIZE) {
        rc = fail(ix, err, SPASM_ECORRUPT, "not a spasm index (%zu bytes: truncated?)", ix->size);
        goto fail;
    }
    void *m = mmap(NULL, ix->size, PROT_READ, MAP_SHARED, ix->fd, 0);
    if (m == MAP_FAILED) {
        rc = fail(ix, err, SPASM_EIO, "cannot map: %s", strerror(errno));
        goto fail;
    }
    ix->map = m;
    if ((rc = load(ix, flags, err))) goto fail;
    *out = ix;
    return 0;
fail:
    sp_seg_release(ix);
    return rc;
}

sp_seg *sp_seg_retain(sp_seg *g)
{
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

void sp_seg_release(sp_seg *ix)
{
    if (!ix || atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) != 1) return;
    ZSTD_freeDDict(ix->tdict);
    if (ix->map) munmap(ix->map, ix->size);
    if (ix->fd >= 0) close(ix->fd);
    sp_free(&ix->a, (void *)ix->verified);
    sp_dict_sample_free(ix);
    sp_free(&ix->a, ix->path);
    sp_alloc a = ix->a;
    sp_free(&a, ix);
}

/* Check that SKEY is the section SIGS makes (rebuilt by the writer's own
 * code, common/skey.c): 0, SPASM_ECORRUPT or SPASM_ENOMEM (err set). */
static int verify_skey(sp_seg *ix, char *err)
{
    sp_skey k;
    if (ix->sigs.len != ix->npass * 2 * SP_SIG_HASHES ||
        sp_skey_head(ix->skey.p, ix->skey.len, ix->npass, &k) || ix->skey.count != k.m)
        return fail(ix, err, SPASM_ECORRUPT, "SKEY section of the wrong size: corrupt");
    sp_buf b;
    sp_buf_init(&b, &ix->a);
    if (sp_skey_build(&ix->a, ix->sigs.p, ix->npass, &b)) {
        sp_buf_free(&b);
        return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    }
    int same = b.n == ix->skey.len && !memcmp(b.p, ix->skey.p, b.n);
    sp_buf_free(&b);
    if (!same) return fail(ix, err, SPASM_ECORRUPT, "SKEY section does not match SIGS: corrupt");
    return 0;
}

int sp_seg_verify(sp_seg *ix, char *err)
{
    int rc = sp_ix_check_file(ix, err);
    if (rc) return rc;
    if (ix->data_end > SP_HEADER_SIZE &&
        sp_ix_ensure(ix, SP_HEADER_SIZE, ix->data_end - SP_HEADER_SIZE, err))
        return SPASM_ECORRUPT;
    const struct {
        const sp_sec *s;
        const char *name;
    } all[] = {{&ix->meta, "META"}, {&ix->dict, "DICT"}, {&ix->didx, "DIDX"}, {&ix->post, "POST"},
               {&ix->posn, "POSN"}, {&ix->lens, "LENS"}, {&ix->pass, "PASS"}, {&ix->docs, "DOCS"},
               {&ix->dmet, "DMET"}, {&ix->dmix, "DMIX"}, {&ix->text, "TEXT"}, {&ix->txix, "TXIX"},
               {&ix->idix, "IDIX"}, {&ix->word, "WORD"}, {&ix->wdix, "WDIX"}, {&ix->sigs, "SIGS"},
               {&ix->dids, "DIDS"}, {&ix->sigb, "SIGB"}, {&ix->tlen, "TLEN"}, {&ix->dups, "DUPS"},
               {&ix->prio, "PRIO"}, {&ix->xdup, "XDUP"}, {&ix->skey, "SKEY"}, {&ix->dkey, "DKEY"},
               {&ix->tmax, "TMAX"}};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (check_section(ix, all[i].s, all[i].name, err)) return SPASM_ECORRUPT;
    if (ix->skey.p && (rc = verify_skey(ix, err))) return rc;
    return sp_dict_verify(ix, err);
}
