/* SPDX-License-Identifier: ISC */
/* out.c: a command's outcome: text or one JSON object on standard output,
 * errors with the program's prefix on standard error, the exit status. */
#include <config.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rskeymgmt.h"

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json_mode)
		return;
	va_start(ap, fmt);
	vfprintf(o->text, fmt, ap);
	va_end(ap);
}

int out_init(struct out *o, bool json_mode)
{
	memset(o, 0, sizeof *o);
	o->json_mode = json_mode;
	o->need_comma[0] = true;   /* after "command" and "ok" */
	o->text = membuf_open(&o->text_buf, &o->text_len);
	o->json = membuf_open(&o->json_buf, &o->json_len);
	return o->text != NULL && o->json != NULL ? 0 : -1;
}

void out_free(struct out *o)
{
	if (o->text != NULL)
		fclose(o->text);
	if (o->json != NULL)
		fclose(o->json);
	free(o->text_buf);
	free(o->json_buf);
}

void local_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
}

/* Each line of a message gets the program's prefix (policy failures give
 * one line per broken rule). */
void error_print(const char *message)
{
	const char *p = message, *nl;
	char safe[RS_TEXT_SAFE_SIZE(RS_ERROR_MESSAGE_MAX)];

	do {
		nl = strchr(p, '\n');
		/* A name inside the message reaches the terminal escaped. */
		rs_text_escape(p, nl ? (size_t)(nl - p) : strlen(p), safe,
		    sizeof safe, false);
		fprintf(stderr, "%s: %s\n", PROG, safe);
		p = nl ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

/* The text output with every control character but line ends and tabs
 * escaped: the last guard for a name a command printed raw. */
static void text_write(const char *buf, size_t len)
{
	char safe[RS_TEXT_SAFE_SIZE(1024)];
	size_t step;

	while (len > 0) {
		step = len < 1024 ? len : 1024;
		/* Never split a UTF-8 sequence between two chunks. */
		while (step < len && step > 1020 &&
		    ((unsigned char)buf[step] & 0xc0) == 0x80)
			step--;
		fputs(rs_text_escape(buf, step, safe, sizeof safe, true), stdout);
		buf += step;
		len -= step;
	}
}

void out_show(struct out *o)
{
	if (o->json_mode)
		return;
	fflush(o->text);
	if (o->text_len > o->text_shown)
		text_write(o->text_buf + o->text_shown, o->text_len - o->text_shown);
	o->text_shown = o->text_len;
	fflush(stdout);
}

/* A name or field for human output (a line of its own never). */
const char *out_safe(const char *s)
{
	static char ring[8][RS_TEXT_SAFE_SIZE(256)];
	static unsigned next;
	char *out = ring[next++ % 8];

	return rs_text_safe(s, out, sizeof ring[0]);
}

static const char *error_message(int code, const rs_error *err)
{
	return err->message[0] != '\0' ? err->message : rs_err_description(code);
}

void json_result(const char *command, int code, const rs_error *err,
    const struct out *o)
{
	fputs("{\"command\":", stdout);
	if (command != NULL)
		json_string(stdout, command);
	else
		fputs("null", stdout);
	printf(",\"ok\":%s", code == RS_OK ? "true" : "false");
	if (code != RS_OK) {
		fputs(",\"error\":", stdout);
		json_string(stdout, rs_err_name(code));
		fputs(",\"message\":", stdout);
		json_string(stdout, error_message(code, err));
	}
	if (o != NULL && o->json_len > 0)
		fwrite(o->json_buf, 1, o->json_len, stdout);
	fputs("}\n", stdout);
}

/* Prints what the command produced, then the error if any; returns the
 * exit status. */
int run_finish(struct run *r, int code)
{
	struct out *o = &r->out;

	fflush(o->text);
	fflush(o->json);
	if (r->cli->json)
		json_result(r->cli->cmd->name, code, &r->err, o);
	else if (o->text_len > o->text_shown)
		text_write(o->text_buf + o->text_shown,
		    o->text_len - o->text_shown);
	fflush(stdout);
	if (code != RS_OK)
		error_print(error_message(code, &r->err));
	return rs_err_exit_status(code);
}
