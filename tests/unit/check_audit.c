/* SPDX-License-Identifier: ISC */
/* check_audit.c: the audit log. */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "testutil.h"

static char dir[PATH_MAX];
static char db[PATH_MAX + 16];
static char logpath[PATH_MAX + 32];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
	snprintf(db, sizeof db, "%s/rs.db", dir);
	rs_audit_path(db, logpath, sizeof logpath);
	unsetenv("SSH_CONNECTION");
	unsetenv("SSH_CLIENT");
}

static void teardown(void)
{
	tu_rmtree(dir);
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

START_TEST(audit_log_is_named_after_the_database)
{
	char out[64];

	rs_audit_path("/var/lib/rs.db", out, sizeof out);
	ck_assert_str_eq(out, "/var/lib/rs.db-audit.log");
}
END_TEST

START_TEST(record_is_read_back_from_a_private_log)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	size_t n;
	time_t before = time(NULL);
	struct stat st;
	char *text;

	ck_assert_int_eq(rs_audit_record(db, "backup", "/x.pem", "ok", NULL, &err),
	    RS_OK);
	ck_assert_int_eq(stat(logpath, &st), 0);
	ck_assert_int_eq(st.st_mode & 0007, 0);   /* not world-readable */
	ck_assert_int_eq(st.st_mode & 0022, 0);
	text = tu_read_file(logpath, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, " from=local op=backup target=\"/x.pem\" "
	    "outcome=ok error=\"\"\n") != NULL, "%s", text);
	ck_assert(text[4] == '-' && text[10] == 'T' && text[19] == 'Z');
	free(text);

	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].operation, "backup");
	ck_assert_str_eq(e[0].target, "/x.pem");
	ck_assert_str_eq(e[0].outcome, "ok");
	ck_assert_str_eq(e[0].error, "");
	ck_assert_str_eq(e[0].from, "local");
	ck_assert(e[0].user[0] != '\0');
	ck_assert_int_ge(e[0].time, (int64_t)before);
	ck_assert_int_le(e[0].time, (int64_t)time(NULL));
	free(e);
}
END_TEST

