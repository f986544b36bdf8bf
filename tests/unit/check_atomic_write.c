/* SPDX-License-Identifier: ISC */
/* check_atomic_write.c: a file written whole or not at all: its mode, a
 * refused existing name, the verify hook, and no temp file left behind. */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_write.h"
#include "testutil.h"

static char dir[PATH_MAX];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
}

static void teardown(void)
{
	tu_rmtree(dir);
}

/* Files in dir other than . and .. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static rs_atomic_file file_in(const char *name, const char *temp,
    bool replace)
{
	rs_atomic_file f = { .path = tu_path(dir, name), .dir = dir,
		.temp = temp, .mode = 0640, .replace = replace };

	return f;
}

static void assert_content(const char *path, const char *want)
{
	char *got = tu_read_file(path, NULL);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_new_file_has_its_mode)
{
	rs_atomic_file f = file_in("a.conf", ".a", false);
	struct stat st;

	umask(0077);   /* the mode must not depend on the caller's umask */
	ck_assert_int_eq(rs_atomic_write(&f, "one\n", 4, NULL), RS_ATOMIC_DONE);
	umask(022);
	ck_assert_int_eq(stat(f.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	assert_content(f.path, "one\n");
	ck_assert_int_eq(count_files(), 1);
}
END_TEST

START_TEST(test_existing_name_refused_or_replaced)
{
	rs_atomic_file keep = file_in("a.conf", ".a", false);
	rs_atomic_file over = file_in("a.conf", NULL, true);

	tu_write_file(keep.path, "old\n", 0600);
	ck_assert_int_eq(rs_atomic_write(&keep, "new\n", 4, NULL),
	    RS_ATOMIC_NAME);
	ck_assert_int_eq(errno, EEXIST);
	assert_content(keep.path, "old\n");
	ck_assert_int_eq(count_files(), 1);
	/* Replacing it, with the temp file next to it (PATH.XXXXXX). */
	ck_assert_int_eq(rs_atomic_write(&over, "new\n", 4, NULL),
	    RS_ATOMIC_DONE);
	assert_content(over.path, "new\n");
	ck_assert_int_eq(count_files(), 1);
}
END_TEST

/* The hook sees the whole temp file, under its temp name, before the real
 * name exists. */
static int refuse(const char *tmp, void *arg, rs_error *err)
{
	char *got = tu_read_file(tmp, NULL);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "checked\n");
	free(got);
	ck_assert_ptr_nonnull(strstr(tmp, "/.a."));
	ck_assert_int_ne(access((const char *)arg, F_OK), 0);
	return rs_err(err, RS_ERR_IO, "refused by the hook");
}

START_TEST(test_verify_refusal_leaves_nothing)
{
	rs_atomic_file f = file_in("a.conf", ".a", false);
	rs_error err = { 0 };

	f.verify = refuse;
	f.arg = (void *)f.path;
	ck_assert_int_eq(rs_atomic_write(&f, "checked\n", 8, &err),
	    RS_ATOMIC_VERIFY);
	ck_assert_str_eq(err.message, "refused by the hook");
	ck_assert_int_eq(count_files(), 0);
}
END_TEST

START_TEST(test_failures_leave_nothing)
{
	rs_atomic_file f = file_in("no/such/a.conf", ".a", false);
	char name[PATH_MAX + 2];

	/* A folder that does not exist: the temp file cannot be made. */
	f.dir = tu_path(dir, "no/such");
	ck_assert_int_eq(rs_atomic_write(&f, "x", 1, NULL), RS_ATOMIC_CREATE);
	ck_assert_int_eq(errno, ENOENT);
	/* A name too long for a temp file. */
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	f = file_in("a.conf", name, false);
	ck_assert_int_eq(rs_atomic_write(&f, "x", 1, NULL), RS_ATOMIC_TOO_LONG);
	ck_assert_int_eq(count_files(), 0);
}
END_TEST

START_TEST(owner_change_is_best_effort_or_required)
{
	rs_atomic_file f = file_in("a.conf", ".a", true);
	struct stat st;

	/* Best effort: as a user, giving the file to root fails quietly... */
	f.owner = RS_OWNER_TRY;
	f.uid = 0;
	f.gid = 0;
	if (geteuid() != 0) {
		tu_skip("owner_given_away_as_root", "needs root");
	} else {
		/* ...as root it works. */
		f.uid = 1;
		f.gid = 1;
	}
	ck_assert_int_eq(rs_atomic_write(&f, "x", 1, NULL), RS_ATOMIC_DONE);
	ck_assert_int_eq(stat(f.path, &st), 0);
	ck_assert_uint_eq(st.st_uid, geteuid() == 0 ? 1 : geteuid());
	/* Required: as a user, the write fails and leaves the old file. */
	if (geteuid() == 0) {
		tu_skip("owner_required_fails_as_a_user", "runs only as a user");
	} else {
		f.owner = RS_OWNER_SET;
		ck_assert_int_eq(rs_atomic_write(&f, "y", 1, NULL),
		    RS_ATOMIC_WRITE);
		assert_content(f.path, "x");
	}
	ck_assert_int_eq(count_files(), 1);
}
END_TEST

static Suite *atomic_write_suite(void)
{
	Suite *s = suite_create("atomic_write");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_file_has_its_mode);
	tcase_add_test(tc, test_existing_name_refused_or_replaced);
	tcase_add_test(tc, test_verify_refusal_leaves_nothing);
	tcase_add_test(tc, test_failures_leave_nothing);
	tcase_add_test(tc, owner_change_is_best_effort_or_required);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(atomic_write_suite());
}
