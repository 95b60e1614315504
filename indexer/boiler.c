/*
 * boiler.c -- the page-furniture prior of a passage (issue 14 part 7).
 *
 * Web pages saved as text carry furniture around their content: "Return
 * to Muscle Spasms", "See what others are saying", "Comment from: jane,
 * 75 or over Female (Patient) Published: December 07", "Was this comment
 * helpful?Yes", "By submitting your comment ... Terms and Conditions".  Two
 * signals that need no corpus statistics, only the passage's own text:
 *
 *   1. shape: a run of short lines (at most SHORT_WORDS words, not ending a
 *      sentence with . ! or ?; blank lines do not break a run) that holds
 *      link or form words (below: at least one per RUN_DENSITY words, and
 *      a run of one line needs one per SINGLE_DENSITY) is navigation or a
 *      form's labels: all its words are furniture.  A heading over a
 *      paragraph is one short line without such words, so it is not;
 *      neither is a list of short items (no link or form words).
 *   2. vocabulary: outside those runs, the share d of link and form words
 *      ("comment", "submit", "privacy", "published", ...); content text has
 *      almost none, a form's legal text many.  It counts as furniture
 *      ramp(d) = clamp((d - D_FREE) / D_SPAN, 0, 1) of the rest.
 *
 * f = furniture words / words, in [0, 1]; the prior is 1 - STRENGTH * f,
 * stored as round(255 * prior).  The searcher multiplies a passage's
 * score by it (a factor <= 1, so pruning bounds stay valid).
 *
 * Repetition across documents (the same footer on every page of a site)
 * is the other classic signal; it is left out on purpose: it needs the
 * whole collection, so a passage's prior would change with the segment it
 * lands in and at every merge of a live index (docs/FORMAT.md, PRIO).
 */
#include <string.h>

#include "boiler.h"

#define SHORT_WORDS 12       /* a line of at most this many words is short */
#define RUN_DENSITY 8        /* a run of short lines: one form word per 8 words */
#define SINGLE_DENSITY 3     /* a lone short line: one per 3 words */
#define DENSITY_MIN_WORDS 20 /* vocabulary: the rest has this many words, */
#define DENSITY_DISTINCT 3   /* the passage this many distinct form words, */
#define D_FREE 0.06          /* and a share above this one that content may have */
#define D_SPAN 0.14          /* ... D_FREE + D_SPAN makes the rest all furniture */
#ifndef STRENGTH
#define STRENGTH 0.5 /* the prior of pure furniture is 1 - STRENGTH */
#endif

/* Link, navigation and form words (folded, sorted by bytes):
 * the vocabulary of comment forms, footers and menus, not of content. */
typedef struct {
    uint8_t n;
    char s[15];
} form_word;

static const form_word form_words[] = {
    {9, "advertise"},
    {13, "advertisement"},
    {11, "advertising"},
    {8, "bookmark"},
    {5, "click"},
    {7, "comment"},
    {9, "commented"},
    {10, "commenting"},
    {8, "comments"},
    {10, "conditions"},
    {7, "contact"},
    {6, "cookie"},
    {7, "cookies"},
    {9, "copyright"},
    {10, "disclaimer"},
    {5, "email"},
    {8, "facebook"},
    {3, "faq"},
    {4, "faqs"},
    {8, "feedback"},
    {10, "guidelines"},
    {7, "helpful"},
    {8, "homepage"},
    {9, "instagram"},
    {8, "linkedin"},
    {5, "login"},
    {6, "logout"},
    {4, "menu"},
    {10, "navigation"},
    {10, "newsletter"},
    {13, "participating"},
    {8, "password"},
    {9, "pinterest"},
    {6, "policy"},
    {6, "posted"},
    {7, "privacy"},
    {9, "published"},
    {8, "register"},
    {7, "replies"},
    {5, "reply"},
    {8, "reserved"},
    {6, "return"},
    {5, "share"},
    {6, "signup"},
    {8, "sponsors"},
    {10, "submission"},
    {11, "submissions"},
    {6, "submit"},
    {9, "submitted"},
    {10, "submitting"},
    {9, "subscribe"},
    {12, "subscription"},
    {5, "terms"},
    {5, "thank"},
    {6, "thanks"},
    {5, "tweet"},
    {7, "twitter"},
    {11, "unsubscribe"},
    {8, "username"},
    {7, "website"},
    {3, "yes"},
};
#define FORM_MIN 3 /* the shortest and longest of them */
#define FORM_MAX 13

/* A perfect hash of the table: slot FORM_HASH(word) holds its index + 1
 * (0: no form word hashes there).  FNV-1a over the bytes from the seed
 * 6309, the top 8 bits of 32: the first seed under which the words above
 * do not collide (regenerate both if the list changes; test_boiler checks
 * that every word is found). */
