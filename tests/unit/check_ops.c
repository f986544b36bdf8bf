/* SPDX-License-Identifier: ISC */
/* check_ops.c: the key operations, end to end through the core API, on demo
 * deployments (member1 and member2 joined, member3 waiting).
 *
 * On SQLite by default.  RS_TEST_BACKEND=postgresql runs the same tests on
 * PostgreSQL (tests/pg/ops.sh): RS_TEST_PG is a libpq connection string
 * without dbname; each template and each test gets its own database. */
#include <config.h>

#include <check.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "backup.h"
#include "crypto.h"
#include "keystore.h"
#include "lock.h"
#include "ops.h"
#include "service.h"
#include "testutil.h"
#ifndef HAVE_POSTGRESQL
#define HAVE_POSTGRESQL 0
#endif
#if HAVE_POSTGRESQL
#include <libpq-fe.h>
#endif

#define DEMO_VALUES 300
#define STRONG "Str0ng!Backup#Pw"

static char template_a[PATH_MAX], template_b[PATH_MAX];
static char work[PATH_MAX - 64];

/* ---- the PostgreSQL variant ---- */

static const char *pg_server;          /* RS_TEST_PG, or NULL: SQLite */
static char pg_work[64];               /* this test's database */
static char pg_tmpl_a[64], pg_tmpl_b[64];  /* the templates' databases */

static void pg_name(char *out, size_t size, const char *what)
{
	snprintf(out, size, "rsops_%s_%ld", what, (long)getpid());
}

#if HAVE_POSTGRESQL
/* Runs SQL in database db; returns 0 on success (no ck_assert: also used
 * outside tests). */
static int pg_exec(const char *db, const char *sql)
{
	char conninfo[1024];
	PGconn *c;
	PGresult *r;
	int ok;

	snprintf(conninfo, sizeof conninfo, "%s dbname=%s options='-c "
	    "client_min_messages=warning'", pg_server, db);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pg: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pg: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}
#else
static int pg_exec(const char *db, const char *sql)
{
	(void)db; (void)sql;
	fprintf(stderr, "built without PostgreSQL\n");
	return -1;
}
#endif

static void pg_createdb(const char *name, const char *template)
{
	char sql[256];

	snprintf(sql, sizeof sql, "CREATE DATABASE %s%s%s", name,
	    template ? " TEMPLATE " : "", template ? template : "");
	if (pg_exec("postgres", sql) != 0)
		exit(1);
}

static void pg_dropdb(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	pg_exec("postgres", sql);
}

/* Points every member config of the copy at database to instead of from. */
static void pg_repoint(const char *dir, const char *from, const char *to)
{
	char path[PATH_MAX + 64], *text, *at, out[8192];
	size_t len;

	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof path, "%s/member%d/rsreportserver.conf", dir, i);
		text = tu_read_file(path, &len);
		ck_assert_ptr_nonnull(text);
		at = strstr(text, from);
		ck_assert_ptr_nonnull(at);
		snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to,
		    at + strlen(from));
		free(text);
		tu_write_file(path, out, 0640);
	}
}

static void make_template(char *out, size_t size)
{
	rs_demo_options opt = { .values = DEMO_VALUES, .members = 3 };
	rs_demo_result res;
	rs_error err = { 0 };
	char base[] = "/tmp/rsops.XXXXXX";
	char db[64], conninfo[1024];

	if (pg_server != NULL) {
		pg_name(db, sizeof db, out == template_a ? "a" : "b");
		snprintf(out == template_a ? pg_tmpl_a : pg_tmpl_b, 64, "%s", db);
		pg_dropdb(db);
		pg_createdb(db, NULL);
		snprintf(conninfo, sizeof conninfo, "%s dbname=%s", pg_server, db);
		opt.postgres = conninfo;
	}

	/* Outside a test: no ck_assert here. */
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(out, size, "%s/demo", base);
	if (rs_demo_create(out, &opt, &res, &err) != RS_OK) {
		fprintf(stderr, "demo: %s\n", err.message);
		exit(1);
	}
}

/* Each test works on its own copy of template A. */
static void setup(void)
{
	char cmd[3 * PATH_MAX];
	char *base = strdup(tu_mkdtemp());

	snprintf(work, sizeof work, "%s/demo", base);
	free(base);
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", template_a, work);
	ck_assert_int_eq(system(cmd), 0);
	if (pg_server != NULL) {
		char from[80], to[80];

		pg_name(pg_work, sizeof pg_work, "w");
		pg_createdb(pg_work, pg_tmpl_a);
		snprintf(from, sizeof from, "dbname=%s", pg_tmpl_a);
		snprintf(to, sizeof to, "dbname=%s", pg_work);
		pg_repoint(work, from, to);
	}
}

static void teardown(void)
{
	char *slash = strrchr(work, '/');

	*slash = '\0';
	tu_rmtree(work);
	if (pg_server != NULL)
		pg_dropdb(pg_work);
}

static const char *member(int i)
{
	static char path[4][PATH_MAX + 64];

	snprintf(path[i], sizeof path[i], "%s/member%d/rsreportserver.conf",
	    work, i);
	return path[i];
}

static rs_ctx *open_member(int i)
{
	rs_ctx *ctx = NULL;
	rs_error err = { 0 };

	if (rs_ctx_open(member(i), &ctx, &err) != RS_OK)
		ck_abort_msg("open %s: %s", member(i), err.message);
	return ctx;
}

static rs_status status_of(int i)
{
	rs_ctx *ctx = open_member(i);
	rs_status st;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_op_status(ctx, &st, &err), RS_OK);
	rs_ctx_close(ctx);
	return st;
}

static rs_verify_result verify(int i, int expect)
{
	rs_ctx *ctx = open_member(i);
	rs_verify_result res;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_op_verify(ctx, NULL, NULL, &res, &err), expect);
	rs_ctx_close(ctx);
	return res;
}

static void backup_to(rs_ctx *ctx, const char *path)
{
	rs_error err = { 0 };

	if (rs_op_backup(ctx, path, STRONG, strlen(STRONG), false, NULL,
	    &err) != RS_OK)
		ck_abort_msg("backup: %s", err.message);
}

