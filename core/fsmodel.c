/* SPDX-License-Identifier: ISC */
/* fsmodel.c: the file-ownership model (fsmodel.h), checked before every
 * operation, and the grants of a service-account change.
 *
 * The folder checks are what make later path-based opens safe: when no
 * folder on a path can be written by anyone but root (or the invoking
 * user, or the service account for the database folder), nobody else can
 * swap a name between our check and our use.  The files themselves are
 * opened without following links and checked on the descriptor. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsmodel.h"
#include "i18n.h"
#include "users.h"

#define NOBODY ((uid_t)-1)

/* A bare number for a uid without a name: the messages say "chown %s". */
static void user_name(uid_t uid, char *out, size_t size)
{
	rs_user_name(uid, out, size, RS_USER_NUMBER);
}

static void group_name(gid_t gid, char *out, size_t size)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL && gr->gr_name != NULL)
		snprintf(out, size, "%s", gr->gr_name);
	else
		snprintf(out, size, "%lu", (unsigned long)gid);
}

/* Who may own what root trusts: root, and the invoking user. */
static bool trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static void parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* Calls fn for / and each folder below it down to real (absolute, without
 * links: from realpath), each opened from the one above with O_NOFOLLOW
 * and judged on its descriptor, so the folder judged is the one walked
 * through, even if a name was swapped for a link after realpath.  A folder
 * that is gone ends the walk (not there: made by us later). */
typedef int (*folder_fn)(const char *dir, const struct stat *st, void *arg,
    rs_error *err);

static int walk_folders(const char *real, folder_fn fn, void *arg,
    rs_error *err)
{
	char pre[PATH_MAX];
	struct stat st;
	size_t len = strlen(real), i = 0, j;
	int fd, next, saved, rc = RS_OK;

	if (len >= sizeof pre)
		return rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), real);
	snprintf(pre, sizeof pre, "/");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0) {
		if (fstat(fd, &st) != 0 || (rc = fn(pre, &st, arg, err)) != RS_OK)
			break;
		while (real[i] == '/')
			i++;
		if (real[i] == '\0')
			break;
		for (j = i; real[j] != '\0' && real[j] != '/'; j++)
			;
		memcpy(pre, real, j);
		pre[j] = '\0';
		next = openat(fd, pre + i, O_PATH | O_DIRECTORY | O_NOFOLLOW
		    | O_CLOEXEC);
		saved = errno;
		close(fd);
		fd = next;
		errno = saved;
		i = j;
	}
	if (fd >= 0)
		close(fd);
	else if (rc == RS_OK && errno != ENOENT)
		rc = rs_err(err, RS_ERR_PERMISSION, _("The folder %s changed "
		    "while it was checked (it is now a symbolic link or not a "
		    "folder: %s). Look at who can write its parent."), pre,
		    strerror(errno));
	return rc;
}

/* The folder component "dir" (already resolved, no links) is safe to walk
 * through: owned by someone trusted, and not writable by group or others
 * unless sticky.  The database folder (extra_dir) belongs to a service
 * account: the one of this instance, or, when members on one machine share
 * a database, another member's.  Its owner can write the database anyway,
 * and the database is hostile input to root (every value is authenticated,
 * every member row checked); what it cannot do is plant a link or a FIFO
 * where root looks (check_file). */
