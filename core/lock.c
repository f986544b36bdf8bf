/* SPDX-License-Identifier: ISC */
/* lock.c: one admin at a time, through flock() on a small file.
 *
 * flock() rather than fcntl() locks: an fcntl lock is dropped when any
 * descriptor of the file is closed in the process (SQLite opens files too),
 * an flock lock lives as long as our open file description.  The kernel
 * drops it when the holder dies, so there is never a stale lock to clean:
 * the file's content only tells the next admin who holds it.
 *
 * Where the lock of a database lives, and why root and the service account
 * still exclude each other with two files, is in lock.h (issue 14). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

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
	/* Another account may have written it: no escapes reach a terminal. */
	sanitize(h->user);
	sanitize(h->operation);
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
	/* A folder someone else may write (a shared one, sticky): never
	 * follow a link, never block on a FIFO, and never truncate a file
	 * someone else put there (a hard link to another file would be
	 * emptied). */
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

/* ---- the admin lock of a database (lock.h) ---- */

void rs_lock_dir(char *out, size_t size)
{
	const char *env = getenv("RS_LOCK_DIR");

	if (env != NULL && env[0] == '/')
		snprintf(out, size, "%s", env);
	else
		snprintf(out, size, "%s/rsconfig/locks", RUNSTATEDIR);
}

/* DEV-INO.lock: one name for every path to one database. */
static void lock_name(const struct stat *db, char *out, size_t size)
{
	snprintf(out, size, "%ju-%ju.lock", (uintmax_t)db->st_dev,
	    (uintmax_t)db->st_ino);
}

static int root_lock_path(const char *database, struct stat *db, char *out,
    size_t size, rs_error *err)
{
	char dir[PATH_MAX], name[64];

	if (stat(database, db) != 0)
		return rs_err(err, RS_ERR_NOT_FOUND, _("cannot name the admin lock "
		    "of %s: %s"), database, strerror(errno));
	rs_lock_dir(dir, sizeof dir);
	lock_name(db, name, sizeof name);
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), dir);
	return RS_OK;
}

int rs_lock_path(const char *database, char *out, size_t size,
    rs_error *err)
{
	struct stat db;

	if (geteuid() == 0)
		return root_lock_path(database, &db, out, size, err);
	if (snprintf(out, size, "%s.lock", database) >= (int)size)
		return rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), database);
	return RS_OK;
}

/* A folder on the way to the lock folder (shown): root's, and writable by
 * nobody else; sticky helps on the way (/tmp), never for the folder
 * itself, where anyone could then make the lock file first. */
static int lock_folder_ok(const char *shown, const struct stat *st,
    bool last, rs_error *err)
{
	char owner[64];

	if (st->st_uid != 0) {
		rs_user_name(st->st_uid, owner, sizeof owner, RS_USER_RECORD);
		return rs_err(err, RS_ERR_PERMISSION, _("The folder %s belongs to "
		    "%s, who could swap root's admin locks in it. Fix with: chown "
		    "root:root %s && chmod go-w %s"), shown, owner, shown, shown);
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH))
	    && (last || !(st->st_mode & S_ISVTX)))
		return rs_err(err, RS_ERR_PERMISSION, _("The folder %s is writable "
		    "by other users (mode %03o), who could swap root's admin locks "
		    "in it. Fix with: chmod go-w %s"), shown,
		    (unsigned)(st->st_mode & 07777), shown);
	return RS_OK;
}

/* One step down the lock folder's path from the folder at: a missing
 * folder is made (the lock folder 0711: services look for root's lock by
 * name, nobody lists it), a link is followed only when root made it, and
 * never for the lock folder itself.  The open folder goes to *out. */
static int lock_folder_step(int at, const char *name, const char *shown,
    bool last, int *out, rs_error *err)
{
	mode_t mode = last ? 0711 : 0755;
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, fd, rc;
	bool made = false;
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT || (mkdirat(at, name, mode) != 0
		    && errno != EEXIST) || fstatat(at, name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			return rs_err(err, RS_ERR_IO, _("cannot make the lock folder "
			    "%s: %s"), shown, strerror(errno));
		made = true;
	}
	if (S_ISLNK(st.st_mode) && !last && st.st_uid == 0)
		flags &= ~O_NOFOLLOW;
	else if (!S_ISDIR(st.st_mode))
		return rs_err(err, RS_ERR_PERMISSION, _("%s is not a folder (a "
		    "file or a symbolic link) but root keeps its admin locks there. "
		    "Fix with: rm %s"), shown, shown);
	fd = openat(at, name, flags);
	if (fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the lock folder %s: "
		    "%s"), shown, strerror(errno));
	if (made)
		(void)fchmod(fd, mode);   /* past the umask */
	rc = fstat(fd, &st) == 0 ? lock_folder_ok(shown, &st, last, err)
	    : rs_err(err, RS_ERR_IO, _("cannot open the lock folder %s: %s"),
	    shown, strerror(errno));
	if (rc != RS_OK) {
		close(fd);
		return rc;
	}
	*out = fd;
	return RS_OK;
}

/* Opens the lock folder dir from / down, one folder at a time, so no name
 * can be swapped between the check and the use. */
