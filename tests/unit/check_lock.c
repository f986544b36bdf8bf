/* SPDX-License-Identifier: ISC */
/* check_lock.c: the one-admin-at-a-time lock. */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lock.h"
#include "testutil.h"

static char dir[PATH_MAX];
static char path[PATH_MAX + 16];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
	snprintf(path, sizeof path, "%s/db.lock", dir);
}

static void teardown(void)
{
	tu_rmtree(dir);
}

START_TEST(lock_file_is_private_and_names_its_holder)
{
	rs_lock lock = RS_LOCK_INIT;
	rs_error err = { 0 };
	struct stat st;
	char *text, want[64];

	ck_assert_int_eq(rs_lock_acquire(&lock, path, "backup", &err), RS_OK);
	ck_assert_int_ge(lock.fd, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0007, 0);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	snprintf(want, sizeof want, " %ld ", (long)getpid());
	ck_assert(strstr(text, want) != NULL);
	ck_assert(strstr(text, " backup\n") != NULL);
	free(text);
	/* held twice by the same rs_lock is a bug, reported */
	ck_assert_int_eq(rs_lock_acquire(&lock, path, "x", &err), RS_ERR_INTERNAL);
	rs_lock_release(&lock);
	ck_assert_int_eq(lock.fd, -1);
	rs_lock_release(&lock);   /* harmless */
	/* and again */
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire(&lock, path, "change", &err), RS_OK);
	rs_lock_release(&lock);
}
END_TEST

START_TEST(test_second_open_busy)
{
	rs_lock a = RS_LOCK_INIT, b = RS_LOCK_INIT;
	rs_error err = { 0 };
	char want[64];

	ck_assert_int_eq(rs_lock_acquire(&a, path, "change", &err), RS_OK);
	/* a second open file description conflicts, even in this process */
	ck_assert_int_eq(rs_lock_acquire(&b, path, "backup", &err), RS_ERR_BUSY);
	ck_assert_int_eq(b.fd, -1);
	snprintf(want, sizeof want, "(pid %ld)", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert(strstr(err.message, "(change)") != NULL);
	ck_assert(strstr(err.message, "in use by ") != NULL);
	rs_lock_release(&a);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire(&b, path, "backup", &err), RS_OK);
	rs_lock_release(&b);
}
END_TEST

START_TEST(test_child_busy)
{
	rs_lock lock = RS_LOCK_INIT;
	rs_error err = { 0 };
	int status;
	pid_t pid;

	ck_assert_int_eq(rs_lock_acquire(&lock, path, "delete", &err), RS_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rs_lock mine = RS_LOCK_INIT;
		rs_error e = { 0 };
		char want[64];
		int rc = rs_lock_acquire(&mine, path, "backup", &e);

		snprintf(want, sizeof want, "(pid %ld)", (long)getppid());
		_exit(rc == RS_ERR_BUSY && strstr(e.message, want) &&
		    strstr(e.message, "(delete)") ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	rs_lock_release(&lock);
}
END_TEST

START_TEST(test_killed_holder)
{
	rs_lock lock = RS_LOCK_INIT;
	rs_error err = { 0 };
	int ready[2], status;
	char c, want[64];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rs_lock mine = RS_LOCK_INIT;
		rs_error e = { 0 };

		close(ready[0]);
		if (rs_lock_acquire(&mine, path, "change", &e) != RS_OK)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ck_assert_int_eq(rs_lock_acquire(&lock, path, "backup", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "(pid %ld)", (long)pid);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	/* the holder dies without releasing: the kernel drops its lock */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire(&lock, path, "backup", &err), RS_OK);
	rs_lock_release(&lock);
}
END_TEST

START_TEST(test_unwritable_place)
{
	rs_lock lock = RS_LOCK_INIT;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_lock_acquire(&lock, tu_path(dir, "no/such/x.lock"),
	    "backup", &err), RS_ERR_IO);
	ck_assert(strstr(err.message, "no/such/x.lock") != NULL);
	ck_assert_int_eq(lock.fd, -1);
}
END_TEST

START_TEST(test_operation_sanitized)
{
	rs_lock a = RS_LOCK_INIT, b = RS_LOCK_INIT;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_lock_acquire(&a, path, "evil\nline", &err), RS_OK);
	ck_assert_int_eq(rs_lock_acquire(&b, path, "x", &err), RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, "(evil?line)") != NULL, "%s",
	    err.message);
	rs_lock_release(&a);
}
END_TEST

static Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lock_file_is_private_and_names_its_holder);
	tcase_add_test(tc, test_second_open_busy);
	tcase_add_test(tc, test_child_busy);
	tcase_add_test(tc, test_killed_holder);
	tcase_add_test(tc, test_unwritable_place);
	tcase_add_test(tc, test_operation_sanitized);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(lock_suite());
}
