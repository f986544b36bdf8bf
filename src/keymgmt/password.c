/* SPDX-License-Identifier: ISC */
/* password.c: the password of a backup, from --password-file,
 * --password-fd or the terminal; a new one is checked against the policy
 * (one line per broken rule) and asked twice.  Files and descriptors are
 * read only so far: a regular file, a pipe or a terminal, at most the
 * policy's length; an existing backup's password is not held to the
 * policy. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "rskeymgmt.h"

#define PASSWORD_TRIES 3

/* A new password has at most RS_PASSWORD_MAX_CHARS characters of up to 4
 * bytes; an existing backup's password may be as long as the buffer. */
static size_t password_cap(bool new_backup)
{
	size_t policy_max = (size_t)RS_PASSWORD_MAX_CHARS * 4;

	return new_backup && policy_max < RS_PASSWORD_MAX ? policy_max :
	    RS_PASSWORD_MAX;
}

/* Regular files, pipes and terminals hold a password; a device such as
 * /dev/zero or /dev/urandom never ends a line, a socket or a directory is
 * a mistake. */
static bool password_source_type_ok(int fd, const struct stat *st)
{
	if (S_ISREG(st->st_mode) || S_ISFIFO(st->st_mode))
		return true;
	return S_ISCHR(st->st_mode) && isatty(fd);
}

static int refuse_source_type(struct run *r, const char *what)
{
	return rs_err(&r->err, RS_ERR_USAGE, _("%s: not a regular file, a "
	    "pipe or a terminal; give a file holding the password on its "
	    "first line"), what);
}

/* The first line, reading at most cap bytes and a CR LF: a longer line is
 * refused without reading on. */
static int password_from_fd(struct run *r, int fd, const char *what,
    size_t cap, rs_password *pw)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return rs_err(&r->err, RS_ERR_IO, "%s: %s", what,
		    strerror(errno));
	if (!password_source_type_ok(fd, &st))
		return refuse_source_type(r, what);
	n = fd_read_line(fd, pw->text, cap, false);
	if (n == -2)
		return rs_err(&r->err, RS_ERR_POLICY,
		    _("%s: the password is longer than %zu bytes; it must be "
		    "%d to %d characters on the first line"), what, cap,
		    RS_PASSWORD_MIN_CHARS, RS_PASSWORD_MAX_CHARS);
	if (n == -3)
		return rs_err(&r->err, RS_ERR_CANCELLED, "%s",
		    rs_err_description(RS_ERR_CANCELLED));
	if (n <= 0)
		return rs_err(&r->err, RS_ERR_IO,
		    _("%s: no password on the first line"), what);
	pw->len = (size_t)n;
	pw->text[n] = '\0';
	return RS_OK;
}

/* Warned, not refused: the admin may have reasons, but should know. */
static void warn_if_readable(const char *path, const struct stat *st)
{
	if (S_ISREG(st->st_mode) && (st->st_mode & (S_IRGRP | S_IROTH)))
		fprintf(stderr, _("%s: warning: the password file %s can be "
		    "read by other users (mode %04o); make it private with "
		    "chmod 600 %s\n"), PROG, path,
		    (unsigned)(st->st_mode & 07777), path);
}

/* stat first: open() of a device could have effects and of a FIFO blocks
 * for a writer, which is wanted; fstat then checks what was opened. */
static int password_from_file(struct run *r, const char *path, size_t cap,
    rs_password *pw)
{
	struct stat st;
	int fd, rc;

	if (stat(path, &st) != 0)
		return rs_err(&r->err, errno == ENOENT ? RS_ERR_NOT_FOUND :
		    RS_ERR_IO, _("cannot open %s: %s"), path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
	    !S_ISCHR(st.st_mode))
		return refuse_source_type(r, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rs_err(&r->err, errno == ENOENT ? RS_ERR_NOT_FOUND :
		    RS_ERR_IO, _("cannot open %s: %s"), path, strerror(errno));
	if (fstat(fd, &st) == 0)
		warn_if_readable(path, &st);
	rc = password_from_fd(r, fd, path, cap, pw);
	close(fd);
	return rc;
}

static int password_from_source(struct run *r, bool new_backup,
    rs_password *pw)
{
	const struct cli *c = r->cli;
	size_t cap = password_cap(new_backup);
	char what[64];

	if (c->password_file != NULL)
		return password_from_file(r, c->password_file, cap, pw);
	snprintf(what, sizeof what, _("descriptor %d"), c->password_fd);
	if (fcntl(c->password_fd, F_GETFD) < 0)
		return rs_err(&r->err, RS_ERR_USAGE,
		    _("--password-fd %d: not an open descriptor"),
		    c->password_fd);
	return password_from_fd(r, c->password_fd, what, cap, pw);
}

static bool password_source_given(const struct cli *c)
{
	return c->password_file != NULL || c->password_fd >= 0;
}

/* The core checks and explains (one sentence per broken rule, in r->err);
 * on the terminal the same lines, indented.  True when the password
 * passes. */
static bool policy_report(struct run *r, const rs_password *pw, bool to_tty)
{
	char lines[RS_ERROR_MESSAGE_MAX];
	rs_policy_result res;

	rs_err_clear(&r->err);
	if (rs_op_password_check(r->ctx, pw->text, pw->len, &res, &r->err) ==
	    RS_OK)
		return true;
	if (to_tty) {
		rs_policy_explain(&res, "  ", lines, sizeof lines);
		tty_print("%s\n", lines);
	}
	return false;
}

static int no_terminal(struct run *r)
{
	return rs_err(&r->err, RS_ERR_USAGE,
	    _("no terminal to ask for the password: use --password-file FILE "
	    "or --password-fd N"));
}

/* A new backup password: policy checked, asked twice, up to 3 tries. */
static int password_new_tty(struct run *r, rs_password *pw)
{
	rs_password again;
	int tries, rc = RS_ERR_POLICY;

	if (rs_password_init(&again) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	for (tries = 0; tries < PASSWORD_TRIES; tries++) {
		rc = tty_read_secret(_("New password for the key backup: "), pw);
		if (rc != RS_OK)
			break;
		if (!policy_report(r, pw, true)) {
			rc = RS_ERR_POLICY;
			continue;
		}
		rc = tty_read_secret(_("Type the password again: "), &again);
		if (rc != RS_OK)
			break;
		if (again.len == pw->len &&
		    memcmp(again.text, pw->text, pw->len) == 0)
			break;
		tty_print("  %s\n", _("The passwords do not match."));
		rs_err_clear(&r->err);
		rc = rs_err(&r->err, RS_ERR_POLICY,
		    _("The passwords do not match."));
	}
	rs_password_free(&again);
	if (rc == RS_OK)
		rs_err_clear(&r->err);
	else if (r->err.message[0] == '\0')
		rs_err(&r->err, rc, "%s", rs_err_description(rc));
	return rc;
}

int password_get(struct run *r, bool new_backup, rs_password *pw)
{
	int rc;

	if (password_source_given(r->cli)) {
		rc = password_from_source(r, new_backup, pw);
		if (rc == RS_OK && new_backup && !policy_report(r, pw, false))
			rc = RS_ERR_POLICY;
		return rc;
	}
	if (tty_get() < 0)
		return no_terminal(r);
	if (new_backup)
		return password_new_tty(r, pw);
	rc = tty_read_secret(_("Password of the backup file: "), pw);
	if (rc != RS_OK)
		return rs_err(&r->err, rc, "%s", rs_err_description(rc));
	return RS_OK;
}
