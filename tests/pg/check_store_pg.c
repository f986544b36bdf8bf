/* SPDX-License-Identifier: ISC */
/* check_store_pg.c: the store contract (tests/unit/store_contract.c) on
 * the PostgreSQL backend, and what only PostgreSQL has (a server, a
 * connection string, locks seen from several machines).  Run by
 * tests/pg/store.sh, which starts a server and sets RS_TEST_PG (a
 * connection string without dbname); every test gets a database of its
 * own. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "store.h"
#include "../unit/store_contract.h"
#include "../unit/testutil.h"

static const char *server;
static char dbname[64], other_dbname[80];
static rs_config cfg;

static void admin_exec(const char *db, const char *sql)
{
	char conninfo[1024];
	PGconn *c;
	PGresult *r;

	snprintf(conninfo, sizeof conninfo, "%s dbname=%s options='-c "
	    "client_min_messages=warning'", server, db);
	c = PQconnectdb(conninfo);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void setup(void)
{
	char sql[128];

	snprintf(dbname, sizeof dbname, "rsst_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	admin_exec("postgres", sql);
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.backend, sizeof cfg.backend, RS_BACKEND_POSTGRESQL);
	snprintf(cfg.machine, sizeof cfg.machine, "hosta");
	snprintf(cfg.connection, sizeof cfg.connection, "%s dbname=%s", server,
	    dbname);
}

static void teardown(void)
{
	char sql[128];

	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    dbname);
	admin_exec("postgres", sql);
}

/* ---- how the contract makes PostgreSQL databases ---- */

static const char *pg_where(void)
{
	return dbname;
}

static void pg_newer_schema(void)
{
	rs_store_close(sc_open(true));
	admin_exec(dbname, "UPDATE meta SET value = '2' WHERE key = "
	    "'schema_version'");
}

static void pg_foreign(void)
{
	admin_exec(dbname, "CREATE TABLE t (x int)");
}

static void pg_other_place(rs_config *out)
{
	char sql[128];

	snprintf(other_dbname, sizeof other_dbname, "%s_t", dbname);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", other_dbname);
	admin_exec("postgres", sql);
	snprintf(out->connection, sizeof out->connection, "%s dbname=%s",
	    server, other_dbname);
}

static void pg_other_drop(void)
{
	char sql[128];

	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", other_dbname);
	admin_exec("postgres", sql);
}

static const store_backend pg_backend = {
	.name = "postgresql",
	.cfg = &cfg,
	.where = pg_where,
	.make_newer_schema = pg_newer_schema,
	.make_foreign = pg_foreign,
	.other_place = pg_other_place,
	.other_drop = pg_other_drop,
};

/* ---- what only PostgreSQL has ---- */

START_TEST(description_names_host_and_database_without_password)
{
	rs_store *s = sc_open(true);
	const char *d = s->ops->describe(s);

	ck_assert_msg(strncmp(d, "PostgreSQL host=", 16) == 0, "%s", d);
	ck_assert_ptr_nonnull(strstr(d, dbname));
	ck_assert_ptr_null(strstr(d, "password"));
	rs_store_close(s);
}
END_TEST

START_TEST(no_server_is_a_database_error_that_says_so)
{
	rs_error err;

	snprintf(cfg.connection, sizeof cfg.connection, "host=/nonexistent "
	    "port=1 dbname=x connect_timeout=2");
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "cannot connect") != NULL, "%s",
	    err.message);
}
END_TEST

START_TEST(test_password_refused)
{
	rs_error err;

	snprintf(cfg.connection, sizeof cfg.connection, "%s dbname=%s "
	    "password=secret", server, dbname);
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_CONFIG);
	ck_assert_ptr_null(strstr(err.message, "secret"));
	snprintf(cfg.connection, sizeof cfg.connection,
	    "postgresql://rs:secret@db01/reports");
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_CONFIG);
}
END_TEST

/* Seen from another machine, the holder's pid comes with its host. */
START_TEST(test_admin_lock_other_machine)
{
	rs_store *a = sc_open(true), *c;
	rs_error err = { 0 };
	char want[64];

	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_OK);
	snprintf(cfg.machine, sizeof cfg.machine, "hostb");
	c = sc_open(false);
	ck_assert_int_eq(c->ops->admin_lock(c, "delete", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "(pid %ld on hosta) since", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	rs_err_clear(&err);
	rs_store_close(a);   /* close releases the lock */
	ck_assert_int_eq(c->ops->admin_lock(c, "delete", &err), RS_OK);
	c->ops->admin_unlock(c);
	rs_store_close(c);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store_pg");
	TCase *tc = tcase_create("postgresql");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, description_names_host_and_database_without_password);
	tcase_add_test(tc, no_server_is_a_database_error_that_says_so);
	tcase_add_test(tc, test_password_refused);
	tcase_add_test(tc, test_admin_lock_other_machine);
	store_contract_add(tc, &pg_backend);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	server = getenv("RS_TEST_PG");
	if (server == NULL || *server == '\0') {
		fprintf(stderr, "check_store_pg: set RS_TEST_PG (tests/pg/store.sh "
		    "does)\n");
		return 1;
	}
	return tu_run(store_suite());
}
