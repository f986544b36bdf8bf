/* check_store_pg.c: the PostgreSQL backend of the store, the counterpart of
 * tests/unit/check_store.c.  Run by tests/pg/store.sh, which starts a
 * server and sets RS_TEST_PG (a connection string without dbname); every
 * test gets a database of its own. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "store.h"
#include "../unit/testutil.h"

static const char *server;
static char dbname[64];
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

static rs_store *open_store(bool create)
{
	rs_store *s = NULL;
	rs_error err = { 0 };
	int rc = rs_store_open(&cfg, create, &s, &err);

	ck_assert_msg(rc == RS_OK, "open: %s", err.message);
	ck_assert_ptr_nonnull(s);
	return s;
}

static int open_fails(bool create, rs_error *err)
{
	rs_store *s = (rs_store *)1;
	int rc;

	rs_err_clear(err);
	rc = rs_store_open(&cfg, create, &s, err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(rc, err->code);
	return rc;
}

/* ---- open ---- */

START_TEST(test_create_open)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	char id1[RS_ID_LEN + 1], id2[RS_ID_LEN + 1];
	const char *d = s->ops->describe(s);

	ck_assert_int_eq(s->ops->database_id(s, id1, &err), RS_OK);
	ck_assert(rs_uuid_valid(id1));
	ck_assert_msg(strncmp(d, "PostgreSQL host=", 16) == 0, "%s", d);
	ck_assert_ptr_nonnull(strstr(d, dbname));
	ck_assert_ptr_null(strstr(d, "password"));
	rs_store_close(s);
	s = open_store(false);
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
	s = open_store(true);    /* create keeps an existing database */
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
}
END_TEST

START_TEST(test_missing_without_create)
{
	rs_error err;

	ck_assert_int_eq(open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "--init") != NULL, "%s", err.message);
	/* nothing was made: create still makes it */
	rs_store_close(open_store(true));
}
END_TEST

START_TEST(test_newer_schema)
{
	rs_error err;

	rs_store_close(open_store(true));
	admin_exec(dbname, "UPDATE meta SET value = '2' WHERE key = "
	    "'schema_version'");
	ck_assert_int_eq(open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "newer rsconfig (schema 2)") != NULL,
	    "%s", err.message);
	ck_assert_int_eq(open_fails(true, &err), RS_ERR_DATABASE);
}
END_TEST

START_TEST(test_foreign_database)
{
	rs_error err;

	admin_exec(dbname, "CREATE TABLE t (x int)");
	ck_assert_int_eq(open_fails(true, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "not a report server database") != NULL,
	    "%s", err.message);
}
END_TEST

START_TEST(test_no_server)
{
	rs_error err;

	snprintf(cfg.connection, sizeof cfg.connection, "host=/nonexistent "
	    "port=1 dbname=x connect_timeout=2");
	ck_assert_int_eq(open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "cannot connect") != NULL, "%s",
	    err.message);
}
END_TEST

START_TEST(test_password_refused)
{
	rs_error err;

	snprintf(cfg.connection, sizeof cfg.connection, "%s dbname=%s "
	    "password=secret", server, dbname);
	ck_assert_int_eq(open_fails(false, &err), RS_ERR_CONFIG);
	ck_assert_ptr_null(strstr(err.message, "secret"));
	snprintf(cfg.connection, sizeof cfg.connection,
	    "postgresql://rs:secret@db01/reports");
	ck_assert_int_eq(open_fails(false, &err), RS_ERR_CONFIG);
}
END_TEST

/* ---- members and key information ---- */

static void make_member(rs_member *m, const char *id, const char *machine,
    const char *instance, bool joined)
{
	memset(m, 0, sizeof *m);
	snprintf(m->installation_id, sizeof m->installation_id, "%s", id);
	snprintf(m->machine, sizeof m->machine, "%s", machine);
	snprintf(m->instance, sizeof m->instance, "%s", instance);
	snprintf(m->service_account, sizeof m->service_account, "svc");
	m->public_key = (unsigned char *)strdup("PUBLIC-KEY-DER");
	m->public_key_len = 14;
	if (joined) {
		m->wrapped_key = malloc(11);
		memcpy(m->wrapped_key, "WRAPPED\0KEY", 11);
		m->wrapped_key_len = 11;
		m->key_generation = 3;
		m->joined = 2000;
	}
	m->created = 1000;
}

