/* SPDX-License-Identifier: ISC */
/* password.c: the password of a backup, from --password-file,
 * --password-fd or the terminal; a new one is checked against the policy
 * (one line per broken rule) and asked twice. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "rskeymgmt.h"

#define PASSWORD_TRIES 3

static int password_from_fd(struct run *r, int fd, const char *what,
    rs_password *pw)
{
	ssize_t n = fd_read_line(fd, pw->text, RS_PASSWORD_MAX);

	if (n == -2)
		return rs_err(&r->err, RS_ERR_POLICY,
		    _("%s: the password is longer than %d bytes"), what,
		    RS_PASSWORD_MAX);
	if (n <= 0)
		return rs_err(&r->err, RS_ERR_IO,
		    _("%s: no password on the first line"), what);
	pw->len = (size_t)n;
	pw->text[n] = '\0';
	return RS_OK;
}

static int password_from_source(struct run *r, rs_password *pw)
{
	const struct cli *c = r->cli;
	char what[64];
	int fd, rc;

	if (c->password_file == NULL) {
		snprintf(what, sizeof what, _("descriptor %d"), c->password_fd);
		if (fcntl(c->password_fd, F_GETFD) < 0)
			return rs_err(&r->err, RS_ERR_USAGE,
			    _("--password-fd %d: not an open descriptor"),
			    c->password_fd);
		return password_from_fd(r, c->password_fd, what, pw);
	}
	fd = open(c->password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rs_err(&r->err, errno == ENOENT ? RS_ERR_NOT_FOUND :
		    RS_ERR_IO, _("cannot open %s: %s"), c->password_file,
		    strerror(errno));
	rc = password_from_fd(r, fd, c->password_file, pw);
	close(fd);
	return rc;
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
		rc = password_from_source(r, pw);
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
