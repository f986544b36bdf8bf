/* SPDX-License-Identifier: ISC */
/* text.h: text from the database, the config or a socket made safe for a
 * terminal: what human output shows instead of the raw bytes (the JSON
 * output has its own escaping). */
#ifndef RS_TEXT_H
#define RS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies in to out (size bytes, always terminated), writing each byte
 * below 0x20, 0x7f, each C1 control (U+0080..U+009F), each bidirectional
 * override, embedding and isolate (U+202A..U+202E, U+2066..U+2069) and
 * each byte of invalid UTF-8 as a visible escape: "\x1b", "\u009b",
 * "\u202e".  keep_lines keeps
 * '\n' and '\t' (for whole messages); names never keep them, so a name
 * cannot start a line of its own.  An escape is never cut in two.
 * Returns out. */
char *rs_text_escape(const char *in, size_t len, char *out, size_t size,
    bool keep_lines);
/* The same for one NUL-terminated name or field. */
char *rs_text_safe(const char *in, char *out, size_t size);
/* The room an escaped copy of len bytes can need (with the NUL). */
#define RS_TEXT_SAFE_SIZE(len) ((len) * 6 + 1)

#endif