static int check_folder(const char *dir, const struct stat *st,
    const char *extra_dir, const char *what, const char *path, rs_error *err)
{
	char owner[64], me[64];

	if (!trusted(st->st_uid) && !(extra_dir != NULL
	    && strcmp(dir, extra_dir) == 0)) {
		user_name(st->st_uid, owner, sizeof owner);
		user_name(geteuid(), me, sizeof me);
		return rs_err(err, RS_ERR_PERMISSION, _("The folder %s belongs to "
		    "%s, who could replace the %s %s with one of their own. Fix "
		    "with: chown %s %s"), dir, owner, what, path, me, dir);
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return rs_err(err, RS_ERR_PERMISSION, _("The folder %s is writable "
		    "by other users (mode %03o), who could replace the %s %s. Fix "
		    "with: chmod go-w %s"), dir, (unsigned)(st->st_mode & 0777),
		    what, path, dir);
	return RS_OK;
}

/* Every folder from / down to dir.  A link on the way is followed only
 * when someone trusted made it; the folders are then checked where the
 * links lead.  A folder that does not exist yet is ours to make. */
struct chain {
	const char *extra_dir, *what, *path;
};

static int chain_folder(const char *dir, const struct stat *st, void *arg,
    rs_error *err)
{
	const struct chain *c = arg;

	return check_folder(dir, st, c->extra_dir, c->what, c->path, err);
}

static int check_chain(const char *dir, const char *extra_dir,
    const char *what, const char *path, rs_error *err)
{
	char pre[PATH_MAX], real[PATH_MAX], owner[64];
	struct chain chain;
	struct stat st;
	size_t len = strlen(dir), i;

	if (len >= sizeof pre)
		return rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), dir);
	for (i = 1; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		memcpy(pre, dir, i);
		pre[i] = '\0';
		if (lstat(pre, &st) == 0 && S_ISLNK(st.st_mode)
		    && !trusted(st.st_uid)) {
			user_name(st.st_uid, owner, sizeof owner);
			return rs_err(err, RS_ERR_PERMISSION, _("%s is a symbolic "
			    "link made by %s, who could point the %s %s anywhere. "
			    "Fix with: rm %s"), pre, owner, what, path, pre);
		}
	}
	if (realpath(dir, real) == NULL)
		return RS_OK;   /* not there yet: made by us, as we check it */
	chain.extra_dir = extra_dir;
	chain.what = what;
	chain.path = path;
	return walk_folders(real, chain_folder, &chain, err);
}

/* A file root opens: never a link, a regular file when there, owned by
 * someone trusted or by extra (ANYONE: any service account, for the
 * database files, see check_folder). */
#define ANYONE ((uid_t)-2)
static int check_file(const char *path, uid_t extra, const char *what,
    rs_error *err)
{
	char owner[64], me[64], target[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) != 0)
		return RS_OK;
	if (S_ISLNK(st.st_mode)) {
		if (realpath(path, target) == NULL)
			snprintf(target, sizeof target, "TARGET");
		return rs_err(err, RS_ERR_PERMISSION, _("The %s %s is a symbolic "
		    "link; root would follow it wherever it is pointed. Put the "
		    "file itself there. Fix with: mv %s %s"), what, path, target,
		    path);
	}
	/* A folder cannot be swapped for a file in our hands; SQLite says
	 * what is wrong with it. */
	if (S_ISDIR(st.st_mode))
		return RS_OK;
	if (!S_ISREG(st.st_mode))
		return rs_err(err, RS_ERR_PERMISSION, _("The %s %s is not a "
		    "regular file. Fix with: rm %s"), what, path, path);
	if (!trusted(st.st_uid) && extra != ANYONE
	    && !(extra != NOBODY && st.st_uid == extra)) {
		user_name(st.st_uid, owner, sizeof owner);
		user_name(extra != NOBODY ? extra : geteuid(), me, sizeof me);
		return rs_err(err, RS_ERR_PERMISSION, _("The %s %s belongs to %s. "
		    "Fix with: chown %s %s"), what, path, owner, me, path);
	}
	return RS_OK;
}

/* The config's folders, once it is read (its owner and mode were checked
 * on the open file): the service account is known then, and so is the
 * one folder it may own. */
static int check_config(const rs_config *cfg, const char *extra_dir,
    rs_error *err)
{
	char dir[PATH_MAX];

	parent_of(cfg->path, dir, sizeof dir);
	return check_chain(dir, extra_dir, _("config file"), cfg->path, err);
}