START_TEST(demo_member_is_activated_with_its_values)
{
	rs_status st = status_of(1);

	ck_assert_int_eq(st.activation, RS_ACTIVATED);
	ck_assert_uint_eq(st.values_total, DEMO_VALUES);
	ck_assert_uint_eq(st.members_joined, 2);
	ck_assert_uint_eq(st.members_waiting, 1);
	ck_assert_uint_eq(st.key.generation, 1);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
}
END_TEST

START_TEST(waiting_member_says_why_it_is_not_activated)
{
	rs_status st = status_of(3);

	ck_assert_int_eq(st.activation, RS_WAITING_TO_JOIN);
	ck_assert_ptr_nonnull(strstr(st.reason, "--join"));
}
END_TEST

/* --status shows the fingerprint of the key store's own key pair, taken
 * from the pair the unlock loaded when activated and loaded on its own
 * when not (issue 19): both equal the list's for the local member. */
static void status_fingerprint_is_own(int i, rs_activation expect)
{
	rs_status st = status_of(i);
	rs_ctx *ctx = open_member(i);
	rs_member_view *v = NULL;
	size_t n = 0, local = 0, found = 0;
	rs_error err = { 0 };

	ck_assert_int_eq(st.activation, expect);
	ck_assert_uint_eq(strlen(st.fingerprint), RS_FINGERPRINT_LEN);
	ck_assert_int_eq(rs_op_list_members(ctx, &v, &n, &err), RS_OK);
	for (size_t k = 0; k < n; k++)
		if (v[k].is_local) {
			local = k;
			found++;
		}
	ck_assert_uint_eq(found, 1);
	ck_assert_str_eq(st.fingerprint, v[local].fingerprint);
	free(v);
	rs_ctx_close(ctx);
}

START_TEST(status_shows_the_key_stores_own_fingerprint)
{
	status_fingerprint_is_own(1, RS_ACTIVATED);
	status_fingerprint_is_own(3, RS_WAITING_TO_JOIN);
	ck_assert_str_ne(status_of(1).fingerprint, status_of(3).fingerprint);
}
END_TEST

START_TEST(join_activates_a_waiting_member_once)
{
	rs_ctx *ctx = open_member(1);
	rs_ctx *newcomer = open_member(3);
	rs_error err = { 0 };
	const char *id = rs_ctx_config(newcomer)->installation_id;

	ck_assert_int_eq(rs_op_join(ctx, id, &err), RS_OK);
	ck_assert_int_eq(status_of(3).activation, RS_ACTIVATED);
	ck_assert_uint_eq(verify(3, RS_OK).ok, DEMO_VALUES);
	/* No service runs: it reads its membership when it starts. */
	ck_assert_int_eq(rs_op_member_reach(ctx)->how, RS_REACH_NOT_RUNNING);
	ck_assert_ptr_nonnull(strstr(rs_op_member_reach(ctx)->text,
	    "not running"));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_join(ctx, id, &err), RS_ERR_STATE);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_join(ctx, "00000000-0000-4000-8000-000000000000",
	    &err), RS_ERR_NOT_FOUND);
	rs_ctx_close(newcomer);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(waiting_member_cannot_join_others)
{
	rs_ctx *waiting = open_member(3);
	rs_ctx *first = open_member(1);
	rs_error err = { 0 };

	ck_assert_int_eq(rs_op_join(waiting,
	    rs_ctx_config(first)->installation_id, &err), RS_ERR_NOT_ACTIVATED);
	rs_ctx_close(first);
	rs_ctx_close(waiting);
}
END_TEST

/* Restore's "Join them" and the CLI's hint offer the same servers: other
 * servers that lack the current key, never a removed one (its join fails)
 * nor this one. */
START_TEST(must_join_is_waiting_or_not_activated_elsewhere)
{
	rs_member_view v = { 0 };

	v.state = RS_VIEW_WAITING;
	ck_assert(rs_member_must_join(&v));
	v.state = RS_VIEW_NOT_ACTIVATED;
	ck_assert(rs_member_must_join(&v));
	v.state = RS_VIEW_JOINED;
	ck_assert(!rs_member_must_join(&v));
	v.state = RS_VIEW_REMOVED;
	ck_assert(!rs_member_must_join(&v));
	v.state = RS_VIEW_WAITING;
	v.is_local = true;
	ck_assert(!rs_member_must_join(&v));
}
END_TEST

static size_t count_members(rs_ctx *ctx)
{
	rs_member_view *v = NULL;
	size_t n = 0;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_op_list_members(ctx, &v, &n, &err), RS_OK);
	free(v);
	return n;
}

typedef struct walk_seen {
	rs_member_view views[8];
	size_t n, stop_after;
} walk_seen;

static int walk_record(void *arg, const rs_member_view *v)
{
	walk_seen *w = arg;

	if (w->n < 8)
		w->views[w->n] = *v;
	w->n++;
	return w->stop_after && w->n == w->stop_after ? RS_ERR_CANCELLED : RS_OK;
}

