/* SPDX-License-Identifier: ISC */
/* ops_verify.c: open every value with the current key and count failures by
 * kind and by column.  Changes nothing; holds the admin lock so that no key
 * operation runs underneath. */
#include <config.h>

#include <string.h>
#include "ops_internal.h"
#include "secret.h"

typedef struct verify_run {
	rs_aead *aead;
	unsigned char *plain;
	size_t plain_cap;
	rs_verify_result *res;
	int table;                 /* being walked */
	rs_progress_fn progress;
	void *progress_arg;
	uint64_t total;
} verify_run;

static void verify_cell(verify_run *run, const rs_content_table_info *ti,
    int table, const rs_content_row *row, int c)
{
	rs_value_place place = { ti->table, row->id, ti->columns[c],
	    row->name };
	size_t plain_len = 0;
	int status = RS_OPEN_MALFORMED;

	run->res->checked++;
	if (row->cell_len[c] >= RS_SEAL_OVERHEAD &&
	    row->cell_len[c] - RS_SEAL_OVERHEAD <= run->plain_cap)
		status = rs_aead_open(run->aead, &place, row->cell[c],
		    row->cell_len[c], run->plain, &plain_len, NULL);
	rs_wipe(run->plain, plain_len);
	if (status == RS_OPEN_OK) {
		run->res->ok++;
		return;
	}
	run->res->failed++;
	run->res->failed_cells[table][c]++;
	if (status == RS_OPEN_MALFORMED)
		run->res->malformed++;
	else if (status == RS_OPEN_OTHER_GENERATION)
		run->res->other_generation++;
	else
		run->res->auth_failed++;
}

static void verify_cell_cb(void *arg, const rs_content_table_info *ti,
    const rs_content_row *row, int c)
{
	verify_run *run = arg;

	verify_cell(run, ti, run->table, row, c);
}

static int verify_batch_done(void *arg, rs_error *err)
{
	verify_run *run = arg;

	if (run->progress && run->progress(run->progress_arg, run->res->checked,
	    run->total) != 0)
		return rs_err(err, RS_ERR_CANCELLED, _("Verification cancelled."));
	return RS_OK;
}

static int verify_all(rs_ctx *ctx, rs_progress_fn progress, void *arg,
    rs_verify_result *res, rs_error *err)
{
	verify_run run = { .res = res, .plain_cap = 1 << 20,
	    .progress = progress, .progress_arg = arg };
	const ops_cell_walk walk = { verify_cell_cb, verify_batch_done, &run };
	rs_content_batch batch = { .count = 0 };
	uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	ops_unlocked u;
	int rc = ops_unlock(ctx, &u, NULL, err);

	if (rc != RS_OK)
		return rc;
	run.plain = rs_secret_alloc(run.plain_cap);
	run.aead = rs_aead_new(u.key, u.info.generation, u.database_id, err);
	if (run.plain == NULL || run.aead == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc == RS_OK)
		rc = ctx->store->ops->content_count(ctx->store, cells, err);
	run.total = rc == RS_OK ? ops_count_values(cells) : 0;
	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++) {
		run.table = t;
		rc = ops_walk_cells(ctx, t, &batch, &walk, err);
	}
	rs_content_batch_free(&batch);
	rs_aead_free(run.aead);
	rs_secret_free(run.plain, run.plain_cap);
	ops_unlocked_free(&u);
	return rc;
}

int rs_op_verify(rs_ctx *ctx, rs_progress_fn progress, void *arg,
    rs_verify_result *res, rs_error *err)
{
	rs_verify_result local;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	rc = ctx->store->ops->admin_lock(ctx->store, "verify", err);
	if (rc != RS_OK)
		return rc;
	rc = verify_all(ctx, progress, arg, res, err);
	ctx->store->ops->admin_unlock(ctx->store);
	if (rc == RS_OK && res->failed > 0)
		rc = rs_err(err, RS_ERR_FAILED, _("%llu of %llu values cannot be "
		    "decrypted with the current key (%llu damaged, %llu from "
		    "another key generation, %llu wrong key or moved)."),
		    (unsigned long long)res->failed,
		    (unsigned long long)res->checked,
		    (unsigned long long)res->malformed,
		    (unsigned long long)res->other_generation,
		    (unsigned long long)res->auth_failed);
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("All %llu values decrypt with the "
		    "current key"), (unsigned long long)res->checked);
	return rc;
}
