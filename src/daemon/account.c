/* SPDX-License-Identifier: ISC */
/* account.c: the service account, and nobody else.  Started as root the
 * service prepares its runtime folder, then drops to the account named in
 * the config for good; started as that account it goes on; anyone else is
 * refused before the key store is touched. */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rsserverd.h"
#include "secret.h"

/* The key and its AES key schedules stay in this process for its whole
 * life: all of its memory is locked, as the account it runs as (root lifted
 * RLIMIT_MEMLOCK before the switch, rs_harden_process; systemd's
 * LimitMEMLOCK= for the unit).  With a limit it cannot lock everything and
 * later allocations would fail: the key itself still sits in the locked
 * secure heap, the schedule of a request is on the heap while it runs, and
 * the log says so once. */
void account_lock_memory(void)
{
	if (!rs_lock_memory())
		log_event(LOG_WARNING, "memory-unlocked", "%s", _("cannot lock "
		    "memory (RLIMIT_MEMLOCK is limited): the key may reach swap; "
		    "start the service as root or set LimitMEMLOCK=infinity"));
}

static int drop_to(const struct passwd *pw, rs_error *err)
{
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return rs_err(err, RS_ERR_PERMISSION, _("cannot switch to the "
		    "service account %s: %s"), pw->pw_name, strerror(errno));
	/* A process that could get root back has not really dropped it. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0 ||
	    getegid() != pw->pw_gid))
		return rs_err(err, RS_ERR_PERMISSION, _("switched to %s but could "
		    "still regain root; refusing to run"), pw->pw_name);
	rs_harden_process();   /* changing identity resets "dumpable" */
	return RS_OK;
}

/* RUNSTATEDIR/rsconfig may not exist yet outside systemd (which makes it
 * for RuntimeDirectory=): its last folder is made, readable by all so that
 * each instance's own folder decides who gets in. */
static void parent_make(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return;
	snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	if (mkdir(parent, 0755) == 0)
		(void)chmod(parent, 0755);   /* past the umask, as systemd does */
	else if (errno != EEXIST)
		log_event(LOG_WARNING, "runtime-folder", _("cannot make %s: %s"),
		    parent, strerror(errno));
}

int account_become(struct daemon *d, rs_error *err)
{
	struct passwd *pw = getpwnam(d->cfg.service_account);
	struct passwd *me;

	if (pw == NULL)
		return rs_err(err, RS_ERR_CONFIG, _("the service account %s of %s "
		    "does not exist"), d->cfg.service_account, d->cfg.path);
	if (geteuid() == 0)
		parent_make(d->paths.runtime);
	if (geteuid() == 0 && pw->pw_uid != 0) {
		/* Made for the account before switching: its parent may not
		 * be writable by the account. */
		if (runtime_prepare_as_root(d, pw, err) != RS_OK)
			return err->code;
		return drop_to(pw, err);
	}
	if (geteuid() != pw->pw_uid) {
		me = getpwuid(geteuid());
		return rs_err(err, RS_ERR_PERMISSION, _("%s runs as the service "
		    "account %s, not as %s: start it as root (it switches to %s) "
		    "or as %s"), PROG, pw->pw_name, me ? me->pw_name : "?",
		    pw->pw_name, pw->pw_name);
	}
	return RS_OK;
}