START_TEST(each_member_walks_the_list_in_order_with_service_state)
{
	rs_ctx *ctx = open_member(1);
	rs_member_view *list = NULL;
	size_t n = 0;
	walk_seen w = { .n = 0 };
	rs_heartbeat hb = { .pid = 4242, .interval = 30 };
	rs_error err = { 0 };

	/* A fresh heartbeat for member 1 and one for nobody. */
	snprintf(hb.installation_id, sizeof hb.installation_id, "%s",
	    rs_ctx_config(ctx)->installation_id);
	snprintf(hb.state, sizeof hb.state, "activated");
	hb.last_seen = (int64_t)time(NULL);
	ck_assert_int_eq(rs_service_heartbeat(ctx, &hb, &err), RS_OK);
	snprintf(hb.installation_id, sizeof hb.installation_id,
	    "00000000-0000-4000-8000-000000000000");
	ck_assert_int_eq(rs_service_heartbeat(ctx, &hb, &err), RS_OK);

	ck_assert_int_eq(rs_op_list_members(ctx, &list, &n, &err), RS_OK);
	ck_assert_int_eq(rs_op_each_member(ctx, walk_record, &w, &err), RS_OK);
	/* The three members, then the running service that has no member
	 * row, shown as removed while it runs (issue 14). */
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(w.n, n);
	ck_assert_int_eq(list[3].state, RS_VIEW_REMOVED);
	ck_assert_str_eq(list[3].installation_id,
	    "00000000-0000-4000-8000-000000000000");
	ck_assert(list[3].running && !list[3].is_local);
	ck_assert_str_eq(w.views[3].installation_id, list[3].installation_id);
	n = 3;
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(w.views[i].installation_id, list[i].installation_id);
		ck_assert_int_eq(w.views[i].state, list[i].state);
		ck_assert_int_eq(w.views[i].running, list[i].running);
		ck_assert_int_eq(w.views[i].is_local, list[i].is_local);
		ck_assert_int_eq(w.views[i].running, w.views[i].is_local);
		if (w.views[i].is_local)
			ck_assert_int_eq(w.views[i].service_pid, 4242);
		else
			ck_assert_int_eq(w.views[i].last_seen, 0);
		if (i > 0)
			ck_assert_int_le(strcmp(list[i - 1].machine, list[i].machine), 0);
	}
	free(list);

	/* The callback's own code stops the walk and comes back. */
	w.n = 0;
	w.stop_after = 2;
	ck_assert_int_eq(rs_op_each_member(ctx, walk_record, &w, &err),
	    RS_ERR_CANCELLED);
	ck_assert_uint_eq(w.n, 2);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(remove_refuses_the_last_joined_member_unless_allowed)
{
	rs_ctx *ctx = open_member(1);
	rs_ctx *second = open_member(2);
	rs_error err = { 0 };
	char id1[RS_ID_LEN + 1], id2[RS_ID_LEN + 1];

	snprintf(id1, sizeof id1, "%s", rs_ctx_config(ctx)->installation_id);
	snprintf(id2, sizeof id2, "%s", rs_ctx_config(second)->installation_id);
	rs_ctx_close(second);
	ck_assert_uint_eq(count_members(ctx), 3);
	/* Member 2's service runs on another host (its row says, with an
	 * absurd interval): it notices at its next heartbeat, at most an
	 * hour (issue 14). */
	{
		rs_heartbeat hb = { .pid = 4242, .interval = INT64_MAX };

		snprintf(hb.installation_id, sizeof hb.installation_id, "%s",
		    id2);
		snprintf(hb.state, sizeof hb.state, "activated");
		snprintf(hb.host, sizeof hb.host, "elsewhere.invalid");
		hb.last_seen = (int64_t)time(NULL);
		ck_assert_int_eq(rs_service_heartbeat(ctx, &hb, &err), RS_OK);
		ck_assert_int_eq(rs_op_remove(ctx, id2, false, &err), RS_OK);
		ck_assert_int_eq(rs_op_member_reach(ctx)->how,
		    RS_REACH_NEXT_HEARTBEAT);
		ck_assert_int_eq(rs_op_member_reach(ctx)->within, 3600);
		ck_assert_ptr_nonnull(strstr(rs_op_member_reach(ctx)->text,
		    "runs on elsewhere.invalid, not here"));
		/* It stops: no longer listed. */
		snprintf(hb.state, sizeof hb.state, "stopped");
		ck_assert_int_eq(rs_service_heartbeat(ctx, &hb, &err), RS_OK);
	}
	ck_assert_uint_eq(count_members(ctx), 2);
	ck_assert_int_eq(rs_op_remove(ctx, id1, false, &err), RS_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.message, "last member"));
	ck_assert_uint_eq(count_members(ctx), 2);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_remove(ctx, id1, true, &err), RS_OK);
	ck_assert_uint_eq(count_members(ctx), 1);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(backup_refuses_a_weak_password_naming_each_rule)
{
	rs_ctx *ctx = open_member(1);
	rs_error err = { 0 };
	const char *path = tu_path(work, "weak.rskey");
	struct stat st;

	ck_assert_int_eq(rs_op_backup(ctx, path, "password", 8, false, NULL,
	    &err), RS_ERR_POLICY);
	ck_assert_ptr_nonnull(strstr(err.message, "upper-case"));
	ck_assert_ptr_nonnull(strstr(err.message, "digit"));
	ck_assert_ptr_nonnull(strstr(err.message, "symbol"));
	ck_assert_ptr_null(strstr(err.message, "lower-case"));
	ck_assert_int_ne(stat(path, &st), 0);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(backup_then_restore_of_the_same_key)
{
	rs_ctx *ctx = open_member(1);
	rs_restore_result res;
	rs_backup_info info;
	rs_error err = { 0 };
	const char *path = tu_path(work, "same.rskey");
	struct stat st;

	backup_to(ctx, path);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(rs_op_backup_inspect(ctx, path, STRONG, strlen(STRONG),
	    &info, &err), RS_OK);
	ck_assert(info.matches_database);
	ck_assert(info.same_database);
	ck_assert_int_eq(rs_op_restore(ctx, path, STRONG, strlen(STRONG), false,
	    &res, &err), RS_OK);
	ck_assert(!res.key_replaced);
	ck_assert_int_ne(status_of(1).key.last_backup, 0);
	ck_assert_int_eq(status_of(2).activation, RS_ACTIVATED);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_restore(ctx, path, "Wr0ng!Password", 14, false,
	    &res, &err), RS_ERR_BAD_PASSWORD);
	rs_ctx_close(ctx);
}
END_TEST

static void backup_of_template_b(const char *path)
{
	char cfg[PATH_MAX + 64];
	rs_ctx *other = NULL;
	rs_error err = { 0 };

	snprintf(cfg, sizeof cfg, "%s/member1/rsreportserver.conf", template_b);
	ck_assert_int_eq(rs_ctx_open(cfg, &other, &err), RS_OK);
	backup_to(other, path);
	rs_ctx_close(other);
}

