/*
 * input_html.c -- .html and .htm files through libxml2's HTML parser
 * (Debian libxml2-dev): a forgiving HTML parser that decodes entities and
 * honours the page's encoding (a byte-order mark, <meta charset>, or
 * <meta http-equiv="Content-Type">; else UTF-8, and bytes that are not
 * UTF-8 are read as Latin-1).
 *
 * What is kept: the title from <title> (else the first <h1>); the text of
 * block elements (p, div, li, headings, table rows with their cells
 * joined by " | ", blockquote, pre, dt/dd, figcaption, ...) as blocks for
 * the splitter (markup.h).  Dropped: comments, script, style, noscript,
 * template, nav, footer, form controls, svg, iframe and other embedded
 * objects, and elements marked hidden (hidden, aria-hidden="true",
 * role="navigation").  The tree is walked without recursion, so no page
 * nests deep enough to exhaust the stack.
 *
 * libxml2 allocates with its own malloc (like Jansson for JSON Lines); it
 * is initialised once per process (pthread_once), as it asks of threaded
 * programs.
 */
#include <pthread.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

#include "markup.h"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static int name_in(const char *n, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(n, *set)) return 1;
    return 0;
}

static const char *const dropped[] = {
    "script", "style",    "noscript", "template", "nav",    "footer", "form",  "button", "select",
    "option", "textarea", "svg",      "math",     "iframe", "object", "embed", "canvas", "audio",
    "video",  "map",      "dialog",   "frameset", "head",   "title",  NULL};

/* Blocks inside which other blocks are inline (their text stays one item). */
static const char *const containers[] = {"li", "td", "th", "h1", "h2",      "h3",         "h4",
                                         "h5", "h6", "dt", "dd", "caption", "figcaption", NULL};

static const char *const blocks[] = {
    "p",     "div",    "section", "article", "main",   "header",  "aside",   "blockquote",
    "pre",   "ul",     "ol",      "dl",      "table",  "tr",      "thead",   "tbody",
    "tfoot", "figure", "address", "hr",      "center", "details", "summary", "fieldset",
    "body",  "html",   "legend",  "hgroup",  NULL};

/* Should element e and everything in it be left out? */
static int is_dropped(xmlNodePtr e)
{
    if (name_in((const char *)e->name, dropped)) return 1;
    if (xmlHasProp(e, (const xmlChar *)"hidden")) return 1;
    xmlChar *v = xmlGetProp(e, (const xmlChar *)"aria-hidden");
    int drop = v && !strcasecmp((const char *)v, "true");
    xmlFree(v);
    if (drop) return 1;
    v = xmlGetProp(e, (const xmlChar *)"role");
    drop = v && !strcasecmp((const char *)v, "navigation");
    xmlFree(v);
    return drop;
}

/* The text of every text node under e, collapsed into the title. */
static void take_title(sp_markup *m, xmlNodePtr e)
{
    xmlChar *t = xmlNodeGetContent(e);
    if (t) sp_markup_set_title(m, (const char *)t, strlen((const char *)t));
    xmlFree(t);
}

/* The first <title> under root, if any (in <head>, or wherever it
 * landed), into the title; 1 when found. */
static int find_title(sp_markup *m, xmlNodePtr root)
{
    xmlNodePtr n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "title")) {
            take_title(m, n);
            return 1;
        }
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        while (n != root && !n->next) n = n->parent;
        if (n == root) return 0;
        n = n->next;
    }
    return 0;
}

typedef struct walk {
    sp_markup *m;
    int in_container; /* depth of containers (li, td, headings, ...) */
    int in_row;       /* cells seen in the current <tr> */
} walk;

/* Entering element e: returns 1 to walk its children. */
static int enter(walk *k, xmlNodePtr e)
{
    const char *n = (const char *)e->name;
    if (is_dropped(e)) return 0;
    if (!strcmp(n, "br")) {
        sp_markup_space(k->m);
        return 0;
    }
    if (!strcmp(n, "img")) return 0;
    if (!strcmp(n, "h1") && !k->m->title.n) take_title(k->m, e);
    if (!strcmp(n, "td") || !strcmp(n, "th")) {
        if (k->in_row++ && k->m->cur.n) sp_markup_text(k->m, " |", 2);
        sp_markup_space(k->m);
        k->in_container++;
        return 1;
    }
    if (name_in(n, containers)) {
        if (!k->in_row) sp_markup_end_block(k->m, SP_BLOCK_PARA);
        k->in_container++;
    } else if (name_in(n, blocks)) {
        if (k->in_container || k->in_row)
            sp_markup_space(k->m);
        else
            sp_markup_end_block(k->m, SP_BLOCK_PARA);
        if (!strcmp(n, "tr")) k->in_row = 0;
    } /* inline elements (a, b, span, ...) neither break nor space: <b>x</b>y is "xy" */
    return 1;
}

