/*
 * input_md.c -- .md and .markdown files through cmark (Debian
 * libcmark-dev), the CommonMark reference parser: headings, paragraphs,
 * list items, block quotes and code blocks become the splitter's blocks
 * (markup.h), the first heading the title.  Inline code and the alt text
 * of images are text; raw HTML (blocks and inline) is dropped; soft and
 * hard line breaks are spaces.  Invalid UTF-8 is replaced by cmark
 * (CMARK_OPT_VALIDATE_UTF8) before parsing.  cmark allocates with its
 * own malloc (its allocator interface has no user pointer).
 */
#include <cmark.h>

#include "markup.h"

/* Is t a block whose text is one unit (an item, a heading)? */
static int is_container(cmark_node_type t)
{
    return t == CMARK_NODE_ITEM || t == CMARK_NODE_HEADING;
}

int sp_md_add(spasm_writer *w, const char *name, const uint8_t *data, size_t n, char *warn,
              size_t warncap)
{
    warn[0] = 0;
    cmark_node *doc = cmark_parse_document((const char *)data, n, CMARK_OPT_VALIDATE_UTF8);
    if (!doc) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    cmark_iter *it = cmark_iter_new(doc);
    if (!it) {
        cmark_node_free(doc);
        return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    }
    sp_markup m;
    sp_markup_init(&m, &w->a);
    int in_container = 0, in_heading = 0, title_done = 0;
    sp_buf heading;
    sp_buf_init(&heading, &w->a);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *nd = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(nd);
        int enter = ev == CMARK_EVENT_ENTER;
        const char *lit;
        switch (t) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_CODE_BLOCK:
            lit = cmark_node_get_literal(nd);
            if (!lit) break;
            if (t == CMARK_NODE_CODE_BLOCK && !in_container) sp_markup_end_block(&m, SP_BLOCK_PARA);
            sp_markup_text(&m, lit, strlen(lit));
            if (in_heading && !title_done) sp_buf_append(&heading, lit, strlen(lit));
            if (t == CMARK_NODE_CODE_BLOCK) {
                if (in_container)
                    sp_markup_space(&m);
                else
                    sp_markup_end_block(&m, SP_BLOCK_PARA);
            }
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            sp_markup_space(&m);
            if (in_heading && !title_done) sp_buf_putc(&heading, ' ');
            break;
        case CMARK_NODE_HTML_BLOCK:
        case CMARK_NODE_HTML_INLINE:
            break;
        default:
            if (is_container(t)) {
                if (enter) {
                    if (!in_container) sp_markup_end_block(&m, SP_BLOCK_PARA);
                    in_container++;
                    if (t == CMARK_NODE_HEADING) in_heading++;
                } else {
                    in_container--;
                    if (t == CMARK_NODE_HEADING && !--in_heading && !title_done) {
                        sp_markup_set_title(&m, heading.p ? (const char *)heading.p : "",
                                            heading.n);
                        title_done = m.title.n > 0;
                        heading.n = 0;
                    }
                    if (!in_container)
                        sp_markup_end_block(&m, t == CMARK_NODE_ITEM ? SP_BLOCK_ITEM
                                                                     : SP_BLOCK_HEADING);
                    else
                        sp_markup_space(&m);
                }
            } else if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_BLOCK_QUOTE ||
                       t == CMARK_NODE_LIST || t == CMARK_NODE_THEMATIC_BREAK) {
                if (in_container)
                    sp_markup_space(&m);
                else
                    sp_markup_end_block(&m, SP_BLOCK_PARA);
            }
            break;
        }
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    int rc =
        heading.err ? sp_writer_err(w, SPASM_ENOMEM, "out of memory") : sp_markup_add(w, &m, name);
    sp_buf_free(&heading);
    sp_markup_free(&m);
    (void)warncap;
    return rc;
}