START_TEST(test_members)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_member a, b, c, got, *list;
	size_t n;

	make_member(&a, "00000000-0000-4000-8000-00000000000a", "web2", "RS", true);
	make_member(&b, "00000000-0000-4000-8000-00000000000b", "web1", "ZZ", false);
	make_member(&c, "00000000-0000-4000-8000-00000000000c", "Web1", "AA", true);
	ck_assert_int_eq(s->ops->member_put(s, &a, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &b, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &c, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_get(s, a.installation_id, &got, &err),
	    RS_OK);
	ck_assert_str_eq(got.machine, "web2");
	ck_assert_uint_eq(got.wrapped_key_len, 11);
	ck_assert_mem_eq(got.wrapped_key, "WRAPPED\0KEY", 11);
	ck_assert_uint_eq(got.key_generation, 3);
	ck_assert_int_eq(got.created, 1000);
	ck_assert_int_eq(got.joined, 2000);
	rs_member_clear(&got);
	ck_assert_int_eq(s->ops->member_get(s, b.installation_id, &got, &err),
	    RS_OK);
	ck_assert_ptr_null(got.wrapped_key);
	rs_member_clear(&got);
	/* byte order, as SQLite: "Web1" < "web1" < "web2" */
	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].installation_id, c.installation_id);
	ck_assert_str_eq(list[1].installation_id, b.installation_id);
	ck_assert_str_eq(list[2].installation_id, a.installation_id);
	rs_members_free(list, n);
	ck_assert_int_eq(s->ops->member_delete(s, c.installation_id, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_get(s, c.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->member_delete(s, c.installation_id, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	rs_member_clear(&c);
	ck_assert_int_eq(s->ops->member_put(s, &c, &err), RS_ERR_INTERNAL);
	rs_member_clear(&a);
	rs_member_clear(&b);
	rs_store_close(s);
}
END_TEST

START_TEST(test_keyinfo)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_keyinfo in = { .present = true, .generation = 7, .kcv =
	    "0123456789abcdef", .created = 1700000000, .last_backup = 1700000100,
	    .last_change = 1700000200 }, out;

	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	in.generation = 8;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(out.present);
	ck_assert_uint_eq(out.generation, 8);
	ck_assert_str_eq(out.kcv, "0123456789abcdef");
	ck_assert_int_eq(out.last_backup, 1700000100);
	ck_assert_int_eq(out.last_change, 1700000200);
	in.present = false;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	rs_store_close(s);
}
END_TEST

/* ---- content ---- */

#define NROWS 1300

static bool has_cell(size_t i, int c)
{
	return c == 0 ? i % 5 != 0 : i % 3 == 0;
}

static void fill_content(rs_store *s, int64_t ids[NROWS])
{
	rs_error err = { 0 };
	rs_content_row row;
	char name[32], v0[64], v1[64];
	int n1;

	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(name, sizeof name, "ds%zu", i);
		ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_DATASOURCES,
		    name, &ids[i], &err), RS_OK);
		memset(&row, 0, sizeof row);
		row.id = ids[i];
		snprintf(v0, sizeof v0, "conn-%zu", i);
		n1 = snprintf(v1, sizeof v1, "cred-%zu\x01", i);
		v1[n1 + 1] = 'x';   /* "cred-N\1", NUL, 'x' */
		if (has_cell(i, 0)) {
			row.cell[0] = (const unsigned char *)v0;
			row.cell_len[0] = strlen(v0);
		}
		if (has_cell(i, 1)) {
			row.cell[1] = (const unsigned char *)v1;
			row.cell_len[1] = (size_t)n1 + 2;   /* a NUL inside */
		}
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_DATASOURCES,
		    &row, &err), RS_OK);
	}
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
}

