/* SPDX-License-Identifier: ISC */
/* jsonl.h: a strict reader of one line of an --import file: a JSON object
 * with exactly the two string members "item" and "value" (any order), and
 * nothing else.  Escapes \" \\ \/ \b \f \n \r \t and \uXXXX (surrogate
 * pairs become one UTF-8 sequence); \u0000 and raw control characters are
 * refused.  Strings are decoded in place (a decoded string is never longer
 * than its JSON form), so a value never leaves the caller's secret buffer. */
#ifndef RS_JSONL_H
#define RS_JSONL_H

#include <stddef.h>

typedef struct rs_jsonl_pair {
	char *item, *value;        /* into the line; not NUL-terminated */
	size_t item_len, value_len;
} rs_jsonl_pair;

/* Parses line[0..len); on success fills pair and returns 0.  On failure
 * returns -1 and *why says what is wrong (a static, untranslated N_()
 * string for the caller to translate).  The line is changed either way. */
int rs_jsonl_pair_parse(char *line, size_t len, rs_jsonl_pair *pair,
    const char **why);

#endif