/* Leaving element e (entered, or dropped: then nothing to do). */
static void leave(walk *k, xmlNodePtr e)
{
    const char *n = (const char *)e->name;
    if (is_dropped(e) || !strcmp(n, "br") || !strcmp(n, "img")) return;
    if (!strcmp(n, "td") || !strcmp(n, "th")) {
        k->in_container--;
        return;
    }
    if (name_in(n, containers)) {
        k->in_container--;
        if (!k->in_row)
            sp_markup_end_block(k->m, !strcmp(n, "li")                            ? SP_BLOCK_ITEM
                                      : n[0] == 'h' && n[1] >= '1' && n[1] <= '6' ? SP_BLOCK_HEADING
                                                                                  : SP_BLOCK_PARA);
    } else if (name_in(n, blocks)) {
        if (!strcmp(n, "tr") || !strcmp(n, "table")) { /* (cells outside rows end with it) */
            k->in_row = 0;
            if (!k->in_container) sp_markup_end_block(k->m, SP_BLOCK_PARA);
        } else if (k->in_container || k->in_row) {
            sp_markup_space(k->m);
        } else {
            sp_markup_end_block(k->m, SP_BLOCK_PARA);
        }
    }
}

/* Walk the tree under root in document order, without recursion. */
static void walk_tree(walk *k, xmlNodePtr root)
{
    xmlNodePtr n = root;
    while (n) {
        int down = 0;
        if (n->type == XML_ELEMENT_NODE)
            down = enter(k, n);
        else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            sp_markup_text(k->m, (const char *)n->content,
                           n->content ? strlen((const char *)n->content) : 0);
        if (down && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n->type == XML_ELEMENT_NODE) leave(k, n);
            if (n == root) return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

/* Does the page end as a page does, with '>' (after white space)? */
static int ends_cleanly(const uint8_t *d, size_t n)
{
    while (n && (d[n - 1] == ' ' || d[n - 1] == '\n' || d[n - 1] == '\r' || d[n - 1] == '\t')) n--;
    return n == 0 || d[n - 1] == '>';
}

int sp_html_add(spasm_writer *w, const char *name, const uint8_t *data, size_t n, char *warn,
                size_t warncap)
{
    warn[0] = 0;
    if (n > INT32_MAX) return sp_writer_err(w, SPASM_EINPUT, "%s: HTML page over 2 GiB", name);
    pthread_once(&xml_once, xml_init);
    htmlParserCtxtPtr c = htmlNewParserCtxt();
    if (!c) return sp_writer_err(w, SPASM_ENOMEM, "out of memory");
    htmlDocPtr doc =
        htmlCtxtReadMemory(c, (const char *)data, (int)n, NULL, NULL,
                           HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                               HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    const xmlError *e = xmlCtxtGetLastError(c);
    if (e && e->code == XML_ERR_UNSUPPORTED_ENCODING)
        snprintf(warn, warncap, "%s: %s; read as UTF-8 (repaired)", name,
                 e->message ? e->message : "unknown encoding");
    else if (e && e->level == XML_ERR_FATAL)
        snprintf(warn, warncap, "%s:%d: %s (the HTML parser stopped there; indexed what was read)",
                 name, e->line, e->message ? e->message : "fatal error");
    else if (!ends_cleanly(data, n))
        snprintf(warn, warncap,
                 "%s: the page ends in the middle (truncated?); indexed what was read", name);
    /* libxml2's messages end in a newline */
    for (char *nl; (nl = strchr(warn, '\n'));) memmove(nl, nl + 1, strlen(nl));
    sp_markup m;
    sp_markup_init(&m, &w->a);
    int rc = 0;
    if (doc) {
        for (xmlNodePtr top = doc->children; top && !find_title(&m, top); top = top->next) {
        }
        walk k = {&m, 0, 0};
        for (xmlNodePtr top = doc->children; top; top = top->next) walk_tree(&k, top);
    }
    rc = sp_markup_add(w, &m, name);
    sp_markup_free(&m);
    xmlFreeDoc(doc);
    htmlFreeParserCtxt(c);
    return rc;
}
