/* SPDX-License-Identifier: ISC */
/* policy.h: the strong-password policy for key backups (doc/ssrs.md,
 * Backup).
 * Each rule is reported on its own, so a dialog can show a live checklist
 * and a command line can print one sentence per broken rule. */
#ifndef RS_POLICY_H
#define RS_POLICY_H

#include "i18n.h"

#include <stdbool.h>
#include <stddef.h>

#define RS_PASSWORD_MIN_CHARS 8
#define RS_PASSWORD_MAX_CHARS 128

/* id, checklist label, message when broken */
#define RS_POLICY_RULES(X) \
	X(RS_RULE_LENGTH,      N_("8 to 128 characters"), \
	                       N_("The password must be 8 to 128 characters long.")) \
	X(RS_RULE_UPPER,       N_("an upper-case letter (A-Z)"), \
	                       N_("The password must contain an upper-case letter (A-Z).")) \
	X(RS_RULE_LOWER,       N_("a lower-case letter (a-z)"), \
	                       N_("The password must contain a lower-case letter (a-z).")) \
	X(RS_RULE_DIGIT,       N_("a digit (0-9)"), \
	                       N_("The password must contain a digit (0-9).")) \
	X(RS_RULE_SYMBOL,      N_("a symbol (such as ! # $ % or a space)"), \
	                       N_("The password must contain a symbol such as ! # $ % or a space.")) \
	X(RS_RULE_NO_ACCOUNT,  N_("does not contain the service account"), \
	                       N_("The password must not contain the service account name.")) \
	X(RS_RULE_NO_INSTANCE, N_("does not contain the instance name"), \
	                       N_("The password must not contain the instance name."))

enum rs_policy_rule {
#define RS_RULE_ENUM(id, label, message) id,
	RS_POLICY_RULES(RS_RULE_ENUM)
#undef RS_RULE_ENUM
	RS_RULE_COUNT
};

/* Forms of text that cannot be typed back on every keyboard and terminal;
 * checked before the rules, each with its own sentence. */
enum rs_password_text {
	RS_TEXT_OK,
	RS_TEXT_BOM,          /* starts with EF BB BF, FF FE or FE FF */
	RS_TEXT_CONTROL,      /* a byte below 0x20, or 0x7f */
	RS_TEXT_INVALID_UTF8  /* not well-formed UTF-8 */
};

typedef struct rs_policy_result {
	bool ok[RS_RULE_COUNT];
	size_t chars;  /* length in characters (UTF-8 code points) */
	enum rs_password_text text;  /* RS_TEXT_OK, or why it is refused */
} rs_policy_result;

/* The first problem of the first len bytes of password, or RS_TEXT_OK. */
enum rs_password_text rs_password_text_check(const char *password,
    size_t len);
const char *rs_password_text_message(enum rs_password_text problem);
/* Length in characters (UTF-8 code points) of the first len bytes. */
size_t rs_utf8_chars(const char *s, size_t len);

/* A password passes when its text is acceptable and every rule holds.
 * account and instance may be NULL or shorter than 3 characters: the
 * matching rule then holds trivially (as in Windows' policy). */
void rs_policy_check(const char *password, size_t len, const char *account,
    const char *instance, rs_policy_result *out);
bool rs_policy_passed(const rs_policy_result *result);
const char *rs_policy_rule_label(int rule);    /* translated */
const char *rs_policy_rule_message(int rule);  /* translated */
/* The text problem first, then one sentence per broken rule, each after indent (may be NULL), joined
 * by newlines, so the admin sees everything at once.  Returns the length
 * written (truncated to fit out). */
size_t rs_policy_explain(const rs_policy_result *result, const char *indent,
    char *out, size_t size);

#endif