START_TEST(test_content)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	static int64_t ids[NROWS];
	int64_t after = 0, sid;
	size_t seen = 0, want = 0, idx;
	char v[64];

	fill_content(s, ids);
	ck_assert_int_eq(ids[0], 1);   /* ids as SQLite's rowid */
	for (size_t i = 0; i < NROWS; i++)
		want += has_cell(i, 0) || has_cell(i, 1);
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], NROWS - NROWS / 5);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][1], (NROWS + 2) / 3);
	for (;;) {
		ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, after,
		    &batch, &err), RS_OK);
		if (batch.count == 0)
			break;
		for (size_t i = 0; i < batch.count; i++) {
			const rs_content_row *r = &batch.rows[i];

			ck_assert_int_gt(r->id, after);
			after = r->id;
			idx = (size_t)(r->id - ids[0]);
			snprintf(v, sizeof v, "ds%zu", idx);
			ck_assert_str_eq(r->name, v);
			ck_assert_int_eq(r->cell[0] != NULL, has_cell(idx, 0));
			ck_assert_int_eq(r->cell[1] != NULL, has_cell(idx, 1));
			if (r->cell[1]) {
				snprintf(v, sizeof v, "cred-%zu\x01", idx);
				ck_assert_uint_eq(r->cell_len[1], strlen(v) + 2);
				ck_assert_mem_eq(r->cell[1], v, strlen(v) + 1);
			}
			seen++;
		}
	}
	ck_assert_uint_eq(seen, want);
	/* an empty, non-NULL cell stays non-NULL */
	ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_SUBSCRIPTIONS, "w",
	    &sid, &err), RS_OK);
	{
		rs_content_row row = { .id = sid };

		row.cell[0] = (const unsigned char *)"";
		row.cell_len[0] = 0;
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
		    &row, &err), RS_OK);
		row.id = 999999;
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
		    &row, &err), RS_ERR_NOT_FOUND);
		rs_err_clear(&err);
	}
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    &batch, &err), RS_OK);
	ck_assert_uint_eq(batch.count, 1);
	ck_assert_ptr_nonnull(batch.rows[0].cell[0]);
	ck_assert_uint_eq(batch.rows[0].cell_len[0], 0);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_COUNT, 0, &batch, &err),
	    RS_ERR_INTERNAL);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->content_clear(s, RS_TABLE_DATASOURCES, &err),
	    RS_OK);
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], 0);
	ck_assert_uint_eq(counts[RS_TABLE_SUBSCRIPTIONS][0], 1);
	/* scan still sees the rows without cells */
	ck_assert_int_eq(s->ops->content_scan(s, RS_TABLE_DATASOURCES, 0, &batch,
	    &err), RS_OK);
	ck_assert_uint_eq(batch.count, RS_BATCH_ROWS);
	rs_content_batch_free(&batch);
	rs_store_close(s);
}
END_TEST

struct rewrite_arg { unsigned char out[128]; size_t calls; int64_t stop_at; };

/* Replaces a value by "R" + the value; fails at row stop_at. */
static int prefix_r(void *arg, int table, int64_t id, int cell,
    const unsigned char *in, size_t in_len, const unsigned char **out,
    size_t *out_len, rs_error *err)
{
	struct rewrite_arg *a = arg;

	(void)table; (void)cell;
	if (id == a->stop_at)
		return rs_err(err, RS_ERR_CRYPTO, "stop at %lld", (long long)id);
	a->out[0] = 'R';
	memcpy(a->out + 1, in, in_len);
	*out = a->out;
	*out_len = in_len + 1;
	a->calls++;
	return RS_OK;
}

START_TEST(test_rewrite)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	static int64_t ids[NROWS];
	struct rewrite_arg a = { .stop_at = -1 };
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	int64_t after = 0;

	fill_content(s, ids);
	ck_assert_ptr_nonnull(s->ops->content_rewrite);
	/* an error stops it; the rollback keeps every value */
	a.stop_at = ids[NROWS - 2];
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_rewrite(s, RS_TABLE_DATASOURCES,
	    prefix_r, NULL, &a, &err), RS_ERR_CRYPTO);
	rs_store_rollback(s);
	rs_err_clear(&err);
	a.stop_at = -1;
	a.calls = 0;
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_rewrite(s, RS_TABLE_DATASOURCES,
	    prefix_r, NULL, &a, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(a.calls, counts[RS_TABLE_DATASOURCES][0] +
	    counts[RS_TABLE_DATASOURCES][1]);
	for (;;) {
		ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, after,
		    &batch, &err), RS_OK);
		if (batch.count == 0)
			break;
		for (size_t i = 0; i < batch.count; i++) {
			const rs_content_row *r = &batch.rows[i];
			size_t idx = (size_t)(r->id - ids[0]);

			ck_assert_int_eq(r->cell[0] != NULL, has_cell(idx, 0));
			ck_assert_int_eq(r->cell[1] != NULL, has_cell(idx, 1));
			if (r->cell[0])
				ck_assert_mem_eq(r->cell[0], "Rconn-", 6);
			if (r->cell[1])
				ck_assert_mem_eq(r->cell[1], "Rcred-", 6);
			after = r->id;
		}
	}
	rs_content_batch_free(&batch);
	rs_store_close(s);
}
END_TEST

/* ---- transactions and locks ---- */

START_TEST(test_rollback)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_member m, got;
	rs_keyinfo info = { .present = true, .generation = 1, .kcv = "aaaa" };
	int64_t id;

	make_member(&m, "00000000-0000-4000-8000-000000000001", "h", "i", true);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_ERR_INTERNAL);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_put(s, &info, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_SUBSCRIPTIONS, "x",
	    &id, &err), RS_OK);
	rs_store_rollback(s);
	rs_store_rollback(s);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &info, &err), RS_OK);
	ck_assert(!info.present);
	/* closing with an open transaction discards it */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	rs_store_close(s);
	s = open_store(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_member_clear(&m);
	rs_store_close(s);
}
END_TEST

