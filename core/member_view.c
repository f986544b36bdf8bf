/* SPDX-License-Identifier: ISC */
/* member_view.c: a member's service state from its heartbeat row
 * (fuzzed by tests/fuzz/fuzz_heartbeat.c). */
#include <config.h>

#include <string.h>
#include "member_view.h"
#include "service.h"   /* RS_SERVICE_STALE_INTERVALS */

/* Seen within RS_SERVICE_STALE_INTERVALS intervals of now.  A planted row
 * may hold any int64 (INT64_MIN, a huge interval): no arithmetic here may
 * overflow.  A time in the future counts as fresh, as before. */
static bool fresh(int64_t last_seen, int64_t interval, int64_t now)
{
	uint64_t window;

	if (interval <= 0)
		interval = 1;
	window = (uint64_t)interval > UINT64_MAX / RS_SERVICE_STALE_INTERVALS
	    ? UINT64_MAX : (uint64_t)interval * RS_SERVICE_STALE_INTERVALS;
	if (last_seen >= now)
		return true;
	/* now > last_seen: the difference fits in uint64_t. */
	return (uint64_t)now - (uint64_t)last_seen <= window;
}

void rs_member_view_annotate(rs_member_view *v, const rs_heartbeat *hb,
    int64_t now, uint32_t generation)
{
	bool up = strcmp(hb->state, "stopped") != 0;
	bool activated = strcmp(hb->state, "activated") == 0;

	v->last_seen = hb->last_seen;
	v->service_pid = hb->pid;
	v->running = up && fresh(hb->last_seen, hb->interval, now);
	v->stale = up && !v->running;
	v->service_generation = hb->key_generation > 0 &&
	    hb->key_generation <= UINT32_MAX ? (uint32_t)hb->key_generation : 0;
	v->service_old_key = v->running && activated &&
	    v->service_generation != 0 && v->service_generation != generation;
	v->service_activated = v->running && activated && !v->service_old_key;
}
