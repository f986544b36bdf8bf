/* progress.c: long operations draw a bar with the time left on stderr
 * when it is a terminal, and print progress events with --json. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rskeymgmt.h"

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void progress_start(struct progress *p, const struct run *r,
    const char *label)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->label = label;
	p->bar = isatty(STDERR_FILENO) != 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

/* The time left as M:SS, from the pace so far; "--:--" until half a
 * second has shown a pace. */
static void progress_time_left(double elapsed, uint64_t done, uint64_t total,
    char *left, size_t size)
{
	uint64_t s;

	if (done >= total) {
		snprintf(left, size, "0:00");
		return;
	}
	if (done == 0 || elapsed < 0.5) {
		snprintf(left, size, "--:--");
		return;
	}
	s = (uint64_t)(elapsed * (double)(total - done) / (double)done + 0.5);
	snprintf(left, size, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
}

static void progress_draw(struct progress *p, uint64_t done, uint64_t total)
{
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	double elapsed = seconds_since(&p->start);
	char left[32], bar[31];
	unsigned fill = pct * 30 / 100, i;

	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	progress_time_left(elapsed, done, total, left, sizeof left);
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
	bool first = p->last.tv_sec == 0 && p->last.tv_nsec == 0;

	if (signals_interrupted())
		return 1;
	if (!first && done < total && seconds_since(&p->last) < 0.1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
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
	if (p->drawn)
		fputc('\n', stderr);
}
