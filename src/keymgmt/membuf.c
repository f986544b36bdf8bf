/* SPDX-License-Identifier: ISC */
/* membuf.c: a FILE that appends to a buffer growing by realloc, where a
 * command's text and JSON are built before they are printed. */
#include <config.h>     /* _GNU_SOURCE: fopencookie */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rskeymgmt.h"

/* A FILE appending to a buffer that grows by realloc: open_memstream
 * copies its whole buffer into a fresh one at each growth, 20% of the time
 * of --list --json over 10,000 members. */
struct membuf {
	char **buf;
	size_t *len;
	size_t cap;
};

/* Appends n bytes to *buf (len used, cap allocated, doubled from 4 KiB as
 * needed) and keeps a NUL after them.  -1 when out of memory (the buffer
 * stays as it was). */
int bytes_append(char **buf, size_t *len, size_t *cap,
    const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t grow = *cap ? *cap : 4096;
		char *grown;

		while (*len + n + 1 > grow)
			grow *= 2;
		grown = realloc(*buf, grow);
		if (grown == NULL)
			return -1;
		*buf = grown;
		*cap = grow;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static ssize_t membuf_write(void *cookie, const char *data, size_t n)
{
	struct membuf *m = cookie;

	return bytes_append(m->buf, m->len, &m->cap, data, n) == 0
	    ? (ssize_t)n : -1;
}

static int membuf_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *membuf_open(char **buf, size_t *len)
{
	static const cookie_io_functions_t io = {
		.write = membuf_write, .close = membuf_close,
	};
	struct membuf *m = calloc(1, sizeof *m);
	FILE *f;

	if (m == NULL)
		return NULL;
	m->buf = buf;
	m->len = len;
	f = fopencookie(m, "w", io);
	if (f == NULL)
		free(m);
	return f;
}
