/* SPDX-License-Identifier: ISC */
/* store_contract.c: what every backend of the store promises (store.h),
 * written once and run on each (store_contract.h).  The union of what
 * check_store.c (SQLite) and check_store_pg.c (PostgreSQL) tested when
 * they were two copies; where they had drifted, the stronger check. */
#include <config.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store.h"
#include "store_contract.h"

static const store_backend *sb;

rs_store *sc_open(bool create)
{
	rs_store *s = NULL;
	rs_error err = { 0 };
	int rc = rs_store_open(sb->cfg, create, &s, &err);

	ck_assert_msg(rc == RS_OK, "open: %s", err.message);
	ck_assert_ptr_nonnull(s);
	return s;
}

int sc_open_fails(bool create, rs_error *err)
{
	rs_store *s = (rs_store *)1;
	int rc;

	rs_err_clear(err);
	rc = rs_store_open(sb->cfg, create, &s, err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(rc, err->code);
	return rc;
}

/* ---- open ---- */

START_TEST(create_then_open_keeps_the_database_id)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	char id1[RS_ID_LEN + 1], id2[RS_ID_LEN + 1];

	ck_assert_int_eq(s->ops->database_id(s, id1, &err), RS_OK);
	ck_assert(rs_uuid_valid(id1));
	ck_assert_ptr_nonnull(strstr(s->ops->describe(s), sb->where()));
	rs_store_close(s);
	s = sc_open(false);
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
	s = sc_open(true);    /* create keeps an existing database */
	ck_assert_int_eq(s->ops->database_id(s, id2, &err), RS_OK);
	ck_assert_str_eq(id1, id2);
	rs_store_close(s);
}
END_TEST

START_TEST(test_missing_without_create)
{
	rs_error err;

	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "--init") != NULL, "%s", err.message);
	/* nothing was made: create still makes it */
	rs_store_close(sc_open(true));
}
END_TEST

START_TEST(test_newer_schema)
{
	rs_error err;

	sb->make_newer_schema();
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "newer rsconfig (schema 2)") != NULL,
	    "%s", err.message);
	ck_assert(strstr(err.message, "upgrade") != NULL);
	/* create does not touch it either */
	ck_assert_int_eq(sc_open_fails(true, &err), RS_ERR_DATABASE);
}
END_TEST

START_TEST(test_foreign_database)
{
	rs_error err;

	sb->make_foreign();
	ck_assert_int_eq(sc_open_fails(false, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "not a report server database") != NULL,
	    "%s", err.message);
	ck_assert_int_eq(sc_open_fails(true, &err), RS_ERR_DATABASE);
	ck_assert_msg(strstr(err.message, "not a report server database") != NULL,
	    "%s", err.message);
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

START_TEST(member_put_and_get_round_trip)
{
	rs_store *s = sc_open(true);
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

START_TEST(test_members_byte_order)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	rs_member a, b, c, *list;
	size_t n;

	make_member(&a, "00000000-0000-4000-8000-00000000000a", "web2", "RS", true);
	make_member(&b, "00000000-0000-4000-8000-00000000000b", "web1", "ZZ", false);
	make_member(&c, "00000000-0000-4000-8000-00000000000c", "Web1", "AA", true);
	ck_assert_int_eq(s->ops->member_put(s, &a, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &b, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &c, &err), RS_OK);
	/* byte order, not the locale's: "Web1" < "web1" < "web2" */
	ck_assert_int_eq(s->ops->member_list(s, &list, &n, &err), RS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].installation_id, c.installation_id);
	ck_assert_str_eq(list[1].installation_id, b.installation_id);
	ck_assert_str_eq(list[2].installation_id, a.installation_id);
	rs_members_free(list, n);
	rs_member_clear(&a);
	rs_member_clear(&b);
	rs_member_clear(&c);
	rs_store_close(s);
}
END_TEST

