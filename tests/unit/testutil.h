/* SPDX-License-Identifier: ISC */
/* testutil.h: helpers shared by the Check unit tests. */
#ifndef RS_TESTUTIL_H
#define RS_TESTUTIL_H

#include <stddef.h>
#include <limits.h>

/* Makes a fresh private folder under $TMPDIR (or /tmp), mode 0700. The path
 * is static storage valid until the next call. */
const char *tu_mkdtemp(void);
/* rm -rf without a shell. */
void tu_rmtree(const char *path);
/* Writes text to path with mode; aborts the test on failure. */
void tu_write_file(const char *path, const char *text, int mode);
/* Reads a whole file into malloc'd memory (NUL-terminated); NULL on error. */
char *tu_read_file(const char *path, size_t *len);
/* snprintf into a static rotating buffer: for building paths in tests. */
const char *tu_path(const char *dir, const char *name);
/* A part of a test that cannot run here says so, as the shell tests' t_skip:
 * "SKIP: NAME - WHY" in the log, never a silent pass. */
void tu_skip(const char *name, const char *why);
/* Runs a Check suite and returns the exit status for main. */
struct Suite;
/* RS_LOCK_DIR: a folder of the test's (tu_run calls it; a main that uses
 * the core before tu_run calls it first). */
int tu_lock_dir(void);
int tu_run(struct Suite *s);

#endif
