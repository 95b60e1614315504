/*
 * markup.h -- HTML and Markdown input (input_html.c, input_md.c): the
 * text of a page's blocks, laid out for the passage splitter, and the
 * two readers' entry points (called by input.c).
 *
 * The builder collects a page's text block by block: text inside a block
 * is joined with single spaces (runs of white space collapse).  Blocks
 * are grouped into units: a heading with the block under it (several
 * headings in a row stack), the items of a list ("- item" lines), or a
 * block alone.  Each unit goes through the passage splitter on its own
 * (passage.h: a unit over 3000 bytes is cut at sentence ends), so that
 * the splitter's guesses about short lines never join two blocks the page
 * keeps apart.
 */
#ifndef SPASM_MARKUP_H
#define SPASM_MARKUP_H

#include "writer.h"

typedef enum sp_block_kind { SP_BLOCK_PARA, SP_BLOCK_ITEM, SP_BLOCK_HEADING } sp_block_kind;

typedef struct sp_markup {
    sp_buf out;   /* the units so far, back to back */
    sp_buf cur;   /* the block being filled */
    sp_buf title; /* the page's title */
    sp_buf units; /* u32 start, u32 end (host order) of each closed unit in out */
    int space;    /* a space is pending before the next text */
    int open;     /* the open unit: 0 none, else the sp_block_kind + 1 it ends with */
    size_t unit_start;
} sp_markup;

void sp_markup_init(sp_markup *m, const sp_alloc *a);
void sp_markup_free(sp_markup *m);
/* Append text to the current block (white space collapsed). */
void sp_markup_text(sp_markup *m, const char *s, size_t n);
/* A word break (an inline element boundary, <br>, a soft break). */
void sp_markup_space(sp_markup *m);
/* End the current block (nothing when it has no text). */
void sp_markup_end_block(sp_markup *m, sp_block_kind kind);
/* Collapse s[0, n) into the title (when it is still empty). */
void sp_markup_set_title(sp_markup *m, const char *s, size_t n);
/* Add the page as one document: id from the file name, the title, the
 * blocks.  A page with no text is bad_file()'d by the caller: returns 1
 * then, else 0 or an error code. */
int sp_markup_add(spasm_writer *w, sp_markup *m, const char *name);

/* Parse data[0, n), the whole of file `name`, and add it as one document
 * (its title from <title> or the first <h1>, or the first Markdown
 * heading).  Returns 0, an error code, or 1 when the page holds no text
 * (the caller reports it).  *warn receives a warning to report (a
 * charset the parser does not know, a page cut short), or "" . */
int sp_html_add(spasm_writer *w, const char *name, const uint8_t *data, size_t n, char *warn,
                size_t warncap);
int sp_md_add(spasm_writer *w, const char *name, const uint8_t *data, size_t n, char *warn,
              size_t warncap);

#endif
