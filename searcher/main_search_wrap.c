/*
 * main_search_wrap.c -- spasm-search's wrapping of a passage to the
 * terminal's width: words are moved whole to the next line, which starts
 * with the indent (a hanging indent under the result's header); widths
 * are display widths (utf8proc: a CJK character takes two columns, a
 * combining mark none) and escape sequences take no column.  A line
 * breaks only at a space, so never inside an escape sequence; a colour
 * open across a break is closed before the newline and reopened after
 * the indent.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#include "main_search.h"

/* The length of the escape sequence ("ESC [ params final") at s, 0 if
 * there is none. */
static size_t escape_len(const char *s, size_t n)
{
    if (n < 2 || s[0] != '\033' || s[1] != '[') return 0;
    for (size_t i = 2; i < n; i++)
        if ((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e) return i + 1;
    return n;
}

/* The display width of s[0..n), escape sequences excluded; an invalid
 * byte counts one column. */
static size_t display_width(const char *s, size_t n)
{
    size_t w = 0, i = 0;
    while (i < n) {
        size_t e = escape_len(s + i, n - i);
        if (e) {
            i += e;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            w++, i++;
            continue;
        }
        int cw = utf8proc_charwidth(cp);
        w += cw > 0 ? (size_t)cw : 0;
        i += (size_t)k;
    }
    return w;
}

/* Remember in `open` (cap bytes) the colour in force after the escape
 * sequences of s[0..n): the last one, or none after a reset. */
static void track_colour(const char *s, size_t n, char *open, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        size_t e = escape_len(s + i, n - i);
        if (!e) continue;
        if (e == 4 && !memcmp(s + i, "\033[0m", 4))
            open[0] = 0;
        else if (e < cap)
            memcpy(open, s + i, e), open[e] = 0;
        i += e - 1;
    }
}

void print_wrapped(FILE *out, const char *s, size_t n, size_t width, const char *indent)
{
    size_t iw = strlen(indent), col = iw, i = 0;
    char open[32] = "";
    fputs(indent, out);
    while (i < n) {
        size_t sp = i;
        while (sp < n && s[sp] == ' ') sp++;
        size_t we = sp;
        while (we < n && s[we] != ' ') we++;
        size_t nsp = sp - i, ww = display_width(s + sp, we - sp);
        if (col > iw && col + nsp + ww > width) { /* the word goes to the next line */
            if (open[0]) fputs("\033[0m", out);
            fprintf(out, "\n%s%s", indent, open);
            col = iw;
        } else {
            fwrite(s + i, 1, nsp, out);
            col += nsp;
        }
        fwrite(s + sp, 1, we - sp, out);
        track_colour(s + sp, we - sp, open, sizeof open);
        col += ww;
        i = we;
    }
    putc('\n', out);
}

size_t terminal_width(int fd)
{
    if (!isatty(fd)) return 0;
    const char *cols = getenv("COLUMNS");
    if (cols && *cols) {
        char *end;
        long v = strtol(cols, &end, 10);
        if (*end == 0 && v > 0 && v < 100000) return (size_t)v;
    }
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
}
