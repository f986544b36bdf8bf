/* SPDX-License-Identifier: ISC */
/* log.c: every line goes to one place.
 *
 * journald reads standard error of a service and adds the time, the PID
 * and the unit itself; a "<N>" prefix (sd-daemon(3)) carries the priority.
 * Writing there and to syslog as well would put every line in the journal
 * twice, so under journald syslog is never opened.  Elsewhere (a terminal,
 * a test, --log-file) a line carries its own time and PID, and syslog gets
 * a copy as before. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "rsserverd.h"

static bool to_journal;
static bool syslog_opened;

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it is
 * inherited by children whose standard error went elsewhere, so it counts
 * only when it still names our standard error. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	char tail;

	if (env == NULL || sscanf(env, "%ju:%ju%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_init(void)
{
	to_journal = stderr_is_journal();
}

int log_file_open(const char *path, rs_error *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0640);

	if (fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the log %s: %s"),
		    path, strerror(errno));
	fflush(stdout);
	fflush(stderr);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_init();
	return RS_OK;
}

static void log_plain(int prio, const char *event, const char *text)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	fprintf(stderr, "%s %s[%ld]: %s: %s\n", when, PROG, (long)getpid(),
	    event, text);
	fflush(stderr);
	if (!syslog_opened) {
		openlog(PROG, LOG_PID, LOG_DAEMON);
		syslog_opened = true;
	}
	syslog(prio, "%s: %s", event, text);
}

/* Names, paths and messages come from the config, the database and
 * clients: a control byte (below 0x20, or 0x7f) is written as \xNN, so a
 * line break cannot start a forged line and an escape sequence never
 * reaches a terminal.  (A small one here: the core has no such helper
 * yet.) */
static void escape_controls(const char *in, char *out, size_t size)
{
	size_t used = 0;
	unsigned char c;

	for (; *in != '\0' && used + 5 < size; in++) {
		c = (unsigned char)*in;
		if (c < 0x20 || c == 0x7f)
			used += (size_t)snprintf(out + used, size - used,
			    "\\x%02x", c);
		else
			out[used++] = (char)c;
	}
	out[used] = '\0';
}

void log_event(int prio, const char *event, const char *fmt, ...)
{
	char raw[RS_ERROR_MESSAGE_MAX + 256];
	char text[sizeof raw * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* One event, one line, and nothing but text. */
	escape_controls(raw, text, sizeof text);
	if (!to_journal) {
		log_plain(prio, event, text);
		return;
	}
	fprintf(stderr, "<%d>%s: %s\n", LOG_PRI(prio), event, text);
	fflush(stderr);
}
