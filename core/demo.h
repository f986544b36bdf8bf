/* demo.h: a ready demo deployment without root, for rsdemo and the tests.
 *
 * DIR/reportserver.db, DIR/audit next to it, and for each member i (1..K)
 * DIR/memberI/rsreportserver.conf and DIR/memberI/keys (0700).  Members 1..K-1
 * are initialized and joined; member K is waiting to join.  N sample values
 * are sealed: data sources (connection string, stored credentials) and
 * subscriptions (delivery settings). */
#ifndef RS_DEMO_H
#define RS_DEMO_H

#include <limits.h>
#include <stdint.h>
#include "err.h"
#include "ops.h"

typedef struct rs_demo_options {
	uint64_t values;      /* default 1000 */
	unsigned members;     /* default 2, at least 1 */
	rs_progress_fn progress;
	void *progress_arg;
	/* NULL: SQLite in DIR.  Else a libpq connection string (no password)
	 * of an empty database: members' configs point at it. */
	const char *postgres;
} rs_demo_options;

typedef struct rs_demo_result {
	char config_path[PATH_MAX];         /* member 1 */
	char waiting_config_path[PATH_MAX]; /* member K, or "" when K == 1 */
	uint64_t values;
	unsigned members;
} rs_demo_result;

/* DIR must not exist or be empty. */
int rs_demo_create(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err);

#endif
