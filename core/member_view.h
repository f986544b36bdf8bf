/* SPDX-License-Identifier: ISC */
/* member_view.h: what a member's heartbeat row says about its service.
 * The row is written by that member's service account (any value in any
 * column): nothing here trusts it to be sane. */
#ifndef RS_MEMBER_VIEW_H
#define RS_MEMBER_VIEW_H

#include <stdint.h>
#include "ops.h"
#include "store.h"

/* Fills v's service fields from hb as seen at now (unix seconds) with the
 * current key generation.  A service on an older generation (left running
 * by a forced change) is not activated, whatever its own state says;
 * generation 0 is a service from before heartbeats carried it, taken at
 * its word. */
void rs_member_view_annotate(rs_member_view *v, const rs_heartbeat *hb,
    int64_t now, uint32_t generation);

#endif