static const uint8_t form_slot[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  55, 0,  0,  0,  0,  0,  0, 0,  0,  4,  0,  0,  18, 0, 0,  21,
    32, 0,  0,  0,  0,  30, 0,  0,  0,  0,  0,  0,  0,  0,  0, 0,  0,  0,  0,  0,  22, 0, 0,  0,
    7,  34, 0,  0,  0,  19, 0,  0,  0,  0,  0,  15, 41, 0,  0, 0,  0,  0,  0,  0,  53, 0, 0,  0,
    0,  0,  0,  36, 0,  0,  0,  0,  13, 0,  40, 0,  42, 0,  0, 0,  0,  49, 0,  0,  0,  0, 0,  0,
    0,  0,  23, 0,  0,  46, 50, 9,  0,  0,  0,  11, 0,  0,  0, 0,  0,  0,  44, 58, 0,  0, 0,  39,
    0,  59, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  54, 0, 17, 0,  0,  25, 0,  0,  0, 0,  6,
    57, 0,  0,  0,  37, 0,  0,  38, 0,  0,  0,  0,  0,  0,  0, 0,  60, 20, 10, 0,  0,  0, 28, 0,
    0,  61, 0,  3,  0,  0,  52, 0,  0,  0,  29, 1,  0,  0,  0, 0,  0,  14, 0,  0,  0,  0, 24, 0,
    0,  0,  0,  12, 0,  0,  0,  0,  5,  0,  0,  0,  31, 0,  0, 0,  51, 0,  0,  43, 0,  0, 0,  2,
    0,  33, 0,  0,  0,  0,  35, 56, 16, 48, 0,  27, 0,  0,  0, 47, 0,  0,  0,  0,  0,  0, 0,  0,
    0,  0,  26, 0,  0,  0,  0,  0,  0,  45, 0,  0,  0,  8,  0, 0};

/* 1 when the folded word s[0, n) is a link or form word, and then its
 * bit (table index mod 64) set in *seen. */
static int is_form_word(const char *s, size_t n, uint64_t *seen)
{
    if (n < FORM_MIN || n > FORM_MAX) return 0;
    uint32_t x = 6309;
    for (size_t i = 0; i < n; i++) x = (x ^ (uint8_t)s[i]) * 16777619u;
    unsigned k = form_slot[x >> 24];
    if (!k || form_words[k - 1].n != n || memcmp(form_words[k - 1].s, s, n)) return 0;
    *seen |= 1ull << ((k - 1) & 63);
    return 1;
}

/* 1 when every word of the table is found (for tests). */
int sp_boiler_selfcheck(void)
{
    for (size_t i = 0; i < sizeof form_words / sizeof *form_words; i++) {
        uint64_t seen = 0;
        if (!is_form_word(form_words[i].s, form_words[i].n, &seen)) return 0;
    }
    return 1;
}

/* 1 when the line text[a, e) ends a sentence (last non-space byte . ! ?). */
static int ends_sentence(const char *text, size_t a, size_t e)
{
    while (e > a && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r')) e--;
    return e > a && (text[e - 1] == '.' || text[e - 1] == '!' || text[e - 1] == '?');
}

/* A run of short lines being gathered. */
typedef struct {
    size_t lines, words, form;
} run_t;

/* Close run r: returns its words when it holds enough form words (they
 * are furniture); else adds them to the rest, *words and *form, and
 * returns 0. */
static size_t close_run(run_t *r, size_t *words, size_t *form)
{
    size_t furn = 0;
    if (r->form && (r->lines >= 2 ? r->form * RUN_DENSITY >= r->words
                                  : r->form * SINGLE_DENSITY >= r->words)) {
        furn = r->words;
    } else {
        *words += r->words;
        *form += r->form;
    }
    *r = (run_t){0, 0, 0};
    return furn;
}

uint8_t sp_boiler_prior(const char *text, size_t len, const sp_token *tok, size_t n,
                        const char *pool)
{
    if (n == 0) return 255;
    size_t furn = 0, rest_form = 0, rest_words = 0, i = 0;
    uint64_t seen = 0; /* the distinct form words of the passage */
    run_t run = {0, 0, 0};
    size_t a = 0;
    while (a < len && i < n) {
        const char *nl = memchr(text + a, '\n', len - a);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t words = 0, form = 0;
        for (; i < n && tok[i].start < e; i++) {
            words++;
            form += is_form_word(pool + tok[i].word_off, tok[i].word_len, &seen);
        }
        if (words) {
            if (words <= SHORT_WORDS && !ends_sentence(text, a, e)) {
                run.lines++;
                run.words += words;
                run.form += form;
            } else {
                furn += close_run(&run, &rest_words, &rest_form);
                rest_words += words;
                rest_form += form;
            }
        }
        a = e + 1;
    }
    for (; i < n; i++) { /* words past the text (none; defensive) */
        rest_words++;
        rest_form += is_form_word(pool + tok[i].word_off, tok[i].word_len, &seen);
    }
    furn += close_run(&run, &rest_words, &rest_form);
    double f = (double)furn;
    if (rest_words >= DENSITY_MIN_WORDS && __builtin_popcountll(seen) >= DENSITY_DISTINCT) {
        double ramp = ((double)rest_form / (double)rest_words - D_FREE) / D_SPAN;
        if (ramp > 1) ramp = 1;
        if (ramp > 0) f += ramp * (double)rest_words;
    }
    f /= (double)n;
    if (f > 1) f = 1;
    int q = (int)((1 - STRENGTH * f) * 255 + 0.5);
    return (uint8_t)(q < 1 ? 1 : q > 255 ? 255 : q);
}