START_TEST(test_begin_contention)
{
	rs_store *a = open_store(true), *b = open_store(false);
	rs_error err = { 0 };
	rs_keyinfo info;

	ck_assert_int_eq(rs_store_begin(a, &err), RS_OK);
	/* waits for the lock timeout, then gives up with a sentence */
	ck_assert_int_eq(rs_store_begin(b, &err), RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, dbname) != NULL, "%s", err.message);
	rs_err_clear(&err);
	/* readers are not blocked by a writer */
	ck_assert_int_eq(b->ops->keyinfo_get(b, &info, &err), RS_OK);
	rs_store_rollback(a);
	ck_assert_int_eq(rs_store_begin(b, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(b, &err), RS_OK);
	rs_store_close(a);
	rs_store_close(b);
}
END_TEST

START_TEST(test_admin_lock)
{
	rs_store *a = open_store(true), *b = open_store(false), *c;
	rs_error err = { 0 };
	char want[64];

	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_OK);
	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_ERR_INTERNAL);
	rs_err_clear(&err);
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "in use by ");
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	snprintf(want, sizeof want, "(pid %ld) since", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert(strstr(err.message, "(change)") != NULL);
	rs_err_clear(&err);
	/* seen from another machine, the pid comes with its host */
	snprintf(cfg.machine, sizeof cfg.machine, "hostb");
	c = open_store(false);
	ck_assert_int_eq(c->ops->admin_lock(c, "delete", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "(pid %ld on hosta) since", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	rs_err_clear(&err);
	a->ops->admin_unlock(a);
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_OK);
	rs_store_close(b);   /* close releases the lock */
	ck_assert_int_eq(c->ops->admin_lock(c, "delete", &err), RS_OK);
	c->ops->admin_unlock(c);
	rs_store_close(c);
	rs_store_close(a);
}
END_TEST

START_TEST(test_import)
{
	rs_store *s = open_store(true), *t;
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	static int64_t ids[NROWS];
	char id[RS_ID_LEN + 1], tid[RS_ID_LEN + 1], sql[128], other[96];
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	int64_t after = INT64_MIN, nid;
	size_t rows = 0;

	fill_content(s, ids);
	ck_assert_int_eq(s->ops->database_id(s, id, &err), RS_OK);
	snprintf(other, sizeof other, "%s_t", dbname);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", other);
	admin_exec("postgres", sql);
	snprintf(cfg.connection, sizeof cfg.connection, "%s dbname=%s", server,
	    other);
	t = open_store(true);
	ck_assert_int_eq(rs_store_begin(t, &err), RS_OK);
	ck_assert_int_eq(t->ops->database_id_set(t, id, &err), RS_OK);
	for (;;) {
		ck_assert_int_eq(s->ops->content_scan(s, RS_TABLE_DATASOURCES, after,
		    &batch, &err), RS_OK);
		if (batch.count == 0)
			break;
		ck_assert_int_eq(t->ops->content_import(t, RS_TABLE_DATASOURCES,
		    &batch, &err), RS_OK);
		rows += batch.count;
		after = batch.rows[batch.count - 1].id;
	}
	ck_assert_int_eq(rs_store_commit(t, &err), RS_OK);
	ck_assert_uint_eq(rows, NROWS);
	rs_store_close(t);
	t = open_store(false);
	ck_assert_int_eq(t->ops->database_id(t, tid, &err), RS_OK);
	ck_assert_str_eq(tid, id);
	ck_assert_int_eq(t->ops->content_count(t, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], NROWS - NROWS / 5);
	/* new rows go after the imported ones */
	ck_assert_int_eq(t->ops->content_insert(t, RS_TABLE_DATASOURCES, "n",
	    &nid, &err), RS_OK);
	ck_assert_int_eq(nid, ids[NROWS - 1] + 1);
	rs_store_close(t);
	rs_store_close(s);
	rs_content_batch_free(&batch);
	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", other);
	admin_exec("postgres", sql);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store_pg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_open);
	tcase_add_test(tc, test_missing_without_create);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_test(tc, test_foreign_database);
	tcase_add_test(tc, test_no_server);
	tcase_add_test(tc, test_password_refused);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_keyinfo);
	tcase_add_test(tc, test_content);
	tcase_add_test(tc, test_rewrite);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_begin_contention);
	tcase_add_test(tc, test_admin_lock);
	tcase_add_test(tc, test_import);
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
