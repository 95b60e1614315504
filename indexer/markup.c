/*
 * markup.c -- the block builder shared by the HTML and Markdown readers
 * (markup.h): page text laid out for the passage splitter, then added as
 * one document.
 */
#include "markup.h"

void sp_markup_init(sp_markup *m, const sp_alloc *a)
{
    memset(m, 0, sizeof *m);
    sp_buf_init(&m->out, a);
    sp_buf_init(&m->cur, a);
    sp_buf_init(&m->title, a);
    sp_buf_init(&m->units, a);
}

void sp_markup_free(sp_markup *m)
{
    sp_buf_free(&m->out);
    sp_buf_free(&m->cur);
    sp_buf_free(&m->title);
    sp_buf_free(&m->units);
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append s[0, n) to b with runs of white space as one space; *space
 * carries a pending space across calls (dropped at the start of b). */
static void collapse(sp_buf *b, const char *s, size_t n, int *space)
{
    for (size_t i = 0; i < n;) {
        if (is_ws((unsigned char)s[i])) {
            *space = 1;
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_ws((unsigned char)s[j])) j++;
        if (*space && b->n) sp_buf_putc(b, ' ');
        *space = 0;
        sp_buf_append(b, s + i, j - i);
        i = j;
    }
}

void sp_markup_text(sp_markup *m, const char *s, size_t n)
{
    collapse(&m->cur, s, n, &m->space);
}

void sp_markup_space(sp_markup *m)
{
    m->space = 1;
}

/* Close the open unit (its trailing newlines dropped). */
static void close_unit(sp_markup *m)
{
    if (!m->open) return;
    size_t end = m->out.n;
    while (end > m->unit_start && m->out.p[end - 1] == '\n') end--;
    if (end > m->unit_start && end <= UINT32_MAX) {
        uint32_t v[2] = {(uint32_t)m->unit_start, (uint32_t)end};
        sp_buf_append(&m->units, v, sizeof v);
    }
    m->open = 0;
}

void sp_markup_end_block(sp_markup *m, sp_block_kind kind)
{
    m->space = 0;
    if (m->cur.n == 0) return;
    int open = m->open - 1; /* the kind the open unit ends with, -1: none */
    /* a heading opens a unit that the next block joins; items stay
     * together; anything after items starts anew */
    if (open == SP_BLOCK_ITEM && kind != SP_BLOCK_ITEM) close_unit(m);
    if (!m->open) m->unit_start = m->out.n;
    if (kind == SP_BLOCK_ITEM) sp_buf_append(&m->out, "- ", 2);
    sp_buf_append(&m->out, m->cur.p, m->cur.n);
    sp_buf_append(&m->out, kind == SP_BLOCK_ITEM ? "\n" : "\n\n", kind == SP_BLOCK_ITEM ? 1 : 2);
    m->open = (int)kind + 1;
    if (kind == SP_BLOCK_PARA) close_unit(m);
    m->cur.n = 0;
}

void sp_markup_set_title(sp_markup *m, const char *s, size_t n)
{
    if (m->title.n) return;
    int space = 0;
    collapse(&m->title, s, n, &space);
}

int sp_markup_add(spasm_writer *w, sp_markup *m, const char *name)
{
    sp_markup_end_block(m, SP_BLOCK_PARA);
    close_unit(m);
    if (m->out.err || m->cur.err || m->title.err || m->units.err)
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    size_t nunits = m->units.n / 8;
    if (nunits == 0) return 1;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t idlen = (dot && dot > base) ? (size_t)(dot - base) : strlen(base);
    /* cur: the id, then the title (repaired: repair reuses one buffer) */
    m->cur.n = 0;
    sp_buf_append(&m->cur, base, idlen);
    sp_buf_putc(&m->cur, 0);
    const char *t;
    size_t tlen;
    if (sp_writer_repair(w, m->title.p ? (const char *)m->title.p : "", m->title.n, &t, &tlen) < 0)
        return w->rc;
    size_t toff = m->cur.n;
    sp_buf_append(&m->cur, t, tlen);
    sp_buf_putc(&m->cur, 0);
    /* each unit through the splitter on its own */
    sp_spans sp = {NULL, 0, 0, &w->a};
    int rc = 0;
    const uint8_t *u = m->units.p;
    for (size_t i = 0; i < nunits && !rc; i++) {
        uint32_t a, b;
        memcpy(&a, u + 8 * i, 4);
        memcpy(&b, u + 8 * i + 4, 4);
        if (sp_split_passages((const char *)m->out.p, b, a, &sp)) rc = SPASM_ENOMEM;
    }
    const char **ps = rc ? NULL : sp_malloc(&w->a, (sp.n + 1) * sizeof *ps);
    size_t *lens = ps ? sp_malloc(&w->a, (sp.n + 1) * sizeof *lens) : NULL;
    if (rc || !ps || !lens || m->cur.err) {
        rc = sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < sp.n; i++) {
            ps[i] = (const char *)m->out.p + sp.v[i].start;
            lens[i] = sp.v[i].end - sp.v[i].start;
        }
        const char *id = (const char *)m->cur.p, *title = (const char *)m->cur.p + toff;
        rc = sp.n ? spasm_writer_add_passages(w, id, tlen ? title : NULL, ps, lens, sp.n) : 1;
    }
    sp_free(&w->a, ps);
    sp_free(&w->a, lens);
    sp_free(&w->a, sp.v);
    return rc;
}