int rs_fs_check_paths(const rs_config *cfg, rs_error *err)
{
	static const char *const beside[] = { "", "-wal", "-shm" };
	char dbdir[PATH_MAX], real[PATH_MAX], file[PATH_MAX + 8], dir[PATH_MAX];
	const char *extra_dir = NULL;
	int rc = RS_OK;

	if (!rs_config_is_postgresql(cfg) && cfg->database[0] != '\0') {
		parent_of(cfg->database, dbdir, sizeof dbdir);
		if (realpath(dbdir, real) != NULL)
			extra_dir = real;
	}
	if (!rs_config_is_postgresql(cfg) && cfg->database[0] != '\0') {
		rc = check_chain(dbdir, extra_dir, _("database"),
		    cfg->database, err);
		for (size_t i = 0; rc == RS_OK && i < 3; i++) {
			snprintf(file, sizeof file, "%s%s", cfg->database, beside[i]);
			rc = check_file(file, ANYONE, _("database"), err);
		}
		/* Root's admin lock is in a folder of its own (lock.h): what
		 * is at DATABASE.lock is only ever read by root, so it cannot
		 * stop root; anyone else locks it and must own it. */
		snprintf(file, sizeof file, "%s.lock", cfg->database);
		if (rc == RS_OK && geteuid() != 0)
			rc = check_file(file, NOBODY, _("admin lock"), err);
	}
	if (rc == RS_OK)
		rc = check_config(cfg, extra_dir, err);
	if (rc == RS_OK && cfg->keystore[0] != '\0') {
		parent_of(cfg->keystore, dir, sizeof dir);
		rc = check_chain(dir, extra_dir, _("key store"),
		    cfg->keystore, err);
	}
	if (rc == RS_OK && cfg->keystore[0] != '\0') {
		struct stat st;

		if (lstat(cfg->keystore, &st) == 0 && S_ISLNK(st.st_mode))
			rc = rs_err(err, RS_ERR_PERMISSION, _("The key store %s is a "
			    "symbolic link; root would follow it wherever it is "
			    "pointed. Put the folder itself there. Fix with: mv "
			    "\"$(readlink -f %s)\" %s"), cfg->keystore,
			    cfg->keystore, cfg->keystore);
	}
	return rc;
}

/* ---- the grants of an account change ---- */

static int add(rs_fs_plan *plan, const char *path, bool dir, uid_t uid,
    gid_t gid, mode_t mode)
{
	rs_fs_grant *g;

	if (plan->n >= RS_FS_GRANTS_MAX)
		return -1;
	g = &plan->g[plan->n++];
	memset(g, 0, sizeof *g);
	snprintf(g->path, sizeof g->path, "%s", path);
	g->dir = dir;
	g->uid = uid;
	g->gid = gid;
	g->mode = mode;
	return 0;
}

/* Can uid (group gid) pass through the folder, counting what the plan
 * gives it? */
static bool reachable(const rs_fs_plan *plan, const char *dir,
    const struct stat *st, uid_t uid, gid_t gid)
{
	for (int i = 0; i < plan->n; i++)
		if (strcmp(plan->g[i].path, dir) == 0)
			return (plan->g[i].uid == uid && (plan->g[i].mode & 0100))
			    || (plan->g[i].gid == gid && (plan->g[i].mode & 010))
			    || (plan->g[i].mode & 01);
	return (st->st_uid == uid && (st->st_mode & 0100))
	    || (st->st_gid == gid && (st->st_mode & 010))
	    || (st->st_mode & 01) || uid == 0;
}

/* Every folder above path must let the account through; the folder that
 * holds the config may be opened to the account's group when root (or the
 * old account) has it to itself.  A folder above that is closed is not
 * opened for it: that is the admin's choice (the fix is named). */
struct reach {
	rs_fs_plan *plan;
	const char *path, *config_dir;
	uid_t old_uid, uid;
	gid_t gid;
};

static int reach_folder(const char *dir, const struct stat *st, void *arg,
    rs_error *err)
{
	struct reach *r = arg;
	char name[64];

	if (reachable(r->plan, dir, st, r->uid, r->gid))
		return RS_OK;
	if (r->config_dir != NULL && strcmp(dir, r->config_dir) == 0
	    && (st->st_uid == 0 || st->st_uid == r->old_uid)) {
		if (add(r->plan, dir, true, st->st_uid, r->gid,
		    (st->st_mode & 0700) | 010) != 0)
			return rs_err(err, RS_ERR_INTERNAL, _("too many grants"));
		return RS_OK;
	}
	user_name(r->uid, name, sizeof name);
	return rs_err(err, RS_ERR_PERMISSION, _("%s could not reach %s: the "
	    "folder %s is closed to it (mode %03o). Nothing was changed. Fix "
	    "with: chmod o+x %s, or move the instance out of that folder."),
	    name, r->path, dir, (unsigned)(st->st_mode & 0777), dir);
}

static int plan_reach(rs_fs_plan *plan, const char *path, const char *config_dir,
    uid_t old_uid, uid_t uid, gid_t gid, rs_error *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct reach r = { plan, path, config_dir, old_uid, uid, gid };

	parent_of(path, dir, sizeof dir);
	if (realpath(dir, real) == NULL)
		return RS_OK;
	return walk_folders(real, reach_folder, &r, err);
}