START_TEST(restore_of_a_different_key_is_refused_unless_forced)
{
	rs_ctx *ctx = open_member(1);
	rs_restore_result res;
	rs_error err = { 0 };
	const char *path = tu_path(work, "other.rskey");
	char kcv[RS_KCV_HEX_LEN + 1];

	backup_of_template_b(path);
	snprintf(kcv, sizeof kcv, "%s", status_of(1).key.kcv);
	ck_assert_int_eq(rs_op_restore(ctx, path, STRONG, strlen(STRONG), false,
	    &res, &err), RS_ERR_KEY_MISMATCH);
	ck_assert_ptr_nonnull(strstr(err.message, "300"));
	ck_assert_str_eq(status_of(1).key.kcv, kcv);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);

	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_restore(ctx, path, STRONG, strlen(STRONG), true,
	    &res, &err), RS_OK);
	ck_assert(res.key_replaced);
	ck_assert_uint_eq(res.unreadable_values, DEMO_VALUES);
	ck_assert_uint_eq(res.members_reset, 1);
	ck_assert_str_ne(status_of(1).key.kcv, kcv);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	ck_assert_int_eq(status_of(2).activation, RS_WAITING_TO_JOIN);
	ck_assert_uint_eq(verify(1, RS_ERR_FAILED).failed, DEMO_VALUES);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(change_keeps_every_value_and_replaces_every_copy)
{
	rs_ctx *ctx = open_member(1);
	rs_change_result res;
	rs_error err = { 0 };
	rs_status before = status_of(1);

	ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, &res, &err), RS_OK);
	ck_assert_uint_eq(res.values, DEMO_VALUES);
	ck_assert_uint_eq(res.members_rewrapped, 2);
	ck_assert_uint_eq(res.members_waiting, 1);
	ck_assert_str_ne(res.new_kcv, before.key.kcv);
	ck_assert_str_eq(status_of(1).key.kcv, res.new_kcv);
	ck_assert_uint_eq(status_of(1).key.generation, before.key.generation + 1);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	ck_assert_uint_eq(verify(2, RS_OK).ok, DEMO_VALUES);
	ck_assert_int_eq(status_of(3).activation, RS_WAITING_TO_JOIN);
	rs_ctx_close(ctx);
}
END_TEST

static int cancel_after_first(void *arg, uint64_t done, uint64_t total)
{
	int *calls = arg;

	(void)done; (void)total;
	return ++*calls > 1;
}

START_TEST(cancelled_change_leaves_the_key_and_values_unchanged)
{
	rs_ctx *ctx = open_member(1);
	rs_error err = { 0 };
	rs_status before = status_of(1);
	int calls = 0;

	ck_assert_int_eq(rs_op_change(ctx, NULL, cancel_after_first, &calls, NULL,
	    &err), RS_ERR_CANCELLED);
	ck_assert_int_ge(calls, 2);
	ck_assert_str_eq(status_of(1).key.kcv, before.key.kcv);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	ck_assert_uint_eq(verify(2, RS_OK).ok, DEMO_VALUES);
	rs_ctx_close(ctx);
}
END_TEST

/* A declined confirmation, from either face, is one audited record under
 * the core's operation name (issue 14), and nothing else happens. */
