/*
 * commit.c -- the small files of a live index folder (format version 2):
 * commit points (commit-GEN.spc) and deletion sets (del-ID-GEN.spd),
 * their names, encoding and decoding (docs/LIVE.md), and reading the
 * newest valid commit point of a folder with fallback over damaged ones.
 *
 * Decoding checks the trailing CRC32 first, then the magic and the
 * version: a damaged byte anywhere is SPASM_ECORRUPT, and a file of a
 * later version (whose writer keeps the trailing CRC) is SPASM_EVERSION.
 */
#include "commit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- names ---- */

void sp_cp_name(char *buf, uint64_t gen)
{
    snprintf(buf, 64, "commit-%016llx.spc", (unsigned long long)gen);
}

void sp_seg_name(char *buf, uint64_t id)
{
    snprintf(buf, 64, "seg-%016llx.sps", (unsigned long long)id);
}

void sp_del_name(char *buf, uint64_t id, uint64_t gen)
{
    snprintf(buf, 64, "del-%016llx-%016llx.spd", (unsigned long long)id, (unsigned long long)gen);
}

/* Parse exactly 16 lowercase hex digits at p into *v; 1 or 0. */
static int hex16(const char *p, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9')
            x = x << 4 | (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x = x << 4 | (uint64_t)(c - 'a' + 10);
        else
            return 0;
    }
    *v = x;
    return 1;
}

int sp_cp_parse_name(const char *name, uint64_t *gen)
{
    return strlen(name) == 7 + 16 + 4 && memcmp(name, "commit-", 7) == 0 && hex16(name + 7, gen) &&
           strcmp(name + 23, ".spc") == 0;
}

int sp_seg_parse_name(const char *name, uint64_t *id)
{
    return strlen(name) == 4 + 16 + 4 && memcmp(name, "seg-", 4) == 0 && hex16(name + 4, id) &&
           strcmp(name + 20, ".sps") == 0;
}

int sp_del_parse_name(const char *name, uint64_t *id, uint64_t *gen)
{
    return strlen(name) == 4 + 16 + 1 + 16 + 4 && memcmp(name, "del-", 4) == 0 &&
           hex16(name + 4, id) && name[20] == '-' && hex16(name + 21, gen) &&
           strcmp(name + 37, ".spd") == 0;
}

/* ---- encoding ---- */

int sp_commit_encode(const sp_commit *c, sp_buf *out)
{
    size_t at = out->n;
    sp_buf_append(out, SP_CP_MAGIC, 8);
    sp_buf_put_u32(out, SP_LIVE_VERSION);
    sp_buf_put_u32(out, SP_CP_HEADER);
    sp_buf_put_u64(out, c->gen);
    sp_buf_put_u64(out, c->next_seg);
    sp_buf_put_u32(out, c->nseg);
    sp_buf_put_u32(out, c->flags);
    sp_buf_put_f64(out, c->k1);
    sp_buf_put_f64(out, c->b);
    sp_buf_put_u64(out, c->time);
    for (uint32_t i = 0; i < c->nseg; i++) {
        const sp_cp_seg *s = &c->seg[i];
        sp_buf_put_u64(out, s->id);
        sp_buf_put_u64(out, s->del_gen);
        sp_buf_put_u64(out, s->size);
        sp_buf_put_u32(out, s->head_crc);
        sp_buf_put_u32(out, 0);
        sp_buf_put_u64(out, s->npass);
        sp_buf_put_u64(out, s->ndocs);
        sp_buf_put_u64(out, s->del_docs);
        sp_buf_put_u64(out, s->del_pass);
    }
    if (out->err) return out->err;
    sp_buf_put_u32(out, sp_crc32(0, out->p + at, out->n - at));
    return out->err;
}

int sp_delset_encode(const sp_delset *d, sp_buf *out)
{
    size_t at = out->n;
    sp_buf_append(out, SP_DEL_MAGIC, 8);
    sp_buf_put_u32(out, SP_LIVE_VERSION);
    sp_buf_put_u32(out, SP_DEL_HEADER);
    sp_buf_put_u64(out, d->seg_id);
    sp_buf_put_u64(out, d->gen);
    sp_buf_put_u64(out, d->ndocs);
    sp_buf_put_u64(out, d->npass);
    sp_buf_put_u64(out, d->tokens);
    sp_buf_put_u64(out, d->nterms);
    if (sp_buf_reserve(out, (size_t)d->ndocs * 4 + (size_t)d->nterms * 12 + 4)) return out->err;
    for (uint64_t i = 0; i < d->ndocs; i++) sp_buf_put_u32(out, d->docs[i]);
    for (uint64_t i = 0; i < d->nterms; i++) {
        sp_buf_put_u64(out, d->term_off[i]);
        sp_buf_put_u32(out, d->term_df[i]);
    }
    if (out->err) return out->err;
    sp_buf_put_u32(out, sp_crc32(0, out->p + at, out->n - at));
    return out->err;
}

