/* check_store.c: the SQLite backend of the report server database. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "store.h"
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

static rs_store *open_store(bool create)
{
	rs_store *s = NULL;
	rs_error err = { 0 };
	int rc = rs_store_open(&cfg, create, &s, &err);

	ck_assert_msg(rc == RS_OK, "open: %s", err.message);
	ck_assert_ptr_nonnull(s);
	return s;
}

static int open_fails(rs_error *err)
{
	rs_store *s = (rs_store *)1;
	int rc;

	rs_err_clear(err);
	rc = rs_store_open(&cfg, false, &s, err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(rc, err->code);
	return rc;
}

static void raw_exec(const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(cfg.database, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- open ---- */

START_TEST(test_create_open)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	char id1[RS_ID_LEN + 1], id2[RS_ID_LEN + 1], want[PATH_MAX + 16];
	struct stat st;

	ck_assert_int_eq(s->ops->database_id(s, id1, &err), RS_OK);
	ck_assert(rs_uuid_valid(id1));
	snprintf(want, sizeof want, "SQLite %s", cfg.database);
	ck_assert_str_eq(s->ops->describe(s), want);
	ck_assert_int_eq(stat(cfg.database, &st), 0);
	ck_assert_int_eq(st.st_mode & 0027, 0);
	rs_store_close(s);

	s = open_store(false);
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
	/* create on an existing database keeps it */
	s = open_store(true);
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
}
END_TEST

START_TEST(test_wal_and_version)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	rs_store_close(open_store(true));
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

START_TEST(test_missing_without_create)
{
	rs_error err;

	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "--init") != NULL, "%s", err.message);
	ck_assert(strstr(err.message, cfg.database) != NULL);
	/* nothing was created */
	ck_assert_int_ne(access(cfg.database, F_OK), 0);
	/* an empty file is no database either */
	tu_write_file(cfg.database, "", 0640);
	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
	ck_assert(strstr(err.message, "--init") != NULL);
}
END_TEST

START_TEST(test_newer_schema)
{
	rs_error err;

	raw_exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	    "PRAGMA user_version = 2;");
	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "newer rsconfig (schema 2)") != NULL,
	    "%s", err.message);
	ck_assert(strstr(err.message, "upgrade") != NULL);
	/* create does not touch it either */
	{
		rs_store *s = NULL;

		rs_err_clear(&err);
		ck_assert_int_eq(rs_store_open(&cfg, true, &s, &err),
		    RS_ERR_DATABASE);
	}
}
END_TEST

START_TEST(test_garbage_file)
{
	rs_error err;
	char text[8192];

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	tu_write_file(cfg.database, text, 0640);
	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
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

START_TEST(test_foreign_database)
{
	rs_error err;

	raw_exec("CREATE TABLE t (x);");
	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "not a report server database") != NULL,
	    "%s", err.message);
}
END_TEST

START_TEST(test_read_only)
{
	rs_error err;

	if (geteuid() == 0)
		return;   /* root writes anyway */
	rs_store_close(open_store(true));
	ck_assert_int_eq(chmod(cfg.database, 0440), 0);
	ck_assert_int_eq(open_fails(&err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "read-only") != NULL, "%s", err.message);
}
END_TEST