START_TEST(declined_confirmation_is_audited_as_cancelled)
{
	rs_ctx *ctx = open_member(1);
	rs_error err = { 0 };
	rs_audit_entry *e = NULL;
	size_t n = 0;

	ck_assert_int_eq(rs_op_cancelled(ctx, "reencrypt", "gen 1", &err),
	    RS_ERR_CANCELLED);
	ck_assert_int_eq(err.code, RS_ERR_CANCELLED);
	ck_assert(strstr(err.message, "nothing was changed") != NULL);
	ck_assert_int_eq(rs_op_cancelled(ctx, "delete", NULL, NULL),
	    RS_ERR_CANCELLED);
	ck_assert_int_eq(rs_op_audit_read(ctx, 2, &e, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(e[0].operation, "delete");
	ck_assert_str_eq(e[0].outcome, "cancelled");
	ck_assert_str_eq(e[0].target, "");
	ck_assert_str_eq(e[1].operation, "change");
	ck_assert_str_eq(e[1].outcome, "cancelled");
	ck_assert_str_eq(e[1].target, "gen 1");
	free(e);
	rs_ctx_close(ctx);
}
END_TEST

struct reentry { int datasources, subscriptions; };

static void count_reentry(void *arg, int table, int64_t id, const char *name,
    const char *what)
{
	struct reentry *r = arg;

	(void)id;
	ck_assert(name[0] != '\0');
	ck_assert(what[0] != '\0');
	if (table == RS_TABLE_SUBSCRIPTIONS)
		r->subscriptions++;
	else
		r->datasources++;
}

START_TEST(delete_lists_what_to_reenter_and_makes_a_fresh_key)
{
	rs_ctx *ctx = open_member(1);
	rs_delete_result preview, res;
	struct reentry seen = { 0, 0 };
	rs_error err = { 0 };
	rs_status before = status_of(1), after;

	ck_assert_int_eq(rs_op_delete_preview(ctx, &preview, &err), RS_OK);
	ck_assert_uint_eq(preview.values, DEMO_VALUES);
	ck_assert_int_eq(rs_op_delete(ctx, count_reentry, &seen, &res, &err),
	    RS_OK);
	ck_assert_uint_eq(res.values, DEMO_VALUES);
	ck_assert_uint_eq((uint64_t)seen.datasources, preview.datasources);
	ck_assert_uint_eq((uint64_t)seen.subscriptions, preview.subscriptions);
	ck_assert_uint_eq(preview.datasources * 2 + preview.subscriptions,
	    DEMO_VALUES);
	after = status_of(1);
	ck_assert_uint_eq(after.values_total, 0);
	ck_assert_str_ne(after.key.kcv, before.key.kcv);
	ck_assert_int_eq(after.activation, RS_ACTIVATED);
	ck_assert_int_eq(status_of(2).activation, RS_ACTIVATED);
	ck_assert_uint_eq(verify(1, RS_OK).checked, 0);
	rs_ctx_close(ctx);
}
END_TEST

/* As root the key store must really change hands: use an account that
 * exists everywhere.  Otherwise the flow runs and says ownership stayed. */
static const char *other_account(void)
{
	return geteuid() == 0 ? "nobody" : "rsdemo-other";
}

static int change_account(rs_ctx *ctx, rs_backup_assurance assurance,
    rs_account_result *res, rs_error *err)
{
	rs_account_options opt = { .account = other_account(),
	    .assurance = assurance };

	return rs_op_account_change(ctx, &opt, res, err);
}

START_TEST(service_account_change_demands_a_backup)
{
	rs_ctx *ctx = open_member(1);
	rs_account_result res;
	rs_error err = { 0 };
	char keystore[PATH_MAX], base[PATH_MAX];
	struct stat st;

	/* Only root gives an instance to another account (issue 14); the new
	 * account must pass through the test's folder, as through /var/lib. */
	if (geteuid() != 0) {
		ck_assert_int_eq(change_account(ctx, RS_BACKUP_STATED, &res, &err),
		    RS_ERR_NOT_FOUND);
		rs_ctx_close(ctx);
		tu_skip("service_account_change_demands_a_backup", "not root");
		return;
	}
	snprintf(base, sizeof base, "%s", work);
	*strrchr(base, '/') = '\0';
	ck_assert_int_eq(chmod(base, 0711), 0);
	/* On PostgreSQL no database folder goes to the account. */
	ck_assert_int_eq(chmod(work, 0711), 0);
	snprintf(keystore, sizeof keystore, "%s", rs_ctx_config(ctx)->keystore);
	ck_assert_int_eq(change_account(ctx, RS_BACKUP_NONE, &res, &err), RS_ERR_BACKUP_REQUIRED);
	rs_err_clear(&err);
	ck_assert_int_eq(change_account(ctx, RS_BACKUP_MADE, &res, &err), RS_ERR_BACKUP_REQUIRED);
	backup_to(ctx, tu_path(work, "before-account.rskey"));
	rs_err_clear(&err);
	ck_assert_int_eq(change_account(ctx, RS_BACKUP_MADE, &res, &err), RS_OK);
	rs_ctx_close(ctx);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	ctx = open_member(1);
	ck_assert_str_eq(rs_ctx_config(ctx)->service_account, other_account());
	rs_ctx_close(ctx);
	ck_assert_int_eq(stat(keystore, &st), 0);
	if (geteuid() == 0) {
		ck_assert(res.ownership_changed);
		ck_assert_uint_eq(st.st_uid, getpwnam("nobody")->pw_uid);
	} else {
		ck_assert(!res.ownership_changed);
		ck_assert_ptr_nonnull(strstr(res.note, "did not change"));
	}
}
END_TEST

START_TEST(interrupted_account_change_is_rolled_back_on_open)
{
	rs_ctx *ctx = open_member(1);
	char marker[PATH_MAX + 64];
	struct stat st;

	snprintf(marker, sizeof marker, "%s/%s.account-change",
	    rs_ctx_config(ctx)->keystore, rs_ctx_config(ctx)->installation_id);
	rs_ctx_close(ctx);
	/* A crash before the database committed: marker only. */
	tu_write_file(marker, "someone-else\n", 0600);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	ck_assert_int_ne(stat(marker, &st), 0);
	ctx = open_member(1);
	ck_assert_str_ne(rs_ctx_config(ctx)->service_account, "someone-else");
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(second_admin_gets_busy_while_the_lock_is_held)
{
	int ready[2], rc, tries;
	pid_t child;
	rs_ctx *ctx = open_member(1);
	rs_error err = { 0 };
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		/* Another admin: its own connection to the database. */
		rs_store *s = NULL;

		if (rs_store_open(rs_ctx_config(ctx), false, &s, NULL) != RS_OK ||
		    s->ops->admin_lock(s, "change", NULL) != RS_OK)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err), RS_ERR_BUSY);
	ck_assert_ptr_nonnull(strstr(err.message, "in use by"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* The holder died: its lock is gone with it (a database server may
	 * take a moment to notice the closed connection). */
	for (tries = 0; tries < 50; tries++) {
		rs_err_clear(&err);
		rc = rs_op_change(ctx, NULL, NULL, NULL, NULL, &err);
		if (rc != RS_ERR_BUSY)
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(rc == RS_OK, "%s", err.message);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(a_value_moved_to_another_row_does_not_decrypt)
{
	char db[PATH_MAX];
	sqlite3 *sql;
	rs_ctx *ctx = open_member(1);
	rs_verify_result res;

	static const char move[] = "UPDATE datasources SET "
	    "connection_string = (SELECT connection_string FROM datasources "
	    "ORDER BY id LIMIT 1) WHERE id = (SELECT id FROM datasources "
	    "ORDER BY id LIMIT 1 OFFSET 1)";

	snprintf(db, sizeof db, "%s", rs_ctx_config(ctx)->database);
	rs_ctx_close(ctx);
	if (pg_server != NULL) {
		ck_assert_int_eq(pg_exec(pg_work, move), 0);
	} else {
		ck_assert_int_eq(sqlite3_open(db, &sql), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(sql, move, NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(sql);
	}
	res = verify(1, RS_ERR_FAILED);
	ck_assert_uint_eq(res.failed, 1);
	ck_assert_uint_eq(res.auth_failed, 1);
	ck_assert_uint_eq(res.failed_cells[RS_TABLE_DATASOURCES][0], 1);
	/* A change refuses to go on with a value it cannot read. */
	ctx = open_member(1);
	{
		rs_error err = { 0 };
		rs_status before = status_of(1);

		ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err),
		    RS_ERR_CRYPTO);
		ck_assert_str_eq(status_of(1).key.kcv, before.key.kcv);
	}
	rs_ctx_close(ctx);
}
END_TEST

/* Issue 14: a row planted after the review (here the waiting member 3
 * made to look joined, with its own public key) does not get the new key;
 * the candidates show it, so a review made now would. */
START_TEST(change_wraps_only_the_reviewed_members)
{
	char db[PATH_MAX], plant[512], id3[RS_ID_LEN + 1];
	sqlite3 *sql;
	rs_ctx *ctx = open_member(3);
	rs_reviewed *before = NULL, *after = NULL;
	size_t nb = 0, na = 0;
	rs_change_options opt = { .force = false };
	rs_change_result res;
	rs_error err = { 0 };

	snprintf(id3, sizeof id3, "%s", rs_ctx_config(ctx)->installation_id);
	rs_ctx_close(ctx);
	ctx = open_member(1);
	ck_assert_int_eq(rs_op_change_candidates(ctx, &before, &nb, &err), RS_OK);
	ck_assert_uint_eq(nb, 2);
	ck_assert_uint_eq(strlen(before[0].fingerprint), RS_FINGERPRINT_LEN);
	ck_assert_str_ne(before[0].fingerprint, before[1].fingerprint);
	snprintf(db, sizeof db, "%s", rs_ctx_config(ctx)->database);
	rs_ctx_close(ctx);
	snprintf(plant, sizeof plant, "UPDATE members SET wrapped_key = (SELECT "
	    "wrapped_key FROM members WHERE wrapped_key IS NOT NULL ORDER BY "
	    "installation_id LIMIT 1), key_generation = (SELECT key_generation "
	    "FROM members WHERE wrapped_key IS NOT NULL ORDER BY "
	    "installation_id LIMIT 1) WHERE installation_id = '%s'", id3);
	if (pg_server != NULL) {
		ck_assert_int_eq(pg_exec(pg_work, plant), 0);
	} else {
		ck_assert_int_eq(sqlite3_open(db, &sql), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(sql, plant, NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(sql);
	}
	ctx = open_member(1);
	ck_assert_int_eq(rs_op_change_candidates(ctx, &after, &na, &err), RS_OK);
	ck_assert_uint_eq(na, 3);
	ck_assert(!rs_reviewed_same(before, nb, after, na));
	ck_assert(rs_reviewed_same(before, nb, before, nb));
	opt.reviewed = before;
	opt.nreviewed = nb;
	ck_assert_int_eq(rs_op_change(ctx, &opt, NULL, NULL, &res, &err), RS_OK);
	ck_assert_uint_eq(res.members_rewrapped, 2);
	ck_assert_uint_eq(res.members_skipped, 1);
	rs_ctx_close(ctx);
	ck_assert_int_eq(status_of(2).activation, RS_ACTIVATED);
	ck_assert_int_ne(status_of(3).activation, RS_ACTIVATED);
	free(before);
	free(after);
}
END_TEST

/* ---- the database is hostile input (issue 14) ---- */

/* Runs sql on member 1's database, either backend. */
static void db_exec(const char *sql)
{
	rs_ctx *ctx = open_member(1);
	char db[PATH_MAX];
	sqlite3 *h;

	snprintf(db, sizeof db, "%s", rs_ctx_config(ctx)->database);
	rs_ctx_close(ctx);
	if (pg_server != NULL) {
		ck_assert_int_eq(pg_exec(pg_work, sql), 0);
		return;
	}
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
}

/* The same database under another id: what a copy of its file (or its
 * rows) placed in another database looks like. */
static void give_another_database_id(void)
{
	db_exec("UPDATE meta SET value = "
	    "'5e1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b' WHERE key = 'database_id'");
}

START_TEST(a_key_copy_moved_to_another_database_is_refused)
{
	rs_ctx *ctx;
	rs_status st;
	rs_error err = { 0 };

	give_another_database_id();
	ctx = open_member(1);
	ck_assert_int_eq(rs_op_status(ctx, &st, &err), RS_OK);
	ck_assert_int_eq(st.activation, RS_UNWRAP_FAILED);
	ck_assert_int_eq(status_of(2).activation, RS_UNWRAP_FAILED);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err),
	    RS_ERR_NOT_ACTIVATED);
	rs_ctx_close(ctx);
}
END_TEST

START_TEST(values_copied_to_another_database_sharing_the_key_do_not_open)
{
	rs_ctx *ctx = open_member(1);
	const char *path = tu_path(work, "shared.rskey");
	rs_restore_result rres;
	rs_verify_result res;
	rs_error err = { 0 };

	backup_to(ctx, path);
	rs_ctx_close(ctx);
	/* Another database that was given the same key (the backup applied
	 * to it), holding values copied from the first. */
	give_another_database_id();
	ctx = open_member(1);
	ck_assert_msg(rs_op_restore(ctx, path, STRONG, strlen(STRONG), true,
	    &rres, &err) == RS_OK, "%s", err.message);
	rs_ctx_close(ctx);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	res = verify(1, RS_ERR_FAILED);
	ck_assert_uint_eq(res.ok, 0);
	ck_assert_uint_eq(res.auth_failed, DEMO_VALUES);
}
END_TEST

/* Seals like the code before format 2: associated data without the
 * database id and the item name. */
static void seal_v1(const rs_symkey *k, const char *table, int64_t row,
    const char *column, uint32_t gen, const unsigned char *plain,
    size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	char aad[256];
	int n, outl = 0, finl = 0;

	n = snprintf(aad, sizeof aad, "rsconfig-value-v1%c%s%c%lld%c%s%c%u",
	    0, table, 0, (long long)row, 0, column, 0, gen);
	out[0] = 1;
	out[1] = (unsigned char)(gen >> 24);
	out[2] = (unsigned char)(gen >> 16);
	out[3] = (unsigned char)(gen >> 8);
	out[4] = (unsigned char)gen;
	memcpy(out + 5, &row, sizeof row);   /* unique per row: a test nonce */
	memcpy(out + 13, column, 4);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL,
	    k->bytes, out + 5), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, NULL, &outl,
	    (unsigned char *)aad, n), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, out + 17, &outl, plain,
	    (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, out + 17 + outl, &finl), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    out + 17 + len), 1);
	EVP_CIPHER_CTX_free(c);
}

/* Rewrites every data source connection string in format 1. */
static void downgrade_connection_strings(const char *db, const rs_symkey *k,
    const rs_backup_meta *meta)
{
	rs_aead *aead = rs_aead_new(k, meta->generation, meta->database_id,
	    NULL);
	sqlite3 *h;
	sqlite3_stmt *sel, *upd;
	unsigned char plain[1024], sealed[1024 + RS_SEAL_OVERHEAD];

	ck_assert_ptr_nonnull(aead);
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT id, name, "
	    "connection_string FROM datasources WHERE connection_string IS NOT "
	    "NULL", -1, &sel, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "UPDATE datasources SET "
	    "connection_string = ?2 WHERE id = ?1", -1, &upd, NULL), SQLITE_OK);
	sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		rs_value_place place = { "datasources", id, "connection_string",
		    (const char *)sqlite3_column_text(sel, 1) };
		size_t len = (size_t)sqlite3_column_bytes(sel, 2), pn = 0;

		ck_assert_uint_le(len, sizeof plain);
		ck_assert_int_eq(rs_aead_open(aead, &place,
		    sqlite3_column_blob(sel, 2), len, plain, &pn, NULL),
		    RS_OPEN_OK);
		seal_v1(k, "datasources", id, "connection_string",
		    meta->generation, plain, pn, sealed);
		sqlite3_bind_int64(upd, 1, id);
		sqlite3_bind_blob(upd, 2, sealed, (int)(pn + RS_SEAL_OVERHEAD),
		    SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(upd), SQLITE_DONE);
		sqlite3_reset(upd);
	}
	ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_close(h);
	rs_aead_free(aead);
}

