/* SPDX-License-Identifier: ISC */
/* check_audit.c: the audit log. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "text.h"
#include "users.h"
#include "testutil.h"

static char dir[PATH_MAX];
static char db[PATH_MAX + 16];
static char logpath[PATH_MAX + 32];

static char proc[PATH_MAX + 8];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", proc, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void mkdir_in(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", proc, rel);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

/* A /proc of our own: no login session and no sshd among the parents
 * unless a test says otherwise, whatever runs the tests. */
static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
	snprintf(db, sizeof db, "%s/rs.db", dir);
	rs_audit_path(db, logpath, sizeof logpath);
	unsetenv("SSH_CONNECTION");
	unsetenv("SSH_CLIENT");
	unsetenv("SUDO_UID");
	unsetenv("SUDO_USER");
	snprintf(proc, sizeof proc, "%s/proc", dir);
	ck_assert_int_eq(mkdir(proc, 0700), 0);
	mkdir_in("self");
	mkdir_in("net");
	put("self/loginuid", "4294967295");
	put("self/sessionid", "4294967295");
	put("self/stat", "100 (rskeymgmt) S 1 100 100 0\n");
	rs_audit_set_proc_root(proc);
}

static void teardown(void)
{
	rs_audit_set_proc_root(NULL);
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

	put("self/loginuid", "0");         /* a login session: env counts */
	put("self/sessionid", "7");
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
	ck_assert(e[2].from_env);
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

static rs_audit_entry last_entry(void)
{
	rs_error err = { 0 };
	rs_audit_entry *e, one;
	size_t n;

	ck_assert_int_eq(rs_audit_read(db, 1, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 1);
	one = e[0];
	free(e);
	return one;
}

START_TEST(sudo_records_the_person_when_root)
{
	rs_error err = { 0 };
	struct passwd *pw = getpwuid(1);
	rs_audit_entry e;

	setenv("SUDO_UID", "1", 1);
	setenv("SUDO_USER", "someone", 1);
	ck_assert_int_eq(rs_audit_record(db, "change", "", "begin", NULL, &err),
	    RS_OK);
	e = last_entry();
	if (getuid() == 0) {
		ck_assert_ptr_nonnull(pw);
		ck_assert_str_eq(e.person, pw->pw_name);
	} else {
		/* Only root's sudo is believed. */
		ck_assert_str_ne(e.person, pw ? pw->pw_name : "x");
	}
	ck_assert_str_eq(e.outcome, "begin");
}
END_TEST

START_TEST(login_uid_is_the_person_without_sudo)
{
	rs_error err = { 0 };
	rs_audit_entry e;

	put("self/loginuid", "0");
	ck_assert_int_eq(rs_audit_record(db, "change", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.person, "root");
	ck_assert(e.tty[0] != '\0');
}
END_TEST

/* A uid no account has, for the fallbacks. */
static uid_t unnamed_uid(void)
{
	uid_t uid = 54321;

	while (getpwuid(uid) != NULL)
		uid++;
	return uid;
}

START_TEST(login_uid_without_an_account_is_recorded_as_uid_n)
{
	rs_error err = { 0 };
	rs_audit_entry e;
	char want[32], text[32];

	snprintf(want, sizeof want, "uid%lu", (unsigned long)unnamed_uid());
	snprintf(text, sizeof text, "%lu", (unsigned long)unnamed_uid());
	put("self/loginuid", text);
	ck_assert_int_eq(rs_audit_record(db, "change", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.person, want);
}
END_TEST

START_TEST(user_name_falls_back_as_the_caller_asks)
{
	char buf[64], want[32], tiny[3];
	uid_t uid = unnamed_uid();

	ck_assert_str_eq(rs_user_name(0, buf, sizeof buf, RS_USER_NUMBER),
	    "root");
	ck_assert_str_eq(rs_user_name(0, buf, sizeof buf, RS_USER_RECORD),
	    "root");
	snprintf(want, sizeof want, "%lu", (unsigned long)uid);
	ck_assert_str_eq(rs_user_name(uid, buf, sizeof buf, RS_USER_NUMBER),
	    want);
	snprintf(want, sizeof want, "uid%lu", (unsigned long)uid);
	ck_assert_str_eq(rs_user_name(uid, buf, sizeof buf, RS_USER_RECORD),
	    want);
	ck_assert_str_eq(rs_user_name(0, tiny, sizeof tiny, RS_USER_NUMBER),
	    "ro");
}
END_TEST

/* self -> 50 "sshd" holding fd 3, the TCP socket with inode 4242 */
static void fake_sshd(const char *table, const char *line)
{
	char path[PATH_MAX + 64];

	put("self/stat", "100 (rskeymgmt) S 60 100 100 0\n");
	mkdir_in("60");
	put("60/stat", "60 (bash (x) y) S 50 60 60 0\n");
	mkdir_in("50");
	put("50/stat", "50 (sshd) S 1 50 50 0\n");
	put("50/status", "Name:\tsshd\nUid:\t0\t0\t0\t0\n");
	mkdir_in("50/fd");
	snprintf(path, sizeof path, "%s/50/fd/3", proc);
	ck_assert_int_eq(symlink("socket:[4242]", path), 0);
	snprintf(path, sizeof path, "%s/50/fd/4", proc);
	ck_assert_int_eq(symlink("/dev/null", path), 0);
	put(table, line);
}

#define TCP_HEAD "  sl  local_address rem_address   st tx_queue rx_queue tr " \
    "tm->when retrnsmt   uid  timeout inode\n"

START_TEST(from_is_read_from_the_sshd_socket)
{
	rs_error err = { 0 };
	rs_audit_entry e;

	fake_sshd("net/tcp", TCP_HEAD
	    "   0: 0100007F:0016 0900000A:C822 0A 00000000:00000000 00:00000000 "
	    "00000000     0        0 4242 1\n"   /* listening: not this one */
	    "   1: 0100007F:0016 0500000A:C822 01 00000000:00000000 00:00000000 "
	    "00000000     0        0 4242 1\n");
	setenv("SSH_CONNECTION", "6.6.6.6 1 2.2.2.2 22", 1);
	ck_assert_int_eq(rs_audit_record(db, "delete", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.from, "10.0.0.5");
	ck_assert(!e.from_env);
}
END_TEST

START_TEST(from_is_read_from_an_ipv6_socket)
{
	rs_error err = { 0 };
	rs_audit_entry e;

	/* fe80::1 as the kernel prints it: four host-order words. */
	fake_sshd("net/tcp6", TCP_HEAD
	    "   0: 00000000000000000000000001000000:0016 "
	    "000080FE000000000000000001000000:C822 01 00000000:00000000 "
	    "00:00000000 00000000     0        0 4242 1\n");
	ck_assert_int_eq(rs_audit_record(db, "delete", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.from, "fe80::1");
}
END_TEST

START_TEST(a_users_own_sshd_is_not_believed)
{
	rs_error err = { 0 };
	rs_audit_entry e;

	fake_sshd("net/tcp", TCP_HEAD
	    "   1: 0100007F:0016 0500000A:C822 01 00000000:00000000 00:00000000 "
	    "00000000     0        0 4242 1\n");
	put("50/status", "Name:\tsshd\nUid:\t1000\t1000\t1000\t1000\n");
	ck_assert_int_eq(rs_audit_record(db, "delete", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.from, "local");
}
END_TEST

START_TEST(environment_alone_is_not_believed)
{
	rs_error err = { 0 };
	rs_audit_entry e;

	setenv("SSH_CONNECTION", "6.6.6.6 1 2.2.2.2 22", 1);
	ck_assert_int_eq(rs_audit_record(db, "delete", "", "ok", NULL, &err),
	    RS_OK);
	e = last_entry();
	ck_assert_str_eq(e.from, "local");
	ck_assert(!e.from_env);
}
END_TEST

START_TEST(fifo_at_the_path_is_refused_without_hanging)
{
	rs_error err = { 0 };
	rs_audit_entry *e = NULL;
	size_t n;

	ck_assert_int_eq(mkfifo(logpath, 0600), 0);
	ck_assert_int_eq(rs_audit_record(db, "backup", "t", "begin", NULL, &err),
	    RS_ERR_IO);
	ck_assert_msg(strstr(err.message, "not a regular file") != NULL, "%s",
	    err.message);
	ck_assert_int_eq(rs_audit_read(db, 10, &e, &n, &err), RS_ERR_IO);
	free(e);
}
END_TEST

START_TEST(symlink_at_the_path_is_refused)
{
	rs_error err = { 0 };
	char victim[PATH_MAX + 16];
	struct stat st;

	snprintf(victim, sizeof victim, "%s/victim", dir);
	tu_write_file(victim, "", 0600);
	ck_assert_int_eq(symlink(victim, logpath), 0);
	ck_assert_int_eq(rs_audit_record(db, "backup", "t", "begin", NULL, &err),
	    RS_ERR_IO);
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
}
END_TEST

START_TEST(older_records_still_read)
{
	rs_audit_entry e;

	ck_assert_int_eq(rs_audit_parse_line("2026-01-01T00:00:00Z user=root "
	    "from=local op=backup target=\"x\" outcome=ok error=\"\"\n", &e), 0);
	ck_assert_str_eq(e.person, "");
	ck_assert_int_eq(rs_audit_parse_line("2026-01-01T00:00:00Z user=root "
	    "person=al tty=pts/1 from_env=1.2.3.4 op=backup target=\"x\" "
	    "outcome=begin error=\"\"", &e), 0);
	ck_assert_str_eq(e.person, "al");
	ck_assert_str_eq(e.tty, "pts/1");
	ck_assert(e.from_env);
	ck_assert_int_eq(rs_audit_parse_line("2026-01-01T00:00:00Z", &e), -1);
	ck_assert_int_eq(rs_audit_parse_line("2026", &e), -1);
}
END_TEST

START_TEST(text_safe_escapes_controls_and_bad_utf8)
{
	char out[RS_TEXT_SAFE_SIZE(64)], small[8];

	ck_assert_str_eq(rs_text_safe("a\033[31mb\nc", out, sizeof out),
	    "a\\x1b[31mb\\x0ac");
	ck_assert_str_eq(rs_text_safe("\x7f\xff\xc2\x9b\xc3", out, sizeof out),
	    "\\x7f\\xff\\u009b\\xc3");
	/* Valid UTF-8 stays: ä, €, an emoji; overlong and surrogates not. */
	ck_assert_str_eq(rs_text_safe("\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80",
	    out, sizeof out), "\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(rs_text_safe("\xc0\xaf\xed\xa0\x80", out, sizeof out),
	    "\\xc0\\xaf\\xed\\xa0\\x80");
	/* Lines kept for messages, never for names. */
	ck_assert_str_eq(rs_text_escape("a\nb\tc\r", 6, out, sizeof out, true),
	    "a\nb\tc\\x0d");
	/* No escape cut in two at the end. */
	ck_assert_str_eq(rs_text_safe("abcd\033", small, sizeof small), "abcd");
	ck_assert_str_eq(rs_text_safe(NULL, small, sizeof small), "");
}
END_TEST

/* A name with a right-to-left override shows reversed text after it
 * ("svc\u202etxt.exe" reads as "svcexe.txt"): every bidirectional
 * embedding, override and isolate is escaped; their neighbours in those
 * blocks stay as they are. */
START_TEST(test_bidi_escaped)
{
	char out[RS_TEXT_SAFE_SIZE(64)], small[8];
	static const struct { const char *in, *out; } cases[] = {
		{ "svc\xe2\x80\xaetxt", "svc\\u202etxt" },      /* RLO */
		{ "\xe2\x80\xaa", "\\u202a" },                  /* LRE */
		{ "\xe2\x80\xab", "\\u202b" },                  /* RLE */
		{ "\xe2\x80\xac", "\\u202c" },                  /* PDF */
		{ "\xe2\x80\xad", "\\u202d" },                  /* LRO */
		{ "\xe2\x81\xa6" "a" "\xe2\x81\xa9", "\\u2066a\\u2069" }, /* LRI, PDI */
		{ "\xe2\x81\xa7\xe2\x81\xa8", "\\u2067\\u2068" },  /* RLI, FSI */
		/* Neighbours are ordinary text: U+2029, U+202F, U+2065, U+206A. */
		{ "\xe2\x80\xa9\xe2\x80\xaf", "\xe2\x80\xa9\xe2\x80\xaf" },
		{ "\xe2\x81\xa5\xe2\x81\xaa", "\xe2\x81\xa5\xe2\x81\xaa" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_str_eq(rs_text_safe(cases[i].in, out, sizeof out),
		    cases[i].out);
	/* In messages too, and never cut in two. */
	ck_assert_str_eq(rs_text_escape("a\xe2\x80\xae\n", 5, out, sizeof out,
	    true), "a\\u202e\n");
	ck_assert_str_eq(rs_text_safe("ab\xe2\x80\xae", small, sizeof small),
	    "ab");
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
	tcase_add_test(tc, test_bidi_escaped);
	tcase_add_test(tc, test_bare_fields_sanitized);
	tcase_add_test(tc, test_malformed_skipped);
	tcase_add_test(tc, test_missing_log);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_long_values_clipped);
	tcase_add_test(tc, sudo_records_the_person_when_root);
	tcase_add_test(tc, login_uid_is_the_person_without_sudo);
	tcase_add_test(tc, login_uid_without_an_account_is_recorded_as_uid_n);
	tcase_add_test(tc, user_name_falls_back_as_the_caller_asks);
	tcase_add_test(tc, from_is_read_from_the_sshd_socket);
	tcase_add_test(tc, from_is_read_from_an_ipv6_socket);
	tcase_add_test(tc, environment_alone_is_not_believed);
	tcase_add_test(tc, a_users_own_sshd_is_not_believed);
	tcase_add_test(tc, fifo_at_the_path_is_refused_without_hanging);
	tcase_add_test(tc, symlink_at_the_path_is_refused);
	tcase_add_test(tc, older_records_still_read);
	tcase_add_test(tc, text_safe_escapes_controls_and_bad_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(audit_suite());
}
