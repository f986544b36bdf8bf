/* SPDX-License-Identifier: ISC */
/* check_lock.c: the one-admin-at-a-time lock. */
#include <config.h>

#include <check.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
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

/* ---- the admin lock of a database (lock.h): root's own folder ---- */

static char db[PATH_MAX + 16], locks[PATH_MAX + 16];

/* A database file in dir and root's lock folder dir/locks. */
static bool store_setup(void)
{
	if (geteuid() != 0)
		return false;
	snprintf(db, sizeof db, "%s/rs.db", dir);
	snprintf(locks, sizeof locks, "%s/locks", dir);
	tu_write_file(db, "", 0600);
	setenv("RS_LOCK_DIR", locks, 1);
	return true;
}

static const char *root_lock(void)
{
	static char out[PATH_MAX + 64];
	rs_error err = { 0 };

	ck_assert_int_eq(rs_lock_path(db, out, sizeof out, &err), RS_OK);
	return out;
}

START_TEST(root_lock_lives_in_its_folder_by_device_and_inode)
{
	rs_lock a = RS_LOCK_INIT, b = RS_LOCK_INIT;
	rs_error err = { 0 };
	char other[PATH_MAX + 16], want[PATH_MAX + 64];
	struct stat st;

	if (!store_setup()) {
		tu_skip("root_lock_lives_in_its_folder", "runs only as root");
		return;
	}
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err), RS_OK);
	ck_assert_int_eq(stat(db, &st), 0);
	snprintf(want, sizeof want, "%s/%ju-%ju.lock", locks,
	    (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	ck_assert_str_eq(root_lock(), want);
	ck_assert_int_eq(lstat(want, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_ne(access(tu_path(dir, "rs.db.lock"), F_OK), 0);
	ck_assert_int_eq(stat(locks, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0711);
	/* a second path to the same database finds the same lock */
	snprintf(other, sizeof other, "%s/hard.db", dir);
	ck_assert_int_eq(link(db, other), 0);
	ck_assert_int_eq(rs_lock_acquire_store(&b, other, "backup", &err),
	    RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, "(change)") != NULL, "%s",
	    err.message);
	rs_lock_release(&a);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire_store(&b, other, "backup", &err), RS_OK);
	rs_lock_release(&b);
}
END_TEST

START_TEST(root_ignores_a_link_or_fifo_at_the_old_place)
{
	rs_lock a = RS_LOCK_INIT;
	rs_error err = { 0 };
	char old[PATH_MAX + 32], target[PATH_MAX + 16];

	if (!store_setup()) {
		tu_skip("root_ignores_the_old_place", "runs only as root");
		return;
	}
	snprintf(old, sizeof old, "%s.lock", db);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	ck_assert_int_eq(mkfifo(old, 0600), 0);
	alarm(20);   /* a hang fails the test */
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err), RS_OK);
	rs_lock_release(&a);
	ck_assert_int_eq(unlink(old), 0);
	ck_assert_int_eq(symlink(target, old), 0);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err), RS_OK);
	rs_lock_release(&a);
	ck_assert_int_ne(access(target, F_OK), 0);
	alarm(0);
}
END_TEST

START_TEST(root_refuses_a_link_or_fifo_at_its_lock)
{
	rs_lock a = RS_LOCK_INIT;
	rs_error err = { 0 };
	char target[PATH_MAX + 16];

	if (!store_setup()) {
		tu_skip("root_refuses_a_link_or_fifo_at_its_lock", "runs only as root");
		return;
	}
	ck_assert_int_eq(mkdir(locks, 0711), 0);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	ck_assert_int_eq(mkfifo(root_lock(), 0600), 0);
	alarm(20);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_PERMISSION);
	ck_assert_msg(strstr(err.message, "rm ") != NULL, "%s", err.message);
	ck_assert_int_eq(unlink(root_lock()), 0);
	ck_assert_int_eq(symlink(target, root_lock()), 0);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_PERMISSION);
	ck_assert_int_ne(access(target, F_OK), 0);
	ck_assert_int_eq(a.fd, -1);
	alarm(0);
}
END_TEST

