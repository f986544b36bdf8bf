/* SPDX-License-Identifier: ISC */
/* ops_import.c: re-enter many values from a JSON Lines file, all or
 * nothing.  The file is read once into secret memory and decoded there in
 * place; the lines are sorted by table and row, so the store is walked once
 * whatever the file's order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grow.h"
#include "jsonl.h"
#include "ops_reentry.h"
#include "secret.h"

/* An --import file larger than this is refused: a million values fit. */
#define IMPORT_FILE_MAX ((off_t)1 << 30)

typedef struct import_entry {
	uint64_t line;
	reentry_place place;
	const char *item;          /* into the secret buffer, or "" */
	char *value;               /* into the secret buffer */
	size_t value_len;
	rs_import_outcome outcome;
	const char *reason;        /* translated, static or in reasons */
} import_entry;

typedef struct import_run {
	char *buf;                 /* the file, secret */
	size_t buf_cap;
	import_entry *entries;
	size_t n, cap;
	uint64_t lines, refused;
	bool replace;
	reentry_sealer sealer;
} import_run;

static int import_read(import_run *run, const char *path, rs_error *err)
{
	off_t size;
	size_t got = 0;
	int fd, rc = reentry_open_private(path, &fd, &size, err);

	if (rc != RS_OK)
		return rc;
	if (size > IMPORT_FILE_MAX)
		rc = rs_err(err, RS_ERR_USAGE, _("%s: larger than 1 GiB"), path);
	run->buf_cap = (size_t)size + 1;
	if (rc == RS_OK && (run->buf = rs_secret_alloc(run->buf_cap)) == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	while (rc == RS_OK && got < (size_t)size) {
		ssize_t n = read(fd, run->buf + got, (size_t)size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = rs_err(err, RS_ERR_IO, _("cannot read %s: %s"), path,
			    n < 0 ? strerror(errno) : _("shorter than its size"));
		else
			got += (size_t)n;
	}
	close(fd);
	return rc;
}

static import_entry *entry_add(import_run *run, uint64_t line)
{
	if (rs_grow(&run->entries, run->n, &run->cap, sizeof *run->entries,
	    1024) != 0)
		return NULL;
	memset(&run->entries[run->n], 0, sizeof run->entries[0]);
	run->entries[run->n].line = line;
	return &run->entries[run->n++];
}

static void entry_refuse(import_run *run, import_entry *e, const char *why)
{
	if (e->outcome != RS_IMPORT_REFUSED)
		run->refused++;
	e->outcome = RS_IMPORT_REFUSED;
	e->reason = why;
}

/* One line: the item names a known place and the value is one the store
 * may hold; the item is NUL-terminated in place for the report. */
static void line_parse(import_run *run, import_entry *e, char *line,
    size_t len)
{
	rs_jsonl_pair pair;
	const char *why = NULL;

	e->item = "";
	if (rs_jsonl_pair_parse(line, len, &pair, &why) != 0) {
		entry_refuse(run, e, _(why));
		return;
	}
	e->value = pair.value;
	e->value_len = pair.value_len;
	if (!reentry_item_parse(pair.item, pair.item_len, &e->place))
		entry_refuse(run, e, _("unknown item"));
	else if ((why = reentry_value_problem(pair.value, pair.value_len)))
		entry_refuse(run, e, why);
	if (pair.item_len < RS_ITEM_MAX && !memchr(pair.item, '\0', pair.item_len)) {
		pair.item[pair.item_len] = '\0';   /* the closing quote's place */
		e->item = pair.item;
	}
}

static int import_split(import_run *run, rs_error *err)
{
	char *p = run->buf, *end = run->buf + run->buf_cap - 1;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		import_entry *e;

		run->lines++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0) {
			if ((e = entry_add(run, run->lines)) == NULL)
				return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
			line_parse(run, e, p, len);
		}
		p = nl ? nl + 1 : end;
	}
	return RS_OK;
}

