/* SPDX-License-Identifier: ISC */
/* atomic_write.c: a file written whole or not at all (see atomic_write.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_write.h"
#include "i18n.h"

int rs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool owner_ok(const rs_atomic_file *f, int fd)
{
	if (f->owner == RS_OWNER_MINE || fchown(fd, f->uid, f->gid) == 0)
		return true;
	return f->owner == RS_OWNER_TRY;
}

/* link() refuses an existing name atomically; where the file system has no
 * hard links, renameat2(RENAME_NOREPLACE) does the same. */
static int name_new(const char *tmp, const char *path)
{
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP
	    && errno != EMLINK && errno != ENOSYS)
		return -1;
#ifdef RENAME_NOREPLACE
	return renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
#else
	return -1;
#endif
}

rs_atomic_step rs_atomic_write(const rs_atomic_file *f, const void *data,
    size_t len, rs_error *err)
{
	char tmp[PATH_MAX];
	rs_atomic_step step = RS_ATOMIC_DONE;
	int fd, n, saved = 0;

	n = f->temp != NULL
	    ? snprintf(tmp, sizeof tmp, "%s/%s.XXXXXX", f->dir, f->temp)
	    : snprintf(tmp, sizeof tmp, "%s.XXXXXX", f->path);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return RS_ATOMIC_TOO_LONG;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return RS_ATOMIC_CREATE;
	if (!owner_ok(f, fd) || fchmod(fd, f->mode) != 0
	    || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		step = RS_ATOMIC_WRITE;
		saved = errno;
	}
	if (close(fd) != 0 && step == RS_ATOMIC_DONE) {
		step = RS_ATOMIC_WRITE;
		saved = errno;
	}
	if (step == RS_ATOMIC_DONE && f->verify != NULL
	    && f->verify(tmp, f->arg, err) != RS_OK)
		step = RS_ATOMIC_VERIFY;
	if (step == RS_ATOMIC_DONE && (f->replace ? rename(tmp, f->path)
	    : name_new(tmp, f->path)) != 0) {
		step = RS_ATOMIC_NAME;
		saved = errno;
	}
	if (step != RS_ATOMIC_DONE) {
		unlink(tmp);
		errno = saved;
		return step;
	}
	if (rs_fsync_dir(f->dir) != 0) {
		saved = errno;
		if (!f->replace)
			unlink(f->path);   /* ours: link() made it */
		errno = saved;
		return RS_ATOMIC_SYNC_DIR;
	}
	return RS_ATOMIC_DONE;
}