static int lock_folder_open(const char *dir, int *out, rs_error *err)
{
	char name[NAME_MAX + 1], shown[PATH_MAX];
	const char *p = dir, *end;
	int fd, next = -1, rc = RS_OK;

	if (dir[0] != '/' || strlen(dir) >= sizeof shown)
		return rs_err(err, RS_ERR_CONFIG, _("the lock folder %s is not an "
		    "absolute path"), dir);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && rc == RS_OK) {
		p += strspn(p, "/");
		if (*p == '\0')
			break;
		end = p + strcspn(p, "/");
		if ((size_t)(end - p) >= sizeof name) {
			rc = rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), dir);
			break;
		}
		snprintf(name, sizeof name, "%.*s", (int)(end - p), p);
		snprintf(shown, sizeof shown, "%.*s", (int)(end - dir), dir);
		rc = lock_folder_step(fd, name, shown, end[strspn(end, "/")] == '\0',
		    &next, err);
		close(fd);
		fd = rc == RS_OK ? next : -1;
		p = end;
	}
	if (fd < 0 && rc == RS_OK)
		rc = rs_err(err, RS_ERR_IO, _("cannot open the lock folder %s: %s"),
		    dir, strerror(errno));
	if (rc == RS_OK)
		*out = fd;
	return rc;
}

/* Root's lock file, made in the lock folder: a regular file root made,
 * readable by the database's group so its service can see it is held. */
static int root_lock_open(const char *path, const struct stat *db, int *out,
    rs_error *err)
{
	char dir[PATH_MAX];
	const char *name = strrchr(path, '/') + 1;
	int dfd = -1, fd, rc;

	rs_lock_dir(dir, sizeof dir);
	rc = lock_folder_open(dir, &dfd, err);
	if (rc != RS_OK)
		return rc;
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW
	    | O_NONBLOCK | O_NOCTTY, 0640);
	close(dfd);
	if (fd < 0 && errno != ELOOP && errno != ENXIO && errno != EISDIR)
		return rs_err(err, RS_ERR_IO, _("cannot open the lock file %s: %s"),
		    path, strerror(errno));
	if (fd < 0 || !lock_file_ours(fd)) {
		if (fd >= 0)
			close(fd);
		return rs_err(err, RS_ERR_PERMISSION, _("the lock file %s is not a "
		    "file this account made (another owner, another kind of file "
		    "or a hard link); fix with: rm %s"), path, path);
	}
	if (fchown(fd, 0, db->st_gid) != 0 || fchmod(fd, 0640) != 0) {
		/* then only root sees the holder; the lock holds anyway */
	}
	*out = fd;
	return RS_OK;
}

/* DATABASE.lock as root finds it: opened read-only, never made, never
 * followed, never a FIFO; -1 when there is no such regular file. */
static int beside_open(const char *database)
{
	char path[PATH_MAX + 8];
	struct stat st;
	int fd;

	if (snprintf(path, sizeof path, "%s.lock", database) >= (int)sizeof path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
	    | O_NOCTTY);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int lock_fail(int fd, const char *path, rs_error *err)
{
	int rc = errno == EWOULDBLOCK ? busy_error(fd, err)
	    : rs_err(err, RS_ERR_IO, _("cannot lock %s: %s"), path,
	    strerror(errno));

	close(fd);
	return rc;
}

static int acquire_as_root(rs_lock *lock, const char *database,
    const char *operation, rs_error *err)
{
	char path[PATH_MAX + 64];
	struct stat db;
	int fd = -1, beside, rc;

	rc = root_lock_path(database, &db, path, sizeof path, err);
	if (rc == RS_OK)
		rc = root_lock_open(path, &db, &fd, err);
	if (rc != RS_OK)
		return rc;
	if (take(fd) != 0)
		return lock_fail(fd, path, err);
	/* A non-root admin or the service in the middle of an operation. */
	beside = beside_open(database);
	if (beside >= 0 && take(beside) != 0) {
		rc = lock_fail(beside, database, err);
		close(fd);
		return rc;
	}
	if (write_record(fd, operation) != 0) {
		rc = rs_err(err, RS_ERR_IO, _("cannot write the lock file %s: %s"),
		    path, strerror(errno));
		if (beside >= 0)
			close(beside);
		close(fd);
		return rc;
	}
	lock->fd = fd;
	lock->beside = beside;
	return RS_OK;
}

/* RS_ERR_BUSY, naming root, while root holds the database's lock.  A lock
 * root's folder keeps from us (another group) cannot be seen: then root
 * still waits for our DATABASE.lock. */
static int root_holds(const char *database, rs_error *err)
{
	char path[PATH_MAX + 64];
	struct stat db, st;
	int fd, rc = RS_OK;

	if (root_lock_path(database, &db, path, sizeof path, NULL) != RS_OK)
		return RS_OK;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
	    | O_NOCTTY);
	if (fd < 0)
		return RS_OK;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0) {
		if (flock(fd, LOCK_SH | LOCK_NB) != 0)
			rc = errno == EWOULDBLOCK ? busy_error(fd, err) : RS_OK;
		else
			(void)flock(fd, LOCK_UN);
	}
	close(fd);
	return rc;
}

int rs_lock_acquire_store(rs_lock *lock, const char *database,
    const char *operation, rs_error *err)
{
	char path[PATH_MAX + 8];
	int rc;

	if (lock->fd >= 0)
		return rs_err(err, RS_ERR_INTERNAL, _("the lock of %s is already "
		    "held by this process"), database);
	if (geteuid() == 0)
		return acquire_as_root(lock, database, operation, err);
	rc = rs_lock_path(database, path, sizeof path, err);
	/* Root's lock is looked at after ours is taken: whichever of the two
	 * comes second sees the other (root takes ours when it exists). */
	if (rc == RS_OK)
		rc = root_holds(database, err);
	if (rc == RS_OK)
		rc = rs_lock_acquire(lock, path, operation, err);
	if (rc == RS_OK && (rc = root_holds(database, err)) != RS_OK)
		rs_lock_release(lock);
	return rc;
}

void rs_lock_release(rs_lock *lock)
{
	if (lock == NULL)
		return;
	if (lock->beside >= 0) {   /* the account's file: not ours to write */
		(void)flock(lock->beside, LOCK_UN);
		close(lock->beside);
		lock->beside = -1;
	}
	if (lock->fd < 0)
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
