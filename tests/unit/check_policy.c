/* SPDX-License-Identifier: ISC */
/* check_policy.c: the strong-password policy. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <string.h>
#include "policy.h"
#include "testutil.h"

static rs_policy_result check(const char *pw, const char *account,
    const char *instance)
{
	rs_policy_result r;

	rs_policy_check(pw, strlen(pw), account, instance, &r);
	return r;
}

static void fill(char *buf, size_t n)
{
	/* "Aa1!" then lower-case letters: every class, exactly n chars */
	size_t i;

	memcpy(buf, "Aa1!", 4);
	for (i = 4; i < n; i++)
		buf[i] = 'x';
	buf[n] = '\0';
}

START_TEST(strong_password_passes_every_rule)
{
	rs_policy_result r = check("Passw0rd!", "rsservice", "MSSQLSERVER");
	int i;

	for (i = 0; i < RS_RULE_COUNT; i++)
		ck_assert_msg(r.ok[i], "rule %d", i);
	ck_assert(rs_policy_passed(&r));
	ck_assert_uint_eq(r.chars, 9);
}
END_TEST

START_TEST(length_must_be_8_to_128_characters)
{
	char buf[200];
	rs_policy_result r;

	fill(buf, 7);
	r = check(buf, NULL, NULL);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
	ck_assert(!rs_policy_passed(&r));
	ck_assert_uint_eq(r.chars, 7);
	fill(buf, 8);
	r = check(buf, NULL, NULL);
	ck_assert(r.ok[RS_RULE_LENGTH]);
	ck_assert(rs_policy_passed(&r));
	fill(buf, 128);
	r = check(buf, NULL, NULL);
	ck_assert(r.ok[RS_RULE_LENGTH]);
	ck_assert(rs_policy_passed(&r));
	fill(buf, 129);
	r = check(buf, NULL, NULL);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
	ck_assert(!rs_policy_passed(&r));
	r = check("", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
	ck_assert_uint_eq(r.chars, 0);
}
END_TEST

START_TEST(test_missing_classes)
{
	rs_policy_result r;

	r = check("passw0rd!", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_UPPER]);
	ck_assert(r.ok[RS_RULE_LOWER] && r.ok[RS_RULE_DIGIT] && r.ok[RS_RULE_SYMBOL]);
	r = check("PASSW0RD!", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_LOWER]);
	ck_assert(r.ok[RS_RULE_UPPER]);
	r = check("Password!", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_DIGIT]);
	r = check("Passw0rdX", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_SYMBOL]);
	ck_assert(!rs_policy_passed(&r));
	r = check("12345678", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_UPPER] && !r.ok[RS_RULE_LOWER] &&
	    !r.ok[RS_RULE_SYMBOL] && r.ok[RS_RULE_DIGIT]);
}
END_TEST

START_TEST(symbols_include_space_but_not_tab)
{
	const char *symbols = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
	char buf[32];
	rs_policy_result r;
	size_t i;

	for (i = 0; symbols[i]; i++) {
		snprintf(buf, sizeof buf, "Abcdef1%c", symbols[i]);
		r = check(buf, NULL, NULL);
		ck_assert_msg(r.ok[RS_RULE_SYMBOL], "symbol '%c'", symbols[i]);
	}
	/* a space is a symbol */
	r = check("Pass w0rd", NULL, NULL);
	ck_assert(rs_policy_passed(&r));
	/* a tab is not */
	r = check("Pass\tw0rd", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_SYMBOL]);
}
END_TEST

START_TEST(test_non_ascii)
{
	rs_policy_result r;

	/* "Grüße1!" : 7 code points, 9 bytes: too short despite 9 bytes */
	r = check("Gr\xc3\xbc\xc3\x9f" "e1!", NULL, NULL);
	ck_assert_uint_eq(r.chars, 7);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
	/* "Grüße12!" : 8 code points */
	r = check("Gr\xc3\xbc\xc3\x9f" "e12!", NULL, NULL);
	ck_assert_uint_eq(r.chars, 8);
	ck_assert(rs_policy_passed(&r));
	/* non-ASCII letters are neither upper, lower nor symbol */
	r = check("\xc3\x9c\xc3\x9c\xc3\x9c\xc3\x9c" "1234", NULL, NULL);
	ck_assert(!r.ok[RS_RULE_UPPER]);
	ck_assert(!r.ok[RS_RULE_LOWER]);
	ck_assert(!r.ok[RS_RULE_SYMBOL]);
	ck_assert_uint_eq(r.chars, 8);
	/* a 4-byte code point (emoji) counts once */
	r = check("Aa1!\xf0\x9f\x94\x91xyz", NULL, NULL);
	ck_assert_uint_eq(r.chars, 8);
	ck_assert(rs_policy_passed(&r));
}
END_TEST