static int64_t count_format(const char *db, int version)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[160];
	int64_t n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM datasources WHERE "
	    "substr(connection_string, 1, 1) = x'%02x'", version);
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

START_TEST(old_format_values_open_and_change_reseals_them)
{
	rs_ctx *ctx = open_member(1);
	const char *path = tu_path(work, "old.rskey");
	rs_symkey *k = rs_symkey_new();
	rs_backup_meta meta;
	rs_error err = { 0 };
	char db[PATH_MAX];
	int64_t old;

	if (pg_server != NULL) {
		rs_ctx_close(ctx);
		rs_symkey_free(k);
		tu_skip("old_format_values_open_and_change_reseals_them",
		    "rewrites the values through SQLite");
		return;
	}
	snprintf(db, sizeof db, "%s", rs_ctx_config(ctx)->database);
	backup_to(ctx, path);
	rs_ctx_close(ctx);
	ck_assert_int_eq(rs_backup_read(path, STRONG, strlen(STRONG), k, &meta,
	    &err), RS_OK);
	downgrade_connection_strings(db, k, &meta);
	old = count_format(db, 1);
	ck_assert_int_gt(old, 0);
	ck_assert_int_eq(count_format(db, 2), 0);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	ctx = open_member(1);
	ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err), RS_OK);
	rs_ctx_close(ctx);
	ck_assert_int_eq(count_format(db, 1), 0);
	ck_assert_int_eq(count_format(db, 2), old);
	ck_assert_uint_eq(verify(1, RS_OK).ok, DEMO_VALUES);
	ck_assert_uint_eq(verify(2, RS_OK).ok, DEMO_VALUES);
	rs_symkey_free(k);
}
END_TEST