int rs_fs_plan_account(const rs_config *cfg, uid_t old_uid, uid_t uid,
    gid_t gid, rs_fs_plan *plan, rs_error *err)
{
	static const char *const beside[] = { "", "-wal", "-shm" };
	char dbdir[PATH_MAX], cdir[PATH_MAX], file[PATH_MAX + 8];
	char owner[64], name[64];
	struct stat st;
	int rc = RS_OK;

	memset(plan, 0, sizeof *plan);
	user_name(uid, name, sizeof name);
	if (!rs_config_is_postgresql(cfg)) {
		if (realpath(cfg->database, file) == NULL)
			snprintf(file, sizeof file, "%s", cfg->database);
		parent_of(file, dbdir, sizeof dbdir);
		if (lstat(dbdir, &st) != 0 || !S_ISDIR(st.st_mode))
			return rs_err(err, RS_ERR_CONFIG, _("cannot use the database "
			    "folder %s: %s"), dbdir, strerror(errno));
		if (st.st_uid != uid) {
			/* Only a folder the instance already had is handed on: a
			 * shared one (/var/lib, /tmp) never is. */
			if ((st.st_uid != old_uid && st.st_uid != 0)
			    || (st.st_uid == 0 && old_uid != 0)
			    || (st.st_mode & (S_ISVTX | S_IWOTH))
			    || strcmp(dbdir, "/") == 0) {
				user_name(st.st_uid, owner, sizeof owner);
				return rs_err(err, RS_ERR_PERMISSION, _("The database "
				    "folder %s belongs to %s and is not the instance's "
				    "own, so it is not handed to %s; SQLite needs its "
				    "folder writable. Move the database into a folder "
				    "of its own and give it to the account: mkdir -m "
				    "750 DIR && chown %s: DIR"), dbdir, owner, name,
				    name);
			}
			add(plan, dbdir, true, uid, gid, st.st_mode & 07777);
		}
		/* WAL and shared memory too, when they are made later (by
		 * this process's own connection): rs_fs_apply skips absent ones. */
		mode_t dbmode = lstat(cfg->database, &st) == 0
		    ? st.st_mode & 0777 : 0640;
		for (size_t i = 0; i < 3; i++) {
			snprintf(file, sizeof file, "%s%s", cfg->database, beside[i]);
			if (lstat(file, &st) != 0)
				add(plan, file, false, uid, gid, dbmode);
			else if (S_ISREG(st.st_mode) && st.st_uid != uid)
				add(plan, file, false, uid, gid, st.st_mode & 0777);
		}
	}
	/* The config stays root's; the account reads it through its group
	 * (rs_config_save keeps owner and group, mode 0640). */
	if (lstat(cfg->path, &st) == 0 && st.st_gid != gid)
		add(plan, cfg->path, false, st.st_uid, gid, 0640);
	parent_of(cfg->path, cdir, sizeof cdir);
	rc = plan_reach(plan, cfg->path, cdir, old_uid, uid, gid, err);
	if (rc == RS_OK && !rs_config_is_postgresql(cfg))
		rc = plan_reach(plan, cfg->database, cdir, old_uid, uid, gid, err);
	if (rc == RS_OK)
		rc = plan_reach(plan, cfg->keystore, cdir, old_uid, uid, gid, err);
	return rc;
}

/* Where the runtime folder is to be made: parent (or, as root, the folder
 * above it, as rsserverd makes one missing level) must exist and let this
 * process make a folder there. */
static int runtime_parent(const rs_config *cfg, const char *runtime,
    char *parent, size_t size, rs_error *err)
{
	char above[PATH_MAX];
	const char *where = parent;
	struct stat st;
	int rc = 0;

	parent_of(runtime, parent, size);
	if (stat(parent, &st) != 0 && errno == ENOENT && geteuid() == 0) {
		parent_of(parent, above, sizeof above);
		where = above;
		rc = stat(above, &st);
	} else if (stat(parent, &st) != 0) {
		rc = -1;
	}
	if (rc == 0 && !S_ISDIR(st.st_mode)) {
		rc = -1;
		errno = ENOTDIR;
	}
	if (rc == 0 && access(where, W_OK | X_OK) != 0)
		rc = -1;
	if (rc != 0)
		return rs_err(err, RS_ERR_PERMISSION, _("The service could not "
		    "make its runtime folder %s in %s: %s. Nothing was changed. "
		    "Fix with: mkdir -p %s (as root), or set runtime = FOLDER in "
		    "%s."), runtime, where, strerror(errno), parent, cfg->path);
	return RS_OK;
}