START_TEST(test_members_empty_list)
{
	rs_store *s = sc_open(true);
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
	rs_store *s = sc_open(true);
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

/* member_each sees what member_list lists, in its order; fn stops it. */
struct each_arg { rs_member *list; size_t n, seen, stop_after; };

static int each_compare(void *arg, const rs_member *m)
{
	struct each_arg *e = arg;
	const rs_member *want;

	if (e->seen == e->stop_after)
		return RS_ERR_CANCELLED;
	ck_assert_uint_lt(e->seen, e->n);
	want = &e->list[e->seen++];
	ck_assert_str_eq(m->installation_id, want->installation_id);
	ck_assert_str_eq(m->machine, want->machine);
	ck_assert_str_eq(m->instance, want->instance);
	ck_assert_str_eq(m->service_account, want->service_account);
	ck_assert_uint_eq(m->public_key_len, want->public_key_len);
	ck_assert_mem_eq(m->public_key, want->public_key, want->public_key_len);
	ck_assert_uint_eq(m->wrapped_key_len, want->wrapped_key_len);
	ck_assert_int_eq(m->wrapped_key == NULL, want->wrapped_key == NULL);
	if (want->wrapped_key)
		ck_assert_mem_eq(m->wrapped_key, want->wrapped_key,
		    want->wrapped_key_len);
	ck_assert_uint_eq(m->key_generation, want->key_generation);
	ck_assert_int_eq(m->created, want->created);
	ck_assert_int_eq(m->joined, want->joined);
	return RS_OK;
}

START_TEST(member_each_walks_like_member_list_and_stops_on_error)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	struct each_arg e = { .stop_after = SIZE_MAX };
	rs_member m;
	char id[RS_ID_LEN + 1], machine[32];

	for (size_t i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
		snprintf(machine, sizeof machine, "host%02zu", 40 - i);
		make_member(&m, id, machine, "RS", i % 3 != 0);
		ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
		rs_member_clear(&m);
	}
	ck_assert_int_eq(s->ops->member_list(s, &e.list, &e.n, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_each(s, each_compare, &e, &err), RS_OK);
	ck_assert_uint_eq(e.seen, 40);
	/* a return other than RS_OK stops the walk and is returned */
	e.seen = 0;
	e.stop_after = 5;
	ck_assert_int_eq(s->ops->member_each(s, each_compare, &e, &err),
	    RS_ERR_CANCELLED);
	ck_assert_uint_eq(e.seen, 5);
	rs_members_free(e.list, e.n);
	rs_store_close(s);
}
END_TEST

START_TEST(member_count_counts_with_and_without_a_copy)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	uint64_t with = 99, without = 99;
	rs_member m;
	char id[RS_ID_LEN + 1];

	ck_assert_int_eq(s->ops->member_count(s, &with, &without, &err), RS_OK);
	ck_assert_uint_eq(with, 0);
	ck_assert_uint_eq(without, 0);
	for (size_t i = 0; i < 7; i++) {
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
		make_member(&m, id, "h", "RS", i % 3 == 0);
		ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
		rs_member_clear(&m);
	}
	ck_assert_int_eq(s->ops->member_count(s, &with, &without, &err), RS_OK);
	ck_assert_uint_eq(with, 3);
	ck_assert_uint_eq(without, 4);
	rs_store_close(s);
}
END_TEST

/* ---- key information ---- */

START_TEST(keyinfo_is_absent_then_read_back)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	rs_keyinfo in = { .present = true, .generation = 7, .kcv =
	    "0123456789abcdef", .created = 1700000000, .last_backup = 1700000100,
	    .last_change = 1700000200 }, out;

	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(out.present);
	ck_assert_uint_eq(out.generation, 7);
	ck_assert_str_eq(out.kcv, "0123456789abcdef");
	ck_assert_int_eq(out.created, 1700000000);
	ck_assert_int_eq(out.last_backup, 1700000100);
	ck_assert_int_eq(out.last_change, 1700000200);
	/* replace, and it stays so across a reopen */
	in.generation = 8;
	in.last_backup = 0;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	rs_store_close(s);
	s = sc_open(false);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(out.present);
	ck_assert_uint_eq(out.generation, 8);
	ck_assert_str_eq(out.kcv, "0123456789abcdef");
	ck_assert_int_eq(out.created, 1700000000);
	ck_assert_int_eq(out.last_backup, 0);
	ck_assert_int_eq(out.last_change, 1700000200);
	/* present=false removes it */
	in.present = false;
	ck_assert_int_eq(s->ops->keyinfo_put(s, &in, &err), RS_OK);
	ck_assert_int_eq(s->ops->keyinfo_get(s, &out, &err), RS_OK);
	ck_assert(!out.present);
	rs_store_close(s);
}
END_TEST

/* ---- content ---- */

#define NROWS 1300

/* Row i: cell 0 set unless i % 5 == 0; cell 1 set when i % 3 == 0.
 * So rows with i % 15 == 0 have cell 1 only, rows with i%5==0 && i%3!=0
 * have none. */
static bool has_cell(size_t i, int c)
{
	return c == 0 ? i % 5 != 0 : i % 3 == 0;
}

/* Cell 1 of row i: text, a control byte, a NUL inside, one byte after. */
static size_t cred_value(size_t i, char *v, size_t size)
{
	int n = snprintf(v, size, "cred-%zu-with-longer-text\x01", i);

	v[n + 1] = 'x';
	return (size_t)n + 2;
}