START_TEST(test_128_multibyte)
{
	/* 128 two-byte code points pass length; 129 do not */
	char buf[300];
	rs_policy_result r;
	size_t i;

	memcpy(buf, "Aa1!", 4);
	for (i = 0; i < 124; i++)
		memcpy(buf + 4 + 2 * i, "\xc3\xa9", 2);
	rs_policy_check(buf, 4 + 2 * 124, NULL, NULL, &r);
	ck_assert_uint_eq(r.chars, 128);
	ck_assert(r.ok[RS_RULE_LENGTH]);
	memcpy(buf + 4 + 2 * 124, "\xc3\xa9", 2);
	rs_policy_check(buf, 4 + 2 * 125, NULL, NULL, &r);
	ck_assert_uint_eq(r.chars, 129);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
}
END_TEST

START_TEST(password_may_not_contain_account_or_instance)
{
	rs_policy_result r;

	r = check("xRSService1!", "rsservice", "MSSQLSERVER");
	ck_assert(!r.ok[RS_RULE_NO_ACCOUNT]);
	ck_assert(r.ok[RS_RULE_NO_INSTANCE]);
	ck_assert(!rs_policy_passed(&r));
	r = check("Rsservice1!", "RSSERVICE", NULL);
	ck_assert(!r.ok[RS_RULE_NO_ACCOUNT]);
	r = check("Aa1!mssqlserver", "rsservice", "MSSQLSERVER");
	ck_assert(r.ok[RS_RULE_NO_ACCOUNT]);
	ck_assert(!r.ok[RS_RULE_NO_INSTANCE]);
	r = check("Aa1!MsSqlServer", NULL, "mssqlserver");
	ck_assert(!r.ok[RS_RULE_NO_INSTANCE]);
	/* at the very end and at the very start */
	r = check("Passw0rd!bob", "bob", NULL);
	ck_assert(!r.ok[RS_RULE_NO_ACCOUNT]);
	r = check("BOBPassw0rd!", "bob", NULL);
	ck_assert(!r.ok[RS_RULE_NO_ACCOUNT]);
	/* partial match only is fine */
	r = check("Passw0rd!bo", "bob", NULL);
	ck_assert(r.ok[RS_RULE_NO_ACCOUNT]);
	/* name longer than the password */
	r = check("Aa1!xxxx", "averyveryverylongname", NULL);
	ck_assert(r.ok[RS_RULE_NO_ACCOUNT]);
}
END_TEST

START_TEST(test_short_and_null_names)
{
	rs_policy_result r;

	/* names under 3 characters are ignored */
	r = check("Passw0rd!ab", "ab", "AB");
	ck_assert(r.ok[RS_RULE_NO_ACCOUNT]);
	ck_assert(r.ok[RS_RULE_NO_INSTANCE]);
	ck_assert(rs_policy_passed(&r));
	r = check("Passw0rd!", "", "");
	ck_assert(rs_policy_passed(&r));
	r = check("Passw0rd!", NULL, NULL);
	ck_assert(rs_policy_passed(&r));
	/* exactly 3 counts */
	r = check("Passw0rd!abc", "ABC", NULL);
	ck_assert(!r.ok[RS_RULE_NO_ACCOUNT]);
}
END_TEST

START_TEST(test_length_argument)
{
	/* only len bytes are read: a NUL-free buffer works */
	const char buf[] = { 'P', 'a', 's', 's', 'w', '0', 'r', 'd', '!' };
	rs_policy_result r;

	rs_policy_check(buf, sizeof buf, NULL, NULL, &r);
	ck_assert(rs_policy_passed(&r));
	rs_policy_check(buf, 7, NULL, NULL, &r);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
	ck_assert(!r.ok[RS_RULE_SYMBOL]);
	rs_policy_check(NULL, 0, NULL, NULL, &r);
	ck_assert(!rs_policy_passed(&r));
}
END_TEST

START_TEST(every_rule_has_a_label_and_a_message)
{
	int i;

	for (i = 0; i < RS_RULE_COUNT; i++) {
		ck_assert(rs_policy_rule_label(i)[0] != '\0');
		ck_assert(rs_policy_rule_message(i)[0] != '\0');
	}
	ck_assert_str_eq(rs_policy_rule_label(RS_RULE_LENGTH),
	    "8 to 128 characters");
	ck_assert_str_eq(rs_policy_rule_label(-1), "");
	ck_assert_str_eq(rs_policy_rule_message(RS_RULE_COUNT), "");
}
END_TEST

START_TEST(multibyte_letters_count_as_characters)
{
	/* "Äö1!ßéüx": 8 characters in 12 bytes */
	rs_policy_result r = check("\xc3\x84\xc3\xb6" "1!\xc3\x9f\xc3\xa9"
	    "\xc3\xbcx", NULL, NULL);

	ck_assert_uint_eq(r.chars, 8);
	ck_assert(r.ok[RS_RULE_LENGTH]);
	ck_assert_int_eq(r.text, RS_TEXT_OK);
	ck_assert_uint_eq(rs_utf8_chars("\xc3\x84\xc3\xb6", 4), 2);
	/* 7 characters in 10 bytes are too short */
	r = check("Aa1\xc3\xa9\xc3\xa9\xc3\xa9x", NULL, NULL);
	ck_assert_uint_eq(r.chars, 7);
	ck_assert(!r.ok[RS_RULE_LENGTH]);
}
END_TEST