START_TEST(root_refuses_a_lock_folder_others_could_write)
{
	rs_lock a = RS_LOCK_INIT;
	rs_error err = { 0 };
	char want[PATH_MAX + 64];

	if (!store_setup()) {
		tu_skip("root_refuses_a_foreign_lock_folder", "runs only as root");
		return;
	}
	ck_assert_int_eq(mkdir(locks, 0711), 0);
	ck_assert_int_eq(chown(locks, 1, 1), 0);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_PERMISSION);
	snprintf(want, sizeof want, "Fix with: chown root:root %s", locks);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert_int_eq(chown(locks, 0, 0), 0);
	ck_assert_int_eq(chmod(locks, 0777), 0);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_PERMISSION);
	snprintf(want, sizeof want, "Fix with: chmod go-w %s", locks);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert_int_eq(rmdir(locks), 0);
	ck_assert_int_eq(symlink(dir, locks), 0);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_PERMISSION);
	ck_assert_msg(strstr(err.message, "not a folder") != NULL, "%s",
	    err.message);
	ck_assert_int_eq(a.fd, -1);
}
END_TEST

/* A service account (uid and gid 65534 here) holding its DATABASE.lock
 * keeps root out, and root holding its lock keeps the service out. */
START_TEST(root_and_the_service_account_exclude_each_other)
{
	rs_lock a = RS_LOCK_INIT;
	rs_error err = { 0 };
	int ready[2], go[2], status;
	char c;
	pid_t pid;

	if (!store_setup()) {
		tu_skip("root_and_the_service_exclude_each_other", "runs only as root");
		return;
	}
	/* the database in the account's folder, as in a real install */
	ck_assert_int_eq(chmod(dir, 0711), 0);
	snprintf(db, sizeof db, "%s/svc", dir);
	ck_assert_int_eq(mkdir(db, 0700), 0);
	ck_assert_int_eq(chown(db, 65534, 65534), 0);
	strcat(db, "/rs.db");
	tu_write_file(db, "", 0600);
	ck_assert_int_eq(chown(db, 65534, 65534), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	/* root first: the service is told root holds it */
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err), RS_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rs_lock mine = RS_LOCK_INIT;
		rs_error e = { 0 };
		int rc;

		if (setgroups(0, NULL) != 0 || setgid(65534) != 0
		    || setuid(65534) != 0)
			_exit(90);
		rc = rs_lock_acquire_store(&mine, db, "recover", &e);
		if (rc != RS_ERR_BUSY || strstr(e.message, "root") == NULL)
			_exit(91);
		if (write(ready[1], "1", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(92);
		/* root let go: now the service holds it */
		if (rs_lock_acquire_store(&mine, db, "recover", &e) != RS_OK)
			_exit(93);
		if (write(ready[1], "2", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(94);
		rs_lock_release(&mine);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	rs_lock_release(&a);
	ck_assert_int_eq(write(go[1], "1", 1), 1);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err),
	    RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, "(recover)") != NULL, "%s",
	    err.message);
	ck_assert_int_eq(a.fd, -1);
	ck_assert_int_eq(write(go[1], "1", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %d", status);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_lock_acquire_store(&a, db, "change", &err), RS_OK);
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
	tcase_add_test(tc, root_lock_lives_in_its_folder_by_device_and_inode);
	tcase_add_test(tc, root_ignores_a_link_or_fifo_at_the_old_place);
	tcase_add_test(tc, root_refuses_a_link_or_fifo_at_its_lock);
	tcase_add_test(tc, root_refuses_a_lock_folder_others_could_write);
	tcase_add_test(tc, root_and_the_service_account_exclude_each_other);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(lock_suite());
}
