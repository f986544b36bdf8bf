/* SPDX-License-Identifier: ISC */
/* testutil.c: helpers shared by the Check unit tests. */
#define _XOPEN_SOURCE 700
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

const char *tu_mkdtemp(void)
{
	static char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	snprintf(path, sizeof path, "%s/rsunit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

void tu_rmtree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write_file(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t len = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[size] = '\0';
		if (len)
			*len = (size_t)size;
	}
	return buf;
}

const char *tu_path(const char *dir, const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *out = bufs[next++ % 8];

	snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return out;
}

void tu_skip(const char *name, const char *why)
{
	printf("SKIP: %s - %s\n", name, why);
	fflush(stdout);
}

/* Root's admin locks (core/lock.h) in a folder of the test's, not in
 * RUNSTATEDIR; made once, before anything a test's main sets up (check_ops
 * makes its template databases before tu_run), removed by tu_run. */
static char lock_folder[PATH_MAX];

int tu_lock_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (lock_folder[0] != '\0')
		return 0;
	snprintf(lock_folder, sizeof lock_folder, "%s/rslocks.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(lock_folder) == NULL) {
		perror(lock_folder);
		lock_folder[0] = '\0';
		return -1;
	}
	strcat(lock_folder, "/locks");
	setenv("RS_LOCK_DIR", lock_folder, 1);
	return 0;
}

int tu_run(Suite *s)
{
	SRunner *sr;
	int failed;

	if (tu_lock_dir() != 0)
		return 99;
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	*strrchr(lock_folder, '/') = '\0';
	tu_rmtree(lock_folder);
	return failed == 0 ? 0 : 1;
}