/* ---- members ---- */

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
	make_member(&c, "00000000-0000-4000-8000-00000000000c", "web1", "AA", true);
	ck_assert_int_eq(s->ops->member_put(s, &a, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &b, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &c, &err), RS_OK);

	ck_assert_int_eq(s->ops->member_get(s, a.installation_id, &got, &err),
	    RS_OK);
	ck_assert_str_eq(got.machine, "web2");
	ck_assert_str_eq(got.instance, "RS");
	ck_assert_str_eq(got.service_account, "svc");
	ck_assert_uint_eq(got.public_key_len, 14);
	ck_assert_mem_eq(got.public_key, "PUBLIC-KEY-DER", 14);
	ck_assert_uint_eq(got.wrapped_key_len, 11);
	ck_assert_mem_eq(got.wrapped_key, "WRAPPED\0KEY", 11);
	ck_assert_uint_eq(got.key_generation, 3);
	ck_assert_int_eq(got.created, 1000);
	ck_assert_int_eq(got.joined, 2000);
	rs_member_clear(&got);
	ck_assert_ptr_null(got.public_key);

	/* a waiting member has no copy */
	ck_assert_int_eq(s->ops->member_get(s, b.installation_id, &got, &err),
	    RS_OK);
	ck_assert_ptr_null(got.wrapped_key);
	ck_assert_uint_eq(got.wrapped_key_len, 0);
	ck_assert_int_eq(got.joined, 0);
	rs_member_clear(&got);

	/* upsert: b joins */
	free(b.wrapped_key);
	b.wrapped_key = (unsigned char *)strdup("NEWCOPY");
	b.wrapped_key_len = 7;
	b.joined = 3000;
	snprintf(b.service_account, sizeof b.service_account, "other");
	ck_assert_int_eq(s->ops->member_put(s, &b, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_get(s, b.installation_id, &got, &err),
	    RS_OK);
	ck_assert_uint_eq(got.wrapped_key_len, 7);
	ck_assert_int_eq(got.joined, 3000);
	ck_assert_str_eq(got.service_account, "other");
	rs_member_clear(&got);

	/* list ordered by machine, instance */
	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].installation_id, c.installation_id);
	ck_assert_str_eq(list[1].installation_id, b.installation_id);
	ck_assert_str_eq(list[2].installation_id, a.installation_id);
	rs_members_free(list, n);

	/* delete */
	ck_assert_int_eq(s->ops->member_delete(s, c.installation_id, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_get(s, c.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	ck_assert(strstr(err.message, c.installation_id) != NULL);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->member_delete(s, c.installation_id, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 2);
	rs_members_free(list, n);

	/* a member without a public key is refused */
	rs_member_clear(&c);
	ck_assert_int_eq(s->ops->member_put(s, &c, &err), RS_ERR_INTERNAL);

	rs_member_clear(&a);
	rs_member_clear(&b);
	rs_store_close(s);
}
END_TEST

START_TEST(test_members_empty_list)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_member *list = (rs_member *)1;
	size_t n = 99;

	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 0);
	rs_members_free(list, n);
	rs_store_close(s);
}
END_TEST

START_TEST(test_members_many)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_member m, *list;
	char id[RS_ID_LEN + 1], machine[32];
	size_t n, i;
	clock_t t0;
	double secs;

	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
		/* reverse order of insertion vs. order of listing */
		snprintf(machine, sizeof machine, "host%05zu", 10000 - i);
		make_member(&m, id, machine, "RS", i % 2 == 0);
		ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
		rs_member_clear(&m);
	}
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	t0 = clock();
	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ck_assert_uint_eq(n, 10000);
	for (i = 1; i < n; i++)
		ck_assert(strcmp(list[i - 1].machine, list[i].machine) < 0);
	rs_members_free(list, n);
	ck_assert_msg(secs < 1.0, "member_list of 10000 took %.3f s", secs);
	rs_store_close(s);
}
END_TEST

/* ---- key information ---- */

START_TEST(test_keyinfo)
{
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_keyinfo in, out;

	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	memset(&in, 0, sizeof in);
	in.present = true;
	in.generation = 7;
	snprintf(in.kcv, sizeof in.kcv, "0123456789abcdef");
	in.created = 1700000000;
	in.last_backup = 1700000100;
	in.last_change = 1700000200;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(out.present);
	ck_assert_uint_eq(out.generation, 7);
	ck_assert_str_eq(out.kcv, "0123456789abcdef");
	ck_assert_int_eq(out.created, 1700000000);
	ck_assert_int_eq(out.last_backup, 1700000100);
	ck_assert_int_eq(out.last_change, 1700000200);
	/* replace */
	in.generation = 8;
	in.last_backup = 0;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	rs_store_close(s);
	s = open_store(false);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert_uint_eq(out.generation, 8);
	ck_assert_int_eq(out.last_backup, 0);
	/* present=false removes it */
	in.present = false;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	rs_store_close(s);
}
END_TEST

/* ---- content ---- */

START_TEST(test_content_info)
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

#define NROWS 1300

/* Row i: cell 0 set unless i % 5 == 0; cell 1 set when i % 3 == 0.
 * So rows with i % 15 == 0 have cell 1 only, rows with i%5==0 && i%3!=0
 * have none. */
static bool has_cell(size_t i, int c)
{
	return c == 0 ? i % 5 != 0 : i % 3 == 0;
}

