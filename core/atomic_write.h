/* SPDX-License-Identifier: ISC */
/* atomic_write.h: a file written whole or not at all.
 *
 * The data go to a temp file in the target's folder (mkostemp: O_EXCL and
 * O_CLOEXEC, mode 0600 from the start), which gets its owner and mode, is
 * written, fsynced and closed, checked by an optional hook, and only then
 * takes its name: rename() to replace, or link() to refuse an existing name
 * atomically (EEXIST), falling back to renameat2(RENAME_NOREPLACE) where the
 * file system has no hard links.  Last the folder is fsynced, so that a
 * crash cannot bring back the old file, or none.
 *
 * A failure before the name removes the temp file.  A failed folder sync
 * leaves a replacing file in place, but removes a new name again (link()
 * made it, so it is ours). */
#ifndef RS_ATOMIC_WRITE_H
#define RS_ATOMIC_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "err.h"

/* The step that failed; errno says why. */
typedef enum rs_atomic_step {
	RS_ATOMIC_DONE = 0,
	RS_ATOMIC_TOO_LONG,   /* the temp file's name does not fit PATH_MAX */
	RS_ATOMIC_CREATE,     /* the temp file cannot be made */
	RS_ATOMIC_WRITE,      /* owner, mode, write, fsync or close */
	RS_ATOMIC_VERIFY,     /* the hook refused (its message is in err) */
	RS_ATOMIC_NAME,       /* rename, link (EEXIST: the name is taken) */
	RS_ATOMIC_SYNC_DIR    /* the folder cannot be synced (see above) */
} rs_atomic_step;

typedef enum rs_atomic_owner {
	RS_OWNER_MINE = 0,    /* the caller's */
	RS_OWNER_SET,         /* uid:gid, or the write fails */
	RS_OWNER_TRY          /* uid:gid if it can (best effort) */
} rs_atomic_owner;

typedef struct rs_atomic_file {
	const char *path;     /* the name it gets */
	const char *dir;      /* path's folder: the temp file's, synced */
	const char *temp;     /* temp file DIR/TEMP.XXXXXX; NULL: PATH.XXXXXX */
	mode_t mode;
	rs_atomic_owner owner;
	uid_t uid;
	gid_t gid;
	bool replace;         /* rename over an existing file; else EEXIST */
	/* Called with the written, closed temp file before it gets its name:
	 * returns RS_OK, or an error code with err filled. */
	int (*verify)(const char *tmp, void *arg, rs_error *err);
	void *arg;
} rs_atomic_file;

rs_atomic_step rs_atomic_write(const rs_atomic_file *f, const void *data,
    size_t len, rs_error *err);
/* fsync of a folder, so that a rename or unlink in it lasts: 0, or -1 with
 * errno. */
int rs_fsync_dir(const char *dir);

#endif
