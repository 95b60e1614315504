/*
 * fuzz_synonyms.c -- libFuzzer target for the synonym-file parser
 * (searcher/synonyms.c) and the application of what it parsed to queries.
 *
 * Input: the text of a synonym file (Solr / Elasticsearch format: "a, b",
 * "a => b", "# comments"), given to spasm_synonyms_parse().  It may only
 * return SPASM_OK or SPASM_EQUERY, with a message naming the line on an
 * error.  A table that parses is used (spasm_search_options.synonyms)
 * for queries over fuzz_query's small index (fuzz/query/, opened once:
 * SPASM_FUZZ_INDEX, else build/fuzz-query.spx): its first line as a bag
 * of words and as a phrase (so that the table's own keys match), and
 * fixed queries over the index's words; results are checked
 * (fuzzutil.c), not against spasm_count (synonyms widen the search).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"

static fuzz_qix *fq; /* the index searched (fuzzutil.c) */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fq = fuzz_open_query_index("fuzz_synonyms");
    return 0;
}

/* The first line of data[0, n) with its commas and '=' '>' made blanks,
 * into q (room for cap bytes); returns its length. */
static size_t first_line_words(const uint8_t *data, size_t n, char *q, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < n && data[i] != '\n' && data[i] && j + 1 < cap; i++)
        q[j++] = data[i] == ',' || data[i] == '=' || data[i] == '>' || data[i] == '"'
                     ? ' '
                     : (char)data[i];
    q[j] = 0;
    return j;
}

static const char *const fixed_queries[] = {
    "doctor calf cramps", "\"period pain\" heat", "wry neck", "anemia OR colour", "night cramp*",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024) return 0;
    spasm_synonyms *t = NULL;
    int rc = spasm_synonyms_parse(&t, "fuzz.txt", (const char *)data, size);
    FUZZ_CHECK(t != NULL, "no handle (rc %d)", rc);
    FUZZ_CHECK(rc == SPASM_OK || rc == SPASM_EQUERY, "spasm_synonyms_parse returned %d: %s", rc,
               spasm_synonyms_errmsg(t));
    const char *msg = spasm_synonyms_errmsg(t);
    FUZZ_CHECK(msg != NULL && (rc == SPASM_OK) == (msg[0] == 0), "rc %d with message \"%s\"", rc,
               msg ? msg : "(null)");
    FUZZ_CHECK(rc != SPASM_EQUERY || strncmp(msg, "fuzz.txt:", 9) == 0,
               "message does not name the file: %s", msg);
    if (rc == SPASM_OK) {
        FUZZ_CHECK(spasm_synonyms_count(t) <= size, "%zu rules in %zu bytes",
                   spasm_synonyms_count(t), size);
        spasm_search_options o;
        spasm_search_options_init(&o);
        o.synonyms = t;
        o.k = 5;
        o.synonym_weight = size & 1 ? 1.0 : 0;
        char q[256], ph[260];
        size_t n = first_line_words(data, size, q, sizeof q);
        if (n) {
            fuzz_search_count(fq->s, q, &o, &fq->st, 0);
            snprintf(ph, sizeof ph, "\"%s\"", q);
            o.group = SPASM_GROUP_DOC;
            fuzz_search_count(fq->s, ph, &o, &fq->st, 0);
        }
        o.group = SPASM_GROUP_NONE;
        o.families = 1;
        fuzz_search_count(fq->s, fixed_queries[size % 5], &o, &fq->st, 0);
    }
    spasm_synonyms_free(t);
    return 0;
}
