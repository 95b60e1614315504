/*
 * jsonline.h -- the fast path for flat JSON Lines documents (jsonline.c).
 */
#ifndef SPASM_JSONLINE_H
#define SPASM_JSONLINE_H

#include "base.h"
#include "passage.h"

/* A parsed line: byte ranges of the decoded strings in the output buffer
 * (title is empty when the line has none). */
typedef struct sp_jsonl_doc {
    sp_span32 id, title, text;
} sp_jsonl_doc;

/*
 * Parse line[0, len) (valid UTF-8) as an object of string values with a
 * non-empty "id" (or "_id") and a "text", decoding the strings into out
 * (emptied first).  Returns 1 when parsed, 0 when the line is one for
 * Jansson to parse (anything else, including every malformed line), -1
 * when out ran out of memory.
 *
 *     sp_jsonl_fast("{\"id\": \"7\", \"text\": \"a \\\"b\\\"\"}", ...) == 1
 *     with out = "7a \"b\"", id = [0, 1), text = [1, 6), title = [0, 0)
 */
int sp_jsonl_fast(const char *line, size_t len, sp_buf *out, sp_jsonl_doc *doc);

#endif
