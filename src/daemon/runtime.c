/* SPDX-License-Identifier: ISC */
/* runtime.c: the runtime folder (RUNSTATEDIR/rsconfig/NAME by default,
 * systemd's RuntimeDirectory=) and the run lock in it, which holds the pid
 * so that two copies of one instance never run and --stop knows whom to
 * signal. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rsserverd.h"

int runtime_open(struct daemon *d, rs_error *err)
{
	struct stat st;

	if (mkdir(d->paths.runtime, 0750) != 0 && errno != EEXIST)
		return rs_err(err, RS_ERR_IO, _("cannot make the runtime folder "
		    "%s: %s (start the service as root, or set runtime = FOLDER "
		    "in %s)"), d->paths.runtime, strerror(errno), d->cfg.path);
	if (stat(d->paths.runtime, &st) != 0 || !S_ISDIR(st.st_mode))
		return rs_err(err, RS_ERR_IO, _("%s is not a folder"),
		    d->paths.runtime);
	if (st.st_uid != geteuid() || (st.st_mode & S_IWOTH))
		return rs_err(err, RS_ERR_PERMISSION, _("the runtime folder %s must "
		    "belong to %s and not be writable by others"),
		    d->paths.runtime, d->account);
	return RS_OK;
}

static int lock_busy(struct daemon *d, rs_error *err)
{
	char pid[32];
	int n;

	if (errno != EWOULDBLOCK)
		return rs_err(err, RS_ERR_IO, _("cannot lock %s: %s"),
		    d->paths.lock, strerror(errno));
	n = (int)pread(d->lock_fd, pid, sizeof pid - 1, 0);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	return rs_err(err, RS_ERR_BUSY, _("the report server service of "
	    "%s\\%s is already running (pid %s)"), d->cfg.machine,
	    d->cfg.instance, pid[0] ? pid : "?");
}

int runtime_lock(struct daemon *d, rs_error *err)
{
	char pid[32];
	int n;

	d->lock_fd = open(d->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0640);
	if (d->lock_fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the run lock %s: %s"),
		    d->paths.lock, strerror(errno));
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return lock_busy(d, err);
	d->lock_held = true;
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(d->lock_fd, 0) != 0 ||
	    pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		return rs_err(err, RS_ERR_IO, _("cannot write %s: %s"),
		    d->paths.lock, strerror(errno));
	return RS_OK;
}

/* Only our own pid is cleared; the lock itself goes with close. */
void runtime_unlock(struct daemon *d)
{
	if (d->lock_held && ftruncate(d->lock_fd, 0) != 0)
		log_event(LOG_WARNING, "stopping", _("cannot clear %s"),
		    d->paths.lock);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
	d->lock_held = false;
}
