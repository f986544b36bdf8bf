/* SPDX-License-Identifier: ISC */
/* fuzz_request.c: libFuzzer target for rsserverd's request parser
 * (rs_service_request_read, what any client of the socket sends), and the
 * answer it writes back.  The input is a client's bytes, cut to the
 * daemon's buffer (1023 bytes).  A test-datasource name must be a
 * non-empty part of the request, without a line break. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service.h"

#define REQUEST_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[REQUEST_MAX], *out = NULL;
	size_t len = size < sizeof buf - 1 ? size : sizeof buf - 1, out_len = 0;
	const char *arg = NULL;
	enum rs_service_request_kind kind;
	FILE *f;

	memcpy(buf, data, len);
	kind = rs_service_request_read(buf, len, &arg);
	if (kind == RS_REQUEST_TEST_DATASOURCE &&
	    (arg == NULL || arg < buf || arg >= buf + len || *arg == '\0' ||
	    strpbrk(arg, "\r\n") != NULL))
		abort();
	if (kind != RS_REQUEST_TEST_DATASOURCE && arg != NULL)
		abort();
	f = open_memstream(&out, &out_len);
	if (f == NULL)
		abort();
	if (kind == RS_REQUEST_TEST_DATASOURCE)
		rs_service_answer_write(f, arg);
	else if (kind == RS_REQUEST_UNKNOWN)
		rs_service_unknown_write(f);
	fclose(f);
	/* One answer line: what the client sent cannot add lines. */
	if (out_len > 0 && memchr(out, '\n', out_len) != out + out_len - 1)
		abort();
	free(out);
	return 0;
}