static void fill_content(rs_store *s, int64_t ids[NROWS])
{
	rs_error err = { 0 };
	rs_content_row row;
	char name[32], v0[64], v1[64];
	size_t i;

	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (i = 0; i < NROWS; i++) {
		snprintf(name, sizeof name, "ds%zu", i);
		ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_DATASOURCES,
		    name, &ids[i], &err), RS_OK);
		memset(&row, 0, sizeof row);
		row.id = ids[i];
		snprintf(v0, sizeof v0, "conn-%zu", i);
		snprintf(v1, sizeof v1, "cred-%zu-with-longer-text", i);
		if (has_cell(i, 0)) {
			row.cell[0] = (const unsigned char *)v0;
			row.cell_len[0] = strlen(v0);
		}
		if (has_cell(i, 1)) {
			row.cell[1] = (const unsigned char *)v1;
			row.cell_len[1] = strlen(v1);
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
	size_t seen = 0, want = 0, i, batches = 0, idx;
	char v[64];

	fill_content(s, ids);
	for (i = 0; i < NROWS; i++)
		if (has_cell(i, 0) || has_cell(i, 1))
			want++;
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], NROWS - NROWS / 5);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][1], (NROWS + 2) / 3);
	ck_assert_uint_eq(counts[RS_TABLE_SUBSCRIPTIONS][0], 0);

	for (;;) {
		ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, after,
		    &batch, &err), RS_OK);
		if (batch.count == 0)
			break;
		batches++;
		ck_assert_uint_le(batch.count, RS_BATCH_ROWS);
		if (batches == 1)
			ck_assert_uint_eq(batch.count, RS_BATCH_ROWS);
		for (i = 0; i < batch.count; i++) {
			const rs_content_row *r = &batch.rows[i];

			ck_assert_int_gt(r->id, after);
			after = r->id;
			idx = (size_t)(r->id - ids[0]);
			ck_assert_int_eq(ids[idx], r->id);
			snprintf(v, sizeof v, "ds%zu", idx);
			ck_assert_str_eq(r->name, v);
			ck_assert(has_cell(idx, 0) || has_cell(idx, 1));
			ck_assert_int_eq(r->cell[0] != NULL, has_cell(idx, 0));
			ck_assert_int_eq(r->cell[1] != NULL, has_cell(idx, 1));
			if (r->cell[0]) {
				snprintf(v, sizeof v, "conn-%zu", idx);
				ck_assert_uint_eq(r->cell_len[0], strlen(v));
				ck_assert_mem_eq(r->cell[0], v, strlen(v));
			}
			if (r->cell[1]) {
				snprintf(v, sizeof v, "cred-%zu-with-longer-text", idx);
				ck_assert_uint_eq(r->cell_len[1], strlen(v));
				ck_assert_mem_eq(r->cell[1], v, strlen(v));
			}
			seen++;
		}
	}
	ck_assert_uint_eq(seen, want);
	ck_assert_uint_eq(batches, (want + RS_BATCH_ROWS - 1) / RS_BATCH_ROWS);

	/* subscriptions: one cell */
	ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_SUBSCRIPTIONS,
	    "weekly", &sid, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    &batch, &err), RS_OK);
	ck_assert_uint_eq(batch.count, 0);   /* no cell yet */
	{
		rs_content_row row = { .id = sid };

		row.cell[0] = (const unsigned char *)"S";
		row.cell_len[0] = 1;
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
		    &row, &err), RS_OK);
	}
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    &batch, &err), RS_OK);
	ck_assert_uint_eq(batch.count, 1);
	ck_assert_str_eq(batch.rows[0].name, "weekly");
	ck_assert_uint_eq(batch.rows[0].cell_len[0], 1);
	ck_assert_ptr_null(batch.rows[0].cell[1]);

	/* update of a vanished row is reported */
	{
		rs_content_row row = { .id = 999999 };

		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
		    &row, &err), RS_ERR_NOT_FOUND);
		rs_err_clear(&err);
	}
	/* bad table index */
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_COUNT, 0, &batch, &err),
	    RS_ERR_INTERNAL);
	rs_err_clear(&err);

	/* clear */
	ck_assert_int_eq(s->ops->content_clear(s, RS_TABLE_DATASOURCES, &err),
	    RS_OK);
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], 0);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][1], 0);
	ck_assert_uint_eq(counts[RS_TABLE_SUBSCRIPTIONS][0], 1);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, 0, &batch,
	    &err), RS_OK);
	ck_assert_uint_eq(batch.count, 0);

	rs_content_batch_free(&batch);
	ck_assert_ptr_null(batch.arena);
	rs_content_batch_free(&batch);   /* twice is harmless */
	rs_store_close(s);
}
END_TEST