static int place_cmp(const void *a, const void *b)
{
	const import_entry *x = a, *y = b;

	if (x->outcome != y->outcome)      /* refused ones last */
		return x->outcome == RS_IMPORT_REFUSED ? 1 : -1;
	if (x->place.table != y->place.table)
		return x->place.table < y->place.table ? -1 : 1;
	if (x->place.id != y->place.id)
		return x->place.id < y->place.id ? -1 : 1;
	if (x->place.cell != y->place.cell)
		return x->place.cell < y->place.cell ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int line_cmp(const void *a, const void *b)
{
	const import_entry *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorted by place; an item given twice is refused on its later lines. */
static size_t import_sort(import_run *run)
{
	size_t good = 0;

	if (run->n > 0)   /* qsort's array may not be NULL, even for 0 */
		qsort(run->entries, run->n, sizeof run->entries[0], place_cmp);
	while (good < run->n && run->entries[good].outcome != RS_IMPORT_REFUSED)
		good++;
	for (size_t i = 1; i < good; i++) {
		const reentry_place *a = &run->entries[i - 1].place,
		    *b = &run->entries[i].place;

		if (a->table == b->table && a->id == b->id && a->cell == b->cell)
			entry_refuse(run, &run->entries[i],
			    _("the item is given on an earlier line"));
	}
	return good;
}

/* ---- writing ---- */

/* The entries [*i, good) of this row, applied to it; true when it changed. */
static int row_apply(import_run *run, int table, rs_content_row *row,
    size_t *i, size_t good, bool *changed, rs_error *err)
{
	int rc = RS_OK;

	*changed = false;
	for (; rc == RS_OK && *i < good; (*i)++) {
		import_entry *e = &run->entries[*i];

		if (e->place.table != table || e->place.id != row->id)
			break;
		if (e->outcome == RS_IMPORT_REFUSED)
			continue;      /* a duplicate */
		if (!run->replace && reentry_cell_state(&run->sealer, table, row,
		    e->place.cell) == RS_VALUE_READABLE) {
			e->outcome = RS_IMPORT_SKIPPED;
			continue;
		}
		rc = reentry_seal_into(&run->sealer, table, row, e->place.cell,
		    e->value, e->value_len, err);
		e->outcome = RS_IMPORT_SET;
		*changed = true;
	}
	return rc;
}

/* Entries of table before row_id (or all left, row_id 0) name no row. */
static void refuse_unknown(import_run *run, int table, int64_t row_id,
    size_t *i, size_t good)
{
	for (; *i < good && run->entries[*i].place.table == table &&
	    (row_id == 0 || run->entries[*i].place.id < row_id); (*i)++)
		entry_refuse(run, &run->entries[*i], _("unknown item"));
}

static int import_batch(rs_ctx *ctx, import_run *run, int table,
    rs_content_batch *batch, size_t *i, size_t good, rs_error *err)
{
	int rc = RS_OK;
	bool changed;

	for (size_t r = 0; rc == RS_OK && r < batch->count; r++) {
		rs_content_row *row = &batch->rows[r];

		refuse_unknown(run, table, row->id, i, good);
		if (*i >= good || run->entries[*i].place.table != table)
			break;
		if (run->entries[*i].place.id != row->id)
			continue;
		rc = row_apply(run, table, row, i, good, &changed, err);
		if (rc == RS_OK && changed)
			rc = ctx->store->ops->content_update(ctx->store, table, row,
			    err);
	}
	return rc;
}

static int import_table(rs_ctx *ctx, import_run *run, int table, size_t *i,
    size_t good, rs_content_batch *batch, rs_error *err)
{
	int rc = RS_OK;

	while (rc == RS_OK && *i < good && run->entries[*i].place.table == table) {
		/* Start at the next wanted row: an import of a few values does
		 * not read the whole table. */
		rc = ctx->store->ops->content_scan(ctx->store, table,
		    run->entries[*i].place.id - 1, batch, err);
		if (rc != RS_OK || batch->count == 0)
			break;
		rc = import_batch(ctx, run, table, batch, i, good, err);
	}
	refuse_unknown(run, table, 0, i, good);
	return rc;
}

static int import_write(rs_ctx *ctx, import_run *run, size_t good,
    rs_error *err)
{
	rs_content_batch batch = { .count = 0 };
	size_t i = 0;
	int rc = RS_OK;

	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		rc = import_table(ctx, run, t, &i, good, &batch, err);
	rs_content_batch_free(&batch);
	if (rc == RS_OK && run->refused > 0)
		rc = rs_err(err, RS_ERR_FAILED, _("%llu of %llu lines refused; "
		    "nothing was changed."), (unsigned long long)run->refused,
		    (unsigned long long)run->n);
	return rc;
}

/* ---- the operation ---- */

static void import_report(import_run *run, bool applied,
    void (*each)(void *arg, const rs_import_line *l), void *arg,
    rs_import_result *res)
{
	if (run->n > 0)
		qsort(run->entries, run->n, sizeof run->entries[0], line_cmp);
	res->lines = run->lines;
	res->applied = applied;
	for (size_t i = 0; i < run->n; i++) {
		const import_entry *e = &run->entries[i];
		rs_import_line l = { e->line, e->outcome, e->item,
		    e->reason ? e->reason : "" };

		res->set += e->outcome == RS_IMPORT_SET;
		res->skipped += e->outcome == RS_IMPORT_SKIPPED;
		res->refused += e->outcome == RS_IMPORT_REFUSED;
		if (each && (applied || e->outcome == RS_IMPORT_REFUSED))
			each(arg, &l);
	}
	if (!applied)
		res->set = res->skipped = 0;
}

static int import_run_all(rs_ctx *ctx, import_run *run, const char *path,
    rs_error *err)
{
	size_t good;
	int rc = import_read(run, path, err);

	if (rc == RS_OK)
		rc = import_split(run, err);
	if (rc != RS_OK)
		return rc;
	good = import_sort(run);
	rc = reentry_sealer_open(ctx, &run->sealer, err);
	if (rc != RS_OK)
		return rc;
	rc = ops_begin(ctx, "import", err);
	if (rc == RS_OK) {
		rc = import_write(ctx, run, good, err);
		rc = ops_finish(ctx, rc, err);
	}
	reentry_sealer_close(&run->sealer);
	return rc;
}

int rs_op_import(rs_ctx *ctx, const char *path, bool replace,
    void (*each)(void *arg, const rs_import_line *l), void *arg,
    rs_import_result *res, rs_error *err)
{
	import_run run = { .replace = replace };
	rs_import_result local;
	char target[PATH_MAX + 96];
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	if ((rc = ops_audit_begin(ctx, "import", path, err)) != RS_OK)
		return rc;
	rc = import_run_all(ctx, &run, path, err);
	import_report(&run, rc == RS_OK, each, arg, res);
	free(run.entries);
	rs_secret_free(run.buf, run.buf_cap);
	snprintf(target, sizeof target, "%s: %llu set, %llu skipped, %llu "
	    "refused", path, (unsigned long long)res->set,
	    (unsigned long long)res->skipped, (unsigned long long)res->refused);
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Imported %llu values (%llu skipped)"),
		    (unsigned long long)res->set, (unsigned long long)res->skipped);
	else
		ops_step(ctx, RS_STEP_FAILED, "%s", err->message);
	return ops_audit(ctx, "import", target, rc, err);
}