/* ---- decoding ---- */

/* The checks every file of the folder shares: size, trailing CRC, magic,
 * version, header size.  0 or the error (err set). */
static int check_frame(const uint8_t *p, size_t len, const char *magic, size_t header,
                       const char *what, char *err)
{
    if (len < header + 4)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: truncated (%zu bytes, at least %zu expected)",
                         what, len, header + 4);
    uint32_t want = sp_get_u32(p + len - 4), got = sp_crc32(0, p, len - 4);
    if (want != got)
        return sp_seterr(err, SPASM_ECORRUPT,
                         "%s: checksum mismatch (CRC32 %08x stored at byte %zu, %08x computed): "
                         "damaged or truncated",
                         what, want, len - 4, got);
    if (memcmp(p, magic, 8) != 0)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: bad magic (not a %s file)", what, what);
    uint32_t v = sp_get_u32(p + 8);
    if (v != SP_LIVE_VERSION)
        return sp_seterr(err, SPASM_EVERSION,
                         "%s: format version %u; this library reads version %d only", what, v,
                         SP_LIVE_VERSION);
    if (sp_get_u32(p + 12) != header)
        return sp_seterr(err, SPASM_ECORRUPT, "%s: header size %u, expected %zu", what,
                         sp_get_u32(p + 12), header);
    return 0;
}

int sp_commit_decode(const sp_alloc *a, const uint8_t *p, size_t len, sp_commit *out, char *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_frame(p, len, SP_CP_MAGIC, SP_CP_HEADER, "commit point", err);
    if (rc) return rc;
    sp_commit c = {0};
    c.gen = sp_get_u64(p + 16);
    c.next_seg = sp_get_u64(p + 24);
    c.nseg = sp_get_u32(p + 32);
    c.flags = sp_get_u32(p + 36);
    c.k1 = sp_get_f64(p + 40);
    c.b = sp_get_f64(p + 48);
    c.time = sp_get_u64(p + 56);
    if ((len - SP_CP_HEADER - 4) / SP_CP_ENTRY != c.nseg ||
        (len - SP_CP_HEADER - 4) % SP_CP_ENTRY != 0)
        return sp_seterr(err, SPASM_ECORRUPT, "commit point: %u segments do not fit its %zu bytes",
                         c.nseg, len);
    if (c.gen == 0) return sp_seterr(err, SPASM_ECORRUPT, "commit point: generation 0");
    if (!(c.k1 > 0 && c.k1 <= SPASM_K1_MAX) || !(c.b >= 0 && c.b <= 1))
        return sp_seterr(err, SPASM_ECORRUPT, "commit point: BM25 defaults out of range");
    c.seg = sp_calloc(a, (size_t)c.nseg * sizeof *c.seg + 1);
    if (!c.seg) return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < c.nseg; i++) {
        const uint8_t *e = p + SP_CP_HEADER + (size_t)i * SP_CP_ENTRY;
        sp_cp_seg *s = &c.seg[i];
        s->id = sp_get_u64(e);
        s->del_gen = sp_get_u64(e + 8);
        s->size = sp_get_u64(e + 16);
        s->head_crc = sp_get_u32(e + 24);
        s->npass = sp_get_u64(e + 32);
        s->ndocs = sp_get_u64(e + 40);
        s->del_docs = sp_get_u64(e + 48);
        s->del_pass = sp_get_u64(e + 56);
        const char *bad = NULL;
        if (s->id >= c.next_seg)
            bad = "segment id not below the next segment id";
        else if (s->del_docs > s->ndocs || s->del_pass > s->npass)
            bad = "more deletions than documents or passages";
        else if (s->del_gen > c.gen)
            bad = "deletion generation after the commit's";
        else if (!s->del_gen && (s->del_docs || s->del_pass))
            bad = "deletions counted without a deletion file";
        else if (s->size < 128)
            bad = "segment file size below a header";
        for (uint32_t j = 0; !bad && j < i; j++)
            if (c.seg[j].id == s->id) bad = "segment named twice";
        if (bad) {
            sp_free(a, c.seg);
            return sp_seterr(err, SPASM_ECORRUPT, "commit point: segment entry %u: %s", i, bad);
        }
    }
    *out = c;
    return 0;
}

