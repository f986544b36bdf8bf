/* SPDX-License-Identifier: ISC */
/* lock.h: one admin at a time.  An flock()ed file that records who holds it,
 * so the second admin reads "in use by USER (pid N) since TIME" instead of
 * hanging.  The kernel drops the flock when its process dies, so a lock left
 * by a killed process is simply taken over. */
#ifndef RS_LOCK_H
#define RS_LOCK_H

#include "err.h"

#include <stddef.h>

typedef struct rs_lock {
	int fd;       /* -1 when not held */
	int beside;   /* root: a DATABASE.lock of the account, held too; -1 */
} rs_lock;

#define RS_LOCK_INIT { -1, -1 }

/* The lock file at path, opened without following a link or blocking on a
 * FIFO; only a regular file this account made is taken. */
int rs_lock_acquire(rs_lock *lock, const char *path, const char *operation,
    rs_error *err);

/* The admin lock of the SQLite database file database (issue 14).
 *
 * As root it lives where no service account can write: the lock folder
 * (rs_lock_dir), named DEV-INO.lock by the database's device and inode, so
 * every path to one database finds one lock.  The folder is made 0711 by
 * root when missing and refused when anyone else could write it.  Root
 * also takes an existing DATABASE.lock of a non-root admin or service,
 * opened read-only without following links or blocking, never made or
 * written: what the account puts there can only make root wait, never
 * redirect or hang it.
 *
 * Anyone else locks DATABASE.lock in its own folder, then looks at root's
 * lock (readable by the database's group) so that neither side can start
 * while the other holds the database. */
int rs_lock_acquire_store(rs_lock *lock, const char *database,
    const char *operation, rs_error *err);
/* Where root keeps its admin locks: $RS_LOCK_DIR when set (tests, and
 * hosts whose RUNSTATEDIR is elsewhere: every admin and service of a
 * database must then see the same value), else RUNSTATEDIR/rsconfig/locks. */
void rs_lock_dir(char *out, size_t size);
/* The lock file rs_lock_acquire_store takes for database as this user;
 * RS_ERR_NOT_FOUND when root's cannot be named (no database yet). */
int rs_lock_path(const char *database, char *out, size_t size,
    rs_error *err);
void rs_lock_release(rs_lock *lock);

#endif