START_TEST(swapped_names_do_not_open)
{
	rs_verify_result res;

	db_exec("UPDATE datasources SET name = CASE id "
	    "WHEN (SELECT min(id) FROM datasources) THEN "
	    "(SELECT name FROM datasources ORDER BY id LIMIT 1 OFFSET 1) "
	    "ELSE (SELECT name FROM datasources ORDER BY id LIMIT 1) END "
	    "WHERE id IN (SELECT id FROM datasources ORDER BY id LIMIT 2)");
	res = verify(1, RS_ERR_FAILED);
	ck_assert_uint_ge(res.auth_failed, 2);
}
END_TEST

/* SQL hex literal of a fresh RSA public key (DER). */
static char *rsa_public_hex(unsigned bits, unsigned e)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_new();
	unsigned char *der = NULL;
	char *hex;
	int n;

	BN_set_word(bn, e);
	ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, bn), 0);
	ck_assert_int_eq(EVP_PKEY_generate(c, &pkey), 1);
	n = i2d_PUBKEY(pkey, &der);
	ck_assert_int_gt(n, 0);
	hex = malloc(2 * (size_t)n + 1);
	rs_hex_encode(der, (size_t)n, hex);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	BN_free(bn);
	EVP_PKEY_CTX_free(c);
	return hex;
}

static void plant_public_key(int i, const char *hex)
{
	rs_ctx *ctx = open_member(i);
	char sql[4096];

	/* A blob from hex: x'..' in SQLite, decode() in PostgreSQL. */
	snprintf(sql, sizeof sql, pg_server != NULL
	    ? "UPDATE members SET public_key = decode('%s', 'hex') "
	    "WHERE installation_id = '%s'"
	    : "UPDATE members SET public_key = x'%s' "
	    "WHERE installation_id = '%s'", hex,
	    rs_ctx_config(ctx)->installation_id);
	rs_ctx_close(ctx);
	db_exec(sql);
}

START_TEST(weak_member_keys_get_no_copy_of_the_key)
{
	rs_ctx *ctx = open_member(1), *m3 = open_member(3);
	char *small = rsa_public_hex(2048, 65537);
	char *e3 = rsa_public_hex(3072, 3);
	rs_status before = status_of(1);
	rs_error err = { 0 };

	/* A waiting member planted with a 2048-bit key is not joined. */
	plant_public_key(3, small);
	ck_assert_int_eq(rs_op_join(ctx, rs_ctx_config(m3)->installation_id,
	    &err), RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, rs_ctx_config(m3)->installation_id)
	    && strstr(err.message, "2048"), "%s", err.message);
	rs_err_clear(&err);
	/* A joined member whose key was replaced by one with e = 3 stops
	 * the change, which names it; nothing changed. */
	plant_public_key(2, e3);
	ck_assert_int_eq(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err),
	    RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, "exponent 3") != NULL, "%s",
	    err.message);
	ck_assert_str_eq(status_of(1).key.kcv, before.key.kcv);
	free(small);
	free(e3);
	rs_ctx_close(m3);
	rs_ctx_close(ctx);
}
END_TEST

/* Member 1's wrapped copy as stored (SQLite). */
static unsigned char *stored_copy(const char *db, const char *id, size_t *len)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	unsigned char *out = NULL;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT wrapped_key FROM members "
	    "WHERE installation_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	*len = (size_t)sqlite3_column_bytes(st, 0);
	out = malloc(*len);
	memcpy(out, sqlite3_column_blob(st, 0), *len);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out;
}

