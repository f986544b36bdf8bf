/* SPDX-License-Identifier: ISC */
/* fuzz_answer.c: libFuzzer target for the core's parser of the service's
 * "status" answer (rs_service_status_parse): root's rskeymgmt reads what
 * a daemon running as the service account says.  The input is the answer
 * as rs_service_request reads it (at most RS_SERVICE_ANSWER_MAX - 1
 * bytes, ending at the first NUL).  What is parsed, written back in the
 * wire format and parsed again gives the same fields. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service.h"

static void parse(char *text, rs_service_status *st)
{
	memset(st, 0, sizeof *st);
	rs_service_status_parse(text, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char answer[RS_SERVICE_ANSWER_MAX], again[RS_SERVICE_ANSWER_MAX * 4];
	size_t len = size < sizeof answer - 1 ? size : sizeof answer - 1;
	rs_service_status a, b;
	FILE *f;

	memcpy(answer, data, len);
	answer[len] = '\0';
	parse(answer, &a);
	if (a.pid < 0 || a.heartbeat < 0 ||
	    memchr(a.state, '\0', sizeof a.state) == NULL ||
	    memchr(a.reason, '\0', sizeof a.reason) == NULL ||
	    memchr(a.account, '\0', sizeof a.account) == NULL ||
	    memchr(a.kcv, '\0', sizeof a.kcv) == NULL ||
	    memchr(a.activation, '\0', sizeof a.activation) == NULL)
		abort();
	f = fmemopen(again, sizeof again, "w");
	if (f == NULL)
		abort();
	rs_service_status_write(f, &a);
	fputc('\0', f);
	fclose(f);
	parse(again, &b);
	if (a.pid != b.pid || a.generation != b.generation ||
	    a.since != b.since || a.heartbeat != b.heartbeat ||
	    strcmp(a.state, b.state) != 0 || strcmp(a.reason, b.reason) != 0 ||
	    strcmp(a.kcv, b.kcv) != 0 || strcmp(a.account, b.account) != 0 ||
	    strcmp(a.activation, b.activation) != 0)
		abort();
	return 0;
}
