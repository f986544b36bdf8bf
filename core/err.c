/* SPDX-License-Identifier: ISC */
/* err.c: the error type every core call fills. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include "err.h"

struct rs_error_entry {
	int exit_status;
	const char *name;
	const char *description;
};

static const struct rs_error_entry error_table[] = {
#define RS_ERROR_ROW(code, status, name, desc) { status, name, desc },
	RS_ERROR_LIST(RS_ERROR_ROW)
#undef RS_ERROR_ROW
};

static const struct rs_error_entry *entry_of(int code)
{
	if (code < 0 || code >= RS_ERROR_CODE_COUNT)
		code = RS_ERR_INTERNAL;
	return &error_table[code];
}

static int err_vset(rs_error *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	/* Keep the first, most specific message: callers up the stack
	 * may report the same failure again in more general words. */
	if (err->code != RS_OK && code != RS_OK && err->message[0] != '\0')
		return code;
	err->code = code;
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	return code;
}

int rs_err(rs_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int rs_err_ssl(rs_error *err, int code, const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	char reason[256];
	size_t used;
	va_list ap;
	bool fresh = err != NULL && (err->code == RS_OK || err->message[0] == '\0');

	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	if (fresh && e != 0) {
		ERR_error_string_n(e, reason, sizeof reason);
		used = strlen(err->message);
		snprintf(err->message + used, sizeof err->message - used,
		    " (%s)", reason);
	}
	ERR_clear_error();
	return code;
}

void rs_err_clear(rs_error *err)
{
	if (err != NULL) {
		err->code = RS_OK;
		err->message[0] = '\0';
	}
}

const char *rs_err_name(int code)
{
	return entry_of(code)->name;
}

const char *rs_err_description(int code)
{
	return _(entry_of(code)->description);
}

int rs_err_exit_status(int code)
{
	return entry_of(code)->exit_status;
}

int rs_stdout_close(const char *program)
{
	bool earlier = ferror(stdout) != 0;
	bool closing;

	errno = 0;
	closing = fclose(stdout) != 0;
	/* Nothing was written to a stdout that was never open. */
	if (!earlier && (!closing || errno == EBADF))
		return 0;
	if (earlier && !closing)
		errno = 0;
	if (errno != 0)
		fprintf(stderr, _("%s: write error: %s\n"), program,
		    strerror(errno));
	else
		fprintf(stderr, _("%s: write error\n"), program);
	return rs_err_exit_status(RS_ERR_IO);
}

static const char *at_exit_program;

static void stdout_close_at_exit(void)
{
	int status = rs_stdout_close(at_exit_program);

	if (status != 0)
		_exit(status);
}

void rs_stdout_close_at_exit(const char *program)
{
	at_exit_program = program;
	atexit(stdout_close_at_exit);
}