static void fill_content(rs_store *s, int64_t ids[NROWS])
{
	rs_error err = { 0 };
	rs_content_row row;
	char name[32], v0[64], v1[64];
	size_t n1;

	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(name, sizeof name, "ds%zu", i);
		ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_DATASOURCES,
		    name, &ids[i], &err), RS_OK);
		memset(&row, 0, sizeof row);
		row.id = ids[i];
		snprintf(v0, sizeof v0, "conn-%zu", i);
		n1 = cred_value(i, v1, sizeof v1);
		if (has_cell(i, 0)) {
			row.cell[0] = (const unsigned char *)v0;
			row.cell_len[0] = strlen(v0);
		}
		if (has_cell(i, 1)) {
			row.cell[1] = (const unsigned char *)v1;
			row.cell_len[1] = n1;
		}
		ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_DATASOURCES,
		    &row, &err), RS_OK);
	}
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
}

/* Row r of the datasources is what fill_content wrote to row idx. */
static void check_filled_row(const rs_content_row *r, size_t idx)
{
	char v[64];
	size_t n;

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
		n = cred_value(idx, v, sizeof v);
		ck_assert_uint_eq(r->cell_len[1], n);
		ck_assert_mem_eq(r->cell[1], v, n);
	}
}

/* The subscriptions table, one cell: a row without it is not listed, an
 * empty one is. */
static void check_subscription_cells(rs_store *s, rs_content_batch *batch)
{
	rs_error err = { 0 };
	rs_content_row row = { .id = 0 };

	ck_assert_int_eq(s->ops->content_insert(s, RS_TABLE_SUBSCRIPTIONS,
	    "weekly", &row.id, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    batch, &err), RS_OK);
	ck_assert_uint_eq(batch->count, 0);   /* no cell yet */
	row.cell[0] = (const unsigned char *)"S";
	row.cell_len[0] = 1;
	ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
	    &row, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    batch, &err), RS_OK);
	ck_assert_uint_eq(batch->count, 1);
	ck_assert_str_eq(batch->rows[0].name, "weekly");
	ck_assert_uint_eq(batch->rows[0].cell_len[0], 1);
	ck_assert_mem_eq(batch->rows[0].cell[0], "S", 1);
	ck_assert_ptr_null(batch->rows[0].cell[1]);
	/* an empty, non-NULL cell stays non-NULL */
	row.cell[0] = (const unsigned char *)"";
	row.cell_len[0] = 0;
	ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
	    &row, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    batch, &err), RS_OK);
	ck_assert_uint_eq(batch->count, 1);
	ck_assert_ptr_nonnull(batch->rows[0].cell[0]);
	ck_assert_uint_eq(batch->rows[0].cell_len[0], 0);
	/* update of a vanished row is reported */
	row.id = 999999;
	ck_assert_int_eq(s->ops->content_update(s, RS_TABLE_SUBSCRIPTIONS,
	    &row, &err), RS_ERR_NOT_FOUND);
}

START_TEST(content_pages_in_id_order_with_counts)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	static int64_t ids[NROWS];
	int64_t after = 0;
	size_t seen = 0, want = 0, i, batches = 0, idx;

	fill_content(s, ids);
	ck_assert_int_eq(ids[0], 1);   /* ids as SQLite's rowid */
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
			check_filled_row(r, idx);
			seen++;
		}
	}
	ck_assert_uint_eq(seen, want);
	ck_assert_uint_eq(batches, (want + RS_BATCH_ROWS - 1) / RS_BATCH_ROWS);

	check_subscription_cells(s, &batch);
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
	/* scan still sees the rows without cells */
	ck_assert_int_eq(s->ops->content_scan(s, RS_TABLE_DATASOURCES, 0, &batch,
	    &err), RS_OK);
	ck_assert_uint_eq(batch.count, RS_BATCH_ROWS);

	rs_content_batch_free(&batch);
	ck_assert_ptr_null(batch.arena);
	rs_content_batch_free(&batch);   /* twice is harmless */
	rs_store_close(s);
}
END_TEST

/* The span comes from the primary key: max - min + 1, never fewer than
 * the rows, 0 for an empty table, wider than the rows across a gap. */