START_TEST(test_content_update_in_batch)
{
	/* The key-change pattern: read a batch, update each row, move on. */
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	static int64_t ids[NROWS];
	int64_t after = 0;
	size_t i, updated = 0;
	unsigned char newval[] = "NEW";

	fill_content(s, ids);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (;;) {
		ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, after,
		    &batch, &err), RS_OK);
		if (batch.count == 0)
			break;
		for (i = 0; i < batch.count; i++) {
			rs_content_row *r = &batch.rows[i];

			for (int c = 0; c < 2; c++)
				if (r->cell[c]) {
					r->cell[c] = newval;
					r->cell_len[c] = 3;
				}
			ck_assert_int_eq(s->ops->content_update(s,
			    RS_TABLE_DATASOURCES, r, &err), RS_OK);
			updated++;
		}
		after = batch.rows[batch.count - 1].id;
	}
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	after = 0;
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, after,
	    &batch, &err), RS_OK);
	for (i = 0; i < batch.count; i++) {
		for (int c = 0; c < 2; c++)
			if (batch.rows[i].cell[c])
				ck_assert_mem_eq(batch.rows[i].cell[c], "NEW", 3);
	}
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], NROWS - NROWS / 5);
	ck_assert_uint_gt(updated, 0);
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
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	int64_t id;

	make_member(&m, "00000000-0000-4000-8000-000000000001", "h", "i", true);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	/* a second begin is a bug */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_ERR_INTERNAL);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_put(s, &info, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_SUBSCRIPTIONS, "x",
	    &id, &err), RS_OK);
	rs_store_rollback(s);
	rs_store_rollback(s);   /* harmless */
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &info, &err), RS_OK);
	ck_assert(!info.present);
	ck_assert_int_eq(s->ops->content_count(s, counts, &err), RS_OK);

	/* and commit keeps, across a reopen */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	rs_store_close(s);
	s = open_store(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_OK);
	rs_member_clear(&got);
	/* closing with an open transaction discards it */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_delete(s, m.installation_id, &err), RS_OK);
	rs_store_close(s);
	s = open_store(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_OK);
	rs_member_clear(&got);
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
	/* waits for the busy timeout, then gives up with a sentence */
	ck_assert_int_eq(rs_store_begin(b, &err), RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, cfg.database) != NULL, "%s",
	    err.message);
	rs_err_clear(&err);
	/* readers are not blocked by a writer in WAL mode */
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
	rs_store *a = open_store(true), *b = open_store(false);
	rs_error err = { 0 };
	char want[64], lock_path[PATH_MAX + 8];
	struct stat st;

	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_OK);
	snprintf(lock_path, sizeof lock_path, "%s.lock", cfg.database);
	ck_assert_int_eq(stat(lock_path, &st), 0);
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_ERR_BUSY);
	snprintf(want, sizeof want, "(pid %ld)", (long)getpid());
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert(strstr(err.message, "(change)") != NULL);
	rs_err_clear(&err);
	a->ops->admin_unlock(a);
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_OK);
	/* close releases the lock too */
	rs_store_close(b);
	ck_assert_int_eq(a->ops->admin_lock(a, "delete", &err), RS_OK);
	a->ops->admin_unlock(a);
	rs_store_close(a);
}
END_TEST

START_TEST(test_update_speed)
{
	/* Not a benchmark: catches a statement prepared per call or a sync
	 * per row, which would make this take far longer. */
	rs_store *s = open_store(true);
	rs_error err = { 0 };
	rs_content_row row;
	unsigned char val[80];
	int64_t id;
	const size_t n = 50000;
	size_t i;
	struct timespec t0, t1;
	double secs;

	memset(val, 0xab, sizeof val);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_DATASOURCES,
		    "d", &id, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	memset(&row, 0, sizeof row);
	row.cell[0] = val;
	row.cell_len[0] = sizeof val;
	row.cell[1] = val;
	row.cell_len[1] = sizeof val;
	for (i = 0; i < n; i++) {
		row.id = id - (int64_t)i;
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_DATASOURCES,
		    &row, &err), RS_OK);
	}
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "store: %zu updates in %.3f s\n", n, secs);
	ck_assert_msg(secs < 30.0, "updates too slow: %.3f s", secs);
	rs_store_close(s);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_open);
	tcase_add_test(tc, test_wal_and_version);
	tcase_add_test(tc, test_missing_without_create);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_test(tc, test_garbage_file);
	tcase_add_test(tc, test_foreign_database);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_members_empty_list);
	tcase_add_test(tc, test_members_many);
	tcase_add_test(tc, test_keyinfo);
	tcase_add_test(tc, test_content_info);
	tcase_add_test(tc, test_content);
	tcase_add_test(tc, test_content_update_in_batch);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_begin_contention);
	tcase_add_test(tc, test_admin_lock);
	tcase_add_test(tc, test_update_speed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(store_suite());
}
