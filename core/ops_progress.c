/* SPDX-License-Identifier: ISC */
/* ops_progress.c: the time-left estimate both faces show for a long
 * operation, from the rate so far. */
#include <config.h>

#include "ops.h"
#include <stdio.h>
#include <time.h>

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void rs_progress_clock_start(rs_progress_clock *c)
{
	c->start_ns = now_ns();
}

double rs_progress_elapsed(const rs_progress_clock *c)
{
	return (double)(now_ns() - c->start_ns) / 1e9;
}

/* Half a second of work is too little to extrapolate from. */
int64_t rs_progress_seconds_left(const rs_progress_clock *c, uint64_t done,
    uint64_t total)
{
	double elapsed = rs_progress_elapsed(c);

	if (done >= total)
		return 0;
	if (done == 0 || elapsed < 0.5)
		return -1;
	return (int64_t)(elapsed * (double)(total - done) / (double)done + 0.5);
}

void rs_progress_time_left(const rs_progress_clock *c, uint64_t done,
    uint64_t total, const char *unknown, char *out, size_t size)
{
	int64_t left = rs_progress_seconds_left(c, done, total);

	if (left < 0)
		snprintf(out, size, "%s", unknown);
	else
		snprintf(out, size, "%lld:%02lld", (long long)(left / 60),
		    (long long)(left % 60));
}