int sp_delset_decode(const sp_alloc *a, const uint8_t *p, size_t len, sp_delset *out, char *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_frame(p, len, SP_DEL_MAGIC, SP_DEL_HEADER, "deletion file", err);
    if (rc) return rc;
    sp_delset d = {0};
    d.seg_id = sp_get_u64(p + 16);
    d.gen = sp_get_u64(p + 24);
    d.ndocs = sp_get_u64(p + 32);
    d.npass = sp_get_u64(p + 40);
    d.tokens = sp_get_u64(p + 48);
    d.nterms = sp_get_u64(p + 56);
    size_t body = len - SP_DEL_HEADER - 4;
    if (d.ndocs > body / 4 || d.nterms > (body - d.ndocs * 4) / 12 ||
        d.ndocs * 4 + d.nterms * 12 != body)
        return sp_seterr(err, SPASM_ECORRUPT,
                         "deletion file: %llu documents and %llu terms do not fit its %zu bytes",
                         (unsigned long long)d.ndocs, (unsigned long long)d.nterms, len);
    if (d.gen == 0) return sp_seterr(err, SPASM_ECORRUPT, "deletion file: generation 0");
    d.docs = sp_malloc(a, (size_t)d.ndocs * 4 + 1);
    d.term_off = sp_malloc(a, (size_t)d.nterms * 8 + 1);
    d.term_df = sp_malloc(a, (size_t)d.nterms * 4 + 1);
    if (!d.docs || !d.term_off || !d.term_df) {
        sp_delset_free(a, &d);
        return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    }
    const uint8_t *q = p + SP_DEL_HEADER;
    for (uint64_t i = 0; i < d.ndocs; i++, q += 4) {
        d.docs[i] = sp_get_u32(q);
        if (i && d.docs[i] <= d.docs[i - 1]) {
            sp_delset_free(a, &d);
            return sp_seterr(err, SPASM_ECORRUPT,
                             "deletion file: document numbers not ascending at entry %llu",
                             (unsigned long long)i);
        }
    }
    for (uint64_t i = 0; i < d.nterms; i++, q += 12) {
        d.term_off[i] = sp_get_u64(q);
        d.term_df[i] = sp_get_u32(q + 8);
        if ((i && d.term_off[i] <= d.term_off[i - 1]) || d.term_df[i] == 0 ||
            d.term_df[i] > d.npass) {
            sp_delset_free(a, &d);
            return sp_seterr(err, SPASM_ECORRUPT,
                             "deletion file: term entry %llu out of order or its df out of range",
                             (unsigned long long)i);
        }
    }
    *out = d;
    return 0;
}

void sp_commit_free(const sp_alloc *a, sp_commit *c)
{
    if (!c) return;
    sp_free(a, c->seg);
    c->seg = NULL;
    c->nseg = 0;
}

void sp_delset_free(const sp_alloc *a, sp_delset *d)
{
    if (!d) return;
    sp_free(a, d->docs);
    sp_free(a, d->term_off);
    sp_free(a, d->term_df);
    d->docs = NULL;
    d->term_off = NULL;
    d->term_df = NULL;
    d->ndocs = d->nterms = 0;
}

/* ---- reading from a folder ---- */

/* Read the whole file `name` of folder dirfd into fresh memory (*p, *len).
 * 0, SPASM_ENOTFOUND (absent: errno ENOENT), SPASM_EIO or SPASM_ENOMEM
 * (err names DIRPATH/NAME). */
static int read_whole(const sp_alloc *a, int dirfd, const char *dirpath, const char *name,
                      uint8_t **p, size_t *len, char *err)
{
    *p = NULL;
    *len = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        sp_seterr(err, e == ENOENT ? SPASM_ENOTFOUND : SPASM_EIO, "%s/%s: %s", dirpath, name,
                  strerror(e));
        errno = e;
        return e == ENOENT ? SPASM_ENOTFOUND : SPASM_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sp_seterr(err, SPASM_EIO, "%s/%s: not a regular file", dirpath, name);
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *b = sp_malloc(a, n + 1);
    if (!b) {
        close(fd);
        return sp_seterr(err, SPASM_ENOMEM, "out of memory");
    }
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            sp_free(a, b);
            return sp_seterr(err, SPASM_EIO, "%s/%s: %s", dirpath, name, strerror(e));
        }
        if (r == 0) break; /* shorter than it was: the checks will say */
        got += (size_t)r;
    }
    close(fd);
    *p = b;
    *len = got;
    return 0;
}

/* The generations of the commit points in folder dirfd, descending, in
 * *gens (malloc'd through a; *n of them).  0, SPASM_EIO, SPASM_ENOMEM. */
