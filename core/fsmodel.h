/* SPDX-License-Identifier: ISC */
/* fsmodel.h: the file-ownership model (rsreportserver.conf(5), FILES AND
 * OWNERSHIP), checked before every operation.
 *
 *   config          root's (or the invoking user's when not root), not
 *                   writable by group or others
 *   database folder the service account's (SQLite's WAL needs it writable)
 *   database, WAL   the service account's (or root's before a change)
 *   key store       the service account's, 0700 / 0600 (keystore.c)
 *   admin lock      root's: RUNSTATEDIR/rsconfig/locks/DEV-INO.lock, in a
 *                   folder only root may write (lock.h); anyone else's:
 *                   DATABASE.lock, a regular file it made, never a link
 *
 * Every folder on those paths belongs to root (or the invoking user), the
 * database folder may belong to the service account, and no folder is
 * writable by group or others unless it is sticky (/tmp).  A database, key
 * store or lock that is a symbolic link is refused: root would follow it. */
#ifndef RS_FSMODEL_H
#define RS_FSMODEL_H

#include <stdbool.h>
#include <sys/types.h>
#include "err.h"
#include "instance.h"

/* Checks the folders of the config (its owner and mode are checked on the
 * open file by rs_config_load), the database (SQLite), the key store and
 * the lock of cfg. */
int rs_fs_check_paths(const rs_config *cfg, rs_error *err);

/* One change of owner or mode the account change makes (or undoes). */
typedef struct rs_fs_grant {
	char path[PATH_MAX];
	bool dir;
	uid_t uid, old_uid;
	gid_t gid, old_gid;
	mode_t mode, old_mode;     /* permission bits */
	bool done;
} rs_fs_grant;

#define RS_FS_GRANTS_MAX 12

typedef struct rs_fs_plan {
	rs_fs_grant g[RS_FS_GRANTS_MAX];
	int n;
} rs_fs_plan;

/* As root: plans what account (uid, gid) needs to read the config, use the
 * database and its folder, given that old_uid had them.  RS_ERR_PERMISSION
 * with the fix-it command when no grant can make it so. */
int rs_fs_plan_account(const rs_config *cfg, uid_t old_uid, uid_t uid,
    gid_t gid, rs_fs_plan *plan, rs_error *err);
/* Applies the plan without following links; stops at the first failure. */
int rs_fs_apply(rs_fs_plan *plan, rs_error *err);
/* Undoes what rs_fs_apply did, in reverse; returns how many it could not. */
int rs_fs_undo(rs_fs_plan *plan);

#endif
