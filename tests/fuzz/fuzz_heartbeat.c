/* SPDX-License-Identifier: ISC */
/* fuzz_heartbeat.c: libFuzzer target for a heartbeat row as the core reads
 * it (issue 14).  Each member's service account writes its own row, any
 * value in any column; store_sqlite.c copies the texts into fixed,
 * terminated fields and the integers as they are.  The input fills one
 * row (and "now" and the current generation); rs_member_view_annotate
 * must not overflow (UBSan: a planted INT64_MIN last_seen or a huge
 * interval did), its answer must be consistent, and the texts a listing
 * shows must come out of rs_text_safe without a control character. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "member_view.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t take_i64(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && *left > 0; i++, (*p)++, (*left)--)
		v = v << 8 | **p;
	return (int64_t)v;
}

/* A text column: up to the next NUL of the input, cut as copy_text does. */
static void take_text(char *dst, size_t dst_size, const uint8_t **p,
    size_t *left)
{
	size_t n = 0;

	while (n < *left && (*p)[n] != '\0')
		n++;
	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	n = n < *left ? n + 1 : n;
	*p += n;
	*left -= n;
}

static void shown(const char *text)
{
	char out[RS_TEXT_SAFE_SIZE(RS_ERROR_MESSAGE_MAX)];
	size_t i;

	rs_text_safe(text, out, sizeof out);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const states[] = { "activated", "not-activated",
	    "stopped" };
	rs_heartbeat hb;
	rs_member_view v;
	const uint8_t *p = data;
	size_t left = size;
	int64_t now, gen;

	memset(&hb, 0, sizeof hb);
	memset(&v, 0, sizeof v);
	now = take_i64(&p, &left);
	gen = take_i64(&p, &left);
	hb.last_seen = take_i64(&p, &left);
	hb.pid = take_i64(&p, &left);
	hb.interval = take_i64(&p, &left);
	hb.key_generation = take_i64(&p, &left);
	if (left > 0 && *p < 3) {   /* mostly a real state, else any text */
		snprintf(hb.state, sizeof hb.state, "%s", states[*p]);
		p++, left--;
	} else {
		take_text(hb.state, sizeof hb.state, &p, &left);
	}
	take_text(hb.installation_id, sizeof hb.installation_id, &p, &left);
	take_text(hb.host, sizeof hb.host, &p, &left);
	take_text(hb.version, sizeof hb.version, &p, &left);
	take_text(hb.reason, sizeof hb.reason, &p, &left);

	rs_member_view_annotate(&v, &hb, now, (uint32_t)gen);
	if (v.running && v.stale)
		abort();
	if ((v.service_activated || v.service_old_key) && !v.running)
		abort();
	if (v.service_activated && v.service_old_key)
		abort();
	if (v.service_activated && strcmp(hb.state, "activated") != 0)
		abort();
	if (strcmp(hb.state, "stopped") == 0 && (v.running || v.stale))
		abort();
	/* Seen in the last interval: running, whatever the numbers. */
	if (strcmp(hb.state, "stopped") != 0 && hb.last_seen == now
	    && !v.running)
		abort();
	shown(hb.installation_id);
	shown(hb.host);
	shown(hb.version);
	shown(hb.state);
	shown(hb.reason);
	return 0;
}