START_TEST(test_newest_first_and_max)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	char target[32];
	size_t n, i;

	for (i = 0; i < 7; i++) {
		snprintf(target, sizeof target, "t%zu", i);
		ck_assert_int_eq(rs_audit_record(db, "change", target,
		    i % 2 ? "failed" : "ok", i % 2 ? "boom" : "", &err), RS_OK);
	}
	ck_assert_int_eq(rs_audit_read(db, 3, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(e[0].target, "t6");
	ck_assert_str_eq(e[1].target, "t5");
	ck_assert_str_eq(e[1].outcome, "failed");
	ck_assert_str_eq(e[1].error, "boom");
	ck_assert_str_eq(e[2].target, "t4");
	free(e);
	ck_assert_int_eq(rs_audit_read(db, 100, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(e[0].target, "t6");
	ck_assert_str_eq(e[6].target, "t0");
	free(e);
	ck_assert_int_eq(rs_audit_read(db, 0, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(e[6].target, "t0");
	free(e);
	ck_assert_int_eq(rs_audit_read(db, (size_t)-1, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 7);
	free(e);
}
END_TEST

/* After logrotate (delaycompress): the current log, then LOG.1. */
START_TEST(test_rotated_log_read_on)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	char rotated[PATH_MAX + 40], target[32];
	size_t n, i;

	snprintf(rotated, sizeof rotated, "%s.1", logpath);
	for (i = 0; i < 5; i++) {
		if (i == 3)
			ck_assert_int_eq(rename(logpath, rotated), 0);
		snprintf(target, sizeof target, "t%zu", i);
		ck_assert_int_eq(rs_audit_record(db, "change", target, "ok", "",
		    &err), RS_OK);
	}
	ck_assert_int_eq(rs_audit_read_rotated(logpath, 100, &e, &n, &err),
	    RS_OK);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < 5; i++) {
		snprintf(target, sizeof target, "t%zu", 4 - i);
		ck_assert_str_eq(e[i].target, target);
	}
	free(e);
	ck_assert_int_eq(rs_audit_read_rotated(logpath, 3, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(e[2].target, "t2");
	free(e);
	ck_assert_int_eq(rs_audit_read_rotated(logpath, 2, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(e[1].target, "t3");
	free(e);
	/* Only the rotated log (nothing recorded since the rotation). */
	ck_assert_int_eq(unlink(logpath), 0);
	ck_assert_int_eq(rs_audit_read_rotated(logpath, 0, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(e[0].target, "t2");
	free(e);
}
END_TEST

START_TEST(test_escaping)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	size_t n;
	char *text;
	const char *evil = "/tmp/a\" outcome=ok error=\"\n"
	    "2030-01-01T00:00:00Z user=root from=local op=restore target=\"x\" "
	    "outcome=ok error=\"\"";
	const char *err_text = "back\\slash\ttab\x01" "bell\rcr \xc3\xa9";

	ck_assert_int_eq(rs_audit_record(db, "backup", evil, "failed", err_text,
	    &err), RS_OK);
	text = tu_read_file(logpath, NULL);
	ck_assert_uint_eq(count_lines(text), 1);  /* no forged second line */
	ck_assert(strstr(text, "\\\"") != NULL);
	ck_assert(strstr(text, "\\n") != NULL);
	ck_assert(strstr(text, "\\x01") != NULL);
	free(text);
	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].target, evil);
	ck_assert_str_eq(e[0].error, err_text);
	ck_assert_str_eq(e[0].outcome, "failed");
	ck_assert_str_eq(e[0].operation, "backup");
	free(e);
}
END_TEST

START_TEST(test_bare_fields_sanitized)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	size_t n;

	setenv("SSH_CONNECTION", "10.0.0.5 51234 10.0.0.1 22", 1);
	ck_assert_int_eq(rs_audit_record(db, "op with space", "t",
	    "ok error=\"x\"", NULL, &err), RS_OK);
	unsetenv("SSH_CONNECTION");
	setenv("SSH_CLIENT", "fe80::1 51234 22", 1);
	ck_assert_int_eq(rs_audit_record(db, "list", "t", "ok", NULL, &err),
	    RS_OK);
	setenv("SSH_CLIENT", "evil\"addr", 1);
	ck_assert_int_eq(rs_audit_record(db, "list", "t", "ok", NULL, &err),
	    RS_OK);
	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(e[2].from, "10.0.0.5");
	ck_assert_str_eq(e[2].operation, "op_with_space");
	ck_assert_str_eq(e[2].outcome, "ok_error__x_");
	ck_assert_str_eq(e[1].from, "fe80::1");
	ck_assert_str_eq(e[0].from, "evil_addr");
	free(e);
}
END_TEST

START_TEST(test_malformed_skipped)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	size_t n;
	FILE *f;

	ck_assert_int_eq(rs_audit_record(db, "backup", "a", "ok", NULL, &err),
	    RS_OK);
	f = fopen(logpath, "a");
	fputs("garbage line\n", f);
	fputs("2026-01-01T00:00:00Z user=x from=y op=z target=\"unterminated\n", f);
	fputs("2026-01-01T00:00:00Z user=x from=y op=z target=\"a\\q\" "
	    "outcome=ok error=\"\"\n", f);
	fputs("\n", f);
	fclose(f);
	ck_assert_int_eq(rs_audit_record(db, "restore", "b", "ok", NULL, &err),
	    RS_OK);
	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(e[0].operation, "restore");
	ck_assert_str_eq(e[1].operation, "backup");
	free(e);
}
END_TEST

START_TEST(test_missing_log)
{
	rs_error err = { 0 };
	rs_audit_entry *e = (rs_audit_entry *)1;
	size_t n = 5;

	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 0);
	free(e);
}
END_TEST

START_TEST(test_unwritable)
{
	rs_error err = { 0 };

	ck_assert_int_eq(rs_audit_record(tu_path(dir, "no/such/db"), "backup",
	    "t", "ok", NULL, &err), RS_ERR_IO);
	ck_assert(strstr(err.message, "audit log") != NULL);
}
END_TEST

START_TEST(test_long_values_clipped)
{
	rs_error err = { 0 };
	rs_audit_entry *e;
	size_t n;
	char *big = malloc(5000);

	memset(big, '"', 4999);
	big[4999] = '\0';
	ck_assert_int_eq(rs_audit_record(db, "backup", big, "ok", big, &err),
	    RS_OK);
	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(strlen(e[0].target), sizeof e[0].target - 1);
	ck_assert_uint_eq(strlen(e[0].error), sizeof e[0].error - 1);
	free(e);
	free(big);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, audit_log_is_named_after_the_database);
	tcase_add_test(tc, record_is_read_back_from_a_private_log);
	tcase_add_test(tc, test_newest_first_and_max);
	tcase_add_test(tc, test_rotated_log_read_on);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_bare_fields_sanitized);
	tcase_add_test(tc, test_malformed_skipped);
	tcase_add_test(tc, test_missing_log);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_long_values_clipped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(audit_suite());
}
