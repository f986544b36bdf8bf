/* SPDX-License-Identifier: ISC */
/* progress.c: long operations draw a bar with the time left on stderr
 * when it is a terminal, and print progress events with --json. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "rskeymgmt.h"

void progress_start(struct progress *p, const struct run *r,
    const char *label)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->label = label;
	p->bar = isatty(STDERR_FILENO) != 0;
	rs_progress_clock_start(&p->start);
	signals_catch(true);           /* Ctrl-C cancels through the callback */
}

static void progress_draw(struct progress *p, uint64_t done, uint64_t total)
{
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	char left[32], bar[31];
	unsigned fill = pct * 30 / 100, i;

	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	rs_progress_time_left(&p->start, done, total, "--:--", left,
	    sizeof left);
	fputc('\r', stderr);
	fprintf(stderr, _("%s [%s] %" PRIu64 "/%" PRIu64 " %3u%%  %s left "),
	    p->label, bar, done, total, pct, left);
	fflush(stderr);
	p->drawn = true;
}

/* The core's progress callback; non-zero cancels (and rolls back). */
int progress_update(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	bool first = p->last.start_ns == 0;

	if (signals_interrupted())
		return 1;
	/* The time left counts from the first value, not from the set-up
	 * before it (counting 10M values took seconds: "673:17 left"). */
	if (first && done == 0)
		rs_progress_clock_start(&p->start);
	if (!first && done < total && rs_progress_elapsed(&p->last) < 0.1)
		return 0;
	rs_progress_clock_start(&p->last);
	if (p->r->cli->json) {
		printf("{\"event\":\"progress\",\"done\":%" PRIu64
		    ",\"total\":%" PRIu64 "}\n", done, total);
		fflush(stdout);
	}
	if (p->bar)
		progress_draw(p, done, total);
	return 0;
}

void progress_end(struct progress *p)
{
	signals_catch(false);
	if (p->drawn)
		fputc('\n', stderr);
}
