/* SPDX-License-Identifier: ISC */
/* first_frame.c: how long a terminal program takes to show its first
 * frame, for bench_startup.sh (issue 19).  Starts PROGRAM on a pseudo
 * terminal of 80x24 (TERM=xterm), reads what it writes until TEXT has
 * appeared, and ends the program (SIGTERM, then SIGKILL after a second).
 * With TEXT empty it waits for PROGRAM to exit (status 0) instead.
 * Prints the seconds from fork to then, and the CPU seconds (user and
 * system) the program used in all: on a loaded machine the wall time
 * also measures the other processes.  A tmux capture-pane loop would
 * measure its own polling interval more than the program.
 *
 * first_frame TEXT PROGRAM [ARG]... */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_of(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec)
	    + (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

/* Ends the program when asked to; its CPU seconds, -1 when it failed. */
static double end_child(pid_t pid, int stop)
{
	struct rusage ru;
	int i, status;

	if (stop) {
		kill(pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (wait4(pid, &status, WNOHANG, &ru) == pid)
				return cpu_of(&ru);
			usleep(10000);
		}
		kill(pid, SIGKILL);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	if (!stop && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return -1;
	return cpu_of(&ru);
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	static char buf[1 << 16];
	size_t have = 0, want;
	double start, end = 0, cpu;
	int fd;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: first_frame TEXT PROGRAM [ARG]...\n");
		return 2;
	}
	want = strlen(argv[1]);
	start = now();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("first_frame: forkpty");
		return 2;
	}
	if (pid == 0) {
		setenv("TERM", "xterm", 1);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	while (end == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;   /* EIO: the program has ended */
		have += (size_t)n;
		buf[have] = '\0';
		if (want > 0 && memmem(buf, have, argv[1], want) != NULL)
			end = now();
		else if (have > sizeof buf / 2) {
			/* Keep the tail: TEXT may straddle two reads. */
			memmove(buf, buf + have - want, want);
			have = want;
		}
	}
	if (want == 0)
		end = now();   /* the pty closed: the program has ended */
	cpu = end_child(pid, want > 0);
	close(fd);
	if (end == 0 || cpu < 0) {
		fprintf(stderr, "first_frame: %s\n", want > 0 ? "the text did not appear" : "the program failed");
		return 1;
	}
	printf("%.6f %.6f\n", end - start, cpu);
	return 0;
}
