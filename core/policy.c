/* SPDX-License-Identifier: ISC */
/* policy.c: the strong-password policy for key backups (doc/ssrs.md,
 * Backup).
 *
 * Character classes are ASCII only, so the rules read the same in every
 * locale; other characters still count toward the length, in characters
 * (code points), not bytes.  A password must be text that can be typed
 * back anywhere: well-formed UTF-8, no control character, no BOM. */
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
size_t rs_utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
	size_t need, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (need > left || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return need;
}

static bool starts_with_bom(const unsigned char *s, size_t len)
{
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return true;
	return len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) ||
	    (s[0] == 0xFE && s[1] == 0xFF));
}

enum rs_password_text rs_password_text_check(const char *password,
    size_t len)
{
	const unsigned char *s = (const unsigned char *)password;
	size_t i = 0, n;

	if (password == NULL)
		return RS_TEXT_OK;
	if (starts_with_bom(s, len))
		return RS_TEXT_BOM;
	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7F)
			return RS_TEXT_CONTROL;
		n = utf8_sequence(s + i, len - i);
		if (n == 0)
			return RS_TEXT_INVALID_UTF8;
		/* C1 controls (U+0080-U+009F, such as NEL from a Windows
		 * code page): no keyboard types them either. */
		if (n == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0)
			return RS_TEXT_CONTROL;
		i += n;
	}
	return RS_TEXT_OK;
}

const char *rs_password_text_message(enum rs_password_text problem)
{
	switch (problem) {
	case RS_TEXT_BOM:
		return _("The password starts with a byte-order mark (the file "
		    "was saved as UTF-16 or as UTF-8 with BOM). Save the "
		    "password file as plain UTF-8 text without a BOM.");
	case RS_TEXT_CONTROL:
		return _("The password contains a control character (such as "
		    "a NUL byte, a tab or a carriage return), which cannot be "
		    "typed back on every keyboard. Use printable characters "
		    "only, one password on the first line.");
	case RS_TEXT_INVALID_UTF8:
		return _("The password is not valid UTF-8 text. Save the "
		    "password file as UTF-8 (not Latin-1 or UTF-16), or type "
		    "it in a UTF-8 terminal.");
	case RS_TEXT_OK:
		break;
	}
	return "";
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
	out->text = rs_password_text_check(password, len);
	out->chars = len ? rs_utf8_chars(password, len) : 0;
	out->ok[RS_RULE_LENGTH] = out->chars >= RS_PASSWORD_MIN_CHARS &&
	    out->chars <= RS_PASSWORD_MAX_CHARS;
	out->ok[RS_RULE_NO_ACCOUNT] = !contains_name(password, len, account);
	out->ok[RS_RULE_NO_INSTANCE] = !contains_name(password, len, instance);
}

bool rs_policy_passed(const rs_policy_result *result)
{
	int i;

	if (result->text != RS_TEXT_OK)
		return false;
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
	if (result->text != RS_TEXT_OK && size > 0)
		used += (size_t)snprintf(out, size, "%s%s", indent ? indent : "",
		    rs_password_text_message(result->text));
	for (int rule = 0; rule < RS_RULE_COUNT && used < size; rule++) {
		if (result->ok[rule])
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s%s",
		    used ? "\n" : "", indent ? indent : "",
		    rs_policy_rule_message(rule));
	}
	return used < size ? used : size - 1;
}
