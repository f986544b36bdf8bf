/* SPDX-License-Identifier: ISC */
/* fuzz_audit.c: libFuzzer target for the audit log reader (the log sits
 * where a less privileged account might have written it) and for the
 * escaping of text for human output.  The first byte picks how many
 * records are kept (0: all); the rest is the log. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "audit.h"
#include "text.h"
#include "fuzzutil.h"

static void check_field(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void check_entry(const rs_audit_entry *e)
{
	check_field(e->user, sizeof e->user);
	check_field(e->person, sizeof e->person);
	check_field(e->tty, sizeof e->tty);
	check_field(e->from, sizeof e->from);
	check_field(e->operation, sizeof e->operation);
	check_field(e->target, sizeof e->target);
	check_field(e->outcome, sizeof e->outcome);
	check_field(e->error, sizeof e->error);
	/* The bare fields hold no blank: they were split at one. */
	if (e->user[0] == '\0' || strchr(e->user, ' ') ||
	    strchr(e->operation, ' ') || e->outcome[0] == '\0')
		abort();
}

/* Escaped text has no control byte and no byte >= 0x80 that is not part
 * of valid UTF-8 (rs_text_escape's promise). */
static void check_escape(const uint8_t *data, size_t size)
{
	static char out[RS_TEXT_SAFE_SIZE(8192)];
	const unsigned char *p;

	rs_text_escape((const char *)data, size, out, sizeof out, false);
	for (p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	/* C1 controls never pass as UTF-8 (U+0080..U+009F is C2 80..9F). */
	for (p = (const unsigned char *)out; *p; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 1, 3, 100 };
	rs_audit_entry *e = NULL;
	rs_error err;
	const char *path;
	size_t n = 0, max;

	if (size == 0)
		return 0;
	max = maxes[data[0] % 4];
	check_escape(data + 1, size - 1);
	path = fuzz_file(data + 1, size - 1);
	if (path == NULL)
		abort();
	memset(&err, 0, sizeof err);
	if (rs_audit_read_from(path, max, &e, &n, &err) != RS_OK)
		abort();   /* a regular file always reads */
	if (max > 0 && n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		check_entry(&e[i]);
	free(e);
	return 0;
}