static enum rs_password_text text_of(const char *pw, size_t len)
{
	rs_policy_result r;

	rs_policy_check(pw, len, NULL, NULL, &r);
	ck_assert_int_eq(r.text, rs_password_text_check(pw, len));
	if (r.text != RS_TEXT_OK)
		ck_assert(!rs_policy_passed(&r));
	return r.text;
}

START_TEST(control_characters_are_refused)
{
	ck_assert_int_eq(text_of("Passw0rd!\0x", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\rw0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Passw0rd!\r", 10), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\tw0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\x1bw0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\x7fw0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass w0rd!~", 11), RS_TEXT_OK);
	/* C1 controls: NEL (U+0085) and U+009F; U+00A0 is printable */
	ck_assert_int_eq(text_of("Pass\xc2\x85w0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\xc2\x9fw0rd!", 11), RS_TEXT_CONTROL);
	ck_assert_int_eq(text_of("Pass\xc2\xa0w0rd!", 11), RS_TEXT_OK);
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
	/* Latin-1 "é", a lone continuation byte, a truncated sequence */
	ck_assert_int_eq(text_of("Passw0rd!\xe9", 10), RS_TEXT_INVALID_UTF8);
	ck_assert_int_eq(text_of("Passw0rd!\x80", 10), RS_TEXT_INVALID_UTF8);
	ck_assert_int_eq(text_of("Passw0rd!\xe2\x82", 11),
	    RS_TEXT_INVALID_UTF8);
	/* overlong "/", a surrogate, above U+10FFFF, 0xFF */
	ck_assert_int_eq(text_of("Passw0rd!\xc0\xaf", 11),
	    RS_TEXT_INVALID_UTF8);
	ck_assert_int_eq(text_of("Passw0rd!\xed\xa0\x80", 12),
	    RS_TEXT_INVALID_UTF8);
	ck_assert_int_eq(text_of("Passw0rd!\xf4\x90\x80\x80", 13),
	    RS_TEXT_INVALID_UTF8);
	ck_assert_int_eq(text_of("Passw0rd!\xff", 10), RS_TEXT_INVALID_UTF8);
	/* the largest code point and the euro sign are fine */
	ck_assert_int_eq(text_of("Passw0rd!\xf4\x8f\xbf\xbf", 13), RS_TEXT_OK);
	ck_assert_int_eq(text_of("Passw0rd!\xe2\x82\xac", 12), RS_TEXT_OK);
}
END_TEST

START_TEST(byte_order_marks_are_refused)
{
	ck_assert_int_eq(text_of("\xef\xbb\xbfPassw0rd!", 12), RS_TEXT_BOM);
	/* UTF-16 little and big endian "Pa" */
	ck_assert_int_eq(text_of("\xff\xfeP\0a\0", 6), RS_TEXT_BOM);
	ck_assert_int_eq(text_of("\xfe\xff\0P\0a", 6), RS_TEXT_BOM);
	/* UTF-16 without a BOM has NUL bytes */
	ck_assert_int_eq(text_of("P\0a\0", 4), RS_TEXT_CONTROL);
}
END_TEST

START_TEST(text_problem_is_explained_first)
{
	rs_policy_result r;
	char out[1024];
	int p;

	rs_policy_check("Pass\x01w0rd!", 11, NULL, NULL, &r);
	rs_policy_explain(&r, "  ", out, sizeof out);
	ck_assert(strncmp(out, "  The password contains a control character",
	    43) == 0);
	ck_assert(strchr(out, '\n') == NULL);  /* every rule holds */
	for (p = RS_TEXT_BOM; p <= RS_TEXT_INVALID_UTF8; p++)
		ck_assert(rs_password_text_message(p)[0] != '\0');
	ck_assert_str_eq(rs_password_text_message(RS_TEXT_OK), "");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strong_password_passes_every_rule);
	tcase_add_test(tc, length_must_be_8_to_128_characters);
	tcase_add_test(tc, test_missing_classes);
	tcase_add_test(tc, symbols_include_space_but_not_tab);
	tcase_add_test(tc, test_non_ascii);
	tcase_add_test(tc, test_128_multibyte);
	tcase_add_test(tc, password_may_not_contain_account_or_instance);
	tcase_add_test(tc, test_short_and_null_names);
	tcase_add_test(tc, test_length_argument);
	tcase_add_test(tc, every_rule_has_a_label_and_a_message);
	tcase_add_test(tc, multibyte_letters_count_as_characters);
	tcase_add_test(tc, control_characters_are_refused);
	tcase_add_test(tc, invalid_utf8_is_refused);
	tcase_add_test(tc, byte_order_marks_are_refused);
	tcase_add_test(tc, text_problem_is_explained_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(policy_suite());
}
