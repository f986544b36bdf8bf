/* SPDX-License-Identifier: ISC */
/* lock.h: one admin at a time.  An flock()ed file that records who holds it,
 * so the second admin reads "in use by USER (pid N) since TIME" instead of
 * hanging.  The kernel drops the flock when its process dies, so a lock left
 * by a killed process is simply taken over. */
#ifndef RS_LOCK_H
#define RS_LOCK_H

#include "err.h"

typedef struct rs_lock {
	int fd;   /* -1 when not held */
} rs_lock;

#define RS_LOCK_INIT { -1 }

int rs_lock_acquire(rs_lock *lock, const char *path, const char *operation,
    rs_error *err);
void rs_lock_release(rs_lock *lock);

#endif
