/* SPDX-License-Identifier: ISC */
/* runtime.c: the runtime folder (RUNSTATEDIR/rsconfig/NAME by default,
 * systemd's RuntimeDirectory=) and the run lock in it, which holds the pid
 * so that two copies of one instance never run.  (Root does not trust that
 * pid: see rs_service_pid_verified.)
 *
 * The folder belongs to the service account, mode 0750, and is made by
 * rsserverd itself: started as root it never chowns a folder it did not
 * make, so that "runtime = /some/folder" cannot hand someone else's folder
 * to the account.  A symbolic link, or a folder of the wrong owner or
 * mode, is refused with what to do. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rsserverd.h"

static const char *const our_files[] = {
	"rsserverd.lock", "rsserverd.sock", "rsserverd.log",
};

static bool ours(const char *name)
{
	for (size_t i = 0; i < sizeof our_files / sizeof *our_files; i++)
		if (strcmp(name, our_files[i]) == 0)
			return true;
	return false;
}

/* The one refusal for a runtime folder rsserverd will not use. */
static int not_ours(const struct daemon *d, const struct stat *st,
    const char *account, rs_error *err)
{
	char owner[RS_NAME_MAX];

	if (S_ISLNK(st->st_mode))
		return rs_err(err, RS_ERR_PERMISSION, _("the runtime folder %s is "
		    "a symbolic link; rsserverd makes that folder itself: remove "
		    "the link (rm %s) or set runtime = FOLDER in %s"),
		    d->paths.runtime, d->paths.runtime, d->cfg.path);
	return rs_err(err, RS_ERR_PERMISSION, _("the runtime folder %s already "
	    "exists, belongs to %s and has mode %04o; rsserverd makes that "
	    "folder itself for %s (mode 0750) and never takes over one it did "
	    "not make: remove it (rm -r %s) or set runtime = FOLDER in %s"),
	    d->paths.runtime, rs_user_name(st->st_uid, owner, sizeof owner,
	    RS_USER_NUMBER),
	    (unsigned)(st->st_mode & 07777), account, d->paths.runtime,
	    d->cfg.path);
}

/* The account's own folder: a real folder, its owner, nobody else writes. */
static bool fits(const struct stat *st, uid_t uid)
{
	return S_ISDIR(st->st_mode) && st->st_uid == uid &&
	    (st->st_mode & 027) == 0;
}

/* Made as root (mode 0700, so nobody gets in before the hand-over), then
 * given to the account through its descriptor: only a folder that this
 * mkdir made, still empty and root's, is ever chowned. */
static int make_for(const struct daemon *d, const struct passwd *pw,
    rs_error *err)
{
	struct stat st;
	int fd, rc = RS_OK;

	if (mkdir(d->paths.runtime, 0700) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot make the runtime folder "
		    "%s: %s"), d->paths.runtime, strerror(errno));
	fd = open(d->paths.runtime, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || st.st_nlink != 2 ||
	    fchown(fd, pw->pw_uid, pw->pw_gid) != 0 || fchmod(fd, 0750) != 0)
		rc = rs_err(err, RS_ERR_IO, _("cannot give the runtime folder %s "
		    "to %s: %s"), d->paths.runtime, pw->pw_name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* systemd made this folder for the unit (RuntimeDirectory=, named in
 * $RUNTIME_DIRECTORY, which only root could set for a process of root):
 * it is root's and empty, and is given to the account. */
static bool made_by_systemd(const struct daemon *d, int fd)
{
	const char *env = getenv("RUNTIME_DIRECTORY");
	struct stat st;

	return env != NULL && strcmp(env, d->paths.runtime) == 0 &&
	    fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	    st.st_nlink == 2;
}

/* A folder a stopped rsserverd left (under the account before an account
 * change): only our own files in it, its lock free.  It is removed and made
 * afresh, never handed over.  true when removed. */
static bool remove_leftover(const struct daemon *d, int fd)
{
	DIR *dir = fdopendir(dup(fd));
	struct dirent *e;
	bool only_ours = dir != NULL, has_lock = false;
	int lock;

	while (only_ours && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		only_ours = ours(e->d_name);
		has_lock = has_lock || strcmp(e->d_name, our_files[0]) == 0;
	}
	if (dir != NULL)
		closedir(dir);
	if (!only_ours || !has_lock)
		return false;
	lock = openat(fd, our_files[0], O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
		if (lock >= 0)
			close(lock);
		return false;
	}
	for (size_t i = 0; i < sizeof our_files / sizeof *our_files; i++)
		(void)unlinkat(fd, our_files[i], 0);
	close(lock);
	return rmdir(d->paths.runtime) == 0;
}

int runtime_prepare_as_root(const struct daemon *d, const struct passwd *pw,
    rs_error *err)
{
	struct stat st;
	int fd, rc;

	if (lstat(d->paths.runtime, &st) != 0) {
		if (errno != ENOENT)
			return rs_err(err, RS_ERR_IO, _("cannot read %s: %s"),
			    d->paths.runtime, strerror(errno));
		return make_for(d, pw, err);
	}
	if (fits(&st, pw->pw_uid))
		return RS_OK;
	if (!S_ISDIR(st.st_mode))
		return not_ours(d, &st, pw->pw_name, err);
	fd = open(d->paths.runtime, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return not_ours(d, &st, pw->pw_name, err);
	if (made_by_systemd(d, fd)) {
		rc = fchown(fd, pw->pw_uid, pw->pw_gid) == 0 &&
		    fchmod(fd, 0750) == 0 ? RS_OK : rs_err(err, RS_ERR_IO,
		    _("cannot give the runtime folder %s to %s: %s"),
		    d->paths.runtime, pw->pw_name, strerror(errno));
	} else if (remove_leftover(d, fd)) {
		log_event(LOG_INFO, "runtime-folder", _("%s was left by a run as "
		    "another account; made afresh for %s"), d->paths.runtime,
		    pw->pw_name);
		rc = make_for(d, pw, err);
	} else {
		rc = not_ours(d, &st, pw->pw_name, err);
	}
	close(fd);
	return rc;
}

/* As the account (after the switch, or started as it): the folder is made
 * here or must be the account's own already. */
int runtime_open(struct daemon *d, rs_error *err)
{
	struct stat st;

	if (mkdir(d->paths.runtime, 0750) != 0 && errno != EEXIST)
		return rs_err(err, RS_ERR_IO, _("cannot make the runtime folder "
		    "%s: %s (start the service as root, or set runtime = FOLDER "
		    "in %s)"), d->paths.runtime, strerror(errno), d->cfg.path);
	if (lstat(d->paths.runtime, &st) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot read %s: %s"),
		    d->paths.runtime, strerror(errno));
	if (!fits(&st, geteuid()))
		return not_ours(d, &st, d->account, err);
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
