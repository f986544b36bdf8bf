/* SPDX-License-Identifier: ISC */
/* lock.c: one admin at a time, through flock() on a small file.
 *
 * flock() rather than fcntl() locks: an fcntl lock is dropped when any
 * descriptor of the file is closed in the process (SQLite opens files too),
 * an flock lock lives as long as our open file description.  The kernel
 * drops it when the holder dies, so there is never a stale lock to clean:
 * the file's content only tells the next admin who holds it. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "i18n.h"
#include "lock.h"
#include "users.h"

#define RECORD_MAX 512

/* The record is one line; a newline in an operation name would split it. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int write_record(int fd, const char *operation)
{
	char user[128], line[RECORD_MAX];
	int n;

	rs_user_name(geteuid(), user, sizeof user, RS_USER_RECORD);
	sanitize(user);
	n = snprintf(line, sizeof line, "%s %ld %" PRId64 " %s\n", user,
	    (long)getpid(), (int64_t)time(NULL),
	    operation && *operation ? operation : "-");
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	line[n - 1] = '\0';
	sanitize(line);
	line[n - 1] = '\n';
	if (ftruncate(fd, 0) != 0)
		return -1;
	return pwrite(fd, line, (size_t)n, 0) == n ? 0 : -1;
}

struct holder {
	char user[128];
	long pid;
	int64_t since;
	char operation[RECORD_MAX];
};

static int parse_record(const char *text, struct holder *h)
{
	int used = 0;

	if (sscanf(text, "%127s %ld %" SCNd64 " %n", h->user, &h->pid, &h->since,
	    &used) < 3 || used == 0)
		return -1;
	snprintf(h->operation, sizeof h->operation, "%s", text + used);
	h->operation[strcspn(h->operation, "\n")] = '\0';
	return 0;
}

/* The holder writes its record just after it gets the lock: if we read in
 * that instant the file is empty, so look again for a moment. */
static int read_holder(int fd, struct holder *h)
{
	char text[RECORD_MAX];
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	ssize_t n;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		n = pread(fd, text, sizeof text - 1, 0);
		if (n > 0) {
			text[n] = '\0';
			if (parse_record(text, h) == 0)
				return 0;
		}
		nanosleep(&pause, NULL);
	}
	return -1;
}

static int busy_error(int fd, rs_error *err)
{
	struct holder h;
	struct tm tm;
	time_t t;
	char when[32];

	if (read_holder(fd, &h) != 0)
		return rs_err(err, RS_ERR_BUSY,
		    _("The key store is in use by another process. Wait for it "
		    "to finish, or try again later."));
	t = (time_t)h.since;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof when, "%" PRId64, h.since);
	return rs_err(err, RS_ERR_BUSY,
	    _("The key store is in use by %s (pid %ld) since %s (%s). Wait for "
	    "it to finish, or try again later."), h.user, h.pid, when,
	    h.operation);
}

static bool lock_file_ours(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1
	    && st.st_uid == geteuid();
}

static int take(int fd)
{
	int rc;

	do
		rc = flock(fd, LOCK_EX | LOCK_NB);
	while (rc != 0 && errno == EINTR);
	return rc;
}

int rs_lock_acquire(rs_lock *lock, const char *path, const char *operation,
    rs_error *err)
{
	int fd, rc;

	if (lock->fd >= 0)
		return rs_err(err, RS_ERR_INTERNAL,
		    _("the lock %s is already held by this process"), path);
	/* The lock sits beside the database, in a folder the service account
	 * may write: never follow a link, never block on a FIFO, and never
	 * truncate a file someone else put there (a hard link to another
	 * file would be emptied). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
	    | O_NOCTTY, 0640);
	if (fd < 0)
		return rs_err(err, errno == ELOOP || errno == ENXIO
		    ? RS_ERR_PERMISSION : RS_ERR_IO,
		    _("cannot open the lock file %s: %s"), path, strerror(errno));
	if (!lock_file_ours(fd)) {
		close(fd);
		return rs_err(err, RS_ERR_PERMISSION, _("the lock file %s is not a "
		    "file this account made (another owner, another kind of file "
		    "or a hard link); fix with: rm %s"), path, path);
	}
	if (take(fd) != 0) {
		if (errno == EWOULDBLOCK)
			rc = busy_error(fd, err);
		else
			rc = rs_err(err, RS_ERR_IO, _("cannot lock %s: %s"), path,
			    strerror(errno));
		close(fd);
		return rc;
	}
	if (write_record(fd, operation) != 0) {
		rc = rs_err(err, RS_ERR_IO, _("cannot write the lock file %s: %s"),
		    path, strerror(errno));
		close(fd);
		return rc;
	}
	lock->fd = fd;
	return RS_OK;
}

void rs_lock_release(rs_lock *lock)
{
	if (lock == NULL || lock->fd < 0)
		return;
	/* Emptied, not removed: unlinking a lock file lets a waiter lock the
	 * old inode while a newcomer locks a new one. */
	if (ftruncate(lock->fd, 0) != 0) {
		/* only the holder's name stays behind; the lock goes anyway */
	}
	(void)flock(lock->fd, LOCK_UN);
	close(lock->fd);
	lock->fd = -1;
}