START_TEST(content_span_bounds_the_rows)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	static int64_t ids[NROWS];
	static rs_content_batch batch;
	uint64_t span[RS_TABLE_COUNT];
	const unsigned char v[] = "x";

	ck_assert_int_eq(s->ops->content_span(s, span, &err), RS_OK);
	ck_assert_uint_eq(span[RS_TABLE_DATASOURCES], 0);
	ck_assert_uint_eq(span[RS_TABLE_SUBSCRIPTIONS], 0);
	fill_content(s, ids);
	memset(&batch, 0, sizeof batch);
	batch.count = 2;
	batch.rows[0].id = 7;
	batch.rows[1].id = 106;
	snprintf(batch.rows[0].name, sizeof batch.rows[0].name, "first");
	snprintf(batch.rows[1].name, sizeof batch.rows[1].name, "far");
	batch.rows[0].cell[0] = batch.rows[1].cell[0] = v;
	batch.rows[0].cell_len[0] = batch.rows[1].cell_len[0] = 1;
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_import(s, RS_TABLE_SUBSCRIPTIONS,
	    &batch, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->content_span(s, span, &err), RS_OK);
	ck_assert_uint_eq(span[RS_TABLE_DATASOURCES], NROWS);
	ck_assert_uint_eq(span[RS_TABLE_SUBSCRIPTIONS], 100);
	rs_store_close(s);
}
END_TEST

START_TEST(test_content_update_in_batch)
{
	/* The key-change pattern: read a batch, update each row, move on. */
	rs_store *s = sc_open(true);
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

struct rewrite_arg { unsigned char out[128]; size_t calls; int64_t stop_at; };

/* Replaces a value by "R" + the value; fails at row stop_at.  The row's
 * name comes along (it is bound into every value): "ds<index>". */
static int prefix_r(void *arg, int table, int64_t id, const char *name,
    int cell, const unsigned char *in, size_t in_len,
    const unsigned char **out, size_t *out_len, rs_error *err)
{
	struct rewrite_arg *a = arg;

	(void)table; (void)cell;
	ck_assert_ptr_nonnull(name);
	ck_assert_msg(strncmp(name, "ds", 2) == 0, "rewrite name %s", name);
	if (id == a->stop_at)
		return rs_err(err, RS_ERR_CRYPTO, "stop at %lld", (long long)id);
	ck_assert_uint_lt(in_len, sizeof a->out);
	a->out[0] = 'R';
	memcpy(a->out + 1, in, in_len);
	*out = a->out;
	*out_len = in_len + 1;
	a->calls++;
	return RS_OK;
}

START_TEST(failed_rewrite_rolls_back_every_value)
{
	rs_store *s = sc_open(true);
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
	ck_assert_int_eq(s->ops->content_next(s, RS_TABLE_DATASOURCES, 0, &batch,
	    &err), RS_OK);
	ck_assert_uint_gt(batch.count, 0);
	check_filled_row(&batch.rows[0], (size_t)(batch.rows[0].id - ids[0]));
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

START_TEST(test_update_speed)
{
	/* Not a benchmark: catches a statement prepared per call or a sync
	 * per row, which would make this take far longer. */
	rs_store *s = sc_open(true);
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
	fprintf(stderr, "store (%s): %zu updates in %.3f s\n", sb->name, n, secs);
	ck_assert_msg(secs < 30.0, "updates too slow: %.3f s", secs);
	rs_store_close(s);
}
END_TEST

/* ---- transactions and locks ---- */

START_TEST(rollback_undoes_members_key_and_content)
{
	rs_store *s = sc_open(true);
	rs_error err = { 0 };
	rs_member m, got;
	rs_keyinfo info = { .present = true, .generation = 1, .kcv = "aaaa" };
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	rs_content_batch batch = { .count = 0 };
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
	ck_assert_int_eq(s->ops->content_scan(s, RS_TABLE_SUBSCRIPTIONS, 0,
	    &batch, &err), RS_OK);
	ck_assert_uint_eq(batch.count, 0);   /* the inserted row is gone */
	rs_content_batch_free(&batch);

	/* closing with an open transaction discards it */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	rs_store_close(s);
	s = sc_open(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);

	/* and commit keeps, across a reopen */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_put(s, &m, &err), RS_OK);
	ck_assert_int_eq(rs_store_commit(s, &err), RS_OK);
	rs_store_close(s);
	s = sc_open(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_OK);
	rs_member_clear(&got);
	/* a discarded delete leaves the member */
	ck_assert_int_eq(rs_store_begin(s, &err), RS_OK);
	ck_assert_int_eq(s->ops->member_delete(s, m.installation_id, &err), RS_OK);
	rs_store_close(s);
	s = sc_open(false);
	ck_assert_int_eq(s->ops->member_get(s, m.installation_id, &got, &err),
	    RS_OK);
	rs_member_clear(&got);
	rs_member_clear(&m);
	rs_store_close(s);
}
END_TEST

START_TEST(test_begin_contention)
{
	rs_store *a = sc_open(true), *b = sc_open(false);
	rs_error err = { 0 };
	rs_keyinfo info;

	ck_assert_int_eq(rs_store_begin(a, &err), RS_OK);
	/* waits for the lock timeout, then gives up with a sentence */
	ck_assert_int_eq(rs_store_begin(b, &err), RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, sb->where()) != NULL, "%s",
	    err.message);
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

START_TEST(admin_lock_is_exclusive_and_names_its_holder)
{
	rs_store *a = sc_open(true), *b = sc_open(false);
	rs_error err = { 0 };
	char want[64];

	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_OK);
	/* taking it twice is a bug */
	ck_assert_int_eq(a->ops->admin_lock(a, "change", &err), RS_ERR_INTERNAL);
	rs_err_clear(&err);
	ck_assert_int_eq(b->ops->admin_lock(b, "backup", &err), RS_ERR_BUSY);
	ck_assert_msg(strstr(err.message, "in use by ") != NULL, "%s",
	    err.message);
	snprintf(want, sizeof want, "(pid %ld) since", (long)getpid());
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

/* ---- migration ---- */

START_TEST(import_copies_every_row_under_the_same_database_id)
{
	rs_store *s = sc_open(true), *t;
	rs_error err = { 0 };
	rs_content_batch batch = { .count = 0 };
	static int64_t ids[NROWS];
	char id[RS_ID_LEN + 1], tid[RS_ID_LEN + 1];
	uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS];
	int64_t after = INT64_MIN, nid;
	size_t rows = 0;
	rs_config own = *sb->cfg;

	fill_content(s, ids);
	ck_assert_int_eq(s->ops->database_id(s, id, &err), RS_OK);
	sb->other_place(sb->cfg);
	t = sc_open(true);
	ck_assert_int_eq(t->ops->database_id_set(t, "not-an-id", &err),
	    RS_ERR_INTERNAL);
	rs_err_clear(&err);
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
	t = sc_open(false);
	ck_assert_int_eq(t->ops->database_id(t, tid, &err), RS_OK);
	ck_assert_str_eq(tid, id);
	ck_assert_int_eq(t->ops->content_count(t, counts, &err), RS_OK);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][0], NROWS - NROWS / 5);
	ck_assert_uint_eq(counts[RS_TABLE_DATASOURCES][1], (NROWS + 2) / 3);
	/* rows, names and cells arrive as they were, ids included */
	ck_assert_int_eq(t->ops->content_next(t, RS_TABLE_DATASOURCES, 0, &batch,
	    &err), RS_OK);
	ck_assert_uint_eq(batch.count, RS_BATCH_ROWS);
	for (size_t i = 0; i < batch.count; i++)
		check_filled_row(&batch.rows[i], (size_t)(batch.rows[i].id - ids[0]));
	/* new rows go after the imported ones */
	ck_assert_int_eq(t->ops->content_insert(t, RS_TABLE_DATASOURCES, "n",
	    &nid, &err), RS_OK);
	ck_assert_int_eq(nid, ids[NROWS - 1] + 1);
	rs_store_close(t);
	rs_store_close(s);
	rs_content_batch_free(&batch);
	*sb->cfg = own;
	sb->other_drop();
}
END_TEST

