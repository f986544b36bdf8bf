/* SPDX-License-Identifier: ISC */
/* check_store.c: the store package (store.c) and its SQLite backend: the
 * store contract (store_contract.c) on SQLite, and what only SQLite has (a
 * file, its mode, WAL, the lock file beside it). */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "lock.h"
#include "store.h"
#include "store_internal.h"
#include "store_contract.h"
#include "testutil.h"

static char dir[PATH_MAX];
static rs_config cfg;

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.database, sizeof cfg.database, "%s", tu_path(dir, "rs.db"));
}

static void teardown(void)
{
	tu_rmtree(dir);
}

static void raw_exec(const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(cfg.database, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- how the contract makes SQLite databases ---- */

static const char *sqlite_where(void)
{
	return cfg.database;
}

static void sqlite_newer_schema(void)
{
	raw_exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	    "PRAGMA user_version = 2;");
}

static void sqlite_foreign(void)
{
	raw_exec("CREATE TABLE t (x);");
}

static void sqlite_other_place(rs_config *out)
{
	snprintf(out->database, sizeof out->database, "%s",
	    tu_path(dir, "other.db"));
}

static void sqlite_other_drop(void)
{
	/* teardown removes the folder with both databases */
}

static const store_backend sqlite_backend = {
	.name = "sqlite",
	.cfg = &cfg,
	.where = sqlite_where,
	.make_newer_schema = sqlite_newer_schema,
	.make_foreign = sqlite_foreign,
	.other_place = sqlite_other_place,
	.other_drop = sqlite_other_drop,
};

/* ---- the package ---- */

START_TEST(content_catalogue_names_tables_and_cells)
{
	const rs_content_table_info *t = rs_content_info(RS_TABLE_DATASOURCES);

	ck_assert_str_eq(t->table, "datasources");
	ck_assert_int_eq(t->ncells, 2);
	ck_assert_str_eq(t->columns[0], "connection_string");
	ck_assert_str_eq(t->columns[1], "credentials");
	ck_assert_str_eq(t->cell_labels[0], "connection strings");
	ck_assert_str_eq(t->cell_labels[1], "stored credentials");
	t = rs_content_info(RS_TABLE_SUBSCRIPTIONS);
	ck_assert_str_eq(t->table, "subscriptions");
	ck_assert_int_eq(t->ncells, 1);
	ck_assert_str_eq(t->columns[0], "settings");
	ck_assert_str_eq(t->cell_labels[0], "subscription delivery settings");
	ck_assert_ptr_null(rs_content_info(RS_TABLE_COUNT));
	ck_assert_ptr_null(rs_content_info(-1));
}
END_TEST

START_TEST(test_every_slot_required)
{
	rs_store *s = sc_open(true);
	rs_store_ops ops = *s->ops;

	ck_assert_ptr_null(rs_store_ops_missing(s->ops));
	ops.heartbeat_list = NULL;
	ck_assert_str_eq(rs_store_ops_missing(&ops), "heartbeat_list");
	ops.close = NULL;
	ck_assert_str_eq(rs_store_ops_missing(&ops), "close");
	rs_store_close(s);
}
END_TEST

/* ---- what only SQLite has ---- */

START_TEST(test_sqlite_file_mode_and_description)
{
	rs_store *s = sc_open(true);
	char want[PATH_MAX + 16];
	struct stat st;

	snprintf(want, sizeof want, "SQLite %s", cfg.database);
	ck_assert_str_eq(s->ops->describe(s), want);
	ck_assert_int_eq(stat(cfg.database, &st), 0);
	ck_assert_int_eq(st.st_mode & 0027, 0);
	rs_store_close(s);
}
END_TEST

START_TEST(test_wal_and_version)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	rs_store_close(sc_open(true));
	ck_assert_int_eq(sqlite3_open(cfg.database, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), RS_SCHEMA_VERSION);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_sqlite_missing_file_left_alone)
{
	rs_error err;

	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "--init") != NULL, "%s", err.message);
	ck_assert(strstr(err.message, cfg.database) != NULL);
	/* nothing was created */
	ck_assert_int_ne(access(cfg.database, F_OK), 0);
	/* an empty file is no database either */
	tu_write_file(cfg.database, "", 0640);
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert(strstr(err.message, "--init") != NULL);
}
END_TEST

START_TEST(test_garbage_file)
{
	rs_error err;
	char text[8192];

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	tu_write_file(cfg.database, text, 0640);
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "not a usable report server database")
	    != NULL, "%s", err.message);
	rs_err_clear(&err);
	{
		rs_store *s = NULL;

		ck_assert_int_eq(rs_store_open(&cfg, true, &s, &err),
		    RS_ERR_DATABASE);
	}
}
END_TEST

START_TEST(test_read_only)
{
	rs_error err;

	if (geteuid() == 0) {   /* root writes anyway */
		tu_skip("read_only_database_refused", "runs only as a user");
		return;
	}
	rs_store_close(sc_open(true));
	ck_assert_int_eq(chmod(cfg.database, 0440), 0);
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "read-only") != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_admin_lock_file)
{
	rs_store *a = sc_open(true), *b = sc_open(false);
	rs_error err = { 0 };
	char want[PATH_MAX + 8], lock_path[PATH_MAX + 64];
	struct stat st;

	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_OK);
	/* where lock.h puts it: root's in its lock folder, named by the
	 * database's device and inode; anyone else's beside the database */
	ck_assert_int_eq(stat(cfg.database, &st), 0);
	if (geteuid() == 0)
		snprintf(want, sizeof want, "%s/%ju-%ju.lock",
		    getenv("RS_LOCK_DIR"), (uintmax_t)st.st_dev,
		    (uintmax_t)st.st_ino);
	else
		snprintf(want, sizeof want, "%s.lock", cfg.database);
	ck_assert_int_eq(rs_lock_path(cfg.database, lock_path, sizeof lock_path,
	    &err), RS_OK);
	ck_assert_str_eq(lock_path, want);
	ck_assert_int_eq(lstat(lock_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_uid, geteuid());
	if (geteuid() == 0) {   /* nothing of root's in the account's folder */
		snprintf(want, sizeof want, "%s.lock", cfg.database);
		ck_assert_int_ne(access(want, F_OK), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0640);
		ck_assert_int_eq(stat(getenv("RS_LOCK_DIR"), &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0711);
	}
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "(pid %ld)", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	rs_err_clear(&err);
	a->ops->admin_unlock(a);
	rs_store_close(a);
	rs_store_close(b);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("sqlite");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, content_catalogue_names_tables_and_cells);
	tcase_add_test(tc, test_every_slot_required);
	tcase_add_test(tc, test_sqlite_file_mode_and_description);
	tcase_add_test(tc, test_wal_and_version);
	tcase_add_test(tc, test_sqlite_missing_file_left_alone);
	tcase_add_test(tc, test_garbage_file);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_admin_lock_file);
	store_contract_add(tc, &sqlite_backend);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(store_suite());
}
