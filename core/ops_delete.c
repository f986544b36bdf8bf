/* SPDX-License-Identifier: ISC */
/* ops_delete.c: delete the key and all encrypted content, then make a fresh
 * key (doc/ssrs.md, Delete).  Irreversible; meant for when no backup can be
 * restored, so it does not need this instance to be activated. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "keystore.h"
#include "ops_internal.h"

static void tally_row(const rs_content_row *row, int table,
    rs_delete_result *res, char *what, size_t size)
{
	const rs_content_table_info *ti = rs_content_info(table);
	size_t used = 0;

	what[0] = '\0';
	for (int c = 0; c < ti->ncells; c++) {
		if (row->cell[c] == NULL)
			continue;
		res->values++;
		used += (size_t)snprintf(what + used, used < size ? size - used : 0,
		    "%s%s", used ? ", " : "", _(ti->cell_labels[c]));
	}
	if (table == RS_TABLE_SUBSCRIPTIONS)
		res->subscriptions++;
	else {
		res->datasources += row->cell[0] != NULL;
		res->credentials += row->cell[1] != NULL;
	}
}

/* Lists what the admin must re-enter, then clears every cell. */
static int clear_content(rs_ctx *ctx, rs_reentry_fn each, void *arg,
    rs_delete_result *res, rs_error *err)
{
	rs_content_batch batch = { .count = 0 };
	char what[256];
	int rc = RS_OK;

	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++) {
		int64_t after = 0;

		for (;;) {
			rc = ctx->store->ops->content_next(ctx->store, t, after,
			    &batch, err);
			if (rc != RS_OK || batch.count == 0)
				break;
			for (size_t i = 0; i < batch.count; i++) {
				tally_row(&batch.rows[i], t, res, what, sizeof what);
				if (each)
					each(arg, t, batch.rows[i].id,
					    batch.rows[i].name, what);
			}
			after = batch.rows[batch.count - 1].id;
		}
		if (rc == RS_OK)
			rc = ctx->store->ops->content_clear(ctx->store, t, err);
	}
	rs_content_batch_free(&batch);
	return rc;
}

/* This instance gets a copy under the key pair it has now, so that it is
 * activated afterwards even if its identity had changed. */
static int wrap_for_self(rs_ctx *ctx, const rs_symkey *key,
    uint32_t generation, rs_error *err)
{
	int rc = ops_wrap_for_self(ctx, key, generation, err);

	if (rc != RS_ERR_NOT_FOUND)
		return rc;
	rs_err_clear(err);
	ops_step(ctx, RS_STEP_WARNING, _("This instance has no key pair; run "
	    "rskeymgmt --init to activate it"));
	return RS_OK;
}

typedef struct deletion {
	rs_reentry_fn each;
	void *arg;
	rs_delete_result *res;
	bool force;            /* go ahead while members' services run */
	char target[512];      /* audited: instances and generations */
} deletion;

static int delete_locked(rs_ctx *ctx, void *arg_, rs_error *err)
{
	deletion *d = arg_;
	rs_reentry_fn each = d->each;
	void *arg = d->arg;
	rs_delete_result *res = d->res;
	rs_symkey *fresh = rs_symkey_new();
	rs_keyinfo info = { .present = false };
	/* Under the admin lock, as for a change: running services would keep
	 * the deleted key (issue 14). */
	int rc = ops_members_check_stopped(ctx, d->force, err);

	if (rc == RS_OK)
		rc = fresh ? ctx->store->ops->keyinfo_get(ctx->store, &info, err)
		    : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));

	if (rc == RS_OK)
		rc = clear_content(ctx, each, arg, res, err);
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, _("Deleted %llu encrypted values"),
		    (unsigned long long)res->values);
		rc = rs_symkey_generate(fresh, err);
	}
	res->new_generation = info.present ? info.generation + 1 : 1;
	if (rc == RS_OK)
		rc = ops_rewrap_joined(ctx, fresh, res->new_generation,
		    &res->members_rewrapped, NULL, err);
	if (rc == RS_OK)
		rc = wrap_for_self(ctx, fresh, res->new_generation, err);
	if (rc == RS_OK) {
		memset(&info, 0, sizeof info);
		info.present = true;
		info.generation = res->new_generation;
		rs_symkey_kcv(fresh, info.kcv);
		info.created = info.last_change = ops_now();
		snprintf(res->new_kcv, sizeof res->new_kcv, "%s", info.kcv);
		rc = ctx->store->ops->keyinfo_put(ctx->store, &info, err);
	}
	ops_audit_target(ctx, d->target, sizeof d->target,
	    res->new_generation - 1, res->new_generation);
	rs_symkey_free(fresh);
	return rc;
}

int rs_op_delete_preview(rs_ctx *ctx, rs_delete_result *res, rs_error *err)
{
	uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	int rc = ctx->store->ops->content_count(ctx->store, cells, err);

	memset(res, 0, sizeof *res);
	if (rc != RS_OK)
		return rc;
	res->datasources = cells[RS_TABLE_DATASOURCES][0];
	res->credentials = cells[RS_TABLE_DATASOURCES][1];
	res->subscriptions = cells[RS_TABLE_SUBSCRIPTIONS][0];
	res->values = ops_count_values(cells);
	return RS_OK;
}

static void delete_done(rs_ctx *ctx, void *arg)
{
	const deletion *d = arg;

	ops_step(ctx, RS_STEP_OK, _("Created a new key (generation %u, check "
	    "value %s)"), d->res->new_generation, d->res->new_kcv);
	ops_service_reload_local(ctx);
}

int rs_op_delete(rs_ctx *ctx, rs_reentry_fn each, void *arg,
    rs_delete_result *res, rs_error *err)
{
	return rs_op_delete_opt(ctx, false, each, arg, res, err);
}

int rs_op_delete_opt(rs_ctx *ctx, bool force, rs_reentry_fn each, void *arg,
    rs_delete_result *res, rs_error *err)
{
	rs_delete_result local;
	deletion d = { each, arg, res ? res : &local, force, "" };
	ops_op op = { .name = "delete", .arg = &d, .work = delete_locked,
	    .done = delete_done, .target = d.target };

	memset(d.res, 0, sizeof *d.res);
	ops_audit_target(ctx, d.target, sizeof d.target, 0, 0);
	return ops_run(ctx, &op, err);
}
