/* SPDX-License-Identifier: ISC */
/* jsonl.c: the strict line reader of jsonl.h.  Small on purpose: what it
 * accepts is exactly what --import documents, so a value never turns into
 * something else because a general parser was lenient. */
#include "i18n.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "jsonl.h"

typedef struct cursor {
	char *p, *end;
	const char *why;
} cursor;

static void skip_space(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool expect(cursor *c, char ch, const char *why)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	c->why = why;
	return false;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u"; -1 when they are not. */
static long read_hex4(cursor *c)
{
	long v = 0;

	if (c->end - c->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(c->p[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	c->p += 4;
	return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* After "\u": one code point, a surrogate pair taken whole. */
static bool read_unicode(cursor *c, uint32_t *cp)
{
	long hi = read_hex4(c), lo;

	if (hi < 0 || hi == 0)
		return false;          /* not hex, or NUL inside a string */
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return false;          /* a low surrogate alone */
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = (uint32_t)hi;
		return true;
	}
	if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
		return false;
	c->p += 2;
	lo = read_hex4(c);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return false;
	*cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
	return true;
}

static bool read_escape(cursor *c, char **out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	uint32_t cp;

	if (c->p >= c->end)
		return false;
	if (*c->p == 'u') {
		c->p++;
		if (!read_unicode(c, &cp))
			return false;
		*out += put_utf8(*out, cp);
		return true;
	}
	hit = strchr(from, *c->p);
	if (hit == NULL || *c->p == '\0')
		return false;
	*(*out)++ = to[hit - from];
	c->p++;
	return true;
}

/* A string, decoded in place at its own start. */
static bool read_string(cursor *c, char **s, size_t *len)
{
	char *out;

	if (!expect(c, '"', N_("a string was expected")))
		return false;
	*s = out = c->p;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;

		if (ch < 0x20) {
			c->why = N_("a control character inside a string");
			return false;
		}
		if (ch == '\\') {
			c->p++;
			if (!read_escape(c, &out)) {
				c->why = N_("a bad escape inside a string");
				return false;
			}
			continue;
		}
		*out++ = *c->p++;
	}
	if (c->p >= c->end) {
		c->why = N_("a string is not closed");
		return false;
	}
	c->p++;
	*len = (size_t)(out - *s);
	return true;
}

static bool read_member(cursor *c, rs_jsonl_pair *pair, bool *seen_item,
    bool *seen_value)
{
	char *key, *val;
	size_t key_len, val_len;

	if (!read_string(c, &key, &key_len) ||
	    !expect(c, ':', N_("':' was expected after a name")) ||
	    !read_string(c, &val, &val_len))
		return false;
	if (key_len == 4 && memcmp(key, "item", 4) == 0 && !*seen_item) {
		*seen_item = true;
		pair->item = val;
		pair->item_len = val_len;
		return true;
	}
	if (key_len == 5 && memcmp(key, "value", 5) == 0 && !*seen_value) {
		*seen_value = true;
		pair->value = val;
		pair->value_len = val_len;
		return true;
	}
	c->why = N_("only the members \"item\" and \"value\", once each, "
	    "are allowed");
	return false;
}

int rs_jsonl_pair_parse(char *line, size_t len, rs_jsonl_pair *pair,
    const char **why)
{
	cursor c = { line, line + len, NULL };
	bool seen_item = false, seen_value = false;

	memset(pair, 0, sizeof *pair);
	if (!expect(&c, '{', N_("not a JSON object")) ||
	    !read_member(&c, pair, &seen_item, &seen_value) ||
	    !expect(&c, ',', N_("two members, \"item\" and \"value\", were "
	    "expected")) ||
	    !read_member(&c, pair, &seen_item, &seen_value) ||
	    !expect(&c, '}', N_("the object must end after \"item\" and "
	    "\"value\""))) {
		*why = c.why;
		return -1;
	}
	skip_space(&c);
	if (c.p != c.end) {
		*why = N_("text after the object");
		return -1;
	}
	return 0;
}