void store_contract_add(TCase *tc, const store_backend *b)
{
	sb = b;
	tcase_add_test(tc, create_then_open_keeps_the_database_id);
	tcase_add_test(tc, test_missing_without_create);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_test(tc, test_foreign_database);
	tcase_add_test(tc, member_put_and_get_round_trip);
	tcase_add_test(tc, test_members_byte_order);
	tcase_add_test(tc, test_members_empty_list);
	tcase_add_test(tc, test_members_many);
	tcase_add_test(tc, member_each_walks_like_member_list_and_stops_on_error);
	tcase_add_test(tc, member_count_counts_with_and_without_a_copy);
	tcase_add_test(tc, keyinfo_is_absent_then_read_back);
	tcase_add_test(tc, content_pages_in_id_order_with_counts);
	tcase_add_test(tc, content_span_bounds_the_rows);
	tcase_add_test(tc, test_content_update_in_batch);
	tcase_add_test(tc, failed_rewrite_rolls_back_every_value);
	tcase_add_test(tc, test_update_speed);
	tcase_add_test(tc, rollback_undoes_members_key_and_content);
	tcase_add_test(tc, test_begin_contention);
	tcase_add_test(tc, admin_lock_is_exclusive_and_names_its_holder);
	tcase_add_test(tc, import_copies_every_row_under_the_same_database_id);
}
