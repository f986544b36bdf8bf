/* SPDX-License-Identifier: ISC */
/* err.h: one error type every core call fills, and the exit status each
 * error code maps to.  The core never prints or exits: it returns a code and
 * leaves a sentence in rs_error.message that says what went wrong and what to
 * do about it. */
#ifndef RS_ERR_H
#define RS_ERR_H

#include "i18n.h"

/* code, exit status, stable name (used in --json), description (--help) */
#define RS_ERROR_LIST(X) \
	X(RS_OK,                  0, "ok",              N_("success")) \
	X(RS_ERR_FAILED,          1, "failed",          N_("the operation failed (see the message)")) \
	X(RS_ERR_USAGE,           2, "usage",           N_("bad command line")) \
	X(RS_ERR_POLICY,          3, "password-policy", N_("the password does not meet the strong-password policy")) \
	X(RS_ERR_BAD_PASSWORD,    4, "wrong-password",  N_("wrong password for the backup file")) \
	X(RS_ERR_KEY_MISMATCH,    5, "different-key",   N_("the backup holds a different key than the database uses")) \
	X(RS_ERR_BUSY,            6, "busy",            N_("another key operation is running")) \
	X(RS_ERR_NOT_ACTIVATED,   7, "not-activated",   N_("this instance cannot use the key (RSReportServerNotActivated)")) \
	X(RS_ERR_CONFIG,          8, "config",          N_("the instance configuration is wrong or missing")) \
	X(RS_ERR_PERMISSION,      9, "permission",      N_("a file or folder has unsafe or wrong permissions or owner")) \
	X(RS_ERR_CANCELLED,      10, "cancelled",       N_("cancelled; nothing was changed")) \
	X(RS_ERR_BACKUP_REQUIRED,11, "backup-required", N_("a key backup is required first")) \
	X(RS_ERR_NOT_FOUND,      12, "not-found",       N_("no such member, file or key")) \
	X(RS_ERR_EXISTS,         13, "exists",          N_("the file already exists (use --overwrite)")) \
	X(RS_ERR_BAD_FILE,       14, "bad-backup-file", N_("the backup file is damaged, altered or not a key backup")) \
	X(RS_ERR_DATABASE,       15, "database",        N_("the report server database cannot be used")) \
	X(RS_ERR_IO,             16, "io",              N_("a file could not be read or written")) \
	X(RS_ERR_CRYPTO,         17, "crypto",          N_("a cryptographic operation failed")) \
	X(RS_ERR_STATE,          18, "state",           N_("the operation does not apply in the current state")) \
	X(RS_ERR_INTERNAL,       70, "internal",        N_("internal error"))

enum rs_error_code {
#define RS_ERROR_ENUM(code, status, name, desc) code,
	RS_ERROR_LIST(RS_ERROR_ENUM)
#undef RS_ERROR_ENUM
	RS_ERROR_CODE_COUNT
};

#define RS_ERROR_MESSAGE_MAX 1024

typedef struct rs_error {
	int code;
	char message[RS_ERROR_MESSAGE_MAX];
} rs_error;

/* Fills err (may be NULL) and returns code, so callers can write
 * `return rs_err(err, RS_ERR_IO, _("cannot open %s: %s"), path, strerror(errno));`.
 * A second call does not overwrite a message already set unless code is
 * RS_OK; use rs_err_clear first to replace one. */
int rs_err(rs_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like rs_err, then appends the first OpenSSL error of the queue (and clears
 * the queue) so that the reason is not lost. */
int rs_err_ssl(rs_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rs_err_clear(rs_error *err);

const char *rs_err_name(int code);        /* "busy" */
const char *rs_err_description(int code); /* translated one-liner */
int rs_err_exit_status(int code);

/* Output that could not be written is an error (gnulib's close_stdout):
 * flushes and closes stdout; 0, or after "PROGRAM: write error: WHY" on
 * stderr the exit status of RS_ERR_IO. */
int rs_stdout_close(const char *program);
/* The same at exit: a program that would exit 0 exits with that status. */
void rs_stdout_close_at_exit(const char *program);

#endif
