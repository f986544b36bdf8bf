/* SPDX-License-Identifier: ISC */
/* notify.c: telling systemd how the service is (Type=notify).
 *
 * The protocol is small and documented as stable (sd_notify(3), "Notify
 * socket" in systemd's interface portability promise): one datagram of
 * newline-separated KEY=value assignments to the AF_UNIX SOCK_DGRAM socket
 * named in $NOTIFY_SOCKET, a path, or an abstract name when it starts with
 * '@'.  Written out here so that rsserverd needs no libsystemd.  Failures
 * are ignored, as sd_notify's callers do: the service works without. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "rsserverd.h"

#define STATUS_MAX 512

static struct sockaddr_un target;
static socklen_t target_len;       /* 0: not run by systemd */
static double watchdog_interval;   /* seconds, 0: no watchdog */

static void socket_from_env(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	size_t len;

	if (name == NULL || (name[0] != '/' && name[0] != '@'))
		return;   /* unset, or a kind (vsock:) this daemon never meets */
	len = strlen(name);
	if (len >= sizeof target.sun_path)
		return;
	memset(&target, 0, sizeof target);
	target.sun_family = AF_UNIX;
	memcpy(target.sun_path, name, len);
	if (name[0] == '@')
		target.sun_path[0] = '\0';   /* abstract: no trailing NUL */
	target_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (name[0] == '/'));
}

/* $WATCHDOG_PID, when set, says which process is watched. */
static void watchdog_from_env(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	if (usec == NULL || *usec == '\0')
		return;
	if (pid != NULL && *pid != '\0' &&
	    strtol(pid, NULL, 10) != (long)getpid())
		return;
	v = strtoull(usec, &end, 10);
	if (*end == '\0' && v > 0)
		watchdog_interval = (double)v / 2e6;
}

/* Read once, before the identity changes; the variables are not passed on
 * to anything this process might start. */
void notify_init(void)
{
	socket_from_env();
	watchdog_from_env();
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void notify_send(const char *message)
{
	int fd;

	if (target_len == 0)
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, message, strlen(message), MSG_NOSIGNAL,
	    (const struct sockaddr *)&target, target_len);
	close(fd);
}

/* STATUS= ends at the line break: control characters are written as
 * \xNN, so a reason read from a file cannot add an assignment. */
static void status_escape(const char *text, char *out, size_t size)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p && o + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

static void send_with_status(const char *head, const char *status)
{
	char escaped[STATUS_MAX], message[STATUS_MAX + 64];

	status_escape(status, escaped, sizeof escaped);
	snprintf(message, sizeof message, "%sSTATUS=%s", head, escaped);
	notify_send(message);
}

void notify_ready(const char *status)
{
	send_with_status("READY=1\n", status);
}

void notify_status(const char *status)
{
	send_with_status("", status);
}

/* systemd 253 and later want the time of the reload request with it
 * (Type=notify-reload); older ones ignore the extra assignment. */
void notify_reloading(void)
{
	char message[96];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(message, sizeof message, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify_send(message);
}

void notify_stopping(void)
{
	notify_send("STOPPING=1");
}

double notify_watchdog_interval(void)
{
	return target_len > 0 ? watchdog_interval : 0;
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
