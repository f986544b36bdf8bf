/* SPDX-License-Identifier: ISC */
/* text.c: visible escapes for control characters and invalid UTF-8, so a
 * name planted in the database (or a config, or a daemon's answer) cannot
 * move the cursor, recolour the terminal or forge a line of output. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "text.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid;
 * *cp receives the code point. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069): they reorder the rest of the line on the screen, so a
 * name could show as another or hide what follows it. */
static bool is_bidi_control(unsigned long cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *rs_text_escape(const char *in, size_t len, char *out, size_t size,
    bool keep_lines)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	char esc[16];   /* "\\u" and up to 8 hex digits to the compiler */
	size_t o = 0, i = 0, step, need;
	unsigned long cp;

	if (size == 0)
		return out;
	while (i < len) {
		step = utf8_len(s + i, len - i, &cp);
		if (step == 0) {
			snprintf(esc, sizeof esc, "\\x%02x", s[i]);
			step = 1;
		} else if ((cp < 0x20 && !(keep_lines && (cp == '\n' ||
		    cp == '\t'))) || cp == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02lx", cp);
		} else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp)) {
			snprintf(esc, sizeof esc, "\\u%04lx", cp);
		} else {
			esc[0] = '\0';
		}
		need = esc[0] ? strlen(esc) : step;
		if (o + need >= size)
			break;
		memcpy(out + o, esc[0] ? esc : (const char *)s + i, need);
		o += need;
		i += step;
	}
	out[o] = '\0';
	return out;
}

char *rs_text_safe(const char *in, char *out, size_t size)
{
	return rs_text_escape(in, in ? strlen(in) : 0, out, size, false);
}
