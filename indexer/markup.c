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
}

void sp_markup_free(sp_markup *m)
{
    sp_buf_free(&m->out);
    sp_buf_free(&m->cur);
    sp_buf_free(&m->title);
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

void sp_markup_end_block(sp_markup *m, sp_block_kind kind)
{
    m->space = 0;
    if (m->cur.n == 0) return;
    if (m->after_item && kind != SP_BLOCK_ITEM) sp_buf_putc(&m->out, '\n');
    if (kind == SP_BLOCK_ITEM) sp_buf_append(&m->out, "- ", 2);
    sp_buf_append(&m->out, m->cur.p, m->cur.n);
    sp_buf_append(&m->out, kind == SP_BLOCK_ITEM ? "\n" : "\n\n", kind == SP_BLOCK_ITEM ? 1 : 2);
    m->after_item = kind == SP_BLOCK_ITEM;
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
    if (m->out.err || m->cur.err || m->title.err)
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    if (m->out.n == 0) return 1;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t idlen = (dot && dot > base) ? (size_t)(dot - base) : strlen(base);
    /* The title, repaired into its own buffer (repair reuses one). */
    const char *t;
    size_t tlen;
    if (sp_writer_repair(w, m->title.p ? (const char *)m->title.p : "", m->title.n, &t, &tlen) < 0)
        return w->rc;
    if (t != (const char *)m->title.p) {
        m->cur.n = 0;
        sp_buf_append(&m->cur, t, tlen);
        if (m->cur.err) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
        t = (const char *)m->cur.p;
    }
    const char *text;
    size_t len;
    if (sp_writer_repair(w, (const char *)m->out.p, m->out.n, &text, &len) < 0) return w->rc;
    return sp_writer_add_doc(w, base, idlen, tlen ? t : NULL, tlen, text, len, 0);
}