static int list_commits(const sp_alloc *a, int dirfd, const char *dirpath, uint64_t **gens,
                        size_t *n, char *err)
{
    *gens = NULL;
    *n = 0;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        int e = errno;
        if (fd >= 0) close(fd);
        return sp_seterr(err, SPASM_EIO, "%s: cannot list the folder: %s", dirpath, strerror(e));
    }
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    uint64_t g;
    while ((de = readdir(dh))) {
        if (!sp_cp_parse_name(de->d_name, &g)) continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            uint64_t *nv = sp_realloc(a, v, nc * sizeof *nv);
            if (!nv) {
                sp_free(a, v);
                closedir(dh);
                return sp_seterr(err, SPASM_ENOMEM, "out of memory");
            }
            v = nv;
            cap = nc;
        }
        v[cnt++] = g;
    }
    closedir(dh);
    /* insertion sort, descending: a folder keeps about two of them */
    for (size_t i = 1; i < cnt; i++) {
        uint64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] < x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    *gens = v;
    *n = cnt;
    return 0;
}

int sp_commit_read_newest(const sp_alloc *a, int dirfd, const char *dirpath, sp_commit *out,
                          sp_buf *warn, char *err)
{
    memset(out, 0, sizeof *out);
    /* A commit point removed between listing and reading (a writer
     * keeping the newest two) sends us back to listing, a bounded number
     * of times. */
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t *gens;
        size_t n;
        int rc = list_commits(a, dirfd, dirpath, &gens, &n, err);
        if (rc) return rc;
        if (n == 0) {
            sp_free(a, gens);
            return sp_seterr(err, SPASM_ENOTFOUND, "%s: no commit point (commit-*.spc) in it",
                             dirpath);
        }
        int vanished = 0, damaged = 0;
        char first_bad[SP_ERRMSG_MAX] = "";
        for (size_t i = 0; i < n; i++) {
            char name[64], why[SP_ERRMSG_MAX];
            sp_cp_name(name, gens[i]);
            uint8_t *p;
            size_t len;
            rc = read_whole(a, dirfd, dirpath, name, &p, &len, why);
            if (rc == SPASM_ENOTFOUND) {
                vanished = 1;
                continue;
            }
            if (rc == SPASM_ENOMEM) {
                sp_free(a, gens);
                return sp_seterr(err, rc, "%s", why);
            }
            if (rc == 0) {
                rc = sp_commit_decode(a, p, len, out, why);
                sp_free(a, p);
                if (rc == 0 && out->gen != gens[i]) {
                    sp_commit_free(a, out);
                    rc = sp_seterr(why, SPASM_ECORRUPT, "commit point: holds generation %llu",
                                   (unsigned long long)out->gen);
                }
            }
            if (rc == 0) {
                sp_free(a, gens);
                return 0;
            }
            if (rc == SPASM_EVERSION || rc == SPASM_ENOMEM) {
                /* a newer writer's commit: never fall back behind it */
                sp_free(a, gens);
                return sp_seterr(err, rc, "%s/%s: %s", dirpath, name, why);
            }
            damaged++;
            if (!first_bad[0])
                snprintf(first_bad, sizeof first_bad, "%.150s/%s: %.280s", dirpath, name, why);
            if (warn)
                sp_buf_printf(warn, "%s/%s: %s; falling back to the previous commit point\n",
                              dirpath, name, why);
        }
        sp_free(a, gens);
        if (damaged || !vanished)
            return sp_seterr(err, SPASM_ECORRUPT, "%s (no valid commit point)", first_bad);
        /* every one listed vanished: a writer moved on; list again */
    }
    return sp_seterr(err, SPASM_EIO, "%s: the commit points keep changing while read", dirpath);
}

int sp_delset_read(const sp_alloc *a, int dirfd, const char *dirpath, uint64_t seg_id, uint64_t gen,
                   sp_delset *out, char *err)
{
    memset(out, 0, sizeof *out);
    char name[64], why[SP_ERRMSG_MAX];
    sp_del_name(name, seg_id, gen);
    uint8_t *p;
    size_t len;
    int rc = read_whole(a, dirfd, dirpath, name, &p, &len, err);
    if (rc) return rc;
    rc = sp_delset_decode(a, p, len, out, why);
    sp_free(a, p);
    if (rc == 0 && (out->seg_id != seg_id || out->gen != gen)) {
        sp_delset_free(a, out);
        rc = sp_seterr(why, SPASM_ECORRUPT, "deletion file: names segment %016llx generation %llu",
                       (unsigned long long)out->seg_id, (unsigned long long)out->gen);
    }
    if (rc) return sp_seterr(err, rc, "%s/%s: %s", dirpath, name, why);
    return 0;
}
