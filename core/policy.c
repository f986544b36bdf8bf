/* SPDX-License-Identifier: ISC */
/* policy.c: the strong-password policy for key backups (doc/ssrs.md,
 * Backup).
 *
 * Character classes are ASCII only, so the rules read the same in every
 * locale; other characters still count toward the length. */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "policy.h"

struct rule_text {
	const char *label;
	const char *message;
};

static const struct rule_text rule_texts[RS_RULE_COUNT] = {
#define RS_RULE_ROW(id, label, message) [id] = { label, message },
	RS_POLICY_RULES(RS_RULE_ROW)
#undef RS_RULE_ROW
};

/* Names shorter than this are too common to forbid (Windows does the same). */
#define RS_POLICY_NAME_MIN 3

static bool is_symbol(unsigned char c)
{
	return c == ' ' || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
	    (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) search of name in the first len bytes of text. */
static bool contains_name(const char *text, size_t len, const char *name)
{
	size_t nlen, i, j;

	if (name == NULL)
		return false;
	nlen = strlen(name);
	if (nlen < RS_POLICY_NAME_MIN || nlen > len)
		return false;
	for (i = 0; i + nlen <= len; i++) {
		for (j = 0; j < nlen; j++)
			if (ascii_lower((unsigned char)text[i + j]) !=
			    ascii_lower((unsigned char)name[j]))
				break;
		if (j == nlen)
			return true;
	}
	return false;
}

/* UTF-8 code points: every byte that is not a continuation byte starts one.
 * An invalid sequence still counts each stray byte at most once. */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

void rs_policy_check(const char *password, size_t len, const char *account,
    const char *instance, rs_policy_result *out)
{
	size_t i;
	unsigned char c;

	memset(out, 0, sizeof *out);
	if (password == NULL)
		len = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)password[i];
		if (c >= 'A' && c <= 'Z')
			out->ok[RS_RULE_UPPER] = true;
		else if (c >= 'a' && c <= 'z')
			out->ok[RS_RULE_LOWER] = true;
		else if (c >= '0' && c <= '9')
			out->ok[RS_RULE_DIGIT] = true;
		else if (is_symbol(c))
			out->ok[RS_RULE_SYMBOL] = true;
	}
	out->chars = len ? utf8_chars(password, len) : 0;
	out->ok[RS_RULE_LENGTH] = out->chars >= RS_PASSWORD_MIN_CHARS &&
	    out->chars <= RS_PASSWORD_MAX_CHARS;
	out->ok[RS_RULE_NO_ACCOUNT] = !contains_name(password, len, account);
	out->ok[RS_RULE_NO_INSTANCE] = !contains_name(password, len, instance);
}

bool rs_policy_passed(const rs_policy_result *result)
{
	int i;

	for (i = 0; i < RS_RULE_COUNT; i++)
		if (!result->ok[i])
			return false;
	return true;
}

const char *rs_policy_rule_label(int rule)
{
	if (rule < 0 || rule >= RS_RULE_COUNT)
		return "";
	return _(rule_texts[rule].label);
}

const char *rs_policy_rule_message(int rule)
{
	if (rule < 0 || rule >= RS_RULE_COUNT)
		return "";
	return _(rule_texts[rule].message);
}

size_t rs_policy_explain(const rs_policy_result *result, const char *indent,
    char *out, size_t size)
{
	size_t used = 0;

	if (size > 0)
		out[0] = '\0';
	for (int rule = 0; rule < RS_RULE_COUNT && used < size; rule++) {
		if (result->ok[rule])
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s%s",
		    used ? "\n" : "", indent ? indent : "",
		    rs_policy_rule_message(rule));
	}
	return used < size ? used : size - 1;
}