START_TEST(unlabelled_key_copies_still_open_and_change_labels_them)
{
	rs_ctx *ctx = open_member(1);
	const rs_config *cfg = rs_ctx_config(ctx);
	const char *path = tu_path(work, "label.rskey");
	rs_symkey *k = rs_symkey_new(), *out = rs_symkey_new();
	rs_keypair *kp = NULL;
	rs_backup_meta meta;
	rs_error err = { 0 };
	unsigned char *der = NULL, *wrapped = NULL;
	size_t der_len = 0, len = 0;
	char db[PATH_MAX], id[RS_ID_LEN + 1], *hex, sql[2048];
	rs_wrap_label label = { NULL, id, 0 };

	if (pg_server != NULL) {
		rs_ctx_close(ctx);
		rs_symkey_free(k);
		rs_symkey_free(out);
		tu_skip("unlabelled_key_copies_still_open_and_change_labels_them",
		    "reads the copies through SQLite");
		return;
	}
	snprintf(db, sizeof db, "%s", cfg->database);
	snprintf(id, sizeof id, "%s", cfg->installation_id);
	backup_to(ctx, path);
	ck_assert_int_eq(rs_backup_read(path, STRONG, strlen(STRONG), k, &meta,
	    &err), RS_OK);
	ck_assert_int_eq(rs_keystore_load(cfg->keystore, id, &kp, &err), RS_OK);
	rs_ctx_close(ctx);
	/* A copy as the code before labels wrote it. */
	ck_assert_int_eq(rs_keypair_public_der(kp, &der, &der_len, &err), RS_OK);
	ck_assert_int_eq(rs_key_wrap(der, der_len, k, NULL, &wrapped, &len,
	    &err), RS_OK);
	hex = malloc(2 * len + 1);
	rs_hex_encode(wrapped, len, hex);
	snprintf(sql, sizeof sql, "UPDATE members SET wrapped_key = x'%s' "
	    "WHERE installation_id = '%s'", hex, id);
	db_exec(sql);
	free(hex);
	free(wrapped);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	ctx = open_member(1);
	ck_assert_msg(rs_op_change(ctx, NULL, NULL, NULL, NULL, &err) == RS_OK,
	    "%s", err.message);
	rs_ctx_close(ctx);
	ck_assert_int_eq(status_of(1).activation, RS_ACTIVATED);
	/* The new copy carries the label: it no longer opens without it. */
	wrapped = stored_copy(db, id, &len);
	ck_assert_int_eq(rs_key_unwrap(kp, wrapped, len, NULL, out, NULL, &err),
	    RS_ERR_CRYPTO);
	rs_err_clear(&err);
	label.database_id = meta.database_id;
	label.generation = meta.generation + 1;
	ck_assert_int_eq(rs_key_unwrap(kp, wrapped, len, &label, out, NULL,
	    &err), RS_OK);
	free(wrapped);
	free(der);
	rs_keypair_free(kp);
	rs_symkey_free(k);
	rs_symkey_free(out);
}
END_TEST

START_TEST(init_is_idempotent_and_second_instance_waits)
{
	rs_ctx *ctx = NULL;
	rs_init_result res;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_ctx_open_for_init(member(1), &ctx, &err), RS_OK);
	ck_assert_int_eq(rs_op_init(ctx, &res, &err), RS_OK);
	ck_assert(!res.created_keypair && !res.created_key && !res.created_member);
	ck_assert_int_eq(res.state, RS_MEMBER_JOINED);
	rs_ctx_close(ctx);
	ck_assert_int_eq(rs_ctx_open_for_init(member(3), &ctx, &err), RS_OK);
	ck_assert_int_eq(rs_op_init(ctx, &res, &err), RS_OK);
	ck_assert_int_eq(res.state, RS_MEMBER_WAITING);
	rs_ctx_close(ctx);
}
END_TEST

static Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("ops");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, demo_member_is_activated_with_its_values);
	tcase_add_test(tc, waiting_member_says_why_it_is_not_activated);
	tcase_add_test(tc, status_shows_the_key_stores_own_fingerprint);
	tcase_add_test(tc, join_activates_a_waiting_member_once);
	tcase_add_test(tc, waiting_member_cannot_join_others);
	tcase_add_test(tc, must_join_is_waiting_or_not_activated_elsewhere);
	tcase_add_test(tc, each_member_walks_the_list_in_order_with_service_state);
	tcase_add_test(tc, remove_refuses_the_last_joined_member_unless_allowed);
	tcase_add_test(tc, backup_refuses_a_weak_password_naming_each_rule);
	tcase_add_test(tc, backup_then_restore_of_the_same_key);
	tcase_add_test(tc, restore_of_a_different_key_is_refused_unless_forced);
	tcase_add_test(tc, change_keeps_every_value_and_replaces_every_copy);
	tcase_add_test(tc, cancelled_change_leaves_the_key_and_values_unchanged);
	tcase_add_test(tc, declined_confirmation_is_audited_as_cancelled);
	tcase_add_test(tc, delete_lists_what_to_reenter_and_makes_a_fresh_key);
	tcase_add_test(tc, service_account_change_demands_a_backup);
	tcase_add_test(tc, interrupted_account_change_is_rolled_back_on_open);
	tcase_add_test(tc, second_admin_gets_busy_while_the_lock_is_held);
	tcase_add_test(tc, a_value_moved_to_another_row_does_not_decrypt);
	tcase_add_test(tc, init_is_idempotent_and_second_instance_waits);
	tcase_add_test(tc, change_wraps_only_the_reviewed_members);
	tcase_add_test(tc, a_key_copy_moved_to_another_database_is_refused);
	tcase_add_test(tc,
	    values_copied_to_another_database_sharing_the_key_do_not_open);
	tcase_add_test(tc, old_format_values_open_and_change_reseals_them);
	tcase_add_test(tc, swapped_names_do_not_open);
	tcase_add_test(tc, weak_member_keys_get_no_copy_of_the_key);
	tcase_add_test(tc,
	    unlabelled_key_copies_still_open_and_change_labels_them);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int rc;
	const char *backend = getenv("RS_TEST_BACKEND");

	if (backend != NULL && strcmp(backend, "postgresql") == 0) {
		pg_server = getenv("RS_TEST_PG");
		if (!HAVE_POSTGRESQL || pg_server == NULL) {
			fprintf(stderr, "RS_TEST_BACKEND=postgresql needs a build with "
			    "PostgreSQL and RS_TEST_PG\n");
			return 1;
		}
	}
	if (tu_lock_dir() != 0)
		return 99;
	make_template(template_a, sizeof template_a);
	make_template(template_b, sizeof template_b);
	rc = tu_run(ops_suite());
	if (pg_server != NULL) {
		pg_dropdb(pg_tmpl_a);
		pg_dropdb(pg_tmpl_b);
	}
	*strrchr(template_a, '/') = '\0';
	*strrchr(template_b, '/') = '\0';
	tu_rmtree(template_a);
	tu_rmtree(template_b);
	return rc;
}