int rs_fs_check_runtime(const rs_config *cfg, const char *runtime,
    uid_t old_uid, uid_t uid, gid_t gid, rs_fs_plan *plan, rs_error *err)
{
	char parent[PATH_MAX], cdir[PATH_MAX], owner[64], name[64];
	struct stat st;
	int rc;

	if (lstat(runtime, &st) == 0) {
		/* The old account's, left by a stopped service: rsserverd,
		 * started as root, removes it and makes it afresh. */
		if (S_ISDIR(st.st_mode) && (st.st_uid == uid
		    || (geteuid() == 0 && st.st_uid == old_uid)))
			rc = RS_OK;
		else {
			user_name(st.st_uid, owner, sizeof owner);
			user_name(uid, name, sizeof name);
			return rs_err(err, RS_ERR_PERMISSION, _("The runtime folder "
			    "%s already exists and belongs to %s; the service makes "
			    "that folder itself for %s and never takes over one it "
			    "did not make. Nothing was changed. Fix with: rm -r %s, "
			    "or set runtime = FOLDER in %s."), runtime, owner, name,
			    runtime, cfg->path);
		}
	} else {
		rc = runtime_parent(cfg, runtime, parent, sizeof parent, err);
	}
	/* The account walks down to it through every folder above (one
	 * that rsserverd makes is 0755). */
	parent_of(runtime, parent, sizeof parent);
	parent_of(cfg->path, cdir, sizeof cdir);
	if (rc == RS_OK && plan != NULL)
		rc = plan_reach(plan, stat(parent, &st) == 0 ? runtime : parent,
		    cdir, old_uid, uid, gid, err);
	return rc;
}

/* Sets owner and mode of path without following a link, on the object
 * that was checked.  0: done; 1: changed in part (the owner, not the
 * mode); -1: nothing changed.  errno says why. */
static int set_owner(const char *path, bool dir, uid_t uid, gid_t gid,
    mode_t mode, struct stat *before)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY
	    | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
	int rc = -1, saved;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && (dir ? S_ISDIR(st.st_mode)
	    : S_ISREG(st.st_mode))) {
		if (before)
			*before = st;
		if (st.st_uid == uid && st.st_gid == gid
		    && (st.st_mode & 07777) == mode)
			rc = 0;   /* nothing to do: an immutable file is fine */
		else if (fchown(fd, uid, gid) == 0)
			rc = fchmod(fd, mode) == 0 ? 0 : 1;
	} else
		errno = EPERM;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int rs_fs_apply(rs_fs_plan *plan, rs_error *err)
{
	for (int i = 0; i < plan->n; i++) {
		rs_fs_grant *g = &plan->g[i];
		struct stat st;
		char name[64], group[64];
		int rc, saved;

		memset(&st, 0, sizeof st);
		rc = set_owner(g->path, g->dir, g->uid, g->gid, g->mode, &st);
		if (rc >= 0) {
			g->old_uid = st.st_uid;
			g->old_gid = st.st_gid;
			g->old_mode = st.st_mode & 07777;
			g->done = true;
		}
		if (rc == 0)
			continue;
		saved = errno;
		if (rc < 0 && saved == ENOENT && !g->dir)
			continue;   /* a WAL file that is not there */
		user_name(g->uid, name, sizeof name);
		group_name(g->gid, group, sizeof group);
		return rs_err(err, RS_ERR_PERMISSION, _("cannot give %s to %s:%s "
		    "(mode %03o): %s"), g->path, name, group,
		    (unsigned)(g->mode & 0777), strerror(saved));
	}
	return RS_OK;
}

int rs_fs_undo(rs_fs_plan *plan)
{
	int failed = 0;

	for (int i = plan->n - 1; i >= 0; i--) {
		rs_fs_grant *g = &plan->g[i];

		if (!g->done)
			continue;
		if (set_owner(g->path, g->dir, g->old_uid, g->old_gid, g->old_mode,
		    NULL) != 0)
			failed++;
		else
			g->done = false;
	}
	return failed;
}
